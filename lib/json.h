/* The one JSON writer: compact JSON text through yajl's generator, which escapes every string
 * (quote, backslash, control characters); bytes that are not UTF-8 become U+FFFD. A struct json
 * belongs to one thread. Calls after a failure do nothing; json_text says whether it all went. */
#ifndef HOGLAB_LIB_JSON_H
#define HOGLAB_LIB_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct json {
	void *gen;  /* yajl_gen */
	int err;    /* first failure: -EINVAL (a key or value out of place), -ENOMEM */
};

/* 0 or -ENOMEM. */
int json_init(struct json *j);
void json_free(struct json *j);
/* Forgets the text written so far, to write another document with the same generator. */
void json_reset(struct json *j);
/* The text so far (NUL-terminated, *len without the NUL) or NULL after a failure (*err). */
const char *json_text(struct json *j, size_t *len, int *err);

/* A malloc'd copy of the text with a newline and a NUL after it (*len counts the newline),
 * for files and replies; NULL after a failure (*err) or without memory (-ENOMEM). */
char *json_line(struct json *j, size_t *len, int *err);

void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
/* A key in an object, or a string value; NULL writes null. */
void json_str(struct json *j, const char *s);
void json_int(struct json *j, long long v);
void json_uint(struct json *j, unsigned long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* "key": value in an object. */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, long long v);
void json_kv_uint(struct json *j, const char *key, unsigned long long v);
void json_kv_bool(struct json *j, const char *key, bool v);
void json_kv_null(struct json *j, const char *key);

/* Replaces every byte of s that does not belong to a well-formed UTF-8 sequence with U+FFFD,
 * into out (at least 3 * strlen(s) + 1 bytes); returns out. */
char *json_utf8_repair(const char *s, char *out);

#endif
