// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: unit tests of the parsers, formatters, JSON writer and netlink
 * decoders.  Output is TAP; the exit status is 1 when any test failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netlink/genl/genl.h>

#include "conf.h"
#include "hbctl.h"
#include "json.h"
#include "model.h"
#include "nl.h"
#include "parse.h"
#include "secret.h"
#include "tap.h"


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
	dur("10  s", -EINVAL, 0);
	dur("10 x", -EINVAL, 0);
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

static void age(const char *s, int err, uint32_t want)
{
	const char *why = NULL;
	uint32_t v = 0;
	int ret = parse_learn_age_ms(s, &v, &why);

	if (err)
		ok(ret == err && why, "learn age '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && v == want, "learn age '%s' = %" PRIu32 " ms", s, v);
}

static void dscp(const char *s, int err, uint8_t want)
{
	const char *why = NULL;
	uint8_t v = 0xff;
	int ret = parse_dscp(s, &v, &why);

	if (err)
		ok(ret == err && why, "dscp '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && v == want, "dscp '%s' = %u", s, v);
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
	dscp("0", 0, 0);
	dscp("48", 0, 48);
	dscp("63", 0, 63);
	dscp("cs6", 0, 48);
	dscp("CS1", 0, 8);
	dscp("cs0", 0, 0);
	dscp("64", -ERANGE, 0);
	dscp("cs8", -EINVAL, 0);
	dscp("cs", -EINVAL, 0);
	dscp("-1", -EINVAL, 0);
	dscp("ef", -EINVAL, 0);
	age("1s", 0, 1000);
	age("1000", 0, 1000);
	age("60s", 0, 60000);
	age("86400s", 0, HEARTBEAT_MAX_LEARN_AGE_MS);
	age("999ms", -ERANGE, 0);
	age("86400001", -ERANGE, 0);
	age("1 day", -EINVAL, 0);
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
	ok(!strcmp(hb_drop_name(HB_DROP_NO_KEY), "no_key") &&
	   !strcmp(hb_drop_name(HB_DROP_UNAUTH), "unauth") &&
	   !strcmp(hb_drop_name(HB_DROP_REPLAY), "replay") &&
	   !strcmp(hb_drop_name(HB_DROP_AUTH), "auth") &&
	   !strcmp(hb_drop_name(__HB_DROP_MAX), "invalid"),
	   "authentication drop names");
	ok(!strcmp(hb_event_name(HB_EVENT_AUTH), "auth") &&
	   !strcmp(hb_reason_name(HB_REASON_NO_KEY), "no_key") &&
	   !strcmp(hb_obj_name(HB_OBJ_KEYS), "keys"),
	   "authentication event, reason and object names");
	ok(!strcmp(hb_event_name(HB_EVENT_MOVED), "moved") &&
	   !strcmp(hb_event_name(HB_EVENT_FORGOTTEN), "forgotten") &&
	   !strcmp(hb_drop_name(HB_DROP_LEARN_RATE), "learn_rate") &&
	   !strcmp(hb_event_name(__HB_EVENT_MAX), "invalid"),
	   "moved and forgotten event names, learn_rate drop name");
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

	ret = node_set_line("auth on id 2", &cfg, err, sizeof(err));
	ok(!ret && cfg.has_auth && cfg.auth && cfg.has_id && !cfg.has_mode,
	   "node set: auth on");
	ret = node_set_line("mode static auth off", &cfg, err, sizeof(err));
	ok(!ret && cfg.has_auth && !cfg.auth && cfg.has_mode,
	   "node set: auth off with another option");
	ret = node_set_line("mode static", &cfg, err, sizeof(err));
	ok(!ret && !cfg.has_auth, "node set: auth left alone");
	node_set_bad("auth", "'auth' needs a value");
	node_set_bad("auth yes", "invalid auth 'yes'");
	node_set_bad("auth on auth off", "'auth' given twice");
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
	ret = node_set_line("interval 100 ms multiplier 3 max-detect 1.5 s "
			    "learn-age 30 s", &cfg, err, sizeof(err));
	ok(!ret && !err[0] && cfg.interval_us == 100000 && cfg.mult == 3 &&
	   cfg.max_detect_ms == 1500 && cfg.learn_age_ms == 30000,
	   "node set: durations typed with a space before the unit");
	ret = node_set_line("interval 250 us multiplier 3", &cfg, err,
			    sizeof(err));
	ok(ret == HBCTL_USAGE && strstr(err, "invalid interval '250us'"),
	   "node set: a joined value is checked like a typed one");
	node_set_bad("interval 100 ms interval 5ms", "'interval' given twice");
	node_set_bad("interval 100 sec", "unknown option 'sec'");
	node_set_bad("interval fast ms", "invalid interval 'fast'");
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

/* A key and its text, as a test writes it to a file. */
static const char test_hex[] =
	"00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0";
static const uint8_t test_key[HEARTBEAT_KEY_LEN] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};

/* parse_key_hex() of the @len bytes at @s: 0 and test_key, or @err. */
static void key_hex_case(const char *s, size_t len, int err,
			 const char *what)
{
	uint8_t key[HEARTBEAT_KEY_LEN];
	const char *why = NULL;
	bool wiped = true;
	unsigned int i;
	int ret;

	memset(key, 0x5a, sizeof(key));
	ret = parse_key_hex(s, len, key, &why);
	if (!err) {
		ok(!ret && !memcmp(key, test_key, sizeof(key)),
		   "key text %s decodes", what);
		return;
	}
	for (i = 0; i < sizeof(key); i++)
		wiped &= !key[i];
	ok(ret == err && why && wiped && !strstr(why, "0011"),
	   "key text %s rejected, output wiped (%s)", what,
	   why ? why : "no reason");
}

/* test_hex with @tail appended, and @at replaced by @c when @at >= 0. */
static void key_hex_variant(const char *tail, int at, char c, int err,
			    const char *what)
{
	char buf[160];
	size_t len;

	len = snprintf(buf, sizeof(buf), "%s%s", test_hex, tail);
	if (at >= 0)
		buf[at] = c;
	key_hex_case(buf, len, err, what);
}

static void test_key_hex(void)
{
	char upper[KEY_HEX_LEN + 1], buf[KEY_HEX_LEN + 1];
	uint8_t key[HEARTBEAT_KEY_LEN];
	unsigned int i, c, bad = 0;

	key_hex_variant("", -1, 0, 0, "without newline");
	key_hex_variant("\n", -1, 0, 0, "with a newline");
	key_hex_variant("\r\n", -1, 0, 0, "with CR LF");
	key_hex_variant(" \t\n\n ", -1, 0, 0, "with trailing white space");
	for (i = 0; i < KEY_HEX_LEN; i++)
		upper[i] = test_hex[i] >= 'a' ? test_hex[i] - 32 : test_hex[i];
	upper[KEY_HEX_LEN] = '\n';
	key_hex_case(upper, KEY_HEX_LEN + 1, 0, "in upper case");
	key_hex_case(test_hex, KEY_HEX_LEN - 1, -EINVAL, "of 63 characters");
	key_hex_case(test_hex, 2, -EINVAL, "of 2 characters");
	key_hex_case("", 0, -EINVAL, "empty");
	key_hex_case(" \n\n", 3, -EINVAL, "of white space only");
	key_hex_variant("0", -1, 0, -EINVAL, "of 65 characters");
	key_hex_variant("\nx", -1, 0, -EINVAL, "with a second line");
	key_hex_variant("\n00", -1, 0, -EINVAL, "with a second key");
	key_hex_variant(" #", -1, 0, -EINVAL, "with a comment");
	key_hex_variant("", 0, ' ', -EINVAL, "with leading white space");
	key_hex_variant("", 0, 'g', -EINVAL, "with a 'g' first");
	key_hex_variant("\n", 63, 'G', -EINVAL, "with a 'G' last");
	key_hex_variant("", 30, '\0', -EINVAL, "with a NUL inside");
	key_hex_variant("", 31, ' ', -EINVAL, "with a space inside");
	key_hex_variant("", 12, (char)0xc1, -EINVAL, "with a byte 0xc1");
	key_hex_case("0x112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0",
		     KEY_HEX_LEN, -EINVAL, "with a 0x prefix");
	/* every byte value at one place: exactly 0-9, a-f, A-F are digits */
	for (c = 0; c < 256; c++) {
		char text[KEY_HEX_LEN];
		bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			   (c >= 'A' && c <= 'F');
		unsigned int v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
		int ret;

		memset(text, '0', sizeof(text));
		text[9] = c;
		ret = parse_key_hex(text, sizeof(text), key, NULL);
		if (hex ? ret || key[4] != v : ret != -EINVAL)
			bad++;
	}
	ok(!bad, "each of the 256 byte values decodes as hex or not (%u wrong)",
	   bad);
	ok(parse_key_hex(test_hex, KEY_HEX_LEN, key, NULL) == 0,
	   "NULL reason accepted");
	format_key_hex(test_key, buf);
	ok(!strcmp(buf, test_hex), "key formats as lower case hex: %s", buf);
	for (i = 0; i < sizeof(key); i++)
		key[i] = 255 - i;
	format_key_hex(key, buf);
	memset(key, 0, sizeof(key));
	ok(!parse_key_hex(buf, KEY_HEX_LEN, key, NULL) && key[0] == 255 &&
	   key[31] == 224 && strspn(buf, "0123456789abcdef") == KEY_HEX_LEN,
	   "format and parse round trip");
}

static void key_id(const char *s, int err, uint8_t want)
{
	const char *why = NULL;
	uint8_t v = 0;
	int ret = parse_key_id(s, &v, &why);

	if (err)
		ok(ret == err && why, "key id '%s' rejected (%s)", s,
		   why ? why : "no reason");
	else
		ok(!ret && v == want, "key id '%s' = %u", s, v);
}

static void test_key_ids(void)
{
	key_id("1", 0, 1);
	key_id("255", 0, 255);
	key_id("007", 0, 7);
	key_id("0", -ERANGE, 0);
	key_id("256", -ERANGE, 0);
	key_id("99999999999999999999999", -ERANGE, 0);
	key_id("-1", -EINVAL, 0);
	key_id("", -EINVAL, 0);
	key_id("0x1", -EINVAL, 0);
	key_id("1 ", -EINVAL, 0);
	key_id(test_hex, -EINVAL, 0);
}

/**
 * struct captured - what a function wrote to standard output and error
 * @ret: its return value
 * @out: standard output
 * @err: standard error
 */
struct captured {
	int ret;
	char out[4096];
	char err[4096];
};

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run @fn(@arg) with standard output and error going to @c. */
static void capture(int (*fn)(void *arg), void *arg, struct captured *c)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int saved_out, saved_err;

	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fileno(out), STDOUT_FILENO);
	dup2(fileno(err), STDERR_FILENO);
	c->ret = fn(arg);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	slurp(out, c->out, sizeof(c->out));
	slurp(err, c->err, sizeof(c->err));
}

