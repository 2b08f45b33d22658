// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: the "heartbeat" generic netlink family.
 *
 * This file owns the family: the request policies, the handlers that turn
 * requests into struct hb_node_cfg / struct hb_peer_cfg, the replies and
 * dumps, and the event notifications.  The protocol itself is documented in
 * include/uapi/linux/heartbeat.h.
 *
 * Concurrency: the family is registered with parallel_ops, so requests are
 * not serialised by the global genl_mutex.  Handlers that change state take
 * hn->lock (one mutex per namespace); NODE_GET takes it for a consistent
 * view of the node; PEER_GET (doit and dump) only reads under RCU.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/rculist.h>
#include <linux/spinlock.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "auth.h"
#include "compat.h"
#include "hb_trace.h"
#include "budget.h"
#include "netlink.h"
#include "peer.h"

/* Multicast groups, in the order of hb_genl_mcgrps[]. */
enum hb_genl_mcgrp {
	HB_MCGRP_EVENTS,
};

/*
 * The counters of HB_A_NODE_DROPS and HB_A_NODE_OBJECTS are u64 attributes
 * of type (enum value + 1); type 0 is free, so it pads them to 64 bits on
 * architectures that need it.
 */
#define HB_NL_COUNTER_PAD	0

#define HB_NLA_READ_ONLY \
	{ .type = NLA_REJECT, .reject_message = "read-only attribute" }

static struct genl_family hb_genl_family;

/*
 * The range does not fit the s16 min/max of NLA_POLICY_RANGE().  Not const:
 * struct nla_policy of this kernel points at it without const.
 */
static struct netlink_range_validation hb_interval_range = {
	.min	= HEARTBEAT_MIN_INTERVAL_US,
	.max	= HEARTBEAT_MAX_INTERVAL_US,
};

