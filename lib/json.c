/* JSON writer (json.h) over yajl_gen: no beautify, UTF-8 validated by yajl; a string yajl
 * refuses as invalid UTF-8 is repaired here and written again. No state beyond struct json. */
#include "lib/json.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

static void status(struct json *j, yajl_gen_status s)
{
	if (s != yajl_gen_status_ok && !j->err)
		j->err = -EINVAL;
}

int json_init(struct json *j)
{
	j->err = 0;
	j->gen = yajl_gen_alloc(NULL);
	if (!j->gen)
		return -ENOMEM;
	yajl_gen_config(j->gen, yajl_gen_validate_utf8, 1);
	return 0;
}

void json_free(struct json *j)
{
	if (j->gen)
		yajl_gen_free(j->gen);
	j->gen = NULL;
}

void json_reset(struct json *j)
{
	yajl_gen_reset(j->gen, NULL);
	yajl_gen_clear(j->gen);
	j->err = 0;
}

const char *json_text(struct json *j, size_t *len, int *err)
{
	const unsigned char *buf;
	size_t n;

	if (!j->err)
		status(j, yajl_gen_get_buf(j->gen, &buf, &n));
	if (err)
		*err = j->err;
	if (j->err)
		return NULL;
	if (len)
		*len = buf ? n : 0;
	return buf ? (const char *)buf : ""; /* nothing written yet */
}

char *json_line(struct json *j, size_t *len, int *err)
{
	size_t n;
	const char *text = json_text(j, &n, err);
	char *line = text ? malloc(n + 2) : NULL;

	if (text && !line && err)
		*err = -ENOMEM;
	if (!line)
		return NULL;
	memcpy(line, text, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	if (len)
		*len = n + 1;
	return line;
}

#define GEN(j, call)                              \
	do {                                      \
		if (!(j)->err)                    \
			status((j), (call));      \
	} while (0)

void json_obj_begin(struct json *j) { GEN(j, yajl_gen_map_open(j->gen)); }
void json_obj_end(struct json *j) { GEN(j, yajl_gen_map_close(j->gen)); }
void json_arr_begin(struct json *j) { GEN(j, yajl_gen_array_open(j->gen)); }
void json_arr_end(struct json *j) { GEN(j, yajl_gen_array_close(j->gen)); }
void json_int(struct json *j, long long v) { GEN(j, yajl_gen_integer(j->gen, v)); }
void json_bool(struct json *j, bool v) { GEN(j, yajl_gen_bool(j->gen, v)); }
void json_null(struct json *j) { GEN(j, yajl_gen_null(j->gen)); }

void json_uint(struct json *j, unsigned long long v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", v);

	GEN(j, yajl_gen_number(j->gen, num, (size_t)n));
}

char *json_utf8_repair(const char *s, char *out)
{
	const unsigned char *p = (const unsigned char *)s;
	char *o = out;

	while (*p) {
		unsigned c = *p;
		size_t need = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2
			    : c >= 0xf0 && c <= 0xf4 ? 3 : SIZE_MAX;
		/* The second byte's range rules out overlong forms, surrogates and > U+10FFFF. */
		unsigned lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
		unsigned hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
		size_t k = 1;
		if (need != SIZE_MAX)
			for (; k <= need; k++)
				if (p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xbf))
					break;
		if (need == SIZE_MAX || k <= need) {
			memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD for the lead byte; resync after it */
			o += 3;
			p++;
			continue;
		}
		memcpy(o, p, need + 1);
		o += need + 1;
		p += need + 1;
	}
	*o = '\0';
	return out;
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	if (j->err)
		return;
	size_t len = strlen(s);
	yajl_gen_status st = yajl_gen_string(j->gen, (const unsigned char *)s, len);
	if (st == yajl_gen_invalid_string) {
		char small[256], *fixed = 3 * len + 1 <= sizeof(small) ? small : malloc(3 * len + 1);
		if (!fixed) {
			j->err = -ENOMEM;
			return;
		}
		json_utf8_repair(s, fixed);
		st = yajl_gen_string(j->gen, (const unsigned char *)fixed, strlen(fixed));
		if (fixed != small)
			free(fixed);
	}
	status(j, st);
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
	json_str(j, key);
	json_str(j, s);
}

void json_kv_int(struct json *j, const char *key, long long v)
{
	json_str(j, key);
	json_int(j, v);
}

void json_kv_uint(struct json *j, const char *key, unsigned long long v)
{
	json_str(j, key);
	json_uint(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_str(j, key);
	json_bool(j, v);
}

void json_kv_null(struct json *j, const char *key)
{
	json_str(j, key);
	json_null(j);
}
