/* runtime.c and procinfo.c: what /proc showed of real runtimes (captured, or
 * synthesised from documented paths where the runtime cannot run here; see
 * tests/fixtures/runtime/README) classified, each signal's consent, the
 * option parsers over hostile, cut and oversized input, and procinfo over
 * trees of files and over real processes. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elfsect.h"
#include "procinfo.h"
#include "runtime.h"
#include "signame.h"

#define RT_FIXTURES FIXTURES "/runtime"

/* ---- helpers ---- */

/* A whole file (NUL-terminated, len without it), or NULL if absent. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	ck_assert_ptr_nonnull(buf);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			ck_assert_ptr_nonnull(buf);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

struct mem {
	const char *p;
	size_t n;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len, off_t off)
{
	const struct mem *m = ctx;
	if ((size_t)off >= m->n)
		return 0;
	size_t k = m->n - (size_t)off < len ? m->n - (size_t)off : len;
	memcpy(buf, m->p + off, k);
	return (ssize_t)k;
}

static uint32_t fold_maps(const char *maps, size_t len)
{
	uint32_t flags = 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || maps[i] == '\n') {
			if (i > start)
				flags |= runtime_maps_line(maps + start, i - start);
			start = i + 1;
		}
	}
	return flags;
}

/* The value of KEY in a NUL-separated environ, or NULL (first one wins). */
static const char *env_value(const char *env, size_t len, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < len; i += strlen(env + i) + 1)
		if (strncmp(env + i, key, klen) == 0 && env[i + klen] == '=')
			return env + i + klen + 1;
	return NULL;
}

/* A fixture's files, kept for the facts that point into them. */
struct fixture {
	char dir[PATH_MAX];
	char *exe, *comm, *cmdline, *maps, *environ, *elf;
	size_t cmdline_len, maps_len, environ_len, elf_len;
};

static void fixture_load(const char *name, struct fixture *fx, struct runtime_facts *f)
{
	memset(fx, 0, sizeof *fx);
	snprintf(fx->dir, sizeof fx->dir, "%s/%s", RT_FIXTURES, name);
	fx->exe = slurp(fx->dir, "exe", NULL);
	fx->comm = slurp(fx->dir, "comm", NULL);
	fx->cmdline = slurp(fx->dir, "cmdline", &fx->cmdline_len);
	fx->maps = slurp(fx->dir, "maps", &fx->maps_len);
	fx->environ = slurp(fx->dir, "environ", &fx->environ_len);
	fx->elf = slurp(fx->dir, "exe.elf", &fx->elf_len);
	ck_assert_msg(fx->exe && fx->comm && fx->cmdline && fx->maps, "fixture %s", name);
	memset(f, 0, sizeof *f);
	f->exe = fx->exe;
	f->comm = fx->comm;
	f->cmdline = fx->cmdline;
	f->cmdline_len = fx->cmdline_len;
	f->maps_flags = fold_maps(fx->maps, fx->maps_len);
	if (fx->elf) {
		struct mem m = {fx->elf, fx->elf_len};
		f->exe_is_go = elfsect_has(mem_read, &m, ".go.buildinfo") == 1;
	}
	if (fx->environ) {
		f->node_options = env_value(fx->environ, fx->environ_len, "NODE_OPTIONS");
		f->optin = env_value(fx->environ, fx->environ_len, "OOMSENTRY_SIGNALS");
	}
}

static void fixture_free(struct fixture *fx)
{
	free(fx->exe);
	free(fx->comm);
	free(fx->cmdline);
	free(fx->maps);
	free(fx->environ);
	free(fx->elf);
}

static int sig(const char *name)
{
	int signo;
	ck_assert_msg(signame_parse(name, &signo) == 0, "signal %s", name);
	return signo;
}

/* "USR1:n USR2:y RTMAX-2:n": whether runtime_consent lets each signal go
 * (y) or vetoes it (n), with no command opt-in. */
static void check_consent(const char *what, const struct runtime_info *r, const char *spec)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", spec);
	for (char *save, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *colon = strrchr(tok, ':');
		ck_assert_ptr_nonnull(colon);
		*colon = '\0';
		int signo = sig(tok);
		const char *why = runtime_consent(r, signo, false);
		bool want = colon[1] == 'y';
		ck_assert_msg((why == NULL) == want, "%s: %s consent %s, reason \"%s\"", what, tok,
			      want ? "expected" : "not expected", why ? why : "");
		if (why)
			ck_assert_msg(strchr(why, ':') && why == runtime_builtin_meaning(r, signo),
				      "%s: %s reason \"%s\"", what, tok, why);
		/* Explicit consent wins over any meaning. */
		ck_assert_ptr_null(runtime_consent(r, signo, true));
	}
}

/* A cmdline buffer from arguments, each with its NUL. */
static size_t make_cmdline(char *buf, size_t size, const char *const *argv)
{
	size_t n = 0;
	for (; *argv; argv++) {
		size_t len = strlen(*argv) + 1;
		ck_assert_uint_le(n + len, size);
		memcpy(buf + n, *argv, len);
		n += len;
	}
	return n;
}

static void classify_args(const char *exe, const char *const *argv, const char *node_options,
			  const char *optin, struct runtime_info *r)
{
	char buf[8192];
	struct runtime_facts f = {.exe = exe, .comm = "x", .cmdline = buf};
	f.cmdline_len = make_cmdline(buf, sizeof buf, argv);
	f.node_options = node_options;
	f.optin = optin;
	runtime_classify(&f, r);
}

/* ---- the captured and synthesised runtimes ---- */

