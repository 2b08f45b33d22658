// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: tests of the netlink plumbing against a fake kernel.
 *
 * A thread plays the heartbeat family on a second NETLINK_GENERIC socket:
 * hbctl's socket sends its requests there instead of to the kernel, and the
 * thread answers with replies, acks carrying extended ack TLVs, multipart
 * dumps (some flagged NLM_F_DUMP_INTR) and events.  Unicast between two
 * user sockets needs CAP_NET_ADMIN: without it every test is skipped.
 * Output is TAP; the exit status is 1 when any test failed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>

#include "hbctl.h"
#include "model.h"
#include "nl.h"
#include "parse.h"

#define FAKE_FAMILY	0x7e
#define BIG_DUMP	5000

enum scenario {
	S_NODE,
	S_PEER,
	S_ERR_CAPPED,
	S_ERR_FULL,
	S_ERR_PLAIN,
	S_ERR_MISSING,
	S_DUMP_BIG,
	S_DUMP_INTR_ONCE,
	S_DUMP_INTR_ALWAYS,
	S_DUMP_DONE_ERR,
	S_DUMP_BAD_PEER,
	S_BAD_NODE,
	S_EVENTS,
	S_DUMP_SHOW,
	S_QUIT,
};

static atomic_int scenario;
static atomic_int requests;
static int srv_fd;
static uint32_t srv_port, cli_port;
static int tests, failures;

static __attribute__((format(printf, 2, 3)))
void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		failures++;
	printf("%sok %d - ", cond ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Datagrams of the fake kernel: messages batched as the kernel does. */
struct batch {
	char buf[32768];
	size_t len;
};

static void batch_flush(struct batch *b)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = cli_port };

	if (b->len && sendto(srv_fd, b->buf, b->len, 0, (struct sockaddr *)&to,
			     sizeof(to)) < 0)
		perror("fake kernel: sendto");
	b->len = 0;
}

static void batch_add(struct batch *b, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);

	if (b->len + len > sizeof(b->buf))
		batch_flush(b);
	memcpy(b->buf + b->len, nlh, len);
	b->len += len;
	nlmsg_free(msg);
}

static void send_one(struct nl_msg *msg)
{
	struct batch *b = calloc(1, sizeof(*b));

	batch_add(b, msg);
	batch_flush(b);
	free(b);
}

static struct nl_msg *reply(const struct nlmsghdr *req, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	genlmsg_put(msg, req->nlmsg_pid, req->nlmsg_seq, FAKE_FAMILY, 0, flags,
		    genlmsg_hdr((struct nlmsghdr *)req)->cmd, 1);
	return msg;
}

/* NLMSG_ERROR: an ack (@err 0) or an error, with an optional TLV. */
static struct nl_msg *ack(const struct nlmsghdr *req, int err, bool capped,
			  const char *text, int miss_type)
{
	size_t payload = sizeof(struct nlmsgerr);
	struct nl_msg *msg = nlmsg_alloc_size(65536);
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	int flags = 0;

	if (!capped)
		payload += req->nlmsg_len - NLMSG_HDRLEN;
	if (capped)
		flags |= NLM_F_CAPPED;
	if (text || miss_type)
		flags |= NLM_F_ACK_TLVS;
	nlh = nlmsg_put(msg, req->nlmsg_pid, req->nlmsg_seq, NLMSG_ERROR,
			payload, flags);
	e = nlmsg_data(nlh);
	e->error = err;
	e->msg = *req;
	if (!capped)
		memcpy(e + 1, nlmsg_data(req), req->nlmsg_len - NLMSG_HDRLEN);
	if (text)
		nla_put_string(msg, NLMSGERR_ATTR_MSG, text);
	if (miss_type) {
		nla_put_u32(msg, NLMSGERR_ATTR_MISS_TYPE, miss_type);
		nla_put_u32(msg, NLMSGERR_ATTR_MISS_NEST, NLMSG_HDRLEN + 4);
	}
	return msg;
}

static struct nl_msg *done(const struct nlmsghdr *req, int err,
			   const char *text)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(msg, req->nlmsg_pid, req->nlmsg_seq, NLMSG_DONE,
			sizeof(int), NLM_F_MULTI | (text ? NLM_F_ACK_TLVS : 0));
	memcpy(nlmsg_data(nlh), &err, sizeof(err));
	if (text)
		nla_put_string(msg, NLMSGERR_ATTR_MSG, text);
	return msg;
}

