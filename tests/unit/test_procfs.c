/* Unit test of lib/procfs, lib/file and lib/clock: statm and schedstat parsing by hand-made
 * texts and against our own process (CPU time it spent, memory it touched), the kept-fd
 * reader, the small-file helpers on a temp dir, and the clocks' order. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "lib/clock.h"
#include "lib/file.h"
#include "lib/procfs.h"

int main(void)
{
	uint64_t pages, kib, v;
	struct schedstat ss;
	char buf[64], dir[] = "/tmp/test_procfs.XXXXXX";

	CHECK(statm_parse("2000 345 12 1 0 100 0\n", &pages) == 0 && pages == 345,
	      "statm: the second field is the resident pages");
	CHECK(statm_parse("2000\n", &pages) == -EBADMSG, "a statm of one number is refused");
	CHECK(statm_parse("", &pages) == -EBADMSG, "an empty statm is refused");
	CHECK(schedstat_parse("123 456 7\n", &ss) == 0 && ss.cpu_ns == 123 && ss.wait_ns == 456 &&
	      ss.slices == 7, "schedstat's three fields");
	CHECK(schedstat_parse("123 456\n", &ss) == -EINVAL, "a short schedstat is refused");
	CHECK(schedstat_parse("1 2 3 4\n", &ss) == -EINVAL, "a schedstat with a fourth field is refused");

	struct proc_status ps;
	CHECK(proc_status_parse("Name:\tcpu_hog\nState:\tS (sleeping)\nSigQ:\t0/94\nSigPnd:\t0000000000000000\n"
				"SigBlk:\t0000000000000200\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000000200\n",
				&ps) == 0 && ps.state == 'S' && ps.sig_blk == 1u << (SIGUSR1 - 1) &&
	      ps.sig_cgt == 1u << (SIGUSR1 - 1), "status: State, SigBlk and SigCgt (SIGUSR1 is bit 9)");
	CHECK(proc_status_parse("Name:\tx\nState:\tR (running)\nSigBlk:\t0\n", &ps) == -EBADMSG,
	      "a status without SigCgt is refused");
	CHECK(proc_status_parse("", &ps) == -EBADMSG, "an empty status is refused");
	CHECK(proc_status_read(getpid(), &ps) == 0 && ps.state == 'R', "our own status: running");
	CHECK(proc_status_read(0x7ffffff0, &ps) == -ENOENT, "the status of a PID that does not exist: -ENOENT");

	/* The kernel folds a running task's CPU time into schedstat at a tick, a switch or a read of
	 * its CPU clock; a task younger than a tick may still read 0 (test_labstats, which checked
	 * "> 0" right at start, failed 113 of 300 back-to-back runs). So: 20 ms of our own CPU time,
	 * measured by that clock, then schedstat must hold at least that much. */
	uint64_t spent;
	do
		spent = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	while (spent < 20000000ull);
	CHECK(schedstat_read(getpid(), &ss) == 0 && ss.cpu_ns >= spent && ss.slices >= 1,
	      "our own schedstat holds the %llu ns of CPU we spent (%llu ns, %llu slices)",
	      (unsigned long long)spent, (unsigned long long)ss.cpu_ns, (unsigned long long)ss.slices);
	CHECK(schedstat_read(0x7ffffff0, &ss) == -ENOENT, "the schedstat of a PID that does not exist: -ENOENT");

	/* Our RSS holds at least the 4 MiB touched here. */
	size_t n = 4 << 20;
	char *mem = malloc(n);
	memset(mem, 1, n);
	int fd = statm_open(getpid());
	CHECK(fd >= 0 && statm_read(fd, &pages) == 0 &&
	      pages * (uint64_t)sysconf(_SC_PAGESIZE) >= n, "our own statm through a kept fd");
	CHECK(statm_read(fd, &pages) == 0, "the kept fd reads again");
	CHECK(rss_read_kib(getpid(), &kib) == 0 && kib >= n / 1024, "rss_read_kib: %llu KiB",
	      (unsigned long long)kib);
	free(mem);
	if (fd >= 0)
		close(fd);
	CHECK(statm_read(-1, &pages) == -ENOENT, "no fd: -ENOENT");
	CHECK(statm_open(0x7ffffff0) == -ENOENT, "a PID that does not exist: -ENOENT");

	CHECK(mkdtemp(dir) != NULL, "temp dir %s", dir);
	char path[128];
	CHECK(path_fmt(path, sizeof(path), "%s/%s", dir, "v") == 0, "path_fmt fits");
	CHECK(path_fmt(buf, 8, "%s", "123456789") == -ENAMETOOLONG, "path_fmt reports truncation");
	CHECK(file_write(path, "1") == -ENOENT, "file_write does not create");
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	CHECK(file_write_at(dir, "v", "4096\n") == 0, "file_write_at");
	CHECK(file_read_text(path, buf, sizeof(buf)) == 5 && !strcmp(buf, "4096\n"),
	      "file_read_text reads it back");
	fd = file_open_at(dir, "v", O_RDONLY);
	CHECK(fd >= 0 && fd_read_u64(fd, &v) == 0 && v == 4096, "fd_read_u64 through a kept fd");
	CHECK(file_write(path, "x") == 0 && fd_read_u64(fd, &v) == -EBADMSG,
	      "fd_read_u64 of a non-number: -EBADMSG");
	if (fd >= 0)
		close(fd);
	/* file_slurp_at: a file longer than its first buffer (4096 bytes), whole; a missing one. */
	{
		FILE *big = fopen(path, "we");
		char *all;
		int lines = 0;

		for (int i = 0; big && i < 1000; i++)
			fprintf(big, "line %04d\n", i);
		if (big)
			fclose(big);
		all = file_slurp_at(dir, "v");
		for (char *p = all; p && *p; p++)
			lines += *p == '\n';
		CHECK(all && strlen(all) == 10000 && lines == 1000 && !strncmp(all + 9990, "line 0999\n", 10),
		      "file_slurp_at reads 10000 bytes whole (%zu)", all ? strlen(all) : 0);
		free(all);
		errno = 0;
		CHECK(!file_slurp_at(dir, "absent") && errno == ENOENT, "file_slurp_at of a missing file: NULL, ENOENT");
	}
	unlink(path);
	rmdir(dir);

	uint64_t a = clock_mono_ns(), b = clock_ns(CLOCK_MONOTONIC);
	double s = clock_mono_s();
	CHECK(a <= b && s >= (double)a / 1e9 - 1e-6, "the clocks run forward and agree");
	CHECK(clock_ns(CLOCK_REALTIME) > 1600000000ull * 1000000000ull, "CLOCK_REALTIME is after 2020");
	return check_exit();
}
