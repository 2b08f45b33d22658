// SPDX-License-Identifier: GPL-2.0
/*
 * hb_inject: send hand-made heartbeat frames from an ordinary UDP socket.
 *
 * Builds a struct hb_frame (include/uapi/linux/heartbeat.h) that is valid by
 * default, lets every field be overridden, and sends it from a chosen source
 * address and port to a destination.  Binding to a second address of an
 * interface gives a frame whose source is not the peer's ("spoofed").
 *
 *   hb_inject --dst ADDR --id SENDER --cluster C [options]
 *
 *   --src ADDR        bind to this source address (default: any)
 *   --sport PORT      bind to this source port (default 7410)
 *   --dst ADDR        destination address (IPv4 or IPv6), required
 *   --dport PORT      destination port (default 7410)
 *   --id N            sender node id
 *   --id-step N       added to the sender id for each further frame of
 *                     --count (default 0: the same sender)
 *   --cluster N       cluster id
 *   --incarnation N   (default 1)
 *   --seq N           sequence number of the first frame (default 1)
 *   --seq-step N      added for each further frame of --count (default 1;
 *                     0 replays the same sequence number)
 *   --magic N         (default HB_FRAME_MAGIC)
 *   --version N       (default HB_FRAME_VERSION)
 *   --flags N         hdr.flags, must-understand bits (default 0)
 *   --opt-flags N     hdr.opt_flags, may-ignore bits (default 0)
 *   --length N        hdr.length (default: the real frame length)
 *   --interval US     announced interval (default 1000000)
 *   --multiplier N    announced multiplier (default 3)
 *   --timestamp NS    timestamp_ns (default: CLOCK_MONOTONIC now)
 *   --echo-seq N      echo_seq (sets HB_FRAME_F_ECHO)
 *   --echo-ts NS      echo_timestamp_ns (sets HB_FRAME_F_ECHO)
 *   --echo-delay US   echo_delay_us
 *   --echo-recv MS    before sending, wait up to MS ms for one datagram on
 *                     the bound socket (a frame the destination sent to
 *                     this endpoint) and echo its seq and timestamp_ns
 *                     (sets HB_FRAME_F_ECHO; prints "echo SEQ TS"; exit
 *                     status 1 when nothing came)
 *   --knock           with --echo-recv: first send one frame without an
 *                     echo (sequence number --seq), as a restarted node
 *                     does, then wait for the frame to echo; the --count
 *                     frames follow it from --seq plus one step
 *   --pad N           append N zero bytes after the frame
 *   --truncate N      send only the first N bytes
 *   --count N         frames to send (default 1)
 *   --gap-us N        pause between frames (default 1000)
 *   --key-file PATH   sign the frames (HB_FRAME_F_AUTH + struct hb_auth)
 *                     with the key in PATH (64 hex characters), computed
 *                     by the kernel's hmac(sha256) through AF_ALG
 *                     (exit status 4 when the kernel has no AF_ALG)
 *   --key-id N        key id written in the trailer (default 1)
 *   --dest-id N       node id of the destination, covered by the MAC
 *                     (default 0)
 *   --mac-flip        flip one bit of the MAC after signing
 *   --capture MS      send nothing: wait up to MS ms for one heartbeat
 *                     frame on the bound socket and print
 *                     "frame LEN tos 0xTT members N" (LEN: UDP payload
 *                     bytes; tos: the IPv4 TOS or IPv6 traffic class it
 *                     arrived with; N: entries of its HB_TLV_MEMBERS, 0
 *                     when it has none); exit status 1 when nothing came
 *   --hold S          after binding, keep the port for S seconds before
 *                     sending (with --count 0: just occupy the port)
 *
 * TLV extensions, appended after the header in command line order (each
 * padded to 4 bytes; hdr.length covers them unless --length is given):
 *
 *   --members LIST    one HB_TLV_MEMBERS; LIST is "ID:STATE:FAMILY:ADDR:PORT"
 *                     entries separated by commas (an empty LIST gives a TLV
 *                     with no entry).  FAMILY is the raw hb_member.family
 *                     byte (4 or 6 are valid); ADDR is parsed as IPv6 when
 *                     it has a ':', else as IPv4 (or "-" for all zeros).
 *   --verdicts LIST   one HB_TLV_VERDICTS; LIST is "ID:EPOCH:STATE[:C1/C2/..]"
 *                     entries separated by commas; the monitor ids after the
 *                     third ':' are the confirmations (their count is put in
 *                     hb_verdict.confirmations).
 *   --tlv TYPE:HEX    one raw TLV of type TYPE whose value is the bytes HEX
 *                     (hex digits, possibly none)
 *   --tlv-len N       override the length field of the last TLV appended
 *   --tlv-conf N      override hb_verdict.confirmations of the first entry
 *                     of the last --verdicts TLV
 *
 * Numbers accept C prefixes (0x...).  Prints "sent N frames" on success.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/heartbeat.h>
#include <linux/if_alg.h>

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

#define MAX_DGRAM 65536
#define MAX_EXT (MAX_DGRAM - sizeof(struct hb_frame))

static unsigned long long num(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0') {
		fprintf(stderr, "hb_inject: bad number for --%s: %s\n", opt, s);
		exit(2);
	}
	return v;
}

static int parse_addr(const char *s, unsigned short port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	fprintf(stderr, "hb_inject: bad address: %s\n", s);
	return -1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The TLV extensions, built as the options are parsed. */
