#include "action.h"

#include <errno.h>

#include "containers.h"
#include "deliver.h"
#include "log.h"
#include "procs.h"
#include "procscan.h"
#include "settings.h"
#include "signame.h"
#include "throttle.h"

int action_signal_of(const struct settings *s, enum level level)
{
	return level == LEVEL_CRITICAL ? s->critical_signal : s->warning_signal;
}

/* Who was (or was not) sent what: the fields every line here starts with. */
static void log_who(struct log_line *l, const struct wproc *p, const char *signal)
{
	log_int(l, "pid", p->pid);
	log_str(l, "comm", p->comm);
	log_str(l, "signal", signal);
}

static void log_skipped(struct wproc *p, const struct container *ct, const char *signal,
			enum level level, const char *why)
{
	struct log_line l;
	if (throttle_once(&p->said, PROC_SAID_SKIPPED + level) &&
	    log_begin(&l, LOG_INFO, "signal_skipped")) {
		log_who(&l, p, signal);
		log_str(&l, "memory_level", policy_level_name(level));
		log_str(&l, "cgroup", ct->cgpath);
		log_str(&l, "reason", why);
		log_end(&l);
	}
}

void action_notify(const struct settings *s, struct wproc *p, const struct container *ct,
		   enum level level, bool repeat)
{
	int signo = action_signal_of(s, level);
	char name[16], buf[4096];
	signame_format(signo, name, sizeof name);

	struct proc_status st;
	bool have = proc_read(s->proc_root, p->pid, "status", buf, sizeof buf) >= 0 &&
		    proc_parse_status(buf, &st) == 0;
	/* The status just read is this process's only if it is still alive. */
	if (!have || deliver_alive(p->pidfd))
		return;

	const char *skip = policy_send_verdict(proc_sig_in(st.sig_caught, signo),
					       proc_sig_in(st.sig_ignored, signo), signo,
					       s->signal_unhandled, p->may_signal);
	if (skip) {
		log_skipped(p, ct, name, level, skip);
		return;
	}
	int r = s->dry_run ? 0 : deliver_send(p->pidfd, signo);
	if (r == -ESRCH)
		return; /* exited meanwhile: normal */
	struct log_line l;
	if (r == -EPERM) {
		if (throttle_once(&p->said, PROC_SAID_SIGNAL_DENIED) &&
		    log_begin(&l, LOG_ERROR, "signal_failed")) {
			log_who(&l, p, name);
			log_str(&l, "reason", "not permitted: CAP_KILL missing");
			log_end(&l);
		}
		return;
	}
	if (log_begin(&l, r ? LOG_ERROR : LOG_INFO,
		      r ? "signal_failed" : s->dry_run ? "signal_dry_run" : "signal_sent")) {
		log_who(&l, p, name);
		log_str(&l, "memory_level", policy_level_name(level));
		log_str(&l, "cgroup", ct->cgpath);
		log_bool(&l, "repeat", repeat);
		if (r)
			log_errno(&l, -r);
		log_end(&l);
	}
}
