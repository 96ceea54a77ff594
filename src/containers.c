#include "containers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "action.h"
#include "flightsave.h"
#include "log.h"
#include "loop.h"
#include "procs.h"
#include "settings.h"
#include "signame.h"

struct containers {
	const struct settings *s;
	int epfd;                    /* -1: no kernel events (--once) */
	struct container **cts;
	size_t n, cap;
	uint32_t next_id;
	bool held;                   /* emptied containers wait for the release */
	uint64_t limits_read_us;     /* when limits were last re-read */
	bool v1_events_refused;      /* cgroup.event_control is read-only here */
};

struct containers *containers_new(const struct settings *s, int epfd)
{
	struct containers *reg = calloc(1, sizeof *reg);
	if (reg) {
		reg->s = s;
		reg->epfd = epfd;
	}
	return reg;
}

void containers_log_name(struct log_line *l, const struct container *ct)
{
	log_str(l, "cgroup", ct->cgpath);
	log_str(l, "comm", ct->comm);
}

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
	flightsave_release(ct);
	free(ct);
}

void containers_free(struct containers *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->n; i++)
		container_free(reg->cts[i]);
	free(reg->cts);
	free(reg);
}

/* v1: ask the kernel for an eventfd at each threshold (as usage, which is
 * never below the working set: a crossing of usage is the earliest hint) and
 * at OOM. Through a read-only cgroup mount this fails with EROFS: then the
 * schedule alone does the work, and we do not ask again. */
static void arm_v1_events(struct containers *reg, struct container *ct)
{
	drop_v1_events(ct);
	if (reg->epfd < 0 || reg->v1_events_refused || ct->rd.version != CG_V1 || !reg->s->adaptive)
		return;
	uint64_t at[CONTAINER_MAX_V1_EVENTS] = {ct->params.warning_bytes,
						ct->params.critical_bytes, 0};
	for (int i = 0; i < CONTAINER_MAX_V1_EVENTS; i++) {
		int fd = cg_v1_event(&ct->rd, at[i]);
		if (fd < 0) {
			struct log_line l;
			if (log_begin(&l, LOG_DEBUG, "cgroup_events_unavailable")) {
				containers_log_name(&l, ct);
				log_errno(&l, -fd);
				log_end(&l);
			}
			if (fd == -EROFS || fd == -EACCES || fd == -EPERM)
				reg->v1_events_refused = true;
			drop_v1_events(ct);
			return;
		}
		if (loop_add_fd(reg->epfd, fd, EPOLLIN, LOOP_TAG_CGROUP_EVENT, ct->id)) {
			close(fd);
			drop_v1_events(ct);
			return;
		}
		ct->v1_evfds[ct->nv1_evfds++] = fd;
	}
}

void containers_read_limit(struct containers *reg, struct container *ct)
{
	uint64_t limit;
	bool unlimited;
	if (cg_read_limit(&ct->rd, &limit, &unlimited))
		return; /* reported by the next failing sample */
	bool changed = ct->have_limit != !unlimited || (!unlimited && ct->limit_bytes != limit);
	ct->have_limit = !unlimited;
	ct->limit_bytes = unlimited ? 0 : limit;
	struct log_line l;
	if (!ct->have_limit) {
		if (throttle_once(&ct->said, CT_SAID_NO_LIMIT) &&
		    log_begin(&l, LOG_INFO, "container_unwatched")) {
			containers_log_name(&l, ct);
			log_str(&l, "reason", "no memory limit");
			log_end(&l);
		}
		ct->params_ok = false;
		return;
	}
	if (!changed && ct->params_ok)
		return;
	const struct settings *s = reg->s;
	ct->params_ok = policy_params_for(&s->warning, &s->critical, s->hysteresis_pct,
					  s->cooldown_us, ct->limit_bytes, &ct->params) == 0;
	if (ct->params_ok)
		arm_v1_events(reg, ct);
	else
		drop_v1_events(ct);
	/* A level beyond the limit can never be reached: the kernel kills
	 * first. Loud, since the app then gets no warning at all. */
	bool beyond = ct->params_ok && ct->params.critical_bytes > ct->limit_bytes;
	if (log_begin(&l, ct->params_ok && !beyond ? LOG_INFO : LOG_WARN, "container_limit")) {
		containers_log_name(&l, ct);
		log_uint(&l, "limit_bytes", ct->limit_bytes);
		log_uint(&l, "warning_bytes", ct->params.warning_bytes);
		log_uint(&l, "critical_bytes", ct->params.critical_bytes);
		if (!ct->params_ok)
			log_str(&l, "problem", "warning is above critical for this limit: unwatched");
		else if (ct->params.warning_bytes > ct->limit_bytes)
			log_str(&l, "problem",
				"warning and critical are above the limit and cannot be reached");
		else if (beyond)
			log_str(&l, "problem", "critical is above the limit and cannot be reached");
		log_end(&l);
	}
}

