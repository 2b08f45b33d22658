/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hbctl: a tiny streaming JSON writer.
 *
 * Values are written as they come, on one line, without white space.  Every
 * call takes the member name @key inside an object and NULL inside an array
 * or at the top level.  Nesting deeper than JSON_MAX_DEPTH is not supported.
 */
#ifndef _HBCTL_JSON_H
#define _HBCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	8

/**
 * struct json - state of one JSON writer
 * @f: where the text goes
 * @depth: number of open objects and arrays
 * @used: @used[d] is true once a value was written at depth d (a comma is
 *	  due before the next one)
 */
struct json {
	FILE *f;
	int depth;
	bool used[JSON_MAX_DEPTH + 1];
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *s);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_escape(FILE *f, const char *s);

#endif /* _HBCTL_JSON_H */
