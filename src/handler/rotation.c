#include "rotation.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* opendir() mallocs a 32 KiB buffer; getdents64 into the stack does not. */
static int scan_dir(int dirfd, struct rotation_scan *s, time_t now)
{
	char buf[4096] __attribute__((aligned(8)));
	if (lseek(dirfd, 0, SEEK_SET) < 0)
		return -errno;
	rotation_scan_init(s);
	for (;;) {
		long n = syscall(SYS_getdents64, dirfd, buf, sizeof buf);
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			off += d->d_reclen;
			if (rotation_scan_add(s, d->d_name))
				continue;
			struct dumpname_info info;
			struct stat st;
			if (d->d_name[0] == '.' && dumpname_parse(d->d_name, &info) &&
			    info.kind == DUMPNAME_TEMP &&
			    fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    now - st.st_mtime > ROTATION_STALE_TEMP_S)
				unlinkat(dirfd, d->d_name, 0);
		}
	}
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
