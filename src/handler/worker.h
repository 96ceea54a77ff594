/* worker: the thread that does the work the signal handler only announces.
 *
 * It sleeps in poll() on the pipe's read end; each byte is a signal number.
 * For a warning or critical signal it runs the app's callbacks, then the
 * level's actions (trim, dump). With a threshold set and the cgroup readable,
 * it also wakes every interval as the watchdog: it reads the working set and
 * the limit and dumps when the threshold is crossed (see trigger.h).
 */
#ifndef OOMSENTRY_HANDLER_WORKER_H
#define OOMSENTRY_HANDLER_WORKER_H

#include "allocator.h"
#include "cgroup.h"
#include "oomsentry.h"

struct worker_setup {
	const struct oomsentry_options *opts;
	const struct allocator *alloc;
	const struct cg_reader *cg;   /* NULL: no watchdog */
	int pipe_rd;
};

/* Starts the worker, detached and with every signal blocked, so the app's
 * signals are never delivered to it. What s points to must not change while
 * it runs. Returns 0 or -errno. */
int worker_start(const struct worker_setup *s);

#endif
