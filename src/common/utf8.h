/* utf8: one well-formed UTF-8 character (RFC 3629): no overlong forms, no
 * surrogates, nothing past U+10FFFF. Shared by every writer of text that
 * must stay valid whatever a process calls itself (Prometheus labels, XML,
 * JSON, S3 keys). Pure; libc only. */
#ifndef OOMSENTRY_UTF8_H
#define OOMSENTRY_UTF8_H

#include <stddef.h>

/* The length (1 to 4) of the character at s, of at most left bytes, or 0
 * when it is not well-formed. *cp (when not NULL) gets its code point. A
 * NUL-terminated string may pass any left: a NUL is never a continuation
 * byte. */
size_t utf8_char(const unsigned char *s, size_t left, unsigned *cp);

#endif
