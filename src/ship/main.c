/* oomsentry-ship: gets the dumps and events out of the pod.
 *
 * Two processes. This one watches the dump directory (shipdir), keeps the
 * queue of files to ship with their retry times, and ships one file at a
 * time (ship_one). A child forwards the sidecar's events to the webhook
 * (evforward), so an alert is never held up behind a gigabyte upload, nor
 * an upload behind a receiver that is down; it is started again if it dies.
 *
 * SIGTERM or SIGINT: the upload under way is abandoned at once (a multipart
 * upload is aborted, so nothing appears under its key, and the file stays
 * to be shipped by the next start), the forwarder finishes the event in
 * flight, and the program exits 0. Kubernetes' grace period is 30 s by
 * default; an abandoned upload costs only its repetition later.
 *
 * Exit codes: 0 stopped by a signal, or --help/--version/--print-config;
 * 1 a failure at start (no memory, no signal handling, libcurl unusable);
 * 2 bad settings, the headers file included (one line naming the setting,
 * its value and its source). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "evforward.h"
#include "log.h"
#include "ship_one.h"
#include "ship_settings.h"
#include "shipdir.h"
#include "shipq.h"
#include "shipset.h"
#include "webhook.h"

enum { EXIT_CLEAN = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* The most files known at once; more are found again by a listing made
 * once half of these went out (see queue_full). */
#define QUEUE_MAX 4096
/* How often a missing dump directory is looked for again. */
#define REOPEN_US 1000000ull

extern char **environ;

static volatile sig_atomic_t stop_flag;
static int wake_fd[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGTERM || sig == SIGINT)
		stop_flag = 1;
	if (wake_fd[1] >= 0) {
		ssize_t w = write(wake_fd[1], "x", 1);
		(void)w; /* full: a wake-up is pending already */
	}
	errno = saved;
}

/* No SA_RESTART: a signal must end the sleeps it interrupts. */
static int setup_signals(void)
{
	if (wake_fd[0] >= 0) {
		close(wake_fd[0]);
		close(wake_fd[1]);
	}
	if (pipe2(wake_fd, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	signal(SIGPIPE, SIG_IGN);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGCHLD, &sa, NULL) < 0)
		return -1;
	return 0;
}

static void drain_wake(void)
{
	char b[64];
	while (read(wake_fd[0], b, sizeof b) > 0)
		;
}

static uint64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

