/* handler_victim: a process for liboomsentry's unit test to signal.
 *
 * Installs liboomsentry from the environment (oomsentry_init(NULL)), leaks
 * HANDLER_VICTIM_MIB MiB (default 16) in victim_leak(), prints "ready",
 * raises SIGUSR2 itself when HANDLER_VICTIM_RAISE=1, and waits for signals
 * until killed. Started under LD_PRELOAD=libjemalloc with
 * profiling on, its dump must hold both files and name victim_leak.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oomsentry.h"

static void *volatile kept[4096];

static __attribute__((noinline)) void victim_leak(size_t mib)
{
	for (size_t i = 0; i < mib * 4 && i < sizeof kept / sizeof *kept; i++) {
		kept[i] = malloc(256 * 1024);
		if (kept[i])
			memset(kept[i], 1, 256 * 1024);
	}
}

int main(void)
{
	const char *env = getenv("HANDLER_VICTIM_MIB");
	size_t mib = env ? strtoul(env, NULL, 10) : 16;
	int r = oomsentry_init(NULL);
	if (r < 0) {
		fprintf(stderr, "handler_victim: oomsentry_init: %d\n", r);
		return 1;
	}
	victim_leak(mib);
	printf("ready\n");
	fflush(stdout);
	const char *do_raise = getenv("HANDLER_VICTIM_RAISE");
	if (do_raise && strcmp(do_raise, "1") == 0)
		raise(SIGUSR2);
	for (;;)
		pause();
}
