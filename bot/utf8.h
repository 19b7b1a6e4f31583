/* utf8: every string from the network passes through here before anything
 * stores or shows it. */
#ifndef ROUNDS_UTF8_H
#define ROUNDS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Length (1..4) of the well-formed sequence at s[0..n), 0 if ill-formed. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* True if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF). */
bool utf8_valid(const char *s, size_t n);
/* Appends s[0..n) to out with every ill-formed sequence replaced by U+FFFD.
 * Returns the number of replacements made. */
size_t utf8_sanitize(struct buf *out, const char *s, size_t n);
/* Length of the longest prefix of s[0..n) that is at most max bytes and
 * does not cut a character in two (s must be valid UTF-8). */
size_t utf8_clip(const char *s, size_t n, size_t max);
/* Number of code points in valid UTF-8. */
size_t utf8_length(const char *s, size_t n);

#endif
