/* Unit tests for src/common/utc.h: fixed dates spelled out, every style over
 * the years 1 to 9999 against a calendar walked a day at a time, and the
 * snprintf-like truncation. */
#include "check_run.h"
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "utc.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: four-digit years. */
#define FIRST_SECS INT64_C(-62135596800)
#define LAST_SECS INT64_C(253402300799)

struct fixed {
	int64_t secs;
	long millis;
	const char *extended, *basic, *http; /* http NULL: not checked */
};

static const struct fixed fixed[] = {
	{0, 0, "1970-01-01T00:00:00.000Z", "19700101T000000.000Z", "Thu, 01 Jan 1970 00:00:00 GMT"},
	{-1, 999, "1969-12-31T23:59:59.999Z", "19691231T235959.999Z",
	 "Wed, 31 Dec 1969 23:59:59 GMT"},
	{-86401, 1, "1969-12-30T23:59:59.001Z", "19691230T235959.001Z",
	 "Tue, 30 Dec 1969 23:59:59 GMT"},
	{784111777, 0, "1994-11-06T08:49:37.000Z", "19941106T084937.000Z",
	 "Sun, 06 Nov 1994 08:49:37 GMT"}, /* RFC 9110's example */
	{68169600, 5, "1972-02-29T00:00:00.005Z", "19720229T000000.005Z",
	 "Tue, 29 Feb 1972 00:00:00 GMT"},
	{951782399, 0, "2000-02-28T23:59:59.000Z", "20000228T235959.000Z",
	 "Mon, 28 Feb 2000 23:59:59 GMT"},
	{951782400, 0, "2000-02-29T00:00:00.000Z", "20000229T000000.000Z",
	 "Tue, 29 Feb 2000 00:00:00 GMT"}, /* 2000 is a leap year */
	{-2203891200, 0, "1900-03-01T00:00:00.000Z", "19000301T000000.000Z",
	 "Thu, 01 Mar 1900 00:00:00 GMT"}, /* 1900 is not */
	{4107542400, 0, "2100-03-01T00:00:00.000Z", "21000301T000000.000Z",
	 "Mon, 01 Mar 2100 00:00:00 GMT"}, /* nor is 2100 */
	{2147483647, 0, "2038-01-19T03:14:07.000Z", "20380119T031407.000Z",
	 "Tue, 19 Jan 2038 03:14:07 GMT"},
	{2147483648, 0, "2038-01-19T03:14:08.000Z", "20380119T031408.000Z",
	 "Tue, 19 Jan 2038 03:14:08 GMT"},
	{-2147483649LL, 0, "1901-12-13T20:45:51.000Z", "19011213T204551.000Z",
	 "Fri, 13 Dec 1901 20:45:51 GMT"},
	{1795592224, 933, "2026-11-25T07:37:04.933Z", "20261125T073704.933Z",
	 "Wed, 25 Nov 2026 07:37:04 GMT"}, /* utc.h's example */
	{-30610224000, 0, "1000-01-01T00:00:00.000Z", "10000101T000000.000Z",
	 "Wed, 01 Jan 1000 00:00:00 GMT"},
	{LAST_SECS, 999, "9999-12-31T23:59:59.999Z", "99991231T235959.999Z",
	 "Fri, 31 Dec 9999 23:59:59 GMT"},
	/* Before the year 1000 the numeric styles keep four digits; HTTP has
	 * no use for such years (and glibc's strftime would write "1"). */
	{FIRST_SECS, 0, "0001-01-01T00:00:00.000Z", "00010101T000000.000Z", NULL},
	{-62104060801, 0, "0001-12-31T23:59:59.000Z", "00011231T235959.000Z", NULL},
	{-59011459200, 0, "0100-01-01T00:00:00.000Z", "01000101T000000.000Z", NULL},
	/* Past 9999: five digits, like snprintf's %04d. */
	{LAST_SECS + 1, 0, "10000-01-01T00:00:00.000Z", "100000101T000000.000Z", NULL},
};

static void expect_style(int64_t secs, long millis, enum utc_style style, const char *want)
{
	char buf[UTC_TEXT_MAX];
	int n = utc_format(buf, sizeof buf, secs, millis, style);
	ck_assert_msg(n == (int)strlen(want) && strcmp(buf, want) == 0,
		      "t=%lld style %d: \"%s\" (%d), want \"%s\"", (long long)secs, (int)style, buf,
		      n, want);
}

START_TEST(fixed_dates)
{
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
		const struct fixed *f = &fixed[i];
		expect_style(f->secs, f->millis, UTC_EXTENDED, f->extended);
		expect_style(f->secs, f->millis, UTC_BASIC, f->basic);
		if (f->http)
			expect_style(f->secs, f->millis, UTC_HTTP, f->http);
	}
}
END_TEST