/**
 * struct words - a command line split into words
 * @line: the line, then its words
 * @argc: number of words
 * @argv: the words
 */
struct words {
	char line[512];
	int argc;
	char *argv[32];
};

static struct words *split(struct words *w, const char *line)
{
	char *p;

	snprintf(w->line, sizeof(w->line), "%s", line);
	w->argc = 0;
	for (p = strtok(w->line, " "); p && w->argc < 32; p = strtok(NULL, " "))
		w->argv[w->argc++] = p;
	return w;
}

static struct key_cfg parsed_key;

static int run_key_add_parse(void *arg)
{
	struct words *w = arg;

	return key_add_parse(w->argc, w->argv, &parsed_key);
}

static int run_key_id_parse(void *arg)
{
	struct words *w = arg;

	return key_id_parse("key del", w->argc, w->argv, &parsed_key);
}

/* "key add <line>" is a usage error saying @want, quoting no argument. */
static void key_add_bad(const char *line, const char *want)
{
	struct captured c;
	struct words w;
	char *nl;
	int i;
	bool quoted = false;

	capture(run_key_add_parse, split(&w, line), &c);
	split(&w, line);
	for (i = 0; i < w.argc; i++)
		quoted |= strlen(w.argv[i]) >= 3 && strstr(c.err, w.argv[i]) &&
			  strcmp(w.argv[i], "file") && strcmp(w.argv[i], "primary");
	nl = strchr(c.err, '\n');
	ok(c.ret == HBCTL_USAGE && strstr(c.err, want) && !quoted && nl &&
	   !nl[1] && !c.out[0], "key add %.20s%s: '%.*s'", line,
	   strlen(line) > 20 ? "..." : "", nl ? (int)(nl - c.err) : 0, c.err);
}

static void test_key_args(void)
{
	char line[200];
	struct captured c;
	struct words w;

	capture(run_key_add_parse, split(&w, "3 file /etc/hb.key"), &c);
	ok(!c.ret && !c.err[0] && parsed_key.id == 3 &&
	   !strcmp(parsed_key.path, "/etc/hb.key") && !parsed_key.primary,
	   "key add 3 file /etc/hb.key");
	capture(run_key_add_parse, split(&w, "255 file - primary"), &c);
	ok(!c.ret && parsed_key.id == 255 && !strcmp(parsed_key.path, "-") &&
	   parsed_key.primary, "key add 255 file - primary");
	key_add_bad("", "missing key id");
	key_add_bad("0 file k", "must be between 1 and 255");
	key_add_bad("256 file k", "must be between 1 and 255");
	key_add_bad("one file k", "invalid key id");
	key_add_bad("1", "expected 'file <path>'");
	key_add_bad("1 file", "needs a path");
	key_add_bad("1 k", "never taken on the command line");
	snprintf(line, sizeof(line), "1 %s", test_hex);
	key_add_bad(line, "never taken on the command line");
	key_add_bad(test_hex, "invalid key id");
	snprintf(line, sizeof(line), "1 file k %s", test_hex);
	key_add_bad(line, "only 'primary' may follow");
	key_add_bad("1 file k primary now", "only 'primary' may follow");
	key_add_bad("1 file k primary primary", "only 'primary' may follow");

	capture(run_key_id_parse, split(&w, "7"), &c);
	ok(!c.ret && parsed_key.id == 7 && !c.err[0], "key del 7");
	capture(run_key_id_parse, split(&w, ""), &c);
	ok(c.ret == HBCTL_USAGE && strstr(c.err, "key del: missing key id"),
	   "key del without id");
	capture(run_key_id_parse, split(&w, "0"), &c);
	ok(c.ret == HBCTL_USAGE && strstr(c.err, "invalid key id") &&
	   !strstr(c.err, "'0'"), "key del 0");
	capture(run_key_id_parse, split(&w, "7 8"), &c);
	ok(c.ret == HBCTL_USAGE && strstr(c.err, "unexpected argument") &&
	   !strstr(c.err, "8"), "key del 7 8");
	capture(run_key_id_parse, split(&w, test_hex), &c);
	ok(c.ret == HBCTL_USAGE && !strstr(c.err, "0011"),
	   "key del <a key> does not quote it");
}

