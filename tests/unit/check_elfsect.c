/* elfsect.c: section lookup in the real executables' section headers (Go
 * static, cgo and PIE builds; a C program), in ELF files built here for the
 * other classes, byte orders and extended numbering, and over truncated,
 * garbled and unreadable files. */
#include "check_run.h"
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfsect.h"

#define RT_FIXTURES FIXTURES "/runtime"

/* ---- reading from memory, with faults on demand ---- */

struct mem {
	const unsigned char *p;
	size_t n;
	size_t max_chunk; /* 0: as much as asked */
	int fail_at;      /* the call that fails with EIO; 0: none */
	int calls;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len, off_t off)
{
	struct mem *m = ctx;
	if (++m->calls == m->fail_at)
		return -EIO;
	ck_assert_int_ge(off, 0);
	if ((size_t)off >= m->n)
		return 0;
	size_t k = m->n - (size_t)off < len ? m->n - (size_t)off : len;
	if (m->max_chunk && k > m->max_chunk)
		k = m->max_chunk;
	memcpy(buf, m->p + off, k);
	return (ssize_t)k;
}

static int has(const unsigned char *p, size_t n, const char *name)
{
	struct mem m = {p, n, 0, 0, 0};
	return elfsect_has(mem_read, &m, name);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	unsigned char *buf = malloc(1 << 16);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, 1 << 16, f);
	ck_assert(feof(f));
	fclose(f);
	return buf;
}

static ssize_t fd_read(void *ctx, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(*(int *)ctx, buf, len, off);
	return n < 0 ? -errno : n;
}

static int file_has(const char *path, const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	int r = elfsect_has(fd_read, &fd, name);
	close(fd);
	return r;
}

/* ---- the real executables ---- */

static const char *const go_skeletons[] = {
	RT_FIXTURES "/go-static/exe.elf", /* section headers at the start */
	RT_FIXTURES "/go-cgo/exe.elf",    /* 50 sections, external link */
	RT_FIXTURES "/elf/go-pie.elf",
};

START_TEST(real_go_executables)
{
	for (size_t i = 0; i < sizeof go_skeletons / sizeof *go_skeletons; i++) {
		size_t n;
		unsigned char *p = slurp(go_skeletons[i], &n);
		ck_assert_msg(has(p, n, ".go.buildinfo") == 1, "%s", go_skeletons[i]);
		ck_assert_int_eq(has(p, n, ".note.go.buildid"), 1);
		ck_assert_int_eq(has(p, n, ".text"), 1);
		ck_assert_int_eq(has(p, n, ".go.buildinf"), 0);
		ck_assert_int_eq(has(p, n, ".go.buildinfo2"), 0);
		ck_assert_int_eq(has(p, n, "go.buildinfo"), 0);
		ck_assert_int_eq(has(p, n, ""), 0);
		/* One byte at a time: the same answer. */
		struct mem m = {p, n, 1, 0, 0};
		ck_assert_int_eq(elfsect_has(mem_read, &m, ".go.buildinfo"), 1);
		free(p);
	}
	size_t n;
	unsigned char *p = slurp(RT_FIXTURES "/native-sleep/exe.elf", &n);
	ck_assert_int_eq(has(p, n, ".go.buildinfo"), 0);
	ck_assert_int_eq(has(p, n, ".text"), 1);
	ck_assert_int_eq(has(p, n, ".gnu_debuglink"), 1);
	free(p);
	/* Whole files on disk: this test program, the shell. */
	ck_assert_int_eq(file_has("/proc/self/exe", ".go.buildinfo"), 0);
	ck_assert_int_eq(file_has("/proc/self/exe", ".text"), 1);
	ck_assert_int_eq(file_has("/bin/sh", ".go.buildinfo"), 0);
	ck_assert_int_eq(file_has("/proc/self/cmdline", ".text"), 0);
}
END_TEST

/* Cut at every length: never found (the names' table comes last), never an
 * error; read errors at every step pass through as -EIO. */
