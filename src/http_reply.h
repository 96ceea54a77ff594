/* http_reply: the head of an HTTP/1.x response, and the URL settings of a
 * fetch. Pure; pprof_fetch.c does the I/O. */
#ifndef OOMSENTRY_HTTP_REPLY_H
#define OOMSENTRY_HTTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_HEAD_MAX 16384    /* a longer head is refused */

struct http_head {
	int status;                 /* 200, 404, ... */
	int64_t content_length;     /* -1 when absent, or when chunked (which wins) */
	bool chunked;               /* Transfer-Encoding: chunked */
	bool content_encoded;       /* a Content-Encoding other than identity */
	char content_type[64];      /* lower-cased, parameters cut; "" if absent */
	size_t head_len;            /* bytes up to and including the blank line */
};

/* Parses the head of the response received so far. Returns 1 (complete, *h
 * set), 0 (need more bytes), -EPROTO (not HTTP/1.x), -E2BIG (no end of head
 * within HTTP_HEAD_MAX bytes). Lines may end in CRLF or a bare LF. -EPROTO
 * also for what would make the body's length ambiguous: a Content-Length
 * that is not a number or differs from another one, a transfer coding other
 * than chunked (RFC 9112 6.3). Bytes that do not start "HTTP/1." fail at
 * once, without waiting for a whole head. */
int http_parse_head(const char *buf, size_t len, struct http_head *h);

/* Incremental decoder of a chunked body: feed received bytes, get body bytes. */
struct http_chunked {
	int state;                  /* private */
	uint64_t left;              /* private */
	int hexdigits;              /* private */
};
void http_chunked_init(struct http_chunked *c);
/* Decodes in (len bytes) into out (may equal in: out never runs ahead of
 * in); returns the body bytes written to out, or -EPROTO; *done set after the
 * last chunk and its trailers, after which further bytes are ignored. Chunk
 * extensions and trailers are skipped; a size has at most 16 hex digits. */
ssize_t http_chunked_feed(struct http_chunked *c, const char *in, size_t len, char *out,
			  bool *done);

#define HTTP_TARGET_PATH_DEFAULT "/debug/pprof/heap"   /* net/http/pprof's heap profile */

/* Where to fetch from: "6060" (a port on 127.0.0.1), or
 * "http://HOST[:PORT][/PATH]" with HOST an IPv4 literal, "localhost"
 * (127.0.0.1) or a bracketed IPv6 literal; PORT defaults to 80, PATH to
 * HTTP_TARGET_PATH_DEFAULT. Host names are refused: nothing is resolved. PATH
 * (query included) must be visible ASCII, as it goes into the request line. */
struct http_target {
	int family;                 /* AF_INET / AF_INET6 */
	unsigned char addr[16];
	uint16_t port;
	char path[256];
};
/* Returns 0, or -EINVAL with *why set to a short reason. */
int http_target_parse(const char *s, struct http_target *t, const char **why);

#endif
