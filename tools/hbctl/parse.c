// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: parsers for command line values and formatters for durations.
 *
 * Parsers are strict and small enough to fuzz: decimal digits only, no sign,
 * no white space, no base prefix, and the whole string must be consumed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/heartbeat.h>

#include "parse.h"

#define __STR(x)	#x
#define STR(x)		__STR(x)

static int fail(int err, const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return err;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Accumulate the decimal digits at *s into *val, moving *s past them.
 * Return: the number of digits read, or -ERANGE when *val would overflow.
 */
static int scan_digits(const char **s, uint64_t *val)
{
	const char *p = *s;
	uint64_t v = *val;
	int n = 0;

	for (; is_digit(*p); p++, n++) {
		unsigned int d = *p - '0';

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*s = p;
	*val = v;
	return n;
}

/**
 * parse_u64() - parse an unsigned decimal number no larger than @max
 * @s: the string
 * @max: the largest accepted value
 * @val: where to store the value
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0, -EINVAL for garbage, or -ERANGE for a value above @max.
 */
int parse_u64(const char *s, uint64_t max, uint64_t *val, const char **why)
{
	uint64_t v = 0;
	int n;

	if (!s || !*s)
		return fail(-EINVAL, why, "empty value");
	if (*s == '-')
		return fail(-EINVAL, why, "negative values are not allowed");
	n = scan_digits(&s, &v);
	if (n == -ERANGE)
		return fail(-ERANGE, why, "too large");
	if (n == 0 || *s)
		return fail(-EINVAL, why, "not a decimal number");
	if (v > max)
		return fail(-ERANGE, why, "too large");
	*val = v;
	return 0;
}

/**
 * parse_u32() - parse an unsigned 32 bit decimal number (zero allowed)
 * @s: the string
 * @val: where to store the value
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or a negative errno.
 */
int parse_u32(const char *s, uint32_t *val, const char **why)
{
	uint64_t v;
	int err;

	err = parse_u64(s, UINT32_MAX, &v, why);
	if (err)
		return err;
	*val = v;
	return 0;
}

/**
 * parse_id() - parse a node or peer id: a nonzero unsigned 32 bit number
 * @s: the string
 * @id: where to store the id
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or a negative errno.
 */
int parse_id(const char *s, uint32_t *id, const char **why)
{
	uint32_t v;
	int err;

	err = parse_u32(s, &v, why);
	if (err == -ERANGE)
		return fail(err, why, "too large (ids are 1..4294967295)");
	if (err)
		return err;
	if (!v)
		return fail(-ERANGE, why, "must be nonzero");
	*id = v;
	return 0;
}

/**
 * parse_port() - parse a UDP port, 1..65535
 * @s: the string
 * @port: where to store the port (host byte order)
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or a negative errno.
 */
int parse_port(const char *s, uint16_t *port, const char **why)
{
	uint64_t v;
	int err;

	err = parse_u64(s, UINT16_MAX, &v, why);
	if (err == -ERANGE || (!err && !v))
		return fail(-ERANGE, why, "must be between 1 and 65535");
	if (err)
		return err;
	*port = v;
	return 0;
}

/**
 * parse_multiplier() - parse a detection multiplier
 * @s: the string
 * @mult: where to store the multiplier
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or a negative errno.
 */
int parse_multiplier(const char *s, uint8_t *mult, const char **why)
{
	uint64_t v;
	int err;

	err = parse_u64(s, UINT64_MAX, &v, why);
	if (err == -ERANGE || (!err && (v < HEARTBEAT_MIN_MULTIPLIER ||
					v > HEARTBEAT_MAX_MULTIPLIER)))
		return fail(-ERANGE, why, "must be between 2 and 255");
	if (err)
		return err;
	*mult = v;
	return 0;
}

/* Microseconds in one @unit, or 0 for an unknown unit. */
static uint64_t unit_us(const char *unit)
{
	if (!*unit || !strcmp(unit, "ms"))
		return 1000;
	if (!strcmp(unit, "us"))
		return 1;
	if (!strcmp(unit, "s"))
		return 1000000;
	return 0;
}

/*
 * Microseconds in the fractional digits @frac (a string of @n digits) of a
 * number of units of @scale microseconds each.
 */
static int frac_us(const char *frac, int n, uint64_t scale, uint64_t *us,
		   const char **why)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++) {
		unsigned int d = frac[i] - '0';

		scale /= 10;
		if (!scale && d)
			return fail(-EINVAL, why,
				    "finer than one microsecond");
		v += d * scale;
	}
	*us = v;
	return 0;
}

