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
 * log_begin returns false when the level is filtered out (and no event sink
 * wants the event), so callers skip the formatting work. Every function
 * preserves errno.
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
	bool truncated;      /* some field did not fit (in either form) and was dropped */
	bool field_overflow; /* the field being written does not fit */
	/* The event sink's JSON form, built beside buf only when the sink wants
	 * the event and buf is logfmt; otherwise buf is the sink's form too. */
	char json[LOG_LINE_MAX];
	size_t json_len;
	bool json_overflow;
	bool json_apart;     /* the sink's form is json[], not buf */
	bool to_stream;      /* the level passes LOG_LEVEL: the line goes to the stream */
	bool to_sink;        /* the event sink wants this event */
	enum log_format fmt; /* buf's format */
};

/* Process-wide configuration; set once at start-up (and on reload). */
void log_configure(enum log_level min_level, enum log_format format);
/* Where lines go: stderr by default. Tests point it at a memory stream. */
void log_set_stream(FILE *stream);

/* A second destination for some events, always as JSON whatever the format
 * of the stream, and whatever LOG_LEVEL (it is a record of what happened,
 * not a verbosity): log_begin asks want(event), and for an event it wants
 * log_end hands sink one JSON object and its '\n', len bytes (not
 * NUL-terminated), after the stream's line. A field too long for the line
 * is dropped whole from that form as from the stream's. Lines logged from
 * within sink (its own faults) do not reach it again. NULL, NULL removes it.
 * Set at start-up, like log_configure. */
void log_set_event_sink(bool (*want)(const char *event),
			void (*sink)(const char *json_line, size_t len));

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
