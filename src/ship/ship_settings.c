#include "ship_settings.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "ini_lines.h"
#include "s3_key.h"
#include "units.h"

/* How a row's value is read and shown. */
enum kind {
	K_ABS_PATH, /* absolute, or "" where the default is "" */
	K_BUCKET,
	K_KEY_PART, /* a part of the object key: S3_PREFIX, POD_* */
	K_URL,      /* http:// or https://, or "" */
	K_BOOL,
	K_SIZE,     /* bytes, min to max (max 0: no upper bound) */
	K_DURATION, /* microseconds, min to max */
	K_SECONDS,  /* the same, in whole seconds: libcurl's timeouts are */
	K_WEBHOOK_FORMAT,
	K_LOG_FORMAT,
	K_LOG_LEVEL,
	K_NAME,     /* a file name in DUMP_DIR */
	K_REGION,
	K_CREDENTIAL, /* sent in a header: printable ASCII without blanks */
};

struct row {
	const char *env;
	const char *flag; /* NULL: no flag */
	const char *key;  /* NULL: not read from the INI file */
	const char *def, *arg, *help;
	enum kind kind;
	size_t off, size;
	uint64_t min, max;
	bool secret;      /* shown as (set) or (unset), never its value */
};

#define F(field) .off = offsetof(struct ship_settings, field), \
		 .size = sizeof((struct ship_settings *)0)->field
#define SEC(n) ((uint64_t)(n) * 1000000)
#define MIB(n) ((uint64_t)(n) << 20)

