#include "sidecar_metrics.h"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "containers.h"
#include "flightsave.h"
#include "loop.h"
#include "metrics_http.h"
#include "procs.h"
#include "procscan.h"
#include "promtext.h"
#include "runtime.h"
#include "settings.h"
#include "tally.h"
#include "watch.h"

/* /healthz: the loop's timer must have run within this many of its
 * longest regular periods (plus HEALTH_SLACK_US): it runs at least once per
 * RESCAN_INTERVAL, and per INTERVAL while there is a container. */
#define HEALTH_PERIODS 3
#define HEALTH_SLACK_US 1000000ULL

struct sidecar_metrics {
	const struct settings *s;
	const struct watch *w;
	struct metrics_http *http;
	uint64_t last_ran_us;
	double start_s;          /* CLOCK_REALTIME at start, for process_start_time_seconds */
};

/* A container's fresh reading and labels, for one scrape. */
struct row {
	struct container *ct;
	struct cg_sample now;
	bool read_ok;
	struct promtext_label lab[3];
};

static const char *runtime_label(const struct settings *s, struct container *ct)
{
	/* The first process's runtime, classified now if nothing needed it
	 * yet (once per process: the result is kept). */
	if (!ct->members)
		return "unknown";
	return runtime_name(action_runtime_of(s, ct->members)->kind);
}

#define TRY(x)                                                                                     \
	do {                                                                                       \
		int r_ = (x);                                                                      \
		if (r_)                                                                            \
			return r_;                                                                 \
	} while (0)

/* One gauge per container, from get(row) when have(row). */
static int per_container(struct promtext *pg, struct row *rows, size_t n, const char *name,
			 enum promtext_type type, const char *help,
			 bool (*have)(const struct row *), uint64_t (*get)(const struct row *))
{
	TRY(promtext_family(pg, name, type, help));
	for (size_t i = 0; i < n; i++)
		if (!have || have(&rows[i]))
			TRY(promtext_sample_u64(pg, name, rows[i].lab, 3, get(&rows[i])));
	return 0;
}

static bool have_read(const struct row *r) { return r->read_ok; }
static bool have_limit(const struct row *r) { return r->ct->have_limit; }
static bool have_params(const struct row *r) { return r->ct->params_ok; }
static uint64_t usage_of(const struct row *r) { return r->now.usage_bytes; }
static uint64_t ws_of(const struct row *r) { return r->now.working_set_bytes; }
static uint64_t limit_of(const struct row *r) { return r->ct->limit_bytes; }
static uint64_t warning_of(const struct row *r) { return r->ct->params.warning_bytes; }
static uint64_t critical_of(const struct row *r) { return r->ct->params.critical_bytes; }
static uint64_t level_of(const struct row *r) { return (uint64_t)r->ct->pol.level; }
static uint64_t nprocs_of(const struct row *r) { return (uint64_t)r->ct->nprocs; }
static uint64_t kills_of(const struct row *r) { return r->ct->oom_kills; }
static uint64_t read_errors_of(const struct row *r) { return r->ct->tally.read_errors; }

/* The base labels plus one or two more. */
static void with(struct promtext_label *out, const struct row *r, const char *k1,
		 const char *v1, const char *k2, const char *v2)
{
	memcpy(out, r->lab, sizeof r->lab);
	out[3] = (struct promtext_label){k1, v1};
	out[4] = (struct promtext_label){k2, v2};
}

