/* shipdir: the files of the dump directory that are ready to go out, as
 * they appear.
 *
 * The dump directory holds files at its top (the sidecar's histograms and
 * Go profiles, a JVM's heap dumps) and in one level of subdirectories
 * (liboomsentry's OOMSENTRY_DUMP_DIR is usually DUMP_DIR/<pod name>).
 * Writers publish a file by renaming it into place from a hidden temporary
 * name, so a new file shows as IN_MOVED_TO; a writer that creates the file
 * in place shows as IN_CLOSE_WRITE when it closes it. Both are watched, on
 * the directory and on each subdirectory (added as it appears, or when its
 * mode changes if it could not be watched then: IN_ATTRIB), and what
 * shipq_classify says is not ready (hidden, ".tmp", the events file) is left
 * out. At start, and after the event queue overflows, the directory is
 * listed instead: everything there that is ready is reported again (the
 * caller keeps a set, so a file reported twice is queued once).
 * I/O. */
#ifndef OOMSENTRY_SHIPDIR_H
#define OOMSENTRY_SHIPDIR_H

#include <stdbool.h>
#include <stddef.h>

#define SHIPDIR_SUBDIRS_MAX 256
#define SHIPDIR_REL_MAX 512

struct shipdir {
	int fd;                  /* inotify, non-blocking; poll it */
	char path[SHIPDIR_REL_MAX];
	char events_name[64];    /* the events file's name, never shipped */
	int top_wd;
	struct {
		int wd;
		char name[256];
	} sub[SHIPDIR_SUBDIRS_MAX];
	size_t nsub;
	bool overflowed;         /* events were lost: list again */
	bool top_gone;           /* the dump directory itself was removed */
};

/* One file ready to ship: its path relative to the dump directory. */
typedef void (*shipdir_found)(void *ctx, const char *rel);

/* Opens the directory and its watches. Returns 0 or -errno. */
int shipdir_open(struct shipdir *d, const char *path, const char *events_name);
void shipdir_close(struct shipdir *d);

/* Reports every ready file now in the directory and its subdirectories.
 * Returns the number reported, or -errno if the directory cannot be read. */
int shipdir_list(struct shipdir *d, shipdir_found found, void *ctx);

/* Reads the queued events (call when the fd is readable) and reports each
 * file that became ready; new subdirectories are watched and listed (a
 * file may have been published in one before its watch was set). After an
 * overflow the whole directory is listed. Returns 0 or -errno; -ENOENT once
 * the dump directory itself was removed (open it again). */
int shipdir_drain(struct shipdir *d, shipdir_found found, void *ctx);

#endif
