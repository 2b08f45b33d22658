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

/* Parse one "<keyword> <value>" pair of "node set" that sets the node. */
static int node_base_opt(struct node_cfg *cfg, const char *key,
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
	} else if (!strcmp(key, "mode")) {
		ret = hbctl_option("node set", key, val, &cfg->has_mode);
		if (!ret && hb_mode_parse(val, &cfg->mode, &why))
			ret = hbctl_bad_value("mode", val, why);
	} else if (!strcmp(key, "leader")) {
		ret = hbctl_option("node set", key, val, &cfg->has_leaders);
		if (!ret && parse_leaders(val, cfg->leaders, &cfg->nr_leaders,
					  &why))
			ret = hbctl_bad_value("leader", val, why);
	} else if (!strcmp(key, "auth")) {
		ret = hbctl_option("node set", key, val, &cfg->has_auth);
		if (!ret && parse_on_off(val, &cfg->auth, &why))
			ret = hbctl_bad_value("auth", val, why);
	} else {
		ret = -ENOENT;
	}
	return ret;
}

/* Parse one "<keyword> <value>" pair of "node set" for learned peers. */
static int node_learn_opt(struct node_cfg *cfg, const char *key,
			  const char *val)
{
	const char *why;
	int ret;

	if (!strcmp(key, "learn")) {
		ret = hbctl_option("node set", key, val, &cfg->has_learn);
		if (!ret && parse_on_off(val, &cfg->learn, &why))
			ret = hbctl_bad_value("learn", val, why);
	} else if (!strcmp(key, "monitors")) {
		ret = hbctl_option("node set", key, val, &cfg->has_monitors);
		if (!ret && parse_monitors(val, &cfg->monitors, &why))
			ret = hbctl_bad_value("monitors", val, why);
	} else if (!strcmp(key, "interval")) {
		ret = hbctl_option("node set", key, val, &cfg->has_interval);
		if (!ret && parse_interval_us(val, &cfg->interval_us, &why))
			ret = hbctl_bad_value("interval", val, why);
	} else if (!strcmp(key, "multiplier")) {
		ret = hbctl_option("node set", key, val, &cfg->has_mult);
		if (!ret && parse_multiplier(val, &cfg->mult, &why))
			ret = hbctl_bad_value("multiplier", val, why);
	} else if (!strcmp(key, "learn-limit")) {
		ret = hbctl_option("node set", key, val,
				   &cfg->has_learn_limit);
		if (!ret && parse_learn_limit(val, &cfg->learn_limit, &why))
			ret = hbctl_bad_value("learn limit", val, why);
	} else if (!strcmp(key, "max-detect")) {
		ret = hbctl_option("node set", key, val,
				   &cfg->has_max_detect);
		if (!ret &&
		    parse_max_detect_ms(val, &cfg->max_detect_ms, &why))
			ret = hbctl_bad_value("max-detect", val, why);
	} else if (!strcmp(key, "dscp")) {
		ret = hbctl_option("node set", key, val, &cfg->has_dscp);
		if (!ret && parse_dscp(val, &cfg->dscp, &why))
			ret = hbctl_bad_value("dscp", val, why);
	} else if (!strcmp(key, "learn-age")) {
		ret = hbctl_option("node set", key, val, &cfg->has_learn_age);
		if (!ret && parse_learn_age_ms(val, &cfg->learn_age_ms, &why))
			ret = hbctl_bad_value("learn age", val, why);
	} else {
		ret = hbctl_usage("node set: unknown option '%s'", key);
	}
	return ret;
}

/**
 * node_set_parse() - read the arguments of "node set"
 * @argc: number of arguments after "set"
 * @argv: the arguments, "<keyword> <value>" pairs in any order
 * @cfg: where to store what they ask for
 *
 * Return: HBCTL_OK, or HBCTL_USAGE (reported) for no arguments, an unknown
 * keyword, a keyword given twice or without a value, or a bad value.
 */
