/* site: the archive organizers publish. Under the output directory:
 *   index.html            every chat, newest first (date, title, topics,
 *                         participant and message counts, links)
 *   feed.xml              an Atom feed of the chats
 *   SLUG/index.html       the chat's page (html.h)
 *   SLUG/transcript.md    Markdown, .txt plain text, .json JSON
 *   .rounds-site.json     the manifest: what was published, and from what
 * Only ended chats are published. Files are written only when their
 * content changed (a re-publish with nothing new writes nothing), each
 * through a temporary file and a rename. A chat is rendered again only
 * when its fingerprint (a hash of what its pages are made from, read
 * cheaply from the store) differs from the manifest's, or a file of its is
 * missing; the index and the feed are made from the manifest, so a chat
 * that did not change is never loaded. Nothing is ever deleted. The store
 * is only read. Layout and manifest in transcripts/FORMAT.md. */
#ifndef ROUNDS_SITE_H
#define ROUNDS_SITE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct transcript;

struct site_options {
	const char *output_dir;
	const char *base_url; /* absolute links in the feed and the wrap-up; NULL: relative */
	const char *title;    /* the archive's title */
	bool force;           /* regenerate: render and compare everything */
	/* Render up to this many chats at once, each in a thread of its own
	 * (0 or 1: all in the calling thread). The store is still read by the
	 * calling thread alone, and at most jobs + 1 chats are in memory. For
	 * `rounds publish` and `regenerate`: the CPU count. */
	unsigned jobs;
	/* Optional: called (in the calling thread, never in a rendering one)
	 * on each chat's model before it is rendered, to add
	 * summary sections (transcript_add_summary). What it adds must depend
	 * only on the store and on summary_key: a chat is rendered again only
	 * when its stored data or summary_key (e.g. the summary plugins' names
	 * and versions) changed. */
	void (*summarize)(void *ud, struct transcript *t);
	void *summarize_ud;
	const char *summary_key;
};

struct site_stats {
	size_t chats;          /* chats in the archive */
	size_t rendered;       /* chats rendered this time */
	size_t files_written;  /* files whose content changed */
	size_t files_unchanged;
	size_t bytes_written;
};

/* Publishes the whole archive: every ended chat that changed (or all with
 * force), then the index and the feed. Returns 0, or -1 with err; stats
 * may be NULL. */
int site_publish(sqlite3 *db, const struct site_options *o, struct site_stats *stats,
		 struct buf *err);
/* Publishes one ended chat, then the index and the feed (at a chat's end,
 * or after an opt-out). Only that chat is rendered (whatever its
 * fingerprint says); the others are listed as the manifest has them, and
 * one never published is left for site_publish(). Returns 0 or -1 with
 * err. */
int site_publish_chat(sqlite3 *db, int64_t chat_id, const struct site_options *o, struct buf *err);
/* Where a chat's page is: BASE_URL/SLUG/ when base_url is set, else the
 * path of OUTPUT_DIR/SLUG/index.html. Returns 0 or -1 with err. */
int site_location(sqlite3 *db, int64_t chat_id, const struct site_options *o, struct buf *out,
		  struct buf *err);

#endif
