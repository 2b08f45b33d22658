/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat: tracepoints (ftrace, perf trace, bpftrace), system
 * "heartbeat".  Every event carries the network namespace's cookie
 * (netns: what bpf_get_netns_cookie() gives), so that one namespace's
 * instance can be told from another's.
 *
 *   hb_frame_tx    a frame handed to the stack: peer, seq, flags, bytes
 *   hb_frame_rx    a frame that parsed and verified, before the sender's
 *                  state is checked (a later hb_frame_drop may follow):
 *                  sender, incarnation, seq, flags
 *   hb_frame_drop  a datagram dropped, by reason (the names of hbctl's
 *                  drop counters)
 *   hb_event       an event as multicast to hbctl monitor (its seq), with
 *                  type, peer, states, reason, source and, for a verdict
 *                  of monitors, the confirmations
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM heartbeat

#if !defined(_HB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _HB_TRACE_H

#include <linux/tracepoint.h>
#include <net/net_namespace.h>

#include "frame.h"
#include "peer.h"

/* The enum values' names, for tools that read the events' formats. */
TRACE_DEFINE_ENUM(HB_DROP_SHORT);
TRACE_DEFINE_ENUM(HB_DROP_BAD_MAGIC);
TRACE_DEFINE_ENUM(HB_DROP_BAD_VERSION);
TRACE_DEFINE_ENUM(HB_DROP_BAD_LENGTH);
TRACE_DEFINE_ENUM(HB_DROP_BAD_CLUSTER);
TRACE_DEFINE_ENUM(HB_DROP_UNKNOWN_PEER);
TRACE_DEFINE_ENUM(HB_DROP_BAD_SOURCE);
TRACE_DEFINE_ENUM(HB_DROP_BAD_FIELD);
TRACE_DEFINE_ENUM(HB_DROP_AUTH);
TRACE_DEFINE_ENUM(HB_DROP_STALE);
TRACE_DEFINE_ENUM(HB_DROP_NOT_CONFIGURED);
TRACE_DEFINE_ENUM(HB_DROP_SELF);
TRACE_DEFINE_ENUM(HB_DROP_LEARN_LIMIT);
TRACE_DEFINE_ENUM(HB_DROP_BAD_MEMBERS);
TRACE_DEFINE_ENUM(HB_DROP_NOT_LEADER);
TRACE_DEFINE_ENUM(HB_DROP_NO_KEY);
TRACE_DEFINE_ENUM(HB_DROP_UNAUTH);
TRACE_DEFINE_ENUM(HB_DROP_REPLAY);
TRACE_DEFINE_ENUM(HB_DROP_BAD_EPOCH);
TRACE_DEFINE_ENUM(HB_DROP_TOO_LONG);
TRACE_DEFINE_ENUM(HB_DROP_LEARN_RATE);
TRACE_DEFINE_ENUM(HB_EVENT_STATE_CHANGE);
TRACE_DEFINE_ENUM(HB_EVENT_RESTARTED);
TRACE_DEFINE_ENUM(HB_EVENT_LEARNED);
TRACE_DEFINE_ENUM(HB_EVENT_LEADER_LOST);
TRACE_DEFINE_ENUM(HB_EVENT_MODE);
TRACE_DEFINE_ENUM(HB_EVENT_AUTH);
TRACE_DEFINE_ENUM(HB_EVENT_MOVED);
TRACE_DEFINE_ENUM(HB_EVENT_FORGOTTEN);
TRACE_DEFINE_ENUM(HB_STATE_UNKNOWN);
TRACE_DEFINE_ENUM(HB_STATE_UP);
TRACE_DEFINE_ENUM(HB_STATE_DOWN);
TRACE_DEFINE_ENUM(HB_REASON_NONE);
TRACE_DEFINE_ENUM(HB_REASON_FRAME);
TRACE_DEFINE_ENUM(HB_REASON_TIMEOUT);
TRACE_DEFINE_ENUM(HB_REASON_INCARNATION);
TRACE_DEFINE_ENUM(HB_REASON_LEADER);
TRACE_DEFINE_ENUM(HB_REASON_PEERS);
TRACE_DEFINE_ENUM(HB_REASON_CONFIG);
TRACE_DEFINE_ENUM(HB_REASON_LEADERS_DOWN);
TRACE_DEFINE_ENUM(HB_REASON_LEADER_UP);
TRACE_DEFINE_ENUM(HB_REASON_NO_KEY);
TRACE_DEFINE_ENUM(HB_SOURCE_NONE);
TRACE_DEFINE_ENUM(HB_SOURCE_SELF);
TRACE_DEFINE_ENUM(HB_SOURCE_LEADER);
TRACE_DEFINE_ENUM(HB_SOURCE_PEERS);

TRACE_EVENT(hb_frame_tx,
	    TP_PROTO(const struct net *net, u32 peer, u64 seq, u8 flags,
		     unsigned int len),
	    TP_ARGS(net, peer, seq, flags, len),
	    TP_STRUCT__entry(__field(u64, netns)
			     __field(u64, seq)
			     __field(u32, peer)
			     __field(unsigned int, len)
			     __field(u8, flags)),
	    TP_fast_assign(__entry->netns = net->net_cookie;
			   __entry->seq = seq;
			   __entry->peer = peer;
			   __entry->len = len;
			   __entry->flags = flags;),
	    TP_printk("netns=%llu peer=%u seq=%llu flags=%#x len=%u",
		      __entry->netns, __entry->peer, __entry->seq,
		      __entry->flags, __entry->len)
);

