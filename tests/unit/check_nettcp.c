/* nettcp.c: the lines of /proc/PID/net/tcp and tcp6 captured from a Go
 * program (tests/apps/goleak) in a network namespace of its own, with open
 * and closed connections beside its listening sockets; hand-made malformed
 * lines; the links of /proc/PID/fd. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nettcp.h"

#define NET_FIXTURES FIXTURES "/net"

static char *read_fixture(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", NET_FIXTURES, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "cannot open %s", path);
	char *buf = malloc(65536);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, 65535, f);
	ck_assert(feof(f));
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* Line number `want` (0 = header) of a fixture, without its newline. */
static void nth_line(const char *buf, int want, const char **line, size_t *len)
{
	const char *p = buf;
	for (int i = 0; i < want; i++) {
		p = strchr(p, '\n');
		ck_assert_ptr_nonnull(p);
		p++;
	}
	const char *nl = strchr(p, '\n');
	*line = p;
	*len = nl ? (size_t)(nl - p) : strlen(p);
}

struct expect {
	const char *file;
	int family;
	int line;
	int result;
	uint16_t port;
	uint64_t inode;
	unsigned char addr[16];
};

#define LO4 {127, 0, 0, 1}
#define LO6 {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
#define ANY {0}

static const struct expect expected[] = {
	/* goleak on its defaults: pprof on [::]:6060, the plain server on
	 * 127.0.0.1:6059; TIME_WAIT (06) and ESTABLISHED (01) lines beside. */
	{"goleak-dualstack/tcp", AF_INET, 0, 0, 0, 0, ANY},
	{"goleak-dualstack/tcp", AF_INET, 1, 1, 6059, 14902291, LO4},
	{"goleak-dualstack/tcp", AF_INET, 2, 0, 0, 0, ANY},
	{"goleak-dualstack/tcp", AF_INET, 3, 0, 0, 0, ANY},
	{"goleak-dualstack/tcp", AF_INET, 4, 0, 0, 0, ANY},
	{"goleak-dualstack/tcp", AF_INET, 5, 0, 0, 0, ANY},
	{"goleak-dualstack/tcp6", AF_INET6, 0, 0, 0, 0, ANY},
	{"goleak-dualstack/tcp6", AF_INET6, 1, 1, 6060, 14902287, ANY},
	{"goleak-dualstack/tcp6", AF_INET6, 2, 0, 0, 0, ANY},
	{"goleak-dualstack/tcp6", AF_INET6, 3, 0, 0, 0, ANY},
	{"goleak-dualstack/tcp6", AF_INET6, 4, 0, 0, 0, ANY},
	{"goleak-dualstack/tcp6", AF_INET6, 5, 0, 0, 0, ANY},
	/* -pprof-host ::1 -pprof-port 8081 -plain-port 8080 */
	{"goleak-v6loopback/tcp", AF_INET, 1, 1, 8080, 14902023, LO4},
	{"goleak-v6loopback/tcp", AF_INET, 3, 0, 0, 0, ANY},
	{"goleak-v6loopback/tcp6", AF_INET6, 1, 1, 8081, 14902019, LO6},
	{"goleak-v6loopback/tcp6", AF_INET6, 2, 0, 0, 0, ANY},
	{"goleak-v6loopback/tcp6", AF_INET6, 5, 0, 0, 0, ANY},
};

START_TEST(captured_lines)
{
	const struct expect *e = &expected[_i];
	size_t flen;
	char *buf = read_fixture(e->file, &flen);
	const char *line;
	size_t len;
	nth_line(buf, e->line, &line, &len);
	struct nettcp_listen l;
	memset(&l, 0xa5, sizeof l);
	int r = nettcp_parse_line(line, len, e->family, &l);
	ck_assert_msg(r == e->result, "%s line %d: %d", e->file, e->line, r);
	if (r == 1) {
		ck_assert_int_eq(l.family, e->family);
		ck_assert_uint_eq(l.port, e->port);
		ck_assert_uint_eq(l.inode, e->inode);
		ck_assert_mem_eq(l.addr, e->addr, e->family == AF_INET ? 4 : 16);
	}
	/* The other family's parser refuses the line (the header aside). */
	int other = e->family == AF_INET ? AF_INET6 : AF_INET;
	ck_assert_int_eq(nettcp_parse_line(line, len, other, &l), e->line ? -EINVAL : 0);
	free(buf);
}
END_TEST

