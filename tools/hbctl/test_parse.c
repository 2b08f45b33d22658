// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: unit tests of the parsers, formatters, JSON writer and netlink
 * decoders.  Output is TAP; the exit status is 1 when any test failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netlink/genl/genl.h>

#include "hbctl.h"
#include "json.h"
#include "model.h"
#include "nl.h"
#include "parse.h"

static int tests, failures;

static __attribute__((format(printf, 2, 3)))
void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		failures++;
	printf("%sok %d - ", cond ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void dur(const char *s, int err, uint64_t want)
{
	uint64_t us = 0;
	const char *why = NULL;
	int ret = parse_duration_us(s, &us, &why);

	if (err)
		ok(ret == err && why, "duration '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && us == want, "duration '%s' = %" PRIu64 "us", s, us);
}

static void test_durations(void)
{
	dur("100", 0, 100000);
	dur("100ms", 0, 100000);
	dur("1500us", 0, 1500);
	dur("1s", 0, 1000000);
	dur("1.5s", 0, 1500000);
	dur("1.5ms", 0, 1500);
	dur("0.001s", 0, 1000);
	dur("0.000001s", 0, 1);
	dur("2.500ms", 0, 2500);
	dur("0", 0, 0);
	dur("007ms", 0, 7000);
	dur("18446744073709551615us", 0, UINT64_MAX);
	dur("18446744073709551ms", 0, 18446744073709551000ULL);
	dur("18446744073709551616us", -ERANGE, 0);
	dur("18446744073709552ms", -ERANGE, 0);
	dur("18446744073710s", -ERANGE, 0);
	dur("99999999999999999999999999", -ERANGE, 0);
	dur("1.0000001s", -EINVAL, 0);
	dur("2.5us", -EINVAL, 0);
	dur("-5", -EINVAL, 0);
	dur("-5ms", -EINVAL, 0);
	dur("+5", -EINVAL, 0);
	dur("", -EINVAL, 0);
	dur("abc", -EINVAL, 0);
	dur("ms", -EINVAL, 0);
	dur("10x", -EINVAL, 0);
	dur("10 ms", -EINVAL, 0);
	dur(" 10", -EINVAL, 0);
	dur("10ms ", -EINVAL, 0);
	dur("1.", -EINVAL, 0);
	dur(".5", -EINVAL, 0);
	dur("1e3", -EINVAL, 0);
	dur("0x10", -EINVAL, 0);
	dur("5MS", -EINVAL, 0);
	dur("5m", -EINVAL, 0);
	dur("1..5s", -EINVAL, 0);
}

static void interval(const char *s, int err, uint32_t want)
{
	uint32_t us = 0;
	const char *why = NULL;
	int ret = parse_interval_us(s, &us, &why);

	if (err)
		ok(ret == err && why, "interval '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && us == want, "interval '%s' = %" PRIu32 "us", s, us);
}

static void test_intervals(void)
{
	interval("100", 0, 100000);
	interval("1ms", 0, HEARTBEAT_MIN_INTERVAL_US);
	interval("60s", 0, HEARTBEAT_MAX_INTERVAL_US);
	interval("1000us", 0, 1000);
	interval("999us", -ERANGE, 0);
	interval("0", -ERANGE, 0);
	interval("60001ms", -ERANGE, 0);
	interval("4294967296us", -ERANGE, 0);
	interval("99999999999999999999999s", -ERANGE, 0);
	interval("fast", -EINVAL, 0);
}

static void id(const char *s, int err, uint32_t want)
{
	uint32_t v = 0;
	const char *why = NULL;
	int ret = parse_id(s, &v, &why);

	if (err)
		ok(ret == err && why, "id '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && v == want, "id '%s' = %" PRIu32, s, v);
}

static void test_ids(void)
{
	uint32_t v = 7;

	id("1", 0, 1);
	id("42", 0, 42);
	id("01", 0, 1);
	id("4294967295", 0, UINT32_MAX);
	id("4294967296", -ERANGE, 0);
	id("18446744073709551616", -ERANGE, 0);
	id("0", -ERANGE, 0);
	id("-1", -EINVAL, 0);
	id("+1", -EINVAL, 0);
	id("", -EINVAL, 0);
	id("abc", -EINVAL, 0);
	id("1 ", -EINVAL, 0);
	id("0x1", -EINVAL, 0);
	id("1.0", -EINVAL, 0);
	ok(!parse_u32("0", &v, NULL) && v == 0, "cluster id 0 accepted");
	ok(parse_u32("4294967296", &v, NULL) == -ERANGE,
	   "cluster id 4294967296 rejected");
	ok(parse_id(NULL, &v, NULL) == -EINVAL, "NULL id rejected");
}

static void port(const char *s, int err, uint16_t want)
{
	uint16_t v = 0;
	const char *why = NULL;
	int ret = parse_port(s, &v, &why);

	if (err)
		ok(ret == err && why, "port '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && v == want, "port '%s' = %u", s, v);
}

static void mult(const char *s, int err, uint8_t want)
{
	uint8_t v = 0;
	const char *why = NULL;
	int ret = parse_multiplier(s, &v, &why);

	if (err)
		ok(ret == err && why, "multiplier '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && v == want, "multiplier '%s' = %u", s, v);
}

static void test_ports_multipliers(void)
{
	port("1", 0, 1);
	port("7410", 0, 7410);
	port("65535", 0, 65535);
	port("0", -ERANGE, 0);
	port("65536", -ERANGE, 0);
	port("99999999999999999999", -ERANGE, 0);
	port("-1", -EINVAL, 0);
	port("http", -EINVAL, 0);
	port("", -EINVAL, 0);
	mult("2", 0, 2);
	mult("3", 0, 3);
	mult("255", 0, 255);
	mult("1", -ERANGE, 0);
	mult("0", -ERANGE, 0);
	mult("256", -ERANGE, 0);
	mult("99999999999999999999999", -ERANGE, 0);
	mult("three", -EINVAL, 0);
}

static void ip(const char *s, int family, const char *canon)
{
	char buf[IP_STRLEN];
	struct hb_ip a;
	int ret = parse_ip(s, &a, NULL);

	if (!family) {
		ok(ret == -EINVAL, "address '%s' rejected", s);
		return;
	}
	ok(!ret && a.family == family &&
	   !strcmp(format_ip(&a, buf, sizeof(buf)), canon),
	   "address '%s' -> %s '%s'", s,
	   family == AF_INET ? "IPv4" : "IPv6", canon);
}

static void test_addresses(void)
{
	struct hb_ip a = { .family = 0 };
	char buf[IP_STRLEN];

	ip("10.0.0.1", AF_INET, "10.0.0.1");
	ip("255.255.255.255", AF_INET, "255.255.255.255");
	ip("::1", AF_INET6, "::1");
	ip("fe80::1", AF_INET6, "fe80::1");
	ip("2001:DB8:0:0::1", AF_INET6, "2001:db8::1");
	ip("::ffff:1.2.3.4", AF_INET6, "::ffff:1.2.3.4");
	ip("256.1.1.1", 0, NULL);
	ip("10.0.0", 0, NULL);
	ip("1.2.3.4 ", 0, NULL);
	ip("[::1]", 0, NULL);
	ip("fe80::1%eth0", 0, NULL);
	ip("host.example", 0, NULL);
	ip("", 0, NULL);
	ok(!strcmp(format_ip(&a, buf, sizeof(buf)), "?"),
	   "address of no family prints as '?'");
}

static void fmt_us(uint64_t us, const char *want)
{
	char buf[DURATION_STRLEN];

	format_duration_us(us, buf, sizeof(buf));
	ok(!strcmp(buf, want), "%" PRIu64 "us prints as '%s' (got '%s')",
	   us, want, buf);
}

static void fmt_ms(uint64_t ms, const char *want)
{
	char buf[DURATION_STRLEN];

	format_duration_ms(ms, buf, sizeof(buf));
	ok(!strcmp(buf, want), "%" PRIu64 "ms prints as '%s' (got '%s')",
	   ms, want, buf);
}

static void test_format(void)
{
	fmt_us(0, "0us");
	fmt_us(999, "999us");
	fmt_us(1000, "1ms");
	fmt_us(1500, "1.5ms");
	fmt_us(1234, "1.234ms");
	fmt_us(100000, "100ms");
	fmt_us(300000, "300ms");
	fmt_us(1000000, "1s");
	fmt_us(1500000, "1.5s");
	fmt_us(1234567, "1.234s");
	fmt_us(60000000, "60s");
	fmt_us(UINT64_MAX, "18446744073709.551s");
	fmt_ms(0, "0ms");
	fmt_ms(12, "12ms");
	fmt_ms(1500, "1.5s");
	fmt_ms(UINT64_MAX, "18446744073709551.615s");
}

static void onoff(const char *s, int err, bool want)
{
	const char *why = NULL;
	bool v = !want;
	int ret = parse_on_off(s, &v, &why);

	if (err)
		ok(ret == err && why, "learn '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && v == want, "learn '%s' = %d", s, v);
}

static void monitors(const char *s, int err, uint8_t want)
{
	const char *why = NULL;
	uint8_t v = 0;
	int ret = parse_monitors(s, &v, &why);

	if (err)
		ok(ret == err && why, "monitors '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && v == want, "monitors '%s' = %u", s, v);
}

static void limit(const char *s, int err, uint32_t want)
{
	const char *why = NULL;
	uint32_t v = 0;
	int ret = parse_learn_limit(s, &v, &why);

	if (err)
		ok(ret == err && why, "learn limit '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && v == want, "learn limit '%s' = %" PRIu32, s, v);
}

static void mode(const char *s, int err, uint8_t want)
{
	const char *why = NULL;
	uint8_t v = 0xff;
	int ret = hb_mode_parse(s, &v, &why);

	if (err)
		ok(ret == err && why, "mode '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && v == want && !strcmp(hb_mode_name(v), s),
		   "mode '%s' = %u", s, v);
}

/* @want: the ids as "a,b,c", or "" for none; NULL when @s is rejected. */
static void leaders(const char *s, int err, const char *want)
{
	uint32_t ids[HEARTBEAT_MAX_LEADERS];
	char got[64] = "";
	const char *why = NULL;
	unsigned int n = 99, i;
	int ret = parse_leaders(s, ids, &n, &why);

	if (err) {
		ok(ret == err && why, "leader '%s' rejected (%s)", s,
		   why ? why : "no reason");
		return;
	}
	for (i = 0; !ret && i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got),
			 "%s%" PRIu32, i ? "," : "", ids[i]);
	ok(!ret && !strcmp(got, want), "leader '%s' = [%s]", s, got);
}

static void test_cluster_values(void)
{
	onoff("on", 0, true);
	onoff("off", 0, false);
	onoff("On", -EINVAL, 0);
	onoff("1", -EINVAL, 0);
	onoff("yes", -EINVAL, 0);
	onoff("", -EINVAL, 0);
	onoff("on ", -EINVAL, 0);
	monitors("1", 0, 1);
	monitors("3", 0, 3);
	monitors("8", 0, HEARTBEAT_MAX_MONITORS);
	monitors("0", -ERANGE, 0);
	monitors("9", -ERANGE, 0);
	monitors("256", -ERANGE, 0);
	monitors("99999999999999999999999", -ERANGE, 0);
	monitors("-1", -EINVAL, 0);
	monitors("three", -EINVAL, 0);
	monitors("", -EINVAL, 0);
	limit("1", 0, 1);
	limit("1024", 0, 1024);
	limit("65536", 0, HEARTBEAT_MAX_PEERS);
	limit("0", -ERANGE, 0);
	limit("65537", -ERANGE, 0);
	limit("4294967296", -ERANGE, 0);
	limit("1k", -EINVAL, 0);
	limit("", -EINVAL, 0);
	mode("static", 0, HB_MODE_STATIC);
	mode("leader", 0, HB_MODE_LEADER);
	mode("member", 0, HB_MODE_MEMBER);
	mode("leaderless", 0, HB_MODE_LEADERLESS);
	mode("Leader", -EINVAL, 0);
	mode("invalid", -EINVAL, 0);
	mode("1", -EINVAL, 0);
	mode("", -EINVAL, 0);
	mode("leaderless ", -EINVAL, 0);
	leaders("2", 0, "2");
	leaders("3,2", 0, "3,2");
	leaders("1,2,3,4", 0, "1,2,3,4");
	leaders("4294967295,01", 0, "4294967295,1");
	leaders("none", 0, "");
	leaders("1,2,3,4,5", -ERANGE, NULL);
	leaders("0", -ERANGE, NULL);
	leaders("1,0", -ERANGE, NULL);
	leaders("4294967296", -ERANGE, NULL);
	leaders("99999999999999999999999", -ERANGE, NULL);
	leaders("2,2", -EINVAL, NULL);
	leaders("1,2,1", -EINVAL, NULL);
	leaders("", -EINVAL, NULL);
	leaders(",", -EINVAL, NULL);
	leaders("1,", -EINVAL, NULL);
	leaders(",1", -EINVAL, NULL);
	leaders("1,,2", -EINVAL, NULL);
	leaders("1 2", -EINVAL, NULL);
	leaders("1, 2", -EINVAL, NULL);
	leaders("-1", -EINVAL, NULL);
	leaders("1;2", -EINVAL, NULL);
	leaders("none,1", -EINVAL, NULL);
	leaders("None", -EINVAL, NULL);
	leaders("0x2", -EINVAL, NULL);
}

static void id_list(const uint32_t *ids, size_t n, const char *want)
{
	char buf[ID_LIST_STRLEN];

	format_id_list(ids, n, buf, sizeof(buf));
	ok(!strcmp(buf, want), "id list prints as '%s' (got '%s')", want, buf);
}

static void test_id_lists(void)
{
	static const uint32_t a[] = { 1, 2, 3, 4, 7, 9, 10, 12 };
	static const uint32_t b[] = { 4294967294U, 4294967295U, 1 };
	static const uint32_t c[] = { 5 };
	uint32_t many[300], spread[40];
	char small[8];
	unsigned int i;

	id_list(a, 0, "none");
	id_list(c, 1, "5");
	id_list(a, 8, "1-4,7,9,10,12");
	id_list(b, 3, "4294967294,4294967295,1");
	for (i = 0; i < 300; i++)
		many[i] = i + 1;
	id_list(many, 300, "1-300");
	for (i = 0; i < 40; i++)
		spread[i] = 2 * i + 1;
	id_list(spread, 40, "1,3,5,7,9,11,13,15,17,19,21,23,... (28 more)");
	for (i = 0; i < 300; i++)
		many[i] = (i % 2) ? 1000 * i : 1000 * i + 1;
	format_id_list(many, 300, small, sizeof(small));
	ok(strlen(small) == sizeof(small) - 1, "id list cut to its buffer");
}

static void roles(uint32_t bits, const char *want)
{
	char buf[8];

	hb_roles_letters(bits, buf, sizeof(buf));
	ok(!strcmp(buf, want), "roles 0x%x print as '%s' (got '%s')", bits,
	   want, buf);
}

static void test_names(void)
{
	roles(0, "-");
	roles(HB_ROLE_LEADER, "L");
	roles(HB_ROLE_TX | HB_ROLE_WATCH, "TW");
	roles(HB_ROLE_LEADER | HB_ROLE_TX | HB_ROLE_WATCH, "LTW");
	roles(0x80, "-");
	ok(!strcmp(hb_origin_name(HB_ORIGIN_CONFIGURED), "configured") &&
	   !strcmp(hb_origin_name(HB_ORIGIN_LEARNED), "learned") &&
	   !strcmp(hb_origin_name(HB_ORIGIN_LEADER), "leader") &&
	   !strcmp(hb_origin_name(__HB_ORIGIN_MAX), "invalid"),
	   "origin names");
	ok(!strcmp(hb_source_name(HB_SOURCE_NONE), "none") &&
	   !strcmp(hb_source_name(HB_SOURCE_SELF), "self") &&
	   !strcmp(hb_source_name(HB_SOURCE_LEADER), "leader") &&
	   !strcmp(hb_source_name(HB_SOURCE_PEERS), "peers") &&
	   !strcmp(hb_source_name(__HB_SOURCE_MAX), "invalid"),
	   "source names");
	ok(!strcmp(hb_mode_name(__HB_MODE_MAX), "invalid"),
	   "unknown mode is invalid");
	ok(!strcmp(hb_drop_name(HB_DROP_LEARN_LIMIT), "learn_limit") &&
	   !strcmp(hb_drop_name(HB_DROP_BAD_MEMBERS), "bad_members") &&
	   !strcmp(hb_drop_name(HB_DROP_NOT_LEADER), "not_leader"),
	   "new drop names");
}

/*
 * Run node_set_parse() on the words of @line; return its exit status and
 * what it wrote to stderr in @err (of @len bytes).
 */
static int node_set_line(const char *line, struct node_cfg *cfg, char *err,
			 size_t len)
{
	char *words[32], *copy = strdup(line), *w;
	int argc = 0, saved, ret;
	FILE *tmp = tmpfile();
	size_t n;

	for (w = strtok(copy, " "); w && argc < 32; w = strtok(NULL, " "))
		words[argc++] = w;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(tmp), STDERR_FILENO);
	ret = node_set_parse(argc, words, cfg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, len - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	free(copy);
	return ret;
}

/* "node set <line>" fails with a one-line usage error containing @want. */
static void node_set_bad(const char *line, const char *want)
{
	struct node_cfg cfg;
	char err[512];
	int ret = node_set_line(line, &cfg, err, sizeof(err));
	char *nl = strchr(err, '\n');

	ok(ret == HBCTL_USAGE && strstr(err, want) && nl && !nl[1],
	   "node set %s: usage error '%.*s'", line,
	   nl ? (int)(nl - err) : (int)strlen(err), err);
}

static void test_node_set_options(void)
{
	struct node_cfg cfg;
	char err[512];
	int ret;

	ret = node_set_line("learn-limit 10 multiplier 4 interval 50ms "
			    "monitors 5 learn off leader 3,2 mode member "
			    "cluster 7 port 7411 id 1", &cfg, err, sizeof(err));
	ok(!ret && !err[0] && cfg.has_id && cfg.id == 1 && cfg.has_port &&
	   cfg.port == 7411 && cfg.has_cluster && cfg.cluster == 7 &&
	   cfg.has_mode && cfg.mode == HB_MODE_MEMBER && cfg.has_leaders &&
	   cfg.nr_leaders == 2 && cfg.leaders[0] == 3 &&
	   cfg.leaders[1] == 2 && cfg.has_learn && !cfg.learn &&
	   cfg.has_monitors && cfg.monitors == 5 && cfg.has_interval &&
	   cfg.interval_us == 50000 && cfg.has_mult && cfg.mult == 4 &&
	   cfg.has_learn_limit && cfg.learn_limit == 10,
	   "node set: every option, in reverse order");
	ret = node_set_line("mode leaderless", &cfg, err, sizeof(err));
	ok(!ret && cfg.has_mode && cfg.mode == HB_MODE_LEADERLESS &&
	   !cfg.has_id && !cfg.has_leaders && !cfg.has_learn &&
	   !cfg.has_monitors && !cfg.has_interval && !cfg.has_mult &&
	   !cfg.has_learn_limit, "node set: mode alone");
	ret = node_set_line("leader none learn on", &cfg, err, sizeof(err));
	ok(!ret && cfg.has_leaders && cfg.nr_leaders == 0 && cfg.has_learn &&
	   cfg.learn, "node set: leader none, learn on");
	ret = node_set_line("leader 1,2,3,4 monitors 8 learn-limit 65536 "
			    "interval 60s multiplier 255", &cfg, err,
			    sizeof(err));
	ok(!ret && cfg.nr_leaders == 4 && cfg.monitors == 8 &&
	   cfg.learn_limit == 65536 && cfg.interval_us == 60000000 &&
	   cfg.mult == 255, "node set: largest values");
	ret = node_set_line("monitors 1 learn-limit 1 interval 1ms "
			    "multiplier 2", &cfg, err, sizeof(err));
	ok(!ret && cfg.monitors == 1 && cfg.learn_limit == 1 &&
	   cfg.interval_us == 1000 && cfg.mult == 2,
	   "node set: smallest values");

	node_set_bad("mode", "'mode' needs a value");
	node_set_bad("mode master", "invalid mode 'master'");
	node_set_bad("mode static mode leader", "'mode' given twice");
	node_set_bad("leader", "'leader' needs a value");
	node_set_bad("leader 0", "invalid leader '0'");
	node_set_bad("leader 1,2,3,4,5", "at most 4 leaders");
	node_set_bad("leader 2,2", "listed twice");
	node_set_bad("leader 1, ", "invalid leader '1,'");
	node_set_bad("leader none leader 2", "'leader' given twice");
	node_set_bad("learn maybe", "invalid learn 'maybe'");
	node_set_bad("learn on learn off", "'learn' given twice");
	node_set_bad("learn", "'learn' needs a value");
	node_set_bad("monitors 0", "invalid monitors '0'");
	node_set_bad("monitors 9", "must be between 1 and 8");
	node_set_bad("monitors 3 monitors 3", "'monitors' given twice");
	node_set_bad("interval 0", "invalid interval '0'");
	node_set_bad("interval 61s", "must be between 1ms and 60s");
	node_set_bad("interval fast", "invalid interval 'fast'");
	node_set_bad("interval 1s interval 2s", "'interval' given twice");
	node_set_bad("multiplier 1", "invalid multiplier '1'");
	node_set_bad("multiplier 256", "must be between 2 and 255");
	node_set_bad("multiplier 3 multiplier 3", "'multiplier' given twice");
	node_set_bad("learn-limit 0", "invalid learn limit '0'");
	node_set_bad("learn-limit 65537", "must be between 1 and 65536");
	node_set_bad("learn-limit 5 learn-limit 6", "'learn-limit' given twice");
	node_set_bad("learn-limit", "'learn-limit' needs a value");
	node_set_bad("learn_limit 5", "unknown option 'learn_limit'");
	node_set_bad("leaders 2", "unknown option 'leaders'");
	node_set_bad("id 1 mode member id 2", "'id' given twice");
	node_set_bad("mode member port 0", "invalid port '0'");
	ret = node_set_line("", &cfg, err, sizeof(err));
	ok(ret == HBCTL_USAGE && strstr(err, "nothing to set"),
	   "node set without arguments");
}

/* Run @fn on a JSON writer into memory; compare the text with @want. */
static void json_case(void (*fn)(struct json *j, const void *arg),
		      const void *arg, const char *want, const char *what)
{
	struct json j;
	size_t len;
	char *buf;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f) {
		ok(0, "%s: open_memstream", what);
		return;
	}
	json_init(&j, f);
	fn(&j, arg);
	fclose(f);
	ok(!strcmp(buf, want), "%s: %s", what, buf);
	if (strcmp(buf, want))
		printf("#   expected: %s\n", want);
	free(buf);
}

static void json_one_string(struct json *j, const void *arg)
{
	json_string(j, NULL, arg);
}

static void test_json_escape(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "\"\"" },
		{ "plain", "\"plain\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "line\nfeed", "\"line\\nfeed\"" },
		{ "tab\there", "\"tab\\there\"" },
		{ "\r\b\f", "\"\\r\\b\\f\"" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"" },
		{ "\x7f", "\"\x7f\"" },
		{ "/slash", "\"/slash\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "\"\\\n", "\"\\\"\\\\\\n\"" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		json_case(json_one_string, cases[i].in, cases[i].out,
			  "json string");
}

static void json_nested(struct json *j, const void *arg)
{
	(void)arg;
	json_object_begin(j, NULL);
	json_u64(j, "a", 1);
	json_array_begin(j, "b");
	json_u64(j, NULL, 1);
	json_u64(j, NULL, UINT64_MAX);
	json_object_begin(j, NULL);
	json_object_end(j);
	json_array_begin(j, NULL);
	json_array_end(j);
	json_array_end(j);
	json_null(j, "c");
	json_bool(j, "d", true);
	json_bool(j, "e\"", false);
	json_object_end(j);
}

static void test_json_structure(void)
{
	json_case(json_nested, NULL,
		  "{\"a\":1,\"b\":[1,18446744073709551615,{},[]],\"c\":null,"
		  "\"d\":true,\"e\\\"\":false}", "json nesting");
}

/* A message as the kernel would send it, parsed by hb_nl_parse(). */
static struct nl_msg *new_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg)
		genlmsg_put(msg, 0, 0, 0x42, 0, 0, cmd, 1);
	return msg;
}

static void put_full_peer(struct nl_msg *msg)
{
	struct nlattr *nest = nla_nest_start(msg, HB_A_PEER);
	struct in_addr a = { .s_addr = htonl(0x0a000003) };

	nla_put_u32(msg, HB_PEER_A_ID, 3);
	nla_put(msg, HB_PEER_A_ADDR4, sizeof(a), &a);
	nla_put_u16(msg, HB_PEER_A_PORT, 7410);
	nla_put_u32(msg, HB_PEER_A_INTERVAL_US, 100000);
	nla_put_u8(msg, HB_PEER_A_MULTIPLIER, 3);
	nla_put_u8(msg, HB_PEER_A_STATE, HB_STATE_UP);
	nla_put(msg, HB_PEER_A_PAD, 0, NULL);
	nla_put_u64(msg, HB_PEER_A_LAST_SEEN_MS, 12);
	nla_put_u64(msg, HB_PEER_A_TX, 52);
	nla_put_u64(msg, HB_PEER_A_RX, 51);
	nla_put_u64(msg, HB_PEER_A_DROPPED, 1);
	nla_put_u64(msg, HB_PEER_A_LOST, 2);
	nla_put_u32(msg, HB_PEER_A_RTT_US, 1500);
	nla_put_u32(msg, HB_PEER_A_RTTVAR_US, 250);
	nla_put_u32(msg, HB_PEER_A_STATE_CHANGES, 1);
	nla_put_u32(msg, HB_PEER_A_REMOTE_INTERVAL_US, 100000);
	nla_put_u8(msg, HB_PEER_A_REMOTE_MULTIPLIER, 3);
	nla_put_u64(msg, HB_PEER_A_REMOTE_INCARNATION, 1764000000000000000ULL);
	nla_put_u32(msg, HB_PEER_A_DETECT_US, 300000);
	nla_put_u64(msg, HB_PEER_A_TX_ERRORS, 0);
	nla_put_u8(msg, HB_PEER_A_ORIGIN, HB_ORIGIN_LEARNED);
	nla_put_u32(msg, HB_PEER_A_ROLES, HB_ROLE_TX | HB_ROLE_WATCH | 0x100);
	nla_put_u8(msg, HB_PEER_A_SOURCE, HB_SOURCE_PEERS);
	nla_put_u8(msg, HB_PEER_A_CONFIRMATIONS, 2);
	nla_put_u8(msg, HB_PEER_A_MONITORS, 3);
	nla_put_u32(msg, HB_PEER_A_EPOCH, 9);
	nla_put_u32(msg, HB_PEER_A_MAX + 5, 99);	/* from a newer kernel */
	nla_nest_end(msg, nest);
}

static void peer_json_fn(struct json *j, const void *arg)
{
	hb_peer_json(j, NULL, arg);
}

static void test_decode_peer(void)
{
	struct nlattr *tb[HB_A_MAX + 1];
	struct in6_addr a6 = IN6ADDR_LOOPBACK_INIT;
	struct nlattr *nest;
	struct hb_peer p;
	struct nl_msg *msg;

	msg = new_msg(HB_CMD_PEER_GET);
	put_full_peer(msg);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) && tb[HB_A_PEER] &&
	   !hb_peer_decode(tb[HB_A_PEER], &p), "full peer decodes");
	ok(p.id == 3 && p.addr.family == AF_INET && p.port == 7410 &&
	   p.state == HB_STATE_UP && p.has_last_seen && p.last_seen_ms == 12 &&
	   p.rtt_us == 1500 && p.detect_us == 300000 &&
	   p.remote_incarnation == 1764000000000000000ULL &&
	   p.origin == HB_ORIGIN_LEARNED && p.source == HB_SOURCE_PEERS &&
	   p.has_confirmations && p.confirmations == 2 && p.monitors == 3 &&
	   p.epoch == 9, "full peer fields");
	json_case(peer_json_fn, &p,
		  "{\"id\":3,\"address\":\"10.0.0.3\",\"port\":7410,"
		  "\"state\":\"up\",\"interval_us\":100000,\"multiplier\":3,"
		  "\"last_seen_ms\":12,\"tx\":52,\"rx\":51,\"dropped\":1,"
		  "\"lost\":2,\"rtt_us\":1500,\"rttvar_us\":250,"
		  "\"state_changes\":1,\"remote_interval_us\":100000,"
		  "\"remote_multiplier\":3,"
		  "\"remote_incarnation\":1764000000000000000,"
		  "\"detect_us\":300000,\"tx_errors\":0,"
		  "\"origin\":\"learned\",\"roles\":[\"tx\",\"watch\"],"
		  "\"source\":\"peers\",\"confirmations\":2,\"monitors\":3,"
		  "\"epoch\":9}", "peer json");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_PEER_GET);
	nest = nla_nest_start(msg, HB_A_PEER);
	nla_put_u32(msg, HB_PEER_A_ID, 9);
	nla_put(msg, HB_PEER_A_ADDR6, sizeof(a6), &a6);
	nla_put_u32(msg, HB_PEER_A_RTT_US, 0);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   !hb_peer_decode(tb[HB_A_PEER], &p) && p.addr.family == AF_INET6 &&
	   !p.has_last_seen && !p.has_confirmations,
	   "sparse IPv6 peer (no cluster attributes) decodes");
	json_case(peer_json_fn, &p,
		  "{\"id\":9,\"address\":\"::1\",\"port\":0,"
		  "\"state\":\"unknown\",\"interval_us\":0,\"multiplier\":0,"
		  "\"last_seen_ms\":null,\"tx\":0,\"rx\":0,\"dropped\":0,"
		  "\"lost\":0,\"rtt_us\":null,\"rttvar_us\":0,"
		  "\"state_changes\":0,\"remote_interval_us\":0,"
		  "\"remote_multiplier\":0,\"remote_incarnation\":0,"
		  "\"detect_us\":0,\"tx_errors\":0,\"origin\":\"configured\","
		  "\"roles\":[],\"source\":\"none\",\"confirmations\":0,"
		  "\"monitors\":0,\"epoch\":0}", "never seen peer json");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_PEER_GET);
	nest = nla_nest_start(msg, HB_A_PEER);
	nla_put_u32(msg, HB_PEER_A_ID, 9);
	nla_put(msg, HB_PEER_A_ADDR4, 3, "abc");
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   hb_peer_decode(tb[HB_A_PEER], &p) == -EBADMSG,
	   "3 byte IPv4 address rejected");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_PEER_GET);
	nest = nla_nest_start(msg, HB_A_PEER);
	nla_put_u32(msg, HB_PEER_A_ID, 9);
	nla_put(msg, HB_PEER_A_ADDR6, 20, "0123456789abcdefghij");
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   hb_peer_decode(tb[HB_A_PEER], &p) == -EBADMSG,
	   "20 byte IPv6 address rejected");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_PEER_GET);
	nest = nla_nest_start(msg, HB_A_PEER);
	nla_put_u16(msg, HB_PEER_A_PORT, 1);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   hb_peer_decode(tb[HB_A_PEER], &p) == -EBADMSG,
	   "peer without id rejected");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_PEER_GET);
	nest = nla_nest_start(msg, HB_A_PEER);
	nla_put_u32(msg, HB_PEER_A_ID, 9);
	nla_put_u32(msg, HB_PEER_A_MULTIPLIER, 3);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   hb_peer_decode(tb[HB_A_PEER], &p) == -EBADMSG,
	   "u32 multiplier rejected");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_PEER_GET);
	nest = nla_nest_start(msg, HB_A_PEER);
	nla_put_u8(msg, HB_PEER_A_ID, 1);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   hb_peer_decode(tb[HB_A_PEER], &p) == -EBADMSG,
	   "u8 peer id rejected");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_PEER_GET);
	nest = nla_nest_start(msg, HB_A_PEER);
	nla_put_u32(msg, HB_PEER_A_ID, 9);
	nla_put_u8(msg, HB_PEER_A_ROLES, HB_ROLE_TX);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   hb_peer_decode(tb[HB_A_PEER], &p) == -EBADMSG,
	   "u8 roles rejected");
	nlmsg_free(msg);
}

