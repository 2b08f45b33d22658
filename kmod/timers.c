// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: every timer of the module.
 *
 * Each peer has two CLOCK_MONOTONIC hrtimers in absolute soft mode (their
 * callbacks run in softirq context, where sending a UDP datagram is
 * allowed):
 *
 * - the send timer, armed only by hb_timers_apply_roles() and
 *   hb_timers_interval_changed() (process context, hn->lock held) and by
 *   its own callback, which forwards it by one interval from the previous
 *   deadline, so that the schedule does not drift;
 *
 * - the detection timer, which is lazy: a frame only moves rx_time, and
 *   the timer, when it fires early, re-arms itself at rx_time plus the
 *   detection time.  It runs while the peer is watched (peer->watch) and
 *   UNKNOWN or UP, and is stopped while it is DOWN.  A lazily watched peer
 *   (leaderless mode) is only timed from the first frame after watching
 *   started, and not after a frame with HB_FRAME_F_LEAVE.  Because a frame
 *   on one CPU may arm it while its callback runs on another, it is only
 *   ever armed with hrtimer_start() under peer->lock (hb_detect_arm()),
 *   never by returning HRTIMER_RESTART.
 *
 * Roles change in process context under hn->lock (hb_timers_apply_roles()).
 * The send timer runs while peer->tx_on is set, and once more to send a
 * frame with HB_FRAME_F_LEAVE after it is cleared.
 *
 * A peer a leader learned from its own frames (HB_ORIGIN_LEARNED) may be
 * an address somebody forged: while it is not UP, its send timer keeps
 * running but sends nothing until a valid frame came from it, and then
 * only a probe every hb_probe_ns() (hb_send_due()).  So the node never
 * sends more to an endpoint than a frame per frame it was sent, plus a
 * slow probe to one that answered once.
 *
 * Neither timer is armed once peer->dead is set (under peer->lock).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>

#include "cluster.h"
#include "hb.h"
#include "netlink.h"
#include "peer.h"
#include "socket.h"
#include "timers.h"

/* A learned peer that is not UP is probed every HB_PROBE_INTERVALS of its
 * intervals, at least every second and at most every minute.
 */
#define HB_PROBE_INTERVALS	10
#define HB_PROBE_MAX_NS		(60 * NSEC_PER_SEC)

/* The detection time runs from the last frame, or from when watching
 * started if that is later.
 */
static ktime_t hb_detect_start(const struct hb_peer *peer)
{
	if (ktime_before(peer->rx_time, peer->watch_since))
		return peer->watch_since;
	return peer->rx_time;
}

/*
 * Make sure the detection timer fires no later than rx_time plus the
 * detection time in force.  A timer already armed earlier is left alone:
 * it re-arms itself when it fires.
 */
static void hb_detect_arm(struct hb_peer *peer)
{
	struct hrtimer *timer = &peer->detect_timer;
	ktime_t deadline;

	lockdep_assert_held(&peer->lock);

	if (peer->dead || !peer->watch || peer->state == HB_STATE_DOWN)
		return;
	if (peer->watch_lazy && !peer->watch_heard)
		return;

	deadline = ktime_add_ns(hb_detect_start(peer), hb_peer_detect_ns(peer));
	if (hrtimer_is_queued(timer) &&
	    !ktime_before(deadline, hrtimer_get_expires(timer)))
		return;
	hrtimer_start(timer, deadline, HRTIMER_MODE_ABS_SOFT);
}

/*
 * A detection timer that fires more than half an interval after its
 * deadline ran late: this host stalled (a busy or paused virtual CPU),
 * and frames that arrived meanwhile may still wait to be processed (the
 * receive softirq can run after this one).  Such a deadline is not
 * evidence against the peer: wait one more interval, once, before
 * declaring it DOWN.  A frame ends the grace period.
 */
static bool hb_detect_grace(struct hb_peer *peer, ktime_t now,
			    ktime_t deadline)
{
	u64 interval_ns = (u64)(peer->rx_valid ? peer->remote_interval_us :
				peer->interval_us) * NSEC_PER_USEC;

	lockdep_assert_held(&peer->lock);

	/* No longer than the detection time (max_detect_ms bounds it). */
	interval_ns = min(interval_ns, hb_peer_detect_ns(peer));

	if (peer->detect_grace ||
	    ktime_to_ns(ktime_sub(now, deadline)) <= interval_ns / 2)
		return false;
	peer->detect_grace = true;
	hrtimer_start(&peer->detect_timer, ktime_add_ns(now, interval_ns),
		      HRTIMER_MODE_ABS_SOFT);
	return true;
}

