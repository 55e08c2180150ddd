/* engine logs, and the log copying and following that engine run shares: the log file is read
 * directly (the supervisor names it); the WAIT reply on the connection says when it is complete. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(1, "writing output: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

void log_copy(int fd)
{
	static char buf[1 << 16];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(1, "reading the log: %s", strerror(errno));
		if (n == 0)
			return;
		write_all(1, buf, (size_t)n);
	}
}

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* engine stop ID on a second connection; the WAIT on the first then reports the end. */
static void stop_forward(const char *id)
{
	struct client s = connect_or_die();
	struct proto_container pc;
	int rc = client_stop(&s, id, STOP_TIMEOUT_DEFAULT_MS, &pc);
	if (rc && rc != -ESRCH) /* ESRCH: it ended meanwhile */
		fprintf(stderr, "engine: stop %s: %s\n", id, client_error(&s));
	client_close(&s);
}

void log_follow(struct client *c, const char *id, const char *path, struct proto_container *end,
		bool forward_stop)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(1, "log %s: %s", path, strerror(errno));
	if (client_wait_begin(c, id))
		die(1, "wait %s: %s", id, client_error(c));
	struct sigaction sa = {.sa_handler = on_stop_signal}, old_int, old_term;
	if (forward_stop) {
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}
	for (;;) {
		log_copy(fd);
		if (stop_signal && forward_stop) {
			fprintf(stderr, "engine: %s, stopping %s\n", strsignal(stop_signal), id);
			sigaction(SIGINT, &old_int, NULL);
			sigaction(SIGTERM, &old_term, NULL);
			forward_stop = false;
			stop_forward(id);
		}
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = poll(&p, 1, 50);
		if (r < 0 && errno != EINTR)
			die(1, "poll: %s", strerror(errno));
		if (r > 0)
			break;
	}
	if (forward_stop) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (client_wait_end(c, end))
		die(1, "wait %s: %s", id, client_error(c));
	log_copy(fd);
	close(fd);
}

int cmd_logs(int argc, char **argv)
{
	struct id_cli a = {0};
	id_parse(argc, argv, &a, "logs",
		 "usage: engine logs ID [-f] [--socket PATH]\n"
		 "  Prints the container's log (stdout and stderr); -f follows it until it ends.\n",
		 true);
	struct client c = connect_or_die();
	struct proto_container pc;
	char path[PROTO_PATH_MAX];
	if (client_log(&c, a.id, &pc, path, sizeof(path)))
		die(1, "logs %s: %s", a.id, client_error(&c));
	bool live = pc.state == PROTO_STATE_STARTING || pc.state == PROTO_STATE_RUNNING;
	if (a.follow && live) {
		log_follow(&c, a.id, path, &pc, false);
	} else {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(1, "logs %s: %s: %s", a.id, path, strerror(errno));
		log_copy(fd);
		close(fd);
	}
	client_close(&c);
	return 0;
}
