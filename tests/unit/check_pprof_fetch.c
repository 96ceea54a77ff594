/* pprof_fetch.c over real sockets: the test process listens on ephemeral
 * loopback ports (a thread per server, replaying responses captured from
 * Go's net/http/pprof or misbehaving on purpose) and fetches from itself
 * through the real /proc, discovery included. Discovery alone also runs on
 * trees built from the /proc files captured from tests/apps/goleak. */
#include "check_run.h"
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pprof_fetch.h"

#define NET_FIXTURES FIXTURES "/net"
#define MIB (1u << 20)

static char *read_fixture(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", NET_FIXTURES, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "cannot open %s", path);
	char *buf = malloc(MIB);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, MIB, f);
	ck_assert(feof(f));
	fclose(f);
	return buf;
}

/* The body of a captured response: what follows its blank line. */
static const char *body_of(const char *raw, size_t len, size_t *blen)
{
	const char *end = memmem(raw, len, "\r\n\r\n", 4);
	ck_assert_ptr_nonnull(end);
	*blen = len - (size_t)(end + 4 - raw);
	return end + 4;
}

/* --------------------------------------------------------------- servers */

struct server {
	int lfd;
	uint16_t port;
	const char *reply;
	size_t reply_len;
	pthread_t thread;
	bool running;
	atomic_int hits;
	pthread_mutex_t lock;
	char request[1024]; /* the last one received */
};

/* A listening socket on addr (an IPv4 or IPv6 literal), ephemeral port. */
static void server_listen(struct server *s, const char *addr)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->lock, NULL);
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &a->sin6_addr), 1);
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, addr, &a->sin_addr), 1);
		len = sizeof *a;
	}
	s->lfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s->lfd, 0);
	ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&ss, len), 0);
	ck_assert_int_eq(listen(s->lfd, 8), 0);
	ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&ss, &len), 0);
	s->port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					   : ((struct sockaddr_in *)&ss)->sin_port);
}

static void read_request(struct server *s, int c)
{
	char buf[sizeof s->request];
	size_t got = 0;
	while (got < sizeof buf - 1 && !memmem(buf, got, "\r\n\r\n", 4)) {
		ssize_t n = recv(c, buf + got, sizeof buf - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	pthread_mutex_lock(&s->lock);
	memcpy(s->request, buf, got + 1);
	pthread_mutex_unlock(&s->lock);
}

/* Per connection: read the request, send the canned reply, close. */
static void *serve(void *arg)
{
	struct server *s = arg;
	for (;;) {
		int c = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0 && errno == EINTR)
			continue;
		if (c < 0)
			return NULL;
		struct timeval tv = {.tv_sec = 2};
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		read_request(s, c);
		atomic_fetch_add(&s->hits, 1);
		for (size_t off = 0; off < s->reply_len;) {
			ssize_t n = send(c, s->reply + off, s->reply_len - off, MSG_NOSIGNAL);
			if (n <= 0)
				break; /* the client gave up: fine */
			off += (size_t)n;
		}
		close(c);
	}
}

static void server_serve(struct server *s, const char *reply, size_t len)
{
	s->reply = reply;
	s->reply_len = len;
	ck_assert_int_eq(pthread_create(&s->thread, NULL, serve, s), 0);
	s->running = true;
}

static void server_start(struct server *s, const char *addr, const char *reply, size_t len)
{
	server_listen(s, addr);
	server_serve(s, reply, len);
}

static void server_stop(struct server *s)
{
	shutdown(s->lfd, SHUT_RDWR); /* wakes accept() */
	if (s->running)
		pthread_join(s->thread, NULL);
	close(s->lfd);
	s->running = false;
}

/* Two listening sockets on 127.0.0.1, *lo on the lower port. */
static void server_pair(struct server *lo, struct server *hi)
{
	server_listen(lo, "127.0.0.1");
	server_listen(hi, "127.0.0.1");
	if (lo->port > hi->port) {
		struct server t = *lo;
		*lo = *hi;
		*hi = t;
		pthread_mutex_init(&lo->lock, NULL);
		pthread_mutex_init(&hi->lock, NULL);
	}
}

static void expect_request(struct server *s, const char *host)
{
	char want[512];
	snprintf(want, sizeof want,
		 "GET /debug/pprof/heap HTTP/1.0\r\nHost: %s:%u\r\nUser-Agent: oomsentry\r\n"
		 "Accept-Encoding: identity\r\nConnection: close\r\n\r\n",
		 host, (unsigned)s->port);
	pthread_mutex_lock(&s->lock);
	ck_assert_str_eq(s->request, want);
	pthread_mutex_unlock(&s->lock);
}

/* ---------------------------------------------------------------- output */

/* A temporary file holding "PREFIX", its offset after it. */
static int out_file(void)
{
	char path[] = "/tmp/check_pprof_fetch.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, "PREFIX", 6), 6);
	return fd;
}

/* The file is "PREFIX" + body, and its offset is at the end. */
static void expect_output(int fd, const char *body, size_t blen)
{
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 6 + (off_t)blen);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 6 + (off_t)blen);
	char *got = malloc(blen + 6);
	ck_assert_int_eq(pread(fd, got, blen + 6, 0), (ssize_t)(blen + 6));
	ck_assert_mem_eq(got, "PREFIX", 6);
	if (blen)
		ck_assert_mem_eq(got + 6, body, blen);
	free(got);
}