TRACE_EVENT(hb_frame_rx,
	    TP_PROTO(const struct net *net, const struct hb_frame_info *fi),
	    TP_ARGS(net, fi),
	    TP_STRUCT__entry(__field(u64, netns)
			     __field(u64, incarnation)
			     __field(u64, seq)
			     __field(u32, peer)
			     __field(u8, flags)),
	    TP_fast_assign(__entry->netns = net->net_cookie;
			   __entry->incarnation = fi->incarnation;
			   __entry->seq = fi->seq;
			   __entry->peer = fi->sender_id;
			   __entry->flags = fi->flags;),
	    TP_printk("netns=%llu peer=%u incarnation=%llu seq=%llu flags=%#x",
		      __entry->netns, __entry->peer, __entry->incarnation,
		      __entry->seq, __entry->flags)
);

TRACE_EVENT(hb_frame_drop,
	    TP_PROTO(const struct net *net, unsigned int reason),
	    TP_ARGS(net, reason),
	    TP_STRUCT__entry(__field(u64, netns)
			     __field(unsigned int, reason)),
	    TP_fast_assign(__entry->netns = net->net_cookie;
			   __entry->reason = reason;),
	    TP_printk("netns=%llu reason=%s", __entry->netns,
		      __print_symbolic(__entry->reason,
				       { HB_DROP_SHORT, "short" },
				       { HB_DROP_BAD_MAGIC, "bad_magic" },
				       { HB_DROP_BAD_VERSION, "bad_version" },
				       { HB_DROP_BAD_LENGTH, "bad_length" },
				       { HB_DROP_BAD_CLUSTER, "bad_cluster" },
				       { HB_DROP_UNKNOWN_PEER, "unknown_peer" },
				       { HB_DROP_BAD_SOURCE, "bad_source" },
				       { HB_DROP_BAD_FIELD, "bad_field" },
				       { HB_DROP_AUTH, "auth" },
				       { HB_DROP_STALE, "stale" },
				       { HB_DROP_NOT_CONFIGURED, "not_configured" },
				       { HB_DROP_SELF, "self" },
				       { HB_DROP_LEARN_LIMIT, "learn_limit" },
				       { HB_DROP_BAD_MEMBERS, "bad_members" },
				       { HB_DROP_NOT_LEADER, "not_leader" },
				       { HB_DROP_NO_KEY, "no_key" },
				       { HB_DROP_UNAUTH, "unauth" },
				       { HB_DROP_REPLAY, "replay" },
				       { HB_DROP_BAD_EPOCH, "bad_epoch" },
				       { HB_DROP_TOO_LONG, "too_long" },
				       { HB_DROP_LEARN_RATE, "learn_rate" }))
);

TRACE_EVENT(hb_event,
	    TP_PROTO(const struct net *net, const struct hb_event *ev,
		     u64 seq),
	    TP_ARGS(net, ev, seq),
	    TP_STRUCT__entry(__field(u64, netns)
			     __field(u64, seq)
			     __field(u32, peer)
			     __field(u8, type)
			     __field(u8, old_state)
			     __field(u8, state)
			     __field(u8, reason)
			     __field(u8, source)
			     __field(u8, confirmations)
			     __field(u8, monitors)),
	    TP_fast_assign(__entry->netns = net->net_cookie;
			   __entry->seq = seq;
			   __entry->peer = ev->peer_id;
			   __entry->type = ev->type;
			   __entry->old_state = ev->old_state;
			   __entry->state = ev->state;
			   __entry->reason = ev->reason;
			   __entry->source = ev->source;
			   __entry->confirmations = ev->confirmations;
			   __entry->monitors = ev->monitors;),
	    TP_printk("netns=%llu seq=%llu type=%s peer=%u %s->%s reason=%s source=%s confirmed=%u/%u",
		      __entry->netns, __entry->seq,
		      __print_symbolic(__entry->type,
				       { HB_EVENT_STATE_CHANGE, "state" },
				       { HB_EVENT_RESTARTED, "restarted" },
				       { HB_EVENT_LEARNED, "learned" },
				       { HB_EVENT_LEADER_LOST, "leader_lost" },
				       { HB_EVENT_MODE, "mode" },
				       { HB_EVENT_AUTH, "auth" },
				       { HB_EVENT_MOVED, "moved" },
				       { HB_EVENT_FORGOTTEN, "forgotten" }),
		      __entry->peer,
		      __print_symbolic(__entry->old_state,
				       { HB_STATE_UNKNOWN, "unknown" },
				       { HB_STATE_UP, "up" },
				       { HB_STATE_DOWN, "down" }),
		      __print_symbolic(__entry->state,
				       { HB_STATE_UNKNOWN, "unknown" },
				       { HB_STATE_UP, "up" },
				       { HB_STATE_DOWN, "down" }),
		      __print_symbolic(__entry->reason,
				       { HB_REASON_NONE, "none" },
				       { HB_REASON_FRAME, "frame" },
				       { HB_REASON_TIMEOUT, "timeout" },
				       { HB_REASON_INCARNATION, "incarnation" },
				       { HB_REASON_LEADER, "leader" },
				       { HB_REASON_PEERS, "peers" },
				       { HB_REASON_CONFIG, "config" },
				       { HB_REASON_LEADERS_DOWN, "leaders_down" },
				       { HB_REASON_LEADER_UP, "leader_up" },
				       { HB_REASON_NO_KEY, "no_key" }),
		      __print_symbolic(__entry->source,
				       { HB_SOURCE_NONE, "none" },
				       { HB_SOURCE_SELF, "self" },
				       { HB_SOURCE_LEADER, "leader" },
				       { HB_SOURCE_PEERS, "peers" }),
		      __entry->confirmations, __entry->monitors)
);

#endif /* _HB_TRACE_H */

/* This part must be outside the multi-read protection. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE hb_trace
#include <trace/define_trace.h>
