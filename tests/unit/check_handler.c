/* Unit tests of liboomsentry: the pure modules (options, names, rotation,
 * triggers, textout) and, in Check's fork mode, the library on real
 * processes: signal dispositions, dumps, chaining, coalescing, rotation,
 * hostile or unusable directories. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "allocator.h"
#include "cgroup.h"
#include "dirents.h"
#include "dump.h"
#include "dumpname.h"
#include "envconfig.h"
#include "log.h"
#include "oomsentry.h"
#include "options.h"
#include "rotation.h"
#include "summary.h"
#include "textout.h"
#include "trigger.h"

#define JEMALLOC_SO "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"

static bool in_ci(void)
{
	const char *ci = getenv("CI");
	return ci && strcmp(ci, "true") == 0;
}

/* ---------------------------------------------------------------- options */

START_TEST(duration_forms)
{
	uint64_t ms;
	const char *why;
	ck_assert_int_eq(opt_parse_duration_ms("30", &ms, &why), 0);
	ck_assert_uint_eq(ms, 30000);
	ck_assert_int_eq(opt_parse_duration_ms("1m30s", &ms, &why), 0);
	ck_assert_uint_eq(ms, 90000);
	ck_assert_int_eq(opt_parse_duration_ms("250ms", &ms, &why), 0);
	ck_assert_uint_eq(ms, 250);
	ck_assert_int_eq(opt_parse_duration_ms("1.5s", &ms, &why), 0);
	ck_assert_uint_eq(ms, 1500);
	ck_assert_int_eq(opt_parse_duration_ms("2h", &ms, &why), 0);
	ck_assert_uint_eq(ms, 7200000);
	ck_assert_int_eq(opt_parse_duration_ms("0", &ms, &why), 0);
	ck_assert_uint_eq(ms, 0);
	const char *bad[] = {"", "-1", "1x", "s", "1.2.3s", " 5", "5 ", "inf", "0x10", "1m30"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(opt_parse_duration_ms(bad[i], &ms, &why) == -EINVAL, "%s", bad[i]);
	ck_assert_int_eq(opt_parse_duration_ms("99999999999999999999999", &ms, &why), -EINVAL);
}
END_TEST

START_TEST(sizes_percents_counts)
{
	uint64_t b;
	double pct;
	unsigned n;
	const char *why;
	ck_assert_int_eq(opt_parse_size("16Mi", &b, &why), 0);
	ck_assert_uint_eq(b, 16u << 20);
	ck_assert_int_eq(opt_parse_size("1G", &b, &why), 0);
	ck_assert_uint_eq(b, 1000000000u);
	ck_assert_int_eq(opt_parse_size("4096", &b, &why), 0);
	ck_assert_uint_eq(b, 4096);
	ck_assert_int_eq(opt_parse_size("12Q", &b, &why), -EINVAL);
	ck_assert_int_eq(opt_parse_size("-1Mi", &b, &why), -EINVAL);

	ck_assert_int_eq(opt_parse_percent("80", &pct, &why), 0);
	ck_assert(pct == 80);
	ck_assert_int_eq(opt_parse_percent("87.5%", &pct, &why), 0);
	ck_assert(pct == 87.5);
	ck_assert_int_eq(opt_parse_percent("101", &pct, &why), -EINVAL);
	ck_assert_int_eq(opt_parse_percent("80%%", &pct, &why), -EINVAL);
	ck_assert_int_eq(opt_parse_percent("nan", &pct, &why), -EINVAL);

	ck_assert_int_eq(opt_parse_count("10", 1, 100, &n, &why), 0);
	ck_assert_uint_eq(n, 10);
	ck_assert_int_eq(opt_parse_count("0", 1, 100, &n, &why), -EINVAL);
	ck_assert_int_eq(opt_parse_count("101", 1, 100, &n, &why), -EINVAL);
	ck_assert_int_eq(opt_parse_count("1e2", 1, 1000, &n, &why), -EINVAL);
	ck_assert_int_eq(opt_parse_count("99999999999999999999999", 1, 100, &n, &why), -EINVAL);
}
END_TEST

START_TEST(actions_and_signals)
{
	unsigned a;
	int s;
	const char *why;
	char buf[16];
	ck_assert_int_eq(opt_parse_actions("dump", &a, &why), 0);
	ck_assert_uint_eq(a, OOMSENTRY_ACTION_DUMP);
	ck_assert_int_eq(opt_parse_actions("TRIM,dump", &a, &why), 0);
	ck_assert_uint_eq(a, OOMSENTRY_ACTION_DUMP | OOMSENTRY_ACTION_TRIM);
	ck_assert_str_eq(opt_format_actions(a, buf, sizeof buf), "trim,dump");
	ck_assert_int_eq(opt_parse_actions("none", &a, &why), 0);
	ck_assert_uint_eq(a, 0);
	ck_assert_str_eq(opt_format_actions(a, buf, sizeof buf), "none");
	ck_assert_int_eq(opt_parse_actions("none,dump", &a, &why), -EINVAL);
	ck_assert_int_eq(opt_parse_actions("dump,", &a, &why), -EINVAL);
	ck_assert_int_eq(opt_parse_actions("kill", &a, &why), -EINVAL);

	ck_assert_int_eq(opt_parse_signal("SIGUSR1", &s, &why), 0);
	ck_assert_int_eq(s, SIGUSR1);
	ck_assert_int_eq(opt_parse_signal("usr2", &s, &why), 0);
	ck_assert_int_eq(s, SIGUSR2);
	ck_assert_int_eq(opt_parse_signal("10", &s, &why), 0);
	ck_assert_int_eq(s, 10);
	ck_assert_int_eq(opt_parse_signal("SIGRTMIN+3", &s, &why), 0);
	ck_assert_int_eq(s, SIGRTMIN + 3);
	ck_assert_int_eq(opt_parse_signal("none", &s, &why), 0);
	ck_assert_int_eq(s, 0);
	ck_assert_int_eq(opt_parse_signal("SIGKILL", &s, &why), -EINVAL);
	ck_assert_int_eq(opt_parse_signal("SEGV", &s, &why), -EINVAL);
	ck_assert_int_eq(opt_parse_signal("SIGFOO", &s, &why), -EINVAL);
}
END_TEST

struct fake_env {
	const char *pairs[16][2];
};

static const char *fake_getenv(const char *name, void *ctx)
{
	struct fake_env *e = ctx;
	for (int i = 0; i < 16 && e->pairs[i][0]; i++)
		if (strcmp(e->pairs[i][0], name) == 0)
			return e->pairs[i][1];
	return NULL;
}

START_TEST(env_overlay)
{
	struct oomsentry_options o;
	char err[OPT_ERR_MAX];
	struct fake_env env = {{
		{"OOMSENTRY_DUMP_DIR", "/dumps"},
		{"OOMSENTRY_WARNING_SIGNAL", "SIGRTMIN+1"},
		{"OOMSENTRY_CRITICAL_SIGNAL", "USR1"},
		{"OOMSENTRY_ON_WARNING", "none"},
		{"OOMSENTRY_ON_CRITICAL", "trim,dump"},
		{"OOMSENTRY_COOLDOWN", "1m"},
		{"OOMSENTRY_MAX_DUMPS", "3"},
		{"OOMSENTRY_MIN_FREE", "1Gi"},
		{"OOMSENTRY_THRESHOLD", "80%"},
		{"OOMSENTRY_INTERVAL", "250ms"},
	}};
	opt_defaults(&o);
	ck_assert_int_eq(opt_from_env(&o, fake_getenv, &env, err, sizeof err), 0);
	ck_assert_str_eq(o.dump_dir, "/dumps");
	ck_assert_int_eq(o.warning_signal, SIGRTMIN + 1);
	ck_assert_int_eq(o.critical_signal, SIGUSR1);
	ck_assert_uint_eq(o.on_warning, 0);
	ck_assert_uint_eq(o.on_critical, OOMSENTRY_ACTION_TRIM | OOMSENTRY_ACTION_DUMP);
	ck_assert_uint_eq(o.cooldown_ms, 60000);
	ck_assert_uint_eq(o.max_dumps, 3);
	ck_assert_uint_eq(o.min_free_bytes, 1u << 30);
	ck_assert(o.threshold_pct == 80);
	ck_assert_uint_eq(o.interval_ms, 250);

	struct fake_env none = {{{NULL, NULL}}};
	opt_defaults(&o);
	ck_assert_int_eq(opt_from_env(&o, fake_getenv, &none, err, sizeof err), 0);
	ck_assert_str_eq(o.dump_dir, OPT_DEFAULT_DUMP_DIR);
	ck_assert_int_eq(o.warning_signal, SIGUSR1);
	ck_assert_int_eq(o.critical_signal, SIGUSR2);
	ck_assert_uint_eq(o.on_warning, OOMSENTRY_ACTION_TRIM);
	ck_assert_uint_eq(o.on_critical, OOMSENTRY_ACTION_DUMP);
	ck_assert_uint_eq(o.max_dumps, 10);
	ck_assert(o.threshold_pct == 0);
}
END_TEST

/* Every bad value is reported in one line naming the variable and value. */
START_TEST(env_errors_name_variable_and_value)
{
	static const char *bad[][2] = {
		{"OOMSENTRY_DUMP_DIR", "relative/dir"},
		{"OOMSENTRY_WARNING_SIGNAL", "SIGWHAT"},
		{"OOMSENTRY_CRITICAL_SIGNAL", "SIGKILL"},
		{"OOMSENTRY_ON_WARNING", "explode"},
		{"OOMSENTRY_ON_CRITICAL", ""},
		{"OOMSENTRY_COOLDOWN", "abc"},
		{"OOMSENTRY_MAX_DUMPS", "0"},
		{"OOMSENTRY_MIN_FREE", "lots"},
		{"OOMSENTRY_THRESHOLD", "180"},
		{"OOMSENTRY_INTERVAL", "1ms"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct oomsentry_options o;
		char err[OPT_ERR_MAX], want[128];
		struct fake_env env = {{{bad[i][0], bad[i][1]}}};
		opt_defaults(&o);
		ck_assert_int_eq(opt_from_env(&o, fake_getenv, &env, err, sizeof err), -EINVAL);
		snprintf(want, sizeof want, "%s=\"%s\": ", bad[i][0], bad[i][1]);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
		ck_assert_ptr_null(strchr(err, '\n'));
	}
	struct oomsentry_options o;
	char err[OPT_ERR_MAX];
	struct fake_env same = {{{"OOMSENTRY_WARNING_SIGNAL", "USR2"}}};
	opt_defaults(&o);
	ck_assert_int_eq(opt_from_env(&o, fake_getenv, &same, err, sizeof err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "must differ"));
}
END_TEST

/* ------------------------------------------------------------------ names */

START_TEST(names_round_trip)
{
	char base[256], tmp[300], name[300];
	struct timespec t = {1706702400, 123456789}; /* 2024-01-31T12:00:00.123Z */
	struct dumpname_info info;
	ck_assert_int_eq(dumpname_base(base, sizeof base, "web-7f9c-abcde", 42, &t,
				       OOMSENTRY_LEVEL_CRITICAL), 0);
	ck_assert_str_eq(base, "web-7f9c-abcde-42-20240131T120000.123Z-critical");
	snprintf(name, sizeof name, "%s.txt", base);
	ck_assert(dumpname_parse(name, &info));
	ck_assert_int_eq(info.kind, DUMPNAME_SUMMARY);
	ck_assert_str_eq(info.time, "20240131T120000.123Z");
	ck_assert_uint_eq(info.base_len, strlen(base));
	snprintf(name, sizeof name, "%s.heap", base);
	ck_assert(dumpname_parse(name, &info));
	ck_assert_int_eq(info.kind, DUMPNAME_HEAP);
	snprintf(name, sizeof name, "%s.txt", base);
	ck_assert_int_eq(dumpname_temp(tmp, sizeof tmp, name, "abc123"), 0);
	ck_assert_str_eq(tmp, ".web-7f9c-abcde-42-20240131T120000.123Z-critical.txt.abc123");
	ck_assert(dumpname_parse(tmp, &info));
	ck_assert_int_eq(info.kind, DUMPNAME_TEMP);

	const char *foreign[] = {
		"notes.txt", "x-1-20240131T120000.123Z-critical.log",
		"x-1-20240131T120000.123Z-bogus.txt", "-1-20240131T120000.123Z-critical.txt",
		"x--20240131T120000.123Z-critical.txt", "x-1-2024013T120000.123Z-critical.txt",
		".x-1-20240131T120000.123Z-critical.txt", "x-1-20240131T120000.123Z-critical.txt.",
	};
	for (size_t i = 0; i < sizeof foreign / sizeof *foreign; i++)
		ck_assert_msg(!dumpname_parse(foreign[i], &info), "%s", foreign[i]);
}
END_TEST

START_TEST(hostname_sanitized)
{
	char out[DUMPNAME_HOST_MAX];
	dumpname_sanitize_host("pod/../x y", out, sizeof out);
	ck_assert_str_eq(out, "pod_.._x_y");
	dumpname_sanitize_host(".hidden", out, sizeof out);
	ck_assert_str_eq(out, "_hidden");
	dumpname_sanitize_host("", out, sizeof out);
	ck_assert_str_eq(out, "unknown");
	char longer[200];
	memset(longer, 'a', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	dumpname_sanitize_host(longer, out, sizeof out);
	ck_assert_uint_eq(strlen(out), sizeof out - 1);
}
END_TEST

/* --------------------------------------------------------------- rotation */

START_TEST(rotation_picks_oldest)
{
	struct rotation_scan s;
	rotation_scan_init(&s);
	ck_assert(rotation_scan_add(&s, "b-2-20240131T120002.000Z-critical.txt"));
	ck_assert(rotation_scan_add(&s, "zz-9-20240131T120000.500Z-warning.txt"));
	ck_assert(!rotation_scan_add(&s, "a-1-20230101T000000.000Z-critical.heap"));
	ck_assert(!rotation_scan_add(&s, "README"));
	ck_assert(rotation_scan_add(&s, "a-1-20240131T120000.500Z-manual.txt"));
	ck_assert_uint_eq(s.count, 3);
	/* Same time: the name decides, whatever the order of the directory. */
	ck_assert_str_eq(s.oldest, "a-1-20240131T120000.500Z-manual.txt");
	ck_assert(rotation_over(&s, 2));
	ck_assert(!rotation_over(&s, 3));
}
END_TEST

/* ---------------------------------------------------------------- trigger */

START_TEST(cooldown_and_watchdog)
{
	struct cooldown c = {false, 0};
	ck_assert(cooldown_over(&c, 5, 1000));
	cooldown_start(&c, 1000);
	ck_assert(!cooldown_over(&c, 1999, 1000));
	ck_assert_uint_eq(cooldown_remaining_ms(&c, 1500, 1000), 500);
	ck_assert(cooldown_over(&c, 2000, 1000));

	ck_assert(trigger_above(80, 100, false, 80));
	ck_assert(!trigger_above(79, 100, false, 80));
	ck_assert(!trigger_above(99, 100, true, 80));
	ck_assert(!trigger_above(99, 0, false, 80));

	struct watchdog w = {false};
	ck_assert_int_eq(watchdog_step(&w, false, true), WATCHDOG_QUIET);
	ck_assert_int_eq(watchdog_step(&w, true, false), WATCHDOG_PENDING);
	ck_assert_int_eq(watchdog_step(&w, true, true), WATCHDOG_DUMP);
	ck_assert_int_eq(watchdog_step(&w, true, true), WATCHDOG_QUIET);
	ck_assert_int_eq(watchdog_step(&w, false, true), WATCHDOG_REARMED);
	ck_assert_int_eq(watchdog_step(&w, true, true), WATCHDOG_DUMP);
}
END_TEST

/* ---------------------------------------------------------------- textout */

/* One directory per run, made before the tests fork; one below it per test. */
static char rundir[128];
static char tmpdir[192];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "%s/t.XXXXXX", rundir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

START_TEST(textout_buffers_and_copies)
{
	make_tmpdir();
	char path[256], src[256];
	snprintf(path, sizeof path, "%s/out", tmpdir);
	snprintf(src, sizeof src, "%s/src", tmpdir);
	FILE *f = fopen(src, "w");
	for (int i = 0; i < 3000; i++)
		fprintf(f, "line %d\n", i);
	fclose(f);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	struct textout o;
	textout_init(&o, fd);
	for (int i = 0; i < 1000; i++)
		textout_printf(&o, "%d,", i);
	textout_puts(&o, "\n");
	ck_assert_int_eq(textout_copy_file(&o, src), 0);
	ck_assert_int_eq(textout_copy_file(&o, "/nonexistent/x"), -ENOENT);
	ck_assert_int_eq(textout_flush(&o), 0);
	close(fd);
	struct stat a, b;
	stat(path, &a);
	stat(src, &b);
	size_t head = 0;
	for (int i = 0; i < 1000; i++)
		head += (size_t)snprintf(NULL, 0, "%d,", i);
	ck_assert_int_eq(a.st_size, (off_t)(head + 1) + b.st_size);
	ck_assert(summary_status_line_wanted("VmRSS:\t 100 kB"));
	ck_assert(!summary_status_line_wanted("Name:\tx"));
}
END_TEST

/* ---------------------------------------------------------------- dirents */

#define DIRENTS_FILES 600

struct seen {
	int dots;
	int count[DIRENTS_FILES];
	int foreign;
	bool unlink;
};

static void note_entry(int dirfd, const char *name, void *arg)
{
	struct seen *s = arg;
	int i;
	char tail;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		s->dots++;
	else if (sscanf(name, "entry-with-a-rather-long-name-%d%c", &i, &tail) == 1 && i >= 0 &&
		 i < DIRENTS_FILES)
		s->count[i]++;
	else
		s->foreign++;
	if (s->unlink && name[0] != '.')
		ck_assert_int_eq(unlinkat(dirfd, name, 0), 0);
}

static void expect_each_once(const struct seen *s)
{
	ck_assert_int_eq(s->dots, 2);
	ck_assert_int_eq(s->foreign, 0);
	for (int i = 0; i < DIRENTS_FILES; i++)
		ck_assert_msg(s->count[i] == 1, "entry %d seen %d times", i, s->count[i]);
}

/* More entries than one 4 KiB read holds: every one once, from the start on
 * every call, and removable from the callback. */
START_TEST(dirents_each_entry_once)
{
	make_tmpdir();
	int dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dirfd, 0);
	for (int i = 0; i < DIRENTS_FILES; i++) {
		char name[64];
		snprintf(name, sizeof name, "entry-with-a-rather-long-name-%d", i);
		int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	struct seen s;
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(dirents_each(dirfd, note_entry, &s), 0);
	expect_each_once(&s);

	memset(&s, 0, sizeof s);
	s.unlink = true;
	ck_assert_int_eq(dirents_each(dirfd, note_entry, &s), 0);
	expect_each_once(&s);

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(dirents_each(dirfd, note_entry, &s), 0);
	ck_assert_int_eq(s.dots, 2);
	for (int i = 0; i < DIRENTS_FILES; i++)
		ck_assert_int_eq(s.count[i], 0);
	close(dirfd);

	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(dirents_each(fd, note_entry, &s), -ENOTDIR);
	close(fd);
	ck_assert_int_eq(dirents_each(-1, note_entry, &s), -EBADF);
}
END_TEST

/* -------------------------------------------------------------- envconfig */

static void clear_oomsentry_env(void)
{
	extern char **environ;
	for (size_t i = 0; environ[i];) {
		char name[128];
		size_t n = strcspn(environ[i], "=");
		if (strncmp(environ[i], "OOMSENTRY_", 10) == 0 && n < sizeof name) {
			memcpy(name, environ[i], n);
			name[n] = '\0';
			unsetenv(name);
		} else {
			i++;
		}
	}
}

/* Runs fn with stderr going to a file; returns what was written there. */
static void capture_stderr(int (*fn)(struct oomsentry_options *, const char *),
			   struct oomsentry_options *o, const char *consequence, int *ret,
			   char *out, size_t size)
{
	char path[256];
	snprintf(path, sizeof path, "%s/stderr", tmpdir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	*ret = fn(o, consequence);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ssize_t n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
}

START_TEST(envconfig_defaults_env_and_one_error_line)
{
	make_tmpdir();
	clear_oomsentry_env();
	struct oomsentry_options o, want;
	char said[1024];
	int r;

	/* No environment: the defaults, nothing said. */
	memset(&o, 0xa5, sizeof o);
	capture_stderr(envconfig_load, &o, "; x", &r, said, sizeof said);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(said, "");
	opt_defaults(&want);
	ck_assert_str_eq(o.dump_dir, want.dump_dir);
	ck_assert_int_eq(o.warning_signal, want.warning_signal);
	ck_assert_uint_eq(o.cooldown_ms, want.cooldown_ms);
	ck_assert_uint_eq(o.max_dumps, want.max_dumps);

	/* The environment over the defaults. */
	setenv("OOMSENTRY_DUMP_DIR", "/dumps", 1);
	setenv("OOMSENTRY_MAX_DUMPS", "3", 1);
	capture_stderr(envconfig_load, &o, "; x", &r, said, sizeof said);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(said, "");
	ck_assert_str_eq(o.dump_dir, "/dumps");
	ck_assert_uint_eq(o.max_dumps, 3);
	ck_assert_uint_eq(o.cooldown_ms, want.cooldown_ms);

	/* The overlay keeps what the environment does not set. */
	o.cooldown_ms = 1234;
	capture_stderr(envconfig_overlay, &o, "", &r, said, sizeof said);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(o.cooldown_ms, 1234);
	ck_assert_uint_eq(o.max_dumps, 3);

	/* A bad value: one line on stderr, naming variable and value, then
	 * the caller's consequence. */
	setenv("OOMSENTRY_COOLDOWN", "abc", 1);
	capture_stderr(envconfig_load, &o, "; handlers not installed", &r, said, sizeof said);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_msg(strncmp(said, "oomsentry: OOMSENTRY_COOLDOWN=\"abc\": ", 37) == 0, "%s", said);
	size_t len = strlen(said);
	const char *tail = "; handlers not installed\n";
	ck_assert_msg(len > strlen(tail) && strcmp(said + len - strlen(tail), tail) == 0, "%s",
		      said);
	ck_assert_ptr_eq(strchr(said, '\n'), said + len - 1);

	capture_stderr(envconfig_overlay, &o, "", &r, said, sizeof said);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_msg(strncmp(said, "oomsentry: OOMSENTRY_COOLDOWN=\"abc\": ", 37) == 0, "%s", said);
	ck_assert_ptr_eq(strchr(said, '\n'), said + strlen(said) - 1);
}
END_TEST

/* ------------------------------------------------- real processes (forked) */

static int count_files(const char *dir, const char *suffix)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "ls -1 '%s' 2>/dev/null | grep -c -- '%s$'", dir, suffix);
	FILE *p = popen(cmd, "r");
	int n = 0;
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = 0;
		pclose(p);
	}
	return n;
}

static bool wait_files(const char *dir, const char *suffix, int want, int timeout_s)
{
	for (int i = 0; i < timeout_s * 50; i++) {
		if (count_files(dir, suffix) >= want)
			return true;
		usleep(20000);
	}
	return false;
}

/* Whether the file holds needle (a log line written by another thread). */
static bool file_has(const char *path, const char *needle)
{
	char buf[16384];
	ssize_t n = cg_read_text_file(AT_FDCWD, path, buf, sizeof buf);
	return n > 0 && strstr(buf, needle);
}

static void options_for(struct oomsentry_options *o, const char *dir)
{
	oomsentry_options_init(o);
	o->dump_dir = dir;
	o->min_free_bytes = 0;
}

static bool sigcgt_has(int signo)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long mask = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "SigCgt: %llx", &mask) == 1)
			break;
	if (f)
		fclose(f);
	return mask & (1ull << (signo - 1));
}

