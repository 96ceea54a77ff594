/* Unit tests for src/common/log.h: logfmt and JSON lines, quoting, level filtering,
 * fields too long to fit, errno preservation, and the event sink's JSON
 * form. Output goes to a memory stream through log_set_stream. */
#include "check_run.h"
#include <check.h>
#include <time.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define N(a) (sizeof(a) / sizeof *(a))

/* ------------------------------------------------------------------------ */
/* Capturing output */

static char *cap_buf;
static size_t cap_len;
static FILE *cap;

static void cap_open(enum log_level level, enum log_format fmt)
{
	cap_buf = NULL;
	cap_len = 0;
	cap = open_memstream(&cap_buf, &cap_len);
	ck_assert(cap != NULL);
	log_set_stream(cap);
	log_configure(level, fmt);
}

/* What has been written so far (log_end flushes after every line). */
static const char *cap_text(void)
{
	fflush(cap);
	return cap_buf ? cap_buf : "";
}

static void cap_close(void)
{
	log_set_stream(NULL);
	fclose(cap);
	free(cap_buf);
	cap = NULL;
	cap_buf = NULL;
}

/* ------------------------------------------------------------------------ */
/* A tiny JSON validator: one object of string keys and scalar values, which
 * is all the logger emits. Strings are decoded so callers can compare the
 * value that a consumer would see. */

struct jfield {
	char key[64];
	char val[2048];
	bool is_string;
};

struct jparse {
	const char *p;
	struct jfield fields[256];
	int n;
};

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

/* Parses a JSON string at j->p into out (decoded, \u00XX only below 0x80
 * decoded to a byte, the rest to '?'). */
static bool json_string(struct jparse *j, char *out, size_t size)
{
	size_t n = 0;
	if (*j->p != '"')
		return false;
	j->p++;
	for (;;) {
		unsigned char c = (unsigned char)*j->p;
		if (c == '\0' || c < 0x20)
			return false;
		j->p++;
		if (c == '"')
			break;
		if (c == '\\') {
			char e = *j->p++;
			switch (e) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case '/': c = '/'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				int v = 0;
				for (int k = 0; k < 4; k++) {
					int h = hexval(j->p[k]);
					if (h < 0)
						return false;
					v = v * 16 + h;
				}
				j->p += 4;
				c = v < 0x80 ? (unsigned char)v : '?';
				break;
			}
			default:
				return false;
			}
		}
		if (n + 1 < size)
			out[n++] = (char)c;
	}
	out[n] = '\0';
	return true;
}

static bool json_scalar(struct jparse *j, char *out, size_t size)
{
	const char *start = j->p;
	if (strncmp(j->p, "true", 4) == 0 || strncmp(j->p, "null", 4) == 0)
		j->p += 4;
	else if (strncmp(j->p, "false", 5) == 0)
		j->p += 5;
	else {
		/* -?(0|[1-9][0-9]*)(\.[0-9]+)? — no exponents needed here */
		if (*j->p == '-')
			j->p++;
		if (*j->p == '0')
			j->p++;
		else if (*j->p >= '1' && *j->p <= '9')
			while (isdigit((unsigned char)*j->p))
				j->p++;
		else
			return false;
		if (*j->p == '.') {
			j->p++;
			if (!isdigit((unsigned char)*j->p))
				return false;
			while (isdigit((unsigned char)*j->p))
				j->p++;
		}
	}
	size_t n = (size_t)(j->p - start);
	if (n >= size)
		n = size - 1;
	memcpy(out, start, n);
	out[n] = '\0';
	return true;
}

/* True if line is exactly one JSON object followed by "\n" and nothing else. */
static bool json_line(const char *line, struct jparse *j)
{
	memset(j, 0, sizeof *j);
	j->p = line;
	if (*j->p++ != '{')
		return false;
	if (*j->p == '}') {
		j->p++;
	} else {
		for (;;) {
			if (j->n == (int)N(j->fields))
				return false;
			struct jfield *f = &j->fields[j->n++];
			if (!json_string(j, f->key, sizeof f->key))
				return false;
			if (*j->p++ != ':')
				return false;
			if (*j->p == '"') {
				f->is_string = true;
				if (!json_string(j, f->val, sizeof f->val))
					return false;
			} else if (!json_scalar(j, f->val, sizeof f->val)) {
				return false;
			}
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p++ != '}')
				return false;
			break;
		}
	}
	return j->p[0] == '\n' && j->p[1] == '\0';
}

static const struct jfield *jget(const struct jparse *j, const char *key)
{
	for (int i = 0; i < j->n; i++)
		if (strcmp(j->fields[i].key, key) == 0)
			return &j->fields[i];
	return NULL;
}

/* True if s is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static bool valid_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	while (*s) {
		unsigned char c = *s;
		int n;
		unsigned int cp;
		if (c < 0x80) {
			s++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (int k = 1; k <= n; k++) {
			if ((s[k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

/* ------------------------------------------------------------------------ */
/* A tiny logfmt reader: key=value pairs separated by single spaces; a value
 * is bare (no blanks, quotes, '=' or backslash) or a quoted string with \"
 * \\ and \n escapes. */

