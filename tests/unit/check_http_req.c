/* http_req.c: requests as Prometheus, curl and kubelet send them, then cut,
 * garbled, oversized and split every way; each is read whole, byte by byte
 * and in random pieces, and must read the same. Refusals are checked at the
 * exact byte: one byte less reads as "more". The reply heads, byte for byte. */
#include "check_run.h"
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_req.h"

/* Feeds s (n bytes) in pieces of chunk bytes (0: whole; each piece an
 * exact heap copy, so that a read past it is ASan's to report). */
static enum http_req_result feed(const char *s, size_t n, size_t chunk, struct http_req *r)
{
	http_req_init(r);
	enum http_req_result res = http_req_feed(r, "", 0);
	ck_assert_int_eq(res, HTTP_REQ_MORE);
	size_t at = 0;
	do {
		size_t k = chunk && chunk < n - at ? chunk : n - at;
		char *piece = malloc(k ? k : 1);
		ck_assert_ptr_nonnull(piece);
		memcpy(piece, s + at, k);
		res = http_req_feed(r, piece, k);
		free(piece);
		at += k;
	} while (at < n);
	return res;
}

/* Two readings agree on everything they report. */
static void same(const struct http_req *a, const struct http_req *b, enum http_req_result ra,
		 enum http_req_result rb, const char *what)
{
	ck_assert_msg(ra == rb, "%s: %d vs %d", what, ra, rb);
	ck_assert_msg(a->head_len == b->head_len, "%s: head_len %zu vs %zu", what, a->head_len,
		      b->head_len);
	ck_assert_int_eq(a->method, b->method);
	if (ra == HTTP_REQ_ERROR) {
		ck_assert_int_eq(a->status, b->status);
		ck_assert_str_eq(a->why, b->why);
	}
	if (ra == HTTP_REQ_DONE) {
		ck_assert_int_eq(a->version_minor, b->version_minor);
		ck_assert_str_eq(http_req_path(a), http_req_path(b));
		ck_assert((http_req_query(a) == NULL) == (http_req_query(b) == NULL));
		if (http_req_query(a))
			ck_assert_str_eq(http_req_query(a), http_req_query(b));
	}
}

/* Reads s whole into *r, and checks that byte by byte, in two pieces cut
 * anywhere (short inputs) and in random pieces it reads the same. */
static enum http_req_result run(const char *s, size_t n, struct http_req *r)
{
	enum http_req_result res = feed(s, n, 0, r);
	struct http_req o;
	same(r, &o, res, feed(s, n, 1, &o), "byte by byte");
	for (size_t chunk = 2; chunk < 40; chunk += 7)
		same(r, &o, res, feed(s, n, chunk, &o), "in pieces");
	if (n <= 300) {
		for (size_t cut = 1; cut < n; cut++) {
			struct http_req t;
			http_req_init(&t);
			http_req_feed(&t, s, cut);
			same(r, &t, res, http_req_feed(&t, s + cut, n - cut), "in two");
		}
	}
	/* read again after the end: nothing changes, nothing more is read */
	if (res != HTTP_REQ_MORE) {
		o = *r;
		ck_assert_int_eq(http_req_feed(r, "GET / HTTP/1.0\r\n\r\n", 18), res);
		same(r, &o, res, res, "fed after the end");
	}
	return res;
}

static enum http_req_result run_str(const char *s, struct http_req *r)
{
	return run(s, strlen(s), r);
}

/* -------------------------------------------------------------- accepted */

