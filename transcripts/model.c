#include "model.h"
#include "model_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "mem.h"
#include "redact.h"
#include "strmap.h"
#include "utf8.h"
#include "verdict.h"

static const char *const kind_names[] = {
#define X(name, text) [name] = text,
	TRANSCRIPT_KINDS(X)
#undef X
};

const char *transcript_kind_name(enum transcript_kind kind)
{
	if ((unsigned)kind < sizeof kind_names / sizeof kind_names[0])
		return kind_names[kind];
	return "message";
}

/* The model's strings live in a few large blocks instead of one allocation
 * each: a chat is thousands of short strings, all freed together. */
#define ARENA_BLOCK 65536

struct transcript_arena {
	struct transcript_arena *next;
	size_t used, cap;
	char data[];
};

static char *arena_alloc(struct transcript *t, size_t n);

/* Copies s[0..n) (up to any NUL) into the arena as a C string, valid UTF-8.
 * The result lives as long as the transcript. */
const char *model_strn(struct loader *l, const char *s, size_t n)
{
	n = strnlen(s, n);
	if (!utf8_valid(s, n)) {
		buf_clear(&l->tmp);
		utf8_sanitize(&l->tmp, s, n);
		s = buf_str(&l->tmp);
		n = l->tmp.len;
	}
	char *p = arena_alloc(l->t, n);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

const char *transcript_strdup(struct transcript *t, const char *s)
{
	size_t n = strlen(s);
	struct buf clean = BUF_INIT;
	if (!utf8_valid(s, n)) {
		utf8_sanitize(&clean, s, n);
		s = buf_str(&clean);
		n = clean.len;
	}
	char *p = arena_alloc(t, n);
	memcpy(p, s, n);
	p[n] = '\0';
	buf_free(&clean);
	return p;
}

/* n + 1 bytes in the transcript's arena. */
static char *arena_alloc(struct transcript *t, size_t n)
{
	struct transcript_arena *a = t->arena;
	if (!a || a->cap - a->used < n + 1) {
		size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
		a = mem_alloc(sizeof *a + cap);
		a->used = 0;
		a->cap = cap;
		/* an oversized string gets a block of its own behind the head, so
		 * the head's free space stays in use */
		if (t->arena && cap > ARENA_BLOCK) {
			a->next = t->arena->next;
			t->arena->next = a;
		} else {
			a->next = t->arena;
			t->arena = a;
		}
	}
	char *p = a->data + a->used;
	a->used += n + 1;
	return p;
}

/* Column i as a string in the arena; NULL for SQL NULL. */
const char *model_col_str(struct loader *l, sqlite3_stmt *q, int i)
{
	if (sqlite3_column_type(q, i) == SQLITE_NULL)
		return NULL;
	const char *s = (const char *)sqlite3_column_text(q, i);
	if (!s)
		return NULL;
	return model_strn(l, s, (size_t)sqlite3_column_bytes(q, i));
}

const char *model_col_str_or_empty(struct loader *l, sqlite3_stmt *q, int i)
{
	const char *s = model_col_str(l, q, i);
	return s ? s : "";
}

int64_t model_col_i64_or_0(sqlite3_stmt *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, i);
}

int model_prepare(struct loader *l, const char *sql, sqlite3_stmt **q)
{
	if (sqlite3_prepare_v2(l->db, sql, -1, q, NULL) != SQLITE_OK) {
		buf_printf(l->err, "cannot read chat %" PRId64 " from the store: %s", l->t->chat.id,
			   sqlite3_errmsg(l->db));
		sqlite3_finalize(*q);
		*q = NULL;
		return -1;
	}
	return 0;
}

/* Reports a failed sqlite3_step (anything but ROW or DONE). */
int model_step_failed(struct loader *l, int rc)
{
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	buf_printf(l->err, "cannot read chat %" PRId64 " from the store: %s", l->t->chat.id,
		   sqlite3_errmsg(l->db));
	return -1;
}

