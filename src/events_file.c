#include "events_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dump_modes.h"
#include "dumpdir.h"
#include "log.h"

/* Faults that have no errno of their own, kept apart from errno values so
 * that each is logged once too. */
#define FAULT_SHORT_WRITE (-1)
#define FAULT_NOT_REGULAR (-2)

/* The events a shipper forwards: what happened to the app's memory and
 * what the sidecar did about it, and the sidecar's own life. */
static const char *const wanted[] = {
	"level",        "signal_sent",   "signal_skipped", "action_sent",
	"dump_written", "action_failed", "action_timeout", "heap_snapshot_requested",
	"oom_kill",     "start",         "stop",           "reloaded",
	"flight_recorded", "flight_record_failed",
};

bool events_file_wants(const char *event)
{
	for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
		if (strcmp(event, wanted[i]) == 0)
			return true;
	return false;
}

void events_file_init(struct events_file *ef)
{
	memset(ef, 0, sizeof *ef);
	ef->fd = -1;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* The start time alone could repeat after a restart within the same
	 * millisecond of a clock that stepped back; the pid tells those apart. */
	snprintf(ef->boot, sizeof ef->boot, "%lld-%d",
		 (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, (int)getpid());
}

void events_file_close(struct events_file *ef)
{
	if (ef->fd >= 0)
		close(ef->fd);
	ef->fd = -1;
	ef->size = 0;
}

void events_file_configure(struct events_file *ef, const char *dir, uint64_t max_bytes)
{
	ef->max_bytes = max_bytes;
	if (strcmp(ef->dir, dir) == 0)
		return;
	events_file_close(ef);
	snprintf(ef->dir, sizeof ef->dir, "%s", dir);
	ef->last_err = 0;
}

static int path_of(const struct events_file *ef, const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", ef->dir, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Logs fault once until a line is written again. */
static void fault(struct events_file *ef, int fault, const char *what, size_t wrote, size_t len)
{
	if (fault == ef->last_err)
		return;
	ef->last_err = fault;
	struct log_line l;
	if (!log_begin(&l, LOG_WARN, "events_unwritable"))
		return;
	char path[SETTINGS_PATH_MAX + 32];
	path_of(ef, EVENTS_FILE_NAME, path, sizeof path);
	log_str(&l, "path", path);
	log_str(&l, "problem", what);
	if (fault > 0)
		log_errno(&l, fault);
	if (fault == FAULT_SHORT_WRITE) {
		log_uint(&l, "wrote_bytes", wrote);
		log_uint(&l, "line_bytes", len);
	}
	log_str(&l, "effect",
		"events are dropped until the file can be written again (a gap in seq)");
	log_end(&l);
}

/* In a set-group-ID DUMP_DIR (the pod's fsGroup) our events.jsonl is made
 * readable by the group, for a shipper of another uid, whatever the umask
 * was when it was created, by this run or an earlier one. Best effort: a
 * file we own and can write is one we can chmod, short of a read-only
 * file system, where no line gets written anyway. */
static void grant_group(const struct events_file *ef, int fd, const struct stat *st)
{
	struct stat dir;
	mode_t dir_mode, file_mode;
	if (st->st_uid != geteuid() || (st->st_mode & 07777) == DUMP_FILE_MODE_GROUP)
		return;
	if (stat(ef->dir, &dir) == 0 && dump_modes_for(&dir, &dir_mode, &file_mode))
		(void)fchmod(fd, file_mode);
}

/* Opens events.jsonl for appending, creating DUMP_DIR (as dumpdir.c does:
 * 0700, 02770 in a set-group-ID parent) if it is missing. Returns 0 or a
 * fault. */
static int open_file(struct events_file *ef, const char **what)
{
	char path[SETTINGS_PATH_MAX + 32];
	if (path_of(ef, EVENTS_FILE_NAME, path, sizeof path)) {
		*what = "path too long";
		return ENAMETOOLONG;
	}
	/* DUMP_DIR is shared with the app's containers: O_NOFOLLOW so that a
	 * link planted there cannot aim our writes elsewhere, O_NONBLOCK so
	 * that a FIFO planted there cannot block the watch loop in open. */
	int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
	int fd = open(path, flags, 0640);
	if (fd < 0 && errno == ENOENT) {
		int made = dumpdir_mkdir(ef->dir);
		if (made) {
			*what = "cannot create DUMP_DIR";
			return -made;
		}
		fd = open(path, flags, 0640);
	}
	if (fd < 0) {
		*what = "cannot open";
		return errno;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		*what = "cannot stat";
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		*what = "not a regular file";
		return FAULT_NOT_REGULAR;
	}
	grant_group(ef, fd, &st);
	ef->fd = fd;
	/* Lines of an earlier run stay: the file's bound counts them. */
	ef->size = (uint64_t)st.st_size;
	return 0;
}

/* Is our fd still DUMP_DIR/events.jsonl? Not if the directory was removed
 * (and perhaps made again) or someone moved the file: then the lines would
 * go into a file no reader finds. */
static bool still_there(const struct events_file *ef)
{
	char path[SETTINGS_PATH_MAX + 32];
	struct stat byname, ours;
	if (path_of(ef, EVENTS_FILE_NAME, path, sizeof path) || stat(path, &byname) < 0 ||
	    fstat(ef->fd, &ours) < 0)
		return false;
	return byname.st_dev == ours.st_dev && byname.st_ino == ours.st_ino;
}

/* events.jsonl becomes events.jsonl.1, replacing the previous one (rename
 * is atomic: a reader sees the old or the new .1, never none), and the next
 * open starts a new file. Returns 0 or a fault. */
static int rotate(struct events_file *ef, const char **what)
{
	char from[SETTINGS_PATH_MAX + 32], to[SETTINGS_PATH_MAX + 32];
	if (path_of(ef, EVENTS_FILE_NAME, from, sizeof from) ||
	    path_of(ef, EVENTS_FILE_ROTATED, to, sizeof to)) {
		*what = "path too long";
		return ENAMETOOLONG;
	}
	if (rename(from, to) < 0) {
		*what = "cannot rotate to " EVENTS_FILE_ROTATED;
		return errno;
	}
	events_file_close(ef);
	return 0;
}

/* The line with seq and boot added before its closing brace; its length,
 * or 0 if line is not one JSON object and its '\n'. */
static size_t finish_line(struct events_file *ef, const char *line, size_t len, char *out,
			  size_t size)
{
	if (len < 3 || line[0] != '{' || line[len - 2] != '}' || line[len - 1] != '\n')
		return 0;
	char tail[96];
	int n = snprintf(tail, sizeof tail, ",\"seq\":%" PRIu64 ",\"boot\":\"%s\"}\n", ef->seq,
			 ef->boot);
	if (n < 0 || (size_t)n >= sizeof tail || len - 2 + (size_t)n > size)
		return 0;
	memcpy(out, line, len - 2);
	memcpy(out + len - 2, tail, (size_t)n);
	return len - 2 + (size_t)n;
}

int events_file_append(struct events_file *ef, const char *json_line, size_t len)
{
	if (!ef->dir[0])
		return 0;
	char line[LOG_LINE_MAX + 96];
	/* Counted even when the line is then lost, so that the loss shows. */
	ef->seq++;
	size_t n = finish_line(ef, json_line, len, line, sizeof line);
	if (!n)
		return -EINVAL;

	const char *what = NULL;
	int r = 0;
	if (ef->fd >= 0 && !still_there(ef))
		events_file_close(ef);
	if (ef->fd < 0)
		r = open_file(ef, &what);
	/* The bound holds for whole lines: one that would cross it goes
	 * first into a new file, so no line is split across the two. */
	if (!r && ef->size > 0 && ef->size + n > ef->max_bytes) {
		r = rotate(ef, &what);
		if (!r)
			r = open_file(ef, &what);
	}
	if (r) {
		fault(ef, r, what, 0, n);
		return r > 0 ? -r : -EIO;
	}

	/* One write(2) of the whole line, '\n' included, on an O_APPEND fd: no
	 * other writer's bytes can come between a line's, and the line lands
	 * at the end of the file as a whole. A concurrent reader may still
	 * catch the start of a line that spans a page before its end is
	 * copied in (the kernel grows a buffered file page by page), so a
	 * reader takes only lines that end in '\n', as it must at the end of
	 * the file anyway. Signals are read from a signalfd, so no handler
	 * interrupts the write; a short write (the file system filled up
	 * during it) is cut back off, so the file never holds half a line. */
	ssize_t w;
	do
		w = write(ef->fd, line, n);
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)n) {
		ef->size += n;
		ef->last_err = 0;
		return 0;
	}
	if (w < 0) {
		int e = errno;
		fault(ef, e, "cannot write", 0, n);
		return -e;
	}
	if (ftruncate(ef->fd, (off_t)ef->size) < 0) {
		/* The partial line stays: move it out of the way so that the
		 * next line does not continue it. It is the last of
		 * events.jsonl.1 and has no '\n', which a reader skips. */
		const char *ignored;
		rotate(ef, &ignored);
	}
	fault(ef, FAULT_SHORT_WRITE, "short write: the partial line was removed", (size_t)w, n);
	return -ENOSPC;
}
