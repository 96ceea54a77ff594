/* The watcher's parts against /proc trees of files: discovery and roles
 * (procs.c), the registry and its member lists (containers.c), settling and
 * rechecks, and the tick (watch.c) from a sample to a signal that a real
 * child process receives through its pidfd. Also throttle.c. */
#include "check_run.h"
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "containers.h"
#include "log.h"
#include "loop.h"
#include "procs.h"
#include "settings.h"
#include "tally.h"
#include "throttle.h"
#include "watch.h"

static const struct caps_have all_caps = {
	.kill = true, .sys_ptrace = true, .setuid = true, .setgid = true};

#define SEC 1000000ULL

/* ---- helpers ---- */

static char *logbuf;
static size_t loglen;
static FILE *logstream;

static void capture_logs(void)
{
	logstream = open_memstream(&logbuf, &loglen);
	ck_assert_ptr_nonnull(logstream);
	log_set_stream(logstream);
	log_configure(LOG_DEBUG, LOG_LOGFMT);
}

/* The captured lines so far, as one string. */
static const char *logs(void)
{
	fflush(logstream);
	return logbuf ? logbuf : "";
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Settings from environment-style strings ("NAME=value"), with defaults
 * for the rest. */
static void settings_from(struct settings *s, char *const *envp)
{
	char *argv[] = {"oomsentry", NULL};
	struct cli cli;
	char err[SETTINGS_ERR_MAX];
	ck_assert_msg(settings_parse_args(1, argv, &cli, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(settings_resolve(s, &cli, envp, err, sizeof err) == 0, "%s", err);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* A writable copy of a fixture tree; returns its proc root. */
static const char *copy_fixture(const char *name)
{
	static char root[PATH_MAX];
	char tmpl[] = "/tmp/check_watch.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	sh("cp -a '%s/%s/proc' '%s/'", FIXTURES, name, tmpl);
	snprintf(root, sizeof root, "%s/proc", tmpl);
	/* 100, 101 and 102 are one container: one cgroup directory. */
	if (strcmp(name, "v1") == 0)
		sh("cd '%s' && for p in 101 102; do rm -rf $p/root && ln -s ../100/root $p/root; done",
		   root);
	return root;
}

/* Files in dir whose name ends with suffix (0 when dir is missing). */
static int count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	size_t sl = strlen(suffix);
	for (struct dirent *e; (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		n += l > sl && strcmp(e->d_name + l - sl, suffix) == 0 && e->d_name[0] != '.';
	}
	closedir(d);
	return n;
}

/* Removes the temporary directory that holds a proc root. */
static void remove_tree(const char *root)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", root);
	char *slash = strrchr(dir, '/');
	ck_assert(slash && strcmp(slash, "/proc") == 0);
	*slash = '\0';
	sh("rm -r '%s'", dir);
}

static const struct wproc *proc_of(const struct procs *ps, pid_t pid)
{
	for (size_t i = 0; i < procs_count(ps); i++)
		if (procs_at(ps, i)->pid == pid)
			return procs_at(ps, i);
	return NULL;
}

struct world {
	struct settings s;
	struct containers *reg;
	struct procs *ps;
};

static void world_open(struct world *wd, const char *proc_root, const char *extra_env)
{
	char env_root[PATH_MAX + 16];
	snprintf(env_root, sizeof env_root, "PROC_ROOT=%s", proc_root);
	char *envp[] = {env_root, (char *)extra_env, NULL};
	settings_from(&wd->s, envp);
	wd->reg = containers_new(&wd->s, -1);
	struct procs_options o = {.epfd = -1, .have_kill = true, .have_ptrace = true};
	wd->ps = procs_new(&wd->s, wd->reg, &o);
	ck_assert_ptr_nonnull(wd->ps);
}

/* Logs captured, a writable copy of the v1 tree, and its first walk at 0 s.
 * Returns the copy's proc root (remove_tree it at the end). */
static const char *world_copy(struct world *wd, const char *extra_env)
{
	capture_logs();
	const char *root = copy_fixture("v1");
	world_open(wd, root, extra_env);
	ck_assert_int_eq(procs_rescan(wd->ps, 0), 0);
	return root;
}

static void world_close(struct world *wd)
{
	procs_free(wd->ps);
	containers_free(wd->reg);
}

/* ---- throttle ---- */

START_TEST(throttle_once_per_bit)
{
	uint32_t said = 0;
	ck_assert(throttle_once(&said, 0));
	ck_assert(!throttle_once(&said, 0));
	ck_assert(!throttle_said(said, 3));
	ck_assert(throttle_once(&said, 3));
	ck_assert(throttle_said(said, 3));
	ck_assert(!throttle_once(&said, 3));
	ck_assert(throttle_once(&said, 31));
	ck_assert_uint_eq(said, (1u << 0) | (1u << 3) | (1u << 31));
}
END_TEST

START_TEST(throttle_period_counts_held_back)
{
	struct throttle t = {0};
	unsigned held = 99;
	/* The first passes whatever the clock says, even at 0. */
	ck_assert(throttle_pass(&t, 0, 60 * SEC, &held));
	ck_assert_uint_eq(held, 0);
	ck_assert(!throttle_pass(&t, 1 * SEC, 60 * SEC, &held));
	ck_assert(!throttle_pass(&t, 59 * SEC, 60 * SEC, &held));
	ck_assert(throttle_pass(&t, 60 * SEC, 60 * SEC, &held));
	ck_assert_uint_eq(held, 2);
	ck_assert(throttle_pass(&t, 200 * SEC, 60 * SEC, &held));
	ck_assert_uint_eq(held, 0);
}
END_TEST

/* ---- discovery and the registry, on the v1 fixture tree ---- */

START_TEST(roles_of_the_v1_tree)
{
	capture_logs();
	struct world wd;
	world_open(&wd, FIXTURES "/v1/proc", NULL);
	ck_assert_int_eq(procs_rescan(wd.ps, 0), 0);

	static const struct {
		pid_t pid;
		enum proc_role role;
	} want[] = {
		{2, ROLE_KTHREAD},   {100, ROLE_WATCHED}, {101, ROLE_WATCHED}, {102, ROLE_WATCHED},
		{200, ROLE_WATCHED}, {300, ROLE_SELF},    {500, ROLE_WATCHED}, {600, ROLE_WATCHED},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const struct wproc *p = proc_of(wd.ps, want[i].pid);
		ck_assert_msg(p != NULL, "pid %d not kept", (int)want[i].pid);
		ck_assert_msg(p->role == want[i].role, "pid %d: role %s, want %s", (int)p->pid,
			      procs_role_name(p->role), procs_role_name(want[i].role));
		ck_assert((p->role == ROLE_WATCHED) == (p->ct != NULL));
	}
	/* 400 is a zombie, 700 dying: nothing to keep. */
	ck_assert_ptr_null(proc_of(wd.ps, 400));
	ck_assert_ptr_null(proc_of(wd.ps, 700));
	ck_assert_uint_eq(procs_count(wd.ps), sizeof want / sizeof *want);

	struct procs_census c;
	procs_census(wd.ps, &c);
	ck_assert_uint_eq(c.watched, 6);
	ck_assert_uint_eq(c.no_access, 0);
	world_close(&wd);
}
END_TEST

START_TEST(registry_one_container_per_cgroup_members_by_pid)
{
	struct world wd;
	const char *root = world_copy(&wd, NULL);

	/* 100, 101 and 102 share /pod/app; 200, 500 and 600 have their own. */
	const struct container *app = proc_of(wd.ps, 100)->ct;
	ck_assert_ptr_eq(proc_of(wd.ps, 101)->ct, app);
	ck_assert_ptr_eq(proc_of(wd.ps, 102)->ct, app);
	ck_assert_str_eq(app->cgpath, "/pod/app");
	ck_assert_uint_eq(containers_count(wd.reg), 4);
	ck_assert_int_eq(count(logs(), "event=container_found "), 4);

	/* Every container's member list holds exactly its processes, by pid. */
	for (size_t i = 0; i < containers_count(wd.reg); i++) {
		const struct container *ct = containers_at(wd.reg, i);
		int n = 0;
		pid_t last = 0;
		for (const struct wproc *p = ct->members; p; p = p->next_member, n++) {
			ck_assert_ptr_eq(p->ct, ct);
			ck_assert_int_gt(p->pid, last);
			last = p->pid;
		}
		ck_assert_int_eq(n, ct->nprocs);
	}
	ck_assert_int_eq(app->nprocs, 3);
	ck_assert_int_eq(app->members->pid, 100);

	/* Limits, thresholds and the unlimited one. */
	ck_assert(app->params_ok);
	ck_assert_uint_eq(app->limit_bytes, 134217728);
	const struct container *free_ct = proc_of(wd.ps, 200)->ct;
	ck_assert(!free_ct->have_limit && !free_ct->params_ok);
	ck_assert_int_eq(count(logs(), "event=container_unwatched "), 1);

	/* Exits: the container stays while it has members, and goes with the last. */
	procs_exited(wd.ps, 101, 1 * SEC);
	ck_assert_int_eq(app->nprocs, 2);
	ck_assert_int_eq(app->members->next_member->pid, 102);
	procs_exited(wd.ps, 100, 1 * SEC);
	ck_assert_int_eq(count(logs(), "event=container_gone "), 0);
	procs_exited(wd.ps, 102, 1 * SEC);
	ck_assert_int_eq(count(logs(), "event=container_gone cgroup=/pod/app "), 1);
	ck_assert_uint_eq(containers_count(wd.reg), 3);
	procs_exited(wd.ps, 102, 1 * SEC); /* twice: nothing happens */
	ck_assert_uint_eq(procs_count(wd.ps), 5);
	world_close(&wd);
	remove_tree(root);
}
END_TEST

/* A process that leaves the tree is forgotten at the next rescan, and its
 * container with it once empty; a rescan that finds it again within the
 * same walk would keep the container (see containers_hold). */
START_TEST(rescan_forgets_vanished)
{
	struct world wd;
	const char *root = world_copy(&wd, NULL);
	ck_assert_ptr_nonnull(proc_of(wd.ps, 600));
	sh("rm -r '%s/600'", root);
	ck_assert_int_eq(procs_rescan(wd.ps, 1 * SEC), 0);
	ck_assert_ptr_null(proc_of(wd.ps, 600));
	ck_assert_int_eq(count(logs(), "event=container_gone cgroup=/pod/parent/child "), 1);
	ck_assert_uint_eq(containers_count(wd.reg), 3);
	world_close(&wd);
	remove_tree(root);
}
END_TEST

/* While it settles, a process that renames itself (execs) is found again
 * under its new name; once settled, a watched process is not re-read. */
START_TEST(settling_then_settled)
{
	struct world wd;
	const char *root = world_copy(&wd, NULL);
	ck_assert_str_eq(proc_of(wd.ps, 500)->comm, "cachey");

	sh("sed -i 's/(cachey)/(renamed)/' '%s/500/stat'", root);
	ck_assert_int_eq(procs_rescan(wd.ps, 1 * SEC), 0);
	ck_assert_str_eq(proc_of(wd.ps, 500)->comm, "renamed");
	/* Found again in the same walk: its container was kept, not re-found. */
	ck_assert_int_eq(count(logs(), "event=container_gone"), 0);
	ck_assert_int_eq(count(logs(), "comm=cachey cgroup_version"), 1);

	/* Settled (5 s after its discovery at 1 s): a watched process is not
	 * looked at again. */
	sh("sed -i 's/(renamed)/(again)/' '%s/500/stat'", root);
	ck_assert_int_eq(procs_rescan(wd.ps, 7 * SEC), 0);
	ck_assert_str_eq(proc_of(wd.ps, 500)->comm, "renamed");
	world_close(&wd);
	remove_tree(root);
}
END_TEST

/* A process left out by name is looked at again after settling, at growing
 * gaps: when it execs something selected, it becomes watched. */
START_TEST(filtered_process_rechecked)
{
	struct world wd;
	const char *root = world_copy(&wd, "INCLUDE=app*,cachey");
	ck_assert_int_eq(proc_of(wd.ps, 600)->role, ROLE_FILTERED);
	ck_assert_int_eq(proc_of(wd.ps, 500)->role, ROLE_WATCHED);

	/* Settled at 5 s; first look 1 s after a look finds nothing new. */
	ck_assert_int_eq(procs_rescan(wd.ps, 6 * SEC), 0);
	ck_assert_int_eq(proc_of(wd.ps, 600)->role, ROLE_FILTERED);
	sh("sed -i 's/^600 ([^)]*)/600 (appserver)/' '%s/600/stat'", root);
	ck_assert_int_eq(procs_rescan(wd.ps, 6 * SEC + 500000), 0);
	ck_assert_int_eq(proc_of(wd.ps, 600)->role, ROLE_FILTERED); /* not due yet */
	ck_assert_int_eq(procs_rescan(wd.ps, 7 * SEC + 1), 0);
	ck_assert_int_eq(proc_of(wd.ps, 600)->role, ROLE_WATCHED);
	ck_assert_str_eq(proc_of(wd.ps, 600)->comm, "appserver");
	world_close(&wd);
	remove_tree(root);
}
END_TEST

/* ---- the tick, with a real child process behind a tree of files ---- */

static int sigpipe_w = -1;

static void on_signal(int signo)
{
	unsigned char b = (unsigned char)signo;
	(void)!write(sigpipe_w, &b, 1);
}

/* A child that catches SIGUSR1 and SIGUSR2 and writes each one's number to
 * the pipe; it is ready when it has written 0. */
static pid_t start_child(int *rd)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sigpipe_w = fds[1];
		signal(SIGUSR1, on_signal);
		signal(SIGUSR2, on_signal);
		unsigned char zero = 0;
		(void)!write(fds[1], &zero, 1);
		for (;;)
			pause();
	}
	close(fds[1]);
	unsigned char b = 1;
	ck_assert_int_eq(read(fds[0], &b, 1), 1);
	ck_assert_int_eq(b, 0);
	*rd = fds[0];
	return pid;
}

/* A /proc root holding the child alone (its real stat and status, so its
 * real handlers; no other pid, since these would be signalled for real) in
 * a v1 memory cgroup of files: limit 100 MiB. */
static const char *tree_for(pid_t pid, char *cgdir, size_t size)
{
	static char root[64];
	char tmpl[] = "/tmp/check_watch.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(root, sizeof root, "%s/proc", tmpl);
	char d[128];
	snprintf(d, sizeof d, "%s/self", root);
	sh("mkdir -p '%s'", d);
	write_file(d, "cgroup", "4:memory:/pod/sidecar\n0::/\n");
	snprintf(d, sizeof d, "%s/%d", root, (int)pid);
	sh("mkdir -p '%s/root/sys/fs/cgroup/memory' && cp /proc/%d/stat /proc/%d/status '%s/'", d,
	   (int)pid, (int)pid, d);
	write_file(d, "cgroup", "4:memory:/pod/t\n0::/\n");
	write_file(d, "mountinfo",
		   "35 31 0:32 /pod/t /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n");
	snprintf(cgdir, size, "%s/root/sys/fs/cgroup/memory", d);
	write_file(cgdir, "memory.limit_in_bytes", "104857600\n");
	write_file(cgdir, "memory.usage_in_bytes", "10485760\n");
	write_file(cgdir, "memory.stat", "total_inactive_file 0\n");
	write_file(cgdir, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
	return root;
}

static int next_signal(int rd)
{
	unsigned char b = 0;
	struct timeval tv = {5, 0};
	fd_set set;
	FD_ZERO(&set);
	FD_SET(rd, &set);
	if (select(rd + 1, &set, NULL, NULL, &tv) != 1 || read(rd, &b, 1) != 1)
		return 0;
	return b;
}

START_TEST(tick_signals_the_members)
{
	capture_logs();
	int rd;
	pid_t child = start_child(&rd);
	char cg[PATH_MAX], env_root[PATH_MAX + 16];
	const char *root = tree_for(child, cg, sizeof cg);
	snprintf(env_root, sizeof env_root, "PROC_ROOT=%s", root);
	char env_dumps[PATH_MAX + 16], dumps[PATH_MAX];
	snprintf(dumps, sizeof dumps, "%s/dumps", root);
	snprintf(env_dumps, sizeof env_dumps, "DUMP_DIR=%s", dumps);
	char *envp[] = {env_root, env_dumps, "WARNING=50", "CRITICAL=90", "COOLDOWN=10s", NULL};
	struct settings s;
	settings_from(&s, envp);
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(epfd, 0);
	struct watch *w = watch_new(&s, epfd, &all_caps);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(watch_rescan(w, 1 * SEC), 0);
	ck_assert_int_eq(count(logs(), "event=container_found cgroup=/pod/t "), 1);
	struct container *ct = containers_at(watch_containers(w), 0);
	uint64_t kills_before = tally_sidecar()->oom_kills;

	/* 10%: read at once, nothing to say; the next read is planned. */
	ck_assert_uint_eq(watch_next_deadline(w), 0);
	watch_tick(w, 1 * SEC);
	uint64_t next = watch_next_deadline(w);
	ck_assert(next > 1 * SEC && next != UINT64_MAX);
	ck_assert_int_eq(count(logs(), "event=level "), 0);

	/* 95%: critical at once, and the child gets SIGUSR2. */
	write_file(cg, "memory.usage_in_bytes", "99614720\n");
	watch_tick(w, next);
	ck_assert_int_eq(count(logs(), "event=level cgroup=/pod/t "), 1);
	ck_assert_int_eq(count(logs(), " to=critical "), 1);
	ck_assert_int_eq(next_signal(rd), SIGUSR2);
	ck_assert_int_eq(count(logs(), "event=signal_sent "), 1);
	ck_assert_int_eq(count(logs(), "memory_level=critical cgroup=/pod/t repeat=false"), 1);
	/* Counted, and the flight record of the entry into critical written:
	 * two samples, the second marked with the signal. */
	ck_assert_uint_eq(ct->tally.signals_sent[LEVEL_CRITICAL], 1);
	ck_assert_uint_eq(ct->tally.reads, 2);
	ck_assert_int_eq(count(logs(), "event=flight_recorded cgroup=/pod/t "), 1);
	ck_assert_int_eq(count(logs(), " reason=critical csv="), 1);
	ck_assert_int_eq(count_files(dumps, "-critical.flight.csv"), 1);
	ck_assert_int_eq(count_files(dumps, "-critical.flight.svg"), 1);
	/* The mark lands on the sample, or on a copy of it when the clock
	 * turned a millisecond between the read and the send. */
	size_t held = flightrec_count(&ct->fr);
	ck_assert(held == 2 || held == 3);
	struct flightrec_point pt;
	ck_assert(flightrec_get(&ct->fr, held - 1, &pt));
	ck_assert_int_eq(pt.mark, FLIGHTREC_MARK_SIGNAL);
	ck_assert_uint_eq(pt.arg, SIGUSR2);
	ck_assert_int_eq(pt.level, LEVEL_CRITICAL);

	/* Still critical before the cooldown: no repeat; after it: one. */
	next = watch_next_deadline(w);
	watch_tick(w, next);
	ck_assert_int_eq(count(logs(), "event=signal_sent "), 1);
	watch_tick(w, next + 11 * SEC);
	ck_assert_int_eq(next_signal(rd), SIGUSR2);
	ck_assert_int_eq(count(logs(), "repeat=true"), 1);

	/* Its exit wakes the loop under the pidfd's tag, and its container goes
	 * with it (the OOM count looked at one last time). */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	struct epoll_event ev;
	ck_assert_int_eq(epoll_wait(epfd, &ev, 1, 5000), 1);
	ck_assert_uint_eq(ev.data.u64 >> 32, LOOP_TAG_PIDFD);
	ck_assert_int_eq((pid_t)(ev.data.u64 & 0xffffffffu), child);
	write_file(cg, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	watch_process_exited(w, child, next + 12 * SEC);
	ck_assert_int_eq(count(logs(), "event=oom_kill cgroup=/pod/t "), 1);
	ck_assert_int_eq(count(logs(), "last_signal=SIGUSR2 last_signal_level=critical"), 1);
	/* The kill is counted beyond the container, and its record written
	 * before the line, which names the files. */
	ck_assert_uint_eq(tally_sidecar()->oom_kills, kills_before + 1);
	ck_assert_int_eq(count(logs(), "flight_csv="), 1);
	ck_assert_int_eq(count(logs(), ".flight.svg"), 2);
	ck_assert_int_eq(count_files(dumps, "-oomkill.flight.csv"), 1);
	ck_assert_int_eq(count_files(dumps, "-oomkill.flight.svg"), 1);
	ck_assert_int_eq(count(logs(), "event=container_gone cgroup=/pod/t "), 1);
	ck_assert_uint_eq(watch_next_deadline(w), UINT64_MAX);
	watch_free(w);
	close(epfd);
	remove_tree(root);
}
END_TEST

/* memory.stat is read only when a decision needs the working set: below
 * warning at the normal level, a broken memory.stat goes unnoticed; above
 * warning it is read, and its failure logged. */
START_TEST(tick_reads_stat_only_when_needed)
{
	capture_logs();
	int rd;
	pid_t child = start_child(&rd);
	char cg[PATH_MAX], env_root[PATH_MAX + 16];
	const char *root = tree_for(child, cg, sizeof cg);
	snprintf(env_root, sizeof env_root, "PROC_ROOT=%s", root);
	char *envp[] = {env_root, "WARNING=50", "CRITICAL=90", NULL};
	struct settings s;
	settings_from(&s, envp);
	struct watch *w = watch_new(&s, -1, &all_caps);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(watch_rescan(w, 1 * SEC), 0);
	write_file(cg, "memory.stat", "garbage\n");
	watch_tick(w, 1 * SEC);
	ck_assert_int_eq(count(logs(), "event=cgroup_read_failed"), 0);
	write_file(cg, "memory.usage_in_bytes", "62914560\n"); /* 60% */
	watch_tick(w, watch_next_deadline(w));
	ck_assert_int_eq(count(logs(), "event=cgroup_read_failed cgroup=/pod/t "), 1);
	ck_assert_int_eq(count(logs(), "event=level "), 0);
	/* Fixed: the working set (60% - 30%) is below warning. */
	write_file(cg, "memory.stat", "total_inactive_file 31457280\n");
	watch_tick(w, watch_next_deadline(w));
	ck_assert_int_eq(count(logs(), "event=level "), 0);
	write_file(cg, "memory.stat", "total_inactive_file 0\n");
	watch_tick(w, watch_next_deadline(w));
	ck_assert_int_eq(count(logs(), "event=level cgroup=/pod/t "), 1);
	ck_assert_int_eq(count(logs(), " to=warning "), 1);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	watch_free(w);
	remove_tree(root);
}
END_TEST

static Suite *watch_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, throttle_once_per_bit);
	tcase_add_test(tc, throttle_period_counts_held_back);
	tcase_add_test(tc, roles_of_the_v1_tree);
	tcase_add_test(tc, registry_one_container_per_cgroup_members_by_pid);
	tcase_add_test(tc, rescan_forgets_vanished);
	tcase_add_test(tc, settling_then_settled);
	tcase_add_test(tc, filtered_process_rechecked);
	tcase_add_test(tc, tick_signals_the_members);
	tcase_add_test(tc, tick_reads_stat_only_when_needed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(watch_suite());
}
