#include "evforward.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "shipq.h"

/* One read: a whole line of the longest kind, and more. */
#define READ_BUF (4 * EVCURSOR_LINE_MAX)

/* Reads a whole small file; -EFBIG past max bytes. */
static int read_small(const char *path, char *buf, size_t max, size_t *len)
{
	FILE *fp = fopen(path, "rbe");
	if (!fp)
		return -errno;
	*len = fread(buf, 1, max + 1, fp);
	int e = ferror(fp) ? -EIO : *len > max ? -EFBIG : 0;
	fclose(fp);
	return e;
}

/* Saved whole or not at all: a new file renamed over the old. A crash that
 * loses the rename leaves the previous position, which only sends events
 * again. */
static int save_state(struct evforward *f)
{
	char line[EVCURSOR_STATE_MAX], tmp[4096];
	int n = evcursor_format(&f->c, line, sizeof line);
	if (n < 0 || snprintf(tmp, sizeof tmp, "%s.tmp", f->state_path) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int e = 0;
	if (write(fd, line, (size_t)n) != n || fsync(fd) < 0)
		e = errno ? -errno : -EIO;
	if (close(fd) < 0 && !e)
		e = -errno;
	if (!e && rename(tmp, f->state_path) < 0)
		e = -errno;
	if (e && -e != f->last_save_errno) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "state_unwritable")) {
			log_str(&l, "path", f->state_path);
			log_errno(&l, -e);
			log_str(&l, "then", "forwarding goes on; after a restart events already sent may "
					    "be sent again");
			log_end(&l);
		}
	}
	if (e)
		unlink(tmp);
	f->last_save_errno = e ? -e : 0;
	return 0;
}

static void load_state(struct evforward *f)
{
	char buf[EVCURSOR_STATE_MAX];
	size_t len = 0;
	const char *why = NULL;
	int e = read_small(f->state_path, buf, sizeof buf - 1, &len);
	if (e == -ENOENT) {
		evcursor_init(&f->c);
		return;
	}
	if (e == -EFBIG)
		why = "too long";
	else if (e)
		why = strerror(-e);
	else if (evcursor_parse(buf, len, &f->c, &why) == 0)
		return;
	evcursor_init(&f->c);
	struct log_line l;
	if (log_begin(&l, LOG_WARN, "state_unreadable")) {
		log_str(&l, "path", f->state_path);
		log_str(&l, "reason", why);
		log_str(&l, "then", "from the start of the oldest file");
		log_end(&l);
	}
}

static void look(const char *dir, const char *name, struct evfile *out)
{
	char path[4096];
	struct stat st;
	memset(out, 0, sizeof *out);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		out->exists = true;
		out->dev = (uint64_t)st.st_dev;
		out->ino = (uint64_t)st.st_ino;
		out->size = (uint64_t)st.st_size;
	}
}

static bool stopped(const struct evforward *f)
{
	return f->stop && *f->stop;
}

/* Waits us, or less when stop is set (its signal interrupts the sleep). */
static void sleep_us(const struct evforward *f, uint64_t us)
{
	struct timespec d = {.tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000};
	while (!stopped(f) && nanosleep(&d, &d) < 0 && errno == EINTR)
		;
}

/* Sends one event until it is delivered or refused. Returns 0 (passed,
 * either way), -ETIMEDOUT after --tries, -EINVAL for a bad target. */
