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
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labfault.h"
#include "labstats.h"
#include "launch.h"
#include "lib/procfs.h"
#include "lib/clock.h"

/* One reading of a container's CPU time, at mono time t_ns. */
struct point {
	uint64_t t_ns, cpu_ns;
};

volatile sig_atomic_t lab_stopping;

struct live {
	char id[PROTO_ID_SIZE];
	char cgroup[512];
	pid_t pid;
	int pidfd;
	bool direct;      /* our child: we reap it */
	bool ended;
	uint64_t start_ns, end_ns;
	uint64_t release_ns;     /* when the start barrier let it go (0: no barrier) */
	uint64_t release_cpu_ns; /* its CPU time then: its set-up and exec, left out */
	uint64_t seen_end_ns;    /* when the runner saw it exit (its pidfd), 0 until then */
	struct schedstat last;   /* latest reading */
	struct point *hist;      /* every reading, oldest first; owned, freed by live_finish's caller */
	size_t n_hist, cap_hist;
	bool have_final;         /* final_cpu_ns known exactly (wait4 of a direct child) */
	uint64_t final_cpu_ns;
};

static int hist_push(struct live *lv, uint64_t t_ns, uint64_t cpu_ns)
{
	if (lv->n_hist == lv->cap_hist) {
		size_t nc = lv->cap_hist ? lv->cap_hist * 2 : 256;
		struct point *p = realloc(lv->hist, nc * sizeof(*p));

		if (!p)
			return -ENOMEM;
		lv->hist = p;
		lv->cap_hist = nc;
	}
	lv->hist[lv->n_hist++] = (struct point){ t_ns, cpu_ns };
	return 0;
}

/* A container's CPU time at mono time t: linear between the readings around t (its start counts
 * as a reading of 0, its exact final CPU time at its end where known); past the last reading,
 * extrapolated at the rate of the last interval (at most one CPU) up to its end. */
static double live_cpu_at(const struct live *lv, uint64_t t)
{
	struct point a = { lv->start_ns, 0 }, b;
	size_t j;

	for (j = 0; j < lv->n_hist && lv->hist[j].t_ns < t; j++)
		a = lv->hist[j];
	if (j < lv->n_hist)
		b = lv->hist[j];
	else if (lv->have_final && lv->end_ns >= t)
		b = (struct point){ lv->end_ns, lv->final_cpu_ns };
	else {
		struct point p = lv->n_hist > 1 ? lv->hist[lv->n_hist - 2] : (struct point){ lv->start_ns, 0 };
		double rate = a.t_ns > p.t_ns ? (double)(a.cpu_ns - p.cpu_ns) / (double)(a.t_ns - p.t_ns) : 0;
		uint64_t until = lv->end_ns && lv->end_ns < t ? lv->end_ns : t;

		if (rate > 1)
			rate = 1;
		return (double)a.cpu_ns + (until > a.t_ns ? rate * (double)(until - a.t_ns) : 0);
	}
	if (b.t_ns <= a.t_ns)
		return (double)b.cpu_ns;
	return (double)a.cpu_ns + (double)(b.cpu_ns - a.cpu_ns) * (double)(t - a.t_ns) / (double)(b.t_ns - a.t_ns);
}

