/* store_resume: what the bot reads back from the store when it starts, to
 * carry on a chat it was running when it stopped (or was killed). On the
 * store's connection, like store_meta. */
#ifndef ROUNDS_STORE_RESUME_H
#define ROUNDS_STORE_RESUME_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* The last chat in a room that has not ended: its id, 0 if none, -1 on
 * error. */
int64_t store_unended_chat(struct store *st, const char *network, const char *room);
/* Calls fn once per participant of a chat with their message count (room
 * messages, not the bot's, not commands), as the session counts them.
 * Returns 0 or -1. */
int store_chat_tally(struct store *st, int64_t chat_id,
		     void (*fn)(void *ud, const char *person_key, uint64_t messages), void *ud);
/* The time of the last event stored in a room (UTC ms), 0 if none, -1 on
 * error. */
int64_t store_last_event_ms(struct store *st, const char *network, const char *room);
/* Did the bot say a line starting with prefix in the chat? 1 yes, 0 no,
 * -1 error. */
int store_bot_said(struct store *st, int64_t chat_id, const char *prefix);

#endif
