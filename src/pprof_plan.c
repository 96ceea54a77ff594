#include "pprof_plan.h"

#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

static bool takes_before(const struct nettcp_listen *a, const struct nettcp_listen *b)
{
	bool af = a->port == PPROF_PORT_FIRST, bf = b->port == PPROF_PORT_FIRST;
	if (af != bf)
		return af;
	if (a->port != b->port)
		return a->port < b->port;
	return a->family == AF_INET && b->family != AF_INET;
}

size_t pprof_order_ports(struct nettcp_listen *l, size_t n)
{
	/* Insertion sort: a handful of sockets, and stable. */
	for (size_t i = 1; i < n; i++) {
		struct nettcp_listen x = l[i];
		size_t j = i;
		for (; j > 0 && takes_before(&x, &l[j - 1]); j--)
			l[j] = l[j - 1];
		l[j] = x;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || l[k - 1].port != l[i].port)
			l[k++] = l[i];
	return k;
}

void pprof_target_of(const struct nettcp_listen *l, struct http_target *t)
{
	static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char zero[16];
	*t = (struct http_target){.family = l->family, .port = l->port};
	memcpy(t->path, PPROF_HEAP_PATH, sizeof PPROF_HEAP_PATH);
	if (l->family == AF_INET6 && memcmp(l->addr, v4mapped, 12) == 0) {
		t->family = AF_INET;
		memcpy(t->addr, l->addr + 12, 4);
	} else if (l->family == AF_INET6) {
		memcpy(t->addr, l->addr, 16);
		if (memcmp(t->addr, zero, 16) == 0)
			t->addr[15] = 1; /* ::1 */
		return;
	} else {
		memcpy(t->addr, l->addr, 4);
	}
	if (memcmp(t->addr, zero, 4) == 0) {
		t->addr[0] = 127;
		t->addr[3] = 1;
	}
}