START_TEST(good_requests)
{
	struct http_req r;
	/* Prometheus 2.x */
	const char *prom = "GET /metrics HTTP/1.1\r\nHost: 10.0.0.7:9464\r\n"
			   "User-Agent: Prometheus/2.45.0\r\n"
			   "Accept: application/openmetrics-text;version=1.0.0,"
			   "text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n"
			   "Accept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n";
	ck_assert_int_eq(run_str(prom, &r), HTTP_REQ_DONE);
	ck_assert_int_eq(r.method, HTTP_REQ_GET);
	ck_assert_int_eq(r.version_minor, 1);
	ck_assert_str_eq(http_req_path(&r), "/metrics");
	ck_assert_ptr_null(http_req_query(&r));
	ck_assert_uint_eq(r.head_len, strlen(prom));
	ck_assert_int_eq(http_req_route(&r), HTTP_ROUTE_METRICS);

	/* kubelet's probe */
	ck_assert_int_eq(run_str("GET /healthz HTTP/1.1\r\nHost: 10.0.0.7:9464\r\n"
				 "User-Agent: kube-probe/1.29\r\nAccept: */*\r\n"
				 "Connection: close\r\n\r\n",
				 &r),
			 HTTP_REQ_DONE);
	ck_assert_int_eq(http_req_route(&r), HTTP_ROUTE_HEALTHZ);

	/* curl -I, HTTP/1.0 without Host */
	ck_assert_int_eq(run_str("HEAD /healthz HTTP/1.0\r\n\r\n", &r), HTTP_REQ_DONE);
	ck_assert_int_eq(r.method, HTTP_REQ_HEAD);
	ck_assert_int_eq(r.version_minor, 0);
	ck_assert_int_eq(http_req_route(&r), HTTP_ROUTE_HEALTHZ);

	/* Header values: tabs, obs-text, empty; names with any token byte */
	ck_assert_int_eq(run_str("GET / HTTP/1.1\r\nhOsT:\r\nX-A:\t\xc3\xa9\xff  v \r\n"
				 "!#$%&'*+-.^_`|~09az: x\r\n\r\n",
				 &r),
			 HTTP_REQ_DONE);
	ck_assert_int_eq(http_req_route(&r), HTTP_ROUTE_NOT_FOUND);
	ck_assert_str_eq(http_req_path(&r), "/");
}
END_TEST

/* Line ends: CRLF, bare LF, mixed; one empty line before the request. */
START_TEST(line_ends)
{
	struct http_req r;
	const char *ok[] = {
		"GET /metrics HTTP/1.1\nHost: a\n\n",
		"GET /metrics HTTP/1.1\r\nHost: a\n\r\n",
		"GET /metrics HTTP/1.1\nHost: a\r\n\n",
		"\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n",
		"\nGET /metrics HTTP/1.0\n\n",
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		ck_assert_msg(run_str(ok[i], &r) == HTTP_REQ_DONE, "%zu: %s", i, r.why);
		ck_assert_int_eq(http_req_route(&r), HTTP_ROUTE_METRICS);
		ck_assert_uint_eq(r.head_len, strlen(ok[i]));
	}
}
END_TEST

/* The head ends at its blank line: a body (ignored on a GET, whatever its
 * Content-Length or Transfer-Encoding) or a next request is not read. */
START_TEST(bytes_after_head)
{
	struct http_req r;
	const char *head = "GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
			   "Transfer-Encoding: chunked\r\n\r\n";
	char all[256];
	snprintf(all, sizeof all, "%s5\r\nhello\r\n0\r\n\r\nPOST / HTTP/1.1\r\n\r\n", head);
	ck_assert_int_eq(run_str(all, &r), HTTP_REQ_DONE);
	ck_assert_uint_eq(r.head_len, strlen(head));
	ck_assert_int_eq(http_req_route(&r), HTTP_ROUTE_METRICS);
}
END_TEST

