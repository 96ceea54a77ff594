/* evcursor: the reading position across rotation and restarts, the line
 * splitter, and the saved state's format. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evcursor.h"

static const struct evfile NONE = {0};

static struct evfile file(uint64_t ino, uint64_t size)
{
	return (struct evfile){.exists = true, .dev = 2049, .ino = ino, .size = size};
}

static struct evcursor at(uint64_t ino, uint64_t offset)
{
	struct evcursor c;
	evcursor_init(&c);
	c.dev = 2049;
	c.ino = ino;
	c.offset = offset;
	return c;
}

START_TEST(plan_fresh)
{
	struct evcursor c;
	struct evcursor_plan p;
	evcursor_init(&c);
	struct evfile cur = file(10, 500), rot = file(9, 1000);
	/* The oldest first: the rotated file, then the current one. */
	evcursor_plan(&c, &cur, &rot, &p);
	ck_assert_int_eq(p.source, EVCURSOR_ROTATED);
	ck_assert_uint_eq(p.ino, 9);
	ck_assert_uint_eq(p.offset, 0);
	ck_assert(p.new_file && !p.lost && !p.shrunk);
	evcursor_plan(&c, &cur, &NONE, &p);
	ck_assert_int_eq(p.source, EVCURSOR_CURRENT);
	ck_assert_uint_eq(p.ino, 10);
	evcursor_plan(&c, &NONE, &NONE, &p);
	ck_assert_int_eq(p.source, EVCURSOR_NONE);
	ck_assert(!p.lost);
}
END_TEST

START_TEST(plan_same_file)
{
	struct evcursor c = at(10, 300);
	struct evcursor_plan p;
	struct evfile cur = file(10, 500), rot = file(9, 1000);
	evcursor_plan(&c, &cur, &rot, &p);
	ck_assert_int_eq(p.source, EVCURSOR_CURRENT);
	ck_assert_uint_eq(p.offset, 300);
	ck_assert(!p.new_file && !p.lost && !p.shrunk);
	/* At its end: still the same file, nothing to read. */
	cur.size = 300;
	evcursor_plan(&c, &cur, &rot, &p);
	ck_assert_int_eq(p.source, EVCURSOR_CURRENT);
	ck_assert_uint_eq(p.offset, 300);
	/* Shorter than the offset: truncated or recreated, read from 0. */
	cur.size = 299;
	evcursor_plan(&c, &cur, &rot, &p);
	ck_assert_int_eq(p.source, EVCURSOR_CURRENT);
	ck_assert_uint_eq(p.offset, 0);
	ck_assert(p.shrunk && !p.lost);
	/* Another device, same inode number: another file. */
	cur = file(10, 500);
	cur.dev = 7;
	evcursor_plan(&c, &cur, &rot, &p);
	ck_assert(p.lost);
	ck_assert_int_eq(p.source, EVCURSOR_ROTATED);
}
END_TEST

START_TEST(plan_rotation)
{
	/* Reading inode 10 at 300 when it was renamed to .1 (at 800 bytes)
	 * and a new events.jsonl (11) began: finish 10 first. */
	struct evcursor c = at(10, 300);
	struct evcursor_plan p;
	struct evfile cur = file(11, 50), rot = file(10, 800);
	evcursor_plan(&c, &cur, &rot, &p);
	ck_assert_int_eq(p.source, EVCURSOR_ROTATED);
	ck_assert_uint_eq(p.ino, 10);
	ck_assert_uint_eq(p.offset, 300);
	ck_assert(!p.new_file && !p.lost);
	/* Finished: the new one from 0. */
	c.offset = 800;
	evcursor_plan(&c, &cur, &rot, &p);
	ck_assert_int_eq(p.source, EVCURSOR_CURRENT);
	ck_assert_uint_eq(p.ino, 11);
	ck_assert_uint_eq(p.offset, 0);
	ck_assert(p.new_file && !p.lost);
	evcursor_adopt(&c, &p);
	ck_assert_uint_eq(c.ino, 11);
	ck_assert_uint_eq(c.offset, 0);
	/* Finished, but the new one is not there yet: stay. */
	c = at(10, 800);
	evcursor_plan(&c, &NONE, &rot, &p);
	ck_assert_int_eq(p.source, EVCURSOR_ROTATED);
	ck_assert_uint_eq(p.offset, 800);
	/* The rotated one shrank under us (someone truncated it). */
	c = at(10, 900);
	evcursor_plan(&c, &cur, &rot, &p);
	ck_assert_int_eq(p.source, EVCURSOR_ROTATED);
	ck_assert_uint_eq(p.offset, 0);
	ck_assert(p.shrunk);
}
END_TEST

