/* liboomsentry: turns the oomsentry sidecar's memory signals into heap dumps.
 *
 * Two ways to use it:
 *
 *   Link mode: call oomsentry_init() early in main(), optionally register
 *   callbacks with oomsentry_on_warning()/oomsentry_on_critical(), and call
 *   oomsentry_dump() to dump on demand.
 *
 *   Preload mode: LD_PRELOAD=liboomsentry.so with OOMSENTRY_* environment
 *   variables; a constructor installs the handlers, no code change needed.
 *
 * The signal handler only writes one byte to a pipe; a worker thread with
 * every signal blocked does the work (trim, callbacks, dump). Callbacks run on
 * that thread, never in signal context, so they may allocate, lock and log.
 *
 * Every function returns 0 or a negative errno value.
 */
#ifndef OOMSENTRY_H
#define OOMSENTRY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define OOMSENTRY_API __attribute__((visibility("default")))
#else
#define OOMSENTRY_API
#endif

/* Why a dump or a callback happened. */
enum oomsentry_level {
	OOMSENTRY_LEVEL_WARNING = 1,   /* the warning signal arrived */
	OOMSENTRY_LEVEL_CRITICAL = 2,  /* the critical signal arrived */
	OOMSENTRY_LEVEL_THRESHOLD = 3, /* the in-process watchdog saw the threshold crossed */
	OOMSENTRY_LEVEL_MANUAL = 4,    /* oomsentry_dump() was called */
};

/* What the library itself does at a level (bits; callbacks always run). */
#define OOMSENTRY_ACTION_NONE 0u
#define OOMSENTRY_ACTION_TRIM 1u /* give free memory back to the kernel */
#define OOMSENTRY_ACTION_DUMP 2u /* write <base>.txt and, with a profiler, <base>.heap */

struct oomsentry_options {
	const char *dump_dir;     /* absolute; copied by oomsentry_init */
	int warning_signal;       /* 0: do not handle a warning signal */
	int critical_signal;      /* 0: do not handle a critical signal */
	unsigned on_warning;      /* OOMSENTRY_ACTION_* bits */
	unsigned on_critical;
	uint64_t cooldown_ms;     /* minimum time between two automatic dumps */
	unsigned max_dumps;       /* dumps kept in dump_dir, oldest removed first (>= 1) */
	uint64_t min_free_bytes;  /* skip a dump when dump_dir has less free space */
	double threshold_pct;     /* watchdog: dump at this % of the cgroup limit; 0 = off */
	uint64_t interval_ms;     /* watchdog sampling period */
};

/* Built-in defaults (no environment): /tmp/oomsentry, SIGUSR1, SIGUSR2,
 * trim, dump, 60 s, 10 dumps, 16 MiB, watchdog off, 1 s. */
OOMSENTRY_API void oomsentry_options_init(struct oomsentry_options *opts);

/* Overlays the OOMSENTRY_* environment variables on *opts. On a bad value it
 * prints one line naming the variable and value to stderr and returns
 * -EINVAL, leaving *opts partly updated. */
OOMSENTRY_API int oomsentry_options_from_env(struct oomsentry_options *opts);

/* Installs the handlers and starts the worker thread. opts NULL means the
 * defaults overlaid by the environment. Returns 0, -EINVAL (bad options,
 * logged), -EALREADY (already installed, e.g. by preload) or -errno. */
OOMSENTRY_API int oomsentry_init(const struct oomsentry_options *opts);

/* Called on the library's worker thread (not in a signal handler). */
typedef void (*oomsentry_callback)(enum oomsentry_level level, void *arg);

/* Adds a callback for the warning level, or for the critical level (which
 * also runs when the watchdog crosses its threshold). Up to 8 per level;
 * cb NULL removes every callback of that level. May be called before
 * oomsentry_init. Returns 0 or -ENOSPC. */
OOMSENTRY_API int oomsentry_on_warning(oomsentry_callback cb, void *arg);
OOMSENTRY_API int oomsentry_on_critical(oomsentry_callback cb, void *arg);

/* Writes a dump now, on the calling thread, ignoring the cooldown (the
 * rotation and free-space rules still apply). Without oomsentry_init it uses
 * the defaults overlaid by the environment. When base is not NULL it receives
 * "<dir>/<hostname>-<pid>-<UTC time>-manual". Returns 0 or -errno. */
OOMSENTRY_API int oomsentry_dump(char *base, size_t size);

#ifdef __cplusplus
}
#endif

#endif
