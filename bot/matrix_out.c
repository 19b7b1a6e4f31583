/* matrix_out.c: what the Matrix transport sends, one request at a time and
 * in order: the bot's posts (m.notice), private messages (in a room the bot
 * makes with the person), redactions, kicks, bans and power-level changes
 * (mutes). A post or a redaction keeps its transaction id on every retry,
 * so a retried request never posts twice. 429 waits what the server says;
 * no answer or a 5xx backs off; any other refusal is logged and dropped. */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "log.h"
#include "matrix_impl.h"
#include "matrix_sync.h"
#include "mem.h"

enum { OUT_MAX_TRIES = 12, OUT_BACKOFF_MAX_MS = 60000, OUT_MAX_QUEUED = 2000 };

static void out_free(struct mx_out *o)
{
	free(o->room);
	free(o->user);
	free(o->text);
	free(o->event_id);
	free(o);
}

static struct mx_out *out_new(struct tmx *m, enum mx_out_kind kind, const char *room, const char *user,
			      const char *text)
{
	struct mx_out *o = mem_calloc(1, sizeof *o);
	o->kind = kind;
	o->room = room ? mem_strdup(room) : NULL;
	o->user = user ? mem_strdup(user) : NULL;
	o->text = text ? mem_strdup(text) : NULL;
	snprintf(o->txn, sizeof o->txn, "rounds.%lld.%llu", (long long)m->txn_base,
		 (unsigned long long)++m->txn_seq);
	return o;
}

size_t mx_out_queued(const struct tmx *m)
{
	size_t n = 0;
	for (const struct mx_out *o = m->out_head; o; o = o->next)
		n++;
	return n;
}

void mx_out_push(struct tmx *m, struct mx_out *o)
{
	if (mx_out_queued(m) >= OUT_MAX_QUEUED) {
		log_error("matrix[%s]: %d requests are waiting for the homeserver; dropping a new one",
			  m->base.cfg->name, OUT_MAX_QUEUED);
		m->send_failed++;
		out_free(o);
		return;
	}
	if (m->out_tail)
		m->out_tail->next = o;
	else
		m->out_head = o;
	m->out_tail = o;
	mx_out_kick(m);
}

static void push_front(struct tmx *m, struct mx_out *o)
{
	o->next = m->out_head;
	m->out_head = o;
	if (!m->out_tail)
		m->out_tail = o;
}

static void pop(struct tmx *m)
{
	struct mx_out *o = m->out_head;
	m->out_head = o->next;
	if (!m->out_head)
		m->out_tail = NULL;
	out_free(o);
}

void mx_out_free_all(struct tmx *m)
{
	while (m->out_head)
		pop(m);
	if (m->out_req)
		http_cancel(m->http, m->out_req);
	m->out_req = 0;
}

static void send_head(struct tmx *m);

static void out_retry_cb(lws_sorted_usec_list_t *sul)
{
	struct tmx *m = lws_container_of(sul, struct tmx, sul_out);
	m->out_waiting = false;
	mx_out_kick(m);
}

void mx_out_kick(struct tmx *m)
{
	if (m->out_req || !m->out_head || m->out_waiting)
		return;
	if (m->phase != MX_SYNC)
		return; /* not logged in or not in the rooms yet: sent once it is */
	send_head(m);
}

/* The private room the bot talks to user in, or NULL. */
static struct mx_room *dm_room(struct tmx *m, const char *user)
{
	for (size_t i = m->n_configured; i < m->n_rooms; i++)
		if (m->rooms[i].dm_user && strcmp(m->rooms[i].dm_user, user) == 0)
			return &m->rooms[i];
	/* made before a restart: kept in the store */
	struct buf key = BUF_INIT, id = BUF_INIT;
	buf_printf(&key, "dm:%s", user);
	struct mx_room *r = NULL;
	if (m->base.hooks.state_get && m->base.hooks.state_get(m->base.hooks.ud, &m->base, key.p, &id) &&
	    id.len) {
		r = mx_room_add(m);
		r->id = buf_steal(&id);
		r->dm_user = mem_strdup(user);
		r->joined = true;
	}
	buf_free(&key);
	buf_free(&id);
	return r;
}

