#include "attach_proto.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
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

/* One tab- or space-separated decimal of a status line into *out; p moves
 * past it. Returns 1, 0 at the end of the line, -EINVAL on garbage. */
static int next_decimal(const char **p, unsigned long *out)
{
	const char *s = *p;
	while (*s == '\t' || *s == ' ')
		s++;
	if (*s == '\n' || *s == '\0')
		return 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || (*end != '\t' && *end != ' ' && *end != '\n' && *end != '\0'))
		return -EINVAL;
	*out = v;
	*p = end;
	return 1;
}

int attach_parse_status(const char *buf, struct attach_ids *out)
{
	out->nspid = 0;
	/* "NSpid:\t4123\t1": one pid per nested namespace, the innermost last. */
	const char *p = line_value(buf, "NSpid:");
	if (p) {
		unsigned long v;
		int r, n = 0;
		while ((r = next_decimal(&p, &v)) == 1) {
			if (v == 0 || v > INT32_MAX)
				return -EINVAL;
			out->nspid = (pid_t)v;
			n++;
		}
		if (r < 0 || n == 0)
			return -EINVAL;
	}
	/* "Gid:\treal\teffective\tsaved\tfs" */
	p = line_value(buf, "Gid:");
	unsigned long ids[2];
	if (!p || next_decimal(&p, &ids[0]) != 1 || next_decimal(&p, &ids[1]) != 1 ||
	    ids[1] > UINT32_MAX)
		return -EINVAL;
	out->egid = (gid_t)ids[1];
	return 0;
}

/* Digits, then at least one blank. Returns the position after the blanks,
 * or 0 if there are no digits. */
static size_t skip_number(const char *b, size_t len, size_t i)
{
	size_t start = i;
	while (i < len && b[i] >= '0' && b[i] <= '9')
		i++;
	if (i == start || i >= len || b[i] != ' ')
		return 0;
	while (i < len && b[i] == ' ')
		i++;
	return i;
}

size_t attach_histogram_top(const char *buf, size_t len, char *cls, size_t size)
{
	/* The row starts a line: blanks, "1:", blanks. Hand-rolled rather than
	 * sscanf, which costs the static sidecar about 90 KiB. */
	for (size_t line = 0; line < len;) {
		size_t i = line;
		while (i < len && buf[i] == ' ')
			i++;
		if (i + 2 < len && buf[i] == '1' && buf[i + 1] == ':' && buf[i + 2] == ' ') {
			i += 2;
			while (i < len && buf[i] == ' ')
				i++;
			i = skip_number(buf, len, i);      /* #instances */
			i = i ? skip_number(buf, len, i) : 0; /* #bytes */
			if (!i)
				return 0;
			size_t n = 0;
			/* The name ends at a blank or any control byte (NUL included). */
			while (i + n < len && (unsigned char)buf[i + n] > ' ' && buf[i + n] != 0x7f)
				n++;
			if (!n || n >= size)
				return 0;
			memcpy(cls, buf + i, n);
			cls[n] = '\0';
			return n;
		}
		const char *nl = memchr(buf + line, '\n', len - line);
		if (!nl)
			break;
		line = (size_t)(nl - buf) + 1;
	}
	return 0;
}
