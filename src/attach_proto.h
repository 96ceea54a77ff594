/* attach_proto: HotSpot's dynamic-attach protocol (version 1), the bytes on
 * the wire, and the two facts of /proc/PID/status the attach needs beyond
 * procscan's. Pure; jvm_attach.c does the I/O.
 *
 * A request is "1\0" then the command and exactly three arguments, each
 * NUL-terminated (empty when unused): "1\0jcmd\0GC.class_histogram\0\0\0".
 * The reply is a decimal status line ("0\n" is success) followed by the
 * command's output until the JVM closes the connection. The status is a
 * jint written with "%d\n": a failing jcmd answers "-1\n" (JNI_ERR) and the
 * exception's text, a bad protocol version "101\n". (JDK 17's
 * attachListener_linux.cpp; JDK 24 adds a version 2 that a version-1
 * request still gets.) */
#ifndef OOMSENTRY_ATTACH_PROTO_H
#define OOMSENTRY_ATTACH_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ATTACH_ARGS 3
/* HotSpot refuses a command name longer than this, and an argument longer
 * than ATTACH_ARG_MAX (AttachOperation::name_length_max, arg_length_max):
 * it closes the connection without a reply. */
#define ATTACH_NAME_MAX 16
#define ATTACH_ARG_MAX 1024
/* The longest request: "1\0", the name, three arguments, each with its NUL. */
#define ATTACH_REQUEST_MAX (2 + ATTACH_NAME_MAX + 1 + ATTACH_ARGS * (ATTACH_ARG_MAX + 1))
/* A status line is at most "-2147483648\n" (12 bytes); past 16 bytes without
 * a newline the peer is not a JVM. */
#define ATTACH_STATUS_LINE_MAX 16

/* Builds a request for cmd with up to three args (args NULL, or any of them
 * NULL = empty). Returns its length, or -EINVAL (cmd empty or longer than
 * ATTACH_NAME_MAX, an argument longer than ATTACH_ARG_MAX) / -ENOBUFS. */
ssize_t attach_request(char *buf, size_t size, const char *cmd,
		       const char *const args[ATTACH_ARGS]);

/* Reads the status line at the head of a reply received so far (buf, len).
 * Returns the bytes the status line takes (the output starts there) with
 * *status set; 0 when more bytes are needed; -EPROTO when it cannot be a
 * reply: anything but an optional '-' and 1 to 10 digits before the newline,
 * a value outside int, an empty line. A prefix that could still become a
 * status line is never refused, and nothing longer than
 * ATTACH_STATUS_LINE_MAX bytes is ever waited for. */
ssize_t attach_reply_status(const char *buf, size_t len, int *status);

/* From /proc/PID/status, what procscan's proc_parse_status does not read. */
struct attach_ids {
	pid_t nspid;   /* the last field of "NSpid:", the pid in the process's own
			* PID namespace (HotSpot names its files with it); 0 when
			* the line is absent (kernels before 4.1) */
	gid_t egid;    /* the effective gid, second field of "Gid:" */
};
/* Returns 0, or -EINVAL when a Gid line is missing or either line is
 * garbled: anything but blank-separated decimals of 32 bits (a Gid line of
 * 2 to 4, an NSpid line of 1 to 64 in 1..INT32_MAX). buf is NUL-terminated. */
int attach_parse_status(const char *buf, struct attach_ids *out);

/* The class in the first row of GC.class_histogram's output (buf, len;
 * need not be NUL-terminated):
 *    num     #instances         #bytes  class name (module)
 *   -------------------------------------------------------
 *      1:        102400      107374592  [B (java.base@17.0.15)
 * The row is the line that starts with spaces and "1: ", then spaces,
 * #instances and #bytes each followed by spaces; the name ends at a blank,
 * any control byte (NUL included) or DEL, or at len. Copies "[B" into cls
 * and returns its length; 0 when there is no such row, the row is garbled,
 * or the name does not fit in size - 1 bytes (nor in a row's first 511). */
size_t attach_histogram_top(const char *buf, size_t len, char *cls, size_t size);

#endif
