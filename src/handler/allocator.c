#include "allocator.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirents.h"

/* jemalloc's MALLCTL_ARENAS_ALL: "arena.4096.purge" purges every arena. */
#define JEMALLOC_ARENAS_ALL 4096

static void *lookup(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

static bool same_object(void *a, void *b)
{
	Dl_info ia, ib;
	if (!a || !b || !dladdr(a, &ia) || !dladdr(b, &ib))
		return false;
	return ia.dli_fbase == ib.dli_fbase;
}

/* Function pointers from dlsym are object pointers; POSIX allows this cast. */
#define AS_FN(dst, p) memcpy(&(dst), &(void *){p}, sizeof(dst))

void alloc_detect(struct allocator *a)
{
	memset(a, 0, sizeof *a);
	void *malloc_sym = lookup("malloc");
	void *mallctl = lookup("mallctl");
	void *tc_stats = lookup("MallocExtension_GetStats");

	if (mallctl && same_object(malloc_sym, mallctl)) {
		a->kind = ALLOC_JEMALLOC;
		AS_FN(a->mallctl, mallctl);
		AS_FN(a->malloc_stats_print, lookup("malloc_stats_print"));
	} else if (tc_stats && same_object(malloc_sym, tc_stats)) {
		a->kind = ALLOC_TCMALLOC;
		AS_FN(a->tc_get_stats, tc_stats);
		AS_FN(a->tc_release_free_memory, lookup("MallocExtension_ReleaseFreeMemory"));
	} else if (!malloc_sym || same_object(malloc_sym, lookup("malloc_trim"))) {
		/* Static binaries have no dynamic symbols: glibc is then the guess. */
		a->kind = ALLOC_GLIBC;
	} else {
		a->kind = ALLOC_OTHER;
	}
	/* gperftools' heap profiler works with tcmalloc only, but look it up
	 * whatever the allocator: IsHeapProfilerRunning() tells. */
	AS_FN(a->heap_profiler_running, lookup("IsHeapProfilerRunning"));
	AS_FN(a->heap_profiler_dump, lookup("HeapProfilerDump"));
}

const char *alloc_name(enum alloc_kind kind)
{
	switch (kind) {
	case ALLOC_GLIBC:
		return "glibc";
	case ALLOC_JEMALLOC:
		return "jemalloc";
	case ALLOC_TCMALLOC:
		return "tcmalloc";
	case ALLOC_OTHER:
		break;
	}
	return "other";
}

int alloc_trim(const struct allocator *a)
{
	switch (a->kind) {
	case ALLOC_JEMALLOC: {
		char name[32];
		snprintf(name, sizeof name, "arena.%d.purge", JEMALLOC_ARENAS_ALL);
		int r = a->mallctl(name, NULL, NULL, NULL, 0);
		return r ? -r : 0;
	}
	case ALLOC_TCMALLOC:
		if (!a->tc_release_free_memory)
			return -ENOSYS;
		a->tc_release_free_memory();
		return 0;
	case ALLOC_GLIBC:
		malloc_trim(0);
		return 0;
	case ALLOC_OTHER:
		break;
	}
	return -ENOSYS;
}

static void stats_to_textout(void *opaque, const char *s)
{
	textout_puts(opaque, s);
}

static void glibc_report(struct textout *o)
{
	struct mallinfo2 mi = mallinfo2();
	textout_printf(o,
		       "arena_bytes: %zu\nmmap_bytes: %zu\nin_use_bytes: %zu\nfree_bytes: %zu\n"
		       "trimmable_bytes: %zu\n\n",
		       mi.arena, mi.hblkhd, mi.uordblks, mi.fordblks, mi.keepcost);
	/* malloc_info wants a FILE: a FILE over a duplicate of our fd, after our
	 * own buffer is out, keeps the order. Its buffer is a few KiB. */
	if (textout_flush(o))
		return;
	int fd = dup(o->fd);
	if (fd < 0)
		return;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return;
	}
	malloc_info(0, f);
	if (fclose(f) != 0 && !o->err)
		o->err = -EIO;
}

void alloc_report(const struct allocator *a, struct textout *o)
{
	textout_printf(o, "\n## allocator: %s\n", alloc_name(a->kind));
	switch (a->kind) {
	case ALLOC_JEMALLOC:
		if (a->malloc_stats_print) {
			uint64_t epoch = 1;
			size_t len = sizeof epoch;
			/* Refresh the statistics; "epoch" is how jemalloc wants it. */
			a->mallctl("epoch", &epoch, &len, &epoch, len);
			/* General and merged totals; per-arena, bin, extent and mutex
			 * tables would run to hundreds of KiB. */
			a->malloc_stats_print(stats_to_textout, o, "dablxeh");
		}
		break;
	case ALLOC_TCMALLOC: {
		char buf[8192];
		buf[0] = '\0';
		a->tc_get_stats(buf, (int)sizeof buf);
		textout_puts(o, buf);
		break;
	}
	case ALLOC_GLIBC:
		glibc_report(o);
		break;
	case ALLOC_OTHER:
		textout_puts(o, "(no report: unknown allocator)\n");
		break;
	}
}