/* Write @len bytes of @text to a new temporary file of mode @mode. */
static void write_key_file(char *path, const char *text, size_t len,
			   mode_t mode)
{
	int fd;

	strcpy(path, "/tmp/hbctl-test-key.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    fchmod(fd, mode))
		perror("test key file");
	close(fd);
}

/* Standard input reads @path while @fn runs. */
static void with_stdin(const char *path, int (*fn)(void *), void *arg,
		       struct captured *c)
{
	int saved = dup(STDIN_FILENO), fd = open(path, O_RDONLY);

	dup2(fd, STDIN_FILENO);
	close(fd);
	capture(fn, arg, c);
	dup2(saved, STDIN_FILENO);
	close(saved);
}

static struct hb_secret *secret;
static int secret_err;
static const char *secret_why;

static int run_secret_read(void *arg)
{
	secret_why = NULL;
	secret_err = hb_secret_read(secret, arg, &secret_why);
	return secret_err;
}

static int run_key_add_load(void *arg)
{
	struct hb_secret *s = NULL;
	int ret;

	ret = key_add_load(arg, &s);
	if (s) {
		memcpy(secret->key, s->key, sizeof(s->key));
		hb_secret_free(s);
	}
	return ret;
}

/* Nothing of the key text or of the key appears in @c's output. */
static bool quiet(const struct captured *c)
{
	return !strstr(c->out, "00112233") && !strstr(c->err, "00112233") &&
	       !strstr(c->err, "0F1E2D") && !strstr(c->err, "c3d2e1f0") &&
	       !memmem(c->err, strlen(c->err), test_key + 1, 4);
}

static void test_key_files(void)
{
	char path[64], text[400], leak[9];
	struct key_cfg cfg = { .id = 1 };
	struct captured c;
	size_t i;
	bool zero = true;

	secret = hb_secret_new();
	ok(secret != NULL, "secret buffer allocated");
	if (!secret)
		return;

	snprintf(text, sizeof(text), "%s\n", test_hex);
	write_key_file(path, text, KEY_HEX_LEN + 1, 0600);
	capture(run_secret_read, path, &c);
	ok(!c.ret && !memcmp(secret->key, test_key, sizeof(test_key)) &&
	   !c.err[0] && !secret->len, "key file of mode 0600 read quietly");
	chmod(path, 0644);
	capture(run_secret_read, path, &c);
	ok(!c.ret && !memcmp(secret->key, test_key, sizeof(test_key)) &&
	   strstr(c.err, "warning: key file") &&
	   strstr(c.err, "accessible by group or others (mode 0644)") &&
	   quiet(&c), "key file of mode 0644 read with a warning");
	chmod(path, 0640);
	capture(run_secret_read, path, &c);
	ok(!c.ret && strstr(c.err, "(mode 0640)"),
	   "group-readable key file warned about");
	chmod(path, 0400);
	with_stdin(path, run_secret_read, "-", &c);
	ok(!c.ret && !memcmp(secret->key, test_key, sizeof(test_key)) &&
	   !c.err[0], "key read from standard input ('-')");
	unlink(path);

	snprintf(text, sizeof(text), "%.40sZZ%s\n", test_hex, test_hex + 42);
	write_key_file(path, text, strlen(text), 0600);
	capture(run_secret_read, path, &c);
	for (i = 0; i < sizeof(secret->key); i++)
		zero &= !secret->key[i];
	ok(c.ret == -EINVAL && secret_why && zero && quiet(&c),
	   "key file with a bad character rejected, key wiped (%s)",
	   secret_why ? secret_why : "no reason");
	/* The key text around the bad characters must not be echoed; "ZZ"
	 * alone can also appear in the random name of the file.
	 */
	memcpy(leak, text + 36, sizeof(leak) - 1);
	leak[sizeof(leak) - 1] = '\0';
	cfg.path = path;
	capture(run_key_add_load, &cfg, &c);
	ok(c.ret == HBCTL_USAGE && strstr(c.err, "hbctl: key file '") &&
	   strstr(c.err, "not a hex key") && !strstr(c.err, leak) && quiet(&c),
	   "key add: malformed key file is a usage error: %.*s",
	   (int)strcspn(c.err, "\n"), c.err);
	with_stdin(path, run_key_add_load,
		   &(struct key_cfg){ .id = 1, .path = "-" }, &c);
	ok(c.ret == HBCTL_USAGE &&
	   strstr(c.err, "hbctl: key on standard input: not a hex key") &&
	   quiet(&c), "key add: malformed key on standard input");
	unlink(path);

	memset(text, 'a', sizeof(text));
	write_key_file(path, text, HB_SECRET_TEXT_MAX, 0600);
	capture(run_secret_read, path, &c);
	ok(c.ret == -EFBIG && secret_why && strstr(secret_why, "too long"),
	   "key file of %d bytes rejected", HB_SECRET_TEXT_MAX);
	unlink(path);
	write_key_file(path, "", 0, 0600);
	capture(run_secret_read, path, &c);
	ok(c.ret == -EINVAL, "empty key file rejected (%s)",
	   secret_why ? secret_why : "no reason");
	unlink(path);

	capture(run_secret_read, "/nonexistent/hbctl.key", &c);
	ok(c.ret == -ENOENT, "missing key file: -ENOENT");
	cfg.path = "/nonexistent/hbctl.key";
	capture(run_key_add_load, &cfg, &c);
	ok(c.ret == HBCTL_FAIL &&
	   strstr(c.err, "cannot read key file '/nonexistent/hbctl.key': No such file"),
	   "key add: missing key file fails with exit status 1");
	capture(run_secret_read, "/tmp", &c);
	ok(c.ret == -EISDIR, "directory as key file: -EISDIR");
	hb_secret_free(secret);
	secret = NULL;
}

static int run_genkey(void *arg)
{
	(void)arg;
	return cmd_genkey(0, NULL, NULL);
}

static int run_genkey_extra(void *arg)
{
	char *argv[] = { arg, NULL };

	return cmd_genkey(1, argv, NULL);
}

static void test_genkey(void)
{
	char first[KEY_HEX_LEN + 2];
	struct captured c;
	struct hb_secret *s;
	size_t hex;

	capture(run_genkey, NULL, &c);
	hex = strspn(c.out, "0123456789abcdef");
	ok(!c.ret && hex == KEY_HEX_LEN && !strcmp(c.out + hex, "\n") &&
	   !c.err[0], "genkey prints 64 lower case hex characters and a newline");
	memcpy(first, c.out, sizeof(first) - 1);
	first[sizeof(first) - 1] = '\0';
	capture(run_genkey, NULL, &c);
	ok(!c.ret && strcmp(first, c.out), "two keys differ");
	s = hb_secret_new();
	ok(s && !parse_key_hex(c.out, strlen(c.out), s->key, NULL),
	   "genkey output is a valid key file");
	hb_secret_free(s);
	capture(run_genkey_extra, (void *)test_hex, &c);
	ok(c.ret == HBCTL_USAGE && !c.out[0] && !strstr(c.err, "0011"),
	   "genkey with an argument");
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
	nla_put_u64(msg, HB_PEER_A_DETECT_US, 300000);
	nla_put_u64(msg, HB_PEER_A_TX_ERRORS, 0);
	nla_put_u8(msg, HB_PEER_A_ORIGIN, HB_ORIGIN_LEARNED);
	nla_put_u32(msg, HB_PEER_A_ROLES, HB_ROLE_TX | HB_ROLE_WATCH | 0x100);
	nla_put_u8(msg, HB_PEER_A_SOURCE, HB_SOURCE_PEERS);
	nla_put_u8(msg, HB_PEER_A_CONFIRMATIONS, 2);
	nla_put_u8(msg, HB_PEER_A_MONITORS, 3);
	nla_put_u32(msg, HB_PEER_A_EPOCH, 9);
	nla_put_u64(msg, HB_PEER_A_LAST_CHANGE_MS, 4200);
	nla_put_u8(msg, HB_PEER_A_CHANGE_REASON, HB_REASON_PEERS);
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
	   p.epoch == 9 && p.has_last_change && p.last_change_ms == 4200 &&
	   p.change_reason == HB_REASON_PEERS, "full peer fields");
	json_case(peer_json_fn, &p,
		  "{\"id\":3,\"address\":\"10.0.0.3\",\"port\":7410,"
		  "\"state\":\"up\",\"interval_us\":100000,\"multiplier\":3,"
		  "\"last_seen_ms\":12,\"tx\":52,\"rx\":51,\"dropped\":1,"
		  "\"lost\":2,\"rtt_us\":1500,\"rttvar_us\":250,"
		  "\"state_changes\":1,\"remote_interval_us\":100000,"
		  "\"remote_multiplier\":3,"
		  "\"remote_incarnation\":1764000000000000000,"
		  "\"detect_us\":300000,\"announced_detect_us\":300000,\"tx_errors\":0,"
		  "\"origin\":\"learned\",\"roles\":[\"tx\",\"watch\"],"
		  "\"source\":\"peers\",\"confirmations\":2,\"monitors\":3,"
		  "\"epoch\":9,\"last_change_ms\":4200,"
		  "\"change_reason\":\"peers\"}", "peer json");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_PEER_GET);
	nest = nla_nest_start(msg, HB_A_PEER);
	nla_put_u32(msg, HB_PEER_A_ID, 9);
	nla_put(msg, HB_PEER_A_ADDR6, sizeof(a6), &a6);
	nla_put_u32(msg, HB_PEER_A_RTT_US, 0);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   !hb_peer_decode(tb[HB_A_PEER], &p) && p.addr.family == AF_INET6 &&
	   !p.has_last_seen && !p.has_confirmations && !p.has_last_change,
	   "sparse IPv6 peer (no cluster attributes) decodes");
	json_case(peer_json_fn, &p,
		  "{\"id\":9,\"address\":\"::1\",\"port\":0,"
		  "\"state\":\"unknown\",\"interval_us\":0,\"multiplier\":0,"
		  "\"last_seen_ms\":null,\"tx\":0,\"rx\":0,\"dropped\":0,"
		  "\"lost\":0,\"rtt_us\":null,\"rttvar_us\":0,"
		  "\"state_changes\":0,\"remote_interval_us\":0,"
		  "\"remote_multiplier\":0,\"remote_incarnation\":0,"
		  "\"detect_us\":0,\"announced_detect_us\":0,\"tx_errors\":0,\"origin\":\"configured\","
		  "\"roles\":[],\"source\":\"none\",\"confirmations\":0,"
		  "\"monitors\":0,\"epoch\":0,\"last_change_ms\":null,"
		  "\"change_reason\":null}", "never seen peer json");
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

