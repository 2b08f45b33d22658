// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: in-kernel failure detection for a cluster of servers.
 *
 * Module init creates the per CPU threads that serve the timers first
 * (timers.c), then registers the pernet subsystem (every namespace gets
 * its instance), then the generic netlink family (requests may arrive from
 * then on); exit unregisters in reverse, destroys the threads once no
 * peer is left, and waits for RCU callbacks.
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
#include "timers.h"

#define HB_MODULE_VERSION	"1.0"

static int __init hb_mod_init(void)
{
	int err;

	err = hb_timers_init_workers();
	if (err)
		return err;

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
	return err;
}

static void __exit hb_mod_exit(void)
{
	int i;

	hb_genl_uninit();
	hb_node_uninit();
	hb_timers_exit_workers();
	rcu_barrier();

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
