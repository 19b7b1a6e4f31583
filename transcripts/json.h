/* json: a transcript as JSON, schema "rounds.transcript/1", documented
 * field by field in transcripts/FORMAT.md. Written directly, byte for byte
 * as jansson would dump it (the tests hold it to that), so the output is
 * always well-formed JSON in UTF-8; texts are carried exactly as the model
 * holds them (the reader escapes for its own medium).
 *
 * The prefix is tjson_ because jansson owns json_. */
#ifndef ROUNDS_TJSON_H
#define ROUNDS_TJSON_H

#include <jansson.h>

#include "buf.h"
#include "model.h"

#define TJSON_SCHEMA "rounds.transcript/1"

enum tjson_flag {
	TJSON_PRETTY = 1 << 0 /* two-space indentation instead of one compact line */
};

/* The document as a jansson value, for embedding in something larger (an
 * archive index, a feed). A new reference: the caller json_decref()s it.
 * NULL only if jansson ran out of memory. */
json_t *tjson_build(const struct transcript *t);

/* Appends the document and a final newline to out. Keys come in the order
 * FORMAT.md lists them. Returns 0 (the int is kept for callers that
 * checked for jansson running out of memory, which cannot happen now). */
int tjson_render(const struct transcript *t, unsigned flags, struct buf *out);

#endif
