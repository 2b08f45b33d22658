// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: /proc/net/heartbeat, one line per peer of the namespace.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/net_namespace.h>

#include "hb.h"
#include "peer.h"
#include "proc.h"

#define HB_PROC_NAME	"heartbeat"

static const char * const hb_state_names[__HB_STATE_MAX] = {
	[HB_STATE_UNKNOWN]	= "unknown",
	[HB_STATE_UP]		= "up",
	[HB_STATE_DOWN]		= "down",
};

static const char * const hb_origin_names[__HB_ORIGIN_MAX] = {
	[HB_ORIGIN_CONFIGURED]	= "configured",
	[HB_ORIGIN_LEARNED]	= "learned",
	[HB_ORIGIN_LEADER]	= "leader",
};

static const char * const hb_source_names[__HB_SOURCE_MAX] = {
	[HB_SOURCE_NONE]	= "none",
	[HB_SOURCE_SELF]	= "self",
	[HB_SOURCE_LEADER]	= "leader",
	[HB_SOURCE_PEERS]	= "peers",
};

/* HB_ROLE_* as letters: L (leader), T (beaten to), W (watched), or "-". */
static void hb_roles_str(u32 roles, char buf[4])
{
	char *p = buf;

	if (roles & HB_ROLE_LEADER)
		*p++ = 'L';
	if (roles & HB_ROLE_TX)
		*p++ = 'T';
	if (roles & HB_ROLE_WATCH)
		*p++ = 'W';
	if (p == buf)
		*p++ = '-';
	*p = '\0';
}

static void *hb_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct hb_net *hn = hb_net(seq_file_net(seq));

	rcu_read_lock();
	return seq_list_start_head_rcu(&hn->peers, *pos);
}

static void *hb_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct hb_net *hn = hb_net(seq_file_net(seq));

	return seq_list_next_rcu(v, &hn->peers, pos);
}

static void hb_seq_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

static int hb_seq_show(struct seq_file *seq, void *v)
{
	struct hb_net *hn = hb_net(seq_file_net(seq));
	struct hb_peer_info info;
	struct hb_peer *peer;
	const char *state;
	char roles[4];

	if (v == &hn->peers) {
		seq_puts(seq, "id address port state interval_us multiplier last_seen_ms tx rx lost rtt_us dropped origin roles source confirmations\n");
		return 0;
	}

	peer = list_entry(v, struct hb_peer, list);
	hb_peer_snapshot(peer, &info);

	if (info.addr.family == AF_INET)
		seq_printf(seq, "%u %pI4", info.id, &info.addr.v4);
	else
		seq_printf(seq, "%u %pI6c", info.id, &info.addr.v6);

	state = info.state < __HB_STATE_MAX ? hb_state_names[info.state] :
		"unknown";
	seq_printf(seq, " %u %s %u %u %lld %llu %llu %llu %u %llu",
		   ntohs(info.addr.port), state, info.interval_us,
		   info.multiplier,
		   info.rx_valid ? (s64)info.last_seen_ms : -1LL,
		   info.tx, info.rx, info.lost, info.srtt_us, info.dropped);

	hb_roles_str(info.roles, roles);
	seq_printf(seq, " %s %s %s",
		   info.origin < __HB_ORIGIN_MAX ?
		   hb_origin_names[info.origin] : "?", roles,
		   info.source < __HB_SOURCE_MAX ?
		   hb_source_names[info.source] : "?");
	if (info.monitors)
		seq_printf(seq, " %u/%u\n", info.confirmations, info.monitors);
	else
		seq_puts(seq, " -\n");
	return 0;
}

static const struct seq_operations hb_seq_ops = {
	.start	= hb_seq_start,
	.next	= hb_seq_next,
	.stop	= hb_seq_stop,
	.show	= hb_seq_show,
};

/**
 * hb_proc_net_init() - create /proc/net/heartbeat in a namespace
 * @hn: the instance
 *
 * The file is readable by everyone.
 *
 * Context: pernet init.
 * Return: 0, or -ENOMEM.
 */
int hb_proc_net_init(struct hb_net *hn)
{
	if (!proc_create_net(HB_PROC_NAME, 0444, hn->net->proc_net,
			     &hb_seq_ops, sizeof(struct seq_net_private)))
		return -ENOMEM;
	return 0;
}

/**
 * hb_proc_net_uninit() - remove /proc/net/heartbeat from a namespace
 * @hn: the instance
 *
 * Waits for readers of the file to finish.
 *
 * Context: pernet exit.
 */
void hb_proc_net_uninit(struct hb_net *hn)
{
	remove_proc_entry(HB_PROC_NAME, hn->net->proc_net);
}
