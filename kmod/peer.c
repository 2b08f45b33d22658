// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: peers, their liveness state machine and their statistics.
 *
 * Peers are found by id (receive path, netlink) and by UDP endpoint in two
 * RCU hash tables, and listed in hn->peers in the order they were added.
 * The set of peers only changes under hn->lock; everything a frame or a
 * timer changes is under peer->lock.  See hb.h for the teardown order.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/netdevice.h>
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "budget.h"
#include "cluster.h"
#include "frame.h"
#include "hb.h"
#include "netlink.h"
#include "peer.h"
#include "socket.h"
#include "timers.h"

/* Round trip samples above this are nonsense (clock jumps, forged echoes). */
#define HB_RTT_MAX_NS		(60ULL * NSEC_PER_SEC)

static const struct rhashtable_params hb_peer_id_params = {
	.key_len		= sizeof(u32),
	.key_offset		= offsetof(struct hb_peer, id),
	.head_offset		= offsetof(struct hb_peer, id_node),
	.automatic_shrinking	= true,
};

static struct kmem_cache *hb_peer_cache;

/* Fill @dst from the family and address of @addr and from @port. */
static void hb_addr_set(struct hb_addr *dst, const struct hb_addr *addr,
			u16 port)
{
	memset(dst, 0, sizeof(*dst));
	dst->family = addr->family;
	dst->port = htons(port);
	if (addr->family == AF_INET)
		dst->v4 = addr->v4;
	else
		dst->v6 = addr->v6;
}

/* Check that frames can be sent to and received from @addr. */
static int hb_addr_check(struct hb_net *hn, const struct hb_addr *addr,
			 struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&hn->lock);

	switch (addr->family) {
	case AF_INET:
		if (!rcu_access_pointer(hn->sock4)) {
			NL_SET_ERR_MSG_MOD(extack, "no IPv4 socket is open");
			return -EAFNOSUPPORT;
		}
		if (ipv4_is_zeronet(addr->v4.s_addr) ||
		    ipv4_is_multicast(addr->v4.s_addr) ||
		    ipv4_is_lbcast(addr->v4.s_addr)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "peer address must be a unicast address");
			return -EINVAL;
		}
		if (ipv4_is_loopback(addr->v4.s_addr)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "peer address must not be a loopback address");
			return -EINVAL;
		}
		return 0;
	case AF_INET6:
		if (!rcu_access_pointer(hn->sock6)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "no IPv6 socket is open (IPv6 disabled?)");
			return -EAFNOSUPPORT;
		}
		/* The IPv6 socket is v6only: such a peer is unreachable. */
		if (ipv6_addr_v4mapped(&addr->v6)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "use an IPv4 address, not a v4-mapped IPv6 one");
			return -EINVAL;
		}
		if (ipv6_addr_any(&addr->v6) ||
		    ipv6_addr_is_multicast(&addr->v6)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "peer address must be a unicast address");
			return -EINVAL;
		}
		if (ipv6_addr_loopback(&addr->v6)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "peer address must not be a loopback address");
			return -EINVAL;
		}
		/* No interface can be given to scope it. */
		if (ipv6_addr_type(&addr->v6) & IPV6_ADDR_LINKLOCAL) {
			NL_SET_ERR_MSG_MOD(extack,
					   "link-local peer addresses are not supported");
			return -EINVAL;
		}
		return 0;
	}
	NL_SET_ERR_MSG_MOD(extack, "unsupported address family");
	return -EAFNOSUPPORT;
}

/*
 * Step 1 of the teardown order (hb.h), but for the list: unlink @peer from
 * the id hash table and mark it dead, so that no timer is armed from now
 * on.
 */
static void hb_peer_unhash(struct hb_net *hn, struct hb_peer *peer)
{
	lockdep_assert_held(&hn->lock);

	rhashtable_remove_fast(hn->peers_by_id, &peer->id_node,
			       hb_peer_id_params);

	spin_lock_bh(&peer->lock);
	WRITE_ONCE(peer->dead, true);
	spin_unlock_bh(&peer->lock);
	hn->beats -= hb_budget_beats(peer->interval_us);
}

/*
 * Steps 3 and 4 of the teardown order: once no RCU reader can see @peer,
 * stop its timers and free it.
 */
