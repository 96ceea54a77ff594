/* artifacts.c: the names of the sidecar's files, built and read back, and
 * what is not ours left alone. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "artifacts.h"

/* 2026-12-02T18:30:00.123Z */
#define T_SECS 1796236200
#define T_TEXT "20261202T183000.123Z"

START_TEST(name_round_trip)
{
	static const enum artifact_kind kinds[] = {ARTIFACT_HISTOGRAM, ARTIFACT_PPROF,
						   ARTIFACT_HPROF, ARTIFACT_FLIGHT_CSV,
						   ARTIFACT_FLIGHT_SVG, ARTIFACT_FLIGHT_CSV};
	static const char *const ext[] = {"histogram.txt", "heap.pb.gz", "hprof.gz",
					  "flight.csv",    "flight.svg", "flight.csv"};
	/* A flight record's level may also be the OOM kill. */
	static const char *const level[] = {"critical", "critical", "critical",
					    "critical", "oomkill",  "oomkill"};
	for (int i = 0; i < 6; i++) {
		char name[ARTIFACT_NAME_MAX];
		ck_assert_int_eq(artifact_name(name, sizeof name, "web-7f9c-x2", "java", 42, T_SECS,
					       123, level[i], kinds[i]),
				 0);
		char want[128];
		snprintf(want, sizeof want, "web-7f9c-x2-java-42-" T_TEXT "-%s.%s", level[i], ext[i]);
		ck_assert_str_eq(name, want);
		struct artifact_info info;
		ck_assert(artifact_parse(name, &info));
		ck_assert_int_eq(info.kind, kinds[i]);
		ck_assert(!info.temp);
		ck_assert_str_eq(info.time, T_TEXT);
	}
}
END_TEST

START_TEST(hostile_parts_are_sanitized)
{
	char name[ARTIFACT_NAME_MAX];
	ck_assert_int_eq(artifact_name(name, sizeof name, ".hidden/../x", "a b/c\n", 7, T_SECS, 0,
				       "warning", ARTIFACT_PPROF),
			 0);
	ck_assert_ptr_null(strchr(name, '/'));
	ck_assert_ptr_null(strchr(name, ' '));
	ck_assert_ptr_null(strchr(name, '\n'));
	ck_assert_int_ne(name[0], '.');
	struct artifact_info info;
	ck_assert(artifact_parse(name, &info));
	/* Empty parts still give a parseable name. */
	ck_assert_int_eq(artifact_name(name, sizeof name, "", "", 1, T_SECS, 0, "warning",
				       ARTIFACT_HISTOGRAM),
			 0);
	ck_assert_str_eq(name, "unknown-unknown-1-20261202T183000.000Z-warning.histogram.txt");
	ck_assert(artifact_parse(name, &info));
	ck_assert_int_eq(artifact_name(name, 20, "h", "c", 1, T_SECS, 0, "warning",
				       ARTIFACT_HISTOGRAM),
			 -ENAMETOOLONG);
}
END_TEST

START_TEST(temp_names)
{
	char name[ARTIFACT_NAME_MAX], temp[ARTIFACT_NAME_MAX + 16];
	artifact_name(name, sizeof name, "p", "go", 9, T_SECS, 5, "warning", ARTIFACT_PPROF);
	ck_assert_int_eq(artifact_temp_name(temp, sizeof temp, name, "ab12cd"), 0);
	ck_assert_int_eq(temp[0], '.');
	struct artifact_info info;
	ck_assert(artifact_parse(temp, &info));
	ck_assert(info.temp);
	ck_assert_int_eq(info.kind, ARTIFACT_PPROF);
	/* A suffix outside [a-z0-9] is not ours. */
	char bad[sizeof temp];
	snprintf(bad, sizeof bad, ".%s.AB12CD", name);
	ck_assert(!artifact_parse(bad, &info));
}
END_TEST

START_TEST(not_ours)
{
	static const char *const names[] = {
		"", ".", "..", "heap.pb.gz", "x.hprof.gz", "notes.txt",
		/* liboomsentry's own dumps share the directory: not ours */
		"pod-12-20261202T183000.123Z-warning.txt",
		"pod-12-20261202T183000.123Z-warning.heap",
		/* a wrong level, a bad time, no pid */
		"p-c-1-20261202T183000.123Z-notice.heap.pb.gz",
		"p-c-1-20261202T18300.123Z-warning.heap.pb.gz",
		"p-c--20261202T183000.123Z-warning.heap.pb.gz",
		"-1-20261202T183000.123Z-warning.heap.pb.gz",
		"p-c-1-20261202T183000.123Z-warning.heap.pb.gz.tmp",
		".p-c-1-20261202T183000.123Z-warning.heap.pb.gz",
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		struct artifact_info info;
		ck_assert_msg(!artifact_parse(names[i], &info), "%s taken for ours", names[i]);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("artifacts");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, name_round_trip);
	tcase_add_test(tc, hostile_parts_are_sanitized);
	tcase_add_test(tc, temp_names);
	tcase_add_test(tc, not_ours);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(suite()); }
