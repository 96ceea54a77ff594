#include "fsids.h"

#include <errno.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

/* Root keeps euid 0 (which HotSpot's peer check accepts) and changes only
 * the file-system ids. setfsuid() returns the previous value whether or not
 * it took, so a second call with an invalid id (-1) reads the current one
 * back; setfsgid likewise. */
int fsids_become(struct fsids *id, uid_t uid, gid_t gid)
{
	if (geteuid() == 0) {
		id->gid = (gid_t)setfsgid(gid);
		id->uid = (uid_t)setfsuid(uid);
		if ((uid_t)setfsuid((uid_t)-1) != uid || (gid_t)setfsgid((gid_t)-1) != gid) {
			setfsuid(id->uid);
			setfsgid(id->gid);
			id->kind = FSIDS_SELF;
			return -EPERM;
		}
		id->kind = FSIDS_FS;
		return 0;
	}
	id->uid = geteuid();
	id->gid = getegid();
	if (setresgid((gid_t)-1, gid, (gid_t)-1))
		return -errno;
	if (setresuid((uid_t)-1, uid, (uid_t)-1)) {
		int e = errno;
		(void)!setresgid((gid_t)-1, id->gid, (gid_t)-1);
		return -e;
	}
	id->kind = FSIDS_EFFECTIVE;
	return 0;
}

int fsids_become_owner(struct fsids *id, const char *proc_root, pid_t pid)
{
	char path[512];
	struct stat st;
	if (snprintf(path, sizeof path, "%s/%d", proc_root, (int)pid) >= (int)sizeof path)
		return -ENAMETOOLONG;
	if (stat(path, &st) < 0)
		return -errno;
	return fsids_become(id, st.st_uid, st.st_gid);
}

void fsids_restore(struct fsids *id)
{
	if (id->kind == FSIDS_FS) {
		setfsuid(id->uid);
		setfsgid(id->gid);
	} else if (id->kind == FSIDS_EFFECTIVE) {
		/* Back to our own ids: always allowed, they are the real ones. */
		(void)!setresuid((uid_t)-1, id->uid, (uid_t)-1);
		(void)!setresgid((gid_t)-1, id->gid, (gid_t)-1);
	}
	id->kind = FSIDS_SELF;
}
