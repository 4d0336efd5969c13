/*
 * A stage's Slurm resources. A stage asks for them in its meta:
 *
 *   meta:
 *     slurm: {partition: gpu, time: "01:00:00", mem: 8G, gres: "gpu:1", cpus: 4}
 *
 * and .repro/config gives project-wide defaults under the same names:
 *
 *   [slurm]
 *       partition = batch
 *       time = 00:30:00
 *
 * Only the settings in the table below exist; each becomes one sbatch
 * argument "--option=value". Values are checked before anything is
 * submitted: a value starting with '-' or holding a newline is refused, so
 * a stages file can never smuggle in another sbatch option.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "exec/slurm.h"
#include "util/error.h"
#include "util/suggest.h"
#include "util/xalloc.h"

/* How a setting is passed to sbatch. */
enum kind {
	VALUE, /* --flag=value */
	FLAG,  /* a boolean: --flag when true */
	REQUEUE, /* a boolean: --requeue when true, --no-requeue otherwise */
};

/* One setting a stage or the config may make. */
struct slurm_key {
	const char *key;  /* name under meta.slurm and [slurm] */
	const char *flag; /* the sbatch option */
	enum kind kind;
};

static const struct slurm_key keys[SLURM_NKEYS] = {
	{ "partition", "--partition", VALUE },
	{ "time", "--time", VALUE },
	{ "mem", "--mem", VALUE },
	{ "mem-per-cpu", "--mem-per-cpu", VALUE },
	{ "cpus", "--cpus-per-task", VALUE },
	{ "gres", "--gres", VALUE },
	{ "gpus", "--gpus", VALUE },
	{ "nodes", "--nodes", VALUE },
	{ "ntasks", "--ntasks", VALUE },
	{ "account", "--account", VALUE },
	{ "qos", "--qos", VALUE },
	{ "constraint", "--constraint", VALUE },
	{ "reservation", "--reservation", VALUE },
	{ "nodelist", "--nodelist", VALUE },
	{ "exclude", "--exclude", VALUE },
	{ "tmp", "--tmp", VALUE },
	{ "exclusive", "--exclusive", FLAG },
	/* Requeueing is off unless asked for: a job that Slurm requeues after a
	 * node failure would run again with half-written outputs around it,
	 * while a failed stage is simply run again by the next `repro run`. */
	{ "requeue", "--requeue", REQUEUE },
};

#define POLL_MS_DEFAULT 300

static int find_key(const char *name)
{
	for (int k = 0; k < SLURM_NKEYS; k++)
		if (!strcmp(keys[k].key, name))
			return k;
	return -1;
}

/* Appends "(did you mean 'x'?)" or the list of known settings. */
static void describe_unknown(const char *name, struct strbuf *sb)
{
	const char *names[SLURM_NKEYS];

	for (int k = 0; k < SLURM_NKEYS; k++)
		names[k] = keys[k].key;
	const char *s = suggest(name, names, SLURM_NKEYS);
	if (s) {
		strbuf_addf(sb, "did you mean '%s'?", s);
		return;
	}
	strbuf_addstr(sb, "known:");
	for (int k = 0; k < SLURM_NKEYS; k++)
		strbuf_addf(sb, "%s %s", k ? "," : "", names[k]);
}

const char *slurm_value_problem(const char *v)
{
	if (!*v)
		return "it is empty";
	if (*v == '-')
		return "a value cannot start with '-'";
	if (strlen(v) > 1024)
		return "it is too long";
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return "a value cannot hold newlines or control characters";
	return NULL;
}

/* Reads a boolean as git config writes it; -1 when it is not one. */
static int parse_bool(const char *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1" }, *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return -1;
}

