/* store: the SQLite file where every line the bot reads is written before
 * anything acts on it. One file, WAL, busy_timeout, foreign keys declared
 * (not enforced on insert: the tests check every store); schema version in PRAGMA user_version, migrations append-only and
 * applied in one transaction; statements prepared once, parameters bound.
 *
 * Writes are grouped: the first write after store_commit() opens a
 * transaction, and the caller commits once per loop turn (after a read
 * chunk) before it acts on what it stored. WAL with synchronous=NORMAL
 * keeps every committed line through a crash of the process.
 *
 * Full-text search (FTS5, external content on events.text) is filled in
 * batches behind a watermark kept in the store (store_index_pending()),
 * because indexing row by row inside the hot path costs several times
 * more than storing; updates and deletes of indexed rows are kept in step
 * by triggers. The index keeps no word positions (detail=none): queries
 * combine words with AND, OR, NOT and prefixes, and a phrase is found by
 * AND-ing its words and checking the text; that halves the cost of
 * indexing. */
#ifndef ROUNDS_STORE_H
#define ROUNDS_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "event.h"

struct store;

/* Call once before any other SQLite use (single-threaded, no memory
 * statistics: both cost time on every allocation). */
void store_global_init(void);

/* Opens or creates the store, migrating it to the current schema.
 * Returns 0, or -1 with a message for a person in err. */
int store_open(const char *path, struct store **out, struct buf *err);
/* Opens an existing store for reading only (export, listing): it is never
 * created or migrated, and closing it writes nothing, so it is safe while
 * the daemon runs. */
int store_open_readonly(const char *path, struct store **out, struct buf *err);
/* Commits, indexes what is pending, and closes. */
void store_close(struct store *st);
/* Read access for the transcript model and search (same thread). */
sqlite3 *store_db(struct store *st);
/* A statement on the store's connection for a query run now and then (the
 * caller finalizes it), or NULL with the error logged. */
sqlite3_stmt *store_prepare(struct store *st, const char *sql);
int store_schema_version(void);

/* Commits the open transaction, if any. Returns 0, or -1 (logged) when
 * writes were lost. When SQLite cannot write (a full disk, an I/O error)
 * nothing is lost: the transaction's writes are kept in memory, the store
 * is "failing", later writes are kept too (with the ids they will get),
 * and each commit tries them all again, at most every 5 s, until they are
 * stored. Reads see only what is stored. */
int store_commit(struct store *st);
/* Are writes being kept in memory for want of a working disk? */
bool store_failing(const struct store *st);
/* Runs a write statement (bound, prepared on store_db) in the grouped
 * transaction, through the journal as above; resets it. 0 or -1. */
int store_write(struct store *st, sqlite3_stmt *q, const char *what);

/* Participant key: "a:<account>" (lowercased) when logged in, else
 * "n:<nick>" (casefolded by the caller's rules). Written into out. */
void store_person_key(const char *account, const char *folded_nick, struct buf *out);

/* Records an event. chat_id 0 and round -1 when not part of a chat.
 * Returns 1 stored, 0 already stored (same room and message id), -1 error. */
int store_add_event(struct store *st, const struct event *ev, const char *person_key,
		    int64_t chat_id, int round, int64_t *id_out);
/* The round of the stored message with this id in this room, or -1. */
int store_round_of_msgid(struct store *st, const char *network, const char *room, const char *msgid);

/* Opens a chat and fixes its slug (see the chats table). Returns its id or -1. */
int64_t store_chat_open(struct store *st, const char *network, const char *room, const char *name,
			const char *title, int64_t started_ms, int64_t planned_end_ms, const char *by);
/* Ends a chat, and records who spoke in it (the participants table). */
int store_chat_close(struct store *st, int64_t chat_id, int64_t ended_ms, const char *reason,
		     uint64_t messages, uint64_t participants);
/* How the chat is published: its time zone (IANA name) and whether
 * participants appear under pseudonyms. */
int store_chat_options(struct store *st, int64_t chat_id, const char *zone, bool pseudonyms);
/* Records what a plugin decided about a stored line (enum verdict;
 * spans_json for REDACT: "[[start,end],...]", byte offsets into its text),
 * and marks its chat for publishing again if it had ended. */
int store_add_verdict(struct store *st, int64_t event_id, const char *plugin, int verdict,
		      const char *reason, const char *spans_json, int64_t now_ms);
/* The ended chats a person spoke in (ids into *ids, which the caller
 * frees). Returns 0 or -1. */
int store_chats_of(struct store *st, const char *network, const char *person_key, int64_t **ids,
		   size_t *n);
/* A round began. poster_key: the person key of the host who posted the
 * topic themselves (NULL when the bot posted it); agenda_topic: the
 * planned wording it replaced, or NULL. */
int store_round_start(struct store *st, int64_t chat_id, const char *network, int number,
		      const char *topic, const char *agenda_topic, double planned_minutes,
		      int64_t started_ms, const char *poster_key);
int store_round_end(struct store *st, int64_t chat_id, int number, int64_t ended_ms);
/* Records who runs a chat: a host or co-host from the config (by NULL) or
 * a co-host added with !cohost (by: who added them). */
int store_add_host(struct store *st, int64_t chat_id, const char *account, bool cohost,
		   const char *by, int64_t now_ms);
/* Opt a participant out of (or back into) published transcripts. */
int store_set_optout(struct store *st, const char *network, const char *person_key, bool out,
		     int64_t now_ms);
int store_set_transcript(struct store *st, int64_t chat_id, const char *location);

/* Indexes up to max_rows events not yet in the full-text index, in one
 * transaction of their own. Returns rows indexed, or -1. */
int store_index_pending(struct store *st, int max_rows);
/* Is anything waiting to be indexed? */
bool store_index_behind(struct store *st);

struct store_stats {
	uint64_t events_stored;
	uint64_t duplicates;
	uint64_t errors;
	uint64_t commits;
};
const struct store_stats *store_stats(const struct store *st);

#endif
