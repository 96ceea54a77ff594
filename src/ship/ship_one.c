#include "ship_one.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gzpart.h"
#include "shipq.h"

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

int ship_one(const struct ship_one_conf *c, const char *rel, struct ship_one_result *r,
	     char *err, size_t errsz)
{
	memset(r, 0, sizeof *r);
	err[0] = '\0';
	uint64_t t0 = now_ms();
	int dfd = open(c->dump_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		int e = errno;
		snprintf(err, errsz, "open %s: %s", c->dump_dir, strerror(e));
		return -e;
	}
	int fd = openat(dfd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	int ret = 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		r->local = true;
		if (ret != -ENOENT)
			snprintf(err, errsz, "open %s/%s: %s", c->dump_dir, rel, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		r->local = true;
		snprintf(err, errsz, "%s/%s is not a regular file", c->dump_dir, rel);
		goto out;
	}
	r->file_bytes = (uint64_t)st.st_size;
	if (r->file_bytes > c->max_file_size) {
		ret = -EFBIG;
		snprintf(err, errsz, "%s/%s is %llu bytes, over MAX_FILE_SIZE (%llu): kept", c->dump_dir,
			 rel, (unsigned long long)r->file_bytes, (unsigned long long)c->max_file_size);
		goto out;
	}
	bool is_gzip = false;
	if (gzpart_sniff(fd, rel, &is_gzip) < 0)
		is_gzip = false;
	r->compressed = !is_gzip;
	char file[S3_KEY_MAX + 1];
	const char *why = NULL;
	if (shipq_object_file(file, sizeof file, rel, r->compressed) ||
	    s3_key_join(r->key, sizeof r->key, c->prefix, c->ns, c->pod, file, &why)) {
		ret = -ENAMETOOLONG;
		r->local = true;
		snprintf(err, errsz, "no object name for %s: %s", rel, why ? why : "too long");
		goto out;
	}
	struct s3_result res;
	memset(&res, 0, sizeof res);
	ret = s3_upload(c->s3, r->key, fd, r->compressed, c->part_size, &res, err, errsz);
	r->http_status = res.http_status;
	snprintf(r->code, sizeof r->code, "%s", res.code);
	if (ret)
		goto out;
	r->sent_bytes = res.bytes_sent;
	r->parts = res.parts;
	if (c->delete_after) {
		/* Only the file that went out, unchanged; a rename of a new
		 * dump over the name meanwhile is another file, kept. */
		struct stat now, by_name;
		if (fstat(fd, &now) == 0 && same_file(&st, &now) &&
		    fstatat(dfd, rel, &by_name, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&st, &by_name)) {
			if (unlinkat(dfd, rel, 0) == 0)
				r->deleted = true;
			else if (errno != ENOENT)
				snprintf(err, errsz, "uploaded, but cannot remove %s/%s: %s", c->dump_dir,
					 rel, strerror(errno));
		} else {
			r->changed = true;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	r->took_ms = now_ms() - t0;
	return ret;
}
