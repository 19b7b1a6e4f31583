/* event: what every transport turns its input into. The core (store,
 * session, commands) sees only this, never a protocol. All strings are
 * borrowed for the duration of the call that hands the event over. */
#ifndef ROUNDS_EVENT_H
#define ROUNDS_EVENT_H

#include <stdint.h>

/* Stored as integers: append only, never renumber. */
#define EVENT_KINDS(X) \
	X(EVENT_MESSAGE, 1, "message") \
	X(EVENT_NOTICE, 2, "notice") \
	X(EVENT_ACTION, 3, "action") \
	X(EVENT_JOIN, 4, "join") \
	X(EVENT_PART, 5, "part") \
	X(EVENT_QUIT, 6, "quit") \
	X(EVENT_NICK, 7, "nick") \
	X(EVENT_KICK, 8, "kick") \
	X(EVENT_TOPIC, 9, "topic") \
	X(EVENT_AUDIT, 10, "audit") \
	X(EVENT_EDIT, 11, "edit")           /* reply_to: the message edited; text: its new text */ \
	X(EVENT_REDACTION, 12, "redaction") /* reply_to: the message removed; text: the reason */ \
	X(EVENT_REACTION, 13, "reaction")   /* reply_to: the message reacted to; text: the key */ \
	X(EVENT_GAP, 14, "gap")             /* a hole in the record: see struct event */

enum event_kind {
#define X(name, value, text) name = value,
	EVENT_KINDS(X)
#undef X
};

const char *event_kind_name(enum event_kind kind);

enum event_flag {
	EVENT_F_SELF = 1 << 0,      /* the bot's own line */
	EVENT_F_PRIVATE = 1 << 1,   /* sent to the bot, not to the room */
	EVENT_F_REPLAY = 1 << 2,    /* history replayed by the server: never executed */
	EVENT_F_OP = 1 << 3,        /* sender is a channel operator in the room */
	EVENT_F_COMMAND = 1 << 4,   /* text is a command for the bot */
	EVENT_F_MODERATOR = 1 << 5, /* sender recognised as a moderator of the chat */
	EVENT_F_LOCAL_TIME = 1 << 6, /* no server-time: the time is when we read it */
	EVENT_F_STATUSMSG = 1 << 7   /* sent to the room's operators only ("@#room") */
};

struct event {
	enum event_kind kind;
	unsigned flags;
	const char *network;  /* config name of the network */
	const char *room;     /* channel; for private messages the peer's nick */
	const char *nick;     /* sender's display name */
	const char *account;  /* sender's account, NULL if not logged in / unknown */
	const char *text;     /* clean UTF-8 (formatting removed); NULL if none */
	const char *target;   /* KICK: who was kicked; NICK: the new nick */
	const char *msgid;    /* network message id, NULL if none */
	const char *reply_to; /* msgid this answers (+draft/reply), NULL if none */
	int64_t ts_ms;        /* server-time if given, else receive time (UTC ms) */
};

/* EVENT_GAP: the bot was away from the room (a reconnect, a kick) and the
 * history the network replayed does not reach back to what it had read:
 * lines said from ts_ms (the last event it had seen there) to the end
 * (target: UTC ms in decimal; the first replayed line, else when it was
 * back) may be missing. text is "gap from START to END" (ISO 8601 UTC).
 * Sent as the bot's own (EVENT_F_SELF), never acted on. */

#endif
