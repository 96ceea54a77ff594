/* ship_settings: every knob of oomsentry-ship, from four sources.
 *
 * Precedence, as the sidecar's settings.h: defaults < INI file < environment
 * < command-line flags. Credentials and the region come from the AWS SDKs'
 * standard environment variables only: a secret in argv shows in ps, and one
 * in an INI file (a ConfigMap) is not secret. The pod's namespace and name
 * (the Downward API) come from the environment or a flag, never the file,
 * which pods share. Parsing and validation are pure, as in settings.c: an
 * error is one line naming the setting, the value as given (never a
 * secret's) and where it came from; the caller exits 2.
 */
#ifndef OOMSENTRY_SHIP_SETTINGS_H
#define OOMSENTRY_SHIP_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "webhook_fmt.h"

#define SHIP_PATH_MAX 512
#define SHIP_URL_MAX 512
#define SHIP_ERR_MAX 512
#define SHIP_FLAGS_MAX 64

struct ship_settings {
	char dump_dir[SHIP_PATH_MAX];    /* absolute; required */
	char s3_bucket[64];              /* "" = no uploads (webhook only) */
	char s3_prefix[256];             /* first part of every key; "" = none */
	char s3_endpoint[SHIP_URL_MAX];  /* "" = AWS */
	bool s3_path_style;
	char s3_ca_bundle[SHIP_PATH_MAX]; /* "" = the system's CAs */
	uint64_t s3_part_size;           /* bytes, S3_PART_MIN..S3_PART_MAX */
	uint64_t max_file_size;          /* bytes; a larger file is reported and kept */
	bool delete_after_upload;
	char pod_namespace[254];         /* key parts; "" = left out of the key */
	char pod_name[254];
	char webhook_url[SHIP_URL_MAX];  /* "" = events are not forwarded */
	char webhook_headers_file[SHIP_PATH_MAX];
	char webhook_ca_bundle[SHIP_PATH_MAX]; /* "" = the system's CAs */
	enum webhook_format webhook_format;
	char events_file[256];           /* a name in dump_dir */
	char state_dir[SHIP_PATH_MAX];   /* absolute; default dump_dir/.oomsentry-ship */
	uint64_t retry_max_us;           /* longest wait between two tries */
	uint64_t timeout_us;             /* whole seconds: connect and stall bound */
	enum log_format log_format;
	enum log_level log_level;
	/* The environment's only. */
	char aws_access_key_id[128];
	char aws_secret_access_key[128];
	char aws_session_token[4096];    /* STS tokens run to about 2 KiB */
	char aws_region[64];
};

/* What the command line asked for besides settings. */
struct ship_cli {
	bool help, version, print_config;
	const char *config; /* --config FILE, or NULL */
	/* Settings given as flags, applied after the environment. */
	struct { int setting; const char *value; } flags[SHIP_FLAGS_MAX];
	int nflags;
};

/* Parses argv (getopt_long). Returns 0 or -EINVAL with err set. */
int ship_settings_parse_args(int argc, char **argv, struct ship_cli *cli, char *err,
			     size_t errsz);

/* The config file ship_settings_resolve reads (--config, else CONFIG), or NULL. */
const char *ship_settings_config_path(const struct ship_cli *cli, char *const *envp);

/* Builds the effective settings: defaults, the file, envp, cli's flags,
 * then the checks between settings. On error *out is untouched. Returns 0,
 * or -EINVAL (-ENOMEM reading the file) with err one line. */
int ship_settings_resolve(struct ship_settings *out, const struct ship_cli *cli,
			  char *const *envp, char *err, size_t errsz);

/* The settings as an INI file that ship_settings_resolve reads back. The
 * environment-only values are comment lines; secrets show as "(set)" or
 * "(unset)", never their value. */
void ship_settings_print(FILE *out, const struct ship_settings *s);

/* --help text, at most 80 columns. */
void ship_settings_help(FILE *out);

#endif
