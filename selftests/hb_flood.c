// SPDX-License-Identifier: GPL-2.0
/*
 * hb_flood: send a flood of malformed heartbeat frames, class by class, and
 * say how many datagrams of each drop reason the target must count.
 *
 *   hb_flood --dst ADDR --spoof ADDR --node-id T --cluster C --peers ID,...
 *            [--peer-src ADDR --peer-id X --peer-inc INC --peer-seq S]
 *            --class NAME[,NAME...] --count N [--seed S] [--batch N]
 *            [--pps N] [--dport P] [--sport P]
 *            [--key-file PATH --key-id K [--auth-required]]
 *            [--check-netns PATH] [--stall-probe]
 *
 * The target is node T of cluster C (static mode) whose configured peers
 * are --peers.  Every datagram is sent from --spoof (an address no peer
 * has), except the "replay" class, sent from --peer-src, the address and
 * port of peer X, whose last accepted frame had incarnation INC and
 * sequence number S (hb_inject primes it).  N datagrams are sent for each
 * class, in batches of --batch (sendmmsg), at most --pps per second when
 * given.  The PRNG (xorshift64*) seed is printed: a run can be replayed.
 *
 * Classes and the reason each datagram is built for:
 *   random     random bytes, 0..256 of them   short (< 72 bytes), bad_magic
 *   truncate   a valid frame cut short        short, bad_length
 *   magic      wrong magic                    bad_magic
 *   version    wrong version                  bad_version
 *   flags      an unknown flag bit            bad_field
 *   length     hdr.length < 72 or > datagram  bad_length
 *   tlv        TLV chain overrunning hdr.length  bad_length
 *   members    malformed HB_TLV_MEMBERS       bad_members
 *   verdicts   malformed HB_TLV_VERDICTS      bad_members
 *   field      zero sender, interval or multiplier out of range  bad_field
 *   cluster    another cluster id             bad_cluster
 *   unknown    a sender that is not a peer    unknown_peer
 *   self       the target's own id            self
 *   spoof      a peer's id from --spoof       bad_source
 *   replay     peer X, from its own address: a sequence number below the
 *              replay window or an older incarnation   stale
 *   mutate     a valid frame with 1-4 bit flips or byte overwrites (no
 *              intended reason: only the expectation below); signed
 *              before it is mutated when --key-file is given
 *
 * Authentication (--key-file PATH --key-id K: the target has key K; with
 * --auth-required it refuses unsigned frames):
 *   unauth     a valid unsigned frame, auth required   unauth
 *   nokey      signed under a key id the target lacks, auth required
 *                                                      no_key
 *   badmac     signed under K, MAC corrupted            auth
 *   authspoof  a peer's frame signed under K, from --spoof   bad_source
 *   authreplay as replay, signed under K               stale, replay
 *
 * The replay classes expect peer X's window full: every sequence number
 * from S - 63 to S was accepted (send those 64 frames first), so that one
 * inside the window is a repeat (replay) and one below it is stale.
 *
 * The expected reason of each datagram is computed independently of the
 * class, by kmod/frame.c's hb_frame_parse() (built in userspace with
 * fuzz/kcompat.h) followed by the receive path's node checks (own id,
 * cluster, known sender, source, sequence).  A datagram whose intended
 * reason differs from it is a "disagreement": the parser and this tool's
 * reading of the uapi header differ, and the run fails.  A datagram the
 * target would accept is a bug of this tool, and fails the run too.
 *
 * A class may be given as NAME:COUNT to send COUNT datagrams of it instead
 * of --count.
 *
 * With --check-netns (the target's namespace, e.g. /run/netns/NAME), the
 * tool reads the target's drop counters (HB_CMD_NODE_GET) before and after
 * each class, waits until they account for every datagram of the class
 * (at most 20 s) and compares each reason with what it expects.  With
 * --stall-probe, a SCHED_FIFO thread per CPU, pinned to it, sleeps 1 ms at
 * a time for the whole run and the longest time one was not run is
 * reported (emulation stalls, which delay the timers of that CPU as much).
 *
 * Output (stdout), one item per line:
 *   seed S
 *   class NAME SENT SECONDS RATE    per class
 *   check NAME ok|FAIL DETAILS      per class, with --check-netns
 *   expect REASON N                 per drop reason (JSON names of hbctl)
 *   sent TOTAL SECONDS RATE         frames per second
 *   disagree N
 *   stall MAX_US                    with --stall-probe
 * Exit 0 when every datagram was sent, nothing disagreed and every check
 * passed, 1 otherwise, 2 on usage errors.
 *
 * Built with -D_GNU_SOURCE (sendmmsg) and -include fuzz/kcompat.h, linked
 * with kmod/frame.c (see the Makefile).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <linux/if_alg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

#define MAX_DGRAM	1500
#define MAX_BATCH	256
#define WOULD_ACCEPT	(-2)

static const char *const drop_names[] = {
	[HB_DROP_SHORT]		 = "short",
	[HB_DROP_BAD_MAGIC]	 = "bad_magic",
	[HB_DROP_BAD_VERSION]	 = "bad_version",
	[HB_DROP_BAD_LENGTH]	 = "bad_length",
	[HB_DROP_BAD_CLUSTER]	 = "bad_cluster",
	[HB_DROP_UNKNOWN_PEER]	 = "unknown_peer",
	[HB_DROP_BAD_SOURCE]	 = "bad_source",
	[HB_DROP_BAD_FIELD]	 = "bad_field",
	[HB_DROP_AUTH]		 = "auth",
	[HB_DROP_STALE]		 = "stale",
	[HB_DROP_NOT_CONFIGURED] = "not_configured",
	[HB_DROP_SELF]		 = "self",
	[HB_DROP_LEARN_LIMIT]	 = "learn_limit",
	[HB_DROP_BAD_MEMBERS]	 = "bad_members",
	[HB_DROP_NOT_LEADER]	 = "not_leader",
	[HB_DROP_NO_KEY]	 = "no_key",
	[HB_DROP_UNAUTH]	 = "unauth",
	[HB_DROP_REPLAY]	 = "replay",
	[HB_DROP_BAD_EPOCH]	 = "bad_epoch",
	[HB_DROP_TOO_LONG]	 = "too_long",
	[HB_DROP_LEARN_RATE]	 = "learn_rate",
};

static const char *drop_name(int r)
{
	static char other[3][16];
	static unsigned int n;

	if (r >= 0 && (size_t)r < sizeof(drop_names) / sizeof(drop_names[0]) &&
	    drop_names[r])
		return drop_names[r];
	snprintf(other[n % 3], sizeof(other[0]), "reason%d", r);
	return other[n++ % 3];
}

enum cls {
	C_RANDOM, C_TRUNCATE, C_MAGIC, C_VERSION, C_FLAGS, C_LENGTH, C_TLV,
	C_MEMBERS, C_VERDICTS, C_FIELD, C_CLUSTER, C_UNKNOWN, C_SELF, C_SPOOF,
	C_REPLAY, C_MUTATE, C_UNAUTH, C_NOKEY, C_BADMAC, C_AUTHSPOOF,
	C_AUTHREPLAY, C_MAX
};

static const char *const cls_names[C_MAX] = {
	"random", "truncate", "magic", "version", "flags", "length", "tlv",
	"members", "verdicts", "field", "cluster", "unknown", "self", "spoof",
	"replay", "mutate", "unauth", "nokey", "badmac", "authspoof",
	"authreplay",
};

/* --- configuration ---------------------------------------------------- */

