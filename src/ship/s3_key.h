/* s3_key: where an object goes and how the request names it.
 *
 * Keys are PREFIX/NAMESPACE/POD/FILE. URLs follow Signature V4's rules for S3
 * exactly, because the URL as written is what libcurl signs: its canonical
 * URI is our path as is, its canonical query our query as is (libcurl 7.88
 * neither sorts nor re-encodes them). So every byte of a key but the
 * unreserved A-Z a-z 0-9 - _ . ~ and '/' is percent-encoded with upper-case
 * hex, query parameters are written in sorted order, and a parameter without
 * a value is written with its '=' ("?uploads=", as SigV4's canonical form
 * has it).
 *
 * Also the multipart plan (S3's limits: parts of 5 MiB to 5 GiB but the
 * last, at most 10000 of them) and the ETags S3 gives: the hex MD5 of the
 * body for a single PUT, and for a multipart upload the hex MD5 of the
 * concatenated binary MD5s of the parts, then "-" and the number of parts.
 *
 * Pure: no I/O, no allocation. Returns 0 or -errno with *why a short static
 * reason. */
#ifndef OOMSENTRY_S3_KEY_H
#define OOMSENTRY_S3_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S3_KEY_MAX 1024 /* bytes of UTF-8, S3's limit */
/* A URL: scheme, host, bucket, a key encoded (up to 3 bytes a byte), query. */
#define S3_URL_MAX (3 * S3_KEY_MAX + 1024)

#define S3_PART_MIN ((size_t)5 << 20)
#define S3_PART_MAX ((uint64_t)5 << 30)
#define S3_PARTS_MAX 10000u

/* MD5 hex, or MD5 hex + "-10000", and the terminator. */
#define S3_ETAG_MAX 40

/* Joins the parts with '/'. Each part may hold '/' itself (a PREFIX like
 * "team/dumps/"); empty parts and empty segments are skipped, so no "//"
 * and no leading or trailing '/'. file must give at least one segment.
 * Refused (-EINVAL): a segment "." or ".." (a path-normalizing proxy or tool
 * would turn the key into another), control characters, invalid UTF-8;
 * -ENAMETOOLONG beyond S3_KEY_MAX bytes. */
int s3_key_join(char *out, size_t size, const char *prefix, const char *ns, const char *pod,
		const char *file, const char **why);

/* SigV4's URI encoding of s: unreserved bytes as they are, '/' as is when
 * keep_slash (a path) or as %2F (a query value), every other byte %XX.
 * -ENAMETOOLONG if it does not fit. */
int s3_uri_encode(char *out, size_t size, const char *s, bool keep_slash, const char **why);

/* The object's URL, without query.
 *   endpoint "" (AWS): https://BUCKET.s3.REGION.amazonaws.com/KEY, or
 *                      https://s3.REGION.amazonaws.com/BUCKET/KEY path-style;
 *   endpoint "SCHEME://HOST[:PORT][/BASE]" (a trailing '/' ignored; without
 *   a scheme, https): SCHEME://BUCKET.HOST[:PORT][/BASE]/KEY, or
 *   ENDPOINT/BUCKET/KEY path-style.
 * Virtual-hosted style needs a bucket name that is a DNS label sequence:
 * lower-case letters, digits, '-' and '.' (-EINVAL otherwise: use
 * path-style). region: letters, digits and '-', needed for AWS. */
int s3_url(char *out, size_t size, const char *endpoint, const char *region,
	   const char *bucket, bool path_style, const char *key, const char **why);

/* "?uploadId=ID" (part 0) or "?partNumber=N&uploadId=ID", ID encoded. */
int s3_query(char *out, size_t size, unsigned part, const char *upload_id, const char **why);

/* The plan of an upload. size_known: size is the body's size (or an upper
 * bound of it, such as a compressed stream's); the part size is then wanted,
 * or if that needs more than S3_PARTS_MAX parts the smallest multiple of
 * 1 MiB that does not, and *parts their number (1 when the body fits in one
 * part: a single PUT). Unknown size: the part size is wanted (at least S3_PART_MIN) and
 * *parts 0; the stream may then reach part_size * S3_PARTS_MAX bytes.
 * wanted below S3_PART_MIN is raised to it. -EFBIG beyond 5 TiB or
 * when the part size would pass S3_PART_MAX, -EINVAL for wanted above it. */
int s3_plan_parts(uint64_t size, bool size_known, size_t wanted, size_t *part_size,
		  unsigned *parts, const char **why);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void s3_hex(const unsigned char *b, size_t n, char *out);

/* The ETag of a single PUT: the hex MD5 of the body. */
void s3_etag_single(const unsigned char md5[16], char out[S3_ETAG_MAX]);
/* The ETag of a multipart upload of parts parts, from md5_of_md5s: the MD5
 * of the concatenated 16-byte MD5s of the parts, in part order. */
void s3_etag_multipart(const unsigned char md5_of_md5s[16], unsigned parts,
		       char out[S3_ETAG_MAX]);

/* Are two ETags the same, once quotes are taken off and hex case folded? */
bool s3_etag_equal(const char *a, const char *b);

#endif
