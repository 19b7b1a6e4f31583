/* matrix_impl.h: PRIVATE to the Matrix transport (transport_matrix.c: login,
 * sync, rooms and events in; matrix_out.c: everything it sends, in order,
 * with retries). Everything else uses transport.h. */
#ifndef ROUNDS_MATRIX_IMPL_H
#define ROUNDS_MATRIX_IMPL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "strmap.h"
#include "transport.h"

#define MX_API "/_matrix/client/v3"

/* A room the bot is in: a configured chat room, or a room it made to talk
 * to one person privately. */
struct mx_room {
	char *configured; /* as in the config; NULL for a private room */
	char *id;         /* "!abc:server" once known */
	char *dm_user;    /* private room: whom it is with */
	bool joined, encrypted, told_encrypted;
	json_t *power;    /* m.room.power_levels content, or NULL */
	struct strmap members; /* joined user id -> display name (owned char *, may be "") */
};

enum mx_out_kind { OUT_SEND, OUT_TELL, OUT_REDACT, OUT_KICK, OUT_BAN, OUT_POWER, OUT_CREATE_DM };

/* One thing to send, kept until the homeserver took it. */
struct mx_out {
	enum mx_out_kind kind;
	char *room;     /* configured room name (OUT_SEND, sanctions), or NULL */
	char *user;     /* OUT_TELL / OUT_CREATE_DM / sanctions: the person */
	char *text;     /* message text, or a reason */
	char *event_id; /* OUT_REDACT */
	int64_t level;  /* OUT_POWER: the user's new level; INT64_MIN removes the entry */
	char txn[48];   /* sends and redactions: the same id on every retry */
	int tries;
	struct mx_out *next;
};

struct tmx {
	struct transport base; /* first: the core holds a struct transport * */
	struct lws_context *ctx;
	struct http *http;
	char *token, *user_id, *filter_id, *since;
	enum { MX_LOGIN, MX_WHOAMI, MX_FILTER, MX_JOIN, MX_SYNC, MX_STOPPED } phase;
	int64_t req;                /* the login/sync request in flight, 0 if none */
	struct mx_room *rooms;
	size_t n_rooms, cap_rooms;
	size_t n_configured;        /* rooms[0..n_configured) are the config's */
	size_t joining;             /* next configured room to join */
	bool live;                  /* a sync after start has been processed */
	bool announce;              /* joined: say "ready" after the next sync */
	bool quitting;
	int backoff_ms;
	lws_sorted_usec_list_t sul_retry;
	/* a sync response held while a limited timeline is backfilled */
	json_t *held;
	size_t backfill_room;       /* index into rooms being backfilled */
	json_t *backfill;           /* events fetched, newest first */
	char *backfill_from;
	int backfill_pages;
	/* out queue */
	struct mx_out *out_head, *out_tail;
	int64_t out_req;            /* the request in flight, 0 if none */
	int out_backoff_ms;
	bool out_waiting;           /* a retry is scheduled on sul_out */
	lws_sorted_usec_list_t sul_out;
	uint64_t txn_seq;
	int64_t txn_base;
	/* numbers for the exit log */
	unsigned long long events_in, malformed, sent, send_failed, syncs;
	struct buf scratch, text;
};

/* matrix_rooms.c */
struct mx_event;
struct mx_room *mx_room_by_configured(struct tmx *m, const char *configured);
struct mx_room *mx_room_by_id(struct tmx *m, const char *id);
struct mx_room *mx_room_add(struct tmx *m);
void mx_room_free(struct mx_room *r);
/* What a state event changes in what the bot knows of a room (an encrypted
 * configured room is reported, once, in the log and in the room). */
void mx_room_apply_state(struct tmx *m, struct mx_room *r, const struct mx_event *e);
/* A member's display name in the room, else the user id itself. */
const char *mx_display_name(struct mx_room *r, const char *user);

/* transport_matrix.c */
/* Appends "Bearer" requests' common path: MX_API + fmt. */
int64_t mx_request(struct tmx *m, const char *method, const struct buf *path, const char *body,
		   int timeout_s, http_done_fn fn);
/* The errcode and error of a Matrix error body, for logs. */
void mx_describe_error(const struct http_response *r, struct buf *out);

/* matrix_out.c */
void mx_out_push(struct tmx *m, struct mx_out *o);
/* Starts sending if idle (after joins, after a retry wait). */
void mx_out_kick(struct tmx *m);
void mx_out_free_all(struct tmx *m);
size_t mx_out_queued(const struct tmx *m);
int mx_say(struct transport *t, const char *room, const char *text);
int mx_tell(struct transport *t, const char *nick, const char *account, const char *text);
int mx_sanction(struct transport *t, const char *room, const char *nick, const char *account,
		enum transport_sanction what, const char *reason, struct buf *undo, struct buf *why);
int mx_lift(struct transport *t, const char *room, const char *undo);
int mx_remove(struct transport *t, const char *room, const char *msgid, const char *reason,
	      struct buf *why);

#endif
