/* The lab's start barrier, the hog's side (cpu_hog and wakeup_hog --wait-start): SIGUSR1 is
 * blocked, given a handler (a runner that sees it caught in /proc/PID/status knows the signal is
 * waited for: exec resets handlers, so only this process can have set it) and waited for.
 * Header-only; no state. The runner's side is lab_barrier_wait and lab_barrier_go. */
#ifndef HOGLAB_WORKLOADS_START_H
#define HOGLAB_WORKLOADS_START_H

#include <errno.h>
#include <signal.h>

static void start_on_signal(int sig)
{
	(void)sig;
}

/* 0 once SIGUSR1 has come, else -errno. */
static inline int start_wait(void)
{
	struct sigaction sa = { .sa_handler = start_on_signal };
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || sigaction(SIGUSR1, &sa, NULL))
		return -errno;
	while (sigwait(&set, &sig) == EINTR)
		;
	return 0;
}

#endif
