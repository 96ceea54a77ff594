#include "shipq.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

enum shipq_verdict shipq_classify(const char *rel, const char *events_name)
{
	size_t n = strlen(rel);
	if (n == 0 || rel[0] == '/')
		return SHIPQ_REFUSED;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)rel[i] < 0x20 || rel[i] == 0x7f)
			return SHIPQ_REFUSED;
	/* Each component: hidden means not ours to ship yet (or ever). */
	const char *c = rel;
	for (;;) {
		const char *slash = strchr(c, '/');
		size_t len = slash ? (size_t)(slash - c) : strlen(c);
		if (len == 0 || (len == 2 && c[0] == '.' && c[1] == '.'))
			return SHIPQ_REFUSED;
		if (c[0] == '.')
			return SHIPQ_TEMPORARY;
		if (!slash)
			break;
		c = slash + 1;
	}
	if (ends_with(rel, n, ".tmp"))
		return SHIPQ_TEMPORARY;
	if (events_name && events_name[0]) {
		size_t e = strlen(events_name);
		if (strcmp(rel, events_name) == 0 ||
		    (n == e + 2 && memcmp(rel, events_name, e) == 0 && strcmp(rel + e, ".1") == 0))
			return SHIPQ_EVENTS;
	}
	return SHIPQ_SHIP;
}

int shipq_object_file(char *out, size_t size, const char *rel, bool compressed)
{
	int n = snprintf(out, size, "%s%s", rel, compressed ? ".gz" : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

uint64_t shipq_backoff_us(unsigned failures, uint64_t max_us)
{
	if (failures == 0)
		return 0;
	uint64_t us = 1000000;
	for (unsigned i = 1; i < failures && us < max_us; i++)
		us *= 2;
	return us < max_us ? us : max_us;
}