/*
 * Live objects: nets, peers, sockets, keys (1..4), one of a newer module
 * that this version cannot name, and one beyond any it decodes.
 */
static void put_objects(struct nl_msg *msg)
{
	struct nlattr *nest = nla_nest_start(msg, HB_A_NODE_OBJECTS);
	int i;

	for (i = 0; i < 4; i++)
		nla_put_u64(msg, HB_COUNTER_ATTR(i), i + 1);
	nla_put_u64(msg, HB_COUNTER_ATTR(6), 7);
	nla_put_u64(msg, HB_COUNTER_ATTR(HB_NODE_OBJS + 3), 9);
	nla_nest_end(msg, nest);
}

/* A node that requires authentication, signs with key 2 and has 2 keys. */
static void put_auth(struct nl_msg *msg)
{
	nla_put_u8(msg, HB_A_NODE_AUTH, 1);
	nla_put_u8(msg, HB_A_NODE_PRIMARY_KEY, 2);
	nla_put_u32(msg, HB_A_NODE_KEYS, 2);
	nla_put_u64(msg, HB_A_NODE_TX_NO_KEY, 3);
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
	nla_put_u8(msg, HB_A_NODE_DSCP, 46);
	nla_put_u32(msg, HB_A_NODE_BEATS, 20);
	nla_put_u32(msg, HB_A_NODE_BUDGET_PEERS, 256);
	nla_put_u32(msg, HB_A_NODE_BUDGET_BEATS, 10000);
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
	put_objects(msg);
	put_cluster(msg);
	put_auth(msg);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) && !hb_node_decode(tb, &n),
	   "node decodes");
	ok(n.has_modes && n.mode == HB_MODE_MEMBER &&
	   n.effective_mode == HB_MODE_LEADERLESS && n.nr_leaders == 2 &&
	   n.leaders[0] == 3 && n.leaders[1] == 2 && !n.has_leader &&
	   n.learn && n.monitors == 3 && n.learn_limit == 1024 &&
	   n.epoch == 4 && n.has_dscp && n.dscp == 46 && n.has_beats &&
	   n.beats == 20 && n.has_budget && n.budget_peers == 256 &&
	   n.budget_beats == 10000,
	   "node cluster fields");
	ok(n.has_auth && n.auth && n.primary_key == 2 && n.keys == 2 &&
	   n.tx_no_key == 3, "node authentication fields");
	ok(n.objects_mask == 0x4f && n.objects[6] == 7,
	   "objects reported are remembered, those beyond ignored");
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
		  "\"learn_limit\":1024,\"learned\":0,\"learn_age_ms\":0,"
		  "\"dscp\":46,\"beats\":20,\"budget_peers\":256,"
		  "\"budget_beats\":10000,\"ticks\":0,\"sending\":5,"
		  "\"watching\":6,\"epoch\":4,\"auth\":true,"
		  "\"primary_key\":2,\"keys\":2,\"tx_no_key\":3,"
		  "\"drops\":{\"short\":100,"
		  "\"bad_magic\":101,\"bad_version\":102,\"bad_length\":103,"
		  "\"bad_cluster\":104,\"unknown_peer\":105,"
		  "\"bad_source\":106,\"bad_field\":107,\"auth\":108,"
		  "\"stale\":109,\"not_configured\":110,\"self\":111,"
		  "\"learn_limit\":112,\"bad_members\":113,"
		  "\"not_leader\":114,\"no_key\":115,\"unauth\":116,"
		  "\"replay\":117,\"bad_epoch\":118,\"too_long\":119,\"learn_rate\":120},"
		  "\"objects\":{\"nets\":1,\"peers\":2,\"sockets\":3,"
		  "\"keys\":4}}",
		  "node json");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_NODE_GET);
	nla_put_u16(msg, HB_A_NODE_PORT, 7410);
	put_counters(msg, HB_A_NODE_DROPS, 2, 5);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) && !hb_node_decode(tb, &n) &&
	   !n.configured && !n.has_objects && n.drops[1] == 6 &&
	   n.drops[2] == 0 && !n.has_modes && !n.nr_leaders && !n.has_auth,
	   "unconfigured node of an older module decodes");
	json_case(node_json_fn, &n,
		  "{\"id\":0,\"port\":7410,\"cluster\":0,\"incarnation\":0,"
		  "\"configured\":false,\"peers\":0,\"event_seq\":0,"
		  "\"mode\":\"static\",\"effective_mode\":\"static\","
		  "\"leaders\":[],\"leader\":null,\"learn\":false,"
		  "\"monitors\":0,\"interval_us\":0,\"multiplier\":0,"
		  "\"learn_limit\":0,\"learned\":0,\"learn_age_ms\":0,"
		  "\"ticks\":0,\"sending\":0,"
		  "\"watching\":0,\"epoch\":0,\"auth\":false,"
		  "\"primary_key\":null,\"keys\":0,\"tx_no_key\":0,"
		  "\"drops\":{\"short\":5,\"bad_magic\":6,\"bad_version\":0,"
		  "\"bad_length\":0,\"bad_cluster\":0,\"unknown_peer\":0,"
		  "\"bad_source\":0,\"bad_field\":0,\"auth\":0,\"stale\":0,"
		  "\"not_configured\":0,\"self\":0,\"learn_limit\":0,"
		  "\"bad_members\":0,\"not_leader\":0,\"no_key\":0,"
		  "\"unauth\":0,\"replay\":0,\"bad_epoch\":0,\"too_long\":0,\"learn_rate\":0}}",
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
		nla_put_u64(msg, HB_EVENT_A_DETECT_US, 300000);
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
		nla_put_u64(msg, HB_EVENT_A_DETECT_US, e->detect_us);
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
	if (e->has_endpoint && e->addr.family == AF_INET)
		nla_put(msg, HB_EVENT_A_ADDR4, sizeof(e->addr.v4), &e->addr.v4);
	else if (e->has_endpoint)
		nla_put(msg, HB_EVENT_A_ADDR6, sizeof(e->addr.v6), &e->addr.v6);
	if (e->has_endpoint)
		nla_put_u16(msg, HB_EVENT_A_PORT, e->port);
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
	/* 60 s x 255: more microseconds than 32 bits hold. */
	e.has_monitors = false;
	e.has_confirmations = false;
	e.detect_us = 15300000000ULL;
	event_case(event_from(&e),
		   "[seq 20] peer 7: up -> down (timeout after 15300s)",
		   "{\"seq\":20,\"event\":\"state\",\"peer\":7,"
		   "\"old_state\":\"up\",\"state\":\"down\","
		   "\"time_ns\":6000000000,\"reason\":\"timeout\","
		   "\"detect_us\":15300000000,\"source\":\"self\"}");
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

static void key_json_fn(struct json *j, const void *arg)
{
	hb_key_json(j, NULL, arg);
}

static void test_decode_key(void)
{
	struct nlattr *tb[HB_A_MAX + 1];
	struct nlattr *nest;
	struct nl_msg *msg;
	struct hb_key k;

	msg = new_msg(HB_CMD_KEY_GET);
	nest = nla_nest_start(msg, HB_A_KEY | NLA_F_NESTED);
	nla_put_u8(msg, HB_KEY_A_ID, 2);
	nla_put_flag(msg, HB_KEY_A_PRIMARY);
	nla_put(msg, HB_KEY_A_PAD, 0, NULL);
	nla_put_u64(msg, HB_KEY_A_RX, 40);
	nla_put_u64(msg, HB_KEY_A_TX, 41);
	nla_put_u32(msg, HB_KEY_A_MAX + 2, 1);		/* newer kernel */
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) && tb[HB_A_KEY] &&
	   !hb_key_decode(tb[HB_A_KEY], &k) && k.id == 2 && k.primary &&
	   k.rx == 40 && k.tx == 41, "primary key decodes");
	json_case(key_json_fn, &k,
		  "{\"id\":2,\"primary\":true,\"rx\":40,\"tx\":41}",
		  "key json");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_KEY_GET);
	nest = nla_nest_start(msg, HB_A_KEY | NLA_F_NESTED);
	nla_put_u8(msg, HB_KEY_A_ID, 255);
	nla_put(msg, HB_KEY_A_SECRET, HEARTBEAT_KEY_LEN, test_key);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   !hb_key_decode(tb[HB_A_KEY], &k) && k.id == 255 && !k.primary &&
	   !k.rx, "key 255 decodes, a secret in the reply is ignored");
	json_case(key_json_fn, &k,
		  "{\"id\":255,\"primary\":false,\"rx\":0,\"tx\":0}",
		  "key json without counters");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_KEY_GET);
	nest = nla_nest_start(msg, HB_A_KEY | NLA_F_NESTED);
	nla_put_u8(msg, HB_KEY_A_ID, 0);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   hb_key_decode(tb[HB_A_KEY], &k) == -EBADMSG, "key id 0 rejected");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_KEY_GET);
	nest = nla_nest_start(msg, HB_A_KEY | NLA_F_NESTED);
	nla_put_u64(msg, HB_KEY_A_RX, 1);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   hb_key_decode(tb[HB_A_KEY], &k) == -EBADMSG,
	   "key without id rejected");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_KEY_GET);
	nest = nla_nest_start(msg, HB_A_KEY | NLA_F_NESTED);
	nla_put_u16(msg, HB_KEY_A_ID, 1);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   hb_key_decode(tb[HB_A_KEY], &k) == -EBADMSG, "u16 key id rejected");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_KEY_GET);
	nest = nla_nest_start(msg, HB_A_KEY | NLA_F_NESTED);
	nla_put_u8(msg, HB_KEY_A_ID, 1);
	nla_put_u32(msg, HB_KEY_A_TX, 1);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) &&
	   hb_key_decode(tb[HB_A_KEY], &k) == -EBADMSG, "u32 tx rejected");
	nlmsg_free(msg);

	msg = new_msg(HB_CMD_NODE_GET);
	nla_put_u32(msg, HB_A_NODE_TX_NO_KEY, 1);
	ok(hb_nl_parse(nlmsg_hdr(msg), tb) == -EBADMSG,
	   "u32 tx_no_key rejected");
	nlmsg_free(msg);
}

