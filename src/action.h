/* action: how a process is told of its container's memory level: by the
 * level's signal, through the pidfd opened when the process was found, when
 * the process asked for it; and by its runtime's own way where it has one
 * (plan.h: a JVM's histogram and heap dump, a Go heap profile, Node's heap
 * snapshot signal). The tick decides when; this module decides how, and
 * the slow ways run in child processes (jobs.c).
 *
 * I/O: reads the process's status, classifies it once (procinfo.c), sends,
 * starts jobs; what may be done is plan.c's. */
#ifndef OOMSENTRY_ACTION_H
#define OOMSENTRY_ACTION_H

#include <stdbool.h>

#include "caps.h"
#include "jobs.h"
#include "policy.h"

struct container;
struct settings;
struct wproc;

/* The signal that stands for a level (WARNING or CRITICAL). */
int action_signal_of(const struct settings *s, enum level level);

/* Runtime actions become possible: their children's pidfds go to epfd, and
 * have says which capabilities the sidecar holds. Without this (--once,
 * tests of the tick) only signals are sent. Returns 0 or -ENOMEM. */
int action_setup(int epfd, const struct caps_have *have);
void action_teardown(void);

/* A job's child ended (loop tag LOOP_TAG_JOB). True when a job finished:
 * *res says for which container and how. */
bool action_job_done(const struct settings *s, unsigned child_pid, struct job_result *res);

/* Tells p (a member of ct) that ct is at level; repeat: the level persists
 * and this repeats it after the cooldown (signals only: a runtime's action
 * runs once per entry into a level). Logs what was done or why not (a skip
 * once per process and level, a denial once per process). */
void action_notify(const struct settings *s, struct wproc *p, struct container *ct,
		   enum level level, bool repeat);

/* The process's runtime, classified on first use. */
const struct runtime_info *action_runtime_of(const struct settings *s, struct wproc *p);

#endif
