/* oomsentry: watches the memory of the other containers of a pod and signals
 * their processes at the warning and critical levels.
 *
 * main() is a list of steps; each may end the program with a documented exit
 * code. After the line marked "steady state" nothing exits but a stop request.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "caps.h"
#include "events_file.h"
#include "log.h"
#include "loop.h"
#include "settings.h"
#include "sidecar_metrics.h"
#include "signame.h"
#include "sysroot.h"
#include "watch.h"

enum exit_code {
	EXIT_CLEAN = 0,        /* stopped by SIGTERM/SIGINT, or a one-shot finished */
	EXIT_RUNTIME = 1,      /* the loop itself broke, or setup failed at run time */
	EXIT_USAGE = 2,        /* bad flag, variable or file */
	EXIT_CAPABILITY = 3,   /* a needed capability is missing */
	EXIT_PROC = 4,         /* the /proc root cannot be read */
};

extern char **environ;

static void die_setup(int code, const char *what, const char *detail)
{
	fprintf(stderr, "oomsentry: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(code);
}

/* Signals are blocked before anything else so that none arrives unhandled;
 * they are read synchronously from a signalfd in the loop. */
static int setup_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* One pidfd per process: let the fd limit grow to what we are allowed. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The events file follows the current settings: a reload replaces *s in
 * place (loop.c), so a new DUMP_DIR or EVENTS_MAX applies from the next
 * event on, the reloaded line included. */
static struct events_file events;
static const struct settings *events_settings;

static void events_sink(const char *json_line, size_t len)
{
	events_file_configure(&events, events_settings->dump_dir, events_settings->events_max);
	events_file_append(&events, json_line, len);
}

static void check_proc_root(const struct settings *s)
{
	DIR *d = opendir(s->proc_root);
	if (!d) {
		char msg[SETTINGS_PATH_MAX + 64];
		snprintf(msg, sizeof msg, "cannot read the /proc root \"%s\"", s->proc_root);
		die_setup(EXIT_PROC, msg, strerror(errno));
	}
	closedir(d);
}

static void log_start(const struct settings *s, const char *caps)
{
	struct log_line l;
	if (!log_begin(&l, LOG_INFO, "start"))
		return;
	char buf[64];
	log_str(&l, "version", PACKAGE_VERSION);
	units_format_threshold(buf, sizeof buf, &s->warning);
	log_str(&l, "warning", buf);
	units_format_threshold(buf, sizeof buf, &s->critical);
	log_str(&l, "critical", buf);
	log_str(&l, "metric", settings_metric_name(s->metric));
	units_format_duration(buf, sizeof buf, s->interval_us);
	log_str(&l, "interval", buf);
	units_format_duration(buf, sizeof buf, s->cooldown_us);
	log_str(&l, "cooldown", buf);
	log_dec1(&l, "hysteresis", s->hysteresis_pct);
	log_str(&l, "warning_signal", signame_format(s->warning_signal, buf, sizeof buf));
	log_str(&l, "critical_signal", signame_format(s->critical_signal, buf, sizeof buf));
	log_bool(&l, "dry_run", s->dry_run);
	log_int(&l, "uid", (int64_t)geteuid());
	log_str(&l, "caps", caps);
	log_end(&l);
}

/* The JVM actions reach a JVM of another user only with CAP_SETUID and
 * CAP_SETGID (its attach socket is 0600). Said once at start; each JVM it
 * then concerns gets an action_disabled line of its own. */
static void check_action_capabilities(const struct settings *s, const struct caps_have *have)
{
	unsigned jvm = (s->warning_actions | s->critical_actions) &
		       (ACTION_HISTOGRAM | ACTION_HEAP_DUMP);
	struct log_line l;
	if (jvm && !(have->setuid && have->setgid) && log_begin(&l, LOG_INFO, "actions_limited")) {
		char acts[80];
		settings_format_actions(jvm, acts, sizeof acts);
		log_str(&l, "action", acts);
		log_str(&l, "reason",
			"CAP_SETUID and CAP_SETGID missing: only JVMs of the sidecar's own user can "
			"be reached");
		log_str(&l, "fix",
			"add SETUID and SETGID to the sidecar's securityContext.capabilities.add "
			"(see k8s/java.yaml)");
		log_end(&l);
	}
}

/* How long before the sidecar a process of the pod may have started and
 * still count as starting with it. Containers of a new pod start within a
 * few seconds of each other; a sidecar that finds the app older than this
 * was restarted next to it (a crash, a new image). */
#define STARTED_TOGETHER_S 30

/* Did pid start more than STARTED_TOGETHER_S before this process? */
static bool started_long_before_us(const char *proc_root, pid_t pid)
{
	char buf[1024];
	struct proc_stat them, us;
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0 || proc_read(proc_root, pid, "stat", buf, sizeof buf) < 0 ||
	    proc_parse_stat(buf, &them) || proc_read("/proc", getpid(), "stat", buf, sizeof buf) < 0)
		return false;
	if (proc_parse_stat(buf, &us))
		return false;
	return us.starttime > them.starttime &&
	       us.starttime - them.starttime > (uint64_t)(STARTED_TOGETHER_S * hz);
}

