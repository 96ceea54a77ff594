/* action: how a process is told of its container's memory level. Today by
 * the level's signal, through the pidfd opened when the process was found,
 * and only if the process asked for it (it has a handler installed); other
 * ways of telling a process belong here, beside it, so that the tick that
 * decides when to tell stays the same.
 *
 * I/O: reads the process's status and sends; the rule of whether it may
 * be sent is policy_send_verdict. */
#ifndef OOMSENTRY_ACTION_H
#define OOMSENTRY_ACTION_H

#include <stdbool.h>

#include "policy.h"

struct container;
struct settings;
struct wproc;

/* The signal that stands for a level (WARNING or CRITICAL). */
int action_signal_of(const struct settings *s, enum level level);

/* Tells p (a member of ct) that ct is at level; repeat: the level persists
 * and this repeats it after the cooldown. Logs what was done or why not
 * (a skip once per process and level, a denial once per process). */
void action_notify(const struct settings *s, struct wproc *p, const struct container *ct,
		   enum level level, bool repeat);

#endif
