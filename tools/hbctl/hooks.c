// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: the hook runner of "monitor --exec" (see hooks.h).
 *
 * A hook is started with fork() and execvp(), in a process group of its
 * own so that a timeout kills whatever it started too.  Its standard
 * input is a pipe holding the event as one JSON object, written in full
 * before the fork (an event is far smaller than a pipe's buffer), so that
 * the runner never waits for the hook.  The end of a hook arrives as
 * SIGCHLD on a signalfd that the caller polls with its other descriptors.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "hbctl.h"
#include "hooks.h"
#include "json.h"

/**
 * hook_now_ms() - CLOCK_MONOTONIC in milliseconds
 *
 * Return: the time.
 */
uint64_t hook_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/**
 * hook_time_real() - the wall-clock time of a CLOCK_MONOTONIC instant
 * @time_ns: the instant (an event's time_ns)
 * @buf: where to write it, RFC 3339 in local time with microseconds,
 *	 e.g. "2026-12-06T21:45:01.123456+00:00"
 * @len: size of @buf, TIME_REAL_STRLEN is enough
 *
 * The instant is moved to CLOCK_REALTIME by the clocks' offset now, so an
 * event read late still gets the time at which the kernel raised it.
 *
 * Return: @buf.
 */
char *hook_time_real(uint64_t time_ns, char *buf, size_t len)
{
	struct timespec mono, real;
	int64_t ns;
	char date[32], zone[8];
	struct tm tm;
	time_t sec;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	ns = (int64_t)real.tv_sec * 1000000000 + real.tv_nsec -
	     ((int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec -
	      (int64_t)time_ns);
	sec = ns / 1000000000;
	localtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	/* RFC 3339 wants the offset as +hh:mm */
	snprintf(buf, len, "%s.%06" PRId64 "%.3s:%.2s", date,
		 (ns % 1000000000) / 1000, zone, zone + 3);
	return buf;
}

/**
 * hook_init() - set up a runner
 * @h: the runner
 * @program: what to run for each event
 * @netns: the -n argument, or NULL
 * @timeout_ms: most a hook may run, at least 1
 * @size: queue length, at least 2
 *
 * Blocks SIGCHLD, which then arrives on @h->sigfd.
 *
 * Return: 0 or a negative errno.
 */
int hook_init(struct hook_runner *h, const char *program, const char *netns,
	      uint64_t timeout_ms, size_t size)
{
	sigset_t mask;

	memset(h, 0, sizeof(*h));
	h->program = program;
	h->netns = netns;
	h->timeout_ms = timeout_ms;
	h->size = size < 2 ? 2 : size;
	h->queue = calloc(h->size, sizeof(*h->queue));
	if (!h->queue)
		return -ENOMEM;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		goto fail;
	h->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (h->sigfd < 0)
		goto fail;
	return 0;
fail:
	free(h->queue);
	h->queue = NULL;
	return -errno;
}

/**
 * hook_free() - release a runner (a hook still running is left to finish)
 * @h: the runner
 */
void hook_free(struct hook_runner *h)
{
	if (h->sigfd > 0)
		close(h->sigfd);
	free(h->queue);
	h->queue = NULL;
}

static void queue_add(struct hook_runner *h, const struct hook_event *e)
{
	struct hook_event *slot = &h->queue[(h->head + h->count) % h->size];

	*slot = *e;
	slot->ev.time_real = slot->time_real;
	h->count++;
}

/* Queue the "lost" event that reports what went missing so far. */
static void queue_lost(struct hook_runner *h)
{
	struct hook_event lost = { .lost = true };
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	lost.ev.time_ns = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	hook_time_real(lost.ev.time_ns, lost.time_real,
		       sizeof(lost.time_real));
	lost.lost_count = h->pending_lost;
	lost.overrun = h->pending_overrun;
	h->pending_lost = 0;
	h->pending_overrun = false;
	h->lost_events++;
	queue_add(h, &lost);
}

static bool lost_pending(const struct hook_runner *h)
{
	return h->pending_lost || h->pending_overrun;
}

/**
 * hook_push() - queue an event for the hook
 * @h: the runner
 * @e: the event (copied)
 *
 * When the queue is full, the event is counted as lost; the "lost" event
 * takes the first free slot, before any later event.
 */
void hook_push(struct hook_runner *h, const struct hook_event *e)
{
	if (lost_pending(h)) {
		if (h->size - h->count < 2) {
			h->pending_lost++;
			return;
		}
		queue_lost(h);
	}
	if (h->count == h->size) {
		h->pending_lost++;
		return;
	}
	queue_add(h, e);
}

/**
 * hook_overrun() - the kernel dropped events: report it to the hook
 * @h: the runner
 */
void hook_overrun(struct hook_runner *h)
{
	h->pending_overrun = true;
	if (h->count < h->size)
		queue_lost(h);
}

/**
 * hook_idle() - no hook runs and none is waiting
 * @h: the runner
 *
 * Return: true when idle.
 */
bool hook_idle(const struct hook_runner *h)
{
	return !h->pid && !h->count && !lost_pending(h);
}

/**
 * hook_timeout() - how long the caller may sleep in poll()
 * @h: the runner
 *
 * Return: milliseconds until the running hook's deadline, or -1 when no
 * hook runs.
 */
int hook_timeout(const struct hook_runner *h)
{
	uint64_t now;

	if (!h->pid)
		return -1;
	now = hook_now_ms();
	if (now >= h->deadline_ms)
		return 0;
	return h->deadline_ms - now > 60000 ? 60000 :
	       (int)(h->deadline_ms - now);
}

/**
 * hook_event_json() - write an event as the hook reads it: one JSON line
 * @f: where to
 * @e: the event
 *
 * A kernel event is hbctl -j monitor's object with "address" and "port"
 * (the peer's endpoint) added; a "lost" event is {"event": "lost",
 * "lost": <events dropped from the queue>, "overrun": <the kernel dropped
 * events too>, "time_ns", "time_real"}.
 */
void hook_event_json(FILE *f, const struct hook_event *e)
{
	struct hb_event ev = e->ev;
	struct json j;

	json_init(&j, f);
	ev.time_real = e->time_real;
	if (e->lost) {
		json_object_begin(&j, NULL);
		json_string(&j, "event", "lost");
		json_u64(&j, "lost", e->lost_count);
		json_bool(&j, "overrun", e->overrun);
		json_u64(&j, "time_ns", ev.time_ns);
		json_string(&j, "time_real", e->time_real);
		json_object_end(&j);
	} else {
		if (e->has_peer_addr && !ev.has_endpoint) {
			ev.has_endpoint = true;
			ev.addr = e->peer_addr;
			ev.port = e->peer_port;
		}
		hb_event_json(&j, NULL, &ev);
	}
	fputc('\n', f);
}

static void set_env_u64(const char *name, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	setenv(name, buf, 1);
}

/* In the child: the event's environment. */
static void hook_env(const struct hook_runner *h, const struct hook_event *e)
{
	const struct hb_event *ev = &e->ev;
	char addr[IP_STRLEN];

	if (h->netns)
		setenv("HB_NETNS", h->netns, 1);
	set_env_u64("HB_TIME_NS", ev->time_ns);
	setenv("HB_TIME_REAL", e->time_real, 1);
	if (e->lost) {
		setenv("HB_EVENT", "lost", 1);
		set_env_u64("HB_LOST", e->lost_count);
		setenv("HB_REASON", e->overrun ? "overrun" : "queue_full", 1);
		return;
	}
	setenv("HB_EVENT", hb_event_name(ev->type), 1);
	set_env_u64("HB_SEQ", ev->seq);
	set_env_u64("HB_PEER", ev->peer);
	setenv("HB_STATE", hb_state_name(ev->state), 1);
	setenv("HB_OLD_STATE", hb_state_name(ev->old_state), 1);
	setenv("HB_REASON", hb_reason_name(ev->reason), 1);
	if (ev->has_endpoint) {
		setenv("HB_ADDRESS", format_ip(&ev->addr, addr, sizeof(addr)),
		       1);
		set_env_u64("HB_PORT", ev->port);
	} else if (e->has_peer_addr) {
		setenv("HB_ADDRESS",
		       format_ip(&e->peer_addr, addr, sizeof(addr)), 1);
		set_env_u64("HB_PORT", e->peer_port);
	}
	if (ev->has_detect)
		set_env_u64("HB_DETECT_US", ev->detect_us);
	if (ev->has_incarnation)
		set_env_u64("HB_INCARNATION", ev->incarnation);
	if (ev->has_source)
		setenv("HB_SOURCE", hb_source_name(ev->source), 1);
	if (ev->has_confirmations)
		set_env_u64("HB_CONFIRMATIONS", ev->confirmations);
	if (ev->has_monitors)
		set_env_u64("HB_MONITORS", ev->monitors);
	if (ev->has_origin)
		setenv("HB_ORIGIN", hb_origin_name(ev->origin), 1);
	if (ev->has_mode) {
		setenv("HB_MODE", hb_mode_name(ev->mode), 1);
		setenv("HB_OLD_MODE", hb_mode_name(ev->old_mode), 1);
	}
}

/* Start the hook for the oldest queued event. */
static void hook_start(struct hook_runner *h)
{
	struct hook_event *e = &h->queue[h->head];
	char *argv[] = { (char *)h->program, NULL };
	int fds[2] = { -1, -1 };
	sigset_t mask;
	FILE *f;
	pid_t pid;

	/* The event, whole, in a pipe the hook reads as standard input. */
	if (pipe(fds) < 0) {
		fprintf(stderr, "hbctl: hook: pipe: %s\n", strerror(errno));
		goto done;
	}
	f = fdopen(fds[1], "w");
	if (!f) {
		close(fds[1]);
		goto done;
	}
	fds[1] = -1;
	hook_event_json(f, e);
	fclose(f);

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "hbctl: hook: fork: %s\n", strerror(errno));
		goto done;
	}
	if (!pid) {
		setpgid(0, 0);
		sigemptyset(&mask);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(127);
		close(fds[0]);
		hook_env(h, e);
		execvp(h->program, argv);
		fprintf(stderr, "hbctl: hook %s: %s\n", h->program,
			strerror(errno));
		_exit(127);
	}
	/* Also here, so that a kill at the deadline finds the group. */
	setpgid(pid, pid);
	h->pid = pid;
	h->seq = e->lost ? 0 : e->ev.seq;
	h->deadline_ms = hook_now_ms() + h->timeout_ms;
	h->started++;
done:
	if (fds[0] >= 0)
		close(fds[0]);
	h->head = (h->head + 1) % h->size;
	h->count--;
}

