/* transport: what the core (bot.c: store, chat sessions, commands,
 * plugins) asks of a chat network, whatever the network is. IRC is
 * link + irc (transport_irc.c); Matrix is matrix (transport_matrix.c).
 * Everything a transport reads becomes a struct event (event.h); the core
 * never sees a protocol.
 *
 * People are named by both their display name (`nick`) and their account
 * (`account`, NULL if unknown): a transport uses whichever its network
 * addresses people by (IRC: the nick; Matrix: the user id). */
#ifndef ROUNDS_TRANSPORT_H
#define ROUNDS_TRANSPORT_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "event.h"

struct transport;

struct transport_hooks {
	void *ud;
	/* A normalized event (strings borrowed for the call). */
	void (*event)(void *ud, struct transport *t, const struct event *ev);
	/* End of a read: commit what was stored, then act on it. */
	void (*flush)(void *ud, struct transport *t);
	/* Logged in and joining the rooms (after each (re)connect). */
	void (*ready)(void *ud, struct transport *t);
	/* The transport's own state kept in the store (a Matrix since-token,
	 * the rooms it talks to people in). get: false if none. set: written
	 * in the transaction of the events read before it, committed at the
	 * next flush, so a token never gets ahead of what it covers. */
	bool (*state_get)(void *ud, struct transport *t, const char *key, struct buf *out);
	void (*state_set)(void *ud, struct transport *t, const char *key, const char *value);
};

/* What moderation can ask a network to do to a person. */
enum transport_sanction { TRANSPORT_MUTE, TRANSPORT_KICK, TRANSPORT_BAN };

struct transport_ops {
	const char *kind; /* "irc", "matrix" */
	void (*start)(struct transport *t);
	/* Posts in a room, paced behind the bot's other posts. Returns 0 or -1. */
	int (*say)(struct transport *t, const char *room, const char *text);
	/* Tells one person privately. Returns 0 or -1. */
	int (*tell)(struct transport *t, const char *nick, const char *account, const char *text);
	/* Mutes, kicks or bans a person in a room with what the network
	 * offers. On success returns 0 and puts in undo what lift() needs to
	 * end a mute; on failure -1 with the reason for the log in why. */
	int (*sanction)(struct transport *t, const char *room, const char *nick, const char *account,
			enum transport_sanction what, const char *reason, struct buf *undo,
			struct buf *why);
	/* Ends a mute. Returns 0, or -1 to be tried again later. */
	int (*lift)(struct transport *t, const char *room, const char *undo);
	/* Removes a message from the room itself (Matrix redactions); NULL
	 * where the network cannot (IRC). Returns 0, or -1 with why. */
	int (*remove)(struct transport *t, const char *room, const char *msgid, const char *reason,
		      struct buf *why);
	/* Is this person in the room (as far as the transport knows)? */
	bool (*is_member)(struct transport *t, const char *room, const char *nick, const char *account);
	/* Do two room names name the same room here? */
	bool (*same_room)(struct transport *t, const char *a, const char *b);
	/* Folds a display name the way the network compares them (in place). */
	void (*fold_name)(struct transport *t, char *name);
	/* Leaves the network politely (after the posts already queued). */
	void (*quit)(struct transport *t, const char *reason);
	/* True once closed after quit() (or never started). */
	bool (*done)(struct transport *t);
	/* One log line of what it read, sent and dropped. */
	void (*log_stats)(struct transport *t);
	void (*free)(struct transport *t);
	/* Optional (NULL where the network resumes by itself, as Matrix does
	 * from its since-token): before the first join, the bot was away from
	 * room since since_ms, so the first join is checked like a return. */
	void (*away_since)(struct transport *t, const char *room, int64_t since_ms);
	/* Optional: which connection this is, counting from 1 (0 while not
	 * connected), so that what was queued on an earlier one, and may have
	 * been lost with it, can be sent again. NULL: requests are not lost
	 * with a connection (Matrix retries its own). */
	unsigned (*epoch)(struct transport *t);
	/* Optional (with synced): asks the server to confirm it has read what
	 * was sent so far on this connection; returns a token, 0 if it cannot
	 * now. synced() says whether the server confirmed, on the connection
	 * the token was asked on. NULL: no such confirmation (Matrix answers
	 * each request). */
	uint64_t (*sync)(struct transport *t);
	bool (*synced)(struct transport *t, uint64_t token);
};

struct transport {
	const struct transport_ops *ops;
	const struct config_network *cfg;
	struct transport_hooks hooks;
};

/* A transport for the network cfg (its type says which), joining rooms.
 * NULL with err on failure. */
struct transport *transport_new(struct lws_context *ctx, const struct config_network *cfg,
				const char *const *rooms, size_t n_rooms,
				const struct transport_hooks *hooks, struct buf *err);

/* The IRC transport (transport_irc.c). */
struct transport *transport_irc_new(struct lws_context *ctx, const struct config_network *cfg,
				    const char *const *rooms, size_t n_rooms,
				    const struct transport_hooks *hooks, struct buf *err);

/* The Matrix transport (transport_matrix.c). */
struct transport *transport_matrix_new(struct lws_context *ctx, const struct config_network *cfg,
				       const char *const *rooms, size_t n_rooms,
				       const struct transport_hooks *hooks, struct buf *err);

#endif
