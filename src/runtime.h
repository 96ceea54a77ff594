/* runtime: what a watched process is (a JVM, a Go program, Node, Python, a
 * well-known server, or a native program with or without liboomsentry), and
 * what each of its signals already means to it. Pure: everything comes in
 * as buffers read from /proc by procinfo.c, so it is tested with data
 * captured from the real runtimes.
 *
 * Why it matters: a process that catches SIGUSR1 has not thereby asked for
 * our notification. Node opens its inspector on SIGUSR1, HotSpot uses
 * SIGUSR2 to suspend threads, the Go runtime catches every signal and drops
 * it, nginx starts a second master binary on SIGUSR2. runtime_consent says
 * whether a signal may be sent, and why not.
 *
 * How a process is classified (runtime_classify), first match wins:
 *   1. a libj9vm*.so is mapped                          -> openj9
 *      (OpenJ9 also maps a libjvm.so, its redirector: this test comes first)
 *   2. libjvm.so is mapped, or the program is "java"    -> jvm
 *      (the program name alone when maps could not be read)
 *   3. the executable has a .go.buildinfo section       -> go
 *   4. the program is node/nodejs, or libnode.so mapped -> node
 *   5. a known server by program name, comm, or for the Python-hosted ones
 *      argv[0]/argv[1] ("python3 /usr/bin/gunicorn app:app", "python3 -m
 *      gunicorn", a setproctitle "gunicorn: master [app]")
 *                                    -> nginx, httpd, gunicorn, uwsgi, ...
 *   6. the program is python*, or libpython*.so mapped  -> python
 *   7. anything else that was readable                  -> native
 * "The program" is the basename of the exe link ("(deleted)" stripped), or
 * of argv[0] when the link could not be read. liboomsentry mapped sets
 * `liboomsentry` whatever the kind; it is not visible when the library is
 * linked statically (the app then opts in with OOMSENTRY_SIGNALS).
 *
 * Which signals the table vetoes (runtime_consent): every signal to which
 * the runtime gives a meaning of its own, except the signals whose purpose
 * is to stop a process (signame_meant_to_stop: TERM, INT, QUIT, KILL,
 * ABRT). A user who configures a stop signal asks for a stop, and a
 * runtime's graceful stop, thread dump on SIGQUIT or uWSGI's reload on
 * SIGTERM is no misreading of that; those keep today's rule
 * (policy_send_verdict). Every other meaning is one a notification would be
 * misread as: SIGUSR1/SIGUSR2 everywhere, SIGHUP where a server reloads,
 * SIGWINCH where a server stops its workers (a signal users pick because
 * its default action harms nothing), TTIN/TTOU where gunicorn adds and
 * removes workers, the realtime signals OpenJ9 and the Go runtime take.
 * A known server's handler for SIGUSR1 or SIGUSR2 is the server's own even
 * where its documentation names no meaning (a module, a library, a later
 * version installed it): vetoed too. runtime_builtin_meaning also names the
 * stop-class meanings, for logs. */
#ifndef OOMSENTRY_RUNTIME_H
#define OOMSENTRY_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum runtime_kind {
	RUNTIME_UNKNOWN,   /* not classified (yet, or /proc could not be read) */
	RUNTIME_NATIVE,    /* anything else: C, C++, Rust, ... */
	RUNTIME_JVM,       /* HotSpot / OpenJDK (libjvm.so, no OpenJ9 libraries) */
	RUNTIME_OPENJ9,    /* Eclipse OpenJ9 (libj9vm*.so): its attach API differs */
	RUNTIME_GO,        /* a Go program (the executable has a .go.buildinfo section) */
	RUNTIME_NODE,      /* Node.js */
	RUNTIME_PYTHON,    /* CPython (not a known server running on it) */
	RUNTIME_NGINX,
	RUNTIME_HTTPD,     /* Apache httpd / apache2 */
	RUNTIME_GUNICORN,
	RUNTIME_UWSGI,
	RUNTIME_POSTGRES,
	RUNTIME_REDIS,
	RUNTIME_KINDS
};

/* What /proc shows of a process: the inputs of the classifier. Any pointer
 * may be NULL (not readable). The strings are NUL-terminated; cmdline is
 * cmdline_len bytes, arguments each ended by a NUL, except that a last
 * argument without its NUL was cut short by the reader's bound and is not
 * read as an option. Options are read up to the script or main class:
 * those after it are the program's own. */
