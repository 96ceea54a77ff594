/* chart_svg.c: a well-formed document with the title escaped, the threshold
 * lines, a marker per mark, bounded polylines that keep a spike, and no
 * NaN or inf, also for an empty record. */
#include "check_run.h"
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_svg.h"

/* 2026-12-02T18:30:00.000Z */
#define T0 UINT64_C(1796236200000)
#define MIB UINT64_C(1048576)

static char *render(const struct flightrec *fr, const struct chart_info *ci)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(chart_svg(f, fr, ci), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:"

/* A rough well-formedness check (xmllint does the full one by hand): one
 * root, tags nest and close, attribute values are quoted, every & starts
 * an entity, no < or > in text or attributes. */
static void assert_well_formed(const char *doc)
{
	char stack[64][32];
	int depth = 0, roots = 0;
	const char *p = doc;
	ck_assert(strncmp(p, "<?xml ", 6) == 0);
	p = strstr(p, "?>") + 2;
	while (*p) {
		if (*p == '&') {
			size_t len = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz#0123456789");
			ck_assert_msg(len && p[1 + len] == ';', "bare & at %.20s", p);
			p += len + 2;
			continue;
		}
		ck_assert_msg(*p != '>', "stray > at %.20s", p);
		if (*p != '<') {
			p++;
			continue;
		}
		bool closing = p[1] == '/';
		p += closing ? 2 : 1;
		size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz-");
		ck_assert(len > 0 && len < 32);
		char name[32];
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		if (closing) {
			ck_assert_int_gt(depth, 0);
			ck_assert_str_eq(stack[--depth], name);
			ck_assert_int_eq(*p, '>');
			p++;
			continue;
		}
		/* Attributes: name="value" with no < in the value. */
		for (;;) {
			p += strspn(p, " \n");
			if (*p == '>' || (p[0] == '/' && p[1] == '>'))
				break;
			size_t an = strspn(p, NAME_CHARS);
			ck_assert_msg(an > 0 && p[an] == '=' && p[an + 1] == '"',
				      "attribute at %.30s", p);
			p += an + 2;
			const char *end = strchr(p, '"');
			ck_assert_ptr_nonnull(end);
			for (; p < end; p++)
				ck_assert(*p != '<' && *p != '>');
			p++;
		}
		if (depth == 0)
			roots++;
		if (*p == '/') {
			p += 2;
			continue;
		}
		ck_assert_int_lt(depth, 64);
		strcpy(stack[depth++], name);
		p++;
	}
	ck_assert_int_eq(depth, 0);
	ck_assert_int_eq(roots, 1);
}

/* Nothing that printf makes of a NaN or an infinity. */
static void assert_numbers_finite(const char *doc)
{
	ck_assert_ptr_null(strcasestr(doc, "nan"));
	ck_assert_ptr_null(strcasestr(doc, "inf"));
}

/* The number of points of the polyline of class cls, and the smallest y. */
static size_t polyline_points(const char *doc, const char *cls, double *min_y)
{
	char key[64];
	snprintf(key, sizeof key, "<polyline class=\"%s\"", cls);
	const char *p = strstr(doc, key);
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "points=\"") + 8;
	size_t n = 0;
	*min_y = 1e9;
	while (*p != '"') {
		char *end;
		double x = strtod(p, &end);
		ck_assert(end > p && *end == ',');
		p = end + 1;
		double y = strtod(p, &end);
		ck_assert(end > p && *end == ' ');
		ck_assert(x >= 0 && x <= CHART_WIDTH && y >= 0 && y <= CHART_HEIGHT);
		if (y < *min_y)
			*min_y = y;
		p = end + 1;
		n++;
	}
	return n;
}

static const char *names(int kind, int arg, void *ctx)
{
	(void)ctx;
	if (kind == FLIGHTREC_MARK_ACTION && arg == 2)
		return "jcmd <GC.run> & \"dump\"";
	return NULL;
}

