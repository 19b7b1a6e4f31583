/* chart: inline SVG charts for the HTML page, and the figures that carry
 * them (caption, the SVG with role="img", <title> and <desc>, and a
 * <details> table with the same numbers, so nothing is only in a picture).
 *
 * Every coordinate is computed in integers (tenths of a unit) and printed
 * with "%lld", never with a float format, so a page is byte-for-byte the
 * same on every machine and in every locale. The SVGs have a viewBox and
 * no fixed size: the stylesheet scales them to the page's width. Every
 * label from the model goes through html_escape. */
#ifndef ROUNDS_CHART_H
#define ROUNDS_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "model.h"

struct tz;

/* Message counts per time bucket. */
struct chart_buckets {
	int64_t start_ms;   /* the first bucket's start: a whole UTC minute */
	int64_t bucket_ms;  /* one bucket's length: a whole number of minutes */
	size_t n;           /* at least 1, at most CHART_MAX_BUCKETS */
	size_t *counts;     /* n counts (owned: chart_buckets_free) */
	size_t max;         /* the largest count */
	size_t busiest;     /* the first bucket with that count */
};

enum { CHART_MAX_BUCKETS = 240 };

/* Counts times[0..n) into buckets spanning at least [from_ms, to_ms]
 * (widened to take in every time), with the smallest "nice" bucket length
 * (1, 2, 5, 10, 15, 30 minutes, 1, 2, 3, 6, 12 hours, then whole days)
 * that keeps the count at or under CHART_MAX_BUCKETS. */
void chart_bucketize(const int64_t *times, size_t n, int64_t from_ms, int64_t to_ms,
		     struct chart_buckets *out);
void chart_buckets_free(struct chart_buckets *b);

/* A vertical line across the timeline (a round's start) and its label. */
struct chart_mark {
	int64_t ms;
	const char *label; /* plain text, e.g. "T1" */
};

/* Appends an <svg> of b as a stepped area with times of day along the
 * bottom (in zone z), a count scale on the left and marks as labelled
 * dashed lines. id must be unique in the page and safe as an attribute
 * (letters, digits, '-'); title and desc are plain text. */
void chart_timeline(struct buf *out, const char *id, const char *title, const char *desc,
		    const struct chart_buckets *b, const struct chart_mark *marks, size_t n_marks,
		    const struct tz *z);

struct chart_bar {
	const char *label; /* plain text; long ones are shortened in the picture */
	size_t value;
};

/* Appends an <svg> of horizontal bars, one row per bar, in the given
 * order, each with its label on the left and its value at its end; with
 * no bars it says "No data". Same id/title/desc rules as above. */
void chart_bars(struct buf *out, const char *id, const char *title, const char *desc,
		const struct chart_bar *bars, size_t n);

/* Appends the page's charts section (<section id="charts">): messages per
 * minute with the rounds marked, messages per topic, and the ten most
 * active participants, each a <figure> with its data table. */
void chart_section(struct buf *out, const struct transcript *t, const struct tz *z);

#endif
