#include "options.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signame.h"
#include "units.h"

void opt_defaults(struct oomsentry_options *o)
{
	memset(o, 0, sizeof *o);
	o->dump_dir = OPT_DEFAULT_DUMP_DIR;
	o->warning_signal = SIGUSR1;
	o->critical_signal = SIGUSR2;
	o->on_warning = OOMSENTRY_ACTION_TRIM;
	o->on_critical = OOMSENTRY_ACTION_DUMP;
	o->cooldown_ms = OPT_DEFAULT_COOLDOWN_MS;
	o->max_dumps = OPT_DEFAULT_MAX_DUMPS;
	o->min_free_bytes = OPT_DEFAULT_MIN_FREE_BYTES;
	o->threshold_pct = 0;
	o->interval_ms = OPT_DEFAULT_INTERVAL_MS;
}

/* The value parsers are the sidecar's (units.c): one grammar for both. The
 * library reports every rejection as -EINVAL. */
int opt_parse_duration_ms(const char *s, uint64_t *ms, const char **why)
{
	uint64_t us;
	if (units_parse_duration_us(s, &us, why))
		return -EINVAL;
	*ms = (us + 500) / 1000;
	return 0;
}

int opt_parse_size(const char *s, uint64_t *bytes, const char **why)
{
	return units_parse_size(s, bytes, why) ? -EINVAL : 0;
}

int opt_parse_percent(const char *s, double *pct, const char **why)
{
	double v;
	if (units_parse_percent(s, &v, why))
		return -EINVAL;
	if (v > 100) {
		*why = "a percentage must be at most 100";
		return -EINVAL;
	}
	*pct = v; /* 0 turns the watchdog off */
	return 0;
}

