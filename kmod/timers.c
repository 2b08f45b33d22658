// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: every timer of the module, and the threads that serve them.
 *
 * Contexts
 * --------
 * Each peer has two CLOCK_MONOTONIC hrtimers in absolute hard mode: their
 * callbacks run in hardirq context (on PREEMPT_RT too) and do nothing but
 * queue the peer's kthread_work (@tx_work, @detect_work) to the peer's
 * kthread worker, a SCHED_FIFO thread ("heartbeat/N", priority rt_prio,
 * default 50, as threaded interrupts).  The work sends the frame and
 * decides the timeout with bottom halves disabled (local_bh_disable()), so
 * every lock keeps the softirq discipline of hb.h.
 *
 * Why not soft hrtimers: once ksoftirqd is woken on a CPU (softirq work
 * left over while a task waits to run, common under CPU load), 6.1 leaves
 * HRTIMER and NET_RX softirqs to it alone (ksoftirqd_running()), and
 * ksoftirqd is an ordinary nice 0 task that competes with the load: beats
 * and deadlines waited tens of ms behind a busy CPU.  A hardirq callback
 * is never deferred, and a SCHED_FIFO thread runs before any normal task.
 *
 * Sending from a thread raises NET_RX (a veth queues the frame on this
 * CPU's backlog), which 6.1 would leave to ksoftirqd as well: the thread
 * runs the softirqs pending on its CPU itself after each frame, and before
 * it decides a timeout (hb_softirqs_run()), as PREEMPT_RT's threads do.
 *
 * There is one worker per CPU, created for every CPU online at load and by
 * a CPU hotplug callback for CPUs that come online later; workers live
 * until the module is unloaded.  A kthread_work may only ever be queued to
 * one worker, so a peer is given one for life when it is created (by a
 * hash of its id and the node's, to spread peers over CPUs:
 * hb_worker_pick()).  A worker whose CPU goes offline is not destroyed:
 * the scheduler moves it to another CPU, where it keeps serving its peers
 * (its timers migrate with the CPU's too).
 *
 * The timers
 * ----------
 * - the send timer, armed under peer->lock by hb_timers_apply_roles() and
 *   hb_timers_interval_changed() (process context, hn->lock held) and by
 *   its own work after a frame (hb_tx_arm(): an earlier expiry that is
 *   already armed wins).  Frames are sent on a grid: at every multiple of
 *   the interval plus a phase that is a hash of the peer's and the node's
 *   ids times the interval (hb_tx_next()), so many peers do not all send in the same
 *   instant, after a change or ever; the schedule does not drift, and
 *   deadlines already missed are skipped, not caught up with.  The first
 *   frame after beating starts goes at that phase too, at most
 *   HB_START_SPREAD_NS after the start (a frame announcing a new interval,
 *   and the leave frame, go at once);
 *
 * - the detection timer, which is lazy: a frame only moves rx_time, and
 *   the work, when the timer fires early, re-arms it at rx_time plus the
 *   detection time.  It runs while the peer is watched (peer->watch) and
 *   UNKNOWN or UP, and is stopped while it is DOWN.  A lazily watched peer
 *   (leaderless mode) is only timed from the first frame after watching
 *   started, and not after a frame with HB_FRAME_F_LEAVE.  It is only ever
 *   armed with hrtimer_start() under peer->lock (hb_detect_arm()).
 *
 * Deferred verdicts (hb_detect_defer()): a deadline is not evidence
 * against the peer while this node itself may hold its frames.  When the
 * work runs more than half an interval after the timer's expiry (this host
 * stalled: a busy or paused virtual CPU), or when a CPU's receive backlog
 * still holds frames that were not processed (softnet_data: the frames of
 * a veth wait there for NET_RX, which may be waiting for ksoftirqd), the
 * verdict is deferred: the timer is re-armed for a short grace (an
 * interval when late, so that fresh frames can arrive; a quarter of one
 * for a backlog), never past one more detection time after the first
 * deferral (peer->defer_until), so that a peer that really died is still
 * declared DOWN soon after.  A frame ends the grace.  Each verdict
 * deferred is counted once (hn->deferred, "deferred" in hbctl).
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
 * Teardown (hb_timers_stop(), step 3 of hb.h's order): peer->dead is set
 * under peer->lock first, so neither a work nor the receive path arms a
 * timer again; hrtimer_cancel() on both timers waits for a running
 * callback (which may still queue a work); kthread_cancel_work_sync() on
 * both works then removes a queued one or waits for a running one (which
 * sees peer->dead and arms nothing).  After that nothing refers to the
 * peer.  The workers are destroyed at module exit, after every namespace
 * (and so every peer) is gone (hb_timers_exit()).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bottom_half.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/hash.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/jhash.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/types.h>
#include <linux/spinlock.h>
#include <uapi/linux/sched/types.h>

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

/* The first frame after beating starts waits for its phase at most this. */
#define HB_START_SPREAD_NS	(100 * NSEC_PER_MSEC)

static unsigned int hb_rt_prio = 50;
module_param_named(rt_prio, hb_rt_prio, uint, 0444);
MODULE_PARM_DESC(rt_prio,
		 "SCHED_FIFO priority of the heartbeat/N threads (1-99, default 50)");

static DEFINE_PER_CPU(struct kthread_worker *, hb_worker);
static enum cpuhp_state hb_cpuhp_state;
static DEFINE_PER_CPU(struct tasklet_struct, hb_softirq_kick);

/* Scheduled only for its side effect (hb_softirqs_run()). */
static void hb_softirq_kick_fn(struct tasklet_struct *t)
{
}

/*
 * Run the softirqs pending on this CPU now, in the calling thread, rather
 * than leave them to ksoftirqd.  On 6.1, local_bh_enable() runs pending
 * softirqs only if ksoftirqd is not runnable (ksoftirqd_running()), unless
 * a HI or TASKLET softirq is pending: a no-op HI tasklet makes it run them
 * all (at most __do_softirq()'s usual 2 ms, then ksoftirqd takes over).
 * A frame sent to a veth, for one, waits in this CPU's backlog for NET_RX.
 *
 * Context: a peer's thread, bottom halves disabled once.
 */
static void hb_softirqs_run(void)
{
	if (local_softirq_pending())
		tasklet_hi_schedule(this_cpu_ptr(&hb_softirq_kick));
	local_bh_enable();
	local_bh_disable();
}

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
 * its work re-arms it when it fires.
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
	hrtimer_start(timer, deadline, HRTIMER_MODE_ABS_HARD);
}

/* Whether a CPU's receive backlog holds frames not processed yet. */
static bool hb_rx_backlog(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct softnet_data *sd = &per_cpu(softnet_data, cpu);

		/* Read without the queue's lock: a hint, not a count. */
		if (skb_queue_len_lockless(&sd->input_pkt_queue) ||
		    skb_queue_len_lockless(&sd->process_queue) ||
		    !list_empty(&sd->poll_list))
			return true;
	}
	return false;
}

