/* options: defaults, OOMSENTRY_* environment parsing and validation.
 *
 * Pure: the environment is read through a function the caller passes, so
 * tests feed tables instead of changing the process environment. Errors are
 * returned as one line ("OOMSENTRY_COOLDOWN=\"abc\": not a duration ...")
 * that the caller prints.
 */
#ifndef OOMSENTRY_HANDLER_OPTIONS_H
#define OOMSENTRY_HANDLER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oomsentry.h"

#define OPT_DEFAULT_DUMP_DIR "/tmp/oomsentry"
#define OPT_DEFAULT_COOLDOWN_MS 60000
#define OPT_DEFAULT_MAX_DUMPS 10
#define OPT_DEFAULT_MIN_FREE_BYTES (16u << 20)
#define OPT_DEFAULT_INTERVAL_MS 1000
#define OPT_MAX_DUMPS_LIMIT 10000
#define OPT_MIN_INTERVAL_MS 10
#define OPT_ERR_MAX 256

/* Returns the value of an environment variable or NULL. */
typedef const char *(*opt_getenv_fn)(const char *name, void *ctx);

void opt_defaults(struct oomsentry_options *o);

/* Overlays every OOMSENTRY_* variable that get() returns. Returns 0, or
 * -EINVAL with a one-line message in err. */
int opt_from_env(struct oomsentry_options *o, opt_getenv_fn get, void *ctx, char *err,
		 size_t errsize);

/* Checks a complete set of options (also those an app filled in by hand).
 * Returns 0 or -EINVAL with a one-line message in err. */
int opt_validate(const struct oomsentry_options *o, char *err, size_t errsize);

/* Single-value parsers; on error *why is a short static reason. */
int opt_parse_duration_ms(const char *s, uint64_t *ms, const char **why);
int opt_parse_size(const char *s, uint64_t *bytes, const char **why);
int opt_parse_percent(const char *s, double *pct, const char **why);
int opt_parse_count(const char *s, unsigned min, unsigned max, unsigned *out, const char **why);
/* "dump", "trim", "none", or a comma list such as "trim,dump". */
int opt_parse_actions(const char *s, unsigned *actions, const char **why);
/* "SIGUSR1", "USR1", "10", "SIGRTMIN+3", or "none" (0). */
int opt_parse_signal(const char *s, int *signo, const char **why);

/* Signals the library refuses: uncatchable or raised by faults. */
bool opt_signal_usable(int signo);

/* "trim,dump", "none", ... for logs. */
const char *opt_format_actions(unsigned actions, char *buf, size_t size);

#endif
