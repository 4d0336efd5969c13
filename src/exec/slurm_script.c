/*
 * The batch script of a stage. A stage's commands are shell commands by
 * definition (the local executor runs each with /bin/sh -c); here each one
 * becomes a single-quoted word after /bin/sh -c, which sh reads back
 * byte for byte, so the job runs exactly what a local run would:
 *
 *   #!/bin/sh
 *   # written by repro: the stage's commands in order; the first failure ends the job
 *   repro_status='/project/.repro/tmp/slurm/0-train.status'
 *   repro_end() { ... records "$1 $2" in $repro_status ...; exit "$2"; }
 *   /bin/sh -c 'python train.py' || repro_end 1 $?
 *   repro_end 0 0
 *
 * sbatch reads #SBATCH directives only above the first command, and the
 * script has none: every resource is passed on sbatch's command line.
 */
#include <stdio.h>
#include <string.h>

#include "exec/executor.h"
#include "exec/slurm.h"
#include "util/error.h"
#include "util/fs.h"

void sh_quote(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

int slurm_write_script(const char *path, const struct job *job, const char *status_path)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	strbuf_addstr(&sb, "#!/bin/sh\n"
			   "# written by repro: the stage's commands in order; the first failure ends the job\n"
			   "repro_status=");
	sh_quote(&sb, status_path);
	strbuf_addstr(&sb, "\n"
			   "repro_end() {\n"
			   "\tprintf 'repro %s %s\\n' \"$1\" \"$2\" >\"$repro_status.tmp\" &&\n"
			   "\t\tmv -f \"$repro_status.tmp\" \"$repro_status\"\n"
			   "\texit \"$2\"\n"
			   "}\n");
	for (size_t i = 0; i < job->ncmd; i++) {
		strbuf_addstr(&sb, "/bin/sh -c ");
		sh_quote(&sb, job->cmd[i]);
		strbuf_addf(&sb, " || repro_end %zu $?\n", i + 1);
	}
	strbuf_addstr(&sb, "repro_end 0 0\n");
	ret = write_file_atomic(path, sb.buf, sb.len, 0755);
	strbuf_release(&sb);
	return ret;
}

int slurm_read_status(const char *path, size_t *cmd, int *status)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long c;
	int st, n = 0;

	if (strbuf_read_file(&sb, path, 256) < 0) {
		strbuf_release(&sb);
		return 0;
	}
	int ok = sscanf(sb.buf, "repro %lu %d%n", &c, &st, &n) == 2 && st >= 0 && st < 256;
	strbuf_release(&sb);
	if (!ok)
		return 0;
	*cmd = c;
	*status = st;
	return 1;
}
