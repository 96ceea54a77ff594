#include "webhook_fmt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

/* ----------------------------------------------------------- JSON reader */

struct rd {
	const char *p, *end;
	struct wjson *o;
	size_t used; /* of o->store */
	const char *why;
};

static bool fail(struct rd *r, const char *why)
{
	if (!r->why)
		r->why = why;
	return false;
}

static void skip_ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool put(struct rd *r, const char *s, size_t n)
{
	/* Decoded text is never longer than its source, so this holds for any
	 * input within WJSON_INPUT_MAX; checked all the same. */
	if (r->used + n > sizeof r->o->store)
		return fail(r, "too large");
	memcpy(r->o->store + r->used, s, n);
	r->used += n;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex4(struct rd *r, unsigned *out)
{
	if (r->end - r->p < 4)
		return fail(r, "short \\u escape");
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(r->p[i]);
		if (h < 0)
			return fail(r, "bad \\u escape");
		v = v << 4 | (unsigned)h;
	}
	r->p += 4;
	*out = v;
	return true;
}

static size_t utf8_encode(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string at r->p (its opening quote), decoded into the store. */
static bool string(struct rd *r, const char **out)
{
	if (r->p == r->end || *r->p != '"')
		return fail(r, "expected a string");
	r->p++;
	*out = r->o->store + r->used;
	for (;;) {
		if (r->p == r->end)
			return fail(r, "unterminated string");
		unsigned char c = (unsigned char)*r->p;
		if (c == '"') {
			r->p++;
			return put(r, "", 1);
		}
		if (c < 0x20)
			return fail(r, "control byte in a string");
		if (c != '\\') {
			size_t n = utf8_char((const unsigned char *)r->p, (size_t)(r->end - r->p), NULL);
			if (!n)
				return fail(r, "invalid UTF-8");
			if (!put(r, r->p, n))
				return false;
			r->p += n;
			continue;
		}
		r->p++;
		if (r->p == r->end)
			return fail(r, "unterminated string");
		char e = *r->p++, ch;
		switch (e) {
		case '"': ch = '"'; break;
		case '\\': ch = '\\'; break;
		case '/': ch = '/'; break;
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (!hex4(r, &cp))
				return false;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(r, "lone low surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
					return fail(r, "lone high surrogate");
				r->p += 2;
				if (!hex4(r, &lo))
					return false;
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(r, "lone high surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			/* Values become C strings: a NUL inside would cut one. */
			if (cp == 0)
				return fail(r, "\\u0000 in a string");
			char u[4];
			if (!put(r, u, utf8_encode(cp, u)))
				return false;
			continue;
		}
		default:
			return fail(r, "bad escape");
		}
		if (!put(r, &ch, 1))
			return false;
	}
}

static bool digits(struct rd *r)
{
	const char *s = r->p;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > s;
}

/* A number as RFC 8259 writes them, kept as written. */
static bool number(struct rd *r, const char **out)
{
	const char *s = r->p;
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0')
		r->p++;
	else if (!digits(r))
		return fail(r, "bad number");
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (!digits(r))
			return fail(r, "bad number");
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!digits(r))
			return fail(r, "bad number");
	}
	*out = r->o->store + r->used;
	return put(r, s, (size_t)(r->p - s)) && put(r, "", 1);
}

static bool literal(struct rd *r, const char *word, const char **out)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return fail(r, "bad value");
	r->p += n;
	*out = r->o->store + r->used;
	return put(r, word, n + 1);
}

static bool value(struct rd *r, struct wjson_field *f)
{
	if (r->p == r->end)
		return fail(r, "missing value");
	switch (*r->p) {
	case '"':
		f->type = WJSON_STRING;
		return string(r, &f->value);
	case 't':
		f->type = WJSON_BOOL;
		return literal(r, "true", &f->value);
	case 'f':
		f->type = WJSON_BOOL;
		return literal(r, "false", &f->value);
	case 'n':
		f->type = WJSON_NULL;
		return literal(r, "null", &f->value);
	case '{':
	case '[':
		return fail(r, "nested value");
	default:
		f->type = WJSON_NUMBER;
		return number(r, &f->value);
	}
}

static bool object(struct rd *r)
{
	skip_ws(r);
	if (r->p == r->end || *r->p != '{')
		return fail(r, "not an object");
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return true;
	}
	for (;;) {
		if (r->o->n == WJSON_FIELDS_MAX)
			return fail(r, "too many members");
		struct wjson_field *f = &r->o->f[r->o->n];
		skip_ws(r);
		if (!string(r, &f->key))
			return false;
		for (unsigned i = 0; i < r->o->n; i++)
			if (strcmp(r->o->f[i].key, f->key) == 0)
				return fail(r, "duplicate key");
		skip_ws(r);
		if (r->p == r->end || *r->p != ':')
			return fail(r, "expected ':'");
		r->p++;
		skip_ws(r);
		if (!value(r, f))
			return false;
		r->o->n++;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return true;
		}
		return fail(r, "expected ',' or '}'");
	}
}

