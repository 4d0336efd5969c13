#include "builtin/keywords.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

const char *const keywords_default[] = {
	"nvidia.com/gpu", "gpu", "cuda", "kserve", "inferenceservice", "servingruntime", "seldon",
	"seldondeployment", "triton", "tensorrt", "vllm", "ray", "raycluster", "rayjob", "rayservice",
	"kuberay", "kubeflow", "pytorchjob", "tfjob", "mpijob", "katib", "pytorch", "tensorflow",
	"huggingface", "llm", "inference", "mlflow", "jupyter", "leaderworkerset", NULL
};

static inline unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static inline int is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void keywords_init(struct keywords *kw, char *const *words, int n)
{
	int count[256] = { 0 };

	kw->n = n;
	kw->words = xcalloc((size_t)n + 1, sizeof(*kw->words));
	kw->lens = xcalloc((size_t)n + 1, sizeof(*kw->lens));
	kw->by_first = xcalloc((size_t)n + 1, sizeof(*kw->by_first));
	for (int i = 0; i < n; i++) {
		kw->lens[i] = strlen(words[i]);
		kw->words[i] = xstrdup(words[i]);
		for (size_t j = 0; j < kw->lens[i]; j++)
			kw->words[i][j] = (char)lower((unsigned char)words[i][j]);
		count[(unsigned char)kw->words[i][0]]++;
	}
	kw->first_at[0] = 0;
	for (int c = 0; c < 256; c++)
		kw->first_at[c + 1] = kw->first_at[c] + count[c];
	int fill[256];
	memcpy(fill, kw->first_at, sizeof(fill));
	/* in list order within a group, so keywords_first honours the list order */
	for (int i = 0; i < n; i++)
		kw->by_first[fill[(unsigned char)kw->words[i][0]]++] = i;
}

void keywords_release(struct keywords *kw)
{
	for (int i = 0; i < kw->n; i++)
		free(kw->words[i]);
	free(kw->words);
	free(kw->lens);
	free(kw->by_first);
	memset(kw, 0, sizeof(*kw));
}

static int match_at(const struct keywords *kw, int k, const unsigned char *t, size_t i, size_t len)
{
	size_t n = kw->lens[k];
	const char *w = kw->words[k];

	if (!n || n > len - i)
		return 0;
	for (size_t j = 0; j < n; j++)
		if (lower(t[i + j]) != (unsigned char)w[j])
			return 0;
	return i + n == len || !is_word(t[i + n]);
}

int keywords_find(const struct keywords *kw, const char *text, size_t len)
{
	const unsigned char *t = (const unsigned char *)text;

	for (size_t i = 0; i < len; i++) {
		if (i && is_word(t[i - 1]))
			continue;
		unsigned char c = lower(t[i]);
		for (int g = kw->first_at[c]; g < kw->first_at[c + 1]; g++)
			if (match_at(kw, kw->by_first[g], t, i, len))
				return kw->by_first[g];
	}
	return -1;
}

void keywords_hits(const struct keywords *kw, const char *text, size_t len, unsigned char *hits)
{
	const unsigned char *t = (const unsigned char *)text;

	for (size_t i = 0; i < len; i++) {
		if (i && is_word(t[i - 1]))
			continue;
		unsigned char c = lower(t[i]);
		for (int g = kw->first_at[c]; g < kw->first_at[c + 1]; g++)
			if (!hits[kw->by_first[g]] && match_at(kw, kw->by_first[g], t, i, len))
				hits[kw->by_first[g]] = 1;
	}
}
