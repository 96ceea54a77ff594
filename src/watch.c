#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "deliver.h"
#include "log.h"
#include "signame.h"

/* Read errors of one container are logged at most this often. */
#define ERROR_LOG_EVERY_US (60ULL * 1000000)

static const char *role_name(enum proc_role r)
{
	static const char *const names[] = {"watched",   "self",      "kernel_thread",
					    "filtered",  "no_cgroup", "no_access"};
	return names[r];
}

int watch_init(struct watch *w, const struct settings *s, int epfd, bool one_shot,
	       bool have_kill, bool have_ptrace)
{
	memset(w, 0, sizeof *w);
	w->s = s;
	w->epfd = epfd;
	w->one_shot = one_shot;
	w->have_kill = have_kill;
	w->have_ptrace = have_ptrace;
	/* Not getpid(): pids below are those of s->proc_root's namespace. */
	w->self_pid = proc_self_pid(s->proc_root);
	w->last_pid = -1;
	w->ruid = getuid();
	w->euid = geteuid();
	char path[SETTINGS_PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/self/cgroup", s->proc_root);
	ssize_t n = proc_read_at(AT_FDCWD, path, w->self_cgroup, sizeof w->self_cgroup);
	if (n < 0) {
		/* Without it we cannot tell our own container apart; nothing in it
		 * can have a limit we would act on without a handler check anyway. */
		w->self_cgroup[0] = '\0';
		struct log_line l;
		if (log_begin(&l, LOG_WARN, "own_cgroup_unknown")) {
			log_str(&l, "path", path);
			log_errno(&l, (int)-n);
			log_end(&l);
		}
	}
	return 0;
}

static void log_container(struct log_line *l, const struct container *ct);

static void drop_v1_events(struct container *ct)
{
	for (int i = 0; i < ct->nv1_evfds; i++)
		close(ct->v1_evfds[i]); /* closing unregisters, and leaves epoll */
	ct->nv1_evfds = 0;
}

static void container_free(struct container *ct)
{
	drop_v1_events(ct);
	cg_reader_close(&ct->rd);
	free(ct);
}

static uint64_t event_tag(const struct container *ct)
{
	return (WATCH_TAG_CGROUP_EVENT << 32) | ct->id;
}

/* v1: ask the kernel for an eventfd at each threshold (as usage, which is
 * never below the working set: a crossing of usage is the earliest hint) and
 * at OOM. Through a read-only cgroup mount this fails with EROFS: then the
 * schedule alone does the work, and we do not ask again. */
static void arm_v1_events(struct watch *w, struct container *ct)
{
	drop_v1_events(ct);
	if (w->epfd < 0 || w->v1_events_refused || ct->rd.version != CG_V1 || !w->s->adaptive)
		return;
	uint64_t at[WATCH_MAX_V1_EVENTS] = {ct->params.warning_bytes, ct->params.critical_bytes, 0};
	for (int i = 0; i < WATCH_MAX_V1_EVENTS; i++) {
		int fd = cg_v1_event(&ct->rd, at[i]);
		if (fd < 0) {
			struct log_line l;
			if (log_begin(&l, LOG_DEBUG, "cgroup_events_unavailable")) {
				log_container(&l, ct);
				log_errno(&l, -fd);
				log_end(&l);
			}
			if (fd == -EROFS || fd == -EACCES || fd == -EPERM)
				w->v1_events_refused = true;
			drop_v1_events(ct);
			return;
		}
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = event_tag(ct)};
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			drop_v1_events(ct);
			return;
		}
		ct->v1_evfds[ct->nv1_evfds++] = fd;
	}
}

void watch_free(struct watch *w)
{
	for (size_t i = 0; i < w->nprocs; i++)
		if (w->procs[i].pidfd >= 0)
			close(w->procs[i].pidfd);
	for (size_t i = 0; i < w->ncts; i++)
		container_free(w->cts[i]);
	free(w->procs);
	free(w->cts);
	pid_list_free(&w->scan);
	memset(w, 0, sizeof *w);
}

