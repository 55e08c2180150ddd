/* The sleeper cases ([sleeper] and [slice] of the definition): wakeup_hog wanting D % of one CPU
 * (busy D % of each period, asleep the rest) against a nice-0 cpu_hog pinned to the same CPU;
 * its achieved share over their overlap from /proc/PID/schedstat, as the pairs measure it, held
 * against its demand, the weight-fair share and the no-credit model (claims.c); [slice] runs one
 * demand at each --slice-us through the engine and adds the wake-up delays. Main thread only. */
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
#include <unistd.h>

#include "labstats.h"
#include "launch.h"
#include "lib/clock.h"
#include "lib/procfs.h"

static int sleeper_case_add(struct lab *lab, enum lab_exp e, int param, int demand, const char *name)
{
	struct lab_case *n = realloc(lab->cases, sizeof(*n) * (size_t)(lab->n_cases + 1)), *c;

	if (!n)
		return -ENOMEM;
	lab->cases = n;
	c = &n[lab->n_cases++];
	memset(c, 0, sizeof(*c));
	c->exp = e;
	c->param = param;
	c->reps = lab->conf.exp[e].repetitions;
	c->work_ms = lab->conf.exp[e].duration_ms;
	c->demand = demand;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->n = 2;
	snprintf(c->ct[0].label, sizeof(c->ct[0].label), "sleeper");
	c->ct[0].sleeper = true;
	snprintf(c->ct[1].label, sizeof(c->ct[1].label), "hog");
	return 0;
}

int lab_sleeper_cases(struct lab *lab)
{
	const struct lab_section *s = &lab->conf.exp[LAB_EXP_SLEEPER], *sl = &lab->conf.exp[LAB_EXP_SLICE];
	char name[48];
	int i, rc = 0;

	for (i = 0; !rc && s->enabled && i < s->n_demand; i++) {
		snprintf(name, sizeof(name), "demand-%d", s->demand[i]);
		rc = sleeper_case_add(lab, LAB_EXP_SLEEPER, s->demand[i], s->demand[i], name);
	}
	for (i = 0; !rc && sl->enabled && i < sl->n_slice_us; i++) {
		snprintf(name, sizeof(name), "slice-%dus", sl->slice_us[i]);
		rc = sleeper_case_add(lab, LAB_EXP_SLICE, sl->slice_us[i], sl->demand[0], name);
	}
	return rc;
}

int lab_barrier_wait(const pid_t *pid, const char *const *name, int n, char *err, size_t errlen)
{
	uint64_t give_up = clock_mono_ns() + LAB_BARRIER_WAIT_S * 1000000000ull;

	for (int i = 0; i < n; i++)
		for (;;) {
			struct proc_status ps;
			char who[80];
			int rc = proc_status_read(pid[i], &ps);

			if (name)
				snprintf(who, sizeof(who), "container %s", name[i]);
			else
				snprintf(who, sizeof(who), "task %d", (int)pid[i]);
			if (!rc && ps.state == 'Z')
				rc = -ESRCH;
			if (rc) {
				snprintf(err, errlen, "%s ended before its start (%s)", who, strerror(-rc));
				return rc;
			}
			if (ps.state == 'S' && (ps.sig_cgt & (1ull << (SIGUSR1 - 1))))
				break;
			if (lab_stopping) {
				snprintf(err, errlen, "stopped by signal %d", (int)lab_stopping);
				return -ECANCELED;
			}
			if (clock_mono_ns() > give_up) {
				snprintf(err, errlen, "%s did not reach its start barrier in %d s", who, LAB_BARRIER_WAIT_S);
				return -ETIMEDOUT;
			}
			usleep(200);
		}
	return 0;
}

int lab_barrier_go(const pid_t *pid, int n, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++)
		if (kill(pid[i], SIGUSR1)) {
			int rc = -errno;

			snprintf(err, errlen, "releasing task %d: %s", (int)pid[i], strerror(errno));
			return rc;
		}
	return 0;
}

bool lab_is_sleeper_case(const struct lab_case *c)
{
	return c->exp == LAB_EXP_SLEEPER || c->exp == LAB_EXP_SLICE;
}

/* One reading of both tasks. */
struct pair_reading {
	uint64_t t_ns, cpu[2];
};