static u32 node_id, cluster_id;
static u32 peers[64];
static unsigned int npeers;
static u32 peer_x;
static u64 peer_inc, peer_seq;
static bool have_x;
static int hmac_op = -1;	/* AF_ALG hmac(sha256) keyed with key K */
static u8 key_id;
static bool auth_required;

/* --- PRNG: xorshift64* ------------------------------------------------- */

static u64 rng_state;

static u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

/* A uniform number in [0, n). */
static u64 below(u64 n)
{
	return n ? rnd() % n : 0;
}

static u64 range(u64 lo, u64 hi)
{
	return lo + below(hi - lo + 1);
}

static bool is_peer(u32 id)
{
	unsigned int i;

	for (i = 0; i < npeers; i++)
		if (peers[i] == id)
			return true;
	return false;
}

/* A nonzero id that is neither the target nor one of its peers. */
static u32 stranger(void)
{
	u32 id;

	do {
		id = rnd();
	} while (!id || id == node_id || is_peer(id));
	return id;
}

/* --- HMAC-SHA256 through the kernel's AF_ALG ----------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hmac_open(const char *path)
{
	struct sockaddr_alg sa = {
		.salg_family = AF_ALG,
		.salg_type = "hash",
		.salg_name = "hmac(sha256)",
	};
	char hex[2 * HEARTBEAT_KEY_LEN];
	u8 key[HEARTBEAT_KEY_LEN];
	int tfm, op, hi, lo;
	unsigned int i;
	FILE *f;

	f = fopen(path, "r");
	if (!f || fread(hex, 1, sizeof(hex), f) != sizeof(hex)) {
		fprintf(stderr, "hb_flood: --key-file %s: want 64 hex digits\n",
			path);
		exit(2);
	}
	fclose(f);
	for (i = 0; i < sizeof(key); i++) {
		hi = hexval(hex[2 * i]);
		lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			fprintf(stderr, "hb_flood: --key-file: bad hex digit\n");
			exit(2);
		}
		key[i] = hi << 4 | lo;
	}
	tfm = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (tfm < 0 || bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, sizeof(key)) < 0) {
		perror("hb_flood: AF_ALG hmac(sha256)");
		exit(1);
	}
	op = accept(tfm, NULL, 0);
	if (op < 0) {
		perror("hb_flood: AF_ALG accept");
		exit(1);
	}
	memset(key, 0, sizeof(key));
	return op;
}

/* The MAC of the @length bytes of a frame, its trailer's first 4 and the
 * destination's node id (the target's, not sent).
 */
static void hmac(const u8 *frame, size_t length, u8 *mac)
{
	size_t covered = length + offsetof(struct hb_auth, mac) + 4;
	static u8 tmp[MAX_DGRAM + 8];

	memcpy(tmp, frame, covered - 4);
	put_unaligned_be32(node_id, tmp + covered - 4);
	if (write(hmac_op, tmp, covered) != (ssize_t)covered ||
	    read(hmac_op, mac, HEARTBEAT_KEY_LEN) != HEARTBEAT_KEY_LEN) {
		perror("hb_flood: hmac");
		exit(1);
	}
}

/* Set HB_FRAME_F_AUTH on the frame of @len bytes (hdr.length) and append
 * a trailer with key id @id, signed under K when @id is K and random
 * otherwise; returns the datagram length.
 */
static size_t sign(u8 *buf, size_t len, u8 id)
{
	struct hb_frame *f = (struct hb_frame *)buf;
	struct hb_auth *t = (struct hb_auth *)(buf + len);
	unsigned int i;

	f->flags |= HB_FRAME_F_AUTH;
	memset(t, 0, sizeof(*t));
	t->key_id = id;
	if (id == key_id && hmac_op >= 0)
		hmac(buf, len, t->mac);
	else
		for (i = 0; i < sizeof(t->mac); i++)
			t->mac[i] = rnd();
	return len + sizeof(*t);
}

/* What hb_auth_verify() decides, for a target holding key K only. */
static int auth_check(const u8 *buf, const struct hb_frame_info *fi)
{
	u8 mac[HEARTBEAT_KEY_LEN];

	if (!(fi->flags & HB_FRAME_F_AUTH))
		return auth_required ? HB_DROP_UNAUTH : HB_FRAME_OK;
	if (hmac_op < 0 || fi->auth_key_id != key_id)
		return auth_required ? HB_DROP_NO_KEY : HB_FRAME_OK;
	hmac(buf, fi->length, mac);
	if (memcmp(mac, buf + fi->length + offsetof(struct hb_auth, mac),
		   sizeof(mac)))
		return HB_DROP_AUTH;
	return HB_FRAME_OK;
}

/* --- the expectation: parser plus node checks ------------------------- */

