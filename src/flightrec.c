#include "flightrec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "signame.h"

_Static_assert(sizeof(struct flightrec_sample) == 16, "a sample is 16 bytes: see flightrec.h");

/* Offsets are rebased once the newest passes this: with the window at most a
 * day, every offset then fits in 32 bits again, and rebasing (a pass over
 * the record) happens about once every 24 days. */
#define REBASE_AT (UINT64_C(1) << 31)

int flightrec_init(struct flightrec *fr, uint32_t window_ms, uint32_t cap)
{
	if (!window_ms)
		window_ms = FLIGHTREC_WINDOW_DEFAULT_MS;
	if (!cap)
		cap = FLIGHTREC_CAP_DEFAULT;
	if (window_ms > FLIGHTREC_WINDOW_MAX_MS || cap < FLIGHTREC_CAP_MIN ||
	    cap > FLIGHTREC_CAP_MAX)
		return -EINVAL;
	*fr = (struct flightrec){.cap = cap, .window_ms = window_ms};
	return 0;
}

void flightrec_free(struct flightrec *fr)
{
	free(fr->s);
	fr->s = NULL;
	fr->alloc = fr->head = fr->n = 0;
	fr->base_ms = 0;
}

/* The storage slot of sample i (0 the oldest). */
static struct flightrec_sample *at(const struct flightrec *fr, uint32_t i)
{
	uint32_t k = fr->head + i;
	return &fr->s[k >= fr->alloc ? k - fr->alloc : k];
}

static uint64_t time_of(const struct flightrec *fr, uint32_t i)
{
	return fr->base_ms + at(fr, i)->t_ms;
}

/* Sample i (< n) as the caller sees it. */
static struct flightrec_point point_of(const struct flightrec *fr, uint32_t i)
{
	const struct flightrec_sample *s = at(fr, i);
	return (struct flightrec_point){
		.t_ms = fr->base_ms + s->t_ms,
		.usage_bytes = (uint64_t)s->usage_kib * 1024,
		.working_set_bytes = (uint64_t)s->working_set_kib * 1024,
		.level = (enum level)s->level,
		.mark = (enum flightrec_mark)s->mark,
		.arg = s->arg,
	};
}

/* Nearest KiB, saturated: see flightrec_point. */
static uint32_t to_kib(uint64_t bytes)
{
	uint64_t kib = bytes / 1024 + (bytes % 1024 >= 512);
	return kib > UINT32_MAX ? UINT32_MAX : (uint32_t)kib;
}

/* Makes the oldest sample the base: its offset becomes 0. */
static void rebase(struct flightrec *fr)
{
	uint32_t d = at(fr, 0)->t_ms;
	for (uint32_t i = 0; i < fr->n; i++)
		at(fr, i)->t_ms -= d;
	fr->base_ms += d;
}

static void drop_oldest(struct flightrec *fr)
{
	fr->head = fr->head + 1 == fr->alloc ? 0 : fr->head + 1;
	fr->n--;
}

/* Whether thinning must keep sample i (i >= 1): it carries a mark, or the
 * level changed there (when the container went critical). prev_level is
 * sample i-1's level, read before thinning overwrote it. */
static bool must_keep(const struct flightrec_sample *s, uint8_t prev_level)
{
	return s->mark != FLIGHTREC_MARK_NONE || s->level != prev_level;
}

/* Thins the older half of a full record in place, a pair at a time; see
 * flightrec_push. Returns how many samples went. */
static uint32_t thin_pairs(struct flightrec *fr)
{
	uint32_t half = fr->n / 2, w = 1;
	uint8_t prev = at(fr, 0)->level;
	/* w <= i throughout, and both samples of a pair are copied out before
	 * anything is written: nothing is overwritten before it is read. */
	for (uint32_t i = 1; i < half; i += 2) {
		struct flightrec_sample a = *at(fr, i);
		if (i + 1 == half) {
			*at(fr, w++) = a;
			break;
		}
		struct flightrec_sample b = *at(fr, i + 1);
		/* A pair with a sample that must stay keeps both: dropping the
		 * other could drop a spike next to a mark. */
		if (must_keep(&a, prev) || must_keep(&b, a.level)) {
			*at(fr, w++) = a;
			*at(fr, w++) = b;
		} else {
			*at(fr, w++) = b.usage_kib >= a.usage_kib ? b : a;
		}
		prev = b.level;
	}
	uint32_t freed = half - w;
	for (uint32_t j = half; j < fr->n; j++)
		*at(fr, w++) = *at(fr, j);
	fr->n = w;
	return freed;
}

/* Removes up to max unmarked samples among samples [from, to), keeping the
 * order of the rest. Returns how many went. */
static uint32_t remove_unmarked(struct flightrec *fr, uint32_t from, uint32_t to, uint32_t max)
{
	uint32_t w = from, removed = 0;
	for (uint32_t i = from; i < fr->n; i++) {
		if (i < to && removed < max && at(fr, i)->mark == FLIGHTREC_MARK_NONE) {
			removed++;
			continue;
		}
		if (w != i)
			*at(fr, w) = *at(fr, i);
		w++;
	}
	fr->n = w;
	return removed;
}

/* Frees room in a full record; see flightrec_push for the order. */
static void thin(struct flightrec *fr)
{
	if (thin_pairs(fr) || remove_unmarked(fr, 1, fr->n / 2, UINT32_MAX) ||
	    remove_unmarked(fr, 0, fr->n, 1))
		return;
	/* Nothing but marks: memory stays bounded all the same. */
	drop_oldest(fr);
}

