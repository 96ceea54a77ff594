/* flightrec: a container's memory over the last few seconds, at the sampler's
 * own resolution, kept so that an OOM kill or a critical level can be shown
 * with what led up to it (as CSV here, as a chart in chart_svg.h).
 *
 * Pure: no clock, no globals, no I/O but the FILE the caller hands to
 * flightrec_csv. Time is an argument: milliseconds of CLOCK_REALTIME.
 *
 * Bounded: a record holds at most `cap` samples of 16 bytes; it starts with
 * room for FLIGHTREC_INITIAL and doubles as it fills. When the window holds
 * more than cap samples, the older half of the record is thinned (every other
 * sample goes) so the newest samples keep the sampler's full resolution.
 *
 *   memory per container   cap x 16 B; the default 4096 x 16 B = 64 KiB
 *   typically, when idle   30 s at one sample per 100 ms = 300 samples,
 *                          held in an array of 512: 8 KiB (4.7 KiB used)
 *   near the limit         1 sample per ms: the window would need 30000;
 *                          the last ~2048 samples (about 2 s) stay at full
 *                          resolution and the rest of the 30 s is thinned
 */
#ifndef OOMSENTRY_FLIGHTREC_H
#define OOMSENTRY_FLIGHTREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"

#define FLIGHTREC_WINDOW_DEFAULT_MS 30000u
/* Sample times are kept as 32-bit offsets: a window up to a day fits with
 * room to spare. */
#define FLIGHTREC_WINDOW_MAX_MS 86400000u
#define FLIGHTREC_CAP_DEFAULT 4096u
/* Thinning needs a few samples to choose from; 2^20 samples is 16 MiB. */
#define FLIGHTREC_CAP_MIN 8u
#define FLIGHTREC_CAP_MAX 1048576u
/* The first allocation, in samples: 6.4 s at the idle rate. */
#define FLIGHTREC_INITIAL 64u

/* What happened at a sample besides the reading. */
enum flightrec_mark {
	FLIGHTREC_MARK_NONE = 0,
	FLIGHTREC_MARK_SIGNAL = 1,   /* arg: the signal number */
	FLIGHTREC_MARK_ACTION = 2,   /* arg: an action id the caller defines */
	FLIGHTREC_MARK_OOM_KILL = 3, /* arg: unused, 0 */
};

/* The largest arg a mark keeps. */
#define FLIGHTREC_ARG_MAX 65535u

/* One sample as the caller gives and gets it. Bytes are kept in KiB,
 * rounded to the nearest KiB and saturated at 2^32 - 1 KiB (4 TiB), so
 * what comes back is a multiple of 1024 (cgroup memory counts whole pages:
 * nothing is lost in practice). */
struct flightrec_point {
	uint64_t t_ms; /* CLOCK_REALTIME, milliseconds since the epoch */
	uint64_t usage_bytes;
	uint64_t working_set_bytes;
	enum level level;
	enum flightrec_mark mark;
	unsigned arg; /* of the mark, 0..FLIGHTREC_ARG_MAX */
};

/* How a sample is stored: read it through flightrec_get. */
struct flightrec_sample {
	uint32_t t_ms;    /* after the record's base_ms */
	uint32_t usage_kib;
	uint32_t working_set_kib;
	uint8_t level;    /* enum level */
	uint8_t mark;     /* enum flightrec_mark */
	uint16_t arg;
};

/* One container's record. Zero it and call flightrec_init. */
struct flightrec {
	struct flightrec_sample *s; /* circular: s[head] is the oldest */
	uint32_t alloc;             /* samples s has room for, <= cap */
	uint32_t head;
	uint32_t n;                 /* samples held */
	uint32_t cap;
	uint32_t window_ms;
	uint64_t base_ms;           /* what sample times are relative to */
};

/* Sets up an empty record (no allocation yet). window_ms: 1 ..
 * FLIGHTREC_WINDOW_MAX_MS, 0 for the default; cap: FLIGHTREC_CAP_MIN ..
 * FLIGHTREC_CAP_MAX, 0 for the default. Returns 0 or -EINVAL. */
int flightrec_init(struct flightrec *fr, uint32_t window_ms, uint32_t cap);

/* Releases the samples. The record is left empty and usable. */
void flightrec_free(struct flightrec *fr);

/* Appends a sample: drops what is older than p->t_ms - window, then, if the
 * record is full and cannot grow, thins its older half: of each pair of
 * samples there, the one with the higher usage stays, so a spike survives.
 * The oldest sample stays, and a pair stays whole when it holds a mark or a
 * change of level. Should that free nothing, the unmarked samples of the
 * older half go, else the oldest unmarked sample; a record of nothing but
 * marks loses its oldest. So a mark within the window is lost only when the
 * record holds cap marks. Otherwise the newer half is left alone: the newest
 * cap/2 samples are at the sampler's full resolution.
 *
 * A time before the newest sample's (CLOCK_REALTIME stepped back) moves the
 * record back by the step, keeping it one contiguous history that ends at
 * the new sample; where that would go below time 0 the record starts over.
 *
 * Returns 0; -EINVAL for a level, mark or arg out of range; -ENOMEM when
 * nothing is allocated yet and allocation fails (once something is, a failed
 * growth thins instead). */
int flightrec_push(struct flightrec *fr, const struct flightrec_point *p);

/* Marks time t_ms: on the newest sample if it is at t_ms and unmarked, else
 * on a copy of the newest sample's values at t_ms (a signal sent between
 * two readings). A t_ms before the newest sample counts as the newest
 * sample's time: the record only grows at its end. Returns 0, -EINVAL (kind
 * or arg out of range), -ENODATA (no sample to mark yet) or -ENOMEM. */
int flightrec_mark(struct flightrec *fr, enum flightrec_mark kind, unsigned arg, uint64_t t_ms);

/* Samples held. */
size_t flightrec_count(const struct flightrec *fr);

/* Sample i (0 the oldest) into *out; false if i >= count. */
bool flightrec_get(const struct flightrec *fr, size_t i, struct flightrec_point *out);

/* Time of the oldest and newest sample; 0 when empty. */
uint64_t flightrec_oldest_ms(const struct flightrec *fr);
uint64_t flightrec_newest_ms(const struct flightrec *fr);

/* Heap bytes the record holds now (allocated, not just used); at most
 * cap * sizeof(struct flightrec_sample). */
size_t flightrec_bytes(const struct flightrec *fr);

/* Names a mark for the CSV and the chart: kind is an enum flightrec_mark,
 * arg its arg. NULL: the default name. */
typedef const char *flightrec_mark_name_fn(int kind, int arg, void *ctx);

/* The default name of a mark: "SIGUSR1", "action 3", "OOM kill"; buf must
 * hold 32 bytes. Returns buf, or "" for FLIGHTREC_MARK_NONE. */
const char *flightrec_mark_default_name(int kind, int arg, char *buf, size_t size);

/* The name of a mark: mark_name's, else the default. */
const char *flightrec_mark_label(int kind, int arg, flightrec_mark_name_fn *mark_name, void *ctx,
				 char *buf, size_t size);

/* Writes the samples at or after from_ms as CSV:
 *
 *   time_ms,usage_bytes,working_set_bytes,level,event
 *   1796236200123,268435456,201326592,warning,SIGUSR1
 *
 * level: normal, warning or critical; event: empty or the mark's name,
 * quoted when it holds a comma, a quote or a line break. mark_name may be
 * NULL. Returns 0, or -EIO when out reports an error. */
int flightrec_csv(FILE *out, const struct flightrec *fr, uint64_t from_ms,
		  flightrec_mark_name_fn *mark_name, void *ctx);

#endif
