/* export: one stored chat rendered in one format, for `rounds export`
 * (the archive site, site.h, publishes every format at once). Each chat
 * is published in a directory named by a stable, safe slug (the room name
 * reduced to [a-z0-9-], then the UTC date, then "-2", "-3"... for later
 * chats on the same day): never derived unsafely from what a participant
 * typed. */
#ifndef ROUNDS_EXPORT_H
#define ROUNDS_EXPORT_H

#include <sqlite3.h>
#include <stdint.h>

#include "buf.h"

struct transcript;

enum export_format { EXPORT_MARKDOWN, EXPORT_JSON, EXPORT_HTML, EXPORT_TEXT };

/* Parses "md" / "markdown", "json", "html", "txt" / "text"; -1 if unknown. */
int export_format_parse(const char *s);
/* Renders one chat in one format into out. summarize (may be NULL) is
 * called on the model first, to add plugin summary sections. Returns 0,
 * or -1 with err. */
int export_render(sqlite3 *db, int64_t chat_id, enum export_format format,
		  void (*summarize)(void *ud, struct transcript *t), void *ud, struct buf *out,
		  struct buf *err);
/* The chat's slug, e.g. "hcsm-2026-11-21", fixed in the store when the
 * chat opened. Returns 0 or -1 with err. */
int export_slug(sqlite3 *db, int64_t chat_id, struct buf *out, struct buf *err);

#endif
