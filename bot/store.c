#include "store.h"
#include "store_impl.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "mem.h"
#include "strmap.h"

/* Append-only: each entry moves the schema one version up. Never edit an
 * entry that has shipped; add a new one. */
static const char *const migrations[] = {
	/* 1: rooms, people, chats, rounds, events, full-text index */
	"CREATE TABLE rooms ("
	"  id INTEGER PRIMARY KEY,"
	"  network TEXT NOT NULL,"
	"  name TEXT NOT NULL,"        /* channel, or the peer of a private conversation */
	"  private INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (network, name));"
	"CREATE TABLE people ("
	"  id INTEGER PRIMARY KEY,"
	"  network TEXT NOT NULL,"
	"  key TEXT NOT NULL,"         /* a:<account> or n:<nick> */
	"  account TEXT,"
	"  optout_ms INTEGER,"         /* set: left out of every published transcript */
	"  UNIQUE (network, key));"
	"CREATE TABLE chats ("
	"  id INTEGER PRIMARY KEY,"
	"  room_id INTEGER NOT NULL REFERENCES rooms(id),"
	"  name TEXT NOT NULL,"        /* the chat's key in the config */
	"  title TEXT NOT NULL,"
	"  opened_by TEXT,"
	"  started_ms INTEGER NOT NULL,"
	"  planned_end_ms INTEGER,"
	"  ended_ms INTEGER,"
	"  end_reason TEXT,"
	"  messages INTEGER,"
	"  participants INTEGER,"
	"  transcript TEXT,"
	/* the chat's events lie in this id range (events are appended, and a
	 * chat's id is stamped only while it runs): transcripts scan just it,
	 * so the hot insert path needs no index on chat_id */
	"  first_event_id INTEGER NOT NULL,"
	"  last_event_id INTEGER,"
	/* where it is published: the room name reduced to [a-z0-9-] and the
	 * UTC date, then -2, -3... when taken; fixed when the chat opens */
	"  slug TEXT NOT NULL UNIQUE,"
	"  timezone TEXT NOT NULL DEFAULT 'UTC'," /* IANA name the chat is shown in */
	"  pseudonyms INTEGER NOT NULL DEFAULT 0," /* publish participants under pseudonyms */
	"  changed_ms INTEGER);"       /* set when published files must be written again */
	"CREATE TABLE rounds ("
	"  chat_id INTEGER NOT NULL REFERENCES chats(id),"
	"  number INTEGER NOT NULL,"
	"  topic TEXT NOT NULL,"
	"  planned_minutes REAL,"
	"  started_ms INTEGER NOT NULL,"
	"  ended_ms INTEGER,"
	"  posted_by_host INTEGER NOT NULL DEFAULT 0,"
	"  agenda_topic TEXT,"         /* the planned wording, when a host posted their own */
	"  person_id INTEGER REFERENCES people(id)," /* the host who posted it */
	"  PRIMARY KEY (chat_id, number)) WITHOUT ROWID;"
	"CREATE TABLE hosts ("         /* who ran the chat: from the config, and !cohost */
	"  chat_id INTEGER NOT NULL REFERENCES chats(id),"
	"  account TEXT NOT NULL,"
	"  role TEXT NOT NULL,"        /* 'host' or 'cohost' */
	"  added_by TEXT,"             /* NULL: from the config */
	"  added_ms INTEGER,"
	"  PRIMARY KEY (chat_id, account)) WITHOUT ROWID;"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  room_id INTEGER NOT NULL REFERENCES rooms(id),"
	"  ts_ms INTEGER NOT NULL,"    /* server-time where given, UTC ms */
	"  kind INTEGER NOT NULL,"     /* enum event_kind */
	"  flags INTEGER NOT NULL,"    /* enum event_flag */
	"  person_id INTEGER REFERENCES people(id),"
	"  nick TEXT,"                 /* display name at the time; never a hostmask */
	"  text TEXT,"
	"  target TEXT,"               /* KICK: who; NICK: the new nick */
	"  msgid TEXT,"
	"  msgkey INTEGER,"            /* 64-bit hash of (room, msgid): the dedupe key */
	"  reply_to TEXT,"
	"  chat_id INTEGER REFERENCES chats(id),"
	"  round INTEGER);"            /* 0 intro, N round N, NULL outside a chat */
	/* an integer key is cheaper to index than the text; a collision of
	 * two different ids is detected and the second one stored without a
	 * key (store_add_event) */
	"CREATE UNIQUE INDEX events_msgkey ON events (msgkey) WHERE msgkey IS NOT NULL;"
	/* who spoke in each chat, written when it ends: which transcripts to
	 * publish again when somebody opts out, and first-time participants */
	"CREATE TABLE participants ("
	"  chat_id INTEGER NOT NULL REFERENCES chats(id),"
	"  person_id INTEGER NOT NULL REFERENCES people(id),"
	"  messages INTEGER NOT NULL,"
	"  PRIMARY KEY (chat_id, person_id)) WITHOUT ROWID;"
	"CREATE INDEX participants_person ON participants (person_id);"
	/* what moderation decided about a line (one row per plugin verdict):
	 * REDACT spans are blanked and HIDE removes it, in every transcript */
	"CREATE TABLE verdicts ("
	"  id INTEGER PRIMARY KEY,"
	"  event_id INTEGER NOT NULL REFERENCES events(id),"
	"  plugin TEXT NOT NULL,"
	"  verdict INTEGER NOT NULL,"  /* enum verdict */
	"  reason TEXT,"
	"  spans TEXT,"                /* REDACT: JSON [[start, end], ...], byte offsets in the text */
	"  ts_ms INTEGER NOT NULL);"
	"CREATE INDEX verdicts_event ON verdicts (event_id);"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	"INSERT INTO meta (key, value) VALUES ('fts_indexed_to', 0);"
	/* the secret pseudonyms are derived from: stable within this store,
	 * unguessable from outside it */
	"INSERT INTO meta (key, value) VALUES ('pseudonym_salt', lower(hex(randomblob(16))));"
	"CREATE VIRTUAL TABLE events_fts USING fts5 ("
	"  text, content='events', content_rowid='id', tokenize='unicode61 remove_diacritics 2',"
	"  detail=none, columnsize=0);"
	"INSERT INTO events_fts (events_fts, rank) VALUES ('pgsz', 4000);"
	/* merge segments less eagerly: a quarter less work while indexing */
	"INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 8);"
	"INSERT INTO events_fts (events_fts, rank) VALUES ('hashsize', 524288);"
	/* rows are added to the index in batches (store_index_pending); rows
	 * already indexed are kept in step here */
	"CREATE TRIGGER events_fts_delete AFTER DELETE ON events"
	"  WHEN old.kind IN (1, 2, 3) AND old.text IS NOT NULL"
	"   AND old.id <= (SELECT value FROM meta WHERE key = 'fts_indexed_to')"
	"  BEGIN INSERT INTO events_fts (events_fts, rowid, text) VALUES ('delete', old.id, old.text); END;"
	"CREATE TRIGGER events_fts_update AFTER UPDATE OF text ON events"
	"  WHEN old.kind IN (1, 2, 3)"
	"   AND old.id <= (SELECT value FROM meta WHERE key = 'fts_indexed_to')"
	"  BEGIN"
	"    INSERT INTO events_fts (events_fts, rowid, text) SELECT 'delete', old.id, old.text"
	"      WHERE old.text IS NOT NULL;"
	"    INSERT INTO events_fts (rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL;"
	"  END;",
	/* 2: who asked for a private reminder before a room's scheduled chats
	 * (!remindme), by participant key; nick and account say whom to tell */
	"CREATE TABLE reminder_subscriptions ("
	"  network TEXT NOT NULL,"
	"  room TEXT NOT NULL,"
	"  person_key TEXT NOT NULL,"
	"  nick TEXT NOT NULL,"
	"  account TEXT,"
	"  added_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (network, room, person_key)) WITHOUT ROWID;",
	/* 3: the index's pending terms flushed at 256 KB instead of 512 KB:
	 * 0.7 MB less peak memory in a burst, no measurable CPU */
	"INSERT INTO events_fts (events_fts, rank) VALUES ('hashsize', 262144);",
	/* 4: the mutes the bot set and must lift later, kept across restarts */
	"CREATE TABLE mutes ("
	"  id INTEGER PRIMARY KEY,"
	"  network TEXT NOT NULL,"
	"  room TEXT NOT NULL,"
	"  mask TEXT NOT NULL,"
	"  until_ms INTEGER NOT NULL);",
	/* 5: pending terms flushed at 128 KB: with the 256 KB page cache, 0.5 MB
	 * less peak memory in a burst, CPU within the noise (README) */
	"INSERT INTO events_fts (events_fts, rank) VALUES ('hashsize', 131072);",
	/* 6: pending terms flushed at 64 KB (0.1 MB less peak memory in a
	 * burst); the smaller, more numerous segments are merged 16 at a time
	 * (automerge 16 is also FTS5's crisismerge: a level is merged whole
	 * when it reaches 16 segments), which brings indexing back to what it
	 * cost at 128 KB (README) */
	("INSERT INTO events_fts (events_fts, rank) VALUES ('hashsize', 65536);"
	 "INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 16);"),
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_ROOM_GET] = "SELECT id FROM rooms WHERE network = ?1 AND name = ?2",
	[S_ROOM_ADD] = "INSERT INTO rooms (network, name, private) VALUES (?1, ?2, ?3)",
	[S_PERSON_GET] = "SELECT id FROM people WHERE network = ?1 AND key = ?2",
	[S_PERSON_ADD] = "INSERT INTO people (network, key, account) VALUES (?1, ?2, ?3)",
	[S_EVENT_ADD] = "INSERT INTO events (room_id, ts_ms, kind, flags, person_id, nick, text,"
			" target, msgid, reply_to, chat_id, round, msgkey)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
			" ON CONFLICT DO NOTHING",
	[S_ROUND_OF_MSGID] = "SELECT round FROM events WHERE msgkey = ?1 AND room_id = ?2 AND msgid = ?3",
	[S_MSGKEY_TAKEN] = "SELECT room_id = ?2 AND msgid = ?3 FROM events WHERE msgkey = ?1",
	[S_CHAT_OPEN] = "INSERT INTO chats (room_id, name, title, opened_by, started_ms, planned_end_ms,"
			" first_event_id, slug) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
			" (SELECT coalesce(max(id), 0) + 1 FROM events), ?7)",
	[S_CHAT_CLOSE] = "UPDATE chats SET ended_ms = ?2, end_reason = ?3, messages = ?4,"
			 " participants = ?5, last_event_id = (SELECT coalesce(max(id), 0) FROM events)"
			 " WHERE id = ?1",
	[S_ROUND_START] = "INSERT OR REPLACE INTO rounds (chat_id, number, topic, planned_minutes,"
			  " started_ms, posted_by_host, agenda_topic, person_id)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_ROUND_END] = "UPDATE rounds SET ended_ms = ?3 WHERE chat_id = ?1 AND number = ?2",
	[S_HOST_ADD] = "INSERT OR IGNORE INTO hosts (chat_id, account, role, added_by, added_ms)"
		       " VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_OPTOUT] = "UPDATE people SET optout_ms = ?3 WHERE network = ?1 AND key = ?2",
	[S_TRANSCRIPT] = "UPDATE chats SET transcript = ?2 WHERE id = ?1",
	[S_PARTICIPANTS] = "INSERT OR REPLACE INTO participants (chat_id, person_id, messages)"
			   " SELECT ?1, e.person_id, count(*) FROM events e, chats c"
			   " WHERE c.id = ?1 AND e.id BETWEEN c.first_event_id AND c.last_event_id"
			   " AND e.chat_id = ?1 AND e.kind IN (1, 2, 3) AND e.person_id IS NOT NULL"
			   " AND (e.flags & 17) = 0 GROUP BY e.person_id", /* not the bot's, not commands */
	[S_VERDICT_ADD] = "INSERT INTO verdicts (event_id, plugin, verdict, reason, spans, ts_ms)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* a verdict on a line of an ended chat changes what is published */
	[S_CHAT_CHANGED] = "UPDATE chats SET changed_ms = ?2 WHERE id = (SELECT chat_id FROM events"
			   " WHERE id = ?1) AND ended_ms IS NOT NULL",
	/* an opt-out (or opt-in) changes every published chat the person spoke in */
	[S_CHATS_CHANGED_BY] = "UPDATE chats SET changed_ms = ?3 WHERE ended_ms IS NOT NULL AND id IN"
			       " (SELECT p.chat_id FROM participants p JOIN people u ON u.id = p.person_id"
			       "  WHERE u.network = ?1 AND u.key = ?2)",
	[S_CHAT_OPTIONS] = "UPDATE chats SET timezone = ?2, pseudonyms = ?3 WHERE id = ?1",
	[S_CHATS_OF] = "SELECT p.chat_id FROM participants p JOIN people u ON u.id = p.person_id"
		       " JOIN chats c ON c.id = p.chat_id"
		       " WHERE u.network = ?1 AND u.key = ?2 AND c.ended_ms IS NOT NULL ORDER BY p.chat_id",
	[S_FTS_MARK] = "SELECT value FROM meta WHERE key = 'fts_indexed_to'",
	[S_FTS_MAX] = "SELECT coalesce(max(id), 0) FROM events",
	[S_FTS_FILL] = "INSERT INTO events_fts (rowid, text) SELECT id, text FROM events"
		       " WHERE id > ?1 AND id <= ?2 AND kind IN (1, 2, 3) AND text IS NOT NULL",
	[S_FTS_SET] = "UPDATE meta SET value = ?1 WHERE key = 'fts_indexed_to'",
	[S_SLUG_TAKEN] = "SELECT 1 FROM chats WHERE slug = ?1",
	[S_MAX_IDS] = "SELECT (SELECT coalesce(max(id), 0) FROM events), (SELECT coalesce(max(id), 0) FROM chats),"
		      " (SELECT coalesce(max(id), 0) FROM rooms), (SELECT coalesce(max(id), 0) FROM people)",
};

