/* tz_impl.h: PRIVATE to the tz module. Only bot/tz.c and bot/tz_posix.c
 * include it; everything else uses the public API in tz.h.
 *
 *   tz.c        names and loading, TZif parsing, lookups, local to UTC,
 *               formatting
 *   tz_posix.c  the calendar, POSIX TZ strings (the TZif footer) and the
 *               periods their yearly rules produce */
#ifndef ROUNDS_TZ_IMPL_H
#define ROUNDS_TZ_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tz.h"

/* Every UT offset accepted, from TZif data or a TZ string, lies in
 * [-TZ_OFF_LIMIT, TZ_OFF_LIMIT]: RFC 8536 allows -89999..93599 seconds
 * (-24:59:59 .. +25:59:59), a POSIX offset up to 24:59:59 either way.
 * local_to_utc searches that far either side of a local time. */
enum { TZ_OFF_LIMIT = 93599 };

/* One kind of local time: a TZif ttinfo, or either half of a TZ string. */
struct tz_type {
	int32_t off; /* seconds east of UTC */
	bool dst;
	char abbr[TZ_ABBR_SIZE];
};

enum tz_rule_kind {
	TZ_RULE_JULIAN, /* Jn: day n of 1..365, February 29 never counted */
	TZ_RULE_DAY,    /* n: day n of 0..365, February 29 counted */
	TZ_RULE_MONTH,  /* Mm.w.d: weekday d of week w (5 = last) of month m */
};

/* When in the year DST starts or ends, in local time. */
struct tz_rule {
	enum tz_rule_kind kind;
	int day;            /* TZ_RULE_JULIAN, TZ_RULE_DAY */
	int mon, week, wday; /* TZ_RULE_MONTH */
	int32_t time;       /* seconds after local midnight, -167 h .. 167 h */
};

/* A parsed TZ string. Without DST only std matters. */
struct tz_posix {
	struct tz_type std, dst;
	bool has_dst;
	struct tz_rule start, end; /* start in std time, end in dst time */
};

/* A stretch of constant local time: every instant in [start, end) UTC
 * seconds has *type. INT64_MIN / INT64_MAX stand for unbounded. Adjacent
 * periods may share an offset (a boundary need not change anything). */
struct tz_period {
	int64_t start, end;
	const struct tz_type *type; /* borrowed from the zone */
};

/* a / b rounded toward minus infinity (b > 0), for instants before 1970. */
int64_t tz_floor_div(int64_t a, int64_t b);

/* Appends s (len bytes, untrusted) for an error message: printable ASCII
 * as is, other bytes as \xNN, cut after 64 bytes with "...". */
void tz_quote(struct buf *b, const char *s, size_t len);

/* Parses a TZ string of len bytes (no NUL needed). Returns 0, or -1 and
 * appends why to err. */
int tz_posix_parse(const char *s, size_t len, struct tz_posix *out, struct buf *err);

/* The period of the TZ string's rule holding instant t (seconds). */
void tz_posix_period(const struct tz_posix *p, int64_t t, struct tz_period *out);

#endif
