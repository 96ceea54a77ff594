/* Unit tests for src/commfilter.h: pattern lists as users write them, and
 * which command names they select. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commfilter.h"

#define N(a) (sizeof(a) / sizeof *(a))

START_TEST(parse_good)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"", ""},
		{"nginx", "nginx"},
		{"nginx,php-*", "nginx,php-*"},
		{" nginx , php-* ", "nginx,php-*"},
		{"\tnginx\t,\tphp-*\t", "nginx,php-*"},
		{"web content", "web content"},
		{"a  b,c", "a  b,c"},
		{"[ab]x,?y,a\\*", "[ab]x,?y,a\\*"},
		{"\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char out[COMMFILTER_MAX];
		const char *why = NULL;
		int r = commfilter_parse(cases[i].in, out, &why);
		ck_assert_msg(r == 0, "\"%s\": returned %d (%s)", cases[i].in, r, why ? why : "");
		ck_assert_msg(strcmp(out, cases[i].out) == 0, "\"%s\" stored as \"%s\"", cases[i].in,
			      out);
	}
}
END_TEST

START_TEST(parse_bad)
{
	static const struct {
		const char *in, *why;
		int err;
	} cases[] = {
		{"a,,b", "empty name in list", -EINVAL},
		{",", "empty name in list", -EINVAL},
		{"a,", "empty name in list", -EINVAL},
		{",a", "empty name in list", -EINVAL},
		{" , a", "empty name in list", -EINVAL},
		{"a, ,b", "empty name in list", -EINVAL},
		{" ", "empty name in list", -EINVAL},
		{"a\x01", "control character in a name", -EINVAL},
		{"a\tb", "control character in a name", -EINVAL},
		{"a\nb", "control character in a name", -EINVAL},
		{"del\x7f", "control character in a name", -EINVAL},
		/* The first bad item is the one reported. */
		{"a,,\x01", "empty name in list", -EINVAL},
		{"\x01,,a", "control character in a name", -EINVAL},
		{"\x01,", "control character in a name", -EINVAL},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char out[COMMFILTER_MAX] = "untouched";
		const char *why = NULL;
		int r = commfilter_parse(cases[i].in, out, &why);
		ck_assert_msg(r == cases[i].err, "\"%s\": returned %d", cases[i].in, r);
		ck_assert_msg(why && strcmp(why, cases[i].why) == 0, "\"%s\": reason \"%s\"",
			      cases[i].in, why ? why : "");
		ck_assert_msg(strcmp(out, "untouched") == 0, "\"%s\": out written on error",
			      cases[i].in);
	}
}
END_TEST

/* 180 characters fit; 181 are refused whole, even with blanks that would
 * come off. */
START_TEST(parse_length)
{
	char in[COMMFILTER_MAX + 1], out[COMMFILTER_MAX];
	const char *why = NULL;
	memset(in, 'x', COMMFILTER_MAX - 1);
	in[COMMFILTER_MAX - 1] = '\0';
	ck_assert_int_eq(commfilter_parse(in, out, &why), 0);
	ck_assert_str_eq(out, in);

	in[0] = ' ';
	in[COMMFILTER_MAX - 1] = ' ';
	in[COMMFILTER_MAX] = '\0';
	strcpy(out, "untouched");
	ck_assert_int_eq(commfilter_parse(in, out, &why), -ERANGE);
	ck_assert_str_eq(why, "list too long");
	ck_assert_str_eq(out, "untouched");
}
END_TEST

START_TEST(matches)
{
	static const struct {
		const char *list, *comm;
		bool want;
	} cases[] = {
		{"", "anything", false},
		{"nginx", "nginx", true},
		{"nginx", "nginx2", false},
		{"nginx", "NGINX", false},
		{"nginx,php-*", "php-fpm", true},
		{"nginx,php-*", "php", false},
		{"a,b,c", "c", true},
		{"*", "", true},
		{"?", "", false},
		{"[ab]x", "bx", true},
		{"[!a]x", "ax", false},
		{"a\\*", "a*", true},
		{"a\\*", "ab", false},
		{"[x", "[x", true},
		{"web content", "web content", true},
	};
	for (size_t i = 0; i < N(cases); i++)
		ck_assert_msg(commfilter_matches(cases[i].list, cases[i].comm) == cases[i].want,
			      "list \"%s\" comm \"%s\": want %d", cases[i].list, cases[i].comm,
			      cases[i].want);
}
END_TEST

/* A list that commfilter_parse did not store, with an item longer than any it
 * stores: that item matches nothing, the others still do. */
START_TEST(matches_unchecked_list)
{
	char list[2 * COMMFILTER_MAX + 16];
	memset(list, '*', COMMFILTER_MAX + 10);
	strcpy(list + COMMFILTER_MAX + 10, ",sh");
	ck_assert(!commfilter_matches(list, "bash"));
	ck_assert(commfilter_matches(list, "sh"));
}
END_TEST

/* Selected: matched by include, or include empty, and not by exclude. */
START_TEST(selected)
{
	static const struct {
		const char *include, *exclude;
		const char *in, *out; /* a comm selected and one not, or NULL */
	} cases[] = {
		{"", "", "anything", NULL},
		{"", "", "", NULL},
		{"nginx", "", "nginx", "bash"},
		{"", "sh,bash", "zsh", "bash"},
		{"php-*", "php-fpm*", "php-cli", "php-fpm"},
		{"a", "a", NULL, "a"},
		{"*", "*", NULL, "a"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		const char *inc = cases[i].include, *exc = cases[i].exclude;
		if (cases[i].in)
			ck_assert_msg(commfilter_selected(inc, exc, cases[i].in),
				      "\"%s\"/\"%s\": \"%s\" not selected", inc, exc, cases[i].in);
		if (cases[i].out)
			ck_assert_msg(!commfilter_selected(inc, exc, cases[i].out),
				      "\"%s\"/\"%s\": \"%s\" selected", inc, exc, cases[i].out);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("commfilter");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, parse_good);
	tcase_add_test(tc, parse_bad);
	tcase_add_test(tc, parse_length);
	suite_add_tcase(s, tc);
	tc = tcase_create("match");
	tcase_add_test(tc, matches);
	tcase_add_test(tc, matches_unchecked_list);
	tcase_add_test(tc, selected);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
