/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hbctl: parsers for command line values and formatters for durations.
 *
 * Every parser takes the whole string (no leading or trailing junk, no sign,
 * no white space), returns 0 or a negative errno (-EINVAL for garbage,
 * -ERANGE for a value out of range) and, on failure, points *why at a static
 * human readable reason when @why is not NULL.
 */
#ifndef _HBCTL_PARSE_H
#define _HBCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include <linux/heartbeat.h>

/**
 * struct hb_ip - an IPv4 or IPv6 address
 * @family: AF_INET or AF_INET6
 * @v4: the address when @family is AF_INET
 * @v6: the address when @family is AF_INET6
 */
struct hb_ip {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

int parse_u64(const char *s, uint64_t max, uint64_t *val, const char **why);
int parse_id(const char *s, uint32_t *id, const char **why);
int parse_u32(const char *s, uint32_t *val, const char **why);
int parse_port(const char *s, uint16_t *port, const char **why);
int parse_multiplier(const char *s, uint8_t *mult, const char **why);
int parse_duration_us(const char *s, uint64_t *us, const char **why);
int parse_interval_us(const char *s, uint32_t *us, const char **why);
int parse_max_detect_ms(const char *s, uint32_t *ms, const char **why);
int parse_ip(const char *s, struct hb_ip *ip, const char **why);
int parse_on_off(const char *s, bool *on, const char **why);
int parse_monitors(const char *s, uint8_t *k, const char **why);
int parse_learn_limit(const char *s, uint32_t *limit, const char **why);
int parse_dscp(const char *s, uint8_t *dscp, const char **why);
int parse_learn_age_ms(const char *s, uint32_t *ms, const char **why);
int parse_leaders(const char *s, uint32_t *ids, unsigned int *n,
		  const char **why);
int parse_key_id(const char *s, uint8_t *id, const char **why);
int parse_words(char *line, char **words, int max, const char **why);

/* A key is written as KEY_HEX_LEN hex characters. */
#define KEY_HEX_LEN	(2 * HEARTBEAT_KEY_LEN)

int parse_key_hex(const char *s, size_t len, uint8_t *key, const char **why);
void format_key_hex(const uint8_t *key, char *buf);

/* Longest string format_duration_us() and format_ip() produce, with NUL. */
#define DURATION_STRLEN	32
#define IP_STRLEN	46

/*
 * format_id_list() shows at most ID_LIST_MAX_RANGES ranges, then how many
 * ids it left out; ID_LIST_STRLEN holds the longest such list.
 */
#define ID_LIST_MAX_RANGES	12
#define ID_LIST_STRLEN		(ID_LIST_MAX_RANGES * 22 + 24)

char *format_duration_us(uint64_t us, char *buf, size_t len);
char *format_duration_ms(uint64_t ms, char *buf, size_t len);
char *format_ip(const struct hb_ip *ip, char *buf, size_t len);
char *format_id_list(const uint32_t *ids, size_t n, char *buf, size_t len);

#endif /* _HBCTL_PARSE_H */
