#include "shipset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int shipset_init(struct shipset *s, size_t max)
{
	memset(s, 0, sizeof *s);
	s->items = calloc(max, sizeof *s->items);
	if (!s->items)
		return -ENOMEM;
	s->max = max;
	return 0;
}

void shipset_free(struct shipset *s)
{
	free(s->items);
	memset(s, 0, sizeof *s);
}

struct shipset_item *shipset_find(struct shipset *s, const char *rel)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->items[i].rel, rel) == 0)
			return &s->items[i];
	return NULL;
}

int shipset_add(struct shipset *s, const char *rel)
{
	if (strlen(rel) >= SHIPDIR_REL_MAX)
		return -ENAMETOOLONG;
	if (shipset_find(s, rel))
		return -EEXIST;
	if (s->n == s->max) {
		struct shipset_item *held = NULL;
		for (size_t i = 0; i < s->n && !held; i++)
			if (s->items[i].held)
				held = &s->items[i];
		if (!held) {
			s->dropped = true;
			return -ENOSPC;
		}
		shipset_drop(s, held);
	}
	struct shipset_item *it = &s->items[s->n++];
	memset(it, 0, sizeof *it);
	strcpy(it->rel, rel);
	it->seq = s->next_seq++;
	return 0;
}

static bool same_id(const struct shipset_id *a, const struct shipset_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns;
}

bool shipset_changed(struct shipset_item *it, const struct shipset_id *now)
{
	if (!it->held || same_id(&it->id, now))
		return false;
	it->held = false;
	it->failures = 0;
	it->due_us = 0;
	return true;
}

struct shipset_item *shipset_next(struct shipset *s)
{
	struct shipset_item *best = NULL;
	for (size_t i = 0; i < s->n; i++) {
		struct shipset_item *it = &s->items[i];
		if (it->held)
			continue;
		if (!best || it->due_us < best->due_us ||
		    (it->due_us == best->due_us && it->seq < best->seq))
			best = it;
	}
	return best;
}

void shipset_drop(struct shipset *s, struct shipset_item *it)
{
	/* Order lives in seq, not in the array: the last one fills the hole. */
	*it = s->items[--s->n];
}

void shipset_hold(struct shipset_item *it, const struct shipset_id *id)
{
	it->held = true;
	if (id) {
		it->id = *id;
	} else {
		/* No file has inode 0. */
		memset(&it->id, 0, sizeof it->id);
	}
}

void shipset_defer(struct shipset *s, struct shipset_item *it, uint64_t due_us)
{
	it->due_us = due_us;
	it->seq = s->next_seq++;
}

size_t shipset_pending(const struct shipset *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += !s->items[i].held;
	return n;
}
