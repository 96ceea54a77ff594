/* attach_proto.c on the bytes of a real HotSpot (JDK 17.0.15, captured with
 * tests/apps/Leak.java), and jvm_attach.c against a fake JVM: a child process
 * behind a fake /proc root that listens where HotSpot would, checks its
 * peer's credentials as HotSpot does, and answers with canned replies. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach_proto.h"
#include "jvm_attach.h"

/* Replies of a real JVM to raw version-1 requests. */
static const char reply_version[] =
	"0\nOpenJDK 64-Bit Server VM version 17.0.15+6-Debian-1deb12u1\nJDK 17.0.15\n";
static const char reply_unknown_dcmd[] =
	"-1\njava.lang.IllegalArgumentException: Unknown diagnostic command\n";
static const char reply_unknown_op[] = "-1\nOperation nosuchop not recognized!";
static const char reply_bad_version[] = "101\n";
static const char reply_heap_dump[] =
	"0\nDumping heap to /tmp/x.hprof.gz ...\n"
	"Heap dump file created [4012571 bytes in 0.172 secs]\n";
/* GC.heap_dump reports its own failures with status 0. */
static const char reply_dump_exists[] =
	"0\nDumping heap to /tmp/x.hprof ...\nUnable to create /tmp/x.hprof: File exists";
static const char reply_histogram_head[] =
	"0\n num     #instances         #bytes  class name (module)\n"
	"-------------------------------------------------------\n"
	"   1:        109742      106834392  [B (java.base@17.0.15)\n"
	"   2:        102400        2457600  LeakyCache$Entry\n";

/* /proc/PID/status of that JVM in a PID namespace of its own (NSpid 3), as
 * uid 1000, trimmed of the memory lines. */
static const char status_jvm_ns[] =
	"Name:\tjava\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t16301\nNgid:\t0\n"
	"Pid:\t16301\nPPid:\t16295\nTracerPid:\t0\nUid:\t1000\t1000\t1000\t1000\n"
	"Gid:\t1000\t1000\t1000\t1000\nFDSize:\t256\nGroups:\t \nNStgid:\t16301\t3\n"
	"NSpid:\t16301\t3\nNSpgid:\t16284\t0\nNSsid:\t6202\t0\nKthread:\t0\n"
	"VmPeak:\t 2701144 kB\nThreads:\t21\nSigQ:\t0/96362\nSigPnd:\t0000000000000000\n"
	"ShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000002\n"
	"SigCgt:\t0000000101005ccd\nCapInh:\t0000000000000000\n";

/* --- requests ------------------------------------------------------------------ */

START_TEST(request_exact_bytes)
{
	char buf[ATTACH_REQUEST_MAX];
	const char *args[ATTACH_ARGS] = {"GC.class_histogram", NULL, NULL};
	static const char want[] = "1\0jcmd\0GC.class_histogram\0\0"; /* + the literal's NUL */
	ck_assert_int_eq(attach_request(buf, sizeof buf, "jcmd", args), sizeof want);
	ck_assert_mem_eq(buf, want, sizeof want);

	const char *three[ATTACH_ARGS] = {"/tmp/h.hprof", "-all", "1"};
	static const char want3[] = "1\0dumpheap\0/tmp/h.hprof\0-all\0001";
	ck_assert_int_eq(attach_request(buf, sizeof buf, "dumpheap", three), sizeof want3);
	ck_assert_mem_eq(buf, want3, sizeof want3);

	/* An empty string is the same as no argument: HotSpot reads both as NULL. */
	const char *empty[ATTACH_ARGS] = {"", "", ""};
	static const char want_props[] = "1\0properties\0\0\0";
	ck_assert_int_eq(attach_request(buf, sizeof buf, "properties", empty), sizeof want_props);
	ck_assert_mem_eq(buf, want_props, sizeof want_props);
	ck_assert_int_eq(attach_request(buf, sizeof buf, "properties", NULL), sizeof want_props);
	ck_assert_mem_eq(buf, want_props, sizeof want_props);
}
END_TEST

START_TEST(request_limits)
{
	char name[ATTACH_NAME_MAX + 2], arg[ATTACH_ARG_MAX + 2];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	memset(arg, 'a', sizeof arg - 1);
	arg[sizeof arg - 1] = '\0';
	char *buf = malloc(ATTACH_REQUEST_MAX);
	ck_assert_ptr_nonnull(buf);

	/* One over either limit: refused, as HotSpot would drop it silently. */
	const char *args[ATTACH_ARGS] = {arg, NULL, NULL};
	ck_assert_int_eq(attach_request(buf, ATTACH_REQUEST_MAX, "jcmd", args), -EINVAL);
	ck_assert_int_eq(attach_request(buf, ATTACH_REQUEST_MAX, name, NULL), -EINVAL);
	ck_assert_int_eq(attach_request(buf, ATTACH_REQUEST_MAX, "", NULL), -EINVAL);
	ck_assert_int_eq(attach_request(buf, ATTACH_REQUEST_MAX, NULL, NULL), -EINVAL);

	/* At the limits the request is exactly ATTACH_REQUEST_MAX long. */
	name[ATTACH_NAME_MAX] = '\0';
	arg[ATTACH_ARG_MAX] = '\0';
	const char *full[ATTACH_ARGS] = {arg, arg, arg};
	ck_assert_int_eq(attach_request(buf, ATTACH_REQUEST_MAX, name, full), ATTACH_REQUEST_MAX);
	ck_assert_int_eq(buf[ATTACH_REQUEST_MAX - 1], '\0');
	free(buf);

	/* Every shorter buffer, each exactly its size (ASan sees an overrun). */
	for (size_t size = 0; size < ATTACH_REQUEST_MAX; size++) {
		char *b = malloc(size ? size : 1);
		ck_assert_ptr_nonnull(b);
		ck_assert_int_eq(attach_request(b, size, name, full), -ENOBUFS);
		free(b);
	}
	static const char small[] = "1\0jcmd\0VM.version\0\0";
	for (size_t size = 0; size < sizeof small; size++) {
		char *b = malloc(size ? size : 1);
		const char *v[ATTACH_ARGS] = {"VM.version", NULL, NULL};
		ck_assert_int_eq(attach_request(b, size, "jcmd", v), -ENOBUFS);
		free(b);
	}
}
END_TEST

