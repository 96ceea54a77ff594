#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "caps.h"
#include "deliver.h"
#include "fsids.h"
#include "log.h"
#include "loop.h"
#include "settings.h"
#include "throttle.h"

/* pidfd_open failures (out of fds) are logged at most this often. */
#define FD_ERROR_LOG_EVERY_US (60ULL * 1000000)

struct procs {
	const struct settings *s;
	struct containers *reg;
	struct procs_options o;
	pid_t self_pid;
	char self_cgroup[4096];      /* our own /proc/self/cgroup */
	uid_t ruid, euid;
	struct wproc **v;            /* sorted by pid */
	size_t n, cap;
	struct pid_list scan;
	struct throttle fd_errors;
	long last_pid;               /* /proc/loadavg's at the last walk, -1 unknown */
	bool scanned_once;           /* the start-up scan is done */
};

const char *procs_role_name(enum proc_role r)
{
	static const char *const names[] = {"watched",   "self",      "kernel_thread",
					    "filtered",  "no_cgroup", "no_access"};
	return names[r];
}

struct procs *procs_new(const struct settings *s, struct containers *reg,
			const struct procs_options *o)
{
	struct procs *ps = calloc(1, sizeof *ps);
	if (!ps)
		return NULL;
	ps->s = s;
	ps->reg = reg;
	ps->o = *o;
	/* Not getpid(): pids below are those of s->proc_root's namespace. */
	ps->self_pid = proc_self_pid(s->proc_root);
	ps->last_pid = -1;
	ps->ruid = getuid();
	ps->euid = geteuid();
	char path[SETTINGS_PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/self/cgroup", s->proc_root);
	ssize_t n = proc_read_at(AT_FDCWD, path, ps->self_cgroup, sizeof ps->self_cgroup);
	if (n < 0) {
		/* Without it we cannot tell our own container apart; nothing in it
		 * can have a limit we would act on without a handler check anyway. */
		ps->self_cgroup[0] = '\0';
		struct log_line l;
		if (log_begin(&l, LOG_WARN, "own_cgroup_unknown")) {
			log_str(&l, "path", path);
			log_errno(&l, (int)-n);
			log_end(&l);
		}
	}
	return ps;
}

void procs_set_settings(struct procs *ps, const struct settings *s)
{
	ps->s = s;
}

/* Closes p's pidfd (which also leaves the epoll set), takes it out of its
 * container, and frees it. */
static void release(struct procs *ps, struct wproc *p, uint64_t now_us)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->ct) /* set only while it is a member */
		containers_leave(ps->reg, p->ct, p, now_us);
	free(p);
}

void procs_free(struct procs *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i]->pidfd >= 0)
			close(ps->v[i]->pidfd);
		free(ps->v[i]);
	}
	free(ps->v);
	pid_list_free(&ps->scan);
	free(ps);
}

