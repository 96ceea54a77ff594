/* promtext: a metrics page in Prometheus's text exposition format 0.0.4,
 * built in memory for the metrics listener to send. Pure: no I/O.
 *
 *     # HELP oomsentry_signals_sent_total Signals sent to processes.
 *     # TYPE oomsentry_signals_sent_total counter
 *     oomsentry_signals_sent_total{container="app",signal="SIGUSR1"} 3
 *
 * Families are written one at a time: promtext_family, then its samples.
 * A sample's name must be the family's (only counters and gauges are
 * written, so there are no _bucket/_sum/_count suffixes): a page built
 * here cannot interleave families. That a family is declared only once is
 * the caller's (promtext_check_page verifies it in tests).
 *
 * The page grows as needed up to a hard bound: its size follows the number
 * of containers and processes, which the sidecar does not choose (100
 * containers make some 50-100 KiB), so a fixed buffer would be either
 * wasteful or too small; the bound keeps a runaway page from taking the
 * sidecar's memory. promtext_reset keeps the allocation, so that scrapes in
 * steady state do not allocate. A page that hits the bound or an
 * allocation failure is marked failed and is to be answered with a 500,
 * never sent: Prometheus would read a truncated page as a whole one with
 * series missing.
 *
 * Numbers are formatted with snprintf and read back with strtod, which
 * follow LC_NUMERIC: the sidecar never calls setlocale(3), so this is the
 * C locale and the decimal separator is '.'.
 */
#ifndef OOMSENTRY_PROMTEXT_H
#define OOMSENTRY_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROMTEXT_MAX_DEFAULT ((size_t)4 << 20) /* 40-80 times the page of 100 containers */
#define PROMTEXT_NAME_MAX 128                  /* metric and label names, bytes */

enum promtext_type { PROMTEXT_COUNTER, PROMTEXT_GAUGE };

struct promtext_label {
	const char *name;  /* [a-zA-Z_][a-zA-Z0-9_]*, not starting "__" (reserved) */
	const char *value; /* any text; invalid UTF-8 bytes are written as U+FFFD */
};

struct promtext {
	char *buf;     /* the page, len bytes (NUL-terminated when cap > 0) */
	size_t len, cap;
	size_t max;    /* the bound on len */
	bool failed;   /* sticky: the bound was hit or memory ran out */
	int err;       /* when failed: -E2BIG or -ENOMEM */
	/* private: the family being written ("" before the first) */
	char family[PROMTEXT_NAME_MAX + 1];
	enum promtext_type type;
};

/* An empty page bounded at max bytes (0: PROMTEXT_MAX_DEFAULT). Allocates
 * nothing yet. */
void promtext_init(struct promtext *b, size_t max);
/* Empties the page for the next scrape, keeping its allocation. */
void promtext_reset(struct promtext *b);
void promtext_free(struct promtext *b);

/* Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*, at most PROMTEXT_NAME_MAX bytes.
 * (Colons are allowed, as the format does, though they are meant for
 * recording rules, not exporters.) */
bool promtext_name_ok(const char *name);
/* Label names: [a-zA-Z_][a-zA-Z0-9_]*, at most PROMTEXT_NAME_MAX bytes, not
 * starting "__" (reserved for Prometheus's own labels). */
bool promtext_label_name_ok(const char *name);
/* A counter's name ends in "_total" (with something before it), as
 * Prometheus's naming rules and promtool ask. */
bool promtext_counter_name_ok(const char *name);

/* Starts family name: "# HELP name help" (backslash and newline in help
 * escaped) and "# TYPE name counter|gauge". Returns 0; -EINVAL for a bad
 * name, or a counter whose name does not end in "_total" (nothing written,
 * and the samples that follow are refused too); or, with the page failed,
 * -E2BIG or -ENOMEM. Either both lines are written or neither. */
int promtext_family(struct promtext *b, const char *name, enum promtext_type type,
		    const char *help);

/* Writes one sample of the current family: name{l1="v1",...} value. The
 * labels are written in the order given; label values escaped (backslash,
 * double quote, newline). A uint64_t is written exactly, as an integer
 * (Prometheus reads every value as a float64, so above 2^53 it rounds); a
 * double as the shortest of %.15g, %.16g, %.17g that reads back the same
 * (so exactly; 0.1 is "0.1"), and NaN, +Inf and -Inf as Prometheus spells
 * them. Returns 0; -EINVAL (nothing written) when name is not the current
 * family's, for a bad or repeated label name, for a counter's value below
 * zero or NaN; or, with the page failed, -E2BIG or -ENOMEM. A line is
 * written whole or not at all. */
int promtext_sample_u64(struct promtext *b, const char *name, const struct promtext_label *labels,
			size_t n, uint64_t value);
int promtext_sample_f64(struct promtext *b, const char *name, const struct promtext_label *labels,
			size_t n, double value);

/* Checks what a page built here promises, for tests: every line ends in
 * '\n'; the page is valid UTF-8; each family is "# HELP", then "# TYPE"
 * (counter or gauge) of the same name, then its samples, and no name is
 * declared twice (so families are not interleaved); every sample belongs
 * to the family declared last; names, labels, escapes and values are well
 * formed, a counter's name ends in "_total" and its values are not negative
 * or NaN; no sample's name and labels repeat. No other comment, no empty
 * line, no timestamp. Returns 0, or -EINVAL with *why a short reason and
 * *line the 1-based line (either may be NULL). */
int promtext_check_page(const char *page, size_t len, const char **why, size_t *line);

#endif
