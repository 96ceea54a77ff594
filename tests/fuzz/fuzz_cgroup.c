/* Fuzzes the parsers of a memory cgroup's files: single values
 * (memory.max, memory.current, memory.limit_in_bytes, memory.usage_in_bytes)
 * and "key value" lines (memory.stat, memory.events, memory.oom_control).
 *
 * Besides not crashing, each result is compared with what a second, plainer
 * reading of the same text says. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>

#include "cgroup.h"
#include "fuzz.h"

/* The keys oomsentry looks up, and "oom", a prefix of "oom_kill" and
 * "oom_group_kill" in memory.events. */
static const char *const keys[] = {
	"inactive_file", "total_inactive_file", "hierarchical_memory_limit",
	"oom_kill", "under_oom", "oom",
};

/* The digits at p (leading zeros dropped) are the decimal form of v. */
static bool digits_are(const char *p, size_t n, uint64_t v)
{
	char want[32];
	snprintf(want, sizeof want, "%" PRIu64, v);
	while (n > 1 && *p == '0') {
		p++;
		n--;
	}
	return strlen(want) == n && memcmp(want, p, n) == 0;
}

static void check_u64(const char *buf)
{
	uint64_t v = 42;
	bool unlimited = false;
	int r = cg_parse_u64(buf, &v, &unlimited);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE, "cg_parse_u64: %d", r);
	if (r)
		return;
	if (strncmp(buf, "max", 3) == 0) {
		FUZZ_CHECK(unlimited && v == UINT64_MAX, "\"max\" read as %" PRIu64, v);
		FUZZ_CHECK(strcmp(buf + 3, "") == 0 || strcmp(buf + 3, "\n") == 0, "after max");
		return;
	}
	size_t n = strspn(buf, "0123456789");
	FUZZ_CHECK(n > 0 && (strcmp(buf + n, "") == 0 || strcmp(buf + n, "\n") == 0),
		   "accepted \"%s\"", buf);
	FUZZ_CHECK(digits_are(buf, n, v), "\"%s\" read as %" PRIu64, buf, v);
	FUZZ_CHECK(unlimited == (v >= CG_V1_UNLIMITED_MIN), "unlimited %d for %" PRIu64,
		   unlimited, v);

	char again[32];
	snprintf(again, sizeof again, "%" PRIu64 "\n", v);
	uint64_t w = 0;
	bool unl2 = !unlimited;
	FUZZ_CHECK(cg_parse_u64(again, &w, &unl2) == 0 && w == v && unl2 == unlimited,
		   "%" PRIu64 " does not read back", v);
}

/* cg_parse_key as the comment in cgroup.h describes it: the first line that
 * starts with "key " decides. */
static int reference_key(const char *buf, const char *key, uint64_t *value, const char **at)
{
	size_t klen = strlen(key);
	for (const char *line = buf; *line;) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			const char *p = line + klen + 1;
			size_t n = strspn(p, "0123456789");
			if (!n)
				return -EINVAL;
			/* 20 digits hold at most UINT64_MAX; more, leading zeros
			 * aside, overflow. */
			const char *q = p;
			while (q < p + n - 1 && *q == '0')
				q++;
			size_t sig = n - (size_t)(q - p);
			if (sig > 20 || (sig == 20 && strncmp(q, "18446744073709551615", 20) > 0))
				return -ERANGE;
			if (p[n] != '\n' && p[n] != '\0')
				return -EINVAL;
			*at = p;
			*value = n;
			return 0;
		}
		const char *nl = strchr(line, '\n');
		if (!nl)
			break;
		line = nl + 1;
	}
	return -ENOENT;
}

static void check_keys(const char *buf)
{
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		uint64_t v = 42, ndigits = 0;
		const char *at = NULL;
		int r = cg_parse_key(buf, keys[i], &v);
		int want = reference_key(buf, keys[i], &ndigits, &at);
		FUZZ_CHECK(r == want, "key %s: %d, reference %d", keys[i], r, want);
		if (r == 0)
			FUZZ_CHECK(digits_are(at, (size_t)ndigits, v), "key %s read as %" PRIu64,
				   keys[i], v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_cstr(data, size);
	check_u64(buf);
	check_keys(buf);
	free(buf);
	return 0;
}
