// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: "setconf", "syncconf", "showconf" and "flush": configuration
 * files against the running kernel.
 *
 * The file is parsed and checked whole, and every key file read, before
 * anything is asked of the kernel.  The running configuration is then read
 * back into the same struct conf, the two are compared, and only the
 * differences are sent, in an order that the kernel accepts at every
 * step:
 *
 *   1. keys the file adds (read from their KeyFile)
 *   2. the file's primary key, when another one is primary
 *   3. peers the file removes (and, for setconf, peers it changes)
 *   4. node settings, when one differs
 *   5. peers the file changes (syncconf: "peer set" of what differs)
 *   6. peers the file adds (setconf: and the changed ones, afresh)
 *   7. keys the file removes (after 4 turned auth off where asked)
 *
 * A file equal to the running configuration sends no request at all, so
 * nothing raises an event.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "model.h"
#include "nl.h"
#include "secret.h"

/**
 * struct conf_run - the running configuration, as a file would hold it
 * @c: node, configured peers and keys (keys without a path)
 * @configured: the node has an id
 * @others: ids of peers that are not configured ones (learned)
 * @nr_others: number of @others
 */
struct conf_run {
	struct conf c;
	bool configured;
	uint32_t *others;
	size_t nr_others;
};

static void conf_run_free(struct conf_run *r)
{
	conf_free(&r->c);
	free(r->others);
	r->others = NULL;
}

static int conf_run_node(struct conf_run *r, const struct hb_node *n)
{
	struct node_cfg *cfg = &r->c.node;

	r->configured = n->configured;
	if (!n->configured)
		return 0;
	cfg->id = n->id;
	cfg->port = n->port;
	cfg->cluster = n->cluster;
	if (n->has_modes) {
		cfg->mode = n->mode;
		memcpy(cfg->leaders, n->leaders, sizeof(cfg->leaders));
		cfg->nr_leaders = n->nr_leaders;
		cfg->learn = n->learn;
		cfg->monitors = n->monitors;
		cfg->interval_us = n->interval_us;
		cfg->mult = n->multiplier;
		cfg->learn_limit = n->learn_limit;
		cfg->learn_age_ms = n->learn_age_ms;
		if (n->has_max_detect)
			cfg->max_detect_ms = n->max_detect_ms;
		if (n->has_dscp)
			cfg->dscp = n->dscp;
	}
	cfg->auth = n->has_auth && n->auth;
	return 0;
}

static int conf_run_peers(struct conf_run *r, const struct peer_list *list)
{
	struct conf_peer *p;
	size_t i;

	r->c.peers = calloc(list->count ? list->count : 1, sizeof(*p));
	r->others = calloc(list->count ? list->count : 1, sizeof(uint32_t));
	if (!r->c.peers || !r->others)
		return -ENOMEM;
	r->c.size_peers = list->count;
	for (i = 0; i < list->count; i++) {
		if (list->peers[i].origin != HB_ORIGIN_CONFIGURED) {
			r->others[r->nr_others++] = list->peers[i].id;
			continue;
		}
		p = &r->c.peers[r->c.nr_peers++];
		p->id = list->peers[i].id;
		p->addr = list->peers[i].addr;
		p->port = list->peers[i].port;
		p->interval_us = list->peers[i].interval_us;
		p->mult = list->peers[i].multiplier;
	}
	return 0;
}

/*
 * Read what the kernel runs into @r.  Keys need CAP_NET_ADMIN: a refusal
 * is an error (-EPERM), as a file without them would delete them.
 */
static int conf_run_read(struct hb_nl *nl, struct conf_run *r)
{
	struct key_list keys = { .count = 0 };
	struct peer_list peers = { .count = 0 };
	struct hb_node node;
	unsigned int i;
	int err;

	memset(r, 0, sizeof(*r));
	conf_defaults(&r->c);
	err = node_get(nl, &node);
	if (!err)
		err = conf_run_node(r, &node);
	if (!err)
		err = peer_dump(nl, &peers);
	if (!err)
		err = conf_run_peers(r, &peers);
	if (!err)
		err = key_dump(nl, &keys);
	for (i = 0; !err && i < keys.count && i < HEARTBEAT_MAX_KEYS; i++) {
		r->c.keys[i].id = keys.keys[i].id;
		r->c.keys[i].primary = keys.keys[i].primary;
		r->c.nr_keys++;
	}
	peer_list_free(&peers);
	key_list_free(&keys);
	return err;
}

