#include "http_reply.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* ASCII only: the C library's case functions follow the locale. */
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Does [s, s + n) equal the lower-case literal lit, ignoring case? */
static bool ieq(const char *s, size_t n, const char *lit)
{
	size_t m = strlen(lit);
	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != lit[i])
			return false;
	return true;
}

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

/* [*s, *s + *n) without optional white space at either end. */
static void trim(const char **s, size_t *n)
{
	while (*n && is_ows(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_ows((*s)[*n - 1]))
		(*n)--;
}

/* RFC 9110 5.6.2: the characters of a token (a header name). */
static bool is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* ------------------------------------------------------------------ head */

/* The length of the head (through its blank line) within the first len
 * bytes, or 0 if its end is not there yet. A line ends in LF, CRLF taken as
 * well; a blank line is "\n" or "\r\n". */
static size_t head_end(const char *buf, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		size_t n = i - start;
		if (n && buf[i - 1] == '\r')
			n--;
		if (n == 0 && start > 0)
			return i + 1;
		start = i + 1;
	}
	return 0;
}

/* The next line of [*p, end) without its line end, advancing *p past it. */
static void next_line(const char **p, const char *end, const char **line, size_t *n)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	*line = *p;
	*n = (size_t)(nl - *p);
	if (*n && (*line)[*n - 1] == '\r')
		(*n)--;
	*p = nl + 1;
}

/* "HTTP/1.x SSS[ reason]" */
static int parse_status_line(const char *s, size_t n, int *status)
{
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' ')
		return -EPROTO;
	int v = 0;
	for (int i = 9; i < 12; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EPROTO;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 100 || (n > 12 && s[12] != ' '))
		return -EPROTO;
	*status = v;
	return 0;
}

static int parse_content_length(const char *v, size_t n, int64_t *out)
{
	if (n == 0)
		return -EPROTO;
	int64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EPROTO;
		int d = v[i] - '0';
		if (x > (INT64_MAX - d) / 10)
			return -EPROTO;
		x = x * 10 + d;
	}
	if (*out >= 0 && *out != x)
		return -EPROTO; /* two lengths: which one frames the body is anyone's guess */
	*out = x;
	return 0;
}

/* A comma-separated list of transfer codings: only "chunked", last, can be
 * decoded (and "identity", which means none). */
static int parse_transfer_encoding(const char *v, size_t n, bool *chunked)
{
	while (n) {
		const char *comma = memchr(v, ',', n);
		size_t len = comma ? (size_t)(comma - v) : n;
		const char *c = v;
		size_t cn = len;
		trim(&c, &cn);
		if (cn) {
			if (*chunked)
				return -EPROTO; /* a coding applied after chunked */
			if (ieq(c, cn, "chunked"))
				*chunked = true;
			else if (!ieq(c, cn, "identity"))
				return -EPROTO;
		}
		v += comma ? len + 1 : len;
		n -= comma ? len + 1 : len;
	}
	return 0;
}

static void copy_media_type(const char *v, size_t n, char *out, size_t size)
{
	const char *semi = memchr(v, ';', n);
	if (semi)
		n = (size_t)(semi - v);
	trim(&v, &n);
	if (n > size - 1)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = lower(v[i]);
	out[n] = '\0';
}

static int parse_header(const char *s, size_t n, struct http_head *h)
{
	const char *colon = memchr(s, ':', n);
	if (!colon || colon == s)
		return -EPROTO;
	size_t nn = (size_t)(colon - s);
	for (size_t i = 0; i < nn; i++)
		if (!is_tchar(s[i]))
			return -EPROTO; /* also a folded line, or a blank before ':' */
	const char *v = colon + 1;
	size_t vn = n - nn - 1;
	trim(&v, &vn);
	if (ieq(s, nn, "content-length"))
		return parse_content_length(v, vn, &h->content_length);
	if (ieq(s, nn, "transfer-encoding"))
		return parse_transfer_encoding(v, vn, &h->chunked);
	if (ieq(s, nn, "content-encoding"))
		h->content_encoded |= vn && !ieq(v, vn, "identity");
	else if (ieq(s, nn, "content-type"))
		copy_media_type(v, vn, h->content_type, sizeof h->content_type);
	return 0;
}

