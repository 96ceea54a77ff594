/* probe: the workload of the soak's short-lived containers.
 *
 *   probe --role ROLE --record FILE [--catch] [--hold MIB] [--hogs N]
 *         [--go FILE] [--idle N]
 *
 * --idle N    first fork N children without a handler (role nocatch-probe)
 *             that sleep until killed; the probe records a death of one of
 *             them by SIGUSR1/SIGUSR2.
 * --hogs N    N processes (the probe and N-1 children) each hold --hold MiB;
 *             with --go they wait until FILE exists, then allocate at once
 *             (a container the sidecar already watches, OOM-killed on cue).
 * --catch     the hogs catch SIGUSR1/SIGUSR2 and record them as ROLE.
 * The idle children are forked before any handler exists, so they never
 * inherit one.
 */
#include "soakrec.h"

#include <sys/stat.h>

static void hog(long mib, const char *go)
{
	struct stat st;
	while (go && stat(go, &st) != 0)
		rec_sleep_ms(10);
	rec_hold(mib);
}

int main(int argc, char **argv)
{
	const char *role = NULL, *record = NULL, *go = NULL;
	long hold = 0, hogs = 1, idle = 0;
	int catching = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--role") && i + 1 < argc)
			role = argv[++i];
		else if (!strcmp(argv[i], "--record") && i + 1 < argc)
			record = argv[++i];
		else if (!strcmp(argv[i], "--go") && i + 1 < argc)
			go = argv[++i];
		else if (!strcmp(argv[i], "--catch"))
			catching = 1;
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold = rec_arg_long(argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--hogs") && i + 1 < argc)
			hogs = rec_arg_long(argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--idle") && i + 1 < argc)
			idle = rec_arg_long(argv[i], argv[i + 1]), i++;
		else {
			fprintf(stderr, "probe: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (!role || !record || hogs < 1) {
		fprintf(stderr, "probe: needs --role, --record, --hogs >= 1\n");
		return 2;
	}
	rec_defaults();
	rec_open(record, role);
	for (long i = 0; i < idle; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			rec_set_role("nocatch-probe");
			for (;;)
				pause();
		}
	}
	if (catching)
		rec_catch();
	for (long i = 1; i < hogs; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			hog(hold, go);
			for (;;)
				pause();
		}
	}
	hog(hold, go);
	/* Reap the idle children: a death by SIGUSR1/SIGUSR2 is recorded. */
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid > 0)
			rec_reaped("nocatch-probe", pid, status);
		else if (errno == ECHILD)
			pause();
	}
}
