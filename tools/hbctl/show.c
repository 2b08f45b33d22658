// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: "show" (the node and a table of its peers) and "show peer <id>".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hbctl.h"
#include "model.h"
#include "nl.h"
#include "parse.h"

enum {
	COL_ID,
	COL_ADDRESS,
	COL_PORT,
	COL_STATE,
	COL_VERDICT,
	COL_ORIGIN,
	COL_ROLES,
	COL_INTERVAL,
	COL_MULT,
	COL_LAST_SEEN,
	COL_TX,
	COL_RX,
	COL_LOST,
	COL_RTT,
	NR_COLS
};

static const char *const col_names[NR_COLS] = {
	"ID", "ADDRESS", "PORT", "STATE", "VERDICT", "ORIGIN", "ROLES",
	"INTERVAL", "MULT", "LAST-SEEN", "TX", "RX", "LOST", "RTT",
};

#define CELL_LEN	48

/* One table row: every cell of a peer as text. */
struct row {
	char cell[NR_COLS][CELL_LEN];
};

static void last_seen(const struct hb_peer *p, char *buf, size_t len)
{
	char dur[DURATION_STRLEN];

	if (!p->has_last_seen)
		snprintf(buf, len, "never");
	else
		snprintf(buf, len, "%s ago",
			 format_duration_ms(p->last_seen_ms, dur, sizeof(dur)));
}

/*
 * Where the state comes from: "self", "leader", "peers", "-" before any
 * verdict, and for a DOWN decided by the peer's monitors how many of them
 * confirmed it ("peers 2/3").
 */
static void verdict(const struct hb_peer *p, char *buf, size_t len)
{
	if (p->source == HB_SOURCE_NONE)
		snprintf(buf, len, "-");
	else if (p->source == HB_SOURCE_PEERS && p->state == HB_STATE_DOWN &&
		 p->has_confirmations)
		snprintf(buf, len, "peers %u/%u", p->confirmations,
			 p->monitors);
	else
		snprintf(buf, len, "%s", hb_source_name(p->source));
}

static void peer_row(const struct hb_peer *p, struct row *r)
{
	char (*c)[CELL_LEN] = r->cell;

	snprintf(c[COL_ID], CELL_LEN, "%" PRIu32, p->id);
	format_ip(&p->addr, c[COL_ADDRESS], CELL_LEN);
	snprintf(c[COL_PORT], CELL_LEN, "%" PRIu16, p->port);
	snprintf(c[COL_STATE], CELL_LEN, "%s", hb_state_name(p->state));
	verdict(p, c[COL_VERDICT], CELL_LEN);
	snprintf(c[COL_ORIGIN], CELL_LEN, "%s", hb_origin_name(p->origin));
	hb_roles_letters(p->roles, c[COL_ROLES], CELL_LEN);
	format_duration_us(p->interval_us, c[COL_INTERVAL], CELL_LEN);
	snprintf(c[COL_MULT], CELL_LEN, "%u", p->multiplier);
	last_seen(p, c[COL_LAST_SEEN], CELL_LEN);
	snprintf(c[COL_TX], CELL_LEN, "%" PRIu64, p->tx);
	snprintf(c[COL_RX], CELL_LEN, "%" PRIu64, p->rx);
	snprintf(c[COL_LOST], CELL_LEN, "%" PRIu64, p->lost);
	if (p->rtt_us)
		format_duration_us(p->rtt_us, c[COL_RTT], CELL_LEN);
	else
		snprintf(c[COL_RTT], CELL_LEN, "-");
}

static void print_cells(const char *const *cells, const int *width)
{
	int i;

	for (i = 0; i < NR_COLS - 1; i++)
		printf("%-*s  ", width[i], cells[i]);
	printf("%s\n", cells[NR_COLS - 1]);
}

static void widen(int *width, const char *const *cells)
{
	int i, len;

	for (i = 0; i < NR_COLS; i++) {
		len = strlen(cells[i]);
		if (len > width[i])
			width[i] = len;
	}
}

static void row_cells(const struct row *r, const char **cells)
{
	int i;

	for (i = 0; i < NR_COLS; i++)
		cells[i] = r->cell[i];
}

/* The peer table, columns as wide as their widest cell. */
static void print_table(const struct peer_list *list)
{
	const char *cells[NR_COLS];
	int width[NR_COLS] = { 0 };
	struct row r;
	size_t i;

	widen(width, col_names);
	for (i = 0; i < list->count; i++) {
		peer_row(&list->peers[i], &r);
		row_cells(&r, cells);
		widen(width, cells);
	}
	print_cells(col_names, width);
	for (i = 0; i < list->count; i++) {
		peer_row(&list->peers[i], &r);
		row_cells(&r, cells);
		print_cells(cells, width);
	}
}