struct lfield {
	char key[64];
	char val[1024];
};

struct lparse {
	struct lfield fields[256];
	int n;
};

static bool logfmt_line(const char *line, struct lparse *lp)
{
	memset(lp, 0, sizeof *lp);
	const char *p = line;
	for (;;) {
		if (lp->n == (int)N(lp->fields))
			return false;
		struct lfield *f = &lp->fields[lp->n++];
		size_t k = 0;
		while (*p && *p != '=' && *p != ' ' && *p != '\n' && *p != '"') {
			if (k + 1 < sizeof f->key)
				f->key[k++] = *p;
			p++;
		}
		if (k == 0 || *p != '=')
			return false;
		p++;
		size_t v = 0;
		if (*p == '"') {
			p++;
			for (;;) {
				char c = *p++;
				if (c == '\0' || c == '\n')
					return false;
				if (c == '"')
					break;
				if (c == '\\') {
					char e = *p++;
					if (e == 'n')
						c = '\n';
					else if (e == '"' || e == '\\')
						c = e;
					else
						return false;
				}
				if (v + 1 < sizeof f->val)
					f->val[v++] = c;
			}
		} else {
			while (*p && *p != ' ' && *p != '\n') {
				if (*p == '"' || *p == '=' || *p == '\\')
					return false;
				if (v + 1 < sizeof f->val)
					f->val[v++] = *p;
				p++;
			}
		}
		f->val[v] = '\0';
		if (*p == ' ') {
			p++;
			continue;
		}
		return p[0] == '\n' && p[1] == '\0';
	}
}

static const struct lfield *lget(const struct lparse *lp, const char *key)
{
	for (int i = 0; i < lp->n; i++)
		if (strcmp(lp->fields[i].key, key) == 0)
			return &lp->fields[i];
	return NULL;
}

/* "2024-01-02T03:04:05.678Z" */
static bool is_timestamp(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	if (strlen(s) != sizeof pat - 1)
		return false;
	for (size_t i = 0; pat[i]; i++) {
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i])
			return false;
	}
	return true;
}

/* Values worth logging: the awkward ones a hostile process name can hold. */
static const char *const awkward[] = {
	"plain",  "",         "two words", "say \"hi\"", "back\\slash", "new\nline",
	"a=b",    "tab\there", "\"",       "\\",         " lead",       "trail ",
	"{\"x\":1}", "caf\xc3\xa9", "ctl\x01\x1f",
};

/* ------------------------------------------------------------------------ */

START_TEST(logfmt_line_fields)
{
	cap_open(LOG_DEBUG, LOG_LOGFMT);
	struct log_line l;
	ck_assert(log_begin(&l, LOG_INFO, "signal_sent"));
	log_str(&l, "comm", "nginx");
	log_int(&l, "pid", -5);
	log_int(&l, "min", INT64_MIN);
	log_uint(&l, "bytes", UINT64_MAX);
	log_dec1(&l, "pct", 87.46);
	log_bool(&l, "dry_run", true);
	log_bool(&l, "ok", false);
	log_end(&l);
	const char *out = cap_text();

	const char *sp = strchr(out, ' ');
	ck_assert_msg(strncmp(out, "ts=", 3) == 0 && sp, "line: %s", out);
	char ts[64] = "";
	size_t tslen = (size_t)(sp - out) - 3;
	ck_assert_uint_lt(tslen, sizeof ts);
	memcpy(ts, out + 3, tslen);
	ck_assert_msg(is_timestamp(ts), "timestamp \"%s\"", ts);
	ck_assert_str_eq(sp, " level=info event=signal_sent comm=nginx pid=-5 "
			     "min=-9223372036854775808 bytes=18446744073709551615 pct=87.5 "
			     "dry_run=true ok=false\n");
	ck_assert(!l.truncated);
	cap_close();
}
END_TEST

START_TEST(json_line_fields)
{
	cap_open(LOG_DEBUG, LOG_JSON);
	struct log_line l;
	ck_assert(log_begin(&l, LOG_WARN, "level_reached"));
	log_str(&l, "comm", "nginx");
	log_int(&l, "pid", -5);
	log_uint(&l, "bytes", UINT64_MAX);
	log_dec1(&l, "pct", 87.46);
	log_bool(&l, "dry_run", true);
	log_end(&l);
	const char *out = cap_text();

	static struct jparse j;
	ck_assert_msg(json_line(out, &j), "not one JSON object line: %s", out);
	ck_assert_int_eq(j.n, 8);
	const char *order[] = {"ts", "level", "event", "comm", "pid", "bytes", "pct", "dry_run"};
	for (int i = 0; i < 8; i++)
		ck_assert_msg(strcmp(j.fields[i].key, order[i]) == 0, "field %d is %s, want %s", i,
			      j.fields[i].key, order[i]);
	ck_assert(is_timestamp(jget(&j, "ts")->val));
	ck_assert_str_eq(jget(&j, "level")->val, "warn");
	ck_assert_str_eq(jget(&j, "event")->val, "level_reached");
	ck_assert_str_eq(jget(&j, "comm")->val, "nginx");
	ck_assert(jget(&j, "comm")->is_string);
	ck_assert_str_eq(jget(&j, "pid")->val, "-5");
	ck_assert(!jget(&j, "pid")->is_string);
	ck_assert_str_eq(jget(&j, "bytes")->val, "18446744073709551615");
	ck_assert_str_eq(jget(&j, "pct")->val, "87.5");
	ck_assert_str_eq(jget(&j, "dry_run")->val, "true");
	ck_assert(!jget(&j, "dry_run")->is_string);
	cap_close();
}
END_TEST

