#include "procinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "elfsect.h"
#include "fsids.h"
#include "procscan.h"

/* How much of each file is read. The command line only for the options
 * before the script or main class (node's, the JVM's) and the process
 * title: 4 KiB holds them but for a JVM whose class path comes first and is
 * longer than that, whose later flags are then not seen. */
#define PROCINFO_CMDLINE_MAX 4096
/* An environment value longer than this: NODE_OPTIONS is cut back to its
 * last whole option; OOMSENTRY_SIGNALS is read as unreadable (no opt-in),
 * since a cut list could name another signal ("1" of "12"). */
#define PROCINFO_ENV_VALUE_MAX 1024
/* A maps line is at most PATH_MAX plus about 80 bytes of fields. */
#define PROCINFO_MAPS_BUF 8192

static const uint32_t all_maps = RUNTIME_MAP_LIBJVM | RUNTIME_MAP_LIBJ9VM | RUNTIME_MAP_LIBNODE |
				 RUNTIME_MAP_LIBPYTHON | RUNTIME_MAP_LIBOOMSENTRY;

/* Folds /proc/PID/maps line by line through a fixed buffer: a JVM's is
 * hundreds of KiB, and only the libraries' names matter. */
static uint32_t read_maps(int dirfd)
{
	int fd = openat(dirfd, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char buf[PROCINFO_MAPS_BUF];
	size_t have = 0;
	uint32_t flags = 0;
	bool skipping = false; /* in a line longer than the buffer */
	while (flags != all_maps) {
		ssize_t n = read(fd, buf + have, sizeof buf - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (have && !skipping)
				flags |= runtime_maps_line(buf, have);
			break;
		}
		have += (size_t)n;
		size_t start = 0;
		const char *nl;
		while ((nl = memchr(buf + start, '\n', have - start))) {
			size_t len = (size_t)(nl - (buf + start));
			if (!skipping)
				flags |= runtime_maps_line(buf + start, len);
			skipping = false;
			start += len + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == sizeof buf) {
			skipping = true;
			have = 0;
		}
	}
	close(fd);
	return flags;
}

/* The two environment entries ever read, matched whole ("NODE_OPTIONS=",
 * not "XNODE_OPTIONS="); every other byte of environ passes through a
 * small buffer and is forgotten. The first of duplicate entries wins, as
 * with getenv(). */
struct env_want {
	const char *key; /* with its '=' */
	char *val;
	size_t len;
	bool found, overflow;
};

static void env_finish(struct env_want *w)
{
	w->val[w->len] = '\0';
	w->found = true;
}

static void read_environ(int dirfd, struct env_want *want, int nwant)
{
	int fd = openat(dirfd, "environ", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char buf[4096];
	size_t pos = 0;           /* bytes of the current entry seen */
	unsigned cand = 0;        /* keys the entry may still be */
	int copying = -1;         /* the key whose value is being copied */
	int left = nwant;
	for (int k = 0; k < nwant; k++)
		cand |= 1u << k;
	while (left > 0) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && left > 0; i++) {
			char c = buf[i];
			if (c == '\0') {
				if (copying >= 0) {
					env_finish(&want[copying]);
					left--;
				}
				copying = -1;
				pos = 0;
				cand = 0;
				for (int k = 0; k < nwant; k++)
					if (!want[k].found)
						cand |= 1u << k;
				continue;
			}
			if (copying >= 0) {
				struct env_want *w = &want[copying];
				if (w->len < PROCINFO_ENV_VALUE_MAX - 1)
					w->val[w->len++] = c;
				else
					w->overflow = true;
				continue;
			}
			for (int k = 0; k < nwant; k++) {
				if (!(cand & 1u << k))
					continue;
				if (want[k].key[pos] != c)
					cand &= ~(1u << k);
				else if (want[k].key[pos + 1] == '\0')
					copying = k;
			}
			pos++;
			if (copying >= 0)
				cand = 0;
		}
	}
	if (copying >= 0 && left > 0) /* a last entry without its NUL */
		env_finish(&want[copying]);
	close(fd);
}

static ssize_t pread_fd(void *ctx, void *buf, size_t len, off_t off)
{
	for (;;) {
		ssize_t n = pread(*(int *)ctx, buf, len, off);
		if (n >= 0 || errno != EINTR)
			return n < 0 ? -errno : n;
	}
}

/* The executable through the exe link: the very file the process runs,
 * even from another mount namespace or after it was replaced on disk. */
static bool exe_is_go(int dirfd)
{
	int fd = openat(dirfd, "exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool go = elfsect_has(pread_fd, &fd, ".go.buildinfo") == 1;
	close(fd);
	return go;
}

int procinfo_classify(const char *proc_root, pid_t pid, struct runtime_info *out)
{
	memset(out, 0, sizeof *out);
	char path[512];
	if (snprintf(path, sizeof path, "%s/%d", proc_root, (int)pid) >= (int)sizeof path)
		return -ENAMETOOLONG;
	/* Every read goes through this directory: once the process is gone
	 * they fail (ESRCH) instead of reading a reused pid's files. */
	int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;

	struct runtime_facts f = {0};
	char exe[PATH_MAX];
	ssize_t n = readlinkat(dirfd, "exe", exe, sizeof exe - 1);
	/* exe, maps and environ take ptrace access: without CAP_SYS_PTRACE,
	 * read them as the process's own user (see fsids.h). */
	struct fsids id = FSIDS_INIT;
	if (n < 0 && (errno == EACCES || errno == EPERM) &&
	    fsids_become_owner(&id, proc_root, pid) == 0)
		n = readlinkat(dirfd, "exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		f.exe = exe;
	}
	char comm[64];
	ssize_t ncomm = proc_read_at(dirfd, "comm", comm, sizeof comm);
	if (ncomm >= 0) {
		if (ncomm > 0 && comm[ncomm - 1] == '\n')
			comm[ncomm - 1] = '\0';
		f.comm = comm;
	}
	/* One byte more than the bound tells a cut last argument: proc_read_at
	 * keeps the last byte for its terminator. */
	char cmdline[PROCINFO_CMDLINE_MAX + 1];
	ssize_t ncmd = proc_read_at(dirfd, "cmdline", cmdline, sizeof cmdline);
	if (ncmd > 0) {
		f.cmdline = cmdline;
		f.cmdline_len = (size_t)ncmd;
	}
	if (ncomm < 0 && ncmd < 0) {
		fsids_restore(&id);
		close(dirfd);
		return (int)ncomm;
	}
	f.maps_flags = read_maps(dirfd);
	f.exe_is_go = exe_is_go(dirfd);

	char node_options[PROCINFO_ENV_VALUE_MAX], optin[PROCINFO_ENV_VALUE_MAX];
	struct env_want want[] = {
		{"NODE_OPTIONS=", node_options, 0, false, false},
		{"OOMSENTRY_SIGNALS=", optin, 0, false, false},
	};
	read_environ(dirfd, want, 2);
	fsids_restore(&id);
	close(dirfd);
	if (want[0].found) {
		if (want[0].overflow) {
			char *blank = strrchr(node_options, ' ');
			*(blank ? blank : node_options) = '\0';
		}
		f.node_options = node_options;
	}
	if (want[1].found)
		f.optin = want[1].overflow ? "(too long)" : optin;

	runtime_classify(&f, out);
	return 0;
}
