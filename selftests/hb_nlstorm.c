// SPDX-License-Identifier: GPL-2.0
/*
 * hb_nlstorm: send many malformed generic netlink requests to the heartbeat
 * family and check that the kernel refuses every one of them.
 *
 *   hb_nlstorm --node-id ID --peer ID [--key ID] [--count N] [--seed S]
 *   hb_nlstorm --churn N --churn-id ID --churn-addr ADDR4 [--node-id ID
 *              --peer ID]
 *
 * The second form adds peer --churn-id at ADDR4 (interval 1 ms) and
 * deletes it again, N times, as fast as the kernel answers; every one of
 * these valid requests must succeed ("churn N ok N failed N").
 *
 * Run it in a namespace whose node is configured with id --node-id, at
 * least one peer --peer, no leaders, no learned members, and (when the
 * family has the key commands) key --key.  Each request starts from a
 * request that the kernel would accept in that namespace (a NODE_SET of
 * the same id, a PEER_ADD of a new peer, a PEER_SET/PEER_DEL/PEER_GET of
 * --peer, a KEY_ADD of a new key, a KEY_SET/KEY_DEL of --key, the dumps,
 * NODE_GET) and breaks exactly one thing:
 *
 *   unknown      an attribute type above the command's maximum, type 0 or
 *                the padding type, at the top level or in a nest
 *   readonly     a read-only attribute (node, peer or key)
 *   notaccepted  an attribute of the family that the command does not take
 *   badlen       a known attribute with a wrong payload length
 *   nonest       a nest without NLA_F_NESTED
 *   badnest      a nest holding a truncated, overrunning or trailing
 *                attribute, or a scalar where a nest belongs
 *   range        a value out of range (ids, ports, mode, learn, monitors,
 *                intervals, multipliers, learn limit, auth)
 *   semantic     a well-formed request the handler must refuse: missing
 *                nest or id, both or no address, a non-unicast address,
 *                an unknown or duplicate peer, too many or repeated
 *                leaders, the node's own id as leader, member mode without
 *                leaders, a key without secret, an existing key, a peer
 *                dump with attributes, KEY_SET without primary, KEY_DEL
 *                with it
 *   reserved     a nonzero genlmsghdr.reserved
 *   flags        nlmsg_flags beyond REQUEST, ACK, ECHO and DUMP
 *   dump         NLM_F_DUMP on a command without a dump
 *   cmd          an unknown command (0, HB_CMD_EVENT, beyond the last)
 *   truncated    a message shorter than its genl header, or whose last
 *                attribute runs past its end or is shorter than a header
 *
 * A request that is acked with 0 (or a dump that completes) is a failure:
 * it is printed in hex.  So is one that gets no answer within 5 s.
 * Output: one "case NAME N" line per case, "errno E N (text)" per error, and
 * "sent N refused N accepted N unanswered N".  Exit 0 when every request
 * was refused, 1 otherwise, 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/heartbeat.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define MSG_MAX 4096

struct req {
	union {
		struct nlmsghdr nlh;
		unsigned char buf[MSG_MAX];
	};
	size_t nest[4];		/* offsets of the open nests */
	unsigned int depth;
};

static uint16_t family;
static uint32_t node_id, peer_id;
static uint8_t key_id;
static bool have_cmd[256];

/* --- PRNG ------------------------------------------------------------------ */

static uint64_t rng = 1;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static uint64_t range(uint64_t lo, uint64_t hi)
{
	return lo + below(hi - lo + 1);
}

/* --- building ------------------------------------------------------------ */

static void init(struct req *r, uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = family;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = NLMSG_DATA(&r->nlh);
	g->cmd = cmd;
	g->version = HEARTBEAT_GENL_VERSION;
}

