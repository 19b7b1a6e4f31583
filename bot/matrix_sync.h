/* matrix_sync: reading what a Matrix homeserver sends (a /sync response, a
 * /messages chunk, one event) into plain fields, with no I/O: the part of
 * the Matrix transport that parses untrusted input, kept apart so it can
 * be fuzzed (tests/fuzz/fuzz_matrix_sync.c).
 *
 * Every key of a response is optional and may have any type: what is
 * missing or of the wrong type is skipped (and counted), never trusted.
 * Strings handed out are borrowed from the parsed JSON. */
#ifndef ROUNDS_MATRIX_SYNC_H
#define ROUNDS_MATRIX_SYNC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "event.h"

/* One room event, normalized. */
struct mx_event {
	const char *type;        /* "m.room.message", ... */
	const char *event_id;    /* never NULL after a successful parse */
	const char *sender;      /* never NULL after a successful parse */
	const char *state_key;   /* state events only */
	int64_t ts;              /* origin_server_ts, UTC ms (0 if absent) */
	/* what the core stores: EVENT_MESSAGE, _NOTICE, _ACTION, _EDIT,
	 * _REDACTION, _REACTION, _JOIN, _PART, _KICK, _NICK, _TOPIC; 0 for an
	 * event that is not one (state the transport keeps for itself) */
	enum event_kind kind;
	const char *text;        /* message text (reply fallback removed), edit's new text,
				  * reaction key, redaction reason, topic; NULL if none */
	const char *reply_to;    /* replies and threads: the event answered; edits, redactions,
				  * reactions: the event they are about */
	const char *target;      /* member events: whom it is about */
	const char *displayname; /* member events: the display name set, if any */
	bool encrypted;          /* m.room.encrypted, or the m.room.encryption state */
	/* a message already redacted when it reached the bot (unsigned.
	 * redacted_because): it is stored with no text (kind EVENT_MESSAGE),
	 * and these describe its redaction, so that the transcript marks it
	 * deleted even if the redaction event itself is never seen */
	const char *redaction_id, *redaction_sender;
	int64_t redaction_ts;
	json_t *content;         /* the event's content object (borrowed), or NULL */
};

/* Parses one event. text is scratch space the event's text may live in
 * (cleared first). Returns 0, or -1 if it is not a usable event (no
 * event_id, sender or type): the caller counts and drops it. */
int mx_event_parse(json_t *ev, struct mx_event *out, struct buf *text);

/* Walks a /sync response. Callbacks may be NULL. For each joined room, in
 * order: info (limited, prev_batch), then its state events, then its
 * timeline events; then invites, then rooms left. */
struct mx_sync_walk {
	void *ud;
	void (*room_info)(void *ud, const char *room_id, bool limited, const char *prev_batch);
	void (*state)(void *ud, const char *room_id, json_t *ev);
	void (*timeline)(void *ud, const char *room_id, json_t *ev);
	void (*invite)(void *ud, const char *room_id, json_t *invite_state_events);
	void (*left)(void *ud, const char *room_id);
};
/* Returns the number of items skipped as malformed. */
unsigned mx_sync_walk(json_t *root, const struct mx_sync_walk *w);
/* The response's next_batch, or NULL. */
const char *mx_sync_next_batch(json_t *root);

/* Power levels (an m.room.power_levels content, or NULL: the spec's
 * defaults). */
int64_t mx_power_of(json_t *pl, const char *user);
/* The level needed for an action: "kick", "ban", "redact", "invite", or an
 * event type to send ("m.room.message", "m.room.power_levels": state). */
int64_t mx_power_needed(json_t *pl, const char *action, bool state);
/* The level below which a user cannot send messages (events_default, or
 * the level for m.room.message). */
int64_t mx_power_to_speak(json_t *pl);

#endif
