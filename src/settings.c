#include "settings.h"

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "signame.h"

/* Each setter parses one value into s, or returns -EINVAL with *why set. */
typedef int (*setter)(struct settings *s, const char *v, const char **why);
/* Each shower prints the current value in a form its setter reads back. */
typedef void (*shower)(const struct settings *s, char *buf, size_t size);

struct setting_def {
	const char *key;   /* INI key */
	const char *env;   /* environment variable */
	const char *flag;  /* long flag without dashes */
	const char *def;   /* default, as the user would write it */
	const char *arg;   /* what the value looks like, for --help */
	const char *help;
	setter set;
	shower show;
	bool boolean;      /* a flag that may stand alone: --dry-run */
};

#define LIMIT_US(max_s) ((uint64_t)(max_s) * 1000000)

static int set_threshold(struct threshold *t, const char *v, const char **why)
{
	return units_parse_threshold(v, t, why);
}
static int set_warning(struct settings *s, const char *v, const char **why)
{
	return set_threshold(&s->warning, v, why);
}
static int set_critical(struct settings *s, const char *v, const char **why)
{
	return set_threshold(&s->critical, v, why);
}
static void show_warning(const struct settings *s, char *b, size_t n)
{
	units_format_threshold(b, n, &s->warning);
}
static void show_critical(const struct settings *s, char *b, size_t n)
{
	units_format_threshold(b, n, &s->critical);
}

static int set_duration(uint64_t *dst, const char *v, uint64_t min_us, uint64_t max_us,
			const char **why, const char *range)
{
	uint64_t us;
	int r = units_parse_duration_us(v, &us, why);
	if (r)
		return r;
	if (us < min_us || us > max_us) {
		*why = range;
		return -ERANGE;
	}
	*dst = us;
	return 0;
}
static int set_cooldown(struct settings *s, const char *v, const char **why)
{
	return set_duration(&s->cooldown_us, v, 0, LIMIT_US(86400), why,
			    "must be between 0s and 24h");
}
static int set_interval(struct settings *s, const char *v, const char **why)
{
	return set_duration(&s->interval_us, v, 1000, LIMIT_US(3600), why,
			    "must be between 1ms and 1h");
}
static int set_bool(bool *dst, const char *v, const char **why)
{
	return units_parse_bool(v, dst, why);
}

static int set_min_interval(struct settings *s, const char *v, const char **why)
{
	return set_duration(&s->min_interval_us, v, 100, LIMIT_US(3600), why,
			    "must be between 100us and 1h");
}
static void show_min_interval(const struct settings *s, char *b, size_t n)
{
	units_format_duration(b, n, s->min_interval_us);
}
static int set_adaptive(struct settings *s, const char *v, const char **why)
{
	return set_bool(&s->adaptive, v, why);
}
static void show_adaptive(const struct settings *s, char *b, size_t n)
{
	snprintf(b, n, "%s", s->adaptive ? "true" : "false");
}

static int set_rescan(struct settings *s, const char *v, const char **why)
{
	return set_duration(&s->rescan_interval_us, v, 10000, LIMIT_US(3600), why,
			    "must be between 10ms and 1h");
}
static void show_cooldown(const struct settings *s, char *b, size_t n)
{
	units_format_duration(b, n, s->cooldown_us);
}
static void show_interval(const struct settings *s, char *b, size_t n)
{
	units_format_duration(b, n, s->interval_us);
}
static void show_rescan(const struct settings *s, char *b, size_t n)
{
	units_format_duration(b, n, s->rescan_interval_us);
}

static int set_hysteresis(struct settings *s, const char *v, const char **why)
{
	double d;
	const char *p = v;
	char buf[64];
	size_t len = strlen(v);
	/* "5" and "5%" both mean five percentage points. */
	if (len && len < sizeof buf && v[len - 1] == '%') {
		memcpy(buf, v, len - 1);
		buf[len - 1] = '\0';
		p = buf;
	}
	int r = units_parse_number(p, &d, why);
	if (r)
		return r;
	if (d > 50) {
		*why = "must be between 0 and 50 percentage points";
		return -ERANGE;
	}
	s->hysteresis_pct = d;
	return 0;
}
static void show_hysteresis(const struct settings *s, char *b, size_t n)
{
	units_format_number(b, n, s->hysteresis_pct);
}

