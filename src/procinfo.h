/* procinfo: reads what runtime.c needs from /proc/PID (exe link, comm,
 * cmdline, maps, the executable's ELF sections, and two environment
 * variables: NODE_OPTIONS and OOMSENTRY_SIGNALS, never any other value)
 * and classifies the process. I/O only; the decisions are runtime.c's.
 *
 * Reading exe, maps and environ of another user's process needs
 * CAP_SYS_PTRACE (ptrace read access); what cannot be read is left out
 * and the classification works with the rest. */
#ifndef OOMSENTRY_PROCINFO_H
#define OOMSENTRY_PROCINFO_H

#include <sys/types.h>

#include "runtime.h"

/* Classifies <proc_root>/<pid>. Returns 0, or -errno when the process is
 * gone (nothing of it could be read); out->kind is then RUNTIME_UNKNOWN.
 *
 * Everything is bounded and nothing is allocated: the command line's first
 * 4 KiB (the options before a script or main class, and the process title),
 * maps streamed through an 8 KiB buffer (a JVM's is hundreds of KiB; a line
 * longer than the buffer is skipped), environ streamed for the two entries
 * (values up to 1 KiB; /proc shows the environment the process started
 * with, not later setenv()s), and the executable's ELF section headers
 * through the exe link (the running file, whatever mount namespace it
 * lives in). All reads go through one directory fd, so once the process is
 * gone they fail instead of reading a reused pid. Measured on a 2-core
 * machine: about 60 us for a small process, 100 us for a JVM, 170-200 us for a
 * JVM with 300 threads (44 KiB of maps), most of it the kernel producing
 * maps; the sidecar classifies a process once. */
int procinfo_classify(const char *proc_root, pid_t pid, struct runtime_info *out);

#endif
