// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: the UDP sockets of a namespace, receiving and sending frames.
 *
 * Each namespace has an IPv4 and (unless IPv6 is disabled) a v6only IPv6
 * kernel UDP socket bound to the node's port.  They are set up as UDP
 * tunnel sockets, so every datagram is handed to hb_udp_recv() in softirq
 * context and never queued.  The socket pointers are swapped under hn->lock
 * and read under RCU by the send path.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/pkt_sched.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/dst.h>
#include <net/ip6_fib.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "auth.h"
#include "frame.h"
#include "hb.h"
#include "hb_trace.h"
#include "peer.h"
#include "socket.h"

/* Room for the link layer, the IP (either version) and the UDP headers. */
#define HB_SKB_HEADROOM	(MAX_HEADER + sizeof(struct ipv6hdr) + \
			 sizeof(struct udphdr))

/* Any nonzero value makes UDP hand every datagram to encap_rcv. */
#define HB_UDP_ENCAP_TYPE	1

/*
 * encap_rcv: softirq, rcu_read_lock() held; always consumes @skb.
 *
 * Cheap checks first: the datagram's length and its fixed header, read
 * with skb_header_pointer() wherever it lies, decide most drops before the
 * datagram is linearized (which may need a high-order GFP_ATOMIC
 * allocation for a large one) or any MAC is computed.
 */
static int hb_udp_recv(struct sock *sk, struct sk_buff *skb)
{
	struct hb_frame_info fi;
	unsigned int off, len;
	struct hb_frame hbuf;
	struct hb_addr src;
	struct hb_net *hn;
	const void *hdr;
	int ret;

	hn = rcu_dereference_sk_user_data(sk);
	if (unlikely(!hn))
		goto free;

	if (!READ_ONCE(hn->configured)) {
		ret = HB_DROP_NOT_CONFIGURED;
		goto drop;
	}

	/* skb->len is the UDP length: udp_rcv() trimmed the rest. */
	off = skb_transport_offset(skb) + sizeof(struct udphdr);
	if (unlikely(off > skb->len)) {
		ret = HB_DROP_SHORT;
		goto drop;
	}
	len = skb->len - off;
	hdr = NULL;
	if (len >= sizeof(hbuf)) {
		hdr = skb_header_pointer(skb, off, sizeof(hbuf), &hbuf);
		if (unlikely(!hdr)) {
			ret = HB_DROP_SHORT;
			goto drop;
		}
	}
	ret = hb_frame_check_header(hdr, len);
	if (ret != HB_FRAME_OK)
		goto drop;

	/* At most HB_FRAME_MAX_LEN bytes now: only then copy them. */
	if (unlikely(skb_linearize(skb))) {
		ret = HB_DROP_SHORT;
		goto drop;
	}
	ret = hb_frame_parse(skb->data + off, len, &fi);
	if (ret != HB_FRAME_OK)
		goto drop;
	if (fi.sender_id == READ_ONCE(hn->node_id)) {
		ret = HB_DROP_SELF;
		goto drop;
	}
	if (fi.cluster_id != READ_ONCE(hn->cluster_id)) {
		ret = HB_DROP_BAD_CLUSTER;
		goto drop;
	}
	/* Before anything is learned or changed from the frame. */
	ret = hb_auth_verify(hn, skb->data + off, &fi);
	if (ret != HB_FRAME_OK)
		goto drop;

	/* Zeroed: compared as bytes.  The IPv6 socket is v6only, so it
	 * never sees a v4-mapped source.
	 */
	memset(&src, 0, sizeof(src));
	src.family = sk->sk_family;
	src.port = udp_hdr(skb)->source;
	if (sk->sk_family == AF_INET)
		src.v4.s_addr = ip_hdr(skb)->saddr;
	else
		src.v6 = ipv6_hdr(skb)->saddr;

	trace_hb_frame_rx(hn->net, &fi);
	hb_peer_rx(hn, &fi, &src);
	consume_skb(skb);
	return 0;

drop:
	hb_drop(hn, ret);
free:
	kfree_skb(skb);
	return 0;
}

