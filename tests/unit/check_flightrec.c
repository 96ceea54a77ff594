/* flightrec.c: the window, growth, the cap and what thinning keeps, marks
 * between samples, and the CSV. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flightrec.h"

/* 2026-12-02T18:30:00.000Z */
#define T0 UINT64_C(1796236200000)
#define MIB UINT64_C(1048576)

static int push(struct flightrec *fr, uint64_t t, uint64_t usage, uint64_t ws, enum level level)
{
	struct flightrec_point p = {.t_ms = t, .usage_bytes = usage, .working_set_bytes = ws,
				    .level = level};
	return flightrec_push(fr, &p);
}

static struct flightrec_point get(const struct flightrec *fr, size_t i)
{
	struct flightrec_point p;
	ck_assert(flightrec_get(fr, i, &p));
	return p;
}

/* Times never go backwards. */
static void assert_ordered(const struct flightrec *fr)
{
	for (size_t i = 1; i < flightrec_count(fr); i++)
		ck_assert_uint_le(get(fr, i - 1).t_ms, get(fr, i).t_ms);
}

/* The CSV of fr as a heap string. */
static char *csv(const struct flightrec *fr, uint64_t from, flightrec_mark_name_fn *name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(flightrec_csv(f, fr, from, name, NULL), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

START_TEST(init_checks_its_bounds)
{
	struct flightrec fr;
	ck_assert_int_eq(flightrec_init(&fr, 0, 0), 0);
	ck_assert_uint_eq(fr.window_ms, FLIGHTREC_WINDOW_DEFAULT_MS);
	ck_assert_uint_eq(fr.cap, FLIGHTREC_CAP_DEFAULT);
	ck_assert_int_eq(flightrec_init(&fr, FLIGHTREC_WINDOW_MAX_MS + 1, 0), -EINVAL);
	ck_assert_int_eq(flightrec_init(&fr, 0, FLIGHTREC_CAP_MIN - 1), -EINVAL);
	ck_assert_int_eq(flightrec_init(&fr, 0, FLIGHTREC_CAP_MAX + 1), -EINVAL);
	ck_assert_int_eq(flightrec_init(&fr, 1000, 8), 0);
	struct flightrec_point p = {.t_ms = T0, .level = 3};
	ck_assert_int_eq(flightrec_push(&fr, &p), -EINVAL);
	p = (struct flightrec_point){.t_ms = T0, .mark = 4};
	ck_assert_int_eq(flightrec_push(&fr, &p), -EINVAL);
	p = (struct flightrec_point){.t_ms = T0, .mark = FLIGHTREC_MARK_ACTION, .arg = 65536};
	ck_assert_int_eq(flightrec_push(&fr, &p), -EINVAL);
	ck_assert_uint_eq(flightrec_count(&fr), 0);
	ck_assert_uint_eq(sizeof(struct flightrec_sample), 16);
}
END_TEST

START_TEST(empty_record)
{
	struct flightrec fr;
	flightrec_init(&fr, 0, 0);
	struct flightrec_point p;
	ck_assert_uint_eq(flightrec_count(&fr), 0);
	ck_assert(!flightrec_get(&fr, 0, &p));
	ck_assert_uint_eq(flightrec_oldest_ms(&fr), 0);
	ck_assert_uint_eq(flightrec_newest_ms(&fr), 0);
	ck_assert_uint_eq(flightrec_bytes(&fr), 0);
	ck_assert_int_eq(flightrec_mark(&fr, FLIGHTREC_MARK_OOM_KILL, 0, T0), -ENODATA);
	char *s = csv(&fr, 0, NULL);
	ck_assert_str_eq(s, "time_ms,usage_bytes,working_set_bytes,level,event\n");
	free(s);
	flightrec_free(&fr);
	flightrec_free(&fr);
	/* Usable again after free. */
	ck_assert_int_eq(push(&fr, T0, MIB, MIB, LEVEL_NORMAL), 0);
	ck_assert_uint_eq(flightrec_count(&fr), 1);
	flightrec_free(&fr);
	ck_assert_uint_eq(flightrec_count(&fr), 0);
}
END_TEST

START_TEST(window_expires_old_samples)
{
	struct flightrec fr;
	flightrec_init(&fr, 30000, 0);
	/* 40 s at the idle rate. */
	for (uint64_t t = 0; t <= 40000; t += 100)
		ck_assert_int_eq(push(&fr, T0 + t, t * 1024, t * 512, LEVEL_NORMAL), 0);
	/* Samples at newest - window are kept: both ends are in. */
	ck_assert_uint_eq(flightrec_count(&fr), 301);
	ck_assert_uint_eq(flightrec_oldest_ms(&fr), T0 + 10000);
	ck_assert_uint_eq(flightrec_newest_ms(&fr), T0 + 40000);
	ck_assert_uint_eq(get(&fr, 0).usage_bytes, 10000 * 1024);
	/* A long gap empties it but for the new sample. */
	push(&fr, T0 + 100000, MIB, MIB, LEVEL_NORMAL);
	ck_assert_uint_eq(flightrec_count(&fr), 1);
	ck_assert_uint_eq(flightrec_oldest_ms(&fr), T0 + 100000);
	flightrec_free(&fr);
}
END_TEST

START_TEST(grows_by_doubling)
{
	struct flightrec fr;
	flightrec_init(&fr, 30000, 0);
	push(&fr, T0, MIB, MIB, LEVEL_NORMAL);
	ck_assert_uint_eq(flightrec_bytes(&fr), FLIGHTREC_INITIAL * 16);
	for (unsigned i = 1; i <= FLIGHTREC_INITIAL; i++)
		push(&fr, T0 + i * 100, MIB, MIB, LEVEL_NORMAL);
	ck_assert_uint_eq(flightrec_bytes(&fr), 2 * FLIGHTREC_INITIAL * 16);
	/* Idle for long: 300 samples in the window, an array of 512. */
	for (unsigned i = FLIGHTREC_INITIAL + 1; i < 1000; i++)
		push(&fr, T0 + i * 100, MIB, MIB, LEVEL_NORMAL);
	ck_assert_uint_eq(flightrec_count(&fr), 301);
	ck_assert_uint_eq(flightrec_bytes(&fr), 512 * 16);
	/* In time order across the wrap of the circular array. */
	for (size_t i = 0; i < flightrec_count(&fr); i++)
		ck_assert_uint_eq(get(&fr, i).t_ms, T0 + 69900 + i * 100);
	flightrec_free(&fr);
}
END_TEST

START_TEST(cap_thins_the_older_half)
{
	enum { CAP = 64, N = 1000 };
	struct flightrec fr;
	flightrec_init(&fr, 30000, CAP);
	for (unsigned i = 0; i < N; i++) {
		struct flightrec_point p = {
			.t_ms = T0 + i,
			.usage_bytes = (100 + i % 7) * MIB,
			.working_set_bytes = 90 * MIB,
			.level = i < 500 ? LEVEL_NORMAL : LEVEL_WARNING,
		};
		if (i % 100 == 50) {
			p.mark = FLIGHTREC_MARK_SIGNAL;
			p.arg = i / 100;
		}
		if (i == 333)
			p.usage_bytes = 900 * MIB; /* a spike */
		ck_assert_int_eq(flightrec_push(&fr, &p), 0);
		ck_assert_uint_le(flightrec_count(&fr), CAP);
		ck_assert_uint_le(flightrec_bytes(&fr), CAP * sizeof(struct flightrec_sample));
	}
	assert_ordered(&fr);
	size_t n = flightrec_count(&fr);
	/* The first sample, every mark, the level change and the spike. */
	ck_assert_uint_eq(get(&fr, 0).t_ms, T0);
	unsigned marks = 0;
	bool change = false, spike = false;
	for (size_t i = 0; i < n; i++) {
		struct flightrec_point p = get(&fr, i);
		if (p.mark == FLIGHTREC_MARK_SIGNAL) {
			ck_assert_uint_eq(p.arg, marks);
			ck_assert_uint_eq(p.t_ms, T0 + marks * 100 + 50);
			marks++;
		}
		change |= p.t_ms == T0 + 500;
		spike |= p.usage_bytes == 900 * MIB;
	}
	ck_assert_uint_eq(marks, N / 100);
	ck_assert(change);
	ck_assert(spike);
	/* The newest half at the sampler's full resolution. */
	for (size_t k = 0; k < CAP / 2; k++)
		ck_assert_uint_eq(get(&fr, n - 1 - k).t_ms, T0 + N - 1 - k);
	flightrec_free(&fr);
}
END_TEST

START_TEST(all_marks_still_bounded)
{
	struct flightrec fr;
	flightrec_init(&fr, 30000, FLIGHTREC_CAP_MIN);
	for (unsigned i = 0; i < 100; i++) {
		struct flightrec_point p = {
			.t_ms = T0 + i, .mark = FLIGHTREC_MARK_ACTION, .arg = i};
		ck_assert_int_eq(flightrec_push(&fr, &p), 0);
		ck_assert_uint_le(flightrec_count(&fr), FLIGHTREC_CAP_MIN);
	}
	ck_assert_uint_eq(flightrec_newest_ms(&fr), T0 + 99);
	ck_assert_uint_eq(flightrec_count(&fr), FLIGHTREC_CAP_MIN);
	/* The oldest went first: the rest are the newest, in order. */
	for (size_t i = 0; i < FLIGHTREC_CAP_MIN; i++)
		ck_assert_uint_eq(get(&fr, i).arg, 100 - FLIGHTREC_CAP_MIN + i);
	flightrec_free(&fr);
}
END_TEST

START_TEST(marks_survive_a_crowded_older_half)
{
	/* Cap 8: the older half is samples 0..3, marks at 0, 1 and 3 leave
	 * no pair to thin; the unmarked sample between them goes instead. */
	struct flightrec fr;
	flightrec_init(&fr, 30000, FLIGHTREC_CAP_MIN);
	for (unsigned i = 0; i < 40; i++) {
		struct flightrec_point p = {.t_ms = T0 + i, .usage_bytes = MIB};
		if (i == 0 || i == 1 || i == 3) {
			p.mark = FLIGHTREC_MARK_SIGNAL;
			p.arg = i;
		}
		ck_assert_int_eq(flightrec_push(&fr, &p), 0);
	}
	ck_assert_uint_eq(flightrec_count(&fr), FLIGHTREC_CAP_MIN);
	ck_assert_uint_eq(get(&fr, 0).t_ms, T0);
	ck_assert_uint_eq(get(&fr, 1).t_ms, T0 + 1);
	ck_assert_uint_eq(get(&fr, 2).t_ms, T0 + 3);
	ck_assert_uint_eq(get(&fr, 2).arg, 3);
	ck_assert_uint_eq(flightrec_newest_ms(&fr), T0 + 39);
	assert_ordered(&fr);
	flightrec_free(&fr);
}
END_TEST

START_TEST(memory_bound)
{
	struct flightrec fr;
	flightrec_init(&fr, 30000, 0);
	/* 100 s at one sample per ms: three windows' worth. */
	for (unsigned i = 0; i < 100000; i++)
		push(&fr, T0 + i, (uint64_t)i * 4096, 0, LEVEL_CRITICAL);
	ck_assert_uint_le(flightrec_count(&fr), FLIGHTREC_CAP_DEFAULT);
	ck_assert_uint_eq(flightrec_bytes(&fr), 64 * 1024);
	ck_assert_uint_ge(flightrec_oldest_ms(&fr), T0 + 100000 - 1 - 30000);
	assert_ordered(&fr);
	flightrec_free(&fr);
}
END_TEST

START_TEST(mark_between_samples)
{
	struct flightrec fr;
	flightrec_init(&fr, 0, 0);
	push(&fr, T0, 100 * MIB, 80 * MIB, LEVEL_WARNING);
	push(&fr, T0 + 100, 110 * MIB, 90 * MIB, LEVEL_CRITICAL);
	/* At the newest sample's time: on it. */
	ck_assert_int_eq(flightrec_mark(&fr, FLIGHTREC_MARK_SIGNAL, 10, T0 + 100), 0);
	ck_assert_uint_eq(flightrec_count(&fr), 2);
	ck_assert_int_eq(get(&fr, 1).mark, FLIGHTREC_MARK_SIGNAL);
	ck_assert_uint_eq(get(&fr, 1).arg, 10);
	/* Same time, already marked: a copy carries the second mark. */
	ck_assert_int_eq(flightrec_mark(&fr, FLIGHTREC_MARK_ACTION, 3, T0 + 100), 0);
	ck_assert_uint_eq(flightrec_count(&fr), 3);
	ck_assert_uint_eq(get(&fr, 2).t_ms, T0 + 100);
	ck_assert_int_eq(get(&fr, 2).mark, FLIGHTREC_MARK_ACTION);
	/* Between samples: a copy of the newest values at that time. */
	ck_assert_int_eq(flightrec_mark(&fr, FLIGHTREC_MARK_OOM_KILL, 0, T0 + 150), 0);
	ck_assert_uint_eq(flightrec_count(&fr), 4);
	struct flightrec_point p = get(&fr, 3);
	ck_assert_uint_eq(p.t_ms, T0 + 150);
	ck_assert_uint_eq(p.usage_bytes, 110 * MIB);
	ck_assert_uint_eq(p.working_set_bytes, 90 * MIB);
	ck_assert_int_eq(p.level, LEVEL_CRITICAL);
	ck_assert_int_eq(p.mark, FLIGHTREC_MARK_OOM_KILL);
	/* Before the newest: placed at the newest, never back in time. */
	ck_assert_int_eq(flightrec_mark(&fr, FLIGHTREC_MARK_SIGNAL, 9, T0 + 120), 0);
	ck_assert_uint_eq(get(&fr, 4).t_ms, T0 + 150);
	assert_ordered(&fr);
	ck_assert_int_eq(flightrec_mark(&fr, FLIGHTREC_MARK_NONE, 0, T0 + 200), -EINVAL);
	ck_assert_int_eq(flightrec_mark(&fr, FLIGHTREC_MARK_ACTION, 70000, T0 + 200), -EINVAL);
	flightrec_free(&fr);
}
END_TEST

static const char *names(int kind, int arg, void *ctx)
{
	(void)ctx;
	if (kind == FLIGHTREC_MARK_ACTION && arg == 1)
		return "jcmd GC.heap_info, \"quick\"";
	return NULL;
}

START_TEST(csv_exact)
{
	struct flightrec fr;
	flightrec_init(&fr, 0, 0);
	push(&fr, T0, 256 * MIB, 192 * MIB, LEVEL_NORMAL);
	push(&fr, T0 + 100, 300 * MIB + 4096, 200 * MIB, LEVEL_WARNING);
	flightrec_mark(&fr, FLIGHTREC_MARK_SIGNAL, 10, T0 + 100);
	push(&fr, T0 + 101, 400 * MIB, 390 * MIB, LEVEL_CRITICAL);
	flightrec_mark(&fr, FLIGHTREC_MARK_ACTION, 1, T0 + 101);
	flightrec_mark(&fr, FLIGHTREC_MARK_OOM_KILL, 0, T0 + 102);
	char *s = csv(&fr, 0, names);
	ck_assert_str_eq(s, "time_ms,usage_bytes,working_set_bytes,level,event\n"
			    "1796236200000,268435456,201326592,normal,\n"
			    "1796236200100,314576896,209715200,warning,SIGUSR1\n"
			    "1796236200101,419430400,408944640,critical,"
			    "\"jcmd GC.heap_info, \"\"quick\"\"\"\n"
			    "1796236200102,419430400,408944640,critical,OOM kill\n");
	free(s);
	/* From a time on, inclusive. */
	s = csv(&fr, T0 + 101, NULL);
	ck_assert_str_eq(s, "time_ms,usage_bytes,working_set_bytes,level,event\n"
			    "1796236200101,419430400,408944640,critical,action 1\n"
			    "1796236200102,419430400,408944640,critical,OOM kill\n");
	free(s);
	s = csv(&fr, T0 + 103, NULL);
	ck_assert_str_eq(s, "time_ms,usage_bytes,working_set_bytes,level,event\n");
	free(s);
	flightrec_free(&fr);
}
END_TEST

START_TEST(kib_rounding)
{
	static const struct {
		uint64_t in, out;
	} cases[] = {
		{0, 0},
		{511, 0},
		{512, 1024},
		{1023, 1024},
		{1024, 1024},
		{1535, 1024},
		{1536, 2048},
		{UINT64_C(4398046510079), UINT64_C(4398046510080)}, /* 2^32 - 1 KiB, rounded */
		{UINT64_C(4398046511104), UINT64_C(4398046510080)}, /* 4 TiB: saturated */
		{UINT64_MAX, UINT64_C(4398046510080)},
	};
	struct flightrec fr;
	flightrec_init(&fr, 0, 0);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		push(&fr, T0 + i, cases[i].in, cases[i].in, LEVEL_NORMAL);
		ck_assert_uint_eq(get(&fr, i).usage_bytes, cases[i].out);
		ck_assert_uint_eq(get(&fr, i).working_set_bytes, cases[i].out);
	}
	flightrec_free(&fr);
}
END_TEST

START_TEST(clock_steps_back)
{
	struct flightrec fr;
	flightrec_init(&fr, 0, 0);
	push(&fr, T0, MIB, MIB, LEVEL_NORMAL);
	push(&fr, T0 + 100, 2 * MIB, MIB, LEVEL_NORMAL);
	/* Back by 5 s: the history moves with the clock. */
	push(&fr, T0 - 4900, 3 * MIB, MIB, LEVEL_NORMAL);
	ck_assert_uint_eq(flightrec_count(&fr), 3);
	ck_assert_uint_eq(get(&fr, 0).t_ms, T0 - 5000);
	ck_assert_uint_eq(get(&fr, 1).t_ms, T0 - 4900);
	ck_assert_uint_eq(get(&fr, 2).t_ms, T0 - 4900);
	ck_assert_uint_eq(get(&fr, 2).usage_bytes, 3 * MIB);
	flightrec_free(&fr);

	/* Where the history would go below time 0, it starts over. */
	push(&fr, 1000, MIB, MIB, LEVEL_NORMAL);
	push(&fr, 1100, MIB, MIB, LEVEL_NORMAL);
	push(&fr, 50, 2 * MIB, MIB, LEVEL_NORMAL);
	ck_assert_uint_eq(flightrec_count(&fr), 1);
	ck_assert_uint_eq(flightrec_oldest_ms(&fr), 50);
	flightrec_free(&fr);
}
END_TEST

START_TEST(offsets_rebase)
{
	struct flightrec fr;
	flightrec_init(&fr, FLIGHTREC_WINDOW_MAX_MS, 0);
	/* Four days after the first sample (well past 2^32 ms of offsets),
	 * every 10 min: times still read back exactly. */
	const uint64_t step = 600000;
	for (uint64_t i = 0; i <= 8000; i++) {
		push(&fr, T0 + i * step, MIB, MIB, LEVEL_NORMAL);
		ck_assert_uint_eq(flightrec_newest_ms(&fr), T0 + i * step);
	}
	ck_assert_uint_eq(flightrec_count(&fr), FLIGHTREC_WINDOW_MAX_MS / step + 1);
	for (size_t i = 0; i < flightrec_count(&fr); i++)
		ck_assert_uint_eq(get(&fr, i).t_ms, T0 + (8000 - 144 + i) * step);
	flightrec_free(&fr);
}
END_TEST

START_TEST(default_names)
{
	char buf[32];
	ck_assert_str_eq(flightrec_mark_default_name(FLIGHTREC_MARK_SIGNAL, 10, buf, sizeof buf),
			 "SIGUSR1");
	ck_assert_str_eq(flightrec_mark_default_name(FLIGHTREC_MARK_ACTION, 3, buf, sizeof buf),
			 "action 3");
	ck_assert_str_eq(flightrec_mark_default_name(FLIGHTREC_MARK_OOM_KILL, 0, buf, sizeof buf),
			 "OOM kill");
	ck_assert_str_eq(flightrec_mark_default_name(FLIGHTREC_MARK_NONE, 0, buf, sizeof buf), "");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("flightrec");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, init_checks_its_bounds);
	tcase_add_test(tc, empty_record);
	tcase_add_test(tc, window_expires_old_samples);
	tcase_add_test(tc, grows_by_doubling);
	tcase_add_test(tc, cap_thins_the_older_half);
	tcase_add_test(tc, all_marks_still_bounded);
	tcase_add_test(tc, marks_survive_a_crowded_older_half);
	tcase_add_test(tc, memory_bound);
	tcase_add_test(tc, mark_between_samples);
	tcase_add_test(tc, csv_exact);
	tcase_add_test(tc, kib_rounding);
	tcase_add_test(tc, clock_steps_back);
	tcase_add_test(tc, offsets_rebase);
	tcase_add_test(tc, default_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(suite()); }
