#include "runtime_act.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "artifacts.h"
#include "dump_modes.h"
#include "dumpdir.h"
#include "fsids.h"
#include "jobs.h"
#include "jvm_attach.h"
#include "log.h"
#include "loop.h"
#include "pprof_fetch.h"
#include "settings.h"

/* A class histogram is a few hundred KiB at most; a Go heap profile a few
 * MiB. What they are expected to need when the free space is checked, and
 * the most that is kept of them. */
#define SMALL_FILE_EXPECT (1u << 20)
#define HISTOGRAM_MAX (64u << 20)
#define PPROF_MAX (256u << 20)
/* Each port of a Go program gets this long to connect and to send each
 * piece of its profile: a pprof handler answers in milliseconds. */
#define PPROF_PORT_TIMEOUT_MS 5000

/* The file being written, for the deadline's handler: the child ends at
 * ACTION_TIMEOUT by SIGALRM, and takes its temporary file with it. */
static struct dumpfile *volatile writing;

static void on_deadline(int signo)
{
	struct dumpfile *f = writing;
	if (f && f->dirfd >= 0)
		unlinkat(f->dirfd, f->temp, 0);
	/* Still end by SIGALRM, so the parent reports a timeout. */
	signal(signo, SIG_DFL);
	raise(signo);
}

struct ctx {
	const struct settings *s;
	const struct job *j;
	uint64_t deadline_us;
	int64_t secs;
	long millis;
	char host[64];
};

static int remaining_ms(const struct ctx *c)
{
	uint64_t now = loop_now_us();
	return now >= c->deadline_us ? 1 : (int)((c->deadline_us - now) / 1000);
}

static void log_head(struct log_line *l, const struct ctx *c, const char *action)
{
	log_int(l, "pid", c->j->pid);
	log_str(l, "comm", c->j->comm);
	log_str(l, "runtime", runtime_name(c->j->rt.kind));
	log_str(l, "action", action);
	log_str(l, "memory_level", policy_level_name(c->j->level));
}

static void failed(const struct ctx *c, const char *action, const char *why)
{
	struct log_line l;
	if (log_begin(&l, LOG_ERROR, "action_failed")) {
		log_head(&l, c, action);
		log_str(&l, "reason", why);
		log_end(&l);
	}
}

static void written(const struct ctx *c, const char *action, const char *path, uint64_t bytes,
		    uint64_t t0, const char *extra_key, const char *extra)
{
	struct log_line l;
	if (log_begin(&l, LOG_INFO, "dump_written")) {
		log_head(&l, c, action);
		log_str(&l, "path", path);
		log_uint(&l, "bytes", bytes);
		log_uint(&l, "took_ms", (loop_now_us() - t0) / 1000);
		if (extra_key)
			log_str(&l, extra_key, extra);
		log_end(&l);
	}
}

/* Publishes a file written into DUMP_DIR and logs it, or why not. */
static int publish(const struct ctx *c, struct dumpfile *f, const char *action, uint64_t t0,
		   const char *extra_key, const char *extra)
{
	const struct settings *s = c->s;
	char err[512], path[SETTINGS_PATH_MAX + ARTIFACT_NAME_MAX + 2];
	uint64_t bytes;
	unsigned removed;
	writing = NULL; /* from here the file is published or gone */
	if (dumpdir_commit(f, s->dump_min_free, s->dump_keep, &bytes, &removed, err, sizeof err)) {
		failed(c, action, err);
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s", s->dump_dir, f->final);
	written(c, action, path, bytes, t0, extra_key, extra);
	return 0;
}

static int name_for(const struct ctx *c, enum artifact_kind k, char *out, size_t size)
{
	return artifact_name(out, size, c->host, c->j->comm, c->j->pid, c->secs, c->millis,
			     policy_level_name(c->j->level), k);
}

/* The class that holds the most, for the log line. */
static void top_class(int fd, char *out, size_t size)
{
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof buf, 0);
	out[0] = '\0';
	if (n > 0)
		attach_histogram_top(buf, (size_t)n, out, size);
}