int node_set_parse(int argc, char **argv, struct node_cfg *cfg)
{
	const char *val;
	char buf[32];
	int i, ret;

	memset(cfg, 0, sizeof(*cfg));
	if (!argc)
		return hbctl_usage("node set: nothing to set (id, port, cluster, mode, leader, auth, ...)");
	for (i = 0; i < argc; i += 2) {
		const char *key = argv[i];

		val = hbctl_pair_value(argc, argv, &i, buf, sizeof(buf));
		ret = node_base_opt(cfg, key, val);
		if (ret == -ENOENT)
			ret = node_learn_opt(cfg, key, val);
		if (ret)
			return ret;
	}
	return HBCTL_OK;
}

/*
 * HB_A_NODE_LEADERS: a nest of HB_LIST_A_ID.  An empty list is sent as an
 * empty nest, which libnl's nla_nest_end() would drop.
 */
static int put_leaders(struct nl_msg *msg, const struct node_cfg *cfg)
{
	struct nlattr *nest;
	unsigned int i;

	if (!cfg->nr_leaders)
		return nla_put(msg, HB_A_NODE_LEADERS | NLA_F_NESTED, 0, NULL);
	nest = nla_nest_start(msg, HB_A_NODE_LEADERS | NLA_F_NESTED);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < cfg->nr_leaders; i++)
		if (nla_put_u32(msg, HB_LIST_A_ID, cfg->leaders[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
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
	if (cfg->has_mode && nla_put_u8(msg, HB_A_NODE_MODE, cfg->mode))
		return -EMSGSIZE;
	if (cfg->has_leaders && put_leaders(msg, cfg))
		return -EMSGSIZE;
	if (cfg->has_learn && nla_put_u8(msg, HB_A_NODE_LEARN, cfg->learn))
		return -EMSGSIZE;
	if (cfg->has_monitors &&
	    nla_put_u8(msg, HB_A_NODE_MONITORS, cfg->monitors))
		return -EMSGSIZE;
	if (cfg->has_interval &&
	    nla_put_u32(msg, HB_A_NODE_INTERVAL_US, cfg->interval_us))
		return -EMSGSIZE;
	if (cfg->has_mult && nla_put_u8(msg, HB_A_NODE_MULTIPLIER, cfg->mult))
		return -EMSGSIZE;
	if (cfg->has_learn_limit &&
	    nla_put_u32(msg, HB_A_NODE_LEARN_LIMIT, cfg->learn_limit))
		return -EMSGSIZE;
	if (cfg->has_learn_age &&
	    nla_put_u32(msg, HB_A_NODE_LEARN_AGE_MS, cfg->learn_age_ms))
		return -EMSGSIZE;
	if (cfg->has_auth && nla_put_u8(msg, HB_A_NODE_AUTH, cfg->auth))
		return -EMSGSIZE;
	if (cfg->restart && nla_put_flag(msg, HB_A_NODE_RESTART))
		return -EMSGSIZE;
	if (cfg->has_max_detect &&
	    nla_put_u32(msg, HB_A_NODE_MAX_DETECT_MS, cfg->max_detect_ms))
		return -EMSGSIZE;
	if (cfg->has_dscp && nla_put_u8(msg, HB_A_NODE_DSCP, cfg->dscp))
		return -EMSGSIZE;
	return 0;
}

/**
 * node_set_request() - send HB_CMD_NODE_SET for @cfg and wait for the ack
 * @nl: an open socket
 * @cfg: what to set
 *
 * Return: 0 or a negative errno (not printed; the kernel's message is in
 * nl->ext_msg).
 */
int node_set_request(struct hb_nl *nl, const struct node_cfg *cfg)
{
	struct nl_msg *msg;

	msg = hb_nl_msg(nl, HB_CMD_NODE_SET, 0);
	if (!msg)
		return -ENOMEM;
	if (node_set_put(msg, cfg)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return hb_nl_request(nl, msg, NULL, NULL);
}

static int node_set(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct node_cfg cfg;
	struct hb_nl nl;
	int ret;

	(void)opts;
	ret = node_set_parse(argc, argv, &cfg);
	if (ret)
		return ret;
	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	ret = node_set_request(&nl, &cfg);
	if (ret == -ENOKEY && !nl.ext_msg[0])
		fprintf(stderr, "hbctl: authentication needs a primary key: add one with 'hbctl key add <key-id> file <path> primary'\n");
	else if (ret)
		hb_nl_perror(&nl, ret);
	hb_nl_close(&nl);
	return ret ? HBCTL_FAIL : HBCTL_OK;
}

/*
 * "node restart": a new incarnation, every setting kept; the peers raise
 * RESTARTED.
 */
static int node_restart(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct node_cfg cfg;
	struct hb_nl nl;
	int ret;

	(void)opts;
	if (argc)
		return hbctl_usage("node restart: unexpected argument '%s'",
				   argv[0]);
	memset(&cfg, 0, sizeof(cfg));
	cfg.restart = true;
	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	ret = node_set_request(&nl, &cfg);
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

/* "nets 1, peers 2, ...": the live objects the kernel reported. */
static void print_objects(const struct hb_node *n)
{
	bool any = false;
	unsigned int i;

	printf("%-14s", "objects:");
	for (i = 0; i < HB_NODE_OBJS; i++) {
		if (!(n->objects_mask & (1U << i)) ||
		    !strcmp(hb_obj_name(i), "invalid"))
			continue;
		printf("%s%s %" PRIu64, any ? ", " : "", hb_obj_name(i),
		       n->objects[i]);
		any = true;
	}
	printf("%s\n", any ? "" : "none");
}

/**
 * node_mode_str() - the mode of a node for humans
 * @n: the node
 * @buf: where to print it
 * @len: size of @buf, NODE_STRLEN is enough
 *
 * Return: @buf: the configured mode, and the one in force when it differs
 * ("member (fallback: leaderless)").
 */
char *node_mode_str(const struct hb_node *n, char *buf, size_t len)
{
	const char *mode = hb_mode_name(n->mode);

	if (n->effective_mode == n->mode)
		snprintf(buf, len, "%s", mode);
	else if (n->mode == HB_MODE_MEMBER)
		snprintf(buf, len, "%s (fallback: %s)", mode,
			 hb_mode_name(n->effective_mode));
	else
		snprintf(buf, len, "%s (in force: %s)", mode,
			 hb_mode_name(n->effective_mode));
	return buf;
}

/**
 * node_leaders_str() - the leaders of a node and the one it follows
 * @n: the node
 * @buf: where to print it
 * @len: size of @buf, NODE_STRLEN is enough
 *
 * Return: @buf: "none", "2,3 (following 2)" or "2,3 (following none)".
 */
char *node_leaders_str(const struct hb_node *n, char *buf, size_t len)
{
	char ids[NODE_STRLEN] = "none";
	unsigned int i;
	size_t used = 0;

	for (i = 0; i < n->nr_leaders && used < sizeof(ids); i++)
		used += snprintf(ids + used, sizeof(ids) - used, "%s%" PRIu32,
				 i ? "," : "", n->leaders[i]);
	if (n->has_leader)
		snprintf(buf, len, "%s (following %" PRIu32 ")", ids,
			 n->leader);
	else if (n->nr_leaders)
		snprintf(buf, len, "%s (following none)", ids);
	else
		snprintf(buf, len, "none");
	return buf;
}

/**
 * node_auth_str() - the authentication settings of a node for humans
 * @n: the node
 * @buf: where to print it
 * @len: size of @buf, NODE_STRLEN is enough
 *
 * Return: @buf: "on, primary key 2, 2 keys", "off, no key",
 * "off, no primary key, 1 key", with ", N frames not sent (no usable key)"
 * when the node could not sign some.
 */
char *node_auth_str(const struct hb_node *n, char *buf, size_t len)
{
	char primary[24], unsent[64] = "";

	if (n->primary_key)
		snprintf(primary, sizeof(primary), "primary key %u",
			 n->primary_key);
	else
		snprintf(primary, sizeof(primary), "no primary key");
	if (n->tx_no_key)
		snprintf(unsent, sizeof(unsent),
			 ", %" PRIu64 " frame%s not sent (no usable key)",
			 n->tx_no_key, n->tx_no_key == 1 ? "" : "s");
	if (!n->keys && !n->primary_key)
		snprintf(buf, len, "%s, no key%s", n->auth ? "on" : "off",
			 unsent);
	else
		snprintf(buf, len, "%s, %s, %" PRIu32 " key%s%s",
			 n->auth ? "on" : "off", primary, n->keys,
			 n->keys == 1 ? "" : "s", unsent);
	return buf;
}

/* The cluster mode lines of node_print(). */
static void node_print_modes(const struct hb_node *n)
{
	char buf[NODE_STRLEN], dur[DURATION_STRLEN];

	printf("%-14s%s\n", "mode:", node_mode_str(n, buf, sizeof(buf)));
	printf("%-14s%s\n", "leaders:", node_leaders_str(n, buf, sizeof(buf)));
	printf("%-14s%s, %" PRIu32 "/%" PRIu32 " learned\n", "learn:",
	       n->learn ? "on" : "off", n->learned, n->learn_limit);
	/* A module that reports no learn age reports no ticks either. */
	if (n->learn_age_ms)
		printf("%-14s%s DOWN\n", "forget after:",
		       format_duration_us((uint64_t)n->learn_age_ms * 1000,
					  dur, sizeof(dur)));
	printf("%-14s%u\n", "monitors:", n->monitors);
	printf("%-14s%s\n", "interval:",
	       format_duration_us(n->interval_us, dur, sizeof(dur)));
	printf("%-14s%u\n", "multiplier:", n->multiplier);
	if (n->has_max_detect)
		printf("%-14s%s\n", "max detect:",
		       format_duration_us(n->max_detect_ms * 1000ULL, dur,
					  sizeof(dur)));
	if (n->has_dscp && n->dscp % 8 == 0)
		printf("%-14s%u (cs%u)\n", "dscp:", n->dscp, n->dscp / 8);
	else if (n->has_dscp)
		printf("%-14s%u\n", "dscp:", n->dscp);
	if (n->has_budget)
		printf("%-14s%" PRIu32 "/%" PRIu32 " peers, %" PRIu32 "/%" PRIu32
		       " beats/s (user namespace)\n", "budget:", n->peers,
		       n->budget_peers, n->beats, n->budget_beats);
	else if (n->has_beats)
		printf("%-14s%" PRIu32 " beats/s, no budget\n", "budget:",
		       n->beats);
	printf("%-14s%" PRIu32 " peer%s\n", "sends to:", n->sending,
	       n->sending == 1 ? "" : "s");
	printf("%-14s%" PRIu32 " peer%s\n", "watches:", n->watching,
	       n->watching == 1 ? "" : "s");
	printf("%-14s%" PRIu32 "\n", "epoch:", n->epoch);
	if (n->learn_age_ms)
		printf("%-14s%" PRIu64 "\n", "ticks:", n->ticks);
	if (n->has_deferred)
		printf("%-14s%" PRIu64 "\n", "deferred:", n->deferred);
}

/**
 * node_print() - print a node for humans, one field a line
 * @n: the node
 */
void node_print(const struct hb_node *n)
{
	char buf[NODE_STRLEN];

	if (n->configured)
		printf("%-14s%" PRIu32 "\n", "node id:", n->id);
	else
		printf("%-14s%s\n", "node id:", "none (not configured)");
	printf("%-14s%" PRIu16 "\n", "port:", n->port);
	printf("%-14s%" PRIu32 "\n", "cluster:", n->cluster);
	printf("%-14s%" PRIu64 "\n", "incarnation:", n->incarnation);
	printf("%-14s%" PRIu32 "\n", "peers:", n->peers);
	printf("%-14s%" PRIu64 "\n", "event seq:", n->event_seq);
	if (n->has_modes)
		node_print_modes(n);
	if (n->has_auth)
		printf("%-14s%s\n", "auth:", node_auth_str(n, buf, sizeof(buf)));
	print_counters("drops:", n->drops, __HB_DROP_MAX, hb_drop_name, true);
	if (n->has_objects)
		print_objects(n);
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
	{ "set",	node_set,	"node set [<keyword> <value>]..." },
	{ "show",	node_show,	"node show" },
	{ "restart",	node_restart,	"node restart" },
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