START_TEST(plan_lost)
{
	/* Both rotated past inode 10: 10 is gone, 11 is .1, 12 is current. */
	struct evcursor c = at(10, 300);
	struct evcursor_plan p;
	struct evfile cur = file(12, 50), rot = file(11, 800);
	evcursor_plan(&c, &cur, &rot, &p);
	ck_assert(p.lost);
	ck_assert_int_eq(p.source, EVCURSOR_ROTATED);
	ck_assert_uint_eq(p.ino, 11);
	ck_assert_uint_eq(p.offset, 0);
	ck_assert(p.new_file);
	/* Only a current file that is not ours. */
	evcursor_plan(&c, &cur, &NONE, &p);
	ck_assert(p.lost);
	ck_assert_int_eq(p.source, EVCURSOR_CURRENT);
	ck_assert_uint_eq(p.ino, 12);
	/* Nothing at all: nothing to read, nothing concluded, position kept. */
	evcursor_plan(&c, &NONE, &NONE, &p);
	ck_assert(!p.lost);
	ck_assert_int_eq(p.source, EVCURSOR_NONE);
	evcursor_adopt(&c, &p);
	ck_assert_uint_eq(c.ino, 10);
	ck_assert_uint_eq(c.offset, 300);
}
END_TEST

START_TEST(seen)
{
	struct evcursor c;
	evcursor_init(&c);
	ck_assert(!evcursor_seen(&c, "1-1", 1));
	evcursor_pass(&c, 100, "1764717000123-7", 12);
	ck_assert_uint_eq(c.offset, 100);
	ck_assert(evcursor_seen(&c, "1764717000123-7", 12));
	ck_assert(evcursor_seen(&c, "1764717000123-7", 1));
	ck_assert(!evcursor_seen(&c, "1764717000123-7", 13));
	ck_assert(!evcursor_seen(&c, "1764717000124-7", 1));
	ck_assert(!evcursor_seen(&c, NULL, 1));
	/* A line without an id keeps the last one. */
	evcursor_pass(&c, 150, NULL, 0);
	ck_assert_uint_eq(c.offset, 150);
	ck_assert_str_eq(c.boot, "1764717000123-7");
	evcursor_pass(&c, 160, "bad boot", 99);
	ck_assert_uint_eq(c.seq, 12);
	ck_assert(evcursor_boot_valid("a.b_c:d-e"));
	ck_assert(!evcursor_boot_valid(""));
	ck_assert(!evcursor_boot_valid("-"));
	ck_assert(!evcursor_boot_valid("a b"));
	char longb[EVCURSOR_BOOT_MAX + 1];
	memset(longb, 'a', sizeof longb - 1);
	longb[EVCURSOR_BOOT_MAX] = '\0';
	ck_assert(!evcursor_boot_valid(longb));
	longb[EVCURSOR_BOOT_MAX - 1] = '\0';
	ck_assert(evcursor_boot_valid(longb));
}
END_TEST

static int parse(const char *s, struct evcursor *c)
{
	/* An exact-size heap copy without a terminator: reads past len show. */
	size_t n = strlen(s);
	char *b = malloc(n ? n : 1);
	memcpy(b, s, n);
	const char *why = NULL;
	int e = evcursor_parse(b, n, c, &why);
	ck_assert(e == 0 ? why == NULL : why != NULL);
	free(b);
	return e;
}

