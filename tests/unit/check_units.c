/* Unit tests for src/common/units.h: the parsers for thresholds, sizes, durations,
 * numbers, percentages and booleans, and the formatters that must read back. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

#define N(a) (sizeof(a) / sizeof *(a))

/* A number with more digits than any parser buffer: must be rejected, not
 * silently cut. */
static const char long_number[] =
	"1234567890123456789012345678901234567890123456789012345678901234567890";

/* ------------------------------------------------------------------------ */
/* Thresholds */

START_TEST(threshold_good)
{
	static const struct {
		const char *in;
		bool is_pct;
		double pct;
		uint64_t bytes;
	} cases[] = {
		{"75", true, 75, 0},
		{"87.5", true, 87.5, 0},
		{"90%", true, 90, 0},
		{"100", true, 100, 0},
		{"100%", true, 100, 0},
		{"0.5", true, 0.5, 0},
		{".5", true, 0.5, 0},
		{"1", true, 1, 0},
		{"900Mi", false, 0, 943718400ull},
		{"1G", false, 0, 1000000000ull},
		{"512k", false, 0, 512000ull},
		{"512K", false, 0, 512000ull},
		{"1Ki", false, 0, 1024ull},
		{"1.5Gi", false, 0, 1610612736ull},
		{"2Ti", false, 0, 2199023255552ull},
		{"1T", false, 0, 1000000000000ull},
		{"3Pi", false, 0, 3377699720527872ull},
		{"1P", false, 0, 1000000000000000ull},
		{"1E", false, 0, 1000000000000000000ull},
		{"15Ei", false, 0, 17293822569102704640ull},
		{"4096B", false, 0, 4096ull},
		{"1B", false, 0, 1ull},
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct threshold t = {.is_pct = !cases[i].is_pct, .pct = -1, .bytes = 7};
		const char *why = NULL;
		int r = units_parse_threshold(cases[i].in, &t, &why);
		ck_assert_msg(r == 0, "input %s: returned %d (%s)", cases[i].in, r, why ? why : "");
		ck_assert_msg(t.is_pct == cases[i].is_pct, "input %s: is_pct %d", cases[i].in,
			      t.is_pct);
		if (cases[i].is_pct)
			ck_assert_msg(t.pct == cases[i].pct, "input %s: pct %g, want %g",
				      cases[i].in, t.pct, cases[i].pct);
		else
			ck_assert_msg(t.bytes == cases[i].bytes, "input %s: bytes %llu, want %llu",
				      cases[i].in, (unsigned long long)t.bytes,
				      (unsigned long long)cases[i].bytes);
	}
}
END_TEST

START_TEST(threshold_bad)
{
	static const struct {
		const char *in;
		int err;
	} cases[] = {
		{"", -EINVAL},
		{"abc", -EINVAL},
		{"-5", -EINVAL},
		{"-0", -EINVAL},
		{"+5", -EINVAL},
		{"0", -EINVAL},
		{"0%", -EINVAL},
		{"0.0", -EINVAL},
		{"101", -ERANGE},
		{"100.1%", -ERANGE},
		{"1000", -ERANGE},
		{"90%%", -EINVAL},
		{"90 %", -EINVAL},
		{" 90", -EINVAL},
		{"90 ", -EINVAL},
		{"1e3", -EINVAL},
		{"nan", -EINVAL},
		{"inf", -EINVAL},
		{"0x10", -EINVAL},
		{"1..5", -EINVAL},
		{".", -EINVAL},
		{"%", -EINVAL},
		{"Mi", -EINVAL},
		{"5mi", -EINVAL},
		{"1Gb", -EINVAL},
		{"1 Gi", -EINVAL},
		{"0Mi", -EINVAL},
		{"0.0000001Ki", -EINVAL}, /* rounds to zero bytes */
		{"16Ei", -ERANGE},        /* exactly 2^64 */
		{"20E", -ERANGE},
		{"99999999999999999999E", -ERANGE},
		{long_number, -ERANGE},
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct threshold t = {.is_pct = true, .pct = 42, .bytes = 42};
		const char *why = NULL;
		int r = units_parse_threshold(cases[i].in, &t, &why);
		ck_assert_msg(r == cases[i].err, "input \"%s\": returned %d, want %d", cases[i].in,
			      r, cases[i].err);
		ck_assert_msg(why && why[0], "input \"%s\": no reason given", cases[i].in);
		ck_assert_msg(t.is_pct && t.pct == 42 && t.bytes == 42,
			      "input \"%s\": output changed on error", cases[i].in);
	}
}
END_TEST