static void hb_peer_free(struct hb_peer *peer)
{
	struct hb_net *hn = peer->hn;

	lockdep_assert_held(&hn->lock);

	hb_timers_stop(peer);
	/* No timer runs: tx_seq is final (see hb_peer_create()). */
	hn->tx_seq_floor = max(hn->tx_seq_floor, peer->tx_seq);
	dst_release(peer->dst);
	kmem_cache_free(hb_peer_cache, peer);
	atomic64_dec(&hb_objects[HB_OBJ_PEERS]);
}

/**
 * hb_peer_create() - add a peer and start beating towards it
 * @hn: the instance
 * @cfg: the request, validated by netlink
 * @extack: for error messages
 *
 * The node must be configured, the id must be new and not the node's own,
 * and a socket of the address family must be open.  Port, interval and
 * multiplier default to HEARTBEAT_DEFAULT_PORT, HEARTBEAT_DEFAULT_INTERVAL_US
 * and HEARTBEAT_DEFAULT_MULTIPLIER.  The peer starts in HB_STATE_UNKNOWN and
 * goes DOWN if it is not heard from within its local detection time.
 *
 * Context: process context, hn->lock held.
 * Return: 0 or a negative errno (-EEXIST for a known id).
 */
int hb_peer_create(struct hb_net *hn, const struct hb_peer_cfg *cfg,
		   struct netlink_ext_ack *extack)
{
	struct hb_peer *peer;
	u16 port;
	int err;

	lockdep_assert_held(&hn->lock);

	if (hn->dying)
		return -ENODEV;
	if (!hn->configured) {
		NL_SET_ERR_MSG_MOD(extack, "node is not configured");
		return -EINVAL;
	}
	if (!cfg->id) {
		NL_SET_ERR_MSG_MOD(extack, "peer id must not be zero");
		return -EINVAL;
	}
	if (cfg->id == hn->node_id) {
		NL_SET_ERR_MSG_MOD(extack, "peer id is this node's id");
		return -EINVAL;
	}
	if (hb_peer_lookup(hn, cfg->id)) {
		NL_SET_ERR_MSG_MOD(extack, "peer id already exists");
		return -EEXIST;
	}
	if (hn->npeers >= HEARTBEAT_MAX_PEERS) {
		NL_SET_ERR_MSG_MOD(extack, "too many peers");
		return -ENOSPC;
	}
	if (!cfg->has_addr) {
		NL_SET_ERR_MSG_MOD(extack, "peer address is required");
		return -EINVAL;
	}
	err = hb_addr_check(hn, &cfg->addr, extack);
	if (err)
		return err;
	err = hb_budget_peer_add(hn, cfg->has_interval ? cfg->interval_us :
				 HEARTBEAT_DEFAULT_INTERVAL_US, extack);
	if (err)
		return err;

	/* Charged to the caller, or for the tick to hn->memcg (budget.c). */
	peer = kmem_cache_zalloc(hb_peer_cache, GFP_KERNEL_ACCOUNT);
	if (!peer)
		return -ENOMEM;
	atomic64_inc(&hb_objects[HB_OBJ_PEERS]);

	peer->hn = hn;
	peer->id = cfg->id;
	peer->origin = cfg->origin;
	spin_lock_init(&peer->lock);
	port = cfg->has_port ? cfg->port : HEARTBEAT_DEFAULT_PORT;
	hb_addr_set(&peer->addr, &cfg->addr, port);
	peer->interval_us = cfg->has_interval ? cfg->interval_us :
			    HEARTBEAT_DEFAULT_INTERVAL_US;
	peer->multiplier = cfg->has_multiplier ? cfg->multiplier :
			   HEARTBEAT_DEFAULT_MULTIPLIER;
	peer->state = HB_STATE_UNKNOWN;
	/* Above every sequence number a removed peer was sent: an id that
	 * comes back (forgotten and learned again, or deleted and added)
	 * is not sent numbers its node already has, in the same incarnation,
	 * which it would drop as stale.
	 */
	peer->tx_seq = hn->tx_seq_floor;
	peer->echo_seq = hn->tx_seq_floor;
	hb_timers_init(peer);

	/* From here on the receive path can find the peer. */
	err = rhashtable_lookup_insert_fast(hn->peers_by_id, &peer->id_node,
					    hb_peer_id_params);
	if (err)
		goto err_free;

	list_add_tail_rcu(&peer->list, &hn->peers);
	WRITE_ONCE(hn->npeers, hn->npeers + 1);
	hn->beats += hb_budget_beats(peer->interval_us);
	WRITE_ONCE(hn->gen, hn->gen + 1);

