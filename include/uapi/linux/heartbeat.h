/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * heartbeat: in-kernel failure detection for a cluster of servers.
 *
 * This header is the protocol: it documents the generic netlink family used
 * to configure a node and read liveness, the multicast events, and the wire
 * format of heartbeat frames.  It is shared by heartbeat.ko and hbctl.
 *
 * Generic netlink family
 * ----------------------
 * Family name HEARTBEAT_GENL_NAME ("heartbeat"), version 1.  Every instance
 * is per network namespace: a command acts on the namespace of the socket
 * that sends it.  Commands that change state need CAP_NET_ADMIN over the
 * user namespace owning that network namespace; reading is open to all.
 *
 * HB_CMD_NODE_GET (no privilege)
 *   Request: no attributes.
 *   Reply:   HB_A_NODE_ID, HB_A_NODE_PORT, HB_A_NODE_CLUSTER,
 *            HB_A_NODE_INCARNATION, HB_A_NODE_PEERS, HB_A_NODE_EVENT_SEQ,
 *            HB_A_NODE_DROPS (nest of u64 counters, one per HB_DROP_*),
 *            HB_A_NODE_CONFIGURED (flag, present once NODE_SET succeeded),
 *            the cluster settings HB_A_NODE_MODE, HB_A_NODE_LEADERS,
 *            HB_A_NODE_LEARN, HB_A_NODE_MONITORS, HB_A_NODE_INTERVAL_US,
 *            HB_A_NODE_MULTIPLIER, HB_A_NODE_LEARN_LIMIT,
 *            HB_A_NODE_MAX_DETECT_MS, and the cluster
 *            state HB_A_NODE_EFFECTIVE_MODE, HB_A_NODE_LEADER (the leader
 *            whose membership view is followed, absent when none),
 *            HB_A_NODE_LEARNED, HB_A_NODE_SENDING, HB_A_NODE_WATCHING and
 *            HB_A_NODE_EPOCH, the settings HB_A_NODE_LEARN_AGE_MS and
 *            HB_A_NODE_DSCP, HB_A_NODE_BEATS (the beats per second its
 *            peers' intervals add up to: the sum of 1 s / interval,
 *            rounded up, over every peer), in a namespace whose owner is
 *            not the initial user namespace the budget it is bound by,
 *            HB_A_NODE_BUDGET_PEERS and HB_A_NODE_BUDGET_BEATS (see
 *            "Budgets" below; both absent elsewhere), and
 *            HB_A_NODE_TICKS (u64, cluster ticks run so far: one per
 *            HB_A_NODE_INTERVAL_US outside static mode, brought forward
 *            by frames that need one, but never to less than an interval
 *            after the previous one), HB_A_NODE_DEFERRED (u64, verdicts
 *            of a passed deadline deferred because the node itself ran
 *            late or still held frames to process),
 *            and, in the initial network namespace only, HB_A_NODE_OBJECTS
 *            (nest of HB_OBJ_*, u64 counts of live module objects over all
 *            namespaces: used by tests to prove teardown frees everything).
 *            In both nests the attribute type is the enum value + 1
 *            (HB_DROP_SHORT is type 1); type 0 is padding, to be skipped.
 *
 * HB_CMD_NODE_SET (CAP_NET_ADMIN)
 *   Request: HB_A_NODE_ID (required the first time), HB_A_NODE_PORT,
 *            HB_A_NODE_CLUSTER, HB_A_NODE_MODE, HB_A_NODE_LEADERS (a nest
 *            of 0..HEARTBEAT_MAX_LEADERS HB_LIST_A_ID u32 ids, replacing
 *            the list; an empty nest clears it), HB_A_NODE_LEARN,
 *            HB_A_NODE_MONITORS, HB_A_NODE_INTERVAL_US,
 *            HB_A_NODE_MULTIPLIER, HB_A_NODE_LEARN_LIMIT, HB_A_NODE_AUTH,
 *            HB_A_NODE_RESTART, HB_A_NODE_MAX_DETECT_MS
 *            (HEARTBEAT_MIN_MAX_DETECT_MS..HEARTBEAT_MAX_MAX_DETECT_MS,
 *            default HEARTBEAT_DEFAULT_MAX_DETECT_MS: the longest detection
 *            time used for a peer that announced a longer one),
 *            HB_A_NODE_LEARN_AGE_MS, HB_A_NODE_DSCP (0..HEARTBEAT_MAX_DSCP,
 *            default HEARTBEAT_DEFAULT_DSCP: the DSCP of every heartbeat
 *            sent from now on).  Member
 *            mode needs at least one leader; a leader id must not be the
 *            node's own.  Lowering the learn limit below the number of
 *            learned members is refused.  The node picks a new incarnation
 *            (strictly greater than the previous one; it is the wall clock
 *            in nanoseconds when that is larger), so that peers see it as
 *            restarted (HB_EVENT_RESTARTED), only when it starts afresh: on
 *            its first NODE_SET, on a new node id or port, and on a request
 *            with the HB_A_NODE_RESTART flag.  Every other setting changes
 *            in place, with the incarnation kept.  Changing the port
 *            rebinds the sockets; on failure the old configuration stays in
 *            force.
 *
 * HB_CMD_PEER_ADD (CAP_NET_ADMIN)
 *   Request: HB_A_PEER nest with HB_PEER_A_ID, exactly one of
 *            HB_PEER_A_ADDR4 / HB_PEER_A_ADDR6 (required), and optional
 *            HB_PEER_A_PORT, HB_PEER_A_INTERVAL_US, HB_PEER_A_MULTIPLIER.
 *            The node must be configured first.  -EEXIST for a known id.
 *            The address must be unicast: unspecified, multicast,
 *            broadcast and loopback addresses are rejected, and so are
 *            IPv4-mapped IPv6 addresses (use HB_PEER_A_ADDR4) and IPv6
 *            link-local ones (no interface can be given).
 *
 * Budgets: in a network namespace owned by a user namespace other than the
 * initial one (created by an unprivileged user, for instance), PEER_ADD,
 * PEER_SET and learning are refused (-EDQUOT, with a message naming the
 * module parameter; a leader counts a sender it cannot learn as
 * HB_DROP_LEARN_LIMIT) past the module parameters userns_max_peers
 * (peers of the namespace, default 256) and userns_max_beats (beats per
 * second, default 10,000, as HB_A_NODE_BEATS counts them).  Memory a
 * request allocates is charged to the memory cgroup of its sender.
 *
 * HB_CMD_PEER_SET (CAP_NET_ADMIN)
 *   Request: HB_A_PEER nest with HB_PEER_A_ID and any of the optional
 *            attributes of PEER_ADD.  -ENOENT for an unknown id.
 *
 * HB_CMD_PEER_DEL (CAP_NET_ADMIN)
 *   Request: HB_A_PEER nest with HB_PEER_A_ID.  -ENOENT for an unknown id.
 *
 * HB_CMD_PEER_GET (no privilege)
 *   doit:   HB_A_PEER nest with HB_PEER_A_ID; reply one HB_A_PEER nest.
 *   dumpit: no attributes (-EINVAL otherwise); one message per peer, each
 *           holding an HB_A_PEER nest.  A dump resumes across as many
 *           messages as needed; NLM_F_DUMP_INTR is set when the peer set
 *           changed meanwhile (the dump may then be inconsistent: dump
 *           again).
 *   A peer nest in a reply holds every HB_PEER_A_* attribute below that
 *   applies: HB_PEER_A_LAST_SEEN_MS only once a frame was received,
 *   HB_PEER_A_RTT_US and HB_PEER_A_RTTVAR_US only once a round trip time
 *   was measured; the others always (REMOTE_* are 0 until a frame arrived).
 *
 * HB_CMD_KEY_ADD (CAP_NET_ADMIN)
 *   Request: HB_A_KEY nest with HB_KEY_A_ID and HB_KEY_A_SECRET (exactly
 *            HEARTBEAT_KEY_LEN bytes), optionally HB_KEY_A_PRIMARY.  At
 *            most HEARTBEAT_MAX_KEYS keys per namespace; -EEXIST for a
 *            known id.  The secret is never sent back, and the module
 *            wipes every copy it made of it when the key is deleted.
 *            The request itself is wiped once it has been handled,
 *            accepted or refused (a refusal's ack echoes it wiped), and
 *            so is any KEY_SET or KEY_DEL request (which must not carry
 *            a secret); only a request that is not a well-formed list of
 *            attributes of this family is refused before it can be.
 *
 * HB_CMD_KEY_SET (CAP_NET_ADMIN)
 *   Request: HB_A_KEY nest with HB_KEY_A_ID and HB_KEY_A_PRIMARY: frames
 *            are signed with this key from now on.
 *
 * HB_CMD_KEY_DEL (CAP_NET_ADMIN)
 *   Request: HB_A_KEY nest with HB_KEY_A_ID.  The primary key cannot be
 *            deleted while authentication is required (-EBUSY): make
 *            another key primary first, or turn authentication off.
 *
 * HB_CMD_KEY_GET (CAP_NET_ADMIN; dump only)
 *   One message per key, each with an HB_A_KEY nest: HB_KEY_A_ID,
 *   HB_KEY_A_PRIMARY when it is the primary, HB_KEY_A_RX and HB_KEY_A_TX.
 *
 * Authentication: HB_A_NODE_AUTH (NODE_SET, u8 0/1) makes a node refuse
 * every frame that is not signed with one of its keys (HB_DROP_UNAUTH,
 * HB_DROP_NO_KEY, HB_DROP_AUTH).  It can only be turned on while a primary
 * key is set (-ENOKEY).  Whenever a primary key is set, every frame is
 * signed with it, authentication required or not; a node that does not
 * require authentication accepts unsigned frames and frames signed with a
 * key it does not have, but drops a frame whose signature does not verify
 * under a key it has.  A node that requires authentication and cannot
 * sign (the key is unusable) sends nothing: it counts
 * HB_A_NODE_TX_NO_KEY and raises HB_EVENT_AUTH once.
 *
 * HB_CMD_EVENT (multicast only, group HEARTBEAT_MCGRP_EVENTS)
 *   One message per event, holding an HB_A_EVENT nest: HB_EVENT_A_SEQ (per
 *   namespace, starts at 1, no gaps unless a notification could not be
 *   allocated), HB_EVENT_A_TYPE (enum hb_event_type), HB_EVENT_A_PEER_ID,
 *   HB_EVENT_A_OLD_STATE and HB_EVENT_A_STATE (enum hb_peer_state),
 *   HB_EVENT_A_TIME_NS (CLOCK_MONOTONIC of the event), HB_EVENT_A_REASON
 *   (enum hb_event_reason) and, for a peer that went DOWN,
 *   HB_EVENT_A_DETECT_US (the detection time that elapsed) or, for
 *   RESTARTED, HB_EVENT_A_INCARNATION (the new incarnation).
 *   STATE_CHANGE also carries HB_EVENT_A_SOURCE; a DOWN decided by a
 *   peer's monitors (leaderless mode) carries HB_EVENT_A_CONFIRMATIONS and
 *   HB_EVENT_A_MONITORS (k-of-n).  LEARNED carries HB_EVENT_A_ORIGIN and
 *   the state the peer starts in; LEADER_LOST the leader's id; MODE (peer
 *   id 0) HB_EVENT_A_OLD_MODE and HB_EVENT_A_MODE with reason
 *   HB_REASON_LEADERS_DOWN, HB_REASON_LEADER_UP or HB_REASON_CONFIG;
 *   MOVED the peer's new endpoint (HB_EVENT_A_ADDR4 or HB_EVENT_A_ADDR6,
 *   and HB_EVENT_A_PORT) with reason HB_REASON_INCARNATION (its own
 *   frames) or HB_REASON_LEADER (the leader's list); FORGOTTEN the
 *   peer (its state DOWN, reason HB_REASON_TIMEOUT) that was removed
 *   after it was DOWN for HB_A_NODE_LEARN_AGE_MS.
 *   Every event takes a sequence number whether or not anyone listens
 *   (HB_A_NODE_EVENT_SEQ is the last one taken), and listeners receive the
 *   events of a namespace in sequence order; a gap means notifications
 *   were lost (not allocated, or ENOBUFS on the listener's socket).  The
 *   events of one peer are numbered in the order of its changes, so its
 *   last event tells its current state.
 *
 * Every rejection carries an extended ack message naming the problem.
 * Unknown attributes are rejected (strict validation), and so are the
 * attributes a command does not take (read-only ones in particular), a
 * nonzero genlmsghdr.reserved, and nlmsg_flags other than NLM_F_REQUEST,
 * NLM_F_ACK, NLM_F_ECHO and NLM_F_DUMP.
 *
 * Cluster modes (HB_A_NODE_MODE, enum hb_mode)
 * -------------------------------------------
 * Every remote node the instance knows is a peer: configured with
 * PEER_ADD (HB_ORIGIN_CONFIGURED), learned by a leader from the peer's own
 * valid frames (HB_ORIGIN_LEARNED), or learned by a member from a leader's
 * membership list (HB_ORIGIN_LEADER).  The mode decides which peers the
 * node beats to (HB_ROLE_TX) and which it runs failure detection on
 * (HB_ROLE_WATCH); a frame from any known peer still counts as a sign of
 * life.
 *
 * The endpoint of a peer that was not configured follows the peer (outside
 * static mode): it moves to the source of a valid frame that announces a
 * restart (see "Incarnations" below: the node restarted elsewhere; frames
 * from that source are accepted until the move is applied), and, on a
 * member, to the endpoint in the list of the leader it follows.  Each move
 * raises HB_EVENT_MOVED.  Any other frame from another source is dropped
 * (HB_DROP_BAD_SOURCE), and a configured peer never moves.
 *
 * HB_MODE_STATIC: beat to and watch every peer (the default).
 * HB_MODE_LEADER: as static, and learn a peer for every valid frame of the
 *   cluster from an unknown sender (while HB_A_NODE_LEARN is on and fewer
 *   than HB_A_NODE_LEARN_LIMIT peers are learned; learned peers use
 *   HB_A_NODE_INTERVAL_US and HB_A_NODE_MULTIPLIER).  At most
 *   HEARTBEAT_LEARN_RATE senders are learned per HB_A_NODE_INTERVAL_US;
 *   frames of further unknown senders are dropped (HB_DROP_LEARN_RATE).
 *   A peer learned this way is beaten to every interval only while it is
 *   UP: until its first valid frame after it was learned the node sends it
 *   nothing, and while it is DOWN one probe every
 *   max(min(10 intervals, 60 s), 1 s), so the node never sends much to an
 *   endpoint that does not send to it.  Once it has been DOWN for
 *   HB_A_NODE_LEARN_AGE_MS it is forgotten (removed, HB_EVENT_FORGOTTEN).
 *   Every beat carries
 *   a window of the membership (HB_TLV_MEMBERS), so members see the whole
 *   cluster within ceil(members / HB_TLV_MEMBERS_MAX) intervals.
 * HB_MODE_MEMBER: beat to and watch the leaders (HB_A_NODE_LEADERS) only,
 *   learn the other members from the leaders' lists and take their state
 *   from the lowest-id leader that has been UP for at least its detection
 *   time (reason HB_REASON_LEADER).  When every leader is DOWN the node
 *   falls back to leaderless over the members it knows
 *   (HB_A_NODE_EFFECTIVE_MODE becomes HB_MODE_LEADERLESS, HB_EVENT_MODE
 *   is sent) and keeps beating to the leaders; it returns to member mode
 *   once a leader has been UP again for its detection time.
 * HB_MODE_LEADERLESS: order the node and every peer not DOWN on a ring by
 *   id.  The node beats to its HB_A_NODE_MONITORS (k) successors on that
 *   ring, which are its monitors, and to the DOWN peers it skips on the
 *   way to them (so that a returning node is heard); it watches the peers
 *   that have it among their k successors, each from the first frame it
 *   receives after the ring changed.  Every beat carries the node's
 *   verdicts (HB_TLV_VERDICTS): a monitor whose detection time expires
 *   suspects the peer, the suspicion and the monitors that confirmed it
 *   spread with the beats, and a peer is declared DOWN (reason
 *   HB_REASON_PEERS, or HB_REASON_TIMEOUT on a node that confirmed it
 *   itself) once every live monitor of it (one that is not itself
 *   suspected by two monitors or more) confirmed, or after three
 *   detection times with at least one.  Verdicts are ordered by a per-peer
 *   epoch; a valid frame from a peer, or a suspicion of a node that its
 *   watchers still hear, moves the epoch on and makes it UP again.
 *   Epochs wrap: they are compared with serial number arithmetic (a is
 *   later than b when (__s32)(a - b) > 0), and a received epoch more than
 *   HB_EPOCH_WINDOW before or after the receiver's is ignored and counted
 *   (HB_DROP_BAD_EPOCH), except while the receiver has no epoch of its
 *   own for that node yet.  A confirmation is counted only first-hand
 *   (the confirming monitor lists itself in its own frame) or once two
 *   different senders relayed it, and a receiver never takes another
 *   node's word for its own confirmation: a single node, lying or
 *   faulty, can add no confirmation but its own.
 *
 * Wire format
 * -----------
 * A heartbeat is one UDP datagram, default port HEARTBEAT_DEFAULT_PORT, that
 * holds a struct hb_frame (all fields in network byte order), then
 * (hdr.length - sizeof(struct hb_frame)) bytes of TLV extensions
 * (struct hb_tlv, each padded to 4 bytes; unknown types are skipped; a
 * known type at most once), then,
 * when HB_FRAME_F_AUTH is set, an authentication trailer (struct hb_auth).  A receiver
 * never trusts hdr.length: it must lie between sizeof(struct hb_frame) and
 * the datagram length.
 *
 * Extending the format: what a receiver does not know falls in one of
 * two classes.  Unknown bits of hdr.flags and an unknown version make the
 * frame invalid (they may change its meaning); unknown bits of
 * hdr.opt_flags, unknown TLV types and the reserved fields are ignored.
 * An optional feature therefore takes an opt_flags bit or a TLV, and
 * needs no new version.
 *
 * Version 2, when one is needed, keeps the first 8 bytes (magic, version,
 * flags, length) where they are, and is introduced next to version 1:
 * - a version 1 receiver drops every version 2 frame (HB_DROP_BAD_VERSION,
 *   counted), so it never misreads one;
 * - a node that speaks both accepts both, and sends version 1 to a peer
 *   until it has received a valid version 2 frame from that peer (of the
 *   peer's current incarnation); from then on it sends version 2 to it,
 *   and it falls back to version 1 when the peer restarts.  A peer that
 *   speaks only version 1 thus never sees a version 2 frame, and a
 *   mixed cluster stays UP while it is upgraded node by node;
 * - a version 2 node announces that it speaks version 2 with an
 *   opt_flags bit in its version 1 frames, so that its peers switch
 *   without waiting for a version 2 frame that nobody sends first.
 *
 * Size: a node never sends a frame whose IPv6 packet (40 bytes of IPv6
 * and 8 of UDP header, the frame, its trailer) exceeds the IPv6 minimum
 * MTU of 1,280 bytes: a leader's membership window holds at most
 * HB_TLV_MEMBERS_MAX members (a full window, signed, is 1,216 bytes of
 * UDP payload, 1,264 bytes over IPv6), and a leaderless node's verdicts
 * at most HB_TLV_VERDICTS_MAX entries (1,168 bytes at most, signed).
 *
 * Priority: heartbeats carry the DSCP HB_A_NODE_DSCP (default
 * HEARTBEAT_DEFAULT_DSCP, class selector 6, as routing protocols use) in
 * the IPv4 TOS byte and the IPv6 traffic class.
 *
 * A datagram longer than the largest frame a node builds (the header,
 * HB_TLV_MEMBERS_MAX members, HB_TLV_VERDICTS_MAX verdicts of
 * HEARTBEAT_MAX_MONITORS confirmations each, and a trailer: 2,284 bytes)
 * is dropped as HB_DROP_TOO_LONG, one shorter than struct hb_frame as
 * HB_DROP_SHORT.  Both are decided from the datagram's length and the
 * header checks (magic, version, flags, hdr.length, trailer size) from
 * the header alone, before the datagram is copied or any MAC computed.
 *
 * When HB_FRAME_F_AUTH is set, exactly one struct hb_auth follows
 * hdr.length bytes, and the datagram ends with it.  Its mac is
 * HMAC-SHA256, under the key key_id, of the hdr.length bytes of the frame,
 * the first 4 bytes of the trailer (key_id and reserved), and the node id
 * of the destination (4 bytes, network byte order; not sent), so that a
 * frame sent to one node cannot be replayed to another.
 *
 * Sequence numbers are checked against a window of HB_REPLAY_WINDOW:
 * a frame newer than the last one is accepted, an older one that was not
 * seen yet and is inside the window is accepted (reordering: it is no
 * longer counted as lost, but only a frame newer than every other one
 * counts as a sign of life), anything else is dropped (HB_DROP_REPLAY
 * inside the window, HB_DROP_STALE before it or from another incarnation
 * that is not a restart).
 *
 * Incarnations: a frame of another incarnation than the last one received
 * from a peer is a restart (HB_EVENT_RESTARTED; its sequence numbers start
 * over) when the incarnation is higher than every one received from that
 * peer, or when no valid frame came from the peer for its detection time
 * (a node that restarted with its clock behind comes back lower).  When
 * authentication is required, the second kind must also be fresh: it has
 * HB_FRAME_F_ECHO, and echoes a sequence number the receiver sent and a
 * timestamp_ns of the receiver later than the peer's last valid frame.  A
 * receiver that does not beat to the peer answers such a signed frame
 * without that proof with one frame (at most one per interval) to the
 * peer's endpoint, so that the peer has something to echo.  Otherwise the
 * frame is HB_DROP_STALE.
 *
 * HB_TLV_MEMBERS (leaders only): 1..HB_TLV_MEMBERS_MAX struct hb_member;
 * HB_TLV_VERDICTS (leaderless nodes): 1..HB_TLV_VERDICTS_MAX struct
 * hb_verdict, each followed by its confirmations (relayed as the sender
 * counted them; see HB_MODE_LEADERLESS for how a receiver counts them).
 * A TLV whose length does
 * not match its entries, or an entry with a zero id, an unknown state or
 * family, or more than HEARTBEAT_MAX_MONITORS confirmations, makes the
 * whole frame invalid (HB_DROP_BAD_MEMBERS).  HB_FRAME_F_LEAVE tells the
 * destination that the sender stops beating to it (its ring changed):
 * the destination stops watching it until the next frame.
 */
#ifndef _UAPI_LINUX_HEARTBEAT_H
#define _UAPI_LINUX_HEARTBEAT_H

#include <linux/types.h>

#define HEARTBEAT_GENL_NAME		"heartbeat"
#define HEARTBEAT_GENL_VERSION		1
#define HEARTBEAT_MCGRP_EVENTS		"events"

#define HEARTBEAT_DEFAULT_PORT		7410
#define HEARTBEAT_DEFAULT_INTERVAL_US	100000U		/* 100 ms */
#define HEARTBEAT_MIN_INTERVAL_US	1000U		/* 1 ms */
#define HEARTBEAT_MAX_INTERVAL_US	60000000U	/* 60 s */
#define HEARTBEAT_DEFAULT_MULTIPLIER	3
#define HEARTBEAT_MIN_MULTIPLIER	2
#define HEARTBEAT_MAX_MULTIPLIER	255
/* Per network namespace upper bound on configured peers. */
#define HEARTBEAT_MAX_PEERS		65536
#define HEARTBEAT_MAX_LEADERS		4
#define HEARTBEAT_DEFAULT_MONITORS	3
#define HEARTBEAT_MAX_MONITORS		8
#define HEARTBEAT_DEFAULT_LEARN_LIMIT	1024
/* Most unknown senders a leader learns per HB_A_NODE_INTERVAL_US. */
#define HEARTBEAT_LEARN_RATE		32
/* How long a learned peer stays DOWN before it is forgotten. */
#define HEARTBEAT_DEFAULT_LEARN_AGE_MS	60000U		/* 60 s */
#define HEARTBEAT_MIN_LEARN_AGE_MS	1000U		/* 1 s */
#define HEARTBEAT_MAX_LEARN_AGE_MS	86400000U	/* 1 day */
#define HEARTBEAT_MAX_KEYS		4
#define HEARTBEAT_KEY_LEN		32	/* bytes of an HMAC-SHA256 key */
#define HB_REPLAY_WINDOW		64
/* Bounds of HB_A_NODE_MAX_DETECT_MS, the longest detection time used for
 * a peer whatever it announces; the largest is the longest a peer can
 * announce (60 s x 255): no bound.
 */
#define HEARTBEAT_DEFAULT_MAX_DETECT_MS	180000U		/* 3 min */
#define HEARTBEAT_MIN_MAX_DETECT_MS	10U
#define HEARTBEAT_MAX_MAX_DETECT_MS	15300000U	/* 4 h 15 min */
/* DSCP of heartbeats (HB_A_NODE_DSCP): class selector 6 by default. */
#define HEARTBEAT_DEFAULT_DSCP		48
#define HEARTBEAT_MAX_DSCP		63

enum hb_cmd {
	HB_CMD_UNSPEC,
	HB_CMD_NODE_GET,
	HB_CMD_NODE_SET,
	HB_CMD_PEER_ADD,
	HB_CMD_PEER_SET,
	HB_CMD_PEER_DEL,
	HB_CMD_PEER_GET,
	HB_CMD_EVENT,
	HB_CMD_KEY_ADD,
	HB_CMD_KEY_SET,
	HB_CMD_KEY_DEL,
	HB_CMD_KEY_GET,
	__HB_CMD_MAX
};

#define HB_CMD_MAX (__HB_CMD_MAX - 1)

/* Top-level attributes. */
enum hb_attr {
	HB_A_UNSPEC,
	HB_A_PAD,
	HB_A_NODE_ID,			/* u32, nonzero */
	HB_A_NODE_PORT,			/* u16, nonzero, host byte order */
	HB_A_NODE_CLUSTER,		/* u32 */
	HB_A_NODE_INCARNATION,		/* u64, read only */
	HB_A_NODE_PEERS,		/* u32, read only: configured peers */
	HB_A_NODE_EVENT_SEQ,		/* u64, read only: last event seq */
	HB_A_NODE_DROPS,		/* nest: u64 at type reason + 1 */
	HB_A_NODE_CONFIGURED,		/* flag, read only */
	HB_A_NODE_OBJECTS,		/* nest: u64 at type hb_obj + 1 */
	HB_A_PEER,			/* nest of enum hb_peer_attr */
	HB_A_EVENT,			/* nest of enum hb_event_attr */
	HB_A_NODE_MODE,			/* u8, enum hb_mode */
	HB_A_NODE_LEADERS,		/* nest of HB_LIST_A_ID */
	HB_A_NODE_LEARN,		/* u8, 0 or 1; default 1 */
	HB_A_NODE_MONITORS,		/* u8, 1..HEARTBEAT_MAX_MONITORS */
	HB_A_NODE_INTERVAL_US,		/* u32, for learned peers */
	HB_A_NODE_MULTIPLIER,		/* u8, for learned peers */
	HB_A_NODE_LEARN_LIMIT,		/* u32, 1..HEARTBEAT_MAX_PEERS */
	HB_A_NODE_EFFECTIVE_MODE,	/* u8, enum hb_mode, read only */
	HB_A_NODE_LEADER,		/* u32, read only: leader followed */
	HB_A_NODE_LEARNED,		/* u32, read only: learned peers */
	HB_A_NODE_SENDING,		/* u32, read only: peers beaten to */
	HB_A_NODE_WATCHING,		/* u32, read only: peers watched */
	HB_A_NODE_EPOCH,		/* u32, read only: own verdict epoch */
	HB_A_KEY,			/* nest of enum hb_key_attr */
	HB_A_NODE_AUTH,			/* u8, 0 or 1: require authentication */
	HB_A_NODE_PRIMARY_KEY,		/* u8, read only: 0 when none */
	HB_A_NODE_KEYS,			/* u32, read only: keys installed */
	HB_A_NODE_TX_NO_KEY,		/* u64, read only: frames not sent */
	HB_A_NODE_RESTART,		/* flag: take a new incarnation */
	HB_A_NODE_MAX_DETECT_MS,	/* u32, bound of a peer's detection */
	HB_A_NODE_LEARN_AGE_MS,		/* u32, 1 s..1 day: forget after DOWN */
	HB_A_NODE_TICKS,		/* u64, read only: cluster ticks run */
	HB_A_NODE_DSCP,			/* u8, 0..63: DSCP of heartbeats */
	HB_A_NODE_BEATS,		/* u32, read only: beats/s of peers */
	HB_A_NODE_BUDGET_PEERS,		/* u32, read only: userns_max_peers */
	HB_A_NODE_BUDGET_BEATS,		/* u32, read only: userns_max_beats */
	HB_A_NODE_DEFERRED,		/* u64, read only: verdicts deferred */
	__HB_A_MAX
};

#define HB_A_MAX (__HB_A_MAX - 1)

enum hb_key_attr {
	HB_KEY_A_UNSPEC,
	HB_KEY_A_PAD,
	HB_KEY_A_ID,			/* u8, 1..255 */
	HB_KEY_A_SECRET,		/* binary, HEARTBEAT_KEY_LEN, write only */
	HB_KEY_A_PRIMARY,		/* flag */
	HB_KEY_A_RX,			/* u64, frames verified with it */
	HB_KEY_A_TX,			/* u64, frames signed with it */
	__HB_KEY_A_MAX
};

#define HB_KEY_A_MAX (__HB_KEY_A_MAX - 1)

/* Entries of a list nest such as HB_A_NODE_LEADERS. */
enum hb_list_attr {
	HB_LIST_A_UNSPEC,
	HB_LIST_A_ID,			/* u32, nonzero */
	__HB_LIST_A_MAX
};

#define HB_LIST_A_MAX (__HB_LIST_A_MAX - 1)

enum hb_peer_attr {
	HB_PEER_A_UNSPEC,
	HB_PEER_A_PAD,
	HB_PEER_A_ID,			/* u32, nonzero */
	HB_PEER_A_ADDR4,		/* binary, 4 bytes (struct in_addr) */
	HB_PEER_A_ADDR6,		/* binary, 16 bytes (struct in6_addr) */
	HB_PEER_A_PORT,			/* u16, nonzero, host byte order */
	HB_PEER_A_INTERVAL_US,		/* u32, MIN..MAX_INTERVAL_US */
	HB_PEER_A_MULTIPLIER,		/* u8, MIN..MAX_MULTIPLIER */
	HB_PEER_A_STATE,		/* u8, enum hb_peer_state, read only */
	HB_PEER_A_LAST_SEEN_MS,		/* u64, ms since last valid frame */
	HB_PEER_A_TX,			/* u64, frames sent */
	HB_PEER_A_RX,			/* u64, valid frames received */
	HB_PEER_A_DROPPED,		/* u64, frames from it dropped */
	HB_PEER_A_LOST,			/* u64, sequence numbers never seen */
	HB_PEER_A_RTT_US,		/* u32, smoothed round trip time */
	HB_PEER_A_RTTVAR_US,		/* u32, round trip time variation */
	HB_PEER_A_STATE_CHANGES,	/* u32 */
	HB_PEER_A_REMOTE_INTERVAL_US,	/* u32, interval the peer announces */
	HB_PEER_A_REMOTE_MULTIPLIER,	/* u8, multiplier the peer announces */
	HB_PEER_A_REMOTE_INCARNATION,	/* u64, last incarnation seen */
	HB_PEER_A_DETECT_US,		/* u64, detection time in force:
					 * REMOTE_INTERVAL_US x
					 * REMOTE_MULTIPLIER, at most
					 * HB_A_NODE_MAX_DETECT_MS (the
					 * local ones before any frame)
					 */
	HB_PEER_A_TX_ERRORS,		/* u64, frames that could not be sent */
	HB_PEER_A_ORIGIN,		/* u8, enum hb_origin, read only */
	HB_PEER_A_ROLES,		/* u32, HB_ROLE_* bits, read only */
	HB_PEER_A_SOURCE,		/* u8, enum hb_source, read only */
	HB_PEER_A_CONFIRMATIONS,	/* u8, monitors that confirmed DOWN */
	HB_PEER_A_MONITORS,		/* u8, its monitors at that time */
	HB_PEER_A_EPOCH,		/* u32, verdict epoch, read only */
	HB_PEER_A_LAST_CHANGE_MS,	/* u64, ms since the last state change;
					 * absent before the first
					 */
	HB_PEER_A_CHANGE_REASON,	/* u8, enum hb_event_reason of the
					 * last state change; absent before
					 * the first
					 */
	__HB_PEER_A_MAX
};

#define HB_PEER_A_MAX (__HB_PEER_A_MAX - 1)

enum hb_event_attr {
	HB_EVENT_A_UNSPEC,
	HB_EVENT_A_PAD,
	HB_EVENT_A_SEQ,			/* u64 */
	HB_EVENT_A_TYPE,		/* u8, enum hb_event_type */
	HB_EVENT_A_PEER_ID,		/* u32 */
	HB_EVENT_A_OLD_STATE,		/* u8, enum hb_peer_state */
	HB_EVENT_A_STATE,		/* u8, enum hb_peer_state */
	HB_EVENT_A_TIME_NS,		/* u64, CLOCK_MONOTONIC */
	HB_EVENT_A_REASON,		/* u8, enum hb_event_reason */
	HB_EVENT_A_DETECT_US,		/* u64, for DOWN: detection time */
	HB_EVENT_A_INCARNATION,		/* u64, for RESTARTED: the new one */
	HB_EVENT_A_SOURCE,		/* u8, enum hb_source */
	HB_EVENT_A_CONFIRMATIONS,	/* u8, for a DOWN in leaderless mode */
	HB_EVENT_A_MONITORS,		/* u8, for a DOWN in leaderless mode */
	HB_EVENT_A_ORIGIN,		/* u8, for LEARNED: enum hb_origin */
	HB_EVENT_A_OLD_MODE,		/* u8, for MODE: enum hb_mode */
	HB_EVENT_A_MODE,		/* u8, for MODE: enum hb_mode */
	HB_EVENT_A_ADDR4,		/* binary, 4 bytes, for MOVED */
	HB_EVENT_A_ADDR6,		/* binary, 16 bytes, for MOVED */
	HB_EVENT_A_PORT,		/* u16, host byte order, for MOVED */
	__HB_EVENT_A_MAX
};

#define HB_EVENT_A_MAX (__HB_EVENT_A_MAX - 1)

enum hb_peer_state {
	HB_STATE_UNKNOWN,	/* no valid frame yet */
	HB_STATE_UP,
	HB_STATE_DOWN,
	__HB_STATE_MAX
};

enum hb_event_type {
	HB_EVENT_UNSPEC,
	HB_EVENT_STATE_CHANGE,
	HB_EVENT_RESTARTED,	/* incarnation changed; state stays UP */
	HB_EVENT_LEARNED,	/* a peer was learned (HB_EVENT_A_ORIGIN) */
	HB_EVENT_LEADER_LOST,	/* a leader went DOWN */
	HB_EVENT_MODE,		/* the effective mode changed (peer id 0) */
	HB_EVENT_AUTH,		/* frames cannot be signed (peer id 0) */
	HB_EVENT_MOVED,		/* a learned peer's endpoint changed */
	HB_EVENT_FORGOTTEN,	/* a learned peer DOWN for the learn age */
	__HB_EVENT_MAX
};

enum hb_event_reason {
	HB_REASON_NONE,
	HB_REASON_FRAME,	/* a valid frame arrived */
	HB_REASON_TIMEOUT,	/* no valid frame within the detection time */
	HB_REASON_INCARNATION,	/* the peer announced a new incarnation */
	HB_REASON_LEADER,	/* the leader's membership list said so */
	HB_REASON_PEERS,	/* verdict of the peer's monitors */
	HB_REASON_CONFIG,	/* a configuration change */
	HB_REASON_LEADERS_DOWN,	/* mode: every leader is DOWN */
	HB_REASON_LEADER_UP,	/* mode: a leader is UP again */
	HB_REASON_NO_KEY,	/* auth: the primary key is missing/unusable */
	__HB_REASON_MAX
};

/* Why a received datagram was dropped; counters in HB_A_NODE_DROPS. */
enum hb_drop_reason {
	HB_DROP_SHORT,		/* shorter than struct hb_frame */
	HB_DROP_BAD_MAGIC,
	HB_DROP_BAD_VERSION,
	HB_DROP_BAD_LENGTH,	/* hdr.length out of bounds, or bad TLV */
	HB_DROP_BAD_CLUSTER,
	HB_DROP_UNKNOWN_PEER,	/* sender id is not a configured peer */
	HB_DROP_BAD_SOURCE,	/* source address/port is not the peer's */
	HB_DROP_BAD_FIELD,	/* zero id, interval or multiplier out of range */
	HB_DROP_AUTH,		/* bad trailer, or the MAC does not verify */
	HB_DROP_STALE,		/* too old a sequence number or incarnation */
	HB_DROP_NOT_CONFIGURED,	/* the node has no id yet */
	HB_DROP_SELF,		/* sender id is our own id */
	HB_DROP_LEARN_LIMIT,	/* unknown sender, learned table full */
	HB_DROP_BAD_MEMBERS,	/* malformed membership or verdict TLV */
	HB_DROP_NOT_LEADER,	/* membership list from a non-leader */
	HB_DROP_NO_KEY,		/* signed with a key id this node lacks */
	HB_DROP_UNAUTH,		/* unsigned, authentication required */
	HB_DROP_REPLAY,		/* sequence number already seen */
	HB_DROP_BAD_EPOCH,	/* one verdict entry ignored: its epoch is
				 * more than HB_EPOCH_WINDOW from this
				 * node's (the rest of the frame is used)
				 */
	HB_DROP_TOO_LONG,	/* longer than the largest valid frame */
	HB_DROP_LEARN_RATE,	/* unknown sender, learning rate exceeded */
	__HB_DROP_MAX
};

enum hb_mode {
	HB_MODE_STATIC,		/* beat to and watch every peer */
	HB_MODE_LEADER,		/* a central monitor: learns members */
	HB_MODE_MEMBER,		/* beats to its leaders */
	HB_MODE_LEADERLESS,	/* beats to k monitors on a ring */
	__HB_MODE_MAX
};

/* How the node came to know a peer (HB_PEER_A_ORIGIN). */
enum hb_origin {
	HB_ORIGIN_CONFIGURED,	/* PEER_ADD */
	HB_ORIGIN_LEARNED,	/* its own frames reached this leader */
	HB_ORIGIN_LEADER,	/* a leader's membership list */
	__HB_ORIGIN_MAX
};

/* Where the state of a peer comes from (HB_PEER_A_SOURCE). */
enum hb_source {
	HB_SOURCE_NONE,		/* no verdict yet */
	HB_SOURCE_SELF,		/* this node's own frames and timers */
	HB_SOURCE_LEADER,	/* the leader's membership list */
	HB_SOURCE_PEERS,	/* the verdict of the peer's monitors */
	__HB_SOURCE_MAX
};

/* HB_PEER_A_ROLES */
#define HB_ROLE_LEADER		0x01	/* listed in HB_A_NODE_LEADERS */
#define HB_ROLE_TX		0x02	/* this node beats to it */
#define HB_ROLE_WATCH		0x04	/* this node runs detection on it */

/* Live module objects, over all namespaces (HB_A_NODE_OBJECTS). */
enum hb_obj {
	HB_OBJ_NETS,
	HB_OBJ_PEERS,
	HB_OBJ_SOCKETS,
	HB_OBJ_KEYS,
	__HB_OBJ_MAX
};

#define HB_FRAME_MAGIC		0x48425431	/* "HBT1" */
#define HB_FRAME_VERSION	1

/*
 * hb_frame.flags: bits every receiver must understand.  A frame with a bit
 * set here that the receiver does not know is dropped (HB_DROP_BAD_FIELD):
 * a new bit of this kind changes what the frame means (its framing, or
 * what the receiver must do), so ignoring it would be wrong.
 */
#define HB_FRAME_F_AUTH		0x01	/* an authentication trailer follows */
#define HB_FRAME_F_ECHO		0x02	/* echo_* fields are valid */
#define HB_FRAME_F_LEAVE	0x04	/* last beat to this destination */
#define HB_FRAME_F_ALL		(HB_FRAME_F_AUTH | HB_FRAME_F_ECHO | \
				 HB_FRAME_F_LEAVE)

/*
 * hb_frame.opt_flags: bits a receiver may ignore.  A frame with a bit set
 * here that the receiver does not know is accepted as if the bit were
 * clear: a new bit of this kind only offers something (a hint, a
 * capability) that a receiver which ignores it loses nothing by.  None is
 * defined in version 1; senders set the bits they use and zero elsewhere.
 */
#define HB_FRAME_OPT_ALL	0x00

/**
 * struct hb_frame - a heartbeat frame as it is on the wire
 * @magic: HB_FRAME_MAGIC
 * @version: HB_FRAME_VERSION
 * @flags: HB_FRAME_F_*, the bits that must be understood: unknown bits
 *	   make the frame invalid (HB_DROP_BAD_FIELD)
 * @length: bytes of this header plus TLV extensions (not the trailer)
 * @sender_id: node id of the sender
 * @cluster_id: cluster id of the sender
 * @incarnation: chosen by the sender when it started afresh
 * @seq: per destination sequence number, starts at 1, +1 per frame
 * @timestamp_ns: sender's CLOCK_MONOTONIC when the frame was built
 * @interval_us: sender's interval towards this destination
 * @multiplier: sender's detection multiplier; the destination declares
 *		the sender DOWN after interval_us x multiplier without a
 *		frame, or after its own HB_A_NODE_MAX_DETECT_MS if that is
 *		shorter
 * @opt_flags: HB_FRAME_OPT_*, the bits that may be ignored: unknown bits
 *	       are ignored
 * @reserved: zero on send, ignored on receive
 * @echo_delay_us: time from receiving echo_seq to building this frame
 * @reserved2: zero on send, ignored on receive (aligns echo_seq)
 * @echo_seq: last sequence number the sender received from the destination
 * @echo_timestamp_ns: timestamp_ns of that frame, echoed unchanged
 *
 * 72 bytes; every field lies at a multiple of its own size from the start
 * of the header (the 64-bit ones at 16, 24, 32, 56 and 64), so a receiver
 * that has the datagram 8-byte aligned can read them in place.
 *
 * The destination computes a round trip time as
 * now - echo_timestamp_ns - echo_delay_us, all on its own clock.
 */
struct hb_frame {
	__be32	magic;
	__u8	version;
	__u8	flags;
	__be16	length;
	__be32	sender_id;
	__be32	cluster_id;
	__be64	incarnation;
	__be64	seq;
	__be64	timestamp_ns;
	__be32	interval_us;
	__u8	multiplier;
	__u8	opt_flags;
	__be16	reserved;
	__be32	echo_delay_us;
	__be32	reserved2;
	__be64	echo_seq;
	__be64	echo_timestamp_ns;
} __attribute__((packed));

/**
 * struct hb_tlv - an extension after struct hb_frame
 * @type: extension type; unknown types are skipped
 * @length: bytes of value after this header (the next TLV starts at the
 *	    following 4 byte boundary)
 */
struct hb_tlv {
	__be16	type;
	__be16	length;
} __attribute__((packed));

/**
 * struct hb_auth - the authentication trailer (HB_FRAME_F_AUTH)
 * @key_id: id of the key the frame is signed with, nonzero
 * @reserved: zero on send; covered by @mac
 * @mac: HMAC-SHA256 of the frame, of the 4 bytes above and of the
 *	 destination's node id
 */
struct hb_auth {
	__u8	key_id;
	__u8	reserved[3];
	__u8	mac[32];
} __attribute__((packed));

/* struct hb_tlv.type */
enum hb_tlv_type {
	HB_TLV_UNSPEC,
	HB_TLV_MEMBERS,		/* struct hb_member[] */
	HB_TLV_VERDICTS,	/* struct hb_verdict + confirmations, ... */
	__HB_TLV_MAX
};

/* A leader's full window, signed, fits the IPv6 minimum MTU (1,280 bytes
 * with the IPv6 and UDP headers): 72 + 4 + 46 x 24 + 36 = 1,216 bytes.
 */
#define HB_TLV_MEMBERS_MAX	46
#define HB_TLV_VERDICTS_MAX	24
/* How far a received verdict epoch may be from this node's (see below). */
#define HB_EPOCH_WINDOW		64

/* struct hb_member.family */
#define HB_MEMBER_INET		4
#define HB_MEMBER_INET6		6

/**
 * struct hb_member - one entry of a leader's membership list
 * @id: node id, nonzero
 * @state: enum hb_peer_state as the leader sees it
 * @family: HB_MEMBER_INET or HB_MEMBER_INET6
 * @port: UDP port
 * @addr: IPv4 address in the first 4 bytes (the rest zero), or IPv6
 */
struct hb_member {
	__be32	id;
	__u8	state;
	__u8	family;
	__be16	port;
	__u8	addr[16];
} __attribute__((packed));

/**
 * struct hb_verdict - one entry of a leaderless node's verdicts
 * @id: node id the verdict is about, nonzero (may be the sender itself)
 * @epoch: verdict epoch of that node; a later one (serial number
 *	   arithmetic, at most HB_EPOCH_WINDOW ahead) replaces an earlier
 *	   one, and at an equal epoch DOWN wins and confirmations are merged
 * @state: HB_STATE_UP or HB_STATE_DOWN
 * @confirmations: number of __be32 monitor ids that follow (0 for UP,
 *		   1..HEARTBEAT_MAX_MONITORS for DOWN)
 * @reserved: zero on send, ignored on receive
 */
struct hb_verdict {
	__be32	id;
	__be32	epoch;
	__u8	state;
	__u8	confirmations;
	__be16	reserved;
} __attribute__((packed));

#endif /* _UAPI_LINUX_HEARTBEAT_H */
