/* shipdir over a real directory: what is reported at start and as files
 * are published, in the top directory and in a pod's subdirectory. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shipdir.h"

struct seen {
	char names[64][SHIPDIR_REL_MAX];
	int n;
};

static void found(void *ctx, const char *rel)
{
	struct seen *s = ctx;
	if (s->n < 64)
		snprintf(s->names[s->n++], SHIPDIR_REL_MAX, "%s", rel);
}

static bool has(const struct seen *s, const char *rel)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->names[i], rel) == 0)
			return true;
	return false;
}

static char root[64];

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Published the writers' way: a hidden temporary name, then rename. */
static void publish(const char *dir, const char *name)
{
	char tmp[256], final[256];
	snprintf(tmp, sizeof tmp, "%s/%s%s.%s.XXXXXX", root, dir, dir[0] ? "/" : "", name);
	int fd = mkstemp(tmp);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	close(fd);
	snprintf(final, sizeof final, "%s/%s%s%s", root, dir, dir[0] ? "/" : "", name);
	ck_assert_int_eq(rename(tmp, final), 0);
}

static void setup(void)
{
	snprintf(root, sizeof root, "/tmp/check_shipdir.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(lists_what_is_ready)
{
	char p[256];
	put("a.histogram.txt", "h");
	put(".a.heap.XXXXXX", "temporary");
	put("events.jsonl", "{}\n");
	put("events.jsonl.1", "{}\n");
	put("b.hprof.gz.tmp", "other writer");
	snprintf(p, sizeof p, "%s/pod-1", root);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	put("pod-1/x.heap", "heap");
	put("pod-1/.x.txt.tmp", "t");
	snprintf(p, sizeof p, "%s/.oomsentry-ship", root);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	put(".oomsentry-ship/state", "v1");

	struct shipdir d;
	ck_assert_int_eq(shipdir_open(&d, root, "events.jsonl"), 0);
	struct seen s = {0};
	ck_assert_int_eq(shipdir_list(&d, found, &s), 2);
	ck_assert_int_eq(s.n, 2);
	ck_assert(has(&s, "a.histogram.txt"));
	ck_assert(has(&s, "pod-1/x.heap"));
	shipdir_close(&d);
}
END_TEST

START_TEST(reports_as_published)
{
	struct shipdir d;
	ck_assert_int_eq(shipdir_open(&d, root, "events.jsonl"), 0);
	struct seen s = {0};
	ck_assert_int_eq(shipdir_list(&d, found, &s), 0);
	/* At the top, by rename and by a writer closing the file. */
	publish("", "p-java-1-warning.histogram.txt");
	put("written-in-place.heap.pb.gz", "pb");
	put("events.jsonl", "{}\n");
	/* A pod's directory made after the watch began, and a file in it. */
	char p[256];
	snprintf(p, sizeof p, "%s/pod-2", root);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	ck_assert_int_eq(shipdir_drain(&d, found, &s), 0);
	publish("pod-2", "y-critical.heap");
	publish("pod-2", "y-critical.txt");
	ck_assert_int_eq(shipdir_drain(&d, found, &s), 0);
	ck_assert(has(&s, "p-java-1-warning.histogram.txt"));
	ck_assert(has(&s, "written-in-place.heap.pb.gz"));
	ck_assert(has(&s, "pod-2/y-critical.heap"));
	ck_assert(has(&s, "pod-2/y-critical.txt"));
	for (int i = 0; i < s.n; i++)
		ck_assert_msg(s.names[i][0] != '.' && !strstr(s.names[i], "/.") &&
				      strcmp(s.names[i], "events.jsonl") != 0,
			      "reported %s", s.names[i]);
	/* Removed and made again: still watched. */
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s/pod-2'", root);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(shipdir_drain(&d, found, &s), 0);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	ck_assert_int_eq(shipdir_drain(&d, found, &s), 0);
	publish("pod-2", "z.heap");
	ck_assert_int_eq(shipdir_drain(&d, found, &s), 0);
	ck_assert(has(&s, "pod-2/z.heap"));
	shipdir_close(&d);
}
END_TEST

START_TEST(directory_removed)
{
	struct shipdir d;
	ck_assert_int_eq(shipdir_open(&d, root, "events.jsonl"), 0);
	struct seen s = {0};
	ck_assert_int_eq(rmdir(root), 0);
	ck_assert_int_eq(shipdir_drain(&d, found, &s), -ENOENT);
	shipdir_close(&d);
	ck_assert_int_eq(mkdir(root, 0700), 0); /* for teardown */
	ck_assert_int_eq(shipdir_open(&d, "/nonexistent/dir", "events.jsonl"), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shipdir");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lists_what_is_ready);
	tcase_add_test(tc, reports_as_published);
	tcase_add_test(tc, directory_removed);
	suite_add_tcase(s, tc);
	return check_run(s);
}