/* Peer nest of PEER_ADD and PEER_SET. */
static const struct nla_policy hb_peer_cfg_policy[HB_PEER_A_MAX + 1] = {
	[HB_PEER_A_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[HB_PEER_A_ADDR4]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[HB_PEER_A_ADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[HB_PEER_A_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[HB_PEER_A_INTERVAL_US]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&hb_interval_range),
	[HB_PEER_A_MULTIPLIER]	= NLA_POLICY_RANGE(NLA_U8,
						   HEARTBEAT_MIN_MULTIPLIER,
						   HEARTBEAT_MAX_MULTIPLIER),
	[HB_PEER_A_STATE ... HB_PEER_A_CHANGE_REASON] = HB_NLA_READ_ONLY,
};

/* Peer nest of PEER_DEL and PEER_GET: the id only. */
static const struct nla_policy hb_peer_id_policy[HB_PEER_A_MAX + 1] = {
	[HB_PEER_A_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[HB_PEER_A_STATE ... HB_PEER_A_CHANGE_REASON] = HB_NLA_READ_ONLY,
};

/* A list of ids (HB_A_NODE_LEADERS). */
static const struct nla_policy hb_list_policy[HB_LIST_A_MAX + 1] = {
	[HB_LIST_A_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
};

static struct netlink_range_validation hb_learn_limit_range = {
	.min	= 1,
	.max	= HEARTBEAT_MAX_PEERS,
};

static struct netlink_range_validation hb_max_detect_range = {
	.min	= HEARTBEAT_MIN_MAX_DETECT_MS,
	.max	= HEARTBEAT_MAX_MAX_DETECT_MS,
};

static struct netlink_range_validation hb_learn_age_range = {
	.min	= HEARTBEAT_MIN_LEARN_AGE_MS,
	.max	= HEARTBEAT_MAX_LEARN_AGE_MS,
};

/* Key nest of KEY_ADD. */
static const struct nla_policy hb_key_add_policy[HB_KEY_A_MAX + 1] = {
	[HB_KEY_A_ID]		= NLA_POLICY_MIN(NLA_U8, 1),
	[HB_KEY_A_SECRET]	= NLA_POLICY_EXACT_LEN(HEARTBEAT_KEY_LEN),
	[HB_KEY_A_PRIMARY]	= { .type = NLA_FLAG },
	[HB_KEY_A_RX]		= HB_NLA_READ_ONLY,
	[HB_KEY_A_TX]		= HB_NLA_READ_ONLY,
};

/* Key nest of KEY_SET and KEY_DEL. */
static const struct nla_policy hb_key_id_policy[HB_KEY_A_MAX + 1] = {
	[HB_KEY_A_ID]		= NLA_POLICY_MIN(NLA_U8, 1),
	[HB_KEY_A_SECRET]	= {
		.type = NLA_REJECT,
		.reject_message = "a key's secret cannot change: add a new key",
	},
	[HB_KEY_A_PRIMARY]	= { .type = NLA_FLAG },
	[HB_KEY_A_RX]		= HB_NLA_READ_ONLY,
	[HB_KEY_A_TX]		= HB_NLA_READ_ONLY,
};

/*
 * Top level, one policy per command: each lists only what its command
 * accepts, anything else is rejected by strict validation.
 */
static const struct nla_policy hb_node_set_policy[HB_A_MAX + 1] = {
	[HB_A_NODE_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[HB_A_NODE_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[HB_A_NODE_CLUSTER]	= { .type = NLA_U32 },
	[HB_A_NODE_INCARNATION]	= HB_NLA_READ_ONLY,
	[HB_A_NODE_PEERS]	= HB_NLA_READ_ONLY,
	[HB_A_NODE_EVENT_SEQ]	= HB_NLA_READ_ONLY,
	[HB_A_NODE_DROPS]	= HB_NLA_READ_ONLY,
	[HB_A_NODE_CONFIGURED]	= HB_NLA_READ_ONLY,
	[HB_A_NODE_OBJECTS]	= HB_NLA_READ_ONLY,
	[HB_A_NODE_MODE]	= NLA_POLICY_MAX(NLA_U8, __HB_MODE_MAX - 1),
	[HB_A_NODE_LEADERS]	= NLA_POLICY_NESTED(hb_list_policy),
	[HB_A_NODE_LEARN]	= NLA_POLICY_MAX(NLA_U8, 1),
	[HB_A_NODE_MONITORS]	= NLA_POLICY_RANGE(NLA_U8, 1,
						   HEARTBEAT_MAX_MONITORS),
	[HB_A_NODE_INTERVAL_US]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&hb_interval_range),
	[HB_A_NODE_MULTIPLIER]	= NLA_POLICY_RANGE(NLA_U8,
						   HEARTBEAT_MIN_MULTIPLIER,
						   HEARTBEAT_MAX_MULTIPLIER),
	[HB_A_NODE_LEARN_LIMIT]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&hb_learn_limit_range),
	[HB_A_NODE_EFFECTIVE_MODE ... HB_A_NODE_EPOCH] = HB_NLA_READ_ONLY,
	[HB_A_NODE_AUTH]	= NLA_POLICY_MAX(NLA_U8, 1),
	[HB_A_NODE_PRIMARY_KEY ... HB_A_NODE_TX_NO_KEY] = HB_NLA_READ_ONLY,
	[HB_A_NODE_RESTART]	= { .type = NLA_FLAG },
	[HB_A_NODE_MAX_DETECT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &hb_max_detect_range),
	[HB_A_NODE_LEARN_AGE_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &hb_learn_age_range),
	[HB_A_NODE_TICKS]	= HB_NLA_READ_ONLY,
	[HB_A_NODE_DSCP]	= NLA_POLICY_MAX(NLA_U8, HEARTBEAT_MAX_DSCP),
	[HB_A_NODE_BEATS ... HB_A_NODE_DEFERRED] = HB_NLA_READ_ONLY,
};

static const struct nla_policy hb_key_add_req_policy[HB_A_MAX + 1] = {
	[HB_A_KEY]		= NLA_POLICY_NESTED(hb_key_add_policy),
};

static const struct nla_policy hb_key_id_req_policy[HB_A_MAX + 1] = {
	[HB_A_KEY]		= NLA_POLICY_NESTED(hb_key_id_policy),
};

/*
 * A request that may carry a secret (KEY_ADD, KEY_SET, KEY_DEL) is checked
 * against its real policy (above) by hb_nl_pre_doit(), not by the genetlink
 * core: a request the core refuses is freed without any handler seeing it,
 * with the secret still in it.  The core only checks these requests against
 * this policy, which lets every attribute of the family through (so that
 * the permission and strict checks in pre_doit decide, and wipe what they
 * refuse), and post_doit wipes the request after the handler.  What the core
 * still refuses itself, unwiped, is a request that is not a sequence of
 * attributes, or that holds an attribute type above HB_A_MAX or a key nest
 * without NLA_F_NESTED.
 */
static const struct nla_policy hb_secret_pass_policy[HB_A_MAX + 1] = {
	[HB_A_PAD ... HB_A_NODE_EPOCH]	= { .type = NLA_BINARY },
	[HB_A_KEY]			= { .type = NLA_NESTED },
	[HB_A_NODE_AUTH ... HB_A_MAX]	= { .type = NLA_BINARY },
};

/* genl_ops.internal_flags */
#define HB_NL_SECRET	BIT(0)	/* may carry key material: see above */

/* KEY_GET is a dump without attributes. */
static const struct nla_policy hb_no_attr_policy[HB_A_MAX + 1] = {
	[HB_A_KEY]		= {
		.type = NLA_REJECT,
		.reject_message = "key dumps take no attributes",
	},
};

static const struct nla_policy hb_peer_cfg_req_policy[HB_A_MAX + 1] = {
	[HB_A_PEER]		= NLA_POLICY_NESTED(hb_peer_cfg_policy),
};

static const struct nla_policy hb_peer_id_req_policy[HB_A_MAX + 1] = {
	[HB_A_PEER]		= NLA_POLICY_NESTED(hb_peer_id_policy),
};

/*
 * Set by hb_genl_init() once the family is registered, cleared by
 * hb_genl_uninit() before it is unregistered; read under RCU by
 * hb_genl_notify_event() so that no notification uses a dead family.
 */
static bool hb_genl_registered;

/*
 * Taken around "next sequence number + multicast" so that a listener
 * receives the events of a namespace in sequence order, even when they are
 * raised on several CPUs at once.  Always the innermost lock: taken inside
 * peer->lock.  Events are rare (state changes only), so
 * one lock for all namespaces is enough.
 */
static DEFINE_SPINLOCK(hb_event_lock);

static bool hb_nl_dying(struct hb_net *hn, struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&hn->lock);

	if (!hn->dying)
		return false;
	NL_SET_ERR_MSG_MOD(extack, "network namespace is going away");
	return true;
}

/**
 * hb_nl_put_counters() - add a nest of u64 counters
 * @skb: message being built
 * @type: type of the nest
 * @cnt: the counters
 * @n: number of counters
 *
 * Counter i is an attribute of type i + 1 (see HB_NL_COUNTER_PAD).
 *
 * Return: 0, or -EMSGSIZE when @skb is full.
 */
static int hb_nl_put_counters(struct sk_buff *skb, int type, const u64 *cnt,
			      unsigned int n)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		if (nla_put_u64_64bit(skb, i + 1, cnt[i], HB_NL_COUNTER_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static size_t hb_nl_counters_size(unsigned int n)
{
	return nla_total_size(0) + n * nla_total_size_64bit(sizeof(u64));
}

static size_t hb_nl_node_size(void)
{
	return nla_total_size(sizeof(u8)) +		/* NODE_MODE */
	       nla_total_size(0) +			/* NODE_LEADERS */
	       HEARTBEAT_MAX_LEADERS * nla_total_size(sizeof(u32)) +
	       nla_total_size(sizeof(u8)) +		/* NODE_LEARN */
	       nla_total_size(sizeof(u8)) +		/* NODE_MONITORS */
	       nla_total_size(sizeof(u32)) +		/* NODE_INTERVAL_US */
	       nla_total_size(sizeof(u8)) +		/* NODE_MULTIPLIER */
	       nla_total_size(sizeof(u32)) +		/* NODE_LEARN_LIMIT */
	       nla_total_size(sizeof(u32)) +		/* NODE_MAX_DETECT_MS */
	       nla_total_size(sizeof(u8)) +		/* NODE_EFFECTIVE_MODE */
	       nla_total_size(sizeof(u32)) +		/* NODE_LEADER */
	       nla_total_size(sizeof(u32)) +		/* NODE_LEARNED */
	       nla_total_size(sizeof(u32)) +		/* NODE_SENDING */
	       nla_total_size(sizeof(u32)) +		/* NODE_WATCHING */
	       nla_total_size(sizeof(u32)) +		/* NODE_EPOCH */
	       nla_total_size(sizeof(u8)) +		/* NODE_AUTH */
	       nla_total_size(sizeof(u8)) +		/* NODE_PRIMARY_KEY */
	       nla_total_size(sizeof(u32)) +		/* NODE_KEYS */
	       nla_total_size_64bit(sizeof(u64)) +	/* NODE_TX_NO_KEY */
	       nla_total_size(sizeof(u32)) +		/* NODE_LEARN_AGE_MS */
	       nla_total_size_64bit(sizeof(u64)) +	/* NODE_TICKS */
	       nla_total_size(sizeof(u8)) +		/* NODE_DSCP */
	       3 * nla_total_size(sizeof(u32)) +	/* NODE_BEATS, BUDGET_* */
	       nla_total_size_64bit(sizeof(u64)) +	/* NODE_DEFERRED */
	       nla_total_size(sizeof(u32)) +		/* NODE_ID */
	       nla_total_size(sizeof(u16)) +		/* NODE_PORT */
	       nla_total_size(sizeof(u32)) +		/* NODE_CLUSTER */
	       nla_total_size_64bit(sizeof(u64)) +	/* NODE_INCARNATION */
	       nla_total_size(sizeof(u32)) +		/* NODE_PEERS */
	       nla_total_size_64bit(sizeof(u64)) +	/* NODE_EVENT_SEQ */
	       hb_nl_counters_size(__HB_DROP_MAX) +	/* NODE_DROPS */
	       nla_total_size(0) +			/* NODE_CONFIGURED */
	       hb_nl_counters_size(__HB_OBJ_MAX);	/* NODE_OBJECTS */
}

/* The cluster settings and state of a NODE_GET reply, hn->lock held. */
static int hb_nl_cluster_fill(struct sk_buff *skb, struct hb_net *hn)
{
	struct nlattr *nest;
	unsigned int i;
	u32 epoch;

	lockdep_assert_held(&hn->lock);

	spin_lock_bh(&hn->cl_lock);
	epoch = hn->self_epoch;
	spin_unlock_bh(&hn->cl_lock);

	if (nla_put_u8(skb, HB_A_NODE_MODE, hn->mode) ||
	    nla_put_u8(skb, HB_A_NODE_EFFECTIVE_MODE, hn->eff_mode) ||
	    nla_put_u8(skb, HB_A_NODE_LEARN, hn->learn) ||
	    nla_put_u8(skb, HB_A_NODE_MONITORS, hn->monitors) ||
	    nla_put_u32(skb, HB_A_NODE_INTERVAL_US, hn->def_interval_us) ||
	    nla_put_u8(skb, HB_A_NODE_MULTIPLIER, hn->def_multiplier) ||
	    nla_put_u32(skb, HB_A_NODE_LEARN_LIMIT, hn->learn_limit) ||
	    nla_put_u32(skb, HB_A_NODE_MAX_DETECT_MS, hn->max_detect_ms) ||
	    nla_put_u32(skb, HB_A_NODE_LEARNED, hn->nlearned) ||
	    nla_put_u32(skb, HB_A_NODE_SENDING, hn->nsending) ||
	    nla_put_u32(skb, HB_A_NODE_WATCHING, hn->nwatching) ||
	    nla_put_u32(skb, HB_A_NODE_EPOCH, epoch) ||
	    nla_put_u32(skb, HB_A_NODE_LEARN_AGE_MS, hn->learn_age_ms) ||
	    nla_put_u64_64bit(skb, HB_A_NODE_TICKS, hn->ticks, HB_A_PAD) ||
	    nla_put_u8(skb, HB_A_NODE_DSCP, hn->dscp) ||
	    nla_put_u32(skb, HB_A_NODE_BEATS, hn->beats) ||
	    nla_put_u64_64bit(skb, HB_A_NODE_DEFERRED,
			      atomic64_read(&hn->deferred), HB_A_PAD))
		return -EMSGSIZE;
	if (hb_budget_limited(hn) &&
	    (nla_put_u32(skb, HB_A_NODE_BUDGET_PEERS, hb_budget_max_peers()) ||
	     nla_put_u32(skb, HB_A_NODE_BUDGET_BEATS, hb_budget_max_beats())))
		return -EMSGSIZE;
	if (hn->leader && nla_put_u32(skb, HB_A_NODE_LEADER, hn->leader))
		return -EMSGSIZE;
	if (nla_put_u8(skb, HB_A_NODE_AUTH, hn->auth) ||
	    nla_put_u32(skb, HB_A_NODE_KEYS, hb_auth_nkeys(hn)) ||
	    nla_put_u64_64bit(skb, HB_A_NODE_TX_NO_KEY,
			      atomic64_read(&hn->tx_no_key), HB_A_PAD))
		return -EMSGSIZE;
	if (hn->primary_key &&
	    nla_put_u8(skb, HB_A_NODE_PRIMARY_KEY, hn->primary_key))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, HB_A_NODE_LEADERS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < hn->nleaders; i++) {
		if (nla_put_u32(skb, HB_LIST_A_ID, hn->leaders[i])) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * hb_nl_node_fill() - add the node attributes of a NODE_GET reply
 * @skb: message being built
 * @hn: the instance
 *
 * Context: hn->lock held.
 * Return: 0, or -EMSGSIZE when @skb is full.
 */
static int hb_nl_node_fill(struct sk_buff *skb, struct hb_net *hn)
{
	u64 drops[__HB_DROP_MAX];
	u64 objs[__HB_OBJ_MAX];
	unsigned int i;

	lockdep_assert_held(&hn->lock);

	if (nla_put_u32(skb, HB_A_NODE_ID, hn->node_id) ||
	    nla_put_u16(skb, HB_A_NODE_PORT, hn->port) ||
	    nla_put_u32(skb, HB_A_NODE_CLUSTER, hn->cluster_id) ||
	    nla_put_u64_64bit(skb, HB_A_NODE_INCARNATION, hn->incarnation,
			      HB_A_PAD) ||
	    nla_put_u32(skb, HB_A_NODE_PEERS, hn->npeers) ||
	    nla_put_u64_64bit(skb, HB_A_NODE_EVENT_SEQ,
			      atomic64_read(&hn->event_seq), HB_A_PAD))
		return -EMSGSIZE;

	if (hn->configured && nla_put_flag(skb, HB_A_NODE_CONFIGURED))
		return -EMSGSIZE;
	if (hb_nl_cluster_fill(skb, hn))
		return -EMSGSIZE;

	hb_drops_read(hn, drops);
	if (hb_nl_put_counters(skb, HB_A_NODE_DROPS, drops, __HB_DROP_MAX))
		return -EMSGSIZE;

	/* Counts over every namespace: only for the initial one. */
	if (!net_eq(hn->net, &init_net))
		return 0;
	for (i = 0; i < __HB_OBJ_MAX; i++)
		objs[i] = atomic64_read(&hb_objects[i]);
	return hb_nl_put_counters(skb, HB_A_NODE_OBJECTS, objs, __HB_OBJ_MAX);
}

static int hb_nl_node_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hb_net *hn = hb_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(hb_nl_node_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &hb_genl_family, 0,
				HB_CMD_NODE_GET);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err_free;
	}

	mutex_lock(&hn->lock);
	if (hb_nl_dying(hn, info->extack))
		ret = -ENODEV;
	else
		ret = hb_nl_node_fill(msg, hn);
	mutex_unlock(&hn->lock);
	if (ret)
		goto err_free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return ret;
}

/* HB_A_NODE_LEADERS: up to HEARTBEAT_MAX_LEADERS distinct ids. */
static int hb_nl_parse_leaders(const struct nlattr *nest,
			       struct hb_node_cfg *cfg,
			       struct netlink_ext_ack *extack)
{
	const struct nlattr *attr;
	unsigned int i;
	int rem;
	u32 id;

	nla_for_each_nested(attr, nest, rem) {
		/* The policy accepted nothing but HB_LIST_A_ID. */
		id = nla_get_u32(attr);
		if (cfg->nleaders == HEARTBEAT_MAX_LEADERS) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many leaders");
			return -EINVAL;
		}
		for (i = 0; i < cfg->nleaders; i++) {
			if (cfg->leaders[i] == id) {
				NL_SET_ERR_MSG_ATTR(extack, attr,
						    "leader id given twice");
				return -EINVAL;
			}
		}
		cfg->leaders[cfg->nleaders++] = id;
	}
	cfg->has_leaders = true;
	return 0;
}

/* The cluster attributes of NODE_SET, already validated by the policy. */
static int hb_nl_node_cluster_cfg(struct genl_info *info,
				  struct hb_node_cfg *cfg)
{
	struct nlattr **attrs = info->attrs;

	if (attrs[HB_A_NODE_MODE]) {
		cfg->has_mode = true;
		cfg->mode = nla_get_u8(attrs[HB_A_NODE_MODE]);
	}
	if (attrs[HB_A_NODE_LEARN]) {
		cfg->has_learn = true;
		cfg->learn = nla_get_u8(attrs[HB_A_NODE_LEARN]);
	}
	if (attrs[HB_A_NODE_MONITORS]) {
		cfg->has_monitors = true;
		cfg->monitors = nla_get_u8(attrs[HB_A_NODE_MONITORS]);
	}
	if (attrs[HB_A_NODE_INTERVAL_US]) {
		cfg->has_interval = true;
		cfg->interval_us = nla_get_u32(attrs[HB_A_NODE_INTERVAL_US]);
	}
	if (attrs[HB_A_NODE_MULTIPLIER]) {
		cfg->has_multiplier = true;
		cfg->multiplier = nla_get_u8(attrs[HB_A_NODE_MULTIPLIER]);
	}
	if (attrs[HB_A_NODE_LEARN_LIMIT]) {
		cfg->has_learn_limit = true;
		cfg->learn_limit = nla_get_u32(attrs[HB_A_NODE_LEARN_LIMIT]);
	}
	if (attrs[HB_A_NODE_LEARN_AGE_MS]) {
		cfg->has_learn_age = true;
		cfg->learn_age_ms = nla_get_u32(attrs[HB_A_NODE_LEARN_AGE_MS]);
	}
	if (attrs[HB_A_NODE_AUTH]) {
		cfg->has_auth = true;
		cfg->auth = nla_get_u8(attrs[HB_A_NODE_AUTH]);
	}
	cfg->restart = nla_get_flag(attrs[HB_A_NODE_RESTART]);
	if (attrs[HB_A_NODE_MAX_DETECT_MS]) {
		cfg->has_max_detect = true;
		cfg->max_detect_ms =
			nla_get_u32(attrs[HB_A_NODE_MAX_DETECT_MS]);
	}
	if (attrs[HB_A_NODE_DSCP]) {
		cfg->has_dscp = true;
		cfg->dscp = nla_get_u8(attrs[HB_A_NODE_DSCP]);
	}
	if (attrs[HB_A_NODE_LEADERS])
		return hb_nl_parse_leaders(attrs[HB_A_NODE_LEADERS], cfg,
					   info->extack);
	return 0;
}

static int hb_nl_node_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hb_net *hn = hb_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	struct hb_node_cfg cfg = {};
	int ret;

	if (attrs[HB_A_NODE_ID]) {
		cfg.has_id = true;
		cfg.id = nla_get_u32(attrs[HB_A_NODE_ID]);
	}
	if (attrs[HB_A_NODE_PORT]) {
		cfg.has_port = true;
		cfg.port = nla_get_u16(attrs[HB_A_NODE_PORT]);
	}
	if (attrs[HB_A_NODE_CLUSTER]) {
		cfg.has_cluster = true;
		cfg.cluster = nla_get_u32(attrs[HB_A_NODE_CLUSTER]);
	}
	ret = hb_nl_node_cluster_cfg(info, &cfg);
	if (ret)
		return ret;

	mutex_lock(&hn->lock);
	if (hb_nl_dying(hn, info->extack))
		ret = -ENODEV;
	else
		ret = hb_node_set(hn, &cfg, info->extack);
	mutex_unlock(&hn->lock);
	return ret;
}

/**
 * hb_nl_parse_peer() - parse the HB_A_PEER nest of a peer request
 * @info: the request
 * @policy: the nest policy of the command
 * @tb: receives the nest's attributes (HB_PEER_A_MAX + 1 entries)
 *
 * Return: 0 with tb[HB_PEER_A_ID] set, or -EINVAL with an extack message.
 */
static int hb_nl_parse_peer(struct genl_info *info,
			    const struct nla_policy *policy,
			    struct nlattr **tb)
{
	struct nlattr *nest = info->attrs[HB_A_PEER];
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, HB_A_PEER)) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing peer attributes");
		return -EINVAL;
	}

	ret = nla_parse_nested(tb, HB_PEER_A_MAX, nest, policy, info->extack);
	if (ret)
		return ret;

	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, HB_PEER_A_ID)) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing peer id");
		return -EINVAL;
	}
	return 0;
}

