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
 * The receive path runs in softirq context, and the timers' works in the
 * peers' SCHED_FIFO threads with bottom halves disabled (timers.c), under RCU: they
 * find peers through RCU hash tables and touch per-peer state under the
 * peer's spinlock (hb_peer->lock, always taken with spin_lock_bh() from
 * process context).  No global lock is on the receive path; drop counters
 * are per CPU.  An event about a peer is numbered and multicast under the
 * peer->lock that made the change it reports (netlink.c's hb_event_lock
 * nests inside it), so a peer's events reach listeners in the order of its
 * changes.
 *
 * Teardown order of a peer (hb_peer_remove(), hb_peers_remove_all()):
 *   1. under hn->lock: unlink from the id hash table and the list, and set
 *      peer->dead under peer->lock, so neither the receive path nor a timer
 *      re-arms a timer after this point;
 *   2. synchronize_net(): every RCU reader (receive path, dumps, /proc) that
 *      could still see the peer has finished;
 *   3. hrtimer_cancel() on both timers (waits for a running callback, which
 *      only queues a work), then kthread_cancel_work_sync() on both works
 *      (waits for a running one, which sees peer->dead and does not
 *      re-arm);
 *   4. release the cached route and free the peer (nothing can reach it
 *      any more).
 * Batched removal does steps 1 for every peer, then 2 once, then 3-4.
 *
 * Cluster state (cluster.c): the mode, the leaders and the ring are changed
 * under hn->lock, by netlink and by the cluster tick (hn->tick, a delayed
 * work).  The receive path and the timers never take hn->lock: they update
 * per-peer verdicts under peer->lock, queue peers to learn under
 * hn->cl_lock (a spinlock, taken with _bh from process context), and kick
 * the tick, which then learns, decides, re-computes who beats to whom and
 * publishes the extensions every beat carries (hn->ext, RCU).
 *
 * Teardown of a namespace (pernet .exit): the genl family cannot act on a
 * namespace that is being dismantled, so exit takes hn->lock, marks the
 * namespace dying, removes every peer as above, then releases the sockets
 * (hb_socket_close()).  After that neither a timer nor the receive path
 * can kick the tick any more, so exit cancels it (a tick that runs sees
 * dying and does not re-queue itself), frees the extensions, removes
 * /proc/net/heartbeat and frees the tables.
 *
 * Module init creates the timers' threads, then registers the pernet
 * subsystem, then the genl family; exit unregisters in reverse, destroys
 * the threads and waits for pending RCU callbacks.
 */
#ifndef _HB_H
#define _HB_H

#include <linux/types.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/rhashtable.h>
#include <linux/list.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <linux/netlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/heartbeat.h>

struct hb_key;

/**
 * struct hb_addr - a peer's UDP endpoint
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
 * struct hb_learn_req - a peer the tick should create, or move
 * @id: its node id
 * @origin: HB_ORIGIN_LEARNED or HB_ORIGIN_LEADER
 * @state: the state it starts in (from the leader's list; else UNKNOWN)
 * @leader: the leader whose list named it, or 0
 * @addr: its UDP endpoint
 * @move: @id is a known peer to move to @addr, not one to create; @origin
 *	  is then HB_ORIGIN_LEARNED (its own frame of a newer incarnation)
 *	  or HB_ORIGIN_LEADER (the list of @leader)
 */
struct hb_learn_req {
	u32 id;
	u8 origin;
	u8 state;
	bool move;
	u32 leader;
	struct hb_addr addr;
};

/**
 * struct hb_ext - the extensions every beat of a node carries
 * @rcu: freed after a grace period
 * @len: bytes in @data
 * @data: TLVs, each padded to 4 bytes
 */
struct hb_ext {
	struct rcu_head rcu;
	u16 len;
	u8 data[];
};

#define HB_LEARN_QUEUE	256

