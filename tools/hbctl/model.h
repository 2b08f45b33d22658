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
	uint64_t objects[__HB_OBJ_MAX];
};

/**
 * struct hb_peer - one peer as HB_CMD_PEER_GET reports it
 * (fields as the HB_PEER_A_* attributes of the same names)
 * @has_last_seen: a frame was received, @last_seen_ms is valid
 * @rtt_us: smoothed round trip time, 0 while there is no sample
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
	uint32_t detect_us;
	uint64_t tx_errors;
};

/**
 * struct hb_event - one HB_CMD_EVENT notification
 * (fields as the HB_EVENT_A_* attributes of the same names)
 * @has_detect: @detect_us was present
 * @has_incarnation: @incarnation was present
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
	uint32_t detect_us;
	bool has_incarnation;
	uint64_t incarnation;
};

int hb_node_decode(struct nlattr **tb, struct hb_node *node);
int hb_peer_decode(struct nlattr *nest, struct hb_peer *peer);
int hb_event_decode(struct nlattr *nest, struct hb_event *ev);

const char *hb_state_name(unsigned int state);
const char *hb_event_name(unsigned int type);
const char *hb_reason_name(unsigned int reason);
const char *hb_drop_name(unsigned int drop);
const char *hb_obj_name(unsigned int obj);

void hb_node_json(struct json *j, const char *key, const struct hb_node *n);
void hb_peer_json(struct json *j, const char *key, const struct hb_peer *p);
void hb_event_json(struct json *j, const char *key, const struct hb_event *e);
char *hb_event_format(const struct hb_event *e, char *buf, size_t len);

#endif /* _HBCTL_MODEL_H */
