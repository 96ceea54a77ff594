#include "runtime.h"

#include <signal.h>
#include <string.h>

#include "signame.h"

/* ---------------------------------------------------------------------------
 * Spans: the inputs are buffers, not always NUL-terminated where we look.
 * ------------------------------------------------------------------------- */

struct span {
	const char *p;
	size_t n;
};

static struct span span_of(const char *s) { return (struct span){s, s ? strlen(s) : 0}; }

static bool span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

static bool span_prefix(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static bool span_contains(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	for (size_t i = 0; i + n <= s.n; i++)
		if (memcmp(s.p + i, lit, n) == 0)
			return true;
	return false;
}

/* What follows the last '/', without the " (deleted)" the kernel appends to
 * the exe link and to maps paths of a file that was replaced or removed. */
static struct span basename_of(struct span path)
{
	static const char deleted[] = " (deleted)";
	size_t dn = sizeof deleted - 1;
	if (!path.p)
		return path;
	if (path.n >= dn && memcmp(path.p + path.n - dn, deleted, dn) == 0)
		path.n -= dn;
	size_t i = path.n;
	while (i > 0 && path.p[i - 1] != '/')
		i--;
	return (struct span){path.p + i, path.n - i};
}

/* ---------------------------------------------------------------------------
 * /proc/PID/maps
 * ------------------------------------------------------------------------- */

uint32_t runtime_maps_line(const char *line, size_t len)
{
	/* "start-end perms offset dev inode   path": the path follows the fifth
	 * field and may itself hold spaces. Anonymous and [heap]-style mappings
	 * have no path starting with '/'. */
	size_t i = 0;
	for (int field = 0; field < 5; field++) {
		while (i < len && line[i] != ' ')
			i++;
		while (i < len && line[i] == ' ')
			i++;
	}
	if (i >= len || line[i] != '/')
		return 0;
	struct span base = basename_of((struct span){line + i, len - i});
	if (span_eq(base, "libjvm.so"))
		return RUNTIME_MAP_LIBJVM;
	/* libj9vm29.so (OpenJ9's VM; libj9vmchk29.so too, loaded only with it). */
	if (span_prefix(base, "libj9vm") && span_contains(base, ".so"))
		return RUNTIME_MAP_LIBJ9VM;
	if (span_prefix(base, "libnode.so"))
		return RUNTIME_MAP_LIBNODE;
	if (span_prefix(base, "libpython") && span_contains(base, ".so"))
		return RUNTIME_MAP_LIBPYTHON;
	/* liboomsentry.so, .so.0, .so.0.0.0: the file a symlink pointed to. */
	if (span_prefix(base, "liboomsentry.so"))
		return RUNTIME_MAP_LIBOOMSENTRY;
	return 0;
}

/* ---------------------------------------------------------------------------
 * /proc/PID/cmdline: arguments ended by NULs
 * ------------------------------------------------------------------------- */

struct args {
	const char *p;
	size_t n, off;
};

/* The next argument; complete is false for a last argument without its NUL
 * (cut by the reader's bound). Returns false at the end. */
static bool args_next(struct args *a, struct span *arg, bool *complete)
{
	if (a->off >= a->n)
		return false;
	const char *start = a->p + a->off;
	const char *nul = memchr(start, '\0', a->n - a->off);
	size_t len = nul ? (size_t)(nul - start) : a->n - a->off;
	*arg = (struct span){start, len};
	*complete = nul != NULL;
	a->off += len + 1;
	return true;
}

static struct span arg_at(const struct runtime_facts *f, int index)
{
	struct args a = {f->cmdline, f->cmdline ? f->cmdline_len : 0, 0};
	struct span arg = {NULL, 0};
	bool complete;
	for (int i = 0; i <= index; i++)
		if (!args_next(&a, &arg, &complete))
			return (struct span){NULL, 0};
	return arg;
}

/* ---------------------------------------------------------------------------
 * OOMSENTRY_SIGNALS: "SIGUSR1,SIGUSR2", "usr1", "12", "SIGRTMIN+3"; blanks
 * around an entry are allowed. One bad entry voids the whole list: an app
 * that asked for something we cannot read has not asked for what we can.
 * ------------------------------------------------------------------------- */

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static void parse_optin(const char *v, struct runtime_info *out)
{
	if (!v)
		return;
	struct span s = span_of(v);
	/* Set but empty (or blank): no signal named, nothing unreadable. */
	size_t k = 0;
	while (k < s.n && is_blank(s.p[k]))
		k++;
	if (k == s.n)
		return;
	uint64_t mask = 0;
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (i < s.n && s.p[i] != ',')
			i++;
		size_t a = start, b = i;
		while (a < b && is_blank(s.p[a]))
			a++;
		while (b > a && is_blank(s.p[b - 1]))
			b--;
		char name[16];
		int signo;
		if (b == a || b - a >= sizeof name)
			goto invalid;
		memcpy(name, s.p + a, b - a);
		name[b - a] = '\0';
		if (signame_parse(name, &signo) || signo < 1 || signo > 64)
			goto invalid;
		mask |= UINT64_C(1) << (signo - 1);
		if (i == s.n)
			break;
		i++; /* the comma: a trailing one leaves an empty entry */
	}
	out->optin_signals = mask;
	return;
invalid:
	out->optin_signals = 0;
	out->optin_invalid = true;
}

