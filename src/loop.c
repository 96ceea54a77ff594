#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "log.h"
#include "settings.h"
#include "sidecar_metrics.h"
#include "watch.h"

int loop_add_fd(int epfd, int fd, uint32_t events, enum loop_tag tag, uint32_t id)
{
	struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)tag << 32 | id};
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

uint64_t loop_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* One-shot, at an absolute monotonic time: each container keeps its own
 * schedule and the timer always points at the earliest. */
static int arm_timer_at(int fd, uint64_t at_us)
{
	struct itimerspec its = {
		.it_value = {(time_t)(at_us / 1000000), (long)(at_us % 1000000) * 1000},
	};
	if (at_us == 0)
		its.it_value.tv_nsec = 1; /* zero would disarm */
	return timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ? -errno : 0;
}

static void rearm(struct loop *lp)
{
	uint64_t next = watch_next_deadline(lp->w);
	if (lp->next_rescan_us < next)
		next = lp->next_rescan_us;
	if (lp->config_check_us && lp->config_check_us < next)
		next = lp->config_check_us;
	if (lp->metrics) {
		uint64_t m = sidecar_metrics_next_deadline(lp->metrics);
		if (m < next)
			next = m;
	}
	arm_timer_at(lp->timerfd, next);
}

int loop_init(struct loop *lp, int epfd, int sigfd, struct settings *s, const struct cli *cli,
	      char *const *envp, struct watch *w)
{
	memset(lp, 0, sizeof *lp);
	lp->epfd = epfd;
	lp->sigfd = sigfd;
	lp->s = s;
	lp->cli = cli;
	lp->envp = envp;
	lp->w = w;
	lp->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (lp->timerfd < 0)
		return -errno;
	int r = loop_add_fd(epfd, sigfd, EPOLLIN, LOOP_TAG_SIGNAL, 0);
	if (!r)
		r = loop_add_fd(epfd, lp->timerfd, EPOLLIN, LOOP_TAG_TIMER, 0);
	if (r)
		return r;
	lp->cw.fd = -1;
	const char *path = settings_config_path(cli, envp);
	if (path) {
		int fd = config_watch_open(&lp->cw, path);
		if (fd < 0 || loop_add_fd(epfd, fd, EPOLLIN, LOOP_TAG_CONFIG, 0) < 0) {
			config_watch_close(&lp->cw);
			struct log_line l;
			if (log_begin(&l, LOG_WARN, "config_unwatched")) {
				log_str(&l, "config", path);
				log_errno(&l, fd < 0 ? -fd : errno);
				log_str(&l, "effect", "the file is read again on SIGHUP only");
				log_end(&l);
			}
		}
	}
	lp->next_rescan_us = loop_now_us() + s->rescan_interval_us;
	rearm(lp);
	return 0;
}

static void log_warning(void *ctx, const char *setting, const char *value, const char *why)
{
	(void)ctx;
	struct log_line l;
	if (log_begin(&l, LOG_WARN, "setting_warning")) {
		log_str(&l, "setting", setting);
		log_str(&l, "value", value);
		log_str(&l, "why", why);
		log_end(&l);
	}
}

void loop_warn_settings(const struct settings *s)
{
	settings_warnings(s, log_warning, NULL);
}

struct changes {
	unsigned n;
};

static void log_change(void *ctx, const char *key, const char *from, const char *to)
{
	struct changes *c = ctx;
	c->n++;
	struct log_line l;
	if (log_begin(&l, LOG_INFO, "setting_changed")) {
		log_str(&l, "setting", key);
		log_str(&l, "from", from);
		log_str(&l, "to", to);
		log_end(&l);
	}
}

/* SIGHUP or a changed file: read the file again; keep the old settings if
 * the new ones fail. trigger: "sighup" or "file_change". */
