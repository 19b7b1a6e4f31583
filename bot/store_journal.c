/* store_journal.c: a store that cannot write loses nothing. Every write
 * of the open transaction is kept here until it commits (an event's
 * values; any other statement as its SQL with the values in it). When
 * SQLite rolls a transaction back for a reason that may pass (a full
 * disk, an I/O error), the store is "failing": later writes are only
 * kept, with the ids their rows will get, and the whole journal is tried
 * again, in order, in one transaction, every STORE_RETRY_MS. Replayed in
 * order on the same rows, every row gets the id it was handed. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mem.h"
#include "store_impl.h"

/* Errors that say nothing about the write itself: it can succeed later. */
bool store_transient(int code)
{
	switch (code & 0xff) {
	case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_BUSY: case SQLITE_LOCKED: case SQLITE_NOMEM:
	case SQLITE_CANTOPEN: case SQLITE_PROTOCOL: case SQLITE_READONLY:
		return true;
	default:
		return false;
	}
}

static size_t jput(struct store *st, const char *s)
{
	if (!s)
		return (size_t)-1;
	size_t off = st->jarena.len;
	buf_add(&st->jarena, s, strlen(s) + 1);
	return off;
}

static struct jentry *jadd(struct store *st)
{
	st->journal = mem_grow(st->journal, &st->cap_journal, st->n_journal + 1, sizeof *st->journal);
	struct jentry *e = &st->journal[st->n_journal++];
	memset(e, 0, sizeof *e);
	return e;
}

void store_journal_clear(struct store *st)
{
	st->n_journal = 0;
	buf_clear(&st->jarena);
	strmap_clear(&st->jkeys);
}

static void log_failing(struct store *st)
{
	log_error("store %s: WRITES ARE FAILING (%s): %zu writes are kept in memory and will be "
		  "tried again every %d s; the chats carry on", st->path, sqlite3_errmsg(st->db),
		  st->n_journal, STORE_RETRY_MS / 1000);
}

/* A write could not be made for a reason that may pass: whatever SQLite
 * rolled back is in the journal, and from now on writes only go there. */
void store_enter_failing(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_tx = false;
	if (!st->failing) {
		/* the kept events' message ids: a replay of one is not kept twice */
		for (size_t i = 0; i < st->n_journal; i++) {
			if (!st->journal[i].event || !st->journal[i].keyed)
				continue;
			char k[32];
			snprintf(k, sizeof k, "%lld", (long long)st->journal[i].key);
			strmap_put(&st->jkeys, k, NULL);
		}
		st->failing = true;
		st->failing_since = clock_mono_ms();
		log_failing(st);
	}
	st->next_retry = clock_mono_ms() + STORE_RETRY_MS;
}

/* Runs one write (a bound statement) and journals it; while the store is
 * failing, only journals it. A write that fails for a reason that may
 * pass (a full disk) is kept too, and the store starts failing: 0 either
 * way, since the write will be made. -1 only for a write that can never
 * be made (a constraint, a bug): logged, and not kept. */
int store_wstep(struct store *st, sqlite3_stmt *q, const char *what)
{
	st->executed = false;
	char *sql = sqlite3_expanded_sql(q);
	if (!sql) {
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
		log_error("store %s: %s: out of memory", st->path, what);
		return -1;
	}
	size_t mark = st->n_journal;
	jadd(st)->sql = jput(st, sql);
	sqlite3_free(sql);
	if (st->failing) {
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
		return 0;
	}
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		st->executed = true;
		return 0;
	}
	store_db_error(st, what);
	if (store_transient(sqlite3_extended_errcode(st->db))) {
		store_enter_failing(st);
		return 0;
	}
	st->n_journal = mark; /* never to be made: not replayed */
	store_after_error(st);
	return -1;
}

/* The id a row just written got, or (only journaled) will get. */
int64_t store_new_id(struct store *st, int table)
{
	int64_t id = st->executed ? sqlite3_last_insert_rowid(st->db) : st->hi[table] + 1;
	if (id > st->hi[table])
		st->hi[table] = id;
	return id;
}

