/*
 * repro: the command table and global options.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/project.h"
#include "exec/executor.h"
#include "util/error.h"
#include "version.h"

enum {
	NEED_PROJECT = 1 << 0, /* runs inside a project (found upward from cwd) */
	NEED_LOCK = 1 << 1,    /* writes cache, lock or workspace: takes the project lock */
};

struct command {
	const char *name;
	cmd_fn *fn;
	unsigned flags;
	const char *summary;
};

static const struct command commands[] = {
	{ "init", cmd_init, 0, "create a repro project in the current directory" },
	{ "run", cmd_run, NEED_PROJECT | NEED_LOCK, "run the stages whose inputs changed" },
	{ "status", cmd_status, NEED_PROJECT, "show which stages are out of date, and why" },
	{ "dag", cmd_dag, NEED_PROJECT, "show the pipeline's graph" },
	{ "checkout", cmd_checkout, NEED_PROJECT | NEED_LOCK, "restore outputs from the cache" },
	{ "commit", cmd_commit, NEED_PROJECT | NEED_LOCK, "record the current outputs in the lock" },
	{ "add", cmd_add, NEED_PROJECT | NEED_LOCK, "track a data file or directory" },
	{ "remote", cmd_remote, NEED_PROJECT, "add, list, remove, modify remotes" },
	{ "push", cmd_push, NEED_PROJECT | NEED_LOCK, "upload outs and tracked data to a remote" },
	{ "pull", cmd_pull, NEED_PROJECT | NEED_LOCK, "download outs and tracked data, check them out" },
	{ "fetch", cmd_fetch, NEED_PROJECT | NEED_LOCK, "download outs and tracked data into the cache" },
	{ "gc", cmd_gc, NEED_PROJECT | NEED_LOCK, "remove unreferenced objects from the cache or a remote" },
	{ "metrics", cmd_metrics, NEED_PROJECT, "show metrics across git revisions, or compare two" },
	{ "params", cmd_params, NEED_PROJECT, "compare the params of two git revisions" },
	{ "plots", cmd_plots, NEED_PROJECT, "write an HTML page of metrics across commits, and plots" },
	{ "builtin", cmd_builtin, 0, "run a built-in stage; 'repro builtin list'" },
	{ "version", cmd_version, 0, "print the version" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: repro [-C DIR] [--wait SECONDS | --no-wait] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "    %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n"
		"options:\n"
		"  -C DIR          run as if started in DIR\n"
		"  --wait SECONDS  wait at most this long for another repro's project lock\n"
		"  --no-wait       fail at once if another repro holds the project lock\n"
		"\n"
		"Commands that write the cache, stages.lock or the workspace (run, checkout,\n"
		"commit, add, push, pull, fetch, gc) take the project lock; one started while\n"
		"another holds it waits for it, saying so after a second (core.lockwait sets\n"
		"the longest wait in seconds; unset, as long as it takes). Other commands\n"
		"never wait.\n"
		"\n'repro COMMAND --help' tells more about a command.\n");
}

/* The longest wait for the project lock, in ms (-1: no limit): --wait or
 * --no-wait, else core.lockwait, else no limit. -2 on a bad config value. */
static int lock_wait_ms(const struct project *p, int opt_seconds)
{
	int s = opt_seconds;

	if (s == -1 && config_get_int(&p->config, "core.lockwait", -1, &s) < 0)
		return -2;
	if (s < 0)
		return -1;
	return s * 1000; /* both sources cap s at 1,000,000 */
}

/* A dead holder's Slurm jobs (see exec/slurm_orphans.c): cancelled before
 * the command that took its lock over does anything. */
static void cancel_orphaned_jobs(const struct project *p)
{
	int n = p->dead_token ? slurm_cancel_orphans(p->dead_token) : 0;

	if (n > 0)
		fprintf(stderr, "repro: cancelled %d Slurm job%s the dead run left (scancel)\n", n, n == 1 ? "" : "s");
}

int main(int argc, char **argv)
{
	int i = 1, wait_seconds = -1;

	/* A reader that goes away (repro dag | head) is not an error worth a
	 * signal death; writes then fail with EPIPE and we stop quietly. */
	signal(SIGPIPE, SIG_IGN);
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-C")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "repro: option '-C' needs a directory\n");
				usage(stderr);
				return EXIT_USAGE;
			}
			if (chdir(argv[i + 1]) < 0)
				die(EXIT_USAGE, "cannot change to '%s':", argv[i + 1]);
			i += 2;
		} else if (!strcmp(argv[i], "--wait") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[i + 1], &end, 10);
			if (*end || end == argv[i + 1] || v < 0 || v > 1000000)
				die(EXIT_USAGE, "--wait takes a number of seconds, not '%s'", argv[i + 1]);
			wait_seconds = (int)v;
			i += 2;
		} else if (!strcmp(argv[i], "--no-wait")) {
			wait_seconds = 0;
			i++;
		} else if (!strcmp(argv[i], "--version")) {
			printf("repro %s\n", REPRO_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "repro: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[i];
	if (!strcmp(name, "help")) {
		if (i + 1 >= argc) {
			usage(stdout);
			return 0;
		}
		name = argv[i + 1];
		char *hargv[] = { (char *)name, "--help", NULL };
		for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
			if (!strcmp(commands[k].name, name))
				return commands[k].fn(2, hargv, NULL);
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		const struct command *c = &commands[k];
		if (strcmp(c->name, name))
			continue;
		int wants_help = 0;
		for (int a = i + 1; a < argc; a++)
			if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h"))
				wants_help = 1;
		if (!(c->flags & NEED_PROJECT) || wants_help)
			return c->fn(argc - i, argv + i, NULL);
		struct project p;
		if (project_open(&p) < 0)
			return EXIT_USAGE;
		int ret, wait_ms = 0;
		if ((c->flags & NEED_LOCK) && ((wait_ms = lock_wait_ms(&p, wait_seconds)) == -2 ||
						project_lock(&p, c->name, wait_ms) < 0)) {
			ret = EXIT_USAGE;
		} else {
			cancel_orphaned_jobs(&p);
			ret = c->fn(argc - i, argv + i, &p);
		}
		project_close(&p);
		return ret;
	}
	fprintf(stderr, "repro: '%s' is not a repro command; see 'repro --help'\n", name);
	return EXIT_USAGE;
}