void containers_set_settings(struct containers *reg, const struct settings *s)
{
	reg->s = s;
	for (size_t i = 0; i < reg->n; i++) {
		reg->cts[i]->params_ok = false;
		containers_read_limit(reg, reg->cts[i]);
		flightsave_configure(reg->cts[i], s);
	}
}

struct container *containers_get(struct containers *reg, const struct cg_location *loc,
				 const char *comm, uint64_t now_us, int *err)
{
	dev_t dev;
	ino_t ino;
	if ((*err = cg_dir_identity(loc, &dev, &ino)))
		return NULL;
	for (size_t i = 0; i < reg->n; i++)
		if (reg->cts[i]->rd.dev == dev && reg->cts[i]->rd.ino == ino)
			return reg->cts[i];

	if (reg->n == reg->cap) {
		size_t cap = reg->cap ? reg->cap * 2 : 8;
		struct container **p = realloc(reg->cts, cap * sizeof *p);
		if (!p) {
			*err = -ENOMEM;
			return NULL;
		}
		reg->cts = p;
		reg->cap = cap;
	}
	struct container *ct = calloc(1, sizeof *ct);
	if (!ct) {
		*err = -ENOMEM;
		return NULL;
	}
	if ((*err = cg_reader_open(&ct->rd, loc))) {
		free(ct);
		return NULL;
	}
	snprintf(ct->cgpath, sizeof ct->cgpath, "%s", loc->cgpath);
	snprintf(ct->comm, sizeof ct->comm, "%s", comm);
	ct->id = reg->next_id++;
	flightsave_configure(ct, reg->s);
	ct->oom_known = cg_read_oom_kills(&ct->rd, &ct->oom_kills) == 0;
	/* v2 reports limit hits and OOM kills on memory.events, read-only:
	 * POLLPRI wakes us at once. */
	if (loc->version == CG_V2 && ct->rd.events_fd >= 0 && reg->epfd >= 0 && reg->s->adaptive)
		loop_add_fd(reg->epfd, ct->rd.events_fd, EPOLLPRI, LOOP_TAG_CGROUP_EVENT, ct->id);
	ct->next_read_us = 0; /* read at the next tick */
	ct->young_until_us = now_us + CONTAINER_YOUNG_US;
	reg->cts[reg->n++] = ct;

	struct log_line l;
	if (log_begin(&l, LOG_INFO, "container_found")) {
		containers_log_name(&l, ct);
		log_int(&l, "cgroup_version", loc->version);
		log_str(&l, "path", loc->rel[0] ? loc->rel : "/");
		log_end(&l);
	}
	containers_read_limit(reg, ct);
	return ct;
}

/* The flight record's outcome, on the line that reports what it is for. */
static void log_flight(struct log_line *l, const struct flightsave_result *fr, int r,
		       const char *csv_key, const char *svg_key)
{
	if (r == 0)
		return;
	if (fr->csv[0])
		log_str(l, csv_key, fr->csv);
	if (fr->svg[0])
		log_str(l, svg_key, fr->svg);
}

static void log_oom_kill(const struct containers *reg, const struct container *ct,
			 uint64_t kills, uint64_t now_us, const struct flightsave_result *fr, int fr_r)
{
	struct log_line l;
	if (!log_begin(&l, LOG_ERROR, "oom_kill"))
		return;
	containers_log_name(&l, ct);
	log_uint(&l, "oom_kills", kills);
	log_str(&l, "last_level", policy_level_name(ct->pol.level));
	enum level sent = ct->pol.last_signal;
	if (sent != LEVEL_NORMAL) {
		char name[16];
		signame_format(action_signal_of(reg->s, sent), name, sizeof name);
		log_str(&l, "last_signal", name);
		log_str(&l, "last_signal_level", policy_level_name(sent));
		log_uint(&l, "since_last_signal_ms", (now_us - ct->pol.last_signal_us) / 1000);
	} else {
		log_str(&l, "last_signal", "none");
	}
	if (ct->sampled) {
		log_uint(&l, "last_working_set_bytes", ct->last.working_set_bytes);
		log_uint(&l, "last_usage_bytes", ct->last.usage_bytes);
	}
	if (ct->have_limit)
		log_uint(&l, "limit_bytes", ct->limit_bytes);
	log_flight(&l, fr, fr_r, "flight_csv", "flight_svg");
	log_end(&l);
}

