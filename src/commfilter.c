#include "commfilter.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

/* A control character in a pattern is a quoting mistake, and --print-config
 * could not write it back as one INI line. */
static bool has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

int commfilter_parse(const char *list, char *out, const char **why)
{
	char buf[COMMFILTER_MAX];
	size_t n = 0;
	if (strlen(list) >= sizeof buf) {
		*why = "list too long";
		return -ERANGE;
	}
	const char *p = list;
	while (*p) {
		p += strspn(p, " \t");
		const char *start = p;
		p += strcspn(p, ",");
		const char *end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == start) {
			*why = "empty name in list";
			return -EINVAL;
		}
		if (has_control(start, (size_t)(end - start))) {
			*why = "control character in a name";
			return -EINVAL;
		}
		if (n)
			buf[n++] = ',';
		memcpy(buf + n, start, (size_t)(end - start));
		n += (size_t)(end - start);
		if (*p == ',' && !*++p) {
			*why = "empty name in list";
			return -EINVAL;
		}
	}
	buf[n] = '\0';
	memcpy(out, buf, n + 1);
	return 0;
}

bool commfilter_matches(const char *list, const char *comm)
{
	char item[COMMFILTER_MAX];
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		/* A longer item is no pattern commfilter_parse stored. */
		if (n < sizeof item) {
			memcpy(item, p, n);
			item[n] = '\0';
			if (fnmatch(item, comm, 0) == 0)
				return true;
		}
		p += n;
		p += *p == ',';
	}
	return false;
}

bool commfilter_selected(const char *include, const char *exclude, const char *comm)
{
	if (include[0] && !commfilter_matches(include, comm))
		return false;
	return !(exclude[0] && commfilter_matches(exclude, comm));
}
