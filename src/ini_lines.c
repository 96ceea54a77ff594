#include "ini_lines.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

int ini_lines_open(struct ini_lines *l, const char *path)
{
	*l = (struct ini_lines){0};
	l->f = fopen(path, "re");
	if (!l->f)
		return errno;
	struct stat st;
	if (fstat(fileno(l->f), &st) == 0 && !S_ISREG(st.st_mode)) {
		ini_lines_close(l);
		return EISDIR;
	}
	return 0;
}

void ini_lines_close(struct ini_lines *l)
{
	if (l->f)
		fclose(l->f);
	l->f = NULL;
}

/* Cuts the comment off a line: a ';' or '#' at its start or after a blank
 * begins one. libinih itself knows ';' in both places but '#' at the start
 * only, so "warning = 80 # c" would read as the value "80 # c"; one rule for
 * both signs, applied before libinih sees the line, leaves nothing for it to
 * treat differently. A sign inside a word stays: "http://h/x#y", "a;b". The
 * blanks before the comment go with it; the newline stays. */
static void cut_comment(char *str)
{
	for (size_t i = 0; str[i]; i++) {
		if (str[i] != ';' && str[i] != '#')
			continue;
		/* isspace, as libinih tests "after a blank" for ';'. */
		if (i && !isspace((unsigned char)str[i - 1]))
			continue;
		bool newline = strchr(str + i, '\n') != NULL;
		while (i && isspace((unsigned char)str[i - 1]))
			i--;
		if (newline)
			str[i++] = '\n';
		str[i] = '\0';
		return;
	}
}

char *ini_lines_read(char *str, int num, void *stream)
{
	struct ini_lines *l = stream;
	if (!fgets(str, num, l->f))
		return NULL;
	l->line++;
	size_t len = strlen(str);
	if (len == (size_t)num - 1 && str[len - 1] != '\n' && !feof(l->f)) {
		int c;
		while ((c = fgetc(l->f)) != EOF && c != '\n')
			;
		if (!l->long_line) {
			l->long_line = l->line;
			l->longest = num - 2;
		}
		str[0] = '\0'; /* an empty line: no parse error of its own */
		return str;
	}
	size_t lead = strspn(str, " \t");
	if (lead)
		memmove(str, str + lead, len - lead + 1);
	cut_comment(str);
	return str;
}