static void node_json_fn(struct json *j, const void *arg)
{
	hb_node_json(j, NULL, arg);
}

static void put_counters(struct nl_msg *msg, int type, int n, uint64_t base)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	int i;

	for (i = 0; i < n; i++) {
		nla_put(msg, 0, 0, NULL);	/* padding, as the kernel may */
		nla_put_u64(msg, HB_COUNTER_ATTR(i), base + i);
	}
	nla_nest_end(msg, nest);
}

/* The cluster attributes of a member node that fell back to leaderless. */
static void put_cluster(struct nl_msg *msg)
{
	struct nlattr *nest;

	nla_put_u8(msg, HB_A_NODE_MODE, HB_MODE_MEMBER);
	nest = nla_nest_start(msg, HB_A_NODE_LEADERS);
	nla_put_u32(msg, HB_LIST_A_ID, 3);
	nla_put_u32(msg, HB_LIST_A_MAX + 1, 77);	/* newer kernel */
	nla_put_u32(msg, HB_LIST_A_ID, 2);
	nla_nest_end(msg, nest);
	nla_put_u8(msg, HB_A_NODE_LEARN, 1);
	nla_put_u8(msg, HB_A_NODE_MONITORS, 3);
	nla_put_u32(msg, HB_A_NODE_INTERVAL_US, 50000);
	nla_put_u8(msg, HB_A_NODE_MULTIPLIER, 4);
	nla_put_u32(msg, HB_A_NODE_LEARN_LIMIT, 1024);
	nla_put_u8(msg, HB_A_NODE_EFFECTIVE_MODE, HB_MODE_LEADERLESS);
	nla_put_u32(msg, HB_A_NODE_LEARNED, 0);
	nla_put_u32(msg, HB_A_NODE_SENDING, 5);
	nla_put_u32(msg, HB_A_NODE_WATCHING, 6);
	nla_put_u32(msg, HB_A_NODE_EPOCH, 4);
	nla_put_u32(msg, HB_A_MAX + 3, 1);		/* newer kernel */
}