static int counts(struct promtext *pg, struct row *rows, size_t n)
{
	struct promtext_label l[5];
	static const char sent[] = "oomsentry_container_signals_sent_total";
	TRY(promtext_family(pg, sent, PROMTEXT_COUNTER,
			    "Signals sent to the container's processes, by memory level."));
	for (size_t i = 0; i < n; i++)
		for (int lv = LEVEL_WARNING; lv <= LEVEL_CRITICAL; lv++) {
			with(l, &rows[i], "level", policy_level_name((enum level)lv), NULL, NULL);
			TRY(promtext_sample_u64(pg, sent, l, 4, rows[i].ct->tally.signals_sent[lv]));
		}
	static const char skipped[] = "oomsentry_container_signals_skipped_total";
	TRY(promtext_family(pg, skipped, PROMTEXT_COUNTER,
			    "Signals not sent to a process of the container, by memory level and "
			    "reason (not_asked, runtime_owns, action_instead, not_permitted)."));
	for (size_t i = 0; i < n; i++)
		for (int lv = LEVEL_WARNING; lv <= LEVEL_CRITICAL; lv++)
			for (int k = 0; k < PLAN_SKIPS; k++) {
				with(l, &rows[i], "level", policy_level_name((enum level)lv),
				     "reason", plan_skip_name((enum plan_skip)k));
				TRY(promtext_sample_u64(pg, skipped, l, 5,
							rows[i].ct->tally.signals_skipped[lv][k]));
			}
	static const char acts[] = "oomsentry_container_actions_total";
	TRY(promtext_family(pg, acts, PROMTEXT_COUNTER,
			    "Runtime actions begun for the container's processes."));
	for (size_t i = 0; i < n; i++)
		for (unsigned a = 0; a < TALLY_ACTIONS; a++) {
			with(l, &rows[i], "action", tally_action_name(a), NULL, NULL);
			TRY(promtext_sample_u64(pg, acts, l, 4, rows[i].ct->tally.actions[a]));
		}
	static const char dumps[] = "oomsentry_container_dumps_total";
	TRY(promtext_family(pg, dumps, PROMTEXT_COUNTER,
			    "Runtime actions that finished and wrote their file (histogram, "
			    "heap_dump, pprof)."));
	for (size_t i = 0; i < n; i++)
		for (unsigned a = 0; a < TALLY_ACTIONS; a++) {
			if ((1u << a) == ACTION_HEAP_SNAPSHOT)
				continue; /* Node writes it; the sidecar cannot know when */
			with(l, &rows[i], "action", tally_action_name(a), NULL, NULL);
			TRY(promtext_sample_u64(pg, dumps, l, 4, rows[i].ct->tally.dumps[a]));
		}
	TRY(per_container(pg, rows, n, "oomsentry_container_oom_kills_total", PROMTEXT_COUNTER,
			  "OOM kills in the container's cgroup, as the kernel counts them.", NULL,
			  kills_of));
	TRY(per_container(pg, rows, n, "oomsentry_container_read_errors_total", PROMTEXT_COUNTER,
			  "Failed reads of the container's memory cgroup.", NULL, read_errors_of));
	return 0;
}

static int gauges(struct promtext *pg, struct row *rows, size_t n)
{
	TRY(per_container(pg, rows, n, "oomsentry_container_memory_usage_bytes", PROMTEXT_GAUGE,
			  "Memory the container's cgroup uses, page cache included, read at the "
			  "scrape.",
			  have_read, usage_of));
	TRY(per_container(pg, rows, n, "oomsentry_container_memory_working_set_bytes",
			  PROMTEXT_GAUGE,
			  "Usage minus inactive page cache (as cAdvisor and kubelet), read at the "
			  "scrape.",
			  have_read, ws_of));
	TRY(per_container(pg, rows, n, "oomsentry_container_spec_memory_limit_bytes",
			  PROMTEXT_GAUGE, "The container's effective memory limit.", have_limit,
			  limit_of));
	TRY(per_container(pg, rows, n, "oomsentry_container_memory_warning_threshold_bytes",
			  PROMTEXT_GAUGE, "WARNING as bytes of this container.", have_params,
			  warning_of));
	TRY(per_container(pg, rows, n, "oomsentry_container_memory_critical_threshold_bytes",
			  PROMTEXT_GAUGE, "CRITICAL as bytes of this container.", have_params,
			  critical_of));
	TRY(per_container(pg, rows, n, "oomsentry_container_memory_level", PROMTEXT_GAUGE,
			  "The container's memory level: 0 normal, 1 warning, 2 critical.", NULL,
			  level_of));
	TRY(per_container(pg, rows, n, "oomsentry_container_processes", PROMTEXT_GAUGE,
			  "Processes of the container the sidecar watches.", NULL, nprocs_of));
	return 0;
}

