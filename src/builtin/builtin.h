/*
 * Built-in stages: `repro builtin NAME ...`. Each is an ordinary command a
 * stage's cmd can run; what makes them special is their code hash (the
 * SHA-256 of their sources, embedded at build time from src/builtin/SOURCES),
 * which the lock records so that changing a built-in's code re-runs exactly
 * the stages that use it.
 */
#ifndef REPRO_BUILTIN_H
#define REPRO_BUILTIN_H

struct builtin_stage {
	const char *name;                   /* "preprocess" */
	int (*fn)(int argc, char **argv);   /* argv[0] is the name; returns the exit status */
	const char *summary;                /* one line for `repro builtin list` */
};

/* The table, ended by an entry with name NULL. */
extern const struct builtin_stage builtin_stages[];

const struct builtin_stage *builtin_find(const char *name);
/* The code hash of a built-in (64 hex), or NULL for an unknown name. */
const char *builtin_code_hash(const char *name);

/* The built-ins, one file each: each returns 0, 1 on failure, 2 on a usage or configuration error. */
int builtin_ingest(int argc, char **argv);
int builtin_analyze(int argc, char **argv);
int builtin_preprocess(int argc, char **argv);
int builtin_validate(int argc, char **argv);
int builtin_anomaly(int argc, char **argv);
int builtin_bias(int argc, char **argv);

#endif