static void put_peer(struct nl_msg *msg, uint32_t id)
{
	struct nlattr *nest = nla_nest_start(msg, HB_A_PEER);
	struct in_addr a = { .s_addr = htonl(0x0a000000 + id) };

	nla_put_u32(msg, HB_PEER_A_ID, id);
	nla_put(msg, HB_PEER_A_ADDR4, sizeof(a), &a);
	nla_put_u16(msg, HB_PEER_A_PORT, 7410);
	nla_put_u32(msg, HB_PEER_A_INTERVAL_US, 100000);
	nla_put_u8(msg, HB_PEER_A_MULTIPLIER, 3);
	nla_put_u8(msg, HB_PEER_A_STATE, HB_STATE_UP);
	nla_put_u64(msg, HB_PEER_A_TX, id * 10ULL);
	nla_put_u64(msg, HB_PEER_A_RX, id * 10ULL - 1);
	nla_put_u32(msg, HB_PEER_A_RTT_US, 120);
	nla_put_u32(msg, HB_PEER_A_DETECT_US, 300000);
	nla_nest_end(msg, nest);
}

/*
 * A dump of peers @n..1 (in descending order, so hbctl has to sort), as
 * many messages per datagram as fit; messages from @intr_from on carry
 * NLM_F_DUMP_INTR.  @bad is the id of a peer sent malformed, or 0.
 */
static void dump_peers(const struct nlmsghdr *req, uint32_t n,
		       uint32_t intr_from, uint32_t bad)
{
	struct batch *b = calloc(1, sizeof(*b));
	struct nl_msg *msg;
	uint32_t id;
	int flags;

	for (id = n; id >= 1; id--) {
		flags = NLM_F_MULTI;
		if (intr_from && n - id + 1 >= intr_from)
			flags |= NLM_F_DUMP_INTR;
		msg = reply(req, flags);
		if (id == bad)
			nla_put_u8(msg, HB_A_PEER, 1);
		else
			put_peer(msg, id);
		batch_add(b, msg);
	}
	batch_add(b, done(req, 0, NULL));
	batch_flush(b);
	free(b);
}

/* Three peers in the states "show" has to render differently. */
static void dump_show(const struct nlmsghdr *req)
{
	static const struct {
		uint32_t id;
		const char *addr;
		uint8_t state;
		int64_t last_seen_ms;
		uint32_t rtt_us;
	} peers[] = {
		{ 10, "10.0.0.10", HB_STATE_DOWN, 2500, 120 },
		{ 2, "fd00::2", HB_STATE_UNKNOWN, -1, 0 },
		{ 1, "10.0.0.1", HB_STATE_UP, 12, 1500 },
	};
	struct batch *b = calloc(1, sizeof(*b));
	struct hb_ip ip;
	struct nl_msg *msg;
	struct nlattr *nest;
	unsigned int i;

	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		msg = reply(req, NLM_F_MULTI);
		nest = nla_nest_start(msg, HB_A_PEER);
		nla_put_u32(msg, HB_PEER_A_ID, peers[i].id);
		parse_ip(peers[i].addr, &ip, NULL);
		if (ip.family == AF_INET)
			nla_put(msg, HB_PEER_A_ADDR4, 4, &ip.v4);
		else
			nla_put(msg, HB_PEER_A_ADDR6, 16, &ip.v6);
		nla_put_u16(msg, HB_PEER_A_PORT, 7410);
		nla_put_u32(msg, HB_PEER_A_INTERVAL_US, 100000 * peers[i].id);
		nla_put_u8(msg, HB_PEER_A_MULTIPLIER, 3);
		nla_put_u8(msg, HB_PEER_A_STATE, peers[i].state);
		if (peers[i].last_seen_ms >= 0)
			nla_put_u64(msg, HB_PEER_A_LAST_SEEN_MS,
				    peers[i].last_seen_ms);
		nla_put_u64(msg, HB_PEER_A_TX, 1000 * peers[i].id);
		nla_put_u64(msg, HB_PEER_A_RX, 999 * peers[i].id);
		nla_put_u64(msg, HB_PEER_A_LOST, peers[i].id - 1);
		nla_put_u32(msg, HB_PEER_A_RTT_US, peers[i].rtt_us);
		nla_nest_end(msg, nest);
		batch_add(b, msg);
	}
	batch_add(b, done(req, 0, NULL));
	batch_flush(b);
	free(b);
}