/**
 * parse_duration_us() - parse a duration into microseconds
 * @s: digits, optionally a '.' and more digits, then an optional unit:
 *     "us", "ms" or "s"; without a unit the number counts milliseconds
 * @us: where to store the duration
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0, -EINVAL for garbage, or -ERANGE when it overflows 64 bits.
 */
int parse_duration_us(const char *s, uint64_t *us, const char **why)
{
	const char *frac = NULL;
	uint64_t whole = 0, part, scale;
	int n, nfrac = 0, err;

	if (!s || !*s)
		return fail(-EINVAL, why, "empty value");
	if (*s == '-')
		return fail(-EINVAL, why, "negative durations are not allowed");
	n = scan_digits(&s, &whole);
	if (n == -ERANGE)
		return fail(-ERANGE, why, "too large");
	if (n == 0)
		return fail(-EINVAL, why, "not a duration (try 100ms, 1.5s, 500us)");
	if (*s == '.') {
		frac = ++s;
		while (is_digit(*s))
			s++;
		nfrac = s - frac;
		if (!nfrac)
			return fail(-EINVAL, why, "not a duration (try 100ms, 1.5s, 500us)");
	}
	if (*s == ' ' && unit_us(s + strspn(s, " ")) && s[strspn(s, " ")])
		return fail(-EINVAL, why,
			    "no space between a number and its unit (100ms)");
	scale = unit_us(s);
	if (!scale)
		return fail(-EINVAL, why, "unknown unit (use us, ms or s)");
	err = frac_us(frac, nfrac, scale, &part, why);
	if (err)
		return err;
	if (whole > (UINT64_MAX - part) / scale)
		return fail(-ERANGE, why, "too large");
	*us = whole * scale + part;
	return 0;
}

/**
 * parse_interval_us() - parse a heartbeat interval
 * @s: a duration as parse_duration_us() takes it
 * @us: where to store the interval in microseconds
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or a negative errno; the interval must lie within
 * HEARTBEAT_MIN_INTERVAL_US..HEARTBEAT_MAX_INTERVAL_US.
 */
int parse_interval_us(const char *s, uint32_t *us, const char **why)
{
	uint64_t v;
	int err;

	err = parse_duration_us(s, &v, why);
	if (err == -ERANGE || (!err && (v < HEARTBEAT_MIN_INTERVAL_US ||
					v > HEARTBEAT_MAX_INTERVAL_US)))
		return fail(-ERANGE, why, "must be between 1ms and 60s");
	if (err)
		return err;
	*us = v;
	return 0;
}

/**
 * parse_max_detect_ms() - parse the longest detection time used for a peer
 * @s: a duration as parse_duration_us() takes it
 * @ms: where to store it in milliseconds
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or a negative errno; a whole number of milliseconds within
 * HEARTBEAT_MIN_MAX_DETECT_MS..HEARTBEAT_MAX_MAX_DETECT_MS.
 */
int parse_max_detect_ms(const char *s, uint32_t *ms, const char **why)
{
	uint64_t v;
	int err;

	err = parse_duration_us(s, &v, why);
	if (err == -ERANGE ||
	    (!err && (v < HEARTBEAT_MIN_MAX_DETECT_MS * 1000ULL ||
		      v > HEARTBEAT_MAX_MAX_DETECT_MS * 1000ULL)))
		return fail(-ERANGE, why, "must be between 10ms and 15300s");
	if (err)
		return err;
	if (v % 1000)
		return fail(-EINVAL, why, "must be whole milliseconds");
	*ms = v / 1000;
	return 0;
}

