/* log: one line per event on stderr, logfmt (key=value) or JSON lines.
 *
 * A line is built field by field into a fixed buffer on the stack, so logging
 * never allocates and keeps working when memory is tight:
 *
 *     struct log_line l;
 *     if (log_begin(&l, LOG_INFO, "signal_sent")) {
 *             log_int(&l, "pid", pid);
 *             log_str(&l, "comm", comm);
 *             log_end(&l);
 *     }
 *
 * log_begin returns false when the level is filtered out, so callers skip the
 * formatting work. Every function preserves errno.
 */
#ifndef OOMSENTRY_LOG_H
#define OOMSENTRY_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_LOGFMT, LOG_JSON };

#define LOG_LINE_MAX 1024

struct log_line {
	char buf[LOG_LINE_MAX];
	size_t len;
	bool truncated;      /* some field did not fit and was dropped */
	bool field_overflow; /* the field being written does not fit */
};

/* Process-wide configuration; set once at start-up (and on reload). */
void log_configure(enum log_level min_level, enum log_format format);
/* Where lines go: stderr by default. Tests point it at a memory stream. */
void log_set_stream(FILE *stream);

bool log_begin(struct log_line *l, enum log_level level, const char *event);
void log_str(struct log_line *l, const char *key, const char *value);
void log_int(struct log_line *l, const char *key, int64_t value);
void log_uint(struct log_line *l, const char *key, uint64_t value);
/* A decimal with one digit after the point, e.g. a percentage. */
void log_dec1(struct log_line *l, const char *key, double value);
void log_bool(struct log_line *l, const char *key, bool value);
/* strerror of a positive errno value, under the key "error". */
void log_errno(struct log_line *l, int err);
void log_end(struct log_line *l);

/* Shorthand for an event with a single message. */
void log_msg(enum log_level level, const char *event, const char *msg);

const char *log_level_name(enum log_level level);
int log_level_parse(const char *s, enum log_level *out);
int log_format_parse(const char *s, enum log_format *out);
const char *log_format_name(enum log_format f);

/* Render a logfmt value into buf (quoted when needed); exposed for tests. */
size_t log_quote_logfmt(char *buf, size_t size, const char *value);

#endif
