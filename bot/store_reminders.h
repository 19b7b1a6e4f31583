/* store_reminders: who asked for a private reminder before a room's
 * scheduled chats (!remindme), and when a room's last chat opened. On the
 * store's connection, like store_meta. */
#ifndef ROUNDS_STORE_REMINDERS_H
#define ROUNDS_STORE_REMINDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_subscriber {
	char *key;     /* participant key ("a:account", "n:nick") */
	char *nick;    /* the name to tell them by */
	char *account; /* NULL if none */
};

/* Subscribes (on) or unsubscribes a person. Returns 1 when it changed, 0
 * when it was already so, -1 on error (logged). */
int store_remind_set(struct store *st, const char *network, const char *room, const char *key,
		     const char *nick, const char *account, bool on, int64_t now_ms);
/* Is this person subscribed? 1 yes, 0 no, -1 error. */
int store_remind_is_set(struct store *st, const char *network, const char *room, const char *key);
/* The subscribers of a room, oldest first (free with
 * store_subscribers_free). Returns 0 or -1. */
int store_remind_list(struct store *st, const char *network, const char *room,
		      struct store_subscriber **out, size_t *n_out);
void store_subscribers_free(struct store_subscriber *v, size_t n);
/* A subscriber changed their name (a nick change): whom to tell. */
void store_remind_rename(struct store *st, const char *network, const char *key, const char *nick);

/* When the last chat in a room opened (UTC ms), 0 if none, -1 on error. */
int64_t store_last_opened_ms(struct store *st, const char *network, const char *room);

#endif
