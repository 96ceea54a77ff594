/* units: pure parsers for the values users write in settings.
 *
 * Every parser takes a NUL-terminated string, rejects empty input, leading or
 * trailing garbage, overflow and out-of-range values, and returns 0 or -EINVAL
 * (-ERANGE for overflow). On error *why points at a short static reason that
 * the caller puts after the setting's name and value.
 */
#ifndef OOMSENTRY_UNITS_H
#define OOMSENTRY_UNITS_H

#include <stdbool.h>
#include <stdint.h>

/* A threshold: a percentage of the effective limit, or an absolute size. */
struct threshold {
	bool is_pct;
	double pct;         /* 0 < pct <= 100 when is_pct */
	uint64_t bytes;     /* > 0 when !is_pct */
};

/* "75", "87.5", "90%" -> percentage; "900Mi", "1G", "512k" -> bytes
 * (Kubernetes quantity suffixes: k M G T P E are powers of 1000,
 * Ki Mi Gi Ti Pi Ei powers of 1024). */
int units_parse_threshold(const char *s, struct threshold *out, const char **why);

/* A size with a mandatory Kubernetes suffix, or a bare number of bytes. */
int units_parse_size(const char *s, uint64_t *bytes, const char **why);

/* A Go duration ("1m30s", "250ms", "1.5s", "2h", "500us") or a bare integer
 * meaning seconds (oomhero's legacy form). Result in microseconds. */
int units_parse_duration_us(const char *s, uint64_t *us, const char **why);

/* A plain non-negative decimal number, e.g. "5" or "2.5". */
int units_parse_number(const char *s, double *out, const char **why);

/* A number of percent: "5" and "5%" alike. Its range is the caller's: a
 * hysteresis and a watchdog threshold have different ones. */
int units_parse_percent(const char *s, double *pct, const char **why);

/* true/false, yes/no, on/off, 1/0 (any case). */
int units_parse_bool(const char *s, bool *out, const char **why);

/* Format microseconds the way units_parse_duration_us reads them back. */
void units_format_duration(char *buf, unsigned long size, uint64_t us);
/* The shortest decimal that reads back as exactly v. */
void units_format_number(char *buf, unsigned long size, double v);
/* Format a threshold the way units_parse_threshold reads it back. */
void units_format_threshold(char *buf, unsigned long size, const struct threshold *t);

#endif