/* ---------------------------------------------------------------------------
 * Node: --heapsnapshot-signal and --report-on-signal, from NODE_OPTIONS and
 * then the command line (measured with node 20: the command line wins; the
 * last occurrence wins; both "--opt=V" and "--opt V"; '_' may stand for '-'
 * in a name; only upper-case "SIGxxx" names start node at all).
 * ------------------------------------------------------------------------- */

/* Node's own options that take a value, which may be the next argument
 * ("--require ./x.js app.js"): node 20's `node --help`, plus aliases. Any
 * other option is a flag, or takes its value after '=' (V8's options). */
static const char *const node_value_options[] = {
	"allow-fs-read", "allow-fs-write", "build-snapshot-config", "conditions",
	"cpu-prof-dir", "cpu-prof-interval", "cpu-prof-name", "debug-port", "diagnostic-dir",
	"disable-proto", "disable-warning", "dns-result-order", "env-file", "env-file-if-exists",
	"es-module-specifier-resolution", "eval", "experimental-default-type",
	"experimental-loader", "experimental-policy", "experimental-sea-config",
	"experimental-specifier-resolution", "heap-prof-dir", "heap-prof-interval",
	"heap-prof-name", "heapsnapshot-near-heap-limit", "heapsnapshot-signal", "icu-data-dir",
	"import", "input-type", "inspect-port", "inspect-publish-uid", "loader",
	"localstorage-file", "max-http-header-size",
	"network-family-autoselection-attempt-timeout", "openssl-config", "policy-integrity",
	"print", "redirect-warnings", "report-dir", "report-directory", "report-filename",
	"report-signal", "require", "run", "secure-heap", "secure-heap-min", "snapshot-blob",
	"test-concurrency", "test-name-pattern", "test-reporter", "test-reporter-destination",
	"test-shard", "test-skip-pattern", "test-timeout", "title", "tls-cipher-list",
	"tls-keylog", "trace-event-categories", "trace-event-file-pattern",
	"trace-require-module", "unhandled-rejections", "use-largepages", "v8-pool-size",
	"watch-path",
};

/* Short options with a value: -r (require), -e (eval), -p (print), -C
 * (conditions), -pe (print + eval). */
static const char *const node_value_shorts[] = {"-r", "-e", "-p", "-C", "-pe"};

/* name (without its dashes) equals lit, '_' standing for '-'. */
static bool node_name_eq(struct span name, const char *lit)
{
	size_t n = strlen(lit);
	if (name.n != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name.p[i] == '_' ? '-' : name.p[i];
		if (c != lit[i])
			return false;
	}
	return true;
}

enum node_pending { NODE_NONE, NODE_SKIP, NODE_SNAPSHOT, NODE_REPORT };

struct node_state {
	int snapshot;      /* --heapsnapshot-signal */
	int report_signal; /* --report-signal; 0 = node's default */
	bool report_on;    /* --report-on-signal */
	enum node_pending pending;
};