/* Leader lists: the followed leader, an empty list, malformed entries. */
static void test_decode_node_leaders(void)
{
	struct nlattr *tb[HB_A_MAX + 1];
	struct nlattr *nest;
	struct hb_node n;
	struct nl_msg *msg;
	int i;

	msg = new_msg(HB_CMD_NODE_GET);
	nla_put_u8(msg, HB_A_NODE_MODE, HB_MODE_MEMBER);
	nest = nla_nest_start(msg, HB_A_NODE_LEADERS);
	for (i = 1; i <= HEARTBEAT_MAX_LEADERS + 2; i++)
		nla_put_u32(msg, HB_LIST_A_ID, 10 * i);
	nla_nest_end(msg, nest);
	nla_put_u32(msg, HB_A_NODE_LEADER, 20);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) && !hb_node_decode(tb, &n) &&
	   n.nr_leaders == HEARTBEAT_MAX_LEADERS && n.leaders[3] == 40 &&
	   n.has_leader && n.leader == 20 &&
	   n.effective_mode == HB_MODE_MEMBER,
	   "leaders beyond the maximum ignored, leader followed, effective "
	   "mode defaults to the mode");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_NODE_GET);
	nla_put_u8(msg, HB_A_NODE_MODE, HB_MODE_LEADER);
	nla_put(msg, HB_A_NODE_LEADERS | NLA_F_NESTED, 0, NULL);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) && !hb_node_decode(tb, &n) &&
	   n.has_modes && !n.nr_leaders && !n.has_leader,
	   "empty leader list decodes");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_NODE_GET);
	nest = nla_nest_start(msg, HB_A_NODE_LEADERS);
	nla_put_u16(msg, HB_LIST_A_ID, 3);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   hb_node_decode(tb, &n) == -EBADMSG, "u16 leader id rejected");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_NODE_GET);
	nla_put_u32(msg, HB_A_NODE_MODE, HB_MODE_LEADER);
	ok(hb_nl_parse(nlmsg_hdr(msg), tb) == -EBADMSG, "u32 mode rejected");
	nlmsg_free(msg);
}