static void put(struct req *r, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (void *)(r->buf + NLMSG_ALIGN(r->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((unsigned char *)a + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) +
			   NLA_ALIGN(a->nla_len);
}

static void put_u8(struct req *r, uint16_t type, uint8_t v)
{
	put(r, type, &v, 1);
}

static void put_u16(struct req *r, uint16_t type, uint16_t v)
{
	put(r, type, &v, 2);
}

static void put_u32(struct req *r, uint16_t type, uint32_t v)
{
	put(r, type, &v, 4);
}

/* An attribute of @len random bytes. */
static void put_rand(struct req *r, uint16_t type, size_t len)
{
	unsigned char b[64];
	size_t i;

	for (i = 0; i < len && i < sizeof(b); i++)
		b[i] = rnd();
	put(r, type, b, len < sizeof(b) ? len : sizeof(b));
}

static void nest_start(struct req *r, uint16_t type)
{
	r->nest[r->depth++] = NLMSG_ALIGN(r->nlh.nlmsg_len);
	put(r, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct req *r)
{
	struct nlattr *a = (void *)(r->buf + r->nest[--r->depth]);

	a->nla_len = r->nlh.nlmsg_len - r->nest[r->depth];
}

/* --- the valid requests every case starts from --------------------------- */

enum base {
	B_NODE_SET, B_PEER_ADD, B_PEER_SET, B_PEER_DEL, B_PEER_GET,
	B_PEER_DUMP, B_NODE_GET, B_KEY_ADD, B_KEY_SET, B_KEY_DEL, B_KEY_DUMP,
	B_MAX
};

static const char *const base_names[B_MAX] = {
	"NODE_SET", "PEER_ADD", "PEER_SET", "PEER_DEL", "PEER_GET",
	"PEER_GET(dump)", "NODE_GET", "KEY_ADD", "KEY_SET", "KEY_DEL",
	"KEY_GET(dump)",
};

static const uint8_t base_cmd[B_MAX] = {
	HB_CMD_NODE_SET, HB_CMD_PEER_ADD, HB_CMD_PEER_SET, HB_CMD_PEER_DEL,
	HB_CMD_PEER_GET, HB_CMD_PEER_GET, HB_CMD_NODE_GET, HB_CMD_KEY_ADD,
	HB_CMD_KEY_SET, HB_CMD_KEY_DEL, HB_CMD_KEY_GET,
};

static bool base_ok(enum base b)
{
	return have_cmd[base_cmd[b]] &&
	       (b < B_KEY_ADD || (have_cmd[HB_CMD_KEY_ADD] && key_id));
}

static enum base pick(const enum base *set, unsigned int n)
{
	enum base b;

	do {
		b = set[below(n)];
	} while (!base_ok(b));
	return b;
}

static uint32_t new_peer_id(void)
{
	uint32_t id;

	do {
		id = range(100000, 0xfffffff);
	} while (id == node_id || id == peer_id);
	return id;
}

static uint32_t unicast4(void)
{
	/* 10.97.0.0/16: unicast, neither loopback nor anything special */
	return htonl(0x0a610000 | range(1, 0xfffe));
}

/* The peer nest of PEER_ADD, open: the caller adds to it and closes it. */
static void peer_add_open(struct req *r)
{
	init(r, HB_CMD_PEER_ADD);
	nest_start(r, HB_A_PEER);
	put_u32(r, HB_PEER_A_ID, new_peer_id());
	put_u32(r, HB_PEER_A_ADDR4, unicast4());
}

static void peer_id_open(struct req *r, uint8_t cmd)
{
	init(r, cmd);
	nest_start(r, HB_A_PEER);
	put_u32(r, HB_PEER_A_ID, peer_id);
}

static void key_add_open(struct req *r)
{
	unsigned char secret[HEARTBEAT_KEY_LEN];
	unsigned int i;
	uint8_t id;

	for (i = 0; i < sizeof(secret); i++)
		secret[i] = rnd();
	do {
		id = range(1, 255);
	} while (id == key_id);
	init(r, HB_CMD_KEY_ADD);
	nest_start(r, HB_A_KEY);
	put_u8(r, HB_KEY_A_ID, id);
	put(r, HB_KEY_A_SECRET, secret, sizeof(secret));
}

static void key_id_open(struct req *r, uint8_t cmd)
{
	init(r, cmd);
	nest_start(r, HB_A_KEY);
	put_u8(r, HB_KEY_A_ID, key_id);
	if (cmd == HB_CMD_KEY_SET)
		put(r, HB_KEY_A_PRIMARY, NULL, 0);
}

/* A valid request @b, with its nest (if any) left open when @open. */
static void base(struct req *r, enum base b, bool open)
{
	switch (b) {
	case B_NODE_SET:
		init(r, HB_CMD_NODE_SET);
		put_u32(r, HB_A_NODE_ID, node_id);
		return;
	case B_PEER_ADD:
		peer_add_open(r);
		break;
	case B_PEER_SET:
		peer_id_open(r, HB_CMD_PEER_SET);
		break;
	case B_PEER_DEL:
		peer_id_open(r, HB_CMD_PEER_DEL);
		break;
	case B_PEER_GET:
		peer_id_open(r, HB_CMD_PEER_GET);
		break;
	case B_PEER_DUMP:
		init(r, HB_CMD_PEER_GET);
		r->nlh.nlmsg_flags |= NLM_F_DUMP;
		return;
	case B_NODE_GET:
		init(r, HB_CMD_NODE_GET);
		return;
	case B_KEY_ADD:
		key_add_open(r);
		break;
	case B_KEY_SET:
		key_id_open(r, HB_CMD_KEY_SET);
		break;
	case B_KEY_DEL:
		key_id_open(r, HB_CMD_KEY_DEL);
		break;
	default:
		init(r, HB_CMD_KEY_GET);
		r->nlh.nlmsg_flags |= NLM_F_DUMP;
		return;
	}
	if (!open)
		nest_end(r);
}

static bool has_nest(enum base b)
{
	return b != B_NODE_SET && b != B_PEER_DUMP && b != B_NODE_GET &&
	       b != B_KEY_DUMP;
}

static const enum base all_bases[] = {
	B_NODE_SET, B_PEER_ADD, B_PEER_SET, B_PEER_DEL, B_PEER_GET,
	B_PEER_DUMP, B_NODE_GET, B_KEY_ADD, B_KEY_SET, B_KEY_DEL, B_KEY_DUMP,
};
static const enum base nest_bases[] = {
	B_PEER_ADD, B_PEER_SET, B_PEER_DEL, B_PEER_GET, B_KEY_ADD, B_KEY_SET,
	B_KEY_DEL,
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- the cases -------------------------------------------------------------- */

static char what[160];

#define WHAT(...) snprintf(what, sizeof(what), __VA_ARGS__)

static uint16_t maxattr_of(enum base b, bool nested)
{
	if (!nested)
		return HB_A_MAX;
	return b >= B_KEY_ADD ? HB_KEY_A_MAX : HB_PEER_A_MAX;
}

static void case_unknown(struct req *r)
{
	enum base b = pick(all_bases, N(all_bases));
	bool nested = has_nest(b) && below(2);
	uint16_t type;

	switch (below(3)) {
	case 0:
		type = 0;
		break;
	case 1:		/* the padding type: never valid in a request */
		type = 1;
		break;
	default:
		type = range(maxattr_of(b, nested) + 1, NLA_TYPE_MASK);
		break;
	}
	base(r, b, nested);
	put_rand(r, type, below(17));
	if (nested)
		nest_end(r);
	WHAT("%s with attribute type %u %s", base_names[b], type,
	     nested ? "in its nest" : "at the top level");
}

static void put_plausible(struct req *r, uint16_t type, unsigned int kind)
{
	switch (kind) {
	case 0: put_u8(r, type, rnd()); break;
	case 1: put_u32(r, type, rnd()); break;
	case 2: put_rand(r, type, 8); break;
	case 3: put(r, type, NULL, 0); break;
	default:
		nest_start(r, type);
		put_rand(r, 1, 8);
		nest_end(r);
		break;
	}
}

static void case_readonly(struct req *r)
{
	static const uint16_t node_ro[] = {
		HB_A_NODE_INCARNATION, HB_A_NODE_PEERS, HB_A_NODE_EVENT_SEQ,
		HB_A_NODE_DROPS, HB_A_NODE_CONFIGURED, HB_A_NODE_OBJECTS,
		HB_A_NODE_EFFECTIVE_MODE, HB_A_NODE_LEADER,
		HB_A_NODE_LEARNED, HB_A_NODE_SENDING, HB_A_NODE_WATCHING,
		HB_A_NODE_EPOCH, HB_A_NODE_PRIMARY_KEY, HB_A_NODE_KEYS,
		HB_A_NODE_TX_NO_KEY,
	};
	static const enum base peer_bases[] = {
		B_PEER_ADD, B_PEER_SET, B_PEER_DEL, B_PEER_GET,
	};
	static const enum base key_bases[] = {
		B_KEY_ADD, B_KEY_SET, B_KEY_DEL,
	};
	unsigned int kind = below(5);
	uint16_t type;
	enum base b;

	switch (below(3)) {
	case 0:
		type = node_ro[below(N(node_ro))];
		base(r, B_NODE_SET, false);
		put_plausible(r, type, kind);
		WHAT("NODE_SET with read-only attribute %u", type);
		return;
	case 1:
		b = pick(peer_bases, N(peer_bases));
		type = range(HB_PEER_A_STATE, HB_PEER_A_EPOCH);
		break;
	default:
		if (!have_cmd[HB_CMD_KEY_ADD] || !key_id) {
			b = pick(peer_bases, N(peer_bases));
			type = range(HB_PEER_A_STATE, HB_PEER_A_EPOCH);
			break;
		}
		b = pick(key_bases, N(key_bases));
		type = range(HB_KEY_A_RX, HB_KEY_A_TX);
		break;
	}
	base(r, b, true);
	put_plausible(r, type, kind);
	nest_end(r);
	WHAT("%s with read-only nested attribute %u", base_names[b], type);
}

/* An attribute of the family that the command's policy does not list. */
static void case_notaccepted(struct req *r)
{
	static const uint16_t not_node_set[] = {
		HB_A_PEER, HB_A_EVENT, HB_A_KEY,
	};
	static const enum base getters[] = {
		B_PEER_DEL, B_PEER_GET,
	};
	static const uint16_t not_peer_id[] = {
		HB_PEER_A_ADDR4, HB_PEER_A_ADDR6, HB_PEER_A_PORT,
		HB_PEER_A_INTERVAL_US, HB_PEER_A_MULTIPLIER,
	};
	uint16_t type;
	enum base b;

	switch (below(4)) {
	case 0:
		type = not_node_set[below(N(not_node_set))];
		base(r, B_NODE_SET, false);
		nest_start(r, type);
		put_u32(r, 2, 1);
		nest_end(r);
		WHAT("NODE_SET with attribute %u", type);
		return;
	case 1: {
		static const enum base others[] = {
			B_PEER_ADD, B_PEER_SET, B_PEER_DEL, B_PEER_GET,
			B_KEY_ADD, B_KEY_SET, B_KEY_DEL,
		};

		b = pick(others, N(others));
		type = range(HB_A_NODE_ID, HB_A_NODE_CLUSTER);
		base(r, b, false);
		put_u32(r, type, 1);
		if (type == HB_A_NODE_PORT) {
			/* a u16 needs 2 bytes: keep it well formed */
			r->nlh.nlmsg_len -= 8;
			put_u16(r, type, 7411);
		}
		WHAT("%s with top-level attribute %u", base_names[b], type);
		return;
	}
	case 2:
		b = pick(getters, N(getters));
		type = not_peer_id[below(N(not_peer_id))];
		base(r, b, true);
		switch (type) {
		case HB_PEER_A_ADDR4: put_u32(r, type, unicast4()); break;
		case HB_PEER_A_ADDR6: put_rand(r, type, 16); break;
		case HB_PEER_A_PORT: put_u16(r, type, 7411); break;
		case HB_PEER_A_INTERVAL_US: put_u32(r, type, 100000); break;
		default: put_u8(r, type, 3); break;
		}
		nest_end(r);
		WHAT("%s with peer attribute %u", base_names[b], type);
		return;
	default:
		if (base_ok(B_KEY_SET) && below(2)) {
			b = below(2) ? B_KEY_SET : B_KEY_DEL;
			base(r, b, true);
			put_rand(r, HB_KEY_A_SECRET, HEARTBEAT_KEY_LEN);
			nest_end(r);
			WHAT("%s with a secret", base_names[b]);
			return;
		}
		/* NODE_GET takes nothing at all */
		base(r, B_NODE_GET, false);
		put_u32(r, HB_A_NODE_ID, node_id);
		WHAT("NODE_GET with HB_A_NODE_ID");
		return;
	}
}

struct lenattr {
	enum base b;
	bool nested;
	uint16_t type;
	unsigned int len;	/* the right payload length */
};

static const struct lenattr lenattrs[] = {
	{ B_NODE_SET, false, HB_A_NODE_ID, 4 },
	{ B_NODE_SET, false, HB_A_NODE_PORT, 2 },
	{ B_NODE_SET, false, HB_A_NODE_CLUSTER, 4 },
	{ B_NODE_SET, false, HB_A_NODE_MODE, 1 },
	{ B_NODE_SET, false, HB_A_NODE_LEARN, 1 },
	{ B_NODE_SET, false, HB_A_NODE_MONITORS, 1 },
	{ B_NODE_SET, false, HB_A_NODE_INTERVAL_US, 4 },
	{ B_NODE_SET, false, HB_A_NODE_MULTIPLIER, 1 },
	{ B_NODE_SET, false, HB_A_NODE_LEARN_LIMIT, 4 },
	{ B_NODE_SET, false, HB_A_NODE_AUTH, 1 },
	{ B_PEER_ADD, true, HB_PEER_A_ADDR6, 16 },
	{ B_PEER_ADD, true, HB_PEER_A_PORT, 2 },
	{ B_PEER_SET, true, HB_PEER_A_ADDR4, 4 },
	{ B_PEER_SET, true, HB_PEER_A_INTERVAL_US, 4 },
	{ B_PEER_SET, true, HB_PEER_A_MULTIPLIER, 1 },
	{ B_PEER_SET, true, HB_PEER_A_PORT, 2 },
	{ B_KEY_ADD, true, HB_KEY_A_PRIMARY, 0 },
};

static void case_badlen(struct req *r)
{
	static const unsigned int lens[] = { 0, 1, 2, 3, 4, 5, 8, 15, 16, 17,
					     31, 32, 33 };
	const struct lenattr *a;
	unsigned int len;

	do {
		a = &lenattrs[below(N(lenattrs))];
	} while (!base_ok(a->b) ||
		 (a->type == HB_A_NODE_AUTH && !have_cmd[HB_CMD_KEY_ADD]));
	do {
		len = lens[below(N(lens))];
	} while (len == a->len);

	switch (below(3)) {
	case 0:		/* the id itself */
		if (a->b == B_NODE_SET) {
			init(r, HB_CMD_NODE_SET);
			put_rand(r, HB_A_NODE_ID, len == 4 ? 5 : len);
			WHAT("NODE_SET with a %u byte node id", len == 4 ? 5 : len);
			return;
		}
		if (a->b == B_KEY_ADD) {
			init(r, HB_CMD_KEY_ADD);
			nest_start(r, HB_A_KEY);
			put_rand(r, HB_KEY_A_ID, len == 1 ? 2 : len);
			put_rand(r, HB_KEY_A_SECRET, HEARTBEAT_KEY_LEN);
			nest_end(r);
			WHAT("KEY_ADD with a %u byte key id", len == 1 ? 2 : len);
			return;
		}
		if (len == 4)
			len = 5;
		init(r, base_cmd[a->b]);
		nest_start(r, HB_A_PEER);
		put_rand(r, HB_PEER_A_ID, len);
		if (a->b == B_PEER_ADD)
			put_u32(r, HB_PEER_A_ADDR4, unicast4());
		nest_end(r);
		WHAT("%s with a %u byte peer id", base_names[a->b], len);
		return;
	case 1:
		if (a->b == B_KEY_ADD || base_ok(B_KEY_ADD)) {
			init(r, HB_CMD_KEY_ADD);
			nest_start(r, HB_A_KEY);
			put_u8(r, HB_KEY_A_ID, key_id == 200 ? 201 : 200);
			len = lens[below(N(lens))];
			if (len == HEARTBEAT_KEY_LEN)
				len = 64;
			put_rand(r, HB_KEY_A_SECRET, len);
			nest_end(r);
			WHAT("KEY_ADD with a %u byte secret", len);
			return;
		}
		/* fall through */
	default:
		break;
	}
	base(r, a->b, a->nested);
	if (a->type == HB_PEER_A_ADDR4 && len == 16)
		len = 15;	/* 16 bytes would be... still not ADDR4 */
	put_rand(r, a->type, len);
	if (a->nested)
		nest_end(r);
	WHAT("%s: attribute %u with %u bytes (want %u)", base_names[a->b],
	     a->type, len, a->len);
}

static void case_nonest(struct req *r)
{
	enum base b = pick(nest_bases, N(nest_bases));
	struct nlattr *a;

	if (below(3) == 0) {
		init(r, HB_CMD_NODE_SET);
		put_u32(r, HB_A_NODE_ID, node_id);
		nest_start(r, HB_A_NODE_LEADERS);
		put_u32(r, HB_LIST_A_ID, node_id + 1);
		nest_end(r);
		a = (void *)(r->buf + NLMSG_LENGTH(GENL_HDRLEN) + 8);
		a->nla_type &= ~NLA_F_NESTED;
		WHAT("NODE_SET with HB_A_NODE_LEADERS without NLA_F_NESTED");
		return;
	}
	base(r, b, false);
	a = (void *)(r->buf + NLMSG_LENGTH(GENL_HDRLEN));
	a->nla_type &= ~NLA_F_NESTED;
	WHAT("%s with its nest without NLA_F_NESTED", base_names[b]);
}

static void case_badnest(struct req *r)
{
	enum base b = pick(nest_bases, N(nest_bases));
	struct nlattr *a;
	unsigned int i, n;

	base(r, b, true);
	switch (below(4)) {
	case 0:		/* an inner attribute shorter than its header */
		a = (void *)(r->buf + r->nlh.nlmsg_len);
		a->nla_len = below(NLA_HDRLEN);
		a->nla_type = 2;
		r->nlh.nlmsg_len += NLA_HDRLEN;
		nest_end(r);
		WHAT("%s: nest ends with a %u byte attribute header",
		     base_names[b], a->nla_len);
		return;
	case 1:		/* an inner attribute longer than the nest */
		put_u32(r, 1, 0);
		a = (void *)(r->buf + r->nlh.nlmsg_len - 8);
		a->nla_len = range(9, 200);
		nest_end(r);
		WHAT("%s: inner attribute of %u bytes in a shorter nest",
		     base_names[b], a->nla_len);
		return;
	case 2:		/* 1..3 stray bytes at the end of the nest */
		n = range(1, 3);
		for (i = 0; i < n; i++)
			r->buf[r->nlh.nlmsg_len + i] = rnd();
		r->nlh.nlmsg_len += n;
		nest_end(r);
		r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len);
		WHAT("%s: %u stray bytes at the end of the nest",
		     base_names[b], n);
		return;
	default:	/* the nest as a plain u32 (flagged nested or not) */
		init(r, base_cmd[b]);
		put_u32(r, (b >= B_KEY_ADD ? HB_A_KEY : HB_A_PEER) |
			(below(2) ? NLA_F_NESTED : 0), rnd());
		WHAT("%s with a u32 for its nest", base_names[b]);
		return;
	}
}

static void case_range(struct req *r)
{
	uint32_t v;

	switch (below(16)) {
	case 0:
		init(r, HB_CMD_NODE_SET);
		put_u32(r, HB_A_NODE_ID, 0);
		WHAT("NODE_SET node id 0");
		return;
	case 1:
		base(r, B_NODE_SET, false);
		put_u16(r, HB_A_NODE_PORT, 0);
		WHAT("NODE_SET port 0");
		return;
	case 2:
		base(r, B_NODE_SET, false);
		v = range(__HB_MODE_MAX, 255);
		put_u8(r, HB_A_NODE_MODE, v);
		WHAT("NODE_SET mode %u", v);
		return;
	case 3:
		base(r, B_NODE_SET, false);
		v = range(2, 255);
		put_u8(r, HB_A_NODE_LEARN, v);
		WHAT("NODE_SET learn %u", v);
		return;
	case 4:
		base(r, B_NODE_SET, false);
		v = below(2) ? 0 : range(HEARTBEAT_MAX_MONITORS + 1, 255);
		put_u8(r, HB_A_NODE_MONITORS, v);
		WHAT("NODE_SET monitors %u", v);
		return;
	case 5:
		base(r, B_NODE_SET, false);
		v = below(2) ? below(HEARTBEAT_MIN_INTERVAL_US) :
			range(HEARTBEAT_MAX_INTERVAL_US + 1, 0xffffffff);
		put_u32(r, HB_A_NODE_INTERVAL_US, v);
		WHAT("NODE_SET interval %u us", v);
		return;
	case 6:
		base(r, B_NODE_SET, false);
		v = below(HEARTBEAT_MIN_MULTIPLIER);
		put_u8(r, HB_A_NODE_MULTIPLIER, v);
		WHAT("NODE_SET multiplier %u", v);
		return;
	case 7:
		base(r, B_NODE_SET, false);
		v = below(2) ? 0 : range(HEARTBEAT_MAX_PEERS + 1, 0xffffffff);
		put_u32(r, HB_A_NODE_LEARN_LIMIT, v);
		WHAT("NODE_SET learn limit %u", v);
		return;
	case 8:
		if (have_cmd[HB_CMD_KEY_ADD]) {
			base(r, B_NODE_SET, false);
			v = range(2, 255);
			put_u8(r, HB_A_NODE_AUTH, v);
			WHAT("NODE_SET auth %u", v);
			return;
		}
		/* fall through */
	case 9: {
		static const enum base ids[] = {
			B_PEER_ADD, B_PEER_SET, B_PEER_DEL, B_PEER_GET,
		};
		enum base b = pick(ids, N(ids));

		init(r, base_cmd[b]);
		nest_start(r, HB_A_PEER);
		put_u32(r, HB_PEER_A_ID, 0);
		if (b == B_PEER_ADD)
			put_u32(r, HB_PEER_A_ADDR4, unicast4());
		nest_end(r);
		WHAT("%s peer id 0", base_names[b]);
		return;
	}
	case 10:
		base(r, below(2) ? B_PEER_ADD : B_PEER_SET, true);
		put_u16(r, HB_PEER_A_PORT, 0);
		nest_end(r);
		WHAT("peer port 0");
		return;
	case 11:
		base(r, below(2) ? B_PEER_ADD : B_PEER_SET, true);
		v = below(2) ? below(HEARTBEAT_MIN_INTERVAL_US) :
			range(HEARTBEAT_MAX_INTERVAL_US + 1, 0xffffffff);
		put_u32(r, HB_PEER_A_INTERVAL_US, v);
		nest_end(r);
		WHAT("peer interval %u us", v);
		return;
	case 12:
		base(r, below(2) ? B_PEER_ADD : B_PEER_SET, true);
		v = below(HEARTBEAT_MIN_MULTIPLIER);
		put_u8(r, HB_PEER_A_MULTIPLIER, v);
		nest_end(r);
		WHAT("peer multiplier %u", v);
		return;
	case 13:
		init(r, HB_CMD_NODE_SET);
		put_u32(r, HB_A_NODE_ID, node_id);
		nest_start(r, HB_A_NODE_LEADERS);
		put_u32(r, HB_LIST_A_ID, 0);
		nest_end(r);
		WHAT("NODE_SET leader id 0");
		return;
	default:
		if (base_ok(B_KEY_ADD)) {
			static const enum base keys[] = {
				B_KEY_ADD, B_KEY_SET, B_KEY_DEL,
			};
			enum base b = pick(keys, N(keys));

			init(r, base_cmd[b]);
			nest_start(r, HB_A_KEY);
			put_u8(r, HB_KEY_A_ID, 0);
			if (b == B_KEY_ADD)
				put_rand(r, HB_KEY_A_SECRET, HEARTBEAT_KEY_LEN);
			if (b == B_KEY_SET)
				put(r, HB_KEY_A_PRIMARY, NULL, 0);
			nest_end(r);
			WHAT("%s key id 0", base_names[b]);
			return;
		}
		init(r, HB_CMD_NODE_SET);
		put_u32(r, HB_A_NODE_ID, 0);
		WHAT("NODE_SET node id 0");
		return;
	}
}

static void case_semantic(struct req *r)
{
	/* 0.0.0.0/8 but 0.0.0.0 is unicast for Linux since 5.3 */
	static const uint32_t bad4[] = {
		0x00000000, 0xe0000001, 0xef010203, 0xffffffff, 0x7f000001,
	};
	unsigned char a6[16];
	unsigned int i, n;

	switch (below(14)) {
	case 0:
		init(r, base_cmd[pick((const enum base[]){ B_PEER_ADD,
				B_PEER_SET, B_PEER_DEL, B_PEER_GET }, 4)]);
		WHAT("%s without the peer nest",
		     r->buf[NLMSG_HDRLEN] == HB_CMD_PEER_ADD ? "PEER_ADD" :
		     "a peer command");
		return;
	case 1:
		init(r, below(2) ? HB_CMD_PEER_ADD : HB_CMD_PEER_SET);
		nest_start(r, HB_A_PEER);
		put_u32(r, HB_PEER_A_ADDR4, unicast4());
		nest_end(r);
		WHAT("peer nest without an id");
		return;
	case 2:
		init(r, HB_CMD_PEER_ADD);
		nest_start(r, HB_A_PEER);
		put_u32(r, HB_PEER_A_ID, new_peer_id());
		nest_end(r);
		WHAT("PEER_ADD without an address");
		return;
	case 3:
		base(r, below(2) ? B_PEER_ADD : B_PEER_SET, true);
		memset(a6, 0, sizeof(a6));
		a6[0] = 0xfd;
		a6[15] = range(1, 255);
		if (r->buf[NLMSG_HDRLEN] == HB_CMD_PEER_SET)
			put_u32(r, HB_PEER_A_ADDR4, unicast4());
		put(r, HB_PEER_A_ADDR6, a6, 16);
		nest_end(r);
		WHAT("peer nest with both an IPv4 and an IPv6 address");
		return;
	case 4: {
		uint32_t a = htonl(bad4[below(N(bad4))]);

		if (below(2))	/* any multicast or loopback address */
			a = htonl(below(2) ? range(0xe0000000, 0xefffffff) :
				  range(0x7f000000, 0x7fffffff));
		base(r, below(2) ? B_PEER_ADD : B_PEER_SET, true);
		if (r->buf[NLMSG_HDRLEN] == HB_CMD_PEER_ADD)
			r->nlh.nlmsg_len -= 8;	/* drop the valid address */
		put_u32(r, HB_PEER_A_ADDR4, a);
		nest_end(r);
		WHAT("peer address %08x", ntohl(a));
		return;
	}
	case 5:
		memset(a6, 0, sizeof(a6));
		switch (below(5)) {
		case 0: break;					/* :: */
		case 1: a6[15] = 1; break;			/* ::1 */
		case 2: a6[0] = 0xff; a6[1] = rnd(); a6[15] = 1; break;
		case 3: a6[10] = a6[11] = 0xff; a6[12] = 10; a6[15] = 9;
			break;					/* v4-mapped */
		default: a6[0] = 0xfe; a6[1] = 0x80 | (rnd() & 0x3f);
			a6[15] = 1; break;			/* link-local */
		}
		base(r, below(2) ? B_PEER_ADD : B_PEER_SET, true);
		if (r->buf[NLMSG_HDRLEN] == HB_CMD_PEER_ADD)
			r->nlh.nlmsg_len -= 8;
		put(r, HB_PEER_A_ADDR6, a6, 16);
		nest_end(r);
		WHAT("peer address %02x%02x::%02x (not unicast)", a6[0], a6[1],
		     a6[15]);
		return;
	case 6:
		init(r, HB_CMD_PEER_ADD);
		nest_start(r, HB_A_PEER);
		put_u32(r, HB_PEER_A_ID, peer_id);
		put_u32(r, HB_PEER_A_ADDR4, unicast4());
		nest_end(r);
		WHAT("PEER_ADD of an existing peer");
		return;
	case 7:
		init(r, base_cmd[pick((const enum base[]){ B_PEER_SET,
				B_PEER_DEL, B_PEER_GET }, 3)]);
		nest_start(r, HB_A_PEER);
		put_u32(r, HB_PEER_A_ID, new_peer_id());
		nest_end(r);
		WHAT("peer command on an unknown peer");
		return;
	case 8:
		base(r, B_NODE_SET, false);
		nest_start(r, HB_A_NODE_LEADERS);
		n = range(HEARTBEAT_MAX_LEADERS + 1, 12);
		for (i = 0; i < n; i++)
			put_u32(r, HB_LIST_A_ID, node_id + 1000 + i);
		nest_end(r);
		WHAT("NODE_SET with %u leaders", n);
		return;
	case 9:
		base(r, B_NODE_SET, false);
		nest_start(r, HB_A_NODE_LEADERS);
		put_u32(r, HB_LIST_A_ID, node_id + 7);
		put_u32(r, HB_LIST_A_ID, node_id + 7);
		nest_end(r);
		WHAT("NODE_SET with a leader twice");
		return;
	case 10:
		base(r, B_NODE_SET, false);
		nest_start(r, HB_A_NODE_LEADERS);
		put_u32(r, HB_LIST_A_ID, node_id);
		nest_end(r);
		WHAT("NODE_SET with its own id as leader");
		return;
	case 11:
		base(r, B_NODE_SET, false);
		put_u8(r, HB_A_NODE_MODE, HB_MODE_MEMBER);
		WHAT("NODE_SET member mode without leaders");
		return;
	case 12:
		base(r, B_PEER_DUMP, false);
		nest_start(r, HB_A_PEER);
		put_u32(r, HB_PEER_A_ID, peer_id);
		nest_end(r);
		WHAT("PEER_GET dump with a peer nest");
		return;
	default:
		if (!base_ok(B_KEY_ADD)) {
			base(r, B_PEER_DUMP, false);
			nest_start(r, HB_A_PEER);
			put_u32(r, HB_PEER_A_ID, new_peer_id());
			nest_end(r);
			WHAT("PEER_GET dump with a peer nest");
			return;
		}
		switch (below(5)) {
		case 0:
			init(r, HB_CMD_KEY_ADD);
			nest_start(r, HB_A_KEY);
			put_u8(r, HB_KEY_A_ID, key_id == 9 ? 10 : 9);
			nest_end(r);
			WHAT("KEY_ADD without a secret");
			return;
		case 1:
			init(r, HB_CMD_KEY_ADD);
			nest_start(r, HB_A_KEY);
			put_u8(r, HB_KEY_A_ID, key_id);
			put_rand(r, HB_KEY_A_SECRET, HEARTBEAT_KEY_LEN);
			nest_end(r);
			WHAT("KEY_ADD of an existing key");
			return;
		case 2:
			init(r, HB_CMD_KEY_SET);
			nest_start(r, HB_A_KEY);
			put_u8(r, HB_KEY_A_ID, key_id);
			nest_end(r);
			WHAT("KEY_SET without HB_KEY_A_PRIMARY");
			return;
		case 3:
			init(r, HB_CMD_KEY_DEL);
			nest_start(r, HB_A_KEY);
			put_u8(r, HB_KEY_A_ID, key_id);
			put(r, HB_KEY_A_PRIMARY, NULL, 0);
			nest_end(r);
			WHAT("KEY_DEL with HB_KEY_A_PRIMARY");
			return;
		default:
			init(r, below(2) ? HB_CMD_KEY_SET : HB_CMD_KEY_DEL);
			nest_start(r, HB_A_KEY);
			put_u8(r, HB_KEY_A_ID, key_id == 250 ? 251 : 250);
			if (r->buf[NLMSG_HDRLEN] == HB_CMD_KEY_SET)
				put(r, HB_KEY_A_PRIMARY, NULL, 0);
			nest_end(r);
			WHAT("key command on an unknown key");
			return;
		}
	}
}

static void case_reserved(struct req *r)
{
	enum base b = pick(all_bases, N(all_bases));
	struct genlmsghdr *g;

	base(r, b, false);
	g = NLMSG_DATA(&r->nlh);
	g->reserved = range(1, 0xffff);
	WHAT("%s with genlmsghdr.reserved %u", base_names[b], g->reserved);
}

static void case_flags(struct req *r)
{
	static const uint16_t bad[] = {
		NLM_F_MULTI, NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED, 0x40, 0x80,
		0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000, 0x4000, 0x8000,
	};
	enum base b = pick(all_bases, N(all_bases));
	uint16_t f = bad[below(N(bad))];

	if (below(2))
		f |= bad[below(N(bad))];
	base(r, b, false);
	/* Both halves of NLM_F_DUMP make a dump request: keep one. */
	if ((f & NLM_F_DUMP) == NLM_F_DUMP &&
	    !(r->nlh.nlmsg_flags & NLM_F_DUMP))
		f &= ~NLM_F_MATCH;
	if (r->nlh.nlmsg_flags & NLM_F_DUMP)
		f &= ~NLM_F_DUMP;
	if (!f)
		f = NLM_F_MULTI;
	r->nlh.nlmsg_flags |= f;
	WHAT("%s with nlmsg_flags 0x%x", base_names[b], r->nlh.nlmsg_flags);
}

static void case_dump(struct req *r)
{
	static const enum base nodump[] = {
		B_NODE_SET, B_PEER_ADD, B_PEER_SET, B_PEER_DEL, B_NODE_GET,
		B_KEY_ADD, B_KEY_SET, B_KEY_DEL,
	};
	enum base b = pick(nodump, N(nodump));

	base(r, b, false);
	r->nlh.nlmsg_flags |= NLM_F_DUMP;
	WHAT("%s as a dump", base_names[b]);
}

static void case_cmd(struct req *r)
{
	uint8_t cmd;

	switch (below(3)) {
	case 0: cmd = HB_CMD_UNSPEC; break;
	case 1: cmd = HB_CMD_EVENT; break;
	default: cmd = range(__HB_CMD_MAX + 8, 255); break;
	}
	init(r, cmd);
	if (below(2))
		put_u32(r, HB_A_NODE_ID, node_id);
	if (below(2))
		r->nlh.nlmsg_flags |= NLM_F_DUMP;
	WHAT("command %u", cmd);
}

static void case_truncated(struct req *r)
{
	enum base b = pick(all_bases, N(all_bases));
	struct nlattr *a;

	base(r, b, false);
	switch (below(3)) {
	case 0:
		r->nlh.nlmsg_len = NLMSG_HDRLEN + below(GENL_HDRLEN);
		WHAT("%s cut to %u bytes", base_names[b], r->nlh.nlmsg_len);
		return;
	case 1:
		put_u32(r, HB_A_NODE_CLUSTER, 1);
		a = (void *)(r->buf + r->nlh.nlmsg_len - 8);
		a->nla_len = range(9, 64);
		WHAT("%s whose last attribute claims %u bytes past the end",
		     base_names[b], a->nla_len);
		return;
	default:
		a = (void *)(r->buf + r->nlh.nlmsg_len);
		a->nla_len = below(NLA_HDRLEN);
		a->nla_type = HB_A_NODE_CLUSTER;
		r->nlh.nlmsg_len += NLA_HDRLEN;
		WHAT("%s ending with a %u byte attribute header",
		     base_names[b], a->nla_len);
		return;
	}
}

static const struct {
	const char *name;
	void (*fn)(struct req *r);
} cases[] = {
	{ "unknown", case_unknown },
	{ "readonly", case_readonly },
	{ "notaccepted", case_notaccepted },
	{ "badlen", case_badlen },
	{ "nonest", case_nonest },
	{ "badnest", case_badnest },
	{ "range", case_range },
	{ "semantic", case_semantic },
	{ "reserved", case_reserved },
	{ "flags", case_flags },
	{ "dump", case_dump },
	{ "cmd", case_cmd },
	{ "truncated", case_truncated },
};

/* --- talking to the kernel ------------------------------------------------------ */

static unsigned char rbuf[1 << 16];

/* Send @len bytes of @r; return 1 when refused (*@err the errno), 0 when
 * accepted, -1 when no answer came.
 */
static int transact(int fd, const struct req *r, size_t len, uint32_t seq,
		    int *err)
{
	struct nlmsghdr *h;
	ssize_t n;

	if (send(fd, r->buf, len, 0) < 0) {
		*err = errno;
		return 1;
	}
	for (;;) {
		n = recv(fd, rbuf, sizeof(rbuf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)
				continue;
			return -1;
		}
		for (h = (void *)rbuf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				*err = -e->error;
				return e->error ? 1 : 0;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				int e = 0;

				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&e, NLMSG_DATA(h), sizeof(e));
				*err = -e;
				return e ? 1 : 0;
			}
		}
	}
}

/* Resolve the family: its id and which commands it has. */
static int resolve(int fd)
{
	struct req r;
	struct nlmsghdr *h;
	struct nlattr *a, *op, *oa;
	ssize_t n;
	int rem, rem2, rem3;

	memset(&r, 0, sizeof(r));
	r.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.nlh.nlmsg_type = GENL_ID_CTRL;
	r.nlh.nlmsg_flags = NLM_F_REQUEST;
	r.nlh.nlmsg_seq = 1;
	((struct genlmsghdr *)NLMSG_DATA(&r.nlh))->cmd = CTRL_CMD_GETFAMILY;
	((struct genlmsghdr *)NLMSG_DATA(&r.nlh))->version = 1;
	put(&r, CTRL_ATTR_FAMILY_NAME, HEARTBEAT_GENL_NAME,
	    sizeof(HEARTBEAT_GENL_NAME));
	if (send(fd, r.buf, r.nlh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, rbuf, sizeof(rbuf), 0);
	if (n < 0)
		return -errno;
	h = (void *)rbuf;
	if (!NLMSG_OK(h, n) || h->nlmsg_type == NLMSG_ERROR)
		return -ENOENT;
	rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	a = (void *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
	for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			memcpy(&family, (char *)a + NLA_HDRLEN, 2);
		if ((a->nla_type & NLA_TYPE_MASK) != CTRL_ATTR_OPS)
			continue;
		rem2 = a->nla_len - NLA_HDRLEN;
		for (op = (void *)((char *)a + NLA_HDRLEN);
		     rem2 >= NLA_HDRLEN && op->nla_len >= NLA_HDRLEN &&
		     op->nla_len <= rem2;
		     rem2 -= NLA_ALIGN(op->nla_len),
		     op = (void *)((char *)op + NLA_ALIGN(op->nla_len))) {
			rem3 = op->nla_len - NLA_HDRLEN;
			for (oa = (void *)((char *)op + NLA_HDRLEN);
			     rem3 >= NLA_HDRLEN && oa->nla_len >= NLA_HDRLEN &&
			     oa->nla_len <= rem3;
			     rem3 -= NLA_ALIGN(oa->nla_len),
			     oa = (void *)((char *)oa + NLA_ALIGN(oa->nla_len))) {
				uint32_t id;

				if (oa->nla_type != CTRL_ATTR_OP_ID)
					continue;
				memcpy(&id, (char *)oa + NLA_HDRLEN, 4);
				if (id < 256)
					have_cmd[id] = true;
			}
		}
	}
	return family ? 0 : -ENOENT;
}

/* Add and delete one peer @n times: every request must succeed. */
static int churn(int fd, unsigned long long n, uint32_t id, uint32_t addr)
{
	unsigned long long i, ok = 0, failed = 0;
	uint32_t seq = 1000;
	struct req r;
	int ret, err;

	for (i = 0; i < n; i++) {
		init(&r, HB_CMD_PEER_ADD);
		nest_start(&r, HB_A_PEER);
		put_u32(&r, HB_PEER_A_ID, id);
		put_u32(&r, HB_PEER_A_ADDR4, addr);
		put_u32(&r, HB_PEER_A_INTERVAL_US, HEARTBEAT_MIN_INTERVAL_US);
		nest_end(&r);
		r.nlh.nlmsg_seq = ++seq;
		ret = transact(fd, &r, r.nlh.nlmsg_len, seq, &err);
		if (ret) {
			if (failed++ < 5)
				fprintf(stderr, "hb_nlstorm: churn %llu: PEER_ADD: %s\n",
					i, ret < 0 ? "no answer" : strerror(err));
			continue;
		}
		init(&r, HB_CMD_PEER_DEL);
		nest_start(&r, HB_A_PEER);
		put_u32(&r, HB_PEER_A_ID, id);
		nest_end(&r);
		r.nlh.nlmsg_seq = ++seq;
		ret = transact(fd, &r, r.nlh.nlmsg_len, seq, &err);
		if (ret) {
			if (failed++ < 5)
				fprintf(stderr, "hb_nlstorm: churn %llu: PEER_DEL: %s\n",
					i, ret < 0 ? "no answer" : strerror(err));
			continue;
		}
		ok++;
	}
	printf("churn %llu ok %llu failed %llu\n", n, ok, failed);
	return failed ? 1 : 0;
}

static void hexdump(const struct req *r, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(stderr, "%02x%s", r->buf[i], i % 32 == 31 ? "\n" : "");
	fprintf(stderr, "\n");
}

static unsigned long long number(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "hb_nlstorm: bad number %s\n", s);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr, "usage: hb_nlstorm --node-id ID --peer ID [--key ID] [--count N] [--seed S]\n"
		"       hb_nlstorm --churn N --churn-id ID --churn-addr ADDR4\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node-id", required_argument, NULL, 'n' },
		{ "peer", required_argument, NULL, 'p' },
		{ "key", required_argument, NULL, 'k' },
		{ "count", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "churn", required_argument, NULL, 'C' },
		{ "churn-id", required_argument, NULL, 'I' },
		{ "churn-addr", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long count = 10000, sent = 0, refused = 0, accepted = 0;
	unsigned long long unanswered = 0, per_case[N(cases)] = { 0 };
	unsigned long long per_errno[256] = { 0 };
	struct timeval tv = { .tv_sec = 5 };
	int one = 1, fd, c, ret, err;
	unsigned long long nchurn = 0;
	uint32_t churn_id = 0;
	struct in_addr churn_addr = { 0 };
	uint64_t seed;
	size_t len;
	struct req r;
	unsigned int k;

	seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': node_id = number(optarg); break;
		case 'p': peer_id = number(optarg); break;
		case 'k': key_id = number(optarg); break;
		case 'c': count = number(optarg); break;
		case 's': seed = number(optarg); break;
		case 'C': nchurn = number(optarg); break;
		case 'I': churn_id = number(optarg); break;
		case 'A':
			if (inet_pton(AF_INET, optarg, &churn_addr) != 1)
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc || (nchurn && (!churn_id || !churn_addr.s_addr)) ||
	    (!nchurn && (!node_id || !peer_id)))
		usage();
	rng = seed ? seed : 1;
	printf("seed %llu\n", (unsigned long long)seed);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0) {
		perror("hb_nlstorm: socket");
		return 1;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = resolve(fd);
	if (ret) {
		fprintf(stderr, "hb_nlstorm: family %s: %s\n",
			HEARTBEAT_GENL_NAME, strerror(-ret));
		return 1;
	}
	printf("family %u, key commands %s\n", family,
	       have_cmd[HB_CMD_KEY_ADD] ? "present" : "absent");
	if (nchurn)
		return churn(fd, nchurn, churn_id, churn_addr.s_addr);
	if (have_cmd[HB_CMD_KEY_ADD] && !key_id)
		printf("no --key: key requests left out\n");

	for (sent = 0; sent < count; sent++) {
		k = below(N(cases));
		cases[k].fn(&r);
		r.nlh.nlmsg_seq = sent + 2;
		len = r.nlh.nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ?
			NLMSG_HDRLEN + GENL_HDRLEN : r.nlh.nlmsg_len;
		per_case[k]++;
		ret = transact(fd, &r, len, r.nlh.nlmsg_seq, &err);
		if (ret == 1) {
			refused++;
			per_errno[err & 0xff]++;
			continue;
		}
		if (ret == 0) {
			if (accepted++ < 10) {
				fprintf(stderr, "hb_nlstorm: ACCEPTED (%s): %s\n",
					cases[k].name, what);
				hexdump(&r, len);
			}
		} else if (unanswered++ < 10) {
			fprintf(stderr, "hb_nlstorm: no answer (%s): %s\n",
				cases[k].name, what);
			hexdump(&r, len);
		}
	}
	for (k = 0; k < N(cases); k++)
		printf("case %s %llu\n", cases[k].name, per_case[k]);
	for (k = 0; k < 256; k++)
		if (per_errno[k])
			printf("errno %u %llu (%s)\n", k, per_errno[k],
			       strerror(k));
	printf("sent %llu refused %llu accepted %llu unanswered %llu\n", sent,
	       refused, accepted, unanswered);
	close(fd);
	return accepted || unanswered ? 1 : 0;
}
