#include "metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "http_req.h"

/* Bounds on the work of one metrics_http_service call, so that a flood
 * delays the loop by a few hundred microseconds per turn at most. */
#define METRICS_EVENTS_MAX 16       /* epoll events taken per call */
#define METRICS_ACCEPT_BATCH 32     /* accepts per call */
#define METRICS_READ_MAX (64 << 10) /* bytes read per connection per event */
#define METRICS_ACCEPT_PAUSE_US 100000

#define LISTEN_KEY UINT64_MAX

/* The head of a reply and a small body (canned, or the health reason). */
#define SMALL_MAX (HTTP_REQ_REPLY_HEAD_MAX + METRICS_WHY_MAX + 64)

enum conn_state {
	CONN_FREE,
	CONN_READING, /* the request head */
	CONN_WRITING, /* the reply; the kernel did not take it whole at once */
	CONN_LINGER,  /* reply sent, our side shut down: drop input until EOF */
};

struct conn {
	int fd;
	enum conn_state state;
	uint32_t gen;         /* told apart from the slot's earlier connections */
	uint64_t deadline_us;
	size_t got;           /* request bytes read */
	const char *out;      /* what is left to send: into small or heap */
	size_t out_len;
	char *heap;           /* the copy of a reply the kernel did not take at once */
	struct http_req req;
	char small[SMALL_MAX];
};

struct metrics_http {
	int epfd, lfd, port;
	unsigned conn_max;
	uint64_t deadline_us;
	uint64_t accept_resume_us; /* accepting paused until then; 0: not paused */
	metrics_render_fn *render;
	metrics_healthy_fn *healthy;
	void *ctx;
	struct promtext page;
	struct metrics_http_stats st;
	struct conn *conns;
};

/* ---------------------------------------------------------------- listen */

/* A listening socket on ss. Returns the fd, or -errno with *step the call
 * that failed. */
static int listen_on(const struct sockaddr_storage *ss, socklen_t len, const char **step)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*step = "socket";
		return -errno;
	}
	int one = 1, zero = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
		*step = "SO_REUSEADDR";
		goto fail;
	}
	/* Off whatever net.ipv6.bindv6only says, so that [::] takes IPv4 too. */
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0) {
		*step = "IPV6_V6ONLY";
		goto fail;
	}
	if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
		*step = "bind";
		goto fail;
	}
	/* Refused connections are accepted and closed at once, so the backlog
	 * only has to hold a burst between two turns of the loop. */
	if (listen(fd, SOMAXCONN) < 0) {
		*step = "listen";
		goto fail;
	}
	return fd;
fail:;
	int e = errno;
	close(fd);
	return -e;
}

/* ---------------------------------------------------------------- connections */

static uint64_t conn_key(const struct metrics_http *m, const struct conn *c)
{
	return (uint64_t)c->gen << 32 | (uint64_t)(c - m->conns);
}

static int conn_watch(struct metrics_http *m, struct conn *c, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.u64 = conn_key(m, c)};
	return epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Closing the fd also takes it out of the epoll set (it has no duplicate). */
static void conn_close(struct metrics_http *m, struct conn *c)
{
	close(c->fd);
	free(c->heap);
	c->heap = NULL;
	c->fd = -1;
	c->state = CONN_FREE;
	m->st.open--;
}

static void conn_start(struct metrics_http *m, struct conn *c, int fd, uint64_t now_us)
{
	c->fd = fd;
	c->gen++;
	c->state = CONN_READING;
	c->deadline_us = now_us + m->deadline_us;
	c->got = 0;
	c->out = NULL;
	c->out_len = 0;
	http_req_init(&c->req);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = conn_key(m, c)};
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		m->st.accept_errors++;
		close(fd);
		c->fd = -1;
		c->state = CONN_FREE;
		return;
	}
	m->st.accepted++;
	if (++m->st.open > m->st.open_peak)
		m->st.open_peak = m->st.open;
}

/* The reply is queued whole: shut our side down (the FIN follows the
 * reply), then drop what the client still sends until it closes. Closing
 * now, with input unread, would make the kernel answer with RST and drop
 * what of the reply it has not sent yet, and the client's kernel may
 * discard what it has not handed to the client (a client still sending a
 * 1 MiB request line sees its send fail, never the 414). The lingering is
 * bounded by the connection's deadline and, per turn, by METRICS_READ_MAX. */