static int hb_nl_parse_addr4(const struct nlattr *attr, struct hb_addr *addr,
			     struct netlink_ext_ack *extack)
{
	__be32 a = nla_get_in_addr(attr);

	if (ipv4_is_zeronet(a)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "peer address is unspecified");
		return -EINVAL;
	}
	if (ipv4_is_multicast(a)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "peer address is multicast");
		return -EINVAL;
	}
	if (ipv4_is_lbcast(a)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "peer address is broadcast");
		return -EINVAL;
	}

	addr->family = AF_INET;
	addr->v4.s_addr = a;
	return 0;
}

static int hb_nl_parse_addr6(const struct nlattr *attr, struct hb_addr *addr,
			     struct netlink_ext_ack *extack)
{
	struct in6_addr a = nla_get_in6_addr(attr);

	if (ipv6_addr_any(&a)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "peer address is unspecified");
		return -EINVAL;
	}
	if (ipv6_addr_is_multicast(&a)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "peer address is multicast");
		return -EINVAL;
	}
	/* Its frames would arrive on the IPv4 socket, from an IPv4 source. */
	if (ipv6_addr_v4mapped(&a)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "IPv4-mapped peer address: use HB_PEER_A_ADDR4");
		return -EINVAL;
	}
	/* There is no attribute for the interface it would need. */
	if (ipv6_addr_type(&a) & IPV6_ADDR_LINKLOCAL) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "link-local peer addresses are not supported");
		return -EINVAL;
	}

	addr->family = AF_INET6;
	addr->v6 = a;
	return 0;
}