/* 10 s at 100 ms: rising usage, a signal, two actions, the kill. */
static void small_record(struct flightrec *fr)
{
	flightrec_init(fr, 0, 0);
	for (uint64_t i = 0; i <= 100; i++) {
		struct flightrec_point p = {
			.t_ms = T0 + i * 100,
			.usage_bytes = (200 + 3 * i) * MIB,
			.working_set_bytes = (150 + 3 * i) * MIB,
			.level = i < 60 ? LEVEL_NORMAL : LEVEL_CRITICAL,
		};
		ck_assert_int_eq(flightrec_push(fr, &p), 0);
	}
	flightrec_mark(fr, FLIGHTREC_MARK_SIGNAL, 10, T0 + 6000);
	flightrec_mark(fr, FLIGHTREC_MARK_ACTION, 1, T0 + 6050);
	flightrec_mark(fr, FLIGHTREC_MARK_ACTION, 2, T0 + 6050);
	flightrec_mark(fr, FLIGHTREC_MARK_OOM_KILL, 0, T0 + 10000);
}

START_TEST(chart_of_a_record)
{
	struct flightrec fr;
	small_record(&fr);
	struct chart_info ci = {
		.title = "oomsentry: /kubepods/pod-x/ctr (java), 2026-12-03T02:10:11Z",
		.warning_bytes = 400 * MIB,
		.critical_bytes = 450 * MIB,
		.limit_bytes = 512 * MIB,
		.mark_name = names,
	};
	char *doc = render(&fr, &ci);
	assert_well_formed(doc);
	assert_numbers_finite(doc);
	ck_assert_ptr_nonnull(
		strstr(doc, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\""));
	ck_assert_ptr_nonnull(strstr(doc, "viewBox=\"0 0 900 420\""));
	ck_assert_uint_eq(count(doc, ci.title), 2); /* <title> and the heading */
	ck_assert_ptr_nonnull(strstr(doc, ">warning 400.0 MiB<"));
	ck_assert_ptr_nonnull(strstr(doc, ">critical 450.0 MiB<"));
	ck_assert_ptr_nonnull(strstr(doc, ">limit 512.0 MiB<"));
	ck_assert_uint_eq(count(doc, "class=\"threshold "), 3);
	ck_assert_uint_eq(count(doc, "class=\"mark signal\""), 1);
	ck_assert_uint_eq(count(doc, "class=\"mark action\""), 2);
	ck_assert_uint_eq(count(doc, "class=\"mark oom-kill\""), 1);
	ck_assert_ptr_nonnull(strstr(doc, ">SIGUSR1</text>"));
	ck_assert_ptr_nonnull(strstr(doc, ">action 1</text>"));
	ck_assert_ptr_nonnull(strstr(doc, ">jcmd &lt;GC.run&gt; &amp; &quot;dump&quot;</text>"));
	ck_assert_ptr_nonnull(strstr(doc, ">OOM kill</text>"));
	ck_assert_ptr_nonnull(strstr(doc, ">0 s</text>"));
	ck_assert_ptr_nonnull(strstr(doc, ">-10 s</text>"));
	ck_assert_ptr_nonnull(strstr(doc, ">usage</text>"));
	ck_assert_ptr_nonnull(strstr(doc, ">working set</text>"));
	double min_y;
	/* 101 samples and the three copies the marks between samples made. */
	ck_assert_uint_eq(polyline_points(doc, "usage", &min_y), 104);
	ck_assert_uint_eq(polyline_points(doc, "working-set", &min_y), 104);
	free(doc);

	/* No limit: no limit line; a window that leaves out the first half. */
	ci.limit_bytes = 0;
	ci.from_ms = T0 + 5000;
	ci.to_ms = T0 + 10000;
	doc = render(&fr, &ci);
	assert_well_formed(doc);
	ck_assert_ptr_null(strstr(doc, "threshold limit"));
	ck_assert_uint_eq(count(doc, "class=\"threshold "), 2);
	ck_assert_uint_eq(polyline_points(doc, "usage", &min_y), 54);
	ck_assert_ptr_nonnull(strstr(doc, ">-5 s</text>"));
	free(doc);
	flightrec_free(&fr);
}
END_TEST

