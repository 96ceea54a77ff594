/* Unit tests for src/ship/ship_settings.h: every setting from each source
 * (INI file, environment, flags) with good and bad values, precedence, the
 * checks between settings, secrets never shown, --print-config read back,
 * --help's width. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ship_settings.h"

#define N(a) (sizeof(a) / sizeof *(a))
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static char err[SHIP_ERR_MAX];
static char ini_path[64];
/* A variable of base_env left out, so the file can set it. */
static const char *drop;

/* The smallest valid environment, then extra entries. */
static char *base_env[] = {"DUMP_DIR=/dumps", "S3_BUCKET=dumps", "AWS_ACCESS_KEY_ID=AKIAEXAMPLE",
			   "AWS_SECRET_ACCESS_KEY=" SECRET};

static void write_ini(const char *text)
{
	snprintf(ini_path, sizeof ini_path, "/tmp/check_ship_settings.%d.ini", (int)getpid());
	FILE *f = fopen(ini_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Resolves with base_env (when base), extra env entries (NULL-ended), an
 * INI file (NULL: none) and flags (NULL-ended). */
static int resolve(struct ship_settings *s, bool base, const char *const *env, const char *ini,
		   const char *const *flags)
{
	char *envp[32], *argv[32];
	int n = 0, argc = 0;
	char config[96];
	/* The first of two entries of a name wins: the extras go first. */
	for (; env && *env; env++)
		envp[n++] = (char *)*env;
	for (size_t i = 0; base && i < N(base_env); i++)
		if (!drop || strncmp(base_env[i], drop, strlen(drop)) != 0 ||
		    base_env[i][strlen(drop)] != '=')
			envp[n++] = base_env[i];
	if (ini) {
		write_ini(ini);
		snprintf(config, sizeof config, "CONFIG=%s", ini_path);
		envp[n++] = config;
	}
	envp[n] = NULL;
	argv[argc++] = "oomsentry-ship";
	for (; flags && *flags; flags++)
		argv[argc++] = (char *)*flags;
	argv[argc] = NULL;
	struct ship_cli cli;
	err[0] = '\0';
	int r = ship_settings_parse_args(argc, argv, &cli, err, sizeof err);
	if (!r)
		r = ship_settings_resolve(s, &cli, envp, err, sizeof err);
	if (ini)
		unlink(ini_path);
	return r;
}

#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void expect_err(int r, const char *want)
{
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_msg(strstr(err, want), "error \"%s\" lacks \"%s\"", err, want);
	ck_assert_msg(!strstr(err, SECRET), "secret in \"%s\"", err);
}

START_TEST(defaults)
{
	struct ship_settings s;
	ck_assert_int_eq(resolve(&s, true, NULL, NULL, NULL), 0);
	ck_assert_str_eq(s.dump_dir, "/dumps");
	ck_assert_str_eq(s.s3_bucket, "dumps");
	ck_assert_str_eq(s.s3_prefix, "");
	ck_assert_str_eq(s.s3_endpoint, "");
	ck_assert(!s.s3_path_style);
	ck_assert_uint_eq(s.s3_part_size, 8u << 20);
	ck_assert_uint_eq(s.max_file_size, 16ull << 30);
	ck_assert(s.delete_after_upload);
	ck_assert_int_eq(s.webhook_format, WEBHOOK_FORMAT_JSON);
	ck_assert_str_eq(s.events_file, "events.jsonl");
	ck_assert_str_eq(s.state_dir, "/dumps/.oomsentry-ship");
	ck_assert_uint_eq(s.retry_max_us, 300000000u);
	ck_assert_uint_eq(s.timeout_us, 60000000u);
	ck_assert_str_eq(s.aws_region, "us-east-1");
	ck_assert_str_eq(s.aws_secret_access_key, SECRET);
	ck_assert_str_eq(s.aws_session_token, "");
}
END_TEST

/* One good value through each source, and one bad value with its error
 * through each source. */
static const struct {
	const char *env, *flag, *key, *good, *bad, *why;
} cases[] = {
	{"DUMP_DIR", "dump-dir", "dump_dir", "/var/dumps", "dumps", "absolute"},
	{"S3_BUCKET", "s3-bucket", "s3_bucket", "my.bucket-1", "My_Bucket", "lower-case"},
	{"S3_PREFIX", "s3-prefix", "s3_prefix", "team/dumps", "a/../b", "\"..\""},
	{"S3_ENDPOINT", "s3-endpoint", "s3_endpoint", "http://minio:9000", "minio:9000", "URL"},
	{"S3_PATH_STYLE", "s3-path-style", "s3_path_style", "true", "maybe", "bool"},
	{"S3_CA_BUNDLE", "s3-ca-bundle", "s3_ca_bundle", "/etc/ca.pem", "ca.pem", "absolute"},
	{"WEBHOOK_CA_BUNDLE", "webhook-ca-bundle", "webhook_ca_bundle", "/etc/ca.pem", "ca.pem",
	 "absolute"},
	{"S3_PART_SIZE", "s3-part-size", "s3_part_size", "64Mi", "4Mi", "from 5242880"},
	{"MAX_FILE_SIZE", "max-file-size", "max_file_size", "1Gi", "lots", ""},
	{"DELETE_AFTER_UPLOAD", "delete-after-upload", "delete_after_upload", "false", "2", ""},
	{"WEBHOOK_URL", "webhook-url", "webhook_url", "https://hooks.example/x", "ftp://h/",
	 "http"},
	{"WEBHOOK_FORMAT", "webhook-format", "webhook_format", "slack", "xml", "json or slack"},
	{"EVENTS_FILE", "events-file", "events_file", "ev.jsonl", ".ev", "'.'"},
	{"EVENTS_FILE", "events-file", "events_file", "ev.jsonl", "a/ev", "'/'"},
	{"STATE_DIR", "state-dir", "state_dir", "/state", "state", "absolute"},
	{"RETRY_MAX", "retry-max", "retry_max", "30s", "2h", "must be from 1s to "},
	{"TIMEOUT", "timeout", "timeout", "2m", "1.5s", "whole seconds"},
	{"LOG_FORMAT", "log-format", "log_format", "json", "xml", "logfmt or json"},
	{"LOG_LEVEL", "log-level", "log_level", "debug", "loud", "debug, info"},
};

/* Print, read back, compare: each case's good value must survive. */
static void print_of(const struct ship_settings *s, char *buf, size_t size)
{
	FILE *f = fmemopen(buf, size, "w");
	ship_settings_print(f, s);
	fclose(f);
}

START_TEST(each_source)
{
	for (size_t i = 0; i < N(cases); i++) {
		char env[128], flag[128], ini[160], want[160];
		struct ship_settings a, b, c;
		/* STATE_DIR and the webhook's settings need their partners. */
		const char *hook = strcmp(cases[i].env, "WEBHOOK_URL") ? "WEBHOOK_URL=http://h/" : "X=";
		snprintf(env, sizeof env, "%s=%s", cases[i].env, cases[i].good);
		snprintf(flag, sizeof flag, "--%s=%s", cases[i].flag, cases[i].good);
		snprintf(ini, sizeof ini, "[oomsentry-ship]\n%s = %s\n", cases[i].key, cases[i].good);
		drop = cases[i].env;
		ck_assert_msg(resolve(&a, true, ENV(env, hook), NULL, NULL) == 0, "%s: %s", env, err);
		ck_assert_msg(resolve(&b, true, ENV(hook), NULL, ENV(flag)) == 0, "%s: %s", flag, err);
		ck_assert_msg(resolve(&c, true, ENV(hook), ini, NULL) == 0, "%s: %s", ini, err);
		char pa[8192], pb[8192], pc[8192];
		drop = NULL;
		print_of(&a, pa, sizeof pa);
		print_of(&b, pb, sizeof pb);
		print_of(&c, pc, sizeof pc);
		ck_assert_str_eq(pa, pb);
		ck_assert_str_eq(pa, pc);

		snprintf(env, sizeof env, "%s=%s", cases[i].env, cases[i].bad);
		snprintf(want, sizeof want, "invalid setting %s (environment): ", env);
		want[strlen(cases[i].env) + 17] = '\0';
		expect_err(resolve(&a, true, ENV(env, hook), NULL, NULL), cases[i].why);
		snprintf(want, sizeof want, "invalid setting %s=\"%s\" (environment)", cases[i].env,
			 cases[i].bad);
		expect_err(-EINVAL, want);
		snprintf(flag, sizeof flag, "--%s=%s", cases[i].flag, cases[i].bad);
		expect_err(resolve(&a, true, ENV(hook), NULL, ENV(flag)), cases[i].why);
		snprintf(want, sizeof want, "invalid setting --%s=\"%s\": ", cases[i].flag,
			 cases[i].bad);
		expect_err(-EINVAL, want);
		snprintf(ini, sizeof ini, "\n%s = %s\n", cases[i].key, cases[i].bad);
		drop = cases[i].env;
		expect_err(resolve(&a, true, ENV(hook), ini, NULL), cases[i].why);
		drop = NULL;
		snprintf(want, sizeof want, ":2: invalid setting %s=\"%s\": ", cases[i].key,
			 cases[i].bad);
		expect_err(-EINVAL, want);
	}
}
END_TEST

START_TEST(precedence)
{
	struct ship_settings s;
	const char *ini = "retry_max = 10s\ntimeout = 10s\nlog_level = warn\n";
	ck_assert_int_eq(resolve(&s, true, ENV("TIMEOUT=20s", "LOG_LEVEL=error"), ini,
				 ENV("--log-level=debug")), 0);
	ck_assert_uint_eq(s.retry_max_us, 10000000u);     /* file over default */
	ck_assert_uint_eq(s.timeout_us, 20000000u);       /* env over file */
	ck_assert_int_eq(s.log_level, LOG_DEBUG);         /* flag over env */
	/* A bare boolean flag means true. */
	ck_assert_int_eq(resolve(&s, true, ENV("S3_PATH_STYLE=false"), NULL,
				 ENV("--s3-path-style")), 0);
	ck_assert(s.s3_path_style);
}
END_TEST

START_TEST(file_rules)
{
	struct ship_settings s;
	ck_assert_int_eq(resolve(&s, true, NULL, "; c\n# c\ntimeout = 5s # c\n", NULL), 0);
	ck_assert_uint_eq(s.timeout_us, 5000000u);
	expect_err(resolve(&s, true, NULL, "[oomsentry]\ntimeout = 5s\n", NULL),
		   ":2: unknown section [oomsentry] (use [oomsentry-ship] or none)");
	expect_err(resolve(&s, true, NULL, "timeout = 5s\n[oomsentry-ship]\ntimeout = 6s\n", NULL),
		   ":3: duplicate key \"timeout\" (first set on line 1)");
	expect_err(resolve(&s, true, NULL, "timeoutt = 5s\n", NULL), ":1: unknown key \"timeoutt\"");
	expect_err(resolve(&s, true, NULL, "aws_secret_access_key = x\n", NULL),
		   "unknown key \"aws_secret_access_key\" (not read from a file");
	expect_err(resolve(&s, true, NULL, "pod_name = x\n", NULL), "unknown key \"pod_name\"");
	expect_err(resolve(&s, true, NULL, "just words\n", NULL), ":1: syntax error");
	expect_err(resolve(&s, true, ENV("CONFIG=/nonexistent/x.ini"), NULL, NULL),
		   "invalid setting CONFIG=\"/nonexistent/x.ini\": cannot read");
}
END_TEST

START_TEST(command_line)
{
	struct ship_settings s;
	expect_err(resolve(&s, true, NULL, NULL, ENV("--nope")), "unknown option --nope");
	expect_err(resolve(&s, true, NULL, NULL, ENV("--timeout")), "option --timeout needs a value");
	expect_err(resolve(&s, true, NULL, NULL, ENV("--help=x")), "takes no value");
	expect_err(resolve(&s, true, NULL, NULL, ENV("extra")), "unexpected argument \"extra\"");
	/* Secrets have no flag: argv shows in ps. */
	expect_err(resolve(&s, true, NULL, NULL, ENV("--aws-secret-access-key=x")), "unknown option");
	char *argv[] = {"oomsentry-ship", "--print-config", "--version", "-h", "--config=/x", NULL};
	struct ship_cli cli;
	ck_assert_int_eq(ship_settings_parse_args(5, argv, &cli, err, sizeof err), 0);
	ck_assert(cli.print_config && cli.version && cli.help);
	ck_assert_str_eq(cli.config, "/x");
	ck_assert_str_eq(ship_settings_config_path(&cli, (char *[]){"CONFIG=/y", NULL}), "/x");
	ck_assert_int_eq(resolve(&s, true, ENV("POD_NAMESPACE=ns", "POD_NAME=web-0"), NULL,
				 ENV("--pod-name=web-1")), 0);
	ck_assert_str_eq(s.pod_namespace, "ns");
	ck_assert_str_eq(s.pod_name, "web-1");
	expect_err(resolve(&s, true, ENV("POD_NAME=a/b"), NULL, NULL), "'/'");
}
END_TEST

START_TEST(cross_checks)
{
	struct ship_settings s;
	expect_err(resolve(&s, false, ENV("S3_BUCKET=bbb"), NULL, NULL),
		   "invalid setting DUMP_DIR=\"\" (default): required");
	expect_err(resolve(&s, false, ENV("DUMP_DIR=/d"), NULL, NULL),
		   "invalid settings S3_BUCKET=\"\" (default) and WEBHOOK_URL=\"\" (default)");
	ck_assert_int_eq(resolve(&s, false, ENV("DUMP_DIR=/d", "WEBHOOK_URL=http://h/"), NULL,
				 NULL), 0);
	expect_err(resolve(&s, false, ENV("DUMP_DIR=/d", "WEBHOOK_URL=http://h/"),
			   "s3_part_size = 16Mi\n", NULL),
		   "S3_BUCKET=\"\" (default) and S3_PART_SIZE=\"16Mi\" (/tmp/");
	expect_err(resolve(&s, false, ENV("DUMP_DIR=/d", "S3_BUCKET=bbb", "WEBHOOK_URL=http://h/"),
			   NULL, NULL), "only keys from the environment are read");
	expect_err(resolve(&s, false, ENV("DUMP_DIR=/d", "S3_BUCKET=bbb",
					  "AWS_SECRET_ACCESS_KEY=" SECRET), NULL, NULL),
		   "AWS_ACCESS_KEY_ID=\"\" (default) and AWS_SECRET_ACCESS_KEY=(set) (environment)");
	expect_err(resolve(&s, false, ENV("DUMP_DIR=/d", "S3_BUCKET=bbb", "AWS_ACCESS_KEY_ID=AK"),
			   NULL, NULL),
		   "AWS_ACCESS_KEY_ID=\"AK\" (environment) and AWS_SECRET_ACCESS_KEY=(unset)");
	expect_err(resolve(&s, true, NULL, NULL, ENV("--webhook-format=slack")),
		   "WEBHOOK_URL=\"\" (default) and WEBHOOK_FORMAT=\"slack\" (--webhook-format)");
	expect_err(resolve(&s, true, ENV("MAX_FILE_SIZE=100Gi", "S3_PART_SIZE=5Mi"), NULL, NULL),
		   "10000 parts");
	expect_err(resolve(&s, true, ENV("STATE_DIR=/dumps/state"), NULL, NULL),
		   "DUMP_DIR=\"/dumps\" (environment) and STATE_DIR=\"/dumps/state\"");
	expect_err(resolve(&s, true, ENV("STATE_DIR=/dumps/"), NULL, NULL), "leading '.'");
	ck_assert_int_eq(resolve(&s, true, ENV("STATE_DIR=/dumps/.st"), NULL, NULL), 0);
	ck_assert_int_eq(resolve(&s, true, ENV("STATE_DIR=/dumps2"), NULL, NULL), 0);
	ck_assert_int_eq(resolve(&s, true, ENV("DUMP_DIR=/"), NULL, NULL), 0);
	ck_assert_str_eq(s.state_dir, "/.oomsentry-ship");
	/* Region: AWS_REGION, else AWS_DEFAULT_REGION; an empty key is unset. */
	ck_assert_int_eq(resolve(&s, true, ENV("AWS_DEFAULT_REGION=eu-west-1"), NULL, NULL), 0);
	ck_assert_str_eq(s.aws_region, "eu-west-1");
	ck_assert_int_eq(resolve(&s, true, ENV("AWS_REGION=us-west-2",
					       "AWS_DEFAULT_REGION=eu-west-1"), NULL, NULL), 0);
	ck_assert_str_eq(s.aws_region, "us-west-2");
	expect_err(resolve(&s, true, ENV("AWS_REGION=EU WEST"), NULL, NULL), "AWS_REGION=\"EU WEST\"");
	expect_err(resolve(&s, false, ENV("DUMP_DIR=/d", "WEBHOOK_URL=http://h/",
					  "AWS_SESSION_TOKEN=tok"), NULL, NULL),
		   "AWS_SESSION_TOKEN=(set) (environment) and AWS_ACCESS_KEY_ID");
}
END_TEST

START_TEST(secrets_and_print)
{
	struct ship_settings s, b;
	ck_assert_int_eq(resolve(&s, true, ENV("AWS_SESSION_TOKEN=tok" SECRET, "POD_NAME=p-0",
					       "WEBHOOK_URL=https://h/x", "S3_PREFIX=team/x"),
				 NULL, NULL), 0);
	char text[8192];
	print_of(&s, text, sizeof text);
	ck_assert_msg(!strstr(text, SECRET), "%s", text);
	ck_assert_msg(strstr(text, "; aws_access_key_id = AKIAEXAMPLE "), "%s", text);
	ck_assert_msg(strstr(text, "; aws_secret_access_key = (set)"), "%s", text);
	ck_assert_msg(strstr(text, "; aws_session_token = (set)"), "%s", text);
	ck_assert_msg(strstr(text, "[oomsentry-ship]\ndump_dir = /dumps\n"), "%s", text);
	/* Read back: the file plus the environment-only values. */
	ck_assert_msg(resolve(&b, false, ENV("AWS_ACCESS_KEY_ID=AKIAEXAMPLE",
					     "AWS_SECRET_ACCESS_KEY=" SECRET,
					     "AWS_SESSION_TOKEN=tok" SECRET, "POD_NAME=p-0"),
			      text, NULL) == 0, "%s", err);
	ck_assert_int_eq(memcmp(&s, &b, sizeof s), 0);
	/* A bad secret's error does not show it either. */
	expect_err(resolve(&s, true, ENV("AWS_SESSION_TOKEN=a " SECRET), NULL, NULL),
		   "invalid setting AWS_SESSION_TOKEN=(set) (environment): ");
}
END_TEST

START_TEST(help_width)
{
	char text[16384];
	FILE *f = fmemopen(text, sizeof text, "w");
	ship_settings_help(f);
	fclose(f);
	int lines = 0;
	for (char *l = text, *e; *l; l = e + 1, lines++) {
		e = strchr(l, '\n');
		ck_assert_ptr_nonnull(e);
		ck_assert_msg(e - l <= 80, "%.*s", (int)(e - l), l);
	}
	ck_assert_int_gt(lines, 40);
	const char *words[] = {"--dump-dir=DIR", "--s3-path-style[=BOOL]", "env S3_PART_SIZE",
			       "AWS_ACCESS_KEY_ID", "AWS_REGION", "--print-config", "--config=FILE"};
	for (size_t i = 0; i < N(words); i++)
		ck_assert_msg(strstr(text, words[i]), "%s", words[i]);
	ck_assert(!strstr(text, "--aws"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ship_settings");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, each_source);
	tcase_add_test(tc, precedence);
	tcase_add_test(tc, file_rules);
	tcase_add_test(tc, command_line);
	tcase_add_test(tc, cross_checks);
	tcase_add_test(tc, secrets_and_print);
	tcase_add_test(tc, help_width);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
