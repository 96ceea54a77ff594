/* summary: the always-written <base>.txt.
 *
 * Plain text, sections headed by "## ". Everything goes through a textout
 * whose buffer is on the caller's stack: nothing here allocates, except
 * malloc_info's few-KiB FILE buffer and what the allocator's own report does.
 */
#ifndef OOMSENTRY_HANDLER_SUMMARY_H
#define OOMSENTRY_HANDLER_SUMMARY_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "allocator.h"
#include "cgroup.h"
#include "oomsentry.h"
#include "textout.h"

struct summary_facts {
	struct timespec when;         /* CLOCK_REALTIME of the trigger */
	pid_t pid;
	const char *hostname;
	enum oomsentry_level level;
	int signo;                    /* 0 when no signal was involved */
	const char *heap_profile;     /* file name written, or NULL */
	const char *heap_note;        /* profiler used, or why there is none */
	const struct allocator *alloc;
	const struct cg_reader *cg;   /* NULL when the cgroup is unknown */
	const struct cg_location *cg_loc;
	int cg_error;                 /* -errno of locating it, when cg is NULL */
};

/* Keeps the lines of /proc/self/status that describe memory. Pure. */
bool summary_status_line_wanted(const char *line);

/* Writes the summary; returns o->err after flushing. */
int summary_write(struct textout *o, const struct summary_facts *f);

#endif
