/*
 * The redaction's invariants over every file of a real corpus and of the
 * planted-secret fixtures (tests/fixtures/pii): the line count is kept, a
 * line holding no item is byte-identical, a file that parsed (libyaml) still
 * parses, redacting twice changes nothing, and nothing is found in the
 * output. Prints the items found per kind as TAP diagnostics.
 *
 * The corpus is ../shared/corpus/k8s/files (REPRO_SHARED overrides
 * ../shared); it is skipped, visibly, when absent.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "tap.h"
#include "builtin/redact.h"
#include "util/fs.h"
#include "util/strbuf.h"

/* Totals over one tree. */
struct tally {
	size_t files, bytes;           /* files and bytes checked */
	size_t parsed;                 /* files that parsed before redaction */
	size_t bad_lines, bad_changed; /* files breaking the line-count, unchanged-line invariants */
	size_t bad_parse, bad_idem;    /* files breaking the parse, idempotency invariants */
	size_t bad_left;               /* files whose output still holds an item */
	struct pii_counts counts;      /* items per kind */
	size_t with_items;             /* files with at least one item */
};

/* Whether buf parses as a YAML stream (every document). */
static int yaml_parses(const char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int ok = 1;

	if (!yaml_parser_initialize(&p))
		return 0;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			ok = 0;
			break;
		}
		int end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	yaml_parser_delete(&p);
	return ok;
}

static size_t count_lines(const char *b, size_t n)
{
	size_t c = 0;
	for (const char *p = b; (p = memchr(p, '\n', (size_t)(b + n - p))); p++)
		c++;
	return c;
}

/*
 * Every line of in that no item touches is the same line of out (the line
 * counts are equal, so lines pair up).
 */
static int unchanged_lines_kept(const char *in, size_t n, const char *out, size_t m,
				const struct pii_item *items, size_t ni)
{
	size_t i = 0, o = 0, k = 0;

	while (i < n || o < m) {
		const char *ie = memchr(in + i, '\n', n - i), *oe = memchr(out + o, '\n', m - o);
		size_t il = ie ? (size_t)(ie - in) + 1 : n, ol = oe ? (size_t)(oe - out) + 1 : m;
		while (k < ni && items[k].end <= i)
			k++;
		int touched = k < ni && items[k].start < il;
		if (!touched && (il - i != ol - o || memcmp(in + i, out + o, il - i)))
			return 0;
		i = il, o = ol;
		if (i >= n && o >= m)
			break;
		if ((i >= n) != (o >= m))
			return 0;
	}
	return 1;
}

static void check_file(const char *path, struct tally *t, int verbose)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT, again = STRBUF_INIT;
	struct pii_item *items, *left;

	if (strbuf_read_file(&in, path, 64 << 20) < 0)
		return;
	t->files++;
	t->bytes += in.len;
	size_t ni = pii_find(in.buf, in.len, &items);
	redact_text(in.buf, in.len, &out, &t->counts);
	t->with_items += ni > 0;
	int parsed = yaml_parses(in.buf, in.len);
	t->parsed += parsed;
	if (count_lines(in.buf, in.len) != count_lines(out.buf, out.len)) {
		t->bad_lines++;
		if (verbose)
			printf("# line count changed: %s\n", path);
	} else if (!unchanged_lines_kept(in.buf, in.len, out.buf, out.len, items, ni)) {
		t->bad_changed++;
		if (verbose)
			printf("# a line without items changed: %s\n", path);
	}
	if (parsed && !yaml_parses(out.buf, out.len)) {
		t->bad_parse++;
		if (verbose)
			printf("# parsed before, not after: %s\n", path);
	}
	redact_text(out.buf, out.len, &again, NULL);
	if (again.len != out.len || memcmp(again.buf, out.buf, out.len)) {
		t->bad_idem++;
		if (verbose)
			printf("# not idempotent: %s\n", path);
	}
	size_t nl = pii_find(out.buf, out.len, &left);
	if (nl) {
		t->bad_left++;
		if (verbose)
			printf("# %zu item(s) left in the output of %s, first %s at %zu\n", nl, path,
			       pii_kind_name(left[0].kind), left[0].start);
	}
	free(left);
	free(items);
	strbuf_release(&in);
	strbuf_release(&out);
	strbuf_release(&again);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks every regular file under dir whose name ends in `suffix` (or any). */
static void walk(const char *dir, const char *suffix, struct tally *t, int verbose)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == alloc)
			names = realloc(names, (alloc = alloc ? 2 * alloc : 64) * sizeof(*names));
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		struct strbuf p = STRBUF_INIT;
		struct stat st;
		path_join(&p, dir, names[i]);
		if (!lstat(p.buf, &st)) {
			size_t nl = strlen(names[i]), sl = suffix ? strlen(suffix) : 0;
			if (S_ISDIR(st.st_mode))
				walk(p.buf, suffix, t, verbose);
			else if (S_ISREG(st.st_mode) && (!suffix || (nl > sl && !strcmp(names[i] + nl - sl, suffix))))
				check_file(p.buf, t, verbose);
		}
		strbuf_release(&p);
		free(names[i]);
	}
	free(names);
}

static void report(const char *what, const struct tally *t)
{
	printf("# %s: %zu files, %zu bytes, %zu parse as YAML, %zu with items\n", what, t->files,
	       t->bytes, t->parsed, t->with_items);
	for (int k = 0; k < PII_NKINDS; k++)
		printf("#   %-18s %zu\n", pii_kind_name((enum pii_kind)k), t->counts.n[k]);
}

static void check_tree(const char *what, const char *dir, const char *suffix)
{
	struct tally t;
	char name[256];

	memset(&t, 0, sizeof(t));
	walk(dir, suffix, &t, 1);
	report(what, &t);
	snprintf(name, sizeof(name), "%s: files were checked", what);
	ok(t.files > 0, name);
	snprintf(name, sizeof(name), "%s: every output keeps the line count", what);
	is_int(t.bad_lines, 0, name);
	snprintf(name, sizeof(name), "%s: lines holding nothing to redact are unchanged", what);
	is_int(t.bad_changed, 0, name);
	snprintf(name, sizeof(name), "%s: what parsed still parses", what);
	is_int(t.bad_parse, 0, name);
	snprintf(name, sizeof(name), "%s: redacting twice equals redacting once", what);
	is_int(t.bad_idem, 0, name);
	snprintf(name, sizeof(name), "%s: nothing is found in the output", what);
	is_int(t.bad_left, 0, name);
}

int main(void)
{
	const char *shared = getenv("REPRO_SHARED");
	struct strbuf corpus = STRBUF_INIT;
	struct stat st;

	check_tree("fixtures", "tests/fixtures/pii", ".yaml");
	path_join(&corpus, shared ? shared : "../shared", "corpus/k8s/files");
	if (stat(corpus.buf, &st) || !S_ISDIR(st.st_mode))
		printf("ok %d # skip corpus %s absent\n", ++tap_n, corpus.buf);
	else
		check_tree("corpus", corpus.buf, NULL);
	strbuf_release(&corpus);
	return done_testing();
}
