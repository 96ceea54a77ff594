/* watch: the tick. Each container is read on its own schedule; one reading
 * goes one way: read usage (and memory.stat only when a decision needs
 * it), let the policy decide, tell the container's own members through the
 * action module, and plan the next read from the policy's growth estimate.
 * The processes (procs.c) and containers (containers.c) are kept up to date
 * by the rescans and the loop's events, which this module passes on. */
#ifndef OOMSENTRY_WATCH_H
#define OOMSENTRY_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "caps.h"
#include "procs.h"

struct settings;
struct watch;

/* epfd: the loop's epoll set, or -1 for --once (no pidfds, no signals, no
 * kernel events). have: the capabilities held, which decide how other
 * users' processes are reached. Returns NULL when out of memory. */
struct watch *watch_new(const struct settings *s, int epfd, const struct caps_have *have);
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

void watch_census(const struct watch *w, struct procs_census *c);

/* A runtime action's job ended (action_job_done): counted for its
 * container, if it is still there. */
struct job_result;
void watch_job_result(struct watch *w, const struct job_result *res);

/* The containers, for /metrics. */
struct containers;
const struct containers *watch_containers(const struct watch *w);

/* One logfmt line per process (--once). */
void watch_print_once(struct watch *w, FILE *out);

#endif
