/* webhook_fmt: the JSON reader, the bodies (json as is, Slack summaries per
 * event), the headers file, and what a reply's status means. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_fmt.h"

static struct wjson *ev;

static void setup(void)
{
	ev = malloc(sizeof *ev);
	ck_assert_ptr_nonnull(ev);
}

static void teardown(void)
{
	free(ev);
}

/* Parses an exact-size heap copy: a read past len is ASan's to report. */
static int parse(const char *s, const char **why)
{
	size_t n = strlen(s);
	char *b = malloc(n ? n : 1);
	memcpy(b, s, n);
	int e = wjson_parse(b, n, ev, why);
	free(b);
	return e;
}

static const char OOM[] =
	"{\"ts\":\"2026-12-02T23:06:44.700Z\",\"level\":\"error\",\"event\":\"oom_kill\","
	"\"cgroup\":\"/kubepods/burstable/pod1/abc\",\"comm\":\"java\",\"oom_kills\":1,"
	"\"last_level\":\"critical\",\"last_signal\":\"SIGUSR2\",\"last_signal_level\":\"critical\","
	"\"since_last_signal_ms\":1234,\"last_usage_bytes\":536870912,\"limit_bytes\":536870912,"
	"\"seq\":12,\"boot\":\"1764717000123-1\"}";

START_TEST(json_reads)
{
	const char *why;
	ck_assert_int_eq(parse(OOM, &why), 0);
	ck_assert_ptr_null(why);
	ck_assert_uint_eq(ev->n, 14);
	ck_assert_str_eq(wjson_get(ev, "event"), "oom_kill");
	ck_assert_int_eq(ev->f[5].type, WJSON_NUMBER);
	uint64_t v;
	ck_assert(wjson_get_u64(ev, "seq", &v));
	ck_assert_uint_eq(v, 12);
	ck_assert(!wjson_get_u64(ev, "comm", &v));
	ck_assert_ptr_null(wjson_get(ev, "nope"));

	ck_assert_int_eq(parse(" { } ", &why), 0);
	ck_assert_uint_eq(ev->n, 0);
	ck_assert_int_eq(parse("{\"a\":true,\"b\":false,\"c\":null,\"d\":-0.5e+3,\"e\":0}", &why), 0);
	ck_assert_int_eq(ev->f[0].type, WJSON_BOOL);
	ck_assert_str_eq(ev->f[1].value, "false");
	ck_assert_int_eq(ev->f[2].type, WJSON_NULL);
	ck_assert_str_eq(ev->f[3].value, "-0.5e+3");
	ck_assert(!wjson_get_u64(ev, "d", &v));
	/* Escapes, \u, surrogate pairs, raw UTF-8. */
	ck_assert_int_eq(parse("{\"k\\u00e9\":\"a\\\"b\\\\c\\/d\\n\\t\\u20ac\\ud83d\\ude00\xc3\xa9\"}",
			       &why), 0);
	ck_assert_str_eq(ev->f[0].key, "k\xc3\xa9");
	ck_assert_str_eq(ev->f[0].value, "a\"b\\c/d\n\t\xe2\x82\xac\xf0\x9f\x98\x80\xc3\xa9");
}
END_TEST

