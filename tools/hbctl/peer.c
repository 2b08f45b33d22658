// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: "peer add", "peer set", "peer del", and reading peers back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hbctl.h"
#include "model.h"
#include "nl.h"
#include "parse.h"

/**
 * struct peer_cfg - the attributes of a PEER_ADD / PEER_SET / PEER_DEL
 * @id: peer id
 * @has_addr: @addr was given
 * @addr: address
 * @has_port: @port was given
 * @port: UDP port
 * @has_interval: @interval_us was given
 * @interval_us: heartbeat interval
 * @has_mult: @mult was given
 * @mult: detection multiplier
 */
struct peer_cfg {
	uint32_t id;
	bool has_addr;
	struct hb_ip addr;
	bool has_port;
	uint16_t port;
	bool has_interval;
	uint32_t interval_us;
	bool has_mult;
	uint8_t mult;
};

static int peer_addr_opt(struct peer_cfg *cfg, const char *cmd,
			 const char *key, const char *val)
{
	const char *why;
	int ret;

	ret = hbctl_option(cmd, key, val, &cfg->has_addr);
	if (!ret && parse_ip(val, &cfg->addr, &why))
		ret = hbctl_bad_value("address", val, why);
	return ret;
}

/* Parse one "<keyword> <value>" pair of "peer add" or "peer set". */
static int peer_opt(struct peer_cfg *cfg, const char *cmd, const char *key,
		    const char *val)
{
	const char *why;
	int ret;

	if (!strcmp(key, "address")) {
		ret = peer_addr_opt(cfg, cmd, key, val);
	} else if (!strcmp(key, "port")) {
		ret = hbctl_option(cmd, key, val, &cfg->has_port);
		if (!ret && parse_port(val, &cfg->port, &why))
			ret = hbctl_bad_value("port", val, why);
	} else if (!strcmp(key, "interval")) {
		ret = hbctl_option(cmd, key, val, &cfg->has_interval);
		if (!ret && parse_interval_us(val, &cfg->interval_us, &why))
			ret = hbctl_bad_value("interval", val, why);
	} else if (!strcmp(key, "multiplier")) {
		ret = hbctl_option(cmd, key, val, &cfg->has_mult);
		if (!ret && parse_multiplier(val, &cfg->mult, &why))
			ret = hbctl_bad_value("multiplier", val, why);
	} else {
		ret = hbctl_usage("%s: unknown option '%s'", cmd, key);
	}
	return ret;
}

static int peer_opts(struct peer_cfg *cfg, const char *cmd, int argc,
		     char **argv)
{
	const char *key, *val;
	char buf[32];
	int i, ret;

	for (i = 0; i < argc; i += 2) {
		key = argv[i];
		val = hbctl_pair_value(argc, argv, &i, buf, sizeof(buf));
		ret = peer_opt(cfg, cmd, key, val);
		if (ret)
			return ret;
	}
	return HBCTL_OK;
}

static int peer_id_arg(struct peer_cfg *cfg, const char *cmd, int argc,
		       char **argv)
{
	const char *why;

	if (!argc)
		return hbctl_usage("%s: missing peer id", cmd);
	if (parse_id(argv[0], &cfg->id, &why))
		return hbctl_bad_value("peer id", argv[0], why);
	return HBCTL_OK;
}

static int put_addr(struct nl_msg *msg, const struct hb_ip *ip)
{
	if (ip->family == AF_INET)
		return nla_put(msg, HB_PEER_A_ADDR4, sizeof(ip->v4), &ip->v4);
	return nla_put(msg, HB_PEER_A_ADDR6, sizeof(ip->v6), &ip->v6);
}

