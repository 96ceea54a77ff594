/* pprof_fetch: fetches a Go program's heap profile from its own
 * net/http/pprof endpoint, as `go tool pprof` would.
 *
 * Discovery: the process's listening TCP sockets (pprof_ports.c), tried
 * 6060 first (the port of net/http/pprof's documentation), then in
 * ascending order (pprof_plan.c); a port that does not answer with 200 and
 * a gzip body is skipped, never the end. Connections go to loopback (127.0.0.1 or ::1,
 * and 127.0.0.1 when ::1 is unreachable for a socket on ::) unless the
 * socket is bound to another address. An explicit target (http_target)
 * replaces discovery. Loopback is ours only in the process's network
 * namespace (a pod shares one): discovery refuses a process in another.
 *
 * The request is HTTP/1.0 with "Connection: close": the body ends at its
 * Content-Length (Go sends one for a body under 2 KiB) or with the
 * connection; a chunked reply is decoded all the same. "Accept-Encoding:
 * identity": the profile is gzip already, and a compressing middleware would
 * wrap it again. The reply must be 200 with a body starting with gzip's
 * magic (1f 8b); Content-Type is not required. Each port has timeout_ms for
 * connect and for each wait for bytes; the body is capped at max_bytes
 * (beyond, the port fails: a truncated profile is worthless), and so are
 * the raw bytes read (2 * max_bytes + HTTP_HEAD_MAX), against a server
 * sending framing without end. A server trickling bytes just inside
 * timeout_ms is bounded only by those caps: the caller's deadline for the
 * whole job ends it.
 *
 * I/O, blocking: it runs in a child process of the sidecar (jobs.c). */
#ifndef OOMSENTRY_PPROF_FETCH_H
#define OOMSENTRY_PPROF_FETCH_H

#include <stddef.h>
#include <sys/types.h>

#include "http_reply.h"
#include "nettcp.h"
#include "pprof_plan.h"
#include "pprof_ports.h"


/* target: NULL to discover the ports of <proc_root>/<pid>. On success the
 * profile (gzip bytes, as served) is in out_fd, from its current offset, and
 * *port the port that served it; out_fd is truncated back on a failed port,
 * so it must be a regular file. Returns the profile's size, or -errno with a
 * one-line reason in err naming what was tried ("no listening TCP port",
 * "ports 8080 (404), 6061 (timeout): none serves /debug/pprof/heap"):
 * -ENOENT no listening TCP port, -ENODATA no port served a profile,
 * -ESRCH no such process, -EXDEV the process is in another network
 * namespace (its loopback is not ours), -EINVAL bad arguments, another
 * -errno from listing its sockets (EACCES without ptrace access to it) or
 * from out_fd (ESPIPE: not a regular file; a write error ends the fetch). */
ssize_t pprof_fetch(const char *proc_root, pid_t pid, const struct http_target *target,
		    int out_fd, size_t max_bytes, int timeout_ms, int *port, char *err,
		    size_t errsz);

/* At most this many ports are tried, each up to timeout_ms per wait. */
#endif
