#include "s3_xml.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Where the text of one element goes. */
struct sink {
	char *buf;
	size_t size, len;
	bool strict;   /* too long is an error (an id), not a cut (a message) */
	bool oneline;  /* control characters become spaces */
	bool overflow; /* something did not fit */
	bool control;  /* a strict field held a control character */
	bool seen;     /* the element appeared: a second one is refused */
};

struct parser {
	const char *p, *end;
	const char *why;
	struct s3_xml_reply *r;
	struct sink code, message, request_id, upload_id, etag;
};

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static bool is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == ':' || c == '.' || c == '-' || c >= 0x80;
}

static bool starts(const struct parser *ps, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, s, n) == 0;
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end && is_space(*ps->p))
		ps->p++;
}

/* Moves past the next occurrence of s; false (truncated) if there is none. */
static bool skip_past(struct parser *ps, const char *s)
{
	size_t n = strlen(s);
	for (const char *q = ps->p; (size_t)(ps->end - q) >= n; q++) {
		if (memcmp(q, s, n) == 0) {
			ps->p = q + n;
			return true;
		}
	}
	ps->p = ps->end;
	return false;
}

static int fail(struct parser *ps, const char *why)
{
	ps->why = why;
	return -EPROTO;
}

static void sink_byte(struct sink *s, unsigned char c)
{
	if (!s)
		return;
	/* Leading whitespace is dropped; trailing is trimmed at the end. */
	if (s->len == 0 && is_space((char)c))
		return;
	if (c < 0x20 || c == 0x7f) {
		/* A tab or line break inside an id is odd but harmless: it is
		 * encoded in the URL and compared byte for byte. */
		if (s->strict && !is_space((char)c))
			s->control = true;
		if (s->oneline)
			c = ' ';
	}
	if (s->len + 1 >= s->size) {
		s->overflow = true;
		return;
	}
	s->buf[s->len++] = (char)c;
}

static void sink_finish(struct sink *s)
{
	while (s->len && is_space(s->buf[s->len - 1]))
		s->len--;
	if (s->overflow && !s->strict && s->size > 4) {
		/* Cut where a UTF-8 sequence starts, then mark the cut. */
		size_t n = s->size - 4;
		while (n > 0 && ((unsigned char)s->buf[n] & 0xc0) == 0x80)
			n--;
		memcpy(s->buf + n, "...", 3);
		s->len = n + 3;
	}
	s->buf[s->len] = '\0';
}