struct sleeper_live {
	pid_t pid[2];
	int pidfd;                 /* the sleeper's */
	bool engine;               /* the sleeper is a container of the engine */
	char id[PROTO_ID_SIZE], log[PROTO_PATH_MAX];
	uint64_t start_ns[2];
};

/* The sleeper through the engine with its custom slice: its delays go to the container's log. */
static int sleeper_engine_start(struct lab *lab, const struct lab_case *c, int run_id, char *const *argv,
				struct sleeper_live *lv, char *err, size_t errlen)
{
	struct client_start_opts o = { 0 };
	struct proto_container pc;
	char cpus[16];
	int rc;

	snprintf(cpus, sizeof(cpus), "%d", lab->conf.cpu);
	snprintf(lv->id, sizeof(lv->id), "lab%d-%d-s", (int)getpid(), run_id);
	o.id = lv->id;
	o.rootfs = lab->rootfs;
	o.argv = argv;
	o.has_nice = true;
	o.cpus = cpus;
	o.slice_us = (unsigned)c->param;
	o.rm = true;
	o.hold = true;
	rc = client_start(&lab->client, &o, &pc, lv->log, sizeof(lv->log));
	if (rc) {
		/* The engine's one line naming the kernel that keeps no custom slice: a skip, not a failure. */
		snprintf(err, errlen, "%s", client_error(&lab->client));
		return strstr(err, "--slice-us needs") ? -EOPNOTSUPP : rc;
	}
	lv->engine = true;
	lv->pid[0] = pc.pid;
	lv->start_ns[0] = pc.start_mono_ns;
	return 0;
}

/* Releases both tasks from the start barrier, then reads both until the sleeper ends or the
 * deadline passes; the readings with both alive go into rd (at most cap), the first of them taken
 * at the barrier (both asleep: their CPU then is left out), each also a samples.csv row. */
static int pair_sample(struct lab *lab, int run_id, const struct lab_case *c, struct sleeper_live *lv,
		       struct pair_reading *rd, size_t cap, size_t *n, uint64_t deadline)
{
	uint64_t t0 = clock_mono_ns(), period = (uint64_t)lab->conf.sample_ms * 1000000ull;
	struct pollfd pf = { lv->pidfd, POLLIN, 0 };
	bool released = false;
	char why[160];
	int rc = lab_barrier_wait(lv->pid, NULL, 2, why, sizeof(why));

	*n = 0;
	if (rc)
		return rc;
	for (;;) {
		struct schedstat ss[2];
		uint64_t t = clock_mono_ns();
		int got, k;

		if (!schedstat_read(lv->pid[0], &ss[0]) && !schedstat_read(lv->pid[1], &ss[1]) && *n < cap) {
			rd[*n] = (struct pair_reading){ t, { ss[0].cpu_ns, ss[1].cpu_ns } };
			(*n)++;
			for (k = 0; k < 2; k++)
				csvout_row(lab->csv, lab->t_samples, "iisillll", run_id, (int)((t - t0) / 1000000),
					   c->ct[k].label, k, (long long)ss[k].cpu_ns, (long long)ss[k].wait_ns,
					   (long long)ss[k].slices, 0LL);
		}
		if (!released) {
			released = true;
			rc = lab_barrier_go(lv->pid, 2, why, sizeof(why));
			if (rc)
				return rc;
			if (*n != 1)
				return -ESRCH; /* not read at the barrier: one of them is gone */
			continue;
		}
		do
			got = poll(&pf, 1, (int)(period / 1000000));
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return -errno;
		if (got > 0)
			return 0;
		if (clock_mono_ns() > deadline)
			return -ETIMEDOUT;
	}
}

/* The sleeper's output (its stdout, or its container log): "delay_us=X" per wake-up and its
 * final line; 0, or -EIO without the final line. */
static int sleeper_out_read(const char *path, struct lab_delays *d, double *cpu_ms)
{
	FILE *f = fopen(path, "re");
	char line[512];
	int rc = 0, done = 0;
	double v;

	if (!f)
		return -errno;
	while (!rc && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "delay_us="), *q = strstr(line, "wakeup_hog done ");

		if (p && sscanf(p, "delay_us=%lf", &v) == 1) {
			if (d->n == d->cap) {
				size_t nc = d->cap ? d->cap * 2 : 1024;
				double *nv = realloc(d->us, nc * sizeof(*nv));

				if (!nv) {
					rc = -ENOMEM;
					break;
				}
				d->us = nv;
				d->cap = nc;
			}
			d->us[d->n++] = v;
		} else if (q && sscanf(q, "wakeup_hog done pid=%*d wakeups=%*d cpu_ms=%lf", cpu_ms) == 1) {
			done = 1;
		}
	}
	fclose(f);
	return rc ? rc : done ? 0 : -EIO;
}

