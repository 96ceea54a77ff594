#include "action.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "containers.h"
#include "deliver.h"
#include "flightsave.h"
#include "jobs.h"
#include "log.h"
#include "plan.h"
#include "procinfo.h"
#include "procs.h"
#include "procscan.h"
#include "settings.h"
#include "signame.h"
#include "tally.h"
#include "throttle.h"

/* One sidecar per process: the jobs and capabilities are this module's. */
static struct jobs *jobs;
static struct caps_have caps;

int action_setup(int epfd, const struct caps_have *have)
{
	caps = *have;
	jobs = jobs_new(epfd);
	return jobs ? 0 : -ENOMEM;
}

void action_teardown(void)
{
	jobs_free(jobs);
	jobs = NULL;
}

bool action_job_done(const struct settings *s, unsigned child_pid, struct job_result *res)
{
	return jobs && jobs_done(jobs, s, (pid_t)child_pid, res);
}

int action_signal_of(const struct settings *s, enum level level)
{
	return level == LEVEL_CRITICAL ? s->critical_signal : s->warning_signal;
}

const struct runtime_info *action_runtime_of(const struct settings *s, struct wproc *p)
{
	if (p->classified)
		return &p->rt;
	procinfo_classify(s->proc_root, p->pid, &p->rt);
	p->classified = true;
	struct log_line l;
	if (throttle_once(&p->said, PROC_SAID_RUNTIME) && log_begin(&l, LOG_INFO, "process_runtime")) {
		log_int(&l, "pid", p->pid);
		log_str(&l, "comm", p->comm);
		log_str(&l, "runtime", runtime_name(p->rt.kind));
		log_bool(&l, "liboomsentry", p->rt.liboomsentry);
		if (p->rt.node_snapshot_signal) {
			char sig[16];
			signame_format(p->rt.node_snapshot_signal, sig, sizeof sig);
			log_str(&l, "heapsnapshot_signal", sig);
		}
		if (p->rt.optin_invalid)
			log_str(&l, "warning", "OOMSENTRY_SIGNALS is set but not a list of signals: ignored");
		log_end(&l);
	}
	return &p->rt;
}

/* Who was (or was not) sent what: the fields every line here starts with. */
static void log_who(struct log_line *l, const struct wproc *p, const char *signal)
{
	log_int(l, "pid", p->pid);
	log_str(l, "comm", p->comm);
	log_str(l, "signal", signal);
}

static void log_skipped(struct wproc *p, struct container *ct, const char *signal,
			enum level level, const char *why, enum plan_skip class)
{
	tally_signal_skipped(&ct->tally, level, class);
	struct log_line l;
	if (throttle_once(&p->said, PROC_SAID_SKIPPED + level) &&
	    log_begin(&l, LOG_INFO, "signal_skipped")) {
		log_who(&l, p, signal);
		log_str(&l, "runtime", runtime_name(p->rt.kind));
		log_str(&l, "memory_level", policy_level_name(level));
		log_str(&l, "cgroup", ct->cgpath);
		log_str(&l, "reason", why);
		log_end(&l);
	}
}

/* Sends signo; logs the outcome as event ok_event. Returns 0 or -errno. */
static int send(const struct settings *s, struct wproc *p, struct container *ct,
		enum level level, int signo, bool repeat, const char *ok_event)
{
	char name[16];
	signame_format(signo, name, sizeof name);
	int r = s->dry_run ? 0 : deliver_send(p->pidfd, signo);
	if (r == -ESRCH)
		return r; /* exited meanwhile: normal */
	struct log_line l;
	if (r == -EPERM) {
		if (throttle_once(&p->said, PROC_SAID_SIGNAL_DENIED) &&
		    log_begin(&l, LOG_ERROR, "signal_failed")) {
			log_who(&l, p, name);
			log_str(&l, "reason", "not permitted: CAP_KILL missing");
			log_end(&l);
		}
		return r;
	}
	/* The node snapshot's signal counts as its action (node_snapshot). */
	if (!r && !s->dry_run && strcmp(ok_event, "signal_sent") == 0) {
		tally_signal_sent(&ct->tally, level);
		flightsave_mark(ct, FLIGHTREC_MARK_SIGNAL, (unsigned)signo);
	}
	if (log_begin(&l, r ? LOG_ERROR : LOG_INFO,
		      r ? "signal_failed" : s->dry_run ? "signal_dry_run" : ok_event)) {
		log_who(&l, p, name);
		log_str(&l, "memory_level", policy_level_name(level));
		log_str(&l, "cgroup", ct->cgpath);
		log_bool(&l, "repeat", repeat);
		if (r)
			log_errno(&l, -r);
		log_end(&l);
	}
	return r;
}

/* Each action in actions, as a mark of the flight record. */
static void mark_actions(struct container *ct, unsigned actions)
{
	for (unsigned i = 0; i < TALLY_ACTIONS; i++)
		if (actions & (1u << i))
			flightsave_mark(ct, FLIGHTREC_MARK_ACTION, i + 1);
}

/* Node writes Heap.<date>.<pid>...heapsnapshot into its working directory
 * (or --diagnostic-dir): say where, as the app sees it. */