/**
 * parse_ip() - parse an IPv4 or IPv6 address in its textual form
 * @s: the string
 * @ip: where to store the address
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or -EINVAL.
 */
int parse_ip(const char *s, struct hb_ip *ip, const char **why)
{
	memset(ip, 0, sizeof(*ip));
	if (s && inet_pton(AF_INET, s, &ip->v4) == 1) {
		ip->family = AF_INET;
		return 0;
	}
	if (s && inet_pton(AF_INET6, s, &ip->v6) == 1) {
		ip->family = AF_INET6;
		return 0;
	}
	return fail(-EINVAL, why, "not an IPv4 or IPv6 address");
}

/**
 * parse_on_off() - parse "on" or "off"
 * @s: the string
 * @on: where to store true for "on", false for "off"
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or -EINVAL.
 */
int parse_on_off(const char *s, bool *on, const char **why)
{
	if (s && !strcmp(s, "on")) {
		*on = true;
		return 0;
	}
	if (s && !strcmp(s, "off")) {
		*on = false;
		return 0;
	}
	return fail(-EINVAL, why, "must be on or off");
}

/**
 * parse_monitors() - parse the number of monitors of a leaderless node
 * @s: the string
 * @k: where to store the number, 1..HEARTBEAT_MAX_MONITORS
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or a negative errno.
 */
int parse_monitors(const char *s, uint8_t *k, const char **why)
{
	uint64_t v;
	int err;

	err = parse_u64(s, UINT64_MAX, &v, why);
	if (err == -ERANGE || (!err && (!v || v > HEARTBEAT_MAX_MONITORS)))
		return fail(-ERANGE, why,
			    "must be between 1 and " STR(HEARTBEAT_MAX_MONITORS));
	if (err)
		return err;
	*k = v;
	return 0;
}

/**
 * parse_dscp() - parse the DSCP of heartbeats
 * @s: a number 0..63, or a class selector "cs0".."cs7" (cs6 is 48)
 * @dscp: where to store it
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or a negative errno.
 */
int parse_dscp(const char *s, uint8_t *dscp, const char **why)
{
	uint64_t v;
	int err;

	if ((s[0] == 'c' || s[0] == 'C') && (s[1] == 's' || s[1] == 'S')) {
		if (s[2] < '0' || s[2] > '7' || s[3])
			return fail(-EINVAL, why,
				    "a class selector is cs0 to cs7");
		*dscp = (s[2] - '0') * 8;
		return 0;
	}
	err = parse_u64(s, UINT64_MAX, &v, why);
	if (err == -ERANGE || (!err && v > HEARTBEAT_MAX_DSCP))
		return fail(-ERANGE, why,
			    "must be between 0 and " STR(HEARTBEAT_MAX_DSCP));
	if (err)
		return err;
	*dscp = v;
	return 0;
}

/**
 * parse_learn_age_ms() - parse how long a learned peer stays DOWN
 * @s: a duration as parse_duration_us() takes it (milliseconds without a
 *     unit)
 * @ms: where to store it in milliseconds
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or a negative errno; the age must lie within
 * HEARTBEAT_MIN_LEARN_AGE_MS..HEARTBEAT_MAX_LEARN_AGE_MS (1 s to 1 day).
 */
int parse_learn_age_ms(const char *s, uint32_t *ms, const char **why)
{
	uint64_t v;
	int err;

	err = parse_duration_us(s, &v, why);
	if (err == -ERANGE ||
	    (!err && (v < HEARTBEAT_MIN_LEARN_AGE_MS * 1000ULL ||
		      v > HEARTBEAT_MAX_LEARN_AGE_MS * 1000ULL)))
		return fail(-ERANGE, why, "must be between 1s and 1 day (86400s)");
	if (err)
		return err;
	*ms = v / 1000;
	return 0;
}

/**
 * parse_learn_limit() - parse the most peers a leader may learn
 * @s: the string
 * @limit: where to store the limit, 1..HEARTBEAT_MAX_PEERS
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or a negative errno.
 */