static ssize_t fetch(const struct http_target *t, int fd, size_t max, int timeout_ms, int *port,
		     char *err, size_t errsz)
{
	return pprof_fetch("/proc", getpid(), t, fd, max, timeout_ms, port, err, errsz);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ------------------------------------------------------------ discovery */

/* Go's 404 on the lower port, the profile on the higher: the lower one is
 * tried first and skipped. */
START_TEST(picks_the_serving_port)
{
	size_t nlen, plen, blen;
	char *notfound = read_fixture("http/go-plain-404.raw", &nlen);
	char *profile = read_fixture("http/go-heap-http10-length.raw", &plen);
	const char *body = body_of(profile, plen, &blen);
	struct server lo, hi;
	server_pair(&lo, &hi);
	server_serve(&lo, notfound, nlen);
	server_serve(&hi, profile, plen);

	int fd = out_file(), port = -1;
	char err[256] = "untouched";
	ssize_t n = fetch(NULL, fd, MIB, 1000, &port, err, sizeof err);
	ck_assert_msg(n == (ssize_t)blen, "%zd: %s", n, err);
	ck_assert_int_eq(port, hi.port);
	ck_assert_int_eq(atomic_load(&lo.hits), 1);
	ck_assert_int_eq(atomic_load(&hi.hits), 1);
	expect_output(fd, body, blen);
	expect_request(&lo, "127.0.0.1");
	expect_request(&hi, "127.0.0.1");
	ck_assert_str_eq(err, "");

	/* The body exactly at the cap is fine; one byte less is too large. */
	ck_assert_int_eq(ftruncate(fd, 6), 0);
	ck_assert_int_eq(lseek(fd, 6, SEEK_SET), 6);
	ck_assert_int_eq(fetch(NULL, fd, blen, 1000, &port, err, sizeof err), blen);
	ck_assert_int_eq(ftruncate(fd, 6), 0);
	ck_assert_int_eq(lseek(fd, 6, SEEK_SET), 6);
	ck_assert_int_eq(fetch(NULL, fd, blen - 1, 1000, &port, err, sizeof err), -ENODATA);
	ck_assert_int_eq(port, 0);
	char want[256];
	snprintf(want, sizeof want, "ports %u (404), %u (too large): none serves /debug/pprof/heap",
		 (unsigned)lo.port, (unsigned)hi.port);
	ck_assert_str_eq(err, want);
	expect_output(fd, "", 0);

	close(fd);
	server_stop(&lo);
	server_stop(&hi);
	free(notfound);
	free(profile);
}
END_TEST

/* The same profile framed the other ways Go frames it. */
START_TEST(chunked_and_until_close)
{
	size_t clen, blen, elen, eblen;
	char *chunked = read_fixture("http/go-heap-http11-chunked.raw", &clen);
	char *body = read_fixture("http/go-heap-http11-chunked.body", &blen);
	char *eof = read_fixture("http/go-heap-http10-eof.raw", &elen);
	const char *ebody = body_of(eof, elen, &eblen);

	struct server s;
	server_start(&s, "127.0.0.1", chunked, clen);
	int fd = out_file(), port;
	char err[256];
	ck_assert_int_eq(fetch(NULL, fd, MIB, 1000, &port, err, sizeof err), blen);
	ck_assert_int_eq(port, s.port);
	expect_output(fd, body, blen);
	close(fd);
	server_stop(&s);

	server_start(&s, "127.0.0.1", eof, elen);
	fd = out_file();
	ck_assert_int_eq(fetch(NULL, fd, MIB, 1000, &port, err, sizeof err), eblen);
	expect_output(fd, ebody, eblen);
	close(fd);
	server_stop(&s);
	free(chunked);
	free(body);
	free(eof);
}
END_TEST

static char *make_reply(const char *head, size_t body_len, size_t *len)
{
	size_t hl = strlen(head);
	char *r = malloc(hl + body_len);
	memcpy(r, head, hl);
	memset(r + hl, 0, body_len);
	if (body_len >= 2)
		memcpy(r + hl, "\x1f\x8b", 2);
	*len = hl + body_len;
	return r;
}

/* Every way a port can fail, each named in err, the output rewound. */
START_TEST(failures_named_and_rewound)
{
	static const char *heads[] = {
		"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
		"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n",
		"HTTP/1.0 200 OK\r\nContent-Length: 10000\r\n\r\n",
		"HTTP/1.0 200 OK\r\nContent-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n\x1f\x8bZZ",
		"HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
		"",
	};
	static const size_t bodies[] = {0, 0, 500, 100, 0, 0, 0, 0, 0};
	static const char *why[] = {"not HTTP", "not gzip", "short body", "content-encoded",
				    "truncated", "bad chunking", "500", "not gzip", "closed"};
	enum { N = sizeof heads / sizeof *heads };
	struct server s[N];
	char *replies[N];
	for (int i = 0; i < N; i++)
		server_listen(&s[i], "127.0.0.1");
	/* Which server gets which reply follows the port order, so that err
	 * reads in a known order. */
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			if (s[j].port < s[i].port) {
				uint16_t p = s[i].port;
				int l = s[i].lfd;
				s[i].port = s[j].port, s[i].lfd = s[j].lfd;
				s[j].port = p, s[j].lfd = l;
			}
	for (int i = 0; i < N; i++) {
		size_t len;
		replies[i] = make_reply(heads[i], bodies[i], &len);
		server_serve(&s[i], replies[i], len);
	}

	int fd = out_file(), port;
	char err[512];
	ck_assert_int_eq(fetch(NULL, fd, MIB, 1000, &port, err, sizeof err), -ENODATA);
	char want[512] = "ports ";
	for (int i = 0; i < N; i++)
		snprintf(want + strlen(want), sizeof want - strlen(want), "%s%u (%s)",
			 i ? ", " : "", (unsigned)s[i].port, why[i]);
	strcat(want, ": none serves /debug/pprof/heap");
	ck_assert_str_eq(err, want);
	expect_output(fd, "", 0);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(atomic_load(&s[i].hits), 1);
		server_stop(&s[i]);
		free(replies[i]);
	}
	/* A small err buffer holds a cut, terminated message. */
	char small[16];
	for (int i = 0; i < N; i++)
		server_start(&s[i], "127.0.0.1", "", 0);
	ck_assert_int_eq(fetch(NULL, fd, MIB, 1000, &port, small, sizeof small), -ENODATA);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	for (int i = 0; i < N; i++)
		server_stop(&s[i]);
	close(fd);
}
END_TEST

