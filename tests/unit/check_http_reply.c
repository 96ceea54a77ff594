/* http_reply.c: response heads and chunked bodies captured from Go's
 * net/http (tests/apps/goleak: net/http/pprof's heap profile over HTTP/1.0
 * with a Content-Length and without, over HTTP/1.1 chunked; its plain
 * server's 200 and 404), then cut, garbled and oversized; fetch targets. */
#include "check_run.h"
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http_reply.h"

#define HTTP_FIXTURES FIXTURES "/net/http"

static char *read_fixture(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", HTTP_FIXTURES, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "cannot open %s", path);
	char *buf = malloc(1 << 20);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, 1 << 20, f);
	ck_assert(feof(f));
	fclose(f);
	return buf;
}

/* A heap copy of exactly n bytes: a read past them is ASan's to report. */
static char *exact(const char *s, size_t n)
{
	char *c = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(c);
	memcpy(c, s, n);
	return c;
}

static int parse(const char *s, size_t n, struct http_head *h)
{
	char *c = exact(s, n);
	memset(h, 0xa5, sizeof *h);
	int r = http_parse_head(c, n, h);
	free(c);
	return r;
}

static int parse_str(const char *s, struct http_head *h) { return parse(s, strlen(s), h); }

/* ------------------------------------------------------------ real heads */

static const struct {
	const char *file;
	int status;
	int64_t content_length;
	bool chunked;
	const char *content_type;
	size_t head_len;
} captured[] = {
	{"go-heap-http10-length.raw", 200, 1444, false, "application/octet-stream", 201},
	{"go-heap-http10-eof.raw", 200, -1, false, "application/octet-stream", 179},
	{"go-heap-http11-chunked.raw", 200, -1, true, "application/octet-stream", 226},
	{"go-plain-404.raw", 404, 19, false, "text/plain", 157},
	{"go-plain-200.raw", 200, 6, false, "text/plain", 116},
};

START_TEST(captured_heads)
{
	size_t len;
	char *buf = read_fixture(captured[_i].file, &len);
	struct http_head h;
	/* the whole response, and the head alone */
	ck_assert_int_eq(parse(buf, len, &h), 1);
	ck_assert_int_eq(h.status, captured[_i].status);
	ck_assert_int_eq(h.content_length, captured[_i].content_length);
	ck_assert(h.chunked == captured[_i].chunked);
	ck_assert(!h.content_encoded);
	ck_assert_str_eq(h.content_type, captured[_i].content_type);
	ck_assert_uint_eq(h.head_len, captured[_i].head_len);
	ck_assert_int_eq(parse(buf, h.head_len, &h), 1);
	ck_assert_uint_eq(h.head_len, captured[_i].head_len);
	if (h.content_length >= 0)
		ck_assert_uint_eq(len - h.head_len, (size_t)h.content_length);
	if (h.status == 200 && strstr(captured[_i].file, "heap") && !h.chunked)
		ck_assert_mem_eq(buf + h.head_len, "\x1f\x8b", 2);
	/* Cut anywhere inside the head: more bytes are needed, never an error. */
	size_t head_len = h.head_len;
	for (size_t n = 0; n < head_len; n++)
		ck_assert_msg(parse(buf, n, &h) == 0, "%s cut at %zu", captured[_i].file, n);
	free(buf);
}
END_TEST

/* The same heads with bare LF line ends parse the same. */
START_TEST(captured_heads_lf)
{
	size_t len;
	char *buf = read_fixture(captured[_i].file, &len);
	size_t head = captured[_i].head_len, out = 0, crs = 0;
	char *lf = malloc(head);
	for (size_t i = 0; i < head; i++) {
		if (buf[i] == '\r' && buf[i + 1] == '\n')
			crs++;
		else
			lf[out++] = buf[i];
	}
	struct http_head h;
	ck_assert_int_eq(parse(lf, out, &h), 1);
	ck_assert_int_eq(h.status, captured[_i].status);
	ck_assert_int_eq(h.content_length, captured[_i].content_length);
	ck_assert(h.chunked == captured[_i].chunked);
	ck_assert_str_eq(h.content_type, captured[_i].content_type);
	ck_assert_uint_eq(h.head_len, head - crs);
	for (size_t n = 0; n < out; n++)
		ck_assert_int_eq(parse(lf, n, &h), 0);
	free(lf);
	free(buf);
}
END_TEST

/* ----------------------------------------------------------- hand heads */

