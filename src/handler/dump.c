#include "dump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "dump_modes.h"
#include "dumpname.h"
#include "rotation.h"
#include "summary.h"

/* A directory just made gets the mode its parent calls for (dump_modes.h):
 * 02770 in a set-group-ID parent (the pod's fsGroup). Set after mkdir,
 * whose mode the app's umask masks. The new directory's ".." is its parent
 * whatever the path looks like; O_NOFOLLOW because that parent may be a
 * volume others write to. */
static int grant_new_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat parent;
	mode_t dir_mode, file_mode;
	int err = 0;
	if (fstatat(fd, "..", &parent, 0) < 0)
		err = -errno;
	else if (dump_modes_for(&parent, &dir_mode, &file_mode) && fchmod(fd, dir_mode) < 0)
		err = -errno;
	close(fd);
	return err;
}

int dump_mkdir_p(const char *dir)
{
	char path[512];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
		return -ENAMETOOLONG;
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(path, DUMP_DIR_MODE_PRIVATE) == 0) {
			int err = grant_new_dir(path);
			if (err)
				return err;
		} else if (errno != EEXIST) {
			return -errno;
		}
		*p = saved;
		if (!saved)
			return 0;
	}
}

static void random_suffix(char out[6])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char b[6];
	if (getrandom(b, sizeof b, GRND_NONBLOCK) != (ssize_t)sizeof b) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15u ^ (uint64_t)getpid();
		for (int i = 0; i < 6; i++, x >>= 8)
			b[i] = (unsigned char)x;
	}
	for (int i = 0; i < 6; i++)
		out[i] = alphabet[b[i] % (sizeof alphabet - 1)];
}

/* Creates a fresh temporary file for `final`. The name is unpredictable, so a
 * link planted in advance cannot block or redirect the dump; O_EXCL and
 * O_NOFOLLOW refuse whatever is there anyway. file_mode (dump_modes.h) is
 * set with fchmod, past the app's umask, before anything is written. */
static int create_temp(int dirfd, const char *final, mode_t file_mode, char *tmp, size_t size)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		char suffix[6];
		random_suffix(suffix);
		if (dumpname_temp(tmp, size, final, suffix))
			return -ENAMETOOLONG;
		int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				DUMP_FILE_MODE_PRIVATE);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return -errno;
		if (file_mode != DUMP_FILE_MODE_PRIVATE && fchmod(fd, file_mode) < 0) {
			int err = -errno;
			close(fd);
			unlinkat(dirfd, tmp, 0);
			return err;
		}
		return fd;
	}
	return -EEXIST;
}

static int fail(struct dump_result *r, const char *stage, int err)
{
	r->stage = stage;
	return err;
}

int dump_write(const struct dump_target *t, const struct dump_env *e,
	       enum oomsentry_level level, int signo, const struct timespec *when,
	       struct dump_result *r)
{
	char base[300], final_heap[310], final_txt[310], tmp_heap[330], tmp_txt[330];
	int err;

	memset(r, 0, sizeof *r);
	r->heap_note = "";
	if ((err = dump_mkdir_p(t->dir)))
		return fail(r, "create_directory", err);
	int dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return fail(r, "open_directory", -errno);

	/* The directory decides who else may read the files (dump_modes.h). */
	struct stat dir_st;
	mode_t dir_mode, file_mode = DUMP_FILE_MODE_PRIVATE;
	if (fstat(dirfd, &dir_st) == 0)
		dump_modes_for(&dir_st, &dir_mode, &file_mode);

	struct statvfs vfs;
	if (fstatvfs(dirfd, &vfs) == 0) {
		r->free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		if (r->free_bytes < t->min_free_bytes) {
			close(dirfd);
			return fail(r, "free_space", -ENOSPC);
		}
	}

	if ((err = dumpname_base(base, sizeof base, e->hostname, e->pid, when, level))) {
		close(dirfd);
		return fail(r, "name", err);
	}
	snprintf(r->base, sizeof r->base, "%s/%s", t->dir, base);
	snprintf(final_heap, sizeof final_heap, "%s.heap", base);
	snprintf(final_txt, sizeof final_txt, "%s.txt", base);

	/* The profile first: it is the state at the signal; the summary then
	 * records whether it was written. */
	const char *source = NULL, *why = NULL;
	if (alloc_can_profile(e->alloc, &why)) {
		int hfd = create_temp(dirfd, final_heap, file_mode, tmp_heap, sizeof tmp_heap);
		if (hfd < 0) {
			close(dirfd);
			return fail(r, "create_heap", hfd);
		}
		err = alloc_heap_profile(e->alloc, hfd, &source, &why);
		if (close(hfd) < 0 && !err)
			err = -errno;
		if (err) {
			/* The summary is still worth writing: say why there is no profile. */
			unlinkat(dirfd, tmp_heap, 0);
		} else {
			r->heap_written = true;
		}
	}
	r->heap_note = r->heap_written ? source : why;

	int tfd = create_temp(dirfd, final_txt, file_mode, tmp_txt, sizeof tmp_txt);
	if (tfd < 0) {
		err = tfd;
		r->stage = "create_summary";
		goto fail_heap;
	}
	struct summary_facts f = {
		.when = *when,
		.pid = e->pid,
		.hostname = e->hostname,
		.level = level,
		.signo = signo,
		.heap_profile = r->heap_written ? final_heap : NULL,
		.heap_note = r->heap_note,
		.alloc = e->alloc,
		.cg = e->cg,
		.cg_loc = e->cg_loc,
		.cg_error = e->cg_error,
	};
	struct textout out;
	textout_init(&out, tfd);
	err = summary_write(&out, &f);
	if (close(tfd) < 0 && !err)
		err = -errno;
	if (err) {
		unlinkat(dirfd, tmp_txt, 0);
		r->stage = "write_summary";
		goto fail_heap;
	}

	/* rename() replaces a link planted at the final name without following it. */
	if (r->heap_written && renameat(dirfd, tmp_heap, dirfd, final_heap) < 0) {
		err = -errno;
		unlinkat(dirfd, tmp_txt, 0);
		r->stage = "rename_heap";
		goto fail_heap;
	}
	if (renameat(dirfd, tmp_txt, dirfd, final_txt) < 0) {
		err = -errno;
		unlinkat(dirfd, tmp_txt, 0);
		if (r->heap_written)
			unlinkat(dirfd, final_heap, 0);
		r->heap_written = false;
		close(dirfd);
		return fail(r, "rename_summary", err);
	}
	/* Rotation only after a complete dump: a failing dump never costs an old
	 * one. A rotation error does not undo the dump; it is reported. */
	r->rotate_error = rotation_enforce(dirfd, t->max_dumps, &r->rotated);
	close(dirfd);
	return 0;

fail_heap:
	if (r->heap_written)
		unlinkat(dirfd, tmp_heap, 0);
	r->heap_written = false;
	close(dirfd);
	return err;
}
