/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat: what a namespace owned by a user namespace other than the
 * initial one may use, and whose memory cgroup pays for it.
 */
#ifndef _HB_BUDGET_H
#define _HB_BUDGET_H

#include <linux/types.h>

struct hb_net;
struct netlink_ext_ack;

bool hb_budget_limited(const struct hb_net *hn);
u32 hb_budget_max_peers(void);
u32 hb_budget_max_beats(void);
u32 hb_budget_beats(u32 interval_us);
int hb_budget_peer_add(struct hb_net *hn, u32 interval_us,
		       struct netlink_ext_ack *extack);
int hb_budget_interval(struct hb_net *hn, u32 old_us, u32 new_us,
		       struct netlink_ext_ack *extack);
void hb_budget_charge_to_caller(struct hb_net *hn);
void hb_budget_net_exit(struct hb_net *hn);
struct mem_cgroup *hb_budget_enter(struct hb_net *hn);
void hb_budget_leave(struct mem_cgroup *old);

#endif /* _HB_BUDGET_H */
