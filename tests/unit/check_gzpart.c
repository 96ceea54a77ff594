/* gzpart.c: files of many sizes, compressible and not, read in parts of many
 * sizes; the concatenated parts must inflate (zlib, and gzip -dc) to the
 * file again. Gzip input, by name or magic, must come out unchanged, from a
 * file and from a pipe. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "gzpart.h"

/* A temporary file holding n bytes: text-like (compressible) or random. */
static int temp_file(const unsigned char *data, size_t n, char *path, size_t size)
{
	snprintf(path, size, "/tmp/check_gzpart.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static unsigned char *sample(size_t n, bool random)
{
	unsigned char *b = malloc(n ? n : 1);
	unsigned s = (unsigned)n * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		b[i] = random ? (unsigned char)(s >> 16) : (unsigned char)("heap dump "[i % 10] + (s >> 30));
	}
	return b;
}

/* All of g's output, read in parts of part bytes. */
static unsigned char *drain(struct gzpart *g, size_t part, size_t *total)
{
	size_t cap = 1 << 16, len = 0;
	unsigned char *out = malloc(cap), *buf = malloc(part);
	char err[256];
	for (;;) {
		ssize_t n = gzpart_fill(g, buf, part, err, sizeof err);
		ck_assert_msg(n >= 0, "%s", err);
		if (n == 0) {
			ck_assert(gzpart_done(g));
			break;
		}
		ck_assert_msg((size_t)n == part || gzpart_done(g), "short part before the end");
		while (len + (size_t)n > cap)
			out = realloc(out, cap *= 2);
		memcpy(out + len, buf, (size_t)n);
		len += (size_t)n;
	}
	free(buf);
	*total = len;
	return out;
}

static unsigned char *inflate_all(const unsigned char *in, size_t n, size_t *out_len)
{
	z_stream z = {0};
	ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
	size_t cap = n * 4 + 1024, len = 0;
	unsigned char *out = malloc(cap);
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	int r;
	do {
		if (len == cap)
			out = realloc(out, cap *= 2);
		z.next_out = out + len;
		z.avail_out = (uInt)(cap - len);
		r = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
		ck_assert_msg(r == Z_OK || r == Z_STREAM_END || r == Z_BUF_ERROR, "inflate %d", r);
	} while (r != Z_STREAM_END && z.avail_in + (cap - len) > 0 && !(r == Z_BUF_ERROR && len < cap));
	ck_assert_int_eq(r, Z_STREAM_END);
	ck_assert_uint_eq(z.avail_in, 0); /* one member, nothing after it */
	inflateEnd(&z);
	*out_len = len;
	return out;
}

/* gzip -dc of a file holding gz: its output compared with want. */
static void gunzip_equals(const unsigned char *gz, size_t n, const unsigned char *want,
			  size_t want_len)
{
	char in[64], out[64];
	int fd = temp_file(gz, n, in, sizeof in);
	close(fd);
	snprintf(out, sizeof out, "/tmp/check_gzpart_out.XXXXXX");
	int ofd = mkstemp(out);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(ofd, 1);
		execlp("gzip", "gzip", "-dc", in, (char *)NULL);
		_exit(127);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "gzip -dc failed");
	off_t len = lseek(ofd, 0, SEEK_END);
	ck_assert_int_eq(len, (off_t)want_len);
	unsigned char *got = malloc(want_len ? want_len : 1);
	ck_assert_int_eq(pread(ofd, got, want_len, 0), (ssize_t)want_len);
	ck_assert(memcmp(got, want, want_len) == 0);
	free(got);
	close(ofd);
	unlink(in);
	unlink(out);
}

static const size_t sizes[] = {0, 1, 2, 3, 1000, GZPART_CHUNK - 1, GZPART_CHUNK,
			       GZPART_CHUNK + 1, 3 * GZPART_CHUNK + 17, 3 << 20};
static const size_t parts[] = {1, 7, 4096, 65536, 5 << 20};

START_TEST(round_trip)
{
	size_t n = sizes[_i % 10];
	bool random = _i >= 10;
	unsigned char *data = sample(n, random);
	char path[64];
	int fd = temp_file(data, n, path, sizeof path);
	for (size_t p = 0; p < sizeof parts / sizeof *parts; p++) {
		if (parts[p] < 4096 && n > 70000)
			continue; /* byte-sized parts of megabytes: slow, and nothing new */
		ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
		struct gzpart g;
		char err[256];
		ck_assert_int_eq(gzpart_open(&g, fd, "heap.hprof", true, 1, err, sizeof err), 0);
		ck_assert(g.deflating || (n >= 2 && data[0] == 0x1f && data[1] == 0x8b));
		size_t gz_len, back_len;
		unsigned char *gz = drain(&g, parts[p], &gz_len);
		ck_assert_uint_eq(g.bytes_in, n);
		ck_assert_uint_eq(g.bytes_out, gz_len);
		ck_assert_uint_le(gz_len, gzpart_bound(n));
		ck_assert_mem_eq(gz, "\x1f\x8b", 2);
		unsigned char *back = inflate_all(gz, gz_len, &back_len);
		ck_assert_uint_eq(back_len, n);
		ck_assert(memcmp(back, data, n) == 0);
		if (p == 2)
			gunzip_equals(gz, gz_len, data, n);
		free(back);
		free(gz);
		gzpart_close(&g);
	}
	close(fd);
	unlink(path);
	free(data);
}
END_TEST

