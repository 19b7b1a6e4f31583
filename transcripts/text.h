/* text: a transcript as plain text, one line per message like a classic
 * IRC log (layout in transcripts/FORMAT.md):
 *
 *   2026-11-21T20:05:12Z <bob> A1 I stop sleeping well
 *   2026-11-21T20:06:30Z * carol nods along
 *
 * Times on lines are ISO 8601 UTC; the header gives the chat's start and
 * end in UTC and in its own time zone, with the offset.
 *
 * Plain text is inert wherever it is shown: a terminal, a pager, a log
 * viewer. Every control character (ESC included, so no terminal escape
 * sequence survives), C1 control and bidirectional embedding, override or
 * isolate character is replaced by U+FFFD, and line breaks and tabs become
 * spaces, so one message is always exactly one line. */
#ifndef ROUNDS_TEXT_H
#define ROUNDS_TEXT_H

#include <stddef.h>

#include "buf.h"
#include "model.h"

/* Appends the whole transcript to out. When the chat's time zone cannot be
 * loaded, the header says so and shows UTC only (every line is UTC
 * anyway), so this cannot fail. */
void text_render(const struct transcript *t, struct buf *out);

/* Appends s[0..n) as one inert line fragment: ill-formed UTF-8, C0 and C1
 * controls, DEL, the bidi embeddings, overrides and isolates (U+202A-
 * U+202E, U+2066-U+2069) and the non-characters U+FFFE/U+FFFF become
 * U+FFFD; CR, LF, tab, VT, FF and U+2028/U+2029 become a space. Everything
 * else (emoji, right-to-left text, the marks U+200E/U+200F) is kept. Also
 * what the Atom feed builds on: its output never holds a character XML 1.0
 * forbids. */
void text_clean(struct buf *out, const char *s, size_t n);

/* text_clean() of a C string. */
void text_cleans(struct buf *out, const char *s);

#endif