/**
 * hb_nl_peer_cfg() - translate a parsed peer nest into a struct hb_peer_cfg
 * @tb: the nest's attributes, validated by hb_peer_cfg_policy
 * @cfg: the result
 * @extack: where to report errors
 *
 * Return: 0, or -EINVAL with an extack message pointing at the attribute.
 */
static int hb_nl_peer_cfg(struct nlattr **tb, struct hb_peer_cfg *cfg,
			  struct netlink_ext_ack *extack)
{
	int ret = 0;

	/* Zeroed as a whole: cfg->addr is hashed and compared as bytes. */
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = nla_get_u32(tb[HB_PEER_A_ID]);

	if (tb[HB_PEER_A_ADDR4] && tb[HB_PEER_A_ADDR6]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[HB_PEER_A_ADDR6],
				    "give an IPv4 or an IPv6 peer address, not both");
		return -EINVAL;
	}
	if (tb[HB_PEER_A_ADDR4]) {
		ret = hb_nl_parse_addr4(tb[HB_PEER_A_ADDR4], &cfg->addr,
					extack);
		cfg->has_addr = true;
	} else if (tb[HB_PEER_A_ADDR6]) {
		ret = hb_nl_parse_addr6(tb[HB_PEER_A_ADDR6], &cfg->addr,
					extack);
		cfg->has_addr = true;
	}
	if (ret)
		return ret;

	if (tb[HB_PEER_A_PORT]) {
		cfg->has_port = true;
		cfg->port = nla_get_u16(tb[HB_PEER_A_PORT]);
	}
	if (tb[HB_PEER_A_INTERVAL_US]) {
		cfg->has_interval = true;
		cfg->interval_us = nla_get_u32(tb[HB_PEER_A_INTERVAL_US]);
	}
	if (tb[HB_PEER_A_MULTIPLIER]) {
		cfg->has_multiplier = true;
		cfg->multiplier = nla_get_u8(tb[HB_PEER_A_MULTIPLIER]);
	}
	return 0;
}

/**
 * hb_nl_peer_exists() - check that a request names a configured peer
 * @hn: the instance
 * @id_attr: the HB_PEER_A_ID attribute of the request
 * @extack: where to report an unknown id
 *
 * Context: hn->lock held, so the answer stays true until it is released.
 * Return: true if the peer exists.
 */
static bool hb_nl_peer_exists(struct hb_net *hn, const struct nlattr *id_attr,
			      struct netlink_ext_ack *extack)
{
	bool found;

	lockdep_assert_held(&hn->lock);

	rcu_read_lock();
	found = hb_peer_lookup(hn, nla_get_u32(id_attr));
	rcu_read_unlock();
	if (!found)
		NL_SET_ERR_MSG_ATTR(extack, id_attr, "no such peer");
	return found;
}

/**
 * hb_nl_peer_known() - answer a PEER_ADD of an id that already exists
 * @hn: the instance
 * @cfg: the request
 * @extack: where to say what differs
 *
 * Adding a peer again with the settings it has is not an error, so that a
 * script (or a configuration applied twice) can add its peers without
 * looking first.  Settings left out of the request are compared with the
 * defaults PEER_ADD would use.
 *
 * Context: hn->lock held (a configured peer changes only under it).
 * Return: 1 when no peer has the id, 0 when it exists with the same
 * settings, or -EEXIST with a message naming the first difference.
 */
static int hb_nl_peer_known(struct hb_net *hn, const struct hb_peer_cfg *cfg,
			    struct netlink_ext_ack *extack)
{
	u16 port = cfg->has_port ? cfg->port : HEARTBEAT_DEFAULT_PORT;
	u32 interval = cfg->has_interval ? cfg->interval_us :
		       HEARTBEAT_DEFAULT_INTERVAL_US;
	u8 mult = cfg->has_multiplier ? cfg->multiplier :
		  HEARTBEAT_DEFAULT_MULTIPLIER;
	struct hb_peer *peer;
	int ret = -EEXIST;

	lockdep_assert_held(&hn->lock);

	rcu_read_lock();
	peer = hb_peer_lookup(hn, cfg->id);
	if (!peer)
		ret = 1;
	else if (peer->origin != HB_ORIGIN_CONFIGURED)
		NL_SET_ERR_MSG_MOD(extack,
				   "peer id already exists, learned and not configured");
	else if (peer->addr.family != cfg->addr.family ||
		 (cfg->addr.family == AF_INET ?
		  peer->addr.v4.s_addr != cfg->addr.v4.s_addr :
		  !ipv6_addr_equal(&peer->addr.v6, &cfg->addr.v6)))
		NL_SET_ERR_MSG_MOD(extack,
				   "peer id already exists with another address");
	else if (ntohs(peer->addr.port) != port)
		NL_SET_ERR_MSG_MOD(extack,
				   "peer id already exists with another port");
	else if (peer->interval_us != interval)
		NL_SET_ERR_MSG_MOD(extack,
				   "peer id already exists with another interval");
	else if (peer->multiplier != mult)
		NL_SET_ERR_MSG_MOD(extack,
				   "peer id already exists with another multiplier");
	else
		ret = 0;
	rcu_read_unlock();
	return ret;
}

