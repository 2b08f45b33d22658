// SPDX-License-Identifier: GPL-2.0
/*
 * hb_nlfuzz: send generic netlink requests to the heartbeat family that hbctl
 * would refuse to build, so the tests reach the kernel's own policy checks.
 *
 *   hb_nlfuzz CASE [ARGS]
 *
 *   node-set-noid              NODE_SET with a port but no node id
 *   node-set-id0               NODE_SET with node id 0
 *   peer-add ID ADDR4          a valid PEER_ADD (proves the tool works)
 *   peer-add-nonest            PEER_ADD without the HB_A_PEER nest
 *   peer-add-noid ADDR4        PEER_ADD nest without a peer id
 *   peer-add-noaddr ID         PEER_ADD nest without an address
 *   peer-add-both ID ADDR4     both an IPv4 and an IPv6 address
 *   peer-add-badlen ID         a 3 byte IPv4 address
 *   peer-add-interval ID ADDR4 US   any raw interval in microseconds
 *   peer-add-mult ID ADDR4 N        any raw multiplier
 *   peer-add-unknown ID ADDR4  an unknown attribute inside the nest
 *   peer-set-interval ID US    PEER_SET with a raw interval
 *   peer-del-noid              PEER_DEL nest without a peer id
 *
 * Key requests, each with a recognisable secret ("HBSECRET" repeated):
 *
 *   key-add ID                 a valid KEY_ADD
 *   key-add-short ID           a 31 byte secret
 *   key-add-extra ID           a valid key nest and a NODE_ID beside it
 *   key-add-readonly ID        the read-only HB_KEY_A_RX in the nest
 *   key-set-secret ID          KEY_SET with a secret
 *
 * When the kernel refuses a request, the ack echoes the request as the
 * kernel holds it (the tool does not set NETLINK_CAP_ACK): for the key
 * requests, "secret echoed: yes" or "secret echoed: no" is then printed on
 * stdout, so a test can tell whether the kernel wiped a refused secret.
 *
 * Exit 0 when the kernel accepted the request, 1 when it rejected it (with
 * "hb_nlfuzz: <errno text>: <extack message>" on stderr), 2 on usage errors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/heartbeat.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

static const char secret_text[] = "HBSECRETHBSECRETHBSECRETHBSECRET";
/* Whether the last refused request came back with the secret in it. */
static int secret_echoed = -1;

struct msg {
	union {
		struct nlmsghdr nlh;
		unsigned char buf[4096];
	};
	struct nlattr *nest;
};

