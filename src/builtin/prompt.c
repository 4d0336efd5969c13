#include "builtin/prompt.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

/* The defaults, used when params.yaml has no prompt_rules. */
static const char *const gpu_words[] = { "gpu", "gpus", "cuda", "nvidia", NULL };
static const char *const inference_words[] = {
	"inference", "inferenceservice", "serving", "predictor", "kserve", "seldon",
	"triton", "vllm", "llm", "model", "models", NULL };
static const char *const training_words[] = {
	"train", "training", "trainer", "pytorchjob", "tfjob", "mpijob", "rayjob",
	"raycluster", "ray", "job", "jobs", NULL };
static const char *const deploy_words[] = {
	"deploy", "deployment", "deployments", "statefulset", "daemonset", "replicaset",
	"pod", NULL };
static const char *const service_words[] = {
	"service", "services", "svc", "ingress", "gateway", "route", "virtualservice", NULL };
static const char *const config_words[] = {
	"config", "configmap", "configuration", "values", "settings", "rbac", "role",
	"rolebinding", "namespace", "secret", NULL };

static const struct {
	const char *name;          /* prompt type */
	const char *opening;       /* prompt opening */
	const char *const *words;  /* selecting words, NULL-terminated */
} default_rules[] = {
	{ "gpu", "Apply the GPU serving configuration", gpu_words },
	{ "inference", "Apply the model inference service", inference_words },
	{ "training", "Apply the distributed training job", training_words },
	{ "deploy", "Apply the deployment", deploy_words },
	{ "service", "Apply the service definition", service_words },
	{ "config", "Apply the cluster configuration", config_words },
};

static void load_defaults(struct prompt_rules *r)
{
	size_t nd = sizeof(default_rules) / sizeof(default_rules[0]);

	r->rules = xcalloc(nd, sizeof(*r->rules));
	r->n = (int)nd;
	for (size_t i = 0; i < nd; i++) {
		r->rules[i].name = default_rules[i].name;
		r->rules[i].opening = default_rules[i].opening;
		for (const char *const *w = default_rules[i].words; *w; w++)
			strlist_push(&r->rules[i].words, (char *)*w);
	}
}

static int load_rule(struct prompt_rule *rule, const struct sparams *p, const struct ynode *n)
{
	static const char *const keys[] = { "name", "words", "prompt" };
	const struct ynode *v[3];

	if (n->type != YNODE_MAP)
		return sparams_error(p, n, "each of 'preprocess.prompt_rules' must be a mapping "
				    "with name, words and prompt");
	for (size_t k = 0; k < n->n; k++)
		if (strcmp(n->keys[k]->str, "name") && strcmp(n->keys[k]->str, "words") &&
		    strcmp(n->keys[k]->str, "prompt"))
			return sparams_error(p, n->keys[k], "unknown key '%s' in a prompt rule "
					    "(it takes name, words and prompt)", n->keys[k]->str);
	for (int k = 0; k < 3; k++) {
		v[k] = ytree_get(n, keys[k]);
		if (!v[k])
			return sparams_error(p, n, "a prompt rule needs '%s'", keys[k]);
	}
	if (v[0]->type != YNODE_SCALAR || !*v[0]->str)
		return sparams_error(p, v[0], "a prompt rule's 'name' must be a non-empty string");
	if (v[2]->type != YNODE_SCALAR || !*v[2]->str)
		return sparams_error(p, v[2], "a prompt rule's 'prompt' must be a non-empty string");
	rule->name = v[0]->str;
	rule->opening = v[2]->str;
	return sparams_strings_node(p, v[1], "words", &rule->words) < 0 ? -1 : 0;
}

int prompt_rules_load(struct prompt_rules *r, const struct sparams *p)
{
	const struct ynode *n = sparams_node(p, "prompt_rules");

	r->rules = NULL;
	r->n = 0;
	r->fallback = "Apply the Kubernetes manifest";
	if (sparams_string(p, "prompt_fallback", &r->fallback) < 0)
		return -1;
	if (!*r->fallback)
		return sparams_error(p, sparams_node(p, "prompt_fallback"),
				    "'preprocess.prompt_fallback' must not be empty");
	if (!n) {
		load_defaults(r);
		return 0;
	}
	if (n->type != YNODE_SEQ)
		return sparams_error(p, n, "'preprocess.prompt_rules' must be a list of rules");
	r->rules = xcalloc(n->n + 1, sizeof(*r->rules));
	for (size_t i = 0; i < n->n; i++) {
		r->n++;
		if (load_rule(&r->rules[i], p, n->items[i]) < 0)
			return -1;
		if (!strcmp(r->rules[i].name, "fallback"))
			return sparams_error(p, n->items[i], "the prompt type 'fallback' is reserved "
					    "for prompt_fallback");
	}
	return 0;
}

void prompt_rules_release(struct prompt_rules *r)
{
	for (int i = 0; i < r->n; i++)
		strlist_release(&r->rules[i].words, 0);
	free(r->rules);
	r->rules = NULL;
	r->n = 0;
}

static int is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Appends the lower-cased words of path's base name, space-separated. */
static void name_words(const char *path, struct strbuf *out)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	const char *end = dot && dot != base ? dot : base + strlen(base);

	for (const char *c = base; c < end; c++) {
		if (!is_word_byte((unsigned char)*c)) {
			if (out->len && out->buf[out->len - 1] != ' ')
				strbuf_addch(out, ' ');
			continue;
		}
		strbuf_addch(out, *c >= 'A' && *c <= 'Z' ? *c + ('a' - 'A') : *c);
	}
	if (out->len && out->buf[out->len - 1] == ' ')
		strbuf_setlen(out, out->len - 1);
}

/* True when the space-separated `words` hold w (case-insensitively). */
static int has_word(const char *words, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = words; *p;) {
		const char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		if (len == n && !strncasecmp(p, w, n))
			return 1;
		p += len + (sp != NULL);
	}
	return 0;
}

const char *prompt_synthesize(const struct prompt_rules *r, const char *path, struct strbuf *out)
{
	struct strbuf words = STRBUF_INIT;
	const struct prompt_rule *match = NULL;

	name_words(path, &words);
	for (int i = 0; i < r->n && !match; i++)
		for (int k = 0; k < r->rules[i].words.n && !match; k++)
			if (has_word(words.buf, r->rules[i].words.items[k]))
				match = &r->rules[i];
	const char *opening = match ? match->opening : r->fallback;
	strbuf_addstr(out, opening);
	if (words.len) {
		strbuf_addstr(out, ": ");
		strbuf_addbuf(out, &words);
	}
	strbuf_addch(out, '.');
	strbuf_release(&words);
	return match ? match->name : "fallback";
}
