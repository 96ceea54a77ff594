/* metrics_srv: the metrics listener in a loop shaped like the sidecar's, for
 * tests/e2e/metrics_abuse.sh.
 *
 *   metrics_srv ADDR [--tick-ms N]
 *
 * One epoll set holds a signalfd (TERM, INT), a timerfd ticking every N ms
 * (default 5: it stands for the watch loop's reads) and the listener's own
 * epoll fd. Each tick records the gap since the previous one: a listener
 * that made the loop wait would show as a long gap. The page has the tick
 * count, the longest gap, the tick interval, the longest service call in
 * wall time and in CPU time (the listener's own work, whatever the
 * scheduler does) and the listener's counters; a gap over 10 ticks is also
 * logged to stderr as "tick_gap_ms=G ended=UNIX_SECONDS.MMM".
 * /healthz is 503 when no tick came for 100 intervals.
 *
 * Prints "listening PORT" when ready (ADDR may have port 0: the kernel's
 * choice). On SIGTERM or SIGINT prints "max_tick_gap_ms=... max_service_ms=..." and
 * the listener's counters, and exits 0. Exit 1: a runtime failure; 2: bad
 * usage or address. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "metrics_http.h"
#include "promtext.h"

enum { KEY_SIGNAL = 1, KEY_TIMER, KEY_METRICS };

struct srv {
	struct metrics_http *http;
	uint64_t tick_us;
	uint64_t ticks;
	uint64_t last_tick_us; /* 0: none yet */
	uint64_t max_gap_us;
	uint64_t max_service_us;     /* the longest metrics_http_service call */
	uint64_t max_service_cpu_us; /* ... in CPU time: its own work, preemption aside */
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int render(struct promtext *page, void *ctx)
{
	const struct srv *s = ctx;
	struct metrics_http_stats st;
	metrics_http_stats(s->http, &st);
	int r = promtext_family(page, "metrics_srv_ticks_total", PROMTEXT_COUNTER,
				"Ticks of the loop's timer handled.");
	if (r == 0)
		r = promtext_sample_u64(page, "metrics_srv_ticks_total", NULL, 0, s->ticks);
	if (r == 0)
		r = promtext_family(page, "metrics_srv_tick_gap_max_seconds", PROMTEXT_GAUGE,
				    "The longest time between two ticks handled.");
	if (r == 0)
		r = promtext_sample_f64(page, "metrics_srv_tick_gap_max_seconds", NULL, 0,
					(double)s->max_gap_us / 1e6);
	if (r == 0)
		r = promtext_family(page, "metrics_srv_tick_interval_seconds", PROMTEXT_GAUGE,
				    "The timer's period.");
	if (r == 0)
		r = promtext_sample_f64(page, "metrics_srv_tick_interval_seconds", NULL, 0,
					(double)s->tick_us / 1e6);
	if (r == 0)
		r = promtext_family(page, "metrics_srv_service_max_seconds", PROMTEXT_GAUGE,
				    "The longest metrics_http_service call.");
	if (r == 0)
		r = promtext_sample_f64(page, "metrics_srv_service_max_seconds", NULL, 0,
					(double)s->max_service_us / 1e6);
	if (r == 0)
		r = promtext_family(page, "metrics_srv_service_cpu_max_seconds", PROMTEXT_GAUGE,
				    "The most CPU time one metrics_http_service call took.");
	if (r == 0)
		r = promtext_sample_f64(page, "metrics_srv_service_cpu_max_seconds", NULL, 0,
					(double)s->max_service_cpu_us / 1e6);
	if (r == 0)
		r = metrics_http_stats_page(&st, page);
	return r;
}

static bool healthy(void *ctx, char *why, size_t whysz)
{
	const struct srv *s = ctx;
	uint64_t now = now_us();
	if (s->last_tick_us && now - s->last_tick_us > 100 * s->tick_us) {
		snprintf(why, whysz, "no tick for %llu ms",
			 (unsigned long long)((now - s->last_tick_us) / 1000));
		return false;
	}
	return true;
}

static void print_stats(const struct srv *s)
{
	struct metrics_http_stats st;
	metrics_http_stats(s->http, &st);
	printf("max_tick_gap_ms=%.3f max_service_ms=%.3f max_service_cpu_ms=%.3f ticks=%llu",
	       (double)s->max_gap_us / 1000, (double)s->max_service_us / 1000,
	       (double)s->max_service_cpu_us / 1000, (unsigned long long)s->ticks);
	printf(" accepted=%llu refused_full=%llu timed_out=%llu bad_request=%llu served=%llu"
	       " render_failed=%llu accept_errors=%llu open=%llu open_peak=%llu\n",
	       (unsigned long long)st.accepted, (unsigned long long)st.refused_full,
	       (unsigned long long)st.timed_out, (unsigned long long)st.bad_request,
	       (unsigned long long)st.served, (unsigned long long)st.render_failed,
	       (unsigned long long)st.accept_errors, (unsigned long long)st.open,
	       (unsigned long long)st.open_peak);
	fflush(stdout);
}

