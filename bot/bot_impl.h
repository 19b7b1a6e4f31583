/* bot_impl.h: PRIVATE to the daemon's glue (bot.c: the loop, events, chat
 * sessions and publishing; bot_act.c: acting on committed lines —
 * commands, sanctions, mutes). Everything else uses bot.h. */
#ifndef ROUNDS_BOT_IMPL_H
#define ROUNDS_BOT_IMPL_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "plugin.h"
#include "session.h"
#include "site.h"
#include "store.h"
#include "transport.h"
#include "tz.h"

struct bot;

struct bot_net {
	struct bot *bot;
	const struct config_network *cfg;
	struct transport *t;
};

/* The network's transport operations, called on its transport. */
#define NET(net, op, ...) ((net)->t->ops->op((net)->t, __VA_ARGS__))

struct bot_chat {
	struct bot *bot;
	const struct config_chat *cfg;
	struct bot_net *net;
	struct session *session;
	int64_t chat_id; /* the running chat in the store, 0 if none */
	lws_sorted_usec_list_t sul;
	struct buf location;
	/* its schedule (bot_schedule.c): the chat's zone, the next opening
	 * (0: none), the next of cfg->reminders to send before it */
	bool dirty;      /* the session changed since its state was last saved */
	struct tz *zone;
	int64_t next_open_ms;
	size_t next_reminder;
	lws_sorted_usec_list_t sul_sched;
};

/* An event kept until the store has committed it, then acted on. Strings
 * are offsets into bot.arena, so a burst costs no allocation per line. */
struct pending {
	struct bot_chat *chat; /* NULL: a private line on a network with no chat to act for */
	struct bot_net *net;
	/* offsets; (size_t)-1 for none: a participant's line that is only
	 * counted keeps its key alone */
	size_t nick, account, key, text, room;
	bool command, moderator, impersonation, private_line;
	bool in_chat;          /* a line of the running chat: the session counts it */
	/* what moderation wants done to the sender (ROUNDS_ALLOW: nothing) */
	enum rounds_verdict sanction;
	size_t sanction_reason, sanction_plugin; /* offsets; (size_t)-1 for none */
	bool remove;           /* hidden by moderation: delete it from the room where the network can */
	size_t msgid;          /* offset; (size_t)-1 if none */
};

/* A plugin's mute, lifted after the chat's mute_minutes (kept in the
 * store by network, room, mask and until_ms, so a restart still lifts it). */
struct mute {
	struct bot_net *net;
	char *room, *mask;
	int64_t until_ms; /* when it ends, as stored */
	int64_t due_ms;   /* the next try to lift it, or (lifted) to forget it */
	bool lifted;      /* the lift was queued, on connection `epoch` */
	unsigned epoch;
	uint64_t sync;    /* the transport's token for "the server read the lift" (0: none) */
};

struct bot {
	const struct config *cfg;
	struct lws_context *ctx;
	struct store *store;
	struct bot_net *nets;
	struct bot_chat *chats;
	struct pending *pending;
	size_t n_pending, cap_pending;
	struct buf arena, key, scratch;
	lws_sorted_usec_list_t sul_index;
	bool index_scheduled;
	int64_t index_due;      /* monotonic ms: index by then however busy; 0: nothing waits */
	/* transcripts to write (again), one per loop turn: ended chats, and the
	 * chats of someone who just opted out */
	int64_t *exports;
	size_t n_exports, cap_exports;
	lws_sorted_usec_list_t sul_export;
	struct plugins *plugins;
	struct plugin_outcome outcome;
	struct site_options site; /* how chats are published (summaries from the plugins) */
	struct buf summary_key;
	struct mute *mutes;
	size_t n_mutes, cap_mutes;
	lws_sorted_usec_list_t sul_mutes;
	lws_sorted_usec_list_t sul_retry; /* while the store is failing: try its writes again */
	bool retry_scheduled;
};

/* An arena offset back to its string (NULL for (size_t)-1). */
static inline const char *bot_arena_get(const struct bot *b, size_t off)
{
	return off == (size_t)-1 ? NULL : b->arena.p + off;
}

/* bot.c: while the store cannot write, its kept writes are tried every
 * 5 s even when nothing else happens. */
void bot_retry_soon(struct bot *b);

/* bot_chat.c */
/* The chat's session, its hooks wired to the bot. */
struct session *bot_chat_session_new(struct bot_chat *c);
/* At start: carries on the chat this one was running when the bot stopped
 * or was killed, in the same round, with its clock; a chat whose saved
 * state cannot be read is closed (its lines are all stored). */
void bot_chat_resume(struct bot_chat *c);
/* Queues a chat's transcript to be published on a later loop turn. */
void bot_export_soon(struct bot *b, int64_t chat_id);
/* Publishes one chat (its pages, then the archive's index and feed). */
int bot_publish(struct bot *b, int64_t id);
/* Arms the chat session's timer for its next deadline. */
void bot_chat_arm(struct bot_chat *c);
/* Saves the running chat's state in the store if it changed (in the open
 * transaction: committed with what changed it). */
void bot_chat_save(struct bot_chat *c);

/* bot_schedule.c */
/* Loads each scheduled chat's zone and arms its timer (opening late a
 * chat missed by at most 15 minutes). */
void bot_schedule_start(struct bot *b);
void bot_schedule_stop(struct bot *b);
/* !when: appends when the next chat is (nothing when it has no schedule
 * and is not on). */
void bot_schedule_when(struct bot_chat *c, struct buf *out);
/* !remindme [off]: the answer in out; false when refused. */
bool bot_schedule_remindme(struct bot_chat *c, const char *key, const char *nick, const char *account,
			   bool on, struct buf *out);

/* bot_act.c */
/* Acts on one committed line: its sanction, its removal, a command, or
 * the chat session's turn. */
void bot_act(struct bot *b, const struct pending *p);
/* Takes up the mutes an earlier run set and did not lift (from the store):
 * lifted when their time comes, at once if it has passed. */
void bot_mutes_resume(struct bot *b);
/* Frees the mutes still to lift (at shutdown; they stay on the network,
 * and in the store for the next run). */
void bot_mutes_free(struct bot *b);

#endif
