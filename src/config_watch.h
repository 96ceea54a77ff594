/* config_watch: notices that the INI file changed, so that editing a
 * ConfigMap reloads the sidecar without a shell or kill(1) in its image.
 *
 * Kubernetes updates a mounted ConfigMap by writing a new "..<timestamp>"
 * directory and renaming a "..data_tmp" link over "..data"; the file the
 * sidecar reads is a link through "..data". So the directory that holds the
 * configured path is watched (inotify: any entry created, moved, written or
 * removed there), and a change counts only when the file's content, read
 * through its links as the sidecar reads it, differs from the content last
 * loaded: the steps of an update, an editor's temporary files and a touch
 * change nothing. The caller waits a little after the last event before it
 * asks (CONFIG_WATCH_SETTLE_US), so a file caught half-written by an editor
 * is not loaded. I/O. */
#ifndef OOMSENTRY_CONFIG_WATCH_H
#define OOMSENTRY_CONFIG_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#define CONFIG_WATCH_SETTLE_US (200 * 1000)

struct config_watch {
	int fd;                    /* inotify; -1 when not watching */
	uint64_t loaded;           /* fingerprint of the content last loaded */
	char path[512];
};

/* Watches the directory of path and remembers the file's content as loaded.
 * Returns the inotify fd to poll, or -errno (the sidecar then reloads on
 * SIGHUP only). */
int config_watch_open(struct config_watch *cw, const char *path);
void config_watch_close(struct config_watch *cw);

/* Reads the queued events (call when the fd is readable). */
void config_watch_drain(struct config_watch *cw);

/* Does the file's content differ from what was last loaded? */
bool config_watch_changed(const struct config_watch *cw);

/* The file as it is now is what was loaded (after a reload, good or bad:
 * a bad file is not tried again until it changes). */
void config_watch_loaded(struct config_watch *cw);

#endif
