/* metrics_addr: the METRICS_ADDR setting, parsed into a socket address.
 * Pure: settings.c checks the value with it, metrics_http.c binds it. */
#ifndef OOMSENTRY_METRICS_ADDR_H
#define OOMSENTRY_METRICS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct metrics_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	/* ":PORT": every address. Bound as [::] with IPV6_V6ONLY off (so IPv4
	 * too), or as 0.0.0.0 where the kernel has no IPv6. */
	bool all;
	char text[64];   /* the value as given, for messages */
};

/* Parses METRICS_ADDR. Pure. Accepted:
 *   ":9100"             every address, IPv6 and IPv4
 *   "127.0.0.1:9100"    a numeric IPv4 address (0.0.0.0: every IPv4 one)
 *   "[::1]:9100"        a numeric IPv6 address in brackets ("[::]": every
 *                       address; IPv4 ones too, as V6ONLY is off)
 * The port is decimal, 1-65535 (0, the kernel's choice, only when
 * allow_port0: for tests). Host names are refused, as resolving one could
 * block; so are zone ids ("[fe80::1%eth0]"). Returns 0, or -EINVAL with err
 * naming the value and what is wrong with it. */
int metrics_addr_parse(const char *s, bool allow_port0, struct metrics_addr *a, char *err,
		       size_t errsz);

#endif
