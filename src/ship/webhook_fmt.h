/* webhook_fmt: what the shipper sends to the webhook for one event line,
 * which extra headers it sends, and what a reply's status means.
 *
 * Formats: "json" sends the sidecar's line as it is (one flat JSON object);
 * "slack" sends {"text":"..."} with a one-line summary of the event, which
 * Slack's incoming webhooks and the many services that copy them (Mattermost,
 * Rocket.Chat, Teams' Slack-compatible connectors) show as a message.
 *
 * The headers file is oomhero v3's: one "Name: value" a line, blank lines and
 * lines starting with '#' ignored.
 *
 * Pure: no I/O. */
#ifndef OOMSENTRY_WEBHOOK_FMT_H
#define OOMSENTRY_WEBHOOK_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ the event */

/* The longest line read; the events reader's bound (EVCURSOR_LINE_MAX). */
#define WJSON_INPUT_MAX 16384
#define WJSON_FIELDS_MAX 64

enum wjson_type { WJSON_STRING, WJSON_NUMBER, WJSON_BOOL, WJSON_NULL };

struct wjson_field {
	const char *key;   /* decoded, NUL-terminated */
	const char *value; /* strings decoded; numbers, true, false, null as written */
	enum wjson_type type;
};

/* One flat object, as the sidecar writes them. Its strings point into
 * store, so the object is self-contained (about 17 KiB: not for a small
 * stack). */
struct wjson {
	unsigned n;
	struct wjson_field f[WJSON_FIELDS_MAX];
	char store[WJSON_INPUT_MAX + 1];
};

/* Reads one JSON object whose values are strings, numbers, true, false or
 * null (RFC 8259's grammar, strictly: no nesting, no trailing commas, no
 * duplicate keys, strings valid UTF-8 without "\u0000", at most
 * WJSON_FIELDS_MAX members, whitespace only around tokens). Returns 0, or
 * -EINVAL (-E2BIG over WJSON_INPUT_MAX bytes) with *why a short reason and
 * out->n 0. */
int wjson_parse(const char *buf, size_t len, struct wjson *out, const char **why);

/* The value of key, or NULL. */
const char *wjson_get(const struct wjson *o, const char *key);
/* The value of key as a non-negative integer (a number without fraction or
 * exponent, or a string of digits). */
bool wjson_get_u64(const struct wjson *o, const char *key, uint64_t *out);

/* Appends s (n bytes, valid UTF-8) to out as the inside of a JSON string:
 * '"', '\\' and control bytes escaped. Returns the length it needs; writes
 * only what fits in size (NUL-terminated when size > 0), never part of an
 * escape. */
size_t webhook_json_escape(char *out, size_t size, const char *s, size_t n);

/* ------------------------------------------------------------- formats */

enum webhook_format { WEBHOOK_FORMAT_JSON, WEBHOOK_FORMAT_SLACK };

/* "json" or "slack". Returns 0 or -EINVAL. */
int webhook_format_parse(const char *s, enum webhook_format *out);
const char *webhook_format_name(enum webhook_format f);

/* The longest summary, in bytes before escaping: far below Slack's limit of
 * 40000 characters, and a message one can read. */
#define WEBHOOK_SUMMARY_MAX 3000
/* Room for any body webhook_body makes. */
#define WEBHOOK_BODY_MAX (WJSON_INPUT_MAX + 16 + 6 * WEBHOOK_SUMMARY_MAX)

/* The one-line summary of an event, NUL-terminated, at most
 * WEBHOOK_SUMMARY_MAX - 1 bytes (cut at a character and ended with "..."
 * when longer). Values are shown with Slack's control characters escaped
 * (& < > as &amp; &lt; &gt;), so a process named "<!channel>" cannot ping a
 * channel. Returns its length. */
size_t webhook_summary(const struct wjson *ev, char *out, size_t size);

/* The request body for one event: line (len bytes, the parsed ev) as it is,
 * or Slack's {"text":"..."}. Returns its length, or -ENOSPC if size is too
 * small (WEBHOOK_BODY_MAX always suffices for a line the reader accepts). */
int webhook_body(enum webhook_format f, const struct wjson *ev, const char *line, size_t len,
		 char *out, size_t size);

/* -------------------------------------------------------------- headers */

#define WEBHOOK_HEADERS_MAX 32
#define WEBHOOK_HEADERS_FILE_MAX 16384
#define WEBHOOK_HEADER_VALUE_MAX 4096

struct webhook_headers {
	unsigned n;
	const char *line[WEBHOOK_HEADERS_MAX]; /* "Name: value", into store */
	char store[WEBHOOK_HEADERS_FILE_MAX + WEBHOOK_HEADERS_MAX * 2];
};

/* Reads a headers file's contents. A name is an HTTP token (RFC 9110:
 * letters, digits and !#$%&'*+-.^_`|~); the value is what follows the colon,
 * trimmed of spaces and tabs, non-empty, without control bytes other than
 * tab. Refused: Host, Content-Length, Transfer-Encoding, Connection and
 * Expect, which frame the request and are libcurl's to send. A
 * Content-Type given here replaces application/json. Returns 0, or -EINVAL
 * (-E2BIG for a file over WEBHOOK_HEADERS_FILE_MAX or more than
 * WEBHOOK_HEADERS_MAX headers) with err "line N: why". */
int webhook_headers_parse(const char *buf, size_t len, struct webhook_headers *out, char *err,
			  size_t errsz);

/* --------------------------------------------------------------- replies */

enum webhook_verdict {
	WEBHOOK_DELIVERED, /* 2xx */
	WEBHOOK_RETRY,     /* try the same event again later */
	WEBHOOK_REJECTED,  /* refused for what this event is: skip it */
};

/* What a reply's status means for the event sent (status 0: no reply, the
 * connection failed: retry). Only statuses about the request's content
 * reject an event: 400, 411, 413, 414, 415, 422 and other 4xx not listed
 * below. Statuses about the endpoint or the sender's credentials (3xx, 401,
 * 403, 404, 405, 407, 408, 410, 421, 425, 429) and 5xx are retried: every
 * later event would get them too, so skipping would empty the stream while
 * the webhook is misconfigured or revoked, where retrying keeps it until
 * the configuration is fixed. */
enum webhook_verdict webhook_status_verdict(long status);

#endif