/* The share over the overlap: from the first reading with both running to the last one before
 * the sleeper ended (its exit is no reading of the hog's). False with less than two readings. */
static bool pair_reduce(const struct pair_reading *rd, size_t n, struct lab_run *run)
{
	double a, b, dt;

	if (n < 2)
		return false;
	a = (double)(rd[n - 1].cpu[0] - rd[0].cpu[0]);
	b = (double)(rd[n - 1].cpu[1] - rd[0].cpu[1]);
	dt = (double)(rd[n - 1].t_ns - rd[0].t_ns);
	if (a + b <= 0 || dt <= 0)
		return false;
	run->overlap_s = dt / 1e9;
	run->avail_overlap = 100 * (a + b) / dt;
	run->r[0].share = run->r[0].share_overlap = 100 * a / (a + b);
	run->r[1].share = run->r[1].share_overlap = 100 * b / (a + b);
	return true;
}

int lab_sleeper_exec(struct lab *lab, struct lab_run *run, int run_id, char *err, size_t errlen)
{
	const struct lab_case *c = &lab->cases[run->case_idx];
	const struct lab_section *s = &lab->conf.exp[c->exp];
	bool engine = c->exp == LAB_EXP_SLICE;
	long busy = (long)s->period_us * c->demand / 100, sleep_us = s->period_us - busy;
	char hog[1024], sleeper[1024], cpu[16], sl[16], bu[16], dur[16], outp[1200];
	char *hog_argv[] = { hog, "--iterations", "1099511627776", "--quiet", "--wait-start", NULL };
	char *sl_argv[] = { sleeper, "--cpu", cpu, "--sleep-us", sl, "--busy-us", bu, "--duration-ms", dur, "--delays",
			    "--wait-start", NULL };
	struct launch_opts ho = { hog_argv, 0, lab->conf.cpu, false, NULL, -1, false },
			   so = { sl_argv, 0, lab->conf.cpu, false, NULL, -1, true };
	size_t cap = (size_t)s->duration_ms * 4 / (size_t)lab->conf.sample_ms + 64, n = 0;
	struct pair_reading *rd = malloc(cap * sizeof(*rd));
	struct sleeper_live lv = { .pidfd = -1 };
	struct proto_container pc;
	double cpu_ms = NAN;
	int rc, out = -1;

	run->overlap_s = run->avail_overlap = NAN;
	for (int i = 0; i < 2; i++) {
		run->r[i].share = run->r[i].avail_after = run->r[i].wall_s = run->r[i].cpu_ms = run->r[i].wait_ms = NAN;
		run->r[i].share_overlap = run->r[i].startup_ms = NAN;
		snprintf(run->r[i].end, sizeof(run->r[i].end), "not run");
	}
	if (!rd)
		return -ENOMEM;
	if (engine && !lab->have_client) {
		free(rd);
		snprintf(err, errlen, "the slice sweep needs the engine (--direct runs no container)");
		return -EOPNOTSUPP;
	}
	snprintf(hog, sizeof(hog), "%s/cpu_hog", lab->bin_dir);
	snprintf(sleeper, sizeof(sleeper), engine ? "/wakeup_hog" : "%s/wakeup_hog", lab->bin_dir);
	snprintf(cpu, sizeof(cpu), "%d", lab->conf.cpu);
	snprintf(sl, sizeof(sl), "%ld", sleep_us);
	snprintf(bu, sizeof(bu), "%ld", busy);
	snprintf(dur, sizeof(dur), "%d", s->duration_ms);
	snprintf(outp, sizeof(outp), "%s/sleeper-%d.out", lab->run_dir, run_id);

	lv.start_ns[1] = clock_mono_ns();
	rc = launch_direct(&ho, &lv.pid[1], err, errlen);
	if (rc) {
		free(rd);
		return rc;
	}
	if (engine) {
		rc = sleeper_engine_start(lab, c, run_id, sl_argv, &lv, err, errlen);
	} else {
		out = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0) {
			rc = -errno;
			snprintf(err, errlen, "creating %s: %s", outp, strerror(errno));
		} else {
			so.out_fd = out;
			lv.start_ns[0] = clock_mono_ns();
			rc = launch_direct(&so, &lv.pid[0], err, errlen);
			close(out);
		}
	}
	if (!rc) {
		lv.pidfd = pidfd_open(lv.pid[0], 0);
		if (lv.pidfd < 0) {
			rc = -errno;
			snprintf(err, errlen, "pidfd_open %d: %s", (int)lv.pid[0], strerror(errno));
		}
	}
	if (!rc) {
		rc = pair_sample(lab, run_id, c, &lv, rd, cap, &n,
				 clock_mono_ns() + (uint64_t)s->duration_ms * 4000000ull + 30000000000ull);
		if (rc)
			snprintf(err, errlen, "%s", rc == -ETIMEDOUT ? "the sleeper did not end in time" : strerror(-rc));
	}
	if (lv.pid[0] > 0) {
		if (rc && !engine)
			kill(lv.pid[0], SIGKILL);
		else if (rc)
			client_stop(&lab->client, lv.id, 500, &pc);
		if (engine) {
			if (client_wait(&lab->client, lv.id, &pc) == 0) {
				client_reason_format(&pc, run->r[0].end, sizeof(run->r[0].end));
				run->r[0].ok = pc.state == PROTO_STATE_EXITED && pc.exit_code == 0;
				run->r[0].wall_s = (pc.end_mono_ns - pc.start_mono_ns) / 1e9;
			}
			snprintf(outp, sizeof(outp), "%s", lv.log);
		} else {
			int st;
			struct rusage ru;

			if (wait4(lv.pid[0], &st, 0, &ru) == lv.pid[0]) {
				snprintf(run->r[0].end, sizeof(run->r[0].end), WIFEXITED(st) ? "exit %d" : "signal %d",
					 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
				run->r[0].ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
				run->r[0].wall_s = (clock_mono_ns() - lv.start_ns[0]) / 1e9;
			}
		}
		run->r[0].pid = lv.pid[0];
	}
	if (lv.pidfd >= 0)
		close(lv.pidfd);
	kill(lv.pid[1], SIGKILL);
	waitpid(lv.pid[1], NULL, 0);
	run->r[1].pid = lv.pid[1];
	run->r[1].ok = true; /* killed on purpose */
	snprintf(run->r[1].end, sizeof(run->r[1].end), "killed at the sleeper's end");
	run->r[1].wall_s = (clock_mono_ns() - lv.start_ns[1]) / 1e9;
	if (!rc && run->r[0].ok) {
		rc = sleeper_out_read(outp, &run->delays[LAB_DELAY_SCHEDSTAT], &cpu_ms);
		if (rc)
			snprintf(err, errlen, "reading the sleeper's output %s: %s", outp,
				 rc == -EIO ? "no final line" : strerror(-rc));
		run->r[0].cpu_ms = cpu_ms;
	}
	if (n)
		run->r[1].cpu_ms = (double)rd[n - 1].cpu[1] / 1e6;
	run->ok = !rc && run->r[0].ok && pair_reduce(rd, n, run);
	free(rd);
	if (!rc && !run->ok)
		snprintf(err, errlen, "the sleeper failed or no overlap was sampled (%s)", run->r[0].end);
	return run->ok ? 0 : (rc ? rc : -EIO);
}