START_TEST(level_names)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	cap_open(LOG_DEBUG, LOG_JSON);
	for (int lv = LOG_DEBUG; lv <= LOG_ERROR; lv++) {
		ck_assert_str_eq(log_level_name((enum log_level)lv), names[lv]);
		struct log_line l;
		ck_assert(log_begin(&l, (enum log_level)lv, "e"));
		log_end(&l);
	}
	/* One line per call, each with its level. */
	const char *p = cap_text();
	for (int lv = LOG_DEBUG; lv <= LOG_ERROR; lv++) {
		const char *nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "line %d missing", lv);
		char line[LOG_LINE_MAX + 2];
		size_t n = (size_t)(nl - p) + 1;
		memcpy(line, p, n);
		line[n] = '\0';
		static struct jparse j;
		ck_assert_msg(json_line(line, &j), "line %s", line);
		ck_assert_str_eq(jget(&j, "level")->val, names[lv]);
		p = nl + 1;
	}
	ck_assert_str_eq(p, "");
	cap_close();
}
END_TEST

START_TEST(level_filtering)
{
	const struct {
		enum log_level min, level;
		bool shown;
	} cases[] = {
		{LOG_DEBUG, LOG_DEBUG, true}, {LOG_INFO, LOG_DEBUG, false},
		{LOG_INFO, LOG_INFO, true},   {LOG_WARN, LOG_INFO, false},
		{LOG_WARN, LOG_WARN, true},   {LOG_WARN, LOG_ERROR, true},
		{LOG_ERROR, LOG_WARN, false}, {LOG_ERROR, LOG_ERROR, true},
	};
	for (size_t i = 0; i < N(cases); i++) {
		for (int fmt = LOG_LOGFMT; fmt <= LOG_JSON; fmt++) {
			cap_open(cases[i].min, (enum log_format)fmt);
			struct log_line l;
			bool began = log_begin(&l, cases[i].level, "e");
			if (began)
				log_end(&l);
			log_msg(cases[i].level, "m", "hello");
			const char *out = cap_text();
			ck_assert_msg(began == cases[i].shown, "case %zu fmt %d: log_begin %d", i, fmt,
				      began);
			size_t lines = 0;
			for (const char *p = out; *p; p++)
				lines += *p == '\n';
			ck_assert_msg(lines == (cases[i].shown ? 2u : 0u),
				      "case %zu fmt %d: %zu lines: %s", i, fmt, lines, out);
			cap_close();
		}
	}
}
END_TEST

START_TEST(log_msg_line)
{
	cap_open(LOG_INFO, LOG_LOGFMT);
	log_msg(LOG_ERROR, "startup_failed", "cannot read /proc");
	static struct lparse lp;
	const char *out = cap_text();
	ck_assert_msg(logfmt_line(out, &lp), "line %s", out);
	ck_assert_str_eq(lget(&lp, "level")->val, "error");
	ck_assert_str_eq(lget(&lp, "event")->val, "startup_failed");
	ck_assert_str_eq(lget(&lp, "msg")->val, "cannot read /proc");
	ck_assert(strstr(out, "msg=\"cannot read /proc\"") != NULL);
	cap_close();
}
END_TEST

START_TEST(quote_logfmt_table)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"plain", "plain"},
		{"nginx-1.2_x/y", "nginx-1.2_x/y"},
		{"", "\"\""},
		{"two words", "\"two words\""},
		{"say \"hi\"", "\"say \\\"hi\\\"\""},
		{"back\\slash", "\"back\\\\slash\""},
		{"new\nline", "\"new\\nline\""},
		{"a=b", "\"a=b\""},
		{"tab\there", "\"tab?here\""},
		{"del\x7f", "\"del?\""},
		{"ctl\x01", "\"ctl?\""},
		{"caf\xc3\xa9", "\"caf\xc3\xa9\""},
		/* a name the kernel cut inside a character, and stray bytes */
		{"cut\xe2\x82", "\"cut??\""},
		{"euro\xe2\x82\xac", "\"euro\xe2\x82\xac\""},
		{"\xff\xfe", "\"??\""},
		{"sur\xed\xa0\x80", "\"sur???\""},
		{"\"", "\"\\\"\""},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char buf[128];
		size_t n = log_quote_logfmt(buf, sizeof buf, cases[i].in);
		ck_assert_msg(strcmp(buf, cases[i].want) == 0, "input \"%s\": got [%s], want [%s]",
			      cases[i].in, buf, cases[i].want);
		ck_assert_msg(n == strlen(cases[i].want), "input \"%s\": returned %zu", cases[i].in,
			      n);
	}
}
END_TEST

