#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "utc.h"

static enum log_level min_level = LOG_INFO;
static enum log_format format = LOG_LOGFMT;
static FILE *stream;
static bool (*sink_want)(const char *event);
static void (*sink_fn)(const char *json_line, size_t len);
/* Set while sink_fn runs: what it logs itself goes to the stream only. */
static bool in_sink;

void log_configure(enum log_level level, enum log_format fmt)
{
	min_level = level;
	format = fmt;
}

void log_set_stream(FILE *s) { stream = s; }

void log_set_event_sink(bool (*want)(const char *event),
			void (*sink)(const char *json_line, size_t len))
{
	sink_want = want;
	sink_fn = sink;
}

/* One rendering of a line being built: the stream's (buf, in l->fmt) or the
 * sink's (json, always JSON). */
struct form {
	char *buf;
	size_t *len;
	bool *overflow;
	enum log_format fmt;
};

/* The forms a field goes into; returns how many. */
static int forms(struct log_line *l, struct form f[2])
{
	f[0] = (struct form){l->buf, &l->len, &l->field_overflow, l->fmt};
	if (!l->json_apart)
		return 1;
	f[1] = (struct form){l->json, &l->json_len, &l->json_overflow, LOG_JSON};
	return 2;
}

static const char *const level_names[] = {"debug", "info", "warn", "error"};

const char *log_level_name(enum log_level level) { return level_names[level]; }

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof *level_names; i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*out = LOG_WARN;
		return 0;
	}
	return -EINVAL;
}

int log_format_parse(const char *s, enum log_format *out)
{
	if (strcasecmp(s, "logfmt") == 0 || strcasecmp(s, "text") == 0) {
		*out = LOG_LOGFMT;
		return 0;
	}
	if (strcasecmp(s, "json") == 0) {
		*out = LOG_JSON;
		return 0;
	}
	return -EINVAL;
}

const char *log_format_name(enum log_format f) { return f == LOG_JSON ? "json" : "logfmt"; }

static void append(struct form *f, const char *s, size_t n)
{
	/* Keep one byte for the newline and one for the closing brace. */
	size_t room = LOG_LINE_MAX - 2 - *f->len;
	if (n > room) {
		n = room;
		*f->overflow = true;
	}
	memcpy(f->buf + *f->len, s, n);
	*f->len += n;
}

static void append_s(struct form *f, const char *s) { append(f, s, strlen(s)); }

static bool needs_quotes(const char *v)
{
	if (*v == '\0')
		return true;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' || *p >= 0x7f)
			return true;
	return false;
}

/* Length of the valid UTF-8 sequence at p, or 0 if it is not one. Process
 * names are arbitrary bytes; a log line, logfmt or JSON, must stay valid
 * UTF-8. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n;
	unsigned min;
	unsigned cp;
	if (*p < 0x80)
		return 1;
	if ((*p & 0xe0) == 0xc0) {
		n = 2, min = 0x80, cp = *p & 0x1f;
	} else if ((*p & 0xf0) == 0xe0) {
		n = 3, min = 0x800, cp = *p & 0x0f;
	} else if ((*p & 0xf8) == 0xf0) {
		n = 4, min = 0x10000, cp = *p & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t log_quote_logfmt(char *buf, size_t size, const char *v)
{
	size_t n = 0;
#define PUT(c)                                                                                     \
	do {                                                                                       \
		if (n + 1 < size)                                                                  \
			buf[n] = (c);                                                              \
		n++;                                                                               \
	} while (0)
	if (!needs_quotes(v)) {
		for (; *v; v++)
			PUT(*v);
	} else {
		PUT('"');
		for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
			if (*p == '"' || *p == '\\') {
				PUT('\\');
				PUT((char)*p);
			} else if (*p == '\n') {
				PUT('\\');
				PUT('n');
			} else if (*p < ' ' || *p == 0x7f) {
				PUT('?');
			} else if (*p >= 0x80) {
				/* A name cut mid-character (the kernel keeps 15 bytes)
				 * must not make the line invalid UTF-8. */
				size_t len = utf8_len(p);
				if (!len) {
					PUT('?');
					continue;
				}
				for (size_t i = 0; i < len; i++)
					PUT((char)p[i]);
				p += len - 1;
			} else {
				PUT((char)*p);
			}
		}
		PUT('"');
	}
#undef PUT
	if (size)
		buf[n < size ? n : size - 1] = '\0';
	return n;
}

static void append_json_string(struct form *f, const char *v)
{
	append(f, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		char esc[8];
		if (*p >= 0x80) {
			size_t n = utf8_len(p);
			if (n) {
				append(f, (const char *)p, n);
				p += n - 1;
			} else {
				append(f, "\\ufffd", 6);
			}
		} else if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			append(f, esc, 2);
		} else if (*p < 0x20) {
			int n = snprintf(esc, sizeof esc, "\\u%04x", *p);
			append(f, esc, (size_t)n);
		} else {
			append(f, (const char *)p, 1);
		}
	}
	append(f, "\"", 1);
}

/* A field that does not fit is dropped whole, so a long line stays valid
 * logfmt or JSON; the caller's later fields may still fit. */
static size_t field_begin(struct form *f)
{
	*f->overflow = false;
	return *f->len;
}

/* Each form drops a field on its own (JSON is longer than logfmt); either
 * dropping it marks the line truncated. */
static void field_end(struct log_line *l, struct form *f, size_t start)
{
	if (*f->overflow) {
		*f->len = start;
		l->truncated = true;
	}
}

