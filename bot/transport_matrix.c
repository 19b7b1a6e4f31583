/* transport_matrix.c: the Matrix transport (client-server API v3): log in
 * (m.login.password, or an access token), whoami, a sync filter, join the
 * configured rooms, then /sync long-polls. Every event read becomes a
 * struct event for the core; the since-token is saved after the events it
 * covers (transport state, committed with them), so a restart resumes
 * exactly where it stopped. A limited timeline is backfilled with
 * /messages. Events of the first sync after a start and backfilled ones
 * are history: stored, never acted on. What it sends is matrix_out.c. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "matrix_impl.h"
#include "matrix_sync.h"
#include "mem.h"

enum { BACKFILL_PAGE = 100, BACKFILL_MAX_PAGES = 20, BACKOFF_MAX_MS = 300000 };

static void next_step(struct tmx *m);

/* ---- requests -------------------------------------------------------------- */

int64_t mx_request(struct tmx *m, const char *method, const struct buf *path, const char *body,
		   int timeout_s, http_done_fn fn)
{
	struct buf full = BUF_INIT;
	buf_printf(&full, MX_API "%s", buf_str(path));
	struct http_request rq = {
		.method = method, .path = full.p, .bearer = m->token, .body = body,
		.body_len = body ? strlen(body) : 0, .timeout_s = timeout_s,
	};
	int64_t id = http_send(m->http, &rq, fn, m);
	buf_free(&full);
	return id;
}

void mx_describe_error(const struct http_response *r, struct buf *out)
{
	if (r->status == 0) {
		buf_printf(out, "no answer (%s)", r->error ? r->error : "?");
		return;
	}
	json_t *j = json_loadb(r->body, r->len, 0, NULL);
	const char *code = json_string_value(json_object_get(j, "errcode"));
	const char *err = json_string_value(json_object_get(j, "error"));
	char q[300];
	buf_printf(out, "HTTP %d", r->status);
	if (code)
		buf_printf(out, " %s", log_quote(q, sizeof q, code, strlen(code)));
	if (err)
		buf_printf(out, ": %s", log_quote(q, sizeof q, err, strlen(err)));
	json_decref(j);
}

static void retry_cb(lws_sorted_usec_list_t *sul)
{
	struct tmx *m = lws_container_of(sul, struct tmx, sul_retry);
	next_step(m);
}

/* Waits before trying the current step again: the server's retry_after_ms
 * when it gave one, else a doubling backoff within the reconnect bounds. */
static void retry_later(struct tmx *m, const struct http_response *r)
{
	int64_t wait = -1;
	if (r && r->status == 429) {
		json_t *j = json_loadb(r->body, r->len, 0, NULL);
		json_t *ra = json_object_get(j, "retry_after_ms");
		if (json_is_integer(ra) && json_integer_value(ra) >= 0)
			wait = (int64_t)json_integer_value(ra);
		json_decref(j);
		if (wait < 0)
			wait = r->retry_after_ms;
	}
	if (wait < 0) {
		int min = (int)(m->base.cfg->reconnect_min_seconds * 1000);
		int max = (int)(m->base.cfg->reconnect_max_seconds * 1000);
		m->backoff_ms = m->backoff_ms ? m->backoff_ms * 2 : min;
		if (m->backoff_ms > max)
			m->backoff_ms = max;
		wait = m->backoff_ms;
	}
	if (wait > BACKOFF_MAX_MS)
		wait = BACKOFF_MAX_MS;
	lws_sul_schedule(m->ctx, 0, &m->sul_retry, retry_cb, (lws_usec_t)wait * LWS_US_PER_MS + 1000);
}

/* ---- login, whoami, filter, joins ---------------------------------------- */