static void reload(struct loop *lp, const char *trigger)
{
	/* What is about to be read counts as loaded: a change made while it
	 * is read wakes us again and differs from it. */
	if (lp->cw.fd >= 0)
		config_watch_loaded(&lp->cw);
	char err[SETTINGS_ERR_MAX];
	struct settings next;
	if (settings_resolve(&next, lp->cli, lp->envp, err, sizeof err)) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "reload_failed")) {
			log_str(&l, "trigger", trigger);
			log_str(&l, "problem", err);
			log_str(&l, "effect", "keeping the previous settings");
			log_end(&l);
		}
		return;
	}
	/* The /proc root is where everything we hold came from: not reloadable. */
	memcpy(next.proc_root, lp->s->proc_root, sizeof next.proc_root);
	/* The listener stays as it is: closing it would drop scrapes and
	 * probes, and a new address that cannot be bound would leave none. */
	if (strcmp(next.metrics_addr, lp->s->metrics_addr) != 0) {
		struct log_line l;
		if (log_begin(&l, LOG_WARN, "setting_not_reloaded")) {
			log_str(&l, "setting", "METRICS_ADDR");
			log_str(&l, "value", next.metrics_addr);
			log_str(&l, "kept", lp->s->metrics_addr);
			log_str(&l, "why", "the listener's address changes only with a restart");
			log_end(&l);
		}
		memcpy(next.metrics_addr, lp->s->metrics_addr, sizeof next.metrics_addr);
	}
	struct settings before = *lp->s;
	*lp->s = next;
	log_configure(lp->s->log_level, lp->s->log_format);
	watch_set_settings(lp->w, lp->s);
	struct changes c = {0};
	settings_each_change(&before, lp->s, log_change, &c);
	loop_warn_settings(lp->s);
	struct log_line l;
	if (log_begin(&l, LOG_INFO, "reloaded")) {
		const char *path = settings_config_path(lp->cli, lp->envp);
		log_str(&l, "config", path ? path : "none");
		log_str(&l, "trigger", trigger);
		log_uint(&l, "changed", c.n);
		log_end(&l);
	}
}

/* Returns 1 to stop, 0 to go on. */
static int on_signal(struct loop *lp)
{
	struct signalfd_siginfo si;
	for (;;) {
		ssize_t n = read(lp->sigfd, &si, sizeof si);
		if (n != (ssize_t)sizeof si)
			return 0;
		if (si.ssi_signo == SIGHUP) {
			reload(lp, "sighup");
		} else {
			struct log_line l;
			if (log_begin(&l, LOG_INFO, "stop")) {
				log_str(&l, "signal", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
				log_end(&l);
			}
			return 1;
		}
	}
}

static void on_timer(struct loop *lp)
{
	/* Only clears the expiration; what is due is decided by the clock. */
	uint64_t expirations;
	(void)!read(lp->timerfd, &expirations, sizeof expirations);
	uint64_t now = loop_now_us();
	if (lp->metrics) {
		sidecar_metrics_loop_ran(lp->metrics, now);
		if (now >= sidecar_metrics_next_deadline(lp->metrics))
			sidecar_metrics_expire(lp->metrics, now);
	}
	if (lp->config_check_us && now >= lp->config_check_us) {
		lp->config_check_us = 0;
		if (config_watch_changed(&lp->cw))
			reload(lp, "file_change");
	}
	if (now >= lp->next_rescan_us) {
		int r = watch_rescan(lp->w, now);
		if (r) {
			struct log_line l;
			if (log_begin(&l, LOG_ERROR, "rescan_failed")) {
				log_str(&l, "proc_root", lp->s->proc_root);
				log_errno(&l, -r);
				log_end(&l);
			}
		}
		lp->next_rescan_us = now + lp->s->rescan_interval_us;
	}
	watch_tick(lp->w, now);
}

int loop_run(struct loop *lp)
{
	struct epoll_event evs[64];
	for (;;) {
		int n = epoll_wait(lp->epfd, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			uint32_t id = (uint32_t)(evs[i].data.u64 & 0xffffffffu);
			switch ((enum loop_tag)(evs[i].data.u64 >> 32)) {
			case LOOP_TAG_SIGNAL:
				if (on_signal(lp))
					return 0;
				break;
			case LOOP_TAG_TIMER:
				on_timer(lp);
				break;
			case LOOP_TAG_PIDFD:
				watch_process_exited(lp->w, (pid_t)id, loop_now_us());
				break;
			case LOOP_TAG_CGROUP_EVENT:
				watch_cgroup_event(lp->w, id, loop_now_us());
				break;
			case LOOP_TAG_JOB: {
				struct job_result res;
				if (action_job_done(lp->s, id, &res))
					watch_job_result(lp->w, &res);
				break;
			}
			case LOOP_TAG_METRICS:
				sidecar_metrics_service(lp->metrics, loop_now_us());
				break;
			case LOOP_TAG_CONFIG:
				/* Looked at once the burst of an update is over. */
				config_watch_drain(&lp->cw);
				lp->config_check_us = loop_now_us() + CONFIG_WATCH_SETTLE_US;
				break;
			}
		}
		rearm(lp);
	}
}