static void append_key(struct form *f, const char *key)
{
	if (f->fmt == LOG_JSON) {
		append(f, ",", 1);
		append_json_string(f, key);
		append(f, ":", 1);
	} else {
		append(f, " ", 1);
		append_s(f, key);
		append(f, "=", 1);
	}
}

/* A value that is already a valid bare token in both formats (a number). */
static void append_raw_value(struct log_line *l, const char *key, const char *v)
{
	struct form f[2];
	for (int i = 0, n = forms(l, f); i < n; i++) {
		size_t start = field_begin(&f[i]);
		append_key(&f[i], key);
		append_s(&f[i], v);
		field_end(l, &f[i], start);
	}
}

static void begin_form(struct form *f, const char *when, enum log_level level,
		       const char *event)
{
	if (f->fmt == LOG_JSON) {
		append_s(f, "{\"ts\":");
		append_json_string(f, when);
		append_s(f, ",\"level\":");
		append_json_string(f, level_names[level]);
		append_s(f, ",\"event\":");
		append_json_string(f, event);
	} else {
		append_s(f, "ts=");
		append_s(f, when);
		append_s(f, " level=");
		append_s(f, level_names[level]);
		append_s(f, " event=");
		append_s(f, event);
	}
}

bool log_begin(struct log_line *l, enum log_level level, const char *event)
{
	int saved = errno;
	bool to_stream = level >= min_level;
	bool to_sink = sink_fn && !in_sink && sink_want && sink_want(event);
	errno = saved;
	if (!to_stream && !to_sink)
		return false;
	l->len = l->json_len = 0;
	l->truncated = l->field_overflow = l->json_overflow = false;
	l->to_stream = to_stream;
	l->to_sink = to_sink;
	/* buf is the stream's form, or the sink's alone when the level is
	 * filtered out; json[] is needed only for a sink beside logfmt. */
	l->fmt = to_stream ? format : LOG_JSON;
	l->json_apart = to_sink && l->fmt != LOG_JSON;

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char when[UTC_TEXT_MAX];
	utc_format(when, sizeof when, (int64_t)ts.tv_sec, ts.tv_nsec / 1000000, UTC_EXTENDED);

	struct form f[2];
	for (int i = 0, n = forms(l, f); i < n; i++)
		begin_form(&f[i], when, level, event);
	errno = saved;
	return true;
}

void log_str(struct log_line *l, const char *key, const char *value)
{
	int saved = errno;
	if (!value)
		value = "";
	struct form f[2];
	for (int i = 0, nf = forms(l, f); i < nf; i++) {
		size_t start = field_begin(&f[i]);
		append_key(&f[i], key);
		if (f[i].fmt == LOG_JSON) {
			append_json_string(&f[i], value);
		} else {
			char q[512];
			size_t n = log_quote_logfmt(q, sizeof q, value);
			if (n >= sizeof q)
				*f[i].overflow = true;
			else
				append(&f[i], q, n);
		}
		field_end(l, &f[i], start);
	}
	errno = saved;
}

void log_int(struct log_line *l, const char *key, int64_t value)
{
	int saved = errno;
	char v[24];
	snprintf(v, sizeof v, "%" PRId64, value);
	append_raw_value(l, key, v);
	errno = saved;
}

void log_uint(struct log_line *l, const char *key, uint64_t value)
{
	int saved = errno;
	char v[24];
	snprintf(v, sizeof v, "%" PRIu64, value);
	append_raw_value(l, key, v);
	errno = saved;
}

void log_dec1(struct log_line *l, const char *key, double value)
{
	int saved = errno;
	char v[32];
	snprintf(v, sizeof v, "%.1f", value);
	append_raw_value(l, key, v);
	errno = saved;
}

void log_bool(struct log_line *l, const char *key, bool value)
{
	append_raw_value(l, key, value ? "true" : "false");
}

/* strerror_r comes in two kinds: GNU's (glibc) returns the message, possibly
 * not in buf; XSI's (musl) fills buf and returns 0. The sidecar is built
 * against either, so its return type picks the reading. */
__attribute__((unused)) static const char *gnu_strerror_text(char *msg, const char *buf)
{
	(void)buf;
	return msg;
}

__attribute__((unused)) static const char *xsi_strerror_text(int r, const char *buf)
{
	return r == 0 ? buf : "unknown error";
}

#define STRERROR_TEXT(err, buf)                                                                    \
	_Generic(strerror_r((err), (buf), sizeof(buf)),                                            \
		char *: gnu_strerror_text,                                                         \
		int: xsi_strerror_text)(strerror_r((err), (buf), sizeof(buf)), (buf))

void log_errno(struct log_line *l, int err)
{
	int saved = errno;
	char buf[128];
	const char *msg = STRERROR_TEXT(err, buf);
	log_str(l, "error", msg);
	errno = saved;
}

void log_end(struct log_line *l)
{
	int saved = errno;
	struct form f[2];
	for (int i = 0, n = forms(l, f); i < n; i++) {
		if (f[i].fmt == LOG_JSON)
			f[i].buf[(*f[i].len)++] = '}';
		f[i].buf[(*f[i].len)++] = '\n';
	}
	if (l->to_stream) {
		FILE *out = stream ? stream : stderr;
		fwrite(l->buf, 1, l->len, out);
		fflush(out);
	}
	if (l->to_sink && sink_fn) {
		in_sink = true;
		if (l->json_apart)
			sink_fn(l->json, l->json_len);
		else
			sink_fn(l->buf, l->len);
		in_sink = false;
	}
	errno = saved;
}

void log_msg(enum log_level level, const char *event, const char *msg)
{
	struct log_line l;
	if (log_begin(&l, level, event)) {
		log_str(&l, "msg", msg);
		log_end(&l);
	}
}