static int expect(const u8 *buf, size_t len, bool from_x)
{
	struct hb_frame_info fi;
	int ret;

	ret = hb_frame_parse(buf, len, &fi);
	if (ret != HB_FRAME_OK)
		return ret;
	if (fi.sender_id == node_id)
		return HB_DROP_SELF;
	if (fi.cluster_id != cluster_id)
		return HB_DROP_BAD_CLUSTER;
	ret = auth_check(buf, &fi);
	if (ret != HB_FRAME_OK)
		return ret;
	if (!is_peer(fi.sender_id))
		return HB_DROP_UNKNOWN_PEER;
	if (!from_x || fi.sender_id != peer_x)
		return HB_DROP_BAD_SOURCE;
	if (fi.incarnation < peer_inc)
		return HB_DROP_STALE;
	if (fi.incarnation == peer_inc && fi.seq + HB_REPLAY_WINDOW <= peer_seq)
		return HB_DROP_STALE;
	/* The whole window was seen (see above). */
	if (fi.incarnation == peer_inc && fi.seq <= peer_seq)
		return HB_DROP_REPLAY;
	return WOULD_ACCEPT;
}

/* --- building blocks ---------------------------------------------------- */

static void valid_header(struct hb_frame_info *fi, u32 sender)
{
	static const u8 flags[] = { 0, HB_FRAME_F_ECHO, HB_FRAME_F_LEAVE,
				    HB_FRAME_F_ECHO | HB_FRAME_F_LEAVE };

	memset(fi, 0, sizeof(*fi));
	fi->flags = flags[below(4)];
	fi->sender_id = sender;
	fi->cluster_id = cluster_id;
	fi->incarnation = rnd();
	fi->seq = rnd();
	fi->timestamp_ns = rnd();
	fi->interval_us = range(HEARTBEAT_MIN_INTERVAL_US,
				HEARTBEAT_MAX_INTERVAL_US);
	fi->multiplier = range(HEARTBEAT_MIN_MULTIPLIER,
			       HEARTBEAT_MAX_MULTIPLIER);
	if (fi->flags & HB_FRAME_F_ECHO) {
		fi->echo_delay_us = rnd();
		fi->echo_seq = rnd();
		fi->echo_timestamp_ns = rnd();
	}
}

static void valid_member(struct hb_member_info *m)
{
	unsigned int j;

	memset(m, 0, sizeof(*m));
	m->id = rnd() | 1;
	m->state = below(__HB_STATE_MAX);
	m->family = below(2) ? AF_INET6 : AF_INET;
	m->port = rnd() | 1;
	for (j = 0; j < (m->family == AF_INET ? 4U : 16U); j++)
		m->addr[j] = rnd();
}

static void valid_verdict(struct hb_verdict_info *v)
{
	unsigned int j;

	memset(v, 0, sizeof(*v));
	v->id = rnd() | 1;
	v->epoch = rnd();
	if (below(2)) {
		v->state = HB_STATE_DOWN;
		v->nconf = range(1, HEARTBEAT_MAX_MONITORS);
		for (j = 0; j < v->nconf; j++)
			v->conf[j] = rnd() | 1;
	} else {
		v->state = HB_STATE_UP;
	}
}

static size_t put_members(u8 *ext, size_t off, unsigned int n)
{
	struct hb_member_info m;
	size_t start = off;

	off = hb_tlv_begin(ext, off, HB_TLV_MEMBERS);
	while (n--) {
		valid_member(&m);
		off = hb_tlv_put_member(ext, off, &m);
	}
	return hb_tlv_end(ext, start, off);
}

static size_t put_verdicts(u8 *ext, size_t off, unsigned int n)
{
	struct hb_verdict_info v;
	size_t start = off;

	off = hb_tlv_begin(ext, off, HB_TLV_VERDICTS);
	while (n--) {
		valid_verdict(&v);
		off = hb_tlv_put_verdict(ext, off, &v);
	}
	return hb_tlv_end(ext, start, off);
}

/* An unknown TLV type with 0..8 value bytes: skipped by the parser. */
static size_t put_unknown(u8 *ext, size_t off)
{
	size_t start = off, n = below(9);

	off = hb_tlv_begin(ext, off, range(__HB_TLV_MAX, 0xffff));
	while (n--)
		ext[off++] = rnd();
	return hb_tlv_end(ext, start, off);
}

/* Valid extensions: none, or some of members, verdicts, unknown. */
static size_t valid_ext(u8 *ext)
{
	size_t off = 0;

	if (below(2))
		return 0;
	if (below(2))
		off = put_members(ext, off, range(1, 8));
	if (below(2))
		off = put_unknown(ext, off);
	if (below(2))
		off = put_verdicts(ext, off, range(1, 4));
	return off;
}

/* A frame that the parser accepts, from @sender; returns its length. */
static size_t valid_frame(u8 *buf, u32 sender)
{
	struct hb_frame_info fi;
	size_t ext_len;

	valid_header(&fi, sender);
	ext_len = valid_ext(buf + sizeof(struct hb_frame));
	hb_frame_build(buf, &fi, ext_len);
	/* May-ignore bits, known or not, leave the frame valid. */
	if (below(4) == 0)
		((struct hb_frame *)buf)->opt_flags = rnd();
	return sizeof(struct hb_frame) + ext_len;
}

static u32 any_sender(void)
{
	return below(2) && npeers ? peers[below(npeers)] : stranger();
}

/* Header of a frame whose only extension is the TLV built by the caller:
 * returns the offset of the TLV value.
 */
static size_t tlv_frame(u8 *buf, unsigned int type)
{
	return sizeof(struct hb_frame) +
		hb_tlv_begin(buf + sizeof(struct hb_frame), 0, type);
}

/* Finish the single TLV at sizeof(struct hb_frame) with a value of @vlen
 * bytes, pad it, and write the header; returns the datagram length.
 */
static size_t tlv_finish(u8 *buf, size_t vlen)
{
	struct hb_frame_info fi;
	u8 *ext = buf + sizeof(struct hb_frame);
	size_t end;

	end = hb_tlv_end(ext, 0, sizeof(struct hb_tlv) + vlen);
	valid_header(&fi, any_sender());
	hb_frame_build(buf, &fi, end);
	return sizeof(struct hb_frame) + end;
}

