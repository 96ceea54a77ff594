/* s3_xml: the few facts oomsentry-ship needs from S3's XML replies, read
 * from a buffer.
 *
 *   InitiateMultipartUploadResult  -> UploadId
 *   CompleteMultipartUploadResult  -> ETag
 *   Error                          -> Code, Message, RequestId
 *
 * CompleteMultipartUpload can answer "200 OK" and still fail: S3 sends the
 * status before it has assembled the parts (and whitespace meanwhile to keep
 * the connection open), then an <Error> body. A caller tells the two apart by
 * the kind, never by the status.
 *
 * Only the children of the root element are read; deeper elements are
 * walked over (their tags must still match). Text may hold the five named
 * entities, numeric references (written out as UTF-8) and CDATA sections; a
 * DOCTYPE or any other entity is refused, so nothing expands. A namespace
 * prefix ("s3:Code") is ignored. Whitespace around the document, and between
 * its declaration and its root, is allowed: S3's keep-alive padding.
 *
 * Outputs are bounded by their arrays. Code, Message and RequestId become one
 * line (control characters turn into spaces); a Message too long is cut at a
 * UTF-8 boundary and ends in "...". An UploadId or ETag that does not fit is
 * an error, never cut: a cut one would name another upload. The ETag is kept
 * without its quotes.
 *
 * Pure: no I/O, no allocation. */
#ifndef OOMSENTRY_S3_XML_H
#define OOMSENTRY_S3_XML_H

#include <stddef.h>

/* A reply larger than this is refused (-E2BIG): S3's are a few hundred bytes,
 * plus the whitespace of a long CompleteMultipartUpload. */
#define S3_XML_MAX (1024 * 1024)
/* Elements nested deeper than this are refused (-EPROTO). */
#define S3_XML_DEPTH_MAX 16

enum s3_xml_kind {
	S3_XML_OTHER,    /* a well-formed document with another root */
	S3_XML_ERROR,    /* <Error>: code (never empty), message, request_id */
	S3_XML_INITIATE, /* <InitiateMultipartUploadResult>: upload_id (never empty) */
	S3_XML_COMPLETE, /* <CompleteMultipartUploadResult>: etag (never empty) */
};

struct s3_xml_reply {
	enum s3_xml_kind kind;
	char root[64];        /* local name of the root element, cut to fit */
	char upload_id[512];  /* AWS's are about 100 bytes; other stores vary */
	char etag[80];        /* unquoted: "<32 hex>-<parts>" at most 42 bytes on S3 */
	char code[64];
	char message[256];
	char request_id[128];
};

/* Parses len bytes of buf (no terminator needed). Returns 0 with *r filled
 * (fields not in the document are ""), or with *why a short static reason:
 * -E2BIG len > S3_XML_MAX, -EPROTO not well-formed or truncated (an empty
 * body included), -ENODATA a known root without its required field, or with
 * an UploadId or ETag too long for its array. */
int s3_xml_parse(const char *buf, size_t len, struct s3_xml_reply *r, const char **why);

const char *s3_xml_kind_name(enum s3_xml_kind kind);

#endif