void containers_check_oom(struct containers *reg, struct container *ct, uint64_t now_us)
{
	uint64_t kills;
	if (!ct->oom_known || cg_read_oom_kills(&ct->rd, &kills))
		return;
	if (kills > ct->oom_kills) {
		tally_oom_kills(kills - ct->oom_kills);
		/* The record first, so that the line can name its files. */
		flightsave_mark(ct, FLIGHTREC_MARK_OOM_KILL, 0);
		struct flightsave_result fr;
		int r = flightsave_write(reg->s, ct, "oomkill", &fr);
		log_oom_kill(reg, ct, kills - ct->oom_kills, now_us, &fr, r);
		flightsave_log_failure(ct, "oomkill", &fr, r);
	}
	ct->oom_kills = kills;
}

static void drop(struct containers *reg, size_t i, uint64_t now_us)
{
	struct container *ct = reg->cts[i];
	/* The last process is gone: the OOM killer may be why. The cgroup is
	 * often still there (the runtime removes it a little later). */
	containers_check_oom(reg, ct, now_us);
	struct log_line l;
	if (log_begin(&l, LOG_INFO, "container_gone")) {
		containers_log_name(&l, ct);
		log_end(&l);
	}
	reg->cts[i] = reg->cts[--reg->n];
	container_free(ct);
}

void containers_join(struct container *ct, struct wproc *p)
{
	struct wproc **at = &ct->members;
	while (*at && (*at)->pid < p->pid)
		at = &(*at)->next_member;
	p->next_member = *at;
	*at = p;
	/* The container is named after its first process as it is now: one
	 * that exec'd since is found again (procs.c) and joins again. */
	if (ct->members == p) {
		snprintf(ct->comm, sizeof ct->comm, "%s", p->comm);
		ct->first_pid = p->pid;
	}
	ct->nprocs++;
}

void containers_leave(struct containers *reg, struct container *ct, struct wproc *p,
		      uint64_t now_us)
{
	for (struct wproc **at = &ct->members; *at; at = &(*at)->next_member) {
		if (*at == p) {
			*at = p->next_member;
			break;
		}
	}
	p->next_member = NULL;
	if (--ct->nprocs > 0 || reg->held)
		return;
	for (size_t i = 0; i < reg->n; i++) {
		if (reg->cts[i] == ct) {
			drop(reg, i, now_us);
			return;
		}
	}
}

void containers_hold(struct containers *reg)
{
	reg->held = true;
}

void containers_release(struct containers *reg, uint64_t now_us)
{
	reg->held = false;
	for (size_t i = 0; i < reg->n;) {
		if (reg->cts[i]->nprocs == 0)
			drop(reg, i, now_us); /* moves the last one here */
		else
			i++;
	}
}

void containers_refresh(struct containers *reg, uint64_t now_us)
{
	/* Limits can change under a running container (in-place resize); and a
	 * kill that no exit or event told us of is found here at the latest. */
	bool limits_due = now_us - reg->limits_read_us >= CONTAINER_LIMIT_REFRESH_US;
	if (limits_due)
		reg->limits_read_us = now_us;
	for (size_t i = 0; i < reg->n; i++) {
		struct container *ct = reg->cts[i];
		/* A young container with a limit has it re-read with each
		 * sample (see the tick); one without is not sampled. */
		if (limits_due || (!ct->params_ok && now_us < ct->young_until_us))
			containers_read_limit(reg, ct);
		containers_check_oom(reg, ct, now_us);
	}
}

struct container *containers_event(struct containers *reg, uint32_t id, uint64_t now_us)
{
	for (size_t i = 0; i < reg->n; i++) {
		struct container *ct = reg->cts[i];
		if (ct->id != id)
			continue;
		uint64_t n;
		for (int k = 0; k < ct->nv1_evfds; k++)
			while (read(ct->v1_evfds[k], &n, sizeof n) == sizeof n)
				; /* drain: non-blocking */
		/* v2: reading memory.events re-arms POLLPRI; this reads it. */
		containers_check_oom(reg, ct, now_us);
		return ct;
	}
	return NULL;
}

struct container *containers_find(const struct containers *reg, uint32_t id)
{
	for (size_t i = 0; i < reg->n; i++)
		if (reg->cts[i]->id == id)
			return reg->cts[i];
	return NULL;
}

size_t containers_count(const struct containers *reg)
{
	return reg->n;
}

struct container *containers_at(const struct containers *reg, size_t i)
{
	return reg->cts[i];
}