static struct wproc *find_proc(struct watch *w, pid_t pid)
{
	size_t lo = 0, hi = w->nprocs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (w->procs[mid].pid == pid)
			return &w->procs[mid];
		if (w->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void log_container(struct log_line *l, const struct container *ct)
{
	log_str(l, "cgroup", ct->cgpath);
	log_str(l, "comm", ct->comm);
}

/* Reads the limit and recomputes the thresholds in bytes. */
static void refresh_limit(struct watch *w, struct container *ct)
{
	uint64_t limit;
	bool unlimited;
	int r = cg_read_limit(&ct->rd, &limit, &unlimited);
	if (r)
		return; /* reported by the next failing sample */
	bool changed = ct->have_limit != !unlimited || (!unlimited && ct->limit_bytes != limit);
	ct->have_limit = !unlimited;
	ct->limit_bytes = unlimited ? 0 : limit;
	if (!ct->have_limit) {
		if (!ct->unwatched_logged) {
			struct log_line l;
			if (log_begin(&l, LOG_INFO, "container_unwatched")) {
				log_container(&l, ct);
				log_str(&l, "reason", "no memory limit");
				log_end(&l);
			}
			ct->unwatched_logged = true;
		}
		ct->params_ok = false;
		return;
	}
	if (!changed && ct->params_ok)
		return;
	const struct settings *s = w->s;
	ct->params_ok = policy_params_for(&s->warning, &s->critical, s->hysteresis_pct,
					  s->cooldown_us, ct->limit_bytes, &ct->params) == 0;
	if (ct->params_ok)
		arm_v1_events(w, ct);
	else
		drop_v1_events(ct);
	struct log_line l;
	if (log_begin(&l, ct->params_ok ? LOG_INFO : LOG_WARN, "container_limit")) {
		log_container(&l, ct);
		log_uint(&l, "limit_bytes", ct->limit_bytes);
		log_uint(&l, "warning_bytes", ct->params.warning_bytes);
		log_uint(&l, "critical_bytes", ct->params.critical_bytes);
		if (!ct->params_ok)
			log_str(&l, "problem", "warning is not below critical for this limit: unwatched");
		else if (ct->params.critical_bytes > ct->limit_bytes)
			log_str(&l, "problem", "critical is above the limit and cannot be reached");
		log_end(&l);
	}
}

static struct container *find_or_add_container(struct watch *w, const struct cg_location *loc,
					       const char *comm, uint64_t now_us, int *err)
{
	dev_t dev;
	ino_t ino;
	*err = cg_dir_identity(loc, &dev, &ino);
	if (*err)
		return NULL;
	for (size_t i = 0; i < w->ncts; i++)
		if (w->cts[i]->rd.dev == dev && w->cts[i]->rd.ino == ino)
			return w->cts[i];

	struct container *ct = calloc(1, sizeof *ct);
	if (!ct) {
		*err = -ENOMEM;
		return NULL;
	}
	if ((*err = cg_reader_open(&ct->rd, loc))) {
		free(ct);
		return NULL;
	}
	if (w->ncts == w->ctcap) {
		size_t cap = w->ctcap ? w->ctcap * 2 : 8;
		struct container **p = realloc(w->cts, cap * sizeof *p);
		if (!p) {
			container_free(ct);
			*err = -ENOMEM;
			return NULL;
		}
		w->cts = p;
		w->ctcap = cap;
	}
	snprintf(ct->cgpath, sizeof ct->cgpath, "%s", loc->cgpath);
	snprintf(ct->comm, sizeof ct->comm, "%s", comm);
	ct->id = w->next_id++;
	ct->oom_known = cg_read_oom_kills(&ct->rd, &ct->oom_kills) == 0;
	/* v2 reports limit hits and OOM kills on memory.events, read-only:
	 * POLLPRI wakes us at once. */
	if (loc->version == CG_V2 && ct->rd.events_fd >= 0 && w->epfd >= 0 && w->s->adaptive) {
		struct epoll_event ev = {.events = EPOLLPRI, .data.u64 = event_tag(ct)};
		ct->v2_events_polled = epoll_ctl(w->epfd, EPOLL_CTL_ADD, ct->rd.events_fd, &ev) == 0;
	}
	ct->next_read_us = 0; /* read at the next tick */
	ct->young_until_us = now_us + WATCH_SETTLE_US;
	w->cts[w->ncts++] = ct;

	struct log_line l;
	if (log_begin(&l, LOG_INFO, "container_found")) {
		log_container(&l, ct);
		log_int(&l, "cgroup_version", loc->version);
		log_str(&l, "path", loc->rel[0] ? loc->rel : "/");
		log_end(&l);
	}
	refresh_limit(w, ct);
	return ct;
}

static void log_oom_kill(const struct container *ct, uint64_t kills, uint64_t now_us)
{
	struct log_line l;
	if (!log_begin(&l, LOG_ERROR, "oom_kill"))
		return;
	log_container(&l, ct);
	log_uint(&l, "oom_kills", kills);
	log_str(&l, "last_level", policy_level_name(ct->pol.level));
	if (ct->last_signal) {
		char name[16];
		log_str(&l, "last_signal", signame_format(ct->last_signal, name, sizeof name));
		log_str(&l, "last_signal_level", policy_level_name(ct->last_signal_level));
		log_uint(&l, "since_last_signal_ms", (now_us - ct->last_signal_us) / 1000);
	} else {
		log_str(&l, "last_signal", "none");
	}
	if (ct->sampled) {
		log_uint(&l, "last_working_set_bytes", ct->last.working_set_bytes);
		log_uint(&l, "last_usage_bytes", ct->last.usage_bytes);
	}
	if (ct->have_limit)
		log_uint(&l, "limit_bytes", ct->limit_bytes);
	log_end(&l);
}

/* Logs OOM kills that happened since the last look. */
static void check_oom(struct container *ct, uint64_t now_us)
{
	uint64_t kills;
	if (!ct->oom_known || cg_read_oom_kills(&ct->rd, &kills))
		return;
	if (kills > ct->oom_kills)
		log_oom_kill(ct, kills - ct->oom_kills, now_us);
	ct->oom_kills = kills;
}

static void drop_container(struct watch *w, struct container *ct, uint64_t now_us)
{
	/* The last process is gone: the OOM killer may be why. The cgroup is
	 * often still there (the runtime removes it a little later). */
	check_oom(ct, now_us);
	struct log_line l;
	if (log_begin(&l, LOG_INFO, "container_gone")) {
		log_container(&l, ct);
		log_end(&l);
	}
	for (size_t i = 0; i < w->ncts; i++) {
		if (w->cts[i] == ct) {
			w->cts[i] = w->cts[--w->ncts];
			break;
		}
	}
	container_free(ct);
}

/* One process fewer in ct. During a rescan an emptied container is kept to
 * its end: a process re-found in the same rescan (it was still moving into
 * its container) keeps the container's state and logs nothing. */
static void release_container(struct watch *w, struct container *ct, uint64_t now_us)
{
	if (--ct->nprocs == 0 && !w->rescanning)
		drop_container(w, ct, now_us);
}

static void forget_proc(struct watch *w, struct wproc *p, uint64_t now_us)
{
	if (p->pidfd >= 0)
		close(p->pidfd); /* also leaves the epoll set */
	struct container *ct = p->role == ROLE_WATCHED ? p->ct : NULL;
	size_t i = (size_t)(p - w->procs);
	memmove(&w->procs[i], &w->procs[i + 1], (w->nprocs - i - 1) * sizeof *p);
	w->nprocs--;
	if (ct)
		release_container(w, ct, now_us);
}

void watch_process_exited(struct watch *w, pid_t pid, uint64_t now_us)
{
	/* A pidfd turns readable when its process exits (a zombie included: it
	 * can no longer act on a signal). The entry always names that process,
	 * even if the pid has been reused since. */
	struct wproc *p = find_proc(w, pid);
	if (!p)
		return;
	/* An exit may be the OOM killer's work: look now, not at the next read. */
	if (p->role == ROLE_WATCHED)
		check_oom(p->ct, now_us);
	struct log_line l;
	if (p->role == ROLE_WATCHED && log_begin(&l, LOG_DEBUG, "process_gone")) {
		log_int(&l, "pid", p->pid);
		log_str(&l, "comm", p->comm);
		log_end(&l);
	}
	forget_proc(w, p, now_us);
}

/* FNV-1a: cheap, and enough to notice that a small file changed. */
static uint64_t hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Has p moved to another cgroup or exec'd (or renamed itself) since its
 * discovery? Only what could change its role is read: for a process left out
 * by name, its name; for one in our own container, its cgroup. */
static bool unsettled(const struct watch *w, const struct wproc *p, uint64_t now_us)
{
	bool settling = now_us < p->settle_until_us;
	bool cgroup = settling || p->role != ROLE_FILTERED;
	bool comm = settling || p->role != ROLE_SELF;
	char buf[4096];
	struct proc_stat st;
	bool moved = false;
	if (cgroup) {
		if (proc_read(w->s->proc_root, p->pid, "cgroup", buf, sizeof buf) < 0)
			return false; /* gone: the exit notice will come */
		moved = hash_text(buf) != p->cgroup_hash;
	}
	if (!moved && !comm)
		return false;
	/* Read after the cgroup: a dying process's cgroup reads "/" (see
	 * proc_is_exiting), and that is no move; its exit notice will come. */
	if (proc_read(w->s->proc_root, p->pid, "stat", buf, sizeof buf) < 0 ||
	    proc_parse_stat(buf, &st) || proc_is_exiting(&st))
		return false;
	return moved || strcmp(st.comm, p->comm) != 0;
}

/* Is pid dying or gone? Asked after reading its cgroup and mounts: if it
 * was not dying then, what they said was whole. */
static bool exiting(const struct watch *w, pid_t pid)
{
	char buf[4096];
	struct proc_stat st;
	return proc_read(w->s->proc_root, pid, "stat", buf, sizeof buf) < 0 ||
	       proc_parse_stat(buf, &st) || proc_is_exiting(&st);
}

static void log_unwatched(const struct wproc *p)
{
	struct log_line l;
	if (log_begin(&l, p->role == ROLE_NO_ACCESS ? LOG_ERROR : LOG_WARN, "process_unwatched")) {
		log_int(&l, "pid", p->pid);
		log_str(&l, "comm", p->comm);
		log_str(&l, "reason", p->role == ROLE_NO_ACCESS
					      ? "cannot read its cgroup: CAP_SYS_PTRACE missing"
					      : "cannot find or read its memory cgroup");
		log_errno(&l, -p->unwatched_err);
		log_end(&l);
	}
}

/* Finds p's container (opening it if new). Returns 0 with p watched, or
 * -errno with p's role saying why not. */
static int attach(struct watch *w, struct wproc *p, uint64_t now_us)
{
	char pidstr[16];
	snprintf(pidstr, sizeof pidstr, "%d", (int)p->pid);
	struct cg_location loc;
	int err = cg_locate(w->s->proc_root, pidstr, &loc);
	if (!err && exiting(w, p->pid))
		err = -ESRCH; /* what cg_locate read may be half torn down */
	if (!err)
		p->ct = find_or_add_container(w, &loc, p->comm, now_us, &err);
	if (err) {
		/* Denied with CAP_SYS_PTRACE in hand is not ours to fix (another
		 * user namespace, say): that is "no cgroup", not "no access". */
		p->role = (err == -EACCES || err == -EPERM) && !w->have_ptrace ? ROLE_NO_ACCESS
									       : ROLE_NO_CGROUP;
		p->ct = NULL;
		p->unwatched_err = err;
		return err;
	}
	p->role = ROLE_WATCHED;
	p->ct->nprocs++;
	return 0;
}

/* Looks at a new pid and fills *p. Returns false if there is nothing to
 * keep (the process vanished or is a zombie, or we are out of fds). */
static bool discover(struct watch *w, pid_t pid, struct wproc *p, uint64_t now_us)
{
	const struct settings *s = w->s;
	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->pidfd = -1;
	if (!w->one_shot) {
		p->pidfd = deliver_open(pid);
		if (p->pidfd < 0) {
			if ((p->pidfd == -EMFILE || p->pidfd == -ENFILE) &&
			    now_us - w->fd_err_logged_us >= ERROR_LOG_EVERY_US) {
				struct log_line l;
				if (log_begin(&l, LOG_ERROR, "pidfd_open_failed")) {
					log_int(&l, "pid", pid);
					log_errno(&l, -p->pidfd);
					log_str(&l, "effect", "process not watched until fds free up");
					log_end(&l);
				}
				w->fd_err_logged_us = now_us;
			}
			return false;
		}
	}

	char buf[4096];
	struct proc_stat st;
	if (proc_read(s->proc_root, pid, "stat", buf, sizeof buf) < 0 ||
	    proc_parse_stat(buf, &st) || proc_is_exiting(&st))
		goto discard;
	snprintf(p->comm, sizeof p->comm, "%s", st.comm);

	if (proc_is_kernel_thread(&st)) {
		p->role = ROLE_KTHREAD;
		goto keep;
	}
	if (pid == w->self_pid) {
		p->role = ROLE_SELF;
		goto keep;
	}
	if (proc_read(s->proc_root, pid, "cgroup", buf, sizeof buf) < 0)
		goto discard;
	p->cgroup_hash = hash_text(buf);
	p->settle_until_us = now_us + WATCH_SETTLE_US;
	if (w->self_cgroup[0] && strcmp(buf, w->self_cgroup) == 0) {
		p->role = ROLE_SELF;
		goto keep;
	}
	if (!settings_comm_selected(s, p->comm)) {
		p->role = ROLE_FILTERED;
		goto keep;
	}

	struct proc_status status;
	bool have_status = proc_read(s->proc_root, pid, "status", buf, sizeof buf) >= 0 &&
			   proc_parse_status(buf, &status) == 0;
	p->may_signal = w->have_kill ||
			(have_status && status.has_uid &&
			 deliver_uid_may_signal(w->ruid, w->euid, status.uid_real, status.uid_saved));

	if (attach(w, p, now_us)) {
		/* A process that exited meanwhile fails these reads too: that is
		 * no news. */
		if ((p->pidfd >= 0 && deliver_alive(p->pidfd)) || exiting(w, pid))
			goto discard;
		/* At start-up, say at once what cannot be seen (the capability
		 * check relies on it). A process found later may still be on its
		 * way into its container: it is tried again at each rescan, and
		 * reported only if it is still unwatched once it has settled. */
		if (!w->scanned_once) {
			log_unwatched(p);
			p->unwatched_logged = true;
		}
	}

keep:
	/* Everything read above belongs to the pidfd's process only if that
	 * process still exists now: otherwise the pid may have been reused. */
	if (p->pidfd >= 0) {
		if (deliver_alive(p->pidfd)) {
			if (p->role == ROLE_WATCHED)
				release_container(w, p->ct, now_us);
			goto discard;
		}
		struct epoll_event ev = {.events = EPOLLIN,
					 .data.u64 = (WATCH_TAG_PIDFD << 32) | (uint32_t)pid};
		if (w->epfd >= 0 && epoll_ctl(w->epfd, EPOLL_CTL_ADD, p->pidfd, &ev) < 0) {
			/* Without the exit notice the entry could outlive its pid;
			 * drop it and try again on the next rescan. */
			if (p->role == ROLE_WATCHED)
				release_container(w, p->ct, now_us);
			goto discard;
		}
	}
	struct log_line l;
	if (log_begin(&l, LOG_DEBUG, "process_found")) {
		log_int(&l, "pid", pid);
		log_str(&l, "comm", p->comm);
		log_str(&l, "role", role_name(p->role));
		if (p->role == ROLE_WATCHED)
			log_str(&l, "cgroup", p->ct->cgpath);
		log_end(&l);
	}
	return true;
discard:
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	return false;
}

static int ensure_proc_capacity(struct watch *w, size_t need)
{
	if (need <= w->cap)
		return 0;
	size_t cap = w->cap ? w->cap : 64;
	while (cap < need)
		cap *= 2;
	struct wproc *p = realloc(w->procs, cap * sizeof *p);
	if (!p)
		return -ENOMEM;
	w->procs = p;
	w->cap = cap;
	return 0;
}

static int cmp_wproc(const void *a, const void *b)
{
	pid_t x = ((const struct wproc *)a)->pid, y = ((const struct wproc *)b)->pid;
	return (x > y) - (x < y);
}

/* The last pid handed out in our PID namespace, from /proc/loadavg's last
 * field ("0.00 0.01 0.05 1/123 4567"), or -1 if unknown. While it does not
 * change, no process has been created and walking /proc would find nothing
 * new; exits are reported by the pidfds. */
static long last_pid_created(const struct watch *w)
{
	char buf[128];
	char path[SETTINGS_PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/loadavg", w->s->proc_root);
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
static bool may_change(const struct watch *w, const struct wproc *p, uint64_t now_us)
{
	if (now_us < p->settle_until_us)
		return true;
	switch (p->role) {
	case ROLE_FILTERED:
	case ROLE_NO_CGROUP:
	case ROLE_NO_ACCESS:
		break;
	case ROLE_SELF:
		if (p->pid == w->self_pid)
			return false;
		break;
	default:
		return false;
	}
	return now_us >= p->recheck_at_us;
}

/* Has p changed since its discovery, if it is due for a look? A look that
 * finds nothing puts the next one further off. */
static bool changed(const struct watch *w, struct wproc *p, uint64_t now_us)
{
	if (!may_change(w, p, now_us))
		return false;
	if (unsettled(w, p, now_us))
		return true;
	if (now_us >= p->settle_until_us) {
		p->recheck_gap_us = p->recheck_gap_us ? p->recheck_gap_us * 2 : WATCH_RECHECK_MIN_US;
		if (p->recheck_gap_us > WATCH_RECHECK_MAX_US)
			p->recheck_gap_us = WATCH_RECHECK_MAX_US;
		p->recheck_at_us = now_us + p->recheck_gap_us;
	}
	return false;
}

/* Has a settled process we do not watch exec'd or moved? (Settling ones
 * are looked at on every rescan anyway.) */
static bool unwatched_changed(struct watch *w, uint64_t now_us)
{
	for (size_t i = 0; i < w->nprocs; i++) {
		struct wproc *p = &w->procs[i];
		if (now_us >= p->settle_until_us && changed(w, p, now_us))
			return true;
	}
	return false;
}

/* Processes still settling, or whose "unwatched" report is still due. */
static bool has_young_processes(const struct watch *w, uint64_t now_us)
{
	for (size_t i = 0; i < w->nprocs; i++) {
		const struct wproc *p = &w->procs[i];
		if (now_us < p->settle_until_us || (unresolved(p) && !p->unwatched_logged))
			return true;
	}
	return false;
}

int watch_rescan(struct watch *w, uint64_t now_us)
{
	/* Limits can change under a running container (in-place resize); and a
	 * kill that no exit or event told us of is found here at the latest. */
	bool limits_due = now_us - w->limits_read_us >= WATCH_LIMIT_REFRESH_US;
	if (limits_due)
		w->limits_read_us = now_us;
	for (size_t i = 0; i < w->ncts; i++) {
		/* A young container with a limit has it re-read with each
		 * sample (read_container); one without is not sampled. */
		if (limits_due || (!w->cts[i]->params_ok && now_us < w->cts[i]->young_until_us))
			refresh_limit(w, w->cts[i]);
		check_oom(w->cts[i], now_us);
	}

	long last = last_pid_created(w);
	if (last >= 0 && last == w->last_pid && !has_young_processes(w, now_us) &&
	    !unwatched_changed(w, now_us))
		return 0;
	int r = proc_list_pids(w->s->proc_root, &w->scan);
	if (r)
		return r;
	w->last_pid = last;
	w->rescanning = true;

	/* Known pids that are no longer listed are gone (their exit notice may
	 * still be queued; forgetting them now is the same outcome). */
	size_t j = 0;
	for (size_t i = 0; i < w->nprocs;) {
		pid_t pid = w->procs[i].pid;
		while (j < w->scan.len && w->scan.pids[j] < pid)
			j++;
		struct wproc *p = &w->procs[i];
		bool listed = j < w->scan.len && w->scan.pids[j] == pid;
		/* A process that moved or exec'd is forgotten here and found
		 * again below as new, in its new cgroup, under its new name. */
		if (!listed || changed(w, p, now_us)) {
			forget_proc(w, p, now_us);
			continue;
		}
		if (unresolved(p)) {
			/* Its cgroup could not be read: try again while it settles
			 * (a new container mounts its cgroup after its process
			 * appears), then report it once. */
			if (now_us < p->settle_until_us)
				attach(w, p, now_us);
			else if (!p->unwatched_logged) {
				log_unwatched(p);
				p->unwatched_logged = true;
			}
		}
		i++;
	}

	/* New pids, appended then sorted back into place. */
	size_t known = w->nprocs;
	size_t k = 0;
	for (size_t i = 0; i < w->scan.len; i++) {
		pid_t pid = w->scan.pids[i];
		while (k < known && w->procs[k].pid < pid)
			k++;
		if (k < known && w->procs[k].pid == pid)
			continue;
		if (ensure_proc_capacity(w, w->nprocs + 1))
			break;
		if (discover(w, pid, &w->procs[w->nprocs], now_us))
			w->nprocs++;
	}
	if (w->nprocs != known)
		qsort(w->procs, w->nprocs, sizeof *w->procs, cmp_wproc);

	w->rescanning = false;
	for (size_t i = 0; i < w->ncts;) {
		if (w->cts[i]->nprocs == 0)
			drop_container(w, w->cts[i], now_us); /* moves the last one here */
		else
			i++;
	}
	w->scanned_once = true;
	return 0;
}

void watch_set_settings(struct watch *w, const struct settings *s)
{
	w->s = s;
	for (size_t i = 0; i < w->ncts; i++) {
		w->cts[i]->params_ok = false;
		refresh_limit(w, w->cts[i]);
	}
}

static void log_read_error(struct container *ct, int err, uint64_t now_us)
{
	if (ct->err_logged_us && now_us - ct->err_logged_us < ERROR_LOG_EVERY_US) {
		ct->err_suppressed++;
		return;
	}
	struct log_line l;
	if (log_begin(&l, LOG_WARN, "cgroup_read_failed")) {
		log_container(&l, ct);
		log_errno(&l, -err);
		if (ct->err_suppressed)
			log_uint(&l, "suppressed", ct->err_suppressed);
		log_end(&l);
	}
	ct->err_logged_us = now_us;
	ct->err_suppressed = 0;
}

static uint64_t metric_of(const struct watch *w, const struct cg_sample *s)
{
	return w->s->metric == METRIC_USAGE ? s->usage_bytes : s->working_set_bytes;
}

static double pct_of_limit(uint64_t v, uint64_t limit)
{
	return limit ? 100.0 * (double)v / (double)limit : 0.0;
}

/* Decides for one process whether the signal goes out, and sends it. */
static void signal_process(struct watch *w, struct container *ct, struct wproc *p, int signo,
			   enum level lvl, bool repeat)
{
	const struct settings *s = w->s;
	char name[16], buf[4096];
	signame_format(signo, name, sizeof name);
	uint8_t bit = (uint8_t)(1u << lvl);

	struct proc_status st;
	bool have = proc_read(s->proc_root, p->pid, "status", buf, sizeof buf) >= 0 &&
		    proc_parse_status(buf, &st) == 0;
	/* The status just read is this process's only if it is still alive. */
	if (!have || deliver_alive(p->pidfd))
		return;

	const char *skip = policy_send_verdict(proc_sig_in(st.sig_caught, signo),
					       proc_sig_in(st.sig_ignored, signo), signo,
					       s->signal_unhandled, p->may_signal);

	struct log_line l;
	if (skip) {
		if (!(p->skip_logged & bit) && log_begin(&l, LOG_INFO, "signal_skipped")) {
			log_int(&l, "pid", p->pid);
			log_str(&l, "comm", p->comm);
			log_str(&l, "signal", name);
			log_str(&l, "memory_level", policy_level_name(lvl));
			log_str(&l, "cgroup", ct->cgpath);
			log_str(&l, "reason", skip);
			log_end(&l);
		}
		p->skip_logged |= bit;
		return;
	}
	int r = s->dry_run ? 0 : deliver_send(p->pidfd, signo);
	if (r == -ESRCH)
		return; /* exited meanwhile: normal */
	if (r == -EPERM) {
		if (!p->perm_logged && log_begin(&l, LOG_ERROR, "signal_failed")) {
			log_int(&l, "pid", p->pid);
			log_str(&l, "comm", p->comm);
			log_str(&l, "signal", name);
			log_str(&l, "reason", "not permitted: CAP_KILL missing");
			log_end(&l);
		}
		p->perm_logged = true;
		return;
	}
	if (log_begin(&l, r ? LOG_ERROR : LOG_INFO,
		      r ? "signal_failed" : s->dry_run ? "signal_dry_run" : "signal_sent")) {
		log_int(&l, "pid", p->pid);
		log_str(&l, "comm", p->comm);
		log_str(&l, "signal", name);
		log_str(&l, "memory_level", policy_level_name(lvl));
		log_str(&l, "cgroup", ct->cgpath);
		log_bool(&l, "repeat", repeat);
		if (r)
			log_errno(&l, -r);
		log_end(&l);
	}
}

static void act(struct watch *w, struct container *ct, const struct policy_decision *d,
		uint64_t metric, uint64_t now_us)
{
	struct log_line l;
	if (d->to != d->from && log_begin(&l, d->to > d->from ? LOG_WARN : LOG_INFO, "level")) {
		log_container(&l, ct);
		log_str(&l, "from", policy_level_name(d->from));
		log_str(&l, "to", policy_level_name(d->to));
		log_str(&l, "metric", settings_metric_name(w->s->metric));
		log_uint(&l, "value_bytes", metric);
		log_uint(&l, "limit_bytes", ct->limit_bytes);
		log_dec1(&l, "pct", pct_of_limit(metric, ct->limit_bytes));
		log_end(&l);
	}
	if (d->signal == LEVEL_NORMAL)
		return;
	int signo = d->signal == LEVEL_CRITICAL ? w->s->critical_signal : w->s->warning_signal;
	ct->last_signal = signo;
	ct->last_signal_level = d->signal;
	ct->last_signal_us = now_us;
	for (size_t i = 0; i < w->nprocs; i++) {
		struct wproc *p = &w->procs[i];
		if (p->role == ROLE_WATCHED && p->ct == ct)
			signal_process(w, ct, p, signo, d->signal, d->repeat);
	}
}

static int sample(struct watch *w, struct container *ct)
{
	int r = cg_read_sample(&ct->rd, w->s->metric == METRIC_WORKING_SET, &ct->last);
	ct->sampled = r == 0;
	return r;
}

/* Timer slack: containers due this soon are read in the same wake-up. */
#define WATCH_SLACK_US 200

/* Reads one container, runs the policy, and schedules its next read.
 *
 * The working set needs memory.stat, about forty lines; usage is one
 * number. Usage is never below the working set, so while usage is under the
 * warning level and the container is at normal, the stat cannot change any
 * decision and is not read. */
static void read_container(struct watch *w, struct container *ct, uint64_t now_us)
{
	const struct settings *s = w->s;
	/* Before the new sample: a kill drops the usage, and the report must
	 * carry the level and the sample from before it. */
	if (ct->pol.level != LEVEL_NORMAL)
		check_oom(ct, now_us);
	/* A new container's limit may be set just after its first process
	 * shows (a process that makes a sub-cgroup of its own must enter it
	 * before the memory controller and its limit can be set): while it is
	 * young, its limit is read with each sample, not every 5 s. */
	if (now_us < ct->young_until_us) {
		refresh_limit(w, ct);
		if (!ct->params_ok)
			return;
	}
	int r = cg_read_sample(&ct->rd, false, &ct->last);
	if (!r && s->metric == METRIC_WORKING_SET &&
	    (ct->pol.level != LEVEL_NORMAL || ct->last.usage_bytes >= ct->params.warning_bytes))
		r = cg_read_sample(&ct->rd, true, &ct->last);
	ct->sampled = r == 0;
	uint64_t interval = s->interval_us;
	if (r) {
		log_read_error(ct, r, now_us);
	} else {
		uint64_t metric = metric_of(w, &ct->last);
		struct policy_decision d;
		policy_step(&ct->pol, &ct->params, metric, now_us, &d);
		if (d.to != d.from || d.signal != LEVEL_NORMAL)
			act(w, ct, &d, metric, now_us);
		policy_growth_update(&ct->growth, now_us, ct->last.usage_bytes);
		if (s->adaptive)
			interval = policy_next_read_us(&ct->pol, &ct->params, &ct->growth, metric,
						       ct->limit_bytes, s->min_interval_us,
						       s->interval_us);
	}
	/* Idle containers share one grid of wake-ups instead of each waking
	 * the sidecar on its own phase. */
	if (interval >= s->interval_us)
		ct->next_read_us = (now_us / s->interval_us + 1) * s->interval_us;
	else
		ct->next_read_us = now_us + interval;
}

void watch_tick(struct watch *w, uint64_t now_us)
{
	for (size_t i = 0; i < w->ncts; i++) {
		struct container *ct = w->cts[i];
		if (ct->params_ok && ct->next_read_us <= now_us + WATCH_SLACK_US)
			read_container(w, ct, now_us);
	}
}

uint64_t watch_next_deadline(const struct watch *w)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < w->ncts; i++)
		if (w->cts[i]->params_ok && w->cts[i]->next_read_us < next)
			next = w->cts[i]->next_read_us;
	return next;
}

void watch_cgroup_event(struct watch *w, uint32_t id, uint64_t now_us)
{
	for (size_t i = 0; i < w->ncts; i++) {
		struct container *ct = w->cts[i];
		if (ct->id != id)
			continue;
		uint64_t n;
		for (int k = 0; k < ct->nv1_evfds; k++)
			while (read(ct->v1_evfds[k], &n, sizeof n) == sizeof n)
				; /* drain: non-blocking */
		/* v2: reading memory.events re-arms POLLPRI; check_oom reads it. */
		check_oom(ct, now_us);
		if (ct->params_ok)
			read_container(w, ct, now_us);
		return;
	}
}

void watch_census(const struct watch *w, struct watch_census *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < w->nprocs; i++) {
		const struct wproc *p = &w->procs[i];
		if (p->role == ROLE_NO_ACCESS) {
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

void watch_print_once(struct watch *w, FILE *out)
{
	const struct settings *s = w->s;
	for (size_t i = 0; i < w->ncts; i++)
		if (w->cts[i]->params_ok || !w->cts[i]->have_limit)
			sample(w, w->cts[i]);

	for (size_t i = 0; i < w->nprocs; i++) {
		struct wproc *p = &w->procs[i];
		if (p->role != ROLE_WATCHED && p->role != ROLE_NO_ACCESS && p->role != ROLE_NO_CGROUP)
			continue;
		char buf[4096], q[256];
		struct proc_status st;
		bool have = proc_read(s->proc_root, p->pid, "status", buf, sizeof buf) >= 0 &&
			    proc_parse_status(buf, &st) == 0;

		fprintf(out, "pid=%d", (int)p->pid);
		log_quote_logfmt(q, sizeof q, p->comm);
		fprintf(out, " comm=%s", q);
		struct container *ct = p->role == ROLE_WATCHED ? p->ct : NULL;
		if (ct && ct->sampled) {
			log_quote_logfmt(q, sizeof q, ct->cgpath);
			fprintf(out, " cgroup=%s usage_bytes=%" PRIu64 " working_set_bytes=%" PRIu64, q,
				ct->last.usage_bytes, ct->last.working_set_bytes);
			if (ct->have_limit) {
				uint64_t m = metric_of(w, &ct->last);
				fprintf(out, " limit_bytes=%" PRIu64 " pct=%.1f level=%s",
					ct->limit_bytes, pct_of_limit(m, ct->limit_bytes),
					ct->params_ok ? policy_level_name(policy_level_of(&ct->params, m))
						      : "none");
			} else {
				fprintf(out, " limit_bytes=max pct=- level=none");
			}
		} else {
			const char *why = p->role == ROLE_NO_ACCESS ? "no_access"
					  : p->role == ROLE_NO_CGROUP ? "no_cgroup"
								      : "read_failed";
			fprintf(out,
				" cgroup=- usage_bytes=- working_set_bytes=- limit_bytes=- pct=- "
				"level=unknown error=%s",
				why);
		}
		fprintf(out, " catches_warning=%s catches_critical=%s\n",
			have && proc_sig_in(st.sig_caught, s->warning_signal) ? "yes" : "no",
			have && proc_sig_in(st.sig_caught, s->critical_signal) ? "yes" : "no");
	}
}
