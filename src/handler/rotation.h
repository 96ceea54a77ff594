/* rotation: keep at most N dumps in the dump directory, oldest removed first.
 *
 * A dump is counted by its summary (<base>.txt, always written); removing a
 * dump removes <base>.txt and <base>.heap. Temporary files left behind by a
 * process killed mid-dump (the OOM killer documents itself that way) are
 * removed once they are older than ROTATION_STALE_TEMP_S.
 *
 * The selection is a pure streaming fold over directory entries, so the I/O
 * side needs no array of names: it scans, removes the oldest, and scans again
 * while more than N remain (N is small and a dump rarely removes more than one).
 */
#ifndef OOMSENTRY_HANDLER_ROTATION_H
#define OOMSENTRY_HANDLER_ROTATION_H

#include <stdbool.h>
#include <stddef.h>

#include "dumpname.h"

#define ROTATION_STALE_TEMP_S 600
#define ROTATION_NAME_MAX 256

struct rotation_scan {
	unsigned count;                  /* summaries seen */
	char oldest[ROTATION_NAME_MAX];  /* name of the oldest summary */
	char oldest_time[DUMPNAME_TIME_LEN + 1];
};

void rotation_scan_init(struct rotation_scan *s);
/* Folds one directory entry in; returns true when it was a summary. */
bool rotation_scan_add(struct rotation_scan *s, const char *name);
/* Should the oldest be removed to keep `keep`? */
bool rotation_over(const struct rotation_scan *s, unsigned keep);

/* Removes the oldest dumps of the directory until `keep` remain, and stale
 * temporary files. Returns 0 or -errno; *removed counts removed dumps. */
int rotation_enforce(int dirfd, unsigned keep, unsigned *removed);

#endif