static int hb_sock_create(struct hb_net *hn, sa_family_t family, u16 port,
			  struct socket **sockp)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.sk_user_data	= hn,
		.encap_type	= HB_UDP_ENCAP_TYPE,
		.encap_rcv	= hb_udp_recv,
	};
	struct udp_port_cfg cfg = {
		.family		= family,
		.local_udp_port	= htons(port),
	};
	struct socket *sock;
	int err;

	if (family == AF_INET) {
		cfg.local_ip.s_addr = htonl(INADDR_ANY);
		cfg.use_udp_checksums = 1;
	} else {
#if IS_ENABLED(CONFIG_IPV6)
		cfg.local_ip6 = in6addr_any;
#endif
		cfg.ipv6_v6only = 1;
		cfg.use_udp6_tx_checksums = 1;
		cfg.use_udp6_rx_checksums = 1;
	}

	err = udp_sock_create(hn->net, &cfg, &sock);
	if (err)
		return err;
	setup_udp_tunnel_sock(hn->net, sock, &tcfg);
	atomic64_inc(&hb_objects[HB_OBJ_SOCKETS]);

	*sockp = sock;
	return 0;
}

/* Release a socket no RCU reader can see any more. */
static void hb_sock_release(struct socket *sock)
{
	if (!sock)
		return;
	udp_tunnel_sock_release(sock);
	atomic64_dec(&hb_objects[HB_OBJ_SOCKETS]);
}

/* Install @sock4 and @sock6, then release the sockets they replace. */
static void hb_sock_swap(struct hb_net *hn, struct socket *sock4,
			 struct socket *sock6)
{
	struct socket *old4, *old6;

	lockdep_assert_held(&hn->lock);

	old4 = rcu_replace_pointer(hn->sock4, sock4,
				   lockdep_is_held(&hn->lock));
	old6 = rcu_replace_pointer(hn->sock6, sock6,
				   lockdep_is_held(&hn->lock));
	if (!old4 && !old6)
		return;

	/* No sender uses the old sockets any more. */
	synchronize_net();
	hb_sock_release(old4);
	hb_sock_release(old6);
}

/**
 * hb_socket_open() - bind new sockets to a port and swap them in
 * @hn: the instance
 * @port: UDP port, host byte order
 * @extack: for error messages
 *
 * Opens an IPv4 socket bound to INADDR_ANY:@port and a v6only IPv6 socket
 * bound to [::]:@port; when IPv6 is not available only the IPv4 socket is
 * used.  The new sockets replace the old ones, which are released once no
 * sender uses them.  On error the old sockets stay in force.
 *
 * Context: process context, hn->lock held; sleeps.
 * Return: 0 or a negative errno (-EADDRINUSE when the port is taken).
 */
int hb_socket_open(struct hb_net *hn, u16 port, struct netlink_ext_ack *extack)
{
	struct socket *sock4, *sock6;
	int err;

	lockdep_assert_held(&hn->lock);

	if (hn->dying)
		return -ENODEV;

	err = hb_sock_create(hn, AF_INET, port, &sock4);
	if (err)
		goto err_msg;

	err = hb_sock_create(hn, AF_INET6, port, &sock6);
	if (err == -EAFNOSUPPORT || err == -EPFNOSUPPORT) {
		sock6 = NULL;
	} else if (err) {
		hb_sock_release(sock4);
		goto err_msg;
	}

	hb_sock_swap(hn, sock4, sock6);
	return 0;

err_msg:
	if (err == -EADDRINUSE)
		NL_SET_ERR_MSG_MOD(extack, "port is in use");
	else
		NL_SET_ERR_MSG_MOD(extack, "cannot open the UDP sockets");
	return err;
}

/**
 * hb_socket_close() - release both sockets
 * @hn: the instance
 *
 * Context: process context, hn->lock held; sleeps (waits for RCU readers).
 */
void hb_socket_close(struct hb_net *hn)
{
	lockdep_assert_held(&hn->lock);

	hb_sock_swap(hn, NULL, NULL);
}

/*
 * The peer's cached route, with a new reference, or NULL when there is
 * none or it is no longer valid (then it is dropped).  One route per peer
 * for every CPU: a struct dst_cache would cost 40 bytes per possible CPU
 * and peer, 2.5 KiB on a 64-CPU server.  Its users hold peer->lock.
 */
static struct dst_entry *hb_route_get(struct hb_peer *peer)
{
	struct dst_entry *dst = peer->dst;

	lockdep_assert_held(&peer->lock);

	if (!dst)
		return NULL;
	if (unlikely(dst->obsolete &&
		     !dst->ops->check(dst, peer->dst_cookie))) {
		peer->dst = NULL;
		dst_release(dst);
		return NULL;
	}
	dst_hold(dst);
	return dst;
}

/* Cache @dst (the caller keeps its own reference), peer->lock held. */
static void hb_route_set(struct hb_peer *peer, struct dst_entry *dst,
			 u32 cookie)
{
	struct dst_entry *old = peer->dst;

	lockdep_assert_held(&peer->lock);

	dst_hold(dst);
	peer->dst = dst;
	peer->dst_cookie = cookie;
	dst_release(old);
}

