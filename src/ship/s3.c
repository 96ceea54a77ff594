#include "s3.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gzpart.h"
#include "s3_key.h"
#include "s3_xml.h"

#define DEFAULT_PART ((size_t)8 << 20)
/* A reply body kept for its XML; S3's are a few hundred bytes. */
#define REPLY_MAX (64 * 1024)
/* zlib level: 1 deflates a heap dump at several times the speed of the
 * default 6 for a few percent more bytes, and the upload waits on it. */
#define GZIP_LEVEL 1

struct reply {
	char body[REPLY_MAX];
	size_t len;
	bool overflow;
	char etag[128];
	long long content_length; /* -1: none */
	char request_id[128];
	char bucket_region[64];
};

/* A request body in memory, read by libcurl. */
struct body {
	const unsigned char *data;
	size_t len, pos;
};

struct ctx {
	const struct s3_target *t;
	const char *key;
	CURL *curl;
	char url[S3_URL_MAX];
	char curl_err[CURL_ERROR_SIZE];
	char token_hdr[4096];
	struct reply *rep;
	EVP_MD_CTX *md;
	struct s3_result *res;
	const char *content_type;
};

/* ----------------------------------------------------------- callbacks */

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t len = size * n;
	for (size_t i = 0; i < len; i++) {
		bool space = p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t';
		/* Runs of whitespace are kept as one: S3 pads a slow
		 * CompleteMultipartUpload with it, which must not fill the buffer. */
		if (space && r->len && r->body[r->len - 1] == ' ')
			continue;
		if (r->len == sizeof r->body) {
			r->overflow = true;
			break;
		}
		r->body[r->len++] = space ? ' ' : p[i];
	}
	return len;
}

/* Copies a header's value (trimmed) when the line is "name: value". */
static bool header_value(const char *line, size_t len, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return false;
	const char *v = line + n + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t m = (size_t)(end - v);
	if (m >= size)
		m = size - 1;
	memcpy(out, v, m);
	out[m] = '\0';
	for (size_t i = 0; i < m; i++)
		if ((unsigned char)out[i] < 0x20)
			out[i] = ' ';
	return true;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t len = size * n;
	char num[32];
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* A new reply (after "100 Continue"): forget the last one's. */
		r->etag[0] = r->request_id[0] = r->bucket_region[0] = '\0';
		r->content_length = -1;
	} else if (header_value(p, len, "Content-Length", num, sizeof num)) {
		char *end;
		errno = 0;
		long long v = strtoll(num, &end, 10);
		r->content_length = errno || *end || end == num || v < 0 ? -1 : v;
	} else if (!header_value(p, len, "ETag", r->etag, sizeof r->etag) &&
		   !header_value(p, len, "x-amz-request-id", r->request_id, sizeof r->request_id)) {
		header_value(p, len, "x-amz-bucket-region", r->bucket_region,
			     sizeof r->bucket_region);
	}
	return len;
}

static size_t on_read(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t want = size * n, left = b->len - b->pos;
	if (want > left)
		want = left;
	memcpy(p, b->data + b->pos, want);
	b->pos += want;
	return want;
}

/* libcurl rewinds a body to send it again (a reused connection that was
 * closed, a 417 to Expect). */
