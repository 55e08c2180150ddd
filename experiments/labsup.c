/* A private supervisor for a lab run and the machine lines of its meta file (labsup.h).
 * Starting it goes through launch_direct; the caller reaps it through labsup_stop. */
#include "labsup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "schedinfo.h"
#include "lib/clock.h"

#define LABSUP_EXTRA_MAX 16
/* The tree's revision at build time, from the Makefile ("-dirty": it had uncommitted changes). */
#ifndef HOGLAB_REVISION
#define HOGLAB_REVISION "unknown"
#endif

int labsup_start(const struct labsup_opts *o, struct client *c, pid_t *pid, char *sock, size_t socklen,
		 char *err, size_t errlen)
{
	char state[1024], *argv[10 + LABSUP_EXTRA_MAX] = { (char *)o->engine, "supervisor", "--socket", sock,
							    "--state-dir", state, "--log-dir", (char *)o->log_dir };
	struct launch_opts lo = { argv, 0, -1, false, NULL, -1, false };
	double until = clock_mono_s() + 10;
	int n = 8, rc;

	for (size_t i = 0; o->extra && o->extra[i]; i++) {
		if (i == LABSUP_EXTRA_MAX) {
			snprintf(err, errlen, "more than %d supervisor arguments", LABSUP_EXTRA_MAX);
			return -E2BIG;
		}
		argv[n++] = o->extra[i];
	}
	argv[n] = NULL;
	snprintf(sock, socklen, "%s/engine.sock", o->tmp);
	snprintf(state, sizeof(state), "%s/state", o->tmp);
	if (mkdir(o->log_dir, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "creating %s: %s", o->log_dir, strerror(errno));
		return rc;
	}
	lo.out_fd = open(o->log_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	rc = launch_direct(&lo, pid, err, errlen);
	if (lo.out_fd >= 0)
		close(lo.out_fd);
	if (rc)
		return rc;
	while (clock_mono_s() < until) {
		if (client_connect(c, sock) == 0)
			return 0;
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			snprintf(err, errlen, "the private supervisor exited at once (see %s)", o->log_file);
			return -ECHILD;
		}
		usleep(20000);
	}
	snprintf(err, errlen, "the private supervisor did not open %s within 10 s", sock);
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	return -ETIMEDOUT;
}

void labsup_stop(pid_t pid)
{
	double until = clock_mono_s() + 5;

	kill(pid, SIGTERM);
	while (clock_mono_s() < until) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

void labsup_meta_machine(FILE *f)
{
	char line[512] = "", model[256] = "unknown", date[64], ag[16] = "absent";
	struct schedinfo si;
	struct utsname u;
	time_t t = time(NULL);
	FILE *p;

	uname(&u);
	p = fopen("/proc/cpuinfo", "re");
	while (p && fgets(line, sizeof(line), p))
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	if (p)
		fclose(p);
	p = fopen("/proc/sys/kernel/sched_autogroup_enabled", "re");
	if (p) {
		if (fgets(ag, sizeof(ag), p))
			ag[strcspn(ag, "\n")] = '\0';
		fclose(p);
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
	fprintf(f, "date=%s\nhost=%s\nkernel=%s %s\ncpu_model=%s\ncpu_count=%ld\nautogroup=%s\ngit_revision=%s\n", date,
		u.nodename, u.sysname, u.release, model, sysconf(_SC_NPROCESSORS_ONLN), ag, HOGLAB_REVISION);
	schedinfo_probe(&si);
	schedinfo_meta(f, &si);
}
