/* loop: the steady state. One epoll set multiplexes a signalfd (TERM, INT,
 * HUP), a timerfd (the poll interval) and one pidfd per known process (its
 * exit). Nothing here exits the program: errors are logged and the loop goes
 * on; only a stop request or a broken epoll ends it. */
#ifndef OOMSENTRY_LOOP_H
#define OOMSENTRY_LOOP_H

#include "settings.h"
#include "watch.h"

struct loop {
	int epfd;
	int sigfd;
	int timerfd;
	struct settings *s;           /* current settings; replaced on reload */
	const struct cli *cli;        /* for reloads */
	char *const *envp;
	struct watch *w;
	uint64_t next_rescan_us;
};

/* Monotonic clock in microseconds. */
uint64_t loop_now_us(void);

/* Creates the timerfd and registers it and sigfd in epfd. Returns 0 or -errno. */
int loop_init(struct loop *lp, int epfd, int sigfd, struct settings *s, const struct cli *cli,
	      char *const *envp, struct watch *w);

/* Runs until SIGTERM or SIGINT (returns 0) or a fatal epoll error (-errno). */
int loop_run(struct loop *lp);

#endif