START_TEST(head_fields)
{
	struct http_head h;
	ck_assert_int_eq(parse_str("HTTP/1.1 200\r\n\r\n", &h), 1);
	ck_assert_int_eq(h.status, 200);
	ck_assert_int_eq(h.content_length, -1);
	ck_assert_str_eq(h.content_type, "");
	ck_assert_uint_eq(h.head_len, 16);

	ck_assert_int_eq(parse_str("HTTP/1.0 200 OK\r\ncontent-TYPE:Application/Octet-Stream ; "
				   "charset=x\r\nCONTENT-LENGTH:  42 \r\n\r\nbody",
				   &h),
			 1);
	ck_assert_str_eq(h.content_type, "application/octet-stream");
	ck_assert_int_eq(h.content_length, 42);

	/* A media type longer than the field is cut, and terminated. */
	char buf[256];
	snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nContent-Type: application/%0100d\r\n\r\n", 0);
	ck_assert_int_eq(parse_str(buf, &h), 1);
	ck_assert_uint_eq(strlen(h.content_type), sizeof h.content_type - 1);

	/* The same length twice is one length. */
	ck_assert_int_eq(parse_str("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
				   "Content-Length: 5\r\n\r\n",
				   &h),
			 1);
	ck_assert_int_eq(h.content_length, 5);

	/* chunked wins over a Content-Length */
	ck_assert_int_eq(parse_str("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
				   "Transfer-Encoding: Identity, CHUNKED\r\n\r\n",
				   &h),
			 1);
	ck_assert(h.chunked);
	ck_assert_int_eq(h.content_length, -1);
	ck_assert_int_eq(parse_str("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n", &h),
			 1);
	ck_assert(!h.chunked);

	ck_assert_int_eq(parse_str("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", &h), 1);
	ck_assert(h.content_encoded);
	ck_assert_int_eq(parse_str("HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n\r\n", &h), 1);
	ck_assert(!h.content_encoded);

	ck_assert_int_eq(parse_str("HTTP/1.1 404 Not Found\nX: y\n\n", &h), 1);
	ck_assert_int_eq(h.status, 404);
	ck_assert_uint_eq(h.head_len, 29);
	/* the blank line may end in CRLF after LF lines, and the reverse */
	ck_assert_int_eq(parse_str("HTTP/1.1 500 x\nX: y\r\n\n", &h), 1);
	ck_assert_int_eq(h.status, 500);
	ck_assert_int_eq(parse_str("HTTP/1.1 500 x\r\nX: y\n\r\nrest", &h), 1);
	ck_assert_uint_eq(h.head_len, 23);
}
END_TEST

START_TEST(head_garbage)
{
	static const char *bad[] = {
		"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
		"<html>",
		"X",
		"HTTP/2 200\r\n\r\n",
		"HTTP/1.x 200 OK\r\n\r\n",
		"HTTP/1.1200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 abc OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
		"HTTP/1.1 200 OK\r\nName : blank before colon\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
		"HTTP/1.1 200 O\rK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
		"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nTransfer-Encoding: chunked\n\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunky\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: x\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct http_head h;
		ck_assert_msg(parse_str(bad[i], &h) == -EPROTO, "case %zu: %s", i, bad[i]);
	}
	/* a NUL in the head */
	struct http_head h;
	static const char nul[] = "HTTP/1.1 200 OK\r\nX: \0\r\n\r\n";
	ck_assert_int_eq(parse(nul, sizeof nul - 1, &h), -EPROTO);
	/* Not yet enough to judge: "HTT" may become HTTP; nothing at all. */
	ck_assert_int_eq(parse_str("HTT", &h), 0);
	ck_assert_int_eq(parse("", 0, &h), 0);
	ck_assert_int_eq(parse_str("HTTP/1.", &h), 0);
	ck_assert_int_eq(parse_str("HTTP/1.1 200 OK\r\n", &h), 0);
	/* A header line is judged only once whole (no error on a partial line). */
	ck_assert_int_eq(parse_str("HTTP/1.1 200 OK\r\nContent-Le", &h), 0);
	/* The largest length there is still parses. */
	ck_assert_int_eq(parse_str("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n",
				   &h),
			 1);
	ck_assert_int_eq(h.content_length, INT64_MAX);
}
END_TEST

/* A head of `total` bytes whose blank line ends exactly at its end. */
static char *head_of_size(size_t total)
{
	char *b = malloc(total);
	static const char first[] = "HTTP/1.1 200 OK\r\nX-Pad: ";
	memcpy(b, first, sizeof first - 1);
	memset(b + sizeof first - 1, 'a', total - (sizeof first - 1) - 4);
	memcpy(b + total - 4, "\r\n\r\n", 4);
	return b;
}