	/* Starts beating to and watching it, as the mode says. */
	hb_cluster_peer_added(hn, peer);
	return 0;

err_free:
	hb_peer_free(peer);
	return err;
}

/*
 * A new endpoint: forget the cached route, and the echoes of frames sent
 * to the old one, which confirm nothing about the new one's neighbour
 * entry (hb_peer_echo()).  Users of the cache hold peer->lock
 * (hb_socket_send()).
 */
static void hb_peer_route_reset(struct hb_peer *peer)
{
	lockdep_assert_held(&peer->lock);

	hb_socket_route_reset(peer);
	peer->echo_seq = peer->tx_seq;
	peer->neigh_confirm = false;
}

/**
 * hb_peer_update() - change the endpoint or timing of a peer
 * @hn: the instance
 * @cfg: the request, validated by netlink; absent fields are kept
 * @extack: for error messages
 *
 * A new address or port invalidates the cached route.  A new interval or
 * multiplier restarts the send schedule with a frame sent at once, so that
 * the peer learns it without delay.
 *
 * Context: process context, hn->lock held.
 * Return: 0 or a negative errno (-ENOENT for an unknown id).
 */
int hb_peer_update(struct hb_net *hn, const struct hb_peer_cfg *cfg,
		   struct netlink_ext_ack *extack)
{
	bool timing_changed = false;
	struct hb_addr addr, old;
	struct hb_peer *peer;
	u16 port;
	int err;

	lockdep_assert_held(&hn->lock);

	peer = hb_peer_lookup(hn, cfg->id);
	if (!peer) {
		NL_SET_ERR_MSG_MOD(extack, "peer not found");
		return -ENOENT;
	}
	if (cfg->has_addr) {
		err = hb_addr_check(hn, &cfg->addr, extack);
		if (err)
			return err;
	}
	/* peer->interval_us only changes under hn->lock too. */
	if (cfg->has_interval) {
		err = hb_budget_interval(hn, peer->interval_us,
					 cfg->interval_us, extack);
		if (err)
			return err;
	}

	/* peer->addr only changes under hn->lock, which is held. */
	old = peer->addr;
	port = cfg->has_port ? cfg->port : ntohs(old.port);
	hb_addr_set(&addr, cfg->has_addr ? &cfg->addr : &old, port);
	if (memcmp(&addr, &old, sizeof(addr))) {
		spin_lock_bh(&peer->lock);
		peer->addr = addr;
		hb_peer_route_reset(peer);
		spin_unlock_bh(&peer->lock);
	}

	spin_lock_bh(&peer->lock);
	if (cfg->has_interval && cfg->interval_us != peer->interval_us) {
		hn->beats += hb_budget_beats(cfg->interval_us) -
			     hb_budget_beats(peer->interval_us);
		peer->interval_us = cfg->interval_us;
		timing_changed = true;
	}
	if (cfg->has_multiplier && cfg->multiplier != peer->multiplier) {
		peer->multiplier = cfg->multiplier;
		timing_changed = true;
	}
	spin_unlock_bh(&peer->lock);

	if (timing_changed)
		hb_timers_interval_changed(peer);

	WRITE_ONCE(hn->gen, hn->gen + 1);
	return 0;
}

/**
 * hb_peer_remove() - remove one peer
 * @hn: the instance
 * @id: the peer's id
 * @extack: for error messages
 *
 * Follows the teardown order of hb.h; waits for RCU readers and for a
 * running timer callback.
 *
 * Context: process context, hn->lock held; sleeps.
 * Return: 0, or -ENOENT for an unknown id.
 */
int hb_peer_remove(struct hb_net *hn, u32 id, struct netlink_ext_ack *extack)
{
	struct hb_peer *peer;

	lockdep_assert_held(&hn->lock);

	peer = hb_peer_lookup(hn, id);
	if (!peer) {
		NL_SET_ERR_MSG_MOD(extack, "peer not found");
		return -ENOENT;
	}

	/* 1. unlink and mark dead */
	hb_peer_unhash(hn, peer);
	list_del_rcu(&peer->list);
	WRITE_ONCE(hn->npeers, hn->npeers - 1);
	WRITE_ONCE(hn->gen, hn->gen + 1);
	hb_cluster_peer_removed(hn, peer);
	/* 2. no reader can see the peer any more */
	synchronize_net();
	/* 3. and 4. */
	hb_peer_free(peer);
	return 0;
}

