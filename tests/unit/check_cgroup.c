/* cgroup.c: parsers over buffers, location from fixture trees, kept-fd reads. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

#define MI (UINT64_C(1) << 20)

START_TEST(parse_u64_values)
{
	static const struct {
		const char *in;
		int ret;
		uint64_t value;
		bool unlimited;
	} cases[] = {
		{"0\n", 0, 0, false},
		{"134217728\n", 0, 134217728, false},
		{"134217728", 0, 134217728, false},
		{"max\n", 0, UINT64_MAX, true},
		{"9223372036854771712\n", 0, 9223372036854771712ULL, true}, /* v1 "unlimited" */
		{"4611686018427387903\n", 0, 4611686018427387903ULL, false}, /* 2^62 - 1 */
		{"18446744073709551615\n", 0, UINT64_MAX, true},
		{"18446744073709551616\n", -ERANGE, 0, false},
		{"99999999999999999999999\n", -ERANGE, 0, false},
		{"", -EINVAL, 0, false},
		{"\n", -EINVAL, 0, false},
		{"-1\n", -EINVAL, 0, false},
		{"12abc\n", -EINVAL, 0, false},
		{"maxi\n", -EINVAL, 0, false},
		{"12\n13\n", -EINVAL, 0, false},
		{" 12\n", -EINVAL, 0, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		uint64_t v = 42;
		bool unl = false;
		int r = cg_parse_u64(cases[i].in, &v, &unl);
		ck_assert_msg(r == cases[i].ret, "\"%s\": ret %d, want %d", cases[i].in, r,
			      cases[i].ret);
		if (r == 0) {
			ck_assert_msg(v == cases[i].value, "\"%s\": value", cases[i].in);
			ck_assert_msg(unl == cases[i].unlimited, "\"%s\": unlimited", cases[i].in);
		}
	}
}
END_TEST

static const char v1_stat[] = "cache 20971520\nrss 83886080\n"
			      "hierarchical_memory_limit 67108864\n"
			      "total_inactive_file 20971520\ntotal_active_file 0\n"
			      "inactive_file 1\n";