/**
 * struct hb_net - the heartbeat instance of one network namespace
 * @net: the namespace
 * @lock: serialises configuration (see the top of this file)
 * @node_id: this node's id, 0 until configured
 * @cluster_id: this node's cluster id
 * @port: UDP port the sockets are bound to (host byte order)
 * @incarnation: chosen when the node starts afresh (hb_node_set())
 * @configured: NODE_SET has succeeded at least once
 * @dying: the namespace is going away; no new peers or sockets
 * @allocated: the tables, queues and counters below were allocated (on the
 *	       first NODE_SET: see node.c); set once, under @lock
 * @sock4: IPv4 socket, or NULL
 * @sock6: IPv6 socket, or NULL
 * @peers_by_id: RCU hash table of struct hb_peer by id, allocated with
 *		 the rest on the first NODE_SET (not embedded: a namespace
 *		 that never runs a node keeps struct hb_net within 512 bytes)
 * @peers: every peer in the order they were added (RCU list)
 * @npeers: number of peers
 * @nsending: peers this node beats to (peer->tx_on), kept by cluster.c so
 *	      that NODE_GET does not walk every peer
 * @nwatching: peers this node watches (peer->watch), likewise
 * @beats: beats per second of the peers: the sum of
 *	   hb_budget_beats(interval) over them (under @lock)
 * @memcg: memory cgroup the cluster tick's allocations are charged to
 *	   (budget.c), or NULL; set on the first NODE_SET
 * @gen: incremented whenever the peer set changes (for dump consistency)
 * @event_seq: sequence number of the last event sent
 * @drops: per CPU drop counters
 * @mode: configured enum hb_mode
 * @eff_mode: the mode in force (a member falls back to leaderless)
 * @learn: a leader learns unknown senders
 * @monitors: k, the number of monitors of each node in leaderless mode
 * @def_interval_us: interval towards learned peers; period of the tick
 * @def_multiplier: multiplier towards learned peers
 * @learn_limit: most peers that may be learned
 * @max_detect_ms: longest detection time used for a peer (hb_peer_detect_ns)
 * @learn_age_ms: a learned peer DOWN for that long is forgotten
 * @dscp: DSCP of the heartbeats sent (0..63)
 * @ticks: cluster ticks run (under @lock)
 * @tx_seq_floor: the highest sequence number sent to a peer since removed;
 *		  new peers start above it (under @lock)
 * @tick_last: jiffies when the last tick started; kicks within one
 *	       interval of it are left to the next periodic tick
 * @leaders: ids of the leaders (member mode)
 * @nleaders: entries of @leaders in use
 * @nlearned: peers that were learned rather than configured
 * @leader: the leader whose membership list is followed, or 0
 * @ring_dirty: the ring must be computed again (bit 0); a peer may be
 *		suspected (bit 1) (cluster.c)
 * @members_next: id of the peer the next membership window starts at
 *		  (found by id, not by walking to a position), or 0
 * @verdicts_next: likewise for the next window of verdicts
 * @tick: the cluster tick (cluster.c)
 * @ext: extensions put in every beat (RCU; replaced by the tick)
 * @cl_lock: protects @learn_q, @nlearn_q, @self_epoch, @learn_win,
 *	     @nlearn_win
 * @learn_q: peers to learn, filled by the receive path
 * @nlearn_q: entries of @learn_q in use
 * @learn_win: when (CLOCK_MONOTONIC) the current learning window, one
 *	       interval long, started
 * @nlearn_win: unknown senders queued in that window
 * @self_epoch: this node's own verdict epoch (refutes suspicions)
 * @auth: frames must be signed with one of @keys
 * @primary_key: id of the key frames are signed with, 0 for none
 * @keys: installed keys (RCU; see auth.c)
 * @tx_no_key: frames not sent because they could not be signed
 * @auth_flags: bit 0: signing is failing (HB_EVENT_AUTH was raised)
 * @deferred: verdicts of a passed deadline deferred because this node was
 *	      late or held frames not processed yet (timers.c)
 *
 * node_id, cluster_id, port, incarnation, configured, mode, eff_mode,
 * learn, monitors, leader, learn_limit, max_detect_ms, learn_age_ms,
 * tick_last, auth, primary_key and dscp are written under @lock with
 * WRITE_ONCE() and read with READ_ONCE() from softirq context.
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
	bool allocated;
	struct socket __rcu *sock4;
	struct socket __rcu *sock6;
	struct rhashtable *peers_by_id;
	struct list_head peers;
	u32 npeers;
	u32 nsending;
	u32 nwatching;
	u32 beats;
	struct mem_cgroup *memcg;
	u32 gen;
	atomic64_t event_seq;
	struct hb_drop_stats __percpu *drops;

	u8 mode;
	u8 eff_mode;
	bool learn;
	u8 monitors;
	u32 def_interval_us;
	u8 def_multiplier;
	u32 learn_limit;
	u32 max_detect_ms;
	u32 learn_age_ms;
	u8 dscp;
	u64 ticks;
	unsigned long tick_last;
	u64 tx_seq_floor;
	u32 leaders[HEARTBEAT_MAX_LEADERS];
	u8 nleaders;
	u32 nlearned;
	u32 leader;
	unsigned long ring_dirty;
	u32 members_next;
	u32 verdicts_next;
	struct delayed_work tick;
	struct hb_ext __rcu *ext;

	spinlock_t cl_lock;	/* see above */
	struct hb_learn_req *learn_q;
	unsigned int nlearn_q;
	ktime_t learn_win;
	unsigned int nlearn_win;
	u32 self_epoch;

	bool auth;
	u8 primary_key;
	struct hb_key __rcu *keys[HEARTBEAT_MAX_KEYS];
	atomic64_t tx_no_key;
	unsigned long auth_flags;
	atomic64_t deferred;
};