int wjson_parse(const char *buf, size_t len, struct wjson *out, const char **why)
{
	out->n = 0;
	if (len > WJSON_INPUT_MAX) {
		*why = "too large";
		return -E2BIG;
	}
	struct rd r = {.p = buf, .end = buf + len, .o = out};
	bool ok = object(&r);
	if (ok) {
		skip_ws(&r);
		if (r.p != r.end)
			ok = fail(&r, "bytes after the object");
	}
	if (!ok) {
		out->n = 0;
		*why = r.why;
		return -EINVAL;
	}
	*why = NULL;
	return 0;
}

const char *wjson_get(const struct wjson *o, const char *key)
{
	for (unsigned i = 0; i < o->n; i++)
		if (strcmp(o->f[i].key, key) == 0)
			return o->f[i].value;
	return NULL;
}

bool wjson_get_u64(const struct wjson *o, const char *key, uint64_t *out)
{
	const char *v = wjson_get(o, key);
	if (!v || !*v)
		return false;
	uint64_t n = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		unsigned d = (unsigned)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*out = n;
	return true;
}

/* ------------------------------------------------------------ JSON writer */

size_t webhook_json_escape(char *out, size_t size, const char *s, size_t n)
{
	size_t need = 0, at = 0;
	bool full = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		size_t k;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			k = 2;
		} else if (c == '\n') {
			memcpy(esc, "\\n", k = 2);
		} else if (c == '\t') {
			memcpy(esc, "\\t", k = 2);
		} else if (c == '\r') {
			memcpy(esc, "\\r", k = 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			k = 6;
		} else {
			esc[0] = (char)c;
			k = 1;
		}
		need += k;
		/* Once something did not fit nothing more is written, so the
		 * output is a prefix of the whole, never a cut escape. */
		if (!full && size && at + k < size) {
			memcpy(out + at, esc, k);
			at += k;
		} else {
			full = true;
		}
	}
	if (size)
		out[at] = '\0';
	return need;
}

/* ------------------------------------------------------------ summaries */

/* Text built into a fixed buffer; what does not fit is dropped and noted. */
struct sb {
	char *buf;
	size_t size, len;
	bool cut;
};

