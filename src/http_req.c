#include "http_req.h"

#include <stdio.h>
#include <string.h>

#include "utc.h"

enum {
	ST_START,     /* the first byte of the request line, or of an empty line before it */
	ST_START_LF,  /* the LF of that empty line's CRLF */
	ST_METHOD,    /* within "GET" or "HEAD" (step: bytes matched) */
	ST_TARGET,    /* the first byte of the target */
	ST_SCHEME,    /* within "http://" (step: bytes matched) */
	ST_AUTHORITY, /* host[:port] of an absolute-form target (step: its length) */
	ST_PATH,
	ST_QUERY,
	ST_VERSION,   /* within "HTTP/1." and its minor digit (step: bytes matched) */
	ST_LINE_END,  /* the CR or LF after the version */
	ST_LINE_LF,   /* the LF after that CR */
	ST_FIELD,     /* the first byte of a header line, or of the blank line */
	ST_NAME,
	ST_VALUE,
	ST_VALUE_LF,
	ST_END_LF,    /* the LF of the blank line's CRLF */
	ST_DONE,
	ST_ERROR,
};

void http_req_init(struct http_req *r) { *r = (struct http_req){.state = ST_START}; }

/* ASCII only: the C library's case functions follow the locale. */
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ASCII's control bytes; bytes 0x80-0xff (obs-text) are not. */
static bool is_ctl(char c) { return (unsigned char)c < 0x20 || c == 0x7f; }

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f');
}

/* RFC 9110 5.6.2: the characters of a token (a method, a header name). */
static bool is_tchar(char c) { return is_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c)); }

/* RFC 3986 2.3 unreserved and 2.2 sub-delims: what a path segment, a query
 * and a host share ('%' is handled apart). */
static bool is_uri_char(char c) { return is_alnum(c) || (c && strchr("-._~!$&'()*+,;=", c)); }

static bool is_path_char(char c) { return is_uri_char(c) || c == ':' || c == '@' || c == '/'; }
static bool is_query_char(char c) { return is_path_char(c) || c == '?'; }
/* Userinfo ('@') is refused: RFC 9110 4.2.4. */
static bool is_authority_char(char c) { return is_uri_char(c) || c == ':' || c == '[' || c == ']'; }

static void fail(struct http_req *r, int status, const char *why)
{
	r->state = ST_ERROR;
	r->status = status;
	r->why = why;
}

/* Keeps c of the target. The request line's bound keeps the target within
 * the array (see HTTP_REQ_LINE_MAX); the check is a second guard. */
static void store(struct http_req *r, char c)
{
	if (r->stored >= sizeof r->target - 1) {
		fail(r, 414, "target too long");
		return;
	}
	r->target[r->stored++] = c;
}

/* A '%' and the two hex digits after it: returns true when c is one of
 * them (kept in the target when keep; a bad digit fails the request). */
static bool percent(struct http_req *r, char c, bool keep)
{
	if (r->pct) {
		if (!is_hex(c)) {
			fail(r, 400, "bad percent-encoding in the target");
			return true;
		}
		r->pct--;
	} else if (c == '%') {
		r->pct = 2;
	} else {
		return false;
	}
	if (keep)
		store(r, c);
	return true;
}

static void end_target(struct http_req *r)
{
	store(r, '\0');
	r->state = ST_VERSION;
	r->step = 0;
}

static void start_query(struct http_req *r)
{
	store(r, '\0');
	r->query_at = r->stored;
	r->state = ST_QUERY;
}

/* The method's byte c; step bytes of "GET" or "HEAD" are matched. */
static void method_byte(struct http_req *r, char c)
{
	static const char *const names[] = {"GET", "HEAD"};
	const char *want = NULL;
	if (r->step == 0) {
		want = c == 'G' ? names[0] : c == 'H' ? names[1] : NULL;
		r->method = c == 'G' ? HTTP_REQ_GET : c == 'H' ? HTTP_REQ_HEAD : HTTP_REQ_NONE;
	} else {
		want = names[r->method == HTTP_REQ_GET ? 0 : 1];
	}
	if (want && (size_t)r->step == strlen(want) && c == ' ') {
		r->state = ST_TARGET;
		return;
	}
	if (want && (size_t)r->step < strlen(want) && c == want[r->step]) {
		r->step++;
		return;
	}
	/* Not GET or HEAD: a method all the same if c can be in one (or ends one). */
	r->method = HTTP_REQ_NONE;
	if (is_tchar(c) || (c == ' ' && r->step > 0))
		fail(r, 405, "method not allowed");
	else
		fail(r, 400, "bad request line");
}