static void test_decode_node(void)
{
	struct nlattr *tb[HB_A_MAX + 1];
	struct hb_node n;
	struct nl_msg *msg;

	msg = new_msg(HB_CMD_NODE_GET);
	nla_put_u32(msg, HB_A_NODE_ID, 1);
	nla_put_u16(msg, HB_A_NODE_PORT, 7410);
	nla_put_u32(msg, HB_A_NODE_CLUSTER, 5);
	nla_put_u64(msg, HB_A_NODE_INCARNATION, 1764000000123456789ULL);
	nla_put_u32(msg, HB_A_NODE_PEERS, 2);
	nla_put_u64(msg, HB_A_NODE_EVENT_SEQ, 12);
	nla_put_flag(msg, HB_A_NODE_CONFIGURED);
	put_counters(msg, HB_A_NODE_DROPS, __HB_DROP_MAX, 100);
	put_counters(msg, HB_A_NODE_OBJECTS, __HB_OBJ_MAX, 1);
	put_cluster(msg);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) && !hb_node_decode(tb, &n),
	   "node decodes");
	ok(n.has_modes && n.mode == HB_MODE_MEMBER &&
	   n.effective_mode == HB_MODE_LEADERLESS && n.nr_leaders == 2 &&
	   n.leaders[0] == 3 && n.leaders[1] == 2 && !n.has_leader &&
	   n.learn && n.monitors == 3 && n.learn_limit == 1024 &&
	   n.epoch == 4, "node cluster fields");
	ok(n.drops[HB_DROP_SHORT] == 100 && n.drops[HB_DROP_SELF] == 111 &&
	   n.drops[HB_DROP_NOT_LEADER] == 114 &&
	   n.objects[HB_OBJ_NETS] == 1 && n.objects[HB_OBJ_SOCKETS] == 3,
	   "counter i is attribute type i + 1");
	json_case(node_json_fn, &n,
		  "{\"id\":1,\"port\":7410,\"cluster\":5,"
		  "\"incarnation\":1764000000123456789,\"configured\":true,"
		  "\"peers\":2,\"event_seq\":12,\"mode\":\"member\","
		  "\"effective_mode\":\"leaderless\",\"leaders\":[3,2],"
		  "\"leader\":null,\"learn\":true,\"monitors\":3,"
		  "\"interval_us\":50000,\"multiplier\":4,"
		  "\"learn_limit\":1024,\"learned\":0,\"sending\":5,"
		  "\"watching\":6,\"epoch\":4,\"drops\":{\"short\":100,"
		  "\"bad_magic\":101,\"bad_version\":102,\"bad_length\":103,"
		  "\"bad_cluster\":104,\"unknown_peer\":105,"
		  "\"bad_source\":106,\"bad_field\":107,\"auth\":108,"
		  "\"stale\":109,\"not_configured\":110,\"self\":111,"
		  "\"learn_limit\":112,\"bad_members\":113,"
		  "\"not_leader\":114},"
		  "\"objects\":{\"nets\":1,\"peers\":2,\"sockets\":3}}",
		  "node json");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_NODE_GET);
	nla_put_u16(msg, HB_A_NODE_PORT, 7410);
	put_counters(msg, HB_A_NODE_DROPS, 2, 5);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) && !hb_node_decode(tb, &n) &&
	   !n.configured && !n.has_objects && n.drops[1] == 6 &&
	   n.drops[2] == 0 && !n.has_modes && !n.nr_leaders,
	   "unconfigured node of an older module decodes");
	json_case(node_json_fn, &n,
		  "{\"id\":0,\"port\":7410,\"cluster\":0,\"incarnation\":0,"
		  "\"configured\":false,\"peers\":0,\"event_seq\":0,"
		  "\"mode\":\"static\",\"effective_mode\":\"static\","
		  "\"leaders\":[],\"leader\":null,\"learn\":false,"
		  "\"monitors\":0,\"interval_us\":0,\"multiplier\":0,"
		  "\"learn_limit\":0,\"learned\":0,\"sending\":0,"
		  "\"watching\":0,\"epoch\":0,"
		  "\"drops\":{\"short\":5,\"bad_magic\":6,\"bad_version\":0,"
		  "\"bad_length\":0,\"bad_cluster\":0,\"unknown_peer\":0,"
		  "\"bad_source\":0,\"bad_field\":0,\"auth\":0,\"stale\":0,"
		  "\"not_configured\":0,\"self\":0,\"learn_limit\":0,"
		  "\"bad_members\":0,\"not_leader\":0}}",
		  "unconfigured node json (no objects)");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_NODE_GET);
	nla_put_u32(msg, HB_A_NODE_PORT, 7410);
	ok(hb_nl_parse(nlmsg_hdr(msg), tb) == -EBADMSG,
	   "u32 node port rejected");
	nlmsg_free(msg);

	test_decode_node_leaders();
}

