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
	bool signalled;          /* a signal was sent at least once */
	uint64_t last_signal_us; /* when the last signal was decided */
};

struct policy_decision {
	enum level from, to;     /* level before and after this step */
	enum level signal;       /* LEVEL_WARNING/LEVEL_CRITICAL: send that
				    level's signal; LEVEL_NORMAL: send nothing */
	bool repeat;             /* the signal repeats a persisting level */
};

/* Thresholds in bytes for a container with this limit. Percentages are of
 * the limit; the hysteresis is in percentage points of the limit.
 * Returns 0, or -EINVAL when warning is not below critical for this limit. */
int policy_params_for(const struct threshold *warning, const struct threshold *critical,
		      double hysteresis_pct, uint64_t cooldown_us, uint64_t limit_bytes,
		      struct policy_params *out);

/* One observation of the metric at time now_us. */
void policy_step(struct policy_state *st, const struct policy_params *p, uint64_t metric_bytes,
		 uint64_t now_us, struct policy_decision *d);

const char *policy_level_name(enum level level);

#endif
