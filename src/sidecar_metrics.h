/* sidecar_metrics: the sidecar's /metrics page and /healthz answer, served
 * by metrics_http.h on METRICS_ADDR from the watch loop's thread.
 *
 * The page is built at each scrape from what the loop already holds (the
 * containers, their counts in tally.h, the sidecar's in tally.c) plus a
 * fresh read of each container's usage and memory.stat, so the working set
 * shown is current even where the policy reads usage alone; and the
 * process's own figures from getrusage and /proc/self. /healthz is 200 while
 * the loop's timer has run within the last 3 x max(INTERVAL,
 * RESCAN_INTERVAL) + 1 s, 503 otherwise. I/O. */
#ifndef OOMSENTRY_SIDECAR_METRICS_H
#define OOMSENTRY_SIDECAR_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct settings;
struct watch;
struct sidecar_metrics;

/* Listens on s->metrics_addr and adds the listener to the loop's epoll set
 * epfd (LOOP_TAG_METRICS). *s is read at each scrape (a reload replaces it
 * in place). Returns 0, or -errno with err saying what failed. */
int sidecar_metrics_open(struct sidecar_metrics **out, const struct settings *s,
			 const struct watch *w, int epfd, char *err, size_t errsz);

/* The address bound, with the real port ("127.0.0.1:41235", "[::]:9559"). */
void sidecar_metrics_addr(const struct sidecar_metrics *m, char *buf, size_t size);

/* The listener's fd is readable. */
void sidecar_metrics_service(struct sidecar_metrics *m, uint64_t now_us);

/* The loop's timer ran (for /healthz). */
void sidecar_metrics_loop_ran(struct sidecar_metrics *m, uint64_t now_us);

/* Connection deadlines: when due (UINT64_MAX: none), and the expiry. */
uint64_t sidecar_metrics_next_deadline(const struct sidecar_metrics *m);
void sidecar_metrics_expire(struct sidecar_metrics *m, uint64_t now_us);

void sidecar_metrics_close(struct sidecar_metrics *m);

#endif
