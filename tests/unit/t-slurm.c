/* The slurm executor's pure parts: resources to sbatch options, reading
 * squeue and sacct, the words for a job's end, and the batch script. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "exec/executor.h"
#include "exec/slurm.h"
#include "util/fs.h"
#include "util/strbuf.h"

/* The options for meta (JSON text), joined with spaces; "ERROR" on failure. */
static char *opts_for(const struct slurm_defaults *d, const char *meta_json)
{
	cJSON *meta = meta_json ? cJSON_Parse(meta_json) : NULL;
	struct strlist args = { 0 };
	struct strbuf sb = STRBUF_INIT;

	if (slurm_stage_opts(d, "train", meta, &args) < 0)
		strbuf_addstr(&sb, "ERROR");
	else
		for (int i = 0; i < args.n; i++)
			strbuf_addf(&sb, "%s%s", i ? " " : "", args.items[i]);
	strlist_release(&args, 1);
	cJSON_Delete(meta);
	return strbuf_detach(&sb, NULL);
}

static void check_opts(const struct slurm_defaults *d, const char *meta, const char *want, const char *name)
{
	char *got = opts_for(d, meta);
	is_str(got, want, name);
	free(got);
}

static void test_opts(void)
{
	struct slurm_defaults d;

	ok(slurm_defaults_load(&d, NULL) == 0, "defaults without a config");
	is_int(d.poll_ms, 300, "poll every 300 ms by default");
	check_opts(&d, NULL, "--no-requeue", "no meta: no resources, no requeue");
	check_opts(&d, "{\"slurm\": {\"partition\": \"gpu\", \"time\": \"01:00:00\", \"mem\": \"8G\","
		       " \"gres\": \"gpu:1\", \"cpus\": 4}}",
		   "--partition=gpu --time=01:00:00 --mem=8G --cpus-per-task=4 --gres=gpu:1 --no-requeue",
		   "the issue's example");
	check_opts(&d, "{\"other\": 1}", "--no-requeue", "meta without slurm");
	check_opts(&d, "{\"slurm\": {\"exclusive\": true, \"requeue\": true, \"nodes\": \"2\"}}",
		   "--nodes=2 --exclusive --requeue", "boolean settings");
	check_opts(&d, "{\"slurm\": {\"exclusive\": false}}", "--no-requeue", "false leaves a flag out");
	d.value[0] = strdup("batch"); /* partition and time: the table's first two */
	d.value[1] = strdup("00:10:00");
	check_opts(&d, "{\"slurm\": {\"time\": 5}}", "--partition=batch --time=5 --no-requeue",
		   "meta over the config's defaults");
	check_opts(&d, "{\"slurm\": {\"partition\": \"-p\"}}", "ERROR", "a leading '-' is refused");
	check_opts(&d, "{\"slurm\": {\"partition\": \"a\\nb\"}}", "ERROR", "a newline is refused");
	check_opts(&d, "{\"slurm\": {\"partition\": \"\"}}", "ERROR", "an empty value is refused");
	check_opts(&d, "{\"slurm\": {\"cpus\": 1.5}}", "ERROR", "a fraction is refused");
	check_opts(&d, "{\"slurm\": {\"cpus\": -1}}", "ERROR", "a negative number is refused");
	check_opts(&d, "{\"slurm\": {\"exclusive\": \"sometimes\"}}", "ERROR", "a boolean must be one");
	check_opts(&d, "{\"slurm\": {\"partiton\": \"gpu\"}}", "ERROR", "an unknown setting is refused");
	check_opts(&d, "{\"slurm\": [\"--wrap=x\"]}", "ERROR", "slurm must be a mapping");
	slurm_defaults_release(&d);
	ok(slurm_value_problem("gpu:1") == NULL, "a plain value is fine");
	ok(slurm_value_problem("a\tb") != NULL, "a tab is a control character");
}

static void test_rows(void)
{
	struct slurm_row r;
	const char *line = "12|FAILED|768|NonZeroExitCode|";

	ok(slurm_parse_row(line, strlen(line), &r) == 0, "a squeue row");
	is_int(r.id, 12, "its id");
	is_str(r.state, "FAILED", "its state");
	is_int(WEXITSTATUS(r.wstatus), 3, "its exit code");
	is_str(r.reason, "NonZeroExitCode", "its reason");
	line = "7|PENDING|0|launch failed requeued held|\n8|...";
	ok(slurm_parse_row(line, strcspn(line, "\n"), &r) == 0 && !strcmp(r.reason, "launch failed requeued held"),
	   "a reason with spaces, one line of several");
	line = "x|RUNNING|0|None|";
	ok(slurm_parse_row(line, strlen(line), &r) < 0, "a row without an id");
	line = "12|RUNNING";
	ok(slurm_parse_row(line, strlen(line), &r) < 0, "a short row");
	line = "slurm_load_jobs error: Invalid job id specified";
	ok(slurm_parse_row(line, strlen(line), &r) < 0, "an error message");
	line = "CANCELLED by 0|0:15";
	ok(slurm_parse_sacct(line, strlen(line), &r) == 0 && !strcmp(r.state, "CANCELLED") &&
	   WIFSIGNALED(r.wstatus) && WTERMSIG(r.wstatus) == 15, "a sacct row");
	line = "COMPLETED|0:0";
	ok(slurm_parse_sacct(line, strlen(line), &r) == 0 && r.wstatus == 0, "a completed sacct row");
	ok(slurm_state_final("TIMEOUT") && slurm_state_final("COMPLETED") && !slurm_state_final("RUNNING") &&
	   !slurm_state_final("COMPLETING") && !slurm_state_final("PENDING"), "final states");
}

