/* Fuzzes the HotSpot attach protocol (attach_proto.c): the status line at
 * the head of whatever a peer on the JVM's socket sends, the request built
 * from commands and arguments, the NSpid/Gid lines of a status file, and
 * the first row of a class histogram.
 *
 * The reply parser is fed the way jvm_attach.c feeds it, a growing prefix at
 * a time, so its answers must agree across prefixes: once a prefix is
 * refused or complete, every longer one says the same. */
#include <errno.h>
#include <limits.h>

#include "attach_proto.h"
#include "fuzz.h"

static void check_reply(const uint8_t *data, size_t size)
{
	/* An exact-size copy: a read past the end is ASan's to report. */
	char *buf = fuzz_outbuf(size);
	if (size)
		memcpy(buf, data, size);
	int st = 0;
	ssize_t r = attach_reply_status(buf, size, &st);
	FUZZ_CHECK(r == 0 || r == -EPROTO || (r > 0 && (size_t)r <= size), "result %zd", r);
	FUZZ_CHECK(r != 0 || size < ATTACH_STATUS_LINE_MAX, "waits after %zu bytes", size);
	if (r > 0) {
		FUZZ_CHECK(r <= 12 && buf[r - 1] == '\n', "line of %zd bytes", r);
		/* The value is what the digits say, in int. */
		char line[16];
		memcpy(line, buf, (size_t)r);
		line[r - 1] = '\0';
		char *end;
		errno = 0;
		long long v = strtoll(line, &end, 10);
		FUZZ_CHECK(!errno && *end == '\0' && v == st && v >= INT_MIN && v <= INT_MAX,
			   "\"%s\" read as %d", line, st);
		FUZZ_CHECK(line[0] == '-' || (line[0] >= '0' && line[0] <= '9'), "starts with %#x",
			   (unsigned char)line[0]);
	}
	/* Every prefix: 0 until the answer, then the same answer. */
	bool decided = false;
	for (size_t cut = 0; cut <= size && cut <= ATTACH_STATUS_LINE_MAX + 1; cut++) {
		int st2 = 0;
		ssize_t r2 = attach_reply_status(buf, cut, &st2);
		if (decided) {
			FUZZ_CHECK(r2 == r, "prefix %zu: %zd, whole: %zd", cut, r2, r);
			if (r > 0)
				FUZZ_CHECK(st2 == st, "prefix %zu: status %d, whole %d", cut, st2,
					   st);
		} else if (r2 != 0) {
			FUZZ_CHECK(r2 == r, "prefix %zu decides %zd, whole: %zd", cut, r2, r);
			decided = true;
		}
	}
	free(buf);
}

static void check_request(const uint8_t *data, size_t size)
{
	/* cmd and three args, NUL-separated; a missing one is NULL. */
	char *s[4] = {NULL, NULL, NULL, NULL};
	int n = fuzz_split(data, size, '\0', s, 4);
	const char *args[ATTACH_ARGS] = {s[1], s[2], s[3]};
	char *buf = fuzz_outbuf(ATTACH_REQUEST_MAX);
	ssize_t r = attach_request(buf, ATTACH_REQUEST_MAX, s[0], args);
	bool fits = s[0] && s[0][0] && strlen(s[0]) <= ATTACH_NAME_MAX;
	for (int i = 1; i < 4; i++)
		fits = fits && (!s[i] || strlen(s[i]) <= ATTACH_ARG_MAX);
	FUZZ_CHECK(fits ? r > 0 : r == -EINVAL, "result %zd", r);
	if (r > 0) {
		/* Read back as HotSpot does: five strings, in order. */
		const char *p = buf;
		FUZZ_CHECK(!strcmp(p, "1"), "version \"%s\"", p);
		p += strlen(p) + 1;
		FUZZ_CHECK(!strcmp(p, s[0]), "cmd");
		p += strlen(p) + 1;
		for (int i = 1; i < 4; i++) {
			FUZZ_CHECK(!strcmp(p, s[i] ? s[i] : ""), "arg %d", i);
			p += strlen(p) + 1;
		}
		FUZZ_CHECK(p - buf == r, "length %zd, strings %td", r, p - buf);
		/* A buffer one byte short is refused, not overrun. */
		char *tight = fuzz_outbuf((size_t)r - 1);
		FUZZ_CHECK(attach_request(tight, (size_t)r - 1, s[0], args) == -ENOBUFS, "short");
		free(tight);
	}
	free(buf);
	fuzz_free_strings(s, n);
}

static void check_status(const uint8_t *data, size_t size)
{
	char *buf = fuzz_cstr(data, size);
	struct attach_ids ids;
	int r = attach_parse_status(buf, &ids);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "result %d", r);
	if (r == 0) {
		FUZZ_CHECK(strstr(buf, "Gid:") != NULL, "accepted without a Gid line");
		FUZZ_CHECK(ids.nspid >= 0, "nspid %d", (int)ids.nspid);
		FUZZ_CHECK(ids.nspid == 0 || strstr(buf, "NSpid:") != NULL, "nspid from nowhere");
	}
	free(buf);
}

/* The histogram's first row: a class name copied whole or not at all. */
static void check_histogram(const uint8_t *data, size_t size)
{
	char *buf = fuzz_outbuf(size);
	if (size)
		memcpy(buf, data, size);
	char cls[32];
	memset(cls, 0xa5, sizeof cls);
	size_t n = attach_histogram_top(buf, size, cls, sizeof cls);
	FUZZ_CHECK(n < sizeof cls, "class name of %zu bytes", n);
	if (n) {
		FUZZ_CHECK(cls[n] == '\0' && strlen(cls) == n, "class name not terminated");
		FUZZ_CHECK(memmem(buf, size, cls, n) != NULL, "class name not in the input");
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK((unsigned char)cls[i] > ' ' && cls[i] != 0x7f,
				   "byte %#x in the class name", (unsigned char)cls[i]);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_histogram(data, size);
	check_reply(data, size);
	check_request(data, size);
	check_status(data, size);
	return 0;
}
