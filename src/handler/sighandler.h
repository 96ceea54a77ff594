/* sighandler: the only code of the library that runs in signal context.
 *
 * The handler saves errno, writes the signal's number as one byte into the
 * worker's pipe, restores errno and chains to the handler the app had.
 */
#ifndef OOMSENTRY_HANDLER_SIGHANDLER_H
#define OOMSENTRY_HANDLER_SIGHANDLER_H

/* The pipe's write end (non-blocking), or -1. Set it before installing. */
void sighandler_set_pipe(int fd);

/* Installs the handler for signo (0: nothing to do), keeping the app's
 * handler to chain to. Returns 0 or -errno. */
int sighandler_install(int signo);

/* For pthread_atfork's child hook: after fork() the pipe is shared with the
 * parent, whose worker would dump the parent for the child's signal, so a
 * child's handler only chains. */
void sighandler_forked_child(void);

#endif
