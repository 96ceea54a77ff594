/* What the settings harnesses share: an INI file in memory (a memfd that
 * settings_resolve opens through /proc/self/fd) and the check that settings,
 * printed as --print-config prints them, read back as the same settings. */
#ifndef OOMSENTRY_FUZZ_SETTINGS_H
#define OOMSENTRY_FUZZ_SETTINGS_H

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "settings.h"

/* Makes text the content of the in-memory file and returns its path. */
static const char *fuzz_ini_file(const char *text, size_t len)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("oomsentry.ini", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (len && pwrite(fd, text, len, 0) != (ssize_t)len))
		abort();
	return path;
}

/* settings_resolve's error: a message that fits err. */
static void fuzz_check_resolve_error(int r, const char *err, size_t errsz)
{
	FUZZ_CHECK(r == -EINVAL, "settings_resolve: %d", r);
	FUZZ_CHECK(fuzz_terminated(err, errsz) && err[0], "error message");
}

/* Could "key = value" carry v through an INI line? inih strips blanks around
 * a value, starts a comment at a ';' after a blank, and settings_resolve
 * refuses lines of 199 characters or more. */
static bool ini_can_carry(const char *key, const char *v)
{
	if (strlen(key) + 3 + strlen(v) > 198)
		return false;
	size_t n = strlen(v);
	if (n && (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c < 0x20 || c == 0x7f)
			return false;
		if ((c == ';' || c == '#') && (i == 0 || v[i - 1] == ' ' || v[i - 1] == '\t'))
			return false;
	}
	return true;
}

static void fuzz_check_reads_back(const struct settings *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		abort();
	settings_print(s, f);
	fclose(f);

	char env[96];
	snprintf(env, sizeof env, "CONFIG=%s", fuzz_ini_file(text, len));
	char *envp[] = {env, NULL};
	struct cli cli;
	memset(&cli, 0, sizeof cli);
	char err[SETTINGS_ERR_MAX] = "";
	struct settings b;
	int r = settings_resolve(&b, &cli, envp, err, sizeof err);

	/* Strings that no INI line can carry are left out of the comparison. */
	bool strings = ini_can_carry("include", s->include) &&
		       ini_can_carry("exclude", s->exclude) &&
		       ini_can_carry("proc_root", s->proc_root) &&
		       ini_can_carry("signal_comms", s->signal_comms) &&
		       ini_can_carry("dump_dir", s->dump_dir) &&
		       ini_can_carry("jvm_heap_dump_dir", s->jvm_heap_dump_dir) &&
		       ini_can_carry("go_pprof", s->go_pprof);
	if (!strings) {
		free(text);
		return;
	}
	FUZZ_CHECK(r == 0, "printed settings do not read back: %s\n%s", err, text);
	FUZZ_CHECK(b.warning.is_pct == s->warning.is_pct && b.warning.pct == s->warning.pct &&
		   b.warning.bytes == s->warning.bytes, "warning\n%s", text);
	FUZZ_CHECK(b.critical.is_pct == s->critical.is_pct && b.critical.pct == s->critical.pct &&
		   b.critical.bytes == s->critical.bytes, "critical\n%s", text);
	FUZZ_CHECK(b.hysteresis_pct == s->hysteresis_pct, "hysteresis\n%s", text);
	FUZZ_CHECK(b.cooldown_us == s->cooldown_us, "cooldown\n%s", text);
	FUZZ_CHECK(b.interval_us == s->interval_us, "interval\n%s", text);
	FUZZ_CHECK(b.min_interval_us == s->min_interval_us, "min_interval\n%s", text);
	FUZZ_CHECK(b.adaptive == s->adaptive, "adaptive\n%s", text);
	FUZZ_CHECK(b.rescan_interval_us == s->rescan_interval_us, "rescan_interval\n%s", text);
	FUZZ_CHECK(b.warning_signal == s->warning_signal, "warning_signal\n%s", text);
	FUZZ_CHECK(b.critical_signal == s->critical_signal, "critical_signal\n%s", text);
	FUZZ_CHECK(b.metric == s->metric, "metric\n%s", text);
	FUZZ_CHECK(b.signal_unhandled == s->signal_unhandled, "signal_unhandled\n%s", text);
	FUZZ_CHECK(b.dry_run == s->dry_run, "dry_run\n%s", text);
	FUZZ_CHECK(b.log_format == s->log_format, "log_format\n%s", text);
	FUZZ_CHECK(b.log_level == s->log_level, "log_level\n%s", text);
	FUZZ_CHECK(strcmp(b.include, s->include) == 0, "include\n%s", text);
	FUZZ_CHECK(strcmp(b.exclude, s->exclude) == 0, "exclude\n%s", text);
	FUZZ_CHECK(strcmp(b.proc_root, s->proc_root) == 0, "proc_root\n%s", text);
	FUZZ_CHECK(strcmp(b.signal_comms, s->signal_comms) == 0, "signal_comms\n%s", text);
	FUZZ_CHECK(b.warning_actions == s->warning_actions, "warning_actions\n%s", text);
	FUZZ_CHECK(b.critical_actions == s->critical_actions, "critical_actions\n%s", text);
	FUZZ_CHECK(strcmp(b.dump_dir, s->dump_dir) == 0, "dump_dir\n%s", text);
	FUZZ_CHECK(b.dump_keep == s->dump_keep, "dump_keep\n%s", text);
	FUZZ_CHECK(b.dump_min_free == s->dump_min_free, "dump_min_free\n%s", text);
	FUZZ_CHECK(strcmp(b.jvm_heap_dump_dir, s->jvm_heap_dump_dir) == 0, "jvm_heap_dump_dir\n%s",
		   text);
	FUZZ_CHECK(strcmp(b.go_pprof, s->go_pprof) == 0, "go_pprof\n%s", text);
	FUZZ_CHECK(b.action_timeout_us == s->action_timeout_us, "action_timeout\n%s", text);
	free(text);
}

/* The include/exclude lists against a command name, as the sidecar asks for
 * every process it finds. */
static void fuzz_check_selection(const struct settings *s, const char *comm)
{
	bool sel = settings_comm_selected(s, comm);
	if (s->include[0] && strcmp(s->include, s->exclude) == 0)
		FUZZ_CHECK(!sel, "\"%s\" both included and excluded by \"%s\"", comm, s->include);
	if (!s->include[0] && !s->exclude[0])
		FUZZ_CHECK(sel, "\"%s\" not selected without lists", comm);
}

#endif
