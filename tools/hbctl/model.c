// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: decode netlink attributes into the data model, name its enums, and
 * write its objects as JSON (the stable machine format, see hbctl(8)).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "model.h"
#include "nl.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static struct nla_policy hb_peer_policy[HB_PEER_A_MAX + 1] = {
	[HB_PEER_A_ID]			= HB_NLA_U32,
	[HB_PEER_A_ADDR4]		= HB_NLA_EXACT(NLA_UNSPEC, 4),
	[HB_PEER_A_ADDR6]		= HB_NLA_EXACT(NLA_UNSPEC, 16),
	[HB_PEER_A_PORT]		= HB_NLA_U16,
	[HB_PEER_A_INTERVAL_US]		= HB_NLA_U32,
	[HB_PEER_A_MULTIPLIER]		= HB_NLA_U8,
	[HB_PEER_A_STATE]		= HB_NLA_U8,
	[HB_PEER_A_LAST_SEEN_MS]	= HB_NLA_U64,
	[HB_PEER_A_TX]			= HB_NLA_U64,
	[HB_PEER_A_RX]			= HB_NLA_U64,
	[HB_PEER_A_DROPPED]		= HB_NLA_U64,
	[HB_PEER_A_LOST]		= HB_NLA_U64,
	[HB_PEER_A_RTT_US]		= HB_NLA_U32,
	[HB_PEER_A_RTTVAR_US]		= HB_NLA_U32,
	[HB_PEER_A_STATE_CHANGES]	= HB_NLA_U32,
	[HB_PEER_A_REMOTE_INTERVAL_US]	= HB_NLA_U32,
	[HB_PEER_A_REMOTE_MULTIPLIER]	= HB_NLA_U8,
	[HB_PEER_A_REMOTE_INCARNATION]	= HB_NLA_U64,
	[HB_PEER_A_DETECT_US]		= HB_NLA_U64,
	[HB_PEER_A_TX_ERRORS]		= HB_NLA_U64,
	[HB_PEER_A_ORIGIN]		= HB_NLA_U8,
	[HB_PEER_A_ROLES]		= HB_NLA_U32,
	[HB_PEER_A_SOURCE]		= HB_NLA_U8,
	[HB_PEER_A_CONFIRMATIONS]	= HB_NLA_U8,
	[HB_PEER_A_MONITORS]		= HB_NLA_U8,
	[HB_PEER_A_EPOCH]		= HB_NLA_U32,
	[HB_PEER_A_LAST_CHANGE_MS]	= HB_NLA_U64,
	[HB_PEER_A_CHANGE_REASON]	= HB_NLA_U8,
};

static struct nla_policy hb_event_policy[HB_EVENT_A_MAX + 1] = {
	[HB_EVENT_A_SEQ]		= HB_NLA_U64,
	[HB_EVENT_A_TYPE]		= HB_NLA_U8,
	[HB_EVENT_A_PEER_ID]		= HB_NLA_U32,
	[HB_EVENT_A_OLD_STATE]		= HB_NLA_U8,
	[HB_EVENT_A_STATE]		= HB_NLA_U8,
	[HB_EVENT_A_TIME_NS]		= HB_NLA_U64,
	[HB_EVENT_A_REASON]		= HB_NLA_U8,
	[HB_EVENT_A_DETECT_US]		= HB_NLA_U64,
	[HB_EVENT_A_INCARNATION]	= HB_NLA_U64,
	[HB_EVENT_A_SOURCE]		= HB_NLA_U8,
	[HB_EVENT_A_CONFIRMATIONS]	= HB_NLA_U8,
	[HB_EVENT_A_MONITORS]		= HB_NLA_U8,
	[HB_EVENT_A_ORIGIN]		= HB_NLA_U8,
	[HB_EVENT_A_OLD_MODE]		= HB_NLA_U8,
	[HB_EVENT_A_MODE]		= HB_NLA_U8,
	[HB_EVENT_A_ADDR4]		= HB_NLA_EXACT(NLA_UNSPEC, 4),
	[HB_EVENT_A_ADDR6]		= HB_NLA_EXACT(NLA_UNSPEC, 16),
	[HB_EVENT_A_PORT]		= HB_NLA_U16,
};

static struct nla_policy hb_key_policy[HB_KEY_A_MAX + 1] = {
	[HB_KEY_A_ID]			= HB_NLA_U8,
	[HB_KEY_A_PRIMARY]		= { .type = NLA_FLAG },
	[HB_KEY_A_RX]			= HB_NLA_U64,
	[HB_KEY_A_TX]			= HB_NLA_U64,
};

static struct nla_policy hb_list_policy[HB_LIST_A_MAX + 1] = {
	[HB_LIST_A_ID]			= HB_NLA_U32,
};

static const char *const state_names[__HB_STATE_MAX] = {
	[HB_STATE_UNKNOWN]	= "unknown",
	[HB_STATE_UP]		= "up",
	[HB_STATE_DOWN]		= "down",
};

