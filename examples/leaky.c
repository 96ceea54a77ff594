/* leaky: a small service that leaks memory in a named function, for demos
 * and the end-to-end tests of liboomsentry.
 *
 *   leaky [--pattern steady|doubling|hold] [--rate MiB/s] [--start MiB]
 *         [--step-ms N] [--max MiB] [--chunk KiB] [--probe] [--duration s]
 *
 *   steady    leaks --rate MiB every second, in --chunk KiB pieces
 *   doubling  leaks --start MiB, then doubles the total every --step-ms
 *             (50 MiB -> 1.6 GiB in 5 steps), like a runaway cache
 *   hold      leaks --start MiB at once, then stays still
 *
 * Leaking stops at --max MiB (default: never). With --probe a thread
 * measures how long it is kept from running (sleep 1 ms, malloc, free) and
 * prints the longest pause each second: the pause a dump causes to the app.
 *
 * Built twice from this file: examples/leaky links liboomsentry, calls
 * oomsentry_init(NULL) and prints the callbacks it receives;
 * examples/leaky-plain (LEAKY_PLAIN) knows nothing of it, for LD_PRELOAD.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef LEAKY_PLAIN
#include "oomsentry.h"
#endif

struct leak_list {
	struct leak_list *next;
};

static struct leak_list *leaked; /* reachable, so it is a leak only by intent */
static uint64_t leaked_bytes;

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void sleep_us(uint64_t us)
{
	struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The leak the heap profile must name. noinline keeps it a frame of its own. */
static __attribute__((noinline)) void leak_request_buffers(uint64_t bytes, size_t chunk)
{
	for (uint64_t done = 0; done < bytes; done += chunk) {
		struct leak_list *b = malloc(chunk);
		if (!b) {
			fprintf(stderr, "leaky: malloc failed after %llu MiB\n",
				(unsigned long long)(leaked_bytes >> 20));
			return;
		}
		memset(b, 0xa5, chunk); /* touch it: resident, charged to the cgroup */
		b->next = leaked;
		leaked = b;
		leaked_bytes += chunk;
	}
}

static uint64_t max_pause_us;
static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;

/* Sleeps 1 ms and allocates, over and over: any stall beyond the sleep is a
 * pause the app would have seen (allocator lock held, CPU taken). */
static void *probe_main(void *unused)
{
	(void)unused;
	for (;;) {
		uint64_t t0 = mono_us();
		sleep_us(1000);
		void *p = malloc(4096);
		memset(p, 1, 64);
		free(p);
		uint64_t pause = mono_us() - t0 - 1000;
		pthread_mutex_lock(&probe_lock);
		if (pause > max_pause_us)
			max_pause_us = pause;
		pthread_mutex_unlock(&probe_lock);
	}
	return NULL;
}

#ifndef LEAKY_PLAIN
static void on_level(enum oomsentry_level level, void *arg)
{
	(void)arg;
	printf("leaky: received %s (leaked %llu MiB)\n",
	       level == OOMSENTRY_LEVEL_WARNING ? "warning" : level == OOMSENTRY_LEVEL_CRITICAL ? "critical" : "threshold",
	       (unsigned long long)(leaked_bytes >> 20));
	fflush(stdout);
}
#endif

static double arg_num(const char *opt, const char *v)
{
	char *end;
	errno = 0;
	double d = v ? strtod(v, &end) : 0;
	if (!v || errno || end == v || *end || d < 0) {
		fprintf(stderr, "leaky: %s needs a non-negative number, got \"%s\"\n", opt, v ? v : "");
		exit(2);
	}
	return d;
}

int main(int argc, char **argv)
{
	const char *pattern = "steady";
	double rate_mib = 10, start_mib = 50, max_mib = 0, duration_s = 0;
	double step_ms = 1000, chunk_kib = 1024;
	int probe = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--pattern") && v)
			pattern = argv[++i];
		else if (!strcmp(a, "--rate"))
			rate_mib = arg_num(a, v), i++;
		else if (!strcmp(a, "--start"))
			start_mib = arg_num(a, v), i++;
		else if (!strcmp(a, "--step-ms"))
			step_ms = arg_num(a, v), i++;
		else if (!strcmp(a, "--max"))
			max_mib = arg_num(a, v), i++;
		else if (!strcmp(a, "--chunk"))
			chunk_kib = arg_num(a, v), i++;
		else if (!strcmp(a, "--duration"))
			duration_s = arg_num(a, v), i++;
		else if (!strcmp(a, "--probe"))
			probe = 1;
		else {
			fprintf(stderr, "usage: leaky [--pattern steady|doubling|hold] [--rate MiB/s] "
					"[--start MiB] [--step-ms N] [--max MiB] [--chunk KiB] [--probe] "
					"[--duration s]\n");
			return 2;
		}
	}
	if (strcmp(pattern, "steady") && strcmp(pattern, "doubling") && strcmp(pattern, "hold")) {
		fprintf(stderr, "leaky: unknown pattern \"%s\"\n", pattern);
		return 2;
	}
	size_t chunk = (size_t)(chunk_kib * 1024);
	if (chunk < sizeof(struct leak_list))
		chunk = sizeof(struct leak_list);
	uint64_t max_bytes = max_mib > 0 ? (uint64_t)(max_mib * 1048576) : UINT64_MAX;

	setvbuf(stdout, NULL, _IOLBF, 0);
#ifndef LEAKY_PLAIN
	if (oomsentry_on_warning(on_level, NULL) || oomsentry_on_critical(on_level, NULL) ||
	    oomsentry_init(NULL) < 0) {
		fprintf(stderr, "leaky: oomsentry_init failed; leaking anyway\n");
	}
#endif
	if (probe) {
		pthread_t t;
		pthread_create(&t, NULL, probe_main, NULL);
	}
	printf("leaky: pid=%ld pattern=%s ready\n", (long)getpid(), pattern);

	uint64_t start = mono_us(), last_report = start, step_start = start;
	uint64_t target = strcmp(pattern, "steady") ? (uint64_t)(start_mib * 1048576) : 0;
	for (;;) {
		uint64_t now = mono_us();
		if (duration_s > 0 && now - start >= (uint64_t)(duration_s * 1e6))
			break;
		if (!strcmp(pattern, "steady"))
			target = (uint64_t)((double)(now - start) / 1e6 * rate_mib * 1048576);
		if (target > max_bytes)
			target = max_bytes;
		if (target > leaked_bytes)
			leak_request_buffers(target - leaked_bytes, chunk);
		if (now - last_report >= 1000000) {
			last_report = now;
			pthread_mutex_lock(&probe_lock);
			uint64_t pause = max_pause_us;
			max_pause_us = 0;
			pthread_mutex_unlock(&probe_lock);
			printf("leaky: leaked_mib=%llu%s", (unsigned long long)(leaked_bytes >> 20),
			       probe ? "" : "\n");
			if (probe)
				printf(" max_pause_us=%llu\n", (unsigned long long)pause);
		}
		if (!strcmp(pattern, "doubling") && now - step_start >= (uint64_t)(step_ms * 1000) &&
		    target < max_bytes) {
			target *= 2;
			step_start = now;
		}
		sleep_us(20000);
	}
	printf("leaky: done, leaked_mib=%llu\n", (unsigned long long)(leaked_bytes >> 20));
	return 0;
}