/* The content of a post: an m.notice; a topic ("T3: ...") gets its
 * heading in bold in the formatted body. */
static char *notice_content(const char *text, bool topic_bold)
{
	json_t *c = json_pack("{s:s, s:s}", "msgtype", "m.notice", "body", text);
	size_t digits = 0;
	if (topic_bold && (text[0] == 'T' || text[0] == 'Q'))
		while (text[1 + digits] >= '0' && text[1 + digits] <= '9')
			digits++;
	if (digits && text[1 + digits] == ':') {
		const char *dash = strstr(text, " — ");
		size_t head = dash ? (size_t)(dash - text) : strlen(text);
		struct buf html = BUF_INIT, part = BUF_INIT;
		buf_add(&part, text, head);
		buf_adds(&html, "<strong>");
		html_escape(&html, part.p);
		buf_adds(&html, "</strong>");
		html_escape(&html, text + head);
		json_object_set_new(c, "format", json_string("org.matrix.custom.html"));
		json_object_set_new(c, "formatted_body", json_string(html.p));
		buf_free(&html);
		buf_free(&part);
	}
	char *s = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	return s;
}

static void on_out_done(void *ud, const struct http_response *r);

/* Sends the head of the queue. Items that cannot be sent (their room is
 * gone) are dropped with a log line. */
static void send_head(struct tmx *m)
{
	while (m->out_head && !m->out_req) {
		struct mx_out *o = m->out_head;
		struct mx_room *room = o->room ? mx_room_by_configured(m, o->room) : NULL;
		struct buf path = BUF_INIT;
		char *body = NULL;
		const char *method = "PUT";
		if (o->kind == OUT_TELL || o->kind == OUT_CREATE_DM) {
			room = o->kind == OUT_TELL ? dm_room(m, o->user) : NULL;
			if (o->kind == OUT_TELL && !room) {
				/* first talk to this person: make the room, then send */
				push_front(m, out_new(m, OUT_CREATE_DM, NULL, o->user, NULL));
				continue;
			}
		}
		if (o->kind != OUT_CREATE_DM && (!room || !room->id || !room->joined)) {
			log_warn("matrix[%s]: cannot send to %s: the bot is not in that room", m->base.cfg->name,
				 o->room ? o->room : o->user ? o->user : "?");
			m->send_failed++;
			pop(m);
			buf_free(&path);
			continue;
		}
		switch (o->kind) {
		case OUT_SEND:
		case OUT_TELL:
			buf_adds(&path, "/rooms/");
			http_escape(&path, room->id);
			buf_adds(&path, "/send/m.room.message/");
			http_escape(&path, o->txn);
			body = notice_content(o->text, o->kind == OUT_SEND);
			break;
		case OUT_CREATE_DM: {
			method = "POST";
			buf_adds(&path, "/createRoom");
			json_t *b = json_pack("{s:b, s:[s], s:s, s:s}", "is_direct", 1, "invite", o->user,
					      "preset", "trusted_private_chat", "name", "rounds");
			body = json_dumps(b, JSON_COMPACT);
			json_decref(b);
			break;
		}
		case OUT_REDACT: {
			buf_adds(&path, "/rooms/");
			http_escape(&path, room->id);
			buf_adds(&path, "/redact/");
			http_escape(&path, o->event_id);
			buf_adds(&path, "/");
			http_escape(&path, o->txn);
			json_t *b = json_pack("{s:s}", "reason", o->text ? o->text : "");
			body = json_dumps(b, JSON_COMPACT);
			json_decref(b);
			break;
		}
		case OUT_KICK:
		case OUT_BAN: {
			method = "POST";
			buf_adds(&path, "/rooms/");
			http_escape(&path, room->id);
			buf_adds(&path, o->kind == OUT_KICK ? "/kick" : "/ban");
			json_t *b = json_pack("{s:s, s:s}", "user_id", o->user, "reason", o->text ? o->text : "");
			body = json_dumps(b, JSON_COMPACT);
			json_decref(b);
			break;
		}
		case OUT_POWER: {
			/* the room's current levels with this one change */
			buf_adds(&path, "/rooms/");
			http_escape(&path, room->id);
			buf_adds(&path, "/state/m.room.power_levels/");
			json_t *pl = room->power ? json_deep_copy(room->power) : json_object();
			json_t *users = json_object_get(pl, "users");
			if (!json_is_object(users)) {
				users = json_object();
				json_object_set_new(pl, "users", users);
			}
			if (o->level == INT64_MIN)
				json_object_del(users, o->user);
			else
				json_object_set_new(users, o->user, json_integer((json_int_t)o->level));
			body = json_dumps(pl, JSON_COMPACT);
			json_decref(pl);
			break;
		}
		}
		m->out_req = mx_request(m, method, &path, body, 60, on_out_done);
		free(body);
		buf_free(&path);
	}
}