START_TEST(init_sets_sigcgt)
{
	make_tmpdir();
	struct oomsentry_options o;
	options_for(&o, tmpdir);
	o.warning_signal = SIGRTMIN + 2;
	ck_assert(!sigcgt_has(SIGUSR2));
	ck_assert(!sigcgt_has(SIGRTMIN + 2));
	ck_assert_int_eq(oomsentry_init(&o), 0);
	ck_assert(sigcgt_has(SIGUSR2));
	ck_assert(sigcgt_has(SIGRTMIN + 2));
	ck_assert(!sigcgt_has(SIGUSR1));
	ck_assert_int_eq(oomsentry_init(&o), -EALREADY);
}
END_TEST

START_TEST(raise_writes_summary)
{
	make_tmpdir();
	char dir[256];
	snprintf(dir, sizeof dir, "%s/a/b", tmpdir); /* missing: created 0700 */
	struct oomsentry_options o;
	options_for(&o, dir);
	ck_assert_int_eq(oomsentry_init(&o), 0);
	raise(SIGUSR2);
	ck_assert_msg(wait_files(dir, "-critical.txt", 1, 10), "no summary within 10 s");
	struct stat st;
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "stat -c %%a '%s'/*-critical.txt | grep -qx 600", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof cmd,
		 "grep -q '^level: critical' '%s'/*.txt && grep -q '^signal: SIGUSR2' '%s'/*.txt && "
		 "grep -q '^VmRSS:' '%s'/*.txt && grep -q '^VmHWM:' '%s'/*.txt && "
		 "grep -q '^## /proc/self/smaps_rollup' '%s'/*.txt && "
		 "grep -q '^Rss:' '%s'/*.txt && grep -q '^working_set_bytes: ' '%s'/*.txt && "
		 "grep -q '^## allocator: ' '%s'/*.txt && "
		 /* glibc's own report, unless a sanitizer's allocator replaced it */
		 "{ ! grep -q '^allocator: glibc' '%s'/*.txt || grep -q '<malloc version' '%s'/*.txt; }",
		 dir, dir, dir, dir, dir, dir, dir, dir, dir, dir);
	ck_assert_msg(system(cmd) == 0, "summary lacks a section");
	/* No leftovers of the temporary names. */
	ck_assert_int_eq(count_files(dir, ".txt"), 1);
	snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -q '^\\.'", dir);
	ck_assert_int_ne(system(cmd), 0);
}
END_TEST

