/* Fuzzes what a fetch of a heap profile reads from outside: the head of an
 * HTTP response and its chunked body (from any process listening in the
 * pod), the URL of a target (from settings), the lines of /proc/PID/net/tcp
 * and tcp6 and the links of /proc/PID/fd. Beyond "no crash", each parser
 * must agree with itself: a head is complete at exactly one length, a
 * chunked body decodes the same however it is split, a parsed target
 * written back as a URL parses to the same target. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "http_reply.h"
#include "nettcp.h"

static void check_head(const uint8_t *data, size_t size)
{
	/* An exact-size copy: a read past len is ASan's to see. */
	char *buf = fuzz_outbuf(size);
	memcpy(buf, data, size);
	struct http_head h;
	memset(&h, 0xa5, sizeof h);
	int r = http_parse_head(buf, size, &h);
	FUZZ_CHECK(r == 1 || r == 0 || r == -EPROTO || r == -E2BIG, "http_parse_head: %d", r);
	FUZZ_CHECK(r != -E2BIG || size >= HTTP_HEAD_MAX, "E2BIG at %zu bytes", size);
	if (r == 1) {
		FUZZ_CHECK(h.head_len > 0 && h.head_len <= size && h.head_len <= HTTP_HEAD_MAX,
			   "head_len %zu of %zu", h.head_len, size);
		FUZZ_CHECK(h.status >= 100 && h.status <= 999, "status %d", h.status);
		FUZZ_CHECK(!h.chunked || h.content_length == -1, "chunked with a length");
		FUZZ_CHECK(h.content_length >= -1, "length %" PRId64, h.content_length);
		FUZZ_CHECK(fuzz_terminated(h.content_type, sizeof h.content_type),
			   "content_type not terminated");
		for (const char *p = h.content_type; *p; p++)
			FUZZ_CHECK(*p != ';' && !(*p >= 'A' && *p <= 'Z'), "content_type \"%s\"",
				   h.content_type);
		/* Complete at head_len with the same reading, not a byte before. */
		struct http_head again;
		FUZZ_CHECK(http_parse_head(buf, h.head_len, &again) == 1 &&
				   again.head_len == h.head_len && again.status == h.status &&
				   again.content_length == h.content_length &&
				   again.chunked == h.chunked &&
				   again.content_encoded == h.content_encoded &&
				   strcmp(again.content_type, h.content_type) == 0,
			   "head differs when cut at its end");
		FUZZ_CHECK(http_parse_head(buf, h.head_len - 1, &again) == 0,
			   "complete before its blank line");
	}
	free(buf);
}

struct decoded {
	ssize_t result; /* bytes or -EPROTO */
	bool done;
};

/* Feeds data split at pseudo-random points drawn from seed (0: whole),
 * stopping at the end or an error; out holds the concatenated body. */
static struct decoded decode(const uint8_t *data, size_t size, unsigned seed, char *out)
{
	struct http_chunked c;
	http_chunked_init(&c);
	struct decoded d = {0, false};
	size_t at = 0;
	while (at < size && !d.done) {
		size_t n = size - at;
		if (seed) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 17;
			if (n > size - at)
				n = size - at;
		}
		char *piece = fuzz_outbuf(n);
		memcpy(piece, data + at, n);
		ssize_t r = http_chunked_feed(&c, piece, n, out + d.result, &d.done);
		free(piece);
		if (r < 0) {
			FUZZ_CHECK(r == -EPROTO, "http_chunked_feed: %zd", r);
			d.result = r;
			return d;
		}
		FUZZ_CHECK((size_t)r <= n, "%zd body bytes out of %zu", r, n);
		d.result += r;
		at += n;
	}
	return d;
}

