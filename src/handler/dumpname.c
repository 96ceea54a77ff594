#include "dumpname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "utc.h"

const char *dumpname_level(enum oomsentry_level level)
{
	switch (level) {
	case OOMSENTRY_LEVEL_WARNING:
		return "warning";
	case OOMSENTRY_LEVEL_CRITICAL:
		return "critical";
	case OOMSENTRY_LEVEL_THRESHOLD:
		return "threshold";
	case OOMSENTRY_LEVEL_MANUAL:
		return "manual";
	}
	return "unknown";
}

static bool is_level(const char *s, size_t n)
{
	static const char *const levels[] = {"warning", "critical", "threshold", "manual"};
	for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
		if (strlen(levels[i]) == n && memcmp(levels[i], s, n) == 0)
			return true;
	return false;
}

void dumpname_sanitize_host(const char *host, char *out, size_t size)
{
	size_t n = 0;
	if (size == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)(host ? host : ""); *p && n + 1 < size;
	     p++) {
		unsigned char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '-';
		/* A leading '.' would hide the file from shippers. */
		if (n == 0 && c == '.')
			ok = false;
		out[n++] = ok ? (char)c : '_';
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "unknown");
}

int dumpname_base(char *out, size_t size, const char *host, pid_t pid,
		  const struct timespec *utc, enum oomsentry_level level)
{
	char safe[DUMPNAME_HOST_MAX], stamp[UTC_TEXT_MAX];
	dumpname_sanitize_host(host, safe, sizeof safe);
	utc_format(stamp, sizeof stamp, (int64_t)utc->tv_sec, utc->tv_nsec / 1000000, UTC_BASIC);
	int n = snprintf(out, size, "%s-%ld-%s-%s", safe, (long)pid, stamp, dumpname_level(level));
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int dumpname_temp(char *out, size_t size, const char *final_name, const char suffix[6])
{
	int n = snprintf(out, size, ".%s.%.6s", final_name, suffix);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* "YYYYMMDDTHHMMSS.mmmZ" */
static bool is_time(const char *t)
{
	return is_digits(t, 8) && t[8] == 'T' && is_digits(t + 9, 6) && t[15] == '.' &&
	       is_digits(t + 16, 3) && t[19] == 'Z';
}

/* Parses "<host>-<pid>-<time>-<level>" of exactly n bytes. */
static bool parse_base(const char *s, size_t n, struct dumpname_info *info)
{
	const char *end = s + n;
	const char *dash = NULL;
	for (const char *p = end; p > s; p--)
		if (p[-1] == '-') {
			dash = p - 1;
			break;
		}
	if (!dash || !is_level(dash + 1, (size_t)(end - dash - 1)))
		return false;
	/* time */
	if (dash - s < DUMPNAME_TIME_LEN + 1)
		return false;
	const char *t = dash - DUMPNAME_TIME_LEN;
	if (!is_time(t) || t[-1] != '-')
		return false;
	/* pid, then a non-empty host */
	const char *pid_end = t - 1, *pid = pid_end;
	while (pid > s && pid[-1] >= '0' && pid[-1] <= '9')
		pid--;
	if (pid == pid_end || pid - s < 2 || pid[-1] != '-')
		return false;
	memcpy(info->time, t, DUMPNAME_TIME_LEN);
	info->time[DUMPNAME_TIME_LEN] = '\0';
	info->base_len = n;
	return true;
}

static bool ends_with(const char *s, size_t n, const char *suffix, size_t *stem)
{
	size_t k = strlen(suffix);
	if (n <= k || memcmp(s + n - k, suffix, k) != 0)
		return false;
	*stem = n - k;
	return true;
}

bool dumpname_parse(const char *name, struct dumpname_info *info)
{
	size_t n = strlen(name), stem;
	if (name[0] == '.') {
		/* ".<base>.<ext>.<6 chars>" */
		if (n < 8 || name[n - 7] != '.')
			return false;
		size_t inner = n - 1 - 7;
		if (ends_with(name + 1, inner, ".txt", &stem) ||
		    ends_with(name + 1, inner, ".heap", &stem)) {
			if (!parse_base(name + 1, stem, info))
				return false;
			info->kind = DUMPNAME_TEMP;
			return true;
		}
		return false;
	}
	if (ends_with(name, n, ".txt", &stem)) {
		info->kind = DUMPNAME_SUMMARY;
		return parse_base(name, stem, info);
	}
	if (ends_with(name, n, ".heap", &stem)) {
		info->kind = DUMPNAME_HEAP;
		return parse_base(name, stem, info);
	}
	return false;
}
