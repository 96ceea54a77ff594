#include "procscan.h"

#include "cgroup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Skips `n` space-separated fields starting at p; NULL if they run out. */
static const char *skip_fields(const char *p, int n)
{
	while (n-- > 0) {
		p = strchr(p, ' ');
		if (!p)
			return NULL;
		p++;
	}
	return p;
}

static int parse_u64_field(const char *p, uint64_t *out)
{
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(p, &end, 10);
	if (errno || (*end != ' ' && *end != '\n' && *end != '\0'))
		return -EINVAL;
	*out = v;
	return 0;
}

int proc_parse_stat(const char *buf, struct proc_stat *out)
{
	/* "pid (comm) state ppid pgrp session tty tpgid flags ... starttime(22)".
	 * comm is chosen by the program and may contain ") " itself, so the
	 * fields after it are found from the last ')'. */
	const char *open = strchr(buf, '(');
	const char *close = strrchr(buf, ')');
	if (!open || !close || close < open || close[1] != ' ')
		return -EINVAL;
	size_t n = (size_t)(close - open - 1);
	if (n >= sizeof out->comm)
		n = sizeof out->comm - 1;
	memcpy(out->comm, open + 1, n);
	out->comm[n] = '\0';

	const char *p = close + 2; /* field 3: state */
	if (!*p || p[1] != ' ')
		return -EINVAL;
	out->state = *p;
	uint64_t v;
	const char *f = skip_fields(p, 1); /* field 4: ppid */
	if (!f || parse_u64_field(f, &v))
		return -EINVAL;
	out->ppid = (pid_t)v;
	f = skip_fields(p, 6); /* field 9: flags */
	if (!f || parse_u64_field(f, &v))
		return -EINVAL;
	out->flags = (unsigned long)v;
	f = skip_fields(p, 19); /* field 22: starttime */
	if (!f || parse_u64_field(f, &out->starttime))
		return -EINVAL;
	return 0;
}

static int parse_hex_line(const char *buf, const char *key, uint64_t *out)
{
	const char *p = strstr(buf, key);
	/* Only at the start of a line. */
	while (p && p != buf && p[-1] != '\n')
		p = strstr(p + 1, key);
	if (!p)
		return -EINVAL;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	if (!isxdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(p, &end, 16);
	if (errno || (*end != '\n' && *end != '\0'))
		return -EINVAL;
	*out = v;
	return 0;
}

/* sscanf reads a copy of the line that holds only blanks and digits, so
 * that %llu can neither skip the newline into the next line nor take a sign;
 * %10llu cannot overflow, and a longer number shows by the digit that
 * follows. */
int proc_status_numbers(const char *p, unsigned long long *v, int max)
{
	char line[512]; /* NSpid: 33 pids at most (32 nested namespaces) */
	size_t n = strcspn(p, "\n");
	if (n >= sizeof line || strspn(p, "\t 0123456789") < n)
		return -EINVAL;
	memcpy(line, p, n);
	line[n] = '\0';
	int count = 0, off = 0, used;
	unsigned long long x;
	for (; sscanf(line + off, "%10llu%n", &x, &used) == 1; off += used) {
		char next = line[off + used];
		if (count == max || x > UINT32_MAX || (next >= '0' && next <= '9'))
			return -EINVAL;
		v[count++] = x;
	}
	return count;
}

int proc_parse_status(const char *buf, struct proc_status *out)
{
	memset(out, 0, sizeof *out);
	if (parse_hex_line(buf, "SigCgt:", &out->sig_caught) ||
	    parse_hex_line(buf, "SigIgn:", &out->sig_ignored) ||
	    parse_hex_line(buf, "SigBlk:", &out->sig_blocked))
		return -EINVAL;
	/* "Uid:\treal\teffective\tsaved\tfs" */
	const char *u = strstr(buf, "\nUid:");
	unsigned long long ids[4];
	if (u && proc_status_numbers(u + 5, ids, 4) >= 3) {
		out->uid_real = (uid_t)ids[0];
		out->uid_effective = (uid_t)ids[1];
		out->uid_saved = (uid_t)ids[2];
		out->has_uid = true;
	}
	return 0;
}

bool proc_is_kernel_thread(const struct proc_stat *st) { return st->flags & PROC_PF_KTHREAD; }

bool proc_is_zombie(const struct proc_stat *st) { return st->state == 'Z' || st->state == 'X'; }

bool proc_is_exiting(const struct proc_stat *st)
{
	return (st->flags & PROC_PF_EXITING) || proc_is_zombie(st);
}

ssize_t proc_read_at(int dirfd, const char *name, char *buf, size_t size)
{
	return cg_read_text_file(dirfd, name, buf, size);
}

ssize_t proc_read(const char *proc_root, pid_t pid, const char *name, char *buf, size_t size)
{
	char path[512];
	if (snprintf(path, sizeof path, "%s/%d/%s", proc_root, (int)pid, name) >= (int)sizeof path)
		return -ENAMETOOLONG;
	return proc_read_at(AT_FDCWD, path, buf, size);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

pid_t proc_parse_pid(const char *s)
{
	/* strtol alone would take a sign or leading blanks. */
	if (!isdigit((unsigned char)s[0]))
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno || v <= 0 || v > INT32_MAX)
		return -1;
	return (pid_t)v;
}

pid_t proc_self_pid(const char *proc_root)
{
	char path[4096], target[32];
	if (snprintf(path, sizeof path, "%s/self", proc_root) >= (int)sizeof path)
		return -1;
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	return proc_parse_pid(target);
}

int proc_list_pids(const char *proc_root, struct pid_list *list)
{
	DIR *d = opendir(proc_root);
	if (!d)
		return -errno;
	list->len = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d))) {
		pid_t v = proc_parse_pid(e->d_name);
		if (v < 0)
			continue;
		if (list->len == list->cap) {
			size_t cap = list->cap ? list->cap * 2 : 256;
			pid_t *p = realloc(list->pids, cap * sizeof *p);
			if (!p) {
				closedir(d);
				return -ENOMEM;
			}
			list->pids = p;
			list->cap = cap;
		}
		list->pids[list->len++] = (pid_t)v;
	}
	int err = errno;
	closedir(d);
	if (err)
		return -err;
	qsort(list->pids, list->len, sizeof *list->pids, cmp_pid);
	return 0;
}

void pid_list_free(struct pid_list *list)
{
	free(list->pids);
	list->pids = NULL;
	list->len = list->cap = 0;
}
