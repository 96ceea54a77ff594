/* utc: a UTC time as ISO 8601 text, to the millisecond, for logs, dump names
 * and dump summaries.
 *
 *   UTC_EXTENDED  "2026-11-25T07:37:04.933Z"  log lines, summaries
 *   UTC_BASIC     "20261125T073704.933Z"      file names: no colons (S3 keys,
 *                                             Windows shares), sorts as text
 *   UTC_HTTP      "Wed, 25 Nov 2026 07:37:04 GMT"  HTTP's Date header
 *
 * Depends on libc only: it is also compiled into liboomsentry.
 */
#ifndef OOMSENTRY_UTC_H
#define OOMSENTRY_UTC_H

#include <stddef.h>
#include <stdint.h>

enum utc_style {
	UTC_EXTENDED,
	UTC_BASIC,
	UTC_HTTP, /* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110's IMF-fixdate; no millis) */
};

/* Enough for either style of any year up to 9999. */
#define UTC_TEXT_MAX 32

/* Formats secs and millis (0..999) like snprintf: returns the length the
 * text needs, written truncated when size is too small. */
int utc_format(char *buf, size_t size, int64_t secs, long millis, enum utc_style style);

#endif
