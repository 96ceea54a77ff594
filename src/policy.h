/* policy: the per-container state machine that decides when to signal.
 *
 * Pure: no I/O, no clock. Time is an argument (microseconds, any monotonic
 * origin), so tests walk it forward at will.
 *
 *   normal -> warning -> critical     entering a level signals at once;
 *                                     warning -> critical escalates at once
 *   a level that persists             signals again every cooldown
 *   leaving a level                   only once the metric is below it by the
 *                                     hysteresis; then the level is re-armed
 */
#ifndef OOMSENTRY_POLICY_H
#define OOMSENTRY_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "units.h"

enum level { LEVEL_NORMAL = 0, LEVEL_WARNING = 1, LEVEL_CRITICAL = 2 };

struct policy_params {
	uint64_t warning_bytes;
	uint64_t critical_bytes;
	uint64_t hysteresis_bytes;
	uint64_t cooldown_us;
};

struct policy_state {
	enum level level;
	enum level last_signal;  /* the level of the last signal decided;
				    LEVEL_NORMAL: none yet */
	uint64_t last_signal_us; /* and when */
};

struct policy_decision {
	enum level from, to;     /* level before and after this step */
	enum level signal;       /* LEVEL_WARNING/LEVEL_CRITICAL: send that
				    level's signal; LEVEL_NORMAL: send nothing */
	bool repeat;             /* the signal repeats a persisting level */
};

/* Thresholds in bytes for a container with this limit. Percentages are of
 * the limit; the hysteresis is in percentage points of the limit.
 * Returns 0, or -EINVAL when warning is above critical for this limit
 * (equal: the critical level only). */
int policy_params_for(const struct threshold *warning, const struct threshold *critical,
		      double hysteresis_pct, uint64_t cooldown_us, uint64_t limit_bytes,
		      struct policy_params *out);

/* The level of a value on its own, without the hysteresis of a history:
 * what a first reading says (and what --once prints). */
enum level policy_level_of(const struct policy_params *p, uint64_t metric_bytes);

/* Whether a decision needs the working set (memory.stat, about forty
 * lines) or usage (one number) will do: usage is never below the working
 * set, so at the normal level and with usage below warning, the working set
 * cannot change the decision. */
bool policy_needs_working_set(const struct policy_state *st, const struct policy_params *p,
			      uint64_t usage_bytes);

/* One observation of the metric at time now_us. */
void policy_step(struct policy_state *st, const struct policy_params *p, uint64_t metric_bytes,
		 uint64_t now_us, struct policy_decision *d);

const char *policy_level_name(enum level level);

/* Whether a process gets signo: NULL if it does, else why not, for the log.
 * caught and ignored: whether it has a handler for signo or ignores it (its
 * SigCgt and SigIgn). A process gets a signal only if it catches it, unless
 * the signal is one meant to stop a process or signal_unhandled says
 * otherwise; and only if the kill rule (or CAP_KILL) allows it, may_signal. */
const char *policy_send_verdict(bool caught, bool ignored, int signo, bool signal_unhandled,
				bool may_signal);

/* ---- When to look next ----
 *
 * Each container is read on its own schedule: often when it grows toward its
 * next boundary, rarely when it is flat or far from it. The growth rate is
 * estimated from successive samples; the next read comes when, at that rate
 * times a safety factor (for acceleration), the metric could just reach the
 * next boundary: the level above, or the limit once at critical. */

/* A growth estimate twice the last one measured is what the next read plans for. */
#define POLICY_RATE_SAFETY 2.0

struct growth {
	bool have;               /* a previous sample exists */
	uint64_t last_us;
	uint64_t last_bytes;
	double bytes_per_us;     /* conservative estimate, >= 0 */
};

/* Growth seen after a long quiet gap may all have happened at its very end:
 * it is taken to have happened within this long at most. */
#define POLICY_BURST_WINDOW_US 20000

/* Folds a new sample into the estimate: the larger of the rate since the
 * last sample (over at most POLICY_BURST_WINDOW_US) and half the previous
 * estimate, so a burst is remembered for a few reads and a stop is believed
 * only gradually. */
void policy_growth_update(struct growth *g, uint64_t now_us, uint64_t bytes);

/* Microseconds until the next read, within [min_us, max_us]. metric is the
 * value the policy last saw; limit_bytes the container's limit. */
uint64_t policy_next_read_us(const struct policy_state *st, const struct policy_params *p,
			     const struct growth *g, uint64_t metric_bytes, uint64_t limit_bytes,
			     uint64_t min_us, uint64_t max_us);

#endif
