/* Async-signal-safe throughout: on_signal runs in signal context, and
 * sighandler_forked_child in a forked child of a threaded process, where
 * the same rules hold. Only async-signal-safe calls belong in this file. */
#include "sighandler.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* Written before the handlers are installed, read by them. */
static int pipe_wr = -1;
static volatile sig_atomic_t in_forked_child;
static struct sigaction chained[_NSIG];

static void chain(int signo, siginfo_t *info, void *uctx)
{
	const struct sigaction *old = &chained[signo];
	if (old->sa_flags & SA_SIGINFO) {
		if (old->sa_sigaction)
			old->sa_sigaction(signo, info, uctx);
	} else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
		old->sa_handler(signo);
	}
}

static void on_signal(int signo, siginfo_t *info, void *uctx)
{
	int saved = errno;
	if (!in_forked_child) {
		unsigned char byte = (unsigned char)signo;
		ssize_t r = write(pipe_wr, &byte, 1); /* non-blocking: a full pipe already wakes the worker */
		(void)r;
	}
	errno = saved;
	chain(signo, info, uctx);
	errno = saved;
}

void sighandler_forked_child(void)
{
	in_forked_child = 1;
}

void sighandler_set_pipe(int fd)
{
	pipe_wr = fd;
}

int sighandler_install(int signo)
{
	if (!signo)
		return 0;
	/* Read the old action first: a signal arriving between installing ours
	 * and storing the old one would otherwise not be chained. */
	if (sigaction(signo, NULL, &chained[signo]) < 0)
		return -errno;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_mask = chained[signo].sa_mask;
	/* Keep the flags the app chose that still make sense for a chained
	 * handler; restart interrupted system calls unless the app had a
	 * handler without SA_RESTART. */
	bool had_handler = (chained[signo].sa_flags & SA_SIGINFO) ||
			   (chained[signo].sa_handler != SIG_DFL && chained[signo].sa_handler != SIG_IGN);
	sa.sa_flags = SA_SIGINFO | (chained[signo].sa_flags & (SA_ONSTACK | SA_NODEFER)) |
		      (had_handler ? (chained[signo].sa_flags & SA_RESTART) : SA_RESTART);
	return sigaction(signo, &sa, NULL) < 0 ? -errno : 0;
}