void store_global_init(void)
{
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_schema_version(void)
{
	return N_MIGRATIONS;
}

sqlite3 *store_db(struct store *st)
{
	return st->db;
}

sqlite3_stmt *store_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
		log_error("store %s: %s", st->path, sqlite3_errmsg(st->db));
		return NULL;
	}
	return q;
}

const struct store_stats *store_stats(const struct store *st)
{
	return &st->stats;
}

void store_db_error(struct store *st, const char *what)
{
	st->stats.errors++;
	log_error("store %s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static int exec(struct store *st, const char *sql, struct buf *err)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (err)
			buf_printf(err, "%s: %s", st->path, msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* The schema version of an open database, or -1. */
static int user_version(sqlite3 *db)
{
	sqlite3_stmt *q;
	int version = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return version;
}

static int migrate(struct store *st, struct buf *err)
{
	int version = user_version(st->db);
	if (version < 0)
		version = 0;
	if (version > N_MIGRATIONS) {
		buf_printf(err, "%s: the store has schema version %d, newer than this rounds (%d); "
				"use a newer rounds or another store", st->path, version, N_MIGRATIONS);
		return -1;
	}
	if (version == N_MIGRATIONS)
		return 0;
	if (exec(st, "BEGIN IMMEDIATE", err))
		return -1;
	for (int v = version; v < N_MIGRATIONS; v++) {
		if (exec(st, migrations[v], err)) {
			exec(st, "ROLLBACK", NULL);
			buf_printf(err, " (migrating to schema version %d)", v + 1);
			return -1;
		}
	}
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", N_MIGRATIONS);
	if (exec(st, sql, err) || exec(st, "COMMIT", err)) {
		exec(st, "ROLLBACK", NULL);
		return -1;
	}
	if (version)
		log_info("store %s: migrated from schema version %d to %d", st->path, version, N_MIGRATIONS);
	return 0;
}

static int open_store(const char *path, bool readonly, struct store **out, struct buf *err)
{
	struct store *st = mem_calloc(1, sizeof *st);
	st->path = mem_strdup(path);
	st->readonly = readonly;
	*out = NULL;
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: cannot open the store: %s", path,
			   st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* the daemon must not stall its loop behind another writer; a reader
	 * (export, chats) may wait */
	sqlite3_busy_timeout(st->db, readonly ? 5000 : 250);
	if (readonly) {
		int v = user_version(st->db);
		if (v < 0) {
			buf_printf(err, "%s: cannot read the store: %s", path, sqlite3_errmsg(st->db));
			goto fail;
		}
		if (v != N_MIGRATIONS) {
			buf_printf(err, "%s: the store has schema version %d and this rounds reads %d "
					"(run the bot once to migrate it, or use a matching rounds)",
				   path, v, N_MIGRATIONS);
			goto fail;
		}
	} else if (exec(st, "PRAGMA page_size = 8192", err) ||
		   exec(st, "PRAGMA journal_mode = WAL", err) ||
		   exec(st, "PRAGMA synchronous = NORMAL", err) ||
		   /* the REFERENCES are the schema's documentation, not checked on
		    * every insert: the checks cost 8% of storing a line in a burst,
		    * the ids always come from the store itself, and the tests run
		    * PRAGMA foreign_key_check on every store they leave */
		   exec(st, "PRAGMA foreign_keys = OFF", err) ||
		   exec(st, "PRAGMA secure_delete = OFF", err) ||
		   exec(st, "PRAGMA cache_size = -128", err) || migrate(st, err)) {
		goto fail;
	}
	for (int i = 0; i < S_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->s[i],
				       NULL) != SQLITE_OK) {
			buf_printf(err, "%s: %s (in: %s)", path, sqlite3_errmsg(st->db), stmt_sql[i]);
			goto fail;
		}
	}
	sqlite3_stmt *q = st->s[S_FTS_MARK];
	if (sqlite3_step(q) == SQLITE_ROW)
		st->fts_mark = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	q = st->s[S_FTS_MAX];
	if (sqlite3_step(q) == SQLITE_ROW)
		st->last_id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	q = st->s[S_MAX_IDS];
	if (sqlite3_step(q) == SQLITE_ROW)
		for (int t = 0; t < T_COUNT; t++)
			st->hi[t] = sqlite3_column_int64(q, t);
	sqlite3_reset(q);
	*out = st;
	return 0;
fail:
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->s[i]);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
	return -1;
}

