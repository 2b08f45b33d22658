// SPDX-License-Identifier: GPL-2.0
/*
 * hb_bench: the userspace side of "make bench" (bench/bench.sh).
 *
 *   hb_bench send [-f PRIO] DST PORT INTERVAL_US
 *       a heartbeat sender written the way a careful daemon writes it:
 *       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) on an absolute
 *       grid, one UDP datagram (an 8-byte sequence number) per deadline;
 *       deadlines that passed while it could not run are skipped, not
 *       sent in a burst.  -f: SCHED_FIFO at PRIO (with mlockall).  Runs
 *       until SIGTERM or SIGINT.
 *   hb_bench recv IFNAME
 *       a packet socket on IFNAME (in the caller's network namespace):
 *       for every IPv4 UDP datagram that arrives on it (not the ones
 *       that leave), one line "DADDR DPORT TS_NS", TS_NS being the
 *       kernel's receive timestamp (SO_TIMESTAMPNS, CLOCK_REALTIME),
 *       taken when the frame entered the receive path.  A packet
 *       socket sees the module's frames too, whose UDP port the module
 *       owns.  Runs until SIGTERM or SIGINT, then flushes its output.
 *   hb_bench cut IFNAME
 *       set IFNAME down; print "MONO_NS REAL_NS" read just before the
 *       ioctl (CLOCK_MONOTONIC is the clock of heartbeat's events,
 *       CLOCK_REALTIME the clock of bfdd's log)
 *   hb_bench up IFNAME
 *       set IFNAME up
 *   hb_bench probe SECONDS INTERVAL_US
 *       a normal task that sleeps INTERVAL_US at a time for SECONDS and
 *       prints "wakeups N p50_us X p99_us X max_us X": how late it woke
 *       (its scheduling latency under the load that runs beside it)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void handle_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void ts_add_ns(struct timespec *ts, uint64_t ns)
{
	uint64_t t = (uint64_t)ts->tv_nsec + ns;

	ts->tv_sec += t / 1000000000ull;
	ts->tv_nsec = t % 1000000000ull;
}

static int ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: hb_bench send [-f PRIO] DST PORT INTERVAL_US\n"
		"       hb_bench recv IFNAME\n"
		"       hb_bench cut|up IFNAME\n"
		"       hb_bench probe SECONDS INTERVAL_US\n");
	return 2;
}

static int do_send(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct timespec next, now;
	uint64_t seq = 0, interval;
	int fd, prio = 0;

	if (argc >= 2 && !strcmp(argv[0], "-f")) {
		prio = atoi(argv[1]);
		argc -= 2;
		argv += 2;
	}
	if (argc != 3)
		return usage();
	if (inet_pton(AF_INET, argv[0], &dst.sin_addr) != 1) {
		fprintf(stderr, "hb_bench: bad address %s\n", argv[0]);
		return 2;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[1]));
	interval = strtoull(argv[2], NULL, 10) * 1000ull;
	if (!interval || !dst.sin_port)
		return usage();
	if (prio > 0) {
		struct sched_param sp = { .sched_priority = prio };

		if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
			perror("hb_bench: sched_setscheduler");
			return 1;
		}
		if (mlockall(MCL_CURRENT | MCL_FUTURE))
			perror("hb_bench: mlockall");
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("hb_bench: socket");
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
		perror("hb_bench: connect");
		return 1;
	}
	handle_signals();
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		int rc;

		ts_add_ns(&next, interval);
		rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				     NULL);
		if (rc == EINTR)
			continue;
		seq++;
		/* A full socket buffer or a link that is down: try again
		 * at the next deadline, as a daemon would.
		 */
		if (send(fd, &seq, sizeof(seq), 0) < 0 && errno != ENOBUFS &&
		    errno != ENETDOWN && errno != ENETUNREACH &&
		    errno != EAGAIN && errno != ECONNREFUSED) {
			perror("hb_bench: send");
			return 1;
		}
		/* Skip the deadlines that passed while we could not run. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		while (ts_before(&next, &now)) {
			struct timespec n2 = next;

			ts_add_ns(&n2, interval);
			if (!ts_before(&n2, &now))
				break;
			next = n2;
		}
	}
	close(fd);
	return 0;
}

static int do_recv(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned char buf[256];
	char cbuf[256];
	int fd, on = 1;

	if (argc != 1)
		return usage();
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)if_nametoindex(argv[0]);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "hb_bench: no interface %s\n", argv[0]);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (fd < 0) {
		perror("hb_bench: packet socket");
		return 1;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on))) {
		perror("hb_bench: bind or SO_TIMESTAMPNS");
		return 1;
	}
	handle_signals();
	/* Ready: the caller waits for this line before it starts senders. */
	fprintf(stderr, "hb_bench: recv on %s\n", argv[0]);
	while (!stop) {
		struct sockaddr_ll from;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr msg = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec *ts = NULL;
		struct cmsghdr *c;
		struct iphdr *ip;
		struct udphdr *udp;
		char addr[INET_ADDRSTRLEN];
		ssize_t n;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n < 0)
			continue;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		ip = (struct iphdr *)buf;
		if ((size_t)n < sizeof(*ip) || ip->version != 4 ||
		    ip->protocol != IPPROTO_UDP ||
		    (size_t)n < ip->ihl * 4u + sizeof(*udp))
			continue;
		udp = (struct udphdr *)(buf + ip->ihl * 4);
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_TIMESTAMPNS)
				ts = (struct timespec *)CMSG_DATA(c);
		if (!ts)
			continue;
		inet_ntop(AF_INET, &ip->daddr, addr, sizeof(addr));
		printf("%s %u %" PRIu64 "\n", addr, ntohs(udp->dest),
		       (uint64_t)((uint64_t)ts->tv_sec * 1000000000ull +
		       (uint64_t)ts->tv_nsec));
	}
	fflush(stdout);
	close(fd);
	return 0;
}

