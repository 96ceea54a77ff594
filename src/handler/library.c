/* library: the public API, the signal handler, the worker thread and the
 * preload constructor. Everything that acts lives in the other modules. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "allocator.h"
#include "cgroup.h"
#include "dump.h"
#include "dumpname.h"
#include "log.h"
#include "oomsentry.h"
#include "options.h"
#include "signame.h"
#include "trigger.h"

#define MAX_CALLBACKS 8
/* Enough for jemalloc's and glibc's reports and our own fixed buffers
 * (summary, directory scans); only the touched pages cost memory. */
#define WORKER_STACK_BYTES (1u << 20)

/* --- state read by the signal handler: written before it is installed --- */
static int pipe_wr = -1;
static volatile sig_atomic_t in_forked_child;
static struct sigaction chained[_NSIG];

/* --- everything else --- */
struct callback {
	oomsentry_callback fn;
	void *arg;
};

static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static struct callback warning_cbs[MAX_CALLBACKS], critical_cbs[MAX_CALLBACKS];
static int n_warning_cbs, n_critical_cbs;

/* ctx_lock serialises init, on-demand dumps and worker dumps. */
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
	int pipe_rd;
} ctx;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------
 * The signal handler: save errno, one byte into the pipe, restore errno,
 * chain to the handler the app had. Nothing else runs in signal context.
 * ------------------------------------------------------------------------ */
static void chain(int signo, siginfo_t *info, void *uctx)
{
	const struct sigaction *old = &chained[signo];
	if (old->sa_flags & SA_SIGINFO) {
		if (old->sa_sigaction)
			old->sa_sigaction(signo, info, uctx);
	} else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
		old->sa_handler(signo);
	}
}

static void on_signal(int signo, siginfo_t *info, void *uctx)
{
	int saved = errno;
	/* After fork() the pipe is shared with the parent, whose worker would
	 * dump the parent for the child's signal: a child stays silent. */
	if (!in_forked_child) {
		unsigned char byte = (unsigned char)signo;
		ssize_t r = write(pipe_wr, &byte, 1); /* non-blocking: a full pipe already wakes the worker */
		(void)r;
	}
	errno = saved;
	chain(signo, info, uctx);
	errno = saved;
}

static void mark_forked_child(void)
{
	in_forked_child = 1;
}

/* ------------------------------------------------------------------------
 * Logging helpers (worker thread and init only).
 * ------------------------------------------------------------------------ */
static const char *sig_name(int signo, char *buf, size_t size)
{
	return signo ? signame_format(signo, buf, size) : "none";
}