/**
 * hb_socket_route_reset() - forget a peer's cached route
 * @peer: the peer, peer->lock held
 *
 * Call after the peer's endpoint changed.
 *
 * Context: any; never sleeps.
 */
void hb_socket_route_reset(struct hb_peer *peer)
{
	struct dst_entry *old = peer->dst;

	lockdep_assert_held(&peer->lock);

	peer->dst = NULL;
	dst_release(old);
}

/* A route towards @addr from @sk's port, from the cache or looked up. */
static struct dst_entry *hb_route4(struct hb_peer *peer, struct sock *sk,
				   const struct hb_addr *addr, __be32 *saddr)
{
	struct flowi4 fl4 = {
		.daddr		= addr->v4.s_addr,
		.fl4_dport	= addr->port,
		.fl4_sport	= inet_sk(sk)->inet_sport,
		.flowi4_proto	= IPPROTO_UDP,
	};
	struct dst_entry *dst;
	struct rtable *rt;

	dst = hb_route_get(peer);
	if (dst) {
		*saddr = peer->dst_saddr.s6_addr32[0];
		return dst;
	}

	rt = ip_route_output_flow(sock_net(sk), &fl4, sk);
	if (IS_ERR(rt))
		return ERR_CAST(rt);
	*saddr = fl4.saddr;
	peer->dst_saddr.s6_addr32[0] = fl4.saddr;
	hb_route_set(peer, &rt->dst, 0);
	return &rt->dst;
}

static struct dst_entry *hb_route6(struct hb_peer *peer, struct sock *sk,
				   const struct hb_addr *addr,
				   struct in6_addr *saddr)
{
#if IS_ENABLED(CONFIG_IPV6)
	struct flowi6 fl6 = {
		.daddr		= addr->v6,
		.fl6_dport	= addr->port,
		.fl6_sport	= inet_sk(sk)->inet_sport,
		.flowi6_proto	= IPPROTO_UDP,
	};
	struct dst_entry *dst;

	dst = hb_route_get(peer);
	if (dst) {
		*saddr = peer->dst_saddr;
		return dst;
	}

	dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sk), sk, &fl6, NULL);
	if (IS_ERR(dst))
		return dst;
	*saddr = fl6.saddr;
	peer->dst_saddr = fl6.saddr;
	hb_route_set(peer, dst, rt6_get_cookie((struct rt6_info *)dst));
	return dst;
#else
	return ERR_PTR(-EAFNOSUPPORT);
#endif
}

/**
 * hb_socket_send() - build and send one frame to a peer
 * @peer: the peer
 *
 * Sends a beat while the node beats to @peer (peer->tx_on), or the one
 * frame with HB_FRAME_F_LEAVE that follows the end of that, or a probe
 * that a restarted peer can echo (peer->probe_pending), and nothing
 * otherwise.  The frame carries the node's current extensions (hn->ext)
 * and is signed with the primary key when there is one; when
 * authentication is required and the frame cannot be signed, nothing is
 * sent (hb_auth_tx_failed()).
 * Reads what the frame announces and echoes under peer->lock, and routes
 * under it too: the route cache is reset under that lock when the address
 * changes, so a route is never cached for an address that is no longer the
 * peer's.  The frame is then built and sent without the lock.  A frame
 * that cannot be allocated or routed counts as a tx error and does not
 * use up a sequence number.  When the peer has echoed a frame of ours
 * since the last one sent, the route's neighbour entry is confirmed, as
 * MSG_CONFIRM does (hb_peer_echo()).  The frame carries the node's DSCP
 * (hn->dscp) in the IPv4 TOS or the IPv6 traffic class.
 *
 * Context: softirq (send timer, or the receive path for a probe),
 * peer->lock not held; never sleeps.
 */
