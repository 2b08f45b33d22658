/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hbctl: a neutral data model of what the kernel reports (node, peers,
 * events), decoded from netlink attributes and independent of any output
 * format.
 */
#ifndef _HBCTL_MODEL_H
#define _HBCTL_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <netlink/attr.h>

#include <linux/heartbeat.h>

#include "json.h"
#include "parse.h"

/*
 * Inside HB_A_NODE_DROPS and HB_A_NODE_OBJECTS, counter number i (an enum
 * hb_drop_reason or enum hb_obj value) travels as attribute type i + 1, as
 * attribute type 0 is reserved.
 */
#define HB_COUNTER_ATTR(i)	((i) + 1)

/* Room for the enum hb_obj counters of this module and of later ones. */
#define HB_NODE_OBJS		8

/**
 * struct hb_node - what HB_CMD_NODE_GET reports
 * @id: node id, 0 when not configured
 * @port: UDP port
 * @cluster: cluster id
 * @incarnation: current incarnation
 * @configured: HB_A_NODE_CONFIGURED was present
 * @peers: number of configured peers
 * @event_seq: sequence number of the last event
 * @drops: datagrams dropped, by enum hb_drop_reason
 * @has_objects: @objects was reported (initial namespace only)
 * @objects: live module objects, by enum hb_obj
 * @objects_mask: bit i set when @objects[i] was reported (a module that
 *		  counts more kinds of objects than another sends more)
 * @has_modes: the module reports cluster modes (HB_A_NODE_MODE was present;
 *	       a module without them leaves every field below 0)
 * @mode: configured enum hb_mode
 * @effective_mode: enum hb_mode in force (@mode when not reported)
 * @leaders: HB_A_NODE_LEADERS, in the order reported
 * @nr_leaders: number of @leaders
 * @has_leader: a leader is followed
 * @leader: the leader whose membership view is followed
 * @learn: a leader learns members
 * @monitors: monitors (k) of a leaderless node
 * @interval_us: interval of learned peers and of the cluster tick
 * @multiplier: multiplier of learned peers
 * @learn_limit: most peers a leader learns
 * @learned: peers learned
 * @learn_age_ms: a learned peer DOWN for that long is forgotten
 * @ticks: cluster ticks run
 * @has_deferred: the module reports @deferred
 * @deferred: verdicts deferred because the node ran late or held frames
 * @sending: peers the node beats to
 * @watching: peers the node runs failure detection on
 * @epoch: the node's own verdict epoch
 * @has_auth: the module reports authentication (HB_A_NODE_AUTH was
 *	      present; a module without it leaves the fields below 0)
 * @auth: authentication is required
 * @primary_key: id of the key frames are signed with, 0 when none
 * @keys: keys installed
 * @tx_no_key: frames not sent as no usable key could sign them
 * @has_max_detect: the module reports HB_A_NODE_MAX_DETECT_MS
 * @max_detect_ms: longest detection time used for a peer
 * @has_dscp: the module reports HB_A_NODE_DSCP
 * @dscp: DSCP of the heartbeats sent
 * @has_beats: the module reports HB_A_NODE_BEATS
 * @beats: beats per second the peers' intervals add up to
 * @has_budget: the namespace is bound by a budget (HB_A_NODE_BUDGET_*)
 * @budget_peers: most peers it may have
 * @budget_beats: most beats per second its peers may add up to
 */
struct hb_node {
	uint32_t id;
	uint16_t port;
	uint32_t cluster;
	uint64_t incarnation;
	bool configured;
	uint32_t peers;
	uint64_t event_seq;
	uint64_t drops[__HB_DROP_MAX];
	bool has_objects;
	uint64_t objects[HB_NODE_OBJS];
	uint32_t objects_mask;
	bool has_modes;
	uint8_t mode;
	uint8_t effective_mode;
	uint32_t leaders[HEARTBEAT_MAX_LEADERS];
	unsigned int nr_leaders;
	bool has_leader;
	uint32_t leader;
	bool learn;
	uint8_t monitors;
	uint32_t interval_us;
	uint8_t multiplier;
	uint32_t learn_limit;
	uint32_t learned;
	uint32_t learn_age_ms;
	uint64_t ticks;
	bool has_deferred;
	uint64_t deferred;
	uint32_t sending;
	uint32_t watching;
	uint32_t epoch;
	bool has_auth;
	bool auth;
	uint8_t primary_key;
	uint32_t keys;
	uint64_t tx_no_key;
	bool has_max_detect;
	uint32_t max_detect_ms;
	bool has_dscp;
	uint8_t dscp;
	bool has_beats;
	uint32_t beats;
	bool has_budget;
	uint32_t budget_peers;
	uint32_t budget_beats;
};

