/* pidreuse: forced PID reuse inside a pod's PID namespace, for the soak.
 *
 * Three agents, one per container, talk through FIFOs in a shared directory:
 *
 *   pidreuse --me hot --dir DIR --record FILE [--hold MIB] [--stats FILE]
 *   pidreuse --me low|unw --dir DIR --record FILE
 *
 * "hot" runs in a container above its warning level. It forks a victim that
 * catches SIGUSR1/SIGUSR2 (role catch-victim), so the sidecar knows it and
 * signals it; the victim lives 100-400 ms and exits. As soon as it is
 * reaped, its pid X is handed to the next agent in turn, which makes the
 * kernel give X to a new process of its own container: it writes X-1 to
 * /proc/sys/kernel/ns_last_pid (which acts on the writer's PID namespace)
 * and starts a process. The new process is one that must never receive a
 * signal:
 *   hot: in the same container, without a handler (role recycled-hot: a
 *        signal kills it, and the agent records the death);
 *   low: in a watched container far below its warning level, catching
 *        (role recycled-low: any signal it records is a wrong one);
 *   unw: in a container without a memory limit, which the sidecar does not
 *        watch, catching (role recycled-unw).
 * Another process of the pod may take X first (the pod forks hundreds of
 * processes a second); the agent then retries for up to a second while X is
 * busy, and counts a miss if it never gets it. Each recycled process lives
 * 300 ms, during which the hot container keeps being signalled.
 *
 * DIR holds low.fifo and unw.fifo (requests: "X\n") and hot.fifo (replies:
 * "L X\n" landed, "M X\n" missed), made by the caller with mkfifo.
 * --stats (hot) is rewritten after each reuse:
 * "victims=N landed_hot=N landed_low=N landed_unw=N missed=N usr_deaths=N".
 * SIGTERM: stop after the current step, exit 0.
 */
#include "soakrec.h"

#include <sys/stat.h>

#define RECYCLED_LIFE_MS 300
#define MAX_LIVE 256

static pid_t live[MAX_LIVE];
static int live_slot[MAX_LIVE];
static size_t nlive;
static const char *recycled_role = "recycled";

/* Reaps finished recycled processes (and stray ones); returns how many
 * died of SIGUSR1/SIGUSR2. */
