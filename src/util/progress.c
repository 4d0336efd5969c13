#include "util/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void progress_init(struct progress *p)
{
	const char *env = getenv("REPRO_PROGRESS"), *term = getenv("TERM");

	memset(p, 0, sizeof(*p));
	strbuf_init(&p->status, 0);
	p->tty = isatty(1) && isatty(2) && !(env && !strcmp(env, "0")) && !(term && !strcmp(term, "dumb"));
}

static void clear(struct progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
}

static void draw(struct progress *p)
{
	if (!p->tty || !p->status.len)
		return;
	fprintf(stderr, "\r\033[K%s", p->status.buf);
	fflush(stderr);
	p->shown = 1;
}

void progress_print(struct progress *p, const char *line)
{
	clear(p);
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	draw(p);
}

void progress_status(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->tty)
		return;
	strbuf_reset(&p->status);
	va_start(ap, fmt);
	strbuf_vaddf(&p->status, fmt, ap);
	va_end(ap);
	clear(p);
	draw(p);
}

void progress_clear(struct progress *p)
{
	clear(p);
	strbuf_reset(&p->status);
}

void progress_done(struct progress *p)
{
	clear(p);
	strbuf_release(&p->status);
}
