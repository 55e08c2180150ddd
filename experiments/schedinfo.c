/* The running kernel's fair scheduler, described for meta (schedinfo.h). Sources, best first:
 * debugfs sched/ (read in place, or in a child's private mount namespace where debugfs is not
 * mounted, so nothing stays mounted), the kernel's config (/boot/config-REL, /proc/config.gz),
 * the boot command line, /proc/PID/sched, and for HZ a measurement of jiffies. */
#include "schedinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/clock.h"
#include "lib/file.h"

#define DEBUGFS "/sys/kernel/debug"
#define CONFIG_MAX (4u << 20)

int schedinfo_parse_release(const char *release, int *major, int *minor)
{
	char *end;
	long a, b;

	errno = 0;
	a = strtol(release, &end, 10);
	if (errno || end == release || *end != '.' || a < 2 || a > 99)
		return -EINVAL;
	release = end + 1;
	b = strtol(release, &end, 10);
	if (errno || end == release || b < 0 || b > 999)
		return -EINVAL;
	*major = (int)a;
	*minor = (int)b;
	return 0;
}

const char *schedinfo_scheduler(int major, int minor)
{
	return major > 6 || (major == 6 && minor >= 6) ? "EEVDF" : "CFS";
}

int schedinfo_parse_preempt(const char *text, char *out, size_t outlen)
{
	const char *a = strchr(text, '('), *b = a ? strchr(a, ')') : NULL;

	if (!b || b - a - 1 < 1 || (size_t)(b - a) > outlen)
		return -EINVAL;
	snprintf(out, outlen, "%.*s", (int)(b - a - 1), a + 1);
	return 0;
}

/* Whether the config text has the line "KEY=y". */
static int config_yes(const char *config, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = config; (p = strstr(p, key)); p += n)
		if ((p == config || p[-1] == '\n') && !strncmp(p + n, "=y", 2) && (p[n + 2] == '\n' || !p[n + 2]))
			return 1;
	return 0;
}

int schedinfo_config_preempt(const char *config, char *out, size_t outlen)
{
	static const char *const models[][2] = {
		{ "CONFIG_PREEMPT_RT", "rt" },         { "CONFIG_PREEMPT_LAZY", "lazy" },
		{ "CONFIG_PREEMPT", "full" },          { "CONFIG_PREEMPT_VOLUNTARY", "voluntary" },
		{ "CONFIG_PREEMPT_NONE", "none" },
	};

	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (config_yes(config, models[i][0])) {
			snprintf(out, outlen, "%s", models[i][1]);
			return 0;
		}
	return -ENOENT;
}

int schedinfo_config_hz(const char *config)
{
	for (const char *p = config; (p = strstr(p, "CONFIG_HZ=")); p++)
		if (p == config || p[-1] == '\n')
			return atoi(p + 10);
	return 0;
}

long schedinfo_sched_field(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; (p = strstr(p, key)); p += n)
		if ((p == text || p[-1] == '\n') && (p[n] == ' ' || p[n] == ':')) {
			const char *c = strchr(p, ':');
			return c ? strtol(c + 1, NULL, 10) : -1;
		}
	return -1;
}