static void on_out_done(void *ud, const struct http_response *r)
{
	struct tmx *m = ud;
	m->out_req = 0;
	struct mx_out *o = m->out_head;
	if (!o)
		return;
	if (r->status == 200) {
		if (o->kind == OUT_CREATE_DM) {
			json_t *j = json_loadb(r->body, r->len, 0, NULL);
			const char *id = json_string_value(json_object_get(j, "room_id"));
			if (id) {
				struct mx_room *room = mx_room_add(m);
				room->id = mem_strdup(id);
				room->dm_user = mem_strdup(o->user);
				room->joined = true;
				struct buf key = BUF_INIT;
				buf_printf(&key, "dm:%s", o->user);
				if (m->base.hooks.state_set)
					m->base.hooks.state_set(m->base.hooks.ud, &m->base, key.p, id);
				buf_free(&key);
			}
			json_decref(j);
		} else {
			m->sent++;
		}
		m->out_backoff_ms = 0;
		pop(m);
		mx_out_kick(m);
		return;
	}
	struct buf why = BUF_INIT;
	mx_describe_error(r, &why);
	bool transient = r->status == 0 || r->status == 429 || r->status >= 500;
	if (!transient || m->quitting || ++o->tries >= OUT_MAX_TRIES) {
		log_error("matrix[%s]: the homeserver refused a request (%s); dropped", m->base.cfg->name,
			  why.p);
		m->send_failed++;
		pop(m);
		buf_free(&why);
		mx_out_kick(m);
		return;
	}
	int64_t wait = -1;
	if (r->status == 429) {
		json_t *j = json_loadb(r->body, r->len, 0, NULL);
		json_t *ra = json_object_get(j, "retry_after_ms");
		wait = json_is_integer(ra) && json_integer_value(ra) >= 0 ? (int64_t)json_integer_value(ra)
									: r->retry_after_ms;
		json_decref(j);
	}
	if (wait < 0) {
		m->out_backoff_ms = m->out_backoff_ms ? m->out_backoff_ms * 2 : 1000;
		if (m->out_backoff_ms > OUT_BACKOFF_MAX_MS)
			m->out_backoff_ms = OUT_BACKOFF_MAX_MS;
		wait = m->out_backoff_ms;
	}
	log_warn("matrix[%s]: sending failed (%s); trying again in %lld ms", m->base.cfg->name, why.p,
		 (long long)wait);
	buf_free(&why);
	m->out_waiting = true;
	lws_sul_schedule(m->ctx, 0, &m->sul_out, out_retry_cb, (lws_usec_t)wait * LWS_US_PER_MS + 1000);
}

/* ---- the transport's sending operations ------------------------------------ */

int mx_say(struct transport *t, const char *room, const char *text)
{
	struct tmx *m = (struct tmx *)t;
	if (!text || !*text)
		return -1;
	mx_out_push(m, out_new(m, OUT_SEND, room, NULL, text));
	return 0;
}

int mx_tell(struct transport *t, const char *nick, const char *account, const char *text)
{
	struct tmx *m = (struct tmx *)t;
	if (!account || !text || !*text)
		return -1; /* Matrix addresses people by user id */
	mx_out_push(m, out_new(m, OUT_TELL, NULL, account, text));
	return 0;
}

