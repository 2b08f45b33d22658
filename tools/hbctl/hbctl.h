/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hbctl: configure heartbeat.ko and read the liveness of a cluster's nodes.
 *
 * Every subcommand family lives in its own file and exports one entry
 * point, called with the arguments that follow its name.  Entry points
 * return the process exit status: HBCTL_OK, HBCTL_FAIL (the kernel or the
 * system refused) or HBCTL_USAGE (the command line is wrong).
 */
#ifndef _HBCTL_H
#define _HBCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/heartbeat.h>

#ifndef HBCTL_VERSION
#define HBCTL_VERSION	"0.1.0"
#endif

#define HBCTL_OK	0
#define HBCTL_FAIL	1
#define HBCTL_USAGE	2

/**
 * struct hbctl_opts - global options
 * @json: print JSON instead of text
 * @stdin_batch: standard input holds the batch being read ("-b -"), so
 *		 no command may read from it
 * @netns: the network namespace given with -n, or NULL
 */
struct hbctl_opts {
	bool json;
	bool stdin_batch;
	const char *netns;
};

/**
 * struct hbctl_cmd - one entry of a dispatch table
 * @name: the word that selects it
 * @fn: what runs it, with the arguments after @name
 * @help: its synopsis, for --help
 */
struct hbctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct hbctl_opts *opts);
	const char *help;
};

int hbctl_dispatch(const struct hbctl_cmd *cmds, const char *family,
		   int argc, char **argv, const struct hbctl_opts *opts);
int hbctl_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
int hbctl_bad_value(const char *what, const char *val, const char *why);
int hbctl_take_json(int argc, char **argv, struct hbctl_opts *opts);

int hbctl_option(const char *cmd, const char *key, const char *val,
		 bool *seen);
const char *hbctl_pair_value(int argc, char **argv, int *i, char *buf,
			     size_t len);

/* batch.c */
int hbctl_netns_enter(const char *name);
int hbctl_batch(const struct hbctl_cmd *cmds, const char *path,
		const struct hbctl_opts *opts);

struct hb_key;
struct hb_nl;
struct hb_node;
struct hb_peer;

/* node.c */

/* Longest string node_mode_str() and node_leaders_str() produce, with NUL. */
#define NODE_STRLEN	96

/**
 * struct node_cfg - what "node set" was asked to change
 * (each value is sent only when its has_* flag is set)
 * @id: node id
 * @port: UDP port
 * @cluster: cluster id
 * @mode: enum hb_mode
 * @leaders: leader ids, @nr_leaders of them (0: "leader none")
 * @learn: learn members (leader mode)
 * @monitors: monitors of a leaderless node
 * @interval_us: interval of learned peers and of the cluster tick
 * @mult: multiplier of learned peers
 * @learn_limit: most peers a leader learns
 * @learn_age_ms: a learned peer DOWN for that long is forgotten
 * @auth: require authenticated frames
 * @restart: take a new incarnation ("node restart")
 * @max_detect_ms: longest detection time used for a peer
 * @dscp: DSCP of the heartbeats sent, 0..63
 */
struct node_cfg {
	bool has_id;
	uint32_t id;
	bool has_port;
	uint16_t port;
	bool has_cluster;
	uint32_t cluster;
	bool has_mode;
	uint8_t mode;
	bool has_leaders;
	uint32_t leaders[HEARTBEAT_MAX_LEADERS];
	unsigned int nr_leaders;
	bool has_learn;
	bool learn;
	bool has_monitors;
	uint8_t monitors;
	bool has_interval;
	uint32_t interval_us;
	bool has_mult;
	uint8_t mult;
	bool has_learn_limit;
	uint32_t learn_limit;
	bool has_learn_age;
	uint32_t learn_age_ms;
	bool has_auth;
	bool auth;
	bool restart;
	bool has_max_detect;
	uint32_t max_detect_ms;
	bool has_dscp;
	uint8_t dscp;
};

int node_set_parse(int argc, char **argv, struct node_cfg *cfg);
int node_set_request(struct hb_nl *nl, const struct node_cfg *cfg);
int node_get(struct hb_nl *nl, struct hb_node *node);
void node_print(const struct hb_node *node);
char *node_mode_str(const struct hb_node *n, char *buf, size_t len);
char *node_leaders_str(const struct hb_node *n, char *buf, size_t len);
char *node_auth_str(const struct hb_node *n, char *buf, size_t len);

/* peer.c */
int peer_get(struct hb_nl *nl, uint32_t id, struct hb_peer *peer);

/**
 * struct peer_list - peers collected from a dump
 * @peers: the array, sorted by id once complete
 * @count: number of peers in @peers
 * @size: allocated slots
 */
struct peer_list {
	struct hb_peer *peers;
	size_t count;
	size_t size;
};

int peer_dump(struct hb_nl *nl, struct peer_list *list);
int node_and_peers(struct hb_node *node, struct peer_list *list);
void peer_list_free(struct peer_list *list);

/* show.c */
void show_print(const struct hb_node *node, const struct peer_list *list,
		bool json);
void peer_print(const struct hb_peer *peer);

int cmd_node(int argc, char **argv, const struct hbctl_opts *opts);
int cmd_peer(int argc, char **argv, const struct hbctl_opts *opts);
int cmd_show(int argc, char **argv, const struct hbctl_opts *opts);
int cmd_monitor(int argc, char **argv, const struct hbctl_opts *opts);

/* prom.c */
int cmd_stats(int argc, char **argv, const struct hbctl_opts *opts);

/* key.c */
struct hb_secret;

/**
 * struct key_cfg - what a "key" command was asked to do
 * @id: key id, 1..255
 * @path: key add: the key file, "-" for standard input
 * @primary: key add: make the key primary at once
 */
struct key_cfg {
	uint8_t id;
	const char *path;
	bool primary;
};

/**
 * struct key_list - keys collected from a dump
 * @keys: the array, sorted by id once complete
 * @count: number of keys in @keys
 * @size: allocated slots
 */
struct key_list {
	struct hb_key *keys;
	size_t count;
	size_t size;
};

int key_add_parse(int argc, char **argv, struct key_cfg *cfg);
int key_id_parse(const char *cmd, int argc, char **argv, struct key_cfg *cfg);
int key_add_load(const struct key_cfg *cfg, struct hb_secret **secret);
int key_add_send(struct hb_nl *nl, const struct key_cfg *cfg,
		 const struct hb_secret *secret);
int key_set_send(struct hb_nl *nl, uint8_t cmd, const struct key_cfg *cfg);
int key_dump(struct hb_nl *nl, struct key_list *list);
void key_list_free(struct key_list *list);
void key_list_print(const struct key_list *list, bool json);
int key_show_run(struct hb_nl *nl, bool json);

int cmd_key(int argc, char **argv, const struct hbctl_opts *opts);
int cmd_genkey(int argc, char **argv, const struct hbctl_opts *opts);

#endif /* _HBCTL_H */
