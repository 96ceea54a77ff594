/* policy.c: walk time forward through levels, cooldowns and hysteresis. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "policy.h"

#define SEC UINT64_C(1000000)

/* limit 1000 bytes: warning 750, critical 900, hysteresis 50, cooldown 30 s */
static struct policy_params params(void)
{
	struct threshold w = {.is_pct = true, .pct = 75}, c = {.is_pct = true, .pct = 90};
	struct policy_params p;
	ck_assert_int_eq(policy_params_for(&w, &c, 5, 30 * SEC, 1000, &p), 0);
	return p;
}

struct step {
	uint64_t t_s;      /* seconds */
	uint64_t metric;
	enum level to;
	enum level signal;
	bool repeat;
};

static void walk(const struct step *steps, size_t n)
{
	struct policy_params p = params();
	struct policy_state st = {0};
	for (size_t i = 0; i < n; i++) {
		struct policy_decision d;
		policy_step(&st, &p, steps[i].metric, steps[i].t_s * SEC, &d);
		ck_assert_msg(d.to == steps[i].to, "step %zu (t=%llus m=%llu): level %s, want %s", i,
			      (unsigned long long)steps[i].t_s, (unsigned long long)steps[i].metric,
			      policy_level_name(d.to), policy_level_name(steps[i].to));
		ck_assert_msg(d.signal == steps[i].signal, "step %zu: signal %s, want %s", i,
			      policy_level_name(d.signal), policy_level_name(steps[i].signal));
		if (d.signal)
			ck_assert_msg(d.repeat == steps[i].repeat, "step %zu: repeat", i);
	}
}

START_TEST(thresholds_in_bytes)
{
	struct policy_params p = params();
	ck_assert_uint_eq(p.warning_bytes, 750);
	ck_assert_uint_eq(p.critical_bytes, 900);
	ck_assert_uint_eq(p.hysteresis_bytes, 50);
	struct threshold w = {.is_pct = false, .bytes = 800}, c = {.is_pct = false, .bytes = 700};
	ck_assert_int_eq(policy_params_for(&w, &c, 5, 0, 1000, &p), -EINVAL);
	/* Sizes do not depend on the limit; the hysteresis does. */
	c.bytes = 900;
	ck_assert_int_eq(policy_params_for(&w, &c, 10, 0, 4000, &p), 0);
	ck_assert_uint_eq(p.warning_bytes, 800);
	ck_assert_uint_eq(p.hysteresis_bytes, 400);
	/* A percentage of a huge limit keeps its precision. */
	struct threshold h = {.is_pct = true, .pct = 50}, h2 = {.is_pct = true, .pct = 100};
	ck_assert_int_eq(policy_params_for(&h, &h2, 0, 0, UINT64_C(1) << 61, &p), 0);
	ck_assert_uint_eq(p.warning_bytes, UINT64_C(1) << 60);
	ck_assert_uint_eq(p.critical_bytes, UINT64_C(1) << 61);
}
END_TEST

START_TEST(enter_and_escalate)
{
	const struct step s[] = {
		{0, 100, LEVEL_NORMAL, LEVEL_NORMAL, false},
		{1, 749, LEVEL_NORMAL, LEVEL_NORMAL, false},
		{2, 750, LEVEL_WARNING, LEVEL_WARNING, false},   /* at the threshold: enters */
		{3, 800, LEVEL_WARNING, LEVEL_NORMAL, false},    /* persists: no repeat yet */
		{4, 900, LEVEL_CRITICAL, LEVEL_CRITICAL, false}, /* escalates at once */
		{5, 950, LEVEL_CRITICAL, LEVEL_NORMAL, false},
	};
	walk(s, sizeof s / sizeof *s);
}
END_TEST

START_TEST(jump_straight_to_critical)
{
	const struct step s[] = {
		{0, 0, LEVEL_NORMAL, LEVEL_NORMAL, false},
		{1, 1000, LEVEL_CRITICAL, LEVEL_CRITICAL, false},
	};
	walk(s, sizeof s / sizeof *s);
}
END_TEST

/* WARNING equal to CRITICAL (oomhero's way to have one level): no warning
 * level, the critical signal at the threshold, and back to normal. */
