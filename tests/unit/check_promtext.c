/* promtext.c: a small page byte for byte; escaping; names refused; NaN,
 * infinities, the largest integers and doubles that read back exactly; the
 * bound (a failed page, never a line cut short); and the page checker on
 * pages that break each rule. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promtext.h"

static void assert_page_ok(const struct promtext *b)
{
	const char *why = NULL;
	size_t line = 0;
	int r = promtext_check_page(b->buf ? b->buf : "", b->len, &why, &line);
	ck_assert_msg(r == 0, "line %zu: %s", line, why);
}

START_TEST(small_page)
{
	struct promtext b;
	promtext_init(&b, 0);
	const struct promtext_label app_usr1[] = {{"container", "app"}, {"signal", "SIGUSR1"}};
	const struct promtext_label db_term[] = {{"container", "db"}, {"signal", "SIGTERM"}};
	const struct promtext_label app[] = {{"container", "app"}};
	const struct promtext_label db[] = {{"container", "db"}};

	ck_assert_int_eq(promtext_family(&b, "oomsentry_up", PROMTEXT_GAUGE,
					 "Whether the sidecar runs."),
			 0);
	ck_assert_int_eq(promtext_sample_u64(&b, "oomsentry_up", NULL, 0, 1), 0);
	ck_assert_int_eq(promtext_family(&b, "oomsentry_signals_sent_total", PROMTEXT_COUNTER,
					 "Signals sent, by container and signal."),
			 0);
	ck_assert_int_eq(promtext_sample_u64(&b, "oomsentry_signals_sent_total", app_usr1, 2, 3), 0);
	ck_assert_int_eq(promtext_sample_f64(&b, "oomsentry_signals_sent_total", db_term, 2, 0), 0);
	ck_assert_int_eq(promtext_family(&b, "oomsentry_memory_usage_ratio", PROMTEXT_GAUGE,
					 "Memory in use over the limit."),
			 0);
	ck_assert_int_eq(promtext_sample_f64(&b, "oomsentry_memory_usage_ratio", app, 1, 0.85), 0);
	ck_assert_int_eq(promtext_sample_f64(&b, "oomsentry_memory_usage_ratio", db, 1, 0.1), 0);

	const char *want = "# HELP oomsentry_up Whether the sidecar runs.\n"
			   "# TYPE oomsentry_up gauge\n"
			   "oomsentry_up 1\n"
			   "# HELP oomsentry_signals_sent_total Signals sent, by container and signal.\n"
			   "# TYPE oomsentry_signals_sent_total counter\n"
			   "oomsentry_signals_sent_total{container=\"app\",signal=\"SIGUSR1\"} 3\n"
			   "oomsentry_signals_sent_total{container=\"db\",signal=\"SIGTERM\"} 0\n"
			   "# HELP oomsentry_memory_usage_ratio Memory in use over the limit.\n"
			   "# TYPE oomsentry_memory_usage_ratio gauge\n"
			   "oomsentry_memory_usage_ratio{container=\"app\"} 0.85\n"
			   "oomsentry_memory_usage_ratio{container=\"db\"} 0.1\n";
	ck_assert_str_eq(b.buf, want);
	ck_assert_uint_eq(b.len, strlen(want));
	ck_assert(!b.failed);
	assert_page_ok(&b);

	/* reset keeps the allocation and forgets the family */
	char *buf = b.buf;
	size_t cap = b.cap;
	promtext_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.buf, "");
	ck_assert_ptr_eq(b.buf, buf);
	ck_assert_uint_eq(b.cap, cap);
	ck_assert_int_eq(promtext_sample_u64(&b, "oomsentry_up", NULL, 0, 1), -EINVAL);
	promtext_free(&b);
	ck_assert_ptr_null(b.buf);
	ck_assert_uint_eq(b.max, PROMTEXT_MAX_DEFAULT);
}
END_TEST

