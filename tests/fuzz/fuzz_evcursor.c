/* Fuzzes what the shipper reads back from disk: its state line (left by a
 * crash, edited by hand, or another version's) and the events file's bytes.
 * Beyond "no crash": a state that parses formats back to the same bytes, a
 * refused one leaves no state; the lines split out of the bytes are the same
 * whatever the size of the reads, never longer than the bound, never hold a
 * '\n', and with the skipped ones account for every byte up to the last
 * '\n'; a plan never points past a file's end or at a file that is not
 * there. */
#include <errno.h>

#include "evcursor.h"
#include "fuzz.h"

static void check_state(const uint8_t *data, size_t size)
{
	char *buf = fuzz_outbuf(size);
	memcpy(buf, data, size);
	struct evcursor c;
	memset(&c, 0xa5, sizeof c);
	const char *why = NULL;
	int e = evcursor_parse(buf, size, &c, &why);
	FUZZ_CHECK(e == 0 || e == -EINVAL, "result %d", e);
	FUZZ_CHECK(fuzz_terminated(c.boot, sizeof c.boot), "boot not terminated");
	if (e) {
		FUZZ_CHECK(why && *why, "no reason");
		FUZZ_CHECK(c.ino == 0 && c.dev == 0 && c.offset == 0 && !c.boot[0], "state kept");
	} else {
		char out[EVCURSOR_STATE_MAX];
		int n = evcursor_format(&c, out, sizeof out);
		FUZZ_CHECK(n > 0 && (size_t)n == size && memcmp(out, data, size) == 0,
			   "does not format back to itself");
	}
	free(buf);
}

/* Splits data in reads of chunk bytes; writes "line\n" or "#" per line into
 * out (when not NULL). Returns the end of the last line passed. */
static uint64_t split(const uint8_t *data, size_t size, size_t chunk, char *out, size_t *outlen,
		      uint64_t *too_long)
{
	struct evsplit s = {0};
	uint64_t at = 0, passed = 0;
	char *buf = fuzz_outbuf(chunk);
	*outlen = 0;
	while (at < size) {
		size_t n = size - at < chunk ? size - at : chunk;
		memcpy(buf, data + at, n);
		size_t pos = 0;
		const char *line;
		size_t len;
		enum evsplit_result r;
		while ((r = evsplit_next(&s, buf, n, &pos, &line, &len)) != EVSPLIT_MORE) {
			FUZZ_CHECK(pos <= n && at + pos > passed, "no progress");
			FUZZ_CHECK(data[at + pos - 1] == '\n', "line end is not a newline");
			if (r == EVSPLIT_LINE) {
				FUZZ_CHECK(len <= EVCURSOR_LINE_MAX, "line of %zu bytes", len);
				FUZZ_CHECK(!memchr(line, '\n', len), "newline inside a line");
				FUZZ_CHECK(line + len + 1 == buf + pos, "line not just before pos");
				memcpy(out + *outlen, line, len);
				out[*outlen + len] = '\n';
				*outlen += len + 1;
			} else {
				FUZZ_CHECK(at + pos - passed > EVCURSOR_LINE_MAX + 1,
					   "skipped a line within the bound");
				out[(*outlen)++] = '#';
			}
			passed = at + pos;
		}
		FUZZ_CHECK(pos <= n, "pos past the buffer");
		if (pos == 0 && !s.skipping)
			break; /* the rest is one unfinished line */
		at += pos;
	}
	free(buf);
	*too_long = s.too_long;
	return passed;
}

static void check_split(const uint8_t *data, size_t size, size_t chunk)
{
	char *a = malloc(size + 1), *b = malloc(size + 1);
	size_t alen, blen;
	uint64_t ta, tb;
	uint64_t ea = split(data, size, EVCURSOR_LINE_MAX + 1, a, &alen, &ta);
	uint64_t eb = split(data, size, chunk, b, &blen, &tb);
	FUZZ_CHECK(ea == eb && alen == blen && ta == tb && memcmp(a, b, alen) == 0,
		   "reads of %zu bytes split differently", chunk);
	/* Everything up to the last newline was passed. */
	const uint8_t *last = NULL;
	for (size_t i = size; i > 0; i--)
		if (data[i - 1] == '\n') {
			last = data + i;
			break;
		}
	FUZZ_CHECK(ea == (last ? (uint64_t)(last - data) : 0), "passed %llu bytes",
		   (unsigned long long)ea);
	free(a);
	free(b);
}

static uint64_t take(const uint8_t **p, size_t *left)
{
	uint64_t v = 0;
	for (int i = 0; i < 2 && *left; i++, (*p)++, (*left)--)
		v = v << 8 | **p;
	return v % 8; /* few values, so that they often coincide */
}

static void check_plan(const uint8_t *data, size_t size)
{
	struct evcursor c;
	struct evfile cur, rot;
	evcursor_init(&c);
	c.dev = take(&data, &size) % 2;
	c.ino = take(&data, &size);
	c.offset = take(&data, &size);
	cur = (struct evfile){.exists = take(&data, &size) % 4 != 0, .dev = take(&data, &size) % 2,
			      .ino = take(&data, &size), .size = take(&data, &size)};
	rot = (struct evfile){.exists = take(&data, &size) % 4 != 0, .dev = take(&data, &size) % 2,
			      .ino = take(&data, &size), .size = take(&data, &size)};
	if (c.ino == 0)
		c.dev = c.offset = 0;
	struct evcursor_plan p;
	evcursor_plan(&c, &cur, &rot, &p);
	const struct evfile *f = p.source == EVCURSOR_CURRENT ? &cur
				 : p.source == EVCURSOR_ROTATED ? &rot : NULL;
	if (f) {
		FUZZ_CHECK(f->exists && f->dev == p.dev && f->ino == p.ino, "planned a missing file");
		FUZZ_CHECK(p.offset <= f->size, "offset past the end");
		FUZZ_CHECK(p.new_file == (p.dev != c.dev || p.ino != c.ino || c.ino == 0),
			   "new_file wrong");
	}
	bool in_cur = cur.exists && cur.dev == c.dev && cur.ino == c.ino;
	bool in_rot = rot.exists && rot.dev == c.dev && rot.ino == c.ino;
	FUZZ_CHECK(p.lost == (c.ino != 0 && !in_cur && !in_rot && (cur.exists || rot.exists)),
		   "lost wrong");
	FUZZ_CHECK(!p.lost || p.offset == 0, "lost but not from 0");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_state(data, size);
	check_plan(data, size);
	if (size > 0)
		check_split(data + 1, size - 1, EVCURSOR_LINE_MAX + 1 + data[0] * 97u);
	return 0;
}
