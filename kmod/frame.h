/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat: frame parsing and building.  frame.c depends on nothing but
 * this header and the uapi header, so that it also builds in userspace (for
 * fuzzing) with a small compatibility header.
 */
#ifndef _HB_FRAME_H
#define _HB_FRAME_H

#ifdef __KERNEL__
#include <linux/types.h>
#endif
#include <uapi/linux/heartbeat.h>

/**
 * struct hb_frame_info - a parsed frame, in host byte order
 * (fields as in struct hb_frame; @flags only holds known bits)
 */
struct hb_frame_info {
	u8 flags;
	u16 length;
	u32 sender_id;
	u32 cluster_id;
	u64 incarnation;
	u64 seq;
	u64 timestamp_ns;
	u32 interval_us;
	u8 multiplier;
	u32 echo_delay_us;
	u64 echo_seq;
	u64 echo_timestamp_ns;
};

#define HB_FRAME_OK (-1)

/*
 * Parse and validate @len bytes at @buf, which hold one UDP payload.
 * Returns HB_FRAME_OK and fills @fi, or an enum hb_drop_reason.  Checks
 * everything that needs no node state: length, magic, version, flags,
 * hdr.length against @len, the TLV chain, nonzero sender id, interval and
 * multiplier ranges.  Cluster id, sender and source are checked by the
 * caller.
 */
int hb_frame_parse(const void *buf, size_t len, struct hb_frame_info *fi);

/* Write @fi as a frame without extensions into @buf (sizeof(struct hb_frame)
 * bytes); fi->length and fi->flags' unknown bits are ignored.
 */
void hb_frame_build(void *buf, const struct hb_frame_info *fi);

#endif /* _HB_FRAME_H */
