/* pprof_plan: which of a Go program's listening ports to ask for its heap
 * profile, in which order, at which address. Pure; pprof_ports.c finds the
 * ports, pprof_fetch.c asks them. */
#ifndef OOMSENTRY_PPROF_PLAN_H
#define OOMSENTRY_PPROF_PLAN_H

#include <stddef.h>

#include "http_reply.h"
#include "nettcp.h"

#define PPROF_HEAP_PATH HTTP_TARGET_PATH_DEFAULT
/* The port of net/http/pprof's documentation: tried first. */
#define PPROF_PORT_FIRST 6060

/* Keeps one socket per port (an IPv4 one over an IPv6 one: 127.0.0.1
 * needs no IPv6 on loopback) and orders them 6060 first, then ascending.
 * Returns the new count. */
size_t pprof_order_ports(struct nettcp_listen *l, size_t n);

/* Where to connect for a listening socket, path PPROF_HEAP_PATH:
 * 0.0.0.0 -> 127.0.0.1, :: -> ::1, ::ffff:a.b.c.d -> a.b.c.d (0.0.0.0 ->
 * 127.0.0.1), another address -> itself. */
void pprof_target_of(const struct nettcp_listen *l, struct http_target *t);

#endif
