/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hbctl: "stats", Prometheus text exposition of the node and its peers.
 */
#ifndef _HBCTL_PROM_H
#define _HBCTL_PROM_H

#include <stdio.h>

#include "hbctl.h"
#include "model.h"

void prom_print(FILE *f, const char *netns, const struct hb_node *node,
		const struct peer_list *list);

#endif /* _HBCTL_PROM_H */