/* --- the classes ------------------------------------------------------- */

static size_t gen_members(u8 *buf)
{
	size_t v = tlv_frame(buf, HB_TLV_MEMBERS), vlen, i, n;
	struct hb_member_info m;
	struct hb_member *e;

	n = range(1, 8);
	for (i = 0; i < n; i++) {
		valid_member(&m);
		hb_tlv_put_member(buf, v + i * sizeof(*e), &m);
	}
	vlen = n * sizeof(*e);
	e = (struct hb_member *)(buf + v + below(n) * sizeof(*e));
	switch (below(9)) {
	case 0:		/* empty */
		vlen = 0;
		break;
	case 1:		/* not a whole number of entries */
		vlen += range(1, sizeof(*e) - 1);
		memset(buf + v + n * sizeof(*e), 0, sizeof(*e));
		break;
	case 2:		/* too many entries */
		n = range(HB_TLV_MEMBERS_MAX + 1, HB_TLV_MEMBERS_MAX + 4);
		for (i = 0; i < n; i++) {
			valid_member(&m);
			hb_tlv_put_member(buf, v + i * sizeof(*e), &m);
		}
		vlen = n * sizeof(*e);
		break;
	case 3:
		put_unaligned_be32(0, &e->id);
		break;
	case 4:
		put_unaligned_be16(0, &e->port);
		break;
	case 5:
		e->state = range(__HB_STATE_MAX, 255);
		break;
	case 6:
		do {
			e->family = rnd();
		} while (e->family == HB_MEMBER_INET ||
			 e->family == HB_MEMBER_INET6);
		break;
	case 7:		/* IPv4 with bytes after its 4 */
		e->family = HB_MEMBER_INET;
		e->addr[range(4, 15)] = rnd() | 1;
		break;
	default: {	/* a second HB_TLV_MEMBERS after a valid one */
		struct hb_frame_info fi;
		u8 *ext = buf + sizeof(struct hb_frame);
		size_t off;

		off = put_members(ext, 0, range(1, 4));
		off = put_members(ext, off, range(1, 4));
		valid_header(&fi, any_sender());
		hb_frame_build(buf, &fi, off);
		return sizeof(struct hb_frame) + off;
	}
	}
	return tlv_finish(buf, vlen);
}

static size_t gen_verdicts(u8 *buf)
{
	size_t v = tlv_frame(buf, HB_TLV_VERDICTS), off = v, i, n, k;
	struct hb_verdict_info vi;
	struct hb_verdict *e;

	n = range(1, 4);
	for (i = 0; i < n; i++) {
		valid_verdict(&vi);
		off = hb_tlv_put_verdict(buf, off, &vi);
	}
	/* The last entry is the one made bad (it ends the value). */
	e = (struct hb_verdict *)(buf + off);
	valid_verdict(&vi);
	switch (below(9)) {
	case 0:		/* empty */
		return tlv_finish(buf, 0);
	case 1:		/* UP with confirmations */
		vi.state = HB_STATE_UP;
		vi.nconf = range(1, HEARTBEAT_MAX_MONITORS);
		for (k = 0; k < vi.nconf; k++)
			vi.conf[k] = rnd() | 1;
		off = hb_tlv_put_verdict(buf, off, &vi);
		break;
	case 2:		/* DOWN without */
		vi.state = HB_STATE_DOWN;
		vi.nconf = 0;
		off = hb_tlv_put_verdict(buf, off, &vi);
		break;
	case 3:		/* DOWN with too many (and their ids) */
		vi.state = HB_STATE_DOWN;
		vi.nconf = 1;
		off = hb_tlv_put_verdict(buf, off, &vi);
		k = range(HEARTBEAT_MAX_MONITORS + 1, 40);
		e->confirmations = k;
		for (i = 1; i < k; i++, off += 4)
			put_unaligned_be32(rnd() | 1, buf + off);
		break;
	case 4:		/* zero id */
		vi.id = 0;
		off = hb_tlv_put_verdict(buf, off, &vi);
		break;
	case 5:		/* a zero confirmation */
		vi.state = HB_STATE_DOWN;
		vi.nconf = range(1, HEARTBEAT_MAX_MONITORS);
		for (k = 0; k < vi.nconf; k++)
			vi.conf[k] = rnd() | 1;
		vi.conf[below(vi.nconf)] = 0;
		off = hb_tlv_put_verdict(buf, off, &vi);
		break;
	case 6:		/* unknown state */
		off = hb_tlv_put_verdict(buf, off, &vi);
		do {
			e->state = rnd();
		} while (e->state == HB_STATE_UP || e->state == HB_STATE_DOWN);
		break;
	case 7:		/* the last entry cut short */
		vi.state = HB_STATE_DOWN;
		vi.nconf = range(1, HEARTBEAT_MAX_MONITORS);
		for (k = 0; k < vi.nconf; k++)
			vi.conf[k] = rnd() | 1;
		off = hb_tlv_put_verdict(buf, off, &vi);
		off -= range(1, sizeof(*e) + 4 * vi.nconf - 1);
		break;
	default:	/* too many entries */
		off = v;
		n = range(HB_TLV_VERDICTS_MAX + 1, HB_TLV_VERDICTS_MAX + 6);
		for (i = 0; i < n; i++) {
			valid_verdict(&vi);
			vi.state = HB_STATE_UP;
			vi.nconf = 0;
			off = hb_tlv_put_verdict(buf, off, &vi);
		}
		break;
	}
	return tlv_finish(buf, off - v);
}

/* A TLV chain that does not fit hdr.length. */
static size_t gen_tlv(u8 *buf)
{
	u8 *ext = buf + sizeof(struct hb_frame);
	struct hb_frame_info fi;
	size_t off = valid_ext(ext), len, vlen;
	struct hb_tlv *t;

	valid_header(&fi, any_sender());
	if (below(2)) {
		/* 1..3 bytes left: no room for a TLV header */
		len = off + range(1, 3);
		memset(ext + off, 0, 4);
		for (vlen = off; vlen < len; vlen++)
			ext[vlen] = rnd();
	} else {
		/* a TLV whose value runs past the end */
		static const u16 types[] = { HB_TLV_MEMBERS, HB_TLV_VERDICTS,
					     HB_TLV_UNSPEC, 0x1234 };

		t = (struct hb_tlv *)(ext + off);
		vlen = below(64);
		put_unaligned_be16(types[below(4)], &t->type);
		memset(ext + off + sizeof(*t), 0, vlen);
		put_unaligned_be16(range(vlen + 1, 0xffff), &t->length);
		len = off + sizeof(*t) + vlen;
	}
	hb_frame_build(buf, &fi, len);
	return sizeof(struct hb_frame) + len;
}

