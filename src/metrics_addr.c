#include "metrics_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* Decimal 0-65535, digits only (no sign, no blank). */
static bool parse_port(const char *s, unsigned *port)
{
	unsigned v = 0;
	size_t n = 0;
	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 5)
			return false;
		v = v * 10 + (unsigned)(s[n] - '0');
	}
	if (n == 0 || v > 65535)
		return false;
	*port = v;
	return true;
}

int metrics_addr_parse(const char *s, bool allow_port0, struct metrics_addr *a, char *err,
		       size_t errsz)
{
	*a = (struct metrics_addr){0};
	size_t n = strlen(s);
	if (n == 0) {
		snprintf(err, errsz,
			 "metrics address is empty (want :PORT, HOST:PORT or [V6]:PORT)");
		return -EINVAL;
	}
	if (n >= sizeof a->text) {
		snprintf(err, errsz, "metrics address \"%.40s...\" is too long", s);
		return -EINVAL;
	}
	memcpy(a->text, s, n + 1);

	char host[sizeof a->text];
	const char *port_s;
	bool v6 = s[0] == '[';
	if (v6) {
		const char *end = strchr(s, ']');
		if (!end) {
			snprintf(err, errsz,
				 "metrics address \"%s\": no ']' after the IPv6 address", s);
			return -EINVAL;
		}
		if (end[1] != ':') {
			snprintf(err, errsz, "metrics address \"%s\": no :PORT after ']'", s);
			return -EINVAL;
		}
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		port_s = end + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon) {
			snprintf(err, errsz, "metrics address \"%s\": no :PORT", s);
			return -EINVAL;
		}
		if (colon != strchr(s, ':')) {
			snprintf(err, errsz,
				 "metrics address \"%s\": an IPv6 address goes in brackets"
				 " ([::1]:9100)",
				 s);
			return -EINVAL;
		}
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port_s = colon + 1;
	}

	unsigned port;
	if (!parse_port(port_s, &port) || (port == 0 && !allow_port0)) {
		snprintf(err, errsz,
			 "metrics address \"%s\": port \"%s\" is not a number from %d to 65535", s,
			 port_s, allow_port0 ? 0 : 1);
		return -EINVAL;
	}

	if (v6 || host[0] == '\0') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (!v6) {
			sin6->sin6_addr = in6addr_any;
			a->all = true;
		} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			snprintf(err, errsz,
				 "metrics address \"%s\": \"%s\" is not a numeric IPv6"
				 " address%s",
				 s, host, strchr(host, '%') ? " (zone ids are not supported)" : "");
			return -EINVAL;
		}
		a->len = sizeof *sin6;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		/* inet_pton takes dotted-quad decimal only: no "127.1", no
		 * octal, no name; a name would need a resolver, which blocks. */
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			snprintf(err, errsz,
				 "metrics address \"%s\": \"%s\" is not a numeric IPv4 address"
				 " (names are not resolved; IPv6 goes in brackets)",
				 s, host);
			return -EINVAL;
		}
		a->len = sizeof *sin;
	}
	return 0;
}

