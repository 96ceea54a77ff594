/* pprof_get: fetches a Go program's heap profile the way the sidecar does.
 *
 *   pprof_get PROC_ROOT PID OUTFILE [TARGET]
 *
 * TARGET is a port or http://HOST:PORT/PATH (http_target_parse); without
 * it the ports are discovered from PROC_ROOT/PID. On success prints
 * "port=N bytes=N ms=N" and exits 0; on failure prints
 * "pprof_get: error=... errno=..." to stderr and exits 1 (2 for bad usage).
 * Caps: 64 MiB, 2000 ms per wait. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pprof_fetch.h"
#include "procscan.h"

#define GET_MAX_BYTES (64u << 20)
#define GET_TIMEOUT_MS 2000

static long long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000LL + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: pprof_get PROC_ROOT PID OUTFILE [TARGET]\n");
		return 2;
	}
	pid_t pid = proc_parse_pid(argv[2]);
	if (pid < 0) {
		fprintf(stderr, "pprof_get: bad pid \"%s\"\n", argv[2]);
		return 2;
	}
	struct http_target target;
	const char *why = NULL;
	if (argc == 5 && http_target_parse(argv[4], &target, &why) < 0) {
		fprintf(stderr, "pprof_get: bad target \"%s\": %s\n", argv[4], why);
		return 2;
	}
	int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "pprof_get: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char err[512];
	int port;
	ssize_t n = pprof_fetch(argv[1], pid, argc == 5 ? &target : NULL, fd, GET_MAX_BYTES,
				GET_TIMEOUT_MS, &port, err, sizeof err);
	long long ms = elapsed_ms(&t0);
	if (close(fd) < 0 && n >= 0) {
		fprintf(stderr, "pprof_get: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	if (n < 0) {
		fprintf(stderr, "pprof_get: error=\"%s\" errno=%s ms=%lld\n", err,
			strerrorname_np((int)-n), ms);
		return 1;
	}
	printf("port=%d bytes=%zd ms=%lld\n", port, n, ms);
	return 0;
}
