/* library: the process-wide context and the public API. The signal handler
 * is in sighandler.c, the worker thread in worker.c, the preload constructor
 * in preload.c; everything that acts lives in the other modules. */
#include "library.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "allocator.h"
#include "callbacks.h"
#include "cgroup.h"
#include "dump.h"
#include "dumpname.h"
#include "envconfig.h"
#include "log.h"
#include "options.h"
#include "sighandler.h"
#include "signame.h"
#include "trigger.h"
#include "worker.h"

/* ctx_lock serialises init, on-demand dumps and worker dumps. Once the worker
 * runs, only the cooldown changes. */
static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	bool prepared;   /* options, allocator, cgroup known */
	bool installed;  /* handlers and worker running */
	struct oomsentry_options opts;
	char dir[256];
	char hostname[DUMPNAME_HOST_MAX];
	struct allocator alloc;
	struct cg_location cg_loc;
	struct cg_reader cg;
	int cg_error;    /* 0 when cg is open */
	struct cooldown cooldown;
} ctx;

uint64_t library_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *library_sig_name(int signo, char *buf, size_t size)
{
	return signo ? signame_format(signo, buf, size) : "none";
}

/* ------------------------------------------------------------------------
 * Context: options, allocator, cgroup. Called with ctx_lock held.
 * ------------------------------------------------------------------------ */
static void prepare(const struct oomsentry_options *o)
{
	if (ctx.prepared && ctx.cg_error == 0)
		cg_reader_close(&ctx.cg);
	ctx.opts = *o;
	snprintf(ctx.dir, sizeof ctx.dir, "%s", o->dump_dir);
	ctx.opts.dump_dir = ctx.dir;
	char host[HOST_NAME_MAX + 1];
	if (gethostname(host, sizeof host) < 0)
		host[0] = '\0';
	host[HOST_NAME_MAX] = '\0';
	dumpname_sanitize_host(host, ctx.hostname, sizeof ctx.hostname);
	alloc_detect(&ctx.alloc);
	/* The same reading code as the sidecar: the process's own view of its
	 * memory cgroup (v1 or v2), kept fds read with pread. */
	ctx.cg_error = cg_locate("/proc", "self", &ctx.cg_loc);
	if (!ctx.cg_error)
		ctx.cg_error = cg_reader_open(&ctx.cg, &ctx.cg_loc);
	ctx.prepared = true;
}

/* ------------------------------------------------------------------------
 * Dumps. Called with ctx_lock held.
 * ------------------------------------------------------------------------ */
static int dump_locked(enum oomsentry_level level, int signo, bool honor_cooldown, char *base,
		       size_t size)
{
	char sig[16];
	uint64_t start = library_now_ms();
	struct log_line l;
	if (honor_cooldown && !cooldown_over(&ctx.cooldown, start, ctx.opts.cooldown_ms)) {
		if (log_begin(&l, LOG_INFO, "oomsentry_dump_skipped")) {
			log_str(&l, "memory_level", dumpname_level(level));
			log_str(&l, "reason", "cooldown");
			log_uint(&l, "remaining_ms",
				 cooldown_remaining_ms(&ctx.cooldown, start, ctx.opts.cooldown_ms));
			log_end(&l);
		}
		return -EBUSY;
	}
	cooldown_start(&ctx.cooldown, start);

	struct timespec when;
	clock_gettime(CLOCK_REALTIME, &when);
	struct dump_target t = {ctx.dir, ctx.opts.max_dumps, ctx.opts.min_free_bytes};
	struct dump_env e = {
		.alloc = &ctx.alloc,
		.cg = ctx.cg_error ? NULL : &ctx.cg,
		.cg_loc = &ctx.cg_loc,
		.cg_error = ctx.cg_error,
		.hostname = ctx.hostname,
		.pid = getpid(),
	};
	struct dump_result r;
	int err = dump_write(&t, &e, level, signo, &when, &r);
	uint64_t took = library_now_ms() - start;
	if (err == -ENOSPC && strcmp(r.stage, "free_space") == 0) {
		if (log_begin(&l, LOG_WARN, "oomsentry_dump_skipped")) {
			log_str(&l, "memory_level", dumpname_level(level));
			log_str(&l, "reason", "low_disk_space");
			log_str(&l, "dir", ctx.dir);
			log_uint(&l, "free_bytes", r.free_bytes);
			log_uint(&l, "min_free_bytes", ctx.opts.min_free_bytes);
			log_end(&l);
		}
	} else if (err) {
		if (log_begin(&l, LOG_ERROR, "oomsentry_dump_failed")) {
			log_str(&l, "memory_level", dumpname_level(level));
			log_str(&l, "signal", library_sig_name(signo, sig, sizeof sig));
			log_str(&l, "stage", r.stage);
			log_str(&l, "dir", ctx.dir);
			log_errno(&l, -err);
			log_end(&l);
		}
	} else if (log_begin(&l, LOG_INFO, "oomsentry_dump")) {
		log_str(&l, "memory_level", dumpname_level(level));
		log_str(&l, "signal", library_sig_name(signo, sig, sizeof sig));
		log_str(&l, "base", r.base);
		log_bool(&l, "heap", r.heap_written);
		log_str(&l, r.heap_written ? "heap_source" : "heap_missing", r.heap_note);
		log_uint(&l, "duration_ms", took);
		log_uint(&l, "rotated", r.rotated);
		if (r.rotate_error)
			log_str(&l, "rotate_error", strerror(-r.rotate_error));
		log_end(&l);
	}
	if (!err && base && size)
		snprintf(base, size, "%s", r.base);
	return err;
}

