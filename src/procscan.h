/* procscan: the processes under a /proc root, and what their stat and status
 * files say. Parsers are pure; the readers are thin. */
#ifndef OOMSENTRY_PROCSCAN_H
#define OOMSENTRY_PROCSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Flags from the kernel's include/linux/sched.h: field 9 of stat. */
#define PROC_PF_EXITING 0x00000004UL
#define PROC_PF_KTHREAD 0x00200000UL

#define PROC_COMM_MAX 64

struct proc_stat {
	char comm[PROC_COMM_MAX]; /* between the first '(' and the last ')' */
	char state;               /* R S D Z T t X I ... */
	pid_t ppid;
	unsigned long flags;
	uint64_t starttime;       /* clock ticks after boot: with the pid, an identity */
};

struct proc_status {
	uint64_t sig_caught;      /* SigCgt: bit (n-1) set if signal n has a handler */
	uint64_t sig_ignored;     /* SigIgn */
	uint64_t sig_blocked;     /* SigBlk (of the main thread) */
	uid_t uid_real, uid_effective, uid_saved;
	bool has_uid;             /* a Uid: line of 3 or 4 blank-separated uids */
};

/* Returns 0 or -EINVAL. comm may hold spaces and ')' characters. */
int proc_parse_stat(const char *buf, struct proc_stat *out);
/* Returns 0 or -EINVAL (a Sig* line missing or garbled). */
int proc_parse_status(const char *buf, struct proc_status *out);

/* The blank-separated decimals of a status line ("Uid:", "Gid:", "NSpid:";
 * p: after the key), up to max of them, into v. Returns how many, or -EINVAL
 * when the line holds anything else, more than max, is longer than 511
 * bytes, or has a number past 32 bits. */
int proc_status_numbers(const char *p, unsigned long long *v, int max);

static inline bool proc_sig_in(uint64_t mask, int signo)
{
	return signo >= 1 && signo <= 64 && (mask >> (signo - 1)) & 1;
}

bool proc_is_kernel_thread(const struct proc_stat *st);
bool proc_is_zombie(const struct proc_stat *st);
/* Dying or dead: PF_EXITING is set first thing in do_exit(), before the
 * kernel takes the process's namespaces and cgroups apart. What its /proc
 * files said while it was set may be half torn down: its v1 cgroup reads
 * "/" once cgroup_exit() has run, while its mounts still show its
 * container's. */
bool proc_is_exiting(const struct proc_stat *st);

/* Reads a small file relative to a directory fd into buf (NUL-terminated).
 * Returns the length or -errno. */
ssize_t proc_read_at(int dirfd, const char *name, char *buf, size_t size);
/* Reads "<proc_root>/<pid>/<name>". Returns the length or -errno. */
ssize_t proc_read(const char *proc_root, pid_t pid, const char *name, char *buf, size_t size);

/* "123" -> 123; anything else (a sign, blanks, trailing text, 0, out of
 * range) -> -1. */
pid_t proc_parse_pid(const char *s);
/* The pid that <proc_root>/self links to: our own pid as the PID namespace
 * of that /proc sees it (getpid() answers for our own namespace, which need
 * not be that one), or -1 where "self" is no link, as in a tree of files
 * made for tests. */
pid_t proc_self_pid(const char *proc_root);

/* A growable, sorted list of the numeric entries of a /proc root. */
struct pid_list {
	pid_t *pids;
	size_t len, cap;
};
/* Fills list with the pids under proc_root, ascending. Reuses list's memory
 * (no allocation once it is large enough). Returns 0 or -errno. */
int proc_list_pids(const char *proc_root, struct pid_list *list);
void pid_list_free(struct pid_list *list);

#endif
