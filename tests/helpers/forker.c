/* forker: process churn for the soak. Starts short-lived child processes at
 * a steady rate; every K-th child catches SIGUSR1/SIGUSR2 and records what
 * it receives, the others keep the default action and must never get one.
 *
 *   forker --rate PER_S --life-ms MS --record FILE [--catch-every K]
 *          [--hold MIB] [--stats FILE]
 *
 * Each child lives a random time in [0, MS] ms, then exits 0; children are
 * cloned processes sharing the forker's memory (see rec_clone in
 * soakrec.h). The forker itself does not catch the signals, so its children
 * start with the default dispositions and a catching child only ever goes
 * from "no handler" to "handler". --hold starts a ballast child (a real
 * fork) that holds MIB MiB and catches (role catch-ballast). Roles:
 * catch-child, nocatch-child. --stats is rewritten every second:
 * "forks=N seconds=S rate=R usr_deaths=D lag_max_ms=L".
 * SIGTERM: stop starting children, reap every child, write the stats, exit 0.
 */
#include "soakrec.h"

#include <sys/types.h>

#define MAX_LIVE REC_STACKS

struct child {
	pid_t pid;
	int catching;
	int slot;
};

static struct child live[MAX_LIVE];
static size_t nlive;

static void reap(int block, long *usr_deaths)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0) {
		for (size_t i = 0; i < nlive; i++) {
			if (live[i].pid != pid)
				continue;
			const char *role = live[i].catching ? "catch-child" : "nocatch-child";
			if (WIFSIGNALED(status) &&
			    (WTERMSIG(status) == SIGUSR1 || WTERMSIG(status) == SIGUSR2))
				(*usr_deaths)++;
			rec_reaped(role, pid, status);
			rec_stack_free(live[i].slot);
			live[i] = live[--nlive];
			break;
		}
		if (block && nlive == 0)
			break;
	}
}

int main(int argc, char **argv)
{
	long rate = 0, life_ms = 0, every = 2, hold = 0;
	const char *record = NULL, *stats = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = rec_arg_long(argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--life-ms") && i + 1 < argc)
			life_ms = rec_arg_long(argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--catch-every") && i + 1 < argc)
			every = rec_arg_long(argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold = rec_arg_long(argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--record") && i + 1 < argc)
			record = argv[++i];
		else if (!strcmp(argv[i], "--stats") && i + 1 < argc)
			stats = argv[++i];
		else {
			fprintf(stderr, "forker: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (rate <= 0 || !record || every <= 0) {
		fprintf(stderr, "forker: needs --rate > 0, --record, --catch-every > 0\n");
		return 2;
	}
	rec_defaults();
	rec_open(record, "forker");
	rec_rand_state ^= (unsigned long long)getpid() << 20;
	pid_t ballast = hold ? rec_ballast(hold, "catch-ballast") : -1;
	rec_set_role("catch-child");
	rec_stop_on_term();

	const long start = rec_now_ms();
	const double period_ms = 1000.0 / (double)rate;
	long forks = 0, usr_deaths = 0, lag_max = 0, last_stats = start;
	while (!rec_stop) {
		long now = rec_now_ms();
		/* Fork what is due, at most 100 at a time so reaping keeps up;
		 * how far behind the schedule the forker fell is reported. */
		long behind = now - start - (long)((double)forks * period_ms);
		if (behind > lag_max)
			lag_max = behind;
		for (int burst = 0; burst < 100 && nlive < MAX_LIVE &&
				    start + (long)((double)forks * period_ms) <= now;
		     burst++) {
			int catching = forks % every == 0;
			long life = (long)rec_rand((unsigned long)life_ms + 1);
			int slot;
			pid_t pid = rec_clone(0, catching, life, &slot);
			if (pid < 0)
				break;
			live[nlive].slot = slot;
			live[nlive].pid = pid;
			live[nlive].catching = catching;
			nlive++;
			forks++;
		}
		reap(0, &usr_deaths);
		if (now - last_stats >= 1000) {
			double secs = (double)(now - start) / 1000.0;
			rec_stats(stats, "forks=%ld seconds=%.1f rate=%.1f usr_deaths=%ld lag_max_ms=%ld\n",
				  forks, secs, secs > 0 ? (double)forks / secs : 0.0, usr_deaths, lag_max);
			last_stats = now;
		}
		long next = start + (long)((double)forks * period_ms);
		rec_sleep_until(next > now ? next : now + 1);
	}
	long end = rec_now_ms();
	if (nlive)
		reap(1, &usr_deaths);
	if (ballast > 0) {
		kill(ballast, SIGKILL);
		waitpid(ballast, NULL, 0);
	}
	double secs = (double)(end - start) / 1000.0;
	rec_stats(stats, "forks=%ld seconds=%.1f rate=%.1f usr_deaths=%ld lag_max_ms=%ld\n", forks,
		  secs, secs > 0 ? (double)forks / secs : 0.0, usr_deaths, lag_max);
	return 0;
}
