#include "pprof_fetch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The reason list of err, before ": none serves PATH". */
#define TRIED_MAX 240

/* Why a port gave no profile: a short word for err, or an HTTP status. */
struct attempt {
	const char *why;
	int status;
	int connect_errno; /* why connect failed, 0 if it did not */
	int fatal; /* -errno writing out_fd: no other port can do better */
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to timeout_ms for events on fd: 1 ready, 0 timeout, -errno. */
static int wait_fd(int fd, short events, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int64_t left = deadline - now_ms();
		int r = poll(&p, 1, left > 0 ? (int)left : 0);
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static const char *errno_word(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return "refused";
	case ECONNRESET:
	case EPIPE:
		return "reset";
	case ETIMEDOUT:
		return "timeout";
	case ENETUNREACH:
	case EHOSTUNREACH:
	case EADDRNOTAVAIL:
		return "unreachable";
	default:
		return strerror(e);
	}
}

static socklen_t sockaddr_of(const struct http_target *t, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (t->family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(t->port);
		memcpy(&a->sin6_addr, t->addr, 16);
		return sizeof *a;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons(t->port);
	memcpy(&a->sin_addr, t->addr, 4);
	return sizeof *a;
}

/* A connected non-blocking socket, or -1 with a->why set. */
static int connect_to(const struct http_target *t, int timeout_ms, struct attempt *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(t, &ss);
	int fd = socket(t->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		a->connect_errno = errno;
		a->why = errno_word(errno);
		return -1;
	}
	int e = 0;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		e = errno;
		if (e == EINPROGRESS || e == EINTR) {
			int w = wait_fd(fd, POLLOUT, timeout_ms);
			socklen_t el = sizeof e;
			if (w == 0)
				e = ETIMEDOUT;
			else if (w < 0)
				e = -w;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
				e = errno;
		}
	}
	if (e) {
		a->connect_errno = e;
		a->why = errno_word(e);
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len, int timeout_ms)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		int w = wait_fd(fd, POLLOUT, timeout_ms);
		if (w <= 0)
			return w ? w : -ETIMEDOUT;
	}
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Receives what the peer has sent within timeout_ms: the byte count, 0 at
 * the end of the stream, or -1 with a->why set. */
static ssize_t recv_some(int fd, char *buf, size_t size, int timeout_ms, struct attempt *a)
{
	for (;;) {
		ssize_t n = recv(fd, buf, size, 0);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EINTR) {
			a->why = errno_word(errno);
			return -1;
		}
		int w = wait_fd(fd, POLLIN, timeout_ms);
		if (w <= 0) {
			a->why = w ? errno_word(-w) : "timeout";
			return -1;
		}
	}
}

