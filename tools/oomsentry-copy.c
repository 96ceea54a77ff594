/* oomsentry-copy: copies files into a directory, for the init container of
 * the oomsentry image, which has no shell and no cp(1).
 *
 *   oomsentry-copy DEST_DIR FILE...
 *
 * Each FILE lands as DEST_DIR/<basename of FILE>, mode 0755 (shared libraries
 * must be readable by the app's uid, which may not be ours). A file is written
 * under a hidden temporary name and renamed into place, so an app container
 * that starts after the init container never sees half a library; an existing
 * file of the same name is replaced. Statically linked, like the sidecar.
 *
 * Exit codes: 0 every file copied, 1 a read, write or rename failed,
 * 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copies every byte of in to out. Returns 0 or -errno. */
static int copy_fd(int in, int out)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			off += w;
		}
	}
}

/* Copies src into the directory dirfd as name. Returns 0 or -errno; *stage
 * names the step that failed. */
static int copy_one(int dirfd, const char *src, const char *name, const char **stage)
{
	char tmp[NAME_MAX + 1];
	int in, out, r;

	*stage = "open source";
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	if (snprintf(tmp, sizeof tmp, ".%s.%ld", name, (long)getpid()) >= (int)sizeof tmp) {
		close(in);
		*stage = "name";
		return -ENAMETOOLONG;
	}
	*stage = "create";
	out = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	*stage = "copy";
	r = copy_fd(in, out);
	close(in);
	/* The umask may have narrowed the mode given to open. */
	if (r == 0 && fchmod(out, 0755) < 0)
		r = -errno;
	if (r == 0 && fsync(out) < 0) {
		*stage = "fsync";
		r = -errno;
	}
	if (close(out) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0) {
		*stage = "rename";
		r = -errno;
	}
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: oomsentry-copy DEST_DIR FILE...\n");
		return 2;
	}
	int dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "oomsentry-copy: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	int status = 0;
	for (int i = 2; i < argc; i++) {
		char path[PATH_MAX];
		const char *stage;
		if (snprintf(path, sizeof path, "%s", argv[i]) >= (int)sizeof path) {
			fprintf(stderr, "oomsentry-copy: %s: path too long\n", argv[i]);
			status = 1;
			continue;
		}
		const char *name = basename(path);
		int r = copy_one(dirfd, argv[i], name, &stage);
		if (r < 0) {
			fprintf(stderr, "oomsentry-copy: %s -> %s/%s: %s: %s\n", argv[i], argv[1], name,
				stage, strerror(-r));
			status = 1;
			continue;
		}
		printf("oomsentry-copy: %s -> %s/%s\n", argv[i], argv[1], name);
	}
	close(dirfd);
	return status;
}
