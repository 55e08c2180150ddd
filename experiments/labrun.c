/* One run of one case: start its containers (through the engine, or directly where the case or
 * --direct says so), sample /proc/<pid>/schedstat every sample_ms until all have ended, and
 * reduce the samples to shares over the overlap. Main thread only; rows go out through csvout. */
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "procstat.h"

struct live {
	char id[PROTO_ID_SIZE];
	char cgroup[512];
	pid_t pid;
	int pidfd;
	bool direct;      /* our child: we reap it */
	bool ended;
	uint64_t start_ns, end_ns;
	struct schedstat last;   /* latest reading */
	struct schedstat w0, w1; /* at the first and last tick where all were running */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int live_start(struct lab *lab, const struct lab_case *c, int slot, int run_id, struct live *lv,
		      char *err, size_t errlen)
{
	const struct lab_ct *ct = &c->ct[slot];
	char iters[32], hog[1024], cpus[16];
	char *argv[6];
	int rc;

	snprintf(iters, sizeof(iters), "%llu", (unsigned long long)(lab->iter_per_ms * (uint64_t)c->work_ms));
	snprintf(cpus, sizeof(cpus), "%d", lab->conf.cpu);
	snprintf(lv->id, sizeof(lv->id), "lab%d-%d-%d", (int)getpid(), run_id, slot);
	lv->pidfd = -1;
	lv->direct = lab->direct || ct->own_session;
	argv[1] = "--iterations";
	argv[2] = iters;
	argv[3] = "--quiet";
	argv[4] = NULL;
	if (lv->direct) {
		struct launch_opts o = { argv, ct->nice, lab->conf.cpu, ct->own_session, NULL, -1 };

		snprintf(hog, sizeof(hog), "%s/cpu_hog", lab->bin_dir);
		argv[0] = hog;
		if (ct->weight) {
			char name[64];

			snprintf(name, sizeof(name), "hoglab-lab-%d-%d", (int)getpid(), slot);
			rc = cpugroup_create(name, ct->weight, lv->cgroup, sizeof(lv->cgroup));
			if (rc) {
				snprintf(err, errlen, "creating cpu cgroup %s: %s", name, strerror(-rc));
				lv->cgroup[0] = '\0';
				return rc;
			}
			o.cgroup = lv->cgroup;
		}
		lv->start_ns = mono_ns();
		rc = launch_direct(&o, &lv->pid, err, errlen);
		if (rc)
			return rc;
	} else {
		struct client_start_opts o = { 0 };
		struct proto_container pc;
		char logp[PROTO_PATH_MAX];

		argv[0] = lab->conf.hog;
		o.id = lv->id;
		o.rootfs = lab->rootfs;
		o.argv = argv;
		o.has_nice = true;
		o.nice = ct->nice;
		o.cpus = cpus;
		o.cpu_weight = ct->weight;
		o.rm = true;
		o.hold = true;
		rc = client_start(&lab->client, &o, &pc, logp, sizeof(logp));
		if (rc) {
			snprintf(err, errlen, "starting container %s: %s", lv->id, client_error(&lab->client));
			return rc;
		}
		lv->pid = pc.pid;
		lv->start_ns = pc.start_mono_ns;
	}
	lv->pidfd = pidfd_open(lv->pid, 0);
	if (lv->pidfd < 0) {
		if (errno != ESRCH) {
			rc = -errno;
			snprintf(err, errlen, "pidfd_open %d: %s", (int)lv->pid, strerror(errno));
			return rc;
		}
		lv->ended = true; /* already gone: collected below */
		lv->end_ns = mono_ns();
	}
	return 0;
}

/* Reaps or asks the engine for the end of one container; fills its result. */
static void live_finish(struct lab *lab, struct live *lv, struct lab_result *r)
{
	if (lv->pidfd >= 0) {
		close(lv->pidfd);
		lv->pidfd = -1;
	}
	r->pid = lv->pid;
	if (lv->direct) {
		int st;

		if (lv->pid > 0 && waitpid(lv->pid, &st, 0) == lv->pid) {
			if (WIFEXITED(st))
				snprintf(r->end, sizeof(r->end), "exit %d", WEXITSTATUS(st));
			else
				snprintf(r->end, sizeof(r->end), "signal %d", WTERMSIG(st));
			r->ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		}
		if (lv->cgroup[0])
			cpugroup_remove(lv->cgroup);
	} else {
		struct proto_container pc;

		if (client_wait(&lab->client, lv->id, &pc) == 0) {
			client_reason_format(&pc, r->end, sizeof(r->end));
			r->ok = pc.state == PROTO_STATE_EXITED && pc.exit_code == 0;
			lv->start_ns = pc.start_mono_ns;
			lv->end_ns = pc.end_mono_ns;
		} else {
			snprintf(r->end, sizeof(r->end), "unknown");
		}
	}
	r->wall_s = lv->end_ns > lv->start_ns ? (lv->end_ns - lv->start_ns) / 1e9 : NAN;
	r->cpu_ms = lv->last.cpu_ns / 1e6;
	r->wait_ms = lv->last.wait_ns / 1e6;
}

static void live_kill(struct lab *lab, struct live *lv)
{
	struct proto_container pc;

	if (lv->ended || lv->pid <= 0)
		return;
	if (lv->direct)
		kill(lv->pid, SIGKILL);
	else
		client_stop(&lab->client, lv->id, 500, &pc);
}

/* Samples every container of a run until all have ended or the deadline passes. extra is a
 * sleeper whose per-tick run-queue delay is collected when the delays come from schedstat. */
static int live_sample(struct lab *lab, int run_id, const struct lab_case *c, struct live *lv, int n,
		       uint64_t deadline, struct lab_run *run, int *n_window)
{
	uint64_t t0 = mono_ns(), next = t0, period = (uint64_t)lab->conf.sample_ms * 1000000ull;
	size_t cap_delays = 0;

	*n_window = 0;
	for (;;) {
		struct pollfd pf[LAB_CT_MAX];
		bool all_running = true;
		int alive = 0, i;

		for (i = 0; i < n; i++) {
			struct schedstat ss, prev = lv[i].last;
			uint64_t rss = 0;

			if (lv[i].ended) {
				all_running = false;
				continue;
			}
			if (schedstat_read(lv[i].pid, &ss)) {
				all_running = false;
				continue;
			}
			rss_read_kib(lv[i].pid, &rss);
			lv[i].last = ss;
			csvout_row(lab->csv, lab->t_samples, "iisillll", run_id, (int)((mono_ns() - t0) / 1000000),
				   c->ct[i].label, i, (long long)ss.cpu_ns, (long long)ss.wait_ns,
				   (long long)ss.slices, (long long)rss);
			if (c->ct[i].sleeper && !lab->perf && ss.slices > prev.slices && prev.slices) {
				if (run->n_delays == cap_delays) {
					size_t nc = cap_delays ? cap_delays * 2 : 256;
					double *d = realloc(run->delays_us, nc * sizeof(*d));

					if (!d)
						return -ENOMEM;
					run->delays_us = d;
					cap_delays = nc;
				}
				run->delays_us[run->n_delays++] =
					(double)(ss.wait_ns - prev.wait_ns) / (double)(ss.slices - prev.slices) / 1e3;
			}
		}
		for (i = 0; i < n; i++) {
			pf[i].fd = lv[i].ended ? -1 : lv[i].pidfd;
			pf[i].events = POLLIN;
			pf[i].revents = 0;
		}
		if (poll(pf, (nfds_t)n, 0) > 0)
			all_running = false;
		if (all_running) {
			for (i = 0; i < n; i++) {
				if (*n_window == 0)
					lv[i].w0 = lv[i].last;
				lv[i].w1 = lv[i].last;
			}
			(*n_window)++;
		}
		next += period;
		for (;;) {
			uint64_t now = mono_ns();
			int timeout = now >= next ? 0 : (int)((next - now + 999999) / 1000000);
			int got;

			for (i = 0; i < n; i++) {
				pf[i].fd = lv[i].ended ? -1 : lv[i].pidfd;
				pf[i].revents = 0;
			}
			got = poll(pf, (nfds_t)n, timeout);
			if (got < 0 && errno != EINTR)
				return -errno;
			for (i = 0; got > 0 && i < n; i++) {
				if (pf[i].revents) {
					lv[i].ended = true;
					if (lv[i].direct)
						lv[i].end_ns = mono_ns();
				}
			}
			if (mono_ns() >= next)
				break;
		}
		for (i = 0; i < n; i++)
			alive += !lv[i].ended;
		if (!alive)
			return 0;
		if (mono_ns() > deadline)
			return -ETIMEDOUT;
	}
}

/* The perf sched timehist rows of one task: each one's "sch delay" column (ms) in µs. */
static int perf_delays(const char *data, pid_t pid, struct lab_run *run)
{
	char cmd[1200], line[512], tag[32];
	size_t cap = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "perf sched timehist -i '%s' 2>/dev/null", data);
	snprintf(tag, sizeof(tag), "[%d]", (int)pid);
	p = popen(cmd, "re");
	if (!p)
		return -errno;
	while (fgets(line, sizeof(line), p)) {
		double wait, sch, runt;
		char *end = line + strlen(line), *fields[3];
		int k;

		if (!strstr(line, tag))
			continue;
		/* The last three columns: wait time, sch delay, run time (ms). */
		for (k = 2; k >= 0; k--) {
			while (end > line && (end[-1] == ' ' || end[-1] == '\n'))
				*--end = '\0';
			while (end > line && end[-1] != ' ')
				end--;
			fields[k] = end;
		}
		if (sscanf(fields[0], "%lf", &wait) != 1 || sscanf(fields[1], "%lf", &sch) != 1 ||
		    sscanf(fields[2], "%lf", &runt) != 1)
			continue;
		if (run->n_delays == cap) {
			size_t nc = cap ? cap * 2 : 256;
			double *d = realloc(run->delays_us, nc * sizeof(*d));

			if (!d) {
				pclose(p);
				return -ENOMEM;
			}
			run->delays_us = d;
			cap = nc;
		}
		run->delays_us[run->n_delays++] = sch * 1000;
	}
	return pclose(p) == 0 ? 0 : -EIO;
}

