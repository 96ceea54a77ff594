#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callbacks.h"
#include "dumpname.h"
#include "library.h"
#include "log.h"
#include "options.h"
#include "trigger.h"

/* Enough for jemalloc's and glibc's reports and our own fixed buffers
 * (summary, directory scans); only the touched pages cost memory. */
#define WORKER_STACK_BYTES (1u << 20)

static struct worker_setup w;

static uint64_t vm_rss_kib(void)
{
	char buf[4096];
	if (cg_read_text_file(AT_FDCWD, "/proc/self/status", buf, sizeof buf) <= 0)
		return 0;
	const char *p = strstr(buf, "\nVmRSS:");
	return p ? strtoull(p + 7, NULL, 10) : 0;
}

/* One warning or critical event: callbacks, then the configured actions.
 * Callbacks first: they may save the process (shed caches), a dump cannot. */
static void handle_level(enum oomsentry_level level, int signo, unsigned coalesced)
{
	unsigned actions = level == OOMSENTRY_LEVEL_WARNING ? w.opts->on_warning
							    : w.opts->on_critical;
	int ncb = callbacks_run(level);
	uint64_t rss_before = 0, rss_after = 0;
	int trim_err = 0;
	if (actions & OOMSENTRY_ACTION_TRIM) {
		rss_before = vm_rss_kib();
		trim_err = alloc_trim(w.alloc);
		rss_after = vm_rss_kib();
	}
	struct log_line l;
	char sig[16], act[16];
	if (log_begin(&l, LOG_INFO, "oomsentry_signal")) {
		log_str(&l, "memory_level", dumpname_level(level));
		log_str(&l, "signal", library_sig_name(signo, sig, sizeof sig));
		log_str(&l, "actions", opt_format_actions(actions, act, sizeof act));
		log_int(&l, "callbacks", ncb);
		if (coalesced)
			log_uint(&l, "coalesced", coalesced);
		if (actions & OOMSENTRY_ACTION_TRIM) {
			log_str(&l, "allocator", alloc_name(w.alloc->kind));
			log_uint(&l, "rss_kib_before", rss_before);
			log_uint(&l, "rss_kib_after", rss_after);
			if (trim_err)
				log_errno(&l, -trim_err);
		}
		log_end(&l);
	}
	if (actions & OOMSENTRY_ACTION_DUMP)
		library_dump(level, signo);
}

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
			if (buf[i] == w.opts->warning_signal)
				p->warning++;
			else if (buf[i] == w.opts->critical_signal)
				p->critical++;
		}
		total += n > 0 ? (unsigned)n : 0;
	}
	return total;
}

static void handle_pipe(void)
{
	struct pending p = {0, 0};
	drain(w.pipe_rd, &p);
	/* Critical first: when both are queued it is the urgent one. */
	if (p.critical)
		handle_level(OOMSENTRY_LEVEL_CRITICAL, w.opts->critical_signal, p.critical - 1);
	if (p.warning)
		handle_level(OOMSENTRY_LEVEL_WARNING, w.opts->warning_signal, p.warning - 1);
	/* Signals that arrived while we were busy are coalesced into the work
	 * just done. */
	struct pending late = {0, 0};
	unsigned k = drain(w.pipe_rd, &late);
	struct log_line l;
	if (k && log_begin(&l, LOG_INFO, "oomsentry_coalesced")) {
		log_uint(&l, "warning", late.warning);
		log_uint(&l, "critical", late.critical);
		log_end(&l);
	}
}

static void watchdog_sample(struct watchdog *wd, bool *warned_unlimited)
{
	struct cg_sample s;
	uint64_t limit;
	bool unlimited;
	struct log_line l;
	int err = cg_read_sample(w.cg, true, &s);
	if (!err)
		err = cg_read_limit(w.cg, &limit, &unlimited);
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
	bool above = trigger_above(s.working_set_bytes, limit, false, w.opts->threshold_pct);
	if (watchdog_step(wd, above, library_cooldown_over()) != WATCHDOG_DUMP)
		return;
	if (log_begin(&l, LOG_WARN, "oomsentry_threshold")) {
		log_uint(&l, "working_set_bytes", s.working_set_bytes);
		log_uint(&l, "limit_bytes", limit);
		log_dec1(&l, "working_set_pct", 100.0 * (double)s.working_set_bytes / (double)limit);
		log_dec1(&l, "threshold_pct", w.opts->threshold_pct);
		log_end(&l);
	}
	callbacks_run(OOMSENTRY_LEVEL_THRESHOLD);
	library_dump(OOMSENTRY_LEVEL_THRESHOLD, 0);
}

static void *worker_main(void *unused)
{
	(void)unused;
	bool watch = w.opts->threshold_pct > 0 && w.cg;
	bool warned_unlimited = false;
	struct watchdog wd = {false};
	uint64_t next_sample = library_now_ms();
	struct pollfd pfd = {.fd = w.pipe_rd, .events = POLLIN};
	for (;;) {
		int timeout = -1;
		if (watch) {
			uint64_t now = library_now_ms();
			timeout = next_sample > now ? (int)(next_sample - now) : 0;
		}
		if (poll(&pfd, 1, timeout) > 0)
			handle_pipe();
		if (watch && library_now_ms() >= next_sample) {
			watchdog_sample(&wd, &warned_unlimited);
			next_sample = library_now_ms() + w.opts->interval_ms;
		}
	}
	return NULL;
}

int worker_start(const struct worker_setup *s)
{
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;
	int err;
	w = *s;
	if ((err = pthread_attr_init(&attr)))
		return -err;
	size_t stack = WORKER_STACK_BYTES;
	if (stack < (size_t)PTHREAD_STACK_MIN)
		stack = (size_t)PTHREAD_STACK_MIN;
	pthread_attr_setstacksize(&attr, stack);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* The worker inherits this mask. */
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
