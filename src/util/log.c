#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *level_names[] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };

void log_timestamp(char *buf, unsigned long size)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Whether t[0..n) is digits and, in `pat`, the separators given there ('d' = digit). */
static int matches(const char *t, const char *pat, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pat[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != pat[i])
			return 0;
	return 1;
}

int log_has_timestamp(const char *line, size_t len)
{
	size_t p = 19;

	if (len < 20 || !matches(line, "dddd-dd-ddTdd:dd:dd", 19))
		return 0;
	if (line[p] == '.')
		for (p++; p < len && line[p] >= '0' && line[p] <= '9'; p++)
			;
	if (p < len && line[p] == 'Z')
		p++;
	else if (len - p >= 6 && (!memcmp(line + p, "+00:00", 6) || !memcmp(line + p, "-00:00", 6)))
		p += 6;
	else
		return 0;
	return p == len || line[p] == ' ' || line[p] == '\t';
}

void log_msg(enum log_level level, const char *component, const char *fmt, ...)
{
	char ts[32];
	va_list ap;

	log_timestamp(ts, sizeof(ts));
	/* One fprintf per piece would let lines of parallel writers interleave;
	 * build the line first and write it in one call. */
	char line[4096];
	int n = snprintf(line, sizeof(line), "%s %s %s: ", ts, level_names[level], component);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
}
