#include "jvm_attach.h"

#include "caps.h"
#include "deliver.h"
#include "fsids.h"
#include "procscan.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* How often the socket is looked for after SIGQUIT. HotSpot's signal
 * dispatcher starts the listener within milliseconds; 20 ms keeps the wait
 * short without spinning. */
#define POLL_STEP_MS 20
/* Kept from the output for err when the JVM reports a failure. */
#define FIRST_LINE_MAX 160

struct run {
	const struct jvm_target *t;
	char *err;
	size_t errsz;
	int tmpfd;               /* O_PATH of the JVM's /tmp */
	char tmp_path[512];      /* "<proc_root>/<pid>/root/tmp", for messages */
	char sock_name[32];      /* ".java_pid<nspid>" */
	char trigger_name[32];   /* ".attach_pid<nspid>" */
	struct proc_status st;   /* SigCgt, uids */
	struct attach_ids ids;   /* nspid, egid */
	bool sigquit_caught;
};

__attribute__((format(printf, 3, 4))) static int fail(struct run *r, int e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errsz, fmt, ap);
	va_end(ap);
	return -e;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

enum need { NEED_PTRACE = 1, NEED_KILL = 2, NEED_SETUID = 4, NEED_SETGID = 8 };

/* ": CAP_X missing" naming those of the needed capabilities we do not hold,
 * when e is EACCES or EPERM; else "". Static storage: one call per message. */
static const char *cap_hint(int e, unsigned need)
{
	static char buf[96];
	struct caps_have h;
	if ((e != EACCES && e != EPERM) || caps_query(&h))
		return "";
	const char *names[4];
	int n = 0;
	if ((need & NEED_PTRACE) && !h.sys_ptrace)
		names[n++] = "CAP_SYS_PTRACE";
	if ((need & NEED_KILL) && !h.kill)
		names[n++] = "CAP_KILL";
	if ((need & NEED_SETUID) && !h.setuid)
		names[n++] = "CAP_SETUID";
	if ((need & NEED_SETGID) && !h.setgid)
		names[n++] = "CAP_SETGID";
	if (n == 0)
		return "";
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? " and " : ": ",
					names[i]);
	snprintf(buf + len, sizeof buf - len, " missing");
	return buf;
}

/* What becoming uid/gid takes (see fsids_become). */
static unsigned need_switch(uid_t uid, gid_t gid)
{
	if (geteuid() == 0)
		return NEED_SETUID | NEED_SETGID;
	return (geteuid() != uid ? NEED_SETUID : 0) | (getegid() != gid ? NEED_SETGID : 0);
}

/* --- the JVM's side ---------------------------------------------------------- */

static int read_target(struct run *r)
{
	char buf[8192];
	ssize_t n = proc_read(r->t->proc_root, r->t->pid, "status", buf, sizeof buf);
	if (n < 0)
		return fail(r, (int)-n, "read %s/%d/status: %s", r->t->proc_root, (int)r->t->pid,
			    strerror((int)-n));
	if (proc_parse_status(buf, &r->st) || !r->st.has_uid || attach_parse_status(buf, &r->ids))
		return fail(r, EINVAL, "%s/%d/status: no Sig*, Uid, Gid or NSpid line as expected",
			    r->t->proc_root, (int)r->t->pid);
	if (!r->ids.nspid)
		r->ids.nspid = r->t->pid;
	r->sigquit_caught = proc_sig_in(r->st.sig_caught, SIGQUIT);
	snprintf(r->sock_name, sizeof r->sock_name, ".java_pid%d", (int)r->ids.nspid);
	snprintf(r->trigger_name, sizeof r->trigger_name, ".attach_pid%d", (int)r->ids.nspid);
	return 0;
}

/* Opens the JVM's /tmp as the JVM sees it: "tmp" is resolved inside its
 * root (RESOLVE_IN_ROOT, Linux 5.6), so an absolute symlink there stays in
 * the container; plain openat on older kernels. */
