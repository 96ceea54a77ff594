/* Unit tests for src/events_file.h: lines appended whole with seq and boot,
 * rotation at the bound with exactly one rotated generation and no line
 * split across the two files, a file moved away or a directory removed,
 * and faults (a read-only file system, a full one) logged once per error
 * and survived. The fault cases mount a tmpfs in a private mount namespace
 * of a child process, so they need root (CAP_SYS_ADMIN); without it they
 * fall back to a directory without write permission (read-only case) or
 * are skipped with a message (full case). */
#include "check_run.h"
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events_file.h"
#include "log.h"

/* ------------------------------------------------------------------------ */
/* Helpers */

static char tmp[256];

static void tmp_make(void)
{
	snprintf(tmp, sizeof tmp, "/tmp/check_events_file.XXXXXX");
	ck_assert(mkdtemp(tmp) != NULL);
}

static void tmp_remove(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

/* The whole of dir/name into a malloc'd string (NULL if absent); *size its
 * length. */
static char *slurp(const char *dir, const char *name, size_t *size)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*size = n;
	return buf;
}

/* A log line as the log's sink hands it, padded to about len bytes. */
static size_t make_line(char *buf, size_t size, size_t len, const char *event)
{
	int n = snprintf(buf, size, "{\"ts\":\"2026-01-02T03:04:05.678Z\",\"level\":\"info\","
				    "\"event\":\"%s\",\"pad\":\"",
			 event);
	size_t at = (size_t)n;
	while (at + 3 < len && at + 3 < size)
		buf[at++] = 'x';
	buf[at++] = '"';
	buf[at++] = '}';
	buf[at++] = '\n';
	return at;
}

/* Checks every line of text: one object ending in ,"seq":N,"boot":"boot"}
 * and '\n', seq consecutive from *next. Returns the number of lines, or -1
 * with why set. */
static int check_lines(const char *text, const char *boot, uint64_t *next, const char **why)
{
	int count = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		if (!nl) {
			*why = "a line without its newline";
			return -1;
		}
		if (*p != '{' || nl[-1] != '}') {
			*why = "a line that is not an object";
			return -1;
		}
		const char *s = NULL;
		for (const char *q = p; q < nl; q++)
			if (strncmp(q, ",\"seq\":", 7) == 0)
				s = q;
		if (!s) {
			*why = "a line without seq";
			return -1;
		}
		char *end;
		uint64_t seq = strtoull(s + 7, &end, 10);
		char want[96];
		snprintf(want, sizeof want, ",\"boot\":\"%s\"}\n", boot);
		if (strncmp(end, want, strlen(want)) != 0 || end + strlen(want) != nl + 1) {
			*why = "a line without boot after seq";
			return -1;
		}
		if (seq != *next) {
			*why = "seq not consecutive";
			return -1;
		}
		++*next;
		count++;
		p = nl + 1;
	}
	return count;
}

/* Log lines go to a memory stream; how many events_unwritable so far. */
static char *logbuf;
static size_t loglen;
static FILE *logf_;

static void log_capture(void)
{
	logbuf = NULL;
	loglen = 0;
	logf_ = open_memstream(&logbuf, &loglen);
	log_set_stream(logf_);
	log_configure(LOG_INFO, LOG_LOGFMT);
}

static int unwritable_lines(void)
{
	fflush(logf_);
	int n = 0;
	for (const char *p = logbuf; p && (p = strstr(p, "event=events_unwritable")); p++)
		n++;
	return n;
}