static void target_byte(struct http_req *r, char c)
{
	switch (r->state) {
	case ST_TARGET:
		if (c == '/') {
			store(r, c);
			r->state = ST_PATH;
		} else if (c == 'h' || c == 'H') {
			r->state = ST_SCHEME;
			r->step = 1;
		} else {
			fail(r, 400, "target is not a path or an http:// URL");
		}
		return;
	case ST_SCHEME: {
		static const char scheme[] = "http://";
		if (lower(c) != scheme[r->step]) {
			fail(r, 400, "target is not a path or an http:// URL");
			return;
		}
		if (++r->step == (int)sizeof scheme - 1) {
			r->state = ST_AUTHORITY;
			r->step = 0;
		}
		return;
	}
	case ST_AUTHORITY:
		if (percent(r, c, false) || is_authority_char(c)) {
			r->step++;
			return;
		}
		if (r->step == 0 || (c != '/' && c != '?' && c != ' ')) {
			fail(r, 400, r->step ? "bad byte in the target's host" : "no host in the target");
			return;
		}
		store(r, '/'); /* the path, or "/" when there is none (RFC 9112 3.2.1) */
		if (c == '/')
			r->state = ST_PATH;
		else if (c == '?')
			start_query(r);
		else
			end_target(r);
		return;
	case ST_PATH:
	case ST_QUERY:
		if (percent(r, c, true))
			return;
		if (c == ' ')
			end_target(r);
		else if (c == '?' && r->state == ST_PATH)
			start_query(r);
		else if (r->state == ST_PATH ? is_path_char(c) : is_query_char(c))
			store(r, c);
		else
			fail(r, 400, c == '#' ? "fragment in the target" : "bad byte in the target");
		return;
	default:
		return;
	}
}

static void version_byte(struct http_req *r, char c)
{
	static const char lit[] = "HTTP/1.";
	if (r->step == 5 && c >= '0' && c <= '9' && c != '1') {
		fail(r, 505, "HTTP version not supported");
		return;
	}
	if (r->step < (int)sizeof lit - 1) {
		if (c != lit[r->step])
			fail(r, 400, "bad HTTP version");
		else
			r->step++;
		return;
	}
	if (c < '0' || c > '9') {
		fail(r, 400, "bad HTTP version");
		return;
	}
	r->version_minor = c - '0';
	r->state = ST_LINE_END;
}

/* The end of the head: RFC 9112 3.2 asks HTTP/1.1 for exactly one Host. */
static void finish(struct http_req *r)
{
	if (r->version_minor >= 1 && r->hosts == 0) {
		fail(r, 400, "no Host header");
		return;
	}
	r->state = ST_DONE;
}

static void field_byte(struct http_req *r, char c)
{
	switch (r->state) {
	case ST_FIELD:
		if (c == '\r') {
			r->state = ST_END_LF;
		} else if (c == '\n') {
			finish(r);
		} else if (is_tchar(c)) {
			r->state = ST_NAME;
			r->name_len = 1;
			r->name_host = lower(c) == 'h';
		} else {
			fail(r, 400, c == ' ' || c == '\t' ? "folded header line"
							   : "bad byte at a header line's start");
		}
		return;
	case ST_NAME:
		if (is_tchar(c)) {
			r->name_host = r->name_host && r->name_len < 4 && lower(c) == "host"[r->name_len];
			if (r->name_len < 5)
				r->name_len++;
		} else if (c == ':') {
			if (r->name_host && r->name_len == 4 && ++r->hosts > 1) {
				fail(r, 400, "second Host header");
				return;
			}
			r->state = ST_VALUE;
		} else {
			fail(r, 400, c == '\r' || c == '\n' ? "header line without a colon"
							    : "bad byte in a header name");
		}
		return;
	case ST_VALUE:
		/* RFC 9110 5.5: visible ASCII, obs-text (0x80-0xff), SP and HTAB. */
		if (c == '\r')
			r->state = ST_VALUE_LF;
		else if (c == '\n')
			r->state = ST_FIELD;
		else if (is_ctl(c) && c != '\t')
			fail(r, 400, "control byte in a header value");
		return;
	case ST_VALUE_LF:
	case ST_END_LF:
		if (c != '\n')
			fail(r, 400, "CR without LF");
		else if (r->state == ST_END_LF)
			finish(r);
		else
			r->state = ST_FIELD;
		return;
	default:
		return;
	}
}

