/* redact: applies moderation's REDACT spans to a line's text. */
#ifndef ROUNDS_REDACT_H
#define ROUNDS_REDACT_H

#include <stddef.h>

#include "buf.h"

/* Adds the spans in spans_json ("[[start,end],...]", byte offsets into
 * text[0..len)) to a span set. Malformed JSON or out-of-range spans are
 * ignored (a verdict can never break a transcript). */
struct redact_spans {
	size_t (*v)[2];
	size_t n, cap;
};
void redact_spans_add_json(struct redact_spans *s, const char *spans_json, size_t len);
/* Appends text with every span replaced by `mark`: spans are sorted,
 * merged when they overlap or touch, and widened to whole UTF-8
 * characters. Returns the number of spans replaced. */
size_t redact_apply(const char *text, size_t len, struct redact_spans *s, const char *mark,
		    struct buf *out);
void redact_spans_free(struct redact_spans *s);

#endif