/* A server that accepts (the kernel's backlog does) and never answers. */
START_TEST(silent_server_times_out)
{
	struct server s;
	server_listen(&s, "127.0.0.1"); /* no thread: nothing ever reads or answers */
	int fd = out_file(), port;
	char err[256];
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(fetch(NULL, fd, MIB, 150, &port, err, sizeof err), -ENODATA);
	long ms = ms_since(&t0);
	ck_assert_msg(ms >= 140 && ms < 1000, "%ld ms", ms);
	char want[128];
	snprintf(want, sizeof want, "port %u (timeout): it does not serve /debug/pprof/heap",
		 (unsigned)s.port);
	ck_assert_str_eq(err, want);
	expect_output(fd, "", 0);
	close(fd);
	server_stop(&s);
}
END_TEST

START_TEST(larger_than_max)
{
	size_t l1, l2, l3;
	/* until close, with a Content-Length, and chunked in one-byte chunks
	 * (whose framing hits the cap on raw bytes first) */
	char *r1 = make_reply("HTTP/1.0 200 OK\r\n\r\n", 256 * 1024, &l1);
	char *r2 = make_reply("HTTP/1.0 200 OK\r\nContent-Length: 300000\r\n\r\n", 300000, &l2);
	static const char ch_head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	size_t hl = strlen(ch_head);
	l3 = hl + 6 * 40000 + 5;
	char *r3 = malloc(l3);
	memcpy(r3, ch_head, hl);
	for (size_t i = 0; i < 40000; i++)
		memcpy(r3 + hl + 6 * i, "1\r\nZ\r\n", 6);
	r3[hl + 3] = '\x1f';
	r3[hl + 6 + 3] = (char)0x8b;
	memcpy(r3 + hl + 6 * 40000, "0\r\n\r\n", 5);
	struct server s1, s2, s3;
	server_start(&s1, "127.0.0.1", r1, l1);
	server_start(&s2, "127.0.0.1", r2, l2);
	server_start(&s3, "127.0.0.1", r3, l3);
	int fd = out_file(), port;
	char err[256];
	ck_assert_int_eq(fetch(NULL, fd, 64 * 1024, 1000, &port, err, sizeof err), -ENODATA);
	ck_assert_msg(strstr(err, "(too large), ") && strstr(err, "(too large):") &&
			      !strstr(err, "(timeout)"),
		      "%s", err);
	expect_output(fd, "", 0);
	/* The chunked one alone: 40000 body bytes fit the cap, their framing
	 * (240000 bytes) does not. */
	struct http_target t = {.family = AF_INET, .addr = {127, 0, 0, 1}, .port = s3.port,
				.path = "/debug/pprof/heap"};
	ck_assert_int_eq(fetch(&t, fd, 40000, 1000, &port, err, sizeof err), -ENODATA);
	ck_assert_ptr_nonnull(strstr(err, "(too large)"));
	ck_assert_int_eq(fetch(&t, fd, 200000, 1000, &port, err, sizeof err), 40000);
	close(fd);
	server_stop(&s1);
	server_stop(&s2);
	server_stop(&s3);
	free(r1);
	free(r2);
	free(r3);
}
END_TEST

