/* Unit tests for src/settings.h: every setting from every source (INI file,
 * environment, flags), bad values with their error messages, precedence,
 * the checks between settings, --print-config read back, comm selection;
 * and the table behind them (src/settings_table.h). */
#include "check_run.h"
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"
#include "settings_table.h"

#define N(a) (sizeof(a) / sizeof *(a))

/* The names each setting goes by, in the table's order. */
static const struct name {
	const char *key, *env, *flag;
} names[] = {
	{"warning", "WARNING", "warning"},
	{"critical", "CRITICAL", "critical"},
	{"cooldown", "COOLDOWN", "cooldown"},
	{"hysteresis", "HYSTERESIS", "hysteresis"},
	{"warning_signal", "WARNING_SIGNAL", "warning-signal"},
	{"critical_signal", "CRITICAL_SIGNAL", "critical-signal"},
	{"interval", "INTERVAL", "interval"},
	{"min_interval", "MIN_INTERVAL", "min-interval"},
	{"adaptive", "ADAPTIVE", "adaptive"},
	{"rescan_interval", "RESCAN_INTERVAL", "rescan-interval"},
	{"metric", "METRIC", "metric"},
	{"signal_unhandled", "SIGNAL_UNHANDLED", "signal-unhandled"},
	{"include", "INCLUDE", "include"},
	{"exclude", "EXCLUDE", "exclude"},
	{"dry_run", "DRY_RUN", "dry-run"},
	{"log_format", "LOG_FORMAT", "log-format"},
	{"log_level", "LOG_LEVEL", "log-level"},
	{"proc_root", "PROC_ROOT", "proc-root"},
	{"signal_comms", "SIGNAL_COMMS", "signal-comms"},
	{"warning_actions", "WARNING_ACTIONS", "warning-actions"},
	{"critical_actions", "CRITICAL_ACTIONS", "critical-actions"},
	{"dump_dir", "DUMP_DIR", "dump-dir"},
	{"dump_keep", "DUMP_KEEP", "dump-keep"},
	{"dump_min_free", "DUMP_MIN_FREE", "dump-min-free"},
	{"events_max", "EVENTS_MAX", "events-max"},
	{"jvm_heap_dump_dir", "JVM_HEAP_DUMP_DIR", "jvm-heap-dump-dir"},
	{"go_pprof", "GO_PPROF", "go-pprof"},
	{"action_timeout", "ACTION_TIMEOUT", "action-timeout"},
	{"metrics_addr", "METRICS_ADDR", "metrics-addr"},
	{"flight_recorder", "FLIGHT_RECORDER", "flight-recorder"},
};

static const struct name *name_of(const char *key)
{
	for (size_t i = 0; i < N(names); i++)
		if (strcmp(names[i].key, key) == 0)
			return &names[i];
	ck_abort_msg("no setting %s", key);
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Running settings_parse_args + settings_resolve */

struct run {
	int parse_r;                /* settings_parse_args */
	int r;                      /* settings_resolve */
	char err[SETTINGS_ERR_MAX];
	struct settings s;          /* filled with 0x5a before the call */
	bool untouched;             /* s still holds the 0x5a pattern */
	char path[256];             /* the INI file written for the run, if any */
	struct cli cli;
};

static int file_seq;

/* settings_parse_args sets optind = 1, which does not make glibc forget a
 * half-read cluster of short options from the previous argv (see
 * cli_parse_twice_after_error). Each case here starts getopt afresh so one
 * case cannot disturb the next; optind = 0 is glibc's full reset. */
static void reset_getopt(void)
{
	static char prog[] = "reset";
	char *argv[] = {prog, NULL};
	optind = 0;
	opterr = 0;
	while (getopt(1, argv, "") != -1)
		;
}

/* Writes text to a fresh temporary file; path receives its name. */
static void write_temp(char *path, size_t size, const char *text)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, size, "%s/check_settings_%ld_%d_XXXXXX", dir && *dir ? dir : "/tmp",
		 (long)getpid(), file_seq++);
	int fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp %s", path);
	size_t len = strlen(text);
	ck_assert_msg(write(fd, text, len) == (ssize_t)len, "write %s", path);
	close(fd);
}

/* args: NULL-terminated flags after the program name. ini: file contents or
 * NULL for no --config. The file is removed before returning. */
static void run(struct run *rr, const char *ini, char *const *envp, const char *const *args)
{
	char *argv[80];
	int argc = 0;
	argv[argc++] = strdup("oomsentry");
	for (; args && *args; args++) {
		ck_assert(argc < (int)N(argv) - 1);
		argv[argc++] = strdup(*args);
	}
	argv[argc] = NULL;
	char *copies[80];
	memcpy(copies, argv, sizeof argv); /* getopt_long permutes argv */

	memset(rr, 0, sizeof *rr);
	memset(&rr->s, 0x5a, sizeof rr->s);
	reset_getopt();
	rr->parse_r = settings_parse_args(argc, argv, &rr->cli, rr->err, sizeof rr->err);
	if (rr->parse_r == 0) {
		if (ini) {
			write_temp(rr->path, sizeof rr->path, ini);
			rr->cli.config = rr->path;
		}
		rr->r = settings_resolve(&rr->s, &rr->cli, envp, rr->err, sizeof rr->err);
		if (ini)
			unlink(rr->path);
		unsigned char pattern[sizeof rr->s];
		memset(pattern, 0x5a, sizeof pattern);
		rr->untouched = memcmp(&rr->s, pattern, sizeof pattern) == 0;
	}
	rr->cli.config = NULL; /* points into rr->path only; flags point into argv */
	for (int i = 0; i < argc; i++)
		free(copies[i]);
	rr->cli.nflags = 0;
}

/* Resolves with envp only, asserting success. */
static void resolve_env_ok(struct settings *s, char *const *envp)
{
	struct run rr;
	run(&rr, NULL, envp, NULL);
	ck_assert_msg(rr.parse_r == 0 && rr.r == 0, "env %s...: %s", envp && envp[0] ? envp[0] : "",
		      rr.err);
	*s = rr.s;
}