static void conn_done(struct metrics_http *m, struct conn *c)
{
	m->st.served++;
	free(c->heap);
	c->heap = NULL;
	c->out_len = 0;
	if (shutdown(c->fd, SHUT_WR) < 0 || conn_watch(m, c, EPOLLIN) < 0) {
		conn_close(m, c);
		return;
	}
	c->state = CONN_LINGER;
}

/* Sends the reply: hlen bytes in c->small (a head, or a whole small reply),
 * then blen bytes of body (the page; NULL for none). What the kernel does
 * not take at once is sent as the socket drains; a part of the page is
 * copied first, as the page is rendered again for the next scrape. */
static void conn_reply(struct metrics_http *m, struct conn *c, size_t hlen, const char *body,
		       size_t blen)
{
	if (hlen == 0) { /* cannot happen: SMALL_MAX fits every reply made here */
		conn_close(m, c);
		return;
	}
	struct iovec iov[2] = {{.iov_base = c->small, .iov_len = hlen},
			       {.iov_base = (void *)body, .iov_len = blen}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = blen ? 2 : 1};
	ssize_t n;
	do
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN) { /* EPIPE, ECONNRESET: the client is gone */
			conn_close(m, c);
			return;
		}
		n = 0;
	}
	size_t sent = (size_t)n, total = hlen + blen;
	if (sent == total) {
		conn_done(m, c);
		return;
	}
	if (!blen) {
		c->out = c->small + sent;
	} else {
		c->heap = malloc(total - sent);
		if (!c->heap) {
			conn_close(m, c);
			return;
		}
		size_t h = sent < hlen ? hlen - sent : 0;
		memcpy(c->heap, c->small + sent, h);
		memcpy(c->heap + h, body + (sent > hlen ? sent - hlen : 0), total - sent - h);
		c->out = c->heap;
	}
	c->out_len = total - sent;
	if (conn_watch(m, c, EPOLLOUT) < 0) {
		conn_close(m, c);
		return;
	}
	c->state = CONN_WRITING;
}

static void reply_canned(struct metrics_http *m, struct conn *c, int status, bool head_only,
			 int64_t now_s)
{
	conn_reply(m, c, http_req_reply_canned(c->small, sizeof c->small, status, head_only, now_s),
		   NULL, 0);
}

static void reply_metrics(struct metrics_http *m, struct conn *c, bool head_only, int64_t now_s)
{
	promtext_reset(&m->page);
	int r = m->render(&m->page, m->ctx);
	if (r < 0 || m->page.failed) {
		m->st.render_failed++;
		reply_canned(m, c, 500, head_only, now_s);
		return;
	}
	size_t h = http_req_reply_head(c->small, sizeof c->small, 200, HTTP_REQ_CT_METRICS,
				       m->page.len, now_s);
	if (head_only)
		conn_reply(m, c, h, NULL, 0);
	else
		conn_reply(m, c, h, m->page.buf, m->page.len);
}

static void reply_health(struct metrics_http *m, struct conn *c, bool head_only, int64_t now_s)
{
	char why[METRICS_WHY_MAX] = "";
	if (!m->healthy || m->healthy(m->ctx, why, sizeof why)) {
		reply_canned(m, c, 200, head_only, now_s);
		return;
	}
	why[sizeof why - 1] = '\0';
	if (!why[0])
		snprintf(why, sizeof why, "unhealthy");
	size_t wlen = strlen(why);
	size_t h = http_req_reply_head(c->small, sizeof c->small, 503, HTTP_REQ_CT_TEXT, wlen + 1,
				       now_s);
	if (h && !head_only) { /* SMALL_MAX holds the head, why and its newline */
		memcpy(c->small + h, why, wlen);
		c->small[h + wlen] = '\n';
		h += wlen + 1;
	}
	conn_reply(m, c, h, NULL, 0);
}