static int hb_nl_peer_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hb_net *hn = hb_net(genl_info_net(info));
	struct nlattr *tb[HB_PEER_A_MAX + 1];
	struct hb_peer_cfg cfg;
	int ret;

	ret = hb_nl_parse_peer(info, hb_peer_cfg_policy, tb);
	if (ret)
		return ret;
	ret = hb_nl_peer_cfg(tb, &cfg, info->extack);
	if (ret)
		return ret;
	if (!cfg.has_addr) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HB_A_PEER],
				    "peer address is required");
		return -EINVAL;
	}

	mutex_lock(&hn->lock);
	if (hb_nl_dying(hn, info->extack))
		ret = -ENODEV;
	else if (!hn->configured)
		ret = hb_peer_create(hn, &cfg, info->extack);
	else
		ret = hb_nl_peer_known(hn, &cfg, info->extack);
	if (ret > 0)
		ret = hb_peer_create(hn, &cfg, info->extack);
	mutex_unlock(&hn->lock);
	return ret;
}

static int hb_nl_peer_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hb_net *hn = hb_net(genl_info_net(info));
	struct nlattr *tb[HB_PEER_A_MAX + 1];
	struct hb_peer_cfg cfg;
	int ret;

	ret = hb_nl_parse_peer(info, hb_peer_cfg_policy, tb);
	if (ret)
		return ret;
	ret = hb_nl_peer_cfg(tb, &cfg, info->extack);
	if (ret)
		return ret;

	mutex_lock(&hn->lock);
	if (hb_nl_dying(hn, info->extack))
		ret = -ENODEV;
	else if (!hb_nl_peer_exists(hn, tb[HB_PEER_A_ID], info->extack))
		ret = -ENOENT;
	else
		ret = hb_peer_update(hn, &cfg, info->extack);
	mutex_unlock(&hn->lock);
	return ret;
}

static int hb_nl_peer_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hb_net *hn = hb_net(genl_info_net(info));
	struct nlattr *tb[HB_PEER_A_MAX + 1];
	int ret;

	ret = hb_nl_parse_peer(info, hb_peer_id_policy, tb);
	if (ret)
		return ret;

	mutex_lock(&hn->lock);
	if (hb_nl_dying(hn, info->extack))
		ret = -ENODEV;
	else if (!hb_nl_peer_exists(hn, tb[HB_PEER_A_ID], info->extack))
		ret = -ENOENT;
	else
		ret = hb_peer_remove(hn, nla_get_u32(tb[HB_PEER_A_ID]),
				     info->extack);
	mutex_unlock(&hn->lock);
	return ret;
}

static size_t hb_nl_peer_size(void)
{
	return nla_total_size(0) +			/* HB_A_PEER */
	       nla_total_size(sizeof(u32)) +		/* ID */
	       nla_total_size(sizeof(struct in6_addr)) + /* ADDR4 or ADDR6 */
	       nla_total_size(sizeof(u16)) +		/* PORT */
	       nla_total_size(sizeof(u32)) +		/* INTERVAL_US */
	       nla_total_size(sizeof(u8)) +		/* MULTIPLIER */
	       nla_total_size(sizeof(u8)) +		/* STATE */
	       nla_total_size_64bit(sizeof(u64)) +	/* LAST_SEEN_MS */
	       nla_total_size_64bit(sizeof(u64)) +	/* TX */
	       nla_total_size_64bit(sizeof(u64)) +	/* RX */
	       nla_total_size_64bit(sizeof(u64)) +	/* DROPPED */
	       nla_total_size_64bit(sizeof(u64)) +	/* LOST */
	       nla_total_size(sizeof(u32)) +		/* RTT_US */
	       nla_total_size(sizeof(u32)) +		/* RTTVAR_US */
	       nla_total_size(sizeof(u32)) +		/* STATE_CHANGES */
	       nla_total_size(sizeof(u32)) +		/* REMOTE_INTERVAL_US */
	       nla_total_size(sizeof(u8)) +		/* REMOTE_MULTIPLIER */
	       nla_total_size_64bit(sizeof(u64)) +	/* REMOTE_INCARNATION */
	       nla_total_size_64bit(sizeof(u64)) +	/* DETECT_US */
	       nla_total_size_64bit(sizeof(u64)) +	/* TX_ERRORS */
	       nla_total_size(sizeof(u8)) +		/* ORIGIN */
	       nla_total_size(sizeof(u32)) +		/* ROLES */
	       nla_total_size(sizeof(u8)) +		/* SOURCE */
	       nla_total_size(sizeof(u8)) +		/* CONFIRMATIONS */
	       nla_total_size(sizeof(u8)) +		/* MONITORS */
	       nla_total_size(sizeof(u32)) +		/* EPOCH */
	       nla_total_size_64bit(sizeof(u64)) +	/* LAST_CHANGE_MS */
	       nla_total_size(sizeof(u8));		/* CHANGE_REASON */
}

/*
 * An endpoint as three attributes of a nest: the address as @attr4 or
 * @attr6 (by family), and the port (host byte order) as @attr_port.
 */
static int hb_nl_put_endpoint(struct sk_buff *skb, const struct hb_addr *addr,
			      int attr4, int attr6, int attr_port)
{
	int err = 0;

	if (addr->family == AF_INET)
		err = nla_put_in_addr(skb, attr4, addr->v4.s_addr);
	else if (addr->family == AF_INET6)
		err = nla_put_in6_addr(skb, attr6, &addr->v6);
	return err ?: nla_put_u16(skb, attr_port, ntohs(addr->port));
}

/**
 * hb_nl_put_peer() - add an HB_A_PEER nest describing a peer
 * @skb: message being built
 * @pi: snapshot of the peer (hb_peer_snapshot())
 *
 * HB_PEER_A_LAST_SEEN_MS is only present once a frame was received, and
 * HB_PEER_A_RTT_US / HB_PEER_A_RTTVAR_US once a round trip time was measured.
 *
 * Return: 0, or -EMSGSIZE when @skb is full (the nest is then removed).
 */
