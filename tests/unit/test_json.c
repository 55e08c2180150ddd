/* Unit test of lib/json: the exact text written for each kind of value, the escaping of
 * quotes, backslashes, control characters and non-ASCII, the repair of bytes that are not
 * UTF-8, the refusal of values out of place, and reuse after json_reset. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lib/json.h"

/* The document of one string value. */
static const char *one_str(struct json *j, const char *s)
{
	json_reset(j);
	json_str(j, s);
	return json_text(j, NULL, NULL);
}

int main(void)
{
	struct json j;
	const char *t;
	size_t len;
	int err;

	CHECK(json_init(&j) == 0, "a generator");
	t = json_text(&j, &len, &err);
	CHECK(t && !strcmp(t, "") && len == 0 && err == 0, "nothing written yet: empty text");

	json_obj_begin(&j);
	json_kv_str(&j, "id", "a");
	json_kv_int(&j, "pid", -7);
	json_kv_uint(&j, "ns", 18446744073709551615ull);
	json_kv_bool(&j, "rm", true);
	json_kv_null(&j, "nice");
	json_str(&j, "argv");
	json_arr_begin(&j);
	json_str(&j, "x");
	json_str(&j, NULL);
	json_arr_end(&j);
	json_obj_end(&j);
	t = json_text(&j, &len, &err);
	const char *want = "{\"id\":\"a\",\"pid\":-7,\"ns\":18446744073709551615,\"rm\":true,"
			   "\"nice\":null,\"argv\":[\"x\",null]}";
	CHECK(t && !strcmp(t, want) && len == strlen(want) && !err,
	      "compact object, numbers in full, null for NULL: %s", t ? t : "(failed)");

	char *line = json_line(&j, &len, &err);
	CHECK(line && len == strlen(want) + 1 && !strncmp(line, want, strlen(want)) &&
	      !strcmp(line + strlen(want), "\n"), "json_line: the text and a newline");
	free(line);

	t = one_str(&j, "say \"hi\" \\ now");
	CHECK(t && !strcmp(t, "\"say \\\"hi\\\" \\\\ now\""), "quotes and backslashes escaped: %s", t);
	t = one_str(&j, "a\nb\tc\rd\be\ff\x01g\x1fh");
	CHECK(t && !strcmp(t, "\"a\\nb\\tc\\rd\\be\\ff\\u0001g\\u001Fh\""),
	      "control characters escaped: %s", t);
	t = one_str(&j, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x96");
	CHECK(t && !strcmp(t, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x96\""),
	      "UTF-8 (2, 3 and 4 bytes) kept as it is");
	t = one_str(&j, "a\xff" "b\xc3" "c\xe2\x82" "d\xc0\xaf" "e\xed\xa0\x80");
	CHECK(t && !strcmp(t, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd"
			     "d\xef\xbf\xbd\xef\xbf\xbd" "e\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""),
	      "a stray byte, cut sequences, an overlong form and a surrogate become U+FFFD: %s", t);

	char big[2000];
	memset(big, 0xff, sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	t = one_str(&j, big);
	CHECK(t && strlen(t) == 2 + 3 * (sizeof(big) - 1), "a long invalid string is repaired too");

	json_reset(&j);
	json_obj_begin(&j);
	json_int(&j, 1); /* a number where a key belongs */
	t = json_text(&j, NULL, &err);
	CHECK(!t && err == -EINVAL, "a value where a key belongs fails the document");
	json_obj_end(&j);
	CHECK(!json_text(&j, NULL, &err) && err == -EINVAL, "... and stays failed until reset");
	t = one_str(&j, "ok");
	CHECK(t && !strcmp(t, "\"ok\""), "json_reset starts a new document");
	json_free(&j);
	return check_exit();
}
