#include "gzpart.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

bool gzpart_name_is_gzip(const char *name)
{
	return name && (ends_with(name, ".gz") || ends_with(name, ".tgz"));
}

static bool magic(const unsigned char *b, size_t n)
{
	return n >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

int gzpart_sniff(int fd, const char *name, bool *is_gzip)
{
	unsigned char b[2];
	ssize_t n;
	*is_gzip = gzpart_name_is_gzip(name);
	if (*is_gzip)
		return 0;
	do
		n = pread(fd, b, sizeof b, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	*is_gzip = magic(b, (size_t)n);
	return 0;
}

uint64_t gzpart_bound(uint64_t n)
{
	/* deflateBound's formula for windowBits 15, memLevel 8 (zlib 1.2.13),
	 * with the 18 bytes of a gzip header and trailer in place of zlib's 6. */
	return n + (n >> 12) + (n >> 14) + (n >> 25) + 13 - 6 + 18;
}

static ssize_t read_some(int fd, unsigned char *buf, size_t size)
{
	for (;;) {
		ssize_t n = read(fd, buf, size);
		if (n >= 0 || errno != EINTR)
			return n < 0 ? -errno : n;
	}
}

int gzpart_open(struct gzpart *g, int fd, const char *name, bool compress, int level,
		char *err, size_t errsz)
{
	memset(g, 0, sizeof *g);
	g->fd = fd;
	g->chunk = malloc(GZPART_CHUNK);
	if (!g->chunk) {
		snprintf(err, errsz, "out of memory");
		return -ENOMEM;
	}
	if (!compress || gzpart_name_is_gzip(name))
		return 0;
	/* The magic, from the stream itself: fd need not be seekable. The
	 * bytes read stay in the chunk for the first fill. */
	while (g->held < 2 && !g->eof) {
		ssize_t n = read_some(fd, g->chunk + g->held, GZPART_CHUNK - g->held);
		if (n < 0) {
			snprintf(err, errsz, "read: %s", strerror((int)-n));
			gzpart_close(g);
			return (int)n;
		}
		g->eof = n == 0;
		g->held += (size_t)n;
		g->bytes_in += (uint64_t)n;
	}
	if (magic(g->chunk, g->held))
		return 0;
	/* windowBits 15 + 16: zlib writes the gzip header and trailer itself. */
	int r = deflateInit2(&g->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (r != Z_OK) {
		snprintf(err, errsz, "deflateInit2: %s", r == Z_MEM_ERROR ? "out of memory"
									: "bad level");
		gzpart_close(g);
		return r == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	}
	g->deflating = true;
	g->z.next_in = g->chunk;
	g->z.avail_in = (uInt)g->held;
	g->held = 0;
	return 0;
}

static ssize_t fill_plain(struct gzpart *g, unsigned char *buf, size_t size, char *err,
			  size_t errsz)
{
	size_t out = 0;
	if (g->held) {
		size_t n = g->held < size ? g->held : size;
		memcpy(buf, g->chunk, n);
		memmove(g->chunk, g->chunk + n, g->held - n);
		g->held -= n;
		out = n;
	}
	while (out < size && !g->eof) {
		ssize_t n = read_some(g->fd, buf + out, size - out);
		if (n < 0) {
			snprintf(err, errsz, "read: %s", strerror((int)-n));
			return n;
		}
		g->eof = n == 0;
		g->bytes_in += (uint64_t)n;
		out += (size_t)n;
	}
	if (g->eof && !g->held)
		g->done = true;
	g->bytes_out += out;
	return (ssize_t)out;
}

static ssize_t fill_deflate(struct gzpart *g, unsigned char *buf, size_t size, char *err,
			    size_t errsz)
{
	g->z.next_out = buf;
	/* avail_out is 32 bits; a part buffer is filled in slices. */
	size_t left = size;
	while (left && !g->done) {
		if (!g->z.avail_in && !g->eof) {
			ssize_t n = read_some(g->fd, g->chunk, GZPART_CHUNK);
			if (n < 0) {
				snprintf(err, errsz, "read: %s", strerror((int)-n));
				return n;
			}
			g->eof = n == 0;
			g->bytes_in += (uint64_t)n;
			g->z.next_in = g->chunk;
			g->z.avail_in = (uInt)n;
		}
		uInt slice = left > (1u << 30) ? (1u << 30) : (uInt)left;
		g->z.avail_out = slice;
		int r = deflate(&g->z, g->eof ? Z_FINISH : Z_NO_FLUSH);
		left -= slice - g->z.avail_out;
		if (r == Z_STREAM_END) {
			g->done = true;
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			snprintf(err, errsz, "deflate: %s", g->z.msg ? g->z.msg : "failed");
			return -EIO;
		}
	}
	g->bytes_out += size - left;
	return (ssize_t)(size - left);
}

ssize_t gzpart_fill(struct gzpart *g, unsigned char *buf, size_t size, char *err, size_t errsz)
{
	if (!size) {
		snprintf(err, errsz, "empty part buffer");
		return -EINVAL;
	}
	if (g->done)
		return 0;
	if (g->deflating)
		return fill_deflate(g, buf, size, err, errsz);
	return fill_plain(g, buf, size, err, errsz);
}

void gzpart_close(struct gzpart *g)
{
	if (g->deflating)
		deflateEnd(&g->z);
	g->deflating = false;
	free(g->chunk);
	g->chunk = NULL;
}