START_TEST(escaping)
{
	struct promtext b;
	promtext_init(&b, 0);
	ck_assert_int_eq(promtext_family(&b, "x", PROMTEXT_GAUGE,
					 "back\\slash \"quoted\"\nnext line, caf\xc3\xa9 \xff!"),
			 0);
	const struct promtext_label l[] = {
		{"comm", "a\\b\"c\nd\te\r"},
		{"pod", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98"},
		{"bad", "\xff\xc3(\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80x"},
		{"empty", ""},
	};
	ck_assert_int_eq(promtext_sample_u64(&b, "x", l, 4, 7), 0);
	const char *want =
		"# HELP x back\\\\slash \"quoted\"\\nnext line, caf\xc3\xa9 \xef\xbf\xbd!\n"
		"# TYPE x gauge\n"
		"x{comm=\"a\\\\b\\\"c\\nd\te\r\","
		"pod=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98\","
		/* each byte of a bad sequence becomes U+FFFD: a lone byte, a cut
		 * sequence, a surrogate, an overlong form, past U+10FFFF */
		"bad=\"\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		"\xef\xbf\xbdx\","
		"empty=\"\"} 7\n";
	ck_assert_str_eq(b.buf, want);
	assert_page_ok(&b);
	promtext_free(&b);
}
END_TEST

START_TEST(names)
{
	ck_assert(promtext_name_ok("a"));
	ck_assert(promtext_name_ok("_"));
	ck_assert(promtext_name_ok(":a:b_9"));
	ck_assert(!promtext_name_ok(""));
	ck_assert(!promtext_name_ok(NULL));
	ck_assert(!promtext_name_ok("9a"));
	ck_assert(!promtext_name_ok("a-b"));
	ck_assert(!promtext_name_ok("a b"));
	ck_assert(!promtext_name_ok("a.b"));
	ck_assert(!promtext_name_ok("caf\xc3\xa9"));
	char longest[PROMTEXT_NAME_MAX + 2];
	memset(longest, 'n', sizeof longest);
	longest[PROMTEXT_NAME_MAX] = '\0';
	ck_assert(promtext_name_ok(longest));
	longest[PROMTEXT_NAME_MAX] = 'n';
	longest[PROMTEXT_NAME_MAX + 1] = '\0';
	ck_assert(!promtext_name_ok(longest));

	ck_assert(promtext_label_name_ok("container"));
	ck_assert(promtext_label_name_ok("_x"));
	ck_assert(!promtext_label_name_ok("__name__"));
	ck_assert(!promtext_label_name_ok("a:b"));
	ck_assert(!promtext_label_name_ok("1a"));
	ck_assert(!promtext_label_name_ok(""));

	ck_assert(promtext_counter_name_ok("x_total"));
	ck_assert(!promtext_counter_name_ok("_total"));
	ck_assert(!promtext_counter_name_ok("x_totals"));
	ck_assert(!promtext_counter_name_ok("x_Total"));
	ck_assert(!promtext_counter_name_ok("x"));
}
END_TEST

/* Refused calls write nothing and leave the page usable. */
START_TEST(refused)
{
	struct promtext b;
	promtext_init(&b, 0);
	const struct promtext_label ok[] = {{"a", "1"}};
	ck_assert_int_eq(promtext_sample_u64(&b, "x", NULL, 0, 1), -EINVAL); /* no family yet */
	ck_assert_int_eq(promtext_family(&b, "9x", PROMTEXT_GAUGE, "h"), -EINVAL);
	ck_assert_int_eq(promtext_family(&b, "x", PROMTEXT_GAUGE, NULL), -EINVAL);
	ck_assert_int_eq(promtext_family(&b, "x", (enum promtext_type)7, "h"), -EINVAL);
	ck_assert_int_eq(promtext_family(&b, "signals_sent", PROMTEXT_COUNTER, "h"), -EINVAL);
	ck_assert_uint_eq(b.len, 0);

	ck_assert_int_eq(promtext_family(&b, "x_total", PROMTEXT_COUNTER, "h"), 0);
	size_t len = b.len;
	const struct promtext_label bad_name[] = {{"a-b", "1"}};
	const struct promtext_label reserved[] = {{"__name__", "y"}};
	const struct promtext_label twice[] = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
	const struct promtext_label no_value[] = {{"a", NULL}};
	ck_assert_int_eq(promtext_sample_u64(&b, "x_total", bad_name, 1, 1), -EINVAL);
	ck_assert_int_eq(promtext_sample_u64(&b, "x_total", reserved, 1, 1), -EINVAL);
	ck_assert_int_eq(promtext_sample_u64(&b, "x_total", twice, 3, 1), -EINVAL);
	ck_assert_int_eq(promtext_sample_u64(&b, "x_total", no_value, 1, 1), -EINVAL);
	ck_assert_int_eq(promtext_sample_u64(&b, "x_total", NULL, 1, 1), -EINVAL);
	ck_assert_int_eq(promtext_sample_u64(&b, "y_total", ok, 1, 1), -EINVAL); /* not its family */
	ck_assert_int_eq(promtext_sample_u64(&b, NULL, ok, 1, 1), -EINVAL);
	/* counters only go up from zero */
	ck_assert_int_eq(promtext_sample_f64(&b, "x_total", ok, 1, -1), -EINVAL);
	ck_assert_int_eq(promtext_sample_f64(&b, "x_total", ok, 1, -INFINITY), -EINVAL);
	ck_assert_int_eq(promtext_sample_f64(&b, "x_total", ok, 1, NAN), -EINVAL);
	ck_assert_uint_eq(b.len, len);
	ck_assert_int_eq(promtext_sample_f64(&b, "x_total", ok, 1, INFINITY), 0);

	/* the same family again, right after itself */
	ck_assert_int_eq(promtext_family(&b, "x_total", PROMTEXT_COUNTER, "h"), -EINVAL);
	/* ... and the samples after a refused family are refused too */
	ck_assert_int_eq(promtext_sample_u64(&b, "x_total", ok, 1, 1), -EINVAL);
	ck_assert_int_eq(promtext_family(&b, "bad-name", PROMTEXT_GAUGE, "h"), -EINVAL);
	ck_assert_int_eq(promtext_sample_u64(&b, "bad-name", NULL, 0, 1), -EINVAL);
	ck_assert(!b.failed);
	assert_page_ok(&b);
	promtext_free(&b);
}
END_TEST

/* The value text of one gauge sample of v. */
static void value_text(double v, char *out, size_t size)
{
	struct promtext b;
	promtext_init(&b, 0);
	ck_assert_int_eq(promtext_family(&b, "g", PROMTEXT_GAUGE, ""), 0);
	size_t start = b.len;
	ck_assert_int_eq(promtext_sample_f64(&b, "g", NULL, 0, v), 0);
	ck_assert_uint_gt(b.len - start, 3);
	snprintf(out, size, "%.*s", (int)(b.len - start - 3), b.buf + start + 2);
	assert_page_ok(&b);
	promtext_free(&b);
}

START_TEST(values)
{
	static const struct {
		double v;
		const char *text;
	} t[] = {
		{0, "0"},
		{-0.0, "-0"},
		{1, "1"},
		{0.1, "0.1"},
		{0.85, "0.85"},
		{1.0 / 3, "0.3333333333333333"},
		{2.0 / 3, "0.6666666666666666"},
		{1e21, "1e+21"},
		{-1.5e-7, "-1.5e-07"},
		{123456789012345678.0, "1.2345678901234568e+17"},
		{9007199254740993.0, "9007199254740992"},
		{DBL_MAX, "1.7976931348623157e+308"},
		{DBL_MIN, "2.2250738585072014e-308"},
		{5e-324, "4.94065645841247e-324"},
		{NAN, "NaN"},
		{-NAN, "NaN"},
		{INFINITY, "+Inf"},
		{-INFINITY, "-Inf"},
	};
	char text[64];
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		value_text(t[i].v, text, sizeof text);
		ck_assert_str_eq(text, t[i].text);
	}

	/* Any double reads back exactly (bit patterns from a fixed LCG). */
	uint64_t x = 88172645463325252u;
	struct promtext b;
	promtext_init(&b, 0);
	ck_assert_int_eq(promtext_family(&b, "g", PROMTEXT_GAUGE, ""), 0);
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double v;
		memcpy(&v, &x, sizeof v);
		size_t start = b.len;
		ck_assert_int_eq(promtext_sample_f64(&b, "g", NULL, 0, v), 0);
		const char *p = b.buf + start + 2;
		if (isnan(v)) {
			ck_assert_str_eq(p, "NaN\n");
		} else {
			char *end;
			double back = strtod(p, &end);
			ck_assert_str_eq(end, "\n");
			ck_assert_msg(memcmp(&back, &v, sizeof v) == 0 || (v == 0 && back == 0),
				      "%a printed %s", v, p);
			ck_assert_uint_le(strlen(p), 25);
		}
		b.len = start; /* keep the page small */
	}
	promtext_free(&b);

	/* uint64 exactly, up to its largest */
	promtext_init(&b, 0);
	ck_assert_int_eq(promtext_family(&b, "c_total", PROMTEXT_COUNTER, ""), 0);
	ck_assert_int_eq(promtext_sample_u64(&b, "c_total", NULL, 0, UINT64_MAX), 0);
	ck_assert_str_eq(b.buf, "# HELP c_total \n# TYPE c_total counter\n"
				"c_total 18446744073709551615\n");
	assert_page_ok(&b);
	promtext_free(&b);
}
END_TEST