START_TEST(targets)
{
	static const struct {
		const char *target, *path, *query;
		enum http_route route;
	} t[] = {
		{"/metrics?", "/metrics", "", HTTP_ROUTE_METRICS},
		{"/metrics?format=text&x=%20y/?z", "/metrics", "format=text&x=%20y/?z",
		 HTTP_ROUTE_METRICS},
		{"/metrics/", "/metrics/", NULL, HTTP_ROUTE_NOT_FOUND},
		{"/METRICS", "/METRICS", NULL, HTTP_ROUTE_NOT_FOUND},
		{"/%6Detrics", "/%6Detrics", NULL, HTTP_ROUTE_NOT_FOUND}, /* not decoded */
		{"//metrics", "//metrics", NULL, HTTP_ROUTE_NOT_FOUND},
		{"/healthz?verbose", "/healthz", "verbose", HTTP_ROUTE_HEALTHZ},
		{"/a-._~!$&'()*+,;=:@/b", "/a-._~!$&'()*+,;=:@/b", NULL, HTTP_ROUTE_NOT_FOUND},
		/* absolute-form (RFC 9112 3.2.2): the authority is skipped */
		{"http://10.0.0.7:9464/metrics", "/metrics", NULL, HTTP_ROUTE_METRICS},
		{"HTTP://[::1]:9464/healthz?a=b", "/healthz", "a=b", HTTP_ROUTE_HEALTHZ},
		{"http://host", "/", NULL, HTTP_ROUTE_NOT_FOUND},
		{"http://host?q", "/", "q", HTTP_ROUTE_NOT_FOUND},
		{"http://ex%41mple/metrics", "/metrics", NULL, HTTP_ROUTE_METRICS},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		char req[256];
		snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", t[i].target);
		struct http_req r;
		ck_assert_msg(run_str(req, &r) == HTTP_REQ_DONE, "%s: %s", t[i].target, r.why);
		ck_assert_str_eq(http_req_path(&r), t[i].path);
		if (t[i].query)
			ck_assert_str_eq(http_req_query(&r), t[i].query);
		else
			ck_assert_ptr_null(http_req_query(&r));
		ck_assert_int_eq(http_req_route(&r), t[i].route);
	}
}
END_TEST

/* -------------------------------------------------------------- refused */

/* Each request is cut right after the byte that gets it refused: it is
 * refused with exactly that length read, one byte less reads as "more", and
 * what would follow does not change the answer. */
static const struct {
	const char *s;
	size_t n; /* 0: strlen */
	int status;
} refused[] = {
	/* methods: case-sensitive; refused where they leave GET and HEAD */
	{"P", 0, 405},
	{"g", 0, 405},
	{"get", 1, 405},
	{"GETS", 0, 405},
	{"GE ", 0, 405},
	{"HEAD_", 0, 405},
	{"OPTIONS", 1, 405},
	{"CONNECT", 1, 405},
	{"\x16", 0, 400}, /* a TLS ClientHello */
	{"SSH-2.0", 1, 405},
	{" ", 0, 400},
	{"GET\t", 0, 400},
	{"GET\r", 0, 400},
	{"G\x01", 0, 400},
	{"\0", 1, 400},
	/* the request line's shape */
	{"GET  ", 0, 400},
	{"GET m", 0, 400},
	{"GET *", 0, 400},
	{"GET /metrics  ", 0, 400},
	{"GET /metrics\r", 0, 400}, /* HTTP/0.9 */
	{"GET /metrics\n", 0, 400},
	{"GET /a b", 0, 400},
	{"GET /x#", 0, 400},
	{"GET /x\"", 0, 400},
	{"GET /x\\", 0, 400},
	{"GET /x<", 0, 400},
	{"GET /x[", 0, 400},
	{"GET /x?{", 0, 400},
	{"GET /x\x7f", 0, 400},
	{"GET /x\xc3", 0, 400},
	{"GET /x\t", 0, 400},
	{"GET /%z", 0, 400},
	{"GET /%2 ", 0, 400},
	{"GET /x?%4g", 0, 400},
	{"GET https", 0, 400},
	{"GET f", 0, 400},
	{"GET http:/x", 0, 400},
	{"GET http:///", 0, 400},
	{"GET http:// ", 0, 400},
	{"GET http://user@", 0, 400},
	{"GET http://h/x#", 0, 400},
	/* versions */
	{"GET / h", 0, 400},
	{"GET / HTTP/2", 0, 505},
	{"GET / HTTP/0", 0, 505},
	{"GET / HTTP/9", 0, 505},
	{"GET / HTTP/x", 0, 400},
	{"GET / HTTP/1,", 0, 400},
	{"GET / HTTP/1.x", 0, 400},
	{"GET / HTTP/11", 0, 400},
	{"GET / HTTP/1.11", 0, 400},
	{"GET / HTTP/1.1 ", 0, 400},
	{"GET / HTTP/1.1\rX", 0, 400},
	/* header lines */
	{"GET / HTTP/1.1\r\n ", 0, 400},   /* folded */
	{"GET / HTTP/1.1\r\n\t", 0, 400},
	{"GET / HTTP/1.1\r\n:", 0, 400},
	{"GET / HTTP/1.1\r\nHost ", 0, 400}, /* a blank before the colon */
	{"GET / HTTP/1.1\r\nHost\r", 0, 400}, /* no colon */
	{"GET / HTTP/1.1\r\nHost\n", 0, 400},
	{"GET / HTTP/1.1\r\nX(", 0, 400},
	{"GET / HTTP/1.1\r\nX: a\x01", 0, 400},
	{"GET / HTTP/1.1\r\nX: a\x7f", 0, 400},
	{"GET / HTTP/1.1\r\nX: a\0", 21, 400},
	{"GET / HTTP/1.1\r\nX: a\rb", 0, 400},
	{"GET / HTTP/1.1\r\nX: a\r\n\rb", 0, 400},
	{"GET / HTTP/1.1\r\nHost: a\r\nhOST:", 0, 400},
	{"GET / HTTP/1.0\r\nHost: a\r\nHost:", 0, 400},
	{"GET / HTTP/1.1\r\n\r\n", 0, 400}, /* HTTP/1.1 without Host */
	{"GET / HTTP/1.1\r\nHosts: a\r\nHos: b\r\n\n", 0, 400},
	/* empty lines before the request line: one is ignored */
	{"\r\n\r", 0, 400},
	{"\n\n", 0, 400},
	{"\rG", 0, 400},
};