/* The kernel's config as one malloc'd text, or NULL; where it came from into src. */
static char *config_read(const char *release, char *src, size_t srclen)
{
	char path[160];
	char *buf = malloc(CONFIG_MAX);
	size_t len = 0;
	FILE *f;
	gzFile z;
	int n;

	if (!buf)
		return NULL;
	snprintf(path, sizeof(path), "/boot/config-%s", release);
	f = fopen(path, "re");
	if (f) {
		len = fread(buf, 1, CONFIG_MAX - 1, f);
		fclose(f);
		snprintf(src, srclen, "%s", path);
	} else if ((z = gzopen("/proc/config.gz", "rb"))) {
		while (len < CONFIG_MAX - 1 && (n = gzread(z, buf + len, CONFIG_MAX - 1 - len)) > 0)
			len += (size_t)n;
		gzclose(z);
		snprintf(src, srclen, "/proc/config.gz");
	}
	if (!len) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* A debugfs file's text: in place if debugfs is mounted, else from a child that mounts it in a
 * private mount namespace (gone when the child exits). Its length, or -errno. */
static ssize_t debugfs_read(const char *rel, char *buf, size_t size)
{
	char path[128];
	int fd[2], st;
	ssize_t n, got = 0;
	pid_t pid;

	snprintf(path, sizeof(path), DEBUGFS "/%s", rel);
	n = file_read_text(path, buf, size);
	if (n != -ENOENT || access(DEBUGFS "/sched", F_OK) == 0)
		return n;
	if (pipe2(fd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		n = -errno;
		close(fd[0]);
		close(fd[1]);
		return n;
	}
	if (pid == 0) {
		close(fd[0]);
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("debugfs", DEBUGFS, "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
			_exit(100 + (errno & 63));
		n = file_read_text(path, buf, size);
		if (n < 0)
			_exit(100 + (int)(-n & 63));
		_exit(write(fd[1], buf, (size_t)n) == n ? 0 : 99);
	}
	close(fd[1]);
	while (got < (ssize_t)size - 1 && (n = read(fd[0], buf + got, size - 1 - (size_t)got)) > 0)
		got += n;
	close(fd[0]);
	buf[got] = '\0';
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 99)
		return -EIO;
	return WEXITSTATUS(st) >= 100 ? -(WEXITSTATUS(st) - 100) : got;
}

/* HZ from the jiffies counter of /proc/timer_list over 200 ms, rounded to a value kernels are
 * configured with; 0 when it cannot be read. */
static int hz_measure(void)
{
	static const int known[] = { 100, 250, 300, 1000 };
	char *buf = malloc(1 << 20);
	double t[2], rate;
	long j[2];
	int best = 0;

	if (!buf)
		return 0;
	for (int i = 0; i < 2; i++) {
		const char *p;

		if (i)
			nanosleep(&(struct timespec){ 0, 200000000 }, NULL);
		t[i] = clock_mono_s();
		p = file_read_text("/proc/timer_list", buf, 1 << 20) > 0 ? strstr(buf, "\njiffies: ") : NULL;
		j[i] = p ? strtol(p + 10, NULL, 10) : -1;
	}
	free(buf);
	if (j[0] < 0 || j[1] <= j[0])
		return 0;
	rate = (double)(j[1] - j[0]) / (t[1] - t[0]);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (rate > 0.9 * known[i] && rate < 1.1 * known[i])
			best = known[i];
	return best;
}

/* The preemption model: debugfs sched/preempt (what runs now), else preempt= on the boot
 * command line of a PREEMPT_DYNAMIC kernel, else the config's choice. */
static void probe_preempt(struct schedinfo *si, const char *config, const char *config_src)
{
	char buf[256], *p;
	ssize_t n = debugfs_read("sched/preempt", buf, sizeof(buf));

	if (n > 0 && !schedinfo_parse_preempt(buf, si->preempt, sizeof(si->preempt))) {
		snprintf(si->preempt_source, sizeof(si->preempt_source), "debugfs sched/preempt");
		return;
	}
	snprintf(si->preempt_source, sizeof(si->preempt_source), "debugfs sched/preempt: %s",
		 n < 0 ? strerror((int)-n) : "no model in it");
	if (config && config_yes(config, "CONFIG_PREEMPT_DYNAMIC") &&
	    file_read_text("/proc/cmdline", buf, sizeof(buf)) > 0 && (p = strstr(buf, "preempt=")) &&
	    (p == buf || p[-1] == ' ')) {
		snprintf(si->preempt, sizeof(si->preempt), "%.*s", (int)strcspn(p + 8, " \n"), p + 8);
		snprintf(si->preempt_source, sizeof(si->preempt_source), "preempt= on the boot command line");
	} else if (config && !schedinfo_config_preempt(config, si->preempt, sizeof(si->preempt))) {
		snprintf(si->preempt_source, sizeof(si->preempt_source), "%s (%s)", config_src,
			 config_yes(config, "CONFIG_PREEMPT_DYNAMIC") ? "dynamic, no preempt= at boot" : "built in");
	}
}

/* The base slice: debugfs sched/base_slice_ns (EEVDF) or sched/min_granularity_ns (CFS), else
 * an EEVDF task's own se.slice, which is the base slice unless it set one of its own. */
static void probe_slice(struct schedinfo *si)
{
	const char *knob = strcmp(si->scheduler, "EEVDF") ? "sched/min_granularity_ns" : "sched/base_slice_ns";
	char buf[8192];
	ssize_t n = debugfs_read(knob, buf, sizeof(buf));
	long v;

	if (n > 0 && (v = strtol(buf, NULL, 10)) > 0) {
		si->slice_ns = v;
		snprintf(si->slice_source, sizeof(si->slice_source), "debugfs %s", knob);
		return;
	}
	snprintf(si->slice_source, sizeof(si->slice_source), "debugfs %s: %s", knob,
		 n < 0 ? strerror((int)-n) : "not a number");
	if (file_read_text("/proc/self/sched", buf, sizeof(buf)) > 0 && (v = schedinfo_sched_field(buf, "se.slice")) > 0) {
		si->slice_ns = v;
		snprintf(si->slice_source, sizeof(si->slice_source), "se.slice of /proc/self/sched");
	}
}

void schedinfo_probe(struct schedinfo *si)
{
	char config_src[96] = "";
	struct utsname u;
	char *config;

	memset(si, 0, sizeof(*si));
	si->scheduler = "unknown";
	uname(&u);
	snprintf(si->release, sizeof(si->release), "%s", u.release);
	if (!schedinfo_parse_release(u.release, &si->major, &si->minor))
		si->scheduler = schedinfo_scheduler(si->major, si->minor);
	config = config_read(u.release, config_src, sizeof(config_src));
	if (config && (si->hz = schedinfo_config_hz(config)) > 0)
		snprintf(si->hz_source, sizeof(si->hz_source), "CONFIG_HZ of %s", config_src);
	else if ((si->hz = hz_measure()) > 0)
		snprintf(si->hz_source, sizeof(si->hz_source), "jiffies of /proc/timer_list over 200 ms");
	else
		snprintf(si->hz_source, sizeof(si->hz_source), "no kernel config and no /proc/timer_list");
	probe_preempt(si, config, config_src);
	probe_slice(si);
	free(config);
}

void schedinfo_meta(FILE *f, const struct schedinfo *si)
{
	fprintf(f, "scheduler=%s\nscheduler_source=Linux %d.%d: EEVDF from 6.6, CFS before\n", si->scheduler,
		si->major, si->minor);
	if (si->hz)
		fprintf(f, "hz=%d\n", si->hz);
	else
		fprintf(f, "hz=unknown\n");
	fprintf(f, "hz_source=%s\n", si->hz_source);
	fprintf(f, "preempt=%s\npreempt_source=%s\n", si->preempt[0] ? si->preempt : "unknown", si->preempt_source);
	if (si->slice_ns)
		fprintf(f, "base_slice_ns=%ld\n", si->slice_ns);
	else
		fprintf(f, "base_slice_ns=unknown\n");
	fprintf(f, "base_slice_source=%s\n", si->slice_source);
}
