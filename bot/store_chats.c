/* store_chats.c: the chats in the store: opening and closing them, their
 * rounds, hosts and options, moderation verdicts, opt-outs, and where each
 * is published. Writes go through the journal (store_journal.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem.h"
#include "store_impl.h"

int store_round_of_msgid(struct store *st, const char *network, const char *room, const char *msgid)
{
	if (!msgid)
		return -1;
	intptr_t rid = (intptr_t)strmap_get(&st->rooms, store_cache_key(st, network, room));
	if (!rid)
		return -1;
	sqlite3_stmt *q = st->s[S_ROUND_OF_MSGID];
	sqlite3_bind_int64(q, 1, store_msgkey(rid, msgid));
	sqlite3_bind_int64(q, 2, rid);
	sqlite3_bind_text(q, 3, msgid, -1, SQLITE_STATIC);
	int round = -1;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		round = sqlite3_column_int(q, 0);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return round;
}

/* The slug's base: the room name reduced to [a-z0-9-] (never a path
 * separator or a dot), at most 40 bytes, then the UTC date. */
static void slug_base(const char *room, int64_t started_ms, struct buf *out)
{
	size_t start = out->len;
	for (const unsigned char *p = (const unsigned char *)room; *p; p++) {
		unsigned char ch = *p >= 'A' && *p <= 'Z' ? (unsigned char)(*p + 32) : *p;
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			buf_addc(out, (char)ch);
		else if (out->len > start && out->p[out->len - 1] != '-')
			buf_addc(out, '-');
		if (out->len - start >= 40)
			break;
	}
	while (out->len > start && out->p[out->len - 1] == '-')
		out->len--;
	if (out->len == start)
		buf_adds(out, "chat");
	time_t secs = (time_t)(started_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	buf_printf(out, "-%04d-%02d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon % 12) + 1,
		   tm.tm_mday % 32);
}

int64_t store_chat_open(struct store *st, const char *network, const char *room, const char *name,
			const char *title, int64_t started_ms, int64_t planned_end_ms, const char *by)
{
	int64_t rid = store_room_id(st, network, room, false);
	if (rid < 0 || store_begin(st))
		return -1;
	struct buf slug = BUF_INIT;
	slug_base(room, started_ms, &slug);
	size_t base = slug.len;
	/* the first free slug: room-date, then room-date-2, ... */
	sqlite3_stmt *taken = st->s[S_SLUG_TAKEN];
	for (int n = 1; n < 1000; n++) {
		if (n > 1) {
			slug.len = base;
			buf_printf(&slug, "-%d", n);
		}
		sqlite3_bind_text(taken, 1, slug.p, (int)slug.len, SQLITE_STATIC);
		int rc = sqlite3_step(taken);
		sqlite3_reset(taken);
		if (rc != SQLITE_ROW)
			break;
	}
	sqlite3_stmt *q = st->s[S_CHAT_OPEN];
	sqlite3_bind_int64(q, 1, rid);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, title, -1, SQLITE_STATIC);
	store_bind_text_or_null(q, 4, by);
	sqlite3_bind_int64(q, 5, started_ms);
	sqlite3_bind_int64(q, 6, planned_end_ms);
	sqlite3_bind_text(q, 7, slug.p, (int)slug.len, SQLITE_STATIC);
	int rc = store_wstep(st, q, "open a chat");
	buf_free(&slug);
	return rc ? -1 : store_new_id(st, T_CHATS);
}

int store_chat_close(struct store *st, int64_t chat_id, int64_t ended_ms, const char *reason,
		     uint64_t messages, uint64_t participants)
{
	if (store_begin(st))
		return -1;
	sqlite3_stmt *q = st->s[S_CHAT_CLOSE];
	sqlite3_bind_int64(q, 1, chat_id);
	sqlite3_bind_int64(q, 2, ended_ms);
	store_bind_text_or_null(q, 3, reason);
	sqlite3_bind_int64(q, 4, (int64_t)messages);
	sqlite3_bind_int64(q, 5, (int64_t)participants);
	if (store_wstep(st, q, "close a chat"))
		return -1;
	q = st->s[S_PARTICIPANTS];
	sqlite3_bind_int64(q, 1, chat_id);
	return store_wstep(st, q, "record the participants");
}

int store_chat_options(struct store *st, int64_t chat_id, const char *zone, bool pseudonyms)
{
	if (store_begin(st))
		return -1;
	sqlite3_stmt *q = st->s[S_CHAT_OPTIONS];
	sqlite3_bind_int64(q, 1, chat_id);
	sqlite3_bind_text(q, 2, zone ? zone : "UTC", -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, pseudonyms);
	return store_wstep(st, q, "record the chat's options");
}

