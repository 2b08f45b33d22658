// SPDX-License-Identifier: GPL-2.0
/*
 * hb_clock: read CLOCK_MONOTONIC, the clock of heartbeat event time_ns.
 *
 *   hb_clock                  print CLOCK_MONOTONIC in nanoseconds
 *   hb_clock down IFNAME      set IFNAME down; print "BEFORE AFTER" (ns)
 *   hb_clock up IFNAME        set IFNAME up; print "BEFORE AFTER" (ns)
 *   hb_clock stall SECONDS    on every CPU, sleep 1 ms at a time for SECONDS
 *                             and print "max_gap_us N over_5ms N cpu C
 *                             cpus N unpinned N": how long a CPU of the
 *                             guest went without running us (emulation
 *                             stalls), the longest over all CPUs
 *   hb_clock gaps SECONDS MS  on every CPU, sleep 10 ms at a time for
 *                             SECONDS and print, as it happens,
 *                             "END_NS GAP_US CPU" for every gap longer than
 *                             MS milliseconds (a log of the guest's stalls,
 *                             to tell them from a false DOWN)
 *
 * The link change is one ioctl between two clock reads, so a test knows when
 * a link was cut to within microseconds (an "ip link" between two date calls
 * costs tens of milliseconds under emulation).  Run it in the interface's
 * network namespace (ip netns exec).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int set_link(const char *name, int up)
{
	uint64_t before, after;
	struct ifreq ifr;
	int fd;

	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "hb_clock: interface name too long\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("hb_clock: socket");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		fprintf(stderr, "hb_clock: %s: %s\n", name, strerror(errno));
		close(fd);
		return 1;
	}
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	before = mono_ns();
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		fprintf(stderr, "hb_clock: %s: %s\n", name, strerror(errno));
		close(fd);
		return 1;
	}
	after = mono_ns();
	close(fd);
	printf("%" PRIu64 " %" PRIu64 "\n", before, after);
	return 0;
}

/*
 * The probes of stall and gaps: one thread pinned to each online CPU.  A
 * virtual CPU of an emulated guest can stop while the others run on (its
 * host thread was not scheduled), and the timers queued on it stop with
 * it: a probe on one CPU alone would not see that.
 */
struct probe {
	pthread_t thread;
	int cpu;
	uint64_t end;		/* CLOCK_MONOTONIC, ns */
	uint64_t tick_ns;	/* sleep between two clock reads */
	uint64_t min_ns;	/* gaps: report gaps longer than this */
	int report;		/* gaps: print each gap as it happens */
	int pinned;
	uint64_t max, over;	/* stall: the longest gap, gaps over 5 ms */
};

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void *probe_run(void *arg)
{
	struct probe *p = arg;
	struct timespec tick = { 0, (long)p->tick_ns };
	uint64_t prev, now, gap;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(p->cpu, &set);
	p->pinned = !pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	prev = mono_ns();
	while ((now = mono_ns()) < p->end) {
		gap = now - prev;
		if (gap > p->max)
			p->max = gap;
		if (gap > 5000000)
			p->over++;
		if (p->report && gap > p->min_ns) {
			pthread_mutex_lock(&out_lock);
			printf("%" PRIu64 " %" PRIu64 " %d\n", now, gap / 1000,
			       p->cpu);
			fflush(stdout);
			pthread_mutex_unlock(&out_lock);
		}
		prev = now;
		nanosleep(&tick, NULL);
	}
	return NULL;
}

/* Run one probe per online CPU until @secs have passed; NULL on error. */
static struct probe *probes_run(double secs, uint64_t tick_ns, uint64_t min_ns,
				int report, int *n)
{
	struct probe *p;
	cpu_set_t online;
	uint64_t end;
	int cpu, i = 0;

	if (sched_getaffinity(0, sizeof(online), &online)) {
		perror("hb_clock: sched_getaffinity");
		return NULL;
	}
	*n = CPU_COUNT(&online);
	p = calloc(*n, sizeof(*p));
	if (!p)
		return NULL;
	end = mono_ns() + (uint64_t)(secs * 1e9);
	for (cpu = 0; cpu < CPU_SETSIZE && i < *n; cpu++) {
		if (!CPU_ISSET(cpu, &online))
			continue;
		p[i].cpu = cpu;
		p[i].end = end;
		p[i].tick_ns = tick_ns;
		p[i].min_ns = min_ns;
		p[i].report = report;
		if (pthread_create(&p[i].thread, NULL, probe_run, &p[i])) {
			fprintf(stderr, "hb_clock: cannot start a probe\n");
			*n = i;
			break;
		}
		i++;
	}
	for (i = 0; i < *n; i++)
		pthread_join(p[i].thread, NULL);
	return p;
}

static int parse_secs(const char *arg, double *secs)
{
	char *e;

	*secs = strtod(arg, &e);
	if (*e || *secs <= 0) {
		fprintf(stderr, "hb_clock: bad duration %s\n", arg);
		return -1;
	}
	return 0;
}

static int stall(const char *arg)
{
	uint64_t max = 0, over = 0;
	struct probe *p;
	int i, n, cpu = -1, unpinned = 0;
	double secs;

	if (parse_secs(arg, &secs))
		return 2;
	p = probes_run(secs, 1000000, 0, 0, &n);
	if (!p)
		return 1;
	for (i = 0; i < n; i++) {
		if (p[i].max > max) {
			max = p[i].max;
			cpu = p[i].cpu;
		}
		over += p[i].over;
		unpinned += !p[i].pinned;
	}
	free(p);
	printf("max_gap_us %" PRIu64 " over_5ms %" PRIu64 " cpu %d cpus %d unpinned %d\n",
	       max / 1000, over, cpu, n, unpinned);
	return 0;
}

static int gaps(const char *arg, const char *min_ms)
{
	struct probe *p;
	uint64_t min;
	double secs;
	char *e;
	int n;

	min = strtoull(min_ms, &e, 10) * 1000000ull;
	if (*e || !*min_ms || parse_secs(arg, &secs))
		return 2;
	p = probes_run(secs, 10000000, min, 1, &n);
	if (!p)
		return 1;
	free(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 1) {
		printf("%" PRIu64 "\n", mono_ns());
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "down"))
		return set_link(argv[2], 0);
	if (argc == 3 && !strcmp(argv[1], "up"))
		return set_link(argv[2], 1);
	if (argc == 3 && !strcmp(argv[1], "stall"))
		return stall(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "gaps"))
		return gaps(argv[2], argv[3]);
	fprintf(stderr,
		"usage: hb_clock [down|up IFNAME | stall SECONDS | gaps SECONDS MS]\n");
	return 2;
}
