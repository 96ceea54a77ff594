#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Whole numbers of bytes, without libm: liboomsentry compiles this file too
 * and depends on libc alone. At 2^53 and above every double is whole. */
static bool is_whole(double v)
{
	return v >= 9007199254740992.0 || (double)(uint64_t)v == v;
}

/* The longest number the parsers read, in characters. */
#define DECIMAL_MAX 63

/* Only digits with an optional single decimal point pass: no signs, blanks,
 * exponents, hex, "inf" or "nan". */
static bool plain_decimal_prefix(const char *s, size_t *len)
{
	size_t i = 0, digits = 0;
	bool dot = false;
	for (; s[i]; i++) {
		if (isdigit((unsigned char)s[i]))
			digits++;
		else if (s[i] == '.' && !dot)
			dot = true;
		else
			break;
	}
	*len = i;
	return digits > 0;
}

/* The value of len (at most DECIMAL_MAX + 1) characters of digits and at
 * most one '.': strtod's, correctly rounded, in the C locale whatever the
 * process's (liboomsentry runs inside applications that may have set one
 * where the decimal point is ','). */
static double decimal_value(const char *s, size_t len)
{
	static locale_t c_locale;
	char buf[DECIMAL_MAX + 2];
	if (len >= sizeof buf)
		return HUGE_VAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!c_locale)
		c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	return c_locale ? strtod_l(buf, NULL, c_locale) : strtod(buf, NULL);
}

static int parse_decimal(const char *s, double *out, const char **rest, const char **why)
{
	size_t len;
	if (!s || !*s) {
		*why = "empty value";
		return -EINVAL;
	}
	if (!plain_decimal_prefix(s, &len)) {
		*why = s[0] == '-' ? "must not be negative" : "not a number";
		return -EINVAL;
	}
	if (len > DECIMAL_MAX) {
		*why = "number too long";
		return -ERANGE;
	}
	double v = decimal_value(s, len);
	if (v > 1e300) {
		*why = "number out of range";
		return -ERANGE;
	}
	*out = v;
	*rest = s + len;
	return 0;
}

