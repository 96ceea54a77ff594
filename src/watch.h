/* watch: the pod as the sidecar sees it: processes grouped into containers
 * (one memory cgroup each), read once per tick per container, judged by the
 * policy, and signalled through pidfds.
 *
 * I/O lives here; decisions come from policy.c and signame.c.
 */
#ifndef OOMSENTRY_WATCH_H
#define OOMSENTRY_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cgroup.h"
#include "policy.h"
#include "procscan.h"
#include "settings.h"

/* Why a known process is, or is not, watched. */
enum proc_role {
	ROLE_WATCHED,     /* in a container with a readable cgroup */
	ROLE_SELF,        /* the sidecar, or in the sidecar's own container */
	ROLE_KTHREAD,     /* a kernel thread */
	ROLE_FILTERED,    /* left out by include/exclude */
	ROLE_NO_CGROUP,   /* no memory cgroup could be found or read */
	ROLE_NO_ACCESS,   /* its cgroup is hidden from us: CAP_SYS_PTRACE missing */
};

struct container;

struct wproc {
	pid_t pid;
	int pidfd;                   /* -1 in one-shot mode */
	enum proc_role role;
	struct container *ct;        /* when ROLE_WATCHED */
	char comm[PROC_COMM_MAX];
	bool may_signal;             /* the kill(2) rule allows it (or CAP_KILL) */
	uint64_t settle_until_us;    /* until then, re-checked at each rescan */
	uint64_t recheck_at_us;      /* unwatched: next look after settling */
	uint64_t recheck_gap_us;     /* and the one after, further each time */
	int unwatched_err;           /* why its cgroup could not be read (-errno) */
	bool unwatched_logged;
	uint64_t cgroup_hash;        /* of /proc/PID/cgroup when discovered */
	uint8_t skip_logged;         /* bit per level: a skip was already logged */
	bool perm_logged;
};

#define WATCH_MAX_V1_EVENTS 3

struct container {
	uint32_t id;                 /* for epoll: unique while the sidecar runs */
	struct cg_reader rd;
	char cgpath[CG_PATH_MAX];
	char comm[PROC_COMM_MAX];    /* of the first process seen, for logs */
	int nprocs;
	uint64_t young_until_us;     /* until then its limit is re-read often */
	bool have_limit;
	uint64_t limit_bytes;
	bool params_ok;
	struct policy_params params;
	struct policy_state pol;
	struct cg_sample last;
	bool sampled;
	bool oom_known;
	uint64_t oom_kills;
	int last_signal;             /* 0 if none sent yet */
	enum level last_signal_level;
	uint64_t last_signal_us;
	bool unwatched_logged, params_logged;
	uint64_t next_read_us;       /* when this container is read next */
	struct growth growth;        /* of its usage, for the schedule */
	int v1_evfds[WATCH_MAX_V1_EVENTS]; /* threshold and OOM eventfds (v1) */
	int nv1_evfds;
	bool v2_events_polled;       /* memory.events is in the epoll set (v2) */
	uint64_t err_logged_us;
	unsigned err_suppressed;
};

struct watch {
	const struct settings *s;
	bool one_shot;               /* no pidfds, no signals: --once */
	int epfd;                    /* pidfds are registered here; -1 in one-shot */
	pid_t self_pid;
	char self_cgroup[4096];      /* our own /proc/self/cgroup */
	bool have_kill;              /* CAP_KILL effective */
	bool have_ptrace;            /* CAP_SYS_PTRACE effective */
	uid_t ruid, euid;
	struct wproc *procs;         /* sorted by pid */
	size_t nprocs, cap;
	struct container **cts;
	size_t ncts, ctcap;
	struct pid_list scan;
	uint64_t fd_err_logged_us;
	uint32_t next_id;
	long last_pid;               /* /proc/loadavg's at the last walk, -1 unknown */
	bool scanned_once;           /* the start-up scan is done */
	bool rescanning;             /* containers left empty are dropped at its end */
	uint64_t limits_read_us;     /* when limits were last re-read */
	bool v1_events_refused;      /* cgroup.event_control is read-only here */
};

/* Counts for the start-up capability check. */
struct watch_census {
	unsigned watched;            /* processes whose cgroup we read */
	unsigned no_access;          /* processes hidden by missing CAP_SYS_PTRACE */
	unsigned unsignalable;       /* watched but the kill rule forbids it */
	pid_t no_access_pid, unsignalable_pid;
	char no_access_comm[PROC_COMM_MAX], unsignalable_comm[PROC_COMM_MAX];
};

/* A new process may still be on its way into its container: a runtime
 * starts it, moves it into the container's cgroup, then execs the workload.
 * For this long after discovery its cgroup and name are re-read at each
 * rescan, and a change makes it a new discovery. */
#define WATCH_SETTLE_US (5ULL * 1000000)

/* After settling, a process we do not watch is still looked at, in case it
 * execs what we should watch: first this long after, then at twice the gap
 * each time, up to the maximum. A late exec is seen within a quarter of the
 * process's age at most (and the maximum), and a thousand unwatched
 * processes cost a look every 8 ms, not one per process per rescan. */
#define WATCH_RECHECK_MIN_US (1ULL * 1000000)
#define WATCH_RECHECK_MAX_US (8ULL * 1000000)

/* Limits of known containers are re-read this often (a resize in place). */
#define WATCH_LIMIT_REFRESH_US (5ULL * 1000000)

/* Epoll tags: the upper 32 bits of epoll_data.u64. The lower hold the pid
 * (pidfds) or the container id (cgroup events). */
#define WATCH_TAG_PIDFD 1ULL
#define WATCH_TAG_CGROUP_EVENT 4ULL

int watch_init(struct watch *w, const struct settings *s, int epfd, bool one_shot,
	       bool have_kill, bool have_ptrace);
void watch_free(struct watch *w);

/* Walks /proc: adds new processes, drops vanished ones, refreshes limits.
 * Returns 0, or -errno when /proc itself cannot be read. */
int watch_rescan(struct watch *w, uint64_t now_us);

/* Reads every container whose time has come and acts on the policy's
 * decisions; schedules each one's next read. */
void watch_tick(struct watch *w, uint64_t now_us);

/* When watch_tick has work next (UINT64_MAX: nothing to watch). */
uint64_t watch_next_deadline(const struct watch *w);

/* The kernel reported something about container `id` (a v1 threshold or OOM
 * eventfd, or v2 memory.events): read it now. */
void watch_cgroup_event(struct watch *w, uint32_t id, uint64_t now_us);

/* A pidfd reported the process's exit. */
void watch_process_exited(struct watch *w, pid_t pid, uint64_t now_us);

/* New settings (after SIGHUP): thresholds are recomputed for every container. */
void watch_set_settings(struct watch *w, const struct settings *s);

void watch_census(const struct watch *w, struct watch_census *c);

/* One logfmt line per process (--once). */
void watch_print_once(struct watch *w, FILE *out);

#endif
