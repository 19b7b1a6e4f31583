/* tz: time zones by IANA name, computed from the system's TZif files
 * (RFC 8536, versions 1 to 4) without setenv("TZ") or localtime(), so a
 * transcript can show a chat's local time and a weekly schedule can fire at
 * the right instant across daylight-saving changes.
 *
 * Instants are UTC milliseconds (like clock.h); local times are civil
 * date-times in the proleptic Gregorian calendar, to the second. Offsets
 * are seconds EAST of UTC (New York in winter is -18000), the opposite
 * sign of the POSIX TZ strings the files carry.
 *
 * Instants after a file's last listed transition (Debian's files stop in
 * 2037) follow the file's footer rule, e.g. "EST5EDT,M3.2.0,M11.1.0".
 * Leap seconds are not supported: "right/" zones are refused. */
#ifndef ROUNDS_TZ_H
#define ROUNDS_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"

enum {
	TZ_ABBR_SIZE = 16,     /* abbreviation with its NUL; longer ones are refused */
	TZ_NAME_MAX = 255,     /* longest zone name accepted */
	TZ_YEAR_MIN = -999999, /* civil years tz_local_to_utc accepts */
	TZ_YEAR_MAX = 999999,
};

struct tz; /* opaque; immutable once loaded, so it may be shared freely */

/* Local time in effect at an instant. */
struct tz_info {
	int32_t utc_offset; /* seconds east of UTC */
	bool is_dst;        /* as the data says (Europe/Dublin's winter GMT is DST) */
	char abbr[TZ_ABBR_SIZE]; /* "EST", "EDT", "+1030": only A-Z a-z 0-9 + - */
};

/* A civil (wall-clock) date-time. */
struct tz_civil {
	int year;
	int month;  /* 1..12 */
	int day;    /* 1..31 */
	int hour;   /* 0..23 */
	int minute; /* 0..59 */
	int second; /* 0..59 (no leap seconds) */
	int wday;   /* 0 = Sunday .. 6; an output only, ignored on input */
};

/* How tz_local_to_utc resolves a local time that a transition skipped or
 * repeated; the same choices as JavaScript's Temporal "disambiguation". */
enum tz_resolve {
	/* Skipped: move forward by the gap (New York 02:30 on the spring-forward
	 * day becomes 03:30 EDT). Repeated: the first occurrence (01:30 on the
	 * fall-back day is 01:30 EDT). What a schedule wants: it fires once,
	 * and never before the time it names. */
	TZ_RESOLVE_COMPATIBLE,
	/* Skipped: move back by the gap (02:30 becomes 01:30 EST).
	 * Repeated: the first occurrence. */
	TZ_RESOLVE_EARLIER,
	/* Skipped: move forward by the gap. Repeated: the second occurrence
	 * (01:30 EST). */
	TZ_RESOLVE_LATER,
	/* Either case fails (returns -1, *kind says which). */
	TZ_RESOLVE_REJECT,
};

/* What tz_local_to_utc found, for callers that log it. */
enum tz_local_kind {
	TZ_LOCAL_UNIQUE,   /* the local time happens exactly once */
	TZ_LOCAL_SKIPPED,  /* it never happens (a gap: spring forward) */
	TZ_LOCAL_REPEATED, /* it happens more than once (an overlap: fall back) */
};

/* Flags for tz_format_local. */
enum tz_format_flags {
	TZ_FORMAT_SECONDS = 1 << 0, /* "20:00:05" rather than "20:00" */
	TZ_FORMAT_OFFSET = 1 << 1,  /* append " (UTC−05:00)" */
};

/* Checks that a zone name is safe to look up under the zone directory:
 * 1..TZ_NAME_MAX characters from [A-Za-z0-9/_+-], not absolute, no empty
 * component. Returns 0, or -1 and appends why to err (may be NULL). */
int tz_name_check(const char *name, struct buf *err);

/* Loads a zone by IANA name ("America/New_York") from dir, or from
 * TZ_DEFAULT_DIR when dir is NULL. "UTC" and "Etc/UTC" need no file.
 * Returns 0 and sets *out (free with tz_free), or -1, sets *out to NULL
 * and appends one line saying why to err. */
int tz_load_dir(const char *dir, const char *name, struct tz **out, struct buf *err);
int tz_load(const char *name, struct tz **out, struct buf *err);

/* Parses TZif data (any bytes: it is bounds-checked throughout; nothing
 * is allocated beyond what the data's length can justify). name is only
 * recorded for tz_name. Same return convention as tz_load. */
int tz_parse(const char *name, const void *data, size_t len, struct tz **out, struct buf *err);

/* Builds a zone from a POSIX TZ string alone, such as a TZif footer
 * ("AEST-10AEDT,M10.1.0,M4.1.0/3"); with the RFC 8536 extensions (hours
 * -167..167 in rule times). A DST name needs an explicit rule. */
int tz_from_posix(const char *name, const char *spec, struct tz **out, struct buf *err);

void tz_free(struct tz *z);

/* The name the zone was loaded by. Borrowed from z. */
const char *tz_name(const struct tz *z);
/* The footer rule used after the last transition, or NULL if none.
 * Borrowed from z. */
const char *tz_posix_rule(const struct tz *z);

/* Local time in effect at an instant (any int64 value). */
void tz_lookup(const struct tz *z, int64_t utc_ms, struct tz_info *out);

/* The civil time at an instant, rounded down to the second; fills info
 * too when it is not NULL. */
void tz_civil_from_utc(const struct tz *z, int64_t utc_ms, struct tz_civil *out,
		       struct tz_info *info);

/* The instant a civil time in the zone names. A skipped or repeated time
 * is resolved by policy and reported in *kind (may be NULL). Returns 0, or
 * -1 when the fields are out of range (month 13, February 30, 24:00, a year
 * beyond TZ_YEAR_MIN..TZ_YEAR_MAX) or the policy is TZ_RESOLVE_REJECT and
 * the time is skipped or repeated. */
int tz_local_to_utc(const struct tz *z, const struct tz_civil *local, enum tz_resolve policy,
		    int64_t *utc_ms, enum tz_local_kind *kind);

/* Appends "2026-11-21 20:00 EST", plus ":05" seconds and/or
 * " (UTC−05:00)" by flags. */
void tz_format_local(const struct tz *z, int64_t utc_ms, unsigned flags, struct buf *out);

/* Appends an offset for people: "UTC−05:00", "UTC+10:30", "UTC+05:53:28"
 * when it has seconds, and plain "UTC" for zero. The minus is U+2212
 * (UTF-8 E2 88 92), as typeset; the plus is ASCII. */
void tz_format_offset(int32_t seconds, struct buf *out);

/* Calendar arithmetic, proleptic Gregorian (year 0 is 1 BC), exact for
 * any year an int holds and the day numbers of those years. */
bool tz_is_leap(int64_t year);
int tz_days_in_month(int64_t year, int month); /* 0 for a month outside 1..12 */
/* Days since 1970-01-01 (negative before); month and day are not checked. */
int64_t tz_days_from_civil(int64_t year, int month, int day);
/* The date of a day number: year, month, day and wday are set, the time
 * of day is zeroed. */
void tz_civil_from_days(int64_t days, struct tz_civil *out);
/* 0 = Sunday .. 6 = Saturday. */
int tz_weekday(int64_t year, int month, int day);

#endif