/* Collect the running hook if it ended; kill it at its deadline. */
static void hook_reap(struct hook_runner *h)
{
	struct signalfd_siginfo si;
	int status;
	pid_t ret;

	while (read(h->sigfd, &si, sizeof(si)) == sizeof(si))
		;
	if (!h->pid)
		return;
	ret = waitpid(h->pid, &status, WNOHANG);
	if (ret == 0 && hook_now_ms() >= h->deadline_ms) {
		kill(-h->pid, SIGKILL);
		ret = waitpid(h->pid, &status, 0);
		h->killed++;
		fprintf(stderr, "hbctl: hook %s (event seq %" PRIu64
			") still ran after %" PRIu64 " ms: killed (%" PRIu64
			" so far)\n", h->program, h->seq, h->timeout_ms,
			h->killed);
		h->pid = 0;
		return;
	}
	if (ret != h->pid)
		return;
	h->pid = 0;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return;
	h->failed++;
	if (WIFEXITED(status))
		fprintf(stderr, "hbctl: hook %s (event seq %" PRIu64
			") exited with status %d\n", h->program, h->seq,
			WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "hbctl: hook %s (event seq %" PRIu64
			") killed by signal %d\n", h->program, h->seq,
			WTERMSIG(status));
}

/**
 * hook_run() - reap the running hook, kill it at its deadline, and start
 *		the next one when none runs
 * @h: the runner
 *
 * Call it after every poll() wake-up, whatever woke it.
 */
void hook_run(struct hook_runner *h)
{
	hook_reap(h);
	while (!h->pid && (h->count || lost_pending(h))) {
		if (!h->count)
			queue_lost(h);
		hook_start(h);
	}
}

/**
 * hook_drain() - run hooks until none is left, without reading events
 * @h: the runner
 * @timeout_ms: give up after this long
 *
 * For tests and for a clean end.
 *
 * Return: 0 once idle, -ETIMEDOUT.
 */
int hook_drain(struct hook_runner *h, int timeout_ms)
{
	uint64_t end = hook_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = h->sigfd, .events = POLLIN };
	int t;

	for (;;) {
		hook_run(h);
		if (hook_idle(h))
			return 0;
		if (hook_now_ms() >= end)
			return -ETIMEDOUT;
		t = hook_timeout(h);
		if (t < 0 || t > (int)(end - hook_now_ms()))
			t = end - hook_now_ms();
		poll(&pfd, 1, t);
	}
}