/* Every line of every capture parses (none is malformed), and exactly the
 * expected ones are LISTEN. */
START_TEST(captured_files_whole)
{
	static const struct {
		const char *file;
		int family, listening;
	} files[] = {
		{"goleak-dualstack/tcp", AF_INET, 1},
		{"goleak-dualstack/tcp6", AF_INET6, 1},
		{"goleak-v6loopback/tcp", AF_INET, 1},
		{"goleak-v6loopback/tcp6", AF_INET6, 1},
	};
	for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
		size_t flen;
		char *buf = read_fixture(files[f].file, &flen);
		int listening = 0, lines = 0;
		for (char *p = buf; *p;) {
			char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			struct nettcp_listen l;
			int r = nettcp_parse_line(p, len, files[f].family, &l);
			ck_assert_msg(r == 0 || r == 1, "%s: \"%.*s\"", files[f].file, (int)len, p);
			listening += r;
			lines++;
			p += len + (nl != NULL);
		}
		ck_assert_int_eq(lines, 6);
		ck_assert_int_eq(listening, files[f].listening);
		free(buf);
	}
}
END_TEST

static const char listen4[] = "   0: 0100007F:17AB 00000000:0000 0A 00000000:00000000 00:00000000 "
			      "00000000     0        0 14902291 1 0000000010cc5631 100 0 0 10 0";

/* A line cut anywhere before the column after the inode is malformed, never
 * a LISTEN line with a shorter inode; cut after it, it is the whole line. */
START_TEST(truncated_everywhere)
{
	size_t full = strlen(listen4);
	const char *after = strstr(listen4, "14902291 ") + strlen("14902291 ");
	size_t need = (size_t)(after - listen4) + 1;
	for (size_t n = 0; n <= full; n++) {
		char *copy = malloc(n ? n : 1); /* exact size: ASan sees a read past it */
		memcpy(copy, listen4, n);
		struct nettcp_listen l;
		int r = nettcp_parse_line(copy, n, AF_INET, &l);
		if (n < need) {
			ck_assert_msg(r == -EINVAL, "cut at %zu: %d", n, r);
		} else {
			ck_assert_msg(r == 1, "cut at %zu: %d", n, r);
			ck_assert_uint_eq(l.inode, 14902291);
			ck_assert_uint_eq(l.port, 6059);
		}
		free(copy);
	}
}
END_TEST