static void sb_raw(struct sb *b, const char *s, size_t n)
{
	if (b->cut)
		return;
	/* All or nothing: a piece cut in two could be half an escape
	 * ("&am") or half a character. */
	if (b->len + n >= b->size) {
		b->cut = true;
		return;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void sb_add(struct sb *b, const char *s)
{
	sb_raw(b, s, strlen(s));
}

/* A value from the event: Slack's three control characters escaped, line
 * breaks and other control bytes shown as spaces (the summary is one line). */
static void sb_val(struct sb *b, const char *s)
{
	for (; *s && !b->cut; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			sb_add(b, "&amp;");
		else if (c == '<')
			sb_add(b, "&lt;");
		else if (c == '>')
			sb_add(b, "&gt;");
		else if (c < 0x20 || c == 0x7f)
			sb_raw(b, " ", 1);
		else if (c < 0x80)
			sb_raw(b, s, 1);
		else {
			/* A character whole, so a cut never splits one. */
			size_t n = utf8_char((const unsigned char *)s, strnlen(s, 4), NULL);
			if (n) {
				sb_raw(b, s, n);
				s += n - 1;
			} else {
				sb_raw(b, "?", 1);
			}
		}
	}
}

static void sb_fmt(struct sb *b, const char *before, const char *v, const char *after)
{
	if (!v || !*v)
		return;
	sb_add(b, before);
	sb_val(b, v);
	sb_add(b, after);
}

/* A byte count as people read it: "512 MiB", "1.5 GiB", "800 B". */
static void sb_bytes(struct sb *b, const char *before, const struct wjson *ev, const char *key)
{
	uint64_t v;
	if (!wjson_get_u64(ev, key, &v))
		return;
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	unsigned u = 0;
	double d = (double)v;
	while (d >= 1024 && u < 6) {
		d /= 1024;
		u++;
	}
	char num[48];
	if (u == 0 || d >= 100 || d == (double)(uint64_t)d)
		snprintf(num, sizeof num, "%s%.0f %s", before, d, unit[u]);
	else
		snprintf(num, sizeof num, "%s%.1f %s", before, d, unit[u]);
	sb_add(b, num);
}

static const char *get(const struct wjson *ev, const char *key)
{
	const char *v = wjson_get(ev, key);
	return v && *v ? v : NULL;
}

/* " in CGROUP (comm C) on pod NS/POD": where it happened, with what is known. */
static void sb_where(struct sb *b, const struct wjson *ev, bool with_comm)
{
	sb_fmt(b, " in ", get(ev, "cgroup"), "");
	if (with_comm)
		sb_fmt(b, " (comm ", get(ev, "comm"), ")");
	const char *pod = get(ev, "pod"), *ns = get(ev, "namespace");
	if (pod) {
		sb_add(b, " on pod ");
		if (ns) {
			sb_val(b, ns);
			sb_add(b, "/");
		}
		sb_val(b, pod);
	}
}

/* "java (pid 123)" */
static void sb_proc(struct sb *b, const struct wjson *ev)
{
	const char *comm = get(ev, "comm"), *pid = get(ev, "pid");
	sb_val(b, comm ? comm : "a process");
	sb_fmt(b, " (pid ", pid, ")");
}

static void sum_level(struct sb *b, const struct wjson *ev)
{
	const char *from = get(ev, "from"), *to = get(ev, "to");
	/* Not "a -> b": Slack reads a bare '>' as markup. */
	sb_add(b, "memory level ");
	sb_fmt(b, "now ", to, "");
	if (!to)
		sb_add(b, "changed");
	sb_fmt(b, " (was ", from, ")");
	sb_where(b, ev, true);
	const char *pct = get(ev, "pct");
	if (pct || get(ev, "value_bytes")) {
		sb_add(b, ":");
		sb_bytes(b, " ", ev, "value_bytes");
		sb_fmt(b, " (", pct, "%");
		sb_bytes(b, " of ", ev, "limit_bytes");
		if (pct)
			sb_add(b, ")");
		sb_fmt(b, " ", get(ev, "metric"), "");
	}
}

static void sum_signal(struct sb *b, const struct wjson *ev, bool sent)
{
	const char *sig = get(ev, "signal");
	sb_add(b, sent ? "sent " : "did not send ");
	sb_val(b, sig ? sig : "a signal");
	sb_add(b, " to ");
	sb_proc(b, ev);
	sb_where(b, ev, false);
	sb_fmt(b, ", memory level ", get(ev, "memory_level"), "");
	sb_fmt(b, ": ", get(ev, "reason"), "");
}

static void sum_dump(struct sb *b, const struct wjson *ev)
{
	const char *action = get(ev, "action");
	if (action) {
		sb_val(b, action);
		sb_add(b, " of ");
	} else {
		sb_add(b, "dump of ");
	}
	sb_proc(b, ev);
	sb_add(b, " written");
	sb_fmt(b, ": ", get(ev, "path"), "");
	const char *took = get(ev, "took_ms");
	if (get(ev, "bytes") || took) {
		sb_add(b, " (");
		sb_bytes(b, "", ev, "bytes");
		if (get(ev, "bytes") && took)
			sb_add(b, ", ");
		sb_fmt(b, "took ", took, " ms");
		sb_add(b, ")");
	}
	sb_where(b, ev, false);
}

static void sum_oom(struct sb *b, const struct wjson *ev)
{
	sb_add(b, "oom_kill");
	sb_where(b, ev, true);
	sb_fmt(b, ", last level ", get(ev, "last_level"), "");
	const char *sig = get(ev, "last_signal");
	if (sig && strcmp(sig, "none") != 0) {
		sb_fmt(b, ", last signal ", sig, "");
		sb_fmt(b, " ", get(ev, "since_last_signal_ms"), " ms before");
	} else if (sig) {
		sb_add(b, ", no signal sent before");
	}
	sb_bytes(b, ", usage ", ev, "last_usage_bytes");
	sb_bytes(b, " of ", ev, "limit_bytes");
	sb_fmt(b, " (kill #", get(ev, "oom_kills"), ")");
}

static void sum_failed(struct sb *b, const struct wjson *ev)
{
	const char *action = get(ev, "action");
	sb_add(b, "action ");
	if (action) {
		sb_val(b, action);
		sb_add(b, " ");
	}
	sb_add(b, "for ");
	sb_proc(b, ev);
	sb_add(b, " failed");
	sb_fmt(b, ": ", get(ev, "reason"), "");
	sb_where(b, ev, false);
}

static void sum_start(struct sb *b, const struct wjson *ev)
{
	sb_add(b, "started");
	sb_fmt(b, " version ", get(ev, "version"), "");
	sb_where(b, ev, false);
	sb_fmt(b, ", warning at ", get(ev, "warning"), "");
	sb_fmt(b, ", critical at ", get(ev, "critical"), "");
	sb_fmt(b, " of ", get(ev, "metric"), "");
	const char *dry = get(ev, "dry_run");
	if (dry && strcmp(dry, "true") == 0)
		sb_add(b, " (dry run: no signal is sent)");
}

static void sum_stop(struct sb *b, const struct wjson *ev)
{
	sb_add(b, "stopped");
	sb_where(b, ev, false);
	sb_fmt(b, " (", get(ev, "signal"), ")");
}

/* Any other event: its name and its fields, but for those every line has. */
static void sum_other(struct sb *b, const struct wjson *ev, const char *event)
{
	sb_val(b, event ? event : "event");
	for (unsigned i = 0; i < ev->n; i++) {
		const char *k = ev->f[i].key;
		if (!strcmp(k, "ts") || !strcmp(k, "event") || !strcmp(k, "seq") ||
		    !strcmp(k, "boot"))
			continue;
		sb_add(b, " ");
		sb_val(b, k);
		sb_add(b, "=");
		sb_val(b, ev->f[i].value);
	}
}

size_t webhook_summary(const struct wjson *ev, char *out, size_t size)
{
	if (size == 0)
		return 0;
	/* Room kept for "..." after a cut. */
	size_t cap = size < WEBHOOK_SUMMARY_MAX ? size : WEBHOOK_SUMMARY_MAX;
	struct sb b = {.buf = out, .size = cap > 4 ? cap - 3 : cap};
	out[0] = '\0';
	const char *event = get(ev, "event");
	sb_add(&b, "oomsentry: ");
	if (!event)
		sum_other(&b, ev, NULL);
	else if (!strcmp(event, "level"))
		sum_level(&b, ev);
	else if (!strcmp(event, "signal_sent"))
		sum_signal(&b, ev, true);
	else if (!strcmp(event, "signal_skipped"))
		sum_signal(&b, ev, false);
	else if (!strcmp(event, "dump_written"))
		sum_dump(&b, ev);
	else if (!strcmp(event, "oom_kill"))
		sum_oom(&b, ev);
	else if (!strcmp(event, "action_failed"))
		sum_failed(&b, ev);
	else if (!strcmp(event, "start"))
		sum_start(&b, ev);
	else if (!strcmp(event, "stop"))
		sum_stop(&b, ev);
	else
		sum_other(&b, ev, event);
	if (b.cut && cap > 4) {
		memcpy(out + b.len, "...", 4);
		b.len += 3;
	}
	return b.len;
}

int webhook_body(enum webhook_format f, const struct wjson *ev, const char *line, size_t len,
		 char *out, size_t size)
{
	if (f == WEBHOOK_FORMAT_JSON) {
		if (len + 1 > size)
			return -ENOSPC;
		memcpy(out, line, len);
		out[len] = '\0';
		return (int)len;
	}
	char text[WEBHOOK_SUMMARY_MAX];
	size_t n = webhook_summary(ev, text, sizeof text);
	static const char head[] = "{\"text\":\"", tail[] = "\"}";
	size_t need = webhook_json_escape(NULL, 0, text, n);
	if (sizeof head - 1 + need + sizeof tail > size)
		return -ENOSPC;
	memcpy(out, head, sizeof head - 1);
	webhook_json_escape(out + sizeof head - 1, size - (sizeof head - 1), text, n);
	memcpy(out + sizeof head - 1 + need, tail, sizeof tail);
	return (int)(sizeof head - 1 + need + sizeof tail - 1);
}

int webhook_format_parse(const char *s, enum webhook_format *out)
{
	if (!strcmp(s, "json"))
		*out = WEBHOOK_FORMAT_JSON;
	else if (!strcmp(s, "slack"))
		*out = WEBHOOK_FORMAT_SLACK;
	else
		return -EINVAL;
	return 0;
}

const char *webhook_format_name(enum webhook_format f)
{
	return f == WEBHOOK_FORMAT_SLACK ? "slack" : "json";
}

/* -------------------------------------------------------------- headers */

static bool tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int headers_parse(const char *buf, size_t len, struct webhook_headers *out, char *err,
			 size_t errsz)
{
	static const char *const refused[] = {"Host", "Content-Length", "Transfer-Encoding",
					      "Connection", "Expect"};
	out->n = 0;
	if (errsz)
		err[0] = '\0';
	if (len > WEBHOOK_HEADERS_FILE_MAX) {
		snprintf(err, errsz, "larger than %d bytes", WEBHOOK_HEADERS_FILE_MAX);
		return -E2BIG;
	}
	size_t used = 0;
	unsigned lineno = 0;
	for (size_t at = 0; at < len;) {
		const char *s = buf + at, *nl = memchr(s, '\n', len - at);
		size_t n = nl ? (size_t)(nl - s) : len - at;
		at += n + (nl ? 1 : 0);
		lineno++;
		if (n && s[n - 1] == '\r')
			n--;
		const char *e = s + n;
		const char *t = s;
		while (t < e && (*t == ' ' || *t == '\t'))
			t++;
		if (t == e || *t == '#')
			continue;
		if (t != s) {
			/* Leading whitespace was obsolete line folding in HTTP/1.1:
			 * it is no place for a header to start. */
			snprintf(err, errsz, "line %u: starts with whitespace", lineno);
			return -EINVAL;
		}
		const char *colon = memchr(s, ':', n);
		if (!colon) {
			snprintf(err, errsz, "line %u: no ':' (expected \"Name: value\")", lineno);
			return -EINVAL;
		}
		size_t nlen = (size_t)(colon - s);
		if (nlen == 0) {
			snprintf(err, errsz, "line %u: empty header name", lineno);
			return -EINVAL;
		}
		for (size_t i = 0; i < nlen; i++)
			if (!tchar((unsigned char)s[i])) {
				snprintf(err, errsz, "line %u: byte 0x%02x is not allowed in a header name",
					 lineno, (unsigned char)s[i]);
				return -EINVAL;
			}
		for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
			if (strlen(refused[i]) == nlen && !strncasecmp(s, refused[i], nlen)) {
				snprintf(err, errsz, "line %u: %s is set by the sender, not here",
					 lineno, refused[i]);
				return -EINVAL;
			}
		const char *v = colon + 1, *ve = e;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		size_t vlen = (size_t)(ve - v);
		if (vlen == 0) {
			/* libcurl takes "Name:" as "remove this header". */
			snprintf(err, errsz, "line %u: empty value for %.*s", lineno, (int)nlen, s);
			return -EINVAL;
		}
		if (vlen > WEBHOOK_HEADER_VALUE_MAX) {
			snprintf(err, errsz, "line %u: value longer than %d bytes", lineno,
				 WEBHOOK_HEADER_VALUE_MAX);
			return -EINVAL;
		}
		for (size_t i = 0; i < vlen; i++) {
			unsigned char c = (unsigned char)v[i];
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				snprintf(err, errsz, "line %u: control byte 0x%02x in the value", lineno,
					 c);
				return -EINVAL;
			}
		}
		if (out->n == WEBHOOK_HEADERS_MAX) {
			snprintf(err, errsz, "line %u: more than %d headers", lineno,
				 WEBHOOK_HEADERS_MAX);
			return -E2BIG;
		}
		/* "Name: value\0" is at most the line plus a space and a NUL. */
		size_t need = nlen + 2 + vlen + 1;
		if (used + need > sizeof out->store) {
			snprintf(err, errsz, "line %u: headers too large", lineno);
			return -E2BIG;
		}
		char *d = out->store + used;
		memcpy(d, s, nlen);
		memcpy(d + nlen, ": ", 2);
		memcpy(d + nlen + 2, v, vlen);
		d[nlen + 2 + vlen] = '\0';
		out->line[out->n++] = d;
		used += need;
	}
	return 0;
}

int webhook_headers_parse(const char *buf, size_t len, struct webhook_headers *out, char *err,
			  size_t errsz)
{
	int e = headers_parse(buf, len, out, err, errsz);
	/* All or nothing: a file with a bad line sends none of its headers. */
	if (e)
		out->n = 0;
	return e;
}

/* --------------------------------------------------------------- replies */

enum webhook_verdict webhook_status_verdict(long status)
{
	if (status >= 200 && status <= 299)
		return WEBHOOK_DELIVERED;
	if (status >= 400 && status <= 499) {
		switch (status) {
		case 401: /* credentials: fixed in the headers file, then sent */
		case 403:
		case 404: /* the URL, or a revoked Slack webhook */
		case 405:
		case 407:
		case 408: /* the request timed out: nothing wrong with it */
		case 410: /* Slack: channel archived */
		case 421:
		case 425:
		case 429: /* rate limited */
			return WEBHOOK_RETRY;
		default:
			return WEBHOOK_REJECTED;
		}
	}
	/* No reply, 1xx, 3xx (not followed), 5xx, and anything else. */
	return WEBHOOK_RETRY;
}