static void on_login(void *ud, const struct http_response *r)
{
	struct tmx *m = ud;
	m->req = 0;
	struct buf why = BUF_INIT;
	json_t *j = r->status == 200 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	const char *token = json_string_value(json_object_get(j, "access_token"));
	if (!token) {
		mx_describe_error(r, &why);
		log_error("matrix[%s]: login as %s failed: %s", m->base.cfg->name, m->base.cfg->mx_user, why.p);
		retry_later(m, r);
	} else {
		free(m->token);
		m->token = mem_strdup(token);
		m->backoff_ms = 0;
		m->phase = MX_WHOAMI;
		next_step(m);
	}
	json_decref(j);
	buf_free(&why);
}

static void on_whoami(void *ud, const struct http_response *r)
{
	struct tmx *m = ud;
	m->req = 0;
	json_t *j = r->status == 200 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	const char *uid = json_string_value(json_object_get(j, "user_id"));
	if (!uid) {
		struct buf why = BUF_INIT;
		mx_describe_error(r, &why);
		log_error("matrix[%s]: whoami failed: %s", m->base.cfg->name, why.p);
		buf_free(&why);
		if (r->status == 401 && m->base.cfg->mx_password) {
			m->phase = MX_LOGIN; /* the token expired: log in again */
			next_step(m);
		} else {
			retry_later(m, r);
		}
	} else {
		if (strcmp(uid, m->base.cfg->mx_user) != 0)
			log_warn("matrix[%s]: the access token is %s's, not %s's (the config's \"user\"); "
				 "running as %s", m->base.cfg->name, uid, m->base.cfg->mx_user, uid);
		free(m->user_id);
		m->user_id = mem_strdup(uid);
		log_info("matrix[%s]: logged in as %s", m->base.cfg->name, uid);
		m->backoff_ms = 0;
		m->phase = m->filter_id ? MX_JOIN : MX_FILTER;
		next_step(m);
	}
	json_decref(j);
}

static void on_filter(void *ud, const struct http_response *r)
{
	struct tmx *m = ud;
	m->req = 0;
	json_t *j = r->status == 200 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	const char *id = json_string_value(json_object_get(j, "filter_id"));
	if (!id) {
		struct buf why = BUF_INIT;
		mx_describe_error(r, &why);
		log_error("matrix[%s]: could not create the sync filter: %s", m->base.cfg->name, why.p);
		buf_free(&why);
		retry_later(m, r);
	} else {
		m->filter_id = mem_strdup(id);
		m->phase = MX_JOIN;
		next_step(m);
	}
	json_decref(j);
}

static void on_join(void *ud, const struct http_response *r)
{
	struct tmx *m = ud;
	m->req = 0;
	struct mx_room *room = &m->rooms[m->joining];
	json_t *j = r->status == 200 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	const char *id = json_string_value(json_object_get(j, "room_id"));
	if (id) {
		if (!room->id)
			room->id = mem_strdup(id);
		room->joined = true;
		log_info("matrix[%s]: joined %s (%s)", m->base.cfg->name, room->configured, id);
	} else {
		struct buf why = BUF_INIT;
		mx_describe_error(r, &why);
		log_error("matrix[%s]: could not join %s: %s; the chat there cannot run until it can "
			  "(tried again at the next reconnect)", m->base.cfg->name, room->configured, why.p);
		buf_free(&why);
		if (r->status == 429 || r->status == 0 || r->status >= 500) {
			json_decref(j);
			retry_later(m, r);
			return;
		}
	}
	json_decref(j);
	m->joining++;
	next_step(m);
}

/* ---- sync ------------------------------------------------------------------ */

static void emit(struct tmx *m, struct mx_room *r, json_t *ev, bool history);

static void state_cb(void *ud, const char *room_id, json_t *ev)
{
	struct tmx *m = ud;
	struct mx_room *r = mx_room_by_id(m, room_id);
	struct mx_event e;
	if (!r)
		return;
	if (mx_event_parse(ev, &e, &m->text) != 0) {
		m->malformed++;
		return;
	}
	mx_room_apply_state(m, r, &e);
}