static int set_signal(int *dst, const char *v, const char **why)
{
	if (signame_parse(v, dst)) {
		*why = "not a signal (use e.g. SIGUSR1, USR1, 10 or SIGRTMIN+2)";
		return -EINVAL;
	}
	return 0;
}
static int set_warning_signal(struct settings *s, const char *v, const char **why)
{
	return set_signal(&s->warning_signal, v, why);
}
static int set_critical_signal(struct settings *s, const char *v, const char **why)
{
	return set_signal(&s->critical_signal, v, why);
}
static void show_warning_signal(const struct settings *s, char *b, size_t n)
{
	signame_format(s->warning_signal, b, n);
}
static void show_critical_signal(const struct settings *s, char *b, size_t n)
{
	signame_format(s->critical_signal, b, n);
}

static int set_metric(struct settings *s, const char *v, const char **why)
{
	if (strcasecmp(v, "working_set") == 0 || strcasecmp(v, "working-set") == 0)
		s->metric = METRIC_WORKING_SET;
	else if (strcasecmp(v, "usage") == 0)
		s->metric = METRIC_USAGE;
	else {
		*why = v[0] ? "must be working_set or usage" : "empty value";
		return -EINVAL;
	}
	return 0;
}
static void show_metric(const struct settings *s, char *b, size_t n)
{
	snprintf(b, n, "%s", settings_metric_name(s->metric));
}

static int set_signal_unhandled(struct settings *s, const char *v, const char **why)
{
	return set_bool(&s->signal_unhandled, v, why);
}
static int set_dry_run(struct settings *s, const char *v, const char **why)
{
	return set_bool(&s->dry_run, v, why);
}
static void show_signal_unhandled(const struct settings *s, char *b, size_t n)
{
	snprintf(b, n, "%s", s->signal_unhandled ? "true" : "false");
}
static void show_dry_run(const struct settings *s, char *b, size_t n)
{
	snprintf(b, n, "%s", s->dry_run ? "true" : "false");
}

/* True if s holds a control character. Such a byte in a path or a pattern is a
 * quoting mistake, and --print-config could not write it back as one INI line. */
static bool has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* A comma-separated list of comm patterns (shell patterns, fnmatch(3)), blanks around items
 * ignored. Empty items are rejected: "a,,b" is a typo, not a wish. */
static int set_list(char *dst, const char *v, const char **why)
{
	char buf[SETTINGS_LIST_MAX];
	size_t n = 0;
	if (strlen(v) >= sizeof buf) {
		*why = "list too long";
		return -ERANGE;
	}
	const char *p = v;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *start = p;
		while (*p && *p != ',')
			p++;
		const char *end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == start) {
			*why = "empty name in list";
			return -EINVAL;
		}
		if (has_control(start, (size_t)(end - start))) {
			*why = "control character in a name";
			return -EINVAL;
		}
		if (n)
			buf[n++] = ',';
		memcpy(buf + n, start, (size_t)(end - start));
		n += (size_t)(end - start);
		if (*p == ',') {
			p++;
			if (!*p) {
				*why = "empty name in list";
				return -EINVAL;
			}
		}
	}
	buf[n] = '\0';
	memcpy(dst, buf, n + 1);
	return 0;
}
static int set_include(struct settings *s, const char *v, const char **why)
{
	return set_list(s->include, v, why);
}
static int set_exclude(struct settings *s, const char *v, const char **why)
{
	return set_list(s->exclude, v, why);
}
static void show_include(const struct settings *s, char *b, size_t n)
{
	snprintf(b, n, "%s", s->include);
}
static void show_exclude(const struct settings *s, char *b, size_t n)
{
	snprintf(b, n, "%s", s->exclude);
}

static int set_log_format(struct settings *s, const char *v, const char **why)
{
	if (log_format_parse(v, &s->log_format)) {
		*why = "must be logfmt or json";
		return -EINVAL;
	}
	return 0;
}
static int set_log_level(struct settings *s, const char *v, const char **why)
{
	if (log_level_parse(v, &s->log_level)) {
		*why = "must be debug, info, warn or error";
		return -EINVAL;
	}
	return 0;
}
static void show_log_format(const struct settings *s, char *b, size_t n)
{
	snprintf(b, n, "%s", log_format_name(s->log_format));
}
static void show_log_level(const struct settings *s, char *b, size_t n)
{
	snprintf(b, n, "%s", log_level_name(s->log_level));
}

