/* metrics_http: the metrics listener. Serves GET and HEAD of /metrics (a
 * Prometheus page rendered per scrape) and /healthz (for kubelet probes)
 * over TCP, one request per connection, without ever making the watch loop
 * wait: the loop reads containers' memory every 1-100 ms and a scraper, a
 * prober or anyone else who can reach the port must not delay it.
 *
 * How it joins the loop: the server owns a private epoll set holding its
 * listening socket and its connections. The loop adds that ONE fd
 * (metrics_http_fd, pollable like any epoll fd) to its own set with EPOLLIN,
 * calls metrics_http_service when it is readable and metrics_http_expire
 * when metrics_http_next_deadline is due. So the loop needs no tag per
 * connection, and the work of one service call is bounded (16 events, 32
 * accepts, 64 KiB read per connection; measured: under 1 ms of CPU with 200
 * connections arriving at once): what is left keeps the private set
 * readable and is done on the loop's next turn, after the loop's own fds
 * had theirs.
 *
 * What it promises:
 * - Nothing blocks: every socket is non-blocking, addresses are numeric
 *   (no resolver), sends use MSG_DONTWAIT | MSG_NOSIGNAL.
 * - At most conn_max connections are served at once. When every slot is
 *   busy a new connection is accepted and closed at once, without a reply:
 *   the backlog never fills and a flood costs one accept and one close per
 *   connection. Nothing is logged per connection (a flood must not flood
 *   the log); the counters of metrics_http_stats tell instead, and
 *   metrics_http_stats_page puts them on the page.
 * - Each connection has deadline_ms from its accept for the request and the
 *   reply; at the deadline it is closed, whatever it was doing (a client
 *   sending a byte per second is cut there).
 * - The request head is read by http_req (http_req.h): 4 KiB at most, the
 *   request line 2 KiB (a longer one is refused with 414 at its byte 2049);
 *   a refused request gets http_req's status (400, 405, 414, 431, 505).
 * - After a reply is queued whole the server shuts down its sending side
 *   and reads (and drops) what the client still sends until the client
 *   closes or the deadline, before it closes: a close with unread input
 *   makes the kernel send RST and discard what is not yet sent, which would
 *   wipe the reply (a 414 to a client still sending its 1 MiB line).
 * - Memory: the page (promtext, kept allocated between scrapes, at most
 *   page_max bytes) is rendered per request and sent at once; the part the
 *   kernel does not take in that first send is copied for the connection
 *   (freed when it closes). So beyond the page, at most conn_max * page_max
 *   bytes (32 MiB with the defaults, reached only by conn_max clients that
 *   stop reading a 4 MiB page); none when the socket buffer takes the page.
 * - Failures are counted, never fatal: an accept that fails for lack of
 *   fds or memory pauses accepting for 100 ms instead of spinning.
 *
 * Clock: time is an argument, now_us from CLOCK_MONOTONIC in microseconds
 * (loop_now_us). The only clock read inside is time(NULL) for the replies'
 * Date header. */
#ifndef OOMSENTRY_METRICS_HTTP_H
#define OOMSENTRY_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "promtext.h"

#define METRICS_CONN_MAX 8        /* connections served at once, by default */
#define METRICS_DEADLINE_MS 2000
/* With every slot busy, a connection that has not sent a whole request this
 * long after it was accepted gives its slot to a new one. Prometheus and
 * kubelet send their request as soon as they connect; without eviction, a
 * client holding the slots with idle connections would keep scrapes and
 * the liveness probe out until its connections' deadlines, again and again. */
#define METRICS_EVICT_AFTER_MS 250  /* per connection, from accept, by default */
#define METRICS_WHY_MAX 200       /* the reason of an unhealthy /healthz, bytes */

#include "metrics_addr.h"

/* ---------------------------------------------------------------- server */

struct metrics_http;

