/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hbctl: configuration files ("setconf", "syncconf", "showconf", "flush").
 *
 * A configuration file describes one node: a [Node] section with the
 * settings of "node set", one [Key] section per key (its file by path,
 * never the key itself) and one [Peer] section per configured peer.
 * conf_parse() reads and checks a whole file into a struct conf, and
 * conf_load_keys() reads every key file, so that a bad file is refused
 * before the first request.  confapply.c then compares the file with
 * what the kernel runs and sends only the requests that change something:
 * a file equal to the running configuration sends none.
 */
#ifndef _HBCTL_CONF_H
#define _HBCTL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hbctl.h"
#include "parse.h"

struct hb_secret;

/**
 * struct conf_peer - one [Peer] section (absent settings hold defaults)
 * @id: peer id
 * @addr: address
 * @port: UDP port
 * @interval_us: heartbeat interval
 * @mult: detection multiplier
 * @line: line of its section header
 */
struct conf_peer {
	uint32_t id;
	struct hb_ip addr;
	uint16_t port;
	uint32_t interval_us;
	uint8_t mult;
	unsigned int line;
};

/**
 * struct conf_key - one [Key] section
 * @id: key id, 1..255
 * @primary: frames are signed with it
 * @path: its KeyFile, or NULL: the key must be installed already
 * @secret: the key read from @path by conf_load_keys(), or NULL
 * @line: line of its section header
 * @path_line: line of its KeyFile
 */
struct conf_key {
	uint8_t id;
	bool primary;
	char *path;
	struct hb_secret *secret;
	unsigned int line;
	unsigned int path_line;
};

/**
 * struct conf - a whole configuration file
 * @node: the [Node] settings; every has_* flag is set (absent settings
 *	  hold the module's defaults)
 * @node_line: line of the [Node] header
 * @peers: the [Peer] sections, in file order
 * @nr_peers: number of @peers
 * @size_peers: allocated slots of @peers
 * @keys: the [Key] sections, in file order
 * @nr_keys: number of @keys
 */
struct conf {
	struct node_cfg node;
	unsigned int node_line;
	struct conf_peer *peers;
	size_t nr_peers;
	size_t size_peers;
	struct conf_key keys[HEARTBEAT_MAX_KEYS];
	unsigned int nr_keys;
};

/**
 * struct conf_err - why a file was refused
 * @line: the line at fault, 0 for the file as a whole
 * @msg: what is wrong
 */
struct conf_err {
	unsigned int line;
	char msg[256];
};

/* How conf_apply() changes what differs. */
enum conf_mode {
	CONF_SET,	/* node set with every setting; changed peers re-added */
	CONF_SYNC,	/* node set and peer set with what differs only */
};

int conf_parse(FILE *f, struct conf *c, struct conf_err *err);
int conf_load_keys(struct conf *c, struct conf_err *err);
void conf_free(struct conf *c);
void conf_defaults(struct conf *c);
void conf_print(FILE *f, const struct conf *c);

int cmd_setconf(int argc, char **argv, const struct hbctl_opts *opts);
int cmd_syncconf(int argc, char **argv, const struct hbctl_opts *opts);
int cmd_showconf(int argc, char **argv, const struct hbctl_opts *opts);
int cmd_flush(int argc, char **argv, const struct hbctl_opts *opts);

#endif /* _HBCTL_CONF_H */
