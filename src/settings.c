#include "settings.h"

#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <ini.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "http_reply.h"
#include "ini_lines.h"
#include "settings_table.h"
#include "metrics_addr.h"
#include "signame.h"

#define F(field) .offset = offsetof(struct settings, field)
#define LIMIT_US(max_s) ((uint64_t)(max_s) * 1000000)
#define NOT_A_SIGNAL "not a signal (use e.g. SIGUSR1, USR1, 10 or SIGRTMIN+2)"

/* One row per setting. A row's kind decides how its value is read and shown,
 * so every source (INI file, environment, flags), --help and --print-config
 * walk the same rows and no setting needs code of its own. */
static const struct setting_def defs[] = {
	{"warning", "WARNING", "warning", "75", "PCT|SIZE",
	 "level that sends the warning signal: percent of the limit (75, 87.5, 90%) or a size "
	 "(900Mi, 1G)",
	 SETTING_THRESHOLD, F(warning)},
	{"critical", "CRITICAL", "critical", "90", "PCT|SIZE",
	 "level that sends the critical signal; above warning", SETTING_THRESHOLD, F(critical)},
	{"cooldown", "COOLDOWN", "cooldown", "30s", "DURATION",
	 "repeat a persisting level's signal this often (1m30s, 250ms, or seconds)",
	 SETTING_DURATION, F(cooldown_us), .min = 0, .max = LIMIT_US(9223369200ULL),
	 .why = "must be between 0s and 2562047h (Go's longest duration)"},
	{"hysteresis", "HYSTERESIS", "hysteresis", "5", "POINTS",
	 "percentage points of the limit the metric must fall below a level to re-arm it",
	 SETTING_PERCENT, F(hysteresis_pct), .min = 0, .max = 50,
	 .why = "must be between 0 and 50 percentage points"},
	{"warning_signal", "WARNING_SIGNAL", "warning-signal", "SIGUSR1", "SIGNAL",
	 "signal sent at the warning level", SETTING_SIGNAL, F(warning_signal), .why = NOT_A_SIGNAL},
	{"critical_signal", "CRITICAL_SIGNAL", "critical-signal", "SIGUSR2", "SIGNAL",
	 "signal sent at the critical level", SETTING_SIGNAL, F(critical_signal),
	 .why = NOT_A_SIGNAL},
	{"interval", "INTERVAL", "interval", "100ms", "DURATION",
	 "longest time between two reads of a container's cgroup; the fixed interval when "
	 "adaptive is off (1ms to 1h)",
	 SETTING_DURATION, F(interval_us), .min = 1000, .max = LIMIT_US(3600),
	 .why = "must be between 1ms and 1h"},
	{"min_interval", "MIN_INTERVAL", "min-interval", "1ms", "DURATION",
	 "shortest time between two reads of a growing container (100us to 1h)",
	 SETTING_DURATION, F(min_interval_us), .min = 100, .max = LIMIT_US(3600),
	 .why = "must be between 100us and 1h"},
	{"adaptive", "ADAPTIVE", "adaptive", "true", "BOOL",
	 "read a container sooner the faster it grows toward its next level", SETTING_BOOL,
	 F(adaptive)},
	{"rescan_interval", "RESCAN_INTERVAL", "rescan-interval", "1s", "DURATION",
	 "how often to look for new processes (10ms to 1h)", SETTING_DURATION,
	 F(rescan_interval_us), .min = 10000, .max = LIMIT_US(3600),
	 .why = "must be between 10ms and 1h"},
	{"metric", "METRIC", "metric", "working_set", "NAME",
	 "working_set (usage minus inactive page cache, as kubelet) or usage", SETTING_METRIC,
	 F(metric)},
	{"signal_unhandled", "SIGNAL_UNHANDLED", "signal-unhandled", "false", "BOOL",
	 "also signal processes that do not catch the signal (it may kill them)", SETTING_BOOL,
	 F(signal_unhandled)},
	{"include", "INCLUDE", "include", "", "NAMES",
	 "only processes whose command name matches one of these patterns (a,b*)",
	 SETTING_PATTERNS, F(include)},
	{"exclude", "EXCLUDE", "exclude", "", "NAMES",
	 "never processes whose command name matches one of these patterns", SETTING_PATTERNS,
	 F(exclude)},
	{"dry_run", "DRY_RUN", "dry-run", "false", "BOOL",
	 "decide and log as usual but send no signal", SETTING_BOOL, F(dry_run)},
	{"log_format", "LOG_FORMAT", "log-format", "logfmt", "FORMAT", "logfmt or json",
	 SETTING_LOG_FORMAT, F(log_format), .why = "must be logfmt or json"},
	{"log_level", "LOG_LEVEL", "log-level", "info", "LEVEL", "debug, info, warn or error",
	 SETTING_LOG_LEVEL, F(log_level), .why = "must be debug, info, warn or error"},
	{"proc_root", "PROC_ROOT", "proc-root", "/proc", "DIR",
	 "where /proc is (for tests against a fixture tree)", SETTING_PATH, F(proc_root)},
	{"signal_comms", "SIGNAL_COMMS", "signal-comms", "", "NAMES",
	 "processes whose command name matches get signals even where their runtime gives "
	 "the signal a meaning of its own", SETTING_PATTERNS, F(signal_comms)},
	{"warning_actions", "WARNING_ACTIONS", "warning-actions", "histogram,pprof", "ACTIONS",
	 "what the sidecar does itself at warning: histogram (JVM), heap_dump (JVM), pprof "
	 "(Go), heap_snapshot (Node), none", SETTING_ACTIONS, F(warning_actions),
	 .why = "must be a list of histogram, heap_dump, pprof, heap_snapshot, or none"},
	{"critical_actions", "CRITICAL_ACTIONS", "critical-actions",
	 "histogram,heap_dump,pprof,heap_snapshot", "ACTIONS", "the same, at critical",
	 SETTING_ACTIONS, F(critical_actions),
	 .why = "must be a list of histogram, heap_dump, pprof, heap_snapshot, or none"},
	{"dump_dir", "DUMP_DIR", "dump-dir", "", "DIR",
	 "where the sidecar writes histograms and heap profiles (a shared volume); unset: "
	 "those actions are off", SETTING_PATH, F(dump_dir)},
	{"dump_keep", "DUMP_KEEP", "dump-keep", "10", "N",
	 "files of each kind kept in DUMP_DIR, the oldest removed first", SETTING_COUNT,
	 F(dump_keep), .min = 1, .max = 1000, .why = "must be a whole number from 1 to 1000"},
	{"dump_min_free", "DUMP_MIN_FREE", "dump-min-free", "64Mi", "SIZE",
	 "nothing is written that would leave less free space than this", SETTING_SIZE,
	 F(dump_min_free)},
	{"events_max", "EVENTS_MAX", "events-max", "1Mi", "SIZE",
	 "size at which DUMP_DIR/events.jsonl becomes events.jsonl.1 and a new one starts "
	 "(64Ki to 1Gi)",
	 SETTING_SIZE, F(events_max), .min = 64 * 1024, .max = 1024 * 1024 * 1024,
	 .why = "must be from 64Ki to 1Gi"},
	{"jvm_heap_dump_dir", "JVM_HEAP_DUMP_DIR", "jvm-heap-dump-dir", "", "DIR",
	 "a directory, as the JVM's container sees it, where a JVM writes its heap dump at "
	 "heap_dump; unset: no heap dumps", SETTING_ABS_PATH, F(jvm_heap_dump_dir)},
	{"go_pprof", "GO_PPROF", "go-pprof", "", "PORT|URL",
	 "where Go apps serve net/http/pprof (6060, or http://127.0.0.1:6060/debug/pprof/heap); "
	 "unset: each app's listening ports are tried", SETTING_URL, F(go_pprof)},
	{"action_timeout", "ACTION_TIMEOUT", "action-timeout", "2m", "DURATION",
	 "longest time the actions for one process may take (a heap dump of a large heap "
	 "takes long)", SETTING_DURATION, F(action_timeout_us), .min = LIMIT_US(1),
	 .max = LIMIT_US(3600), .why = "must be from 1s to 1h"},
	/* Off unless asked: the sidecar shares the pod's network namespace, so
	 * any default port could be one the app means to listen on. */
	{"metrics_addr", "METRICS_ADDR", "metrics-addr", "", "ADDR",
	 "serve /metrics (Prometheus) and /healthz on this address (:9559, 127.0.0.1:9559, "
	 "[::1]:9559); unset: no listener", SETTING_ADDR, F(metrics_addr),
	 .why = "must be :PORT, IPV4:PORT or [IPV6]:PORT, with a numeric address and a port "
		"from 0 to 65535"},
	{"flight_recorder", "FLIGHT_RECORDER", "flight-recorder", "30s", "DURATION",
	 "how much memory history each container keeps, written to DUMP_DIR on an OOM kill "
	 "and on entering critical (0: off; up to 1h)", SETTING_DURATION, F(flight_recorder_us),
	 .min = 0, .max = LIMIT_US(3600), .why = "must be 0 (off) or up to 1h"},
};
#define NDEFS ((int)(sizeof defs / sizeof *defs))
const struct setting_def *const settings_table = defs;
const int settings_table_len = NDEFS;

