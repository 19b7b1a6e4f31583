/* site_impl: what site.c (publishing, the manifest) and site_index.c (the
 * index page and the feed) share; not part of the API.
 *
 * Each published chat is one manifest entry (a jansson object, FORMAT.md
 * lists its fields) holding what the index and the feed show of it, taken
 * from the model when the chat was last rendered: so both show exactly
 * the numbers and topics its transcript does, and neither needs to load
 * a chat that did not change. */
#ifndef ROUNDS_SITE_IMPL_H
#define ROUNDS_SITE_IMPL_H

#include <jansson.h>
#include <stdint.h>

#include "buf.h"
#include "site.h"

/* How many chats the feed carries (the newest). */
#define SITE_FEED_ENTRIES 50
#define SITE_MANIFEST_SCHEMA "rounds.site/1"

struct transcript;

struct site_archive {
	const struct site_options *o;
	const char *base_url;   /* o->base_url without trailing slashes; NULL: relative links */
	json_t *const *chats;   /* manifest entries, newest first (borrowed) */
	size_t n_chats;
	const char *salt;       /* the store's secret: feed ids derive from it */
};

/* Appends index.html. */
void site_index_render(const struct site_archive *a, struct buf *out);
/* Appends feed.xml. */
void site_feed_render(const struct site_archive *a, struct buf *out);

/* The manifest entry of a freshly rendered chat (fields in FORMAT.md): a
 * new reference. */
json_t *site_entry_make(const struct transcript *t, const char *slug, const char *fp,
			int64_t updated_ms);
/* Appends the manifest document holding chats (an object, slug -> entry).
 * Returns 0, or -1 if jansson ran out of memory. */
int site_manifest_render(json_t *chats, const char *renderer, struct buf *out);

/* Entry fields, with defaults for a missing or mistyped field (the
 * manifest is a file anyone could have edited). */
const char *site_entry_str(const json_t *entry, const char *key);
int64_t site_entry_int(const json_t *entry, const char *key);

#endif
