#include "watch.h"

#include <inttypes.h>
#include <stdlib.h>

#include "action.h"
#include "containers.h"
#include "flightsave.h"
#include "log.h"
#include "report.h"
#include "settings.h"

/* Read errors of one container are logged at most this often. */
#define READ_ERROR_LOG_EVERY_US (60ULL * 1000000)

/* Timer slack: containers due this soon are read in the same wake-up. */
#define WATCH_SLACK_US 200

struct watch {
	const struct settings *s;
	struct containers *reg;
	struct procs *procs;
};

struct watch *watch_new(const struct settings *s, int epfd, const struct caps_have *have)
{
	struct watch *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->s = s;
	w->reg = containers_new(s, epfd);
	struct procs_options o = {.epfd = epfd,
				  .have_kill = have->kill,
				  .have_ptrace = have->sys_ptrace,
				  .have_setids = have->setuid && have->setgid};
	w->procs = w->reg ? procs_new(s, w->reg, &o) : NULL;
	if (!w->procs) {
		watch_free(w);
		return NULL;
	}
	return w;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	procs_free(w->procs); /* before the containers its processes are in */
	containers_free(w->reg);
	free(w);
}

int watch_rescan(struct watch *w, uint64_t now_us)
{
	containers_refresh(w->reg, now_us);
	return procs_rescan(w->procs, now_us);
}

void watch_process_exited(struct watch *w, pid_t pid, uint64_t now_us)
{
	procs_exited(w->procs, pid, now_us);
}

void watch_set_settings(struct watch *w, const struct settings *s)
{
	w->s = s;
	procs_set_settings(w->procs, s);
	containers_set_settings(w->reg, s);
}

void watch_census(const struct watch *w, struct procs_census *c)
{
	procs_census(w->procs, c);
}

static uint64_t metric_of(const struct settings *s, const struct cg_sample *smp)
{
	return s->metric == METRIC_USAGE ? smp->usage_bytes : smp->working_set_bytes;
}

static double pct_of_limit(uint64_t v, uint64_t limit)
{
	return limit ? 100.0 * (double)v / (double)limit : 0.0;
}

static void log_read_error(struct container *ct, int err, uint64_t now_us)
{
	unsigned held;
	struct log_line l;
	if (throttle_pass(&ct->read_errors, now_us, READ_ERROR_LOG_EVERY_US, &held) &&
	    log_begin(&l, LOG_WARN, "cgroup_read_failed")) {
		containers_log_name(&l, ct);
		log_errno(&l, -err);
		if (held)
			log_uint(&l, "suppressed", held);
		log_end(&l);
	}
}

static void log_level_change(const struct watch *w, const struct container *ct,
			     const struct policy_decision *d, uint64_t metric)
{
	struct log_line l;
	if (log_begin(&l, d->to > d->from ? LOG_WARN : LOG_INFO, "level")) {
		containers_log_name(&l, ct);
		log_str(&l, "from", policy_level_name(d->from));
		log_str(&l, "to", policy_level_name(d->to));
		log_str(&l, "metric", settings_metric_name(w->s->metric));
		log_uint(&l, "value_bytes", metric);
		log_uint(&l, "limit_bytes", ct->limit_bytes);
		log_dec1(&l, "pct", pct_of_limit(metric, ct->limit_bytes));
		log_end(&l);
	}
}

/* One sample of ct: usage, and memory.stat only when the policy needs the
 * working set (*ws_read says whether it was read). Returns 0 or -errno. */
static int sample(const struct watch *w, struct container *ct, bool *ws_read)
{
	*ws_read = false;
	int r = cg_read_usage(&ct->rd, &ct->last);
	if (!r && w->s->metric == METRIC_WORKING_SET &&
	    policy_needs_working_set(&ct->pol, &ct->params, ct->last.usage_bytes)) {
		r = cg_read_working_set(&ct->rd, &ct->last);
		*ws_read = r == 0;
	}
	ct->sampled = r == 0;
	tally_read(&ct->tally, r);
	return r;
}

/* ct has just entered critical: its flight record so far goes to DUMP_DIR
 * (the seconds that led there, should the kill follow before anyone looks). */
static void save_critical(const struct watch *w, struct container *ct)
{
	struct flightsave_result fr;
	int r = flightsave_write(w->s, ct, "critical", &fr);
	struct log_line l;
	if (r > 0 && log_begin(&l, LOG_INFO, "flight_recorded")) {
		containers_log_name(&l, ct);
		log_str(&l, "reason", "critical");
		log_str(&l, "csv", fr.csv);
		log_str(&l, "svg", fr.svg);
		log_uint(&l, "samples", fr.samples);
		log_uint(&l, "took_us", fr.took_us);
		log_end(&l);
	}
	flightsave_log_failure(ct, "critical", &fr, r);
}

/* Reads one container, lets the policy decide, tells its members, and
 * schedules its next read. */
static void read_container(struct watch *w, struct container *ct, uint64_t now_us)
{
	const struct settings *s = w->s;
	/* Before the new sample: a kill drops the usage, and the report must
	 * carry the level and the sample from before it. */
	if (ct->pol.level != LEVEL_NORMAL)
		containers_check_oom(w->reg, ct, now_us);
	/* A new container's limit may be set just after its first process
	 * shows (a process that makes a sub-cgroup of its own must enter it
	 * before the memory controller and its limit can be set): while it is
	 * young, its limit is read with each sample, not every 5 s. */
	if (now_us < ct->young_until_us) {
		containers_read_limit(w->reg, ct);
		if (!ct->params_ok)
			return;
	}
	uint64_t interval = s->interval_us;
	bool ws_read;
	int r = sample(w, ct, &ws_read);
	if (r) {
		log_read_error(ct, r, now_us);
	} else {
		uint64_t metric = metric_of(s, &ct->last);
		struct policy_decision d;
		policy_step(&ct->pol, &ct->params, metric, now_us, &d);
		flightsave_sample(ct, ws_read);
		if (d.to != d.from)
			log_level_change(w, ct, &d, metric);
		if (d.signal != LEVEL_NORMAL)
			for (struct wproc *p = ct->members; p; p = p->next_member)
				action_notify(s, p, ct, d.signal, d.repeat);
		/* After the signals: their marks are in the record. */
		if (d.to == LEVEL_CRITICAL && d.from != LEVEL_CRITICAL)
			save_critical(w, ct);
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
	for (size_t i = 0; i < containers_count(w->reg); i++) {
		struct container *ct = containers_at(w->reg, i);
		if (ct->params_ok && ct->next_read_us <= now_us + WATCH_SLACK_US)
			read_container(w, ct, now_us);
	}
}

uint64_t watch_next_deadline(const struct watch *w)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < containers_count(w->reg); i++) {
		const struct container *ct = containers_at(w->reg, i);
		if (ct->params_ok && ct->next_read_us < next)
			next = ct->next_read_us;
	}
	return next;
}

void watch_cgroup_event(struct watch *w, uint32_t id, uint64_t now_us)
{
	struct container *ct = containers_event(w->reg, id, now_us);
	if (ct && ct->params_ok)
		read_container(w, ct, now_us);
}

void watch_job_result(struct watch *w, const struct job_result *res)
{
	struct container *ct = containers_find(w->reg, res->ct_id);
	if (ct && res->ok)
		tally_dumps(&ct->tally, res->actions);
}

const struct containers *watch_containers(const struct watch *w)
{
	return w->reg;
}

void watch_print_once(struct watch *w, FILE *out)
{
	report_once(w->s, w->procs, out);
}