static int add(int epfd, int fd, uint64_t key)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = key};
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void on_tick(struct srv *s, int tfd, uint64_t now)
{
	uint64_t n;
	if (read(tfd, &n, sizeof n) != (ssize_t)sizeof n)
		return;
	s->ticks += n;
	uint64_t gap = s->last_tick_us ? now - s->last_tick_us : 0;
	if (gap > s->max_gap_us)
		s->max_gap_us = gap;
	/* A long gap (over 10 ticks), with when it ended on the wall clock, for
	 * the test to place it among its own steps. */
	if (gap > 10 * s->tick_us) {
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		fprintf(stderr, "tick_gap_ms=%.1f ended=%lld.%03ld\n", (double)gap / 1000,
			(long long)rt.tv_sec, rt.tv_nsec / 1000000);
	}
	s->last_tick_us = now;
}

static int run(struct srv *s, int epfd, int tfd)
{
	for (;;) {
		struct epoll_event ev[8];
		int n = epoll_wait(epfd, ev, 8, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "metrics_srv: epoll_wait: %s\n", strerror(errno));
			return 1;
		}
		uint64_t now = now_us();
		for (int i = 0; i < n; i++) {
			switch (ev[i].data.u64) {
			case KEY_SIGNAL:
				return 0;
			case KEY_TIMER:
				on_tick(s, tfd, now);
				break;
			case KEY_METRICS: {
				uint64_t t0 = now_us(), c0 = cpu_us();
				metrics_http_service(s->http, now);
				uint64_t took = now_us() - t0, cpu = cpu_us() - c0;
				if (took > s->max_service_us)
					s->max_service_us = took;
				if (cpu > s->max_service_cpu_us)
					s->max_service_cpu_us = cpu;
				break;
			}
			}
		}
		/* The sidecar's timerfd is set for its next read or this,
		 * whichever is first; ticking every few ms, checking here is as
		 * good. */
		if (metrics_http_next_deadline(s->http) <= now)
			metrics_http_expire(s->http, now);
	}
}

int main(int argc, char **argv)
{
	unsigned long tick_ms = 5;
	if (argc == 4 && strcmp(argv[2], "--tick-ms") == 0) {
		char *end;
		errno = 0;
		tick_ms = strtoul(argv[3], &end, 10);
		if (errno || end == argv[3] || *end || argv[3][0] == '-' || tick_ms < 1 ||
		    tick_ms > 10000) {
			fprintf(stderr, "metrics_srv: --tick-ms \"%s\": want 1-10000\n", argv[3]);
			return 2;
		}
	} else if (argc != 2) {
		fprintf(stderr, "usage: metrics_srv ADDR [--tick-ms N]\n");
		return 2;
	}

	char err[256];
	struct metrics_http_opts o = {0};
	if (metrics_addr_parse(argv[1], true, &o.addr, err, sizeof err) < 0) {
		fprintf(stderr, "metrics_srv: %s\n", err);
		return 2;
	}
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		perror("metrics_srv: sigprocmask");
		return 1;
	}
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || tfd < 0 || epfd < 0) {
		perror("metrics_srv: signalfd/timerfd/epoll");
		return 1;
	}

	struct srv s = {.tick_us = tick_ms * 1000};
	o.render = render;
	o.healthy = healthy;
	o.ctx = &s;
	if (metrics_http_open(&s.http, &o, err, sizeof err) < 0) {
		fprintf(stderr, "metrics_srv: %s\n", err);
		return 1;
	}
	struct itimerspec its = {
		.it_interval = {.tv_sec = (time_t)(tick_ms / 1000),
				.tv_nsec = (long)(tick_ms % 1000) * 1000000},
	};
	its.it_value = its.it_interval;
	if (timerfd_settime(tfd, 0, &its, NULL) < 0 || add(epfd, sfd, KEY_SIGNAL) < 0 ||
	    add(epfd, tfd, KEY_TIMER) < 0 || add(epfd, metrics_http_fd(s.http), KEY_METRICS) < 0) {
		perror("metrics_srv: timerfd_settime/epoll_ctl");
		return 1;
	}
	printf("listening %d\n", metrics_http_port(s.http));
	fflush(stdout);

	int rc = run(&s, epfd, tfd);
	print_stats(&s);
	metrics_http_close(s.http);
	return rc;
}
