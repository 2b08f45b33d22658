/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hbctl: generic netlink plumbing (libnl-3, libnl-genl-3).
 *
 * One struct hb_nl is one socket talking to the "heartbeat" family of the
 * current network namespace.  Requests are synchronous: hb_nl_request()
 * sends a message and hands every reply to a callback until the kernel
 * acknowledges it or ends the dump.  Errors come back as negative errnos and
 * the kernel's extended ack message, if any, is kept in hb_nl.ext_msg.
 */
#ifndef _HBCTL_NL_H
#define _HBCTL_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <netlink/genl/genl.h>

#include <linux/heartbeat.h>

/*
 * Attribute policies for replies: libnl only checks a minimum length, the
 * contract fixes the exact one.
 */
#define HB_NLA_EXACT(t, len) \
	{ .type = (t), .minlen = (len), .maxlen = (len) }
#define HB_NLA_U8		HB_NLA_EXACT(NLA_U8, 1)
#define HB_NLA_U16		HB_NLA_EXACT(NLA_U16, 2)
#define HB_NLA_U32		HB_NLA_EXACT(NLA_U32, 4)
#define HB_NLA_U64		HB_NLA_EXACT(NLA_U64, 8)

/* Dumps whose data changed meanwhile (NLM_F_DUMP_INTR) are retried. */
#define HB_NL_DUMP_TRIES	5

/**
 * struct hb_nl - a generic netlink socket bound to the heartbeat family
 * @sk: the libnl socket
 * @family: numeric id of the family
 * @ext_msg: message of the last error (kernel extack or local), or ""
 */
struct hb_nl {
	struct nl_sock *sk;
	int family;
	char ext_msg[256];
};

/**
 * typedef hb_nl_reply_fn - called for every reply message
 * @cmd: the generic netlink command of the message
 * @tb: its top-level attributes, validated, indexed by enum hb_attr
 * @arg: the caller's argument
 *
 * Return: 0, or a negative errno that ends the request with that error.
 */
typedef int (*hb_nl_reply_fn)(uint8_t cmd, struct nlattr **tb, void *arg);

/**
 * typedef hb_nl_reset_fn - called before each try of a dump
 * @arg: the caller's argument; forget what previous tries collected
 */
typedef void (*hb_nl_reset_fn)(void *arg);

int hb_nl_open(struct hb_nl *nl);
void hb_nl_setup(struct hb_nl *nl);
void hb_nl_close(struct hb_nl *nl);
struct nl_msg *hb_nl_msg(struct hb_nl *nl, uint8_t cmd, int flags);
int hb_nl_request(struct hb_nl *nl, struct nl_msg *msg, hb_nl_reply_fn fn,
		  void *arg);
void hb_nl_msg_free_secret(struct nl_msg *msg);
int hb_nl_request_secret(struct hb_nl *nl, struct nl_msg *msg,
			 hb_nl_reply_fn fn, void *arg);
int hb_nl_dump(struct hb_nl *nl, uint8_t cmd, hb_nl_reply_fn fn,
	       hb_nl_reset_fn reset, void *arg);
int hb_nl_join(struct hb_nl *nl, const char *group);
int hb_nl_listen(struct hb_nl *nl, hb_nl_reply_fn fn, void *arg);
int hb_nl_listen_step(struct hb_nl *nl, hb_nl_reply_fn fn, void *arg);
int hb_nl_parse(struct nlmsghdr *nlh, struct nlattr **tb);
void hb_nl_perror(const struct hb_nl *nl, int err);

#endif /* _HBCTL_NL_H */