static void put_counters(struct nl_msg *msg, int type, int n)
{
	struct nlattr *nest = nla_nest_start(msg, type);
	int i;

	for (i = 0; i < n; i++)
		nla_put_u64(msg, HB_COUNTER_ATTR(i), i);
	nla_nest_end(msg, nest);
}

static void node_reply(const struct nlmsghdr *req, bool bad)
{
	struct nl_msg *msg = reply(req, 0);

	nla_put_u32(msg, HB_A_NODE_ID, 1);
	nla_put_u32(msg, HB_A_NODE_PEERS, 3);
	if (bad)
		nla_put_u32(msg, HB_A_NODE_PORT, 7410);
	else
		nla_put_u16(msg, HB_A_NODE_PORT, 7410);
	nla_put_u64(msg, HB_A_NODE_INCARNATION, 1764000000000000000ULL);
	nla_put_flag(msg, HB_A_NODE_CONFIGURED);
	put_counters(msg, HB_A_NODE_DROPS, __HB_DROP_MAX);
	put_counters(msg, HB_A_NODE_OBJECTS, __HB_OBJ_MAX);
	send_one(msg);
	send_one(ack(req, 0, true, NULL, 0));
}

static void send_events(void)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	uint64_t seq;

	for (seq = 1; seq <= 3; seq++) {
		msg = nlmsg_alloc();
		genlmsg_put(msg, 0, 0, FAKE_FAMILY, 0, 0, HB_CMD_EVENT, 1);
		nest = nla_nest_start(msg, HB_A_EVENT);
		nla_put_u64(msg, HB_EVENT_A_SEQ, seq);
		nla_put_u8(msg, HB_EVENT_A_TYPE, HB_EVENT_STATE_CHANGE);
		nla_put_u32(msg, HB_EVENT_A_PEER_ID, 3);
		nla_nest_end(msg, nest);
		send_one(msg);
		if (seq != 1)
			continue;
		msg = nlmsg_alloc();	/* another family: ignored */
		genlmsg_put(msg, 0, 0, FAKE_FAMILY + 1, 0, 0, HB_CMD_EVENT, 1);
		send_one(msg);
	}
}

/* Answer one request; false once told to quit. */
static bool serve(const struct nlmsghdr *req)
{
	switch (atomic_load(&scenario)) {
	case S_NODE:
		node_reply(req, false);
		break;
	case S_BAD_NODE:
		node_reply(req, true);
		break;
	case S_PEER: {
		struct nl_msg *msg = reply(req, 0);

		put_peer(msg, 7);
		send_one(msg);
		send_one(ack(req, 0, true, NULL, 0));
		break;
	}
	case S_ERR_CAPPED:
		send_one(ack(req, -ENOENT, true, "peer 7 does not exist", 0));
		break;
	case S_ERR_FULL:
		send_one(ack(req, -ENOENT, false, "peer 7 does not exist", 0));
		break;
	case S_ERR_PLAIN:
		send_one(ack(req, -EPERM, true, NULL, 0));
		break;
	case S_ERR_MISSING:
		send_one(ack(req, -EINVAL, true, NULL, HB_PEER_A_ID));
		break;
	case S_DUMP_BIG:
		dump_peers(req, BIG_DUMP, 0, 0);
		break;
	case S_DUMP_INTR_ONCE:
		dump_peers(req, 300, atomic_load(&requests) == 1 ? 150 : 0, 0);
		break;
	case S_DUMP_INTR_ALWAYS:
		dump_peers(req, 10, 1, 0);
		break;
	case S_DUMP_BAD_PEER:
		dump_peers(req, 500, 0, 250);
		break;
	case S_DUMP_DONE_ERR: {
		struct batch *b = calloc(1, sizeof(*b));
		struct nl_msg *msg = reply(req, NLM_F_MULTI);

		put_peer(msg, 1);
		batch_add(b, msg);
		batch_add(b, done(req, -EMSGSIZE, "peer too large"));
		batch_flush(b);
		free(b);
		break;
	}
	case S_EVENTS:
		send_one(ack(req, 0, true, NULL, 0));
		send_events();
		break;
	case S_DUMP_SHOW:
		dump_show(req);
		break;
	case S_QUIT:
		send_one(ack(req, 0, true, NULL, 0));
		return false;
	}
	return true;
}