int store_open(const char *path, struct store **out, struct buf *err)
{
	return open_store(path, false, out, err);
}

int store_open_readonly(const char *path, struct store **out, struct buf *err)
{
	return open_store(path, true, out, err);
}

/* After a failed statement: if SQLite rolled the transaction back itself
 * (a full disk, an I/O error), the rows written in it are gone, and so
 * are the rooms and people created in it: forget the cached ids. */
void store_after_error(struct store *st)
{
	if (st->in_tx && sqlite3_get_autocommit(st->db)) {
		st->in_tx = false;
		strmap_clear(&st->rooms);
		strmap_clear(&st->people);
	}
}

static int step_done(struct store *st, sqlite3_stmt *q, const char *what)
{
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_db_error(st, what);
		store_after_error(st);
		return -1;
	}
	return 0;
}

/* Opens the grouped write transaction if none is open. */
int store_begin(struct store *st)
{
	if (st->failing)
		return 0; /* writes are journaled until the store works again */
	if (st->in_tx)
		return 0;
	if (step_done(st, st->s[S_BEGIN], "begin")) {
		if (!store_transient(sqlite3_extended_errcode(st->db)))
			return -1;
		store_enter_failing(st);
		return 0;
	}
	st->in_tx = true;
	return 0;
}

int store_commit(struct store *st)
{
	if (st->failing) {
		store_retry(st, false);
		return 0;
	}
	if (!st->in_tx)
		return 0;
	st->stats.commits++;
	int rc = sqlite3_step(st->s[S_COMMIT]);
	sqlite3_reset(st->s[S_COMMIT]);
	if (rc != SQLITE_DONE) {
		store_db_error(st, "commit");
		if (store_transient(sqlite3_extended_errcode(st->db))) {
			store_enter_failing(st); /* everything of this transaction is in the journal */
			return 0;
		}
		if (!sqlite3_get_autocommit(st->db))
			step_done(st, st->s[S_ROLLBACK], "rollback");
		st->in_tx = false;
		strmap_clear(&st->rooms); /* their new rows were rolled back too */
		strmap_clear(&st->people);
		store_journal_clear(st);
		return -1;
	}
	st->in_tx = false;
	store_journal_clear(st);
	return 0;
}

