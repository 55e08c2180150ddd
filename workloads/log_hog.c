/* log_hog: writes a known stream of numbered lines to stdout as fast as it can, so that a log
 * can be checked byte for byte against `log_hog --bytes N` run again. Line k (from 0) is
 * "%015llu " followed by filler up to --line-len bytes including its newline. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"

#define BUF_LINES_MAX (1u << 20)

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Adds one to a fixed-width decimal counter (wraps at 10^width, far beyond any --bytes). */
static void counter_increment(char *digits, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		if (digits[i] != '9') {
			digits[i]++;
			return;
		}
		digits[i] = '0';
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: log_hog --bytes N [--line-len L]\n"
		"Writes exactly N bytes of numbered lines to stdout as fast as it can.\n"
		"  --bytes N      total bytes (suffixes K, M, G accepted: 1G = 2^30)\n"
		"  --line-len L   bytes per line including the newline (17..4096, default 64)\n"
		"The last line is cut at N bytes. The same arguments always give the same bytes.\n");
}

static bool parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t len = strlen(s);
	uint64_t mult = 1;

	if (len == 0 || len >= sizeof(num))
		return false;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 'K': mult = 1ULL << 10; break;
	case 'M': mult = 1ULL << 20; break;
	case 'G': mult = 1ULL << 30; break;
	default: break;
	}
	if (mult > 1)
		num[len - 1] = '\0';
	if (!arg_u64(num, 1, (1ULL << 44) / mult, out))
		return false;
	*out *= mult;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bytes", required_argument, NULL, 'b' },
		{ "line-len", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint64_t total = 0, line_len = 64;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (!parse_size(optarg, &total)) {
				fprintf(stderr, "log_hog: invalid --bytes '%s' (see log_hog --help)\n", optarg);
				return 2;
			}
			break;
		case 'l':
			if (!arg_u64(optarg, 17, 4096, &line_len)) {
				fprintf(stderr, "log_hog: invalid --line-len '%s' (17..4096)\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "log_hog: unknown or incomplete option '%s' (see log_hog --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc || !total) {
		fprintf(stderr, "log_hog: %s (see log_hog --help)\n",
			optind < argc ? "unexpected argument" : "--bytes is required");
		return 2;
	}

	/* A buffer of whole lines, renumbered in place for each refill. */
	size_t lines = (256 * 1024) / line_len, buf_len = lines * line_len;
	char *buf = malloc(buf_len);
	char num[16] = "000000000000000";

	if (!buf) {
		fprintf(stderr, "log_hog: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < lines; i++) {
		memset(buf + i * line_len, 'x', line_len - 1);
		buf[i * line_len + line_len - 1] = '\n';
	}
	while (total) {
		for (size_t i = 0; i < lines; i++) {
			memcpy(buf + i * line_len, num, 15);
			buf[i * line_len + 15] = ' ';
			counter_increment(num, 15);
		}
		size_t n = total < buf_len ? total : buf_len;
		int err = write_all(STDOUT_FILENO, buf, n);

		if (err) {
			fprintf(stderr, "log_hog: write: %s\n", strerror(-err));
			free(buf);
			return 1;
		}
		total -= n;
	}
	free(buf);
	return 0;
}
