/* chart_svg: a flight record drawn as a self-contained SVG 1.1 chart, written
 * next to the CSV when a container is OOM-killed or goes critical, so the
 * seconds before can be seen without tools.
 *
 *   x   time, as seconds before the end of the chart (-30 s ... 0 s)
 *   y   MiB, from 0 to 1.05 x the largest of the limit, the thresholds and
 *       the samples drawn
 *   usage and working set as two polylines (with a legend; a working set
 *   of 0 means "not read at that sample" and is left out); warning,
 *   critical and limit as dashed lines labelled in MiB; a vertical marker
 *   per signal or action mark and a red one labelled per OOM kill
 *
 * Pure: writes to the caller's FILE only. Text is escaped for XML, and bytes
 * that are not UTF-8 (a process's comm may hold any) become U+FFFD, so the
 * document is always well-formed. Numbers are printed with "%.1f", which
 * needs LC_NUMERIC to be "C": the sidecar never calls setlocale().
 */
#ifndef OOMSENTRY_CHART_SVG_H
#define OOMSENTRY_CHART_SVG_H

#include <stdint.h>
#include <stdio.h>

#include "flightrec.h"

#define CHART_WIDTH 900
#define CHART_HEIGHT 420
/* A polyline has at most this many points: beyond, samples are reduced to
 * the lowest and highest of each pixel column, so spikes survive. */
#define CHART_MAX_POINTS 2000

struct chart_info {
	/* "oomsentry: /kubepods/pod-x/ctr (java), 2026-12-03T02:10:11Z";
	 * NULL: none */
	const char *title;
	/* Dashed lines; 0: that line is not drawn. */
	uint64_t warning_bytes;
	uint64_t critical_bytes;
	uint64_t limit_bytes;
	/* The span of time drawn (CLOCK_REALTIME ms, both ends included);
	 * both 0: the record's oldest to newest sample. */
	uint64_t from_ms;
	uint64_t to_ms;
	/* Names of marks; NULL: flightrec_mark_default_name. */
	flightrec_mark_name_fn *mark_name;
	void *ctx;
};

/* Writes the chart of fr to out. An empty record gives a chart with axes,
 * lines and "no samples". Returns 0, or -EIO when out reports an error. */
int chart_svg(FILE *out, const struct flightrec *fr, const struct chart_info *ci);

#endif
