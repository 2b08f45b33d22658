// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the frame parser of heartbeat.ko (kmod/frame.c,
 * built in userspace with kcompat.h).  Two halves per input:
 *
 * 1. hb_frame_parse() on the raw bytes.  A rejection must be a known
 *    enum hb_drop_reason.  An accepted frame must hold what the parser
 *    promises (hdr.length within the datagram, nonzero sender, interval and
 *    multiplier in range, only known flags, and the TLV values inside the
 *    frame, an authentication trailer of the exact size with a key id),
 *    and every entry hb_frame_next_member() and
 *    hb_frame_next_verdict() return must be valid and within bounds.  The
 *    accepted frame is then rebuilt with hb_frame_build() and the hb_tlv_*
 *    builders and parsed again: the same fields and entries must come back.
 *
 *    Flipping every bit of hdr.opt_flags (may be ignored) and filling
 *    the reserved fields changes nothing the parser decides.
 *
 * 2. The input drives the builders: a header, up to HB_TLV_MEMBERS_MAX
 *    members and HB_TLV_VERDICTS_MAX verdicts made valid from its bytes;
 *    the built frame must be accepted and decode to the same values.
 *
 * Any violated invariant aborts (a crash for libFuzzer); ASan and UBSan
 * catch every read outside the input and undefined arithmetic.
 */
#include <stdio.h>
#include <stdlib.h>

#include "frame.h"

#define FRAME_MAX	(sizeof(struct hb_frame) + HB_EXT_MAX + 64)

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_frame: %s:%d: invariant failed: %s\n", \
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

struct decoded {
	unsigned int nm, nv;
	struct hb_member_info m[HB_TLV_MEMBERS_MAX];
	struct hb_verdict_info v[HB_TLV_VERDICTS_MAX];
};

/* Iterate over a frame accepted by hb_frame_parse() and check each entry. */
static void decode(const u8 *buf, size_t len, const struct hb_frame_info *fi,
		   struct decoded *d)
{
	struct hb_member_info m;
	struct hb_verdict_info v;
	size_t off;
	unsigned int i;

	d->nm = 0;
	d->nv = 0;
	if (fi->members) {
		CHECK(fi->members >= buf + sizeof(struct hb_frame));
		CHECK(fi->members + fi->members_len <= buf + fi->length);
		CHECK(fi->members_len > 0);
		CHECK(fi->members_len % sizeof(struct hb_member) == 0);
	} else {
		CHECK(!fi->members_len);
	}
	off = 0;
	while (hb_frame_next_member(fi, &off, &m)) {
		CHECK(d->nm < HB_TLV_MEMBERS_MAX);
		CHECK(off <= fi->members_len);
		CHECK(m.id != 0 && m.port != 0);
		CHECK(m.state < __HB_STATE_MAX);
		CHECK(m.family == AF_INET || m.family == AF_INET6);
		if (m.family == AF_INET)
			for (i = 4; i < sizeof(m.addr); i++)
				CHECK(!m.addr[i]);
		d->m[d->nm++] = m;
	}
	CHECK(off == fi->members_len);

	if (fi->verdicts) {
		CHECK(fi->verdicts >= buf + sizeof(struct hb_frame));
		CHECK(fi->verdicts + fi->verdicts_len <= buf + fi->length);
		CHECK(fi->verdicts_len >= sizeof(struct hb_verdict));
	} else {
		CHECK(!fi->verdicts_len);
	}
	off = 0;
	while (hb_frame_next_verdict(fi, &off, &v)) {
		CHECK(d->nv < HB_TLV_VERDICTS_MAX);
		CHECK(off <= fi->verdicts_len);
		CHECK(v.id != 0);
		CHECK(v.nconf <= HEARTBEAT_MAX_MONITORS);
		if (v.state == HB_STATE_UP)
			CHECK(v.nconf == 0);
		else
			CHECK(v.state == HB_STATE_DOWN && v.nconf >= 1);
		for (i = 0; i < v.nconf; i++)
			CHECK(v.conf[i] != 0);
		d->v[d->nv++] = v;
	}
	CHECK(off == fi->verdicts_len);
	(void)len;
}