/* Timeline events are emitted in the second pass (after any backfill). */
static void emit_timeline_cb(void *ud, const char *room_id, json_t *ev)
{
	struct tmx *m = ud;
	struct mx_room *r = mx_room_by_id(m, room_id);
	if (r)
		emit(m, r, ev, !m->live);
}

static bool invite_is_ours(struct tmx *m, const char *room_id, json_t *events, struct mx_room **out)
{
	*out = NULL;
	for (size_t i = 0; i < m->n_configured; i++) {
		struct mx_room *r = &m->rooms[i];
		if ((r->id && strcmp(r->id, room_id) == 0) || strcmp(r->configured, room_id) == 0) {
			*out = r;
			return true;
		}
		size_t k;
		json_t *ev;
		json_array_foreach(events, k, ev) {
			const char *type = json_string_value(json_object_get(ev, "type"));
			json_t *content = json_object_get(ev, "content");
			const char *alias = json_string_value(json_object_get(content, "alias"));
			if (type && strcmp(type, "m.room.canonical_alias") == 0 && alias &&
			    strcmp(alias, r->configured) == 0) {
				*out = r;
				return true;
			}
		}
	}
	return false;
}

static void on_invite_join(void *ud, const struct http_response *r)
{
	struct tmx *m = ud;
	if (r->status == 200) {
		json_t *j = json_loadb(r->body, r->len, 0, NULL);
		const char *id = json_string_value(json_object_get(j, "room_id"));
		struct mx_room *room = id ? mx_room_by_id(m, id) : NULL;
		if (room)
			log_info("matrix[%s]: accepted the invite to %s (%s)", m->base.cfg->name,
				 room->configured, id);
		json_decref(j);
	} else {
		struct buf why = BUF_INIT;
		mx_describe_error(r, &why);
		log_warn("matrix[%s]: could not accept an invite: %s", m->base.cfg->name, why.p);
		buf_free(&why);
	}
}

static void invite_cb(void *ud, const char *room_id, json_t *events)
{
	struct tmx *m = ud;
	struct mx_room *r;
	if (!invite_is_ours(m, room_id, events, &r)) {
		char q[200];
		log_info("matrix[%s]: ignored an invite to %s (not a configured room)", m->base.cfg->name,
			 log_quote(q, sizeof q, room_id, strlen(room_id)));
		return;
	}
	if (r->joined)
		return;
	if (!r->id)
		r->id = mem_strdup(room_id);
	struct buf path = BUF_INIT;
	buf_adds(&path, "/rooms/");
	http_escape(&path, room_id);
	buf_adds(&path, "/join");
	mx_request(m, "POST", &path, NULL, 60, on_invite_join);
	buf_free(&path);
}

struct first_pass {
	struct tmx *m;
	bool need_backfill;
	size_t room;
	const char *prev_batch;
};

static void info_cb(void *ud, const char *room_id, bool limited, const char *prev_batch)
{
	struct first_pass *fp = ud;
	struct tmx *m = fp->m;
	struct mx_room *r = mx_room_by_id(m, room_id);
	/* a gap only exists after a since-token: an initial sync has no "before" */
	if (r && limited && prev_batch && m->since && !fp->need_backfill) {
		fp->need_backfill = true;
		fp->room = (size_t)(r - m->rooms);
		fp->prev_batch = prev_batch;
	}
}

static void first_state_cb(void *ud, const char *room_id, json_t *ev)
{
	struct first_pass *fp = ud;
	state_cb(fp->m, room_id, ev);
}

static void sync_request(struct tmx *m);
static void finish_sync(struct tmx *m);
static void backfill_next(struct tmx *m);

