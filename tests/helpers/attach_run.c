/* attach_run: runs one HotSpot attach command through jvm_attach, as the
 * sidecar does, for tests and by hand.
 *
 *   attach_run PROC_ROOT PID CMD [ARG...]      (at most three ARGs)
 *   attach_run /proc 4123 jcmd GC.class_histogram
 *   attach_run /proc 4123 jcmd "GC.heap_dump -gz=1 /tmp/heap.hprof.gz"
 *
 * Environment: ATTACH_WAIT_MS (default 10000) bounds the wait for the
 * socket and each read; ATTACH_MAX_BYTES (default 67108864) the output kept.
 * The output goes to stdout; one line to stderr:
 *   attach_run: result=R bytes=N truncated=T ms=M [err="..."]
 * Exits 0 when the JVM answered 0, 1 otherwise, 2 on a usage error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "jvm_attach.h"
#include "procscan.h"

static int env_number(const char *name, unsigned long long def, unsigned long long *out)
{
	const char *s = getenv(name);
	*out = def;
	if (!s)
		return 0;
	char *end;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && !*end && !errno ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 4 + ATTACH_ARGS) {
		fprintf(stderr, "usage: attach_run PROC_ROOT PID CMD [ARG...] (at most %d ARGs)\n",
			ATTACH_ARGS);
		return 2;
	}
	pid_t pid = proc_parse_pid(argv[2]);
	unsigned long long wait_ms, max_bytes;
	if (pid < 0 || env_number("ATTACH_WAIT_MS", 10000, &wait_ms) || wait_ms > 3600000 ||
	    env_number("ATTACH_MAX_BYTES", 64ULL << 20, &max_bytes)) {
		fprintf(stderr, "attach_run: bad PID, ATTACH_WAIT_MS or ATTACH_MAX_BYTES\n");
		return 2;
	}
	long pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		fprintf(stderr, "attach_run: pidfd_open %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	const char *args[ATTACH_ARGS] = {NULL, NULL, NULL};
	for (int i = 4; i < argc; i++)
		args[i - 4] = argv[i];

	struct jvm_target t = {.proc_root = argv[1], .pid = pid, .pidfd = (int)pidfd};
	char err[512];
	size_t bytes;
	int truncated;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int r = jvm_attach_run(&t, argv[3], args, STDOUT_FILENO, (size_t)max_bytes, (int)wait_ms,
			       &bytes, &truncated, err, sizeof err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000L + (b.tv_nsec - a.tv_nsec) / 1000000L;
	fprintf(stderr, "attach_run: result=%d bytes=%zu truncated=%d ms=%ld", r, bytes, truncated,
		ms);
	if (err[0])
		fprintf(stderr, " err=\"%s\"", err);
	fputc('\n', stderr);
	close((int)pidfd);
	return r == 0 ? 0 : 1;
}
