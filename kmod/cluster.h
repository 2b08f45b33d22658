/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat: cluster modes (leader, member, leaderless) and the tick that
 * runs them.
 */
#ifndef _HB_CLUSTER_H
#define _HB_CLUSTER_H

#include "hb.h"

struct hb_peer;
struct hb_frame_info;
struct hb_addr;

/* Pernet init and exit (node.c). */
void hb_cluster_net_init(struct hb_net *hn);
int hb_cluster_net_alloc(struct hb_net *hn);
void hb_cluster_net_exit(struct hb_net *hn);

/* Process context, hn->lock held. */
int hb_cluster_check(struct hb_net *hn, const struct hb_node_cfg *cfg,
		     u32 node_id, struct netlink_ext_ack *extack);
void hb_cluster_apply(struct hb_net *hn, const struct hb_node_cfg *cfg);
void hb_cluster_peer_added(struct hb_net *hn, struct hb_peer *peer);
void hb_cluster_peer_removed(struct hb_net *hn, struct hb_peer *peer);

/* Any context. */
void hb_cluster_kick(struct hb_net *hn);
void hb_cluster_peer_back(struct hb_net *hn);

/* Softirq, rcu_read_lock() held, no peer lock held. */
void hb_cluster_rx_unknown(struct hb_net *hn, const struct hb_frame_info *fi,
			   const struct hb_addr *src);
void hb_cluster_rx_members(struct hb_net *hn, struct hb_peer *leader,
			   const struct hb_frame_info *fi);
void hb_cluster_rx_verdicts(struct hb_net *hn, struct hb_peer *sender,
			    const struct hb_frame_info *fi);
void hb_cluster_move(struct hb_net *hn, u32 id, const struct hb_addr *addr,
		     u8 origin, u32 leader);

/* Softirq, peer->lock held: the detection time of a watched peer ran out
 * while the node is leaderless; the peer is suspected (the tick decides).
 */
void hb_cluster_suspect(struct hb_peer *peer, ktime_t now);

/* peer->lock held: a valid frame arrived; undo a suspicion. */
void hb_cluster_heard(struct hb_peer *peer, ktime_t now);

#endif /* _HB_CLUSTER_H */