START_TEST(parse_keys)
{
	uint64_t v;
	ck_assert_int_eq(cg_parse_key(v1_stat, "total_inactive_file", &v), 0);
	ck_assert_uint_eq(v, 20 * MI);
	/* "inactive_file" must not match inside "total_inactive_file". */
	ck_assert_int_eq(cg_parse_key(v1_stat, "inactive_file", &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(cg_parse_key(v1_stat, "hierarchical_memory_limit", &v), 0);
	ck_assert_uint_eq(v, 64 * MI);
	ck_assert_int_eq(cg_parse_key(v1_stat, "swap", &v), -ENOENT);
	ck_assert_int_eq(cg_parse_key("", "oom_kill", &v), -ENOENT);
	ck_assert_int_eq(cg_parse_key("oom_kill x\n", "oom_kill", &v), -EINVAL);
	ck_assert_int_eq(cg_parse_key("oom_kill 5x\n", "oom_kill", &v), -EINVAL);
	ck_assert_int_eq(cg_parse_key("oom_kill 99999999999999999999999\n", "oom_kill", &v),
			 -ERANGE);
	ck_assert_int_eq(cg_parse_key("oom_kill_disable 0\nunder_oom 0\noom_kill 3", "oom_kill", &v),
			 0);
	ck_assert_uint_eq(v, 3);
}
END_TEST

START_TEST(parse_proc_cgroup)
{
	enum cg_version ver;
	char path[CG_PATH_MAX];
	/* Hybrid: memory on v1 wins over the 0:: line. */
	ck_assert_int_eq(cg_parse_proc_cgroup("9:name=systemd:/\n4:memory:/pod/app\n0::/\n", &ver,
					      path, sizeof path),
			 0);
	ck_assert_int_eq(ver, CG_V1);
	ck_assert_str_eq(path, "/pod/app");
	/* Co-mounted controllers. */
	ck_assert_int_eq(cg_parse_proc_cgroup("3:cpu,memory,pids:/x\n", &ver, path, sizeof path), 0);
	ck_assert_int_eq(ver, CG_V1);
	ck_assert_str_eq(path, "/x");
	/* "memory" must be a whole item, not a prefix like memory_foo. */
	ck_assert_int_eq(cg_parse_proc_cgroup("3:memoryx:/x\n0::/y\n", &ver, path, sizeof path), 0);
	ck_assert_int_eq(ver, CG_V2);
	ck_assert_str_eq(path, "/y");
	ck_assert_int_eq(cg_parse_proc_cgroup("0::/sub\n", &ver, path, sizeof path), 0);
	ck_assert_int_eq(ver, CG_V2);
	ck_assert_str_eq(path, "/sub");
	ck_assert_int_eq(cg_parse_proc_cgroup("0::/\n", &ver, path, sizeof path), 0);
	ck_assert_str_eq(path, "/");
	ck_assert_int_eq(cg_parse_proc_cgroup("", &ver, path, sizeof path), -ENOENT);
	ck_assert_int_eq(cg_parse_proc_cgroup("garbage\n", &ver, path, sizeof path), -ENOENT);
	ck_assert_int_eq(cg_parse_proc_cgroup("1:cpu:/\n", &ver, path, sizeof path), -ENOENT);
	char small[4];
	ck_assert_int_eq(cg_parse_proc_cgroup("0::/toolong\n", &ver, small, sizeof small),
			 -ENAMETOOLONG);
}
END_TEST

static const char mountinfo_v1[] =
	"31 23 0:28 / /sys/fs/cgroup ro - tmpfs tmpfs ro\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu ro - cgroup cgroup rw,cpu\n"
	"35 31 0:32 /kubepods/pod1/c1 /sys/fs/cgroup/memory ro,nosuid shared:7 - cgroup cgroup "
	"rw,memory\n"
	"36 31 0:32 / /host\\040cg ro - cgroup cgroup rw,memory\n";

static const char mountinfo_v2[] =
	"30 25 0:26 / / rw - overlay overlay rw\n"
	"40 30 0:27 /pod/app2 /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";

START_TEST(parse_mountinfo)
{
	char root[CG_PATH_MAX], point[CG_DIR_MAX], rel[CG_PATH_MAX];
	/* The nearest ancestor of the cgroup path wins over "/". */
	ck_assert_int_eq(cg_parse_mountinfo(mountinfo_v1, CG_V1, "/kubepods/pod1/c1/sub", root,
					    sizeof root, point, sizeof point),
			 0);
	ck_assert_str_eq(root, "/kubepods/pod1/c1");
	ck_assert_str_eq(point, "/sys/fs/cgroup/memory");
	ck_assert_int_eq(cg_relative("/kubepods/pod1/c1/sub", root, rel, sizeof rel), 0);
	ck_assert_str_eq(rel, "/sub");
	/* Elsewhere in the hierarchy: the "/" mount, escaped mount point decoded. */
	ck_assert_int_eq(cg_parse_mountinfo(mountinfo_v1, CG_V1, "/other", root, sizeof root, point,
					    sizeof point),
			 0);
	ck_assert_str_eq(root, "/");
	ck_assert_str_eq(point, "/host cg");
	ck_assert_int_eq(cg_relative("/other", root, rel, sizeof rel), 0);
	ck_assert_str_eq(rel, "/other");
	/* v2 */
	ck_assert_int_eq(cg_parse_mountinfo(mountinfo_v2, CG_V2, "/pod/app2/sub", root, sizeof root,
					    point, sizeof point),
			 0);
	ck_assert_str_eq(root, "/pod/app2");
	ck_assert_str_eq(point, "/sys/fs/cgroup");
	ck_assert_int_eq(cg_relative("/pod/app2/sub", root, rel, sizeof rel), 0);
	ck_assert_str_eq(rel, "/sub");
	ck_assert_int_eq(cg_relative("/pod/app2", root, rel, sizeof rel), 0);
	ck_assert_str_eq(rel, "");
	/* "/pod/app" is not an ancestor of "/pod/app2": no prefix confusion. */
	ck_assert_int_eq(cg_relative("/pod/app2", "/pod/app", rel, sizeof rel), 0);
	ck_assert_str_eq(rel, "");
	/* Not mounted. */
	ck_assert_int_eq(cg_parse_mountinfo(mountinfo_v2, CG_V1, "/x", root, sizeof root, point,
					    sizeof point),
			 -ENOENT);
	ck_assert_int_eq(cg_parse_mountinfo("", CG_V2, "/x", root, sizeof root, point, sizeof point),
			 -ENOENT);
	ck_assert_int_eq(cg_parse_mountinfo("garbage line\n", CG_V2, "/x", root, sizeof root, point,
					    sizeof point),
			 -ENOENT);
}
END_TEST

/* Found by tests/fuzz/fuzz_proc_cgroup (corpus: crash-escaped-nul): the
 * kernel never writes \000, and decoding it cut the mount point short. */
START_TEST(parse_mountinfo_escapes_no_nul)
{
	char root[CG_PATH_MAX], point[CG_DIR_MAX];
	ck_assert_int_eq(cg_parse_mountinfo("1 0 0:1 / /a\\000b\\400c\\101 rw - cgroup2 cgroup2 rw\n",
					    CG_V2, "/x", root, sizeof root, point, sizeof point),
			 0);
	ck_assert_str_eq(point, "/a\\000b\\400cA");
}
END_TEST

/* Found by tests/fuzz/fuzz_proc_cgroup (corpus: crash-mount-passed-over): an
 * output too small for a mount that is later passed over for a nearer one
 * must not fail the search. */
START_TEST(parse_mountinfo_small_output)
{
	static const char mi[] =
		"1 0 0:1 /elsewhere /a/very/long/mount/point rw - cgroup2 cgroup2 rw\n"
		"2 0 0:1 /pod /m rw - cgroup2 cgroup2 rw\n";
	char root[8], point[8];
	ck_assert_int_eq(cg_parse_mountinfo(mi, CG_V2, "/pod/app", root, sizeof root, point,
					    sizeof point),
			 0);
	ck_assert_str_eq(root, "/pod");
	ck_assert_str_eq(point, "/m");
	/* The chosen mount itself too long: refused, not cut. */
	ck_assert_int_eq(cg_parse_mountinfo(mi, CG_V2, "/x", root, sizeof root, point,
					    sizeof point),
			 -ENAMETOOLONG);
}
END_TEST

START_TEST(working_set_floor)
{
	ck_assert_uint_eq(cg_working_set(100, 30), 70);
	ck_assert_uint_eq(cg_working_set(100, 100), 0);
	ck_assert_uint_eq(cg_working_set(100, 150), 0);
}
END_TEST

static void open_fixture(const char *tree, const char *pid, struct cg_reader *r,
			 struct cg_location *loc)
{
	char proc[512];
	snprintf(proc, sizeof proc, "%s/%s/proc", FIXTURES, tree);
	ck_assert_int_eq(cg_locate(proc, pid, loc), 0);
	ck_assert_int_eq(cg_reader_open(r, loc), 0);
}

START_TEST(reader_v1)
{
	struct cg_reader r;
	struct cg_location loc;
	struct cg_sample s;
	uint64_t limit, kills;
	bool unl;
	open_fixture("v1", "100", &r, &loc);
	ck_assert_int_eq(loc.version, CG_V1);
	ck_assert_str_eq(loc.cgpath, "/pod/app");
	ck_assert_str_eq(loc.rel, "");
	ck_assert_int_eq(cg_read_sample(&r, true, &s), 0);
	ck_assert_uint_eq(s.usage_bytes, 100 * MI);
	ck_assert_uint_eq(s.inactive_file_bytes, 20 * MI);
	ck_assert_uint_eq(s.working_set_bytes, 80 * MI);
	ck_assert_int_eq(cg_read_sample(&r, false, &s), 0);
	ck_assert_uint_eq(s.working_set_bytes, 100 * MI);
	ck_assert_int_eq(cg_read_limit(&r, &limit, &unl), 0);
	ck_assert(!unl);
	ck_assert_uint_eq(limit, 128 * MI);
	ck_assert_int_eq(cg_read_oom_kills(&r, &kills), 0);
	ck_assert_uint_eq(kills, 0);
	cg_reader_close(&r);

	/* Unlimited in v1: the page-rounded LONG_MAX. */
	open_fixture("v1", "200", &r, &loc);
	ck_assert_int_eq(cg_read_limit(&r, &limit, &unl), 0);
	ck_assert(unl);
	cg_reader_close(&r);

	/* A limit set on a parent shows as hierarchical_memory_limit. */
	open_fixture("v1", "600", &r, &loc);
	ck_assert_int_eq(cg_read_limit(&r, &limit, &unl), 0);
	ck_assert(!unl);
	ck_assert_uint_eq(limit, 64 * MI);
	cg_reader_close(&r);
}
END_TEST

START_TEST(reader_v2_nested)
{
	struct cg_reader r;
	struct cg_location loc;
	struct cg_sample s;
	uint64_t limit, kills;
	bool unl;
	open_fixture("v2", "101", &r, &loc);
	ck_assert_int_eq(loc.version, CG_V2);
	ck_assert_str_eq(loc.rel, "/sub");
	ck_assert_int_eq(r.nlimits, 2);
	ck_assert_int_eq(cg_read_sample(&r, true, &s), 0);
	ck_assert_uint_eq(s.usage_bytes, 60 * MI); /* the sub-cgroup, not the container */
	/* The smaller of sub (64Mi) and its parent (256Mi). */
	ck_assert_int_eq(cg_read_limit(&r, &limit, &unl), 0);
	ck_assert(!unl);
	ck_assert_uint_eq(limit, 64 * MI);
	ck_assert_int_eq(cg_read_oom_kills(&r, &kills), 0);
	ck_assert_uint_eq(kills, 1);
	cg_reader_close(&r);

	open_fixture("v2", "102", &r, &loc);
	ck_assert_int_eq(cg_read_limit(&r, &limit, &unl), 0);
	ck_assert(unl);
	cg_reader_close(&r);
}
END_TEST

/* The reader keeps its fds: a changed file is seen without reopening. */
START_TEST(reader_preads_fresh_values)
{
	char dir[] = "/tmp/oomsentry-cg-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256];
	const char *files[][2] = {{"memory.current", "100\n"},
				  {"memory.max", "1000\n"},
				  {"memory.stat", "inactive_file 10\n"},
				  {"memory.events", "oom_kill 0\n"}};
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i][0]);
		FILE *f = fopen(path, "w");
		fputs(files[i][1], f);
		fclose(f);
	}
	struct cg_location loc = {.version = CG_V2};
	snprintf(loc.mount, sizeof loc.mount, "%s", dir);
	struct cg_reader r;
	ck_assert_int_eq(cg_reader_open(&r, &loc), 0);
	struct cg_sample s;
	ck_assert_int_eq(cg_read_sample(&r, true, &s), 0);
	ck_assert_uint_eq(s.working_set_bytes, 90);
	snprintf(path, sizeof path, "%s/memory.current", dir);
	FILE *f = fopen(path, "w");
	fputs("500\n", f);
	fclose(f);
	ck_assert_int_eq(cg_read_sample(&r, true, &s), 0);
	ck_assert_uint_eq(s.usage_bytes, 500);
	/* Garbage written later is an error, not a number. */
	f = fopen(path, "w");
	fputs("lots\n", f);
	fclose(f);
	ck_assert_int_eq(cg_read_sample(&r, true, &s), -EINVAL);
	cg_reader_close(&r);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i][0]);
		unlink(path);
	}
	rmdir(dir);
}
END_TEST

