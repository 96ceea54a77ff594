/* http_req: the head of an HTTP/1.x request to the metrics listener, read
 * incrementally, and the heads of the replies to it. Pure: the listener's
 * I/O feeds the bytes it reads and writes what is formatted here.
 *
 * The listener answers GET and HEAD of /metrics and /healthz, one request
 * per connection: it reads the head, answers and closes. So nothing after
 * the head is read: no body (a Content-Length or Transfer-Encoding on a GET
 * is ignored; it cannot be taken for a next request on a connection that is
 * closed), no pipelined request, and no header is kept. The reader is a
 * byte-at-a-time state machine: it buffers the target only (at most
 * HTTP_REQ_LINE_MAX bytes), refuses at the first byte that makes the
 * request invalid, and reads exactly the same however the bytes are split.
 *
 * What is refused (RFC 9112 unless said):
 *   400  a byte that has no place where it is: a control byte or non-ASCII
 *        in the request line or a header name, a control byte other than
 *        HTAB in a header value, a CR not followed by LF; not exactly one SP
 *        between the parts of the request line (3); a target that is not
 *        origin-form ("/path?query") or absolute-form with scheme http
 *        (3.2: "http://host/path", the authority skipped), a character
 *        outside RFC 3986's path and query sets, a bad %XX, a fragment; a
 *        header line without a colon, with a blank before it (5.1) or
 *        folded (5.2); an HTTP/1.1 request without exactly one Host, or a
 *        second Host in any request (3.2); more than one empty line before
 *        the request line (2.2 asks to ignore at least one).
 *   405  a method other than GET or HEAD. Methods are case-sensitive
 *        (RFC 9110 9.1): "get" is another method. It is refused at its
 *        first byte that leaves GET and HEAD behind (so "POST" at the "P"),
 *        unless that byte cannot be in a method at all (then 400).
 *   414  a request line longer than HTTP_REQ_LINE_MAX bytes (line end not
 *        counted), refused at its byte HTTP_REQ_LINE_MAX + 1.
 *   431  a head longer than HTTP_REQ_MAX bytes, refused at byte
 *        HTTP_REQ_MAX + 1.
 *   505  a version other than HTTP/1.x, refused at its major digit.
 * A line may end in CRLF or a bare LF (2.2 allows a recipient to take a
 * bare LF as a line end; Go's and curl's servers do); a bare CR is refused.
 * The target is not percent-decoded: "/%6Detrics" is not /metrics.
 */
#ifndef OOMSENTRY_HTTP_REQ_H
#define OOMSENTRY_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_REQ_MAX 4096      /* the whole head, line ends included */
#define HTTP_REQ_LINE_MAX 2048 /* the request line, its line end not included */

enum http_req_result {
	HTTP_REQ_MORE,  /* the head is not complete: feed more */
	HTTP_REQ_DONE,  /* the head is complete and valid: route it */
	HTTP_REQ_ERROR, /* refused: answer status (http_req_reply_canned) and close */
};

enum http_req_method { HTTP_REQ_NONE, HTTP_REQ_GET, HTTP_REQ_HEAD };

struct http_req {
	/* Set as soon as the method is read (so an error reply to a HEAD can
	 * leave out its body); HTTP_REQ_NONE before, and for a refused method. */
	enum http_req_method method;
	int version_minor;      /* DONE: the x of HTTP/1.x */
	int status;             /* ERROR: 400, 405, 414, 431 or 505 */
	const char *why;        /* ERROR: a short reason, for the log */
	size_t head_len;        /* bytes read: through the blank line (DONE), through
				 * the refused byte (ERROR); later bytes are not read */
	/* DONE: the path, NUL, then the query (without its '?'), NUL. */
	char target[HTTP_REQ_LINE_MAX];
	/* private */
	int state;
	size_t line_len;        /* of the request line, its line end not counted */
	size_t path_len, query_at, stored;
	int step;               /* within a literal ("GET", "http://", "HTTP/") */
	int pct;                /* hex digits still due after a '%' */
	int hosts;              /* Host fields seen */
	int name_len;           /* of the header name being read, up to 5 */
	bool name_host;         /* ... and it still reads "host" */
	bool empty_lines;       /* the empty line before the request line was used */
};

void http_req_init(struct http_req *r);

/* Reads the next len bytes of the connection. Returns HTTP_REQ_MORE until
 * the head is complete or refused; after that it returns the same result
 * again and reads nothing (bytes after the head are ignored). */
enum http_req_result http_req_feed(struct http_req *r, const char *data, size_t len);

/* DONE: the path ("/metrics"), never empty; absolute-form reads as its path. */
static inline const char *http_req_path(const struct http_req *r) { return r->target; }
/* DONE: the query without its '?' ("" for "/metrics?"), or NULL without one. */
static inline const char *http_req_query(const struct http_req *r)
{
	return r->query_at ? r->target + r->query_at : NULL;
}

enum http_route { HTTP_ROUTE_NOT_FOUND, HTTP_ROUTE_METRICS, HTTP_ROUTE_HEALTHZ };

/* Where a complete request goes, by its exact path (the query is ignored;
 * "/metrics/" is not found). */
enum http_route http_req_route(const struct http_req *r);

/* ---------------------------------------------------------------- reply */

/* Prometheus's text exposition format 0.0.4. */
#define HTTP_REQ_CT_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define HTTP_REQ_CT_TEXT "text/plain; charset=utf-8"

/* Enough for any head formatted here. */
#define HTTP_REQ_REPLY_HEAD_MAX 256

/* Formats a whole response head, blank line included:
 *   HTTP/1.1 STATUS Reason
 *   Date: Sun, 06 Nov 1994 08:49:37 GMT    (when now_s >= 0: RFC 9110 6.6.1)
 *   Content-Type: content_type
 *   Content-Length: content_length
 *   Allow: GET, HEAD                       (405 only: RFC 9110 15.5.6)
 *   Connection: close
 *   Cache-Control: no-store
 * To a HEAD, send the head only, with the length the GET's body would have
 * (RFC 9110 9.3.2). now_s is seconds since the epoch (time is an argument so
 * the output is testable). Statuses known: 200, 400, 404, 405, 414, 431,
 * 500, 503, 505. Returns the head's length (NUL-terminated in buf), or 0 for
 * an unknown status, a content_type with a control byte, or a head that
 * does not fit in size (HTTP_REQ_REPLY_HEAD_MAX always fits). */
size_t http_req_reply_head(char *buf, size_t size, int status, const char *content_type,
			   size_t content_length, int64_t now_s);

/* The small text/plain body of a reply made here: "ok\n" for 200 (the
 * health check), "404 Not Found\n" and the like for the others; NULL for an
 * unknown status. */
const char *http_req_canned_body(int status);

/* A whole reply with its canned body (the head only when head_only, for a
 * HEAD: pass r->method == HTTP_REQ_HEAD). Returns its length, or 0 as
 * http_req_reply_head does. HTTP_REQ_REPLY_HEAD_MAX + 64 always fits. */
size_t http_req_reply_canned(char *buf, size_t size, int status, bool head_only, int64_t now_s);

#endif