static void test_decode_auth_event(void)
{
	struct hb_event e = {
		.seq = 30, .type = HB_EVENT_AUTH, .time_ns = 7,
		.reason = HB_REASON_NO_KEY,
	};

	event_case(event_from(&e), "[seq 30] node: cannot sign frames (no_key)",
		   "{\"seq\":30,\"event\":\"auth\",\"peer\":0,"
		   "\"old_state\":\"unknown\",\"state\":\"unknown\","
		   "\"time_ns\":7,\"reason\":\"no_key\"}");
	e.reason = HB_REASON_NONE;
	event_case(event_from(&e), "[seq 30] node: cannot sign frames",
		   "{\"seq\":30,\"event\":\"auth\",\"peer\":0,"
		   "\"old_state\":\"unknown\",\"state\":\"unknown\","
		   "\"time_ns\":7,\"reason\":\"none\"}");
}

/*
 * A MOVED event whose attribute @type holds the @len bytes of @data (an
 * IPv4 address and a port besides, unless @type is one of them): hbctl
 * must refuse to decode it.
 */
static void moved_rejected(int type, int len, const void *data,
			   const char *what)
{
	struct in_addr a4 = { .s_addr = htonl(0x0a000009) };
	struct nl_msg *msg = new_msg(HB_CMD_EVENT);
	struct nlattr *nest = nla_nest_start(msg, HB_A_EVENT);
	struct nlattr *tb[HB_A_MAX + 1];
	struct hb_event e;

	nla_put_u64(msg, HB_EVENT_A_SEQ, 26);
	nla_put_u8(msg, HB_EVENT_A_TYPE, HB_EVENT_MOVED);
	nla_put_u32(msg, HB_EVENT_A_PEER_ID, 9);
	nla_put_u8(msg, HB_EVENT_A_REASON, HB_REASON_INCARNATION);
	if (type != HB_EVENT_A_ADDR4 && type != HB_EVENT_A_ADDR6)
		nla_put(msg, HB_EVENT_A_ADDR4, sizeof(a4), &a4);
	if (type != HB_EVENT_A_PORT)
		nla_put_u16(msg, HB_EVENT_A_PORT, 7410);
	nla_put(msg, type, len, data);
	nla_nest_end(msg, nest);
	ok(!hb_nl_parse(nlmsg_hdr(msg), tb) && tb[HB_A_EVENT] &&
	   hb_event_decode(tb[HB_A_EVENT], &e) == -EBADMSG,
	   "moved event: %s rejected", what);
	nlmsg_free(msg);
}

