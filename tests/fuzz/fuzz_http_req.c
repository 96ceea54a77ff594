/* Fuzzes what the metrics listener reads from any client: the head of an
 * HTTP request. Beyond "no crash", the reader must agree with itself: the
 * same answer whole, byte by byte and in random pieces; a head complete at
 * exactly one length; a refusal at exactly one byte (one byte less is
 * "more"), with a status the listener can send; and the reply to whatever
 * was read fits its buffer. */
#include "fuzz.h"
#include "http_req.h"

struct reading {
	enum http_req_result res;
	struct http_req r;
};

/* Feeds data in pieces drawn from seed (0: whole; 1: byte by byte), each
 * piece an exact heap copy so that a read past it is ASan's to see. */
static void feed(const uint8_t *data, size_t size, unsigned seed, struct reading *out)
{
	memset(&out->r, 0xa5, sizeof out->r);
	http_req_init(&out->r);
	out->res = http_req_feed(&out->r, "", 0);
	FUZZ_CHECK(out->res == HTTP_REQ_MORE, "empty feed: %d", out->res);
	size_t at = 0;
	while (at < size) {
		size_t n = size - at;
		if (seed == 1) {
			n = 1;
		} else if (seed) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 64;
			if (n > size - at)
				n = size - at;
		}
		char *piece = fuzz_outbuf(n);
		memcpy(piece, data + at, n);
		out->res = http_req_feed(&out->r, piece, n);
		free(piece);
		at += n;
	}
}

static void same(const struct reading *a, const struct reading *b, const char *how)
{
	FUZZ_CHECK(a->res == b->res && a->r.head_len == b->r.head_len &&
			   a->r.method == b->r.method,
		   "%s: %d/%zu vs %d/%zu", how, a->res, a->r.head_len, b->res, b->r.head_len);
	if (a->res == HTTP_REQ_ERROR)
		FUZZ_CHECK(a->r.status == b->r.status && strcmp(a->r.why, b->r.why) == 0,
			   "%s: %d %s vs %d %s", how, a->r.status, a->r.why, b->r.status, b->r.why);
	if (a->res == HTTP_REQ_DONE) {
		const char *qa = http_req_query(&a->r), *qb = http_req_query(&b->r);
		FUZZ_CHECK(a->r.version_minor == b->r.version_minor &&
				   strcmp(http_req_path(&a->r), http_req_path(&b->r)) == 0 &&
				   (qa == NULL) == (qb == NULL) && (!qa || strcmp(qa, qb) == 0),
			   "%s: the request reads differently", how);
	}
}

/* What a complete request holds: a method, a path of visible ASCII from
 * '/', a query of the same, both terminated within the target. */
static void check_done(const struct http_req *r, size_t size)
{
	FUZZ_CHECK(r->head_len > 0 && r->head_len <= size && r->head_len <= HTTP_REQ_MAX,
		   "head_len %zu of %zu", r->head_len, size);
	FUZZ_CHECK(r->method == HTTP_REQ_GET || r->method == HTTP_REQ_HEAD, "method %d",
		   r->method);
	FUZZ_CHECK(r->version_minor >= 0 && r->version_minor <= 9, "1.%d", r->version_minor);
	FUZZ_CHECK(fuzz_terminated(r->target, sizeof r->target), "target not terminated");
	const char *path = http_req_path(r);
	FUZZ_CHECK(path[0] == '/', "path \"%s\"", path);
	for (const char *p = path; *p; p++)
		FUZZ_CHECK(*p > ' ' && *p <= '~' && *p != '?' && *p != '#', "path byte 0x%02x",
			   (unsigned char)*p);
	const char *q = http_req_query(r);
	if (q) {
		FUZZ_CHECK(q > path + strlen(path) && q < r->target + sizeof r->target &&
				   fuzz_terminated(q, (size_t)(r->target + sizeof r->target - q)),
			   "query outside the target");
		for (const char *p = q; *p; p++)
			FUZZ_CHECK(*p > ' ' && *p <= '~' && *p != '#', "query byte 0x%02x",
				   (unsigned char)*p);
	}
	enum http_route route = http_req_route(r);
	FUZZ_CHECK((route == HTTP_ROUTE_METRICS) == (strcmp(path, "/metrics") == 0) &&
			   (route == HTTP_ROUTE_HEALTHZ) == (strcmp(path, "/healthz") == 0),
		   "route %d for \"%s\"", route, path);

	/* The reply's head fits the buffer the header promises. */
	char *head = fuzz_outbuf(HTTP_REQ_REPLY_HEAD_MAX);
	size_t n = http_req_reply_head(head, HTTP_REQ_REPLY_HEAD_MAX,
				       route == HTTP_ROUTE_NOT_FOUND ? 404 : 200,
				       route == HTTP_ROUTE_METRICS ? HTTP_REQ_CT_METRICS
								   : HTTP_REQ_CT_TEXT,
				       size, (int64_t)size * 1000003);
	FUZZ_CHECK(n > 4 && n < HTTP_REQ_REPLY_HEAD_MAX && memcmp(head + n - 4, "\r\n\r\n", 4) == 0,
		   "reply head of %zu bytes", n);
	free(head);
}

