// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: in-kernel failure detection for a cluster of servers.
 *
 * Module init creates the slab cache of peers, registers the pernet
 * subsystem (every namespace gets its instance), then the generic netlink
 * family (requests may arrive from then on); exit unregisters in reverse,
 * waits for RCU callbacks and destroys the cache last.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>

#include "hb.h"
#include "netlink.h"
#include "peer.h"

#define HB_MODULE_VERSION	"1.0"

static int __init hb_mod_init(void)
{
	int err;

	err = hb_peer_init();
	if (err)
		return err;

	err = hb_node_init();
	if (err)
		goto err_peer;

	err = hb_genl_init();
	if (err)
		goto err_node;

	return 0;

err_node:
	hb_node_uninit();
err_peer:
	hb_peer_uninit();
	return err;
}

static void __exit hb_mod_exit(void)
{
	int i;

	hb_genl_uninit();
	hb_node_uninit();
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