/*
 * Whether to defer the verdict of a deadline that passed (see the top):
 * this node ran late, or frames wait in a receive backlog.  Re-arms the
 * timer for the grace when it does.  The first deferral of a deadline
 * sets the bound: one more detection time from now.
 */
static bool hb_detect_defer(struct hb_peer *peer, ktime_t now)
{
	u64 detect_ns = hb_peer_detect_ns(peer);
	u64 interval_ns = (u64)(peer->rx_valid ? peer->remote_interval_us :
				peer->interval_us) * NSEC_PER_USEC;
	ktime_t expires = hrtimer_get_expires(&peer->detect_timer);
	ktime_t until;
	u64 step;

	lockdep_assert_held(&peer->lock);

	if (peer->defer_until && !ktime_before(now, peer->defer_until))
		return false;
	/* No longer than the detection time (max_detect_ms bounds it). */
	interval_ns = min(interval_ns, detect_ns);
	if (ktime_to_ns(ktime_sub(now, expires)) > (s64)(interval_ns / 2))
		step = interval_ns;
	else if (hb_rx_backlog())
		step = max_t(u64, interval_ns / 4, 50 * NSEC_PER_USEC);
	else
		return false;

	if (!peer->defer_until) {
		peer->defer_until = ktime_add_ns(now, detect_ns);
		atomic64_inc(&peer->hn->deferred);
	}
	until = ktime_add_ns(now, step);
	if (ktime_after(until, peer->defer_until))
		until = peer->defer_until;
	hrtimer_start(&peer->detect_timer, until, HRTIMER_MODE_ABS_HARD);
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

/*
 * The peer's phase in its interval: a hash of its id and this node's id
 * (peers of one node, and the nodes that beat to one peer, are spread)
 * times the interval.
 */
static u64 hb_tx_phase(const struct hb_peer *peer, u64 interval_ns)
{
	u32 h = jhash_2words(peer->id, READ_ONCE(peer->hn->node_id), 0);

	return mul_u64_u32_shr(interval_ns, h, 32);
}

/* The first instant after @t on the peer's grid (see the top). */
static ktime_t hb_tx_next(const struct hb_peer *peer, ktime_t t)
{
	u64 interval_ns = (u64)peer->interval_us * NSEC_PER_USEC;
	u64 phase = hb_tx_phase(peer, interval_ns);
	u64 ns = ktime_to_ns(t), rem;

	div64_u64_rem(ns + interval_ns - phase, interval_ns, &rem);
	return ns_to_ktime(ns + interval_ns - rem);
}

/* Arm the send timer at @at, unless it is armed earlier already. */
static void hb_tx_arm(struct hb_peer *peer, ktime_t at)
{
	struct hrtimer *timer = &peer->tx_timer;

	lockdep_assert_held(&peer->lock);

	if (peer->dead)
		return;
	if (hrtimer_is_queued(timer) &&
	    !ktime_before(at, hrtimer_get_expires(timer)))
		return;
	peer->next_tx = at;
	hrtimer_start(timer, at, HRTIMER_MODE_ABS_HARD);
}

/* Hardirq: hand the expiry to the peer's thread. */
static enum hrtimer_restart hb_expired_send(struct hrtimer *timer)
{
	struct hb_peer *peer = container_of(timer, struct hb_peer, tx_timer);

	kthread_queue_work(peer->worker, &peer->tx_work);
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart hb_expired_detect(struct hrtimer *timer)
{
	struct hb_peer *peer = container_of(timer, struct hb_peer,
					    detect_timer);

	kthread_queue_work(peer->worker, &peer->detect_work);
	return HRTIMER_NORESTART;
}

/* The peer's thread, bottom halves disabled: send, and arm the next one. */
static void hb_tx_work(struct kthread_work *work)
{
	struct hb_peer *peer = container_of(work, struct hb_peer, tx_work);
	bool send;

	local_bh_disable();
	spin_lock(&peer->lock);
	send = hb_send_due(peer, ktime_get());
	spin_unlock(&peer->lock);
	if (send) {
		hb_socket_send(peer);
		hb_softirqs_run();
	}

	spin_lock(&peer->lock);
	if (peer->tx_on)
		hb_tx_arm(peer, hb_tx_next(peer, ktime_get()));
	spin_unlock(&peer->lock);
	local_bh_enable();
}

/* The peer's thread, bottom halves disabled: decide a timeout. */
static void hb_detect_work(struct kthread_work *work)
{
	struct hb_peer *peer = container_of(work, struct hb_peer,
					    detect_work);
	struct hb_net *hn = peer->hn;
	unsigned int nev = 0, i;
	ktime_t now, start, deadline;
	struct hb_event ev[2];
	bool kick = false;
	s64 elapsed_us;
	u8 old;

	local_bh_disable();
	/* Frames that wait on this CPU are processed before the verdict. */
	hb_softirqs_run();
	spin_lock(&peer->lock);
	if (peer->dead || !peer->watch || peer->state == HB_STATE_DOWN)
		goto out_unlock;
	if (peer->watch_lazy && !peer->watch_heard)
		goto out_unlock;
	/* Re-armed meanwhile (a frame, or a shorter detection time). */
	if (hrtimer_is_queued(&peer->detect_timer))
		goto out_unlock;

	now = ktime_get();
	start = hb_detect_start(peer);
	deadline = ktime_add_ns(start, hb_peer_detect_ns(peer));
	if (ktime_before(now, deadline)) {
		/* A frame arrived since the timer was armed. */
		hb_detect_arm(peer);
		goto out_unlock;
	}
	if (hb_detect_defer(peer, now))
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
	local_bh_enable();
}

/*
 * The worker of a new peer: one of those of every CPU, by a hash of the
 * pair of ids (the peer's and this node's, in either order).  Both ends
 * of a pair inside one host (namespaces, as in the tests) then share a
 * CPU for the beats each way and for both detection timers (a frame on a
 * veth is processed on the sending CPU, and arms the receiver's timer
 * there): a stall of that CPU delays them all alike, as it did when they
 * all ran in its softirqs, instead of one end timing out the other.
 */
static struct kthread_worker *hb_worker_pick(u32 a, u32 b)
{
	struct kthread_worker *w, *first = NULL;
	unsigned int cpu, n = 0, i;

	for_each_possible_cpu(cpu)
		if (READ_ONCE(per_cpu(hb_worker, cpu)))
			n++;
	i = n ? reciprocal_scale(jhash_2words(min(a, b), max(a, b), 0), n) : 0;
	for_each_possible_cpu(cpu) {
		w = READ_ONCE(per_cpu(hb_worker, cpu));
		if (!w)
			continue;
		if (!first)
			first = w;
		if (!i--)
			return w;
	}
	return first;
}

/**
 * hb_timers_init() - set up both timers of a new peer, not armed
 * @peer: the peer, not yet published
 */
void hb_timers_init(struct hb_peer *peer)
{
	peer->worker = hb_worker_pick(peer->id, READ_ONCE(peer->hn->node_id));
	kthread_init_work(&peer->tx_work, hb_tx_work);
	kthread_init_work(&peer->detect_work, hb_detect_work);
	hrtimer_init(&peer->tx_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	peer->tx_timer.function = hb_expired_send;
	hrtimer_init(&peer->detect_timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_ABS_HARD);
	peer->detect_timer.function = hb_expired_detect;
}

/**
 * hb_timers_apply_roles() - start or stop beating to and watching a peer
 * @peer: the peer, published
 * @tx: beat to it
 * @watch: run detection on it
 * @lazy: time it only from the first frame after watching started
 *
 * Starting to beat sends a frame at the peer's phase, within
 * HB_START_SPREAD_NS; stopping sends one last frame with HB_FRAME_F_LEAVE
 * at once.  Starting to watch times the peer from now (or, when @lazy,
 * from its next frame), with the local interval and multiplier until it
 * was heard from.
 *
 * Context: process context, hn->lock held; sleeps until a running
 * detection callback has finished.
 */
void hb_timers_apply_roles(struct hb_peer *peer, bool tx, bool watch,
			   bool lazy)
{
	ktime_t now = ktime_get(), at;
	u64 spread_ns;

	lockdep_assert_held(&peer->hn->lock);

	spin_lock_bh(&peer->lock);
	if (peer->tx_on != tx) {
		peer->tx_on = tx;
		peer->leave_pending = !tx;
		if (tx) {
			spread_ns = min_t(u64, (u64)peer->interval_us *
					  NSEC_PER_USEC, HB_START_SPREAD_NS);
			at = ktime_add_ns(now, hb_tx_phase(peer, spread_ns));
		} else {
			at = now;
		}
		hb_tx_arm(peer, at);
	}
	if (peer->watch != watch || peer->watch_lazy != lazy) {
		peer->watch = watch;
		peer->watch_lazy = lazy;
		peer->watch_heard = false;
		peer->watch_since = now;
		peer->defer_until = 0;
		hb_detect_arm(peer);
	}
	spin_unlock_bh(&peer->lock);

	/* Its work, if queued, sees !peer->watch and does nothing. */
	if (!watch)
		hrtimer_cancel(&peer->detect_timer);
}

/**
 * hb_timers_interval_changed() - apply a new interval or multiplier
 * @peer: the peer
 *
 * Call after the interval (or the multiplier) changed: a frame announcing
 * it is sent at once, the next ones on the new schedule, and the detection
 * timer is brought forward if the detection time became shorter.
 *
 * Context: process context, hn->lock held.
 */
void hb_timers_interval_changed(struct hb_peer *peer)
{
	lockdep_assert_held(&peer->hn->lock);

	spin_lock_bh(&peer->lock);
	if (peer->tx_on)
		hb_tx_arm(peer, ktime_get());
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
 * announced a shorter detection time.  Ends a deferred verdict.
 *
 * Context: softirq (or a peer's thread), peer->lock held.
 */
void hb_timers_frame_received(struct hb_peer *peer)
{
	peer->defer_until = 0;
	hb_detect_arm(peer);
}

/**
 * hb_timers_stop() - cancel both timers of a dead peer
 * @peer: the peer
 *
 * Call after peer->dead is set and synchronize_net(): see the teardown
 * order at the top.
 *
 * Context: process context; sleeps.
 */
void hb_timers_stop(struct hb_peer *peer)
{
	hrtimer_cancel(&peer->tx_timer);
	hrtimer_cancel(&peer->detect_timer);
	kthread_cancel_work_sync(&peer->tx_work);
	kthread_cancel_work_sync(&peer->detect_work);
}

/* CPU hotplug: a CPU that comes online gets a worker, once. */
static int hb_worker_online(unsigned int cpu)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_FIFO,
		.sched_priority = hb_rt_prio,
	};
	struct kthread_worker *w;
	int err;

	if (per_cpu(hb_worker, cpu))
		return 0;
	w = kthread_create_worker_on_cpu(cpu, 0, "heartbeat/%u", cpu);
	if (IS_ERR(w))
		return PTR_ERR(w);
	err = sched_setattr_nocheck(w->task, &attr);
	if (err) {
		kthread_destroy_worker(w);
		return err;
	}
	WRITE_ONCE(per_cpu(hb_worker, cpu), w);
	return 0;
}

/**
 * hb_timers_init_workers() - create the per CPU threads
 *
 * Context: module init, before any namespace exists.
 * Return: 0 or a negative errno.
 */
int hb_timers_init_workers(void)
{
	unsigned int cpu;
	int ret;

	if (!hb_rt_prio || hb_rt_prio >= MAX_RT_PRIO) {
		pr_err("rt_prio must be 1 to %d\n", MAX_RT_PRIO - 1);
		return -EINVAL;
	}
	for_each_possible_cpu(cpu)
		tasklet_setup(per_cpu_ptr(&hb_softirq_kick, cpu),
			      hb_softirq_kick_fn);
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "net/heartbeat:online",
				hb_worker_online, NULL);
	if (ret < 0) {
		hb_timers_exit_workers();
		return ret;
	}
	hb_cpuhp_state = ret;
	return 0;
}

/**
 * hb_timers_exit_workers() - destroy the per CPU threads
 *
 * Context: module exit, after every namespace is gone (no peer, so no
 * work, is left).
 */
void hb_timers_exit_workers(void)
{
	struct kthread_worker *w;
	unsigned int cpu;

	if (hb_cpuhp_state > 0)
		cpuhp_remove_state_nocalls(hb_cpuhp_state);
	hb_cpuhp_state = 0;
	for_each_possible_cpu(cpu) {
		w = per_cpu(hb_worker, cpu);
		per_cpu(hb_worker, cpu) = NULL;
		if (w)
			kthread_destroy_worker(w);
		tasklet_kill(per_cpu_ptr(&hb_softirq_kick, cpu));
	}
}
