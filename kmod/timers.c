// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: every timer of the module.
 *
 * Each peer has two CLOCK_MONOTONIC hrtimers in absolute soft mode (their
 * callbacks run in softirq context, where sending a UDP datagram is
 * allowed):
 *
 * - the send timer, armed only by hb_timers_start() and
 *   hb_timers_interval_changed() (process context, hn->lock held) and by
 *   its own callback, which forwards it by one interval from the previous
 *   deadline, so that the schedule does not drift;
 *
 * - the detection timer, which is lazy: a frame only moves rx_time, and
 *   the timer, when it fires early, re-arms itself at rx_time plus the
 *   detection time.  It runs while the peer is UNKNOWN or UP and is
 *   stopped while it is DOWN.  Because a frame on one CPU may arm it while
 *   its callback runs on another, it is only ever armed with hrtimer_start()
 *   under peer->lock (hb_detect_arm()), never by returning HRTIMER_RESTART.
 *
 * Neither timer is armed once peer->dead is set (under peer->lock).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>

#include "hb.h"
#include "netlink.h"
#include "peer.h"
#include "socket.h"
#include "timers.h"

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

	if (peer->dead || peer->state == HB_STATE_DOWN)
		return;

	deadline = ktime_add_ns(peer->rx_time, hb_peer_detect_ns(peer));
	if (hrtimer_is_queued(timer) &&
	    !ktime_before(deadline, hrtimer_get_expires(timer)))
		return;
	hrtimer_start(timer, deadline, HRTIMER_MODE_ABS_SOFT);
}

static enum hrtimer_restart hb_expired_send(struct hrtimer *timer)
{
	struct hb_peer *peer = container_of(timer, struct hb_peer, tx_timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	ktime_t interval;

	hb_socket_send(peer);

	spin_lock(&peer->lock);
	if (!READ_ONCE(peer->dead)) {
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
	ktime_t now, deadline;
	struct hb_event ev;
	bool down = false;
	s64 elapsed_us;

	spin_lock(&peer->lock);
	if (peer->dead || peer->state == HB_STATE_DOWN)
		goto out_unlock;

	now = ktime_get();
	deadline = ktime_add_ns(peer->rx_time, hb_peer_detect_ns(peer));
	if (ktime_before(now, deadline)) {
		/* A frame arrived since the timer was armed. */
		hb_detect_arm(peer);
		goto out_unlock;
	}

	elapsed_us = ktime_us_delta(now, peer->rx_time);
	memset(&ev, 0, sizeof(ev));
	ev.type = HB_EVENT_STATE_CHANGE;
	ev.peer_id = peer->id;
	ev.old_state = peer->state;
	ev.state = HB_STATE_DOWN;
	ev.time_ns = ktime_to_ns(now);
	ev.reason = HB_REASON_TIMEOUT;
	ev.detect_us = clamp_t(s64, elapsed_us, 0, U32_MAX);

	peer->state = HB_STATE_DOWN;
	peer->state_changes++;
	down = true;
	/* Not re-armed: hb_timers_frame_received() does, on the next frame. */

out_unlock:
	spin_unlock(&peer->lock);

	if (down)
		hb_genl_notify_event(peer->hn, &ev);
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
 * hb_timers_start() - start beating towards a new peer
 * @peer: the peer, just published
 *
 * Call after the peer is published.  The first frame is sent at once.  The
 * detection time of a peer never heard from runs from now, with the local
 * interval and multiplier.
 *
 * Context: process context, hn->lock held.
 */
void hb_timers_start(struct hb_peer *peer)
{
	ktime_t now = ktime_get();

	lockdep_assert_held(&peer->hn->lock);

	spin_lock_bh(&peer->lock);
	/* A frame may already have arrived: it set rx_time itself. */
	if (!peer->rx_valid)
		peer->rx_time = now;
	hb_detect_arm(peer);
	if (!peer->dead) {
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
	if (!peer->dead) {
		peer->next_tx = now;
		hrtimer_start(&peer->tx_timer, now, HRTIMER_MODE_ABS_SOFT);
	}
	hb_detect_arm(peer);
	spin_unlock_bh(&peer->lock);
}

/**
 * hb_timers_frame_received() - keep the detection timer running
 * @peer: the peer
 *
 * Call with peer->lock held after a valid frame made the peer UP: starts
 * the detection timer if it is stopped (the peer was DOWN), or brings it
 * forward if the peer announced a shorter detection time.
 *
 * Context: softirq, peer->lock held.
 */
void hb_timers_frame_received(struct hb_peer *peer)
{
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