/* --- status lines -------------------------------------------------------------- */

START_TEST(status_of_real_replies)
{
	static const struct {
		const char *reply;
		size_t len;
		int status;
		size_t line;
	} cases[] = {
		{reply_version, sizeof reply_version - 1, 0, 2},
		{reply_unknown_dcmd, sizeof reply_unknown_dcmd - 1, -1, 3},
		{reply_unknown_op, sizeof reply_unknown_op - 1, -1, 3},
		{reply_bad_version, sizeof reply_bad_version - 1, 101, 4},
		{reply_heap_dump, sizeof reply_heap_dump - 1, 0, 2},
		{reply_dump_exists, sizeof reply_dump_exists - 1, 0, 2},
		{reply_histogram_head, sizeof reply_histogram_head - 1, 0, 2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		/* Cut at every byte: a prefix of the status line asks for more,
		 * anything longer gives the same answer. */
		for (size_t cut = 0; cut <= cases[i].len; cut++) {
			char *b = malloc(cut ? cut : 1);
			memcpy(b, cases[i].reply, cut);
			int st = 12345;
			ssize_t r = attach_reply_status(b, cut, &st);
			if (cut < cases[i].line) {
				ck_assert_msg(r == 0, "case %zu cut %zu: %zd", i, cut, r);
				ck_assert_int_eq(st, 12345);
			} else {
				ck_assert_msg(r == (ssize_t)cases[i].line, "case %zu cut %zu: %zd",
					      i, cut, r);
				ck_assert_int_eq(st, cases[i].status);
			}
			free(b);
		}
	}
}
END_TEST

START_TEST(status_edges)
{
	int st;
	ck_assert_int_eq(attach_reply_status("2147483647\n", 11, &st), 11);
	ck_assert_int_eq(st, 2147483647);
	ck_assert_int_eq(attach_reply_status("-2147483648\n", 12, &st), 12);
	ck_assert_int_eq(st, -2147483647 - 1);
	ck_assert_int_eq(attach_reply_status("007\n", 4, &st), 4);
	ck_assert_int_eq(st, 7);
	/* Prefixes that may still become a status line. */
	static const char *const more[] = {"", "-", "1", "12", "-12", "2147483647", "0000000000"};
	for (size_t i = 0; i < sizeof more / sizeof *more; i++)
		ck_assert_msg(attach_reply_status(more[i], strlen(more[i]), &st) == 0, "\"%s\"",
			      more[i]);
	/* What no JVM writes. */
	static const char *const bad[] = {
		"\n", "-\n", "+1\n", " 0\n", "0 \n", "0\r\n", "x", "0x1\n", "--1\n", "1-\n",
		"2147483648\n", "-2147483649\n", "99999999999\n", "12345678901", "HTTP/1.1 200 OK",
		"0000000000000000", "1234567890123456789", "\0\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		size_t len = strlen(bad[i]) ? strlen(bad[i]) : 2;
		ck_assert_msg(attach_reply_status(bad[i], len, &st) == -EPROTO, "case %zu", i);
	}
	/* Sixteen bytes without a newline are refused, never waited on. */
	char digits[ATTACH_STATUS_LINE_MAX];
	memset(digits, '1', sizeof digits);
	ck_assert_int_eq(attach_reply_status(digits, sizeof digits, &st), -EPROTO);
}
END_TEST

/* --- /proc/PID/status ---------------------------------------------------------- */

START_TEST(status_ids)
{
	struct attach_ids ids;
	ck_assert_int_eq(attach_parse_status(status_jvm_ns, &ids), 0);
	ck_assert_int_eq(ids.nspid, 3); /* not NStgid's, not NSpgid's */
	ck_assert_int_eq(ids.egid, 1000);

	ck_assert_int_eq(attach_parse_status("Gid:\t5\t6\t7\t8\nNSpid:\t42\n", &ids), 0);
	ck_assert_int_eq(ids.nspid, 42);
	ck_assert_int_eq(ids.egid, 6);
	/* Kernels before 4.1 have no NSpid line. */
	ck_assert_int_eq(attach_parse_status("Pid:\t9\nGid:\t0\t0\t0\t0\n", &ids), 0);
	ck_assert_int_eq(ids.nspid, 0);
	ck_assert_int_eq(attach_parse_status("\nNSpid:\t1\t2\t3\nGid:\t1\t2\n", &ids), 0);
	ck_assert_int_eq(ids.nspid, 3);

	static const char *const bad[] = {
		"",
		"NSpid:\t5\n",                            /* no Gid */
		"Gid:\t1\n",                              /* no effective gid */
		"Gid:\tx\t1\n",
		"Gid:\t1\t4294967296\n",
		"NSpid:\t\nGid:\t1\t1\n",                 /* empty */
		"NSpid:\t5\tx\nGid:\t1\t1\n",
		"NSpid:\t0\nGid:\t1\t1\n",
		"NSpid:\t-5\nGid:\t1\t1\n",
		"NSpid:\t2147483648\nGid:\t1\t1\n",
		"NSpid:\t5x\nGid:\t1\t1\n",
		"NSpid:\t+5\nGid:\t1\t1\n",                 /* signs */
		"Gid:\t1\t-1\n",
		"Gid:\t1\t+1\n",
		"Gid:\t1\n2\n",                           /* not on the next line */
		"Gid:\t1\t\n\t2\n",
		"NSpid:\t\n5\nGid:\t1\t1\n",
		"Gid:\t1\t99999999999999999999999\n",      /* past 64 bits */
		"Gid:\t12345678901\t1\n",                  /* 11 digits */
		"Gid:\t1\t2\t3\t4\t5\n",                    /* more than four */
		"Gid:\t1\t2\tx\t4\n",
		"Gid:\t1\t2\r\n",
		"NSpid:\t5\t0\nGid:\t1\t1\n",              /* 0 in any place */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(attach_parse_status(bad[i], &ids) == -EINVAL, "case %zu", i);

	/* Spaces count as blanks; the largest values; the deepest nesting. */
	ck_assert_int_eq(attach_parse_status("NSpid: 7  8 \nGid: 1 4294967295 3 4\n", &ids), 0);
	ck_assert_int_eq(ids.nspid, 8);
	ck_assert_uint_eq(ids.egid, 4294967295u);
	ck_assert_int_eq(attach_parse_status("NSpid:\t2147483647\nGid:\t0000000001\t0\n", &ids),
			 0);
	ck_assert_int_eq(ids.nspid, 2147483647);
	ck_assert_uint_eq(ids.egid, 0);
	char deep[512] = "NSpid:";
	for (int i = 0; i < 33; i++)
		snprintf(deep + strlen(deep), sizeof deep - strlen(deep), "\t%d", 1000000000 + i);
	strcat(deep, "\nGid:\t1\t2\n");
	ck_assert_int_eq(attach_parse_status(deep, &ids), 0);
	ck_assert_int_eq(ids.nspid, 1000000032);
}
END_TEST

/* --- a fake JVM -------------------------------------------------------------------- */

enum fake_mode {
	FAKE_VERSION,    /* the captured VM.version reply */
	FAKE_FAILED,     /* the captured "-1" of an unknown diagnostic command */
	FAKE_GARBAGE,    /* not a status line */
	FAKE_CUT_STATUS, /* "10" and close: cut inside the status line */
	FAKE_BIG,        /* status 0 and FAKE_BIG_BYTES of output */
	FAKE_SLOW,       /* the VM.version reply a byte at a time */
	FAKE_SILENT,     /* reads the request, never answers */
	FAKE_STALE,      /* the socket file of a listener that is gone */
};

#define FAKE_NSPID 7
#define FAKE_BIG_BYTES (1 << 20)

struct fake_opts {
	enum fake_mode mode;
	bool catches_quit;   /* SigCgt shows SIGQUIT */
	bool lazy;           /* listens only after SIGQUIT, if the trigger file is there */
	bool quit_exits;     /* lazy, but exits on SIGQUIT */
	bool never_listens;  /* lazy, but never listens */
	bool expect_no_quit; /* exits 0 after 400 ms without SIGQUIT, 12 with one */
	uid_t sock_uid;      /* chown the socket to this uid (0: leave it) */
	bool long_root;      /* a proc root far longer than sun_path */
	bool tmp_link;       /* root/tmp is a symlink to "/jvmtmp", which only
			      * resolves inside the root (root/jvmtmp) */
};

struct fake {
	char base[512];  /* mkdtemp; the proc root is base/proc */
	char proc[600];
	char tmp[700];   /* proc/PID/root/tmp, or where it leads */
	pid_t pid;
	int pidfd;
	struct jvm_target t;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void read_exact(int fd, void *buf, size_t n)
{
	ck_assert_int_eq(read(fd, buf, n), (ssize_t)n);
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			_exit(20);
		p += w;
		n -= (size_t)w;
	}
}

/* The fake JVM's main. Everything it cannot do ends it with a distinct
 * status that the test reads back. */
static void fake_main(const struct fake *f, const struct fake_opts *o, int go, int ready)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(5);
	/* Nobody reads "ready" from a lazy fake. */
	signal(SIGPIPE, SIG_IGN);
	char c;
	if (read(go, &c, 1) != 1)
		_exit(21);
	int tmpfd = open(f->tmp, O_PATH | O_DIRECTORY);
	if (tmpfd < 0)
		_exit(22);
	char trigger[32], name[32];
	snprintf(trigger, sizeof trigger, ".attach_pid%d", FAKE_NSPID);
	snprintf(name, sizeof name, ".java_pid%d", FAKE_NSPID);
	if (o->lazy || o->expect_no_quit) {
		sigset_t quit;
		sigemptyset(&quit);
		sigaddset(&quit, SIGQUIT);
		struct timespec ts = {.tv_sec = o->expect_no_quit ? 0 : 2,
				      .tv_nsec = o->expect_no_quit ? 400000000 : 0};
		int sig = sigtimedwait(&quit, NULL, &ts);
		if (o->expect_no_quit)
			_exit(sig == SIGQUIT ? 12 : 0);
		if (sig != SIGQUIT)
			_exit(10);
		if (o->quit_exits)
			_exit(0);
		/* HotSpot's is_init_trigger(): the file, owned by root or us. */
		struct stat st;
		if (fstatat(tmpfd, trigger, &st, 0) || (st.st_uid != 0 && st.st_uid != geteuid()))
			_exit(11);
		if (o->never_listens)
			pause();
	}
	/* Bound through our own fd of the directory, as the client connects,
	 * so that a long root works too. */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", tmpfd, name);
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 5))
		_exit(23);
	if (fchmodat(tmpfd, name, 0600, 0) ||
	    (o->sock_uid && fchownat(tmpfd, name, o->sock_uid, o->sock_uid, 0)))
		_exit(24);
	if (o->mode == FAKE_STALE)
		close(ls);
	if (write(ready, "r", 1) != 1 && !o->lazy)
		_exit(25);
	if (o->mode == FAKE_STALE)
		pause();
	int s = accept(ls, NULL, NULL);
	if (s < 0)
		_exit(26);
	/* HotSpot's peer check: effective uid 0, or our euid and egid. */
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		_exit(27);
	if (cred.uid != 0 && (cred.uid != geteuid() || cred.gid != getegid()))
		_exit(28);
	/* The request: five NUL-terminated strings. */
	char req[ATTACH_REQUEST_MAX];
	size_t got = 0;
	int nuls = 0;
	while (nuls < 5 && got < sizeof req) {
		ssize_t n = read(s, req + got, sizeof req - got);
		if (n <= 0)
			_exit(29);
		for (ssize_t i = 0; i < n; i++)
			nuls += req[got + (size_t)i] == '\0';
		got += (size_t)n;
	}
	char path[sizeof f->base + 16];
	snprintf(path, sizeof path, "%s/request", f->base);
	int rf = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (rf < 0 || write(rf, req, got) != (ssize_t)got)
		_exit(30);
	close(rf);

	switch (o->mode) {
	case FAKE_VERSION:
		send_all(s, reply_version, sizeof reply_version - 1);
		break;
	case FAKE_FAILED:
		send_all(s, reply_unknown_dcmd, sizeof reply_unknown_dcmd - 1);
		break;
	case FAKE_GARBAGE:
		send_all(s, "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
		break;
	case FAKE_CUT_STATUS:
		send_all(s, "10", 2);
		break;
	case FAKE_BIG: {
		send_all(s, "0\n", 2);
		static char chunk[4096];
		for (size_t i = 0; i < sizeof chunk; i++)
			chunk[i] = (char)('a' + i % 26);
		for (size_t sent = 0; sent < FAKE_BIG_BYTES; sent += sizeof chunk)
			send_all(s, chunk, sizeof chunk);
		break;
	}
	case FAKE_SLOW:
		for (size_t i = 0; i < sizeof reply_version - 1; i++) {
			send_all(s, reply_version + i, 1);
			usleep(1000);
		}
		break;
	case FAKE_SILENT:
		pause();
		break;
	case FAKE_STALE:
		break;
	}
	close(s);
	_exit(0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* The test's directory, named after the test runner: fake_stop removes it,
 * and so does the test case's teardown in the runner when a failed
 * assertion ended the test first. */
static pid_t runner_pid;
static char fake_top[64];

static void remove_top(void)
{
	if (fake_top[0])
		nftw(fake_top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	fake_top[0] = '\0';
}

static void remove_leftovers(void)
{
	char pattern[64];
	snprintf(pattern, sizeof pattern, "/tmp/check_attach.%d.*", (int)runner_pid);
	glob_t g;
	if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			nftw(g.gl_pathv[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	globfree(&g);
}

static void fake_start(struct fake *f, const struct fake_opts *o)
{
	memset(f, 0, sizeof *f);
	snprintf(fake_top, sizeof fake_top, "/tmp/check_attach.%d.XXXXXX", (int)runner_pid);
	ck_assert_ptr_nonnull(mkdtemp(fake_top));
	snprintf(f->base, sizeof f->base, "%s", fake_top);
	if (o->long_root) {
		size_t n = strlen(f->base);
		f->base[n++] = '/';
		memset(f->base + n, 'd', 200);
		f->base[n + 200] = '\0';
		ck_assert_int_eq(mkdir(f->base, 0755), 0);
	}
	snprintf(f->proc, sizeof f->proc, "%s/proc", f->base);
	ck_assert_int_eq(mkdir(f->proc, 0755), 0);

	int go[2], ready[2];
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(ready), 0);
	/* SIGQUIT blocked from birth: the fake waits for it with sigtimedwait. */
	sigset_t quit, old;
	sigemptyset(&quit);
	sigaddset(&quit, SIGQUIT);
	sigprocmask(SIG_BLOCK, &quit, &old);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(go[1]);
		close(ready[0]);
		f->pid = getpid();
		snprintf(f->tmp, sizeof f->tmp, "%s/%d/root/%s", f->proc, (int)f->pid,
			 o->tmp_link ? "jvmtmp" : "tmp");
		fake_main(f, o, go[0], ready[1]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(go[0]);
	close(ready[1]);
	f->pid = pid;
	f->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	ck_assert_int_ge(f->pidfd, 0);

	char path[sizeof f->tmp];
	snprintf(path, sizeof path, "%s/%d", f->proc, (int)pid);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/%d/root", f->proc, (int)pid);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(f->tmp, sizeof f->tmp, "%s/%d/root/%s", f->proc, (int)pid,
		 o->tmp_link ? "jvmtmp" : "tmp");
	ck_assert_int_eq(mkdir(f->tmp, 0755), 0);
	ck_assert_int_eq(chmod(f->tmp, 01777), 0);
	if (o->tmp_link) {
		snprintf(path, sizeof path, "%s/%d/root/tmp", f->proc, (int)pid);
		ck_assert_int_eq(symlink("/jvmtmp", path), 0);
	}
	char status[1024];
	snprintf(status, sizeof status,
		 "Name:\tjava\nState:\tS (sleeping)\nTgid:\t%d\nPid:\t%d\nPPid:\t1\n"
		 "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nNStgid:\t%d\t%d\nNSpid:\t%d\t%d\n"
		 "SigQ:\t0/96362\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
		 "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000002\nSigCgt:\t%s\n",
		 (int)pid, (int)pid, geteuid(), geteuid(), geteuid(), geteuid(), getegid(),
		 getegid(), getegid(), getegid(), (int)pid, FAKE_NSPID, (int)pid, FAKE_NSPID,
		 /* HotSpot's and -Xrs's masks, captured. */
		 o->catches_quit ? "0000000101005ccd" : "0000000101001cc8");
	snprintf(path, sizeof path, "%s/%d/status", f->proc, (int)pid);
	write_file(path, status);

	ck_assert_int_eq(write(go[1], "g", 1), 1);
	close(go[1]);
	if (!o->lazy && !o->expect_no_quit) {
		char c;
		read_exact(ready[0], &c, 1);
	}
	close(ready[0]);
	f->t = (struct jvm_target){.proc_root = f->proc, .pid = pid, .pidfd = f->pidfd};
}

/* Ends the fake; returns its exit status, or minus the signal that ended it. */
static int fake_stop(struct fake *f, bool kill_it)
{
	if (kill_it)
		syscall(SYS_pidfd_send_signal, f->pidfd, SIGKILL, NULL, 0);
	int ws;
	ck_assert_int_eq(waitpid(f->pid, &ws, 0), f->pid);
	close(f->pidfd);
	remove_top();
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : -WTERMSIG(ws);
}

static int out_fd(void)
{
	int fd = memfd_create("out", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static size_t out_read(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	return (size_t)n;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

struct result {
	int ret;
	size_t bytes;
	int truncated;
	char err[512];
	char out[4096];
	long ms;
};

static void run(struct fake *f, const char *arg, size_t max_bytes, int wait_ms, struct result *r)
{
	int fd = out_fd();
	const char *args[ATTACH_ARGS] = {arg, NULL, NULL};
	long start = now_ms();
	r->ret = jvm_attach_run(&f->t, "jcmd", args, fd, max_bytes, wait_ms, &r->bytes,
				&r->truncated, r->err, sizeof r->err);
	r->ms = now_ms() - start;
	out_read(fd, r->out, sizeof r->out);
	close(fd);
}

static void assert_request(const struct fake *f, const char *want, size_t len)
{
	char path[sizeof f->base + 16], got[ATTACH_REQUEST_MAX];
	snprintf(path, sizeof path, "%s/request", f->base);
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, got, sizeof got), (ssize_t)len);
	ck_assert_mem_eq(got, want, len);
	close(fd);
}

static const char version_request[] = "1\0jcmd\0VM.version\0\0";

/* Also where the container's /tmp is an absolute symlink: it must resolve
 * inside the container's root, as the JVM sees it. */
START_TEST(fake_good_reply)
{
	for (int tmp_link = 0; tmp_link <= 1; tmp_link++) {
		struct fake f;
		struct fake_opts o = {.mode = FAKE_VERSION, .catches_quit = true,
				      .tmp_link = tmp_link};
		fake_start(&f, &o);
		struct result r;
		run(&f, "VM.version", 1 << 20, 1000, &r);
		ck_assert_msg(r.ret == 0, "tmp_link=%d: %d %s", tmp_link, r.ret, r.err);
		ck_assert_str_eq(r.out, reply_version + 2);
		ck_assert_uint_eq(r.bytes, sizeof reply_version - 3);
		ck_assert_int_eq(r.truncated, 0);
		ck_assert_str_eq(r.err, "");
		assert_request(&f, version_request, sizeof version_request);
		ck_assert_int_eq(fake_stop(&f, false), 0);
	}
}
END_TEST

/* The status line split over many reads. */
START_TEST(fake_slow_reply)
{
	struct fake f;
	struct fake_opts o = {.mode = FAKE_SLOW, .catches_quit = true};
	fake_start(&f, &o);
	struct result r;
	run(&f, "VM.version", 1 << 20, 1000, &r);
	ck_assert_msg(r.ret == 0, "%d %s", r.ret, r.err);
	ck_assert_str_eq(r.out, reply_version + 2);
	ck_assert_int_eq(fake_stop(&f, false), 0);
}
END_TEST

START_TEST(fake_failed_command)
{
	struct fake f;
	struct fake_opts o = {.mode = FAKE_FAILED, .catches_quit = true};
	fake_start(&f, &o);
	struct result r;
	run(&f, "No.such", 1 << 20, 1000, &r);
	/* -1 would read as -EPERM. */
	ck_assert_int_eq(r.ret, -EREMOTEIO);
	ck_assert_str_eq(r.err,
			 "the JVM answered -1: java.lang.IllegalArgumentException: Unknown "
			 "diagnostic command");
	ck_assert_str_eq(r.out, reply_unknown_dcmd + 3);
	ck_assert_int_eq(fake_stop(&f, false), 0);
}
END_TEST

START_TEST(fake_garbage)
{
	struct fake f;
	struct fake_opts o = {.mode = FAKE_GARBAGE, .catches_quit = true};
	fake_start(&f, &o);
	struct result r;
	run(&f, "VM.version", 1 << 20, 1000, &r);
	ck_assert_int_eq(r.ret, -EPROTO);
	ck_assert_msg(strstr(r.err, "\"HTTP/1.1 400 Bad\"") != NULL, "%s", r.err);
	ck_assert_uint_eq(r.bytes, 0);
	fake_stop(&f, true);
}
END_TEST

START_TEST(fake_cut_status)
{
	struct fake f;
	struct fake_opts o = {.mode = FAKE_CUT_STATUS, .catches_quit = true};
	fake_start(&f, &o);
	struct result r;
	run(&f, "VM.version", 1 << 20, 1000, &r);
	ck_assert_int_eq(r.ret, -EPROTO);
	ck_assert_msg(strstr(r.err, "within its status line") != NULL, "%s", r.err);
	ck_assert_int_eq(fake_stop(&f, false), 0);
}
END_TEST

START_TEST(fake_oversized_output)
{
	struct fake f;
	struct fake_opts o = {.mode = FAKE_BIG, .catches_quit = true};
	fake_start(&f, &o);
	int fd = out_fd();
	const char *args[ATTACH_ARGS] = {"GC.class_histogram", NULL, NULL};
	size_t bytes;
	int truncated;
	char err[256];
	int ret = jvm_attach_run(&f.t, "jcmd", args, fd, 1000, 1000, &bytes, &truncated, err,
				 sizeof err);
	ck_assert_msg(ret == 0, "%d %s", ret, err);
	ck_assert_uint_eq(bytes, 1000);
	ck_assert_int_eq(truncated, 1);
	char out[2048];
	ck_assert_uint_eq(out_read(fd, out, sizeof out), 1000);
	for (size_t i = 0; i < 1000; i++)
		ck_assert_int_eq(out[i], 'a' + (int)(i % 26));
	close(fd);
	/* The rest was read and dropped: the fake could send it all. */
	ck_assert_int_eq(fake_stop(&f, false), 0);
}
END_TEST

START_TEST(fake_silent_times_out)
{
	struct fake f;
	struct fake_opts o = {.mode = FAKE_SILENT, .catches_quit = true};
	fake_start(&f, &o);
	struct result r;
	run(&f, "VM.version", 1 << 20, 300, &r);
	ck_assert_int_eq(r.ret, -ETIMEDOUT);
	ck_assert_msg(strstr(r.err, "no reply from the JVM within 300 ms") != NULL, "%s", r.err);
	ck_assert_int_ge(r.ms, 290);
	ck_assert_int_lt(r.ms, 1000);
	fake_stop(&f, true);
}
END_TEST

START_TEST(fake_stale_socket)
{
	struct fake f;
	struct fake_opts o = {.mode = FAKE_STALE, .catches_quit = true};
	fake_start(&f, &o);
	struct result r;
	run(&f, "VM.version", 1 << 20, 300, &r);
	ck_assert_int_eq(r.ret, -ECONNREFUSED);
	ck_assert_msg(strstr(r.err, ".java_pid7: connection refused") != NULL, "%s", r.err);
	fake_stop(&f, true);
}
END_TEST

/* No socket yet: trigger file, SIGQUIT through the pidfd, then the socket;
 * the trigger file is gone afterwards. Through a proc root far longer than
 * sun_path. */
START_TEST(fake_lazy_start)
{
	for (int long_root = 0; long_root <= 1; long_root++) {
		struct fake f;
		struct fake_opts o = {.mode = FAKE_VERSION, .catches_quit = true, .lazy = true,
				      .long_root = long_root};
		fake_start(&f, &o);
		struct sockaddr_un sa;
		ck_assert(!long_root || strlen(f.tmp) > sizeof sa.sun_path);
		struct result r;
		run(&f, "VM.version", 1 << 20, 1000, &r);
		if (r.ret)
			ck_abort_msg("long_root=%d: %d %s; the fake exited %d", long_root, r.ret,
				     r.err, fake_stop(&f, true));
		ck_assert_str_eq(r.out, reply_version + 2);
		char trigger[sizeof f.tmp + 32];
		snprintf(trigger, sizeof trigger, "%s/.attach_pid%d", f.tmp, FAKE_NSPID);
		ck_assert_int_ne(access(trigger, F_OK), 0);
		assert_request(&f, version_request, sizeof version_request);
		ck_assert_int_eq(fake_stop(&f, false), 0);
	}
}
END_TEST

/* -Xrs: SIGQUIT is not caught, so it is not sent and nothing is created. */
START_TEST(fake_no_sigquit_handler)
{
	struct fake f;
	struct fake_opts o = {.mode = FAKE_VERSION, .catches_quit = false, .expect_no_quit = true};
	fake_start(&f, &o);
	struct result r;
	run(&f, "VM.version", 1 << 20, 1000, &r);
	ck_assert_int_eq(r.ret, -EOPNOTSUPP);
	ck_assert_str_eq(r.err,
			 "the JVM does not catch SIGQUIT (-Xrs?): not sent, it would kill it");
	char trigger[sizeof f.tmp + 32];
	snprintf(trigger, sizeof trigger, "%s/.attach_pid%d", f.tmp, FAKE_NSPID);
	ck_assert_int_ne(access(trigger, F_OK), 0);
	ck_assert_int_eq(fake_stop(&f, false), 0); /* 12 if SIGQUIT had come */
}
END_TEST

START_TEST(fake_never_listens)
{
	struct fake f;
	struct fake_opts o = {.mode = FAKE_VERSION, .catches_quit = true, .lazy = true,
			      .never_listens = true};
	fake_start(&f, &o);
	struct result r;
	run(&f, "VM.version", 1 << 20, 300, &r);
	ck_assert_int_eq(r.ret, -ETIMEDOUT);
	ck_assert_msg(strstr(r.err, "after SIGQUIT within 300 ms") != NULL, "%s", r.err);
	ck_assert_int_ge(r.ms, 290);
	ck_assert_int_lt(r.ms, 1000);
	char trigger[sizeof f.tmp + 32];
	snprintf(trigger, sizeof trigger, "%s/.attach_pid%d", f.tmp, FAKE_NSPID);
	ck_assert_int_ne(access(trigger, F_OK), 0);
	fake_stop(&f, true);
}
END_TEST

/* The JVM dies after SIGQUIT: the pidfd ends the wait at once. */
START_TEST(fake_exits_while_awaited)
{
	struct fake f;
	struct fake_opts o = {.mode = FAKE_VERSION, .catches_quit = true, .lazy = true,
			      .quit_exits = true};
	fake_start(&f, &o);
	struct result r;
	run(&f, "VM.version", 1 << 20, 1500, &r);
	ck_assert_int_eq(r.ret, -ESRCH);
	ck_assert_int_lt(r.ms, 1000);
	ck_assert_int_eq(fake_stop(&f, false), 0);
}
END_TEST

START_TEST(no_such_process)
{
	struct jvm_target t = {.proc_root = "/nonexistent/proc", .pid = 12, .pidfd = -1};
	char err[256];
	size_t bytes = 99;
	int truncated = 9;
	int r = jvm_attach_run(&t, "jcmd", NULL, 1, 100, 100, &bytes, &truncated, err, sizeof err);
	ck_assert_int_eq(r, -ENOENT);
	ck_assert_msg(strstr(err, "/nonexistent/proc/12/status") != NULL, "%s", err);
	ck_assert_uint_eq(bytes, 0);
	ck_assert_int_eq(truncated, 0);
	char arg[ATTACH_ARG_MAX + 2];
	memset(arg, 'a', sizeof arg - 1);
	arg[sizeof arg - 1] = '\0';
	const char *args[ATTACH_ARGS] = {arg, NULL, NULL};
	ck_assert_int_eq(jvm_attach_run(&t, "jcmd", args, 1, 100, 100, &bytes, &truncated, err,
					sizeof err),
			 -EINVAL);
}
END_TEST

/* Drops caps from the effective and permitted sets of this (forked) test. */
static void drop_caps(const cap_value_t *caps, int n)
{
	cap_t c = cap_get_proc();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(cap_set_flag(c, CAP_EFFECTIVE, n, caps, CAP_CLEAR), 0);
	ck_assert_int_eq(cap_set_flag(c, CAP_PERMITTED, n, caps, CAP_CLEAR), 0);
	ck_assert_int_eq(cap_set_proc(c), 0);
	cap_free(c);
}

/* Root without CAP_DAC_OVERRIDE and a socket 0600 of another user: the
 * connect takes that user's file-system uid and keeps euid 0 (which the
 * fake, like HotSpot, accepts); without CAP_SETUID it fails and says so. */
START_TEST(fake_other_owner)
{
	if (geteuid() != 0) {
		fprintf(stderr, "fake_other_owner: not root, not run\n");
		return;
	}
	for (int with_setuid = 1; with_setuid >= 0; with_setuid--) {
		pid_t child = fork();
		ck_assert_int_ge(child, 0);
		if (child) {
			int ws;
			ck_assert_int_eq(waitpid(child, &ws, 0), child);
			ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "with_setuid=%d",
				      with_setuid);
			continue;
		}
		struct fake f;
		struct fake_opts o = {.mode = FAKE_VERSION, .catches_quit = true,
				      .sock_uid = 65534};
		fake_start(&f, &o);
		cap_value_t dac[] = {CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_SETUID};
		drop_caps(dac, with_setuid ? 3 : 4);
		/* Without the switch the connect is refused. */
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int n = snprintf(sa.sun_path, sizeof sa.sun_path, "%s/.java_pid%d", f.tmp,
				 FAKE_NSPID);
		ck_assert_int_lt(n, (int)sizeof sa.sun_path);
		ck_assert_int_eq(connect(s, (struct sockaddr *)&sa, sizeof sa), -1);
		ck_assert_int_eq(errno, EACCES);
		close(s);

		struct result r;
		run(&f, "VM.version", 1 << 20, 1000, &r);
		ck_assert_int_eq(setfsuid((uid_t)-1), 0); /* put back */
		if (with_setuid) {
			ck_assert_msg(r.ret == 0, "%d %s", r.ret, r.err);
			ck_assert_str_eq(r.out, reply_version + 2);
			ck_assert_int_eq(fake_stop(&f, false), 0);
		} else {
			ck_assert_int_eq(r.ret, -EACCES);
			const char *want =
				"permission denied (0600, uid 65534): CAP_SETUID missing";
			ck_assert_msg(strstr(r.err, want) != NULL, "%s", r.err);
			fake_stop(&f, true);
		}
		_exit(0);
	}
}
END_TEST

START_TEST(histogram_top_row)
{
	/* As OpenJDK 17 prints it, first rows of a leaking app. */
	static const char real[] =
		" num     #instances         #bytes  class name (module)\n"
		"-------------------------------------------------------\n"
		"   1:        103552      107581224  [B (java.base@17.0.15)\n"
		"   2:        102400        3276800  LeakyCache$Entry\n";
	char cls[64];
	ck_assert_uint_eq(attach_histogram_top(real, sizeof real - 1, cls, sizeof cls), 2);
	ck_assert_str_eq(cls, "[B");
	static const char first[] = "   1:  5  6  Foo\r\n";
	ck_assert_uint_eq(attach_histogram_top(first, sizeof first - 1, cls, sizeof cls), 3);
	ck_assert_str_eq(cls, "Foo");
	/* A name cut at the end of the buffer is still a name; one too long for
	 * cls is none. */
	ck_assert_uint_eq(attach_histogram_top(first, 15, cls, sizeof cls), 2);
	ck_assert_uint_eq(attach_histogram_top(first, sizeof first - 1, cls, 3), 0);
	static const char *const bad[] = {
		"", "1:", "   1:", "   1: 5", "   1: 5 6", "   1: 5 6 ", "   1: x 6 Foo",
		"   1: 5 y Foo", "  11: 5 6 Foo", "   2: 5 6 Foo", "a  1: 5 6 Foo", "   1:5 6 Foo",
	};
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
		ck_assert_msg(attach_histogram_top(bad[k], strlen(bad[k]), cls, sizeof cls) == 0,
			      "\"%s\" gave %s", bad[k], cls);
}
END_TEST

/* What ends a name, what is not a row, and lines sscanf must not see past. */
START_TEST(histogram_top_edges)
{
	char cls[256];
	static const struct {
		const char *in;
		size_t len; /* 0: strlen */
		const char *want; /* NULL: no class */
	} cases[] = {
		{"   1: 5 6 Fo\x7fo", 0, "Fo"},
		{"   1: 5 6 Fo\x1bo", 0, "Fo"},
		{"   1: 5 6 Fo\to", 0, "Fo"},
		{"   1: 5 6 Fo\0o", 14, "Fo"},         /* NUL in the name */
		{"   1: 5 6 \xc3\x9cml\xc3\xa4ut (m)", 0, "\xc3\x9cml\xc3\xa4ut"}, /* UTF-8 */
		{"1: 5 6 Foo", 0, "Foo"},              /* no leading spaces */
		{"   1: 123456789012345678901234567890 6 Foo", 0, "Foo"}, /* any length */
		{"head\0er\n   1: 5 6 Foo\n", 22, "Foo"}, /* NUL on an earlier line */
		{"   2: 1 1 A\r\n   1: 5 6 Foo\r\n", 0, "Foo"},
		{"   1: 5 6 \x01" "Foo", 0, NULL},          /* empty name */
		{"   1: 5 6 \x7f", 0, NULL},
		{"\t1: 5 6 Foo", 0, NULL},               /* spaces only */
		{"   1:\t5 6 Foo", 0, NULL},
		{"   1: 5\t6 Foo", 0, NULL},
		{"   1: 5 6\tFoo", 0, NULL},
		{"   1: +5 6 Foo", 0, NULL},             /* no signs */
		{"   1: 5 -6 Foo", 0, NULL},
		{"   1: 5\n 6 Foo", 0, NULL},            /* one line */
		{"   1: 5 6\nFoo", 0, NULL},
		{"   1: 5 6 \nFoo", 0, NULL},
		{"   1: 5\0 6 Foo", 14, NULL},
		{" \0 1: 5 6 Foo", 13, NULL},
		{"   1: x 6 Foo\n   1: 5 6 Bar\n", 0, NULL}, /* the first row decides */
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		size_t len = cases[k].len ? cases[k].len : strlen(cases[k].in);
		memset(cls, 0, sizeof cls);
		size_t n = attach_histogram_top(cases[k].in, len, cls, sizeof cls);
		if (cases[k].want) {
			ck_assert_msg(n == strlen(cases[k].want) && strcmp(cls, cases[k].want) == 0,
				      "case %zu: %zu \"%s\"", k, n, cls);
		} else {
			ck_assert_msg(n == 0, "case %zu gave \"%s\"", k, cls);
		}
	}

	/* A name of size - 1 bytes fits, one of size does not; long lines
	 * before the row are skipped whole. */
	static char big[4096];
	memset(big, 'x', 1000);
	size_t at = 1000;
	at += (size_t)sprintf(big + at, "\n   1:        103552      107581224  ");
	memset(big + at, 'C', 255);
	at += 255;
	memcpy(big + at, " (m)\n", 5);
	at += 5;
	ck_assert_uint_eq(attach_histogram_top(big, at, cls, 256), 255);
	ck_assert_uint_eq(strspn(cls, "C"), 255);
	ck_assert_uint_eq(attach_histogram_top(big, at, cls, 255), 0);
	/* A row longer than 511 bytes whose name runs past them: no name. */
	char wide[1024];
	memset(big + at - 5, 'C', 400);
	memcpy(big + at + 395, " (m)\n", 5);
	ck_assert_uint_eq(attach_histogram_top(big, at + 400, wide, sizeof wide), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("attach");
	TCase *proto = tcase_create("proto");
	tcase_add_test(proto, request_exact_bytes);
	tcase_add_test(proto, request_limits);
	tcase_add_test(proto, status_of_real_replies);
	tcase_add_test(proto, status_edges);
	tcase_add_test(proto, status_ids);
	tcase_add_test(proto, histogram_top_row);
	tcase_add_test(proto, histogram_top_edges);
	suite_add_tcase(s, proto);

	TCase *io = tcase_create("fake_jvm");
	tcase_add_test(io, fake_good_reply);
	tcase_add_test(io, fake_slow_reply);
	tcase_add_test(io, fake_failed_command);
	tcase_add_test(io, fake_garbage);
	tcase_add_test(io, fake_cut_status);
	tcase_add_test(io, fake_oversized_output);
	tcase_add_test(io, fake_silent_times_out);
	tcase_add_test(io, fake_stale_socket);
	tcase_add_test(io, fake_lazy_start);
	tcase_add_test(io, fake_no_sigquit_handler);
	tcase_add_test(io, fake_never_listens);
	tcase_add_test(io, fake_exits_while_awaited);
	tcase_add_test(io, no_such_process);
	tcase_add_test(io, fake_other_owner);
	tcase_set_timeout(io, 10);
	tcase_add_unchecked_fixture(io, NULL, remove_leftovers);
	suite_add_tcase(s, io);
	return s;
}

int main(void)
{
	runner_pid = getpid();
	return check_run(make_suite());
}