static unsigned char ext[MAX_EXT];
static size_t ext_len;
static size_t last_tlv = (size_t)-1;	/* offset of the last TLV header */

static void ext_die(const char *opt, const char *what, const char *s)
{
	fprintf(stderr, "hb_inject: --%s: %s: %s\n", opt, what, s);
	exit(2);
}

static void *ext_room(const char *opt, size_t n)
{
	void *p;

	if (n > MAX_EXT - ext_len) {
		fprintf(stderr, "hb_inject: --%s: extensions exceed %zu bytes\n",
			opt, (size_t)MAX_EXT);
		exit(2);
	}
	p = ext + ext_len;
	memset(p, 0, n);
	ext_len += n;
	return p;
}

/* Start a TLV of @type; tlv_end() sets its length and pads it. */
static size_t tlv_begin(const char *opt, unsigned int type)
{
	struct hb_tlv *t;

	last_tlv = ext_len;
	t = ext_room(opt, sizeof(*t));
	t->type = htons(type);
	return last_tlv;
}

static void tlv_end(const char *opt, size_t start)
{
	struct hb_tlv *t = (struct hb_tlv *)(ext + start);
	size_t vlen = ext_len - start - sizeof(*t);

	if (vlen > 0xffff)
		ext_die(opt, "TLV too long", "");
	t->length = htons(vlen);
	if (ext_len % 4)
		ext_room(opt, 4 - ext_len % 4);
}

/* Split @s at @sep: NUL-terminate the first field, return the rest. */
static char *field(char *s, char sep)
{
	char *p = strchr(s, sep);

	if (!p)
		return NULL;
	*p = '\0';
	return p + 1;
}

static void add_members(const char *arg)
{
	char *list = strdup(arg), *ent, *next;
	size_t start = tlv_begin("members", HB_TLV_MEMBERS);

	for (ent = list; ent && *ent; ent = next) {
		char *id, *state, *fam, *addr, *port;
		struct hb_member *m;

		next = field(ent, ',');
		id = ent;
		state = field(id, ':');
		fam = state ? field(state, ':') : NULL;
		addr = fam ? field(fam, ':') : NULL;
		/* An IPv6 address has colons: the port is after the last. */
		port = addr ? strrchr(addr, ':') : NULL;
		if (!port)
			ext_die("members", "want ID:STATE:FAMILY:ADDR:PORT", arg);
		*port++ = '\0';
		m = ext_room("members", sizeof(*m));
		m->id = htonl(num("members", id));
		m->state = num("members", state);
		m->family = num("members", fam);
		m->port = htons(num("members", port));
		if (strcmp(addr, "-") == 0)
			continue;
		if (strchr(addr, ':')) {
			if (inet_pton(AF_INET6, addr, m->addr) != 1)
				ext_die("members", "bad IPv6 address", addr);
		} else if (inet_pton(AF_INET, addr, m->addr) != 1) {
			ext_die("members", "bad IPv4 address", addr);
		}
	}
	free(list);
	tlv_end("members", start);
}