static void event_json_fn(struct json *j, const void *arg)
{
	hb_event_json(j, NULL, arg);
}

static struct nl_msg *event_msg(uint64_t seq, uint8_t type, uint8_t from,
				uint8_t to, uint8_t reason)
{
	struct nl_msg *msg = new_msg(HB_CMD_EVENT);
	struct nlattr *nest = nla_nest_start(msg, HB_A_EVENT);

	nla_put_u64(msg, HB_EVENT_A_SEQ, seq);
	nla_put_u8(msg, HB_EVENT_A_TYPE, type);
	nla_put_u32(msg, HB_EVENT_A_PEER_ID, 3);
	nla_put_u8(msg, HB_EVENT_A_OLD_STATE, from);
	nla_put_u8(msg, HB_EVENT_A_STATE, to);
	nla_put_u64(msg, HB_EVENT_A_TIME_NS, 5000000000ULL);
	nla_put_u8(msg, HB_EVENT_A_REASON, reason);
	if (reason == HB_REASON_TIMEOUT)
		nla_put_u32(msg, HB_EVENT_A_DETECT_US, 300000);
	if (type == HB_EVENT_RESTARTED)
		nla_put_u64(msg, HB_EVENT_A_INCARNATION, 1764000000000000001ULL);
	nla_nest_end(msg, nest);
	return msg;
}