START_TEST(truncated_and_failing)
{
	for (size_t i = 0; i < sizeof go_skeletons / sizeof *go_skeletons; i++) {
		size_t n;
		unsigned char *p = slurp(go_skeletons[i], &n);
		for (size_t len = 0; len < n; len++) {
			/* An exact-size copy: ASan sees any read past the end. */
			unsigned char *cut = malloc(len ? len : 1);
			ck_assert_ptr_nonnull(cut);
			memcpy(cut, p, len);
			int r = has(cut, len, ".go.buildinfo");
			free(cut);
			ck_assert_msg(r == 0, "%s cut at %zu: %d", go_skeletons[i], len, r);
		}
		int calls;
		struct mem m = {p, n, 0, 0, 0};
		ck_assert_int_eq(elfsect_has(mem_read, &m, ".nothing"), 0);
		calls = m.calls;
		ck_assert_int_ge(calls, 3);
		for (int k = 1; k <= calls; k++) {
			struct mem f = {p, n, 0, k, 0};
			ck_assert_msg(elfsect_has(mem_read, &f, ".nothing") == -EIO, "call %d", k);
		}
		free(p);
	}
}
END_TEST

/* ---- ELF files made here ---- */

enum {
	BUILD_XNUM = 1,       /* e_shnum 0, the count in section 0's sh_size */
	BUILD_XINDEX = 2,     /* e_shstrndx SHN_XINDEX, the index in sh_link */
	BUILD_BIG_STRTAB = 4, /* names' table over 4 KiB: read a name at a time */
	BUILD_SUFFIX = 8,     /* a section named by the tail of another's name */
};

struct builder {
	unsigned char *b;
	bool big;
};

static void put(struct builder *w, size_t off, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		int shift = w->big ? 8 * (bytes - 1 - i) : 8 * i;
		w->b[off + (size_t)i] = (unsigned char)(v >> shift);
	}
}