static size_t format_request(const struct http_target *t, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	inet_ntop(t->family, t->addr, host, sizeof host);
	bool v6 = t->family == AF_INET6;
	/* Accept-Encoding: identity, not gzip: the profile is gzip already, and
	 * a compressing middleware in front of the handlers would wrap it a
	 * second time. */
	int n = snprintf(buf, size,
			 "GET %s HTTP/1.0\r\nHost: %s%s%s:%u\r\nUser-Agent: oomsentry\r\n"
			 "Accept-Encoding: identity\r\nConnection: close\r\n\r\n",
			 t->path, v6 ? "[" : "", host, v6 ? "]" : "", (unsigned)t->port);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* The body as it arrives: framing taken off, the profile's gzip magic
 * checked on its first bytes, max_bytes enforced, bytes passed to out_fd. */
struct body {
	int out_fd;
	size_t max_bytes, written;
	int64_t left;         /* of a Content-Length, -1 without one */
	bool chunked, done;
	struct http_chunked ch;
};

static const unsigned char gzip_magic[2] = {0x1f, 0x8b};

/* Takes n received bytes (decoded in place when chunked). Returns 0, or -1
 * with a->why set (and a->fatal when out_fd failed). */
static int body_take(struct body *b, char *buf, size_t n, struct attempt *a)
{
	if (b->done)
		return 0; /* what follows the body is none of ours */
	if (b->chunked) {
		ssize_t d = http_chunked_feed(&b->ch, buf, n, buf, &b->done);
		if (d < 0) {
			a->why = "bad chunking";
			return -1;
		}
		n = (size_t)d;
	} else if (b->left >= 0) {
		if ((int64_t)n >= b->left) {
			n = (size_t)b->left;
			b->done = true;
		}
		b->left -= (int64_t)n;
	}
	for (size_t i = 0; i < n && b->written + i < sizeof gzip_magic; i++) {
		if ((unsigned char)buf[i] != gzip_magic[b->written + i]) {
			a->why = "not gzip";
			return -1;
		}
	}
	if (n > b->max_bytes - b->written) {
		a->why = "too large";
		return -1;
	}
	int r = write_all(b->out_fd, buf, n);
	if (r) {
		a->fatal = r;
		a->why = "output";
		return -1;
	}
	b->written += n;
	return 0;
}

/* Reads the head into buf (HTTP_HEAD_MAX bytes), sets *got to all bytes
 * received so far. Returns 0 or -1 with a->why set. */
static int read_head(int fd, char *buf, size_t *got, struct http_head *h, int timeout_ms,
		     struct attempt *a)
{
	*got = 0;
	for (;;) {
		ssize_t n = recv_some(fd, buf + *got, HTTP_HEAD_MAX - *got, timeout_ms, a);
		if (n < 0)
			return -1;
		if (n == 0) {
			a->why = *got ? "closed in the head" : "closed";
			return -1;
		}
		*got += (size_t)n;
		int r = http_parse_head(buf, *got, h);
		if (r == 1)
			return 0;
		if (r < 0) {
			a->why = r == -E2BIG ? "head too long" : "not HTTP";
			return -1;
		}
	}
}

static int check_head(const struct http_head *h, size_t max_bytes, struct attempt *a)
{
	if (h->status != 200) {
		a->status = h->status;
		return -1;
	}
	if (h->content_encoded)
		a->why = "content-encoded";
	else if (h->content_length >= 0 && (uint64_t)h->content_length > max_bytes)
		a->why = "too large";
	else if (h->content_length >= 0 && h->content_length < (int64_t)sizeof gzip_magic)
		a->why = "not gzip";
	return a->why ? -1 : 0;
}

/* After the head: the body to its end (Content-Length, last chunk or end
 * of stream). The raw bytes read are bounded too, so that a server cannot
 * keep us reading framing without end. */
static int read_body(int fd, char *buf, size_t got, size_t head_len, struct body *b,
		     int timeout_ms, struct attempt *a)
{
	uint64_t raw = got, raw_max = 2 * (uint64_t)b->max_bytes + HTTP_HEAD_MAX;
	if (body_take(b, buf + head_len, got - head_len, a))
		return -1;
	while (!b->done) {
		ssize_t n = recv_some(fd, buf, HTTP_HEAD_MAX, timeout_ms, a);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		raw += (uint64_t)n;
		if (raw > raw_max) {
			a->why = "too large";
			return -1;
		}
		if (body_take(b, buf, (size_t)n, a))
			return -1;
	}
	if (b->chunked && !b->done)
		a->why = "truncated";
	else if (b->left > 0)
		a->why = "short body";
	else if (b->written < sizeof gzip_magic)
		a->why = "not gzip";
	return a->why ? -1 : 0;
}

/* One port: the profile's size, or -1 with *a saying why not. */
static ssize_t fetch_one(const struct http_target *t, int out_fd, size_t max_bytes,
			 int timeout_ms, struct attempt *a)
{
	char req[512];
	size_t rn = format_request(t, req, sizeof req);
	if (!rn) {
		a->why = "request too long";
		return -1;
	}
	int fd = connect_to(t, timeout_ms, a);
	if (fd < 0)
		return -1;
	int r = send_all(fd, req, rn, timeout_ms);
	if (r) {
		a->why = r == -ETIMEDOUT ? "timeout" : errno_word(-r);
		close(fd);
		return -1;
	}
	char *buf = malloc(HTTP_HEAD_MAX);
	ssize_t size = -1;
	struct http_head h;
	size_t got;
	if (!buf)
		a->why = "out of memory";
	else if (!read_head(fd, buf, &got, &h, timeout_ms, a) && !check_head(&h, max_bytes, a)) {
		struct body b = {.out_fd = out_fd, .max_bytes = max_bytes,
				 .left = h.content_length, .chunked = h.chunked};
		http_chunked_init(&b.ch);
		if (!read_body(fd, buf, got, h.head_len, &b, timeout_ms, a))
			size = (ssize_t)b.written;
	}
	free(buf);
	close(fd);
	return size;
}

/* A socket on :: accepts IPv4 too unless it is IPv6-only: where ::1 is not
 * there (IPv6 disabled on loopback), 127.0.0.1 reaches it all the same. */
static bool try_v4_instead(const struct nettcp_listen *l, const struct attempt *a)
{
	static const unsigned char zero[16];
	int e = a->connect_errno;
	return l && l->family == AF_INET6 && memcmp(l->addr, zero, 16) == 0 &&
	       (e == EADDRNOTAVAIL || e == ENETUNREACH || e == EHOSTUNREACH || e == EAFNOSUPPORT);
}

/* ------------------------------------------------------------- the list */

struct tried {
	char text[TRIED_MAX];
	size_t len;
	int count;
	bool full;
};

static void tried_add(struct tried *t, uint16_t port, const struct attempt *a)
{
	char item[96];
	if (a->why)
		snprintf(item, sizeof item, "%s%u (%s)", t->count ? ", " : "", (unsigned)port,
			 a->why);
	else
		snprintf(item, sizeof item, "%s%u (%d)", t->count ? ", " : "", (unsigned)port,
			 a->status);
	t->count++;
	size_t n = strlen(item);
	if (t->full || t->len + n + 8 >= sizeof t->text) {
		if (!t->full)
			memcpy(t->text + t->len, ", ...", 6);
		t->full = true;
		return;
	}
	memcpy(t->text + t->len, item, n + 1);
	t->len += n;
}

/* Only a regular file can be truncated back after a failed port. */
static int rewind_output(int fd, off_t start)
{
	if (ftruncate(fd, start) < 0 || lseek(fd, start, SEEK_SET) < 0)
		return -errno;
	return 0;
}

/* Is <proc_root>/<pid> in our network namespace? Unknown (the links need
 * ptrace access, a fixture tree has none) counts as yes. */
static bool same_netns(const char *proc_root, pid_t pid)
{
	char a[512], b[512];
	struct stat sa, sb;
	if (snprintf(a, sizeof a, "%s/%d/ns/net", proc_root, (int)pid) >= (int)sizeof a ||
	    snprintf(b, sizeof b, "%s/self/ns/net", proc_root) >= (int)sizeof b)
		return true;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return true;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Tries t (from the listening socket l, or NULL for an explicit target).
 * Returns 0 with *size set, 1 for a failed port (noted in tried, out_fd
 * rewound), or -errno of out_fd. */
static int try_target(const struct http_target *t, const struct nettcp_listen *l, int out_fd,
		      off_t start, size_t max_bytes, int timeout_ms, struct tried *tried,
		      ssize_t *size_out)
{
	struct attempt a = {0};
	ssize_t size = fetch_one(t, out_fd, max_bytes, timeout_ms, &a);
	if (size < 0 && !a.fatal && try_v4_instead(l, &a)) {
		struct http_target v4 = *t;
		v4.family = AF_INET;
		memset(v4.addr, 0, sizeof v4.addr);
		v4.addr[0] = 127;
		v4.addr[3] = 1;
		a = (struct attempt){0};
		size = fetch_one(&v4, out_fd, max_bytes, timeout_ms, &a);
	}
	if (size >= 0) {
		*size_out = size;
		return 0;
	}
	if (a.fatal)
		return a.fatal;
	int r = rewind_output(out_fd, start);
	if (r)
		return r;
	tried_add(tried, t->port, &a);
	return 1;
}

ssize_t pprof_fetch(const char *proc_root, pid_t pid, const struct http_target *target,
		    int out_fd, size_t max_bytes, int timeout_ms, int *port, char *err,
		    size_t errsz)
{
	*port = 0;
	if (errsz)
		err[0] = '\0';
	if (max_bytes < sizeof gzip_magic || max_bytes > SSIZE_MAX / 2) {
		snprintf(err, errsz, "max_bytes %zu out of range", max_bytes);
		return -EINVAL;
	}
	if (timeout_ms <= 0) {
		snprintf(err, errsz, "no time left (timeout %d ms)", timeout_ms);
		return -EINVAL;
	}
	off_t start = lseek(out_fd, 0, SEEK_CUR);
	if (start < 0) {
		int e = errno;
		snprintf(err, errsz, "output: %s", strerror(e));
		return -e;
	}

	struct nettcp_listen ls[PPROF_PORTS_MAX];
	struct http_target ts[PPROF_PORTS_MAX];
	size_t n = 1, more = 0;
	if (target) {
		ts[0] = *target;
	} else {
		if (!same_netns(proc_root, pid)) {
			snprintf(err, errsz, "pid %d is in another network namespace", (int)pid);
			return -EXDEV;
		}
		ssize_t r = pprof_listening(proc_root, pid, ls, PPROF_PORTS_MAX, &more, err, errsz);
		if (r < 0)
			return r;
		if (r == 0) {
			snprintf(err, errsz, "no listening TCP port");
			return -ENOENT;
		}
		n = (size_t)r;
		for (size_t i = 0; i < n; i++)
			pprof_target_of(&ls[i], &ts[i]);
	}

	struct tried tried = {.len = 0};
	for (size_t i = 0; i < n; i++) {
		ssize_t size;
		int r = try_target(&ts[i], target ? NULL : &ls[i], out_fd, start, max_bytes,
				   timeout_ms, &tried, &size);
		if (r == 0) {
			*port = ts[i].port;
			return size;
		}
		if (r < 0) {
			snprintf(err, errsz, "writing the profile: %s", strerror(-r));
			return r;
		}
	}
	char host[INET6_ADDRSTRLEN] = "";
	if (target)
		inet_ntop(target->family, target->addr, host, sizeof host);
	if (target)
		snprintf(err, errsz, "%s port %s: it does not serve %s", host, tried.text,
			 ts[0].path);
	else
		snprintf(err, errsz, "port%s %s%s: %s %s", n > 1 ? "s" : "", tried.text,
			 more ? " (more not tried)" : "",
			 n > 1 ? "none serves" : "it does not serve", ts[0].path);
	return -ENODATA;
}