static int histogram(const struct ctx *c)
{
	const struct settings *s = c->s;
	char name[ARTIFACT_NAME_MAX], err[512];
	if (name_for(c, ARTIFACT_HISTOGRAM, name, sizeof name)) {
		failed(c, "histogram", "file name too long");
		return -1;
	}
	uint64_t t0 = loop_now_us();
	struct dumpfile f;
	if (dumpdir_begin(s->dump_dir, name, ARTIFACT_HISTOGRAM, s->dump_min_free,
			  SMALL_FILE_EXPECT, &f, err, sizeof err)) {
		failed(c, "histogram", err);
		return -1;
	}
	writing = &f;
	struct jvm_target t = {s->proc_root, c->j->pid, c->j->pidfd};
	const char *args[ATTACH_ARGS] = {"GC.class_histogram", NULL, NULL};
	size_t got = 0;
	int truncated = 0;
	int st = jvm_attach_run(&t, "jcmd", args, f.fd, HISTOGRAM_MAX, remaining_ms(c), &got,
				&truncated, err, sizeof err);
	if (st != 0) {
		if (st > 0)
			snprintf(err, sizeof err, "the JVM answered status %d", st);
		writing = NULL;
		dumpdir_abort(&f);
		failed(c, "histogram", err);
		return -1;
	}
	char top[256];
	top_class(f.fd, top, sizeof top);
	return publish(c, &f, "histogram", t0, top[0] ? "top_class" : NULL, top);
}

/* What the JVM printed ("Dumping heap to ...", then "Heap dump file
 * created [...]" or why not), joined into one line for the log. */
static void reply_text(int fd, char *out, size_t size)
{
	ssize_t n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = p[1] ? ' ' : '\0';
}

/* HotSpot writes its dump 0600. In a set-group-ID directory (the pod's
 * fsGroup, dump_modes.h) the group may read it: the file already has the
 * directory's group, the JVM having created it there, so only its mode
 * changes. chmod is the owner's (or CAP_FOWNER's): without it, done with
 * the owner's file-system ids (CAP_SETUID, CAP_SETGID). Returns 0 (also
 * when the directory keeps dumps private) or -errno. */
