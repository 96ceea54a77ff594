/* containers: the pod's containers as the sidecar knows them, one per memory
 * cgroup: its reader, limit and thresholds, its OOM-kill count, its kernel
 * events in the loop's epoll set, and the processes in it.
 *
 * I/O: reads the cgroup's files and logs what changes; the thresholds come
 * from policy.c. */
#ifndef OOMSENTRY_CONTAINERS_H
#define OOMSENTRY_CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "flightrec.h"
#include "policy.h"
#include "procscan.h"
#include "tally.h"
#include "throttle.h"

struct settings;
struct wproc;

#define CONTAINER_MAX_V1_EVENTS 3

/* For this long after it is found, a container's limit is read with each
 * sample: a limit set just after the first process shows counts from the
 * start. Also how long a new process settles (procs.h). */
#define CONTAINER_YOUNG_US (5ULL * 1000000)

/* Limits of known containers are re-read this often (a resize in place). */
#define CONTAINER_LIMIT_REFRESH_US (5ULL * 1000000)

/* Bits of container.said: what was already logged about it. */
enum container_said { CT_SAID_NO_LIMIT };

struct container {
	uint32_t id;                 /* for the loop: unique while the sidecar runs */
	struct cg_reader rd;
	char cgpath[CG_PATH_MAX];
	char comm[PROC_COMM_MAX];    /* of its first process (lowest pid) as it was
					when it last joined: logs, labels, file names */
	pid_t first_pid;             /* that process */
	struct wproc *members;       /* its processes, by pid (wproc.next_member) */
	int nprocs;
	uint64_t young_until_us;     /* until then its limit is re-read often */
	bool have_limit;
	uint64_t limit_bytes;
	bool params_ok;              /* thresholds known: the container is read */
	struct policy_params params;
	struct policy_state pol;
	struct cg_sample last;
	bool sampled;
	uint64_t next_read_us;       /* when it is read next */
	struct growth growth;        /* of its usage, for the schedule */
	uint32_t said;               /* enum container_said bits */
	struct throttle read_errors;
	struct tally_ct tally;       /* what was done, for /metrics */
	struct flightrec fr;         /* its recent samples (flightsave.h) */
	bool fr_on;                  /* FLIGHT_RECORDER is not 0 */
	/* private to containers.c */
	bool oom_known;
	uint64_t oom_kills;
	int v1_evfds[CONTAINER_MAX_V1_EVENTS]; /* threshold and OOM eventfds (v1) */
	int nv1_evfds;
};

struct containers;

/* epfd: the loop's epoll set for kernel events, or -1 (none: --once). */
struct containers *containers_new(const struct settings *s, int epfd);
void containers_free(struct containers *reg);

/* New settings: every container's thresholds are worked out again. */
void containers_set_settings(struct containers *reg, const struct settings *s);

/* The container of the cgroup at loc, found by the cgroup directory's
 * identity; opened, logged and its limit read if it is new. comm names it
 * in logs. Returns NULL with *err = -errno when it cannot be read. */
struct container *containers_get(struct containers *reg, const struct cg_location *loc,
				 const char *comm, uint64_t now_us, int *err);

/* p enters or leaves ct's member list. A container left without members is
 * dropped (its OOM kills looked at, container_gone logged), except while
 * the registry is held: then it is dropped at the release, if no process
 * re-joined it meanwhile (a process found again in the same rescan keeps
 * its container's state and logs nothing). */
void containers_join(struct container *ct, struct wproc *p);
void containers_leave(struct containers *reg, struct container *ct, struct wproc *p,
		      uint64_t now_us);
void containers_hold(struct containers *reg);
void containers_release(struct containers *reg, uint64_t now_us);

/* At each rescan: limits every CONTAINER_LIMIT_REFRESH_US (and a young
 * container's without one yet), and OOM kills no exit or event told of. */
void containers_refresh(struct containers *reg, uint64_t now_us);

/* Reads ct's limit, and works its thresholds out again if it changed. */
void containers_read_limit(struct containers *reg, struct container *ct);

/* Logs the OOM kills in ct since the last look. */
void containers_check_oom(struct containers *reg, struct container *ct, uint64_t now_us);

/* The container whose kernel event fired (its id), its event fds drained
 * and its OOM kills looked at; NULL if it is gone. */
struct container *containers_event(struct containers *reg, uint32_t id, uint64_t now_us);

/* The container with this id, or NULL. */
struct container *containers_find(const struct containers *reg, uint32_t id);

size_t containers_count(const struct containers *reg);
struct container *containers_at(const struct containers *reg, size_t i);

/* cgroup=... comm=..., the fields that name a container in a log line. */
struct log_line;
void containers_log_name(struct log_line *l, const struct container *ct);

#endif
