/* Fuzzes the value parsers of units.h (thresholds, sizes, durations, numbers,
 * booleans). Every accepted value must be in its range and read back exactly
 * from what its formatter writes: --print-config relies on that. */
#include <errno.h>
#include <inttypes.h>
#include <strings.h>

#include "fuzz.h"
#include "units.h"

/* Room for the longest number the parsers read (63 characters) and a unit. */
#define OUT 80

static void check_error(int r, const char *why, const char *what)
{
	FUZZ_CHECK(r == -EINVAL || r == -ERANGE, "%s: %d", what, r);
	FUZZ_CHECK(why && why[0], "%s: no reason", what);
}

static void check_threshold(const char *s)
{
	struct threshold t = {.is_pct = true, .pct = -1, .bytes = 7};
	const char *why = NULL;
	int r = units_parse_threshold(s, &t, &why);
	if (r) {
		check_error(r, why, "threshold");
		return;
	}
	if (t.is_pct)
		FUZZ_CHECK(t.pct > 0 && t.pct <= 100, "percentage %.17g", t.pct);
	else
		FUZZ_CHECK(t.bytes > 0, "zero bytes");

	char *out = fuzz_outbuf(OUT);
	units_format_threshold(out, OUT, &t);
	FUZZ_CHECK(fuzz_terminated(out, OUT), "threshold output not terminated");
	struct threshold back = {0};
	r = units_parse_threshold(out, &back, &why);
	FUZZ_CHECK(r == 0, "\"%s\" (from \"%s\") does not read back: %s", out, s, why);
	FUZZ_CHECK(back.is_pct == t.is_pct && (t.is_pct ? back.pct == t.pct : back.bytes == t.bytes),
		   "\"%s\" reads back as another threshold than \"%s\"", out, s);
	free(out);
}

static void check_size(const char *s)
{
	uint64_t bytes = 7;
	const char *why = NULL;
	int r = units_parse_size(s, &bytes, &why);
	if (r) {
		check_error(r, why, "size");
		return;
	}
	/* A non-zero size is also a threshold: its formatter must read back. */
	if (!bytes)
		return;
	struct threshold t = {.is_pct = false, .bytes = bytes};
	char *out = fuzz_outbuf(OUT);
	units_format_threshold(out, OUT, &t);
	uint64_t back = 0;
	FUZZ_CHECK(units_parse_size(out, &back, &why) == 0 && back == bytes,
		   "\"%s\" (%" PRIu64 " bytes) does not read back", out, bytes);
	free(out);
}

static void check_duration(const char *s)
{
	uint64_t us = 7;
	const char *why = NULL;
	int r = units_parse_duration_us(s, &us, &why);
	if (r) {
		check_error(r, why, "duration");
		return;
	}
	char *out = fuzz_outbuf(OUT);
	units_format_duration(out, OUT, us);
	FUZZ_CHECK(fuzz_terminated(out, OUT), "duration output not terminated");
	uint64_t back = 0;
	r = units_parse_duration_us(out, &back, &why);
	FUZZ_CHECK(r == 0 && back == us, "\"%s\" (%" PRIu64 " us, from \"%s\") does not read back",
		   out, us, s);
	free(out);
}

static void check_number(const char *s)
{
	double v = -1;
	const char *why = NULL;
	int r = units_parse_number(s, &v, &why);
	if (r) {
		check_error(r, why, "number");
		return;
	}
	FUZZ_CHECK(v >= 0 && v <= 1e300, "number %.17g", v);
	/* Formatted numbers are percentages and percentage points. Far above
	 * them, a 63-digit number may round up to 64 digits, more than the
	 * parser reads. */
	if (v >= 1e27)
		return;
	char *out = fuzz_outbuf(OUT);
	units_format_number(out, OUT, v);
	FUZZ_CHECK(fuzz_terminated(out, OUT), "number output not terminated");
	double back = -1;
	r = units_parse_number(out, &back, &why);
	FUZZ_CHECK(r == 0 && back == v, "\"%s\" (%.17g, from \"%s\") does not read back", out, v, s);
	free(out);
}

static void check_bool(const char *s)
{
	static const char *const words[] = {"true", "yes", "on", "1", "false", "no", "off", "0"};
	bool b = false;
	const char *why = NULL;
	int r = units_parse_bool(s, &b, &why);
	if (r) {
		check_error(r, why, "boolean");
		return;
	}
	size_t i;
	for (i = 0; i < sizeof words / sizeof *words; i++)
		if (strcasecmp(s, words[i]) == 0)
			break;
	FUZZ_CHECK(i < sizeof words / sizeof *words && b == (i < 4), "\"%s\" read as %d", s, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	check_threshold(s);
	check_size(s);
	check_duration(s);
	check_number(s);
	check_bool(s);
	free(s);
	return 0;
}