/* A dual-stack socket on :: is reached on ::1; one bound to the v4-mapped
 * 127.0.0.1 on 127.0.0.1. */
START_TEST(ipv6_sockets)
{
	size_t plen, blen;
	char *profile = read_fixture("http/go-heap-http10-length.raw", &plen);
	const char *body = body_of(profile, plen, &blen);
	struct server s;
	server_start(&s, "::", profile, plen);
	int fd = out_file(), port;
	char err[256];
	ck_assert_msg(fetch(NULL, fd, MIB, 1000, &port, err, sizeof err) == (ssize_t)blen, "%s",
		      err);
	ck_assert_int_eq(port, s.port);
	expect_request(&s, "[::1]");
	expect_output(fd, body, blen);
	server_stop(&s);

	server_start(&s, "::ffff:127.0.0.1", profile, plen);
	ck_assert_int_eq(ftruncate(fd, 6), 0);
	ck_assert_int_eq(lseek(fd, 6, SEEK_SET), 6);
	ck_assert_int_eq(fetch(NULL, fd, MIB, 1000, &port, err, sizeof err), blen);
	expect_request(&s, "127.0.0.1");
	server_stop(&s);
	close(fd);
	free(profile);
}
END_TEST

/* An explicit target replaces discovery: the process's other ports are not
 * asked. */
