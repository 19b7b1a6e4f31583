/* atom: an Atom 1.0 feed (RFC 4287) of the archive's chats, written by
 * hand with XML escaping, so the feed is well-formed XML 1.0 whatever the
 * text holds: every string passes text_clean() (no control character but
 * the line feed, no U+FFFE/U+FFFF, no bidi control: XML 1.0 forbids the
 * first ones, and the others have no business in a feed reader's list)
 * and then has & < > " ' escaped. Layout in transcripts/FORMAT.md. */
#ifndef ROUNDS_ATOM_H
#define ROUNDS_ATOM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct atom_entry {
	const char *id;       /* an absolute IRI that never changes (e.g. urn:uuid:...) */
	const char *title;    /* plain text */
	const char *href;     /* the entry's page: absolute, or relative to the feed */
	int64_t published_ms; /* 0: not given */
	int64_t updated_ms;   /* required */
	const char *summary;  /* plain text, lines separated by '\n'; NULL: none */
};

struct atom_feed {
	const char *id;             /* an absolute IRI */
	const char *title;
	const char *author;         /* the feed's author name (entries carry none) */
	const char *self_href;      /* the feed's own absolute URL; NULL: none */
	const char *alternate_href; /* the site's index page; NULL: none */
	const char *generator_version; /* NULL: none */
	int64_t updated_ms;         /* 0: the newest entry's (or 1970 for none) */
	const struct atom_entry *entries; /* in the order they are shown */
	size_t n_entries;
};

/* Appends the whole document to out. */
void atom_render(const struct atom_feed *f, struct buf *out);

/* Appends s escaped for XML character data and attribute values, after
 * text_clean() (so one line; see above). */
void atom_escape(struct buf *out, const char *s);

/* Appends "2026-11-21T20:35:00Z" (RFC 3339, whole seconds, UTC). */
void atom_format_time(int64_t ms, struct buf *out);

#endif