static int live_start(struct lab *lab, const struct lab_case *c, int slot, int run_id, struct live *lv,
		      char *err, size_t errlen)
{
	const struct lab_ct *ct = &c->ct[slot];
	char iters[32], hog[1024], cpus[16];
	char *argv[7];
	int rc, nice = lab_fault_nice(lab, c, slot); /* ct->nice unless a test injects a step */

	snprintf(iters, sizeof(iters), "%llu", (unsigned long long)(lab->iter_per_ms * (uint64_t)c->work_ms));
	snprintf(cpus, sizeof(cpus), "%d", lab->conf.cpu);
	snprintf(lv->id, sizeof(lv->id), "lab%d-%d-%d", (int)getpid(), run_id, slot);
	lv->pidfd = -1;
	lv->direct = lab->direct || ct->own_session;
	argv[1] = "--iterations";
	argv[2] = iters;
	argv[3] = "--quiet";
	argv[4] = "--wait-start"; /* live_release lets every container of the run go at once */
	argv[5] = NULL;
	if (lv->direct) {
		struct launch_opts o = { argv, nice, lab->conf.cpu, ct->own_session, NULL, -1, false };

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
		lv->start_ns = clock_mono_ns();
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
		o.nice = nice;
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
		lv->end_ns = clock_mono_ns();
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
		struct rusage ru;
		int st;

		if (lv->pid > 0 && wait4(lv->pid, &st, 0, &ru) == lv->pid) {
			lv->have_final = true;
			lv->final_cpu_ns = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
					   (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
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
	if (lv->release_ns)
		lv->start_ns = lv->release_ns;
	r->wall_s = lv->end_ns > lv->start_ns ? (lv->end_ns - lv->start_ns) / 1e9 : NAN;
	r->cpu_ms = (live_cpu_at(lv, lv->end_ns) - (double)lv->release_cpu_ns) / 1e6;
	r->wait_ms = lv->n_hist ? lv->last.wait_ns / 1e6 : NAN; /* the wake-up case: from the sleeper */
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

/* One reading of container i: pushed to its history and written to samples.csv. 1 when it
 * could not be read (gone), else 0 or -errno. */
static int live_read(struct lab *lab, int run_id, const struct lab_case *c, struct live *lv, int i, uint64_t t0)
{
	struct schedstat ss;
	uint64_t rss = 0, t;
	int rc;

	if (lv[i].ended || schedstat_read(lv[i].pid, &ss))
		return 1;
	t = clock_mono_ns();
	rss_read_kib(lv[i].pid, &rss);
	lv[i].last = ss;
	rc = hist_push(&lv[i], t, ss.cpu_ns);
	if (rc)
		return rc;
	csvout_row(lab->csv, lab->t_samples, "iisillll", run_id, (int)((t - t0) / 1000000), c->ct[i].label, i,
		   (long long)ss.cpu_ns, (long long)ss.wait_ns, (long long)ss.slices, (long long)rss);
	return 0;
}

/* The start barrier. Every hog of the run was started with --wait-start: it blocks SIGUSR1,
 * catches it, and sleeps in sigwait. Once each one is seen asleep with SIGUSR1 caught (a handler
 * only the hog itself can have set, as exec resets them), all are read at one moment and sent
 * SIGUSR1 one after another (microseconds apart); *t_release is that moment, and their CPU time
 * then (set-up, exec, start) is left out of every share and of cpu_ms. Without the barrier the
 * containers started one after another, and a later one's set-up (a few ms of CPU, more under
 * the sanitizer build) ran inside the window of those started before it: 0-vs-15's nice-15
 * share at 500 ms read 3.88 % through the engine against 3.53 % for two plain processes released
 * together through a pipe (experiments/tools/burnpair.c), 8 and 10 repetitions here. */
static int live_release(struct lab *lab, int run_id, const struct lab_case *c, struct live *lv, int n,
			uint64_t *t_release, char *err, size_t errlen)
{
	pid_t pid[LAB_CT_MAX];
	const char *name[LAB_CT_MAX];
	uint64_t t;
	int i, rc;

	for (i = 0; i < n; i++) {
		pid[i] = lv[i].pid;
		name[i] = c->ct[i].label;
	}
	rc = lab_barrier_wait(pid, name, n, err, errlen);
	if (rc)
		return rc;
	t = clock_mono_ns();
	for (i = 0; i < n; i++) {
		rc = live_read(lab, run_id, c, lv, i, t);
		if (rc) {
			snprintf(err, errlen, "reading container %s at its start: %s", c->ct[i].label,
				 rc > 0 ? "it ended" : strerror(-rc));
			return rc > 0 ? -ESRCH : rc;
		}
		lv[i].release_ns = t;
		lv[i].release_cpu_ns = lv[i].last.cpu_ns;
	}
	rc = lab_barrier_go(pid, n, err, errlen);
	if (!rc)
		*t_release = t;
	return rc;
}

/* Samples every container of a run until all have ended or the deadline passes. *t_all is the
 * start barrier's release (live_release), or when it is 0, the time of the first tick at which
 * all of them were running (still 0: there was none). The moment the
 * runner sees a container end, the others are read at once: their CPU time at that end is then
 * a reading, not an interpolation across the sample period into the time after it, which gave
 * them the CPU the ended one left (P (1 - s) / 6 on average: +0.3 pp for the nice-15 container
 * of a 1 s pair at P = 20 ms; experiments/noise/README.md). */
static int live_sample(struct lab *lab, int run_id, const struct lab_case *c, struct live *lv, int n,
		       uint64_t deadline, uint64_t *t_all)
{
	uint64_t t0 = *t_all ? *t_all : clock_mono_ns(), next = t0, period = (uint64_t)lab->conf.sample_ms * 1000000ull;

	for (;;) {
		struct pollfd pf[LAB_CT_MAX];
		uint64_t tick = clock_mono_ns();
		bool all_running = true;
		int alive = 0, i, rc;

		for (i = 0; i < n; i++) {
			rc = live_read(lab, run_id, c, lv, i, t0);
			if (rc < 0)
				return rc;
			if (rc)
				all_running = false;
		}
		for (i = 0; i < n; i++) {
			pf[i].fd = lv[i].ended ? -1 : lv[i].pidfd;
			pf[i].events = POLLIN;
			pf[i].revents = 0;
		}
		if (poll(pf, (nfds_t)n, 0) > 0)
			all_running = false;
		if (all_running && !*t_all)
			*t_all = tick;
		next += period;
		for (;;) {
			uint64_t now = clock_mono_ns();
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
					lv[i].seen_end_ns = clock_mono_ns();
					if (lv[i].direct)
						lv[i].end_ns = lv[i].seen_end_ns;
				}
			}
			for (i = 0; got > 0 && i < n; i++) {
				rc = live_read(lab, run_id, c, lv, i, t0);
				if (rc < 0)
					return rc;
			}
			if (clock_mono_ns() >= next)
				break;
		}
		for (i = 0; i < n; i++)
			alive += !lv[i].ended;
		if (!alive)
			return 0;
		if (lab_stopping)
			return -ECANCELED;
		if (clock_mono_ns() > deadline)
			return -ETIMEDOUT;
	}
}

static int delays_push(struct lab_delays *d, double us)
{
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 256;
		double *v = realloc(d->us, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->us = v;
		d->cap = nc;
	}
	d->us[d->n++] = us;
	return 0;
}

/* The perf sched timehist rows of the sleeper after its exec (task name "wakeup_hog[PID]"):
 * each one's "sch delay" column (ms: from wake-up, or preemption, to switch-in) in µs. */
static int perf_delays_parse(FILE *p, pid_t pid, struct lab_delays *d)
{
	char line[512], tag[48];
	int rc = 0;

	snprintf(tag, sizeof(tag), " wakeup_hog[%d] ", (int)pid);
	while (fgets(line, sizeof(line), p)) {
		double wait, sch, runt;
		char *end = line + strlen(line), *fields[3];
		int k;

		if (rc || !strstr(line, tag))
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
		rc = delays_push(d, sch * 1000);
	}
	return rc;
}

/* perf sched timehist of DATA, its stdout read through a pipe (its stderr dropped). */
static int perf_delays(const char *data, pid_t pid, struct lab_delays *d)
{
	char *argv[] = { "/usr/bin/perf", "sched", "timehist", "-i", (char *)data, NULL };
	struct launch_opts o = { argv, 0, -1, false, NULL, -1, true };
	char why[256];
	int p[2], rc, st = -1;
	pid_t child;
	FILE *f;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	o.out_fd = p[1];
	rc = launch_direct(&o, &child, why, sizeof(why));
	close(p[1]);
	if (rc) {
		close(p[0]);
		return rc;
	}
	f = fdopen(p[0], "r");
	if (!f) {
		rc = -errno;
		close(p[0]);
		kill(child, SIGKILL);
	} else {
		rc = perf_delays_parse(f, pid, d);
		fclose(f);
	}
	if (waitpid(child, &st, 0) != child)
		st = -1;
	if (rc)
		return rc;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* The sleeper's output: "delay_us=X" per wake-up, then "wakeup_hog done pid=N wakeups=N
 * cpu_ms=X wait_ms=X ...". Fills the schedstat delays and the sleeper's result. */
static int sleeper_output_read(const char *path, struct lab_delays *d, struct lab_result *r)
{
	FILE *f = fopen(path, "re");
	char line[512];
	int rc = 0, pid = 0;
	double v;

	if (!f)
		return -errno;
	while (!rc && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "delay_us=%lf", &v) == 1)
			rc = delays_push(d, v);
		else if (sscanf(line, "wakeup_hog done pid=%d wakeups=%*d cpu_ms=%lf wait_ms=%lf", &pid, &r->cpu_ms,
				&r->wait_ms) == 3)
			r->pid = pid;
	}
	fclose(f);
	if (rc)
		return rc;
	return pid > 0 ? 0 : -EIO;
}

/* Starts a plain child and opens its pidfd; start_ns is taken just before the fork. */
static int live_direct(struct live *lv, const struct launch_opts *o, char *err, size_t errlen)
{
	int rc;

	lv->direct = true;
	lv->start_ns = clock_mono_ns();
	rc = launch_direct(o, &lv->pid, err, errlen);
	if (rc)
		return rc;
	lv->pidfd = pidfd_open(lv->pid, 0);
	if (lv->pidfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "pidfd_open %d: %s", (int)lv->pid, strerror(errno));
		kill(lv->pid, SIGKILL);
		waitpid(lv->pid, NULL, 0);
		lv->pid = 0;
	}
	return rc;
}