START_TEST(explicit_target)
{
	size_t nlen, plen, blen;
	char *notfound = read_fixture("http/go-plain-404.raw", &nlen);
	char *profile = read_fixture("http/go-heap-http10-length.raw", &plen);
	const char *body = body_of(profile, plen, &blen);
	struct server lo, hi;
	server_pair(&lo, &hi);
	server_serve(&lo, notfound, nlen);
	server_serve(&hi, profile, plen);
	char url[64];
	snprintf(url, sizeof url, "http://localhost:%u/debug/pprof/heap?gc=1", (unsigned)hi.port);
	struct http_target t;
	const char *why;
	ck_assert_int_eq(http_target_parse(url, &t, &why), 0);
	int fd = out_file(), port;
	char err[256];
	ck_assert_int_eq(fetch(&t, fd, MIB, 1000, &port, err, sizeof err), blen);
	ck_assert_int_eq(port, hi.port);
	ck_assert_int_eq(atomic_load(&lo.hits), 0);
	expect_output(fd, body, blen);
	pthread_mutex_lock(&hi.lock);
	ck_assert_ptr_nonnull(strstr(hi.request, "GET /debug/pprof/heap?gc=1 HTTP/1.0\r\n"));
	pthread_mutex_unlock(&hi.lock);

	/* A port nobody listens on any more. */
	uint16_t gone = lo.port;
	server_stop(&lo);
	t.port = gone;
	ck_assert_int_eq(ftruncate(fd, 6), 0);
	ck_assert_int_eq(lseek(fd, 6, SEEK_SET), 6);
	ck_assert_int_eq(fetch(&t, fd, MIB, 1000, &port, err, sizeof err), -ENODATA);
	char want[128];
	snprintf(want, sizeof want,
		 "127.0.0.1 port %u (refused): it does not serve /debug/pprof/heap?gc=1",
		 (unsigned)gone);
	ck_assert_str_eq(err, want);
	expect_output(fd, "", 0);
	close(fd);
	server_stop(&hi);
	free(notfound);
	free(profile);
}
END_TEST

START_TEST(nothing_listening)
{
	int fd = out_file(), port;
	char err[128];
	ck_assert_int_eq(fetch(NULL, fd, MIB, 100, &port, err, sizeof err), -ENOENT);
	ck_assert_str_eq(err, "no listening TCP port");
	/* a connected socket is no listening one */
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(fetch(NULL, fd, MIB, 100, &port, err, sizeof err), -ENOENT);
	ck_assert_int_eq(pprof_fetch("/proc", 0x7ffffff0, NULL, fd, MIB, 100, &port, err,
				     sizeof err),
			 -ESRCH);
	ck_assert_ptr_nonnull(strstr(err, "listing /proc/2147483632/fd"));
	close(sv[0]);
	close(sv[1]);
	close(fd);
}
END_TEST

START_TEST(bad_output_and_arguments)
{
	size_t plen;
	char *profile = read_fixture("http/go-heap-http10-length.raw", &plen);
	struct server s;
	server_start(&s, "127.0.0.1", profile, plen);
	int port;
	char err[128];
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fetch(NULL, p[1], MIB, 1000, &port, err, sizeof err), -ESPIPE);
	ck_assert_int_eq(atomic_load(&s.hits), 0);
	/* Writing fails: no other port could do better, the fetch stops. */
	int ro = open("/proc/self/cmdline", O_RDONLY);
	ck_assert_int_eq(fetch(NULL, ro, MIB, 1000, &port, err, sizeof err), -EBADF);
	ck_assert_ptr_nonnull(strstr(err, "writing the profile"));
	ck_assert_int_eq(fetch(NULL, -1, MIB, 1000, &port, err, sizeof err), -EBADF);
	int fd = out_file();
	ck_assert_int_eq(fetch(NULL, fd, 0, 1000, &port, err, sizeof err), -EINVAL);
	ck_assert_int_eq(fetch(NULL, fd, 1, 1000, &port, err, sizeof err), -EINVAL);
	ck_assert_int_eq(fetch(NULL, fd, MIB, 0, &port, err, sizeof err), -EINVAL);
	ck_assert_int_eq(fetch(NULL, fd, MIB, -5, &port, err, sizeof err), -EINVAL);
	ck_assert_str_eq(err, "no time left (timeout -5 ms)");
	expect_output(fd, "", 0);
	close(fd);
	close(ro);
	close(p[0]);
	close(p[1]);
	server_stop(&s);
	free(profile);
}
END_TEST

