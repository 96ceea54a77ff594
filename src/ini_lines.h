/* ini_lines: the lines of an INI file, for libinih's ini_parse_stream.
 *
 * libinih reads lines of at most INI_MAX_LINE - 1 characters (199 in
 * Debian's build), goes on after an error, and treats an indented line as the
 * continuation of the previous value. Reading through this reader counts
 * lines, refuses overlong ones instead of letting them be split, strips
 * indentation so that every line stands alone, and cuts comments: a ';' or
 * '#' at the start of a line or after a blank begins one (libinih alone
 * takes '#' at the start of a line only).
 */
#ifndef OOMSENTRY_INI_LINES_H
#define OOMSENTRY_INI_LINES_H

#include <stdio.h>

struct ini_lines {
	FILE *f;
	int line;       /* the line read last, from 1 */
	int long_line;  /* the first line that was too long, or 0 */
	int longest;    /* with long_line: the most characters a line may have */
};

/* Opens a file to read. Returns 0, or an errno: EISDIR for anything but a
 * regular file. */
int ini_lines_open(struct ini_lines *l, const char *path);
void ini_lines_close(struct ini_lines *l);

/* An ini_reader: the next line of stream (a struct ini_lines) into str,
 * without its indentation and its comment. A line too long for str is
 * skipped and reads as an empty line. */
char *ini_lines_read(char *str, int num, void *stream);

#endif