static void put(struct msg *m, unsigned short type, const void *data,
		size_t len)
{
	struct nlattr *a = (void *)(m->buf + NLMSG_ALIGN(m->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((unsigned char *)a + NLA_HDRLEN, data, len);
	m->nlh.nlmsg_len = NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void put_u32(struct msg *m, unsigned short type, uint32_t v)
{
	put(m, type, &v, sizeof(v));
}

static void put_u16(struct msg *m, unsigned short type, uint16_t v)
{
	put(m, type, &v, sizeof(v));
}

static void put_u8(struct msg *m, unsigned short type, uint8_t v)
{
	put(m, type, &v, sizeof(v));
}

static void nest_start(struct msg *m, unsigned short type)
{
	m->nest = (void *)(m->buf + NLMSG_ALIGN(m->nlh.nlmsg_len));
	put(m, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct msg *m)
{
	m->nest->nla_len = m->buf + m->nlh.nlmsg_len - (unsigned char *)m->nest;
}

static void msg_init(struct msg *m, uint16_t family, uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nlh.nlmsg_type = family;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m->nlh.nlmsg_seq = 1;
	g = NLMSG_DATA(&m->nlh);
	g->cmd = cmd;
	g->version = family == GENL_ID_CTRL ? 1 : HEARTBEAT_GENL_VERSION;
}

/* Send @m, wait for the ack; returns 0 or -errno; @reply gets the answer. */
static int transact(int fd, struct msg *m, struct msg *reply,
		    char *ext, size_t extlen)
{
	unsigned char buf[16384];
	struct nlmsghdr *h;
	ssize_t n;
	int ret = 1;

	ext[0] = '\0';
	if (send(fd, m->buf, m->nlh.nlmsg_len, 0) < 0)
		return -errno;
	while (ret > 0) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			struct nlmsgerr *e;
			struct nlattr *a;
			size_t off, end;

			if (h->nlmsg_type != NLMSG_ERROR) {
				if (reply && h->nlmsg_len <= sizeof(reply->buf))
					memcpy(reply->buf, h, h->nlmsg_len);
				continue;
			}
			e = NLMSG_DATA(h);
			ret = e->error;
			if (ret && !(h->nlmsg_flags & NLM_F_CAPPED) &&
			    e->msg.nlmsg_len <= h->nlmsg_len)
				secret_echoed = memmem(&e->msg,
						       e->msg.nlmsg_len,
						       secret_text, 8) != NULL;
			if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
				break;
			off = NLMSG_HDRLEN + sizeof(*e);
			if (!(h->nlmsg_flags & NLM_F_CAPPED))
				off += e->msg.nlmsg_len - NLMSG_HDRLEN;
			end = h->nlmsg_len;
			while (off + NLA_HDRLEN <= end) {
				a = (void *)((unsigned char *)h + off);
				if (a->nla_len < NLA_HDRLEN ||
				    off + a->nla_len > end)
					break;
				if ((a->nla_type & NLA_TYPE_MASK) ==
				    NLMSGERR_ATTR_MSG)
					snprintf(ext, extlen, "%.*s",
						 (int)(a->nla_len - NLA_HDRLEN),
						 (char *)a + NLA_HDRLEN);
				off += NLA_ALIGN(a->nla_len);
			}
			break;
		}
	}
	return ret;
}

static int family_id(int fd)
{
	struct msg m, r;
	struct nlattr *a;
	char ext[256];
	size_t off;
	int err;

	msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	put(&m, CTRL_ATTR_FAMILY_NAME, HEARTBEAT_GENL_NAME,
	    sizeof(HEARTBEAT_GENL_NAME));
	memset(&r, 0, sizeof(r));
	err = transact(fd, &m, &r, ext, sizeof(ext));
	if (err)
		return err;
	off = NLMSG_LENGTH(GENL_HDRLEN);
	while (off + NLA_HDRLEN <= r.nlh.nlmsg_len) {
		a = (void *)(r.buf + off);
		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((char *)a + NLA_HDRLEN);
		off += NLA_ALIGN(a->nla_len);
	}
	return -ENOENT;
}

static uint32_t addr4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "hb_nlfuzz: bad IPv4 address %s\n", s);
		exit(2);
	}
	return a.s_addr;
}

