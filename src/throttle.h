/* throttle: how often a recurring problem may be logged.
 *
 * Two shapes cover every case: a problem that is said once per subject (a
 * process that cannot be signalled stays so), kept as one bit in a set of
 * "said" bits; and a problem that recurs (a cgroup that cannot be read),
 * logged at most once per period with a count of what was held back.
 * Pure: time is an argument. */
#ifndef OOMSENTRY_THROTTLE_H
#define OOMSENTRY_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

/* True the first time `bit` (0..31) is asked for in *said, then false. */
bool throttle_once(uint32_t *said, unsigned bit);
/* Whether `bit` was said already. */
bool throttle_said(uint32_t said, unsigned bit);

struct throttle {
	bool passed;       /* something was let through already */
	uint64_t last_us;  /* when */
	unsigned held;     /* held back since */
};

/* True if a line may be logged now: the first time, and then once per
 * period_us. *held_back gets how many were held back before this one (the
 * line should say so); on false the count grows. */
bool throttle_pass(struct throttle *t, uint64_t now_us, uint64_t period_us, unsigned *held_back);

#endif
