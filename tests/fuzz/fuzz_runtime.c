/* Fuzzes what a process shows of itself: its command line, comm, exe link,
 * NODE_OPTIONS and OOMSENTRY_SIGNALS and maps lines (runtime_maps_line,
 * runtime_classify, the consent table), and its executable's bytes
 * (elfsect_has). All of it is the watched app's to choose.
 *
 * The input is fields separated by 0x1e: exe, comm, cmdline (raw, NULs
 * and all, in an allocation of exactly its size), NODE_OPTIONS,
 * OOMSENTRY_SIGNALS, maps text (one line per '\n'), and a byte of flags.
 * The whole input is also the executable that elfsect reads. */
#include <errno.h>
#include <signal.h>

#include "elfsect.h"
#include "fuzz.h"
#include "runtime.h"
#include "signame.h"

#define SEP 0x1e
#define FIELDS 7

struct field {
	const uint8_t *p;
	size_t n;
	bool present;
};

static void split(const uint8_t *data, size_t size, struct field *f)
{
	memset(f, 0, FIELDS * sizeof *f);
	size_t start = 0;
	int k = 0;
	for (size_t i = 0; i <= size && k < FIELDS; i++) {
		if (i == size || data[i] == SEP) {
			f[k++] = (struct field){data + start, i - start, true};
			start = i + 1;
		}
	}
}

static char *opt_cstr(const struct field *f)
{
	return f->present ? fuzz_cstr(f->p, f->n) : NULL;
}

static const uint32_t all_maps = RUNTIME_MAP_LIBJVM | RUNTIME_MAP_LIBJ9VM | RUNTIME_MAP_LIBNODE |
				 RUNTIME_MAP_LIBPYTHON | RUNTIME_MAP_LIBOOMSENTRY;

static uint32_t fold_maps(const struct field *f)
{
	uint32_t flags = 0;
	size_t start = 0;
	for (size_t i = 0; i <= f->n; i++) {
		if (i < f->n && f->p[i] != '\n')
			continue;
		size_t len = i - start;
		/* Exactly the line's bytes, no terminator: an overread shows. */
		char *line = malloc(len ? len : 1);
		if (!line)
			abort();
		if (len)
			memcpy(line, f->p + start, len);
		uint32_t bit = runtime_maps_line(line, len);
		FUZZ_CHECK(bit == 0 || ((bit & all_maps) == bit && (bit & (bit - 1)) == 0),
			   "maps bit 0x%x", bit);
		flags |= bit;
		free(line);
		start = i + 1;
	}
	return flags;
}

static void check_info(const struct runtime_facts *facts, const struct runtime_info *r)
{
	FUZZ_CHECK(r->kind >= RUNTIME_UNKNOWN && r->kind < RUNTIME_KINDS, "kind %d", r->kind);
	FUZZ_CHECK(runtime_name(r->kind) != NULL, "no name");
	FUZZ_CHECK(!r->optin_invalid || r->optin_signals == 0, "invalid list with signals");
	FUZZ_CHECK(facts->optin || (!r->optin_invalid && r->optin_signals == 0),
		   "opt-in without OOMSENTRY_SIGNALS");
	FUZZ_CHECK(r->liboomsentry == !!(facts->maps_flags & RUNTIME_MAP_LIBOOMSENTRY),
		   "liboomsentry");
	FUZZ_CHECK(r->node_snapshot_signal >= 0 && r->node_snapshot_signal < 32, "snapshot %d",
		   r->node_snapshot_signal);
	FUZZ_CHECK(r->node_report_signal >= 0 && r->node_report_signal < 32, "report %d",
		   r->node_report_signal);
	FUZZ_CHECK(r->kind == RUNTIME_NODE || (!r->node_snapshot_signal && !r->node_report_signal),
		   "node options of a %s", runtime_name(r->kind));
	FUZZ_CHECK(r->kind == RUNTIME_JVM || r->kind == RUNTIME_OPENJ9 ||
			   (!r->jvm_attach_disabled && !r->jvm_reduced_signals),
		   "JVM options of a %s", runtime_name(r->kind));
	FUZZ_CHECK(!(r->server_master && r->server_worker), "master and worker");
	for (int s = -1; s <= 66; s++) {
		const char *meaning = runtime_builtin_meaning(r, s);
		const char *veto = runtime_consent(r, s, false);
		FUZZ_CHECK(!meaning || (s >= 1 && s <= 64), "meaning for signal %d", s);
		FUZZ_CHECK(!veto || veto == meaning, "veto is not the meaning (signal %d)", s);
		FUZZ_CHECK(!veto || !signame_meant_to_stop(s), "stop signal %d vetoed", s);
		FUZZ_CHECK(!veto || !r->liboomsentry, "veto despite liboomsentry");
		FUZZ_CHECK(!veto || !(s >= 1 && s <= 64 && ((r->optin_signals >> (s - 1)) & 1)),
			   "veto despite OOMSENTRY_SIGNALS (signal %d)", s);
		FUZZ_CHECK(runtime_consent(r, s, true) == NULL, "veto despite the command opt-in");
	}
}

struct mem {
	const uint8_t *p;
	size_t n, chunk;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len, off_t off)
{
	const struct mem *m = ctx;
	FUZZ_CHECK(off >= 0, "negative offset %lld", (long long)off);
	if ((size_t)off >= m->n)
		return 0;
	size_t k = m->n - (size_t)off < len ? m->n - (size_t)off : len;
	if (k > m->chunk)
		k = m->chunk;
	memcpy(buf, m->p + off, k);
	return (ssize_t)k;
}

static void check_elf(const uint8_t *data, size_t size)
{
	static const char *const names[] = {".go.buildinfo", ".text", ".shstrtab"};
	/* Reads of every size, down to a byte at a time. */
	size_t chunk = size ? 1 + (size_t)data[size - 1] * 64 : 1;
	struct mem m = {data, size, chunk};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		int r = elfsect_has(mem_read, &m, names[i]);
		FUZZ_CHECK(r == 0 || r == 1, "elfsect_has: %d", r);
		/* Found means the name and its NUL are in the file. */
		size_t len = strlen(names[i]) + 1;
		FUZZ_CHECK(!r || memmem(data, size, names[i], len), "found %s not in the file",
			   names[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct field f[FIELDS];
	split(data, size, f);
	char *exe = opt_cstr(&f[0]), *comm = opt_cstr(&f[1]);
	char *node_options = opt_cstr(&f[3]), *optin = opt_cstr(&f[4]);
	char *cmdline = NULL;
	if (f[2].present) {
		cmdline = malloc(f[2].n ? f[2].n : 1);
		if (!cmdline)
			abort();
		if (f[2].n)
			memcpy(cmdline, f[2].p, f[2].n);
	}
	uint8_t flags = f[6].present && f[6].n ? f[6].p[0] : 0;
	struct runtime_facts facts = {
		.exe = exe,
		.comm = comm,
		.cmdline = cmdline,
		.cmdline_len = cmdline ? f[2].n : 0,
		.exe_is_go = flags & 0x80,
		.maps_flags = fold_maps(&f[5]) | (flags & all_maps),
		.node_options = node_options,
		.optin = optin,
	};
	struct runtime_info r;
	memset(&r, 0xa5, sizeof r);
	runtime_classify(&facts, &r);
	check_info(&facts, &r);

	check_elf(data, size);

	free(exe);
	free(comm);
	free(cmdline);
	free(node_options);
	free(optin);
	return 0;
}