static int put_peer(struct nl_msg *msg, const struct peer_cfg *cfg)
{
	struct nlattr *nest;

	nest = nla_nest_start(msg, HB_A_PEER);
	if (!nest || nla_put_u32(msg, HB_PEER_A_ID, cfg->id))
		return -EMSGSIZE;
	if (cfg->has_addr && put_addr(msg, &cfg->addr))
		return -EMSGSIZE;
	if (cfg->has_port && nla_put_u16(msg, HB_PEER_A_PORT, cfg->port))
		return -EMSGSIZE;
	if (cfg->has_interval &&
	    nla_put_u32(msg, HB_PEER_A_INTERVAL_US, cfg->interval_us))
		return -EMSGSIZE;
	if (cfg->has_mult && nla_put_u8(msg, HB_PEER_A_MULTIPLIER, cfg->mult))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Send @cmd for @cfg and wait for the kernel's answer; report failures. */
static int peer_send(uint8_t cmd, const struct peer_cfg *cfg)
{
	struct nl_msg *msg;
	struct hb_nl nl;
	int err = -ENOMEM;

	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	msg = hb_nl_msg(&nl, cmd, 0);
	if (msg && put_peer(msg, cfg)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (msg)
		err = hb_nl_request(&nl, msg, NULL, NULL);
	if (err)
		hb_nl_perror(&nl, err);
	hb_nl_close(&nl);
	return err ? HBCTL_FAIL : HBCTL_OK;
}

static int peer_add(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct peer_cfg cfg = { .has_addr = false };
	int ret;

	(void)opts;
	ret = peer_id_arg(&cfg, "peer add", argc, argv);
	if (ret)
		return ret;
	argc--;
	argv++;
	/* "peer add 3 10.0.0.3 ..." or "peer add 3 address 10.0.0.3 ..." */
	if (argc && strcmp(argv[0], "address")) {
		ret = peer_addr_opt(&cfg, "peer add", "address", argv[0]);
		argc--;
		argv++;
	}
	if (!ret)
		ret = peer_opts(&cfg, "peer add", argc, argv);
	if (!ret && !cfg.has_addr)
		ret = hbctl_usage("peer add: missing address");
	if (ret)
		return ret;
	return peer_send(HB_CMD_PEER_ADD, &cfg);
}

static int peer_set(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct peer_cfg cfg = { .has_addr = false };
	int ret;

	(void)opts;
	ret = peer_id_arg(&cfg, "peer set", argc, argv);
	if (ret)
		return ret;
	if (argc == 1)
		return hbctl_usage("peer set: nothing to set (address, port, interval, multiplier)");
	ret = peer_opts(&cfg, "peer set", argc - 1, argv + 1);
	if (ret)
		return ret;
	return peer_send(HB_CMD_PEER_SET, &cfg);
}

static int peer_del(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct peer_cfg cfg = { .has_addr = false };
	int ret;

	(void)opts;
	ret = peer_id_arg(&cfg, "peer del", argc, argv);
	if (ret)
		return ret;
	if (argc > 1)
		return hbctl_usage("peer del: unexpected argument '%s'", argv[1]);
	return peer_send(HB_CMD_PEER_DEL, &cfg);
}

static int peer_reply(uint8_t cmd, struct nlattr **tb, void *arg)
{
	(void)cmd;
	if (!tb[HB_A_PEER])
		return -EBADMSG;
	return hb_peer_decode(tb[HB_A_PEER], arg);
}

/**
 * peer_get() - read one peer
 * @nl: an open socket
 * @id: the peer id
 * @peer: where to store the peer
 *
 * Return: 0 or a negative errno (not printed; -ENOENT for an unknown id).
 */
int peer_get(struct hb_nl *nl, uint32_t id, struct hb_peer *peer)
{
	struct peer_cfg cfg = { .id = id };
	struct nl_msg *msg;
	int err;

	memset(peer, 0, sizeof(*peer));
	msg = hb_nl_msg(nl, HB_CMD_PEER_GET, 0);
	if (!msg)
		return -ENOMEM;
	if (put_peer(msg, &cfg)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	err = hb_nl_request(nl, msg, peer_reply, peer);
	if (!err && peer->id != id)
		err = -EBADMSG;	/* acknowledged without the peer */
	return err;
}

static int peer_list_add(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct peer_list *list = arg;
	struct hb_peer *p;
	size_t size;

	if (list->count == list->size) {
		size = list->size ? 2 * list->size : 64;
		p = realloc(list->peers, size * sizeof(*p));
		if (!p)
			return -ENOMEM;
		list->peers = p;
		list->size = size;
	}
	if (peer_reply(cmd, tb, &list->peers[list->count]))
		return -EBADMSG;
	list->count++;
	return 0;
}

static void peer_list_reset(void *arg)
{
	struct peer_list *list = arg;

	list->count = 0;
}

static int peer_cmp(const void *a, const void *b)
{
	const struct hb_peer *pa = a, *pb = b;

	return (pa->id > pb->id) - (pa->id < pb->id);
}

/**
 * peer_dump() - read every peer, sorted by id
 * @nl: an open socket
 * @list: an empty list to fill; free it with peer_list_free() in any case
 *
 * Return: 0 or a negative errno (not printed).
 */
int peer_dump(struct hb_nl *nl, struct peer_list *list)
{
	int err;

	err = hb_nl_dump(nl, HB_CMD_PEER_GET, peer_list_add, peer_list_reset,
			 list);
	if (!err && list->count)
		qsort(list->peers, list->count, sizeof(*list->peers), peer_cmp);
	return err;
}

/**
 * peer_list_free() - release what peer_dump() collected
 * @list: the list; it is left empty
 */
void peer_list_free(struct peer_list *list)
{
	free(list->peers);
	memset(list, 0, sizeof(*list));
}

static const struct hbctl_cmd peer_cmds[] = {
	{ "add",	peer_add,	"peer add <id> <address> [options]" },
	{ "set",	peer_set,	"peer set <id> [options]" },
	{ "del",	peer_del,	"peer del <id>" },
	{ NULL, NULL, NULL }
};

/**
 * cmd_peer() - "hbctl peer ..."
 * @argc: number of arguments after "peer"
 * @argv: the arguments
 * @opts: global options
 *
 * Return: the exit status.
 */
int cmd_peer(int argc, char **argv, const struct hbctl_opts *opts)
{
	if (!argc)
		return hbctl_usage("peer: missing command (add, set, del)");
	return hbctl_dispatch(peer_cmds, "peer", argc, argv, opts);
}