static long reap(int block)
{
	long usr = 0;
	int status;
	pid_t pid;
	while (nlive && (pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0) {
		for (size_t i = 0; i < nlive; i++) {
			if (live[i] != pid)
				continue;
			if (WIFSIGNALED(status) &&
			    (WTERMSIG(status) == SIGUSR1 || WTERMSIG(status) == SIGUSR2))
				usr++;
			rec_reaped(recycled_role, pid, status);
			rec_stack_free(live_slot[i]);
			nlive--;
			live[i] = live[nlive];
			live_slot[i] = live_slot[nlive];
			break;
		}
	}
	return usr;
}

static int set_last_pid(pid_t last)
{
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[24];
	int n = snprintf(buf, sizeof buf, "%d", (int)last);
	int r = write(fd, buf, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return r;
}

/* Makes the kernel give pid x to a new process of this container, which
 * catches the signals or not. Returns the number of tries (> 0) on success,
 * 0 if x stayed taken for a second, -errno if ns_last_pid cannot be set. */
static int land(pid_t x, int catching)
{
	long deadline = rec_now_ms() + 1000;
	for (int tries = 1;; tries++) {
		int r = set_last_pid(x - 1);
		if (r)
			return r;
		/* A cloned child: forking copies page tables for milliseconds,
		 * during which another process of the pod would take x. */
		int slot = -1;
		pid_t pid = nlive < MAX_LIVE ? rec_clone(x, catching, RECYCLED_LIFE_MS, &slot) : -1;
		if (pid == x) {
			live[nlive] = pid;
			live_slot[nlive] = slot;
			nlive++;
			rec_line("reuse", recycled_role, (long)x, "tries", tries, NULL, 0);
			return tries;
		}
		if (pid > 0) {
			waitpid(pid, NULL, 0);
			rec_stack_free(slot);
		}
		if (rec_now_ms() >= deadline || rec_stop)
			return 0;
		rec_sleep_ms(10); /* x is someone else's for now */
	}
}

static int open_fifo(const char *dir, const char *name, int flags)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.fifo", dir, name);
	int fd;
	while ((fd = open(path, flags | O_CLOEXEC)) < 0 && errno == EINTR && !rec_stop)
		;
	if (fd < 0 && !rec_stop) {
		fprintf(stderr, "pidreuse: cannot open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

/* Reads one line from a FIFO; 0 on success, -1 on stop or EOF. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR) {
			if (rec_stop)
				return -1;
			continue;
		}
		if (r <= 0)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

static int target(const char *dir)
{
	/* Read ends O_RDWR: they never block on open and never see EOF. */
	int in = open_fifo(dir, strcmp(recycled_role, "recycled-low") ? "unw" : "low", O_RDWR);
	int out = open_fifo(dir, "hot", O_WRONLY);
	char line[64];
	while (!rec_stop && read_line(in, line, sizeof line) == 0) {
		char *end;
		long x = strtol(line, &end, 10);
		if (end == line || x <= 1)
			continue;
		int r = land((pid_t)x, 1);
		if (r < 0) {
			fprintf(stderr, "pidreuse: ns_last_pid: %s\n", strerror(-r));
			return 1;
		}
		char reply[64];
		int n = snprintf(reply, sizeof reply, "%c %ld\n", r > 0 ? 'L' : 'M', x);
		(void)!write(out, reply, (size_t)n);
		reap(0);
	}
	reap(1);
	return 0;
}

static int hot(const char *dir, long hold, const char *stats)
{
	pid_t ballast = hold ? rec_ballast(hold, "catch-ballast") : -1;
	int to[3] = {-1, -1, -1};
	to[1] = open_fifo(dir, "low", O_WRONLY);
	to[2] = open_fifo(dir, "unw", O_WRONLY);
	int replies = open_fifo(dir, "hot", O_RDWR);
	long victims = 0, landed[3] = {0, 0, 0}, missed = 0, usr_deaths = 0;
	for (long turn = 0; !rec_stop; turn++) {
		long life = 100 + (long)rec_rand(301);
		pid_t v = fork();
		if (v == 0) {
			signal(SIGTERM, SIG_DFL);
			rec_set_role("catch-victim");
			rec_catch();
			rec_sleep_ms(life);
			_exit(0);
		}
		if (v < 0) {
			rec_sleep_ms(100);
			continue;
		}
		victims++;
		int status;
		while (waitpid(v, &status, 0) < 0 && errno == EINTR)
			;
		rec_reaped("catch-victim", v, status);
		int t = (int)(turn % 3);
		if (t == 0) {
			recycled_role = "recycled-hot";
			rec_set_role(recycled_role);
			int r = land(v, 0);
			if (r < 0) {
				fprintf(stderr, "pidreuse: ns_last_pid: %s\n", strerror(-r));
				return 1;
			}
			if (r > 0)
				landed[0]++;
			else
				missed++;
		} else {
			char req[32], line[64];
			int n = snprintf(req, sizeof req, "%d\n", (int)v);
			if (write(to[t], req, (size_t)n) != n || read_line(replies, line, sizeof line))
				break;
			if (line[0] == 'L')
				landed[t]++;
			else
				missed++;
		}
		usr_deaths += reap(0);
		rec_stats(stats,
			  "victims=%ld landed_hot=%ld landed_low=%ld landed_unw=%ld missed=%ld "
			  "usr_deaths=%ld\n",
			  victims, landed[0], landed[1], landed[2], missed, usr_deaths);
	}
	usr_deaths += reap(1);
	if (ballast > 0) {
		kill(ballast, SIGKILL);
		waitpid(ballast, NULL, 0);
	}
	rec_stats(stats,
		  "victims=%ld landed_hot=%ld landed_low=%ld landed_unw=%ld missed=%ld "
		  "usr_deaths=%ld\n",
		  victims, landed[0], landed[1], landed[2], missed, usr_deaths);
	return 0;
}

int main(int argc, char **argv)
{
	const char *me = NULL, *dir = NULL, *record = NULL, *stats = NULL;
	long hold = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--me") && i + 1 < argc)
			me = argv[++i];
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--record") && i + 1 < argc)
			record = argv[++i];
		else if (!strcmp(argv[i], "--stats") && i + 1 < argc)
			stats = argv[++i];
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold = rec_arg_long(argv[i], argv[i + 1]), i++;
		else {
			fprintf(stderr, "pidreuse: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (!me || !dir || !record ||
	    (strcmp(me, "hot") && strcmp(me, "low") && strcmp(me, "unw"))) {
		fprintf(stderr, "pidreuse: needs --me hot|low|unw, --dir, --record\n");
		return 2;
	}
	rec_defaults();
	rec_open(record, "pidreuse");
	rec_rand_state ^= (unsigned long long)getpid() << 24;
	rec_stop_on_term();
	if (!strcmp(me, "hot"))
		return hot(dir, hold, stats);
	recycled_role = !strcmp(me, "low") ? "recycled-low" : "recycled-unw";
	rec_set_role(recycled_role); /* what its cloned children record as */
	return target(dir);
}