int parse_learn_limit(const char *s, uint32_t *limit, const char **why)
{
	uint64_t v;
	int err;

	err = parse_u64(s, UINT64_MAX, &v, why);
	if (err == -ERANGE || (!err && (!v || v > HEARTBEAT_MAX_PEERS)))
		return fail(-ERANGE, why,
			    "must be between 1 and " STR(HEARTBEAT_MAX_PEERS));
	if (err)
		return err;
	*limit = v;
	return 0;
}

/*
 * Parse the id at *s, which ends at a ',' or at the end of the string, and
 * move *s to that end.
 */
static int scan_list_id(const char **s, uint32_t *id, const char **why)
{
	uint64_t v = 0;
	int n;

	if (**s == '-')
		return fail(-EINVAL, why, "negative values are not allowed");
	n = scan_digits(s, &v);
	if (n == -ERANGE || v > UINT32_MAX)
		return fail(-ERANGE, why, "too large (ids are 1..4294967295)");
	if (n == 0 || (**s && **s != ','))
		return fail(-EINVAL, why,
			    "not 'none' or a comma separated list of ids");
	if (!v)
		return fail(-ERANGE, why, "ids must be nonzero");
	*id = v;
	return 0;
}

/**
 * parse_leaders() - parse the leaders of a member node
 * @s: "none", or 1..HEARTBEAT_MAX_LEADERS distinct nonzero ids separated
 *     by commas ("2" or "2,3")
 * @ids: HEARTBEAT_MAX_LEADERS slots for the ids, in the order given
 * @n: where to store the number of ids (0 for "none")
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0, -EINVAL for garbage or an id given twice, or -ERANGE for a
 * zero or too large id or too many ids.
 */
int parse_leaders(const char *s, uint32_t *ids, unsigned int *n,
		  const char **why)
{
	unsigned int count = 0, i;
	uint32_t id;
	int err;

	if (!s || !*s)
		return fail(-EINVAL, why, "empty value");
	if (!strcmp(s, "none")) {
		*n = 0;
		return 0;
	}
	for (;;) {
		err = scan_list_id(&s, &id, why);
		if (err)
			return err;
		for (i = 0; i < count; i++)
			if (ids[i] == id)
				return fail(-EINVAL, why,
					    "an id is listed twice");
		if (count == HEARTBEAT_MAX_LEADERS)
			return fail(-ERANGE, why,
				    "at most " STR(HEARTBEAT_MAX_LEADERS) " leaders");
		ids[count++] = id;
		if (!*s)
			break;
		s++;	/* past the ',' */
	}
	*n = count;
	return 0;
}

/**
 * parse_key_id() - parse the id of an authentication key
 * @s: the string
 * @id: where to store the id, 1..255
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or a negative errno.
 */
int parse_key_id(const char *s, uint8_t *id, const char **why)
{
	uint64_t v;
	int err;

	err = parse_u64(s, UINT64_MAX, &v, why);
	if (err == -ERANGE || (!err && (!v || v > UINT8_MAX)))
		return fail(-ERANGE, why, "must be between 1 and 255");
	if (err)
		return err;
	*id = v;
	return 0;
}

_Static_assert(KEY_HEX_LEN == 64, "the messages below say 64");

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * The value of the hex digit @c, or -1 when it is none, computed without
 * a branch or a table lookup so that neither the time taken nor the cache
 * lines touched depend on the key.  Right shifts of negative ints are
 * arithmetic with every compiler the kernel and hbctl build with.
 */
static int hex_nibble(unsigned char c)
{
	int digit = c ^ '0';			/* '0'..'9' become 0..9 */
	int letter = (c | 0x20) - 'a' + 10;	/* 'a'..'f', 'A'..'F': 10..15 */
	int is_digit = (digit - 10) >> 8;	/* -1 when digit < 10, else 0 */
	int is_letter = ((9 - letter) & (letter - 16)) >> 8;

	return (digit & is_digit) | (letter & is_letter) |
	       ~(is_digit | is_letter);
}