/* The wake-up case: a sleeper and a cpu_hog on one CPU, both run by the runner itself; the
 * sleeper under perf sched record where perf is the delay source. */
static int wakeup_exec(struct lab *lab, struct lab_run *run, int run_id, char *err, size_t errlen)
{
	const struct lab_case *c = &lab->cases[run->case_idx];
	const struct lab_section *s = &lab->conf.exp[LAB_EXP_WAKEUP];
	char hog[1024], sleeper[1024], cpu[16], nice[16], sl[16], busy[16], dur[16], data[1200], outp[1200];
	char *hog_argv[] = { hog, "--iterations", "1099511627776", "--quiet", NULL };
	/* Every CPU is recorded: the sleeper execs on perf's CPU before it pins itself, and the
	 * name it gets at exec is only seen there. */
	char *perf_argv[] = { "/usr/bin/perf", "sched", "record", "-q", "-o", data, "--", sleeper, "--cpu", cpu, "--nice", nice, "--sleep-us", sl, "--busy-us", busy,
			      "--duration-ms", dur, "--delays", NULL };
	bool perf = lab->delay_src == LAB_DELAY_PERF;
	int hog_slot = c->ct[0].sleeper ? 1 : 0, sl_slot = !hog_slot, out, rc;
	/* perf itself stays off the measured CPU; the sleeper pins itself. */
	struct launch_opts ho = { hog_argv, 0, lab->conf.cpu, false, NULL, -1, false },
			   so = { perf ? perf_argv : perf_argv + 7, 0, perf ? !lab->conf.cpu : lab->conf.cpu, false, NULL, -1, false };
	struct live lv[2];
	struct pollfd pf;

	memset(lv, 0, sizeof(lv));
	lv[0].pidfd = lv[1].pidfd = -1;
	run->overlap_s = run->avail_overlap = NAN;
	run->r[0].share = run->r[1].share = run->r[0].avail_after = run->r[1].avail_after = NAN;
	snprintf(hog, sizeof(hog), "%s/cpu_hog", lab->bin_dir);
	snprintf(sleeper, sizeof(sleeper), "%s/wakeup_hog", lab->bin_dir);
	snprintf(cpu, sizeof(cpu), "%d", lab->conf.cpu);
	snprintf(nice, sizeof(nice), "%d", c->ct[sl_slot].nice);
	snprintf(sl, sizeof(sl), "%d", s->sleep_us);
	snprintf(busy, sizeof(busy), "%d", s->busy_us);
	snprintf(dur, sizeof(dur), "%d", s->duration_ms);
	snprintf(data, sizeof(data), "%s/perf-%d.data", lab->run_dir, run_id);
	snprintf(outp, sizeof(outp), "%s/wakeup-%d.out", lab->run_dir, run_id);

	rc = live_direct(&lv[hog_slot], &ho, err, errlen);
	if (rc)
		return rc;
	out = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		rc = -errno;
		snprintf(err, errlen, "creating %s: %s", outp, strerror(errno));
		goto out_hog;
	}
	so.out_fd = out;
	rc = live_direct(&lv[sl_slot], &so, err, errlen);
	close(out);
	if (rc)
		goto out_hog;
	pf.fd = lv[sl_slot].pidfd;
	pf.events = POLLIN;
	do
		rc = poll(&pf, 1, s->duration_ms * 4 + 30000);
	while (rc < 0 && errno == EINTR);
	lv[sl_slot].end_ns = clock_mono_ns();
	lv[sl_slot].ended = rc > 0;
	if (rc <= 0) {
		snprintf(err, errlen, "the sleeper did not end in time");
		kill(lv[sl_slot].pid, SIGKILL);
		rc = -ETIMEDOUT;
	} else {
		rc = 0;
	}
	live_finish(lab, &lv[sl_slot], &run->r[sl_slot]);
	if (!rc && run->r[sl_slot].ok) {
		rc = sleeper_output_read(outp, &run->delays[LAB_DELAY_SCHEDSTAT], &run->r[sl_slot]);
		if (rc)
			snprintf(err, errlen, "reading the sleeper's output %s: %s", outp,
				 rc == -EIO ? "no final line" : strerror(-rc));
	}
	if (!rc && run->r[sl_slot].ok && perf) {
		rc = perf_delays(data, run->r[sl_slot].pid, &run->delays[LAB_DELAY_PERF]);
		if (rc)
			snprintf(err, errlen, "perf sched timehist -i %s: %s", data,
				 rc == -EIO ? "failed" : strerror(-rc));
	}
	if (!rc)
		unlink(data);