static void check_chunked(const uint8_t *data, size_t size)
{
	char *whole = fuzz_outbuf(size);
	char *split = fuzz_outbuf(size);
	struct decoded a = decode(data, size, 0, whole);
	unsigned seed = size ? data[0] + 1u : 1u;
	struct decoded b = decode(data, size, seed, split);
	FUZZ_CHECK((a.result < 0) == (b.result < 0) && a.done == b.done,
		   "whole %zd/%d, split %zd/%d", a.result, a.done, b.result, b.done);
	if (a.result >= 0)
		FUZZ_CHECK(a.result == b.result && memcmp(whole, split, (size_t)a.result) == 0,
			   "whole and split bodies differ");
	/* In place, as pprof_fetch decodes. */
	if (a.result >= 0) {
		memcpy(split, data, size);
		struct http_chunked c;
		http_chunked_init(&c);
		bool done;
		ssize_t r = http_chunked_feed(&c, split, size, split, &done);
		FUZZ_CHECK(r == a.result && done == a.done &&
				   memcmp(split, whole, (size_t)a.result) == 0,
			   "in place differs");
	}
	free(whole);
	free(split);
}

static void check_target(const char *s)
{
	struct http_target t;
	memset(&t, 0xa5, sizeof t);
	const char *why = NULL;
	int r = http_target_parse(s, &t, &why);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "http_target_parse: %d", r);
	if (r) {
		FUZZ_CHECK(why && *why, "no reason for \"%s\"", s);
		return;
	}
	FUZZ_CHECK(t.family == AF_INET || t.family == AF_INET6, "family %d", t.family);
	FUZZ_CHECK(t.port >= 1, "port 0");
	FUZZ_CHECK(fuzz_terminated(t.path, sizeof t.path) && t.path[0] == '/', "path");
	for (const char *p = t.path; *p; p++)
		FUZZ_CHECK(*p > ' ' && *p <= '~', "path byte 0x%02x", (unsigned char)*p);
	/* Written back as a URL, it parses to the same target. */
	char host[INET6_ADDRSTRLEN], url[512];
	FUZZ_CHECK(inet_ntop(t.family, t.addr, host, sizeof host), "inet_ntop");
	bool v6 = t.family == AF_INET6;
	snprintf(url, sizeof url, "http://%s%s%s:%u%s", v6 ? "[" : "", host, v6 ? "]" : "",
		 (unsigned)t.port, t.path);
	struct http_target u;
	memset(&u, 0, sizeof u);
	FUZZ_CHECK(http_target_parse(url, &u, &why) == 0, "\"%s\" from \"%s\": %s", url, s, why);
	FUZZ_CHECK(u.family == t.family && u.port == t.port &&
			   memcmp(u.addr, t.addr, v6 ? 16 : 4) == 0 && strcmp(u.path, t.path) == 0,
		   "\"%s\" reads differently from \"%s\"", url, s);
}

static void check_nettcp(const char *line)
{
	size_t len = strlen(line);
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		struct nettcp_listen l;
		memset(&l, 0xa5, sizeof l);
		int r = nettcp_parse_line(line, len, family, &l);
		FUZZ_CHECK(r == 1 || r == 0 || r == -EINVAL, "nettcp_parse_line: %d", r);
		if (r != 1)
			continue;
		FUZZ_CHECK(l.family == family, "family %d", l.family);
		/* the port, as the kernel prints it, is in the line */
		char port[8];
		snprintf(port, sizeof port, ":%04X ", (unsigned)l.port);
		FUZZ_CHECK(strcasestr(line, port),
			   "port %u not in \"%s\"", (unsigned)l.port, line);
	}
	uint64_t inode = 0;
	int r = nettcp_parse_socket_link(line, len, &inode);
	FUZZ_CHECK(r == 1 || r == 0 || r == -EINVAL, "nettcp_parse_socket_link: %d", r);
	if (r != 0)
		FUZZ_CHECK(strncmp(line, "socket:[", 8) == 0, "not a socket link: \"%s\"", line);
	if (r == 1)
		FUZZ_CHECK(line[len - 1] == ']', "\"%s\"", line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_head(data, size);
	check_chunked(data, size);
	char *s = fuzz_cstr(data, size);
	check_target(s);
	free(s);
	char *lines[64];
	int n = fuzz_split(data, size, '\n', lines, 64);
	for (int i = 0; i < n; i++)
		check_nettcp(lines[i]);
	fuzz_free_strings(lines, n);
	return 0;
}
