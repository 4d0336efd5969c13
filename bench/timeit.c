/*
 * timeit FILE CMD [ARG...]: runs CMD (its output to /dev/null, its errors
 * to FILE.err) and writes "SECONDS MAXRSS_KB CPU_SECONDS" to FILE; exits 1
 * if CMD failed.
 *
 * bench/run.sh timed commands with `date +%s%N` around GNU time: two more
 * processes per sample, which added 5-7 ms, and as much noise, to runs of
 * 10-20 ms. Here the clock is read right around fork and wait4.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: timeit FILE CMD [ARG...]\n");
		return 2;
	}
	char err[4096];
	snprintf(err, sizeof(err), "%s.err", argv[1]);
	int efd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (efd < 0) {
		perror(err);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 2;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(efd, 2);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("timeit: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(efd);
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 2;
	}
	fprintf(out, "%.4f %ld %.3f\n", seconds(&t0, &t1), ru.ru_maxrss,
		(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
			(double)ru.ru_stime.tv_usec / 1e6);
	fclose(out);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
