/* gzpart: a file as the body of an upload, in part-sized pieces, gzip
 * compressed on the way unless it is compressed already.
 *
 * The file is read in GZPART_CHUNK pieces and deflated straight into the
 * caller's part buffer, so memory is that buffer, one chunk and zlib's state
 * (about 256 KiB at the default level), whatever the file's size. The output
 * is one gzip member (RFC 1952: header, deflate stream, CRC-32 and length),
 * which gunzip and zlib's inflate read back.
 *
 * A file that is gzip already passes through unchanged: by its name (".gz",
 * which covers pprof's ".pb.gz", and ".tgz") or by its first two bytes
 * (1f 8b, gzip's magic), whatever its name. Compressing it again would cost
 * time for nothing and leave a .gz.gz to unwrap. */
#ifndef OOMSENTRY_GZPART_H
#define OOMSENTRY_GZPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>

#define GZPART_CHUNK (64 * 1024)

struct gzpart {
	int fd;
	bool deflating; /* false: the bytes pass through as read */
	bool eof;       /* read returned 0 */
	bool done;      /* all output given out */
	z_stream z;
	unsigned char *chunk; /* GZPART_CHUNK bytes of input */
	size_t held;          /* bytes of chunk read ahead by the sniff, not yet used */
	uint64_t bytes_in, bytes_out;
};

/* Does name say gzip (".gz", ".tgz")? name may be NULL. */
bool gzpart_name_is_gzip(const char *name);

/* Would gzpart_open pass fd through (name or magic)? Reads the first two
 * bytes with pread, so fd must be seekable (a regular file) and its offset
 * stays. 0 or -errno. */
int gzpart_sniff(int fd, const char *name, bool *is_gzip);

/* The largest gzip stream deflate can make of n bytes (zlib's deflateBound
 * for the default settings, plus gzip's 18 bytes of header and trailer). */
uint64_t gzpart_bound(uint64_t n);

/* Starts reading fd from its current offset. compress false: every file
 * passes through. name (may be NULL) only decides pass-through; the magic is
 * checked in any case. level: zlib's, 1 (fast) to 9, or -1 (zlib's default,
 * 6). 0, or -errno with err one line. */
int gzpart_open(struct gzpart *g, int fd, const char *name, bool compress, int level,
		char *err, size_t errsz);

/* Fills buf with up to size bytes of output. Returns size, fewer only when
 * the stream has ended (then gzpart_done is true), 0 once all is out, or
 * -errno (a read error; -EINVAL size 0) with err one line. */
ssize_t gzpart_fill(struct gzpart *g, unsigned char *buf, size_t size, char *err, size_t errsz);

/* Has all output been given out? */
static inline bool gzpart_done(const struct gzpart *g) { return g->done; }

/* Frees zlib's state and the chunk; fd stays open (it is the caller's). */
void gzpart_close(struct gzpart *g);

#endif