/**
 * hb_peers_remove_some() - remove some peers
 * @hn: the instance
 * @peers: peers of @hn, each at most once
 * @n: entries of @peers
 *
 * As hb_peer_remove(), batched: every peer is unlinked and marked dead,
 * then a single synchronize_net() covers them all.
 *
 * Context: process context, hn->lock held; sleeps.
 */
void hb_peers_remove_some(struct hb_net *hn, struct hb_peer **peers,
			  unsigned int n)
{
	unsigned int i;

	lockdep_assert_held(&hn->lock);

	if (!n)
		return;
	/* 1. unlink and mark dead */
	for (i = 0; i < n; i++) {
		hb_peer_unhash(hn, peers[i]);
		list_del_rcu(&peers[i]->list);
		WRITE_ONCE(hn->npeers, hn->npeers - 1);
		hb_cluster_peer_removed(hn, peers[i]);
	}
	WRITE_ONCE(hn->gen, hn->gen + 1);
	/* 2. no reader can see the peers any more */
	synchronize_net();
	/* 3. and 4. */
	for (i = 0; i < n; i++)
		hb_peer_free(peers[i]);
}

/**
 * hb_peers_remove_all() - remove every peer
 * @hn: the instance
 *
 * As hb_peer_remove(), batched: every peer is unlinked and marked dead,
 * then a single synchronize_net() covers them all.
 *
 * Context: process context, hn->lock held; sleeps.
 */
void hb_peers_remove_all(struct hb_net *hn)
{
	struct hb_peer *peer, *tmp;
	LIST_HEAD(dead);

	lockdep_assert_held(&hn->lock);

	if (list_empty(&hn->peers))
		return;

	/* 1. unlink from the tables and mark dead ... */
	list_for_each_entry(peer, &hn->peers, list)
		hb_peer_unhash(hn, peer);
	/* ... and from the list: list_splice_init_rcu() empties hn->peers,
	 * then 2. calls synchronize_net() once, before it reuses the links.
	 */
	list_splice_init_rcu(&hn->peers, &dead, synchronize_net);
	WRITE_ONCE(hn->npeers, 0);
	WRITE_ONCE(hn->nlearned, 0);
	WRITE_ONCE(hn->nsending, 0);
	WRITE_ONCE(hn->nwatching, 0);
	WRITE_ONCE(hn->gen, hn->gen + 1);

	/* 3. and 4. */
	list_for_each_entry_safe(peer, tmp, &dead, list) {
		list_del(&peer->list);
		hb_peer_free(peer);
	}
}

/**
 * hb_peer_lookup() - find a peer by id
 * @hn: the instance
 * @id: the peer's id
 *
 * Context: any; the caller holds rcu_read_lock() or hn->lock for as long
 * as it uses the result.
 * Return: the peer, or NULL.
 */
struct hb_peer *hb_peer_lookup(struct hb_net *hn, u32 id)
{
	/* No table before the first NODE_SET, and no peer either (node.c). */
	if (!READ_ONCE(hn->allocated))
		return NULL;
	/* Takes rcu_read_lock() itself, so that hn->lock is enough. */
	return rhashtable_lookup_fast(hn->peers_by_id, &id, hb_peer_id_params);
}

/**
 * hb_peer_snapshot() - copy a consistent view of a peer
 * @peer: the peer
 * @info: filled in
 *
 * Context: process or softirq context, under rcu_read_lock() or hn->lock.
 */