/* How often a learned peer that is not UP is probed. */
static u64 hb_probe_ns(const struct hb_peer *peer)
{
	u64 ns = (u64)peer->interval_us * NSEC_PER_USEC * HB_PROBE_INTERVALS;

	return clamp_t(u64, ns, NSEC_PER_SEC, HB_PROBE_MAX_NS);
}

/* Whether the send timer, firing at @now, sends a frame (see the top). */
static bool hb_send_due(struct hb_peer *peer, ktime_t now)
{
	lockdep_assert_held(&peer->lock);

	if (peer->origin != HB_ORIGIN_LEARNED ||
	    peer->state == HB_STATE_UP)
		return true;
	if (!peer->rx_valid || ktime_before(now, peer->probe_at))
		return false;
	peer->probe_at = ktime_add_ns(now, hb_probe_ns(peer));
	return true;
}

static enum hrtimer_restart hb_expired_send(struct hrtimer *timer)
{
	struct hb_peer *peer = container_of(timer, struct hb_peer, tx_timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	ktime_t interval;
	bool send;

	spin_lock(&peer->lock);
	send = hb_send_due(peer, ktime_get());
	spin_unlock(&peer->lock);
	if (send)
		hb_socket_send(peer);

	spin_lock(&peer->lock);
	if (!peer->dead && peer->tx_on) {
		/* Previous deadline plus one interval; deadlines already
		 * missed are skipped, not caught up with.
		 */
		interval = ns_to_ktime((u64)peer->interval_us * NSEC_PER_USEC);
		hrtimer_forward_now(timer, interval);
		peer->next_tx = hrtimer_get_expires(timer);
		ret = HRTIMER_RESTART;
	}
	spin_unlock(&peer->lock);

	return ret;
}

static enum hrtimer_restart hb_expired_detect(struct hrtimer *timer)
{
	struct hb_peer *peer = container_of(timer, struct hb_peer,
					    detect_timer);
	struct hb_net *hn = peer->hn;
	unsigned int nev = 0, i;
	ktime_t now, start, deadline;
	struct hb_event ev[2];
	bool kick = false;
	s64 elapsed_us;
	u8 old;

	spin_lock(&peer->lock);
	if (peer->dead || !peer->watch || peer->state == HB_STATE_DOWN)
		goto out_unlock;
	if (peer->watch_lazy && !peer->watch_heard)
		goto out_unlock;

	now = ktime_get();
	start = hb_detect_start(peer);
	deadline = ktime_add_ns(start, hb_peer_detect_ns(peer));
	if (ktime_before(now, deadline)) {
		/* A frame arrived since the timer was armed. */
		hb_detect_arm(peer);
		goto out_unlock;
	}
	if (hb_detect_grace(peer, now, deadline))
		goto out_unlock;

	/* Not re-armed: hb_timers_frame_received() does, on the next frame. */
	kick = true;
	if (READ_ONCE(hn->eff_mode) == HB_MODE_LEADERLESS && !peer->is_leader) {
		hb_cluster_suspect(peer, now);
		goto out_unlock;
	}

	elapsed_us = ktime_us_delta(now, start);
	old = peer->state;
	peer->state = HB_STATE_DOWN;
	peer->source = HB_SOURCE_SELF;
	peer->state_changes++;
	hb_event_init(&ev[nev], peer, HB_EVENT_STATE_CHANGE, old,
		      HB_REASON_TIMEOUT, now);
	ev[nev++].detect_us = max_t(s64, elapsed_us, 0);
	if (peer->is_leader)
		hb_event_init(&ev[nev++], peer, HB_EVENT_LEADER_LOST, old,
			      HB_REASON_TIMEOUT, now);

out_unlock:
	for (i = 0; i < nev; i++)
		hb_genl_notify_event(hn, &ev[i]);
	spin_unlock(&peer->lock);