START_TEST(equal_thresholds_mean_critical_only)
{
	struct threshold w = {.is_pct = true, .pct = 90}, c = {.is_pct = true, .pct = 90};
	struct policy_params p;
	ck_assert_int_eq(policy_params_for(&w, &c, 5, 30 * SEC, 1000, &p), 0);
	struct policy_state st = {0};
	static const struct {
		uint64_t metric;
		enum level to, signal;
	} steps[] = {
		{800, LEVEL_NORMAL, LEVEL_NORMAL},     {899, LEVEL_NORMAL, LEVEL_NORMAL},
		{900, LEVEL_CRITICAL, LEVEL_CRITICAL}, {950, LEVEL_CRITICAL, LEVEL_NORMAL},
		{849, LEVEL_NORMAL, LEVEL_NORMAL},     {900, LEVEL_CRITICAL, LEVEL_CRITICAL},
	};
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		struct policy_decision d;
		policy_step(&st, &p, steps[i].metric, (i + 1) * SEC, &d);
		ck_assert_msg(d.to == steps[i].to && d.signal == steps[i].signal,
			      "step %zu (m=%llu): level %s signal %s", i,
			      (unsigned long long)steps[i].metric, policy_level_name(d.to),
			      policy_level_name(d.signal));
	}
}
END_TEST

START_TEST(cooldown_repeats)
{
	const struct step s[] = {
		{0, 760, LEVEL_WARNING, LEVEL_WARNING, false},
		{29, 760, LEVEL_WARNING, LEVEL_NORMAL, false},
		{30, 760, LEVEL_WARNING, LEVEL_WARNING, true}, /* exactly one cooldown later */
		{31, 760, LEVEL_WARNING, LEVEL_NORMAL, false},
		{45, 910, LEVEL_CRITICAL, LEVEL_CRITICAL, false}, /* escalation ignores cooldown */
		{60, 910, LEVEL_CRITICAL, LEVEL_NORMAL, false},
		{75, 910, LEVEL_CRITICAL, LEVEL_CRITICAL, true},
		{105, 910, LEVEL_CRITICAL, LEVEL_CRITICAL, true},
	};
	walk(s, sizeof s / sizeof *s);
}
END_TEST

START_TEST(hysteresis_rearm)
{
	const struct step s[] = {
		{0, 760, LEVEL_WARNING, LEVEL_WARNING, false},
		{1, 749, LEVEL_WARNING, LEVEL_NORMAL, false}, /* just below: still warning */
		{2, 701, LEVEL_WARNING, LEVEL_NORMAL, false}, /* 750-50 = 700 not crossed */
		{3, 760, LEVEL_WARNING, LEVEL_NORMAL, false}, /* not re-armed: no signal */
		{4, 699, LEVEL_NORMAL, LEVEL_NORMAL, false},  /* re-armed */
		{5, 760, LEVEL_WARNING, LEVEL_WARNING, false}, /* enters again at once */
	};
	walk(s, sizeof s / sizeof *s);
}
END_TEST

START_TEST(recovery_from_critical)
{
	const struct step s[] = {
		{0, 950, LEVEL_CRITICAL, LEVEL_CRITICAL, false},
		{1, 860, LEVEL_CRITICAL, LEVEL_NORMAL, false}, /* 900-50 = 850: still critical */
		{2, 840, LEVEL_WARNING, LEVEL_NORMAL, false},  /* falls back: no new signal */
		{3, 905, LEVEL_CRITICAL, LEVEL_CRITICAL, false}, /* critical re-armed */
		{4, 100, LEVEL_NORMAL, LEVEL_NORMAL, false},
		{5, 100, LEVEL_NORMAL, LEVEL_NORMAL, false},
		/* After recovery the cooldown does not delay a fresh warning. */
		{6, 800, LEVEL_WARNING, LEVEL_WARNING, false},
		/* The warning repeats one cooldown after the last signal of any level. */
		{36, 800, LEVEL_WARNING, LEVEL_WARNING, true},
	};
	walk(s, sizeof s / sizeof *s);
}
END_TEST

START_TEST(fallback_repeats_lower_level)
{
	const struct step s[] = {
		{0, 950, LEVEL_CRITICAL, LEVEL_CRITICAL, false},
		{10, 800, LEVEL_WARNING, LEVEL_NORMAL, false},
		{30, 800, LEVEL_WARNING, LEVEL_WARNING, true},
	};
	walk(s, sizeof s / sizeof *s);
}
END_TEST