/**
 * parse_key_hex() - decode a key written as hex characters
 * @s: the text, not necessarily NUL terminated (a file's whole content)
 * @len: bytes in @s
 * @key: HEARTBEAT_KEY_LEN bytes for the key; zero on failure
 * @why: where to point at the reason of a failure, or NULL
 *
 * The text must be exactly KEY_HEX_LEN hex characters, in upper or lower
 * case, optionally followed by a newline and other trailing white space
 * (space, tab, CR, LF).  Unlike the other parsers, this one reads secret
 * material: it decodes every character the same way whatever it is, never
 * stops early, and its reasons never quote the text.
 *
 * Return: 0 or -EINVAL.
 */
int parse_key_hex(const char *s, size_t len, uint8_t *key, const char **why)
{
	int hi, lo, bad = 0;
	size_t i;

	explicit_bzero(key, HEARTBEAT_KEY_LEN);
	while (len && is_blank(s[len - 1]))
		len--;
	if (!len)
		return fail(-EINVAL, why, "no key found (empty)");
	if (len < KEY_HEX_LEN)
		return fail(-EINVAL, why,
			    "too short: a key is 64 hex characters");
	if (len > KEY_HEX_LEN)
		return fail(-EINVAL, why,
			    "too long: a key is 64 hex characters and an optional newline");
	for (i = 0; i < HEARTBEAT_KEY_LEN; i++) {
		hi = hex_nibble(s[2 * i]);
		lo = hex_nibble(s[2 * i + 1]);
		bad |= hi | lo;
		key[i] = (((unsigned int)hi << 4) | (unsigned int)lo) & 0xff;
	}
	if (bad < 0) {
		explicit_bzero(key, HEARTBEAT_KEY_LEN);
		return fail(-EINVAL, why,
			    "not a hex key: only 0-9, a-f and A-F may appear");
	}
	return 0;
}

/* The hex digit of the nibble @n, lower case, without a branch. */
static char hex_digit(unsigned int n)
{
	return n + '0' + (((9 - (int)n) >> 8) & ('a' - '0' - 10));
}

/**
 * format_key_hex() - write a key as KEY_HEX_LEN lower case hex characters
 * @key: HEARTBEAT_KEY_LEN bytes
 * @buf: KEY_HEX_LEN + 1 bytes for the text and its NUL
 */
void format_key_hex(const uint8_t *key, char *buf)
{
	size_t i;

	for (i = 0; i < HEARTBEAT_KEY_LEN; i++) {
		buf[2 * i] = hex_digit(key[i] >> 4);
		buf[2 * i + 1] = hex_digit(key[i] & 0xf);
	}
	buf[KEY_HEX_LEN] = '\0';
}

/*
 * Print @whole, then the @digits digit fraction @frac without its trailing
 * zeros (and without the point when nothing is left), then @unit.
 */
