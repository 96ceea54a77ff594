/* procs: the processes of the pod as the sidecar knows them. Each is found
 * by walking the /proc root, opened as a pidfd (its exit wakes the loop),
 * given a role, and, when watched, joined to its container. A new process
 * settles for a while (a runtime moves it into its container and then
 * execs the workload); one that is not watched is looked at again now and
 * then, in case it execs what should be.
 *
 * I/O: reads /proc; the kill rule comes from deliver.c. */
#ifndef OOMSENTRY_PROCS_H
#define OOMSENTRY_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "containers.h"
#include "procscan.h"
#include "runtime.h"

struct settings;

/* Why a known process is, or is not, watched. */
enum proc_role {
	ROLE_WATCHED,     /* in a container with a readable cgroup */
	ROLE_SELF,        /* the sidecar, or in the sidecar's own container */
	ROLE_KTHREAD,     /* a kernel thread */
	ROLE_FILTERED,    /* left out by include/exclude */
	ROLE_NO_CGROUP,   /* no memory cgroup could be found or read */
	ROLE_NO_ACCESS,   /* its cgroup is hidden from us: CAP_SYS_PTRACE missing */
};

/* Bits of wproc.said: what was already logged about the process. The
 * skipped-signal bit is per level: PROC_SAID_SKIPPED + level. */
enum proc_said {
	PROC_SAID_UNWATCHED,
	PROC_SAID_SIGNAL_DENIED,
	PROC_SAID_SKIPPED,                          /* + level */
	PROC_SAID_ACTION_SKIPPED = PROC_SAID_SKIPPED + 3, /* + level */
	PROC_SAID_RUNTIME = PROC_SAID_ACTION_SKIPPED + 3,
	PROC_SAID_ACTION_DISABLED,
};

struct wproc {
	pid_t pid;
	int pidfd;                   /* -1 in one-shot mode */
	enum proc_role role;
	struct container *ct;        /* when ROLE_WATCHED */
	struct wproc *next_member;   /* in ct's member list */
	char comm[PROC_COMM_MAX];
	bool may_signal;             /* the kill(2) rule allows it (or CAP_KILL) */
	uint32_t said;               /* enum proc_said bits */
	bool classified;             /* rt is known (read when first needed) */
	struct runtime_info rt;
	/* private to procs.c */
	uint64_t settle_until_us;    /* until then, re-checked at each rescan */
	uint64_t recheck_at_us;      /* unwatched: next look after settling */
	uint64_t recheck_gap_us;     /* and the one after, further each time */
	int unwatched_err;           /* why its cgroup could not be read (-errno) */
	uint64_t cgroup_hash;        /* of /proc/PID/cgroup when discovered */
};

/* A new process may still be on its way into its container: a runtime
 * starts it, moves it into the container's cgroup, then execs the workload.
 * For this long after discovery its cgroup and name are re-read at each
 * rescan, and a change makes it a new discovery. */
#define PROCS_SETTLE_US CONTAINER_YOUNG_US

/* After settling, a process we do not watch is still looked at, in case it
 * execs what we should watch: first this long after, then at twice the gap
 * each time, up to the maximum. A late exec is seen within a quarter of the
 * process's age at most (and the maximum), and a thousand unwatched
 * processes cost a look every 8 ms, not one per process per rescan. */
#define PROCS_RECHECK_MIN_US (1ULL * 1000000)
#define PROCS_RECHECK_MAX_US (8ULL * 1000000)

struct procs;

struct procs_options {
	int epfd;                    /* pidfds go here; -1: none (--once) */
	bool have_kill;              /* CAP_KILL effective */
	bool have_ptrace;            /* CAP_SYS_PTRACE effective */
	bool have_setids;            /* CAP_SETUID and CAP_SETGID effective (fsids.h) */
};

struct procs *procs_new(const struct settings *s, struct containers *reg,
			const struct procs_options *o);
void procs_free(struct procs *ps);
void procs_set_settings(struct procs *ps, const struct settings *s);

/* Walks the /proc root if anything may have changed: adds new processes,
 * forgets vanished ones, re-finds moved ones. Returns 0, or -errno when
 * the /proc root itself cannot be listed. */
int procs_rescan(struct procs *ps, uint64_t now_us);

/* The process's pidfd reported its exit. */
void procs_exited(struct procs *ps, pid_t pid, uint64_t now_us);

/* Counts for the start-up capability check. */
struct procs_census {
	unsigned watched;            /* processes whose cgroup we read */
	unsigned no_access;          /* processes hidden by missing CAP_SYS_PTRACE */
	unsigned unsignalable;       /* watched but the kill rule forbids it */
	pid_t no_access_pid, unsignalable_pid;
	char no_access_comm[PROC_COMM_MAX], unsignalable_comm[PROC_COMM_MAX];
};
void procs_census(const struct procs *ps, struct procs_census *c);

/* Known processes, by pid. */
size_t procs_count(const struct procs *ps);
const struct wproc *procs_at(const struct procs *ps, size_t i);

const char *procs_role_name(enum proc_role r);

#endif