static int send_event(struct evforward *f, const char *body, size_t len, const char *boot,
		      uint64_t seq)
{
	for (unsigned failures = 0;;) {
		if (stopped(f))
			return -ECANCELED;
		long status;
		char err[512];
		int e = webhook_post(&f->target, body, len, &status, err, sizeof err);
		struct log_line l;
		if (e == 0) {
			f->forwarded++;
			return 0;
		}
		if (e == -EBADMSG) {
			f->rejected++;
			if (log_begin(&l, LOG_ERROR, "event_rejected")) {
				log_str(&l, "boot", boot ? boot : "");
				log_uint(&l, "seq", seq);
				log_int(&l, "http_status", status);
				log_str(&l, "error", err);
				log_str(&l, "then", "skipped: the receiver will not take it");
				log_end(&l);
			}
			return 0;
		}
		if (e == -EINVAL) {
			if (log_begin(&l, LOG_ERROR, "webhook_unusable")) {
				log_str(&l, "error", err);
				log_end(&l);
			}
			return e;
		}
		failures++;
		if (f->tries && failures >= f->tries) {
			if (log_begin(&l, LOG_ERROR, "event_undelivered")) {
				log_str(&l, "boot", boot ? boot : "");
				log_uint(&l, "seq", seq);
				log_uint(&l, "tries", failures);
				log_str(&l, "error", err);
				log_end(&l);
			}
			return -ETIMEDOUT;
		}
		f->retries++;
		uint64_t wait = shipq_backoff_us(failures, f->backoff_max_us);
		if (log_begin(&l, LOG_WARN, "event_retry")) {
			log_str(&l, "boot", boot ? boot : "");
			log_uint(&l, "seq", seq);
			log_int(&l, "http_status", status);
			log_uint(&l, "failures", failures);
			log_uint(&l, "wait_ms", wait / 1000);
			log_str(&l, "error", err);
			log_end(&l);
		}
		sleep_us(f, wait);
		if (stopped(f))
			return -ECANCELED;
	}
}

static void skipped(struct evforward *f, const char *reason, const char *why, uint64_t end)
{
	struct log_line l;
	if (log_begin(&l, LOG_WARN, "event_skipped")) {
		log_str(&l, "reason", reason);
		if (why)
			log_str(&l, "detail", why);
		log_uint(&l, "ino", f->c.ino);
		log_uint(&l, "end_offset", end);
		log_end(&l);
	}
}

/* One whole line ending at file offset end. */
static int handle_line(struct evforward *f, const char *line, size_t len, uint64_t end)
{
	const char *why = NULL;
	size_t sp = 0;
	while (sp < len && (line[sp] == ' ' || line[sp] == '\t' || line[sp] == '\r'))
		sp++;
	if (sp == len) {
		evcursor_pass(&f->c, end, NULL, 0);
		return save_state(f);
	}
	if (wjson_parse(line, len, f->ev, &why) != 0) {
		f->not_json++;
		skipped(f, "not_json", why, end);
		evcursor_pass(&f->c, end, NULL, 0);
		return save_state(f);
	}
	const char *boot = wjson_get(f->ev, "boot");
	uint64_t seq = 0;
	bool have_seq = wjson_get_u64(f->ev, "seq", &seq);
	if (!have_seq)
		boot = NULL;
	if (boot && evcursor_seen(&f->c, boot, seq)) {
		f->seen++;
		evcursor_pass(&f->c, end, NULL, 0);
		return save_state(f);
	}
	int n = webhook_body(f->format, f->ev, line, len, f->body, WEBHOOK_BODY_MAX);
	if (n < 0) {
		skipped(f, "body_too_large", NULL, end);
		evcursor_pass(&f->c, end, boot, seq);
		return save_state(f);
	}
	int e = send_event(f, f->body, (size_t)n, boot, seq);
	if (e)
		return e;
	evcursor_pass(&f->c, end, boot, seq);
	return save_state(f);
}