static void respond(struct metrics_http *m, struct conn *c, enum http_req_result res)
{
	int64_t now_s = (int64_t)time(NULL);
	bool head_only = c->req.method == HTTP_REQ_HEAD;
	if (res == HTTP_REQ_ERROR) {
		m->st.bad_request++;
		reply_canned(m, c, c->req.status, head_only, now_s);
		return;
	}
	switch (http_req_route(&c->req)) {
	case HTTP_ROUTE_METRICS:
		reply_metrics(m, c, head_only, now_s);
		return;
	case HTTP_ROUTE_HEALTHZ:
		reply_health(m, c, head_only, now_s);
		return;
	case HTTP_ROUTE_NOT_FOUND:
		break;
	}
	reply_canned(m, c, 404, head_only, now_s);
}

/* Reads the request head. http_req refuses at byte HTTP_REQ_MAX + 1 at the
 * latest, so this reads at most two buffers. */
static void conn_read(struct metrics_http *m, struct conn *c)
{
	char buf[HTTP_REQ_MAX];
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* A connection closed without a byte is a TCP probe, not a
			 * bad request. */
			if (n == 0 && c->got)
				m->st.bad_request++;
			conn_close(m, c);
			return;
		}
		c->got += (size_t)n;
		enum http_req_result res = http_req_feed(&c->req, buf, (size_t)n);
		if (res != HTTP_REQ_MORE) {
			respond(m, c, res);
			return;
		}
	}
}

static void conn_write(struct metrics_http *m, struct conn *c)
{
	while (c->out_len) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			conn_close(m, c);
			return;
		}
		c->out += n;
		c->out_len -= (size_t)n;
	}
	conn_done(m, c);
}

/* Lingering: drops input until EOF (then closes), up to METRICS_READ_MAX
 * bytes per turn. */
static void conn_drain(struct metrics_http *m, struct conn *c)
{
	char buf[16384];
	for (size_t total = 0; total < METRICS_READ_MAX;) {
		ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		conn_close(m, c);
		return;
	}
}

static void conn_event(struct metrics_http *m, struct conn *c)
{
	switch (c->state) {
	case CONN_READING:
		conn_read(m, c);
		break;
	case CONN_WRITING:
		conn_write(m, c);
		break;
	case CONN_LINGER:
		conn_drain(m, c);
		break;
	case CONN_FREE:
		break;
	}
}

/* ---------------------------------------------------------------- accept */

static struct conn *free_slot(struct metrics_http *m)
{
	for (unsigned i = 0; i < m->conn_max; i++)
		if (m->conns[i].state == CONN_FREE)
			return &m->conns[i];
	return NULL;
}

/* The slot of the oldest connection still reading its request head more
 * than METRICS_EVICT_AFTER_MS after its accept; NULL if there is none. */
static struct conn *evictable(struct metrics_http *m, uint64_t now_us)
{
	struct conn *oldest = NULL;
	for (unsigned i = 0; i < m->conn_max; i++) {
		struct conn *c = &m->conns[i];
		uint64_t accepted = c->deadline_us - m->deadline_us;
		if (c->state == CONN_READING && now_us >= accepted + METRICS_EVICT_AFTER_MS * 1000ull &&
		    (!oldest || c->deadline_us < oldest->deadline_us))
			oldest = c;
	}
	return oldest;
}

/* Out of fds or memory: the listening socket would stay readable and each
 * turn of the loop would fail again. Stop watching it for a while. */
static void pause_accepting(struct metrics_http *m, uint64_t now_us)
{
	struct epoll_event ev = {.events = 0, .data.u64 = LISTEN_KEY};
	m->st.accept_errors++;
	if (epoll_ctl(m->epfd, EPOLL_CTL_MOD, m->lfd, &ev) == 0)
		m->accept_resume_us = now_us + METRICS_ACCEPT_PAUSE_US;
}

static void accept_batch(struct metrics_http *m, uint64_t now_us)
{
	for (int i = 0; i < METRICS_ACCEPT_BATCH; i++) {
		int fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
				return;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				pause_accepting(m, now_us);
				return;
			default:
				/* EINTR, ECONNABORTED, EPROTO and the network
				 * errors accept(2) says to treat like EAGAIN: that
				 * connection is gone, the next may be fine. */
				continue;
			}
		}
		struct conn *c = free_slot(m);
		if (!c && (c = evictable(m, now_us))) {
			m->st.evicted++;
			conn_close(m, c);
		}
		if (!c) {
			m->st.refused_full++;
			close(fd);
			continue;
		}
		conn_start(m, c, fd, now_us);
	}
}

