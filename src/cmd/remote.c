#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cmd/cmd.h"
#include "core/config.h"
#include "core/project.h"
#include "remote/remote.h"
#include "util/error.h"
#include "util/options.h"
#include "util/suggest.h"
#include "util/xalloc.h"

static const char remote_description[] =
	"Subcommands:\n"
	"    add [-d] [--local] [-f] NAME URL   add a remote (-d: make it the default)\n"
	"    list                               list the remotes, the default marked\n"
	"    remove NAME                        remove a remote and its settings\n"
	"    default [NAME] [--unset]           show or set the default remote\n"
	"    modify [--local] [--unset] NAME KEY [VALUE]\n"
	"                                       set or remove one setting\n"
	"\n"
	"URL is a directory (a relative path is relative to the project root),\n"
	"file:///path, http(s)://host/path (WebDAV, e.g. nginx's dav module) or\n"
	"s3://bucket/prefix. Settings live in .repro/config, which is committed to\n"
	"git; with --local in .repro/config.local, which is not. Secrets (password,\n"
	"access-key-id, secret-access-key, session-token, and a URL's user:password)\n"
	"always go to .repro/config.local and are never printed. Keys: url, jobs,\n"
	"retries, timeout, connect-timeout, check, resolve, ssl-verify, ca-file,\n"
	"user, password, endpoint, region, addressing, access-key-id,\n"
	"secret-access-key, session-token (see docs/remotes.md).\n"
	"\n"
	"TLS certificates are verified (as for URL deps and ingest URLs) against\n"
	"the system's authorities, or those in the file ca-file names (also spelt\n"
	"ca_info), else CURL_CA_BUNDLE or SSL_CERT_FILE. With 'ssl-verify false'\n"
	"a remote skips verification, and every command using it warns that it\n"
	"is insecure.\n";

static const char *const known_keys[] = {
	"url", "jobs", "retries", "timeout", "connect-timeout", "check", "resolve", "ssl-verify", "ca-file",
	"user", "password", "endpoint", "region", "addressing", "access-key-id", "secret-access-key",
	"session-token", NULL,
};

static const struct command_help remote_help = { "repro remote add|list|remove|default|modify ...",
						 "Manage the remotes the cache is shared through.",
						 remote_description };

static int name_valid(const char *name)
{
	if (!*name || *name == '-' || strlen(name) > 100)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return 0;
	return 1;
}

static int check_name(const char *name)
{
	if (!name_valid(name))
		return error("'%s' is not a valid remote name (letters, digits, '-', '_' and '.')", name);
	return 0;
}

static int exists(struct project *p, const char *name)
{
	char *k = xasprintf("remote.%s.url", name);
	char *v = config_get(&p->config, k);
	int r = v != NULL;

	free(k);
	free(v);
	return r;
}

static int no_such(struct project *p, const char *name)
{
	struct strlist all = { 0 };
	const char *sug;

	remote_names(&p->config, &all);
	sug = suggest(name, (const char *const *)all.items, (size_t)all.n);
	if (sug)
		error("no remote named '%s' (did you mean '%s'?)", name, sug);
	else
		error("no remote named '%s' (see 'repro remote list')", name);
	strlist_release(&all, 1);
	return EXIT_USAGE;
}

/* Sets remote.NAME.key; secrets always go to config.local. */
static int set_key(struct project *p, const char *name, const char *key, const char *value, int local)
{
	char *k = xasprintf("remote.%s.%s", name, key);
	int secret = remote_key_is_secret(key), ret;

	ret = config_set(&p->config, k, value, local || secret);
	if (!ret && secret && !value)
		ret = config_set(&p->config, k, NULL, 0);
	free(k);
	return ret;
}

/* Stores url without its userinfo, the userinfo as user/password (local). */
static int store_url(struct project *p, const char *name, const char *url, int local)
{
	CURLU *u;
	char *user = NULL, *pass = NULL;
	struct strbuf clean = STRBUF_INIT;
	int ret = 0;

	if (!strstr(url, "://") || !strncmp(url, "file://", 7))
		return set_key(p, name, "url", url, local);
	u = curl_url();
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		curl_url_cleanup(u);
		return error("'%s' is not a valid URL", url);
	}
	curl_url_get(u, CURLUPART_USER, &user, CURLU_URLDECODE);
	curl_url_get(u, CURLUPART_PASSWORD, &pass, CURLU_URLDECODE);
	curl_url_cleanup(u);
	remote_redact_url(url, &clean);
	if (set_key(p, name, "url", clean.buf, local) < 0 ||
	    (user && set_key(p, name, "user", user, 1) < 0) || (pass && set_key(p, name, "password", pass, 1) < 0))
		ret = -1;
	else if (user || pass)
		printf("stored the URL's credentials in .repro/config.local\n");
	curl_free(user);
	curl_free(pass);
	strbuf_release(&clean);
	return ret;
}