bool library_cooldown_over(void)
{
	pthread_mutex_lock(&ctx_lock);
	bool over = cooldown_over(&ctx.cooldown, library_now_ms(), ctx.opts.cooldown_ms);
	pthread_mutex_unlock(&ctx_lock);
	return over;
}

void library_dump(enum oomsentry_level level, int signo)
{
	pthread_mutex_lock(&ctx_lock);
	dump_locked(level, signo, true, NULL, 0);
	pthread_mutex_unlock(&ctx_lock);
}

/* ------------------------------------------------------------------------
 * Installation.
 * ------------------------------------------------------------------------ */
static void log_installed(const char *mode)
{
	struct log_line l;
	char w[16], c[16], aw[16], ac[16];
	if (!log_begin(&l, LOG_INFO, "oomsentry_installed"))
		return;
	log_str(&l, "mode", mode);
	log_str(&l, "dir", ctx.dir);
	log_str(&l, "warning_signal", library_sig_name(ctx.opts.warning_signal, w, sizeof w));
	log_str(&l, "critical_signal", library_sig_name(ctx.opts.critical_signal, c, sizeof c));
	log_str(&l, "on_warning", opt_format_actions(ctx.opts.on_warning, aw, sizeof aw));
	log_str(&l, "on_critical", opt_format_actions(ctx.opts.on_critical, ac, sizeof ac));
	log_uint(&l, "cooldown_ms", ctx.opts.cooldown_ms);
	log_uint(&l, "max_dumps", ctx.opts.max_dumps);
	log_str(&l, "allocator", alloc_name(ctx.alloc.kind));
	if (ctx.opts.threshold_pct > 0) {
		log_dec1(&l, "threshold_pct", ctx.opts.threshold_pct);
		log_uint(&l, "interval_ms", ctx.opts.interval_ms);
	}
	log_end(&l);
	if (ctx.opts.threshold_pct > 0 && ctx.cg_error &&
	    log_begin(&l, LOG_ERROR, "oomsentry_watchdog_disabled")) {
		log_str(&l, "reason", "memory cgroup not readable");
		log_errno(&l, -ctx.cg_error);
		log_end(&l);
	}
}

int library_install(const struct oomsentry_options *o, const char *mode)
{
	char err[OPT_ERR_MAX];
	int r;
	if (opt_validate(o, err, sizeof err)) {
		fprintf(stderr, "oomsentry: %s; handlers not installed\n", err);
		return -EINVAL;
	}
	pthread_mutex_lock(&ctx_lock);
	if (ctx.installed) {
		pthread_mutex_unlock(&ctx_lock);
		return -EALREADY;
	}
	prepare(o);
	int fds[2];
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	sighandler_set_pipe(fds[1]);
	static bool atfork_registered;
	if (!atfork_registered && pthread_atfork(NULL, NULL, sighandler_forked_child) == 0)
		atfork_registered = true;
	struct worker_setup ws = {
		.opts = &ctx.opts,
		.alloc = &ctx.alloc,
		.cg = ctx.cg_error ? NULL : &ctx.cg,
		.pipe_rd = fds[0],
	};
	if ((r = worker_start(&ws))) {
		close(fds[0]);
		close(fds[1]);
		sighandler_set_pipe(-1);
		goto out;
	}
	ctx.installed = true;
	/* Handlers last: the pipe and its reader exist before any byte can come. */
	if ((r = sighandler_install(ctx.opts.warning_signal)) ||
	    (r = sighandler_install(ctx.opts.critical_signal)))
		goto out;
	log_installed(mode);
out:
	if (r) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "oomsentry_install_failed")) {
			log_errno(&l, -r);
			log_end(&l);
		}
	}
	pthread_mutex_unlock(&ctx_lock);
	return r;
}

/* ------------------------------------------------------------------------
 * Public API.
 * ------------------------------------------------------------------------ */
OOMSENTRY_API void oomsentry_options_init(struct oomsentry_options *opts)
{
	opt_defaults(opts);
}

OOMSENTRY_API int oomsentry_options_from_env(struct oomsentry_options *opts)
{
	return envconfig_overlay(opts, "");
}

OOMSENTRY_API int oomsentry_init(const struct oomsentry_options *opts)
{
	struct oomsentry_options o;
	if (!opts) {
		if (envconfig_load(&o, "; handlers not installed"))
			return -EINVAL;
		opts = &o;
	}
	return library_install(opts, "link");
}

OOMSENTRY_API int oomsentry_on_warning(oomsentry_callback cb, void *arg)
{
	return callbacks_add(OOMSENTRY_LEVEL_WARNING, cb, arg);
}

OOMSENTRY_API int oomsentry_on_critical(oomsentry_callback cb, void *arg)
{
	return callbacks_add(OOMSENTRY_LEVEL_CRITICAL, cb, arg);
}

OOMSENTRY_API int oomsentry_dump(char *base, size_t size)
{
	int r = 0;
	pthread_mutex_lock(&ctx_lock);
	if (!ctx.prepared) {
		struct oomsentry_options o;
		r = envconfig_load(&o, "");
		if (!r)
			prepare(&o);
	}
	if (!r)
		r = dump_locked(OOMSENTRY_LEVEL_MANUAL, 0, false, base, size);
	pthread_mutex_unlock(&ctx_lock);
	return r;
}