/* At the bound the page fails: the line that does not fit is not written,
 * nor anything after; the error sticks until reset. */
START_TEST(bound)
{
	struct promtext b;
	const size_t max = 300;
	promtext_init(&b, max);
	ck_assert_int_eq(promtext_family(&b, "f", PROMTEXT_GAUGE, "help"), 0);
	char name[16];
	const struct promtext_label l[] = {{"container", name}};
	int r = 0, lines = 0;
	do {
		snprintf(name, sizeof name, "c%03d", lines);
		r = promtext_sample_u64(&b, "f", l, 1, 1234567);
	} while (r == 0 && ++lines);
	ck_assert_int_eq(r, -E2BIG);
	ck_assert(b.failed);
	ck_assert_int_eq(b.err, -E2BIG);
	ck_assert_uint_le(b.len, max);
	ck_assert_uint_eq(b.buf[b.len - 1], '\n');
	ck_assert_uint_eq(strlen(b.buf), b.len);
	assert_page_ok(&b); /* whole lines only */
	size_t len = b.len;
	ck_assert_int_eq(promtext_sample_u64(&b, "f", l, 1, 1), -E2BIG);
	ck_assert_int_eq(promtext_family(&b, "g", PROMTEXT_GAUGE, ""), -E2BIG);
	ck_assert_uint_eq(b.len, len);

	/* A line that ends exactly at the bound fits. */
	size_t line = strlen("f{container=\"c000\"} 1234567\n");
	size_t head = strlen("# HELP f help\n# TYPE f gauge\n");
	ck_assert_uint_eq(len, head + (size_t)lines * line);
	ck_assert_uint_gt(len + line, max);
	promtext_free(&b);
	promtext_init(&b, head + 2 * line);
	ck_assert_int_eq(promtext_family(&b, "f", PROMTEXT_GAUGE, "help"), 0);
	ck_assert_int_eq(promtext_sample_u64(&b, "f", l, 1, 1234567), 0);
	snprintf(name, sizeof name, "c%03d", 1);
	ck_assert_int_eq(promtext_sample_u64(&b, "f", l, 1, 1234567), 0);
	ck_assert_uint_eq(b.len, head + 2 * line);
	ck_assert(!b.failed);
	snprintf(name, sizeof name, "c%03d", 2);
	ck_assert_int_eq(promtext_sample_u64(&b, "f", l, 1, 0), -E2BIG);
	assert_page_ok(&b);

	/* reset: usable again */
	promtext_reset(&b);
	ck_assert(!b.failed);
	ck_assert_int_eq(b.err, 0);
	ck_assert_int_eq(promtext_family(&b, "f", PROMTEXT_GAUGE, "help"), 0);

	/* A family's two lines are written together or not at all. */
	promtext_free(&b);
	promtext_init(&b, head - 1);
	ck_assert_int_eq(promtext_family(&b, "f", PROMTEXT_GAUGE, "help"), -E2BIG);
	ck_assert_uint_eq(b.len, 0);
	promtext_free(&b);
}
END_TEST

