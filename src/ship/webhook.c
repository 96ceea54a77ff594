#include "webhook.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The start of a reply body, for the error message: Slack says why in a
 * word or two ("invalid_payload", "no_service"). */
#define REPLY_KEEP 200

struct reply {
	char body[REPLY_KEEP + 1];
	size_t len;
	char location[256];
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t len = size * n;
	for (size_t i = 0; i < len && r->len < REPLY_KEEP; i++) {
		unsigned char c = (unsigned char)p[i];
		r->body[r->len++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	r->body[r->len] = '\0';
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t len = size * n;
	static const char name[] = "location:";
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		r->location[0] = '\0';
	} else if (len > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
		const char *v = p + sizeof name - 1, *e = p + len;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
			e--;
		size_t m = (size_t)(e - v) < sizeof r->location - 1 ? (size_t)(e - v)
								      : sizeof r->location - 1;
		for (size_t i = 0; i < m; i++)
			r->location[i] = (unsigned char)v[i] < 0x20 ? ' ' : v[i];
		r->location[m] = '\0';
	}
	return len;
}

/* "scheme://host[:port]" of url, for messages: a webhook URL's path is
 * often its secret (Slack's /services/T/B/TOKEN), and user:password may
 * precede the host. */
static void url_origin(const char *url, char *out, size_t size)
{
	const char *s = strstr(url, "://");
	if (!s) {
		snprintf(out, size, "(bad URL)");
		return;
	}
	const char *host = s + 3, *end = host + strcspn(host, "/?#");
	const char *at = memchr(host, '@', (size_t)(end - host));
	if (at)
		host = at + 1;
	snprintf(out, size, "%.*s://%.*s", (int)(s - url), url, (int)(end - host), host);
}

static bool config_error(CURLcode cc)
{
	return cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL ||
	       cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM ||
	       cc == CURLE_BAD_FUNCTION_ARGUMENT;
}

int webhook_post(const struct webhook_target *t, const char *body, size_t len, long *http_status,
		 char *err, size_t errsz)
{
	*http_status = 0;
	if (errsz)
		err[0] = '\0';
	if (!t->url || (strncmp(t->url, "http://", 7) != 0 && strncmp(t->url, "https://", 8) != 0)) {
		snprintf(err, errsz, "webhook URL must start with http:// or https://");
		return -EINVAL;
	}
	char origin[256];
	url_origin(t->url, origin, sizeof origin);

	struct curl_slist *h = NULL, *n;
	bool ok = true, have_type = false;
	unsigned count = t->headers ? t->headers->n : 0;
	for (unsigned i = 0; i < count && ok; i++) {
		const char *line = t->headers->line[i];
		if (strncasecmp(line, "Content-Type:", 13) == 0)
			have_type = true;
		ok = (n = curl_slist_append(h, line)) != NULL;
		if (ok)
			h = n;
	}
	/* "Expect:" empty: no "100-continue" round trip before the body, which
	 * some receivers never answer. */
	const char *ours[] = {have_type ? NULL : "Content-Type: application/json", "Expect:"};
	for (size_t i = 0; i < 2 && ok; i++) {
		if (!ours[i])
			continue;
		ok = (n = curl_slist_append(h, ours[i])) != NULL;
		if (ok)
			h = n;
	}
	if (!ok) {
		curl_slist_free_all(h);
		snprintf(err, errsz, "POST %s: out of memory", origin);
		return -EAGAIN;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		curl_slist_free_all(h);
		snprintf(err, errsz, "POST %s: libcurl failed to start", origin);
		return -EAGAIN;
	}
	CURL *k = curl_easy_init();
	if (!k) {
		curl_slist_free_all(h);
		curl_global_cleanup();
		snprintf(err, errsz, "POST %s: libcurl failed to start", origin);
		return -EAGAIN;
	}
	struct reply rep = {.len = 0};
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(k, CURLOPT_URL, t->url);
	curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(k, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(k, CURLOPT_USERAGENT, "oomsentry-ship");
	curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT, (long)WEBHOOK_CONNECT_TIMEOUT_S);
	curl_easy_setopt(k, CURLOPT_TIMEOUT, (long)WEBHOOK_TIMEOUT_S);
	curl_easy_setopt(k, CURLOPT_SSL_VERIFYPEER, t->verify_tls ? 1L : 0L);
	curl_easy_setopt(k, CURLOPT_SSL_VERIFYHOST, t->verify_tls ? 2L : 0L);
	if (t->ca_bundle && t->ca_bundle[0])
		curl_easy_setopt(k, CURLOPT_CAINFO, t->ca_bundle);
	curl_easy_setopt(k, CURLOPT_POST, 1L);
	curl_easy_setopt(k, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(k, CURLOPT_WRITEDATA, &rep);
	curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(k, CURLOPT_HEADERDATA, &rep);
	CURLcode cc = curl_easy_perform(k);
	long status = 0;
	curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(k);
	curl_global_cleanup();
	curl_slist_free_all(h);

	if (cc != CURLE_OK) {
		/* A reply that came and then broke off is still a failed
		 * delivery: the receiver may or may not have taken the event,
		 * and sending it again is what at-least-once means. */
		*http_status = 0;
		snprintf(err, errsz, "POST %s: %s", origin,
			 curl_err[0] ? curl_err : curl_easy_strerror(cc));
		return config_error(cc) ? -EINVAL : -EAGAIN;
	}
	*http_status = status;
	enum webhook_verdict v = webhook_status_verdict(status);
	if (v == WEBHOOK_DELIVERED)
		return 0;
	if (status >= 300 && status <= 399)
		snprintf(err, errsz, "POST %s: %ld redirect to %s (not followed: set the webhook URL to it)",
			 origin, status, rep.location[0] ? rep.location : "(no Location)");
	else
		snprintf(err, errsz, "POST %s: %ld%s%s", origin, status, rep.len ? ": " : "",
			 rep.body);
	return v == WEBHOOK_REJECTED ? -EBADMSG : -EAGAIN;
}

int webhook_headers_load(const char *path, struct webhook_headers *h, char *err, size_t errsz)
{
	static char buf[WEBHOOK_HEADERS_FILE_MAX + 1];
	FILE *fp = fopen(path, "rbe");
	if (!fp) {
		int e = errno;
		snprintf(err, errsz, "%s: %s", path, strerror(e));
		return -e;
	}
	size_t len = fread(buf, 1, sizeof buf, fp);
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		snprintf(err, errsz, "%s: read error", path);
		return -EIO;
	}
	if (len > WEBHOOK_HEADERS_FILE_MAX) {
		snprintf(err, errsz, "%s: larger than %d bytes", path, WEBHOOK_HEADERS_FILE_MAX);
		return -E2BIG;
	}
	char why[256];
	int e = webhook_headers_parse(buf, len, h, why, sizeof why);
	if (e) {
		snprintf(err, errsz, "%s: %s", path, why);
		return e;
	}
	return 0;
}
