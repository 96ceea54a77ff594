/* trigger: when an automatic dump may happen. Pure; time is an argument.
 *
 * The cooldown applies to every automatic dump attempt (signal or watchdog),
 * failed ones included, so a full disk is not hammered.
 *
 * The watchdog dumps when the working set crosses the threshold upwards, then
 * stays quiet until it has fallen below again (re-armed): a process sitting
 * above its threshold does not dump every cooldown. A crossing that lands
 * inside the cooldown stays pending and dumps when the cooldown ends.
 */
#ifndef OOMSENTRY_HANDLER_TRIGGER_H
#define OOMSENTRY_HANDLER_TRIGGER_H

#include <stdbool.h>
#include <stdint.h>

struct cooldown {
	bool used;          /* a dump was attempted */
	uint64_t last_ms;   /* CLOCK_MONOTONIC of that attempt */
};

bool cooldown_over(const struct cooldown *c, uint64_t now_ms, uint64_t cooldown_ms);
/* Milliseconds left; 0 when over. */
uint64_t cooldown_remaining_ms(const struct cooldown *c, uint64_t now_ms, uint64_t cooldown_ms);
void cooldown_start(struct cooldown *c, uint64_t now_ms);

/* Is working_set at or above pct percent of limit? False without a limit. */
bool trigger_above(uint64_t working_set, uint64_t limit, bool unlimited, double pct);

enum watchdog_verdict {
	WATCHDOG_QUIET,     /* nothing to do */
	WATCHDOG_DUMP,      /* crossed: dump now */
	WATCHDOG_PENDING,   /* crossed, but inside the cooldown */
	WATCHDOG_REARMED,   /* fell below after a dump: the next crossing counts */
};

struct watchdog {
	bool disarmed;      /* dumped since the last time below the threshold */
};

enum watchdog_verdict watchdog_step(struct watchdog *w, bool above, bool cooldown_is_over);

#endif
