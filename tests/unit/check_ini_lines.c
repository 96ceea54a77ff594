/* Unit tests for src/ini_lines.h: lines counted, indentation and comments
 * taken off, overlong lines skipped and remembered, files that are no
 * regular files refused. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ini_lines.h"

static char path[256];

/* Writes text to a fresh temporary file named in path. */
static void write_temp(const char *text)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, sizeof path, "%s/check_ini_lines_%ld_XXXXXX", dir && *dir ? dir : "/tmp",
		 (long)getpid());
	int fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp %s", path);
	size_t len = strlen(text);
	ck_assert_msg(write(fd, text, len) == (ssize_t)len, "write %s", path);
	close(fd);
}

/* Opens text as a file; the file is gone once open. */
static void open_text(struct ini_lines *l, const char *text)
{
	write_temp(text);
	ck_assert_int_eq(ini_lines_open(l, path), 0);
	unlink(path);
}

/* The next line read with a buffer of num bytes, or NULL at the end. */
static const char *next(struct ini_lines *l, int num)
{
	static char buf[256];
	ck_assert(num <= (int)sizeof buf);
	return ini_lines_read(buf, num, l);
}

START_TEST(lines_counted_and_unindented)
{
	struct ini_lines l;
	open_text(&l, "a = 1\n  b = 2\n\t c=3\n\nlast");
	ck_assert_str_eq(next(&l, 200), "a = 1\n");
	ck_assert_int_eq(l.line, 1);
	ck_assert_str_eq(next(&l, 200), "b = 2\n");
	ck_assert_str_eq(next(&l, 200), "c=3\n");
	ck_assert_str_eq(next(&l, 200), "\n");
	ck_assert_str_eq(next(&l, 200), "last");
	ck_assert_int_eq(l.line, 5);
	ck_assert_ptr_null(next(&l, 200));
	ck_assert_int_eq(l.line, 5);
	ck_assert_int_eq(l.long_line, 0);
	ini_lines_close(&l);
	ck_assert_ptr_null(l.f);
	ini_lines_close(&l);
}
END_TEST

/* With 16 bytes a line may have 14 characters and its newline. A longer line
 * reads as an empty one, whole (no piece of it is left for the next read),
 * and the first one is remembered. */
START_TEST(long_lines)
{
	struct ini_lines l;
	open_text(&l, "14 characters.\n"
		      "fifteen chars..\n"
		      "next = 1\n"
		      "another long line\n"
		      "last without newline");
	ck_assert_str_eq(next(&l, 16), "14 characters.\n");
	ck_assert_int_eq(l.long_line, 0);
	ck_assert_str_eq(next(&l, 16), "");
	ck_assert_int_eq(l.long_line, 2);
	ck_assert_int_eq(l.longest, 14);
	ck_assert_str_eq(next(&l, 16), "next = 1\n");
	ck_assert_str_eq(next(&l, 16), "");
	ck_assert_str_eq(next(&l, 16), "");
	ck_assert_int_eq(l.line, 5);
	ck_assert_int_eq(l.long_line, 2);
	ck_assert_ptr_null(next(&l, 16));
	ini_lines_close(&l);
}
END_TEST

/* A last line without its newline may have 14 characters too. */
START_TEST(last_line_without_newline)
{
	struct ini_lines l;
	open_text(&l, "x\n14 characters");
	ck_assert_str_eq(next(&l, 16), "x\n");
	ck_assert_str_eq(next(&l, 16), "14 characters");
	ck_assert_int_eq(l.long_line, 0);
	ck_assert_ptr_null(next(&l, 16));
	ini_lines_close(&l);
}
END_TEST

/* ';' and '#' alike begin a comment at the start of a line or after a
 * blank; inside a word they are part of it. The newline stays, so the line
 * count and an empty line stay as they were. */
START_TEST(comments_cut)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"warning = 80 # c\n", "warning = 80\n"},
		{"warning = 80 ; c\n", "warning = 80\n"},
		{"warning = 80\t#c\n", "warning = 80\n"},
		{"warning = 80  #  ; two\n", "warning = 80\n"},
		{"warning = 80 # c\r\n", "warning = 80\n"},
		{"warning = 80 # no newline", "warning = 80"},
		{"# a comment\n", "\n"},
		{"; a comment\n", "\n"},
		{"   # indented\n", "\n"},
		{"\t; indented\n", "\n"},
		{"#\n", "\n"},
		{"[oomsentry] # section\n", "[oomsentry]\n"},
		{"[oomsentry] ; section\n", "[oomsentry]\n"},
		{"[oom #x]\n", "[oom\n"},
		/* Inside a word: kept. */
		{"go_pprof = http://h:6060/x#y\n", "go_pprof = http://h:6060/x#y\n"},
		{"include = a#b,c;d\n", "include = a#b,c;d\n"},
		{"warning = 80%#c\n", "warning = 80%#c\n"},
		{"[a#b]\n", "[a#b]\n"},
		/* Right after '=', as libinih takes ';' there: kept. */
		{"include =#a\n", "include =#a\n"},
		/* After the blank that follows '=': the whole value is a comment. */
		{"include = #a\n", "include =\n"},
		{"warning = 80 #\n", "warning = 80\n"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct ini_lines l;
		open_text(&l, cases[i].in);
		const char *got = next(&l, 200);
		ck_assert_msg(got && strcmp(got, cases[i].out) == 0, "\"%s\" read as \"%s\"",
			      cases[i].in, got ? got : "(null)");
		ck_assert_int_eq(l.line, 1);
		ini_lines_close(&l);
	}
}
END_TEST

START_TEST(open_errors)
{
	struct ini_lines l;
	ck_assert_int_eq(ini_lines_open(&l, "/nonexistent/oomsentry.ini"), ENOENT);
	ck_assert_ptr_null(l.f);
	ck_assert_int_eq(ini_lines_open(&l, "/"), EISDIR);
	ck_assert_ptr_null(l.f);
	ck_assert_int_eq(ini_lines_open(&l, "/dev/null"), EISDIR);
	ck_assert_ptr_null(l.f);
	ini_lines_close(&l);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ini_lines");
	TCase *tc = tcase_create("read");
	tcase_add_test(tc, lines_counted_and_unindented);
	tcase_add_test(tc, long_lines);
	tcase_add_test(tc, last_line_without_newline);
	tcase_add_test(tc, comments_cut);
	tcase_add_test(tc, open_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