/* HTTP's names in the "C" locale: every weekday and every month. */
START_TEST(http_names)
{
	static const char *const week[] = {
		"Thu, 01 Jan 1970", "Fri, 02 Jan 1970", "Sat, 03 Jan 1970", "Sun, 04 Jan 1970",
		"Mon, 05 Jan 1970", "Tue, 06 Jan 1970", "Wed, 07 Jan 1970",
	};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	static const int64_t month_starts[] = {0,        2678400,  5097600,  7776000,
					       10368000, 13046400, 15638400, 18316800,
					       20995200, 23587200, 26265600, 28857600};
	char buf[UTC_TEXT_MAX], want[UTC_TEXT_MAX];
	for (int d = 0; d < 7; d++) {
		snprintf(want, sizeof want, "%s 12:34:56 GMT", week[d]);
		expect_style(d * 86400 + 45296, 0, UTC_HTTP, want);
	}
	for (int m = 0; m < 12; m++) {
		utc_format(buf, sizeof buf, month_starts[m], 0, UTC_HTTP);
		ck_assert_msg(strncmp(buf + 8, months[m], 3) == 0 && strcmp(buf + 11, " 1970 00:00:00 GMT") == 0,
			      "month %d: %s", m + 1, buf);
	}
}
END_TEST

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* utc_format(t) against the text of the day (y, m, d, weekday w) that t is
 * in, tod seconds into it. Asserts only on a mismatch: Check's passing
 * assertions are too slow for a million. */
static void expect_day(int64_t t, long ms, enum utc_style style, int y, int m, int d, int w,
		       int tod)
{
	static const char *const wday[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int hh = tod / 3600, mm = tod / 60 % 60, ss = tod % 60;
	char want[64];
	if (style == UTC_EXTENDED)
		snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", y, m, d, hh, mm,
			 ss, ms);
	else if (style == UTC_BASIC)
		snprintf(want, sizeof want, "%04d%02d%02dT%02d%02d%02d.%03ldZ", y, m, d, hh, mm, ss,
			 ms);
	else if (y >= 1000) /* HTTP has no use for earlier years: see utc.h */
		snprintf(want, sizeof want, "%s, %02d %s %04d %02d:%02d:%02d GMT", wday[w], d,
			 mon[m - 1], y, hh, mm, ss);
	else
		return;
	char ours[UTC_TEXT_MAX];
	int n = utc_format(ours, sizeof ours, t, ms, style);
	if (strcmp(ours, want) != 0 || n != (int)strlen(want))
		ck_abort_msg("t=%lld: \"%s\" (%d), want \"%s\"", (long long)t, ours, n, want);
}

/* Every style over the years 1 to 9999, against a calendar that just counts
 * days (so it shares nothing with gmtime_r's arithmetic), at a time of day
 * that moves: every day of 1900 to 2199, every 11th day of the others (still
 * every weekday, month and style; quick enough under sanitizers). */
START_TEST(every_day_of_ten_millennia)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = 1, m = 1, d = 1, w = 1; /* 0001-01-01 was a Monday (proleptic) */
	uint32_t tested = 0;
	int64_t day = FIRST_SECS / 86400;
	for (uint32_t k = 0; y <= 9999; k++) {
		if ((y >= 1900 && y < 2200) || k % 11 == 0) {
			int tod = (int)(tested * 7919u % 86400u);
			expect_day(day * 86400 + tod, (long)(tested % 1000),
				   (enum utc_style)(tested % 3), y, m, d, w, tod);
			tested++;
		}
		day++;
		w = (w + 1) % 7;
		if (++d > mdays[m - 1] + (m == 2 && leap(y))) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	ck_assert_int_eq(day, (LAST_SECS + 1) / 86400);
	ck_assert_uint_gt(tested, 400000);
}
END_TEST

/* Like snprintf: the length needed, the text cut to size - 1 and
 * terminated, nothing past size written. */
START_TEST(short_buffer_truncates_like_snprintf)
{
	static const enum utc_style styles[] = {UTC_EXTENDED, UTC_BASIC, UTC_HTTP};
	for (size_t s = 0; s < 3; s++) {
		char full[UTC_TEXT_MAX];
		int len = utc_format(full, sizeof full, 1706702400, 123, styles[s]);
		ck_assert_int_eq(len, (int)strlen(full));
		ck_assert_int_eq(utc_format(NULL, 0, 1706702400, 123, styles[s]), len);
		for (int size = 1; size <= len + 1; size++) {
			char buf[UTC_TEXT_MAX + 1];
			memset(buf, 'x', sizeof buf);
			ck_assert_int_eq(utc_format(buf, (size_t)size, 1706702400, 123, styles[s]), len);
			ck_assert_int_eq((int)strlen(buf), size - 1);
			ck_assert(strncmp(buf, full, (size_t)size - 1) == 0);
			ck_assert_int_eq(buf[size], 'x');
		}
	}
	char buf[9];
	ck_assert_int_eq(utc_format(buf, sizeof buf, 1706702400, 123, UTC_BASIC), 20);
	ck_assert_str_eq(buf, "20240131");
	char full[UTC_TEXT_MAX];
	utc_format(full, sizeof full, 1706702400, 123, UTC_EXTENDED);
	ck_assert_str_eq(full, "2024-01-31T12:00:00.123Z");
	utc_format(full, sizeof full, 1706702400, 123, UTC_HTTP);
	ck_assert_str_eq(full, "Wed, 31 Jan 2024 12:00:00 GMT");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("utc");
	TCase *tc = tcase_create("format");
	tcase_add_test(tc, fixed_dates);
	tcase_add_test(tc, http_names);
	tcase_add_test(tc, every_day_of_ten_millennia);
	tcase_add_test(tc, short_buffer_truncates_like_snprintf);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
