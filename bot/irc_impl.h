/* irc_impl.h: PRIVATE to the irc module. Only bot/irc.c, bot/ircreg.c and
 * bot/ircmembers.c include it; everything else uses the public API in
 * irc.h. It holds the one struct irc the three files share and the few
 * functions they call across file lines (all irc_-prefixed; the rest stays
 * static in its file).
 *
 *   irc.c        lifecycle, the outgoing queues, message and membership
 *                events, PING/PONG/ERROR, the dispatch table, the queries
 *   ircreg.c     registration: CAP, SASL, ISUPPORT, 001, nick fallback, BATCH
 *   ircmembers.c NAMES, WHOX, MODE and ACCOUNT: operator status and accounts
 *   irchistory.c no lost line: the time away from each channel, history the
 *                server replays (on join, CHATHISTORY), dedupe, gap events */
#ifndef ROUNDS_IRC_IMPL_H
#define ROUNDS_IRC_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "irc.h"
#include "ircmsg.h"
#include "ircqueue.h"
#include "ircusers.h"

#define IRC_WHOX_TOKEN "742"
#define IRC_MAX_BATCHES 16
#define IRC_SEEN_MAX 1024 /* keys of the latest lines, to know a replayed one */

/* The outgoing queues, sent in this order. */
enum irc_class {
	IRC_URGENT, /* protocol lines (PONG, CAP, JOIN...): dropped on disconnect */
	IRC_POST,   /* lines to channels (topics, announcements): held until the
		     * channel is joined, kept across reconnects, never crowded out */
	IRC_REPLY,  /* lines to people: after the posts, bounded per person */
};

/* What the bot knows of its time away from a channel (irchistory.c). */
struct irc_gap {
	int64_t start;      /* away since (last event seen there); 0: not away */
	int64_t back;       /* the JOIN echo's time once back in; 0 while away */
	int64_t first_new;  /* earliest replayed line not seen before; 0: none */
	int64_t latest;     /* latest replayed line (where the next page starts) */
	int64_t deadline;   /* decide by then even without the marker's PONG */
	bool overlap;       /* the replay reached back to lines seen before */
	bool passed_seen;   /* a replayed line seen before came: the rest are newer */
	int pages;          /* CHATHISTORY requests sent since back */
	unsigned replayed;  /* replayed lines since the last request */
	char token[40];     /* PING marker: everything replayed came before its PONG */
	char latest_msgid[128]; /* the msgid of the latest replayed line ("" if none usable) */
};

struct irc_channel {
	char *name;   /* as configured */
	char *folded;
	bool joined;
	int64_t rejoin_at; /* 0: none pending */
	int64_t last_ts;   /* server time of the last event seen here; 0: none */
	int64_t last_msg_ts; /* ... of the last message (what history keeps) */
	struct irc_gap gap;
};

struct irc_batch {
	char *ref;
	bool history;
};

struct irc {
	struct irc_callbacks cb;
	char *network, *want_nick, *username, *realname, *sasl_account, *sasl_password;
	struct irc_channel chans[IRC_MAX_CHANNELS];
	size_t n_chans;
	int ping_ms;

	/* per connection */
	bool connected, registered, cap_ls_done, cap_end_sent, sasl_active;
	int64_t connected_at, last_rx, ping_sent, last_nick_try;
	bool ping_out;
	char ping_token[32];
	/* irc_sync's PINGs sent on this connection, and the highest answered */
	uint32_t sync_sent, sync_acked;
	char *nick, *self_user, *self_host;
	int nick_tries;
	unsigned caps;
	char *sasl_mechs; /* from "sasl=PLAIN,..." or NULL */
	struct buf cap_ls;  /* accumulated multi-line CAP LS */
	enum ircmsg_casemapping cm;
	char prefix_modes[16], prefix_chars[16];
	char chantypes[8];
	char *chanmodes[4]; /* type A, B, C, D */
	bool whox, bot_mode;
	char extban_prefix[4];  /* EXTBAN=PREFIX,TYPES: "" for InspIRCd's "m:mask", "~" ... */
	char extban_types[64];  /* "" when the server announces no extbans */
	struct irc_batch batches[IRC_MAX_BATCHES];
	int chathistory_limit; /* ISUPPORT CHATHISTORY: -1 none, 0 no limit */
	bool msgref_msgid;     /* ISUPPORT MSGREFTYPES lists msgid: pages follow on by msgid */
	struct ircusers users;