START_TEST(missing_files)
{
	struct cg_location loc;
	char proc[512];
	snprintf(proc, sizeof proc, "%s/v1/proc", FIXTURES);
	ck_assert_int_eq(cg_locate(proc, "999", &loc), -ENOENT);
	/* A cgroup directory without the memory files. */
	char dir[] = "/tmp/oomsentry-cg-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	struct cg_location empty = {.version = CG_V1};
	snprintf(empty.mount, sizeof empty.mount, "%s", dir);
	struct cg_reader r;
	ck_assert_int_eq(cg_reader_open(&r, &empty), -ENOENT);
	ck_assert_int_eq(r.usage_fd, -1);
	empty.version = CG_V2;
	snprintf(empty.mount, sizeof empty.mount, "%s/nonexistent", dir);
	ck_assert_int_eq(cg_reader_open(&r, &empty), -ENOENT);
	rmdir(dir);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("parsers");
	tcase_add_test(tc, parse_u64_values);
	tcase_add_test(tc, parse_keys);
	tcase_add_test(tc, parse_proc_cgroup);
	tcase_add_test(tc, parse_mountinfo);
	tcase_add_test(tc, parse_mountinfo_escapes_no_nul);
	tcase_add_test(tc, parse_mountinfo_small_output);
	tcase_add_test(tc, working_set_floor);
	suite_add_tcase(s, tc);
	tc = tcase_create("reader");
	tcase_add_test(tc, reader_v1);
	tcase_add_test(tc, reader_v2_nested);
	tcase_add_test(tc, reader_preads_fresh_values);
	tcase_add_test(tc, missing_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