const struct setting_def *settings_table_find(const char *key)
{
	for (int i = 0; i < NDEFS; i++)
		if (strcmp(key, defs[i].key) == 0)
			return &defs[i];
	return NULL;
}

static int metric_parse(const char *v, enum metric *m, const char **why)
{
	if (strcasecmp(v, "working_set") == 0 || strcasecmp(v, "working-set") == 0)
		*m = METRIC_WORKING_SET;
	else if (strcasecmp(v, "usage") == 0)
		*m = METRIC_USAGE;
	else {
		*why = v[0] ? "must be working_set or usage" : "empty value";
		return -EINVAL;
	}
	return 0;
}

/* A control character in a path is a quoting mistake, and --print-config
 * could not write it back as one INI line. */
static int path_parse(const char *v, char *path, const char **why)
{
	size_t len = strlen(v);
	if (!len) {
		*why = "empty value";
		return -EINVAL;
	}
	if (len >= SETTINGS_PATH_MAX) {
		*why = "path too long";
		return -ERANGE;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			*why = "control character in the path";
			return -EINVAL;
		}
	}
	/* Paths are built as "<root>/<pid>/..."; a trailing slash is noise. */
	while (len > 1 && v[len - 1] == '/')
		len--;
	memcpy(path, v, len);
	path[len] = '\0';
	return 0;
}

