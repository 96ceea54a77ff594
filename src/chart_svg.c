#include "chart_svg.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "utf8.h"

#define MIB 1048576.0

/* The plot area inside the picture: room on the left for the MiB labels,
 * above for the title and the legend, below for the time labels. */
#define LEFT 70
#define RIGHT 20
#define PX0 ((double)LEFT)
#define PX1 ((double)(CHART_WIDTH - RIGHT))
#define PY0 60.0
#define PY1 (CHART_HEIGHT - 45.0)
#define PW (PX1 - PX0)
#define PH (PY1 - PY0)

/* Whole pixel columns of the plot: the unit of decimation. */
#define COLUMNS ((uint32_t)(CHART_WIDTH - RIGHT - LEFT))
_Static_assert(2 * COLUMNS <= CHART_MAX_POINTS, "two points per column fit the bound");

#define USAGE_COLOUR "#1f77b4"
#define WS_COLOUR "#ff7f0e"

struct geom {
	uint64_t from_ms, to_ms;
	double span_ms; /* > 0 */
	double top_mib; /* > 0 */
};

/* Anything not finite prints as 0: no NaN or inf reaches the document. */
static double sane(double v)
{
	return v == v && v < 1e12 && v > -1e12 ? v : 0.0;
}

static double x_of(const struct geom *g, uint64_t t_ms)
{
	return sane(PX1 - (double)(g->to_ms - t_ms) / g->span_ms * PW);
}

static double y_of(const struct geom *g, uint64_t bytes)
{
	double y = PY1 - (double)bytes / MIB / g->top_mib * PH;
	return sane(y < PY0 ? PY0 : y);
}

static bool in_range(const struct geom *g, uint64_t t_ms)
{
	return t_ms >= g->from_ms && t_ms <= g->to_ms;
}

/* Length of the UTF-8 sequence at s if it is a well-formed character that
 * XML 1.0 allows (no C0 controls but tab and line breaks, no U+FFFE/U+FFFF),
 * else 0. s is NUL-terminated. */
static size_t xml_char_len(const unsigned char *s)
{
	unsigned cp;
	size_t len = utf8_char(s, 4, &cp);
	if (len == 1)
		return cp >= 0x20 || cp == '\t' || cp == '\n' || cp == '\r' ? 1 : 0;
	return cp == 0xfffe || cp == 0xffff ? 0 : len;
}

static const char *entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&apos;";
	default:
		return NULL;
	}
}

/* Text content or attribute value, escaped; what is not a character XML
 * allows becomes U+FFFD, a byte at a time. */
static void xml_text(FILE *out, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	while (*s) {
		const char *e = entity(*s);
		size_t len = e ? 1 : xml_char_len(s);
		if (e)
			fputs(e, out);
		else if (len)
			fwrite(s, 1, len, out);
		else
			fputs("\xef\xbf\xbd", out);
		s += len ? len : 1;
	}
}

/* "%.*f" with as many decimals as a tick step needs. */
static int decimals_for(double step)
{
	return step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
}

/* A tick step of 1, 2 or 5 times a power of ten that gives at most about
 * `ticks` ticks over range (> 0). Without libm: the library needs libc
 * only. */
static double nice_step(double range, int ticks)
{
	double raw = range / ticks, mag = 1;
	while (mag * 10 <= raw)
		mag *= 10;
	while (mag > raw && mag > 1e-3)
		mag /= 10;
	static const double mult[] = {1, 2, 5, 10};
	for (size_t i = 0; i < sizeof mult / sizeof *mult; i++)
		if (mult[i] * mag >= raw)
			return mult[i] * mag;
	return 10 * mag;
}

static void axes(FILE *out, const struct geom *g)
{
	fprintf(out,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#888\"/>\n",
		PX0, PY0, PW, PH);

	double span_s = g->span_ms / 1000, step = nice_step(span_s, 6);
	int dec = decimals_for(step);
	fputs("<g class=\"x-ticks\" text-anchor=\"middle\">\n", out);
	for (int k = 0; k < 100 && k * step <= span_s * 1.0001; k++) {
		double x = sane(PX1 - k * step / span_s * PW);
		fprintf(out,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%.1f\">",
			x, PY0, x, PY1, x, PY1 + 15);
		if (k)
			fprintf(out, "-%.*f s</text>\n", dec, k * step);
		else
			fputs("0 s</text>\n", out);
	}
	fprintf(out, "</g>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">seconds before the "
		     "end</text>\n",
		(PX0 + PX1) / 2, PY1 + 33);

	step = nice_step(g->top_mib, 6);
	dec = decimals_for(step);
	fputs("<g class=\"y-ticks\" text-anchor=\"end\">\n", out);
	for (int k = 0; k < 100 && k * step <= g->top_mib; k++) {
		double y = sane(PY1 - k * step / g->top_mib * PH);
		fprintf(out,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%.1f\">%.*f</text>\n",
			PX0, y, PX1, y, PX0 - 5, y + 4, dec, k * step);
	}
	fprintf(out, "</g>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">MiB</text>\n",
		PX0 - 35, PY0 - 8);
}

