/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat: peers, their liveness state machine and their statistics.
 */
#ifndef _HB_PEER_H
#define _HB_PEER_H

#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include "hb.h"

struct dst_entry;
struct hb_frame_info;

/* Relayed confirmations of a verdict waiting for a second relay. */
#define HB_CONF_PENDING		HEARTBEAT_MAX_MONITORS

/**
 * struct hb_peer - one configured peer
 *
 * The fields are grouped by size, without holes: a node may hold
 * thousands of peers (README, "Scale"); peers come from their own slab
 * cache (hb_peer_init()), so that they cost their size and not the next
 * power of two.
 *
 * @hn: owning instance
 * @id: the peer's node id (immutable)
 * @origin: enum hb_origin (immutable)
 * @id_node: link in hn->peers_by_id
 * @list: link in hn->peers
 * @worker: the thread that serves its timers (immutable; timers.c)
 * @tx_work: sends a frame, queued by @tx_timer
 * @detect_work: decides a timeout, queued by @detect_timer
 * @lock: protects every field below it but @origin
 * @dead: set at removal; no timer is armed once it is set
 * @addr: UDP endpoint (changed under hn->lock and @lock)
 * @interval_us: local send interval
 * @multiplier: local detection multiplier
 * @dst: cached route towards @addr, with a reference, or NULL; one for all
 *	 CPUs (a per-CPU cache would cost 40 bytes per possible CPU and
 *	 peer), used and replaced under @lock (socket.c)
 * @dst_saddr: the source address that route was looked up with (IPv4:
 *	       its first 32 bits)
 * @dst_cookie: the route's validity cookie (IPv6), for dst->ops->check
 * @tx_timer: queues @tx_work every @interval_us (hard, absolute)
 * @detect_timer: queues @detect_work at the deadline (hard, absolute)
 * @next_tx: deadline of the next frame (on the peer's grid: timers.c)
 * @state: enum hb_peer_state
 * @tx_seq: sequence number of the last frame sent
 * @rx_valid: at least one valid frame was received
 * @rx_seq: sequence number of the last valid frame received
 * @rx_window: bit i set: sequence number @rx_seq - i was received
 *	       (i < HB_REPLAY_WINDOW)
 * @rx_remote_ts: its timestamp_ns (echoed back)
 * @rx_time: local CLOCK_MONOTONIC when it arrived; until the first valid
 *	     frame, when the timers were started (the detection deadline is
 *	     always @rx_time plus hb_peer_detect_ns())
 * @remote_incarnation: incarnation of the last valid frame
 * @top_incarnation: the highest incarnation ever accepted from the peer
 *		     (above @remote_incarnation after it came back with a
 *		     lower one: hb_peer_reborn())
 * @remote_interval_us: interval announced by the peer
 * @remote_multiplier: multiplier announced by the peer
 * @srtt_us: smoothed round trip time (RFC 6298 style), 0 = no sample
 * @rttvar_us: round trip time variation
 * @state_changes: number of state transitions
 * @changed_at: when the last transition happened (valid once
 *	@state_changes is nonzero)
 * @change_reason: enum hb_event_reason of the last transition
 * @tx: frames handed to the stack
 * @tx_errors: frames that could not be built, routed or sent
 * @rx: valid frames received
 * @dropped: frames from this peer that were dropped
 * @lost: sequence numbers skipped by the frames received
 * @is_leader: the id is one of the node's leaders
 * @tx_on: this node beats to the peer (HB_ROLE_TX)
 * @leave_pending: one last frame with HB_FRAME_F_LEAVE is to be sent
 * @probe_pending: one frame is to be sent although the node does not beat
 *		   to the peer, so that it can echo it (hb_peer_reborn())
 * @echo_probe_at: no such probe before this time (one per interval at most)
 * @watch: this node runs detection on the peer (HB_ROLE_WATCH)
 * @watch_lazy: detection starts at the first frame after @watch_since
 * @watch_heard: such a frame arrived (detection is running)
 * @defer_until: the verdict of the deadline that passed is deferred, at
 *		 most until then (timers.c); 0 when it is not
 * @watch_since: when watching started; the detection deadline is never
 *		 before @watch_since plus the detection time
 * @up_since: when it last became UP
 * @source: enum hb_source of @state
 * @confirmations: monitors that confirmed its last DOWN (leaderless)
 * @monitors: its monitors at that time
 * @epoch: verdict epoch (leaderless; see cluster.c)
 * @v_state: the verdict of that epoch: HB_STATE_UNKNOWN (none yet), UP,
 *	     or DOWN (a suspicion until this node declares it)
 * @nconf: entries of @conf in use
 * @conf: monitors that confirmed a DOWN verdict: each first-hand (in
 *	  that monitor's own frame, or this node's own timeout) or relayed
 *	  by two different peers (see cluster.c)
 * @npend: entries of @pend_mon and @pend_by in use
 * @pend_mon: relayed confirmations of this epoch not counted yet: the
 *	      monitor said to have confirmed ...
 * @pend_by: ... and the peer that relayed it
 * @v_synced: @epoch was set by a verdict or by this node's own suspicion
 *	      (until then a received epoch is taken whatever its distance)
 * @v_since: when the verdict last changed
 * @move_pending: a valid frame of a newer incarnation came from @move_to;
 *		  the tick moves @addr there (hb_cluster_learn()), and frames
 *		  from @move_to are accepted until it did
 * @move_to: the endpoint the peer is moving to
 * @probe_at: a learned peer that is not UP is sent its next frame (a
 *	      probe) no earlier than this (timers.c)
 * @down_since: when the tick first saw the learned peer DOWN, or 0
 */
