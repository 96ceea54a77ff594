/* shipq: what is shipped, under which name, and the retry schedule. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <string.h>

#include "shipq.h"

START_TEST(classify)
{
	const char *ev = "events.jsonl";
	/* Finished files, at the top or in a pod's directory. */
	ck_assert_int_eq(shipq_classify("p-1-java-13-20261202T230637.350Z-warning.histogram.txt", ev),
			 SHIPQ_SHIP);
	ck_assert_int_eq(shipq_classify("app-7d9f/app-7d9f-12-20261202T101010.000Z-critical.heap", ev),
			 SHIPQ_SHIP);
	ck_assert_int_eq(shipq_classify("x.heap.pb.gz", ev), SHIPQ_SHIP);
	/* Published by rename: the temporary names of liboomsentry, the
	 * sidecar and the JVM's dump, and other writers' ".tmp". */
	ck_assert_int_eq(shipq_classify(".x.heap.XXXXXX", ev), SHIPQ_TEMPORARY);
	ck_assert_int_eq(shipq_classify("pod/.tmp-dump", ev), SHIPQ_TEMPORARY);
	ck_assert_int_eq(shipq_classify(".oomsentry-ship/state", ev), SHIPQ_TEMPORARY);
	ck_assert_int_eq(shipq_classify("heap.hprof.gz.tmp", ev), SHIPQ_TEMPORARY);
	/* The events file and its one rotation, nothing else like them. */
	ck_assert_int_eq(shipq_classify("events.jsonl", ev), SHIPQ_EVENTS);
	ck_assert_int_eq(shipq_classify("events.jsonl.1", ev), SHIPQ_EVENTS);
	ck_assert_int_eq(shipq_classify("events.jsonl.2", ev), SHIPQ_SHIP);
	ck_assert_int_eq(shipq_classify("pod/events.jsonl", ev), SHIPQ_SHIP);
	ck_assert_int_eq(shipq_classify("events.jsonl", ""), SHIPQ_SHIP);
	ck_assert_int_eq(shipq_classify("events.jsonl", NULL), SHIPQ_SHIP);
	/* Names no object may have. */
	ck_assert_int_eq(shipq_classify("", ev), SHIPQ_REFUSED);
	ck_assert_int_eq(shipq_classify("/abs", ev), SHIPQ_REFUSED);
	ck_assert_int_eq(shipq_classify("a//b", ev), SHIPQ_REFUSED);
	ck_assert_int_eq(shipq_classify("a/", ev), SHIPQ_REFUSED);
	ck_assert_int_eq(shipq_classify("../x", ev), SHIPQ_REFUSED);
	ck_assert_int_eq(shipq_classify("a/../x", ev), SHIPQ_REFUSED);
	ck_assert_int_eq(shipq_classify("a\nb", ev), SHIPQ_REFUSED);
	ck_assert_int_eq(shipq_classify("a\x7f", ev), SHIPQ_REFUSED);
}
END_TEST

START_TEST(object_file)
{
	char out[16];
	ck_assert_int_eq(shipq_object_file(out, sizeof out, "a.heap", true), 0);
	ck_assert_str_eq(out, "a.heap.gz");
	ck_assert_int_eq(shipq_object_file(out, sizeof out, "a.pb.gz", false), 0);
	ck_assert_str_eq(out, "a.pb.gz");
	/* 15 characters and the terminator fill out exactly. */
	ck_assert_int_eq(shipq_object_file(out, sizeof out, "123456789012", true), 0);
	ck_assert_int_eq(shipq_object_file(out, sizeof out, "1234567890123", true), -ENAMETOOLONG);
	ck_assert_int_eq(shipq_object_file(out, sizeof out, "1234567890123", false), 0);
	ck_assert_int_eq(shipq_object_file(out, sizeof out, "1234567890123456", false), -ENAMETOOLONG);
}
END_TEST

START_TEST(backoff)
{
	const uint64_t s = 1000000, max = 300 * s;
	ck_assert_uint_eq(shipq_backoff_us(0, max), 0);
	ck_assert_uint_eq(shipq_backoff_us(1, max), 1 * s);
	ck_assert_uint_eq(shipq_backoff_us(2, max), 2 * s);
	ck_assert_uint_eq(shipq_backoff_us(3, max), 4 * s);
	ck_assert_uint_eq(shipq_backoff_us(9, max), 256 * s);
	ck_assert_uint_eq(shipq_backoff_us(10, max), max);
	ck_assert_uint_eq(shipq_backoff_us(4000000000u, max), max);
	ck_assert_uint_eq(shipq_backoff_us(1, s / 2), s / 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shipq");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, classify);
	tcase_add_test(tc, object_file);
	tcase_add_test(tc, backoff);
	suite_add_tcase(s, tc);
	return check_run(s);
}
