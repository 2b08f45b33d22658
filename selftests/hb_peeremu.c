// SPDX-License-Identifier: GPL-2.0
/*
 * hb_peeremu: emulate many heartbeat peers of one node, for scale runs.
 *
 *   hb_peeremu --dst ADDR --node-id T --cluster C --first-id ID --count N
 *              --src ADDR --naddrs K [--sport P] [--dport P]
 *              [--interval-us US] [--multiplier M] [--seconds S]
 *              [--incarnation INC] [--batch B]
 *
 * Peer ids ID .. ID+N-1 beat to node T at ADDR:P (dport), each from one of
 * K consecutive IPv4 source addresses starting at --src (peer ID+i from
 * address src + i % K, port --sport), every --interval-us, for --seconds
 * (0: until killed by SIGTERM or SIGINT).  The sources are addresses of
 * this namespace (e.g. on a veth): one UDP socket bound to the wildcard
 * address sends every frame with its source chosen by IP_PKTINFO, so that
 * the node's replies to every address and peer arrive on that socket too,
 * where they are counted and dropped in batches (recvmmsg).
 *
 * Peer i sends at phase i * interval / N of each interval, so the frames
 * are spread evenly: the sender wakes about every millisecond (every
 * interval, if shorter) and hands the frames due to the kernel with
 * sendmmsg(), --batch at a time.  Frames are built by the module's own
 * kmod/frame.c (as hb_flood does), so they follow the wire format.
 *
 * At the end one JSON line is printed on stdout:
 *   {"peers":N,"addrs":K,"interval_us":US,"seconds":S,"sent":X,
 *    "send_errors":E,"received":R,"late_wakeups":L,"skipped_slots":S,
 *    "max_late_us":U}
 * late_wakeups counts wakeups more than one interval behind schedule (the
 * emulator itself could not keep up: its figures then mean little); the
 * slots it slept through are skipped (S), not sent in one burst.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

#define MAX_BATCH	256
#define RX_BUF		2048

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long num(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "hb_peeremu: bad --%s: %s\n", opt, s);
		exit(2);
	}
	return v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {
		.tv_sec = t / 1000000000ULL,
		.tv_nsec = t % 1000000000ULL,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR && !stop)
		;
}

struct emu {
	int fd;
	struct sockaddr_in dst;
	struct in_addr src0;
	unsigned int naddrs;
	unsigned int first_id;
	unsigned int count;
	unsigned int cluster;
	uint64_t incarnation;
	unsigned int interval_us;
	unsigned int multiplier;
	unsigned int batch;
	uint64_t *seq;
	unsigned long long sent, send_errors, received;
	unsigned char frames[MAX_BATCH][sizeof(struct hb_frame)];
	struct iovec iov[MAX_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cmsg[MAX_BATCH];
	struct mmsghdr msgs[MAX_BATCH];
};

/* Drain the node's replies: counted, not parsed. */
static void drain(struct emu *e)
{
	static unsigned char bufs[MAX_BATCH][RX_BUF];
	static struct iovec iov[MAX_BATCH];
	static struct mmsghdr msgs[MAX_BATCH];
	unsigned int i;
	int n;

	for (i = 0; i < MAX_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = RX_BUF;
		memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	do {
		n = recvmmsg(e->fd, msgs, MAX_BATCH, MSG_DONTWAIT, NULL);
		if (n > 0)
			e->received += n;
	} while (n == MAX_BATCH);
}

/* Queue the frame of peer index @i in slot @k of the batch. */
static void build(struct emu *e, unsigned int k, unsigned int i)
{
	struct hb_frame_info fi = {
		.sender_id = e->first_id + i,
		.cluster_id = e->cluster,
		.incarnation = e->incarnation,
		.seq = ++e->seq[i],
		.timestamp_ns = now_ns(),
		.interval_us = e->interval_us,
		.multiplier = e->multiplier,
	};
	struct msghdr *mh = &e->msgs[k].msg_hdr;
	struct in_pktinfo *pi;
	struct cmsghdr *cm;

	hb_frame_build(e->frames[k], &fi, 0);
	e->iov[k].iov_base = e->frames[k];
	e->iov[k].iov_len = sizeof(struct hb_frame);
	memset(mh, 0, sizeof(*mh));
	mh->msg_name = &e->dst;
	mh->msg_namelen = sizeof(e->dst);
	mh->msg_iov = &e->iov[k];
	mh->msg_iovlen = 1;
	mh->msg_control = e->cmsg[k].buf;
	mh->msg_controllen = sizeof(e->cmsg[k].buf);
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(*pi));
	pi = (struct in_pktinfo *)CMSG_DATA(cm);
	memset(pi, 0, sizeof(*pi));
	pi->ipi_spec_dst.s_addr = htonl(ntohl(e->src0.s_addr) +
					i % e->naddrs);
}

static void flush(struct emu *e, unsigned int k)
{
	unsigned int off = 0;
	int n;

	while (off < k) {
		n = sendmmsg(e->fd, e->msgs + off, k - off, 0);
		if (n <= 0) {
			/* Skip the frame that failed, count it. */
			e->send_errors++;
			off++;
			continue;
		}
		e->sent += n;
		off += n;
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hb_peeremu --dst ADDR --cluster C --first-id ID --count N\n"
		"                  --src ADDR --naddrs K [--sport P] [--dport P]\n"
		"                  [--interval-us US] [--multiplier M] [--seconds S]\n"
		"                  [--incarnation INC] [--batch B]\n");
	exit(2);
}

