#include "summary.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dumpname.h"
#include "signame.h"
#include "utc.h"

bool summary_status_line_wanted(const char *line)
{
	static const char *const keys[] = {"VmPeak:", "VmSize:", "VmHWM:",   "VmRSS:",
					   "RssAnon:", "RssFile:", "RssShmem:", "VmData:",
					   "VmSwap:", "Threads:"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (strncmp(line, keys[i], strlen(keys[i])) == 0)
			return true;
	return false;
}

static void write_status(struct textout *o)
{
	char buf[4096];
	ssize_t n = cg_read_text_file(AT_FDCWD, "/proc/self/status", buf, sizeof buf);
	textout_puts(o, "\n## /proc/self/status\n");
	if (n < 0) {
		textout_printf(o, "(unreadable: %s)\n", strerror((int)-n));
		return;
	}
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (summary_status_line_wanted(line))
			textout_write(o, line, len);
		line += len;
	}
}

static void write_cgroup(struct textout *o, const struct summary_facts *f)
{
	textout_puts(o, "\n## cgroup (as this process sees it)\n");
	if (!f->cg) {
		textout_printf(o, "unavailable: %s\n", strerror(-f->cg_error));
		return;
	}
	textout_printf(o, "version: v%d\npath: %s\n", f->cg->version, f->cg_loc->cgpath);
	struct cg_sample s;
	int err = cg_read_sample(f->cg, true, &s);
	if (err) {
		textout_printf(o, "usage: unreadable: %s\n", strerror(-err));
	} else {
		textout_printf(o,
			       "usage_bytes: %" PRIu64 "\ninactive_file_bytes: %" PRIu64
			       "\nworking_set_bytes: %" PRIu64 "\n",
			       s.usage_bytes, s.inactive_file_bytes, s.working_set_bytes);
	}
	uint64_t limit;
	bool unlimited;
	int lerr = cg_read_limit(f->cg, &limit, &unlimited);
	if (lerr)
		textout_printf(o, "limit: unreadable: %s\n", strerror(-lerr));
	else if (unlimited)
		textout_puts(o, "limit_bytes: unlimited\n");
	else {
		textout_printf(o, "limit_bytes: %" PRIu64 "\n", limit);
		if (!err && limit)
			textout_printf(o, "working_set_pct: %.1f\n",
				       100.0 * (double)s.working_set_bytes / (double)limit);
	}
	uint64_t kills;
	if (cg_read_oom_kills(f->cg, &kills) == 0)
		textout_printf(o, "oom_kills: %" PRIu64 "\n", kills);
}

int summary_write(struct textout *o, const struct summary_facts *f)
{
	char sig[16], stamp[UTC_TEXT_MAX];
	utc_format(stamp, sizeof stamp, (int64_t)f->when.tv_sec, f->when.tv_nsec / 1000000,
		   UTC_EXTENDED);
	textout_printf(o, "# oomsentry dump\ntime: %s\npid: %ld\nhostname: %s\nlevel: %s\n", stamp,
		       (long)f->pid, f->hostname, dumpname_level(f->level));
	if (f->signo)
		textout_printf(o, "signal: %s (%d)\n", signame_format(f->signo, sig, sizeof sig),
			       f->signo);
	else
		textout_puts(o, "signal: none\n");
	textout_printf(o, "allocator: %s\n", alloc_name(f->alloc->kind));
	if (f->heap_profile)
		textout_printf(o, "heap_profile: %s (%s)\n", f->heap_profile, f->heap_note);
	else
		textout_printf(o, "heap_profile: none (%s)\n", f->heap_note);

	write_status(o);
	write_cgroup(o, f);

	textout_puts(o, "\n## /proc/self/smaps_rollup\n");
	int err = textout_copy_file(o, "/proc/self/smaps_rollup");
	if (err)
		textout_printf(o, "(unreadable: %s)\n", strerror(-err));

	alloc_report(f->alloc, o);
	return textout_flush(o);
}
