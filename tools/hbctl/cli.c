// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: helpers shared by the subcommands to read the command line and
 * report what is wrong with it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hbctl.h"

/**
 * hbctl_usage() - report a malformed command line
 * @fmt: printf format of what is wrong
 *
 * Prints "hbctl: <what>; try 'hbctl --help'" on one line to stderr.
 *
 * Return: HBCTL_USAGE.
 */
int hbctl_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("hbctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; try 'hbctl --help'\n", stderr);
	return HBCTL_USAGE;
}

/**
 * hbctl_bad_value() - report a value that does not parse
 * @what: what the value is for ("interval", "peer id", ...)
 * @val: the value as given
 * @why: the reason a parser gave
 *
 * Return: HBCTL_USAGE.
 */
int hbctl_bad_value(const char *what, const char *val, const char *why)
{
	fprintf(stderr, "hbctl: invalid %s '%s': %s\n", what, val, why);
	return HBCTL_USAGE;
}

/**
 * hbctl_option() - check a "<keyword> <value>" pair before parsing it
 * @cmd: the command, for messages ("peer set")
 * @key: the keyword
 * @val: its value, or NULL when the command line ended
 * @seen: whether @key was given before; set on success
 *
 * Return: 0, or HBCTL_USAGE (reported) for a missing value or a keyword
 * given twice.
 */
int hbctl_option(const char *cmd, const char *key, const char *val,
		 bool *seen)
{
	if (*seen)
		return hbctl_usage("%s: '%s' given twice", cmd, key);
	if (!val)
		return hbctl_usage("%s: '%s' needs a value", cmd, key);
	*seen = true;
	return HBCTL_OK;
}

/* Whether @s is a number as a duration starts: digits, maybe a '.' and more. */
static bool is_number(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (!n)
		return false;
	if (s[n] == '.')
		n += 1 + strspn(s + n + 1, "0123456789");
	return !s[n];
}

/**
 * hbctl_pair_value() - the value of the "<keyword> <value>" pair at argv[*i]
 * @argc: number of arguments
 * @argv: the arguments
 * @i: index of the keyword; moved past the unit word when one is joined
 * @buf: room for a joined value
 * @len: size of @buf
 *
 * A duration typed with a space, "interval 100 ms", arrives as two words:
 * a number followed by one of the units "us", "ms" or "s" (none of which is
 * a keyword) is joined into "100ms".
 *
 * Return: the value, or NULL when the command line ended after the keyword.
 */
const char *hbctl_pair_value(int argc, char **argv, int *i, char *buf,
			     size_t len)
{
	const char *val, *unit;
	int n;

	if (*i + 1 >= argc)
		return NULL;
	val = argv[*i + 1];
	if (*i + 2 >= argc || !is_number(val))
		return val;
	unit = argv[*i + 2];
	if (strcmp(unit, "us") && strcmp(unit, "ms") && strcmp(unit, "s"))
		return val;
	n = snprintf(buf, len, "%s%s", val, unit);
	if (n < 0 || (size_t)n >= len)
		return val;
	(*i)++;
	return buf;
}

/**
 * hbctl_dispatch() - run the entry of @cmds that argv[0] names
 * @cmds: the table, ended by an entry without a name
 * @family: the words before argv[0] for messages, or NULL at the top
 * @argc: number of arguments, at least 1
 * @argv: the arguments, argv[0] the subcommand
 * @opts: global options
 *
 * Return: the exit status of the entry, or HBCTL_USAGE.
 */
int hbctl_dispatch(const struct hbctl_cmd *cmds, const char *family,
		   int argc, char **argv, const struct hbctl_opts *opts)
{
	const struct hbctl_cmd *c;

	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			return c->fn(argc - 1, argv + 1, opts);
	if (family)
		return hbctl_usage("unknown command '%s %s'", family, argv[0]);
	return hbctl_usage("unknown command '%s'", argv[0]);
}

/**
 * hbctl_take_json() - honour "-j" or "--json" after the command
 * @argc: number of arguments, argv[0] the command
 * @argv: the arguments; every "-j" and "--json" after argv[0] is removed
 * @opts: set to print JSON when one was there
 *
 * "hbctl show -j" is then "hbctl -j show": no command takes a word that
 * is "-j" or "--json".
 *
 * Return: the number of arguments left.
 */
int hbctl_take_json(int argc, char **argv, struct hbctl_opts *opts)
{
	int i, n = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			opts->json = true;
		else
			argv[n++] = argv[i];
	}
	return argc ? n : 0;
}