/* Like snprintf: returns the full length, writes at most size bytes, always
 * terminates. */
START_TEST(quote_logfmt_small_buffer)
{
	for (size_t size = 1; size <= 12; size++) {
		char buf[16];
		memset(buf, 'x', sizeof buf);
		size_t n = log_quote_logfmt(buf, size, "a \"b\" c");
		ck_assert_msg(n == 11, "size %zu: returned %zu", size, n);
		ck_assert_msg(strlen(buf) == (size - 1 < 11 ? size - 1 : 11), "size %zu: len %zu",
			      size, strlen(buf));
		ck_assert_msg(strncmp(buf, "\"a \\\"b\\\" c\"", strlen(buf)) == 0, "size %zu: %s",
			      size, buf);
		ck_assert_msg(buf[size] == 'x', "size %zu: wrote past the buffer", size);
	}
	char one = 'x';
	ck_assert_uint_eq(log_quote_logfmt(&one, 0, "abc"), 3);
	ck_assert_int_eq(one, 'x');
}
END_TEST

/* Every awkward value, through log_str in both formats, reads back as the
 * same value in a valid line. */
START_TEST(str_values_round_trip)
{
	for (size_t i = 0; i < N(awkward); i++) {
		cap_open(LOG_DEBUG, LOG_JSON);
		struct log_line l;
		ck_assert(log_begin(&l, LOG_INFO, "e"));
		log_str(&l, "v", awkward[i]);
		log_int(&l, "after", 1);
		log_end(&l);
		static struct jparse j;
		const char *out = cap_text();
		ck_assert_msg(json_line(out, &j), "input \"%s\": bad JSON %s", awkward[i], out);
		const struct jfield *f = jget(&j, "v");
		ck_assert_msg(f && f->is_string, "input \"%s\": no v", awkward[i]);
		ck_assert_msg(strcmp(f->val, awkward[i]) == 0, "input \"%s\": got \"%s\"",
			      awkward[i], f->val);
		ck_assert_msg(jget(&j, "after") != NULL, "input \"%s\"", awkward[i]);
		cap_close();

		cap_open(LOG_DEBUG, LOG_LOGFMT);
		ck_assert(log_begin(&l, LOG_INFO, "e"));
		log_str(&l, "v", awkward[i]);
		log_int(&l, "after", 1);
		log_end(&l);
		static struct lparse lp;
		out = cap_text();
		ck_assert_msg(logfmt_line(out, &lp), "input \"%s\": bad logfmt %s", awkward[i], out);
		const struct lfield *lf = lget(&lp, "v");
		ck_assert_msg(lf != NULL, "input \"%s\": no v", awkward[i]);
		/* logfmt has no escape for other control characters: they become '?' */
		if (!strchr(awkward[i], '\t') && !strchr(awkward[i], '\x01'))
			ck_assert_msg(strcmp(lf->val, awkward[i]) == 0, "input \"%s\": got \"%s\"",
				      awkward[i], lf->val);
		ck_assert_msg(lget(&lp, "after") != NULL, "input \"%s\"", awkward[i]);
		cap_close();
	}
}
END_TEST

START_TEST(str_null_is_empty)
{
	cap_open(LOG_DEBUG, LOG_LOGFMT);
	struct log_line l;
	ck_assert(log_begin(&l, LOG_INFO, "e"));
	log_str(&l, "v", NULL);
	log_end(&l);
	ck_assert_msg(strstr(cap_text(), " v=\"\"\n") != NULL, "line %s", cap_text());
	cap_close();
}
END_TEST

/* A process name can hold any bytes but NUL. A JSON line must stay UTF-8
 * (RFC 8259 section 8.1) whatever the name, or strict consumers drop it. */
START_TEST(json_invalid_utf8_stays_valid)
{
	static const char *const bad[] = {"\xff", "a\x80z", "\xc3", "\xed\xa0\x80",
					  "\xc0\xaf"};
	for (size_t i = 0; i < N(bad); i++) {
		cap_open(LOG_DEBUG, LOG_JSON);
		struct log_line l;
		ck_assert(log_begin(&l, LOG_INFO, "e"));
		log_str(&l, "comm", bad[i]);
		log_end(&l);
		const char *out = cap_text();
		static struct jparse j;
		ck_assert_msg(json_line(out, &j), "case %zu: bad JSON", i);
		ck_assert_msg(valid_utf8(out), "case %zu: line is not UTF-8", i);
		cap_close();
	}
}
END_TEST

/* A field too long for the line is dropped whole; what is left is a valid
 * line and later fields that fit still appear. */
