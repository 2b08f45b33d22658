// SPDX-License-Identifier: GPL-2.0
/*
 * Write the seed corpus of fuzz_frame into a directory: valid frames built
 * with kmod/frame.c's own builders (a bare header, ECHO and LEAVE flags,
 * one and the largest HB_TLV_MEMBERS, HB_TLV_VERDICTS with UP and DOWN
 * entries, both, an unknown TLV, odd padding, unknown may-ignore flags),
 * plus a few classic near misses (a truncated header, the authentication
 * flag, an unknown must-understand flag, a TLV running past hdr.length).  Every valid seed is parsed once here: the generator fails
 * if the parser does not accept what the builders made.
 *
 *   gen_corpus DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "frame.h"

static const char *dir;
static unsigned int nseeds;

static void put_seed(const char *name, const u8 *buf, size_t len, bool valid)
{
	struct hb_frame_info fi;
	char path[4096];
	FILE *f;

	if (valid && hb_frame_parse(buf, len, &fi) != HB_FRAME_OK) {
		fprintf(stderr, "gen_corpus: seed %s is not accepted\n", name);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	nseeds++;
}

static void header(struct hb_frame_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->sender_id = 2;
	fi->cluster_id = 42;
	fi->incarnation = 1764000000000000000ULL;
	fi->seq = 7;
	fi->timestamp_ns = 123456789;
	fi->interval_us = 100000;
	fi->multiplier = 3;
}

static size_t members(u8 *ext, size_t off, unsigned int n)
{
	struct hb_member_info m;
	size_t start = off;
	unsigned int i;

	off = hb_tlv_begin(ext, off, HB_TLV_MEMBERS);
	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		m.id = 10 + i;
		m.state = i % __HB_STATE_MAX;
		m.port = 7410;
		if (i % 2) {
			m.family = AF_INET6;
			m.addr[0] = 0xfd;
			m.addr[15] = i;
		} else {
			m.family = AF_INET;
			m.addr[0] = 10;
			m.addr[3] = i;
		}
		off = hb_tlv_put_member(ext, off, &m);
	}
	return hb_tlv_end(ext, start, off);
}

static size_t verdicts(u8 *ext, size_t off, unsigned int n)
{
	struct hb_verdict_info v;
	size_t start = off;
	unsigned int i, j;

	off = hb_tlv_begin(ext, off, HB_TLV_VERDICTS);
	for (i = 0; i < n; i++) {
		memset(&v, 0, sizeof(v));
		v.id = 20 + i;
		v.epoch = i;
		if (i % 2) {
			v.state = HB_STATE_DOWN;
			v.nconf = 1 + i % HEARTBEAT_MAX_MONITORS;
			for (j = 0; j < v.nconf; j++)
				v.conf[j] = 30 + j;
		} else {
			v.state = HB_STATE_UP;
		}
		off = hb_tlv_put_verdict(ext, off, &v);
	}
	return hb_tlv_end(ext, start, off);
}

int main(int argc, char **argv)
{
	static u8 buf[sizeof(struct hb_frame) + HB_EXT_MAX + 16];
	u8 *ext = buf + sizeof(struct hb_frame);
	struct hb_frame_info fi;
	size_t off;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	dir = argv[1];

	header(&fi);
	hb_frame_build(buf, &fi, 0);
	put_seed("plain", buf, sizeof(struct hb_frame), true);
	put_seed("short", buf, sizeof(struct hb_frame) - 1, false);

	fi.flags = HB_FRAME_F_ECHO | HB_FRAME_F_LEAVE;
	fi.echo_seq = 6;
	fi.echo_delay_us = 250;
	fi.echo_timestamp_ns = 987654321;
	hb_frame_build(buf, &fi, 0);
	put_seed("echo-leave", buf, sizeof(struct hb_frame), true);

	/* Unknown may-ignore bits: accepted; an unknown must-understand
	 * bit: refused.
	 */
	header(&fi);
	hb_frame_build(buf, &fi, 0);
	buf[offsetof(struct hb_frame, opt_flags)] = 0xff;
	put_seed("opt-unknown", buf, sizeof(struct hb_frame), true);
	hb_frame_build(buf, &fi, 0);
	buf[offsetof(struct hb_frame, flags)] = 0x80;
	put_seed("flag-unknown", buf, sizeof(struct hb_frame), false);

	header(&fi);
	fi.flags = HB_FRAME_F_AUTH;
	hb_frame_build(buf, &fi, 0);
	memset(buf + sizeof(struct hb_frame), 0xa5, sizeof(struct hb_auth));
	buf[sizeof(struct hb_frame)] = 1;
	put_seed("auth", buf, sizeof(struct hb_frame) + sizeof(struct hb_auth),
		 false);

	header(&fi);
	off = members(ext, 0, 1);
	hb_frame_build(buf, &fi, off);
	put_seed("members-1", buf, sizeof(struct hb_frame) + off, true);

	off = members(ext, 0, HB_TLV_MEMBERS_MAX);
	hb_frame_build(buf, &fi, off);
	put_seed("members-max", buf, sizeof(struct hb_frame) + off, true);

	off = verdicts(ext, 0, 4);
	hb_frame_build(buf, &fi, off);
	put_seed("verdicts-4", buf, sizeof(struct hb_frame) + off, true);

	off = verdicts(ext, 0, HB_TLV_VERDICTS_MAX);
	hb_frame_build(buf, &fi, off);
	put_seed("verdicts-max", buf, sizeof(struct hb_frame) + off, true);

	off = members(ext, 0, 3);
	off = verdicts(ext, off, 3);
	hb_frame_build(buf, &fi, off);
	put_seed("both", buf, sizeof(struct hb_frame) + off, true);

	/* An unknown TLV with 3 value bytes (padding left out at the end). */
	off = hb_tlv_begin(ext, 0, 77);
	memset(ext + off, 0x5a, 3);
	hb_tlv_end(ext, 0, off + 3);
	hb_frame_build(buf, &fi, 7);
	put_seed("unknown-tlv", buf, sizeof(struct hb_frame) + 7, true);

	/* A members TLV whose length runs past hdr.length. */
	off = members(ext, 0, 2);
	hb_frame_build(buf, &fi, off - 4);
	put_seed("tlv-overrun", buf, sizeof(struct hb_frame) + off, false);

	printf("gen_corpus: %u seeds in %s\n", nseeds, dir);
	return 0;
}