static bool contains(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

/* NAME="value" as the messages print it; long values are cut to their first
 * 64 bytes (the whole message has at most SETTINGS_ERR_MAX bytes). */
static void quoted(char *buf, size_t size, const char *prefix, const char *value)
{
	size_t len = strlen(value);
	snprintf(buf, size, "%s=\"%.64s%s", prefix, value, len <= 64 ? "\"" : "");
}

/* ------------------------------------------------------------------------ */
/* Bad values, for every setting, through every source */

static char long_number[80];   /* 70 digits */
static char long_list[700];    /* 600 bytes of valid items: over SETTINGS_LIST_MAX */
static char long_path[700];    /* over SETTINGS_PATH_MAX */
static char mid_list[200];     /* 185 bytes: over SETTINGS_LIST_MAX, fits an INI line */

static void make_long_values(void)
{
	memset(long_number, '9', 70);
	long_number[70] = '\0';
	for (size_t i = 0; i < 600; i += 2)
		memcpy(long_list + i, "a,", 2);
	long_list[599] = 'b';
	long_list[600] = '\0';
	long_path[0] = '/';
	memset(long_path + 1, 'd', 599);
	long_path[600] = '\0';
	for (size_t i = 0; i < 184; i += 2)
		memcpy(mid_list + i, "a,", 2);
	mid_list[184] = 'b';
	mid_list[185] = '\0';
}

struct bad {
	const char *key;
	const char *value;
};

/* Values every setter must reject: empty, garbage, negative, overflow, out
 * of range. Every value here is refused by the setting's own parser (not by
 * the checks between settings). */
static const struct bad bad_values[] = {
	{"warning", ""},           {"warning", "abc"},       {"warning", "-5"},
	{"warning", "99999999999999999999E"}, {"warning", long_number},
	{"warning", "101"},        {"warning", "0"},         {"warning", "0%"},
	{"warning", "75%%"},       {"warning", "0x10"},      {"warning", "1e3"},
	{"warning", "nan"},        {"warning", "0Mi"},       {"warning", "16Ei"},
	{"warning", "5mi"},

	{"critical", ""},          {"critical", "abc"},      {"critical", "-90"},
	{"critical", "99999999999999999999E"}, {"critical", long_number},
	{"critical", "100.5"},     {"critical", "0"},        {"critical", "90 %"},
	{"critical", "inf"},       {"critical", "1Gb"},

	{"cooldown", ""},          {"cooldown", "abc"},      {"cooldown", "-1"},
	{"cooldown", "-1s"},       {"cooldown", "99999999999999999999"},
	{"cooldown", "99999999999999999999h"}, {"cooldown", "2562048h"},
	{"cooldown", "+"},         {"cooldown", "+-5s"},     {"cooldown", "1.5"},
	{"cooldown", "10x"},       {"cooldown", "1m30"},     {"cooldown", "1d"},

	{"hysteresis", ""},        {"hysteresis", "abc"},    {"hysteresis", "-1"},
	{"hysteresis", long_number}, {"hysteresis", "51"},   {"hysteresis", "50.5%"},
	{"hysteresis", "%"},       {"hysteresis", "5%%"},    {"hysteresis", "1e3"},
	{"hysteresis", "5pp"},

	{"warning_signal", ""},    {"warning_signal", "SIGFOO"}, {"warning_signal", "-1"},
	{"warning_signal", "99999999999999999999"}, {"warning_signal", "999"},
	{"warning_signal", "0"},   {"warning_signal", "65"}, {"warning_signal", "RTMIN+99"},
	{"warning_signal", "RTMIN-1"}, {"warning_signal", "USR1x"},

	{"critical_signal", ""},   {"critical_signal", "SIGBAR"}, {"critical_signal", "-15"},
	{"critical_signal", "99999999999999999999"}, {"critical_signal", "0"},
	{"critical_signal", "65"}, {"critical_signal", "RTMAX+1"}, {"critical_signal", "1x"},
	{"critical_signal", "SIGSTOP"}, {"warning_signal", "STOP"}, {"warning_signal", "19"},

	{"interval", ""},          {"interval", "abc"},      {"interval", "-1ms"},
	{"interval", "99999999999999999999"}, {"interval", "0"}, {"interval", "0s"},
	{"interval", "999us"},     {"interval", "3601"},     {"interval", "2h"},
	{"interval", "1.5"},

	{"rescan_interval", ""},   {"rescan_interval", "x"}, {"rescan_interval", "-1s"},
	{"rescan_interval", "99999999999999999999"}, {"rescan_interval", "9ms"},
	{"rescan_interval", "0"},  {"rescan_interval", "61m"}, {"rescan_interval", "1h1ms"},
	{"min_interval", ""},      {"min_interval", "x"},    {"min_interval", "-1ms"},
	{"min_interval", "99999999999999999999"}, {"min_interval", "99us"},
	{"min_interval", "0"},     {"min_interval", "2h"},   {"min_interval", "1.5"},
	{"adaptive", ""},          {"adaptive", "maybe"},    {"adaptive", "-1"},
	{"adaptive", "2"},         {"adaptive", "99999999999999999999"},

	{"metric", ""},            {"metric", "rss"},        {"metric", "-1"},
	{"metric", "usage2"},      {"metric", "working set"}, {"metric", "99999999999999999999"},

	{"signal_unhandled", ""},  {"signal_unhandled", "maybe"}, {"signal_unhandled", "-1"},
	{"signal_unhandled", "2"}, {"signal_unhandled", "truee"},
	{"signal_unhandled", "99999999999999999999"},

	{"include", "a,,b"},       {"include", ","},         {"include", "a,"},
	{"include", ",a"},         {"include", " , "},       {"include", "a, ,b"},
	{"include", long_list},    {"include", "a\001b"},   {"include", "a,b\177"},

	{"exclude", "x,,y"},       {"exclude", ","},         {"exclude", "x,"},
	{"exclude", ",x"},         {"exclude", long_list},

	{"dry_run", ""},           {"dry_run", "maybe"},     {"dry_run", "-1"},
	{"dry_run", "2"},          {"dry_run", "yess"},      {"dry_run", "99999999999999999999"},

	{"log_format", ""},        {"log_format", "xml"},    {"log_format", "-1"},
	{"log_format", "jsonl"},   {"log_format", "99999999999999999999"},

	{"log_level", ""},         {"log_level", "verbose"}, {"log_level", "-1"},
	{"log_level", "5"},        {"log_level", "trace"},   {"log_level", "99999999999999999999"},

	{"proc_root", ""},         {"proc_root", long_path}, {"proc_root", "/proc\001"},
	{"proc_root", "/pr\033oc"},

	{"signal_comms", "a,,b"},  {"signal_comms", ","},    {"signal_comms", long_list},

	{"warning_actions", ""},   {"warning_actions", "heapdump"}, {"warning_actions", ","},
	{"warning_actions", "pprof,"}, {"warning_actions", "none,pprof"},
	{"warning_actions", "pprof histogram"}, {"warning_actions", "-1"},
	{"critical_actions", ""},  {"critical_actions", "all"}, {"critical_actions", ",pprof"},

	{"dump_dir", long_path},   {"dump_dir", "/dumps\001"},
	{"jvm_heap_dump_dir", long_path}, {"jvm_heap_dump_dir", "/d\033"},
	{"jvm_heap_dump_dir", "dumps"},   {"jvm_heap_dump_dir", "./dumps"},

	{"dump_keep", ""},         {"dump_keep", "0"},       {"dump_keep", "1001"},
	{"dump_keep", "-1"},       {"dump_keep", "2.5"},     {"dump_keep", "x"},
	{"dump_keep", "99999999999999999999"},
	{"dump_keep", "609999999999999999999999999999999999999999999999999999"},

	{"dump_min_free", ""},     {"dump_min_free", "x"},   {"dump_min_free", "-1Mi"},
	{"dump_min_free", "16Ei"}, {"dump_min_free", "5mi"},

	{"events_max", ""},        {"events_max", "x"},      {"events_max", "65535"},
	{"events_max", "63Ki"},    {"events_max", "1025Mi"}, {"events_max", "2Gi"},
	{"events_max", "-64Ki"},

	{"go_pprof", "0"},         {"go_pprof", "65536"},    {"go_pprof", "https://127.0.0.1:6060"},
	{"go_pprof", "http://example.com:6060"}, {"go_pprof", "6060x"},
	{"go_pprof", "http://127.0.0.1:0/"}, {"go_pprof", "ftp://127.0.0.1"},

	{"action_timeout", ""},    {"action_timeout", "0"},  {"action_timeout", "500ms"},
	{"action_timeout", "61m"}, {"action_timeout", "x"},

	{"metrics_addr", "9559"},  {"metrics_addr", "localhost:9559"}, {"metrics_addr", ":65536"},
	{"metrics_addr", "::1:9559"}, {"metrics_addr", "[::1]9559"}, {"metrics_addr", ":"},
	{"metrics_addr", "1.2.3:80"}, {"metrics_addr", ":-1"},

	{"flight_recorder", "x"},  {"flight_recorder", "61m"}, {"flight_recorder", "-1s"},
};

/* inih reads lines of at most 200 bytes; values longer than this are tested
 * through the file separately (ini_long_*). */
#define INI_TABLE_MAX_VALUE 150

static void assert_failed(const struct run *rr, const char *src, const struct bad *b)
{
	ck_assert_msg(rr->parse_r == 0, "%s %s=\"%.40s\": parse_args failed: %s", src, b->key,
		      b->value, rr->err);
	ck_assert_msg(rr->r < 0, "%s %s=\"%.40s\": accepted", src, b->key, b->value);
	ck_assert_msg(rr->untouched, "%s %s=\"%.40s\": *out changed on error", src, b->key,
		      b->value);
}

START_TEST(bad_values_env)
{
	make_long_values();
	for (size_t i = 0; i < N(bad_values); i++) {
		const struct bad *b = &bad_values[i];
		const struct name *n = name_of(b->key);
		char var[800];
		snprintf(var, sizeof var, "%s=%s", n->env, b->value);
		char *envp[] = {var, NULL};
		struct run rr;
		run(&rr, NULL, envp, NULL);
		assert_failed(&rr, "env", b);
		char want[256];
		quoted(want, sizeof want, n->env, b->value);
		ck_assert_msg(contains(rr.err, want), "env %s=\"%.40s\": message \"%s\" lacks [%s]",
			      n->env, b->value, rr.err, want);
	}
}
END_TEST

START_TEST(bad_values_flags)
{
	make_long_values();
	for (size_t i = 0; i < N(bad_values); i++) {
		const struct bad *b = &bad_values[i];
		const struct name *n = name_of(b->key);
		char arg[800];
		snprintf(arg, sizeof arg, "--%s=%s", n->flag, b->value);
		const char *args[] = {arg, NULL};
		struct run rr;
		run(&rr, NULL, NULL, args);
		assert_failed(&rr, "flag", b);
		char want[256], flag[64];
		snprintf(flag, sizeof flag, "--%s", n->flag);
		quoted(want, sizeof want, flag, b->value);
		ck_assert_msg(contains(rr.err, want), "%s=\"%.40s\": message \"%s\" lacks [%s]", flag,
			      b->value, rr.err, want);
	}
}
END_TEST

/* The same values as separate argv words: "--cooldown" "-1s". */
START_TEST(bad_values_flags_separate_word)
{
	make_long_values();
	for (size_t i = 0; i < N(bad_values); i++) {
		const struct bad *b = &bad_values[i];
		const struct name *n = name_of(b->key);
		if (strcmp(b->key, "dry_run") == 0 || strcmp(b->key, "signal_unhandled") == 0 ||
		    strcmp(b->key, "adaptive") == 0)
			continue; /* optional argument: only --flag=value */
		char flag[64];
		snprintf(flag, sizeof flag, "--%s", n->flag);
		const char *args[] = {flag, b->value, NULL};
		struct run rr;
		run(&rr, NULL, NULL, args);
		assert_failed(&rr, "flag word", b);
		char want[256];
		quoted(want, sizeof want, flag, b->value);
		ck_assert_msg(contains(rr.err, want), "%s \"%.40s\": message \"%s\" lacks [%s]", flag,
			      b->value, rr.err, want);
	}
}
END_TEST

START_TEST(bad_values_ini)
{
	make_long_values();
	for (size_t i = 0; i < N(bad_values); i++) {
		const struct bad *b = &bad_values[i];
		size_t len = strlen(b->value);
		if (len > INI_TABLE_MAX_VALUE)
			continue;
		/* inih strips blanks around a value: " , " arrives as ",". */
		if (len && (isblank((unsigned char)b->value[0]) ||
			    isblank((unsigned char)b->value[len - 1])))
			continue;
		char ini[512];
		/* The setting is on line 3. */
		snprintf(ini, sizeof ini, "; written by check_settings\n[oomsentry]\n%s = %s\n",
			 b->key, b->value);
		struct run rr;
		run(&rr, ini, NULL, NULL);
		assert_failed(&rr, "ini", b);
		char where[300], want[256];
		snprintf(where, sizeof where, "%s:3:", rr.path);
		quoted(want, sizeof want, b->key, b->value);
		ck_assert_msg(contains(rr.err, where) && contains(rr.err, want),
			      "ini %s = \"%s\": message \"%s\" lacks [%s] or [%s]", b->key, b->value,
			      rr.err, where, want);
	}
}
END_TEST

/* The file named by CONFIG= in the environment is read like --config. */
START_TEST(bad_values_ini_via_config_env)
{
	static const struct bad some[] = {
		{"warning", "abc"}, {"cooldown", "-1s"}, {"proc_root", ""}, {"include", "a,,b"},
	};
	for (size_t i = 0; i < N(some); i++) {
		char path[256], ini[256];
		snprintf(ini, sizeof ini, "%s = %s\n", some[i].key, some[i].value);
		write_temp(path, sizeof path, ini);
		char var[300];
		snprintf(var, sizeof var, "CONFIG=%s", path);
		char *envp[] = {var, NULL};
		struct run rr;
		run(&rr, NULL, envp, NULL);
		unlink(path);
		assert_failed(&rr, "CONFIG", &some[i]);
		char where[300], want[256];
		snprintf(where, sizeof where, "%s:1:", path);
		quoted(want, sizeof want, some[i].key, some[i].value);
		ck_assert_msg(contains(rr.err, where) && contains(rr.err, want),
			      "message \"%s\" lacks [%s] or [%s]", rr.err, where, want);
	}
}
END_TEST

/* A bad value in a lower layer is an error even when a higher layer sets the
 * same setting: every source is validated. */
START_TEST(bad_value_in_lower_layer_still_fails)
{
	char *envp[] = {"COOLDOWN=abc", NULL};
	const char *args[] = {"--cooldown=10s", NULL};
	struct run rr;
	run(&rr, NULL, envp, args);
	ck_assert_int_lt(rr.r, 0);
	ck_assert_msg(contains(rr.err, "COOLDOWN=\"abc\""), "%s", rr.err);

	run(&rr, "cooldown = abc\n", NULL, args);
	ck_assert_int_lt(rr.r, 0);
	ck_assert_msg(contains(rr.err, "cooldown=\"abc\""), "%s", rr.err);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Checks between settings */

struct seen {
	char text[512];
	int n;
};

static void note_change(void *ctx, const char *key, const char *from, const char *to)
{
	struct seen *s = ctx;
	size_t len = strlen(s->text);
	snprintf(s->text + len, sizeof s->text - len, "%s:%s>%s;", key, from, to);
	s->n++;
}

START_TEST(warning_not_below_critical)
{
	static const struct {
		const char *warning, *critical;
	} cases[] = {
		{"95", "90"},        {"100", "90"},     {"91", NULL},      {"80", "79.9%"},
		{"2G", "1G"},        {"1025Ki", "1Mi"}, {"1G", "953Mi"},   {"1000000001B", "1G"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char w[64], c[64];
		snprintf(w, sizeof w, "WARNING=%s", cases[i].warning);
		snprintf(c, sizeof c, "CRITICAL=%s", cases[i].critical ? cases[i].critical : "");
		char *envp[] = {w, cases[i].critical ? c : NULL, NULL};
		struct run rr;
		run(&rr, NULL, envp, NULL);
		ck_assert_msg(rr.r < 0, "%s %s: accepted", w, c);
		ck_assert_msg(rr.untouched, "%s %s: *out changed", w, c);
		ck_assert_msg(contains(rr.err, "WARNING") && contains(rr.err, "CRITICAL") &&
				      contains(rr.err, "below"),
			      "%s %s: message %s", w, c, rr.err);
	}
}
END_TEST

START_TEST(warning_critical_mixed_kinds)
{
	static const struct {
		const char *warning, *critical;
	} cases[] = {
		{"80", "1Gi"}, {"1Gi", "90"}, {"900Mi", NULL}, {"10%", "2G"}, {"1000000B", "99"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char w[64], c[64];
		snprintf(w, sizeof w, "WARNING=%s", cases[i].warning);
		snprintf(c, sizeof c, "CRITICAL=%s", cases[i].critical ? cases[i].critical : "");
		char *envp[] = {w, cases[i].critical ? c : NULL, NULL};
		struct run rr;
		run(&rr, NULL, envp, NULL);
		ck_assert_msg(rr.r < 0, "%s %s: accepted", w, c);
		ck_assert_msg(rr.untouched, "%s %s: *out changed", w, c);
		ck_assert_msg(contains(rr.err, "WARNING") && contains(rr.err, "CRITICAL") &&
				      (contains(rr.err, "percentage") || contains(rr.err, "size")),
			      "%s %s: message %s", w, c, rr.err);
	}
}
END_TEST

/* The flags layer takes part in the checks too. */
/* oomhero took WARNING equal to CRITICAL: the critical level only. */
START_TEST(warning_equal_to_critical)
{
	static const char *const cases[][2] = {
		{"90", "90"}, {"90%", "90"}, {"90", NULL}, {"1Gi", "1Gi"}, {"1024Ki", "1Mi"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char w[64], c[64];
		snprintf(w, sizeof w, "WARNING=%s", cases[i][0]);
		snprintf(c, sizeof c, "CRITICAL=%s", cases[i][1] ? cases[i][1] : "");
		char *envp[] = {w, cases[i][1] ? c : NULL, NULL};
		struct settings st;
		resolve_env_ok(&st, envp);
		struct seen seen = {"", 0};
		settings_warnings(&st, note_change, &seen);
		ck_assert_msg(strstr(seen.text, "WARNING:") && strstr(seen.text, "equals CRITICAL"),
			      "%s %s: %s", w, c, seen.text);
	}
}
END_TEST

START_TEST(warning_not_below_critical_from_flags)
{
	const char *args[] = {"--warning=95", NULL};
	struct run rr;
	run(&rr, NULL, NULL, args);
	ck_assert_int_lt(rr.r, 0);
	ck_assert_msg(contains(rr.err, "95") && contains(rr.err, "below"), "%s", rr.err);

	const char *args2[] = {"--critical=1Gi", NULL};
	run(&rr, NULL, NULL, args2);
	ck_assert_int_lt(rr.r, 0);
	ck_assert_msg(rr.untouched, "*out changed");
}
END_TEST

START_TEST(same_signals)
{
	static const struct {
		const char *w, *c, *name;
	} cases[] = {
		{"USR2", NULL, "SIGUSR2"},
		{NULL, "SIGUSR1", "SIGUSR1"},
		{"10", "SIGUSR1", "SIGUSR1"},
		{"sigterm", "15", "SIGTERM"},
		{"RTMIN+1", "RTMAX-29", "SIGRTMIN+1"}, /* 35 both ways when RTMAX is 64 */
	};
	for (size_t i = 0; i < N(cases); i++) {
		if (i == 4 && SIGRTMAX != 64)
			continue;
		char w[64], c[64];
		snprintf(w, sizeof w, "WARNING_SIGNAL=%s", cases[i].w ? cases[i].w : "");
		snprintf(c, sizeof c, "CRITICAL_SIGNAL=%s", cases[i].c ? cases[i].c : "");
		char *envp[3] = {NULL, NULL, NULL};
		int k = 0;
		if (cases[i].w)
			envp[k++] = w;
		if (cases[i].c)
			envp[k++] = c;
		struct run rr;
		run(&rr, NULL, envp, NULL);
		ck_assert_msg(rr.r < 0, "case %zu: accepted", i);
		ck_assert_msg(rr.untouched, "case %zu: *out changed", i);
		ck_assert_msg(contains(rr.err, "WARNING_SIGNAL") &&
				      contains(rr.err, "CRITICAL_SIGNAL") &&
				      contains(rr.err, cases[i].name),
			      "case %zu: message %s", i, rr.err);
	}
}
END_TEST

/* A message about two settings shows each as given, where it was set. */
START_TEST(pair_errors_name_sources)
{
	struct run rr;
	char want[SETTINGS_ERR_MAX];

	char *e1[] = {"WARNING=2Gi", NULL};
	run(&rr, "[oomsentry]\n# the level\ncritical = 1.5Gi\n", e1, NULL);
	ck_assert_int_eq(rr.r, -EINVAL);
	ck_assert(rr.untouched);
	snprintf(want, sizeof want,
		 "invalid settings WARNING=\"2Gi\" (environment) and CRITICAL=\"1.5Gi\" (%s:3): "
		 "warning must be at or below critical",
		 rr.path);
	ck_assert_str_eq(rr.err, want);

	const char *a2[] = {"--warning=95", NULL};
	run(&rr, NULL, NULL, a2);
	ck_assert_str_eq(rr.err, "invalid settings WARNING=\"95\" (--warning) and CRITICAL=\"90\" "
				 "(default): warning must be at or below critical");

	/* The highest layer's value is the one shown. */
	char *e3[] = {"CRITICAL=1Gi", NULL};
	run(&rr, "warning = 50\ncritical = 60\n", e3, NULL);
	snprintf(want, sizeof want,
		 "invalid settings WARNING=\"50\" (%s:1) and CRITICAL=\"1Gi\" (environment): both "
		 "must be percentages or both sizes",
		 rr.path);
	ck_assert_str_eq(rr.err, want);

	char *e4[] = {"MIN_INTERVAL=200ms", NULL};
	run(&rr, NULL, e4, NULL);
	ck_assert_str_eq(rr.err, "invalid settings MIN_INTERVAL=\"200ms\" (environment) and "
				 "INTERVAL=\"100ms\" (default): the minimum is above the maximum");

	const char *a5[] = {"--critical-signal", "10", NULL};
	char *e5[] = {"CRITICAL_SIGNAL=USR2", NULL};
	run(&rr, NULL, e5, a5);
	ck_assert_str_eq(rr.err, "invalid settings WARNING_SIGNAL=\"SIGUSR1\" (default) and "
				 "CRITICAL_SIGNAL=\"10\" (--critical-signal): both are SIGUSR1; "
				 "the app could not tell the levels apart");

	/* A long value is shown cut, and the reason still fits. */
	char minv[200] = "";
	for (int i = 0; i < 40; i++)
		strcat(minv, "0s");
	strcat(minv, "200ms");
	char var[256];
	snprintf(var, sizeof var, "MIN_INTERVAL=%s", minv);
	char *e6[] = {var, NULL};
	run(&rr, NULL, e6, NULL);
	snprintf(want, sizeof want, "MIN_INTERVAL=\"%.64s...\" (environment) and", minv);
	ck_assert_msg(contains(rr.err, want), "%s", rr.err);
	ck_assert_msg(contains(rr.err, ": the minimum is above the maximum"), "%s", rr.err);
}
END_TEST

/* Where a value came from is no part of the settings: the same values from
 * different sources are no change for a reload. */
START_TEST(sources_are_no_change)
{
	char *e[] = {"WARNING=80%", "COOLDOWN=1m", NULL};
	struct run from_file, from_env;
	run(&from_file, "warning = 80\ncooldown = 60s\n", NULL, NULL);
	run(&from_env, NULL, e, NULL);
	ck_assert_msg(from_file.r == 0 && from_env.r == 0, "%s %s", from_file.err, from_env.err);
	struct seen seen = {"", 0};
	settings_each_change(&from_file.s, &from_env.s, note_change, &seen);
	ck_assert_msg(seen.n == 0, "%s", seen.text);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* INI file errors */

static void ini_error(const char *text, const char *line, const char *const *also)
{
	struct run rr;
	run(&rr, text, NULL, NULL);
	ck_assert_msg(rr.r < 0, "accepted:\n%s", text);
	ck_assert_msg(rr.untouched, "*out changed:\n%s", text);
	char where[300];
	snprintf(where, sizeof where, "%s:%s:", rr.path, line);
	ck_assert_msg(contains(rr.err, where), "message \"%s\" lacks [%s] for:\n%s", rr.err, where,
		      text);
	for (; also && *also; also++)
		ck_assert_msg(contains(rr.err, *also), "message \"%s\" lacks [%s] for:\n%s", rr.err,
			      *also, text);
}

START_TEST(ini_unknown_key)
{
	const char *also[] = {"warnn", NULL};
	ini_error("[oomsentry]\nwarning = 80\n\n; comment\nwarnn = 80\n", "5", also);
	const char *also2[] = {"WARNING", NULL}; /* keys are lowercase */
	ini_error("WARNING = 80\n", "1", also2);
	const char *also3[] = {"dry-run", NULL}; /* the flag name is not the key */
	ini_error("# c\ndry-run = true\n", "2", also3);
}
END_TEST

START_TEST(ini_unknown_section)
{
	struct run rr;
	run(&rr, "[oomsentry]\nwarning = 80\n[sidecar]\ncritical = 95\n", NULL, NULL);
	ck_assert_int_lt(rr.r, 0);
	ck_assert(rr.untouched);
	char l3[300], l4[300];
	snprintf(l3, sizeof l3, "%s:3:", rr.path);
	snprintf(l4, sizeof l4, "%s:4:", rr.path);
	ck_assert_msg(contains(rr.err, "sidecar") && (contains(rr.err, l3) || contains(rr.err, l4)),
		      "message %s", rr.err);
}
END_TEST

START_TEST(ini_syntax_errors)
{
	const char *also[] = {"syntax", NULL};
	ini_error("warning = 80\nthis line has no equals sign\n", "2", also);
	ini_error("; c\n[oomsentry\nwarning = 80\n", "2", NULL);
	ini_error("\n\n\n[oomsentry]\n= 80\n", "5", NULL);
}
END_TEST

/* When a file has two errors, the line number and the message must describe
 * the same one. */
START_TEST(ini_error_line_matches_message)
{
	static const char *const files[] = {
		"no equals here\nwarning = abc\n",
		"[oomsentry]\ncooldown = 10s\nno equals here\nwarnn = 1\n",
		"warning = abc\nno equals here\n",
	};
	for (size_t i = 0; i < N(files); i++) {
		struct run rr;
		run(&rr, files[i], NULL, NULL);
		ck_assert_int_lt(rr.r, 0);
		bool about_syntax = contains(rr.err, "syntax");
		bool about_value = contains(rr.err, "abc") || contains(rr.err, "warnn");
		ck_assert_msg(about_syntax != about_value, "file %zu: message %s", i, rr.err);
		char where[300];
		int line;
		if (i == 0)
			line = about_syntax ? 1 : 2;
		else if (i == 1)
			line = about_syntax ? 3 : 4;
		else
			line = about_syntax ? 2 : 1;
		snprintf(where, sizeof where, "%s:%d:", rr.path, line);
		ck_assert_msg(contains(rr.err, where), "file %zu: message \"%s\" lacks [%s]", i,
			      rr.err, where);
	}
}
END_TEST

START_TEST(config_file_missing)
{
	/* Through --config. */
	const char *args[] = {"--config=/nonexistent/oomsentry.ini", NULL};
	struct run rr;
	run(&rr, NULL, NULL, args);
	ck_assert_int_eq(rr.parse_r, 0);
	ck_assert_int_lt(rr.r, 0);
	ck_assert(rr.untouched);
	ck_assert_msg(contains(rr.err, "/nonexistent/oomsentry.ini"), "message %s", rr.err);

	/* Through CONFIG=. */
	char *envp[] = {"CONFIG=/nonexistent/other.ini", NULL};
	run(&rr, NULL, envp, NULL);
	ck_assert_int_lt(rr.r, 0);
	ck_assert(rr.untouched);
	ck_assert_msg(contains(rr.err, "CONFIG") && contains(rr.err, "/nonexistent/other.ini"),
		      "message %s", rr.err);
}
END_TEST

/* A directory is not a settings file: reading it must fail, not yield an
 * empty configuration. */
START_TEST(config_file_is_directory)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	char arg[300];
	snprintf(arg, sizeof arg, "--config=%s", dir);
	const char *args[] = {arg, NULL};
	struct run rr;
	run(&rr, NULL, NULL, args);
	ck_assert_int_eq(rr.parse_r, 0);
	ck_assert_msg(rr.r < 0, "directory %s accepted as a config file", dir);
	ck_assert_msg(contains(rr.err, dir), "message %s", rr.err);
}
END_TEST

static void long_include(char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = i % 10 == 9 ? ',' : (char)('a' + i % 10);
	buf[len] = '\0';
	if (buf[len - 1] == ',')
		buf[len - 1] = 'z';
}

/* The longest include list (SETTINGS_LIST_MAX - 1 bytes) is read whole from
 * the file, as from the environment. */
START_TEST(ini_long_value_read_whole)
{
	char list[SETTINGS_LIST_MAX];
	long_include(list, SETTINGS_LIST_MAX - 1);
	char ini[400];
	snprintf(ini, sizeof ini, "include = %s\n", list);
	struct run rr;
	run(&rr, ini, NULL, NULL);
	ck_assert_msg(rr.r == 0, "rejected: %s", rr.err);
	ck_assert_msg(strcmp(rr.s.include, list) == 0, "include read as \"%s\"", rr.s.include);
}
END_TEST

/* A line too long for the INI reader is reported at its own line, never
 * split into pieces that parse as something else. */
START_TEST(ini_too_long_line_reported)
{
	make_long_values();
	char ini[1024];
	snprintf(ini, sizeof ini, "[oomsentry]\ninclude = %s\nwarning = 80\n", long_list);
	struct run rr;
	run(&rr, ini, NULL, NULL);
	ck_assert_msg(rr.r < 0, "accepted");
	char where[300];
	snprintf(where, sizeof where, "%s:2: line longer than", rr.path);
	ck_assert_msg(contains(rr.err, where), "message \"%s\" lacks [%s]", rr.err, where);
}
END_TEST

/* A value too long for its setting, on a line the reader takes whole, is
 * reported like any bad value: its line and its key. */
START_TEST(ini_too_long_value_reported)
{
	make_long_values();
	static const struct {
		const char *key, *value;
	} cases[] = {{"include", mid_list}, {"exclude", mid_list}};
	(void)long_path;
	for (size_t i = 0; i < N(cases); i++) {
		char ini[1024];
		snprintf(ini, sizeof ini, "[oomsentry]\n%s = %s\nwarning = 80\n", cases[i].key,
			 cases[i].value);
		struct run rr;
		run(&rr, ini, NULL, NULL);
		ck_assert_msg(rr.r < 0, "%s: accepted", cases[i].key);
		char where[300], want[256];
		snprintf(where, sizeof where, "%s:2:", rr.path);
		quoted(want, sizeof want, cases[i].key, cases[i].value);
		ck_assert_msg(contains(rr.err, where) && contains(rr.err, want),
			      "%s: message \"%s\" lacks [%s] or [%s]", cases[i].key, rr.err, where,
			      want);
	}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Command line errors */

START_TEST(cli_errors)
{
	static const struct {
		const char *args[4];
		const char *mention;
	} cases[] = {
		{{"--bogus"}, "--bogus"},
		{{"--bogus=1"}, "--bogus"},
		{{"--warnng=80"}, "--warnng"},
		{{"-x"}, "-x"},
		{{"--warning"}, "--warning"},
		{{"--cooldown"}, "--cooldown"},
		{{"--proc-root"}, "--proc-root"},
		{{"--once", "--log-level"}, "--log-level"},
		{{"--config"}, "--config"},
		{{"--config="}, "--config"},
		{{"--once=1"}, "--once"},
		{{"--print-config=yes"}, "--print-config"},
		{{"extra"}, "extra"},
		{{"--once", "extra"}, "extra"},
		{{"extra", "--once"}, "extra"},
		{{"--dry-run", "false"}, "false"}, /* optional values need '=' */
		{{"--", "--once"}, "--once"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct run rr;
		run(&rr, NULL, NULL, cases[i].args);
		ck_assert_msg(rr.parse_r == -EINVAL, "case %zu (%s): returned %d", i,
			      cases[i].args[0], rr.parse_r);
		ck_assert_msg(contains(rr.err, cases[i].mention),
			      "case %zu (%s): message \"%s\" does not mention %s", i,
			      cases[i].args[0], rr.err, cases[i].mention);
	}
}
END_TEST

START_TEST(cli_too_many_flags)
{
	const char *args[70];
	for (int i = 0; i < 65; i++)
		args[i] = "--dry-run";
	args[65] = NULL;
	struct run rr;
	run(&rr, NULL, NULL, args);
	ck_assert_int_eq(rr.parse_r, -EINVAL);
	ck_assert_msg(rr.err[0] != '\0', "no message");

	args[64] = NULL; /* 64 is the limit and fine */
	run(&rr, NULL, NULL, args);
	ck_assert_msg(rr.parse_r == 0 && rr.r == 0, "64 flags: %s", rr.err);
	ck_assert(rr.s.dry_run);
}
END_TEST

START_TEST(cli_good)
{
	struct cli cli;
	char err[SETTINGS_ERR_MAX];
	char a0[] = "oomsentry", a1[] = "--once", a2[] = "--print-config", a3[] = "-h",
	     a4[] = "--version", a5[] = "--config", a6[] = "/etc/x.ini", a7[] = "--warning",
	     a8[] = "80", a9[] = "--dry-run";
	char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, NULL};
	ck_assert_int_eq(settings_parse_args(10, argv, &cli, err, sizeof err), 0);
	ck_assert(cli.once && cli.print_config && cli.help && cli.version);
	ck_assert_str_eq(cli.config, "/etc/x.ini");
	ck_assert_int_eq(cli.nflags, 2);
	ck_assert_str_eq(cli.flags[0].value, "80");
	ck_assert_str_eq(cli.flags[1].value, "true");

	char b0[] = "oomsentry", b1[] = "-V";
	char *argv2[] = {b0, b1, NULL};
	ck_assert_int_eq(settings_parse_args(2, argv2, &cli, err, sizeof err), 0);
	ck_assert(cli.version && !cli.help && !cli.once && !cli.print_config);
	ck_assert(cli.config == NULL);
	ck_assert_int_eq(cli.nflags, 0);
}
END_TEST

/* settings_parse_args must start afresh on every call: an error in the
 * middle of a cluster of short options must not leak into the next parse. */
START_TEST(cli_parse_twice_after_error)
{
	struct cli cli;
	char err[SETTINGS_ERR_MAX];
	static char a0[] = "oomsentry", a1[] = "-xh";
	char *argv1[] = {a0, a1, NULL};
	ck_assert_int_eq(settings_parse_args(2, argv1, &cli, err, sizeof err), -EINVAL);

	static char b0[] = "oomsentry", b1[] = "--once";
	char *argv2[] = {b0, b1, NULL};
	ck_assert_int_eq(settings_parse_args(2, argv2, &cli, err, sizeof err), 0);
	ck_assert_msg(cli.once, "--once lost on the second parse");
	ck_assert_msg(!cli.help, "-h of the first parse leaked into the second");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Good inputs */

static void assert_defaults(const struct settings *s)
{
	ck_assert(s->warning.is_pct && s->warning.pct == 75);
	ck_assert(s->critical.is_pct && s->critical.pct == 90);
	ck_assert_uint_eq(s->cooldown_us, 30000000);
	ck_assert(s->hysteresis_pct == 5);
	ck_assert_int_eq(s->warning_signal, SIGUSR1);
	ck_assert_int_eq(s->critical_signal, SIGUSR2);
	ck_assert_uint_eq(s->interval_us, 100000);
	ck_assert_uint_eq(s->rescan_interval_us, 1000000);
	ck_assert_int_eq(s->metric, METRIC_WORKING_SET);
	ck_assert(!s->signal_unhandled);
	ck_assert(!s->dry_run);
	ck_assert_str_eq(s->include, "");
	ck_assert_str_eq(s->exclude, "");
	ck_assert_int_eq(s->log_format, LOG_LOGFMT);
	ck_assert_int_eq(s->log_level, LOG_INFO);
	ck_assert_str_eq(s->proc_root, "/proc");
}

START_TEST(defaults)
{
	struct settings d;
	settings_defaults(&d);
	assert_defaults(&d);

	struct run rr;
	run(&rr, NULL, NULL, NULL);
	ck_assert_msg(rr.r == 0, "%s", rr.err);
	assert_defaults(&rr.s);

	/* Unrelated and look-alike variables change nothing. */
	char *envp[] = {"WARNINGX=abc", "XWARNING=abc", "WARNING", "warning=abc", "PATH=/bin",
			"CONFIG=", NULL};
	run(&rr, NULL, envp, NULL);
	ck_assert_msg(rr.r == 0, "%s", rr.err);
	assert_defaults(&rr.s);

	/* An empty file, and a file of comments, change nothing. */
	run(&rr, "", NULL, NULL);
	ck_assert_msg(rr.r == 0, "%s", rr.err);
	assert_defaults(&rr.s);
	run(&rr, "; nothing\n# here\n\n[oomsentry]\n", NULL, NULL);
	ck_assert_msg(rr.r == 0, "%s", rr.err);
	assert_defaults(&rr.s);
}
END_TEST

/* One setting set in the file, the environment and the flags, in every
 * combination: the highest layer present wins, defaults when none. */
START_TEST(precedence)
{
	static const struct {
		const char *key;
		const char *file, *env, *flag;
	} cases[] = {
		{"cooldown", "40s", "50s", "60s"},
		{"warning", "60", "70", "80"},
		{"include", "f", "e", "c"},
		{"log_level", "debug", "warn", "error"},
		{"proc_root", "/file", "/env", "/flag"},
		{"warning_signal", "HUP", "RTMIN", "TERM"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		const struct name *n = name_of(cases[i].key);
		for (int mask = 0; mask < 8; mask++) {
			char ini[128], var[128], flag[128];
			snprintf(ini, sizeof ini, "[oomsentry]\n%s = %s\n", n->key, cases[i].file);
			snprintf(var, sizeof var, "%s=%s", n->env, cases[i].env);
			snprintf(flag, sizeof flag, "--%s=%s", n->flag, cases[i].flag);
			char *envp[] = {mask & 2 ? var : NULL, NULL};
			const char *args[] = {mask & 4 ? flag : NULL, NULL};
			struct run rr;
			run(&rr, mask & 1 ? ini : NULL, envp, args);
			ck_assert_msg(rr.r == 0, "%s mask %d: %s", n->key, mask, rr.err);

			/* What the winner alone gives, through the environment. */
			const char *winner = mask & 4 ? cases[i].flag
					     : mask & 2 ? cases[i].env
					     : mask & 1 ? cases[i].file
							: NULL;
			struct settings want;
			if (winner) {
				char w[128];
				snprintf(w, sizeof w, "%s=%s", n->env, winner);
				char *wenv[] = {w, NULL};
				resolve_env_ok(&want, wenv);
			} else {
				resolve_env_ok(&want, NULL);
			}
			ck_assert_msg(rr.s.cooldown_us == want.cooldown_us &&
					      rr.s.warning.pct == want.warning.pct &&
					      strcmp(rr.s.include, want.include) == 0 &&
					      rr.s.log_level == want.log_level &&
					      strcmp(rr.s.proc_root, want.proc_root) == 0 &&
					      rr.s.warning_signal == want.warning_signal,
				      "%s mask %d: winner should be %s", n->key, mask,
				      winner ? winner : "the default");
		}
	}
	/* And the literal values, so the comparison above cannot agree on
	 * something wrong. */
	char *envp[] = {"COOLDOWN=50s", NULL};
	const char *args[] = {"--cooldown=60s", NULL};
	struct run rr;
	run(&rr, "cooldown = 40s\n", envp, args);
	ck_assert_uint_eq(rr.s.cooldown_us, 60000000);
	run(&rr, "cooldown = 40s\n", envp, NULL);
	ck_assert_uint_eq(rr.s.cooldown_us, 50000000);
	run(&rr, "cooldown = 40s\n", NULL, NULL);
	ck_assert_uint_eq(rr.s.cooldown_us, 40000000);
	run(&rr, NULL, NULL, args);
	ck_assert_uint_eq(rr.s.cooldown_us, 60000000);
	run(&rr, NULL, envp, NULL);
	ck_assert_uint_eq(rr.s.cooldown_us, 50000000);
}
END_TEST

/* The last of a repeated flag wins (a key twice in the file is an error:
 * ini_duplicate_key). */
START_TEST(repeats_last_wins)
{
	const char *args[] = {"--cooldown=1s", "--cooldown", "2s", "--dry-run", "--dry-run=off",
			      NULL};
	struct run rr;
	run(&rr, "cooldown = 5s\n", NULL, args);
	ck_assert_msg(rr.r == 0, "%s", rr.err);
	ck_assert_uint_eq(rr.s.cooldown_us, 2000000);
	ck_assert(!rr.s.dry_run);
}
END_TEST

START_TEST(config_path_choice)
{
	struct cli cli;
	memset(&cli, 0, sizeof cli);
	char *envp[] = {"CONFIG=/from/env.ini", NULL};
	char *empty[] = {"CONFIG=", NULL};
	ck_assert(settings_config_path(&cli, NULL) == NULL);
	ck_assert(settings_config_path(&cli, empty) == NULL);
	ck_assert_str_eq(settings_config_path(&cli, envp), "/from/env.ini");
	cli.config = "/from/flag.ini";
	ck_assert_str_eq(settings_config_path(&cli, envp), "/from/flag.ini");

	/* --config wins over CONFIG=: the env file is never opened. */
	char path[256];
	write_temp(path, sizeof path, "cooldown = 3s\n");
	char arg[300];
	snprintf(arg, sizeof arg, "--config=%s", path);
	const char *args[] = {arg, NULL};
	char *envp2[] = {"CONFIG=/nonexistent/x.ini", NULL};
	struct run rr, rr2;
	run(&rr, NULL, envp2, args);

	/* CONFIG= alone is read. */
	char var[300];
	snprintf(var, sizeof var, "CONFIG=%s", path);
	char *envp3[] = {var, NULL};
	run(&rr2, NULL, envp3, NULL);
	unlink(path);
	ck_assert_msg(rr.r == 0, "%s", rr.err);
	ck_assert_uint_eq(rr.s.cooldown_us, 3000000);
	ck_assert_msg(rr2.r == 0, "%s", rr2.err);
	ck_assert_uint_eq(rr2.s.cooldown_us, 3000000);
}
END_TEST

/* The forms oomhero users already have in their manifests. */
START_TEST(oomhero_forms)
{
	struct settings s;
	char *e1[] = {"COOLDOWN=30", NULL};
	resolve_env_ok(&s, e1);
	ck_assert_uint_eq(s.cooldown_us, 30000000);
	char *e2[] = {"COOLDOWN=1m30s", NULL};
	resolve_env_ok(&s, e2);
	ck_assert_uint_eq(s.cooldown_us, 90000000);
	char *e3[] = {"WARNING=87.5", NULL};
	resolve_env_ok(&s, e3);
	ck_assert(s.warning.is_pct && s.warning.pct == 87.5);
	char *e4[] = {"WARNING=80", "CRITICAL=90%", NULL};
	resolve_env_ok(&s, e4);
	ck_assert(s.warning.is_pct && s.warning.pct == 80);
	ck_assert(s.critical.is_pct && s.critical.pct == 90);
	char *e5[] = {"WARNING=900Mi", "CRITICAL=1G", NULL};
	resolve_env_ok(&s, e5);
	ck_assert(!s.warning.is_pct && s.warning.bytes == 943718400ull);
	ck_assert(!s.critical.is_pct && s.critical.bytes == 1000000000ull);
	char *e6[] = {"WARNING=1G", "CRITICAL=1Gi", NULL};
	resolve_env_ok(&s, e6);
	ck_assert_uint_eq(s.warning.bytes, 1000000000ull);
	ck_assert_uint_eq(s.critical.bytes, 1073741824ull);
	char *e7[] = {"HYSTERESIS=2.5%", "COOLDOWN=0", "INTERVAL=1ms", "RESCAN_INTERVAL=1h", NULL};
	resolve_env_ok(&s, e7);
	ck_assert(s.hysteresis_pct == 2.5);
	ck_assert_uint_eq(s.cooldown_us, 0);
	ck_assert_uint_eq(s.interval_us, 1000);
	ck_assert_uint_eq(s.rescan_interval_us, 3600000000ull);
	/* oomhero's own example pod, and Go durations as oomhero read them: an
	 * explicit sign, any length. */
	char *e9[] = {"WARNING=65", "CRITICAL=90", "COOLDOWN=+5s", NULL};
	resolve_env_ok(&s, e9);
	ck_assert(s.warning.pct == 65 && s.critical.pct == 90);
	ck_assert_uint_eq(s.cooldown_us, 5000000);
	char *e10[] = {"COOLDOWN=48h", NULL};
	resolve_env_ok(&s, e10);
	ck_assert_uint_eq(s.cooldown_us, 48ull * 3600 * 1000000);
	char *e11[] = {"COOLDOWN=2562047h", NULL};
	resolve_env_ok(&s, e11);
	/* The table's ways back to oomhero's behaviour. */
	char *e12[] = {"COOLDOWN=1s", "METRIC=usage", "ADAPTIVE=false", "INTERVAL=1s",
		       "SIGNAL_UNHANDLED=true", "SIGNAL_COMMS=*", "WARNING_ACTIONS=none",
		       "CRITICAL_ACTIONS=none", NULL};
	resolve_env_ok(&s, e12);
	ck_assert(s.cooldown_us == 1000000 && s.metric == METRIC_USAGE && !s.adaptive &&
		  s.interval_us == 1000000 && s.signal_unhandled);
	ck_assert(settings_comm_opted_in(&s, "node") && settings_comm_opted_in(&s, "java"));
	ck_assert(!s.warning_actions && !s.critical_actions);
	char *e8[] = {"COOLDOWN=24h", "INTERVAL=1h", "RESCAN_INTERVAL=10ms", "HYSTERESIS=50",
		      NULL};
	resolve_env_ok(&s, e8);
	ck_assert_uint_eq(s.cooldown_us, 86400000000ull);
	ck_assert_uint_eq(s.interval_us, 3600000000ull);
	ck_assert_uint_eq(s.rescan_interval_us, 10000);
	ck_assert(s.hysteresis_pct == 50);
}
END_TEST

START_TEST(other_values)
{
	struct settings s;
	char *e[] = {"WARNING_SIGNAL=SIGRTMIN+2", "CRITICAL_SIGNAL=9", "METRIC=Usage",
		     "SIGNAL_UNHANDLED=yes", "DRY_RUN=ON", "INCLUDE= nginx , php-* ",
		     "EXCLUDE=\tphp-fpm*", "LOG_FORMAT=JSON", "LOG_LEVEL=warning",
		     "PROC_ROOT=/tmp/fake/proc///", NULL};
	resolve_env_ok(&s, e);
	ck_assert_int_eq(s.warning_signal, SIGRTMIN + 2);
	ck_assert_int_eq(s.critical_signal, SIGKILL);
	ck_assert_int_eq(s.metric, METRIC_USAGE);
	ck_assert(s.signal_unhandled && s.dry_run);
	ck_assert_str_eq(s.include, "nginx,php-*");
	ck_assert_str_eq(s.exclude, "php-fpm*");
	ck_assert_int_eq(s.log_format, LOG_JSON);
	ck_assert_int_eq(s.log_level, LOG_WARN);
	ck_assert_str_eq(s.proc_root, "/tmp/fake/proc");

	char *e2[] = {"METRIC=working-set", "PROC_ROOT=/", "LOG_FORMAT=text", "INCLUDE=", NULL};
	resolve_env_ok(&s, e2);
	ck_assert_int_eq(s.metric, METRIC_WORKING_SET);
	ck_assert_str_eq(s.proc_root, "/");
	ck_assert_int_eq(s.log_format, LOG_LOGFMT);
	ck_assert_str_eq(s.include, "");

	ck_assert_str_eq(settings_metric_name(METRIC_USAGE), "usage");
	ck_assert_str_eq(settings_metric_name(METRIC_WORKING_SET), "working_set");
}
END_TEST

START_TEST(runtime_values)
{
	struct settings s;
	char *e[] = {"WARNING_ACTIONS= pprof , HISTOGRAM", "CRITICAL_ACTIONS=none",
		     "DUMP_DIR=/dumps/", "DUMP_KEEP=3", "DUMP_MIN_FREE=1Gi",
		     "JVM_HEAP_DUMP_DIR=/heap", "GO_PPROF=http://[::1]:6061/debug/pprof/heap?gc=1",
		     "ACTION_TIMEOUT=30s", "SIGNAL_COMMS=node,gunicorn*", NULL};
	resolve_env_ok(&s, e);
	ck_assert_uint_eq(s.warning_actions, ACTION_PPROF | ACTION_HISTOGRAM);
	ck_assert_uint_eq(s.critical_actions, 0);
	ck_assert_str_eq(s.dump_dir, "/dumps");
	ck_assert_uint_eq(s.dump_keep, 3);
	ck_assert_uint_eq(s.dump_min_free, 1ULL << 30);
	ck_assert_str_eq(s.jvm_heap_dump_dir, "/heap");
	ck_assert_str_eq(s.go_pprof, "http://[::1]:6061/debug/pprof/heap?gc=1");
	ck_assert_uint_eq(s.action_timeout_us, 30000000);
	ck_assert(settings_comm_opted_in(&s, "gunicorn: worker"));
	ck_assert(!settings_comm_opted_in(&s, "python3"));
	char buf[80];
	settings_format_actions(s.warning_actions, buf, sizeof buf);
	ck_assert_str_eq(buf, "histogram,pprof");
	settings_format_actions(0, buf, sizeof buf);
	ck_assert_str_eq(buf, "none");

	/* The defaults: the runtime's actions on, nothing written until
	 * DUMP_DIR says where; no opt-in by command name. */
	char *none[] = {NULL};
	resolve_env_ok(&s, none);
	ck_assert_uint_eq(s.warning_actions, ACTION_HISTOGRAM | ACTION_PPROF);
	ck_assert_uint_eq(s.critical_actions,
			  ACTION_HISTOGRAM | ACTION_HEAP_DUMP | ACTION_PPROF | ACTION_HEAP_SNAPSHOT);
	ck_assert_str_eq(s.dump_dir, "");
	ck_assert_str_eq(s.jvm_heap_dump_dir, "");
	ck_assert(!settings_comm_opted_in(&s, "node"));

	/* Off by default: the listener could take a port the app means to
	 * use; the flight recorder keeps 30 s. */
	ck_assert_str_eq(s.metrics_addr, "");
	ck_assert_uint_eq(s.flight_recorder_us, 30000000);

	/* Unset again, as --print-config writes it. */
	char *unset[] = {"DUMP_DIR=", "GO_PPROF=", "JVM_HEAP_DUMP_DIR=", "METRICS_ADDR=", NULL};
	resolve_env_ok(&s, unset);
	ck_assert_str_eq(s.dump_dir, "");
	ck_assert_str_eq(s.metrics_addr, "");

	char *seen[] = {"METRICS_ADDR=[::1]:9559", "FLIGHT_RECORDER=0", NULL};
	resolve_env_ok(&s, seen);
	ck_assert_str_eq(s.metrics_addr, "[::1]:9559");
	ck_assert_uint_eq(s.flight_recorder_us, 0);
	char *all[] = {"METRICS_ADDR=:0", "FLIGHT_RECORDER=1h", NULL};
	resolve_env_ok(&s, all);
	ck_assert_str_eq(s.metrics_addr, ":0");
	ck_assert_uint_eq(s.flight_recorder_us, 3600000000ULL);
}
END_TEST

START_TEST(changes_between_settings)
{
	struct settings a, b;
	char *ea[] = {"WARNING=75", "COOLDOWN=30s", "DUMP_DIR=/d", NULL};
	char *eb[] = {"WARNING=80", "COOLDOWN=30", "DUMP_DIR=", "CRITICAL_ACTIONS=pprof", NULL};
	resolve_env_ok(&a, ea);
	resolve_env_ok(&b, eb);
	struct seen seen = {"", 0};
	settings_each_change(&a, &b, note_change, &seen);
	/* In --print-config order, as it prints them; 30 and 30s are the same. */
	ck_assert_str_eq(seen.text, "warning:75%>80%;critical_actions:histogram,heap_dump,pprof,"
				    "heap_snapshot>pprof;dump_dir:/d>;");
	ck_assert_int_eq(seen.n, 3);
	struct seen none = {"", 0};
	settings_each_change(&a, &a, note_change, &none);
	ck_assert_int_eq(none.n, 0);
}
END_TEST

START_TEST(warnings_for_dangerous_values)
{
	struct settings st;
	char *e[] = {"WARNING=0.75", "CRITICAL=0.9", "WARNING_SIGNAL=SIGTSTP", "CRITICAL_SIGNAL=KILL",
		     "SIGNAL_UNHANDLED=true", NULL};
	resolve_env_ok(&st, e);
	struct seen seen = {"", 0};
	settings_warnings(&st, note_change, &seen);
	ck_assert_int_eq(seen.n, 5);
	ck_assert_ptr_nonnull(strstr(seen.text, "WARNING:0.75%>under 1% of the limit"));
	ck_assert_ptr_nonnull(strstr(seen.text, "CRITICAL:0.9%>"));
	ck_assert_ptr_nonnull(strstr(seen.text, "WARNING_SIGNAL:SIGTSTP>stops a process"));
	ck_assert_ptr_nonnull(strstr(seen.text, "CRITICAL_SIGNAL:SIGKILL>meant to stop a process"));
	ck_assert_ptr_nonnull(strstr(seen.text, "SIGNAL_UNHANDLED:true>"));
	/* The defaults, and ordinary choices, say nothing. */
	char *quiet[] = {"WARNING=1", "CRITICAL=99", "WARNING_SIGNAL=SIGRTMIN+1", NULL};
	resolve_env_ok(&st, quiet);
	struct seen none = {"", 0};
	settings_warnings(&st, note_change, &none);
	ck_assert_msg(none.n == 0, "%s", none.text);
}
END_TEST

START_TEST(jvm_heap_dump_dir_absolute)
{
	struct settings s;
	char *e[] = {"JVM_HEAP_DUMP_DIR=dumps", NULL};
	char err[SETTINGS_ERR_MAX];
	struct cli cli = {0};
	ck_assert_int_eq(settings_resolve(&s, &cli, e, err, sizeof err), -EINVAL);
	ck_assert_msg(strstr(err, "JVM_HEAP_DUMP_DIR=\"dumps\"") && strstr(err, "absolute"), "%s",
		      err);
}
END_TEST

START_TEST(bool_flags)
{
	static const struct {
		const char *arg;
		const char *env; /* DRY_RUN from the environment first, or NULL */
		bool want;
	} cases[] = {
		{"--dry-run", NULL, true},          {"--dry-run=false", NULL, false},
		{"--dry-run=true", NULL, true},     {"--dry-run=no", NULL, false},
		{"--dry-run=0", NULL, false},       {"--dry-run=ON", NULL, true},
		{"--dry-run=false", "DRY_RUN=true", false},
		{"--dry-run", "DRY_RUN=false", true},
		{NULL, "DRY_RUN=true", true},       {NULL, NULL, false},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char env[32];
		snprintf(env, sizeof env, "%s", cases[i].env ? cases[i].env : "");
		char *envp[] = {cases[i].env ? env : NULL, NULL};
		const char *args[] = {cases[i].arg, NULL};
		struct run rr;
		run(&rr, NULL, envp, args);
		ck_assert_msg(rr.r == 0, "%s: %s", cases[i].arg, rr.err);
		ck_assert_msg(rr.s.dry_run == cases[i].want, "case %zu (%s %s): got %d", i,
			      cases[i].arg ? cases[i].arg : "-", cases[i].env ? cases[i].env : "-",
			      rr.s.dry_run);
	}
	const char *args[] = {"--signal-unhandled", NULL};
	struct run rr;
	run(&rr, NULL, NULL, args);
	ck_assert(rr.r == 0 && rr.s.signal_unhandled && !rr.s.dry_run);
	const char *args2[] = {"--signal-unhandled=false", NULL};
	char *envp[] = {"SIGNAL_UNHANDLED=1", NULL};
	run(&rr, NULL, envp, args2);
	ck_assert(rr.r == 0 && !rr.s.signal_unhandled);
}
END_TEST

/* Files may use the section or not, blanks, comments and ';' after a value. */
START_TEST(ini_forms)
{
	struct run rr;
	/* (A line that starts with a blank continues the previous value in inih.) */
	run(&rr, "warning=60\ncritical   =   70%   \n", NULL, NULL);
	ck_assert_msg(rr.r == 0, "%s", rr.err);
	ck_assert(rr.s.warning.pct == 60 && rr.s.critical.pct == 70);

	run(&rr, "\xef\xbb\xbf# utf-8 BOM and a comment\n[oomsentry]\ncooldown = 1m ; a minute\n",
	    NULL, NULL);
	ck_assert_msg(rr.r == 0, "%s", rr.err);
	ck_assert_uint_eq(rr.s.cooldown_us, 60000000);

	run(&rr, "dry_run = true\n[oomsentry]\nexclude = sh, bash\n", NULL, NULL);
	ck_assert_msg(rr.r == 0, "%s", rr.err);
	ck_assert(rr.s.dry_run);
	ck_assert_str_eq(rr.s.exclude, "sh,bash");
}
END_TEST

/* A key set twice in the file is an error at its second line, naming the
 * first: the later value would otherwise win without a word. Before any
 * section and in [oomsentry] are the same settings. */
START_TEST(ini_duplicate_key)
{
	static const struct {
		const char *text, *line, *key;
		int first;
	} cases[] = {
		{"warning = 60\nwarning = 70\n", "2", "warning", 1},
		{"[oomsentry]\ncooldown = 1s\n\n; c\ncooldown: 1s\n", "5", "cooldown", 2},
		{"warning = 60\n[oomsentry]\nwarning = 60\n", "3", "warning", 1},
		{"[oomsentry]\ndry_run = true\n[oomsentry]\ndry_run = false\n", "4", "dry_run", 2},
		{"critical = 95 # first\ncritical=95\n", "2", "critical", 1},
		/* The second value is bad too: the duplicate is what is wrong. */
		{"include = a\ninclude = a,,b\n", "2", "include", 1},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char want[128];
		snprintf(want, sizeof want, ": duplicate key \"%s\" (first set on line %d)",
			 cases[i].key, cases[i].first);
		const char *also[] = {want, NULL};
		ini_error(cases[i].text, cases[i].line, also);
	}

	/* The whole message. */
	struct run rr;
	run(&rr, "[oomsentry]\nwarning = 80\ncritical = 90\nwarning = 85\n", NULL, NULL);
	ck_assert_int_eq(rr.r, -EINVAL);
	char want[400];
	snprintf(want, sizeof want, "%s:4: duplicate key \"warning\" (first set on line 2)",
		 rr.path);
	ck_assert_str_eq(rr.err, want);

	/* A bad first value is reported first, at its own line. */
	const char *also[] = {"warning=\"abc\"", NULL};
	ini_error("warning = abc\nwarning = 80\n", "1", also);

	/* Different keys, and one key in the file and the environment, are no
	 * duplicates. */
	char *envp[] = {"WARNING=70", NULL};
	run(&rr, "warning = 60\ncritical = 80\nwarning_signal = USR1\n", envp, NULL);
	ck_assert_msg(rr.r == 0, "%s", rr.err);
	ck_assert(rr.s.warning.pct == 70 && rr.s.critical.pct == 80);
}
END_TEST

/* '#' begins a comment where ';' does: at the start of a line and after a
 * blank. Inside a value it is part of it. */
START_TEST(ini_comments)
{
	static const char *const files[] = {
		"warning = 80 # c\n",
		"warning = 80 ; c\n",
		"warning = 80\t# c\n",
		"warning = 80 #c\n",
		"# c\n; c\n  # c\n[oomsentry] # the section\nwarning = 80 # c ; c\n",
		"[oomsentry] ; the section\nwarning = 80%   # c\r\n",
	};
	for (size_t i = 0; i < N(files); i++) {
		struct run rr;
		run(&rr, files[i], NULL, NULL);
		ck_assert_msg(rr.r == 0, "file %zu: %s", i, rr.err);
		ck_assert_msg(rr.s.warning.is_pct && rr.s.warning.pct == 80, "file %zu: %g", i,
			      rr.s.warning.pct);
	}

	struct run rr;
	run(&rr, "include = a#b, c#d # not a pattern\nexclude = x;y ; not one either\n", NULL,
	    NULL);
	ck_assert_msg(rr.r == 0, "%s", rr.err);
	ck_assert_str_eq(rr.s.include, "a#b,c#d");
	ck_assert_str_eq(rr.s.exclude, "x;y");

	/* The URL reaches its parser whole, which refuses its fragment. */
	const char *url[] = {"go_pprof=\"http://127.0.0.1:6060/debug/pprof/heap#x\"", "fragment",
			     NULL};
	ini_error("go_pprof = http://127.0.0.1:6060/debug/pprof/heap#x # c\n", "1", url);

	/* A comment where the value would be leaves the value empty. */
	const char *also[] = {"warning=\"\"", "empty value", NULL};
	ini_error("[oomsentry]\nwarning = # eighty\n", "2", also);
}
END_TEST

/* A value with a '%' in the wrong place is refused with a reason about the
 * sign, from every source. */
START_TEST(percent_sign_messages)
{
	struct run rr;
	char *e1[] = {"WARNING=80%%", NULL};
	run(&rr, NULL, e1, NULL);
	ck_assert_str_eq(rr.err, "invalid setting WARNING=\"80%%\" (environment): a percentage "
				 "takes one % sign");
	char *e2[] = {"CRITICAL=%80", NULL};
	run(&rr, NULL, e2, NULL);
	ck_assert_str_eq(rr.err, "invalid setting CRITICAL=\"%80\" (environment): the % sign goes "
				 "after the number, as in 80%");
	const char *a3[] = {"--warning=80 %", NULL};
	run(&rr, NULL, NULL, a3);
	ck_assert_str_eq(rr.err, "invalid setting --warning=\"80 %\": no blank may stand between "
				 "the number and the % sign");
	char *e4[] = {"HYSTERESIS=1.5%x", NULL};
	run(&rr, NULL, e4, NULL);
	ck_assert_str_eq(rr.err, "invalid setting HYSTERESIS=\"1.5%x\" (environment): nothing may "
				 "follow the % sign");
	run(&rr, "\nwarning = 80%%\n", NULL, NULL);
	char want[400];
	snprintf(want, sizeof want,
		 "%s:2: invalid setting warning=\"80%%%%\": a percentage takes one %% sign",
		 rr.path);
	ck_assert_str_eq(rr.err, want);
}
END_TEST

/* --print-config writes a file that reads back to the same settings. */
static void print_round_trip(char *const *envp)
{
	struct settings a;
	resolve_env_ok(&a, envp);

	char path[256];
	write_temp(path, sizeof path, "");
	FILE *f = fopen(path, "w");
	ck_assert(f != NULL);
	settings_print(&a, f);
	fclose(f);

	char arg[300];
	snprintf(arg, sizeof arg, "--config=%s", path);
	const char *args[] = {arg, NULL};
	struct run rr;
	run(&rr, NULL, NULL, args);
	/* Keep the file for the message, then remove it. */
	char text[4096] = "";
	f = fopen(path, "r");
	if (f) {
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = '\0';
		fclose(f);
	}
	unlink(path);
	ck_assert_msg(rr.r == 0, "read back failed: %s\n%s", rr.err, text);
	const struct settings *b = &rr.s;

	ck_assert_msg(a.warning.is_pct == b->warning.is_pct, "warning kind\n%s", text);
	ck_assert_msg(a.warning.is_pct ? a.warning.pct == b->warning.pct
				       : a.warning.bytes == b->warning.bytes,
		      "warning %.17g/%llu -> %.17g/%llu\n%s", a.warning.pct,
		      (unsigned long long)a.warning.bytes, b->warning.pct,
		      (unsigned long long)b->warning.bytes, text);
	ck_assert_msg(a.critical.is_pct == b->critical.is_pct, "critical kind\n%s", text);
	ck_assert_msg(a.critical.is_pct ? a.critical.pct == b->critical.pct
					: a.critical.bytes == b->critical.bytes,
		      "critical %.17g/%llu -> %.17g/%llu\n%s", a.critical.pct,
		      (unsigned long long)a.critical.bytes, b->critical.pct,
		      (unsigned long long)b->critical.bytes, text);
	ck_assert_msg(a.hysteresis_pct == b->hysteresis_pct, "hysteresis %.17g -> %.17g\n%s",
		      a.hysteresis_pct, b->hysteresis_pct, text);
	ck_assert_msg(a.cooldown_us == b->cooldown_us, "cooldown\n%s", text);
	ck_assert_msg(a.interval_us == b->interval_us, "interval\n%s", text);
	ck_assert_msg(a.rescan_interval_us == b->rescan_interval_us, "rescan_interval\n%s", text);
	ck_assert_msg(a.warning_signal == b->warning_signal, "warning_signal\n%s", text);
	ck_assert_msg(a.critical_signal == b->critical_signal, "critical_signal\n%s", text);
	ck_assert_msg(a.metric == b->metric, "metric\n%s", text);
	ck_assert_msg(a.signal_unhandled == b->signal_unhandled, "signal_unhandled\n%s", text);
	ck_assert_msg(a.dry_run == b->dry_run, "dry_run\n%s", text);
	ck_assert_msg(strcmp(a.include, b->include) == 0, "include \"%s\" -> \"%s\"", a.include,
		      b->include);
	ck_assert_msg(strcmp(a.exclude, b->exclude) == 0, "exclude \"%s\" -> \"%s\"", a.exclude,
		      b->exclude);
	ck_assert_msg(a.log_format == b->log_format, "log_format\n%s", text);
	ck_assert_msg(a.log_level == b->log_level, "log_level\n%s", text);
	ck_assert_msg(strcmp(a.proc_root, b->proc_root) == 0, "proc_root \"%s\" -> \"%s\"",
		      a.proc_root, b->proc_root);

	/* Printing again gives the same text. */
	char text2[4096] = "";
	f = fmemopen(text2, sizeof text2 - 1, "w");
	ck_assert(f != NULL);
	settings_print(b, f);
	fclose(f);
	ck_assert_str_eq(text2, text);
}

START_TEST(print_config_round_trip)
{
	print_round_trip(NULL); /* the defaults */

	char *sizes[] = {"WARNING=512Mi", "CRITICAL=1000000000B", "COOLDOWN=1m30s",
			 "HYSTERESIS=2.5", "WARNING_SIGNAL=SIGRTMIN+2", "CRITICAL_SIGNAL=TERM",
			 "INTERVAL=250ms", "RESCAN_INTERVAL=1500ms", "METRIC=usage",
			 "SIGNAL_UNHANDLED=true", "INCLUDE= nginx , php-* ,[ab]x",
			 "EXCLUDE=php-fpm: master*", "DRY_RUN=yes", "LOG_FORMAT=json",
			 "LOG_LEVEL=debug", "PROC_ROOT=/tmp/fake proc/", NULL};
	print_round_trip(sizes);

	char *pcts[] = {"WARNING=60.5", "CRITICAL=95%", "COOLDOWN=0", "HYSTERESIS=0",
			"WARNING_SIGNAL=HUP", "CRITICAL_SIGNAL=RTMAX", "INTERVAL=1ms",
			"RESCAN_INTERVAL=1h", "LOG_LEVEL=error", NULL};
	print_round_trip(pcts);

	char *odd[] = {"WARNING=1536B", "CRITICAL=1025Ki", "COOLDOWN=1h1us",
		       "RESCAN_INTERVAL=10001us", "HYSTERESIS=0.1", NULL};
	print_round_trip(odd);
}
END_TEST

/* Values the parsers accept with more precision than "%g" keeps. */
START_TEST(print_config_round_trip_precise)
{
	char *e[] = {"WARNING=33.3333333", "CRITICAL=66.6666667", "HYSTERESIS=1.23456789", NULL};
	print_round_trip(e);
}
END_TEST

/* A list as long as SETTINGS_LIST_MAX allows prints on one line that the
 * INI reader takes whole. */
START_TEST(print_config_round_trip_long_list)
{
	static char list[SETTINGS_LIST_MAX], var[SETTINGS_LIST_MAX + 16];
	long_include(list, SETTINGS_LIST_MAX - 1);
	snprintf(var, sizeof var, "INCLUDE=%s", list);
	char *e[] = {var, NULL};
	print_round_trip(e);
}
END_TEST

START_TEST(comm_selection)
{
	static const struct {
		const char *include, *exclude, *comm;
		bool want;
	} cases[] = {
		{"", "", "anything", true},
		{"", "", "", true},
		{"nginx", "", "nginx", true},
		{"nginx", "", "nginx2", false},
		{"nginx", "", "ngin", false},
		{"nginx", "", "*", false},
		{"nginx,php-*", "", "php-fpm", true},
		{"nginx,php-*", "", "php", false},
		{"nginx,php-*", "", "bash", false},
		{" nginx , php-* ", "", "php-cli", true},
		{"php-*", "php-fpm*", "php-fpm", false},
		{"php-*", "php-fpm*", "php-cli", true},
		{"", "sh,bash", "bash", false},
		{"", "sh,bash", "zsh", true},
		{"", "sh,bash", "sh", false},
		{"*", "sh", "sh", false},
		{"[ab]x", "", "ax", true},
		{"[ab]x", "", "cx", false},
		{"?x", "", "ax", true},
		{"?x", "", "abx", false},
		{"web content", "", "web content", true},
		{"a", "a", "a", false},
		{"", "*", "anything", false},
		/* Shell patterns as fnmatch(3) has them: a backslash escapes, an
		 * unclosed '[' is a literal. */
		{"a\\*", "", "a*", true},
		{"a\\*", "", "ab", false},
		{"[!a]x", "", "bx", true},
		{"[!a]x", "", "ax", false},
		{"[a-c]", "", "b", true},
		{"[x", "", "[x", true},
		{"[x", "", "x", false},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char inc[64], exc[64];
		snprintf(inc, sizeof inc, "INCLUDE=%s", cases[i].include);
		snprintf(exc, sizeof exc, "EXCLUDE=%s", cases[i].exclude);
		char *envp[] = {inc, exc, NULL};
		struct settings s;
		resolve_env_ok(&s, envp);
		ck_assert_msg(settings_comm_selected(&s, cases[i].comm) == cases[i].want,
			      "include \"%s\" exclude \"%s\" comm \"%s\": want %d", cases[i].include,
			      cases[i].exclude, cases[i].comm, cases[i].want);
	}
}
END_TEST

START_TEST(error_leaves_out_untouched)
{
	struct settings good;
	char *e[] = {"COOLDOWN=5s", NULL};
	resolve_env_ok(&good, e);
	struct settings out = good;

	struct cli cli;
	memset(&cli, 0, sizeof cli);
	char err[SETTINGS_ERR_MAX];
	char *bad[] = {"COOLDOWN=7s", "METRIC=rss", NULL};
	ck_assert_int_lt(settings_resolve(&out, &cli, bad, err, sizeof err), 0);
	ck_assert(memcmp(&out, &good, sizeof out) == 0);
	char *bad2[] = {"COOLDOWN=7s", "WARNING=95", NULL};
	ck_assert_int_lt(settings_resolve(&out, &cli, bad2, err, sizeof err), 0);
	ck_assert(memcmp(&out, &good, sizeof out) == 0);
	cli.config = "/nonexistent/x.ini";
	ck_assert_int_lt(settings_resolve(&out, &cli, e, err, sizeof err), 0);
	ck_assert(memcmp(&out, &good, sizeof out) == 0);
}
END_TEST

/* A small error buffer gets a terminated, cut message. */
START_TEST(small_error_buffer)
{
	struct settings out;
	struct cli cli;
	memset(&cli, 0, sizeof cli);
	char err[16];
	memset(err, 'x', sizeof err);
	char *bad[] = {"WARNING=abcdefghijklmnopqrstuvwxyz", NULL};
	ck_assert_int_lt(settings_resolve(&out, &cli, bad, err, 8), 0);
	ck_assert_msg(memchr(err, '\0', 8) != NULL, "not terminated");
	ck_assert_int_eq(err[8], 'x');
}
END_TEST

START_TEST(usage_names_everything)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert(f != NULL);
	settings_usage(f, "oomsentry");
	fclose(f);
	for (size_t i = 0; i < N(names); i++) {
		char flag[64];
		snprintf(flag, sizeof flag, "--%s", names[i].flag);
		ck_assert_msg(contains(text, flag), "usage lacks %s", flag);
		ck_assert_msg(contains(text, names[i].env), "usage lacks %s", names[i].env);
	}
	ck_assert(contains(text, "--config"));
	ck_assert(contains(text, "--print-config"));
	free(text);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The table */

START_TEST(table_rows)
{
	ck_assert_int_eq(settings_table_len, (int)N(names));
	for (int i = 0; i < settings_table_len; i++) {
		const struct setting_def *d = &settings_table[i];
		ck_assert_str_eq(d->key, names[i].key);
		ck_assert_str_eq(d->env, names[i].env);
		ck_assert_str_eq(d->flag, names[i].flag);
		ck_assert_msg(settings_table_find(names[i].key) == d, "%s: not found", d->key);
		/* Bounds are a duration's, a percentage's or a bounded size's; they,
		 * and the parsers that give no reason, take the row's. */
		bool bounded = d->kind == SETTING_DURATION || d->kind == SETTING_PERCENT ||
			       d->kind == SETTING_COUNT || (d->kind == SETTING_SIZE && d->max);
		bool needs_why = bounded || d->kind == SETTING_SIGNAL ||
				 d->kind == SETTING_LOG_FORMAT || d->kind == SETTING_LOG_LEVEL ||
				 d->kind == SETTING_ACTIONS || d->kind == SETTING_ADDR;
		ck_assert_msg(needs_why == (d->why != NULL), "%s: reason", d->key);
		ck_assert_msg(bounded ? d->min <= d->max : !d->min && !d->max, "%s: bounds", d->key);
		ck_assert_msg((d->kind == SETTING_BOOL) == (strcmp(d->arg, "BOOL") == 0), "%s: arg",
			      d->key);
		ck_assert_msg(d->offset < sizeof(struct settings), "%s: offset", d->key);
		ck_assert_msg(d->help[0], "%s: no help", d->key);
	}
}
END_TEST

START_TEST(table_find_exact_key_only)
{
	static const char *const not_keys[] = {"", "WARNING", "Warning", "warning-signal",
					       "warning_", "warnin", "oomsentry", "config"};
	for (size_t i = 0; i < N(not_keys); i++)
		ck_assert_msg(settings_table_find(not_keys[i]) == NULL, "\"%s\" found",
			      not_keys[i]);
}
END_TEST

/* Every row's default reads, shows as settings_defaults shows it, and what it
 * shows reads back the same. */
START_TEST(table_defaults_show_back)
{
	struct settings def;
	settings_defaults(&def);
	for (int i = 0; i < settings_table_len; i++) {
		const struct setting_def *d = &settings_table[i];
		struct settings s;
		memset(&s, 0, sizeof s);
		const char *why = NULL;
		if (d->def[0])
			ck_assert_msg(settings_table_set(d, &s, d->def, &why) == 0, "%s: default: %s",
				      d->key, why);
		char a[256], b[256], c[256];
		settings_table_show(d, &s, a, sizeof a);
		settings_table_show(d, &def, b, sizeof b);
		ck_assert_msg(strcmp(a, b) == 0, "%s: \"%s\" vs \"%s\"", d->key, a, b);
		ck_assert_msg(settings_table_set(d, &s, a, &why) == 0 || (!a[0] && !d->def[0]),
			      "%s: \"%s\" does not read back: %s", d->key, a, why);
		settings_table_show(d, &s, c, sizeof c);
		ck_assert_str_eq(a, c);
	}
}
END_TEST

/* The bounds of each duration and percentage: both ends read, one step
 * beyond is refused with the row's reason and leaves the field alone. */
START_TEST(table_bounds)
{
	for (int i = 0; i < settings_table_len; i++) {
		const struct setting_def *d = &settings_table[i];
		if (d->kind != SETTING_DURATION && d->kind != SETTING_PERCENT)
			continue;
		bool pct = d->kind == SETTING_PERCENT;
		const uint64_t ends[] = {d->min, d->max};
		for (size_t k = 0; k < N(ends); k++) {
			char v[64];
			if (pct)
				units_format_number(v, sizeof v, (double)ends[k]);
			else
				units_format_duration(v, sizeof v, ends[k]);
			struct settings s;
			settings_defaults(&s);
			const char *why = NULL;
			ck_assert_msg(settings_table_set(d, &s, v, &why) == 0, "%s=%s: %s", d->key, v,
				      why);
		}
		char above[64], below[64];
		if (pct) {
			snprintf(above, sizeof above, "%llu.000001", (unsigned long long)d->max);
		} else {
			units_format_duration(above, sizeof above, d->max + 1);
			units_format_duration(below, sizeof below, d->min - 1);
		}
		for (int k = 0; k < (d->min && !pct ? 2 : 1); k++) {
			const char *v = k ? below : above;
			struct settings s, before;
			settings_defaults(&s);
			before = s;
			const char *why = NULL;
			ck_assert_msg(settings_table_set(d, &s, v, &why) == -ERANGE, "%s=%s: accepted",
				      d->key, v);
			ck_assert_str_eq(why, d->why);
			ck_assert_msg(memcmp(&s, &before, sizeof s) == 0, "%s=%s: changed", d->key, v);
		}
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("bad_values");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, bad_values_env);
	tcase_add_test(tc, bad_values_flags);
	tcase_add_test(tc, bad_values_flags_separate_word);
	tcase_add_test(tc, bad_values_ini);
	tcase_add_test(tc, bad_values_ini_via_config_env);
	tcase_add_test(tc, bad_value_in_lower_layer_still_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("together");
	tcase_add_test(tc, warning_not_below_critical);
	tcase_add_test(tc, warning_critical_mixed_kinds);
	tcase_add_test(tc, warning_not_below_critical_from_flags);
	tcase_add_test(tc, warning_equal_to_critical);
	tcase_add_test(tc, same_signals);
	tcase_add_test(tc, pair_errors_name_sources);
	tcase_add_test(tc, sources_are_no_change);
	suite_add_tcase(s, tc);

	tc = tcase_create("ini");
	tcase_add_test(tc, ini_unknown_key);
	tcase_add_test(tc, ini_unknown_section);
	tcase_add_test(tc, ini_syntax_errors);
	tcase_add_test(tc, ini_error_line_matches_message);
	tcase_add_test(tc, config_file_missing);
	tcase_add_test(tc, config_file_is_directory);
	tcase_add_test(tc, ini_long_value_read_whole);
	tcase_add_test(tc, ini_too_long_value_reported);
	tcase_add_test(tc, ini_too_long_line_reported);
	tcase_add_test(tc, ini_forms);
	tcase_add_test(tc, ini_duplicate_key);
	tcase_add_test(tc, ini_comments);
	tcase_add_test(tc, percent_sign_messages);
	suite_add_tcase(s, tc);

	tc = tcase_create("cli");
	tcase_add_test(tc, cli_errors);
	tcase_add_test(tc, cli_too_many_flags);
	tcase_add_test(tc, cli_good);
	tcase_add_test(tc, cli_parse_twice_after_error);
	tcase_add_test(tc, bool_flags);
	suite_add_tcase(s, tc);

	tc = tcase_create("good");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, precedence);
	tcase_add_test(tc, repeats_last_wins);
	tcase_add_test(tc, config_path_choice);
	tcase_add_test(tc, oomhero_forms);
	tcase_add_test(tc, other_values);
	tcase_add_test(tc, runtime_values);
	tcase_add_test(tc, jvm_heap_dump_dir_absolute);
	tcase_add_test(tc, changes_between_settings);
	tcase_add_test(tc, warnings_for_dangerous_values);
	tcase_add_test(tc, print_config_round_trip);
	tcase_add_test(tc, print_config_round_trip_precise);
	tcase_add_test(tc, print_config_round_trip_long_list);
	tcase_add_test(tc, comm_selection);
	tcase_add_test(tc, error_leaves_out_untouched);
	tcase_add_test(tc, small_error_buffer);
	tcase_add_test(tc, usage_names_everything);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_test(tc, table_rows);
	tcase_add_test(tc, table_find_exact_key_only);
	tcase_add_test(tc, table_defaults_show_back);
	tcase_add_test(tc, table_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