START_TEST(text_is_escaped)
{
	struct flightrec fr;
	small_record(&fr);
	/* Markup, quotes, a control character and bytes that are not UTF-8
	 * (a comm may hold any), next to a real multibyte character. */
	struct chart_info ci = {.title = "a<b & \"c\" 'd' > \x01 \xff\xc3 \xc3\xa9 \xed\xa0\x80"};
	char *doc = render(&fr, &ci);
	assert_well_formed(doc);
	const char *want = "a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt; \xef\xbf\xbd "
			   "\xef\xbf\xbd\xef\xbf\xbd \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd";
	ck_assert_uint_eq(count(doc, want), 2);
	ck_assert_ptr_null(strchr(doc, '\x01'));
	free(doc);
	flightrec_free(&fr);
}
END_TEST

START_TEST(many_samples_are_decimated)
{
	enum { N = 100000 };
	struct flightrec fr;
	flightrec_init(&fr, 200000, FLIGHTREC_CAP_MAX);
	for (unsigned i = 0; i < N; i++) {
		struct flightrec_point p = {.t_ms = T0 + i,
					    .usage_bytes = (300 + i % 13) * MIB,
					    .working_set_bytes = (200 + i % 11) * MIB};
		if (i == 31337)
			p.usage_bytes = 1000 * MIB; /* a one-sample spike */
		ck_assert_int_eq(flightrec_push(&fr, &p), 0);
	}
	ck_assert_uint_eq(flightrec_count(&fr), N);
	struct chart_info ci = {.title = "t"};
	char *doc = render(&fr, &ci);
	assert_well_formed(doc);
	assert_numbers_finite(doc);
	double min_y;
	ck_assert_uint_le(polyline_points(doc, "usage", &min_y), CHART_MAX_POINTS);
	/* The spike is the top of the scale (1.05 x its value): y 75.0. */
	ck_assert_double_le(min_y, 75.05);
	ck_assert_uint_le(polyline_points(doc, "working-set", &min_y), CHART_MAX_POINTS);
	free(doc);
	flightrec_free(&fr);
}
END_TEST

START_TEST(empty_record_renders)
{
	struct flightrec fr;
	flightrec_init(&fr, 0, 0);
	struct chart_info ci = {.title = "empty", .warning_bytes = 100 * MIB};
	char *doc = render(&fr, &ci);
	assert_well_formed(doc);
	assert_numbers_finite(doc);
	ck_assert_ptr_nonnull(strstr(doc, ">no samples<"));
	ck_assert_ptr_null(strstr(doc, "<polyline"));
	ck_assert_ptr_nonnull(strstr(doc, ">warning 100.0 MiB<"));
	free(doc);
	/* Nothing at all: no title, no lines. */
	ci = (struct chart_info){0};
	doc = render(&fr, &ci);
	assert_well_formed(doc);
	assert_numbers_finite(doc);
	free(doc);
	/* One sample: a chart of one instant. */
	struct flightrec_point p = {.t_ms = T0, .usage_bytes = MIB};
	flightrec_push(&fr, &p);
	flightrec_mark(&fr, FLIGHTREC_MARK_OOM_KILL, 0, T0);
	doc = render(&fr, &ci);
	assert_well_formed(doc);
	assert_numbers_finite(doc);
	ck_assert_uint_eq(count(doc, "class=\"mark oom-kill\""), 1);
	free(doc);
	flightrec_free(&fr);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("chart_svg");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, chart_of_a_record);
	tcase_add_test(tc, text_is_escaped);
	tcase_add_test(tc, many_samples_are_decimated);
	tcase_add_test(tc, empty_record_renders);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(suite()); }
