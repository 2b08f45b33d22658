// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: parsing and building of heartbeat frames.
 *
 * Pure functions over a byte buffer: no allocation, no locking, no state.
 * Outside the kernel (fuzzing) a small compatibility header supplies the
 * kernel types and the get_unaligned_be*() / put_unaligned_be*() helpers.
 */

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/socket.h>
#include <linux/string.h>
#include "compat.h"
#endif
#include "frame.h"

#define HB_TLV_ALIGN	4

static size_t hb_tlv_align(size_t n)
{
	return (n + HB_TLV_ALIGN - 1) & ~(size_t)(HB_TLV_ALIGN - 1);
}

/* HB_TLV_MEMBERS: whole entries, a known state and family, nonzero id and
 * port, and an IPv4 address with nothing after its 4 bytes.
 */
static bool hb_members_valid(const unsigned char *v, size_t len)
{
	size_t n = len / sizeof(struct hb_member);
	size_t i, j;

	if (!n || n > HB_TLV_MEMBERS_MAX || len % sizeof(struct hb_member))
		return false;
	for (i = 0; i < n; i++) {
		const struct hb_member *m = (const void *)(v + i * sizeof(*m));

		if (!get_unaligned_be32(&m->id) || !get_unaligned_be16(&m->port))
			return false;
		if (m->state >= __HB_STATE_MAX)
			return false;
		if (m->family == HB_MEMBER_INET) {
			for (j = 4; j < sizeof(m->addr); j++)
				if (m->addr[j])
					return false;
		} else if (m->family != HB_MEMBER_INET6) {
			return false;
		}
	}
	return true;
}

/* HB_TLV_VERDICTS: entries that exactly fill the value; UP without and
 * DOWN with 1..HEARTBEAT_MAX_MONITORS nonzero confirmations.
 */
static bool hb_verdicts_valid(const unsigned char *v, size_t len)
{
	size_t off = 0, n = 0, size, i;

	while (off < len) {
		const struct hb_verdict *e;
		unsigned int nconf;

		if (len - off < sizeof(*e) || ++n > HB_TLV_VERDICTS_MAX)
			return false;
		e = (const void *)(v + off);
		nconf = e->confirmations;
		if (!get_unaligned_be32(&e->id))
			return false;
		if (e->state == HB_STATE_UP) {
			if (nconf)
				return false;
		} else if (e->state == HB_STATE_DOWN) {
			if (!nconf || nconf > HEARTBEAT_MAX_MONITORS)
				return false;
		} else {
			return false;
		}
		size = sizeof(*e) + nconf * sizeof(__be32);
		if (len - off < size)
			return false;
		for (i = 0; i < nconf; i++)
			if (!get_unaligned_be32(v + off + sizeof(*e) +
						i * sizeof(__be32)))
				return false;
		off += size;
	}
	return n > 0;
}

/*
 * Walk the extension chain of a frame of @length bytes: HB_DROP_BAD_LENGTH
 * when it does not fit, HB_DROP_BAD_MEMBERS when a known extension is
 * malformed or repeated, else HB_FRAME_OK with the known ones in @fi.
 */
static int hb_frame_tlvs(const unsigned char *buf, size_t length,
			 struct hb_frame_info *fi)
{
	size_t off = sizeof(struct hb_frame);

	fi->members = NULL;
	fi->members_len = 0;
	fi->verdicts = NULL;
	fi->verdicts_len = 0;

	while (off < length) {
		const unsigned char *value;
		const struct hb_tlv *tlv;
		size_t vlen;

		if (length - off < sizeof(*tlv))
			return HB_DROP_BAD_LENGTH;
		tlv = (const struct hb_tlv *)(buf + off);
		vlen = get_unaligned_be16(&tlv->length);
		if (vlen > length - off - sizeof(*tlv))
			return HB_DROP_BAD_LENGTH;
		value = buf + off + sizeof(*tlv);

		switch (get_unaligned_be16(&tlv->type)) {
		case HB_TLV_MEMBERS:
			if (fi->members || !hb_members_valid(value, vlen))
				return HB_DROP_BAD_MEMBERS;
			fi->members = value;
			fi->members_len = vlen;
			break;
		case HB_TLV_VERDICTS:
			if (fi->verdicts || !hb_verdicts_valid(value, vlen))
				return HB_DROP_BAD_MEMBERS;
			fi->verdicts = value;
			fi->verdicts_len = vlen;
			break;
		default:
			break;
		}
		/* The padding of the last extension may be left out. */
		off += hb_tlv_align(sizeof(*tlv) + vlen);
	}
	return HB_FRAME_OK;
}