START_TEST(refused_at_the_byte)
{
	const char *s = refused[_i].s;
	size_t n = refused[_i].n ? refused[_i].n : strlen(s);
	struct http_req r;
	ck_assert_msg(run(s, n, &r) == HTTP_REQ_ERROR, "\"%s\" not refused", s);
	ck_assert_msg(r.status == refused[_i].status, "\"%s\": %d, not %d", s, r.status,
		      refused[_i].status);
	ck_assert_uint_eq(r.head_len, n);
	ck_assert_ptr_nonnull(r.why);
	ck_assert(r.why[0]);
	if (r.status == 405)
		ck_assert_int_eq(r.method, HTTP_REQ_NONE);
	ck_assert_int_eq(run(s, n - 1, &r), HTTP_REQ_MORE);
	ck_assert_uint_eq(r.head_len, n - 1);

	char more[256];
	memcpy(more, s, n);
	const char *tail = " /metrics HTTP/1.1\r\nHost: a\r\n\r\n";
	memcpy(more + n, tail, strlen(tail));
	ck_assert_int_eq(run(more, n + strlen(tail), &r), HTTP_REQ_ERROR);
	ck_assert_int_eq(r.status, refused[_i].status);
	ck_assert_uint_eq(r.head_len, n);
}
END_TEST

/* The method is known as soon as it is read, so that an error reply to a
 * HEAD leaves out its body. */
START_TEST(head_error_keeps_method)
{
	struct http_req r;
	ck_assert_int_eq(run_str("HEAD / HTTP/2.0\r\n\r\n", &r), HTTP_REQ_ERROR);
	ck_assert_int_eq(r.status, 505);
	ck_assert_int_eq(r.method, HTTP_REQ_HEAD);
	ck_assert_int_eq(run_str("HEAD /x\x01", &r), HTTP_REQ_ERROR);
	ck_assert_int_eq(r.method, HTTP_REQ_HEAD);
}
END_TEST

/* A request line of HTTP_REQ_LINE_MAX bytes is read; one more byte is
 * refused there, however much is sent at once. */