int http_parse_head(const char *buf, size_t len, struct http_head *h)
{
	/* A server that is no HTTP server is told apart from the first bytes. */
	size_t m = len < 7 ? len : 7;
	if (memcmp(buf, "HTTP/1.", m) != 0)
		return -EPROTO;
	size_t end = head_end(buf, len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX);
	if (!end)
		return len >= HTTP_HEAD_MAX ? -E2BIG : 0;
	if (memchr(buf, '\0', end))
		return -EPROTO;

	struct http_head r = {.content_length = -1, .head_len = end};
	const char *p = buf, *stop = buf + end;
	const char *line;
	size_t n;
	next_line(&p, stop, &line, &n);
	if (memchr(line, '\r', n) || parse_status_line(line, n, &r.status))
		return -EPROTO;
	for (;;) {
		next_line(&p, stop, &line, &n);
		if (n == 0)
			break;
		if (memchr(line, '\r', n) || parse_header(line, n, &r))
			return -EPROTO;
	}
	if (r.chunked)
		r.content_length = -1;
	*h = r;
	return 1;
}

/* --------------------------------------------------------------- chunked */

enum {
	CH_SIZE,        /* the first hex digit of a size line */
	CH_SIZE_MORE,   /* more digits, or what ends them */
	CH_EXT,         /* blanks and ";name=value" up to the line end */
	CH_SIZE_LF,     /* the LF of the size line's CRLF */
	CH_DATA,        /* left bytes of data */
	CH_DATA_CR,     /* the CRLF after the data */
	CH_DATA_LF,
	CH_TRAILER,     /* the start of a trailer line, or the final blank line */
	CH_TRAILER_LINE,
	CH_END_LF,      /* the LF of the final CRLF */
	CH_DONE,
};

void http_chunked_init(struct http_chunked *c) { *c = (struct http_chunked){.state = CH_SIZE}; }

/* The end of a size line: data follows, or after a zero size the trailers. */
static int size_line_done(struct http_chunked *c) { return c->left ? CH_DATA : CH_TRAILER; }

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = lower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

ssize_t http_chunked_feed(struct http_chunked *c, const char *in, size_t len, char *out,
			  bool *done)
{
	size_t i = 0, o = 0;
	while (i < len && c->state != CH_DONE) {
		char ch = in[i];
		int d;
		switch (c->state) {
		case CH_DATA: {
			size_t n = len - i;
			if (n > c->left)
				n = (size_t)c->left;
			memmove(out + o, in + i, n);
			o += n;
			i += n;
			c->left -= n;
			if (!c->left)
				c->state = CH_DATA_CR;
			continue;
		}
		case CH_SIZE:
			d = hex_digit(ch);
			if (d < 0)
				return -EPROTO;
			c->left = (uint64_t)d;
			c->hexdigits = 1;
			c->state = CH_SIZE_MORE;
			break;
		case CH_SIZE_MORE:
			d = hex_digit(ch);
			if (d >= 0) {
				if (++c->hexdigits > 16)
					return -EPROTO;
				c->left = c->left << 4 | (uint64_t)d;
			} else if (ch == ';' || is_ows(ch)) {
				c->state = CH_EXT;
			} else if (ch == '\r') {
				c->state = CH_SIZE_LF;
			} else if (ch == '\n') {
				c->state = size_line_done(c);
			} else {
				return -EPROTO;
			}
			break;
		case CH_EXT:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == '\n')
				c->state = size_line_done(c);
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -EPROTO;
			c->state = size_line_done(c);
			break;
		case CH_DATA_CR:
			if (ch == '\r')
				c->state = CH_DATA_LF;
			else if (ch == '\n')
				c->state = CH_SIZE;
			else
				return -EPROTO;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return -EPROTO;
			c->state = CH_SIZE;
			break;
		case CH_TRAILER:
			if (ch == '\r')
				c->state = CH_END_LF;
			else if (ch == '\n')
				c->state = CH_DONE;
			else
				c->state = CH_TRAILER_LINE;
			break;
		case CH_TRAILER_LINE:
			if (ch == '\n')
				c->state = CH_TRAILER;
			break;
		case CH_END_LF:
			if (ch != '\n')
				return -EPROTO;
			c->state = CH_DONE;
			break;
		default:
			return -EPROTO;
		}
		i++;
	}
	*done = c->state == CH_DONE;
	return (ssize_t)o;
}

