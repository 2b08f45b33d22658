// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: the per network namespace instance and the node settings.
 *
 * Lifetime of a namespace's state
 * -------------------------------
 * The pernet init runs for every namespace the machine creates, whether or
 * not it will ever run heartbeat, so it allocates nothing beyond the
 * struct hb_net the netns core allocates for it: it sets up the lock, the
 * empty peer list, the defaults, the tick's work item and
 * /proc/net/heartbeat{,_stats}.
 *
 * The first NODE_SET allocates the rest (hb_node_alloc()), charged to its
 * caller's memory cgroup where the allocator allows: the per-CPU drop
 * counters, the peer hash tables (hb_peer_net_init()) and the learning
 * queue (hb_cluster_net_alloc()); then it sets hn->allocated, under
 * hn->lock, and opens the sockets.  They stay until the namespace goes
 * away; a NODE_SET that fails after allocating keeps them for the next.
 *
 * Until then every reader copes with their absence: hb_peer_lookup() and
 * hb_peer_lookup_addr() find nothing, hb_drops_read() reads zeros
 * (NODE_GET, /proc/net/heartbeat_stats), dumps and /proc/net/heartbeat
 * walk the empty peer list, PEER_ADD refuses an unconfigured node, the
 * tick does not run, and the receive path cannot run: no socket is open
 * before hn->allocated is set.  The pernet exit frees what was allocated.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "auth.h"
#include "budget.h"
#include "cluster.h"
#include "hb.h"
#include "hb_trace.h"
#include "peer.h"
#include "proc.h"
#include "socket.h"
#include "timers.h"

unsigned int hb_net_id __read_mostly;
atomic64_t hb_objects[__HB_OBJ_MAX];

static int __net_init hb_net_init(struct net *net)
{
	struct hb_net *hn = net_generic(net, hb_net_id);
	int err;

	hn->net = net;
	mutex_init(&hn->lock);
	INIT_LIST_HEAD(&hn->peers);
	atomic64_set(&hn->event_seq, 0);
	hn->max_detect_ms = HEARTBEAT_DEFAULT_MAX_DETECT_MS;
	hn->dscp = HEARTBEAT_DEFAULT_DSCP;
	hb_cluster_net_init(hn);

	err = hb_proc_net_init(hn);
	if (err) {
		mutex_destroy(&hn->lock);
		return err;
	}

	atomic64_inc(&hb_objects[HB_OBJ_NETS]);
	return 0;
}

/*
 * The first NODE_SET: allocate what the namespace needs to run (see the
 * top of this file).  Idempotent: nothing to do once it succeeded.
 */
static int hb_node_alloc(struct hb_net *hn, struct netlink_ext_ack *extack)
{
	struct hb_drop_stats __percpu *drops;
	int cpu, err;

	lockdep_assert_held(&hn->lock);

	if (hn->allocated)
		return 0;

	drops = alloc_percpu_gfp(struct hb_drop_stats, GFP_KERNEL_ACCOUNT);
	if (!drops)
		goto err_msg;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(drops, cpu)->syncp);

	err = hb_peer_net_init(hn);
	if (err)
		goto err_drops;
	err = hb_cluster_net_alloc(hn);
	if (err)
		goto err_peers;

	/* Readers without hn->lock (hb_drops_read()) see it initialised. */
	smp_store_release(&hn->drops, drops);
	WRITE_ONCE(hn->allocated, true);
	return 0;

err_peers:
	hb_peer_net_uninit(hn);
err_drops:
	free_percpu(drops);
err_msg:
	NL_SET_ERR_MSG_MOD(extack, "cannot allocate the node's tables");
	return -ENOMEM;
}

static void __net_exit hb_net_exit(struct net *net)
{
	struct hb_net *hn = net_generic(net, hb_net_id);

	/* Genetlink cannot reach a namespace that is being dismantled, but
	 * mark it anyway so that nothing is created from now on.
	 */
	mutex_lock(&hn->lock);
	hn->dying = true;
	hb_peers_remove_all(hn);
	hb_socket_close(hn);
	mutex_unlock(&hn->lock);

	/* Nothing can kick the tick or use a key any more (see hb.h). */
	hb_cluster_net_exit(hn);
	hb_budget_net_exit(hn);
	hb_auth_net_exit(hn);
	hb_proc_net_uninit(hn);
	/* Only what the first NODE_SET allocated (see the top). */
	if (hn->allocated) {
		hb_peer_net_uninit(hn);
		free_percpu(hn->drops);
	}
	mutex_destroy(&hn->lock);
	atomic64_dec(&hb_objects[HB_OBJ_NETS]);
}

static struct pernet_operations hb_net_ops = {
	.init = hb_net_init,
	.exit = hb_net_exit,
	.id   = &hb_net_id,
	.size = sizeof(struct hb_net),
};

/**
 * hb_node_init() - register the per network namespace state
 *
 * Creates a struct hb_net in every existing and future namespace.
 *
 * Return: 0 or a negative errno.
 */
int hb_node_init(void)
{
	return register_pernet_subsys(&hb_net_ops);
}

/**
 * hb_node_uninit() - tear down the instance of every network namespace
 *
 * Removes all peers, closes all sockets and frees the per namespace state.
 */
void hb_node_uninit(void)
{
	unregister_pernet_subsys(&hb_net_ops);
}

/* Bring detection timers forward after max_detect_ms became shorter. */
static void hb_node_detect_changed(struct hb_net *hn)
{
	struct hb_peer *peer;

	lockdep_assert_held(&hn->lock);

	list_for_each_entry(peer, &hn->peers, list)
		hb_timers_detect_changed(peer);
}

