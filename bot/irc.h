/* irc: the IRC client protocol for one connection, free of sockets.
 * Lines come in through irc_handle_line(); lines to send and normalized
 * events go out through callbacks. The transport (link.c) owns the socket,
 * framing, pacing and reconnects; it tells this module when the
 * connection opens, closes and when a queued line was actually written.
 *
 * It negotiates IRCv3 (CAP LS 302: sasl PLAIN, server-time, message-tags,
 * account-tag, extended-join, account-notify, echo-message, batch,
 * multi-prefix, cap-notify), registers with nick-in-use fallback, joins and
 * re-joins its channels, answers PINGs, checks lag, and keeps who is in each
 * channel with their account and operator status.
 *
 * No lost line: after a reconnect (or a kick) it fills the time it was
 * away from the history the server replays (on join, or asked for with
 * IRCv3 CHATHISTORY where offered), drops replayed lines it had already
 * read, and where that history does not reach back to what it had seen,
 * emits an EVENT_GAP saying from when to when its record has a hole. */
#ifndef ROUNDS_IRC_H
#define ROUNDS_IRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "event.h"
#include "ircmsg.h"

struct irc;

struct irc_callbacks {
	void *ud;
	/* There is a line to send: ask for a write opportunity. */
	void (*want_write)(void *ud);
	/* A normalized event; its strings are valid during the call only. */
	void (*event)(void *ud, const struct event *ev);
	/* Registration finished (001 seen); channels are being joined. */
	void (*registered)(void *ud);
};

struct irc_options {
	const char *network;  /* config name, copied into every event */
	const char *nick;
	const char *username;
	const char *realname;
	const char *sasl_account;  /* NULL: no SASL */
	const char *sasl_password;
	const char *const *channels; /* to join after registration */
	size_t n_channels;
	int ping_ms; /* idle time before a lag-check PING; 2x without an answer = dead */
};

enum irc_cap {
	IRC_CAP_SASL = 1 << 0,
	IRC_CAP_SERVER_TIME = 1 << 1,
	IRC_CAP_MESSAGE_TAGS = 1 << 2,
	IRC_CAP_ACCOUNT_TAG = 1 << 3,
	IRC_CAP_EXTENDED_JOIN = 1 << 4,
	IRC_CAP_ACCOUNT_NOTIFY = 1 << 5,
	IRC_CAP_ECHO_MESSAGE = 1 << 6,
	IRC_CAP_BATCH = 1 << 7,
	IRC_CAP_MULTI_PREFIX = 1 << 8,
	IRC_CAP_CAP_NOTIFY = 1 << 9,
	IRC_CAP_CHATHISTORY = 1 << 10, /* draft/chathistory */
};

struct irc_stats {
	uint64_t lines_in;
	uint64_t lines_out;
	uint64_t malformed; /* lines that failed to parse: counted, logged, dropped */
	uint64_t dropped_out; /* outgoing lines refused because a queue was full */
	uint64_t events;
	uint64_t replay_dupes; /* replayed lines without a msgid already read: dropped */
	uint64_t gaps;         /* EVENT_GAPs emitted */
	int64_t lag_ms;     /* last measured round trip, -1 if none yet */
	unsigned registrations;
};

struct irc *irc_new(const struct irc_options *opt, const struct irc_callbacks *cb);
void irc_free(struct irc *irc);

/* The transport connected: start registration. now is wall-clock UTC ms. */
void irc_connected(struct irc *irc, int64_t now_ms);
/* The transport lost the connection: forget per-connection state. */
void irc_disconnected(struct irc *irc);
/* One line as read (no CR/LF); line[len] must be writable. */
void irc_handle_line(struct irc *irc, char *line, size_t len, int64_t now_ms);
/* The next line that may be sent now (no CRLF), or NULL. Borrowed until
 * irc_pop_line(). */
const char *irc_peek_line(struct irc *irc, size_t *len);
/* The line from irc_peek_line() was written to the server just now. */
void irc_pop_line(struct irc *irc, int64_t now_ms);
/* Lines waiting (protocol + chat). */
size_t irc_queued(const struct irc *irc);
/* Periodic check (every few seconds): sends lag PINGs, regains the nick,
 * re-joins after a kick. Returns false if the server stopped answering and
 * the transport should reconnect. */
