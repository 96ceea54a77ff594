/* Unit tests for src/common/signame.h: names <-> numbers, and what an uncaught
 * signal does. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signame.h"

#define N(a) (sizeof(a) / sizeof *(a))

START_TEST(parse_good)
{
	const struct {
		const char *in;
		int want;
	} cases[] = {
		{"SIGUSR1", SIGUSR1},
		{"usr1", SIGUSR1},
		{"USR2", SIGUSR2},
		{"sigusr2", SIGUSR2},
		{"SigTerm", SIGTERM},
		{"TERM", SIGTERM},
		{"SIGKILL", SIGKILL},
		{"HUP", SIGHUP},
		{"SIGINT", SIGINT},
		{"SIGQUIT", SIGQUIT},
		{"SIGABRT", SIGABRT},
		{"SIGIOT", SIGABRT},
		{"SIGCHLD", SIGCHLD},
		{"SIGCONT", SIGCONT},
		{"SIGSTOP", SIGSTOP},
		{"SIGWINCH", SIGWINCH},
		{"SIGPWR", SIGPWR},
		{"SIGSYS", SIGSYS},
		{"SIGIO", SIGIO},
		{"SIGPOLL", SIGPOLL},
		{"10", 10},
		{"1", 1},
		{"9", 9},
		{"012", 12},
		{"SIGRTMIN", SIGRTMIN},
		{"rtmin", SIGRTMIN},
		{"SIGRTMIN+3", SIGRTMIN + 3},
		{"RTMIN+0", SIGRTMIN},
		{"RTMIN+003", SIGRTMIN + 3},
		{"SIGRTMAX", SIGRTMAX},
		{"RTMAX-1", SIGRTMAX - 1},
		{"sigrtmax-0", SIGRTMAX},
	};
	for (size_t i = 0; i < N(cases); i++) {
		int signo = -42;
		int r = signame_parse(cases[i].in, &signo);
		ck_assert_msg(r == 0, "input %s: returned %d", cases[i].in, r);
		ck_assert_msg(signo == cases[i].want, "input %s: got %d, want %d", cases[i].in,
			      signo, cases[i].want);
	}
}
END_TEST

/* The whole real-time range, both ways of counting. */
START_TEST(parse_rt_range)
{
	for (int k = 0; k <= SIGRTMAX - SIGRTMIN; k++) {
		char in[32];
		int signo = -42;
		snprintf(in, sizeof in, "SIGRTMIN+%d", k);
		ck_assert_msg(signame_parse(in, &signo) == 0 && signo == SIGRTMIN + k,
			      "input %s: got %d", in, signo);
		snprintf(in, sizeof in, "RTMAX-%d", k);
		signo = -42;
		ck_assert_msg(signame_parse(in, &signo) == 0 && signo == SIGRTMAX - k,
			      "input %s: got %d", in, signo);
	}
}
END_TEST

