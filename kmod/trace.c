// SPDX-License-Identifier: GPL-2.0
/*
 * heartbeat: the tracepoints' definitions (kmod/hb_trace.h).
 */
#define CREATE_TRACE_POINTS
#include "hb_trace.h"
