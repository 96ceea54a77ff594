#include "utc.h"

#include <stdio.h>
#include <time.h>

/* gmtime_r, not localtime_r: UTC needs no time zone. It is not
 * async-signal-safe (glibc takes its time zone lock, and its first call may
 * read TZ and /etc/localtime), which is fine for every caller. The sidecar's
 * programs call it on their main thread, never in a signal handler (theirs
 * only write to a pipe). liboomsentry (src/handler/) calls it on its worker
 * thread, or on the thread that installs it (oomsentry_init, the preload
 * constructor) or calls oomsentry_dump(); never in its signal handler, which
 * only writes a byte to a pipe (sighandler.c). On glibc the lock is held for
 * a moment; an app thread that forks in that moment leaves the child with
 * it held, as any thread of the app calling localtime_r would. */
int utc_format(char *buf, size_t size, int64_t secs, long millis, enum utc_style style)
{
	time_t t = (time_t)secs;
	struct tm tm;
	if ((int64_t)t != secs || !gmtime_r(&t, &tm)) {
		if (size)
			buf[0] = '\0';
		return -1;
	}
	long long year = tm.tm_year + 1900LL;
	if (style == UTC_HTTP) {
		/* strftime's %a and %b follow LC_TIME, and only the "C" locale
		 * spells what HTTP wants. Plain strftime is right: UTC_HTTP is
		 * only used by the sidecar (http_req.c), which never calls
		 * setlocale(3), so LC_TIME stays "C". liboomsentry, loaded into
		 * apps that may call setlocale, only uses the numeric styles,
		 * which snprintf writes the same in every locale. Big enough
		 * for any int year, so strftime never returns 0 here. */
		char text[64];
		if (!strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
			if (size)
				buf[0] = '\0';
			return -1;
		}
		return snprintf(buf, size, "%s", text);
	}
	/* snprintf, not strftime's %Y, for the same four-digit years on every
	 * libc: glibc writes the year 999 as "999", musl the year 10000 as
	 * "+10000". */
	return snprintf(buf, size,
			style == UTC_BASIC ? "%04lld%02d%02dT%02d%02d%02d.%03ldZ"
					   : "%04lld-%02d-%02dT%02d:%02d:%02d.%03ldZ",
			year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}
