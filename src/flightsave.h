/* flightsave: each container's flight record (flightrec.h), fed by the
 * tick and marked by the actions, and written into DUMP_DIR as CSV and SVG
 * when the container is OOM-killed or enters critical:
 *
 *   <host>-<comm>-<pid>-<time>-oomkill.flight.csv   .flight.svg
 *   <host>-<comm>-<pid>-<time>-critical.flight.csv  .flight.svg
 *
 * (artifacts.h; comm and pid: the container's first process). The files go
 * through dumpdir.h (whole or not at all, DUMP_KEEP of each kind, the free
 * space floor) without fsync: they are written from the watch loop, which
 * must not wait on a disk (measured: see flight_recorded's took_us).
 * I/O: the clock and the files. */
#ifndef OOMSENTRY_FLIGHTSAVE_H
#define OOMSENTRY_FLIGHTSAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "artifacts.h"
#include "flightrec.h"

struct container;
struct settings;

/* The record follows FLIGHT_RECORDER and DUMP_DIR: set up, resized, or
 * released (0, or no DUMP_DIR: nowhere it could ever be written). */
void flightsave_configure(struct container *ct, const struct settings *s);
void flightsave_release(struct container *ct);

/* After a read of ct: its sample (ct->last) and level; working_set_read
 * says whether ct->last.working_set_bytes is from this read (else 0 is
 * recorded: not read). */
void flightsave_sample(struct container *ct, bool working_set_read);

/* Something was done to ct now: a signal (arg: its number), an action
 * (arg: its bit index + 1, tally_action_name) or the OOM kill. */
void flightsave_mark(struct container *ct, enum flightrec_mark kind, unsigned arg);

struct flightsave_result {
	char csv[ARTIFACT_NAME_MAX];   /* file names in DUMP_DIR */
	char svg[ARTIFACT_NAME_MAX];
	size_t samples;
	uint64_t took_us;
	char err[256];                 /* when it failed */
};

/* Writes ct's record with level "oomkill" or "critical" into DUMP_DIR.
 * Returns 1 when written, 0 when there is nothing to write (no DUMP_DIR,
 * recorder off, no sample), -errno when it failed: r->err says why, and
 * r->csv / r->svg name what was written all the same (a CSV whose chart
 * failed stays), empty for what was not. */
int flightsave_write(const struct settings *s, struct container *ct, const char *level,
		     struct flightsave_result *r);

/* Logs flight_record_failed when r (flightsave_write's) is a failure. */
void flightsave_log_failure(const struct container *ct, const char *level,
			    const struct flightsave_result *res, int r);

/* Heap bytes held by every record, for /metrics. */
uint64_t flightsave_bytes(void);

#endif
