#include "report.h"

#include <inttypes.h>
#include <stdbool.h>

#include "containers.h"
#include "log.h"
#include "plan.h"
#include "procinfo.h"
#include "procs.h"
#include "settings.h"

/* Its container's part of a line: " cgroup=... ... level=...". */
static void print_container(const struct settings *s, const struct container *ct, FILE *out)
{
	char q[256];
	log_quote_logfmt(q, sizeof q, ct->cgpath);
	fprintf(out, " cgroup=%s usage_bytes=%" PRIu64 " working_set_bytes=%" PRIu64, q,
		ct->last.usage_bytes, ct->last.working_set_bytes);
	if (!ct->have_limit) {
		fprintf(out, " limit_bytes=max pct=- level=none");
		return;
	}
	uint64_t m = s->metric == METRIC_USAGE ? ct->last.usage_bytes : ct->last.working_set_bytes;
	fprintf(out, " limit_bytes=%" PRIu64 " pct=%.1f level=%s", ct->limit_bytes,
		ct->limit_bytes ? 100.0 * (double)m / (double)ct->limit_bytes : 0.0,
		ct->params_ok ? policy_level_name(policy_level_of(&ct->params, m)) : "none");
}

/* What the sidecar would do to the process at each level: the preview
 * an SRE checks before trusting the sidecar with a pod. */
static void print_plan(const struct settings *s, const struct wproc *p,
		       const struct proc_status *st, FILE *out)
{
	struct runtime_info rt;
	procinfo_classify(s->proc_root, p->pid, &rt);
	fprintf(out, " runtime=%s", runtime_name(rt.kind));
	if (!st) {
		fprintf(out, " action_warning=unknown action_critical=unknown");
		return;
	}
	struct plan_proc pp = {st->sig_caught, st->sig_ignored, p->may_signal,
			       settings_comm_opted_in(s, p->comm)};
	static const enum level levels[] = {LEVEL_WARNING, LEVEL_CRITICAL};
	for (int i = 0; i < 2; i++) {
		struct plan pl;
		char what[128], q[256];
		plan_make(s, &rt, &pp, levels[i], &pl);
		plan_format(&pl, what, sizeof what);
		fprintf(out, " action_%s=%s", policy_level_name(levels[i]), what);
		/* Why the signal does not go, when its runtime is the reason. */
		if (!pl.send_signal && pl.signal_skip) {
			log_quote_logfmt(q, sizeof q, pl.signal_skip);
			fprintf(out, " skip_%s=%s", policy_level_name(levels[i]), q);
		}
		/* And why a runtime action configured for it would not run. */
		if (pl.action_skip) {
			log_quote_logfmt(q, sizeof q, pl.action_skip);
			fprintf(out, " action_skip_%s=%s", policy_level_name(levels[i]), q);
		}
	}
}

void report_once(const struct settings *s, const struct procs *ps, FILE *out)
{
	/* Every container is sampled once, whole (memory.stat included): a
	 * report shows the working set whatever the level. */
	for (size_t i = 0; i < procs_count(ps); i++) {
		struct container *ct = procs_at(ps, i)->ct;
		if (procs_at(ps, i)->role == ROLE_WATCHED && !ct->sampled &&
		    (ct->params_ok || !ct->have_limit))
			ct->sampled = cg_read_sample(&ct->rd, s->metric == METRIC_WORKING_SET,
						     &ct->last) == 0;
	}

	for (size_t i = 0; i < procs_count(ps); i++) {
		const struct wproc *p = procs_at(ps, i);
		if (p->role != ROLE_WATCHED && p->role != ROLE_NO_ACCESS && p->role != ROLE_NO_CGROUP)
			continue;
		char buf[4096], q[256];
		struct proc_status st;
		bool have = proc_read(s->proc_root, p->pid, "status", buf, sizeof buf) >= 0 &&
			    proc_parse_status(buf, &st) == 0;

		log_quote_logfmt(q, sizeof q, p->comm);
		fprintf(out, "pid=%d comm=%s", (int)p->pid, q);
		if (p->role == ROLE_WATCHED && p->ct->sampled) {
			print_container(s, p->ct, out);
		} else {
			const char *why = p->role == ROLE_NO_ACCESS ? "no_access"
					  : p->role == ROLE_NO_CGROUP ? "no_cgroup"
								      : "read_failed";
			fprintf(out,
				" cgroup=- usage_bytes=- working_set_bytes=- limit_bytes=- pct=- "
				"level=unknown error=%s",
				why);
		}
		fprintf(out, " catches_warning=%s catches_critical=%s",
			have && proc_sig_in(st.sig_caught, s->warning_signal) ? "yes" : "no",
			have && proc_sig_in(st.sig_caught, s->critical_signal) ? "yes" : "no");
		print_plan(s, p, have ? &st : NULL, out);
		fputc('\n', out);
	}
}
