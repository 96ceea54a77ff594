/* procscan.c: stat and status parsing (hostile comm values), /proc listing. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procscan.h"

static const char *stat_tail = " S 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0\n";

static void make_stat(char *buf, size_t size, const char *comm, const char *tail)
{
	snprintf(buf, size, "100 (%s)%s", comm, tail);
}

START_TEST(stat_hostile_comm)
{
	static const char *comms[] = {"plain", "with space", "paren) S 1 2", ")", "((", ") (",
				      "a)b)c", ""};
	char buf[512];
	for (size_t i = 0; i < sizeof comms / sizeof *comms; i++) {
		struct proc_stat st;
		make_stat(buf, sizeof buf, comms[i], stat_tail);
		ck_assert_msg(proc_parse_stat(buf, &st) == 0, "comm \"%s\"", comms[i]);
		ck_assert_str_eq(st.comm, comms[i]);
		ck_assert_int_eq(st.state, 'S');
		ck_assert_int_eq(st.ppid, 1);
		ck_assert_uint_eq(st.flags, 4194560);
		ck_assert_uint_eq(st.starttime, 12345);
		ck_assert(!proc_is_kernel_thread(&st));
		ck_assert(!proc_is_zombie(&st));
	}
}
END_TEST

START_TEST(stat_kinds)
{
	char buf[512];
	struct proc_stat st;
	make_stat(buf, sizeof buf, "kthreadd",
		  " S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0\n");
	ck_assert_int_eq(proc_parse_stat(buf, &st), 0);
	ck_assert(proc_is_kernel_thread(&st));
	make_stat(buf, sizeof buf, "dead", " Z 1 100 100 0 -1 4194308 0 0 0 0 0 0 0 0 20 0 1 0 9 0 0\n");
	ck_assert_int_eq(proc_parse_stat(buf, &st), 0);
	ck_assert(proc_is_zombie(&st));
}
END_TEST

START_TEST(stat_garbage)
{
	static const char *bad[] = {
		"",
		"100",
		"100 (x",
		"100 x) S 1",
		"100 (x)S 1 2 3",
		"100 (x) S",
		"100 (x) S 1 100 100 0 -1 4194560 0 0\n",            /* too short for starttime */
		"100 (x) S one 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 12345\n",
		"100 (x) S 1 100 100 0 -1 0x10 0 0 0 0 0 0 0 0 20 0 1 0 12345\n",
		"100 (x) S 1 100 100 0 -1 1 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999999\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct proc_stat st;
		ck_assert_msg(proc_parse_stat(bad[i], &st) == -EINVAL, "\"%s\"", bad[i]);
	}
}
END_TEST