bool store_failing(const struct store *st)
{
	return st->failing;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (!st->readonly) {
		store_commit(st);
		if (st->failing)
			store_retry(st, true);
		if (st->failing)
			log_error("store %s: %zu writes could not be made before exit (the disk is still "
				  "full or failing): they are lost", st->path, st->n_journal);
		while (store_index_pending(st, 100000) > 0)
			;
	}
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->s[i]);
	sqlite3_close(st->db);
	strmap_clear(&st->rooms);
	strmap_clear(&st->people);
	strmap_clear(&st->jkeys);
	free(st->journal);
	buf_free(&st->jarena);
	buf_free(&st->key);
	free(st->path);
	free(st);
}

void store_person_key(const char *account, const char *folded_nick, struct buf *out)
{
	buf_clear(out);
	if (account && *account) {
		buf_adds(out, "a:");
		for (const char *p = account; *p; p++)
			buf_addc(out, (char)tolower((unsigned char)*p));
	} else {
		buf_adds(out, "n:");
		buf_adds(out, folded_nick ? folded_nick : "");
	}
}

const char *store_cache_key(struct store *st, const char *network, const char *name)
{
	buf_clear(&st->key);
	buf_adds(&st->key, network);
	buf_addc(&st->key, '\x1f');
	buf_adds(&st->key, name);
	return st->key.p;
}

