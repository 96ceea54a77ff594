/* Fuzzes flightrec.c with pushes, marks and clock steps back, checking after
 * every step that the record stays within its cap and window, in time order,
 * and that thinning never loses a mark still within the window (unless the
 * record is nothing but marks, when the oldest must go). At the end the CSV
 * has a row per sample and the chart renders without NaN or inf.
 *
 * Input: two bytes of setup (cap 8..263, window 1..2041 ms), then 4-byte
 * steps: op, time, and two bytes of value. */
#include <errno.h>
#include <inttypes.h>

#include "chart_svg.h"
#include "flightrec.h"
#include "fuzz.h"

#define T0 UINT64_C(1796236200000)

/* The marks of a record: each mark's arg is unique, so it names the mark. */
struct seen {
	size_t n;
	unsigned arg[FLIGHTREC_CAP_MIN + 256];
	uint64_t t[FLIGHTREC_CAP_MIN + 256];
};

static void marks_of(const struct flightrec *fr, struct seen *s)
{
	s->n = 0;
	struct flightrec_point p;
	for (size_t i = 0; flightrec_get(fr, i, &p); i++) {
		if (p.mark == FLIGHTREC_MARK_NONE)
			continue;
		s->arg[s->n] = p.arg;
		s->t[s->n++] = p.t_ms;
	}
}

static bool has_mark(const struct flightrec *fr, unsigned arg)
{
	struct flightrec_point p;
	for (size_t i = 0; flightrec_get(fr, i, &p); i++)
		if (p.mark != FLIGHTREC_MARK_NONE && p.arg == arg)
			return true;
	return false;
}

/* Whether the next push may drop a mark: only a full record of nothing but
 * marks loses one, its oldest. */
static bool may_drop_mark(const struct flightrec *fr)
{
	size_t n = flightrec_count(fr);
	if (n < fr->cap)
		return false;
	struct flightrec_point p;
	for (size_t i = 0; i < n; i++) {
		flightrec_get(fr, i, &p);
		if (p.mark == FLIGHTREC_MARK_NONE)
			return false;
	}
	return true;
}

static void check_record(const struct flightrec *fr, uint64_t newest)
{
	size_t n = flightrec_count(fr);
	FUZZ_CHECK(n >= 1 && n <= fr->cap, "count %zu, cap %" PRIu32, n, fr->cap);
	FUZZ_CHECK(flightrec_bytes(fr) <= fr->cap * sizeof(struct flightrec_sample), "%zu bytes",
		   flightrec_bytes(fr));
	FUZZ_CHECK(flightrec_newest_ms(fr) == newest, "newest %" PRIu64 ", want %" PRIu64,
		   flightrec_newest_ms(fr), newest);
	FUZZ_CHECK(flightrec_oldest_ms(fr) + fr->window_ms >= newest, "oldest %" PRIu64
		   " outside the window", flightrec_oldest_ms(fr));
	struct flightrec_point a, b;
	flightrec_get(fr, 0, &a);
	for (size_t i = 1; i < n; i++, a = b) {
		flightrec_get(fr, i, &b);
		FUZZ_CHECK(a.t_ms <= b.t_ms, "sample %zu at %" PRIu64 " after %" PRIu64, i, b.t_ms,
			   a.t_ms);
	}
}

static void check_outputs(const struct flightrec *fr)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	FUZZ_CHECK(f, "open_memstream");
	FUZZ_CHECK(flightrec_csv(f, fr, 0, NULL, NULL) == 0, "csv");
	fclose(f);
	size_t rows = 0;
	for (size_t i = 0; i < len; i++)
		rows += buf[i] == '\n';
	FUZZ_CHECK(rows == flightrec_count(fr) + 1, "%zu CSV rows for %zu samples", rows,
		   flightrec_count(fr));
	free(buf);

	f = open_memstream(&buf, &len);
	FUZZ_CHECK(f, "open_memstream");
	struct chart_info ci = {.title = "fuzz", .warning_bytes = 1, .limit_bytes = UINT64_MAX};
	FUZZ_CHECK(chart_svg(f, fr, &ci) == 0, "chart");
	fclose(f);
	FUZZ_CHECK(!strstr(buf, "nan") && !strstr(buf, "inf"), "NaN or inf in the chart");
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct flightrec fr;
	FUZZ_CHECK(flightrec_init(&fr, 1 + data[1] * 8u, FLIGHTREC_CAP_MIN + data[0]) == 0, "init");
	static struct seen before;
	uint64_t clock = T0;
	unsigned next_arg = 0;
	for (size_t k = 2; k + 4 <= size && next_arg <= FLIGHTREC_ARG_MAX; k += 4) {
		const uint8_t *op = data + k;
		marks_of(&fr, &before);
		bool drop_ok = may_drop_mark(&fr);
		uint64_t oldest_before = flightrec_oldest_ms(&fr);
		uint64_t back = 0;
		struct flightrec_point p = {
			.usage_bytes = (uint64_t)(op[2] << 8 | op[3]) << 16,
			.level = (enum level)(op[2] % 3),
		};
		p.working_set_bytes = p.usage_bytes / 2;
		int r;
		switch (op[0] % 8) {
		case 5:
			p.mark = (enum flightrec_mark)(1 + op[3] % 3);
			p.arg = next_arg++;
			/* fall through */
		default:
			p.t_ms = clock += op[1];
			r = flightrec_push(&fr, &p);
			break;
		case 6:
			/* CLOCK_REALTIME stepped back. */
			back = flightrec_count(&fr) ? op[1] + 1u : 0;
			p.t_ms = clock -= back;
			r = flightrec_push(&fr, &p);
			break;
		case 7:
			if (!flightrec_count(&fr)) {
				r = flightrec_mark(&fr, FLIGHTREC_MARK_SIGNAL, 0, clock);
				FUZZ_CHECK(r == -ENODATA, "mark on nothing: %d", r);
				continue;
			}
			/* Up to 2 ms before the newest sample: placed at it. */
			uint64_t t = clock + op[1] % 5;
			t = t >= 2 ? t - 2 : 0;
			if (t > clock)
				clock = t;
			r = flightrec_mark(&fr, (enum flightrec_mark)(1 + op[2] % 3), next_arg++,
					   t);
			break;
		}
		FUZZ_CHECK(r == 0, "step %zu: %d", k, r);
		check_record(&fr, clock);
		/* Every mark that was held, moved back with the clock if it
		 * stepped, is still held while within the window. */
		uint64_t oldest_kept = clock > fr.window_ms ? clock - fr.window_ms : 0;
		for (size_t i = 0; i < before.n; i++) {
			if (before.t[i] - back < oldest_kept)
				continue;
			if (drop_ok && before.t[i] == oldest_before)
				continue;
			FUZZ_CHECK(has_mark(&fr, before.arg[i]), "step %zu: mark %u at %" PRIu64
				   " lost", k, before.arg[i], before.t[i] - back);
		}
	}
	check_outputs(&fr);
	flightrec_free(&fr);
	return 0;
}
