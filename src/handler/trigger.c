#include "trigger.h"

bool cooldown_over(const struct cooldown *c, uint64_t now_ms, uint64_t cooldown_ms)
{
	return cooldown_remaining_ms(c, now_ms, cooldown_ms) == 0;
}

uint64_t cooldown_remaining_ms(const struct cooldown *c, uint64_t now_ms, uint64_t cooldown_ms)
{
	if (!c->used || now_ms < c->last_ms)
		return 0;
	uint64_t elapsed = now_ms - c->last_ms;
	return elapsed >= cooldown_ms ? 0 : cooldown_ms - elapsed;
}

void cooldown_start(struct cooldown *c, uint64_t now_ms)
{
	c->used = true;
	c->last_ms = now_ms;
}

bool trigger_above(uint64_t working_set, uint64_t limit, bool unlimited, double pct)
{
	if (unlimited || limit == 0 || pct <= 0)
		return false;
	return (double)working_set * 100.0 >= pct * (double)limit;
}

enum watchdog_verdict watchdog_step(struct watchdog *w, bool above, bool cooldown_is_over)
{
	if (!above) {
		if (w->disarmed) {
			w->disarmed = false;
			return WATCHDOG_REARMED;
		}
		return WATCHDOG_QUIET;
	}
	if (w->disarmed)
		return WATCHDOG_QUIET;
	if (!cooldown_is_over)
		return WATCHDOG_PENDING;
	w->disarmed = true;
	return WATCHDOG_DUMP;
}