START_TEST(state_round_trip)
{
	char buf[EVCURSOR_STATE_MAX];
	struct evcursor c, back;
	evcursor_init(&c);
	ck_assert_int_eq(evcursor_format(&c, buf, sizeof buf), 13);
	ck_assert_str_eq(buf, "v1 0 0 0 - -\n");
	ck_assert_int_eq(parse(buf, &back), 0);
	ck_assert_uint_eq(back.ino, 0);
	ck_assert_str_eq(back.boot, "");

	c = at(123456789, 4242);
	evcursor_pass(&c, 4242, "1764717000123-1", 12);
	evcursor_format(&c, buf, sizeof buf);
	ck_assert_str_eq(buf, "v1 2049 123456789 4242 1764717000123-1 12\n");
	ck_assert_int_eq(parse(buf, &back), 0);
	ck_assert_mem_eq(&back, &c, sizeof c);

	/* The largest values fit the bound. */
	c.dev = c.ino = c.offset = c.seq = UINT64_MAX;
	memset(c.boot, 'b', EVCURSOR_BOOT_MAX - 1);
	c.boot[EVCURSOR_BOOT_MAX - 1] = '\0';
	int n = evcursor_format(&c, buf, sizeof buf);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(parse(buf, &back), 0);
	ck_assert_mem_eq(&back, &c, sizeof c);
	ck_assert_int_eq(evcursor_format(&c, buf, (size_t)n), -ENOSPC);
}
END_TEST

START_TEST(state_strict)
{
	static const char *const bad[] = {
		"",
		"\n",
		"v1 1 2 3 - -",            /* no newline */
		"v1 1 2 3 - -\n\n",        /* two lines */
		"v2 1 2 3 - -\n",
		"V1 1 2 3 - -\n",
		"v1  1 2 3 - -\n",         /* double space */
		"v1 1 2 3 - - \n",         /* trailing space */
		"v1 1 2 3 -\n",
		"v1 1 2 - -\n",
		"v1 01 2 3 - -\n",         /* leading zero */
		"v1 +1 2 3 - -\n",
		"v1 -1 2 3 - -\n",
		"v1 1 2 18446744073709551616 - -\n", /* overflow */
		"v1 1 2 3 - 5\n",          /* a seq without a boot */
		"v1 1 2 3 b -\n",          /* a boot without a seq */
		"v1 1 2 3 b\t 5\n",
		"v1 1 2 3 b/c 5\n",
		"v1 1 2 3 b 5 6\n",
		"v1 1 2 3 b 0x5\n",
		"v1 0 0 5 - -\n",          /* an offset without a file */
		"v1 7 0 0 - -\n",
		"v1 1 2 3 - -\r\n",
		"v1 1 2\0 3 - -\n",
		"garbage\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct evcursor c;
		memset(&c, 0x5a, sizeof c);
		ck_assert_msg(parse(bad[i], &c) == -EINVAL, "accepted: %s", bad[i]);
		/* Refused means no state: from the beginning. */
		ck_assert_uint_eq(c.ino, 0);
		ck_assert_uint_eq(c.offset, 0);
		ck_assert_str_eq(c.boot, "");
	}
	struct evcursor c;
	ck_assert_int_eq(parse("v1 0 1 0 - -\n", &c), 0);
	ck_assert_int_eq(parse("v1 18446744073709551615 1 0 x 0\n", &c), 0);
	ck_assert_uint_eq(c.dev, UINT64_MAX);
	/* A NUL inside is not the end of the line. */
	const char nul[] = "v1 1 2 3 - -\n";
	char copy[sizeof nul];
	memcpy(copy, nul, sizeof nul);
	copy[4] = '\0';
	const char *why;
	ck_assert_int_eq(evcursor_parse(copy, sizeof nul - 1, &c, &why), -EINVAL);
	const char nulboot[] = "v1 1 2 3 ab\0cd 5\n";
	ck_assert_int_eq(evcursor_parse(nulboot, sizeof nulboot - 1, &c, &why), -EINVAL);
	ck_assert_str_eq(why, "bad boot");
}
END_TEST

/* All lines of buf, split in reads of `chunk` bytes as a reader would, as
 * "line|line|" with "#" for a skipped one. Returns the end offset of the
 * last line passed. */