START_TEST(zero_cooldown_and_hysteresis)
{
	struct threshold w = {.is_pct = true, .pct = 50}, c = {.is_pct = true, .pct = 80};
	struct policy_params p;
	ck_assert_int_eq(policy_params_for(&w, &c, 0, 0, 100, &p), 0);
	struct policy_state st = {0};
	struct policy_decision d;
	policy_step(&st, &p, 60, 0, &d);
	ck_assert_int_eq(d.signal, LEVEL_WARNING);
	policy_step(&st, &p, 60, 1, &d);
	ck_assert_int_eq(d.signal, LEVEL_WARNING); /* every step */
	ck_assert(d.repeat);
	policy_step(&st, &p, 49, 2, &d); /* no hysteresis: leaves at once */
	ck_assert_int_eq(d.to, LEVEL_NORMAL);
	/* Hysteresis larger than the threshold never underflows into re-arming. */
	ck_assert_int_eq(policy_params_for(&w, &c, 60, 0, 100, &p), 0);
	st = (struct policy_state){0};
	policy_step(&st, &p, 55, 0, &d);
	policy_step(&st, &p, 0, 1, &d);
	ck_assert_int_eq(d.to, LEVEL_WARNING);
}
END_TEST

#define MS UINT64_C(1000)

START_TEST(growth_estimate)
{
	struct growth g = {0};
	policy_growth_update(&g, 0, 1000);
	ck_assert(g.have);
	ck_assert(g.bytes_per_us == 0);
	policy_growth_update(&g, 1000, 3000); /* 2000 bytes in 1000 us */
	ck_assert(g.bytes_per_us == 2.0);
	policy_growth_update(&g, 2000, 3000); /* flat: the estimate halves, not drops */
	ck_assert(g.bytes_per_us == 1.0);
	policy_growth_update(&g, 3000, 2000); /* shrinking counts as 0 */
	ck_assert(g.bytes_per_us == 0.5);
	policy_growth_update(&g, 4000, 12000); /* a burst wins at once */
	ck_assert(g.bytes_per_us == 10.0);
	policy_growth_update(&g, 4000, 99999); /* no time passed: no division */
	ck_assert(g.bytes_per_us == 10.0);
	/* After a long quiet gap, growth counts as if it took the burst window. */
	struct growth q = {0};
	policy_growth_update(&q, 0, 0);
	policy_growth_update(&q, 100000, 40000); /* 100 ms gap */
	ck_assert(q.bytes_per_us == 40000.0 / POLICY_BURST_WINDOW_US);
}
END_TEST

START_TEST(next_read_follows_headroom)
{
	struct policy_params p = params(); /* warning 750, critical 900 of 1000 */
	struct policy_state st = {0};
	struct growth g = {.have = true, .bytes_per_us = 0};
	/* Flat: the idle interval. */
	ck_assert_uint_eq(policy_next_read_us(&st, &p, &g, 100, 1000, 1 * MS, 100 * MS), 100 * MS);
	/* 650 bytes to the warning at 0.001 B/us x2 safety: 325000 us, capped at the max. */
	g.bytes_per_us = 0.001;
	ck_assert_uint_eq(policy_next_read_us(&st, &p, &g, 100, 1000, 1 * MS, 100 * MS), 100 * MS);
	/* At 0.01 B/us: 650 / 0.02 = 32500 us. */
	g.bytes_per_us = 0.01;
	ck_assert_uint_eq(policy_next_read_us(&st, &p, &g, 100, 1000, 1 * MS, 100 * MS), 32500);
	/* Closer to the boundary: sooner. */
	ck_assert_uint_eq(policy_next_read_us(&st, &p, &g, 700, 1000, 1 * MS, 100 * MS), 2500);
	/* Racing: the minimum. */
	g.bytes_per_us = 1000;
	ck_assert_uint_eq(policy_next_read_us(&st, &p, &g, 100, 1000, 1 * MS, 100 * MS), 1 * MS);
	/* At or past the boundary: the minimum. */
	g.bytes_per_us = 0;
	ck_assert_uint_eq(policy_next_read_us(&st, &p, &g, 750, 1000, 1 * MS, 100 * MS), 1 * MS);
	/* In warning the next boundary is critical; in critical, the limit. */
	st.level = LEVEL_WARNING;
	g.bytes_per_us = 0.01;
	ck_assert_uint_eq(policy_next_read_us(&st, &p, &g, 800, 1000, 1 * MS, 100 * MS), 5000);
	st.level = LEVEL_CRITICAL;
	ck_assert_uint_eq(policy_next_read_us(&st, &p, &g, 900, 1000, 1 * MS, 100 * MS), 5000);
}
END_TEST

