#include "evcursor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void evcursor_init(struct evcursor *c)
{
	memset(c, 0, sizeof *c);
}

static bool same(const struct evfile *f, uint64_t dev, uint64_t ino)
{
	return f->exists && f->dev == dev && f->ino == ino;
}

static void at(struct evcursor_plan *p, enum evcursor_source src, const struct evfile *f,
	       uint64_t offset)
{
	p->source = src;
	p->dev = f->dev;
	p->ino = f->ino;
	p->offset = offset;
}

/* The oldest file there is, from its start. */
static void oldest(struct evcursor_plan *p, const struct evfile *cur, const struct evfile *rot)
{
	p->new_file = true;
	if (rot->exists)
		at(p, EVCURSOR_ROTATED, rot, 0);
	else if (cur->exists)
		at(p, EVCURSOR_CURRENT, cur, 0);
	else
		p->source = EVCURSOR_NONE;
}

void evcursor_plan(const struct evcursor *c, const struct evfile *cur, const struct evfile *rot,
		   struct evcursor_plan *out)
{
	memset(out, 0, sizeof *out);
	if (c->ino == 0) {
		oldest(out, cur, rot);
		return;
	}
	/* The current name is looked at first: rename is atomic, so one inode
	 * under both names is a hard link someone made, and the live name is
	 * the one the writer appends to. */
	if (same(cur, c->dev, c->ino)) {
		out->shrunk = cur->size < c->offset;
		at(out, EVCURSOR_CURRENT, cur, out->shrunk ? 0 : c->offset);
		return;
	}
	if (same(rot, c->dev, c->ino)) {
		out->shrunk = rot->size < c->offset;
		uint64_t off = out->shrunk ? 0 : c->offset;
		/* Read to its end and a newer file is there: nothing more will
		 * be appended to the rotated one (the writer renamed it before
		 * starting the new one), so move on. */
		if (off == rot->size && cur->exists && !out->shrunk) {
			at(out, EVCURSOR_CURRENT, cur, 0);
			out->new_file = true;
			return;
		}
		at(out, EVCURSOR_ROTATED, rot, off);
		return;
	}
	if (!cur->exists && !rot->exists) {
		/* Both names gone (the directory was cleaned): nothing to read
		 * and nothing to conclude yet; the next file that appears is
		 * judged against the saved one then. */
		out->source = EVCURSOR_NONE;
		out->dev = c->dev;
		out->ino = c->ino;
		out->offset = c->offset;
		return;
	}
	out->lost = true;
	oldest(out, cur, rot);
}

void evcursor_adopt(struct evcursor *c, const struct evcursor_plan *p)
{
	if (p->source == EVCURSOR_NONE && !p->ino)
		return;
	c->dev = p->dev;
	c->ino = p->ino;
	c->offset = p->offset;
}

bool evcursor_boot_valid(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char ch = s[n];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == ':' ||
			  ch == '-';
		if (!ok || n + 1 >= EVCURSOR_BOOT_MAX)
			return false;
	}
	/* "-" is how the state writes "none". */
	return n > 0 && strcmp(s, "-") != 0;
}

void evcursor_pass(struct evcursor *c, uint64_t end_offset, const char *boot, uint64_t seq)
{
	c->offset = end_offset;
	/* A line without a usable id leaves the last one: lines after it with
	 * that boot are still known by their seq. */
	if (boot && evcursor_boot_valid(boot)) {
		snprintf(c->boot, sizeof c->boot, "%s", boot);
		c->seq = seq;
	}
}

bool evcursor_seen(const struct evcursor *c, const char *boot, uint64_t seq)
{
	return c->boot[0] && boot && strcmp(c->boot, boot) == 0 && seq <= c->seq;
}

