/* racer: the benchmark's leaking app. Allocates and touches memory at a given
 * rate (or as fast as it can, or in doubling steps), and records, at the
 * moment each SIGUSR1/SIGUSR2 arrives, the time and its container's usage.
 *
 *   racer --usage-file PATH --record FILE --go FILE
 *         (--rate MIB_PER_S | --fast | --doubling) [--max MIB]
 *
 * It waits until the --go file exists, then leaks until --max MiB or until
 * the kernel kills it. Records are written from the signal handler with
 * async-signal-safe calls only (clock_gettime, pread, write), one line each:
 * "<signal number> <ns since go> <usage bytes>".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024L * 1024L)

static int usage_fd = -1, record_fd = -1;
static struct timespec go_at;

static int64_t ns_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)(t.tv_sec - t0->tv_sec) * 1000000000 + (t.tv_nsec - t0->tv_nsec);
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void on_signal(int signo)
{
	int saved = errno;
	int64_t ns = ns_since(&go_at);
	char buf[32];
	ssize_t n = pread(usage_fd, buf, sizeof buf - 1, 0);
	uint64_t usage = 0;
	for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		usage = usage * 10 + (uint64_t)(buf[i] - '0');
	char line[80], *p = line;
	p = put_u64(p, (uint64_t)signo);
	*p++ = ' ';
	p = put_u64(p, ns > 0 ? (uint64_t)ns : 0);
	*p++ = ' ';
	p = put_u64(p, usage);
	*p++ = '\n';
	(void)!write(record_fd, line, (size_t)(p - line));
	errno = saved;
}

/* Allocates and touches `bytes` more. */
static void grow(long bytes)
{
	char *m = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return;
	for (long off = 0; off < bytes; off += 4096)
		m[off] = 1;
}

int main(int argc, char **argv)
{
	const char *usage_path = NULL, *record = NULL, *go = NULL;
	double rate = 0;
	int fast = 0, doubling = 0;
	long max_mib = 4096;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--usage-file") && i + 1 < argc)
			usage_path = argv[++i];
		else if (!strcmp(argv[i], "--record") && i + 1 < argc)
			record = argv[++i];
		else if (!strcmp(argv[i], "--go") && i + 1 < argc)
			go = argv[++i];
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = atof(argv[++i]);
		else if (!strcmp(argv[i], "--max") && i + 1 < argc)
			max_mib = atol(argv[++i]);
		else if (!strcmp(argv[i], "--fast"))
			fast = 1;
		else if (!strcmp(argv[i], "--doubling"))
			doubling = 1;
		else {
			fprintf(stderr, "racer: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	if (!usage_path || !record || !go || (!fast && !doubling && rate <= 0)) {
		fprintf(stderr, "racer: --usage-file, --record, --go and a pattern are required\n");
		return 2;
	}
	usage_fd = open(usage_path, O_RDONLY | O_CLOEXEC);
	record_fd = open(record, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (usage_fd < 0 || record_fd < 0) {
		perror("racer: open");
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	while (access(go, F_OK) != 0)
		usleep(1000);
	clock_gettime(CLOCK_MONOTONIC, &go_at);

	long done = 0, limit = max_mib * MIB;
	if (fast) {
		while (done < limit) {
			grow(MIB);
			done += MIB;
		}
	} else if (doubling) {
		/* 1, 2, 4, ... MiB, one step every 50 ms: slow at first, then a
		 * jump of hundreds of MiB in a fraction of a second. */
		for (long step = MIB; done < limit; step *= 2) {
			grow(step);
			done += step;
			usleep(50000);
		}
	} else {
		double per_ns = rate * (double)MIB / 1e9;
		while (done < limit) {
			long want = (long)(per_ns * (double)ns_since(&go_at));
			/* Whole pages only: mmap rounds up, and the count must not lie. */
			if (want - done >= 4096) {
				long chunk = want - done < MIB ? (want - done) & ~4095L : MIB;
				grow(chunk);
				done += chunk;
			} else {
				usleep(200);
			}
		}
	}
	pause(); /* hold until killed */
	return 0;
}
