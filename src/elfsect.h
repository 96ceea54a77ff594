/* elfsect: does an ELF file have a section of a given name? Pure: the file
 * is read through a callback, so tests run it over buffers and the fuzz
 * harness over anything. Used to tell a Go executable (".go.buildinfo")
 * from other native ones; both ELF classes and byte orders are read. */
#ifndef OOMSENTRY_ELFSECT_H
#define OOMSENTRY_ELFSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Reads up to len bytes at off into buf; returns the count read (short at
 * the end of the file) or -errno. */
typedef ssize_t (*elfsect_read_fn)(void *ctx, void *buf, size_t len, off_t off);

/* 1: the section exists; 0: it does not, or the file is not ELF; -errno on a
 * read error. Bounded: at most ELFSECT_MAX_SECTIONS section headers and a
 * string table of ELFSECT_MAX_STRTAB bytes are read; more is "not found". */
#define ELFSECT_MAX_SECTIONS 4096
#define ELFSECT_MAX_STRTAB (256 * 1024)
/* Longer names are never found. */
#define ELFSECT_NAME_MAX 64
/* No allocation: a table of names up to 4 KiB (a Go executable's is a few
 * hundred bytes) is read at once, a larger one a name at a time. Section
 * counts past 64K (e_shnum 0) and the SHN_XINDEX string table index are
 * read from section 0, as the ELF specification says. */
int elfsect_has(elfsect_read_fn rd, void *ctx, const char *name);

#endif
