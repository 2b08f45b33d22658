/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HB_PROC_H
#define _HB_PROC_H

#include "hb.h"

int hb_proc_net_init(struct hb_net *hn);
void hb_proc_net_uninit(struct hb_net *hn);

#endif /* _HB_PROC_H */
