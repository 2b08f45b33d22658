// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: generic netlink plumbing (libnl-3, libnl-genl-3).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/* Large enough for a dump of thousands of peers to queue up unread. */
#define HB_NL_RCVBUF	(4 << 20)
/* Receive buffer of one recvmsg(); libnl grows it when MSG_PEEK says so. */
#define HB_NL_MSGBUF	32768

static struct nla_policy hb_attr_policy[HB_A_MAX + 1] = {
	[HB_A_NODE_ID]		= HB_NLA_U32,
	[HB_A_NODE_PORT]	= HB_NLA_U16,
	[HB_A_NODE_CLUSTER]	= HB_NLA_U32,
	[HB_A_NODE_INCARNATION]	= HB_NLA_U64,
	[HB_A_NODE_PEERS]	= HB_NLA_U32,
	[HB_A_NODE_EVENT_SEQ]	= HB_NLA_U64,
	[HB_A_NODE_DROPS]	= { .type = NLA_NESTED },
	[HB_A_NODE_CONFIGURED]	= { .type = NLA_FLAG },
	[HB_A_NODE_OBJECTS]	= { .type = NLA_NESTED },
	[HB_A_PEER]		= { .type = NLA_NESTED },
	[HB_A_EVENT]		= { .type = NLA_NESTED },
	[HB_A_NODE_MODE]	= HB_NLA_U8,
	[HB_A_NODE_LEADERS]	= { .type = NLA_NESTED },
	[HB_A_NODE_LEARN]	= HB_NLA_U8,
	[HB_A_NODE_MONITORS]	= HB_NLA_U8,
	[HB_A_NODE_INTERVAL_US]	= HB_NLA_U32,
	[HB_A_NODE_MULTIPLIER]	= HB_NLA_U8,
	[HB_A_NODE_LEARN_LIMIT]	= HB_NLA_U32,
	[HB_A_NODE_EFFECTIVE_MODE] = HB_NLA_U8,
	[HB_A_NODE_LEADER]	= HB_NLA_U32,
	[HB_A_NODE_LEARNED]	= HB_NLA_U32,
	[HB_A_NODE_SENDING]	= HB_NLA_U32,
	[HB_A_NODE_WATCHING]	= HB_NLA_U32,
	[HB_A_NODE_EPOCH]	= HB_NLA_U32,
	[HB_A_KEY]		= { .type = NLA_NESTED },
	[HB_A_NODE_AUTH]	= HB_NLA_U8,
	[HB_A_NODE_MAX_DETECT_MS] = HB_NLA_U32,
	[HB_A_NODE_PRIMARY_KEY]	= HB_NLA_U8,
	[HB_A_NODE_KEYS]	= HB_NLA_U32,
	[HB_A_NODE_TX_NO_KEY]	= HB_NLA_U64,
	[HB_A_NODE_LEARN_AGE_MS] = HB_NLA_U32,
	[HB_A_NODE_DSCP]	= HB_NLA_U8,
	[HB_A_NODE_BEATS]	= HB_NLA_U32,
	[HB_A_NODE_BUDGET_PEERS] = HB_NLA_U32,
	[HB_A_NODE_BUDGET_BEATS] = HB_NLA_U32,
	[HB_A_NODE_TICKS]	= HB_NLA_U64,
	[HB_A_NODE_DEFERRED]	= HB_NLA_U64,
};

/**
 * struct hb_nl_req - state of one request while its replies come in
 * @nl: the socket
 * @cmd: the command of the request (0 while listening)
 * @fn: called for every reply message
 * @arg: argument of @fn
 * @err: first error seen (kernel, parse or @fn), 0 if none
 * @done: the request was acknowledged, failed, or its dump ended
 * @intr: some reply of the dump carried NLM_F_DUMP_INTR
 */
struct hb_nl_req {
	struct hb_nl *nl;
	uint8_t cmd;
	hb_nl_reply_fn fn;
	void *arg;
	int err;
	bool done;
	bool intr;
};

static void set_sockopt(int fd, int opt)
{
	int one = 1;

	/* Older kernels lack some options: then we just get less detail. */
	setsockopt(fd, SOL_NETLINK, opt, &one, sizeof(one));
}

