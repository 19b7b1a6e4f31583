/* schedule: when a chat happens — weekly, every N weeks, monthly on the
 * Nth weekday, and one-off dates — at a local time in the chat's time
 * zone. Pure computation on the tz module: no clock, no I/O.
 *
 * Local times that a daylight-saving change skips or repeats are resolved
 * the way a person expects of a "9 pm" chat: a skipped time moves forward
 * by the gap (02:30 on the spring-forward day in New York is 03:30 EDT),
 * a repeated time is its first occurrence (01:30 on the fall-back day is
 * 01:30 EDT), so a chat opens once and never before the time it names. */
#ifndef ROUNDS_SCHEDULE_H
#define ROUNDS_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tz.h"

enum schedule_repeat {
	SCHEDULE_ONCE,    /* one-off dates only */
	SCHEDULE_WEEKLY,  /* every `every_weeks` weeks on `weekday` */
	SCHEDULE_MONTHLY, /* the `nth` `weekday` of every month */
};

struct schedule_date {
	int year, month, day;
};

/* A one-off chat: its local date, and its own time of day when it has one
 * (else the schedule's). */
struct schedule_once {
	struct schedule_date date;
	bool has_time;
	int hour, minute, second;
};

struct schedule {
	enum schedule_repeat repeat;
	int weekday;     /* 0 = Sunday .. 6 */
	int every_weeks; /* WEEKLY: 1 .. 52 */
	int nth;         /* MONTHLY: 1 .. 5, or -1 for the last */
	bool has_time;
	int hour, minute, second; /* the local time of day of recurring chats */
	bool has_first, has_until;
	struct schedule_date first; /* no recurring chat before it; every_weeks counts from it */
	struct schedule_date until; /* no recurring chat after it */
	struct schedule_once *dates;
	size_t n_dates;
};

/* The first opening strictly after after_ms (UTC ms): returns 0 and sets
 * *out, or -1 when the schedule has none left. */
int schedule_next(const struct schedule *s, const struct tz *z, int64_t after_ms, int64_t *out);

/* Parsers for the config. Each returns true and fills its outputs, or
 * false (outputs unspecified). */
/* "tuesday", "Tue" (any case). */
bool schedule_parse_weekday(const char *s, int *weekday);
/* "2nd tuesday", "first Monday", "last friday": nth 1..5 or -1. */
bool schedule_parse_monthly(const char *s, int *nth, int *weekday);
/* "21:00", "9:05", "21:00:30" (24-hour). */
bool schedule_parse_time(const char *s, int *hour, int *minute, int *second);
/* "2026-12-24" (a real date). */
bool schedule_parse_date(const char *s, struct schedule_date *out);
/* "2026-12-24" or "2026-12-24 20:00[:SS]" (also with a "T"). */
bool schedule_parse_once(const char *s, struct schedule_once *out);

/* Appends how the schedule reads to people: "every Tuesday at 21:00",
 * "every 2 weeks on Tuesday at 21:00 (from 2026-01-06)", "on the 2nd
 * Tuesday of every month at 21:00", plus ", and on 2026-12-29 20:00". */
void schedule_describe(const struct schedule *s, struct buf *out);

/* The English name of a weekday (0 = Sunday). */
const char *schedule_weekday_name(int weekday);

/* Appends a length of time for people: "1 day", "2 hours 30 minutes",
 * "10 minutes", "45 seconds" (minutes are not given next to days). */
void schedule_format_duration(struct buf *out, int64_t ms);
/* Appends an instant in the zone and in UTC: "Tuesday 2026-11-24 21:00
 * EST (UTC−05:00), 2026-11-25 02:00 UTC" (seconds when it has any). */
void schedule_format_when(struct buf *out, const struct tz *z, int64_t utc_ms);

void schedule_free(struct schedule *s);

#endif
