#include "promtext.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* The first allocation: a page of a few containers fits, a page of 100
 * takes three doublings. */
#define INITIAL_CAP 16384

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

void promtext_init(struct promtext *b, size_t max)
{
	*b = (struct promtext){.max = max ? max : PROMTEXT_MAX_DEFAULT};
}

void promtext_reset(struct promtext *b)
{
	b->len = 0;
	if (b->cap)
		b->buf[0] = '\0';
	b->failed = false;
	b->err = 0;
	b->family[0] = '\0';
}

void promtext_free(struct promtext *b)
{
	free(b->buf);
	promtext_init(b, b->max);
}

/* ---------------------------------------------------------------- names */

static bool is_alpha_(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* [s, s + n) is [a-zA-Z_(:)][a-zA-Z0-9_(:)]* with colons when colon. */
static bool name_span_ok(const char *s, size_t n, bool colon)
{
	if (n == 0 || n > PROMTEXT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alpha_(s[i]) && !(colon && s[i] == ':') && !(i > 0 && is_digit(s[i])))
			return false;
	return true;
}

static bool label_span_ok(const char *s, size_t n)
{
	return name_span_ok(s, n, false) && !(n >= 2 && s[0] == '_' && s[1] == '_');
}

bool promtext_name_ok(const char *name)
{
	return name && name_span_ok(name, strnlen(name, PROMTEXT_NAME_MAX + 1), true);
}

bool promtext_label_name_ok(const char *name)
{
	return name && label_span_ok(name, strnlen(name, PROMTEXT_NAME_MAX + 1));
}

static bool counter_span_ok(const char *s, size_t n)
{
	return n > 6 && memcmp(s + n - 6, "_total", 6) == 0;
}

bool promtext_counter_name_ok(const char *name)
{
	return promtext_name_ok(name) && counter_span_ok(name, strlen(name));
}

/* --------------------------------------------------------------- buffer */

/* Room for n more bytes and a NUL, or the page fails (sticky). */
static bool reserve(struct promtext *b, size_t n)
{
	if (b->failed)
		return false;
	if (n > b->max - b->len) {
		b->failed = true;
		b->err = -E2BIG;
		return false;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : INITIAL_CAP;
	while (cap < need)
		cap *= 2; /* cannot overflow: need <= max + 1, and max is far below SIZE_MAX / 2 */
	if (cap > b->max + 1)
		cap = b->max + 1;
	char *p = realloc(b->buf, cap);
	if (!p) {
		b->failed = true;
		b->err = -ENOMEM;
		return false;
	}
	b->buf = p;
	b->cap = cap;
	return true;
}

static void put(struct promtext *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void puts_(struct promtext *b, const char *s) { put(b, s, strlen(s)); }

/* s with backslash and newline escaped, and double quote when quote (a
 * label value; not in HELP text); an invalid UTF-8 byte becomes U+FFFD, as
 * Prometheus refuses a page that is not UTF-8. */
static void put_escaped(struct promtext *b, const char *s, bool quote)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left = strlen(s), run = 0;
	while (run < left) {
		unsigned char c = u[run];
		size_t n = utf8_char(u + run, left - run, NULL);
		if (n && c != '\\' && c != '\n' && !(quote && c == '"')) {
			run += n;
			continue;
		}
		put(b, (const char *)u, run);
		if (!n)
			puts_(b, replacement);
		else
			puts_(b, c == '\\' ? "\\\\" : c == '\n' ? "\\n" : "\\\"");
		u += run + 1;
		left -= run + 1;
		run = 0;
	}
	put(b, (const char *)u, run);
}

/* Ends what was written from start on: kept whole, or taken back whole. */
static int line_end(struct promtext *b, size_t start)
{
	if (!b->failed)
		return 0;
	b->len = start;
	if (b->cap)
		b->buf[start] = '\0';
	return b->err;
}

/* ------------------------------------------------------------- writing */

int promtext_family(struct promtext *b, const char *name, enum promtext_type type,
		    const char *help)
{
	if (b->failed)
		return b->err;
	bool ok = promtext_name_ok(name) && help &&
		  (type == PROMTEXT_GAUGE ||
		   (type == PROMTEXT_COUNTER && promtext_counter_name_ok(name))) &&
		  strcmp(name, b->family) != 0;
	b->family[0] = '\0'; /* samples of a refused family are refused too */
	if (!ok)
		return -EINVAL;
	size_t start = b->len;
	puts_(b, "# HELP ");
	puts_(b, name);
	put(b, " ", 1);
	put_escaped(b, help, false);
	puts_(b, "\n# TYPE ");
	puts_(b, name);
	puts_(b, type == PROMTEXT_COUNTER ? " counter\n" : " gauge\n");
	int r = line_end(b, start);
	if (r == 0) {
		memcpy(b->family, name, strlen(name) + 1);
		b->type = type;
	}
	return r;
}

static int sample(struct promtext *b, const char *name, const struct promtext_label *labels,
		  size_t n, const char *value)
{
	if (b->failed)
		return b->err;
	if (!name || !b->family[0] || strcmp(name, b->family) != 0 || (n && !labels))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!promtext_label_name_ok(labels[i].name) || !labels[i].value)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(labels[i].name, labels[j].name) == 0)
				return -EINVAL;
	}
	size_t start = b->len;
	puts_(b, name);
	for (size_t i = 0; i < n; i++) {
		put(b, i ? "," : "{", 1);
		puts_(b, labels[i].name);
		put(b, "=\"", 2);
		put_escaped(b, labels[i].value, true);
		put(b, "\"", 1);
	}
	if (n)
		put(b, "}", 1);
	put(b, " ", 1);
	puts_(b, value);
	put(b, "\n", 1);
	return line_end(b, start);
}

