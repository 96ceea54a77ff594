/* textout: a small buffered writer to a file descriptor.
 *
 * The buffer lives inside the struct, which the dump keeps on the worker
 * thread's stack: writing a summary never allocates, however large the
 * process or its /proc files are. The first write error sticks and later
 * writes are skipped, so callers check once at the end.
 */
#ifndef OOMSENTRY_HANDLER_TEXTOUT_H
#define OOMSENTRY_HANDLER_TEXTOUT_H

#include <stddef.h>
#include <sys/types.h>

#define TEXTOUT_BUF 4096

struct textout {
	int fd;
	int err;      /* first -errno, or 0 */
	size_t len;
	char buf[TEXTOUT_BUF];
};

void textout_init(struct textout *o, int fd);
void textout_write(struct textout *o, const char *s, size_t n);
void textout_puts(struct textout *o, const char *s);
void textout_printf(struct textout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes out what is buffered; returns o->err. */
int textout_flush(struct textout *o);
/* Copies a file (e.g. /proc/self/smaps_rollup) through the buffer.
 * Returns 0 or the -errno of opening or reading it (o->err is for writes). */
int textout_copy_file(struct textout *o, const char *path);

#endif
