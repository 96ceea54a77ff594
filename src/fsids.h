/* fsids: act on files as another user for a moment.
 *
 * Two things need another user's ids: a JVM's attach socket and trigger file
 * (0600, checked by owner), and /proc/PID/root, fd, maps and exe of a
 * process of another user, which the kernel opens only to a caller that
 * passes its ptrace access check. For those /proc files that check uses the
 * caller's file-system uid and gid (PTRACE_MODE_FSCREDS): a root sidecar
 * that takes the process's uid and gid as file-system ids passes it without
 * CAP_SYS_PTRACE, as long as the process is dumpable and holds no
 * capability the sidecar lacks. That is what lets the sidecar work under the
 * Pod Security "baseline" level, which allows CAP_SETUID and CAP_SETGID but
 * not CAP_SYS_PTRACE.
 *
 * Root changes only its file-system ids (setfsuid/setfsgid, CAP_SETUID and
 * CAP_SETGID); a non-root caller changes its effective ids (setresuid, which
 * needs the same capabilities unless the ids are its own). Per thread; the
 * sidecar is single-threaded.
 */
#ifndef OOMSENTRY_FSIDS_H
#define OOMSENTRY_FSIDS_H

#include <sys/types.h>

/* What fsids_become changed, for fsids_restore. Start with FSIDS_SELF. */
struct fsids {
	enum { FSIDS_SELF, FSIDS_FS, FSIDS_EFFECTIVE } kind;
	uid_t uid;
	gid_t gid;
};
#define FSIDS_INIT {.kind = FSIDS_SELF}

/* Takes uid/gid for file access. Returns 0 or -errno (EPERM: CAP_SETUID or
 * CAP_SETGID missing); on failure nothing changed. */
int fsids_become(struct fsids *id, uid_t uid, gid_t gid);

/* Takes the ids of the owner of <proc_root>/<pid>: the process's effective
 * uid and gid when it is dumpable (root's otherwise, which buys nothing).
 * Returns 0 or -errno. */
int fsids_become_owner(struct fsids *id, const char *proc_root, pid_t pid);

/* Back to our own ids; a no-op for FSIDS_SELF. */
void fsids_restore(struct fsids *id);

#endif
