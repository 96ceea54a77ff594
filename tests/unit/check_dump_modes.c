/* Unit tests for src/common/dump_modes.h: the modes a dump directory and
 * its files get, from the stat of the directory they are made in. */
#include "check_run.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump_modes.h"

static struct stat dir_with(mode_t mode)
{
	struct stat st;
	memset(&st, 0, sizeof st);
	st.st_mode = mode;
	st.st_gid = 3000;
	return st;
}

/* Sentinels, so a test sees whether both outputs were set. */
#define UNSET ((mode_t)07777)

/* kubelet's volume root with fsGroup: drwxrwsrwx, group G. */
START_TEST(setgid_volume_root_grants_group)
{
	struct stat st = dir_with(S_IFDIR | 02777);
	mode_t d = UNSET, f = UNSET;
	ck_assert(dump_modes_for(&st, &d, &f));
	ck_assert_uint_eq(d, 02770);
	ck_assert_uint_eq(f, 0640);
}
END_TEST

/* A subdirectory we made there (02770), or one with the group's bits
 * taken by a umask: the set-group-ID bit alone decides. */
START_TEST(setgid_alone_decides)
{
	static const mode_t modes[] = {02770, 02700, 02750, 02000, 03777, 06770};
	for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
		struct stat st = dir_with(S_IFDIR | modes[i]);
		mode_t d = UNSET, f = UNSET;
		ck_assert_msg(dump_modes_for(&st, &d, &f), "mode %o", (unsigned)modes[i]);
		ck_assert_uint_eq(d, DUMP_DIR_MODE_GROUP);
		ck_assert_uint_eq(f, DUMP_FILE_MODE_GROUP);
	}
}
END_TEST

/* No fsGroup: nobody but the writer reads a heap dump, whatever else the
 * directory allows (an emptyDir is 0777 without fsGroup). */
START_TEST(no_setgid_stays_private)
{
	static const mode_t modes[] = {0777, 0770, 0700, 01777, 04777, 0};
	for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
		struct stat st = dir_with(S_IFDIR | modes[i]);
		mode_t d = UNSET, f = UNSET;
		ck_assert_msg(!dump_modes_for(&st, &d, &f), "mode %o", (unsigned)modes[i]);
		ck_assert_uint_eq(d, 0700);
		ck_assert_uint_eq(f, 0600);
	}
}
END_TEST

/* The set-group-ID bit of a regular file means something else (mandatory
 * locking, or set-gid on exec): not a directory, not shared. */
START_TEST(not_a_directory_stays_private)
{
	static const mode_t types[] = {S_IFREG, S_IFLNK, S_IFIFO, S_IFCHR, S_IFSOCK};
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		struct stat st = dir_with(types[i] | 02777);
		mode_t d = UNSET, f = UNSET;
		ck_assert(!dump_modes_for(&st, &d, &f));
		ck_assert_uint_eq(d, DUMP_DIR_MODE_PRIVATE);
		ck_assert_uint_eq(f, DUMP_FILE_MODE_PRIVATE);
	}
}
END_TEST

/* Whatever the directory, nothing is ever granted to "other", and the
 * owner keeps what a writer needs: over every permission and type bit. */
START_TEST(never_other_always_owner)
{
	static const mode_t types[] = {S_IFDIR, S_IFREG};
	for (size_t t = 0; t < 2; t++) {
		for (mode_t m = 0; m <= 07777; m++) {
			struct stat st = dir_with(types[t] | m);
			mode_t d = UNSET, f = UNSET;
			bool shared = dump_modes_for(&st, &d, &f);
			if ((d & 07) || (f & 07) || (d & 0700) != 0700 || (f & 0600) != 0600 ||
			    (f & 07111) || shared != (types[t] == S_IFDIR && (m & S_ISGID)))
				ck_abort_msg("type %o mode %o: dir %o file %o shared %d",
					     (unsigned)types[t], (unsigned)m, (unsigned)d, (unsigned)f,
					     shared);
		}
	}
}
END_TEST

/* The modes as created in a real directory: the kernel's part (group and
 * set-group-ID inherited on mkdir) plus ours. As any user: a directory we
 * own may be set-group-ID to our own group. */
START_TEST(kernel_inherits_what_we_grant)
{
	char root[] = "/tmp/check_dump_modes.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(chmod(root, 02770), 0);
	struct stat st;
	ck_assert_int_eq(stat(root, &st), 0);
	ck_assert_msg(st.st_mode & S_ISGID, "chmod 02770 did not set S_ISGID (%o)",
		      (unsigned)st.st_mode);

	mode_t d, f;
	ck_assert(dump_modes_for(&st, &d, &f));
	char sub[sizeof root + 8];
	snprintf(sub, sizeof sub, "%s/pod", root);
	mode_t old = umask(077);
	ck_assert_int_eq(mkdir(sub, DUMP_DIR_MODE_PRIVATE), 0);
	umask(old);
	struct stat sst;
	ck_assert_int_eq(stat(sub, &sst), 0);
	/* The kernel gave the new directory the set-group-ID bit: the files in
	 * it are shared too, and so are its own subdirectories. */
	ck_assert(sst.st_mode & S_ISGID);
	ck_assert_uint_eq(sst.st_gid, st.st_gid);
	ck_assert(dump_modes_for(&sst, &d, &f));
	ck_assert_int_eq(chmod(sub, d), 0);
	ck_assert_int_eq(stat(sub, &sst), 0);
	ck_assert_uint_eq(sst.st_mode & 07777, 02770);
	rmdir(sub);
	rmdir(root);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("dump_modes");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, setgid_volume_root_grants_group);
	tcase_add_test(tc, setgid_alone_decides);
	tcase_add_test(tc, no_setgid_stays_private);
	tcase_add_test(tc, not_a_directory_stays_private);
	tcase_add_test(tc, never_other_always_owner);
	tcase_add_test(tc, kernel_inherits_what_we_grant);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
