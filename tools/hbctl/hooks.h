/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hbctl: "monitor --exec", a program run for every event.
 *
 * Events go into a bounded queue as they are read; one hook runs at a
 * time, in order, each for at most a timeout, while reading goes on.
 * Events that find the queue full, and events the kernel dropped for want
 * of room in the socket's receive buffer, become one "lost" event, which
 * is itself handed to the hook where the events went missing.
 */
#ifndef _HBCTL_HOOKS_H
#define _HBCTL_HOOKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"
#include "parse.h"

/* Events a hook may fall behind by before events are lost. */
#define HOOK_QUEUE_LEN		1024
/* Default of --exec-timeout. */
#define HOOK_TIMEOUT_MS		10000
/* Longest RFC 3339 time hook_time_real() writes, with NUL. */
#define TIME_REAL_STRLEN	40

/**
 * struct hook_event - one queued event
 * @ev: the event (@ev.time_real points at @time_real)
 * @time_real: the event's wall-clock time
 * @lost: a "lost" event: @ev holds only the time
 * @lost_count: events dropped as the queue was full
 * @overrun: the kernel dropped events too (how many is not known)
 * @has_peer_addr: @peer_addr and @peer_port are known (the peer's
 *		   endpoint when the event was read, or a MOVED's new one)
 * @peer_addr: the peer's address
 * @peer_port: the peer's port
 */
struct hook_event {
	struct hb_event ev;
	char time_real[TIME_REAL_STRLEN];
	bool lost;
	uint64_t lost_count;
	bool overrun;
	bool has_peer_addr;
	struct hb_ip peer_addr;
	uint16_t peer_port;
};

/**
 * struct hook_runner - the queue and the hook that runs
 * @program: the program to run (execvp(), no shell)
 * @netns: the -n argument, passed on as HB_NETNS, or NULL
 * @timeout_ms: most a hook may run before it is killed
 * @queue: ring of @size events, @count of them from @head
 * @size: slots in @queue
 * @head: index of the oldest event
 * @count: events queued
 * @pending_lost: events dropped since the queue filled up, not yet
 *		  reported by a "lost" event
 * @pending_overrun: the kernel dropped events, not yet reported
 * @pid: the running hook (its process group), 0 when none runs
 * @deadline_ms: when the running hook is killed (CLOCK_MONOTONIC, ms)
 * @seq: the event of the running hook, for messages
 * @sigfd: signalfd of SIGCHLD, which is blocked while the runner lives
 * @started: hooks started
 * @failed: hooks that exited with a status other than 0
 * @killed: hooks killed at their timeout
 * @lost_events: "lost" events queued
 */
struct hook_runner {
	const char *program;
	const char *netns;
	uint64_t timeout_ms;
	struct hook_event *queue;
	size_t size;
	size_t head;
	size_t count;
	uint64_t pending_lost;
	bool pending_overrun;
	pid_t pid;
	uint64_t deadline_ms;
	uint64_t seq;
	int sigfd;
	uint64_t started;
	uint64_t failed;
	uint64_t killed;
	uint64_t lost_events;
};

int hook_init(struct hook_runner *h, const char *program, const char *netns,
	      uint64_t timeout_ms, size_t size);
void hook_free(struct hook_runner *h);
void hook_push(struct hook_runner *h, const struct hook_event *e);
void hook_overrun(struct hook_runner *h);
int hook_timeout(const struct hook_runner *h);
void hook_run(struct hook_runner *h);
bool hook_idle(const struct hook_runner *h);
int hook_drain(struct hook_runner *h, int timeout_ms);
void hook_event_json(FILE *f, const struct hook_event *e);
char *hook_time_real(uint64_t time_ns, char *buf, size_t len);
uint64_t hook_now_ms(void);

#endif /* _HBCTL_HOOKS_H */