/**
 * hb_nl_setup() - tune a connected socket for hbctl's requests
 * @nl: the socket
 *
 * Asks for extended acks (without the echoed request), a receive buffer
 * that holds a large dump, and receive buffers sized with MSG_PEEK.
 */
void hb_nl_setup(struct hb_nl *nl)
{
	int fd = nl_socket_get_fd(nl->sk);

	set_sockopt(fd, NETLINK_EXT_ACK);
	set_sockopt(fd, NETLINK_CAP_ACK);
	nl_socket_set_buffer_size(nl->sk, HB_NL_RCVBUF, 0);
	nl_socket_set_msg_buf_size(nl->sk, HB_NL_MSGBUF);
	nl_socket_enable_msg_peek(nl->sk);
}

/**
 * hb_nl_open() - open a socket and resolve the heartbeat family
 * @nl: the socket to set up
 *
 * Prints what went wrong on failure.
 *
 * Return: 0, -ENOENT when the module is not loaded, or another -errno.
 */
int hb_nl_open(struct hb_nl *nl)
{
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		fprintf(stderr, "hbctl: %s\n", strerror(ENOMEM));
		return -ENOMEM;
	}
	err = genl_connect(nl->sk);
	if (err < 0) {
		fprintf(stderr, "hbctl: cannot open a generic netlink socket: %s\n",
			nl_geterror(err));
		goto err_free;
	}
	nl->family = genl_ctrl_resolve(nl->sk, HEARTBEAT_GENL_NAME);
	if (nl->family < 0) {
		fprintf(stderr,
			"hbctl: heartbeat module not loaded (genl family '%s' not found)\n",
			HEARTBEAT_GENL_NAME);
		err = -ENOENT;
		goto err_free;
	}
	hb_nl_setup(nl);
	return 0;

err_free:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return err < 0 ? err : -EIO;
}

/**
 * hb_nl_close() - close a socket opened by hb_nl_open()
 * @nl: the socket (closing a socket that failed to open is fine)
 */
