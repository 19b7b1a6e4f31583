/* bot: the daemon. One libwebsockets event loop; a link per network, a
 * session per chat, one store. Every event read is stored first; only
 * after the transaction is committed do commands run and the chat act on
 * it. */
#ifndef ROUNDS_BOT_H
#define ROUNDS_BOT_H

#include <signal.h>

#include "config.h"

/* Runs until *stop becomes non-zero (set by a signal handler), then
 * leaves politely and returns 0; -1 if it could not start (reason logged).
 * When *reload becomes non-zero (SIGHUP) the config file is read again and
 * the plugins reloaded, and *reload is reset; reload may be NULL. */
int bot_run(const struct config *cfg, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload);

#endif