static const char *const event_names[__HB_EVENT_MAX] = {
	[HB_EVENT_STATE_CHANGE]	= "state",
	[HB_EVENT_RESTARTED]	= "restarted",
	[HB_EVENT_LEARNED]	= "learned",
	[HB_EVENT_LEADER_LOST]	= "leader_lost",
	[HB_EVENT_MODE]		= "mode",
	[HB_EVENT_AUTH]		= "auth",
	[HB_EVENT_MOVED]	= "moved",
	[HB_EVENT_FORGOTTEN]	= "forgotten",
};

static const char *const reason_names[__HB_REASON_MAX] = {
	[HB_REASON_NONE]	= "none",
	[HB_REASON_FRAME]	= "frame",
	[HB_REASON_TIMEOUT]	= "timeout",
	[HB_REASON_INCARNATION]	= "incarnation",
	[HB_REASON_LEADER]	= "leader",
	[HB_REASON_PEERS]	= "peers",
	[HB_REASON_CONFIG]	= "config",
	[HB_REASON_LEADERS_DOWN] = "leaders_down",
	[HB_REASON_LEADER_UP]	= "leader_up",
	[HB_REASON_NO_KEY]	= "no_key",
};

static const char *const drop_names[__HB_DROP_MAX] = {
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

static const char *const obj_names[HB_NODE_OBJS] = {
	[HB_OBJ_NETS]		= "nets",
	[HB_OBJ_PEERS]		= "peers",
	[HB_OBJ_SOCKETS]	= "sockets",
	[HB_OBJ_KEYS]		= "keys",
};

static const char *const mode_names[__HB_MODE_MAX] = {
	[HB_MODE_STATIC]	= "static",
	[HB_MODE_LEADER]	= "leader",
	[HB_MODE_MEMBER]	= "member",
	[HB_MODE_LEADERLESS]	= "leaderless",
};

static const char *const origin_names[__HB_ORIGIN_MAX] = {
	[HB_ORIGIN_CONFIGURED]	= "configured",
	[HB_ORIGIN_LEARNED]	= "learned",
	[HB_ORIGIN_LEADER]	= "leader",
};

static const char *const source_names[__HB_SOURCE_MAX] = {
	[HB_SOURCE_NONE]	= "none",
	[HB_SOURCE_SELF]	= "self",
	[HB_SOURCE_LEADER]	= "leader",
	[HB_SOURCE_PEERS]	= "peers",
};

/* HB_ROLE_* bits, lowest first: JSON name and /proc letter. */
static const struct {
	uint32_t bit;
	const char *name;
	char letter;
} roles[] = {
	{ HB_ROLE_LEADER,	"leader",	'L' },
	{ HB_ROLE_TX,		"tx",		'T' },
	{ HB_ROLE_WATCH,	"watch",	'W' },
};

static const char *name_of(const char *const *names, size_t n,
			   unsigned int v)
{
	return v < n && names[v] ? names[v] : "invalid";
}

/**
 * hb_state_name() - name of an enum hb_peer_state value
 * @state: the value
 *
 * Return: "unknown", "up", "down", or "invalid" for any other value.
 */
const char *hb_state_name(unsigned int state)
{
	return name_of(state_names, ARRAY_SIZE(state_names), state);
}

/**
 * hb_event_name() - name of an enum hb_event_type value
 * @type: the value
 *
 * Return: "state", "restarted", "learned", "leader_lost", "mode", "auth",
 * "moved", or "invalid".
 */
const char *hb_event_name(unsigned int type)
{
	return name_of(event_names, ARRAY_SIZE(event_names), type);
}

/**
 * hb_reason_name() - name of an enum hb_event_reason value
 * @reason: the value
 *
 * Return: "none", "frame", "timeout", "incarnation", "leader", "peers",
 * "config", "leaders_down", "leader_up", "no_key", or "invalid".
 */
const char *hb_reason_name(unsigned int reason)
{
	return name_of(reason_names, ARRAY_SIZE(reason_names), reason);
}

/**
 * hb_drop_name() - JSON key of an enum hb_drop_reason value
 * @drop: the value
 *
 * Return: the name, or "invalid".
 */
const char *hb_drop_name(unsigned int drop)
{
	return name_of(drop_names, ARRAY_SIZE(drop_names), drop);
}

/**
 * hb_obj_name() - JSON key of an enum hb_obj value
 * @obj: the value
 *
 * Return: the name, or "invalid".
 */
const char *hb_obj_name(unsigned int obj)
{
	return name_of(obj_names, ARRAY_SIZE(obj_names), obj);
}

/**
 * hb_mode_name() - name of an enum hb_mode value
 * @mode: the value
 *
 * Return: "static", "leader", "member", "leaderless", or "invalid".
 */
const char *hb_mode_name(unsigned int mode)
{
	return name_of(mode_names, ARRAY_SIZE(mode_names), mode);
}

/**
 * hb_origin_name() - name of an enum hb_origin value
 * @origin: the value
 *
 * Return: "configured", "learned", "leader", or "invalid".
 */
const char *hb_origin_name(unsigned int origin)
{
	return name_of(origin_names, ARRAY_SIZE(origin_names), origin);
}

/**
 * hb_source_name() - name of an enum hb_source value
 * @source: the value
 *
 * Return: "none", "self", "leader", "peers", or "invalid".
 */
const char *hb_source_name(unsigned int source)
{
	return name_of(source_names, ARRAY_SIZE(source_names), source);
}

/**
 * hb_role_name() - name of one HB_ROLE_* bit
 * @bit: the bit
 *
 * Return: "leader", "tx", "watch", or NULL for a bit this version does
 * not know.
 */
const char *hb_role_name(unsigned int bit)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(roles); i++)
		if (roles[i].bit == bit)
			return roles[i].name;
	return NULL;
}

