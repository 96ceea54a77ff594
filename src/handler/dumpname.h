/* dumpname: the names of dump files, built and recognised. Pure.
 *
 *   <hostname>-<pid>-<YYYYMMDDTHHMMSS.mmmZ>-<level>.txt   summary
 *   <hostname>-<pid>-<YYYYMMDDTHHMMSS.mmmZ>-<level>.heap  heap profile
 *   .<final name>.<6 random characters>                  being written
 *
 * The time has no colons (S3 keys, Windows shares) and sorts as text. The
 * hostname is the pod name in Kubernetes; it may contain '-', so names are
 * parsed from the right.
 */
#ifndef OOMSENTRY_HANDLER_DUMPNAME_H
#define OOMSENTRY_HANDLER_DUMPNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "oomsentry.h"

/* "20240131T120000.123Z" */
#define DUMPNAME_TIME_LEN 20
#define DUMPNAME_HOST_MAX 64

enum dumpname_kind { DUMPNAME_SUMMARY, DUMPNAME_HEAP, DUMPNAME_TEMP };

struct dumpname_info {
	enum dumpname_kind kind;
	char time[DUMPNAME_TIME_LEN + 1]; /* sorts chronologically */
	size_t base_len;                  /* of the final name without extension */
};

const char *dumpname_level(enum oomsentry_level level);

/* Copies a hostname keeping [A-Za-z0-9._] and mapping anything else to '_'
 * ('-' is kept too); empty becomes "unknown". Truncated to size-1. */
void dumpname_sanitize_host(const char *host, char *out, size_t size);

/* "<host>-<pid>-<time>-<level>" (no directory). Returns 0 or -ENAMETOOLONG. */
int dumpname_base(char *out, size_t size, const char *host, pid_t pid,
		  const struct timespec *utc, enum oomsentry_level level);

/* ".<final>.<suffix>"; suffix is 6 characters from [a-z0-9] chosen by the
 * caller (random). Returns 0 or -ENAMETOOLONG. */
int dumpname_temp(char *out, size_t size, const char *final_name, const char suffix[6]);

/* Recognises a summary, a heap profile or a temporary file of ours.
 * Returns false for anything else. */
bool dumpname_parse(const char *name, struct dumpname_info *info);

#endif