/* ---------------------------------------------------------------- target */

/* 1 to 5 decimal digits, 1..65535. */
static bool parse_port(const char *s, size_t n, uint16_t *port)
{
	if (n == 0 || n > 5)
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static void set_loopback4(struct http_target *t)
{
	t->family = AF_INET;
	memset(t->addr, 0, sizeof t->addr);
	const unsigned char lo[4] = {127, 0, 0, 1};
	memcpy(t->addr, lo, 4);
}

/* HOST of the authority [s, s + n): fills family and addr. */
static int parse_host(const char *s, size_t n, struct http_target *t, const char **why)
{
	char text[INET6_ADDRSTRLEN];
	if (n && s[0] == '[') {
		if (n < 3 || s[n - 1] != ']' || n - 2 >= sizeof text) {
			*why = "bad bracketed IPv6 address";
			return -EINVAL;
		}
		memcpy(text, s + 1, n - 2);
		text[n - 2] = '\0';
		t->family = AF_INET6;
		if (inet_pton(AF_INET6, text, t->addr) != 1) {
			*why = "bad IPv6 address";
			return -EINVAL;
		}
		return 0;
	}
	if (n == 0) {
		*why = "no host";
		return -EINVAL;
	}
	if (ieq(s, n, "localhost")) {
		set_loopback4(t);
		return 0;
	}
	if (n < sizeof text) {
		memcpy(text, s, n);
		text[n] = '\0';
		t->family = AF_INET;
		if (inet_pton(AF_INET, text, t->addr) == 1)
			return 0;
	}
	*why = "host is neither an IP address nor localhost (names are not resolved)";
	return -EINVAL;
}

/* "HOST[:PORT]" with HOST possibly "[v6]". */
static int parse_authority(const char *s, size_t n, struct http_target *t, const char **why)
{
	if (memchr(s, '@', n)) {
		*why = "user information in the URL is not supported";
		return -EINVAL;
	}
	const char *colon = NULL;
	const char *close = n && s[0] == '[' ? memchr(s, ']', n) : NULL;
	if (close)
		colon = close + 1 < s + n ? close + 1 : NULL;
	else if (!(n && s[0] == '['))
		colon = memchr(s, ':', n);
	if (colon && *colon != ':') {
		*why = "text after the IPv6 address";
		return -EINVAL;
	}
	size_t hn = colon ? (size_t)(colon - s) : n;
	int r = parse_host(s, hn, t, why);
	if (r)
		return r;
	t->port = 80;
	if (colon && !parse_port(colon + 1, n - hn - 1, &t->port)) {
		*why = "port must be a number from 1 to 65535";
		return -EINVAL;
	}
	return 0;
}

static int parse_path(const char *s, struct http_target *t, const char **why)
{
	if (!*s)
		s = HTTP_TARGET_PATH_DEFAULT;
	if (*s != '/') {
		*why = "path must start with /";
		return -EINVAL;
	}
	size_t n = strlen(s);
	if (n >= sizeof t->path) {
		*why = "path too long";
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '#') {
			*why = "path holds a blank, a control character, a fragment or non-ASCII";
			return -EINVAL;
		}
	}
	memcpy(t->path, s, n + 1);
	return 0;
}

int http_target_parse(const char *s, struct http_target *t, const char **why)
{
	struct http_target r = {0};
	size_t n = strlen(s);
	if (n && strspn(s, "0123456789") == n) {
		if (!parse_port(s, n, &r.port)) {
			*why = "port must be a number from 1 to 65535";
			return -EINVAL;
		}
		set_loopback4(&r);
		memcpy(r.path, HTTP_TARGET_PATH_DEFAULT, sizeof HTTP_TARGET_PATH_DEFAULT);
		*t = r;
		return 0;
	}
	if (n >= 8 && ieq(s, 8, "https://")) {
		*why = "https is not supported";
		return -EINVAL;
	}
	if (n < 7 || !ieq(s, 7, "http://")) {
		*why = "expected a port or http://HOST:PORT/PATH";
		return -EINVAL;
	}
	const char *a = s + 7;
	size_t an = strcspn(a, "/?#");
	int err = parse_authority(a, an, &r, why);
	if (!err)
		err = parse_path(a + an, &r, why);
	if (err)
		return err;
	*t = r;
	return 0;
}