/**
 * hb_roles_letters() - HB_ROLE_* bits as in /proc/net/heartbeat
 * @roles_mask: the bits
 * @buf: where to print them
 * @len: size of @buf, 4 or more
 *
 * Unknown bits are left out.
 *
 * Return: @buf, holding "L", "T" and "W" in that order for the bits that
 * are set, or "-" when none is.
 */
char *hb_roles_letters(uint32_t roles_mask, char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(roles) && n + 1 < len; i++)
		if (roles_mask & roles[i].bit)
			buf[n++] = roles[i].letter;
	if (!n && len > 1)
		buf[n++] = '-';
	if (len)
		buf[n < len ? n : len - 1] = '\0';
	return buf;
}

/**
 * hb_mode_parse() - parse the name of a cluster mode
 * @s: "static", "leader", "member" or "leaderless"
 * @mode: where to store the enum hb_mode value
 * @why: where to point at the reason of a failure, or NULL
 *
 * Return: 0 or -EINVAL.
 */
int hb_mode_parse(const char *s, uint8_t *mode, const char **why)
{
	unsigned int i;

	for (i = 0; s && i < ARRAY_SIZE(mode_names); i++) {
		if (mode_names[i] && !strcmp(s, mode_names[i])) {
			*mode = i;
			return 0;
		}
	}
	if (why)
		*why = "must be static, leader, member or leaderless";
	return -EINVAL;
}

/* Room for every enum hb_drop_reason and enum hb_obj counter. */
#define MAX_COUNTERS	32

/*
 * Decode a nest of @n u64 counters where counter i is attribute type
 * HB_COUNTER_ATTR(i); counters the kernel did not send stay 0 (and their
 * bit in *@mask, if @mask is not NULL, stays clear), counters this version
 * does not know are ignored.
 */
static int decode_counters(struct nlattr *nest, uint64_t *vals, int n,
			   uint32_t *mask)
{
	struct nla_policy policy[HB_COUNTER_ATTR(MAX_COUNTERS)] = {};
	struct nlattr *tb[HB_COUNTER_ATTR(MAX_COUNTERS)];
	int i;

	if (n > MAX_COUNTERS - 1)
		return -EINVAL;
	for (i = 0; i < n; i++)
		policy[HB_COUNTER_ATTR(i)] =
			(struct nla_policy)HB_NLA_U64;
	if (nla_parse_nested(tb, HB_COUNTER_ATTR(n - 1), nest, policy) < 0)
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		vals[i] = tb[HB_COUNTER_ATTR(i)] ?
			  nla_get_u64(tb[HB_COUNTER_ATTR(i)]) : 0;
		if (mask && tb[HB_COUNTER_ATTR(i)])
			*mask |= 1U << i;
	}
	return 0;
}

static uint8_t get_u8(struct nlattr *attr)
{
	return attr ? nla_get_u8(attr) : 0;
}

static uint16_t get_u16(struct nlattr *attr)
{
	return attr ? nla_get_u16(attr) : 0;
}

static uint32_t get_u32(struct nlattr *attr)
{
	return attr ? nla_get_u32(attr) : 0;
}

static uint64_t get_u64(struct nlattr *attr)
{
	return attr ? nla_get_u64(attr) : 0;
}

/*
 * Collect the HB_LIST_A_ID entries of @nest, at most @max of them (entries
 * beyond are ignored, other attribute types skipped).
 */
static int decode_id_list(struct nlattr *nest, uint32_t *ids,
			  unsigned int max, unsigned int *n)
{
	struct nlattr *attr;
	int rem;

	*n = 0;
	if (nla_validate(nla_data(nest), nla_len(nest), HB_LIST_A_MAX,
			 hb_list_policy) < 0)
		return -EBADMSG;
	nla_for_each_nested(attr, nest, rem) {
		if (nla_type(attr) != HB_LIST_A_ID || *n == max)
			continue;
		ids[(*n)++] = nla_get_u32(attr);
	}
	return 0;
}

