#include "textout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void textout_init(struct textout *o, int fd)
{
	o->fd = fd;
	o->err = 0;
	o->len = 0;
}

int textout_flush(struct textout *o)
{
	size_t off = 0;
	while (!o->err && off < o->len) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			o->err = -errno;
		} else {
			off += (size_t)n;
		}
	}
	o->len = 0;
	return o->err;
}

void textout_write(struct textout *o, const char *s, size_t n)
{
	while (n && !o->err) {
		if (o->len == sizeof o->buf)
			textout_flush(o);
		size_t k = sizeof o->buf - o->len;
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

void textout_puts(struct textout *o, const char *s)
{
	textout_write(o, s, strlen(s));
}

void textout_printf(struct textout *o, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* A longer line is cut: the summary holds short key: value lines. */
	textout_write(o, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

int textout_copy_file(struct textout *o, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = 0;
	for (;;) {
		if (o->len == sizeof o->buf)
			textout_flush(o);
		ssize_t n = read(fd, o->buf + o->len, sizeof o->buf - o->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0 || o->err)
			break;
		o->len += (size_t)n;
	}
	close(fd);
	return err;
}
