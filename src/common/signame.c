#include "signame.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	int signo;
} names[] = {
	{"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
	{"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
	{"FPE", SIGFPE},   {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},
	{"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	{"WINCH", SIGWINCH}, {"IO", SIGIO},       {"POLL", SIGPOLL},   {"PWR", SIGPWR},
	{"SYS", SIGSYS},
};

static int parse_small_int(const char *s, int *out)
{
	if (!*s)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
	if (strlen(s) > 3)
		return -EINVAL;
	*out = atoi(s); /* at most three digits: cannot overflow */
	return 0;
}

int signame_parse(const char *s, int *signo)
{
	if (!s || !*s)
		return -EINVAL;
	int n;
	if (isdigit((unsigned char)s[0])) {
		if (parse_small_int(s, &n) || n < 1 || n > SIGRTMAX)
			return -EINVAL;
		/* 32 and 33 sit below SIGRTMIN: glibc keeps them for itself. */
		if (n > 31 && n < SIGRTMIN)
			return -EINVAL;
		*signo = n;
		return 0;
	}
	const char *p = s;
	if (strncasecmp(p, "SIG", 3) == 0)
		p += 3;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (strcasecmp(p, names[i].name) == 0) {
			*signo = names[i].signo;
			return 0;
		}
	}
	int base, dir;
	if (strncasecmp(p, "RTMIN", 5) == 0) {
		base = SIGRTMIN;
		dir = 1;
	} else if (strncasecmp(p, "RTMAX", 5) == 0) {
		base = SIGRTMAX;
		dir = -1;
	} else {
		return -EINVAL;
	}
	p += 5;
	if (*p == '\0') {
		*signo = base;
		return 0;
	}
	if ((dir > 0 && *p != '+') || (dir < 0 && *p != '-'))
		return -EINVAL;
	if (parse_small_int(p + 1, &n))
		return -EINVAL;
	n = base + dir * n;
	if (n < SIGRTMIN || n > SIGRTMAX)
		return -EINVAL;
	*signo = n;
	return 0;
}

const char *signame_format(int signo, char *buf, size_t size)
{
	if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
		if (signo == SIGRTMIN)
			snprintf(buf, size, "SIGRTMIN");
		else
			snprintf(buf, size, "SIGRTMIN+%d", signo - SIGRTMIN);
		return buf;
	}
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (names[i].signo == signo) {
			snprintf(buf, size, "SIG%s", names[i].name);
			return buf;
		}
	}
	snprintf(buf, size, "%d", signo);
	return buf;
}

const char *signame_clash(int warning, int critical, char *buf, size_t size)
{
	if (!warning || warning != critical)
		return NULL;
	return signame_format(warning, buf, size);
}

bool signame_default_harms(int signo)
{
	switch (signo) {
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
	case SIGCONT:
		return false;
	default:
		return true;
	}
}

bool signame_meant_to_stop(int signo)
{
	switch (signo) {
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
	case SIGKILL:
	case SIGABRT:
		return true;
	default:
		return false;
	}
}