/* The start-up capability check, made on what the first scan found: exit 3
 * if nothing can be watched or signalled for want of a capability; name each
 * process we cannot see when some can be watched. A sidecar restarted next
 * to a running app never exits for a capability: that would take the pod
 * out of service (its containers' readiness) for a setting that was just
 * as wrong before; it logs the same fix and goes on. */
static void check_capabilities(const struct watch *w, const struct settings *s,
			       const struct caps_have *have)
{
	struct procs_census c;
	watch_census(w, &c);
	char msg[1024], fix[400] = CAPS_FIX_HINT;
	if (c.no_access)
		caps_fix_hint(fix, sizeof fix, s->proc_root, c.no_access_pid,
			      have->setuid && have->setgid);
	bool restarted = c.no_access && started_long_before_us(s->proc_root, c.no_access_pid);
	if (c.no_access && !c.watched && !restarted) {
		snprintf(msg, sizeof msg,
			 "missing capability CAP_SYS_PTRACE: cannot read the cgroup of any other "
			 "container (%u processes hidden, e.g. pid %d \"%s\"); %s",
			 c.no_access, (int)c.no_access_pid, c.no_access_comm, fix);
		die_setup(EXIT_CAPABILITY, msg, NULL);
	}
	if (!s->dry_run && c.watched && c.unsignalable == c.watched) {
		snprintf(msg, sizeof msg,
			 "missing capability CAP_KILL: cannot signal any watched process (they run "
			 "as other users, e.g. pid %d \"%s\"); %s",
			 (int)c.unsignalable_pid, c.unsignalable_comm, CAPS_FIX_HINT);
		die_setup(EXIT_CAPABILITY, msg, NULL);
	}
	struct log_line l;
	if ((c.no_access || (c.unsignalable && !s->dry_run)) &&
	    log_begin(&l, LOG_ERROR, "capability_missing")) {
		log_uint(&l, "hidden_processes", c.no_access);
		log_uint(&l, "unsignalable_processes", s->dry_run ? 0 : c.unsignalable);
		log_str(&l, "effect",
			"these processes are not watched or not signalled; see process_unwatched "
			"lines");
		log_str(&l, "fix", fix);
		log_end(&l);
	}
}

static void open_metrics(struct sidecar_metrics **m, const struct settings *s,
			 const struct watch *w, int epfd)
{
	char msg[SETTINGS_ADDR_MAX + 64], err[256];
	snprintf(msg, sizeof msg, "cannot listen on METRICS_ADDR \"%s\"", s->metrics_addr);
	if (sidecar_metrics_open(m, s, w, epfd, err, sizeof err))
		die_setup(EXIT_RUNTIME, msg, err);
	char addr[96];
	sidecar_metrics_addr(*m, addr, sizeof addr);
	struct log_line l;
	if (log_begin(&l, LOG_INFO, "metrics_listening")) {
		log_str(&l, "addr", addr);
		log_end(&l);
	}
}

static int run_once(struct settings *s)
{
	struct caps_have have = {0};
	caps_query(&have);
	struct watch *w = watch_new(s, -1, &have);
	if (!w)
		die_setup(EXIT_RUNTIME, "cannot start watching", strerror(ENOMEM));
	int r = watch_rescan(w, 0);
	if (r) {
		watch_free(w);
		die_setup(EXIT_PROC, "cannot list the /proc root", strerror(-r));
	}
	watch_print_once(w, stdout);
	fflush(stdout);
	watch_free(w);
	return EXIT_CLEAN;
}