START_TEST(long_field_dropped_json)
{
	static char big[3000];
	memset(big, 'x', sizeof big - 1);
	cap_open(LOG_DEBUG, LOG_JSON);
	struct log_line l;
	ck_assert(log_begin(&l, LOG_INFO, "e"));
	log_str(&l, "before", "b");
	log_str(&l, "big", big);
	log_int(&l, "after", 7);
	ck_assert(l.truncated);
	log_end(&l);
	const char *out = cap_text();
	ck_assert_uint_le(strlen(out), LOG_LINE_MAX);
	static struct jparse j;
	ck_assert_msg(json_line(out, &j), "bad JSON: %s", out);
	ck_assert(jget(&j, "big") == NULL);
	ck_assert(strstr(out, "xxxx") == NULL);
	ck_assert_str_eq(jget(&j, "before")->val, "b");
	ck_assert_str_eq(jget(&j, "after")->val, "7");
	cap_close();
}
END_TEST

START_TEST(long_field_dropped_logfmt)
{
	static char big[600]; /* over the 512-byte quoting buffer */
	memset(big, 'x', sizeof big - 1);
	big[10] = ' ';
	cap_open(LOG_DEBUG, LOG_LOGFMT);
	struct log_line l;
	ck_assert(log_begin(&l, LOG_INFO, "e"));
	log_str(&l, "big", big);
	log_int(&l, "after", 7);
	ck_assert(l.truncated);
	log_end(&l);
	const char *out = cap_text();
	static struct lparse lp;
	ck_assert_msg(logfmt_line(out, &lp), "bad logfmt: %s", out);
	ck_assert(lget(&lp, "big") == NULL);
	ck_assert_str_eq(lget(&lp, "after")->val, "7");
	cap_close();
}
END_TEST

/* Walk the last field's length across the end of the buffer, in both formats
 * and with escape-heavy values: every line must stay valid and within
 * LOG_LINE_MAX, and the field is either whole or absent. */
START_TEST(field_at_every_boundary)
{
	static const char fill[] = {'x', '"', '\n', '\x01'};
	for (int fmt = LOG_LOGFMT; fmt <= LOG_JSON; fmt++) {
		for (size_t f = 0; f < N(fill); f++) {
			for (size_t len = 0; len < 520; len++) {
				char val[600];
				memset(val, fill[f], len);
				val[len] = '\0';
				cap_open(LOG_DEBUG, (enum log_format)fmt);
				struct log_line l;
				ck_assert(log_begin(&l, LOG_INFO, "e"));
				/* ~600 bytes of padding first, so the end of the line is near */
				char pad[300];
				memset(pad, 'p', sizeof pad - 1);
				pad[sizeof pad - 1] = '\0';
				log_str(&l, "p1", pad);
				log_str(&l, "p2", pad);
				log_str(&l, "v", val);
				log_end(&l);
				const char *out = cap_text();
				ck_assert_msg(strlen(out) <= LOG_LINE_MAX, "fmt %d fill %zu len %zu",
					      fmt, f, len);
				if (fmt == LOG_JSON) {
					static struct jparse j;
					ck_assert_msg(json_line(out, &j), "fmt %d fill %zu len %zu: %s",
						      fmt, f, len, out);
					const struct jfield *v = jget(&j, "v");
					ck_assert_msg(v == NULL || strlen(v->val) == len,
						      "fmt %d fill %zu len %zu: partial", fmt, f, len);
					ck_assert_msg((v == NULL) == l.truncated,
						      "fmt %d fill %zu len %zu: truncated flag", fmt, f,
						      len);
				} else {
					static struct lparse lp;
					ck_assert_msg(logfmt_line(out, &lp),
						      "fmt %d fill %zu len %zu: %s", fmt, f, len, out);
					const struct lfield *v = lget(&lp, "v");
					ck_assert_msg(v == NULL || strlen(v->val) == len,
						      "fmt %d fill %zu len %zu: partial", fmt, f, len);
					ck_assert_msg((v == NULL) == l.truncated,
						      "fmt %d fill %zu len %zu: truncated flag", fmt, f,
						      len);
				}
				cap_close();
			}
		}
	}
}
END_TEST

/* Many small fields: the line fills up, stays valid, and only whole fields
 * are in it. */
START_TEST(many_fields_fill_line)
{
	for (int fmt = LOG_LOGFMT; fmt <= LOG_JSON; fmt++) {
		cap_open(LOG_DEBUG, (enum log_format)fmt);
		struct log_line l;
		ck_assert(log_begin(&l, LOG_INFO, "e"));
		for (int i = 0; i < 200; i++) {
			char key[16];
			snprintf(key, sizeof key, "k%03d", i);
			log_int(&l, key, 1000000 + i);
		}
		ck_assert(l.truncated);
		log_end(&l);
		const char *out = cap_text();
		ck_assert_uint_le(strlen(out), LOG_LINE_MAX);
		ck_assert_uint_gt(strlen(out), LOG_LINE_MAX - 40);
		if (fmt == LOG_JSON) {
			static struct jparse j;
			ck_assert_msg(json_line(out, &j), "bad JSON: %s", out);
			for (int i = 3; i < j.n; i++) {
				char want[16];
				snprintf(want, sizeof want, "%d", 1000000 + i - 3);
				ck_assert_str_eq(j.fields[i].val, want);
			}
		} else {
			static struct lparse lp;
			ck_assert_msg(logfmt_line(out, &lp), "bad logfmt: %s", out);
			for (int i = 3; i < lp.n; i++) {
				char want[16];
				snprintf(want, sizeof want, "%d", 1000000 + i - 3);
				ck_assert_str_eq(lp.fields[i].val, want);
			}
		}
		cap_close();
	}
}
END_TEST

