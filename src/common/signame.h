/* signame: signal names and numbers, and what a signal does to a process
 * that has no handler for it. Pure functions. */
#ifndef OOMSENTRY_SIGNAME_H
#define OOMSENTRY_SIGNAME_H

#include <stdbool.h>
#include <stddef.h>

/* "SIGUSR1", "usr1", "10", "SIGRTMIN+3", "RTMAX-1" -> signal number.
 * Returns 0 or -EINVAL. Signal 0 is rejected (it delivers nothing). */
int signame_parse(const char *s, int *signo);

/* "SIGUSR1", "SIGRTMIN+3"; buf must hold 16 bytes. */
const char *signame_format(int signo, char *buf, size_t size);

/* The warning and critical signals clash when they are the same signal: the
 * app could not tell the levels apart. 0 (no signal) clashes with nothing.
 * Returns the clashing signal's name in buf (16 bytes), or NULL. */
const char *signame_clash(int warning, int critical, char *buf, size_t size);

/* The kernel's default action for a signal nobody catches would terminate,
 * dump core or stop the process (everything but SIGCHLD, SIGURG, SIGWINCH and
 * SIGCONT). */
bool signame_default_harms(int signo);

/* Signals whose purpose is to stop a process: sending them to a process that
 * does not catch them is the point, not an accident. */
bool signame_meant_to_stop(int signo);

#endif