/**
 * hb_frame_check_header() - the checks that need the fixed header only
 * @hdr: the first sizeof(struct hb_frame) bytes of the datagram, any
 *	 alignment; not read (may be NULL) when @len is shorter
 * @len: the datagram's length in bytes
 *
 * In this order: @len against the header size and HB_FRAME_MAX_LEN, magic,
 * version, flags (an unknown must-understand bit; hdr.opt_flags is never
 * checked: its unknown bits are ignored), hdr.length against @len, and the
 * size of the authentication trailer; hb_frame_parse() starts with the
 * same checks.
 *
 * Return: HB_FRAME_OK, or the enum hb_drop_reason of the first check that
 * failed.
 */
int hb_frame_check_header(const void *hdr, size_t len)
{
	const struct hb_frame *f = hdr;
	size_t length;

	if (len < sizeof(*f))
		return HB_DROP_SHORT;
	if (len > HB_FRAME_MAX_LEN)
		return HB_DROP_TOO_LONG;
	if (get_unaligned_be32(&f->magic) != HB_FRAME_MAGIC)
		return HB_DROP_BAD_MAGIC;
	if (f->version != HB_FRAME_VERSION)
		return HB_DROP_BAD_VERSION;
	if (f->flags & ~HB_FRAME_F_ALL)
		return HB_DROP_BAD_FIELD;

	length = get_unaligned_be16(&f->length);
	if (length < sizeof(*f) || length > len)
		return HB_DROP_BAD_LENGTH;
	/* Exactly one trailer. */
	if ((f->flags & HB_FRAME_F_AUTH) &&
	    len - length != sizeof(struct hb_auth))
		return HB_DROP_AUTH;
	return HB_FRAME_OK;
}

/**
 * hb_frame_parse() - validate one received heartbeat frame
 * @buf: the UDP payload
 * @len: its length in bytes
 * @fi: filled in, in host byte order, when the frame is valid
 *
 * Checks everything that needs no node state, in this order: the checks
 * of hb_frame_check_header() (length, magic, version, flags, hdr.length
 * against @len, the authentication trailer's size), the trailer's key id
 * (not its MAC: hb_auth_verify() needs the key), the extension chain and
 * the content of known extensions, then the sender id, interval and
 * multiplier.  Bytes past hdr.length of a frame without HB_FRAME_F_AUTH
 * are never read.
 *
 * Return: HB_FRAME_OK and @fi filled in, or the enum hb_drop_reason that
 * explains why the frame is invalid (@fi is then unspecified).
 */