/**
 * hb_node_set() - apply a NODE_SET request
 * @hn: the instance
 * @cfg: the request, validated by netlink
 * @extack: for error messages
 *
 * The first request must carry a node id; it opens the sockets on the
 * requested port, or HEARTBEAT_DEFAULT_PORT.  A later port change rebinds
 * them; when that fails the old configuration stays in force.  Only what
 * starts the node afresh picks a new incarnation, strictly greater than
 * the previous one (the wall clock in nanoseconds when that is larger), so
 * that peers see this node as restarted: the first request, a new node id,
 * a new port, or @cfg->restart.  Any other setting changes in place.  The
 * cluster settings are checked before anything changes and applied last
 * (hb_cluster_apply()).
 *
 * Context: process context, hn->lock held.
 * Return: 0 or a negative errno.
 */
int hb_node_set(struct hb_net *hn, const struct hb_node_cfg *cfg,
		struct netlink_ext_ack *extack)
{
	u64 incarnation;
	u32 id, cluster;
	bool fresh;
	u16 port;
	int err;

	lockdep_assert_held(&hn->lock);

	if (hn->dying)
		return -ENODEV;
	if (!hn->configured && !cfg->has_id) {
		NL_SET_ERR_MSG_MOD(extack, "node id is required");
		return -EINVAL;
	}
	err = hb_node_alloc(hn, extack);
	if (err)
		return err;

	id = cfg->has_id ? cfg->id : hn->node_id;
	cluster = cfg->has_cluster ? cfg->cluster : hn->cluster_id;
	if (cfg->has_port)
		port = cfg->port;
	else
		port = hn->configured ? hn->port : HEARTBEAT_DEFAULT_PORT;

	if (!id) {
		NL_SET_ERR_MSG_MOD(extack, "node id must not be zero");
		return -EINVAL;
	}
	if (id != hn->node_id && hb_peer_lookup(hn, id)) {
		NL_SET_ERR_MSG_MOD(extack, "node id is the id of a peer");
		return -EEXIST;
	}
	err = hb_cluster_check(hn, cfg, id, extack);
	if (err)
		return err;
	err = hb_auth_check(hn, cfg, extack);
	if (err)
		return err;

	if (!hn->configured || port != hn->port) {
		err = hb_socket_open(hn, port, extack);
		if (err)
			return err;
	}

	fresh = !hn->configured || id != hn->node_id || port != hn->port ||
		cfg->restart;
	incarnation = hn->incarnation;
	if (fresh)
		incarnation = max_t(u64, ktime_get_real_ns(), incarnation + 1);

	WRITE_ONCE(hn->node_id, id);
	WRITE_ONCE(hn->cluster_id, cluster);
	WRITE_ONCE(hn->port, port);
	WRITE_ONCE(hn->incarnation, incarnation);
	if (!hn->configured)
		hb_budget_charge_to_caller(hn);
	WRITE_ONCE(hn->configured, true);
	if (cfg->has_auth)
		WRITE_ONCE(hn->auth, cfg->auth);
	if (cfg->has_dscp)
		WRITE_ONCE(hn->dscp, cfg->dscp);
	if (cfg->has_max_detect &&
	    cfg->max_detect_ms != hn->max_detect_ms) {
		WRITE_ONCE(hn->max_detect_ms, cfg->max_detect_ms);
		hb_node_detect_changed(hn);
	}

	hb_cluster_apply(hn, cfg);
	return 0;
}

/**
 * hb_drop() - count a dropped datagram
 * @hn: the instance
 * @reason: why it was dropped
 *
 * Context: softirq (the receive path); the counters are per CPU.
 */
void hb_drop(struct hb_net *hn, enum hb_drop_reason reason)
{
	struct hb_drop_stats *stats;

	if (WARN_ON_ONCE((unsigned int)reason >= __HB_DROP_MAX))
		return;
	/* Set before any socket was opened (see the top of this file). */
	if (WARN_ON_ONCE(!hn->drops))
		return;

	trace_hb_frame_drop(hn->net, reason);
	stats = this_cpu_ptr(hn->drops);
	u64_stats_update_begin(&stats->syncp);
	stats->cnt[reason]++;
	u64_stats_update_end(&stats->syncp);
}

/**
 * hb_drops_read() - sum the drop counters of every CPU
 * @hn: the instance
 * @out: one total per enum hb_drop_reason (zeros before the first
 *	 NODE_SET allocated the counters)
 *
 * Context: any.
 */
void hb_drops_read(struct hb_net *hn, u64 out[__HB_DROP_MAX])
{
	struct hb_drop_stats __percpu *drops;
	u64 cnt[__HB_DROP_MAX];
	unsigned int start;
	int cpu, i;

	memset(out, 0, sizeof(u64) * __HB_DROP_MAX);
	/* Pairs with the release in hb_node_alloc(): initialised counters. */
	drops = smp_load_acquire(&hn->drops);
	if (!drops)
		return;
	for_each_possible_cpu(cpu) {
		const struct hb_drop_stats *stats = per_cpu_ptr(drops, cpu);

		do {
			start = u64_stats_fetch_begin(&stats->syncp);
			memcpy(cnt, stats->cnt, sizeof(cnt));
		} while (u64_stats_fetch_retry(&stats->syncp, start));

		for (i = 0; i < __HB_DROP_MAX; i++)
			out[i] += cnt[i];
	}
}

/**
 * hb_event_seq_next() - take the sequence number of a new event
 * @hn: the instance
 *
 * Context: any.
 * Return: the next event sequence number of @hn; the first one is 1.
 */
u64 hb_event_seq_next(struct hb_net *hn)
{
	return atomic64_inc_return(&hn->event_seq);
}