START_TEST(parse_bad)
{
	char too_far_up[32], too_far_down[32], too_big[16];
	snprintf(too_far_up, sizeof too_far_up, "RTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
	snprintf(too_far_down, sizeof too_far_down, "RTMAX-%d", SIGRTMAX - SIGRTMIN + 1);
	snprintf(too_big, sizeof too_big, "%d", SIGRTMAX + 1);
	const char *const cases[] = {
		"",
		"0",
		"00",
		"65",
		too_big,
		"999",
		"1000",
		"99999999999999999999",
		"SIGFOO",
		"FOO",
		"SIG",
		"SIGSIGUSR1",
		"SIGUSR",
		"USR3",
		"SIGUSR1 ",
		"RTMIN+99",
		"RTMIN-1",
		"RTMAX+1",
		"RTMIN+",
		"RTMAX-",
		"RTMIN+x",
		"RTMIN+1x",
		"RTMIN+-1",
		"RTMIN 1",
		too_far_up,
		too_far_down,
		"1x",
		" 10",
		"10 ",
		"-1",
		"+1",
		"0x1",
		"1.0",
		"SIG10",
	};
	for (size_t i = 0; i < N(cases); i++) {
		int signo = -42;
		int r = signame_parse(cases[i], &signo);
		ck_assert_msg(r == -EINVAL, "input \"%s\": returned %d", cases[i], r);
		ck_assert_msg(signo == -42, "input \"%s\": output changed to %d", cases[i], signo);
	}
}
END_TEST

START_TEST(parse_null)
{
	int signo = -42;
	ck_assert_int_eq(signame_parse(NULL, &signo), -EINVAL);
	ck_assert_int_eq(signo, -42);
}
END_TEST

START_TEST(format_known)
{
	const struct {
		int signo;
		const char *want;
	} cases[] = {
		{SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"}, {SIGTERM, "SIGTERM"},
		{SIGKILL, "SIGKILL"}, {SIGHUP, "SIGHUP"},   {SIGABRT, "SIGABRT"},
		{SIGCHLD, "SIGCHLD"}, {SIGSYS, "SIGSYS"},   {SIGRTMIN, "SIGRTMIN"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char buf[16];
		const char *got = signame_format(cases[i].signo, buf, sizeof buf);
		ck_assert_msg(got != NULL && strcmp(got, cases[i].want) == 0,
			      "signal %d: got %s, want %s", cases[i].signo, got ? got : "(null)",
			      cases[i].want);
	}
	char buf[16], want[16];
	snprintf(want, sizeof want, "SIGRTMIN+%d", 3);
	ck_assert_str_eq(signame_format(SIGRTMIN + 3, buf, sizeof buf), want);
}
END_TEST

START_TEST(reserved_numbers)
{
	int signo;
	for (int n = 32; n < SIGRTMIN; n++) {
		char num[16];
		snprintf(num, sizeof num, "%d", n);
		ck_assert_msg(signame_parse(num, &signo) == -EINVAL, "%d accepted", n);
	}
	ck_assert_int_eq(signame_parse("SIGRTMIN", &signo), 0);
	ck_assert_int_eq(signo, SIGRTMIN);
}
END_TEST

/* Every signal formats to something that fits 16 bytes and parses back to
 * the same number. */
START_TEST(format_round_trip_all)
{
	for (int signo = 1; signo <= SIGRTMAX; signo++) {
		if (signo > 31 && signo < SIGRTMIN)
			continue; /* glibc's own: refused, see reserved_numbers */
		char buf[16];
		memset(buf, 'x', sizeof buf);
		const char *s = signame_format(signo, buf, sizeof buf);
		ck_assert_msg(s != NULL, "signal %d: NULL", signo);
		ck_assert_msg(memchr(s, '\0', 16) != NULL && strlen(s) < 15,
			      "signal %d: \"%.16s\" does not fit", signo, s);
		int back = -42;
		int r = signame_parse(s, &back);
		ck_assert_msg(r == 0, "signal %d -> \"%s\": parse returned %d", signo, s, r);
		ck_assert_msg(back == signo, "signal %d -> \"%s\" -> %d", signo, s, back);
	}
}
END_TEST

START_TEST(default_harms)
{
	for (int signo = 1; signo <= SIGRTMAX; signo++) {
		bool harmless = signo == SIGCHLD || signo == SIGURG || signo == SIGWINCH ||
				signo == SIGCONT;
		ck_assert_msg(signame_default_harms(signo) == !harmless, "signal %d: got %d", signo,
			      signame_default_harms(signo));
	}
	/* The ones that matter most, spelled out. */
	ck_assert(signame_default_harms(SIGUSR1));
	ck_assert(signame_default_harms(SIGUSR2));
	ck_assert(signame_default_harms(SIGRTMIN));
	ck_assert(signame_default_harms(SIGSTOP));
	ck_assert(signame_default_harms(SIGTSTP));
	ck_assert(!signame_default_harms(SIGCHLD));
	ck_assert(!signame_default_harms(SIGWINCH));
}
END_TEST

START_TEST(meant_to_stop)
{
	const struct {
		int signo;
		bool want;
	} cases[] = {
		{SIGTERM, true},   {SIGINT, true},    {SIGQUIT, true},    {SIGKILL, true},
		{SIGABRT, true},   {SIGUSR1, false},  {SIGUSR2, false},   {SIGHUP, false},
		{SIGCHLD, false},  {SIGWINCH, false}, {SIGCONT, false},   {SIGPWR, false},
		{SIGRTMIN, false}, {SIGRTMAX, false}, {SIGALRM, false},
	};
	for (size_t i = 0; i < N(cases); i++)
		ck_assert_msg(signame_meant_to_stop(cases[i].signo) == cases[i].want,
			      "signal %d: got %d", cases[i].signo,
			      signame_meant_to_stop(cases[i].signo));
}
END_TEST

/* The warning and critical signals may not be the same; "none" (0) twice is
 * no clash. */
START_TEST(clash)
{
	const struct {
		int warning, critical;
		const char *name; /* NULL: no clash */
	} cases[] = {
		{SIGUSR1, SIGUSR2, NULL},
		{SIGUSR2, SIGUSR2, "SIGUSR2"},
		{SIGTERM, SIGTERM, "SIGTERM"},
		{SIGRTMIN + 3, SIGRTMIN + 3, "SIGRTMIN+3"},
		{SIGRTMIN + 3, SIGRTMIN + 4, NULL},
		{0, 0, NULL},
		{SIGUSR1, 0, NULL},
		{0, SIGUSR1, NULL},
	};
	for (size_t i = 0; i < N(cases); i++) {
		int w = cases[i].warning, c = cases[i].critical;
		char buf[16] = "untouched";
		const char *got = signame_clash(w, c, buf, sizeof buf);
		if (!cases[i].name) {
			ck_assert_msg(!got, "%d/%d: clash \"%s\"", w, c, got);
			continue;
		}
		ck_assert_msg(got == buf, "%d/%d: no clash", w, c);
		ck_assert_str_eq(got, cases[i].name);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("signame");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, parse_good);
	tcase_add_test(tc, parse_rt_range);
	tcase_add_test(tc, parse_bad);
	tcase_add_test(tc, parse_null);
	suite_add_tcase(s, tc);
	tc = tcase_create("format");
	tcase_add_test(tc, format_known);
	tcase_add_test(tc, format_round_trip_all);
	tcase_add_test(tc, reserved_numbers);
	suite_add_tcase(s, tc);
	tc = tcase_create("actions");
	tcase_add_test(tc, default_harms);
	tcase_add_test(tc, meant_to_stop);
	tcase_add_test(tc, clash);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
