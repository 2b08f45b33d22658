// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: cluster modes.
 *
 * The uapi header describes what each mode does on the wire; this file
 * decides, for every peer, whether the node beats to it (peer->tx_on) and
 * whether it runs failure detection on it (peer->watch), learns peers,
 * follows a leader's membership list, and runs the leaderless verdicts.
 *
 * Leaderless verdicts
 * -------------------
 * Each peer has a verdict epoch and a verdict (peer->epoch, peer->v_state,
 * the monitors that confirmed a DOWN in peer->conf).  A monitor whose
 * detection time for a peer expires moves the epoch on and suspects it
 * (hb_cluster_suspect()); a valid frame from the peer moves the epoch on
 * and clears the suspicion (hb_cluster_heard()).  Verdicts spread in every
 * beat (HB_TLV_VERDICTS) and merge: a later epoch replaces an earlier
 * one, at an equal epoch DOWN wins and confirmations are merged.  Epochs
 * wrap and are compared like TCP sequence numbers; a received epoch more
 * than HB_EPOCH_WINDOW away from this node's is ignored (counted as
 * HB_DROP_BAD_EPOCH), so that nobody can move it far or pin it.  A
 * confirmation counts only when it is first-hand (in the confirming
 * monitor's own frame) or relayed by two different peers: one node, lying
 * or not, cannot make up the confirmations of others, while the honest
 * relays still carry every real confirmation round the ring (each node
 * hears from its k predecessors).  A node that watches the peer and heard
 * it within half its detection time refutes a suspicion by moving the
 * epoch on again (as does the node itself, for its own epoch).  The tick
 * declares a suspected peer DOWN once every live
 * monitor of it (its k successors that are not DOWN, minus those that are
 * suspected themselves by two monitors or more) confirmed, or after
 * HB_SUSPECT_TIMEOUTS detection times with at least one confirmation from
 * one of its monitors.
 *
 * The tick
 * --------
 * hn->tick runs every def_interval_us in every mode but static, and
 * sooner when kicked (a peer to learn, a suspicion, a leader lost, a peer
 * back UP), but never more than once per interval because of kicks: what
 * remote frames cause is coalesced into at most one tick per interval
 * (hn->tick_last; hn->ticks counts them).  Under hn->lock it learns queued
 * peers, forgets learned peers DOWN for the learn age, re-evaluates the
 * effective mode of a member, declares confirmed verdicts, re-computes the
 * ring when it changed, and publishes the extensions of the next beats.
 *
 * Learning from unknown senders (a leader) is rate limited: at most
 * HEARTBEAT_LEARN_RATE senders are queued per interval (hn->learn_win).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "budget.h"
#include "cluster.h"
#include "frame.h"
#include "hb.h"
#include "netlink.h"
#include "peer.h"
#include "timers.h"

/* Bits of hn->ring_dirty. */
#define HB_RING_DIRTY		0
/* A peer may be suspected (hb_cluster_any_suspect()): set whenever a
 * verdict turns DOWN or a DOWN peer comes back, cleared by a tick that
 * finds no suspect.
 */
#define HB_RING_SUSPECTS	1
/* A suspicion not confirmed by every live monitor waits this many
 * detection times.
 */
#define HB_SUSPECT_TIMEOUTS	3

/**
 * struct hb_ring_ent - one node on the ring of a leaderless node
 * @id: its id
 * @peer: the peer, or NULL for this node
 * @alive: not DOWN (this node always is)
 * @suspected: it has a DOWN verdict not declared yet
 * @doubtful: suspected, and confirmed by at least two monitors (or by
 *	      its only one): no longer counted as a live monitor
 * @tx: this node beats to it
 * @watch: this node watches it
 */
struct hb_ring_ent {
	u32 id;
	struct hb_peer *peer;
	bool alive;
	bool suspected;
	bool doubtful;
	bool tx;
	bool watch;
};

/**
 * struct hb_ring - the ring, sorted by id
 * @n: entries
 * @self: index of this node
 * @ent: the entries
 */
struct hb_ring {
	unsigned int n;
	unsigned int self;
	struct hb_ring_ent ent[];
};

static bool hb_is_leader_id(const struct hb_net *hn, u32 id)
{
	unsigned int i;

	for (i = 0; i < hn->nleaders; i++)
		if (hn->leaders[i] == id)
			return true;
	return false;
}

/**
 * hb_cluster_kick() - run the tick soon
 * @hn: the instance
 *
 * At once when the last tick started an interval ago or more; else the
 * next periodic tick, less than an interval away, does the work: frames
 * cannot make the tick run more than once per interval.
 *
 * Context: any up to softirq.  Never called once the namespace is being
 * dismantled: by then no peer, timer or socket is left to call it.
 */
void hb_cluster_kick(struct hb_net *hn)
{
	unsigned long last, period;

	if (READ_ONCE(hn->mode) == HB_MODE_STATIC)
		return;
	/* A tick started less than an interval ago: the next periodic one,
	 * less than an interval away, does what the kick asks for.
	 */
	last = READ_ONCE(hn->tick_last);
	period = usecs_to_jiffies(READ_ONCE(hn->def_interval_us));
	if (period && time_in_range(jiffies, last, last + period - 1))
		return;
	mod_delayed_work(system_wq, &hn->tick, 0);
}

static void hb_cluster_dirty(struct hb_net *hn)
{
	set_bit(HB_RING_DIRTY, &hn->ring_dirty);
}

/**
 * hb_cluster_peer_back() - a peer came back UP, or a leader was heard
 * @hn: the instance
 *
 * The ring (or the mode) may change: have the tick look at it.
 *
 * Context: softirq.
 */
void hb_cluster_peer_back(struct hb_net *hn)
{
	set_bit(HB_RING_SUSPECTS, &hn->ring_dirty);
	hb_cluster_dirty(hn);
	hb_cluster_kick(hn);
}

/* Count a drop from process context (the counters are per CPU). */
static void hb_cluster_drop(struct hb_net *hn, enum hb_drop_reason reason)
{
	local_bh_disable();
	hb_drop(hn, reason);
	local_bh_enable();
}

/* Forget every request in the queue (static mode). */
static void hb_cluster_drain(struct hb_net *hn)
{
	spin_lock_bh(&hn->cl_lock);
	WRITE_ONCE(hn->nlearn_q, 0);
	spin_unlock_bh(&hn->cl_lock);
}

static void hb_conf_add(struct hb_peer *peer, u32 id)
{
	unsigned int i;

	for (i = 0; i < peer->nconf; i++)
		if (peer->conf[i] == id)
			return;
	if (peer->nconf < HEARTBEAT_MAX_MONITORS)
		peer->conf[peer->nconf++] = id;
}

static void hb_mode_event(struct hb_net *hn, u8 old, u8 mode, u8 reason)
{
	struct hb_event ev = {
		.type		= HB_EVENT_MODE,
		.time_ns	= ktime_get_ns(),
		.reason		= reason,
		.old_mode	= old,
		.mode		= mode,
	};

	hb_genl_notify_event(hn, &ev);
}

static void hb_cluster_set_eff(struct hb_net *hn, u8 mode, u8 reason)
{
	u8 old = hn->eff_mode;

	lockdep_assert_held(&hn->lock);

	if (old == mode)
		return;
	WRITE_ONCE(hn->eff_mode, mode);
	hb_cluster_dirty(hn);
	hb_mode_event(hn, old, mode, reason);
}

/* ---- the ring ------------------------------------------------------------ */

static int hb_ring_cmp(const void *a, const void *b)
{
	const struct hb_ring_ent *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Every node of the ring: this node and every peer that is not a leader
 * (a falling back member keeps its leaders apart), sorted by id.
 */
static struct hb_ring *hb_ring_build(struct hb_net *hn)
{
	struct hb_ring_ent *e;
	struct hb_peer *peer;
	struct hb_ring *ring;
	unsigned int i, n = 0;

	lockdep_assert_held(&hn->lock);

	ring = kvmalloc(struct_size(ring, ent, hn->npeers + 1),
			GFP_KERNEL_ACCOUNT);
	if (!ring)
		return NULL;

	list_for_each_entry(peer, &hn->peers, list) {
		if (READ_ONCE(peer->is_leader))
			continue;
		e = &ring->ent[n++];
		memset(e, 0, sizeof(*e));
		e->id = peer->id;
		e->peer = peer;
		spin_lock_bh(&peer->lock);
		e->alive = peer->state != HB_STATE_DOWN;
		e->suspected = e->alive && peer->v_state == HB_STATE_DOWN;
		e->doubtful = e->suspected &&
			      peer->nconf >= min_t(u8, 2, hn->monitors);
		spin_unlock_bh(&peer->lock);
	}
	e = &ring->ent[n++];
	memset(e, 0, sizeof(*e));
	e->id = hn->node_id;
	e->alive = true;

	sort(ring->ent, n, sizeof(*e), hb_ring_cmp, NULL);
	ring->n = n;
	for (i = 0; i < n; i++)
		if (!ring->ent[i].peer)
			ring->self = i;
	return ring;
}

/*
 * The monitors of the node at @pos: the first k alive nodes after it.
 * Returns how many there are; *@live counts those not doubtful (a
 * suspicion by a single monitor of several does not make a monitor dead:
 * it is often a stall, soon refuted).
 */
static unsigned int hb_ring_monitors(const struct hb_ring *ring,
				     unsigned int pos, unsigned int k,
				     u32 *ids, unsigned int *live)
{
	unsigned int step, nm = 0;

	*live = 0;
	for (step = 1; step < ring->n && nm < k; step++) {
		const struct hb_ring_ent *e = &ring->ent[(pos + step) % ring->n];

		if (!e->alive)
			continue;
		ids[nm++] = e->id;
		if (!e->doubtful)
			(*live)++;
	}
	return nm;
}

/*
 * Who this node beats to: walking forward, its k first alive successors
 * and, on the way, at most k DOWN nodes (probed so that they are heard
 * from as soon as they are back).  Who it watches: its k first alive
 * predecessors, the nodes that have it among their monitors.
 */
static void hb_ring_roles(struct hb_ring *ring, unsigned int k)
{
	unsigned int step, alive = 0, probes = 0;
	struct hb_ring_ent *e;

	for (step = 1; step < ring->n && alive < k; step++) {
		e = &ring->ent[(ring->self + step) % ring->n];
		if (e->alive) {
			e->tx = true;
			alive++;
		} else if (probes < k) {
			e->tx = true;
			probes++;
		}
	}
	alive = 0;
	for (step = 1; step < ring->n && alive < k; step++) {
		e = &ring->ent[(ring->self + ring->n - step) % ring->n];
		if (e->alive) {
			e->watch = true;
			alive++;
		}
	}
}

/* ---- roles ---------------------------------------------------------------- */

/* Roles of @peer in every mode but leaderless. */
static void hb_roles_simple(struct hb_net *hn, struct hb_peer *peer,
			    bool *tx, bool *watch)
{
	switch (hn->eff_mode) {
	case HB_MODE_MEMBER:
		*tx = peer->is_leader;
		break;
	case HB_MODE_LEADERLESS:
		/* Only the leaders of a falling back member get here. */
		*tx = peer->is_leader;
		break;
	default:
		*tx = true;
		break;
	}
	*watch = *tx;
}

/*
 * Start or stop beating to and watching @peer (hb_timers_apply_roles()),
 * and keep the counts NODE_GET reports: peer->tx_on and peer->watch
 * change only here, under hn->lock.
 */
static void hb_cluster_set_roles(struct hb_net *hn, struct hb_peer *peer,
				 bool tx, bool watch, bool lazy)
{
	lockdep_assert_held(&hn->lock);

	WRITE_ONCE(hn->nsending, hn->nsending - peer->tx_on + tx);
	WRITE_ONCE(hn->nwatching, hn->nwatching - peer->watch + watch);
	hb_timers_apply_roles(peer, tx, watch, lazy);
}

/*
 * Re-compute who this node beats to and watches, and start or stop the
 * timers accordingly.
 */
static void hb_cluster_reconcile(struct hb_net *hn)
{
	struct hb_peer *peer;
	struct hb_ring *ring;
	bool tx, watch;
	unsigned int i;

	lockdep_assert_held(&hn->lock);

	clear_bit(HB_RING_DIRTY, &hn->ring_dirty);
	if (hn->eff_mode != HB_MODE_LEADERLESS) {
		list_for_each_entry(peer, &hn->peers, list) {
			hb_roles_simple(hn, peer, &tx, &watch);
			hb_cluster_set_roles(hn, peer, tx, watch, false);
		}
		return;
	}

	/* Whatever changed the ring may have left a suspicion to decide. */
	set_bit(HB_RING_SUSPECTS, &hn->ring_dirty);
	ring = hb_ring_build(hn);
	if (!ring) {
		/* Keep the old roles; the next tick tries again. */
		hb_cluster_dirty(hn);
		return;
	}
	hb_ring_roles(ring, hn->monitors);
	for (i = 0; i < ring->n; i++) {
		struct hb_ring_ent *e = &ring->ent[i];

		if (e->peer)
			hb_cluster_set_roles(hn, e->peer, e->tx, e->watch,
					     true);
	}
	kvfree(ring);

	list_for_each_entry(peer, &hn->peers, list)
		if (peer->is_leader)
			hb_cluster_set_roles(hn, peer, true, true, false);
}

/**
 * hb_cluster_peer_added() - give a new peer its roles
 * @hn: the instance
 * @peer: the peer, just published
 *
 * Context: process context, hn->lock held.
 */
void hb_cluster_peer_added(struct hb_net *hn, struct hb_peer *peer)
{
	bool tx, watch;

	lockdep_assert_held(&hn->lock);

	if (peer->origin != HB_ORIGIN_CONFIGURED)
		WRITE_ONCE(hn->nlearned, hn->nlearned + 1);
	spin_lock_bh(&peer->lock);
	peer->is_leader = hn->mode == HB_MODE_MEMBER &&
			  hb_is_leader_id(hn, peer->id);
	spin_unlock_bh(&peer->lock);

	if (hn->eff_mode == HB_MODE_LEADERLESS) {
		/* The whole ring is re-computed once by the next tick, not
		 * once per peer: adding N peers does not cost N^2.
		 */
		hb_cluster_dirty(hn);
		hb_cluster_kick(hn);
		return;
	}
	hb_roles_simple(hn, peer, &tx, &watch);
	hb_cluster_set_roles(hn, peer, tx, watch, false);
}

/**
 * hb_cluster_peer_removed() - account for a peer that was unlinked
 * @hn: the instance
 * @peer: the peer, no longer in hn->peers (not freed yet)
 *
 * Context: process context, hn->lock held.
 */
void hb_cluster_peer_removed(struct hb_net *hn, struct hb_peer *peer)
{
	lockdep_assert_held(&hn->lock);

	if (peer->origin != HB_ORIGIN_CONFIGURED)
		WRITE_ONCE(hn->nlearned, hn->nlearned - 1);
	WRITE_ONCE(hn->nsending, hn->nsending - peer->tx_on);
	WRITE_ONCE(hn->nwatching, hn->nwatching - peer->watch);
	if (hn->eff_mode == HB_MODE_LEADERLESS) {
		/* As for an added peer: once per tick, not per peer. */
		hb_cluster_dirty(hn);
		hb_cluster_kick(hn);
	}
}

/* ---- configuration ------------------------------------------------------- */

/**
 * hb_cluster_check() - validate the cluster part of a NODE_SET request
 * @hn: the instance
 * @cfg: the request; netlink checked ranges and distinct leader ids
 * @node_id: the node id the request leaves in force
 * @extack: for error messages
 *
 * Context: process context, hn->lock held.
 * Return: 0 or a negative errno.
 */
int hb_cluster_check(struct hb_net *hn, const struct hb_node_cfg *cfg,
		     u32 node_id, struct netlink_ext_ack *extack)
{
	const u32 *leaders = cfg->has_leaders ? cfg->leaders : hn->leaders;
	u8 nleaders = cfg->has_leaders ? cfg->nleaders : hn->nleaders;
	u8 mode = cfg->has_mode ? cfg->mode : hn->mode;
	unsigned int i;

	lockdep_assert_held(&hn->lock);

	if (mode == HB_MODE_MEMBER && !nleaders) {
		NL_SET_ERR_MSG_MOD(extack, "member mode needs at least one leader");
		return -EINVAL;
	}
	for (i = 0; i < nleaders; i++) {
		if (leaders[i] == node_id) {
			NL_SET_ERR_MSG_MOD(extack, "a leader id is this node's own id");
			return -EINVAL;
		}
	}
	if (cfg->has_learn_limit && cfg->learn_limit < hn->nlearned) {
		NL_SET_ERR_MSG_MOD(extack,
				   "learn limit is below the number of learned peers");
		return -EBUSY;
	}
	return 0;
}

/**
 * hb_cluster_apply() - apply the cluster part of an accepted NODE_SET
 * @hn: the instance
 * @cfg: the request, accepted by hb_cluster_check()
 *
 * A new mode takes effect at once (HB_EVENT_MODE, reason HB_REASON_CONFIG,
 * when the effective mode changes); roles are re-computed and the tick is
 * started unless the node is static.
 *
 * Context: process context, hn->lock held; sleeps.
 */
void hb_cluster_apply(struct hb_net *hn, const struct hb_node_cfg *cfg)
{
	struct hb_peer *peer;
	struct hb_ext *old;
	bool leader;

	lockdep_assert_held(&hn->lock);

	if (cfg->has_learn)
		WRITE_ONCE(hn->learn, cfg->learn);
	if (cfg->has_monitors)
		WRITE_ONCE(hn->monitors, cfg->monitors);
	if (cfg->has_interval)
		WRITE_ONCE(hn->def_interval_us, cfg->interval_us);
	if (cfg->has_multiplier)
		WRITE_ONCE(hn->def_multiplier, cfg->multiplier);
	if (cfg->has_learn_limit)
		WRITE_ONCE(hn->learn_limit, cfg->learn_limit);
	if (cfg->has_learn_age)
		WRITE_ONCE(hn->learn_age_ms, cfg->learn_age_ms);
	if (cfg->has_leaders) {
		memcpy(hn->leaders, cfg->leaders, sizeof(hn->leaders));
		hn->nleaders = cfg->nleaders;
	}
	if (cfg->has_mode)
		WRITE_ONCE(hn->mode, cfg->mode);

	list_for_each_entry(peer, &hn->peers, list) {
		leader = hn->mode == HB_MODE_MEMBER &&
			 hb_is_leader_id(hn, peer->id);
		spin_lock_bh(&peer->lock);
		peer->is_leader = leader;
		spin_unlock_bh(&peer->lock);
	}

	/* A member keeps its fallback state unless its mode was set. */
	if (cfg->has_mode || hn->mode != HB_MODE_MEMBER)
		hb_cluster_set_eff(hn, hn->mode, HB_REASON_CONFIG);
	if (hn->mode != HB_MODE_MEMBER)
		WRITE_ONCE(hn->leader, 0);

	hb_cluster_reconcile(hn);
	if (hn->mode == HB_MODE_STATIC) {
		/* Nothing is learned or moved in static mode. */
		hb_cluster_drain(hn);
		/* A running tick sees the static mode and stops. */
		old = rcu_replace_pointer(hn->ext, NULL,
					  lockdep_is_held(&hn->lock));
		if (old)
			kfree_rcu(old, rcu);
	} else {
		mod_delayed_work(system_wq, &hn->tick, 0);
	}
}

/* ---- learning ------------------------------------------------------------- */

/*
 * Whether one more unknown sender may be queued in the current learning
 * window (one interval long, started by the first sender after the last
 * window ended).  hn->cl_lock held.
 */
static bool hb_learn_rate_ok(struct hb_net *hn)
{
	u64 len = (u64)READ_ONCE(hn->def_interval_us) * NSEC_PER_USEC;
	ktime_t now = ktime_get();

	lockdep_assert_held(&hn->cl_lock);

	if (ktime_to_ns(ktime_sub(now, hn->learn_win)) >= len ||
	    ktime_before(now, hn->learn_win)) {
		hn->learn_win = now;
		hn->nlearn_win = 0;
	}
	if (hn->nlearn_win >= HEARTBEAT_LEARN_RATE)
		return false;
	hn->nlearn_win++;
	return true;
}

/*
 * Queue @req for the tick; one request per id at a time.  When @limit,
 * a new request counts against the learning rate.
 * Return: HB_FRAME_OK, or HB_DROP_LEARN_RATE.
 */
static int hb_cluster_queue(struct hb_net *hn, const struct hb_learn_req *req,
			    bool limit)
{
	int ret = HB_FRAME_OK;
	bool queued = false;
	unsigned int i;

	spin_lock(&hn->cl_lock);
	for (i = 0; i < hn->nlearn_q; i++)
		if (hn->learn_q[i].id == req->id)
			goto out_unlock;
	if (hn->nlearn_q < HB_LEARN_QUEUE) {
		if (limit && !hb_learn_rate_ok(hn)) {
			ret = HB_DROP_LEARN_RATE;
			goto out_unlock;
		}
		hn->learn_q[hn->nlearn_q] = *req;
		WRITE_ONCE(hn->nlearn_q, hn->nlearn_q + 1);
		queued = true;
	}
out_unlock:
	spin_unlock(&hn->cl_lock);
	/* A full queue is retried with the next frame. */
	if (queued)
		hb_cluster_kick(hn);
	return ret;
}

/**
 * hb_cluster_rx_unknown() - a valid frame from an unknown sender
 * @hn: the instance
 * @fi: the frame, of this node's cluster
 * @src: where it came from
 *
 * A leader that learns queues the sender to be learned by the tick (while
 * the learned peers are below the limit: HB_DROP_LEARN_LIMIT otherwise,
 * and at most HEARTBEAT_LEARN_RATE per interval: HB_DROP_LEARN_RATE
 * otherwise); every other node drops the frame (HB_DROP_UNKNOWN_PEER).
 *
 * Context: softirq, rcu_read_lock() held.
 */
void hb_cluster_rx_unknown(struct hb_net *hn, const struct hb_frame_info *fi,
			   const struct hb_addr *src)
{
	struct hb_learn_req req = {
		.id	= fi->sender_id,
		.origin	= HB_ORIGIN_LEARNED,
		.state	= HB_STATE_UNKNOWN,
		.addr	= *src,
	};
	int ret;

	if (READ_ONCE(hn->mode) != HB_MODE_LEADER || !READ_ONCE(hn->learn)) {
		hb_drop(hn, HB_DROP_UNKNOWN_PEER);
		return;
	}
	if (READ_ONCE(hn->nlearned) >= READ_ONCE(hn->learn_limit)) {
		hb_drop(hn, HB_DROP_LEARN_LIMIT);
		return;
	}
	ret = hb_cluster_queue(hn, &req, true);
	if (ret != HB_FRAME_OK)
		hb_drop(hn, ret);
}

/**
 * hb_cluster_move() - ask the tick to move a peer to another endpoint
 * @hn: the instance
 * @id: the peer
 * @addr: the endpoint; ignored for HB_ORIGIN_LEARNED, where the tick
 *	  takes the one in peer->move_to (the latest)
 * @origin: HB_ORIGIN_LEARNED (the peer's own frame, peer->move_pending
 *	    set) or HB_ORIGIN_LEADER (the list of @leader)
 * @leader: for HB_ORIGIN_LEADER, the leader
 *
 * A request that cannot be queued is made again by the next frame.
 *
 * Context: softirq, rcu_read_lock() held, no peer lock held.
 */
void hb_cluster_move(struct hb_net *hn, u32 id, const struct hb_addr *addr,
		     u8 origin, u32 leader)
{
	struct hb_learn_req req = {
		.id	= id,
		.origin	= origin,
		.move	= true,
		.leader	= leader,
		.addr	= *addr,
	};

	hb_cluster_queue(hn, &req, false);
}

/* Move a peer that was not configured to where a request says it is. */
static void hb_cluster_move_peer(struct hb_net *hn,
				 const struct hb_learn_req *req)
{
	struct hb_peer_cfg cfg = {
		.id		= req->id,
		.has_addr	= true,
		.has_port	= true,
	};
	struct hb_peer *peer;
	struct hb_event ev;
	bool move;
	int err;

	lockdep_assert_held(&hn->lock);

	peer = hb_peer_lookup(hn, req->id);
	if (!peer || peer->origin == HB_ORIGIN_CONFIGURED)
		return;
	/* The peer's own frames win over a list that may not know yet. */
	spin_lock_bh(&peer->lock);
	if (req->origin == HB_ORIGIN_LEARNED) {
		move = peer->move_pending;
		cfg.addr = peer->move_to;
	} else {
		move = !peer->move_pending;
		cfg.addr = req->addr;
	}
	/* peer->addr only changes under hn->lock, which is held. */
	if (move && !memcmp(&cfg.addr, &peer->addr, sizeof(cfg.addr))) {
		peer->move_pending = false;
		move = false;
	}
	spin_unlock_bh(&peer->lock);
	if (!move)
		return;

	cfg.port = ntohs(cfg.addr.port);
	err = hb_peer_update(hn, &cfg, NULL);
	/* Out of memory: the next frame from there asks again. */
	if (err == -ENOMEM)
		return;

	spin_lock_bh(&peer->lock);
	if (!memcmp(&cfg.addr, &peer->move_to, sizeof(cfg.addr)))
		peer->move_pending = false;
	if (!err) {
		hb_event_init(&ev, peer, HB_EVENT_MOVED, peer->state,
			      req->origin == HB_ORIGIN_LEARNED ?
			      HB_REASON_INCARNATION : HB_REASON_LEADER,
			      ktime_get());
		ev.addr = peer->addr;
		hb_genl_notify_event(hn, &ev);
	}
	spin_unlock_bh(&peer->lock);

	/* An endpoint no frame can be sent to. */
	if (err)
		hb_cluster_drop(hn, req->origin == HB_ORIGIN_LEARNED ?
				HB_DROP_BAD_SOURCE : HB_DROP_BAD_MEMBERS);
}

/*
 * The settings may have changed since the receive path queued @req:
 * learning from unknown senders needs a leader that learns, from a
 * leader's list a member, and moves any mode but static.
 */
static bool hb_learn_still_wanted(struct hb_net *hn,
				  const struct hb_learn_req *req)
{
	lockdep_assert_held(&hn->lock);

	if (hn->mode == HB_MODE_STATIC)
		return false;
	if (req->move)
		return true;
	if (req->origin == HB_ORIGIN_LEADER)
		return hn->mode == HB_MODE_MEMBER;
	return hn->mode == HB_MODE_LEADER && hn->learn;
}

/* Create (or move) the peers the receive path queued. */
static void hb_cluster_learn(struct hb_net *hn)
{
	struct hb_learn_req *req;
	struct hb_peer_cfg cfg;
	struct hb_peer *peer;
	unsigned int i, n;
	struct hb_event ev;
	ktime_t now;

	lockdep_assert_held(&hn->lock);

	/* Most ticks have nothing to learn: do not allocate for them. */
	if (!READ_ONCE(hn->nlearn_q))
		return;
	req = kmalloc_array(HB_LEARN_QUEUE, sizeof(*req), GFP_KERNEL);
	if (!req)
		return;
	spin_lock_bh(&hn->cl_lock);
	n = hn->nlearn_q;
	memcpy(req, hn->learn_q, n * sizeof(*req));
	WRITE_ONCE(hn->nlearn_q, 0);
	spin_unlock_bh(&hn->cl_lock);

	for (i = 0; i < n; i++) {
		if (!hb_learn_still_wanted(hn, &req[i]))
			continue;
		if (req[i].move) {
			hb_cluster_move_peer(hn, &req[i]);
			continue;
		}
		if (req[i].id == hn->node_id || hb_peer_lookup(hn, req[i].id))
			continue;
		if (hn->nlearned >= hn->learn_limit ||
		    hb_budget_peer_add(hn, hn->def_interval_us, NULL)) {
			hb_cluster_drop(hn, HB_DROP_LEARN_LIMIT);
			continue;
		}
		memset(&cfg, 0, sizeof(cfg));
		cfg.id = req[i].id;
		cfg.origin = req[i].origin;
		cfg.has_addr = true;
		cfg.addr = req[i].addr;
		cfg.has_port = true;
		cfg.port = ntohs(req[i].addr.port);
		cfg.has_interval = true;
		cfg.interval_us = hn->def_interval_us;
		cfg.has_multiplier = true;
		cfg.multiplier = hn->def_multiplier;
		if (hb_peer_create(hn, &cfg, NULL)) {
			/* An address no frame can be sent to. */
			if (req[i].origin == HB_ORIGIN_LEADER)
				hb_cluster_drop(hn, HB_DROP_BAD_MEMBERS);
			continue;
		}
		peer = hb_peer_lookup(hn, req[i].id);
		if (WARN_ON_ONCE(!peer))
			continue;

		now = ktime_get();
		spin_lock_bh(&peer->lock);
		if (req[i].state != HB_STATE_UNKNOWN) {
			peer->state = req[i].state;
			peer->source = HB_SOURCE_LEADER;
			peer->v_state = req[i].state;
			peer->v_since = now;
			if (req[i].state == HB_STATE_DOWN) {
				peer->nconf = 1;
				peer->conf[0] = req[i].leader;
			} else {
				peer->up_since = now;
			}
		}
		hb_event_init(&ev, peer, HB_EVENT_LEARNED, HB_STATE_UNKNOWN,
			      HB_REASON_NONE, now);
		ev.origin = peer->origin;
		hb_genl_notify_event(hn, &ev);
		spin_unlock_bh(&peer->lock);
	}
	kfree(req);
}

/* Most learned peers forgotten by one tick; the next tick does the rest. */
#define HB_FORGET_BATCH	64

struct hb_forget {
	struct hb_peer *peers[HB_FORGET_BATCH];
	struct hb_event ev[HB_FORGET_BATCH];
};

/*
 * Forget the peers learned from their own frames that have been DOWN for
 * the learn age (HB_EVENT_FORGOTTEN, reason HB_REASON_TIMEOUT).  The tick
 * notes when it first sees such a peer DOWN (peer->down_since).
 */
static void hb_cluster_forget(struct hb_net *hn, ktime_t now)
{
	u64 age_ns = (u64)hn->learn_age_ms * NSEC_PER_MSEC;
	struct hb_forget *f = NULL;
	struct hb_peer *peer;
	unsigned int n = 0, i;
	bool forget;

	lockdep_assert_held(&hn->lock);

	if (!hn->nlearned)
		return;
	/* hn->peers only changes under hn->lock, which is held. */
	list_for_each_entry(peer, &hn->peers, list) {
		if (peer->origin != HB_ORIGIN_LEARNED)
			continue;
		forget = false;
		spin_lock_bh(&peer->lock);
		if (peer->state != HB_STATE_DOWN)
			peer->down_since = 0;
		else if (!peer->down_since)
			peer->down_since = now;
		else
			forget = ktime_to_ns(ktime_sub(now, peer->down_since)) >=
				 age_ns;
		spin_unlock_bh(&peer->lock);
		if (!forget)
			continue;
		/* Most ticks forget nothing: allocate only when needed. */
		if (!f)
			f = kzalloc(sizeof(*f), GFP_KERNEL);
		if (!f)
			return;
		f->peers[n] = peer;
		spin_lock_bh(&peer->lock);
		hb_event_init(&f->ev[n], peer, HB_EVENT_FORGOTTEN, peer->state,
			      HB_REASON_TIMEOUT, now);
		spin_unlock_bh(&peer->lock);
		if (++n == HB_FORGET_BATCH)
			break;
	}
	if (!n)
		return;

	hb_peers_remove_some(hn, f->peers, n);
	for (i = 0; i < n; i++)
		hb_genl_notify_event(hn, &f->ev[i]);
	kfree(f);
}

/* ---- leader mode ------------------------------------------------------------ */

/* The endpoint of a list entry, zeroed: endpoints are compared as bytes. */
static void hb_member_addr(const struct hb_member_info *m,
			   struct hb_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->family = m->family;
	addr->port = htons(m->port);
	if (m->family == AF_INET)
		memcpy(&addr->v4, m->addr, sizeof(addr->v4));
	else
		memcpy(&addr->v6, m->addr, sizeof(addr->v6));
}

/**
 * hb_cluster_rx_members() - a membership list from a leader
 * @hn: the instance, in member mode
 * @leader: the leader that sent it
 * @fi: the frame, whose fi->members is set
 *
 * Unknown members are queued to be learned.  The states of the others are
 * taken from the list when @leader is the leader being followed and the
 * node is not falling back; a member this node watches itself, and
 * UNKNOWN entries, are left alone.  So are, then, the endpoints of the
 * members learned from a list: one that changed is queued to be moved.
 *
 * Context: softirq, rcu_read_lock() held, no peer lock held.
 */
void hb_cluster_rx_members(struct hb_net *hn, struct hb_peer *leader,
			   const struct hb_frame_info *fi)
{
	u32 self = READ_ONCE(hn->node_id);
	struct hb_learn_req req;
	struct hb_member_info m;
	struct hb_peer *peer;
	struct hb_addr addr;
	struct hb_event ev;
	size_t off = 0;
	bool notify, move;
	bool follow;
	ktime_t now;
	u8 old;

	follow = READ_ONCE(hn->leader) == leader->id &&
		 READ_ONCE(hn->eff_mode) == HB_MODE_MEMBER;

	while (hb_frame_next_member(fi, &off, &m)) {
		if (m.id == self || m.id == leader->id)
			continue;
		hb_member_addr(&m, &addr);
		peer = hb_peer_lookup(hn, m.id);
		if (!peer) {
			memset(&req, 0, sizeof(req));
			req.id = m.id;
			req.origin = HB_ORIGIN_LEADER;
			req.state = m.state;
			req.leader = leader->id;
			req.addr = addr;
			hb_cluster_queue(hn, &req, false);
			continue;
		}
		if (!follow)
			continue;

		notify = false;
		now = ktime_get();
		spin_lock(&peer->lock);
		move = peer->origin == HB_ORIGIN_LEADER && !peer->dead &&
		       memcmp(&addr, &peer->addr, sizeof(addr));
		if (m.state == HB_STATE_UNKNOWN)
			goto next_unlock;
		/* Same state, heard directly while falling back: the
		 * leader's list is where it comes from again.
		 */
		if (!peer->dead && !peer->is_leader && !peer->watch &&
		    peer->state == m.state)
			peer->source = HB_SOURCE_LEADER;
		if (!peer->dead && !peer->is_leader && !peer->watch &&
		    peer->state != m.state) {
			old = peer->state;
			peer->state = m.state;
			peer->source = HB_SOURCE_LEADER;
			peer->state_changes++;
			peer->v_state = m.state;
			peer->v_since = now;
			peer->nconf = 0;
			peer->npend = 0;
			if (m.state == HB_STATE_DOWN)
				hb_conf_add(peer, leader->id);
			else
				peer->up_since = now;
			hb_event_init(&ev, peer, HB_EVENT_STATE_CHANGE, old,
				      HB_REASON_LEADER, now);
			notify = true;
		}
next_unlock:
		if (notify)
			hb_genl_notify_event(hn, &ev);
		spin_unlock(&peer->lock);
		if (move)
			hb_cluster_move(hn, m.id, &addr, HB_ORIGIN_LEADER,
					leader->id);
	}
}

/*
 * A member follows the lowest-id leader that has been UP for at least its
 * detection time (so that a leader that was cut off has heard the members
 * again before its list is believed), falls back to leaderless when every
 * leader is DOWN (a leader id that is not a configured peer is not known
 * to be DOWN), and returns once a leader is followed again.
 */
static void hb_cluster_update_mode(struct hb_net *hn, ktime_t now)
{
	bool any_alive = false;
	struct hb_peer *peer;
	u32 follow = 0;
	unsigned int i;
	ktime_t since;
	u64 detect;
	u8 state;

	lockdep_assert_held(&hn->lock);

	if (hn->mode != HB_MODE_MEMBER)
		return;

	for (i = 0; i < hn->nleaders; i++) {
		peer = hb_peer_lookup(hn, hn->leaders[i]);
		if (!peer) {
			/* Not configured (yet): not known to be DOWN. */
			any_alive = true;
			continue;
		}
		spin_lock_bh(&peer->lock);
		state = peer->state;
		since = peer->up_since;
		detect = hb_peer_detect_ns(peer);
		spin_unlock_bh(&peer->lock);

		if (state != HB_STATE_DOWN)
			any_alive = true;
		if (state == HB_STATE_UP &&
		    ktime_to_ns(ktime_sub(now, since)) >= detect &&
		    (!follow || peer->id < follow))
			follow = peer->id;
	}
	WRITE_ONCE(hn->leader, follow);

	if (hn->eff_mode == HB_MODE_MEMBER && !any_alive)
		hb_cluster_set_eff(hn, HB_MODE_LEADERLESS,
				   HB_REASON_LEADERS_DOWN);
	else if (hn->eff_mode == HB_MODE_LEADERLESS && follow)
		hb_cluster_set_eff(hn, HB_MODE_MEMBER, HB_REASON_LEADER_UP);
}

/* ---- leaderless verdicts ------------------------------------------------- */

/*
 * Verdict epochs wrap: they are compared like TCP sequence numbers, and
 * a received one is used only within HB_EPOCH_WINDOW of this node's.
 */
static s32 hb_epoch_diff(u32 a, u32 b)
{
	return (s32)(a - b);
}

static bool hb_epoch_far(u32 a, u32 b)
{
	s32 d = hb_epoch_diff(a, b);

	return d > HB_EPOCH_WINDOW || d < -HB_EPOCH_WINDOW;
}

/* A new epoch or verdict: forget the confirmations of the old one. */
static void hb_verdict_reset(struct hb_peer *peer, u8 state, ktime_t now)
{
	if (state == HB_STATE_DOWN)
		set_bit(HB_RING_SUSPECTS, &peer->hn->ring_dirty);
	peer->v_state = state;
	peer->v_since = now;
	peer->nconf = 0;
	peer->npend = 0;
}

/**
 * hb_cluster_suspect() - a watched peer missed its detection time
 * @peer: the peer, watched by a leaderless node
 * @now: the time
 *
 * Records this node's confirmation of a DOWN verdict (moving the epoch on
 * if the peer was not suspected yet) and stops detection until the next
 * frame.  The caller kicks the tick, which declares the peer DOWN once
 * the verdict is confirmed.
 *
 * Context: softirq, peer->lock held.
 */
void hb_cluster_suspect(struct hb_peer *peer, ktime_t now)
{
	lockdep_assert_held(&peer->lock);

	if (peer->v_state != HB_STATE_DOWN) {
		peer->epoch++;
		hb_verdict_reset(peer, HB_STATE_DOWN, now);
	}
	peer->v_synced = true;
	hb_conf_add(peer, READ_ONCE(peer->hn->node_id));
	peer->watch_heard = false;
}

/**
 * hb_cluster_heard() - a valid frame from @peer arrived
 * @peer: the peer
 * @now: the time
 *
 * A DOWN verdict about a peer that is heard is wrong: move the epoch on
 * with an UP verdict.
 *
 * Context: softirq, peer->lock held.
 */
void hb_cluster_heard(struct hb_peer *peer, ktime_t now)
{
	lockdep_assert_held(&peer->lock);

	if (peer->v_state == HB_STATE_DOWN) {
		peer->epoch++;
		hb_verdict_reset(peer, HB_STATE_UP, now);
	} else if (peer->v_state == HB_STATE_UNKNOWN) {
		peer->v_state = HB_STATE_UP;
	}
}

static bool hb_conf_has(const struct hb_peer *peer, u32 id)
{
	unsigned int i;

	for (i = 0; i < peer->nconf; i++)
		if (peer->conf[i] == id)
			return true;
	return false;
}

/* Count @mon's confirmation, and forget the relays of it that wait. */
static void hb_conf_accept(struct hb_peer *peer, u32 mon)
{
	unsigned int i = 0;

	hb_conf_add(peer, mon);
	while (i < peer->npend) {
		if (peer->pend_mon[i] == mon) {
			peer->npend--;
			peer->pend_mon[i] = peer->pend_mon[peer->npend];
			peer->pend_by[i] = peer->pend_by[peer->npend];
		} else {
			i++;
		}
	}
}

/*
 * The confirmations of a DOWN verdict at this node's epoch, received from
 * @from.  A monitor's confirmation counts when it comes first-hand (@from
 * is that monitor) or when two different peers relayed it: a single node
 * cannot make up the confirmations of others.  A relay waits in
 * peer->pend_* for the second one (at most HB_CONF_PENDING, half of them
 * from one relaying peer).  Nobody is believed about this node's own
 * confirmation.  Returns whether a confirmation was counted.
 */
static bool hb_conf_merge(struct hb_peer *peer, const struct hb_verdict_info *v,
			  u32 from, u32 self)
{
	unsigned int i, p, mine;
	bool grew = false;
	u32 mon;

	for (i = 0; i < v->nconf; i++) {
		mon = v->conf[i];
		if (mon == self || hb_conf_has(peer, mon))
			continue;
		if (mon == from)
			goto accept;
		mine = 0;
		for (p = 0; p < peer->npend; p++) {
			if (peer->pend_mon[p] != mon) {
				mine += peer->pend_by[p] == from;
				continue;
			}
			if (peer->pend_by[p] != from)
				goto accept;
			break;
		}
		if (p == peer->npend && peer->npend < HB_CONF_PENDING &&
		    mine < HB_CONF_PENDING / 2) {
			peer->pend_mon[peer->npend] = mon;
			peer->pend_by[peer->npend] = from;
			peer->npend++;
		}
		continue;
accept:
		hb_conf_accept(peer, mon);
		grew = true;
	}
	return grew;
}

/* Bits returned by hb_verdict_merge(). */
#define HB_MERGE_PENDING	0x1	/* a suspicion to decide on */
#define HB_MERGE_DIRTY		0x2	/* the peer came back: new ring */
#define HB_MERGE_FAR		0x4	/* epoch out of the window: ignored */

static unsigned int hb_verdict_merge(struct hb_peer *peer,
				     const struct hb_verdict_info *v,
				     u32 from, u32 self, ktime_t now,
				     struct hb_event *ev, bool *notify)
{
	unsigned int ret = 0;
	s32 d;
	u8 old;

	lockdep_assert_held(&peer->lock);

	d = hb_epoch_diff(v->epoch, peer->epoch);
	if (peer->v_synced && hb_epoch_far(v->epoch, peer->epoch))
		return HB_MERGE_FAR;

	if (d > 0 || !peer->v_synced) {
		peer->epoch = v->epoch;
		peer->v_synced = true;
		hb_verdict_reset(peer, v->state, now);
		if (v->state == HB_STATE_DOWN) {
			hb_conf_merge(peer, v, from, self);
			ret |= HB_MERGE_PENDING;
		}
	} else if (!d && v->state == HB_STATE_UP &&
		   peer->v_state == HB_STATE_UNKNOWN) {
		/* Another node heard from a peer this one never did. */
		peer->v_state = HB_STATE_UP;
	} else if (!d && v->state == HB_STATE_DOWN) {
		if (peer->v_state != HB_STATE_DOWN) {
			hb_verdict_reset(peer, HB_STATE_DOWN, now);
			ret |= HB_MERGE_PENDING;
		}
		if (hb_conf_merge(peer, v, from, self))
			ret |= HB_MERGE_PENDING;
	}

	/* An UP verdict makes a peer UP that was DOWN or never heard of. */
	if (peer->v_state == HB_STATE_UP && peer->state != HB_STATE_UP) {
		old = peer->state;
		peer->state = HB_STATE_UP;
		peer->source = HB_SOURCE_PEERS;
		peer->state_changes++;
		peer->up_since = now;
		hb_event_init(ev, peer, HB_EVENT_STATE_CHANGE, old,
			      HB_REASON_PEERS, now);
		*notify = true;
		if (old == HB_STATE_DOWN)
			ret |= HB_MERGE_DIRTY;
	}

	/* Refute a suspicion of a peer this node hears right now. */
	if (peer->v_state == HB_STATE_DOWN && peer->state != HB_STATE_DOWN &&
	    peer->watch && peer->watch_heard &&
	    ktime_before(now, ktime_add_ns(peer->rx_time,
					   hb_peer_detect_ns(peer) / 2))) {
		peer->epoch++;
		hb_verdict_reset(peer, HB_STATE_UP, now);
		ret &= ~HB_MERGE_PENDING;
	}
	return ret;
}

/*
 * A verdict about this node: refute a suspicion with a newer epoch.
 * Returns false for an epoch out of the window (ignored).
 */
static bool hb_self_verdict(struct hb_net *hn, const struct hb_verdict_info *v)
{
	bool ok = true;
	s32 d;

	spin_lock(&hn->cl_lock);
	d = hb_epoch_diff(v->epoch, hn->self_epoch);
	if (hb_epoch_far(v->epoch, hn->self_epoch))
		ok = false;
	else if (v->state == HB_STATE_DOWN && d >= 0)
		hn->self_epoch = v->epoch + 1;
	else if (d > 0)
		hn->self_epoch = v->epoch;
	spin_unlock(&hn->cl_lock);
	return ok;
}

/**
 * hb_cluster_rx_verdicts() - merge the verdicts a beat carried
 * @hn: the instance
 * @sender: the peer that sent them
 * @fi: the frame, whose fi->verdicts is set
 *
 * Only a leaderless node (or a member falling back) uses them.  Leaders
 * of a member are never judged by verdicts: the member watches them.  An
 * entry whose epoch is more than HB_EPOCH_WINDOW from this node's is
 * ignored and counted (HB_DROP_BAD_EPOCH).
 *
 * Context: softirq, rcu_read_lock() held, no peer lock held.
 */
void hb_cluster_rx_verdicts(struct hb_net *hn, struct hb_peer *sender,
			    const struct hb_frame_info *fi)
{
	u32 self = READ_ONCE(hn->node_id);
	struct hb_verdict_info v;
	unsigned int ret = 0, m;
	struct hb_peer *peer;
	struct hb_event ev;
	size_t off = 0;
	bool notify;
	ktime_t now;

	if (READ_ONCE(hn->eff_mode) != HB_MODE_LEADERLESS)
		return;

	now = ktime_get();
	while (hb_frame_next_verdict(fi, &off, &v)) {
		if (v.id == self) {
			if (!hb_self_verdict(hn, &v))
				hb_drop(hn, HB_DROP_BAD_EPOCH);
			continue;
		}
		peer = hb_peer_lookup(hn, v.id);
		if (!peer)
			continue;
		notify = false;
		m = 0;
		spin_lock(&peer->lock);
		if (!peer->dead && !peer->is_leader)
			m = hb_verdict_merge(peer, &v, sender->id, self, now,
					     &ev, &notify);
		if (notify)
			hb_genl_notify_event(hn, &ev);
		spin_unlock(&peer->lock);
		if (m & HB_MERGE_FAR)
			hb_drop(hn, HB_DROP_BAD_EPOCH);
		ret |= m & ~HB_MERGE_FAR;
	}
	if (ret & HB_MERGE_DIRTY)
		hb_cluster_dirty(hn);
	if (ret)
		hb_cluster_kick(hn);
}

/*
 * Is a peer suspected (a DOWN verdict this node has not declared)?  A
 * peer only becomes so when its verdict turns DOWN (hb_verdict_reset())
 * or when it comes back from DOWN (hb_cluster_peer_back()), both of which
 * set HB_RING_SUSPECTS: the ticks between them, nearly all of them, do
 * not walk every peer.  The bit is cleared before the walk, so that a
 * suspicion that comes during it is seen by the next tick.
 */
static bool hb_cluster_any_suspect(struct hb_net *hn)
{
	struct hb_peer *peer;
	bool suspect;

	lockdep_assert_held(&hn->lock);

	if (!test_and_clear_bit(HB_RING_SUSPECTS, &hn->ring_dirty))
		return false;
	list_for_each_entry(peer, &hn->peers, list) {
		spin_lock_bh(&peer->lock);
		suspect = peer->state != HB_STATE_DOWN &&
			  peer->v_state == HB_STATE_DOWN;
		spin_unlock_bh(&peer->lock);
		if (suspect) {
			set_bit(HB_RING_SUSPECTS, &hn->ring_dirty);
			return true;
		}
	}
	return false;
}

/*
 * Declare DOWN the suspected peers whose verdict is confirmed.  Most ticks
 * have none: the ring is only built (allocated and sorted) when one is.
 */
static void hb_cluster_decide(struct hb_net *hn, ktime_t now)
{
	u32 mons[HEARTBEAT_MAX_MONITORS], conf[HEARTBEAT_MAX_MONITORS];
	unsigned int i, j, c, nm, live, nconf;
	struct hb_peer *peer;
	struct hb_ring *ring;
	struct hb_event ev;
	ktime_t since;
	bool mine;
	u64 detect;
	u32 self;

	lockdep_assert_held(&hn->lock);

	if (!hb_cluster_any_suspect(hn))
		return;
	ring = hb_ring_build(hn);
	if (!ring)
		return;
	self = hn->node_id;

	for (i = 0; i < ring->n; i++) {
		peer = ring->ent[i].peer;
		if (!peer || !ring->ent[i].suspected)
			continue;

		spin_lock_bh(&peer->lock);
		nconf = peer->nconf;
		memcpy(conf, peer->conf, sizeof(conf));
		since = peer->v_since;
		detect = hb_peer_detect_ns(peer);
		spin_unlock_bh(&peer->lock);

		nm = hb_ring_monitors(ring, i, hn->monitors, mons, &live);
		c = 0;
		mine = false;
		for (j = 0; j < nconf; j++) {
			unsigned int m;

			if (conf[j] == self)
				mine = true;
			for (m = 0; m < nm; m++)
				if (mons[m] == conf[j])
					c++;
		}
		if (c < max(live, 1U) &&
		    !((c || nconf >= max(live, 1U)) &&
		      ktime_to_ns(ktime_sub(now, since)) >=
		      HB_SUSPECT_TIMEOUTS * detect))
			continue;

		spin_lock_bh(&peer->lock);
		if (peer->dead || peer->state == HB_STATE_DOWN ||
		    peer->v_state != HB_STATE_DOWN) {
			spin_unlock_bh(&peer->lock);
			continue;
		}
		hb_event_init(&ev, peer, HB_EVENT_STATE_CHANGE, peer->state,
			      mine ? HB_REASON_TIMEOUT : HB_REASON_PEERS, now);
		peer->state = HB_STATE_DOWN;
		peer->state_changes++;
		peer->source = mine ? HB_SOURCE_SELF : HB_SOURCE_PEERS;
		peer->confirmations = c;
		peer->monitors = nm;
		ev.state = HB_STATE_DOWN;
		ev.source = peer->source;
		ev.confirmations = c;
		ev.monitors = nm;
		if (mine && peer->rx_valid)
			ev.detect_us = max_t(s64, 0,
					     ktime_us_delta(now, peer->rx_time));
		hb_genl_notify_event(hn, &ev);
		spin_unlock_bh(&peer->lock);

		hb_cluster_dirty(hn);
	}
	kvfree(ring);
}

/* ---- extensions of the next beats ---------------------------------------- */

static void hb_member_from_peer(struct hb_peer *peer, struct hb_member_info *m)
{
	memset(m, 0, sizeof(*m));
	m->id = peer->id;
	spin_lock_bh(&peer->lock);
	m->state = peer->state;
	m->family = peer->addr.family;
	m->port = ntohs(peer->addr.port);
	if (peer->addr.family == AF_INET)
		memcpy(m->addr, &peer->addr.v4, sizeof(peer->addr.v4));
	else
		memcpy(m->addr, &peer->addr.v6, sizeof(peer->addr.v6));
	spin_unlock_bh(&peer->lock);
}

/*
 * Where a rotating window starts: at the peer of id @id, where the last
 * one ended (a hash lookup: a tick does not walk to a position from the
 * head of the list, which cost O(N) per beat extension), or at the first
 * peer when that one is gone.  hn->lock held, hn->peers not empty.
 */
static struct hb_peer *hb_window_first(struct hb_net *hn, u32 id)
{
	struct hb_peer *peer = id ? hb_peer_lookup(hn, id) : NULL;

	lockdep_assert_held(&hn->lock);

	/* Found under hn->lock: still in hn->peers (hb_peer_unhash()). */
	return peer ?: list_first_entry(&hn->peers, struct hb_peer, list);
}

/* The peer after @peer in a rotating window, wrapping round. */
static struct hb_peer *hb_window_next(struct hb_net *hn, struct hb_peer *peer)
{
	if (list_is_last(&peer->list, &hn->peers))
		return list_first_entry(&hn->peers, struct hb_peer, list);
	return list_next_entry(peer, list);
}

/* A leader's window of at most HB_TLV_MEMBERS_MAX members, rotating. */
static size_t hb_ext_members(struct hb_net *hn, u8 *buf)
{
	unsigned int cnt, n = min_t(u32, hn->npeers, HB_TLV_MEMBERS_MAX);
	struct hb_member_info m;
	struct hb_peer *peer;
	size_t off;

	if (!hn->npeers)
		return 0;
	off = hb_tlv_begin(buf, 0, HB_TLV_MEMBERS);
	peer = hb_window_first(hn, hn->members_next);
	for (cnt = 0; cnt < n; cnt++) {
		hb_member_from_peer(peer, &m);
		off = hb_tlv_put_member(buf, off, &m);
		peer = hb_window_next(hn, peer);
	}
	hn->members_next = peer->id;
	return hb_tlv_end(buf, 0, off);
}

/*
 * A leaderless node's verdicts: its own epoch, then the verdict about
 * every peer it has one for, at most HB_TLV_VERDICTS_MAX per beat,
 * rotating through the peers so that the whole view goes round.
 */
static size_t hb_ext_verdicts(struct hb_net *hn, u8 *buf)
{
	unsigned int cnt = 0, seen;
	struct hb_verdict_info v;
	struct hb_peer *peer;
	size_t start = 0, off;
	bool put;

	off = hb_tlv_begin(buf, start, HB_TLV_VERDICTS);

	memset(&v, 0, sizeof(v));
	v.id = hn->node_id;
	v.state = HB_STATE_UP;
	spin_lock_bh(&hn->cl_lock);
	v.epoch = hn->self_epoch;
	spin_unlock_bh(&hn->cl_lock);
	off = hb_tlv_put_verdict(buf, off, &v);
	cnt++;

	if (!hn->npeers)
		return hb_tlv_end(buf, start, off);
	peer = hb_window_first(hn, hn->verdicts_next);
	for (seen = 0; seen < hn->npeers && cnt < HB_TLV_VERDICTS_MAX;
	     seen++, peer = hb_window_next(hn, peer)) {
		if (peer->is_leader)
			continue;
		spin_lock_bh(&peer->lock);
		put = (peer->v_state == HB_STATE_DOWN && peer->nconf) ||
		      peer->v_state == HB_STATE_UP;
		if (put) {
			memset(&v, 0, sizeof(v));
			v.id = peer->id;
			v.epoch = peer->epoch;
			v.state = peer->v_state;
			if (v.state == HB_STATE_DOWN) {
				v.nconf = peer->nconf;
				memcpy(v.conf, peer->conf, sizeof(v.conf));
			}
		}
		spin_unlock_bh(&peer->lock);
		if (put) {
			off = hb_tlv_put_verdict(buf, off, &v);
			cnt++;
		}
	}
	hn->verdicts_next = peer->id;
	return hb_tlv_end(buf, start, off);
}

static void hb_cluster_publish(struct hb_net *hn)
{
	struct hb_ext *ext, *old;
	size_t len = 0;

	lockdep_assert_held(&hn->lock);

	ext = kmalloc(struct_size(ext, data, HB_EXT_MAX), GFP_KERNEL_ACCOUNT);
	if (!ext)
		return;
	if (hn->eff_mode == HB_MODE_LEADER)
		len = hb_ext_members(hn, ext->data);
	else if (hn->eff_mode == HB_MODE_LEADERLESS)
		len = hb_ext_verdicts(hn, ext->data);
	if (!len) {
		kfree(ext);
		ext = NULL;
	} else {
		ext->len = len;
	}
	old = rcu_replace_pointer(hn->ext, ext, lockdep_is_held(&hn->lock));
	if (old)
		kfree_rcu(old, rcu);
}

/* ---- the tick --------------------------------------------------------------- */

static void hb_cluster_tick(struct work_struct *work)
{
	struct hb_net *hn = container_of(to_delayed_work(work), struct hb_net,
					 tick);
	struct mem_cgroup *memcg;
	ktime_t now;

	mutex_lock(&hn->lock);
	if (hn->dying || !hn->configured || hn->mode == HB_MODE_STATIC)
		goto out_unlock;
	/* What the tick allocates is the namespace's (budget.c). */
	memcg = hb_budget_enter(hn);

	WRITE_ONCE(hn->tick_last, jiffies);
	hn->ticks++;
	now = ktime_get();
	hb_cluster_learn(hn);
	hb_cluster_forget(hn, now);
	hb_cluster_update_mode(hn, now);
	if (hn->eff_mode == HB_MODE_LEADERLESS)
		hb_cluster_decide(hn, now);
	if (test_bit(HB_RING_DIRTY, &hn->ring_dirty))
		hb_cluster_reconcile(hn);
	hb_cluster_publish(hn);

	queue_delayed_work(system_wq, &hn->tick,
			   usecs_to_jiffies(hn->def_interval_us));
	hb_budget_leave(memcg);
out_unlock:
	mutex_unlock(&hn->lock);
}

/**
 * hb_cluster_net_alloc() - allocate the learning queue of a namespace
 * @hn: the instance, configured for the first time (see node.c)
 *
 * Charged to the caller's memory cgroup.
 *
 * Context: process context, hn->lock held.
 * Return: 0 or -ENOMEM.
 */
int hb_cluster_net_alloc(struct hb_net *hn)
{
	hn->learn_q = kcalloc(HB_LEARN_QUEUE, sizeof(*hn->learn_q),
			      GFP_KERNEL_ACCOUNT);
	return hn->learn_q ? 0 : -ENOMEM;
}

/**
 * hb_cluster_net_init() - cluster settings of a new namespace
 * @hn: the instance
 *
 * Allocates nothing (hb_cluster_net_alloc() does, on the first NODE_SET).
 *
 * Context: pernet init.
 */
void hb_cluster_net_init(struct hb_net *hn)
{
	spin_lock_init(&hn->cl_lock);
	INIT_DELAYED_WORK(&hn->tick, hb_cluster_tick);
	hn->mode = HB_MODE_STATIC;
	hn->eff_mode = HB_MODE_STATIC;
	hn->learn = true;
	hn->monitors = HEARTBEAT_DEFAULT_MONITORS;
	hn->def_interval_us = HEARTBEAT_DEFAULT_INTERVAL_US;
	hn->def_multiplier = HEARTBEAT_DEFAULT_MULTIPLIER;
	hn->learn_limit = HEARTBEAT_DEFAULT_LEARN_LIMIT;
	hn->learn_age_ms = HEARTBEAT_DEFAULT_LEARN_AGE_MS;
}

/**
 * hb_cluster_net_exit() - stop the tick and free the cluster state
 * @hn: the instance, dying, without peers or sockets (see hb.h)
 *
 * Context: pernet exit; sleeps.
 */
void hb_cluster_net_exit(struct hb_net *hn)
{
	cancel_delayed_work_sync(&hn->tick);
	/* No timer and no socket is left: nothing reads the extensions. */
	kfree(rcu_dereference_protected(hn->ext, true));
	kfree(hn->learn_q);	/* NULL if never configured */
}
