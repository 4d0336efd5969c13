/*
 * Timestamped, levelled log lines for built-in stages, on stderr:
 *     2026-01-02T03:04:05Z INFO preprocess: kept 41 of 60 files
 * The scheduler captures stderr into .repro/logs/<stage>.log, so these lines
 * are what a user reads after a run.
 */
#ifndef REPRO_LOG_H
#define REPRO_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR, LOG_CRITICAL };

void log_msg(enum log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes the current UTC time as 2026-01-02T03:04:05Z into buf (>= 21 bytes). */
void log_timestamp(char *buf, unsigned long size);
/*
 * Whether a line starts with an RFC 3339 UTC time (2026-01-02T03:04:05Z,
 * fractions and +00:00 allowed) and a blank: a line already stamped, as
 * log_msg() writes them.
 */
int log_has_timestamp(const char *line, size_t len);

#endif
