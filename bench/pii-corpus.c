/*
 * pii-corpus: the redaction over a tree of files, in one process.
 *
 *   pii-corpus speed DIR [ROUNDS]  load every file, then time redact_text()
 *                                  over all of them, ROUNDS times (default 5);
 *                                  print each round, the best, and the items
 *                                  per kind
 *   pii-corpus show DIR [KIND]     print every item found (of KIND), with the
 *                                  line it sits on, for reading hits by eye
 *
 * Built by bench/pii-speed.sh against the objects of build/.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "builtin/redact.h"
#include "util/fs.h"
#include "util/strbuf.h"

/* All the files of a tree, in memory. */
struct corpus {
	struct strbuf *files; /* contents */
	char **paths;         /* their paths */
	size_t n, alloc;      /* files loaded, slots allocated */
	size_t bytes;         /* total size */
};

static void load(struct corpus *c, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct strbuf p = STRBUF_INIT;
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path_join(&p, dir, de->d_name);
		if (!lstat(p.buf, &st) && S_ISDIR(st.st_mode)) {
			load(c, p.buf);
		} else if (S_ISREG(st.st_mode)) {
			if (c->n == c->alloc) {
				c->alloc = c->alloc ? 2 * c->alloc : 1024;
				c->files = realloc(c->files, c->alloc * sizeof(*c->files));
				c->paths = realloc(c->paths, c->alloc * sizeof(*c->paths));
			}
			strbuf_init(&c->files[c->n], 0);
			if (strbuf_read_file(&c->files[c->n], p.buf, 64 << 20) == 0) {
				c->bytes += c->files[c->n].len;
				c->paths[c->n++] = strbuf_detach(&p, NULL);
			}
		}
		strbuf_release(&p);
	}
	closedir(d);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int speed(struct corpus *c, int rounds)
{
	struct strbuf out = STRBUF_INIT;
	struct pii_counts counts;
	double best = 1e9;

	for (int r = 0; r < rounds; r++) {
		memset(&counts, 0, sizeof(counts));
		double t0 = now();
		for (size_t i = 0; i < c->n; i++) {
			strbuf_reset(&out);
			redact_text(c->files[i].buf, c->files[i].len, &out, &counts);
		}
		double t = now() - t0;
		printf("round %d %.4f s %.1f MB/s\n", r + 1, t, c->bytes / t / 1e6);
		if (t < best)
			best = t;
	}
	printf("files %zu bytes %zu best-of-%d %.3f s  %.1f MB/s\n", c->n, c->bytes, rounds, best,
	       c->bytes / best / 1e6);
	for (int k = 0; k < PII_NKINDS; k++)
		printf("  %-18s %zu\n", pii_kind_name((enum pii_kind)k), counts.n[k]);
	strbuf_release(&out);
	return 0;
}

static int show(struct corpus *c, const char *kind)
{
	for (size_t i = 0; i < c->n; i++) {
		const char *t = c->files[i].buf;
		struct pii_item *items;
		size_t n = pii_find(t, c->files[i].len, &items);
		for (size_t k = 0; k < n; k++) {
			if (kind && strcmp(kind, pii_kind_name(items[k].kind)))
				continue;
			size_t ls = items[k].start, le = items[k].end;
			while (ls > 0 && t[ls - 1] != '\n')
				ls--;
			while (le < c->files[i].len && t[le] != '\n')
				le++;
			printf("%s %s [%.*s] | %.*s\n", pii_kind_name(items[k].kind), c->paths[i],
			       (int)(items[k].end - items[k].start > 80 ? 80 : items[k].end - items[k].start),
			       t + items[k].start, (int)(le - ls > 200 ? 200 : le - ls), t + ls);
		}
		free(items);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct corpus c = { 0 };
	int ret;

	if (argc < 3) {
		fprintf(stderr, "usage: pii-corpus speed DIR [ROUNDS] | show DIR [KIND]\n");
		return 2;
	}
	load(&c, argv[2]);
	if (!strcmp(argv[1], "speed"))
		ret = speed(&c, argc > 3 ? atoi(argv[3]) : 5);
	else
		ret = show(&c, argc > 3 ? argv[3] : NULL);
	for (size_t i = 0; i < c.n; i++) {
		strbuf_release(&c.files[i]);
		free(c.paths[i]);
	}
	free(c.files);
	free(c.paths);
	return ret;
}
