/* matrix_sync.c: see matrix_sync.h. Follows the client-server spec's
 * shapes (v1.x): /sync rooms.join.ROOM.{state,timeline}.events,
 * rooms.invite.ROOM.invite_state.events, rooms.leave; event content as
 * the m.room.* and m.reaction modules define it. */
#include "matrix_sync.h"

#include <stdlib.h>
#include <string.h>

static const char *str(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *obj_at(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_object(v) ? v : NULL;
}

/* A reply's body starts with the quoted original ("> <@a:b> text" lines,
 * then an empty line): that fallback is for clients that do not show
 * replies, and is left out of what is stored. */
static const char *strip_reply_fallback(const char *body)
{
	if (strncmp(body, "> ", 2) != 0)
		return body;
	const char *p = body;
	while (*p == '>') {
		const char *nl = strchr(p, '\n');
		if (!nl)
			return body; /* all quote: keep it as it is */
		p = nl + 1;
	}
	if (*p == '\n')
		return p + 1;
	return body;
}

static void parse_message(json_t *content, json_t *unsigned_, struct mx_event *out, struct buf *text)
{
	const char *msgtype = str(content, "msgtype"), *body = str(content, "body");
	json_t *rel = obj_at(content, "m.relates_to");
	const char *rel_type = str(rel, "rel_type");
	if (rel_type && strcmp(rel_type, "m.replace") == 0) {
		/* an edit: the new text is in m.new_content (the body is "* ..." for old clients) */
		const char *nb = str(obj_at(content, "m.new_content"), "body");
		out->kind = EVENT_EDIT;
		out->reply_to = str(rel, "event_id");
		out->text = nb ? nb : body;
		if (!out->reply_to)
			out->kind = 0;
		return;
	}
	json_t *because = obj_at(unsigned_, "redacted_because");
	if (because && !rel_type) {
		/* redacted before the bot saw it: its content is gone, but it was
		 * said, and its deletion is part of the record */
		out->redaction_id = str(because, "event_id");
		out->redaction_sender = str(because, "sender");
		json_t *ts = json_object_get(because, "origin_server_ts");
		out->redaction_ts = json_is_integer(ts) && json_integer_value(ts) > 0 ? json_integer_value(ts) : 0;
		if (out->redaction_id && out->redaction_sender) {
			out->kind = EVENT_MESSAGE;
			out->text = "";
			return;
		}
		out->redaction_id = out->redaction_sender = NULL;
	}
	if (!body)
		return; /* nothing to store (a malformed message) */
	out->kind = msgtype && strcmp(msgtype, "m.notice") == 0   ? EVENT_NOTICE
		    : msgtype && strcmp(msgtype, "m.emote") == 0 ? EVENT_ACTION
								 : EVENT_MESSAGE;
	const char *in_reply = str(obj_at(rel, "m.in_reply_to"), "event_id");
	if (in_reply) {
		out->reply_to = in_reply;
		body = strip_reply_fallback(body);
	} else if (rel_type && strcmp(rel_type, "m.thread") == 0) {
		out->reply_to = str(rel, "event_id"); /* the thread's root */
	}
	if (msgtype && strcmp(msgtype, "m.text") != 0 && strcmp(msgtype, "m.notice") != 0 &&
	    strcmp(msgtype, "m.emote") != 0) {
		/* an image, a file...: what it is, and its name or description */
		buf_printf(text, "[%s] %s", strncmp(msgtype, "m.", 2) == 0 ? msgtype + 2 : msgtype, body);
		out->text = text->p;
		return;
	}
	out->text = body;
}

static void parse_member(json_t *content, struct mx_event *out, json_t *unsigned_)
{
	const char *membership = str(content, "membership");
	out->target = out->state_key;
	out->displayname = str(content, "displayname");
	if (!membership || !out->target)
		return;
	const char *prev_membership = str(obj_at(unsigned_, "prev_content"), "membership");
	const char *prev_name = str(obj_at(unsigned_, "prev_content"), "displayname");
	if (strcmp(membership, "join") == 0) {
		if (prev_membership && strcmp(prev_membership, "join") == 0) {
			/* a profile change: a new display name is a nick change */
			if (out->displayname && (!prev_name || strcmp(prev_name, out->displayname) != 0)) {
				out->kind = EVENT_NICK;
				out->text = NULL;
			}
			return;
		}
		out->kind = EVENT_JOIN;
	} else if (strcmp(membership, "leave") == 0 || strcmp(membership, "ban") == 0) {
		bool by_other = strcmp(out->sender, out->target) != 0;
		out->kind = by_other ? EVENT_KICK : EVENT_PART;
		out->text = str(content, "reason");
	}
}

int mx_event_parse(json_t *ev, struct mx_event *out, struct buf *text)
{
	memset(out, 0, sizeof *out);
	buf_clear(text);
	if (!json_is_object(ev))
		return -1;
	out->type = str(ev, "type");
	out->event_id = str(ev, "event_id");
	out->sender = str(ev, "sender");
	if (!out->type || !out->event_id || !out->sender)
		return -1;
	out->state_key = str(ev, "state_key");
	json_t *ts = json_object_get(ev, "origin_server_ts");
	out->ts = json_is_integer(ts) && json_integer_value(ts) > 0 ? (int64_t)json_integer_value(ts) : 0;
	json_t *content = obj_at(ev, "content");
	out->content = content;
	const char *t = out->type;
	if (strcmp(t, "m.room.message") == 0 && !out->state_key) {
		parse_message(content, obj_at(ev, "unsigned"), out, text);
	} else if (strcmp(t, "m.reaction") == 0) {
		json_t *rel = obj_at(content, "m.relates_to");
		const char *rt = str(rel, "rel_type");
		if (rt && strcmp(rt, "m.annotation") == 0 && str(rel, "event_id")) {
			out->kind = EVENT_REACTION;
			out->reply_to = str(rel, "event_id");
			out->text = str(rel, "key");
		}
	} else if (strcmp(t, "m.room.redaction") == 0) {
		/* "redacts" is top-level before room version 11, in content after */
		const char *r = str(ev, "redacts");
		out->reply_to = r ? r : str(content, "redacts");
		out->text = str(content, "reason");
		out->kind = out->reply_to ? EVENT_REDACTION : 0;
	} else if (strcmp(t, "m.room.member") == 0 && out->state_key) {
		if (content)
			parse_member(content, out, obj_at(ev, "unsigned"));
	} else if (strcmp(t, "m.room.topic") == 0 && out->state_key) {
		out->kind = EVENT_TOPIC;
		out->text = str(content, "topic");
	} else if (strcmp(t, "m.room.encrypted") == 0 || strcmp(t, "m.room.encryption") == 0) {
		out->encrypted = true;
	}
	return 0;
}

/* Calls fn for each event of obj.KEY.events (an array of objects). */
static unsigned each_event(json_t *parent, const char *key, void (*fn)(void *, const char *, json_t *),
			   void *ud, const char *room_id)
{
	json_t *events = json_object_get(obj_at(parent, key), "events");
	if (!events)
		return 0;
	if (!json_is_array(events))
		return 1;
	unsigned skipped = 0;
	size_t i;
	json_t *ev;
	json_array_foreach(events, i, ev) {
		if (!json_is_object(ev)) {
			skipped++;
			continue;
		}
		if (fn)
			fn(ud, room_id, ev);
	}
	return skipped;
}

unsigned mx_sync_walk(json_t *root, const struct mx_sync_walk *w)
{
	json_t *rooms = obj_at(root, "rooms");
	unsigned skipped = 0;
	const char *room_id;
	json_t *room;
	json_object_foreach(obj_at(rooms, "join"), room_id, room) {
		if (!json_is_object(room)) {
			skipped++;
			continue;
		}
		json_t *tl = obj_at(room, "timeline");
		if (w->room_info)
			w->room_info(w->ud, room_id, json_is_true(json_object_get(tl, "limited")),
				     str(tl, "prev_batch"));
		skipped += each_event(room, "state", w->state, w->ud, room_id);
		skipped += each_event(room, "timeline", w->timeline, w->ud, room_id);
	}
	json_object_foreach(obj_at(rooms, "invite"), room_id, room) {
		json_t *events = json_object_get(obj_at(room, "invite_state"), "events");
		if (w->invite)
			w->invite(w->ud, room_id, json_is_array(events) ? events : NULL);
	}
	json_object_foreach(obj_at(rooms, "leave"), room_id, room)
		if (w->left)
			w->left(w->ud, room_id);
	return skipped;
}

const char *mx_sync_next_batch(json_t *root)
{
	return str(root, "next_batch");
}

/* A power level: an integer, or (older room versions) a numeric string. */
static bool level(json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return true;
	}
	if (json_is_string(v)) {
		char *end;
		long long n = strtoll(json_string_value(v), &end, 10);
		if (*json_string_value(v) && !*end) {
			*out = n;
			return true;
		}
	}
	return false;
}

int64_t mx_power_of(json_t *pl, const char *user)
{
	int64_t n = 0;
	if (user && level(json_object_get(obj_at(pl, "users"), user), &n))
		return n;
	if (level(json_object_get(pl, "users_default"), &n))
		return n;
	return 0;
}

int64_t mx_power_needed(json_t *pl, const char *action, bool state)
{
	int64_t n;
	if (strcmp(action, "kick") == 0 || strcmp(action, "ban") == 0 || strcmp(action, "redact") == 0 ||
	    strcmp(action, "invite") == 0) {
		if (level(json_object_get(pl, action), &n))
			return n;
		return strcmp(action, "invite") == 0 ? 0 : 50;
	}
	if (level(json_object_get(obj_at(pl, "events"), action), &n))
		return n;
	if (state)
		return level(json_object_get(pl, "state_default"), &n) ? n : pl ? 50 : 0;
	return level(json_object_get(pl, "events_default"), &n) ? n : 0;
}

int64_t mx_power_to_speak(json_t *pl)
{
	return mx_power_needed(pl, "m.room.message", false);
}