void hb_peer_snapshot(struct hb_peer *peer, struct hb_peer_info *info)
{
	s64 last_seen_ms, last_change_ms;

	memset(info, 0, sizeof(*info));

	spin_lock_bh(&peer->lock);
	info->id = peer->id;
	info->addr = peer->addr;
	info->interval_us = peer->interval_us;
	info->multiplier = peer->multiplier;
	info->state = peer->state;
	info->rx_valid = peer->rx_valid;
	if (peer->rx_valid) {
		last_seen_ms = ktime_ms_delta(ktime_get(), peer->rx_time);
		info->last_seen_ms = max_t(s64, last_seen_ms, 0);
	}
	info->tx = peer->tx;
	info->tx_errors = peer->tx_errors;
	info->rx = peer->rx;
	info->dropped = peer->dropped;
	info->lost = peer->lost;
	info->srtt_us = peer->srtt_us;
	info->rttvar_us = peer->rttvar_us;
	info->state_changes = peer->state_changes;
	info->remote_interval_us = peer->remote_interval_us;
	info->remote_multiplier = peer->remote_multiplier;
	info->remote_incarnation = peer->remote_incarnation;
	info->detect_us = div_u64(hb_peer_detect_ns(peer), NSEC_PER_USEC);
	info->origin = peer->origin;
	info->roles = (peer->is_leader ? HB_ROLE_LEADER : 0) |
		      (peer->tx_on ? HB_ROLE_TX : 0) |
		      (peer->watch ? HB_ROLE_WATCH : 0);
	info->source = peer->source;
	if (peer->state_changes) {
		last_change_ms = ktime_ms_delta(ktime_get(), peer->changed_at);
		info->last_change_ms = max_t(s64, last_change_ms, 0);
		info->change_reason = peer->change_reason;
	}
	/* They tell how the last DOWN was decided: none once it is over. */
	if (peer->state == HB_STATE_DOWN) {
		info->confirmations = peer->confirmations;
		info->monitors = peer->monitors;
	}
	info->epoch = peer->epoch;
	spin_unlock_bh(&peer->lock);
}

/* Feed one round trip sample (RFC 6298 smoothing), peer->lock held. */
static void hb_peer_rtt_sample(struct hb_peer *peer,
			       const struct hb_frame_info *fi, ktime_t now)
{
	u64 now_ns = ktime_to_ns(now);
	u32 srtt, sample, diff;
	u64 held_ns, rtt_ns;

	lockdep_assert_held(&peer->lock);

	if (!(fi->flags & HB_FRAME_F_ECHO) || !fi->echo_seq ||
	    !fi->echo_timestamp_ns)
		return;
	/* An echo of a frame never sent is forged or from another life. */
	if (fi->echo_seq > peer->tx_seq)
		return;
	if (fi->echo_timestamp_ns > now_ns)
		return;
	rtt_ns = now_ns - fi->echo_timestamp_ns;
	held_ns = (u64)fi->echo_delay_us * NSEC_PER_USEC;
	if (held_ns > rtt_ns)
		return;
	rtt_ns -= held_ns;
	if (rtt_ns > HB_RTT_MAX_NS)
		return;

	/* At least 1 us, so that srtt_us == 0 keeps meaning "no sample". */
	sample = max_t(u32, div_u64(rtt_ns, NSEC_PER_USEC), 1);
	srtt = peer->srtt_us;
	if (!srtt) {
		peer->srtt_us = sample;
		peer->rttvar_us = sample / 2;
		return;
	}
	diff = srtt > sample ? srtt - sample : sample - srtt;
	peer->rttvar_us = ((u64)peer->rttvar_us * 3 + diff) / 4;
	peer->srtt_us = ((u64)srtt * 7 + sample) / 8;
}

/*
 * Forward progress: a frame that echoes a sequence number of ours newer
 * than any echoed before proves that our frames reach the peer through the
 * neighbour entry they use, as a TCP ACK of new data does.  The next frame
 * sent confirms that entry (MSG_CONFIRM's dst_confirm_neigh()), so that a
 * lossy link does not also have to carry the unicast ARP or ND probes of
 * an entry gone STALE, whose failure would hold or drop frames for
 * seconds.  Our sequence numbers only grow, so this holds across the
 * peer's restarts; not from a frame that moves the peer (our frames still
 * go to the old endpoint), nor an echo of a sequence number never sent.
 * peer->lock held.
 */
static void hb_peer_echo(struct hb_peer *peer, const struct hb_frame_info *fi)
{
	lockdep_assert_held(&peer->lock);

	if (!(fi->flags & HB_FRAME_F_ECHO) || fi->echo_seq > peer->tx_seq ||
	    fi->echo_seq <= peer->echo_seq)
		return;
	peer->echo_seq = fi->echo_seq;
	peer->neigh_confirm = true;
}

/**
 * hb_event_init() - fill an event about a peer
 * @ev: the event
 * @peer: the peer, peer->lock held
 * @type: enum hb_event_type
 * @old_state: its state before
 * @reason: enum hb_event_reason
 * @now: the time of the event
 *
 * The new state and its source are the peer's current ones.  An
 * HB_EVENT_STATE_CHANGE also becomes the peer's last transition, which
 * "hbctl show" reports (when, and why).
 */