	/* kept across reconnects: keys of the latest lines (irchistory.c) */
	uint64_t seen[IRC_SEEN_MAX];
	size_t seen_next;
	unsigned gap_serial;

	struct ircqueue queues[3]; /* by enum irc_class */
	struct ircqueue_line *peeked;
	enum irc_class peeked_class;

	struct irc_stats stats;
	struct buf text, line;
};

/* Is target a channel name (begins with one of the server's CHANTYPES)? */
static inline bool irc_is_channel(const struct irc *irc, const char *target)
{
	return target && *target && strchr(irc->chantypes, *target);
}

/* ---- irc.c ------------------------------------------------------------- */

/* Replaces *dst with a copy of src (NULL allowed), freeing the old one. */
void irc_set_str(char **dst, const char *src);
/* Index of a configured channel (casemapping-aware), or -1. */
int irc_channel_index(const struct irc *irc, const char *name);

/* ---- ircsend.c ---------------------------------------------------------- */

/* Queues a built line in a class. hold: folded channel a post waits for.
 * A line with CR, LF or NUL in it is refused (logged): nothing can ever
 * smuggle a second command onto the wire. Returns 0 or -1. */
int irc_queue_line(struct irc *irc, enum irc_class cls, const char *line, size_t len,
		   const char *hold);
/* Queues an urgent protocol line built from a format (callers pass only
 * validated pieces: nicks and channels from config or from the server). */
void irc_sendf(struct irc *irc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- ircreg.c ---------------------------------------------------------- */

/* ISUPPORT back to the RFC 1459 defaults, before a server says otherwise. */
void irc_reset_isupport(struct irc *irc);
void irc_clear_batches(struct irc *irc);
/* Is m part of a chat-history playback batch? */
bool irc_in_history_batch(const struct irc *irc, const struct ircmsg *m);

/* Handlers for the dispatch table in irc.c; m's strings may be modified. */
void irc_on_welcome(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_isupport(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_nick_error(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_cap(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_authenticate(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_sasl_ok(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_sasl_fail(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_logged_in(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_host_hidden(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_batch(struct irc *irc, struct ircmsg *m, int64_t now);

/* ---- ircmembers.c ------------------------------------------------------ */

void irc_on_mode(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_account(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_names(struct irc *irc, struct ircmsg *m, int64_t now);
void irc_on_whox(struct irc *irc, struct ircmsg *m, int64_t now);

/* ---- irchistory.c ------------------------------------------------------ */

/* Emits an event with the network filled in (irc.c). */
void irc_emit(struct irc *irc, struct event *ev);
/* The link dropped (or the bot was kicked from channel c): a gap opens
 * for every channel the bot was in, from the last event seen there. */
void irc_gap_open(struct irc *irc, size_t c, int64_t now);
/* The bot's JOIN echo for channel c arrived (time: the JOIN's server time):
 * if a gap is open, ask for the history (CHATHISTORY, where offered) and
 * send the marker PING. */
void irc_gap_back(struct irc *irc, size_t c, int64_t time, int64_t now);
/* A message line for channel c (-1: not a configured channel) as it will
 * be emitted. Returns false if it is a replayed line seen before with no
 * message id (time, sender and text equal): drop it. A new replayed line
 * after one seen before may have its time moved up to the gap's start (a
 * server that keeps whole seconds would otherwise place it before lines
 * read live just before it). */
bool irc_gap_line(struct irc *irc, int c, struct event *ev);
/* Any other event in channel c (joins, parts...): keeps its last time. */
void irc_gap_event(struct irc *irc, int c, const struct event *ev);
/* A PONG: true if it was a gap marker (then handled). */
bool irc_gap_pong(struct irc *irc, const char *token, int64_t now);
/* From irc_tick(): decides gaps whose marker never came back. */
void irc_gap_tick(struct irc *irc, int64_t now);
/* FAIL lines (a refused CHATHISTORY): logged. */
void irc_on_fail(struct irc *irc, struct ircmsg *m, int64_t now);

#endif
