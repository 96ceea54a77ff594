/* plan: what a process gets at a level — the level's signal, the runtime's
 * own action, both or nothing — and why not. Pure: the same answer serves
 * the watch (action.c) and the preview of --once (report.c).
 *
 * The signal goes when the runtime gives it no meaning of its own or the
 * process opted in (runtime_consent), and then under policy_send_verdict's
 * rules (a handler, the kill rule). The actions (WARNING_ACTIONS,
 * CRITICAL_ACTIONS) apply each to its runtime:
 *   histogram      JVM (HotSpot)  GC.class_histogram into DUMP_DIR
 *   heap_dump      JVM (HotSpot)  GC.heap_dump into JVM_HEAP_DUMP_DIR
 *   pprof          Go             /debug/pprof/heap into DUMP_DIR
 *   heap_snapshot  Node           its --heapsnapshot-signal, when it has one
 * A Node process whose snapshot signal is the level's signal gets it as
 * the action, never twice. */
#ifndef OOMSENTRY_PLAN_H
#define OOMSENTRY_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "runtime.h"

struct settings;

/* What is known of the process's signal dispositions and permissions. */
struct plan_proc {
	uint64_t caught, ignored;  /* SigCgt, SigIgn */
	bool may_signal;           /* the kill rule (or CAP_KILL) allows it */
	bool comm_opted_in;        /* SIGNAL_COMMS names its command */
};

/* Why a signal was not sent, in a few classes (for counters whose labels
 * must stay few): the full reason is plan.signal_skip. */
enum plan_skip {
	PLAN_SKIP_NOT_ASKED,      /* no handler, or it ignores the signal */
	PLAN_SKIP_RUNTIME_OWNS,   /* its handler is its runtime's or server's own */
	PLAN_SKIP_ACTION_INSTEAD, /* the signal is sent as the runtime's action */
	PLAN_SKIP_NOT_PERMITTED,  /* CAP_KILL missing */
	PLAN_SKIPS
};

/* "not_asked", "runtime_owns", "action_instead", "not_permitted". */
const char *plan_skip_name(enum plan_skip k);

struct plan {
	int signo;                 /* the level's signal */
	bool send_signal;
	const char *signal_skip;   /* why not, when not */
	enum plan_skip skip;       /* its class, when not */
	unsigned actions;          /* enum runtime_action bits that run */
	int snapshot_signal;       /* with ACTION_HEAP_SNAPSHOT */
	const char *action_skip;   /* why an action configured for the runtime does not run */
};

void plan_make(const struct settings *s, const struct runtime_info *rt, const struct plan_proc *p,
	       enum level level, struct plan *out);

/* "SIGUSR1", "histogram,pprof", "SIGUSR2+heap_snapshot(SIGUSR2)", "none". */
void plan_format(const struct plan *pl, char *buf, size_t size);

#endif
