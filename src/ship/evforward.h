/* evforward: forwards the sidecar's events file to the webhook, in order,
 * at least once, remembering how far it got in a state file.
 *
 * Reads DUMP_DIR/<events> and its rotation <events>.1 from where the state
 * file says (evcursor), POSTs each event (webhook) and saves the position
 * after each one, so a forwarder that is killed and started again continues
 * where it was, sending at most the event in flight again. An event is
 * tried until it is delivered or refused (webhook_status_verdict), waiting
 * shipq_backoff_us between tries. A state that cannot be saved is logged
 * and forwarding goes on: losing the position costs duplicates, which
 * at-least-once allows, while stopping would lose every later alert.
 *
 * Logs logfmt/JSON lines: state_unreadable, state_unwritable, events_lost,
 * events_reread, event_skipped, event_retry, event_rejected,
 * event_undelivered. I/O. */
#ifndef OOMSENTRY_EVFORWARD_H
#define OOMSENTRY_EVFORWARD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "evcursor.h"
#include "webhook.h"
#include "webhook_fmt.h"

struct evforward {
	/* Set by the caller before evforward_init. */
	const char *dir;        /* the dump directory */
	const char *events;     /* the events file's name in it */
	const char *state_path; /* where the position is kept */
	struct webhook_target target;
	enum webhook_format format;
	unsigned tries;          /* give up on one event after this many; 0 never */
	uint64_t backoff_max_us; /* longest wait between two tries */
	/* NULL, or a flag a signal handler sets: waits between tries end and
	 * evforward_all returns -ECANCELED (the event in flight finishes or
	 * times out first, within WEBHOOK_TIMEOUT_S). */
	const volatile sig_atomic_t *stop;

	/* Counts, since evforward_init. */
	uint64_t forwarded, rejected, retries, not_json, too_long, seen, lost;

	/* Internal. */
	struct evcursor c;
	char *buf;
	struct wjson *ev;
	char *body;
	int last_save_errno; /* the last state_unwritable logged, 0 after a save */
};

/* Allocates the buffers and loads the state (a missing one is the start,
 * an unreadable one is logged and read as the start). Returns 0 or -ENOMEM. */
int evforward_init(struct evforward *f);
void evforward_free(struct evforward *f);

/* Forwards every whole line there is now. Returns 0 when caught up;
 * -ECANCELED when stop was set; -ETIMEDOUT when an event used up `tries`;
 * -EINVAL when the target cannot be used; another -errno when the files
 * cannot be read (try again later). */
int evforward_all(struct evforward *f);

#endif
