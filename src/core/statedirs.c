#include "core/state.h"
#include "core/state_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* The newest entry for key among d[0..n), or NULL. A pipeline has a few
 * directories, a big one a few hundred: a linear search does. */
static const struct state_dir *find_dir(const struct state_dir *d, size_t n, const unsigned char key[HASH_RAW_LEN])
{
	for (size_t i = n; i-- > 0;)
		if (!memcmp(d[i].key, key, HASH_RAW_LEN))
			return &d[i];
	return NULL;
}

static const struct state_dir *lookup(const struct state *s, const unsigned char key[HASH_RAW_LEN])
{
	const struct state_dir *d = find_dir(s->dadded, s->ndadded, key);

	return d ? d : find_dir(s->dbase, s->ndbase, key);
}

int state_dir_get(struct state *s, const unsigned char key[HASH_RAW_LEN], unsigned char id[HASH_RAW_LEN],
		  uint64_t *size, uint64_t *nfiles)
{
	pthread_mutex_lock(&s->lock);
	const struct state_dir *d = lookup(s, key);
	if (d) {
		memcpy(id, d->id, HASH_RAW_LEN);
		*size = d->size;
		*nfiles = d->nfiles;
	}
	pthread_mutex_unlock(&s->lock);
	return d != NULL;
}

void state_dir_put(struct state *s, const unsigned char key[HASH_RAW_LEN], const unsigned char id[HASH_RAW_LEN],
		   uint64_t size, uint64_t nfiles)
{
	struct state_dir r;

	memset(&r, 0, sizeof(r));
	memcpy(r.key, key, HASH_RAW_LEN);
	memcpy(r.id, id, HASH_RAW_LEN);
	r.size = size;
	r.nfiles = nfiles;
	r.added_ns = now_ns();
	pthread_mutex_lock(&s->lock);
	const struct state_dir *old = lookup(s, key);
	if (!old || memcmp(old->id, id, HASH_RAW_LEN) || old->size != size || old->nfiles != nfiles) {
		if (s->ndadded >= 2 * STATE_MAX_DIRS) { /* bound the searches: drop the older half */
			memmove(s->dadded, s->dadded + STATE_MAX_DIRS, (s->ndadded - STATE_MAX_DIRS) * sizeof(r));
			s->ndadded -= STATE_MAX_DIRS;
		}
		ARRAY_GROW(s->dadded, s->dalloc, s->ndadded + 1);
		s->dadded[s->ndadded++] = r;
		s->changed = 1;
	}
	pthread_mutex_unlock(&s->lock);
}

struct state_dir *state_dirs_merge(const struct state *s, size_t *n)
{
	struct state_dir *out = xmalloc((s->ndbase + s->ndadded + 1) * sizeof(*out));
	size_t k = 0;

	/* oldest first: the loaded ones not replaced, then the added ones,
	 * each key once (its last put) */
	for (size_t i = 0; i < s->ndbase; i++)
		if (!find_dir(s->dadded, s->ndadded, s->dbase[i].key))
			out[k++] = s->dbase[i];
	for (size_t i = 0; i < s->ndadded; i++)
		if (!find_dir(s->dadded + i + 1, s->ndadded - i - 1, s->dadded[i].key))
			out[k++] = s->dadded[i];
	if (k > STATE_MAX_DIRS) {
		memmove(out, out + (k - STATE_MAX_DIRS), STATE_MAX_DIRS * sizeof(*out));
		k = STATE_MAX_DIRS;
	}
	*n = k;
	return out;
}