START_TEST(errno_message)
{
	cap_open(LOG_DEBUG, LOG_LOGFMT);
	struct log_line l;
	ck_assert(log_begin(&l, LOG_INFO, "e"));
	log_errno(&l, ENOENT);
	log_end(&l);
	char want[256];
	snprintf(want, sizeof want, " error=\"%s\"\n", strerror(ENOENT));
	ck_assert_msg(strstr(cap_text(), want) != NULL, "line %s", cap_text());
	cap_close();
}
END_TEST

/* Every entry point keeps errno, even when writing fails (a read-only stream
 * makes fwrite and fflush set errno). */
START_TEST(errno_preserved)
{
	for (int mode = 0; mode < 2; mode++) {
		FILE *ro = NULL;
		if (mode == 0) {
			cap_open(LOG_DEBUG, LOG_JSON);
		} else {
			ro = fopen("/dev/null", "r");
			ck_assert(ro != NULL);
			log_set_stream(ro);
			log_configure(LOG_DEBUG, LOG_LOGFMT);
		}
		struct log_line l;
#define KEEP(call)                                                                                 \
	do {                                                                                       \
		errno = 12345;                                                                     \
		call;                                                                              \
		ck_assert_msg(errno == 12345, "mode %d: %s changed errno to %d", mode, #call,      \
			      errno);                                                              \
	} while (0)
		KEEP(ck_assert(log_begin(&l, LOG_INFO, "e")));
		KEEP(log_str(&l, "s", "a b"));
		KEEP(log_int(&l, "i", -1));
		KEEP(log_uint(&l, "u", 1));
		KEEP(log_dec1(&l, "d", 1.25));
		KEEP(log_bool(&l, "b", true));
		KEEP(log_errno(&l, EACCES));
		KEEP(log_errno(&l, 99999));
		KEEP(log_end(&l));
		KEEP(log_msg(LOG_ERROR, "e", "m"));
		KEEP(log_msg(LOG_DEBUG, "e", "m"));
		log_configure(LOG_ERROR, LOG_LOGFMT);
		KEEP(ck_assert(!log_begin(&l, LOG_INFO, "e")));
#undef KEEP
		if (mode == 0) {
			cap_close();
		} else {
			log_set_stream(NULL);
			fclose(ro);
		}
	}
}
END_TEST