void hb_nl_close(struct hb_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

/**
 * hb_nl_msg() - allocate a request of the heartbeat family
 * @nl: the socket
 * @cmd: enum hb_cmd
 * @flags: netlink flags besides NLM_F_REQUEST (NLM_F_ACK is added for
 *	   requests that are not dumps)
 *
 * Return: the message, or NULL when out of memory.
 */
struct nl_msg *hb_nl_msg(struct hb_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc();
	if (!msg)
		return NULL;
	if (!(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, HEARTBEAT_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/**
 * hb_nl_parse() - validate a message of the family and index its attributes
 * @nlh: the message
 * @tb: HB_A_MAX + 1 slots for its top-level attributes
 *
 * Attributes this version does not know are ignored.
 *
 * Return: 0 or -EBADMSG.
 */
int hb_nl_parse(struct nlmsghdr *nlh, struct nlattr **tb)
{
	if (genlmsg_parse(nlh, 0, tb, HB_A_MAX, hb_attr_policy) < 0)
		return -EBADMSG;
	return 0;
}

/* Copy the string attribute @attr, if it is one, into nl->ext_msg. */
static void copy_ext_msg(struct hb_nl *nl, struct nlattr *attr)
{
	const char *s = nla_data(attr);
	int len = nla_len(attr);

	if (len <= 0 || s[len - 1] != '\0')
		return;
	snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s", s);
}

static const char *const hb_attr_names[HB_A_MAX + 1] = {
	[HB_A_NODE_ID]		= "node id",
	[HB_A_NODE_PORT]	= "node port",
	[HB_A_NODE_CLUSTER]	= "node cluster",
	[HB_A_PEER]		= "peer",
	[HB_A_KEY]		= "key",
};

static const char *const hb_key_attr_names[HB_KEY_A_MAX + 1] = {
	[HB_KEY_A_ID]		= "key id",
	[HB_KEY_A_SECRET]	= "key secret",
	[HB_KEY_A_PRIMARY]	= "key primary",
};

static const char *const hb_peer_attr_names[HB_PEER_A_MAX + 1] = {
	[HB_PEER_A_ID]		= "peer id",
	[HB_PEER_A_ADDR4]	= "peer address",
	[HB_PEER_A_ADDR6]	= "peer address",
	[HB_PEER_A_PORT]	= "peer port",
	[HB_PEER_A_INTERVAL_US]	= "peer interval",
	[HB_PEER_A_MULTIPLIER]	= "peer multiplier",
};

/*
 * Without a message, say which attribute the kernel found missing.  The
 * nests of a request with required attributes are HB_A_PEER and HB_A_KEY
 * (HB_A_NODE_LEADERS is a list); a request holds at most one of them.
 */
static void note_missing(struct hb_nl *nl, struct nlattr **tb,
			 uint8_t cmd)
{
	const char *name = NULL;
	uint32_t type;
	bool key;

	if (nl->ext_msg[0] || !tb[NLMSGERR_ATTR_MISS_TYPE])
		return;
	type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	key = cmd >= HB_CMD_KEY_ADD && cmd <= HB_CMD_KEY_GET;
	if (tb[NLMSGERR_ATTR_MISS_NEST] && key && type <= HB_KEY_A_MAX)
		name = hb_key_attr_names[type];
	else if (tb[NLMSGERR_ATTR_MISS_NEST] && !key && type <= HB_PEER_A_MAX)
		name = hb_peer_attr_names[type];
	else if (!tb[NLMSGERR_ATTR_MISS_NEST] && type <= HB_A_MAX)
		name = hb_attr_names[type];
	if (name)
		snprintf(nl->ext_msg, sizeof(nl->ext_msg),
			 "missing required attribute: %s", name);
	else
		snprintf(nl->ext_msg, sizeof(nl->ext_msg),
			 "missing required attribute %u", type);
}

/*
 * Pick up the extended ack TLVs of @nlh (an NLMSG_ERROR or NLMSG_DONE)
 * found @offset bytes into its payload.
 */
static void parse_extack(struct hb_nl_req *req, struct nlmsghdr *nlh,
			 int offset)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int len = nlmsg_datalen(nlh) - offset;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || offset < 0 || len <= 0)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlmsg_data(nlh) + offset), len,
		      NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		copy_ext_msg(req->nl, tb[NLMSGERR_ATTR_MSG]);
	note_missing(req->nl, tb, req->cmd);
}

static int req_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct hb_nl_req *req = arg;
	int offset = sizeof(*e);

	(void)who;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += e->msg.nlmsg_len - sizeof(e->msg);
	parse_extack(req, nlh, NLMSG_ALIGN(offset));
	if (!req->err)
		req->err = e->error;
	req->done = true;
	return NL_STOP;
}

static int req_ack(struct nl_msg *msg, void *arg)
{
	struct hb_nl_req *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

static int req_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct hb_nl_req *req = arg;
	int err;

	/* A dump that failed half way reports its errno in NLMSG_DONE. */
	if (nlmsg_datalen(nlh) >= (int)sizeof(int)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0 && !req->err) {
			req->err = err;
			parse_extack(req, nlh, sizeof(int));
		}
	}
	req->done = true;
	return NL_STOP;
}

static int req_intr(struct nl_msg *msg, void *arg)
{
	struct hb_nl_req *req = arg;

	(void)msg;
	req->intr = true;
	return NL_OK;
}

static int req_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[HB_A_MAX + 1];
	struct hb_nl_req *req = arg;
	int err;

	if (req->err || nlh->nlmsg_type != req->nl->family)
		return NL_SKIP;	/* read on to the end of the reply */
	err = hb_nl_parse(nlh, tb);
	if (!err && req->fn)
		err = req->fn(genlmsg_hdr(nlh)->cmd, tb, req->arg);
	if (err)
		req->err = err;
	return NL_OK;
}

static struct nl_cb *req_cb(struct hb_nl_req *req)
{
	struct nl_cb *cb;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return NULL;
	nl_cb_err(cb, NL_CB_CUSTOM, req_error, req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, req_ack, req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, req_finish, req);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, req_intr, req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, req_valid, req);
	return cb;
}

/* Report a libnl failure as -EIO, keeping libnl's text. */
static int lib_error(struct hb_nl *nl, const char *what, int nlerr)
{
	snprintf(nl->ext_msg, sizeof(nl->ext_msg), "netlink %s: %s", what,
		 nl_geterror(nlerr));
	return -EIO;
}

