/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat: HMAC-SHA256 authentication of frames and the keys it uses.
 */
#ifndef _HB_AUTH_H
#define _HB_AUTH_H

#include <linux/atomic.h>
#include <linux/types.h>
#include "hb.h"

struct crypto_shash;
struct hb_frame_info;

/**
 * struct hb_key - one installed key
 * @id: key id, 1..255
 * @tfm: "hmac(sha256)" transform holding the secret
 * @rx: frames verified with it
 * @tx: frames signed with it
 */
struct hb_key {
	u8 id;
	struct crypto_shash *tfm;
	atomic64_t rx;
	atomic64_t tx;
};

/* Process context, hn->lock held. */
int hb_key_add(struct hb_net *hn, u8 id, const u8 *secret, bool primary,
	       struct netlink_ext_ack *extack);
int hb_key_set_primary(struct hb_net *hn, u8 id,
		       struct netlink_ext_ack *extack);
int hb_key_del(struct hb_net *hn, u8 id, struct netlink_ext_ack *extack);
int hb_auth_check(struct hb_net *hn, const struct hb_node_cfg *cfg,
		  struct netlink_ext_ack *extack);
unsigned int hb_auth_nkeys(struct hb_net *hn);
void hb_auth_net_exit(struct hb_net *hn);

/* rcu_read_lock() or hn->lock held. */
void hb_auth_fill_key(struct hb_net *hn, unsigned int slot, u8 *id,
		      bool *primary, u64 *rx, u64 *tx);

/* Softirq, rcu_read_lock() held. */
int hb_auth_verify(struct hb_net *hn, const u8 *buf,
		   const struct hb_frame_info *fi);
int hb_auth_sign_key(struct hb_net *hn, struct hb_key **key);
int hb_auth_sign(struct hb_net *hn, struct hb_key *key, u8 *frame,
		 size_t len, u32 dest_id);
void hb_auth_tx_failed(struct hb_net *hn);
void hb_auth_tx_ok(struct hb_net *hn);

#endif /* _HB_AUTH_H */