static void on_sync(void *ud, const struct http_response *r)
{
	struct tmx *m = ud;
	m->req = 0;
	if (m->quitting)
		return;
	json_t *j = r->status == 200 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	if (!j || !mx_sync_next_batch(j)) {
		if (r->status == 200) {
			m->malformed++;
			log_warn("matrix[%s]: a /sync answer that is not a sync response; trying again",
				 m->base.cfg->name);
		} else {
			struct buf why = BUF_INIT;
			mx_describe_error(r, &why);
			log_warn("matrix[%s]: /sync failed: %s", m->base.cfg->name, why.p);
			buf_free(&why);
		}
		json_decref(j);
		if (r->status == 401 && m->base.cfg->mx_password) {
			m->phase = MX_LOGIN;
			free(m->token);
			m->token = NULL;
		}
		retry_later(m, r);
		return;
	}
	m->backoff_ms = 0;
	m->syncs++;
	/* first pass: room state (members, power levels, encryption) and
	 * whether a timeline has a gap before it */
	struct first_pass fp = {m, false, 0, NULL};
	struct mx_sync_walk w1 = {&fp, info_cb, first_state_cb, NULL, NULL, NULL};
	m->malformed += mx_sync_walk(j, &w1);
	m->held = j;
	if (fp.need_backfill) {
		m->backfill_room = fp.room;
		m->backfill = json_array();
		m->backfill_from = mem_strdup(fp.prev_batch);
		m->backfill_pages = 0;
		backfill_next(m);
		return;
	}
	finish_sync(m);
}

/* Emits a held sync's timelines (after the backfill, if any), saves its
 * token, commits, and polls again. */
static void finish_sync(struct tmx *m)
{
	json_t *j = m->held;
	if (m->backfill) {
		/* the gap, oldest first, as history */
		struct mx_room *r = &m->rooms[m->backfill_room];
		log_info("matrix[%s]: backfilled %zu events of %s that the sync left out",
			 m->base.cfg->name, json_array_size(m->backfill),
			 r->configured ? r->configured : r->id);
		for (size_t i = json_array_size(m->backfill); i-- > 0;)
			emit(m, r, json_array_get(m->backfill, i), true);
		json_decref(m->backfill);
		m->backfill = NULL;
		free(m->backfill_from);
		m->backfill_from = NULL;
	}
	struct mx_sync_walk w2 = {m, NULL, NULL, emit_timeline_cb, invite_cb, NULL};
	mx_sync_walk(j, &w2);
	const char *next = mx_sync_next_batch(j);
	free(m->since);
	m->since = mem_strdup(next);
	if (m->base.hooks.state_set)
		m->base.hooks.state_set(m->base.hooks.ud, &m->base, "since", next);
	m->base.hooks.flush(m->base.hooks.ud, &m->base);
	json_decref(j);
	m->held = NULL;
	m->live = true;
	if (m->announce) {
		m->announce = false;
		if (m->base.hooks.ready)
			m->base.hooks.ready(m->base.hooks.ud, &m->base);
	}
	sync_request(m);
}

static void on_messages(void *ud, const struct http_response *r)
{
	struct tmx *m = ud;
	m->req = 0;
	if (m->quitting)
		return;
	json_t *j = r->status == 200 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	json_t *chunk = json_object_get(j, "chunk");
	if (!json_is_array(chunk)) {
		struct buf why = BUF_INIT;
		mx_describe_error(r, &why);
		log_warn("matrix[%s]: backfilling %s failed (%s); the gap stays in the record",
			 m->base.cfg->name, m->rooms[m->backfill_room].configured ? m->rooms[m->backfill_room].configured : "a room",
			 why.p);
		buf_free(&why);
		json_decref(j);
		finish_sync(m);
		return;
	}
	json_array_extend(m->backfill, chunk);
	const char *end = json_string_value(json_object_get(j, "end"));
	bool more = json_array_size(chunk) > 0 && end && ++m->backfill_pages < BACKFILL_MAX_PAGES &&
		    strcmp(end, m->backfill_from) != 0;
	if (more) {
		free(m->backfill_from);
		m->backfill_from = mem_strdup(end);
	} else if (json_array_size(chunk) > 0 && end && m->backfill_pages >= BACKFILL_MAX_PAGES) {
		log_warn("matrix[%s]: a gap of more than %d events in %s; the oldest were not fetched",
			 m->base.cfg->name, BACKFILL_PAGE * BACKFILL_MAX_PAGES,
			 m->rooms[m->backfill_room].configured ? m->rooms[m->backfill_room].configured : "a room");
	}
	json_decref(j);
	if (more)
		backfill_next(m);
	else
		finish_sync(m);
}