static void die_setup(int code, const char *what, const char *detail)
{
	fprintf(stderr, "oomsentry-ship: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(code);
}

/* ------------------------------------------------------------- the queue */

struct shipper {
	const struct ship_settings *s;
	struct s3_target s3;
	struct ship_one_conf one;
	struct shipdir dir;
	bool dir_open;
	bool dir_missing_logged;
	uint64_t reopen_due_us;
	struct shipset set;
	bool queue_full_logged;
	/* Failures of the store itself (down, refusing, timing out) in a row:
	 * they hold back every file, not only the one that met them. */
	unsigned store_failures;
	uint64_t store_due_us;
	bool credentials_logged;
	/* counts for ship_stop */
	uint64_t shipped, shipped_bytes, failed, held;
};

/* The file behind rel now, by lstat; false if there is none. */
static bool id_of(const struct shipper *sh, const char *rel, struct shipset_id *id)
{
	char path[SHIP_PATH_MAX + SHIPDIR_REL_MAX + 2];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", sh->s->dump_dir, rel);
	if (lstat(path, &st) < 0)
		return false;
	*id = (struct shipset_id){.dev = (uint64_t)st.st_dev, .ino = (uint64_t)st.st_ino,
				  .size = (uint64_t)st.st_size, .mtime_s = st.st_mtim.tv_sec,
				  .mtime_ns = st.st_mtim.tv_nsec};
	return true;
}

/* shipdir_found: a file ready to ship (reported again at each listing). */
static void found(void *ctx, const char *rel)
{
	struct shipper *sh = ctx;
	if (shipq_classify(rel, sh->s->events_file) != SHIPQ_SHIP)
		return;
	struct shipset_item *it = shipset_find(&sh->set, rel);
	if (it) {
		struct shipset_id now;
		if (it->held && id_of(sh, rel, &now))
			shipset_changed(it, &now);
		return;
	}
	int e = shipset_add(&sh->set, rel);
	struct log_line l;
	if (e == -ENOSPC && !sh->queue_full_logged) {
		if (log_begin(&l, LOG_WARN, "queue_full")) {
			log_uint(&l, "files", sh->set.max);
			log_str(&l, "then", "more files are picked up as these go out");
			log_end(&l);
		}
		sh->queue_full_logged = true;
	}
	if (e == 0 && log_begin(&l, LOG_DEBUG, "file_found")) {
		log_str(&l, "file", rel);
		log_end(&l);
	}
}

/* ------------------------------------------------------- the dump directory */

static void open_dir(struct shipper *sh)
{
	int e = shipdir_open(&sh->dir, sh->s->dump_dir, sh->s->events_file);
	if (e) {
		if (!sh->dir_missing_logged) {
			struct log_line l;
			if (log_begin(&l, LOG_WARN, "dump_dir_unusable")) {
				log_str(&l, "path", sh->s->dump_dir);
				log_errno(&l, -e);
				log_str(&l, "then", "looked for again every second");
				log_end(&l);
			}
			sh->dir_missing_logged = true;
		}
		sh->reopen_due_us = now_us() + REOPEN_US;
		return;
	}
	sh->dir_open = true;
	sh->dir_missing_logged = false;
	int n = shipdir_list(&sh->dir, found, sh);
	struct log_line l;
	if (log_begin(&l, n < 0 ? LOG_WARN : LOG_INFO, "dump_dir_watched")) {
		log_str(&l, "path", sh->s->dump_dir);
		if (n < 0)
			log_errno(&l, -n);
		else
			log_int(&l, "files", n);
		log_end(&l);
	}
}

static void drain_dir(struct shipper *sh)
{
	int e = shipdir_drain(&sh->dir, found, sh);
	if (e == -ENOENT) {
		struct log_line l;
		if (log_begin(&l, LOG_WARN, "dump_dir_gone")) {
			log_str(&l, "path", sh->s->dump_dir);
			log_str(&l, "then", "watched again once it is back");
			log_end(&l);
		}
		shipdir_close(&sh->dir);
		sh->dir_open = false;
		sh->dir_missing_logged = true;
		sh->reopen_due_us = now_us() + REOPEN_US;
	}
}

/* ------------------------------------------------------------- uploading */

/* The store refused the credentials, not the file. */
static bool credentials_refused(const struct ship_one_result *r)
{
	static const char *const codes[] = {"SignatureDoesNotMatch", "InvalidAccessKeyId",
					    "InvalidToken", "ExpiredToken", "AccessDenied",
					    "InvalidClientTokenId", "AuthorizationHeaderMalformed"};
	if (r->http_status == 401)
		return true;
	if (r->http_status != 403 && r->http_status != 400)
		return false;
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(r->code, codes[i]) == 0)
			return true;
	return r->http_status == 403 && !r->code[0];
}

static void log_done(struct shipper *sh, const struct shipset_item *it, const struct ship_one_result *r)
{
	struct log_line l;
	if (log_begin(&l, LOG_INFO, "upload_done")) {
		log_str(&l, "file", it->rel);
		log_str(&l, "bucket", sh->s->s3_bucket);
		log_str(&l, "key", r->key);
		log_uint(&l, "file_bytes", r->file_bytes);
		log_uint(&l, "object_bytes", r->sent_bytes);
		log_bool(&l, "gzipped", r->compressed);
		log_uint(&l, "parts", r->parts);
		log_uint(&l, "took_ms", r->took_ms);
		if (r->took_ms)
			log_dec1(&l, "mib_per_s",
				 (double)r->file_bytes / 1048576.0 / ((double)r->took_ms / 1000.0));
		log_bool(&l, "removed", r->deleted);
		log_end(&l);
	}
}