static size_t gen_field(u8 *buf)
{
	struct hb_frame *f = (struct hb_frame *)buf;
	size_t len = valid_frame(buf, any_sender());

	switch (below(4)) {
	case 0:
		put_unaligned_be32(0, &f->sender_id);
		break;
	case 1:
		put_unaligned_be32(below(HEARTBEAT_MIN_INTERVAL_US),
				   &f->interval_us);
		break;
	case 2:
		put_unaligned_be32(range(HEARTBEAT_MAX_INTERVAL_US + 1,
					 0xffffffffULL), &f->interval_us);
		break;
	default:
		f->multiplier = below(HEARTBEAT_MIN_MULTIPLIER);
		break;
	}
	return len;
}

static size_t gen_replay(u8 *buf)
{
	struct hb_frame *f = (struct hb_frame *)buf;
	size_t len = valid_frame(buf, peer_x);

	if (peer_inc > 1 && !below(3)) {
		put_unaligned_be64(range(1, peer_inc - 1), &f->incarnation);
	} else if (!below(2)) {
		/* a repeat of a frame inside the window */
		put_unaligned_be64(peer_inc, &f->incarnation);
		put_unaligned_be64(range(peer_seq - HB_REPLAY_WINDOW + 1,
					 peer_seq), &f->seq);
	} else {
		put_unaligned_be64(peer_inc, &f->incarnation);
		put_unaligned_be64(range(1, peer_seq - HB_REPLAY_WINDOW),
				   &f->seq);
	}
	return len;
}

static size_t gen_mutate(u8 *buf)
{
	size_t len = valid_frame(buf, any_sender());
	unsigned int n = range(1, 4);

	if (hmac_op >= 0)
		len = sign(buf, len, key_id);

	while (n--) {
		size_t at = below(len);

		if (below(4))
			buf[at] ^= 1 << below(8);
		else
			buf[at] = rnd();
	}
	return len;
}

/* Build one datagram of class @c into @buf; *@intended gets its reason
 * (-1: none).  Returns its length.
 */
static size_t generate(enum cls c, u8 *buf, int *intended)
{
	struct hb_frame *f = (struct hb_frame *)buf;
	size_t len, n;

	memset(buf, 0, MAX_DGRAM);
	*intended = -1;
	switch (c) {
	case C_RANDOM:
		len = below(257);
		for (n = 0; n < len; n++)
			buf[n] = rnd();
		if (len >= 4 && get_unaligned_be32(buf) == HB_FRAME_MAGIC)
			buf[0] ^= 0xff;
		*intended = len < sizeof(*f) ? HB_DROP_SHORT : HB_DROP_BAD_MAGIC;
		return len;
	case C_TRUNCATE:
		len = below(valid_frame(buf, any_sender()));
		*intended = len < sizeof(*f) ? HB_DROP_SHORT : HB_DROP_BAD_LENGTH;
		return len;
	case C_MAGIC:
		len = valid_frame(buf, any_sender());
		put_unaligned_be32(HB_FRAME_MAGIC ^ (rnd() | 1) << below(32),
				   &f->magic);
		if (get_unaligned_be32(&f->magic) == HB_FRAME_MAGIC)
			f->magic ^= 0x80;
		*intended = HB_DROP_BAD_MAGIC;
		return len;
	case C_VERSION:
		len = valid_frame(buf, any_sender());
		do {
			f->version = rnd();
		} while (f->version == HB_FRAME_VERSION);
		*intended = HB_DROP_BAD_VERSION;
		return len;
	case C_FLAGS:
		len = valid_frame(buf, any_sender());
		f->flags = (rnd() & 0xff) | (u8)(0x08 << below(5));
		*intended = HB_DROP_BAD_FIELD;
		return len;
	case C_LENGTH:
		len = valid_frame(buf, any_sender());
		if (below(2))
			put_unaligned_be16(below(sizeof(*f)), &f->length);
		else
			put_unaligned_be16(range(len + 1, 0xffff), &f->length);
		*intended = HB_DROP_BAD_LENGTH;
		return len;
	case C_TLV:
		*intended = HB_DROP_BAD_LENGTH;
		return gen_tlv(buf);
	case C_MEMBERS:
		*intended = HB_DROP_BAD_MEMBERS;
		return gen_members(buf);
	case C_VERDICTS:
		*intended = HB_DROP_BAD_MEMBERS;
		return gen_verdicts(buf);
	case C_FIELD:
		*intended = HB_DROP_BAD_FIELD;
		return gen_field(buf);
	case C_CLUSTER:
		len = valid_frame(buf, any_sender());
		put_unaligned_be32(cluster_id ^ (rnd() | 1), &f->cluster_id);
		*intended = HB_DROP_BAD_CLUSTER;
		return len;
	case C_UNKNOWN:
		*intended = HB_DROP_UNKNOWN_PEER;
		return valid_frame(buf, stranger());
	case C_SELF:
		*intended = HB_DROP_SELF;
		return valid_frame(buf, node_id);
	case C_SPOOF:
		*intended = HB_DROP_BAD_SOURCE;
		return valid_frame(buf, peers[below(npeers)]);
	case C_REPLAY:
	case C_AUTHREPLAY:
		len = gen_replay(buf);
		n = get_unaligned_be64(&f->seq);
		*intended = get_unaligned_be64(&f->incarnation) == peer_inc &&
			n + HB_REPLAY_WINDOW > peer_seq ?
			HB_DROP_REPLAY : HB_DROP_STALE;
		return c == C_AUTHREPLAY ? sign(buf, len, key_id) : len;
	case C_UNAUTH:
		*intended = HB_DROP_UNAUTH;
		return valid_frame(buf, any_sender());
	case C_NOKEY:
		*intended = HB_DROP_NO_KEY;
		len = valid_frame(buf, any_sender());
		do {
			n = rnd() & 0xff;
		} while (!n || n == key_id);
		return sign(buf, len, n);
	case C_BADMAC:
		*intended = HB_DROP_AUTH;
		len = sign(buf, valid_frame(buf, any_sender()), key_id);
		buf[len - 1 - below(HEARTBEAT_KEY_LEN)] ^= 1 << below(8);
		return len;
	case C_AUTHSPOOF:
		*intended = HB_DROP_BAD_SOURCE;
		return sign(buf, valid_frame(buf, peers[below(npeers)]), key_id);
	default:
		return gen_mutate(buf);
	}
}