/* v for a message: control characters shown as '?', newly allocated. */
static char *printable(const char *v)
{
	char *p = xstrdup(v);

	for (char *c = p; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return p;
}

/* Checks one value of setting k; why describes a problem. */
static const char *check_value(int k, const char *v)
{
	if (keys[k].kind != VALUE)
		return parse_bool(v) < 0 ? "it must be true or false" : NULL;
	return slurm_value_problem(v);
}

struct load_ctx {
	struct slurm_defaults *d; /* what is being filled */
	int bad;                  /* a key or value was reported */
};

static int load_one(const char *key, const char *value, void *data)
{
	struct load_ctx *lc = data;
	const char *name = key + strlen("slurm.");
	struct strbuf sb = STRBUF_INIT;
	const char *why;
	int k;

	if (strncmp(key, "slurm.", strlen("slurm.")) || !strcmp(name, "poll-ms"))
		return 0; /* read as a number below */
	if ((k = find_key(name)) < 0) {
		describe_unknown(name, &sb);
		error("unknown config key '%s' (%s; fix it in .repro/config)", key, sb.buf);
		strbuf_release(&sb);
		lc->bad = 1;
		return 0;
	}
	if ((why = check_value(k, value ? value : ""))) {
		char *shown = printable(value ? value : "");
		error("bad value '%s' for config key '%s': %s (fix it in .repro/config)", shown, key, why);
		free(shown);
		lc->bad = 1;
		return 0;
	}
	free(lc->d->value[k]);
	lc->d->value[k] = xstrdup(value);
	return 0;
}

int slurm_defaults_load(struct slurm_defaults *d, const struct config *config)
{
	struct load_ctx lc = { d, 0 };

	memset(d, 0, sizeof(*d));
	d->poll_ms = POLL_MS_DEFAULT;
	if (!config)
		return 0;
	/* every key, filtered in load_one: libgit2 1.5 leaks a pcre2 match
	 * block for each key a config regex does not match */
	if (config_foreach(config, NULL, load_one, &lc) < 0 || lc.bad ||
	    config_get_int(config, "slurm.poll-ms", POLL_MS_DEFAULT, &d->poll_ms) < 0)
		goto fail;
	if (d->poll_ms < 50 || d->poll_ms > 600000) {
		error("config key 'slurm.poll-ms' must be between 50 and 600000 (milliseconds), not %d", d->poll_ms);
		goto fail;
	}
	return 0;
fail:
	slurm_defaults_release(d);
	return -1;
}

void slurm_defaults_release(struct slurm_defaults *d)
{
	for (int k = 0; k < SLURM_NKEYS; k++)
		free(d->value[k]);
	memset(d, 0, sizeof(*d));
}

/* The text of a meta.slurm value, newly allocated; NULL when of a wrong type. */
static char *meta_text(int k, const cJSON *v)
{
	if (keys[k].kind != VALUE && cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (keys[k].kind == VALUE && cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15 &&
	    v->valuedouble == (double)(long long)v->valuedouble)
		return xasprintf("%lld", (long long)v->valuedouble);
	return NULL;
}

/* Fills vals[] from meta.slurm (values newly allocated). Returns 0 or -1. */
static int read_meta(const char *stage, const cJSON *meta, char *vals[SLURM_NKEYS])
{
	const cJSON *sl = meta ? cJSON_GetObjectItemCaseSensitive(meta, "slurm") : NULL;
	const cJSON *it;
	int bad = 0;

	if (!sl)
		return 0;
	if (!cJSON_IsObject(sl))
		return error("stage '%s': meta.slurm must be a mapping of sbatch settings (partition, time, mem...)",
			     stage);
	cJSON_ArrayForEach(it, sl) {
		struct strbuf sb = STRBUF_INIT;
		int k = find_key(it->string);
		char *v;
		const char *why;
		if (k < 0) {
			char *shown = printable(it->string);
			describe_unknown(it->string, &sb);
			bad = error("stage '%s': unknown setting '%s' in meta.slurm (%s)", stage, shown, sb.buf);
			free(shown);
		} else if (!(v = meta_text(k, it))) {
			bad = error("stage '%s': meta.slurm.%s must be %s", stage, it->string,
				    keys[k].kind == VALUE ? "a string or a whole number" : "true or false");
		} else if ((why = check_value(k, v))) {
			char *shown = printable(v);
			bad = error("stage '%s': bad value '%s' for meta.slurm.%s: %s", stage, shown, it->string, why);
			free(shown);
			free(v);
		} else {
			free(vals[k]);
			vals[k] = v;
		}
		strbuf_release(&sb);
	}
	return bad;
}

int slurm_stage_opts(const struct slurm_defaults *d, const char *stage, const cJSON *meta, struct strlist *args)
{
	char *vals[SLURM_NKEYS] = { 0 };
	int ret = read_meta(stage, meta, vals);

	for (int k = 0; !ret && k < SLURM_NKEYS; k++) {
		const char *v = vals[k] ? vals[k] : d->value[k];
		if (keys[k].kind == VALUE && v)
			strlist_push(args, xasprintf("%s=%s", keys[k].flag, v));
		else if (keys[k].kind == FLAG && v && parse_bool(v) == 1)
			strlist_push(args, xstrdup(keys[k].flag));
		else if (keys[k].kind == REQUEUE)
			strlist_push(args, xstrdup(v && parse_bool(v) == 1 ? "--requeue" : "--no-requeue"));
	}
	for (int k = 0; k < SLURM_NKEYS; k++)
		free(vals[k]);
	return ret;
}
