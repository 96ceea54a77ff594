/* memhog: a test workload. Grows its memory at a given rate up to a ceiling,
 * then holds it, and records every SIGUSR1/SIGUSR2 it receives.
 *
 *   memhog [--catch] [--ignore] [--rate MIB_PER_S] [--max MIB] [--record FILE]
 *          [--hold MIB [--go FILE]]
 *
 * --catch   install handlers for SIGUSR1 and SIGUSR2 (otherwise defaults)
 * --ignore  set SIGUSR1 and SIGUSR2 to SIG_IGN
 * --record  append "SIGUSR1 <mib_allocated> <monotonic_ms>" per signal
 * --hold    stop growing at MIB until a signal has arrived (or, with --go,
 *           until FILE exists), then grow on to --max. A test uses it to
 *           keep the app inside the warning band until the sidecar has
 *           seen it there, however late the sidecar looks.
 * It prints "ready" on stdout once the handlers are in place.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got[3];

static void on_signal(int signo) { got[signo == SIGUSR1 ? 1 : 2]++; }

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	double rate = 0, max_mib = 0;
	const char *record = NULL, *go = NULL;
	double hold_mib = -1;
	int catch_them = 0, ignore_them = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--catch"))
			catch_them = 1;
		else if (!strcmp(argv[i], "--ignore"))
			ignore_them = 1;
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--max") && i + 1 < argc)
			max_mib = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--record") && i + 1 < argc)
			record = argv[++i];
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold_mib = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--go") && i + 1 < argc)
			go = argv[++i];
		else {
			fprintf(stderr, "memhog: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (catch_them || ignore_them) {
		struct sigaction sa = {.sa_handler = ignore_them ? SIG_IGN : on_signal};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGUSR2, &sa, NULL);
	}
	printf("ready\n");
	fflush(stdout);

	long start = now_ms();
	long mib = 0;
	int seen[3] = {0, 0, 0};
	int held = hold_mib >= 0; /* still waiting at the hold point */
	long hold_ms = 0;         /* time spent holding, left out of the rate */
	for (;;) {
		if (held && (go ? access(go, F_OK) == 0 : got[1] + got[2] > 0))
			held = 0;
		double want = rate > 0 ? rate * (double)(now_ms() - start - hold_ms) / 1000.0 : max_mib;
		if (want > max_mib)
			want = max_mib;
		if (held && want > hold_mib) {
			want = hold_mib;
			/* Resume at the rate from the hold point, not in one jump. */
			hold_ms = now_ms() - start - (long)(rate > 0 ? hold_mib * 1000.0 / rate : 0);
		}
		while (mib < (long)want) {
			char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				break;
			memset(p, 0x5a, 1 << 20); /* touch: make it count */
			mib++;
		}
		for (int s = 1; s <= 2; s++) {
			while (seen[s] < got[s]) {
				seen[s]++;
				if (record) {
					FILE *f = fopen(record, "a");
					if (f) {
						fprintf(f, "SIGUSR%d %ld %ld\n", s, mib, now_ms());
						fclose(f);
					}
				}
			}
		}
		usleep(5000);
	}
}
