/* tally: what the sidecar did, counted for /metrics. Each container carries
 * its own counts (struct tally_ct, in struct container); the sidecar's own
 * survive every container, since an OOM-killed container is usually gone,
 * and its series with it, a moment after the kill. Counts only grow: a
 * reload (SIGHUP) keeps them. Pure: the callers count, sidecar_metrics.c
 * reads. */
#ifndef OOMSENTRY_TALLY_H
#define OOMSENTRY_TALLY_H

#include <stdint.h>

#include "plan.h"
#include "policy.h"

#define TALLY_LEVELS 3   /* enum level */
#define TALLY_ACTIONS 4  /* enum runtime_action, by bit */

struct tally_ct {
	uint64_t reads;                                   /* usage reads */
	uint64_t read_errors;
	uint64_t signals_sent[TALLY_LEVELS];
	uint64_t signals_skipped[TALLY_LEVELS][PLAN_SKIPS];
	uint64_t actions[TALLY_ACTIONS];                  /* started */
	uint64_t dumps[TALLY_ACTIONS];                    /* finished with their file */
};

struct tally_sidecar {
	uint64_t reads;
	uint64_t signals_sent[TALLY_LEVELS];
	uint64_t oom_kills;
};

/* The sidecar's counts (one sidecar per process). */
const struct tally_sidecar *tally_sidecar(void);

void tally_read(struct tally_ct *t, int err);
void tally_signal_sent(struct tally_ct *t, enum level level);
void tally_signal_skipped(struct tally_ct *t, enum level level, enum plan_skip why);
/* actions: enum runtime_action bits, each counted. */
void tally_actions(struct tally_ct *t, unsigned actions);
void tally_dumps(struct tally_ct *t, unsigned actions);
void tally_oom_kills(uint64_t n);

/* The bit index of an action's name: "histogram", "heap_dump", "pprof",
 * "heap_snapshot". */
const char *tally_action_name(unsigned index);

#endif
