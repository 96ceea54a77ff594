/* allocator: which malloc the process really runs, found at run time.
 *
 * No link-time dependency on jemalloc or gperftools: their entry points are
 * looked up with dlsym(RTLD_DEFAULT) and only trusted when they live in the
 * same object as the malloc every call resolves to (dladdr), so a jemalloc
 * that is merely loaded is not mistaken for the allocator.
 */
#ifndef OOMSENTRY_HANDLER_ALLOCATOR_H
#define OOMSENTRY_HANDLER_ALLOCATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "textout.h"

enum alloc_kind { ALLOC_GLIBC, ALLOC_JEMALLOC, ALLOC_TCMALLOC, ALLOC_OTHER };

struct allocator {
	enum alloc_kind kind;
	/* jemalloc */
	int (*mallctl)(const char *name, void *old, size_t *oldlen, void *new_, size_t newlen);
	void (*malloc_stats_print)(void (*write_cb)(void *, const char *), void *opaque,
				   const char *opts);
	/* gperftools */
	void (*tc_release_free_memory)(void);
	void (*tc_get_stats)(char *buf, int len);
	int (*heap_profiler_running)(void);
	void (*heap_profiler_dump)(const char *reason);
};

/* Looks the allocator up; call once, outside signal context. */
void alloc_detect(struct allocator *a);
const char *alloc_name(enum alloc_kind kind);

/* Gives free memory back to the kernel: glibc malloc_trim(0), jemalloc's
 * arena purge, or tcmalloc's ReleaseFreeMemory. Returns 0 or -errno. */
int alloc_trim(const struct allocator *a);

/* Appends the allocator's own report (glibc malloc_info, jemalloc's stats,
 * tcmalloc's stats) to o. */
void alloc_report(const struct allocator *a, struct textout *o);

/* Is a heap profiler running whose profile can be written? When not, *why
 * says why (for the summary and the log). */
bool alloc_can_profile(const struct allocator *a, const char **why);

/* Writes the heap profile into the open, empty file fd. *source names the
 * profiler. Returns 0 or -errno with *why set. */
int alloc_heap_profile(const struct allocator *a, int fd, const char **source, const char **why);

#endif
