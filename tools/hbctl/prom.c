// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: "stats", the node's and the peers' counters and states in the
 * Prometheus text exposition format (version 0.0.4), for node_exporter's
 * textfile collector or any scraper.
 *
 * Metric names are stable: a name is never reused for another meaning.
 * Every sample carries the label netns (the -n argument, "" without it);
 * node samples add node (this node's id), peer samples peer (the peer's
 * id) and address.  README.md and hbctl.8 list every metric.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hbctl.h"
#include "model.h"
#include "nl.h"
#include "prom.h"

/* A label value, escaped as the format wants (\\, \" and \n). */
static void prom_label(FILE *f, const char *name, const char *val, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (; *val; val++) {
		if (*val == '\\' || *val == '"')
			fprintf(f, "\\%c", *val);
		else if (*val == '\n')
			fputs("\\n", f);
		else
			fputc(*val, f);
	}
	fputc('"', f);
}

static void prom_family(FILE *f, const char *name, const char *type,
			const char *help)
{
	fprintf(f, "# HELP heartbeat_%s %s\n# TYPE heartbeat_%s %s\n",
		name, help, name, type);
}

/* The labels every node sample starts with. */
static void node_labels(FILE *f, const char *netns, const struct hb_node *n)
{
	char id[16];

	snprintf(id, sizeof(id), "%" PRIu32, n->id);
	prom_label(f, "netns", netns, true);
	prom_label(f, "node", id, false);
}

static void node_u64(FILE *f, const char *name, const char *type,
		     const char *help, const char *netns,
		     const struct hb_node *n, uint64_t v)
{
	prom_family(f, name, type, help);
	fprintf(f, "heartbeat_%s{", name);
	node_labels(f, netns, n);
	fprintf(f, "} %" PRIu64 "\n", v);
}

static void node_metrics(FILE *f, const char *netns, const struct hb_node *n,
			 const struct peer_list *list)
{
	static const uint8_t states[] = {
		HB_STATE_UNKNOWN, HB_STATE_UP, HB_STATE_DOWN
	};
	uint64_t count;
	unsigned int i;
	size_t k;

	prom_family(f, "node_info", "gauge",
		    "Always 1; the labels give the node's cluster id and modes.");
	fprintf(f, "heartbeat_node_info{");
	node_labels(f, netns, n);
	fprintf(f, ",cluster=\"%" PRIu32 "\"", n->cluster);
	prom_label(f, "mode", hb_mode_name(n->mode), false);
	prom_label(f, "effective_mode", hb_mode_name(n->effective_mode),
		   false);
	fprintf(f, ",port=\"%" PRIu16 "\"} 1\n", n->port);
	node_u64(f, "node_configured", "gauge",
		 "1 once the node has an id (hbctl node set), else 0.",
		 netns, n, n->configured);
	node_u64(f, "node_peers", "gauge", "Peers the node knows.", netns, n,
		 list->count);
	prom_family(f, "node_peers_state", "gauge",
		    "Peers the node knows, by state (unknown, up, down).");
	for (i = 0; i < sizeof(states); i++) {
		count = 0;
		for (k = 0; k < list->count; k++)
			count += list->peers[k].state == states[i];
		fprintf(f, "heartbeat_node_peers_state{");
		node_labels(f, netns, n);
		prom_label(f, "state", hb_state_name(states[i]), false);
		fprintf(f, "} %" PRIu64 "\n", count);
	}
	node_u64(f, "node_events_total", "counter",
		 "Events the node raised (the sequence number of the last).",
		 netns, n, n->event_seq);
	prom_family(f, "node_dropped_frames_total", "counter",
		    "Datagrams the node dropped, by reason.");
	for (i = 0; i < __HB_DROP_MAX; i++) {
		fprintf(f, "heartbeat_node_dropped_frames_total{");
		node_labels(f, netns, n);
		prom_label(f, "reason", hb_drop_name(i), false);
		fprintf(f, "} %" PRIu64 "\n", n->drops[i]);
	}
	node_u64(f, "node_learned_peers", "gauge",
		 "Peers learned from their frames or from a leader.", netns,
		 n, n->learned);
	node_u64(f, "node_sending_peers", "gauge",
		 "Peers the node beats to.", netns, n, n->sending);
	node_u64(f, "node_watching_peers", "gauge",
		 "Peers the node runs failure detection on.", netns, n,
		 n->watching);
	node_u64(f, "node_auth_required", "gauge",
		 "1 when only authenticated frames are accepted, else 0.",
		 netns, n, n->auth);
	node_u64(f, "node_keys", "gauge", "Authentication keys installed.",
		 netns, n, n->keys);
	node_u64(f, "node_tx_no_key_total", "counter",
		 "Frames not sent for want of a usable key.", netns, n,
		 n->tx_no_key);
}