out_hog:
	kill(lv[hog_slot].pid, SIGKILL);
	lv[hog_slot].ended = true;
	lv[hog_slot].end_ns = clock_mono_ns();
	live_finish(lab, &lv[hog_slot], &run->r[hog_slot]);
	run->r[hog_slot].ok = true; /* killed on purpose */
	free(lv[hog_slot].hist);
	free(lv[sl_slot].hist);
	run->ok = !rc && run->r[sl_slot].ok && run->delays[lab->delay_src].n > 0;
	if (!rc && !run->ok)
		snprintf(err, errlen, "the sleeper failed or gave no delays (see %s)", outp);
	return run->ok ? 0 : (rc ? rc : -EIO);
}

/* Shares over the overlap (the release, or the first tick with all running, to the first end),
 * the CPU the machine gave during it and after it. A share is the rate (stats_rate_shares) over
 * every reading in the overlap, from the first by which each container has run: the CPU is
 * handed out in turns (one tick, 4 ms at HZ 250, when nothing else wakes on that CPU), so what
 * a container got up to the first end carries part of a turn more or less than its rate, and
 * which part depends on where the end falls in its cycle. That start-up term is kept beside it
 * (share_overlap, startup_ms): the 0-vs-15 pair's nice-15 container at 500 ms read 3.96 % +-
 * 0.11 sd to its end and 3.40 % +- 0.07 as a rate (theory 3.396 %, 8 runs on the host, quiet).
 * False when the overlap is shorter than one sample period or has fewer than 3 readings. */
