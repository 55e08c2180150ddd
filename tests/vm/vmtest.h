/* Helpers shared by the in-guest tests of monitor.ko: device calls that return 0 or -errno,
 * event waits, child processes that wait on a pipe, and the kernel log. Single-threaded callers;
 * results are printed by the tests themselves through tests/unit/check.h. */
#ifndef HOGLAB_VMTEST_H
#define HOGLAB_VMTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "uapi/container_monitor.h"

#define MIB (1024ULL * 1024ULL)

int mon_open(void);
int mon_ioctl(int fd, unsigned long cmd, void *arg);
int mon_register(int fd, pid_t pid, uint64_t soft, uint64_t hard, const char *id);
/* As mon_register, with a mode (enum monitor_mode; 0 = the module's default). */
int mon_register_mode(int fd, pid_t pid, uint64_t soft, uint64_t hard, const char *id, uint32_t mode);
const char *mode_name(uint32_t mode);
int mon_unregister(int fd, pid_t pid);
int mon_query(int fd, pid_t pid, struct monitor_query *q);
int mon_info(int fd, struct monitor_info *info);
/* 1 with a record in *ev, 0 when none came within timeout_ms, or -errno. */
int mon_event_wait(int fd, struct monitor_event *ev, int timeout_ms);
/* Reads and discards every queued record; returns how many. */
int mon_events_drain(int fd);
/* Waits until the module holds want entries; 0, or -ETIMEDOUT after timeout_ms. */
int mon_entries_wait(int fd, uint32_t want, int timeout_ms);
int mon_period_set(unsigned int ms);

/* A child that blocks until the write end of *release_fd is closed, then exits 0; it keeps no
 * other fd. The first call creates the pipe (pass *release_fd = -1); later calls reuse it. */
pid_t child_waiter_spawn(int *release_fd);
/* Reaps every child listed; returns how many exited with status 0. */
int children_reap(const pid_t *pids, int n);

/* Starts argv[0] as the init (pid 1) of a new PID namespace, our child; it waits before its
 * exec until gate_release(*gate). Returns its pid (in our namespace) or -errno. */
pid_t container_spawn(char *const argv[], int *gate);
/* A forked child that waits before exec'ing argv until gate_release(*gate). */
pid_t process_spawn(char *const argv[], int *gate);
void gate_release(int *gate);
/* Collects pid's events until its EXIT or timeout_ms into evs; returns how many. */
int events_until_exit(int fd, pid_t pid, struct monitor_event *evs, int max, int timeout_ms);
/* The first of evs of type, or NULL. */
const struct monitor_event *event_find(const struct monitor_event *evs, int n, uint32_t type);

/* Lines of the kernel log that contain needle. */
int klog_count(const char *needle);

int64_t mono_ms(void);

/* Loads the module at ko with params (finit_module); unloads "monitor" without waiting. -errno. */
int module_load(const char *ko, const char *params);
int module_unload(void);

#endif