static void ship_next(struct shipper *sh, struct shipset_item *it)
{
	struct shipset_id before;
	bool have_before = id_of(sh, it->rel, &before);
	struct ship_one_result r;
	char err[512];
	int e = ship_one(&sh->one, it->rel, &r, err, sizeof err);
	uint64_t now = now_us();
	struct log_line l;
	if (e == 0) {
		sh->shipped++;
		sh->shipped_bytes += r.file_bytes;
		sh->store_failures = 0;
		sh->store_due_us = 0;
		if (sh->credentials_logged && log_begin(&l, LOG_INFO, "credentials_accepted")) {
			log_str(&l, "access_key_id", sh->s->aws_access_key_id);
			log_end(&l);
		}
		sh->credentials_logged = false;
		log_done(sh, it, &r);
		if (r.deleted || r.changed) {
			/* A changed file is found again by the event its writer's
			 * close or rename left in the queue. */
			shipset_drop(&sh->set, it);
		} else {
			shipset_hold(it, have_before ? &before : NULL);
			sh->held++;
			if (sh->s->delete_after_upload && log_begin(&l, LOG_WARN, "upload_kept")) {
				log_str(&l, "file", it->rel);
				log_str(&l, "error", err);
				log_str(&l, "then", "not uploaded again unless it changes; give the "
						    "shipper write access to the dump directory "
						    "(the pod's fsGroup)");
				log_end(&l);
			}
		}
		return;
	}
	if (e == -ENOENT) {
		shipset_drop(&sh->set, it);
		return;
	}
	if (e == -ECANCELED) {
		if (log_begin(&l, LOG_INFO, "upload_abandoned")) {
			log_str(&l, "file", it->rel);
			log_str(&l, "key", r.key);
			log_str(&l, "then", "kept; shipped by the next start");
			log_end(&l);
		}
		return;
	}
	sh->failed++;
	if (e == -EFBIG) {
		shipset_hold(it, have_before ? &before : NULL);
		sh->held++;
		if (log_begin(&l, LOG_ERROR, "file_too_large")) {
			log_str(&l, "file", it->rel);
			log_uint(&l, "file_bytes", r.file_bytes);
			log_uint(&l, "max_file_size", sh->s->max_file_size);
			log_str(&l, "then", "kept, not uploaded; raise MAX_FILE_SIZE to ship it");
			log_end(&l);
		}
		return;
	}
	if (r.local) {
		it->failures++;
		uint64_t wait = shipq_backoff_us(it->failures, sh->s->retry_max_us);
		shipset_defer(&sh->set, it, now + wait);
		if (log_begin(&l, LOG_WARN, "upload_failed")) {
			log_str(&l, "file", it->rel);
			log_str(&l, "error", err);
			log_uint(&l, "failures", it->failures);
			log_uint(&l, "retry_in_ms", wait / 1000);
			if (e == -EACCES)
				log_str(&l, "fix", "the writer and the shipper share the pod's "
						   "fsGroup: set securityContext.fsGroup");
			log_end(&l);
		}
		return;
	}
	sh->store_failures++;
	uint64_t wait = shipq_backoff_us(sh->store_failures, sh->s->retry_max_us);
	sh->store_due_us = now + wait;
	/* Behind the others, so a file the store chokes on does not hold them. */
	shipset_defer(&sh->set, it, 0);
	if (credentials_refused(&r)) {
		if (!sh->credentials_logged && log_begin(&l, LOG_ERROR, "credentials_refused")) {
			log_str(&l, "access_key_id", sh->s->aws_access_key_id);
			log_int(&l, "http_status", r.http_status);
			log_str(&l, "code", r.code);
			log_str(&l, "bucket", sh->s->s3_bucket);
			log_str(&l, "then", "files kept; tried again with backoff up to RETRY_MAX; "
					    "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
					    "AWS_REGION in the shipper's Secret");
			log_end(&l);
		}
		sh->credentials_logged = true;
		if (log_begin(&l, LOG_DEBUG, "upload_failed")) {
			log_str(&l, "file", it->rel);
			log_str(&l, "error", err);
			log_end(&l);
		}
		return;
	}
	if (log_begin(&l, LOG_WARN, "upload_failed")) {
		log_str(&l, "file", it->rel);
		log_str(&l, "error", err);
		log_uint(&l, "store_failures", sh->store_failures);
		log_uint(&l, "retry_in_ms", wait / 1000);
		log_uint(&l, "pending", shipset_pending(&sh->set));
		log_end(&l);
	}
}

