/* http.c: see http.h. Each request is one client connection; its answer is
 * delivered from a zero-delay timer, never from inside a libwebsockets
 * callback or from http_send(), so the caller may start, cancel or free
 * anything from its callback. */
#include "http.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "resolve.h"

enum { DEFAULT_TIMEOUT_S = 60, DEFAULT_MAX_BODY = 16 << 20 };
/* a looked-up address is used this long (getaddrinfo gives no TTL) */
#define ADDR_FRESH_US (300 * LWS_USEC_PER_SEC)

struct http_req {
	struct http *h;
	int64_t id;
	struct lws *wsi;
	char *method, *path, *bearer, *body;
	size_t body_len;
	size_t max_body;
	http_done_fn fn;
	void *ud;
	struct buf in;
	int status;
	int64_t retry_after_ms;
	char *error;          /* set when it failed */
	bool finished;        /* the response (or a failure) is in; delivery is scheduled */
	bool waiting;         /* for the host's address */
	char addr[RESOLVE_ADDR_LEN]; /* the address it is connecting to */
	size_t tries;         /* addresses tried */
	lws_sorted_usec_list_t sul_next; /* to try the next address */
	lws_sorted_usec_list_t sul_deliver, sul_timeout;
	struct http_req *next;
};

struct http {
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	char *name, *host, *base_path, *ca_file;
	int port;
	bool tls, tls_verify;
	struct http_req *reqs;
	int64_t next_id;
	struct resolve *resolving;
	struct resolve_result addrs; /* the host's, looked up at addrs_at */
	size_t cur;                  /* the one connections go to */
	lws_usec_t addrs_at;
	char good[RESOLVE_ADDR_LEN]; /* the last address a connection worked on */
};

static void unlink_req(struct http_req *r)
{
	for (struct http_req **p = &r->h->reqs; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			return;
		}
}