/* A .gz file, or gzip bytes under any name, or compress false: unchanged. */
START_TEST(pass_through)
{
	size_t n = 200000, gz_len;
	unsigned char *data = sample(n, false);
	char path[64], err[256];
	int fd = temp_file(data, n, path, sizeof path);
	struct gzpart g;
	ck_assert_int_eq(gzpart_open(&g, fd, "x", true, -1, err, sizeof err), 0);
	unsigned char *gz = drain(&g, 5000, &gz_len);
	gzpart_close(&g);
	close(fd);
	unlink(path);

	const char *names[] = {"heap.pb.gz", "x.GZ", "a.tgz", "plain.hprof", NULL};
	for (int i = 0; i < 5; i++) {
		fd = temp_file(gz, gz_len, path, sizeof path);
		bool is_gzip = false;
		ck_assert_int_eq(gzpart_sniff(fd, names[i], &is_gzip), 0);
		ck_assert(is_gzip);
		ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
		ck_assert_int_eq(gzpart_open(&g, fd, names[i], true, -1, err, sizeof err), 0);
		ck_assert(!g.deflating);
		size_t out_len;
		unsigned char *out = drain(&g, i == 4 ? 1 : 4096, &out_len);
		ck_assert_uint_eq(out_len, gz_len);
		ck_assert(memcmp(out, gz, gz_len) == 0);
		free(out);
		gzpart_close(&g);
		close(fd);
		unlink(path);
	}
	/* Plain bytes with a .gz name pass as they are: the name decides. */
	fd = temp_file(data, n, path, sizeof path);
	bool is_gzip;
	ck_assert_int_eq(gzpart_sniff(fd, "plain", &is_gzip), 0);
	ck_assert(!is_gzip);
	ck_assert_int_eq(gzpart_open(&g, fd, "x.gz", true, -1, err, sizeof err), 0);
	size_t out_len;
	unsigned char *out = drain(&g, 65536, &out_len);
	ck_assert_uint_eq(out_len, n);
	ck_assert(memcmp(out, data, n) == 0);
	free(out);
	gzpart_close(&g);
	/* compress false: unchanged, whatever it is. */
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(gzpart_open(&g, fd, NULL, false, -1, err, sizeof err), 0);
	out = drain(&g, 3, &out_len);
	ck_assert_uint_eq(out_len, n);
	ck_assert(memcmp(out, data, n) == 0);
	free(out);
	gzpart_close(&g);
	close(fd);
	unlink(path);
	free(gz);
	free(data);
}
END_TEST

/* From a pipe: the magic is sniffed from the stream, its bytes kept. */
START_TEST(from_pipe)
{
	static const unsigned char gz_head[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 'z'};
	for (int k = 0; k < 3; k++) {
		int p[2];
		ck_assert_int_eq(pipe(p), 0);
		const unsigned char *in = k == 0 ? gz_head : (const unsigned char *)"hello, pipe";
		size_t n = k == 2 ? 1 : 11;
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			/* one byte at a time: the sniff must wait for the second */
			for (size_t i = 0; i < n; i++) {
				if (write(p[1], in + i, 1) != 1)
					_exit(1);
				usleep(1000);
			}
			_exit(0);
		}
		close(p[1]);
		struct gzpart g;
		char err[256];
		ck_assert_int_eq(gzpart_open(&g, p[0], NULL, true, -1, err, sizeof err), 0);
		ck_assert(g.deflating == (k != 0));
		size_t out_len;
		unsigned char *out = drain(&g, 5, &out_len);
		if (k == 0) {
			ck_assert_uint_eq(out_len, n);
			ck_assert(memcmp(out, in, n) == 0);
		} else {
			size_t back_len;
			unsigned char *back = inflate_all(out, out_len, &back_len);
			ck_assert_uint_eq(back_len, n);
			ck_assert(memcmp(back, in, n) == 0);
			free(back);
		}
		free(out);
		gzpart_close(&g);
		close(p[0]);
		waitpid(pid, NULL, 0);
	}
}
END_TEST

START_TEST(errors)
{
	struct gzpart g;
	char err[256] = "";
	unsigned char b[8];
	int fd = open("/", O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(gzpart_open(&g, fd, NULL, true, -1, err, sizeof err), -EISDIR);
	ck_assert_str_eq(err, "read: Is a directory");
	ck_assert_int_eq(gzpart_open(&g, fd, NULL, false, -1, err, sizeof err), 0);
	ck_assert_int_eq(gzpart_fill(&g, b, sizeof b, err, sizeof err), -EISDIR);
	ck_assert_int_eq(gzpart_fill(&g, b, 0, err, sizeof err), -EINVAL);
	gzpart_close(&g);
	close(fd);
	ck_assert(gzpart_name_is_gzip("a.pb.gz"));
	ck_assert(!gzpart_name_is_gzip("a.gzip"));
	ck_assert(!gzpart_name_is_gzip(NULL));
	ck_assert_uint_ge(gzpart_bound(0), 20);
}
END_TEST

static Suite *gzpart_suite(void)
{
	Suite *s = suite_create("gzpart");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, round_trip, 0, 20);
	tcase_add_test(tc, pass_through);
	tcase_add_test(tc, from_pipe);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(gzpart_suite()); }