static unsigned char *last_verdict;

static void add_verdicts(const char *arg)
{
	char *list = strdup(arg), *ent, *next;
	size_t start = tlv_begin("verdicts", HB_TLV_VERDICTS);

	last_verdict = NULL;
	for (ent = list; ent && *ent; ent = next) {
		char *id, *epoch, *state, *confs, *c, *cnext;
		struct hb_verdict *v;
		unsigned int n = 0;
		size_t off;

		next = field(ent, ',');
		id = ent;
		epoch = field(id, ':');
		state = epoch ? field(epoch, ':') : NULL;
		if (!state)
			ext_die("verdicts", "want ID:EPOCH:STATE[:C1/C2/...]",
				arg);
		confs = field(state, ':');
		off = ext_len;
		v = ext_room("verdicts", sizeof(*v));
		if (!last_verdict)
			last_verdict = (unsigned char *)v;
		v->id = htonl(num("verdicts", id));
		v->epoch = htonl(num("verdicts", epoch));
		v->state = num("verdicts", state);
		for (c = confs; c && *c; c = cnext) {
			__be32 *m;

			cnext = field(c, '/');
			m = ext_room("verdicts", sizeof(*m));
			*m = htonl(num("verdicts", c));
			n++;
		}
		v = (struct hb_verdict *)(ext + off);
		v->confirmations = n;
	}
	free(list);
	tlv_end("verdicts", start);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void add_raw(const char *arg)
{
	char *s = strdup(arg), *hex = field(s, ':');
	unsigned char *p;
	size_t start, i, n;

	if (!hex)
		ext_die("tlv", "want TYPE:HEXBYTES", arg);
	n = strlen(hex);
	if (n % 2)
		ext_die("tlv", "odd number of hex digits", hex);
	start = tlv_begin("tlv", num("tlv", s));
	p = ext_room("tlv", n / 2);
	for (i = 0; i < n; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);

		if (hi < 0 || lo < 0)
			ext_die("tlv", "bad hex digit", hex);
		p[i / 2] = hi << 4 | lo;
	}
	free(s);
	tlv_end("tlv", start);
}

static void set_tlv_len(const char *arg)
{
	struct hb_tlv *t;

	if (last_tlv == (size_t)-1)
		ext_die("tlv-len", "no TLV before it", arg);
	t = (struct hb_tlv *)(ext + last_tlv);
	t->length = htons(num("tlv-len", arg));
}

static void set_tlv_conf(const char *arg)
{
	if (!last_verdict)
		ext_die("tlv-conf", "no --verdicts entry before it", arg);
	((struct hb_verdict *)last_verdict)->confirmations =
		num("tlv-conf", arg);
}

/* The operation socket of an hmac(sha256) transform keyed from @path. */
static int hmac_open(const char *path)
{
	struct sockaddr_alg sa = {
		.salg_family = AF_ALG,
		.salg_type = "hash",
		.salg_name = "hmac(sha256)",
	};
	unsigned char key[HEARTBEAT_KEY_LEN];
	char hex[2 * HEARTBEAT_KEY_LEN + 2];
	int tfm, op, hi, lo;
	size_t n, i;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		perror("hb_inject: --key-file");
		exit(2);
	}
	n = fread(hex, 1, sizeof(hex), f);
	fclose(f);
	if (n < 2 * HEARTBEAT_KEY_LEN) {
		fprintf(stderr, "hb_inject: --key-file: want 64 hex digits\n");
		exit(2);
	}
	for (i = 0; i < HEARTBEAT_KEY_LEN; i++) {
		hi = hexval(hex[2 * i]);
		lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			fprintf(stderr, "hb_inject: --key-file: bad hex digit\n");
			exit(2);
		}
		key[i] = hi << 4 | lo;
	}
	tfm = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (tfm < 0 && errno == EAFNOSUPPORT) {
		fprintf(stderr,
			"hb_inject: this kernel has no AF_ALG sockets (CONFIG_CRYPTO_USER_API_HASH): cannot sign\n");
		exit(4);
	}
	if (tfm < 0 || bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, sizeof(key)) < 0) {
		perror("hb_inject: AF_ALG hmac(sha256)");
		exit(1);
	}
	op = accept(tfm, NULL, 0);
	if (op < 0) {
		perror("hb_inject: AF_ALG accept");
		exit(1);
	}
	memset(key, 0, sizeof(key));
	return op;
}