/* ------------------------------------------- discovery over fixture trees */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tree(const char *root) { nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* <root>/4242 from a capture: fd/ as links to what the fd file lists,
 * net/tcp and net/tcp6 as captured. */
static void tree_from_capture(const char *root, const char *capture)
{
	char path[512], name[128];
	snprintf(path, sizeof path, "%s/4242", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/4242/fd", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/4242/net", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	size_t len;
	snprintf(name, sizeof name, "%s/fd", capture);
	char *fds = read_fixture(name, &len);
	fds[len] = '\0';
	for (char *line = strtok(fds, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		ck_assert_ptr_nonnull(sp);
		*sp = '\0';
		snprintf(path, sizeof path, "%s/4242/fd/%s", root, line);
		ck_assert_int_eq(symlink(sp + 1, path), 0);
	}
	free(fds);
	for (int i = 0; i < 2; i++) {
		const char *f = i ? "tcp6" : "tcp";
		snprintf(name, sizeof name, "%s/%s", capture, f);
		char *data = read_fixture(name, &len);
		snprintf(path, sizeof path, "%s/4242/net/%s", root, f);
		write_file(path, data, len);
		free(data);
	}
}

static ssize_t listening(const char *root, pid_t pid, struct nettcp_listen *l, size_t *more,
			 char *err, size_t errsz)
{
	return pprof_listening(root, pid, l, PPROF_PORTS_MAX, more, err, errsz);
}

static char *temp_root(void)
{
	static char root[64];
	snprintf(root, sizeof root, "/tmp/check_pprof_tree.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	return root;
}

START_TEST(listening_from_captures)
{
	static const unsigned char any6[16], lo6[16] = {[15] = 1}, lo4[4] = {127, 0, 0, 1};
	struct nettcp_listen l[PPROF_PORTS_MAX];
	size_t more;
	char err[256];

	char *root = temp_root();
	tree_from_capture(root, "goleak-dualstack");
	/* 6060 first, though the plain server's 6059 is lower */
	ck_assert_int_eq(listening(root, 4242, l, &more, err, sizeof err), 2);
	ck_assert_uint_eq(more, 0);
	ck_assert_uint_eq(l[0].port, 6060);
	ck_assert_int_eq(l[0].family, AF_INET6);
	ck_assert_mem_eq(l[0].addr, any6, 16);
	ck_assert_uint_eq(l[1].port, 6059);
	ck_assert_int_eq(l[1].family, AF_INET);
	ck_assert_mem_eq(l[1].addr, lo4, 4);
	/* only one asked for */
	ck_assert_int_eq(pprof_listening(root, 4242, l, 1, &more, err, sizeof err), 1);
	ck_assert_uint_eq(more, 1);
	ck_assert_uint_eq(l[0].port, 6060);
	rm_tree(root);

	root = temp_root();
	tree_from_capture(root, "goleak-v6loopback");
	ck_assert_int_eq(listening(root, 4242, l, &more, err, sizeof err), 2);
	ck_assert_uint_eq(l[0].port, 8080);
	ck_assert_uint_eq(l[1].port, 8081);
	ck_assert_mem_eq(l[1].addr, lo6, 16);
	struct http_target t;
	pprof_target_of(&l[1], &t);
	ck_assert_int_eq(t.family, AF_INET6);
	ck_assert_mem_eq(t.addr, lo6, 16);
	/* No tcp6 (a kernel without IPv6): the IPv4 socket alone. */
	char path[512];
	snprintf(path, sizeof path, "%s/4242/net/tcp6", root);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(listening(root, 4242, l, &more, err, sizeof err), 1);
	ck_assert_uint_eq(l[0].port, 8080);
	/* The process is gone. */
	ck_assert_int_eq(listening(root, 4343, l, &more, err, sizeof err), -ESRCH);
	ck_assert_ptr_nonnull(strstr(err, "/4343/fd"));
	rm_tree(root);
}
END_TEST

/* A host-sized table: thousands of lines, a line longer than any buffer,
 * a malformed one, other processes' listening sockets, ports bound on both
 * families and more ports than are tried. */
/* One line of a tcp file as the kernel writes it. */
static size_t tcp4_line(char *buf, size_t size, const char *local, int port, const char *state,
			int inode)
{
	int n = snprintf(buf, size,
			 "%4d: %s:%04X 0100007F:C000 %s 00000000:00000000 00:00000000 00000000 "
			 " 1000        0 %d 1 0000000000000000 100 0 0 10 0\n",
			 inode % 10000, local, port, state, inode);
	ck_assert(n > 0 && (size_t)n < size);
	return (size_t)n;
}

START_TEST(listening_from_a_large_table)
{
	char *root = temp_root();
	char path[512];
	snprintf(path, sizeof path, "%s/7", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/7/fd", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/7/net", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);

	/* ours: inodes 1000 + i for i < 40 */
	for (int i = 0; i < 40; i++) {
		char link[64];
		snprintf(path, sizeof path, "%s/7/fd/%d", root, i + 3);
		snprintf(link, sizeof link, "socket:[%d]", 1000 + i);
		ck_assert_int_eq(symlink(link, path), 0);
	}
	/* not a socket, though its number is another process's listening one */
	snprintf(path, sizeof path, "%s/7/fd/99", root);
	ck_assert_int_eq(symlink("pipe:[77]", path), 0);

	size_t cap = 8 * MIB, len = 0;
	char *tcp = malloc(cap);
	len += (size_t)snprintf(tcp + len, cap - len,
				"  sl  local_address rem_address   st tx_queue rx_queue tr "
				"tm->when retrnsmt   uid  timeout inode\n");
	for (int i = 0; i < 30000; i++) /* connections */
		len += tcp4_line(tcp + len, cap - len, "0100007F", 40000 + i % 1000, "01",
				 500000 + i);
	len += tcp4_line(tcp + len, cap - len, "00000000", 9000, "0A", 1003); /* ours */
	len += tcp4_line(tcp + len, cap - len, "00000000", 9001, "0A", 77);   /* not ours */
	memset(tcp + len, 'x', 10000); /* a line no buffer holds */
	len += 10000;
	tcp[len++] = '\n';
	len += tcp4_line(tcp + len, cap - len, "0100007F", 6060, "0A", 1001); /* tried first */
	len += (size_t)snprintf(tcp + len, cap - len, "   9: garbage\n");
	len += tcp4_line(tcp + len, cap - len, "0100007F", 6061, "06", 1002); /* TIME_WAIT */
	for (int i = 0; i < 36; i++)
		len += tcp4_line(tcp + len, cap - len, "00000000", 10000 + i, "0A", 1004 + i);
	/* the last line has no newline */
	len--;
	snprintf(path, sizeof path, "%s/7/net/tcp", root);
	write_file(path, tcp, len);

	/* 9000 on :: as well (ours): one entry, the IPv4 one */
	len = (size_t)snprintf(tcp, cap,
			       "  sl  local_address                         remote_address"
			       "                        st tx_queue rx_queue tr tm->when retrnsmt"
			       "   uid  timeout inode\n"
			       "   0: 00000000000000000000000000000000:2328 "
			       "00000000000000000000000000000000:0000 0A 00000000:00000000 "
			       "00:00000000 00000000     0        0 1000 1 0000000000000000 100 "
			       "0 0 10 0\n");
	snprintf(path, sizeof path, "%s/7/net/tcp6", root);
	write_file(path, tcp, len);
	free(tcp);

	struct nettcp_listen l[PPROF_PORTS_MAX];
	size_t more;
	char err[256];
	ck_assert_int_eq(listening(root, 7, l, &more, err, sizeof err), PPROF_PORTS_MAX);
	ck_assert_uint_eq(more, 38 - PPROF_PORTS_MAX);
	ck_assert_uint_eq(l[0].port, 6060);
	ck_assert_uint_eq(l[0].inode, 1001);
	ck_assert_uint_eq(l[1].port, 9000);
	ck_assert_int_eq(l[1].family, AF_INET);
	ck_assert_uint_eq(l[2].port, 10000);
	ck_assert_uint_eq(l[PPROF_PORTS_MAX - 1].port, 10000 + PPROF_PORTS_MAX - 3);
	rm_tree(root);
}
END_TEST

/* ------------------------------------------------------------------ pure */

static struct nettcp_listen sock(int family, uint16_t port, const char *addr)
{
	struct nettcp_listen l = {.family = family, .port = port};
	ck_assert_int_eq(inet_pton(family, addr, l.addr), 1);
	return l;
}

START_TEST(order_ports)
{
	struct nettcp_listen l[] = {
		sock(AF_INET6, 8080, "::"),  sock(AF_INET, 6060, "127.0.0.1"),
		sock(AF_INET, 80, "0.0.0.0"), sock(AF_INET, 8080, "0.0.0.0"),
		sock(AF_INET6, 6060, "::"),  sock(AF_INET6, 443, "::1"),
		sock(AF_INET, 65535, "10.0.0.1"),
	};
	size_t n = pprof_order_ports(l, sizeof l / sizeof *l);
	ck_assert_uint_eq(n, 5);
	static const uint16_t ports[] = {6060, 80, 443, 8080, 65535};
	static const int families[] = {AF_INET, AF_INET, AF_INET6, AF_INET, AF_INET};
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(l[i].port, ports[i]);
		ck_assert_int_eq(l[i].family, families[i]);
	}
	ck_assert_uint_eq(pprof_order_ports(l, 0), 0);
	ck_assert_uint_eq(pprof_order_ports(l, 1), 1);
}
END_TEST

START_TEST(target_of_sockets)
{
	static const struct {
		int family;
		const char *bound, *to;
		int to_family;
	} cases[] = {
		{AF_INET, "0.0.0.0", "127.0.0.1", AF_INET},
		{AF_INET, "127.0.0.1", "127.0.0.1", AF_INET},
		{AF_INET, "10.0.0.5", "10.0.0.5", AF_INET},
		{AF_INET6, "::", "::1", AF_INET6},
		{AF_INET6, "::1", "::1", AF_INET6},
		{AF_INET6, "fd00::5", "fd00::5", AF_INET6},
		{AF_INET6, "::ffff:0.0.0.0", "127.0.0.1", AF_INET},
		{AF_INET6, "::ffff:127.0.0.1", "127.0.0.1", AF_INET},
		{AF_INET6, "::ffff:10.1.1.1", "10.1.1.1", AF_INET},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct nettcp_listen l = sock(cases[i].family, 6060, cases[i].bound);
		struct http_target t;
		memset(&t, 0xa5, sizeof t);
		pprof_target_of(&l, &t);
		char text[INET6_ADDRSTRLEN];
		ck_assert_int_eq(t.family, cases[i].to_family);
		inet_ntop(t.family, t.addr, text, sizeof text);
		ck_assert_str_eq(text, cases[i].to);
		ck_assert_uint_eq(t.port, 6060);
		ck_assert_str_eq(t.path, PPROF_HEAP_PATH);
	}
}
END_TEST

static Suite *pprof_suite(void)
{
	Suite *s = suite_create("pprof_fetch");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, picks_the_serving_port);
	tcase_add_test(tc, chunked_and_until_close);
	tcase_add_test(tc, failures_named_and_rewound);
	tcase_add_test(tc, silent_server_times_out);
	tcase_add_test(tc, larger_than_max);
	tcase_add_test(tc, ipv6_sockets);
	tcase_add_test(tc, explicit_target);
	tcase_add_test(tc, nothing_listening);
	tcase_add_test(tc, bad_output_and_arguments);
	tcase_add_test(tc, listening_from_captures);
	tcase_add_test(tc, listening_from_a_large_table);
	tcase_add_test(tc, order_ports);
	tcase_add_test(tc, target_of_sockets);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(pprof_suite()); }