START_TEST(head_too_long)
{
	struct http_head h;
	char *b = head_of_size(HTTP_HEAD_MAX);
	ck_assert_int_eq(http_parse_head(b, HTTP_HEAD_MAX, &h), 1);
	ck_assert_uint_eq(h.head_len, HTTP_HEAD_MAX);
	ck_assert_int_eq(http_parse_head(b, HTTP_HEAD_MAX - 1, &h), 0);
	free(b);
	b = head_of_size(HTTP_HEAD_MAX + 1);
	ck_assert_int_eq(http_parse_head(b, HTTP_HEAD_MAX - 1, &h), 0);
	ck_assert_int_eq(http_parse_head(b, HTTP_HEAD_MAX, &h), -E2BIG);
	ck_assert_int_eq(http_parse_head(b, HTTP_HEAD_MAX + 1, &h), -E2BIG);
	free(b);
	/* a head that never ends, received in full */
	b = malloc(4 * HTTP_HEAD_MAX);
	memcpy(b, "HTTP/1.1 200 OK\r\n", 17);
	memset(b + 17, 'x', 4 * HTTP_HEAD_MAX - 17);
	ck_assert_int_eq(http_parse_head(b, 4 * HTTP_HEAD_MAX, &h), -E2BIG);
	free(b);
}
END_TEST

/* --------------------------------------------------------------- chunked */

/* Feeds the pieces of in split at the given offsets (ascending, last ==
 * len); returns the decoded length or -1, *done as the decoder left it. */
static ssize_t decode(const char *in, size_t len, const size_t *cuts, size_t ncuts, char *out,
		      bool *done)
{
	struct http_chunked c;
	http_chunked_init(&c);
	size_t at = 0, o = 0;
	*done = false;
	for (size_t k = 0; k < ncuts; k++) {
		char *piece = exact(in + at, cuts[k] - at);
		ssize_t n = http_chunked_feed(&c, piece, cuts[k] - at, out + o, done);
		free(piece);
		if (n < 0)
			return -1;
		o += (size_t)n;
		at = cuts[k];
		if (*done)
			break;
	}
	(void)len;
	return (ssize_t)o;
}

static const char wiki[] = "4\r\nWiki\r\n5;name=value\r\npedia\r\nE ; a ; b=\"c\"\r\n in\r\n\r\n"
			   "chunks.\r\n0\r\nExpires: never\r\nX: y\r\n\r\n";
static const char wiki_body[] = "Wikipedia in\r\n\r\nchunks.";

START_TEST(chunked_every_split)
{
	size_t len = strlen(wiki);
	char out[128];
	bool done;
	for (size_t i = 0; i <= len; i++) {
		for (size_t j = i; j <= len; j++) {
			size_t cuts[3] = {i, j, len};
			ssize_t n = decode(wiki, len, cuts, 3, out, &done);
			ck_assert_msg(n == (ssize_t)strlen(wiki_body), "split %zu %zu: %zd", i, j,
				      n);
			ck_assert_mem_eq(out, wiki_body, strlen(wiki_body));
			ck_assert(done);
		}
	}
	/* Not done before the last byte; done after it, whatever follows. */
	for (size_t i = 0; i < len; i++) {
		size_t cuts[1] = {i};
		ck_assert_int_ge(decode(wiki, len, cuts, 1, out, &done), 0);
		ck_assert_msg(!done, "done after %zu bytes", i);
	}
	char more[256];
	snprintf(more, sizeof more, "%sHTTP/1.1 200 OK\r\n", wiki);
	size_t cuts[1] = {strlen(more)};
	ck_assert_int_eq(decode(more, strlen(more), cuts, 1, out, &done), strlen(wiki_body));
	ck_assert(done);
}
END_TEST

START_TEST(chunked_in_place_and_lf)
{
	char buf[128];
	memcpy(buf, wiki, sizeof wiki);
	struct http_chunked c;
	http_chunked_init(&c);
	bool done = false;
	ssize_t n = http_chunked_feed(&c, buf, strlen(wiki), buf, &done);
	ck_assert_int_eq(n, strlen(wiki_body));
	ck_assert_mem_eq(buf, wiki_body, (size_t)n);
	ck_assert(done);
	/* fed after the end: nothing more */
	ck_assert_int_eq(http_chunked_feed(&c, "5\r\nabcde\r\n", 10, buf, &done), 0);
	ck_assert(done);

	static const char lf[] = "4\nWiki\na\nabcdefghij\n0\n\n";
	http_chunked_init(&c);
	n = http_chunked_feed(&c, lf, strlen(lf), buf, &done);
	ck_assert_int_eq(n, 14);
	ck_assert_mem_eq(buf, "Wikiabcdefghij", 14);
	ck_assert(done);

	static const char hex16[] = "000000000000000A\r\n0123456789\r\n0\r\n\r\n";
	http_chunked_init(&c);
	ck_assert_int_eq(http_chunked_feed(&c, hex16, strlen(hex16), buf, &done), 10);
	ck_assert(done);

	/* An empty feed changes nothing. */
	http_chunked_init(&c);
	done = true;
	ck_assert_int_eq(http_chunked_feed(&c, "", 0, buf, &done), 0);
	ck_assert(!done);
}
END_TEST