static const char sql_chat[] =
	"SELECT c.name, c.title, r.network, r.name, c.opened_by, c.started_ms,"
	" c.planned_end_ms, c.ended_ms, c.end_reason, c.room_id, c.timezone, c.pseudonyms,"
	" (SELECT value FROM meta WHERE key = 'pseudonym_salt')"
	" FROM chats c JOIN rooms r ON r.id = c.room_id WHERE c.id = ?1";

/* The verdicts that change what is published, for the chat's lines. */
static const char sql_verdicts[] =
	"SELECT v.event_id, v.verdict, v.spans FROM verdicts v, chats c"
	" WHERE c.id = ?1 AND v.event_id BETWEEN c.first_event_id"
	"  AND coalesce(c.last_event_id, 9223372036854775807) AND v.verdict IN (?2, ?3)";

/* Is the person who opened the chat (a nick) someone who opted out? Either
 * a person key made from the name, or anyone who spoke in the chat under
 * that nick while opted out. */
static const char sql_opener_withheld[] =
	"SELECT EXISTS (SELECT 1 FROM people p WHERE p.network = ?2 AND p.optout_ms IS NOT NULL"
	"               AND p.key IN ('a:' || lower(?3), 'n:' || lower(?3)))"
	" OR EXISTS (SELECT 1 FROM events e JOIN people p ON p.id = e.person_id"
	"            WHERE e.id BETWEEN (SELECT first_event_id FROM chats WHERE id = ?1)"
	"             AND (SELECT coalesce(last_event_id, 9223372036854775807) FROM chats WHERE id = ?1)"
	"            AND e.chat_id = ?1 AND p.optout_ms IS NOT NULL AND lower(e.nick) = lower(?3))";

static const char sql_cohosts[] =
	"SELECT h.account, h.role = 'cohost' FROM hosts h WHERE h.chat_id = ?1"
	" AND NOT EXISTS (SELECT 1 FROM people p WHERE p.network = ?2 AND p.optout_ms IS NOT NULL"
	"                 AND p.key = 'a:' || lower(h.account))"
	" ORDER BY h.role = 'cohost', h.added_ms, h.account";

/* A topic a host typed is their own text: withheld if they opted out,
 * and the planned wording (if any) shown instead. */
static const char sql_rounds[] =
	"SELECT r.number, CASE WHEN p.optout_ms IS NOT NULL THEN coalesce(r.agenda_topic, '')"
	"  ELSE r.topic END, r.planned_minutes, r.started_ms, r.ended_ms, r.posted_by_host"
	" FROM rounds r LEFT JOIN people p ON p.id = r.person_id"
	" WHERE r.chat_id = ?1 AND r.number > 0 ORDER BY r.number";

/* Published kinds: messages and actions, and notices only from the bot;
 * never private lines or commands. */
static const char sql_events[] =
	"SELECT e.id, e.ts_ms, e.kind, e.flags, e.person_id, e.nick, e.text, e.msgid, e.reply_to,"
	" e.round, p.optout_ms IS NOT NULL"
	" FROM events e LEFT JOIN people p ON p.id = e.person_id"
	" WHERE e.id BETWEEN (SELECT first_event_id FROM chats WHERE id = ?1)"
	"  AND (SELECT coalesce(last_event_id, 9223372036854775807) FROM chats WHERE id = ?1)"
	" AND e.chat_id = ?1 AND e.room_id = ?2"
	" AND (e.kind IN (?3, ?4) OR (e.kind = ?5 AND (e.flags & ?6) != 0))"
	" AND (e.flags & ?7) = 0"
	/* history a server replays often carries its time to the second only
	 * (InspIRCd's chanhistory): such a line sorts at the end of its
	 * second, after the lines stored live in that second, which it came
	 * after (a replayed line the bot already had is not stored again) */
	" ORDER BY CASE WHEN (e.flags & 4) != 0 AND e.ts_ms % 1000 = 0 THEN e.ts_ms + 999 ELSE e.ts_ms END,"
	"  e.id";

