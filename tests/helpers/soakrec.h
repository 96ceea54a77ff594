/* soakrec.h: what the churn soak's test processes share (tests/bench/soak.sh).
 *
 * Every test process appends what happens to it to a record file, one line
 * per write(2) on an O_APPEND descriptor, so the lines of many processes in
 * several containers never mix:
 *
 *   sig role=ROLE pid=PID signo=N t=MONO_MS      a signal arrived (handler)
 *   death role=ROLE pid=PID signo=N              a child died of signal N
 *   reuse role=ROLE pid=PID tries=N              a recycled pid was handed out
 *
 * PID is the pid in the pod's namespace, the one the sidecar sees. ROLE says
 * whether the process may receive SIGUSR1/SIGUSR2 at all: only "catch-*"
 * processes catch them and live in a container above its warning level;
 * every other role (a process without a handler, a process in a container
 * below its warning level or without a limit, a process that got a recycled
 * pid) must never receive one. A process without a handler cannot write a
 * "sig" line: the default action kills it, and its parent writes "death".
 *
 * Header-only: each helper is one program of its own.
 */
#ifndef SOAKREC_H
#define SOAKREC_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int rec_fd = -1;
static char rec_role[32] = "unknown";
static volatile sig_atomic_t rec_stop;

static inline long rec_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens the record file; exits 2 if it cannot (the soak then sees the
 * container fail to start, not a silent gap in the records). */
static inline void rec_open(const char *path, const char *role)
{
	rec_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (rec_fd < 0) {
		fprintf(stderr, "cannot open record file %s: %s\n", path, strerror(errno));
		exit(2);
	}
	snprintf(rec_role, sizeof rec_role, "%s", role);
}

static inline void rec_set_role(const char *role) { snprintf(rec_role, sizeof rec_role, "%s", role); }

