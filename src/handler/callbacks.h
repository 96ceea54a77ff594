/* callbacks: the app's callbacks of each level (oomsentry_on_warning,
 * oomsentry_on_critical), up to CALLBACKS_MAX each. Thread-safe.
 */
#ifndef OOMSENTRY_HANDLER_CALLBACKS_H
#define OOMSENTRY_HANDLER_CALLBACKS_H

#include "oomsentry.h"

#define CALLBACKS_MAX 8

/* Adds cb to the warning list (level OOMSENTRY_LEVEL_WARNING) or to the
 * critical one (any other level); cb NULL empties that list. Returns 0 or
 * -ENOSPC. */
int callbacks_add(enum oomsentry_level level, oomsentry_callback cb, void *arg);

/* Calls the callbacks of level's list (the critical one for the watchdog's
 * threshold) with level; returns how many ran. */
int callbacks_run(enum oomsentry_level level);

#endif