/**
 * enum prom_kind - how a peer metric's value is printed
 * @PROM_COUNT: an integer
 * @PROM_US: microseconds, printed as seconds
 * @PROM_MS: milliseconds, printed as seconds
 */
enum prom_kind { PROM_COUNT, PROM_US, PROM_MS };

/**
 * struct peer_metric - one per-peer metric family
 * @name: after "heartbeat_"
 * @type: "counter" or "gauge"
 * @kind: unit of the value
 * @help: its HELP text
 * @get: its value for a peer; false when the peer has none (no sample)
 */
struct peer_metric {
	const char *name;
	const char *type;
	enum prom_kind kind;
	const char *help;
	bool (*get)(const struct hb_peer *p, uint64_t *v);
};

#define PEER_GET(field)							\
static bool get_##field(const struct hb_peer *p, uint64_t *v)		\
{									\
	*v = p->field;							\
	return true;							\
}
PEER_GET(tx)
PEER_GET(rx)
PEER_GET(dropped)
PEER_GET(lost)
PEER_GET(tx_errors)
PEER_GET(state_changes)
PEER_GET(detect_us)
PEER_GET(interval_us)
PEER_GET(multiplier)
PEER_GET(remote_interval_us)
PEER_GET(remote_multiplier)

static bool get_up(const struct hb_peer *p, uint64_t *v)
{
	*v = p->state == HB_STATE_UP;
	return true;
}

static bool get_last_seen(const struct hb_peer *p, uint64_t *v)
{
	*v = p->last_seen_ms;
	return p->has_last_seen;
}

static bool get_rtt(const struct hb_peer *p, uint64_t *v)
{
	*v = p->rtt_us;
	return p->rtt_us;
}

static bool get_rttvar(const struct hb_peer *p, uint64_t *v)
{
	*v = p->rttvar_us;
	return p->rtt_us;
}

static const struct peer_metric peer_metrics[] = {
	{ "peer_up", "gauge", PROM_COUNT,
	  "1 when the peer is up, 0 when it is down or unknown.", get_up },
	{ "peer_last_seen_seconds", "gauge", PROM_MS,
	  "Seconds since the peer's last valid frame (no sample before the first).",
	  get_last_seen },
	{ "peer_tx_frames_total", "counter", PROM_COUNT,
	  "Frames sent to the peer.", get_tx },
	{ "peer_rx_frames_total", "counter", PROM_COUNT,
	  "Valid frames received from the peer.", get_rx },
	{ "peer_dropped_frames_total", "counter", PROM_COUNT,
	  "Frames claiming to be from the peer that were dropped.",
	  get_dropped },
	{ "peer_lost_frames_total", "counter", PROM_COUNT,
	  "Sequence numbers the peer sent that never arrived.", get_lost },
	{ "peer_tx_errors_total", "counter", PROM_COUNT,
	  "Frames to the peer that could not be sent.", get_tx_errors },
	{ "peer_state_changes_total", "counter", PROM_COUNT,
	  "State transitions of the peer.", get_state_changes },
	{ "peer_rtt_seconds", "gauge", PROM_US,
	  "Smoothed round-trip time (no sample before the first).", get_rtt },
	{ "peer_rttvar_seconds", "gauge", PROM_US,
	  "Variation of the round-trip time (no sample before the first).",
	  get_rttvar },
	{ "peer_detect_seconds", "gauge", PROM_US,
	  "Detection time in force.", get_detect_us },
	{ "peer_interval_seconds", "gauge", PROM_US,
	  "Local send interval to the peer.", get_interval_us },
	{ "peer_multiplier", "gauge", PROM_COUNT,
	  "Local detection multiplier.", get_multiplier },
	{ "peer_remote_interval_seconds", "gauge", PROM_US,
	  "Interval the peer announces.", get_remote_interval_us },
	{ "peer_remote_multiplier", "gauge", PROM_COUNT,
	  "Multiplier the peer announces.", get_remote_multiplier },
};

