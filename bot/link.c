#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ircmsg.h"
#include "log.h"
#include "mem.h"
#include "pace.h"
#include "resolve.h"
#include "tls.h"

#define TICK_MS 1000
#define QUIT_GRACE_MS 2000
#define WRITE_MAX (IRCMSG_MAX_LINE + 2)

enum link_mode { LINK_RAW, LINK_TLS, LINK_WS };

struct link {
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	const struct config_network *cfg;
	struct link_hooks hooks;
	struct irc *irc;
	enum link_mode mode;
	struct tls_ctx *tls_ctx;
	struct tls_conn *tls;
	struct lws *wsi;
	struct resolve *resolving;     /* looking the host up */
	struct resolve_result addrs;   /* its addresses; next_addr is tried next */
	size_t next_addr;
	bool up;        /* IRC may flow: connected (and TLS handshake done) */
	bool started, quitting, quit_sent, done;
	char *quit_reason;
	struct pace pace;
	lws_sorted_usec_list_t sul_retry, sul_tick, sul_pace, sul_quit;
	uint16_t retries;
	lws_retry_bo_t retry;
	uint32_t retry_table[16];
	struct buf rx;         /* a partial line */
	bool discarding;       /* skipping the rest of an over-long line */
	struct buf frame;      /* WebSocket fragments */
	bool frame_discarding; /* skipping the rest of an over-long message */
	int64_t connected_at;  /* when the socket connected (mono ms), 0 if not */
	char *subprotocols;
	unsigned char *wbuf;   /* LWS_PRE + one line */
	struct link_stats stats;
};

static void connect_now(struct link *l);
static void connect_addr(struct link *l);
static void on_plain(struct link *l, char *data, size_t len);

/* ---- irc callbacks ------------------------------------------------------ */

static void on_irc_want_write(void *ud)
{
	struct link *l = ud;
	if (l->wsi && l->up)
		lws_callback_on_writable(l->wsi);
}

static void on_irc_event(void *ud, const struct event *ev)
{
	struct link *l = ud;
	if (l->hooks.event)
		l->hooks.event(l->hooks.ud, l, ev);
}

static void on_irc_registered(void *ud)
{
	struct link *l = ud;
	l->retries = 0; /* a good connection resets the backoff */
	if (l->hooks.registered)
		l->hooks.registered(l->hooks.ud, l);
}

static void flush(struct link *l)
{
	if (l->hooks.flush)
		l->hooks.flush(l->hooks.ud, l);
}

/* ---- timers ------------------------------------------------------------- */

