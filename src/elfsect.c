#include "elfsect.h"

#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

/* The fields of an ELF header and of a section header that the search
 * needs, in host order, whatever the file's class and byte order. */
struct elf {
	bool is64, big;
	uint64_t shoff;
	uint32_t shentsize, shnum, shstrndx;
};

struct shdr {
	uint32_t name;
	uint32_t link;
	uint64_t offset, size;
};

static uint16_t get16(const unsigned char *p, bool big)
{
	return big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t get32(const unsigned char *p, bool big)
{
	return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t get64(const unsigned char *p, bool big)
{
	return big ? (uint64_t)get32(p, big) << 32 | get32(p + 4, big)
		   : (uint64_t)get32(p + 4, big) << 32 | get32(p, big);
}

/* Reads exactly len bytes at off: 1, 0 when the file ends first (or off is
 * out of range), or -errno. */
static int read_exact(elfsect_read_fn rd, void *ctx, void *buf, size_t len, uint64_t off)
{
	if (off > (uint64_t)INT64_MAX - len)
		return 0;
	size_t got = 0;
	while (got < len) {
		ssize_t n = rd(ctx, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;
		got += (size_t)n;
	}
	return 1;
}

static void parse_shdr(const struct elf *e, const unsigned char *p, struct shdr *s)
{
	s->name = get32(p, e->big);
	if (e->is64) {
		s->offset = get64(p + offsetof(Elf64_Shdr, sh_offset), e->big);
		s->size = get64(p + offsetof(Elf64_Shdr, sh_size), e->big);
		s->link = get32(p + offsetof(Elf64_Shdr, sh_link), e->big);
	} else {
		s->offset = get32(p + offsetof(Elf32_Shdr, sh_offset), e->big);
		s->size = get32(p + offsetof(Elf32_Shdr, sh_size), e->big);
		s->link = get32(p + offsetof(Elf32_Shdr, sh_link), e->big);
	}
}

static int read_shdr(elfsect_read_fn rd, void *ctx, const struct elf *e, uint32_t index,
		     struct shdr *s)
{
	unsigned char buf[sizeof(Elf64_Shdr)];
	size_t len = e->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	int r = read_exact(rd, ctx, buf, len, e->shoff + (uint64_t)index * e->shentsize);
	if (r == 1)
		parse_shdr(e, buf, s);
	return r;
}

/* 1 and the header's fields when this is an ELF file with section headers;
 * 0 when it is not; -errno. The counts that do not fit the header (64K
 * sections or more) are in section 0, as the ELF spec says. */
static int read_header(elfsect_read_fn rd, void *ctx, struct elf *e)
{
	unsigned char h[sizeof(Elf64_Ehdr)];
	int r = read_exact(rd, ctx, h, EI_NIDENT, 0);
	if (r != 1)
		return r;
	if (memcmp(h, ELFMAG, SELFMAG) != 0)
		return 0;
	if (h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64)
		return 0;
	if (h[EI_DATA] != ELFDATA2LSB && h[EI_DATA] != ELFDATA2MSB)
		return 0;
	e->is64 = h[EI_CLASS] == ELFCLASS64;
	e->big = h[EI_DATA] == ELFDATA2MSB;
	size_t hlen = e->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if ((r = read_exact(rd, ctx, h, hlen, 0)) != 1)
		return r;
	if (e->is64) {
		e->shoff = get64(h + offsetof(Elf64_Ehdr, e_shoff), e->big);
		e->shentsize = get16(h + offsetof(Elf64_Ehdr, e_shentsize), e->big);
		e->shnum = get16(h + offsetof(Elf64_Ehdr, e_shnum), e->big);
		e->shstrndx = get16(h + offsetof(Elf64_Ehdr, e_shstrndx), e->big);
	} else {
		e->shoff = get32(h + offsetof(Elf32_Ehdr, e_shoff), e->big);
		e->shentsize = get16(h + offsetof(Elf32_Ehdr, e_shentsize), e->big);
		e->shnum = get16(h + offsetof(Elf32_Ehdr, e_shnum), e->big);
		e->shstrndx = get16(h + offsetof(Elf32_Ehdr, e_shstrndx), e->big);
	}
	if (e->shoff == 0 || e->shentsize < (e->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)))
		return 0;
	if (e->shnum == 0 || e->shstrndx == SHN_XINDEX) {
		struct shdr s0;
		if ((r = read_shdr(rd, ctx, e, 0, &s0)) != 1)
			return r;
		if (e->shnum == 0)
			e->shnum = s0.size > UINT32_MAX ? UINT32_MAX : (uint32_t)s0.size;
		if (e->shstrndx == SHN_XINDEX)
			e->shstrndx = s0.link;
	}
	if (e->shnum == 0 || e->shnum > ELFSECT_MAX_SECTIONS || e->shstrndx >= e->shnum)
		return 0;
	return 1;
}

/* The section names' table, where names are looked up either in buf (when
 * it fits, the common case: a few hundred bytes) or read one by one. */
struct strtab {
	uint64_t offset, size;
	const char *buf; /* NULL: read each name from the file */
};

/* 1 if the name at off in the table is name; 0 if not; -errno. */
static int name_is(elfsect_read_fn rd, void *ctx, const struct strtab *t, uint32_t off,
		   const char *name, size_t len)
{
	/* The name and its terminator must lie inside the table. */
	if (off >= t->size || t->size - off < len + 1)
		return 0;
	if (t->buf)
		return memcmp(t->buf + off, name, len + 1) == 0;
	char got[ELFSECT_NAME_MAX + 1];
	int r = read_exact(rd, ctx, got, len + 1, t->offset + off);
	if (r != 1)
		return r;
	return memcmp(got, name, len + 1) == 0;
}

int elfsect_has(elfsect_read_fn rd, void *ctx, const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > ELFSECT_NAME_MAX)
		return 0;
	struct elf e;
	int r = read_header(rd, ctx, &e);
	if (r != 1)
		return r;

	struct shdr str;
	if ((r = read_shdr(rd, ctx, &e, e.shstrndx, &str)) != 1)
		return r;
	uint64_t size = str.size > ELFSECT_MAX_STRTAB ? ELFSECT_MAX_STRTAB : str.size;
	struct strtab t = {str.offset, size, NULL};
	char small[4096];
	if (t.size <= sizeof small) {
		if ((r = read_exact(rd, ctx, small, (size_t)t.size, t.offset)) != 1)
			return r;
		t.buf = small;
	}

	/* The section headers, a chunk at a time. */
	unsigned char chunk[4096];
	uint32_t per = (uint32_t)(sizeof chunk / e.shentsize);
	if (per == 0)
		return 0;
	for (uint32_t i = 0; i < e.shnum; i += per) {
		uint32_t n = e.shnum - i < per ? e.shnum - i : per;
		r = read_exact(rd, ctx, chunk, (size_t)n * e.shentsize,
			       e.shoff + (uint64_t)i * e.shentsize);
		if (r != 1)
			return r;
		for (uint32_t k = 0; k < n; k++) {
			struct shdr s;
			parse_shdr(&e, chunk + (size_t)k * e.shentsize, &s);
			if ((r = name_is(rd, ctx, &t, s.name, name, len)) != 0)
				return r;
		}
	}
	return 0;
}