int units_parse_number(const char *s, double *out, const char **why)
{
	const char *rest;
	double v;
	int r = parse_decimal(s, &v, &rest, why);
	if (r)
		return r;
	if (*rest) {
		*why = "trailing characters after the number";
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Why a value that has a '%' is not "<number>%", or NULL when it is (or has
 * no '%'). Someone who wrote a percentage is told about the sign, not about
 * units or trailing characters. "80 %" is refused like "512 Mi" and "30 s":
 * no unit stands apart from its number. */
static const char *percent_sign_problem(const char *s)
{
	const char *sign = s ? strchr(s, '%') : NULL;
	if (!sign)
		return NULL;
	size_t len = 0, before = (size_t)(sign - s);
	if (!before) {
		size_t n;
		return plain_decimal_prefix(s + strspn(s, "%"), &n)
			       ? "the % sign goes after the number, as in 80%"
			       : "no number before the % sign";
	}
	if (s[0] == '-')
		return "must not be negative";
	if (!plain_decimal_prefix(s, &len))
		return "not a number before the % sign";
	if (len < before)
		return strspn(s + len, " \t") == before - len
			       ? "no blank may stand between the number and the % sign"
			       : "not a number before the % sign";
	if (sign[1] == '%')
		return "a percentage takes one % sign";
	return sign[1] ? "nothing may follow the % sign" : NULL;
}

int units_parse_percent(const char *s, double *pct, const char **why)
{
	const char *problem = percent_sign_problem(s);
	if (problem) {
		*why = problem;
		return -EINVAL;
	}
	const char *rest;
	double v;
	int r = parse_decimal(s, &v, &rest, why);
	if (r)
		return r;
	if (*rest && strcmp(rest, "%") != 0) {
		*why = "trailing characters after the number";
		return -EINVAL;
	}
	*pct = v;
	return 0;
}

struct suffix {
	const char *name;
	double mult;
};

static const struct suffix size_suffixes[] = {
	{"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0},
	{"Ti", 1099511627776.0}, {"Pi", 1125899906842624.0}, {"Ei", 1152921504606846976.0},
	{"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"E", 1e18},
	{"B", 1.0},
};

static int size_from(double v, const char *suffix, uint64_t *bytes, const char **why)
{
	for (size_t i = 0; i < sizeof size_suffixes / sizeof *size_suffixes; i++) {
		if (strcmp(suffix, size_suffixes[i].name) == 0) {
			double b = v * size_suffixes[i].mult;
			/* 2^64 is exactly representable; anything at or above overflows. */
			if (b >= 18446744073709551616.0) {
				*why = "size too large";
				return -ERANGE;
			}
			if (!is_whole(b)) {
				*why = "a size must come to a whole number of bytes";
				return -EINVAL;
			}
			*bytes = (uint64_t)b;
			return 0;
		}
	}
	*why = "unknown unit (use Ki, Mi, Gi, Ti or k, M, G, T)";
	return -EINVAL;
}

int units_parse_size(const char *s, uint64_t *bytes, const char **why)
{
	double v;
	const char *rest;
	int r = parse_decimal(s, &v, &rest, why);
	if (r)
		return r;
	if (!*rest) {
		if (!is_whole(v)) {
			*why = "a size in bytes must be a whole number";
			return -EINVAL;
		}
		return size_from(v, "B", bytes, why);
	}
	return size_from(v, rest, bytes, why);
}

int units_parse_threshold(const char *s, struct threshold *out, const char **why)
{
	const char *problem = percent_sign_problem(s);
	if (problem) {
		*why = problem;
		return -EINVAL;
	}
	double v;
	const char *rest;
	int r = parse_decimal(s, &v, &rest, why);
	if (r)
		return r;
	struct threshold t = {0};
	if (*rest == '\0' || strcmp(rest, "%") == 0) {
		if (v <= 0) {
			*why = "must be positive";
			return -EINVAL;
		}
		if (v > 100) {
			*why = "a percentage must be at most 100";
			return -ERANGE;
		}
		t.is_pct = true;
		t.pct = v;
	} else {
		r = size_from(v, rest, &t.bytes, why);
		if (r)
			return r;
		if (t.bytes == 0) {
			*why = "must be positive";
			return -EINVAL;
		}
	}
	*out = t;
	return 0;
}

static const struct suffix duration_units[] = {
	{"ns", 1e-3}, {"us", 1.0}, {"\xc2\xb5s", 1.0}, {"ms", 1e3},
	{"s", 1e6}, {"m", 60e6}, {"h", 3600e6},
};

int units_parse_duration_us(const char *s, uint64_t *us, const char **why)
{
	if (!s || !*s) {
		*why = "empty value";
		return -EINVAL;
	}
	if (s[0] == '-') {
		*why = "must not be negative";
		return -EINVAL;
	}
	/* Go's grammar allows an explicit plus sign ("+5s"). */
	if (s[0] == '+' && s[1])
		s++;
	/* Legacy form: a bare integer is seconds. */
	bool all_digits = true;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			all_digits = false;
	if (all_digits) {
		errno = 0;
		char *end;
		unsigned long long secs = strtoull(s, &end, 10);
		if (errno == ERANGE || secs > UINT64_MAX / 1000000) {
			*why = "duration too long";
			return -ERANGE;
		}
		*us = (uint64_t)secs * 1000000;
		return 0;
	}
	/* Go form: one or more <number><unit> groups. "0" alone was handled above.
	 * Whole numbers of whole microseconds add up exactly ("999999999999s" is
	 * beyond a double's 2^53); the rest adds up as a double, rounded once. */
	uint64_t whole = 0;
	double total = 0;
	const char *p = s;
	while (*p) {
		double v;
		const char *rest;
		int r = parse_decimal(p, &v, &rest, why);
		if (r) {
			if (r == -EINVAL)
				*why = "not a duration (use e.g. 30s, 1m30s, 250ms, or seconds)";
			return r;
		}
		size_t best = 0;
		double mult = 0;
		for (size_t i = 0; i < sizeof duration_units / sizeof *duration_units; i++) {
			size_t n = strlen(duration_units[i].name);
			/* Longest match: "ms" before "m". */
			if (strncmp(rest, duration_units[i].name, n) == 0 && n > best) {
				best = n;
				mult = duration_units[i].mult;
			}
		}
		if (!best) {
			*why = *rest ? "unknown duration unit (use h, m, s, ms, us)"
				     : "missing unit (use e.g. 30s, 1m30s, 250ms)";
			return -EINVAL;
		}
		if (mult >= 1 && !memchr(p, '.', (size_t)(rest - p))) {
			errno = 0;
			unsigned long long n = strtoull(p, NULL, 10);
			uint64_t m = (uint64_t)mult;
			if (errno == ERANGE || n > (UINT64_MAX - whole) / m) {
				*why = "duration too long";
				return -ERANGE;
			}
			whole += (uint64_t)n * m;
		} else {
			total += v * mult;
		}
		p = rest + best;
	}
	/* llround would overflow past 2^63: round by hand after the bound. */
	if (total + 0.5 >= 18446744073709551616.0) {
		*why = "duration too long";
		return -ERANGE;
	}
	uint64_t rounded = (uint64_t)(total + 0.5);
	if (rounded > UINT64_MAX - whole) {
		*why = "duration too long";
		return -ERANGE;
	}
	*us = whole + rounded;
	return 0;
}

int units_parse_bool(const char *s, bool *out, const char **why)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	if (!s || !*s) {
		*why = "empty value";
		return -EINVAL;
	}
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	*why = "not a boolean (use true or false)";
	return -EINVAL;
}

void units_format_duration(char *buf, unsigned long size, uint64_t us)
{
	if (us % 1000000 == 0)
		snprintf(buf, size, "%llus", (unsigned long long)(us / 1000000));
	else if (us % 1000 == 0)
		snprintf(buf, size, "%llums", (unsigned long long)(us / 1000));
	else
		snprintf(buf, size, "%lluus", (unsigned long long)us);
}

/* v rounded to prec significant digits as a plain decimal, the only form
 * the parsers read: %g would write 1e-06 or 1e+20. The digits and the
 * exponent come from %e; trailing zeros after the point are dropped. */
static void plain_decimal(char *buf, unsigned long size, double v, int prec)
{
	char e[48];
	snprintf(e, sizeof e, "%.*e", prec - 1, v);
	const char *x = strchr(e, 'e');
	if (!x || !isdigit((unsigned char)e[0])) { /* inf, nan, negative: no plain form */
		snprintf(buf, size, "%s", e);
		return;
	}
	char digits[24];
	size_t nd = 0;
	for (const char *p = e; p < x && nd < sizeof digits; p++)
		if (isdigit((unsigned char)*p))
			digits[nd++] = *p;
	long e10 = strtol(x + 1, NULL, 10);
	/* Doubles are below 1e309 and above 1e-325: at most 345 characters. */
	char out[400];
	size_t n = 0;
	if (e10 < 0) {
		out[n++] = '0';
		out[n++] = '.';
		for (long i = -1; i > e10; i--)
			out[n++] = '0';
		memcpy(out + n, digits, nd);
		n += nd;
	} else {
		for (size_t i = 0; i < nd || (long)i <= e10; i++) {
			if ((long)i == e10 + 1)
				out[n++] = '.';
			out[n++] = i < nd ? digits[i] : '0';
		}
	}
	out[n] = '\0';
	if (memchr(out, '.', n)) {
		while (out[n - 1] == '0')
			out[--n] = '\0';
		if (out[n - 1] == '.')
			out[--n] = '\0';
	}
	/* "0.000...1" one character too long to read back: ".000...1" reads. */
	if (n == DECIMAL_MAX + 1 && out[0] == '0' && out[1] == '.')
		memmove(out, out + 1, n--);
	snprintf(buf, size, "%s", out);
}

void units_format_number(char *buf, unsigned long size, double v)
{
	for (int prec = 6; prec <= 17; prec++) {
		plain_decimal(buf, size, v, prec);
		size_t len = strspn(buf, "0123456789.");
		if (buf[len] == '\0' && decimal_value(buf, len) == v)
			return;
	}
}

void units_format_threshold(char *buf, unsigned long size, const struct threshold *t)
{
	if (t->is_pct) {
		char num[DECIMAL_MAX + 16];
		units_format_number(num, sizeof num, t->pct);
		snprintf(buf, size, "%s%%", num);
	}
	else if (t->bytes % 1048576 == 0)
		snprintf(buf, size, "%lluMi", (unsigned long long)(t->bytes / 1048576));
	else if (t->bytes % 1024 == 0)
		snprintf(buf, size, "%lluKi", (unsigned long long)(t->bytes / 1024));
	else
		snprintf(buf, size, "%lluB", (unsigned long long)t->bytes);
}
