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
	char *network, *room;
	char *mask;       /* what was set, to lift exactly that */
	int64_t until_ms; /* when to lift it (UTC ms) */
};

/* Records a mute to lift at until_ms. Returns 0 or -1 (logged). While the
 * store cannot write, the row waits in its journal like any other write. */
int store_mute_add(struct store *st, const char *network, const char *room, const char *mask,
		   int64_t until_ms);
/* The mute was lifted (or can never be): forgets it. A mute is named by
 * what it is, not by a row id, which a write replayed from the journal
 * only gets later. Returns 0 or -1. */
int store_mute_done(struct store *st, const char *network, const char *room, const char *mask,
		    int64_t until_ms);
/* Every mute still to lift, soonest first (free with store_mutes_free).
 * Returns 0 or -1. */
int store_mutes_list(struct store *st, struct store_mute **out, size_t *n_out);
void store_mutes_free(struct store_mute *v, size_t n);

#endif