static int grant_hprof(int dfd, const char *name)
{
	struct stat dir, file;
	mode_t dir_mode, file_mode;
	if (fstat(dfd, &dir) < 0)
		return -errno;
	if (!dump_modes_for(&dir, &dir_mode, &file_mode))
		return 0;
	/* AT_SYMLINK_NOFOLLOW: the name is in the app's directory. */
	if (fchmodat(dfd, name, file_mode, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != EPERM)
		return -errno;
	if (fstatat(dfd, name, &file, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	struct fsids id = FSIDS_INIT;
	int r = fsids_become(&id, file.st_uid, file.st_gid);
	if (!r && fchmodat(dfd, name, file_mode, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	fsids_restore(&id);
	return r;
}

/* Publishes a heap dump in the JVM's directory, seen through
 * /proc/PID/root: opens it to the directory's group where that is the rule
 * (grant_hprof; before the rename, so a shipper never sees it unreadable),
 * renames it from its temporary name and removes the oldest beyond the
 * keep count. The directory is the JVM user's: as another user without
 * CAP_DAC_OVERRIDE this is done with that user's file-system ids
 * (CAP_SETUID, CAP_SETGID); this child process exits right after. A mode
 * that could not be set does not stop the dump: *grant_err says why. */
static int publish_hprof(const char *dir, const char *from, const char *to, unsigned keep,
			 int *grant_err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	*grant_err = grant_hprof(dfd, from);
	int r = renameat(dfd, from, dfd, to) < 0 ? -errno : 0;
	struct fsids id = FSIDS_INIT;
	if (r == -EACCES || r == -EPERM) {
		struct stat st;
		if (fstat(dfd, &st) == 0 && fsids_become(&id, st.st_uid, st.st_gid) == 0)
			r = renameat(dfd, from, dfd, to) < 0 ? -errno : 0;
	}
	if (!r) {
		unsigned removed;
		dumpdir_rotate(dfd, ARTIFACT_HPROF, keep, &removed);
	}
	fsids_restore(&id);
	close(dfd);
	return r;
}

static int heap_dump_in_view(const struct ctx *c)
{
	const struct settings *s = c->s;
	char name[ARTIFACT_NAME_MAX], temp[ARTIFACT_NAME_MAX + 16], err[1400];
	char view[SETTINGS_PATH_MAX * 2 + 64], arg[ATTACH_ARG_MAX];
	if (name_for(c, ARTIFACT_HPROF, name, sizeof name) ||
	    artifact_temp_name(temp, sizeof temp, name, "jvmhd0")) {
		failed(c, "heap_dump", "file name too long");
		return -1;
	}
	/* The directory as the JVM sees it is its root's. */
	snprintf(view, sizeof view, "%s/%d/root%s", s->proc_root, (int)c->j->pid,
		 s->jvm_heap_dump_dir);
	struct stat st;
	if (stat(view, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, sizeof err,
			 "JVM_HEAP_DUMP_DIR=%s is not a directory in the app's container (%s)",
			 s->jvm_heap_dump_dir, strerror(errno ? errno : ENOTDIR));
		failed(c, "heap_dump", err);
		return -1;
	}
	/* A gzipped dump is usually a third of the heap or less; the
	 * container's usage bounds the heap. */
	int64_t avail = dumpdir_free_bytes(view);
	uint64_t expect = c->j->usage_bytes / 2;
	if (avail >= 0 && (uint64_t)avail < s->dump_min_free + expect) {
		snprintf(err, sizeof err,
			 "%s has %lld bytes free; a dump of about %llu would leave less than "
			 "DUMP_MIN_FREE=%llu",
			 s->jvm_heap_dump_dir, (long long)avail, (unsigned long long)expect,
			 (unsigned long long)s->dump_min_free);
		failed(c, "heap_dump", err);
		return -1;
	}
	int n = snprintf(arg, sizeof arg, "GC.heap_dump -gz=1 %s/%s", s->jvm_heap_dump_dir, temp);
	if (n < 0 || (size_t)n >= sizeof arg) {
		failed(c, "heap_dump", "JVM_HEAP_DUMP_DIR too long for the attach protocol");
		return -1;
	}
	int out = memfd_create("jvm-reply", MFD_CLOEXEC);
	if (out < 0) {
		failed(c, "heap_dump", "memfd_create failed");
		return -1;
	}
	uint64_t t0 = loop_now_us();
	struct jvm_target t = {s->proc_root, c->j->pid, c->j->pidfd};
	const char *args[ATTACH_ARGS] = {arg, NULL, NULL};
	size_t got = 0;
	int truncated = 0;
	int r = jvm_attach_run(&t, "jcmd", args, out, 4096, remaining_ms(c), &got, &truncated, err,
			       sizeof err);
	char reply[512];
	reply_text(out, reply, sizeof reply);
	close(out);
	char tview[sizeof view + sizeof temp + 2];
	snprintf(tview, sizeof tview, "%s/%s", view, temp);
	/* HotSpot answers status 0 to a dump it could not write ("Unable to
	 * create ...: File exists"): only its own words and the file say so. */
	if (r == 0 && !strstr(reply, "Heap dump file created")) {
		r = -EIO;
		snprintf(err, sizeof err, "the JVM wrote no dump: %s", reply[0] ? reply : "no reply");
	}
	if (r != 0 || stat(tview, &st) < 0) {
		if (r >= 0)
			snprintf(err, sizeof err, "the JVM wrote no dump: %s",
				 reply[0] ? reply : "no reply");
		unlink(tview);
		failed(c, "heap_dump", err);
		return -1;
	}
	int grant_err = 0;
	int e = publish_hprof(view, temp, name, s->dump_keep, &grant_err);
	if (e) {
		snprintf(err, sizeof err, "cannot rename %s to %s in %s: %s", temp, name,
			 s->jvm_heap_dump_dir, strerror(-e));
		failed(c, "heap_dump", err);
		return -1;
	}
	char path[SETTINGS_PATH_MAX + ARTIFACT_NAME_MAX + 2];
	snprintf(path, sizeof path, "%s/%s", s->jvm_heap_dump_dir, name);
	struct log_line l;
	if (grant_err && log_begin(&l, LOG_WARN, "dump_not_shared")) {
		log_head(&l, c, "heap_dump");
		log_str(&l, "path", path);
		log_errno(&l, -grant_err);
		log_str(&l, "effect",
			"the JVM's dump stays 0600: a shipper of the pod's fsGroup cannot read it");
		log_end(&l);
	}
	written(c, "heap_dump", path, (uint64_t)st.st_size, t0, "written_by", "jvm");
	return 0;
}

static int pprof(const struct ctx *c)
{
	const struct settings *s = c->s;
	char name[ARTIFACT_NAME_MAX], err[512];
	struct http_target target, *tp = NULL;
	if (s->go_pprof[0]) {
		const char *why;
		if (http_target_parse(s->go_pprof, &target, &why)) {
			failed(c, "pprof", why);
			return -1;
		}
		tp = &target;
	}
	if (name_for(c, ARTIFACT_PPROF, name, sizeof name)) {
		failed(c, "pprof", "file name too long");
		return -1;
	}
	uint64_t t0 = loop_now_us();
	struct dumpfile f;
	if (dumpdir_begin(s->dump_dir, name, ARTIFACT_PPROF, s->dump_min_free, SMALL_FILE_EXPECT,
			  &f, err, sizeof err)) {
		failed(c, "pprof", err);
		return -1;
	}
	writing = &f;
	int port = 0;
	int timeout = remaining_ms(c);
	ssize_t n = pprof_fetch(s->proc_root, c->j->pid, tp, f.fd, PPROF_MAX,
				timeout < PPROF_PORT_TIMEOUT_MS ? timeout : PPROF_PORT_TIMEOUT_MS,
				&port, err, sizeof err);
	if (n < 0) {
		writing = NULL;
		dumpdir_abort(&f);
		failed(c, "pprof", err);
		return -1;
	}
	char portbuf[16];
	snprintf(portbuf, sizeof portbuf, "%d", port);
	return publish(c, &f, "pprof", t0, "port", portbuf);
}

/* Reaching the JVM's directory through /proc/PID/root takes ptrace access:
 * without CAP_SYS_PTRACE the whole heap dump is done with the JVM user's
 * file-system ids (see fsids.h). Nothing of it is written into DUMP_DIR. */
static int heap_dump(const struct ctx *c)
{
	char root[SETTINGS_PATH_MAX + 32];
	snprintf(root, sizeof root, "%s/%d/root/", c->s->proc_root, (int)c->j->pid);
	struct fsids id = FSIDS_INIT;
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	else if (errno == EACCES || errno == EPERM)
		fsids_become_owner(&id, c->s->proc_root, c->j->pid);
	int r = heap_dump_in_view(c);
	fsids_restore(&id);
	return r;
}

int runtime_act_run(const struct settings *s, const struct job *j, uint64_t budget_us)
{
	struct ctx c = {.s = s, .j = j, .deadline_us = loop_now_us() + budget_us};
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	c.secs = now.tv_sec;
	c.millis = now.tv_nsec / 1000000;
	/* The pod's name: every container of a pod shares its UTS namespace. */
	if (gethostname(c.host, sizeof c.host) < 0)
		c.host[0] = '\0';
	c.host[sizeof c.host - 1] = '\0';
	struct sigaction sa = {.sa_handler = on_deadline};
	sigaction(SIGALRM, &sa, NULL);
	int bad = 0;
	/* The histogram first: it is quick and names the class even when the
	 * heap dump that follows is cut short by the OOM killer. */
	if (j->actions & ACTION_HISTOGRAM)
		bad |= histogram(&c);
	if (j->actions & ACTION_HEAP_DUMP)
		bad |= heap_dump(&c);
	if (j->actions & ACTION_PPROF)
		bad |= pprof(&c);
	return bad ? 1 : 0;
}
