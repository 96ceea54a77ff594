/* loop: the steady state. One epoll set multiplexes a signalfd (TERM, INT,
 * HUP), a timerfd (the poll interval), one pidfd per known process (its
 * exit) and an inotify fd on the config file's directory (a changed file
 * reloads as SIGHUP does). Nothing here exits the program: errors are logged and the loop goes
 * on; only a stop request or a broken epoll ends it. */
#ifndef OOMSENTRY_LOOP_H
#define OOMSENTRY_LOOP_H

#include <stdint.h>

#include "config_watch.h"

struct cli;
struct settings;
struct sidecar_metrics;
struct watch;

/* What woke the loop: the upper 32 bits of each fd's epoll_data.u64. The
 * lower 32 say which one: a pid (LOOP_TAG_PIDFD) or a container's id
 * (LOOP_TAG_CGROUP_EVENT). */
enum loop_tag {
	LOOP_TAG_PIDFD = 1,        /* a process exited */
	LOOP_TAG_SIGNAL = 2,       /* the signalfd: TERM, INT, HUP */
	LOOP_TAG_TIMER = 3,        /* the next read or rescan is due */
	LOOP_TAG_CGROUP_EVENT = 4, /* a v1 threshold/OOM eventfd or v2 memory.events */
	LOOP_TAG_JOB = 5,          /* a runtime action's child process ended (id: its pid) */
	LOOP_TAG_CONFIG = 6,       /* the config file's directory changed */
	LOOP_TAG_METRICS = 7,      /* the metrics listener's epoll set (sidecar_metrics.h) */
};

/* Adds fd to the loop's epoll set under tag and id. Closing fd removes it.
 * Returns 0 or -errno. */
int loop_add_fd(int epfd, int fd, uint32_t events, enum loop_tag tag, uint32_t id);

struct loop {
	int epfd;
	int sigfd;
	int timerfd;
	struct settings *s;           /* current settings; replaced on reload */
	const struct cli *cli;        /* for reloads */
	char *const *envp;
	struct watch *w;
	uint64_t next_rescan_us;
	struct config_watch cw;       /* the INI file, when there is one */
	uint64_t config_check_us;     /* when to look at it again; 0: no need */
	struct sidecar_metrics *metrics; /* the metrics listener, or NULL */
};

/* One level=warn line per setting that is valid but probably not meant
 * (settings_warnings): at start and after each reload. */
void loop_warn_settings(const struct settings *s);

/* Monotonic clock in microseconds. */
uint64_t loop_now_us(void);

/* Creates the timerfd and registers it and sigfd in epfd. Returns 0 or -errno. */
int loop_init(struct loop *lp, int epfd, int sigfd, struct settings *s, const struct cli *cli,
	      char *const *envp, struct watch *w);

/* Runs until SIGTERM or SIGINT (returns 0) or a fatal epoll error (-errno). */
int loop_run(struct loop *lp);

#endif