/* The cluster mode part of a HB_CMD_NODE_GET reply. */
static int decode_modes(struct nlattr **tb, struct hb_node *node)
{
	node->has_modes = !!tb[HB_A_NODE_MODE];
	node->mode = get_u8(tb[HB_A_NODE_MODE]);
	node->effective_mode = tb[HB_A_NODE_EFFECTIVE_MODE] ?
			       nla_get_u8(tb[HB_A_NODE_EFFECTIVE_MODE]) :
			       node->mode;
	node->has_leader = !!tb[HB_A_NODE_LEADER];
	node->leader = get_u32(tb[HB_A_NODE_LEADER]);
	node->learn = !!get_u8(tb[HB_A_NODE_LEARN]);
	node->monitors = get_u8(tb[HB_A_NODE_MONITORS]);
	node->interval_us = get_u32(tb[HB_A_NODE_INTERVAL_US]);
	node->multiplier = get_u8(tb[HB_A_NODE_MULTIPLIER]);
	node->learn_limit = get_u32(tb[HB_A_NODE_LEARN_LIMIT]);
	node->has_max_detect = !!tb[HB_A_NODE_MAX_DETECT_MS];
	node->max_detect_ms = get_u32(tb[HB_A_NODE_MAX_DETECT_MS]);
	node->has_dscp = !!tb[HB_A_NODE_DSCP];
	node->dscp = get_u8(tb[HB_A_NODE_DSCP]);
	node->has_beats = !!tb[HB_A_NODE_BEATS];
	node->beats = get_u32(tb[HB_A_NODE_BEATS]);
	node->has_budget = tb[HB_A_NODE_BUDGET_PEERS] &&
			   tb[HB_A_NODE_BUDGET_BEATS];
	node->budget_peers = get_u32(tb[HB_A_NODE_BUDGET_PEERS]);
	node->budget_beats = get_u32(tb[HB_A_NODE_BUDGET_BEATS]);
	node->learned = get_u32(tb[HB_A_NODE_LEARNED]);
	node->learn_age_ms = get_u32(tb[HB_A_NODE_LEARN_AGE_MS]);
	node->ticks = get_u64(tb[HB_A_NODE_TICKS]);
	node->has_deferred = !!tb[HB_A_NODE_DEFERRED];
	node->deferred = get_u64(tb[HB_A_NODE_DEFERRED]);
	node->sending = get_u32(tb[HB_A_NODE_SENDING]);
	node->watching = get_u32(tb[HB_A_NODE_WATCHING]);
	node->epoch = get_u32(tb[HB_A_NODE_EPOCH]);
	if (tb[HB_A_NODE_LEADERS])
		return decode_id_list(tb[HB_A_NODE_LEADERS], node->leaders,
				      HEARTBEAT_MAX_LEADERS,
				      &node->nr_leaders);
	return 0;
}

/**
 * hb_node_decode() - decode a HB_CMD_NODE_GET reply
 * @tb: its top-level attributes, as hb_nl_parse() indexed them
 * @node: where to store the node
 *
 * Return: 0 or -EBADMSG.
 */
int hb_node_decode(struct nlattr **tb, struct hb_node *node)
{
	int err;

	memset(node, 0, sizeof(*node));
	node->id = get_u32(tb[HB_A_NODE_ID]);
	node->port = get_u16(tb[HB_A_NODE_PORT]);
	node->cluster = get_u32(tb[HB_A_NODE_CLUSTER]);
	node->incarnation = get_u64(tb[HB_A_NODE_INCARNATION]);
	node->configured = !!tb[HB_A_NODE_CONFIGURED];
	node->peers = get_u32(tb[HB_A_NODE_PEERS]);
	node->event_seq = get_u64(tb[HB_A_NODE_EVENT_SEQ]);
	if (tb[HB_A_NODE_DROPS]) {
		err = decode_counters(tb[HB_A_NODE_DROPS], node->drops,
				      __HB_DROP_MAX, NULL);
		if (err)
			return err;
	}
	if (tb[HB_A_NODE_OBJECTS]) {
		err = decode_counters(tb[HB_A_NODE_OBJECTS], node->objects,
				      HB_NODE_OBJS, &node->objects_mask);
		if (err)
			return err;
		node->has_objects = true;
	}
	node->has_auth = !!tb[HB_A_NODE_AUTH];
	node->auth = !!get_u8(tb[HB_A_NODE_AUTH]);
	node->primary_key = get_u8(tb[HB_A_NODE_PRIMARY_KEY]);
	node->keys = get_u32(tb[HB_A_NODE_KEYS]);
	node->tx_no_key = get_u64(tb[HB_A_NODE_TX_NO_KEY]);
	return decode_modes(tb, node);
}

/*
 * Store the address of @addr4 (4 bytes) or, failing that, of @addr6 (16
 * bytes), both validated by the policy.  Return: whether there was one.
 */
static bool decode_addr(struct nlattr *addr4, struct nlattr *addr6,
			struct hb_ip *ip)
{
	if (addr4) {
		ip->family = AF_INET;
		memcpy(&ip->v4, nla_data(addr4), sizeof(ip->v4));
	} else if (addr6) {
		ip->family = AF_INET6;
		memcpy(&ip->v6, nla_data(addr6), sizeof(ip->v6));
	}
	return addr4 || addr6;
}

/**
 * hb_peer_decode() - decode an HB_A_PEER nest of a HB_CMD_PEER_GET reply
 * @nest: the nest
 * @peer: where to store the peer
 *
 * Return: 0, or -EBADMSG for a malformed nest or one without a peer id.
 */
