/* evforward: forwards the sidecar's events to a webhook once, as far as the
 * events file goes now, then exits; for tests and by hand.
 *
 *   evforward DUMP_DIR STATE_FILE WEBHOOK_URL [--format json|slack]
 *             [--headers FILE] [--ca-bundle PEM] [--insecure] [--tries N]
 *             [--backoff-max-ms MS]
 *
 * The forwarding is oomsentry-ship's own (src/ship/evforward.h): from
 * DUMP_DIR/events.jsonl and its rotation .1, from where STATE_FILE says,
 * in order, the position saved after each event; --tries N gives up after
 * N tries of one event (default 0: never).
 *
 * Logs logfmt lines on stderr (evforward.h names them), and at the end
 * forward_done with the counts. Exits 0 when everything there was is
 * forwarded, 1 when it gave up or could not read, 2 on bad arguments or
 * configuration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evforward.h"
#include "log.h"
#include "webhook.h"
#include "webhook_fmt.h"

static int usage(const char *why)
{
	fprintf(stderr,
		"evforward: %s\nusage: evforward DUMP_DIR STATE_FILE WEBHOOK_URL "
		"[--format json|slack] [--headers FILE] [--ca-bundle PEM] [--insecure] "
		"[--tries N] [--backoff-max-ms MS]\n",
		why);
	return 2;
}

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *s == '+' || v > max)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return usage("too few arguments");
	struct evforward f = {.dir = argv[1], .events = "events.jsonl", .state_path = argv[2],
			.target = {.url = argv[3], .ca_bundle = "", .verify_tls = true},
			.format = WEBHOOK_FORMAT_JSON, .backoff_max_us = 60 * 1000000ull};
	static struct webhook_headers headers;
	for (int i = 4; i < argc; i++) {
		uint64_t v;
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			if (webhook_format_parse(argv[++i], &f.format))
				return usage("--format: json or slack");
		} else if (strcmp(argv[i], "--headers") == 0 && i + 1 < argc) {
			char err[512];
			if (webhook_headers_load(argv[++i], &headers, err, sizeof err)) {
				fprintf(stderr, "evforward: %s\n", err);
				return 2;
			}
			f.target.headers = &headers;
		} else if (strcmp(argv[i], "--ca-bundle") == 0 && i + 1 < argc) {
			f.target.ca_bundle = argv[++i];
		} else if (strcmp(argv[i], "--insecure") == 0) {
			f.target.verify_tls = false;
		} else if (strcmp(argv[i], "--tries") == 0 && i + 1 < argc) {
			if (!parse_uint(argv[++i], 1000000, &v))
				return usage("--tries: 0 to 1000000");
			f.tries = (unsigned)v;
		} else if (strcmp(argv[i], "--backoff-max-ms") == 0 && i + 1 < argc) {
			if (!parse_uint(argv[++i], 3600000, &v) || v == 0)
				return usage("--backoff-max-ms: 1 to 3600000");
			f.backoff_max_us = v * 1000;
		} else {
			return usage("unknown argument");
		}
	}
	log_configure(LOG_INFO, LOG_LOGFMT);
	if (evforward_init(&f)) {
		fprintf(stderr, "evforward: out of memory\n");
		return 1;
	}
	int e = evforward_all(&f);
	struct log_line l;
	if (log_begin(&l, e ? LOG_ERROR : LOG_INFO, "forward_done")) {
		log_uint(&l, "forwarded", f.forwarded);
		log_uint(&l, "rejected", f.rejected);
		log_uint(&l, "retries", f.retries);
		log_uint(&l, "already_sent", f.seen);
		log_uint(&l, "not_json", f.not_json);
		log_uint(&l, "too_long", f.too_long);
		log_uint(&l, "lost", f.lost);
		if (e)
			log_errno(&l, -e);
		log_end(&l);
	}
	evforward_free(&f);
	return e == -EINVAL ? 2 : e ? 1 : 0;
}