static bool jemalloc_profiling(const struct allocator *a)
{
	bool on = false;
	size_t len = sizeof on;
	return a->mallctl("opt.prof", &on, &len, NULL, 0) == 0 && on;
}

static bool gperftools_profiling(const struct allocator *a)
{
	return a->heap_profiler_running && a->heap_profiler_dump && a->heap_profiler_running();
}

bool alloc_can_profile(const struct allocator *a, const char **why)
{
	if (a->kind == ALLOC_JEMALLOC) {
		if (jemalloc_profiling(a))
			return true;
		*why = "jemalloc profiling is off (start with MALLOC_CONF=prof:true)";
		return false;
	}
	if (gperftools_profiling(a)) {
		if (getenv("HEAPPROFILE"))
			return true;
		*why = "gperftools heap profiler started without HEAPPROFILE: its dumps stay under the app's prefix";
		return false;
	}
	*why = "no heap profiler running (jemalloc with MALLOC_CONF=prof:true, or gperftools with HEAPPROFILE)";
	return false;
}

struct newest {
	const char *base;
	size_t blen;
	char name[256];
	struct timespec mtime;
};

static void consider_gperftools_dump(int dirfd, const char *name, void *arg)
{
	struct newest *b = arg;
	size_t len = strlen(name);
	struct stat st;
	if (len <= b->blen + 5 || strncmp(name, b->base, b->blen) != 0 ||
	    strcmp(name + len - 5, ".heap") != 0 || len >= sizeof b->name ||
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
		return;
	if (!b->name[0] || st.st_mtim.tv_sec > b->mtime.tv_sec ||
	    (st.st_mtim.tv_sec == b->mtime.tv_sec && st.st_mtim.tv_nsec > b->mtime.tv_nsec) ||
	    (st.st_mtim.tv_sec == b->mtime.tv_sec && st.st_mtim.tv_nsec == b->mtime.tv_nsec &&
	     strcmp(name, b->name) > 0)) {
		memcpy(b->name, name, len + 1);
		b->mtime = st.st_mtim;
	}
}

/* gperftools writes "<HEAPPROFILE>.NNNN.heap" (or "<HEAPPROFILE>_<pid>.NNNN.heap"
 * in a forked child): open the newest file of that prefix. */
static int open_newest_gperftools_dump(const char *prefix)
{
	char dir[512], base[512];
	const char *slash = strrchr(prefix, '/');
	if (slash) {
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - prefix), prefix);
		if (!dir[0])
			snprintf(dir, sizeof dir, "/");
		snprintf(base, sizeof base, "%s", slash + 1);
	} else {
		snprintf(dir, sizeof dir, ".");
		snprintf(base, sizeof base, "%s", prefix);
	}
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	struct newest best = {.base = base, .blen = strlen(base)};
	/* A read error ends the scan: the newest file seen so far is used. */
	dirents_each(dirfd, consider_gperftools_dump, &best);
	int fd = best.name[0] ? openat(dirfd, best.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	int err = best.name[0] ? -errno : -ENOENT;
	close(dirfd);
	return fd >= 0 ? fd : err;
}

/* Copies in the kernel: no user-space buffer at all. */
static int copy_fd(int in, int out)
{
	for (;;) {
		ssize_t n = sendfile(out, in, NULL, 1 << 20);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
	}
}

int alloc_heap_profile(const struct allocator *a, int fd, const char **source, const char **why)
{
	if (!alloc_can_profile(a, why))
		return -ENOTSUP;
	if (a->kind == ALLOC_JEMALLOC) {
		*source = "jemalloc prof.dump";
		/* jemalloc opens the path itself with O_CREAT|O_TRUNC and mode 0644.
		 * Handing it our already created file through /proc/self/fd keeps
		 * O_EXCL, O_NOFOLLOW and our mode (0600, or 0640 for the group of
		 * a set-group-ID dump directory: dump.c). */
		char path[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		const char *p = path;
		int r = a->mallctl("prof.dump", NULL, NULL, &p, sizeof p);
		if (r) {
			*why = "jemalloc prof.dump failed";
			return -r;
		}
		return 0;
	}
	*source = "gperftools HeapProfilerDump";
	a->heap_profiler_dump("oomsentry");
	/* gperftools sets the high bit of HEAPPROFILE's first byte once it has
	 * read it (so children add their pid): clear it to get the prefix. */
	char prefix[512];
	snprintf(prefix, sizeof prefix, "%s", getenv("HEAPPROFILE"));
	prefix[0] = (char)(prefix[0] & 0x7f);
	int in = open_newest_gperftools_dump(prefix);
	if (in < 0) {
		*why = "cannot find the file HeapProfilerDump wrote";
		return in;
	}
	int r = copy_fd(in, fd);
	close(in);
	if (r)
		*why = "copying the gperftools profile failed";
	return r;
}