/* Reads fd from the cursor's offset to the last whole line. */
static int read_lines(struct evforward *f, int fd)
{
	struct evsplit sp = {0};
	uint64_t at = f->c.offset;
	for (;;) {
		ssize_t n = pread(fd, f->buf, READ_BUF, (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		size_t pos = 0;
		const char *line;
		size_t len;
		enum evsplit_result r;
		while ((r = evsplit_next(&sp, f->buf, (size_t)n, &pos, &line, &len)) != EVSPLIT_MORE) {
			int e;
			if (r == EVSPLIT_SKIPPED) {
				f->too_long++;
				skipped(f, "too_long", NULL, at + pos);
				evcursor_pass(&f->c, at + pos, NULL, 0);
				e = save_state(f);
			} else {
				e = handle_line(f, line, len, at + pos);
			}
			if (e)
				return e;
		}
		at += pos;
		/* A short read ending inside a line: the writer's next line
		 * is not there yet. */
		if (pos < (size_t)n && (size_t)n < READ_BUF)
			return 0;
	}
}

static int open_planned(const struct evforward *f, const struct evcursor_plan *p)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s%s", f->dir, f->events,
		 p->source == EVCURSOR_ROTATED ? ".1" : "");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	/* Rotated between the look and the open: the caller looks again. */
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_dev != p->dev || (uint64_t)st.st_ino != p->ino) {
		close(fd);
		return -EAGAIN;
	}
	return fd;
}

static void reread(struct evforward *f, const char *reason)
{
	struct log_line l;
	if (log_begin(&l, LOG_WARN, "events_reread")) {
		log_str(&l, "reason", reason);
		log_uint(&l, "ino", f->c.ino);
		log_uint(&l, "offset", f->c.offset);
		log_str(&l, "then", "from the start of the file; lines already sent are known by seq");
		log_end(&l);
	}
}

int evforward_all(struct evforward *f)
{
	for (int rounds = 0; rounds < 1000; rounds++) {
		struct evfile cur, rot;
		char rotated[300];
		snprintf(rotated, sizeof rotated, "%s.1", f->events);
		look(f->dir, f->events, &cur);
		look(f->dir, rotated, &rot);
		struct evcursor_plan p;
		evcursor_plan(&f->c, &cur, &rot, &p);
		struct log_line l;
		if (p.lost) {
			f->lost++;
			if (log_begin(&l, LOG_WARN, "events_lost")) {
				log_uint(&l, "ino", f->c.ino);
				log_uint(&l, "offset", f->c.offset);
				log_str(&l, "reason", "both files were rotated past the one being read");
				log_str(&l, "then", p.source == EVCURSOR_ROTATED ? rotated : f->events);
				log_end(&l);
			}
		}
		if (p.shrunk)
			reread(f, "shrunk");
		if (p.source == EVCURSOR_NONE)
			return 0;
		bool moved = p.dev != f->c.dev || p.ino != f->c.ino || p.offset != f->c.offset;
		evcursor_adopt(&f->c, &p);
		if (moved) {
			int e = save_state(f);
			if (e)
				return e;
		}
		int fd = open_planned(f, &p);
		if (fd == -EAGAIN || fd == -ENOENT)
			continue;
		if (fd < 0)
			return fd;
		/* The inode of a deleted file can be given to a new one: resuming
		 * in it, the saved offset must at least be a line's end. */
		if (!p.new_file && f->c.offset > 0) {
			char prev;
			if (pread(fd, &prev, 1, (off_t)(f->c.offset - 1)) != 1 || prev != '\n') {
				reread(f, "not_at_line_start");
				f->c.offset = 0;
			}
		}
		uint64_t before = f->c.offset;
		int e = read_lines(f, fd);
		close(fd);
		if (e)
			return e;
		/* The current file read to its end is all there is; the rotated
		 * one read to its end hands over to the current one. */
		if (p.source == EVCURSOR_CURRENT || (!cur.exists && f->c.offset == before))
			return 0;
	}
	return 0;
}

int evforward_init(struct evforward *f)
{
	f->forwarded = f->rejected = f->retries = f->not_json = f->too_long = f->seen = f->lost = 0;
	f->last_save_errno = 0;
	f->buf = malloc(READ_BUF);
	f->ev = malloc(sizeof *f->ev);
	f->body = malloc(WEBHOOK_BODY_MAX);
	if (!f->buf || !f->ev || !f->body) {
		evforward_free(f);
		return -ENOMEM;
	}
	load_state(f);
	return 0;
}

void evforward_free(struct evforward *f)
{
	free(f->buf);
	free(f->ev);
	free(f->body);
	f->buf = f->body = NULL;
	f->ev = NULL;
}