struct runtime_facts {
	const char *exe;            /* readlink of /proc/PID/exe, e.g. "/usr/bin/node" */
	const char *comm;           /* /proc/PID/comm without the newline */
	const char *cmdline;        /* /proc/PID/cmdline: arguments separated by NULs */
	size_t cmdline_len;
	bool exe_is_go;             /* elfsect found .go.buildinfo in the executable */
	/* From /proc/PID/maps, folded line by line with runtime_maps_line. */
	uint32_t maps_flags;        /* enum runtime_map bits */
	/* The only two environment variables ever read, values only. */
	const char *node_options;   /* NODE_OPTIONS */
	const char *optin;          /* OOMSENTRY_SIGNALS */
};

enum runtime_map {
	RUNTIME_MAP_LIBJVM = 1u << 0,       /* .../libjvm.so */
	RUNTIME_MAP_LIBJ9VM = 1u << 1,      /* .../libj9vm*.so (OpenJ9) */
	RUNTIME_MAP_LIBNODE = 1u << 2,      /* .../libnode.so* (Debian's node;
					     * NodeSource's is static: none) */
	RUNTIME_MAP_LIBPYTHON = 1u << 3,    /* .../libpython*.so* */
	RUNTIME_MAP_LIBOOMSENTRY = 1u << 4, /* .../liboomsentry.so* */
};
/* One line of /proc/PID/maps (without its newline); returns the
 * enum runtime_map bit it shows, or 0. The path is what follows the fifth
 * field; only its basename is looked at (" (deleted)" stripped), so a
 * library copied anywhere (an emptyDir, /oomsentry/) is still recognised. */
uint32_t runtime_maps_line(const char *line, size_t len);

/* What the classifier concluded. */
struct runtime_info {
	enum runtime_kind kind;
	bool liboomsentry;          /* liboomsentry is mapped: it asked for signals */
	uint64_t optin_signals;     /* bit (n-1): OOMSENTRY_SIGNALS names signal n.
				     * Comma-separated signame_parse names ("SIGUSR1",
				     * "usr2", "12", "SIGRTMIN+3"), blanks around
				     * entries allowed */
	bool optin_invalid;         /* OOMSENTRY_SIGNALS was set but an entry is
				     * unreadable: then no signal is opted in at all.
				     * Set but empty is no opt-in, not invalid */
	int node_snapshot_signal;   /* --heapsnapshot-signal=SIG or "... SIG", from
				     * NODE_OPTIONS, then the command line up to the
				     * script (it wins; the last one wins); 0 if none.
				     * Only what node itself accepts: "SIGUSR2", not
				     * "USR2" or "12" (node would not start) */
	bool jvm_attach_disabled;   /* -XX:+DisableAttachMechanism (OpenJ9:
				     * -Dcom.ibm.tools.attach.enable=no), before the
				     * main class; JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS
				     * and @argfiles are not read (the environment
				     * gives only the two variables above) */
	bool jvm_reduced_signals;   /* -Xrs or -XX:+ReduceSignalUsage: SIGQUIT
				     * would kill it instead of waking attach */
	bool server_master;         /* nginx/httpd/gunicorn/uwsgi/postgres: the
				     * master (parent) process rather than a worker, when
				     * its cmdline tells */
	bool server_worker;         /* ... a worker (or other child), when its
				     * cmdline tells. Neither: the master's signals
				     * apply (httpd's and uWSGI's children look like
				     * their master, as do gunicorn's without
				     * setproctitle; the master's list is the longer) */
	int node_report_signal;     /* --report-on-signal: the signal that writes a
				     * diagnostic report (--report-signal, default
				     * SIGUSR2); 0 if off */
};

void runtime_classify(const struct runtime_facts *f, struct runtime_info *out);

/* "native", "jvm", "openj9", "go", "node", "python", "nginx", "httpd",
 * "gunicorn", "uwsgi", "postgres", "redis", "unknown". */
const char *runtime_name(enum runtime_kind k);

/* What signo already means to a process of this kind, as a reason to log
 * ("node: SIGUSR1 opens the inspector"), or NULL when it means nothing of
 * the runtime's own (a handler there is the app's). */
const char *runtime_builtin_meaning(const struct runtime_info *r, int signo);

/* May a notification signal go to this process, as far as its runtime goes?
 * NULL: yes; else the reason not to. Explicit consent wins over a built-in
 * meaning: liboomsentry mapped, the signal named in OOMSENTRY_SIGNALS, or
 * comm_opted_in (the sidecar's configuration names the command). Whether the
 * process catches the signal at all is policy_send_verdict's question,
 * asked after this one. */
const char *runtime_consent(const struct runtime_info *r, int signo, bool comm_opted_in);

#endif