static uint64_t vm_rss_kib(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *p = strstr(buf, "\nVmRSS:");
	return p ? strtoull(p + 7, NULL, 10) : 0;
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

static int prepare_from_env(void)
{
	struct oomsentry_options o;
	int err = oomsentry_options_from_env((oomsentry_options_init(&o), &o));
	if (!err)
		prepare(&o);
	return err;
}

/* ------------------------------------------------------------------------
 * Dumps.
 * ------------------------------------------------------------------------ */
static int dump_locked(enum oomsentry_level level, int signo, bool honor_cooldown, char *base,
		       size_t size)
{
	char sig[16];
	uint64_t start = now_ms();
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
	uint64_t took = now_ms() - start;
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
			log_str(&l, "signal", sig_name(signo, sig, sizeof sig));
			log_str(&l, "stage", r.stage);
			log_str(&l, "dir", ctx.dir);
			log_errno(&l, -err);
			log_end(&l);
		}
	} else if (log_begin(&l, LOG_INFO, "oomsentry_dump")) {
		log_str(&l, "memory_level", dumpname_level(level));
		log_str(&l, "signal", sig_name(signo, sig, sizeof sig));
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

static int run_callbacks(enum oomsentry_level level)
{
	struct callback copy[MAX_CALLBACKS];
	int n;
	bool warning = level == OOMSENTRY_LEVEL_WARNING;
	/* Called without the lock, so a callback may register callbacks. */
	pthread_mutex_lock(&cb_lock);
	n = warning ? n_warning_cbs : n_critical_cbs;
	memcpy(copy, warning ? warning_cbs : critical_cbs, (size_t)n * sizeof *copy);
	pthread_mutex_unlock(&cb_lock);
	for (int i = 0; i < n; i++)
		copy[i].fn(level, copy[i].arg);
	return n;
}

/* One warning or critical event: callbacks, then the configured actions.
 * Callbacks first: they may save the process (shed caches), a dump cannot. */
static void handle_level(enum oomsentry_level level, int signo, unsigned coalesced)
{
	unsigned actions = level == OOMSENTRY_LEVEL_WARNING ? ctx.opts.on_warning
							    : ctx.opts.on_critical;
	int ncb = run_callbacks(level);
	uint64_t rss_before = 0, rss_after = 0;
	int trim_err = 0;
	if (actions & OOMSENTRY_ACTION_TRIM) {
		rss_before = vm_rss_kib();
		trim_err = alloc_trim(&ctx.alloc);
		rss_after = vm_rss_kib();
	}
	struct log_line l;
	char sig[16], act[16];
	if (log_begin(&l, LOG_INFO, "oomsentry_signal")) {
		log_str(&l, "memory_level", dumpname_level(level));
		log_str(&l, "signal", sig_name(signo, sig, sizeof sig));
		log_str(&l, "actions", opt_format_actions(actions, act, sizeof act));
		log_int(&l, "callbacks", ncb);
		if (coalesced)
			log_uint(&l, "coalesced", coalesced);
		if (actions & OOMSENTRY_ACTION_TRIM) {
			log_str(&l, "allocator", alloc_name(ctx.alloc.kind));
			log_uint(&l, "rss_kib_before", rss_before);
			log_uint(&l, "rss_kib_after", rss_after);
			if (trim_err)
				log_errno(&l, -trim_err);
		}
		log_end(&l);
	}
	if (actions & OOMSENTRY_ACTION_DUMP) {
		pthread_mutex_lock(&ctx_lock);
		dump_locked(level, signo, true, NULL, 0);
		pthread_mutex_unlock(&ctx_lock);
	}
}

/* ------------------------------------------------------------------------
 * The worker thread: sleeps in poll() on the pipe (and, with the watchdog,
 * wakes every interval to read two cgroup files).
 * ------------------------------------------------------------------------ */
struct pending {
	unsigned warning, critical;
};

/* Reads every byte in the pipe; returns how many. */
static unsigned drain(int fd, struct pending *p)
{
	unsigned char buf[64];
	unsigned total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == ctx.opts.warning_signal)
				p->warning++;
			else if (buf[i] == ctx.opts.critical_signal)
				p->critical++;
		}
		total += n > 0 ? (unsigned)n : 0;
	}
	return total;
}

static void watchdog_sample(struct watchdog *wd, bool *warned_unlimited)
{
	struct cg_sample s;
	uint64_t limit;
	bool unlimited;
	struct log_line l;
	int err = cg_read_sample(&ctx.cg, true, &s);
	if (!err)
		err = cg_read_limit(&ctx.cg, &limit, &unlimited);
	if (err) {
		if (log_begin(&l, LOG_ERROR, "oomsentry_watchdog_read_failed")) {
			log_errno(&l, -err);
			log_end(&l);
		}
		return;
	}
	if (unlimited) {
		if (!*warned_unlimited && log_begin(&l, LOG_WARN, "oomsentry_watchdog_idle")) {
			log_str(&l, "reason", "the cgroup has no memory limit");
			log_end(&l);
		}
		*warned_unlimited = true;
		return;
	}
	bool above = trigger_above(s.working_set_bytes, limit, false, ctx.opts.threshold_pct);
	pthread_mutex_lock(&ctx_lock);
	bool over = cooldown_over(&ctx.cooldown, now_ms(), ctx.opts.cooldown_ms);
	pthread_mutex_unlock(&ctx_lock);
	enum watchdog_verdict v = watchdog_step(wd, above, over);
	if (v != WATCHDOG_DUMP)
		return;
	if (log_begin(&l, LOG_WARN, "oomsentry_threshold")) {
		log_uint(&l, "working_set_bytes", s.working_set_bytes);
		log_uint(&l, "limit_bytes", limit);
		log_dec1(&l, "working_set_pct", 100.0 * (double)s.working_set_bytes / (double)limit);
		log_dec1(&l, "threshold_pct", ctx.opts.threshold_pct);
		log_end(&l);
	}
	run_callbacks(OOMSENTRY_LEVEL_THRESHOLD);
	pthread_mutex_lock(&ctx_lock);
	dump_locked(OOMSENTRY_LEVEL_THRESHOLD, 0, true, NULL, 0);
	pthread_mutex_unlock(&ctx_lock);
}

