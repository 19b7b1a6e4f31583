/* export: turns a stored chat into its published files. Each chat gets a
 * directory under the output directory named by a stable, safe slug (the
 * room name reduced to [a-z0-9-], then the UTC date, then "-2", "-3"...
 * for later chats on the same day): never derived unsafely from text a
 * participant typed. Files are written to a temporary name and renamed,
 * so a reader never sees half a transcript. They are not fsync'ed: the
 * store is the source of truth, and a transcript lost to a power cut is
 * written again from it. */
#ifndef ROUNDS_EXPORT_H
#define ROUNDS_EXPORT_H

#include <sqlite3.h>
#include <stdint.h>

#include "buf.h"

enum export_format { EXPORT_MARKDOWN, EXPORT_JSON };

/* Parses "md" / "markdown" / "json"; -1 if unknown. */
int export_format_parse(const char *s);
/* Renders one chat in one format into out. Returns 0, or -1 with err. */
int export_render(sqlite3 *db, int64_t chat_id, enum export_format format, struct buf *out,
		  struct buf *err);
/* The chat's slug, e.g. "hcsm-2026-11-21", fixed in the store when the
 * chat opened. Returns 0 or -1 with err. */
int export_slug(sqlite3 *db, int64_t chat_id, struct buf *out, struct buf *err);
/* Where the chat's transcript is published: BASE_URL/SLUG/transcript.md
 * when base_url is set, else OUTPUT_DIR/SLUG/transcript.md. */
int export_location(sqlite3 *db, int64_t chat_id, const char *output_dir, const char *base_url,
		    struct buf *out, struct buf *err);
/* Writes OUTPUT_DIR/SLUG/transcript.md and transcript.json (again, if they
 * exist: a transcript is rebuilt from the store, e.g. after an opt-out).
 * Returns 0, or -1 with err. */
int export_chat(sqlite3 *db, int64_t chat_id, const char *output_dir, struct buf *err);

#endif