/* With jemalloc preloaded and profiling on, raise(SIGUSR2) gives both files,
 * and the process keeps running. */
START_TEST(victim_writes_both_files)
{
	make_tmpdir();
	if (access(JEMALLOC_SO, R_OK) != 0) {
		ck_assert_msg(!in_ci(), "%s missing in CI", JEMALLOC_SO);
		return;
	}
	int out[2];
	ck_assert_int_eq(pipe(out), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		setenv("LD_PRELOAD", JEMALLOC_SO, 1);
		setenv("MALLOC_CONF", "prof:true,lg_prof_sample:16", 1);
		setenv("OOMSENTRY_DUMP_DIR", tmpdir, 1);
		setenv("OOMSENTRY_MIN_FREE", "0", 1);
		setenv("HANDLER_VICTIM_RAISE", "1", 1);
		execl(HANDLER_VICTIM, "handler_victim", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	char buf[16] = "";
	ck_assert_int_gt(read(out[0], buf, sizeof buf - 1), 0);
	ck_assert_ptr_nonnull(strstr(buf, "ready"));
	bool txt = wait_files(tmpdir, "-critical.txt", 1, 10);
	bool heap = wait_files(tmpdir, "-critical.heap", 1, 2);
	bool alive = kill(pid, 0) == 0 && waitpid(pid, NULL, WNOHANG) == 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_msg(txt, "no summary within 10 s");
	ck_assert_msg(heap, "no heap profile");
	ck_assert_msg(alive, "the process died");
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "grep -q '^allocator: jemalloc' '%s'/*.txt && "
				  "grep -q '^heap_profile: .*heap (jemalloc prof.dump)' '%s'/*.txt && "
				  "head -c 20 '%s'/*.heap | grep -q 'heap_v2'",
		 tmpdir, tmpdir, tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static volatile sig_atomic_t old_plain_runs, old_info_runs, old_info_ok;

static void old_plain(int signo)
{
	(void)signo;
	old_plain_runs++;
}

static void old_info(int signo, siginfo_t *info, void *uctx)
{
	(void)uctx;
	old_info_runs++;
	old_info_ok = signo == SIGUSR1 && info && info->si_signo == SIGUSR1;
}

static volatile sig_atomic_t warning_cbs, critical_cbs;
static int cb_tag; /* the arg every callback must get back */

static void count_level(enum oomsentry_level level, void *arg)
{
	ck_assert_ptr_eq(arg, &cb_tag);
	if (level == OOMSENTRY_LEVEL_WARNING)
		warning_cbs++;
	else
		critical_cbs++;
}

START_TEST(previous_handlers_chained)
{
	make_tmpdir();
	signal(SIGUSR2, old_plain);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = old_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	char logpath[256];
	snprintf(logpath, sizeof logpath, "%s/log", tmpdir);
	log_set_stream(fopen(logpath, "w"));
	struct oomsentry_options o;
	options_for(&o, tmpdir);
	ck_assert_int_eq(oomsentry_on_warning(count_level, &cb_tag), 0);
	ck_assert_int_eq(oomsentry_on_critical(count_level, &cb_tag), 0);
	ck_assert_int_eq(oomsentry_init(&o), 0);
	raise(SIGUSR2);
	raise(SIGUSR1);
	ck_assert_int_eq(old_plain_runs, 1);
	ck_assert_int_eq(old_info_runs, 1);
	ck_assert(old_info_ok);
	ck_assert(wait_files(tmpdir, "-critical.txt", 1, 10));
	ck_assert_int_eq(critical_cbs, 1); /* callbacks run before the dump */
	/* The warning is handled on its own, or, if the worker read the
	 * critical byte alone and the warning's came during that dump, merged
	 * into it and said so (as documented): never lost without a word. */
	bool merged = false;
	for (int i = 0; i < 1500 && !warning_cbs && !merged; i++) {
		usleep(20000);
		merged = file_has(logpath, "event=oomsentry_coalesced warning=1 ");
	}
	ck_assert_msg(warning_cbs == 1 || merged, "warning callbacks: %d, merged: %d",
		      (int)warning_cbs, merged);
	ck_assert(!(warning_cbs && merged));
}
END_TEST

START_TEST(burst_gives_one_dump_per_cooldown)
{
	make_tmpdir();
	struct oomsentry_options o;
	options_for(&o, tmpdir);
	o.cooldown_ms = 500;
	ck_assert_int_eq(oomsentry_init(&o), 0);
	for (int i = 0; i < 50; i++)
		raise(SIGUSR2);
	ck_assert(wait_files(tmpdir, "-critical.txt", 1, 10));
	usleep(200000); /* inside the cooldown: the rest must have been coalesced */
	ck_assert_int_eq(count_files(tmpdir, "-critical.txt"), 1);
	usleep(500000); /* cooldown over */
	for (int i = 0; i < 50; i++)
		raise(SIGUSR2);
	ck_assert(wait_files(tmpdir, "-critical.txt", 2, 10));
	usleep(200000);
	ck_assert_int_eq(count_files(tmpdir, "-critical.txt"), 2);
}
END_TEST

START_TEST(rotation_keeps_n)
{
	make_tmpdir();
	char path[600];
	/* Older dumps of another pod, a temporary file of a live writer and a
	 * file that is not ours. */
	const char *seed[] = {"other-1-20200101T000000.000Z-critical.txt",
			      "other-1-20200101T000000.000Z-critical.heap",
			      "other-1-20200101T000001.000Z-warning.txt", "keep-me.txt",
			      ".other-1-20200101T000002.000Z-critical.txt.abcdef"};
	for (size_t i = 0; i < sizeof seed / sizeof *seed; i++) {
		snprintf(path, sizeof path, "%s/%s", tmpdir, seed[i]);
		close(open(path, O_WRONLY | O_CREAT, 0600));
	}
	struct oomsentry_options o;
	options_for(&o, tmpdir);
	o.max_dumps = 3;
	ck_assert_int_eq(oomsentry_init(&o), 0);
	char bases[5][400];
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(oomsentry_dump(bases[i], sizeof bases[i]), 0);
		usleep(3000); /* distinct milliseconds, distinct names */
	}
	ck_assert_int_eq(count_files(tmpdir, "-manual.txt"), 3);
	ck_assert_int_eq(count_files(tmpdir, "Z-critical.txt"), 0);
	ck_assert_int_eq(count_files(tmpdir, "Z-critical.heap"), 0);
	ck_assert_int_eq(count_files(tmpdir, "Z-warning.txt"), 0);
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof path, "%.399s.txt", bases[i]);
		ck_assert_int_eq(access(path, F_OK) == 0, i >= 2);
	}
	snprintf(path, sizeof path, "%s/keep-me.txt", tmpdir);
	ck_assert_int_eq(access(path, F_OK), 0);
	/* A fresh temporary file may belong to a writer at work: left alone. */
	snprintf(path, sizeof path, "%s/%s", tmpdir, seed[4]);
	ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

/* A directory the process cannot write: read-only mount (root) or mode 0555.
 * Every dump fails, is logged, and the process and the worker carry on. */
START_TEST(read_only_directory_survived)
{
	make_tmpdir();
	char dir[256];
	snprintf(dir, sizeof dir, "%s/ro", tmpdir);
	mkdir(dir, 0755);
	if (geteuid() == 0) {
		ck_assert_msg(unshare(CLONE_NEWNS) == 0, "unshare: %s", strerror(errno));
		ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
		ck_assert_int_eq(mount("tmpfs", dir, "tmpfs", MS_RDONLY, "size=1m"), 0);
	} else {
		chmod(dir, 0555);
	}
	char logpath[256];
	snprintf(logpath, sizeof logpath, "%s/log", tmpdir);
	FILE *log = fopen(logpath, "w");
	log_set_stream(log);
	struct oomsentry_options o;
	options_for(&o, dir);
	o.cooldown_ms = 0;
	ck_assert_int_eq(oomsentry_on_critical(count_level, &cb_tag), 0);
	ck_assert_int_eq(oomsentry_init(&o), 0);
	int r = oomsentry_dump(NULL, 0);
	ck_assert_msg(r == -EROFS || r == -EACCES, "got %d", r);
	raise(SIGUSR2);
	for (int i = 0; i < 500 && !critical_cbs; i++)
		usleep(10000);
	ck_assert_int_eq(critical_cbs, 1);
	usleep(100000);
	raise(SIGUSR2);
	for (int i = 0; i < 500 && critical_cbs < 2; i++)
		usleep(10000);
	ck_assert_int_eq(critical_cbs, 2);
	fflush(log);
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "grep -q 'event=oomsentry_dump_failed.*stage=create_' '%s'", logpath);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(count_files(dir, ".txt"), 0);
}
END_TEST

