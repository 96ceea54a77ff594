#include "attach_proto.h"
#include "procscan.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Appends s and its NUL. */
static int put_str(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
	if (size - *len < n + 1)
		return -ENOBUFS;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[(*len)++] = '\0';
	return 0;
}

ssize_t attach_request(char *buf, size_t size, const char *cmd,
		       const char *const args[ATTACH_ARGS])
{
	if (!cmd || !*cmd || strlen(cmd) > ATTACH_NAME_MAX)
		return -EINVAL;
	size_t arg_len[ATTACH_ARGS];
	for (int i = 0; i < ATTACH_ARGS; i++) {
		const char *a = args ? args[i] : NULL;
		arg_len[i] = a ? strlen(a) : 0;
		if (arg_len[i] > ATTACH_ARG_MAX)
			return -EINVAL;
	}
	size_t len = 0;
	if (put_str(buf, size, &len, "1", 1) || put_str(buf, size, &len, cmd, strlen(cmd)))
		return -ENOBUFS;
	for (int i = 0; i < ATTACH_ARGS; i++)
		if (put_str(buf, size, &len, arg_len[i] ? args[i] : "", arg_len[i]))
			return -ENOBUFS;
	return (ssize_t)len;
}

ssize_t attach_reply_status(const char *buf, size_t len, int *status)
{
	/* HotSpot writes the jint with "%d\n": an optional '-', 1 to 10 digits.
	 * Every byte is judged as it arrives, so garbage is refused at once
	 * instead of after a timeout. */
	size_t i = 0;
	bool neg = len > 0 && buf[0] == '-';
	if (neg)
		i = 1;
	int64_t v = 0;
	const int64_t limit = neg ? -(int64_t)INT_MIN : INT_MAX;
	size_t digits = 0;
	for (; i < len; i++) {
		char c = buf[i];
		if (c == '\n') {
			if (!digits)
				return -EPROTO;
			*status = (int)(neg ? -v : v);
			return (ssize_t)(i + 1);
		}
		if (c < '0' || c > '9' || ++digits > 10)
			return -EPROTO;
		v = v * 10 + (c - '0');
		if (v > limit)
			return -EPROTO;
	}
	return 0;
}

/* The value of "key" at the start of a line, or NULL. */
static const char *line_value(const char *buf, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, key, n) == 0)
			return p + n;
	}
	return NULL;
}

int attach_parse_status(const char *buf, struct attach_ids *out)
{
	out->nspid = 0;
	/* "NSpid:\t4123\t1": one pid per nested namespace, the innermost last. */
	const char *p = line_value(buf, "NSpid:");
	if (p) {
		unsigned long long pids[64];
		int n = proc_status_numbers(p, pids, 64);
		if (n <= 0)
			return -EINVAL;
		for (int i = 0; i < n; i++)
			if (pids[i] == 0 || pids[i] > INT32_MAX)
				return -EINVAL;
		out->nspid = (pid_t)pids[n - 1];
	}
	/* "Gid:\treal\teffective\tsaved\tfs" */
	p = line_value(buf, "Gid:");
	unsigned long long ids[4];
	if (!p || proc_status_numbers(p, ids, 4) < 2)
		return -EINVAL;
	out->egid = (gid_t)ids[1];
	return 0;
}

/* The longest histogram line read whole: the row's blanks and numbers (some
 * 40 bytes from HotSpot) and a class name longer than runtime_act.c keeps. */
#define HISTOGRAM_LINE_MAX 512

size_t attach_histogram_top(const char *buf, size_t len, char *cls, size_t size)
{
	for (size_t start = 0; start < len;) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;
		/* sscanf reads a NUL-terminated copy of the line: buf is not
		 * terminated, and a NUL in it ends the copy's text as it ends a
		 * class name. */
		char line[HISTOGRAM_LINE_MAX];
		size_t n = end - start;
		bool whole = n < sizeof line;
		if (!whole)
			n = sizeof line - 1;
		memcpy(line, buf + start, n);
		line[n] = '\0';
		/* The row starts a line: spaces, "1:", spaces. Then #instances
		 * and #bytes, each followed by spaces, and the class name, which
		 * ends at a blank, any control byte or DEL. [ ] and [0-9], not
		 * " " and %u, which would also take tabs, line ends and signs. */
		const char *row = line + strspn(line, " ");
		if (strncmp(row, "1: ", 3) == 0) {
			int at = -1, stop = -1;
			sscanf(row, "1:%*[ ]%*[0-9]%*[ ]%*[0-9]%*[ ]%n%*[^\x01-\x20\x7f]%n", &at,
			       &stop);
			/* A name that runs to the end of a cut copy may go on. */
			if (stop < 0 || (!whole && row + stop == line + n))
				return 0;
			size_t k = (size_t)(stop - at);
			if (k >= size)
				return 0;
			memcpy(cls, row + at, k);
			cls[k] = '\0';
			return k;
		}
		if (!nl)
			break;
		start = end + 1;
	}
	return 0;
}
