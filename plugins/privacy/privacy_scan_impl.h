/* privacy_scan_impl: what the scanners of privacy_scan.c (numbers, e-mail,
 * IP addresses, URLs), privacy_date.c (birth dates) and privacy_context.c
 * (identifiers introduced by words: record numbers, street addresses,
 * names) share. */
#ifndef ROUNDS_PRIVACY_SCAN_IMPL_H
#define ROUNDS_PRIVACY_SCAN_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "privacy_scan.h"

/* One scan of one line. Scanners run from the most specific to the
 * loosest; each byte a span (or a URL) has taken is off limits to the
 * ones after, which is how "MRN 555-123-4567" is an ID, not a phone. */
struct privacy_scanner {
	const unsigned char *t;
	size_t len;
	unsigned mask;
	unsigned char *taken; /* per byte: 1 in a span or a URL */
	struct privacy_span *v;
	size_t n, cap;
};

static inline bool privacy_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool privacy_is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool privacy_is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool privacy_is_alpha(unsigned char c)
{
	return privacy_is_upper(c) || privacy_is_lower(c);
}

static inline bool privacy_is_alnum(unsigned char c)
{
	return privacy_is_alpha(c) || privacy_is_digit(c);
}

static inline bool privacy_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline unsigned char privacy_lower(unsigned char c)
{
	return privacy_is_upper(c) ? (unsigned char)(c + 32) : c;
}

/* Byte i, or 0 past the end: lets scanners look ahead without bounds checks. */
static inline unsigned char privacy_at(const struct privacy_scanner *s, size_t i)
{
	return i < s->len ? s->t[i] : 0;
}

/* Is i the start of a word (no letter, digit or non-ASCII byte before it)? */
static inline bool privacy_word_start(const struct privacy_scanner *s, size_t i)
{
	return i == 0 || (!privacy_is_alnum(s->t[i - 1]) && s->t[i - 1] < 0x80);
}

/* Is i just past the end of a word? */
static inline bool privacy_word_end(const struct privacy_scanner *s, size_t i)
{
	unsigned char c = privacy_at(s, i);
	return !privacy_is_alnum(c) && c < 0x80;
}

/* True if no byte of [a, b) is taken. */
bool privacy_free(const struct privacy_scanner *s, size_t a, size_t b);
/* Records the span [a, b) of category c (if c is in the mask) and takes
 * its bytes. */
void privacy_add(struct privacy_scanner *s, size_t a, size_t b, enum privacy_category c);
/* Takes [a, b) without a span (a URL: nothing inside it is an identifier). */
void privacy_take(struct privacy_scanner *s, size_t a, size_t b);
/* Index of the first byte at or after i that is not a space or tab. */
size_t privacy_skip_spaces(const struct privacy_scanner *s, size_t i);
/* Matches pattern (lowercase ASCII; a space matches a run of spaces or
 * hyphens) at i, case-insensitively, ending at a word boundary unless the
 * pattern ends in punctuation. Returns the end, or 0 for no match. */
size_t privacy_match(const struct privacy_scanner *s, size_t i, const char *pattern);
/* The first entry of the NULL-terminated list that matches at i (its end
 * in *end), or -1. */
int privacy_match_any(const struct privacy_scanner *s, size_t i, const char *const *list, size_t *end);
/* Is one of the n words just before i (skipping spaces and punctuation)
 * in the NULL-terminated list? */
bool privacy_words_before(const struct privacy_scanner *s, size_t i, int n, const char *const *list);
/* The value of the 1..max digits at i (in *value): how many, or 0 if
 * there are none or more than max. */
size_t privacy_digits_at(const struct privacy_scanner *s, size_t i, size_t max, unsigned *value);
/* Parses a date at i: numeric (3/4/1956, 1956-03-04, 03.04.56, and 3/4 when
 * partial_ok) or with a month name (March 3, 1956; 3rd of March 1956; and
 * March 3 or March 1956 when partial_ok). A year alone is not a date.
 * Returns its end, or 0. */
size_t privacy_parse_date(const struct privacy_scanner *s, size_t i, bool partial_ok);

/* The scanners of privacy_context.c and privacy_date.c, in the order they
 * run. */
void privacy_scan_keyword_ids(struct privacy_scanner *s);
void privacy_scan_dates(struct privacy_scanner *s);
void privacy_scan_addresses(struct privacy_scanner *s);
void privacy_scan_names(struct privacy_scanner *s);

#endif