static int load_chat(struct loader *l)
{
	struct transcript_chat *c = &l->t->chat;
	sqlite3_stmt *q = NULL;
	int rc = -1;
	if (model_prepare(l, sql_chat, &q))
		goto fail;
	sqlite3_bind_int64(q, 1, c->id);
	int st = sqlite3_step(q);
	if (st == SQLITE_DONE) {
		buf_printf(l->err, "no chat with id %" PRId64 " in the store", c->id);
		goto fail;
	}
	if (model_step_failed(l, st))
		goto fail;
	c->name = model_col_str_or_empty(l, q, 0);
	c->title = model_col_str_or_empty(l, q, 1);
	c->network = model_col_str_or_empty(l, q, 2);
	c->room = model_col_str_or_empty(l, q, 3);
	c->opened_by = model_col_str(l, q, 4);
	c->started_ms = model_col_i64_or_0(q, 5);
	c->planned_end_ms = model_col_i64_or_0(q, 6);
	c->ended_ms = model_col_i64_or_0(q, 7);
	c->end_reason = model_col_str(l, q, 8);
	l->room_id = sqlite3_column_int64(q, 9);
	c->timezone = model_col_str(l, q, 10);
	if (!c->timezone || !*c->timezone)
		c->timezone = "UTC";
	c->pseudonyms = sqlite3_column_int(q, 11) != 0;
	if (c->pseudonyms)
		l->salt = mem_strdup(sqlite3_column_type(q, 12) == SQLITE_NULL
					     ? "" : (const char *)sqlite3_column_text(q, 12));
	sqlite3_finalize(q);
	q = NULL;
	if (c->pseudonyms) {
		/* under pseudonyms nobody is named: not the opener, not the hosts */
		c->opened_by = NULL;
		rc = 0;
		goto fail;
	}

	if (c->opened_by) {
		if (model_prepare(l, sql_opener_withheld, &q))
			goto fail;
		sqlite3_bind_int64(q, 1, c->id);
		sqlite3_bind_text(q, 2, c->network, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, c->opened_by, -1, SQLITE_STATIC);
		st = sqlite3_step(q);
		if (model_step_failed(l, st))
			goto fail;
		if (st == SQLITE_ROW && sqlite3_column_int(q, 0))
			c->opened_by = NULL;
		sqlite3_finalize(q);
		q = NULL;
	}

	if (model_prepare(l, sql_cohosts, &q))
		goto fail;
	sqlite3_bind_int64(q, 1, c->id);
	sqlite3_bind_text(q, 2, c->network, -1, SQLITE_STATIC);
	const char **hosts = NULL, **cohosts = NULL;
	size_t cap = 0, cocap = 0;
	while ((st = sqlite3_step(q)) == SQLITE_ROW) {
		if (sqlite3_column_int(q, 1)) {
			cohosts = mem_grow(cohosts, &cocap, c->n_cohosts + 1, sizeof *cohosts);
			cohosts[c->n_cohosts++] = model_col_str_or_empty(l, q, 0);
		} else {
			hosts = mem_grow(hosts, &cap, c->n_hosts + 1, sizeof *hosts);
			hosts[c->n_hosts++] = model_col_str_or_empty(l, q, 0);
		}
	}
	c->hosts = hosts;
	c->cohosts = cohosts;
	if (model_step_failed(l, st))
		goto fail;
	rc = 0;
fail:
	sqlite3_finalize(q);
	return rc;
}

