/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HB_SOCKET_H
#define _HB_SOCKET_H

#include "hb.h"

struct hb_peer;

/* hn->lock held.  Open IPv4 and IPv6 UDP sockets bound to @port and swap
 * them in for the old ones, which are released.  IPv6 failing with
 * -EAFNOSUPPORT (ipv6.disable=1) leaves only the IPv4 socket.  On error the
 * old sockets stay in force.
 */
int hb_socket_open(struct hb_net *hn, u16 port, struct netlink_ext_ack *extack);
/* hn->lock held.  Release both sockets (waits for RCU readers). */
void hb_socket_close(struct hb_net *hn);
/* Any context, peer->lock held.  Forget the peer's cached route. */
void hb_socket_route_reset(struct hb_peer *peer);
/* Softirq (tx timer), peer->lock NOT held.  Build and send one frame. */
void hb_socket_send(struct hb_peer *peer);

#endif /* _HB_SOCKET_H */
