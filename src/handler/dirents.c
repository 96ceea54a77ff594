#include "dirents.h"

#include <dirent.h>
#include <errno.h>
#include <unistd.h>

int dirents_each(int dirfd, dirents_fn fn, void *arg)
{
	char buf[4096] __attribute__((aligned(8)));
	if (lseek(dirfd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		ssize_t n = getdents64(dirfd, buf, sizeof buf);
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *d = (const struct dirent64 *)(buf + off);
			off += d->d_reclen;
			fn(dirfd, d->d_name, arg);
		}
	}
}
