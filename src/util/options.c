#include "options.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xalloc.h"

void strlist_push(struct strlist *l, char *s)
{
	ARRAY_GROW(l->items, l->alloc, (size_t)l->n + 1);
	l->items[l->n++] = s;
}

void strlist_release(struct strlist *l, int free_items)
{
	if (free_items)
		for (int i = 0; i < l->n; i++)
			free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
	l->alloc = 0;
}

static void option_label(struct strbuf *sb, const struct option *o)
{
	if (o->short_name)
		strbuf_addf(sb, "-%c", o->short_name);
	if (o->short_name && o->long_name)
		strbuf_addstr(sb, ", ");
	if (o->long_name)
		strbuf_addf(sb, "--%s", o->long_name);
	if (o->argh)
		strbuf_addf(sb, " %s", o->argh);
}

void print_help(const struct option *opts, const struct command_help *help)
{
	struct strbuf sb = STRBUF_INIT;

	/* every command has at least -h, so always an options: heading */
	printf("usage: %s\n\n%s\n\noptions:\n", help->usage, help->summary);
	for (const struct option *o = opts; o->type != OPTION_END; o++) {
		strbuf_reset(&sb);
		option_label(&sb, o);
		if (sb.len < 24)
			printf("    %-24s %s\n", sb.buf, o->help);
		else
			printf("    %s\n    %-24s %s\n", sb.buf, "", o->help);
	}
	printf("    %-24s %s\n", "-h, --help", "show this help");
	if (help->description)
		printf("\n%s", help->description);
	strbuf_release(&sb);
}

static int usage_error(const struct command_help *help, const char *fmt, const char *what)
{
	fprintf(stderr, "repro: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nusage: %s\n", help->usage);
	return -1;
}

/* The name an option was given by, for messages: "--dot" or "-j". */
static void option_name(const struct option *o, char *buf, size_t size)
{
	if (o->long_name)
		snprintf(buf, size, "--%s", o->long_name);
	else
		snprintf(buf, size, "-%c", o->short_name);
}

/*
 * Options that are choices of one variable (--json, --md, --csv) exclude
 * each other: the last one silently winning hides a mistake. `given`
 * holds, per entry of opts, whether it was seen.
 */
static int check_choice(const struct option *opts, const struct option *o, unsigned char *given,
			const struct command_help *help)
{
	for (const struct option *x = opts; x->type != OPTION_END; x++) {
		if (x == o || x->type != OPTION_CHOICE || x->value != o->value || x->choice == o->choice ||
		    !given[x - opts])
			continue;
		char a[64], b[64], both[140];
		option_name(x, a, sizeof(a));
		option_name(o, b, sizeof(b));
		snprintf(both, sizeof(both), "'%s' and '%s'", a, b);
		return usage_error(help, "options %s cannot be used together: choose one", both);
	}
	given[o - opts] = 1;
	return 0;
}

static int set_value(const struct option *o, const char *arg, const struct command_help *help)
{
	char *end;
	long v;

	switch (o->type) {
	case OPTION_BOOL:
		*(int *)o->value = 1;
		return 0;
	case OPTION_CHOICE:
		*(int *)o->value = o->choice; /* after check_choice */
		return 0;
	case OPTION_INT:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < INT_MIN || v > INT_MAX)
			return usage_error(help, "'%s' is not a number", arg);
		/* every number an option takes is a count or a size */
		if (v < 0)
			return usage_error(help, "'%s' is negative: give a whole number of 0 or more", arg);
		*(int *)o->value = (int)v;
		return 0;
	case OPTION_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPTION_LIST:
		strlist_push(o->value, (char *)arg);
		return 0;
	default:
		return -1;
	}
}

static const struct option *find_long(const struct option *opts, const char *name, size_t len)
{
	for (const struct option *o = opts; o->type != OPTION_END; o++)
		if (o->long_name && strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			return o;
	return NULL;
}

static const struct option *find_short(const struct option *opts, int c)
{
	for (const struct option *o = opts; o->type != OPTION_END; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static int takes_arg(const struct option *o)
{
	return o->type == OPTION_INT || o->type == OPTION_STRING || o->type == OPTION_LIST;
}

/* parse_options, with given[] (one flag per entry of opts) for check_choice. */
static int parse_args(int argc, char **argv, const struct option *opts, const struct command_help *help,
		      struct strlist *args, unsigned char *given)
{
	int only_args = 0;

	for (int i = 1; i < argc; i++) {
		char *a = argv[i];

		if (only_args || a[0] != '-' || !a[1]) {
			strlist_push(args, a);
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			print_help(opts, help);
			return 1;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct option *o = find_long(opts, name, len);
			if (!o)
				return usage_error(help, "unknown option '%s'", a);
			if (!takes_arg(o)) {
				if (eq)
					return usage_error(help, "option '%s' takes no value", a);
				if ((o->type == OPTION_CHOICE && check_choice(opts, o, given, help) < 0) ||
				    set_value(o, NULL, help) < 0)
					return -1;
				continue;
			}
			const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val)
				return usage_error(help, "option '%s' needs a value", a);
			if (set_value(o, val, help) < 0)
				return -1;
			continue;
		}
		/* a cluster of short options: -fs, -j4, -j 4 */
		for (char *c = a + 1; *c; c++) {
			const struct option *o = find_short(opts, *c);
			if (!o) {
				char opt[3] = { '-', *c, 0 };
				return usage_error(help, "unknown option '%s'", opt);
			}
			if (!takes_arg(o)) {
				if ((o->type == OPTION_CHOICE && check_choice(opts, o, given, help) < 0) ||
				    set_value(o, NULL, help) < 0)
					return -1;
				continue;
			}
			const char *val = c[1] ? c + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val) {
				char opt[3] = { '-', *c, 0 };
				return usage_error(help, "option '%s' needs a value", opt);
			}
			if (set_value(o, val, help) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

int parse_options(int argc, char **argv, const struct option *opts,
		  const struct command_help *help, struct strlist *args)
{
	size_t nopts = 0;

	while (opts[nopts].type != OPTION_END)
		nopts++;
	unsigned char *given = xcalloc(nopts + 1, 1);
	int ret = parse_args(argc, argv, opts, help, args, given);
	free(given);
	return ret;
}