/* --- the target's drop counters, over generic netlink ------------------------ */

static int nl_fd = -1;
static u16 nl_family;

struct nlreq {
	struct nlmsghdr nlh;
	struct genlmsghdr g;
	char attrs[64];
};

static u8 nl_buf[65536];

/* Send a request and return the first reply message, NULL on error. */
static struct nlmsghdr *nl_call(u16 type, u8 cmd, const char *name)
{
	static u32 seq;
	struct nlreq r;
	struct nlmsghdr *h;
	ssize_t n;

	memset(&r, 0, sizeof(r));
	r.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.nlh.nlmsg_type = type;
	r.nlh.nlmsg_flags = NLM_F_REQUEST;
	r.nlh.nlmsg_seq = ++seq;
	r.g.cmd = cmd;
	r.g.version = 1;
	if (name) {
		struct nlattr *a = (struct nlattr *)r.attrs;

		a->nla_type = CTRL_ATTR_FAMILY_NAME;
		a->nla_len = NLA_HDRLEN + strlen(name) + 1;
		memcpy(r.attrs + NLA_HDRLEN, name, strlen(name) + 1);
		r.nlh.nlmsg_len += NLA_ALIGN(a->nla_len);
	}
	if (send(nl_fd, &r, r.nlh.nlmsg_len, 0) < 0)
		return NULL;
	do {
		n = recv(nl_fd, nl_buf, sizeof(nl_buf), 0);
		if (n < 0)
			return NULL;
		h = (struct nlmsghdr *)nl_buf;
	} while (NLMSG_OK(h, n) && h->nlmsg_seq != seq);
	if (!NLMSG_OK(h, n) || h->nlmsg_type == NLMSG_ERROR)
		return NULL;
	return h;
}

#define for_each_attr(a, start, len)					\
	for (a = (struct nlattr *)(start);				\
	     (u8 *)(start) + (len) - (u8 *)a >= NLA_HDRLEN &&		\
	     a->nla_len >= NLA_HDRLEN &&				\
	     (u8 *)a + a->nla_len <= (u8 *)(start) + (len);		\
	     a = (struct nlattr *)((u8 *)a + NLA_ALIGN(a->nla_len)))

/* Open a generic netlink socket in the namespace at @path. */
static int nl_open(const char *path)
{
	struct nlmsghdr *h;
	struct nlattr *a;
	int self, target;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) < 0) {
		fprintf(stderr, "hb_flood: namespace %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (setns(self, CLONE_NEWNET) < 0 || nl_fd < 0) {
		perror("hb_flood: netlink socket");
		return -1;
	}
	close(self);
	close(target);
	h = nl_call(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, HEARTBEAT_GENL_NAME);
	if (!h) {
		fprintf(stderr, "hb_flood: no %s family\n", HEARTBEAT_GENL_NAME);
		return -1;
	}
	for_each_attr(a, (u8 *)NLMSG_DATA(h) + GENL_HDRLEN,
		      h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN))
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			memcpy(&nl_family, (u8 *)a + NLA_HDRLEN, 2);
	return nl_family ? 0 : -1;
}

/* The target's drop counters; returns their sum, or -1. */
static long long nl_drops(u64 out[__HB_DROP_MAX])
{
	struct nlattr *a, *c;
	struct nlmsghdr *h;
	long long sum = 0;
	u64 v;

	memset(out, 0, sizeof(u64) * __HB_DROP_MAX);
	h = nl_call(nl_family, HB_CMD_NODE_GET, NULL);
	if (!h)
		return -1;
	for_each_attr(a, (u8 *)NLMSG_DATA(h) + GENL_HDRLEN,
		      h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)) {
		if ((a->nla_type & NLA_TYPE_MASK) != HB_A_NODE_DROPS)
			continue;
		for_each_attr(c, (u8 *)a + NLA_HDRLEN, a->nla_len - NLA_HDRLEN) {
			unsigned int t = c->nla_type & NLA_TYPE_MASK;

			if (!t || t > __HB_DROP_MAX ||
			    c->nla_len != NLA_HDRLEN + sizeof(v))
				continue;
			memcpy(&v, (u8 *)c + NLA_HDRLEN, sizeof(v));
			out[t - 1] = v;
			sum += v;
		}
	}
	return sum;
}

/* --- the stall probe --------------------------------------------------------- */

#define PROBE_MAX_CPUS	64

static volatile bool probe_stop;
static u64 probe_max_ns[PROBE_MAX_CPUS];

static double now_s(void);

/* One per CPU, pinned: a virtual CPU stalls on its own, and the timers
 * queued on it with it.
 */
static void *probe(void *arg)
{
	struct sched_param sp = { .sched_priority = 50 };
	struct timespec ts = { .tv_nsec = 1000000 };
	long cpu = (long)arg;
	double prev, now;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	prev = now_s();
	while (!probe_stop) {
		nanosleep(&ts, NULL);
		now = now_s();
		if ((now - prev) * 1e9 > probe_max_ns[cpu])
			probe_max_ns[cpu] = (now - prev) * 1e9;
		prev = now;
	}
	return NULL;
}

/* --- sending ------------------------------------------------------------- */

static int parse_addr(const char *s, unsigned short port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	fprintf(stderr, "hb_flood: bad address: %s\n", s);
	return -1;
}