static void peer_labels(FILE *f, const char *netns, const struct hb_peer *p)
{
	char id[16], addr[IP_STRLEN];

	snprintf(id, sizeof(id), "%" PRIu32, p->id);
	prom_label(f, "netns", netns, true);
	prom_label(f, "peer", id, false);
	prom_label(f, "address", format_ip(&p->addr, addr, sizeof(addr)),
		   false);
}

static void peer_value(FILE *f, enum prom_kind kind, uint64_t v)
{
	if (kind == PROM_US)
		fprintf(f, " %" PRIu64 ".%06" PRIu64 "\n", v / 1000000,
			v % 1000000);
	else if (kind == PROM_MS)
		fprintf(f, " %" PRIu64 ".%03" PRIu64 "\n", v / 1000, v % 1000);
	else
		fprintf(f, " %" PRIu64 "\n", v);
}

static void peer_metrics_print(FILE *f, const char *netns,
			       const struct peer_list *list)
{
	static const uint8_t states[] = {
		HB_STATE_UNKNOWN, HB_STATE_UP, HB_STATE_DOWN
	};
	const struct peer_metric *m;
	const struct hb_peer *p;
	unsigned int i;
	uint64_t v;
	size_t k;

	prom_family(f, "peer_state", "gauge",
		    "1 for the peer's state (unknown, up, down), 0 for the others.");
	for (k = 0; k < list->count; k++) {
		p = &list->peers[k];
		for (i = 0; i < sizeof(states); i++) {
			fprintf(f, "heartbeat_peer_state{");
			peer_labels(f, netns, p);
			prom_label(f, "state", hb_state_name(states[i]), false);
			fprintf(f, "} %d\n", p->state == states[i]);
		}
	}
	for (m = peer_metrics;
	     m < peer_metrics + sizeof(peer_metrics) / sizeof(*m); m++) {
		prom_family(f, m->name, m->type, m->help);
		for (k = 0; k < list->count; k++) {
			p = &list->peers[k];
			if (!m->get(p, &v))
				continue;
			fprintf(f, "heartbeat_%s{", m->name);
			peer_labels(f, netns, p);
			fputc('}', f);
			peer_value(f, m->kind, v);
		}
	}
}

/**
 * prom_print() - write the node and its peers as Prometheus metrics
 * @f: where to
 * @netns: value of the netns label
 * @node: the node
 * @list: its peers
 */
void prom_print(FILE *f, const char *netns, const struct hb_node *node,
		const struct peer_list *list)
{
	node_metrics(f, netns, node, list);
	peer_metrics_print(f, netns, list);
}

/**
 * cmd_stats() - "hbctl stats [--prometheus]"
 * @argc: number of arguments after "stats"
 * @argv: the arguments
 * @opts: global options (-j is refused: use "hbctl -j show")
 *
 * Return: the exit status.
 */
int cmd_stats(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct peer_list list = { .count = 0 };
	struct hb_node node;
	int ret;

	if (argc && !strcmp(argv[0], "--prometheus")) {
		argc--;
		argv++;
	}
	if (argc)
		return hbctl_usage("stats: unexpected argument '%s'", argv[0]);
	if (opts->json)
		return hbctl_usage("stats: the format is Prometheus text, not JSON ('hbctl -j show' gives JSON)");
	ret = node_and_peers(&node, &list);
	if (ret == HBCTL_OK) {
		prom_print(stdout, opts->netns ? opts->netns : "", &node,
			   &list);
		if (fflush(stdout))
			ret = HBCTL_FAIL;
	}
	peer_list_free(&list);
	return ret;
}