/* One page of /messages backwards, from the gap's end towards the token
 * of the previous sync. */
static void backfill_next(struct tmx *m)
{
	struct mx_room *r = &m->rooms[m->backfill_room];
	struct buf path = BUF_INIT;
	buf_adds(&path, "/rooms/");
	http_escape(&path, r->id);
	buf_adds(&path, "/messages?dir=b&limit=" );
	buf_printf(&path, "%d&from=", BACKFILL_PAGE);
	http_escape(&path, m->backfill_from);
	buf_adds(&path, "&to=");
	http_escape(&path, m->since);
	m->req = mx_request(m, "GET", &path, NULL, 60, on_messages);
	buf_free(&path);
}

static void sync_request(struct tmx *m)
{
	if (m->quitting)
		return;
	struct buf path = BUF_INIT;
	/* the first sync catches up at once; later ones long-poll */
	int timeout_ms = m->live ? (int)(m->base.cfg->mx_sync_timeout_seconds * 1000) : 0;
	buf_printf(&path, "/sync?timeout=%d", timeout_ms);
	if (m->filter_id) {
		buf_adds(&path, "&filter=");
		http_escape(&path, m->filter_id);
	}
	if (m->since) {
		buf_adds(&path, "&since=");
		http_escape(&path, m->since);
	}
	m->req = mx_request(m, "GET", &path, NULL, timeout_ms / 1000 + 30, on_sync);
	buf_free(&path);
}

/* ---- events ---------------------------------------------------------------- */

/* One timeline event to the core (and what it changes in the room). */
static void emit(struct tmx *m, struct mx_room *r, json_t *ev, bool history)
{
	struct mx_event e;
	if (mx_event_parse(ev, &e, &m->text) != 0) {
		m->malformed++;
		return;
	}
	m->events_in++;
	/* the sender's name before a change the event makes (a leave, a rename) */
	const char *nick = mx_display_name(r, e.sender);
	struct buf name = BUF_INIT, target = BUF_INIT;
	buf_adds(&name, nick);
	if (e.target)
		buf_adds(&target, e.kind == EVENT_NICK ? (e.displayname ? e.displayname : e.target)
						       : mx_display_name(r, e.target));
	if (e.state_key)
		mx_room_apply_state(m, r, &e);
	if (strcmp(e.type, "m.room.encrypted") == 0 && !r->encrypted) {
		r->encrypted = true;
		mx_room_apply_state(m, r, &e);
	}
	if (!e.kind) {
		buf_free(&name);
		buf_free(&target);
		return;
	}
	unsigned flags = 0;
	bool self = m->user_id && strcmp(e.sender, m->user_id) == 0;
	if (self)
		flags |= EVENT_F_SELF;
	if (history)
		flags |= EVENT_F_REPLAY;
	if (!r->configured)
		flags |= EVENT_F_PRIVATE;
	if (r->configured && mx_power_of(r->power, e.sender) >= m->base.cfg->mx_moderator_power)
		flags |= EVENT_F_OP;
	int64_t ts = e.ts;
	if (!ts) {
		ts = clock_wall_ms();
		flags |= EVENT_F_LOCAL_TIME;
	}
	struct event out = {
		.kind = e.kind, .flags = flags, .network = m->base.cfg->name,
		/* a private room is named by the person, as IRC private lines are */
		.room = r->configured ? r->configured : r->dm_user ? r->dm_user : e.sender,
		.nick = name.p, .account = e.sender, .text = e.text, .target = target.len ? target.p : NULL,
		.msgid = e.event_id, .reply_to = e.reply_to, .ts_ms = ts,
	};
	m->base.hooks.event(m->base.hooks.ud, &m->base, &out);
	if (e.redaction_id) {
		/* the redaction of a message that arrived already redacted, in case
		 * its own event is never seen (it is stored once either way: the
		 * store keeps one line per event id) */
		buf_clear(&name);
		buf_adds(&name, mx_display_name(r, e.redaction_sender));
		struct event red = out;
		red.kind = EVENT_REDACTION;
		red.flags = (flags & ~(unsigned)(EVENT_F_SELF | EVENT_F_OP | EVENT_F_LOCAL_TIME)) | EVENT_F_REPLAY;
		if (m->user_id && strcmp(e.redaction_sender, m->user_id) == 0)
			red.flags |= EVENT_F_SELF;
		red.nick = name.p;
		red.account = e.redaction_sender;
		red.text = NULL;
		red.msgid = e.redaction_id;
		red.reply_to = e.event_id;
		red.ts_ms = e.redaction_ts ? e.redaction_ts : ts;
		m->base.hooks.event(m->base.hooks.ud, &m->base, &red);
	}
	buf_free(&name);
	buf_free(&target);
}

