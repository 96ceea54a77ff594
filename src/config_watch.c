#include "config_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* An INI file is small; what lies beyond this still changes the size. */
#define FINGERPRINT_READ_MAX (1u << 20)

/* FNV-1a over the content and its length; a missing or unreadable file has
 * a fingerprint of its own (its errno). */
static uint64_t fingerprint(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return (uint64_t)errno;
	uint64_t h = 1469598103934665603ULL, total = 0;
	char buf[4096];
	ssize_t n;
	while (total < FINGERPRINT_READ_MAX && (n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			h ^= (unsigned char)buf[i];
			h *= 1099511628211ULL;
		}
		total += (uint64_t)n;
	}
	close(fd);
	return h ^ (total * 0x9e3779b97f4a7c15ULL);
}

int config_watch_open(struct config_watch *cw, const char *path)
{
	cw->fd = -1;
	if (snprintf(cw->path, sizeof cw->path, "%s", path) >= (int)sizeof cw->path)
		return -ENAMETOOLONG;
	char dir[sizeof cw->path];
	memcpy(dir, cw->path, sizeof dir);
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The directory as configured, not the link's target: "..data" is
	 * replaced there. */
	if (inotify_add_watch(fd, dirname(dir),
			      IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE |
				      IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	cw->fd = fd;
	cw->loaded = fingerprint(cw->path);
	return fd;
}

void config_watch_close(struct config_watch *cw)
{
	if (cw->fd >= 0)
		close(cw->fd);
	cw->fd = -1;
}

void config_watch_drain(struct config_watch *cw)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (read(cw->fd, buf, sizeof buf) > 0)
		;
}

bool config_watch_changed(const struct config_watch *cw)
{
	return fingerprint(cw->path) != cw->loaded;
}

void config_watch_loaded(struct config_watch *cw)
{
	cw->loaded = fingerprint(cw->path);
}