/* The sleeper's share and the CPU the pair got, mean over case ci's runs, into v. */
static size_t share_values(const struct lab *lab, int ci, int slot, double *v)
{
	size_t n = 0;

	for (int r = 0; r < lab->n_runs; r++)
		if (lab->runs[r].case_idx == ci && lab->runs[r].ok && !isnan(lab->runs[r].r[slot].share))
			v[n++] = lab->runs[r].r[slot].share;
	return n;
}

int lab_sleeper_summary(struct lab *lab, struct csv_table *t)
{
	double *v = malloc(sizeof(double) * (size_t)(lab->n_runs + 1)), m, ci95;
	int ci, slot, rc = 0;

	if (!v)
		return -ENOMEM;
	for (ci = 0; !rc && ci < lab->n_cases; ci++) {
		const struct lab_case *c = &lab->cases[ci];
		size_t n;

		if (!lab_is_sleeper_case(c))
			continue;
		for (slot = 0; !rc && slot < 2; slot++) {
			n = share_values(lab, ci, slot, v);
			if (n && !stats_mean_ci(v, n, &m, &ci95))
				rc = lab_summary_row(lab, t, c, slot, "share", "pct", n, c->theory_share[slot], m, ci95, "pp");
		}
		n = 0;
		for (int r = 0; r < lab->n_runs; r++)
			if (lab->runs[r].case_idx == ci && lab->runs[r].ok && !isnan(lab->runs[r].avail_overlap))
				v[n++] = lab->runs[r].avail_overlap;
		if (!rc && n && !stats_mean_ci(v, n, &m, &ci95))
			rc = lab_summary_row(lab, t, c, 1, "avail_overlap", "pct", n, NAN, m, ci95, "");
		if (!rc && c->exp == LAB_EXP_SLICE)
			rc = lab_wakeup_rows(lab, t, NULL, ci, LAB_DELAY_SCHEDSTAT, "delay");
	}
	free(v);
	return rc;
}

