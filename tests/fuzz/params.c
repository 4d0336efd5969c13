/*
 * Fuzz target: params files (YAML, or JSON by name) as the commands read
 * them: the params cache with dotted-key lookups ("train.lr", "layers[0]",
 * "a.list.0") that stages and the lock use, and the flattening, diff and
 * table formatting of `repro params diff` and `repro metrics show`.
 *
 * Input: the old file, the new file, then the keys to look up (one a line),
 * separated by lines "%%". Both files are JSON (params.json) when the input
 * starts with '{', YAML (params.yaml) otherwise.
 */
#include "fuzz.h"

#include "core/metrics.h"
#include "core/params.h"

static const char *const yaml_names[FUZZ_MAX_PARTS] = { "old/params.yaml", "params.yaml", "keys" };
static const char *const json_names[FUZZ_MAX_PARTS] = { "old/params.json", "params.json", "keys" };

/* Looks up every key of the list in both files. */
static void lookups(struct params_cache *pc, const char *const *names, const struct fuzz_part *keys)
{
	char *list = fuzz_strdup(keys->data, keys->len);

	for (char *save, *k = strtok_r(list, "\n", &save); k; k = strtok_r(NULL, "\n", &save))
		for (int i = 0; i < 2; i++) {
			const cJSON *v = params_get(pc, names[i], k);
			struct strbuf sb = STRBUF_INIT;
			metric_value_text(v, METRICS_PRECISION, &sb);
			strbuf_release(&sb);
		}
	free(list);
}

/* Parses one side as `repro params diff` does; the file is missing when path is NULL. */
static void side(struct metrics_snapshot *s, struct metric_list *l, const struct fuzz_part *part,
		 const char *name, int keep_all)
{
	s->rev = (char *)name;
	s->files = calloc(1, sizeof(*s->files));
	s->n = 1;
	s->files[0].path = (char *)"params";
	s->files[0].status = MFILE_MISSING;
	if (part->path && metrics_parse(part->path, part->data, part->len, keep_all, l) == 0) {
		s->files[0].status = MFILE_OK;
		s->files[0].data = l;
	}
}

/* The diff of both sides as every table format prints it. */
static void diff(const struct fuzz_part *parts, int keep_all)
{
	struct metric_list la = { 0 }, lb = { 0 };
	struct metrics_snapshot a = { 0 }, b = { 0 };
	struct metrics_row *rows;
	size_t n;

	side(&a, &la, &parts[0], "HEAD", keep_all);
	side(&b, &lb, &parts[1], "workspace", keep_all);
	metrics_diff(&a, &b, 1, &rows, &n);
	struct mtable t;
	mtable_init(&t, 4);
	mtable_add(&t, "Path");
	mtable_add(&t, "Param");
	mtable_add(&t, "HEAD");
	mtable_add(&t, "workspace");
	for (size_t i = 0; i < n; i++) {
		struct strbuf o = STRBUF_INIT, nw = STRBUF_INIT, ch = STRBUF_INIT;
		FUZZ_ASSERT(rows[i].old_val || rows[i].new_val);
		metric_value_text(rows[i].old_val, METRICS_PRECISION, &o);
		metric_value_text(rows[i].new_val, METRICS_PRECISION, &nw);
		metric_change_text(rows[i].old_val, rows[i].new_val, METRICS_PRECISION, &ch);
		cJSON_Delete(metric_change_json(rows[i].old_val, rows[i].new_val));
		mtable_add(&t, rows[i].path);
		mtable_add(&t, rows[i].key);
		mtable_add(&t, o.buf);
		mtable_add(&t, nw.buf);
		strbuf_release(&o);
		strbuf_release(&nw);
		strbuf_release(&ch);
	}
	for (int f = TABLE_TEXT; f <= TABLE_CSV; f++) {
		struct strbuf out = STRBUF_INIT;
		mtable_print(&t, (enum table_format)f, &out);
		strbuf_release(&out);
	}
	mtable_release(&t);
	free(rows);
	free(a.files);
	free(b.files);
	metric_list_release(&la);
	metric_list_release(&lb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const *names = size && data[0] == '{' ? json_names : yaml_names;
	struct fuzz_part parts[FUZZ_MAX_PARTS];
	struct file_source src = { fuzz_read, parts };
	struct params_cache pc;

	fuzz_split(data, size, names, parts, 3);
	parts[3].path = NULL;
	params_init(&pc, &src);
	const struct params_file *f = params_load(&pc, names[1]);
	FUZZ_ASSERT(params_load(&pc, names[1]) == f); /* loaded once */
	FUZZ_ASSERT(!(f->root && (f->missing || f->broken)));
	if (parts[2].path)
		lookups(&pc, names, &parts[2]);
	params_release(&pc);
	diff(parts, 1);
	diff(parts, 0);
	return 0;
}
