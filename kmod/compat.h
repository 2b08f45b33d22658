/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat: what differs between the kernel lines the module is built
 * for, in one place: Debian 12's 6.1 and Debian 13's 6.12
 * (selftests/kernel-612.sh).  Each difference is one #if on the version
 * in which the kernel changed, oldest first; the code uses the newer
 * interface and this header supplies it for the older kernels.
 */
#ifndef _HB_COMPAT_H
#define _HB_COMPAT_H

#include <linux/version.h>
#include <net/genetlink.h>

/*
 * 6.2 split the genetlink operations: pre_doit and post_doit get a
 * struct genl_split_ops (its cmd and internal_flags are those of the
 * genl_ops they came from), and the parsed attributes of a dump moved
 * into genl_dumpit_info's info.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define genl_split_ops genl_ops
#endif

static inline struct nlattr **
hb_dumpit_attrs(const struct genl_dumpit_info *dinfo)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return dinfo->info.attrs;
#else
	return dinfo->attrs;
#endif
}

/* 6.12 moved <asm/unaligned.h> to <linux/unaligned.h>. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* _HB_COMPAT_H */