/* Node's names only: "SIGUSR2", never "USR2", "12" or "sigusr2" (node
 * exits at start with ERR_UNKNOWN_SIGNAL). 0 if not one. */
static int node_signal(struct span v)
{
	char name[16];
	if (v.n < 4 || v.n >= sizeof name || !span_prefix(v, "SIG"))
		return 0;
	for (size_t i = 0; i < v.n; i++)
		if (!((v.p[i] >= 'A' && v.p[i] <= 'Z') || (v.p[i] >= '0' && v.p[i] <= '9')))
			return 0;
	memcpy(name, v.p, v.n);
	name[v.n] = '\0';
	int signo;
	if (signame_parse(name, &signo) || signo >= 32 || signo == SIGKILL || signo == SIGSTOP)
		return 0;
	return signo;
}

static void node_value(struct node_state *st, enum node_pending what, struct span v)
{
	int signo = node_signal(v);
	if (what == NODE_SNAPSHOT && signo)
		st->snapshot = signo;
	else if (what == NODE_REPORT && signo)
		st->report_signal = signo;
}

/* One option of node's. Returns false when it is the script (or what stands
 * for it), after which arguments are the script's own. */
static bool node_option(struct node_state *st, struct span arg, bool complete)
{
	if (st->pending != NODE_NONE) {
		enum node_pending what = st->pending;
		st->pending = NODE_NONE;
		if (complete)
			node_value(st, what, arg);
		return true;
	}
	if (span_eq(arg, "--") || span_eq(arg, "-") || arg.n == 0 || arg.p[0] != '-')
		return false;
	if (!complete)
		return true;
	if (arg.p[1] != '-') {
		for (size_t i = 0; i < sizeof node_value_shorts / sizeof *node_value_shorts; i++)
			if (span_eq(arg, node_value_shorts[i]))
				st->pending = NODE_SKIP;
		return true;
	}
	if (arg.n < 3)
		return true;
	struct span name = {arg.p + 2, arg.n - 2};
	const char *eq = memchr(name.p, '=', name.n);
	struct span value = {NULL, 0};
	if (eq) {
		value = (struct span){eq + 1, name.n - (size_t)(eq + 1 - name.p)};
		name.n = (size_t)(eq - name.p);
	}
	enum node_pending what = NODE_SKIP;
	if (node_name_eq(name, "heapsnapshot-signal"))
		what = NODE_SNAPSHOT;
	else if (node_name_eq(name, "report-signal"))
		what = NODE_REPORT;
	else if (node_name_eq(name, "report-on-signal"))
		st->report_on = true;
	else if (node_name_eq(name, "no-report-on-signal"))
		st->report_on = false;
	if (eq) {
		node_value(st, what, value);
		return true;
	}
	if (what != NODE_SKIP) {
		st->pending = what;
		return true;
	}
	for (size_t i = 0; i < sizeof node_value_options / sizeof *node_value_options; i++)
		if (node_name_eq(name, node_value_options[i]))
			st->pending = NODE_SKIP;
	return true;
}

/* NODE_OPTIONS: blank-separated, a double-quoted part may hold blanks, and
 * inside quotes a backslash escapes the next character (node's own rule).
 * A token too long for the buffer is read as cut short. */
static void node_options_env(struct node_state *st, const char *env)
{
	struct span s = span_of(env);
	size_t i = 0;
	for (;;) {
		while (i < s.n && (is_blank(s.p[i]) || s.p[i] == '\n' || s.p[i] == '\r'))
			i++;
		if (i >= s.n)
			break;
		char tok[256];
		size_t len = 0;
		bool quoted = false, cut = false;
		for (; i < s.n; i++) {
			char c = s.p[i];
			if (!quoted && (is_blank(c) || c == '\n' || c == '\r'))
				break;
			if (c == '"') {
				quoted = !quoted;
				continue;
			}
			if (quoted && c == '\\' && i + 1 < s.n)
				c = s.p[++i];
			if (len < sizeof tok)
				tok[len++] = c;
			else
				cut = true;
		}
		node_option(st, (struct span){tok, len}, !cut);
	}
	/* A value-taking option at the end of NODE_OPTIONS does not take the
	 * first argument of the command line. */
	st->pending = NODE_NONE;
}

