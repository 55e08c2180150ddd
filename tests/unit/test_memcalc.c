/* Unit tests of the memory-limit lab's arithmetic (memcalc.c: crossings, growth rate, theory,
 * event pairing) and of the CSV round trip its summary relies on (csvout then csvin). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "experiments/csvin.h"
#include "experiments/csvout.h"
#include "experiments/memcalc.h"

static bool near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

static void test_cross(void)
{
	/* 1 MiB per ms from 0: reaches 2.5 MiB at 2.5 ms. */
	double t[] = { 0, 1, 2, 3, 4 }, k[] = { 0, 1024, 2048, 3072, 4096 }, out = -1;
	double flat[] = { 100, 100, 100, 100, 100 }, killed[] = { 0, 1024, 2048, 3072, 0 };
	bool ex = true;

	CHECK(mem_cross_time(t, k, 5, 2.5 * 1024, 2, &out, &ex) == 0 && near(out, 2.5, 1e-9) && !ex,
	      "a crossing between two samples is interpolated (%.3f ms)", out);
	CHECK(mem_cross_time(t, k, 5, 0, 2, &out, &ex) == 0 && out == 0 && !ex, "a level reached by the first sample crosses there");
	CHECK(mem_cross_time(t, k, 5, 6 * 1024, 2, &out, &ex) == 0 && near(out, 6, 1e-9) && ex,
	      "a level never reached is extrapolated from the last growth (%.3f ms)", out);
	CHECK(mem_cross_time(t, killed, 5, 3.5 * 1024, 2, &out, &ex) == 0 && near(out, 3.5, 1e-9) && ex,
	      "a series that falls after its peak (a killed task) is extrapolated from the peak (%.3f ms)", out);
	CHECK(mem_cross_time(t, flat, 5, 200, 2, &out, &ex) == -ENODATA, "a series that never grows has no crossing");
	CHECK(mem_cross_time(t, k, 1, 10, 2, &out, &ex) == -ENODATA, "one sample has no crossing");
}

static void test_rate(void)
{
	double t[200], k[200], r = 0;

	for (int i = 0; i < 200; i++) {
		t[i] = i;
		k[i] = 200.0 * 1024 / 1000 * i + (i % 2 ? 30 : -30); /* 200 MiB/s with jitter */
	}
	CHECK(mem_growth_rate(t, k, 200, 1024, 30 * 1024, &r) == 0 && near(r, 200, 2), "growth of 200 MiB/s measured as %.2f", r);
	CHECK(mem_growth_rate(t, k, 200, 1e9, 2e9, &r) == -ENODATA, "no samples in the range: no rate");
}

static void test_theory(void)
{
	struct mem_theory th;

	mem_theory_hard(PROTO_MONITOR_PROC, 200, 10, &th);
	CHECK(near(th.overshoot_mean_mib, 1, 1e-12) && near(th.overshoot_max_mib, 2, 1e-12) && th.delay_mean_ms == 5,
	      "proc at 200 MiB/s, 10 ms: overshoot mean 1 MiB, max 2 MiB, delay 5 ms");
	mem_theory_hard(PROTO_MONITOR_KMOD, 800, 250, &th);
	CHECK(near(th.overshoot_mean_mib, 100, 1e-9), "kmod at 800 MiB/s, 250 ms: mean overshoot 100 MiB");
	mem_theory_hard(PROTO_MONITOR_CGROUP, 800, 250, &th);
	CHECK(th.overshoot_max_mib == 0 && th.delay_max_ms == 0, "the cgroup hard limit is exact");
	mem_theory_soft(50, &th);
	CHECK(th.delay_mean_ms == 25 && th.delay_max_ms == 50, "a soft event lags by half a period on average");
}

static struct proto_event ev(uint32_t type, const char *id, uint64_t ms, uint64_t rss)
{
	struct proto_event e = { .type = type, .real_ns = 1000000000000ull + ms * 1000000ull, .rss_kib = rss };

	snprintf(e.id, sizeof(e.id), "%s", id);
	if (type == PROTO_EVENT_EXIT)
		e.state = PROTO_STATE_HARD_LIMIT;
	return e;
}

