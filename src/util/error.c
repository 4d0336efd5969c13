#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The one piece of process-wide state in the reporting layer: how many errors
 * were printed. It is only read by callers that want "report everything, fail
 * once" behaviour; nothing decides control flow on it implicitly.
 */
static int nerrors;

static void vreport(const char *prefix, const char *fmt, va_list ap, int saved_errno)
{
	size_t n = strlen(fmt);

	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	if (n && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved_errno));
	fputc('\n', stderr);
}

int error(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vreport("repro: error: ", fmt, ap, saved);
	va_end(ap);
	nerrors++;
	errno = saved;
	return -1;
}

int error_at(const char *file, int line, int col, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (line > 0 && col > 0)
		fprintf(stderr, "%s:%d:%d: ", file, line, col);
	else if (line > 0)
		fprintf(stderr, "%s:%d: ", file, line);
	else
		fprintf(stderr, "%s: ", file);
	va_start(ap, fmt);
	vreport("error: ", fmt, ap, saved);
	va_end(ap);
	nerrors++;
	errno = saved;
	return -1;
}

void warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vreport("repro: warning: ", fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void die(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vreport("repro: ", fmt, ap, saved);
	va_end(ap);
	exit(code);
}

int error_count(void)
{
	return nerrors;
}