static void parse_node(const struct runtime_facts *f, struct runtime_info *out)
{
	struct node_state st = {0};
	node_options_env(&st, f->node_options);
	struct args a = {f->cmdline, f->cmdline ? f->cmdline_len : 0, 0};
	struct span arg;
	bool complete;
	if (args_next(&a, &arg, &complete)) /* argv[0] */
		while (args_next(&a, &arg, &complete) && node_option(&st, arg, complete))
			;
	out->node_snapshot_signal = st.snapshot;
	if (st.report_on)
		out->node_report_signal = st.report_signal ? st.report_signal : SIGUSR2;
}

/* ---------------------------------------------------------------------------
 * JVM options, up to the main class, "-jar FILE" or "-m MODULE". The
 * launcher's other sources (JDK_JAVA_OPTIONS, JAVA_TOOL_OPTIONS, @argfiles,
 * -XX:Flags=) are not read: only NODE_OPTIONS and OOMSENTRY_SIGNALS are ever
 * taken from a process's environment.
 * ------------------------------------------------------------------------- */

static const char *const jvm_value_options[] = {
	"-cp", "-classpath", "--class-path", "-p", "--module-path", "--upgrade-module-path",
	"--add-modules", "--limit-modules", "--add-exports", "--add-opens", "--add-reads",
	"--patch-module", "--enable-native-access", "--source",
};

static void parse_jvm(const struct runtime_facts *f, struct runtime_info *out)
{
	struct args a = {f->cmdline, f->cmdline ? f->cmdline_len : 0, 0};
	struct span arg;
	bool complete, skip = false;
	if (!args_next(&a, &arg, &complete))
		return;
	while (args_next(&a, &arg, &complete)) {
		if (skip) {
			skip = false;
			continue;
		}
		if (arg.n == 0 || arg.p[0] != '-')
			return; /* the main class */
		if (span_eq(arg, "-jar") || span_eq(arg, "-m") || span_eq(arg, "--module") ||
		    span_prefix(arg, "--module="))
			return; /* what follows is the program and its arguments */
		if (!complete)
			return;
		for (size_t i = 0; i < sizeof jvm_value_options / sizeof *jvm_value_options; i++)
			if (span_eq(arg, jvm_value_options[i]))
				skip = true;
		/* HotSpot's and OpenJ9's -Xrs; OpenJ9's -Xrs:sync keeps SIGQUIT. */
		if (span_eq(arg, "-Xrs") || span_eq(arg, "-XX:+ReduceSignalUsage"))
			out->jvm_reduced_signals = true;
		else if (span_eq(arg, "-XX:-ReduceSignalUsage"))
			out->jvm_reduced_signals = false;
		else if (span_eq(arg, "-XX:+DisableAttachMechanism") ||
			 span_eq(arg, "-Dcom.ibm.tools.attach.enable=no"))
			out->jvm_attach_disabled = true;
		else if (span_eq(arg, "-XX:-DisableAttachMechanism") ||
			 span_eq(arg, "-Dcom.ibm.tools.attach.enable=yes"))
			out->jvm_attach_disabled = false;
	}
}

/* ---------------------------------------------------------------------------
 * Known servers
 * ------------------------------------------------------------------------- */

static const struct {
	const char *name;
	enum runtime_kind kind;
} servers[] = {
	{"nginx", RUNTIME_NGINX},          {"httpd", RUNTIME_HTTPD},
	{"apache2", RUNTIME_HTTPD},        {"gunicorn", RUNTIME_GUNICORN},
	{"uwsgi", RUNTIME_UWSGI},          {"uwsgi-core", RUNTIME_UWSGI},
	{"postgres", RUNTIME_POSTGRES},    {"postmaster", RUNTIME_POSTGRES},
	{"redis-server", RUNTIME_REDIS},   {"redis-sentinel", RUNTIME_REDIS},
	{"valkey-server", RUNTIME_REDIS},
};

static enum runtime_kind server_named(struct span name)
{
	for (size_t i = 0; i < sizeof servers / sizeof *servers; i++)
		if (span_eq(name, servers[i].name))
			return servers[i].kind;
	return RUNTIME_UNKNOWN;
}