static size_t find(const struct procs *ps, pid_t pid, bool *found)
{
	size_t lo = 0, hi = ps->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ps->v[mid]->pid == pid) {
			*found = true;
			return mid;
		}
		if (ps->v[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void forget(struct procs *ps, size_t i, uint64_t now_us)
{
	struct wproc *p = ps->v[i];
	memmove(&ps->v[i], &ps->v[i + 1], (ps->n - i - 1) * sizeof *ps->v);
	ps->n--;
	release(ps, p, now_us);
}

void procs_exited(struct procs *ps, pid_t pid, uint64_t now_us)
{
	/* A pidfd turns readable when its process exits (a zombie included: it
	 * can no longer act on a signal). The entry always names that process,
	 * even if the pid has been reused since. */
	bool found;
	size_t i = find(ps, pid, &found);
	if (!found)
		return;
	struct wproc *p = ps->v[i];
	if (p->role == ROLE_WATCHED) {
		/* An exit may be the OOM killer's work: look now, not at the
		 * next read. */
		containers_check_oom(ps->reg, p->ct, now_us);
		struct log_line l;
		if (log_begin(&l, LOG_DEBUG, "process_gone")) {
			log_int(&l, "pid", p->pid);
			log_str(&l, "comm", p->comm);
			log_end(&l);
		}
	}
	forget(ps, i, now_us);
}

/* FNV-1a: cheap, and enough to notice that a small file changed. */
static uint64_t hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Is pid dying or gone? Asked after reading its cgroup and mounts: if it
 * was not dying then, what they said was whole. With st, its stat. */
static bool exiting(const struct procs *ps, pid_t pid, struct proc_stat *st)
{
	char buf[4096];
	struct proc_stat mine;
	if (!st)
		st = &mine;
	return proc_read(ps->s->proc_root, pid, "stat", buf, sizeof buf) < 0 ||
	       proc_parse_stat(buf, st) || proc_is_exiting(st);
}

/* Has p moved to another cgroup or exec'd (or renamed itself) since its
 * discovery? Only what could change its role is read: for a process left out
 * by name, its name; for one in our own container, its cgroup. */
static bool unsettled(const struct procs *ps, const struct wproc *p, uint64_t now_us)
{
	bool settling = now_us < p->settle_until_us;
	bool cgroup = settling || p->role != ROLE_FILTERED;
	bool comm = settling || p->role != ROLE_SELF;
	char buf[4096];
	struct proc_stat st;
	bool moved = false;
	if (cgroup) {
		if (proc_read(ps->s->proc_root, p->pid, "cgroup", buf, sizeof buf) < 0)
			return false; /* gone: the exit notice will come */
		moved = hash_text(buf) != p->cgroup_hash;
	}
	if (!moved && !comm)
		return false;
	/* Read after the cgroup: a dying process's cgroup reads "/" (see
	 * proc_is_exiting), and that is no move; its exit notice will come. */
	if (exiting(ps, p->pid, &st))
		return false;
	return moved || strcmp(st.comm, p->comm) != 0;
}

/* The pod's pause process (PID 1 of a shared PID namespace: Kubernetes'
 * pause, podman's catatonit) has nothing to warn and no memory limit;
 * without CAP_SYS_PTRACE it is hidden (it runs as root or 65535) in every
 * pod, which is no fault of the settings. */
static bool is_pod_pause(const struct wproc *p)
{
	return p->pid == 1 && (strcmp(p->comm, "pause") == 0 || strcmp(p->comm, "catatonit") == 0);
}

static void log_unwatched(const struct procs *ps, struct wproc *p)
{
	struct log_line l;
	if (!throttle_once(&p->said, PROC_SAID_UNWATCHED))
		return;
	bool hidden = p->role == ROLE_NO_ACCESS;
	enum log_level lv = hidden && is_pod_pause(p) ? LOG_INFO : hidden ? LOG_ERROR : LOG_WARN;
	if (log_begin(&l, lv, "process_unwatched")) {
		log_int(&l, "pid", p->pid);
		log_str(&l, "comm", p->comm);
		log_str(&l, "reason", lv == LOG_INFO
					      ? "the pod's pause process: cannot read its cgroup "
						"without CAP_SYS_PTRACE, and it is never signalled"
				      : hidden ? "cannot read its cgroup: CAP_SYS_PTRACE missing"
					       : "cannot find or read its memory cgroup");
		if (lv == LOG_ERROR) {
			char fix[400];
			caps_fix_hint(fix, sizeof fix, ps->s->proc_root, p->pid, ps->o.have_setids);
			log_str(&l, "fix", fix);
		}
		log_errno(&l, -p->unwatched_err);
		log_end(&l);
	}
}

/* Finds p's container (opening it if new). Returns 0 with p watched, or
 * -errno with p's role saying why not. */
static struct container *find_container(struct procs *ps, struct wproc *p, uint64_t now_us,
					int *err)
{
	char pidstr[16];
	snprintf(pidstr, sizeof pidstr, "%d", (int)p->pid);
	struct cg_location loc;
	*err = cg_locate(ps->s->proc_root, pidstr, &loc);
	if (!*err && exiting(ps, p->pid, NULL))
		*err = -ESRCH; /* what cg_locate read may be half torn down */
	return *err ? NULL : containers_get(ps->reg, &loc, p->comm, now_us, err);
}

static int attach(struct procs *ps, struct wproc *p, uint64_t now_us)
{
	int err;
	struct container *ct = find_container(ps, p, now_us, &err);
	if ((err == -EACCES || err == -EPERM) && !ps->o.have_ptrace) {
		/* Without CAP_SYS_PTRACE, a process of another user is reached
		 * with its own ids (see fsids.h); the cgroup's files, once open,
		 * need nothing more. */
		struct fsids id = FSIDS_INIT;
		if (fsids_become_owner(&id, ps->s->proc_root, p->pid) == 0) {
			ct = find_container(ps, p, now_us, &err);
			fsids_restore(&id);
		}
	}
	if (err) {
		/* Denied with CAP_SYS_PTRACE in hand is not ours to fix (another
		 * user namespace, say): that is "no cgroup", not "no access". */
		p->role = (err == -EACCES || err == -EPERM) && !ps->o.have_ptrace ? ROLE_NO_ACCESS
										  : ROLE_NO_CGROUP;
		p->ct = NULL;
		p->unwatched_err = err;
		return err;
	}
	p->role = ROLE_WATCHED;
	p->ct = ct;
	containers_join(ct, p);
	return 0;
}

/* What a new process is to us (p->role), from its stat and cgroup.
 * Returns false if it is not worth keeping (gone, a zombie, dying). */
static bool classify(struct procs *ps, struct wproc *p, uint64_t now_us)
{
	const struct settings *s = ps->s;
	char buf[4096];
	struct proc_stat st;
	if (exiting(ps, p->pid, &st))
		return false;
	snprintf(p->comm, sizeof p->comm, "%s", st.comm);
	if (proc_is_kernel_thread(&st)) {
		p->role = ROLE_KTHREAD;
		return true;
	}
	if (p->pid == ps->self_pid) {
		p->role = ROLE_SELF;
		return true;
	}
	if (proc_read(s->proc_root, p->pid, "cgroup", buf, sizeof buf) < 0)
		return false;
	p->cgroup_hash = hash_text(buf);
	p->settle_until_us = now_us + PROCS_SETTLE_US;
	if (ps->self_cgroup[0] && strcmp(buf, ps->self_cgroup) == 0) {
		p->role = ROLE_SELF;
		return true;
	}
	if (!settings_comm_selected(s, p->comm)) {
		p->role = ROLE_FILTERED;
		return true;
	}

	struct proc_status status;
	bool have_status = proc_read(s->proc_root, p->pid, "status", buf, sizeof buf) >= 0 &&
			   proc_parse_status(buf, &status) == 0;
	p->may_signal = ps->o.have_kill ||
			(have_status && status.has_uid &&
			 deliver_uid_may_signal(ps->ruid, ps->euid, status.uid_real, status.uid_saved));

	if (attach(ps, p, now_us)) {
		/* A process that exited meanwhile fails these reads too: that is
		 * no news. */
		if ((p->pidfd >= 0 && deliver_alive(p->pidfd)) || exiting(ps, p->pid, NULL))
			return false;
		/* At start-up, say at once what cannot be seen (the capability
		 * check relies on it). A process found later may still be on its
		 * way into its container: it is tried again at each rescan, and
		 * reported only if it is still unwatched once it has settled. */
		if (!ps->scanned_once)
			log_unwatched(ps, p);
	}
	return true;
}

/* A new pid: its process opened, classified and, if it is worth keeping,
 * returned (allocated); NULL if there is nothing to keep (it vanished or
 * is a zombie, or we are out of fds or memory). */
static struct wproc *discover(struct procs *ps, pid_t pid, uint64_t now_us)
{
	struct wproc *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->pid = pid;
	p->pidfd = -1;
	if (ps->o.epfd >= 0) {
		p->pidfd = deliver_open(pid);
		if (p->pidfd < 0) {
			unsigned held;
			struct log_line l;
			if ((p->pidfd == -EMFILE || p->pidfd == -ENFILE) &&
			    throttle_pass(&ps->fd_errors, now_us, FD_ERROR_LOG_EVERY_US, &held) &&
			    log_begin(&l, LOG_ERROR, "pidfd_open_failed")) {
				log_int(&l, "pid", pid);
				log_errno(&l, -p->pidfd);
				log_str(&l, "effect", "process not watched until fds free up");
				log_end(&l);
			}
			free(p);
			return NULL;
		}
	}
	if (!classify(ps, p, now_us)) {
		release(ps, p, now_us);
		return NULL;
	}
	/* Everything read above belongs to the pidfd's process only if that
	 * process still exists now: otherwise the pid may have been reused.
	 * Without the exit notice the entry could outlive its pid: if it
	 * cannot be had, drop the entry and try again on the next rescan. */
	if (p->pidfd >= 0 && (deliver_alive(p->pidfd) ||
			      loop_add_fd(ps->o.epfd, p->pidfd, EPOLLIN, LOOP_TAG_PIDFD,
					  (uint32_t)pid))) {
		release(ps, p, now_us);
		return NULL;
	}
	struct log_line l;
	if (log_begin(&l, LOG_DEBUG, "process_found")) {
		log_int(&l, "pid", pid);
		log_str(&l, "comm", p->comm);
		log_str(&l, "role", procs_role_name(p->role));
		if (p->role == ROLE_WATCHED)
			log_str(&l, "cgroup", p->ct->cgpath);
		log_end(&l);
	}
	return p;
}

/* The last pid handed out in our PID namespace, from /proc/loadavg's last
 * field ("0.00 0.01 0.05 1/123 4567"), or -1 if unknown. While it does not
 * change, no process has been created and walking /proc would find nothing
 * new; exits are reported by the pidfds. */
static long last_pid_created(const struct procs *ps)
{
	char buf[128];
	char path[SETTINGS_PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/loadavg", ps->s->proc_root);
	if (proc_read_at(AT_FDCWD, path, buf, sizeof buf) <= 0)
		return -1;
	const char *sp = strrchr(buf, ' ');
	char *end;
	long pid = sp ? strtol(sp + 1, &end, 10) : -1;
	return sp && end != sp + 1 && pid > 0 ? pid : -1;
}

static bool unresolved(const struct wproc *p)
{
	return p->role == ROLE_NO_CGROUP || p->role == ROLE_NO_ACCESS;
}

/* Is p's cgroup and name worth re-reading at this rescan? While it settles,
 * yes. After that, now and then for as long as we do not watch it: a runtime
 * sets a container up (mounts, cgroup) and only then execs the workload, and
 * on a loaded node that can take longer than any settle time; the exec is
 * what makes it one to watch. A watched process is not re-read: a workload
 * does not leave its container, and there may be thousands of them. */
static bool may_change(const struct procs *ps, const struct wproc *p, uint64_t now_us)
{
	if (now_us < p->settle_until_us)
		return true;
	switch (p->role) {
	case ROLE_FILTERED:
	case ROLE_NO_CGROUP:
	case ROLE_NO_ACCESS:
		break;
	case ROLE_SELF:
		if (p->pid == ps->self_pid)
			return false;
		break;
	default:
		return false;
	}
	return now_us >= p->recheck_at_us;
}

/* Has p changed since its discovery, if it is due for a look? A look that
 * finds nothing puts the next one further off. */
static bool changed(const struct procs *ps, struct wproc *p, uint64_t now_us)
{
	if (!may_change(ps, p, now_us))
		return false;
	if (unsettled(ps, p, now_us))
		return true;
	if (now_us >= p->settle_until_us) {
		p->recheck_gap_us = p->recheck_gap_us ? p->recheck_gap_us * 2 : PROCS_RECHECK_MIN_US;
		if (p->recheck_gap_us > PROCS_RECHECK_MAX_US)
			p->recheck_gap_us = PROCS_RECHECK_MAX_US;
		p->recheck_at_us = now_us + p->recheck_gap_us;
	}
	return false;
}

/* Has a settled process we do not watch exec'd or moved? (Settling ones
 * are looked at on every rescan anyway.) */
static bool unwatched_changed(const struct procs *ps, uint64_t now_us)
{
	for (size_t i = 0; i < ps->n; i++)
		if (now_us >= ps->v[i]->settle_until_us && changed(ps, ps->v[i], now_us))
			return true;
	return false;
}

/* Processes still settling, or whose "unwatched" report is still due. */
static bool has_young_processes(const struct procs *ps, uint64_t now_us)
{
	for (size_t i = 0; i < ps->n; i++) {
		const struct wproc *p = ps->v[i];
		if (now_us < p->settle_until_us ||
		    (unresolved(p) && !throttle_said(p->said, PROC_SAID_UNWATCHED)))
			return true;
	}
	return false;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = (*(struct wproc *const *)a)->pid, y = (*(struct wproc *const *)b)->pid;
	return (x > y) - (x < y);
}

/* Known pids that are no longer listed are gone (their exit notice may
 * still be queued; forgetting them now is the same outcome). A process
 * that moved or exec'd is forgotten too, and found again as new. */
static void forget_gone(struct procs *ps, uint64_t now_us)
{
	size_t j = 0;
	for (size_t i = 0; i < ps->n;) {
		struct wproc *p = ps->v[i];
		while (j < ps->scan.len && ps->scan.pids[j] < p->pid)
			j++;
		bool listed = j < ps->scan.len && ps->scan.pids[j] == p->pid;
		if (!listed || changed(ps, p, now_us)) {
			forget(ps, i, now_us);
			continue;
		}
		if (unresolved(p)) {
			/* Its cgroup could not be read: try again while it settles
			 * (a new container mounts its cgroup after its process
			 * appears), then report it once. */
			if (now_us < p->settle_until_us)
				attach(ps, p, now_us);
			else
				log_unwatched(ps, p);
		}
		i++;
	}
}

/* New pids, appended then sorted back into place. */
static void add_new(struct procs *ps, uint64_t now_us)
{
	size_t known = ps->n, k = 0;
	for (size_t i = 0; i < ps->scan.len; i++) {
		pid_t pid = ps->scan.pids[i];
		while (k < known && ps->v[k]->pid < pid)
			k++;
		if (k < known && ps->v[k]->pid == pid)
			continue;
		if (ps->n == ps->cap) {
			size_t cap = ps->cap ? ps->cap * 2 : 64;
			struct wproc **v = realloc(ps->v, cap * sizeof *v);
			if (!v)
				break;
			ps->v = v;
			ps->cap = cap;
		}
		struct wproc *p = discover(ps, pid, now_us);
		if (p)
			ps->v[ps->n++] = p;
	}
	if (ps->n != known)
		qsort(ps->v, ps->n, sizeof *ps->v, cmp_pid);
}

int procs_rescan(struct procs *ps, uint64_t now_us)
{
	long last = last_pid_created(ps);
	if (last >= 0 && last == ps->last_pid && !has_young_processes(ps, now_us) &&
	    !unwatched_changed(ps, now_us))
		return 0;
	int r = proc_list_pids(ps->s->proc_root, &ps->scan);
	if (r)
		return r;
	ps->last_pid = last;
	/* An emptied container is kept to the end of the walk: its process may
	 * be found again below (it was still moving in). */
	containers_hold(ps->reg);
	forget_gone(ps, now_us);
	add_new(ps, now_us);
	containers_release(ps->reg, now_us);
	ps->scanned_once = true;
	return 0;
}

void procs_census(const struct procs *ps, struct procs_census *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < ps->n; i++) {
		const struct wproc *p = ps->v[i];
		if (p->role == ROLE_NO_ACCESS && !is_pod_pause(p)) {
			if (!c->no_access++) {
				c->no_access_pid = p->pid;
				snprintf(c->no_access_comm, sizeof c->no_access_comm, "%s", p->comm);
			}
		} else if (p->role == ROLE_WATCHED) {
			c->watched++;
			if (!p->may_signal && !c->unsignalable++) {
				c->unsignalable_pid = p->pid;
				snprintf(c->unsignalable_comm, sizeof c->unsignalable_comm, "%s",
					 p->comm);
			}
		}
	}
}

size_t procs_count(const struct procs *ps)
{
	return ps->n;
}

const struct wproc *procs_at(const struct procs *ps, size_t i)
{
	return ps->v[i];
}