static void event_case(struct nl_msg *msg, const char *line,
		       const char *json)
{
	struct nlattr *tb[HB_A_MAX + 1];
	struct hb_event e;
	char buf[256];

	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) && tb[HB_A_EVENT] &&
	   !hb_event_decode(tb[HB_A_EVENT], &e), "event decodes");
	hb_event_format(&e, buf, sizeof(buf));
	ok(!strcmp(buf, line), "event line '%s'", buf);
	json_case(event_json_fn, &e, json, "event json");
	nlmsg_free(msg);
}

static void test_decode_event(void)
{
	event_case(event_msg(12, HB_EVENT_STATE_CHANGE, HB_STATE_UP,
			     HB_STATE_DOWN, HB_REASON_TIMEOUT),
		   "[seq 12] peer 3: up -> down (timeout after 300ms)",
		   "{\"seq\":12,\"event\":\"state\",\"peer\":3,"
		   "\"old_state\":\"up\",\"state\":\"down\","
		   "\"time_ns\":5000000000,\"reason\":\"timeout\","
		   "\"detect_us\":300000}");
	event_case(event_msg(13, HB_EVENT_RESTARTED, HB_STATE_UP,
			     HB_STATE_UP, HB_REASON_INCARNATION),
		   "[seq 13] peer 3: restarted (incarnation 1764000000000000001)",
		   "{\"seq\":13,\"event\":\"restarted\",\"peer\":3,"
		   "\"old_state\":\"up\",\"state\":\"up\","
		   "\"time_ns\":5000000000,\"reason\":\"incarnation\","
		   "\"incarnation\":1764000000000000001}");
	event_case(event_msg(1, HB_EVENT_STATE_CHANGE, HB_STATE_UNKNOWN,
			     HB_STATE_UP, HB_REASON_FRAME),
		   "[seq 1] peer 3: unknown -> up (frame)",
		   "{\"seq\":1,\"event\":\"state\",\"peer\":3,"
		   "\"old_state\":\"unknown\",\"state\":\"up\","
		   "\"time_ns\":5000000000,\"reason\":\"frame\"}");
	event_case(event_msg(2, 9, 7, HB_STATE_UP, 42),
		   "[seq 2] peer 3: invalid",
		   "{\"seq\":2,\"event\":\"invalid\",\"peer\":3,"
		   "\"old_state\":\"invalid\",\"state\":\"up\","
		   "\"time_ns\":5000000000,\"reason\":\"invalid\"}");
}