int hb_frame_parse(const void *buf, size_t len, struct hb_frame_info *fi)
{
	const struct hb_frame *f = buf;
	unsigned int mult;
	size_t length;
	int ret;
	u8 flags;

	ret = hb_frame_check_header(buf, len);
	if (ret != HB_FRAME_OK)
		return ret;
	flags = f->flags;
	length = get_unaligned_be16(&f->length);
	fi->auth_key_id = 0;
	if (flags & HB_FRAME_F_AUTH) {
		/* A key id (the trailer's size was checked above). */
		fi->auth_key_id = ((const unsigned char *)buf)[length];
		if (!fi->auth_key_id)
			return HB_DROP_AUTH;
	}
	ret = hb_frame_tlvs(buf, length, fi);
	if (ret != HB_FRAME_OK)
		return ret;

	fi->flags = flags;
	/* May be ignored: only the known bits are kept. */
	fi->opt_flags = f->opt_flags & HB_FRAME_OPT_ALL;
	fi->length = length;
	fi->sender_id = get_unaligned_be32(&f->sender_id);
	fi->cluster_id = get_unaligned_be32(&f->cluster_id);
	fi->incarnation = get_unaligned_be64(&f->incarnation);
	fi->seq = get_unaligned_be64(&f->seq);
	fi->timestamp_ns = get_unaligned_be64(&f->timestamp_ns);
	fi->interval_us = get_unaligned_be32(&f->interval_us);
	fi->multiplier = f->multiplier;
	fi->echo_delay_us = get_unaligned_be32(&f->echo_delay_us);
	fi->echo_seq = get_unaligned_be64(&f->echo_seq);
	fi->echo_timestamp_ns = get_unaligned_be64(&f->echo_timestamp_ns);

	if (!fi->sender_id)
		return HB_DROP_BAD_FIELD;
	if (fi->interval_us < HEARTBEAT_MIN_INTERVAL_US ||
	    fi->interval_us > HEARTBEAT_MAX_INTERVAL_US)
		return HB_DROP_BAD_FIELD;
	/* (an unsigned int: the maximum may be the largest u8) */
	mult = fi->multiplier;
	if (mult < HEARTBEAT_MIN_MULTIPLIER || mult > HEARTBEAT_MAX_MULTIPLIER)
		return HB_DROP_BAD_FIELD;

	return HB_FRAME_OK;
}

/**
 * hb_frame_build() - write the header of a heartbeat frame
 * @buf: sizeof(struct hb_frame) bytes, any alignment
 * @fi: the values to send; @fi->length is ignored and so are unknown bits
 *	of @fi->flags and @fi->opt_flags
 * @ext_len: bytes of extensions the caller writes after the header
 *
 * Every byte of @buf is written, the reserved ones with zero.
 */
void hb_frame_build(void *buf, const struct hb_frame_info *fi,
		    size_t ext_len)
{
	struct hb_frame *f = buf;

	put_unaligned_be32(HB_FRAME_MAGIC, &f->magic);
	f->version = HB_FRAME_VERSION;
	f->flags = fi->flags & HB_FRAME_F_ALL;
	put_unaligned_be16(sizeof(*f) + ext_len, &f->length);
	put_unaligned_be32(fi->sender_id, &f->sender_id);
	put_unaligned_be32(fi->cluster_id, &f->cluster_id);
	put_unaligned_be64(fi->incarnation, &f->incarnation);
	put_unaligned_be64(fi->seq, &f->seq);
	put_unaligned_be64(fi->timestamp_ns, &f->timestamp_ns);
	put_unaligned_be32(fi->interval_us, &f->interval_us);
	f->multiplier = fi->multiplier;
	f->opt_flags = fi->opt_flags & HB_FRAME_OPT_ALL;
	put_unaligned_be16(0, &f->reserved);
	put_unaligned_be32(fi->echo_delay_us, &f->echo_delay_us);
	put_unaligned_be32(0, &f->reserved2);
	put_unaligned_be64(fi->echo_seq, &f->echo_seq);
	put_unaligned_be64(fi->echo_timestamp_ns, &f->echo_timestamp_ns);
}

/**
 * hb_frame_next_member() - decode the next entry of fi->members
 * @fi: a frame accepted by hb_frame_parse()
 * @off: byte offset into the list, 0 for the first entry; advanced
 * @out: the entry
 *
 * Return: true with @out filled, false when there is no further entry.
 */
bool hb_frame_next_member(const struct hb_frame_info *fi, size_t *off,
			  struct hb_member_info *out)
{
	const struct hb_member *m;

	if (!fi->members || *off + sizeof(*m) > fi->members_len)
		return false;
	m = (const void *)(fi->members + *off);
	*off += sizeof(*m);

	memset(out, 0, sizeof(*out));
	out->id = get_unaligned_be32(&m->id);
	out->state = m->state;
	out->port = get_unaligned_be16(&m->port);
	if (m->family == HB_MEMBER_INET) {
		out->family = AF_INET;
		memcpy(out->addr, m->addr, 4);
	} else {
		out->family = AF_INET6;
		memcpy(out->addr, m->addr, sizeof(out->addr));
	}
	return true;
}