int hb_peer_decode(struct nlattr *nest, struct hb_peer *peer)
{
	struct nlattr *tb[HB_PEER_A_MAX + 1];

	memset(peer, 0, sizeof(*peer));
	if (nla_parse_nested(tb, HB_PEER_A_MAX, nest, hb_peer_policy) < 0 ||
	    !tb[HB_PEER_A_ID])
		return -EBADMSG;
	peer->id = nla_get_u32(tb[HB_PEER_A_ID]);
	decode_addr(tb[HB_PEER_A_ADDR4], tb[HB_PEER_A_ADDR6], &peer->addr);
	peer->port = get_u16(tb[HB_PEER_A_PORT]);
	peer->interval_us = get_u32(tb[HB_PEER_A_INTERVAL_US]);
	peer->multiplier = get_u8(tb[HB_PEER_A_MULTIPLIER]);
	peer->state = get_u8(tb[HB_PEER_A_STATE]);
	peer->has_last_seen = !!tb[HB_PEER_A_LAST_SEEN_MS];
	peer->last_seen_ms = get_u64(tb[HB_PEER_A_LAST_SEEN_MS]);
	peer->tx = get_u64(tb[HB_PEER_A_TX]);
	peer->rx = get_u64(tb[HB_PEER_A_RX]);
	peer->dropped = get_u64(tb[HB_PEER_A_DROPPED]);
	peer->lost = get_u64(tb[HB_PEER_A_LOST]);
	peer->rtt_us = get_u32(tb[HB_PEER_A_RTT_US]);
	peer->rttvar_us = get_u32(tb[HB_PEER_A_RTTVAR_US]);
	peer->state_changes = get_u32(tb[HB_PEER_A_STATE_CHANGES]);
	peer->remote_interval_us = get_u32(tb[HB_PEER_A_REMOTE_INTERVAL_US]);
	peer->remote_multiplier = get_u8(tb[HB_PEER_A_REMOTE_MULTIPLIER]);
	peer->remote_incarnation = get_u64(tb[HB_PEER_A_REMOTE_INCARNATION]);
	peer->detect_us = get_u64(tb[HB_PEER_A_DETECT_US]);
	peer->tx_errors = get_u64(tb[HB_PEER_A_TX_ERRORS]);
	peer->origin = get_u8(tb[HB_PEER_A_ORIGIN]);
	peer->roles = get_u32(tb[HB_PEER_A_ROLES]);
	peer->source = get_u8(tb[HB_PEER_A_SOURCE]);
	peer->has_confirmations = !!tb[HB_PEER_A_CONFIRMATIONS];
	peer->confirmations = get_u8(tb[HB_PEER_A_CONFIRMATIONS]);
	peer->monitors = get_u8(tb[HB_PEER_A_MONITORS]);
	peer->epoch = get_u32(tb[HB_PEER_A_EPOCH]);
	peer->has_last_change = !!tb[HB_PEER_A_LAST_CHANGE_MS];
	peer->last_change_ms = get_u64(tb[HB_PEER_A_LAST_CHANGE_MS]);
	peer->change_reason = get_u8(tb[HB_PEER_A_CHANGE_REASON]);
	return 0;
}

/**
 * hb_event_decode() - decode the HB_A_EVENT nest of a HB_CMD_EVENT message
 * @nest: the nest
 * @ev: where to store the event
 *
 * Return: 0, or -EBADMSG for a malformed nest or one without a sequence
 * number or type.
 */
int hb_event_decode(struct nlattr *nest, struct hb_event *ev)
{
	struct nlattr *tb[HB_EVENT_A_MAX + 1];

	memset(ev, 0, sizeof(*ev));
	if (nla_parse_nested(tb, HB_EVENT_A_MAX, nest, hb_event_policy) < 0 ||
	    !tb[HB_EVENT_A_SEQ] || !tb[HB_EVENT_A_TYPE])
		return -EBADMSG;
	ev->seq = nla_get_u64(tb[HB_EVENT_A_SEQ]);
	ev->type = nla_get_u8(tb[HB_EVENT_A_TYPE]);
	ev->peer = get_u32(tb[HB_EVENT_A_PEER_ID]);
	ev->old_state = get_u8(tb[HB_EVENT_A_OLD_STATE]);
	ev->state = get_u8(tb[HB_EVENT_A_STATE]);
	ev->time_ns = get_u64(tb[HB_EVENT_A_TIME_NS]);
	ev->reason = get_u8(tb[HB_EVENT_A_REASON]);
	ev->has_detect = !!tb[HB_EVENT_A_DETECT_US];
	ev->detect_us = get_u64(tb[HB_EVENT_A_DETECT_US]);
	ev->has_incarnation = !!tb[HB_EVENT_A_INCARNATION];
	ev->incarnation = get_u64(tb[HB_EVENT_A_INCARNATION]);
	ev->has_source = !!tb[HB_EVENT_A_SOURCE];
	ev->source = get_u8(tb[HB_EVENT_A_SOURCE]);
	ev->has_confirmations = !!tb[HB_EVENT_A_CONFIRMATIONS];
	ev->confirmations = get_u8(tb[HB_EVENT_A_CONFIRMATIONS]);
	ev->has_monitors = !!tb[HB_EVENT_A_MONITORS];
	ev->monitors = get_u8(tb[HB_EVENT_A_MONITORS]);
	ev->has_origin = !!tb[HB_EVENT_A_ORIGIN];
	ev->origin = get_u8(tb[HB_EVENT_A_ORIGIN]);
	ev->has_mode = tb[HB_EVENT_A_OLD_MODE] && tb[HB_EVENT_A_MODE];
	ev->old_mode = get_u8(tb[HB_EVENT_A_OLD_MODE]);
	ev->mode = get_u8(tb[HB_EVENT_A_MODE]);
	ev->has_endpoint = decode_addr(tb[HB_EVENT_A_ADDR4],
				       tb[HB_EVENT_A_ADDR6], &ev->addr) &&
			   tb[HB_EVENT_A_PORT];
	ev->port = get_u16(tb[HB_EVENT_A_PORT]);
	return 0;
}