static void *fake_kernel(void *arg)
{
	static char buf[65536];
	ssize_t n;

	(void)arg;
	do {
		n = recv(srv_fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)NLMSG_HDRLEN)
			break;
		atomic_fetch_add(&requests, 1);
	} while (serve((struct nlmsghdr *)buf));
	return NULL;
}

/* Bind the fake kernel; false when unicast between sockets is refused. */
static bool fake_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr noop = {
		.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP,
	};
	socklen_t len = sizeof(sa);

	srv_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (srv_fd < 0 || bind(srv_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(srv_fd, (struct sockaddr *)&sa, &len))
		return false;
	srv_port = sa.nl_pid;
	if (sendto(srv_fd, &noop, sizeof(noop), 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return false;
	return recv(srv_fd, &noop, sizeof(noop), 0) == sizeof(noop);
}

static int client_open(struct hb_nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk || nl_connect(nl->sk, NETLINK_GENERIC))
		return -1;
	cli_port = nl_socket_get_local_port(nl->sk);
	nl_socket_set_peer_port(nl->sk, srv_port);
	nl->family = FAKE_FAMILY;
	hb_nl_setup(nl);
	return 0;
}

static int simple(struct hb_nl *nl, int s, uint8_t cmd)
{
	struct nl_msg *msg = hb_nl_msg(nl, cmd, 0);

	atomic_store(&scenario, s);
	nla_put_u32(msg, HB_A_NODE_ID, 1);
	return hb_nl_request(nl, msg, NULL, NULL);
}

static void test_requests(struct hb_nl *nl)
{
	struct hb_node node;
	struct hb_peer peer;
	int err;

	atomic_store(&scenario, S_NODE);
	err = node_get(nl, &node);
	ok(!err && node.id == 1 && node.port == 7410 && node.configured &&
	   node.has_objects && node.drops[HB_DROP_SELF] == HB_DROP_SELF,
	   "node get, reply then ack");
	atomic_store(&scenario, S_PEER);
	err = peer_get(nl, 7, &peer);
	ok(!err && peer.id == 7 && peer.rtt_us == 120, "peer get");
	err = simple(nl, S_ERR_CAPPED, HB_CMD_PEER_DEL);
	ok(err == -ENOENT && !strcmp(nl->ext_msg, "peer 7 does not exist"),
	   "extack message of a capped ack: '%s'", nl->ext_msg);
	err = simple(nl, S_ERR_FULL, HB_CMD_PEER_DEL);
	ok(err == -ENOENT && !strcmp(nl->ext_msg, "peer 7 does not exist"),
	   "extack message after an echoed request: '%s'", nl->ext_msg);
	err = simple(nl, S_ERR_PLAIN, HB_CMD_NODE_SET);
	ok(err == -EPERM && !nl->ext_msg[0], "error without extack");
	err = simple(nl, S_ERR_MISSING, HB_CMD_PEER_ADD);
	ok(err == -EINVAL &&
	   !strcmp(nl->ext_msg, "missing required attribute: peer id"),
	   "missing attribute extack: '%s'", nl->ext_msg);
	atomic_store(&scenario, S_BAD_NODE);
	ok(node_get(nl, &node) == -EBADMSG, "malformed reply rejected");
	atomic_store(&scenario, S_NODE);
	ok(!node_get(nl, &node) && node.id == 1,
	   "socket usable after a malformed reply");
}

static bool sorted(const struct peer_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->peers[i].id != i + 1)
			return false;
	return true;
}

static int dump(struct hb_nl *nl, int s, struct peer_list *l)
{
	atomic_store(&scenario, s);
	atomic_store(&requests, 0);
	peer_list_free(l);
	return peer_dump(nl, l);
}

static void test_dumps(struct hb_nl *nl)
{
	struct peer_list l = { .count = 0 };
	int err;

	err = dump(nl, S_DUMP_BIG, &l);
	ok(!err && l.count == BIG_DUMP && sorted(&l) &&
	   l.peers[BIG_DUMP - 1].tx == BIG_DUMP * 10ULL,
	   "dump of %d peers over many datagrams, sorted", BIG_DUMP);
	err = dump(nl, S_DUMP_INTR_ONCE, &l);
	ok(!err && l.count == 300 && sorted(&l) &&
	   atomic_load(&requests) == 2,
	   "interrupted dump retried once, no duplicates (%zu peers)",
	   l.count);
	err = dump(nl, S_DUMP_INTR_ALWAYS, &l);
	ok(err == -EAGAIN && atomic_load(&requests) == HB_NL_DUMP_TRIES &&
	   strstr(nl->ext_msg, "kept changing"),
	   "dump interrupted every time gives up: '%s'", nl->ext_msg);
	err = dump(nl, S_DUMP_DONE_ERR, &l);
	ok(err == -EMSGSIZE && !strcmp(nl->ext_msg, "peer too large"),
	   "error and extack in NLMSG_DONE: '%s'", nl->ext_msg);
	err = dump(nl, S_DUMP_BAD_PEER, &l);
	ok(err == -EBADMSG, "malformed peer fails the dump");
	err = dump(nl, S_DUMP_BIG, &l);
	ok(!err && l.count == BIG_DUMP, "socket usable after a failed dump");
	peer_list_free(&l);
}