/* The wake-up case: a sleeper and a cpu_hog on one CPU, both run by the runner itself. */
static int wakeup_exec(struct lab *lab, struct lab_run *run, int run_id, char *err, size_t errlen)
{
	const struct lab_case *c = &lab->cases[run->case_idx];
	const struct lab_section *s = &lab->conf.exp[LAB_EXP_WAKEUP];
	char hog[1024], sleeper[1024], cpu[16], nice[16], sl[16], busy[16], dur[16], data[1200], outp[1200];
	char *hog_argv[] = { hog, "--iterations", "1099511627776", "--quiet", NULL };
	struct live lv[2];
	struct launch_opts ho = { hog_argv, 0, lab->conf.cpu, false, NULL, -1 };
	uint64_t deadline;
	int rc, n_window, hog_slot = c->ct[0].sleeper ? 1 : 0, sl_slot = !hog_slot;

	memset(lv, 0, sizeof(lv));
	lv[0].pidfd = lv[1].pidfd = -1;
	snprintf(hog, sizeof(hog), "%s/cpu_hog", lab->bin_dir);
	snprintf(sleeper, sizeof(sleeper), "%s/wakeup_hog", lab->bin_dir);
	snprintf(cpu, sizeof(cpu), "%d", lab->conf.cpu);
	snprintf(nice, sizeof(nice), "%d", c->ct[sl_slot].nice);
	snprintf(sl, sizeof(sl), "%d", s->sleep_us);
	snprintf(busy, sizeof(busy), "%d", s->busy_us);
	snprintf(dur, sizeof(dur), "%d", s->duration_ms);
	snprintf(data, sizeof(data), "%s/perf-%d.data", lab->run_dir, run_id);
	snprintf(outp, sizeof(outp), "%s/wakeup-%d.out", lab->run_dir, run_id);

	lv[hog_slot].direct = lv[sl_slot].direct = true;
	lv[hog_slot].start_ns = mono_ns();
	rc = launch_direct(&ho, &lv[hog_slot].pid, err, errlen);
	if (rc)
		return rc;
	lv[hog_slot].pidfd = pidfd_open(lv[hog_slot].pid, 0);
	{
		char *perf_argv[] = { "/usr/bin/perf", "sched", "record", "-q", "-C", cpu, "-o", data, "--",
				      sleeper, "--cpu", cpu, "--nice", nice, "--sleep-us", sl, "--busy-us", busy,
				      "--duration-ms", dur, NULL };
		char *const *argv = lab->perf ? perf_argv : perf_argv + 9;
		int out = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		/* perf itself stays off the measured CPU; the sleeper pins itself. */
		struct launch_opts so = { argv, 0, lab->perf ? (lab->conf.cpu == 0 ? 1 : 0) : lab->conf.cpu,
					  false, NULL, out };
		if (out < 0) {
			rc = -errno;
			snprintf(err, errlen, "creating %s: %s", outp, strerror(errno));
			goto out_hog;
		}
		lv[sl_slot].start_ns = mono_ns();
		rc = launch_direct(&so, &lv[sl_slot].pid, err, errlen);
		close(out);
		if (rc)
			goto out_hog;
		lv[sl_slot].pidfd = pidfd_open(lv[sl_slot].pid, 0);
	}
	/* Sample until the sleeper (or perf) ends; the hog is then killed. */
	deadline = mono_ns() + (uint64_t)s->duration_ms * 1000000ull * 4 + 30000000000ull;
	{
		struct live only = lv[sl_slot];
		struct lab_case one = *c;

		one.n = 1;
		one.ct[0] = c->ct[sl_slot];
		rc = live_sample(lab, run_id, &one, &only, 1, deadline, run, &n_window);
		lv[sl_slot] = only;
	}
	if (rc) {
		snprintf(err, errlen, "sampling the wake-up case: %s", strerror(-rc));
		kill(lv[sl_slot].pid, SIGKILL);
	}
	live_finish(lab, &lv[sl_slot], &run->r[sl_slot]);
	if (lab->perf && !rc) {
		FILE *f = fopen(outp, "re");
		char line[256];
		int spid = 0;

		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "wakeup_hog done pid=%d", &spid) == 1)
				break;
		if (f)
			fclose(f);
		if (spid <= 0) {
			snprintf(err, errlen, "wakeup_hog did not finish (see %s)", outp);
			rc = -EIO;
		} else {
			run->r[sl_slot].pid = spid;
			rc = perf_delays(data, spid, run);
			if (rc)
				snprintf(err, errlen, "perf sched timehist -i %s failed", data);
		}
		unlink(data);
	}