static void sink_utf8(struct sink *s, uint32_t cp)
{
	if (cp < 0x80) {
		sink_byte(s, (unsigned char)cp);
	} else if (cp < 0x800) {
		sink_byte(s, (unsigned char)(0xc0 | (cp >> 6)));
		sink_byte(s, (unsigned char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		sink_byte(s, (unsigned char)(0xe0 | (cp >> 12)));
		sink_byte(s, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		sink_byte(s, (unsigned char)(0x80 | (cp & 0x3f)));
	} else {
		sink_byte(s, (unsigned char)(0xf0 | (cp >> 18)));
		sink_byte(s, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
		sink_byte(s, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		sink_byte(s, (unsigned char)(0x80 | (cp & 0x3f)));
	}
}

/* XML 1.0's Char production: what a character reference may name. */
static bool xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
	       (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/* At '&': decodes one reference into s. */
static int entity(struct parser *ps, struct sink *s)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"quot", '"'}, {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"apos", '\''}};
	const char *start = ps->p + 1, *semi = start;
	while (semi < ps->end && semi - start <= 10 && *semi != ';')
		semi++;
	if (semi >= ps->end)
		return fail(ps, "truncated entity");
	if (*semi != ';')
		return fail(ps, "unknown entity");
	size_t n = (size_t)(semi - start);
	ps->p = semi + 1;
	if (n >= 2 && start[0] == '#') {
		bool hex = start[1] == 'x';
		size_t i = hex ? 2 : 1;
		if (i == n)
			return fail(ps, "empty character reference");
		uint32_t cp = 0;
		for (; i < n; i++) {
			char c = start[i];
			unsigned d;
			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else if (hex && c >= 'A' && c <= 'F')
				d = (unsigned)(c - 'A' + 10);
			else
				return fail(ps, "bad character reference");
			cp = cp * (hex ? 16 : 10) + d;
			if (cp > 0x10ffff)
				return fail(ps, "character reference out of range");
		}
		if (!xml_char(cp))
			return fail(ps, "character reference out of range");
		sink_utf8(s, cp);
		return 0;
	}
	for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
		if (strlen(named[i].name) == n && memcmp(start, named[i].name, n) == 0) {
			sink_byte(s, (unsigned char)named[i].c);
			return 0;
		}
	}
	return fail(ps, "unknown entity");
}

/* Character data up to the next '<' (or the end). */
static int text(struct parser *ps, struct sink *s, bool outside)
{
	while (ps->p < ps->end && *ps->p != '<') {
		unsigned char c = (unsigned char)*ps->p;
		if (outside && !is_space((char)c))
			return fail(ps, "text outside the root element");
		if (c < 0x20 && !is_space((char)c))
			return fail(ps, "control character in text");
		if (c == '&') {
			int e = entity(ps, s);
			if (e)
				return e;
			continue;
		}
		sink_byte(s, c);
		ps->p++;
	}
	return 0;
}

/* Reads a name at ps->p: its start and length (0: none there). */
static size_t name(struct parser *ps, const char **start)
{
	*start = ps->p;
	unsigned char c = ps->p < ps->end ? (unsigned char)*ps->p : 0;
	if (!is_name_char(c) || c == '-' || c == '.' || (c >= '0' && c <= '9'))
		return 0;
	while (ps->p < ps->end && is_name_char((unsigned char)*ps->p))
		ps->p++;
	return (size_t)(ps->p - *start);
}

/* The name without a namespace prefix. */
static bool local_is(const char *n, size_t len, const char *want)
{
	const char *colon = memchr(n, ':', len);
	if (colon) {
		len -= (size_t)(colon + 1 - n);
		n = colon + 1;
	}
	return strlen(want) == len && memcmp(n, want, len) == 0;
}

/* After "<name": attributes, then ">" or "/>". */
static int tag_rest(struct parser *ps, bool *empty)
{
	for (;;) {
		bool spaced = ps->p < ps->end && is_space(*ps->p);
		skip_space(ps);
		if (ps->p >= ps->end)
			return fail(ps, "truncated tag");
		if (*ps->p == '>') {
			ps->p++;
			*empty = false;
			return 0;
		}
		if (starts(ps, "/>")) {
			ps->p += 2;
			*empty = true;
			return 0;
		}
		const char *an;
		if (!spaced || !name(ps, &an))
			return fail(ps, "bad attribute");
		skip_space(ps);
		if (ps->p >= ps->end)
			return fail(ps, "truncated tag");
		if (*ps->p != '=')
			return fail(ps, "bad attribute");
		ps->p++;
		skip_space(ps);
		if (ps->p >= ps->end)
			return fail(ps, "truncated tag");
		char q = *ps->p;
		if (q != '"' && q != '\'')
			return fail(ps, "bad attribute");
		ps->p++;
		while (ps->p < ps->end && *ps->p != q) {
			if (*ps->p == '<')
				return fail(ps, "'<' in an attribute");
			ps->p++;
		}
		if (ps->p >= ps->end)
			return fail(ps, "truncated tag");
		ps->p++;
	}
}

/* Comments, processing instructions and whitespace between elements. At
 * '<' of something else it stops. A DOCTYPE is refused: nothing of S3's has
 * one, and it is where entity expansion would come from. */
static int misc(struct parser *ps, bool outside)
{
	for (;;) {
		int e = text(ps, NULL, outside);
		if (e)
			return e;
		if (starts(ps, "<!--")) {
			ps->p += 4;
			if (!skip_past(ps, "-->"))
				return fail(ps, "truncated comment");
		} else if (starts(ps, "<?")) {
			ps->p += 2;
			if (!skip_past(ps, "?>"))
				return fail(ps, "truncated declaration");
		} else if (starts(ps, "<!DOCTYPE") || (outside && starts(ps, "<!"))) {
			return fail(ps, "DOCTYPE not allowed");
		} else {
			return 0;
		}
	}
}

static void sink_init(struct sink *s, char *buf, size_t size, bool strict, bool oneline)
{
	*s = (struct sink){.buf = buf, .size = size, .strict = strict, .oneline = oneline};
	buf[0] = '\0';
}

/* The sink for a child of the root named n, by the root's kind. */
static struct sink *field(struct parser *ps, const char *n, size_t len)
{
	switch (ps->r->kind) {
	case S3_XML_ERROR:
		if (local_is(n, len, "Code"))
			return &ps->code;
		if (local_is(n, len, "Message"))
			return &ps->message;
		if (local_is(n, len, "RequestId"))
			return &ps->request_id;
		return NULL;
	case S3_XML_INITIATE:
		return local_is(n, len, "UploadId") ? &ps->upload_id : NULL;
	case S3_XML_COMPLETE:
		return local_is(n, len, "ETag") ? &ps->etag : NULL;
	default:
		return NULL;
	}
}

static int root_element(struct parser *ps)
{
	struct {
		const char *name;
		size_t len;
	} stack[S3_XML_DEPTH_MAX];
	int depth = 0;
	struct sink *cur = NULL; /* the child of the root being read, if wanted */

	ps->p++; /* '<' */
	const char *n;
	size_t len = name(ps, &n);
	if (!len)
		return fail(ps, "no root element");
	const char *colon = memchr(n, ':', len);
	const char *ln = colon ? colon + 1 : n;
	size_t llen = len - (size_t)(ln - n);
	memcpy(ps->r->root, ln, llen < sizeof ps->r->root ? llen : sizeof ps->r->root - 1);
	ps->r->root[llen < sizeof ps->r->root ? llen : sizeof ps->r->root - 1] = '\0';
	if (local_is(n, len, "Error"))
		ps->r->kind = S3_XML_ERROR;
	else if (local_is(n, len, "InitiateMultipartUploadResult"))
		ps->r->kind = S3_XML_INITIATE;
	else if (local_is(n, len, "CompleteMultipartUploadResult"))
		ps->r->kind = S3_XML_COMPLETE;
	bool empty;
	int e = tag_rest(ps, &empty);
	if (e)
		return e;
	if (empty)
		return 0;
	stack[depth].name = n;
	stack[depth++].len = len;

	while (depth > 0) {
		e = text(ps, depth == 2 ? cur : NULL, false);
		if (e)
			return e;
		if (ps->p >= ps->end)
			return fail(ps, "truncated");
		if (starts(ps, "<!--")) {
			ps->p += 4;
			if (!skip_past(ps, "-->"))
				return fail(ps, "truncated comment");
		} else if (starts(ps, "<![CDATA[")) {
			ps->p += 9;
			const char *start = ps->p;
			if (!skip_past(ps, "]]>"))
				return fail(ps, "truncated CDATA");
			for (const char *q = start; q < ps->p - 3; q++) {
				if ((unsigned char)*q < 0x20 && !is_space(*q))
					return fail(ps, "control character in text");
				if (depth == 2)
					sink_byte(cur, (unsigned char)*q);
			}
		} else if (starts(ps, "<?")) {
			ps->p += 2;
			if (!skip_past(ps, "?>"))
				return fail(ps, "truncated declaration");
		} else if (starts(ps, "<!")) {
			return fail(ps, "DOCTYPE not allowed");
		} else if (starts(ps, "</")) {
			ps->p += 2;
			len = name(ps, &n);
			skip_space(ps);
			if (ps->p >= ps->end)
				return fail(ps, "truncated");
			if (!len || *ps->p != '>')
				return fail(ps, "bad end tag");
			ps->p++;
			depth--;
			if (len != stack[depth].len || memcmp(n, stack[depth].name, len) != 0)
				return fail(ps, "mismatched end tag");
			if (depth == 1)
				cur = NULL;
		} else {
			ps->p++;
			len = name(ps, &n);
			if (!len)
				return fail(ps, "bad tag");
			e = tag_rest(ps, &empty);
			if (e)
				return e;
			struct sink *s = depth == 1 ? field(ps, n, len) : NULL;
			if (s) {
				if (s->seen)
					return fail(ps, "duplicate element");
				s->seen = true;
			}
			if (empty)
				continue;
			if (depth == S3_XML_DEPTH_MAX)
				return fail(ps, "nested too deep");
			stack[depth].name = n;
			stack[depth++].len = len;
			if (depth == 2)
				cur = s;
		}
	}
	return 0;
}

int s3_xml_parse(const char *buf, size_t len, struct s3_xml_reply *r, const char **why)
{
	memset(r, 0, sizeof *r);
	*why = NULL;
	if (len > S3_XML_MAX) {
		*why = "reply too large";
		return -E2BIG;
	}
	struct parser ps = {.p = buf, .end = buf + len, .r = r};
	sink_init(&ps.code, r->code, sizeof r->code, false, true);
	sink_init(&ps.message, r->message, sizeof r->message, false, true);
	sink_init(&ps.request_id, r->request_id, sizeof r->request_id, false, true);
	sink_init(&ps.upload_id, r->upload_id, sizeof r->upload_id, true, false);
	sink_init(&ps.etag, r->etag, sizeof r->etag, true, false);

	if (starts(&ps, "\xef\xbb\xbf"))
		ps.p += 3;
	int e = misc(&ps, true);
	if (!e && ps.p >= ps.end)
		e = fail(&ps, len ? "no root element" : "empty reply");
	if (!e)
		e = root_element(&ps);
	if (!e)
		e = misc(&ps, true);
	if (!e && ps.p < ps.end)
		e = fail(&ps, "content after the root element");
	struct sink *all[] = {&ps.code, &ps.message, &ps.request_id, &ps.upload_id, &ps.etag};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		sink_finish(all[i]);
	if (e) {
		enum s3_xml_kind kind = r->kind;
		memset(r, 0, sizeof *r);
		r->kind = kind;
		*why = ps.why;
		return e;
	}

	/* An ETag in quotes, as S3 writes it (&quot;...&quot;): kept bare. */
	size_t n = strlen(r->etag);
	if (n >= 2 && r->etag[0] == '"' && r->etag[n - 1] == '"') {
		memmove(r->etag, r->etag + 1, n - 2);
		r->etag[n - 2] = '\0';
	}
	switch (r->kind) {
	case S3_XML_ERROR:
		if (!r->code[0])
			*why = "Error without a Code";
		break;
	case S3_XML_INITIATE:
		if (ps.upload_id.overflow)
			*why = "UploadId too long";
		else if (ps.upload_id.control)
			*why = "control character in UploadId";
		else if (!r->upload_id[0])
			*why = "no UploadId";
		break;
	case S3_XML_COMPLETE:
		if (ps.etag.overflow)
			*why = "ETag too long";
		else if (ps.etag.control)
			*why = "control character in ETag";
		else if (!r->etag[0])
			*why = "no ETag";
		break;
	default:
		break;
	}
	if (*why) {
		enum s3_xml_kind kind = r->kind;
		char root[sizeof r->root];
		memcpy(root, r->root, sizeof root);
		memset(r, 0, sizeof *r);
		r->kind = kind;
		memcpy(r->root, root, sizeof root);
		return -ENODATA;
	}
	return 0;
}

const char *s3_xml_kind_name(enum s3_xml_kind kind)
{
	switch (kind) {
	case S3_XML_ERROR:
		return "Error";
	case S3_XML_INITIATE:
		return "InitiateMultipartUploadResult";
	case S3_XML_COMPLETE:
		return "CompleteMultipartUploadResult";
	default:
		return "other";
	}
}