static int run_request(struct hb_nl_req *req, struct nl_msg *msg)
{
	struct hb_nl *nl = req->nl;
	struct nl_cb *cb;
	int ret;

	cb = req_cb(req);
	if (!cb)
		return -ENOMEM;
	ret = nl_send_auto(nl->sk, msg);
	if (ret < 0) {
		ret = lib_error(nl, "send", ret);
		goto out;
	}
	ret = 0;
	while (!req->done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !req->done) {
			ret = lib_error(nl, "receive", ret);
			goto out;
		}
	}
	ret = req->err;
out:
	nl_cb_put(cb);
	return ret;
}

/**
 * hb_nl_msg_free_secret() - wipe a message that holds a secret, and free it
 * @msg: the message
 *
 * The whole buffer is cleared.  libnl never moves a message to a larger
 * buffer (a full one makes nla_put() fail), so no other copy of it was
 * left behind in userspace.
 */
void hb_nl_msg_free_secret(struct nl_msg *msg)
{
	explicit_bzero(nlmsg_hdr(msg), nlmsg_get_max_size(msg));
	nlmsg_free(msg);
}

/* Free a request; with @wipe, clear its buffer first. */
static void free_msg(struct nl_msg *msg, bool wipe)
{
	if (wipe)
		hb_nl_msg_free_secret(msg);
	else
		nlmsg_free(msg);
}

static int do_request(struct hb_nl *nl, struct nl_msg *msg, hb_nl_reply_fn fn,
		      void *arg, bool *intr, bool wipe)
{
	struct hb_nl_req req = { .nl = nl, .fn = fn, .arg = arg };
	int err;

	req.cmd = genlmsg_hdr(nlmsg_hdr(msg))->cmd;
	nl->ext_msg[0] = '\0';
	err = run_request(&req, msg);
	free_msg(msg, wipe);
	if (intr)
		*intr = req.intr;
	return err;
}

/**
 * hb_nl_request() - send a request and process its replies
 * @nl: the socket
 * @msg: the request, from hb_nl_msg(); always freed
 * @fn: called for each reply message of the family, or NULL
 * @arg: argument of @fn
 *
 * Return: 0 once the kernel acknowledged the request (or ended its dump),
 * the kernel's negative errno (its extack message in nl->ext_msg), the
 * first error returned by @fn, -EBADMSG for a malformed reply, or -EIO for
 * a socket error.
 */
int hb_nl_request(struct hb_nl *nl, struct nl_msg *msg, hb_nl_reply_fn fn,
		  void *arg)
{
	return do_request(nl, msg, fn, arg, NULL, false);
}

/**
 * hb_nl_request_secret() - hb_nl_request() for a request holding a secret
 * @nl: the socket
 * @msg: the request; its buffer is wiped before it is freed
 * @fn: called for each reply message of the family, or NULL
 * @arg: argument of @fn
 *
 * The kernel does not echo the request back in its error acks, as
 * hb_nl_setup() asked for NETLINK_CAP_ACK (Linux 4.3 and later), so the
 * secret does not come back into libnl's receive buffers either.
 *
 * Return: as for hb_nl_request().
 */
int hb_nl_request_secret(struct hb_nl *nl, struct nl_msg *msg,
			 hb_nl_reply_fn fn, void *arg)
{
	return do_request(nl, msg, fn, arg, NULL, true);
}

/**
 * hb_nl_dump() - dump a table, retrying while it changes under the dump
 * @nl: the socket
 * @cmd: the command to dump (no request attributes)
 * @fn: called for each reply message
 * @reset: called before each try (also the first), or NULL
 * @arg: argument of @fn and @reset
 *
 * Return: as for hb_nl_request(), or -EAGAIN when every one of
 * HB_NL_DUMP_TRIES dumps was interrupted.
 */
int hb_nl_dump(struct hb_nl *nl, uint8_t cmd, hb_nl_reply_fn fn,
	       hb_nl_reset_fn reset, void *arg)
{
	struct nl_msg *msg;
	bool intr;
	int i, err;

	for (i = 0; i < HB_NL_DUMP_TRIES; i++) {
		if (reset)
			reset(arg);
		msg = hb_nl_msg(nl, cmd, NLM_F_DUMP);
		if (!msg)
			return -ENOMEM;
		err = do_request(nl, msg, fn, arg, &intr, false);
		if (err || !intr)
			return err;
	}
	snprintf(nl->ext_msg, sizeof(nl->ext_msg),
		 "the table kept changing during %d dumps; try again",
		 HB_NL_DUMP_TRIES);
	return -EAGAIN;
}