/* How a job in `state` with wait status ws (and a failing command) reads. */
static void check_end(const char *state, int ws, size_t cmd, int st, const char *want, int want_code)
{
	char *cmds[] = { "make data", "python train.py" };
	struct job job = { .name = "train", .cmd = cmds, .ncmd = 2 };
	struct slurm_row r = { .id = 12, .wstatus = ws };

	snprintf(r.state, sizeof(r.state), "%s", state);
	snprintf(r.reason, sizeof(r.reason), "%s", "SomeReason");
	slurm_describe_end(&job, &r, cmd, st);
	is_str(job.reason, want, want);
	is_int(job.exit_code, want_code, "its exit code");
	free(job.reason);
}

static void test_end(void)
{
	check_end("TIMEOUT", 15, 0, 0, "slurm job 12 ended TIMEOUT (time limit)", 143);
	check_end("OUT_OF_MEMORY", 9, 0, 0, "slurm job 12 ended OUT_OF_MEMORY (out of memory)", 137);
	check_end("NODE_FAIL", 0, 0, 0, "slurm job 12 ended NODE_FAIL (node failure)", 1);
	check_end("FAILED", 2 << 8, 2, 2, "slurm job 12 ended FAILED: 'python train.py' exited with status 2", 2);
	check_end("FAILED", 3 << 8, 0, 0, "slurm job 12 ended FAILED (exit code 3)", 3);
	check_end("FAILED", 9, 0, 0, "slurm job 12 ended FAILED (killed by signal 9, Killed)", 137);
	check_end("FAILED", 130 << 8, 1, 130, "slurm job 12 ended FAILED: 'make data' exited with status 130", 1);
	check_end("WEIRD", 0, 0, 0, "slurm job 12 ended WEIRD (SomeReason)", 1);
}

/* Runs the script written for cmds in dir; returns its exit status. */
static int run_script(const char *dir, char **cmds, size_t n)
{
	struct job job = { .name = "s", .cmd = cmds, .ncmd = n };
	char *script = path_join_dup(dir, "job.sh"), *status = path_join_dup(dir, "job.status");
	int rc = -1;

	if (slurm_write_script(script, &job, status) == 0) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, "cd ");
		sh_quote(&sb, dir);
		strbuf_addstr(&sb, " && ./job.sh");
		int ws = system(sb.buf);
		rc = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
		strbuf_release(&sb);
	}
	free(script);
	free(status);
	return rc;
}

static void test_script(void)
{
	char tmpl[] = "/tmp/t-slurm.XXXXXX";
	char *dir = mkdtemp(tmpl);
	char *cmds[] = { "printf '%s\\n' \"it's\" '$HOME' >out", "echo \"a  b\" >>out; exit 5", "echo no >never" };
	struct strbuf sb = STRBUF_INIT;
	size_t cmd = 0;
	int st = -1;

	ok(dir != NULL, "a scratch directory");
	is_int(run_script(dir, cmds, 3), 5, "the script fails with the failing command's status");
	char *status = path_join_dup(dir, "job.status"), *out = path_join_dup(dir, "out");
	ok(slurm_read_status(status, &cmd, &st) == 1 && cmd == 2 && st == 5, "its status file names command 2");
	ok(strbuf_read_file(&sb, out, 1024) == 0, "the commands wrote their output");
	is_str(sb.buf, "it's\n$HOME\na  b\n", "quotes, dollars and spaces reach sh intact");
	char *never = path_join_dup(dir, "never");
	ok(!path_exists(never), "nothing runs after the failure");
	is_int(run_script(dir, cmds, 1), 0, "a script whose commands succeed exits 0");
	ok(slurm_read_status(status, &cmd, &st) == 1 && cmd == 0 && st == 0, "and records it");
	ok(write_file_atomic(status, "garbage\n", 8, 0644) == 0 && !slurm_read_status(status, &cmd, &st),
	   "a status file not written by the script is ignored");
	free(never);
	free(status);
	free(out);
	strbuf_release(&sb);
	remove_tree(dir);
}

int main(void)
{
	test_opts();
	test_rows();
	test_end();
	test_script();
	return done_testing();
}
