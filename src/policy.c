#include "policy.h"

#include <errno.h>
#include <math.h>

#include "signame.h"

static uint64_t pct_of(double pct, uint64_t limit)
{
	/* long double keeps byte precision for any 64-bit limit. */
	return (uint64_t)((long double)limit * (long double)pct / 100.0L);
}

int policy_params_for(const struct threshold *warning, const struct threshold *critical,
		      double hysteresis_pct, uint64_t cooldown_us, uint64_t limit_bytes,
		      struct policy_params *out)
{
	out->warning_bytes = warning->is_pct ? pct_of(warning->pct, limit_bytes) : warning->bytes;
	out->critical_bytes =
		critical->is_pct ? pct_of(critical->pct, limit_bytes) : critical->bytes;
	out->hysteresis_bytes = pct_of(hysteresis_pct, limit_bytes);
	out->cooldown_us = cooldown_us;
	/* Equal: the critical level only (level_of tests critical first). */
	return out->warning_bytes <= out->critical_bytes ? 0 : -EINVAL;
}

/* Below a threshold by the hysteresis (no underflow for small thresholds). */
static bool below_by(uint64_t metric, uint64_t threshold, uint64_t hyst)
{
	return hyst >= threshold ? false : metric < threshold - hyst;
}

enum level policy_level_of(const struct policy_params *p, uint64_t metric)
{
	return metric >= p->critical_bytes  ? LEVEL_CRITICAL
	       : metric >= p->warning_bytes ? LEVEL_WARNING
					    : LEVEL_NORMAL;
}

bool policy_needs_working_set(const struct policy_state *st, const struct policy_params *p,
			      uint64_t usage_bytes)
{
	return st->level != LEVEL_NORMAL || usage_bytes >= p->warning_bytes;
}

void policy_step(struct policy_state *st, const struct policy_params *p, uint64_t metric,
		 uint64_t now_us, struct policy_decision *d)
{
	enum level from = st->level, to = policy_level_of(p, metric);

	/* A level is left only once the metric is below it by the hysteresis. */
	if (to < LEVEL_CRITICAL && from == LEVEL_CRITICAL &&
	    !below_by(metric, p->critical_bytes, p->hysteresis_bytes))
		to = LEVEL_CRITICAL;
	else if (to < LEVEL_WARNING && from >= LEVEL_WARNING &&
		 !below_by(metric, p->warning_bytes, p->hysteresis_bytes))
		to = LEVEL_WARNING;

	d->from = from;
	d->to = to;
	d->signal = LEVEL_NORMAL;
	d->repeat = false;
	st->level = to;

	if (to > from) {
		d->signal = to;
	} else if (to != LEVEL_NORMAL && st->last_signal != LEVEL_NORMAL &&
		   now_us - st->last_signal_us >= p->cooldown_us) {
		/* Persisting (or fallen back from critical to warning): repeat the
		 * current level's signal once the cooldown has passed. */
		d->signal = to;
		d->repeat = true;
	}
	if (d->signal != LEVEL_NORMAL) {
		st->last_signal = d->signal;
		st->last_signal_us = now_us;
	}
}

const char *policy_level_name(enum level level)
{
	switch (level) {
	case LEVEL_WARNING:
		return "warning";
	case LEVEL_CRITICAL:
		return "critical";
	default:
		return "normal";
	}
}

void policy_growth_update(struct growth *g, uint64_t now_us, uint64_t bytes)
{
	if (g->have && now_us > g->last_us) {
		uint64_t dt = now_us - g->last_us;
		if (dt > POLICY_BURST_WINDOW_US)
			dt = POLICY_BURST_WINDOW_US;
		double inst = bytes > g->last_bytes ? (double)(bytes - g->last_bytes) / (double)dt : 0.0;
		double decayed = g->bytes_per_us / 2;
		g->bytes_per_us = inst > decayed ? inst : decayed;
	}
	g->have = true;
	g->last_us = now_us;
	g->last_bytes = bytes;
}

uint64_t policy_next_read_us(const struct policy_state *st, const struct policy_params *p,
			     const struct growth *g, uint64_t metric, uint64_t limit_bytes,
			     uint64_t min_us, uint64_t max_us)
{
	uint64_t boundary = st->level == LEVEL_NORMAL    ? p->warning_bytes
			    : st->level == LEVEL_WARNING ? p->critical_bytes
							 : limit_bytes;
	if (metric >= boundary)
		return min_us;
	if (g->bytes_per_us <= 0)
		return max_us;
	double us = (double)(boundary - metric) / (g->bytes_per_us * POLICY_RATE_SAFETY);
	if (us <= (double)min_us)
		return min_us;
	if (us >= (double)max_us)
		return max_us;
	return (uint64_t)us;
}

const char *policy_send_verdict(bool caught, bool ignored, int signo, bool signal_unhandled,
				bool may_signal)
{
	if (!caught && !signal_unhandled && !signame_meant_to_stop(signo)) {
		if (ignored)
			return "ignores the signal";
		if (signame_default_harms(signo))
			return "no handler: the signal would kill or stop it";
		return "no handler: the signal would do nothing";
	}
	if (!may_signal)
		return "not allowed to signal it: CAP_KILL missing";
	return NULL;
}