static int load_rounds(struct loader *l)
{
	struct transcript *t = l->t;
	sqlite3_stmt *q = NULL;
	size_t cap = 0;
	int st, rc = -1;
	if (model_prepare(l, sql_rounds, &q))
		goto fail;
	sqlite3_bind_int64(q, 1, t->chat.id);
	while ((st = sqlite3_step(q)) == SQLITE_ROW) {
		t->rounds = mem_grow(t->rounds, &cap, t->n_rounds + 1, sizeof *t->rounds);
		struct transcript_section *r = &t->rounds[t->n_rounds++];
		*r = (struct transcript_section){
			.kind = TRANSCRIPT_ROUND,
			.number = sqlite3_column_int(q, 0),
			.topic = model_col_str_or_empty(l, q, 1),
			.planned_minutes = sqlite3_column_double(q, 2),
			.started_ms = model_col_i64_or_0(q, 3),
			.ended_ms = model_col_i64_or_0(q, 4),
			.posted_by_host = sqlite3_column_int(q, 5) != 0,
		};
		if (!(r->planned_minutes > 0))
			r->planned_minutes = 0;
	}
	if (model_step_failed(l, st))
		goto fail;
	rc = 0;
fail:
	sqlite3_finalize(q);
	return rc;
}

/* The section a line belongs to: see the rules at the top of model.h. */
const struct transcript_section *model_section_for(const struct transcript *t, int round, int64_t ts)
{
	if (round == 0)
		return &t->intro;
	if (round > 0) {
		size_t lo = 0, hi = t->n_rounds;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (t->rounds[mid].number == round)
				return &t->rounds[mid];
			if (t->rounds[mid].number < round)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	if (t->chat.ended_ms && ts >= t->chat.ended_ms)
		return &t->after;
	const struct transcript_section *s = &t->intro;
	for (size_t i = 0; i < t->n_rounds; i++) {
		const struct transcript_section *r = &t->rounds[i];
		if (r->started_ms <= ts && (s == &t->intro || r->started_ms >= s->started_ms))
			s = r;
	}
	return s;
}

static unsigned map_flags(unsigned ev)
{
	unsigned f = 0;
	if (ev & EVENT_F_SELF)
		f |= TRANSCRIPT_F_BOT;
	if (ev & EVENT_F_MODERATOR)
		f |= TRANSCRIPT_F_MODERATOR;
	if (ev & EVENT_F_REPLAY)
		f |= TRANSCRIPT_F_REPLAY;
	if (ev & EVENT_F_LOCAL_TIME)
		f |= TRANSCRIPT_F_LOCAL_TIME;
	return f;
}

static enum transcript_kind map_kind(int kind)
{
	switch (kind) {
	case EVENT_ACTION:
		return TRANSCRIPT_ACTION;
	case EVENT_NOTICE:
		return TRANSCRIPT_NOTICE;
	default:
		return TRANSCRIPT_MESSAGE;
	}
}

/* Reads the chat's HIDE and REDACT verdicts into l->moderated. */
static int load_verdicts(struct loader *l)
{
	sqlite3_stmt *q = NULL;
	int st, rc = -1;
	if (model_prepare(l, sql_verdicts, &q))
		goto fail;
	sqlite3_bind_int64(q, 1, l->t->chat.id);
	sqlite3_bind_int(q, 2, VERDICT_REDACT);
	sqlite3_bind_int(q, 3, VERDICT_HIDE);
	while ((st = sqlite3_step(q)) == SQLITE_ROW) {
		buf_clear(&l->key);
		buf_printf(&l->key, "%lld", (long long)sqlite3_column_int64(q, 0));
		struct moderation *m = strmap_get(&l->moderated, l->key.p);
		if (!m) {
			m = mem_calloc(1, sizeof *m);
			strmap_put(&l->moderated, l->key.p, m);
		}
		if (sqlite3_column_int(q, 1) == VERDICT_HIDE)
			m->hide = true;
		else if (sqlite3_column_type(q, 2) != SQLITE_NULL)
			/* spans are checked against the text's length when applied */
			redact_spans_add_json(&m->spans, (const char *)sqlite3_column_text(q, 2), SIZE_MAX);
	}
	if (model_step_failed(l, st))
		goto fail;
	rc = 0;
fail:
	sqlite3_finalize(q);
	return rc;
}

/* The text a published line (or an edit of one) shows: removed,
 * redacted, or as stored. NULL when no verdict concerns event id. */
static const char *moderated_str(struct loader *l, int64_t id, const char *text, size_t len,
				 unsigned *flags)
{
	if (!l->moderated.count)
		return NULL;
	buf_clear(&l->key);
	buf_printf(&l->key, "%lld", (long long)id);
	struct moderation *m = strmap_get(&l->moderated, l->key.p);
	if (!m)
		return NULL;
	if (m->hide) {
		*flags |= TRANSCRIPT_F_REMOVED;
		return TRANSCRIPT_REMOVED;
	}
	/* drop spans past this text (their JSON could not know its length) */
	size_t keep = 0;
	for (size_t i = 0; i < m->spans.n; i++)
		if (m->spans.v[i][1] <= len)
			memcpy(m->spans.v[keep++], m->spans.v[i], sizeof m->spans.v[i]);
	m->spans.n = keep;
	buf_clear(&l->text);
	if (redact_apply(text ? text : "", len, &m->spans, TRANSCRIPT_REDACTED, &l->text))
		*flags |= TRANSCRIPT_F_REDACTED;
	return model_strn(l, l->text.p, l->text.len);
}

static const char *moderated_text(struct loader *l, int64_t id, sqlite3_stmt *q, int col,
				  unsigned *flags)
{
	const char *text = (const char *)sqlite3_column_text(q, col);
	size_t len = text ? (size_t)sqlite3_column_bytes(q, col) : 0;
	const char *r = moderated_str(l, id, text, len, flags);
	return r ? r : model_col_str_or_empty(l, q, col);
}

/* Edits, deletions and reactions (Matrix), in the chat's range. */
static const char sql_relations[] =
	"SELECT e.id, e.kind, e.person_id, e.reply_to, e.text, e.msgid FROM events e"
	" WHERE e.id BETWEEN (SELECT first_event_id FROM chats WHERE id = ?1)"
	"  AND (SELECT coalesce(last_event_id, 9223372036854775807) FROM chats WHERE id = ?1)"
	" AND e.chat_id = ?1 AND e.room_id = ?2 AND e.kind IN (?3, ?4, ?5) AND e.reply_to IS NOT NULL"
	" ORDER BY e.id";

static int load_relations(struct loader *l)
{
	struct transcript *t = l->t;
	sqlite3_stmt *q = NULL;
	struct strmap deleted = STRMAP_INIT; /* msgids of redacted events */
	int st, rc = -1;
	if (model_prepare(l, sql_relations, &q))
		goto fail;
	for (int pass = 0; pass < 2; pass++) {
		sqlite3_reset(q);
		sqlite3_bind_int64(q, 1, t->chat.id);
		sqlite3_bind_int64(q, 2, l->room_id);
		sqlite3_bind_int(q, 3, EVENT_EDIT);
		sqlite3_bind_int(q, 4, EVENT_REDACTION);
		sqlite3_bind_int(q, 5, EVENT_REACTION);
		while ((st = sqlite3_step(q)) == SQLITE_ROW) {
			int kind = sqlite3_column_int(q, 1);
			const char *target = (const char *)sqlite3_column_text(q, 3);
			const char *own = (const char *)sqlite3_column_text(q, 5);
			int64_t person = sqlite3_column_type(q, 2) == SQLITE_NULL ? -2 : sqlite3_column_int64(q, 2);
			if (pass == 0) {
				/* first: what was deleted (a line, an edit, a reaction) */
				if (kind == EVENT_REDACTION)
					/* by whom: person id + 2 (1: unknown), never NULL */
					strmap_put(&deleted, target,
						   (void *)(uintptr_t)(person >= 0 ? (uint64_t)person + 2 : 1));
				continue;
			}
			if (own && strmap_has(&deleted, own))
				continue; /* an edit or a reaction withdrawn */
			size_t i = map_index(&l->by_msgid, target);
			if (i == TRANSCRIPT_NONE)
				continue; /* about a line not published here */
			struct transcript_message *m = &t->messages[i];
			if (kind == EVENT_REACTION) {
				m->reactions++;
			} else if (kind == EVENT_EDIT && person == l->person_of[i] && person >= 0 &&
				   !(m->flags & TRANSCRIPT_F_REMOVED)) {
				const char *text = (const char *)sqlite3_column_text(q, 4);
				size_t len = text ? (size_t)sqlite3_column_bytes(q, 4) : 0;
				unsigned flags = 0;
				const char *shown = moderated_str(l, sqlite3_column_int64(q, 0), text, len, &flags);
				m->text = shown ? shown : model_strn(l, text ? text : "", len);
				m->flags = (m->flags & ~(unsigned)TRANSCRIPT_F_REDACTED) | flags | TRANSCRIPT_F_EDITED;
			}
		}
		if (model_step_failed(l, st))
			goto fail;
	}
	/* deletions last: they win over any edit */
	size_t it = 0;
	const char *msgid;
	void *by;
	while (strmap_next(&deleted, &it, &msgid, &by)) {
		size_t i = map_index(&l->by_msgid, msgid);
		if (i == TRANSCRIPT_NONE)
			continue;
		struct transcript_message *m = &t->messages[i];
		bool own = l->person_of[i] >= 0 && (uintptr_t)by == (uint64_t)l->person_of[i] + 2;
		m->text = own ? TRANSCRIPT_DELETED : TRANSCRIPT_REMOVED;
		m->flags = (m->flags & ~(unsigned)(TRANSCRIPT_F_REDACTED | TRANSCRIPT_F_EDITED)) |
			   TRANSCRIPT_F_REMOVED;
	}
	rc = 0;
fail:
	strmap_clear(&deleted);
	sqlite3_finalize(q);
	return rc;
}

static int load_messages(struct loader *l)
{
	struct transcript *t = l->t;
	sqlite3_stmt *q = NULL;
	int st, rc = -1;
	if (model_prepare(l, sql_events, &q))
		goto fail;
	sqlite3_bind_int64(q, 1, t->chat.id);
	sqlite3_bind_int64(q, 2, l->room_id);
	sqlite3_bind_int(q, 3, EVENT_MESSAGE);
	sqlite3_bind_int(q, 4, EVENT_ACTION);
	sqlite3_bind_int(q, 5, EVENT_NOTICE);
	sqlite3_bind_int(q, 6, EVENT_F_SELF);
	sqlite3_bind_int(q, 7, EVENT_F_PRIVATE | EVENT_F_COMMAND | EVENT_F_STATUSMSG);
	while ((st = sqlite3_step(q)) == SQLITE_ROW) {
		unsigned flags = (unsigned)sqlite3_column_int(q, 3);
		bool has_person = sqlite3_column_type(q, 4) != SQLITE_NULL;
		int64_t person_id = sqlite3_column_int64(q, 4);
		bool self = flags & EVENT_F_SELF;
		if (!self && sqlite3_column_int(q, 10)) {
			/* opted out: counted, and nothing of it is copied */
			t->stats.withheld_messages++;
			strmap_put(&l->withheld, model_person_key(l, has_person, person_id, ""), index_value(0));
			continue;
		}
		t->messages = mem_grow(t->messages, &l->cap_messages, t->n_messages + 1, sizeof *t->messages);
		size_t i = t->n_messages++;
		struct transcript_message *m = &t->messages[i];
		*m = (struct transcript_message){
			.id = sqlite3_column_int64(q, 0),
			.ts_ms = sqlite3_column_int64(q, 1),
			.kind = map_kind(sqlite3_column_int(q, 2)),
			.flags = map_flags(flags),
			.sender = model_col_str_or_empty(l, q, 5),
			.text = NULL, /* below: after moderation */
			.msgid = model_col_str(l, q, 7),
			.parent = TRANSCRIPT_NONE,
			.participant = TRANSCRIPT_NONE,
		};
		m->text = moderated_text(l, m->id, q, 6, &m->flags);
		l->person_of = mem_realloc(l->person_of, t->n_messages * sizeof *l->person_of);
		l->person_of[i] = sqlite3_column_type(q, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 4);
		if (m->msgid && !*m->msgid)
			m->msgid = NULL;
		int round = sqlite3_column_type(q, 9) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 9);
		m->section = model_section_for(t, round, m->ts_ms);

		/* Only an earlier published line can be a parent: that keeps the
		 * reply graph a forest, whatever the store holds. */
		const char *reply_to = (const char *)sqlite3_column_text(q, 8);
		size_t parent = reply_to ? map_index(&l->by_msgid, reply_to) : TRANSCRIPT_NONE;
		if (parent != TRANSCRIPT_NONE) {
			m->parent = parent;
			m->reply_to = t->messages[parent].msgid;
			if (t->messages[parent].section == m->section)
				m->depth = t->messages[parent].depth + 1;
		}
		if (m->msgid && !strmap_has(&l->by_msgid, m->msgid))
			strmap_put(&l->by_msgid, m->msgid, index_value(i));

		if (self) {
			t->stats.bot_messages++;
		} else {
			m->participant = model_participant_for(l, has_person, person_id, m->sender);
			if (l->salt)
				m->sender = t->participants[m->participant].name;
		}
	}
	if (model_step_failed(l, st))
		goto fail;
	if (load_relations(l))
		goto fail;
	for (size_t i = 0; i < t->n_messages; i++) {
		bool deleted = (t->messages[i].flags & TRANSCRIPT_F_REMOVED) &&
			       strcmp(t->messages[i].text, TRANSCRIPT_DELETED) == 0;
		t->stats.deleted_messages += deleted;
		t->stats.removed_messages += (t->messages[i].flags & TRANSCRIPT_F_REMOVED) && !deleted;
		t->stats.redacted_messages += (t->messages[i].flags & TRANSCRIPT_F_REDACTED) != 0;
	}
	t->stats.messages = t->n_messages;
	t->stats.withheld_people = l->withheld.count;
	rc = 0;
fail:
	sqlite3_finalize(q);
	return rc;
}

