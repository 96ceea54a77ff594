/* Unit tests for src/common/utc.h: both styles against gmtime_r, over fixed
 * corner dates, four centuries in steps and many random times. */
#include "check_run.h"
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "utc.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: four-digit years. */
#define FIRST_SECS INT64_C(-62135596800)
#define LAST_SECS INT64_C(253402300799)

/* Asserts only on a mismatch: every Check assertion that passes costs a
 * write to the runner, too slow for a few hundred thousand times. */
static void expect_gmtime(int64_t t, long millis)
{
	char ours[UTC_TEXT_MAX], theirs[96];
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		ck_abort_msg("gmtime_r(%lld) failed", (long long)t);

	int n = utc_format(ours, sizeof ours, t, millis, UTC_EXTENDED);
	snprintf(theirs, sizeof theirs, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
	if (strcmp(ours, theirs) != 0 || n != (int)strlen(theirs))
		ck_abort_msg("t=%lld: %s (%d), want %s", (long long)t, ours, n, theirs);

	n = utc_format(ours, sizeof ours, t, millis, UTC_BASIC);
	snprintf(theirs, sizeof theirs, "%04d%02d%02dT%02d%02d%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
	if (strcmp(ours, theirs) != 0 || n != (int)strlen(theirs))
		ck_abort_msg("t=%lld: %s (%d), want %s", (long long)t, ours, n, theirs);

	/* The weekday too (HTTP's Date), against strftime in the C locale. */
	n = utc_format(ours, sizeof ours, t, millis, UTC_HTTP);
	char wday[8], mon[8];
	strftime(wday, sizeof wday, "%a", &tm);
	strftime(mon, sizeof mon, "%b", &tm);
	snprintf(theirs, sizeof theirs, "%s, %02d %s %04d %02d:%02d:%02d GMT", wday, tm.tm_mday,
		 mon, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (strcmp(ours, theirs) != 0 || n != (int)strlen(theirs))
		ck_abort_msg("t=%lld: %s (%d), want %s", (long long)t, ours, n, theirs);
}

/* Our UTC formatting against gmtime_r, over four centuries of dates. */
START_TEST(utc_matches_gmtime)
{
	static const int64_t fixed[] = {0, 951782400 /* 2000-02-29 */, 1795500000, 4107542399,
					-86400, 253402300799 /* 9999-12-31 23:59:59 */};
	char ours[64], theirs[64];
	for (int i = 0; i < 2000 + 6; i++) {
		int64_t t = i < 6 ? fixed[i] : (int64_t)(i - 6) * 6311520LL + 12345; /* ~73 days */
		utc_format(ours, sizeof ours, t, 7, UTC_EXTENDED);
		time_t tt = (time_t)t;
		struct tm tm;
		ck_assert_ptr_nonnull(gmtime_r(&tt, &tm));
		snprintf(theirs, sizeof theirs, "%04d-%02d-%02dT%02d:%02d:%02d.007Z", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		ck_assert_msg(strcmp(ours, theirs) == 0, "t=%lld: %s, want %s", (long long)t, ours,
			      theirs);
	}
}
END_TEST

START_TEST(corners_match_gmtime)
{
	static const int64_t fixed[] = {
		FIRST_SECS, LAST_SECS, 0, -1, 1, 59, 60, 3599, 3600, 86399, 86400, -86400, -86401,
		951782399, 951782400 /* 2000-02-29 */, 951868800 /* 2000-03-01 */,
		-2203891200 /* 1900-03-01, 1900 no leap year */, 4107542400 /* 2100-03-01 */,
		68256000 /* 1972-02-29 */, 2147483647, 2147483648, -2147483648LL - 1,
	};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		for (long ms = 0; ms < 1000; ms += 333)
			expect_gmtime(fixed[i], ms);
}
END_TEST

/* xorshift64*: the same sequence on every run, so a failure reproduces. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

START_TEST(random_times_match_gmtime)
{
	uint64_t seed = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t span = (uint64_t)(LAST_SECS - FIRST_SECS) + 1;
	for (int i = 0; i < 100000; i++) {
		uint64_t r = next_random(&seed);
		expect_gmtime(FIRST_SECS + (int64_t)(r % span), (long)(r >> 54) % 1000);
	}
	/* And densely around now, where the logs and dumps are. */
	int64_t now = (int64_t)time(NULL), century = INT64_C(100) * 366 * 86400;
	for (int i = 0; i < 20000; i++) {
		uint64_t r = next_random(&seed);
		expect_gmtime(now - century + (int64_t)(r % (uint64_t)(2 * century)),
			      (long)(r >> 54) % 1000);
	}
}
END_TEST

START_TEST(short_buffer_truncates_like_snprintf)
{
	char buf[9];
	memset(buf, 'x', sizeof buf);
	ck_assert_int_eq(utc_format(buf, sizeof buf, 1706702400, 123, UTC_BASIC), 20);
	ck_assert_str_eq(buf, "20240131");
	ck_assert_int_eq(utc_format(NULL, 0, 1706702400, 123, UTC_EXTENDED), 24);
	char full[UTC_TEXT_MAX];
	utc_format(full, sizeof full, 1706702400, 123, UTC_EXTENDED);
	ck_assert_str_eq(full, "2024-01-31T12:00:00.123Z");
	utc_format(full, sizeof full, 1706702400, 123, UTC_BASIC);
	ck_assert_str_eq(full, "20240131T120000.123Z");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("utc");
	TCase *tc = tcase_create("format");
	tcase_add_test(tc, utc_matches_gmtime);
	tcase_add_test(tc, corners_match_gmtime);
	tcase_add_test(tc, random_times_match_gmtime);
	tcase_add_test(tc, short_buffer_truncates_like_snprintf);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
