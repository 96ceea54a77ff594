/* s3put: uploads one file with s3_upload, by hand or from a test script.
 *
 *   s3put ENDPOINT REGION BUCKET KEY FILE [--no-compress] [--part-size SIZE]
 *         [--virtual-hosted] [--timeout SECONDS] [--ca-bundle PEM] [--insecure]
 *         [--cancel-on-term]
 *
 * --cancel-on-term: SIGTERM cancels the upload the way oomsentry-ship's
 * does (the transfer ends, a multipart upload is aborted); exit 3 then.
 *
 * ENDPOINT "" is AWS (virtual-hosted style), anything else path-style unless
 * --virtual-hosted. Credentials come from AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (optional). Compressing a file
 * that is not gzip adds ".gz" to KEY. SIZE takes units ("8Mi").
 *
 * Prints one logfmt line: the object, its size, parts, ETag, whether the
 * ETag was checked, the seconds taken and MB/s. Exits 0, 1 when the upload
 * failed (the reason on stderr), 2 on bad arguments. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gzpart.h"
#include "s3.h"
#include "s3_key.h"
#include "units.h"

static int usage(const char *why)
{
	fprintf(stderr,
		"s3put: %s\nusage: s3put ENDPOINT REGION BUCKET KEY FILE [--no-compress] "
		"[--part-size SIZE] [--virtual-hosted] [--timeout SECONDS] [--ca-bundle PEM] "
		"[--insecure] [--cancel-on-term]\n",
		why);
	return 2;
}

static volatile sig_atomic_t cancelled;

static void on_term(int sig)
{
	(void)sig;
	cancelled = 1;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v ? v : "";
}

int main(int argc, char **argv)
{
	if (argc < 6)
		return usage("too few arguments");
	struct s3_target t = {
		.endpoint = argv[1], .region = argv[2], .bucket = argv[3],
		.path_style = argv[1][0] != '\0',
		.access_key = env("AWS_ACCESS_KEY_ID"), .secret_key = env("AWS_SECRET_ACCESS_KEY"),
		.session_token = env("AWS_SESSION_TOKEN"), .ca_bundle = "", .verify_tls = true,
		.timeout_s = 30,
	};
	const char *key = argv[4], *file = argv[5];
	bool compress = true;
	uint64_t part = 0;
	for (int i = 6; i < argc; i++) {
		const char *why;
		double secs;
		if (strcmp(argv[i], "--no-compress") == 0) {
			compress = false;
		} else if (strcmp(argv[i], "--virtual-hosted") == 0) {
			t.path_style = false;
		} else if (strcmp(argv[i], "--insecure") == 0) {
			t.verify_tls = false;
		} else if (strcmp(argv[i], "--part-size") == 0 && i + 1 < argc) {
			if (units_parse_size(argv[++i], &part, &why))
				return usage(why);
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if (units_parse_number(argv[++i], &secs, &why) || secs < 1 || secs > 86400)
				return usage("--timeout: 1 to 86400 seconds");
			t.timeout_s = (long)secs;
		} else if (strcmp(argv[i], "--ca-bundle") == 0 && i + 1 < argc) {
			t.ca_bundle = argv[++i];
		} else if (strcmp(argv[i], "--cancel-on-term") == 0) {
			struct sigaction sa = {.sa_handler = on_term};
			sigaction(SIGTERM, &sa, NULL);
			t.cancel = &cancelled;
		} else {
			return usage("unknown argument");
		}
	}
	if (!t.access_key[0] || !t.secret_key[0])
		return usage("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set");

	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "s3put: %s: %s\n", file, strerror(errno));
		return 1;
	}
	char final[S3_KEY_MAX + 4];
	bool is_gzip = false;
	if (compress && gzpart_sniff(fd, file, &is_gzip) < 0)
		is_gzip = false;
	snprintf(final, sizeof final, "%s%s", key, compress && !is_gzip ? ".gz" : "");

	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct s3_result res;
	char err[1024];
	int r = s3_upload(&t, final, fd, compress, (size_t)part, &res, err, sizeof err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	close(fd);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	if (r) {
		fprintf(stderr, "s3put: %s\n", err);
		return r == -ECANCELED ? 3 : 1;
	}
	printf("object=s3://%s/%s bytes=%llu parts=%u etag=%s etag_checked=%s seconds=%.2f "
	       "mb_per_s=%.1f\n",
	       t.bucket, final, (unsigned long long)res.bytes_sent, res.parts, res.etag,
	       res.etag_checked ? "true" : "false", s, s > 0 ? (double)res.bytes_sent / 1e6 / s : 0);
	return 0;
}