/**
 * hb_key_decode() - decode the HB_A_KEY nest of a HB_CMD_KEY_GET reply
 * @nest: the nest
 * @key: where to store the key
 *
 * A secret in the nest (the kernel never sends one) is ignored.
 *
 * Return: 0, or -EBADMSG for a malformed nest or one without a valid id.
 */
int hb_key_decode(struct nlattr *nest, struct hb_key *key)
{
	struct nlattr *tb[HB_KEY_A_MAX + 1];

	memset(key, 0, sizeof(*key));
	if (nla_parse_nested(tb, HB_KEY_A_MAX, nest, hb_key_policy) < 0 ||
	    !tb[HB_KEY_A_ID] || !nla_get_u8(tb[HB_KEY_A_ID]))
		return -EBADMSG;
	key->id = nla_get_u8(tb[HB_KEY_A_ID]);
	key->primary = !!tb[HB_KEY_A_PRIMARY];
	key->rx = get_u64(tb[HB_KEY_A_RX]);
	key->tx = get_u64(tb[HB_KEY_A_TX]);
	return 0;
}

/* The authentication members of a node object. */
static void node_auth_json(struct json *j, const struct hb_node *n)
{
	json_bool(j, "auth", n->auth);
	if (n->primary_key)
		json_u64(j, "primary_key", n->primary_key);
	else
		json_null(j, "primary_key");
	json_u64(j, "keys", n->keys);
	json_u64(j, "tx_no_key", n->tx_no_key);
}

/* The cluster mode members of a node object. */
static void node_modes_json(struct json *j, const struct hb_node *n)
{
	unsigned int i;

	json_string(j, "mode", hb_mode_name(n->mode));
	json_string(j, "effective_mode", hb_mode_name(n->effective_mode));
	json_array_begin(j, "leaders");
	for (i = 0; i < n->nr_leaders; i++)
		json_u64(j, NULL, n->leaders[i]);
	json_array_end(j);
	if (n->has_leader)
		json_u64(j, "leader", n->leader);
	else
		json_null(j, "leader");
	json_bool(j, "learn", n->learn);
	json_u64(j, "monitors", n->monitors);
	json_u64(j, "interval_us", n->interval_us);
	json_u64(j, "multiplier", n->multiplier);
	json_u64(j, "learn_limit", n->learn_limit);
	if (n->has_max_detect)
		json_u64(j, "max_detect_ms", n->max_detect_ms);
	json_u64(j, "learned", n->learned);
	json_u64(j, "learn_age_ms", n->learn_age_ms);
	if (n->has_dscp)
		json_u64(j, "dscp", n->dscp);
	if (n->has_beats) {
		json_u64(j, "beats", n->beats);
		if (n->has_budget) {
			json_u64(j, "budget_peers", n->budget_peers);
			json_u64(j, "budget_beats", n->budget_beats);
		} else {
			json_null(j, "budget_peers");
			json_null(j, "budget_beats");
		}
	}
	json_u64(j, "ticks", n->ticks);
	json_u64(j, "sending", n->sending);
	json_u64(j, "watching", n->watching);
	json_u64(j, "epoch", n->epoch);
	if (n->has_deferred)
		json_u64(j, "deferred", n->deferred);
}

/**
 * hb_node_json() - write a node object
 * @j: the writer
 * @key: member name, or NULL
 * @n: the node
 */
void hb_node_json(struct json *j, const char *key, const struct hb_node *n)
{
	unsigned int i;

	json_object_begin(j, key);
	json_u64(j, "id", n->id);
	json_u64(j, "port", n->port);
	json_u64(j, "cluster", n->cluster);
	json_u64(j, "incarnation", n->incarnation);
	json_bool(j, "configured", n->configured);
	json_u64(j, "peers", n->peers);
	json_u64(j, "event_seq", n->event_seq);
	node_modes_json(j, n);
	node_auth_json(j, n);
	json_object_begin(j, "drops");
	for (i = 0; i < __HB_DROP_MAX; i++)
		json_u64(j, hb_drop_name(i), n->drops[i]);
	json_object_end(j);
	if (n->has_objects) {
		json_object_begin(j, "objects");
		for (i = 0; i < HB_NODE_OBJS; i++)
			if ((n->objects_mask & (1U << i)) && obj_names[i])
				json_u64(j, obj_names[i], n->objects[i]);
		json_object_end(j);
	}
	json_object_end(j);
}

