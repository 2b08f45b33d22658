// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: budgets of unprivileged namespaces, and memory accounting.
 *
 * Any user may create a user namespace and be root in it, and so configure
 * heartbeat in a network namespace it owns (GENL_UNS_ADMIN_PERM).  Such a
 * namespace (one not owned by the initial user namespace) gets a budget,
 * set by two module parameters and read when a peer is added or its
 * interval changes:
 *   userns_max_peers   peers (configured and learned) per namespace;
 *   userns_max_beats   beats per second per namespace, the sum over its
 *                      peers of 1 s / interval (rounded up), whether or
 *                      not the mode beats to every peer.
 * Namespaces of the initial user namespace are only bound by the limits
 * every namespace has (HEARTBEAT_MAX_PEERS, the learn limit).
 *
 * Memory: what a request allocates (peers, their route caches, keys, the
 * tables and queues of a namespace on its first NODE_SET) is charged to
 * the memory cgroup of the task that sent it (GFP_KERNEL_ACCOUNT).  What
 * the cluster tick allocates for the namespace, which runs in a kworker
 * (learned peers, the ring, the extensions of every beat), is charged to
 * the memory cgroup of the task whose NODE_SET configured the namespace
 * first (hn->memcg, set as the active memcg around the tick).  Not
 * charged: the struct hb_net the netns core allocates with every
 * namespace (fixed size), the buckets of the peer hash tables (the
 * rhashtable API allocates them without __GFP_ACCOUNT; bounded by the
 * peer budget), and what softirq context allocates with GFP_ATOMIC: a
 * frame's skb (freed once sent), an event's notification (charged, like
 * any skb queued to a socket, to the listener's receive buffer).  Nothing
 * is allocated in softirq for a frame received: a sender to learn goes to
 * a fixed queue, and the peer is allocated by the tick.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/math.h>
#include <linux/memcontrol.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/time64.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "budget.h"
#include "hb.h"

static unsigned int userns_max_peers = 256;
module_param(userns_max_peers, uint, 0644);
MODULE_PARM_DESC(userns_max_peers,
		 "Peers per network namespace not owned by the initial user namespace (default 256)");

static unsigned int userns_max_beats = 10000;
module_param(userns_max_beats, uint, 0644);
MODULE_PARM_DESC(userns_max_beats,
		 "Beats per second per network namespace not owned by the initial user namespace (default 10000)");

/**
 * hb_budget_limited() - whether @hn is bound by the budget
 * @hn: the instance
 *
 * Return: true when its namespace is not owned by the initial user
 * namespace.
 */
bool hb_budget_limited(const struct hb_net *hn)
{
	return hn->net->user_ns != &init_user_ns;
}

/**
 * hb_budget_max_peers() - the userns_max_peers parameter
 *
 * Return: its current value.
 */
u32 hb_budget_max_peers(void)
{
	return READ_ONCE(userns_max_peers);
}

/**
 * hb_budget_max_beats() - the userns_max_beats parameter
 *
 * Return: its current value.
 */
u32 hb_budget_max_beats(void)
{
	return READ_ONCE(userns_max_beats);
}

/**
 * hb_budget_beats() - beats per second of a peer
 * @interval_us: its interval, at least HEARTBEAT_MIN_INTERVAL_US
 *
 * Return: 1 s / @interval_us, rounded up.
 */
u32 hb_budget_beats(u32 interval_us)
{
	return DIV_ROUND_UP(USEC_PER_SEC, max_t(u32, interval_us, 1));
}

/**
 * hb_budget_peer_add() - may a peer beaten to every @interval_us be added?
 * @hn: the instance
 * @interval_us: the new peer's interval
 * @extack: for the message naming the limit, or NULL
 *
 * Context: hn->lock held.
 * Return: 0, or -EDQUOT when the namespace is limited and the peer would
 * take it past userns_max_peers or userns_max_beats.
 */
int hb_budget_peer_add(struct hb_net *hn, u32 interval_us,
		       struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&hn->lock);

	if (!hb_budget_limited(hn))
		return 0;
	if (hn->npeers >= hb_budget_max_peers()) {
		NL_SET_ERR_MSG_MOD(extack,
				   "peer budget of this user namespace exhausted (module parameter userns_max_peers)");
		return -EDQUOT;
	}
	if ((u64)hn->beats + hb_budget_beats(interval_us) >
	    hb_budget_max_beats()) {
		NL_SET_ERR_MSG_MOD(extack,
				   "beat budget of this user namespace exhausted (module parameter userns_max_beats)");
		return -EDQUOT;
	}
	return 0;
}

/**
 * hb_budget_interval() - may a peer's interval change?
 * @hn: the instance
 * @old_us: its interval now
 * @new_us: the interval asked for
 * @extack: for the message naming the limit
 *
 * Context: hn->lock held.
 * Return: 0, or -EDQUOT when the namespace is limited and the change
 * would take it past userns_max_beats (a change that lowers the beats is
 * always allowed).
 */
int hb_budget_interval(struct hb_net *hn, u32 old_us, u32 new_us,
		       struct netlink_ext_ack *extack)
{
	u32 old_b = hb_budget_beats(old_us), new_b = hb_budget_beats(new_us);

	lockdep_assert_held(&hn->lock);

	if (!hb_budget_limited(hn) || new_b <= old_b)
		return 0;
	if ((u64)hn->beats - old_b + new_b > hb_budget_max_beats()) {
		NL_SET_ERR_MSG_MOD(extack,
				   "beat budget of this user namespace exhausted (module parameter userns_max_beats)");
		return -EDQUOT;
	}
	return 0;
}

/**
 * hb_budget_charge_to_caller() - charge the tick's work to the caller
 * @hn: the instance, being configured for the first time
 *
 * Remembers the memory cgroup of the current task, which is what the
 * cluster tick's allocations are charged to from now on.
 *
 * Context: process context, hn->lock held.
 */
void hb_budget_charge_to_caller(struct hb_net *hn)
{
	lockdep_assert_held(&hn->lock);

	if (!hn->memcg && current->mm)
		hn->memcg = get_mem_cgroup_from_mm(current->mm);
}

/**
 * hb_budget_net_exit() - drop the reference on the remembered cgroup
 * @hn: the instance, dying; the tick no longer runs
 */
void hb_budget_net_exit(struct hb_net *hn)
{
	mem_cgroup_put(hn->memcg);
	hn->memcg = NULL;
}

/**
 * hb_budget_enter() - charge what follows to the namespace's cgroup
 * @hn: the instance
 *
 * Context: process context (the cluster tick).
 * Return: the active memory cgroup to restore with hb_budget_leave().
 */
struct mem_cgroup *hb_budget_enter(struct hb_net *hn)
{
	return set_active_memcg(hn->memcg);
}

/**
 * hb_budget_leave() - undo hb_budget_enter()
 * @old: what hb_budget_enter() returned
 */
void hb_budget_leave(struct mem_cgroup *old)
{
	set_active_memcg(old);
}