/* A message carrying @e: its core attributes and the optional ones it has. */
static struct nl_msg *event_from(const struct hb_event *e)
{
	struct nl_msg *msg = new_msg(HB_CMD_EVENT);
	struct nlattr *nest = nla_nest_start(msg, HB_A_EVENT);

	nla_put_u64(msg, HB_EVENT_A_SEQ, e->seq);
	nla_put_u8(msg, HB_EVENT_A_TYPE, e->type);
	nla_put_u32(msg, HB_EVENT_A_PEER_ID, e->peer);
	nla_put_u8(msg, HB_EVENT_A_OLD_STATE, e->old_state);
	nla_put_u8(msg, HB_EVENT_A_STATE, e->state);
	nla_put_u64(msg, HB_EVENT_A_TIME_NS, e->time_ns);
	nla_put_u8(msg, HB_EVENT_A_REASON, e->reason);
	if (e->has_detect)
		nla_put_u32(msg, HB_EVENT_A_DETECT_US, e->detect_us);
	if (e->has_source)
		nla_put_u8(msg, HB_EVENT_A_SOURCE, e->source);
	if (e->has_confirmations)
		nla_put_u8(msg, HB_EVENT_A_CONFIRMATIONS, e->confirmations);
	if (e->has_monitors)
		nla_put_u8(msg, HB_EVENT_A_MONITORS, e->monitors);
	if (e->has_origin)
		nla_put_u8(msg, HB_EVENT_A_ORIGIN, e->origin);
	if (e->has_mode) {
		nla_put_u8(msg, HB_EVENT_A_OLD_MODE, e->old_mode);
		nla_put_u8(msg, HB_EVENT_A_MODE, e->mode);
	}
	nla_put_u8(msg, HB_EVENT_A_MAX + 2, 1);	/* from a newer kernel */
	nla_nest_end(msg, nest);
	return msg;
}