/* Build a frame from @fi and the entries of @d; returns its length. */
static size_t build(u8 *buf, const struct hb_frame_info *fi,
		    const struct decoded *d)
{
	u8 *ext = buf + sizeof(struct hb_frame);
	size_t off = 0, start;
	unsigned int i;

	if (d->nm) {
		start = off;
		off = hb_tlv_begin(ext, off, HB_TLV_MEMBERS);
		for (i = 0; i < d->nm; i++)
			off = hb_tlv_put_member(ext, off, &d->m[i]);
		off = hb_tlv_end(ext, start, off);
	}
	if (d->nv) {
		start = off;
		off = hb_tlv_begin(ext, off, HB_TLV_VERDICTS);
		for (i = 0; i < d->nv; i++)
			off = hb_tlv_put_verdict(ext, off, &d->v[i]);
		off = hb_tlv_end(ext, start, off);
	}
	CHECK(off <= HB_EXT_MAX);
	hb_frame_build(buf, fi, off);
	return sizeof(struct hb_frame) + off;
}

static void same_frame(const struct hb_frame_info *a,
		       const struct hb_frame_info *b)
{
	CHECK(a->flags == b->flags);
	CHECK(a->opt_flags == b->opt_flags);
	CHECK(a->sender_id == b->sender_id);
	CHECK(a->cluster_id == b->cluster_id);
	CHECK(a->incarnation == b->incarnation);
	CHECK(a->seq == b->seq);
	CHECK(a->timestamp_ns == b->timestamp_ns);
	CHECK(a->interval_us == b->interval_us);
	CHECK(a->multiplier == b->multiplier);
	CHECK(a->echo_delay_us == b->echo_delay_us);
	CHECK(a->echo_seq == b->echo_seq);
	CHECK(a->echo_timestamp_ns == b->echo_timestamp_ns);
}

static void same_entries(const struct decoded *a, const struct decoded *b)
{
	unsigned int i, j;

	CHECK(a->nm == b->nm && a->nv == b->nv);
	for (i = 0; i < a->nm; i++) {
		CHECK(a->m[i].id == b->m[i].id);
		CHECK(a->m[i].state == b->m[i].state);
		CHECK(a->m[i].family == b->m[i].family);
		CHECK(a->m[i].port == b->m[i].port);
		CHECK(!memcmp(a->m[i].addr, b->m[i].addr, sizeof(a->m[i].addr)));
	}
	for (i = 0; i < a->nv; i++) {
		CHECK(a->v[i].id == b->v[i].id);
		CHECK(a->v[i].epoch == b->v[i].epoch);
		CHECK(a->v[i].state == b->v[i].state);
		CHECK(a->v[i].nconf == b->v[i].nconf);
		for (j = 0; j < a->v[i].nconf; j++)
			CHECK(a->v[i].conf[j] == b->v[i].conf[j]);
	}
}

/* Rebuild an accepted frame and parse it again: nothing may change. */
static void roundtrip(const struct hb_frame_info *fi, const struct decoded *d)
{
	static u8 buf[FRAME_MAX];
	struct hb_frame_info fi2;
	struct decoded d2;
	size_t len;

	len = build(buf, fi, d);
	CHECK(hb_frame_parse(buf, len, &fi2) == HB_FRAME_OK);
	CHECK(fi2.length == len);
	same_frame(fi, &fi2);
	decode(buf, len, &fi2, &d2);
	same_entries(d, &d2);
}

/*
 * The bits of hdr.opt_flags may be ignored: whatever they are, the parser
 * decides the same, and the reserved bytes are never read either.
 */
static void may_ignore(const u8 *data, size_t size, int ret)
{
	static u8 buf[HB_FRAME_MAX_LEN + 1];
	struct hb_frame_info fi;

	if (size < sizeof(struct hb_frame) || size > sizeof(buf))
		return;
	memcpy(buf, data, size);
	buf[offsetof(struct hb_frame, opt_flags)] ^= 0xff;
	memset(buf + offsetof(struct hb_frame, reserved), 0xa5,
	       sizeof(((struct hb_frame *)0)->reserved));
	memset(buf + offsetof(struct hb_frame, reserved2), 0x5a,
	       sizeof(((struct hb_frame *)0)->reserved2));
	CHECK(hb_frame_parse(buf, size, &fi) == ret);
}

/* A byte source over the input: zeros once it is used up. */
struct src {
	const u8 *p;
	size_t n;
};

static u64 take(struct src *s, unsigned int bytes)
{
	u64 v = 0;

	while (bytes--) {
		v <<= 8;
		if (s->n) {
			v |= *s->p++;
			s->n--;
		}
	}
	return v;
}

