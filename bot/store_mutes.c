#include "store_mutes.h"

#include <sqlite3.h>
#include <stdlib.h>

#include "mem.h"
#include "store_impl.h"

static void bind4(sqlite3_stmt *q, const char *network, const char *room, const char *mask,
		  int64_t until_ms)
{
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, room, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, mask, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, until_ms);
}

int store_mute_add(struct store *st, const char *network, const char *room, const char *mask,
		   int64_t until_ms)
{
	sqlite3_stmt *q = store_prepare(st, "INSERT INTO mutes (network, room, mask, until_ms)"
					    " VALUES (?1, ?2, ?3, ?4)");
	if (!q)
		return -1;
	bind4(q, network, room, mask, until_ms);
	int rc = store_write(st, q, "save a mute to lift");
	sqlite3_finalize(q);
	return rc ? -1 : 0;
}

int store_mute_done(struct store *st, const char *network, const char *room, const char *mask,
		    int64_t until_ms)
{
	sqlite3_stmt *q = store_prepare(st, "DELETE FROM mutes WHERE network = ?1 AND room = ?2"
					    " AND mask = ?3 AND until_ms = ?4");
	if (!q)
		return -1;
	bind4(q, network, room, mask, until_ms);
	int rc = store_write(st, q, "forget a lifted mute");
	sqlite3_finalize(q);
	return rc ? -1 : 0;
}

int store_mutes_list(struct store *st, struct store_mute **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *q = store_prepare(st, "SELECT network, room, mask, until_ms FROM mutes"
					    " ORDER BY until_ms, id");
	if (!q)
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*out = mem_grow(*out, &cap, *n_out + 1, sizeof **out);
		(*out)[(*n_out)++] = (struct store_mute){
			.network = mem_strdup((const char *)sqlite3_column_text(q, 0)),
			.room = mem_strdup((const char *)sqlite3_column_text(q, 1)),
			.mask = mem_strdup((const char *)sqlite3_column_text(q, 2)),
			.until_ms = sqlite3_column_int64(q, 3),
		};
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		store_db_error(st, "read the mutes to lift");
		store_mutes_free(*out, *n_out);
		*out = NULL;
		*n_out = 0;
		return -1;
	}
	return 0;
}

void store_mutes_free(struct store_mute *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].network);
		free(v[i].room);
		free(v[i].mask);
	}
	free(v);
}