/* ---- the steps ------------------------------------------------------------- */

static void next_step(struct tmx *m)
{
	if (m->quitting || m->req)
		return;
	const struct config_network *cfg = m->base.cfg;
	struct buf path = BUF_INIT, body = BUF_INIT;
	switch (m->phase) {
	case MX_LOGIN: {
		json_t *b = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s}", "type", "m.login.password",
				      "identifier", "type", "m.id.user", "user", cfg->mx_user,
				      "password", cfg->mx_password ? cfg->mx_password : "",
				      "initial_device_display_name", "rounds");
		if (cfg->mx_device_id)
			json_object_set_new(b, "device_id", json_string(cfg->mx_device_id));
		char *s = json_dumps(b, JSON_COMPACT);
		buf_adds(&path, "/login");
		m->req = mx_request(m, "POST", &path, s, 60, on_login);
		free(s);
		json_decref(b);
		break;
	}
	case MX_WHOAMI:
		buf_adds(&path, "/account/whoami");
		m->req = mx_request(m, "GET", &path, NULL, 60, on_whoami);
		break;
	case MX_FILTER: {
		/* only what the bot reads: room timelines and state, nothing else */
		static const char filter[] =
			"{\"presence\":{\"not_types\":[\"*\"]},\"account_data\":{\"not_types\":[\"*\"]},"
			"\"room\":{\"ephemeral\":{\"not_types\":[\"*\"]},\"account_data\":{\"not_types\":[\"*\"]},"
			"\"timeline\":{\"limit\":50}}}";
		buf_adds(&path, "/user/");
		http_escape(&path, m->user_id);
		buf_adds(&path, "/filter");
		m->req = mx_request(m, "POST", &path, filter, 60, on_filter);
		break;
	}
	case MX_JOIN:
		while (m->joining < m->n_configured && m->rooms[m->joining].joined)
			m->joining++;
		if (m->joining < m->n_configured) {
			buf_adds(&path, "/join/");
			http_escape(&path, m->rooms[m->joining].configured);
			m->req = mx_request(m, "POST", &path, NULL, 60, on_join);
			break;
		}
		/* "ready" waits for the first sync: what it brings is history, so
		 * the bot takes commands only once it has caught up */
		m->phase = MX_SYNC;
		m->announce = true;
		mx_out_kick(m);
		sync_request(m);
		break;
	case MX_SYNC:
		if (m->held)
			finish_sync(m); /* cannot happen: a held sync has its own chain */
		else
			sync_request(m);
		break;
	case MX_STOPPED:
		break;
	}
	buf_free(&path);
	buf_free(&body);
}

/* ---- the transport ----------------------------------------------------------- */