/* Looks up or creates a row of rooms/people; ids are cached. */
int64_t store_get_or_add(struct store *st, struct strmap *cache, enum stmt get, enum stmt add,
			  const char *network, const char *name, const char *extra, int flag)
{
	const char *k = store_cache_key(st, network, name);
	intptr_t cached = (intptr_t)strmap_get(cache, k);
	if (cached)
		return cached;
	sqlite3_stmt *q = st->s[get];
	sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	int64_t id = 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (!id) {
		if (store_begin(st))
			return -1;
		q = st->s[add];
		sqlite3_bind_text(q, 1, network, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
		if (add == S_ROOM_ADD)
			sqlite3_bind_int(q, 3, flag);
		else if (extra)
			sqlite3_bind_text(q, 3, extra, -1, SQLITE_STATIC);
		if (store_wstep(st, q, "add room/person"))
			return -1;
		id = store_new_id(st, add == S_ROOM_ADD ? T_ROOMS : T_PEOPLE);
	}
	strmap_put(cache, store_cache_key(st, network, name), (void *)(intptr_t)id);
	return id;
}

int64_t store_room_id(struct store *st, const char *network, const char *room, bool priv)
{
	return store_get_or_add(st, &st->rooms, S_ROOM_GET, S_ROOM_ADD, network, room, NULL, priv);
}

void store_bind_text_or_null(sqlite3_stmt *q, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* The dedupe key of a message id in a room (FNV-1a over both). */
int64_t store_msgkey(int64_t room, const char *msgid)
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < 8; i++, room >>= 8) {
		h ^= (uint64_t)(room & 0xff);
		h *= 1099511628211ull;
	}
	for (const unsigned char *p = (const unsigned char *)msgid; *p; p++) {
		h ^= *p;
		h *= 1099511628211ull;
	}
	return (int64_t)h;
}