out_hog:
	schedstat_read(lv[hog_slot].pid, &lv[hog_slot].last);
	kill(lv[hog_slot].pid, SIGKILL);
	lv[hog_slot].end_ns = mono_ns();
	live_finish(lab, &lv[hog_slot], &run->r[hog_slot]);
	run->r[hog_slot].ok = true; /* killed on purpose */
	run->ok = !rc && run->r[sl_slot].ok && run->n_delays > 0;
	if (!rc && !run->ok)
		snprintf(err, errlen, "wake-up case gave no delays (see %s)", outp);
	return run->ok ? 0 : (rc ? rc : -EIO);
}

int lab_run_exec(struct lab *lab, struct lab_run *run, int run_id, char *err, size_t errlen)
{
	const struct lab_case *c = &lab->cases[run->case_idx];
	struct live lv[LAB_CT_MAX];
	uint64_t deadline, total = 0;
	int i, rc = 0, started, n_window = 0;

	if (c->exp == LAB_EXP_WAKEUP)
		return wakeup_exec(lab, run, run_id, err, errlen);
	memset(lv, 0, sizeof(lv));
	for (started = 0; started < c->n; started++) {
		rc = live_start(lab, c, started, run_id, &lv[started], err, errlen);
		if (rc)
			break;
	}
	for (i = 0; i < c->n; i++)
		total += (uint64_t)c->work_ms;
	deadline = mono_ns() + total * 1000000ull * 20 + 60000000000ull;
	if (!rc) {
		rc = live_sample(lab, run_id, c, lv, c->n, deadline, run, &n_window);
		if (rc)
			snprintf(err, errlen, "%s", rc == -ETIMEDOUT ? "containers did not end in time" : strerror(-rc));
	}
	for (i = 0; i < started; i++) {
		if (rc)
			live_kill(lab, &lv[i]);
		live_finish(lab, &lv[i], &run->r[i]);
	}
	if (rc) {
		if (started < c->n && lv[started].cgroup[0])
			cpugroup_remove(lv[started].cgroup);
		return rc;
	}
	run->ok = n_window >= 2;
	for (i = 0; i < c->n; i++) {
		double sum = 0;
		int j;

		for (j = 0; j < c->n; j++)
			sum += (double)(lv[j].w1.cpu_ns - lv[j].w0.cpu_ns);
		run->r[i].share = run->ok && sum > 0 ? 100.0 * (double)(lv[i].w1.cpu_ns - lv[i].w0.cpu_ns) / sum : NAN;
		run->ok = run->ok && run->r[i].ok;
	}
	if (!run->ok)
		snprintf(err, errlen, "%s", n_window < 2 ? "no overlap of all containers was sampled" :
			 "a container did not exit 0");
	return run->ok ? 0 : -EIO;
}