static void node_snapshot(const struct settings *s, struct wproc *p, struct container *ct,
			  enum level level, int signo)
{
	if (send(s, p, ct, level, signo, false, "action_sent") || s->dry_run)
		return;
	tally_actions(&ct->tally, ACTION_HEAP_SNAPSHOT);
	mark_actions(ct, ACTION_HEAP_SNAPSHOT);
	char link[SETTINGS_PATH_MAX + 32], cwd[PATH_MAX];
	snprintf(link, sizeof link, "%s/%d/cwd", s->proc_root, (int)p->pid);
	ssize_t n = readlink(link, cwd, sizeof cwd - 1);
	cwd[n > 0 ? n : 0] = '\0';
	struct log_line l;
	if (log_begin(&l, LOG_INFO, "heap_snapshot_requested")) {
		log_int(&l, "pid", p->pid);
		log_str(&l, "comm", p->comm);
		log_str(&l, "runtime", "node");
		log_str(&l, "writes_to", n > 0 ? cwd : "its working directory");
		log_str(&l, "note", "unless --diagnostic-dir says otherwise");
		log_end(&l);
	}
}

/* What an action needs that the sidecar lacks, for a process of uid
 * target_uid; NULL if nothing. Same user: nothing at all. */
static const char *missing_for(const struct settings *s, unsigned actions, uid_t target_uid,
			       bool may_signal)
{
	if (target_uid == geteuid())
		return NULL;
	/* A Go profile from a configured address needs nothing of the process. */
	if (actions == ACTION_PPROF && s->go_pprof[0])
		return NULL;
	/* Without CAP_SYS_PTRACE, CAP_SETUID and CAP_SETGID reach the /proc
	 * entries of a non-root process with its own ids (fsids.h). */
	if (!caps.sys_ptrace && !(caps.setuid && caps.setgid && target_uid != 0))
		return "CAP_SYS_PTRACE (to read the process's /proc entries); add SYS_PTRACE to the "
		       "sidecar's capabilities, or SETUID and SETGID for a process not of uid 0, "
		       "or run it as the app's user";
	if ((actions & (ACTION_HISTOGRAM | ACTION_HEAP_DUMP)) && !may_signal)
		return "CAP_KILL (to wake the JVM's attach listener with SIGQUIT); add KILL to the "
		       "sidecar's capabilities or run it as the app's user";
	if ((actions & (ACTION_HISTOGRAM | ACTION_HEAP_DUMP)) && !(caps.setuid && caps.setgid))
		return "CAP_SETUID and CAP_SETGID (the JVM's attach socket is its user's, mode "
		       "0600); add SETUID and SETGID to the sidecar's capabilities or run it as the "
		       "app's user";
	return NULL;
}

static void run_actions(const struct settings *s, struct wproc *p, struct container *ct,
			enum level level, const struct plan *pl, const struct proc_status *st)
{
	struct log_line l;
	if (pl->action_skip && throttle_once(&p->said, PROC_SAID_ACTION_SKIPPED + level) &&
	    log_begin(&l, LOG_INFO, "action_skipped")) {
		log_int(&l, "pid", p->pid);
		log_str(&l, "comm", p->comm);
		log_str(&l, "runtime", runtime_name(p->rt.kind));
		log_str(&l, "memory_level", policy_level_name(level));
		log_str(&l, "reason", pl->action_skip);
		log_end(&l);
	}
	if (pl->actions & ACTION_HEAP_SNAPSHOT)
		node_snapshot(s, p, ct, level, pl->snapshot_signal);
	unsigned slow = pl->actions & ~(unsigned)ACTION_HEAP_SNAPSHOT;
	if (!slow)
		return;
	char acts[80];
	settings_format_actions(slow, acts, sizeof acts);
	const char *missing = missing_for(s, slow, st->has_uid ? st->uid_effective : geteuid(),
					  p->may_signal);
	if (missing || !jobs) {
		if (throttle_once(&p->said, PROC_SAID_ACTION_DISABLED) &&
		    log_begin(&l, LOG_WARN, "action_disabled")) {
			log_int(&l, "pid", p->pid);
			log_str(&l, "comm", p->comm);
			log_str(&l, "action", acts);
			log_str(&l, "missing", missing ? missing : "the sidecar's action runner");
			log_end(&l);
		}
		return;
	}
	if (s->dry_run) {
		if (log_begin(&l, LOG_INFO, "action_dry_run")) {
			log_int(&l, "pid", p->pid);
			log_str(&l, "comm", p->comm);
			log_str(&l, "action", acts);
			log_str(&l, "memory_level", policy_level_name(level));
			log_end(&l);
		}
		return;
	}
	struct job j = {.pid = p->pid, .pidfd = p->pidfd, .level = level, .actions = slow,
			.rt = p->rt, .usage_bytes = ct->last.usage_bytes, .ct_id = ct->id};
	snprintf(j.comm, sizeof j.comm, "%s", p->comm);
	tally_actions(&ct->tally, slow);
	mark_actions(ct, slow);
	jobs_start(jobs, s, &j);
}

void action_notify(const struct settings *s, struct wproc *p, struct container *ct,
		   enum level level, bool repeat)
{
	char buf[4096];
	struct proc_status st;
	bool have = proc_read(s->proc_root, p->pid, "status", buf, sizeof buf) >= 0 &&
		    proc_parse_status(buf, &st) == 0;
	/* The status just read is this process's only if it is still alive. */
	if (!have || deliver_alive(p->pidfd))
		return;

	const struct runtime_info *rt = action_runtime_of(s, p);
	struct plan_proc pp = {st.sig_caught, st.sig_ignored, p->may_signal,
			       settings_comm_opted_in(s, p->comm)};
	struct plan pl;
	plan_make(s, rt, &pp, level, &pl);
	if (pl.send_signal) {
		send(s, p, ct, level, pl.signo, repeat, "signal_sent");
	} else {
		char name[16];
		signame_format(pl.signo, name, sizeof name);
		log_skipped(p, ct, name, level, pl.signal_skip, pl.skip);
	}
	if (!repeat)
		run_actions(s, p, ct, level, &pl, &st);
}
