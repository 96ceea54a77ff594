#include "pprof_ports.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fsids.h"
#include "pprof_plan.h"

/* Listening sockets of the process kept while reading its net files, before
 * one per port is kept: far more than any program opens. */
#define LISTEN_SCAN_MAX 256

/* The socket inodes of the process's open files, sorted. */
struct inode_set {
	uint64_t *v;
	size_t len, cap;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int inode_add(struct inode_set *s, uint64_t inode)
{
	if (s->len == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->len++] = inode;
	return 0;
}

static bool inode_has(const struct inode_set *s, uint64_t inode)
{
	return s->len && bsearch(&inode, s->v, s->len, sizeof *s->v, cmp_u64);
}

/* readlink of every entry of <proc_root>/<pid>/fd. A descriptor closed
 * meanwhile is skipped. Reading another user's fd links needs ptrace
 * access (CAP_SYS_PTRACE, or its owner's ids): EACCES otherwise. */
static int list_socket_inodes(const char *proc_root, pid_t pid, struct inode_set *s)
{
	char path[512];
	if (snprintf(path, sizeof path, "%s/%d/fd", proc_root, (int)pid) >= (int)sizeof path)
		return -ENAMETOOLONG;
	DIR *d = opendir(path);
	/* Without CAP_SYS_PTRACE: as the process's own user (see fsids.h), for
	 * the directory and each link, both checked. */
	struct fsids id = FSIDS_INIT;
	if (!d && (errno == EACCES || errno == EPERM) &&
	    fsids_become_owner(&id, proc_root, pid) == 0)
		d = opendir(path);
	if (!d) {
		int e = errno;
		fsids_restore(&id);
		return -e;
	}
	int r = 0;
	struct dirent *e;
	while (!r && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char target[64];
		ssize_t n = readlinkat(dirfd(d), e->d_name, target, sizeof target);
		uint64_t inode;
		if (n > 0 && nettcp_parse_socket_link(target, (size_t)n, &inode) == 1)
			r = inode_add(s, inode);
	}
	closedir(d);
	fsids_restore(&id);
	if (!r && s->len)
		qsort(s->v, s->len, sizeof *s->v, cmp_u64);
	return r;
}

struct listen_scan {
	struct nettcp_listen l[LISTEN_SCAN_MAX];
	size_t n, dropped;
};

static void scan_line(const char *line, size_t len, int family, const struct inode_set *s,
		      struct listen_scan *out)
{
	struct nettcp_listen l;
	if (nettcp_parse_line(line, len, family, &l) != 1 || !inode_has(s, l.inode))
		return;
	if (out->n < LISTEN_SCAN_MAX)
		out->l[out->n++] = l;
	else
		out->dropped++;
}

/* Reads <proc_root>/<pid>/<name> line by line through a fixed buffer; a
 * line longer than the buffer (the kernel writes none) is skipped. A
 * missing file (no IPv6 in the kernel: no tcp6) holds no sockets. */
static int scan_net_file(const char *proc_root, pid_t pid, const char *name, int family,
			 const struct inode_set *s, struct listen_scan *out)
{
	char path[512];
	if (snprintf(path, sizeof path, "%s/%d/%s", proc_root, (int)pid, name) >= (int)sizeof path)
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	char buf[4096];
	size_t have = 0;
	bool skipping = false; /* inside a line too long for buf */
	int r = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof buf - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0) {
			if (have && !skipping)
				scan_line(buf, have, family, s, out);
			break;
		}
		have += (size_t)n;
		char *start = buf, *nl;
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			if (!skipping)
				scan_line(start, (size_t)(nl - start), family, s, out);
			skipping = false;
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		if (have == sizeof buf) {
			skipping = true;
			have = 0;
		}
	}
	close(fd);
	return r;
}

ssize_t pprof_listening(const char *proc_root, pid_t pid, struct nettcp_listen *out,
			size_t max, size_t *more, char *err, size_t errsz)
{
	*more = 0;
	struct inode_set s = {0};
	int r = list_socket_inodes(proc_root, pid, &s);
	if (r) {
		snprintf(err, errsz, "listing %s/%d/fd: %s", proc_root, (int)pid, strerror(-r));
		free(s.v);
		return r == -ENOENT ? -ESRCH : r; /* ENOENT means "no port" to callers */
	}
	struct listen_scan *scan = calloc(1, sizeof *scan);
	if (!scan) {
		free(s.v);
		snprintf(err, errsz, "out of memory");
		return -ENOMEM;
	}
	static const struct {
		const char *name;
		int family;
	} files[] = {{"net/tcp", AF_INET}, {"net/tcp6", AF_INET6}};
	for (size_t i = 0; !r && s.len && i < sizeof files / sizeof *files; i++) {
		r = scan_net_file(proc_root, pid, files[i].name, files[i].family, &s, scan);
		if (r)
			snprintf(err, errsz, "reading %s/%d/%s: %s", proc_root, (int)pid,
				 files[i].name, strerror(-r));
	}
	free(s.v);
	if (r) {
		free(scan);
		return r;
	}
	size_t n = pprof_order_ports(scan->l, scan->n);
	if (n > max) {
		*more = n - max;
		n = max;
	}
	*more += scan->dropped;
	memcpy(out, scan->l, n * sizeof *out);
	free(scan);
	return (ssize_t)n;
}
