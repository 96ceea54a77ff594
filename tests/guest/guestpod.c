/* guestpod: pods and containers out of bare namespaces and cgroup v2, for the
 * throwaway guest that runs the cgroup v2 scenarios (tests/guest/init.sh).
 * Built static: the guest has no libc of its own.
 *
 *   guestpod pause PIDFILE CGDIR
 *       Starts a pod: a new PID namespace whose PID 1 is a pause process
 *       (named "pause", catching only SIGINT, SIGTERM and SIGCHLD, like
 *       Kubernetes' pause container) inside the container cgroup CGDIR.
 *       Writes PID 1's pid, as the caller sees it, to PIDFILE and returns.
 *   guestpod run PODPID CGDIR [--sub NAME MAX_BYTES] -- CMD [ARG...]
 *       Runs CMD as a container of that pod: in the pod's PID namespace, in
 *       the cgroup CGDIR, in a new cgroup namespace rooted there and a new
 *       mount namespace where /sys/fs/cgroup is that cgroup (cgroup2 mounted
 *       afresh, as runc does) and /proc is the pod's. With --sub the process
 *       then moves itself into the sub-cgroup NAME of its container and gives
 *       it the limit MAX_BYTES, so it sees itself at 0::/NAME, under the
 *       container's own limit. Waits for CMD and exits with its status
 *       (128+N when signal N killed it, as a shell reports it).
 *   guestpod exit CODE
 *       Ends the guest: writes CODE to qemu's isa-debug-exit port (0xf4), so
 *       qemu exits with status CODE*2+1.
 *
 * Errors go to stderr as "guestpod: what: why" and exit 1 (125 from run when
 * the container could not be set up, so it is not mistaken for CMD's status).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SETUP_FAILED 125

static int die(const char *what)
{
	fprintf(stderr, "guestpod: %s: %s\n", what, strerror(errno));
	return SETUP_FAILED;
}

/* Writes a short string to a control file (cgroup.procs, memory.max...). */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

