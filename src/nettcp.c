#include "nettcp.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

/* The kernel writes each line with (net/ipv4/tcp_ipv4.c, get_tcp4_sock)
 *   "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu ..."
 * sl, local, remote, state, tx:rx queue, timer, retransmits, uid, probes,
 * inode; tcp6 prints each address as four %08X words. TIME_WAIT and
 * SYN_RECV lines follow the same columns up to the inode (0 for them). The
 * tcp file pads every line with blanks to 149 characters; tcp6 does not. */

#define NETTCP_LISTEN 0x0A

struct cursor {
	const char *p, *end;
};

static void skip_blanks(struct cursor *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

/* The next blank-separated token: [*tok, *tok + *len). False at the end. */
static bool next_token(struct cursor *c, const char **tok, size_t *len)
{
	skip_blanks(c);
	const char *s = c->p;
	while (c->p < c->end && *c->p != ' ')
		c->p++;
	*tok = s;
	*len = (size_t)(c->p - s);
	return *len > 0;
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Exactly n hex digits (n <= 8) into *out. */
static bool parse_hex(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hex_value(s[i]);
		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return true;
}

/* At least one decimal digit, the whole token, without overflow. */
static bool parse_dec(const char *s, size_t n, uint64_t *out)
{
	if (n == 0)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* "ADDR:PORT" with ADDR 8 (AF_INET) or 32 (AF_INET6) hex digits. The kernel
 * prints each 32-bit word of the address as a host integer, so storing the
 * parsed word back in host order gives the address's bytes in network order. */
static bool parse_endpoint(const char *s, size_t n, int family, unsigned char addr[16],
			   uint16_t *port)
{
	size_t words = family == AF_INET ? 1 : 4;
	if (n != words * 8 + 5 || s[words * 8] != ':')
		return false;
	for (size_t w = 0; w < words; w++) {
		uint32_t v;
		if (!parse_hex(s + w * 8, 8, &v))
			return false;
		memcpy(addr + w * 4, &v, 4);
	}
	uint32_t p;
	if (!parse_hex(s + words * 8 + 1, 4, &p))
		return false;
	*port = (uint16_t)p;
	return true;
}

/* "A:B" with both sides non-empty hex: the queue and timer columns. */
static bool parse_hex_pair(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	if (!colon || colon == s || colon == s + n - 1)
		return false;
	for (const char *q = s; q < s + n; q++)
		if (q != colon && hex_value(*q) < 0)
			return false;
	return true;
}

int nettcp_parse_line(const char *line, size_t len, int family, struct nettcp_listen *out)
{
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	struct cursor c = {line, line + len};
	const char *tok;
	size_t n;
	if (!next_token(&c, &tok, &n))
		return -EINVAL;
	if (n == 2 && memcmp(tok, "sl", 2) == 0)
		return 0; /* the header */
	uint64_t v;
	if (n < 2 || tok[n - 1] != ':' || !parse_dec(tok, n - 1, &v))
		return -EINVAL;

	struct nettcp_listen l = {.family = family};
	unsigned char remote[16];
	uint16_t rport;
	uint32_t state, retransmits;
	if (!next_token(&c, &tok, &n) || !parse_endpoint(tok, n, family, l.addr, &l.port) ||
	    !next_token(&c, &tok, &n) || !parse_endpoint(tok, n, family, remote, &rport) ||
	    !next_token(&c, &tok, &n) || n != 2 || !parse_hex(tok, 2, &state) ||
	    !next_token(&c, &tok, &n) || !parse_hex_pair(tok, n) ||     /* tx:rx queue */
	    !next_token(&c, &tok, &n) || !parse_hex_pair(tok, n) ||     /* timer:expires */
	    !next_token(&c, &tok, &n) || n != 8 || !parse_hex(tok, 8, &retransmits) ||
	    !next_token(&c, &tok, &n) || !parse_dec(tok, n, &v) || v > UINT32_MAX || /* uid */
	    !next_token(&c, &tok, &n))                                  /* probes, %d */
		return -EINVAL;
	if (*tok == '-') {
		tok++;
		n--;
	}
	if (!parse_dec(tok, n, &v) || !next_token(&c, &tok, &n) || !parse_dec(tok, n, &l.inode))
		return -EINVAL;
	/* The columns after the inode differ between states and are not read,
	 * but there is always one: without it the inode may be cut short. */
	if (!next_token(&c, &tok, &n))
		return -EINVAL;
	if (state != NETTCP_LISTEN)
		return 0;
	*out = l;
	return 1;
}

int nettcp_parse_socket_link(const char *target, size_t len, uint64_t *inode)
{
	static const char prefix[] = "socket:[";
	size_t pn = sizeof prefix - 1;
	if (len < pn || memcmp(target, prefix, pn) != 0)
		return 0;
	if (len < pn + 2 || target[len - 1] != ']' ||
	    !parse_dec(target + pn, len - pn - 1, inode))
		return -EINVAL;
	return 1;
}