START_TEST(missing_uncreatable_directory_survived)
{
	make_tmpdir();
	char file[256], dir[288];
	snprintf(file, sizeof file, "%s/file", tmpdir);
	close(open(file, O_WRONLY | O_CREAT, 0600));
	snprintf(dir, sizeof dir, "%s/sub", file);
	struct oomsentry_options o;
	options_for(&o, dir);
	ck_assert_int_eq(oomsentry_init(&o), 0);
	ck_assert_int_eq(oomsentry_dump(NULL, 0), -ENOTDIR);
	ck_assert_int_eq(oomsentry_dump(NULL, 0), -ENOTDIR);
}
END_TEST

/* Too little free space: the dump is skipped with a log line. */
START_TEST(full_directory_skipped)
{
	make_tmpdir();
	char logpath[256];
	snprintf(logpath, sizeof logpath, "%s/log", tmpdir);
	FILE *log = fopen(logpath, "w");
	log_set_stream(log);
	struct oomsentry_options o;
	options_for(&o, tmpdir);
	o.min_free_bytes = UINT64_MAX;
	ck_assert_int_eq(oomsentry_init(&o), 0);
	ck_assert_int_eq(oomsentry_dump(NULL, 0), -ENOSPC);
	fflush(log);
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
		 "grep -q 'event=oomsentry_dump_skipped.*reason=low_disk_space' '%s'", logpath);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(count_files(tmpdir, ".txt"), 0);
}
END_TEST