/* Append the trailer to the @len bytes of @buf and sign them. */
static size_t sign(int op, unsigned char *buf, size_t len, unsigned int id,
		   uint32_t dest, int flip)
{
	struct hb_auth *t = (struct hb_auth *)(buf + len);
	size_t covered = len + offsetof(struct hb_auth, mac);
	unsigned char msg[MAX_DGRAM + sizeof(dest)];

	memset(t, 0, sizeof(*t));
	t->key_id = id;
	/* The destination's id follows what is sent, in the MAC only. */
	memcpy(msg, buf, covered);
	dest = htonl(dest);
	memcpy(msg + covered, &dest, sizeof(dest));
	covered += sizeof(dest);
	if (write(op, msg, covered) != (ssize_t)covered ||
	    read(op, t->mac, sizeof(t->mac)) != (ssize_t)sizeof(t->mac)) {
		perror("hb_inject: hmac");
		exit(1);
	}
	if (flip)
		t->mac[0] ^= 0x01;
	return len + sizeof(*t);
}

/*
 * Wait up to @ms ms for a heartbeat frame on @fd and return its seq and
 * timestamp_ns (what the next frame echoes).
 */
static int recv_echo(int fd, long long ms, unsigned long long *seq,
		     unsigned long long *ts)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };
	unsigned char buf[MAX_DGRAM];
	const struct hb_frame *f = (const struct hb_frame *)buf;
	ssize_t n;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		perror("hb_inject: SO_RCVTIMEO");
		return 1;
	}
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			perror("hb_inject: no frame to echo");
			return 1;
		}
		if ((size_t)n >= sizeof(*f) &&
		    ntohl(f->magic) == HB_FRAME_MAGIC)
			break;
	}
	*seq = be64toh(f->seq);
	*ts = be64toh(f->timestamp_ns);
	return 0;
}

/*
 * --capture: wait up to @ms ms for a heartbeat frame on @fd, bound to an
 * address of @family, and describe it, with the TOS / traffic class it
 * arrived with.
 */
static int capture(int fd, int family, long long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };
	unsigned char buf[MAX_DGRAM];
	const struct hb_frame *f = (const struct hb_frame *)buf;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int)) * 2];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	unsigned int members = 0, tos = 0x100;
	unsigned long long deadline;
	size_t off, length, vlen;
	struct cmsghdr *c;
	int one = 1;
	ssize_t n;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    (family == AF_INET &&
	     setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)) < 0) ||
	    (family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one,
			sizeof(one)) < 0)) {
		perror("hb_inject: capture setsockopt");
		return 1;
	}
	deadline = mono_ns() + ms * 1000000ULL;
	for (;;) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(fd, &mh, 0);
		if (n < 0) {
			perror("hb_inject: no frame to capture");
			return 1;
		}
		/* Datagrams that are no frame do not extend the wait. */
		if (mono_ns() > deadline) {
			fprintf(stderr, "hb_inject: no frame to capture\n");
			return 1;
		}
		if ((size_t)n >= sizeof(*f) &&
		    ntohl(f->magic) == HB_FRAME_MAGIC)
			break;
	}
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS)
			tos = *(unsigned char *)CMSG_DATA(c);
		else if (c->cmsg_level == IPPROTO_IPV6 &&
			 c->cmsg_type == IPV6_TCLASS)
			tos = *(int *)CMSG_DATA(c) & 0xff;
	}
	length = ntohs(f->length);
	if (length > (size_t)n)
		length = n;
	for (off = sizeof(*f); off + sizeof(struct hb_tlv) <= length;
	     off += (sizeof(struct hb_tlv) + vlen + 3) & ~(size_t)3) {
		const struct hb_tlv *t = (const void *)(buf + off);

		vlen = ntohs(t->length);
		if (ntohs(t->type) == HB_TLV_MEMBERS)
			members = vlen / sizeof(struct hb_member);
	}
	if (tos > 0xff) {
		fprintf(stderr, "hb_inject: no TOS / traffic class received\n");
		return 1;
	}
	printf("frame %zd tos 0x%02x members %u\n", n, tos, members);
	return 0;
}