START_TEST(chunked_bad)
{
	static const char *bad[] = {
		"G\r\n",
		"\r\n",
		";ext\r\n",
		" 4\r\n",
		"4\rX",
		"4\r\nWikiX",
		"4\r\nWiki\rX",
		"4x\r\n",
		"0000000000000000A\r\n",  /* 17 digits */
		"0\r\n\rX",
		"-1\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct http_chunked c;
		http_chunked_init(&c);
		char out[64];
		bool done;
		ck_assert_msg(http_chunked_feed(&c, bad[i], strlen(bad[i]), out, &done) == -EPROTO,
			      "case %zu", i);
	}
	/* A huge size is framing's business, not an error: the reader caps it. */
	struct http_chunked c;
	http_chunked_init(&c);
	char out[64];
	bool done;
	ck_assert_int_eq(http_chunked_feed(&c, "FFFFFFFFFFFFFFFF\r\nabc", 21, out, &done), 3);
	ck_assert(!done);
}
END_TEST

/* The captured chunked profile decodes to the body Python's decoder got,
 * whole, one byte at a time and in uneven pieces. */
START_TEST(chunked_captured)
{
	size_t len, blen;
	char *raw = read_fixture("go-heap-http11-chunked.raw", &len);
	char *body = read_fixture("go-heap-http11-chunked.body", &blen);
	struct http_head h;
	ck_assert_int_eq(http_parse_head(raw, len, &h), 1);
	const char *in = raw + h.head_len;
	size_t n = len - h.head_len;
	char *out = malloc(n);
	size_t *cuts = malloc(n * sizeof *cuts);
	bool done;

	size_t whole[1] = {n};
	ck_assert_int_eq(decode(in, n, whole, 1, out, &done), blen);
	ck_assert(done);
	ck_assert_mem_eq(out, body, blen);

	for (size_t i = 0; i < n; i++)
		cuts[i] = i + 1;
	memset(out, 0, n);
	ck_assert_int_eq(decode(in, n, cuts, n, out, &done), blen);
	ck_assert(done);
	ck_assert_mem_eq(out, body, blen);

	unsigned seed = 12345;
	size_t k = 0;
	for (size_t at = 0; at < n; k++) {
		seed = seed * 1103515245 + 12345;
		at += 1 + (seed >> 16) % 700;
		cuts[k] = at < n ? at : n;
	}
	memset(out, 0, n);
	ck_assert_int_eq(decode(in, n, cuts, k, out, &done), blen);
	ck_assert(done);
	ck_assert_mem_eq(out, body, blen);
	ck_assert_mem_eq(out, "\x1f\x8b", 2);

	/* Cut before its last byte, the body is not done. */
	size_t short_cut[1] = {n - 1};
	ck_assert_int_ge(decode(in, n, short_cut, 1, out, &done), 0);
	ck_assert(!done);
	free(cuts);
	free(out);
	free(body);
	free(raw);
}
END_TEST

/* ---------------------------------------------------------------- target */

static void assert_target(const char *s, int family, const char *addr, unsigned port,
			  const char *path)
{
	struct http_target t;
	const char *why = "unset";
	ck_assert_msg(http_target_parse(s, &t, &why) == 0, "\"%s\": %s", s, why);
	ck_assert_int_eq(t.family, family);
	char text[INET6_ADDRSTRLEN];
	ck_assert_ptr_nonnull(inet_ntop(family, t.addr, text, sizeof text));
	ck_assert_str_eq(text, addr);
	ck_assert_uint_eq(t.port, port);
	ck_assert_str_eq(t.path, path);
}