/* ------------------------------------------------------------ the forwarder */

static void state_dir_ready(const struct ship_settings *s)
{
	if (mkdir(s->state_dir, 0700) == 0 || errno == EEXIST)
		return;
	struct log_line l;
	if (log_begin(&l, LOG_WARN, "state_dir_unusable")) {
		log_str(&l, "path", s->state_dir);
		log_errno(&l, errno);
		log_str(&l, "then", "events are forwarded, but how far is not remembered across "
				    "restarts; set STATE_DIR to a writable directory");
		log_end(&l);
	}
}

/* The child: forwards, then sleeps until the dump directory changes. */
static int forwarder_main(const struct ship_settings *s, const struct webhook_headers *headers,
			  pid_t parent)
{
	stop_flag = 0;
	if (setup_signals() < 0)
		return EXIT_RUNTIME;
	/* A parent killed outright (SIGKILL, the OOM killer) must not leave a
	 * second forwarder behind for the next start to race with. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		return EXIT_RUNTIME;
	char state[SHIP_PATH_MAX + 32];
	snprintf(state, sizeof state, "%s/events.state", s->state_dir);
	struct evforward f = {
		.dir = s->dump_dir, .events = s->events_file, .state_path = state,
		.target = {.url = s->webhook_url, .headers = headers, .ca_bundle = s->webhook_ca_bundle,
			   .verify_tls = true},
		.format = s->webhook_format, .backoff_max_us = s->retry_max_us, .stop = &stop_flag};
	if (evforward_init(&f))
		return EXIT_RUNTIME;
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int wd = -1;
	unsigned failures = 0;
	while (!stop_flag) {
		/* Each line of the events file is a write, hence IN_MODIFY; a
		 * rotation is a rename. Watched again whenever it was lost
		 * (the directory removed and made again). */
		if (in >= 0 && wd < 0)
			wd = inotify_add_watch(in, s->dump_dir,
					       IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
		int e = evforward_all(&f);
		if (e == -ECANCELED || stop_flag)
			break;
		int timeout_ms = 5000; /* a net under a lost watch */
		if (e) {
			failures++;
			timeout_ms = (int)(shipq_backoff_us(failures, s->retry_max_us) / 1000);
			struct log_line l;
			if (log_begin(&l, LOG_WARN, "events_unreadable")) {
				log_str(&l, "path", s->dump_dir);
				log_errno(&l, -e);
				log_uint(&l, "retry_in_ms", (uint64_t)timeout_ms);
				log_end(&l);
			}
		} else {
			failures = 0;
		}
		if (wd < 0 && timeout_ms > 1000)
			timeout_ms = 1000;
		struct pollfd p[2] = {{.fd = wake_fd[0], .events = POLLIN},
				      {.fd = in, .events = POLLIN}};
		if (poll(p, in >= 0 ? 2 : 1, timeout_ms) > 0) {
			drain_wake();
			if (in >= 0 && (p[1].revents & POLLIN)) {
				char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
				ssize_t n;
				while ((n = read(in, buf, sizeof buf)) > 0) {
					for (char *q = buf; q < buf + n;) {
						const struct inotify_event *ev = (const void *)q;
						if (ev->mask & IN_IGNORED)
							wd = -1;
						q += sizeof *ev + ev->len;
					}
				}
			}
		}
	}
	evforward_free(&f);
	struct log_line l;
	if (log_begin(&l, LOG_INFO, "forwarder_stop")) {
		log_uint(&l, "forwarded", f.forwarded);
		log_uint(&l, "rejected", f.rejected);
		log_uint(&l, "retries", f.retries);
		log_uint(&l, "already_sent", f.seen);
		log_uint(&l, "lost", f.lost);
		log_end(&l);
	}
	return EXIT_CLEAN;
}

