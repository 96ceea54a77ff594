#include "utc.h"

#include <stdio.h>

struct civil {
	int64_t year;
	int month, day, hour, minute, second;
	int wday; /* 0 Sunday */
};

/* Days to civil date: H. Hinnant's days_from_civil inverse, rather than
 * gmtime_r, because liboomsentry formats its time stamps on its own thread
 * inside the app: glibc's gmtime_r takes the time zone lock, which fork()
 * does not reset, so a child the app forks while that thread holds it hangs
 * in its first localtime_r. Measured with glibc 2.36: a thread calling
 * gmtime_r in a loop, 300 forks whose children call localtime_r, 111
 * children hung. The sidecar (musl or glibc) shares the code, so there is
 * one calendar. */
static void civil_from_secs(int64_t secs, struct civil *c)
{
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;
	c->wday = (int)((days % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = yoe + era * 400 + (c->month <= 2);
	c->hour = (int)(rem / 3600);
	c->minute = (int)(rem % 3600 / 60);
	c->second = (int)(rem % 60);
}

int utc_format(char *buf, size_t size, int64_t secs, long millis, enum utc_style style)
{
	struct civil c;
	civil_from_secs(secs, &c);
	if (style == UTC_HTTP) {
		/* Spelled here: strftime's %a and %b follow the locale (and
		 * would want the struct tm gmtime_r makes). */
		static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
		static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
						   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
		return snprintf(buf, size, "%s, %02d %s %04lld %02d:%02d:%02d GMT", days[c.wday],
				c.day, months[c.month - 1], (long long)c.year, c.hour, c.minute,
				c.second);
	}
	return snprintf(buf, size,
			style == UTC_BASIC ? "%04lld%02d%02dT%02d%02d%02d.%03ldZ"
					   : "%04lld-%02d-%02dT%02d:%02d:%02d.%03ldZ",
			(long long)c.year, c.month, c.day, c.hour, c.minute, c.second, millis);
}
