/* pprof_ports: the listening TCP sockets of a process. They are the socket
 * inodes of /proc/PID/fd (readlink "socket:[N]") that appear in state
 * LISTEN in /proc/PID/net/tcp and tcp6 (its own network namespace).
 * Reading another user's fd links needs ptrace access (CAP_SYS_PTRACE);
 * the net files are readable by anyone. I/O; the lines are nettcp.c's. */
#ifndef OOMSENTRY_PPROF_PORTS_H
#define OOMSENTRY_PPROF_PORTS_H

#include <stddef.h>
#include <sys/types.h>

#include "nettcp.h"

#define PPROF_PORTS_MAX 32

/* The listening TCP sockets of <proc_root>/<pid>, one per port, in the order
 * pprof_fetch tries them. Returns how many (at most max), or -errno with err
 * set (-ESRCH: no such process); *more counts the ports left out beyond max.
 * Streams the net files with a fixed buffer: a host's table may hold many
 * thousands of lines. */
ssize_t pprof_listening(const char *proc_root, pid_t pid, struct nettcp_listen *out,
			size_t max, size_t *more, char *err, size_t errsz);

#endif