static char *format_decimal(uint64_t whole, uint64_t frac, int digits,
			    const char *unit, char *buf, size_t len)
{
	while (digits && frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	if (digits)
		snprintf(buf, len, "%" PRIu64 ".%0*" PRIu64 "%s", whole,
			 digits, frac, unit);
	else
		snprintf(buf, len, "%" PRIu64 "%s", whole, unit);
	return buf;
}

/**
 * format_duration_us() - print a duration for humans ("250us", "1.5ms", "2s")
 * @us: the duration in microseconds
 * @buf: where to print it
 * @len: size of @buf, DURATION_STRLEN is enough
 *
 * Seconds are shown with at most three decimals (truncated).
 *
 * Return: @buf.
 */
char *format_duration_us(uint64_t us, char *buf, size_t len)
{
	if (us < 1000)
		return format_decimal(us, 0, 0, "us", buf, len);
	if (us < 1000000)
		return format_decimal(us / 1000, us % 1000, 3, "ms", buf, len);
	return format_decimal(us / 1000000, us % 1000000 / 1000, 3, "s",
			      buf, len);
}

/**
 * format_duration_ms() - print a duration given in milliseconds for humans
 * @ms: the duration in milliseconds
 * @buf: where to print it
 * @len: size of @buf, DURATION_STRLEN is enough
 *
 * Return: @buf.
 */
char *format_duration_ms(uint64_t ms, char *buf, size_t len)
{
	if (ms < 1000)
		return format_decimal(ms, 0, 0, "ms", buf, len);
	return format_decimal(ms / 1000, ms % 1000, 3, "s", buf, len);
}

/**
 * format_ip() - print an address in its textual form
 * @ip: the address
 * @buf: where to print it
 * @len: size of @buf, IP_STRLEN is enough
 *
 * Return: @buf ("?" for an address of an unknown family).
 */
char *format_ip(const struct hb_ip *ip, char *buf, size_t len)
{
	const void *src = ip->family == AF_INET ? (const void *)&ip->v4 :
						  (const void *)&ip->v6;

	if ((ip->family != AF_INET && ip->family != AF_INET6) ||
	    !inet_ntop(ip->family, src, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

/*
 * Append to @buf (of @len bytes, holding a string) what @fmt makes of its
 * arguments; what does not fit is cut off.
 */
static __attribute__((format(printf, 3, 4)))
void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* The index of the last id of the ascending run that starts at @i. */
static size_t run_end(const uint32_t *ids, size_t n, size_t i)
{
	while (i + 1 < n && ids[i] != UINT32_MAX && ids[i + 1] == ids[i] + 1)
		i++;
	return i;
}

/**
 * format_id_list() - print a list of ids compactly: "1-4,7,9-12"
 * @ids: the ids; ascending runs become ranges
 * @n: number of ids
 * @buf: where to print it
 * @len: size of @buf, ID_LIST_STRLEN is enough
 *
 * After ID_LIST_MAX_RANGES ranges the rest is summed up, as in
 * "1,3,5,... (40 more)".  An empty list prints as "none".
 *
 * Return: @buf.
 */
char *format_id_list(const uint32_t *ids, size_t n, char *buf, size_t len)
{
	size_t i = 0, end, ranges = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!n) {
		snprintf(buf, len, "none");
		return buf;
	}
	while (i < n && ranges < ID_LIST_MAX_RANGES) {
		end = run_end(ids, n, i);
		append(buf, len, "%s%" PRIu32, ranges ? "," : "", ids[i]);
		if (end > i)
			append(buf, len, "%s%" PRIu32,
			       end == i + 1 ? "," : "-", ids[end]);
		ranges++;
		i = end + 1;
	}
	if (i < n)
		append(buf, len, ",... (%zu more)", n - i);
	return buf;
}

/**
 * parse_words() - split one line of a batch file into words, in place
 * @line: the line, without its newline; modified (words are NUL-ended)
 * @words: where the words go
 * @max: room in @words, which also gets a NULL after the last word
 * @why: reason on failure
 *
 * Words are separated by blanks (space, tab, CR).  A word may be quoted
 * with '...' or "..." to hold blanks; there are no escapes.  A '#' where a
 * word would begin starts a comment that runs to the end of the line.
 *
 * Return: the number of words (0 for a blank line or a comment), or
 * -EINVAL (a quote not closed, or text glued to a closing quote) or -E2BIG
 * (more than @max - 1 words).
 */
int parse_words(char *line, char **words, int max, const char **why)
{
	char *in = line, *out;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*in == ' ' || *in == '\t' || *in == '\r')
			in++;
		if (!*in || *in == '#')
			break;
		if (n >= max - 1)
			return fail(-E2BIG, why, "too many words on one line");
		out = in;
		words[n++] = out;
		if (*in == '\'' || *in == '"') {
			quote = *in++;
			while (*in && *in != quote)
				*out++ = *in++;
			if (!*in)
				return fail(-EINVAL, why, "quote not closed");
			in++;
			if (*in && *in != ' ' && *in != '\t' && *in != '\r')
				return fail(-EINVAL, why,
					    "text right after a closing quote");
		} else {
			while (*in && *in != ' ' && *in != '\t' &&
			       *in != '\r') {
				if (*in == '\'' || *in == '"')
					return fail(-EINVAL, why,
						    "a quote inside a word");
				*out++ = *in++;
			}
		}
		if (*in)
			in++;
		*out = '\0';
	}
	words[n] = NULL;
	return n;
}