struct forwarder {
	pid_t pid;        /* 0: not running */
	unsigned deaths;  /* in a row */
	uint64_t due_us;  /* start again then */
};

static void forwarder_start(struct forwarder *fw, const struct ship_settings *s,
			    const struct webhook_headers *headers)
{
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		_exit(forwarder_main(s, headers, parent));
	if (pid < 0) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "forwarder_unstarted")) {
			log_errno(&l, errno);
			log_end(&l);
		}
		fw->deaths++;
		fw->due_us = now_us() + shipq_backoff_us(fw->deaths, s->retry_max_us);
		return;
	}
	fw->pid = pid;
}

static void forwarder_reap(struct forwarder *fw, const struct ship_settings *s)
{
	int status;
	if (fw->pid <= 0 || waitpid(fw->pid, &status, WNOHANG) != fw->pid)
		return;
	fw->pid = 0;
	fw->deaths++;
	uint64_t wait = shipq_backoff_us(fw->deaths, s->retry_max_us);
	fw->due_us = now_us() + wait;
	struct log_line l;
	if (log_begin(&l, LOG_ERROR, "forwarder_exited")) {
		if (WIFSIGNALED(status))
			log_str(&l, "signal", strsignal(WTERMSIG(status)));
		else
			log_int(&l, "status", WEXITSTATUS(status));
		log_uint(&l, "restart_in_ms", wait / 1000);
		log_end(&l);
	}
}

/* ------------------------------------------------------------------ main */

static int poll_timeout_ms(uint64_t due, uint64_t now)
{
	if (due == UINT64_MAX)
		return -1;
	if (due <= now)
		return 0;
	uint64_t ms = (due - now + 999) / 1000;
	return ms > 60000 ? 60000 : (int)ms;
}

