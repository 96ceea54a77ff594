#include "jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deliver.h"
#include "log.h"
#include "loop.h"
#include "runtime_act.h"
#include "settings.h"
#include "signame.h"

struct slot {
	pid_t child;                  /* 0: free */
	int child_pidfd;
	uint64_t started_us;
	struct job run;               /* what it runs (run.pidfd owned) */
	bool have_pending;
	struct job pending;           /* (pending.pidfd owned) */
};

/* A pod has few processes that get actions; beyond this many at once,
 * requests wait their turn as pending ones would. */
#define JOBS_MAX 16

struct jobs {
	int epfd;
	struct slot slots[JOBS_MAX];
};

struct jobs *jobs_new(int epfd)
{
	struct jobs *j = calloc(1, sizeof *j);
	if (j)
		j->epfd = epfd;
	return j;
}

void jobs_free(struct jobs *j)
{
	if (!j)
		return;
	for (int i = 0; i < JOBS_MAX; i++) {
		struct slot *sl = &j->slots[i];
		if (sl->child) {
			deliver_send(sl->child_pidfd, SIGKILL);
			waitpid(sl->child, NULL, 0);
			close(sl->child_pidfd);
			close(sl->run.pidfd);
		}
		if (sl->have_pending)
			close(sl->pending.pidfd);
	}
	free(j);
}

static struct slot *slot_of(struct jobs *j, pid_t pid)
{
	for (int i = 0; i < JOBS_MAX; i++)
		if ((j->slots[i].child || j->slots[i].have_pending) && j->slots[i].run.pid == pid)
			return &j->slots[i];
	return NULL;
}

bool jobs_busy(const struct jobs *j, pid_t pid)
{
	for (int i = 0; i < JOBS_MAX; i++)
		if (j->slots[i].child && j->slots[i].run.pid == pid)
			return true;
	return false;
}

static void log_job(const char *event, enum log_level lv, const struct job *r, const char *why)
{
	struct log_line l;
	if (log_begin(&l, lv, event)) {
		char acts[80];
		log_int(&l, "pid", r->pid);
		log_str(&l, "comm", r->comm);
		log_str(&l, "runtime", runtime_name(r->rt.kind));
		settings_format_actions(r->actions, acts, sizeof acts);
		log_str(&l, "action", acts);
		log_str(&l, "memory_level", policy_level_name(r->level));
		if (why)
			log_str(&l, "reason", why);
		log_end(&l);
	}
}

/* Forks the child for sl->run. Returns 0 or -errno. */
static int launch(struct jobs *j, const struct settings *s, struct slot *sl)
{
	/* Checked here, not only at fork: a target gone by now needs no child. */
	if (deliver_alive(sl->run.pidfd))
		return -ESRCH;
	pid_t child = fork();
	if (child < 0)
		return -errno;
	if (child == 0) {
		/* The child: default signals, a deadline, and no life beyond ours. */
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		/* The deadline must end this process, whatever handler the
		 * parent had for SIGALRM. */
		signal(SIGALRM, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		uint64_t secs = (s->action_timeout_us + 999999) / 1000000;
		alarm((unsigned)secs);
		_exit(runtime_act_run(s, &sl->run, s->action_timeout_us));
	}
	int pfd = deliver_open(child);
	if (pfd < 0 || loop_add_fd(j->epfd, pfd, EPOLLIN, LOOP_TAG_JOB, (uint32_t)child) < 0) {
		/* Without its pidfd we could not hear of its end: stop it now. */
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		if (pfd >= 0)
			close(pfd);
		return -EMFILE;
	}
	sl->child = child;
	sl->child_pidfd = pfd;
	sl->started_us = loop_now_us();
	log_job("action_started", LOG_INFO, &sl->run, NULL);
	return 0;
}

void jobs_start(struct jobs *j, const struct settings *s, const struct job *req)
{
	struct job copy = *req;
	copy.pidfd = fcntl(req->pidfd, F_DUPFD_CLOEXEC, 0);
	if (copy.pidfd < 0) {
		log_job("action_failed", LOG_ERROR, req, "cannot duplicate the process's pidfd");
		return;
	}
	struct slot *sl = slot_of(j, req->pid);
	if (sl && sl->child) {
		/* One at a time per process; the higher level's request waits. */
		if (sl->have_pending) {
			if (sl->pending.level > copy.level) {
				close(copy.pidfd);
				return;
			}
			close(sl->pending.pidfd);
		}
		sl->pending = copy;
		sl->have_pending = true;
		log_job("action_queued", LOG_INFO, &copy, "an action for this process still runs");
		return;
	}
	if (!sl)
		for (int i = 0; i < JOBS_MAX && !sl; i++)
			if (!j->slots[i].child && !j->slots[i].have_pending)
				sl = &j->slots[i];
	if (!sl) {
		close(copy.pidfd);
		log_job("action_failed", LOG_ERROR, req, "too many actions running at once");
		return;
	}
	sl->run = copy;
	int r = launch(j, s, sl);
	if (r) {
		if (r != -ESRCH)
			log_job("action_failed", LOG_ERROR, &sl->run,
				r == -EMFILE ? "cannot watch the action's process" : "cannot fork");
		close(sl->run.pidfd);
		memset(sl, 0, sizeof *sl);
	}
}

bool jobs_done(struct jobs *j, const struct settings *s, pid_t child, struct job_result *res)
{
	struct slot *sl = NULL;
	for (int i = 0; i < JOBS_MAX && !sl; i++)
		if (j->slots[i].child == child)
			sl = &j->slots[i];
	if (!sl)
		return false;
	int status = 0;
	if (waitpid(child, &status, WNOHANG) == 0)
		return false; /* not yet: the pidfd woke us early */
	*res = (struct job_result){.ct_id = sl->run.ct_id,
				   .actions = sl->run.actions,
				   .ok = WIFEXITED(status) && WEXITSTATUS(status) == 0};
	close(sl->child_pidfd);
	uint64_t took_ms = (loop_now_us() - sl->started_us) / 1000;
	if (WIFSIGNALED(status)) {
		struct log_line l;
		bool timeout = WTERMSIG(status) == SIGALRM;
		if (log_begin(&l, LOG_ERROR, timeout ? "action_timeout" : "action_failed")) {
			char acts[80];
			log_int(&l, "pid", sl->run.pid);
			log_str(&l, "comm", sl->run.comm);
			settings_format_actions(sl->run.actions, acts, sizeof acts);
			log_str(&l, "action", acts);
			log_uint(&l, "took_ms", took_ms);
			char sig[16];
			signame_format(WTERMSIG(status), sig, sizeof sig);
			log_str(&l, "reason", timeout ? "ACTION_TIMEOUT reached" : "killed by a signal");
			log_str(&l, "signal", sig);
			log_end(&l);
		}
	}
	close(sl->run.pidfd);
	sl->child = 0;
	if (sl->have_pending) {
		sl->run = sl->pending;
		sl->have_pending = false;
		int r = launch(j, s, sl);
		if (r) {
			if (r != -ESRCH)
				log_job("action_failed", LOG_ERROR, &sl->run, "cannot fork");
			close(sl->run.pidfd);
			memset(sl, 0, sizeof *sl);
		}
	} else {
		memset(sl, 0, sizeof *sl);
	}
	return true;
}