bool irc_tick(struct irc *irc, int64_t now_ms);

/* Sends text to a channel or nick, split into as many lines as the 512-byte
 * limit needs (on UTF-8 and word boundaries). Returns lines queued, or -1 if
 * the target is invalid. */
int irc_privmsg(struct irc *irc, const char *target, const char *text);
int irc_notice(struct irc *irc, const char *target, const char *text);
/* Sends a protocol line (validated): urgent ones go first, others after
 * the posts already waiting. Returns 0 or -1. */
int irc_send_command(struct irc *irc, bool urgent, const char *command,
		     const char *const *params, size_t n_params);
/* Leaves the network: QUIT goes after the posts already waiting (a wrap-up
 * just made is sent first) and ahead of replies. */
int irc_quit(struct irc *irc, const char *reason);

bool irc_registered(const struct irc *irc);
const char *irc_current_nick(const struct irc *irc);
unsigned irc_caps(const struct irc *irc);
enum ircmsg_casemapping irc_casemapping(const struct irc *irc);
/* Has the bot joined this channel (on the current connection)? */
bool irc_in_channel(const struct irc *irc, const char *channel);
/* Account of a nick as tracked (extended-join, account-notify, WHOX):
 * NULL if not logged in or unknown. */
const char *irc_account_of(const struct irc *irc, const char *nick);
bool irc_is_op(const struct irc *irc, const char *channel, const char *nick);
/* Is nick in this channel (as far as the bot has seen)? */
bool irc_is_member(const struct irc *irc, const char *channel, const char *nick);
const struct irc_stats *irc_stats(const struct irc *irc);

/* Moderating a channel (ircmod.c), with what the server advertises. */
enum irc_sanction { IRC_SANCTION_MUTE, IRC_SANCTION_KICK, IRC_SANCTION_BAN };
/* Mutes, kicks or bans nick in channel. A mute is a quiet list mode
 * ("+q", where q is not a status prefix) or a mute extban (InspIRCd's
 * "m:", Unreal's "~q:"), from CHANMODES, PREFIX and EXTBAN; a ban is +b
 * then KICK. The mask is the account (an account extban, where the person
 * is logged in and the server has one) or nick!*@*, never a host shared
 * by others; the mask set is put in mask (to lift a mute later). Returns 0 when the
 * lines are queued, or -1 with the reason for a log in why: the bot is not
 * a channel operator there, the server offers no mute, the nick is not in
 * the channel. */
int irc_sanction(struct irc *irc, const char *channel, const char *nick, enum irc_sanction what,
		 const char *reason, struct buf *mask, struct buf *why);
/* Lifts a mute set with mask. Returns 0 or -1 (not an operator now). */
int irc_unmute(struct irc *irc, const char *channel, const char *mask);
/* Asks the server to answer once it has read every line queued so far on
 * this connection (a PING queued after them: a server handles a client's
 * lines in order). Returns a token for irc_synced, or 0 when not
 * registered. */
uint64_t irc_sync(struct irc *irc);
/* Has the server answered that PING? Never for a token of an earlier
 * connection (what was queued on it may have been lost with it). */
bool irc_synced(const struct irc *irc, uint64_t token);
/* The mode change that mutes mask here ("+q MASK", "+b m:MASK"): the mode
 * string into mode, the argument into arg. False if the server offers none. */
bool irc_mute_mode(const struct irc *irc, const char *mask, struct buf *mode, struct buf *arg);
/* Channels not joined when the limit of tracked channels is hit. */
#define IRC_MAX_CHANNELS 32

/* Before the first join: the bot was away from room since since_ms (the
 * last event the store has there: it was stopped or killed). The first
 * join then counts as a return, and the history the server replays is
 * checked against that time, as after a reconnect: nothing is marked
 * when it reaches back, else a gap. Unknown rooms are ignored. */
void irc_away_since(struct irc *irc, const char *room, int64_t since_ms);

#endif
