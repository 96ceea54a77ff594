/* pause: PID 1 of a test pod, the equivalent of Kubernetes' pause container.
 *
 * It holds the pod's PID namespace open and does nothing else: it sleeps,
 * reaps the zombies that are reparented to it (it is PID 1 of the
 * namespace), and exits 0 on SIGTERM or SIGINT. Every other signal keeps its
 * default disposition, exactly like Kubernetes' pause; the kernel does not
 * deliver default-action signals to a namespace's init from inside the
 * namespace, so SIGUSR1 and SIGUSR2 from a sidecar leave it running. Its
 * /proc/1/status therefore shows SigCgt with only SIGINT, SIGTERM and
 * SIGCHLD, which is what a sidecar sees in a real pod.
 *
 *   pause [-v]     -v: print the version and exit
 *
 * Exit codes: 0 on SIGTERM/SIGINT or -v, 1 if it is not PID 1 (a pause
 * outside its namespace would never reap anything and never be killed with
 * it), 2 on bad arguments.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Async-signal-safe: only _exit. */
static void on_down(int signo)
{
	(void)signo;
	_exit(0);
}

/* Async-signal-safe: waitpid; errno is saved because the handler can
 * interrupt pause() at any point. */
static void on_child(int signo)
{
	(void)signo;
	int saved = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "-v") == 0) {
		puts("pause (oomsentry test pod)");
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: pause [-v]\n");
		return 2;
	}
	if (getpid() != 1) {
		fprintf(stderr, "pause: must run as PID 1 of a PID namespace\n");
		return 1;
	}
	/* Start from the state a container runtime gives: nothing blocked,
	 * nothing ignored, whatever the shell that started us had set. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sigprocmask(SIG_SETMASK, &sa.sa_mask, NULL);
	sa.sa_handler = SIG_DFL;
	for (int signo = 1; signo < NSIG; signo++)
		if (signo != SIGKILL && signo != SIGSTOP)
			sigaction(signo, &sa, NULL); /* fails harmlessly for 32, 33 */
	sa.sa_handler = on_down;
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) {
		perror("pause: sigaction");
		return 1;
	}
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	if (sigaction(SIGCHLD, &sa, NULL) < 0) {
		perror("pause: sigaction");
		return 1;
	}
	for (;;)
		pause();
}
