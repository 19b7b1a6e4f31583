/* pseudonym: stable, friendly stand-ins for names ("Calm Heron"), for chats
 * published with pseudonyms. The same person gets the same pseudonym in
 * every chat of a store: it is derived from a secret salt kept in the store
 * and the person's stored id, so nobody outside can map it back. */
#ifndef ROUNDS_PSEUDONYM_H
#define ROUNDS_PSEUDONYM_H

#include <stdint.h>

#include "buf.h"

/* Appends the pseudonym of `who` (a stable key, e.g. the person's id) under
 * `salt`. There are 4096 of them: callers keep names unique within one
 * transcript by adding a number when two people draw the same. */
void pseudonym_make(const char *salt, const char *who, struct buf *out);

#endif
