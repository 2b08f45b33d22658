// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: /proc/net/heartbeat, one line per peer of the namespace, and
 * /proc/net/heartbeat_stats, the counters of the namespace.
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
#define HB_PROC_STATS	"heartbeat_stats"

/* Names of the drop counters in /proc/net/heartbeat_stats (stable). */
static const char * const hb_drop_names[__HB_DROP_MAX] = {
	[HB_DROP_SHORT]		= "short",
	[HB_DROP_BAD_MAGIC]	= "bad_magic",
	[HB_DROP_BAD_VERSION]	= "bad_version",
	[HB_DROP_BAD_LENGTH]	= "bad_length",
	[HB_DROP_BAD_CLUSTER]	= "bad_cluster",
	[HB_DROP_UNKNOWN_PEER]	= "unknown_peer",
	[HB_DROP_BAD_SOURCE]	= "bad_source",
	[HB_DROP_BAD_FIELD]	= "bad_field",
	[HB_DROP_AUTH]		= "auth",
	[HB_DROP_STALE]		= "stale",
	[HB_DROP_NOT_CONFIGURED] = "not_configured",
	[HB_DROP_SELF]		= "self",
	[HB_DROP_LEARN_LIMIT]	= "learn_limit",
	[HB_DROP_BAD_MEMBERS]	= "bad_members",
	[HB_DROP_NOT_LEADER]	= "not_leader",
	[HB_DROP_NO_KEY]	= "no_key",
	[HB_DROP_UNAUTH]	= "unauth",
	[HB_DROP_REPLAY]	= "replay",
	[HB_DROP_BAD_EPOCH]	= "bad_epoch",
	[HB_DROP_TOO_LONG]	= "too_long",
	[HB_DROP_LEARN_RATE]	= "learn_rate",
};

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

/**
 * struct hb_seq_state - the position of a reader of /proc/net/heartbeat
 * @p: the namespace
 * @pos: the position of the peer last returned by start() or next(), the
 *	 next one to show ...
 * @id: ... and its id, or 0
 *
 * A reader that reads the file in small chunks calls start() once per
 * chunk.  Walking the list from its head to the position each time would
 * cost N^2 over the file (50 million steps for 10,000 peers read 100 bytes
 * at a time), under rcu_read_lock(); and a peer removed before the
 * position in the meantime would make the walk skip one that was not
 * shown yet.  start() finds the peer by id instead (a hash lookup) and
 * goes on from there, so that each peer that stays is shown exactly once;
 * it falls back to the walk only when that peer itself was removed.
 */
struct hb_seq_state {
	struct seq_net_private p;
	loff_t pos;
	u32 id;
};

/* Remember where @v, at @pos, is: the next start() resumes from it. */
static void *hb_seq_mark(struct seq_file *seq, struct list_head *v,
			 loff_t pos)
{
	struct hb_net *hn = hb_net(seq_file_net(seq));
	struct hb_seq_state *st = seq->private;

	if (v && v != &hn->peers) {
		st->pos = pos;
		st->id = list_entry(v, struct hb_peer, list)->id;
	} else {
		st->id = 0;
	}
	return v;
}

static void *hb_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct hb_net *hn = hb_net(seq_file_net(seq));
	struct hb_seq_state *st = seq->private;
	struct hb_peer *peer;

	rcu_read_lock();
	if (*pos && st->id && *pos == st->pos) {
		peer = hb_peer_lookup(hn, st->id);
		if (peer)
			return &peer->list;
	}
	return hb_seq_mark(seq, seq_list_start_head_rcu(&hn->peers, *pos),
			   *pos);
}

static void *hb_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct hb_net *hn = hb_net(seq_file_net(seq));

	v = seq_list_next_rcu(v, &hn->peers, pos);
	return hb_seq_mark(seq, v, *pos);
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

/*
 * /proc/net/heartbeat_stats: "drop_<reason> <count>" for every drop
 * reason, then "tx_no_key <count>", one per line.
 */
static int hb_stats_show(struct seq_file *seq, void *v)
{
	struct hb_net *hn = hb_net(seq_file_single_net(seq));
	u64 drops[__HB_DROP_MAX];
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(hb_drop_names) != __HB_DROP_MAX);

	hb_drops_read(hn, drops);
	for (i = 0; i < __HB_DROP_MAX; i++)
		seq_printf(seq, "drop_%s %llu\n", hb_drop_names[i], drops[i]);
	seq_printf(seq, "tx_no_key %lld\n",
		   (s64)atomic64_read(&hn->tx_no_key));
	return 0;
}

/**
 * hb_proc_net_init() - create /proc/net/heartbeat and heartbeat_stats
 * @hn: the instance
 *
 * The files are readable by everyone.
 *
 * Context: pernet init.
 * Return: 0, or -ENOMEM.
 */
int hb_proc_net_init(struct hb_net *hn)
{
	if (!proc_create_net(HB_PROC_NAME, 0444, hn->net->proc_net,
			     &hb_seq_ops, sizeof(struct hb_seq_state)))
		return -ENOMEM;
	if (!proc_create_net_single(HB_PROC_STATS, 0444, hn->net->proc_net,
				    hb_stats_show, NULL)) {
		remove_proc_entry(HB_PROC_NAME, hn->net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

/**
 * hb_proc_net_uninit() - remove the /proc/net files of a namespace
 * @hn: the instance
 *
 * Waits for readers of the file to finish.
 *
 * Context: pernet exit.
 */
void hb_proc_net_uninit(struct hb_net *hn)
{
	remove_proc_entry(HB_PROC_STATS, hn->net->proc_net);
	remove_proc_entry(HB_PROC_NAME, hn->net->proc_net);
}
