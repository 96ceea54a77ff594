/* What every fuzz harness needs: libFuzzer's bytes turned into the C strings
 * the parsers take, output buffers that ASan guards to the byte, and a check
 * that aborts (which libFuzzer reports as a crash) when an invariant breaks. */
#ifndef OOMSENTRY_FUZZ_H
#define OOMSENTRY_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                         \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "invariant broken: %s: ", #cond);             \
			fprintf(stderr, __VA_ARGS__);                                 \
			fputc('\n', stderr);                                          \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* A NUL-terminated heap copy of data: a parser reading past the terminator
 * reads past the allocation, which ASan reports. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An output buffer of exactly size bytes, filled with garbage so that a
 * missing terminator shows. */
static inline char *fuzz_outbuf(size_t size)
{
	char *b = malloc(size ? size : 1);
	if (!b)
		abort();
	memset(b, 0xa5, size);
	return b;
}

/* Is there a NUL in the first size bytes of buf? */
static inline bool fuzz_terminated(const char *buf, size_t size)
{
	return memchr(buf, '\0', size) != NULL;
}

/* Splits data at every sep into at most max heap strings (each its own
 * allocation, each NUL-terminated); the rest of the input is dropped.
 * Returns how many; free them with fuzz_free_strings. */
static inline int fuzz_split(const uint8_t *data, size_t size, char sep, char **out, int max)
{
	int n = 0;
	size_t start = 0;
	for (size_t i = 0; i <= size && n < max; i++) {
		if (i == size || data[i] == (uint8_t)sep) {
			out[n++] = fuzz_cstr(data + start, i - start);
			start = i + 1;
		}
	}
	return n;
}

static inline void fuzz_free_strings(char **s, int n)
{
	for (int i = 0; i < n; i++)
		free(s[i]);
}

#endif