static const struct expect {
	const char *name;
	enum runtime_kind kind;
	uint32_t maps;
	int master, worker; /* server_master, server_worker */
	int snapshot, report;
	int attach_disabled, reduced;
	bool liboomsentry;
	const char *optin; /* names in OOMSENTRY_SIGNALS, "" none */
	const char *consent;
} expects[] = {
	{"jvm17-hotspot", RUNTIME_JVM, RUNTIME_MAP_LIBJVM, 0, 0, 0, 0, 0, 0, false, "",
	 "USR1:y USR2:n QUIT:y HUP:y WINCH:y TERM:y RTMIN:y"},
	{"jvm17-threads", RUNTIME_JVM, RUNTIME_MAP_LIBJVM, 0, 0, 0, 0, 0, 0, false, "",
	 "USR2:n QUIT:y"},
	{"jvm17-xrs-noattach", RUNTIME_JVM, RUNTIME_MAP_LIBJVM, 0, 0, 0, 0, 1, 1, false, "",
	 "USR2:n QUIT:y"},
	{"jvm25-temurin", RUNTIME_JVM, RUNTIME_MAP_LIBJVM, 0, 0, 0, 0, 0, 0, false, "",
	 "USR1:y USR2:n"},
	/* -Xrs after "-jar FILE" is the program's argument. */
	{"openj9-semeru17", RUNTIME_OPENJ9, RUNTIME_MAP_LIBJVM | RUNTIME_MAP_LIBJ9VM, 0, 0, 0, 0, 1,
	 0, false, "", "USR1:y USR2:n QUIT:y RTMIN:n RTMAX-2:n RTMIN+1:y HUP:y"},
	{"openj9-java8", RUNTIME_OPENJ9, RUNTIME_MAP_LIBJVM | RUNTIME_MAP_LIBJ9VM, 0, 0, 0, 0, 0, 1,
	 false, "", "USR2:y QUIT:y RTMIN:n"},
	{"node20", RUNTIME_NODE, 0, 0, 0, 0, 0, 0, 0, false, "", "USR1:n USR2:y HUP:y TERM:y"},
	{"node20-snapshot", RUNTIME_NODE, 0, 0, 0, SIGUSR2, 0, 0, 0, false, "", "USR1:n USR2:n"},
	{"node20-nodeopts", RUNTIME_NODE, 0, 0, 0, SIGPROF, 0, 0, 0, false, "",
	 "USR1:n USR2:y PROF:n"},
	{"nodejs-alias", RUNTIME_NODE, 0, 0, 0, 0, 0, 0, 0, false, "", "USR1:n USR2:y"},
	{"node18-debian", RUNTIME_NODE, RUNTIME_MAP_LIBNODE, 0, 0, SIGUSR2, 0, 0, 0, false, "",
	 "USR1:n USR2:n"},
	{"go-static", RUNTIME_GO, 0, 0, 0, 0, 0, 0, 0, false, "",
	 "USR1:n USR2:n WINCH:n URG:n ALRM:n RTMIN+3:n RTMAX:n HUP:y TERM:y QUIT:y CONT:y TSTP:y"},
	{"go-cgo", RUNTIME_GO, 0, 0, 0, 0, 0, 0, 0, false, "", "USR1:n USR2:n HUP:y"},
	{"python3-debian", RUNTIME_PYTHON, 0, 0, 0, 0, 0, 0, 0, false, "", "USR1:y USR2:y HUP:y"},
	{"python3-pyenv", RUNTIME_PYTHON, RUNTIME_MAP_LIBPYTHON, 0, 0, 0, 0, 0, 0, false, "",
	 "USR1:y USR2:y"},
	{"nginx-master", RUNTIME_NGINX, 0, 1, 0, 0, 0, 0, 0, false, "",
	 "USR1:n USR2:n HUP:n WINCH:n QUIT:y TERM:y INT:y"},
	{"nginx-worker", RUNTIME_NGINX, 0, 0, 1, 0, 0, 0, 0, false, "",
	 "USR1:n USR2:n HUP:n WINCH:n QUIT:y TERM:y"},
	{"native-sleep", RUNTIME_NATIVE, 0, 0, 0, 0, 0, 0, 0, false, "",
	 "USR1:y USR2:y HUP:y WINCH:y"},
	{"native-liboomsentry", RUNTIME_NATIVE, RUNTIME_MAP_LIBOOMSENTRY, 0, 0, 0, 0, 0, 0, true,
	 "", "USR1:y USR2:y"},
	{"native-liboomsentry-image", RUNTIME_NATIVE, RUNTIME_MAP_LIBOOMSENTRY, 0, 0, 0, 0, 0, 0,
	 true, "", "USR1:y"},
	{"native-optin", RUNTIME_NATIVE, 0, 0, 0, 0, 0, 0, 0, false, "USR1 RTMIN+2", "USR1:y"},
	/* Without a title, gunicorn's master and workers look alike: the
	 * master's (longer) list applies. */
	{"gunicorn-plain", RUNTIME_GUNICORN, RUNTIME_MAP_LIBPYTHON, 0, 0, 0, 0, 0, 0, false, "",
	 "USR1:n USR2:n HUP:n TTIN:n TTOU:n WINCH:n TERM:y QUIT:y"},
	{"gunicorn-module", RUNTIME_GUNICORN, RUNTIME_MAP_LIBPYTHON, 0, 0, 0, 0, 0, 0, false, "",
	 "USR2:n"},
	{"gunicorn-master-setproctitle", RUNTIME_GUNICORN, RUNTIME_MAP_LIBPYTHON, 1, 0, 0, 0, 0, 0,
	 false, "", "USR1:n USR2:n HUP:n TTIN:n"},
	{"gunicorn-worker-setproctitle", RUNTIME_GUNICORN, RUNTIME_MAP_LIBPYTHON, 0, 1, 0, 0, 0, 0,
	 false, "", "USR1:n USR2:n HUP:y TTIN:y WINCH:n"},
	{"uwsgi", RUNTIME_UWSGI, RUNTIME_MAP_LIBPYTHON, 0, 0, 0, 0, 0, 0, false, "",
	 "USR1:n USR2:n HUP:n URG:n TSTP:n WINCH:n TERM:y"},
	{"uwsgi-debian-autoprocname", RUNTIME_UWSGI, RUNTIME_MAP_LIBPYTHON, 0, 1, 0, 0, 0, 0, false,
	 "", "USR1:n"},
	{"postgres-master", RUNTIME_POSTGRES, 0, 1, 0, 0, 0, 0, 0, false, "",
	 "USR1:n USR2:n HUP:n TERM:y"},
	{"postgres-checkpointer", RUNTIME_POSTGRES, 0, 0, 1, 0, 0, 0, 0, false, "",
	 "USR1:n USR2:n HUP:n"},
	{"redis", RUNTIME_REDIS, 0, 0, 0, 0, 0, 0, 0, false, "", "USR1:n USR2:n HUP:y"},
	{"httpd", RUNTIME_HTTPD, 0, 0, 0, 0, 0, 0, 0, false, "", "USR1:n HUP:n WINCH:n USR2:n"},
	{"apache2-debian", RUNTIME_HTTPD, 0, 0, 0, 0, 0, 0, 0, false, "", "USR1:n USR2:n"},
};

static uint64_t optin_mask(const char *names)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", names);
	uint64_t m = 0;
	for (char *save, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		m |= UINT64_C(1) << (sig(t) - 1);
	return m;
}

static void check_expect(const struct expect *e, const struct runtime_facts *f,
			 const struct runtime_info *r)
{
	ck_assert_msg(f->maps_flags == e->maps, "%s: maps 0x%x", e->name, f->maps_flags);
	ck_assert_msg(r->kind == e->kind, "%s: kind %s", e->name, runtime_name(r->kind));
	ck_assert_msg(r->server_master == (e->master != 0), "%s: master", e->name);
	ck_assert_msg(r->server_worker == (e->worker != 0), "%s: worker", e->name);
	ck_assert_msg(r->node_snapshot_signal == e->snapshot, "%s: snapshot %d", e->name,
		      r->node_snapshot_signal);
	ck_assert_msg(r->node_report_signal == e->report, "%s: report", e->name);
	ck_assert_msg(r->jvm_attach_disabled == (e->attach_disabled != 0), "%s: attach", e->name);
	ck_assert_msg(r->jvm_reduced_signals == (e->reduced != 0), "%s: reduced", e->name);
	ck_assert_msg(r->liboomsentry == e->liboomsentry, "%s: liboomsentry", e->name);
	ck_assert_msg(r->optin_signals == optin_mask(e->optin), "%s: optin", e->name);
	ck_assert(!r->optin_invalid);
	check_consent(e->name, r, e->consent);
}

START_TEST(fixtures_classified)
{
	const struct expect *e = &expects[_i];
	struct fixture fx;
	struct runtime_facts f;
	fixture_load(e->name, &fx, &f);
	struct runtime_info r;
	runtime_classify(&f, &r);
	check_expect(e, &f, &r);
	fixture_free(&fx);
}
END_TEST

