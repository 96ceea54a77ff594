#include "dumpdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "dump_modes.h"

static int64_t free_of_fd(int fd)
{
	struct statvfs v;
	if (fstatvfs(fd, &v) < 0)
		return -errno;
	return (int64_t)((uint64_t)v.f_bavail * v.f_frsize);
}

int64_t dumpdir_free_bytes(const char *path)
{
	struct statvfs v;
	if (statvfs(path, &v) < 0)
		return -errno;
	return (int64_t)((uint64_t)v.f_bavail * v.f_frsize);
}

static void random_suffix(char out[6])
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[6] = {0};
	/* Uniqueness comes from O_EXCL; the randomness only avoids retries. */
	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		for (int i = 0; i < 6; i++)
			r[i] = (unsigned char)((unsigned long)t.tv_nsec >> (i * 5)) ^ (unsigned char)getpid();
	}
	for (int i = 0; i < 6; i++)
		out[i] = set[r[i] % (sizeof set - 1)];
}

int dumpdir_mkdir(const char *dir)
{
	if (mkdir(dir, DUMP_DIR_MODE_PRIVATE) < 0)
		return errno == EEXIST ? 0 : -errno;
	/* The new directory's ".." is the directory it was made in, whatever
	 * the path looks like (relative, trailing slashes). O_NOFOLLOW: the
	 * parent may be a volume others write to. */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat parent;
	mode_t dir_mode, file_mode;
	int r = 0;
	if (fstatat(fd, "..", &parent, 0) < 0)
		r = -errno;
	else if (dump_modes_for(&parent, &dir_mode, &file_mode) && fchmod(fd, dir_mode) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Our file in dirfd gets the mode dirfd calls for (dump_modes.h). */
static int grant_file(int dirfd, int fd)
{
	struct stat st;
	mode_t dir_mode, file_mode;
	if (fstat(dirfd, &st) < 0)
		return -errno;
	if (dump_modes_for(&st, &dir_mode, &file_mode) && fchmod(fd, file_mode) < 0)
		return -errno;
	return 0;
}

int dumpdir_begin(const char *dir, const char *final, enum artifact_kind kind, uint64_t min_free,
		  uint64_t expect_bytes, struct dumpfile *f, char *err, size_t errsz)
{
	f->dirfd = f->fd = -1;
	f->kind = kind;
	f->no_sync = false;
	snprintf(f->final, sizeof f->final, "%s", final);
	int made = dumpdir_mkdir(dir);
	if (made) {
		snprintf(err, errsz, "cannot create %s: %s", dir, strerror(-made));
		return made;
	}
	f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0) {
		int e = errno;
		snprintf(err, errsz, "cannot open %s: %s", dir, strerror(e));
		return -e;
	}
	int64_t avail = free_of_fd(f->dirfd);
	if (avail >= 0 && (uint64_t)avail < min_free + expect_bytes) {
		snprintf(err, errsz,
			 "%s has %lld bytes free; writing about %llu would leave less than "
			 "DUMP_MIN_FREE=%llu",
			 dir, (long long)avail, (unsigned long long)expect_bytes,
			 (unsigned long long)min_free);
		close(f->dirfd);
		f->dirfd = -1;
		return -ENOSPC;
	}
	for (int tries = 0; tries < 8; tries++) {
		char suffix[6];
		random_suffix(suffix);
		if (artifact_temp_name(f->temp, sizeof f->temp, final, suffix)) {
			snprintf(err, errsz, "file name too long: %s", final);
			break;
		}
		f->fd = openat(f->dirfd, f->temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			       DUMP_FILE_MODE_PRIVATE);
		if (f->fd >= 0) {
			/* Before the content and the rename: a shipper never sees
			 * the file with a mode it cannot read. */
			int g = grant_file(f->dirfd, f->fd);
			if (!g)
				return 0;
			snprintf(err, errsz, "cannot set the mode of %s/%s: %s", dir, f->temp,
				 strerror(-g));
			dumpdir_abort(f);
			return g;
		}
		if (errno != EEXIST) {
			int e = errno;
			snprintf(err, errsz, "cannot create %s/%s: %s", dir, f->temp, strerror(e));
			close(f->dirfd);
			f->dirfd = -1;
			return -e;
		}
	}
	close(f->dirfd);
	f->dirfd = -1;
	return -EEXIST;
}

void dumpdir_abort(struct dumpfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->dirfd >= 0) {
		unlinkat(f->dirfd, f->temp, 0);
		close(f->dirfd);
	}
	f->fd = f->dirfd = -1;
}

int dumpdir_commit(struct dumpfile *f, uint64_t min_free, unsigned keep, uint64_t *bytes,
		   unsigned *removed, char *err, size_t errsz)
{
	struct stat st;
	int e = 0;
	if ((!f->no_sync && fsync(f->fd) < 0) || fstat(f->fd, &st) < 0) {
		e = errno;
		snprintf(err, errsz, "cannot sync %s: %s", f->temp, strerror(e));
	} else {
		int64_t avail = free_of_fd(f->fd);
		if (avail >= 0 && (uint64_t)avail < min_free) {
			e = ENOSPC;
			snprintf(err, errsz,
				 "after writing %lld bytes only %lld are free, below DUMP_MIN_FREE=%llu: "
				 "file removed",
				 (long long)st.st_size, (long long)avail, (unsigned long long)min_free);
		} else if (renameat(f->dirfd, f->temp, f->dirfd, f->final) < 0) {
			e = errno;
			snprintf(err, errsz, "cannot rename %s to %s: %s", f->temp, f->final,
				 strerror(e));
		}
	}
	if (e) {
		dumpdir_abort(f);
		return -e;
	}
	close(f->fd);
	f->fd = -1;
	*bytes = (uint64_t)st.st_size;
	/* The directory entry itself must survive a crash too. */
	if (!f->no_sync)
		fsync(f->dirfd);
	*removed = 0;
	dumpdir_rotate(f->dirfd, f->kind, keep, removed);
	close(f->dirfd);
	f->dirfd = -1;
	return 0;
}

/* One pass: counts kind's files, finds the oldest, removes stale temps. */
static int scan(int dirfd, enum artifact_kind kind, unsigned *count, char *oldest,
		size_t oldest_size, char *oldest_time)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return -e;
	}
	*count = 0;
	oldest[0] = '\0';
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		struct artifact_info info;
		if (!artifact_parse(de->d_name, &info) || info.kind != kind)
			continue;
		if (info.temp) {
			struct stat st;
			if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    now - st.st_mtime > DUMPDIR_STALE_TEMP_S)
				unlinkat(dirfd, de->d_name, 0);
			continue;
		}
		++*count;
		if (!oldest[0] || strcmp(info.time, oldest_time) < 0) {
			snprintf(oldest, oldest_size, "%s", de->d_name);
			snprintf(oldest_time, UTC_TEXT_MAX, "%s", info.time);
		}
	}
	closedir(d);
	return 0;
}

int dumpdir_rotate(int dirfd, enum artifact_kind kind, unsigned keep, unsigned *removed)
{
	*removed = 0;
	/* keep is small and a new file rarely pushes out more than one. */
	for (int guard = 0; guard < 10000; guard++) {
		unsigned count = 0;
		char oldest[256] = "", when[UTC_TEXT_MAX] = "";
		int r = scan(dirfd, kind, &count, oldest, sizeof oldest, when);
		if (r)
			return r;
		if (count <= keep || !oldest[0])
			return 0;
		if (unlinkat(dirfd, oldest, 0) < 0)
			return -errno;
		++*removed;
	}
	return 0;
}