int main(int argc, char **argv)
{
	struct ship_cli cli;
	char err[SHIP_ERR_MAX];
	if (ship_settings_parse_args(argc, argv, &cli, err, sizeof err))
		die_setup(EXIT_USAGE, err, NULL);
	if (cli.help) {
		ship_settings_help(stdout);
		return EXIT_CLEAN;
	}
	if (cli.version) {
		printf("oomsentry-ship %s\n", PACKAGE_VERSION);
		return EXIT_CLEAN;
	}
	static struct ship_settings s;
	if (ship_settings_resolve(&s, &cli, environ, err, sizeof err))
		die_setup(EXIT_USAGE, err, NULL);
	if (cli.print_config) {
		ship_settings_print(stdout, &s);
		return EXIT_CLEAN;
	}
	log_configure(s.log_level, s.log_format);
	static struct webhook_headers headers;
	if (s.webhook_headers_file[0] &&
	    webhook_headers_load(s.webhook_headers_file, &headers, err, sizeof err))
		die_setup(EXIT_USAGE, "invalid setting WEBHOOK_HEADERS_FILE", err);
	if (setup_signals() < 0)
		die_setup(EXIT_RUNTIME, "cannot set up signal handling", strerror(errno));
	/* Before the fork: libcurl's global set-up is not for a running
	 * program's threads, and both processes use it. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		die_setup(EXIT_RUNTIME, "cannot initialise libcurl", NULL);

	static struct shipper sh;
	sh.s = &s;
	if (shipset_init(&sh.set, QUEUE_MAX))
		die_setup(EXIT_RUNTIME, "out of memory", NULL);
	sh.s3 = (struct s3_target){
		.endpoint = s.s3_endpoint, .region = s.aws_region[0] ? s.aws_region : "us-east-1",
		.bucket = s.s3_bucket, .path_style = s.s3_path_style,
		.access_key = s.aws_access_key_id, .secret_key = s.aws_secret_access_key,
		.session_token = s.aws_session_token, .ca_bundle = s.s3_ca_bundle, .verify_tls = true,
		.timeout_s = (long)(s.timeout_us / 1000000), .cancel = &stop_flag};
	sh.one = (struct ship_one_conf){
		.s3 = &sh.s3, .dump_dir = s.dump_dir, .prefix = s.s3_prefix, .ns = s.pod_namespace,
		.pod = s.pod_name, .part_size = (size_t)s.s3_part_size,
		.max_file_size = s.max_file_size, .delete_after = s.delete_after_upload};

	struct log_line l;
	if (log_begin(&l, LOG_INFO, "ship_start")) {
		log_str(&l, "version", PACKAGE_VERSION);
		log_str(&l, "dump_dir", s.dump_dir);
		log_str(&l, "bucket", s.s3_bucket[0] ? s.s3_bucket : "(none: no uploads)");
		log_str(&l, "endpoint", s.s3_endpoint[0] ? s.s3_endpoint : "AWS");
		log_str(&l, "prefix", s.s3_prefix);
		log_str(&l, "namespace", s.pod_namespace);
		log_str(&l, "pod", s.pod_name);
		log_str(&l, "webhook", s.webhook_url[0] ? s.webhook_url : "(none)");
		log_end(&l);
	}

	struct forwarder fw = {0};
	if (s.webhook_url[0]) {
		state_dir_ready(&s);
		forwarder_start(&fw, &s, &headers);
	}
	bool uploads = s.s3_bucket[0] != '\0';
	if (uploads)
		open_dir(&sh);

	while (!stop_flag) {
		uint64_t now = now_us();
		uint64_t due = UINT64_MAX;
		struct shipset_item *it = uploads && sh.dir_open ? shipset_next(&sh.set) : NULL;
		if (it) {
			uint64_t d = it->due_us > sh.store_due_us ? it->due_us : sh.store_due_us;
			if (d <= now) {
				ship_next(&sh, it);
				if (sh.set.dropped && sh.set.n < sh.set.max / 2) {
					sh.set.dropped = sh.queue_full_logged = false;
					shipdir_list(&sh.dir, found, &sh);
				}
				continue; /* the directory is read before the next one */
			}
			due = d;
		}
		if (uploads && !sh.dir_open && sh.reopen_due_us < due)
			due = sh.reopen_due_us;
		if (s.webhook_url[0] && fw.pid == 0 && fw.due_us < due)
			due = fw.due_us;
		struct pollfd p[2] = {{.fd = wake_fd[0], .events = POLLIN},
				      {.fd = sh.dir_open ? sh.dir.fd : -1, .events = POLLIN}};
		int n = poll(p, 2, poll_timeout_ms(due, now));
		if (n < 0 && errno != EINTR) {
			if (log_begin(&l, LOG_ERROR, "poll_failed")) {
				log_errno(&l, errno);
				log_end(&l);
			}
			break;
		}
		drain_wake();
		forwarder_reap(&fw, &s);
		if (sh.dir_open && (p[1].revents & POLLIN))
			drain_dir(&sh);
		now = now_us();
		if (uploads && !sh.dir_open && sh.reopen_due_us <= now)
			open_dir(&sh);
		if (s.webhook_url[0] && fw.pid == 0 && fw.due_us <= now && !stop_flag)
			forwarder_start(&fw, &s, &headers);
		if (fw.pid > 0 && fw.deaths && now > fw.due_us + 60000000ull)
			fw.deaths = 0; /* up a minute: its next death starts the backoff anew */
	}

	if (fw.pid > 0) {
		kill(fw.pid, SIGTERM);
		while (waitpid(fw.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	size_t pending = shipset_pending(&sh.set);
	if (log_begin(&l, LOG_INFO, "ship_stop")) {
		log_uint(&l, "shipped", sh.shipped);
		log_uint(&l, "shipped_bytes", sh.shipped_bytes);
		log_uint(&l, "failures", sh.failed);
		log_uint(&l, "pending", pending);
		log_uint(&l, "held", sh.held);
		log_end(&l);
	}
	if (sh.dir_open)
		shipdir_close(&sh.dir);
	shipset_free(&sh.set);
	curl_global_cleanup();
	return EXIT_CLEAN;
}
