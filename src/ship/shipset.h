/* shipset: the files the shipper knows of, in the order it found them, each
 * pending (with the time it may be tried again) or held.
 *
 * A held file is not tried again until the name leads to another file
 * (another device, inode, size or modification time): one larger than
 * MAX_FILE_SIZE, one uploaded that could not be removed, one kept on
 * purpose (DELETE_AFTER_UPLOAD=false). The set is bounded: when it is full,
 * a held file makes room (it is only remembered so as not to upload it
 * again); with none held, the new name is refused and `dropped` says that a
 * listing of the directory must find it later.
 *
 * Pure: no I/O (the caller stats files and keeps the clock). */
#ifndef OOMSENTRY_SHIPSET_H
#define OOMSENTRY_SHIPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shipdir.h"

/* What identifies one file behind a name. */
struct shipset_id {
	uint64_t dev, ino, size;
	int64_t mtime_s;
	long mtime_ns;
};

struct shipset_item {
	char rel[SHIPDIR_REL_MAX]; /* relative to the dump directory */
	bool held;
	unsigned failures;  /* in a row, of the file's own kind */
	uint64_t due_us;    /* not tried before this time */
	uint64_t seq;       /* order: found, or sent to the back */
	struct shipset_id id; /* of the held file */
};

struct shipset {
	struct shipset_item *items;
	size_t n, max;
	uint64_t next_seq;
	bool dropped; /* a name was refused for room: list the directory again */
};

/* Returns 0 or -ENOMEM. */
int shipset_init(struct shipset *s, size_t max);
void shipset_free(struct shipset *s);

struct shipset_item *shipset_find(struct shipset *s, const char *rel);

/* A newly found name, pending and due at once. Returns 0; -EEXIST if known
 * (see shipset_changed); -ENAMETOOLONG; -ENOSPC when full with nothing held
 * (dropped is then set). */
int shipset_add(struct shipset *s, const char *rel);

/* A held item whose name now leads to the file `now`: if it is another
 * file, the item is pending again, due at once, and true is returned. */
bool shipset_changed(struct shipset_item *it, const struct shipset_id *now);

/* The pending item to try next: the earliest due, first found among equals;
 * NULL when none is pending. */
struct shipset_item *shipset_next(struct shipset *s);

/* Forgets an item (shipped, or gone). Pointers to items are invalid after. */
void shipset_drop(struct shipset *s, struct shipset_item *it);

/* Holds an item as the file id (NULL: an id that matches nothing, so the
 * next sighting of the name makes it pending again). */
void shipset_hold(struct shipset_item *it, const struct shipset_id *id);

/* Tries an item again at due_us, behind every item found so far. */
void shipset_defer(struct shipset *s, struct shipset_item *it, uint64_t due_us);

size_t shipset_pending(const struct shipset *s);

#endif