/* Checks that the bot may act on account in room; sets why if not. */
static struct mx_room *may_act(struct tmx *m, const char *room, const char *account, const char *what,
			       int64_t need, struct buf *why)
{
	struct mx_room *r = mx_room_by_configured(m, room);
	if (!r || !r->joined) {
		buf_printf(why, "the bot is not in %s right now", room);
		return NULL;
	}
	int64_t mine = mx_power_of(r->power, m->user_id);
	if (mine < need) {
		buf_printf(why, "the bot's power level in %s is %lld, below the %lld needed to %s", room,
			   (long long)mine, (long long)need, what);
		return NULL;
	}
	if (account) {
		if (!strmap_has(&r->members, account)) {
			buf_printf(why, "%s is no longer in %s", account, room);
			return NULL;
		}
		int64_t theirs = mx_power_of(r->power, account);
		if (theirs >= mine) {
			buf_printf(why, "%s's power level (%lld) is not below the bot's (%lld)", account,
				   (long long)theirs, (long long)mine);
			return NULL;
		}
	}
	return r;
}

int mx_sanction(struct transport *t, const char *room, const char *nick, const char *account,
		enum transport_sanction what, const char *reason, struct buf *undo, struct buf *why)
{
	struct tmx *m = (struct tmx *)t;
	if (!account) {
		buf_adds(why, "the sender's user id is not known");
		return -1;
	}
	struct mx_room *r = mx_room_by_configured(m, room);
	json_t *pl = r ? r->power : NULL;
	if (what == TRANSPORT_KICK || what == TRANSPORT_BAN) {
		const char *action = what == TRANSPORT_KICK ? "kick" : "ban";
		if (!may_act(m, room, account, action, mx_power_needed(pl, action, false), why))
			return -1;
		struct mx_out *o = out_new(m, what == TRANSPORT_KICK ? OUT_KICK : OUT_BAN, room, account, reason);
		mx_out_push(m, o);
		buf_clear(undo);
		buf_adds(undo, account);
		return 0;
	}
	/* mute: a power level below what sending a message needs */
	if (!may_act(m, room, account, "change power levels", mx_power_needed(pl, "m.room.power_levels", true),
		     why))
		return -1;
	json_t *users = json_object_get(pl, "users");
	json_t *old = json_object_get(users, account);
	buf_clear(undo);
	if (json_is_integer(old))
		buf_printf(undo, "%s %lld", account, (long long)json_integer_value(old));
	else
		buf_printf(undo, "%s -", account); /* no entry of their own: removed again */
	struct mx_out *o = out_new(m, OUT_POWER, room, account, reason);
	o->level = mx_power_to_speak(pl) - 1;
	mx_out_push(m, o);
	return 0;
}

int mx_lift(struct transport *t, const char *room, const char *undo)
{
	struct tmx *m = (struct tmx *)t;
	const char *tab = strchr(undo, ' ');
	struct mx_room *r = mx_room_by_configured(m, room);
	if (!tab || !r || !r->joined || m->phase != MX_SYNC)
		return -1;
	struct buf user = BUF_INIT;
	buf_add(&user, undo, (size_t)(tab - undo));
	struct mx_out *o = out_new(m, OUT_POWER, room, user.p, NULL);
	o->level = strcmp(tab + 1, "-") == 0 ? INT64_MIN : strtoll(tab + 1, NULL, 10);
	buf_free(&user);
	mx_out_push(m, o);
	return 0;
}

int mx_remove(struct transport *t, const char *room, const char *msgid, const char *reason,
	      struct buf *why)
{
	struct tmx *m = (struct tmx *)t;
	struct mx_room *r = mx_room_by_configured(m, room);
	if (!may_act(m, room, NULL, "redact messages", mx_power_needed(r ? r->power : NULL, "redact", false),
		     why))
		return -1;
	struct mx_out *o = out_new(m, OUT_REDACT, room, NULL, reason);
	o->event_id = mem_strdup(msgid);
	mx_out_push(m, o);
	return 0;
}
