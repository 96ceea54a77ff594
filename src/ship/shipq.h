/* shipq: which files of the dump directory go out, under which name, and
 * when a failed one is tried again.
 *
 * The writers publish by rename: liboomsentry and the sidecar write under a
 * name starting with '.' and rename it into place when it is whole, and a
 * JVM's heap dump is renamed by the sidecar once the JVM says it is done.
 * So a name with any path component starting with '.' is never shipped (a
 * temporary file, or a directory of ours such as the shipper's state), nor
 * a name ending in ".tmp" (the convention of other writers). The events
 * file and its rotated generation are forwarded line by line, not shipped
 * as objects.
 *
 * Pure: no I/O. */
#ifndef OOMSENTRY_SHIPQ_H
#define OOMSENTRY_SHIPQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* rel: a path relative to the dump directory ("pod-1/x.heap"). */
enum shipq_verdict {
	SHIPQ_SHIP,      /* a finished file */
	SHIPQ_TEMPORARY, /* not yet published: wait for its rename */
	SHIPQ_EVENTS,    /* the events file or its rotation: forwarded, not shipped */
	SHIPQ_REFUSED,   /* a name no object may have (empty, "..", control bytes) */
};
enum shipq_verdict shipq_classify(const char *rel, const char *events_name);

/* The object's file part: rel, plus ".gz" when the shipper compresses it on
 * the way (so the name says what the bytes are). -ENAMETOOLONG if it does not
 * fit. */
int shipq_object_file(char *out, size_t size, const char *rel, bool compressed);

/* How long to wait before the next try of something that failed `failures`
 * times in a row (1 or more): 1 s, doubling, at most max_us; 0 failures, 0.
 * A fixed schedule, without jitter: one shipper per pod, so there is no herd
 * to spread. */
uint64_t shipq_backoff_us(unsigned failures, uint64_t max_us);

#endif