enum {
	O_SRC = 1, O_SPORT, O_DST, O_DPORT, O_ID, O_CLUSTER, O_INC, O_SEQ,
	O_MAGIC, O_VERSION, O_FLAGS, O_LENGTH, O_INTERVAL, O_MULT, O_TS,
	O_PAD, O_TRUNC, O_COUNT, O_GAP, O_STEP, O_HOLD, O_HELP, O_MEMBERS,
	O_VERDICTS, O_TLV, O_TLV_LEN, O_TLV_CONF, O_KEY_FILE, O_KEY_ID,
	O_MAC_FLIP, O_DEST_ID, O_ECHO_SEQ, O_ECHO_TS, O_ECHO_DELAY,
	O_ECHO_RECV, O_KNOCK, O_ID_STEP, O_OPT_FLAGS, O_CAPTURE,
};

static const struct option opts[] = {
	{ "src",	 required_argument, NULL, O_SRC },
	{ "sport",	 required_argument, NULL, O_SPORT },
	{ "dst",	 required_argument, NULL, O_DST },
	{ "dport",	 required_argument, NULL, O_DPORT },
	{ "id",		 required_argument, NULL, O_ID },
	{ "id-step",	 required_argument, NULL, O_ID_STEP },
	{ "cluster",	 required_argument, NULL, O_CLUSTER },
	{ "incarnation", required_argument, NULL, O_INC },
	{ "seq",	 required_argument, NULL, O_SEQ },
	{ "magic",	 required_argument, NULL, O_MAGIC },
	{ "version",	 required_argument, NULL, O_VERSION },
	{ "flags",	 required_argument, NULL, O_FLAGS },
	{ "opt-flags",	 required_argument, NULL, O_OPT_FLAGS },
	{ "capture",	 required_argument, NULL, O_CAPTURE },
	{ "length",	 required_argument, NULL, O_LENGTH },
	{ "interval",	 required_argument, NULL, O_INTERVAL },
	{ "multiplier",	 required_argument, NULL, O_MULT },
	{ "timestamp",	 required_argument, NULL, O_TS },
	{ "pad",	 required_argument, NULL, O_PAD },
	{ "truncate",	 required_argument, NULL, O_TRUNC },
	{ "count",	 required_argument, NULL, O_COUNT },
	{ "gap-us",	 required_argument, NULL, O_GAP },
	{ "seq-step",	 required_argument, NULL, O_STEP },
	{ "hold",	 required_argument, NULL, O_HOLD },
	{ "members",	 required_argument, NULL, O_MEMBERS },
	{ "verdicts",	 required_argument, NULL, O_VERDICTS },
	{ "tlv",	 required_argument, NULL, O_TLV },
	{ "tlv-len",	 required_argument, NULL, O_TLV_LEN },
	{ "tlv-conf",	 required_argument, NULL, O_TLV_CONF },
	{ "key-file",	 required_argument, NULL, O_KEY_FILE },
	{ "key-id",	 required_argument, NULL, O_KEY_ID },
	{ "mac-flip",	 no_argument,	    NULL, O_MAC_FLIP },
	{ "dest-id",	 required_argument, NULL, O_DEST_ID },
	{ "echo-seq",	 required_argument, NULL, O_ECHO_SEQ },
	{ "echo-ts",	 required_argument, NULL, O_ECHO_TS },
	{ "echo-delay",	 required_argument, NULL, O_ECHO_DELAY },
	{ "echo-recv",	 required_argument, NULL, O_ECHO_RECV },
	{ "knock",	 no_argument,	    NULL, O_KNOCK },
	{ "help",	 no_argument,	    NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(void)
{
	fprintf(stderr,
		"usage: hb_inject --dst ADDR --id N --cluster N [--src ADDR] [--sport P]\n"
		"       [--dport P] [--incarnation N] [--seq N] [--magic N] [--version N]\n"
		"       [--flags N] [--opt-flags N] [--length N] [--interval US]\n"
		"       [--multiplier N] [--capture MS]\n"
		"       [--timestamp NS] [--pad N] [--truncate N] [--count N] [--gap-us N]\n"
		"       [--seq-step N] [--id-step N] [--hold S] [--echo-seq N]\n"
		"       [--echo-ts NS] [--echo-delay US] [--echo-recv MS [--knock]]\n"
		"       [--members ID:STATE:FAM:ADDR:PORT,...]\n"
		"       [--verdicts ID:EPOCH:STATE[:C1/C2...],...] [--tlv TYPE:HEX]\n"
		"       [--tlv-len N] [--tlv-conf N]\n"
		"       [--key-file PATH [--key-id N] [--dest-id N] [--mac-flip]]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long long id = 0, cluster = 0, inc = 1, seq = 1;
	unsigned long long magic = HB_FRAME_MAGIC, version = HB_FRAME_VERSION;
	unsigned long long flags = 0, interval = 1000000, mult = 3;
	unsigned long long count = 1, gap = 1000, pad = 0, step = 1, hold = 0;
	long long length = -1, trunc = -1, ts = -1;
	const char *src = NULL, *dst = NULL;
	unsigned short sport = HEARTBEAT_DEFAULT_PORT;
	unsigned short dport = HEARTBEAT_DEFAULT_PORT;
	struct sockaddr_storage sa, da;
	unsigned char buf[MAX_DGRAM];
	struct hb_frame *f = (struct hb_frame *)buf;
	socklen_t slen, dlen;
	unsigned long long i;
	unsigned long long key_id = 1, dest_id = 0, id_step = 0;
	unsigned long long echo_seq = 0, echo_ts = 0, echo_delay = 0;
	int c, fd, one = 1, op = -1, flip = 0, echo = 0, knock = 0;
	long long echo_recv = -1, capture_ms = -1;
	unsigned long long opt_flags = 0;
	size_t len;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_SRC: src = optarg; break;
		case O_SPORT: sport = num("sport", optarg); break;
		case O_DST: dst = optarg; break;
		case O_DPORT: dport = num("dport", optarg); break;
		case O_ID: id = num("id", optarg); break;
		case O_ID_STEP: id_step = num("id-step", optarg); break;
		case O_CLUSTER: cluster = num("cluster", optarg); break;
		case O_INC: inc = num("incarnation", optarg); break;
		case O_SEQ: seq = num("seq", optarg); break;
		case O_MAGIC: magic = num("magic", optarg); break;
		case O_VERSION: version = num("version", optarg); break;
		case O_FLAGS: flags = num("flags", optarg); break;
		case O_OPT_FLAGS: opt_flags = num("opt-flags", optarg); break;
		case O_CAPTURE: capture_ms = num("capture", optarg); break;
		case O_LENGTH: length = num("length", optarg); break;
		case O_INTERVAL: interval = num("interval", optarg); break;
		case O_MULT: mult = num("multiplier", optarg); break;
		case O_TS: ts = num("timestamp", optarg); break;
		case O_PAD: pad = num("pad", optarg); break;
		case O_TRUNC: trunc = num("truncate", optarg); break;
		case O_COUNT: count = num("count", optarg); break;
		case O_GAP: gap = num("gap-us", optarg); break;
		case O_STEP: step = num("seq-step", optarg); break;
		case O_HOLD: hold = num("hold", optarg); break;
		case O_MEMBERS: add_members(optarg); break;
		case O_VERDICTS: add_verdicts(optarg); break;
		case O_TLV: add_raw(optarg); break;
		case O_TLV_LEN: set_tlv_len(optarg); break;
		case O_TLV_CONF: set_tlv_conf(optarg); break;
		case O_KEY_FILE: op = hmac_open(optarg); break;
		case O_KEY_ID: key_id = num("key-id", optarg); break;
		case O_MAC_FLIP: flip = 1; break;
		case O_DEST_ID: dest_id = num("dest-id", optarg); break;
		case O_ECHO_SEQ:
			echo_seq = num("echo-seq", optarg);
			echo = 1;
			break;
		case O_ECHO_TS:
			echo_ts = num("echo-ts", optarg);
			echo = 1;
			break;
		case O_ECHO_DELAY: echo_delay = num("echo-delay", optarg); break;
		case O_ECHO_RECV: echo_recv = num("echo-recv", optarg); break;
		case O_KNOCK: knock = 1; break;
		default: usage();
		}
	}
	if (!dst || optind != argc || (knock && echo_recv < 0))
		usage();
	if (sizeof(*f) + ext_len + pad + sizeof(struct hb_auth) > sizeof(buf)) {
		fprintf(stderr, "hb_inject: --pad too large\n");
		return 2;
	}
	if (parse_addr(dst, dport, &da, &dlen))
		return 2;
	if (src) {
		if (parse_addr(src, sport, &sa, &slen))
			return 2;
	} else {
		memset(&sa, 0, sizeof(sa));
		sa.ss_family = da.ss_family;
		if (sa.ss_family == AF_INET) {
			((struct sockaddr_in *)&sa)->sin_port = htons(sport);
			slen = sizeof(struct sockaddr_in);
		} else {
			((struct sockaddr_in6 *)&sa)->sin6_port = htons(sport);
			slen = sizeof(struct sockaddr_in6);
		}
	}
	if (sa.ss_family != da.ss_family) {
		fprintf(stderr, "hb_inject: --src and --dst families differ\n");
		return 2;
	}

	fd = socket(da.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("hb_inject: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, slen) < 0) {
		perror("hb_inject: bind");
		return 1;
	}
	if (capture_ms >= 0)
		return capture(fd, da.ss_family, capture_ms);
	if (hold)
		sleep(hold);
	for (i = 0; i < count + knock; i++) {
		if (i == (unsigned long long)knock && echo_recv >= 0) {
			if (recv_echo(fd, echo_recv, &echo_seq, &echo_ts))
				return 1;
			echo = 1;
			printf("echo %llu %llu\n", echo_seq, echo_ts);
		}
		memset(buf, 0, sizeof(buf));
		memcpy(buf + sizeof(*f), ext, ext_len);
		len = sizeof(*f) + ext_len + pad;
		f->magic = htonl(magic);
		f->version = version;
		f->flags = flags;
		f->length = htons(length >= 0 ? (size_t)length : len);
		f->sender_id = htonl(id + i * id_step);
		f->cluster_id = htonl(cluster);
		f->incarnation = htobe64(inc);
		f->seq = htobe64(seq + i * step);
		f->timestamp_ns = htobe64(ts >= 0 ? (uint64_t)ts : mono_ns());
		f->interval_us = htonl(interval);
		f->multiplier = mult;
		f->opt_flags = opt_flags;
		if (echo) {
			f->flags |= HB_FRAME_F_ECHO;
			f->echo_seq = htobe64(echo_seq);
			f->echo_timestamp_ns = htobe64(echo_ts);
			f->echo_delay_us = htonl(echo_delay);
		}
		if (op >= 0) {
			f->flags |= HB_FRAME_F_AUTH;
			len = sign(op, buf, len, key_id, dest_id, flip);
		}
		if (trunc >= 0 && (size_t)trunc < len)
			len = trunc;
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&da, dlen) < 0) {
			perror("hb_inject: sendto");
			return 1;
		}
		if (gap && i + 1 < count + knock && i + 1 != (unsigned long long)knock)
			usleep(gap);
	}
	close(fd);
	printf("sent %llu frames\n", count + knock);
	return 0;
}