struct hb_peer {
	struct hb_net *hn;
	struct rhash_head id_node;
	struct list_head list;
	struct kthread_worker *worker;
	struct kthread_work tx_work;
	struct kthread_work detect_work;
	u32 id;
	spinlock_t lock;	/* protects the fields below, but @origin */
	struct hb_addr addr;
	u32 interval_us;
	struct dst_entry *dst;
	struct in6_addr dst_saddr;
	u32 dst_cookie;
	u32 remote_interval_us;
	struct hrtimer tx_timer;
	struct hrtimer detect_timer;

	ktime_t next_tx;
	u64 tx_seq;
	u64 echo_seq;
	u64 rx_seq;
	u64 rx_window;
	u64 rx_remote_ts;
	ktime_t rx_time;
	u64 remote_incarnation;
	u64 top_incarnation;
	u64 tx;
	u64 tx_errors;
	u64 rx;
	u64 dropped;
	u64 lost;
	ktime_t echo_probe_at;
	ktime_t watch_since;
	ktime_t up_since;
	ktime_t v_since;
	ktime_t probe_at;
	ktime_t down_since;
	ktime_t changed_at;
	ktime_t defer_until;

	u32 srtt_us;
	u32 rttvar_us;
	u32 state_changes;
	u32 epoch;
	u32 conf[HEARTBEAT_MAX_MONITORS];
	u32 pend_mon[HB_CONF_PENDING];
	u32 pend_by[HB_CONF_PENDING];
	struct hb_addr move_to;

	u8 origin;
	bool dead;
	u8 multiplier;
	u8 state;
	u8 remote_multiplier;
	u8 change_reason;
	bool neigh_confirm;
	bool rx_valid;
	bool is_leader;
	bool tx_on;
	bool leave_pending;
	bool probe_pending;
	bool watch;
	bool watch_lazy;
	bool watch_heard;
	u8 source;
	u8 confirmations;
	u8 monitors;
	u8 v_state;
	u8 nconf;
	u8 npend;
	bool v_synced;
	bool move_pending;
};

/**
 * struct hb_peer_cfg - a PEER_ADD/PEER_SET request, validated by netlink
 * @id: peer id, nonzero
 * @has_addr: @addr (family and address; its port is ignored) was given
 * @addr: address
 * @has_port: @port was given
 * @port: UDP port, host byte order
 * @has_interval: @interval_us was given
 * @interval_us: HEARTBEAT_MIN_INTERVAL_US..HEARTBEAT_MAX_INTERVAL_US
 * @has_multiplier: @multiplier was given
 * @multiplier: HEARTBEAT_MIN_MULTIPLIER..HEARTBEAT_MAX_MULTIPLIER
 * @origin: enum hb_origin (HB_ORIGIN_CONFIGURED for PEER_ADD)
 */
struct hb_peer_cfg {
	u32 id;
	u8 origin;
	bool has_addr;
	struct hb_addr addr;
	bool has_port;
	u16 port;
	bool has_interval;
	u32 interval_us;
	bool has_multiplier;
	u8 multiplier;
};

/**
 * struct hb_peer_info - a consistent snapshot of a peer for netlink and /proc
 * (fields as in struct hb_peer; @last_seen_ms is valid when @rx_valid;
 * @detect_us is the detection time in force: the announced interval times
 * the announced multiplier, at most the node's max_detect_ms, once a frame
 * arrived, the local ones before)
 */
