/* model: one chat as it will be published, loaded from the store. Every
 * renderer (Markdown, JSON, and later HTML, text, Atom, the archive site)
 * works from this model and never from the store, so what is left out of
 * a transcript is decided once, here:
 *
 *   - published: messages and actions in the chat's room, and the bot's
 *     own messages and notices there; replayed history counts (it is the
 *     same message, stored once);
 *   - never published: private messages, lines sent to the room's
 *     operators only ("@#room"), commands typed to the bot, other people's
 *     notices, audit records, joins, parts, quits, nick changes, kicks and
 *     topic changes;
 *   - withheld: every line of a person who has opted out (people.optout_ms
 *     set when the model is loaded). Only the number of such lines and of
 *     such people is kept, never who; a reply to a withheld line loses its
 *     reference, an opted-out opener or co-host is not named, and a topic
 *     an opted-out host typed is replaced by the planned wording (or left
 *     blank).
 *
 * Lines are grouped into sections: the intro (round 0, before T1), one per
 * round, and "after the last topic". A line goes to the round it is
 * stamped with (so "A1 ..." typed during T2 stays under T1); a line whose
 * stamp is missing or names no recorded round goes by its time: to the
 * "after" section if the chat had ended by then, else to the round running
 * at that moment, else to the intro.
 *
 * Gaps: where the bot was away from the room (a reconnect) and the
 * history the network replayed did not reach back to what it had read,
 * the store holds a gap event; the model keeps each as a time span
 * (overlapping ones merged), placed in the section its start falls in by
 * the rules above, so a renderer can say that lines from then may be
 * missing.
 *
 * Strings in the model are valid UTF-8 (anything ill-formed in the store
 * is replaced by U+FFFD on load) and otherwise unescaped: each renderer
 * escapes for its own medium. The model owns all of its memory; one
 * transcript_free() releases it. */
#ifndef ROUNDS_TRANSCRIPT_MODEL_H
#define ROUNDS_TRANSCRIPT_MODEL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* "No such message / participant" in an index field. */
#define TRANSCRIPT_NONE SIZE_MAX

#define TRANSCRIPT_KINDS(X) \
	X(TRANSCRIPT_MESSAGE, "message") \
	X(TRANSCRIPT_ACTION, "action") \
	X(TRANSCRIPT_NOTICE, "notice")

enum transcript_kind {
#define X(name, text) name,
	TRANSCRIPT_KINDS(X)
#undef X
};

/* "message", "action" or "notice": the names used by the JSON schema. */
const char *transcript_kind_name(enum transcript_kind kind);

enum transcript_flag {
	TRANSCRIPT_F_BOT = 1 << 0,        /* posted by the bot itself */
	TRANSCRIPT_F_MODERATOR = 1 << 1,  /* the sender was a moderator of the chat */
	TRANSCRIPT_F_REPLAY = 1 << 2,     /* first read from history the server replayed */
	TRANSCRIPT_F_LOCAL_TIME = 1 << 3, /* no server time: the time is when the bot read it */
	TRANSCRIPT_F_REMOVED = 1 << 4,    /* hidden by moderation: text is TRANSCRIPT_REMOVED */
	TRANSCRIPT_F_REDACTED = 1 << 5,   /* spans of the text replaced by TRANSCRIPT_REDACTED */
	TRANSCRIPT_F_EDITED = 1 << 6      /* its author edited it (Matrix): the text is the last edit */
};

/* What takes the place of removed lines and redacted spans, in every format. */
#define TRANSCRIPT_REMOVED "[removed by a moderator]"
#define TRANSCRIPT_REDACTED "[redacted]"
/* A line its author deleted (a Matrix redaction by its sender). */
#define TRANSCRIPT_DELETED "[deleted by its author]"

enum transcript_section_kind { TRANSCRIPT_INTRO, TRANSCRIPT_ROUND, TRANSCRIPT_AFTER };

