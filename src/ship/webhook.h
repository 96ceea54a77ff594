/* webhook: POSTs one event's body to the webhook.
 *
 * Content-Type is application/json unless the headers file sets another;
 * the headers file's lines go with every request. TLS peers are verified
 * (against ca_bundle when set, else the system's CAs) unless verify_tls is
 * false. Connecting may take 5 s and the whole request 10 s: an event is
 * small, and a receiver that takes longer is retried rather than waited on.
 * Redirects are not followed: a POST redirected changes method (301, 302)
 * or repeats the body to wherever the receiver says (307, 308), possibly
 * another host, headers and all; a 3xx is reported with its Location, and
 * retried like any reply that is about the endpoint rather than the event.
 *
 * Blocking. Calls curl_global_init, so the first call must be made while
 * the program has a single thread. */
#ifndef OOMSENTRY_WEBHOOK_H
#define OOMSENTRY_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "webhook_fmt.h"

#define WEBHOOK_CONNECT_TIMEOUT_S 5
#define WEBHOOK_TIMEOUT_S 10

struct webhook_target {
	const char *url;                       /* http:// or https:// */
	const struct webhook_headers *headers; /* NULL: none */
	const char *ca_bundle;                 /* "" or NULL: the system's CAs */
	bool verify_tls;
};

/* Sends body (len bytes). *http_status is the reply's status, 0 if none
 * came. Returns 0 when the receiver answered 2xx; otherwise -EAGAIN (send
 * the same event again later: the connection failed or timed out, or the
 * status says so, see webhook_status_verdict), -EBADMSG (the receiver
 * refused this event: do not send it again) or -EINVAL (bad target: a URL
 * that is not http(s), a CA bundle that cannot be used), with err one line:
 * "POST http://host/path: 503: <the reply's first bytes>". */
int webhook_post(const struct webhook_target *t, const char *body, size_t len, long *http_status,
		 char *err, size_t errsz);

/* Reads and parses a headers file (webhook_headers_parse). Returns 0, or
 * -errno with err one line naming the file. */
int webhook_headers_load(const char *path, struct webhook_headers *h, char *err, size_t errsz);

#endif