/* The page of 100 containers: grows from nothing within the default bound. */
START_TEST(hundred_containers)
{
	static const char *const gauges[] = {
		"oomsentry_memory_usage_bytes", "oomsentry_memory_limit_bytes",
		"oomsentry_memory_usage_ratio", "oomsentry_level",
		"oomsentry_processes", "oomsentry_last_signal_timestamp_seconds",
	};
	struct promtext b;
	promtext_init(&b, 0);
	for (size_t f = 0; f < sizeof gauges / sizeof *gauges; f++) {
		ck_assert_int_eq(promtext_family(&b, gauges[f], PROMTEXT_GAUGE, "Per container."), 0);
		for (int c = 0; c < 100; c++) {
			char name[64], pod[64];
			snprintf(name, sizeof name, "container-%03d", c);
			snprintf(pod, sizeof pod, "namespace/deployment-7d9f8c6b5-%05d", c * 7);
			const struct promtext_label l[] = {{"pod", pod}, {"container", name}};
			ck_assert_int_eq(promtext_sample_f64(&b, gauges[f], l, 2, c * 1048576.0 + 0.5),
					 0);
		}
	}
	ck_assert(!b.failed);
	ck_assert_uint_gt(b.len, 40000);
	ck_assert_uint_lt(b.len, 100000);
	ck_assert_uint_ge(b.cap, b.len + 1);
	assert_page_ok(&b);
	promtext_free(&b);
}
END_TEST

