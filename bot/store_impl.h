/* store_impl.h: PRIVATE to the store (store.c: opening, events,
 * commits, the index; store_chats.c: chats, rounds, hosts, verdicts,
 * opt-outs; store_journal.c: keeping writes through a failing disk).
 * Everything else uses store.h. */
#ifndef ROUNDS_STORE_IMPL_H
#define ROUNDS_STORE_IMPL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"
#include "strmap.h"

/* How often writes that failed (a full disk) are tried again. */
#define STORE_RETRY_MS 5000

enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_ROOM_GET, S_ROOM_ADD, S_PERSON_GET, S_PERSON_ADD,
	S_EVENT_ADD, S_ROUND_OF_MSGID, S_MSGKEY_TAKEN,
	S_CHAT_OPEN, S_CHAT_CLOSE, S_ROUND_START, S_ROUND_END, S_HOST_ADD,
	S_OPTOUT, S_TRANSCRIPT, S_PARTICIPANTS, S_CHATS_OF, S_VERDICT_ADD, S_CHAT_CHANGED,
	S_CHAT_OPTIONS, S_CHATS_CHANGED_BY,
	S_FTS_MARK, S_FTS_MAX, S_FTS_FILL, S_FTS_SET,
	S_SLUG_TAKEN, S_MAX_IDS,
	S_COUNT
};

/* The ids the store hands out (rows other rows refer to). */
enum { T_EVENTS, T_CHATS, T_ROOMS, T_PEOPLE, T_COUNT };

/* One write of the journal: an event (the hot path: its values, copied)
 * or any other statement (its SQL with the values in it). */
struct jentry {
	bool event;
	size_t sql; /* offset into jarena */
	int64_t rid, pid, ts, chat_id, key;
	int kind, flags, round;
	bool keyed;
	size_t nick, text, target, msgid, reply_to; /* offsets; (size_t)-1 for NULL */
};

struct store {
	sqlite3 *db;
	char *path;
	bool readonly;
	sqlite3_stmt *s[S_COUNT];
	bool in_tx;
	struct strmap rooms;  /* "network\x1froom" -> id */
	struct strmap people; /* "network\x1fkey" -> id */
	struct buf key;
	int64_t fts_mark;     /* highest event id in the full-text index */
	int64_t last_id;      /* highest event id written by us */
	struct store_stats stats;
	/* Every write since the last commit, so that a transaction SQLite
	 * rolled back (a full disk, an I/O error) can be made again. While
	 * `failing`, writes are only journaled (with the ids they will get:
	 * replayed in order on the same rows, they get the same ones) and
	 * the whole journal is tried again now and then (store_commit). */
	struct jentry *journal;
	size_t n_journal, cap_journal;
	struct buf jarena;
	bool failing;
	bool executed;          /* the last write ran (it was not only journaled) */
	int64_t hi[T_COUNT];    /* highest id handed out, per table */
	struct strmap jkeys;    /* message keys journaled while failing (dedupe) */
	int64_t failing_since, next_retry; /* monotonic ms */
};


/* store.c */
void store_db_error(struct store *st, const char *what);
/* After a failed statement that cannot succeed later: forget what a
 * rollback undid. */
void store_after_error(struct store *st);
/* Opens the grouped write transaction if none is open (not while failing). */
int store_begin(struct store *st);
int store_insert_event(struct store *st, const struct event *ev, int64_t rid, int64_t pid,
		       int64_t chat_id, int round, bool keyed);
int64_t store_get_or_add(struct store *st, struct strmap *cache, enum stmt get, enum stmt add,
			 const char *network, const char *name, const char *extra, int flag);
int64_t store_room_id(struct store *st, const char *network, const char *room, bool priv);
const char *store_cache_key(struct store *st, const char *network, const char *name);
void store_bind_text_or_null(sqlite3_stmt *q, int i, const char *s);
int64_t store_msgkey(int64_t room, const char *msgid);
/* 1: key is this room's msgid's, 0: another's, -1: nobody's. */
int store_key_owner(struct store *st, int64_t key, int64_t room, const char *msgid);

/* store_journal.c */
/* Errors that say nothing about the write itself: it can succeed later. */
bool store_transient(int code);
void store_journal_clear(struct store *st);
/* A write could not be made for a reason that may pass: from now on
 * writes are only journaled. */
void store_enter_failing(struct store *st);
/* Runs (or, failing, only journals) one bound write: see store_journal.c. */
int store_wstep(struct store *st, sqlite3_stmt *q, const char *what);
/* The id the row just written got, or (only journaled) will get. */
int64_t store_new_id(struct store *st, int table);
/* Tries the journal again, when it is time (or now). */
void store_retry(struct store *st, bool now);
void store_journal_event(struct store *st, const struct event *ev, int64_t rid, int64_t pid,
			 int64_t chat_id, int round, bool keyed);
int store_add_event_failing(struct store *st, const struct event *ev, int64_t rid, int64_t pid,
			    int64_t chat_id, int round, int64_t *id_out);

#endif