/* Room for one more sample: grow, else thin. */
static int make_room(struct flightrec *fr)
{
	if (fr->n < fr->alloc)
		return 0;
	if (fr->alloc < fr->cap) {
		uint32_t grown = fr->alloc ? fr->alloc * 2 : FLIGHTREC_INITIAL;
		if (grown > fr->cap)
			grown = fr->cap;
		struct flightrec_sample *s = malloc((size_t)grown * sizeof *s);
		if (s) {
			/* A fresh array in time order: growth happens a handful of
			 * times per record, so unwrapping by copy is simplest. */
			for (uint32_t i = 0; i < fr->n; i++)
				s[i] = *at(fr, i);
			free(fr->s);
			fr->s = s;
			fr->alloc = grown;
			fr->head = 0;
			return 0;
		}
		if (!fr->alloc)
			return -ENOMEM;
	}
	thin(fr);
	return 0;
}

int flightrec_push(struct flightrec *fr, const struct flightrec_point *p)
{
	if ((unsigned)p->level > LEVEL_CRITICAL || (unsigned)p->mark > FLIGHTREC_MARK_OOM_KILL ||
	    p->arg > FLIGHTREC_ARG_MAX)
		return -EINVAL;
	uint64_t t = p->t_ms;
	if (fr->n) {
		uint64_t newest = time_of(fr, fr->n - 1);
		if (t < newest) {
			/* The clock stepped back: move the history with it. */
			uint64_t d = newest - t;
			rebase(fr);
			if (d <= fr->base_ms)
				fr->base_ms -= d;
			else
				fr->n = 0;
		}
		if (t > fr->window_ms)
			while (fr->n && time_of(fr, 0) < t - fr->window_ms)
				drop_oldest(fr);
	}
	if (!fr->n) {
		fr->head = 0;
		fr->base_ms = t;
	} else if (t - fr->base_ms >= REBASE_AT) {
		rebase(fr);
	}
	int r = make_room(fr);
	if (r)
		return r;
	*at(fr, fr->n) = (struct flightrec_sample){
		.t_ms = (uint32_t)(t - fr->base_ms),
		.usage_kib = to_kib(p->usage_bytes),
		.working_set_kib = to_kib(p->working_set_bytes),
		.level = (uint8_t)p->level,
		.mark = (uint8_t)p->mark,
		.arg = (uint16_t)p->arg,
	};
	fr->n++;
	return 0;
}

int flightrec_mark(struct flightrec *fr, enum flightrec_mark kind, unsigned arg, uint64_t t_ms)
{
	if (kind < FLIGHTREC_MARK_SIGNAL || kind > FLIGHTREC_MARK_OOM_KILL ||
	    arg > FLIGHTREC_ARG_MAX)
		return -EINVAL;
	if (!fr->n)
		return -ENODATA;
	struct flightrec_sample *last = at(fr, fr->n - 1);
	uint64_t newest = time_of(fr, fr->n - 1);
	if (t_ms <= newest && last->mark == FLIGHTREC_MARK_NONE) {
		last->mark = (uint8_t)kind;
		last->arg = (uint16_t)arg;
		return 0;
	}
	struct flightrec_point p = point_of(fr, fr->n - 1);
	p.t_ms = t_ms < newest ? newest : t_ms;
	p.mark = kind;
	p.arg = arg;
	return flightrec_push(fr, &p);
}

size_t flightrec_count(const struct flightrec *fr)
{
	return fr->n;
}

bool flightrec_get(const struct flightrec *fr, size_t i, struct flightrec_point *out)
{
	if (i >= fr->n)
		return false;
	*out = point_of(fr, (uint32_t)i);
	return true;
}

uint64_t flightrec_oldest_ms(const struct flightrec *fr)
{
	return fr->n ? time_of(fr, 0) : 0;
}

uint64_t flightrec_newest_ms(const struct flightrec *fr)
{
	return fr->n ? time_of(fr, fr->n - 1) : 0;
}

size_t flightrec_bytes(const struct flightrec *fr)
{
	return (size_t)fr->alloc * sizeof *fr->s;
}

const char *flightrec_mark_default_name(int kind, int arg, char *buf, size_t size)
{
	switch (kind) {
	case FLIGHTREC_MARK_SIGNAL:
		return signame_format(arg, buf, size);
	case FLIGHTREC_MARK_ACTION:
		snprintf(buf, size, "action %d", arg);
		return buf;
	case FLIGHTREC_MARK_OOM_KILL:
		snprintf(buf, size, "OOM kill");
		return buf;
	default:
		return "";
	}
}

const char *flightrec_mark_label(int kind, int arg, flightrec_mark_name_fn *mark_name, void *ctx,
				 char *buf, size_t size)
{
	const char *name = mark_name ? mark_name(kind, arg, ctx) : NULL;
	return name ? name : flightrec_mark_default_name(kind, arg, buf, size);
}

/* RFC 4180: a field with a comma, a quote or a line break is quoted, its
 * quotes doubled. */
static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

int flightrec_csv(FILE *out, const struct flightrec *fr, uint64_t from_ms,
		  flightrec_mark_name_fn *mark_name, void *ctx)
{
	fputs("time_ms,usage_bytes,working_set_bytes,level,event\n", out);
	for (uint32_t i = 0; i < fr->n; i++) {
		struct flightrec_point p = point_of(fr, i);
		if (p.t_ms < from_ms)
			continue;
		fprintf(out, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s,", p.t_ms, p.usage_bytes,
			p.working_set_bytes, policy_level_name(p.level));
		if (p.mark != FLIGHTREC_MARK_NONE) {
			char buf[32];
			csv_field(out, flightrec_mark_label((int)p.mark, (int)p.arg, mark_name, ctx,
							    buf, sizeof buf));
		}
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}