/**
 * struct hb_node_cfg - a NODE_SET request, already validated by netlink
 * @has_id: @id was given
 * @id: node id, nonzero
 * @has_port: @port was given
 * @port: UDP port, host byte order, nonzero
 * @has_cluster: @cluster was given
 * @cluster: cluster id
 * @has_mode: @mode was given
 * @mode: enum hb_mode
 * @has_leaders: @leaders was given (possibly empty)
 * @nleaders: entries of @leaders
 * @leaders: leader ids, nonzero and distinct
 * @has_learn: @learn was given
 * @learn: learn unknown senders (leader mode)
 * @has_monitors: @monitors was given
 * @monitors: 1..HEARTBEAT_MAX_MONITORS
 * @has_interval: @interval_us was given
 * @interval_us: for learned peers and the cluster tick
 * @has_multiplier: @multiplier was given
 * @multiplier: for learned peers
 * @has_learn_limit: @learn_limit was given
 * @learn_limit: 1..HEARTBEAT_MAX_PEERS
 * @has_learn_age: @learn_age_ms was given
 * @learn_age_ms: HEARTBEAT_MIN_LEARN_AGE_MS..HEARTBEAT_MAX_LEARN_AGE_MS
 * @has_auth: @auth was given
 * @auth: require signed frames
 * @restart: take a new incarnation even if nothing else asks for one
 * @has_max_detect: @max_detect_ms was given
 * @max_detect_ms: HEARTBEAT_MIN_MAX_DETECT_MS..HEARTBEAT_MAX_MAX_DETECT_MS
 * @has_dscp: @dscp was given
 * @dscp: 0..HEARTBEAT_MAX_DSCP
 */
struct hb_node_cfg {
	bool has_id;
	u32 id;
	bool has_port;
	u16 port;
	bool has_cluster;
	u32 cluster;
	bool has_mode;
	u8 mode;
	bool has_leaders;
	u8 nleaders;
	u32 leaders[HEARTBEAT_MAX_LEADERS];
	bool has_learn;
	bool learn;
	bool has_monitors;
	u8 monitors;
	bool has_interval;
	u32 interval_us;
	bool has_multiplier;
	u8 multiplier;
	bool has_learn_limit;
	u32 learn_limit;
	bool has_learn_age;
	u32 learn_age_ms;
	bool has_auth;
	bool auth;
	bool restart;
	bool has_max_detect;
	u32 max_detect_ms;
	bool has_dscp;
	u8 dscp;
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
