#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

/* Big enough for memory.stat on both versions (about 1.5 KiB today). */
#define CG_TEXT_MAX 8192

static int parse_u64_token(const char *s, const char **end, uint64_t *value)
{
	if (*s < '0' || *s > '9')
		return -EINVAL;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*end = s;
	*value = v;
	return 0;
}

int cg_parse_u64(const char *buf, uint64_t *value, bool *unlimited)
{
	const char *end;
	if (strncmp(buf, "max", 3) == 0) {
		end = buf + 3;
		*value = UINT64_MAX;
		*unlimited = true;
	} else {
		int r = parse_u64_token(buf, &end, value);
		if (r)
			return r;
		*unlimited = *value >= CG_V1_UNLIMITED_MIN;
	}
	if (*end == '\n')
		end++;
	return *end == '\0' ? 0 : -EINVAL;
}

int cg_parse_key(const char *buf, const char *key, uint64_t *value)
{
	size_t klen = strlen(key);
	const char *line = buf;
	while (*line) {
		const char *nl = strchr(line, '\n');
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			const char *end;
			int r = parse_u64_token(line + klen + 1, &end, value);
			if (r)
				return r;
			return (*end == '\n' || *end == '\0') ? 0 : -EINVAL;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return -ENOENT;
}

static int copy_str(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* Is `word` one of the comma-separated items of [list, list+len)? */
static bool list_has(const char *list, size_t len, const char *word)
{
	size_t wlen = strlen(word);
	const char *p = list, *end = list + len;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *item_end = comma ? comma : end;
		if ((size_t)(item_end - p) == wlen && memcmp(p, word, wlen) == 0)
			return true;
		p = item_end + 1;
	}
	return false;
}

int cg_parse_proc_cgroup(const char *buf, enum cg_version *version, char *path, size_t size)
{
	const char *v2_path = NULL;
	size_t v2_len = 0;
	for (const char *line = buf; *line;) {
		const char *nl = strchr(line, '\n');
		const char *eol = nl ? nl : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		if (c2) {
			const char *ctrl = c1 + 1;
			size_t ctrl_len = (size_t)(c2 - ctrl);
			if (ctrl_len == 0 && c1 - line == 1 && line[0] == '0') {
				v2_path = c2 + 1;
				v2_len = (size_t)(eol - v2_path);
			} else if (list_has(ctrl, ctrl_len, "memory")) {
				*version = CG_V1;
				return copy_str(path, size, c2 + 1, (size_t)(eol - c2 - 1));
			}
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (!v2_path)
		return -ENOENT;
	*version = CG_V2;
	return copy_str(path, size, v2_path, v2_len);
}

static bool is_octal(char c) { return c >= '0' && c <= '7'; }

/* mountinfo escapes space, tab, newline and backslash as \ooo. A path holds
 * no NUL and an escape is one byte: \000 and \400 to \777 stay as written
 * rather than cut the path short or turn into another character. */
static int unescape_field(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		if (c == '\\' && i + 3 < len && is_octal(src[i + 1]) && is_octal(src[i + 2]) &&
		    is_octal(src[i + 3])) {
			int v = ((src[i + 1] - '0') << 6) | ((src[i + 2] - '0') << 3) |
				(src[i + 3] - '0');
			if (v >= 1 && v <= 255) {
				c = (char)v;
				i += 3;
			}
		}
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		dst[n++] = c;
	}
	dst[n] = '\0';
	return 0;
}

/* Is `root` equal to `path` or one of its ancestors? */
static bool is_ancestor(const char *root, const char *path)
{
	size_t n = strlen(root);
	if (n == 1 && root[0] == '/')
		return path[0] == '/';
	return strncmp(root, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int cg_parse_mountinfo(const char *buf, enum cg_version version, const char *cgpath,
		       char *mount_root, size_t root_size, char *mount_point, size_t point_size)
{
	/* The best mount so far: its root, unescaped, and its mount point as
	 * written. Only the chosen one is copied out, so that an output too small
	 * for a mount passed over does not fail the search. */
	char best_root[CG_PATH_MAX];
	const char *best_point = NULL;
	size_t best_point_len = 0;
	int best_len = -1;
	bool found_any = false;
	for (const char *line = buf; *line;) {
		const char *nl = strchr(line, '\n');
		const char *eol = nl ? nl : line + strlen(line);
		/* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
		const char *f[6];
		size_t flen[6];
		const char *p = line;
		int nf = 0;
		while (nf < 6 && p < eol) {
			const char *sp = memchr(p, ' ', (size_t)(eol - p));
			const char *fe = sp ? sp : eol;
			f[nf] = p;
			flen[nf] = (size_t)(fe - p);
			nf++;
			p = sp ? sp + 1 : eol;
		}
		const char *sep = NULL;
		for (const char *q = p; q + 1 < eol; q++) {
			if (q[0] == '-' && q[1] == ' ' && (q == line || q[-1] == ' ')) {
				sep = q;
				break;
			}
		}
		if (nf == 6 && sep) {
			const char *fstype = sep + 2;
			const char *fs_end = memchr(fstype, ' ', (size_t)(eol - fstype));
			size_t fs_len = fs_end ? (size_t)(fs_end - fstype) : (size_t)(eol - fstype);
			bool match = false;
			if (version == CG_V2)
				match = fs_len == 7 && memcmp(fstype, "cgroup2", 7) == 0;
			else if (fs_len == 6 && memcmp(fstype, "cgroup", 6) == 0 && fs_end) {
				/* source, then superoptions listing the controllers */
				const char *src = fs_end + 1;
				const char *src_end = memchr(src, ' ', (size_t)(eol - src));
				if (src_end)
					match = list_has(src_end + 1, (size_t)(eol - src_end - 1),
							 "memory");
			}
			if (match) {
				char root[CG_PATH_MAX];
				int r = unescape_field(root, sizeof root, f[3], flen[3]);
				if (r == 0) {
					int len = is_ancestor(root, cgpath) ? (int)strlen(root) : -1;
					if (!found_any || len > best_len) {
						memcpy(best_root, root, strlen(root) + 1);
						best_point = f[4];
						best_point_len = flen[4];
						best_len = len;
						found_any = true;
					}
				}
			}
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (!found_any)
		return -ENOENT;
	int r = copy_str(mount_root, root_size, best_root, strlen(best_root));
	return r ? r : unescape_field(mount_point, point_size, best_point, best_point_len);
}

int cg_relative(const char *cgpath, const char *mount_root, char *rel, size_t size)
{
	if (!is_ancestor(mount_root, cgpath))
		return copy_str(rel, size, "", 0);
	const char *sub = cgpath + (strcmp(mount_root, "/") == 0 ? 0 : strlen(mount_root));
	if (strcmp(sub, "/") == 0)
		sub = "";
	return copy_str(rel, size, sub, strlen(sub));
}

ssize_t cg_read_text_file(int dirfd, const char *path, char *buf, size_t size)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			close(fd);
			return e;
		}
		if (r == 0 || (n += (size_t)r) == size - 1)
			break;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

int cg_locate(const char *proc_root, const char *pid, struct cg_location *loc)
{
	char path[CG_DIR_MAX];
	char buf[CG_TEXT_MAX];
	ssize_t n;
	int r;

	memset(loc, 0, sizeof *loc);
	if (snprintf(path, sizeof path, "%s/%s/cgroup", proc_root, pid) >= (int)sizeof path)
		return -ENAMETOOLONG;
	if ((n = cg_read_text_file(AT_FDCWD, path, buf, sizeof buf)) < 0)
		return (int)n;
	if ((r = cg_parse_proc_cgroup(buf, &loc->version, loc->cgpath, sizeof loc->cgpath)))
		return r;

	/* A process can have hundreds of mounts: read mountinfo in full. */
	size_t cap = 65536;
	char *mi = malloc(cap);
	if (!mi)
		return -ENOMEM;
	snprintf(path, sizeof path, "%s/%s/mountinfo", proc_root, pid);
	for (;;) {
		n = cg_read_text_file(AT_FDCWD, path, mi, cap);
		if (n < 0 || (size_t)n < cap - 1)
			break;
		char *bigger = realloc(mi, cap * 4);
		if (!bigger) {
			n = -ENOMEM;
			break;
		}
		mi = bigger;
		cap *= 4;
	}
	char root[CG_PATH_MAX], point[CG_DIR_MAX];
	r = n < 0 ? (int)n
		  : cg_parse_mountinfo(mi, loc->version, loc->cgpath, root, sizeof root, point,
				       sizeof point);
	free(mi);
	if (r)
		return r;
	if ((r = cg_relative(loc->cgpath, root, loc->rel, sizeof loc->rel)))
		return r;
	if (snprintf(loc->mount, sizeof loc->mount, "%s/%s/root%s", proc_root, pid, point) >=
	    (int)sizeof loc->mount)
		return -ENAMETOOLONG;
	return 0;
}

static void reset(struct cg_reader *r)
{
	r->dirfd = -1;
	r->usage_fd = r->stat_fd = r->events_fd = -1;
	for (int i = 0; i < CG_MAX_LIMITS; i++)
		r->limit_fds[i] = -1;
	r->nlimits = 0;
}

void cg_reader_close(struct cg_reader *r)
{
	if (r->dirfd >= 0)
		close(r->dirfd);
	if (r->usage_fd >= 0)
		close(r->usage_fd);
	if (r->stat_fd >= 0)
		close(r->stat_fd);
	if (r->events_fd >= 0)
		close(r->events_fd);
	for (int i = 0; i < r->nlimits; i++)
		if (r->limit_fds[i] >= 0)
			close(r->limit_fds[i]);
	reset(r);
}

static int open_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int cg_reader_open(struct cg_reader *r, const struct cg_location *loc)
{
	char path[CG_DIR_MAX + CG_PATH_MAX];
	int err;

	reset(r);
	r->version = loc->version;
	if (snprintf(path, sizeof path, "%s%s", loc->mount, loc->rel) >= (int)sizeof path)
		return -ENAMETOOLONG;
	int dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	struct stat st;
	if (fstat(dirfd, &st) < 0) {
		err = -errno;
		goto fail;
	}
	r->dev = st.st_dev;
	r->ino = st.st_ino;

	bool v1 = loc->version == CG_V1;
	if ((err = r->usage_fd = open_at(dirfd, v1 ? "memory.usage_in_bytes" : "memory.current")) < 0)
		goto fail;
	if ((err = r->stat_fd = open_at(dirfd, "memory.stat")) < 0)
		goto fail;
	/* Older kernels lack the oom_kill counter; reading it is then skipped. */
	r->events_fd = open_at(dirfd, v1 ? "memory.oom_control" : "memory.events");
	if (r->events_fd < 0)
		r->events_fd = -1;

	if (v1) {
		if ((err = r->limit_fds[0] = open_at(dirfd, "memory.limit_in_bytes")) < 0)
			goto fail;
		r->nlimits = 1;
	} else {
		/* The cgroup itself, then each visible ancestor up to the mount point.
		 * The root of a hierarchy has no memory.max: skip what is absent. */
		size_t len = strlen(loc->rel);
		char rel[CG_PATH_MAX];
		memcpy(rel, loc->rel, len + 1);
		for (;;) {
			/* A truncated path would look like an absent file: refuse it. */
			if (snprintf(path, sizeof path, "%s%s/memory.max", loc->mount, rel) >=
			    (int)sizeof path) {
				err = -ENAMETOOLONG;
				goto fail;
			}
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				r->limit_fds[r->nlimits++] = fd;
			else if (errno != ENOENT) {
				err = -errno;
				goto fail;
			}
			char *slash = strrchr(rel, '/');
			if (!slash || r->nlimits == CG_MAX_LIMITS)
				break;
			*slash = '\0';
		}
	}
	r->dirfd = dirfd;
	return 0;
fail:
	close(dirfd);
	cg_reader_close(r);
	return err;
}

ssize_t cg_pread_text(int fd, char *buf, size_t size)
{
	ssize_t n;
	do
		n = pread(fd, buf, size - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

uint64_t cg_working_set(uint64_t usage, uint64_t inactive_file)
{
	return usage > inactive_file ? usage - inactive_file : 0;
}

int cg_read_usage(const struct cg_reader *r, struct cg_sample *s)
{
	char buf[64];
	bool unlimited;
	ssize_t n = cg_pread_text(r->usage_fd, buf, sizeof buf);
	if (n < 0)
		return (int)n;
	int err = cg_parse_u64(buf, &s->usage_bytes, &unlimited);
	if (err)
		return err;
	s->inactive_file_bytes = 0;
	s->working_set_bytes = s->usage_bytes;
	return 0;
}

int cg_read_working_set(const struct cg_reader *r, struct cg_sample *s)
{
	char buf[CG_TEXT_MAX];
	ssize_t n = cg_pread_text(r->stat_fd, buf, sizeof buf);
	if (n < 0)
		return (int)n;
	int err = cg_parse_key(buf, r->version == CG_V1 ? "total_inactive_file" : "inactive_file",
			       &s->inactive_file_bytes);
	if (err)
		return err;
	s->working_set_bytes = cg_working_set(s->usage_bytes, s->inactive_file_bytes);
	return 0;
}

int cg_read_sample(const struct cg_reader *r, bool with_stat, struct cg_sample *s)
{
	int err = cg_read_usage(r, s);
	return err || !with_stat ? err : cg_read_working_set(r, s);
}

int cg_read_limit(const struct cg_reader *r, uint64_t *limit_bytes, bool *unlimited)
{
	char buf[CG_TEXT_MAX];
	uint64_t best = UINT64_MAX;
	bool any = false;
	for (int i = 0; i < r->nlimits; i++) {
		uint64_t v;
		bool unl;
		ssize_t n = cg_pread_text(r->limit_fds[i], buf, 64);
		if (n < 0)
			return (int)n;
		int err = cg_parse_u64(buf, &v, &unl);
		if (err)
			return err;
		if (!unl && v < best) {
			best = v;
			any = true;
		}
	}
	if (r->version == CG_V1) {
		ssize_t n = cg_pread_text(r->stat_fd, buf, sizeof buf);
		if (n < 0)
			return (int)n;
		uint64_t v;
		int err = cg_parse_key(buf, "hierarchical_memory_limit", &v);
		if (err && err != -ENOENT)
			return err;
		if (!err && v < CG_V1_UNLIMITED_MIN && v < best) {
			best = v;
			any = true;
		}
	}
	*unlimited = !any;
	*limit_bytes = any ? best : UINT64_MAX;
	return 0;
}

int cg_read_oom_kills(const struct cg_reader *r, uint64_t *count)
{
	if (r->events_fd < 0)
		return -ENOENT;
	char buf[512];
	ssize_t n = cg_pread_text(r->events_fd, buf, sizeof buf);
	if (n < 0)
		return (int)n;
	return cg_parse_key(buf, "oom_kill", count);
}

int cg_dir_identity(const struct cg_location *loc, dev_t *dev, ino_t *ino)
{
	char path[CG_DIR_MAX + CG_PATH_MAX];
	if (snprintf(path, sizeof path, "%s%s", loc->mount, loc->rel) >= (int)sizeof path)
		return -ENAMETOOLONG;
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

int cg_v1_event(const struct cg_reader *r, uint64_t threshold_bytes)
{
	if (r->version != CG_V1 || r->dirfd < 0)
		return -EOPNOTSUPP;
	int target = threshold_bytes ? r->usage_fd : r->events_fd;
	if (target < 0)
		return -ENOENT;
	int ctl = openat(r->dirfd, "cgroup.event_control", O_WRONLY | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0) {
		int e = -errno;
		close(ctl);
		return e;
	}
	char line[64];
	int n = threshold_bytes
			? snprintf(line, sizeof line, "%d %d %llu", efd, target,
				   (unsigned long long)threshold_bytes)
			: snprintf(line, sizeof line, "%d %d", efd, target);
	int err = write(ctl, line, (size_t)n) == n ? 0 : -errno;
	close(ctl);
	if (err) {
		close(efd);
		return err;
	}
	return efd;
}