/* Is this key already used by this very message (1), by another message
 * whose id hashes the same (0), or by nothing (-1)? */
int store_key_owner(struct store *st, int64_t key, int64_t room, const char *msgid)
{
	sqlite3_stmt *q = st->s[S_MSGKEY_TAKEN];
	sqlite3_bind_int64(q, 1, key);
	sqlite3_bind_int64(q, 2, room);
	sqlite3_bind_text(q, 3, msgid, -1, SQLITE_STATIC);
	int same = -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		same = sqlite3_column_int(q, 0);
	sqlite3_reset(q);
	return same;
}

int store_insert_event(struct store *st, const struct event *ev, int64_t rid, int64_t pid,
			int64_t chat_id, int round, bool keyed)
{
	sqlite3_stmt *q = st->s[S_EVENT_ADD];
	sqlite3_bind_int64(q, 1, rid);
	sqlite3_bind_int64(q, 2, ev->ts_ms);
	sqlite3_bind_int(q, 3, ev->kind);
	sqlite3_bind_int(q, 4, (int)ev->flags);
	/* every parameter is bound each time, so no clear_bindings is needed */
	if (pid)
		sqlite3_bind_int64(q, 5, pid);
	else
		sqlite3_bind_null(q, 5);
	store_bind_text_or_null(q, 6, ev->nick);
	store_bind_text_or_null(q, 7, ev->text);
	store_bind_text_or_null(q, 8, ev->target);
	store_bind_text_or_null(q, 9, ev->msgid);
	store_bind_text_or_null(q, 10, ev->reply_to);
	if (chat_id > 0)
		sqlite3_bind_int64(q, 11, chat_id);
	else
		sqlite3_bind_null(q, 11);
	if (chat_id > 0 && round >= 0)
		sqlite3_bind_int(q, 12, round);
	else
		sqlite3_bind_null(q, 12);
	if (ev->msgid && keyed)
		sqlite3_bind_int64(q, 13, store_msgkey(rid, ev->msgid));
	else
		sqlite3_bind_null(q, 13);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		store_db_error(st, "store an event");
		return -1;
	}
	return sqlite3_changes(st->db) ? 1 : 0;
}