static void test_decode_moved_event(void)
{
	static const char bytes[20] = "0123456789abcdefghij";
	struct hb_event e = {
		.seq = 25, .type = HB_EVENT_MOVED, .peer = 9,
		.old_state = HB_STATE_UP, .state = HB_STATE_UP,
		.time_ns = 8, .reason = HB_REASON_INCARNATION,
		.has_endpoint = true, .port = 7410,
	};

	parse_ip("10.0.0.9", &e.addr, NULL);
	event_case(event_from(&e),
		   "[seq 25] peer 9: moved to 10.0.0.9 port 7410 (incarnation)",
		   "{\"seq\":25,\"event\":\"moved\",\"peer\":9,"
		   "\"old_state\":\"up\",\"state\":\"up\","
		   "\"time_ns\":8,\"reason\":\"incarnation\","
		   "\"address\":\"10.0.0.9\",\"port\":7410}");
	parse_ip("fd00::9", &e.addr, NULL);
	e.reason = HB_REASON_LEADER;
	e.state = HB_STATE_DOWN;
	e.old_state = HB_STATE_DOWN;
	e.port = 65535;
	event_case(event_from(&e),
		   "[seq 25] peer 9: moved to fd00::9 port 65535 (leader)",
		   "{\"seq\":25,\"event\":\"moved\",\"peer\":9,"
		   "\"old_state\":\"down\",\"state\":\"down\","
		   "\"time_ns\":8,\"reason\":\"leader\","
		   "\"address\":\"fd00::9\",\"port\":65535}");
	e.reason = HB_REASON_NONE;
	event_case(event_from(&e),
		   "[seq 25] peer 9: moved to fd00::9 port 65535",
		   "{\"seq\":25,\"event\":\"moved\",\"peer\":9,"
		   "\"old_state\":\"down\",\"state\":\"down\","
		   "\"time_ns\":8,\"reason\":\"none\","
		   "\"address\":\"fd00::9\",\"port\":65535}");
	e.has_endpoint = false;
	e.reason = HB_REASON_LEADER;
	event_case(event_from(&e), "[seq 25] peer 9: moved",
		   "{\"seq\":25,\"event\":\"moved\",\"peer\":9,"
		   "\"old_state\":\"down\",\"state\":\"down\","
		   "\"time_ns\":8,\"reason\":\"leader\"}");

	moved_rejected(HB_EVENT_A_ADDR4, 3, bytes, "3 byte IPv4 address");
	moved_rejected(HB_EVENT_A_ADDR4, 16, bytes, "16 byte IPv4 address");
	moved_rejected(HB_EVENT_A_ADDR4, 0, NULL, "empty IPv4 address");
	moved_rejected(HB_EVENT_A_ADDR6, 4, bytes, "4 byte IPv6 address");
	moved_rejected(HB_EVENT_A_ADDR6, 20, bytes, "20 byte IPv6 address");
	moved_rejected(HB_EVENT_A_PORT, 4, bytes, "u32 port");
}

/* words(): split @line with parse_words(); @want is "a|b|c", or NULL for an
 * error @err. */
static void words(const char *line, int max, int err, const char *want)
{
	char buf[256], got[256] = "", *w[16];
	const char *why = NULL;
	int n, i;

	snprintf(buf, sizeof(buf), "%s", line);
	n = parse_words(buf, w, max, &why);
	if (err) {
		ok(n == err && why, "words '%s' rejected (%s)", line,
		   why ? why : "no reason");
		return;
	}
	for (i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
			 i ? "|" : "", w[i]);
	ok(n >= 0 && !strcmp(got, want) && !w[n < 0 ? 0 : n],
	   "words '%s' = '%s' (got '%s', %d)", line, want, got, n);
}

static void test_batch_words(void)
{
	words("", 16, 0, "");
	words("   \t ", 16, 0, "");
	words("# a comment", 16, 0, "");
	words("peer add 2 10.0.0.2", 16, 0, "peer|add|2|10.0.0.2");
	words("  node\tset  id 1 \r", 16, 0, "node|set|id|1");
	words("-n ns1 -j show # the rest", 16, 0, "-n|ns1|-j|show");
	words("key add 1 file '/etc/my keys/k'", 16, 0,
	      "key|add|1|file|/etc/my keys/k");
	words("a \"b#c\" d", 16, 0, "a|b#c|d");
	words("a b#c", 16, 0, "a|b#c");
	words("''", 16, 0, "");
	words("a 'b", 16, -EINVAL, NULL);
	words("a 'b'c", 16, -EINVAL, NULL);
	words("a b'c'", 16, -EINVAL, NULL);
	words("a b c", 4, 0, "a|b|c");
	words("a b c d", 4, -E2BIG, NULL);
}

