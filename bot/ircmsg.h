/* ircmsg: IRC line parsing and building (RFC 1459 framing with IRCv3
 * message tags). Parsing is in place and allocation-free: the parsed
 * message borrows from the caller's line buffer. */
#ifndef ROUNDS_IRCMSG_H
#define ROUNDS_IRCMSG_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define IRCMSG_MAX_TAGS 64
#define IRCMSG_MAX_PARAMS 32
#define IRCMSG_MAX_TAGS_LEN 8191 /* tag section incl. '@', excl. the space */
#define IRCMSG_MAX_BODY_LEN 4096 /* rest of the line; generous past 510 */
/* Longest line a reader must accept before it gives up on it (no CRLF). */
#define IRCMSG_MAX_LINE (IRCMSG_MAX_TAGS_LEN + 1 + IRCMSG_MAX_BODY_LEN)

struct ircmsg_tag {
	const char *key;
	const char *value; /* unescaped; "" when the tag has no value */
};

struct ircmsg {
	struct ircmsg_tag tags[IRCMSG_MAX_TAGS];
	size_t n_tags;
	const char *nick; /* source: nick or server name; NULL if no prefix */
	const char *user; /* NULL if absent */
	const char *host; /* NULL if absent */
	const char *command; /* letters (as sent) or three digits */
	const char *params[IRCMSG_MAX_PARAMS];
	size_t n_params;
};

#define IRCMSG_ERRORS(X) \
	X(IRCMSG_OK, "ok") \
	X(IRCMSG_EMPTY, "empty line") \
	X(IRCMSG_TOO_LONG, "line too long") \
	X(IRCMSG_NUL, "NUL byte in line") \
	X(IRCMSG_BAD_TAGS, "malformed tags") \
	X(IRCMSG_TOO_MANY_TAGS, "too many tags") \
	X(IRCMSG_BAD_SOURCE, "malformed source") \
	X(IRCMSG_BAD_COMMAND, "missing or malformed command") \
	X(IRCMSG_TOO_MANY_PARAMS, "too many parameters")

enum ircmsg_error {
#define X(name, text) name,
	IRCMSG_ERRORS(X)
#undef X
};

const char *ircmsg_strerror(enum ircmsg_error e);

/* Parses one line (without CR/LF) of len bytes in place; line[len] must be
 * writable (it becomes NUL). Returns IRCMSG_OK or the reason it failed. */
enum ircmsg_error ircmsg_parse(char *line, size_t len, struct ircmsg *m);
/* Value of a tag, NULL if absent. */
const char *ircmsg_tag(const struct ircmsg *m, const char *key);
/* Parameter i or NULL. */
const char *ircmsg_param(const struct ircmsg *m, size_t i);

/* Appends a line (no CR/LF) built from its parts. Middle parameters must be
 * non-empty, without spaces, and not start with ':'; the last may be
 * anything but CR, LF or NUL. Tags (may be NULL) get their values escaped.
 * Returns 0, or -1 (nothing appended) if a part is invalid. */
int ircmsg_build(struct buf *out, const struct ircmsg_tag *tags, size_t n_tags,
		 const char *command, const char *const *params, size_t n_params);

/* Appends s[0..n) to out as text fit to store or show: ill-formed UTF-8
 * replaced, IRC formatting codes (bold, colour, italic, ...) removed, other
 * control characters removed (tab becomes a space). Returns out->len added. */
size_t ircmsg_clean_text(struct buf *out, const char *s, size_t n);

enum ircmsg_casemapping { IRCMSG_CASE_ASCII, IRCMSG_CASE_RFC1459, IRCMSG_CASE_RFC1459_STRICT };
/* Folds s in place per the casemapping; returns s. */
char *ircmsg_casefold(char *s, enum ircmsg_casemapping cm);
/* Case-insensitive equality under the casemapping. */
bool ircmsg_caseeq(const char *a, const char *b, enum ircmsg_casemapping cm);
/* Parses a CASEMAPPING token; unknown values give rfc1459 (the default). */
enum ircmsg_casemapping ircmsg_casemapping_parse(const char *s);

/* Splits text into chunks of at most max bytes each, on UTF-8 boundaries,
 * preferring a space near the end. Newlines always split. Each chunk is
 * passed to fn (not NUL-terminated). */
void ircmsg_split(const char *text, size_t max, void (*fn)(void *ud, const char *s, size_t n),
		  void *ud);

#endif
