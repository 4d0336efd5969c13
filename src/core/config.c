#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>
#include <git2.h>

#include "core/state.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define CACHE_VERSION 1
/* A config file modified less than this before the cache was written may
 * have changed again within the same timestamp: not trusted. */
#define RACY_NS 2000000000LL

static int git_fail(const char *what, const char *path)
{
	const git_error *e = git_error_last();
	return error("%s '%s': %s", what, path, e && e->message ? e->message : "unknown error");
}

static void free_entries(struct config *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->entries[i].key);
		free(c->entries[i].value);
	}
	free(c->entries);
	c->entries = NULL;
	c->n = 0;
}

static void add_entry(struct config *c, const char *key, const char *value, int local)
{
	c->entries = xrealloc(c->entries, (c->n + 1) * sizeof(*c->entries));
	c->entries[c->n].key = xstrdup(key);
	c->entries[c->n].value = xstrdup(value ? value : "");
	c->entries[c->n].local = local;
	c->n++;
}

/* Opens both files through libgit2 (once). */
static int open_git(struct config *c)
{
	if (c->cfg)
		return 0;
	git_libgit2_init();
	if (git_config_new(&c->cfg) < 0)
		return git_fail("cannot read config", c->project_path);
	/* Levels: the project file is "local" to git's mind; our local file,
	 * with the higher priority, is the "app" level. Missing files are
	 * fine (force = 0 means: add even if absent). */
	if (git_config_add_file_ondisk(c->cfg, c->project_path, GIT_CONFIG_LEVEL_LOCAL, NULL, 0) < 0)
		return git_fail("cannot read config", c->project_path);
	if (git_config_add_file_ondisk(c->cfg, c->local_path, GIT_CONFIG_LEVEL_APP, NULL, 0) < 0)
		return git_fail("cannot read config", c->local_path);
	return 0;
}

/* Reads every entry through libgit2. */
static int load_git(struct config *c)
{
	git_config_iterator *it;
	git_config_entry *e;

	if (open_git(c) < 0)
		return -1;
	free_entries(c);
	/* no pattern: libgit2 1.5 leaks in its regex matching of unmatched keys */
	if (git_config_iterator_new(&it, c->cfg) < 0)
		return git_fail("cannot read config", c->project_path);
	while (git_config_next(&e, it) == 0)
		add_entry(c, e->name, e->value, e->level == GIT_CONFIG_LEVEL_APP);
	git_config_iterator_free(it);
	return 0;
}

/* What identifies a config file's content for the cache. */
static cJSON *file_stamp(const char *path)
{
	struct stat st;
	cJSON *a = cJSON_CreateArray();

	if (stat(path, &st) < 0)
		memset(&st, 0, sizeof(st));
	double v[] = { (double)st.st_dev, (double)st.st_ino, (double)st.st_size,
		       (double)st.st_mtim.tv_sec * 1e9 + (double)st.st_mtim.tv_nsec,
		       (double)st.st_ctim.tv_sec * 1e9 + (double)st.st_ctim.tv_nsec };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
	return a;
}

int config_cache_parse(struct config *c, const char *buf, size_t len, const cJSON *stamps)
{
	int ok = 0;

	cJSON *root = cJSON_ParseWithLength(buf, len);
	cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
	cJSON *written = cJSON_GetObjectItemCaseSensitive(root, "written");
	cJSON *entries = cJSON_GetObjectItemCaseSensitive(root, "entries");
	if (!cJSON_IsNumber(ver) || ver->valueint != CACHE_VERSION || !cJSON_IsNumber(written) ||
	    !cJSON_IsArray(entries) || !cJSON_Compare(cJSON_GetObjectItemCaseSensitive(root, "files"), stamps, 1))
		goto done;
	for (const cJSON *f = stamps->child; f; f = f->next)
		if (cJSON_GetArrayItem(f, 3)->valuedouble + (double)RACY_NS >= written->valuedouble)
			goto done;
	for (const cJSON *e = entries->child; e; e = e->next) {
		const cJSON *k = cJSON_GetArrayItem(e, 0), *v = cJSON_GetArrayItem(e, 1), *l = cJSON_GetArrayItem(e, 2);
		if (!cJSON_IsString(k) || !cJSON_IsString(v) || !cJSON_IsNumber(l)) {
			free_entries(c);
			goto done;
		}
		add_entry(c, k->valuestring, v->valuestring, l->valueint != 0);
	}
	ok = 1;
done:
	cJSON_Delete(root);
	return ok;
}

/* 1 when the cache matches both files and is not racy, loading its entries. */
static int load_cache(struct config *c, const cJSON *stamps)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, c->cache_path, 1u << 20) < 0)
		return 0;
	int ok = config_cache_parse(c, sb.buf, sb.len, stamps);
	strbuf_release(&sb);
	return ok;
}

