#include "flightsave.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chart_svg.h"
#include "containers.h"
#include "dumpdir.h"
#include "log.h"
#include "settings.h"
#include "tally.h"
#include "utc.h"

/* Expected sizes, for the free-space check before writing: a CSV row is
 * under 64 bytes, a chart at most two polylines of CHART_MAX_POINTS. */
#define CSV_ROW_BYTES 64
#define SVG_BYTES (2 * CHART_MAX_POINTS * 16 + 16384)

static uint64_t held_bytes;

static uint64_t realtime_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void flightsave_release(struct container *ct)
{
	held_bytes -= flightrec_bytes(&ct->fr);
	flightrec_free(&ct->fr);
	ct->fr_on = false;
}

void flightsave_configure(struct container *ct, const struct settings *s)
{
	uint64_t ms = s->flight_recorder_us / 1000;
	if (ms == 0 || !s->dump_dir[0]) {
		flightsave_release(ct);
		return;
	}
	if (ms > FLIGHTREC_WINDOW_MAX_MS)
		ms = FLIGHTREC_WINDOW_MAX_MS;
	if (ct->fr_on) {
		/* A new window applies from the next sample on (push drops
		 * what is older). */
		ct->fr.window_ms = (uint32_t)ms;
		return;
	}
	ct->fr_on = flightrec_init(&ct->fr, (uint32_t)ms, 0) == 0;
}

static void account(struct container *ct, size_t before)
{
	held_bytes += flightrec_bytes(&ct->fr);
	held_bytes -= before;
}

void flightsave_sample(struct container *ct, bool working_set_read)
{
	if (!ct->fr_on)
		return;
	struct flightrec_point p = {
		.t_ms = realtime_ms(),
		.usage_bytes = ct->last.usage_bytes,
		.working_set_bytes = working_set_read ? ct->last.working_set_bytes : 0,
		.level = ct->pol.level,
	};
	size_t before = flightrec_bytes(&ct->fr);
	flightrec_push(&ct->fr, &p);
	account(ct, before);
}

void flightsave_mark(struct container *ct, enum flightrec_mark kind, unsigned arg)
{
	if (!ct->fr_on)
		return;
	size_t before = flightrec_bytes(&ct->fr);
	flightrec_mark(&ct->fr, kind, arg, realtime_ms());
	account(ct, before);
}

void flightsave_log_failure(const struct container *ct, const char *level,
			    const struct flightsave_result *res, int r)
{
	struct log_line l;
	if (r >= 0 || !log_begin(&l, LOG_WARN, "flight_record_failed"))
		return;
	containers_log_name(&l, ct);
	log_str(&l, "reason", level);
	if (res->csv[0])
		log_str(&l, "csv", res->csv); /* what was written all the same */
	log_str(&l, "problem", res->err);
	log_end(&l);
}

uint64_t flightsave_bytes(void)
{
	return held_bytes;
}

/* Actions are marked with their bit index + 1 (0 would read as none). */
static const char *mark_name(int kind, int arg, void *ctx)
{
	(void)ctx;
	if (kind == FLIGHTREC_MARK_ACTION && arg >= 1)
		return tally_action_name((unsigned)arg - 1);
	return NULL;
}

typedef int writer_fn(FILE *out, struct container *ct, const char *title);

static int write_csv(FILE *out, struct container *ct, const char *title)
{
	(void)title;
	return flightrec_csv(out, &ct->fr, 0, mark_name, NULL);
}

static int write_svg(FILE *out, struct container *ct, const char *title)
{
	struct chart_info ci = {
		.title = title,
		.warning_bytes = ct->params_ok ? ct->params.warning_bytes : 0,
		.critical_bytes = ct->params_ok ? ct->params.critical_bytes : 0,
		.limit_bytes = ct->have_limit ? ct->limit_bytes : 0,
		.mark_name = mark_name,
	};
	return chart_svg(out, &ct->fr, &ci);
}

/* One file, whole or not at all. Returns 0 or -errno with err set. */
static int write_one(const struct settings *s, struct container *ct, const char *name,
		     enum artifact_kind kind, uint64_t expect, writer_fn *fn, const char *title,
		     char *err, size_t errsz)
{
	struct dumpfile f;
	int r = dumpdir_begin(s->dump_dir, name, kind, s->dump_min_free, expect, &f, err, errsz);
	if (r)
		return r;
	f.no_sync = true;
	int fd = dup(f.fd);
	FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errsz, "cannot write %s: %s", name, strerror(-r));
		dumpdir_abort(&f);
		return r;
	}
	r = fn(out, ct, title);
	if (fclose(out) != 0 && !r)
		r = -EIO;
	if (r) {
		snprintf(err, errsz, "cannot write %s: %s", name, strerror(errno ? errno : EIO));
		dumpdir_abort(&f);
		return r;
	}
	uint64_t bytes;
	unsigned removed;
	return dumpdir_commit(&f, s->dump_min_free, s->dump_keep, &bytes, &removed, err, errsz);
}

int flightsave_write(const struct settings *s, struct container *ct, const char *level,
		     struct flightsave_result *r)
{
	memset(r, 0, sizeof *r);
	if (!s->dump_dir[0] || !ct->fr_on || flightrec_count(&ct->fr) == 0)
		return 0;
	struct timespec t0, t1, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_REALTIME, &now);
	char host[64];
	if (gethostname(host, sizeof host) < 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	long millis = now.tv_nsec / 1000000;
	const char *comm = ct->comm;
	pid_t pid = ct->first_pid;
	int e = artifact_name(r->csv, sizeof r->csv, host, comm, pid, (int64_t)now.tv_sec, millis,
			      level, ARTIFACT_FLIGHT_CSV);
	if (!e)
		e = artifact_name(r->svg, sizeof r->svg, host, comm, pid, (int64_t)now.tv_sec, millis,
				  level, ARTIFACT_FLIGHT_SVG);
	if (e) {
		snprintf(r->err, sizeof r->err, "file name too long");
		return e;
	}
	char when[UTC_TEXT_MAX], title[CG_PATH_MAX + 128];
	utc_format(when, sizeof when, (int64_t)now.tv_sec, millis, UTC_EXTENDED);
	snprintf(title, sizeof title, "oomsentry: %s (%s), %s%s", ct->cgpath, comm, when,
		 strcmp(level, "oomkill") == 0 ? ", OOM kill" : ", critical");
	r->samples = flightrec_count(&ct->fr);
	e = write_one(s, ct, r->csv, ARTIFACT_FLIGHT_CSV, r->samples * CSV_ROW_BYTES, write_csv,
		      title, r->err, sizeof r->err);
	if (e) {
		r->csv[0] = r->svg[0] = '\0';
	} else {
		/* A CSV without its chart still tells the story: it stays. */
		e = write_one(s, ct, r->svg, ARTIFACT_FLIGHT_SVG, SVG_BYTES, write_svg, title,
			      r->err, sizeof r->err);
		if (e)
			r->svg[0] = '\0';
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->took_us = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
				(t1.tv_nsec - t0.tv_nsec) / 1000);
	return e ? e : 1;
}
