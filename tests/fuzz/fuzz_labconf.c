/* libFuzzer target: the experiment-definition parser on arbitrary text, with and without a
 * profile. It must never crash, and a refusal must come with exactly one line of message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/labconf.h"

static void parse_one(const char *text, const char *profile)
{
	struct lab_conf conf;
	char err[512];

	memset(err, 0, sizeof(err));
	if (lab_conf_parse(&conf, "fuzz.conf", text, profile, err, sizeof(err)) < 0) {
		size_t n = strnlen(err, sizeof(err));

		if (n == 0 || n == sizeof(err) || strchr(err, '\n'))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	parse_one(text, NULL);
	parse_one(text, "quick");
	free(text);
	return 0;
}