static int set_proc_root(struct settings *s, const char *v, const char **why)
{
	size_t len = strlen(v);
	if (!len) {
		*why = "empty value";
		return -EINVAL;
	}
	if (len >= sizeof s->proc_root) {
		*why = "path too long";
		return -ERANGE;
	}
	if (has_control(v, len)) {
		*why = "control character in the path";
		return -EINVAL;
	}
	/* Paths are built as "<root>/<pid>/..."; a trailing slash is noise. */
	while (len > 1 && v[len - 1] == '/')
		len--;
	memcpy(s->proc_root, v, len);
	s->proc_root[len] = '\0';
	return 0;
}
static void show_proc_root(const struct settings *s, char *b, size_t n)
{
	snprintf(b, n, "%s", s->proc_root);
}

static const struct setting_def defs[] = {
	{"warning", "WARNING", "warning", "75", "PCT|SIZE",
	 "level that sends the warning signal: percent of the limit (75, 87.5, 90%) or a size "
	 "(900Mi, 1G)",
	 set_warning, show_warning, false},
	{"critical", "CRITICAL", "critical", "90", "PCT|SIZE",
	 "level that sends the critical signal; above warning", set_critical, show_critical,
	 false},
	{"cooldown", "COOLDOWN", "cooldown", "30s", "DURATION",
	 "repeat a persisting level's signal this often (1m30s, 250ms, or seconds)", set_cooldown,
	 show_cooldown, false},
	{"hysteresis", "HYSTERESIS", "hysteresis", "5", "POINTS",
	 "percentage points of the limit the metric must fall below a level to re-arm it",
	 set_hysteresis, show_hysteresis, false},
	{"warning_signal", "WARNING_SIGNAL", "warning-signal", "SIGUSR1", "SIGNAL",
	 "signal sent at the warning level", set_warning_signal, show_warning_signal, false},
	{"critical_signal", "CRITICAL_SIGNAL", "critical-signal", "SIGUSR2", "SIGNAL",
	 "signal sent at the critical level", set_critical_signal, show_critical_signal, false},
	{"interval", "INTERVAL", "interval", "100ms", "DURATION",
	 "longest time between two reads of a container's cgroup; the fixed interval when "
	 "adaptive is off (1ms to 1h)",
	 set_interval, show_interval, false},
	{"min_interval", "MIN_INTERVAL", "min-interval", "1ms", "DURATION",
	 "shortest time between two reads of a growing container (100us to 1h)",
	 set_min_interval, show_min_interval, false},
	{"adaptive", "ADAPTIVE", "adaptive", "true", "BOOL",
	 "read a container sooner the faster it grows toward its next level", set_adaptive,
	 show_adaptive, true},
	{"rescan_interval", "RESCAN_INTERVAL", "rescan-interval", "1s", "DURATION",
	 "how often to look for new processes (10ms to 1h)", set_rescan, show_rescan,
	 false},
	{"metric", "METRIC", "metric", "working_set", "NAME",
	 "working_set (usage minus inactive page cache, as kubelet) or usage", set_metric,
	 show_metric, false},
	{"signal_unhandled", "SIGNAL_UNHANDLED", "signal-unhandled", "false", "BOOL",
	 "also signal processes that do not catch the signal (it may kill them)",
	 set_signal_unhandled, show_signal_unhandled, true},
	{"include", "INCLUDE", "include", "", "NAMES",
	 "only processes whose command name matches one of these patterns (a,b*)", set_include,
	 show_include, false},
	{"exclude", "EXCLUDE", "exclude", "", "NAMES",
	 "never processes whose command name matches one of these patterns", set_exclude,
	 show_exclude, false},
	{"dry_run", "DRY_RUN", "dry-run", "false", "BOOL",
	 "decide and log as usual but send no signal", set_dry_run, show_dry_run, true},
	{"log_format", "LOG_FORMAT", "log-format", "logfmt", "FORMAT", "logfmt or json",
	 set_log_format, show_log_format, false},
	{"log_level", "LOG_LEVEL", "log-level", "info", "LEVEL", "debug, info, warn or error",
	 set_log_level, show_log_level, false},
	{"proc_root", "PROC_ROOT", "proc-root", "/proc", "DIR",
	 "where /proc is (for tests against a fixture tree)", set_proc_root, show_proc_root, false},
};
#define NDEFS ((int)(sizeof defs / sizeof *defs))

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
			defs[i].set(s, defs[i].def, &why);
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
					    defs[i].boolean ? optional_argument : required_argument,
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

