/*
 * Fuzz target: the project configuration as repro itself parses it. The
 * git-config files are libgit2's to parse; what repro reads on its own is
 * .repro/config.cache (JSON: version, written, the files' stamps, the
 * entries), which every command loads instead of the config while it is
 * fresh, and the values the commands then interpret: the link types of
 * cache.type, integers (exec.jobs, plots.revisions, remote.NAME.jobs), the
 * remotes named by remote.NAME.url keys, and Slurm's [slurm] defaults.
 *
 * Input: the config.cache text. Its "files" must be the stamps of two
 * missing files, [[0,0,0,0,0],[0,0,0,0,0]], and "written" more than 2e9
 * (later than the racy window) for its entries to be used.
 */
#include "fuzz.h"

#include <cJSON.h>

#include "core/cache.h"
#include "core/config.h"
#include "exec/slurm.h"
#include "remote/remote.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char *const int_keys[] = { "exec.jobs", "plots.revisions", "slurm.poll-ms", "Remote.Origin.JOBS" };

static int count(const char *key, const char *value, void *ctx)
{
	FUZZ_ASSERT(key && value);
	++*(size_t *)ctx;
	return 0;
}

static cJSON *missing_stamps(void)
{
	cJSON *a = cJSON_CreateArray();

	for (int f = 0; f < 2; f++) {
		cJSON *s = cJSON_CreateArray();
		for (int i = 0; i < 5; i++)
			cJSON_AddItemToArray(s, cJSON_CreateNumber(0));
		cJSON_AddItemToArray(a, s);
	}
	return a;
}

/* What the commands do with the values. */
static void interpret(const struct config *c)
{
	char *links = config_get(c, "cache.type");
	if (links) {
		enum link_type lt[4];
		int n;
		if (link_spec_parse(links, lt, &n) == 0)
			FUZZ_ASSERT(n >= 1 && n <= 4);
		free(links);
	}
	for (size_t i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++) {
		int v;
		if (config_get_int(c, int_keys[i], 7, &v) == 0)
			FUZZ_ASSERT(v >= -1000000 && v <= 1000000);
	}
	struct strlist names = { NULL, 0, 0 };
	remote_names(c, &names);
	for (int i = 0; i < names.n; i++) {
		char *k = xasprintf("remote.%s.url", names.items[i]);
		free(config_get(c, k));
		free(k);
	}
	strlist_release(&names, 1);
	struct slurm_defaults d;
	if (slurm_defaults_load(&d, c) == 0) {
		struct strlist args = { NULL, 0, 0 };
		if (slurm_stage_opts(&d, "train", NULL, &args) == 0)
			for (int i = 0; i < args.n; i++)
				FUZZ_ASSERT(!strncmp(args.items[i], "--", 2));
		strlist_release(&args, 1);
		slurm_defaults_release(&d);
	}
	size_t n = 0;
	config_foreach(c, NULL, count, &n);
	FUZZ_ASSERT(n == c->n);
	n = 0;
	config_foreach(c, "^remote\\.[^.]+\\.url$", count, &n);
	FUZZ_ASSERT(n <= c->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	cJSON *stamps = missing_stamps();

	memset(&c, 0, sizeof(c));
	if (config_cache_parse(&c, (const char *)data, size, stamps))
		interpret(&c);
	else
		FUZZ_ASSERT(c.n == 0);
	config_close(&c);
	cJSON_Delete(stamps);
	return 0;
}
