/* resolve.c: see resolve.h. One detached thread per lookup; the job it
 * shares with the loop is reference-counted (the thread and the resolve
 * each hold one), so whichever lets go last frees it. */
#include "resolve.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define POLL_US (10 * LWS_US_PER_MS)

struct job {
	atomic_int refs;
	atomic_bool done;  /* the thread has filled res */
	char *host;
	char service[8];
	struct resolve_result res;
	char error[128];
};

struct resolve {
	struct lws_context *ctx;
	struct job *job;   /* NULL for a numeric host */
	resolve_fn fn;
	void *ud;
	lws_usec_t deadline;
	lws_sorted_usec_list_t sul;
	struct resolve_result numeric;
};

static resolve_lookup_fn lookup = getaddrinfo;
static atomic_int running;

void resolve_set_lookup(resolve_lookup_fn fn)
{
	lookup = fn ? fn : getaddrinfo;
}

int resolve_threads_running(void)
{
	return atomic_load(&running);
}

int resolve_is_numeric(const char *host)
{
	unsigned char a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

static void job_unref(struct job *j)
{
	if (atomic_fetch_sub(&j->refs, 1) == 1) {
		free(j->host);
		free(j);
	}
}

/* Numeric forms of ai, in order, without repeats. */
static void collect(struct resolve_result *res, const struct addrinfo *ai)
{
	for (; ai && res->n < RESOLVE_MAX; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		char a[RESOLVE_ADDR_LEN];
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, a, sizeof a, NULL, 0, NI_NUMERICHOST))
			continue;
		bool seen = false;
		for (size_t i = 0; i < res->n && !seen; i++)
			seen = !strcmp(res->addr[i], a);
		if (!seen)
			snprintf(res->addr[res->n++], RESOLVE_ADDR_LEN, "%s", a);
	}
}

static void *lookup_thread(void *arg)
{
	struct job *j = arg;
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int rc = lookup(j->host, j->service, &hints, &ai);
	if (rc) {
		snprintf(j->error, sizeof j->error, "%s", gai_strerror(rc));
	} else {
		collect(&j->res, ai);
		if (!j->res.n)
			snprintf(j->error, sizeof j->error, "no IPv4 or IPv6 address");
	}
	if (ai)
		freeaddrinfo(ai);
	if (j->error[0])
		j->res.error = j->error;
	atomic_store(&j->done, true);
	atomic_fetch_sub(&running, 1);
	job_unref(j);
	return NULL;
}

static void deliver(struct resolve *r, const struct resolve_result *res)
{
	resolve_fn fn = r->fn;
	void *ud = r->ud;
	struct job *j = r->job;
	/* the result lives in the job or in r: copy it out before freeing */
	struct resolve_result copy = *res;
	char why[128];
	if (res->error) {
		snprintf(why, sizeof why, "%s", res->error);
		copy.error = why;
	}
	if (j)
		job_unref(j);
	free(r);
	fn(ud, &copy);
}

static void poll_cb(lws_sorted_usec_list_t *sul)
{
	struct resolve *r = lws_container_of(sul, struct resolve, sul);
	if (!r->job) {
		deliver(r, &r->numeric);
		return;
	}
	if (atomic_load(&r->job->done)) {
		deliver(r, &r->job->res);
		return;
	}
	if (lws_now_usecs() >= r->deadline) {
		struct resolve_result late = {.error = "no answer in time"};
		deliver(r, &late);
		return;
	}
	lws_sul_schedule(r->ctx, 0, &r->sul, poll_cb, POLL_US);
}

struct resolve *resolve_start(struct lws_context *ctx, const char *host, int port, int timeout_ms,
			      resolve_fn fn, void *ud)
{
	struct resolve *r = mem_calloc(1, sizeof *r);
	r->ctx = ctx;
	r->fn = fn;
	r->ud = ud;
	r->deadline = lws_now_usecs() + (lws_usec_t)timeout_ms * LWS_US_PER_MS;
	if (resolve_is_numeric(host)) {
		r->numeric.n = 1;
		snprintf(r->numeric.addr[0], RESOLVE_ADDR_LEN, "%s", host);
		lws_sul_schedule(ctx, 0, &r->sul, poll_cb, 1);
		return r;
	}
	struct job *j = mem_calloc(1, sizeof *j);
	j->host = mem_strdup(host);
	snprintf(j->service, sizeof j->service, "%d", port);
	atomic_init(&j->refs, 2);
	atomic_init(&j->done, false);
	r->job = j;
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* the thread takes no signals: SIGINT, SIGTERM and SIGHUP must reach
	 * the loop's thread, whose poll() they interrupt */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	atomic_fetch_add(&running, 1);
	int rc = pthread_create(&t, &attr, lookup_thread, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc) {
		atomic_fetch_sub(&running, 1);
		atomic_fetch_sub(&j->refs, 1); /* the thread never took its reference */
		snprintf(j->error, sizeof j->error, "cannot start a lookup thread: %s", strerror(rc));
		j->res.error = j->error;
		atomic_store(&j->done, true);
		lws_sul_schedule(ctx, 0, &r->sul, poll_cb, 1);
		return r;
	}
	lws_sul_schedule(ctx, 0, &r->sul, poll_cb, POLL_US);
	return r;
}

void resolve_cancel(struct resolve *r)
{
	if (!r)
		return;
	lws_sul_cancel(&r->sul);
	if (r->job)
		job_unref(r->job);
	free(r);
}
