/* commfilter: which processes the sidecar looks at, by command name.
 *
 * A filter is a comma-separated list of shell patterns (fnmatch(3)) matched
 * against a process's comm. Pure functions.
 */
#ifndef OOMSENTRY_COMMFILTER_H
#define OOMSENTRY_COMMFILTER_H

#include <stdbool.h>

/* The longest list with its NUL: 180 characters, so that "include = <list>"
 * fits a 199-character INI line. */
#define COMMFILTER_MAX 181

/* Checks a list as a user wrote it and stores it in out (COMMFILTER_MAX
 * bytes) without the blanks around its items. Empty items are refused: "a,,b"
 * is a typo, not a wish. Returns 0, or -EINVAL / -ERANGE with *why set and out
 * untouched. */
int commfilter_parse(const char *list, char *out, const char **why);

/* Does comm match one of the patterns of a list commfilter_parse stored? */
bool commfilter_matches(const char *list, const char *comm);

/* Is comm selected: matched by include (or include empty), and not by
 * exclude? */
bool commfilter_selected(const char *include, const char *exclude, const char *comm);

#endif