static bool is_python_name(struct span prog) { return span_prefix(prog, "python"); }

static bool is_node_name(struct span prog)
{
	if (span_eq(prog, "nodejs"))
		return true;
	if (!span_prefix(prog, "node"))
		return false;
	/* "node", "node20", "node-20.1"; not "nodemon" (a node script). */
	for (size_t i = 4; i < prog.n; i++) {
		char c = prog.p[i];
		if (!((c >= '0' && c <= '9') || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static enum runtime_kind server_kind(const struct runtime_facts *f, struct span prog)
{
	enum runtime_kind k = server_named(prog);
	if (k)
		return k;
	struct span comm = span_of(f->comm);
	if ((k = server_named(comm)))
		return k;
	/* setproctitle: "gunicorn: master [app]", also in comm (15 bytes). */
	struct span argv0 = arg_at(f, 0);
	if (span_prefix(comm, "gunicorn") || span_prefix(argv0, "gunicorn:"))
		return RUNTIME_GUNICORN;
	if (span_prefix(argv0, "uWSGI ")) /* --auto-procname titles */
		return RUNTIME_UWSGI;
	struct span base0 = basename_of(argv0);
	if (span_eq(base0, "gunicorn"))
		return RUNTIME_GUNICORN;
	/* "python3 /usr/local/bin/gunicorn app:app", "python3 -m gunicorn". */
	if (is_python_name(prog) || is_python_name(base0)) {
		struct span a1 = arg_at(f, 1);
		if (span_eq(basename_of(a1), "gunicorn") ||
		    (span_eq(a1, "-m") && span_eq(arg_at(f, 2), "gunicorn")))
			return RUNTIME_GUNICORN;
	}
	return RUNTIME_UNKNOWN;
}

/* Master or worker, where the process title tells. */
static void server_role(const struct runtime_facts *f, struct runtime_info *out)
{
	struct span t = arg_at(f, 0);
	switch (out->kind) {
	case RUNTIME_NGINX:
		out->server_master = span_prefix(t, "nginx: master process");
		out->server_worker = span_prefix(t, "nginx: worker process") ||
				     span_prefix(t, "nginx: cache manager process") ||
				     span_prefix(t, "nginx: cache loader process");
		break;
	case RUNTIME_GUNICORN:
		out->server_master = span_prefix(t, "gunicorn: master");
		out->server_worker = span_prefix(t, "gunicorn: worker");
		break;
	case RUNTIME_UWSGI:
		out->server_master = span_prefix(t, "uWSGI master");
		out->server_worker = span_prefix(t, "uWSGI worker");
		break;
	case RUNTIME_POSTGRES:
		/* Every child retitles itself "postgres: checkpointer", "postgres:
		 * user db [local] idle"; the postmaster keeps its own argv. */
		out->server_worker = span_prefix(t, "postgres: ") || span_prefix(t, "postmaster: ");
		out->server_master = t.n > 0 && !out->server_worker;
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------------------
 * Classification
 * ------------------------------------------------------------------------- */

static enum runtime_kind classify_kind(const struct runtime_facts *f, struct span prog)
{
	if (f->maps_flags & RUNTIME_MAP_LIBJ9VM)
		return RUNTIME_OPENJ9;
	if ((f->maps_flags & RUNTIME_MAP_LIBJVM) || span_eq(prog, "java"))
		return RUNTIME_JVM;
	if (f->exe_is_go)
		return RUNTIME_GO;
	if (is_node_name(prog) || (f->maps_flags & RUNTIME_MAP_LIBNODE))
		return RUNTIME_NODE;
	enum runtime_kind k = server_kind(f, prog);
	if (k)
		return k;
	if (is_python_name(prog) || (f->maps_flags & RUNTIME_MAP_LIBPYTHON))
		return RUNTIME_PYTHON;
	if (f->exe || f->comm || (f->cmdline && f->cmdline_len) || f->maps_flags)
		return RUNTIME_NATIVE;
	return RUNTIME_UNKNOWN;
}

void runtime_classify(const struct runtime_facts *f, struct runtime_info *out)
{
	memset(out, 0, sizeof *out);
	struct span prog = f->exe ? basename_of(span_of(f->exe)) : basename_of(arg_at(f, 0));
	out->liboomsentry = f->maps_flags & RUNTIME_MAP_LIBOOMSENTRY;
	parse_optin(f->optin, out);
	out->kind = classify_kind(f, prog);
	switch (out->kind) {
	case RUNTIME_JVM:
	case RUNTIME_OPENJ9:
		parse_jvm(f, out);
		break;
	case RUNTIME_NODE:
		parse_node(f, out);
		break;
	default:
		server_role(f, out);
		break;
	}
}

const char *runtime_name(enum runtime_kind k)
{
	static const char *const names[RUNTIME_KINDS] = {
		[RUNTIME_UNKNOWN] = "unknown",   [RUNTIME_NATIVE] = "native",
		[RUNTIME_JVM] = "jvm",           [RUNTIME_OPENJ9] = "openj9",
		[RUNTIME_GO] = "go",             [RUNTIME_NODE] = "node",
		[RUNTIME_PYTHON] = "python",     [RUNTIME_NGINX] = "nginx",
		[RUNTIME_HTTPD] = "httpd",       [RUNTIME_GUNICORN] = "gunicorn",
		[RUNTIME_UWSGI] = "uwsgi",       [RUNTIME_POSTGRES] = "postgres",
		[RUNTIME_REDIS] = "redis",
	};
	return (unsigned)k < RUNTIME_KINDS ? names[k] : "unknown";
}

/* ---------------------------------------------------------------------------
 * What a signal already means. The sources are each project's own
 * documentation (and, where it is silent, its signal handler).
 * ------------------------------------------------------------------------- */

/* Node takes the standard signals only (os.constants.signals). */
#define NODE_SIG_LIST(X)                                                                           \
	X(SIGHUP) X(SIGINT) X(SIGQUIT) X(SIGILL) X(SIGTRAP) X(SIGABRT) X(SIGBUS) X(SIGFPE)         \
	X(SIGUSR1) X(SIGSEGV) X(SIGUSR2) X(SIGPIPE) X(SIGALRM) X(SIGTERM) X(SIGSTKFLT)            \
	X(SIGCHLD) X(SIGCONT) X(SIGTSTP) X(SIGTTIN) X(SIGTTOU) X(SIGURG) X(SIGXCPU) X(SIGXFSZ)    \
	X(SIGVTALRM) X(SIGPROF) X(SIGWINCH) X(SIGIO) X(SIGPWR) X(SIGSYS)

static const char *node_meaning(const struct runtime_info *r, int signo)
{
#define SNAPSHOT(s) \
	[s] = "node: " #s " writes a heap snapshot (sent at critical as the runtime's action)",
#define REPORT(s) [s] = "node: " #s " writes a diagnostic report (--report-on-signal)",
	static const char *const snapshot[32] = {NODE_SIG_LIST(SNAPSHOT)};
	static const char *const report[32] = {NODE_SIG_LIST(REPORT)};
#undef SNAPSHOT
#undef REPORT
	/* Node installs it at start; a JS listener for SIGUSR1 replaces the
	 * inspector (measured), but nothing in /proc tells one is there. */
	if (signo == SIGUSR1)
		return "node: SIGUSR1 opens the inspector";
	if (signo >= 1 && signo < 32 && signo == r->node_snapshot_signal)
		return snapshot[signo];
	if (signo >= 1 && signo < 32 && signo == r->node_report_signal)
		return report[signo];
	return NULL;
}

static const char *jvm_meaning(const struct runtime_info *r, int signo)
{
	/* -Xrs leaves SIGUSR2 to HotSpot (measured: still caught). */
	if (signo == SIGUSR2)
		return "jvm: SIGUSR2 is HotSpot's thread suspend/resume signal";
	if (signo == SIGQUIT && !r->jvm_reduced_signals)
		return "jvm: SIGQUIT prints a thread dump and starts the attach listener";
	return NULL;
}

/* Eclipse OpenJ9's "Signal handling" page, Linux table. It does not use
 * SIGUSR1 on Linux. -XX:-HandleSIGUSR2 (not read) would free SIGUSR2. */
static const char *openj9_meaning(const struct runtime_info *r, int signo)
{
	if (signo == SIGUSR2 && !r->jvm_reduced_signals)
		return "openj9: SIGUSR2 raises the VM's user2 dump event";
	if (signo == SIGQUIT && !r->jvm_reduced_signals)
		return "openj9: SIGQUIT writes a javacore (Java dump)";
	if (signo == SIGRTMIN)
		return "openj9: SIGRTMIN is the VM's thread introspection signal";
	if (signo == SIGRTMAX - 2)
		return "openj9: SIGRTMAX-2 is used by the java.net class library";
	return NULL;
}

/* os/signal: without signal.Notify the Go runtime catches these and drops
 * them (its sigtable's _SigNotify alone). HUP, INT and TERM make it exit,
 * QUIT and the synchronous signals dump and exit, CONT and TSTP/TTIN/TTOU
 * keep the default: those are no misreading. */
static const char *go_meaning(int signo)
{
	static const char reason[] =
		"go: the runtime catches every signal; the app asks with OOMSENTRY_SIGNALS";
	switch (signo) {
	case SIGUSR1:
	case SIGUSR2:
	case SIGALRM:
	case SIGCHLD:
	case SIGURG:
	case SIGXCPU:
	case SIGXFSZ:
	case SIGVTALRM:
	case SIGPROF:
	case SIGWINCH:
	case SIGIO:
	case SIGPWR:
		return reason;
	default:
		return signo >= SIGRTMIN && signo <= SIGRTMAX ? reason : NULL;
	}
}

/* nginx's "Controlling nginx" and ngx_signal_handler(). */
static const char *nginx_meaning(const struct runtime_info *r, int signo)
{
	if (r->server_worker) {
		switch (signo) {
		case SIGUSR1:
			return "nginx: SIGUSR1 makes a worker reopen its log files";
		case SIGUSR2:
			return "nginx: a worker ignores SIGUSR2 (nginx's control signals go to "
			       "the master)";
		case SIGHUP:
			return "nginx: a worker ignores SIGHUP (nginx's control signals go to "
			       "the master)";
		case SIGWINCH:
			return "nginx: SIGWINCH shuts a daemonized worker down";
		case SIGQUIT:
			return "nginx: SIGQUIT shuts a worker down gracefully";
		default:
			return NULL;
		}
	}
	switch (signo) {
	case SIGUSR1:
		return "nginx: SIGUSR1 makes the master reopen its log files";
	case SIGUSR2:
		return "nginx: SIGUSR2 makes the master start a new master binary";
	case SIGHUP:
		return "nginx: SIGHUP reloads the configuration and replaces the workers";
	case SIGWINCH:
		return "nginx: SIGWINCH shuts the workers down gracefully";
	case SIGQUIT:
		return "nginx: SIGQUIT shuts nginx down gracefully";
	default:
		return NULL;
	}
}

/* Apache's "Stopping and Restarting": signals go to the parent; its children
 * (same cmdline) take the parent's list too. */
static const char *httpd_meaning(int signo)
{
	switch (signo) {
	case SIGUSR1:
		return "httpd: SIGUSR1 is a graceful restart";
	case SIGHUP:
		return "httpd: SIGHUP restarts the server";
	case SIGWINCH:
		return "httpd: SIGWINCH is a graceful stop";
	default:
		return NULL;
	}
}

/* gunicorn's "Signal Handling" page. */
static const char *gunicorn_meaning(const struct runtime_info *r, int signo)
{
	if (r->server_worker) {
		switch (signo) {
		case SIGUSR1:
			return "gunicorn: SIGUSR1 makes a worker reopen its log files";
		case SIGWINCH:
			return "gunicorn: a worker ignores SIGWINCH";
		default:
			return NULL;
		}
	}
	switch (signo) {
	case SIGUSR1:
		return "gunicorn: SIGUSR1 reopens the log files";
	case SIGUSR2:
		return "gunicorn: SIGUSR2 re-executes gunicorn (a new master)";
	case SIGHUP:
		return "gunicorn: SIGHUP reloads the configuration and replaces the workers";
	case SIGTTIN:
		return "gunicorn: SIGTTIN adds a worker";
	case SIGTTOU:
		return "gunicorn: SIGTTOU removes a worker";
	case SIGWINCH:
		return "gunicorn: SIGWINCH stops the workers of a daemonized master";
	default:
		return NULL;
	}
}

/* uWSGI's "Managing the uWSGI server". */
static const char *uwsgi_meaning(int signo)
{
	switch (signo) {
	case SIGHUP:
		return "uwsgi: SIGHUP gracefully reloads the workers and the master";
	case SIGTERM:
		return "uwsgi: SIGTERM brutally reloads the instance (unless --die-on-term)";
	case SIGUSR1:
		return "uwsgi: SIGUSR1 prints statistics";
	case SIGUSR2:
		return "uwsgi: SIGUSR2 prints worker status or wakes the spooler";
	case SIGURG:
		return "uwsgi: SIGURG restores a snapshot";
	case SIGTSTP:
		return "uwsgi: SIGTSTP pauses or resumes the instance";
	case SIGWINCH:
		return "uwsgi: SIGWINCH wakes a worker blocked in a syscall (internal)";
	default:
		return NULL;
	}
}

/* PostgreSQL's procsignal.c and postmaster.c. */
static const char *postgres_meaning(int signo)
{
	switch (signo) {
	case SIGUSR1:
		return "postgres: SIGUSR1 is PostgreSQL's internal inter-process signal";
	case SIGUSR2:
		return "postgres: SIGUSR2 is internal (it stops the checkpointer and WAL senders)";
	case SIGHUP:
		return "postgres: SIGHUP reloads the configuration";
	default:
		return NULL;
	}
}

static const char *specific_meaning(const struct runtime_info *r, int signo)
{
	switch (r->kind) {
	case RUNTIME_NODE:
		return node_meaning(r, signo);
	case RUNTIME_JVM:
		return jvm_meaning(r, signo);
	case RUNTIME_OPENJ9:
		return openj9_meaning(r, signo);
	case RUNTIME_GO:
		return go_meaning(signo);
	case RUNTIME_NGINX:
		return nginx_meaning(r, signo);
	case RUNTIME_HTTPD:
		return httpd_meaning(signo);
	case RUNTIME_GUNICORN:
		return gunicorn_meaning(r, signo);
	case RUNTIME_UWSGI:
		return uwsgi_meaning(signo);
	case RUNTIME_POSTGRES:
		return postgres_meaning(signo);
	case RUNTIME_REDIS:
		/* redis.io "Signal handling"; the main process has no handler. */
		if (signo == SIGUSR1)
			return "redis: SIGUSR1 ends a background save child without an error";
		return NULL;
	default:
		/* Python, native: a handler there is the app's own. */
		return NULL;
	}
}

const char *runtime_builtin_meaning(const struct runtime_info *r, int signo)
{
	const char *m = specific_meaning(r, signo);
	if (m || (signo != SIGUSR1 && signo != SIGUSR2))
		return m;
	/* A server that catches a notification signal its documentation does
	 * not name still catches it for itself (a module, a library, a later
	 * version): never the app asking for our notification. */
	switch (r->kind) {
	case RUNTIME_NGINX:
		return "nginx: its handler for this signal is the server's own";
	case RUNTIME_HTTPD:
		return "httpd: its handler for this signal is the server's or a module's own";
	case RUNTIME_GUNICORN:
		return "gunicorn: its handler for this signal is the server's own";
	case RUNTIME_UWSGI:
		return "uwsgi: its handler for this signal is the server's own";
	case RUNTIME_POSTGRES:
		return "postgres: its handler for this signal is the server's own";
	case RUNTIME_REDIS:
		return "redis: its handler for this signal is the server's own";
	default:
		return NULL;
	}
}

const char *runtime_consent(const struct runtime_info *r, int signo, bool comm_opted_in)
{
	if (r->liboomsentry || comm_opted_in)
		return NULL;
	if (signo >= 1 && signo <= 64 && (r->optin_signals >> (signo - 1)) & 1)
		return NULL;
	/* Stopping is what a stop signal is configured for (see runtime.h). */
	if (signame_meant_to_stop(signo))
		return NULL;
	return runtime_builtin_meaning(r, signo);
}
