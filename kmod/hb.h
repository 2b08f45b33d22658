/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat: per network namespace state shared by every part of the module.
 *
 * Locking
 * -------
 * hb_net->lock (mutex) serialises configuration: node settings, the peer set
 * (add/set/del), and the sockets.  Netlink handlers and netns teardown take
 * it; timers and the receive path never do.
 *
 * The receive path and the timers run in softirq context under RCU: they
 * find peers through RCU hash tables and touch per-peer state under the
 * peer's spinlock (hb_peer->lock, always taken with spin_lock_bh() from
 * process context).  No global lock is on the receive path; drop counters
 * are per CPU.
 *
 * Teardown order of a peer (hb_peer_remove(), hb_peers_remove_all()):
 *   1. under hn->lock: unlink from both hash tables and the list, and set
 *      peer->dead under peer->lock, so neither the receive path nor a timer
 *      re-arms a timer after this point;
 *   2. synchronize_net(): every RCU reader (receive path, dumps, /proc) that
 *      could still see the peer has finished;
 *   3. hrtimer_cancel() on both timers (waits for a running callback, which
 *      sees peer->dead and does not re-arm);
 *   4. dst_cache_destroy() and kfree() (nothing can reach the peer any more).
 * Batched removal does steps 1 for every peer, then 2 once, then 3-4.
 *
 * Teardown of a namespace (pernet .exit): the genl family cannot act on a
 * namespace that is being dismantled, so exit takes hn->lock, marks the
 * namespace dying, removes every peer as above, then releases the sockets
 * (hb_socket_close()), removes /proc/net/heartbeat and frees the tables.
 *
 * Module init registers the pernet subsystem first, then the genl family;
 * exit unregisters in reverse and waits for pending RCU callbacks.
 */
#ifndef _HB_H
#define _HB_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/rhashtable.h>
#include <linux/list.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/u64_stats_sync.h>
#include <linux/netlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/heartbeat.h>

/**
 * struct hb_addr - a peer's UDP endpoint; also the key of the address table
 * @family: AF_INET or AF_INET6
 * @port: UDP port, network byte order
 * @v4: IPv4 address when @family is AF_INET
 * @v6: IPv6 address when @family is AF_INET6
 *
 * Always zeroed before it is filled, so that it can be hashed and compared
 * as bytes.
 */
struct hb_addr {
	u16 family;
	__be16 port;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/**
 * struct hb_drop_stats - per CPU counters of dropped datagrams
 * @syncp: protects @cnt on 32 bit
 * @cnt: one counter per enum hb_drop_reason
 */
struct hb_drop_stats {
	struct u64_stats_sync syncp;
	u64 cnt[__HB_DROP_MAX];
};

/**
 * struct hb_net - the heartbeat instance of one network namespace
 * @net: the namespace
 * @lock: serialises configuration (see the top of this file)
 * @node_id: this node's id, 0 until configured
 * @cluster_id: this node's cluster id
 * @port: UDP port the sockets are bound to (host byte order)
 * @incarnation: chosen at every accepted NODE_SET
 * @configured: NODE_SET has succeeded at least once
 * @dying: the namespace is going away; no new peers or sockets
 * @sock4: IPv4 socket, or NULL
 * @sock6: IPv6 socket, or NULL
 * @peers_by_id: RCU hash table of struct hb_peer by id
 * @peers_by_addr: RCU hash list table of struct hb_peer by struct hb_addr
 * @peers: every peer in the order they were added (RCU list)
 * @npeers: number of peers
 * @gen: incremented whenever the peer set changes (for dump consistency)
 * @event_seq: sequence number of the last event sent
 * @drops: per CPU drop counters
 *
 * node_id, cluster_id, port, incarnation and configured are written under
 * @lock with WRITE_ONCE() and read with READ_ONCE() from softirq context.
 */
struct hb_net {
	struct net *net;
	struct mutex lock; /* serialises configuration */
	u32 node_id;
	u32 cluster_id;
	u16 port;
	u64 incarnation;
	bool configured;
	bool dying;
	struct socket __rcu *sock4;
	struct socket __rcu *sock6;
	struct rhashtable peers_by_id;
	struct rhltable peers_by_addr;
	struct list_head peers;
	u32 npeers;
	u32 gen;
	atomic64_t event_seq;
	struct hb_drop_stats __percpu *drops;
};

/**
 * struct hb_node_cfg - a NODE_SET request, already validated by netlink
 * @has_id: @id was given
 * @id: node id, nonzero
 * @has_port: @port was given
 * @port: UDP port, host byte order, nonzero
 * @has_cluster: @cluster was given
 * @cluster: cluster id
 */
struct hb_node_cfg {
	bool has_id;
	u32 id;
	bool has_port;
	u16 port;
	bool has_cluster;
	u32 cluster;
};

extern unsigned int hb_net_id;
extern atomic64_t hb_objects[__HB_OBJ_MAX];

static inline struct hb_net *hb_net(const struct net *net)
{
	return net_generic(net, hb_net_id);
}

/* node.c */
int hb_node_init(void);
void hb_node_uninit(void);
int hb_node_set(struct hb_net *hn, const struct hb_node_cfg *cfg,
		struct netlink_ext_ack *extack);
void hb_drop(struct hb_net *hn, enum hb_drop_reason reason);
void hb_drops_read(struct hb_net *hn, u64 out[__HB_DROP_MAX]);
u64 hb_event_seq_next(struct hb_net *hn);

#endif /* _HB_H */
