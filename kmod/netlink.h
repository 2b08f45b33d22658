/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HB_NETLINK_H
#define _HB_NETLINK_H

#include "hb.h"

struct hb_event;

int hb_genl_init(void);
void hb_genl_uninit(void);

/*
 * Multicast @ev to HEARTBEAT_MCGRP_EVENTS in hn's namespace, with the next
 * event sequence number.  Any context (allocates with GFP_ATOMIC); call it
 * outside of peer->lock.
 */
void hb_genl_notify_event(struct hb_net *hn, const struct hb_event *ev);

#endif /* _HB_NETLINK_H */