int promtext_sample_u64(struct promtext *b, const char *name, const struct promtext_label *labels,
			size_t n, uint64_t value)
{
	char text[24];
	snprintf(text, sizeof text, "%" PRIu64, value);
	return sample(b, name, labels, n, text);
}

/* The shortest of %.15g, %.16g and %.17g that strtod reads back as v: 17
 * significant digits always do (IEEE 754 binary64), fewer usually do and
 * read better. */
static void format_f64(double v, char *out, size_t size)
{
	if (isnan(v)) {
		snprintf(out, size, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, size, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, size, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

int promtext_sample_f64(struct promtext *b, const char *name, const struct promtext_label *labels,
			size_t n, double value)
{
	if (!b->failed && b->family[0] && b->type == PROMTEXT_COUNTER && !(value >= 0))
		return -EINVAL; /* counters only go up from zero */
	char text[32];
	format_f64(value, text, sizeof text);
	return sample(b, name, labels, n, text);
}

/* -------------------------------------------------------------- checking */

struct span {
	const char *p;
	size_t n;
};

static bool span_eq(struct span a, struct span b) { return a.n == b.n && memcmp(a.p, b.p, a.n) == 0; }

static bool span_starts(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && memcmp(s.p, lit, n) == 0;
}

/* The name at the start of s ([a-zA-Z0-9_:]*), and what follows. */
static struct span take_name(struct span *s)
{
	size_t i = 0;
	while (i < s->n && (is_alpha_(s->p[i]) || is_digit(s->p[i]) || s->p[i] == ':'))
		i++;
	struct span name = {s->p, i};
	s->p += i;
	s->n -= i;
	return name;
}

/* Backslash escapes in [p, p + n): only "\\\\", "\\n", and "\\\"" when quote. */
static bool escapes_ok(const char *p, size_t n, bool quote)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\\')
			continue;
		if (++i == n || !(p[i] == '\\' || p[i] == 'n' || (quote && p[i] == '"')))
			return false;
	}
	return true;
}

/* Does a line of [page, upto) start "# HELP name "? */
static bool declared_before(const char *page, const char *upto, struct span name)
{
	const char *p = page;
	while (p < upto) {
		const char *nl = memchr(p, '\n', (size_t)(upto - p));
		struct span l = {p, (size_t)(nl - p)};
		if (span_starts(l, "# HELP ") && l.n > 7 + name.n && l.p[7 + name.n] == ' ' &&
		    memcmp(l.p + 7, name.p, name.n) == 0)
			return true;
		p = nl + 1;
	}
	return false;
}

/* A sample's name and labels: the line up to its last blank (a value has
 * none, a label value may). */
static struct span series_key(struct span l)
{
	size_t n = l.n;
	while (n && l.p[n - 1] != ' ')
		n--;
	return (struct span){l.p, n ? n - 1 : 0};
}

/* Is the key of line l among the samples of [from, upto)? */
static bool series_before(const char *from, const char *upto, struct span key)
{
	const char *p = from;
	while (p < upto) {
		const char *nl = memchr(p, '\n', (size_t)(upto - p));
		struct span l = {p, (size_t)(nl - p)};
		if (l.n && l.p[0] != '#' && span_eq(series_key(l), key))
			return true;
		p = nl + 1;
	}
	return false;
}

/* {name="value",...} at the start of *s, consumed. */
static const char *check_labels(struct span *s)
{
	struct span seen[64];
	size_t nseen = 0;
	s->p++;
	s->n--;
	for (;;) {
		struct span name = take_name(s);
		if (!label_span_ok(name.p, name.n))
			return "bad label name";
		for (size_t i = 0; i < nseen; i++)
			if (span_eq(seen[i], name))
				return "repeated label";
		if (nseen == sizeof seen / sizeof *seen)
			return "too many labels";
		seen[nseen++] = name;
		if (s->n < 2 || s->p[0] != '=' || s->p[1] != '"')
			return "expected =\" after a label name";
		size_t i = 2;
		while (i < s->n && s->p[i] != '"')
			i += s->p[i] == '\\' ? 2 : 1;
		if (i >= s->n)
			return "unterminated label value";
		if (!escapes_ok(s->p + 2, i - 2, true))
			return "bad escape in a label value";
		s->p += i + 1;
		s->n -= i + 1;
		if (s->n && s->p[0] == '}') {
			s->p++;
			s->n--;
			return NULL;
		}
		if (!s->n || s->p[0] != ',')
			return "expected , or } after a label";
		s->p++;
		s->n--;
	}
}

/* A value as written here; *v its number. */
static bool value_ok(struct span s, double *v)
{
	char text[64];
	if (s.n == 0 || s.n >= sizeof text)
		return false;
	memcpy(text, s.p, s.n);
	text[s.n] = '\0';
	if (strcmp(text, "NaN") == 0 || strcmp(text, "+Inf") == 0 || strcmp(text, "-Inf") == 0) {
		*v = text[0] == 'N' ? NAN : text[0] == '+' ? INFINITY : -INFINITY;
		return true;
	}
	/* strtod also reads "inf", "nan(...)" and hex: not what is written here. */
	if (strspn(text, "0123456789.eE+-") != s.n)
		return false;
	char *end;
	errno = 0;
	*v = strtod(text, &end);
	/* ERANGE: an overflow (refused), or a subnormal (glibc says ERANGE) */
	return *end == '\0' && end != text && (errno == 0 || fabs(*v) < 1);
}

struct checker {
	const char *page;
	struct span family; /* declared last */
	bool counter;
	bool typed;         /* its TYPE line was read */
	const char *first;  /* its first sample line */
};

static const char *check_line(struct checker *c, struct span l)
{
	if (l.n == 0)
		return "empty line";
	if (span_starts(l, "# HELP ")) {
		if (c->family.p && !c->typed)
			return "HELP without TYPE";
		struct span rest = {l.p + 7, l.n - 7};
		struct span name = take_name(&rest);
		if (!name_span_ok(name.p, name.n, true) || !rest.n || rest.p[0] != ' ')
			return "bad name in HELP";
		if (declared_before(c->page, l.p, name))
			return "family declared twice";
		if (!escapes_ok(rest.p + 1, rest.n - 1, false))
			return "bad escape in HELP";
		c->family = name;
		c->typed = false;
		return NULL;
	}
	if (span_starts(l, "# TYPE ")) {
		struct span rest = {l.p + 7, l.n - 7};
		struct span name = take_name(&rest);
		if (!c->family.p || c->typed || !span_eq(name, c->family))
			return "TYPE not right after the HELP of its family";
		if (span_eq(rest, (struct span){" counter", 8}))
			c->counter = true;
		else if (span_eq(rest, (struct span){" gauge", 6}))
			c->counter = false;
		else
			return "type is not counter or gauge";
		if (c->counter && !counter_span_ok(name.p, name.n))
			return "counter name does not end in _total";
		c->typed = true;
		c->first = l.p + l.n + 1;
		return NULL;
	}
	if (l.p[0] == '#')
		return "comment other than HELP and TYPE";
	struct span rest = l;
	struct span name = take_name(&rest);
	if (!name_span_ok(name.p, name.n, true))
		return "bad sample name";
	if (!c->family.p || !c->typed || !span_eq(name, c->family))
		return "sample outside its family";
	if (rest.n && rest.p[0] == '{') {
		const char *why = check_labels(&rest);
		if (why)
			return why;
	}
	if (!rest.n || rest.p[0] != ' ')
		return "expected a blank before the value";
	double v;
	if (!value_ok((struct span){rest.p + 1, rest.n - 1}, &v))
		return "bad value (or a timestamp)";
	if (c->counter && !(v >= 0))
		return "counter below zero or NaN";
	if (series_before(c->first, l.p, series_key(l)))
		return "repeated series";
	return NULL;
}

int promtext_check_page(const char *page, size_t len, const char **why, size_t *line)
{
	const char *w = NULL;
	size_t ln = 0;
	for (size_t i = 0; i < len;) {
		if (page[i] == '\n')
			ln++;
		size_t n = utf8_char((const unsigned char *)page + i, len - i, NULL);
		if (!n) {
			w = "not UTF-8";
			ln++;
			goto out;
		}
		i += n;
	}
	ln = 0;
	if (len && page[len - 1] != '\n') {
		w = "last line without a newline";
		for (size_t i = 0; i < len; i++)
			ln += page[i] == '\n';
		ln++;
		goto out;
	}
	struct checker c = {.page = page};
	for (const char *p = page, *end = page + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		ln++;
		w = check_line(&c, (struct span){p, (size_t)(nl - p)});
		if (w)
			goto out;
		p = nl + 1;
	}
	if (c.family.p && !c.typed) {
		w = "HELP without TYPE";
		goto out;
	}
	return 0;
out:
	if (why)
		*why = w;
	if (line)
		*line = ln;
	return -EINVAL;
}