static int on_event(uint8_t cmd, struct nlattr **tb, void *arg)
{
	uint64_t *seqs = arg;
	struct hb_event ev;

	if (cmd != HB_CMD_EVENT || !tb[HB_A_EVENT] ||
	    hb_event_decode(tb[HB_A_EVENT], &ev))
		return -EBADMSG;
	seqs[ev.seq - 1] = ev.seq;
	return ev.seq == 3 ? -ECANCELED : 0;
}

static void test_events(struct hb_nl *nl)
{
	uint64_t seqs[3] = { 0 };
	int err;

	err = simple(nl, S_EVENTS, HB_CMD_PEER_GET);
	ok(!err, "event trigger acknowledged");
	err = hb_nl_listen(nl, on_event, seqs);
	ok(err == -ECANCELED && seqs[0] == 1 && seqs[1] == 2 && seqs[2] == 3,
	   "listen delivers events with sequence number 0 in order");
}

/**
 * struct shown - what to print in capture()
 * @node: the node, for show_print() and node_print()
 * @list: the peers, for show_print()
 * @how: 't' show table, 'j' show JSON, 'n' node_print(), 'p' peer_print()
 */
struct shown {
	const struct hb_node *node;
	const struct peer_list *list;
	char how;
};

static void print_shown(const struct shown *s)
{
	if (s->how == 'n')
		node_print(s->node);
	else if (s->how == 'p')
		peer_print(&s->list->peers[0]);
	else
		show_print(s->node, s->list, s->how == 'j');
}

/* What print_shown() writes to stdout, as a string to free. */
static char *capture(const struct hb_node *node, const struct peer_list *l,
		     char how)
{
	struct shown s = { .node = node, .list = l, .how = how };
	int saved = dup(STDOUT_FILENO);
	FILE *tmp = tmpfile();
	char *text = calloc(1, 8192);

	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	print_shown(&s);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	fread(text, 1, 8191, tmp);
	fclose(tmp);
	return text;
}

static void expect_text(char *got, const char *want, const char *what)
{
	char *line;

	ok(!strcmp(got, want), "%s", what);
	for (line = strtok(got, "\n"); line; line = strtok(NULL, "\n"))
		printf("#   %s\n", line);
	free(got);
}