static int remote_add(int argc, char **argv, struct project *p)
{
	int def = 0, local = 0, force = 0;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL('d', "default", &def, "make it the default remote"),
		OPT_BOOL(0, "local", &local, "write to .repro/config.local (not in git)"),
		OPT_BOOL('f', "force", &force, "replace a remote of the same name"),
		OPT_END(),
	};
	const struct command_help help = { "repro remote add [-d] [--local] [-f] NAME URL", "Add a remote.",
					   remote_description };
	int ret = 0;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (args.n != 2) {
		error("'repro remote add' takes a NAME and a URL");
		ret = EXIT_USAGE;
	} else if (check_name(args.items[0]) < 0) {
		ret = EXIT_USAGE;
	} else if (exists(p, args.items[0]) && !force) {
		error("remote '%s' already exists; use --force to replace it, or 'repro remote modify'",
		      args.items[0]);
		ret = EXIT_USAGE;
	} else if (store_url(p, args.items[0], args.items[1], local) < 0 ||
		   (def && config_set(&p->config, "core.remote", args.items[0], local) < 0)) {
		ret = EXIT_USAGE;
	}
	strlist_release(&args, 0);
	return ret;
}

static int remote_list(int argc, char **argv, struct project *p)
{
	struct strlist args = { 0 }, names = { 0 };
	const struct option opts[] = { OPT_END() };
	const struct command_help help = { "repro remote list", "List the remotes.", NULL };
	char *def;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	strlist_release(&args, 0);
	def = config_get(&p->config, "core.remote");
	remote_names(&p->config, &names);
	for (int i = 0; i < names.n; i++) {
		char *k = xasprintf("remote.%s.url", names.items[i]);
		char *url = config_get(&p->config, k);
		struct strbuf shown = STRBUF_INIT;
		remote_redact_url(url ? url : "", &shown);
		printf("%s\t%s%s\n", names.items[i], shown.buf, def && !strcmp(def, names.items[i]) ? " (default)" : "");
		strbuf_release(&shown);
		free(url);
		free(k);
	}
	strlist_release(&names, 1);
	free(def);
	return 0;
}

struct key_collect {
	const char *prefix;  /* "remote.NAME." */
	struct strlist keys; /* full config keys of one remote */
};

static int collect_key(const char *key, const char *value, void *ctx)
{
	struct key_collect *kc = ctx;
	size_t pl = strlen(kc->prefix);

	(void)value;
	/* the remote's own keys: "remote.NAME.KEY", KEY without a dot */
	if (strncmp(key, kc->prefix, pl) || strchr(key + pl, '.'))
		return 0;
	for (int i = 0; i < kc->keys.n; i++)
		if (!strcmp(kc->keys.items[i], key))
			return 0;
	strlist_push(&kc->keys, xstrdup(key));
	return 0;
}

static int remote_remove(int argc, char **argv, struct project *p)
{
	struct strlist args = { 0 };
	const struct option opts[] = { OPT_END() };
	const struct command_help help = { "repro remote remove NAME", "Remove a remote and its settings.",
					   NULL };
	struct key_collect kc = { 0 };
	struct strbuf prefix = STRBUF_INIT;
	int ret = 0;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (args.n != 1) {
		error("'repro remote remove' takes the NAME of a remote");
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	const char *name = args.items[0];
	if (!exists(p, name)) {
		ret = no_such(p, name);
		strlist_release(&args, 0);
		return ret;
	}
	strbuf_addf(&prefix, "remote.%s.", name);
	kc.prefix = prefix.buf;
	config_foreach(&p->config, NULL, collect_key, &kc);
	for (int i = 0; i < kc.keys.n; i++)
		if (config_set(&p->config, kc.keys.items[i], NULL, 0) < 0 ||
		    config_set(&p->config, kc.keys.items[i], NULL, 1) < 0)
			ret = EXIT_USAGE;
	char *def = config_get(&p->config, "core.remote");
	if (def && !strcmp(def, name) &&
	    (config_set(&p->config, "core.remote", NULL, 0) < 0 || config_set(&p->config, "core.remote", NULL, 1) < 0))
		ret = EXIT_USAGE;
	free(def);
	strlist_release(&kc.keys, 1);
	strbuf_release(&prefix);
	strlist_release(&args, 0);
	return ret;
}

static int remote_default(int argc, char **argv, struct project *p)
{
	int unset = 0, local = 0;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "unset", &unset, "remove the default"),
		OPT_BOOL(0, "local", &local, "write to .repro/config.local (not in git)"),
		OPT_END(),
	};
	const struct command_help help = { "repro remote default [--local] [NAME | --unset]",
					   "Show or set the default remote.", NULL };
	int ret = 0;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (args.n > 1 || (unset && args.n)) {
		error("'repro remote default' takes one NAME, or --unset");
		ret = EXIT_USAGE;
	} else if (unset) {
		ret = config_set(&p->config, "core.remote", NULL, local) < 0 ? EXIT_USAGE : 0;
	} else if (args.n) {
		if (!exists(p, args.items[0]))
			ret = no_such(p, args.items[0]);
		else if (config_set(&p->config, "core.remote", args.items[0], local) < 0)
			ret = EXIT_USAGE;
	} else {
		char *def = config_get(&p->config, "core.remote");
		if (def)
			printf("%s\n", def);
		else {
			error("no default remote; set one with 'repro remote default NAME'");
			ret = EXIT_STAGE_FAILED;
		}
		free(def);
	}
	strlist_release(&args, 0);
	return ret;
}

