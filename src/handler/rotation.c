#include "rotation.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dirents.h"

void rotation_scan_init(struct rotation_scan *s)
{
	memset(s, 0, sizeof *s);
}

bool rotation_scan_add(struct rotation_scan *s, const char *name)
{
	struct dumpname_info info;
	if (strlen(name) >= sizeof s->oldest || !dumpname_parse(name, &info) ||
	    info.kind != DUMPNAME_SUMMARY)
		return false;
	int by_time = s->count ? strcmp(info.time, s->oldest_time) : -1;
	/* Equal times (two processes in the same millisecond): the name decides,
	 * so the choice does not depend on directory order. */
	if (by_time < 0 || (by_time == 0 && strcmp(name, s->oldest) < 0)) {
		snprintf(s->oldest, sizeof s->oldest, "%s", name);
		memcpy(s->oldest_time, info.time, sizeof s->oldest_time);
	}
	s->count++;
	return true;
}

bool rotation_over(const struct rotation_scan *s, unsigned keep)
{
	return s->count > keep;
}

struct scan {
	struct rotation_scan *s;
	time_t now;
};

static void scan_entry(int dirfd, const char *name, void *arg)
{
	struct scan *scan = arg;
	if (rotation_scan_add(scan->s, name))
		return;
	struct dumpname_info info;
	struct stat st;
	if (name[0] == '.' && dumpname_parse(name, &info) && info.kind == DUMPNAME_TEMP &&
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    scan->now - st.st_mtime > ROTATION_STALE_TEMP_S)
		unlinkat(dirfd, name, 0);
}

static int scan_dir(int dirfd, struct rotation_scan *s, time_t now)
{
	struct scan scan = {s, now};
	rotation_scan_init(s);
	return dirents_each(dirfd, scan_entry, &scan);
}

int rotation_enforce(int dirfd, unsigned keep, unsigned *removed)
{
	struct rotation_scan s;
	*removed = 0;
	for (;;) {
		int err = scan_dir(dirfd, &s, time(NULL));
		if (err)
			return err;
		if (!rotation_over(&s, keep))
			return 0;
		/* <base>.txt -> <base>.heap */
		char heap[ROTATION_NAME_MAX + 2];
		size_t len = strlen(s.oldest) - 4;
		snprintf(heap, sizeof heap, "%.*s.heap", (int)len, s.oldest);
		if (unlinkat(dirfd, heap, 0) < 0 && errno != ENOENT)
			return -errno;
		if (unlinkat(dirfd, s.oldest, 0) < 0)
			return -errno;
		(*removed)++;
	}
}