/* Writes the cache; a failure only costs the next command some time. */
static void save_cache(const struct config *c, cJSON *stamps)
{
	cJSON *root = cJSON_CreateObject(), *entries = cJSON_CreateArray();

	cJSON_AddNumberToObject(root, "version", CACHE_VERSION);
	cJSON_AddNumberToObject(root, "written", (double)now_ns());
	cJSON_AddItemToObject(root, "files", cJSON_Duplicate(stamps, 1));
	for (size_t i = 0; i < c->n; i++) {
		cJSON *e = cJSON_CreateArray();
		cJSON_AddItemToArray(e, cJSON_CreateString(c->entries[i].key));
		cJSON_AddItemToArray(e, cJSON_CreateString(c->entries[i].value));
		cJSON_AddItemToArray(e, cJSON_CreateNumber(c->entries[i].local));
		cJSON_AddItemToArray(entries, e);
	}
	cJSON_AddItemToObject(root, "entries", entries);
	char *text = cJSON_PrintUnformatted(root);
	struct atomic_file af;
	/* only saves parsing: failing to write it is not worth a word */
	if (text && atomic_open_quiet(&af, c->cache_path, 0644) == 0) {
		if (atomic_write(&af, text, strlen(text)) == 0)
			atomic_commit_nosync(&af);
		else
			atomic_abort(&af);
	}
	free(text);
	cJSON_Delete(root);
}

static cJSON *both_stamps(const struct config *c)
{
	cJSON *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, file_stamp(c->project_path));
	cJSON_AddItemToArray(a, file_stamp(c->local_path));
	return a;
}

/* 1 when each file is empty or missing, as `repro init` leaves them: no
 * entries, and nothing to parse. Reading them through libgit2 anyway costs
 * its start, 10 ms here (Debian's libgit2 has mbedTLS parse the system's CA
 * bundle), paid by the first command of every new project and by every
 * command in the 2 s config.cache does not trust a new config. */
static int nothing_configured(const struct config *c)
{
	const char *paths[] = { c->project_path, c->local_path };
	struct stat st;

	for (size_t i = 0; i < 2; i++)
		if (stat(paths[i], &st) == 0 ? st.st_size != 0 : errno != ENOENT)
			return 0;
	return 1;
}

int config_open(struct config *c, const char *repro_dir)
{
	memset(c, 0, sizeof(*c));
	c->project_path = path_join_dup(repro_dir, "config");
	c->local_path = path_join_dup(repro_dir, "config.local");
	c->cache_path = path_join_dup(repro_dir, "config.cache");
	if (nothing_configured(c))
		return 0;
	cJSON *stamps = both_stamps(c);
	int ret = 0;
	if (!load_cache(c, stamps)) {
		if (load_git(c) < 0) {
			config_close(c);
			ret = -1;
		} else {
			save_cache(c, stamps);
		}
	}
	cJSON_Delete(stamps);
	return ret;
}

void config_close(struct config *c)
{
	if (c->cfg) {
		git_config_free(c->cfg);
		git_libgit2_shutdown();
	}
	c->cfg = NULL;
	free_entries(c);
	free(c->project_path);
	free(c->local_path);
	free(c->cache_path);
	c->project_path = c->local_path = c->cache_path = NULL;
}

/* "Remote.Origin.URL" -> "remote.Origin.url": git's case rules. */
static char *normalise_key(const char *key)
{
	char *k = xstrdup(key);
	char *first = strchr(k, '.'), *last = strrchr(k, '.');

	for (char *p = k; *p && (!first || p < first); p++)
		*p = (char)tolower((unsigned char)*p);
	for (char *p = last ? last + 1 : k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

char *config_get(const struct config *c, const char *key)
{
	char *k = normalise_key(key);
	const struct config_entry *found = NULL;

	/* the last value wins, and config.local wins over config */
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->entries[i].key, k) && (!found || c->entries[i].local >= found->local))
			found = &c->entries[i];
	free(k);
	return found ? xstrdup(found->value) : NULL;
}

int config_get_int(const struct config *c, const char *key, int def, int *out)
{
	char *v = config_get(c, key);
	char *end;

	*out = def;
	if (!v)
		return 0;
	long n = strtol(v, &end, 10);
	if (end == v || *end || n < -1000000 || n > 1000000) {
		error("config key '%s' must be a number, not '%s' (fix it in .repro/config)", key, v);
		free(v);
		return -1;
	}
	*out = (int)n;
	free(v);
	return 0;
}

int config_set(struct config *c, const char *key, const char *value, int local)
{
	git_config *level;
	int r;

	if (open_git(c) < 0)
		return -1;
	if (git_config_open_level(&level, c->cfg, local ? GIT_CONFIG_LEVEL_APP : GIT_CONFIG_LEVEL_LOCAL) < 0)
		return git_fail("cannot open config", local ? c->local_path : c->project_path);
	if (value)
		r = git_config_set_string(level, key, value);
	else {
		r = git_config_delete_entry(level, key);
		if (r == GIT_ENOTFOUND)
			r = 0;
	}
	if (r < 0)
		git_fail("cannot write config", local ? c->local_path : c->project_path);
	git_config_free(level);
	if (r < 0)
		return -1;
	/* libgit2 wrote the file; read it back the same way and drop the cache,
	 * whose stamp may not change if this happened within one clock tick */
	unlink(c->cache_path);
	return load_git(c);
}

int config_foreach(const struct config *c, const char *regex,
		   int (*fn)(const char *key, const char *value, void *ctx), void *ctx)
{
	regex_t re;
	int ret = 0;

	if (regex && regcomp(&re, regex, REG_EXTENDED | REG_NOSUB) != 0)
		return error("bad config pattern '%s'", regex);
	for (int pass = 0; pass < 2 && !ret; pass++)
		for (size_t i = 0; i < c->n && !ret; i++)
			if (c->entries[i].local == pass && (!regex || regexec(&re, c->entries[i].key, 0, NULL, 0) == 0))
				ret = fn(c->entries[i].key, c->entries[i].value, ctx);
	if (regex)
		regfree(&re);
	return ret;
}