/* ------------------------------------------------------------ the checker */

static const struct {
	const char *page;
	size_t line;
	const char *why;
} bad_pages[] = {
	{"# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na 2\n", 7,
	 "sample outside its family"},
	{"# HELP a x\n# TYPE a gauge\na 1\n# HELP a x\n# TYPE a gauge\n", 4,
	 "family declared twice"},
	{"# HELP a x\na 1\n", 2, "sample outside its family"},
	{"# TYPE a gauge\na 1\n", 1, "TYPE not right after the HELP of its family"},
	{"a 1\n", 1, "sample outside its family"},
	{"# HELP a x\n# TYPE a gauge\n# HELP b x\n", 3, "HELP without TYPE"},
	{"# HELP a x\n# HELP b x\n", 2, "HELP without TYPE"},
	{"# HELP a x\n# TYPE b gauge\n", 2, "TYPE not right after the HELP of its family"},
	{"# HELP a x\n# TYPE a gauge\n# TYPE a gauge\n", 3,
	 "TYPE not right after the HELP of its family"},
	{"# HELP a x\n# TYPE a histogram\n", 2, "type is not counter or gauge"},
	{"# HELP a x\n# TYPE a counter\n", 2, "counter name does not end in _total"},
	{"# HELP a_total x\n# TYPE a_total counter\na_total -1\n", 3, "counter below zero or NaN"},
	{"# HELP a_total x\n# TYPE a_total counter\na_total NaN\n", 3, "counter below zero or NaN"},
	{"# HELP a x\\t\n# TYPE a gauge\n", 1, "bad escape in HELP"},
	{"# HELP a x\n# TYPE a gauge\na{b=\"\\t\"} 1\n", 3, "bad escape in a label value"},
	{"# HELP a x\n# TYPE a gauge\na{b=\"x} 1\n", 3, "unterminated label value"},
	{"# HELP a x\n# TYPE a gauge\na{b=\"x\",} 1\n", 3, "bad label name"},
	{"# HELP a x\n# TYPE a gauge\na{b=\"x\",b=\"y\"} 1\n", 3, "repeated label"},
	{"# HELP a x\n# TYPE a gauge\na{__name__=\"a\"} 1\n", 3, "bad label name"},
	{"# HELP a x\n# TYPE a gauge\na{b=\"x\"c=\"y\"} 1\n", 3, "expected , or } after a label"},
	{"# HELP a x\n# TYPE a gauge\na{b} 1\n", 3, "expected =\" after a label name"},
	{"# HELP a x\n# TYPE a gauge\na{b=\"x\"} 1\na{b=\"x\"} 2\n", 4, "repeated series"},
	{"# HELP a x\n# TYPE a gauge\na 1\na 2\n", 4, "repeated series"},
	{"# HELP a x\n# TYPE a gauge\na 1 1700000000000\n", 3, "bad value (or a timestamp)"},
	{"# HELP a x\n# TYPE a gauge\na inf\n", 3, "bad value (or a timestamp)"},
	{"# HELP a x\n# TYPE a gauge\na 0x10\n", 3, "bad value (or a timestamp)"},
	{"# HELP a x\n# TYPE a gauge\na \n", 3, "bad value (or a timestamp)"},
	{"# HELP a x\n# TYPE a gauge\na1\n", 3, "sample outside its family"},
	{"# HELP a x\n# TYPE a gauge\na\t1\n", 3, "expected a blank before the value"},
	{"# HELP a x\n# TYPE a gauge\n\na 1\n", 3, "empty line"},
	{"# comment\n", 1, "comment other than HELP and TYPE"},
	{"# HELP 1a x\n", 1, "bad name in HELP"},
	{"# HELP a x\n# TYPE a gauge\na 1", 3, "last line without a newline"},
	{"# HELP a x\xff\n", 1, "not UTF-8"},
	{"# HELP a x\n# TYPE a gauge\na{b=\"\xc3\"} 1\n", 3, "not UTF-8"},
};