static const struct row rows[] = {
	{"DUMP_DIR", "dump-dir", "dump_dir", "", "DIR",
	 "the directory the sidecar and liboomsentry write to (required)", K_ABS_PATH,
	 F(dump_dir)},
	{"S3_BUCKET", "s3-bucket", "s3_bucket", "", "NAME",
	 "upload finished files to this bucket; unset: no uploads", K_BUCKET, F(s3_bucket)},
	{"S3_PREFIX", "s3-prefix", "s3_prefix", "", "PREFIX",
	 "first part of every object key: PREFIX/NAMESPACE/POD/FILE", K_KEY_PART, F(s3_prefix)},
	{"S3_ENDPOINT", "s3-endpoint", "s3_endpoint", "", "URL",
	 "an S3-compatible store (http(s)://HOST[:PORT][/BASE]); unset: AWS", K_URL,
	 F(s3_endpoint)},
	{"S3_PATH_STYLE", "s3-path-style", "s3_path_style", "false", "BOOL",
	 "ENDPOINT/BUCKET/KEY instead of BUCKET.HOST/KEY", K_BOOL, F(s3_path_style)},
	{"S3_CA_BUNDLE", "s3-ca-bundle", "s3_ca_bundle", "", "FILE",
	 "PEM file of the CAs that sign the store's certificate; unset: the system's", K_ABS_PATH,
	 F(s3_ca_bundle)},
	{"S3_PART_SIZE", "s3-part-size", "s3_part_size", "8Mi", "SIZE",
	 "bytes per part of a multipart upload, and the memory it takes (5Mi to 5Gi)", K_SIZE,
	 F(s3_part_size), .min = S3_PART_MIN, .max = S3_PART_MAX},
	{"MAX_FILE_SIZE", "max-file-size", "max_file_size", "16Gi", "SIZE",
	 "a larger file is reported and kept, never uploaded", K_SIZE, F(max_file_size), .min = 1},
	{"DELETE_AFTER_UPLOAD", "delete-after-upload", "delete_after_upload", "true", "BOOL",
	 "delete a file once its object checked out", K_BOOL, F(delete_after_upload)},
	{"POD_NAMESPACE", "pod-namespace", NULL, "", "NAME",
	 "the pod's namespace, for the key (Downward API; not in the file)", K_KEY_PART,
	 F(pod_namespace)},
	{"POD_NAME", "pod-name", NULL, "", "NAME",
	 "the pod's name, for the key (Downward API; not in the file)", K_KEY_PART, F(pod_name)},
	{"WEBHOOK_URL", "webhook-url", "webhook_url", "", "URL",
	 "POST the sidecar's events here (http or https); unset: not forwarded", K_URL,
	 F(webhook_url)},
	{"WEBHOOK_HEADERS_FILE", "webhook-headers-file", "webhook_headers_file", "", "FILE",
	 "extra headers, one \"Name: value\" a line (e.g. Authorization)", K_ABS_PATH,
	 F(webhook_headers_file)},
	{"WEBHOOK_CA_BUNDLE", "webhook-ca-bundle", "webhook_ca_bundle", "", "FILE",
	 "PEM file of the CAs that sign the webhook's certificate; unset: the system's",
	 K_ABS_PATH, F(webhook_ca_bundle)},
	{"WEBHOOK_FORMAT", "webhook-format", "webhook_format", "json", "FORMAT",
	 "json (the event as it is) or slack ({\"text\": a summary})", K_WEBHOOK_FORMAT,
	 F(webhook_format)},
	{"EVENTS_FILE", "events-file", "events_file", "events.jsonl", "NAME",
	 "the sidecar's events file, a name in DUMP_DIR", K_NAME, F(events_file)},
	{"STATE_DIR", "state-dir", "state_dir", "", "DIR",
	 "where the forwarding position is kept; unset: DUMP_DIR/.oomsentry-ship", K_ABS_PATH,
	 F(state_dir)},
	{"RETRY_MAX", "retry-max", "retry_max", "5m", "DURATION",
	 "longest wait between two tries of a failed upload or event (1s to 1h)", K_DURATION,
	 F(retry_max_us), .min = SEC(1), .max = SEC(3600)},
	{"TIMEOUT", "timeout", "timeout", "60s", "DURATION",
	 "connecting may take this long, and a request that moves no byte for this long is "
	 "ended (whole seconds, 1s to 1h)",
	 K_SECONDS, F(timeout_us), .min = SEC(1), .max = SEC(3600)},
	{"LOG_FORMAT", "log-format", "log_format", "logfmt", "FORMAT", "logfmt or json",
	 K_LOG_FORMAT, F(log_format)},
	{"LOG_LEVEL", "log-level", "log_level", "info", "LEVEL", "debug, info, warn or error",
	 K_LOG_LEVEL, F(log_level)},
	{"AWS_ACCESS_KEY_ID", NULL, NULL, "", "", "the key pair S3 requests are signed with",
	 K_CREDENTIAL, F(aws_access_key_id)},
	{"AWS_SECRET_ACCESS_KEY", NULL, NULL, "", "", "", K_CREDENTIAL, F(aws_secret_access_key),
	 .secret = true},
	{"AWS_SESSION_TOKEN", NULL, NULL, "", "", "with temporary keys (STS)", K_CREDENTIAL,
	 F(aws_session_token), .secret = true},
	{"AWS_REGION", NULL, NULL, "us-east-1", "",
	 "the bucket's region (else AWS_DEFAULT_REGION); us-east-1 suits most other stores",
	 K_REGION, F(aws_region)},
};
#define NROWS ((int)(sizeof rows / sizeof *rows))

static int row_of(const char *env)
{
	for (int i = 0; i < NROWS; i++)
		if (strcmp(rows[i].env, env) == 0)
			return i;
	return -1;
}

static bool has_control(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return true;
	return false;
}

static bool is_http_url(const char *v)
{
	size_t scheme = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;
	/* A host: something before the path, no blank anywhere. */
	return scheme && v[scheme] && v[scheme] != '/' && !strpbrk(v, " \t");
}