static void force_close(struct link *l)
{
	if (l->wsi)
		lws_set_timeout(l->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void tick_cb(lws_sorted_usec_list_t *sul)
{
	struct link *l = lws_container_of(sul, struct link, sul_tick);
	if (l->up && !irc_tick(link_irc(l), clock_wall_ms()))
		force_close(l);
	else if (!l->up && l->wsi && l->connected_at &&
		 clock_mono_ms() - l->connected_at > (int64_t)(l->cfg->ping_seconds * 1000)) {
		/* a server that accepts and then says nothing (or never finishes
		 * the TLS handshake) must not hold the link forever */
		log_warn("irc[%s]: connected but nothing usable for %.0f s; reconnecting", l->cfg->name,
			 l->cfg->ping_seconds);
		l->connected_at = 0;
		force_close(l);
	}
	flush(l);
	lws_sul_schedule(l->ctx, 0, &l->sul_tick, tick_cb, TICK_MS * LWS_US_PER_MS);
}

static void pace_cb(lws_sorted_usec_list_t *sul)
{
	struct link *l = lws_container_of(sul, struct link, sul_pace);
	if (l->wsi && l->up)
		lws_callback_on_writable(l->wsi);
}

static void retry_cb(lws_sorted_usec_list_t *sul)
{
	struct link *l = lws_container_of(sul, struct link, sul_retry);
	if (!l->quitting)
		connect_now(l);
}

static void quit_cb(lws_sorted_usec_list_t *sul)
{
	struct link *l = lws_container_of(sul, struct link, sul_quit);
	force_close(l); /* the server did not close after our QUIT */
}

static void next_addr_cb(lws_sorted_usec_list_t *sul)
{
	struct link *l = lws_container_of(sul, struct link, sul_retry);
	if (!l->quitting)
		connect_addr(l);
}

static void schedule_retry(struct link *l)
{
	if (l->quitting) {
		l->done = true;
		return;
	}
	if (l->next_addr < l->addrs.n) {
		/* the host has another address: try it now, back off only
		 * once every address has failed */
		lws_sul_schedule(l->ctx, 0, &l->sul_retry, next_addr_cb, 1);
		return;
	}
	l->addrs.n = 0; /* look the host up again before the next attempt */
	unsigned ms = lws_retry_get_delay_ms(l->ctx, &l->retry, &l->retries, NULL);
	log_info("irc[%s]: reconnecting in %.1f s", l->cfg->name, ms / 1000.0);
	lws_sul_schedule(l->ctx, 0, &l->sul_retry, retry_cb, (lws_usec_t)ms * LWS_US_PER_MS);
}

/* ---- connection --------------------------------------------------------- */

static void go_up(struct link *l)
{
	l->up = true;
	pace_init(&l->pace, l->cfg->pace_burst, l->cfg->pace_per_second, clock_mono_ms());
	irc_connected(l->irc, clock_wall_ms());
	lws_callback_on_writable(l->wsi);
}

static void on_connected(struct link *l)
{
	l->stats.connects++;
	l->addrs.n = 0; /* a later reconnect looks the host up afresh */
	l->connected_at = clock_mono_ms();
	buf_clear(&l->rx);
	buf_clear(&l->frame);
	l->discarding = l->frame_discarding = false;
	if (l->mode == LINK_TLS) {
		struct buf err = BUF_INIT;
		l->tls = tls_conn_new(l->tls_ctx, l->cfg->host, &err);
		if (!l->tls) {
			log_error("irc[%s]: %s", l->cfg->name, err.p);
			buf_free(&err);
			force_close(l);
			return;
		}
		lws_callback_on_writable(l->wsi); /* send the ClientHello */
		return;
	}
	log_info("irc[%s]: connected to %s:%d%s", l->cfg->name, l->cfg->host, l->cfg->port,
		 l->mode == LINK_WS ? (l->cfg->tls ? " (WebSocket, TLS)" : " (WebSocket)") : "");
	go_up(l);
}

static void on_closed(struct link *l)
{
	bool was_up = l->up;
	l->wsi = NULL;
	l->up = false;
	l->connected_at = 0;
	l->quit_sent = false;
	lws_sul_cancel(&l->sul_pace);
	lws_sul_cancel(&l->sul_quit);
	tls_conn_free(l->tls);
	l->tls = NULL;
	irc_disconnected(l->irc);
	flush(l);
	if (was_up) {
		l->stats.disconnects++;
		if (!l->quitting)
			log_warn("irc[%s]: disconnected", l->cfg->name);
	}
	schedule_retry(l);
}

/* "host:port", and the address being tried when the host is a name */
static const char *where(const struct link *l, char *w, size_t n)
{
	const char *addr = l->next_addr ? l->addrs.addr[l->next_addr - 1] : l->cfg->host;
	if (strcmp(addr, l->cfg->host))
		snprintf(w, n, "%s:%d (%s)", l->cfg->host, l->cfg->port, addr);
	else
		snprintf(w, n, "%s:%d", l->cfg->host, l->cfg->port);
	return w;
}

static void resolved(void *ud, const struct resolve_result *res)
{
	struct link *l = ud;
	l->resolving = NULL;
	if (res->error) {
		log_warn("irc[%s]: cannot look up %s: %s", l->cfg->name, l->cfg->host, res->error);
		schedule_retry(l);
		return;
	}
	l->addrs = *res;
	l->next_addr = 0;
	connect_addr(l);
}

/* A new attempt: look the host up (off the loop; a numeric host is
 * answered on the next turn), then connect to its addresses in turn. */
static void connect_now(struct link *l)
{
	if (l->resolving)
		return;
	l->addrs.n = l->next_addr = 0;
	if (!resolve_is_numeric(l->cfg->host))
		log_info("irc[%s]: looking up %s", l->cfg->name, l->cfg->host);
	l->resolving = resolve_start(l->ctx, l->cfg->host, l->cfg->port, RESOLVE_TIMEOUT_MS, resolved, l);
}

static void connect_addr(struct link *l)
{
	const char *addr = l->addrs.addr[l->next_addr++];
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = l->ctx;
	ci.vhost = l->vhost;
	ci.address = addr;
	ci.port = l->cfg->port;
	ci.host = l->cfg->host; /* the name: Host header, SNI, certificate check */
	ci.opaque_user_data = l;
	ci.pwsi = &l->wsi;
	if (l->mode == LINK_WS) {
		ci.path = l->cfg->ws_path;
		ci.origin = l->cfg->ws_origin;
		ci.protocol = l->subprotocols;
		ci.local_protocol_name = "rounds-irc-ws";
		if (l->cfg->tls) {
			ci.ssl_connection = LCCSCF_USE_SSL;
			if (!l->cfg->tls_verify)
				ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_ALLOW_EXPIRED |
						     LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_INSECURE;
		}
	} else {
		ci.method = "RAW";
		ci.local_protocol_name = "rounds-irc-raw";
		ci.ssl_connection = LCCSCF_PRIORITIZE_READS;
	}
	char w[RESOLVE_ADDR_LEN + 300];
	log_info("irc[%s]: connecting to %s", l->cfg->name, where(l, w, sizeof w));
	if (!lws_client_connect_via_info(&ci)) {
		l->wsi = NULL;
		log_warn("irc[%s]: cannot start a connection to %s", l->cfg->name, where(l, w, sizeof w));
		schedule_retry(l);
	}
}

/* ---- reading ------------------------------------------------------------ */

static void handle_line(struct link *l, char *line, size_t len, int64_t now)
{
	if (len && line[len - 1] == '\r')
		len--;
	if (len)
		irc_handle_line(l->irc, line, len, now);
}

static void overlong(struct link *l)
{
	l->stats.overlong++;
	log_warn("irc[%s]: dropped a line longer than %d bytes (%llu so far)", l->cfg->name,
		 IRCMSG_MAX_LINE, l->stats.overlong);
}

/* Splits a byte stream into lines. data is writable (it is lws's read
 * buffer or ours): complete lines are parsed where they lie. */
static void on_plain(struct link *l, char *data, size_t len)
{
	int64_t now = clock_wall_ms();
	l->stats.bytes_in += len;
	while (len) {
		char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		if (l->discarding) {
			if (nl)
				l->discarding = false;
		} else if (l->rx.len) {
			if (l->rx.len + n > IRCMSG_MAX_LINE) {
				overlong(l);
				buf_clear(&l->rx);
				l->discarding = !nl;
			} else {
				buf_add(&l->rx, data, n);
				if (nl) {
					handle_line(l, l->rx.p, l->rx.len, now);
					buf_clear(&l->rx);
				}
			}
		} else if (nl) {
			if (n > IRCMSG_MAX_LINE)
				overlong(l);
			else
				handle_line(l, data, n, now);
		} else if (n > IRCMSG_MAX_LINE) {
			overlong(l);
			l->discarding = true;
		} else {
			buf_add(&l->rx, data, n);
		}
		if (!nl)
			break;
		len -= n + 1;
		data = nl + 1;
	}
}

static void on_raw_rx(struct link *l, char *data, size_t len)
{
	if (l->mode != LINK_TLS) {
		on_plain(l, data, len);
		flush(l);
		return;
	}
	bool was_ready = tls_conn_ready(l->tls);
	if (tls_conn_feed(l->tls, data, len) != 0) {
		log_error("irc[%s]: %s", l->cfg->name, tls_conn_error(l->tls));
		force_close(l);
		return;
	}
	if (!was_ready && tls_conn_ready(l->tls)) {
		log_info("irc[%s]: connected to %s:%d (TLS, %s)", l->cfg->name, l->cfg->host,
			 l->cfg->port, l->cfg->tls_verify ? "certificate verified" : "NOT verified");
		go_up(l);
	}
	char plain[16384];
	int n;
	while ((n = tls_conn_read(l->tls, plain, sizeof plain - 1)) > 0)
		on_plain(l, plain, (size_t)n);
	flush(l);
	if (n < 0) {
		log_warn("irc[%s]: %s", l->cfg->name, tls_conn_error(l->tls));
		force_close(l);
		return;
	}
	if (tls_conn_pending(l->tls))
		lws_callback_on_writable(l->wsi);
}

static void on_ws_rx(struct link *l, struct lws *wsi, char *data, size_t len)
{
	if (lws_is_first_fragment(wsi)) {
		buf_clear(&l->frame);
		l->frame_discarding = false;
	}
	if (!l->frame_discarding && l->frame.len + len > IRCMSG_MAX_LINE + 2) {
		/* drop the whole message, not just this piece: what follows must
		 * never be glued onto what came before */
		overlong(l);
		buf_clear(&l->frame);
		l->frame_discarding = true;
	}
	if (l->frame_discarding) {
		if (lws_is_final_fragment(wsi))
			l->frame_discarding = false;
		return;
	}
	buf_add(&l->frame, data, len);
	if (!lws_is_final_fragment(wsi))
		return;
	buf_addc(&l->frame, '\n'); /* one line per frame; tolerate a CRLF inside */
	on_plain(l, l->frame.p, l->frame.len);
	buf_clear(&l->frame);
	buf_clear(&l->rx);
	flush(l);
}

/* ---- writing ------------------------------------------------------------ */

static int write_bytes(struct link *l, const void *data, size_t len, enum lws_write_protocol proto)
{
	memcpy(l->wbuf + LWS_PRE, data, len);
	l->stats.bytes_out += len;
	return lws_write(l->wsi, l->wbuf + LWS_PRE, len, proto) < (int)len ? -1 : 0;
}

static int on_writable(struct link *l)
{
	if (l->tls && tls_conn_pending(l->tls)) {
		char out[WRITE_MAX];
		size_t n = tls_conn_take(l->tls, out, sizeof out);
		if (write_bytes(l, out, n, LWS_WRITE_RAW))
			return -1;
		if (tls_conn_pending(l->tls) || (l->up && irc_queued(l->irc)))
			lws_callback_on_writable(l->wsi);
		return 0;
	}
	if (!l->up)
		return 0;
	size_t len;
	const char *line = irc_peek_line(l->irc, &len);
	if (!line)
		return 0;
	int64_t mono = clock_mono_ms();
	if (!pace_take(&l->pace, mono)) {
		lws_sul_schedule(l->ctx, 0, &l->sul_pace, pace_cb,
				 (lws_usec_t)pace_wait_ms(&l->pace, mono) * LWS_US_PER_MS);
		return 0;
	}
	bool is_quit = strncmp(line, "QUIT", 4) == 0 && (line[4] == ' ' || !line[4]);
	char out[WRITE_MAX];
	memcpy(out, line, len);
	int rc;
	if (l->mode == LINK_WS) {
		rc = write_bytes(l, out, len, LWS_WRITE_TEXT);
	} else {
		out[len++] = '\r';
		out[len++] = '\n';
		if (l->mode == LINK_TLS) {
			rc = tls_conn_write(l->tls, out, len);
			size_t n = rc ? 0 : tls_conn_take(l->tls, out, sizeof out);
			if (!rc)
				rc = write_bytes(l, out, n, LWS_WRITE_RAW);
		} else {
			rc = write_bytes(l, out, len, LWS_WRITE_RAW);
		}
	}
	if (rc) {
		log_warn("irc[%s]: write failed", l->cfg->name);
		return -1;
	}
	irc_pop_line(l->irc, clock_wall_ms());
	flush(l);
	if (is_quit && l->quitting) {
		l->quit_sent = true;
		lws_sul_schedule(l->ctx, 0, &l->sul_quit, quit_cb, QUIT_GRACE_MS * LWS_US_PER_MS);
	}
	if (irc_queued(l->irc) || (l->tls && tls_conn_pending(l->tls)))
		lws_callback_on_writable(l->wsi);
	return 0;
}

/* ---- the lws callback --------------------------------------------------- */

static int link_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len)
{
	struct link *l = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	if (!l)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
		char q[200];
		char w[RESOLVE_ADDR_LEN + 300];
		log_warn("irc[%s]: cannot connect to %s: %s", l->cfg->name, where(l, w, sizeof w),
			 in ? log_quote(q, sizeof q, in, len ? len : strlen(in)) : "unknown error");
		l->wsi = NULL;
		tls_conn_free(l->tls);
		l->tls = NULL;
		schedule_retry(l);
		return 0;
	}
	case LWS_CALLBACK_RAW_CONNECTED:
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		l->wsi = wsi;
		on_connected(l);
		return 0;
	case LWS_CALLBACK_RAW_RX:
		on_raw_rx(l, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		on_ws_rx(l, wsi, in, len);
		return 0;
	case LWS_CALLBACK_RAW_WRITEABLE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writable(l);
	case LWS_CALLBACK_RAW_CLOSE:
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (l->wsi == wsi || !l->wsi)
			on_closed(l);
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{"rounds-irc-raw", link_callback, 0, 0, 0, NULL, 0},
	{"rounds-irc-ws", link_callback, 0, 16384, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

const struct lws_protocols *link_protocols(void)
{
	return protocols;
}

/* ---- lifecycle ---------------------------------------------------------- */

struct link *link_new(struct lws_context *ctx, const struct config_network *cfg,
		      const char *const *channels, size_t n_channels,
		      const struct link_hooks *hooks, struct buf *err)
{
	struct link *l = mem_calloc(1, sizeof *l);
	l->ctx = ctx;
	l->cfg = cfg;
	l->hooks = *hooks;
	l->mode = cfg->websocket ? LINK_WS : (cfg->tls ? LINK_TLS : LINK_RAW);
	l->wbuf = mem_alloc(LWS_PRE + WRITE_MAX);

	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.vhost_name = cfg->name;
	if (l->mode == LINK_WS && cfg->tls) {
		info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.client_ssl_ca_filepath = cfg->ca_file;
	}
	l->vhost = lws_create_vhost(ctx, &info);
	if (!l->vhost) {
		buf_printf(err, "network %s: cannot create its libwebsockets vhost", cfg->name);
		goto fail;
	}
	if (l->mode == LINK_TLS) {
		l->tls_ctx = tls_ctx_new(cfg->ca_file, cfg->tls_verify, err);
		if (!l->tls_ctx) {
			buf_printf(err, " (network %s)", cfg->name);
			goto fail;
		}
	}
	if (cfg->tls && !cfg->tls_verify)
		log_warn("irc[%s]: TLS certificates are NOT verified (tls_verify is false)", cfg->name);

	struct buf sp = BUF_INIT;
	for (size_t i = 0; i < cfg->n_ws_subprotocols; i++)
		buf_printf(&sp, "%s%s", i ? ", " : "", cfg->ws_subprotocols[i]);
	l->subprotocols = buf_steal(&sp);

	/* backoff: min, doubling, up to max; 20% jitter; never give up */
	uint32_t ms = (uint32_t)(cfg->reconnect_min_seconds * 1000);
	uint32_t max = (uint32_t)(cfg->reconnect_max_seconds * 1000);
	size_t n = 0;
	while (n < 15 && ms < max) {
		l->retry_table[n++] = ms;
		ms = ms * 2 > max ? max : ms * 2;
	}
	l->retry_table[n++] = max;
	l->retry.retry_ms_table = l->retry_table;
	l->retry.retry_ms_table_count = (uint16_t)n;
	l->retry.conceal_count = UINT16_MAX;
	l->retry.jitter_percent = 20;

	struct irc_options opt = {
		.network = cfg->name, .nick = cfg->nick, .username = cfg->username,
		.realname = cfg->realname, .sasl_account = cfg->sasl_account,
		.sasl_password = cfg->sasl_password, .channels = channels, .n_channels = n_channels,
		.ping_ms = (int)(cfg->ping_seconds * 1000),
	};
	struct irc_callbacks cb = {l, on_irc_want_write, on_irc_event, on_irc_registered};
	l->irc = irc_new(&opt, &cb);
	return l;
fail:
	link_free(l);
	return NULL;
}

void link_start(struct link *l)
{
	l->started = true;
	connect_now(l);
	lws_sul_schedule(l->ctx, 0, &l->sul_tick, tick_cb, TICK_MS * LWS_US_PER_MS);
}

void link_quit(struct link *l, const char *reason)
{
	if (l->quitting)
		return;
	l->quitting = true;
	lws_sul_cancel(&l->sul_retry);
	if (l->up) {
		irc_quit(l->irc, reason);
		/* the posts queued before the QUIT go out first, paced */
		lws_sul_schedule(l->ctx, 0, &l->sul_quit, quit_cb,
				 (QUIT_GRACE_MS + 1000 * (lws_usec_t)irc_queued(l->irc)) * LWS_US_PER_MS);
	} else if (l->wsi) {
		force_close(l);
	} else {
		resolve_cancel(l->resolving);
		l->resolving = NULL;
		l->done = true;
	}
}

bool link_done(const struct link *l)
{
	return l->done || !l->started;
}

void link_free(struct link *l)
{
	if (!l)
		return;
	lws_sul_cancel(&l->sul_retry);
	lws_sul_cancel(&l->sul_tick);
	lws_sul_cancel(&l->sul_pace);
	lws_sul_cancel(&l->sul_quit);
	resolve_cancel(l->resolving);
	if (l->wsi)
		lws_set_opaque_user_data(l->wsi, NULL);
	irc_free(l->irc);
	tls_conn_free(l->tls);
	tls_ctx_free(l->tls_ctx);
	buf_free(&l->rx);
	buf_free(&l->frame);
	free(l->subprotocols);
	free(l->wbuf);
	free(l);
}

struct irc *link_irc(struct link *l)
{
	return l->irc;
}

const char *link_network(const struct link *l)
{
	return l->cfg->name;
}

const struct link_stats *link_stats(const struct link *l)
{
	return &l->stats;
}