/* Async-signal-safe append of a decimal number. */
static inline size_t rec_put_num(char *buf, size_t at, long v)
{
	char tmp[24];
	size_t n = 0;
	if (v < 0) {
		buf[at++] = '-';
		v = -v;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[at++] = tmp[--n];
	return at;
}

static inline size_t rec_put_str(char *buf, size_t at, const char *s)
{
	while (*s)
		buf[at++] = *s++;
	return at;
}

/* One record line; async-signal-safe (called from the signal handler). */
static inline void rec_line(const char *kind, const char *role, long pid, const char *k3, long v3,
		     const char *k4, long v4)
{
	char buf[200];
	size_t n = 0;
	n = rec_put_str(buf, n, kind);
	n = rec_put_str(buf, n, " role=");
	n = rec_put_str(buf, n, role);
	n = rec_put_str(buf, n, " pid=");
	n = rec_put_num(buf, n, pid);
	n = rec_put_str(buf, n, " ");
	n = rec_put_str(buf, n, k3);
	n = rec_put_str(buf, n, "=");
	n = rec_put_num(buf, n, v3);
	if (k4) {
		n = rec_put_str(buf, n, " ");
		n = rec_put_str(buf, n, k4);
		n = rec_put_str(buf, n, "=");
		n = rec_put_num(buf, n, v4);
	}
	buf[n++] = '\n';
	if (rec_fd >= 0)
		(void)!write(rec_fd, buf, n);
}

static inline void rec_on_signal(int signo)
{
	int saved = errno;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	rec_line("sig", rec_role, (long)getpid(), "signo", signo, "t",
		 (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	errno = saved;
}

/* Catch SIGUSR1 and SIGUSR2 and record each. No SA_RESTART: sleeps are
 * deadline-based and resume on their own. */
static inline void rec_catch(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = rec_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
}

static inline void rec_on_stop(int signo)
{
	(void)signo;
	rec_stop = 1;
}

/* SIGTERM ends the main loop of a long-lived helper. */
static inline void rec_stop_on_term(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = rec_on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* Back to the defaults a process starts with: in a child that must not
 * catch, and SIGTERM/SIGINT as a runtime would leave them. */
static inline void rec_defaults(void)
{
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
}

/* A reaped child: a death by SIGUSR1/SIGUSR2 is recorded (the analysis
 * counts it as a signal that reached a process without a handler). */
static inline void rec_reaped(const char *role, pid_t pid, int status)
{
	if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGUSR1 || WTERMSIG(status) == SIGUSR2))
		rec_line("death", role, (long)pid, "signo", WTERMSIG(status), NULL, 0);
}

/* Sleeps until the monotonic time at_ms, through signal interruptions, or
 * until SIGTERM asked to stop. */
static inline void rec_sleep_until(long at_ms)
{
	struct timespec ts = {at_ms / 1000, (at_ms % 1000) * 1000000};
	while (!rec_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static inline void rec_sleep_ms(long ms) { rec_sleep_until(rec_now_ms() + ms); }

/* Touches mib MiB of anonymous memory, one MiB at a time; returns how many
 * it got. */
static inline long rec_hold(long mib)
{
	long got = 0;
	for (; got < mib; got++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (p == MAP_FAILED)
			break;
		memset(p, 0x5a, 1 << 20);
	}
	return got;
}

/* A child that holds mib MiB (the container's ballast, which puts it above
 * its warning level), catches SIGUSR1/SIGUSR2 as role, and sleeps until it
 * is killed. Returns its pid. */
static inline pid_t rec_ballast(long mib, const char *role)
{
	pid_t pid = fork();
	if (pid == 0) {
		rec_defaults();
		rec_set_role(role);
		rec_catch();
		rec_hold(mib);
		for (;;)
			pause();
	}
	return pid;
}

/* Children made with clone(CLONE_VM | SIGCHLD): each is a process of its own
 * (its own pid, signal dispositions, /proc entry and exit status) that
 * shares its parent's memory, because copying page tables made fork() cost
 * about 3 ms on the virtual machines the soak runs on, which capped a
 * forking loop well below 200 processes a second. Such a child runs on a
 * stack of its own from this pool and makes nothing but system calls (no
 * malloc, no stdio); its handler records under the parent's rec_role. */
#define REC_STACKS 1024
#define REC_STACK_SIZE (64 * 1024)
static char *rec_stacks;
static unsigned char rec_stack_used[REC_STACKS];

struct rec_child {
	pid_t want;    /* if not 0: exit at once unless this is our pid */
	int catching;  /* catch SIGUSR1/SIGUSR2 */
	long life_ms;  /* then sleep this long and exit 0 */
};

static inline int rec_child_main(void *arg)
{
	const struct rec_child *c = arg;
	if (c->want && getpid() != c->want)
		_exit(0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (c->catching) {
		sa.sa_handler = rec_on_signal;
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGUSR2, &sa, NULL);
	}
	struct timespec at;
	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_sec += c->life_ms / 1000;
	at.tv_nsec += (c->life_ms % 1000) * 1000000;
	if (at.tv_nsec >= 1000000000) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR)
		;
	_exit(0);
}

/* Starts a child on a free stack; returns its pid and sets *slot, or -1
 * (no stack free, or clone failed). rec_stack_free(slot) once reaped. */
static inline pid_t rec_clone(pid_t want, int catching, long life_ms, int *slot)
{
	if (!rec_stacks) {
		void *p = mmap(NULL, (size_t)REC_STACKS * REC_STACK_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		rec_stacks = p;
	}
	int i = 0;
	while (i < REC_STACKS && rec_stack_used[i])
		i++;
	if (i == REC_STACKS)
		return -1;
	struct rec_child *c = (struct rec_child *)(void *)(rec_stacks + (size_t)i * REC_STACK_SIZE);
	c->want = want;
	c->catching = catching;
	c->life_ms = life_ms;
	pid_t pid = clone(rec_child_main, rec_stacks + (size_t)(i + 1) * REC_STACK_SIZE,
			  CLONE_VM | SIGCHLD, c);
	if (pid < 0)
		return -1;
	rec_stack_used[i] = 1;
	*slot = i;
	return pid;
}

static inline void rec_stack_free(int slot) { rec_stack_used[slot] = 0; }

/* Replaces FILE by "text" atomically (write FILE.tmp, rename). */
__attribute__((format(printf, 2, 3))) static inline void rec_stats(const char *path, const char *fmt, ...)
{
	if (!path)
		return;
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f) == 0)
		rename(tmp, path);
}

/* xorshift64: lifetimes need no quality, only spread. */
static unsigned long long rec_rand_state = 88172645463325252ULL;
static inline unsigned long rec_rand(unsigned long below)
{
	rec_rand_state ^= rec_rand_state << 13;
	rec_rand_state ^= rec_rand_state >> 7;
	rec_rand_state ^= rec_rand_state << 17;
	return below ? (unsigned long)(rec_rand_state % below) : 0;
}

/* Parses a non-negative integer argument or exits 2. */
static inline long rec_arg_long(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "bad value for %s: \"%s\"\n", opt, s);
		exit(2);
	}
	return v;
}

#endif
