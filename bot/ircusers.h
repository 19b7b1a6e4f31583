/* ircusers: who is in the bot's channels on one IRC connection, with their
 * account (extended-join, account-notify, WHOX, account-tag) and operator
 * status per channel. Channels are numbered 0..31 by the caller. */
#ifndef ROUNDS_IRCUSERS_H
#define ROUNDS_IRCUSERS_H

#include <stdint.h>

#include "ircmsg.h"
#include "strmap.h"

struct ircuser {
	char *nick;    /* as last seen */
	char *account; /* NULL: not logged in, or unknown */
	uint32_t present; /* bit c: in channel c */
	uint32_t op;      /* bit c: operator (or higher) in channel c */
};

struct ircusers {
	struct strmap map; /* folded nick -> struct ircuser */
	enum ircmsg_casemapping cm;
};

void ircusers_init(struct ircusers *u, enum ircmsg_casemapping cm);
/* NULL if unknown. */
struct ircuser *ircusers_get(const struct ircusers *u, const char *nick);
/* Gets or creates the user. NULL only for a nick too long to track. */
struct ircuser *ircusers_add(struct ircusers *u, const char *nick);
void ircusers_set_account(struct ircuser *user, const char *account);
void ircusers_rename(struct ircusers *u, const char *old_nick, const char *new_nick);
void ircusers_remove(struct ircusers *u, const char *nick);
/* The user left channel c; forgotten when in no channel at all. */
void ircusers_leave(struct ircusers *u, const char *nick, unsigned c);
/* Everybody left channel c (the bot parted or was kicked). */
void ircusers_clear_channel(struct ircusers *u, unsigned c);
void ircusers_clear(struct ircusers *u);
/* Re-keys every user after a CASEMAPPING change. */
void ircusers_set_casemapping(struct ircusers *u, enum ircmsg_casemapping cm);

#endif