/* Fills each section's message lists: time order, then reading order
 * (pre-order walk of the reply forest, without recursion so a long chain
 * of replies cannot exhaust the stack). */
static void build_sections(struct transcript *t)
{
	size_t n = t->n_messages, n_sections = t->n_rounds + 2;
	struct transcript_section **all = mem_alloc(n_sections * sizeof *all);
	all[0] = &t->intro;
	for (size_t i = 0; i < t->n_rounds; i++)
		all[i + 1] = &t->rounds[i];
	all[n_sections - 1] = &t->after;

	size_t *first = mem_alloc((n ? n : 1) * sizeof *first);
	size_t *last = mem_alloc((n ? n : 1) * sizeof *last);
	size_t *next = mem_alloc((n ? n : 1) * sizeof *next);
	for (size_t i = 0; i < n; i++) {
		first[i] = last[i] = next[i] = TRANSCRIPT_NONE;
		const struct transcript_section *sec = t->messages[i].section;
		size_t s = sec == &t->intro ? 0
			   : sec == &t->after ? n_sections - 1
					      : (size_t)(sec - t->rounds) + 1;
		all[s]->n_messages++;
	}
	for (size_t i = 0; i < n; i++) {
		const struct transcript_message *m = &t->messages[i];
		if (m->depth == 0)
			continue;
		if (last[m->parent] == TRANSCRIPT_NONE)
			first[m->parent] = i;
		else
			next[last[m->parent]] = i;
		last[m->parent] = i;
	}
	for (size_t s = 0; s < n_sections; s++) {
		struct transcript_section *sec = all[s];
		size_t count = sec->n_messages;
		if (!count)
			continue;
		size_t *order = mem_alloc(count * sizeof *order);
		size_t *thread = mem_alloc(count * sizeof *thread);
		size_t k = 0, j = 0;
		for (size_t i = 0; i < n && k < count; i++) {
			if (t->messages[i].section != sec)
				continue;
			order[k++] = i;
			if (t->messages[i].depth)
				continue;
			size_t top = i, x = i;
			thread[j++] = x;
			for (;;) {
				if (first[x] != TRANSCRIPT_NONE) {
					x = first[x];
				} else {
					while (x != top && next[x] == TRANSCRIPT_NONE)
						x = t->messages[x].parent;
					if (x == top)
						break;
					x = next[x];
				}
				thread[j++] = x;
			}
		}
		sec->messages = order;
		sec->thread = thread;
	}
	free(next);
	free(last);
	free(first);
	free(all);
}