static int open_tmp(struct run *r)
{
	int n = snprintf(r->tmp_path, sizeof r->tmp_path, "%s/%d/root/tmp", r->t->proc_root,
			 (int)r->t->pid);
	if (n >= (int)sizeof r->tmp_path)
		return fail(r, ENAMETOOLONG, "%s/%d/root: path too long", r->t->proc_root,
			    (int)r->t->pid);
	char root[sizeof r->tmp_path];
	memcpy(root, r->tmp_path, (size_t)n - 4); /* without "/tmp" */
	root[n - 4] = '\0';
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 && (errno == EACCES || errno == EPERM)) {
		/* Without CAP_SYS_PTRACE: as the JVM's own user (see fsids.h). */
		struct fsids id = FSIDS_INIT;
		if (fsids_become_owner(&id, r->t->proc_root, r->t->pid) == 0) {
			rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
			int e = errno;
			fsids_restore(&id);
			errno = e;
		} else {
			errno = EACCES;
		}
	}
	if (rootfd < 0) {
		int e = errno;
		return fail(r, e, "open %s: %s%s", root, strerror(e), cap_hint(e, NEED_PTRACE));
	}
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	/* EAGAIN: a rename or mount raced with the walk; it is safe to retry. */
	long fd = -1;
	for (int tries = 0; tries < 3; tries++) {
		fd = syscall(SYS_openat2, rootfd, "tmp", &how, sizeof how);
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	if (fd < 0 && errno == ENOSYS)
		fd = openat(rootfd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int e = errno;
	close(rootfd);
	if (fd < 0)
		return fail(r, e, "open %s: %s%s", r->tmp_path, strerror(e),
			    cap_hint(e, NEED_PTRACE));
	r->tmpfd = (int)fd;
	return 0;
}

static bool socket_ready(struct run *r, struct stat *sock)
{
	return fstatat(r->tmpfd, r->sock_name, sock, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISSOCK(sock->st_mode);
}

/* Waits up to wait_ms for the socket; the pidfd turns readable if the JVM
 * exits meanwhile, which ends the wait at once. */
static int wait_socket(struct run *r, int wait_ms, struct stat *sock)
{
	long start = now_ms();
	for (;;) {
		if (socket_ready(r, sock))
			return 0;
		long left = wait_ms - (now_ms() - start);
		if (left <= 0)
			return fail(r, ETIMEDOUT,
				    "no attach socket %s/%s after SIGQUIT within %d ms "
				    "(-XX:+DisableAttachMechanism?)",
				    r->tmp_path, r->sock_name, wait_ms);
		struct pollfd p = {.fd = r->t->pidfd, .events = POLLIN};
		int n = poll(&p, 1, left < POLL_STEP_MS ? (int)left : POLL_STEP_MS);
		if (n > 0 && (p.revents & POLLNVAL))
			return fail(r, EBADF, "poll pidfd %d: not a pidfd", r->t->pidfd);
		if (n > 0)
			return fail(r, ESRCH, "the JVM exited while its attach socket was awaited");
		if (n < 0 && errno != EINTR)
			return fail(r, errno, "poll pidfd: %s", strerror(errno));
	}
}

/* Creates the trigger file, owned by a uid HotSpot accepts (root or the
 * JVM's euid). *created is false when it was there already; one owned by
 * anyone else would be ignored by the JVM, which is an error. */
static int create_trigger(struct run *r, struct fsids *id, bool *created)
{
	uid_t juid = r->st.uid_effective;
	gid_t jgid = r->ids.egid;
	const char *path = r->tmp_path, *name = r->trigger_name;
	if (geteuid() != 0 && geteuid() != juid && fsids_become(id, juid, jgid))
		return fail(r, EPERM,
			    "create %s/%s: it must be owned by the JVM's uid %u or root, and "
			    "uid %u cannot become uid %u%s",
			    path, name, (unsigned)juid, (unsigned)geteuid(), (unsigned)juid,
			    cap_hint(EPERM, need_switch(juid, jgid)));
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(r->tmpfd, name, flags, 0600);
	if (fd < 0 && errno == EACCES && id->kind == FSIDS_SELF) {
		/* A /tmp only the JVM's user may write to. */
		if (fsids_become(id, juid, jgid))
			return fail(r, EACCES, "create %s/%s: permission denied%s", path, name,
				    cap_hint(EPERM, need_switch(juid, jgid)));
		fd = openat(r->tmpfd, name, flags, 0600);
	}
	if (fd >= 0) {
		close(fd);
		*created = true;
		return 0;
	}
	int e = errno;
	*created = false;
	struct stat st;
	if (e != EEXIST)
		return fail(r, e, "create %s/%s: %s", path, name, strerror(e));
	if (fstatat(r->tmpfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return fail(r, errno, "stat %s/%s: %s", path, name, strerror(errno));
	if (st.st_uid != 0 && st.st_uid != juid)
		return fail(r, EEXIST, "%s/%s exists, owned by uid %u: the JVM (uid %u) ignores it",
			    path, name, (unsigned)st.st_uid, (unsigned)juid);
	return 0;
}

/* Makes the JVM start its attach listener: trigger file, then SIGQUIT. */
static int start_listener(struct run *r, int wait_ms, struct stat *sock)
{
	if (!r->sigquit_caught)
		return fail(r, EOPNOTSUPP,
			    "the JVM does not catch SIGQUIT (-Xrs?): not sent, it would kill it");
	struct fsids id = FSIDS_INIT;
	bool created = false;
	int ret = create_trigger(r, &id, &created);
	if (!ret) {
		int e = deliver_send(r->t->pidfd, SIGQUIT);
		if (e)
			ret = fail(r, -e, "send SIGQUIT to pid %d: %s%s", (int)r->t->pid,
				   strerror(-e), cap_hint(-e, NEED_KILL));
		else
			ret = wait_socket(r, wait_ms, sock);
	}
	/* Removed as whoever created it: /tmp is sticky. */
	if (created)
		unlinkat(r->tmpfd, r->trigger_name, 0);
	fsids_restore(&id);
	return ret;
}

/* --- the connection ---------------------------------------------------------- */

/* One connect, retried while the listener's backlog (5) is full, which a
 * non-blocking UNIX socket reports as EAGAIN instead of waiting. */
static int try_connect(int fd, const struct sockaddr_un *sa, int wait_ms)
{
	long start = now_ms();
	for (;;) {
		if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if (now_ms() - start >= wait_ms)
			return -ETIMEDOUT;
		poll(NULL, 0, POLL_STEP_MS);
	}
}

static int connect_jvm(struct run *r, const struct stat *sock, int wait_ms, int *out)
{
	/* The path goes through our own descriptor of the JVM's /tmp: the one
	 * directory already resolved, and a name that always fits sun_path (108
	 * bytes), however long proc_root is. This is our own fd table, so it is
	 * the kernel's /proc/self, not the proc_root of the processes we watch. */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", r->tmpfd, r->sock_name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(r, errno, "socket: %s", strerror(errno));

	uid_t ouid = sock->st_uid;
	gid_t ogid = sock->st_gid;
	struct fsids id = FSIDS_INIT;
	bool root = geteuid() == 0;
	if (!root && (geteuid() != ouid || getegid() != ogid) && fsids_become(&id, ouid, ogid)) {
		close(fd);
		return fail(r, EPERM,
			    "connect %s/%s: the JVM accepts only root or its own uid/gid %u/%u, "
			    "we are %u/%u%s",
			    r->tmp_path, r->sock_name, (unsigned)ouid, (unsigned)ogid,
			    (unsigned)geteuid(), (unsigned)getegid(),
			    cap_hint(EPERM, need_switch(ouid, ogid)));
	}
	int e = try_connect(fd, &sa, wait_ms);
	bool switch_failed = false;
	if (e == -EACCES && root && id.kind == FSIDS_SELF) {
		if (fsids_become(&id, ouid, ogid) == 0)
			e = try_connect(fd, &sa, wait_ms);
		else
			switch_failed = true;
	}
	fsids_restore(&id);
	if (!e) {
		*out = fd;
		return 0;
	}
	close(fd);
	if (switch_failed)
		return fail(r, EACCES, "connect %s/%s: permission denied (0%o, uid %u)%s",
			    r->tmp_path, r->sock_name, (unsigned)(sock->st_mode & 07777),
			    (unsigned)ouid, cap_hint(EPERM, need_switch(ouid, ogid)));
	if (e == -ECONNREFUSED)
		return fail(r, ECONNREFUSED, "connect %s/%s: connection refused (a stale socket?)",
			    r->tmp_path, r->sock_name);
	if (e == -ETIMEDOUT)
		return fail(r, ETIMEDOUT,
			    "connect %s/%s: the listener's backlog stayed full for %d ms",
			    r->tmp_path, r->sock_name, wait_ms);
	return fail(r, -e, "connect %s/%s: %s", r->tmp_path, r->sock_name, strerror(-e));
}

/* Waits up to wait_ms for events on fd. Returns 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, int wait_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	for (;;) {
		int n = poll(&p, 1, wait_ms);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int send_request(struct run *r, int fd, const char *req, size_t len, int wait_ms)
{
	while (len) {
		int e = wait_fd(fd, POLLOUT, wait_ms);
		if (e)
			return fail(r, -e, "send the request: %s", strerror(-e));
		ssize_t n = send(fd, req, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return fail(r, errno, "send the request: %s", strerror(errno));
		req += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The reply as it streams in: the status line, then the output. */
struct reply {
	char head[ATTACH_STATUS_LINE_MAX];
	size_t head_len;
	bool have_status;
	int status;
	char first[FIRST_LINE_MAX];  /* the output's first bytes, for err */
	size_t first_len;
	int out_fd;
	size_t max_bytes, out_bytes;
	bool truncated;
};

/* Output bytes: the first few kept for err, up to max_bytes copied. */
static int emit(struct reply *rp, const char *p, size_t n)
{
	size_t keep = sizeof rp->first - 1 - rp->first_len;
	keep = n < keep ? n : keep;
	memcpy(rp->first + rp->first_len, p, keep);
	rp->first_len += keep;
	size_t room = rp->max_bytes - rp->out_bytes;
	size_t take = n < room ? n : room;
	if (take < n)
		rp->truncated = true;
	if (take) {
		int e = write_all(rp->out_fd, p, take);
		if (e)
			return e;
		rp->out_bytes += take;
	}
	return 0;
}

/* Feeds bytes read from the socket. Returns 0 or -EPROTO / a write error. */
static int feed(struct reply *rp, const char *p, size_t n)
{
	if (!rp->have_status) {
		size_t take = sizeof rp->head - rp->head_len;
		take = n < take ? n : take;
		memcpy(rp->head + rp->head_len, p, take);
		ssize_t s = attach_reply_status(rp->head, rp->head_len + take, &rp->status);
		if (s < 0)
			return (int)s;
		if (s == 0) {
			/* attach_reply_status refuses a head this long before it is full. */
			rp->head_len += take;
			return 0;
		}
		size_t used = (size_t)s - rp->head_len;
		rp->have_status = true;
		p += used;
		n -= used;
	}
	return n ? emit(rp, p, n) : 0;
}

/* n bytes of src into dst (n + 1 bytes), anything unprintable as '?'. */
static void printable(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[n] = '\0';
}

static int read_reply(struct run *r, int fd, int wait_ms, struct reply *rp)
{
	char buf[16384];
	for (;;) {
		int e = wait_fd(fd, POLLIN, wait_ms);
		if (e == -ETIMEDOUT)
			return fail(r, ETIMEDOUT, "no reply from the JVM within %d ms%s", wait_ms,
				    rp->have_status ? " (after its status line)" : "");
		if (e)
			return fail(r, -e, "poll: %s", strerror(-e));
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		/* A JVM that refuses the peer closes with the request unread,
		 * which resets the connection rather than ending it. */
		if (n < 0 && errno == ECONNRESET && !rp->have_status && !rp->head_len)
			break;
		if (n < 0)
			return fail(r, errno, "read the reply: %s", strerror(errno));
		if (n == 0)
			break;
		e = feed(rp, buf, (size_t)n);
		if (e == -EPROTO) {
			/* feed copied what it judged to head. */
			char shown[ATTACH_STATUS_LINE_MAX + 1];
			size_t len = rp->head_len + (size_t)n;
			printable(shown, rp->head, len < sizeof rp->head ? len : sizeof rp->head);
			return fail(r, EPROTO,
				    "the reply does not start with a status line: \"%s\"", shown);
		}
		if (e)
			return fail(r, -e, "write the output: %s", strerror(-e));
	}
	if (rp->head_len && !rp->have_status)
		return fail(r, EPROTO, "the JVM closed the connection within its status line");
	if (!rp->have_status)
		return fail(r, EPROTO, "the JVM closed the connection without a reply (it accepts "
				       "only root or its own euid and egid)");
	return 0;
}

/* err for a status that is not 0: the status and the output's first line. */
static void describe_status(struct run *r, struct reply *rp)
{
	rp->first[rp->first_len] = '\0';
	size_t n = strcspn(rp->first, "\n");
	snprintf(r->err, r->errsz, "the JVM answered %d: %.*s", rp->status, (int)n, rp->first);
}

int jvm_attach_run(const struct jvm_target *t, const char *cmd,
		   const char *const args[ATTACH_ARGS], int out_fd, size_t max_bytes,
		   int wait_ms, size_t *out_bytes, int *truncated, char *err, size_t errsz)
{
	struct run r = {.t = t, .err = err, .errsz = errsz, .tmpfd = -1};
	struct reply rp = {.out_fd = out_fd, .max_bytes = max_bytes};
	*out_bytes = 0;
	*truncated = 0;
	if (errsz)
		err[0] = '\0';

	char req[ATTACH_REQUEST_MAX];
	ssize_t req_len = attach_request(req, sizeof req, cmd, args);
	if (req_len < 0)
		return fail(&r, (int)-req_len,
			    "not a request HotSpot takes: the command empty or over %d bytes, "
			    "or an argument over %d", ATTACH_NAME_MAX, ATTACH_ARG_MAX);
	int ret = read_target(&r);
	if (!ret)
		ret = open_tmp(&r);
	/* The pid's status and root were read while the pidfd's process was
	 * alive: they were its own, not a successor's. */
	if (!ret && deliver_alive(t->pidfd))
		ret = fail(&r, ESRCH, "pid %d exited", (int)t->pid);
	struct stat sock;
	if (!ret && !socket_ready(&r, &sock))
		ret = start_listener(&r, wait_ms, &sock);
	int fd = -1;
	if (!ret)
		ret = connect_jvm(&r, &sock, wait_ms, &fd);
	if (!ret)
		ret = send_request(&r, fd, req, (size_t)req_len, wait_ms);
	if (!ret)
		ret = read_reply(&r, fd, wait_ms, &rp);
	if (fd >= 0)
		close(fd);
	if (r.tmpfd >= 0)
		close(r.tmpfd);
	*out_bytes = rp.out_bytes;
	*truncated = rp.truncated;
	if (ret)
		return ret;
	if (rp.status != 0)
		describe_status(&r, &rp);
	return rp.status < 0 ? -EREMOTEIO : rp.status;
}
