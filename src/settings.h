/* settings: every knob of the sidecar, from four sources.
 *
 * Precedence: defaults < INI file < environment < command-line flags. Each
 * setting has one INI key (lowercase), one environment variable (uppercase,
 * oomhero's names where oomhero has one) and one long flag. All parsing and
 * validation is here and pure: errors come back as one line naming the
 * setting and the value, and the caller decides to exit.
 */
#ifndef OOMSENTRY_SETTINGS_H
#define OOMSENTRY_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "commfilter.h"
#include "log.h"
#include "units.h"

#define SETTINGS_PATH_MAX 512
/* A list of comm patterns with its NUL; commfilter.h says why 181. */
#define SETTINGS_LIST_MAX COMMFILTER_MAX
#define SETTINGS_ERR_MAX 512

enum metric { METRIC_WORKING_SET, METRIC_USAGE };

/* What the sidecar does itself at a level, where the runtime has a way
 * (WARNING_ACTIONS, CRITICAL_ACTIONS); each applies to its runtime only. */
enum runtime_action {
	ACTION_HISTOGRAM = 1u << 0,     /* JVM: GC.class_histogram into DUMP_DIR */
	ACTION_HEAP_DUMP = 1u << 1,     /* JVM: GC.heap_dump into JVM_HEAP_DUMP_DIR */
	ACTION_PPROF = 1u << 2,         /* Go: /debug/pprof/heap into DUMP_DIR */
	ACTION_HEAP_SNAPSHOT = 1u << 3, /* Node: its --heapsnapshot-signal */
};
#define SETTINGS_URL_MAX 256
#define SETTINGS_ADDR_MAX 64   /* metrics_addr.h: longer is refused */

struct settings {
	struct threshold warning;
	struct threshold critical;
	double hysteresis_pct;         /* percentage points of the limit */
	uint64_t cooldown_us;
	uint64_t interval_us;          /* longest time between two reads of a cgroup */
	uint64_t min_interval_us;      /* shortest time between two reads (adaptive) */
	bool adaptive;                 /* read sooner when a container grows */
	uint64_t rescan_interval_us;   /* how often /proc is walked for new processes */
	int warning_signal;
	int critical_signal;
	enum metric metric;
	bool signal_unhandled;         /* also signal processes that do not catch it */
	bool dry_run;
	char include[SETTINGS_LIST_MAX]; /* comma-separated comm patterns; "" = all */
	char exclude[SETTINGS_LIST_MAX];
	enum log_format log_format;
	enum log_level log_level;
	char proc_root[SETTINGS_PATH_MAX];
	/* Runtimes: who asked for signals, and what is done natively. */
	char signal_comms[SETTINGS_LIST_MAX]; /* commands opted in to signals */
	unsigned warning_actions;      /* enum runtime_action bits */
	unsigned critical_actions;
	char dump_dir[SETTINGS_PATH_MAX];     /* the sidecar's files; "" = none */
	unsigned dump_keep;            /* files of each kind kept in dump_dir */
	uint64_t dump_min_free;        /* bytes left free on the dump's file system */
	uint64_t events_max;           /* bytes of DUMP_DIR/events.jsonl before it rotates */
	char jvm_heap_dump_dir[SETTINGS_PATH_MAX]; /* as the JVM sees it; "" = off */
	char go_pprof[SETTINGS_URL_MAX];      /* "" = discover the ports */
	uint64_t action_timeout_us;    /* bound of one process's actions */
	/* What can be seen from outside. */
	char metrics_addr[SETTINGS_ADDR_MAX]; /* the metrics listener's; "" = off */
	uint64_t flight_recorder_us;   /* the flight recorder's window; 0 = off */
};

/* What the command line asked for besides settings. */
struct cli {
	bool help, version, once, print_config;
	const char *config;            /* --config FILE, or NULL */
	/* Settings given as flags, applied after the environment. */
	struct { int setting; const char *value; } flags[64];
	int nflags;
};

void settings_defaults(struct settings *s);

/* Parses argv (getopt_long). Returns 0 or -EINVAL with err set. */
int settings_parse_args(int argc, char **argv, struct cli *cli, char *err, size_t errsz);

/* Builds the effective settings: defaults, then the file (cli->config, else
 * the CONFIG variable of envp, if any), then envp, then cli's flags, then the
 * checks between settings. On error *out is untouched. Returns 0 or -errno. */
int settings_resolve(struct settings *out, const struct cli *cli, char *const *envp, char *err,
		     size_t errsz);

/* The config file settings_resolve would read, or NULL. */
const char *settings_config_path(const struct cli *cli, char *const *envp);

/* Settings that are valid but probably not meant, or dangerous: fn gets
 * the setting's variable, its value and why, for a level=warn line each. */
void settings_warnings(const struct settings *s,
		       void (*fn)(void *ctx, const char *setting, const char *value,
				  const char *why),
		       void *ctx);

/* Calls fn for each setting whose value differs between a and b, with both
 * values as --print-config shows them, in --print-config order. */
void settings_each_change(const struct settings *a, const struct settings *b,
			  void (*fn)(void *ctx, const char *key, const char *from, const char *to),
			  void *ctx);

/* Prints the settings as an INI file that settings_resolve reads back. */
void settings_print(const struct settings *s, FILE *out);
/* --help text. */
void settings_usage(FILE *out, const char *prog);

/* Is a process with this comm selected by include/exclude? */
bool settings_comm_selected(const struct settings *s, const char *comm);

/* Does the sidecar's configuration opt this command in to signals? */
bool settings_comm_opted_in(const struct settings *s, const char *comm);

/* "histogram,heap_dump,pprof,heap_snapshot" for the bits (or "none"). */
void settings_format_actions(unsigned actions, char *buf, size_t size);

/* The metric's name: "working_set" or "usage". */
const char *settings_metric_name(enum metric m);

#endif
