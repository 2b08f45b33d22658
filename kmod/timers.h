/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HB_TIMERS_H
#define _HB_TIMERS_H

#include <linux/types.h>

struct hb_peer;

/* Module init and exit: the per CPU threads that serve the timers. */
int hb_timers_init_workers(void);
void hb_timers_exit_workers(void);

/* Set up both timers of a new peer (not armed). */
void hb_timers_init(struct hb_peer *peer);
/* Call after the peer is published: start beating and the detection timer
 * (local detection time, for a peer never heard from).
 */
void hb_timers_apply_roles(struct hb_peer *peer, bool tx, bool watch,
			   bool lazy);
/* Call after the interval changed: send now and on the new schedule. */
void hb_timers_interval_changed(struct hb_peer *peer);
/* Call after hn->max_detect_ms changed: re-arm the detection timer. */
void hb_timers_detect_changed(struct hb_peer *peer);
/* Call with peer->lock held after a valid frame made the peer UP: makes sure
 * the detection timer runs (it re-arms itself lazily from rx_time).
 */
void hb_timers_frame_received(struct hb_peer *peer);
/* Call after peer->dead is set and synchronize_net(): cancel both timers
 * and their works.
 */
void hb_timers_stop(struct hb_peer *peer);

#endif /* _HB_TIMERS_H */