int store_add_verdict(struct store *st, int64_t event_id, const char *plugin, int verdict,
		      const char *reason, const char *spans_json, int64_t now_ms)
{
	if (store_begin(st))
		return -1;
	sqlite3_stmt *q = st->s[S_VERDICT_ADD];
	sqlite3_bind_int64(q, 1, event_id);
	sqlite3_bind_text(q, 2, plugin, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, verdict);
	store_bind_text_or_null(q, 4, reason);
	store_bind_text_or_null(q, 5, spans_json);
	sqlite3_bind_int64(q, 6, now_ms);
	if (store_wstep(st, q, "record a verdict"))
		return -1;
	q = st->s[S_CHAT_CHANGED];
	sqlite3_bind_int64(q, 1, event_id);
	sqlite3_bind_int64(q, 2, now_ms);
	return store_wstep(st, q, "mark a chat changed");
}

int store_chats_of(struct store *st, const char *network, const char *person_key, int64_t **ids,
		   size_t *n)
{
	*ids = NULL;
	*n = 0;
	size_t cap = 0;
	sqlite3_stmt *q = st->s[S_CHATS_OF];
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, person_key, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*ids = mem_grow(*ids, &cap, *n + 1, sizeof **ids);
		(*ids)[(*n)++] = sqlite3_column_int64(q, 0);
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_DONE) {
		store_db_error(st, "find a person's chats");
		return -1;
	}
	return 0;
}

int store_round_start(struct store *st, int64_t chat_id, const char *network, int number,
		      const char *topic, const char *agenda_topic, double planned_minutes,
		      int64_t started_ms, const char *poster_key)
{
	int64_t pid = 0;
	if (poster_key &&
	    (pid = store_get_or_add(st, &st->people, S_PERSON_GET, S_PERSON_ADD, network, poster_key, NULL, 0)) < 0)
		return -1;
	if (store_begin(st))
		return -1;
	sqlite3_stmt *q = st->s[S_ROUND_START];
	sqlite3_bind_int64(q, 1, chat_id);
	sqlite3_bind_int(q, 2, number);
	sqlite3_bind_text(q, 3, topic, -1, SQLITE_STATIC);
	sqlite3_bind_double(q, 4, planned_minutes);
	sqlite3_bind_int64(q, 5, started_ms);
	sqlite3_bind_int(q, 6, poster_key != NULL);
	store_bind_text_or_null(q, 7, agenda_topic);
	if (pid)
		sqlite3_bind_int64(q, 8, pid);
	return store_wstep(st, q, "start a round");
}

int store_round_end(struct store *st, int64_t chat_id, int number, int64_t ended_ms)
{
	if (store_begin(st))
		return -1;
	sqlite3_stmt *q = st->s[S_ROUND_END];
	sqlite3_bind_int64(q, 1, chat_id);
	sqlite3_bind_int(q, 2, number);
	sqlite3_bind_int64(q, 3, ended_ms);
	return store_wstep(st, q, "end a round");
}

int store_add_host(struct store *st, int64_t chat_id, const char *account, bool cohost,
		   const char *by, int64_t now_ms)
{
	if (store_begin(st))
		return -1;
	sqlite3_stmt *q = st->s[S_HOST_ADD];
	sqlite3_bind_int64(q, 1, chat_id);
	sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, cohost ? "cohost" : "host", -1, SQLITE_STATIC);
	store_bind_text_or_null(q, 4, by);
	sqlite3_bind_int64(q, 5, now_ms);
	return store_wstep(st, q, "record a host");
}

int store_set_optout(struct store *st, const char *network, const char *person_key, bool out,
		     int64_t now_ms)
{
	if (store_get_or_add(st, &st->people, S_PERSON_GET, S_PERSON_ADD, network, person_key, NULL, 0) < 0 ||
	    store_begin(st))
		return -1;
	sqlite3_stmt *q = st->s[S_OPTOUT];
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, person_key, -1, SQLITE_STATIC);
	if (out)
		sqlite3_bind_int64(q, 3, now_ms);
	else
		sqlite3_bind_null(q, 3);
	if (store_wstep(st, q, "record an opt-out"))
		return -1;
	q = st->s[S_CHATS_CHANGED_BY];
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, person_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now_ms);
	return store_wstep(st, q, "mark the person's chats changed");
}

int store_set_transcript(struct store *st, int64_t chat_id, const char *location)
{
	if (store_begin(st))
		return -1;
	sqlite3_stmt *q = st->s[S_TRANSCRIPT];
	sqlite3_bind_int64(q, 1, chat_id);
	store_bind_text_or_null(q, 2, location);
	return store_wstep(st, q, "record the transcript");
}