static int files_in(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert(d != NULL);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* ------------------------------------------------------------------------ */

START_TEST(wants_the_shipped_events)
{
	static const char *const yes[] = {"level",        "signal_sent",    "signal_skipped",
					  "action_sent",  "heap_snapshot_requested",
					  "dump_written", "action_failed",  "action_timeout",
					  "oom_kill",     "start",          "stop",
					  "reloaded",     "flight_recorded", "flight_record_failed"};
	static const char *const no[] = {"container_found", "setting_changed", "events_unwritable",
					 "signal_dry_run",  "levels",          "",
					 "cgroup_read_failed"};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		ck_assert_msg(events_file_wants(yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		ck_assert_msg(!events_file_wants(no[i]), "%s", no[i]);
}
END_TEST

START_TEST(append_whole_lines)
{
	tmp_make();
	umask(022);
	char dir[300];
	snprintf(dir, sizeof dir, "%s/dumps", tmp); /* made on the first line */
	struct events_file ef;
	events_file_init(&ef);
	ck_assert_msg(strchr(ef.boot, '-') != NULL, "boot %s", ef.boot);
	events_file_configure(&ef, dir, 1 << 20);
	char line[LOG_LINE_MAX];
	for (int i = 0; i < 3; i++) {
		size_t n = make_line(line, sizeof line, 100 + (size_t)i * 50, "signal_sent");
		ck_assert_int_eq(events_file_append(&ef, line, n), 0);
	}
	size_t size;
	char *text = slurp(dir, EVENTS_FILE_NAME, &size);
	ck_assert(text != NULL);
	uint64_t next = 1;
	const char *why = "";
	ck_assert_msg(check_lines(text, ef.boot, &next, &why) == 3, "%s: %s", why, text);
	ck_assert(strncmp(text, "{\"ts\":\"2026-01-02T03:04:05.678Z\",\"level\":\"info\","
				"\"event\":\"signal_sent\",\"pad\":\"xx",
			  60) == 0);
	struct stat st;
	char path[400];
	snprintf(path, sizeof path, "%s/%s", dir, EVENTS_FILE_NAME);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_uint_eq((uint64_t)st.st_size, ef.size);
	ck_assert_int_eq(fcntl(ef.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert(fcntl(ef.fd, F_GETFL) & O_APPEND);
	free(text);

	/* Not a log line: refused, nothing written. */
	ck_assert_int_eq(events_file_append(&ef, "plain\n", 6), -EINVAL);
	ck_assert_int_eq(events_file_append(&ef, "{\"a\":1}", 7), -EINVAL);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, ef.size);
	events_file_close(&ef);
	tmp_remove();
}
END_TEST

START_TEST(no_dir_no_file)
{
	struct events_file ef;
	events_file_init(&ef);
	events_file_configure(&ef, "", 1 << 20);
	char line[LOG_LINE_MAX];
	size_t n = make_line(line, sizeof line, 100, "start");
	ck_assert_int_eq(events_file_append(&ef, line, n), 0);
	ck_assert_int_eq(ef.fd, -1);
	ck_assert_uint_eq(ef.seq, 0);
}
END_TEST

/* Many lines through a 64 KiB bound: never more than two files, neither
 * above the bound, each rotation made only when the next line would not
 * fit, and the two files together hold the newest lines, consecutive and
 * whole. */
START_TEST(rotation_one_generation)
{
	tmp_make();
	const uint64_t max = 64 * 1024;
	struct events_file ef;
	events_file_init(&ef);
	events_file_configure(&ef, tmp, max);
	char line[LOG_LINE_MAX];
	int rotations = 0;
	uint64_t before = 0;
	for (int i = 0; i < 600; i++) {
		/* lengths that do not divide the bound, 200 to 1000 bytes */
		size_t n = make_line(line, sizeof line, 200 + (size_t)(i * 37) % 800, "level");
		ck_assert_int_eq(events_file_append(&ef, line, n), 0);
		ck_assert_uint_le(ef.size, max);
		if (ef.size < before) {
			rotations++;
			/* the line that started the new file did not fit the old one */
			size_t rsize;
			char *rot = slurp(tmp, EVENTS_FILE_ROTATED, &rsize);
			ck_assert(rot != NULL);
			ck_assert_uint_eq(rsize, before);
			ck_assert_uint_gt(rsize + ef.size, max);
			free(rot);
		}
		before = ef.size;
		ck_assert_int_le(files_in(tmp), 2);
	}
	ck_assert_int_ge(rotations, 3);
	size_t rsize, csize;
	char *rot = slurp(tmp, EVENTS_FILE_ROTATED, &rsize);
	char *cur = slurp(tmp, EVENTS_FILE_NAME, &csize);
	ck_assert(rot && cur);
	ck_assert_uint_le(rsize, max);
	ck_assert_uint_le(csize, max);
	/* The rotated file's first seq, then consecutive through both. */
	const char *s = strstr(rot, ",\"seq\":");
	ck_assert(s != NULL);
	uint64_t next = strtoull(s + 7, NULL, 10);
	const char *why = "";
	int a = check_lines(rot, ef.boot, &next, &why);
	ck_assert_msg(a > 0, "rotated: %s", why);
	int b = check_lines(cur, ef.boot, &next, &why);
	ck_assert_msg(b > 0, "current: %s", why);
	ck_assert_uint_eq(next - 1, 600);
	free(rot);
	free(cur);
	events_file_close(&ef);
	tmp_remove();
}
END_TEST

/* A file left by an earlier run counts toward the bound; a smaller bound
 * set on reload applies at the next line. */
START_TEST(rotation_of_earlier_file_and_new_bound)
{
	tmp_make();
	char path[400];
	snprintf(path, sizeof path, "%s/%s", tmp, EVENTS_FILE_NAME);
	FILE *f = fopen(path, "w");
	ck_assert(f != NULL);
	for (int i = 0; i < 100; i++)
		fprintf(f, "{\"old\":%d}\n", i);
	fclose(f);
	struct events_file ef;
	events_file_init(&ef);
	events_file_configure(&ef, tmp, 1 << 20);
	char line[LOG_LINE_MAX];
	size_t n = make_line(line, sizeof line, 500, "start");
	ck_assert_int_eq(events_file_append(&ef, line, n), 0);
	size_t size;
	char *text = slurp(tmp, EVENTS_FILE_NAME, &size);
	ck_assert(strncmp(text, "{\"old\":0}\n", 10) == 0); /* appended to it */
	free(text);
	for (int i = 0; i < 200; i++)
		ck_assert_int_eq(events_file_append(&ef, line, n), 0);
	ck_assert_uint_gt(ef.size, 64 * 1024);
	events_file_configure(&ef, tmp, 64 * 1024);
	ck_assert_int_eq(events_file_append(&ef, line, n), 0);
	ck_assert_uint_lt(ef.size, 1024);
	text = slurp(tmp, EVENTS_FILE_ROTATED, &size);
	ck_assert(text && strncmp(text, "{\"old\":0}\n", 10) == 0);
	free(text);
	events_file_close(&ef);
	tmp_remove();
}
END_TEST

/* A file moved away, or a directory removed (and a new DUMP_DIR on
 * reload): the next line goes into a new events.jsonl where a reader looks. */
START_TEST(moved_file_and_vanished_dir)
{
	tmp_make();
	log_capture();
	char dir[300], path[400], moved[400];
	snprintf(dir, sizeof dir, "%s/d", tmp);
	snprintf(path, sizeof path, "%s/%s", dir, EVENTS_FILE_NAME);
	snprintf(moved, sizeof moved, "%s/moved", tmp);
	struct events_file ef;
	events_file_init(&ef);
	events_file_configure(&ef, dir, 1 << 20);
	char line[LOG_LINE_MAX];
	size_t n = make_line(line, sizeof line, 100, "level");
	ck_assert_int_eq(events_file_append(&ef, line, n), 0);
	ck_assert_int_eq(rename(path, moved), 0);
	ck_assert_int_eq(events_file_append(&ef, line, n), 0);
	size_t size;
	char *text = slurp(dir, EVENTS_FILE_NAME, &size);
	ck_assert(text != NULL);
	uint64_t next = 2;
	const char *why = "";
	ck_assert_int_eq(check_lines(text, ef.boot, &next, &why), 1);
	free(text);

	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(events_file_append(&ef, line, n), 0);
	text = slurp(dir, EVENTS_FILE_NAME, &size);
	ck_assert(text != NULL);
	ck_assert_int_eq(check_lines(text, ef.boot, &next, &why), 1);
	free(text);

	/* A new DUMP_DIR: seq goes on there. */
	char dir2[300];
	snprintf(dir2, sizeof dir2, "%s/e", tmp);
	events_file_configure(&ef, dir2, 1 << 20);
	ck_assert_int_eq(events_file_append(&ef, line, n), 0);
	text = slurp(dir2, EVENTS_FILE_NAME, &size);
	ck_assert(text != NULL);
	ck_assert_int_eq(check_lines(text, ef.boot, &next, &why), 1);
	free(text);
	ck_assert_int_eq(unwritable_lines(), 0);
	events_file_close(&ef);
	tmp_remove();
}
END_TEST

/* A FIFO or a symbolic link planted where the file goes is refused without
 * blocking, and logged. */
START_TEST(planted_fifo_and_link)
{
	tmp_make();
	log_capture();
	char path[400];
	snprintf(path, sizeof path, "%s/%s", tmp, EVENTS_FILE_NAME);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	struct events_file ef;
	events_file_init(&ef);
	events_file_configure(&ef, tmp, 1 << 20);
	char line[LOG_LINE_MAX];
	size_t n = make_line(line, sizeof line, 100, "level");
	ck_assert_int_lt(events_file_append(&ef, line, n), 0);
	ck_assert_int_eq(unwritable_lines(), 1);
	unlink(path);
	char target[400];
	snprintf(target, sizeof target, "%s/target", tmp);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(events_file_append(&ef, line, n), -ELOOP);
	ck_assert_int_eq(access(target, F_OK), -1);
	ck_assert_int_eq(unwritable_lines(), 2);
	events_file_close(&ef);
	tmp_remove();
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Faults of the file system, in a child with a mount namespace of its own:
 * the child reports a failure as a message on fd 3 and exit 1, a skip as
 * exit 77. */

static int report_fd = -1;

#define CHILD_CHECK(cond, ...)                                                                     \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			dprintf(report_fd, "line %d: ", __LINE__);                                 \
			dprintf(report_fd, __VA_ARGS__);                                           \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

/* A private tmpfs at dir (ro or size-limited) for this process, or false
 * when this process may not make mount namespaces. */
static bool private_tmpfs(const char *dir, unsigned long flags, const char *opts)
{
	if (unshare(CLONE_NEWNS) < 0)
		return false;
	CHILD_CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "make-private: %s",
		    strerror(errno));
	CHILD_CHECK(mount("tmpfs", dir, "tmpfs", flags, opts) == 0, "mount tmpfs: %s",
		    strerror(errno));
	return true;
}

static void run_child(void (*body)(void))
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		body();
		_exit(0);
	}
	close(p[1]);
	char msg[512] = "";
	ssize_t got = read(p[0], msg, sizeof msg - 1);
	msg[got > 0 ? got : 0] = '\0';
	close(p[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		fprintf(stderr, "check_events_file: skipped: %s\n", msg);
		return;
	}
	ck_assert_msg(WEXITSTATUS(status) == 0, "%s", msg);
}

/* A read-only DUMP_DIR: every line is dropped, one events_unwritable line
 * says so; once it is writable again lines are written, and the next fault
 * is logged anew. */
static void read_only_body(void)
{
	log_capture();
	char dir[300];
	snprintf(dir, sizeof dir, "%s/ro", tmp);
	CHILD_CHECK(mkdir(dir, 0755) == 0, "mkdir");
	bool mounted = private_tmpfs(dir, MS_RDONLY, "size=64k");
	if (!mounted) {
		/* Without root, file permissions make the directory read-only. */
		CHILD_CHECK(geteuid() != 0, "unshare refused to root");
		CHILD_CHECK(chmod(dir, 0555) == 0, "chmod");
	}
	struct events_file ef;
	events_file_init(&ef);
	events_file_configure(&ef, dir, 1 << 20);
	char line[LOG_LINE_MAX];
	size_t n = make_line(line, sizeof line, 300, "signal_sent");
	int want = mounted ? -EROFS : -EACCES;
	for (int i = 0; i < 5; i++) {
		int r = events_file_append(&ef, line, n);
		CHILD_CHECK(r == want, "append %d returned %d, want %d", i, r, want);
	}
	CHILD_CHECK(unwritable_lines() == 1, "%d events_unwritable lines: %s", unwritable_lines(),
		    logbuf);
	CHILD_CHECK(strstr(logbuf, "level=warn") && strstr(logbuf, "error=") &&
			    strstr(logbuf, dir),
		    "line: %s", logbuf);
	CHILD_CHECK(ef.seq == 5, "seq %" PRIu64, ef.seq);

	if (mounted)
		CHILD_CHECK(mount(NULL, dir, NULL, MS_REMOUNT, "size=64k") == 0, "remount rw: %s",
			    strerror(errno));
	else
		CHILD_CHECK(chmod(dir, 0755) == 0, "chmod");
	CHILD_CHECK(events_file_append(&ef, line, n) == 0, "append once writable");
	size_t size;
	char *text = slurp(dir, EVENTS_FILE_NAME, &size);
	CHILD_CHECK(text && strstr(text, ",\"seq\":6,"), "file: %s", text ? text : "(none)");
	free(text);

	events_file_close(&ef);
	if (mounted)
		CHILD_CHECK(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, "size=64k") == 0,
			    "remount ro: %s", strerror(errno));
	else
		CHILD_CHECK(chmod(dir, 0555) == 0, "chmod");
	if (!mounted) {
		/* The file exists now and is writable by its mode: make it not. */
		char path[400];
		snprintf(path, sizeof path, "%s/%s", dir, EVENTS_FILE_NAME);
		CHILD_CHECK(chmod(path, 0440) == 0, "chmod file");
	}
	CHILD_CHECK(events_file_append(&ef, line, n) == want, "append after remount");
	CHILD_CHECK(unwritable_lines() == 2, "%d events_unwritable lines", unwritable_lines());
}

START_TEST(read_only_logged_once)
{
	tmp_make();
	run_child(read_only_body);
	tmp_remove();
}
END_TEST

/* A full file system: a line that does not fit is not left half-written
 * (a short write is cut back), the fault is logged once however many lines
 * are dropped, and once there is room lines are written again, with the
 * gap in seq showing the loss. */
static void full_body(void)
{
	log_capture();
	char dir[300];
	snprintf(dir, sizeof dir, "%s/full", tmp);
	CHILD_CHECK(mkdir(dir, 0755) == 0, "mkdir");
	/* Three pages; a filler file takes one. */
	if (!private_tmpfs(dir, 0, "size=12k")) {
		dprintf(report_fd, "no mount namespace (needs CAP_SYS_ADMIN)");
		_exit(77);
	}
	char filler[400];
	snprintf(filler, sizeof filler, "%s/filler", dir);
	int fd = open(filler, O_WRONLY | O_CREAT, 0600);
	static char page[4096];
	CHILD_CHECK(fd >= 0 && write(fd, page, sizeof page) == (ssize_t)sizeof page, "filler: %s",
		    strerror(errno));
	close(fd);

	struct events_file ef;
	events_file_init(&ef);
	events_file_configure(&ef, dir, 1 << 20);
	char line[LOG_LINE_MAX];
	size_t n = make_line(line, sizeof line, 900, "oom_kill");
	int written = 0, dropped = 0;
	bool short_seen = false;
	for (int i = 0; i < 20; i++) {
		uint64_t before = ef.size;
		int r = events_file_append(&ef, line, n);
		if (r == 0) {
			CHILD_CHECK(dropped == 0, "a line written after one was dropped");
			written++;
			continue;
		}
		CHILD_CHECK(r == -ENOSPC, "append %d returned %d", i, r);
		dropped++;
		struct stat st;
		char path[400];
		snprintf(path, sizeof path, "%s/%s", dir, EVENTS_FILE_NAME);
		CHILD_CHECK(stat(path, &st) == 0 && (uint64_t)st.st_size == before,
			    "size %lld after a dropped line, was %" PRIu64, (long long)st.st_size,
			    before);
		if (strstr(logbuf ? logbuf : "", "short write"))
			short_seen = true;
		fflush(logf_);
	}
	CHILD_CHECK(written >= 8 && dropped > 0, "written %d dropped %d", written, dropped);
	CHILD_CHECK(unwritable_lines() == 1, "%d events_unwritable lines: %s", unwritable_lines(),
		    logbuf);
	CHILD_CHECK(short_seen || strstr(logbuf, "No space left"), "line: %s", logbuf);
	size_t size;
	char *text = slurp(dir, EVENTS_FILE_NAME, &size);
	uint64_t next = 1;
	const char *why = "";
	int lines = check_lines(text, ef.boot, &next, &why);
	CHILD_CHECK(lines == written, "%d whole lines for %d written (%s)", lines, written, why);
	free(text);

	/* Room again: written, seq after the gap; and the next fault logged. */
	CHILD_CHECK(unlink(filler) == 0, "unlink");
	CHILD_CHECK(events_file_append(&ef, line, n) == 0, "append with room");
	text = slurp(dir, EVENTS_FILE_NAME, &size);
	char want[64];
	snprintf(want, sizeof want, ",\"seq\":%d,", written + dropped + 1);
	CHILD_CHECK(strstr(text, want) != NULL, "no %s", want);
	free(text);
	for (int i = 0; i < 10; i++)
		events_file_append(&ef, line, n);
	CHILD_CHECK(unwritable_lines() == 2, "%d events_unwritable lines", unwritable_lines());
	events_file_close(&ef);
}

START_TEST(full_fs_logged_once_never_half_a_line)
{
	tmp_make();
	run_child(full_body);
	tmp_remove();
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("events_file");
	TCase *tc = tcase_create("lines");
	tcase_add_test(tc, wants_the_shipped_events);
	tcase_add_test(tc, append_whole_lines);
	tcase_add_test(tc, no_dir_no_file);
	tcase_add_test(tc, moved_file_and_vanished_dir);
	tcase_add_test(tc, planted_fifo_and_link);
	suite_add_tcase(s, tc);

	tc = tcase_create("rotation");
	tcase_add_test(tc, rotation_one_generation);
	tcase_add_test(tc, rotation_of_earlier_file_and_new_bound);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_test(tc, read_only_logged_once);
	tcase_add_test(tc, full_fs_logged_once_never_half_a_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