/* A dashed line across the plot at bytes, labelled at its left end: the
 * marks crowd the right end, where the record ends in a kill. */
static void level_line(FILE *out, const struct geom *g, const char *name, const char *colour,
		       uint64_t bytes)
{
	if (!bytes)
		return;
	double y = y_of(g, bytes);
	fprintf(out,
		"<g class=\"threshold %s\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"%s\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"/>"
		"<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s %.1f MiB</text></g>\n",
		name, PX0, y, PX1, y, colour, PX0 + 4, y - 3, colour, name, (double)bytes / MIB);
}

/* Sample i of fr (i < its count). */
static struct flightrec_point sample(const struct flightrec *fr, size_t i)
{
	struct flightrec_point p = {0};
	flightrec_get(fr, i, &p);
	return p;
}

static uint64_t series_value(const struct flightrec_point *p, bool usage)
{
	return usage ? p->usage_bytes : p->working_set_bytes;
}

static void point(FILE *out, const struct geom *g, const struct flightrec_point *p, bool usage)
{
	fprintf(out, "%.1f,%.1f ", x_of(g, p->t_ms), y_of(g, series_value(p, usage)));
}

/* One series as a polyline. A working set of 0 was not read at that
 * sample (usage alone was): it is left out, not drawn as a drop to 0. Up to CHART_MAX_POINTS samples are drawn as they
 * are; more are reduced to the lowest and highest sample of each pixel
 * column, in time order, so a one-sample spike still shows. */
static void polyline(FILE *out, const struct geom *g, const struct flightrec *fr, size_t first,
		     size_t end, bool usage)
{
	fprintf(out, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" "
		     "stroke-linejoin=\"round\" points=\"",
		usage ? "usage" : "working-set", usage ? USAGE_COLOUR : WS_COLOUR);
	if (end - first <= CHART_MAX_POINTS) {
		for (size_t i = first; i < end; i++) {
			struct flightrec_point p = sample(fr, i);
			if (usage || p.working_set_bytes)
				point(out, g, &p, usage);
		}
		fputs("\"/>\n", out);
		return;
	}
	struct flightrec_point p = {0}, lo = {0}, hi = {0};
	size_t lo_i = 0, hi_i = 0;
	uint32_t col = UINT32_MAX;
	for (size_t i = first; i <= end; i++) {
		uint32_t c = UINT32_MAX - 1;
		if (i < end) {
			p = sample(fr, i);
			if (!usage && !p.working_set_bytes)
				continue;
			double x = x_of(g, p.t_ms) - PX0;
			c = x <= 0 ? 0 : x >= COLUMNS ? COLUMNS - 1 : (uint32_t)x;
		}
		if (c != col) {
			if (col != UINT32_MAX) {
				point(out, g, lo_i <= hi_i ? &lo : &hi, usage);
				if (lo_i != hi_i)
					point(out, g, lo_i <= hi_i ? &hi : &lo, usage);
			}
			col = c;
			lo = hi = p;
			lo_i = hi_i = i;
			continue;
		}
		if (series_value(&p, usage) < series_value(&lo, usage))
			lo = p, lo_i = i;
		if (series_value(&p, usage) > series_value(&hi, usage))
			hi = p, hi_i = i;
	}
	fputs("\"/>\n", out);
}

