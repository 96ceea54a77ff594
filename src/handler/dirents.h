/* dirents: the names in a directory, read with getdents64 into a 4 KiB buffer
 * on the stack. opendir() mallocs a 32 KiB buffer, and the library scans
 * directories inside processes that are short of memory.
 */
#ifndef OOMSENTRY_HANDLER_DIRENTS_H
#define OOMSENTRY_HANDLER_DIRENTS_H

typedef void (*dirents_fn)(int dirfd, const char *name, void *arg);

/* Calls fn for every entry of the open directory dirfd, "." and ".."
 * included, from its first entry whatever was read before. fn may remove the
 * entry it is given. Returns 0 or -errno. */
int dirents_each(int dirfd, dirents_fn fn, void *arg);

#endif