/* The log lines of the brief table, word for word. */
START_TEST(meanings_read_as_log_lines)
{
	struct runtime_info r = {.kind = RUNTIME_NODE, .node_snapshot_signal = SIGUSR2};
	ck_assert_str_eq(runtime_builtin_meaning(&r, SIGUSR1), "node: SIGUSR1 opens the inspector");
	ck_assert_str_eq(runtime_builtin_meaning(&r, SIGUSR2),
			 "node: SIGUSR2 writes a heap snapshot (sent at critical as the runtime's "
			 "action)");
	r.node_snapshot_signal = SIGPROF;
	ck_assert_str_eq(runtime_builtin_meaning(&r, SIGPROF),
			 "node: SIGPROF writes a heap snapshot (sent at critical as the runtime's "
			 "action)");
	ck_assert_ptr_null(runtime_builtin_meaning(&r, SIGUSR2));
	r.node_report_signal = SIGUSR2;
	ck_assert_str_eq(runtime_builtin_meaning(&r, SIGUSR2),
			 "node: SIGUSR2 writes a diagnostic report (--report-on-signal)");
	r = (struct runtime_info){.kind = RUNTIME_JVM};
	ck_assert_str_eq(runtime_builtin_meaning(&r, SIGUSR2),
			 "jvm: SIGUSR2 is HotSpot's thread suspend/resume signal");
	r = (struct runtime_info){.kind = RUNTIME_GO};
	ck_assert_str_eq(runtime_builtin_meaning(&r, SIGUSR1), "go: the runtime catches every "
							       "signal; the app asks with "
							       "OOMSENTRY_SIGNALS");
	r = (struct runtime_info){.kind = RUNTIME_NGINX, .server_master = true};
	ck_assert_str_eq(runtime_builtin_meaning(&r, SIGUSR2),
			 "nginx: SIGUSR2 makes the master start a new master binary");
	/* Every kind, every signal: a meaning names its runtime first. */
	for (int k = 0; k < RUNTIME_KINDS; k++) {
		for (int s = -1; s <= 66; s++) {
			struct runtime_info any = {.kind = k, .node_snapshot_signal = SIGUSR2};
			const char *m = runtime_builtin_meaning(&any, s);
			if (!m)
				continue;
			ck_assert_msg(s >= 1 && s <= 64, "kind %d signal %d", k, s);
			size_t n = strlen(runtime_name(k));
			ck_assert_msg(strncmp(m, runtime_name(k), n) == 0 && m[n] == ':', "%s", m);
		}
	}
	ck_assert_str_eq(runtime_name(RUNTIME_KINDS), "unknown");
	ck_assert_str_eq(runtime_name((enum runtime_kind)-1), "unknown");
}
END_TEST

/* ---- maps lines ---- */

