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
#include <asm/unaligned.h>
#endif
#include "frame.h"

#define HB_TLV_ALIGN	4

static bool hb_frame_tlvs_valid(const unsigned char *buf, size_t length)
{
	size_t off = sizeof(struct hb_frame);

	while (off < length) {
		const struct hb_tlv *tlv;
		size_t vlen;

		if (length - off < sizeof(*tlv))
			return false;
		tlv = (const struct hb_tlv *)(buf + off);
		vlen = get_unaligned_be16(&tlv->length);
		if (vlen > length - off - sizeof(*tlv))
			return false;
		/* The padding of the last extension may be left out. */
		off += (sizeof(*tlv) + vlen + HB_TLV_ALIGN - 1) &
		       ~(size_t)(HB_TLV_ALIGN - 1);
	}
	return true;
}

/**
 * hb_frame_parse() - validate one received heartbeat frame
 * @buf: the UDP payload
 * @len: its length in bytes
 * @fi: filled in, in host byte order, when the frame is valid
 *
 * Checks everything that needs no node state, in this order: @len against
 * the header size, magic, version, flags, the authentication flag (not
 * supported by this version), hdr.length against @len, the extension
 * chain, then the sender id, interval and multiplier.  Bytes past
 * hdr.length (an authentication trailer) are never read.
 *
 * Return: HB_FRAME_OK and @fi filled in, or the enum hb_drop_reason that
 * explains why the frame is invalid (@fi is then unspecified).
 */
int hb_frame_parse(const void *buf, size_t len, struct hb_frame_info *fi)
{
	const struct hb_frame *f = buf;
	unsigned int mult;
	size_t length;
	u8 flags;

	if (len < sizeof(*f))
		return HB_DROP_SHORT;
	if (get_unaligned_be32(&f->magic) != HB_FRAME_MAGIC)
		return HB_DROP_BAD_MAGIC;
	if (f->version != HB_FRAME_VERSION)
		return HB_DROP_BAD_VERSION;
	flags = f->flags;
	if (flags & ~HB_FRAME_F_ALL)
		return HB_DROP_BAD_FIELD;
	if (flags & HB_FRAME_F_AUTH)
		return HB_DROP_AUTH;

	length = get_unaligned_be16(&f->length);
	if (length < sizeof(*f) || length > len)
		return HB_DROP_BAD_LENGTH;
	if (!hb_frame_tlvs_valid(buf, length))
		return HB_DROP_BAD_LENGTH;

	fi->flags = flags;
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
 * hb_frame_build() - write a heartbeat frame without extensions
 * @buf: sizeof(struct hb_frame) bytes, any alignment
 * @fi: the values to send; @fi->length is ignored (the frame has no
 *	extensions) and so are unknown bits of @fi->flags
 *
 * Every byte of @buf is written, the reserved ones with zero.
 */
void hb_frame_build(void *buf, const struct hb_frame_info *fi)
{
	struct hb_frame *f = buf;

	put_unaligned_be32(HB_FRAME_MAGIC, &f->magic);
	f->version = HB_FRAME_VERSION;
	f->flags = fi->flags & HB_FRAME_F_ALL;
	put_unaligned_be16(sizeof(*f), &f->length);
	put_unaligned_be32(fi->sender_id, &f->sender_id);
	put_unaligned_be32(fi->cluster_id, &f->cluster_id);
	put_unaligned_be64(fi->incarnation, &f->incarnation);
	put_unaligned_be64(fi->seq, &f->seq);
	put_unaligned_be64(fi->timestamp_ns, &f->timestamp_ns);
	put_unaligned_be32(fi->interval_us, &f->interval_us);
	f->multiplier = fi->multiplier;
	f->reserved[0] = 0;
	f->reserved[1] = 0;
	f->reserved[2] = 0;
	put_unaligned_be32(fi->echo_delay_us, &f->echo_delay_us);
	put_unaligned_be64(fi->echo_seq, &f->echo_seq);
	put_unaligned_be64(fi->echo_timestamp_ns, &f->echo_timestamp_ns);
}
