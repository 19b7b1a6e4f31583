/* http: HTTP/1.1 requests to one server (a Matrix homeserver) on the
 * libwebsockets event loop: HTTPS verified by default (system trust store
 * or a CA file), a JSON body out, the whole response body in (chunked or
 * not, up to a limit), one connection per request. Nothing blocks; the
 * answer comes to a callback from the loop.
 *
 * Every request ends exactly once in its callback: with the HTTP status,
 * or status 0 and a reason when there was no answer (connection refused,
 * TLS failure, timeout, body too large), or never when it was cancelled
 * (http_cancel, http_free). */
#ifndef ROUNDS_HTTP_H
#define ROUNDS_HTTP_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct http;

struct http_options {
	const char *name;      /* for logs and the vhost name */
	const char *host;
	int port;
	bool tls;
	bool tls_verify;
	const char *ca_file;   /* NULL: the system trust store */
	const char *base_path; /* prefixed to every path ("" or "/prefix") */
};

struct http_response {
	int status;            /* 0: no answer (see error) */
	const char *body;      /* NUL-terminated; "" if none */
	size_t len;
	const char *error;     /* status 0: why */
	int64_t retry_after_ms; /* a Retry-After header, or -1 */
};

typedef void (*http_done_fn)(void *ud, const struct http_response *r);

struct http_request {
	const char *method;    /* "GET", "POST", "PUT" */
	const char *path;      /* already percent-encoded, with its query string */
	const char *bearer;    /* Authorization: Bearer ...; NULL for none */
	const char *body;      /* JSON; NULL for none */
	size_t body_len;
	int timeout_s;         /* the whole exchange; 0: 60 */
	size_t max_body;       /* 0: 16 MiB */
};

/* The protocols the context needs a vhost with (NULL-terminated). */
const struct lws_protocols *http_protocols(void);

struct http *http_new(struct lws_context *ctx, const struct http_options *o, struct buf *err);
/* Cancels every request in flight (no callbacks) and frees. */
void http_free(struct http *h);

/* Starts a request; fn(ud, response) is called once from the loop.
 * Returns an id for http_cancel (> 0), or -1 if it could not even start
 * (then fn is called from the loop with status 0, never from here). */
int64_t http_send(struct http *h, const struct http_request *rq, http_done_fn fn, void *ud);
/* Drops a request in flight: its callback is never called. */
void http_cancel(struct http *h, int64_t id);
/* Requests in flight. */
size_t http_pending(const struct http *h);

/* Appends s percent-encoded for a path segment or a query value
 * (everything but A-Z a-z 0-9 - . _ ~). */
void http_escape(struct buf *out, const char *s);

#endif
