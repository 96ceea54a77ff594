/* report: what --once prints, one logfmt line per process we watch or would
 * watch but cannot (see the README for the fields). The level is the
 * policy's for the value alone; there is no history in one look. */
#ifndef OOMSENTRY_REPORT_H
#define OOMSENTRY_REPORT_H

#include <stdio.h>

struct procs;
struct settings;

void report_once(const struct settings *s, const struct procs *ps, FILE *out);

#endif