static void from_input(const u8 *data, size_t size)
{
	struct src s = { data, size };
	struct hb_frame_info fi;
	struct decoded d;
	unsigned int i, j;

	memset(&fi, 0, sizeof(fi));
	memset(&d, 0, sizeof(d));
	fi.flags = take(&s, 1) & (HB_FRAME_F_ECHO | HB_FRAME_F_LEAVE);
	/* The builder keeps the known bits only. */
	fi.opt_flags = take(&s, 1) & HB_FRAME_OPT_ALL;
	fi.sender_id = take(&s, 4) | 1;
	fi.cluster_id = take(&s, 4);
	fi.incarnation = take(&s, 8);
	fi.seq = take(&s, 8);
	fi.timestamp_ns = take(&s, 8);
	fi.interval_us = HEARTBEAT_MIN_INTERVAL_US + take(&s, 4) %
		(HEARTBEAT_MAX_INTERVAL_US - HEARTBEAT_MIN_INTERVAL_US + 1);
	fi.multiplier = HEARTBEAT_MIN_MULTIPLIER + take(&s, 1) %
		(HEARTBEAT_MAX_MULTIPLIER - HEARTBEAT_MIN_MULTIPLIER + 1);
	fi.echo_delay_us = take(&s, 4);
	fi.echo_seq = take(&s, 8);
	fi.echo_timestamp_ns = take(&s, 8);

	d.nm = take(&s, 1) % (HB_TLV_MEMBERS_MAX + 1);
	for (i = 0; i < d.nm; i++) {
		struct hb_member_info *m = &d.m[i];

		m->id = take(&s, 4) | 1;
		m->state = take(&s, 1) % __HB_STATE_MAX;
		m->family = take(&s, 1) & 1 ? AF_INET6 : AF_INET;
		m->port = take(&s, 2) | 1;
		for (j = 0; j < (m->family == AF_INET ? 4U : 16U); j++)
			m->addr[j] = take(&s, 1);
	}
	d.nv = take(&s, 1) % (HB_TLV_VERDICTS_MAX + 1);
	for (i = 0; i < d.nv; i++) {
		struct hb_verdict_info *v = &d.v[i];

		v->id = take(&s, 4) | 1;
		v->epoch = take(&s, 4);
		if (take(&s, 1) & 1) {
			v->state = HB_STATE_DOWN;
			v->nconf = 1 + take(&s, 1) % HEARTBEAT_MAX_MONITORS;
			for (j = 0; j < v->nconf; j++)
				v->conf[j] = take(&s, 4) | 1;
		} else {
			v->state = HB_STATE_UP;
		}
	}
	roundtrip(&fi, &d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hb_frame_info fi;
	struct decoded d;
	int ret, hret;

	ret = hb_frame_parse(data, size, &fi);
	/* The receive path's early drops agree with the parser's. */
	hret = hb_frame_check_header(data, size);
	CHECK(hret == HB_FRAME_OK || hret == ret);
	if (size > HB_FRAME_MAX_LEN)
		CHECK(ret == HB_DROP_TOO_LONG);
	if (ret != HB_FRAME_OK) {
		CHECK(ret >= 0 && ret < __HB_DROP_MAX);
		if (size < sizeof(struct hb_frame))
			CHECK(ret == HB_DROP_SHORT);
	} else {
		CHECK(hret == HB_FRAME_OK);
		CHECK(size >= sizeof(struct hb_frame));
		CHECK(fi.length >= sizeof(struct hb_frame) && fi.length <= size);
		CHECK(get_unaligned_be32(data) == HB_FRAME_MAGIC);
		CHECK(!(fi.flags & ~HB_FRAME_F_ALL));
		CHECK(!(fi.opt_flags & ~HB_FRAME_OPT_ALL));
		CHECK(fi.sender_id != 0);
		CHECK(fi.interval_us >= HEARTBEAT_MIN_INTERVAL_US &&
		      fi.interval_us <= HEARTBEAT_MAX_INTERVAL_US);
		CHECK(fi.multiplier >= HEARTBEAT_MIN_MULTIPLIER);
		if (fi.flags & HB_FRAME_F_AUTH) {
			/* exactly one trailer, with a key id */
			CHECK(size - fi.length == sizeof(struct hb_auth));
			CHECK(fi.auth_key_id && fi.auth_key_id == data[fi.length]);
		}
		decode(data, size, &fi, &d);
		if (!(fi.flags & HB_FRAME_F_AUTH))
			roundtrip(&fi, &d);
	}
	may_ignore(data, size, ret);
	from_input(data, size);
	return 0;
}