static const struct {
	const char *name;
	unsigned bit;
} action_names[] = {
	{"histogram", ACTION_HISTOGRAM},
	{"heap_dump", ACTION_HEAP_DUMP},
	{"pprof", ACTION_PPROF},
	{"heap_snapshot", ACTION_HEAP_SNAPSHOT},
};
#define NACTIONS (sizeof action_names / sizeof *action_names)

/* "histogram, pprof" or "none"; blanks around names are allowed. */
static int actions_parse(const char *v, unsigned *out)
{
	unsigned bits = 0;
	bool none = false, any = false;
	const char *p = v;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, ", \t");
		const char *q = p + n;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q && *q != ',')
			return -EINVAL;
		if (!n)
			return -EINVAL;
		bool found = false;
		if (n == 4 && strncasecmp(p, "none", 4) == 0) {
			none = found = true;
		} else {
			for (size_t i = 0; i < NACTIONS; i++)
				if (strlen(action_names[i].name) == n &&
				    strncasecmp(p, action_names[i].name, n) == 0) {
					bits |= action_names[i].bit;
					found = true;
				}
		}
		if (!found)
			return -EINVAL;
		any = true;
		if (!*q)
			break;
		p = q + 1;
	}
	/* "none" with anything else is a contradiction, not a choice. */
	if (!any || (none && bits))
		return -EINVAL;
	*out = bits;
	return 0;
}

void settings_format_actions(unsigned actions, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < NACTIONS; i++)
		if (actions & action_names[i].bit) {
			int n = snprintf(buf + len, size - len, "%s%s", len ? "," : "",
					 action_names[i].name);
			if (n < 0 || (size_t)n >= size - len)
				break;
			len += (size_t)n;
		}
	if (!len)
		snprintf(buf, size, "none");
}

static int url_parse(const char *v, char *field, const char **why)
{
	struct http_target t;
	if (strlen(v) >= SETTINGS_URL_MAX) {
		*why = "too long";
		return -ERANGE;
	}
	int r = http_target_parse(v, &t, why);
	if (r)
		return r;
	strcpy(field, v);
	return 0;
}

static int count_parse(const struct setting_def *d, const char *v, unsigned *out,
		       const char **why)
{
	double n;
	/* The bounds first: converting a double beyond uint64_t is undefined. */
	if (units_parse_number(v, &n, why) || n < (double)d->min || n > (double)d->max ||
	    n != (double)(uint64_t)n) {
		*why = d->why;
		return -EINVAL;
	}
	*out = (unsigned)n;
	return 0;
}

/* A duration or a percentage: read, then held to the row's bounds. */
static int set_bounded(const struct setting_def *d, void *field, const char *v, const char **why)
{
	bool duration = d->kind == SETTING_DURATION;
	uint64_t us = 0;
	double pct = 0;
	int r = duration ? units_parse_duration_us(v, &us, why) : units_parse_percent(v, &pct, why);
	if (r)
		return r;
	if (duration ? us < d->min || us > d->max : pct < d->min || pct > d->max) {
		*why = d->why;
		return -ERANGE;
	}
	if (duration)
		*(uint64_t *)field = us;
	else
		*(double *)field = pct;
	return 0;
}

