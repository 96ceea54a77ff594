#include "caps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

int caps_query(struct caps_have *have)
{
	cap_t c = cap_get_proc();
	if (!c)
		return -errno;
	cap_flag_value_t v;
	cap_get_flag(c, CAP_KILL, CAP_PERMITTED, &v);
	have->kill = v == CAP_SET;
	cap_get_flag(c, CAP_SYS_PTRACE, CAP_PERMITTED, &v);
	have->sys_ptrace = v == CAP_SET;
	cap_get_flag(c, CAP_SETUID, CAP_PERMITTED, &v);
	have->setuid = v == CAP_SET;
	cap_get_flag(c, CAP_SETGID, CAP_PERMITTED, &v);
	have->setgid = v == CAP_SET;
	cap_free(c);
	return 0;
}

static bool kept(const struct caps_have *k, cap_value_t v)
{
	return (k->kill && v == CAP_KILL) || (k->sys_ptrace && v == CAP_SYS_PTRACE) ||
	       (k->setuid && v == CAP_SETUID) || (k->setgid && v == CAP_SETGID);
}

int caps_restrict(const struct caps_have *k, char *err, size_t errsz)
{
	cap_value_t keep[4];
	int nkeep = 0;
	static const cap_value_t ours[] = {CAP_KILL, CAP_SYS_PTRACE, CAP_SETUID, CAP_SETGID};
	for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
		if (kept(k, ours[i]))
			keep[nkeep++] = ours[i];

	/* The bounding set can only shrink while CAP_SETPCAP is effective, so it
	 * goes first; without CAP_SETPCAP it stays as it is (no_new_privs below
	 * keeps it from being used anyway). */
	if (CAP_IS_SUPPORTED(CAP_SETPCAP) && cap_get_bound(CAP_SETPCAP) >= 0) {
		cap_t cur = cap_get_proc();
		cap_flag_value_t setpcap = CAP_CLEAR;
		if (cur) {
			cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
			cap_free(cur);
		}
		if (setpcap == CAP_SET) {
			for (cap_value_t v = 0; v <= cap_max_bits() - 1; v++) {
				if (kept(k, v))
					continue;
				if (cap_get_bound(v) > 0 && cap_drop_bound(v) < 0) {
					int e = errno;
					snprintf(err, errsz, "cannot drop %s from the bounding set: %s",
						 cap_to_name(v), strerror(e));
					return -e;
				}
			}
		}
	}

	if (cap_reset_ambient() < 0 && errno != EINVAL) {
		int e = errno;
		snprintf(err, errsz, "cannot clear the ambient set: %s", strerror(e));
		return -e;
	}

	cap_t c = cap_init(); /* all clear */
	if (!c) {
		int e = errno;
		snprintf(err, errsz, "cap_init: %s", strerror(e));
		return -e;
	}
	if (nkeep) {
		cap_set_flag(c, CAP_PERMITTED, nkeep, keep, CAP_SET);
		cap_set_flag(c, CAP_EFFECTIVE, nkeep, keep, CAP_SET);
	}
	int r = cap_set_proc(c);
	int e = errno;
	cap_free(c);
	if (r < 0) {
		snprintf(err, errsz, "cannot set the capability sets: %s", strerror(e));
		return -e;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		e = errno;
		snprintf(err, errsz, "cannot set no_new_privs: %s", strerror(e));
		return -e;
	}
	return 0;
}

void caps_describe(char *buf, size_t size)
{
	cap_t c = cap_get_proc();
	char *text = c ? cap_to_text(c, NULL) : NULL;
	snprintf(buf, size, "%s", text ? text : "unknown");
	if (text)
		cap_free(text);
	if (c)
		cap_free(c);
}

/* What to change so that a hidden process (pid, of proc_root) can be read,
 * by the Pod Security level each way needs; k8s/README.md has the table.
 * /proc/PID is owned by the process's effective ids while it is dumpable,
 * by root otherwise. A root process needs CAP_SYS_PTRACE only for the
 * capabilities it holds beyond the sidecar's (the kernel's ptrace access
 * rule), a non-dumpable one always. */
void caps_fix_hint(char *buf, size_t size, const char *proc_root, pid_t pid, bool have_setids)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof path, "%s/%d", proc_root, (int)pid);
	if (stat(path, &st) < 0 || st.st_uid == 0) {
		snprintf(buf, size,
			 "a process of uid 0 holding capabilities, or one that is not dumpable, is "
			 "reached only with CAP_SYS_PTRACE: run the sidecar with securityContext "
			 "{runAsUser: 0, capabilities: {drop: [ALL], add: [KILL, SYS_PTRACE]}} (Pod "
			 "Security privileged, k8s/pod.yaml), or drop the app's capabilities");
	} else if (geteuid() == 0 && !have_setids) {
		snprintf(buf, size,
			 "add SETUID and SETGID to the sidecar's capabilities (Pod Security "
			 "baseline, k8s/pod-baseline.yaml), or SYS_PTRACE (privileged, "
			 "k8s/pod.yaml)");
	} else {
		snprintf(buf, size,
			 "run the sidecar as uid %u, the app's, with no capability (Pod Security "
			 "restricted, k8s/pod-restricted.yaml), or as uid 0 with KILL, SETUID and "
			 "SETGID (baseline, k8s/pod-baseline.yaml)",
			 (unsigned)st.st_uid);
	}
}