static int on_seek(void *arg, curl_off_t offset, int origin)
{
	struct body *b = arg;
	if (origin != SEEK_SET || offset < 0 || (size_t)offset > b->len)
		return CURL_SEEKFUNC_CANTSEEK;
	b->pos = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

/* ------------------------------------------------------------- digests */

static int digest(EVP_MD_CTX *md, const EVP_MD *type, const void *data, size_t len,
		  unsigned char *out)
{
	unsigned int n;
	if (!EVP_DigestInit_ex(md, type, NULL) || !EVP_DigestUpdate(md, data, len) ||
	    !EVP_DigestFinal_ex(md, out, &n))
		return -EIO;
	return 0;
}

/* ------------------------------------------------------------ requests */

enum method { M_PUT, M_POST, M_HEAD, M_DELETE };

struct request {
	enum method method;
	const char *op;     /* for messages: "PUT", "UploadPart", ... */
	unsigned part;      /* for messages: the part, 0 if none */
	const char *query;  /* "" or "?..." */
	const unsigned char *data;
	size_t len;
	const char *content_type; /* NULL: none sent */
	bool md5;           /* send Content-MD5 */
	unsigned char md5_raw[16]; /* out: the body's MD5 when md5 */
	long stall_s;       /* no byte moved for this long ends it */
	bool cleanup;       /* an abort or delete after a failure: never cancelled */
	/* out */
	CURLcode cc;
	long status;
};

static int curl_errno(CURLcode cc)
{
	switch (cc) {
	case CURLE_ABORTED_BY_CALLBACK:
		return ECANCELED;
	case CURLE_OPERATION_TIMEDOUT:
		return ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return EHOSTUNREACH;
	case CURLE_OUT_OF_MEMORY:
		return ENOMEM;
	default:
		return EIO;
	}
}

static void add_header(struct curl_slist **l, bool *ok, const char *name, const char *v)
{
	char line[4200];
	snprintf(line, sizeof line, "%s: %s", name, v);
	struct curl_slist *n = curl_slist_append(*l, line);
	if (!n)
		*ok = false;
	else
		*l = n;
}

/* libcurl calls this about once a second and at each chunk moved: a
 * non-zero return ends the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int on_progress(void *flag, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return *(const volatile sig_atomic_t *)flag != 0;
}

/* Sends one request and keeps its reply in c->rep. Returns 0 when a reply
 * came (any status), else -errno of the transport with rq->cc set. */
static int perform(struct ctx *c, struct request *rq)
{
	const struct s3_target *t = c->t;
	char url[S3_URL_MAX + 1600];
	unsigned char sha[32];
	char sha_hex[65], md5_b64[32];
	if (snprintf(url, sizeof url, "%s%s", c->url, rq->query) >= (int)sizeof url ||
	    digest(c->md, EVP_sha256(), rq->data ? (const void *)rq->data : "", rq->len, sha) ||
	    (rq->md5 && digest(c->md, EVP_md5(), rq->data ? (const void *)rq->data : "",
			       rq->len, rq->md5_raw))) {
		rq->cc = CURLE_OUT_OF_MEMORY;
		return -ENOMEM;
	}
	s3_hex(sha, 32, sha_hex);
	if (rq->md5)
		EVP_EncodeBlock((unsigned char *)md5_b64, rq->md5_raw, 16);

	/* libcurl signs every header given here; it takes the payload's hash
	 * from x-amz-content-sha256 instead of hashing the body itself (which
	 * it can only do for POSTFIELDS). */
	struct curl_slist *h = NULL;
	bool ok = true;
	add_header(&h, &ok, "x-amz-content-sha256", sha_hex);
	if (rq->md5)
		add_header(&h, &ok, "Content-MD5", md5_b64);
	if (rq->content_type)
		add_header(&h, &ok, "Content-Type", rq->content_type);
	if (t->session_token[0])
		add_header(&h, &ok, "x-amz-security-token", t->session_token);
	if (!ok) {
		curl_slist_free_all(h);
		rq->cc = CURLE_OUT_OF_MEMORY;
		return -ENOMEM;
	}

	CURL *k = c->curl;
	struct body b = {.data = rq->data, .len = rq->len};
	char sigv4[128];
	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", t->region);
	c->rep->len = 0;
	c->rep->overflow = false;
	c->rep->etag[0] = c->rep->request_id[0] = c->rep->bucket_region[0] = '\0';
	c->rep->content_length = -1;
	c->curl_err[0] = '\0';

	/* The handle is reset, not remade: its connection stays open. */
	curl_easy_reset(k);
	curl_easy_setopt(k, CURLOPT_URL, url);
	curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(k, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	/* The URL as written is what is signed: no dot-segment squashing. */
	curl_easy_setopt(k, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k, CURLOPT_ERRORBUFFER, c->curl_err);
	curl_easy_setopt(k, CURLOPT_USERAGENT, "oomsentry-ship");
	curl_easy_setopt(k, CURLOPT_AWS_SIGV4, sigv4);
	/* Separate fields: a USERPWD "key:secret" would split at the first ':'. */
	curl_easy_setopt(k, CURLOPT_USERNAME, t->access_key);
	curl_easy_setopt(k, CURLOPT_PASSWORD, t->secret_key);
	curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT, t->timeout_s);
	curl_easy_setopt(k, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(k, CURLOPT_LOW_SPEED_TIME, rq->stall_s);
	curl_easy_setopt(k, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(k, CURLOPT_SSL_VERIFYPEER, t->verify_tls ? 1L : 0L);
	curl_easy_setopt(k, CURLOPT_SSL_VERIFYHOST, t->verify_tls ? 2L : 0L);
	if (t->ca_bundle[0])
		curl_easy_setopt(k, CURLOPT_CAINFO, t->ca_bundle);
	if (t->cancel && !rq->cleanup) {
		curl_easy_setopt(k, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(k, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(k, CURLOPT_XFERINFODATA, (void *)t->cancel);
	} else {
		curl_easy_setopt(k, CURLOPT_NOPROGRESS, 1L);
	}
	curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(k, CURLOPT_WRITEDATA, c->rep);
	curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(k, CURLOPT_HEADERDATA, c->rep);
	switch (rq->method) {
	case M_PUT:
		curl_easy_setopt(k, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(k, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(k, CURLOPT_READDATA, &b);
		curl_easy_setopt(k, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(k, CURLOPT_SEEKDATA, &b);
		curl_easy_setopt(k, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->len);
		break;
	case M_POST:
		curl_easy_setopt(k, CURLOPT_POST, 1L);
		curl_easy_setopt(k, CURLOPT_POSTFIELDS, rq->data ? (const char *)rq->data : "");
		curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
		break;
	case M_HEAD:
		curl_easy_setopt(k, CURLOPT_NOBODY, 1L);
		break;
	case M_DELETE:
		curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, "DELETE");
		break;
	}
	rq->cc = curl_easy_perform(k);
	rq->status = 0;
	curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &rq->status);
	curl_easy_setopt(k, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	c->res->http_status = rq->status;
	return rq->cc == CURLE_OK ? 0 : -curl_errno(rq->cc);
}

/* "OP [part N] s3://bucket/key: " */
static size_t what(const struct ctx *c, const struct request *rq, char *err, size_t errsz)
{
	char part[24] = "";
	if (rq->part)
		snprintf(part, sizeof part, " part %u", rq->part);
	int n = snprintf(err, errsz, "%s%s s3://%s/%s: ", rq->op, part, c->t->bucket, c->key);
	return n < 0 ? 0 : (size_t)n < errsz ? (size_t)n : errsz - 1;
}

/* The error of a request that failed: the transport's, or the status with
 * S3's Code and Message. Fills res. Returns -errno. */
static int fail_request(struct ctx *c, const struct request *rq, int e, char *err, size_t errsz)
{
	size_t at = what(c, rq, err, errsz);
	if (e) {
		snprintf(err + at, errsz - at, "%s",
			 c->curl_err[0] ? c->curl_err : curl_easy_strerror(rq->cc));
		return e;
	}
	struct s3_xml_reply x;
	const char *why = NULL;
	int r = c->rep->overflow ? -E2BIG : s3_xml_parse(c->rep->body, c->rep->len, &x, &why);
	if (r == 0 && x.kind == S3_XML_ERROR) {
		snprintf(c->res->code, sizeof c->res->code, "%s", x.code);
		snprintf(c->res->message, sizeof c->res->message, "%s", x.message);
		char extra[192] = "";
		if (strcmp(x.code, "InvalidAccessKeyId") == 0)
			snprintf(extra, sizeof extra, " (access key id %s)", c->t->access_key);
		else if (c->rep->bucket_region[0] &&
			 strcmp(c->rep->bucket_region, c->t->region) != 0)
			snprintf(extra, sizeof extra, " (the bucket is in %s, not %s)",
				 c->rep->bucket_region, c->t->region);
		snprintf(err + at, errsz - at, "%ld %s: %s%s", rq->status, x.code,
			 x.message[0] ? x.message : "(no message)", extra);
	} else if (c->rep->len == 0) {
		snprintf(err + at, errsz - at, "%ld%s%s", rq->status,
			 c->rep->bucket_region[0] ? " (the bucket is in " : "",
			 c->rep->bucket_region[0] ? c->rep->bucket_region : "");
		if (c->rep->bucket_region[0])
			snprintf(err + strlen(err), errsz - strlen(err), ")");
	} else {
		snprintf(err + at, errsz - at, "%ld (not an S3 error reply: %s)", rq->status,
			 r ? why : "no Error element");
	}
	if (rq->status == 401 || rq->status == 403)
		return -EACCES;
	if (rq->status == 404)
		return -ENOENT;
	if (rq->status >= 500 || (rq->status >= 200 && rq->status < 300))
		return -EIO;
	return r == 0 ? -EIO : -EPROTO;
}

/* Worth trying again: the connection failed, or the store said so. */
static bool transient(const struct ctx *c, const struct request *rq, int e)
{
	if (e)
		return rq->cc != CURLE_ABORTED_BY_CALLBACK &&
		       rq->cc != CURLE_PEER_FAILED_VERIFICATION && rq->cc != CURLE_SSL_CACERT_BADFILE &&
		       rq->cc != CURLE_URL_MALFORMAT && rq->cc != CURLE_OUT_OF_MEMORY &&
		       rq->cc != CURLE_UNSUPPORTED_PROTOCOL;
	if (rq->status >= 500)
		return true;
	if (rq->status == 400) {
		struct s3_xml_reply x;
		const char *why;
		return !c->rep->overflow && s3_xml_parse(c->rep->body, c->rep->len, &x, &why) == 0 &&
		       x.kind == S3_XML_ERROR &&
		       (strcmp(x.code, "RequestTimeout") == 0 || strcmp(x.code, "SlowDown") == 0);
	}
	return false;
}

/* A PUT (a single object or a part), tried up to S3_TRIES times. */
static int put_tries(struct ctx *c, struct request *rq, char *err, size_t errsz)
{
	for (int try = 1;; try++) {
		int e = perform(c, rq);
		if (!e && rq->status == 200)
			return 0;
		if (try == S3_TRIES || !transient(c, rq, e))
			return fail_request(c, rq, e, err, errsz);
		/* 1 s, then 2 s: a store that is briefly busy recovers. */
		struct timespec d = {.tv_sec = try};
		nanosleep(&d, NULL);
	}
}

/* ------------------------------------------------------------- uploads */

/* XML-escapes an ETag into the list for CompleteMultipartUpload. */
static int list_add(char **list, size_t *len, size_t *cap, unsigned part, const char *etag)
{
	char esc[6 * 128 + 1], item[1024];
	size_t o = 0;
	for (const char *p = etag; *p; p++) {
		const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
		if (rep) {
			memcpy(esc + o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			esc[o++] = *p;
		}
	}
	esc[o] = '\0';
	int n = snprintf(item, sizeof item, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>",
			 part, esc);
	if (n < 0 || (size_t)n >= sizeof item)
		return -EINVAL;
	if (*len + (size_t)n + 64 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		while (ncap < *len + (size_t)n + 64)
			ncap *= 2;
		char *l = realloc(*list, ncap);
		if (!l)
			return -ENOMEM;
		*list = l;
		*cap = ncap;
	}
	memcpy(*list + *len, item, (size_t)n + 1);
	*len += (size_t)n;
	return 0;
}

/* The store's ETag of a part or a PUT: is it the MD5 of what was sent? */
static bool etag_is_md5(const char *etag, const unsigned char md5[16])
{
	char hex[S3_ETAG_MAX];
	s3_etag_single(md5, hex);
	return s3_etag_equal(etag, hex);
}

static void abort_upload(struct ctx *c, const char *upload_id, char *err, size_t errsz)
{
	char q[1600];
	const char *why;
	if (s3_query(q, sizeof q, 0, upload_id, &why))
		return;
	struct s3_result keep = *c->res;
	struct request rq = {.method = M_DELETE, .op = "AbortMultipartUpload", .query = q,
			     .stall_s = c->t->timeout_s, .cleanup = true};
	int e = perform(c, &rq);
	*c->res = keep;
	size_t at = strlen(err);
	if (e || rq.status != 204) {
		/* A store that cannot be reached now keeps the parts until a
		 * lifecycle rule (AbortIncompleteMultipartUpload) removes them. */
		char why2[256];
		fail_request(c, &rq, e, why2, sizeof why2);
		*c->res = keep;
		snprintf(err + at, errsz - at, "; abort failed too, upload %s remains: %s",
			 upload_id, strstr(why2, ": ") ? strstr(why2, ": ") + 2 : why2);
	} else {
		snprintf(err + at, errsz - at, " (upload aborted)");
	}
}

static int single_put(struct ctx *c, const unsigned char *buf, size_t len, char *expect,
		      char *err, size_t errsz)
{
	struct request rq = {.method = M_PUT, .op = "PUT", .query = "", .data = buf, .len = len,
			     .content_type = c->content_type, .md5 = true,
			     .stall_s = c->t->timeout_s};
	int e = put_tries(c, &rq, err, errsz);
	if (e)
		return e;
	s3_etag_single(rq.md5_raw, expect);
	c->res->etag_checked = etag_is_md5(c->rep->etag, rq.md5_raw);
	c->res->bytes_sent = len;
	return 0;
}

static int create_upload(struct ctx *c, char *upload_id, size_t size, char *err, size_t errsz)
{
	/* "uploads=", not "uploads": libcurl signs the query as written, and
	 * SigV4's canonical form of a bare parameter has the '='. */
	struct request rq = {.method = M_POST, .op = "CreateMultipartUpload", .query = "?uploads=",
			     .content_type = c->content_type, .stall_s = c->t->timeout_s};
	int e = perform(c, &rq);
	if (e || rq.status != 200)
		return fail_request(c, &rq, e, err, errsz);
	struct s3_xml_reply x;
	const char *why = NULL;
	int r = c->rep->overflow ? -E2BIG : s3_xml_parse(c->rep->body, c->rep->len, &x, &why);
	if (r || x.kind != S3_XML_INITIATE) {
		size_t at = what(c, &rq, err, errsz);
		snprintf(err + at, errsz - at, "200 without an UploadId: %s",
			 r ? (why ? why : "reply too large") : x.root);
		return -EPROTO;
	}
	snprintf(upload_id, size, "%s", x.upload_id);
	return 0;
}

static int complete_upload(struct ctx *c, const char *upload_id, const char *list, size_t len,
			   char *err, size_t errsz)
{
	char q[1600];
	const char *why;
	int e = s3_query(q, sizeof q, 0, upload_id, &why);
	if (e) {
		snprintf(err, errsz, "CompleteMultipartUpload s3://%s/%s: %s", c->t->bucket,
			 c->key, why);
		return e;
	}
	struct request rq = {.method = M_POST, .op = "CompleteMultipartUpload", .query = q,
			     .data = (const unsigned char *)list, .len = len,
			     .content_type = "application/xml", .stall_s = 10 * c->t->timeout_s};
	e = perform(c, &rq);
	if (e || rq.status != 200)
		return fail_request(c, &rq, e, err, errsz);
	/* 200 is sent before the parts are assembled: the body says how it
	 * ended, an <Error> as much as a result. */
	struct s3_xml_reply x;
	int r = c->rep->overflow ? -E2BIG : s3_xml_parse(c->rep->body, c->rep->len, &x, &why);
	if (r == 0 && x.kind == S3_XML_ERROR)
		return fail_request(c, &rq, 0, err, errsz);
	if (r || x.kind != S3_XML_COMPLETE) {
		size_t at = what(c, &rq, err, errsz);
		snprintf(err + at, errsz - at, "200 without a result: %s",
			 r ? (why ? why : "reply too large") : x.root);
		return -EPROTO;
	}
	snprintf(c->res->etag, sizeof c->res->etag, "%s", x.etag);
	return 0;
}

/* Parts from the buffer, the first one already in it (first bytes). */
static int multipart(struct ctx *c, struct gzpart *g, unsigned char *buf, size_t part_size,
		     size_t first, unsigned max_parts, char *expect, char *err, size_t errsz)
{
	char upload_id[sizeof((struct s3_xml_reply *)0)->upload_id];
	int e = create_upload(c, upload_id, sizeof upload_id, err, errsz);
	if (e)
		return e;

	static const char head[] =
		"<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
	static const char tail[] = "</CompleteMultipartUpload>";
	char *list = NULL;
	size_t len = 0, cap = 0;
	bool all_md5 = true;
	/* The ETag S3 gives a multipart object comes from the parts' MD5s; a
	 * few stores (s3rver) give the MD5 of the whole object instead. Both
	 * are computed, and the form of the store's answer picks the one to
	 * compare with: a corrupted object matches neither. */
	EVP_MD_CTX *md5s = EVP_MD_CTX_new(), *whole = EVP_MD_CTX_new();
	cap = 4096;
	list = malloc(cap);
	if (!md5s || !whole || !EVP_DigestInit_ex(md5s, EVP_md5(), NULL) ||
	    !EVP_DigestInit_ex(whole, EVP_md5(), NULL) || !list) {
		snprintf(err, errsz, "out of memory");
		e = -ENOMEM;
		goto out;
	}
	memcpy(list, head, sizeof head);
	len = sizeof head - 1;

	size_t n = first;
	for (unsigned part = 1; n > 0; part++) {
		if (part > max_parts) {
			snprintf(err, errsz, "s3://%s/%s: more than %u parts of %zu bytes",
				 c->t->bucket, c->key, max_parts, part_size);
			e = -EFBIG;
			goto out;
		}
		char q[1600];
		const char *why;
		e = s3_query(q, sizeof q, part, upload_id, &why);
		if (e) {
			snprintf(err, errsz, "UploadPart s3://%s/%s: %s", c->t->bucket, c->key, why);
			goto out;
		}
		struct request rq = {.method = M_PUT, .op = "UploadPart", .part = part, .query = q,
				     .data = buf, .len = n, .md5 = true,
				     .stall_s = c->t->timeout_s};
		e = put_tries(c, &rq, err, errsz);
		if (e)
			goto out;
		if (!c->rep->etag[0]) {
			size_t at = what(c, &rq, err, errsz);
			snprintf(err + at, errsz - at, "200 without an ETag");
			e = -EPROTO;
			goto out;
		}
		all_md5 = all_md5 && etag_is_md5(c->rep->etag, rq.md5_raw);
		EVP_DigestUpdate(md5s, rq.md5_raw, 16);
		EVP_DigestUpdate(whole, buf, n);
		e = list_add(&list, &len, &cap, part, c->rep->etag);
		if (e) {
			snprintf(err, errsz, "UploadPart part %u s3://%s/%s: bad ETag %s", part,
				 c->t->bucket, c->key, c->rep->etag);
			goto out;
		}
		c->res->bytes_sent += n;
		c->res->parts = part;
		ssize_t got = gzpart_fill(g, buf, part_size, err, errsz);
		if (got < 0) {
			e = (int)got;
			goto out;
		}
		n = (size_t)got;
	}
	memcpy(list + len, tail, sizeof tail);
	len += sizeof tail - 1;
	e = complete_upload(c, upload_id, list, len, err, errsz);
	if (!e) {
		unsigned char sum[16];
		unsigned int sn;
		if (strchr(c->res->etag, '-')) {
			EVP_DigestFinal_ex(md5s, sum, &sn);
			s3_etag_multipart(sum, c->res->parts, expect);
		} else {
			EVP_DigestFinal_ex(whole, sum, &sn);
			s3_etag_single(sum, expect);
		}
		c->res->etag_checked = all_md5;
	}
out:
	if (e)
		abort_upload(c, upload_id, err, errsz);
	EVP_MD_CTX_free(md5s);
	EVP_MD_CTX_free(whole);
	free(list);
	return e;
}

/* HEAD: the store holds what was sent. An object that does not check out
 * is deleted: a wrong dump is worse than none. */
static int verify(struct ctx *c, const char *expect, char *err, size_t errsz)
{
	struct request rq = {.method = M_HEAD, .op = "HEAD", .query = "",
			     .stall_s = c->t->timeout_s};
	int e = perform(c, &rq);
	if (e || rq.status != 200)
		return fail_request(c, &rq, e, err, errsz);
	char got[sizeof c->rep->etag];
	snprintf(got, sizeof got, "%s", c->rep->etag);
	size_t at = what(c, &rq, err, errsz);
	if (c->rep->content_length < 0 || (uint64_t)c->rep->content_length != c->res->bytes_sent)
		snprintf(err + at, errsz - at, "the object has %lld bytes, %llu were sent",
			 c->rep->content_length, (unsigned long long)c->res->bytes_sent);
	else if (c->res->etag_checked && !s3_etag_equal(got, expect))
		snprintf(err + at, errsz - at, "the object's ETag is %s, expected %s", got, expect);
	else {
		err[0] = '\0';
		if (got[0]) {
			size_t n = strlen(got);
			bool q = n >= 2 && got[0] == '"' && got[n - 1] == '"';
			snprintf(c->res->etag, sizeof c->res->etag, "%.*s", (int)(q ? n - 2 : n),
				 got + (q ? 1 : 0));
		}
		return 0;
	}
	struct s3_result keep = *c->res;
	struct request del = {.method = M_DELETE, .op = "DELETE", .query = "",
			      .stall_s = c->t->timeout_s, .cleanup = true};
	e = perform(c, &del);
	*c->res = keep;
	snprintf(err + strlen(err), errsz - strlen(err), "%s",
		 !e && del.status == 204 ? " (object deleted)" : " (deleting it failed)");
	return -EBADMSG;
}

static int check_target(const struct s3_target *t, char *err, size_t errsz)
{
	const char *bad = !t->endpoint ? "endpoint" : !t->region ? "region" : !t->bucket ? "bucket"
		: !t->access_key || !t->access_key[0] ? "access key"
		: !t->secret_key || !t->secret_key[0] ? "secret key"
		: !t->session_token ? "session token" : !t->ca_bundle ? "CA bundle"
		: t->timeout_s <= 0 ? "timeout" : NULL;
	if (!bad && (strchr(t->session_token, '\n') || strchr(t->session_token, '\r') ||
		     strlen(t->session_token) > 4000))
		bad = "session token";
	if (!bad && (!t->region[0] || strlen(t->region) > 64 || strchr(t->region, ':')))
		bad = "region";
	if (bad) {
		snprintf(err, errsz, "s3: missing or bad %s", bad);
		return -EINVAL;
	}
	return 0;
}

int s3_upload(const struct s3_target *t, const char *key, int fd, bool compress,
	      size_t part_size, struct s3_result *res, char *err, size_t errsz)
{
	memset(res, 0, sizeof *res);
	if (errsz)
		err[0] = '\0';
	int e = check_target(t, err, errsz);
	if (e)
		return e;
	struct ctx c = {.t = t, .key = key, .res = res};
	const char *why;
	e = s3_url(c.url, sizeof c.url, t->endpoint, t->region, t->bucket, t->path_style, key,
		   &why);
	if (e) {
		snprintf(err, errsz, "s3://%s/%s: %s", t->bucket, key, why);
		return e;
	}

	/* The plan: by the file's size when it has one (a compressed stream is
	 * at most gzpart_bound of it), else parts of part_size. */
	struct stat st;
	if (fstat(fd, &st) < 0) {
		e = -errno;
		snprintf(err, errsz, "s3://%s/%s: fstat: %s", t->bucket, key, strerror(-e));
		return e;
	}
	bool known = S_ISREG(st.st_mode);
	uint64_t size = 0;
	if (known) {
		off_t at = lseek(fd, 0, SEEK_CUR);
		size = at >= 0 && at <= st.st_size ? (uint64_t)(st.st_size - at) : 0;
		if (compress)
			size = gzpart_bound(size);
	}
	unsigned parts;
	e = s3_plan_parts(size, known, part_size ? part_size : DEFAULT_PART, &part_size, &parts,
			  &why);
	if (e) {
		snprintf(err, errsz, "s3://%s/%s: %s", t->bucket, key, why);
		return e;
	}
	/* A file that grows while it is read may take the parts up to S3's
	 * limit; past that the upload fails rather than lose the end. */
	unsigned max_parts = S3_PARTS_MAX;

	struct gzpart g;
	e = gzpart_open(&g, fd, NULL, compress, GZIP_LEVEL, err, errsz);
	if (e)
		return e;
	/* Compressing, the body is gzip either way (made or passed through). */
	c.content_type = compress ? "application/gzip" : "application/octet-stream";
	unsigned char *buf = malloc(part_size);
	c.rep = malloc(sizeof *c.rep);
	c.md = EVP_MD_CTX_new();
	if (!buf || !c.rep || !c.md) {
		snprintf(err, errsz, "out of memory for a part of %zu bytes", part_size);
		e = -ENOMEM;
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c.curl = curl_easy_init())) {
		snprintf(err, errsz, "libcurl failed to start");
		e = -ENOMEM;
		goto out_curl;
	}

	char expect[S3_ETAG_MAX] = "";
	ssize_t n = gzpart_fill(&g, buf, part_size, err, errsz);
	if (n < 0) {
		e = (int)n;
	} else if ((size_t)n < part_size || gzpart_done(&g)) {
		e = single_put(&c, buf, (size_t)n, expect, err, errsz);
	} else {
		e = multipart(&c, &g, buf, part_size, (size_t)n, max_parts, expect, err, errsz);
	}
	if (!e)
		e = verify(&c, expect, err, errsz);
	curl_easy_cleanup(c.curl);
out_curl:
	curl_global_cleanup();
out:
	EVP_MD_CTX_free(c.md);
	free(c.rep);
	free(buf);
	gzpart_close(&g);
	return e;
}