static void test_show(struct hb_nl *nl)
{
	struct peer_list l = { .count = 0 };
	struct hb_node node;

	atomic_store(&scenario, S_NODE);
	node_get(nl, &node);
	dump(nl, S_DUMP_SHOW, &l);
	expect_text(capture(&node, &l, 't'),
		    "node 1: port 7410, cluster 0, incarnation 1764000000000000000, 3 peers\n"
		    "ID  ADDRESS    PORT  STATE    INTERVAL  MULT  LAST-SEEN  TX     RX    LOST  RTT\n"
		    "1   10.0.0.1   7410  up       100ms     3     12ms ago   1000   999   0     1.5ms\n"
		    "2   fd00::2    7410  unknown  200ms     3     never      2000   1998  1     -\n"
		    "10  10.0.0.10  7410  down     1s        3     2.5s ago   10000  9990  9     120us\n",
		    "show table");
	expect_text(capture(&node, &l, 'j'),
		    "{\"node\":{\"id\":1,\"port\":7410,\"cluster\":0,"
		    "\"incarnation\":1764000000000000000,\"configured\":true,"
		    "\"peers\":3,\"event_seq\":0,\"drops\":{\"short\":0,"
		    "\"bad_magic\":1,\"bad_version\":2,\"bad_length\":3,"
		    "\"bad_cluster\":4,\"unknown_peer\":5,\"bad_source\":6,"
		    "\"bad_field\":7,\"auth\":8,\"stale\":9,"
		    "\"not_configured\":10,\"self\":11},\"objects\":{"
		    "\"nets\":0,\"peers\":1,\"sockets\":2}},\"peers\":["
		    "{\"id\":1,\"address\":\"10.0.0.1\",\"port\":7410,"
		    "\"state\":\"up\",\"interval_us\":100000,\"multiplier\":3,"
		    "\"last_seen_ms\":12,\"tx\":1000,\"rx\":999,\"dropped\":0,"
		    "\"lost\":0,\"rtt_us\":1500,\"rttvar_us\":0,"
		    "\"state_changes\":0,\"remote_interval_us\":0,"
		    "\"remote_multiplier\":0,\"remote_incarnation\":0,"
		    "\"detect_us\":0,\"tx_errors\":0},"
		    "{\"id\":2,\"address\":\"fd00::2\",\"port\":7410,"
		    "\"state\":\"unknown\",\"interval_us\":200000,"
		    "\"multiplier\":3,\"last_seen_ms\":null,\"tx\":2000,"
		    "\"rx\":1998,\"dropped\":0,\"lost\":1,\"rtt_us\":null,"
		    "\"rttvar_us\":0,\"state_changes\":0,"
		    "\"remote_interval_us\":0,\"remote_multiplier\":0,"
		    "\"remote_incarnation\":0,\"detect_us\":0,"
		    "\"tx_errors\":0},"
		    "{\"id\":10,\"address\":\"10.0.0.10\",\"port\":7410,"
		    "\"state\":\"down\",\"interval_us\":1000000,"
		    "\"multiplier\":3,\"last_seen_ms\":2500,\"tx\":10000,"
		    "\"rx\":9990,\"dropped\":0,\"lost\":9,\"rtt_us\":120,"
		    "\"rttvar_us\":0,\"state_changes\":0,"
		    "\"remote_interval_us\":0,\"remote_multiplier\":0,"
		    "\"remote_incarnation\":0,\"detect_us\":0,"
		    "\"tx_errors\":0}]}\n",
		    "show json");
	expect_text(capture(&node, &l, 'n'),
		    "node id:      1\n"
		    "port:         7410\n"
		    "cluster:      0\n"
		    "incarnation:  1764000000000000000\n"
		    "peers:        3\n"
		    "event seq:    0\n"
		    "drops:        bad_magic 1, bad_version 2, bad_length 3, "
		    "bad_cluster 4, unknown_peer 5, bad_source 6, bad_field 7, "
		    "auth 8, stale 9, not_configured 10, self 11\n"
		    "objects:      nets 0, peers 1, sockets 2\n",
		    "node show text");
	expect_text(capture(&node, &l, 'p'),
		    "peer 1\n"
		    "  address:            10.0.0.1\n"
		    "  port:               7410\n"
		    "  state:              up\n"
		    "  interval:           100ms\n"
		    "  multiplier:         3\n"
		    "  detection time:     0us\n"
		    "  last seen:          12ms ago\n"
		    "  tx:                 1000\n"
		    "  tx errors:          0\n"
		    "  rx:                 999\n"
		    "  dropped:            0\n"
		    "  lost:               0\n"
		    "  rtt:                1.5ms\n"
		    "  rtt variation:      0us\n"
		    "  state changes:      0\n"
		    "  remote interval:    0us\n"
		    "  remote multiplier:  0\n"
		    "  remote incarnation: 0\n",
		    "show peer text");
	peer_list_free(&l);
}

int main(void)
{
	struct hb_nl nl;
	pthread_t thread;

	alarm(120);	/* a stuck fake kernel fails the test, never hangs it */
	if (!fake_open()) {
		printf("1..0 # SKIP netlink unicast between sockets refused (%s)\n",
		       strerror(errno));
		return 0;
	}
	if (client_open(&nl) ||
	    pthread_create(&thread, NULL, fake_kernel, NULL)) {
		printf("Bail out! cannot set up the sockets\n");
		return 1;
	}
	test_requests(&nl);
	test_dumps(&nl);
	test_events(&nl);
	test_show(&nl);
	ok(!simple(&nl, S_QUIT, HB_CMD_NODE_GET), "fake kernel stopped");
	pthread_join(thread, NULL);
	hb_nl_close(&nl);
	close(srv_fd);
	printf("1..%d\n", tests);
	printf("# %d passed, %d failed\n", tests - failures, failures);
	return failures ? 1 : 0;
}