/**
 * hb_frame_next_verdict() - decode the next entry of fi->verdicts
 * @fi: a frame accepted by hb_frame_parse()
 * @off: byte offset into the list, 0 for the first entry; advanced
 * @out: the entry
 *
 * Return: true with @out filled, false when there is no further entry.
 */
bool hb_frame_next_verdict(const struct hb_frame_info *fi, size_t *off,
			   struct hb_verdict_info *out)
{
	const struct hb_verdict *e;
	unsigned int i;

	if (!fi->verdicts || *off + sizeof(*e) > fi->verdicts_len)
		return false;
	e = (const void *)(fi->verdicts + *off);

	memset(out, 0, sizeof(*out));
	out->id = get_unaligned_be32(&e->id);
	out->epoch = get_unaligned_be32(&e->epoch);
	out->state = e->state;
	out->nconf = e->confirmations;
	for (i = 0; i < out->nconf; i++)
		out->conf[i] = get_unaligned_be32(fi->verdicts + *off +
						  sizeof(*e) +
						  i * sizeof(__be32));
	*off += sizeof(*e) + out->nconf * sizeof(__be32);
	return true;
}

/**
 * hb_tlv_begin() - start an extension
 * @buf: the extension block
 * @off: where the extension starts (a multiple of 4)
 * @type: enum hb_tlv_type
 *
 * Return: the offset of its first value byte.
 */
size_t hb_tlv_begin(u8 *buf, size_t off, u16 type)
{
	struct hb_tlv *tlv = (struct hb_tlv *)(buf + off);

	put_unaligned_be16(type, &tlv->type);
	put_unaligned_be16(0, &tlv->length);
	return off + sizeof(*tlv);
}

/**
 * hb_tlv_put_member() - append a struct hb_member
 * @buf: the extension block
 * @off: where the entry goes
 * @m: the entry; @m->family is AF_INET or AF_INET6
 *
 * Return: the offset after the entry.
 */
size_t hb_tlv_put_member(u8 *buf, size_t off, const struct hb_member_info *m)
{
	struct hb_member *e = (struct hb_member *)(buf + off);

	memset(e, 0, sizeof(*e));
	put_unaligned_be32(m->id, &e->id);
	e->state = m->state;
	put_unaligned_be16(m->port, &e->port);
	if (m->family == AF_INET) {
		e->family = HB_MEMBER_INET;
		memcpy(e->addr, m->addr, 4);
	} else {
		e->family = HB_MEMBER_INET6;
		memcpy(e->addr, m->addr, sizeof(e->addr));
	}
	return off + sizeof(*e);
}

/**
 * hb_tlv_put_verdict() - append a struct hb_verdict and its confirmations
 * @buf: the extension block
 * @off: where the entry goes
 * @v: the entry; @v->nconf is at most HEARTBEAT_MAX_MONITORS
 *
 * Return: the offset after the entry.
 */
size_t hb_tlv_put_verdict(u8 *buf, size_t off,
			  const struct hb_verdict_info *v)
{
	struct hb_verdict *e = (struct hb_verdict *)(buf + off);
	unsigned int i;

	put_unaligned_be32(v->id, &e->id);
	put_unaligned_be32(v->epoch, &e->epoch);
	e->state = v->state;
	e->confirmations = v->nconf;
	put_unaligned_be16(0, &e->reserved);
	off += sizeof(*e);
	for (i = 0; i < v->nconf; i++) {
		put_unaligned_be32(v->conf[i], buf + off);
		off += sizeof(__be32);
	}
	return off;
}

/**
 * hb_tlv_end() - finish an extension
 * @buf: the extension block
 * @start: the offset hb_tlv_begin() was given
 * @off: the offset after its last entry
 *
 * Writes the value length and zero padding to a 4 byte boundary.
 *
 * Return: the offset of the next extension.
 */
size_t hb_tlv_end(u8 *buf, size_t start, size_t off)
{
	struct hb_tlv *tlv = (struct hb_tlv *)(buf + start);
	size_t end = hb_tlv_align(off);

	put_unaligned_be16(off - start - sizeof(*tlv), &tlv->length);
	memset(buf + off, 0, end - off);
	return end;
}