/* Checks v for r's kind, without storing it. */
static const char *refusal(const struct row *r, const char *v)
{
	size_t len = strlen(v);
	if (has_control(v))
		return "control character in the value";
	if (len >= r->size)
		return "too long";
	/* A blank at either end (before a path's trailing '/') is a quoting
	 * mistake, and an INI line could not carry it back. */
	size_t end = len;
	while (r->kind == K_ABS_PATH && end > 1 && v[end - 1] == '/')
		end--;
	if (len && (strchr(" \t", v[0]) || strchr(" \t", v[end - 1])))
		return "blank at the start or end of the value";
	/* Where ini_lines.c starts a comment: --print-config could not write it. */
	for (size_t i = 0; i < len; i++)
		if ((v[i] == ';' || v[i] == '#') && (!i || v[i - 1] == ' ' || v[i - 1] == '\t'))
			return "';' or '#' at the start or after a blank (a comment in the file)";
	if (!len && r->kind != K_BUCKET)
		return r->def[0] && r->kind != K_CREDENTIAL ? "empty value" : NULL;
	const char *why = NULL;
	char key[S3_KEY_MAX + 1];
	switch (r->kind) {
	case K_ABS_PATH:
		return v[0] == '/' ? NULL : "must be an absolute path";
	case K_BUCKET:
		/* S3's rules for new buckets; stores that allow more are
		 * still reached with these names. */
		if (len && (len < 3 || len > 63 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789.-") != len))
			return "must be 3 to 63 lower-case letters, digits, '.' or '-'";
		return NULL;
	case K_KEY_PART:
		/* A pod's names are one level of the key each. */
		if (r->key == NULL && strchr(v, '/'))
			return "must not hold '/'";
		return s3_key_join(key, sizeof key, v, "", "", "f", &why) ? why : NULL;
	case K_URL:
		return is_http_url(v) ? NULL : "must be an http:// or https:// URL with a host";
	case K_NAME:
		if (strchr(v, '/'))
			return "must be a file name in DUMP_DIR, without '/'";
		return v[0] == '.' ? "must not start with '.' (such names are the writers' temporary "
				     "files)" : NULL;
	case K_REGION:
		return strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") == len
			       ? NULL
			       : "must be lower-case letters, digits and '-' (e.g. eu-west-1)";
	case K_CREDENTIAL:
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
				return "must be printable ASCII without blanks";
		return NULL;
	default:
		return NULL;
	}
}

/* Reads v into r's field of s. Returns 0, or -EINVAL with *why set and the
 * field untouched. */
static int row_set(const struct row *r, struct ship_settings *s, const char *v, const char **why)
{
	void *field = (char *)s + r->off;
	uint64_t n = 0;
	int e = 0;
	switch (r->kind) {
	case K_BOOL:
		return units_parse_bool(v, field, why) ? -EINVAL : 0;
	case K_WEBHOOK_FORMAT:
		*why = "must be json or slack";
		return webhook_format_parse(v, field) ? -EINVAL : 0;
	case K_LOG_FORMAT:
		*why = "must be logfmt or json";
		return log_format_parse(v, field) ? -EINVAL : 0;
	case K_LOG_LEVEL:
		*why = "must be debug, info, warn or error";
		return log_level_parse(v, field) ? -EINVAL : 0;
	case K_SIZE:
		e = units_parse_size(v, &n, why);
		break;
	case K_DURATION:
	case K_SECONDS:
		e = units_parse_duration_us(v, &n, why);
		break;
	default:
		if ((*why = refusal(r, v)))
			return -EINVAL;
		size_t len = strlen(v);
		/* "/dumps/" and "/dumps" are one directory; paths are joined with '/'. */
		while (r->kind == K_ABS_PATH && len > 1 && v[len - 1] == '/')
			len--;
		memcpy(field, v, len);
		((char *)field)[len] = '\0';
		return 0;
	}
	if (e)
		return -EINVAL;
	if (n < r->min || (r->max && n > r->max) || (r->kind == K_SECONDS && n % SEC(1))) {
		static char text[96];
		char lo[32], hi[32];
		if (r->kind == K_SIZE) {
			snprintf(lo, sizeof lo, "%" PRIu64, r->min);
			snprintf(hi, sizeof hi, "%" PRIu64, r->max);
		} else {
			units_format_duration(lo, sizeof lo, r->min);
			units_format_duration(hi, sizeof hi, r->max);
		}
		if (!r->max)
			snprintf(text, sizeof text, "must be at least %s", lo);
		else
			snprintf(text, sizeof text, "must be %sfrom %s to %s",
				 r->kind == K_SECONDS ? "whole seconds " : "", lo, hi);
		*why = text;
		return -EINVAL;
	}
	*(uint64_t *)field = n;
	return 0;
}

/* r's field of s, as row_set reads it back. */
static const char *row_show(const struct row *r, const struct ship_settings *s, char *buf,
			    size_t size)
{
	const void *field = (const char *)s + r->off;
	switch (r->kind) {
	case K_BOOL:
		return *(const bool *)field ? "true" : "false";
	case K_WEBHOOK_FORMAT:
		return webhook_format_name(*(const enum webhook_format *)field);
	case K_LOG_FORMAT:
		return log_format_name(*(const enum log_format *)field);
	case K_LOG_LEVEL:
		return log_level_name(*(const enum log_level *)field);
	case K_SIZE:
		snprintf(buf, size, "%" PRIu64, *(const uint64_t *)field);
		return buf;
	case K_DURATION:
	case K_SECONDS:
		units_format_duration(buf, size, *(const uint64_t *)field);
		return buf;
	default:
		if (r->secret)
			return *(const char *)field ? "(set)" : "(unset)";
		return field;
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

/* ------------------------------------------------------ the command line */

enum { OPT_ROW = 0x100, OPT_HELP = 0x1000, OPT_VERSION, OPT_PRINT, OPT_CONFIG };

static const struct option extra_opts[] = {
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{"print-config", no_argument, NULL, OPT_PRINT},
	{"config", required_argument, NULL, OPT_CONFIG},
};
#define NEXTRA ((int)(sizeof extra_opts / sizeof *extra_opts))

/* The message for getopt's '?': what was wrong with argv[optind - 1]. */
static void bad_option(char *err, size_t errsz, int opt, const char *arg)
{
	if (opt >= OPT_ROW && opt < OPT_ROW + NROWS)
		errf(err, errsz, "option --%s needs a value", rows[opt - OPT_ROW].flag);
	else if (opt == OPT_CONFIG)
		errf(err, errsz, "option --config needs a value");
	else if (opt >= OPT_HELP && opt < OPT_CONFIG)
		errf(err, errsz, "option %s takes no value (see --help)", arg);
	else if (opt > 0 && opt < 0x80)
		errf(err, errsz, "unknown option -%c (see --help)", opt);
	else
		errf(err, errsz, "unknown option %s (see --help)", arg);
}

int ship_settings_parse_args(int argc, char **argv, struct ship_cli *cli, char *err,
			     size_t errsz)
{
	struct option opts[NROWS + NEXTRA + 1];
	int n = 0;
	for (int i = 0; i < NROWS; i++)
		if (rows[i].flag)
			opts[n++] = (struct option){rows[i].flag,
						    rows[i].kind == K_BOOL ? optional_argument
									   : required_argument,
						    NULL, OPT_ROW + i};
	memcpy(opts + n, extra_opts, sizeof extra_opts);
	opts[n + NEXTRA] = (struct option){0};

	memset(cli, 0, sizeof *cli);
	optind = 0; /* a full reset of glibc's getopt state */
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		if (c == 'h' || c == OPT_HELP) {
			cli->help = true;
		} else if (c == 'V' || c == OPT_VERSION) {
			cli->version = true;
		} else if (c == OPT_PRINT) {
			cli->print_config = true;
		} else if (c == OPT_CONFIG && optarg[0]) {
			cli->config = optarg;
		} else if (c == OPT_CONFIG) {
			errf(err, errsz, "invalid setting --config=\"\": empty value");
			return -EINVAL;
		} else if (c >= OPT_ROW && c < OPT_ROW + NROWS && cli->nflags < SHIP_FLAGS_MAX) {
			cli->flags[cli->nflags].setting = c - OPT_ROW;
			cli->flags[cli->nflags++].value = optarg ? optarg : "true";
		} else if (c >= OPT_ROW && c < OPT_ROW + NROWS) {
			errf(err, errsz, "too many options");
			return -EINVAL;
		} else {
			bad_option(err, errsz, optopt, argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		errf(err, errsz, "unexpected argument \"%s\" (see --help)", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static const char *env_value(char *const *envp, const char *name)
{
	size_t len = strlen(name);
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

const char *ship_settings_config_path(const struct ship_cli *cli, char *const *envp)
{
	const char *p = cli->config ? cli->config : env_value(envp, "CONFIG");
	return p && *p ? p : NULL;
}

/* ------------------------------------------------------------- origins */

/* Where each value came from and as it was given, for messages about two
 * settings; beside the settings, not in them. */
struct origin {
	char where[SHIP_PATH_MAX + 16]; /* "default", "environment", "--flag", "FILE:LINE" */
	char text[68];                  /* cut at 64 bytes, then "..." */
	int line;                       /* the file's line that set it, or 0 */
};

struct resolving {
	struct ship_settings s;
	struct origin o[NROWS];
	const char *path;
};

static void note(struct resolving *rs, int i, const char *where, const char *v)
{
	snprintf(rs->o[i].where, sizeof rs->o[i].where, "%s", where);
	snprintf(rs->o[i].text, sizeof rs->o[i].text, "%.64s%s", v, strlen(v) > 64 ? "..." : "");
}

/* NAME="value" (where), a secret as NAME=(set) (where). */
static void describe(char *buf, size_t size, const struct resolving *rs, int i)
{
	if (rows[i].secret)
		snprintf(buf, size, "%s=%s (%s)", rows[i].env, rs->o[i].text[0] ? "(set)" : "(unset)",
			 rs->o[i].where);
	else
		snprintf(buf, size, "%s=\"%s\" (%s)", rows[i].env, rs->o[i].text, rs->o[i].where);
}

static int pair_error(const struct resolving *rs, const char *a, const char *b, const char *why,
		      char *err, size_t errsz)
{
	char da[SHIP_ERR_MAX / 2], db[SHIP_ERR_MAX / 2];
	describe(da, sizeof da, rs, row_of(a));
	describe(db, sizeof db, rs, row_of(b));
	errf(err, errsz, "invalid settings %s and %s: %s", da, db, why);
	return -EINVAL;
}

/* ------------------------------------------------------------ the file */

struct ini_state {
	struct resolving *rs;
	const struct ini_lines *lines;
	int fail;          /* the line of the first refusal */
	char why[SHIP_ERR_MAX];
};

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *st = user;
	struct resolving *rs = st->rs;
	if (st->fail || st->lines->long_line)
		return 1; /* the first error is the one reported */
	int i = NROWS;
	while (--i >= 0 && !(rows[i].key && strcmp(rows[i].key, name) == 0))
		;
	const char *why = NULL;
	int only_env = NROWS;
	while (i < 0 && --only_env >= 0 && !(rows[only_env].key == NULL &&
					      strcasecmp(rows[only_env].env, name) == 0))
		;
	/* Keys before any section and in [oomsentry-ship] are the same
	 * settings: one key in both is a duplicate, as in the sidecar's file. */
	if (section[0] && strcmp(section, "oomsentry-ship") != 0)
		snprintf(st->why, sizeof st->why, "unknown section [%s] (use [oomsentry-ship] or none)",
			 section);
	else if (i < 0)
		snprintf(st->why, sizeof st->why, "unknown key \"%s\"%s", name,
			 only_env >= 0 ? " (not read from a file: it is per pod, or a secret)" : "");
	else if (rs->o[i].line)
		snprintf(st->why, sizeof st->why, "duplicate key \"%s\" (first set on line %d)", name,
			 rs->o[i].line);
	else if (row_set(&rows[i], &rs->s, value, &why))
		snprintf(st->why, sizeof st->why, "invalid setting %s=\"%s\": %s", name, value, why);
	else {
		char at[SHIP_PATH_MAX + 16];
		snprintf(at, sizeof at, "%s:%d", rs->path, st->lines->line);
		note(rs, i, at, value);
		rs->o[i].line = st->lines->line;
		return 1;
	}
	st->fail = st->lines->line;
	return 0;
}

static int read_file(struct resolving *rs, char *err, size_t errsz)
{
	struct ini_lines lines;
	int e = ini_lines_open(&lines, rs->path);
	if (e) {
		errf(err, errsz, "invalid setting CONFIG=\"%s\": cannot read: %s", rs->path,
		     e == EISDIR ? "not a regular file" : strerror(e));
		return -EINVAL;
	}
	struct ini_state st = {.rs = rs, .lines = &lines};
	int line = ini_parse_stream(ini_lines_read, &lines, on_entry, &st);
	ini_lines_close(&lines);
	if (line == -2) {
		errf(err, errsz, "%s: out of memory while reading", rs->path);
		return -ENOMEM;
	}
	if (lines.long_line && (!st.fail || lines.long_line < st.fail)) {
		st.fail = lines.long_line;
		snprintf(st.why, sizeof st.why, "line longer than %d characters", lines.longest);
	}
	if (line > 0 && (!st.fail || line < st.fail))
		errf(err, errsz, "%s:%d: syntax error (expected key = value or [oomsentry-ship])",
		     rs->path, line);
	else if (st.fail)
		errf(err, errsz, "%s:%d: %s", rs->path, st.fail, st.why);
	return line > 0 || st.fail ? -EINVAL : 0;
}

/* ------------------------------------------------------------ resolve */

/* Does a setting differ from its default? Its value, not its source, is
 * what counts: --print-config writes every setting, defaults included, and
 * must read back. */
static bool is_set(const struct resolving *rs, const char *env)
{
	const struct row *r = &rows[row_of(env)];
	struct ship_settings d;
	const char *why;
	char a[64], b[64];
	row_set(r, &d, r->def, &why);
	return strcmp(row_show(r, &rs->s, a, sizeof a), row_show(r, &d, b, sizeof b)) != 0;
}

static int check_together(struct resolving *rs, char *err, size_t errsz)
{
	struct ship_settings *s = &rs->s;
	if (!s->dump_dir[0]) {
		errf(err, errsz, "invalid setting DUMP_DIR=\"\" (%s): required: the directory to watch",
		     rs->o[row_of("DUMP_DIR")].where);
		return -EINVAL;
	}
	if (!s->s3_bucket[0] && !s->webhook_url[0])
		return pair_error(rs, "S3_BUCKET", "WEBHOOK_URL",
				  "nothing to do: set a bucket to upload to, a webhook, or both", err,
				  errsz);
	static const char *const s3_only[] = {"S3_PREFIX", "S3_ENDPOINT", "S3_PATH_STYLE",
					      "S3_CA_BUNDLE", "S3_PART_SIZE"};
	for (size_t i = 0; i < sizeof s3_only / sizeof *s3_only && !s->s3_bucket[0]; i++)
		if (is_set(rs, s3_only[i]))
			return pair_error(rs, "S3_BUCKET", s3_only[i],
					  "an S3 setting without a bucket does nothing", err, errsz);
	static const char *const hook_only[] = {"WEBHOOK_HEADERS_FILE", "WEBHOOK_CA_BUNDLE",
						"WEBHOOK_FORMAT"};
	for (size_t i = 0; i < sizeof hook_only / sizeof *hook_only && !s->webhook_url[0]; i++)
		if (is_set(rs, hook_only[i]))
			return pair_error(rs, "WEBHOOK_URL", hook_only[i],
					  "a webhook setting without a webhook does nothing", err,
					  errsz);
	bool key = s->aws_access_key_id[0], secret = s->aws_secret_access_key[0];
	if (key != secret)
		return pair_error(rs, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
				  "a key pair needs both", err, errsz);
	if (s->s3_bucket[0] && !key)
		return pair_error(rs, "S3_BUCKET", "AWS_ACCESS_KEY_ID",
				  "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
				  "(only keys from the environment are read: no instance metadata, "
				  "web identity or profile files)",
				  err, errsz);
	if (s->aws_session_token[0] && !key)
		return pair_error(rs, "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID",
				  "a session token goes with a temporary key pair", err, errsz);
	/* Large enough parts for the largest file: S3 takes 10000 at most. */
	if (s->s3_bucket[0] && s->max_file_size / S3_PARTS_MAX >= s->s3_part_size)
		return pair_error(rs, "MAX_FILE_SIZE", "S3_PART_SIZE",
				  "a file this large needs more than 10000 parts: raise the part "
				  "size", err, errsz);
	size_t n = strlen(s->dump_dir);
	if (!s->state_dir[0]) {
		if (n + sizeof "/.oomsentry-ship" > sizeof s->state_dir) {
			errf(err, errsz, "invalid setting DUMP_DIR=\"%s\" (%s): too long for "
				   "DUMP_DIR/.oomsentry-ship", rs->o[0].text, rs->o[0].where);
			return -EINVAL;
		}
		/* "/" + "/.oomsentry-ship" would begin with "//". */
		n = strcmp(s->dump_dir, "/") ? n : 0;
		memcpy(s->state_dir, s->dump_dir, n);
		memcpy(s->state_dir + n, "/.oomsentry-ship", sizeof "/.oomsentry-ship");
	} else if (strcmp(s->state_dir, s->dump_dir) == 0 ||
		   (strncmp(s->state_dir, s->dump_dir, n) == 0 &&
		    (s->state_dir[n] == '/' || n == 1) && s->state_dir[n + (n > 1)] != '.')) {
		/* Every file under DUMP_DIR is shipped but for names with a
		 * component starting with '.' (shipq.h). */
		return pair_error(rs, "DUMP_DIR", "STATE_DIR",
				  "a state directory inside DUMP_DIR must be named with a leading "
				  "'.', or its files would be shipped", err, errsz);
	}
	return 0;
}

static int env_set(struct resolving *rs, int i, const char *v, char *err, size_t errsz)
{
	const char *why = NULL;
	if (row_set(&rows[i], &rs->s, v, &why)) {
		if (rows[i].secret)
			errf(err, errsz, "invalid setting %s=(set) (environment): %s", rows[i].env,
			     why);
		else
			errf(err, errsz, "invalid setting %s=\"%s\" (environment): %s", rows[i].env,
			     v, why);
		return -EINVAL;
	}
	note(rs, i, "environment", v);
	return 0;
}

int ship_settings_resolve(struct ship_settings *out, const struct ship_cli *cli,
			  char *const *envp, char *err, size_t errsz)
{
	struct resolving resolving = {0}, *rs = &resolving;
	const char *why;
	for (int i = 0; i < NROWS; i++) {
		/* Defaults are ours and valid. */
		row_set(&rows[i], &rs->s, rows[i].def, &why);
		note(rs, i, "default", rows[i].def);
	}
	if ((rs->path = ship_settings_config_path(cli, envp))) {
		int r = read_file(rs, err, errsz);
		if (r)
			return r;
	}
	for (int i = 0; i < NROWS; i++) {
		const char *v = env_value(envp, rows[i].env);
		/* The AWS SDKs' older name for the region. */
		if (!v && rows[i].kind == K_REGION)
			v = env_value(envp, "AWS_DEFAULT_REGION");
		/* An empty credential is an unset one, as the SDKs take it. */
		if (v && (rows[i].kind != K_CREDENTIAL || v[0]) && env_set(rs, i, v, err, errsz))
			return -EINVAL;
	}
	for (int i = 0; i < cli->nflags; i++) {
		const struct row *r = &rows[cli->flags[i].setting];
		const char *v = cli->flags[i].value;
		if (row_set(r, &rs->s, v, &why)) {
			errf(err, errsz, "invalid setting --%s=\"%s\": %s", r->flag, v, why);
			return -EINVAL;
		}
		char where[48];
		snprintf(where, sizeof where, "--%s", r->flag);
		note(rs, cli->flags[i].setting, where, v);
	}
	int r = check_together(rs, err, errsz);
	if (r)
		return r;
	*out = rs->s;
	return 0;
}

/* ------------------------------------------------------------ output */

void ship_settings_print(FILE *out, const struct ship_settings *s)
{
	fputs("[oomsentry-ship]\n", out);
	for (int i = 0; i < NROWS; i++) {
		char buf[64];
		const char *v = row_show(&rows[i], s, buf, sizeof buf);
		if (rows[i].key) {
			fprintf(out, "%s = %s\n", rows[i].key, v);
			continue;
		}
		/* Not a key of the file: shown as a comment, so the output
		 * still reads back. */
		char lower[32];
		size_t n = 0;
		for (; rows[i].env[n] && n < sizeof lower - 1; n++)
			lower[n] = (char)tolower((unsigned char)rows[i].env[n]);
		lower[n] = '\0';
		fprintf(out, "; %s = %s (%s)\n", lower, v,
			rows[i].flag ? "environment or flag only" : "environment only");
	}
}

/* Writes text after a left column of width 30, words wrapped at column 80. */
#define HELP_COL 30
#define HELP_WIDTH 80
static void help_item(FILE *out, const char *left, const char *text)
{
	int col = fprintf(out, "  %s", left);
	const char *p = text;
	while (*p) {
		size_t word = strcspn(p, " ");
		bool first = col <= HELP_COL;
		if (first || col + 1 + (int)word > HELP_WIDTH) {
			if (!first)
				fputc('\n', out), col = 0;
			col += fprintf(out, "%*s", col < HELP_COL ? HELP_COL - col : 1, "");
		} else {
			col += fprintf(out, " ");
		}
		col += fprintf(out, "%.*s", (int)word, p);
		p += word;
		p += strspn(p, " ");
	}
	fputc('\n', out);
}

void ship_settings_help(FILE *out)
{
	fputs("Usage: oomsentry-ship [OPTION]...\n"
	      "Uploads the files oomsentry writes to DUMP_DIR to S3 (or an S3-compatible\n"
	      "store), deleting each after a verified upload, and forwards the sidecar's\n"
	      "events to a webhook.\n\n"
	      "Each setting is a flag, an environment variable and a key of the INI file\n"
	      "([oomsentry-ship] section, or none); flags win over the environment, which\n"
	      "wins over the file.\n\n",
	      out);
	for (int i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		char left[64], tail[160];
		if (!r->flag && r->secret)
			continue; /* listed with the key id */
		if (r->flag)
			snprintf(left, sizeof left, "--%s%s%s%s", r->flag, r->kind == K_BOOL ? "[=" : "=",
				 r->arg, r->kind == K_BOOL ? "]" : "");
		else
			snprintf(left, sizeof left, "%s", r->env);
		help_item(out, left, r->help);
		if (r->kind == K_CREDENTIAL)
			snprintf(tail, sizeof tail, "with AWS_SECRET_ACCESS_KEY, and AWS_SESSION_TOKEN "
						    "for temporary keys; environment only");
		else if (!r->flag)
			snprintf(tail, sizeof tail, "default \"%s\"; environment only", r->def);
		else
			snprintf(tail, sizeof tail, "env %s%s, default \"%s\"", r->env,
				 r->key ? "" : " (not in the file)", r->def);
		help_item(out, "", tail);
	}
	help_item(out, "--config=FILE", "read settings from this INI file; env CONFIG");
	help_item(out, "--print-config", "print the effective settings as an INI file and exit");
	help_item(out, "--help", "this text");
	help_item(out, "--version", "print the version and exit");
	fputs("\nExit status: 0 clean stop, 1 runtime failure, 2 usage or configuration\n"
	      "error.\n",
	      out);
}