static int set_link(const char *ifname, int up)
{
	struct ifreq ifr;
	uint64_t mono, real;
	int fd;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		perror("hb_bench: SIOCGIFFLAGS");
		return 1;
	}
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	mono = clock_ns(CLOCK_MONOTONIC);
	real = clock_ns(CLOCK_REALTIME);
	if (ioctl(fd, SIOCSIFFLAGS, &ifr)) {
		perror("hb_bench: SIOCSIFFLAGS");
		return 1;
	}
	if (!up)
		printf("%" PRIu64 " %" PRIu64 "\n", mono, real);
	close(fd);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int do_probe(int argc, char **argv)
{
	uint64_t interval, end, *late;
	size_t n = 0, cap;

	if (argc != 2)
		return usage();
	interval = strtoull(argv[1], NULL, 10) * 1000ull;
	if (!interval)
		return usage();
	end = clock_ns(CLOCK_MONOTONIC) + strtoull(argv[0], NULL, 10) *
	      1000000000ull;
	cap = (size_t)(strtoull(argv[0], NULL, 10) * 1000000000ull /
		       interval) + 16;
	late = calloc(cap, sizeof(*late));
	if (!late)
		return 1;
	while (n < cap) {
		struct timespec ts;
		uint64_t t0, t1;

		t0 = clock_ns(CLOCK_MONOTONIC);
		if (t0 >= end)
			break;
		ts.tv_sec = (time_t)(interval / 1000000000ull);
		ts.tv_nsec = (long)(interval % 1000000000ull);
		nanosleep(&ts, NULL);
		t1 = clock_ns(CLOCK_MONOTONIC);
		late[n++] = t1 - t0 > interval ? t1 - t0 - interval : 0;
	}
	qsort(late, n, sizeof(*late), cmp_u64);
	printf("wakeups %zu p50_us %" PRIu64 " p99_us %" PRIu64
	       " max_us %" PRIu64 "\n", n,
	       n ? late[n / 2] / 1000 : 0,
	       n ? late[n * 99 / 100] / 1000 : 0,
	       n ? late[n - 1] / 1000 : 0);
	free(late);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (!strcmp(argv[1], "send"))
		return do_send(argc - 2, argv + 2);
	if (!strcmp(argv[1], "recv"))
		return do_recv(argc - 2, argv + 2);
	if (!strcmp(argv[1], "cut") && argc == 3)
		return set_link(argv[2], 0);
	if (!strcmp(argv[1], "up") && argc == 3)
		return set_link(argv[2], 1);
	if (!strcmp(argv[1], "probe"))
		return do_probe(argc - 2, argv + 2);
	return usage();
}