/* libinih reads lines of at most INI_MAX_LINE - 1 characters (199 in
 * Debian's build), goes on after an error, and treats an indented line as the
 * continuation of the previous value. Reading through our own line reader
 * lets us count lines, refuse overlong ones instead of letting them be split,
 * and strip indentation so every line stands alone. */
struct ini_ctx {
	struct settings *s;
	FILE *f;
	int line;         /* the line the parser is at */
	int fail_line;    /* where our handler or reader found the first error */
	char *why;
	size_t whysz;
};

static char *read_ini_line(char *str, int num, void *stream)
{
	struct ini_ctx *ctx = stream;
	if (!fgets(str, num, ctx->f))
		return NULL;
	ctx->line++;
	size_t len = strlen(str);
	if (len == (size_t)num - 1 && str[len - 1] != '\n' && !feof(ctx->f)) {
		int c;
		while ((c = fgetc(ctx->f)) != EOF && c != '\n')
			;
		if (!ctx->fail_line) {
			ctx->fail_line = ctx->line;
			snprintf(ctx->why, ctx->whysz, "line longer than %d characters", num - 2);
		}
		str[0] = '\0'; /* an empty line: no parse error of its own */
		return str;
	}
	size_t lead = strspn(str, " \t");
	if (lead)
		memmove(str, str + lead, len - lead + 1);
	return str;
}

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *ctx = user;
	if (ctx->fail_line)
		return 1; /* the first error is the one reported */
	const char *why = NULL;
	char msg[SETTINGS_ERR_MAX];
	if (section[0] && strcmp(section, "oomsentry") != 0) {
		snprintf(msg, sizeof msg, "unknown section [%s] (use [oomsentry] or none)", section);
	} else {
		int i;
		for (i = 0; i < NDEFS; i++)
			if (strcmp(name, defs[i].key) == 0)
				break;
		if (i == NDEFS)
			snprintf(msg, sizeof msg, "unknown key \"%s\"", name);
		else if (defs[i].set(ctx->s, value, &why))
			snprintf(msg, sizeof msg, "invalid setting %s=\"%s\": %s", name, value, why);
		else
			return 1;
	}
	ctx->fail_line = ctx->line;
	snprintf(ctx->why, ctx->whysz, "%s", msg);
	return 0;
}

static int load_file(struct settings *s, const char *path, char *err, size_t errsz)
{
	char why[SETTINGS_ERR_MAX] = "";
	FILE *f = fopen(path, "re");
	struct stat st;
	int e = f ? (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode) ? EISDIR : 0) : errno;
	if (e) {
		if (f)
			fclose(f);
		errf(err, errsz, "invalid setting CONFIG=\"%s\": cannot read: %s", path,
		     e == EISDIR ? "not a regular file" : strerror(e));
		return -EINVAL;
	}
	struct ini_ctx ctx = {s, f, 0, 0, why, sizeof why};
	int line = ini_parse_stream(read_ini_line, &ctx, on_ini_entry, &ctx);
	fclose(f);
	if (line == -2) {
		errf(err, errsz, "%s: out of memory while reading", path);
		return -ENOMEM;
	}
	if (line > 0 && (!ctx.fail_line || line < ctx.fail_line)) {
		/* The parser's own complaint, before any of ours. */
		errf(err, errsz, "%s:%d: syntax error (expected key = value or [oomsentry])", path,
		     line);
		return -EINVAL;
	}
	if (ctx.fail_line) {
		errf(err, errsz, "%s:%d: %s", path, ctx.fail_line, why);
		return -EINVAL;
	}
	return 0;
}

