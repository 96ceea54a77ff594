/* settings_table: the table behind settings.h, one row per setting. Shared
 * by settings.c, which reads every source through it, and its tests. */
#ifndef OOMSENTRY_SETTINGS_TABLE_H
#define OOMSENTRY_SETTINGS_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "settings.h"

/* What a setting's field holds: it decides how a value is read and shown. */
enum setting_kind {
	SETTING_THRESHOLD,  /* struct threshold */
	SETTING_DURATION,   /* uint64_t microseconds, min to max */
	SETTING_PERCENT,    /* double percentage points, min to max */
	SETTING_BOOL,       /* bool; its flag may stand alone: --dry-run */
	SETTING_SIGNAL,     /* int */
	SETTING_METRIC,     /* enum metric */
	SETTING_LOG_FORMAT, /* enum log_format */
	SETTING_LOG_LEVEL,  /* enum log_level */
	SETTING_PATTERNS,   /* char[SETTINGS_LIST_MAX], a commfilter list */
	SETTING_PATH,       /* char[SETTINGS_PATH_MAX], a directory */
	SETTING_ABS_PATH,   /* the same, absolute */
	SETTING_SIZE,       /* uint64_t bytes, min to max when max is not 0 */
	SETTING_COUNT,      /* unsigned, min to max */
	SETTING_ACTIONS,    /* unsigned, enum runtime_action bits */
	SETTING_URL,        /* char[SETTINGS_URL_MAX], an http_target */
	SETTING_ADDR,       /* char[SETTINGS_ADDR_MAX], a metrics_addr */
};

struct setting_def {
	const char *key;    /* INI key */
	const char *env;    /* environment variable */
	const char *flag;   /* long flag without dashes */
	const char *def;    /* default, as the user would write it */
	const char *arg;    /* what the value looks like, for --help */
	const char *help;
	enum setting_kind kind;
	size_t offset;      /* of the field in struct settings */
	uint64_t min, max;  /* a duration's bounds in microseconds, a percentage's, a
			     * size's in bytes */
	const char *why;    /* the reason a value beyond them is refused, or a value
			     * that a parser giving no reason of its own refuses */
};

/* The rows, in --help and --print-config order. */
extern const struct setting_def *const settings_table;
extern const int settings_table_len;

/* The row of an INI key (exact case), or NULL. */
const struct setting_def *settings_table_find(const char *key);

/* Reads v into d's field of s. Returns 0, or -EINVAL / -ERANGE with *why
 * set and the field untouched. */
int settings_table_set(const struct setting_def *d, struct settings *s, const char *v,
		       const char **why);

/* d's field of s, as settings_table_set reads it back. */
void settings_table_show(const struct setting_def *d, const struct settings *s, char *buf,
			 size_t size);

#endif