START_TEST(long_request_line)
{
	size_t big = 1 << 20;
	char *s = malloc(big);
	ck_assert_ptr_nonnull(s);
	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', big - 5);
	struct http_req r;
	http_req_init(&r);
	ck_assert_int_eq(http_req_feed(&r, s, big), HTTP_REQ_ERROR);
	ck_assert_int_eq(r.status, 414);
	ck_assert_uint_eq(r.head_len, HTTP_REQ_LINE_MAX + 1);
	ck_assert_int_eq(run(s, HTTP_REQ_LINE_MAX, &r), HTTP_REQ_MORE);
	ck_assert_int_eq(run(s, HTTP_REQ_LINE_MAX + 1, &r), HTTP_REQ_ERROR);
	ck_assert_int_eq(r.status, 414);

	/* exactly HTTP_REQ_LINE_MAX bytes before its CRLF, and one more */
	const char *end = " HTTP/1.0\r\n\r\n";
	size_t line = HTTP_REQ_LINE_MAX;
	memcpy(s + line - 9, end, strlen(end));
	ck_assert_int_eq(run(s, line + 4, &r), HTTP_REQ_DONE);
	ck_assert_uint_eq(strlen(http_req_path(&r)), line - 13);
	memset(s + 5, 'a', big - 5);
	memcpy(s + line + 1 - 9, end, strlen(end));
	ck_assert_int_eq(run(s, line + 5, &r), HTTP_REQ_ERROR);
	ck_assert_int_eq(r.status, 414);
	ck_assert_uint_eq(r.head_len, HTTP_REQ_LINE_MAX + 1);

	/* the longest query, absolute-form: the bound holds for them too */
	memset(s, 'q', big);
	memcpy(s, "GET http://h?", 13);
	http_req_init(&r);
	ck_assert_int_eq(http_req_feed(&r, s, big), HTTP_REQ_ERROR);
	ck_assert_int_eq(r.status, 414);
	free(s);
}
END_TEST

/* A head of HTTP_REQ_MAX bytes is read; a longer one is refused at its
 * byte HTTP_REQ_MAX + 1, however it is split into header lines. */
START_TEST(large_head)
{
	char *s = malloc(2 * HTTP_REQ_MAX);
	ck_assert_ptr_nonnull(s);
	const char *start = "GET /metrics HTTP/1.1\r\nHost: a\r\n";
	size_t n = strlen(start);
	memcpy(s, start, n);
	/* "X: vvvv\r\n" lines to HTTP_REQ_MAX - 2, then the blank line */
	while (n < HTTP_REQ_MAX - 2) {
		size_t line = HTTP_REQ_MAX - 2 - n;
		if (line > 100)
			line = 100;
		if (line < 5) { /* too short for a line: lengthen the last value */
			memmove(s + n - 2 + line, s + n - 2, 2);
			memset(s + n - 2, 'v', line);
			n += line;
			break;
		}
		memcpy(s + n, "X: ", 3);
		memset(s + n + 3, 'v', line - 5);
		memcpy(s + n + line - 2, "\r\n", 2);
		n += line;
	}
	memcpy(s + n, "\r\n", 2);
	n += 2;
	ck_assert_uint_eq(n, HTTP_REQ_MAX);
	struct http_req r;
	ck_assert_msg(run(s, n, &r) == HTTP_REQ_DONE, "%s", r.why);
	ck_assert_uint_eq(r.head_len, HTTP_REQ_MAX);

	/* one byte more in a value */
	memmove(s + n - 3, s + n - 4, 4);
	s[n - 4] = 'v';
	ck_assert_int_eq(run(s, n + 1, &r), HTTP_REQ_ERROR);
	ck_assert_int_eq(r.status, 431);
	ck_assert_uint_eq(r.head_len, HTTP_REQ_MAX + 1);
	ck_assert_int_eq(run(s, n, &r), HTTP_REQ_MORE);

	/* endless header lines */
	char *lines = malloc(1 << 16);
	ck_assert_ptr_nonnull(lines);
	memcpy(lines, start, strlen(start));
	for (size_t i = strlen(start); i + 6 <= 1 << 16; i += 6)
		memcpy(lines + i, "A: b\r\n", 6);
	http_req_init(&r);
	ck_assert_int_eq(http_req_feed(&r, lines, 1 << 16), HTTP_REQ_ERROR);
	ck_assert_int_eq(r.status, 431);
	ck_assert_uint_eq(r.head_len, HTTP_REQ_MAX + 1);
	free(lines);
	free(s);
}
END_TEST

