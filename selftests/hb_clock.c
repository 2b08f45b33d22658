// SPDX-License-Identifier: GPL-2.0
/*
 * hb_clock: read CLOCK_MONOTONIC, the clock of heartbeat event time_ns.
 *
 *   hb_clock                  print CLOCK_MONOTONIC in nanoseconds
 *   hb_clock down IFNAME      set IFNAME down; print "BEFORE AFTER" (ns)
 *   hb_clock up IFNAME        set IFNAME up; print "BEFORE AFTER" (ns)
 *   hb_clock stall SECONDS    sleep 1 ms at a time for SECONDS and print
 *                             "max_gap_us N over_5ms N": how long the guest
 *                             went without running us (emulation stalls)
 *   hb_clock gaps SECONDS MS  sleep 10 ms at a time for SECONDS and print,
 *                             as it happens, "END_NS GAP_US" for every gap
 *                             longer than MS milliseconds (a log of the
 *                             guest's stalls, to tell them from a false DOWN)
 *
 * The link change is one ioctl between two clock reads, so a test knows when
 * a link was cut to within microseconds (an "ip link" between two date calls
 * costs tens of milliseconds under emulation).  Run it in the interface's
 * network namespace (ip netns exec).
 */
#include <errno.h>
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

static int stall(const char *arg)
{
	uint64_t end, prev, now, gap, max = 0, over = 0;
	struct timespec ms = { 0, 1000000 };
	char *e;
	double s = strtod(arg, &e);

	if (*e || s <= 0) {
		fprintf(stderr, "hb_clock: bad duration %s\n", arg);
		return 2;
	}
	prev = mono_ns();
	end = prev + (uint64_t)(s * 1e9);
	while ((now = mono_ns()) < end) {
		gap = now - prev;
		if (gap > max)
			max = gap;
		if (gap > 5000000)
			over++;
		prev = now;
		nanosleep(&ms, NULL);
	}
	printf("max_gap_us %" PRIu64 " over_5ms %" PRIu64 "\n", max / 1000, over);
	return 0;
}

static int gaps(const char *arg, const char *min_ms)
{
	struct timespec tick = { 0, 10000000 };
	uint64_t end, prev, now, min;
	char *e, *e2;
	double s = strtod(arg, &e);

	min = strtoull(min_ms, &e2, 10) * 1000000ull;
	if (*e || s <= 0 || *e2 || !*min_ms) {
		fprintf(stderr, "hb_clock: bad gaps arguments\n");
		return 2;
	}
	prev = mono_ns();
	end = prev + (uint64_t)(s * 1e9);
	while ((now = mono_ns()) < end) {
		if (now - prev > min) {
			printf("%" PRIu64 " %" PRIu64 "\n", now,
			       (now - prev) / 1000);
			fflush(stdout);
		}
		prev = now;
		nanosleep(&tick, NULL);
	}
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
