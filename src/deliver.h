/* deliver: signals that can only reach the process they were meant for.
 *
 * A pidfd is opened when a process is discovered; everything learned about the
 * process afterwards is trusted only if the pidfd still refers to a live
 * process (a pid cannot be reused while its process, or its zombie, exists).
 * Signals go through pidfd_send_signal, so a recycled pid is never signalled:
 * the old pidfd answers ESRCH instead.
 */
#ifndef OOMSENTRY_DELIVER_H
#define OOMSENTRY_DELIVER_H

#include <stdbool.h>
#include <sys/types.h>

/* Returns a pidfd (close-on-exec) or -errno (ESRCH: already gone). */
int deliver_open(pid_t pid);
/* 0 if the process behind pidfd still exists (possibly as a zombie), else -ESRCH. */
int deliver_alive(int pidfd);
/* Sends signo. Returns 0, -ESRCH (gone: normal), -EPERM (not allowed). */
int deliver_send(int pidfd, int signo);

/* The kernel's rule for kill(2) without CAP_KILL: the sender's real or
 * effective uid equals the target's real or saved uid. */
bool deliver_uid_may_signal(uid_t my_real, uid_t my_effective, uid_t target_real,
			    uid_t target_saved);

#endif