static void req_free(struct http_req *r)
{
	lws_sul_cancel(&r->sul_deliver);
	lws_sul_cancel(&r->sul_timeout);
	lws_sul_cancel(&r->sul_next);
	if (r->wsi) {
		lws_set_opaque_user_data(r->wsi, NULL); /* its callbacks no longer find us */
		lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	free(r->method);
	free(r->path);
	free(r->bearer);
	free(r->body);
	free(r->error);
	buf_free(&r->in);
	free(r);
}

static void deliver_cb(lws_sorted_usec_list_t *sul)
{
	struct http_req *r = lws_container_of(sul, struct http_req, sul_deliver);
	unlink_req(r);
	struct http_response resp = {
		.status = r->error ? 0 : r->status, .body = buf_str(&r->in), .len = r->in.len,
		.error = r->error, .retry_after_ms = r->retry_after_ms,
	};
	http_done_fn fn = r->fn;
	void *ud = r->ud;
	/* the request is out of the list before the callback runs, so the
	 * callback may free the whole client */
	fn(ud, &resp);
	req_free(r);
}

/* The answer is in (or it failed): hand it over on a later loop turn. */
static void finish(struct http_req *r, const char *error)
{
	if (r->finished)
		return;
	r->finished = true;
	r->waiting = false;
	lws_sul_cancel(&r->sul_next);
	if (error && !r->error)
		r->error = mem_strdup(error);
	lws_sul_cancel(&r->sul_timeout);
	if (r->wsi) {
		lws_set_opaque_user_data(r->wsi, NULL);
		lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		r->wsi = NULL;
	}
	lws_sul_schedule(r->h->ctx, 0, &r->sul_deliver, deliver_cb, 1);
}

static void timeout_cb(lws_sorted_usec_list_t *sul)
{
	struct http_req *r = lws_container_of(sul, struct http_req, sul_timeout);
	finish(r, "timed out");
}

static void start(struct http_req *r);

static void next_cb(lws_sorted_usec_list_t *sul)
{
	start(lws_container_of(sul, struct http_req, sul_next));
}

/* r could not connect to the address it tried: it moves on to the host's
 * next address, and later requests with it. Once every address has
 * failed, r fails and the next request looks the host up again. */
static void address_failed(struct http_req *r, const char *why)
{
	struct http *h = r->h;
	if (h->addrs.n && h->cur < h->addrs.n && !strcmp(h->addrs.addr[h->cur], r->addr))
		h->cur++;
	if (h->cur < h->addrs.n && r->tries < h->addrs.n) {
		lws_sul_schedule(h->ctx, 0, &r->sul_next, next_cb, 1);
		return;
	}
	if (h->cur >= h->addrs.n)
		h->addrs.n = h->cur = 0;
	finish(r, why);
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
		      unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
					   (const unsigned char *)value, (int)strlen(value), p, end);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct http_req *r = lws_get_opaque_user_data(wsi);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (r) {
			char why[200];
			snprintf(why, sizeof why, "cannot connect: %s", in ? (const char *)in : "unknown error");
			r->wsi = NULL;
			address_failed(r, why);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
		if (!r)
			return -1;
		unsigned char **p = (unsigned char **)in, *end = (*p) + len;
		char num[32];
		if (r->bearer) {
			struct buf auth = BUF_INIT;
			buf_printf(&auth, "Bearer %s", r->bearer);
			int rc = add_header(wsi, "authorization:", auth.p, p, end);
			buf_free(&auth);
			if (rc)
				return -1;
		}
		if (r->body) {
			snprintf(num, sizeof num, "%zu", r->body_len);
			if (add_header(wsi, "content-type:", "application/json", p, end) ||
			    add_header(wsi, "content-length:", num, p, end))
				return -1;
			lws_client_http_body_pending(wsi, 1);
			lws_callback_on_writable(wsi);
		}
		return 0;
	}
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE: {
		if (!r || !r->body)
			return 0;
		unsigned char *buf = mem_alloc(LWS_PRE + r->body_len + 1);
		memcpy(buf + LWS_PRE, r->body, r->body_len);
		lws_client_http_body_pending(wsi, 0);
		int n = lws_write(wsi, buf + LWS_PRE, r->body_len, LWS_WRITE_HTTP_FINAL);
		free(buf);
		free(r->body);
		r->body = NULL; /* sent: a second WRITEABLE has nothing to do */
		return n < 0 ? -1 : 0;
	}
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		if (r) {
			snprintf(r->h->good, sizeof r->h->good, "%s", r->addr);
			r->status = (int)lws_http_client_http_response(wsi);
			char ra[32];
			if (lws_hdr_copy(wsi, ra, sizeof ra, WSI_TOKEN_HTTP_RETRY_AFTER) > 0)
				r->retry_after_ms = atoll(ra) * 1000;
		}
		return 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		if (r && !r->finished) {
			if (r->in.len + len > r->max_body) {
				finish(r, "the response is too large");
				return -1;
			}
			buf_add(&r->in, in, len);
		}
		return 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
		char buffer[4096 + LWS_PRE];
		char *px = buffer + LWS_PRE;
		int lenx = (int)sizeof buffer - LWS_PRE;
		if (lws_http_client_read(wsi, &px, &lenx) < 0)
			return -1;
		return 0;
	}
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		if (r)
			finish(r, NULL);
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		if (r) {
			r->wsi = NULL;
			finish(r, "the connection closed before the response was complete");
		}
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{"rounds-http", callback, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

const struct lws_protocols *http_protocols(void)
{
	return protocols;
}

static void start(struct http_req *r)
{
	struct http *h = r->h;
	r->waiting = false;
	if (!h->addrs.n) { /* every address failed meanwhile */
		finish(r, "cannot connect to any of its addresses");
		return;
	}
	snprintf(r->addr, sizeof r->addr, "%s", h->addrs.addr[h->cur]);
	r->tries++;
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = h->ctx;
	ci.vhost = h->vhost;
	ci.address = r->addr;
	ci.port = h->port;
	ci.path = r->path;
	ci.host = h->host; /* the name: Host header, SNI, certificate check */
	ci.origin = h->host;
	ci.method = r->method;
	ci.protocol = protocols[0].name;
	ci.local_protocol_name = protocols[0].name;
	ci.alpn = "http/1.1";
	ci.opaque_user_data = r;
	ci.pwsi = &r->wsi;
	if (h->tls) {
		ci.ssl_connection = LCCSCF_USE_SSL;
		if (!h->tls_verify)
			ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
					     LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	if (!lws_client_connect_via_info(&ci)) {
		r->wsi = NULL;
		address_failed(r, "cannot start the connection");
	}
}

/* The host's addresses are in: start the requests that waited for them. */
static void resolved(void *ud, const struct resolve_result *res)
{
	struct http *h = ud;
	h->resolving = NULL;
	char why[200];
	if (res->error) {
		snprintf(why, sizeof why, "cannot look up %s: %s", h->host, res->error);
		h->addrs.n = 0;
	} else {
		h->addrs = *res;
		h->addrs_at = lws_now_usecs();
		h->cur = 0; /* the address that worked last time first, if it is still one */
		for (size_t i = 0; i < h->addrs.n; i++)
			if (!strcmp(h->addrs.addr[i], h->good))
				h->cur = i;
	}
	for (struct http_req *r = h->reqs; r; r = r->next)
		if (r->waiting && !r->finished) {
			if (res->error)
				finish(r, why);
			else
				start(r);
		}
}

struct http *http_new(struct lws_context *ctx, const struct http_options *o, struct buf *err)
{
	struct http *h = mem_calloc(1, sizeof *h);
	h->ctx = ctx;
	h->name = mem_strdup(o->name);
	h->host = mem_strdup(o->host);
	h->base_path = mem_strdup(o->base_path ? o->base_path : "");
	h->ca_file = o->ca_file ? mem_strdup(o->ca_file) : NULL;
	h->port = o->port;
	h->tls = o->tls;
	h->tls_verify = o->tls_verify;
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.vhost_name = h->name;
	if (o->tls) {
		info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.client_ssl_ca_filepath = h->ca_file;
	}
	h->vhost = lws_create_vhost(ctx, &info);
	if (!h->vhost) {
		buf_printf(err, "%s: cannot create its libwebsockets vhost", o->name);
		http_free(h);
		return NULL;
	}
	return h;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	while (h->reqs) {
		struct http_req *r = h->reqs;
		h->reqs = r->next;
		req_free(r);
	}
	resolve_cancel(h->resolving);
	/* the vhost belongs to the context: destroyed with it */
	free(h->name);
	free(h->host);
	free(h->base_path);
	free(h->ca_file);
	free(h);
}

int64_t http_send(struct http *h, const struct http_request *rq, http_done_fn fn, void *ud)
{
	struct http_req *r = mem_calloc(1, sizeof *r);
	r->h = h;
	r->id = ++h->next_id;
	r->fn = fn;
	r->ud = ud;
	r->retry_after_ms = -1;
	r->method = mem_strdup(rq->method);
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s%s", h->base_path, rq->path);
	r->path = buf_steal(&path);
	r->bearer = rq->bearer ? mem_strdup(rq->bearer) : NULL;
	if (rq->body) {
		r->body = mem_strndup(rq->body, rq->body_len);
		r->body_len = rq->body_len;
	} else if (strcmp(rq->method, "GET") != 0) {
		r->body = mem_strdup("{}"); /* POST and PUT always carry a JSON object */
		r->body_len = 2;
	}
	r->max_body = rq->max_body ? rq->max_body : DEFAULT_MAX_BODY;
	r->next = h->reqs;
	h->reqs = r;
	lws_sul_schedule(h->ctx, 0, &r->sul_timeout, timeout_cb,
			 (lws_usec_t)(rq->timeout_s > 0 ? rq->timeout_s : DEFAULT_TIMEOUT_S) * LWS_USEC_PER_SEC);

	if (h->addrs.n && lws_now_usecs() - h->addrs_at < ADDR_FRESH_US) {
		start(r);
	} else {
		r->waiting = true;
		if (!h->resolving)
			h->resolving = resolve_start(h->ctx, h->host, h->port, RESOLVE_TIMEOUT_MS, resolved, h);
	}
	return r->id;
}

void http_cancel(struct http *h, int64_t id)
{
	for (struct http_req *r = h->reqs; r; r = r->next)
		if (r->id == id) {
			unlink_req(r);
			req_free(r);
			return;
		}
}

size_t http_pending(const struct http *h)
{
	size_t n = 0;
	for (const struct http_req *r = h->reqs; r; r = r->next)
		n++;
	return n;
}

void http_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_addc(out, (char)*p);
		} else {
			buf_addc(out, '%');
			buf_addc(out, hex[*p >> 4]);
			buf_addc(out, hex[*p & 15]);
		}
	}
}
