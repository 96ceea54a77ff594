/* renamer: hostile process names for the soak. Renames itself with
 * prctl(PR_SET_NAME) through a list of names that try to break a log line
 * (newline, quotes, backslash, key=value, a UTF-8 sequence the kernel's
 * 15-byte limit cuts in two, control bytes...), and forks children that
 * take the next name themselves, live a while and exit, so the sidecar keeps
 * finding processes under those names. Children alternate between catching
 * SIGUSR1/SIGUSR2 (role catch-name, recorded) and not (role nocatch-name:
 * must never get one; a death by either is recorded by the renamer).
 *
 *   renamer --record FILE [--every-ms MS] [--life-ms MS] [--self-every-ms MS]
 *           [--hold MIB] [--stats FILE]
 *   renamer --list        print the names, one per line, hex-encoded
 *
 * The renamer itself does not catch the signals, so its children start with
 * the default dispositions. --hold starts a ballast child (catch-ballast).
 * --stats is rewritten every second: "renames=N children=N usr_deaths=N".
 * SIGTERM: stop, reap every child, write the stats, exit 0.
 */
#include "soakrec.h"

#include <sys/prctl.h>

/* What the kernel keeps of a name: its first 15 bytes. */
static const char *const names[] = {
	"new\nline",
	"say \"hi\"",
	"back\\slash",
	"key=value",
	"event=oom_kill",
	"a=1 b=2",
	" lead",
	"trail ",
	"tab\there",
	"ctl\x01\x1b[31m",
	"{\"j\":1}",
	"abcdefghijklm\xe2\x82\xac", /* "€" cut after 2 of its 3 bytes */
	"caf\xc3\xa9",
	"x) R 1 (y",
	"%s%n%x",
	"",
	"\xff\xfe",
	"del\x7f",
};
#define NNAMES (sizeof names / sizeof *names)

#define MAX_LIVE 1024
static pid_t live[MAX_LIVE];
static int live_catching[MAX_LIVE];
static size_t nlive;

static void reap(int block, long *usr_deaths)
{
	int status;
	pid_t pid;
	while (nlive && (pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0) {
		for (size_t i = 0; i < nlive; i++) {
			if (live[i] != pid)
				continue;
			if (WIFSIGNALED(status) &&
			    (WTERMSIG(status) == SIGUSR1 || WTERMSIG(status) == SIGUSR2))
				(*usr_deaths)++;
			rec_reaped(live_catching[i] ? "catch-name" : "nocatch-name", pid, status);
			live[i] = live[nlive - 1];
			live_catching[i] = live_catching[nlive - 1];
			nlive--;
			break;
		}
	}
}

int main(int argc, char **argv)
{
	long every_ms = 50, life_ms = 700, self_every_ms = 100, hold = 0;
	const char *record = NULL, *stats = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--list")) {
			for (size_t k = 0; k < NNAMES; k++) {
				for (const unsigned char *p = (const unsigned char *)names[k]; *p; p++)
					printf("%02x", *p);
				printf("\n");
			}
			return 0;
		} else if (!strcmp(argv[i], "--every-ms") && i + 1 < argc)
			every_ms = rec_arg_long(argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--life-ms") && i + 1 < argc)
			life_ms = rec_arg_long(argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--self-every-ms") && i + 1 < argc)
			self_every_ms = rec_arg_long(argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold = rec_arg_long(argv[i], argv[i + 1]), i++;
		else if (!strcmp(argv[i], "--record") && i + 1 < argc)
			record = argv[++i];
		else if (!strcmp(argv[i], "--stats") && i + 1 < argc)
			stats = argv[++i];
		else {
			fprintf(stderr, "renamer: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (!record || every_ms <= 0 || self_every_ms <= 0) {
		fprintf(stderr, "renamer: needs --record, --every-ms > 0, --self-every-ms > 0\n");
		return 2;
	}
	rec_defaults();
	rec_open(record, "renamer");
	pid_t ballast = hold ? rec_ballast(hold, "catch-ballast") : -1;
	rec_stop_on_term();

	long renames = 0, children = 0, usr_deaths = 0, self_idx = 0;
	long now = rec_now_ms();
	long next_child = now, next_self = now, next_stats = now + 1000;
	while (!rec_stop) {
		now = rec_now_ms();
		if (now >= next_self) {
			prctl(PR_SET_NAME, names[self_idx++ % NNAMES], 0, 0, 0);
			renames++;
			next_self += self_every_ms;
			if (next_self < now)
				next_self = now + self_every_ms;
		}
		if (now >= next_child && nlive < MAX_LIVE) {
			long k = children;
			/* Each name in turn; each name with and without a handler. */
			int catching = (k + k / (long)NNAMES) % 2 == 0;
			pid_t pid = fork();
			if (pid == 0) {
				signal(SIGTERM, SIG_DFL);
				prctl(PR_SET_NAME, names[k % (long)NNAMES], 0, 0, 0);
				if (catching) {
					rec_set_role("catch-name");
					rec_catch();
				} else {
					rec_set_role("nocatch-name");
				}
				rec_sleep_ms(life_ms);
				_exit(0);
			}
			if (pid > 0) {
				live[nlive] = pid;
				live_catching[nlive] = catching;
				nlive++;
				children++;
				renames++;
			}
			next_child += every_ms;
			if (next_child < now)
				next_child = now + every_ms;
		}
		reap(0, &usr_deaths);
		if (now >= next_stats) {
			rec_stats(stats, "renames=%ld children=%ld usr_deaths=%ld\n", renames, children,
				  usr_deaths);
			next_stats = now + 1000;
		}
		long next = next_child < next_self ? next_child : next_self;
		rec_sleep_until(next > now ? next : now + 1);
	}
	reap(1, &usr_deaths);
	if (ballast > 0) {
		kill(ballast, SIGKILL);
		waitpid(ballast, NULL, 0);
	}
	rec_stats(stats, "renames=%ld children=%ld usr_deaths=%ld\n", renames, children,
		  usr_deaths);
	return 0;
}
