#include "artifacts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const extensions[ARTIFACT_KINDS] = {
	[ARTIFACT_HISTOGRAM] = "histogram.txt",
	[ARTIFACT_PPROF] = "heap.pb.gz",
	[ARTIFACT_HPROF] = "hprof.gz",
	[ARTIFACT_FLIGHT_CSV] = "flight.csv",
	[ARTIFACT_FLIGHT_SVG] = "flight.svg",
};

const char *artifact_extension(enum artifact_kind k)
{
	return k < ARTIFACT_KINDS ? extensions[k] : "";
}

/* A name part: file-system and URL safe, never empty, at most max chars. */
static void sanitize(const char *in, char *out, size_t max)
{
	size_t n = 0;
	for (; in && in[n] && n < max; n++) {
		char c = in[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '-';
		out[n] = ok ? c : '_';
	}
	if (!n)
		memcpy(out, "unknown", (n = 7) + 1);
	out[n] = '\0';
	/* A leading dot would make it one of our temporary names. */
	if (out[0] == '.')
		out[0] = '_';
}

int artifact_name(char *out, size_t size, const char *host, const char *comm, pid_t pid,
		  int64_t secs, long millis, const char *level, enum artifact_kind k)
{
	char h[64], c[17], t[UTC_TEXT_MAX];
	sanitize(host, h, sizeof h - 1);
	sanitize(comm, c, sizeof c - 1);
	utc_format(t, sizeof t, secs, millis, UTC_BASIC);
	int n = snprintf(out, size, "%s-%s-%d-%s-%s.%s", h, c, (int)pid, t, level,
			 artifact_extension(k));
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int artifact_temp_name(char *out, size_t size, const char *final, const char suffix[6])
{
	int n = snprintf(out, size, ".%s.%.6s", final, suffix);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool ends_with(const char *s, size_t len, const char *tail, size_t *cut)
{
	size_t n = strlen(tail);
	if (len < n || memcmp(s + len - n, tail, n) != 0)
		return false;
	*cut = len - n;
	return true;
}

/* "20261202T183000.123Z": 8 digits, T, 6 digits, '.', 3 digits, Z. */
static bool is_basic_time(const char *s, size_t len)
{
	static const char shape[] = "ddddddddTdddddd.dddZ";
	if (len != sizeof shape - 1)
		return false;
	for (size_t i = 0; i < len; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return false;
	return true;
}

/* "<host>-<comm>-<pid>-<time>-<level>" given the part before the extension. */
static bool parse_base(const char *s, size_t len, struct artifact_info *info)
{
	size_t cut;
	if (!ends_with(s, len, "-warning", &cut) && !ends_with(s, len, "-critical", &cut) &&
	    !ends_with(s, len, "-oomkill", &cut))
		return false;
	size_t tlen = sizeof "20261202T183000.123Z" - 1;
	if (cut < tlen + 1 || !is_basic_time(s + cut - tlen, tlen) || s[cut - tlen - 1] != '-')
		return false;
	/* Before the time: "-<pid>", then at least "h-c". */
	size_t end = cut - tlen - 1, i = end;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == end || i < 4 || s[i - 1] != '-')
		return false;
	memcpy(info->time, s + cut - tlen, tlen);
	info->time[tlen] = '\0';
	return true;
}

bool artifact_parse(const char *name, struct artifact_info *info)
{
	size_t len = strlen(name);
	info->temp = false;
	if (name[0] == '.') {
		/* ".<final>.<6>" */
		if (len < 8 || name[len - 7] != '.')
			return false;
		for (size_t i = len - 6; i < len; i++)
			if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
				return false;
		char final[ARTIFACT_NAME_MAX];
		size_t flen = len - 8;
		if (flen >= sizeof final)
			return false;
		memcpy(final, name + 1, flen);
		final[flen] = '\0';
		if (!artifact_parse(final, info))
			return false;
		info->temp = true;
		return true;
	}
	for (int k = 0; k < ARTIFACT_KINDS; k++) {
		char tail[32];
		size_t cut;
		snprintf(tail, sizeof tail, ".%s", extensions[k]);
		if (ends_with(name, len, tail, &cut) && parse_base(name, cut, info)) {
			info->kind = (enum artifact_kind)k;
			return true;
		}
	}
	return false;
}
