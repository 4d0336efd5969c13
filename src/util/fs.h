/*
 * Filesystem helpers: path handling that keeps every path inside the
 * project, and the one atomic-replace routine every file written by repro
 * goes through.
 */
#ifndef REPRO_FS_H
#define REPRO_FS_H

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>
#include <stdint.h>
#include <sys/types.h>

#include "strbuf.h"

/* Appends "dir/name" to sb (no separator doubled, nothing added for an empty dir). */
void path_join(struct strbuf *sb, const char *dir, const char *name);
/* Returns a newly allocated "dir/name". */
char *path_join_dup(const char *dir, const char *name);

/*
 * Normalises a project-relative path: collapses "//", "./" and "dir/.."
 * lexically, drops a trailing '/'. The result "." means the project root.
 * Returns -1 and a reason in *why (a static string) when the path is empty,
 * absolute, climbs out of the project with "..", or holds a newline or a
 * control character: such paths are never accepted from a file we read.
 */
int path_normalize(const char *in, struct strbuf *out, const char **why);

/* True when `path` equals `dir` or lies below it (both normalised). */
int path_is_inside(const char *path, const char *dir);

/* mkdir -p; returns 0 or -1 with errno set. */
int mkdir_p(const char *path, mode_t mode);
/* mkdir -p of the parent directory of path. */
int mkdir_parent(const char *path);

/*
 * A file being written that replaces `path` atomically on commit: the data
 * goes to a temporary file on the target's filesystem (so rename is atomic:
 * in the directory atomic_set_tmpdir named when it is on that filesystem,
 * else beside the target), is fsynced, then renamed over the target and the directory is
 * fsynced. A crash at any point leaves either the old file or the new one,
 * never a truncated mix; this is how redis writes its dump. abort removes
 * the temporary file.
 */
struct atomic_file {
	int fd;         /* open descriptor of the temporary file, -1 when closed */
	char *tmp_path; /* the temporary file's path */
	char *path;     /* the final path */
	int quiet;      /* 1: failures are not reported, only errno is set */
};
int atomic_open(struct atomic_file *af, const char *path, mode_t mode);
/*
 * From now on atomic_open puts its temporary files in dir (created if
 * missing; NULL: beside the target again), named after this process (see
 * tmpowner.h), for targets on dir's filesystem. A command in a project sets
 * .repro/tmp, so that what a killed command leaves is not strewn over the
 * workspace but where the next command sweeps it.
 */
void atomic_set_tmpdir(const char *dir);
/* Opens the temporary file in `tmpdir` (which must be on path's filesystem). */
int atomic_open_in(struct atomic_file *af, const char *path, const char *tmpdir, mode_t mode);
/*
 * atomic_open for a file that only saves work (a cache the next command can
 * do without): nothing this af does reports a failure; -1 comes back with
 * errno set, for the caller's one warning (or none) while the command goes
 * on to succeed.
 */
int atomic_open_quiet(struct atomic_file *af, const char *path, mode_t mode);
int atomic_write(struct atomic_file *af, const void *data, size_t len);
/* fsync + rename + fsync of the directory; frees af. Returns 0 or -1 (reported). */
int atomic_commit(struct atomic_file *af);
/* Like atomic_commit without any fsync: for caches that may be lost. */
int atomic_commit_nosync(struct atomic_file *af);
/* Removes the temporary file and frees af; errno is left as it was. */
void atomic_abort(struct atomic_file *af);

/* Writes a whole file atomically (atomic_open + write + commit). Reports errors. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* The same without reporting anything (see atomic_open_quiet); errno set. */
int write_file_atomic_quiet(const char *path, const void *data, size_t len, mode_t mode);

/* write(2) until done, retrying on EINTR; 0 or -1. */
int write_all(int fd, const void *buf, size_t len);
/* read(2) until len bytes or end of file, retrying on EINTR; the bytes
 * read, or -1. */
ssize_t read_full(int fd, void *buf, size_t len);
/*
 * read_full of a regular file whose fstat gave `expect` bytes (-1: not
 * known). A read() of expect + 1 bytes that returns expect is the whole
 * file as fstat saw it, so the read() that would return 0 is skipped:
 * 10,000 calls of a first commit of 10,000 small files. Should the file
 * have grown since, the bytes returned are what it held at the fstat, which
 * a state entry made from that stat describes. Any other count, and the
 * reading goes on to len bytes or the end of the file.
 */
ssize_t read_sized(int fd, void *buf, size_t len, int64_t expect);
/* fsync the directory holding `path`. */
int fsync_parent_dir(const char *path);

/* Opens directory `name` below dirfd for readdir (O_CLOEXEC, and
 * O_NOFOLLOW with `nofollow`); NULL with errno set, nothing left open. */
DIR *opendir_at(int dirfd, const char *name, int nofollow);

/* rm -rf; ENOENT is not an error. Returns 0 or -1 with errno set. */
int remove_tree(const char *path);
/* rm -rf of name relative to dirfd; never follows a symlink. */
int remove_tree_at(int dirfd, const char *name);

/* Copies regular file src to dst (created with `mode`), using copy_file_range. */
int copy_file(const char *src, const char *dst, mode_t mode);

int is_dir(const char *path);
int path_exists(const char *path); /* lstat succeeds */

#endif
