#include "store_reminders.h"

#include <sqlite3.h>
#include <stdlib.h>

#include "log.h"
#include "mem.h"

static int step_done(struct store *st, sqlite3_stmt *q)
{
	int rc = store_write(st, q, "save a reminder subscription");
	sqlite3_finalize(q);
	return rc;
}

int store_remind_is_set(struct store *st, const char *network, const char *room, const char *key)
{
	sqlite3_stmt *q = store_prepare(st, "SELECT 1 FROM reminder_subscriptions"
				      " WHERE network = ?1 AND room = ?2 AND person_key = ?3");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, room, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_remind_set(struct store *st, const char *network, const char *room, const char *key,
		     const char *nick, const char *account, bool on, int64_t now_ms)
{
	int was = store_remind_is_set(st, network, room, key);
	if (was < 0)
		return -1;
	if (was == on) {
		if (on)
			store_remind_rename(st, network, key, nick);
		return 0;
	}
	sqlite3_stmt *q = store_prepare(st, on ? "INSERT INTO reminder_subscriptions (network, room, person_key,"
					   " nick, account, added_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
					 : "DELETE FROM reminder_subscriptions"
					   " WHERE network = ?1 AND room = ?2 AND person_key = ?3");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, room, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, key, -1, SQLITE_STATIC);
	if (on) {
		sqlite3_bind_text(q, 4, nick, -1, SQLITE_STATIC);
		if (account)
			sqlite3_bind_text(q, 5, account, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 6, now_ms);
	}
	return step_done(st, q) ? -1 : 1;
}

int store_remind_list(struct store *st, const char *network, const char *room,
		      struct store_subscriber **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *q = store_prepare(st, "SELECT person_key, nick, account FROM reminder_subscriptions"
				      " WHERE network = ?1 AND room = ?2 ORDER BY added_ms, person_key");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, room, -1, SQLITE_STATIC);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*out = mem_grow(*out, &cap, *n_out + 1, sizeof **out);
		struct store_subscriber *s = &(*out)[(*n_out)++];
		s->key = mem_strdup((const char *)sqlite3_column_text(q, 0));
		s->nick = mem_strdup((const char *)sqlite3_column_text(q, 1));
		s->account = sqlite3_column_type(q, 2) == SQLITE_NULL
				     ? NULL
				     : mem_strdup((const char *)sqlite3_column_text(q, 2));
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_error("store: cannot read reminder subscriptions: %s", sqlite3_errmsg(store_db(st)));
		store_subscribers_free(*out, *n_out);
		*out = NULL;
		*n_out = 0;
		return -1;
	}
	return 0;
}

void store_subscribers_free(struct store_subscriber *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].nick);
		free(v[i].account);
	}
	free(v);
}

void store_remind_rename(struct store *st, const char *network, const char *key, const char *nick)
{
	sqlite3_stmt *q = store_prepare(st, "UPDATE reminder_subscriptions SET nick = ?3"
				      " WHERE network = ?1 AND person_key = ?2 AND nick IS NOT ?3");
	if (!q)
		return;
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, nick, -1, SQLITE_STATIC);
	step_done(st, q);
}

int64_t store_last_opened_ms(struct store *st, const char *network, const char *room)
{
	sqlite3_stmt *q = store_prepare(st, "SELECT coalesce(max(c.started_ms), 0) FROM chats c"
				      " JOIN rooms r ON r.id = c.room_id WHERE r.network = ?1 AND r.name = ?2");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, room, -1, SQLITE_STATIC);
	int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
	sqlite3_finalize(q);
	return v;
}