/* Random bytes after a valid start: whatever the answer, it is the same
 * however the bytes are split (run checks), and refusals come early. */
START_TEST(garbage)
{
	unsigned seed = 12345;
	char buf[600];
	for (int round = 0; round < 2000; round++) {
		size_t n = 0;
		const char *start = round % 2 ? "GET /metrics HTTP/1.1\r\n" : "";
		n = strlen(start);
		memcpy(buf, start, n);
		size_t extra = (size_t)(round % 300);
		for (size_t i = 0; i < extra; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly printable, some CR, LF, ':' and control bytes */
			unsigned v = (seed >> 16) % 100;
			buf[n++] = v < 80	  ? (char)(' ' + (seed >> 8) % 95)
				   : v < 88 ? '\n'
				   : v < 94 ? ':'
				   : v < 97 ? '\r'
					    : (char)((seed >> 8) & 0xff);
		}
		struct http_req r;
		enum http_req_result res = run(buf, n, &r);
		if (res == HTTP_REQ_ERROR) {
			ck_assert(r.status == 400 || r.status == 405 || r.status == 414 ||
				  r.status == 431 || r.status == 505);
			ck_assert_int_eq(run(buf, r.head_len - 1, &r), HTTP_REQ_MORE);
		} else if (res == HTTP_REQ_DONE) {
			ck_assert(http_req_path(&r)[0] == '/');
		} else {
			ck_assert_uint_eq(r.head_len, n);
		}
	}
}
END_TEST

/* ---------------------------------------------------------------- reply */

START_TEST(reply_heads)
{
	char buf[HTTP_REQ_REPLY_HEAD_MAX];
	size_t n = http_req_reply_head(buf, sizeof buf, 200, HTTP_REQ_CT_METRICS, 51234, 784111777);
	const char *want = "HTTP/1.1 200 OK\r\n"
			   "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			   "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
			   "Content-Length: 51234\r\n"
			   "Connection: close\r\n"
			   "Cache-Control: no-store\r\n"
			   "\r\n";
	ck_assert_str_eq(buf, want);
	ck_assert_uint_eq(n, strlen(want));

	/* without a clock; 405 says what is allowed */
	n = http_req_reply_head(buf, sizeof buf, 405, HTTP_REQ_CT_TEXT, 0, -1);
	ck_assert_str_eq(buf, "HTTP/1.1 405 Method Not Allowed\r\n"
			      "Content-Type: text/plain; charset=utf-8\r\n"
			      "Content-Length: 0\r\n"
			      "Allow: GET, HEAD\r\n"
			      "Connection: close\r\n"
			      "Cache-Control: no-store\r\n"
			      "\r\n");

	/* A leap day, the year 2038 and after */
	http_req_reply_head(buf, sizeof buf, 200, HTTP_REQ_CT_TEXT, 0, 3981357296);
	ck_assert_ptr_nonnull(strstr(buf, "\r\nDate: Wed, 29 Feb 2096 12:34:56 GMT\r\n"));
	http_req_reply_head(buf, sizeof buf, 200, HTTP_REQ_CT_TEXT, 0, 0);
	ck_assert_ptr_nonnull(strstr(buf, "\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n"));

	/* Every status known fits in HTTP_REQ_REPLY_HEAD_MAX with the longest
	 * length and date; unknown ones and header injection are refused. */
	const int known[] = {200, 400, 404, 405, 414, 431, 500, 503, 505};
	for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
		n = http_req_reply_head(buf, sizeof buf, known[i], HTTP_REQ_CT_METRICS, SIZE_MAX,
					253402300799); /* 9999-12-31T23:59:59Z */
		ck_assert_msg(n > 0, "%d", known[i]);
		ck_assert_ptr_nonnull(strstr(buf, "Date: Fri, 31 Dec 9999 23:59:59 GMT\r\n"));
		ck_assert_ptr_nonnull(http_req_canned_body(known[i]));
	}
	ck_assert_uint_eq(http_req_reply_head(buf, sizeof buf, 302, HTTP_REQ_CT_TEXT, 0, -1), 0);
	ck_assert_ptr_null(http_req_canned_body(302));
	ck_assert_uint_eq(
		http_req_reply_head(buf, sizeof buf, 200, "text/plain\r\nSet-Cookie: x", 0, -1), 0);

	/* Too small a buffer: 0, and an empty string, never a head cut short */
	size_t full = http_req_reply_head(buf, sizeof buf, 404, HTTP_REQ_CT_TEXT, 14, 784111777);
	for (size_t size = 1; size <= full; size++) {
		char *small = malloc(size);
		ck_assert_uint_eq(http_req_reply_head(small, size, 404, HTTP_REQ_CT_TEXT, 14,
						      784111777),
				  0);
		ck_assert_str_eq(small, "");
		free(small);
	}
	ck_assert_uint_eq(http_req_reply_head(buf, 0, 404, HTTP_REQ_CT_TEXT, 14, -1), 0);
	char *exact = malloc(full + 1);
	ck_assert_uint_eq(http_req_reply_head(exact, full + 1, 404, HTTP_REQ_CT_TEXT, 14, 784111777),
			  full);
	free(exact);
}
END_TEST

