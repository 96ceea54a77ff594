/* Fuzzes liboomsentry's OOMSENTRY_* environment: opt_from_env over a table
 * of NAME=value entries (NUL-separated, as in /proc/PID/environ), and every
 * single-value parser over every value. Whatever an app's environment holds,
 * the result is valid options or a one-line error. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>

#include "fuzz.h"
#include "options.h"
#include "signame.h"
#include "units.h"

#define MAX_ENV 32

struct env {
	char *entries[MAX_ENV];
	int n;
};

/* getenv over the table: the first entry with that name wins. */
static const char *table_get(const char *name, void *ctx)
{
	const struct env *e = ctx;
	size_t len = strlen(name);
	for (int i = 0; i < e->n; i++)
		if (strncmp(e->entries[i], name, len) == 0 && e->entries[i][len] == '=')
			return e->entries[i] + len + 1;
	return NULL;
}

static void check_values(const char *v)
{
	const char *why = NULL;

	unsigned actions = ~0u;
	if (opt_parse_actions(v, &actions, &why) == 0) {
		FUZZ_CHECK(!(actions & ~(unsigned)(OOMSENTRY_ACTION_TRIM | OOMSENTRY_ACTION_DUMP)),
			   "actions %#x", actions);
		char *out = fuzz_outbuf(16);
		opt_format_actions(actions, out, 16);
		unsigned back = ~0u;
		FUZZ_CHECK(fuzz_terminated(out, 16) && opt_parse_actions(out, &back, &why) == 0 &&
				   back == actions,
			   "actions \"%s\" from \"%s\" do not read back", out, v);
		free(out);
	} else {
		FUZZ_CHECK(why && why[0], "actions: no reason");
	}

	int signo = -1;
	if (opt_parse_signal(v, &signo, &why) == 0) {
		FUZZ_CHECK(signo == 0 || opt_signal_usable(signo), "signal %d", signo);
		if (signo) {
			char name[16];
			int back = -1;
			signame_format(signo, name, sizeof name);
			FUZZ_CHECK(opt_parse_signal(name, &back, &why) == 0 && back == signo,
				   "signal \"%s\" does not read back", name);
		}
	}

	uint64_t ms = 7, us = 7;
	int r = opt_parse_duration_ms(v, &ms, &why);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "duration: %d", r);
	if (r == 0) {
		FUZZ_CHECK(units_parse_duration_us(v, &us, &why) == 0 && ms == (us + 500) / 1000,
			   "%" PRIu64 " ms from %" PRIu64 " us", ms, us);
	}

	uint64_t bytes = 7, ubytes = 7;
	r = opt_parse_size(v, &bytes, &why);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "size: %d", r);
	FUZZ_CHECK((r == 0) == (units_parse_size(v, &ubytes, &why) == 0) && (r || bytes == ubytes),
		   "size differs from the sidecar's");

	double pct = -1;
	if (opt_parse_percent(v, &pct, &why) == 0)
		FUZZ_CHECK(pct >= 0 && pct <= 100, "percentage %.17g", pct);

	unsigned count = 0;
	if (opt_parse_count(v, 1, OPT_MAX_DUMPS_LIMIT, &count, &why) == 0) {
		FUZZ_CHECK(count >= 1 && count <= OPT_MAX_DUMPS_LIMIT, "count %u", count);
		char again[16];
		unsigned back = 0;
		snprintf(again, sizeof again, "%u", count);
		FUZZ_CHECK(opt_parse_count(again, 1, OPT_MAX_DUMPS_LIMIT, &back, &why) == 0 &&
				   back == count,
			   "count %u does not read back", count);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct env e;
	e.n = fuzz_split(data, size, '\0', e.entries, MAX_ENV);

	struct oomsentry_options o;
	opt_defaults(&o);
	char *err = fuzz_outbuf(OPT_ERR_MAX);
	int r = opt_from_env(&o, table_get, &e, err, OPT_ERR_MAX);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "opt_from_env: %d", r);
	FUZZ_CHECK(fuzz_terminated(err, OPT_ERR_MAX), "error not terminated");
	if (r) {
		FUZZ_CHECK(err[0], "no error message");
	} else {
		FUZZ_CHECK(opt_validate(&o, err, OPT_ERR_MAX) == 0, "accepted, then invalid: %s",
			   err);
		FUZZ_CHECK(o.dump_dir && o.dump_dir[0] == '/', "dump dir");
		FUZZ_CHECK(o.max_dumps >= 1 && o.max_dumps <= OPT_MAX_DUMPS_LIMIT, "max dumps");
		FUZZ_CHECK(!o.threshold_pct || o.interval_ms >= OPT_MIN_INTERVAL_MS, "interval");
	}

	for (int i = 0; i < e.n; i++) {
		const char *eq = strchr(e.entries[i], '=');
		check_values(eq ? eq + 1 : e.entries[i]);
	}
	free(err);
	fuzz_free_strings(e.entries, e.n);
	return 0;
}
