#include "deliver.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK 0
#endif

int deliver_open(pid_t pid)
{
	/* pidfds are always close-on-exec. */
	long fd = syscall(SYS_pidfd_open, pid, 0);
	return fd < 0 ? -errno : (int)fd;
}

int deliver_send(int pidfd, int signo)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, signo, NULL, 0) < 0)
		return -errno;
	return 0;
}

int deliver_alive(int pidfd)
{
	int r = deliver_send(pidfd, 0);
	/* EPERM still proves the process exists. */
	return r == -EPERM ? 0 : r;
}

bool deliver_uid_may_signal(uid_t my_real, uid_t my_effective, uid_t target_real,
			    uid_t target_saved)
{
	return my_real == target_real || my_real == target_saved || my_effective == target_real ||
	       my_effective == target_saved;
}
