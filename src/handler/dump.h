/* dump: writes one dump (<base>.heap when a profiler runs, <base>.txt always)
 * into the dump directory, safely:
 *
 *  - the directory is created 0700 (with its parents) when missing, opened
 *    with O_NOFOLLOW and used only through that fd;
 *  - each file is created under a random hidden temporary name with
 *    O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, and renamed when complete, the
 *    summary last, so a shipper never picks up half a dump;
 *  - in a set-group-ID directory (the pod's fsGroup) the group is granted
 *    (dump_modes.h): directories 02770, files 0640, set with fchmod so the
 *    app's umask cannot take it away, so that a shipper running as another
 *    uid of that group can read and remove the dumps;
 *  - nothing is written when the directory's free space is below the minimum;
 *  - after a complete dump, the oldest dumps beyond max_dumps are removed.
 *
 * Failures are returned with the stage that failed; the caller logs them and
 * the process keeps running.
 */
#ifndef OOMSENTRY_HANDLER_DUMP_H
#define OOMSENTRY_HANDLER_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "allocator.h"
#include "cgroup.h"
#include "oomsentry.h"

struct dump_target {
	const char *dir;
	unsigned max_dumps;
	uint64_t min_free_bytes;
};

struct dump_env {
	const struct allocator *alloc;
	const struct cg_reader *cg;      /* NULL when unknown */
	const struct cg_location *cg_loc;
	int cg_error;
	const char *hostname;
	pid_t pid;
};

struct dump_result {
	char base[512];          /* "<dir>/<host>-<pid>-<time>-<level>" */
	bool heap_written;
	const char *heap_note;   /* profiler used, or why no profile */
	unsigned rotated;        /* old dumps removed */
	int rotate_error;        /* -errno of the rotation, or 0 */
	uint64_t free_bytes;     /* in the directory before writing */
	const char *stage;       /* on failure: what failed */
};

/* Creates dir and its missing parents with mode 0700, or 02770 each where
 * its parent is set-group-ID. Returns 0 or -errno. */
int dump_mkdir_p(const char *dir);

/* Returns 0 or -errno (-ENOSPC when below min_free_bytes), with r->stage. */
int dump_write(const struct dump_target *t, const struct dump_env *e,
	       enum oomsentry_level level, int signo, const struct timespec *when,
	       struct dump_result *r);

#endif
