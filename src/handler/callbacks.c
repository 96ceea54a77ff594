#include "callbacks.h"

#include <errno.h>
#include <pthread.h>

struct callback {
	oomsentry_callback fn;
	void *arg;
};

struct list {
	struct callback cbs[CALLBACKS_MAX];
	int n;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct list warning, critical;

static struct list *list_of(enum oomsentry_level level)
{
	return level == OOMSENTRY_LEVEL_WARNING ? &warning : &critical;
}

int callbacks_add(enum oomsentry_level level, oomsentry_callback cb, void *arg)
{
	struct list *l = list_of(level);
	int r = 0;
	pthread_mutex_lock(&lock);
	if (!cb)
		l->n = 0;
	else if (l->n == CALLBACKS_MAX)
		r = -ENOSPC;
	else
		l->cbs[l->n++] = (struct callback){cb, arg};
	pthread_mutex_unlock(&lock);
	return r;
}

int callbacks_run(enum oomsentry_level level)
{
	struct list copy;
	/* Called without the lock, so a callback may register callbacks. */
	pthread_mutex_lock(&lock);
	copy = *list_of(level);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < copy.n; i++)
		copy.cbs[i].fn(level, copy.cbs[i].arg);
	return copy.n;
}