START_TEST(states_and_case)
{
	static const struct {
		const char *line;
		int result;
	} cases[] = {
		/* SYN_RECV and TIME_WAIT lines carry inode 0 and fewer columns. */
		{"  12: 0100007F:1F90 0100007F:C264 03 00000000:00000000 01:00000064 00000000 "
		 "    0        0 0 2 0000000000000000", 0},
		{"   1: 0100007F:17AB 0100007F:BB6A 06 00000000:00000000 03:00001751 00000000 "
		 "    0        0 0 3 0000000081642694", 0},
		/* CLOSE (07) of a socket never listened on, a large sl, uid 1000. */
		{"12345: 00000000:0000 00000000:0000 07 00000000:00000000 00:00000000 00000000 "
		 " 1000        0 77 2 0000000000000000 100 0 0 10 0", 0},
		/* lower-case hex and a negative probe count are still the format */
		{"   0: 0100007f:17ab 00000000:0000 0a 00000000:00000000 00:00000000 00000000 "
		 "    0       -1 99 1 0", 1},
		{"sl local_address", 0},
		{"  sl", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct nettcp_listen l;
		int r = nettcp_parse_line(cases[i].line, strlen(cases[i].line), AF_INET, &l);
		ck_assert_msg(r == cases[i].result, "case %zu: %d", i, r);
	}
	struct nettcp_listen l;
	const char *lc = cases[3].line;
	ck_assert_int_eq(nettcp_parse_line(lc, strlen(lc), AF_INET, &l), 1);
	ck_assert_uint_eq(l.port, 6059);
	ck_assert_uint_eq(l.inode, 99);
	/* A wildcard v6 socket on a port above 32767 (the sign bit of %04X). */
	const char *v6 = "   0: 00000000000000000000000000000000:FFFF "
			 "00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 "
			 "00000000  1000        0 18446744073709551615 1 0000000000000000 100 0 "
			 "0 10 0";
	ck_assert_int_eq(nettcp_parse_line(v6, strlen(v6), AF_INET6, &l), 1);
	ck_assert_uint_eq(l.port, 65535);
	ck_assert_uint_eq(l.inode, UINT64_MAX);
	ck_assert_int_eq(l.family, AF_INET6);
	/* Not a family of this file. */
	ck_assert_int_eq(nettcp_parse_line(listen4, strlen(listen4), AF_UNIX, &l), -EINVAL);
}
END_TEST

/* A good line in parts, so that each bad one below differs in one place. */
#define SL " 0:"
#define LOCAL " 0100007F:17AB"
#define REMOTE " 00000000:0000"
#define STATE " 0A"
#define QUEUES " 00000000:00000000 00:00000000 00000000"
#define TAIL " 0 0 1 1" /* uid, probes, inode, refcount */

START_TEST(malformed)
{
	struct nettcp_listen l;
	static const char good[] = SL LOCAL REMOTE STATE QUEUES TAIL;
	ck_assert_int_eq(nettcp_parse_line(good, strlen(good), AF_INET, &l), 1);
	static const char *bad[] = {
		"",
		"    ",
		"garbage",
		" 0" LOCAL REMOTE STATE QUEUES TAIL,
		" x:" LOCAL REMOTE STATE QUEUES TAIL,
		" :" LOCAL REMOTE STATE QUEUES TAIL,
		" 99999999999999999999999:" LOCAL REMOTE STATE QUEUES TAIL,
		/* address of 7 and 9 digits, no colon, a port of 3 and 5 digits */
		SL " 100007F:17AB" REMOTE STATE QUEUES TAIL,
		SL " 00100007F:17AB" REMOTE STATE QUEUES TAIL,
		SL " 0100007F17AB" REMOTE STATE QUEUES TAIL,
		SL " 0100007F:7AB" REMOTE STATE QUEUES TAIL,
		SL " 0100007F:17AB0" REMOTE STATE QUEUES TAIL,
		SL " 0100007G:17AB" REMOTE STATE QUEUES TAIL,
		/* remote, state, queues, timer, retransmits */
		SL LOCAL " 00000000:000" STATE QUEUES TAIL,
		SL LOCAL REMOTE " A" QUEUES TAIL,
		SL LOCAL REMOTE " 0AA" QUEUES TAIL,
		SL LOCAL REMOTE " 0Z" QUEUES TAIL,
		SL LOCAL REMOTE STATE " 0000000000000000 00:00000000 00000000" TAIL,
		SL LOCAL REMOTE STATE " 00000000: 00:00000000 00000000" TAIL,
		SL LOCAL REMOTE STATE " 00000000:00000000 00:0000000X 00000000" TAIL,
		SL LOCAL REMOTE STATE " 00000000:00000000 00:00000000 0000000" TAIL,
		SL LOCAL REMOTE STATE QUEUES,
		/* uid, probes, inode: not numbers, or too large; nothing after */
		SL LOCAL REMOTE STATE QUEUES " x 0 1 1",
		SL LOCAL REMOTE STATE QUEUES " 4294967296 0 1 1",
		SL LOCAL REMOTE STATE QUEUES " 0 - 1 1",
		SL LOCAL REMOTE STATE QUEUES " 0 0 -1 1",
		SL LOCAL REMOTE STATE QUEUES " 0 0 1x 1",
		SL LOCAL REMOTE STATE QUEUES " 0 0 18446744073709551616 1",
		SL LOCAL REMOTE STATE QUEUES " 0 0 99999999999999999999999999 1",
		SL LOCAL REMOTE STATE QUEUES " 0 0 1",
		SL LOCAL REMOTE STATE QUEUES " 0 0 1 ",
		/* tabs are not the kernel's separator */
		SL "\t0100007F:17AB" REMOTE STATE QUEUES TAIL,
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_msg(nettcp_parse_line(bad[i], strlen(bad[i]), AF_INET, &l) == -EINVAL,
			      "case %zu: \"%s\"", i, bad[i]);
	}
}
END_TEST

/* The parser reads len bytes, not up to a NUL: what follows is not seen. */
START_TEST(length_bounds_line)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", listen4);
	size_t n = strlen(buf);
	memcpy(buf + n, " 0A trailing", 13);
	struct nettcp_listen l;
	ck_assert_int_eq(nettcp_parse_line(buf, n, AF_INET, &l), 1);
	/* a NUL inside the line is no separator */
	buf[5] = '\0';
	ck_assert_int_eq(nettcp_parse_line(buf, n, AF_INET, &l), -EINVAL);
}
END_TEST

