/* markdown: a transcript as CommonMark, grouped by round, safe to paste
 * into a blog (layout in transcripts/FORMAT.md).
 *
 * Nothing a participant typed can become markup: every character that
 * CommonMark (or GitHub's dialect) could read as syntax is backslash-
 * escaped, '<', '>' and '&' become entities so no raw HTML, entity or
 * autolink can form, the start of a raw URL ("http://", "www.") is broken
 * up so no extended autolink forms either, line breaks become spaces so a
 * message never leaves its list item, and control and bidirectional
 * override characters are replaced by U+FFFD. Emoji and right-to-left
 * text pass through unchanged.
 *
 * One thing escaping cannot stop: GitHub's autolink extension finds e-mail
 * addresses in the text after escapes are applied, so "me@example.org"
 * becomes a mailto: link there (never any other scheme). Plain CommonMark
 * leaves it text. */
#ifndef ROUNDS_MARKDOWN_H
#define ROUNDS_MARKDOWN_H

#include "buf.h"
#include "model.h"

/* Appends the whole transcript to out. */
void markdown_render(const struct transcript *t, struct buf *out);

/* Appends s as inline Markdown text that renders as exactly s (less the
 * characters replaced as above); for use inside a paragraph, heading or
 * list item, never at the start of a line. */
void markdown_escape(struct buf *out, const char *s);

#endif