static int hb_nl_put_peer(struct sk_buff *skb, const struct hb_peer_info *pi)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, HB_A_PEER);
	if (!nest)
		return -EMSGSIZE;

	if (nla_put_u32(skb, HB_PEER_A_ID, pi->id) ||
	    hb_nl_put_endpoint(skb, &pi->addr, HB_PEER_A_ADDR4,
			       HB_PEER_A_ADDR6, HB_PEER_A_PORT) ||
	    nla_put_u32(skb, HB_PEER_A_INTERVAL_US, pi->interval_us) ||
	    nla_put_u8(skb, HB_PEER_A_MULTIPLIER, pi->multiplier) ||
	    nla_put_u8(skb, HB_PEER_A_STATE, pi->state) ||
	    nla_put_u64_64bit(skb, HB_PEER_A_TX, pi->tx, HB_PEER_A_PAD) ||
	    nla_put_u64_64bit(skb, HB_PEER_A_RX, pi->rx, HB_PEER_A_PAD) ||
	    nla_put_u64_64bit(skb, HB_PEER_A_DROPPED, pi->dropped,
			      HB_PEER_A_PAD) ||
	    nla_put_u64_64bit(skb, HB_PEER_A_LOST, pi->lost, HB_PEER_A_PAD) ||
	    nla_put_u32(skb, HB_PEER_A_STATE_CHANGES, pi->state_changes) ||
	    nla_put_u32(skb, HB_PEER_A_REMOTE_INTERVAL_US,
			pi->remote_interval_us) ||
	    nla_put_u8(skb, HB_PEER_A_REMOTE_MULTIPLIER,
		       pi->remote_multiplier) ||
	    nla_put_u64_64bit(skb, HB_PEER_A_REMOTE_INCARNATION,
			      pi->remote_incarnation, HB_PEER_A_PAD) ||
	    nla_put_u64_64bit(skb, HB_PEER_A_DETECT_US, pi->detect_us,
			      HB_PEER_A_PAD) ||
	    nla_put_u64_64bit(skb, HB_PEER_A_TX_ERRORS, pi->tx_errors,
			      HB_PEER_A_PAD) ||
	    nla_put_u8(skb, HB_PEER_A_ORIGIN, pi->origin) ||
	    nla_put_u32(skb, HB_PEER_A_ROLES, pi->roles) ||
	    nla_put_u8(skb, HB_PEER_A_SOURCE, pi->source) ||
	    nla_put_u32(skb, HB_PEER_A_EPOCH, pi->epoch))
		goto err_cancel;

	if (pi->monitors &&
	    (nla_put_u8(skb, HB_PEER_A_CONFIRMATIONS, pi->confirmations) ||
	     nla_put_u8(skb, HB_PEER_A_MONITORS, pi->monitors)))
		goto err_cancel;

	if (pi->rx_valid &&
	    nla_put_u64_64bit(skb, HB_PEER_A_LAST_SEEN_MS, pi->last_seen_ms,
			      HB_PEER_A_PAD))
		goto err_cancel;

	if (pi->state_changes &&
	    (nla_put_u64_64bit(skb, HB_PEER_A_LAST_CHANGE_MS,
			       pi->last_change_ms, HB_PEER_A_PAD) ||
	     nla_put_u8(skb, HB_PEER_A_CHANGE_REASON, pi->change_reason)))
		goto err_cancel;

	if (pi->srtt_us &&
	    (nla_put_u32(skb, HB_PEER_A_RTT_US, pi->srtt_us) ||
	     nla_put_u32(skb, HB_PEER_A_RTTVAR_US, pi->rttvar_us)))
		goto err_cancel;

	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int hb_nl_peer_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hb_net *hn = hb_net(genl_info_net(info));
	struct nlattr *tb[HB_PEER_A_MAX + 1];
	struct hb_peer_info pi;
	struct hb_peer *peer;
	struct sk_buff *msg;
	bool found = false;
	void *hdr;
	int ret;

	ret = hb_nl_parse_peer(info, hb_peer_id_policy, tb);
	if (ret)
		return ret;

	rcu_read_lock();
	peer = hb_peer_lookup(hn, nla_get_u32(tb[HB_PEER_A_ID]));
	if (peer) {
		hb_peer_snapshot(peer, &pi);
		found = true;
	}
	rcu_read_unlock();
	if (!found) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[HB_PEER_A_ID],
				    "no such peer");
		return -ENOENT;
	}

	msg = genlmsg_new(hb_nl_peer_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &hb_genl_family, 0,
				HB_CMD_PEER_GET);
	if (!hdr || hb_nl_put_peer(msg, &pi)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/**
 * struct hb_peer_dump_ctx - where a PEER_GET dump resumes, in cb->ctx
 * @idx: number of peers dumped so far
 * @last_id: id of the last peer dumped, 0 before the first
 *
 * A dump resumes after the peer @last_id, found through the id table in
 * constant time.  If that peer was removed meanwhile, it resumes at the
 * @idx-th peer of the list instead; either way the peer set changed, so
 * the generation check flags the dump with NLM_F_DUMP_INTR.
 */
struct hb_peer_dump_ctx {
	unsigned long idx;
	u32 last_id;
};

static_assert(sizeof(struct hb_peer_dump_ctx) <=
	      sizeof_field(struct netlink_callback, ctx));

/**
 * hb_nl_peer_dump_resume() - find the first peer a dump call should send
 * @hn: the instance
 * @ctx: the dump's position
 *
 * Context: rcu_read_lock() held.
 * Return: the peer, or NULL when every peer was dumped.
 */
static struct hb_peer *hb_nl_peer_dump_resume(struct hb_net *hn,
					      const struct hb_peer_dump_ctx *ctx)
{
	struct hb_peer *peer;
	unsigned long i = 0;

	if (ctx->last_id) {
		/*
		 * Even if it was unlinked since, a peer found here is still
		 * valid memory and its list.next still leads to the rest of
		 * the list, as with any RCU list walk.
		 */
		peer = hb_peer_lookup(hn, ctx->last_id);
		if (peer)
			return list_next_or_null_rcu(&hn->peers, &peer->list,
						     struct hb_peer, list);
	}

	list_for_each_entry_rcu(peer, &hn->peers, list)
		if (i++ == ctx->idx)
			return peer;
	return NULL;
}

/**
 * hb_nl_peer_dump_one() - add one PEER_GET dump message
 * @skb: the dump skb
 * @cb: the dump
 * @pi: the peer
 *
 * Return: 0, or -EMSGSIZE when @skb is full (nothing is left of the message).
 */
static int hb_nl_peer_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			       const struct hb_peer_info *pi)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &hb_genl_family, NLM_F_MULTI, HB_CMD_PEER_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (hb_nl_put_peer(skb, pi)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int hb_nl_peer_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct hb_peer_dump_ctx *ctx = (struct hb_peer_dump_ctx *)cb->ctx;
	struct nlattr **attrs = hb_dumpit_attrs(genl_dumpit_info(cb));
	struct hb_net *hn = hb_net(sock_net(skb->sk));
	struct hb_peer_info pi;
	struct hb_peer *peer;
	int ret = 0;

	/*
	 * The policy of PEER_GET is the one of its doit; a dump takes no
	 * attributes.  Checked on the first call, whose error (and message)
	 * ends the dump.
	 */
	if (!ctx->idx && attrs && attrs[HB_A_PEER]) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attrs[HB_A_PEER],
				    "a peer dump takes no attributes");
		return -EINVAL;
	}

	/*
	 * Every message of this call is checked against the generation read
	 * here.  Plus one: 0 would disable the check, and a new namespace
	 * starts at generation 0.
	 */
	cb->seq = READ_ONCE(hn->gen) + 1;

	rcu_read_lock();
	peer = hb_nl_peer_dump_resume(hn, ctx);
	if (peer) {
		list_for_each_entry_from_rcu(peer, &hn->peers, list) {
			hb_peer_snapshot(peer, &pi);
			ret = hb_nl_peer_dump_one(skb, cb, &pi);
			if (ret)
				break;
			ctx->idx++;
			ctx->last_id = pi.id;
		}
	}
	rcu_read_unlock();

	/* All dumped: 0 ends the dump (NLMSG_DONE follows in this skb). */
	if (!ret)
		return 0;
	/* @skb is full: come back for the rest. */
	if (skb->len)
		return skb->len;
	/* A single peer does not fit an empty skb: never true, never loop. */
	return ret;
}

/*
 * Per-command policies; with resv_start_op left at 0 every command is
 * validated strictly, reserved header fields and flags included, and a
 * command without a policy (NODE_GET) rejects every attribute.  Note that
 * 6.1 has no split ops: the dump of PEER_GET shares the doit's policy.
 */
/* Parse the HB_A_KEY nest of a key request: 0 with tb[HB_KEY_A_ID] set. */
static int hb_nl_parse_key(struct genl_info *info,
			   const struct nla_policy *policy, struct nlattr **tb)
{
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, HB_A_KEY)) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing key attributes");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, HB_KEY_A_MAX, info->attrs[HB_A_KEY], policy,
			       info->extack);
	if (ret)
		return ret;
	if (!tb[HB_KEY_A_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HB_A_KEY],
				    "key id is required");
		return -EINVAL;
	}
	return 0;
}

static int hb_nl_key_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hb_net *hn = hb_net(genl_info_net(info));
	struct nlattr *tb[HB_KEY_A_MAX + 1];
	int ret;

	ret = hb_nl_parse_key(info, hb_key_add_policy, tb);
	if (ret)
		return ret;
	if (!tb[HB_KEY_A_SECRET]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HB_A_KEY],
				    "key secret is required");
		return -EINVAL;
	}

	mutex_lock(&hn->lock);
	if (hb_nl_dying(hn, info->extack))
		ret = -ENODEV;
	else
		ret = hb_key_add(hn, nla_get_u8(tb[HB_KEY_A_ID]),
				 nla_data(tb[HB_KEY_A_SECRET]),
				 nla_get_flag(tb[HB_KEY_A_PRIMARY]),
				 info->extack);
	mutex_unlock(&hn->lock);
	/* The transform has its own copy: post_doit wipes the request's. */
	return ret;
}