/**
 * hb_nl_join() - subscribe the socket to a multicast group of the family
 * @nl: the socket
 * @group: the group name, e.g. HEARTBEAT_MCGRP_EVENTS
 *
 * Return: 0, -ENOENT for an unknown group, or -EIO.
 */
int hb_nl_join(struct hb_nl *nl, const char *group)
{
	int grp, err;

	nl->ext_msg[0] = '\0';
	grp = genl_ctrl_resolve_grp(nl->sk, HEARTBEAT_GENL_NAME, group);
	if (grp < 0) {
		snprintf(nl->ext_msg, sizeof(nl->ext_msg),
			 "multicast group '%s' of family '%s' not found",
			 group, HEARTBEAT_GENL_NAME);
		return -ENOENT;
	}
	err = nl_socket_add_membership(nl->sk, grp);
	if (err < 0)
		return lib_error(nl, "join", err);
	return 0;
}

static int listen_seq_ok(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/**
 * hb_nl_listen() - hand every multicast message to @fn, forever
 * @nl: a socket that joined a group with hb_nl_join()
 * @fn: called for each message of the family; a nonzero return stops
 * @arg: argument of @fn
 *
 * Messages lost to a full receive buffer are reported on stderr and
 * listening goes on.
 *
 * Return: the error that stopped listening (negative).
 */
int hb_nl_listen(struct hb_nl *nl, hb_nl_reply_fn fn, void *arg)
{
	struct hb_nl_req req = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	cb = req_cb(&req);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, listen_seq_ok, NULL);
	while (!req.err) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret == -NLE_NOMEM || ret == -NLE_MSG_OVERFLOW) {
			/* ENOBUFS: the kernel dropped events for us */
			fprintf(stderr, "hbctl: receive buffer overrun, events were lost\n");
			continue;
		}
		if (ret < 0 && !req.err)
			req.err = lib_error(nl, "receive", ret);
	}
	nl_cb_put(cb);
	return req.err;
}

/**
 * hb_nl_listen_step() - hand the multicast messages waiting to @fn
 * @nl: a socket that joined a group with hb_nl_join()
 * @fn: called for each message of the family; a nonzero return stops
 * @arg: argument of @fn
 *
 * Switches the socket to non-blocking mode and receives until nothing is
 * left, for callers that poll() its descriptor (nl_socket_get_fd())
 * among others.
 *
 * Return: 0 once the socket is drained, -ENOBUFS when the kernel dropped
 * messages for want of room in the receive buffer (call again: listening
 * goes on), or the error that stopped listening (negative).
 */
int hb_nl_listen_step(struct hb_nl *nl, hb_nl_reply_fn fn, void *arg)
{
	struct hb_nl_req req = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	if (nl_socket_set_nonblocking(nl->sk) < 0)
		return -errno;
	cb = req_cb(&req);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, listen_seq_ok, NULL);
	while (!req.err) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret == -NLE_AGAIN)
			break;
		if (ret == -NLE_NOMEM || ret == -NLE_MSG_OVERFLOW) {
			req.err = -ENOBUFS;
			break;
		}
		if (ret < 0 && !req.err)
			req.err = lib_error(nl, "receive", ret);
	}
	nl_cb_put(cb);
	return req.err;
}

/**
 * hb_nl_perror() - print why a request failed
 * @nl: the socket the request went through
 * @err: its negative errno
 *
 * Prints "hbctl: " then the kernel's extack message when it sent one, else
 * the text of @err.
 */
void hb_nl_perror(const struct hb_nl *nl, int err)
{
	if (nl->ext_msg[0])
		fprintf(stderr, "hbctl: %s\n", nl->ext_msg);
	else if (err == -EBADMSG)
		fprintf(stderr, "hbctl: malformed reply from the kernel\n");
	else
		fprintf(stderr, "hbctl: %s\n", strerror(-err));
}
