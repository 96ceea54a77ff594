/* utc: a UTC time as ISO 8601 text, to the millisecond, for logs, dump names
 * and dump summaries.
 *
 *   UTC_EXTENDED  "2026-11-25T07:37:04.933Z"  log lines, summaries
 *   UTC_BASIC     "20261125T073704.933Z"      file names: no colons (S3 keys,
 *                                             Windows shares), sorts as text
 *   UTC_HTTP      "Wed, 25 Nov 2026 07:37:04 GMT"  HTTP's Date header
 *
 * gmtime_r does the calendar; snprintf writes the numeric styles, strftime
 * HTTP's names in the "C" locale (see utc.c). Depends on libc only: it is
 * also compiled into liboomsentry. Not async-signal-safe (gmtime_r).
 */
#ifndef OOMSENTRY_UTC_H
#define OOMSENTRY_UTC_H

#include <stddef.h>
#include <stdint.h>

enum utc_style {
	UTC_EXTENDED,
	UTC_BASIC,
	/* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110's IMF-fixdate; no millis).
	 * Four-digit years from 1000 to 9999; others as the libc's strftime
	 * writes them (the year 1: glibc "1", musl "0001"). */
	UTC_HTTP,
};

/* Enough for any style of any year up to 9999. */
#define UTC_TEXT_MAX 32

/* Formats secs (seconds since the epoch, negative before 1970) and millis
 * (0..999) like snprintf: returns the length the text needs, written
 * truncated and NUL-terminated when size is too small (nothing is written
 * when size is 0). The numeric styles write years before 1000 with leading
 * zeros and years past 9999 with more digits. Returns -1 and writes "" (size
 * permitting) when secs is past what time_t or struct tm can hold. */
int utc_format(char *buf, size_t size, int64_t secs, long millis, enum utc_style style);

#endif