/**
 * hb_peer_json() - write a peer object
 * @j: the writer
 * @key: member name, or NULL
 * @p: the peer
 */
void hb_peer_json(struct json *j, const char *key, const struct hb_peer *p)
{
	char addr[IP_STRLEN];
	unsigned int i;

	json_object_begin(j, key);
	json_u64(j, "id", p->id);
	json_string(j, "address", format_ip(&p->addr, addr, sizeof(addr)));
	json_u64(j, "port", p->port);
	json_string(j, "state", hb_state_name(p->state));
	json_u64(j, "interval_us", p->interval_us);
	json_u64(j, "multiplier", p->multiplier);
	if (p->has_last_seen)
		json_u64(j, "last_seen_ms", p->last_seen_ms);
	else
		json_null(j, "last_seen_ms");
	json_u64(j, "tx", p->tx);
	json_u64(j, "rx", p->rx);
	json_u64(j, "dropped", p->dropped);
	json_u64(j, "lost", p->lost);
	if (p->rtt_us)
		json_u64(j, "rtt_us", p->rtt_us);
	else
		json_null(j, "rtt_us");
	json_u64(j, "rttvar_us", p->rttvar_us);
	json_u64(j, "state_changes", p->state_changes);
	json_u64(j, "remote_interval_us", p->remote_interval_us);
	json_u64(j, "remote_multiplier", p->remote_multiplier);
	json_u64(j, "remote_incarnation", p->remote_incarnation);
	json_u64(j, "detect_us", p->detect_us);
	json_u64(j, "announced_detect_us",
		 (uint64_t)p->remote_interval_us * p->remote_multiplier);
	json_u64(j, "tx_errors", p->tx_errors);
	json_string(j, "origin", hb_origin_name(p->origin));
	json_array_begin(j, "roles");
	for (i = 0; i < 32; i++)
		if ((p->roles & (1U << i)) && hb_role_name(1U << i))
			json_string(j, NULL, hb_role_name(1U << i));
	json_array_end(j);
	json_string(j, "source", hb_source_name(p->source));
	json_u64(j, "confirmations", p->confirmations);
	json_u64(j, "monitors", p->monitors);
	json_u64(j, "epoch", p->epoch);
	if (p->has_last_change) {
		json_u64(j, "last_change_ms", p->last_change_ms);
		json_string(j, "change_reason",
			    hb_reason_name(p->change_reason));
	} else {
		json_null(j, "last_change_ms");
		json_null(j, "change_reason");
	}
	json_object_end(j);
}

/**
 * hb_event_json() - write an event object
 * @j: the writer
 * @key: member name, or NULL
 * @e: the event
 */
void hb_event_json(struct json *j, const char *key, const struct hb_event *e)
{
	char addr[IP_STRLEN];

	json_object_begin(j, key);
	json_u64(j, "seq", e->seq);
	json_string(j, "event", hb_event_name(e->type));
	json_u64(j, "peer", e->peer);
	json_string(j, "old_state", hb_state_name(e->old_state));
	json_string(j, "state", hb_state_name(e->state));
	json_u64(j, "time_ns", e->time_ns);
	if (e->time_real)
		json_string(j, "time_real", e->time_real);
	json_string(j, "reason", hb_reason_name(e->reason));
	if (e->has_detect)
		json_u64(j, "detect_us", e->detect_us);
	if (e->has_incarnation)
		json_u64(j, "incarnation", e->incarnation);
	if (e->has_source)
		json_string(j, "source", hb_source_name(e->source));
	if (e->has_confirmations)
		json_u64(j, "confirmations", e->confirmations);
	if (e->has_monitors)
		json_u64(j, "monitors", e->monitors);
	if (e->has_origin)
		json_string(j, "origin", hb_origin_name(e->origin));
	if (e->has_mode) {
		json_string(j, "old_mode", hb_mode_name(e->old_mode));
		json_string(j, "mode", hb_mode_name(e->mode));
	}
	if (e->has_endpoint) {
		json_string(j, "address",
			    format_ip(&e->addr, addr, sizeof(addr)));
		json_u64(j, "port", e->port);
	}
	json_object_end(j);
}

/**
 * hb_key_json() - write a key object
 * @j: the writer
 * @key: member name, or NULL
 * @k: the key
 */
void hb_key_json(struct json *j, const char *key, const struct hb_key *k)
{
	json_object_begin(j, key);
	json_u64(j, "id", k->id);
	json_bool(j, "primary", k->primary);
	json_u64(j, "rx", k->rx);
	json_u64(j, "tx", k->tx);
	json_object_end(j);
}

/*
 * The parenthesised explanation of a state change, or "": the reason, the
 * detection time of a timeout, and the k-of-n verdict of a peer's monitors
 * ("(confirmed by 2/3 monitors)").
 */