/*
 * The ids of the peers that have every bit of @role set, compressed and
 * capped by format_id_list().
 */
static char *peers_with(const struct peer_list *list, uint32_t role,
			char *buf, size_t len)
{
	uint32_t *ids = malloc((list->count + 1) * sizeof(*ids));
	size_t i, n = 0;

	if (!ids) {
		snprintf(buf, len, "?");
		return buf;
	}
	for (i = 0; i < list->count; i++)
		if ((list->peers[i].roles & role) == role)
			ids[n++] = list->peers[i].id;
	format_id_list(ids, n, buf, len);
	free(ids);
	return buf;
}

/* The cluster mode lines of the node block. */
static void print_modes(const struct hb_node *n, const struct peer_list *list)
{
	char buf[ID_LIST_STRLEN];

	printf("  %-10s%s\n", "mode:", node_mode_str(n, buf, sizeof(buf)));
	printf("  %-10s%s\n", "leaders:",
	       node_leaders_str(n, buf, sizeof(buf)));
	printf("  %-10s%s, %" PRIu32 "/%" PRIu32 " learned\n", "learn:",
	       n->learn ? "on" : "off", n->learned, n->learn_limit);
	printf("  %-10s%u\n", "monitors:", n->monitors);
	printf("  %-10s%s%s\n", "sends to:",
	       peers_with(list, HB_ROLE_TX, buf, sizeof(buf)),
	       n->effective_mode == HB_MODE_LEADERLESS && n->sending ?
	       " (its monitors)" : "");
	printf("  %-10s%s\n", "watches:",
	       peers_with(list, HB_ROLE_WATCH, buf, sizeof(buf)));
	printf("  %-10s%" PRIu32 "\n", "epoch:", n->epoch);
}

static void print_summary(const struct hb_node *n,
			  const struct peer_list *list)
{
	char buf[NODE_STRLEN];

	if (!n->configured) {
		printf("node: not configured\n");
		return;
	}
	printf("node %" PRIu32 ": port %" PRIu16 ", cluster %" PRIu32
	       ", incarnation %" PRIu64 ", %" PRIu32 " peer%s\n",
	       n->id, n->port, n->cluster, n->incarnation, n->peers,
	       n->peers == 1 ? "" : "s");
	if (n->has_modes)
		print_modes(n, list);
	if (n->has_auth)
		printf("  %-10s%s\n", "auth:",
		       node_auth_str(n, buf, sizeof(buf)));
}

static void show_all_json(const struct hb_node *node,
			  const struct peer_list *list)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	hb_node_json(&j, "node", node);
	json_array_begin(&j, "peers");
	for (i = 0; i < list->count; i++)
		hb_peer_json(&j, NULL, &list->peers[i]);
	json_array_end(&j);
	json_object_end(&j);
	putchar('\n');
}

/**
 * show_print() - print what "show" reports
 * @node: the node
 * @list: its peers, sorted
 * @json: print JSON instead of the summary line and table
 */
void show_print(const struct hb_node *node, const struct peer_list *list,
		bool json)
{
	if (json) {
		show_all_json(node, list);
	} else {
		print_summary(node, list);
		print_table(list);
	}
}

/**
 * node_and_peers() - read the node and every peer in one netlink session
 * @node: filled in
 * @list: filled in; free it with peer_list_free() whatever the result
 *
 * Return: HBCTL_OK, or HBCTL_FAIL (reported on standard error).
 */
int node_and_peers(struct hb_node *node, struct peer_list *list)
{
	struct hb_nl nl;
	int err;

	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	err = node_get(&nl, node);
	if (!err)
		err = peer_dump(&nl, list);
	if (err)
		hb_nl_perror(&nl, err);
	hb_nl_close(&nl);
	return err ? HBCTL_FAIL : HBCTL_OK;
}

static int show_all(const struct hbctl_opts *opts)
{
	struct peer_list list = { .count = 0 };
	struct hb_node node;
	int ret;

	ret = node_and_peers(&node, &list);
	if (ret == HBCTL_OK)
		show_print(&node, &list, opts->json);
	peer_list_free(&list);
	return ret;
}

