#include "s3_key.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

#define MIB ((uint64_t)1 << 20)
#define OBJECT_MAX ((uint64_t)5 << 40) /* S3's largest object, 5 TiB */

/* Appends the segments of part to out at *len. */
static int add_part(char *out, size_t size, size_t *len, const char *part, unsigned *segments,
		    const char **why)
{
	const char *p = part;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *seg = p;
		while (*p && *p != '/') {
			unsigned char c = (unsigned char)*p;
			if (c < 0x20 || c == 0x7f) {
				*why = "control character in key";
				return -EINVAL;
			}
			size_t n = utf8_char((const unsigned char *)p, 4, NULL);
			if (!n) {
				*why = "key is not UTF-8";
				return -EINVAL;
			}
			p += n;
		}
		size_t n = (size_t)(p - seg);
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')) {
			*why = "\".\" or \"..\" in key";
			return -EINVAL;
		}
		size_t need = *len + (*len ? 1 : 0) + n;
		if (need > S3_KEY_MAX || need >= size) {
			*why = "key too long";
			return -ENAMETOOLONG;
		}
		if (*len)
			out[(*len)++] = '/';
		memcpy(out + *len, seg, n);
		*len += n;
		++*segments;
	}
	return 0;
}

int s3_key_join(char *out, size_t size, const char *prefix, const char *ns, const char *pod,
		const char *file, const char **why)
{
	const char *parts[] = {prefix, ns, pod, file};
	size_t len = 0;
	unsigned segments = 0;
	*why = NULL;
	if (!size) {
		*why = "key too long";
		return -ENAMETOOLONG;
	}
	out[0] = '\0';
	for (int i = 0; i < 4; i++) {
		unsigned before = segments;
		int e = parts[i] ? add_part(out, size, &len, parts[i], &segments, why) : 0;
		if (e) {
			out[0] = '\0';
			return e;
		}
		if (i == 3 && segments == before) {
			*why = "no file name";
			out[0] = '\0';
			return -EINVAL;
		}
	}
	out[len] = '\0';
	return 0;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

int s3_uri_encode(char *out, size_t size, const char *s, bool keep_slash, const char **why)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool plain = unreserved(*p) || (keep_slash && *p == '/');
		if (o + (plain ? 1 : 3) >= size) {
			*why = "URL too long";
			if (size)
				out[0] = '\0';
			return -ENAMETOOLONG;
		}
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (o >= size) {
		*why = "URL too long";
		return -ENAMETOOLONG;
	}
	out[o] = '\0';
	return 0;
}

static bool dns_bucket(const char *b)
{
	size_t n = strlen(b);
	if (n < 3 || n > 63)
		return false;
	for (const char *p = b; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.'))
			return false;
	return b[0] != '-' && b[0] != '.' && b[n - 1] != '-' && b[n - 1] != '.' &&
	       !strstr(b, "..");
}

/* An IP literal cannot take a bucket in front of it. */
static bool ip_literal(const char *host, size_t n)
{
	if (n && host[0] == '[')
		return true;
	for (size_t i = 0; i < n && host[i] != ':'; i++)
		if (!((host[i] >= '0' && host[i] <= '9') || host[i] == '.'))
			return false;
	return true;
}

/* Splits "SCHEME://HOST[:PORT][/BASE]" into its parts, checked. */
static int split_endpoint(const char *ep, const char **scheme, size_t *scheme_n,
			  const char **host, size_t *host_n, const char **base, size_t *base_n,
			  const char **why)
{
	const char *sep = strstr(ep, "://");
	*scheme = "https";
	*scheme_n = 5;
	if (sep) {
		*scheme = ep;
		*scheme_n = (size_t)(sep - ep);
		if (!((*scheme_n == 4 && strncmp(ep, "http", 4) == 0) ||
		      (*scheme_n == 5 && strncmp(ep, "https", 5) == 0))) {
			*why = "endpoint scheme must be http or https";
			return -EINVAL;
		}
		ep = sep + 3;
	}
	*host = ep;
	*host_n = strcspn(ep, "/");
	*base = ep + *host_n;
	*base_n = strlen(*base);
	while (*base_n && (*base)[*base_n - 1] == '/')
		--*base_n;
	if (!*host_n) {
		*why = "endpoint has no host";
		return -EINVAL;
	}
	for (size_t i = 0; i < *host_n; i++) {
		unsigned char c = (unsigned char)ep[i];
		if (c <= ' ' || c >= 0x7f || c == '@' || c == '?' || c == '#' || c == '\\') {
			*why = "bad character in endpoint host";
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < *base_n; i++) {
		unsigned char c = (unsigned char)(*base)[i];
		if (!unreserved(c) && c != '/') {
			*why = "endpoint path must be plain (A-Z a-z 0-9 - _ . ~ /)";
			return -EINVAL;
		}
	}
	return 0;
}

int s3_url(char *out, size_t size, const char *endpoint, const char *region,
	   const char *bucket, bool path_style, const char *key, const char **why)
{
	char ekey[3 * S3_KEY_MAX + 1], ebucket[3 * 255 + 1];
	*why = NULL;
	if (size)
		out[0] = '\0';
	if (!bucket[0] || strchr(bucket, '/') || strlen(bucket) > 255) {
		*why = "bad bucket name";
		return -EINVAL;
	}
	for (const char *p = bucket; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "bad bucket name";
			return -EINVAL;
		}
	}
	if (!key[0] || strlen(key) > S3_KEY_MAX) {
		*why = key[0] ? "key too long" : "empty key";
		return key[0] ? -ENAMETOOLONG : -EINVAL;
	}
	for (const char *p = region; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-')) {
			*why = "bad region";
			return -EINVAL;
		}
	}
	int e = s3_uri_encode(ekey, sizeof ekey, key, true, why);
	if (!e)
		e = s3_uri_encode(ebucket, sizeof ebucket, bucket, false, why);
	if (e)
		return e;
	if (!path_style && !dns_bucket(bucket)) {
		*why = "bucket name is not a DNS name: use path-style";
		return -EINVAL;
	}
	int n;
	if (!endpoint[0]) {
		if (!region[0]) {
			*why = "AWS needs a region";
			return -EINVAL;
		}
		if (path_style)
			n = snprintf(out, size, "https://s3.%s.amazonaws.com/%s/%s", region, ebucket,
				     ekey);
		else
			n = snprintf(out, size, "https://%s.s3.%s.amazonaws.com/%s", bucket, region,
				     ekey);
	} else {
		const char *scheme, *host, *base;
		size_t scheme_n, host_n, base_n;
		e = split_endpoint(endpoint, &scheme, &scheme_n, &host, &host_n, &base, &base_n,
				   why);
		if (e)
			return e;
		if (path_style) {
			n = snprintf(out, size, "%.*s://%.*s%.*s/%s/%s", (int)scheme_n, scheme,
				     (int)host_n, host, (int)base_n, base, ebucket, ekey);
		} else {
			if (ip_literal(host, host_n)) {
				*why = "virtual-hosted style needs a host name: use path-style";
				return -EINVAL;
			}
			n = snprintf(out, size, "%.*s://%s.%.*s%.*s/%s", (int)scheme_n, scheme,
				     bucket, (int)host_n, host, (int)base_n, base, ekey);
		}
	}
	if (n < 0 || (size_t)n >= size) {
		if (size)
			out[0] = '\0';
		*why = "URL too long";
		return -ENAMETOOLONG;
	}
	return 0;
}

