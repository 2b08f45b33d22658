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
 * (fields as in struct hb_frame; @flags and @opt_flags only hold known
 * bits; @members
 * and @verdicts point at the validated value of HB_TLV_MEMBERS and
 * HB_TLV_VERDICTS inside the parsed buffer, NULL when absent;
 * @auth_key_id is the trailer's key id when HB_FRAME_F_AUTH is set: the
 * trailer is then at byte @length and the datagram ends with it)
 */
struct hb_frame_info {
	u8 flags;
	u8 opt_flags;
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
	const u8 *members;
	u16 members_len;
	const u8 *verdicts;
	u16 verdicts_len;
	u8 auth_key_id;
};

/**
 * struct hb_member_info - one decoded struct hb_member
 * @id: node id
 * @state: enum hb_peer_state
 * @family: AF_INET or AF_INET6 (the kernel's values)
 * @port: UDP port, host byte order
 * @addr: the address: 4 bytes for AF_INET, 16 for AF_INET6
 */
struct hb_member_info {
	u32 id;
	u8 state;
	u8 family;
	u16 port;
	u8 addr[16];
};

/**
 * struct hb_verdict_info - one decoded struct hb_verdict
 * @id: node id the verdict is about
 * @epoch: its verdict epoch
 * @state: HB_STATE_UP or HB_STATE_DOWN
 * @nconf: number of entries of @conf in use
 * @conf: ids of the monitors that confirmed a DOWN
 */
struct hb_verdict_info {
	u32 id;
	u32 epoch;
	u8 state;
	u8 nconf;
	u32 conf[HEARTBEAT_MAX_MONITORS];
};

#define HB_FRAME_OK (-1)

/*
 * Check what the fixed header and the datagram length alone tell: @hdr
 * holds the first sizeof(struct hb_frame) bytes (any alignment) of a
 * datagram of @len bytes (it is not read when @len is shorter: it may then
 * be NULL).  Returns
 * HB_FRAME_OK or the enum hb_drop_reason that hb_frame_parse() would
 * return for the same bytes, so that the receive path can drop a datagram
 * before it copies or verifies it.
 */
int hb_frame_check_header(const void *hdr, size_t len);

/*
 * Parse and validate @len bytes at @buf, which hold one UDP payload.
 * Returns HB_FRAME_OK and fills @fi, or an enum hb_drop_reason.  Checks
 * everything that needs no node state: length, magic, version, flags,
 * hdr.length against @len, the TLV chain, nonzero sender id, interval and
 * multiplier ranges.  Cluster id, sender and source are checked by the
 * caller.
 */
int hb_frame_parse(const void *buf, size_t len, struct hb_frame_info *fi);

/* Write the header of @fi into @buf (sizeof(struct hb_frame) bytes), with
 * hdr.length covering @ext_len bytes of extensions that the caller puts
 * after it; fi->length and the unknown bits of fi->flags and
 * fi->opt_flags are ignored.
 */
void hb_frame_build(void *buf, const struct hb_frame_info *fi,
		    size_t ext_len);

/* Iterate over the entries of a validated fi->members / fi->verdicts:
 * decode the entry at *@off into @out and advance *@off.  Return false
 * once every entry was read.
 */
bool hb_frame_next_member(const struct hb_frame_info *fi, size_t *off,
			  struct hb_member_info *out);
bool hb_frame_next_verdict(const struct hb_frame_info *fi, size_t *off,
			   struct hb_verdict_info *out);

/* Append one TLV header for @vlen bytes of value at @buf + *@off, then
 * entries with the helpers below; hb_tlv_end() pads it to 4 bytes.  The
 * caller makes sure the buffer is large enough (HB_TLV_MEMBERS_MAX and
 * HB_TLV_VERDICTS_MAX bound the sizes).
 */
size_t hb_tlv_begin(u8 *buf, size_t off, u16 type);
size_t hb_tlv_put_member(u8 *buf, size_t off, const struct hb_member_info *m);
size_t hb_tlv_put_verdict(u8 *buf, size_t off,
			  const struct hb_verdict_info *v);
size_t hb_tlv_end(u8 *buf, size_t start, size_t off);

/* Largest extension block a node puts in a frame. */
#define HB_EXT_MAX \
	(2 * sizeof(struct hb_tlv) + 8 + \
	 HB_TLV_MEMBERS_MAX * sizeof(struct hb_member) + \
	 HB_TLV_VERDICTS_MAX * (sizeof(struct hb_verdict) + \
				HEARTBEAT_MAX_MONITORS * sizeof(__be32)))

/* Largest datagram a node sends, and so the largest one it accepts:
 * anything longer is dropped (HB_DROP_TOO_LONG) before it is read.
 */
#define HB_FRAME_MAX_LEN \
	(sizeof(struct hb_frame) + HB_EXT_MAX + sizeof(struct hb_auth))

#endif /* _HB_FRAME_H */