void hb_socket_send(struct hb_peer *peer)
{
	struct hb_net *hn = peer->hn;
	struct hb_frame_info fi = {};
	struct in6_addr saddr6 = {};
	struct sk_buff *skb = NULL;
	const struct hb_ext *ext;
	struct hb_key *key;
	size_t auth_len;
	struct dst_entry *dst;
	struct hb_addr addr;
	struct socket *sock;
	__be32 saddr4 = 0;
	size_t ext_len;
	s64 delay_us;
	ktime_t now;
	bool probe;
	u8 tos;

	rcu_read_lock_bh();
	ext = rcu_dereference_bh(hn->ext);
	ext_len = ext ? ext->len : 0;
	if (hb_auth_sign_key(hn, &key)) {
		/* Fail closed: authentication is required, no key. */
		hb_auth_tx_failed(hn);
		goto out_rcu;
	}
	auth_len = key ? sizeof(struct hb_auth) : 0;

	spin_lock_bh(&peer->lock);
	if (unlikely(peer->dead))
		goto out_unlock;
	probe = peer->probe_pending;
	peer->probe_pending = false;
	if (!peer->tx_on && peer->leave_pending) {
		peer->leave_pending = false;
		fi.flags |= HB_FRAME_F_LEAVE;
	} else if (!peer->tx_on && !probe) {
		goto out_unlock;
	}
	skb = alloc_skb(HB_SKB_HEADROOM + sizeof(struct hb_frame) + ext_len +
			auth_len, GFP_ATOMIC);
	if (unlikely(!skb))
		goto err_unlock;

	addr = peer->addr;
	if (addr.family == AF_INET)
		sock = rcu_dereference_bh(hn->sock4);
	else
		sock = rcu_dereference_bh(hn->sock6);
	if (unlikely(!sock))
		goto err_unlock;

	if (addr.family == AF_INET)
		dst = hb_route4(peer, sock->sk, &addr, &saddr4);
	else
		dst = hb_route6(peer, sock->sk, &addr, &saddr6);
	if (IS_ERR(dst)) {
		net_dbg_ratelimited("no route to peer %u: %ld\n", peer->id,
				    PTR_ERR(dst));
		goto err_unlock;
	}

	/* Forward progress seen since the last frame (hb_peer_echo()). */
	if (peer->neigh_confirm) {
		peer->neigh_confirm = false;
		dst_confirm_neigh(dst, addr.family == AF_INET ?
					(const void *)&addr.v4 :
					(const void *)&addr.v6);
	}

	now = ktime_get();
	fi.seq = ++peer->tx_seq;
	fi.timestamp_ns = ktime_to_ns(now);
	fi.interval_us = peer->interval_us;
	fi.multiplier = peer->multiplier;
	if (peer->rx_valid) {
		delay_us = ktime_us_delta(now, peer->rx_time);
		fi.flags |= HB_FRAME_F_ECHO;
		fi.echo_seq = peer->rx_seq;
		fi.echo_timestamp_ns = peer->rx_remote_ts;
		fi.echo_delay_us = clamp_t(s64, delay_us, 0, U32_MAX);
	}
	peer->tx++;
	spin_unlock_bh(&peer->lock);

	fi.sender_id = READ_ONCE(hn->node_id);
	fi.cluster_id = READ_ONCE(hn->cluster_id);
	fi.incarnation = READ_ONCE(hn->incarnation);
	if (key)
		fi.flags |= HB_FRAME_F_AUTH;

	skb_reserve(skb, HB_SKB_HEADROOM);
	hb_frame_build(skb_put(skb, sizeof(struct hb_frame)), &fi, ext_len);
	if (ext_len)
		skb_put_data(skb, ext->data, ext_len);
	if (key) {
		skb_put(skb, auth_len);
		if (hb_auth_sign(hn, key, skb->data, skb->len - auth_len,
				 peer->id)) {
			hb_auth_tx_failed(hn);
			dst_release(dst);
			goto out_free;
		}
	}
	hb_auth_tx_ok(hn);
	skb->priority = TC_PRIO_CONTROL;
	trace_hb_frame_tx(hn->net, peer->id, fi.seq, fi.flags, skb->len);
	/* The DSCP in the upper 6 bits of the TOS / traffic class byte. */
	tos = READ_ONCE(hn->dscp) << 2;

	/* Both consume @skb and the reference on @dst. */
	if (addr.family == AF_INET)
		udp_tunnel_xmit_skb(container_of(dst, struct rtable, dst),
				    sock->sk, skb, saddr4, addr.v4.s_addr, tos,
				    ip4_dst_hoplimit(dst), 0,
				    inet_sk(sock->sk)->inet_sport, addr.port,
				    false, false);
#if IS_ENABLED(CONFIG_IPV6)
	else
		udp_tunnel6_xmit_skb(dst, sock->sk, skb, NULL, &saddr6,
				     &addr.v6, tos, ip6_dst_hoplimit(dst), 0,
				     inet_sk(sock->sk)->inet_sport, addr.port,
				     false);
#endif
	rcu_read_unlock_bh();
	return;

err_unlock:
	peer->tx_errors++;
out_unlock:
	spin_unlock_bh(&peer->lock);
out_free:
	kfree_skb(skb);
out_rcu:
	rcu_read_unlock_bh();
}