/* A symlink planted at the final name is replaced, never followed; a symlink
 * as the directory itself is refused. */
START_TEST(planted_symlink_not_followed)
{
	make_tmpdir();
	char victim[256], link[512], base[256], dirlink[256];
	snprintf(victim, sizeof victim, "%s/victim", tmpdir);
	FILE *f = fopen(victim, "w");
	fputs("precious\n", f);
	fclose(f);
	struct timespec when = {1706702400, 0};
	ck_assert_int_eq(dumpname_base(base, sizeof base, "host", getpid(), &when,
				       OOMSENTRY_LEVEL_CRITICAL), 0);
	snprintf(link, sizeof link, "%s/%s.txt", tmpdir, base);
	ck_assert_int_eq(symlink(victim, link), 0);

	struct allocator alloc;
	alloc_detect(&alloc);
	struct dump_target t = {tmpdir, 10, 0};
	struct dump_env e = {.alloc = &alloc, .cg = NULL, .cg_error = -ENOENT,
			     .hostname = "host", .pid = getpid()};
	struct dump_result r;
	ck_assert_int_eq(dump_write(&t, &e, OOMSENTRY_LEVEL_CRITICAL, SIGUSR2, &when, &r), 0);
	struct stat st;
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	char buf[32] = "";
	f = fopen(victim, "r");
	ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
	fclose(f);
	ck_assert_str_eq(buf, "precious\n");

	snprintf(dirlink, sizeof dirlink, "%s/dirlink", tmpdir);
	ck_assert_int_eq(symlink(tmpdir, dirlink), 0);
	t.dir = dirlink;
	/* O_DIRECTORY|O_NOFOLLOW on a symlink: ENOTDIR (ELOOP on some kernels). */
	int err = dump_write(&t, &e, OOMSENTRY_LEVEL_CRITICAL, SIGUSR2, &when, &r);
	ck_assert_msg(err == -ENOTDIR || err == -ELOOP, "got %d", err);
	ck_assert_str_eq(r.stage, "open_directory");
}
END_TEST

