// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: "monitor", print the events of the node as they happen.
 */
#include <stdio.h>

#include "hbctl.h"
#include "model.h"
#include "nl.h"

static void print_event(const struct hb_event *ev, bool json)
{
	char line[256];
	struct json j;

	if (json) {
		json_init(&j, stdout);
		hb_event_json(&j, NULL, ev);
		putchar('\n');
	} else {
		puts(hb_event_format(ev, line, sizeof(line)));
	}
	fflush(stdout);
}

static int on_event(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct hbctl_opts *opts = arg;
	struct hb_event ev;

	if (cmd != HB_CMD_EVENT)
		return 0;
	if (!tb[HB_A_EVENT] || hb_event_decode(tb[HB_A_EVENT], &ev)) {
		fprintf(stderr, "hbctl: ignoring a malformed event\n");
		return 0;
	}
	print_event(&ev, opts->json);
	return 0;
}

/**
 * cmd_monitor() - "hbctl monitor": print every event until killed
 * @argc: number of arguments after "monitor" (none are taken)
 * @argv: the arguments
 * @opts: global options
 *
 * Return: the exit status, only when the socket fails.
 */
int cmd_monitor(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct hbctl_opts o = *opts;
	struct hb_nl nl;
	int err;

	if (argc)
		return hbctl_usage("monitor: unexpected argument '%s'", argv[0]);
	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	err = hb_nl_join(&nl, HEARTBEAT_MCGRP_EVENTS);
	if (!err)
		err = hb_nl_listen(&nl, on_event, &o);
	hb_nl_perror(&nl, err);
	hb_nl_close(&nl);
	return HBCTL_FAIL;
}