START_TEST(reply_canned)
{
	char buf[HTTP_REQ_REPLY_HEAD_MAX + 64];
	size_t n = http_req_reply_canned(buf, sizeof buf, 404, false, -1);
	const char *want = "HTTP/1.1 404 Not Found\r\n"
			   "Content-Type: text/plain; charset=utf-8\r\n"
			   "Content-Length: 14\r\n"
			   "Connection: close\r\n"
			   "Cache-Control: no-store\r\n"
			   "\r\n"
			   "404 Not Found\n";
	ck_assert_str_eq(buf, want);
	ck_assert_uint_eq(n, strlen(want));

	/* to a HEAD: the head only, with the GET's length */
	n = http_req_reply_canned(buf, sizeof buf, 404, true, -1);
	ck_assert_uint_eq(n, strlen(want) - 14);
	ck_assert_mem_eq(buf, want, n);
	ck_assert_str_eq(buf + n - 4, "\r\n\r\n");

	n = http_req_reply_canned(buf, sizeof buf, 200, false, 784111777);
	ck_assert_str_eq(buf + n - 3, "ok\n");
	ck_assert_ptr_nonnull(strstr(buf, "Content-Length: 3\r\n"));

	/* the longest fits; the body never cut */
	const int known[] = {200, 400, 404, 405, 414, 431, 500, 503, 505};
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		ck_assert(http_req_reply_canned(buf, sizeof buf, known[i], false, 253402300799) > 0);
	size_t full = http_req_reply_canned(buf, sizeof buf, 431, false, -1);
	ck_assert_uint_eq(http_req_reply_canned(buf, full, 431, false, -1), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(http_req_reply_canned(buf, full + 1, 431, false, -1), full);
	ck_assert_uint_eq(http_req_reply_canned(buf, sizeof buf, 999, false, -1), 0);
}
END_TEST

static Suite *http_req_suite(void)
{
	Suite *s = suite_create("http_req");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, good_requests);
	tcase_add_test(tc, line_ends);
	tcase_add_test(tc, bytes_after_head);
	tcase_add_test(tc, targets);
	tcase_add_loop_test(tc, refused_at_the_byte, 0, (int)(sizeof refused / sizeof *refused));
	tcase_add_test(tc, head_error_keeps_method);
	tcase_add_test(tc, long_request_line);
	tcase_add_test(tc, large_head);
	tcase_add_test(tc, garbage);
	tcase_add_test(tc, reply_heads);
	tcase_add_test(tc, reply_canned);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(http_req_suite()); }