/* ---------------------------------------------------------------- server */

int metrics_http_open(struct metrics_http **out, const struct metrics_http_opts *o, char *err,
		      size_t errsz)
{
	*out = NULL;
	if (!o->render || !o->addr.len) {
		snprintf(err, errsz, "metrics: no render function or no address");
		return -EINVAL;
	}
	struct metrics_http *m = calloc(1, sizeof *m);
	unsigned conn_max = o->conn_max ? o->conn_max : METRICS_CONN_MAX;
	struct conn *conns = calloc(conn_max, sizeof *conns);
	if (!m || !conns) {
		free(m);
		free(conns);
		snprintf(err, errsz, "metrics: out of memory");
		return -ENOMEM;
	}
	*m = (struct metrics_http){
		.epfd = -1,
		.lfd = -1,
		.conn_max = conn_max,
		.deadline_us =
			(uint64_t)(o->deadline_ms ? o->deadline_ms : METRICS_DEADLINE_MS) * 1000,
		.render = o->render,
		.healthy = o->healthy,
		.ctx = o->ctx,
		.conns = conns,
	};
	for (unsigned i = 0; i < conn_max; i++)
		conns[i].fd = -1;
	promtext_init(&m->page, o->page_max);

	int r;
	const char *step = "epoll_create1", *where = o->addr.text;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0) {
		r = -errno;
		goto fail;
	}
	r = m->lfd = listen_on(&o->addr.ss, o->addr.len, &step);
	if (r == -EAFNOSUPPORT && o->addr.all) {
		/* A kernel without IPv6 (ipv6.disable=1): every IPv4 address. */
		struct sockaddr_storage ss = {0};
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = ((const struct sockaddr_in6 *)&o->addr.ss)->sin6_port;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		where = "0.0.0.0 (no IPv6)";
		r = m->lfd = listen_on(&ss, sizeof *sin, &step);
	}
	if (r < 0)
		goto fail;
	step = "getsockname";
	struct sockaddr_storage bound;
	socklen_t blen = sizeof bound;
	if (getsockname(m->lfd, (struct sockaddr *)&bound, &blen) < 0) {
		r = -errno;
		goto fail;
	}
	m->port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
						   : ((struct sockaddr_in6 *)&bound)->sin6_port);
	step = "epoll_ctl";
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = LISTEN_KEY};
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->lfd, &ev) < 0) {
		r = -errno;
		goto fail;
	}
	*out = m;
	return 0;
fail:
	snprintf(err, errsz, "metrics: %s %s: %s", step, where, strerror(-r));
	metrics_http_close(m);
	return r;
}

int metrics_http_fd(const struct metrics_http *m) { return m->epfd; }

int metrics_http_port(const struct metrics_http *m) { return m->port; }

void metrics_http_service(struct metrics_http *m, uint64_t now_us)
{
	struct epoll_event ev[METRICS_EVENTS_MAX];
	int n;
	do
		n = epoll_wait(m->epfd, ev, METRICS_EVENTS_MAX, 0);
	while (n < 0 && errno == EINTR);
	for (int i = 0; i < n; i++) {
		uint64_t key = ev[i].data.u64;
		if (key == LISTEN_KEY) {
			accept_batch(m, now_us);
			continue;
		}
		uint32_t slot = (uint32_t)key;
		if (slot >= m->conn_max)
			continue;
		struct conn *c = &m->conns[slot];
		/* An event of a connection closed earlier in this batch. */
		if (c->state == CONN_FREE || c->gen != (uint32_t)(key >> 32))
			continue;
		conn_event(m, c);
	}
}

uint64_t metrics_http_next_deadline(const struct metrics_http *m)
{
	uint64_t next = m->accept_resume_us ? m->accept_resume_us : UINT64_MAX;
	for (unsigned i = 0; i < m->conn_max; i++)
		if (m->conns[i].state != CONN_FREE && m->conns[i].deadline_us < next)
			next = m->conns[i].deadline_us;
	return next;
}

