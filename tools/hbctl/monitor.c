// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: "monitor", print the events of the node as they happen, and
 * with --exec run a program for each (hooks.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "hbctl.h"
#include "hooks.h"
#include "model.h"
#include "nl.h"

/**
 * struct monitor - state of one "hbctl monitor"
 * @json: print JSON lines
 * @hooks: the hook runner, or NULL without --exec
 * @req: a second socket for requests (a peer's address for a hook)
 */
struct monitor {
	bool json;
	struct hook_runner *hooks;
	struct hb_nl *req;
};

/*
 * One event: text is "<time_real> <time_ns in s> [seq N] ...", JSON
 * hbctl -j monitor's object, both with the wall-clock time of the event.
 */
static void print_event(const struct hb_event *ev, bool json)
{
	char line[256];
	struct json j;

	if (json) {
		json_init(&j, stdout);
		hb_event_json(&j, NULL, ev);
		putchar('\n');
	} else {
		printf("%s %" PRIu64 ".%06" PRIu64 " %s\n", ev->time_real,
		       ev->time_ns / 1000000000,
		       ev->time_ns % 1000000000 / 1000,
		       hb_event_format(ev, line, sizeof(line)));
	}
	fflush(stdout);
}

/* Queue @ev for the hook, with its peer's endpoint now. */
static void queue_event(struct monitor *m, const struct hb_event *ev)
{
	struct hook_event he = { .ev = *ev };
	struct hb_peer peer;

	snprintf(he.time_real, sizeof(he.time_real), "%s", ev->time_real);
	if (ev->has_endpoint) {
		he.has_peer_addr = true;
		he.peer_addr = ev->addr;
		he.peer_port = ev->port;
	} else if (ev->peer && m->req && !peer_get(m->req, ev->peer, &peer)) {
		he.has_peer_addr = true;
		he.peer_addr = peer.addr;
		he.peer_port = peer.port;
	}
	hook_push(m->hooks, &he);
}

static int on_event(uint8_t cmd, struct nlattr **tb, void *arg)
{
	char real[TIME_REAL_STRLEN];
	struct monitor *m = arg;
	struct hb_event ev;

	if (cmd != HB_CMD_EVENT)
		return 0;
	if (!tb[HB_A_EVENT] || hb_event_decode(tb[HB_A_EVENT], &ev)) {
		fprintf(stderr, "hbctl: ignoring a malformed event\n");
		return 0;
	}
	ev.time_real = hook_time_real(ev.time_ns, real, sizeof(real));
	print_event(&ev, m->json);
	if (m->hooks)
		queue_event(m, &ev);
	return 0;
}

/* Read events and run hooks, each without waiting for the other. */
static int monitor_exec(struct hb_nl *nl, struct monitor *m)
{
	struct pollfd pfd[2] = {
		{ .fd = nl_socket_get_fd(nl->sk), .events = POLLIN },
		{ .fd = m->hooks->sigfd, .events = POLLIN },
	};
	int err;

	for (;;) {
		if (poll(pfd, 2, hook_timeout(m->hooks)) < 0 &&
		    errno != EINTR)
			return -errno;
		if (pfd[0].revents) {
			err = hb_nl_listen_step(nl, on_event, m);
			if (err == -ENOBUFS) {
				fprintf(stderr, "hbctl: receive buffer overrun, events were lost\n");
				hook_overrun(m->hooks);
			} else if (err) {
				return err;
			}
		}
		hook_run(m->hooks);
	}
}

static int monitor_args(int argc, char **argv, const char **program,
			uint64_t *timeout_ms)
{
	const char *why;
	uint64_t us;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--exec") && i + 1 < argc) {
			*program = argv[++i];
			if (!**program)
				return hbctl_usage("monitor: --exec needs a program");
		} else if (!strcmp(argv[i], "--exec-timeout") && i + 1 < argc) {
			i++;
			if (parse_duration_us(argv[i], &us, &why))
				return hbctl_bad_value("--exec-timeout",
						       argv[i], why);
			if (us < 1000 || us > 3600ULL * 1000000)
				return hbctl_bad_value("--exec-timeout",
						       argv[i],
						       "from 1ms to 3600s");
			*timeout_ms = us / 1000;
		} else if (!strcmp(argv[i], "--exec") ||
			   !strcmp(argv[i], "--exec-timeout")) {
			return hbctl_usage("monitor: '%s' needs a value",
					   argv[i]);
		} else {
			return hbctl_usage("monitor: unexpected argument '%s'",
					   argv[i]);
		}
	}
	return 0;
}

/**
 * cmd_monitor() - "hbctl monitor [--exec PROGRAM [--exec-timeout DUR]]":
 *		   print every event until killed, and run PROGRAM for each
 * @argc: number of arguments after "monitor"
 * @argv: the arguments
 * @opts: global options
 *
 * Return: the exit status, only when the socket fails.
 */
int cmd_monitor(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct monitor m = { .json = opts->json };
	uint64_t timeout_ms = HOOK_TIMEOUT_MS;
	const char *program = NULL;
	struct hook_runner hooks;
	struct hb_nl nl, req;
	int err;

	err = monitor_args(argc, argv, &program, &timeout_ms);
	if (err)
		return err;
	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	if (program) {
		err = hook_init(&hooks, program, opts->netns, timeout_ms,
				HOOK_QUEUE_LEN);
		if (err) {
			fprintf(stderr, "hbctl: monitor: %s\n", strerror(-err));
			hb_nl_close(&nl);
			return HBCTL_FAIL;
		}
		m.hooks = &hooks;
		if (!hb_nl_open(&req))
			m.req = &req;
	}
	err = hb_nl_join(&nl, HEARTBEAT_MCGRP_EVENTS);
	if (!err)
		err = m.hooks ? monitor_exec(&nl, &m) :
				hb_nl_listen(&nl, on_event, &m);
	hb_nl_perror(&nl, err);
	if (m.req)
		hb_nl_close(m.req);
	if (m.hooks)
		hook_free(m.hooks);
	hb_nl_close(&nl);
	return HBCTL_FAIL;
}