/* A value's own level: at or above a threshold is that level. */
START_TEST(level_of_value)
{
	struct policy_params p = params(); /* warning 750, critical 900 */
	ck_assert_int_eq(policy_level_of(&p, 0), LEVEL_NORMAL);
	ck_assert_int_eq(policy_level_of(&p, 749), LEVEL_NORMAL);
	ck_assert_int_eq(policy_level_of(&p, 750), LEVEL_WARNING);
	ck_assert_int_eq(policy_level_of(&p, 899), LEVEL_WARNING);
	ck_assert_int_eq(policy_level_of(&p, 900), LEVEL_CRITICAL);
	ck_assert_int_eq(policy_level_of(&p, UINT64_MAX), LEVEL_CRITICAL);
}
END_TEST

/* Who gets a signal: only a process that catches it, unless the signal is
 * meant to stop processes or SIGNAL_UNHANDLED is set; never one we may not
 * signal. */
/* The last signal decided, and its level, are the state's: what an OOM
 * report says was sent last. */
START_TEST(last_signal_remembered)
{
	struct policy_params p = params();
	struct policy_state st = {0};
	struct policy_decision d;
	ck_assert_int_eq(st.last_signal, LEVEL_NORMAL);
	policy_step(&st, &p, 800, 1 * SEC, &d);
	ck_assert_int_eq(st.last_signal, LEVEL_WARNING);
	ck_assert_uint_eq(st.last_signal_us, 1 * SEC);
	policy_step(&st, &p, 950, 2 * SEC, &d);
	ck_assert_int_eq(st.last_signal, LEVEL_CRITICAL);
	ck_assert_uint_eq(st.last_signal_us, 2 * SEC);
	/* Back to normal: nothing is sent, the last signal stays. */
	policy_step(&st, &p, 100, 3 * SEC, &d);
	ck_assert_int_eq(d.signal, LEVEL_NORMAL);
	ck_assert_int_eq(st.last_signal, LEVEL_CRITICAL);
	ck_assert_uint_eq(st.last_signal_us, 2 * SEC);
}
END_TEST

/* memory.stat is needed once usage reaches warning, or at any level above
 * normal (the working set may be what keeps it there). */
START_TEST(needs_working_set)
{
	struct policy_params p = params();
	struct policy_state st = {0};
	ck_assert(!policy_needs_working_set(&st, &p, 0));
	ck_assert(!policy_needs_working_set(&st, &p, 749));
	ck_assert(policy_needs_working_set(&st, &p, 750));
	ck_assert(policy_needs_working_set(&st, &p, 2000));
	st.level = LEVEL_WARNING;
	ck_assert(policy_needs_working_set(&st, &p, 0));
	st.level = LEVEL_CRITICAL;
	ck_assert(policy_needs_working_set(&st, &p, 10));
}
END_TEST

START_TEST(send_verdict)
{
	ck_assert_ptr_null(policy_send_verdict(true, false, SIGUSR1, false, true));
	ck_assert_str_eq(policy_send_verdict(true, false, SIGUSR1, false, false),
			 "not allowed to signal it: CAP_KILL missing");
	ck_assert_str_eq(policy_send_verdict(false, false, SIGUSR1, false, true),
			 "no handler: the signal would kill or stop it");
	ck_assert_str_eq(policy_send_verdict(false, true, SIGUSR2, false, true),
			 "ignores the signal");
	ck_assert_str_eq(policy_send_verdict(false, false, SIGWINCH, false, true),
			 "no handler: the signal would do nothing");
	/* Asked for: the signal goes out even without a handler. */
	ck_assert_ptr_null(policy_send_verdict(false, false, SIGUSR1, true, true));
	ck_assert_ptr_null(policy_send_verdict(false, true, SIGUSR1, true, true));
	ck_assert_ptr_null(policy_send_verdict(false, false, SIGTERM, false, true));
	ck_assert_str_eq(policy_send_verdict(false, false, SIGTERM, false, false),
			 "not allowed to signal it: CAP_KILL missing");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("state machine");
	tcase_add_test(tc, thresholds_in_bytes);
	tcase_add_test(tc, enter_and_escalate);
	tcase_add_test(tc, jump_straight_to_critical);
	tcase_add_test(tc, equal_thresholds_mean_critical_only);
	tcase_add_test(tc, cooldown_repeats);
	tcase_add_test(tc, hysteresis_rearm);
	tcase_add_test(tc, recovery_from_critical);
	tcase_add_test(tc, fallback_repeats_lower_level);
	tcase_add_test(tc, zero_cooldown_and_hysteresis);
	tcase_add_test(tc, growth_estimate);
	tcase_add_test(tc, next_read_follows_headroom);
	tcase_add_test(tc, send_verdict);
	tcase_add_test(tc, level_of_value);
	tcase_add_test(tc, last_signal_remembered);
	tcase_add_test(tc, needs_working_set);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