void metrics_http_expire(struct metrics_http *m, uint64_t now_us)
{
	for (unsigned i = 0; i < m->conn_max; i++) {
		struct conn *c = &m->conns[i];
		if (c->state == CONN_FREE || c->deadline_us > now_us)
			continue;
		/* Lingering after a whole reply is not a timeout. Closing with
		 * input unread sends RST: by now the reply has had the whole
		 * deadline to reach the client. */
		if (c->state != CONN_LINGER)
			m->st.timed_out++;
		conn_close(m, c);
	}
	if (m->accept_resume_us && m->accept_resume_us <= now_us) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = LISTEN_KEY};
		if (epoll_ctl(m->epfd, EPOLL_CTL_MOD, m->lfd, &ev) == 0)
			m->accept_resume_us = 0;
		else
			m->accept_resume_us = now_us + METRICS_ACCEPT_PAUSE_US;
	}
}

void metrics_http_stats(const struct metrics_http *m, struct metrics_http_stats *st)
{
	*st = m->st;
}

int metrics_http_open_fds(const struct metrics_http *m) { return (int)m->st.open; }

int metrics_http_stats_page(const struct metrics_http_stats *st, struct promtext *page)
{
	static const struct {
		const char *name;
		enum promtext_type type;
		size_t off;
		const char *help;
	} fams[] = {
		{"oomsentry_http_accepted_total", PROMTEXT_COUNTER,
		 offsetof(struct metrics_http_stats, accepted),
		 "Connections to the metrics listener given a slot."},
		{"oomsentry_http_refused_total", PROMTEXT_COUNTER,
		 offsetof(struct metrics_http_stats, refused_full),
		 "Connections closed at once without a reply because every slot was busy."},
		{"oomsentry_http_evicted_total", PROMTEXT_COUNTER,
		 offsetof(struct metrics_http_stats, evicted),
		 "Connections closed to make room: no whole request within their first "
		 "250 ms while every slot was busy."},
		{"oomsentry_http_timed_out_total", PROMTEXT_COUNTER,
		 offsetof(struct metrics_http_stats, timed_out),
		 "Connections closed at their deadline before the reply was sent whole."},
		{"oomsentry_http_bad_requests_total", PROMTEXT_COUNTER,
		 offsetof(struct metrics_http_stats, bad_request),
		 "Requests refused by the request reader or cut short by the client."},
		{"oomsentry_http_replies_total", PROMTEXT_COUNTER,
		 offsetof(struct metrics_http_stats, served), "Replies sent whole, any status."},
		{"oomsentry_http_render_failures_total", PROMTEXT_COUNTER,
		 offsetof(struct metrics_http_stats, render_failed), "Scrapes answered 500."},
		{"oomsentry_http_accept_errors_total", PROMTEXT_COUNTER,
		 offsetof(struct metrics_http_stats, accept_errors),
		 "Accept failures for lack of fds or memory, and connections not watched."},
		{"oomsentry_http_connections", PROMTEXT_GAUGE,
		 offsetof(struct metrics_http_stats, open),
		 "Connections to the metrics listener open now."},
		{"oomsentry_http_connections_peak", PROMTEXT_GAUGE,
		 offsetof(struct metrics_http_stats, open_peak),
		 "The most connections to the metrics listener open at once."},
	};
	for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++) {
		uint64_t v;
		memcpy(&v, (const char *)st + fams[i].off, sizeof v);
		int r = promtext_family(page, fams[i].name, fams[i].type, fams[i].help);
		if (r == 0)
			r = promtext_sample_u64(page, fams[i].name, NULL, 0, v);
		if (r < 0)
			return r;
	}
	return 0;
}

void metrics_http_close(struct metrics_http *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->conn_max; i++)
		if (m->conns[i].state != CONN_FREE)
			conn_close(m, &m->conns[i]);
	if (m->lfd >= 0)
		close(m->lfd);
	if (m->epfd >= 0)
		close(m->epfd);
	promtext_free(&m->page);
	free(m->conns);
	free(m);
}