static bool run_reduce(struct lab *lab, const struct lab_case *c, struct live *lv, uint64_t t_all,
		       struct lab_run *run)
{
	uint64_t t_e = UINT64_MAX, period = (uint64_t)lab->conf.sample_ms * 1000000ull;
	double cpu[LAB_CT_MAX], rate[LAB_CT_MAX], startup[LAB_CT_MAX], sum = 0, *pts = NULL;
	size_t k, m = 0;
	int i;
	bool ok;

	/* The first end: the earlier of the supervisor's reap and the runner's pidfd wake-up, as
	 * either can come late on a busy machine. */
	for (i = 0; i < c->n; i++) {
		uint64_t end = lv[i].seen_end_ns && lv[i].seen_end_ns < lv[i].end_ns ? lv[i].seen_end_ns : lv[i].end_ns;

		run->r[i].share = NAN;
		run->r[i].share_overlap = NAN;
		run->r[i].startup_ms = NAN;
		run->r[i].avail_after = NAN;
		if (end < t_e)
			t_e = end;
	}
	run->overlap_s = NAN;
	run->avail_overlap = NAN;
	if (!t_all || t_e == UINT64_MAX || t_e < t_all + period)
		return false;
	for (i = 0; i < c->n; i++) {
		cpu[i] = live_cpu_at(&lv[i], t_e) - live_cpu_at(&lv[i], t_all);
		sum += cpu[i];
	}
	if (sum <= 0)
		return false;
	/* The readings: container 0's times inside the overlap (every container is read at each
	 * of them), bounded by the release and the first end. */
	pts = malloc((lv[0].n_hist + 2) * (size_t)c->n * sizeof(*pts));
	if (!pts)
		return false;
	for (i = 0; i < c->n; i++)
		pts[i] = live_cpu_at(&lv[i], t_all);
	m = 1;
	for (k = 0; k < lv[0].n_hist; k++) {
		uint64_t t = lv[0].hist[k].t_ns;

		if (t <= t_all || t >= t_e)
			continue;
		for (i = 0; i < c->n; i++)
			pts[m * (size_t)c->n + (size_t)i] = live_cpu_at(&lv[i], t);
		m++;
	}
	for (i = 0; i < c->n; i++)
		pts[m * (size_t)c->n + (size_t)i] = live_cpu_at(&lv[i], t_e);
	m++;
	ok = stats_rate_shares(pts, (size_t)c->n, m, stats_rate_first(pts, (size_t)c->n, m), rate, startup) == 0;
	free(pts);
	if (!ok)
		return false;
	run->overlap_s = (double)(t_e - t_all) / 1e9;
	run->avail_overlap = 100.0 * sum / (double)(t_e - t_all);
	for (i = 0; i < c->n; i++) {
		run->r[i].share = rate[i];
		run->r[i].share_overlap = 100.0 * cpu[i] / sum;
		run->r[i].startup_ms = startup[i] / 1e6;
		if (lv[i].end_ns >= t_e + period)
			run->r[i].avail_after = 100.0 * (live_cpu_at(&lv[i], lv[i].end_ns) - live_cpu_at(&lv[i], t_e)) /
						(double)(lv[i].end_ns - t_e);
	}
	return true;
}

