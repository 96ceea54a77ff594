/* s3: uploads one file to AWS S3 or an S3-compatible store, and checks that
 * what the store holds is what was sent.
 *
 * The body goes in parts of part_size bytes from a single buffer (gzpart.c
 * fills it, compressing unless the file is gzip already), so memory is one
 * part plus a fixed overhead (zlib's state, 64 KiB of input, 64 KiB for a
 * reply) and about 100 bytes a part for the list CompleteMultipartUpload
 * needs. A body that fits in one part is one PUT; a larger one a multipart
 * upload (CreateMultipartUpload, UploadPart for each part, then
 * CompleteMultipartUpload); if anything fails after the upload was created
 * it is aborted (AbortMultipartUpload), so no object appears under the key
 * and no parts are left to pay for. Each part, and a single PUT, is tried
 * up to S3_TRIES times when the connection fails or the store answers 5xx
 * or 400 RequestTimeout.
 *
 * Requests are signed with Signature V4 by libcurl (CURLOPT_AWS_SIGV4,
 * "aws:amz:REGION:s3"). Every body is in memory, so its SHA-256 goes in
 * x-amz-content-sha256 and is signed (the signature then covers the bytes,
 * over plain http too) and its MD5 in Content-MD5 (S3 refuses a part whose
 * bytes do not match: BadDigest).
 *
 * Then the object is checked: HEAD must give a Content-Length equal to the
 * bytes sent and, when the store's ETags are MD5s (S3 without SSE-KMS or
 * SSE-C, which it shows by the ETags of the parts), the ETag computed here:
 * for a multipart object S3's "MD5 of the parts' MD5s-N", or the MD5 of the
 * whole body for stores that give that instead (s3rver does). An object that
 * fails the check is deleted.
 *
 * Bounded in time: connecting may take timeout_s, and a request that moves
 * no byte for timeout_s is ended (CompleteMultipartUpload, which S3 may take
 * minutes over, gets ten times that). TLS peers are verified unless
 * verify_tls is false. Blocking; not for a thread that must stay responsive.
 * Calls curl_global_init, so the first call must be made while the program
 * has a single thread. */
#ifndef OOMSENTRY_S3_H
#define OOMSENTRY_S3_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S3_TRIES 3

struct s3_target {
	const char *endpoint; /* "" = AWS; "http(s)://HOST[:PORT][/BASE]" otherwise */
	const char *region;   /* signed into every request; "us-east-1" for most stores */
	const char *bucket;
	bool path_style;      /* ENDPOINT/BUCKET/KEY instead of BUCKET.HOST/KEY */
	const char *access_key, *secret_key;
	const char *session_token; /* "" = none; else sent as x-amz-security-token */
	const char *ca_bundle;     /* "" = the system's CAs; else a PEM file */
	bool verify_tls;
	long timeout_s; /* connect timeout, and the longest a request may stall */
	/* NULL, or a flag a signal handler sets to stop: the transfer under
	 * way ends at once, a multipart upload is aborted and nothing appears
	 * under the key; s3_upload returns -ECANCELED. */
	const volatile sig_atomic_t *cancel;
};

struct s3_result {
	long http_status;  /* of the last reply (the failing one on error) */
	char code[64];     /* S3's error Code, "" if none */
	char message[256]; /* S3's error Message, one line */
	char etag[80];     /* the object's ETag, unquoted */
	uint64_t bytes_sent; /* the object's size: compressed bytes when compressing */
	unsigned parts;    /* 0 for a single PUT */
	bool etag_checked; /* false: the store's ETags are not MD5s, only the size was checked */
};

/* Uploads fd, from its current offset to its end, to key (not encoded; see
 * s3_key_join) in t's bucket. compress: gzip on the way unless the bytes are
 * gzip already (the caller names the key: add ".gz" when gzpart_sniff says
 * the file is not gzip). part_size: see s3_plan_parts; 0 for 8 MiB.
 * Returns 0, or -errno with err one line naming the operation, the object,
 * the HTTP status and S3's Code and Message ("PUT s3://b/k: 403
 * SignatureDoesNotMatch: The request signature we calculated does not
 * match ..."): -EACCES 401/403, -ENOENT 404, -EIO 5xx or another failed
 * request, -ETIMEDOUT a stall, -ECONNREFUSED, -EHOSTUNREACH, -EPROTO a
 * reply that is not S3's, -EBADMSG the object did not check out, -EINVAL
 * bad arguments, -EFBIG too large, -ENOMEM, or a read error of fd. */
int s3_upload(const struct s3_target *t, const char *key, int fd, bool compress,
	      size_t part_size, struct s3_result *res, char *err, size_t errsz);

#endif