/* Renders the page for one scrape into page (emptied before the call).
 * Returns 0, or -errno; a failure, or a page marked failed (its bound hit),
 * is answered with 500: a truncated page must never be sent. */
typedef int metrics_render_fn(struct promtext *page, void *ctx);

/* For /healthz: true is answered 200 "ok\n"; false 503 with why (a
 * NUL-terminated line of at most whysz - 1 bytes; "unhealthy" when left
 * empty) as the body. */
typedef bool metrics_healthy_fn(void *ctx, char *why, size_t whysz);

struct metrics_http_opts {
	struct metrics_addr addr;      /* metrics_addr_parse */
	unsigned conn_max;             /* 0: METRICS_CONN_MAX */
	uint32_t deadline_ms;          /* 0: METRICS_DEADLINE_MS */
	size_t page_max;               /* bytes; 0: PROMTEXT_MAX_DEFAULT */
	metrics_render_fn *render;     /* required */
	metrics_healthy_fn *healthy;   /* NULL: always healthy */
	void *ctx;                     /* passed to both */
};

/* What the server did since it opened. Connections: every accepted one is
 * either accepted (given a slot) or refused_full. */
struct metrics_http_stats {
	uint64_t accepted;       /* given a slot */
	uint64_t refused_full;   /* closed at once, without a reply: every slot busy */
	uint64_t evicted;        /* closed to make room: no whole request after
				  * METRICS_EVICT_AFTER_MS (an idle or trickling client) */
	uint64_t timed_out;      /* closed at the deadline before the reply was sent whole */
	uint64_t bad_request;    /* refused by http_req, or closed by the client mid-head */
	uint64_t served;         /* replies sent whole, whatever their status */
	uint64_t render_failed;  /* scrapes answered 500 */
	uint64_t accept_errors;  /* accept pauses (EMFILE, ENFILE, ENOBUFS, ENOMEM) and
				  * connections that could not join the epoll set */
	uint64_t open;           /* connections open now */
	uint64_t open_peak;      /* the most open at once */
};

/* Binds and listens on o->addr (SO_REUSEADDR, non-blocking, close-on-exec)
 * and creates the private epoll set; allocates the connection slots. The
 * page itself is allocated by the first scrape. Returns 0 with *out set, or
 * -errno with err saying which step failed for which address ("metrics:
 * bind 127.0.0.1:9100: Address already in use"). */
int metrics_http_open(struct metrics_http **out, const struct metrics_http_opts *o, char *err,
		      size_t errsz);

/* The private epoll fd: add it to the loop's set with EPOLLIN. */
int metrics_http_fd(const struct metrics_http *m);

/* The port bound (the kernel's choice for port 0). */
int metrics_http_port(const struct metrics_http *m);

/* Does what is ready (accepts, reads, replies, drains), a bounded amount:
 * call it again when the fd is still readable. */
void metrics_http_service(struct metrics_http *m, uint64_t now_us);

/* When metrics_http_expire is next due (CLOCK_MONOTONIC us), or UINT64_MAX
 * when nothing is pending. */
uint64_t metrics_http_next_deadline(const struct metrics_http *m);

/* Closes the connections whose deadline is at or before now_us, and resumes
 * accepting after a pause. */
void metrics_http_expire(struct metrics_http *m, uint64_t now_us);

void metrics_http_stats(const struct metrics_http *m, struct metrics_http_stats *st);

/* Connections open now (for tests: the fds the server holds beyond its
 * listening socket and epoll fd). */
int metrics_http_open_fds(const struct metrics_http *m);

/* Writes the counters as oomsentry_http_* families (counters, and the
 * gauges oomsentry_http_connections and oomsentry_http_connections_peak),
 * for a render function to include. Pure. Returns 0, or promtext's error. */
int metrics_http_stats_page(const struct metrics_http_stats *st, struct promtext *page);

/* Closes every connection, the listening socket and the epoll fd, and frees
 * everything. NULL is a no-op. */
void metrics_http_close(struct metrics_http *m);

#endif
