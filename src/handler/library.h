/* library: the process-wide context (options, allocator, cgroup, cooldown)
 * behind the public API, as the worker thread and the preload constructor
 * use it. Internal: not installed.
 */
#ifndef OOMSENTRY_HANDLER_LIBRARY_H
#define OOMSENTRY_HANDLER_LIBRARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oomsentry.h"

/* Prepares the context from o, starts the worker and installs the handlers;
 * mode ("link", "preload") is logged. Returns 0, -EINVAL, -EALREADY or
 * -errno, as oomsentry_init. */
int library_install(const struct oomsentry_options *o, const char *mode);

/* Is the cooldown of automatic dumps over? */
bool library_cooldown_over(void);

/* An automatic dump (the cooldown applies), logged. */
void library_dump(enum oomsentry_level level, int signo);

/* CLOCK_MONOTONIC in milliseconds, the clock of the cooldown. */
uint64_t library_now_ms(void);

/* The signal's name for a log line; "none" for 0. */
const char *library_sig_name(int signo, char *buf, size_t size);

#endif