START_TEST(socket_links)
{
	static const struct {
		const char *link;
		int result;
		uint64_t inode;
	} cases[] = {
		{"socket:[14902287]", 1, 14902287},
		{"socket:[0]", 1, 0},
		{"socket:[18446744073709551615]", 1, UINT64_MAX},
		{"pipe:[14901907]", 0, 0},
		{"anon_inode:[eventpoll]", 0, 0},
		{"/dev/null", 0, 0},
		{"/tmp/socket:[1]", 0, 0},
		{"", 0, 0},
		{"socket:", 0, 0},
		{"socket:[", -EINVAL, 0},
		{"socket:[]", -EINVAL, 0},
		{"socket:[12", -EINVAL, 0},
		{"socket:[12]x", -EINVAL, 0},
		{"socket:[1 2]", -EINVAL, 0},
		{"socket:[-1]", -EINVAL, 0},
		{"socket:[18446744073709551616]", -EINVAL, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		uint64_t inode = 12345;
		size_t n = strlen(cases[i].link);
		char *copy = malloc(n ? n : 1); /* as readlink gives it: no NUL */
		memcpy(copy, cases[i].link, n);
		int r = nettcp_parse_socket_link(copy, n, &inode);
		ck_assert_msg(r == cases[i].result, "\"%s\": %d", cases[i].link, r);
		if (r == 1)
			ck_assert_uint_eq(inode, cases[i].inode);
		free(copy);
	}
}
END_TEST

/* The captured fd links name the listening sockets of the captured tables. */
START_TEST(captured_fd_links)
{
	static const struct {
		const char *file;
		uint64_t listening[2];
	} files[] = {{"goleak-dualstack/fd", {14902291, 14902287}},
		     {"goleak-v6loopback/fd", {14902023, 14902019}}};
	for (size_t f = 0; f < 2; f++) {
		size_t flen;
		char *buf = read_fixture(files[f].file, &flen);
		int sockets = 0, found = 0;
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
			char *link = strchr(line, ' ');
			ck_assert_ptr_nonnull(link);
			link++;
			uint64_t inode;
			int r = nettcp_parse_socket_link(link, strlen(link), &inode);
			ck_assert_int_ge(r, 0);
			sockets += r;
			if (r == 1)
				found += inode == files[f].listening[0] ||
					 inode == files[f].listening[1];
		}
		ck_assert_int_eq(sockets, 4); /* two listening, two accepted */
		ck_assert_int_eq(found, 2);
		free(buf);
	}
}
END_TEST

static Suite *nettcp_suite(void)
{
	Suite *s = suite_create("nettcp");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, captured_lines, 0, sizeof expected / sizeof *expected);
	tcase_add_test(tc, captured_files_whole);
	tcase_add_test(tc, truncated_everywhere);
	tcase_add_test(tc, states_and_case);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, length_bounds_line);
	tcase_add_test(tc, socket_links);
	tcase_add_test(tc, captured_fd_links);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(nettcp_suite()); }
