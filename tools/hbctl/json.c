// SPDX-License-Identifier: GPL-2.0
/*
 * hbctl: a tiny streaming JSON writer (RFC 8259).
 */
#include <inttypes.h>

#include "json.h"

/**
 * json_escape() - write @s as a JSON string, quotes included
 * @f: where to write
 * @s: a NUL terminated string (bytes from 0x80 up are copied unchanged, so
 *     UTF-8 stays UTF-8)
 */
void json_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/**
 * json_init() - start a JSON writer
 * @j: the writer
 * @f: where the text goes
 */
void json_init(struct json *j, FILE *f)
{
	int i;

	j->f = f;
	j->depth = 0;
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		j->used[i] = false;
}

/* Write the separator and the member name that come before a value. */
static void json_prefix(struct json *j, const char *key)
{
	if (j->used[j->depth])
		fputc(',', j->f);
	j->used[j->depth] = true;
	if (key) {
		json_escape(j->f, key);
		fputc(':', j->f);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_prefix(j, key);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH)
		j->depth++;
	j->used[j->depth] = false;
}

static void json_close(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

/**
 * json_object_begin() - open an object
 * @j: the writer
 * @key: member name, or NULL in an array or at the top level
 */
void json_object_begin(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

/**
 * json_object_end() - close the innermost object
 * @j: the writer
 */
void json_object_end(struct json *j)
{
	json_close(j, '}');
}

/**
 * json_array_begin() - open an array
 * @j: the writer
 * @key: member name, or NULL in an array or at the top level
 */
void json_array_begin(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

/**
 * json_array_end() - close the innermost array
 * @j: the writer
 */
void json_array_end(struct json *j)
{
	json_close(j, ']');
}

/**
 * json_string() - write a string value
 * @j: the writer
 * @key: member name, or NULL
 * @s: the string
 */
void json_string(struct json *j, const char *key, const char *s)
{
	json_prefix(j, key);
	json_escape(j->f, s);
}

/**
 * json_u64() - write an unsigned number
 * @j: the writer
 * @key: member name, or NULL
 * @v: the number (written exactly, even above 2^53)
 */
void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_prefix(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

/**
 * json_bool() - write true or false
 * @j: the writer
 * @key: member name, or NULL
 * @v: the value
 */
void json_bool(struct json *j, const char *key, bool v)
{
	json_prefix(j, key);
	fputs(v ? "true" : "false", j->f);
}

/**
 * json_null() - write null
 * @j: the writer
 * @key: member name, or NULL
 */
void json_null(struct json *j, const char *key)
{
	json_prefix(j, key);
	fputs("null", j->f);
}
