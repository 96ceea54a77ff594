/* nettcp: the listening sockets of /proc/PID/net/tcp and tcp6. Pure.
 *
 *   sl  local_address rem_address   st ... uid  timeout inode
 *    0: 0100007F:1F90 00000000:0000 0A ... 1000        0 123456 ...
 * Addresses are hexadecimal in the kernel's byte order of 32-bit words
 * (little-endian hosts print 127.0.0.1 as 0100007F). */
#ifndef OOMSENTRY_NETTCP_H
#define OOMSENTRY_NETTCP_H

#include <stddef.h>
#include <stdint.h>

struct nettcp_listen {
	int family;               /* AF_INET or AF_INET6 */
	unsigned char addr[16];   /* network byte order; 4 bytes for AF_INET */
	uint16_t port;
	uint64_t inode;
};

/* One line (without newline) of the tcp (family AF_INET) or tcp6 file.
 * Returns 1 with *out set for a socket in state LISTEN (0A), 0 for another
 * state or the header line, -EINVAL for a malformed line: every column up
 * to the inode is checked, whatever the state, and a line must go on after
 * the inode (the kernel always prints more), so that a line cut short does
 * not pass for one with a shorter inode. */
int nettcp_parse_line(const char *line, size_t len, int family, struct nettcp_listen *out);

/* The target of a /proc/PID/fd link (len bytes, as readlink gives it):
 * returns 1 with *inode set for "socket:[N]", 0 for another kind of file
 * ("pipe:[N]", "/dev/null", ...), -EINVAL for a garbled "socket:[" link. */
int nettcp_parse_socket_link(const char *target, size_t len, uint64_t *inode);

#endif
