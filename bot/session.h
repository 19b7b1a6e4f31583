/* session: one chat's state machine (intro, timed topic rounds, warnings,
 * wrap-up), pure logic with an injected clock: every entry point takes
 * `now` (UTC ms) and effects leave through the hooks. No protocol, no
 * store: the glue (bot.c) connects it to both.
 *
 * Rounds are numbered in the order they are posted (T1, T2, ...). The
 * agenda is a queue of upcoming topics: !topic inserts at the front and is
 * posted at once, !skip drops the front, a host's own "T3: ..." line moves
 * the chat to round 3 and consumes the topics it jumped over. */
#ifndef ROUNDS_SESSION_H
#define ROUNDS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"

enum session_phase { SESSION_IDLE, SESSION_INTRO, SESSION_ROUND };

struct session_round {
	int number;
	char *topic;
	double planned_minutes;
	int64_t started_ms;
	int64_t ended_ms;     /* 0 while running */
	bool posted_by_host;  /* the host posted it; the bot did not */
	char *agenda_topic;   /* host-posted: the planned wording it replaced, or NULL */
	char *poster_key;     /* host-posted: the poster's participant key */
};

/* Longest title (!start TITLE) and topic (!topic TEXT), as in the config. */
#define SESSION_TITLE_MAX 200
#define SESSION_TOPIC_MAX 400

struct session_sender {
	const char *nick;
	const char *key;      /* stable participant key ("a:account" / "n:nick") */
	const char *account;  /* NULL if not logged in */
	bool moderator;
};

struct session_hooks {
	void *ud;
	/* Post in the chat's room. */
	void (*say)(void *ud, const char *text);
	/* The chat opened / a round started or ended: record it. */
	void (*chat_started)(void *ud, int64_t now, const char *title, const char *by);
	void (*round_started)(void *ud, const struct session_round *r);
	void (*round_ended)(void *ud, const struct session_round *r);
	/* The chat ended: publish, and return where the transcript is (borrowed
	 * until the next call), or NULL. */
	const char *(*chat_ended)(void *ud, int64_t now, const char *reason);
	/* A co-host was added for the rest of this chat. */
	void (*cohost_added)(void *ud, const char *account, const char *by);
};

struct session;

/* cfg is borrowed and must outlive the session. */
struct session *session_new(const struct config_chat *cfg, const struct session_hooks *hooks);
void session_free(struct session *s);

enum session_phase session_phase(const struct session *s);
bool session_paused(const struct session *s);
/* Current round number; 0 in the intro or when idle. */
int session_round_number(const struct session *s);
const struct session_round *session_current_round(const struct session *s);
const char *session_title(const struct session *s);
size_t session_upcoming(const struct session *s);
/* Messages and distinct participants counted since the chat opened. */
uint64_t session_message_count(const struct session *s);
size_t session_participant_count(const struct session *s);
/* When the running chat opened, and when it is planned to end (with
 * extensions and pauses so far); 0 when idle. */
int64_t session_opened_ms(const struct session *s);
int64_t session_planned_end_ms(const struct session *s);
/* When session_tick() must next be called (UTC ms); INT64_MAX if never. */
int64_t session_next_deadline(const struct session *s);

/* Is this sender a moderator of the chat (host, co-host, added co-host,
 * or channel operator where the config allows it)? Accounts compare
 * case-insensitively. */
bool session_is_moderator(const struct session *s, const char *account, bool is_op);
/* Is nick one of the host or co-host account names while account is not
 * that account (somebody wearing a host's name)? */
bool session_impersonates(const struct session *s, const char *nick, const char *account);
/* Which round a room line belongs to: -1 no chat running, 0 the intro,
 * N for round N ("A2 ...", "a2)" link to round 2; a moderator's "T3:" to 3). */
int session_classify(const struct session *s, const char *text, bool moderator);
/* The same for a line sent at ts_ms (replayed history): -1 if it was sent
 * before this chat opened, else the round running then, unless the line
 * names its round itself. */
int session_classify_at(const struct session *s, const char *text, bool moderator, int64_t ts_ms);

/* N if text is an answer line ("A2 ...", "a2)") for a round that exists
 * or is planned, else 0. */
int session_answer_number(const struct session *s, const char *text);

/* Time passes: posts warnings, advances rounds, closes an overrun chat. */
void session_tick(struct session *s, int64_t now);
/* A room message that is not a command: counted, and a moderator's "T3:"
 * line moves the chat to round 3. */
void session_on_message(struct session *s, int64_t now, const struct session_sender *who,
			const char *text);

/* Moderator actions. Each returns 0 when done (the session announces it in
 * the room, or confirms it in `reply` when it must not be announced) or -1
 * with a short reason for the caller in `reply`. */
int session_start(struct session *s, int64_t now, const char *title, const char *by, struct buf *reply);
int session_next(struct session *s, int64_t now, const char *by, struct buf *reply);
int session_insert_topic(struct session *s, int64_t now, const char *topic, const char *by,
			 struct buf *reply);
int session_extend(struct session *s, int64_t now, double minutes, const char *by, struct buf *reply);
int session_pause(struct session *s, int64_t now, const char *by, struct buf *reply);
int session_resume(struct session *s, int64_t now, const char *by, struct buf *reply);
int session_skip(struct session *s, int64_t now, const char *by, struct buf *reply);
int session_end(struct session *s, int64_t now, const char *by, struct buf *reply);
int session_add_cohost(struct session *s, const char *account, const char *by, struct buf *reply);

/* The bot's post of a round's topic: "T2: ... — answer with A2". */
void session_topic_line(const struct session_round *r, struct buf *out);

/* Participant answers. */
void session_describe_time(const struct session *s, int64_t now, struct buf *out);
/* One line per topic, appended to out separated by '\n'. */
void session_describe_agenda(const struct session *s, struct buf *out);

/* Saving a running chat, so that a bot killed and started again carries
 * on in the same round with the same clock. session_snapshot returns the
 * state as JSON (free it), or NULL when idle. session_restore sets a
 * session (of the same config) to a saved state: 0, or -1 with the reason
 * in why, the session unchanged. Messages and participants are not in the
 * snapshot: the caller counts them from the store with
 * session_restore_tally (one call per participant). Deadlines are wall-
 * clock instants: the next session_tick() catches up on what fell due
 * while the bot was away. */
char *session_snapshot(const struct session *s);
int session_restore(struct session *s, const char *json, struct buf *why);
void session_restore_tally(struct session *s, const char *key, uint64_t messages);

#endif
