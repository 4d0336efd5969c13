/*
 * store-bench: drives the storage layer (hash_path, cache_store_path,
 * cache_checkout) for bench/store.sh, and times commands.
 *
 *   store-bench gen DIR NFILES [PERDIR]   files of 1-4 KB, PERDIR per sub-directory
 *   store-bench bigfile FILE MIB          a file of MIB MiB of pseudo-random bytes
 *   store-bench hash PATH STATE [-j N]    hash_path through the state file STATE
 *   store-bench hashfile FILE             hash_file (no state): prints the sha256
 *   store-bench store PATH REPRODIR       cache_store_path into REPRODIR/cache
 *   store-bench checkout ID PATH REPRODIR cache_checkout of ID to PATH
 *   store-bench time CMD [ARG...]         runs CMD; prints "SECONDS MAXRSS_KB"
 *
 * PATH and REPRODIR are relative to the current directory, which plays the
 * project root. hash/store/checkout print "ID NFILES" on stdout. JOBS in
 * the environment sets the number of threads, LINKS the link types.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cache.h"
#include "core/state.h"
#include "util/fs.h"
#include "util/strbuf.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int gen(const char *dir, long n, long perdir)
{
	char buf[4096 + 8];
	struct strbuf p = STRBUF_INIT;

	for (long i = 0; i < n; i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/d%04ld", dir, i / perdir);
		if (i % perdir == 0 && mkdir_p(p.buf, 0777) < 0) {
			perror(p.buf);
			return 1;
		}
		strbuf_addf(&p, "/f%06ld.dat", i);
		size_t len = 1024 + next() % 3073;
		for (size_t k = 0; k < len; k += 8) {
			uint64_t v = next();
			memcpy(buf + k, &v, 8);
		}
		int fd = open(p.buf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write_all(fd, buf, len) < 0 || close(fd) < 0) {
			perror(p.buf);
			return 1;
		}
	}
	strbuf_release(&p);
	return 0;
}

static int bigfile(const char *path, long mib)
{
	uint64_t *buf = malloc(1 << 20);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (!buf || fd < 0)
		return perror(path), 1;
	for (long i = 0; i < mib; i++) {
		for (size_t k = 0; k < (1 << 20) / 8; k++)
			buf[k] = next();
		if (write_all(fd, buf, 1 << 20) < 0)
			return perror(path), 1;
	}
	free(buf);
	return close(fd) < 0;
}

static int do_hashfile(const char *path)
{
	char hex[HASH_HEX_LEN + 1];
	uint64_t size;

	if (hash_file(path, hex, &size) < 0)
		return perror(path), 1;
	printf("%s %llu\n", hex, (unsigned long long)size);
	return 0;
}

static int run_time(char **argv)
{
	double t0 = now();
	pid_t pid = fork();
	int status;
	struct rusage ru;

	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return perror("wait4"), 1;
	printf("%.4f %ld\n", now() - t0, ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static void print_info(const struct hashinfo *hi)
{
	printf("%s %llu\n", hi->id, (unsigned long long)hi->nfiles);
}

static int do_hash(const char *path, const char *statepath, int nthreads)
{
	struct hasher h = { .state = state_open(statepath), .nthreads = nthreads };
	struct hashinfo hi;
	int ret = hash_path(&h, path, &hi, NULL);

	if (!ret) {
		state_save(h.state);
		print_info(&hi);
	}
	state_free(h.state);
	return ret ? 1 : 0;
}

static int open_cache(struct cache *c, struct hasher *h, const char *repro)
{
	char *dir = path_join_dup(repro, "cache"), *tmp = path_join_dup(repro, "tmp");
	char *state = path_join_dup(repro, "state");
	int ret = cache_init(c, dir, tmp, getenv("LINKS"));

	h->state = state_open(state);
	h->nthreads = getenv("JOBS") ? atoi(getenv("JOBS")) : 0;
	free(dir);
	free(tmp);
	free(state);
	return ret;
}

static int do_store(const char *path, const char *repro)
{
	struct cache c;
	struct hasher h = { 0 };
	struct hashinfo hi;
	int ret = open_cache(&c, &h, repro);

	if (!ret)
		ret = cache_store_path(&c, &h, path, &hi);
	if (!ret) {
		state_save(h.state);
		print_info(&hi);
	}
	state_free(h.state);
	cache_release(&c);
	return ret ? 1 : 0;
}

static int do_checkout(const char *id, const char *path, const char *repro)
{
	struct cache c;
	struct hasher h = { 0 };
	int ret = open_cache(&c, &h, repro);

	if (!ret)
		ret = cache_checkout(&c, &h, id, path, NULL);
	if (!ret)
		state_save(h.state);
	state_free(h.state);
	cache_release(&c);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "gen") && argc >= 4)
		return gen(argv[2], atol(argv[3]), argc > 4 ? atol(argv[4]) : 1000);
	if (!strcmp(cmd, "bigfile") && argc == 4)
		return bigfile(argv[2], atol(argv[3]));
	if (!strcmp(cmd, "hashfile") && argc == 3)
		return do_hashfile(argv[2]);
	if (!strcmp(cmd, "time") && argc >= 3)
		return run_time(argv + 2);
	if (!strcmp(cmd, "hash") && argc >= 4)
		return do_hash(argv[2], argv[3], argc > 5 && !strcmp(argv[4], "-j") ? atoi(argv[5]) : 0);
	if (!strcmp(cmd, "store") && argc == 4)
		return do_store(argv[2], argv[3]);
	if (!strcmp(cmd, "checkout") && argc == 5)
		return do_checkout(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: see the comment at the top of bench/store-bench.c\n");
	return 2;
}
