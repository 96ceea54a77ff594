/* classify: how oomsentry sees a process's runtime.
 *
 *   classify PROC_ROOT PID [SIGNAL...]
 *
 * Prints one line:
 *   runtime=jvm liboomsentry=0 optin=0x0 node_snapshot_signal=0
 *   jvm_attach_disabled=0 jvm_reduced_signals=0 server_master=0
 *   optin_invalid=0 server_worker=0 node_report_signal=0
 * then, per SIGNAL given ("SIGUSR1", "usr2", "12"), one line
 *   signal=SIGUSR1 consent=yes|no meaning="..."
 * where consent is runtime_consent's answer without a command opt-in and
 * meaning runtime_builtin_meaning's ("" when none).
 * Exit status: 0, 1 if the process could not be read, 2 on bad usage. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "procinfo.h"
#include "procscan.h"
#include "runtime.h"
#include "signame.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: classify PROC_ROOT PID [SIGNAL...]\n");
		return 2;
	}
	pid_t pid = proc_parse_pid(argv[2]);
	if (pid < 0) {
		fprintf(stderr, "classify: not a pid: %s\n", argv[2]);
		return 2;
	}
	struct runtime_info r;
	int err = procinfo_classify(argv[1], pid, &r);
	if (err) {
		fprintf(stderr, "classify: %s/%d: error %d\n", argv[1], (int)pid, -err);
		return 1;
	}
	printf("runtime=%s liboomsentry=%d optin=0x%" PRIx64 " node_snapshot_signal=%d "
	       "jvm_attach_disabled=%d jvm_reduced_signals=%d server_master=%d "
	       "optin_invalid=%d server_worker=%d node_report_signal=%d\n",
	       runtime_name(r.kind), r.liboomsentry, r.optin_signals, r.node_snapshot_signal,
	       r.jvm_attach_disabled, r.jvm_reduced_signals, r.server_master, r.optin_invalid,
	       r.server_worker, r.node_report_signal);
	for (int i = 3; i < argc; i++) {
		int signo;
		char name[16];
		if (signame_parse(argv[i], &signo)) {
			fprintf(stderr, "classify: not a signal: %s\n", argv[i]);
			return 2;
		}
		const char *why = runtime_consent(&r, signo, false);
		const char *meaning = runtime_builtin_meaning(&r, signo);
		printf("signal=%s consent=%s meaning=\"%s\"\n",
		       signame_format(signo, name, sizeof name), why ? "no" : "yes",
		       meaning ? meaning : "");
	}
	return 0;
}