static void check_error(const struct http_req *r, size_t size)
{
	int s = r->status;
	FUZZ_CHECK(s == 400 || s == 405 || s == 414 || s == 431 || s == 505, "status %d", s);
	FUZZ_CHECK(r->why && *r->why, "no reason for %d", s);
	FUZZ_CHECK(r->head_len > 0 && r->head_len <= size && r->head_len <= HTTP_REQ_MAX + 1,
		   "refused after %zu of %zu bytes", r->head_len, size);
	FUZZ_CHECK(s != 414 || r->head_len == HTTP_REQ_LINE_MAX + 1 ||
			   r->head_len == HTTP_REQ_LINE_MAX + 2 ||
			   r->head_len == HTTP_REQ_LINE_MAX + 3,
		   "414 at byte %zu", r->head_len); /* + the empty line allowed before */
	FUZZ_CHECK((s == 431) == (r->head_len == HTTP_REQ_MAX + 1), "431 at byte %zu",
		   r->head_len);
	FUZZ_CHECK(s != 405 || r->method == HTTP_REQ_NONE, "405 with a method");
	size_t cap = HTTP_REQ_REPLY_HEAD_MAX + 64;
	char *reply = fuzz_outbuf(cap);
	size_t n = http_req_reply_canned(reply, cap, s, r->method == HTTP_REQ_HEAD, 0);
	FUZZ_CHECK(n > 0 && n < cap, "canned reply to %d: %zu bytes", s, n);
	free(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reading whole, bytes, pieces;
	feed(data, size, 0, &whole);
	FUZZ_CHECK(whole.res == HTTP_REQ_MORE || whole.res == HTTP_REQ_DONE ||
			   whole.res == HTTP_REQ_ERROR,
		   "result %d", whole.res);
	feed(data, size, 1, &bytes);
	same(&whole, &bytes, "byte by byte");
	feed(data, size, size ? data[0] + 2u : 2u, &pieces);
	same(&whole, &pieces, "in pieces");

	if (whole.res == HTTP_REQ_MORE) {
		FUZZ_CHECK(whole.r.head_len == size && size <= HTTP_REQ_MAX,
			   "more after %zu of %zu bytes", whole.r.head_len, size);
		return 0;
	}
	if (whole.res == HTTP_REQ_DONE)
		check_done(&whole.r, size);
	else
		check_error(&whole.r, size);

	/* The answer comes at exactly head_len bytes: not a byte before, and
	 * the same with nothing after. */
	struct reading cut;
	feed(data, whole.r.head_len, 0, &cut);
	same(&whole, &cut, "cut at its end");
	feed(data, whole.r.head_len - 1, 0, &cut);
	FUZZ_CHECK(cut.res == HTTP_REQ_MORE, "answered before byte %zu", whole.r.head_len);
	return 0;
}
