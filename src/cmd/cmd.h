/*
 * The commands: one file per command in src/cmd/, each exporting
 * cmd_<name>(), listed in one table in main.c with what they need.
 * A command returns its exit status: 0 success, 1 a stage failed or
 * something is out of date where asked, 2 a usage or configuration error.
 */
#ifndef REPRO_CMD_H
#define REPRO_CMD_H

struct project;

/* p is NULL for commands that do not need a project. */
typedef int cmd_fn(int argc, char **argv, struct project *p);

cmd_fn cmd_init, cmd_run, cmd_status, cmd_dag, cmd_checkout, cmd_commit, cmd_add,
	cmd_builtin, cmd_version, cmd_metrics, cmd_params, cmd_plots, cmd_remote, cmd_push, cmd_pull,
	cmd_fetch, cmd_gc;

#endif