START_TEST(checker)
{
	const char *page = bad_pages[_i].page;
	const char *why = NULL;
	size_t line = 0;
	ck_assert_int_eq(promtext_check_page(page, strlen(page), &why, &line), -EINVAL);
	ck_assert_str_eq(why, bad_pages[_i].why);
	ck_assert_uint_eq(line, bad_pages[_i].line);
	ck_assert_int_eq(promtext_check_page(page, strlen(page), NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(checker_good)
{
	const char *page = "# HELP a_total x \\\\ \\n\n# TYPE a_total counter\n"
			   "a_total{b=\"\\\"\\\\\\n,} =\"} +Inf\na_total{b=\"y\"} 1e+21\n"
			   "# HELP b \n# TYPE b gauge\nb -Inf\n"
			   "# HELP c x\n# TYPE c gauge\n";
	const char *why = NULL;
	ck_assert_int_eq(promtext_check_page(page, strlen(page), &why, NULL), 0);
	ck_assert_int_eq(promtext_check_page("", 0, &why, NULL), 0);
}
END_TEST

static Suite *promtext_suite(void)
{
	Suite *s = suite_create("promtext");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, small_page);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, names);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, values);
	tcase_add_test(tc, bound);
	tcase_add_test(tc, hundred_containers);
	tcase_add_loop_test(tc, checker, 0, (int)(sizeof bad_pages / sizeof *bad_pages));
	tcase_add_test(tc, checker_good);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(promtext_suite()); }