static void *worker_main(void *unused)
{
	(void)unused;
	bool watch = ctx.opts.threshold_pct > 0 && ctx.cg_error == 0;
	bool warned_unlimited = false;
	struct watchdog wd = {false};
	uint64_t next_sample = now_ms();
	struct pollfd pfd = {.fd = ctx.pipe_rd, .events = POLLIN};
	for (;;) {
		int timeout = -1;
		if (watch) {
			uint64_t now = now_ms();
			timeout = next_sample > now ? (int)(next_sample - now) : 0;
		}
		int n = poll(&pfd, 1, timeout);
		if (n > 0) {
			struct pending p = {0, 0};
			drain(ctx.pipe_rd, &p);
			/* Critical first: when both are queued it is the urgent one. */
			if (p.critical)
				handle_level(OOMSENTRY_LEVEL_CRITICAL, ctx.opts.critical_signal,
					     p.critical - 1);
			if (p.warning)
				handle_level(OOMSENTRY_LEVEL_WARNING, ctx.opts.warning_signal,
					     p.warning - 1);
			/* Signals that arrived while we were busy are coalesced into the
			 * work just done. */
			struct pending late = {0, 0};
			unsigned k = drain(ctx.pipe_rd, &late);
			struct log_line l;
			if (k && log_begin(&l, LOG_INFO, "oomsentry_coalesced")) {
				log_uint(&l, "warning", late.warning);
				log_uint(&l, "critical", late.critical);
				log_end(&l);
			}
		}
		if (watch && now_ms() >= next_sample) {
			watchdog_sample(&wd, &warned_unlimited);
			next_sample = now_ms() + ctx.opts.interval_ms;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Installation.
 * ------------------------------------------------------------------------ */
static int install_handler(int signo)
{
	if (!signo)
		return 0;
	/* Read the old action first: a signal arriving between installing ours
	 * and storing the old one would otherwise not be chained. */
	if (sigaction(signo, NULL, &chained[signo]) < 0)
		return -errno;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_mask = chained[signo].sa_mask;
	/* Keep the flags the app chose that still make sense for a chained
	 * handler; restart interrupted system calls unless the app had a
	 * handler without SA_RESTART. */
	bool had_handler = (chained[signo].sa_flags & SA_SIGINFO) ||
			   (chained[signo].sa_handler != SIG_DFL && chained[signo].sa_handler != SIG_IGN);
	sa.sa_flags = SA_SIGINFO | (chained[signo].sa_flags & (SA_ONSTACK | SA_NODEFER)) |
		      (had_handler ? (chained[signo].sa_flags & SA_RESTART) : SA_RESTART);
	return sigaction(signo, &sa, NULL) < 0 ? -errno : 0;
}

static int start_worker(void)
{
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;
	int err;
	if ((err = pthread_attr_init(&attr)))
		return -err;
	size_t stack = WORKER_STACK_BYTES;
	if (stack < (size_t)PTHREAD_STACK_MIN)
		stack = (size_t)PTHREAD_STACK_MIN;
	pthread_attr_setstacksize(&attr, stack);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* The worker inherits this mask: every signal blocked, so the app's
	 * signals are never delivered to our thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&tid, &attr, worker_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		return -err;
	pthread_setname_np(tid, "oomsentry");
	return 0;
}

static void log_installed(const char *mode)
{
	struct log_line l;
	char w[16], c[16], aw[16], ac[16];
	if (!log_begin(&l, LOG_INFO, "oomsentry_installed"))
		return;
	log_str(&l, "mode", mode);
	log_str(&l, "dir", ctx.dir);
	log_str(&l, "warning_signal", sig_name(ctx.opts.warning_signal, w, sizeof w));
	log_str(&l, "critical_signal", sig_name(ctx.opts.critical_signal, c, sizeof c));
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

static int install(const struct oomsentry_options *o, const char *mode)
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
	ctx.pipe_rd = fds[0];
	pipe_wr = fds[1];
	static bool atfork_registered;
	if (!atfork_registered && pthread_atfork(NULL, NULL, mark_forked_child) == 0)
		atfork_registered = true;
	if ((r = start_worker())) {
		close(fds[0]);
		close(fds[1]);
		pipe_wr = -1;
		goto out;
	}
	ctx.installed = true;
	/* Handlers last: the pipe and its reader exist before any byte can come. */
	if ((r = install_handler(ctx.opts.warning_signal)) ||
	    (r = install_handler(ctx.opts.critical_signal)))
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

static const char *real_getenv(const char *name, void *unused)
{
	(void)unused;
	return getenv(name);
}

OOMSENTRY_API int oomsentry_options_from_env(struct oomsentry_options *opts)
{
	char err[OPT_ERR_MAX];
	int r = opt_from_env(opts, real_getenv, NULL, err, sizeof err);
	if (r)
		fprintf(stderr, "oomsentry: %s\n", err);
	return r;
}

OOMSENTRY_API int oomsentry_init(const struct oomsentry_options *opts)
{
	struct oomsentry_options o;
	char err[OPT_ERR_MAX];
	if (!opts) {
		oomsentry_options_init(&o);
		if (opt_from_env(&o, real_getenv, NULL, err, sizeof err)) {
			fprintf(stderr, "oomsentry: %s; handlers not installed\n", err);
			return -EINVAL;
		}
		opts = &o;
	}
	return install(opts, "link");
}

static int add_callback(struct callback *list, int *n, oomsentry_callback cb, void *arg)
{
	int r = 0;
	pthread_mutex_lock(&cb_lock);
	if (!cb)
		*n = 0;
	else if (*n == MAX_CALLBACKS)
		r = -ENOSPC;
	else
		list[(*n)++] = (struct callback){cb, arg};
	pthread_mutex_unlock(&cb_lock);
	return r;
}

OOMSENTRY_API int oomsentry_on_warning(oomsentry_callback cb, void *arg)
{
	return add_callback(warning_cbs, &n_warning_cbs, cb, arg);
}

OOMSENTRY_API int oomsentry_on_critical(oomsentry_callback cb, void *arg)
{
	return add_callback(critical_cbs, &n_critical_cbs, cb, arg);
}

OOMSENTRY_API int oomsentry_dump(char *base, size_t size)
{
	int r = 0;
	pthread_mutex_lock(&ctx_lock);
	if (!ctx.prepared)
		r = prepare_from_env();
	if (!r)
		r = dump_locked(OOMSENTRY_LEVEL_MANUAL, 0, false, base, size);
	pthread_mutex_unlock(&ctx_lock);
	return r;
}

/* ------------------------------------------------------------------------
 * Preload mode: when this very file is named in LD_PRELOAD, install from the
 * environment before main(). When the app merely links the library, it calls
 * oomsentry_init itself and the constructor does nothing.
 * ------------------------------------------------------------------------ */
static bool loaded_by_ld_preload(void)
{
	const char *list = getenv("LD_PRELOAD");
	Dl_info self;
	struct stat me;
	if (!list || !dladdr((void *)loaded_by_ld_preload, &self) || !self.dli_fname ||
	    stat(self.dli_fname, &me) < 0)
		return false;
	/* LD_PRELOAD separates entries with blanks or colons. */
	char entry[PATH_MAX];
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ": \t");
		if (n > 0 && n < sizeof entry) {
			struct stat st;
			memcpy(entry, p, n);
			entry[n] = '\0';
			if (strchr(entry, '/') && stat(entry, &st) == 0 && st.st_dev == me.st_dev &&
			    st.st_ino == me.st_ino)
				return true;
			/* A bare name is searched for in the library path: compare names. */
			const char *mine = strrchr(self.dli_fname, '/');
			if (!strchr(entry, '/') && strcmp(entry, mine ? mine + 1 : self.dli_fname) == 0)
				return true;
		}
		p += n;
		p += strspn(p, ": \t");
	}
	return false;
}

__attribute__((constructor)) static void preload_constructor(void)
{
	if (!loaded_by_ld_preload())
		return;
	struct oomsentry_options o;
	char err[OPT_ERR_MAX];
	oomsentry_options_init(&o);
	/* A bad value must never take the host app down: say so and stay out. */
	if (opt_from_env(&o, real_getenv, NULL, err, sizeof err)) {
		fprintf(stderr, "oomsentry: %s; preload: handlers not installed, the app runs without them\n", err);
		return;
	}
	install(&o, "preload");
}