int opt_parse_count(const char *s, unsigned min, unsigned max, unsigned *out, const char **why)
{
	if (!s || !*s) {
		*why = "empty value";
		return -EINVAL;
	}
	if (strspn(s, "0123456789") != strlen(s)) {
		*why = "not a whole number";
		return -EINVAL;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE || *end != '\0' || v > max) {
		*why = "too large";
		return -EINVAL;
	}
	if (v < min) {
		*why = "too small";
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

int opt_parse_actions(const char *s, unsigned *actions, const char **why)
{
	if (!s || !*s) {
		*why = "empty value";
		return -EINVAL;
	}
	unsigned a = 0;
	bool none = false;
	for (const char *p = s;;) {
		size_t n = strcspn(p, ",");
		if (n == 4 && strncasecmp(p, "dump", 4) == 0)
			a |= OOMSENTRY_ACTION_DUMP;
		else if (n == 4 && strncasecmp(p, "trim", 4) == 0)
			a |= OOMSENTRY_ACTION_TRIM;
		else if (n == 4 && strncasecmp(p, "none", 4) == 0)
			none = true;
		else {
			*why = "unknown action (use dump, trim, none, or e.g. trim,dump)";
			return -EINVAL;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	if (none && a) {
		*why = "none cannot be combined with other actions";
		return -EINVAL;
	}
	*actions = a;
	return 0;
}

bool opt_signal_usable(int signo)
{
	switch (signo) {
	case SIGKILL: case SIGSTOP:                 /* cannot be caught */
	case SIGSEGV: case SIGBUS: case SIGILL:     /* raised by faults */
	case SIGFPE: case SIGTRAP: case SIGSYS:
		return false;
	default:
		return signo > 0 && signo <= SIGRTMAX;
	}
}

int opt_parse_signal(const char *s, int *signo, const char **why)
{
	if (!s || !*s) {
		*why = "empty value";
		return -EINVAL;
	}
	if (strcasecmp(s, "none") == 0) {
		*signo = 0;
		return 0;
	}
	int n;
	if (signame_parse(s, &n)) {
		*why = "not a signal (use e.g. SIGUSR1, USR2, 10, SIGRTMIN+3, none)";
		return -EINVAL;
	}
	if (!opt_signal_usable(n)) {
		*why = "this signal cannot be used (uncatchable or raised by faults)";
		return -EINVAL;
	}
	*signo = n;
	return 0;
}

const char *opt_format_actions(unsigned actions, char *buf, size_t size)
{
	if (!(actions & (OOMSENTRY_ACTION_TRIM | OOMSENTRY_ACTION_DUMP)))
		snprintf(buf, size, "none");
	else
		snprintf(buf, size, "%s%s%s", actions & OOMSENTRY_ACTION_TRIM ? "trim" : "",
			 (actions & OOMSENTRY_ACTION_TRIM) && (actions & OOMSENTRY_ACTION_DUMP) ? ","
												 : "",
			 actions & OOMSENTRY_ACTION_DUMP ? "dump" : "");
	return buf;
}

static int env_error(char *err, size_t errsize, const char *name, const char *value,
		     const char *why)
{
	snprintf(err, errsize, "%s=\"%s\": %s", name, value, why);
	return -EINVAL;
}

int opt_from_env(struct oomsentry_options *o, opt_getenv_fn get, void *ctx, char *err,
		 size_t errsize)
{
	const char *v, *why = NULL;
	const char *name;
	err[0] = '\0';

	if ((v = get(name = "OOMSENTRY_DUMP_DIR", ctx))) {
		if (v[0] != '/')
			return env_error(err, errsize, name, v, "must be an absolute path");
		o->dump_dir = v;
	}
	if ((v = get(name = "OOMSENTRY_WARNING_SIGNAL", ctx)) &&
	    opt_parse_signal(v, &o->warning_signal, &why))
		return env_error(err, errsize, name, v, why);
	if ((v = get(name = "OOMSENTRY_CRITICAL_SIGNAL", ctx)) &&
	    opt_parse_signal(v, &o->critical_signal, &why))
		return env_error(err, errsize, name, v, why);
	if ((v = get(name = "OOMSENTRY_ON_WARNING", ctx)) &&
	    opt_parse_actions(v, &o->on_warning, &why))
		return env_error(err, errsize, name, v, why);
	if ((v = get(name = "OOMSENTRY_ON_CRITICAL", ctx)) &&
	    opt_parse_actions(v, &o->on_critical, &why))
		return env_error(err, errsize, name, v, why);
	if ((v = get(name = "OOMSENTRY_COOLDOWN", ctx)) &&
	    opt_parse_duration_ms(v, &o->cooldown_ms, &why))
		return env_error(err, errsize, name, v, why);
	if ((v = get(name = "OOMSENTRY_MAX_DUMPS", ctx)) &&
	    opt_parse_count(v, 1, OPT_MAX_DUMPS_LIMIT, &o->max_dumps, &why))
		return env_error(err, errsize, name, v, why);
	if ((v = get(name = "OOMSENTRY_MIN_FREE", ctx)) &&
	    opt_parse_size(v, &o->min_free_bytes, &why))
		return env_error(err, errsize, name, v, why);
	if ((v = get(name = "OOMSENTRY_THRESHOLD", ctx)) &&
	    opt_parse_percent(v, &o->threshold_pct, &why))
		return env_error(err, errsize, name, v, why);
	if ((v = get(name = "OOMSENTRY_INTERVAL", ctx))) {
		if (opt_parse_duration_ms(v, &o->interval_ms, &why))
			return env_error(err, errsize, name, v, why);
		if (o->interval_ms < OPT_MIN_INTERVAL_MS)
			return env_error(err, errsize, name, v, "must be at least 10ms");
	}
	return opt_validate(o, err, errsize);
}

int opt_validate(const struct oomsentry_options *o, char *err, size_t errsize)
{
	if (!o->dump_dir || o->dump_dir[0] != '/') {
		snprintf(err, errsize, "dump directory \"%s\": must be an absolute path",
			 o->dump_dir ? o->dump_dir : "");
		return -EINVAL;
	}
	if (strlen(o->dump_dir) > 255) {
		snprintf(err, errsize, "dump directory \"%s\": longer than 255 bytes", o->dump_dir);
		return -EINVAL;
	}
	if ((o->warning_signal && !opt_signal_usable(o->warning_signal)) ||
	    (o->critical_signal && !opt_signal_usable(o->critical_signal))) {
		snprintf(err, errsize, "signals %d/%d: a signal cannot be used",
			 o->warning_signal, o->critical_signal);
		return -EINVAL;
	}
	char a[16];
	if (signame_clash(o->warning_signal, o->critical_signal, a, sizeof a)) {
		snprintf(err, errsize,
			 "OOMSENTRY_WARNING_SIGNAL and OOMSENTRY_CRITICAL_SIGNAL are both %s: "
			 "they must differ",
			 a);
		return -EINVAL;
	}
	if ((o->on_warning | o->on_critical) & ~(OOMSENTRY_ACTION_TRIM | OOMSENTRY_ACTION_DUMP)) {
		snprintf(err, errsize, "actions %#x/%#x: unknown action bits", o->on_warning,
			 o->on_critical);
		return -EINVAL;
	}
	if (o->max_dumps < 1 || o->max_dumps > OPT_MAX_DUMPS_LIMIT) {
		snprintf(err, errsize, "OOMSENTRY_MAX_DUMPS=%u: must be between 1 and %u",
			 o->max_dumps, OPT_MAX_DUMPS_LIMIT);
		return -EINVAL;
	}
	if (!(o->threshold_pct >= 0 && o->threshold_pct <= 100)) {
		snprintf(err, errsize, "OOMSENTRY_THRESHOLD=%g: must be between 0 and 100",
			 o->threshold_pct);
		return -EINVAL;
	}
	if (o->threshold_pct > 0 && o->interval_ms < OPT_MIN_INTERVAL_MS) {
		snprintf(err, errsize, "OOMSENTRY_INTERVAL=%llums: must be at least 10ms",
			 (unsigned long long)o->interval_ms);
		return -EINVAL;
	}
	return 0;
}
