#include "store_meta.h"

#include <sqlite3.h>

#include "log.h"

int store_meta_get(struct store *st, const char *key, struct buf *out)
{
	sqlite3_stmt *q = store_prepare(st, "SELECT value FROM meta WHERE key = ?1");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	int found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (found == 1 && sqlite3_column_type(q, 0) != SQLITE_NULL)
		buf_adds(out, (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return found;
}

int store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *q = store_prepare(st, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
					   "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
	int rc = store_write(st, q, "save a value");
	sqlite3_finalize(q);
	return rc;
}

int store_meta_delete(struct store *st, const char *key)
{
	sqlite3_stmt *q = store_prepare(st, "DELETE FROM meta WHERE key = ?1");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	int rc = store_write(st, q, "remove a value");
	sqlite3_finalize(q);
	return rc;
}