int settings_table_set(const struct setting_def *d, struct settings *s, const char *v,
		       const char **why)
{
	void *field = (char *)s + d->offset;
	int r = -EINVAL;
	/* A path or address whose default is "unset" may be set back to it,
	 * and --print-config writes it so. */
	if ((d->kind == SETTING_PATH || d->kind == SETTING_ABS_PATH || d->kind == SETTING_URL ||
	     d->kind == SETTING_ADDR) &&
	    !d->def[0] && !v[0]) {
		*(char *)field = '\0';
		return 0;
	}
	switch (d->kind) {
	case SETTING_THRESHOLD:
		return units_parse_threshold(v, field, why);
	case SETTING_DURATION:
	case SETTING_PERCENT:
		return set_bounded(d, field, v, why);
	case SETTING_BOOL:
		return units_parse_bool(v, field, why);
	case SETTING_METRIC:
		return metric_parse(v, field, why);
	case SETTING_PATTERNS:
		return commfilter_parse(v, field, why);
	case SETTING_PATH:
		return path_parse(v, field, why);
	case SETTING_ABS_PATH:
		/* A JVM resolves a relative path against its own working
		 * directory, which the sidecar cannot know. */
		if (v[0] && v[0] != '/') {
			*why = "must be an absolute path (as the JVM's container sees it)";
			return -EINVAL;
		}
		return path_parse(v, field, why);
	case SETTING_SIZE: {
		/* A size without bounds (max 0) takes any value units.c reads. */
		uint64_t bytes;
		if ((r = units_parse_size(v, &bytes, why)))
			return r;
		if (d->max && (bytes < d->min || bytes > d->max)) {
			*why = d->why;
			return -ERANGE;
		}
		*(uint64_t *)field = bytes;
		return 0;
	}
	case SETTING_COUNT:
		return count_parse(d, v, field, why);
	case SETTING_URL:
		return url_parse(v, field, why);
	case SETTING_ADDR: {
		struct metrics_addr a;
		char err[160];
		if (metrics_addr_parse(v, true, &a, err, sizeof err)) {
			*why = d->why;
			return -EINVAL;
		}
		snprintf(field, SETTINGS_ADDR_MAX, "%s", v);
		return 0;
	}
	case SETTING_ACTIONS:
		r = actions_parse(v, field);
		break;
	/* Parsers that give no reason: the row has it. */
	case SETTING_SIGNAL:
		r = signame_parse(v, field);
		/* SIGSTOP cannot be caught: it could never be a notification,
		 * only a frozen app. */
		if (!r && *(int *)field == SIGSTOP) {
			*why = "SIGSTOP cannot be caught or handled: it would freeze the app, "
			       "never tell it anything";
			return -EINVAL;
		}
		break;
	case SETTING_LOG_FORMAT:
		r = log_format_parse(v, field);
		break;
	case SETTING_LOG_LEVEL:
		r = log_level_parse(v, field);
		break;
	}
	if (r)
		*why = d->why;
	return r ? -EINVAL : 0;
}

void settings_table_show(const struct setting_def *d, const struct settings *s, char *buf,
			 size_t size)
{
	const void *field = (const char *)s + d->offset;
	const char *text = "";
	switch (d->kind) {
	case SETTING_THRESHOLD:
		units_format_threshold(buf, size, field);
		return;
	case SETTING_DURATION:
		units_format_duration(buf, size, *(const uint64_t *)field);
		return;
	case SETTING_PERCENT:
		units_format_number(buf, size, *(const double *)field);
		return;
	case SETTING_SIGNAL:
		signame_format(*(const int *)field, buf, size);
		return;
	case SETTING_BOOL:
		text = *(const bool *)field ? "true" : "false";
		break;
	case SETTING_METRIC:
		text = settings_metric_name(*(const enum metric *)field);
		break;
	case SETTING_LOG_FORMAT:
		text = log_format_name(*(const enum log_format *)field);
		break;
	case SETTING_LOG_LEVEL:
		text = log_level_name(*(const enum log_level *)field);
		break;
	case SETTING_SIZE:
		snprintf(buf, size, "%" PRIu64, *(const uint64_t *)field);
		return;
	case SETTING_COUNT:
		snprintf(buf, size, "%u", *(const unsigned *)field);
		return;
	case SETTING_ACTIONS:
		settings_format_actions(*(const unsigned *)field, buf, size);
		return;
	case SETTING_PATTERNS:
	case SETTING_PATH:
	case SETTING_ABS_PATH:
	case SETTING_URL:
	case SETTING_ADDR:
		text = field;
		break;
	}
	snprintf(buf, size, "%s", text);
}

const char *settings_metric_name(enum metric m)
{
	return m == METRIC_USAGE ? "usage" : "working_set";
}

