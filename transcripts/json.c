#include "json.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "utf8.h"

/* Building state: jansson reports out-of-memory as NULL values, and
 * json_object_set_new() refuses them; one flag collects every failure so
 * the builders stay straight-line. */
struct builder {
	bool failed;
};

static void set(struct builder *b, json_t *obj, const char *key, json_t *value)
{
	if (!obj) {
		json_decref(value);
		b->failed = true;
	} else if (json_object_set_new(obj, key, value)) {
		b->failed = true; /* set_new took the value even so */
	}
}

static void append(struct builder *b, json_t *arr, json_t *value)
{
	if (!arr) {
		json_decref(value);
		b->failed = true;
	} else if (json_array_append_new(arr, value)) {
		b->failed = true;
	}
}

/* A string, or null for NULL. The model's strings are valid UTF-8; should
 * one not be, it is repaired here rather than dropped (jansson refuses
 * ill-formed UTF-8). */
static json_t *str(const char *s)
{
	if (!s)
		return json_null();
	json_t *v = json_string(s);
	if (v)
		return v;
	struct buf fixed = BUF_INIT;
	utf8_sanitize(&fixed, s, strlen(s));
	v = json_stringn(buf_str(&fixed), fixed.len);
	buf_free(&fixed);
	return v;
}

static json_t *integer(int64_t n)
{
	return json_integer((json_int_t)n);
}

static json_t *count(size_t n)
{
	return json_integer((json_int_t)n);
}

/* A time as two fields, "<key>" (ISO 8601 UTC with ms) and "<key>_ms";
 * both null when the time is 0 (not recorded). */
static void set_time(struct builder *b, json_t *obj, const char *key, int64_t ms)
{
	char name[64];
	snprintf(name, sizeof name, "%s_ms", key);
	if (!ms) {
		set(b, obj, key, json_null());
		set(b, obj, name, json_null());
		return;
	}
	char iso[25];
	clock_format_iso(ms, iso);
	set(b, obj, key, json_string(iso));
	set(b, obj, name, integer(ms));
}

static json_t *build_chat(struct builder *b, const struct transcript_chat *c)
{
	json_t *o = json_object();
	set(b, o, "id", integer(c->id));
	set(b, o, "name", str(c->name));
	set(b, o, "title", str(c->title));
	set(b, o, "network", str(c->network));
	set(b, o, "room", str(c->room));
	set(b, o, "opened_by", str(c->opened_by));
	json_t *hosts = json_array();
	for (size_t i = 0; i < c->n_hosts; i++)
		append(b, hosts, str(c->hosts[i]));
	set(b, o, "hosts", hosts);
	json_t *cohosts = json_array();
	for (size_t i = 0; i < c->n_cohosts; i++)
		append(b, cohosts, str(c->cohosts[i]));
	set(b, o, "cohosts", cohosts);
	set_time(b, o, "started", c->started_ms);
	set_time(b, o, "planned_end", c->planned_end_ms);
	set_time(b, o, "ended", c->ended_ms);
	set(b, o, "end_reason", str(c->end_reason));
	return o;
}

static json_t *build_message(struct builder *b, const struct transcript *t,
			     const struct transcript_message *m)
{
	json_t *o = json_object();
	set(b, o, "id", integer(m->id));
	set_time(b, o, "time", m->ts_ms);
	set(b, o, "kind", json_string(transcript_kind_name(m->kind)));
	set(b, o, "sender", str(m->sender));
	set(b, o, "bot", json_boolean(m->flags & TRANSCRIPT_F_BOT));
	set(b, o, "moderator", json_boolean(m->flags & TRANSCRIPT_F_MODERATOR));
	set(b, o, "text", str(m->text));
	set(b, o, "msgid", str(m->msgid));
	set(b, o, "reply_to", str(m->reply_to));
	set(b, o, "parent", m->parent == TRANSCRIPT_NONE ? json_null() : integer(t->messages[m->parent].id));
	return o;
}

static json_t *build_messages(struct builder *b, const struct transcript *t,
			      const struct transcript_section *s)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < s->n_messages; i++)
		append(b, arr, build_message(b, t, &t->messages[s->messages[i]]));
	return arr;
}

static json_t *build_round(struct builder *b, const struct transcript *t,
			   const struct transcript_section *r)
{
	json_t *o = json_object();
	set(b, o, "number", json_integer(r->number));
	set(b, o, "topic", str(r->topic));
	set(b, o, "planned_minutes", r->planned_minutes > 0 ? json_real(r->planned_minutes) : json_null());
	set_time(b, o, "started", r->started_ms);
	set_time(b, o, "ended", r->ended_ms);
	set(b, o, "posted_by_host", json_boolean(r->posted_by_host));
	set(b, o, "messages", build_messages(b, t, r));
	return o;
}

static json_t *build_part(struct builder *b, const struct transcript *t,
			  const struct transcript_section *s)
{
	json_t *o = json_object();
	set(b, o, "messages", build_messages(b, t, s));
	return o;
}

json_t *tjson_build(const struct transcript *t)
{
	struct builder b = {false};
	json_t *root = json_object();
	set(&b, root, "schema", json_string(TJSON_SCHEMA));
	set(&b, root, "chat", build_chat(&b, &t->chat));
	set(&b, root, "intro", build_part(&b, t, &t->intro));
	json_t *rounds = json_array();
	for (size_t i = 0; i < t->n_rounds; i++)
		append(&b, rounds, build_round(&b, t, &t->rounds[i]));
	set(&b, root, "rounds", rounds);
	set(&b, root, "after", build_part(&b, t, &t->after));

	json_t *people = json_array();
	for (size_t i = 0; i < t->n_participants; i++) {
		json_t *p = json_object();
		set(&b, p, "name", str(t->participants[i].name));
		set(&b, p, "messages", count(t->participants[i].messages));
		append(&b, people, p);
	}
	set(&b, root, "participants", people);

	const struct transcript_stats *s = &t->stats;
	json_t *stats = json_object();
	set(&b, stats, "messages", count(s->messages));
	set(&b, stats, "bot_messages", count(s->bot_messages));
	set(&b, stats, "participants", count(s->participants));
	set(&b, root, "stats", stats);

	json_t *withheld = json_object();
	set(&b, withheld, "messages", count(s->withheld_messages));
	set(&b, withheld, "people", count(s->withheld_people));
	set(&b, root, "withheld", withheld);

	if (b.failed) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int tjson_render(const struct transcript *t, unsigned flags, struct buf *out)
{
	json_t *root = tjson_build(t);
	if (!root)
		return -1;
	size_t dump_flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10) |
			    ((flags & TJSON_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT);
	size_t n = json_dumpb(root, NULL, 0, dump_flags);
	int rc = -1;
	if (n) {
		buf_reserve(out, n + 1);
		if (json_dumpb(root, out->p + out->len, n, dump_flags) == n) {
			out->len += n;
			buf_addc(out, '\n');
			rc = 0;
		} else {
			out->p[out->len] = '\0';
		}
	}
	json_decref(root);
	return rc;
}