static int hb_nl_key_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hb_net *hn = hb_net(genl_info_net(info));
	struct nlattr *tb[HB_KEY_A_MAX + 1];
	int ret;

	ret = hb_nl_parse_key(info, hb_key_id_policy, tb);
	if (ret)
		return ret;
	if (!tb[HB_KEY_A_PRIMARY]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HB_A_KEY],
				    "nothing to set (only primary can be)");
		return -EINVAL;
	}

	mutex_lock(&hn->lock);
	if (hb_nl_dying(hn, info->extack))
		ret = -ENODEV;
	else
		ret = hb_key_set_primary(hn, nla_get_u8(tb[HB_KEY_A_ID]),
					 info->extack);
	mutex_unlock(&hn->lock);
	return ret;
}

static int hb_nl_key_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hb_net *hn = hb_net(genl_info_net(info));
	struct nlattr *tb[HB_KEY_A_MAX + 1];
	int ret;

	ret = hb_nl_parse_key(info, hb_key_id_policy, tb);
	if (ret)
		return ret;
	if (tb[HB_KEY_A_PRIMARY]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[HB_KEY_A_PRIMARY],
				    "primary is not taken when deleting a key");
		return -EINVAL;
	}

	mutex_lock(&hn->lock);
	if (hb_nl_dying(hn, info->extack))
		ret = -ENODEV;
	else
		ret = hb_key_del(hn, nla_get_u8(tb[HB_KEY_A_ID]), info->extack);
	mutex_unlock(&hn->lock);
	return ret;
}

/* One message per key; cb->args[0] is the next slot to look at. */
static int hb_nl_key_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct hb_net *hn = hb_net(sock_net(skb->sk));
	unsigned long slot = cb->args[0];
	bool primary = false;
	struct nlattr *nest;
	u64 rx = 0, tx = 0;
	void *hdr;
	u8 id;

	for (; slot < HEARTBEAT_MAX_KEYS; slot++) {
		rcu_read_lock();
		hb_auth_fill_key(hn, slot, &id, &primary, &rx, &tx);
		rcu_read_unlock();
		if (!id)
			continue;

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &hb_genl_family,
				  NLM_F_MULTI, HB_CMD_KEY_GET);
		if (!hdr)
			break;
		nest = nla_nest_start(skb, HB_A_KEY);
		if (!nest ||
		    nla_put_u8(skb, HB_KEY_A_ID, id) ||
		    (primary && nla_put_flag(skb, HB_KEY_A_PRIMARY)) ||
		    nla_put_u64_64bit(skb, HB_KEY_A_RX, rx, HB_KEY_A_PAD) ||
		    nla_put_u64_64bit(skb, HB_KEY_A_TX, tx, HB_KEY_A_PAD)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		nla_nest_end(skb, nest);
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = slot;
	return skb->len;
}

/* Wipe every attribute of the request: a secret may be anywhere in it. */
static void hb_nl_wipe(struct genl_info *info)
{
	memzero_explicit(genlmsg_data(info->genlhdr),
			 genlmsg_len(info->genlhdr));
}

/**
 * hb_nl_pre_doit() - check a request that may carry a secret
 * @ops: the command
 * @skb: the request
 * @info: the request, parsed against hb_secret_pass_policy
 *
 * For HB_NL_SECRET commands: CAP_NET_ADMIN over the user namespace that
 * owns the network namespace (as GENL_UNS_ADMIN_PERM would check), then
 * the command's real policy, strictly.  A request refused here is wiped.
 *
 * Return: 0, -EPERM, or the validation error.
 */
static int hb_nl_pre_doit(const struct genl_split_ops *ops,
			  struct sk_buff *skb, struct genl_info *info)
{
	const struct nla_policy *policy;
	int ret;

	if (!(ops->internal_flags & HB_NL_SECRET))
		return 0;

	if (!netlink_ns_capable(skb, genl_info_net(info)->user_ns,
				CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "CAP_NET_ADMIN is needed to change keys");
		ret = -EPERM;
		goto wipe;
	}
	policy = ops->cmd == HB_CMD_KEY_ADD ? hb_key_add_req_policy :
					      hb_key_id_req_policy;
	ret = nla_validate(genlmsg_data(info->genlhdr),
			   genlmsg_len(info->genlhdr), HB_A_MAX, policy,
			   info->extack);
	if (!ret)
		return 0;
wipe:
	hb_nl_wipe(info);
	return ret;
}

/* After the handler of a request that may carry a secret: wipe it. */
static void hb_nl_post_doit(const struct genl_split_ops *ops,
			    struct sk_buff *skb, struct genl_info *info)
{
	if (ops->internal_flags & HB_NL_SECRET)
		hb_nl_wipe(info);
}

/*
 * KEY_ADD, KEY_SET and KEY_DEL need CAP_NET_ADMIN like every other change,
 * but it is checked in hb_nl_pre_doit(), which can wipe a refused request.
 */
static const struct genl_ops hb_genl_ops[] = {
	{
		.cmd		= HB_CMD_NODE_GET,
		.doit		= hb_nl_node_get_doit,
	},
	{
		.cmd		= HB_CMD_NODE_SET,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= hb_node_set_policy,
		.maxattr	= ARRAY_SIZE(hb_node_set_policy) - 1,
		.doit		= hb_nl_node_set_doit,
	},
	{
		.cmd		= HB_CMD_PEER_ADD,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= hb_peer_cfg_req_policy,
		.maxattr	= ARRAY_SIZE(hb_peer_cfg_req_policy) - 1,
		.doit		= hb_nl_peer_add_doit,
	},
	{
		.cmd		= HB_CMD_PEER_SET,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= hb_peer_cfg_req_policy,
		.maxattr	= ARRAY_SIZE(hb_peer_cfg_req_policy) - 1,
		.doit		= hb_nl_peer_set_doit,
	},
	{
		.cmd		= HB_CMD_PEER_DEL,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= hb_peer_id_req_policy,
		.maxattr	= ARRAY_SIZE(hb_peer_id_req_policy) - 1,
		.doit		= hb_nl_peer_del_doit,
	},
	{
		.cmd		= HB_CMD_PEER_GET,
		.policy		= hb_peer_id_req_policy,
		.maxattr	= ARRAY_SIZE(hb_peer_id_req_policy) - 1,
		.doit		= hb_nl_peer_get_doit,
		.dumpit		= hb_nl_peer_dumpit,
	},
	{
		.cmd		= HB_CMD_KEY_ADD,
		.internal_flags	= HB_NL_SECRET,
		.policy		= hb_secret_pass_policy,
		.maxattr	= ARRAY_SIZE(hb_secret_pass_policy) - 1,
		.doit		= hb_nl_key_add_doit,
	},
	{
		.cmd		= HB_CMD_KEY_SET,
		.internal_flags	= HB_NL_SECRET,
		.policy		= hb_secret_pass_policy,
		.maxattr	= ARRAY_SIZE(hb_secret_pass_policy) - 1,
		.doit		= hb_nl_key_set_doit,
	},
	{
		.cmd		= HB_CMD_KEY_DEL,
		.internal_flags	= HB_NL_SECRET,
		.policy		= hb_secret_pass_policy,
		.maxattr	= ARRAY_SIZE(hb_secret_pass_policy) - 1,
		.doit		= hb_nl_key_del_doit,
	},
	{
		.cmd		= HB_CMD_KEY_GET,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= hb_no_attr_policy,
		.maxattr	= ARRAY_SIZE(hb_no_attr_policy) - 1,
		.dumpit		= hb_nl_key_dumpit,
	},
};

