/*
 * Declarative option parsing for commands (after git's parse-options).
 *
 * A command lists its options in a table ending with OPT_END(); the parser
 * fills the variables, collects the remaining arguments, and generates the
 * --help text from the table, so the help can never disagree with what is
 * accepted. Long options take "--name=value" or "--name value"; short ones
 * "-j4" or "-j 4"; "--" ends the options.
 */
#ifndef REPRO_OPTIONS_H
#define REPRO_OPTIONS_H

#include <stddef.h>

enum option_type { OPTION_END, OPTION_BOOL, OPTION_INT, OPTION_STRING, OPTION_LIST, OPTION_CHOICE };

struct option {
	enum option_type type;
	int short_name;        /* 'j', or 0 */
	const char *long_name; /* "jobs", or NULL */
	void *value;           /* int* (BOOL, INT, CHOICE), char** (STRING), struct strlist* (LIST) */
	const char *argh;      /* name of the argument in help ("N"), NULL for flags */
	const char *help;      /* one line of help */
	int choice;            /* CHOICE: value stored in *value when given */
};

/* Growable list of strings (for repeatable options and arguments). */
struct strlist {
	char **items; /* the strings; freed by strlist_release(l, 1) only */
	int n;        /* number of strings */
	size_t alloc; /* slots allocated in items */
};
void strlist_push(struct strlist *l, char *s);
void strlist_release(struct strlist *l, int free_items);

#define OPT_BOOL(s, l, v, h)        { OPTION_BOOL, (s), (l), (v), NULL, (h), 0 }
/* A whole number of 0 or more: every number an option takes is a count. */
#define OPT_INT(s, l, v, a, h)      { OPTION_INT, (s), (l), (v), (a), (h), 0 }
#define OPT_STRING(s, l, v, a, h)   { OPTION_STRING, (s), (l), (v), (a), (h), 0 }
#define OPT_LIST(s, l, v, a, h)     { OPTION_LIST, (s), (l), (v), (a), (h), 0 }
/* Sets *v = c: for mutually exclusive output formats such as --json/--md. */
#define OPT_CHOICE(s, l, v, c, h)   { OPTION_CHOICE, (s), (l), (v), NULL, (h), (c) }
#define OPT_END()                   { OPTION_END, 0, NULL, NULL, NULL, NULL, 0 }

struct command_help {
	const char *usage;       /* "repro run [options] [STAGE...]" */
	const char *summary;     /* one line: what the command does */
	const char *description; /* paragraphs after the options, or NULL */
};

/*
 * Parses argv[1..] (argv[0] is the command name). Non-option arguments are
 * appended to `args`. --help/-h prints help to stdout and returns 1 (the
 * caller exits 0). A usage error prints a message and the usage line to
 * stderr and returns -1 (the caller exits 2). Returns 0 otherwise.
 */
int parse_options(int argc, char **argv, const struct option *opts,
		  const struct command_help *help, struct strlist *args);
void print_help(const struct option *opts, const struct command_help *help);

/*
 * The usual prologue of a command: parse, and turn --help and usage errors
 * into a return value. Expands to a return statement when parsing is done.
 */
#define PARSE_OPTIONS_OR_RETURN(argc, argv, opts, help, args) do { \
	int r_ = parse_options((argc), (argv), (opts), (help), (args)); \
	if (r_ != 0) { strlist_release((args), 0); return r_ > 0 ? 0 : 2; } \
} while (0)

#endif
