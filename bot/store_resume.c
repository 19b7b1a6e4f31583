#include "store_resume.h"

#include <sqlite3.h>
#include <string.h>

#include "event.h"
#include "log.h"

int64_t store_unended_chat(struct store *st, const char *network, const char *room)
{
	sqlite3_stmt *q = store_prepare(st, "SELECT c.id, c.ended_ms FROM chats c JOIN rooms r ON r.id = c.room_id"
				      " WHERE r.network = ?1 AND r.name = ?2 ORDER BY c.id DESC LIMIT 1");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, room, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	int64_t id = rc == SQLITE_ROW && sqlite3_column_type(q, 1) == SQLITE_NULL ? sqlite3_column_int64(q, 0)
		     : rc == SQLITE_ROW || rc == SQLITE_DONE			   ? 0
											   : -1;
	sqlite3_finalize(q);
	return id;
}

int store_chat_tally(struct store *st, int64_t chat_id,
		     void (*fn)(void *ud, const char *person_key, uint64_t messages), void *ud)
{
	/* in the chat's event range; the session counts room lines that are
	 * not the bot's and not commands */
	sqlite3_stmt *q = store_prepare(st, "SELECT p.key, count(*) FROM chats c"
				      " JOIN events e ON e.id >= c.first_event_id AND e.chat_id = c.id"
				      " JOIN people p ON p.id = e.person_id"
				      " WHERE c.id = ?1 AND e.kind IN (?2, ?3, ?4) AND (e.flags & ?5) = 0"
				      " GROUP BY p.key");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, chat_id);
	sqlite3_bind_int(q, 2, EVENT_MESSAGE);
	sqlite3_bind_int(q, 3, EVENT_NOTICE);
	sqlite3_bind_int(q, 4, EVENT_ACTION);
	sqlite3_bind_int(q, 5, EVENT_F_SELF | EVENT_F_COMMAND | EVENT_F_PRIVATE);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		fn(ud, (const char *)sqlite3_column_text(q, 0), (uint64_t)sqlite3_column_int64(q, 1));
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_bot_said(struct store *st, int64_t chat_id, const char *prefix)
{
	sqlite3_stmt *q = store_prepare(st, "SELECT 1 FROM chats c JOIN events e ON e.id >= c.first_event_id"
				      " AND e.chat_id = c.id WHERE c.id = ?1 AND (e.flags & ?2) != 0"
				      " AND substr(e.text, 1, ?3) = ?4 LIMIT 1");
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, chat_id);
	sqlite3_bind_int(q, 2, EVENT_F_SELF);
	sqlite3_bind_int(q, 3, (int)strlen(prefix));
	sqlite3_bind_text(q, 4, prefix, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int64_t store_last_event_ms(struct store *st, const char *network, const char *room)
{
	/* the newest row of the room, found from the end of the table */
	sqlite3_stmt *q = store_prepare(st, "SELECT e.ts_ms FROM events e WHERE e.room_id ="
				      " (SELECT id FROM rooms WHERE network = ?1 AND name = ?2)"
				      " ORDER BY e.id DESC LIMIT 1");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, room, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	int64_t t = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : rc == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(q);
	return t;
}