struct transcript_section {
	enum transcript_section_kind kind;
	int number;              /* the round's number; 0 for the intro and "after" */
	const char *topic;       /* the round's topic; NULL for the intro and "after" */
	double planned_minutes;  /* 0 if not known */
	/* Round: when its topic was posted and when it ended. Intro: the chat's
	 * start and the first topic. After: the chat's end and 0. Any may be 0
	 * (not recorded). */
	int64_t started_ms;
	int64_t ended_ms;
	bool posted_by_host;     /* round only: the host posted the topic, not the bot */
	/* The section's messages as indices into transcript.messages, in time
	 * order (n_messages of them). */
	const size_t *messages;
	/* The same messages in reading order: each top-level message followed,
	 * depth first, by the replies nested under it (see
	 * transcript_message.depth). Also n_messages long. */
	const size_t *thread;
	size_t n_messages;
	/* The gaps that start in this section: indices into transcript.gaps,
	 * by start (n_gaps of them). */
	const size_t *gaps;
	size_t n_gaps;
};

/* A hole in the record: lines said from start_ms to end_ms may be missing
 * (the bot was away and no replayed history covered it). A renderer shows
 * it after the section's top-level lines up to start_ms. */
struct transcript;

struct transcript_gap {
	int64_t start_ms;        /* the last event the bot had seen in the room */
	int64_t end_ms;          /* the first replayed line, else when it was back; >= start_ms */
	const struct transcript_section *section;
};

/* Writes "gap from START to END" (ISO 8601 UTC with ms), the words every
 * format uses for a gap. */
void transcript_gap_text(const struct transcript_gap *g, struct buf *out);

/* Calls fn for each gap of section s that comes before a top-level line
 * at ts (start before ts; INT64_MAX: all that are left), from *next on,
 * and advances *next. For renderers walking a section in reading order. */
void transcript_gaps_before(const struct transcript *t, const struct transcript_section *s,
			    size_t *next, int64_t ts,
			    void (*fn)(const struct transcript_gap *g, void *ud), void *ud);

struct transcript_message {
	int64_t id;              /* the event's row id: unique and stable in one store */
	int64_t ts_ms;           /* UTC milliseconds */
	enum transcript_kind kind;
	unsigned flags;          /* enum transcript_flag */
	const char *sender;      /* display name (nick) at the time; "" if unknown */
	const char *text;        /* "" if none */
	const char *msgid;       /* the network's message id, or NULL */
	/* The message this one answers, when that message is published in this
	 * transcript and came earlier: its index in transcript.messages and its
	 * msgid. Otherwise TRANSCRIPT_NONE and NULL, even if the network said
	 * it was a reply (to a withheld line, or to one outside the chat). */
	size_t parent;
	const char *reply_to;
	/* Nesting in the section's reading order: 0 at top level, parent's + 1
	 * when the parent is in the same section. A reply whose parent is in
	 * another section stays at top level of its own (parent still set). */
	unsigned depth;
	const struct transcript_section *section;
	size_t participant;      /* index into transcript.participants; TRANSCRIPT_NONE for the bot */
	size_t reactions;        /* reactions people added to it (Matrix), not withdrawn */
};

struct transcript_participant {
	const char *name;        /* the last nick they used on a published line */
	size_t messages;         /* their published lines */
	bool first_time;         /* no line of theirs in an earlier chat of the same room */
};

struct transcript_chat {
	int64_t id;
	const char *name;        /* the chat's key in the config */
	const char *title;
	const char *network;     /* the network's config name */
	const char *room;        /* channel */
	const char *opened_by;   /* who opened it (a nick, or e.g. the scheduler); NULL if unknown */
	const char *const *hosts;   /* host accounts when the chat opened (from the config) */
	size_t n_hosts;
	const char *const *cohosts; /* co-host accounts: from the config, then those added */
	size_t n_cohosts;
	int64_t started_ms;
	int64_t planned_end_ms;  /* 0 if none */
	int64_t ended_ms;        /* 0 while the chat is open */
	const char *end_reason;  /* NULL while open or if none was recorded */
	const char *timezone;    /* IANA name to show local times in ("UTC" by default) */
	bool pseudonyms;         /* names are stable pseudonyms (see below) */
};

struct transcript_stats {
	size_t messages;          /* published lines, the bot's included */
	size_t bot_messages;      /* of which the bot's own */
	size_t participants;      /* people with at least one published line (not the bot) */
	size_t withheld_messages; /* lines left out because their author opted out */
	size_t withheld_people;   /* how many people those lines came from */
	size_t removed_messages;  /* lines shown as TRANSCRIPT_REMOVED */
	size_t deleted_messages;  /* lines shown as TRANSCRIPT_DELETED (their authors deleted them) */
	size_t redacted_messages; /* lines with spans shown as TRANSCRIPT_REDACTED */
};

