/* search: finding stored messages by their words (SQLite FTS5), for
 * organizers (`rounds search`). Only what may be published is found: room
 * messages and actions of people who have not opted out, never private
 * lines, commands or lines a moderator removed; and a match may not rest on
 * a redacted span (the index holds the original words, so a message whose
 * match needs them is left out, and snippets show the redacted text).
 *
 * Query syntax, turned into a safe FTS5 expression (nothing typed can
 * reach FTS5 as syntax):
 *   words          all of them (accents and case ignored)
 *   "a phrase"     these words, next to each other in this order
 *   word*          any word starting so
 *   -word          not this word */
#ifndef ROUNDS_SEARCH_H
#define ROUNDS_SEARCH_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct search_hit {
	int64_t event_id;
	int64_t ts_ms;
	int64_t chat_id;       /* 0: said outside any chat */
	const char *chat_title; /* NULL outside a chat */
	const char *timezone;   /* the chat's zone, "UTC" outside a chat */
	int round;             /* -1 none, 0 introductions, N topic N */
	const char *topic;     /* NULL if none */
	const char *room;
	const char *sender;
	const char *snippet;   /* the matching words marked with the marks given */
};

struct search_query {
	const char *text;      /* what the person typed */
	int64_t chat_id;       /* 0: every chat */
	size_t limit;          /* 0: 20 */
	const char *mark_open, *mark_close; /* around matched words, e.g. "[" "]" */
};

/* Turns typed text into an FTS5 expression (appended to out). Returns the
 * number of terms, 0 if nothing searchable was typed. Exposed for tests. */
size_t search_compile(const char *text, struct buf *out);

/* Runs a search, calling fn for each hit, newest first (its strings live
 * during the call). Returns the number of hits, or -1 with err. */
int search_run(sqlite3 *db, const struct search_query *q,
	       void (*fn)(void *ud, const struct search_hit *hit), void *ud, struct buf *err);

#endif