/* No noise file holds the sleeper: the floor of its claims' band comes from the run-to-run spread
 * measured here. Host 6.18 (EEVDF), cpu 0, load about 1, period 2000 us, 2000 ms per run, 6 runs
 * of each demand (lab on a definition of [sleeper] only): sd 0.50, 1.28 and 0.12 pp at demand 25,
 * 50 and 75 (shares 25.21, 35.97, 43.07 %); again with the start barrier (load 1.9): sd 0.40, 0.38,
 * 0.15 pp (24.96, 36.83, 43.15 %). The floor is 4 x the smallest sd (the noise rule's
 * k = 4), so a lucky tight CI of three runs cannot make a band narrower than the quietest case's
 * noise; the expectations it separates lie 5 to 17 pp apart. */
#define SLEEPER_FLOOR_PP 0.5

/* The expectation nearest to theory among the case's others (demand, fair, no credit), NaN when
 * all equal it. */
static double nearest_other(int demand, double theory)
{
	double e[3] = { demand, sleeper_fair_share(demand), sleeper_nocredit_share(demand) }, best = NAN;

	for (int i = 0; i < 3; i++)
		if (fabs(e[i] - theory) > 1e-9 && !(fabs(e[i] - theory) >= fabs(best - theory)))
			best = e[i];
	return best;
}

int lab_sleeper_claims(struct lab *lab, struct csv_table *t)
{
	double *v = malloc(sizeof(double) * (size_t)(lab->n_runs + 1));
	int ci, rc = 0;

	if (!v)
		return -ENOMEM;
	for (ci = 0; !rc && ci < lab->n_cases; ci++) {
		const struct lab_case *c = &lab->cases[ci];
		const char *e = lab_exp_name(c->exp);
		struct claim cl;
		size_t n;

		if (c->exp != LAB_EXP_SLEEPER)
			continue;
		n = share_values(lab, ci, 0, v);
		claim_sleeper_share(&cl, e, c->name, "share_demand", c->demand, nearest_other(c->demand, c->demand),
				    "its demand; the CFS sleeper credit expects a sleeper near its demand", SLEEPER_FLOOR_PP, v, n);
		rc = lab_claim_row(lab, t, &cl);
		if (!rc && sleeper_fair_share(c->demand) != c->demand) {
			claim_sleeper_share(&cl, e, c->name, "share_fair", sleeper_fair_share(c->demand),
					    nearest_other(c->demand, sleeper_fair_share(c->demand)),
					    "the weight-fair share min(demand; 50 %) (CFS: its credit caps at fairness)",
					    SLEEPER_FLOOR_PP, v, n);
			rc = lab_claim_row(lab, t, &cl);
		}
		if (!rc) {
			claim_sleeper_share(&cl, e, c->name, "share_nocredit", sleeper_nocredit_share(c->demand),
					    nearest_other(c->demand, sleeper_nocredit_share(c->demand)),
					    "no credit for its sleep: half the CPU while runnable; 100 D / (100 + D); the "
					    "EEVDF cover letter's 67/33 for a 100 % task against a 50 % one", SLEEPER_FLOOR_PP, v, n);
			rc = lab_claim_row(lab, t, &cl);
		}
	}
	free(v);
	return rc;
}