static void marker(FILE *out, const struct geom *g, const struct flightrec_point *p, int nth,
		   const struct chart_info *ci)
{
	static const char *const cls[] = {"", "signal", "action", "oom-kill"};
	static const char *const colour[] = {"", "#6a3d9a", "#2ca02c", "#d00000"};
	bool kill = p->mark == FLIGHTREC_MARK_OOM_KILL;
	double x = x_of(g, p->t_ms);
	/* Labels near the right edge go to the left of their line; successive
	 * labels step down so close marks stay readable. */
	bool left = x > PX1 - 90;
	double ly = PY0 + 11 + (nth % 4) * 12;
	char buf[32];
	const char *name = flightrec_mark_label((int)p->mark, (int)p->arg, ci->mark_name, ci->ctx,
						buf, sizeof buf);
	fprintf(out,
		"<g class=\"mark %s\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"%s\" stroke-width=\"%s\"%s/>"
		"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\" font-size=\"10\"%s>",
		cls[p->mark], x, PY0, x, PY1, colour[p->mark], kill ? "2" : "1",
		kill ? "" : " stroke-dasharray=\"2 2\"", left ? x - 3 : x + 3, ly,
		left ? "end" : "start", colour[p->mark], kill ? " font-weight=\"bold\"" : "");
	xml_text(out, name);
	fputs("</text></g>\n", out);
}

static void legend(FILE *out)
{
	static const struct {
		const char *name, *colour;
	} items[] = {{"usage", USAGE_COLOUR}, {"working set", WS_COLOUR}};
	fputs("<g class=\"legend\">\n", out);
	for (size_t i = 0; i < 2; i++) {
		double x = PX1 - 190 + i * 95.0;
		fprintf(out,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			x, PY0 - 12, x + 20, PY0 - 12, items[i].colour, x + 25, PY0 - 8,
			items[i].name);
	}
	fputs("</g>\n", out);
}

int chart_svg(FILE *out, const struct flightrec *fr, const struct chart_info *ci)
{
	struct geom g = {.from_ms = ci->from_ms, .to_ms = ci->to_ms};
	if (!g.from_ms && !g.to_ms) {
		g.from_ms = flightrec_oldest_ms(fr);
		g.to_ms = flightrec_newest_ms(fr);
	}
	/* A chart of one instant (or of nothing) still spans a second. */
	g.span_ms = g.to_ms > g.from_ms ? (double)(g.to_ms - g.from_ms) : 1000.0;

	size_t n = flightrec_count(fr), first = n, end = 0;
	uint64_t max_bytes = ci->limit_bytes;
	if (ci->warning_bytes > max_bytes)
		max_bytes = ci->warning_bytes;
	if (ci->critical_bytes > max_bytes)
		max_bytes = ci->critical_bytes;
	for (size_t i = 0; i < n; i++) {
		struct flightrec_point p = sample(fr, i);
		if (!in_range(&g, p.t_ms))
			continue;
		if (first == n)
			first = i;
		end = i + 1;
		if (p.usage_bytes > max_bytes)
			max_bytes = p.usage_bytes;
		if (p.working_set_bytes > max_bytes)
			max_bytes = p.working_set_bytes;
	}
	if (first == n)
		first = end = 0;
	g.top_mib = (max_bytes ? (double)max_bytes / MIB : 1.0) * 1.05;

	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
		"font-size=\"11\">\n",
		CHART_WIDTH, CHART_HEIGHT, CHART_WIDTH, CHART_HEIGHT);
	if (ci->title) {
		fputs("<title>", out);
		xml_text(out, ci->title);
		fputs("</title>\n", out);
	}
	fprintf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", CHART_WIDTH,
		CHART_HEIGHT);
	if (ci->title) {
		fprintf(out, "<text class=\"title\" x=\"%.1f\" y=\"22\" text-anchor=\"middle\" "
			     "font-size=\"14\">",
			CHART_WIDTH / 2.0);
		xml_text(out, ci->title);
		fputs("</text>\n", out);
	}
	legend(out);
	axes(out, &g);
	level_line(out, &g, "warning", "#c08000", ci->warning_bytes);
	level_line(out, &g, "critical", "#d62728", ci->critical_bytes);
	level_line(out, &g, "limit", "#000", ci->limit_bytes);
	if (first < end) {
		polyline(out, &g, fr, first, end, false);
		polyline(out, &g, fr, first, end, true);
		int nth = 0;
		for (size_t i = first; i < end; i++) {
			struct flightrec_point p = sample(fr, i);
			if (p.mark != FLIGHTREC_MARK_NONE)
				marker(out, &g, &p, nth++, ci);
		}
	} else {
		fprintf(out, "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
			     "fill=\"#888\">no samples</text>\n",
			(PX0 + PX1) / 2, (PY0 + PY1) / 2);
	}
	fputs("</svg>\n", out);
	return ferror(out) ? -EIO : 0;
}