START_TEST(target_good)
{
	assert_target("6060", AF_INET, "127.0.0.1", 6060, HTTP_TARGET_PATH_DEFAULT);
	assert_target("1", AF_INET, "127.0.0.1", 1, "/debug/pprof/heap");
	assert_target("65535", AF_INET, "127.0.0.1", 65535, "/debug/pprof/heap");
	assert_target("http://127.0.0.1:6060/debug/pprof/heap", AF_INET, "127.0.0.1", 6060,
		      "/debug/pprof/heap");
	assert_target("http://localhost:6060", AF_INET, "127.0.0.1", 6060, "/debug/pprof/heap");
	assert_target("HTTP://LocalHost:7/", AF_INET, "127.0.0.1", 7, "/");
	assert_target("http://[::1]:6060/x", AF_INET6, "::1", 6060, "/x");
	assert_target("http://[::ffff:127.0.0.1]:6060", AF_INET6, "::ffff:127.0.0.1", 6060,
		      "/debug/pprof/heap");
	assert_target("http://10.1.2.3", AF_INET, "10.1.2.3", 80, "/debug/pprof/heap");
	assert_target("http://[fd00::2]/p", AF_INET6, "fd00::2", 80, "/p");
	assert_target("http://127.0.0.1:6060/debug/pprof/heap?gc=1&seconds=0", AF_INET,
		      "127.0.0.1", 6060, "/debug/pprof/heap?gc=1&seconds=0");
}
END_TEST

START_TEST(target_bad)
{
	static const char *bad[] = {
		"",
		"0",
		"00000",
		"65536",
		"99999999999999999999",
		"-1",
		" 6060",
		"6060 ",
		"6060x",
		"0x10",
		"127.0.0.1:6060",
		"localhost:6060",
		"https://127.0.0.1:6060/debug/pprof/heap",
		"ftp://127.0.0.1/",
		"http:/127.0.0.1:6060",
		"http://",
		"http://:6060",
		"http://example.com:6060/",
		"http://metadata.google.internal/",
		"http://127.1:6060/",
		"http://256.0.0.1/",
		"http://1.2.3.4.5/",
		"http://user@127.0.0.1:6060/",
		"http://[::1",
		"http://[::1]x/",
		"http://[::1]:",
		"http://[]:6060/",
		"http://[zz::1]:6060/",
		"http://[fe80::1%eth0]:6060/",
		"http://[127.0.0.1]:6060/",
		"http://127.0.0.1:0/",
		"http://127.0.0.1:65536/",
		"http://127.0.0.1:/",
		"http://127.0.0.1:60a0/",
		"http://127.0.0.1:+6060/",
		"http://127.0.0.1:6060x/",
		"http://127.0.0.1:6060?gc=1",
		"http://127.0.0.1:6060/a b",
		"http://127.0.0.1:6060/a\r\nX-Injected: 1",
		"http://127.0.0.1:6060/#frag",
		"http://127.0.0.1:6060/\x80",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct http_target t;
		memset(&t, 0xa5, sizeof t);
		struct http_target before = t;
		const char *why = NULL;
		ck_assert_msg(http_target_parse(bad[i], &t, &why) == -EINVAL, "\"%s\"", bad[i]);
		ck_assert_msg(why && *why, "\"%s\": no reason", bad[i]);
		ck_assert_mem_eq(&t, &before, sizeof t); /* untouched on failure */
	}
	/* The longest path that fits, and one byte more. */
	char url[512] = "http://127.0.0.1:1/";
	size_t base = strlen(url);
	memset(url + base, 'p', sizeof((struct http_target *)0)->path - 2);
	url[base + sizeof((struct http_target *)0)->path - 2] = '\0';
	struct http_target t;
	const char *why;
	ck_assert_int_eq(http_target_parse(url, &t, &why), 0);
	ck_assert_uint_eq(strlen(t.path), sizeof t.path - 1);
	strcat(url, "p");
	ck_assert_int_eq(http_target_parse(url, &t, &why), -EINVAL);
	ck_assert_str_eq(why, "path too long");

	ck_assert_int_eq(http_target_parse("https://x", &t, &why), -EINVAL);
	ck_assert_str_eq(why, "https is not supported");
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http_reply");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	size_t n = sizeof captured / sizeof *captured;
	tcase_add_loop_test(tc, captured_heads, 0, (int)n);
	tcase_add_loop_test(tc, captured_heads_lf, 0, (int)n);
	tcase_add_test(tc, head_fields);
	tcase_add_test(tc, head_garbage);
	tcase_add_test(tc, head_too_long);
	tcase_add_test(tc, chunked_every_split);
	tcase_add_test(tc, chunked_in_place_and_lf);
	tcase_add_test(tc, chunked_bad);
	tcase_add_test(tc, chunked_captured);
	tcase_add_test(tc, target_good);
	tcase_add_test(tc, target_bad);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(http_suite()); }
