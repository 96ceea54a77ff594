/* jobs: the runtime actions that take time (a JVM's histogram or heap
 * dump, a Go heap profile) run in a child process each, so that the watch
 * loop never waits on another program. One job at a time per process: a
 * request for a process whose job still runs waits for it (the higher
 * level wins), so a JVM is never asked for two dumps at once. A child has
 * a deadline (ACTION_TIMEOUT: SIGALRM ends it), dies with the sidecar
 * (PR_SET_PDEATHSIG), and reports its own results in the log; its exit
 * wakes the loop through its pidfd. I/O. */
#ifndef OOMSENTRY_JOBS_H
#define OOMSENTRY_JOBS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"
#include "procscan.h"
#include "runtime.h"

struct settings;

struct job {
	pid_t pid;                    /* the target, as the sidecar sees it */
	int pidfd;                    /* the target's; jobs_start duplicates it */
	enum level level;
	unsigned actions;             /* enum runtime_action bits */
	struct runtime_info rt;
	char comm[PROC_COMM_MAX];
	uint64_t usage_bytes;         /* its container's, to estimate a heap dump */
	uint32_t ct_id;               /* its container (containers.h), for counts */
};

/* How a job ended. */
struct job_result {
	uint32_t ct_id;
	unsigned actions;             /* what it ran */
	bool ok;                      /* every action succeeded (exit 0) */
};

struct jobs;

/* epfd: the loop's epoll set (children's pidfds go there). */
struct jobs *jobs_new(int epfd);
/* Ends running children (SIGKILL) and frees. */
void jobs_free(struct jobs *j);

/* Runs the job now, or after the one running for the same process. */
void jobs_start(struct jobs *j, const struct settings *s, const struct job *req);

/* A child's pidfd reported its exit (loop tag LOOP_TAG_JOB, id = its pid).
 * True when it had ended: *res says how. */
bool jobs_done(struct jobs *j, const struct settings *s, pid_t child, struct job_result *res);

/* Is a job running for pid? */
bool jobs_busy(const struct jobs *j, pid_t pid);

#endif