/**
 * struct hb_key - one key as HB_CMD_KEY_GET reports it (never its secret)
 * @id: key id, 1..255
 * @primary: frames are signed with it
 * @rx: frames verified with it
 * @tx: frames signed with it
 */
struct hb_key {
	uint8_t id;
	bool primary;
	uint64_t rx;
	uint64_t tx;
};

/**
 * struct hb_peer - one peer as HB_CMD_PEER_GET reports it
 * (fields as the HB_PEER_A_* attributes of the same names)
 * @has_last_seen: a frame was received, @last_seen_ms is valid
 * @rtt_us: smoothed round trip time, 0 while there is no sample
 * @origin: enum hb_origin (HB_ORIGIN_CONFIGURED when not reported)
 * @roles: HB_ROLE_* bits
 * @source: enum hb_source of its state
 * @has_confirmations: @confirmations and @monitors were reported (the
 *		       peer is DOWN by a verdict of its monitors)
 * @has_last_change: the peer changed state at least once: @last_change_ms
 *		     (how long ago) and @change_reason (enum
 *		     hb_event_reason: why) are valid
 */
struct hb_peer {
	uint32_t id;
	struct hb_ip addr;
	uint16_t port;
	uint32_t interval_us;
	uint8_t multiplier;
	uint8_t state;
	bool has_last_seen;
	uint64_t last_seen_ms;
	uint64_t tx;
	uint64_t rx;
	uint64_t dropped;
	uint64_t lost;
	uint32_t rtt_us;
	uint32_t rttvar_us;
	uint32_t state_changes;
	uint32_t remote_interval_us;
	uint8_t remote_multiplier;
	uint64_t remote_incarnation;
	uint64_t detect_us;
	uint64_t tx_errors;
	uint8_t origin;
	uint32_t roles;
	uint8_t source;
	bool has_confirmations;
	uint8_t confirmations;
	uint8_t monitors;
	uint32_t epoch;
	bool has_last_change;
	uint64_t last_change_ms;
	uint8_t change_reason;
};

/**
 * struct hb_event - one HB_CMD_EVENT notification
 * (fields as the HB_EVENT_A_* attributes of the same names)
 * @has_detect: @detect_us was present
 * @has_incarnation: @incarnation was present
 * @has_source: @source was present (STATE_CHANGE)
 * @has_confirmations: @confirmations was present (DOWN decided by monitors)
 * @has_monitors: @monitors was present (DOWN decided by monitors)
 * @has_origin: @origin was present (LEARNED)
 * @has_mode: @old_mode and @mode were present (MODE)
 * @has_endpoint: @addr (HB_EVENT_A_ADDR4 or HB_EVENT_A_ADDR6) and @port
 *		  were present (MOVED: the peer's new endpoint)
 * @time_real: not from the kernel: @time_ns as wall-clock time (RFC 3339)
 *	       when hbctl filled it in, else NULL; written after time_ns
 */
struct hb_event {
	uint64_t seq;
	uint8_t type;
	uint32_t peer;
	uint8_t old_state;
	uint8_t state;
	uint64_t time_ns;
	uint8_t reason;
	bool has_detect;
	uint64_t detect_us;
	bool has_incarnation;
	uint64_t incarnation;
	bool has_source;
	uint8_t source;
	bool has_confirmations;
	uint8_t confirmations;
	bool has_monitors;
	uint8_t monitors;
	bool has_origin;
	uint8_t origin;
	bool has_mode;
	uint8_t old_mode;
	uint8_t mode;
	bool has_endpoint;
	struct hb_ip addr;
	uint16_t port;
	const char *time_real;
};

int hb_node_decode(struct nlattr **tb, struct hb_node *node);
int hb_peer_decode(struct nlattr *nest, struct hb_peer *peer);
int hb_event_decode(struct nlattr *nest, struct hb_event *ev);
int hb_key_decode(struct nlattr *nest, struct hb_key *key);

const char *hb_state_name(unsigned int state);
const char *hb_event_name(unsigned int type);
const char *hb_reason_name(unsigned int reason);
const char *hb_drop_name(unsigned int drop);
const char *hb_obj_name(unsigned int obj);
const char *hb_mode_name(unsigned int mode);
const char *hb_origin_name(unsigned int origin);
const char *hb_source_name(unsigned int source);
const char *hb_role_name(unsigned int bit);
char *hb_roles_letters(uint32_t roles, char *buf, size_t len);
int hb_mode_parse(const char *s, uint8_t *mode, const char **why);

void hb_node_json(struct json *j, const char *key, const struct hb_node *n);
void hb_peer_json(struct json *j, const char *key, const struct hb_peer *p);
void hb_event_json(struct json *j, const char *key, const struct hb_event *e);
void hb_key_json(struct json *j, const char *key, const struct hb_key *k);
char *hb_event_format(const struct hb_event *e, char *buf, size_t len);

#endif /* _HBCTL_MODEL_H */