/* conf_parse() of @text: 0, or -EINVAL at @line with @msg in the message. */
static int conf_text(const char *text, struct conf *c, struct conf_err *e)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f) {
		conf_defaults(c);
		return -ENOMEM;
	}
	ret = conf_parse(f, c, e);
	fclose(f);
	return ret;
}

static void conf_bad(const char *text, unsigned int line, const char *msg)
{
	struct conf_err e;
	struct conf c;
	int ret;

	ret = conf_text(text, &c, &e);
	ok(ret == -EINVAL && e.line == line && strstr(e.msg, msg),
	   "config refused at line %u: '%s' (got %d, line %u: %s)", line, msg,
	   ret, e.line, e.msg);
	conf_free(&c);
}

static const char conf_good[] =
	"# a comment\n"
	"\n"
	"[Node]\n"
	"  id = 7   # trailing comment\n"
	"Cluster=42\n"
	"MODE = leaderless\n"
	"Monitors = 2\n"
	"Interval = 1500us\n"
	"MaxDetect = 2s\n"
	"learnage = 90000\n"
	"DSCP = cs5\n"
	"Auth = on\n"
	"[Key]\n"
	"Id = 3\n"
	"KeyFile = /etc/heartbeat/keys/3.key\n"
	"Primary = yes\n"
	"[key]\n"
	"Id = 4\n"
	"[Peer]\n"
	"Id = 8\n"
	"Address = 10.1.2.8\n"
	"\t[PEER]\t\n"
	"Id = 9\n"
	"Address = 2001:db8::9\n"
	"Port = 7411\n"
	"Interval = 2s\n"
	"Multiplier = 5\n";

static void test_conf_parse(void)
{
	struct conf c, c2;
	struct conf_err e;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	ret = conf_text(conf_good, &c, &e);
	ok(!ret, "config parsed (%s)", ret ? e.msg : "ok");
	ok(c.node.id == 7 && c.node.cluster == 42 &&
	   c.node.mode == HB_MODE_LEADERLESS && c.node.monitors == 2 &&
	   c.node.interval_us == 1500 && c.node.auth &&
	   c.node.max_detect_ms == 2000 && c.node.learn_age_ms == 90000 &&
	   c.node.dscp == 40,
	   "config: [Node] values, keys case-insensitive, comments cut");
	ok(c.node.port == HEARTBEAT_DEFAULT_PORT && c.node.learn &&
	   c.node.mult == HEARTBEAT_DEFAULT_MULTIPLIER && !c.node.nr_leaders &&
	   c.node.learn_limit == HEARTBEAT_DEFAULT_LEARN_LIMIT &&
	   c.node.has_port && c.node.has_auth && c.node.has_leaders,
	   "config: absent node settings hold the defaults");
	ok(c.nr_keys == 2 && c.keys[0].id == 3 && c.keys[0].primary &&
	   c.keys[0].path && !strcmp(c.keys[0].path, "/etc/heartbeat/keys/3.key") &&
	   c.keys[1].id == 4 && !c.keys[1].primary && !c.keys[1].path &&
	   !c.keys[0].secret, "config: [Key] sections, no key file read yet");
	ok(c.nr_peers == 2 && c.peers[0].id == 8 &&
	   c.peers[0].addr.family == AF_INET &&
	   c.peers[0].port == HEARTBEAT_DEFAULT_PORT &&
	   c.peers[0].interval_us == HEARTBEAT_DEFAULT_INTERVAL_US &&
	   c.peers[0].mult == HEARTBEAT_DEFAULT_MULTIPLIER &&
	   c.peers[0].line == 19 && c.peers[1].id == 9 &&
	   c.peers[1].addr.family == AF_INET6 && c.peers[1].port == 7411 &&
	   c.peers[1].interval_us == 2000000 && c.peers[1].mult == 5 &&
	   c.peers[1].line == 22, "config: [Peer] sections and their lines");

	f = open_memstream(&out, &len);
	if (f) {
		conf_print(f, &c);
		fclose(f);
	}
	ret = out ? conf_text(out, &c2, &e) : -ENOMEM;
	ok(!ret && !memcmp(&c.node, &c2.node, sizeof(c.node)) &&
	   c2.nr_peers == 2 && c2.nr_keys == 2 &&
	   !memcmp(&c.peers[1].addr, &c2.peers[1].addr, sizeof(c.peers[1].addr)) &&
	   c2.peers[1].interval_us == 2000000 && c2.keys[0].primary &&
	   c2.keys[1].id == 4 && !c2.keys[1].primary,
	   "config: conf_print() reads back the same (%s)", ret ? e.msg : "ok");
	free(out);
	conf_free(&c2);
	conf_free(&c);

	ret = conf_text("[Node]\nId = 1\n", &c, &e);
	ok(!ret && !c.nr_peers && !c.nr_keys, "config: a node without peers");
	conf_free(&c);
}

