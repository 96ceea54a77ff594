/* caps: hold exactly the capabilities the sidecar needs, nothing more.
 *
 *   CAP_KILL        signal processes of other users (kill(2) permission rule)
 *   CAP_SYS_PTRACE  open /proc/PID/root of processes of other users, of
 *                   processes with more capabilities, and of non-dumpable ones
 *   CAP_SETUID,     only to reach a JVM of another user: its attach socket is
 *   CAP_SETGID      0600, so the connect is made with the JVM's file-system
 *                   uid and gid (setfsuid/setfsgid, in a child process)
 *
 * Works as root and as a non-root user given ambient capabilities.
 */
#ifndef OOMSENTRY_CAPS_H
#define OOMSENTRY_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct caps_have {
	bool kill;        /* CAP_KILL is permitted */
	bool sys_ptrace;  /* CAP_SYS_PTRACE is permitted */
	bool setuid;      /* CAP_SETUID is permitted */
	bool setgid;      /* CAP_SETGID is permitted */
};

/* What the permitted set holds. Returns 0 or -errno. */
int caps_query(struct caps_have *have);

/* Keeps only the listed capabilities, effective and permitted; clears the
 * inheritable and ambient sets, drops every other capability from the
 * bounding set when allowed to, and sets no_new_privs. Returns 0 or -errno;
 * err names the step that failed. */
int caps_restrict(const struct caps_have *keep, char *err, size_t errsz);

/* The current sets as text, e.g. "cap_kill,cap_sys_ptrace=ep". */
void caps_describe(char *buf, size_t size);

/* What to change so that the hidden process pid (of proc_root) can be read,
 * naming the Pod Security level of each way; have_setids: CAP_SETUID and
 * CAP_SETGID are held. */
void caps_fix_hint(char *buf, size_t size, const char *proc_root, pid_t pid, bool have_setids);

/* The securityContext that grants what the sidecar needs. */
#define CAPS_FIX_HINT                                                                              \
	"run the sidecar with securityContext {runAsUser: 0, capabilities: {drop: [ALL], add: "  \
	"[KILL, SYS_PTRACE]}}"

#endif