int lab_run_exec(struct lab *lab, struct lab_run *run, int run_id, char *err, size_t errlen)
{
	const struct lab_case *c = &lab->cases[run->case_idx];
	struct live lv[LAB_CT_MAX];
	uint64_t deadline, total = 0, t_all = 0;
	int i, rc = 0, started;
	bool overlap;

	if (c->exp == LAB_EXP_WAKEUP)
		return wakeup_exec(lab, run, run_id, err, errlen);
	memset(lv, 0, sizeof(lv));
	for (started = 0; started < c->n; started++) {
		rc = live_start(lab, c, started, run_id, &lv[started], err, errlen);
		if (rc)
			break;
	}
	if (!rc && c->exp == LAB_EXP_WINDOW)
		lab_window_slice_note(lab, lv[1].pid);
	for (i = 0; i < c->n; i++)
		total += (uint64_t)c->work_ms;
	deadline = clock_mono_ns() + total * 1000000ull * 20 + 60000000000ull;
	if (!rc)
		rc = live_release(lab, run_id, c, lv, c->n, &t_all, err, errlen);
	if (!rc) {
		rc = live_sample(lab, run_id, c, lv, c->n, deadline, &t_all);
		if (rc)
			snprintf(err, errlen, "%s", rc == -ETIMEDOUT ? "containers did not end in time" :
				 rc == -ECANCELED ? "stopped by a signal" : strerror(-rc));
	}
	for (i = 0; i < started; i++) {
		if (rc)
			live_kill(lab, &lv[i]);
		live_finish(lab, &lv[i], &run->r[i]);
	}
	if (rc) {
		if (started < c->n && lv[started].cgroup[0])
			cpugroup_remove(lv[started].cgroup);
	} else {
		overlap = run_reduce(lab, c, lv, t_all, run);
		run->ok = overlap;
		for (i = 0; i < c->n; i++)
			run->ok = run->ok && run->r[i].ok;
		if (!run->ok) {
			snprintf(err, errlen, "%s", !overlap ? "no overlap of all containers was sampled (3 readings or more)" :
				 "a container did not exit 0");
			rc = -EIO;
		}
	}
	for (i = 0; i < c->n; i++)
		free(lv[i].hist);
	return rc;
}