static unsigned long number(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end) {
		fprintf(stderr, "hb_nlfuzz: bad number %s\n", s);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr, "usage: hb_nlfuzz CASE [ARGS] (see the source)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const unsigned char v6[16] = { 0xfd, 0, 0, 0x99, [15] = 1 };
	const char *c = argc > 1 ? argv[1] : "";
	int one = 1, fd, fam, err;
	char ext[256];
	struct msg m;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0) {
		perror("hb_nlfuzz: socket");
		return 1;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	fam = family_id(fd);
	if (fam < 0) {
		fprintf(stderr, "hb_nlfuzz: family %s: %s\n",
			HEARTBEAT_GENL_NAME, strerror(-fam));
		return 1;
	}

#define NEED(n) do { if (argc != (n) + 2) usage(); } while (0)
	if (!strcmp(c, "node-set-noid")) {
		NEED(0);
		msg_init(&m, fam, HB_CMD_NODE_SET);
		put_u16(&m, HB_A_NODE_PORT, 7411);
	} else if (!strcmp(c, "node-set-id0")) {
		NEED(0);
		msg_init(&m, fam, HB_CMD_NODE_SET);
		put_u32(&m, HB_A_NODE_ID, 0);
	} else if (!strcmp(c, "peer-add")) {
		NEED(2);
		msg_init(&m, fam, HB_CMD_PEER_ADD);
		nest_start(&m, HB_A_PEER);
		put_u32(&m, HB_PEER_A_ID, number(argv[2]));
		put_u32(&m, HB_PEER_A_ADDR4, addr4(argv[3]));
		nest_end(&m);
	} else if (!strcmp(c, "peer-add-nonest")) {
		NEED(0);
		msg_init(&m, fam, HB_CMD_PEER_ADD);
	} else if (!strcmp(c, "peer-add-noid")) {
		NEED(1);
		msg_init(&m, fam, HB_CMD_PEER_ADD);
		nest_start(&m, HB_A_PEER);
		put_u32(&m, HB_PEER_A_ADDR4, addr4(argv[2]));
		nest_end(&m);
	} else if (!strcmp(c, "peer-add-noaddr")) {
		NEED(1);
		msg_init(&m, fam, HB_CMD_PEER_ADD);
		nest_start(&m, HB_A_PEER);
		put_u32(&m, HB_PEER_A_ID, number(argv[2]));
		nest_end(&m);
	} else if (!strcmp(c, "peer-add-both")) {
		NEED(2);
		msg_init(&m, fam, HB_CMD_PEER_ADD);
		nest_start(&m, HB_A_PEER);
		put_u32(&m, HB_PEER_A_ID, number(argv[2]));
		put_u32(&m, HB_PEER_A_ADDR4, addr4(argv[3]));
		put(&m, HB_PEER_A_ADDR6, v6, sizeof(v6));
		nest_end(&m);
	} else if (!strcmp(c, "peer-add-badlen")) {
		NEED(1);
		msg_init(&m, fam, HB_CMD_PEER_ADD);
		nest_start(&m, HB_A_PEER);
		put_u32(&m, HB_PEER_A_ID, number(argv[2]));
		put(&m, HB_PEER_A_ADDR4, "\x0a\x00\x00", 3);
		nest_end(&m);
	} else if (!strcmp(c, "peer-add-interval")) {
		NEED(3);
		msg_init(&m, fam, HB_CMD_PEER_ADD);
		nest_start(&m, HB_A_PEER);
		put_u32(&m, HB_PEER_A_ID, number(argv[2]));
		put_u32(&m, HB_PEER_A_ADDR4, addr4(argv[3]));
		put_u32(&m, HB_PEER_A_INTERVAL_US, number(argv[4]));
		nest_end(&m);
	} else if (!strcmp(c, "peer-add-mult")) {
		NEED(3);
		msg_init(&m, fam, HB_CMD_PEER_ADD);
		nest_start(&m, HB_A_PEER);
		put_u32(&m, HB_PEER_A_ID, number(argv[2]));
		put_u32(&m, HB_PEER_A_ADDR4, addr4(argv[3]));
		put_u8(&m, HB_PEER_A_MULTIPLIER, number(argv[4]));
		nest_end(&m);
	} else if (!strcmp(c, "peer-add-unknown")) {
		NEED(2);
		msg_init(&m, fam, HB_CMD_PEER_ADD);
		nest_start(&m, HB_A_PEER);
		put_u32(&m, HB_PEER_A_ID, number(argv[2]));
		put_u32(&m, HB_PEER_A_ADDR4, addr4(argv[3]));
		put_u32(&m, __HB_PEER_A_MAX + 10, 1);
		nest_end(&m);
	} else if (!strcmp(c, "peer-set-interval")) {
		NEED(2);
		msg_init(&m, fam, HB_CMD_PEER_SET);
		nest_start(&m, HB_A_PEER);
		put_u32(&m, HB_PEER_A_ID, number(argv[2]));
		put_u32(&m, HB_PEER_A_INTERVAL_US, number(argv[3]));
		nest_end(&m);
	} else if (!strncmp(c, "key-", 4)) {
		NEED(1);
		msg_init(&m, fam, strcmp(c, "key-set-secret") ?
			 HB_CMD_KEY_ADD : HB_CMD_KEY_SET);
		nest_start(&m, HB_A_KEY);
		put_u8(&m, HB_KEY_A_ID, number(argv[2]));
		put(&m, HB_KEY_A_SECRET, secret_text,
		    HEARTBEAT_KEY_LEN - !strcmp(c, "key-add-short"));
		if (!strcmp(c, "key-add-readonly"))
			put(&m, HB_KEY_A_RX, "\0\0\0\0\0\0\0\0", 8);
		if (!strcmp(c, "key-set-secret"))
			put(&m, HB_KEY_A_PRIMARY, NULL, 0);
		nest_end(&m);
		if (!strcmp(c, "key-add-extra"))
			put_u32(&m, HB_A_NODE_ID, 1);
		else if (strcmp(c, "key-add") && strcmp(c, "key-add-short") &&
			 strcmp(c, "key-add-readonly") &&
			 strcmp(c, "key-set-secret"))
			usage();
	} else if (!strcmp(c, "peer-del-noid")) {
		NEED(0);
		msg_init(&m, fam, HB_CMD_PEER_DEL);
		nest_start(&m, HB_A_PEER);
		nest_end(&m);
	} else {
		usage();
	}

	err = transact(fd, &m, NULL, ext, sizeof(ext));
	close(fd);
	if (err && !strncmp(c, "key-", 4) && secret_echoed >= 0)
		printf("secret echoed: %s\n", secret_echoed ? "yes" : "no");
	if (err) {
		fprintf(stderr, "hb_nlfuzz: %s: %s\n", strerror(-err),
			ext[0] ? ext : "(no extack message)");
		return 1;
	}
	printf("ok\n");
	return 0;
}