static void test_conf_bad(void)
{
	conf_bad("", 0, "no [Node] section");
	conf_bad("# only a comment\n", 0, "no [Node] section");
	conf_bad("Id = 1\n[Node]\n", 1, "outside a section");
	conf_bad("[Node]\nId = 1\njunk\n", 3, "expected 'Key = Value'");
	conf_bad("[Node]\nId = 1\n[Bogus]\n", 3, "unknown section [Bogus]");
	conf_bad("[Node\nId = 1\n", 1, "must end with ']'");
	conf_bad("[Node]\nId = 1\nColor = red\n", 3, "unknown key 'Color' in [Node]");
	conf_bad("[Node]\nId = 1\nAddress = 10.0.0.1\n", 3,
		 "unknown key 'Address' in [Node]");
	conf_bad("[Node]\nId = 1\n[Peer]\nId = 2\nAddress = 10.0.0.2\nCluster = 3\n",
		 6, "unknown key 'Cluster' in [Peer]");
	conf_bad("[Node]\nId = 1\nPort = 1\nport = 2\n", 4, "'Port' given twice");
	conf_bad("[Node]\nId = 1\nPort =\n", 3, "'Port' has no value");
	conf_bad("[Node]\nId = 1\n = 3\n", 3, "key name is missing");
	conf_bad("[Node]\nId = 1\nPort = 70000\n", 3, "invalid Port '70000'");
	conf_bad("[Node]\nId = 0\n", 2, "invalid Id '0'");
	conf_bad("[Node]\nId = 1\nInterval = 0\n", 3, "invalid Interval '0'");
	conf_bad("[Node]\nId = 1\nInterval = 100 ms\n", 3, "invalid Interval");
	conf_bad("[Node]\nId = 1\nMode = ring\n", 3, "invalid Mode 'ring'");
	conf_bad("[Node]\nId = 1\nLearn = maybe\n", 3, "invalid Learn 'maybe'");
	conf_bad("[Node]\nId = 1\nLeaders = 2,2\n", 3, "invalid Leaders '2,2'");
	conf_bad("[Node]\nId = 1\nMonitors = 9\n", 3, "invalid Monitors '9'");
	conf_bad("[Node]\nId = 1\nMultiplier = 1\n", 3, "invalid Multiplier '1'");
	conf_bad("[Node]\nId = 1\nLearnLimit = 0\n", 3, "invalid LearnLimit '0'");
	conf_bad("[Node]\nId = 1\nMaxDetect = 5ms\n", 3, "invalid MaxDetect '5ms'");
	conf_bad("[Node]\nId = 1\nLearnAge = 2d\n", 3, "invalid LearnAge '2d'");
	conf_bad("[Node]\nId = 1\nDSCP = 64\n", 3, "invalid DSCP '64'");
	conf_bad("[Peer]\nId = 2\nAddress = 10.0.0.2\nLearnAge = 5s\n", 4,
		 "LearnAge");
	conf_bad("[Node]\nPort = 7410\n", 1, "[Node] has no Id");
	conf_bad("[Node]\nId = 1\n[Node]\nId = 2\n", 3, "a second [Node] section");
	conf_bad("[Node]\nId = 1\nMode = member\n", 1, "Mode = member needs Leaders");
	conf_bad("[Node]\nId = 1\nLeaders = 2,1\n", 1, "Leaders lists the node's own id");
	conf_bad("[Node]\nId = 1\n[Peer]\nAddress = 10.0.0.2\n", 3, "[Peer] has no Id");
	conf_bad("[Node]\nId = 1\n[Peer]\nId = 2\n[Peer]\nId = 3\nAddress = 10.0.0.3\n",
		 3, "[Peer] 2 has no Address");
	conf_bad("[Node]\nId = 1\n[Peer]\nId = 2\n", 3, "[Peer] 2 has no Address");
	conf_bad("[Node]\nId = 1\n[Peer]\nId = 2\nAddress = 10.0.0.2\n"
		 "[Peer]\nId = 2\nAddress = 10.0.0.3\n", 6,
		 "[Peer] 2 is already defined on line 3");
	conf_bad("[Peer]\nId = 1\nAddress = 10.0.0.2\n[Node]\nId = 1\n", 1,
		 "[Peer] 1 is the node's own id");
	conf_bad("[Node]\nId = 1\n[Peer]\nId = 2\nAddress = 10.0.0.256\n", 5,
		 "invalid Address '10.0.0.256'");
	conf_bad("[Node]\nId = 1\n[Peer]\nId = 2\nAddress = 224.0.0.1\n", 5,
		 "multicast address");
	conf_bad("[Node]\nId = 1\n[Peer]\nId = 2\nAddress = 0.0.0.0\n", 5,
		 "unspecified address");
	conf_bad("[Node]\nId = 1\n[Peer]\nId = 2\nAddress = 255.255.255.255\n", 5,
		 "broadcast address");
	conf_bad("[Node]\nId = 1\n[Peer]\nId = 2\nAddress = ::ffff:10.0.0.2\n", 5,
		 "IPv4-mapped");
	conf_bad("[Node]\nId = 1\n[Peer]\nId = 2\nAddress = fe80::1\n", 5,
		 "link-local");
	conf_bad("[Node]\nId = 1\n[Key]\nId = 0\n", 4, "invalid Id '0'");
	conf_bad("[Node]\nId = 1\n[Key]\nId = 1\nKeyFile = keys/1.key\n", 5,
		 "must be an absolute path");
	conf_bad("[Node]\nId = 1\n[Key]\nId = 1\nSecret = 00ff\n", 5,
		 "unknown key 'Secret' in [Key]");
	conf_bad("[Node]\nId = 1\n[Key]\nId = 1\nPrimary = yes\n[Key]\nId = 2\n"
		 "Primary = yes\n", 6, "a second key with Primary = yes");
	conf_bad("[Node]\nId = 1\n[Key]\nId = 1\n[Key]\nId = 1\n", 5,
		 "[Key] 1 is already defined on line 3");
	conf_bad("[Node]\nId = 1\n[Key]\nId = 1\n[Key]\nId = 2\n[Key]\nId = 3\n"
		 "[Key]\nId = 4\n[Key]\nId = 5\n", 11, "more than 4 keys");
	conf_bad("[Node]\nId = 1\nAuth = on\n[Key]\nId = 1\n", 1,
		 "Auth = on needs a [Key] with Primary = yes");
}

static void test_conf_nul(void)
{
	static const char text[] = "[Node]\nId = 1\nPort\0 = 1\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct conf_err e = { .line = 0 };
	struct conf c;
	int ret = -ENOMEM;

	if (f) {
		ret = conf_parse(f, &c, &e);
		fclose(f);
		conf_free(&c);
	}
	ok(ret == -EINVAL && e.line == 3 && strstr(e.msg, "NUL byte"),
	   "config refused at line 3: a NUL byte (%s)", e.msg);
}

static void test_conf_keys(void)
{
	char path[64], text[200];
	struct conf_err e;
	struct conf c;
	int ret;

	snprintf(text, sizeof(text), "%s\n", test_hex);
	write_key_file(path, text, KEY_HEX_LEN + 1, 0600);
	snprintf(text, sizeof(text), "[Node]\nId = 1\n[Key]\nId = 2\nKeyFile = %s\nPrimary = yes\n",
		 path);
	ret = conf_text(text, &c, &e);
	if (!ret)
		ret = conf_load_keys(&c, &e);
	ok(!ret && c.keys[0].secret &&
	   !memcmp(c.keys[0].secret->key, test_key, sizeof(test_key)),
	   "config: KeyFile read by conf_load_keys() (%s)", ret ? e.msg : "ok");
	conf_free(&c);

	write_key_file(path, "not a key\n", 10, 0600);
	snprintf(text, sizeof(text), "[Node]\nId = 1\n[Peer]\nId = 2\nAddress = 10.0.0.2\n[Key]\nId = 2\nKeyFile = %s\n",
		 path);
	ret = conf_text(text, &c, &e);
	if (!ret)
		ret = conf_load_keys(&c, &e);
	ok(ret == -EINVAL && e.line == 8 && strstr(e.msg, path) &&
	   !strstr(e.msg, "not a key"),
	   "config: a malformed KeyFile refused at its line, unquoted (%s)",
	   e.msg);
	conf_free(&c);
	unlink(path);

	ret = conf_text(text, &c, &e);
	if (!ret)
		ret = conf_load_keys(&c, &e);
	ok(ret && e.line == 8 && strstr(e.msg, "No such file"),
	   "config: a missing KeyFile refused at its line (%s)", e.msg);
	conf_free(&c);
}

static void test_take_json(void)
{
	char *argv[] = { "show", "peer", "-j", "3", "--json", NULL };
	struct hbctl_opts o = { .json = false };
	char *none[] = { "show", "peer", "3", NULL };
	int n;

	n = hbctl_take_json(5, argv, &o);
	ok(n == 3 && o.json && !strcmp(argv[1], "peer") &&
	   !strcmp(argv[2], "3"), "'show peer -j 3 --json' is '-j show peer 3'");
	o.json = false;
	n = hbctl_take_json(3, none, &o);
	ok(n == 3 && !o.json, "no -j after the command: unchanged");
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
	test_key_hex();
	test_key_ids();
	test_key_args();
	test_key_files();
	test_genkey();
	test_format();
	test_id_lists();
	test_names();
	test_json_escape();
	test_json_structure();
	test_decode_peer();
	test_decode_node();
	test_decode_event();
	test_decode_cluster_events();
	test_decode_key();
	test_decode_auth_event();
	test_decode_moved_event();
	test_batch_words();
	test_conf_parse();
	test_conf_bad();
	test_conf_nul();
	test_conf_keys();
	test_take_json();
	return tap_done();
}
