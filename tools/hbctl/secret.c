// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: a locked, wiped buffer for one authentication key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "parse.h"
#include "secret.h"

/**
 * hb_secret_new() - allocate an empty secret buffer
 *
 * The buffer is locked in memory (best effort: without RLIMIT_MEMLOCK room
 * it stays unlocked) and excluded from core dumps.
 *
 * Return: the buffer, or NULL when out of memory.
 */
struct hb_secret *hb_secret_new(void)
{
	struct hb_secret *s;

	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return NULL;
	mlock(s, sizeof(*s));
	madvise(s, sizeof(*s), MADV_DONTDUMP);
	return s;
}

/**
 * hb_secret_free() - wipe and release a secret buffer
 * @s: the buffer, or NULL
 */
void hb_secret_free(struct hb_secret *s)
{
	if (!s)
		return;
	explicit_bzero(s, sizeof(*s));
	munlock(s, sizeof(*s));
	munmap(s, sizeof(*s));
}

/* Forget the text of the key, keep what was decoded. */
static void wipe_text(struct hb_secret *s)
{
	explicit_bzero(s->text, sizeof(s->text));
	s->len = 0;
}

/**
 * hb_secret_read_fd() - read a key written as hex from @fd until its end
 * @s: the buffer; @s->key holds the key on success
 * @fd: where to read from (not closed)
 * @why: where to point at the reason of a malformed key, or NULL
 *
 * The text is wiped whatever happens; @s->key is wiped on failure.
 *
 * Return: 0, -EINVAL for a malformed key (see parse_key_hex()), -EFBIG
 * for a file of HB_SECRET_TEXT_MAX bytes or more, or the -errno of read(2).
 */
int hb_secret_read_fd(struct hb_secret *s, int fd, const char **why)
{
	ssize_t n;
	int err;

	wipe_text(s);
	for (;;) {
		if (s->len == sizeof(s->text)) {
			err = -EFBIG;
			if (why)
				*why = "too long: a key is 64 hex characters and an optional newline";
			goto out;
		}
		n = read(fd, s->text + s->len, sizeof(s->text) - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (!n)
			break;
		s->len += n;
	}
	err = parse_key_hex(s->text, s->len, s->key, why);
out:
	wipe_text(s);
	if (err)
		explicit_bzero(s->key, sizeof(s->key));
	return err;
}

/**
 * hb_secret_fd_exposed() - may others than the owner access a key file?
 * @fd: the file
 * @mode: where to store its permission bits
 *
 * Return: true for a regular file that its group or others may read,
 * write or execute (what ssh refuses for a private key); false otherwise,
 * pipes and terminals included.
 */
bool hb_secret_fd_exposed(int fd, unsigned int *mode)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return false;
	*mode = st.st_mode & 07777;
	return st.st_mode & 077;
}

/* Warn when others than the owner may access the key file @fd. */
static void check_mode(int fd, const char *name)
{
	unsigned int mode;

	if (hb_secret_fd_exposed(fd, &mode))
		fprintf(stderr,
			"hbctl: warning: key file %s is accessible by group or others (mode %04o); restrict it with chmod 600\n",
			name, mode);
}

/**
 * hb_secret_read() - read a key written as hex from a file
 * @s: the buffer; @s->key holds the key on success
 * @path: the file, or "-" for standard input
 * @why: where to point at the reason of a malformed key, or NULL
 *
 * A regular file that group or others may access is read all the same,
 * after a warning on standard error.
 *
 * Return: as hb_secret_read_fd(), or the -errno of open(2).
 */
int hb_secret_read(struct hb_secret *s, const char *path, const char **why)
{
	char name[300];
	int fd, err;

	if (!strcmp(path, "-")) {
		check_mode(STDIN_FILENO, "on standard input");
		return hb_secret_read_fd(s, STDIN_FILENO, why);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	snprintf(name, sizeof(name), "'%s'", path);
	check_mode(fd, name);
	err = hb_secret_read_fd(s, fd, why);
	close(fd);
	return err;
}

/**
 * hb_secret_generate() - make a new random key
 * @s: the buffer: @s->key gets HEARTBEAT_KEY_LEN bytes from getrandom(2),
 *     @s->text the key as KEY_HEX_LEN lower case hex characters and a
 *     newline
 *
 * getrandom(2) blocks until the kernel's random pool is initialised and
 * then never returns short for this size; anything else is a failure.
 *
 * Return: 0 or a negative errno (-EIO for a short read).
 */
int hb_secret_generate(struct hb_secret *s)
{
	ssize_t n;

	do {
		n = getrandom(s->key, sizeof(s->key), 0);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(s->key)) {
		explicit_bzero(s->key, sizeof(s->key));
		return n < 0 ? -errno : -EIO;
	}
	format_key_hex(s->key, s->text);
	s->text[KEY_HEX_LEN] = '\n';
	s->len = KEY_HEX_LEN + 1;
	return 0;
}
