// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: unit tests of "monitor --exec"'s hook runner (hooks.c) and of
 * "stats"' Prometheus writer (prom.c), with a shell script as the hook
 * and no kernel.  Output is TAP; the exit status is 1 when any test
 * failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hbctl.h"
#include "hooks.h"
#include "model.h"
#include "prom.h"
#include "tap.h"

static char dir[] = "/tmp/hbctl-hooks-XXXXXX";
static char hook[64];

/* The whole of a file under dir, or "" (static buffer). */
static const char *slurp(const char *name)
{
	static char buf[16384];
	char path[128];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* @s with its newlines as '|', for one TAP line (static buffer). */
static const char *flat(const char *s)
{
	static char buf[16384];
	size_t i;

	for (i = 0; s[i] && i < sizeof(buf) - 1; i++)
		buf[i] = s[i] == '\n' ? '|' : s[i];
	buf[i] = '\0';
	return buf;
}

/*
 * The hook: appends "<event> <seq> <lost> <reason>" to log, copies its
 * standard input and environment for seq 1, fails when another hook is
 * running (a directory as a lock), sleeps 30 s for peer 99 and 0.2 s for
 * peer 98.
 */
static void write_hook(void)
{
	FILE *f;

	snprintf(hook, sizeof(hook), "%s/hook.sh", dir);
	f = fopen(hook, "w");
	fprintf(f,
		"#!/bin/sh\n"
		"d=%s\n"
		"mkdir \"$d/lock\" 2>/dev/null || echo overlap >>\"$d/log\"\n"
		"echo \"$HB_EVENT ${HB_SEQ:-0} ${HB_LOST:-} $HB_REASON\" >>\"$d/log\"\n"
		"if [ \"${HB_SEQ:-}\" = 1 ]; then cat >\"$d/stdin\"; env | grep '^HB_' | sort >\"$d/env\"; fi\n"
		"[ \"${HB_PEER:-}\" = 99 ] && rmdir \"$d/lock\" && exec sleep 30\n"
		"[ \"${HB_PEER:-}\" = 98 ] && sleep 0.2\n"
		"rmdir \"$d/lock\"\n"
		"exit 0\n", dir);
	fclose(f);
	chmod(hook, 0755);
}

static void reset_log(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/log", dir);
	unlink(path);
}

static struct hook_event event(uint64_t seq, uint32_t peer)
{
	struct hook_event e = { .ev = {
		.seq = seq, .type = HB_EVENT_STATE_CHANGE, .peer = peer,
		.old_state = HB_STATE_UP, .state = HB_STATE_DOWN,
		.time_ns = 5000000000ULL, .reason = HB_REASON_TIMEOUT,
		.has_detect = true, .detect_us = 300000,
	} };

	snprintf(e.time_real, sizeof(e.time_real), "2026-12-06T21:45:01.000000+00:00");
	e.has_peer_addr = true;
	e.peer_addr.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", &e.peer_addr.v4);
	e.peer_port = 7410;
	return e;
}

static void test_order_env_json(void)
{
	struct hook_runner h;
	struct hook_event e;
	uint64_t t0, pushed;
	int i;

	reset_log();
	ok(!hook_init(&h, hook, "red", 5000, 16), "hook_init");
	t0 = hook_now_ms();
	for (i = 1; i <= 5; i++) {
		e = event(i, 98);
		hook_push(&h, &e);
		hook_run(&h);
	}
	pushed = hook_now_ms() - t0;
	ok(pushed < 150, "5 events queued in %" PRIu64 " ms while hooks of 0.2 s run (reading never waits)",
	   pushed);
	ok(!hook_drain(&h, 20000), "every hook ran");
	ok(!strcmp(slurp("log"),
		   "state 1  timeout\nstate 2  timeout\nstate 3  timeout\n"
		   "state 4  timeout\nstate 5  timeout\n"),
	   "one at a time, in order: %s", flat(slurp("log")));
	ok(h.started == 5 && !h.failed && !h.killed, "5 started, none failed or killed");
	ok(strstr(slurp("env"), "HB_EVENT=state\n") &&
	   strstr(slurp("env"), "HB_STATE=down\n") &&
	   strstr(slurp("env"), "HB_OLD_STATE=up\n") &&
	   strstr(slurp("env"), "HB_REASON=timeout\n") &&
	   strstr(slurp("env"), "HB_PEER=98\n") &&
	   strstr(slurp("env"), "HB_ADDRESS=192.0.2.7\n") &&
	   strstr(slurp("env"), "HB_PORT=7410\n") &&
	   strstr(slurp("env"), "HB_DETECT_US=300000\n") &&
	   strstr(slurp("env"), "HB_NETNS=red\n") &&
	   strstr(slurp("env"), "HB_TIME_NS=5000000000\n") &&
	   strstr(slurp("env"), "HB_TIME_REAL=2026-12-06T21:45:01.000000+00:00\n"),
	   "environment of the event");
	ok(!strcmp(slurp("stdin"),
		   "{\"seq\":1,\"event\":\"state\",\"peer\":98,\"old_state\":\"up\","
		   "\"state\":\"down\",\"time_ns\":5000000000,"
		   "\"time_real\":\"2026-12-06T21:45:01.000000+00:00\","
		   "\"reason\":\"timeout\",\"detect_us\":300000,"
		   "\"address\":\"192.0.2.7\",\"port\":7410}\n"),
	   "the event as one JSON line on standard input: %s",
	   flat(slurp("stdin")));
	hook_free(&h);
}

static void test_timeout(void)
{
	struct hook_runner h;
	struct hook_event e;
	uint64_t t0, took;

	reset_log();
	hook_init(&h, hook, NULL, 300, 16);
	t0 = hook_now_ms();
	e = event(10, 99);
	hook_push(&h, &e);
	e = event(11, 5);
	hook_push(&h, &e);
	ok(!hook_drain(&h, 20000), "a hook that sleeps 30 s is ended");
	took = hook_now_ms() - t0;
	ok(h.killed == 1 && took >= 300 && took < 5000,
	   "killed at its 300 ms timeout (after %" PRIu64 " ms), counted",
	   took);
	ok(!strcmp(slurp("log"), "state 10  timeout\nstate 11  timeout\n"),
	   "the next event's hook ran, after: %s", flat(slurp("log")));
	hook_free(&h);
}

static void test_lost(void)
{
	struct hook_runner h;
	struct hook_event e;
	int i;

	reset_log();
	/* 4 slots: the first event runs, 4 wait, 5 are lost */
	hook_init(&h, hook, NULL, 5000, 4);
	for (i = 1; i <= 10; i++) {
		e = event(100 + i, 98);
		hook_push(&h, &e);
		hook_run(&h);
	}
	ok(!hook_drain(&h, 20000), "queue drained");
	ok(!strcmp(slurp("log"),
		   "state 101  timeout\nstate 102  timeout\nstate 103  timeout\n"
		   "state 104  timeout\nstate 105  timeout\nlost 0 5 queue_full\n"),
	   "a full queue: the events that fit, then one lost event (5 lost): %s",
	   flat(slurp("log")));

	reset_log();
	e = event(200, 5);
	hook_push(&h, &e);
	hook_overrun(&h);
	e = event(205, 5);
	hook_push(&h, &e);
	ok(!hook_drain(&h, 20000), "queue drained");
	ok(!strcmp(slurp("log"),
		   "state 200  timeout\nlost 0 0 overrun\nstate 205  timeout\n"),
	   "a socket overrun is a lost event, in its place: %s",
	   flat(slurp("log")));
	ok(h.lost_events == 2, "2 lost events counted");
	hook_free(&h);
}

static void test_time_real(void)
{
	char buf[TIME_REAL_STRLEN];
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	setenv("TZ", "UTC", 1);
	hook_time_real(now, buf, sizeof(buf));
	ok(strlen(buf) == 32 && buf[10] == 'T' && buf[19] == '.' &&
	   !strcmp(buf + 26, "+00:00"), "wall-clock time in RFC 3339: %s",
	   buf);
}

static void test_prom(void)
{
	struct hb_peer peers[2] = {
		{ .id = 2, .state = HB_STATE_UP, .tx = 10, .rx = 9,
		  .has_last_seen = true, .last_seen_ms = 1500,
		  .rtt_us = 1234, .rttvar_us = 100, .detect_us = 300000,
		  .interval_us = 100000, .multiplier = 3 },
		{ .id = 3, .state = HB_STATE_DOWN },
	};
	struct peer_list list = { .peers = peers, .count = 2, .size = 2 };
	struct hb_node node = { .id = 1, .cluster = 42, .port = 7410,
				.configured = true, .event_seq = 7 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	peers[0].addr.family = AF_INET;
	inet_pton(AF_INET, "10.0.0.2", &peers[0].addr.v4);
	peers[1].addr.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::3", &peers[1].addr.v6);
	node.drops[HB_DROP_STALE] = 4;
	f = open_memstream(&text, &len);
	prom_print(f, "a\"b", &node, &list);
	fclose(f);
	ok(strstr(text, "# HELP heartbeat_peer_up ") &&
	   strstr(text, "# TYPE heartbeat_peer_up gauge\n") &&
	   strstr(text, "# TYPE heartbeat_peer_rx_frames_total counter\n"),
	   "HELP and TYPE lines");
	ok(strstr(text, "heartbeat_peer_up{netns=\"a\\\"b\",peer=\"2\",address=\"10.0.0.2\"} 1\n") &&
	   strstr(text, "heartbeat_peer_up{netns=\"a\\\"b\",peer=\"3\",address=\"2001:db8::3\"} 0\n"),
	   "peer_up with escaped labels");
	ok(strstr(text, "heartbeat_peer_rtt_seconds{netns=\"a\\\"b\",peer=\"2\",address=\"10.0.0.2\"} 0.001234\n") &&
	   !strstr(text, "heartbeat_peer_rtt_seconds{netns=\"a\\\"b\",peer=\"3\""),
	   "rtt in seconds, no sample without one");
	ok(strstr(text, "heartbeat_peer_last_seen_seconds{netns=\"a\\\"b\",peer=\"2\",address=\"10.0.0.2\"} 1.500\n") != NULL,
	   "last seen in seconds");
	ok(strstr(text, "heartbeat_node_dropped_frames_total{netns=\"a\\\"b\",node=\"1\",reason=\"stale\"} 4\n") &&
	   strstr(text, "heartbeat_node_peers_state{netns=\"a\\\"b\",node=\"1\",state=\"down\"} 1\n") &&
	   strstr(text, "heartbeat_node_events_total{netns=\"a\\\"b\",node=\"1\"} 7\n"),
	   "node counters");
	free(text);
}

int main(void)
{
	int failed;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	write_hook();
	test_order_env_json();
	test_timeout();
	test_lost();
	test_time_real();
	test_prom();
	failed = tap_done();
	if (!failed) {
		unlink(hook);
		remove(strcat(strcpy(hook, dir), "/stdin"));
		remove(strcat(strcpy(hook, dir), "/env"));
		remove(strcat(strcpy(hook, dir), "/log"));
		rmdir(dir);
	}
	return failed;
}
