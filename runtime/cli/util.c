/* The CLI's helpers (cli.h): messages, option words, the connection to the supervisor and the
 * ID commands' parser. Process-wide state: the --socket path only. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *cli_socket_path = NULL;

void die(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("engine: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

const char *shown(const char *s)
{
	static char buf[2][64 * 4 + 4];
	static int turn;
	char *out = buf[turn ^= 1], *p = out;
	for (size_t i = 0; s[i]; i++) {
		if (i == 64) {
			strcpy(p, "...");
			return out;
		}
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			p += sprintf(p, "\\x%02x", ch);
		else
			*p++ = (char)ch;
	}
	*p = '\0';
	return out;
}

bool is_help(const char *w)
{
	return !strcmp(w, "--help") || !strcmp(w, "-h");
}

bool opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *w = argv[*i];
	size_t n = strlen(name);
	if (strncmp(w, name, n))
		return false;
	if (w[n] == '=') {
		*val = w + n + 1;
		return true;
	}
	if (w[n])
		return false;
	if (*i + 1 >= argc)
		die(2, "%s needs a value", name);
	*val = argv[++*i];
	return true;
}

long parse_long(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno)
		die(2, "%s: '%s' is not a whole number", opt, shown(s));
	if (v < lo || v > hi)
		die(2, "%s: %ld is out of range %ld..%ld", opt, v, lo, hi);
	return v;
}

struct client connect_or_die(void)
{
	struct client c;
	const char *path = cli_socket_path ? cli_socket_path : client_socket_path();
	if (client_connect(&c, path))
		die(1, "%s", client_error(&c));
	return c;
}

static uint32_t timeout_parse(const char *v)
{
	char *end;
	errno = 0;
	double sec = strtod(v, &end);
	if (!*v || *end || errno || !(sec >= 0 && sec <= 86400))
		die(2, "--timeout: '%s' is not a number of seconds (0..86400)", shown(v));
	return (uint32_t)(sec * 1000 + 0.5);
}

bool common_option(int argc, char **argv, int *i, const char *help)
{
	const char *v;
	if (is_help(argv[*i])) {
		fputs(help, stdout);
		exit(0);
	}
	if (!opt_value(argc, argv, i, "--socket", &v))
		return false;
	cli_socket_path = v;
	return true;
}

void id_parse(int argc, char **argv, struct id_cli *a, const char *cmd, const char *help,
	      bool need_id)
{
	const char *v;
	a->timeout_ms = STOP_TIMEOUT_DEFAULT_MS;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (common_option(argc, argv, &i, help)) {
			continue;
		} else if (strstr(help, "--json") && !strcmp(w, "--json")) {
			a->json = true;
		} else if (strstr(help, "-f") && (!strcmp(w, "-f") || !strcmp(w, "--follow"))) {
			a->follow = true;
		} else if (strstr(help, "--logs") && !strcmp(w, "--logs")) {
			a->logs = true;
		} else if (strstr(help, "--timeout") && opt_value(argc, argv, &i, "--timeout", &v)) {
			a->timeout_ms = timeout_parse(v);
		} else if (w[0] == '-' && w[1]) {
			die(2, "unknown option %s (engine %s --help)", shown(w), cmd);
		} else if (!a->id && need_id) {
			a->id = w;
		} else {
			die(2, "unexpected argument '%s' (engine %s --help)", shown(w), cmd);
		}
	}
	if (need_id && !a->id)
		die(2, "missing ID (engine %s --help)", cmd);
	if (need_id && !id_is_valid(a->id))
		die(2, "invalid ID '%s': 1-%d characters from [A-Za-z0-9_.-], not . or ..",
		    shown(a->id), PROTO_ID_MAX);
}