void settings_defaults(struct settings *s)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < NDEFS; i++) {
		const char *why;
		/* Defaults are ours and valid; an empty list default needs no parse. */
		if (defs[i].def[0])
			settings_table_set(&defs[i], s, defs[i].def, &why);
	}
}

static void errf(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

/* getopt values: settings are OPT_SETTING + index; 0 means "unknown". */
enum { OPT_SETTING = 0x100, OPT_HELP = 0x1000, OPT_VERSION, OPT_ONCE, OPT_PRINT, OPT_CONFIG };

int settings_parse_args(int argc, char **argv, struct cli *cli, char *err, size_t errsz)
{
	struct option opts[NDEFS + 8];
	int n = 0;
	for (int i = 0; i < NDEFS; i++)
		opts[n++] = (struct option){defs[i].flag,
					    defs[i].kind == SETTING_BOOL ? optional_argument : required_argument,
					    NULL, OPT_SETTING + i};
	opts[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
	opts[n++] = (struct option){"version", no_argument, NULL, OPT_VERSION};
	opts[n++] = (struct option){"once", no_argument, NULL, OPT_ONCE};
	opts[n++] = (struct option){"print-config", no_argument, NULL, OPT_PRINT};
	opts[n++] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
	opts[n] = (struct option){0};

	memset(cli, 0, sizeof *cli);
	optind = 0; /* 0, not 1: a full reset of glibc's getopt state */
	opterr = 0;
	for (;;) {
		int idx = -1;
		int c = getopt_long(argc, argv, "hV", opts, &idx);
		if (c == -1)
			break;
		switch (c) {
		case 'h':
		case OPT_HELP:
			cli->help = true;
			break;
		case 'V':
		case OPT_VERSION:
			cli->version = true;
			break;
		case OPT_ONCE:
			cli->once = true;
			break;
		case OPT_PRINT:
			cli->print_config = true;
			break;
		case OPT_CONFIG:
			if (!optarg[0]) {
				errf(err, errsz, "invalid setting --config=\"\": empty value");
				return -EINVAL;
			}
			cli->config = optarg;
			break;
		case '?':
			if (optopt >= OPT_SETTING && optopt < OPT_SETTING + NDEFS)
				errf(err, errsz, "option --%s needs a value",
				     defs[optopt - OPT_SETTING].flag);
			else if (optopt == OPT_CONFIG)
				errf(err, errsz, "option --config needs a value");
			else if (optopt > 0 && optopt < 0x80)
				errf(err, errsz, "unknown option -%c (see --help)", optopt);
			else if (optopt >= OPT_HELP)
				errf(err, errsz, "option %s takes no value (see --help)",
				     argv[optind - 1]);
			else
				errf(err, errsz, "unknown option %s (see --help)", argv[optind - 1]);
			return -EINVAL;
		default:
			if (c >= OPT_SETTING && c < OPT_SETTING + NDEFS) {
				if (cli->nflags == (int)(sizeof cli->flags / sizeof *cli->flags)) {
					errf(err, errsz, "too many options");
					return -EINVAL;
				}
				cli->flags[cli->nflags].setting = c - OPT_SETTING;
				cli->flags[cli->nflags].value = optarg ? optarg : "true";
				cli->nflags++;
			}
			break;
		}
	}
	if (optind < argc) {
		errf(err, errsz, "unexpected argument \"%s\" (see --help)", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static const char *env_get(char *const *envp, const char *name)
{
	size_t len = strlen(name);
	for (char *const *e = envp; e && *e; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return *e + len + 1;
	return NULL;
}

const char *settings_config_path(const struct cli *cli, char *const *envp)
{
	if (cli->config)
		return cli->config;
	const char *p = env_get(envp, "CONFIG");
	return p && *p ? p : NULL;
}

/* Where a setting's value came from, and the value as given: a message
 * about two settings together must show what the user wrote ("1.5Gi", not
 * "1536Mi") and where to change it. Kept beside struct settings, never in
 * it: settings that are equal stay equal whatever their sources, as a reload
 * compares them. Values longer than ORIGIN_TEXT_MAX bytes are kept cut. */
#define ORIGIN_TEXT_MAX 64
enum origin_source { FROM_DEFAULT, FROM_FILE, FROM_ENV, FROM_FLAG };
struct origin {
	enum origin_source from;
	int line;                         /* FROM_FILE: the line of the file */
	char text[ORIGIN_TEXT_MAX + 4];   /* as given; "..." ends a cut value */
};

static void origin_set(struct origin *o, enum origin_source from, int line, const char *text)
{
	o->from = from;
	o->line = line;
	size_t len = strlen(text);
	if (len > ORIGIN_TEXT_MAX)
		snprintf(o->text, sizeof o->text, "%.*s...", ORIGIN_TEXT_MAX, text);
	else
		memcpy(o->text, text, len + 1);
}

struct ini_ctx {
	struct settings *s;
	struct origin *origins;  /* one per row */
	const struct ini_lines *lines;
	int fail_line;    /* where an entry was first refused */
	int set_on[NDEFS]; /* the line that set each row, or 0 */
	char *why;
	size_t whysz;
};

/* Notes where row's value came from; 1, libinih's "go on". */
static int ini_entry_set(struct ini_ctx *ctx, int row, const char *value)
{
	ctx->set_on[row] = ctx->lines->line;
	origin_set(&ctx->origins[row], FROM_FILE, ctx->lines->line, value);
	return 1;
}

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *ctx = user;
	if (ctx->fail_line || ctx->lines->long_line)
		return 1; /* the first error is the one reported */
	const struct setting_def *d = NULL;
	const char *why = NULL;
	char msg[SETTINGS_ERR_MAX];
	/* Keys before any section and in [oomsentry] are the same settings, so
	 * one key in both places is a duplicate too: the later one would win
	 * without a word. */
	if (section[0] && strcmp(section, "oomsentry") != 0)
		snprintf(msg, sizeof msg, "unknown section [%s] (use [oomsentry] or none)", section);
	else if (!(d = settings_table_find(name)))
		snprintf(msg, sizeof msg, "unknown key \"%s\"", name);
	else if (ctx->set_on[d - defs])
		snprintf(msg, sizeof msg, "duplicate key \"%s\" (first set on line %d)", name,
			 ctx->set_on[d - defs]);
	else if (settings_table_set(d, ctx->s, value, &why))
		snprintf(msg, sizeof msg, "invalid setting %s=\"%s\": %s", name, value, why);
	else
		return ini_entry_set(ctx, (int)(d - defs), value);
	ctx->fail_line = ctx->lines->line;
	snprintf(ctx->why, ctx->whysz, "%s", msg);
	return 0;
}

static int load_file(struct settings *s, struct origin *origins, const char *path, char *err,
		     size_t errsz)
{
	struct ini_lines lines;
	int e = ini_lines_open(&lines, path);
	if (e) {
		errf(err, errsz, "invalid setting CONFIG=\"%s\": cannot read: %s", path,
		     e == EISDIR ? "not a regular file" : strerror(e));
		return -EINVAL;
	}
	char why[SETTINGS_ERR_MAX] = "";
	struct ini_ctx ctx = {.s = s, .origins = origins, .lines = &lines, .why = why,
			      .whysz = sizeof why};
	int line = ini_parse_stream(ini_lines_read, &lines, on_ini_entry, &ctx);
	ini_lines_close(&lines);
	if (line == -2) {
		errf(err, errsz, "%s: out of memory while reading", path);
		return -ENOMEM;
	}
	int fail = ctx.fail_line;
	if (lines.long_line && (!fail || lines.long_line < fail)) {
		fail = lines.long_line;
		snprintf(why, sizeof why, "line longer than %d characters", lines.longest);
	}
	if (line > 0 && (!fail || line < fail)) {
		/* The parser's own complaint, before any of ours. */
		errf(err, errsz, "%s:%d: syntax error (expected key = value or [oomsentry])", path,
		     line);
		return -EINVAL;
	}
	if (fail) {
		errf(err, errsz, "%s:%d: %s", path, fail, why);
		return -EINVAL;
	}
	return 0;
}

/* NAME="value" (source) for a message about two settings: the value as
 * given, the environment variable's name whatever the source (one name per
 * setting in every message), the file's line or the flag where it was set. */
static void describe(char *buf, size_t size, int row, const struct origin *origins,
		     const char *path)
{
	const struct origin *o = &origins[row];
	const struct setting_def *d = &defs[row];
	switch (o->from) {
	case FROM_FILE:
		snprintf(buf, size, "%s=\"%s\" (%s:%d)", d->env, o->text, path, o->line);
		break;
	case FROM_ENV:
		snprintf(buf, size, "%s=\"%s\" (environment)", d->env, o->text);
		break;
	case FROM_FLAG:
		snprintf(buf, size, "%s=\"%s\" (--%s)", d->env, o->text, d->flag);
		break;
	case FROM_DEFAULT:
		snprintf(buf, size, "%s=\"%s\" (default)", d->env, o->text);
		break;
	}
}

/* "invalid settings A=\"x\" (source) and B=\"y\" (source): why". */
static int pair_error(char *err, size_t errsz, const char *key_a, const char *key_b,
		      const struct origin *origins, const char *path, const char *why)
{
	char a[SETTINGS_ERR_MAX / 2], b[SETTINGS_ERR_MAX / 2];
	describe(a, sizeof a, (int)(settings_table_find(key_a) - defs), origins, path);
	describe(b, sizeof b, (int)(settings_table_find(key_b) - defs), origins, path);
	errf(err, errsz, "invalid settings %s and %s: %s", a, b, why);
	return -EINVAL;
}

static int check_together(const struct settings *s, const struct origin *origins,
			  const char *path, char *err, size_t errsz)
{
	if (s->warning.is_pct != s->critical.is_pct)
		return pair_error(err, errsz, "warning", "critical", origins, path,
				  "both must be percentages or both sizes");
	/* Equal is oomhero's way to have the critical level only
	 * (settings_warnings says so). */
	bool above = s->warning.is_pct ? s->warning.pct > s->critical.pct
				       : s->warning.bytes > s->critical.bytes;
	if (above)
		return pair_error(err, errsz, "warning", "critical", origins, path,
				  "warning must be at or below critical");
	if (s->min_interval_us > s->interval_us)
		return pair_error(err, errsz, "min_interval", "interval", origins, path,
				  "the minimum is above the maximum");
	char a[16], why[80];
	if (signame_clash(s->warning_signal, s->critical_signal, a, sizeof a)) {
		snprintf(why, sizeof why, "both are %s; the app could not tell the levels apart",
			 a);
		return pair_error(err, errsz, "warning_signal", "critical_signal", origins, path,
				  why);
	}
	return 0;
}

int settings_resolve(struct settings *out, const struct cli *cli, char *const *envp, char *err,
		     size_t errsz)
{
	struct settings s;
	settings_defaults(&s);
	struct origin origins[NDEFS];
	for (int i = 0; i < NDEFS; i++)
		origin_set(&origins[i], FROM_DEFAULT, 0, defs[i].def);

	const char *path = settings_config_path(cli, envp);
	if (path) {
		int r = load_file(&s, origins, path, err, errsz);
		if (r)
			return r;
	}
	for (int i = 0; i < NDEFS; i++) {
		const char *v = env_get(envp, defs[i].env);
		if (!v)
			continue;
		const char *why = NULL;
		if (settings_table_set(&defs[i], &s, v, &why)) {
			errf(err, errsz, "invalid setting %s=\"%s\" (environment): %s", defs[i].env, v,
			     why);
			return -EINVAL;
		}
		origin_set(&origins[i], FROM_ENV, 0, v);
	}
	for (int i = 0; i < cli->nflags; i++) {
		const struct setting_def *d = &defs[cli->flags[i].setting];
		const char *why = NULL;
		if (settings_table_set(d, &s, cli->flags[i].value, &why)) {
			errf(err, errsz, "invalid setting --%s=\"%s\": %s", d->flag,
			     cli->flags[i].value, why);
			return -EINVAL;
		}
		origin_set(&origins[cli->flags[i].setting], FROM_FLAG, 0, cli->flags[i].value);
	}
	int r = check_together(&s, origins, path, err, errsz);
	if (r)
		return r;
	*out = s;
	return 0;
}

static void signal_warning(const char *var, int signo,
			   void (*fn)(void *, const char *, const char *, const char *), void *ctx)
{
	char name[16];
	signame_format(signo, name, sizeof name);
	if (signame_meant_to_stop(signo))
		fn(ctx, var, name,
		   "meant to stop a process: it goes to every watched process of a container at "
		   "that level, bystanders included, whether they handle it or not");
	else if (signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU)
		fn(ctx, var, name,
		   "stops a process that has no handler for it (such processes get it only with "
		   "SIGNAL_UNHANDLED=true)");
	else if (signo == SIGCONT || signo == SIGCHLD || signo == SIGURG || signo == SIGWINCH)
		fn(ctx, var, name,
		   "ignored by default and given meanings of their own by shells and servers: a "
		   "poor notification");
}

void settings_warnings(const struct settings *s,
		       void (*fn)(void *ctx, const char *setting, const char *value,
				  const char *why),
		       void *ctx)
{
	static const struct {
		const char *var;
		size_t offset;
	} levels[] = {{"WARNING", offsetof(struct settings, warning)},
		      {"CRITICAL", offsetof(struct settings, critical)}};
	for (size_t i = 0; i < 2; i++) {
		const struct threshold *t = (const void *)((const char *)s + levels[i].offset);
		if (t->is_pct && t->pct < 1) {
			char v[32];
			units_format_threshold(v, sizeof v, t);
			fn(ctx, levels[i].var, v,
			   "under 1% of the limit: a ratio such as 0.75 means 0.75% here; write 75 "
			   "for 75%");
		}
	}
	bool same = s->warning.is_pct ? s->warning.pct == s->critical.pct
				      : s->warning.bytes == s->critical.bytes;
	if (same) {
		char v[32];
		units_format_threshold(v, sizeof v, &s->warning);
		fn(ctx, "WARNING", v,
		   "equals CRITICAL: there is no warning level, only the critical signal is sent (as "
		   "oomhero does)");
	}
	signal_warning("WARNING_SIGNAL", s->warning_signal, fn, ctx);
	signal_warning("CRITICAL_SIGNAL", s->critical_signal, fn, ctx);
	if (s->signal_unhandled)
		fn(ctx, "SIGNAL_UNHANDLED", "true",
		   "processes that do not handle the signal get it too: SIGUSR1 and SIGUSR2 kill C, "
		   "Python and Java programs by default");
}

void settings_each_change(const struct settings *a, const struct settings *b,
			  void (*fn)(void *ctx, const char *key, const char *from, const char *to),
			  void *ctx)
{
	for (int i = 0; i < NDEFS; i++) {
		char va[SETTINGS_PATH_MAX + 16], vb[SETTINGS_PATH_MAX + 16];
		settings_table_show(&defs[i], a, va, sizeof va);
		settings_table_show(&defs[i], b, vb, sizeof vb);
		if (strcmp(va, vb) != 0)
			fn(ctx, defs[i].key, va, vb);
	}
}

void settings_print(const struct settings *s, FILE *out)
{
	fprintf(out, "[oomsentry]\n");
	for (int i = 0; i < NDEFS; i++) {
		char v[SETTINGS_PATH_MAX + 16];
		settings_table_show(&defs[i], s, v, sizeof v);
		fprintf(out, "%s = %s\n", defs[i].key, v);
	}
}

/* "  FLAG   text..." with the text wrapped at USAGE_WIDTH columns under its
 * own column, so --help reads in an 80-column terminal. */
#define USAGE_WIDTH 80
#define USAGE_INDENT 35
static void print_wrapped(FILE *out, const char *first, const char *text)
{
	int col = fprintf(out, "  %-32s ", first);
	if (col > USAGE_INDENT) {
		fprintf(out, "\n%*s", USAGE_INDENT, "");
		col = USAGE_INDENT;
	}
	bool line_empty = true;
	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (!n)
			break;
		if (!line_empty && col + 1 + (int)n > USAGE_WIDTH) {
			fprintf(out, "\n%*s", USAGE_INDENT, "");
			col = USAGE_INDENT;
			line_empty = true;
		}
		col += fprintf(out, "%s%.*s", line_empty ? "" : " ", (int)n, p);
		line_empty = false;
		p += n;
	}
	fputc('\n', out);
}

void settings_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s [OPTION]...\n"
		"Watches the memory of every other container in the pod and signals their\n"
		"processes at the warning and critical levels.\n\n"
		"Each setting is a flag, an environment variable and a key of the INI file;\n"
		"flags win over the environment, which wins over the file.\n\n",
		prog);
	for (int i = 0; i < NDEFS; i++) {
		char flag[64], tail[SETTINGS_PATH_MAX];
		snprintf(flag, sizeof flag, "--%s%s%s", defs[i].flag, defs[i].kind == SETTING_BOOL ? "[=" : "=",
			 defs[i].arg);
		if (defs[i].kind == SETTING_BOOL)
			strncat(flag, "]", sizeof flag - strlen(flag) - 1);
		snprintf(tail, sizeof tail, "env %s, default \"%s\"", defs[i].env, defs[i].def);
		print_wrapped(out, flag, defs[i].help);
		print_wrapped(out, "", tail);
	}
	print_wrapped(out, "--config=FILE", "read settings from this INI file");
	print_wrapped(out, "", "env CONFIG, default none");
	print_wrapped(out, "--once", "scan once, print one line per process, exit");
	print_wrapped(out, "--print-config", "print the effective settings as an INI file and exit");
	print_wrapped(out, "--help", "this text");
	print_wrapped(out, "--version", "print the version and exit");
	fprintf(out, "\nExit status: 0 clean stop, 1 runtime failure, 2 usage or configuration\n"
		     "error, 3 missing capability, 4 unusable /proc.\n");
}

bool settings_comm_selected(const struct settings *s, const char *comm)
{
	return commfilter_selected(s->include, s->exclude, comm);
}

bool settings_comm_opted_in(const struct settings *s, const char *comm)
{
	return s->signal_comms[0] && commfilter_matches(s->signal_comms, comm);
}
