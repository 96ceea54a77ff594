/* dumpdir: writing the sidecar's files into DUMP_DIR whole or not at all.
 *
 * A file is written under a temporary name (artifacts.h: a dot and a random
 * suffix), synced, and renamed to its final name, so a reader (a shipper
 * watching the directory) never sees half a file. Modes follow dump_modes.h:
 * 0700/0600, or 02770/0640 in a set-group-ID directory (the pod's fsGroup),
 * so that a shipper of the pod's group can read and remove the files.
 * Nothing is written that would leave less than the free-space floor:
 * checked before (with the expected size) and after (a file that broke the
 * floor is removed). After each new file the oldest of its kind beyond the
 * keep count are removed, and temporary files older than
 * DUMPDIR_STALE_TEMP_S (left by a sidecar killed while writing). I/O; names
 * are artifacts.c's. */
#ifndef OOMSENTRY_DUMPDIR_H
#define OOMSENTRY_DUMPDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "artifacts.h"

#define DUMPDIR_STALE_TEMP_S 600

struct dumpfile {
	int dirfd;
	int fd;                          /* write the content here */
	enum artifact_kind kind;
	/* Set after dumpdir_begin: no fsync at the commit. For files written
	 * from the watch loop, which must not wait on a disk; the rename still
	 * publishes them whole. */
	bool no_sync;
	char final[ARTIFACT_NAME_MAX];
	char temp[ARTIFACT_NAME_MAX + 16];
};

/* Creates dir if it does not exist: 0700, or 02770 when its parent is a
 * set-group-ID directory (dump_modes.h). The mode is set after mkdir, so
 * the umask cannot take the group's bits. Returns 0 (also when dir exists)
 * or -errno. */
int dumpdir_mkdir(const char *dir);

/* Creates dir (dumpdir_mkdir) and opens a temporary file for final there,
 * 0600, or 0640 when dir is set-group-ID. Returns 0, or -errno with a
 * one-line reason in err (-ENOSPC: the floor would be broken). */
int dumpdir_begin(const char *dir, const char *final, enum artifact_kind kind, uint64_t min_free,
		  uint64_t expect_bytes, struct dumpfile *f, char *err, size_t errsz);

/* Publishes the file: sync, floor check, rename, rotation. Returns 0 with
 * *bytes its size and *removed the old files removed, or -errno with a
 * reason in err (the temporary file is then gone). Closes f either way. */
int dumpdir_commit(struct dumpfile *f, uint64_t min_free, unsigned keep, uint64_t *bytes,
		   unsigned *removed, char *err, size_t errsz);

/* Drops the temporary file. */
void dumpdir_abort(struct dumpfile *f);

/* Removes the oldest files of kind in dirfd beyond keep, and our stale
 * temporary files. Returns 0 or -errno; *removed counts removed files. */
int dumpdir_rotate(int dirfd, enum artifact_kind kind, unsigned keep, unsigned *removed);

/* Free bytes for an unprivileged writer on the file system of path, or
 * -errno. */
int64_t dumpdir_free_bytes(const char *path);

#endif