static const struct conf_peer *conf_find_peer(const struct conf *c,
					      uint32_t id)
{
	size_t i;

	for (i = 0; i < c->nr_peers; i++)
		if (c->peers[i].id == id)
			return &c->peers[i];
	return NULL;
}

static const struct conf_key *conf_find_key(const struct conf *c, uint8_t id)
{
	unsigned int i;

	for (i = 0; i < c->nr_keys; i++)
		if (c->keys[i].id == id)
			return &c->keys[i];
	return NULL;
}

static bool ip_equal(const struct hb_ip *a, const struct hb_ip *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

/* Set in @d the settings of @want that differ from @have. */
static bool peer_diff(const struct conf_peer *want,
		      const struct conf_peer *have, struct conf_peer *d,
		      bool *addr, bool *port, bool *ival, bool *mult)
{
	*d = *want;
	*addr = !ip_equal(&want->addr, &have->addr);
	*port = want->port != have->port;
	*ival = want->interval_us != have->interval_us;
	*mult = want->mult != have->mult;
	return *addr || *port || *ival || *mult;
}

/*
 * Set in @d (every has_* flag clear at first) the node settings of @want
 * that differ from @have; all of them when @have is not configured.
 */
static bool node_diff(const struct node_cfg *want, const struct conf_run *have,
		      struct node_cfg *d)
{
	const struct node_cfg *h = &have->c.node;
	bool all = !have->configured;

	memset(d, 0, sizeof(*d));
	d->has_id = all || want->id != h->id;
	d->id = want->id;
	d->has_port = all || want->port != h->port;
	d->port = want->port;
	d->has_cluster = all || want->cluster != h->cluster;
	d->cluster = want->cluster;
	d->has_mode = all || want->mode != h->mode;
	d->mode = want->mode;
	d->has_leaders = all || want->nr_leaders != h->nr_leaders ||
			 memcmp(want->leaders, h->leaders,
				want->nr_leaders * sizeof(want->leaders[0]));
	memcpy(d->leaders, want->leaders, sizeof(d->leaders));
	d->nr_leaders = want->nr_leaders;
	d->has_learn = all || want->learn != h->learn;
	d->learn = want->learn;
	d->has_monitors = all || want->monitors != h->monitors;
	d->monitors = want->monitors;
	d->has_interval = all || want->interval_us != h->interval_us;
	d->interval_us = want->interval_us;
	d->has_mult = all || want->mult != h->mult;
	d->mult = want->mult;
	d->has_learn_limit = all || want->learn_limit != h->learn_limit;
	d->learn_limit = want->learn_limit;
	d->has_max_detect = all || want->max_detect_ms != h->max_detect_ms;
	d->max_detect_ms = want->max_detect_ms;
	d->has_learn_age = all || want->learn_age_ms != h->learn_age_ms;
	d->learn_age_ms = want->learn_age_ms;
	d->has_dscp = all || want->dscp != h->dscp;
	d->dscp = want->dscp;
	d->has_auth = all || want->auth != h->auth;
	d->auth = want->auth;
	return d->has_id || d->has_port || d->has_cluster || d->has_mode ||
	       d->has_leaders || d->has_learn || d->has_monitors ||
	       d->has_interval || d->has_mult || d->has_learn_limit ||
	       d->has_max_detect || d->has_learn_age ||
	       d->has_dscp || d->has_auth;
}

static int put_peer_addr(struct nl_msg *msg, const struct hb_ip *ip)
{
	if (ip->family == AF_INET)
		return nla_put(msg, HB_PEER_A_ADDR4, sizeof(ip->v4), &ip->v4);
	return nla_put(msg, HB_PEER_A_ADDR6, sizeof(ip->v6), &ip->v6);
}

/*
 * Send one peer request: PEER_DEL with the id only, PEER_ADD with every
 * setting, PEER_SET with those flagged in @what (bits: address, port,
 * interval, multiplier).
 */
static int conf_peer_send(struct hb_nl *nl, uint8_t cmd,
			  const struct conf_peer *p, unsigned int what)
{
	struct nlattr *nest;
	struct nl_msg *msg;

	msg = hb_nl_msg(nl, cmd, 0);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, HB_A_PEER);
	if (!nest || nla_put_u32(msg, HB_PEER_A_ID, p->id) ||
	    ((what & 1) && put_peer_addr(msg, &p->addr)) ||
	    ((what & 2) && nla_put_u16(msg, HB_PEER_A_PORT, p->port)) ||
	    ((what & 4) &&
	     nla_put_u32(msg, HB_PEER_A_INTERVAL_US, p->interval_us)) ||
	    ((what & 8) && nla_put_u8(msg, HB_PEER_A_MULTIPLIER, p->mult))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	return hb_nl_request(nl, msg, NULL, NULL);
}

static int conf_peer_req(struct hb_nl *nl, uint8_t cmd,
			 const struct conf_peer *p, unsigned int what,
			 unsigned int *changes)
{
	static const char *const names[] = {
		[HB_CMD_PEER_ADD] = "peer add", [HB_CMD_PEER_SET] = "peer set",
		[HB_CMD_PEER_DEL] = "peer del",
	};
	int err;

	err = conf_peer_send(nl, cmd, p, what);
	if (err) {
		fprintf(stderr, "hbctl: %s %" PRIu32 ": %s\n", names[cmd], p->id,
			nl->ext_msg[0] ? nl->ext_msg : strerror(-err));
		return err;
	}
	(*changes)++;
	return 0;
}

/* Steps 1 and 2: keys the file adds, and its primary key. */
static int conf_apply_keys(struct hb_nl *nl, const struct conf *c,
			   const struct conf_run *r, unsigned int *changes)
{
	const struct conf_key *k, *have;
	struct key_cfg kc;
	unsigned int i;

	for (i = 0; i < c->nr_keys; i++) {
		k = &c->keys[i];
		if (conf_find_key(&r->c, k->id))
			continue;
		kc = (struct key_cfg){ .id = k->id, .primary = k->primary };
		if (key_add_send(nl, &kc, k->secret))
			return -EIO;
		(*changes)++;
	}
	for (i = 0; i < c->nr_keys; i++) {
		k = &c->keys[i];
		have = conf_find_key(&r->c, k->id);
		if (!k->primary || !have || have->primary)
			continue;
		kc = (struct key_cfg){ .id = k->id, .primary = true };
		if (key_set_send(nl, HB_CMD_KEY_SET, &kc))
			return -EIO;
		(*changes)++;
	}
	return 0;
}

/* Step 3: peers that go (and, for setconf, those re-added afresh). */
static int conf_apply_del(struct hb_nl *nl, const struct conf *c,
			  const struct conf_run *r, enum conf_mode mode,
			  unsigned int *changes)
{
	const struct conf_peer *have, *want;
	struct conf_peer d = { .id = 0 };
	bool a, p, i, m;
	size_t n;
	int err;

	for (n = 0; n < r->c.nr_peers; n++) {
		have = &r->c.peers[n];
		want = conf_find_peer(c, have->id);
		if (want && (mode == CONF_SYNC ||
			     !peer_diff(want, have, &d, &a, &p, &i, &m)))
			continue;
		err = conf_peer_req(nl, HB_CMD_PEER_DEL, have, 0, changes);
		if (err)
			return err;
	}
	/* A learned peer that the file configures makes room for it. */
	for (n = 0; n < r->nr_others; n++) {
		d.id = r->others[n];
		if (!conf_find_peer(c, d.id))
			continue;
		err = conf_peer_req(nl, HB_CMD_PEER_DEL, &d, 0, changes);
		if (err && err != -ENOENT)
			return err;
	}
	return 0;
}

/* Steps 5 and 6: peers that change and peers that come. */
static int conf_apply_peers(struct hb_nl *nl, const struct conf *c,
			    const struct conf_run *r, enum conf_mode mode,
			    unsigned int *changes)
{
	const struct conf_peer *have, *want;
	bool a, p, i, m;
	struct conf_peer d;
	size_t n;
	int err;

	for (n = 0; n < c->nr_peers; n++) {
		want = &c->peers[n];
		have = conf_find_peer(&r->c, want->id);
		if (have && !peer_diff(want, have, &d, &a, &p, &i, &m))
			continue;
		if (have && mode == CONF_SYNC)
			err = conf_peer_req(nl, HB_CMD_PEER_SET, want,
					    a | p << 1 | i << 2 | m << 3,
					    changes);
		else
			err = conf_peer_req(nl, HB_CMD_PEER_ADD, want, 15,
					    changes);
		if (err)
			return err;
	}
	return 0;
}

/* Step 7: keys that go. */
static int conf_apply_key_del(struct hb_nl *nl, const struct conf *c,
			      const struct conf_run *r, unsigned int *changes)
{
	struct key_cfg kc;
	unsigned int i;

	for (i = 0; i < r->c.nr_keys; i++) {
		if (conf_find_key(c, r->c.keys[i].id))
			continue;
		kc = (struct key_cfg){ .id = r->c.keys[i].id };
		if (key_set_send(nl, HB_CMD_KEY_DEL, &kc))
			return -EIO;
		(*changes)++;
	}
	return 0;
}

/* Every [Key] without a KeyFile must name an installed key. */
static int conf_check_run(const struct conf *c, const struct conf_run *r,
			  struct conf_err *err)
{
	unsigned int i;

	for (i = 0; i < c->nr_keys; i++) {
		if (c->keys[i].path || conf_find_key(&r->c, c->keys[i].id))
			continue;
		err->line = c->keys[i].line;
		snprintf(err->msg, sizeof(err->msg),
			 "[Key] %u is not installed and has no KeyFile",
			 c->keys[i].id);
		return -EINVAL;
	}
	return 0;
}

/**
 * conf_apply_run() - make the kernel run @c, sending only what differs
 * @nl: an open socket
 * @c: the configuration, checked, with its key files loaded
 * @r: the running configuration, from conf_run_read()
 * @mode: CONF_SET or CONF_SYNC
 * @changes: incremented for every change request sent
 *
 * Return: 0 or a negative errno (reported).
 */
static int conf_apply_run(struct hb_nl *nl, const struct conf *c,
			  const struct conf_run *r, enum conf_mode mode,
			  unsigned int *changes)
{
	struct node_cfg d;
	int err;

	err = conf_apply_keys(nl, c, r, changes);
	if (!err)
		err = conf_apply_del(nl, c, r, mode, changes);
	if (!err && c->node.id && node_diff(&c->node, r, &d)) {
		if (mode == CONF_SET) {
			d = c->node;
			d.has_id = true;
		}
		err = node_set_request(nl, &d);
		if (err)
			fprintf(stderr, "hbctl: node set: %s\n",
				nl->ext_msg[0] ? nl->ext_msg : strerror(-err));
		else
			(*changes)++;
	}
	if (!err)
		err = conf_apply_peers(nl, c, r, mode, changes);
	if (!err)
		err = conf_apply_key_del(nl, c, r, changes);
	return err;
}

static void conf_perror(const char *name, const struct conf_err *e)
{
	if (e->line)
		fprintf(stderr, "hbctl: %s:%u: %s\n", name, e->line, e->msg);
	else
		fprintf(stderr, "hbctl: %s: %s\n", name, e->msg);
}

/* Report a failure to read the running configuration. */
static void conf_run_perror(const struct hb_nl *nl, const char *cmd, int err)
{
	if (err == -EPERM)
		fprintf(stderr, "hbctl: %s: permission denied: reading keys needs CAP_NET_ADMIN over the network namespace's user namespace\n",
			cmd);
	else
		hb_nl_perror(nl, err);
}

/* setconf and syncconf: parse, load keys, read the kernel, apply. */
static int conf_cmd(const char *cmd, enum conf_mode mode, int argc,
		    char **argv, const struct hbctl_opts *opts)
{
	struct conf_run run = { .configured = false };
	unsigned int changes = 0;
	struct conf_err e;
	const char *name;
	struct conf c;
	struct hb_nl nl;
	FILE *f;
	int err;

	if (argc != 1)
		return hbctl_usage("%s: expected one file ('-': standard input)", cmd);
	name = argv[0];
	if (!strcmp(name, "-")) {
		if (opts->stdin_batch)
			return hbctl_usage("%s: standard input holds the batch", cmd);
		f = stdin;
	} else {
		f = fopen(name, "re");
		if (!f) {
			fprintf(stderr, "hbctl: %s: cannot open '%s': %s\n",
				cmd, name, strerror(errno));
			return HBCTL_FAIL;
		}
	}
	err = conf_parse(f, &c, &e);
	if (f != stdin)
		fclose(f);
	if (!err)
		err = conf_load_keys(&c, &e);
	if (err) {
		conf_perror(name, &e);
		conf_free(&c);
		return HBCTL_FAIL;
	}
	if (hb_nl_open(&nl)) {
		conf_free(&c);
		return HBCTL_FAIL;
	}
	err = conf_run_read(&nl, &run);
	if (err) {
		conf_run_perror(&nl, cmd, err);
	} else {
		err = conf_check_run(&c, &run, &e);
		if (err)
			conf_perror(name, &e);
	}
	if (!err)
		err = conf_apply_run(&nl, &c, &run, mode, &changes);
	if (err && changes)
		fprintf(stderr, "hbctl: %s: %s: stopped after %u change%s; the kernel runs part of the file\n",
			cmd, name, changes, changes == 1 ? "" : "s");
	conf_run_free(&run);
	hb_nl_close(&nl);
	conf_free(&c);
	return err ? HBCTL_FAIL : HBCTL_OK;
}

/**
 * cmd_setconf() - "hbctl setconf FILE": make the kernel run FILE
 * @argc: number of arguments after "setconf"
 * @argv: the file ('-': standard input)
 * @opts: global options
 *
 * Return: the exit status.
 */
int cmd_setconf(int argc, char **argv, const struct hbctl_opts *opts)
{
	return conf_cmd("setconf", CONF_SET, argc, argv, opts);
}

/**
 * cmd_syncconf() - "hbctl syncconf FILE": change what differs from FILE
 * @argc: number of arguments after "syncconf"
 * @argv: the file ('-': standard input)
 * @opts: global options
 *
 * Return: the exit status.
 */
int cmd_syncconf(int argc, char **argv, const struct hbctl_opts *opts)
{
	return conf_cmd("syncconf", CONF_SYNC, argc, argv, opts);
}

/**
 * cmd_showconf() - "hbctl showconf": print the running configuration
 * @argc: number of arguments after "showconf" (none)
 * @argv: the arguments
 * @opts: global options
 *
 * Return: the exit status.
 */
int cmd_showconf(int argc, char **argv, const struct hbctl_opts *opts)
{
	struct conf_run run;
	struct hb_nl nl;
	int err;

	(void)opts;
	if (argc)
		return hbctl_usage("showconf: unexpected argument '%s'", argv[0]);
	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	err = conf_run_read(&nl, &run);
	if (err)
		conf_run_perror(&nl, "showconf", err);
	else if (!run.configured)
		fprintf(stderr, "hbctl: showconf: the node is not configured\n");
	else
		conf_print(stdout, &run.c);
	conf_run_free(&run);
	hb_nl_close(&nl);
	return err || !run.configured ? HBCTL_FAIL : HBCTL_OK;
}

/**
 * cmd_flush() - "hbctl flush": remove every peer and key, back to defaults
 * @argc: number of arguments after "flush" (none)
 * @argv: the arguments
 * @opts: global options
 *
 * The node keeps its id, port and cluster (nothing removes a node); its
 * other settings go back to their defaults, auth off first, and it is
 * left without peers, so it sends nothing.
 *
 * Return: the exit status.
 */
int cmd_flush(int argc, char **argv, const struct hbctl_opts *opts)
{
	unsigned int changes = 0;
	struct conf_run run;
	struct hb_nl nl;
	struct conf c;
	size_t i;
	int err;

	(void)opts;
	if (argc)
		return hbctl_usage("flush: unexpected argument '%s'", argv[0]);
	if (hb_nl_open(&nl))
		return HBCTL_FAIL;
	err = conf_run_read(&nl, &run);
	if (err) {
		conf_run_perror(&nl, "flush", err);
		goto out;
	}
	conf_defaults(&c);
	if (run.configured) {
		c.node.id = run.c.node.id;
		c.node.port = run.c.node.port;
		c.node.cluster = run.c.node.cluster;
	}
	err = conf_apply_run(&nl, &c, &run, CONF_SYNC, &changes);
	/* Learned peers go too. */
	for (i = 0; !err && i < run.nr_others; i++) {
		struct conf_peer p = { .id = run.others[i] };

		err = conf_peer_req(&nl, HB_CMD_PEER_DEL, &p, 0, &changes);
		if (err == -ENOENT)
			err = 0;
	}
out:
	conf_run_free(&run);
	hb_nl_close(&nl);
	return err ? HBCTL_FAIL : HBCTL_OK;
}