static int one(struct promtext *pg, const char *name, enum promtext_type type, const char *help,
	       const struct promtext_label *l, size_t nl, double v)
{
	TRY(promtext_family(pg, name, type, help));
	return promtext_sample_f64(pg, name, l, nl, v);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own */
}

static int process_page(struct promtext *pg, const struct sidecar_metrics *m)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		TRY(one(pg, "process_cpu_seconds_total", PROMTEXT_COUNTER,
			"User and system CPU time of the sidecar, in seconds.", NULL, 0,
			(double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
				((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6));
	/* statm: "size resident shared ..." in pages. */
	char statm[128];
	unsigned long long vm_pages, rss_pages;
	ssize_t len = proc_read("/proc", getpid(), "statm", statm, sizeof statm);
	if (len > 0 && sscanf(statm, "%llu %llu", &vm_pages, &rss_pages) == 2) {
		double page = (double)sysconf(_SC_PAGESIZE);
		TRY(one(pg, "process_resident_memory_bytes", PROMTEXT_GAUGE,
			"Resident memory of the sidecar.", NULL, 0, (double)rss_pages * page));
		TRY(one(pg, "process_virtual_memory_bytes", PROMTEXT_GAUGE,
			"Virtual memory of the sidecar.", NULL, 0, (double)vm_pages * page));
	}
	int fds = open_fds();
	if (fds >= 0)
		TRY(one(pg, "process_open_fds", PROMTEXT_GAUGE, "Open file descriptors.", NULL, 0,
			fds));
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		TRY(one(pg, "process_max_fds", PROMTEXT_GAUGE, "The file descriptor limit.", NULL, 0,
			rl.rlim_cur == RLIM_INFINITY ? 1e308 : (double)rl.rlim_cur));
	return one(pg, "process_start_time_seconds", PROMTEXT_GAUGE,
		   "When the sidecar started, in seconds since the epoch.", NULL, 0, m->start_s);
}

static int sidecar_page(struct promtext *pg, const struct sidecar_metrics *m, struct row *rows,
			size_t n)
{
	const struct tally_sidecar *t = tally_sidecar();
	TRY(one(pg, "oomsentry_cgroup_reads_total", PROMTEXT_COUNTER,
		"Reads of a container's memory usage by the watch loop.", NULL, 0,
		(double)t->reads));
	static const char sent[] = "oomsentry_signals_sent_total";
	TRY(promtext_family(pg, sent, PROMTEXT_COUNTER,
			    "Signals sent by the sidecar, by memory level, over every container it "
			    "has watched."));
	for (int lv = LEVEL_WARNING; lv <= LEVEL_CRITICAL; lv++) {
		struct promtext_label l = {"level", policy_level_name((enum level)lv)};
		TRY(promtext_sample_u64(pg, sent, &l, 1, t->signals_sent[lv]));
	}
	TRY(one(pg, "oomsentry_oom_kills_total", PROMTEXT_COUNTER,
		"OOM kills the sidecar has seen, over every container it has watched.", NULL, 0,
		(double)t->oom_kills));
	uint64_t procs = 0;
	for (size_t i = 0; i < n; i++)
		procs += (uint64_t)rows[i].ct->nprocs;
	TRY(one(pg, "oomsentry_containers", PROMTEXT_GAUGE, "Containers watched.", NULL, 0,
		(double)n));
	TRY(one(pg, "oomsentry_processes", PROMTEXT_GAUGE, "Processes watched.", NULL, 0,
		(double)procs));
	TRY(one(pg, "oomsentry_flight_recorder_bytes", PROMTEXT_GAUGE,
		"Memory held by the flight records of every container.", NULL, 0,
		(double)flightsave_bytes()));
	struct promtext_label v = {"version", PACKAGE_VERSION};
	TRY(one(pg, "oomsentry_build_info", PROMTEXT_GAUGE, "The sidecar's version.", &v, 1, 1));
	TRY(process_page(pg, m));
	struct metrics_http_stats st;
	metrics_http_stats(m->http, &st);
	return metrics_http_stats_page(&st, pg);
}

static int render(struct promtext *pg, void *ctx)
{
	struct sidecar_metrics *m = ctx;
	const struct containers *reg = watch_containers(m->w);
	size_t n = containers_count(reg);
	struct row *rows = calloc(n ? n : 1, sizeof *rows);
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		r->ct = containers_at(reg, i);
		r->read_ok = cg_read_usage(&r->ct->rd, &r->now) == 0 &&
			     cg_read_working_set(&r->ct->rd, &r->now) == 0;
		r->lab[0] = (struct promtext_label){"cgroup", r->ct->cgpath};
		r->lab[1] = (struct promtext_label){"comm", r->ct->comm};
		r->lab[2] = (struct promtext_label){"runtime", runtime_label(m->s, r->ct)};
	}
	int e = gauges(pg, rows, n);
	if (!e)
		e = counts(pg, rows, n);
	if (!e)
		e = sidecar_page(pg, m, rows, n);
	free(rows);
	return e;
}

static uint64_t health_window_us(const struct settings *s)
{
	uint64_t period = s->interval_us > s->rescan_interval_us ? s->interval_us
								 : s->rescan_interval_us;
	return HEALTH_PERIODS * period + HEALTH_SLACK_US;
}

static bool healthy(void *ctx, char *why, size_t whysz)
{
	struct sidecar_metrics *m = ctx;
	uint64_t now = loop_now_us(), window = health_window_us(m->s);
	if (now - m->last_ran_us <= window)
		return true;
	snprintf(why, whysz, "the watch loop last ran %llu ms ago (more than %llu ms)",
		 (unsigned long long)((now - m->last_ran_us) / 1000),
		 (unsigned long long)(window / 1000));
	return false;
}

int sidecar_metrics_open(struct sidecar_metrics **out, const struct settings *s,
			 const struct watch *w, int epfd, char *err, size_t errsz)
{
	struct sidecar_metrics *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errsz, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	m->s = s;
	m->w = w;
	m->last_ran_us = loop_now_us();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->start_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	struct metrics_http_opts o = {.render = render, .healthy = healthy, .ctx = m};
	int r = metrics_addr_parse(s->metrics_addr, true, &o.addr, err, errsz);
	if (!r)
		r = metrics_http_open(&m->http, &o, err, errsz);
	if (!r && (r = loop_add_fd(epfd, metrics_http_fd(m->http), EPOLLIN, LOOP_TAG_METRICS, 0)))
		snprintf(err, errsz, "cannot add the metrics listener to the loop: %s", strerror(-r));
	if (r) {
		sidecar_metrics_close(m);
		return r;
	}
	*out = m;
	return 0;
}

void sidecar_metrics_addr(const struct sidecar_metrics *m, char *buf, size_t size)
{
	/* The address as given, its port replaced by the one bound. */
	const char *addr = m->s->metrics_addr;
	const char *colon = strrchr(addr, ':');
	int host_len = colon ? (int)(colon - addr) : 0;
	snprintf(buf, size, "%.*s:%d", host_len, addr, metrics_http_port(m->http));
}

void sidecar_metrics_service(struct sidecar_metrics *m, uint64_t now_us)
{
	metrics_http_service(m->http, now_us);
}

void sidecar_metrics_loop_ran(struct sidecar_metrics *m, uint64_t now_us)
{
	m->last_ran_us = now_us;
}

uint64_t sidecar_metrics_next_deadline(const struct sidecar_metrics *m)
{
	return metrics_http_next_deadline(m->http);
}

void sidecar_metrics_expire(struct sidecar_metrics *m, uint64_t now_us)
{
	metrics_http_expire(m->http, now_us);
}

void sidecar_metrics_close(struct sidecar_metrics *m)
{
	if (!m)
		return;
	metrics_http_close(m->http);
	free(m);
}