static void print_us(const char *label, uint64_t us)
{
	char dur[DURATION_STRLEN];

	printf("  %-20s%s\n", label, format_duration_us(us, dur, sizeof(dur)));
}

static void print_u64(const char *label, uint64_t v)
{
	printf("  %-20s%" PRIu64 "\n", label, v);
}

/* The cluster mode lines of peer_print(). */
static void peer_print_modes(const struct hb_peer *p)
{
	char buf[CELL_LEN] = "";
	unsigned int bit;
	size_t used = 0;

	printf("  %-20s%s", "verdict:", hb_source_name(p->source));
	if (p->has_confirmations)
		printf(", confirmed by %u/%u monitors", p->confirmations,
		       p->monitors);
	printf("\n  %-20s%s\n", "origin:", hb_origin_name(p->origin));
	for (bit = 1; bit && used < sizeof(buf); bit <<= 1)
		if ((p->roles & bit) && hb_role_name(bit))
			used += snprintf(buf + used, sizeof(buf) - used,
					 "%s%s", used ? ", " : "",
					 hb_role_name(bit));
	printf("  %-20s%s\n", "roles:", used ? buf : "none");
	print_u64("epoch:", p->epoch);
}

/**
 * peer_print() - print every field of one peer for humans, one a line
 * @p: the peer
 */
void peer_print(const struct hb_peer *p)
{
	char buf[CELL_LEN];

	printf("peer %" PRIu32 "\n", p->id);
	format_ip(&p->addr, buf, sizeof(buf));
	printf("  %-20s%s\n", "address:", buf);
	print_u64("port:", p->port);
	printf("  %-20s%s\n", "state:", hb_state_name(p->state));
	if (p->has_last_change)
		printf("  %-20s%s ago (%s)\n", "last change:",
		       format_duration_ms(p->last_change_ms, buf, sizeof(buf)),
		       hb_reason_name(p->change_reason));
	else
		printf("  %-20s%s\n", "last change:", "none");
	peer_print_modes(p);
	print_us("interval:", p->interval_us);
	print_u64("multiplier:", p->multiplier);
	print_us("detection time:", p->detect_us);
	if (p->remote_multiplier)
		print_us("announced detect:",
			 (uint64_t)p->remote_interval_us * p->remote_multiplier);
	else
		printf("  %-20s%s\n", "announced detect:", "no frame yet");
	last_seen(p, buf, sizeof(buf));
	printf("  %-20s%s\n", "last seen:", buf);
	print_u64("tx:", p->tx);
	print_u64("tx errors:", p->tx_errors);
	print_u64("rx:", p->rx);
	print_u64("dropped:", p->dropped);
	print_u64("lost:", p->lost);
	if (p->rtt_us) {
		print_us("rtt:", p->rtt_us);
		print_us("rtt variation:", p->rttvar_us);
	} else {
		printf("  %-20s%s\n", "rtt:", "no sample");
	}
	print_u64("state changes:", p->state_changes);
	print_us("remote interval:", p->remote_interval_us);
	print_u64("remote multiplier:", p->remote_multiplier);
	print_u64("remote incarnation:", p->remote_incarnation);
}

static int show_peer(const char *arg, const struct hbctl_opts *opts)
{
	struct hb_peer peer;
	const char *why;
	struct hb_nl nl;
	struct json j;
	uint32_t id;
	int err;

	if (parse_id(arg, &id, &why))
		return hbctl_bad_value("peer id", arg, why);
	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	err = peer_get(&nl, id, &peer);
	if (err) {
		hb_nl_perror(&nl, err);
	} else if (opts->json) {
		json_init(&j, stdout);
		hb_peer_json(&j, NULL, &peer);
		putchar('\n');
	} else {
		peer_print(&peer);
	}
	hb_nl_close(&nl);
	return err ? HBCTL_FAIL : HBCTL_OK;
}

/**
 * cmd_show() - "hbctl show [peer <id>]"
 * @argc: number of arguments after "show"
 * @argv: the arguments
 * @opts: global options
 *
 * Return: the exit status.
 */
int cmd_show(int argc, char **argv, const struct hbctl_opts *opts)
{
	if (!argc)
		return show_all(opts);
	if (strcmp(argv[0], "peer"))
		return hbctl_usage("show: unknown argument '%s'", argv[0]);
	if (argc < 2)
		return hbctl_usage("show peer: missing peer id");
	if (argc > 2)
		return hbctl_usage("show peer: unexpected argument '%s'", argv[2]);
	return show_peer(argv[1], opts);
}