static void state_reason(const struct hb_event *e, char *buf, size_t len)
{
	char dur[DURATION_STRLEN], what[48], votes[48] = "";

	if (e->has_confirmations && e->has_monitors)
		snprintf(votes, sizeof(votes), "confirmed by %u/%u monitors",
			 e->confirmations, e->monitors);
	else if (e->has_confirmations)
		snprintf(votes, sizeof(votes), "confirmed by %u monitors",
			 e->confirmations);
	if (e->reason == HB_REASON_TIMEOUT && e->has_detect)
		snprintf(what, sizeof(what), "timeout after %s",
			 format_duration_us(e->detect_us, dur, sizeof(dur)));
	else if (e->reason != HB_REASON_NONE)
		snprintf(what, sizeof(what), "%s", hb_reason_name(e->reason));
	else
		what[0] = '\0';

	if (e->reason == HB_REASON_PEERS && votes[0])
		snprintf(buf, len, " (%s)", votes);
	else if (what[0] && votes[0])
		snprintf(buf, len, " (%s, %s)", what, votes);
	else if (what[0] || votes[0])
		snprintf(buf, len, " (%s)", what[0] ? what : votes);
	else
		buf[0] = '\0';
}

/* How a learned peer became known, for humans. */
static const char *learned_how(const struct hb_event *e)
{
	if (!e->has_origin)
		return "";
	if (e->origin == HB_ORIGIN_LEARNED)
		return " from its frames";
	if (e->origin == HB_ORIGIN_LEADER)
		return " from a leader";
	return " (invalid origin)";
}

/**
 * hb_event_format() - one line describing an event for humans
 * @e: the event
 * @buf: where to print it (no newline)
 * @len: size of @buf
 *
 * Examples: "[seq 12] peer 3: up -> down (timeout after 300ms)",
 * "[seq 13] peer 3: restarted (incarnation 1764000000000000000)",
 * "[seq 14] peer 7: up -> down (confirmed by 3/3 monitors)",
 * "[seq 15] peer 9: learned from its frames, state up",
 * "[seq 16] peer 2: leader lost (timeout after 300ms)",
 * "[seq 17] node: mode member -> leaderless (leaders_down)",
 * "[seq 18] node: cannot sign frames (no_key)",
 * "[seq 19] peer 9: moved to 10.0.0.9 port 7410 (incarnation)",
 * "[seq 20] peer 9: forgotten (down for the learn age)".
 *
 * Return: @buf.
 */
char *hb_event_format(const struct hb_event *e, char *buf, size_t len)
{
	char why[128], addr[IP_STRLEN];

	if (e->type == HB_EVENT_STATE_CHANGE) {
		state_reason(e, why, sizeof(why));
		snprintf(buf, len,
			 "[seq %" PRIu64 "] peer %" PRIu32 ": %s -> %s%s",
			 e->seq, e->peer, hb_state_name(e->old_state),
			 hb_state_name(e->state), why);
	} else if (e->type == HB_EVENT_RESTARTED && e->has_incarnation) {
		snprintf(buf, len, "[seq %" PRIu64 "] peer %" PRIu32
			 ": restarted (incarnation %" PRIu64 ")",
			 e->seq, e->peer, e->incarnation);
	} else if (e->type == HB_EVENT_LEARNED) {
		snprintf(buf, len, "[seq %" PRIu64 "] peer %" PRIu32
			 ": learned%s, state %s", e->seq, e->peer,
			 learned_how(e), hb_state_name(e->state));
	} else if (e->type == HB_EVENT_LEADER_LOST) {
		state_reason(e, why, sizeof(why));
		snprintf(buf, len, "[seq %" PRIu64 "] peer %" PRIu32
			 ": leader lost%s", e->seq, e->peer, why);
	} else if (e->type == HB_EVENT_MODE && e->has_mode) {
		snprintf(buf, len, "[seq %" PRIu64 "] node: mode %s -> %s (%s)",
			 e->seq, hb_mode_name(e->old_mode),
			 hb_mode_name(e->mode), hb_reason_name(e->reason));
	} else if (e->type == HB_EVENT_AUTH) {
		snprintf(buf, len, "[seq %" PRIu64 "] node: cannot sign frames%s%s%s",
			 e->seq, e->reason ? " (" : "",
			 e->reason ? hb_reason_name(e->reason) : "",
			 e->reason ? ")" : "");
	} else if (e->type == HB_EVENT_MOVED && e->has_endpoint) {
		snprintf(buf, len, "[seq %" PRIu64 "] peer %" PRIu32
			 ": moved to %s port %" PRIu16 "%s%s%s",
			 e->seq, e->peer,
			 format_ip(&e->addr, addr, sizeof(addr)), e->port,
			 e->reason ? " (" : "",
			 e->reason ? hb_reason_name(e->reason) : "",
			 e->reason ? ")" : "");
	} else if (e->type == HB_EVENT_FORGOTTEN) {
		snprintf(buf, len, "[seq %" PRIu64 "] peer %" PRIu32
			 ": forgotten (down for the learn age)",
			 e->seq, e->peer);
	} else {
		snprintf(buf, len, "[seq %" PRIu64 "] peer %" PRIu32 ": %s",
			 e->seq, e->peer, hb_event_name(e->type));
	}
	return buf;
}
