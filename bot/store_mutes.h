/* store_mutes: the mutes the bot set that it must lift later (a chat's
 * mute_minutes), so that a restart does not leave a participant muted
 * until a host notices. On the store's connection, like store_meta:
 * committed with the events stored before it. */
#ifndef ROUNDS_STORE_MUTES_H
#define ROUNDS_STORE_MUTES_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_mute {
	int64_t id;
	char *network, *room;
	char *mask;       /* what was set, to lift exactly that */
	int64_t until_ms; /* when to lift it (UTC ms) */
};

/* Records a mute to lift at until_ms. Returns its id, or -1 (logged). */
int64_t store_mute_add(struct store *st, const char *network, const char *room, const char *mask,
		       int64_t until_ms);
/* The mute was lifted (or can never be): forgets it. Returns 0 or -1. */
int store_mute_done(struct store *st, int64_t id);
/* Every mute still to lift, soonest first (free with store_mutes_free).
 * Returns 0 or -1. */
int store_mutes_list(struct store *st, struct store_mute **out, size_t *n_out);
void store_mutes_free(struct store_mute *v, size_t n);

#endif