/* The bare-number form refuses fractional bytes ("a size in bytes must be a
 * whole number"); the same amount spelt with the B suffix must not be
 * silently truncated instead. */
START_TEST(threshold_fractional_bytes_rejected)
{
	struct threshold t = {.is_pct = true, .pct = 42};
	const char *why = NULL;
	int r = units_parse_threshold("1.5B", &t, &why);
	ck_assert_msg(r == -EINVAL, "input 1.5B: returned %d, bytes %llu", r,
		      (unsigned long long)t.bytes);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Sizes */

START_TEST(size_good)
{
	static const struct {
		const char *in;
		uint64_t want;
	} cases[] = {
		{"0", 0},
		{"1", 1},
		{"1024", 1024},
		{"1Ki", 1024},
		{"1.5Ki", 1536},
		{"0.5Ki", 512},
		{"900Mi", 943718400ull},
		{"1G", 1000000000ull},
		{"1k", 1000},
		{"1K", 1000},
		{"1M", 1000000},
		{"1Gi", 1073741824ull},
		{"1Ti", 1099511627776ull},
		{"1Pi", 1125899906842624ull},
		{"1Ei", 1152921504606846976ull},
		{"15Ei", 17293822569102704640ull},
		{"10E", 10000000000000000000ull},
		{"123B", 123},
		{"4294967296", 4294967296ull},
		{"18446744073709549568", 18446744073709549568ull}, /* largest double < 2^64 */
	};
	for (size_t i = 0; i < N(cases); i++) {
		uint64_t b = 7;
		const char *why = NULL;
		int r = units_parse_size(cases[i].in, &b, &why);
		ck_assert_msg(r == 0, "input %s: returned %d (%s)", cases[i].in, r, why ? why : "");
		ck_assert_msg(b == cases[i].want, "input %s: got %llu, want %llu", cases[i].in,
			      (unsigned long long)b, (unsigned long long)cases[i].want);
	}
}
END_TEST

START_TEST(size_bad)
{
	static const struct {
		const char *in;
		int err;
	} cases[] = {
		{"", -EINVAL},
		{"abc", -EINVAL},
		{"-1", -EINVAL},
		{"-1Ki", -EINVAL},
		{"1.5", -EINVAL},
		{"1 Ki", -EINVAL},
		{"1Kib", -EINVAL},
		{"1ki", -EINVAL},
		{"1%", -EINVAL},
		{" 1", -EINVAL},
		{"1 ", -EINVAL},
		{"0x10", -EINVAL},
		{"1e6", -EINVAL},
		{"Ki", -EINVAL},
		{"16Ei", -ERANGE},
		{"20E", -ERANGE},
		{"18446744073709551616", -ERANGE},
		{"99999999999999999999", -ERANGE},
		{long_number, -ERANGE},
	};
	for (size_t i = 0; i < N(cases); i++) {
		uint64_t b = 42;
		const char *why = NULL;
		int r = units_parse_size(cases[i].in, &b, &why);
		ck_assert_msg(r == cases[i].err, "input \"%s\": returned %d, want %d", cases[i].in,
			      r, cases[i].err);
		ck_assert_msg(why && why[0], "input \"%s\": no reason given", cases[i].in);
		ck_assert_msg(b == 42, "input \"%s\": output changed on error", cases[i].in);
	}
}
END_TEST

/* Same rule as the threshold: a bare "1.5" is refused as a fractional byte
 * count, so "1.5B" must be refused too rather than truncated to 1. */
START_TEST(size_fractional_bytes_rejected)
{
	uint64_t b = 42;
	const char *why = NULL;
	int r = units_parse_size("1.5B", &b, &why);
	ck_assert_msg(r == -EINVAL, "input 1.5B: returned %d, bytes %llu", r,
		      (unsigned long long)b);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Durations */

START_TEST(duration_good)
{
	static const struct {
		const char *in;
		uint64_t want;
	} cases[] = {
		{"0", 0},
		{"30", 30000000ull},
		{"030", 30000000ull},
		{"86400", 86400000000ull},
		{"0s", 0},
		{"30s", 30000000ull},
		{"1m30s", 90000000ull},
		{"+5s", 5000000ull},    /* Go's grammar: an explicit sign */
		{"+30", 30000000ull},
		{"1m", 60000000ull},
		{"2h", 7200000000ull},
		{"1h1m1s", 3661000000ull},
		{"1.5h", 5400000000ull},
		{"1.5s", 1500000ull},
		{"250ms", 250000ull},
		{"100ms", 100000ull},
		{"500us", 500ull},
		{"500\xc2\xb5s", 500ull},
		{"1000ns", 1ull},
		{"1500ns", 2ull}, /* rounded to the nearest microsecond */
		{"1s500ms", 1500000ull},
		{".5s", 500000ull},
		{"18446744073709", 18446744073709000000ull}, /* the largest whole seconds */
	};
	for (size_t i = 0; i < N(cases); i++) {
		uint64_t us = 7;
		const char *why = NULL;
		int r = units_parse_duration_us(cases[i].in, &us, &why);
		ck_assert_msg(r == 0, "input %s: returned %d (%s)", cases[i].in, r, why ? why : "");
		ck_assert_msg(us == cases[i].want, "input %s: got %llu, want %llu", cases[i].in,
			      (unsigned long long)us, (unsigned long long)cases[i].want);
	}
}
END_TEST

START_TEST(duration_bad)
{
	static const struct {
		const char *in;
		int err;
	} cases[] = {
		{"", -EINVAL},
		{"-1", -EINVAL},
		{"-1s", -EINVAL},
		{"+", -EINVAL},
		{"++1s", -EINVAL},
		{"+-1s", -EINVAL},
		{"1.5", -EINVAL},  /* a unit is required once there is a point */
		{"s", -EINVAL},
		{"ms", -EINVAL},
		{"1x", -EINVAL},
		{"1d", -EINVAL},
		{"1S", -EINVAL},
		{"1 s", -EINVAL},
		{" 1s", -EINVAL},
		{"1s ", -EINVAL},
		{" 30", -EINVAL},
		{"30 ", -EINVAL},
		{"1m30", -EINVAL},
		{"1e3s", -EINVAL},
		{"0x10", -EINVAL},
		{"abc", -EINVAL},
		{"1..5s", -EINVAL},
		{".s", -EINVAL},
		{"nan", -EINVAL},
		{"inf", -EINVAL},
		{"99999999999999999999", -ERANGE},
		{"18446744073710", -ERANGE},    /* one second more than fits */
		{"5124096000h", -ERANGE},       /* >= 2^64 us */
		{"99999999999999999999h", -ERANGE},
	};
	for (size_t i = 0; i < N(cases); i++) {
		uint64_t us = 42;
		const char *why = NULL;
		int r = units_parse_duration_us(cases[i].in, &us, &why);
		ck_assert_msg(r == cases[i].err, "input \"%s\": returned %d, want %d", cases[i].in,
			      r, cases[i].err);
		ck_assert_msg(why && why[0], "input \"%s\": no reason given", cases[i].in);
		ck_assert_msg(us == 42, "input \"%s\": output changed on error", cases[i].in);
	}
}
END_TEST

/* Go-form durations between 2^63 and 2^64 microseconds fit a uint64_t; they
 * must come back exact (to double precision) or be refused with -ERANGE, never
 * as a wrapped value. */
START_TEST(duration_large_go_form)
{
	static const struct {
		const char *in;
		double want;
	} cases[] = {
		{"3000000000h", 1.08e19},
		{"10000000000000000000us", 1e19},
		{"18446744073709s", 18446744073709e6},
	};
	for (size_t i = 0; i < N(cases); i++) {
		uint64_t us = 42;
		const char *why = NULL;
		int r = units_parse_duration_us(cases[i].in, &us, &why);
		if (r == -ERANGE)
			continue;
		ck_assert_msg(r == 0, "input %s: returned %d", cases[i].in, r);
		ck_assert_msg(fabs((double)us - cases[i].want) <= cases[i].want * 1e-12,
			      "input %s: got %llu us, want about %.0f", cases[i].in,
			      (unsigned long long)us, cases[i].want);
	}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Numbers and booleans */

START_TEST(number_good)
{
	static const struct {
		const char *in;
		double want;
	} cases[] = {
		{"0", 0}, {"5", 5}, {"2.5", 2.5}, {"50", 50}, {".5", 0.5}, {"5.", 5},
		{"007", 7}, {"123456789", 123456789},
	};
	for (size_t i = 0; i < N(cases); i++) {
		double d = -1;
		const char *why = NULL;
		int r = units_parse_number(cases[i].in, &d, &why);
		ck_assert_msg(r == 0, "input %s: returned %d", cases[i].in, r);
		ck_assert_msg(d == cases[i].want, "input %s: got %g", cases[i].in, d);
	}
}
END_TEST

START_TEST(number_bad)
{
	static const struct {
		const char *in;
		int err;
	} cases[] = {
		{"", -EINVAL},    {"-1", -EINVAL},   {"abc", -EINVAL}, {"5%", -EINVAL},
		{"1e3", -EINVAL}, {"nan", -EINVAL},  {"inf", -EINVAL}, {" 5", -EINVAL},
		{"5 ", -EINVAL},  {"0x1", -EINVAL},  {"1.2.3", -EINVAL}, {".", -EINVAL},
		{"+1", -EINVAL},  {long_number, -ERANGE},
	};
	for (size_t i = 0; i < N(cases); i++) {
		double d = 42;
		const char *why = NULL;
		int r = units_parse_number(cases[i].in, &d, &why);
		ck_assert_msg(r == cases[i].err, "input \"%s\": returned %d, want %d", cases[i].in,
			      r, cases[i].err);
		ck_assert_msg(why && why[0], "input \"%s\": no reason given", cases[i].in);
	}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Percentages: a number with an optional '%', any range */

START_TEST(percent_good)
{
	static const struct {
		const char *in;
		double pct;
	} cases[] = {
		{"5", 5},        {"5%", 5},     {"0", 0},       {"0%", 0},
		{"87.5%", 87.5}, {"100", 100},  {"150%", 150},  {".5%", 0.5},
		/* The longest number the parsers read, with its '%' or without. */
		{"000000000000000000000000000000000000000000000000000000000000005%", 5},
		{"000000000000000000000000000000000000000000000000000000000000005", 5},
	};
	for (size_t i = 0; i < N(cases); i++) {
		double pct = -1;
		const char *why = NULL;
		int r = units_parse_percent(cases[i].in, &pct, &why);
		ck_assert_msg(r == 0, "%s: returned %d (%s)", cases[i].in, r, why ? why : "");
		ck_assert_msg(pct == cases[i].pct, "%s: read as %g", cases[i].in, pct);
	}
}
END_TEST

START_TEST(percent_bad)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{"", "empty value"},
		{"%", "no number before the % sign"},
		{"-5%", "must not be negative"},
		{"abc", "not a number"},
		{"5%%", "a percentage takes one % sign"},
		{"%5", "the % sign goes after the number, as in 80%"},
		{"5 %", "no blank may stand between the number and the % sign"},
		{"1e2%", "not a number before the % sign"},
		{"5x", "trailing characters after the number"},
		/* 64 digits: one more than the parsers read, '%' or not. */
		{"0000000000000000000000000000000000000000000000000000000000000005%",
		 "number too long"},
		{long_number, "number too long"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		double pct = 42;
		const char *why = NULL;
		ck_assert_msg(units_parse_percent(cases[i].in, &pct, &why) < 0, "%s: accepted",
			      cases[i].in);
		ck_assert_msg(why && strcmp(why, cases[i].why) == 0, "%s: reason \"%s\"",
			      cases[i].in, why ? why : "");
		ck_assert_msg(pct == 42, "%s: result written on error", cases[i].in);
	}
	const char *why = NULL;
	double pct = 42;
	ck_assert_int_eq(units_parse_percent(NULL, &pct, &why), -EINVAL);
	ck_assert_str_eq(why, "empty value");
}
END_TEST

/* A value with a '%' that is not one sign right after the number gets a
 * reason about the sign, from thresholds and percentages alike; "80 %" is
 * refused like "512 Mi". */
START_TEST(percent_sign_reasons)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{"80%%", "a percentage takes one % sign"},
		{"80%%%", "a percentage takes one % sign"},
		{"%80", "the % sign goes after the number, as in 80%"},
		{"%%80", "the % sign goes after the number, as in 80%"},
		{"%", "no number before the % sign"},
		{"%%", "no number before the % sign"},
		{"%x", "no number before the % sign"},
		{"80 %", "no blank may stand between the number and the % sign"},
		{"80\t%", "no blank may stand between the number and the % sign"},
		{"1.5%x", "nothing may follow the % sign"},
		{"80% ", "nothing may follow the % sign"},
		{"80%Mi", "nothing may follow the % sign"},
		{"80Mi%", "not a number before the % sign"},
		{"abc%", "not a number before the % sign"},
		{" 80%", "not a number before the % sign"},
		{"8 0%", "not a number before the % sign"},
		{"1e2%", "not a number before the % sign"},
		{"-80%", "must not be negative"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct threshold t = {.is_pct = true, .pct = 42, .bytes = 42};
		const char *why = NULL;
		ck_assert_msg(units_parse_threshold(cases[i].in, &t, &why) == -EINVAL,
			      "threshold \"%s\": accepted", cases[i].in);
		ck_assert_msg(why && strcmp(why, cases[i].why) == 0,
			      "threshold \"%s\": reason \"%s\"", cases[i].in, why ? why : "");
		ck_assert_msg(t.pct == 42 && t.bytes == 42, "threshold \"%s\": changed",
			      cases[i].in);
		double pct = 42;
		why = NULL;
		ck_assert_msg(units_parse_percent(cases[i].in, &pct, &why) == -EINVAL,
			      "percent \"%s\": accepted", cases[i].in);
		ck_assert_msg(why && strcmp(why, cases[i].why) == 0,
			      "percent \"%s\": reason \"%s\"", cases[i].in, why ? why : "");
		ck_assert_msg(pct == 42, "percent \"%s\": changed", cases[i].in);
	}
	/* Without a '%', the reasons are the number's. */
	struct threshold t;
	const char *why = NULL;
	ck_assert_int_eq(units_parse_threshold("80x", &t, &why), -EINVAL);
	ck_assert_ptr_null(strchr(why, '%'));
}
END_TEST

START_TEST(percent_reads_formatted_number)
{
	static const double values[] = {0, 0.1, 2.5, 33.333333333333336, 50, 99.99999999999999};
	for (size_t i = 0; i < N(values); i++) {
		char buf[80];
		units_format_number(buf, sizeof buf, values[i]);
		strcat(buf, "%");
		double pct = -1;
		const char *why = NULL;
		ck_assert_msg(units_parse_percent(buf, &pct, &why) == 0 && pct == values[i],
			      "%.17g -> \"%s\" does not read back", values[i], buf);
	}
}
END_TEST

/* Numbers read as strtod reads them, rounded once. Pseudo-random decimals
 * with up to 19 digits around the point, fixed seed. */
START_TEST(number_as_strtod)
{
	double v;
	const char *why;
	ck_assert_int_eq(units_parse_number("62.235792", &v, &why), 0);
	ck_assert(v == strtod("62.235792", NULL));
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 200000; i++) {
		char buf[48];
		int n = 0;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int before = 1 + (int)(x % 10), after = (int)((x >> 8) % 12);
		uint64_t d = x;
		for (int k = 0; k < before; k++, d = d * 6364136223846793005ULL + 1)
			buf[n++] = (char)('0' + (d >> 33) % 10);
		if (after) {
			buf[n++] = '.';
			for (int k = 0; k < after; k++, d = d * 6364136223846793005ULL + 1)
				buf[n++] = (char)('0' + (d >> 33) % 10);
		}
		buf[n] = '\0';
		/* Check's assertions report to the parent each time they are
		 * reached: 400,000 of them take seconds on a busy machine. Only a
		 * mismatch is asserted. */
		if (units_parse_number(buf, &v, &why) != 0 || v != strtod(buf, NULL))
			ck_abort_msg("\"%s\" read as %.17g, strtod says %.17g", buf, v,
				     strtod(buf, NULL));
	}
}
END_TEST

START_TEST(bool_parse)
{
	static const struct {
		const char *in;
		int want; /* 1 true, 0 false, -1 error */
	} cases[] = {
		{"true", 1},   {"TRUE", 1},  {"True", 1},   {"yes", 1},  {"YES", 1},  {"on", 1},
		{"On", 1},     {"1", 1},     {"false", 0},  {"FALSE", 0}, {"no", 0},  {"No", 0},
		{"off", 0},    {"OFF", 0},   {"0", 0},      {"", -1},    {"2", -1},   {"-1", -1},
		{"truee", -1}, {" true", -1}, {"true ", -1}, {"y", -1},   {"t", -1},   {"n", -1},
		{"01", -1},    {"enable", -1},
	};
	for (size_t i = 0; i < N(cases); i++) {
		bool b = cases[i].want != 1; /* the opposite of what a success would write */
		bool before = b;
		const char *why = NULL;
		int r = units_parse_bool(cases[i].in, &b, &why);
		if (cases[i].want < 0) {
			ck_assert_msg(r == -EINVAL, "input \"%s\": returned %d", cases[i].in, r);
			ck_assert_msg(why && why[0], "input \"%s\": no reason", cases[i].in);
			ck_assert_msg(b == before, "input \"%s\": output changed", cases[i].in);
		} else {
			ck_assert_msg(r == 0, "input \"%s\": returned %d", cases[i].in, r);
			ck_assert_msg(b == (cases[i].want == 1), "input \"%s\": got %d",
				      cases[i].in, b);
		}
	}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Formatters */

START_TEST(format_duration_exact)
{
	static const struct {
		uint64_t us;
		const char *want;
	} cases[] = {
		{0, "0s"},
		{1, "1us"},
		{999, "999us"},
		{1000, "1ms"},
		{250000, "250ms"},
		{1500000, "1500ms"},
		{30000000, "30s"},
		{90000000, "90s"},
		{86400000000ull, "86400s"},
		{1000001, "1000001us"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char buf[64];
		units_format_duration(buf, sizeof buf, cases[i].us);
		ck_assert_msg(strcmp(buf, cases[i].want) == 0, "us %llu: got %s, want %s",
			      (unsigned long long)cases[i].us, buf, cases[i].want);
	}
}
END_TEST

START_TEST(format_duration_round_trip)
{
	static const uint64_t cases[] = {
		0, 1, 7, 999, 1000, 1001, 100000, 250000, 999999, 1000000, 1500000, 30000000,
		90000000, 3600000000ull, 86400000000ull, 123456789ull, 4503599627370495ull,
		9007199254740992ull, /* 2^53: still exact in a double */
	};
	for (size_t i = 0; i < N(cases); i++) {
		char buf[64];
		units_format_duration(buf, sizeof buf, cases[i]);
		uint64_t back = 42;
		const char *why = NULL;
		int r = units_parse_duration_us(buf, &back, &why);
		ck_assert_msg(r == 0, "us %llu -> \"%s\": parse returned %d (%s)",
			      (unsigned long long)cases[i], buf, r, why ? why : "");
		ck_assert_msg(back == cases[i], "us %llu -> \"%s\" -> %llu",
			      (unsigned long long)cases[i], buf, (unsigned long long)back);
	}
}
END_TEST

START_TEST(format_duration_truncates_safely)
{
	char buf[4];
	memset(buf, 'x', sizeof buf);
	units_format_duration(buf, sizeof buf, 123456789);
	ck_assert_msg(memchr(buf, '\0', sizeof buf) != NULL, "not terminated");
}
END_TEST

START_TEST(format_threshold_exact)
{
	static const struct {
		struct threshold t;
		const char *want;
	} cases[] = {
		{{true, 75, 0}, "75%"},
		{{true, 87.5, 0}, "87.5%"},
		{{true, 100, 0}, "100%"},
		{{true, 0.5, 0}, "0.5%"},
		{{false, 0, 943718400ull}, "900Mi"},
		{{false, 0, 1048576ull}, "1Mi"},
		{{false, 0, 1024ull}, "1Ki"},
		{{false, 0, 1536ull}, "1536B"},
		{{false, 0, 1000ull}, "1000B"},
		{{false, 0, 1ull}, "1B"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char buf[64];
		units_format_threshold(buf, sizeof buf, &cases[i].t);
		ck_assert_msg(strcmp(buf, cases[i].want) == 0, "case %zu: got %s, want %s", i, buf,
			      cases[i].want);
	}
}
END_TEST

static void check_threshold_round_trip(const struct threshold *t)
{
	char buf[64];
	units_format_threshold(buf, sizeof buf, t);
	struct threshold back = {0};
	const char *why = NULL;
	int r = units_parse_threshold(buf, &back, &why);
	ck_assert_msg(r == 0, "\"%s\": parse returned %d (%s)", buf, r, why ? why : "");
	ck_assert_msg(back.is_pct == t->is_pct, "\"%s\": kind changed", buf);
	if (t->is_pct)
		ck_assert_msg(back.pct == t->pct, "pct %.17g -> \"%s\" -> %.17g", t->pct, buf,
			      back.pct);
	else
		ck_assert_msg(back.bytes == t->bytes, "bytes %llu -> \"%s\" -> %llu",
			      (unsigned long long)t->bytes, buf, (unsigned long long)back.bytes);
}

START_TEST(format_threshold_round_trip)
{
	static const struct threshold cases[] = {
		{true, 0.5, 0},   {true, 1, 0},     {true, 33.5, 0},  {true, 75, 0},
		{true, 87.5, 0},  {true, 99.99, 0}, {true, 100, 0},   {true, 0.25, 0},
		{false, 0, 1},    {false, 0, 1000}, {false, 0, 1024}, {false, 0, 1000000000ull},
		{false, 0, 943718400ull},           {false, 0, 1099511627776ull},
		{false, 0, 17293822569102704640ull}, {false, 0, 4503599627370497ull},
	};
	for (size_t i = 0; i < N(cases); i++)
		check_threshold_round_trip(&cases[i]);
}
END_TEST

/* "Format a threshold the way units_parse_threshold reads it back": a
 * percentage the parser accepted must survive format -> parse unchanged. */
START_TEST(format_threshold_round_trip_precise_pct)
{
	static const char *const inputs[] = {"33.3333333", "12.3456789", "99.9999999",
					     "66.66666666666667"};
	for (size_t i = 0; i < N(inputs); i++) {
		struct threshold t;
		const char *why = NULL;
		ck_assert_msg(units_parse_threshold(inputs[i], &t, &why) == 0, "input %s",
			      inputs[i]);
		check_threshold_round_trip(&t);
	}
}
END_TEST

/* Found by tests/fuzz/fuzz_units (corpus: crash-percentage-exponent and
 * below): %g wrote 1e-06, which no parser reads, and a long number did not fit
 * the threshold formatter's buffer. */
START_TEST(format_number_plain_decimal)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{0.000001, "0.000001"}, {0.00001, "0.00001"},     {1e20, "100000000000000000000"},
		{5, "5"},               {87.5, "87.5"},           {0, "0"},
		{0.1, "0.1"},           {1234567, "1234567"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char buf[64];
		units_format_number(buf, sizeof buf, cases[i].v);
		ck_assert_msg(strcmp(buf, cases[i].want) == 0, "%.17g: got %s, want %s", cases[i].v,
			      buf, cases[i].want);
	}
	/* The last two from tests/fuzz/fuzz_units (corpus: crash-tiny-percentage,
	 * crash-tiny-percentage-63): 63 characters that "0." would make 64. */
	static const char *const tiny[] = {
		"0.000001", "0.0000123", ".00000000000000000000000000000000000000000000445104801",
		".00000000000000000000000000000000000000000000000000000445104802"};
	for (size_t i = 0; i < N(tiny); i++) {
		struct threshold t;
		const char *why = NULL;
		ck_assert_msg(units_parse_threshold(tiny[i], &t, &why) == 0, "input %s", tiny[i]);
		check_threshold_round_trip(&t);
	}
}
END_TEST

/* Found by tests/fuzz/fuzz_units (corpus: crash-duration-beyond-2p53): whole
 * seconds above 2^53 microseconds went through a double in the Go form, so
 * "999999999999s" did not read back as what "999999999999" means. */
START_TEST(duration_whole_units_exact)
{
	static const struct {
		const char *in;
		uint64_t us;
	} cases[] = {
		{"999999999999", 999999999999000000ull},
		{"999999999999s", 999999999999000000ull},
		{"18446744073709551615us", 18446744073709551615ull},
		{"5124095576h1ms", 18446744073600000000ull + 1000},
		{"1.5s1us", 1500001},
		{"1s500ns", 1000001},
	};
	for (size_t i = 0; i < N(cases); i++) {
		uint64_t us = 0;
		const char *why = NULL;
		int r = units_parse_duration_us(cases[i].in, &us, &why);
		ck_assert_msg(r == 0, "%s: returned %d (%s)", cases[i].in, r, why ? why : "");
		ck_assert_msg(us == cases[i].us, "%s: %llu us, want %llu", cases[i].in,
			      (unsigned long long)us, (unsigned long long)cases[i].us);
		char buf[64];
		units_format_duration(buf, sizeof buf, us);
		uint64_t back = 0;
		ck_assert_msg(units_parse_duration_us(buf, &back, &why) == 0 && back == us,
			      "%s -> \"%s\" does not read back", cases[i].in, buf);
	}
	static const char *const too_long[] = {"18446744073709551616us", "18446744073709552s",
					       "18446744073709551615us1us", "5124095577h"};
	for (size_t i = 0; i < N(too_long); i++) {
		uint64_t us = 0;
		const char *why = NULL;
		ck_assert_msg(units_parse_duration_us(too_long[i], &us, &why) == -ERANGE, "%s",
			      too_long[i]);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, threshold_good);
	tcase_add_test(tc, threshold_bad);
	tcase_add_test(tc, threshold_fractional_bytes_rejected);
	tcase_add_test(tc, size_good);
	tcase_add_test(tc, size_bad);
	tcase_add_test(tc, size_fractional_bytes_rejected);
	tcase_add_test(tc, duration_good);
	tcase_add_test(tc, duration_bad);
	tcase_add_test(tc, duration_large_go_form);
	tcase_add_test(tc, number_good);
	tcase_add_test(tc, number_bad);
	tcase_add_test(tc, number_as_strtod);
	tcase_add_test(tc, percent_good);
	tcase_add_test(tc, percent_bad);
	tcase_add_test(tc, percent_sign_reasons);
	tcase_add_test(tc, percent_reads_formatted_number);
	tcase_add_test(tc, bool_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, format_duration_exact);
	tcase_add_test(tc, format_duration_round_trip);
	tcase_add_test(tc, format_duration_truncates_safely);
	tcase_add_test(tc, format_threshold_exact);
	tcase_add_test(tc, format_threshold_round_trip);
	tcase_add_test(tc, format_threshold_round_trip_precise_pct);
	tcase_add_test(tc, format_number_plain_decimal);
	tcase_add_test(tc, duration_whole_units_exact);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