int s3_query(char *out, size_t size, unsigned part, const char *upload_id, const char **why)
{
	char id[3 * 512 + 1];
	*why = NULL;
	if (size)
		out[0] = '\0';
	if (!upload_id[0]) {
		*why = "empty upload id";
		return -EINVAL;
	}
	int e = s3_uri_encode(id, sizeof id, upload_id, false, why);
	if (e)
		return e;
	if (part > S3_PARTS_MAX) {
		*why = "part number above 10000";
		return -EINVAL;
	}
	/* Sorted by name, as SigV4's canonical query string is. */
	int n = part ? snprintf(out, size, "?partNumber=%u&uploadId=%s", part, id)
		     : snprintf(out, size, "?uploadId=%s", id);
	if (n < 0 || (size_t)n >= size) {
		if (size)
			out[0] = '\0';
		*why = "URL too long";
		return -ENAMETOOLONG;
	}
	return 0;
}

int s3_plan_parts(uint64_t size, bool size_known, size_t wanted, size_t *part_size,
		  unsigned *parts, const char **why)
{
	*why = NULL;
	if (wanted > S3_PART_MAX) {
		*why = "part size above 5 GiB";
		return -EINVAL;
	}
	uint64_t ps = wanted < S3_PART_MIN ? S3_PART_MIN : wanted;
	if (!size_known) {
		*part_size = (size_t)ps;
		*parts = 0;
		return 0;
	}
	if (size > OBJECT_MAX) {
		*why = "object above 5 TiB";
		return -EFBIG;
	}
	uint64_t least = (size + S3_PARTS_MAX - 1) / S3_PARTS_MAX;
	least = (least + MIB - 1) / MIB * MIB;
	if (ps < least)
		ps = least;
	if (ps > S3_PART_MAX) {
		*why = "part size would pass 5 GiB";
		return -EFBIG;
	}
	*part_size = (size_t)ps;
	*parts = size ? (unsigned)((size + ps - 1) / ps) : 1;
	return 0;
}

void s3_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void s3_etag_single(const unsigned char md5[16], char out[S3_ETAG_MAX])
{
	s3_hex(md5, 16, out);
}

void s3_etag_multipart(const unsigned char md5_of_md5s[16], unsigned parts,
		       char out[S3_ETAG_MAX])
{
	s3_hex(md5_of_md5s, 16, out);
	snprintf(out + 32, S3_ETAG_MAX - 32, "-%u", parts);
}

/* The ETag without its quotes (HTTP headers have them, XML has them as
 * &quot;, some stores send none). */
static void bare(const char *s, const char **start, size_t *n)
{
	*n = strlen(s);
	*start = s;
	if (*n >= 2 && s[0] == '"' && s[*n - 1] == '"') {
		++*start;
		*n -= 2;
	}
}

bool s3_etag_equal(const char *a, const char *b)
{
	const char *pa, *pb;
	size_t na, nb;
	bare(a, &pa, &na);
	bare(b, &pb, &nb);
	return na && na == nb && strncasecmp(pa, pb, na) == 0;
}
