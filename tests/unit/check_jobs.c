/* jobs.c: runtime actions in child processes — bounded by ACTION_TIMEOUT,
 * one at a time per process (a second request waits its turn), and a
 * target that is gone needs no child. The target here is a real process
 * that listens on loopback and never answers, so a Go heap-profile fetch
 * from it runs until the deadline ends it. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deliver.h"
#include "jobs.h"
#include "log.h"
#include "loop.h"
#include "settings.h"

static char *logbuf;
static size_t loglen;
static FILE *logstream;
static struct settings s;
static char dir[] = "/tmp/check_jobs.XXXXXX";

/* A process that listens and never accepts: connects succeed, no reply. */
static pid_t start_silent_server(void)
{
	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 8))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	char c;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(ready[1]);
	return pid;
}

static void setup(void)
{
	logstream = open_memstream(&logbuf, &loglen);
	log_set_stream(logstream);
	log_configure(LOG_INFO, LOG_LOGFMT);
	settings_defaults(&s);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(s.dump_dir, sizeof s.dump_dir, "%s", dir);
	s.action_timeout_us = 1000000;
}

static void teardown(void)
{
	log_set_stream(stderr);
	fclose(logstream);
	free(logbuf);
	char cmd[64];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	strcpy(dir, "/tmp/check_jobs.XXXXXX");
}

static unsigned count(const char *what)
{
	fflush(logstream);
	unsigned n = 0;
	for (const char *p = logbuf; p && (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* Waits for one child's end through the epoll set, as the loop does. */
static void wait_job(int epfd, struct jobs *j, int timeout_ms)
{
	struct epoll_event ev;
	int n;
	do
		n = epoll_wait(epfd, &ev, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	ck_assert_msg(n == 1, "no job ended within %d ms", timeout_ms);
	ck_assert_int_eq((int)(ev.data.u64 >> 32), LOOP_TAG_JOB);
	struct job_result res;
	jobs_done(j, &s, (pid_t)(ev.data.u64 & 0xffffffffu), &res);
}

/* The target, the loop's epoll set and the jobs under test. */
struct bed {
	pid_t server;
	int pidfd, epfd;
	struct jobs *j;
};

static void bed_up(struct bed *b)
{
	b->server = start_silent_server();
	b->pidfd = deliver_open(b->server);
	ck_assert_int_ge(b->pidfd, 0);
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	b->j = jobs_new(b->epfd);
	ck_assert_ptr_nonnull(b->j);
}

static void bed_down(struct bed *b)
{
	jobs_free(b->j);
	kill(b->server, SIGKILL);
	waitpid(b->server, NULL, 0);
	close(b->pidfd);
	close(b->epfd);
}

static struct job job_for(pid_t pid, int pidfd, enum level level)
{
	struct job jb = {.pid = pid, .pidfd = pidfd, .level = level, .actions = ACTION_PPROF};
	jb.rt.kind = RUNTIME_GO;
	strcpy(jb.comm, "silent");
	return jb;
}

START_TEST(deadline_ends_a_hung_action)
{
	struct bed b;
	bed_up(&b);
	struct job jb = job_for(b.server, b.pidfd, LEVEL_WARNING);
	uint64_t t0 = loop_now_us();
	jobs_start(b.j, &s, &jb);
	ck_assert(jobs_busy(b.j, b.server));
	wait_job(b.epfd, b.j, 10000);
	uint64_t took = loop_now_us() - t0;
	ck_assert(!jobs_busy(b.j, b.server));
	ck_assert_uint_eq(count("event=action_started"), 1);
	ck_assert_msg(count("event=action_timeout") == 1, "%s", logbuf);
	/* SIGALRM at the deadline, not before. */
	ck_assert_msg(took >= 900000, "ended after %llu us", (unsigned long long)took);
	/* Nothing was published, and no temporary file is left. */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s)\"", dir);
	ck_assert_msg(system(cmd) == 0, "files left in the dump directory");
	bed_down(&b);
}
END_TEST

START_TEST(one_at_a_time_per_process)
{
	struct bed b;
	bed_up(&b);
	struct job w = job_for(b.server, b.pidfd, LEVEL_WARNING);
	struct job c = job_for(b.server, b.pidfd, LEVEL_CRITICAL);
	jobs_start(b.j, &s, &w);
	jobs_start(b.j, &s, &c);
	/* The second waits; a lower level behind it changes nothing. */
	jobs_start(b.j, &s, &w);
	ck_assert_uint_eq(count("event=action_started"), 1);
	ck_assert_uint_eq(count("event=action_queued"), 1);
	wait_job(b.epfd, b.j, 10000);
	/* The first ended: the critical one runs now. */
	ck_assert_uint_eq(count("event=action_started"), 2);
	ck_assert(count("memory_level=critical") >= 2);
	ck_assert(jobs_busy(b.j, b.server));
	wait_job(b.epfd, b.j, 10000);
	ck_assert(!jobs_busy(b.j, b.server));
	ck_assert_uint_eq(count("event=action_started"), 2);
	ck_assert_uint_eq(count("event=action_timeout"), 2);
	bed_down(&b);
}
END_TEST

START_TEST(gone_target_needs_no_child)
{
	struct bed b;
	bed_up(&b);
	kill(b.server, SIGKILL);
	waitpid(b.server, NULL, 0);
	struct job jb = job_for(b.server, b.pidfd, LEVEL_CRITICAL);
	jobs_start(b.j, &s, &jb);
	ck_assert(!jobs_busy(b.j, b.server));
	ck_assert_uint_eq(count("event=action_started"), 0);
	ck_assert_uint_eq(count("event=action_failed"), 0);
	bed_down(&b);
}
END_TEST

START_TEST(free_ends_running_children)
{
	struct bed b;
	bed_up(&b);
	s.action_timeout_us = 60000000;
	struct job jb = job_for(b.server, b.pidfd, LEVEL_WARNING);
	jobs_start(b.j, &s, &jb);
	ck_assert(jobs_busy(b.j, b.server));
	uint64_t t0 = loop_now_us();
	jobs_free(b.j); /* kills and reaps the child, well before its deadline */
	b.j = jobs_new(b.epfd);
	ck_assert(loop_now_us() - t0 < 5000000);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), 0); /* only the server is left */
	bed_down(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *su = suite_create("jobs");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, deadline_ends_a_hung_action);
	tcase_add_test(tc, one_at_a_time_per_process);
	tcase_add_test(tc, gone_target_needs_no_child);
	tcase_add_test(tc, free_ends_running_children);
	suite_add_tcase(su, tc);
	return su;
}

int main(void) { return check_run(suite()); }
