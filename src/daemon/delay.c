/*
 * The delay queue (see delay.h): a list sorted by due time, a mutex, a
 * condition variable on the monotonic clock, and one thread.
 */
#include "delay.h"
#include "xalloc.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct pending {
	struct MHD_Connection *c;
	struct timespec due;
	struct pending *next;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	struct pending *head;
	bool running, stop;
} q = {PTHREAD_MUTEX_INITIALIZER};

static bool
before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *
run(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q.mu);
	while (!q.stop) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		while (q.head != NULL && !before(&now, &q.head->due)) {
			struct pending *p = q.head;

			q.head = p->next;
			MHD_resume_connection(p->c);
			free(p);
		}
		if (q.head == NULL)
			pthread_cond_wait(&q.cv, &q.mu);
		else
			pthread_cond_timedwait(&q.cv, &q.mu, &q.head->due);
	}
	/* shutting down: let every waiting connection finish now */
	while (q.head != NULL) {
		struct pending *p = q.head;

		q.head = p->next;
		MHD_resume_connection(p->c);
		free(p);
	}
	pthread_mutex_unlock(&q.mu);
	return NULL;
}

int
delay_start(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q.cv, &attr);
	pthread_condattr_destroy(&attr);
	q.stop = false;
	if (pthread_create(&q.thread, NULL, run, NULL) != 0)
		return -1;
	q.running = true;
	return 0;
}

void
delay_stop(void)
{
	if (!q.running)
		return;
	pthread_mutex_lock(&q.mu);
	q.stop = true;
	pthread_cond_signal(&q.cv);
	pthread_mutex_unlock(&q.mu);
	pthread_join(q.thread, NULL);
	q.running = false;
}

void
delay_suspend(struct MHD_Connection *c, const struct timespec *due)
{
	MHD_suspend_connection(c);
	delay_resume_at(c, due);
}

void
delay_resume_at(struct MHD_Connection *c, const struct timespec *due)
{
	struct pending *p = xmalloc(sizeof(*p)), **pp;

	p->c = c;
	p->due = *due;
	pthread_mutex_lock(&q.mu);
	if (q.stop) {
		/*
		 * Shutting down: the thread has let the queue go, and MHD
		 * must not be stopped with a connection left suspended.
		 */
		pthread_mutex_unlock(&q.mu);
		free(p);
		MHD_resume_connection(c);
		return;
	}
	for (pp = &q.head; *pp != NULL && !before(due, &(*pp)->due);
	     pp = &(*pp)->next)
		;
	p->next = *pp;
	*pp = p;
	pthread_cond_signal(&q.cv);
	pthread_mutex_unlock(&q.mu);
}
