/* store_meta: small named values kept in the store's meta table, for
 * state that must survive a restart alongside the events it belongs to (a
 * Matrix since-token, the rooms the bot talks to people in). Written on
 * the store's connection, so inside the transaction the store has open:
 * committed with the events stored before it. */
#ifndef ROUNDS_STORE_META_H
#define ROUNDS_STORE_META_H

#include "buf.h"
#include "store.h"

/* Appends the value of key to out: 1 found, 0 none, -1 error. */
int store_meta_get(struct store *st, const char *key, struct buf *out);
/* Sets key to value. Returns 0 or -1. */
int store_meta_set(struct store *st, const char *key, const char *value);
/* Removes key. Returns 0 or -1. */
int store_meta_delete(struct store *st, const char *key);

#endif