void hb_event_init(struct hb_event *ev, struct hb_peer *peer,
		   u8 type, u8 old_state, u8 reason, ktime_t now)
{
	lockdep_assert_held(&peer->lock);

	if (type == HB_EVENT_STATE_CHANGE) {
		peer->changed_at = now;
		peer->change_reason = reason;
	}
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->peer_id = peer->id;
	ev->old_state = old_state;
	ev->state = peer->state;
	ev->time_ns = ktime_to_ns(now);
	ev->reason = reason;
	ev->source = peer->source;
}

/*
 * Anti-replay (same incarnation): a sequence number newer than the last
 * one moves the window; an older one inside the window that was not seen
 * yet is a late frame, accepted (it was counted as lost: no longer);
 * anything else is dropped.  *@newest tells whether @seq is the newest.
 */
static int hb_peer_replay_check(struct hb_peer *peer, u64 seq, bool *newest)
{
	u64 d;

	lockdep_assert_held(&peer->lock);

	if (seq > peer->rx_seq) {
		d = seq - peer->rx_seq;
		peer->rx_window = d >= HB_REPLAY_WINDOW ? 1 :
				  (peer->rx_window << d) | 1;
		peer->lost += d - 1;
		*newest = true;
		return HB_FRAME_OK;
	}
	d = peer->rx_seq - seq;
	if (d >= HB_REPLAY_WINDOW)
		return HB_DROP_STALE;
	if (peer->rx_window & BIT_ULL(d))
		return HB_DROP_REPLAY;
	peer->rx_window |= BIT_ULL(d);
	if (peer->lost)
		peer->lost--;
	*newest = false;
	return HB_FRAME_OK;
}

/*
 * Freshness: @fi echoes a frame that this node sent to @peer after the
 * last valid frame it received from it.  The echoed timestamp is this
 * node's own CLOCK_MONOTONIC, and with authentication the MAC covers it:
 * no frame recorded before that last frame can hold such an echo.
 */
static bool hb_peer_echo_fresh(const struct hb_peer *peer,
			       const struct hb_frame_info *fi, ktime_t now)
{
	lockdep_assert_held(&peer->lock);

	return (fi->flags & HB_FRAME_F_ECHO) && fi->echo_seq &&
	       fi->echo_seq <= peer->tx_seq &&
	       fi->echo_timestamp_ns > (u64)ktime_to_ns(peer->rx_time) &&
	       fi->echo_timestamp_ns <= (u64)ktime_to_ns(now);
}

/*
 * Another incarnation than the last one received.  One above every
 * incarnation ever received from the peer is a restart.  Any other one
 * (lower: the node restarted with its clock behind; or between the last
 * one and the highest) only comes back from a peer silent for its whole
 * detection time: the incarnation it was heard with is gone, so this
 * cannot take over a live peer.  With authentication required the frame
 * must also be fresh (hb_peer_echo_fresh()), so that a recording of the
 * peer's past frames, even one validly signed, cannot bring it back.  A
 * signed frame that only lacks that proof sets *@probe: a peer that this
 * node does not beat to gets one frame to echo (hb_peer_probe()).
 */
static bool hb_peer_reborn(struct hb_net *hn, const struct hb_peer *peer,
			   const struct hb_frame_info *fi, ktime_t now,
			   bool *probe)
{
	lockdep_assert_held(&peer->lock);

	if (fi->incarnation > peer->top_incarnation)
		return true;
	if (ktime_before(now, ktime_add_ns(peer->rx_time,
					   hb_peer_detect_ns(peer))))
		return false;
	if (!READ_ONCE(hn->auth) || hb_peer_echo_fresh(peer, fi, now))
		return true;
	*probe = true;
	return false;
}

/*
 * Ask for one frame to @peer although the node does not beat to it (it
 * would get one within an interval otherwise), at most once per interval:
 * only a verified frame gets here, and the probe goes to the peer's own
 * endpoint, never to the frame's source.  Returns true when the caller
 * must send it (hb_socket_send()) after releasing peer->lock.
 */
static bool hb_peer_probe(struct hb_peer *peer, ktime_t now)
{
	lockdep_assert_held(&peer->lock);

	if (peer->tx_on || ktime_before(now, peer->echo_probe_at))
		return false;
	peer->echo_probe_at = ktime_add_us(now, peer->interval_us);
	peer->probe_pending = true;
	return true;
}