START_TEST(maps_lines)
{
	static const struct {
		const char *line;
		uint32_t bit;
	} cases[] = {
		{"7fd502200000-7fd502451000 r--p 00000000 fe:00 318057                     "
		 "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
		 RUNTIME_MAP_LIBJVM},
		{"7f-8f r-xp 0 fe:00 1 /opt/java/lib/default/libj9vm29.so", RUNTIME_MAP_LIBJ9VM},
		{"7f-8f r-xp 0 fe:00 1 /x/libj9vm29.so (deleted)", RUNTIME_MAP_LIBJ9VM},
		{"7f-8f r--p 0 fe:00 1 /usr/lib/libnode.so.108", RUNTIME_MAP_LIBNODE},
		{"7f-8f r--p 0 fe:00 1 /root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0",
		 RUNTIME_MAP_LIBPYTHON},
		{"7f-8f r--p 0 fe:00 1 /work/handler/.libs/liboomsentry.so.0.0.0",
		 RUNTIME_MAP_LIBOOMSENTRY},
		{"7f-8f r--p 0 fe:00 1 /oomsentry/liboomsentry.so", RUNTIME_MAP_LIBOOMSENTRY},
		{"7f-8f r--p 0 fe:00 1 /my dir/with spaces/libjvm.so", RUNTIME_MAP_LIBJVM},
		{"7f-8f r--p 0 fe:00 1 /app/libjvm.so (deleted)", RUNTIME_MAP_LIBJVM},
		/* Not ours. */
		{"7f-8f r--p 0 fe:00 1 /usr/lib/jvm/lib/libjli.so", 0},
		{"7f-8f r--p 0 fe:00 1 /usr/lib/libjvm.so.1", 0},
		{"7f-8f r--p 0 fe:00 1 /usr/lib/libjvm.so/other", 0},
		{"7f-8f r--p 0 fe:00 1 /usr/lib/libpython3.11.a", 0},
		{"7f-8f r--p 0 fe:00 1 /usr/lib/mylibjvm.so", 0},
		{"7f-8f r--p 0 fe:00 1 /memfd:liboomsentry.so (deleted)", 0},
		{"7f-8f r--p 0 fe:00 1 /usr/bin/node", 0},
		{"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                  [stack]", 0},
		{"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0", 0},
		{"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 ", 0},
		/* Garbage and cut lines. */
		{"", 0},
		{"/usr/lib/libjvm.so", 0},
		{"a b c d /usr/lib/libjvm.so", 0},
		{"a b c d e", 0},
		{"     ", 0},
		{"7f-8f r--p 0 fe:00 1 /", 0},
		{"7f-8f r--p 0 fe:00 1 /usr/lib/libjvm.s", 0},
		{"7f-8f r--p 0 fe:00 1 /usr/lib/libj9vm", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *line = cases[i].line;
		uint32_t bit = runtime_maps_line(line, strlen(line));
		ck_assert_msg(bit == cases[i].bit, "\"%s\"", line);
	}
	/* The length is honoured: no terminator needed, none read past. */
	const char *l = "7f-8f r--p 0 fe:00 1 /usr/lib/libjvm.soXYZ";
	ck_assert_uint_eq(runtime_maps_line(l, strlen(l) - 3), RUNTIME_MAP_LIBJVM);
	ck_assert_uint_eq(runtime_maps_line(l, 0), 0);
	/* An oversized line: a path of 64 KiB. */
	size_t big = 65536;
	char *b = malloc(big + 64);
	ck_assert_ptr_nonnull(b);
	int n = snprintf(b, 64, "7f-8f r--p 0 fe:00 1 /");
	memset(b + n, 'a', big);
	memcpy(b + n + big - 10, "/libjvm.so", 10);
	ck_assert_uint_eq(runtime_maps_line(b, (size_t)n + big), RUNTIME_MAP_LIBJVM);
	free(b);
}
END_TEST

/* Every line of a real JVM's maps, fed one at a time and cut at every
 * length: the bit comes from the libjvm lines only. */
START_TEST(maps_jvm_every_line_and_cut)
{
	size_t len;
	char *maps = slurp(RT_FIXTURES "/jvm17-hotspot", "maps", &len);
	ck_assert_ptr_nonnull(maps);
	int jvm_lines = 0;
	for (char *line = maps, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		size_t n = (size_t)(nl - line);
		uint32_t bit = runtime_maps_line(line, n);
		bool is_jvm = n >= 10 && memcmp(nl - 10, "/libjvm.so", 10) == 0;
		ck_assert_uint_eq(bit, is_jvm ? RUNTIME_MAP_LIBJVM : 0);
		jvm_lines += is_jvm;
		for (size_t cut = 0; cut < n; cut++)
			ck_assert_uint_eq(runtime_maps_line(line, cut), 0);
	}
	ck_assert_int_eq(jvm_lines, 5);
	free(maps);
}
END_TEST

/* ---- OOMSENTRY_SIGNALS ---- */

START_TEST(optin_lists)
{
	static const struct {
		const char *value;
		const char *names; /* NULL: invalid */
	} cases[] = {
		{"SIGUSR1", "USR1"},
		{"SIGUSR1,SIGUSR2", "USR1 USR2"},
		{"usr1", "USR1"},
		{"USR2", "USR2"},
		{"10,12", "USR1 USR2"},
		{" SIGUSR1 ,\tSIGUSR2 ", "USR1 USR2"},
		{"SIGRTMIN+3,RTMAX", "RTMIN+3 RTMAX"},
		{"SIGUSR1,SIGUSR1", "USR1"},
		{"64", "RTMAX"},
		{"", ""},
		{"   ", ""},
		{"SIGUSR1,", NULL},
		{",SIGUSR1", NULL},
		{"SIGUSR1,,SIGUSR2", NULL},
		{"SIGUSR1,BOGUS", NULL},
		{"SIGUSR1 SIGUSR2", NULL},
		{"SIGUSR1;SIGUSR2", NULL},
		{"0", NULL},
		{"65", NULL},
		{"32", NULL},
		{"-1", NULL},
		{"SIGRTMIN+99", NULL},
		{"SIGUSR1SIGUSR1SIGUSR1", NULL},
		{"1e1", NULL},
		{"\xff\xfe", NULL},
		{",", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct runtime_facts f = {.comm = "app", .optin = cases[i].value};
		struct runtime_info r;
		runtime_classify(&f, &r);
		if (cases[i].names) {
			ck_assert_msg(!r.optin_invalid, "\"%s\"", cases[i].value);
			ck_assert_msg(r.optin_signals == optin_mask(cases[i].names), "\"%s\"",
				      cases[i].value);
		} else {
			ck_assert_msg(r.optin_invalid && r.optin_signals == 0, "\"%s\"",
				      cases[i].value);
		}
	}
	/* Oversized: 100 KiB of valid entries, and with one bad at the end. */
	size_t n = 100 * 1024;
	char *big = malloc(n + 16);
	ck_assert_ptr_nonnull(big);
	size_t k = 0;
	while (k + 8 < n)
		k += (size_t)sprintf(big + k, "SIGUSR1,");
	big[k - 1] = '\0';
	struct runtime_facts f = {.comm = "app", .optin = big};
	struct runtime_info r;
	runtime_classify(&f, &r);
	ck_assert(!r.optin_invalid && r.optin_signals == optin_mask("USR1"));
	strcpy(big + k - 1, ",X");
	runtime_classify(&f, &r);
	ck_assert(r.optin_invalid && r.optin_signals == 0);
	free(big);
	/* The opt-in is the process's, whatever its kind; an invalid list
	 * consents to nothing. */
	struct runtime_info go = {.kind = RUNTIME_GO, .optin_signals = optin_mask("USR2")};
	ck_assert_ptr_null(runtime_consent(&go, SIGUSR2, false));
	ck_assert_ptr_nonnull(runtime_consent(&go, SIGUSR1, false));
}
END_TEST

/* ---- node's options ---- */

START_TEST(node_options_cmdline)
{
	static const struct {
		const char *argv[8];
		int snapshot;
	} cases[] = {
		{{"node", "--heapsnapshot-signal=SIGUSR2", "app.js"}, SIGUSR2},
		/* After the script: the script's own argument. */
		{{"node", "app.js", "--heapsnapshot-signal=SIGUSR2"}, 0},
		{{"node", "--heapsnapshot-signal", "SIGUSR2", "app.js"}, SIGUSR2},
		{{"node", "--heapsnapshot_signal=SIGUSR2", "app.js"}, SIGUSR2},
		/* The last one wins. */
		{{"node", "--heapsnapshot-signal=SIGUSR2", "--heapsnapshot-signal=SIGPROF", "a.js"},
		 SIGPROF},
		/* A value-taking option's value is not the script. */
		{{"node", "-r", "./otel.js", "--heapsnapshot-signal=SIGUSR2", "app.js"}, SIGUSR2},
		{{"node", "--require", "./o.js", "--heapsnapshot-signal=SIGUSR2", "a.js"}, SIGUSR2},
		{{"node", "--inspect-port", "1", "--heapsnapshot-signal=SIGUSR2", "a.js"}, SIGUSR2},
		{{"node", "--title", "--heapsnapshot-signal=SIGUSR2", "a.js"}, 0},
		{{"node", "-e", "x()", "--heapsnapshot-signal=SIGUSR2"}, SIGUSR2},
		/* V8's options take "=" only; flags take nothing. */
		{{"node", "--max-old-space-size=100", "--heapsnapshot-signal=SIGUSR2", "a.js"},
		 SIGUSR2},
		{{"node", "--expose-gc", "--heapsnapshot-signal=SIGUSR2", "a.js"}, SIGUSR2},
		{{"node", "--", "app.js", "--heapsnapshot-signal=SIGUSR2"}, 0},
		{{"node", "-", "--heapsnapshot-signal=SIGUSR2"}, 0},
		/* Names node refuses (it exits at start). */
		{{"node", "--heapsnapshot-signal=USR2", "a.js"}, 0},
		{{"node", "--heapsnapshot-signal=12", "a.js"}, 0},
		{{"node", "--heapsnapshot-signal=sigusr2", "a.js"}, 0},
		{{"node", "--heapsnapshot-signal=SIGRTMIN", "a.js"}, 0},
		{{"node", "--heapsnapshot-signal=SIGKILL", "a.js"}, 0},
		{{"node", "--heapsnapshot-signal=", "a.js"}, 0},
		{{"node", "--heapsnapshot-signal"}, 0},
		{{"node", "--heapsnapshot-signal=SIGUSR2X", "a.js"}, 0},
		{{"node", "--heapsnapshot-signalX=SIGUSR2", "a.js"}, 0},
		{{"node", "-heapsnapshot-signal=SIGUSR2", "a.js"}, 0},
		{{"node", "", "--heapsnapshot-signal=SIGUSR2"}, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct runtime_info r;
		classify_args("/usr/bin/node", cases[i].argv, NULL, NULL, &r);
		ck_assert_int_eq(r.kind, RUNTIME_NODE);
		ck_assert_msg(r.node_snapshot_signal == cases[i].snapshot, "case %zu: %d", i,
			      r.node_snapshot_signal);
	}
	/* A value cut by the reader's bound (no NUL) is not read. */
	struct runtime_facts cut = {.exe = "/usr/bin/node",
				    .cmdline = "node\0--heapsnapshot-signal\0SIGUSR2",
				    .cmdline_len = 34};
	struct runtime_info r;
	runtime_classify(&cut, &r);
	ck_assert_int_eq(r.node_snapshot_signal, 0);
	cut.cmdline_len = 35;
	runtime_classify(&cut, &r);
	ck_assert_int_eq(r.node_snapshot_signal, SIGUSR2);
}
END_TEST

START_TEST(node_options_env)
{
	static const struct {
		const char *env;
		const char *argv[5];
		int snapshot, report;
	} cases[] = {
		{"--heapsnapshot-signal=SIGUSR2", {"node", "a.js"}, SIGUSR2, 0},
		{"--heapsnapshot-signal SIGUSR2", {"node", "a.js"}, SIGUSR2, 0},
		{"  --heapsnapshot-signal \t SIGUSR2  ", {"node", "a.js"}, SIGUSR2, 0},
		{"--no-warnings --heapsnapshot-signal=SIGPROF", {"node", "a.js"}, SIGPROF, 0},
		{"--title=\"a b\" --heapsnapshot-signal=SIGUSR2", {"node", "a.js"}, SIGUSR2, 0},
		{"\"--heapsnapshot-signal=SIGUSR2\"", {"node", "a.js"}, SIGUSR2, 0},
		{"--require ./x.js --heapsnapshot-signal SIGUSR2", {"node", "a.js"}, SIGUSR2, 0},
		/* Quotes hold a blank; a backslash escapes inside them. */
		{"--title \"--heapsnapshot-signal=SIGUSR2\"", {"node", "a.js"}, 0, 0},
		{"--title=\"x \\\" --heapsnapshot-signal=SIGUSR2\"", {"node", "a.js"}, 0, 0},
		/* NODE_OPTIONS first, then the command line, which wins. */
		{"--heapsnapshot-signal=SIGPROF", {"node", "--heapsnapshot-signal=SIGUSR2", "a.js"},
		 SIGUSR2, 0},
		/* A value-taking option at its end does not take the script. */
		{"--heapsnapshot-signal", {"node", "SIGUSR2"}, 0, 0},
		{"--report-on-signal", {"node", "a.js"}, 0, SIGUSR2},
		{"--report-on-signal --report-signal=SIGPROF", {"node", "a.js"}, 0, SIGPROF},
		{"--report-signal=SIGPROF", {"node", "a.js"}, 0, 0},
		{"--report-on-signal", {"node", "--no-report-on-signal", "a.js"}, 0, 0},
		{"", {"node", "a.js"}, 0, 0},
		{"\"", {"node", "a.js"}, 0, 0},
		{"--heapsnapshot-signal=\"SIGUSR2", {"node", "a.js"}, SIGUSR2, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct runtime_info r;
		classify_args("/usr/bin/node", cases[i].argv, cases[i].env, NULL, &r);
		ck_assert_msg(r.node_snapshot_signal == cases[i].snapshot, "case %zu: snapshot %d",
			      i, r.node_snapshot_signal);
		ck_assert_msg(r.node_report_signal == cases[i].report, "case %zu: report %d", i,
			      r.node_report_signal);
	}
	/* Oversized: a 300-byte token is cut and ignored, what follows read. */
	char env[1024];
	memset(env, 'x', 300);
	memcpy(env, "--heapsnapshot-signal=SIGUSR2", 29);
	strcpy(env + 300, " --heapsnapshot-signal=SIGPROF");
	struct runtime_info r;
	const char *argv[] = {"node", "a.js", NULL};
	classify_args("/usr/bin/node", argv, env, NULL, &r);
	ck_assert_int_eq(r.node_snapshot_signal, SIGPROF);
	/* Only node reads NODE_OPTIONS. */
	classify_args("/usr/bin/python3", argv, "--heapsnapshot-signal=SIGUSR2", NULL, &r);
	ck_assert_int_eq(r.kind, RUNTIME_PYTHON);
	ck_assert_int_eq(r.node_snapshot_signal, 0);
}
END_TEST

/* The captured command line cut at every length: an option is read only
 * whole (with its NUL). */
START_TEST(node_cmdline_cut)
{
	struct fixture fx;
	struct runtime_facts f;
	fixture_load("node20-snapshot", &fx, &f);
	const char *opt = strstr(fx.cmdline + 5, "--heapsnapshot-signal=SIGUSR2");
	ck_assert_ptr_nonnull(opt);
	size_t end = (size_t)(opt - fx.cmdline) + strlen(opt) + 1;
	for (size_t len = 0; len <= fx.cmdline_len; len++) {
		f.cmdline_len = len;
		struct runtime_info r;
		runtime_classify(&f, &r);
		ck_assert_int_eq(r.kind, RUNTIME_NODE);
		ck_assert_msg(r.node_snapshot_signal == (len >= end ? SIGUSR2 : 0), "len %zu", len);
	}
	fixture_free(&fx);
}
END_TEST

/* ---- JVM options ---- */

START_TEST(jvm_options)
{
	static const struct {
		const char *argv[8];
		int attach_disabled, reduced;
	} cases[] = {
		{{"java", "-Xrs", "-cp", ".", "Main"}, 0, 1},
		{{"java", "-XX:+ReduceSignalUsage", "Main"}, 0, 1},
		{{"java", "-Xrs", "-XX:-ReduceSignalUsage", "Main"}, 0, 0},
		{{"java", "-Xrs:sync", "Main"}, 0, 0},
		{{"java", "-XX:+DisableAttachMechanism", "-jar", "app.jar"}, 1, 0},
		{{"java", "-XX:+DisableAttachMechanism", "-XX:-DisableAttachMechanism", "M"}, 0, 0},
		{{"java", "-Dcom.ibm.tools.attach.enable=no", "M"}, 1, 0},
		/* After the main class or -jar FILE: the program's own. */
		{{"java", "-cp", ".", "Main", "-Xrs", "-XX:+DisableAttachMechanism"}, 0, 0},
		{{"java", "-jar", "app.jar", "-Xrs"}, 0, 0},
		{{"java", "-jar", "-Xrs"}, 0, 0},
		{{"java", "-m", "mod/Main", "-Xrs"}, 0, 0},
		{{"java", "--module=mod/Main", "-Xrs"}, 0, 0},
		/* A value of -cp is no main class, whatever it looks like. */
		{{"java", "-cp", "-Xrs", "-XX:+DisableAttachMechanism", "M"}, 1, 0},
		{{"java", "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xrs", "M"}, 0, 1},
		{{"java", "-XX:+DisableAttachMechanismX", "-Xrsx", "M"}, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct runtime_info r;
		classify_args("/usr/lib/jvm/java-17-openjdk-amd64/bin/java", cases[i].argv, NULL,
			      NULL, &r);
		ck_assert_int_eq(r.kind, RUNTIME_JVM);
		ck_assert_msg(r.jvm_attach_disabled == (cases[i].attach_disabled != 0), "case %zu",
			      i);
		ck_assert_msg(r.jvm_reduced_signals == (cases[i].reduced != 0), "case %zu", i);
	}
	/* -Xrs: SIGQUIT is no longer the JVM's; SIGUSR2 still is (measured). */
	struct runtime_info r = {.kind = RUNTIME_JVM, .jvm_reduced_signals = true};
	ck_assert_ptr_null(runtime_builtin_meaning(&r, SIGQUIT));
	ck_assert_ptr_nonnull(runtime_builtin_meaning(&r, SIGUSR2));
}
END_TEST

/* ---- the rules' order and their fallbacks ---- */

START_TEST(rules)
{
	struct runtime_info r;
	const char *plain[] = {"x", NULL};
	/* Maps outrank names: OpenJ9 maps libjvm.so too. */
	struct runtime_facts f = {.exe = "/usr/bin/node",
				  .maps_flags = RUNTIME_MAP_LIBJ9VM | RUNTIME_MAP_LIBJVM};
	runtime_classify(&f, &r);
	ck_assert_int_eq(r.kind, RUNTIME_OPENJ9);
	f.maps_flags = RUNTIME_MAP_LIBJVM;
	runtime_classify(&f, &r);
	ck_assert_int_eq(r.kind, RUNTIME_JVM);
	/* A Go program named node or nginx is Go. */
	f = (struct runtime_facts){.exe = "/usr/sbin/nginx", .comm = "nginx", .exe_is_go = true};
	runtime_classify(&f, &r);
	ck_assert_int_eq(r.kind, RUNTIME_GO);
	/* libnode embedded in another program. */
	f = (struct runtime_facts){.exe = "/opt/app/app", .maps_flags = RUNTIME_MAP_LIBNODE};
	runtime_classify(&f, &r);
	ck_assert_int_eq(r.kind, RUNTIME_NODE);
	/* uWSGI embeds libpython: the server wins. */
	f = (struct runtime_facts){.exe = "/usr/local/bin/uwsgi",
				   .maps_flags = RUNTIME_MAP_LIBPYTHON};
	runtime_classify(&f, &r);
	ck_assert_int_eq(r.kind, RUNTIME_UWSGI);
	/* liboomsentry whatever the kind. */
	f = (struct runtime_facts){.exe = "/usr/bin/python3.11",
				   .maps_flags = RUNTIME_MAP_LIBOOMSENTRY | RUNTIME_MAP_LIBPYTHON};
	runtime_classify(&f, &r);
	ck_assert(r.kind == RUNTIME_PYTHON && r.liboomsentry);
	/* Program names. */
	static const struct {
		const char *exe;
		enum runtime_kind kind;
	} names[] = {
		{"/usr/bin/node", RUNTIME_NODE},          {"/usr/bin/nodejs", RUNTIME_NODE},
		{"/opt/node20", RUNTIME_NODE},            {"/usr/bin/node (deleted)", RUNTIME_NODE},
		{"/usr/bin/nodemon", RUNTIME_NATIVE},     {"/usr/bin/python3.11", RUNTIME_PYTHON},
		{"/usr/bin/python", RUNTIME_PYTHON},      {"/usr/sbin/nginx", RUNTIME_NGINX},
		{"/usr/sbin/apache2", RUNTIME_HTTPD},     {"/usr/bin/uwsgi-core", RUNTIME_UWSGI},
		{"/usr/bin/redis-server", RUNTIME_REDIS}, {"/x/valkey-server", RUNTIME_REDIS},
		{"/usr/bin/postmaster", RUNTIME_POSTGRES}, {"/usr/bin/java", RUNTIME_JVM},
		{"/usr/bin/javac", RUNTIME_NATIVE},       {"/", RUNTIME_NATIVE},
		{"", RUNTIME_NATIVE},                     {"nginx", RUNTIME_NGINX},
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		classify_args(names[i].exe, plain, NULL, NULL, &r);
		ck_assert_msg(r.kind == names[i].kind, "%s: %s", names[i].exe,
			      runtime_name(r.kind));
	}
	/* The exe link unreadable (no CAP_SYS_PTRACE): argv[0] and comm. */
	const char *node_argv[] = {"node", "--heapsnapshot-signal=SIGUSR2", "a.js", NULL};
	classify_args(NULL, node_argv, NULL, NULL, &r);
	ck_assert(r.kind == RUNTIME_NODE && r.node_snapshot_signal == SIGUSR2);
	const char *java_argv[] = {"/usr/bin/java", "-Xrs", "Main", NULL};
	classify_args(NULL, java_argv, NULL, NULL, &r);
	ck_assert(r.kind == RUNTIME_JVM && r.jvm_reduced_signals);
	f = (struct runtime_facts){.comm = "nginx"};
	runtime_classify(&f, &r);
	ck_assert_int_eq(r.kind, RUNTIME_NGINX);
	/* gunicorn through python. */
	const char *gargv[] = {"/usr/bin/python3", "/usr/bin/gunicorn", "app:app", NULL};
	classify_args("/usr/bin/python3.11", gargv, NULL, NULL, &r);
	ck_assert_int_eq(r.kind, RUNTIME_GUNICORN);
	const char *pargv[] = {"/usr/bin/python3", "/srv/gunicorn.conf.py", NULL};
	classify_args("/usr/bin/python3.11", pargv, NULL, NULL, &r);
	ck_assert_int_eq(r.kind, RUNTIME_PYTHON);
	const char *margv[] = {"python3", "-m", "http.server", NULL};
	classify_args("/usr/bin/python3.11", margv, NULL, NULL, &r);
	ck_assert_int_eq(r.kind, RUNTIME_PYTHON);
	/* Nothing at all: unknown; only comm (a kernel thread): native. */
	f = (struct runtime_facts){0};
	runtime_classify(&f, &r);
	ck_assert_int_eq(r.kind, RUNTIME_UNKNOWN);
	ck_assert_ptr_null(runtime_consent(&r, SIGUSR1, false));
	f.comm = "kworker/0:1";
	runtime_classify(&f, &r);
	ck_assert_int_eq(r.kind, RUNTIME_NATIVE);
}
END_TEST

/* Hostile bytes everywhere: the classifier reads only within cmdline_len,
 * never a terminator, and keeps its invariants. */
START_TEST(garbage)
{
	unsigned seed = 12345;
	char *buf = malloc(512);
	ck_assert_ptr_nonnull(buf);
	static const char alphabet[] = "-=_ \"\\\0SIGUSR2heapsnapshot-signalnodejava/Xrs,";
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (size_t)(rand_r(&seed) % 512);
		char *cmd = malloc(n ? n : 1); /* exact size: ASan sees any overread */
		ck_assert_ptr_nonnull(cmd);
		for (size_t i = 0; i < n; i++)
			cmd[i] = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
		size_t m = (size_t)(rand_r(&seed) % 200);
		for (size_t i = 0; i < m; i++)
			buf[i] = alphabet[rand_r(&seed) % (sizeof alphabet - 1)] ?: 'x';
		buf[m] = '\0';
		static const char *const exes[] = {"/usr/bin/node", "/usr/bin/java",
						   "/usr/bin/python3", "/usr/sbin/nginx", NULL};
		struct runtime_facts f = {.exe = exes[iter % 5], .comm = buf, .cmdline = cmd,
					  .cmdline_len = n, .node_options = buf, .optin = buf,
					  .maps_flags = (uint32_t)rand_r(&seed) & 0x1f};
		struct runtime_info r;
		runtime_classify(&f, &r);
		ck_assert_int_lt(r.kind, RUNTIME_KINDS);
		ck_assert(!r.optin_invalid || r.optin_signals == 0);
		ck_assert_int_lt(r.node_snapshot_signal, 32);
		ck_assert_int_ge(r.node_snapshot_signal, 0);
		ck_assert(!(r.server_master && r.server_worker));
		for (int s = 0; s <= 65; s++)
			(void)runtime_consent(&r, s, false);
		free(cmd);
	}
	free(buf);
	/* Oversized: a 1 MiB command line of flags, then the option; then the
	 * same with one "-r" before it, which takes it as its value. */
	size_t big = 1 << 20;
	char *cmd = malloc(big);
	ck_assert_ptr_nonnull(cmd);
	size_t k = (size_t)sprintf(cmd, "node") + 1;
	while (k + 12 < big - 40) {
		memcpy(cmd + k, "--expose-gc\0", 12);
		k += 12;
	}
	size_t opt = k;
	k += (size_t)sprintf(cmd + k, "--heapsnapshot-signal=SIGUSR2") + 1;
	struct runtime_facts f = {.exe = "/usr/bin/node", .cmdline = cmd, .cmdline_len = k};
	struct runtime_info r;
	runtime_classify(&f, &r);
	ck_assert_int_eq(r.kind, RUNTIME_NODE);
	ck_assert_int_eq(r.node_snapshot_signal, SIGUSR2);
	memcpy(cmd + opt - 12, "-r\0", 3);
	memset(cmd + opt - 9, 'x', 8); /* "-r\0xxxxxxxx\0": -r and its value */
	runtime_classify(&f, &r);
	ck_assert_int_eq(r.node_snapshot_signal, SIGUSR2);
	memcpy(cmd + opt - 12, "--expose-gc\0", 12);
	memcpy(cmd + opt - 3, "-r\0", 3);
	memcpy(cmd + opt - 12, "--expose\0", 9);
	runtime_classify(&f, &r);
	ck_assert_int_eq(r.node_snapshot_signal, 0);
	free(cmd);
}
END_TEST

/* ---- procinfo over trees of files ---- */

static char tmpdir[] = "/tmp/check_runtime.XXXXXX";

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void mkdirs(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	}
	mkdir(p, 0755);
}

/* <tmp>/proc/<pid>/ from a fixture; exe links to <tmp>/root<exe path>,
 * holding the fixture's ELF skeleton (or nothing): readlink shows the
 * captured name at the end of the path, which is what is read of it. */
static void make_tree(const struct fixture *fx, pid_t pid, bool with_private)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	snprintf(dir, sizeof dir, "%s/proc/%d", tmpdir, (int)pid);
	mkdirs(dir);
	snprintf(path, sizeof path, "%s/comm", dir);
	char comm[80];
	int n = snprintf(comm, sizeof comm, "%s\n", fx->comm);
	write_file(path, comm, (size_t)n);
	snprintf(path, sizeof path, "%s/cmdline", dir);
	write_file(path, fx->cmdline, fx->cmdline_len);
	if (!with_private)
		return;
	snprintf(path, sizeof path, "%s/maps", dir);
	write_file(path, fx->maps, fx->maps_len);
	if (fx->environ) {
		snprintf(path, sizeof path, "%s/environ", dir);
		write_file(path, fx->environ, fx->environ_len);
	}
	char target[PATH_MAX];
	snprintf(target, sizeof target, "%s/root%s", tmpdir, fx->exe);
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", target);
	*strrchr(parent, '/') = '\0';
	mkdirs(parent);
	write_file(target, fx->elf ? fx->elf : "", fx->elf ? fx->elf_len : 0);
	snprintf(path, sizeof path, "%s/exe", dir);
	ck_assert_int_eq(symlink(target, path), 0);
}

static void tree_setup(void) { ck_assert_ptr_nonnull(mkdtemp(tmpdir)); }

static void tree_teardown(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(tmpdir, "/tmp/check_runtime.XXXXXX");
}

static char proc_root[PATH_MAX];

static const char *tree_proc(void)
{
	snprintf(proc_root, sizeof proc_root, "%s/proc", tmpdir);
	return proc_root;
}

/* procinfo reads the same facts from files as the test did from the
 * fixture, through its fixed buffers (the threads JVM's maps are 44 KiB). */
START_TEST(procinfo_tree_matches)
{
	tree_setup();
	for (size_t i = 0; i < sizeof expects / sizeof *expects; i++) {
		struct fixture fx;
		struct runtime_facts f;
		fixture_load(expects[i].name, &fx, &f);
		make_tree(&fx, (pid_t)(100 + i), true);
		struct runtime_info want, got;
		runtime_classify(&f, &want);
		ck_assert_int_eq(procinfo_classify(tree_proc(), (pid_t)(100 + i), &got), 0);
		ck_assert_msg(memcmp(&want, &got, sizeof want) == 0, "%s", expects[i].name);
		check_expect(&expects[i], &f, &got);
		fixture_free(&fx);
	}
	tree_teardown();
}
END_TEST

/* Without CAP_SYS_PTRACE exe, maps and environ are unreadable: what comm
 * and cmdline tell is used. */
START_TEST(procinfo_unprivileged)
{
	tree_setup();
	static const struct {
		const char *name;
		enum runtime_kind kind;
	} cases[] = {
		{"node20-snapshot", RUNTIME_NODE}, {"jvm17-xrs-noattach", RUNTIME_JVM},
		{"nginx-worker", RUNTIME_NGINX},   {"gunicorn-plain", RUNTIME_GUNICORN},
		{"go-static", RUNTIME_NATIVE},     {"python3-debian", RUNTIME_PYTHON},
		{"native-liboomsentry", RUNTIME_NATIVE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct fixture fx;
		struct runtime_facts f;
		fixture_load(cases[i].name, &fx, &f);
		make_tree(&fx, (pid_t)(200 + i), false);
		struct runtime_info r;
		ck_assert_int_eq(procinfo_classify(tree_proc(), (pid_t)(200 + i), &r), 0);
		ck_assert_msg(r.kind == cases[i].kind, "%s: %s", cases[i].name,
			      runtime_name(r.kind));
		ck_assert(!r.liboomsentry);
		fixture_free(&fx);
	}
	struct runtime_info r;
	ck_assert_int_eq(procinfo_classify(tree_proc(), 200, &r), 0);
	ck_assert_int_eq(r.node_snapshot_signal, SIGUSR2);
	/* Gone: nothing readable. */
	ck_assert_int_eq(procinfo_classify(tree_proc(), 999, &r), -ENOENT);
	ck_assert_int_eq(r.kind, RUNTIME_UNKNOWN);
	ck_assert_int_lt(procinfo_classify("/nonexistent", 1, &r), 0);
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/proc/998", tmpdir);
	mkdirs(dir);
	ck_assert_int_eq(procinfo_classify(tree_proc(), 998, &r), -ENOENT);
	tree_teardown();
}
END_TEST

/* A tree for one process of our own making. */
static void tree_files(pid_t pid, const char *cmdline, size_t cmdlen, const char *maps,
		       size_t mapslen, const char *env, size_t envlen)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/proc/%d", tmpdir, (int)pid);
	mkdirs(dir);
	snprintf(path, sizeof path, "%s/comm", dir);
	write_file(path, "app\n", 4);
	snprintf(path, sizeof path, "%s/cmdline", dir);
	write_file(path, cmdline, cmdlen);
	if (maps) {
		snprintf(path, sizeof path, "%s/maps", dir);
		write_file(path, maps, mapslen);
	}
	if (env) {
		snprintf(path, sizeof path, "%s/environ", dir);
		write_file(path, env, envlen);
	}
}

static struct runtime_info classify_env(pid_t pid, const char *env, size_t len)
{
	static const char node[] = "node\0app.js";
	tree_files(pid, node, sizeof node, NULL, 0, env, len);
	struct runtime_info r;
	ck_assert_int_eq(procinfo_classify(tree_proc(), pid, &r), 0);
	return r;
}

/* Only the two entries, whole, first of duplicates; the rest of environ
 * streams past (an entry straddling the read buffer, a huge one). */
START_TEST(procinfo_environ)
{
	tree_setup();
	static const char decoys[] = "XNODE_OPTIONS=--heapsnapshot-signal=SIGUSR1\0"
				     "NODE_OPTIONS\0"
				     "NODE_OPTION=--heapsnapshot-signal=SIGUSR1\0"
				     "OOMSENTRY_SIGNALSX=USR1\0"
				     "NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2\0"
				     "NODE_OPTIONS=--heapsnapshot-signal=SIGPROF\0"
				     "OOMSENTRY_SIGNALS=SIGUSR1\0"
				     "OOMSENTRY_SIGNALS=SIGUSR2\0";
	struct runtime_info r = classify_env(1, decoys, sizeof decoys - 1);
	ck_assert_int_eq(r.node_snapshot_signal, SIGUSR2);
	ck_assert(r.optin_signals == optin_mask("USR1") && !r.optin_invalid);

	/* Each entry placed across the 4096-byte boundary at every offset. */
	static const char entry[] = "OOMSENTRY_SIGNALS=SIGUSR2";
	char env[8192];
	for (size_t at = 4096 - sizeof entry; at <= 4096; at++) {
		memset(env, 0, sizeof env);
		memset(env, 'A', at - 1); /* one filler entry */
		memcpy(env + at, entry, sizeof entry);
		r = classify_env(2, env, at + sizeof entry);
		ck_assert_msg(r.optin_signals == optin_mask("USR2"), "at %zu", at);
	}
	/* The last entry without its NUL. */
	r = classify_env(3, "A=1\0OOMSENTRY_SIGNALS=USR1", 26);
	ck_assert(r.optin_signals == optin_mask("USR1"));

	/* 256 KiB of other entries first. */
	size_t n = 256 * 1024;
	char *big = malloc(n + 64);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	for (size_t i = 100; i < n; i += 100)
		big[i] = '\0';
	memcpy(big + n - 1, "\0OOMSENTRY_SIGNALS=12\0", 22);
	r = classify_env(4, big, n + 21);
	ck_assert(r.optin_signals == optin_mask("USR2"));
	/* Values over the bound: a cut list is no list; NODE_OPTIONS keeps its
	 * whole options. */
	size_t k = (size_t)sprintf(big, "OOMSENTRY_SIGNALS=");
	while (k < 1500)
		k += (size_t)sprintf(big + k, "SIGUSR1,");
	k += (size_t)sprintf(big + k, "SIGUSR2") + 1;
	k += (size_t)sprintf(big + k, "NODE_OPTIONS=--heapsnapshot-signal=SIGPROF");
	while (k < 3000)
		k += (size_t)sprintf(big + k, " --no-warnings");
	k += (size_t)sprintf(big + k, " --heapsnapshot-signal=SIGUSR2") + 1;
	r = classify_env(5, big, k);
	ck_assert(r.optin_invalid && r.optin_signals == 0);
	ck_assert_int_eq(r.node_snapshot_signal, SIGPROF);
	free(big);
	tree_teardown();
}
END_TEST

/* maps through the fixed buffer: a line longer than it is skipped, the
 * next one read; no newline at the end; the command line's bound. */
START_TEST(procinfo_maps_and_cmdline_bounds)
{
	tree_setup();
	size_t n = 20000;
	char *maps = malloc(n + 256);
	ck_assert_ptr_nonnull(maps);
	/* The part past the buffer looks like a line of its own: it must not
	 * be read as one. */
	size_t k = (size_t)sprintf(maps, "7f-8f r--p 0 fe:00 1 /");
	memset(maps + k, 'a', 8192 - k);
	k = 8192;
	k += (size_t)sprintf(maps + k, "7f-8f r--p 0 fe:00 1 /x/libj9vm29.so\n");
	k += (size_t)sprintf(maps + k, "7f-8f r--p 0 fe:00 1 /usr/lib/libjvm.so");
	static const char cmd[] = "java\0Main";
	tree_files(1, cmd, sizeof cmd, maps, k, NULL, 0);
	struct runtime_info r;
	ck_assert_int_eq(procinfo_classify(tree_proc(), 1, &r), 0);
	ck_assert_int_eq(r.kind, RUNTIME_JVM); /* not OpenJ9: that line was too long */

	/* Options within the first 4 KiB of the command line are read. */
	char *c = malloc(8192);
	ck_assert_ptr_nonnull(c);
	k = (size_t)sprintf(c, "node") + 1;
	k += (size_t)sprintf(c + k, "--heapsnapshot-signal=SIGUSR2") + 1;
	memset(c + k, 'x', 5000);
	k += 5000;
	c[k++] = '\0';
	tree_files(2, c, k, NULL, 0, NULL, 0);
	ck_assert_int_eq(procinfo_classify(tree_proc(), 2, &r), 0);
	ck_assert_int_eq(r.node_snapshot_signal, SIGUSR2);
	/* Beyond them, not. */
	k = (size_t)sprintf(c, "node") + 1;
	k += (size_t)sprintf(c + k, "--title=");
	memset(c + k, 'x', 5000);
	k += 5000;
	c[k++] = '\0';
	k += (size_t)sprintf(c + k, "--heapsnapshot-signal=SIGUSR2") + 1;
	tree_files(3, c, k, NULL, 0, NULL, 0);
	ck_assert_int_eq(procinfo_classify(tree_proc(), 3, &r), 0);
	ck_assert_int_eq(r.kind, RUNTIME_NODE);
	ck_assert_int_eq(r.node_snapshot_signal, 0);
	free(c);
	free(maps);
	tree_teardown();
}
END_TEST

/* ---- procinfo over real processes ---- */

START_TEST(procinfo_real_processes)
{
	struct runtime_info r;
	ck_assert_int_eq(procinfo_classify("/proc", getpid(), &r), 0);
	ck_assert_int_eq(r.kind, RUNTIME_NATIVE);
	ck_assert(!r.liboomsentry);

	/* sleep with the two variables among others, then exec'd. */
	int pipefd[2];
	ck_assert_int_eq(pipe(pipefd), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(pipefd[0]);
		char *const argv[] = {"sleep", "30", NULL};
		char *const envp[] = {"A=1", "OOMSENTRY_SIGNALS=SIGUSR2, SIGRTMIN+1",
				      "NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2", NULL};
		fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
		execve("/bin/sleep", argv, envp);
		_exit(127);
	}
	close(pipefd[1]);
	char c;
	ck_assert_int_eq(read(pipefd[0], &c, 1), 0); /* closed by the exec */
	close(pipefd[0]);
	ck_assert_int_eq(procinfo_classify("/proc", pid, &r), 0);
	ck_assert_int_eq(r.kind, RUNTIME_NATIVE);
	ck_assert(r.optin_signals == optin_mask("USR2 RTMIN+1"));
	ck_assert_int_eq(r.node_snapshot_signal, 0); /* sleep is no node */
	ck_assert_ptr_null(runtime_consent(&r, SIGUSR2, false));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* Reaped: gone. */
	ck_assert_int_lt(procinfo_classify("/proc", pid, &r), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("runtime");
	TCase *tc = tcase_create("classify");
	tcase_add_loop_test(tc, fixtures_classified, 0, sizeof expects / sizeof *expects);
	tcase_add_test(tc, meanings_read_as_log_lines);
	tcase_add_test(tc, maps_lines);
	tcase_add_test(tc, maps_jvm_every_line_and_cut);
	tcase_add_test(tc, optin_lists);
	tcase_add_test(tc, node_options_cmdline);
	tcase_add_test(tc, node_options_env);
	tcase_add_test(tc, node_cmdline_cut);
	tcase_add_test(tc, jvm_options);
	tcase_add_test(tc, rules);
	tcase_add_test(tc, garbage);
	suite_add_tcase(s, tc);
	TCase *io = tcase_create("procinfo");
	tcase_set_timeout(io, 30);
	tcase_add_test(io, procinfo_tree_matches);
	tcase_add_test(io, procinfo_unprivileged);
	tcase_add_test(io, procinfo_environ);
	tcase_add_test(io, procinfo_maps_and_cmdline_bounds);
	tcase_add_test(io, procinfo_real_processes);
	suite_add_tcase(s, io);
	return s;
}

int main(void) { return check_run(make_suite()); }