	if (kick)
		hb_cluster_kick(hn);
	return HRTIMER_NORESTART;
}

/**
 * hb_timers_init() - set up both timers of a new peer, not armed
 * @peer: the peer, not yet published
 */
void hb_timers_init(struct hb_peer *peer)
{
	hrtimer_init(&peer->tx_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	peer->tx_timer.function = hb_expired_send;
	hrtimer_init(&peer->detect_timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_ABS_SOFT);
	peer->detect_timer.function = hb_expired_detect;
}

/**
 * hb_timers_apply_roles() - start or stop beating to and watching a peer
 * @peer: the peer, published
 * @tx: beat to it
 * @watch: run detection on it
 * @lazy: time it only from the first frame after watching started
 *
 * Starting to beat sends a frame at once; stopping sends one last frame
 * with HB_FRAME_F_LEAVE.  Starting to watch times the peer from now (or,
 * when @lazy, from its next frame), with the local interval and
 * multiplier until it was heard from.
 *
 * Context: process context, hn->lock held; sleeps until a running
 * callback has finished.
 */
void hb_timers_apply_roles(struct hb_peer *peer, bool tx, bool watch,
			   bool lazy)
{
	ktime_t now = ktime_get();
	bool tx_changed;

	lockdep_assert_held(&peer->hn->lock);

	spin_lock_bh(&peer->lock);
	tx_changed = peer->tx_on != tx;
	if (tx_changed) {
		peer->tx_on = tx;
		peer->leave_pending = !tx;
	}
	if (peer->watch != watch || peer->watch_lazy != lazy) {
		peer->watch = watch;
		peer->watch_lazy = lazy;
		peer->watch_heard = false;
		peer->watch_since = now;
		hb_detect_arm(peer);
	}
	spin_unlock_bh(&peer->lock);

	if (!watch)
		hrtimer_cancel(&peer->detect_timer);
	if (!tx_changed)
		return;

	/* Nothing else arms the send timer while hn->lock is held. */
	hrtimer_cancel(&peer->tx_timer);
	spin_lock_bh(&peer->lock);
	if (!peer->dead && (peer->tx_on || peer->leave_pending)) {
		peer->next_tx = now;
		hrtimer_start(&peer->tx_timer, now, HRTIMER_MODE_ABS_SOFT);
	}
	spin_unlock_bh(&peer->lock);
}

/**
 * hb_timers_interval_changed() - apply a new interval or multiplier
 * @peer: the peer
 *
 * Call after the interval (or the multiplier) changed: a frame announcing
 * it is sent at once, the next ones on the new schedule, and the detection
 * timer is brought forward if the detection time became shorter.
 *
 * Context: process context, hn->lock held; sleeps until a running send
 * callback has finished.
 */
void hb_timers_interval_changed(struct hb_peer *peer)
{
	ktime_t now;

	lockdep_assert_held(&peer->hn->lock);

	/* Nothing else arms the send timer while hn->lock is held. */
	hrtimer_cancel(&peer->tx_timer);

	now = ktime_get();
	spin_lock_bh(&peer->lock);
	if (!peer->dead && peer->tx_on) {
		peer->next_tx = now;
		hrtimer_start(&peer->tx_timer, now, HRTIMER_MODE_ABS_SOFT);
	}
	hb_detect_arm(peer);
	spin_unlock_bh(&peer->lock);
}

/**
 * hb_timers_detect_changed() - apply a shorter bound of the detection time
 * @peer: the peer
 *
 * Call after hn->max_detect_ms changed: the detection timer is brought
 * forward if the detection time in force became shorter (a later deadline
 * is found when it fires).
 *
 * Context: process context, hn->lock held.
 */
void hb_timers_detect_changed(struct hb_peer *peer)
{
	lockdep_assert_held(&peer->hn->lock);

	spin_lock_bh(&peer->lock);
	hb_detect_arm(peer);
	spin_unlock_bh(&peer->lock);
}

/**
 * hb_timers_frame_received() - keep the detection timer running
 * @peer: the peer
 *
 * Call with peer->lock held after a valid frame made the peer UP: starts
 * the detection timer if it is stopped (the peer was DOWN, or is watched
 * lazily and was not timed yet), or brings it forward if the peer
 * announced a shorter detection time.
 *
 * Context: softirq, peer->lock held.
 */
void hb_timers_frame_received(struct hb_peer *peer)
{
	peer->detect_grace = false;
	hb_detect_arm(peer);
}

/**
 * hb_timers_stop() - cancel both timers of a dead peer
 * @peer: the peer
 *
 * Call after peer->dead is set and synchronize_net(): waits for running
 * callbacks, which see peer->dead and do not re-arm.
 *
 * Context: process context; sleeps.
 */
void hb_timers_stop(struct hb_peer *peer)
{
	hrtimer_cancel(&peer->tx_timer);
	hrtimer_cancel(&peer->detect_timer);
}