START_TEST(status_masks)
{
	const char *status = "Name:\tapp\nUid:\t1000\t1001\t1002\t1003\nSigQ:\t0/1\n"
			     "SigPnd:\t0000000000000000\nSigBlk:\t0000000000010000\n"
			     "SigIgn:\t0000000000001000\nSigCgt:\t0000000180000a00\n";
	struct proc_status st;
	ck_assert_int_eq(proc_parse_status(status, &st), 0);
	ck_assert(proc_sig_in(st.sig_caught, SIGUSR1));
	ck_assert(proc_sig_in(st.sig_caught, SIGUSR2));
	ck_assert(!proc_sig_in(st.sig_caught, SIGTERM));
	ck_assert(proc_sig_in(st.sig_caught, 32));
	ck_assert(proc_sig_in(st.sig_caught, 33));
	ck_assert(proc_sig_in(st.sig_ignored, SIGPIPE));
	ck_assert(proc_sig_in(st.sig_blocked, SIGCHLD));
	ck_assert(!proc_sig_in(st.sig_caught, 0));
	ck_assert(!proc_sig_in(st.sig_caught, 65));
	ck_assert(st.has_uid);
	ck_assert_int_eq(st.uid_real, 1000);
	ck_assert_int_eq(st.uid_effective, 1001);
	ck_assert_int_eq(st.uid_saved, 1002);

	static const char *bad[] = {
		"",
		"Name:\tx\n",
		"SigBlk:\t0\nSigIgn:\t0\n",                       /* no SigCgt */
		"SigBlk:\t0\nSigIgn:\t0\nSigCgt:\tzz\n",
		"SigBlk:\t0\nSigIgn:\t0\nSigCgt:\t12345678901234567890\n", /* overflow */
		"SigBlk:\t0\nSigIgn:\t0\nXSigCgt:\t1\n",          /* not at line start */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(proc_parse_status(bad[i], &st) == -EINVAL, "case %zu", i);
}
END_TEST

/* The Uid line: three or four blank-separated uids, or none at all (a
 * garbled Uid line is not an error: the masks are what the scan needs). */
START_TEST(status_uids)
{
	static const char sigs[] = "SigBlk:\t0\nSigIgn:\t0\nSigCgt:\t0\n";
	static const struct {
		const char *uid_line;
		bool has;
		uid_t real, effective, saved;
	} cases[] = {
		{"Uid:\t0\t0\t0\t0\n", true, 0, 0, 0},
		{"Uid: 1 2 3 4\n", true, 1, 2, 3},
		{"Uid:\t1\t2\t3\n", true, 1, 2, 3},
		{"Uid:\t1\t2\t3", true, 1, 2, 3}, /* the last line */
		{"Uid:\t 4294967295\t65534 \t007\t1\t\n", true, 4294967295u, 65534, 7},
		{"Uid:\t1\t2\n", false, 0, 0, 0},
		{"Uid:\t1\t2\n3\t4\n", false, 0, 0, 0}, /* not on the next line */
		{"Uid:\t1\t2\t\n3\n", false, 0, 0, 0},
		{"Uid:\n1\t2\t3\n", false, 0, 0, 0},
		{"Uid:\t-1\t2\t3\t4\n", false, 0, 0, 0}, /* no signs */
		{"Uid:\t1\t+2\t3\t4\n", false, 0, 0, 0},
		{"Uid:\t1\t2\tx\t4\n", false, 0, 0, 0},
		{"Uid:\t1x\t2\t3\t4\n", false, 0, 0, 0},
		{"Uid:\t1\t2\t3\t4\t5\n", false, 0, 0, 0}, /* more than four */
		{"Uid:\t4294967296\t2\t3\t4\n", false, 0, 0, 0}, /* past uid_t */
		{"Uid:\t12345678901\t2\t3\t4\n", false, 0, 0, 0},
		{"Uid:\t99999999999999999999999\t2\t3\t4\n", false, 0, 0, 0},
		{"Uid:\t1\t2\t3\t4\r\n", false, 0, 0, 0},
		{"XUid:\t1\t2\t3\t4\n", false, 0, 0, 0}, /* not at a line's start */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char buf[256];
		snprintf(buf, sizeof buf, "Name:\tx\n%s%s", sigs, cases[i].uid_line);
		struct proc_status st;
		ck_assert_int_eq(proc_parse_status(buf, &st), 0);
		ck_assert_msg(st.has_uid == cases[i].has, "case %zu: has_uid %d", i, st.has_uid);
		if (!cases[i].has)
			continue;
		ck_assert_msg(st.uid_real == cases[i].real && st.uid_effective == cases[i].effective &&
				      st.uid_saved == cases[i].saved,
			      "case %zu: %u %u %u", i, (unsigned)st.uid_real,
			      (unsigned)st.uid_effective, (unsigned)st.uid_saved);
	}
}
END_TEST

/* The real thing: our own status says we catch what we installed. */
START_TEST(status_of_self)
{
	struct sigaction sa = {.sa_handler = SIG_IGN};
	sigaction(SIGUSR2, &sa, NULL);
	char buf[4096];
	ck_assert_int_gt(proc_read("/proc", getpid(), "status", buf, sizeof buf), 0);
	struct proc_status st;
	ck_assert_int_eq(proc_parse_status(buf, &st), 0);
	ck_assert(proc_sig_in(st.sig_ignored, SIGUSR2));
	ck_assert(!proc_sig_in(st.sig_caught, SIGUSR2));
	ck_assert_int_eq(st.uid_real, getuid());
	ck_assert_int_lt(proc_read("/proc", getpid(), "no-such-file", buf, sizeof buf), 0);
}
END_TEST

START_TEST(list_fixture_pids)
{
	char root[512];
	snprintf(root, sizeof root, "%s/v1/proc", FIXTURES);
	struct pid_list l = {0};
	ck_assert_int_eq(proc_list_pids(root, &l), 0);
	/* "self" is not a pid; the rest come sorted. */
	static const pid_t want[] = {2, 100, 101, 102, 200, 300, 400, 500, 600, 700};
	ck_assert_uint_eq(l.len, sizeof want / sizeof *want);
	for (size_t i = 0; i < l.len; i++)
		ck_assert_int_eq(l.pids[i], want[i]);
	ck_assert_int_eq(proc_list_pids("/nonexistent", &l), -ENOENT);
	pid_list_free(&l);
}
END_TEST

START_TEST(list_real_proc_has_self)
{
	struct pid_list l = {0};
	ck_assert_int_eq(proc_list_pids("/proc", &l), 0);
	bool found = false;
	for (size_t i = 0; i < l.len; i++) {
		if (i)
			ck_assert_int_lt(l.pids[i - 1], l.pids[i]);
		found |= l.pids[i] == getpid();
	}
	ck_assert(found);
	pid_list_free(&l);
}
END_TEST

/* A dying process: PF_EXITING (0x4) in the flags, or already a zombie. */
START_TEST(stat_exiting)
{
	struct proc_stat st;
	ck_assert_int_eq(proc_parse_stat("7 (x) R 1 7 7 0 -1 4194564 0 0 0 0 0 0 0 0 20 0 1 0 55 "
					 "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
					 &st), 0);
	ck_assert(proc_is_exiting(&st));
	ck_assert(!proc_is_zombie(&st));
	ck_assert_int_eq(proc_parse_stat("7 (x) R 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 55 "
					 "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
					 &st), 0);
	ck_assert(!proc_is_exiting(&st));
	ck_assert_int_eq(proc_parse_stat("7 (x) Z 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 55 "
					 "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
					 &st), 0);
	ck_assert(proc_is_exiting(&st));
}
END_TEST

START_TEST(parse_pid)
{
	ck_assert_int_eq(proc_parse_pid("1"), 1);
	ck_assert_int_eq(proc_parse_pid("4194304"), 4194304);
	ck_assert_int_eq(proc_parse_pid("2147483647"), 2147483647);
	static const char *const bad[] = {"", "0", "-1", "+1", " 1", "1 ", "1x", "self",
					  "2147483648", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(proc_parse_pid(bad[i]) == -1, "accepted \"%s\"", bad[i]);
}
END_TEST

/* The sidecar tells itself apart by the pid its /proc root names, never by
 * getpid(): in a fixture tree a real pid may equal a listed one. */
START_TEST(self_pid_of_root)
{
	ck_assert_int_eq(proc_self_pid("/proc"), getpid());
	ck_assert_int_eq(proc_self_pid(FIXTURES "/v1/proc"), -1);
	ck_assert_int_eq(proc_self_pid("/nonexistent"), -1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("procscan");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, stat_hostile_comm);
	tcase_add_test(tc, stat_kinds);
	tcase_add_test(tc, stat_garbage);
	tcase_add_test(tc, status_masks);
	tcase_add_test(tc, status_uids);
	tcase_add_test(tc, status_of_self);
	tcase_add_test(tc, list_fixture_pids);
	tcase_add_test(tc, list_real_proc_has_self);
	tcase_add_test(tc, stat_exiting);
	tcase_add_test(tc, parse_pid);
	tcase_add_test(tc, self_pid_of_root);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