struct hb_peer_info {
	u32 id;
	struct hb_addr addr;
	u32 interval_us;
	u8 multiplier;
	u8 state;
	bool rx_valid;
	u64 last_seen_ms;
	u64 tx;
	u64 tx_errors;
	u64 rx;
	u64 dropped;
	u64 lost;
	u32 srtt_us;
	u32 rttvar_us;
	u32 state_changes;
	u64 last_change_ms;
	u8 change_reason;
	u32 remote_interval_us;
	u8 remote_multiplier;
	u64 remote_incarnation;
	u64 detect_us;
	u8 origin;
	u32 roles;
	u8 source;
	u8 confirmations;
	u8 monitors;
	u32 epoch;
};

/**
 * struct hb_event - one event, as multicast by hb_genl_notify_event()
 * @type: enum hb_event_type
 * @peer_id: the peer concerned
 * @old_state: enum hb_peer_state before
 * @state: enum hb_peer_state after
 * @time_ns: CLOCK_MONOTONIC of the event
 * @reason: enum hb_event_reason
 * @detect_us: for a DOWN, the detection time that elapsed; else 0
 * @incarnation: for RESTARTED, the new incarnation; else 0
 * @source: enum hb_source, for STATE_CHANGE
 * @confirmations: for a DOWN decided by monitors; else 0
 * @monitors: the peer's monitors then; else 0
 * @origin: for LEARNED, enum hb_origin
 * @old_mode: for MODE, enum hb_mode
 * @mode: for MODE, enum hb_mode
 * @addr: for MOVED, the new endpoint
 */
struct hb_event {
	u8 type;
	u32 peer_id;
	u8 old_state;
	u8 state;
	u64 time_ns;
	u8 reason;
	u64 detect_us;
	u64 incarnation;
	u8 source;
	u8 confirmations;
	u8 monitors;
	u8 origin;
	u8 old_mode;
	u8 mode;
	struct hb_addr addr;
};

/* Process context, hn->lock held. */
int hb_peer_create(struct hb_net *hn, const struct hb_peer_cfg *cfg,
		   struct netlink_ext_ack *extack);
int hb_peer_update(struct hb_net *hn, const struct hb_peer_cfg *cfg,
		   struct netlink_ext_ack *extack);
int hb_peer_remove(struct hb_net *hn, u32 id, struct netlink_ext_ack *extack);
void hb_peers_remove_some(struct hb_net *hn, struct hb_peer **peers,
			  unsigned int n);
void hb_peers_remove_all(struct hb_net *hn);

/* Any context, under rcu_read_lock() (or hn->lock). */
struct hb_peer *hb_peer_lookup(struct hb_net *hn, u32 id);
void hb_peer_snapshot(struct hb_peer *peer, struct hb_peer_info *info);

/* Softirq, under rcu_read_lock(): a valid frame arrived from @src. */
void hb_peer_rx(struct hb_net *hn, const struct hb_frame_info *fi,
		const struct hb_addr *src);

void hb_event_init(struct hb_event *ev, struct hb_peer *peer,
		   u8 type, u8 old_state, u8 reason, ktime_t now);

/* Module init and exit (main.c): the slab cache of peers. */
int hb_peer_init(void);
void hb_peer_uninit(void);

/* Pernet init and exit (node.c): the peer tables of @hn. */
int hb_peer_net_init(struct hb_net *hn);
void hb_peer_net_uninit(struct hb_net *hn);

/**
 * hb_peer_detect_ns() - the detection time in force for @peer
 * @peer: the peer, peer->lock held
 *
 * A peer announces its own detection time, up to 60 s x 255: the node's
 * max_detect_ms bounds it.  The local settings are the administrator's,
 * and are used as they are.
 *
 * Return: the announced interval times the announced multiplier, at most
 * hn->max_detect_ms, once a frame arrived; the local ones before; in
 * nanoseconds.
 */
static inline u64 hb_peer_detect_ns(const struct hb_peer *peer)
{
	u64 max = (u64)READ_ONCE(peer->hn->max_detect_ms) * NSEC_PER_MSEC;

	if (peer->rx_valid)
		return min((u64)peer->remote_interval_us *
			   peer->remote_multiplier * NSEC_PER_USEC, max);
	return (u64)peer->interval_us * peer->multiplier * NSEC_PER_USEC;
}

#endif /* _HB_PEER_H */
