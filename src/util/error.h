/*
 * Reporting errors to the user.
 *
 * Library code reports a failure with error() (or error_at() when a file
 * position is known) and returns -1; only the command layer decides the exit
 * code. Messages are lowercase with no full stop and quote their subject:
 *     repro: error: cannot open 'stages.lock': No such file or directory
 *     stages.yaml:3:5: error: unknown key 'dep' in stage 'train' (did you mean 'deps'?)
 * A format ending in ':' gets ": strerror(errno)" appended (as samurai does).
 */
#ifndef REPRO_ERROR_H
#define REPRO_ERROR_H

#define EXIT_STAGE_FAILED 1 /* a stage failed, or something is out of date where asked */
#define EXIT_USAGE 2        /* usage or configuration error */

/* Prints "repro: error: MSG" and returns -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "FILE:LINE:COL: error: MSG" (LINE/COL left out when 0) and returns -1. */
int error_at(const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prints "repro: warning: MSG". */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "repro: MSG" and exits with `code`; for the command layer only. */
__attribute__((noreturn)) void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Counts the errors reported so far, so a caller that collects many errors
 * (a validator) can report them all and then fail once.
 */
int error_count(void);

#endif