static void loader_free(struct loader *l)
{
	sqlite3_finalize(l->seen_before);
	free(l->person_of);
	size_t it = 0;
	void *v;
	while (strmap_next(&l->moderated, &it, NULL, &v)) {
		redact_spans_free(&((struct moderation *)v)->spans);
		free(v);
	}
	strmap_clear(&l->moderated);
	strmap_clear(&l->by_msgid);
	strmap_clear(&l->people);
	strmap_clear(&l->withheld);
	strmap_clear(&l->pseudonyms);
	buf_free(&l->tmp);
	buf_free(&l->key);
	buf_free(&l->text);
	free(l->salt);
}

int transcript_load(sqlite3 *db, int64_t chat_id, struct transcript **out, struct buf *err)
{
	struct transcript *t = mem_calloc(1, sizeof *t);
	struct loader l = {.db = db, .t = t, .err = err};
	*out = NULL;
	t->chat.id = chat_id;
	t->intro.kind = TRANSCRIPT_INTRO;
	t->after.kind = TRANSCRIPT_AFTER;
	if (load_chat(&l) || load_rounds(&l))
		goto fail;
	t->intro.started_ms = t->chat.started_ms;
	t->intro.ended_ms = t->n_rounds ? t->rounds[0].started_ms : t->chat.ended_ms;
	t->after.started_ms = t->chat.ended_ms;
	if (load_verdicts(&l) || load_messages(&l) || model_load_gaps(&l))
		goto fail;
	model_rank_participants(t);
	build_sections(t);
	model_place_gaps(t);
	loader_free(&l);
	*out = t;
	return 0;
fail:
	loader_free(&l);
	transcript_free(t);
	return -1;
}

static void free_section(struct transcript_section *s)
{
	free((void *)s->messages);
	free((void *)s->thread);
	free((void *)s->gaps);
}

void transcript_free(struct transcript *t)
{
	if (!t)
		return;
	free_section(&t->intro);
	free_section(&t->after);
	for (size_t i = 0; i < t->n_rounds; i++)
		free_section(&t->rounds[i]);
	free(t->rounds);
	free(t->gaps);
	free(t->messages);
	free(t->participants);
	free((void *)t->chat.hosts);
	free((void *)t->chat.cohosts);
	for (size_t i = 0; i < t->n_summaries; i++) {
		for (size_t b = 0; b < t->summaries[i].n_blocks; b++) {
			free((void *)t->summaries[i].blocks[b].items);
			free((void *)t->summaries[i].blocks[b].cells);
		}
		free((void *)t->summaries[i].blocks);
	}
	free(t->summaries);
	for (struct transcript_arena *a = t->arena, *next; a; a = next) {
		next = a->next;
		free(a);
	}
	free(t);
}
