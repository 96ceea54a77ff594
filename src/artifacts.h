/* artifacts: the names of the files the sidecar writes (and has a JVM
 * write), built and recognised. Pure.
 *
 *   <host>-<comm>-<pid>-<YYYYMMDDTHHMMSS.mmmZ>-<level>.<extension>
 *   .<final name>.<6 random characters>            being written
 *
 * Extensions: histogram.txt (a JVM's class histogram), heap.pb.gz (a Go
 * heap profile, for go tool pprof), hprof.gz (a JVM's heap dump),
 * flight.csv and flight.svg (a container's flight record and its chart;
 * their level is "critical" or "oomkill", the process the container's
 * first). host is
 * the pod's name (containers of a pod share it), comm the process's
 * command name and pid its pid in the pod, so a name says whose memory it
 * shows; both are reduced to [A-Za-z0-9._-] (anything else becomes '_').
 * The time has no colons (S3 keys, Windows shares) and sorts as text.
 * Names are parsed from the right: host and comm may contain '-'. */
#ifndef OOMSENTRY_ARTIFACTS_H
#define OOMSENTRY_ARTIFACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "utc.h"

enum artifact_kind {
	ARTIFACT_HISTOGRAM,
	ARTIFACT_PPROF,
	ARTIFACT_HPROF,
	ARTIFACT_FLIGHT_CSV, /* a flight record (flightsave.h) */
	ARTIFACT_FLIGHT_SVG, /* its chart */
	ARTIFACT_KINDS
};

#define ARTIFACT_NAME_MAX 200

/* "histogram.txt", "heap.pb.gz", "hprof.gz". */
const char *artifact_extension(enum artifact_kind k);

/* Builds a final name. level: "warning", "critical" or "oomkill". Returns 0 or
 * -ENAMETOOLONG (a host or comm is cut to fit first, so only a tiny buffer
 * fails). */
int artifact_name(char *out, size_t size, const char *host, const char *comm, pid_t pid,
		  int64_t secs, long millis, const char *level, enum artifact_kind k);

/* ".<final>.<suffix>" with suffix 6 characters of [a-z0-9]. */
int artifact_temp_name(char *out, size_t size, const char *final, const char suffix[6]);

/* What a directory entry is: a final name of ours (its kind and time set),
 * a temporary file of ours (*temp set), or neither (false). */
struct artifact_info {
	enum artifact_kind kind;
	bool temp;
	char time[UTC_TEXT_MAX];   /* UTC_BASIC; sorts chronologically */
};
bool artifact_parse(const char *name, struct artifact_info *info);

#endif