static void test_decode_cluster_events(void)
{
	struct hb_event e = {
		.seq = 20, .type = HB_EVENT_STATE_CHANGE, .peer = 7,
		.old_state = HB_STATE_UP, .state = HB_STATE_DOWN,
		.time_ns = 6000000000ULL, .reason = HB_REASON_PEERS,
		.has_source = true, .source = HB_SOURCE_PEERS,
		.has_confirmations = true, .confirmations = 3,
		.has_monitors = true, .monitors = 3,
	};

	event_case(event_from(&e),
		   "[seq 20] peer 7: up -> down (confirmed by 3/3 monitors)",
		   "{\"seq\":20,\"event\":\"state\",\"peer\":7,"
		   "\"old_state\":\"up\",\"state\":\"down\","
		   "\"time_ns\":6000000000,\"reason\":\"peers\","
		   "\"source\":\"peers\",\"confirmations\":3,\"monitors\":3}");
	e.reason = HB_REASON_TIMEOUT;
	e.source = HB_SOURCE_SELF;
	e.confirmations = 1;
	e.has_detect = true;
	e.detect_us = 300000;
	event_case(event_from(&e),
		   "[seq 20] peer 7: up -> down (timeout after 300ms, confirmed by 1/3 monitors)",
		   "{\"seq\":20,\"event\":\"state\",\"peer\":7,"
		   "\"old_state\":\"up\",\"state\":\"down\","
		   "\"time_ns\":6000000000,\"reason\":\"timeout\","
		   "\"detect_us\":300000,\"source\":\"self\","
		   "\"confirmations\":1,\"monitors\":3}");
	e = (struct hb_event){
		.seq = 21, .type = HB_EVENT_STATE_CHANGE, .peer = 9,
		.old_state = HB_STATE_UNKNOWN, .state = HB_STATE_UP,
		.time_ns = 1, .reason = HB_REASON_FRAME,
		.has_source = true, .source = HB_SOURCE_SELF,
	};
	event_case(event_from(&e), "[seq 21] peer 9: unknown -> up (frame)",
		   "{\"seq\":21,\"event\":\"state\",\"peer\":9,"
		   "\"old_state\":\"unknown\",\"state\":\"up\","
		   "\"time_ns\":1,\"reason\":\"frame\",\"source\":\"self\"}");
	e.reason = HB_REASON_LEADER;
	e.source = HB_SOURCE_LEADER;
	e.state = HB_STATE_DOWN;
	event_case(event_from(&e), "[seq 21] peer 9: unknown -> down (leader)",
		   "{\"seq\":21,\"event\":\"state\",\"peer\":9,"
		   "\"old_state\":\"unknown\",\"state\":\"down\","
		   "\"time_ns\":1,\"reason\":\"leader\","
		   "\"source\":\"leader\"}");
	e = (struct hb_event){
		.seq = 22, .type = HB_EVENT_LEARNED, .peer = 11,
		.old_state = HB_STATE_UNKNOWN, .state = HB_STATE_UP,
		.time_ns = 2, .reason = HB_REASON_FRAME,
		.has_origin = true, .origin = HB_ORIGIN_LEARNED,
	};
	event_case(event_from(&e),
		   "[seq 22] peer 11: learned from its frames, state up",
		   "{\"seq\":22,\"event\":\"learned\",\"peer\":11,"
		   "\"old_state\":\"unknown\",\"state\":\"up\","
		   "\"time_ns\":2,\"reason\":\"frame\","
		   "\"origin\":\"learned\"}");
	e.origin = HB_ORIGIN_LEADER;
	e.state = HB_STATE_UNKNOWN;
	e.reason = HB_REASON_LEADER;
	event_case(event_from(&e),
		   "[seq 22] peer 11: learned from a leader, state unknown",
		   "{\"seq\":22,\"event\":\"learned\",\"peer\":11,"
		   "\"old_state\":\"unknown\",\"state\":\"unknown\","
		   "\"time_ns\":2,\"reason\":\"leader\","
		   "\"origin\":\"leader\"}");
	e = (struct hb_event){
		.seq = 23, .type = HB_EVENT_LEADER_LOST, .peer = 2,
		.old_state = HB_STATE_UP, .state = HB_STATE_DOWN,
		.time_ns = 3, .reason = HB_REASON_TIMEOUT,
		.has_detect = true, .detect_us = 1500000,
	};
	event_case(event_from(&e),
		   "[seq 23] peer 2: leader lost (timeout after 1.5s)",
		   "{\"seq\":23,\"event\":\"leader_lost\",\"peer\":2,"
		   "\"old_state\":\"up\",\"state\":\"down\","
		   "\"time_ns\":3,\"reason\":\"timeout\","
		   "\"detect_us\":1500000}");
	e = (struct hb_event){
		.seq = 24, .type = HB_EVENT_MODE, .time_ns = 4,
		.reason = HB_REASON_LEADERS_DOWN, .has_mode = true,
		.old_mode = HB_MODE_MEMBER, .mode = HB_MODE_LEADERLESS,
	};
	event_case(event_from(&e),
		   "[seq 24] node: mode member -> leaderless (leaders_down)",
		   "{\"seq\":24,\"event\":\"mode\",\"peer\":0,"
		   "\"old_state\":\"unknown\",\"state\":\"unknown\","
		   "\"time_ns\":4,\"reason\":\"leaders_down\","
		   "\"old_mode\":\"member\",\"mode\":\"leaderless\"}");
	e.old_mode = HB_MODE_LEADERLESS;
	e.mode = HB_MODE_MEMBER;
	e.reason = HB_REASON_LEADER_UP;
	event_case(event_from(&e),
		   "[seq 24] node: mode leaderless -> member (leader_up)",
		   "{\"seq\":24,\"event\":\"mode\",\"peer\":0,"
		   "\"old_state\":\"unknown\",\"state\":\"unknown\","
		   "\"time_ns\":4,\"reason\":\"leader_up\","
		   "\"old_mode\":\"leaderless\",\"mode\":\"member\"}");
	e.reason = HB_REASON_CONFIG;
	e.has_mode = false;
	event_case(event_from(&e), "[seq 24] peer 0: mode",
		   "{\"seq\":24,\"event\":\"mode\",\"peer\":0,"
		   "\"old_state\":\"unknown\",\"state\":\"unknown\","
		   "\"time_ns\":4,\"reason\":\"config\"}");
}

int main(void)
{
	test_durations();
	test_intervals();
	test_ids();
	test_ports_multipliers();
	test_addresses();
	test_cluster_values();
	test_node_set_options();
	test_format();
	test_id_lists();
	test_names();
	test_json_escape();
	test_json_structure();
	test_decode_peer();
	test_decode_node();
	test_decode_event();
	test_decode_cluster_events();
	printf("1..%d\n", tests);
	printf("# %d passed, %d failed\n", tests - failures, failures);
	return failures ? 1 : 0;
}