/* A section a summary plugin adds (issue: plugins). Renderers show each
 * as a titled part after the topics, built from these blocks. Every string
 * is plain text (the renderer escapes it); a url is NULL or a checked
 * http(s) address. */
enum transcript_block_kind { TRANSCRIPT_PARAGRAPH, TRANSCRIPT_LIST, TRANSCRIPT_TABLE };

struct transcript_item {
	const char *text;
	const char *url;
};

struct transcript_block {
	enum transcript_block_kind kind;
	const struct transcript_item *items; /* paragraph: one; list: n_items */
	size_t n_items;
	const char *const *cells;            /* table: n_rows x n_cols, row 0 the header */
	size_t n_rows, n_cols;
};

struct transcript_summary {
	const char *plugin; /* who added it */
	const char *title;
	const struct transcript_block *blocks;
	size_t n_blocks;
};

struct transcript_arena;

struct transcript {
	struct transcript_chat chat;
	struct transcript_section intro;
	struct transcript_section *rounds; /* by number, ascending */
	size_t n_rounds;
	struct transcript_section after;   /* lines after the chat ended */
	struct transcript_message *messages; /* every published line, by (time, id) */
	size_t n_messages;
	struct transcript_participant *participants; /* most messages first, then by name */
	size_t n_participants;
	struct transcript_stats stats;
	struct transcript_summary *summaries; /* in the order added */
	size_t n_summaries;
	struct transcript_arena *arena;    /* private: the model's strings */
	size_t cap_summaries;              /* private */
	struct transcript_gap *gaps;       /* holes in the record, by start */
	size_t n_gaps;
};

/* Edits, deletions and reactions (Matrix), when the model is loaded: an
 * edit by the line's own author replaces its text (with the edit's own
 * moderation applied: an edit is moderated like a new line) and sets
 * TRANSCRIPT_F_EDITED; a line deleted (redacted on Matrix) shows
 * TRANSCRIPT_DELETED when its author deleted it, else TRANSCRIPT_REMOVED,
 * with TRANSCRIPT_F_REMOVED; reactions are counted. The store keeps the
 * original text and every edit.
 *
 * Moderation and pseudonyms, when the model is loaded:
 *   - a line with a HIDE verdict keeps its sender and time, and its text
 *     becomes TRANSCRIPT_REMOVED;
 *   - the spans of every REDACT verdict become TRANSCRIPT_REDACTED (spans
 *     are byte offsets into the stored text; overlapping ones are merged and
 *     widened to whole characters; out-of-range ones are ignored);
 *   - with pseudonyms on, every name but the bot's is replaced by a stable
 *     pseudonym ("Calm Heron"), the same for a person in every chat of this
 *     store and derived from a secret kept in it; hosts and the opener are
 *     not named. Names typed inside messages cannot be replaced. */

/* Loads chat chat_id from the store (db from store_db(); read only, same
 * thread). On success returns 0 and a model in *out, owned by the caller
 * (transcript_free). On failure returns -1, *out NULL, and a message for a
 * person appended to err. Memory is bounded by the size of one chat. */
int transcript_load(sqlite3 *db, int64_t chat_id, struct transcript **out, struct buf *err);
void transcript_free(struct transcript *t);

/* Adds a summary section (its strings are copied). Returns its index. */
size_t transcript_add_summary(struct transcript *t, const char *plugin, const char *title);
void transcript_summary_paragraph(struct transcript *t, size_t summary, const char *text);
/* urls may be NULL, or hold NULL entries; a url that is not a plain
 * http(s) address is dropped (its text stays). */
void transcript_summary_list(struct transcript *t, size_t summary, const char *const *texts,
			     const char *const *urls, size_t n);
/* cells: n_rows x n_cols strings, row 0 the header. */
void transcript_summary_table(struct transcript *t, size_t summary, const char *const *cells,
			      size_t n_rows, size_t n_cols);
/* Is url a plain http:// or https:// address (no spaces, quotes, angle
 * brackets or control characters)? */
bool transcript_url_ok(const char *url);

/* Copies a string into the model's memory (lives as long as t). */
const char *transcript_strdup(struct transcript *t, const char *s);

#endif