static void start(struct transport *t)
{
	struct tmx *m = (struct tmx *)t;
	struct buf since = BUF_INIT;
	if (t->hooks.state_get && t->hooks.state_get(t->hooks.ud, t, "since", &since) && since.len)
		m->since = buf_steal(&since);
	buf_free(&since);
	log_info("matrix[%s]: connecting to %s%s", t->cfg->name, t->cfg->mx_homeserver,
		 m->since ? " (resuming from the last sync)" : "");
	if (t->cfg->tls && !t->cfg->tls_verify)
		log_warn("matrix[%s]: TLS certificates are NOT verified (tls_verify is false)", t->cfg->name);
	next_step(m);
}

static bool is_member(struct transport *t, const char *room, const char *nick, const char *account)
{
	struct mx_room *r = mx_room_by_configured((struct tmx *)t, room);
	return r && account && strmap_has(&r->members, account);
}

static bool same_room(struct transport *t, const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static void fold_name(struct transport *t, char *name)
{
	(void)t; /* display names are compared as they are */
	(void)name;
}

static void quit(struct transport *t, const char *reason)
{
	struct tmx *m = (struct tmx *)t;
	m->quitting = true;
	lws_sul_cancel(&m->sul_retry);
	if (m->req) {
		http_cancel(m->http, m->req);
		m->req = 0;
	}
	json_decref(m->held);
	m->held = NULL;
}

static bool done(struct transport *t)
{
	struct tmx *m = (struct tmx *)t;
	return m->quitting && !m->out_req && !m->out_head;
}

static void log_stats(struct transport *t)
{
	struct tmx *m = (struct tmx *)t;
	log_info("network %s: %llu syncs, %llu events in, %llu malformed dropped; %llu sent, %llu "
		 "refused by the homeserver, %zu still queued", t->cfg->name, m->syncs, m->events_in,
		 m->malformed, m->sent, m->send_failed, mx_out_queued(m));
}

static void destroy(struct transport *t)
{
	struct tmx *m = (struct tmx *)t;
	if (!m)
		return;
	lws_sul_cancel(&m->sul_retry);
	lws_sul_cancel(&m->sul_out);
	mx_out_free_all(m);
	http_free(m->http);
	for (size_t i = 0; i < m->n_rooms; i++)
		mx_room_free(&m->rooms[i]);
	free(m->rooms);
	json_decref(m->held);
	json_decref(m->backfill);
	free(m->backfill_from);
	free(m->token);
	free(m->user_id);
	free(m->filter_id);
	free(m->since);
	buf_free(&m->scratch);
	buf_free(&m->text);
	free(m);
}

static const struct transport_ops matrix_ops = {
	.kind = "matrix", .start = start, .say = mx_say, .tell = mx_tell, .sanction = mx_sanction,
	.lift = mx_lift, .remove = mx_remove, .is_member = is_member, .same_room = same_room,
	.fold_name = fold_name, .quit = quit, .done = done, .log_stats = log_stats, .free = destroy,
};

struct transport *transport_matrix_new(struct lws_context *ctx, const struct config_network *cfg,
				       const char *const *rooms, size_t n_rooms,
				       const struct transport_hooks *hooks, struct buf *err)
{
	struct tmx *m = mem_calloc(1, sizeof *m);
	m->base.ops = &matrix_ops;
	m->base.cfg = cfg;
	m->base.hooks = *hooks;
	m->ctx = ctx;
	m->txn_base = clock_wall_ms();
	struct http_options o = {
		.name = cfg->name, .host = cfg->host, .port = cfg->port, .tls = cfg->tls,
		.tls_verify = cfg->tls_verify, .ca_file = cfg->ca_file, .base_path = cfg->mx_base_path,
	};
	m->http = http_new(ctx, &o, err);
	if (!m->http) {
		free(m);
		return NULL;
	}
	for (size_t i = 0; i < n_rooms; i++)
		mx_room_add(m)->configured = mem_strdup(rooms[i]);
	m->n_configured = n_rooms;
	if (cfg->mx_token) {
		m->token = mem_strdup(cfg->mx_token);
		m->phase = MX_WHOAMI;
	} else {
		m->phase = MX_LOGIN;
	}
	return &m->base;
}
