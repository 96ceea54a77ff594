#include "shipdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shipq.h"

#define FILE_EVENTS (IN_MOVED_TO | IN_CLOSE_WRITE)
/* The dump directory itself removed or renamed away shows as *_SELF (not
 * IN_IGNORED, which waits for our open fd on it to close). */
/* IN_ATTRIB: a subdirectory that could not be watched when it appeared
 * (a writer makes it 0700 and opens it to the pod's group a moment later,
 * mkdir's mode being cut by its umask) is watched once its mode changes. */
#define DIR_EVENTS \
	(FILE_EVENTS | IN_CREATE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* A subdirectory is watched only if it is one a writer publishes into: not
 * hidden (the shipper's own state, a writer's temporary directory). */
static bool watchable_dir(const char *name)
{
	return name[0] != '.' && strlen(name) < sizeof ((struct shipdir *)0)->sub[0].name;
}

static bool report(struct shipdir *d, const char *rel, shipdir_found found, void *ctx)
{
	if (shipq_classify(rel, d->events_name) != SHIPQ_SHIP)
		return false;
	found(ctx, rel);
	return true;
}

/* Returns 1 when the watch is new, 0 when it was there, or -errno. */
static int watch_sub(struct shipdir *d, const char *name)
{
	for (size_t i = 0; i < d->nsub; i++)
		if (strcmp(d->sub[i].name, name) == 0)
			return 0;
	if (d->nsub == SHIPDIR_SUBDIRS_MAX)
		return -ENOSPC;
	char p[SHIPDIR_REL_MAX + 260];
	snprintf(p, sizeof p, "%s/%s", d->path, name);
	int wd = inotify_add_watch(d->fd, p, FILE_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW);
	if (wd < 0)
		return -errno;
	d->sub[d->nsub].wd = wd;
	snprintf(d->sub[d->nsub].name, sizeof d->sub[d->nsub].name, "%s", name);
	d->nsub++;
	return 1;
}

/* The regular files of one directory (sub "" = the top), reported. */
static int list_dir(struct shipdir *d, const char *sub, shipdir_found found, void *ctx)
{
	/* Opened by path each time, not kept open: an open fd would hold
	 * back the kernel's notice that the directory was removed. */
	char p[SHIPDIR_REL_MAX + 260];
	snprintf(p, sizeof p, "%s%s%s", d->path, sub[0] ? "/" : "", sub);
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int e = errno;
		close(fd);
		return -e;
	}
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		struct stat st;
		if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone meanwhile */
		char rel[SHIPDIR_REL_MAX];
		if (snprintf(rel, sizeof rel, "%s%s%s", sub, sub[0] ? "/" : "", e->d_name) >=
		    (int)sizeof rel)
			continue;
		if (S_ISREG(st.st_mode)) {
			n += report(d, rel, found, ctx);
		} else if (S_ISDIR(st.st_mode) && !sub[0] && watchable_dir(e->d_name)) {
			/* Watch first, then list: a file published in between
			 * is then seen twice, never missed. */
			watch_sub(d, e->d_name);
			int m = list_dir(d, e->d_name, found, ctx);
			if (m > 0)
				n += m;
		}
	}
	closedir(dir);
	return n;
}

int shipdir_open(struct shipdir *d, const char *path, const char *events_name)
{
	memset(d, 0, sizeof *d);
	d->fd = -1;
	if (snprintf(d->path, sizeof d->path, "%s", path) >= (int)sizeof d->path ||
	    snprintf(d->events_name, sizeof d->events_name, "%s", events_name ? events_name : "") >=
		    (int)sizeof d->events_name)
		return -ENAMETOOLONG;
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	d->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->fd < 0 || (d->top_wd = inotify_add_watch(d->fd, path, DIR_EVENTS)) < 0) {
		int e = errno;
		shipdir_close(d);
		return -e;
	}
	return 0;
}

void shipdir_close(struct shipdir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

int shipdir_list(struct shipdir *d, shipdir_found found, void *ctx)
{
	d->overflowed = false;
	return list_dir(d, "", found, ctx);
}

static void forget_sub(struct shipdir *d, int wd)
{
	for (size_t i = 0; i < d->nsub; i++)
		if (d->sub[i].wd == wd) {
			d->sub[i] = d->sub[--d->nsub];
			return;
		}
}

static const char *sub_name(const struct shipdir *d, int wd)
{
	for (size_t i = 0; i < d->nsub; i++)
		if (d->sub[i].wd == wd)
			return d->sub[i].name;
	return NULL;
}

int shipdir_drain(struct shipdir *d, shipdir_found found, void *ctx)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(d->fd, buf, sizeof buf);
		if (n < 0)
			break; /* EAGAIN: drained */
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				d->overflowed = true;
				continue;
			}
			if (ev->wd == d->top_wd && (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))) {
				d->top_gone = true;
				continue;
			}
			if (ev->mask & IN_IGNORED) {
				/* A watched subdirectory went away: forget it, so
				 * one made again under its name is watched afresh. */
				forget_sub(d, ev->wd);
				continue;
			}
			if (!ev->len)
				continue;
			if (ev->wd == d->top_wd) {
				/* Watch first, then list (a file published in
				 * between is seen twice, never missed); listed
				 * only when the watch is new. */
				if ((ev->mask & IN_ISDIR) &&
				    (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_ATTRIB)) &&
				    watchable_dir(ev->name)) {
					if (watch_sub(d, ev->name) > 0)
						list_dir(d, ev->name, found, ctx);
				} else if (!(ev->mask & IN_ISDIR) && (ev->mask & FILE_EVENTS)) {
					report(d, ev->name, found, ctx);
				}
				continue;
			}
			const char *sub = sub_name(d, ev->wd);
			if (!sub || (ev->mask & IN_ISDIR) || !(ev->mask & FILE_EVENTS))
				continue;
			char rel[SHIPDIR_REL_MAX];
			if (snprintf(rel, sizeof rel, "%s/%s", sub, ev->name) < (int)sizeof rel)
				report(d, rel, found, ctx);
		}
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		return -errno;
	if (d->top_gone)
		return -ENOENT;
	if (d->overflowed)
		return shipdir_list(d, found, ctx) < 0 ? -EIO : 0;
	return 0;
}