enum { O_DST = 1, O_DPORT, O_SPORT, O_CLUSTER, O_FIRST, O_COUNT, O_SRC,
       O_NADDRS, O_INTERVAL, O_MULT, O_SECONDS, O_INC, O_BATCH };

static const struct option opts[] = {
	{ "dst",		required_argument, NULL, O_DST },
	{ "dport",		required_argument, NULL, O_DPORT },
	{ "sport",		required_argument, NULL, O_SPORT },
	{ "cluster",		required_argument, NULL, O_CLUSTER },
	{ "first-id",		required_argument, NULL, O_FIRST },
	{ "count",		required_argument, NULL, O_COUNT },
	{ "src",		required_argument, NULL, O_SRC },
	{ "naddrs",		required_argument, NULL, O_NADDRS },
	{ "interval-us",	required_argument, NULL, O_INTERVAL },
	{ "multiplier",		required_argument, NULL, O_MULT },
	{ "seconds",		required_argument, NULL, O_SECONDS },
	{ "incarnation",	required_argument, NULL, O_INC },
	{ "batch",		required_argument, NULL, O_BATCH },
	{ NULL, 0, NULL, 0 }
};

int main(int argc, char **argv)
{
	unsigned long long seconds = 0, late = 0, max_late = 0;
	unsigned int sport = HEARTBEAT_DEFAULT_PORT;
	unsigned int dport = HEARTBEAT_DEFAULT_PORT;
	uint64_t start, t, end, interval_ns, elapsed, slot, nslots, skip;
	unsigned long long skipped = 0;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *dst = NULL, *src = NULL;
	static struct emu e;
	unsigned int next = 0, due, k;
	int c, one = 1, bufsz = 4 << 20;

	e.interval_us = 100000;
	e.multiplier = 3;
	e.incarnation = 1;
	e.naddrs = 1;
	e.batch = 64;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_DST: dst = optarg; break;
		case O_DPORT: dport = num("dport", optarg); break;
		case O_SPORT: sport = num("sport", optarg); break;
		case O_CLUSTER: e.cluster = num("cluster", optarg); break;
		case O_FIRST: e.first_id = num("first-id", optarg); break;
		case O_COUNT: e.count = num("count", optarg); break;
		case O_SRC: src = optarg; break;
		case O_NADDRS: e.naddrs = num("naddrs", optarg); break;
		case O_INTERVAL: e.interval_us = num("interval-us", optarg); break;
		case O_MULT: e.multiplier = num("multiplier", optarg); break;
		case O_SECONDS: seconds = num("seconds", optarg); break;
		case O_INC: e.incarnation = num("incarnation", optarg); break;
		case O_BATCH: e.batch = num("batch", optarg); break;
		default: usage();
		}
	}
	if (!dst || !src || !e.count || !e.first_id || !e.naddrs ||
	    !e.interval_us || !e.batch || e.batch > MAX_BATCH ||
	    optind != argc || sport > 65535 || dport > 65535)
		usage();
	e.dst.sin_family = AF_INET;
	e.dst.sin_port = htons(dport);
	if (inet_pton(AF_INET, dst, &e.dst.sin_addr) != 1 ||
	    inet_pton(AF_INET, src, &e.src0) != 1) {
		fprintf(stderr, "hb_peeremu: --dst and --src are IPv4 addresses\n");
		return 2;
	}
	e.seq = calloc(e.count, sizeof(*e.seq));
	if (!e.seq) {
		perror("hb_peeremu: calloc");
		return 1;
	}

	e.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (e.fd < 0) {
		perror("hb_peeremu: socket");
		return 1;
	}
	setsockopt(e.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(e.fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(e.fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	sa.sin_port = htons(sport);
	if (bind(e.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("hb_peeremu: bind");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	/* Slots of about a millisecond that divide the interval evenly. */
	interval_ns = (uint64_t)e.interval_us * 1000;
	nslots = interval_ns / 1000000 ? interval_ns / 1000000 : 1;
	start = now_ns();
	end = seconds ? start + seconds * 1000000000ULL : UINT64_MAX;
	for (slot = 0; !stop; slot++) {
		t = start + slot * interval_ns / nslots;
		if (t >= end)
			break;
		sleep_until(t);
		elapsed = now_ns() - t;
		if (elapsed / 1000 > max_late)
			max_late = elapsed / 1000;
		if (elapsed > interval_ns) {
			/* A stall of the emulator: its peers go on from now,
			 * as stalled processes would, not in one burst.
			 */
			late++;
			skip = elapsed * nslots / interval_ns;
			skipped += skip;
			slot += skip;
			t = start + slot * interval_ns / nslots;
			next = (slot % nslots) * e.count / nslots;
		}
		/* The peers whose phase falls in this slot. */
		if (slot % nslots == 0)
			next = 0;
		due = (slot % nslots + 1) * e.count / nslots;
		k = 0;
		while (next < due) {
			build(&e, k++, next++);
			if (k == e.batch) {
				flush(&e, k);
				k = 0;
			}
		}
		flush(&e, k);
		drain(&e);
	}
	drain(&e);

	printf("{\"peers\":%u,\"addrs\":%u,\"interval_us\":%u,\"seconds\":%.3f,"
	       "\"sent\":%llu,\"send_errors\":%llu,\"received\":%llu,"
	       "\"late_wakeups\":%llu,\"skipped_slots\":%llu,\"max_late_us\":%llu}\n",
	       e.count, e.naddrs, e.interval_us,
	       (double)(now_ns() - start) / 1e9, e.sent, e.send_errors,
	       e.received, late, skipped, max_late);
	return 0;
}
