/* jvm_attach: runs one command in a HotSpot JVM through its attach
 * mechanism, from outside its container, as jcmd does:
 *  - the JVM's pid in its own namespace is the last NSpid of its status;
 *  - <root>/tmp is opened once (root = <proc_root>/<pid>/root; "tmp" is
 *    resolved inside that root, so a /tmp symlink in the container points
 *    where the JVM sees it) and everything after goes through that fd;
 *  - if tmp/.java_pid<nspid> is not a socket yet, create tmp/.attach_pid<nspid>
 *    and send SIGQUIT through the pidfd (never by pid: no recycled pid is
 *    signalled), and only when the JVM catches SIGQUIT (its status' SigCgt;
 *    with -Xrs it does not, and SIGQUIT would kill it); then wait for the
 *    socket and remove the trigger file;
 *  - connect, send the request, read the status and the output.
 *
 * Who HotSpot lets in (JDK 17, attachListener_linux.cpp, os_posix.cpp):
 *  - the trigger file counts only when its owner is the JVM's effective uid
 *    or root (os::Posix::matches_effective_uid_or_root); anyone else's is
 *    ignored without a word;
 *  - the socket is 0600, chowned to the JVM's euid/egid, so connect(2) needs
 *    write permission as that file-system uid;
 *  - after accept() it reads the peer's SO_PEERCRED, which holds the
 *    connecting process's *effective* uid and gid (not the file-system ones),
 *    and keeps the connection only when that uid is 0, or both uid and gid
 *    equal its own effective ones (matches_effective_uid_and_gid_or_root).
 *    Otherwise it closes the connection without a reply.
 * So: as root (euid 0), the file-system uid/gid are switched to the socket's
 * owner for the connect when it fails with EACCES (without CAP_DAC_OVERRIDE),
 * which needs CAP_SETUID (and CAP_SETGID for the gid); euid 0 then passes the
 * peer check. As another user, the effective uid and gid themselves must be
 * the JVM's (setresuid/setresgid: CAP_SETUID, CAP_SETGID) unless they already
 * are. The same switch is made to create the trigger file when it would not
 * otherwise be created or not be owned by an accepted uid. The ids are put
 * back at once; but the kernel marks a process whose ids changed as not
 * dumpable, for good: call this in a child process.
 *
 * I/O, blocking: it runs in a child process of the sidecar (jobs.c), which
 * bounds the whole time; this module bounds the wait for the socket, the
 * connect, and each write and read. */
#ifndef OOMSENTRY_JVM_ATTACH_H
#define OOMSENTRY_JVM_ATTACH_H

#include <stddef.h>
#include <sys/types.h>

#include "attach_proto.h"

struct jvm_target {
	const char *proc_root;  /* "/proc" or a test's copy */
	pid_t pid;              /* as seen in proc_root */
	int pidfd;              /* signals go through this */
};

/* Runs cmd (e.g. "jcmd") with args on the JVM and copies its output (what
 * follows the status line) to out_fd, at most max_bytes (more is read and
 * dropped, and *truncated is set). wait_ms bounds the wait for the socket
 * after SIGQUIT, the connect, and each write and read.
 * Returns the JVM's status when it is 0 (success) or positive (e.g. 101,
 * a protocol version it does not speak), or -errno, with a one-line reason
 * in err (e.g. "no attach socket after SIGQUIT within 5000 ms",
 * "connect /proc/12/root/tmp/.java_pid1: permission denied: CAP_SETUID
 * missing"). A negative status from the JVM (-1, JNI_ERR: the command
 * failed, e.g. an unknown diagnostic command) is returned as -EREMOTEIO, as
 * it would otherwise read as -EPERM. Whenever the result is not 0, err holds
 * the reason, for the JVM's own failures its status and the first line of
 * its output ("the JVM answered -1: java.lang.IllegalArgumentException:
 * Unknown diagnostic command"); the output is copied to out_fd either way. */
int jvm_attach_run(const struct jvm_target *t, const char *cmd,
		   const char *const args[ATTACH_ARGS], int out_fd, size_t max_bytes,
		   int wait_ms, size_t *out_bytes, int *truncated, char *err, size_t errsz);

#endif