static uint64_t split_all(const char *data, size_t size, size_t chunk, char *out, size_t outsz,
			  uint64_t *too_long)
{
	struct evsplit s = {0};
	uint64_t at = 0, saved = 0;
	out[0] = '\0';
	char *buf = malloc(chunk);
	while (at < size) {
		size_t n = size - at < chunk ? size - at : chunk;
		memcpy(buf, data + at, n);
		size_t pos = 0;
		const char *line;
		size_t len;
		enum evsplit_result r;
		while ((r = evsplit_next(&s, buf, n, &pos, &line, &len)) != EVSPLIT_MORE) {
			if (r == EVSPLIT_LINE) {
				ck_assert_uint_le(len, EVCURSOR_LINE_MAX);
				ck_assert(memchr(line, '\n', len) == NULL);
				strncat(out, line, len);
				strcat(out, "|");
			} else {
				strcat(out, "#|");
			}
			saved = at + pos;
			ck_assert_int_eq(data[saved - 1], '\n');
		}
		if (pos == 0 && !s.skipping && n < chunk)
			break; /* a partial last line */
		if (pos == 0 && !s.skipping)
			ck_abort_msg("no progress with a buffer of %zu", chunk);
		at += pos;
	}
	(void)outsz;
	free(buf);
	*too_long = s.too_long;
	return saved;
}

START_TEST(split_lines)
{
	char out[256];
	uint64_t tl;
	const char *d = "{\"a\":1}\n\n{\"b\":2}\n{\"c\":";
	uint64_t end = split_all(d, strlen(d), EVCURSOR_LINE_MAX + 1, out, sizeof out, &tl);
	ck_assert_str_eq(out, "{\"a\":1}||{\"b\":2}|");
	ck_assert_uint_eq(end, 17); /* the partial last line is not given */
	ck_assert_uint_eq(tl, 0);

	struct evsplit s = {0};
	size_t pos = 0;
	const char *line;
	size_t len;
	ck_assert_int_eq(evsplit_next(&s, "", 0, &pos, &line, &len), EVSPLIT_MORE);
	ck_assert_int_eq(evsplit_next(&s, "abc", 3, &pos, &line, &len), EVSPLIT_MORE);
	ck_assert_uint_eq(pos, 0);
}
END_TEST

START_TEST(split_long)
{
	/* Lines: ok, exactly the bound, one over, far over, ok. */
	size_t big = 3 * EVCURSOR_LINE_MAX + 5;
	size_t size = 3 + EVCURSOR_LINE_MAX + 1 + EVCURSOR_LINE_MAX + 2 + big + 1 + 3;
	char *d = malloc(size), *p = d;
	memcpy(p, "ok\n", 3), p += 3;
	memset(p, 'x', EVCURSOR_LINE_MAX), p += EVCURSOR_LINE_MAX, *p++ = '\n';
	memset(p, 'y', EVCURSOR_LINE_MAX + 1), p += EVCURSOR_LINE_MAX + 1, *p++ = '\n';
	memset(p, 'z', big), p += big, *p++ = '\n';
	memcpy(p, "ok\n", 3), p += 3;
	ck_assert_uint_eq((size_t)(p - d), size);
	char *out = malloc(EVCURSOR_LINE_MAX + 64);
	static const size_t chunks[] = {EVCURSOR_LINE_MAX + 1, EVCURSOR_LINE_MAX + 7,
					4 * EVCURSOR_LINE_MAX, 1 << 20};
	for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
		uint64_t tl;
		uint64_t end = split_all(d, size, chunks[i], out, EVCURSOR_LINE_MAX + 64, &tl);
		ck_assert_uint_eq(end, size);
		ck_assert_uint_eq(tl, 2);
		ck_assert_uint_eq(strlen(out), 3 + EVCURSOR_LINE_MAX + 1 + 2 + 2 + 3);
		ck_assert(strncmp(out, "ok|x", 4) == 0);
		ck_assert_str_eq(out + strlen(out) - 8, "|#|#|ok|");
	}
	free(out);
	free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("evcursor");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, plan_fresh);
	tcase_add_test(tc, plan_same_file);
	tcase_add_test(tc, plan_rotation);
	tcase_add_test(tc, plan_lost);
	tcase_add_test(tc, seen);
	tcase_add_test(tc, state_round_trip);
	tcase_add_test(tc, state_strict);
	tcase_add_test(tc, split_lines);
	tcase_add_test(tc, split_long);
	suite_add_tcase(s, tc);
	return check_run(s);
}