START_TEST(json_refuses)
{
	static const char *const bad[] = {
		"", "[]", "{", "{\"a\":1", "{\"a\":1,}", "{,}", "{\"a\"}", "{\"a\":}", "{a:1}",
		"{\"a\":{}}", "{\"a\":[1]}", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":01}",
		"{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":1e}", "{\"a\":tru}",
		"{\"a\":True}", "{\"a\":\"x\ny\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
		"{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}",
		"{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"\xc3\"}", "{\"a\":\"\xc0\xaf\"}",
		"{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xf5\x80\x80\x80\"}", "{\"a\":1,\"a\":2}",
		"{'a':1}", "\xef\xbb\xbf{}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *why = NULL;
		ck_assert_msg(parse(bad[i], &why) == -EINVAL, "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(why);
		ck_assert_uint_eq(ev->n, 0);
	}
	/* Bounds: members and size. */
	char buf[WJSON_INPUT_MAX + 2];
	size_t n = 0;
	buf[n++] = '{';
	for (int i = 0; i <= WJSON_FIELDS_MAX; i++)
		n += (size_t)sprintf(buf + n, "%s\"k%d\":%d", i ? "," : "", i, i);
	buf[n++] = '}';
	buf[n] = '\0';
	const char *why;
	ck_assert_int_eq(parse(buf, &why), -EINVAL);
	ck_assert_str_eq(why, "too many members");
	memset(buf, ' ', sizeof buf);
	memcpy(buf, "{}", 2);
	ck_assert_int_eq(wjson_parse(buf, WJSON_INPUT_MAX, ev, &why), 0);
	ck_assert_int_eq(wjson_parse(buf, WJSON_INPUT_MAX + 1, ev, &why), -E2BIG);
	/* The largest string the bound allows fits the store. */
	buf[0] = '{';
	memcpy(buf + 1, "\"k\":\"", 5);
	memset(buf + 6, 'v', WJSON_INPUT_MAX - 8);
	memcpy(buf + WJSON_INPUT_MAX - 2, "\"}", 2);
	ck_assert_int_eq(wjson_parse(buf, WJSON_INPUT_MAX, ev, &why), 0);
	ck_assert_uint_eq(strlen(ev->f[0].value), WJSON_INPUT_MAX - 8);
}
END_TEST

START_TEST(escape)
{
	char out[64];
	const char s[] = "a\"b\\c\n\x01\x7f\xc3\xa9";
	size_t need = webhook_json_escape(out, sizeof out, s, sizeof s - 1);
	ck_assert_str_eq(out, "a\\\"b\\\\c\\n\\u0001\\u007f\xc3\xa9");
	ck_assert_uint_eq(need, strlen(out));
	/* Too small: a prefix, never half an escape. */
	char small[5];
	ck_assert_uint_eq(webhook_json_escape(small, sizeof small, "ab\"cd", 5), 6);
	ck_assert_str_eq(small, "ab\\\"");
	ck_assert_uint_eq(webhook_json_escape(small, 4, "ab\"cd", 5), 6);
	ck_assert_str_eq(small, "ab");
	ck_assert_uint_eq(webhook_json_escape(NULL, 0, "ab", 2), 2);
}
END_TEST

static const char *summary(const char *line)
{
	static char out[WEBHOOK_SUMMARY_MAX];
	const char *why;
	ck_assert_msg(parse(line, &why) == 0, "%s: %s", line, why);
	webhook_summary(ev, out, sizeof out);
	return out;
}

START_TEST(summaries)
{
	ck_assert_str_eq(summary(OOM),
			 "oomsentry: oom_kill in /kubepods/burstable/pod1/abc (comm java), last level "
			 "critical, last signal SIGUSR2 1234 ms before, usage 512 MiB of 512 MiB "
			 "(kill #1)");
	ck_assert_str_eq(summary("{\"event\":\"oom_kill\",\"cgroup\":\"/c\",\"comm\":\"java\","
				 "\"pod\":\"web-1\",\"namespace\":\"prod\",\"last_level\":\"normal\","
				 "\"last_signal\":\"none\"}"),
			 "oomsentry: oom_kill in /c (comm java) on pod prod/web-1, last level normal, "
			 "no signal sent before");
	ck_assert_str_eq(summary("{\"event\":\"level\",\"cgroup\":\"/c\",\"comm\":\"java\","
				 "\"from\":\"normal\",\"to\":\"warning\",\"metric\":\"working_set\","
				 "\"value_bytes\":429496730,\"limit_bytes\":536870912,\"pct\":80.0}"),
			 "oomsentry: memory level now warning (was normal) in /c (comm java): 410 MiB "
			 "(80.0% of 512 MiB) working_set");
	ck_assert_str_eq(summary("{\"event\":\"signal_sent\",\"pid\":42,\"comm\":\"java\","
				 "\"signal\":\"SIGUSR2\",\"memory_level\":\"critical\",\"cgroup\":\"/c\"}"),
			 "oomsentry: sent SIGUSR2 to java (pid 42) in /c, memory level critical");
	ck_assert_str_eq(summary("{\"event\":\"signal_skipped\",\"pid\":42,\"comm\":\"node\","
				 "\"signal\":\"SIGUSR2\",\"memory_level\":\"warning\","
				 "\"cgroup\":\"/c\",\"reason\":\"no handler\"}"),
			 "oomsentry: did not send SIGUSR2 to node (pid 42) in /c, memory level "
			 "warning: no handler");
	ck_assert_str_eq(summary("{\"event\":\"dump_written\",\"pid\":42,\"comm\":\"java\","
				 "\"action\":\"heap_dump\",\"path\":\"/dumps/a.hprof\","
				 "\"bytes\":1610612736,\"took_ms\":900}"),
			 "oomsentry: heap_dump of java (pid 42) written: /dumps/a.hprof (1.5 GiB, "
			 "took 900 ms)");
	ck_assert_str_eq(summary("{\"event\":\"action_failed\",\"pid\":42,\"comm\":\"java\","
				 "\"action\":\"heap_dump\",\"reason\":\"disk full\"}"),
			 "oomsentry: action heap_dump for java (pid 42) failed: disk full");
	ck_assert_str_eq(summary("{\"event\":\"action_failed\",\"reason\":\"cannot fork\"}"),
			 "oomsentry: action for a process failed: cannot fork");
	ck_assert_str_eq(summary("{\"event\":\"start\",\"version\":\"1.2.0\",\"warning\":\"80%\","
				 "\"critical\":\"90%\",\"metric\":\"working_set\",\"dry_run\":true}"),
			 "oomsentry: started version 1.2.0, warning at 80%, critical at 90% of "
			 "working_set (dry run: no signal is sent)");
	ck_assert_str_eq(summary("{\"event\":\"stop\",\"signal\":\"SIGTERM\"}"),
			 "oomsentry: stopped (SIGTERM)");
	ck_assert_str_eq(summary("{\"ts\":\"x\",\"event\":\"container_found\",\"cgroup\":\"/c\","
				 "\"cgroup_version\":2,\"seq\":3,\"boot\":\"b\"}"),
			 "oomsentry: container_found cgroup=/c cgroup_version=2");
	ck_assert_str_eq(summary("{\"a\":1}"), "oomsentry: event a=1");
	/* Slack's control characters and line breaks in values. */
	ck_assert_str_eq(summary("{\"event\":\"stop\",\"signal\":\"<!channel> & \\n<b>\"}"),
			 "oomsentry: stopped (&lt;!channel&gt; &amp;  &lt;b&gt;)");
}
END_TEST

START_TEST(summary_cut)
{
	/* A value far over the bound, of 2-byte characters: cut at one. */
	size_t n = 0, nchars = 4000;
	char *line = malloc(64 + 2 * nchars);
	n += (size_t)sprintf(line, "{\"event\":\"x\",\"v\":\"");
	for (size_t i = 0; i < nchars; i++) {
		line[n++] = '\xc3';
		line[n++] = '\xa9';
	}
	strcpy(line + n, "\"}");
	const char *s = summary(line);
	size_t len = strlen(s);
	ck_assert_uint_lt(len, WEBHOOK_SUMMARY_MAX);
	ck_assert_str_eq(s + len - 3, "...");
	ck_assert_int_eq((unsigned char)s[len - 4], 0xa9);
	free(line);
	/* A small buffer still ends in a terminator. */
	char tiny[8];
	ck_assert_uint_le(webhook_summary(ev, tiny, sizeof tiny), 7);
	ck_assert_uint_eq(strlen(tiny), webhook_summary(ev, tiny, sizeof tiny));
}
END_TEST

START_TEST(bodies)
{
	const char *why;
	static char out[WEBHOOK_BODY_MAX];
	ck_assert_int_eq(parse(OOM, &why), 0);
	int n = webhook_body(WEBHOOK_FORMAT_JSON, ev, OOM, strlen(OOM), out, sizeof out);
	ck_assert_int_eq(n, (int)strlen(OOM));
	ck_assert_str_eq(out, OOM);
	ck_assert_int_eq(webhook_body(WEBHOOK_FORMAT_JSON, ev, OOM, strlen(OOM), out, strlen(OOM)),
			 -ENOSPC);

	const char *line = "{\"event\":\"stop\",\"signal\":\"a\\\"b\\\\\"}";
	ck_assert_int_eq(parse(line, &why), 0);
	n = webhook_body(WEBHOOK_FORMAT_SLACK, ev, line, strlen(line), out, sizeof out);
	ck_assert_str_eq(out, "{\"text\":\"oomsentry: stopped (a\\\"b\\\\)\"}");
	ck_assert_int_eq(n, (int)strlen(out));
	/* What it makes is JSON this reader takes back, text and all. */
	struct wjson *back = malloc(sizeof *back);
	ck_assert_int_eq(wjson_parse(out, (size_t)n, back, &why), 0);
	ck_assert_str_eq(wjson_get(back, "text"), "oomsentry: stopped (a\"b\\)");
	free(back);
	ck_assert_int_eq(webhook_body(WEBHOOK_FORMAT_SLACK, ev, line, strlen(line), out, 20),
			 -ENOSPC);

	enum webhook_format f;
	ck_assert_int_eq(webhook_format_parse("slack", &f), 0);
	ck_assert_int_eq(f, WEBHOOK_FORMAT_SLACK);
	ck_assert_int_eq(webhook_format_parse("json", &f), 0);
	ck_assert_int_eq(webhook_format_parse("Slack", &f), -EINVAL);
	ck_assert_str_eq(webhook_format_name(WEBHOOK_FORMAT_SLACK), "slack");
}
END_TEST

static int headers(const char *text, struct webhook_headers *h, char *err, size_t errsz)
{
	return webhook_headers_parse(text, strlen(text), h, err, errsz);
}

START_TEST(headers_file)
{
	struct webhook_headers *h = malloc(sizeof *h);
	char err[128];
	ck_assert_int_eq(headers("# oomhero v3 style\n\nAuthorization: Bearer abc\r\n"
				 "X-Team:\tplatform  \n   \nX-Empty-Looking: \"\"\n"
				 "Content-Type: application/json; charset=utf-8",
				 h, err, sizeof err),
			 0);
	ck_assert_uint_eq(h->n, 4);
	ck_assert_str_eq(h->line[0], "Authorization: Bearer abc");
	ck_assert_str_eq(h->line[1], "X-Team: platform");
	ck_assert_str_eq(h->line[2], "X-Empty-Looking: \"\"");
	ck_assert_str_eq(h->line[3], "Content-Type: application/json; charset=utf-8");
	ck_assert_int_eq(headers("", h, err, sizeof err), 0);
	ck_assert_uint_eq(h->n, 0);

	static const struct {
		const char *text, *err;
	} bad[] = {
		{"A: 1\nno colon\n", "line 2: no ':' (expected \"Name: value\")"},
		{": v\n", "line 1: empty header name"},
		{"Bad Name: v\n", "line 1: byte 0x20 is not allowed in a header name"},
		{"B\xc3\xa4: v\n", "line 1: byte 0xc3 is not allowed in a header name"},
		{"X-A:\n", "line 1: empty value for X-A"},
		{"X-A:   \n", "line 1: empty value for X-A"},
		{"X-A: a\rb\n", "line 1: control byte 0x0d in the value"},
		{"X-A: a\x01\n", "line 1: control byte 0x01 in the value"},
		{"#\n\n content-length: 5\n", "line 3: starts with whitespace"},
		{"content-length: 5\n", "line 1: Content-Length is set by the sender, not here"},
		{"HOST: x\n", "line 1: Host is set by the sender, not here"},
		{"Transfer-Encoding: chunked\n", "line 1: Transfer-Encoding is set by the sender, not here"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_int_eq(headers(bad[i].text, h, err, sizeof err), -EINVAL);
		ck_assert_str_eq(err, bad[i].err);
		ck_assert_uint_eq(h->n, 0);
	}
	/* A NUL inside the file is a control byte, not the end. */
	ck_assert_int_eq(webhook_headers_parse("X-A: a\0b\n", 9, h, err, sizeof err), -EINVAL);
	ck_assert_str_eq(err, "line 1: control byte 0x00 in the value");

	/* Bounds: count, value size, file size. */
	char *big = malloc(WEBHOOK_HEADERS_FILE_MAX + 2);
	size_t n = 0;
	for (int i = 0; i <= WEBHOOK_HEADERS_MAX; i++)
		n += (size_t)sprintf(big + n, "X-%d: v\n", i);
	ck_assert_int_eq(webhook_headers_parse(big, n, h, err, sizeof err), -E2BIG);
	ck_assert_str_eq(err, "line 33: more than 32 headers");
	n = (size_t)sprintf(big, "X-A: ");
	memset(big + n, 'v', WEBHOOK_HEADER_VALUE_MAX + 1);
	n += WEBHOOK_HEADER_VALUE_MAX + 1;
	ck_assert_int_eq(webhook_headers_parse(big, n, h, err, sizeof err), -EINVAL);
	ck_assert_str_eq(err, "line 1: value longer than 4096 bytes");
	ck_assert_int_eq(webhook_headers_parse(big, n - 1, h, err, sizeof err), 0);
	memset(big, '#', WEBHOOK_HEADERS_FILE_MAX + 1);
	ck_assert_int_eq(webhook_headers_parse(big, WEBHOOK_HEADERS_FILE_MAX, h, err, sizeof err), 0);
	ck_assert_int_eq(webhook_headers_parse(big, WEBHOOK_HEADERS_FILE_MAX + 1, h, err, sizeof err),
			 -E2BIG);
	/* The file at its bound, all of it headers: the store holds them. */
	n = 0;
	for (int i = 0; i < WEBHOOK_HEADERS_MAX; i++) {
		size_t line = WEBHOOK_HEADERS_FILE_MAX / WEBHOOK_HEADERS_MAX;
		size_t at = n;
		n += (size_t)sprintf(big + n, "X-%02d:", i);
		memset(big + n, 'v', line - (n - at) - 1);
		n = at + line - 1;
		big[n++] = '\n';
	}
	ck_assert_uint_eq(n, WEBHOOK_HEADERS_FILE_MAX);
	ck_assert_int_eq(webhook_headers_parse(big, n, h, err, sizeof err), 0);
	ck_assert_uint_eq(h->n, WEBHOOK_HEADERS_MAX);
	free(big);
	free(h);
}
END_TEST

START_TEST(verdicts)
{
	ck_assert_int_eq(webhook_status_verdict(200), WEBHOOK_DELIVERED);
	ck_assert_int_eq(webhook_status_verdict(204), WEBHOOK_DELIVERED);
	ck_assert_int_eq(webhook_status_verdict(0), WEBHOOK_RETRY);
	ck_assert_int_eq(webhook_status_verdict(100), WEBHOOK_RETRY);
	ck_assert_int_eq(webhook_status_verdict(301), WEBHOOK_RETRY);
	ck_assert_int_eq(webhook_status_verdict(307), WEBHOOK_RETRY);
	static const long retry[] = {401, 403, 404, 405, 407, 408, 410, 421, 425, 429,
				     500, 502, 503, 504, 599};
	for (size_t i = 0; i < sizeof retry / sizeof *retry; i++)
		ck_assert_msg(webhook_status_verdict(retry[i]) == WEBHOOK_RETRY, "%ld", retry[i]);
	static const long reject[] = {400, 409, 411, 413, 414, 415, 422, 431, 499};
	for (size_t i = 0; i < sizeof reject / sizeof *reject; i++)
		ck_assert_msg(webhook_status_verdict(reject[i]) == WEBHOOK_REJECTED, "%ld",
			      reject[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("webhook_fmt");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, json_reads);
	tcase_add_test(tc, json_refuses);
	tcase_add_test(tc, escape);
	tcase_add_test(tc, summaries);
	tcase_add_test(tc, summary_cut);
	tcase_add_test(tc, bodies);
	tcase_add_test(tc, headers_file);
	tcase_add_test(tc, verdicts);
	suite_add_tcase(s, tc);
	return check_run(s);
}
