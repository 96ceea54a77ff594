/* events_file: the sidecar's events as JSON lines in DUMP_DIR/events.jsonl,
 * for a shipper (oomsentry-ship) to read while the sidecar writes.
 *
 * Each line is a log line of the events the shipper cares about
 * (events_file_wants), as JSON whatever LOG_FORMAT is, with two fields
 * added at its end: "seq", counting from 1 at each start of the sidecar
 * (a gap means lines were lost: events_unwritable says why), and "boot",
 * naming this run of the sidecar so a reader tells runs apart.
 *
 * A line is written whole or not at all, by one write(2) with O_APPEND.
 * The file is bounded: a line that would take it past the bound first
 * renames it to events.jsonl.1 (replacing the previous one) and starts a
 * new one, so there is one rotated generation and no line is split. A file
 * system that is full, read-only or gone costs the lines written meanwhile,
 * never the sidecar: each distinct error is logged once (events_unwritable,
 * level warn) until a line is written again. I/O. */
#ifndef OOMSENTRY_EVENTS_FILE_H
#define OOMSENTRY_EVENTS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"

#define EVENTS_FILE_NAME "events.jsonl"
#define EVENTS_FILE_ROTATED "events.jsonl.1"
#define EVENTS_BOOT_MAX 48

struct events_file {
	char dir[SETTINGS_PATH_MAX]; /* "" = no file */
	uint64_t max_bytes;          /* the bound of one generation */
	int fd;                      /* events.jsonl, or -1 until opened */
	uint64_t size;               /* its size in bytes, as we wrote it */
	uint64_t seq;                /* of the last line handed to us */
	char boot[EVENTS_BOOT_MAX];  /* this run: "<start ms>-<pid>" */
	int last_err;                /* the error last logged; 0 once a line is written */
};

/* No file yet (dir ""), seq 0, boot from the clock and pid. */
void events_file_init(struct events_file *ef);

/* Where and how large: a changed dir closes the file (the next line opens
 * it in the new place); a changed bound applies at the next line. Cheap
 * when nothing changed, so callers may pass the current settings before
 * every line. */
void events_file_configure(struct events_file *ef, const char *dir, uint64_t max_bytes);

/* Appends one log line (a JSON object and its '\n', as the log's event
 * sink hands it) with seq and boot added. Never blocks on a fault and never
 * fails the caller: a fault is logged and the line dropped. Returns 0, or
 * -errno when the line was dropped (-EINVAL: not a JSON object line). */
int events_file_append(struct events_file *ef, const char *json_line, size_t len);

/* Closes the file (the settings stay). */
void events_file_close(struct events_file *ef);

/* Is event one of those the file records? */
bool events_file_wants(const char *event);

#endif
