// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: in-kernel failure detection for a cluster of servers.
 *
 * Module init creates the slab cache of peers and the per CPU threads that
 * serve the timers (timers.c), then registers the pernet subsystem (every
 * namespace gets its instance), then the generic netlink family (requests
 * may arrive from then on); exit unregisters in reverse, destroys the
 * threads once no peer is left, waits for RCU callbacks and destroys the
 * cache last.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/init.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/stddef.h>
#include <linux/udp.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "frame.h"
#include "hb.h"
#include "netlink.h"
#include "peer.h"
#include "timers.h"

#define HB_MODULE_VERSION	"1.0"

/* The wire format as the uapi header documents it. */
static void __init hb_check_layout(void)
{
	/* Every namespace gets a struct hb_net, a node or not: keep it in a
	 * 512-byte allocation (the rest comes on the first NODE_SET).  Lock
	 * debugging makes its mutex and work structs much larger.
	 */
	BUILD_BUG_ON(!IS_ENABLED(CONFIG_DEBUG_SPINLOCK) &&
		     !IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC) &&
		     !IS_ENABLED(CONFIG_DEBUG_MUTEXES) &&
		     sizeof(struct hb_net) > 512);
	/* Every 64-bit field 8-byte aligned from the start of the header. */
	BUILD_BUG_ON(sizeof(struct hb_frame) != 72);
	BUILD_BUG_ON(offsetof(struct hb_frame, flags) != 5);
	BUILD_BUG_ON(offsetof(struct hb_frame, length) != 6);
	BUILD_BUG_ON(offsetof(struct hb_frame, incarnation) != 16);
	BUILD_BUG_ON(offsetof(struct hb_frame, seq) != 24);
	BUILD_BUG_ON(offsetof(struct hb_frame, timestamp_ns) != 32);
	BUILD_BUG_ON(offsetof(struct hb_frame, interval_us) != 40);
	BUILD_BUG_ON(offsetof(struct hb_frame, opt_flags) != 45);
	BUILD_BUG_ON(offsetof(struct hb_frame, echo_delay_us) != 48);
	BUILD_BUG_ON(offsetof(struct hb_frame, echo_seq) != 56);
	BUILD_BUG_ON(offsetof(struct hb_frame, echo_timestamp_ns) != 64);
	BUILD_BUG_ON(sizeof(struct hb_tlv) != 4);
	BUILD_BUG_ON(sizeof(struct hb_auth) != 36);
	BUILD_BUG_ON(sizeof(struct hb_member) != 24);
	BUILD_BUG_ON(sizeof(struct hb_verdict) != 12);
	/* A leader's full window, or a leaderless node's verdicts, signed,
	 * fit the IPv6 minimum MTU with the IPv6 and UDP headers.
	 */
	BUILD_BUG_ON(sizeof(struct ipv6hdr) + sizeof(struct udphdr) +
		     sizeof(struct hb_frame) + sizeof(struct hb_tlv) +
		     HB_TLV_MEMBERS_MAX * sizeof(struct hb_member) +
		     sizeof(struct hb_auth) > IPV6_MIN_MTU);
	BUILD_BUG_ON(sizeof(struct ipv6hdr) + sizeof(struct udphdr) +
		     sizeof(struct hb_frame) + sizeof(struct hb_tlv) +
		     HB_TLV_VERDICTS_MAX * (sizeof(struct hb_verdict) +
					    HEARTBEAT_MAX_MONITORS *
					    sizeof(__be32)) +
		     sizeof(struct hb_auth) > IPV6_MIN_MTU);
}

static int __init hb_mod_init(void)
{
	int err;

	hb_check_layout();
	err = hb_peer_init();
	if (err)
		return err;

	err = hb_timers_init_workers();
	if (err)
		goto err_peer;

	err = hb_node_init();
	if (err)
		goto err_workers;

	err = hb_genl_init();
	if (err)
		goto err_node;

	return 0;

err_node:
	hb_node_uninit();
err_workers:
	hb_timers_exit_workers();
err_peer:
	hb_peer_uninit();
	return err;
}

static void __exit hb_mod_exit(void)
{
	int i;

	hb_genl_uninit();
	hb_node_uninit();
	hb_timers_exit_workers();
	rcu_barrier();
	hb_peer_uninit();

	for (i = 0; i < __HB_OBJ_MAX; i++)
		WARN(atomic64_read(&hb_objects[i]),
		     "%lld objects of type %d leaked\n",
		     (long long)atomic64_read(&hb_objects[i]), i);
}

module_init(hb_mod_init);
module_exit(hb_mod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Cluster failure detection with UDP heartbeats");
MODULE_AUTHOR("heartbeat developers");
MODULE_VERSION(HB_MODULE_VERSION);
MODULE_ALIAS_GENL_FAMILY(HEARTBEAT_GENL_NAME);
