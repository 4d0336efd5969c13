/* name_sort against a plain qsort of the same keys spelled out as strings. */
#include <stdlib.h>
#include <string.h>

#include "core/namesort.h"
#include "tap.h"

struct ref {
	char key[80]; /* name, then '/' for a directory */
	size_t index;
};

static int ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ref *)a)->key, ((const struct ref *)b)->key); /* strcmp compares unsigned bytes */
}

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

/* n distinct names built from `alphabet`, with lengths up to maxlen after a
 * shared prefix; a quarter of them are directories. Returns 1 when name_sort
 * agrees with the reference everywhere. */
static int agrees(size_t n, const char *prefix, const char *alphabet, size_t maxlen, unsigned seed)
{
	char (*names)[64] = calloc(n, sizeof(*names));
	struct name_key *k = calloc(n ? n : 1, sizeof(*k));
	struct ref *r = calloc(n ? n : 1, sizeof(*r));
	size_t alen = strlen(alphabet), made = 0;
	int same = 1;

	while (made < n) {
		char buf[64];
		size_t len = strlen(prefix), extra = 1 + rnd(&seed) % maxlen;
		memcpy(buf, prefix, len);
		for (size_t j = 0; j < extra; j++)
			buf[len++] = alphabet[rnd(&seed) % alen];
		buf[len] = '\0';
		int dup = 0;
		for (size_t i = 0; i < made && !dup; i++)
			dup = !strcmp(names[i], buf);
		if (dup)
			continue;
		strcpy(names[made], buf);
		int is_dir = rnd(&seed) % 4 == 0;
		name_key_set(&k[made], names[made], strlen(names[made]), is_dir, made);
		snprintf(r[made].key, sizeof(r[made].key), "%s%s", buf, is_dir ? "/" : "");
		r[made].index = made;
		made++;
	}
	name_sort(k, n);
	qsort(r, n, sizeof(*r), ref_cmp);
	for (size_t i = 0; i < n && same; i++)
		if (k[i].index != r[i].index) {
			same = 0;
			printf("#   position %zu: got '%s', want '%s'\n", i, names[k[i].index], r[i].key);
		}
	free(names);
	free(k);
	free(r);
	return same;
}

int main(void)
{
	ok(agrees(0, "", "ab", 3, 1), "no names");
	ok(agrees(1, "", "ab", 3, 1), "one name");
	ok(agrees(20, "", "ab-.", 4, 2), "a run small enough for insertion sort");
	ok(agrees(1000, "f000", "0123456789", 4, 3), "names sharing their first bytes (f000123.dat)");
	ok(agrees(2000, "frame_0000_", "0123456789", 6, 4), "a shared prefix longer than a chunk");
	ok(agrees(3000, "", "a-.0z~\x7f\x80\xff", 12, 5), "bytes on both sides of '/', and above 0x7f");
	ok(agrees(3000, "abcdefg", "ab", 12, 6), "names ending at, before and after a chunk boundary");
	ok(agrees(1500, "", "ab", 11, 7), "many names that are prefixes of others");

	/* a directory "a" sorts as "a/": after "a-b" and "a.c", before "a0" */
	struct name_key k[4];
	name_key_set(&k[0], "a0", 2, 0, 0);
	name_key_set(&k[1], "a", 1, 1, 1);
	name_key_set(&k[2], "a.c", 3, 0, 2);
	name_key_set(&k[3], "a-b", 3, 0, 3);
	name_sort(k, 4);
	ok(k[0].index == 3 && k[1].index == 2 && k[2].index == 1 && k[3].index == 0,
	   "a directory sorts by its name and a '/'");
	return done_testing();
}