static int open_sock(const char *src, unsigned short port,
		     const struct sockaddr_storage *dst, socklen_t dlen)
{
	struct sockaddr_storage sa;
	int fd, one = 1, sz = 4 << 20;
	socklen_t slen;

	if (parse_addr(src, port, &sa, &slen))
		return -1;
	fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("hb_flood: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sa, slen) < 0 ||
	    connect(fd, (const struct sockaddr *)dst, dlen) < 0) {
		fprintf(stderr, "hb_flood: %s port %u: %s\n", src, port,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Send @n datagrams of @msgs on @fd, retrying what was not sent. */
static int send_all(int fd, struct mmsghdr *msgs, unsigned int n)
{
	unsigned int done = 0;
	int ret;

	while (done < n) {
		ret = sendmmsg(fd, msgs + done, n - done, 0);
		if (ret < 0) {
			if (errno == EINTR || errno == ENOBUFS ||
			    errno == EAGAIN) {
				usleep(100);
				continue;
			}
			/* An ICMP error from an earlier datagram: again. */
			if (errno == ECONNREFUSED)
				continue;
			perror("hb_flood: sendmmsg");
			return -1;
		}
		done += ret;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hb_flood --dst ADDR --spoof ADDR --node-id T --cluster C --peers ID,...\n"
		"       [--peer-src ADDR --peer-id X --peer-inc INC --peer-seq S]\n"
		"       --class NAME[,NAME...] --count N [--seed S] [--batch N] [--pps N]\n"
		"       [--dport P] [--sport P] [--key-file PATH --key-id K [--auth-required]]\n");
	exit(2);
}

static unsigned long long num(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "hb_flood: bad number: %s\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static u8 bufs[MAX_BATCH][MAX_DGRAM];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	unsigned long long count = 0, sent_cls[C_MAX] = { 0 };
	unsigned long long cls_count[C_MAX] = { 0 };
	unsigned long long exp_cls[__HB_DROP_MAX];
	u64 d0[__HB_DROP_MAX], d1[__HB_DROP_MAX];
	const char *check_ns = NULL;
	bool stall_probe = false, failed = false;
	pthread_t probe_thread[PROBE_MAX_CPUS];
	long ncpus = 0, cpu;
	unsigned long long expected[__HB_DROP_MAX] = { 0 };
	unsigned long long pps = 0, total = 0, disagree = 0, accept = 0;
	const char *dst = NULL, *spoof = NULL, *peer_src = NULL;
	unsigned short dport = HEARTBEAT_DEFAULT_PORT;
	unsigned short sport = HEARTBEAT_DEFAULT_PORT;
	unsigned int batch = 64, i, b;
	bool want[C_MAX] = { false };
	struct sockaddr_storage da;
	int fd_spoof, fd_x = -1, c;
	char *list = NULL, *tok;
	double t0, t1;
	socklen_t dlen;
	u64 seed;

	static const struct option opts[] = {
		{ "dst", required_argument, NULL, 'd' },
		{ "dport", required_argument, NULL, 'P' },
		{ "sport", required_argument, NULL, 'S' },
		{ "spoof", required_argument, NULL, 's' },
		{ "node-id", required_argument, NULL, 'n' },
		{ "cluster", required_argument, NULL, 'c' },
		{ "peers", required_argument, NULL, 'p' },
		{ "peer-src", required_argument, NULL, 'x' },
		{ "peer-id", required_argument, NULL, 'X' },
		{ "peer-inc", required_argument, NULL, 'I' },
		{ "peer-seq", required_argument, NULL, 'Q' },
		{ "class", required_argument, NULL, 'C' },
		{ "count", required_argument, NULL, 'N' },
		{ "seed", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "pps", required_argument, NULL, 'R' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "key-id", required_argument, NULL, 'K' },
		{ "auth-required", no_argument, NULL, 'A' },
		{ "check-netns", required_argument, NULL, 'W' },
		{ "stall-probe", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};

	seed = (u64)time(NULL) ^ (u64)getpid() << 32;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dst = optarg; break;
		case 'P': dport = num(optarg); break;
		case 'S': sport = num(optarg); break;
		case 's': spoof = optarg; break;
		case 'n': node_id = num(optarg); break;
		case 'c': cluster_id = num(optarg); break;
		case 'p':
			list = strdup(optarg);
			for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
				if (npeers == sizeof(peers) / sizeof(peers[0]))
					usage();
				peers[npeers++] = num(tok);
			}
			free(list);
			break;
		case 'x': peer_src = optarg; break;
		case 'X': peer_x = num(optarg); have_x = true; break;
		case 'I': peer_inc = num(optarg); break;
		case 'Q': peer_seq = num(optarg); break;
		case 'C':
			list = strdup(optarg);
			for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
				char *colon = strchr(tok, ':');

				if (colon)
					*colon++ = '\0';
				for (i = 0; i < C_MAX; i++)
					if (!strcmp(tok, cls_names[i]))
						break;
				if (i == C_MAX) {
					fprintf(stderr, "hb_flood: unknown class %s\n",
						tok);
					usage();
				}
				want[i] = true;
				cls_count[i] = colon ? num(colon) : 0;
			}
			free(list);
			break;
		case 'N': count = num(optarg); break;
		case 'r': seed = num(optarg); break;
		case 'b': batch = num(optarg); break;
		case 'R': pps = num(optarg); break;
		case 'k': hmac_op = hmac_open(optarg); break;
		case 'K': key_id = num(optarg); break;
		case 'A': auth_required = true; break;
		case 'W': check_ns = optarg; break;
		case 'T': stall_probe = true; break;
		default: usage();
		}
	}
	if (!dst || !spoof || !node_id || !npeers || optind != argc ||
	    !batch || batch > MAX_BATCH)
		usage();
	if ((want[C_BADMAC] || want[C_AUTHSPOOF] || want[C_AUTHREPLAY]) &&
	    (hmac_op < 0 || !key_id)) {
		fprintf(stderr, "hb_flood: badmac, authspoof and authreplay need --key-file and --key-id\n");
		return 2;
	}
	if ((want[C_UNAUTH] || want[C_NOKEY]) && !auth_required) {
		fprintf(stderr, "hb_flood: unauth and nokey need --auth-required\n");
		return 2;
	}
	if ((want[C_REPLAY] || want[C_AUTHREPLAY]) && (!peer_src || !have_x || !is_peer(peer_x) ||
			       peer_seq <= HB_REPLAY_WINDOW || !peer_inc)) {
		fprintf(stderr, "hb_flood: replay needs --peer-src, --peer-id (one of --peers), --peer-inc and --peer-seq > %u\n",
			HB_REPLAY_WINDOW);
		return 2;
	}
	rng_state = seed ? seed : 1;
	printf("seed %llu\n", (unsigned long long)seed);
	fflush(stdout);

	if (parse_addr(dst, dport, &da, &dlen))
		return 2;
	fd_spoof = open_sock(spoof, sport, &da, dlen);
	if (fd_spoof < 0)
		return 1;
	if (want[C_REPLAY] || want[C_AUTHREPLAY]) {
		fd_x = open_sock(peer_src, sport, &da, dlen);
		if (fd_x < 0)
			return 1;
	}

	if (check_ns && nl_open(check_ns))
		return 1;
	if (stall_probe) {
		ncpus = sysconf(_SC_NPROCESSORS_ONLN);
		if (ncpus < 1 || ncpus > PROBE_MAX_CPUS)
			ncpus = 1;
		for (cpu = 0; cpu < ncpus; cpu++) {
			if (pthread_create(&probe_thread[cpu], NULL, probe,
					   (void *)cpu)) {
				fprintf(stderr, "hb_flood: cannot start the stall probe\n");
				return 1;
			}
		}
	}

	for (i = 0; i < batch; i++) {
		iov[i].iov_base = bufs[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	t0 = now_s();
	for (c = 0; c < C_MAX; c++) {
		unsigned long long left = cls_count[c] ? cls_count[c] : count;
		long long s0 = 0, s1 = 0;
		double c0 = now_s(), c1, deadline;

		if (!want[c])
			continue;
		memset(exp_cls, 0, sizeof(exp_cls));
		if (check_ns) {
			s0 = nl_drops(d0);
			if (s0 < 0) {
				fprintf(stderr, "hb_flood: cannot read the target's drops\n");
				return 1;
			}
		}
		while (left) {
			unsigned int n = left < batch ? left : batch;

			for (b = 0; b < n; b++) {
				int intended, exp;
				size_t len;

				len = generate(c, bufs[b], &intended);
				iov[b].iov_len = len;
				exp = expect(bufs[b], len, c == C_REPLAY ||
					     c == C_AUTHREPLAY);
				if (exp == WOULD_ACCEPT) {
					if (accept++ < 5)
						fprintf(stderr, "hb_flood: %s datagram %llu would be accepted\n",
							cls_names[c], sent_cls[c] + b);
					continue;
				}
				if (intended >= 0 && intended != exp &&
				    disagree++ < 10)
					fprintf(stderr, "hb_flood: %s datagram %llu (%zu bytes): built for %s, parser says %s\n",
						cls_names[c], sent_cls[c] + b,
						len, drop_name(intended),
						drop_name(exp));
				expected[exp]++;
				exp_cls[exp]++;
			}
			if (accept)
				break;
			if (send_all(c == C_REPLAY || c == C_AUTHREPLAY ?
				     fd_x : fd_spoof, msgs, n))
				return 1;
			sent_cls[c] += n;
			total += n;
			left -= n;
			if (pps) {
				double ahead = total / (double)pps -
					       (now_s() - t0);

				if (ahead > 0)
					usleep(ahead * 1e6);
			}
		}
		c1 = now_s();
		printf("class %s %llu %.3f %.0f\n", cls_names[c], sent_cls[c],
		       c1 - c0, c1 > c0 ? sent_cls[c] / (c1 - c0) : 0.0);
		fflush(stdout);
		if (accept)
			break;
		if (!check_ns)
			continue;
		/* Wait until every datagram is counted, then a little more
		 * for one that would be counted twice.
		 */
		deadline = now_s() + 20;
		do {
			usleep(20000);
			s1 = nl_drops(d1);
		} while (s1 >= 0 && s1 - s0 < (long long)sent_cls[c] &&
			 now_s() < deadline);
		usleep(200000);
		s1 = nl_drops(d1);
		{
			char details[1024] = "";
			size_t off = 0;
			bool bad = false;

			for (i = 0; i < __HB_DROP_MAX; i++) {
				long long got = d1[i] - d0[i];

				if (got == (long long)exp_cls[i] && !got)
					continue;
				if (got != (long long)exp_cls[i])
					bad = true;
				off += snprintf(details + off,
						sizeof(details) - off,
						got == (long long)exp_cls[i] ?
						"%s%s +%lld" : "%s%s +%lld (want +%llu)",
						off ? ", " : "", drop_name(i),
						got, exp_cls[i]);
				if (off >= sizeof(details))
					off = sizeof(details) - 1;
			}
			printf("check %s %s %s\n", cls_names[c],
			       bad || s1 < 0 ? "FAIL" : "ok", details);
			fflush(stdout);
			if (bad || s1 < 0)
				failed = true;
		}
	}
	t1 = now_s();
	for (i = 0; i < __HB_DROP_MAX; i++) {
		if (!expected[i])
			continue;
		printf("expect %s %llu\n", drop_name(i), expected[i]);
	}
	printf("sent %llu %.3f %.0f\n", total, t1 - t0,
	       t1 > t0 ? total / (t1 - t0) : 0.0);
	printf("disagree %llu\n", disagree);
	if (stall_probe) {
		u64 max = 0;

		probe_stop = true;
		for (cpu = 0; cpu < ncpus; cpu++) {
			pthread_join(probe_thread[cpu], NULL);
			if (probe_max_ns[cpu] > max)
				max = probe_max_ns[cpu];
		}
		printf("stall %llu\n", (unsigned long long)max / 1000);
	}
	close(fd_spoof);
	if (fd_x >= 0)
		close(fd_x);
	if (accept) {
		fprintf(stderr, "hb_flood: built a datagram the target would accept: stopped\n");
		return 1;
	}
	return disagree || failed ? 1 : 0;
}