/*
 * A frame from another endpoint than @peer's may come from where the peer
 * moved to: only for a peer that was not configured, outside static mode
 * (the cluster tick applies the move), and only from the endpoint a move
 * is pending to or from a restarted peer (hb_peer_reborn(): the node
 * restarted elsewhere; a replayed frame never is one).
 */
static bool hb_peer_may_move(struct hb_net *hn, const struct hb_peer *peer,
			     const struct hb_frame_info *fi,
			     const struct hb_addr *src, ktime_t now)
{
	bool probe = false;

	lockdep_assert_held(&peer->lock);

	if (peer->origin == HB_ORIGIN_CONFIGURED ||
	    READ_ONCE(hn->mode) == HB_MODE_STATIC)
		return false;
	if (peer->move_pending && !memcmp(src, &peer->move_to, sizeof(*src)))
		return true;
	return peer->rx_valid && fi->incarnation != peer->remote_incarnation &&
	       hb_peer_reborn(hn, peer, fi, now, &probe);
}

/**
 * hb_peer_rx() - account a valid frame and run the state machine
 * @hn: the instance that received it
 * @fi: the frame, validated by hb_frame_parse(); its cluster id matches
 *	and its sender is not this node
 * @src: the UDP endpoint it came from
 *
 * A frame from an unknown sender may be learned (leader mode; see
 * cluster.c) and is dropped otherwise.  Drops frames from the wrong
 * endpoint (but for a peer that moves: hb_peer_may_move()), membership
 * lists from a peer that is not a leader of this member, frames from
 * another incarnation unless the peer restarted (hb_peer_reborn()), and
 * sequence numbers already received or older than the replay window
 * (hb_peer_replay_check()).  When the peer restarted, a HB_EVENT_RESTARTED
 * event is sent and its sequence numbers start over.  A peer not UP
 * becomes UP (HB_EVENT_STATE_CHANGE,
 * reason HB_REASON_FRAME; when it also restarted, this event comes
 * first).  Events are built and sent under peer->lock, so that they are
 * numbered in the order of the peer's changes; the frame's extensions are
 * used after it is released.
 *
 * Context: softirq, rcu_read_lock() held.
 */
void hb_peer_rx(struct hb_net *hn, const struct hb_frame_info *fi,
		const struct hb_addr *src)
{
	bool restarted = false, accepted = false, back = false;
	bool newest = true, move = false, probe = false;
	int drop = HB_FRAME_OK;
	struct hb_event ev[2];
	struct hb_peer *peer;
	unsigned int nev = 0;
	bool leader = false;
	unsigned int i;
	ktime_t now;
	u8 old;

	peer = hb_peer_lookup(hn, fi->sender_id);
	if (!peer) {
		hb_cluster_rx_unknown(hn, fi, src);
		return;
	}

	now = ktime_get();
	spin_lock(&peer->lock);
	if (peer->dead)
		goto out_unlock;
	if (memcmp(src, &peer->addr, sizeof(*src))) {
		if (!hb_peer_may_move(hn, peer, fi, src, now)) {
			drop = HB_DROP_BAD_SOURCE;
			goto out_dropped;
		}
		move = true;
	}
	if (fi->members && !peer->is_leader &&
	    READ_ONCE(hn->mode) == HB_MODE_MEMBER) {
		drop = HB_DROP_NOT_LEADER;
		goto out_dropped;
	}

	if (peer->rx_valid && fi->incarnation != peer->remote_incarnation) {
		if (!hb_peer_reborn(hn, peer, fi, now, &probe)) {
			/* From the past, or a live peer's double. */
			drop = HB_DROP_STALE;
			probe = probe && hb_peer_probe(peer, now);
			goto out_dropped;
		}
		restarted = true;
	} else if (peer->rx_valid) {
		drop = hb_peer_replay_check(peer, fi->seq, &newest);
		if (drop != HB_FRAME_OK)
			goto out_dropped;
	}

	if (!newest) {
		/* A late frame: not lost after all, but not a sign of life
		 * either (a withheld frame must not keep a peer alive).
		 */
		peer->rx++;
		goto out_unlock;
	}
	accepted = true;
	if (move) {
		peer->move_pending = true;
		peer->move_to = *src;
	}
	if (!peer->rx_valid || restarted)
		peer->rx_window = 1;
	peer->rx_seq = fi->seq;
	peer->rx_remote_ts = fi->timestamp_ns;
	peer->rx_valid = true;
	peer->rx_time = now;
	peer->remote_interval_us = fi->interval_us;
	peer->remote_multiplier = fi->multiplier;
	peer->remote_incarnation = fi->incarnation;
	peer->top_incarnation = max(peer->top_incarnation, fi->incarnation);
	peer->rx++;
	hb_peer_rtt_sample(peer, fi, now);
	if (!move)
		hb_peer_echo(peer, fi);

	old = peer->state;
	if (old != HB_STATE_UP) {
		peer->state = HB_STATE_UP;
		peer->source = HB_SOURCE_SELF;
		peer->state_changes++;
		peer->up_since = now;
		back = old == HB_STATE_DOWN;
		hb_event_init(&ev[nev++], peer, HB_EVENT_STATE_CHANGE, old,
			      HB_REASON_FRAME, now);
	}
	if (restarted) {
		hb_event_init(&ev[nev], peer, HB_EVENT_RESTARTED, old,
			      HB_REASON_INCARNATION, now);
		ev[nev++].incarnation = fi->incarnation;
	}
	hb_cluster_heard(peer, now);
	/* The sender stops beating to this node: stop timing it. */
	peer->watch_heard = !(fi->flags & HB_FRAME_F_LEAVE);
	leader = peer->is_leader;
	hb_timers_frame_received(peer);
	goto out_unlock;

out_dropped:
	peer->dropped++;
out_unlock:
	/* Numbered and sent in the order of the changes (see netlink.c). */
	for (i = 0; i < nev; i++)
		hb_genl_notify_event(hn, &ev[i]);
	spin_unlock(&peer->lock);

	if (drop != HB_FRAME_OK)
		hb_drop(hn, drop);
	if (probe)
		hb_socket_send(peer);
	if (!accepted)
		return;
	if (move)
		hb_cluster_move(hn, fi->sender_id, src, HB_ORIGIN_LEARNED, 0);
	if (fi->members && leader)
		hb_cluster_rx_members(hn, peer, fi);
	if (fi->verdicts)
		hb_cluster_rx_verdicts(hn, peer, fi);
	if (back || (leader && nev))
		hb_cluster_peer_back(hn);
}