static const struct genl_multicast_group hb_genl_mcgrps[] = {
	[HB_MCGRP_EVENTS] = { .name = HEARTBEAT_MCGRP_EVENTS },
};

/*
 * parallel_ops: handlers serialise on their namespace's hn->lock and read
 * under RCU, so the global genl_mutex would only make namespaces wait for
 * each other (and for every other non-parallel family).
 */
static struct genl_family hb_genl_family __ro_after_init = {
	.name		= HEARTBEAT_GENL_NAME,
	.version	= HEARTBEAT_GENL_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.pre_doit	= hb_nl_pre_doit,
	.post_doit	= hb_nl_post_doit,
	.module		= THIS_MODULE,
	.ops		= hb_genl_ops,
	.n_ops		= ARRAY_SIZE(hb_genl_ops),
	.mcgrps		= hb_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(hb_genl_mcgrps),
};

static size_t hb_nl_event_size(void)
{
	return nla_total_size(0) +			/* HB_A_EVENT */
	       nla_total_size_64bit(sizeof(u64)) +	/* SEQ */
	       nla_total_size(sizeof(u8)) +		/* TYPE */
	       nla_total_size(sizeof(u32)) +		/* PEER_ID */
	       nla_total_size(sizeof(u8)) +		/* OLD_STATE */
	       nla_total_size(sizeof(u8)) +		/* STATE */
	       nla_total_size_64bit(sizeof(u64)) +	/* TIME_NS */
	       nla_total_size(sizeof(u8)) +		/* REASON */
	       nla_total_size_64bit(sizeof(u64)) +	/* DETECT_US */
	       nla_total_size_64bit(sizeof(u64)) +	/* INCARNATION */
	       6 * nla_total_size(sizeof(u8)) +	/* SOURCE ... MODE */
	       nla_total_size(sizeof(struct in6_addr)) + /* ADDR4 or ADDR6 */
	       nla_total_size(sizeof(u16));		/* PORT */
}

/**
 * hb_nl_event_build() - build an event notification without its sequence
 * @ev: the event
 * @seq_attr: receives HB_EVENT_A_SEQ, to be written once the number is known
 *
 * Context: any; allocates with GFP_ATOMIC.
 * Return: the message, or NULL when it could not be allocated.
 */
static struct sk_buff *hb_nl_event_build(const struct hb_event *ev,
					 struct nlattr **seq_attr)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(hb_nl_event_size(), GFP_ATOMIC);
	if (!msg)
		return NULL;
	hdr = genlmsg_put(msg, 0, 0, &hb_genl_family, 0, HB_CMD_EVENT);
	if (!hdr)
		goto err_free;
	nest = nla_nest_start(msg, HB_A_EVENT);
	if (!nest)
		goto err_free;

	*seq_attr = nla_reserve_64bit(msg, HB_EVENT_A_SEQ, sizeof(u64),
				      HB_EVENT_A_PAD);
	if (!*seq_attr)
		goto err_free;

	if (nla_put_u8(msg, HB_EVENT_A_TYPE, ev->type) ||
	    nla_put_u32(msg, HB_EVENT_A_PEER_ID, ev->peer_id) ||
	    nla_put_u8(msg, HB_EVENT_A_OLD_STATE, ev->old_state) ||
	    nla_put_u8(msg, HB_EVENT_A_STATE, ev->state) ||
	    nla_put_u64_64bit(msg, HB_EVENT_A_TIME_NS, ev->time_ns,
			      HB_EVENT_A_PAD) ||
	    nla_put_u8(msg, HB_EVENT_A_REASON, ev->reason))
		goto err_free;
	if (ev->detect_us &&
	    nla_put_u64_64bit(msg, HB_EVENT_A_DETECT_US, ev->detect_us,
			      HB_EVENT_A_PAD))
		goto err_free;
	if (ev->incarnation &&
	    nla_put_u64_64bit(msg, HB_EVENT_A_INCARNATION, ev->incarnation,
			      HB_EVENT_A_PAD))
		goto err_free;
	if (ev->type == HB_EVENT_STATE_CHANGE &&
	    nla_put_u8(msg, HB_EVENT_A_SOURCE, ev->source))
		goto err_free;
	if (ev->monitors &&
	    (nla_put_u8(msg, HB_EVENT_A_CONFIRMATIONS, ev->confirmations) ||
	     nla_put_u8(msg, HB_EVENT_A_MONITORS, ev->monitors)))
		goto err_free;
	if (ev->type == HB_EVENT_LEARNED &&
	    nla_put_u8(msg, HB_EVENT_A_ORIGIN, ev->origin))
		goto err_free;
	if (ev->type == HB_EVENT_MODE &&
	    (nla_put_u8(msg, HB_EVENT_A_OLD_MODE, ev->old_mode) ||
	     nla_put_u8(msg, HB_EVENT_A_MODE, ev->mode)))
		goto err_free;
	if (ev->type == HB_EVENT_MOVED &&
	    hb_nl_put_endpoint(msg, &ev->addr, HB_EVENT_A_ADDR4,
			       HB_EVENT_A_ADDR6, HB_EVENT_A_PORT))
		goto err_free;

	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return msg;

err_free:
	nlmsg_free(msg);
	return NULL;
}

/**
 * hb_genl_notify_event() - multicast an event to HEARTBEAT_MCGRP_EVENTS
 * @hn: the instance the event belongs to
 * @ev: the event
 *
 * Every event takes the next sequence number of @hn, listened to or not,
 * so that HB_A_NODE_EVENT_SEQ counts every event.  A listener therefore
 * sees a gap only when a notification could not be allocated (or its
 * socket overflowed, which it learns as ENOBUFS).  Numbering and sending
 * are done under one lock, so listeners receive events in sequence order.
 * The caller holds the lock under which the change the event reports was
 * made (peer->lock for a peer's), so that a peer's events are numbered, and
 * delivered, in the order of its changes even when a frame and a timer
 * change it on two CPUs at once.
 *
 * Context: any context up to softirq; never sleeps.  hb_event_lock nests
 * inside peer->lock.
 */
void hb_genl_notify_event(struct hb_net *hn, const struct hb_event *ev)
{
	struct nlattr *seq_attr = NULL;
	struct sk_buff *msg = NULL;
	u64 seq;

	rcu_read_lock();
	if (READ_ONCE(hb_genl_registered) &&
	    genl_has_listeners(&hb_genl_family, hn->net, HB_MCGRP_EVENTS) > 0)
		msg = hb_nl_event_build(ev, &seq_attr);

	if (!msg) {
		/* Nobody to keep in order: just count the event. */
		seq = hb_event_seq_next(hn);
		trace_hb_event(hn->net, ev, seq);
		goto out;
	}

	spin_lock_bh(&hb_event_lock);
	seq = hb_event_seq_next(hn);
	trace_hb_event(hn->net, ev, seq);
	memcpy(nla_data(seq_attr), &seq, sizeof(seq));
	genlmsg_multicast_netns(&hb_genl_family, hn->net, msg, 0,
				HB_MCGRP_EVENTS, GFP_ATOMIC);
	spin_unlock_bh(&hb_event_lock);
out:
	rcu_read_unlock();
}

/**
 * hb_genl_init() - register the generic netlink family
 *
 * Context: module init, after the pernet subsystem is registered (a
 * request may arrive as soon as this returns).
 * Return: 0, or a negative errno from genl_register_family().
 */
int hb_genl_init(void)
{
	int ret;

	ret = genl_register_family(&hb_genl_family);
	if (ret) {
		pr_err("cannot register generic netlink family: %d\n", ret);
		return ret;
	}
	WRITE_ONCE(hb_genl_registered, true);
	return 0;
}

/**
 * hb_genl_uninit() - unregister the generic netlink family
 *
 * Context: module exit, process context; sleeps.
 */
void hb_genl_uninit(void)
{
	/*
	 * Stop notifications and wait until none is being sent, so that an
	 * event raised while the module goes away never uses a family that
	 * is no longer registered.
	 */
	WRITE_ONCE(hb_genl_registered, false);
	synchronize_rcu();
	genl_unregister_family(&hb_genl_family);
}