int main(int argc, char **argv)
{
	int sigfd = setup_signals();
	if (sigfd < 0)
		die_setup(EXIT_RUNTIME, "cannot set up signal handling", strerror(errno));

	struct cli cli;
	char err[SETTINGS_ERR_MAX];
	if (settings_parse_args(argc, argv, &cli, err, sizeof err))
		die_setup(EXIT_USAGE, err, NULL);
	if (cli.help) {
		settings_usage(stdout, "oomsentry");
		return EXIT_CLEAN;
	}
	if (cli.version) {
		printf("oomsentry %s\n", PACKAGE_VERSION);
		return EXIT_CLEAN;
	}

	static struct settings s;
	if (settings_resolve(&s, &cli, environ, err, sizeof err))
		die_setup(EXIT_USAGE, err, NULL);
	log_configure(s.log_level, s.log_format);
	if (cli.print_config) {
		settings_print(&s, stdout);
		return EXIT_CLEAN;
	}
	/* pidfds and signals act in our own PID namespace: another /proc root
	 * would name other processes. It serves --once and --dry-run only. */
	if (!cli.once && !s.dry_run && strcmp(s.proc_root, SYSROOT_DEFAULT_PROC) != 0)
		die_setup(EXIT_USAGE,
			  "invalid setting PROC_ROOT: a /proc root other than /proc works only "
			  "with --once or --dry-run",
			  s.proc_root);
	check_proc_root(&s);
	if (cli.once)
		return run_once(&s);

	raise_fd_limit();
	struct caps_have have;
	if (caps_query(&have))
		die_setup(EXIT_RUNTIME, "cannot read the capability sets", strerror(errno));
	/* CAP_SETUID and CAP_SETGID serve the JVM actions, and without
	 * CAP_SYS_PTRACE they are how other users' processes are reached
	 * (fsids.h); otherwise they go too. */
	if (have.sys_ptrace &&
	    !((s.warning_actions | s.critical_actions) & (ACTION_HISTOGRAM | ACTION_HEAP_DUMP)))
		have.setuid = have.setgid = false;
	if (caps_restrict(&have, err, sizeof err))
		die_setup(EXIT_RUNTIME, "cannot drop capabilities", err);
	char caps[256];
	caps_describe(caps, sizeof caps);
	events_file_init(&events);
	events_settings = &s;
	log_set_event_sink(events_file_wants, events_sink);
	log_start(&s, caps);
	loop_warn_settings(&s);

	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die_setup(EXIT_RUNTIME, "epoll_create1", strerror(errno));
	if (action_setup(epfd, &have))
		die_setup(EXIT_RUNTIME, "cannot set up runtime actions", strerror(ENOMEM));
	/* As root without CAP_KILL the kill rule still lets us signal root's
	 * processes; procs.c checks each process against that rule. */
	struct watch *w = watch_new(&s, epfd, &have);
	if (!w)
		die_setup(EXIT_RUNTIME, "cannot start watching", strerror(ENOMEM));
	/* Before the first scan: a port that cannot be bound is said at once,
	 * and the listener is served from the loop's first wake-up on. */
	struct sidecar_metrics *metrics = NULL;
	if (s.metrics_addr[0])
		open_metrics(&metrics, &s, w, epfd);
	int r = watch_rescan(w, loop_now_us());
	if (r)
		die_setup(EXIT_PROC, "cannot list the /proc root", strerror(-r));
	check_capabilities(w, &s, &have);
	check_action_capabilities(&s, &have);

	struct loop lp;
	if ((r = loop_init(&lp, epfd, sigfd, &s, &cli, environ, w)))
		die_setup(EXIT_RUNTIME, "cannot set up the event loop", strerror(-r));
	lp.metrics = metrics;
	/* ---- steady state: from here on errors are logged, not fatal ---- */
	r = loop_run(&lp);
	sidecar_metrics_close(lp.metrics);
	action_teardown();
	watch_free(w);
	if (r) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "loop_failed")) {
			log_errno(&l, -r);
			log_end(&l);
		}
	}
	log_set_event_sink(NULL, NULL);
	events_file_close(&events);
	return r ? EXIT_RUNTIME : EXIT_CLEAN;
}
