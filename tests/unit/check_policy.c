/* policy.c: walk time forward through levels, cooldowns and hysteresis. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
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

static Suite *make_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("state machine");
	tcase_add_test(tc, thresholds_in_bytes);
	tcase_add_test(tc, enter_and_escalate);
	tcase_add_test(tc, jump_straight_to_critical);
	tcase_add_test(tc, cooldown_repeats);
	tcase_add_test(tc, hysteresis_rearm);
	tcase_add_test(tc, recovery_from_critical);
	tcase_add_test(tc, fallback_repeats_lower_level);
	tcase_add_test(tc, zero_cooldown_and_hysteresis);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
