/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hbctl: a locked, wiped buffer for one authentication key.
 *
 * A key is read from a file or standard input with read(2) straight into a
 * struct hb_secret (never through stdio, whose buffers would keep a copy),
 * decoded there, and its text wiped at once.  The buffer is its own
 * anonymous mapping, locked in memory when the system allows it and left
 * out of core dumps; hb_secret_free() wipes it before unmapping it.
 */
#ifndef _HBCTL_SECRET_H
#define _HBCTL_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/heartbeat.h>

/* Longest key file read; a longer one is refused (-EFBIG). */
#define HB_SECRET_TEXT_MAX	256

/**
 * struct hb_secret - one key, in binary and, while it is read, as text
 * @key: the key
 * @len: bytes of @text in use
 * @text: the key file's content (empty once decoded) or, for genkey, the
 *	  key as hex and a newline
 */
struct hb_secret {
	uint8_t key[HEARTBEAT_KEY_LEN];
	size_t len;
	char text[HB_SECRET_TEXT_MAX];
};

struct hb_secret *hb_secret_new(void);
void hb_secret_free(struct hb_secret *s);
int hb_secret_read_fd(struct hb_secret *s, int fd, const char **why);
int hb_secret_read(struct hb_secret *s, const char *path, const char **why);
int hb_secret_generate(struct hb_secret *s);
bool hb_secret_fd_exposed(int fd, unsigned int *mode);

#endif /* _HBCTL_SECRET_H */