/**
 * hb_peer_net_init() - set up the peer tables of a namespace
 * @hn: the instance, configured for the first time (see node.c)
 *
 * Context: process context, hn->lock held.
 * Return: 0 or a negative errno.
 */
int hb_peer_net_init(struct hb_net *hn)
{
	int err;

	/* Endpoints are compared as bytes (memcmp()): no padding inside. */
	BUILD_BUG_ON(offsetof(struct hb_addr, v4) != 2 * sizeof(u16));
	BUILD_BUG_ON(sizeof(struct hb_addr) !=
		     2 * sizeof(u16) + sizeof(struct in6_addr));
	BUILD_BUG_ON(HEARTBEAT_MAX_MULTIPLIER > U8_MAX);
	BUILD_BUG_ON(HB_REPLAY_WINDOW > 64);
	BUILD_BUG_ON(__HB_STATE_MAX > U8_MAX);

	hn->peers_by_id = kzalloc(sizeof(*hn->peers_by_id), GFP_KERNEL_ACCOUNT);
	if (!hn->peers_by_id)
		return -ENOMEM;
	err = rhashtable_init(hn->peers_by_id, &hb_peer_id_params);
	if (err) {
		kfree(hn->peers_by_id);
		hn->peers_by_id = NULL;
	}
	return err;
}

/**
 * hb_peer_net_uninit() - free the peer tables of a namespace
 * @hn: the instance, whose peers were all removed
 *
 * Context: pernet exit (or a failed first NODE_SET).
 */
void hb_peer_net_uninit(struct hb_net *hn)
{
	WARN_ON_ONCE(!list_empty(&hn->peers));
	rhashtable_destroy(hn->peers_by_id);
	kfree(hn->peers_by_id);
	hn->peers_by_id = NULL;
}

/**
 * hb_peer_init() - create the slab cache of peers
 *
 * Context: module init.
 * Return: 0, or -ENOMEM.
 */
int hb_peer_init(void)
{
	hb_peer_cache = KMEM_CACHE(hb_peer, 0);
	return hb_peer_cache ? 0 : -ENOMEM;
}

/**
 * hb_peer_uninit() - destroy the slab cache of peers
 *
 * Context: module exit, after every namespace's peers were freed.
 */
void hb_peer_uninit(void)
{
	kmem_cache_destroy(hb_peer_cache);
}