START_TEST(level_and_format_parse)
{
	const struct {
		const char *in;
		int want; /* -1 error */
	} levels[] = {
		{"debug", LOG_DEBUG}, {"DEBUG", LOG_DEBUG}, {"info", LOG_INFO}, {"Info", LOG_INFO},
		{"warn", LOG_WARN},   {"warning", LOG_WARN}, {"WARN", LOG_WARN}, {"error", LOG_ERROR},
		{"", -1},             {"verbose", -1},      {"inf", -1},        {"infos", -1},
		{"0", -1},            {" info", -1},        {"trace", -1},
	};
	for (size_t i = 0; i < N(levels); i++) {
		enum log_level lv = (enum log_level)77;
		int r = log_level_parse(levels[i].in, &lv);
		if (levels[i].want < 0) {
			ck_assert_msg(r == -EINVAL, "level \"%s\": returned %d", levels[i].in, r);
			ck_assert_msg((int)lv == 77, "level \"%s\": output changed", levels[i].in);
		} else {
			ck_assert_msg(r == 0 && (int)lv == levels[i].want, "level \"%s\": %d %d",
				      levels[i].in, r, (int)lv);
		}
	}
	const struct {
		const char *in;
		int want;
	} formats[] = {
		{"logfmt", LOG_LOGFMT}, {"LOGFMT", LOG_LOGFMT}, {"text", LOG_LOGFMT},
		{"json", LOG_JSON},     {"JSON", LOG_JSON},     {"", -1},
		{"xml", -1},            {"jsonl", -1},          {"json ", -1},
	};
	for (size_t i = 0; i < N(formats); i++) {
		enum log_format f = (enum log_format)77;
		int r = log_format_parse(formats[i].in, &f);
		if (formats[i].want < 0) {
			ck_assert_msg(r == -EINVAL, "format \"%s\": returned %d", formats[i].in, r);
			ck_assert_msg((int)f == 77, "format \"%s\": output changed", formats[i].in);
		} else {
			ck_assert_msg(r == 0 && (int)f == formats[i].want, "format \"%s\": %d %d",
				      formats[i].in, r, (int)f);
		}
	}
	ck_assert_str_eq(log_format_name(LOG_JSON), "json");
	ck_assert_str_eq(log_format_name(LOG_LOGFMT), "logfmt");
	/* Names read back. */
	for (int lv = LOG_DEBUG; lv <= LOG_ERROR; lv++) {
		enum log_level back;
		ck_assert_int_eq(log_level_parse(log_level_name((enum log_level)lv), &back), 0);
		ck_assert_int_eq((int)back, lv);
	}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The event sink: what it was handed, line by line. */

static char sink_lines[8][LOG_LINE_MAX + 1];
static size_t sink_lens[8];
static int sink_n;
static int sink_errno_set; /* the sink itself changes errno to this, if not 0 */

static bool want_signal_sent(const char *event) { return strcmp(event, "signal_sent") == 0; }

static void sink_capture(const char *line, size_t len)
{
	ck_assert_uint_le(len, LOG_LINE_MAX);
	if (sink_n < (int)N(sink_lines)) {
		memcpy(sink_lines[sink_n], line, len);
		sink_lines[sink_n][len] = '\0';
		sink_lens[sink_n] = len;
	}
	sink_n++;
	if (sink_errno_set)
		errno = sink_errno_set;
}

static void sink_open(enum log_level level, enum log_format fmt)
{
	cap_open(level, fmt);
	sink_n = 0;
	sink_errno_set = 0;
	log_set_event_sink(want_signal_sent, sink_capture);
}

static void sink_close(void)
{
	log_set_event_sink(NULL, NULL);
	cap_close();
}

/* With logfmt on the stream, the sink gets the same fields as JSON, in the
 * same order and with the same values, and the stream is unchanged. */
START_TEST(sink_json_beside_logfmt)
{
	sink_open(LOG_DEBUG, LOG_LOGFMT);
	struct log_line l;
	ck_assert(log_begin(&l, LOG_INFO, "signal_sent"));
	log_int(&l, "pid", 42);
	log_str(&l, "comm", "say \"hi\"\n");
	log_uint(&l, "bytes", UINT64_MAX);
	log_dec1(&l, "pct", 87.46);
	log_bool(&l, "repeat", false);
	log_errno(&l, ENOENT);
	log_end(&l);
	ck_assert_int_eq(sink_n, 1);
	ck_assert_uint_eq(sink_lens[0], strlen(sink_lines[0]));
	static struct jparse j;
	ck_assert_msg(json_line(sink_lines[0], &j), "sink line: %s", sink_lines[0]);
	static struct lparse lp;
	const char *out = cap_text();
	ck_assert_msg(logfmt_line(out, &lp), "stream line: %s", out);
	ck_assert_int_eq(j.n, lp.n);
	for (int i = 0; i < j.n; i++) {
		ck_assert_str_eq(j.fields[i].key, lp.fields[i].key);
		ck_assert_msg(strcmp(j.fields[i].val, lp.fields[i].val) == 0, "%s: %s vs %s",
			      j.fields[i].key, j.fields[i].val, lp.fields[i].val);
	}
	ck_assert_str_eq(jget(&j, "event")->val, "signal_sent");
	ck_assert(!jget(&j, "pid")->is_string);
	ck_assert(jget(&j, "comm")->is_string);
	ck_assert_str_eq(jget(&j, "repeat")->val, "false");
	ck_assert(strncmp(out, "ts=", 3) == 0);
	sink_close();
}
END_TEST

/* With JSON on the stream, the sink gets the stream's very bytes. */
START_TEST(sink_same_as_json_stream)
{
	sink_open(LOG_DEBUG, LOG_JSON);
	struct log_line l;
	ck_assert(log_begin(&l, LOG_INFO, "signal_sent"));
	log_str(&l, "comm", "caf\xc3\xa9\x01");
	log_end(&l);
	ck_assert_int_eq(sink_n, 1);
	ck_assert_str_eq(sink_lines[0], cap_text());
	sink_close();
}
END_TEST

/* Events the sink does not want reach the stream only; a wanted event
 * reaches the sink even when LOG_LEVEL keeps it off the stream. */
START_TEST(sink_wants_and_levels)
{
	for (int fmt = LOG_LOGFMT; fmt <= LOG_JSON; fmt++) {
		sink_open(LOG_INFO, (enum log_format)fmt);
		struct log_line l;
		ck_assert(log_begin(&l, LOG_INFO, "container_found"));
		log_end(&l);
		ck_assert_int_eq(sink_n, 0);
		ck_assert(!log_begin(&l, LOG_DEBUG, "container_found"));
		log_msg(LOG_INFO, "signal_sent", "m");
		ck_assert_int_eq(sink_n, 1);
		sink_close();

		sink_open(LOG_ERROR, (enum log_format)fmt);
		ck_assert(log_begin(&l, LOG_INFO, "signal_sent"));
		log_int(&l, "pid", 7);
		log_end(&l);
		ck_assert_str_eq(cap_text(), "");
		ck_assert_int_eq(sink_n, 1);
		static struct jparse j;
		ck_assert_msg(json_line(sink_lines[0], &j), "fmt %d: %s", fmt, sink_lines[0]);
		ck_assert_str_eq(jget(&j, "level")->val, "info");
		ck_assert_str_eq(jget(&j, "pid")->val, "7");
		ck_assert(!log_begin(&l, LOG_WARN, "container_found"));
		sink_close();
	}
}
END_TEST

/* A line the sink logs from within itself goes to the stream, not back to
 * the sink (its own fault lines must not loop). */
static void sink_that_logs(const char *line, size_t len)
{
	sink_capture(line, len);
	log_msg(LOG_WARN, "signal_sent", "from within the sink");
}

START_TEST(sink_does_not_recurse)
{
	sink_open(LOG_DEBUG, LOG_LOGFMT);
	log_set_event_sink(want_signal_sent, sink_that_logs);
	log_msg(LOG_INFO, "signal_sent", "outer");
	ck_assert_int_eq(sink_n, 1);
	const char *out = cap_text();
	const char *outer = strstr(out, "msg=outer");
	const char *inner = strstr(out, "from within the sink");
	ck_assert(outer && inner && outer < inner);
	/* and the sink works again afterwards */
	log_msg(LOG_INFO, "signal_sent", "again");
	ck_assert_int_eq(sink_n, 2);
	sink_close();
}
END_TEST

/* A field too long for the line is dropped whole from both forms, and the
 * line says it was truncated; the rest of each form is valid. Walks the
 * field's length across the end of the buffer with escape-heavy values,
 * whose JSON form is longer than their logfmt form. */
START_TEST(sink_field_at_every_boundary)
{
	static const char fill[] = {'x', '"', '\n', '\x01'};
	for (size_t f = 0; f < N(fill); f++) {
		for (size_t len = 0; len < 520; len += 3) {
			char val[600];
			memset(val, fill[f], len);
			val[len] = '\0';
			sink_open(LOG_DEBUG, LOG_LOGFMT);
			struct log_line l;
			ck_assert(log_begin(&l, LOG_INFO, "signal_sent"));
			char pad[300];
			memset(pad, 'p', sizeof pad - 1);
			pad[sizeof pad - 1] = '\0';
			log_str(&l, "p1", pad);
			log_str(&l, "p2", pad);
			log_str(&l, "v", val);
			log_int(&l, "after", 1);
			log_end(&l);
			ck_assert_int_eq(sink_n, 1);
			static struct jparse j;
			ck_assert_msg(json_line(sink_lines[0], &j), "fill %zu len %zu: %s", f, len,
				      sink_lines[0]);
			const struct jfield *jv = jget(&j, "v");
			ck_assert_msg(jv == NULL || strlen(jv->val) == len, "fill %zu len %zu", f,
				      len);
			static struct lparse lp;
			const char *out = cap_text();
			ck_assert_msg(logfmt_line(out, &lp), "fill %zu len %zu: %s", f, len, out);
			const struct lfield *lv = lget(&lp, "v");
			ck_assert_msg(lv == NULL || strlen(lv->val) == len, "fill %zu len %zu", f,
				      len);
			bool dropped = jv == NULL || lv == NULL || jget(&j, "after") == NULL ||
				       lget(&lp, "after") == NULL;
			ck_assert_msg(l.truncated == dropped, "fill %zu len %zu: truncated flag", f,
				      len);
			sink_close();
		}
	}
}
END_TEST

/* errno survives a sink that changes it. */
START_TEST(sink_errno_preserved)
{
	sink_open(LOG_DEBUG, LOG_LOGFMT);
	sink_errno_set = ENOSPC;
	struct log_line l;
	errno = 12345;
	ck_assert(log_begin(&l, LOG_INFO, "signal_sent"));
	log_str(&l, "s", "a b");
	log_end(&l);
	log_msg(LOG_INFO, "signal_sent", "m");
	ck_assert_int_eq(errno, 12345);
	ck_assert_int_eq(sink_n, 2);
	sink_close();
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("lines");
	tcase_add_test(tc, logfmt_line_fields);
	tcase_add_test(tc, json_line_fields);
	tcase_add_test(tc, level_names);
	tcase_add_test(tc, level_filtering);
	tcase_add_test(tc, log_msg_line);
	tcase_add_test(tc, errno_message);
	suite_add_tcase(s, tc);

	tc = tcase_create("quoting");
	tcase_add_test(tc, quote_logfmt_table);
	tcase_add_test(tc, quote_logfmt_small_buffer);
	tcase_add_test(tc, str_values_round_trip);
	tcase_add_test(tc, str_null_is_empty);
	tcase_add_test(tc, json_invalid_utf8_stays_valid);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, long_field_dropped_json);
	tcase_add_test(tc, long_field_dropped_logfmt);
	tcase_add_test(tc, field_at_every_boundary);
	tcase_add_test(tc, many_fields_fill_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_add_test(tc, errno_preserved);
	tcase_add_test(tc, level_and_format_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("event_sink");
	tcase_add_test(tc, sink_json_beside_logfmt);
	tcase_add_test(tc, sink_same_as_json_stream);
	tcase_add_test(tc, sink_wants_and_levels);
	tcase_add_test(tc, sink_does_not_recurse);
	tcase_add_test(tc, sink_field_at_every_boundary);
	tcase_add_test(tc, sink_errno_preserved);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