/* Sections: [0] null, one per name, then .shstrtab. Returns the size. */
static size_t build(unsigned char *out, size_t cap, bool is64, bool big,
		    const char *const *names, int nnames, unsigned opts)
{
	struct builder w = {out, big};
	memset(out, 0, cap);
	size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t shsize = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	/* The names' table right after the header. */
	size_t str = ehsize, s = 1;
	uint32_t name_off[64];
	if (opts & BUILD_BIG_STRTAB) {
		memset(out + str + s, 'f', 5000);
		s += 5001;
	}
	for (int i = 0; i < nnames; i++) {
		name_off[i] = (uint32_t)s;
		strcpy((char *)out + str + s, names[i]);
		s += strlen(names[i]) + 1;
	}
	uint32_t strtab_name = (uint32_t)s;
	strcpy((char *)out + str + s, ".shstrtab");
	s += 10;
	int count = nnames + 2 + ((opts & BUILD_SUFFIX) ? 1 : 0);
	size_t shoff = (str + s + 7) & ~(size_t)7;
	ck_assert_uint_le(shoff + (size_t)count * shsize, cap);
	int strndx = count - 1;

	memcpy(out, ELFMAG, SELFMAG);
	out[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	out[EI_DATA] = big ? ELFDATA2MSB : ELFDATA2LSB;
	out[EI_VERSION] = EV_CURRENT;
	size_t o_shoff = is64 ? offsetof(Elf64_Ehdr, e_shoff) : offsetof(Elf32_Ehdr, e_shoff);
	size_t o_tail =
		is64 ? offsetof(Elf64_Ehdr, e_shentsize) : offsetof(Elf32_Ehdr, e_shentsize);
	put(&w, o_shoff, shoff, is64 ? 8 : 4);
	put(&w, o_tail, shsize, 2);
	put(&w, o_tail + 2, (opts & BUILD_XNUM) ? 0 : (uint64_t)count, 2);
	put(&w, o_tail + 4, (opts & BUILD_XINDEX) ? SHN_XINDEX : (uint64_t)strndx, 2);

	for (int i = 0; i < count; i++) {
		size_t h = shoff + (size_t)i * shsize;
		uint32_t name = 0;
		if (i >= 1 && i <= nnames)
			name = name_off[i - 1];
		else if (i == strndx)
			name = strtab_name;
		else if (i == nnames + 1) /* the extra suffix section */
			name = name_off[0] + 5;
		put(&w, h, name, 4);
		put(&w, h + 4, i == strndx ? SHT_STRTAB : SHT_PROGBITS, 4);
		size_t o_off =
			is64 ? offsetof(Elf64_Shdr, sh_offset) : offsetof(Elf32_Shdr, sh_offset);
		size_t o_size =
			is64 ? offsetof(Elf64_Shdr, sh_size) : offsetof(Elf32_Shdr, sh_size);
		size_t o_link =
			is64 ? offsetof(Elf64_Shdr, sh_link) : offsetof(Elf32_Shdr, sh_link);
		int word = is64 ? 8 : 4;
		if (i == strndx) {
			put(&w, h + o_off, str, word);
			put(&w, h + o_size, s, word);
		}
		if (i == 0) {
			if (opts & BUILD_XNUM)
				put(&w, h + o_size, (uint64_t)count, word);
			if (opts & BUILD_XINDEX)
				put(&w, h + o_link, (uint64_t)strndx, 4);
		}
	}
	return shoff + (size_t)count * shsize;
}

static unsigned char elfbuf[16384];

START_TEST(classes_orders_numbering)
{
	static const char *const names[] = {".text", ".data", ".go.buildinfo", ".bss"};
	for (unsigned form = 0; form < 4; form++) {
		bool is64 = form & 1, big = form & 2;
		for (unsigned opts = 0; opts < 16; opts++) {
			size_t n = build(elfbuf, sizeof elfbuf, is64, big, names, 4, opts);
			ck_assert_msg(has(elfbuf, n, ".go.buildinfo") == 1, "form %u opts %u", form,
				      opts);
			ck_assert_int_eq(has(elfbuf, n, ".bss"), 1);
			ck_assert_int_eq(has(elfbuf, n, ".shstrtab"), 1);
			ck_assert_int_eq(has(elfbuf, n, ".rodata"), 0);
			/* The suffix section's name is "ta" (".data" + 5 is past
			 * ".text"): only names whole from their offset count. */
			ck_assert_int_eq(has(elfbuf, n, "xt"), 0);
		}
	}
	/* A linker may name a section by the tail of a longer name:
	 * ".rela.go.buildinfo" + 5 is ".go.buildinfo". */
	static const char *const rela[] = {".rela.go.buildinfo", ".text"};
	size_t n = build(elfbuf, sizeof elfbuf, true, false, rela, 2, BUILD_SUFFIX);
	ck_assert_int_eq(has(elfbuf, n, ".go.buildinfo"), 1);
	n = build(elfbuf, sizeof elfbuf, true, false, rela, 2, 0);
	ck_assert_int_eq(has(elfbuf, n, ".go.buildinfo"), 0);
	ck_assert_int_eq(has(elfbuf, n, ".rela.go.buildinfo"), 1);
}
END_TEST

START_TEST(garbled)
{
	static const char *const names[] = {".go.buildinfo"};
	size_t n;
	unsigned char *e = elfbuf;
	size_t o_shent = offsetof(Elf64_Ehdr, e_shentsize);
	/* Not ELF. */
	ck_assert_int_eq(has((const unsigned char *)"", 0, ".text"), 0);
	ck_assert_int_eq(has((const unsigned char *)"\177ELF", 4, ".text"), 0);
	n = build(e, sizeof elfbuf, true, false, names, 1, 0);
	e[EI_CLASS] = 3;
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	n = build(e, sizeof elfbuf, true, false, names, 1, 0);
	e[EI_DATA] = 0;
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	n = build(e, sizeof elfbuf, true, false, names, 1, 0);
	e[1] = 'e';
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	/* Section headers too small, absent, too many, a bad names' index. */
	n = build(e, sizeof elfbuf, true, false, names, 1, 0);
	e[o_shent] = 32;
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	n = build(e, sizeof elfbuf, true, false, names, 1, 0);
	memset(e + offsetof(Elf64_Ehdr, e_shoff), 0, 8);
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	n = build(e, sizeof elfbuf, true, false, names, 1, 0);
	e[o_shent + 2] = 0x01;
	e[o_shent + 3] = 0x10; /* 4097 sections */
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	/* Extended numbering: section 0's count 64K, more than the bound; its
	 * names' index past the count. */
	size_t shoff = 64 + ((1 + 14 + 10 + 7) & ~(size_t)7);
	n = build(e, sizeof elfbuf, true, false, names, 1, BUILD_XNUM | BUILD_XINDEX);
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 1);
	e[shoff + offsetof(Elf64_Shdr, sh_size) + 2] = 1;
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	n = build(e, sizeof elfbuf, true, false, names, 1, BUILD_XNUM | BUILD_XINDEX);
	e[shoff + offsetof(Elf64_Shdr, sh_link)] = 3;
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	n = build(e, sizeof elfbuf, true, false, names, 1, 0);
	e[o_shent + 4] = 9; /* e_shstrndx past the count */
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	/* e_shoff far past the end, or at the top of the range. */
	n = build(e, sizeof elfbuf, true, false, names, 1, 0);
	memset(e + offsetof(Elf64_Ehdr, e_shoff), 0xff, 8);
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	n = build(e, sizeof elfbuf, true, false, names, 1, 0);
	memset(e + offsetof(Elf64_Ehdr, e_shoff), 0xff, 7);
	e[offsetof(Elf64_Ehdr, e_shoff) + 7] = 0x7f;
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	/* Names' table cut before the name's terminator, or with a name
	 * offset past its end. */
	n = build(e, sizeof elfbuf, true, false, names, 1, 0);
	size_t strhdr = shoff + 2 * sizeof(Elf64_Shdr);
	e[strhdr + offsetof(Elf64_Shdr, sh_size)] = 14; /* "\0.go.buildinfo" without its NUL */
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	e[strhdr + offsetof(Elf64_Shdr, sh_size)] = 15;
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 1);
	e[shoff + sizeof(Elf64_Shdr)] = 200; /* section 1's sh_name */
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 0);
	/* A huge names' table: only its first ELFSECT_MAX_STRTAB bytes. */
	n = build(e, sizeof elfbuf, true, false, names, 1, 0);
	memset(e + strhdr + offsetof(Elf64_Shdr, sh_size), 0xff, 4);
	ck_assert_int_eq(has(e, n, ".go.buildinfo"), 1);
	/* Names longer than the bound are never found. */
	char longname[ELFSECT_NAME_MAX + 2];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ck_assert_int_eq(has(e, n, longname), 0);
	/* Random bytes after a valid ident: no crash, no error. */
	unsigned seed = 7;
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = 64 + (size_t)(rand_r(&seed) % 512);
		unsigned char *r = malloc(len);
		ck_assert_ptr_nonnull(r);
		for (size_t i = 0; i < len; i++)
			r[i] = (unsigned char)rand_r(&seed);
		memcpy(r, ELFMAG, SELFMAG);
		r[EI_CLASS] = (unsigned char)(1 + rand_r(&seed) % 2);
		r[EI_DATA] = (unsigned char)(1 + rand_r(&seed) % 2);
		/* Keep the headers inside the buffer often enough to matter. */
		if (rand_r(&seed) % 2) {
			memset(r + 0x20, 0, 16);
			r[r[EI_CLASS] == ELFCLASS64 ? 0x28 : 0x20] = 64;
		}
		int v = has(r, len, ".go.buildinfo");
		ck_assert(v == 0 || v == 1);
		free(r);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("elfsect");
	TCase *tc = tcase_create("elfsect");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, real_go_executables);
	tcase_add_test(tc, truncated_and_failing);
	tcase_add_test(tc, classes_orders_numbering);
	tcase_add_test(tc, garbled);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(make_suite()); }