int evcursor_format(const struct evcursor *c, char *buf, size_t size)
{
	int n;
	if (c->boot[0] && evcursor_boot_valid(c->boot))
		n = snprintf(buf, size, "v1 %llu %llu %llu %s %llu\n", (unsigned long long)c->dev,
			     (unsigned long long)c->ino, (unsigned long long)c->offset, c->boot,
			     (unsigned long long)c->seq);
	else
		n = snprintf(buf, size, "v1 %llu %llu %llu - -\n", (unsigned long long)c->dev,
			     (unsigned long long)c->ino, (unsigned long long)c->offset);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

/* A decimal up to the next space or the end: digits only, no leading zero
 * (but "0"), no overflow. Hand-rolled rather than strtoull because strtoull
 * accepts signs, spaces and "-1" (as a huge value), all of which a strict
 * reading must refuse. */
static bool take_u64(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	if (s == end || *s < '0' || *s > '9')
		return false;
	if (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9')
		return false;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

static bool take_char(const char **p, const char *end, char ch)
{
	if (*p == end || **p != ch)
		return false;
	(*p)++;
	return true;
}

int evcursor_parse(const char *buf, size_t len, struct evcursor *c, const char **why)
{
	evcursor_init(c);
	const char *p = buf, *end = buf + len;
	struct evcursor v;
	evcursor_init(&v);
	*why = NULL;
	if (len == 0)
		*why = "empty";
	else if (len >= EVCURSOR_STATE_MAX)
		*why = "too long";
	else if (buf[len - 1] != '\n' || memchr(buf, '\n', len - 1))
		*why = "not one line";
	else if (len < 3 || memcmp(p, "v1 ", 3) != 0)
		*why = "not version 1";
	if (*why)
		return -EINVAL;
	p += 3;
	end--; /* the '\n' */
	if (!take_u64(&p, end, &v.dev) || !take_char(&p, end, ' ') ||
	    !take_u64(&p, end, &v.ino) || !take_char(&p, end, ' ') ||
	    !take_u64(&p, end, &v.offset) || !take_char(&p, end, ' ')) {
		*why = "bad device, inode or offset";
		return -EINVAL;
	}
	const char *b = p;
	while (p < end && *p != ' ')
		p++;
	size_t blen = (size_t)(p - b);
	if (!take_char(&p, end, ' ') || blen == 0 || blen >= EVCURSOR_BOOT_MAX) {
		*why = "bad boot";
		return -EINVAL;
	}
	if (blen == 1 && *b == '-') {
		if (!take_char(&p, end, '-')) {
			*why = "a seq without a boot";
			return -EINVAL;
		}
	} else {
		memcpy(v.boot, b, blen);
		v.boot[blen] = '\0';
		/* strlen: a NUL inside would end the id early and pass. */
		if (strlen(v.boot) != blen || !evcursor_boot_valid(v.boot)) {
			*why = "bad boot";
			return -EINVAL;
		}
		if (!take_u64(&p, end, &v.seq)) {
			*why = "bad seq";
			return -EINVAL;
		}
	}
	if (p != end) {
		*why = "trailing bytes";
		return -EINVAL;
	}
	/* No file yet means nothing read of it either. */
	if (v.ino == 0 && (v.dev || v.offset)) {
		*why = "an offset without a file";
		return -EINVAL;
	}
	*c = v;
	return 0;
}

enum evsplit_result evsplit_next(struct evsplit *s, const char *buf, size_t len, size_t *pos,
				 const char **line, size_t *line_len)
{
	*line = NULL;
	*line_len = 0;
	while (*pos < len) {
		const char *start = buf + *pos;
		size_t left = len - *pos;
		const char *nl = memchr(start, '\n', left);
		if (s->skipping) {
			if (!nl) {
				*pos = len;
				return EVSPLIT_MORE;
			}
			*pos += (size_t)(nl - start) + 1;
			s->skipping = false;
			s->too_long++;
			return EVSPLIT_SKIPPED;
		}
		if (!nl) {
			if (left > EVCURSOR_LINE_MAX) {
				/* Already too long without its end: no buffer
				 * needs to hold it, drop it as it comes. */
				s->skipping = true;
				*pos = len;
			}
			return EVSPLIT_MORE;
		}
		size_t n = (size_t)(nl - start);
		*pos += n + 1;
		if (n > EVCURSOR_LINE_MAX) {
			s->too_long++;
			return EVSPLIT_SKIPPED;
		}
		*line = start;
		*line_len = n;
		return EVSPLIT_LINE;
	}
	return EVSPLIT_MORE;
}