int store_add_event(struct store *st, const struct event *ev, const char *person_key,
		    int64_t chat_id, int round, int64_t *id_out)
{
	if (id_out)
		*id_out = 0;
	int64_t rid = store_room_id(st, ev->network, ev->room ? ev->room : "", ev->flags & EVENT_F_PRIVATE);
	if (rid < 0)
		return -1;
	int64_t pid = 0;
	if (person_key) {
		const char *account = person_key[0] == 'a' ? ev->account : NULL;
		pid = store_get_or_add(st, &st->people, S_PERSON_GET, S_PERSON_ADD, ev->network, person_key,
				 account, 0);
		if (pid < 0)
			return -1;
	}
	if (store_begin(st))
		return -1;
	if (st->failing)
		return store_add_event_failing(st, ev, rid, pid, chat_id, round, id_out);
	bool keyed = true;
	int rc = store_insert_event(st, ev, rid, pid, chat_id, round, true);
	/* a 64-bit collision between two different ids (not expected in the
	 * life of a store, but a line must never be lost to it): the second
	 * message is stored without a key, so a later replay of that one id
	 * could be stored twice */
	if (rc == 0 && store_key_owner(st, store_msgkey(rid, ev->msgid), rid, ev->msgid) == 0) {
		keyed = false;
		rc = store_insert_event(st, ev, rid, pid, chat_id, round, false);
	}
	if (rc < 0) {
		if (!store_transient(sqlite3_extended_errcode(st->db)))
			return -1;
		store_enter_failing(st);
		return store_add_event_failing(st, ev, rid, pid, chat_id, round, id_out);
	}
	if (rc == 0) {
		st->stats.duplicates++;
		return 0;
	}
	st->last_id = sqlite3_last_insert_rowid(st->db);
	if (st->last_id > st->hi[T_EVENTS])
		st->hi[T_EVENTS] = st->last_id;
	store_journal_event(st, ev, rid, pid, chat_id, round, keyed);
	if (id_out)
		*id_out = st->last_id;
	st->stats.events_stored++;
	return 1;
}

bool store_index_behind(struct store *st)
{
	return !st->failing && st->last_id > st->fts_mark;
}

int store_index_pending(struct store *st, int max_rows)
{
	if (st->readonly || store_commit(st))
		return -1;
	if (st->failing)
		return 0; /* after the journal */
	sqlite3_stmt *q = st->s[S_FTS_MAX];
	if (sqlite3_step(q) == SQLITE_ROW)
		st->last_id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (st->last_id <= st->fts_mark)
		return 0;
	if (store_begin(st))
		return -1;
	/* the watermark is read again inside the transaction: never index a row
	 * twice, even if another process moved it */
	q = st->s[S_FTS_MARK];
	if (sqlite3_step(q) == SQLITE_ROW)
		st->fts_mark = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	int64_t upto = st->last_id;
	if (max_rows > 0 && upto - st->fts_mark > max_rows)
		upto = st->fts_mark + max_rows;
	int n = 0;
	if (upto > st->fts_mark) {
		q = st->s[S_FTS_FILL];
		sqlite3_bind_int64(q, 1, st->fts_mark);
		sqlite3_bind_int64(q, 2, upto);
		if (step_done(st, q, "index messages"))
			goto fail;
		q = st->s[S_FTS_SET];
		sqlite3_bind_int64(q, 1, upto);
		if (step_done(st, q, "index messages"))
			goto fail;
		n = (int)(upto - st->fts_mark);
	}
	if (store_commit(st))
		return -1;
	if (n)
		st->fts_mark = upto;
	return n;
fail:
	if (st->in_tx) {
		step_done(st, st->s[S_ROLLBACK], "rollback");
		st->in_tx = false;
	}
	return -1;
}

int store_write(struct store *st, sqlite3_stmt *q, const char *what)
{
	if (store_begin(st)) {
		sqlite3_reset(q);
		return -1;
	}
	return store_wstep(st, q, what);
}
