/* html: one chat's transcript as a self-contained HTML page (inline CSS,
 * no JavaScript, no external requests), in the chat's time zone, with
 * inline SVG charts that carry text alternatives. Layout and guarantees
 * are described in transcripts/FORMAT.md. */
#ifndef ROUNDS_HTML_H
#define ROUNDS_HTML_H

#include <stdint.h>

#include "buf.h"
#include "model.h"

struct html_options {
	const char *archive_title; /* shown in the page's navigation; NULL: none */
	const char *index_href;    /* link back to the archive index ("../index.html"); NULL: none */
	/* links to the other formats, relative to the page; NULL: not offered */
	const char *markdown_href, *text_href, *json_href;
};

/* Appends the whole page to out. Every string from the model is escaped
 * for HTML; nothing in it can become markup, a script or a request.
 * Returns 0, or -1 if the chat's time zone cannot be loaded (err says
 * why; the page is then not written). */
int html_render(const struct transcript *t, const struct html_options *o, struct buf *out,
		struct buf *err);

/* Appends s escaped for HTML text and attribute values (& < > " ' and
 * every control or bidirectional-override character neutralised). */
void html_escape(struct buf *out, const char *s);

/* Helpers shared with chart.c and the archive site. */

struct tz;

/* The page's stylesheet (html_css.c): system fonts only, responsive, a
 * print and a dark variant. Plain CSS, nothing from a participant. */
extern const char html_css[];

/* Appends a local time for people in zone z: "20:05", with the zone's
 * abbreviation ("01:05 EST") when its offset differs from the one in force
 * at ref_ms, and with the date first ("Sun 22 Nov 00:10") when the local
 * day differs from ref_ms's. Plain text, nothing to escape. */
void html_local_time(struct buf *out, const struct tz *z, int64_t ms, int64_t ref_ms);
/* Appends "Saturday 21 November 2026" for the local day of ms. */
void html_local_date(struct buf *out, const struct tz *z, int64_t ms);
/* Appends an attribute-safe `datetime` value: ISO 8601 UTC with
 * milliseconds ("2026-11-21T20:05:00.000Z"). */
void html_datetime(struct buf *out, int64_t ms);

#endif