static int join_cgroup(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	/* "0" means the writer itself, whatever PID namespace it is in. */
	int r = write_file(path, "0");
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

/* The container's own view: a cgroup namespace rooted at its cgroup, and a
 * mount namespace where /sys/fs/cgroup shows that root and /proc shows the
 * pod. The caller must already be in the cgroup and the PID namespace. */
static int enter_container_namespaces(void)
{
	if (unshare(CLONE_NEWCGROUP | CLONE_NEWNS) < 0)
		return die("unshare(CLONE_NEWCGROUP|CLONE_NEWNS)");
	/* Nothing mounted here may leak back into the guest's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return die("make / private");
	/* The old mount shows the whole hierarchy; a cgroup2 mount made inside
	 * the new cgroup namespace shows only the container's subtree. */
	if (umount2("/sys/fs/cgroup", MNT_DETACH) < 0)
		return die("umount /sys/fs/cgroup");
	if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return die("mount cgroup2");
	if (umount2("/proc", MNT_DETACH) < 0)
		return die("umount /proc");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return die("mount /proc");
	return 0;
}

/* Moves the caller into the sub-cgroup NAME of its container and limits it.
 * The container cgroup may not hold processes once it hands the memory
 * controller to its children (cgroup v2's no-internal-process rule), so the
 * move comes first, then the controller, then the limit. */
static int enter_sub_cgroup(const char *name, const char *max_bytes)
{
	char dir[512], path[600];
	snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s", name);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return die("mkdir sub-cgroup");
	if (join_cgroup(dir) < 0)
		return die("join sub-cgroup");
	int r = write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (r < 0) {
		errno = -r;
		return die("enable memory controller for the sub-cgroup");
	}
	snprintf(path, sizeof path, "%s/memory.max", dir);
	r = write_file(path, max_bytes);
	if (r < 0) {
		errno = -r;
		return die("set the sub-cgroup's memory.max");
	}
	return 0;
}

static volatile sig_atomic_t stop_pause;

static void on_stop(int sig)
{
	(void)sig;
	stop_pause = 1;
}

static void on_child(int sig)
{
	(void)sig;
	int saved = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

/* What Kubernetes' pause does: reap orphans, exit on SIGINT/SIGTERM, leave
 * every other signal at its default. */
static int pause_main(void)
{
	prctl(PR_SET_NAME, "pause");
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	while (!stop_pause)
		pause();
	return 0;
}

static int cmd_pause(const char *pidfile, const char *cgdir)
{
	if (unshare(CLONE_NEWPID) < 0)
		return die("unshare(CLONE_NEWPID)");
	pid_t pid = fork();
	if (pid < 0)
		return die("fork");
	if (pid == 0) {
		if (join_cgroup(cgdir) < 0)
			_exit(die("join the pause container's cgroup"));
		if (enter_container_namespaces() != 0)
			_exit(SETUP_FAILED);
		_exit(pause_main());
	}
	FILE *f = fopen(pidfile, "w");
	if (!f || fprintf(f, "%ld\n", (long)pid) < 0 || fclose(f) != 0)
		return die("write the pid file");
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	/* argv: PODPID CGDIR [--sub NAME MAX] -- CMD... */
	if (argc < 4) {
		fprintf(stderr, "guestpod: run: expected PODPID CGDIR -- CMD\n");
		return SETUP_FAILED;
	}
	const char *podpid = argv[0], *cgdir = argv[1], *sub = NULL, *sub_max = NULL;
	int i = 2;
	if (!strcmp(argv[i], "--sub")) {
		if (argc < 7) {
			fprintf(stderr, "guestpod: run: expected --sub NAME MAX_BYTES -- CMD\n");
			return SETUP_FAILED;
		}
		sub = argv[i + 1];
		sub_max = argv[i + 2];
		i += 3;
	}
	if (strcmp(argv[i], "--") || i + 1 >= argc) {
		fprintf(stderr, "guestpod: run: expected -- CMD\n");
		return SETUP_FAILED;
	}
	char **cmd = &argv[i + 1];

	char path[64];
	snprintf(path, sizeof path, "/proc/%s/ns/pid", podpid);
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return die("open the pod's PID namespace");
	/* setns(CLONE_NEWPID) places the children, not the caller. */
	if (setns(nsfd, CLONE_NEWPID) < 0)
		return die("setns to the pod's PID namespace");
	close(nsfd);

	pid_t pid = fork();
	if (pid < 0)
		return die("fork");
	if (pid == 0) {
		/* Joined before unsharing: the cgroup namespace is rooted at the
		 * cgroup the process is in at that moment. */
		if (join_cgroup(cgdir) < 0)
			_exit(die("join the container's cgroup"));
		if (enter_container_namespaces() != 0)
			_exit(SETUP_FAILED);
		if (sub && enter_sub_cgroup(sub, sub_max) != 0)
			_exit(SETUP_FAILED);
		execvp(cmd[0], cmd);
		die(cmd[0]);
		_exit(127); /* as a shell reports a command it cannot run */
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return die("waitpid");
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int cmd_exit(const char *code)
{
	char *end;
	long v = strtol(code, &end, 10);
	if (*code == '\0' || *end || v < 0 || v > 127) {
		fprintf(stderr, "guestpod: exit: bad code \"%s\"\n", code);
		return 1;
	}
	if (ioperm(0xf4, 4, 1) < 0) {
		die("ioperm 0xf4 (isa-debug-exit)");
		return 1;
	}
	outl((unsigned)v, 0xf4);
	/* Only reached without the isa-debug-exit device. */
	fprintf(stderr, "guestpod: exit: qemu did not stop (no isa-debug-exit device?)\n");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "pause"))
		return cmd_pause(argv[2], argv[3]);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "exit"))
		return cmd_exit(argv[2]);
	fprintf(stderr, "usage: guestpod pause PIDFILE CGDIR\n"
			"       guestpod run PODPID CGDIR [--sub NAME MAX_BYTES] -- CMD [ARG...]\n"
			"       guestpod exit CODE\n");
	return 2;
}
