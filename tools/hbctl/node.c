// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: "node set" and "node show".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hbctl.h"
#include "model.h"
#include "nl.h"
#include "parse.h"

/**
 * struct node_cfg - what "node set" was asked to change
 * @has_id: @id was given
 * @id: node id
 * @has_port: @port was given
 * @port: UDP port
 * @has_cluster: @cluster was given
 * @cluster: cluster id
 */
struct node_cfg {
	bool has_id;
	uint32_t id;
	bool has_port;
	uint16_t port;
	bool has_cluster;
	uint32_t cluster;
};

/* Parse one "<keyword> <value>" pair of "node set". */
static int node_set_opt(struct node_cfg *cfg, const char *key,
			const char *val)
{
	const char *why;
	int ret;

	if (!strcmp(key, "id")) {
		ret = hbctl_option("node set", key, val, &cfg->has_id);
		if (!ret && parse_id(val, &cfg->id, &why))
			ret = hbctl_bad_value("node id", val, why);
	} else if (!strcmp(key, "port")) {
		ret = hbctl_option("node set", key, val, &cfg->has_port);
		if (!ret && parse_port(val, &cfg->port, &why))
			ret = hbctl_bad_value("port", val, why);
	} else if (!strcmp(key, "cluster")) {
		ret = hbctl_option("node set", key, val, &cfg->has_cluster);
		if (!ret && parse_u32(val, &cfg->cluster, &why))
			ret = hbctl_bad_value("cluster id", val, why);
	} else {
		ret = hbctl_usage("node set: unknown option '%s'", key);
	}
	return ret;
}

static int node_set_put(struct nl_msg *msg, const struct node_cfg *cfg)
{
	if (cfg->has_id && nla_put_u32(msg, HB_A_NODE_ID, cfg->id))
		return -EMSGSIZE;
	if (cfg->has_port && nla_put_u16(msg, HB_A_NODE_PORT, cfg->port))
		return -EMSGSIZE;
	if (cfg->has_cluster &&
	    nla_put_u32(msg, HB_A_NODE_CLUSTER, cfg->cluster))
		return -EMSGSIZE;
	return 0;
}

static int node_set(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct node_cfg cfg = { .has_id = false };
	struct nl_msg *msg;
	struct hb_nl nl;
	int i, ret;

	(void)opts;
	if (!argc)
		return hbctl_usage("node set: nothing to set (id, port, cluster)");
	for (i = 0; i < argc; i += 2) {
		ret = node_set_opt(&cfg, argv[i],
				   i + 1 < argc ? argv[i + 1] : NULL);
		if (ret)
			return ret;
	}
	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	ret = -ENOMEM;
	msg = hb_nl_msg(&nl, HB_CMD_NODE_SET, 0);
	if (msg && node_set_put(msg, &cfg)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (msg)
		ret = hb_nl_request(&nl, msg, NULL, NULL);
	if (ret)
		hb_nl_perror(&nl, ret);
	hb_nl_close(&nl);
	return ret ? HBCTL_FAIL : HBCTL_OK;
}

static int node_reply(uint8_t cmd, struct nlattr **tb, void *arg)
{
	(void)cmd;
	return hb_node_decode(tb, arg);
}

/**
 * node_get() - read the node of the socket's namespace
 * @nl: an open socket
 * @node: where to store the node
 *
 * Return: 0 or a negative errno (not printed).
 */
int node_get(struct hb_nl *nl, struct hb_node *node)
{
	struct nl_msg *msg;

	memset(node, 0, sizeof(*node));
	msg = hb_nl_msg(nl, HB_CMD_NODE_GET, 0);
	if (!msg)
		return -ENOMEM;
	return hb_nl_request(nl, msg, node_reply, node);
}

/* "bad_magic 3, stale 1" (only the nonzero ones if @nonzero), or "none". */
static void print_counters(const char *label, const uint64_t *vals, int n,
			   const char *(*name)(unsigned int), bool nonzero)
{
	bool any = false;
	int i;

	printf("%-14s", label);
	for (i = 0; i < n; i++) {
		if (nonzero && !vals[i])
			continue;
		printf("%s%s %" PRIu64, any ? ", " : "", name(i), vals[i]);
		any = true;
	}
	printf("%s\n", any ? "" : "none");
}

/**
 * node_print() - print a node for humans, one field a line
 * @n: the node
 */
void node_print(const struct hb_node *n)
{
	if (n->configured)
		printf("%-14s%" PRIu32 "\n", "node id:", n->id);
	else
		printf("%-14s%s\n", "node id:", "none (not configured)");
	printf("%-14s%" PRIu16 "\n", "port:", n->port);
	printf("%-14s%" PRIu32 "\n", "cluster:", n->cluster);
	printf("%-14s%" PRIu64 "\n", "incarnation:", n->incarnation);
	printf("%-14s%" PRIu32 "\n", "peers:", n->peers);
	printf("%-14s%" PRIu64 "\n", "event seq:", n->event_seq);
	print_counters("drops:", n->drops, __HB_DROP_MAX, hb_drop_name, true);
	if (n->has_objects)
		print_counters("objects:", n->objects, __HB_OBJ_MAX,
			       hb_obj_name, false);
}

static int node_show(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct hb_node node;
	struct json j;
	struct hb_nl nl;
	int err;

	if (argc)
		return hbctl_usage("node show: unexpected argument '%s'", argv[0]);
	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	err = node_get(&nl, &node);
	if (err) {
		hb_nl_perror(&nl, err);
		hb_nl_close(&nl);
		return HBCTL_FAIL;
	}
	hb_nl_close(&nl);
	if (opts->json) {
		json_init(&j, stdout);
		hb_node_json(&j, NULL, &node);
		putchar('\n');
	} else {
		node_print(&node);
	}
	return HBCTL_OK;
}

static const struct hbctl_cmd node_cmds[] = {
	{ "set",	node_set,	"node set [id|port|cluster <value>]..." },
	{ "show",	node_show,	"node show" },
	{ NULL, NULL, NULL }
};

/**
 * cmd_node() - "hbctl node ...": without a subcommand, "node show"
 * @argc: number of arguments after "node"
 * @argv: the arguments
 * @opts: global options
 *
 * Return: the exit status.
 */
int cmd_node(int argc, char **argv, const struct hbctl_opts *opts)
{
	if (!argc)
		return node_show(0, argv, opts);
	return hbctl_dispatch(node_cmds, "node", argc, argv, opts);
}