/* Makes every journaled write again, in order, in one transaction. */
static int replay(struct store *st)
{
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	const char *a = st->jarena.p;
	for (size_t i = 0; i < st->n_journal; i++) {
		const struct jentry *e = &st->journal[i];
		int rc;
		if (e->event) {
#define J(off) ((off) == (size_t)-1 ? NULL : a + (off))
			struct event ev = {.kind = (enum event_kind)e->kind, .flags = (unsigned)e->flags,
					   .ts_ms = e->ts, .nick = J(e->nick), .text = J(e->text),
					   .target = J(e->target), .msgid = J(e->msgid), .reply_to = J(e->reply_to)};
#undef J
			rc = store_insert_event(st, &ev, e->rid, e->pid, e->chat_id, e->round, e->keyed) < 0
				     ? sqlite3_extended_errcode(st->db) : SQLITE_OK;
		} else {
			rc = sqlite3_exec(st->db, a + e->sql, NULL, NULL, NULL);
		}
		if (rc == SQLITE_OK)
			continue;
		if (store_transient(rc)) {
			if (!sqlite3_get_autocommit(st->db))
				sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		/* it can never be made: said once, and left out */
		st->stats.errors++;
		log_error("store %s: a write kept since the failure cannot be made, left out: %s", st->path,
			  sqlite3_errmsg(st->db));
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* Tries the journal again (when it is time, or `now`). */
void store_retry(struct store *st, bool now)
{
	int64_t t = clock_mono_ms();
	if (!now && t < st->next_retry)
		return;
	if (replay(st) != 0) {
		st->next_retry = t + STORE_RETRY_MS;
		if ((t - st->failing_since) / 60000 != (st->next_retry - st->failing_since) / 60000)
			log_failing(st); /* once a minute while it lasts */
		return;
	}
	st->stats.commits++;
	log_warn("store %s: writes work again: %zu writes kept since the failure %lld s ago are stored",
		 st->path, st->n_journal, (long long)((t - st->failing_since) / 1000));
	st->failing = false;
	store_journal_clear(st);
}

/* Keeps an event's values for a replay (the hot path: no SQL text). */
void store_journal_event(struct store *st, const struct event *ev, int64_t rid, int64_t pid,
			  int64_t chat_id, int round, bool keyed)
{
	struct jentry *e = jadd(st);
	e->event = true;
	e->rid = rid;
	e->pid = pid;
	e->ts = ev->ts_ms;
	e->kind = ev->kind;
	e->flags = (int)ev->flags;
	e->chat_id = chat_id;
	e->round = round;
	e->keyed = keyed && ev->msgid;
	e->key = e->keyed ? store_msgkey(rid, ev->msgid) : 0;
	e->nick = jput(st, ev->nick);
	e->text = jput(st, ev->text);
	e->target = jput(st, ev->target);
	e->msgid = jput(st, ev->msgid);
	e->reply_to = jput(st, ev->reply_to);
}

/* While failing: an event is journaled with the id it will get, unless
 * the store or the journal has its message id already. */
int store_add_event_failing(struct store *st, const struct event *ev, int64_t rid, int64_t pid,
			     int64_t chat_id, int round, int64_t *id_out)
{
	bool keyed = ev->msgid != NULL;
	if (ev->msgid) {
		int64_t key = store_msgkey(rid, ev->msgid);
		int owner = store_key_owner(st, key, rid, ev->msgid);
		char k[32];
		snprintf(k, sizeof k, "%lld", (long long)key);
		if (owner == 1 || strmap_has(&st->jkeys, k)) {
			st->stats.duplicates++;
			return 0;
		}
		keyed = owner != 0; /* taken by another id: stored without a key */
		if (keyed)
			strmap_put(&st->jkeys, k, NULL);
	}
	store_journal_event(st, ev, rid, pid, chat_id, round, keyed);
	st->last_id = ++st->hi[T_EVENTS];
	if (id_out)
		*id_out = st->last_id;
	st->stats.events_stored++;
	return 1;
}
