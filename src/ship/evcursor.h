/* evcursor: where the shipper is in the sidecar's events file, across the
 * file's rotation and the shipper's own restarts.
 *
 * The sidecar appends one JSON object per line to DUMP_DIR/events.jsonl,
 * each line with one O_APPEND write. At a size bound it renames the file to
 * events.jsonl.1 (replacing the previous one) and starts a new events.jsonl.
 * A file is therefore known by its inode, not its name: the one being read
 * may be renamed under the reader, and is finished under its new name before
 * the new events.jsonl is begun.
 *
 * The state is (device, inode, offset) of the file being read, the offset
 * always at the end of a line already passed, plus the `boot` and `seq` of
 * the last line passed that had them. It is saved as one line of text:
 *
 *     v1 DEV INODE OFFSET BOOT SEQ\n
 *
 * ("v1 0 0 0 - -" before any file was seen; BOOT and SEQ are "-" while no
 * line had them). A state that does not parse is no state: reading
 * starts at the beginning of the oldest file, and lines are sent again,
 * which at-least-once delivery allows.
 *
 * The sidecar numbers its lines (seq) within one run of it (boot), so a line
 * with the saved boot and a seq not above the saved one was passed already:
 * evcursor_seen tells the caller to drop it. That keeps duplicates out when
 * a file is read again from 0 (it shrank, or the resume check failed).
 *
 * Pure: no I/O. */
#ifndef OOMSENTRY_EVCURSOR_H
#define OOMSENTRY_EVCURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest line forwarded, without its '\n'; longer ones are skipped.
 * The sidecar's lines are a few hundred bytes. */
#define EVCURSOR_LINE_MAX 16384
/* A boot id: 1 to 63 bytes of [A-Za-z0-9._:-], "-" alone meaning none. */
#define EVCURSOR_BOOT_MAX 64
/* The longest state line, "\n" included. */
#define EVCURSOR_STATE_MAX 160

struct evcursor {
	uint64_t dev, ino; /* of the file being read; ino 0: none yet */
	uint64_t offset;   /* bytes of it passed: the end of a line */
	char boot[EVCURSOR_BOOT_MAX]; /* of the last line passed; "" none */
	uint64_t seq;      /* of the last line passed; meaningful when boot[0] */
};

/* What is in the directory now, by stat. */
struct evfile {
	bool exists;
	uint64_t dev, ino, size;
};

enum evcursor_source {
	EVCURSOR_NONE,    /* nothing to read: no file yet */
	EVCURSOR_CURRENT, /* events.jsonl */
	EVCURSOR_ROTATED, /* events.jsonl.1 */
};

struct evcursor_plan {
	enum evcursor_source source;
	uint64_t dev, ino, offset; /* the position to adopt and read from */
	/* The file read is not the one the state named: a new file from 0. */
	bool new_file;
	/* The state's file is gone from both names: the lines it still had,
	 * and any generation between it and the oldest now, were never read. */
	bool lost;
	/* The state's file is shorter than the offset (truncated, or a new
	 * file that reused its inode): read again from 0. */
	bool shrunk;
};

/* The state before anything was read. */
void evcursor_init(struct evcursor *c);

/* Decides what to read next from the state and what is found now (cur:
 * events.jsonl, rot: events.jsonl.1). The saved file is continued under
 * whichever name it has now; once the rotated one is read to its end, the
 * current one is begun at 0. A state with no file, or a file in neither
 * name, starts at the oldest file there is. */
void evcursor_plan(const struct evcursor *c, const struct evfile *cur, const struct evfile *rot,
		   struct evcursor_plan *out);

/* Adopts a plan's position (keeping boot and seq). */
void evcursor_adopt(struct evcursor *c, const struct evcursor_plan *p);

/* A line from the file passed: the offset moves to its end (end_offset) and
 * its boot and seq are remembered (boot NULL or not a valid id: the last
 * ones are kept). */
void evcursor_pass(struct evcursor *c, uint64_t end_offset, const char *boot, uint64_t seq);

/* Was the line with this boot and seq passed already? False for a line
 * without a boot, and for any line when the state has none. */
bool evcursor_seen(const struct evcursor *c, const char *boot, uint64_t seq);

/* Is s a boot id as the state stores it? */
bool evcursor_boot_valid(const char *s);

/* The state as its one line, NUL-terminated. Returns its length, or
 * -ENOSPC if size is too small (EVCURSOR_STATE_MAX always suffices). */
int evcursor_format(const struct evcursor *c, char *buf, size_t size);

/* Reads a state line back: exactly the format above, one line, '\n'
 * included, decimal numbers without sign or leading zeros, nothing else.
 * Returns 0, or -EINVAL with *why set and *c as evcursor_init leaves it. */
int evcursor_parse(const char *buf, size_t len, struct evcursor *c, const char **why);

/* Splits bytes read from the file into lines. One evsplit lives as long as
 * the reading of one file does, across reads. */
struct evsplit {
	bool skipping;     /* inside a line longer than EVCURSOR_LINE_MAX */
	uint64_t too_long; /* lines dropped for their length */
};

enum evsplit_result {
	EVSPLIT_LINE,    /* a whole line: *line, *line_len (without '\n') */
	EVSPLIT_SKIPPED, /* a line too long ended here: passed, not forwarded */
	EVSPLIT_MORE,    /* no whole line left in buf: read on */
};

/* The next line of buf[*pos..len). LINE and SKIPPED move *pos past the
 * line's '\n' (the offset of buf + *pos is then the end of a line, the
 * position to save). MORE leaves *pos at the start of the unfinished line,
 * to be read again with what follows it (buf must hold EVCURSOR_LINE_MAX + 1
 * bytes for that to progress), except when that line is already too long:
 * then *pos = len and the rest of it is skipped as it comes, with the saved
 * offset left at its start. A last line without '\n' is never given: the
 * writer has not finished it. */
enum evsplit_result evsplit_next(struct evsplit *s, const char *buf, size_t len, size_t *pos,
				 const char **line, size_t *line_len);

#endif