static void test_pair(void)
{
	uint64_t start = 1000000000000ull;
	struct proto_event e[] = {
		ev(PROTO_EVENT_START, "a", 0, 0),    ev(PROTO_EVENT_START, "b", 1, 0), ev(PROTO_EVENT_SOFT, "b", 5, 11000),
		ev(PROTO_EVENT_SOFT, "a", 40, 10500), ev(PROTO_EVENT_HARD, "a", 90, 21000), ev(PROTO_EVENT_EXIT, "a", 95, 0),
		ev(PROTO_EVENT_EXIT, "b", 99, 0),
	};
	struct proto_event bad[] = { ev(PROTO_EVENT_EXIT, "a", 10, 0), ev(PROTO_EVENT_HARD, "a", 20, 30000) };
	struct proto_event two[] = { ev(PROTO_EVENT_HARD, "a", 10, 1), ev(PROTO_EVENT_OOM, "a", 20, 1) };
	struct mem_pair p;

	CHECK(mem_events_pair(e, 7, "a", start, &p) == 0 && p.have_soft && p.soft_count == 1 && near(p.soft_ms, 40, 1e-6) &&
		      p.have_kill && p.kill_type == PROTO_EVENT_HARD && p.kill_rss_kib == 21000 && near(p.kill_ms, 90, 1e-6) &&
		      p.have_exit && p.end_state == PROTO_STATE_HARD_LIMIT,
	      "a's soft, hard and exit events are paired with a, not with b (soft at %.1f ms)", p.soft_ms);
	CHECK(mem_events_pair(e, 7, "b", start + 1000000, &p) == 0 && p.have_soft && !p.have_kill && near(p.soft_ms, 4, 1e-6),
	      "b's times count from b's own start");
	CHECK(mem_events_pair(e, 7, "c", start, &p) == -ENOENT, "no event of c: -ENOENT");
	CHECK(mem_events_pair(bad, 2, "a", start, &p) == -EPROTO, "a kill after the exit is refused");
	CHECK(mem_events_pair(two, 2, "a", start, &p) == -EPROTO, "two kills of one container are refused");
}

static void test_csv_round_trip(void)
{
	static const char *const cols[] = { "machine", "t_ms", "note", "v" };
	char dir[] = "/tmp/test_memcalc.XXXXXX", path[64];
	struct csvout *o = NULL;
	struct csv_table *t = NULL;
	struct csvin in;
	int rc;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/r.csv", dir);
	rc = csvout_create(&o, 4096);
	if (!rc)
		rc = csvout_table_open(o, &t, path, cols, 4);
	if (!rc)
		rc = csvout_row(o, t, "sfsg", "qemu-tcg", 12.5, "a, \"quoted\"\nline", NAN);
	if (!rc)
		rc = csvout_row(o, t, "sfsg", "host", 0.25, " edge ", 1e-7);
	for (int i = 0; !rc && i < 5000; i++) /* more than the buffer: producers wait, nothing is lost */
		rc = csvout_row(o, t, "sfsg", "host", (double)i, "x", (double)i);
	if (o)
		rc = csvout_destroy(o) ?: rc;
	CHECK(rc == 0, "5002 rows written through the bounded buffer");
	rc = csvin_load(path, &in);
	CHECK(rc == 0 && in.ncols == 4 && in.nrows == 5002, "read back: 4 columns, 5002 rows (%zu)", in.nrows);
	if (!rc) {
		CHECK(!strcmp(csvin_get(&in, 0, csvin_col(&in, "note")), "a, \"quoted\"\nline"),
		      "a field with a comma, quotes and a newline survives");
		CHECK(!strcmp(csvin_get(&in, 0, 3), "") && !strcmp(csvin_get(&in, 1, 2), " edge "),
		      "NaN reads back empty, edge spaces are kept");
		CHECK(atof(csvin_get(&in, 0, 1)) == 12.5 && atof(csvin_get(&in, 5001, 3)) == 4999, "numbers read back equal");
		CHECK(csvin_col(&in, "nope") == -ENOENT && !strcmp(csvin_get(&in, 0, -1), ""), "an unknown column is -ENOENT");
		csvin_free(&in);
	}
	FILE *f = fopen(path, "w");
	if (f) {
		fputs("a,b\n1,2\n3\n", f);
		fclose(f);
	}
	CHECK(csvin_load(path, &in) == -EPROTO, "a row narrower than the header is refused");
	unlink(path);
	CHECK(csvin_load(path, &in) == -ENOENT, "a missing file is -ENOENT");
	rmdir(dir);
}

int main(void)
{
	test_cross();
	test_rate();
	test_theory();
	test_pair();
	test_csv_round_trip();
	return check_exit();
}