/* The canonical form of a key the user typed ("access_key_id" too), or NULL. */
static const char *canonical_key(const char *typed, char *buf, size_t size)
{
	snprintf(buf, size, "%s", typed);
	for (char *c = buf; *c; c++)
		*c = *c == '_' ? '-' : (char)tolower((unsigned char)*c);
	if (!strcmp(buf, "ca-info")) /* libcurl's name (CURLOPT_CAINFO) */
		return "ca-file";
	for (int i = 0; known_keys[i]; i++)
		if (!strcmp(buf, known_keys[i]))
			return known_keys[i];
	return NULL;
}

static int remote_modify(int argc, char **argv, struct project *p)
{
	int unset = 0, local = 0;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "unset", &unset, "remove the setting"),
		OPT_BOOL(0, "local", &local, "write to .repro/config.local (not in git)"),
		OPT_END(),
	};
	const struct command_help help = { "repro remote modify [--local] [--unset] NAME KEY [VALUE]",
					   "Set or remove one setting of a remote.", remote_description };
	char buf[64];
	const char *key;
	int ret = 0;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (args.n != (unset ? 2 : 3)) {
		error(unset ? "'repro remote modify --unset' takes a NAME and a KEY"
			    : "'repro remote modify' takes a NAME, a KEY and a VALUE");
		ret = EXIT_USAGE;
	} else if (!exists(p, args.items[0])) {
		ret = no_such(p, args.items[0]);
	} else if (!(key = canonical_key(args.items[1], buf, sizeof(buf)))) {
		const char *sug = suggest(buf, known_keys, sizeof(known_keys) / sizeof(known_keys[0]) - 1);
		if (sug)
			error("unknown remote setting '%s' (did you mean '%s'?)", args.items[1], sug);
		else
			error("unknown remote setting '%s' (see 'repro remote --help')", args.items[1]);
		ret = EXIT_USAGE;
	} else if (!strcmp(key, "url") && !unset) {
		ret = store_url(p, args.items[0], args.items[2], local) < 0 ? EXIT_USAGE : 0;
	} else if (set_key(p, args.items[0], key, unset ? NULL : args.items[2], local) < 0) {
		ret = EXIT_USAGE;
	} else if (remote_key_is_secret(key) && !unset && !local) {
		printf("stored '%s' in .repro/config.local, which stays out of git\n", key);
	}
	strlist_release(&args, 0);
	return ret;
}

int cmd_remote(int argc, char **argv, struct project *p)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **, struct project *);
	} subs[] = {
		{ "add", remote_add }, { "list", remote_list }, { "remove", remote_remove },
		{ "default", remote_default }, { "modify", remote_modify },
	};

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc >= 2) {
			print_help((const struct option[]){ OPT_END() }, &remote_help);
			return 0;
		}
		error("'repro remote' needs a subcommand: add, list, remove, default or modify");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name)) {
			if (!p) {
				/* --help without a project */
				char *h[] = { argv[1], "--help", NULL };
				return subs[i].fn(2, h, NULL);
			}
			return subs[i].fn(argc - 1, argv + 1, p);
		}
	error("unknown subcommand 'remote %s' (use add, list, remove, default or modify)", argv[1]);
	return EXIT_USAGE;
}