/* A signal in a forked child must not make the parent dump. */
START_TEST(forked_child_stays_silent)
{
	make_tmpdir();
	struct oomsentry_options o;
	options_for(&o, tmpdir);
	ck_assert_int_eq(oomsentry_init(&o), 0);
	pid_t pid = fork();
	if (pid == 0) {
		raise(SIGUSR2);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	ck_assert(WIFEXITED(status));
	usleep(300000);
	ck_assert_int_eq(count_files(tmpdir, ".txt"), 0);
	raise(SIGUSR2);
	ck_assert(wait_files(tmpdir, "-critical.txt", 1, 10));
}
END_TEST

static Suite *handler_suite(void)
{
	Suite *s = suite_create("handler");
	TCase *pure = tcase_create("pure");
	tcase_add_test(pure, duration_forms);
	tcase_add_test(pure, sizes_percents_counts);
	tcase_add_test(pure, actions_and_signals);
	tcase_add_test(pure, env_overlay);
	tcase_add_test(pure, env_errors_name_variable_and_value);
	tcase_add_test(pure, names_round_trip);
	tcase_add_test(pure, hostname_sanitized);
	tcase_add_test(pure, rotation_picks_oldest);
	tcase_add_test(pure, cooldown_and_watchdog);
	tcase_add_test(pure, textout_buffers_and_copies);
	tcase_add_test(pure, dirents_each_entry_once);
	tcase_add_test(pure, envconfig_defaults_env_and_one_error_line);
	suite_add_tcase(s, pure);

	TCase *proc = tcase_create("process");
	tcase_set_timeout(proc, 60);
	tcase_add_test(proc, init_sets_sigcgt);
	tcase_add_test(proc, raise_writes_summary);
	tcase_add_test(proc, victim_writes_both_files);
	tcase_add_test(proc, previous_handlers_chained);
	tcase_add_test(proc, burst_gives_one_dump_per_cooldown);
	tcase_add_test(proc, rotation_keeps_n);
	tcase_add_test(proc, read_only_directory_survived);
	tcase_add_test(proc, missing_uncreatable_directory_survived);
	tcase_add_test(proc, full_directory_skipped);
	tcase_add_test(proc, planted_symlink_not_followed);
	tcase_add_test(proc, forked_child_stays_silent);
	suite_add_tcase(s, proc);
	return s;
}

int main(void)
{
	snprintf(rundir, sizeof rundir, "/tmp/check_handler.XXXXXX");
	if (!mkdtemp(rundir)) {
		perror("check_handler: mkdtemp");
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(handler_suite());
	/* Every test is its own process: the library installs once per process. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	char cmd[PATH_MAX];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", rundir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_handler: could not remove %s\n", rundir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
