/*
 * Progress on a terminal: ordinary lines scroll as usual while one status
 * line stays at the bottom ("stages: 3 done, 2 running, 1 left"), redrawn in
 * place. When stdout or stderr is not a terminal (a log, CI, a test) or
 * REPRO_PROGRESS=0, only the ordinary lines are printed.
 */
#ifndef REPRO_PROGRESS_H
#define REPRO_PROGRESS_H

#include "util/strbuf.h"

struct progress {
	int tty;              /* draw a status line */
	int shown;            /* a status line is on screen now */
	struct strbuf status; /* the current status text */
};

void progress_init(struct progress *p);
/* Prints a line (on stdout) above the status line. */
void progress_print(struct progress *p, const char *line);
/* Replaces the status line (on stderr); does nothing without a terminal. */
void progress_status(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes the status line off the screen (until the next progress_status),
 * so that what is printed next starts a line of its own. */
void progress_clear(struct progress *p);
/* Removes the status line and frees p. */
void progress_done(struct progress *p);

#endif