static void byte(struct http_req *r, char c)
{
	/* The request line's bytes count against its bound whatever they are,
	 * so a long line is refused at the same byte however it is garbled. */
	if (r->state <= ST_LINE_LF && r->state != ST_START_LF && c != '\r' && c != '\n' &&
	    ++r->line_len > HTTP_REQ_LINE_MAX) {
		fail(r, 414, "request line too long");
		return;
	}
	switch (r->state) {
	case ST_START:
		if (c == '\r' || c == '\n') {
			if (r->empty_lines) {
				fail(r, 400, "empty lines before the request line");
				return;
			}
			r->empty_lines = true;
			if (c == '\r')
				r->state = ST_START_LF;
			return;
		}
		r->state = ST_METHOD;
		method_byte(r, c);
		return;
	case ST_START_LF:
		if (c != '\n')
			fail(r, 400, "CR without LF");
		else
			r->state = ST_START;
		return;
	case ST_METHOD:
		method_byte(r, c);
		return;
	case ST_TARGET:
	case ST_SCHEME:
	case ST_AUTHORITY:
	case ST_PATH:
	case ST_QUERY:
		target_byte(r, c);
		return;
	case ST_VERSION:
		version_byte(r, c);
		return;
	case ST_LINE_END:
		if (c == '\r')
			r->state = ST_LINE_LF;
		else if (c == '\n')
			r->state = ST_FIELD;
		else
			fail(r, 400, "bad HTTP version");
		return;
	case ST_LINE_LF:
		if (c != '\n')
			fail(r, 400, "CR without LF");
		else
			r->state = ST_FIELD;
		return;
	default:
		field_byte(r, c);
		return;
	}
}

enum http_req_result http_req_feed(struct http_req *r, const char *data, size_t len)
{
	for (size_t i = 0; i < len && r->state != ST_DONE && r->state != ST_ERROR; i++) {
		if (++r->head_len > HTTP_REQ_MAX) {
			fail(r, 431, "request head too large");
			break;
		}
		byte(r, data[i]);
	}
	if (r->state == ST_DONE)
		return HTTP_REQ_DONE;
	if (r->state == ST_ERROR)
		return HTTP_REQ_ERROR;
	return HTTP_REQ_MORE;
}

enum http_route http_req_route(const struct http_req *r)
{
	if (r->state != ST_DONE)
		return HTTP_ROUTE_NOT_FOUND;
	if (strcmp(r->target, "/metrics") == 0)
		return HTTP_ROUTE_METRICS;
	if (strcmp(r->target, "/healthz") == 0)
		return HTTP_ROUTE_HEALTHZ;
	return HTTP_ROUTE_NOT_FOUND;
}

/* ---------------------------------------------------------------- reply */

static const struct {
	int status;
	const char *reason;
	const char *body;
} statuses[] = {
	{200, "OK", "ok\n"},
	{400, "Bad Request", "400 Bad Request\n"},
	{404, "Not Found", "404 Not Found\n"},
	{405, "Method Not Allowed", "405 Method Not Allowed\n"},
	{414, "URI Too Long", "414 URI Too Long\n"},
	{431, "Request Header Fields Too Large", "431 Request Header Fields Too Large\n"},
	{500, "Internal Server Error", "500 Internal Server Error\n"},
	{503, "Service Unavailable", "503 Service Unavailable\n"},
	{505, "HTTP Version Not Supported", "505 HTTP Version Not Supported\n"},
};

static int status_index(int status)
{
	for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
		if (statuses[i].status == status)
			return (int)i;
	return -1;
}

const char *http_req_canned_body(int status)
{
	int i = status_index(status);
	return i < 0 ? NULL : statuses[i].body;
}

/* "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" (RFC 9110 5.6.7's IMF-fixdate),
 * or "" when now_s < 0 or past the year 9999 (the date's four digits). */
static void format_date(char *out, size_t size, int64_t now_s)
{
	out[0] = '\0';
	if (now_s < 0 || now_s > 253402300799) /* 9999-12-31T23:59:59Z */
		return;
	char text[UTC_TEXT_MAX + 8];
	utc_format(text, sizeof text, now_s, 0, UTC_HTTP);
	snprintf(out, size, "Date: %s\r\n", text);
}

size_t http_req_reply_head(char *buf, size_t size, int status, const char *content_type,
			   size_t content_length, int64_t now_s)
{
	int i = status_index(status);
	if (i < 0 || size == 0)
		return 0;
	for (const char *p = content_type; *p; p++)
		if (is_ctl(*p) && *p != '\t')
			return 0; /* it would end the header early */
	char date[64];
	format_date(date, sizeof date, now_s);
	int n = snprintf(buf, size,
			 "HTTP/1.1 %d %s\r\n"
			 "%s"
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "%s"
			 "Connection: close\r\n"
			 "Cache-Control: no-store\r\n"
			 "\r\n",
			 status, statuses[i].reason, date, content_type, content_length,
			 status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

size_t http_req_reply_canned(char *buf, size_t size, int status, bool head_only, int64_t now_s)
{
	const char *body = http_req_canned_body(status);
	if (!body)
		return 0;
	size_t blen = strlen(body);
	size_t n = http_req_reply_head(buf, size, status, HTTP_REQ_CT_TEXT, blen, now_s);
	if (!n || head_only)
		return n;
	if (size - n <= blen) {
		buf[0] = '\0';
		return 0;
	}
	memcpy(buf + n, body, blen + 1);
	return n + blen;
}