static int check_together(const struct settings *s, char *err, size_t errsz)
{
	char w[32], c[32];
	units_format_threshold(w, sizeof w, &s->warning);
	units_format_threshold(c, sizeof c, &s->critical);
	if (s->warning.is_pct != s->critical.is_pct) {
		errf(err, errsz,
		     "invalid settings WARNING=\"%s\" and CRITICAL=\"%s\": both must be percentages "
		     "or both sizes",
		     w, c);
		return -EINVAL;
	}
	bool below = s->warning.is_pct ? s->warning.pct < s->critical.pct
				       : s->warning.bytes < s->critical.bytes;
	if (!below) {
		errf(err, errsz,
		     "invalid settings WARNING=\"%s\" and CRITICAL=\"%s\": warning must be below "
		     "critical",
		     w, c);
		return -EINVAL;
	}
	if (s->min_interval_us > s->interval_us) {
		char mn[32], mx[32];
		units_format_duration(mn, sizeof mn, s->min_interval_us);
		units_format_duration(mx, sizeof mx, s->interval_us);
		errf(err, errsz,
		     "invalid settings MIN_INTERVAL=\"%s\" and INTERVAL=\"%s\": the minimum is above "
		     "the maximum",
		     mn, mx);
		return -EINVAL;
	}
	if (s->warning_signal == s->critical_signal) {
		char a[16];
		errf(err, errsz,
		     "invalid settings WARNING_SIGNAL and CRITICAL_SIGNAL: both are %s; the app "
		     "could not tell the levels apart",
		     signame_format(s->warning_signal, a, sizeof a));
		return -EINVAL;
	}
	return 0;
}

int settings_resolve(struct settings *out, const struct cli *cli, char *const *envp, char *err,
		     size_t errsz)
{
	struct settings s;
	settings_defaults(&s);

	const char *path = settings_config_path(cli, envp);
	if (path) {
		int r = load_file(&s, path, err, errsz);
		if (r)
			return r;
	}
	for (int i = 0; i < NDEFS; i++) {
		const char *v = env_get(envp, defs[i].env);
		if (!v)
			continue;
		const char *why = NULL;
		if (defs[i].set(&s, v, &why)) {
			errf(err, errsz, "invalid setting %s=\"%s\" (environment): %s", defs[i].env, v,
			     why);
			return -EINVAL;
		}
	}
	for (int i = 0; i < cli->nflags; i++) {
		const struct setting_def *d = &defs[cli->flags[i].setting];
		const char *why = NULL;
		if (d->set(&s, cli->flags[i].value, &why)) {
			errf(err, errsz, "invalid setting --%s=\"%s\": %s", d->flag,
			     cli->flags[i].value, why);
			return -EINVAL;
		}
	}
	int r = check_together(&s, err, errsz);
	if (r)
		return r;
	*out = s;
	return 0;
}

void settings_print(const struct settings *s, FILE *out)
{
	fprintf(out, "[oomsentry]\n");
	for (int i = 0; i < NDEFS; i++) {
		char v[SETTINGS_LIST_MAX + 16];
		defs[i].show(s, v, sizeof v);
		fprintf(out, "%s = %s\n", defs[i].key, v);
	}
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
		char flag[64];
		snprintf(flag, sizeof flag, "--%s%s%s", defs[i].flag, defs[i].boolean ? "[=" : "=",
			 defs[i].arg);
		if (defs[i].boolean)
			strncat(flag, "]", sizeof flag - strlen(flag) - 1);
		fprintf(out, "  %-32s %s\n  %-32s env %s, default \"%s\"\n", flag, defs[i].help, "",
			defs[i].env, defs[i].def);
	}
	fprintf(out,
		"  %-32s %s\n  %-32s env CONFIG, default none\n"
		"  %-32s %s\n  %-32s %s\n  %-32s %s\n  %-32s %s\n"
		"\nExit status: 0 clean stop, 1 runtime failure, 2 usage or configuration\n"
		"error, 3 missing capability, 4 unusable /proc.\n",
		"--config=FILE", "read settings from this INI file", "", "--once",
		"scan once, print one line per process, exit", "--print-config",
		"print the effective settings as an INI file and exit", "--help", "this text",
		"--version", "print the version and exit");
}

static bool list_matches(const char *list, const char *comm)
{
	char item[SETTINGS_LIST_MAX];
	const char *p = list;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		memcpy(item, p, n);
		item[n] = '\0';
		if (fnmatch(item, comm, 0) == 0)
			return true;
		p += n + (comma ? 1 : 0);
	}
	return false;
}

bool settings_comm_selected(const struct settings *s, const char *comm)
{
	if (s->include[0] && !list_matches(s->include, comm))
		return false;
	return !(s->exclude[0] && list_matches(s->exclude, comm));
}
