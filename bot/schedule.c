#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const weekday_names[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};

const char *schedule_weekday_name(int weekday)
{
	return weekday >= 0 && weekday < 7 ? weekday_names[weekday] : "?";
}

static int64_t day_of(const struct schedule_date *d)
{
	return tz_days_from_civil(d->year, d->month, d->day);
}

/* The instant of a local time of day on a day number. */
static int at(const struct tz *z, int64_t day, int hour, int minute, int second, int64_t *out)
{
	struct tz_civil c;
	tz_civil_from_days(day, &c);
	c.hour = hour;
	c.minute = minute;
	c.second = second;
	return tz_local_to_utc(z, &c, TZ_RESOLVE_COMPATIBLE, out, NULL);
}

/* The weekday of a day number (day 0, 1970-01-01, was a Thursday). */
static int wday_of(int64_t day)
{
	int64_t w = (day + 4) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

/* The local date at an instant, as a day number, less one: a chat late in
 * the evening may land on the next day when a gap pushes it forward, so
 * the search starts a day early and lets "after" decide. */
static int64_t search_start(const struct tz *z, int64_t after_ms)
{
	struct tz_civil c;
	tz_civil_from_utc(z, after_ms, &c, NULL);
	return tz_days_from_civil(c.year, c.month, c.day) - 1;
}

static int next_weekly(const struct schedule *s, const struct tz *z, int64_t after_ms, int64_t *out)
{
	int64_t step = 7 * (int64_t)s->every_weeks;
	/* the phase: the first chat's day (moved to the weekday), or any day
	 * that is that weekday when there is no start date */
	int64_t anchor;
	if (s->has_first) {
		anchor = day_of(&s->first);
		anchor += (s->weekday - wday_of(anchor) + 7) % 7;
	} else {
		anchor = (s->weekday - 4 + 7) % 7; /* day 0 was a Thursday */
	}
	int64_t start = search_start(z, after_ms);
	int64_t day = start <= anchor ? anchor : anchor + (start - anchor + step - 1) / step * step;
	int64_t until = s->has_until ? day_of(&s->until) : INT64_MAX;
	for (int i = 0; i < 4; i++, day += step) {
		if (day > until)
			return -1;
		int64_t t;
		if (at(z, day, s->hour, s->minute, s->second, &t) == 0 && t > after_ms) {
			*out = t;
			return 0;
		}
	}
	return -1;
}

/* The day of the month of the nth weekday (nth -1: the last), or 0 when
 * that month has no such day (a 5th Monday). */
static int nth_weekday(int year, int month, int nth, int weekday)
{
	int dim = tz_days_in_month(year, month);
	if (nth < 0) {
		int wl = tz_weekday(year, month, dim);
		return dim - (wl - weekday + 7) % 7;
	}
	int w1 = tz_weekday(year, month, 1);
	int day = 1 + (weekday - w1 + 7) % 7 + 7 * (nth - 1);
	return day <= dim ? day : 0;
}

static int next_monthly(const struct schedule *s, const struct tz *z, int64_t after_ms, int64_t *out)
{
	struct tz_civil c;
	tz_civil_from_days(search_start(z, after_ms), &c);
	int64_t first = s->has_first ? day_of(&s->first) : INT64_MIN;
	int64_t until = s->has_until ? day_of(&s->until) : INT64_MAX;
	int year = c.year, month = c.month;
	if (s->has_first && (s->first.year > year || (s->first.year == year && s->first.month > month))) {
		year = s->first.year;
		month = s->first.month;
	}
	/* every weekday falls five times in some month of any 12; 15 months
	 * cover the rest of this one too */
	for (int i = 0; i < 15; i++) {
		int d = nth_weekday(year, month, s->nth, s->weekday);
		if (d) {
			int64_t day = tz_days_from_civil(year, month, d);
			if (day > until)
				return -1;
			int64_t t;
			if (day >= first && at(z, day, s->hour, s->minute, s->second, &t) == 0 && t > after_ms) {
				*out = t;
				return 0;
			}
		}
		if (++month > 12) {
			month = 1;
			year++;
		}
	}
	return -1;
}

int schedule_next(const struct schedule *s, const struct tz *z, int64_t after_ms, int64_t *out)
{
	int64_t best = INT64_MAX, t;
	if (s->repeat == SCHEDULE_WEEKLY && next_weekly(s, z, after_ms, &t) == 0)
		best = t;
	else if (s->repeat == SCHEDULE_MONTHLY && next_monthly(s, z, after_ms, &t) == 0)
		best = t;
	for (size_t i = 0; i < s->n_dates; i++) {
		const struct schedule_once *o = &s->dates[i];
		int h = o->has_time ? o->hour : s->hour, m = o->has_time ? o->minute : s->minute;
		int sec = o->has_time ? o->second : s->second;
		if (!o->has_time && !s->has_time)
			continue; /* the config refuses it */
		if (at(z, day_of(&o->date), h, m, sec, &t) == 0 && t > after_ms && t < best)
			best = t;
	}
	if (best == INT64_MAX)
		return -1;
	*out = best;
	return 0;
}

/* ---- parsing ------------------------------------------------------------- */

bool schedule_parse_weekday(const char *s, int *weekday)
{
	for (int i = 0; i < 7; i++) {
		if (strcasecmp(s, weekday_names[i]) == 0 ||
		    (strlen(s) == 3 && strncasecmp(s, weekday_names[i], 3) == 0)) {
			*weekday = i;
			return true;
		}
	}
	return false;
}

bool schedule_parse_monthly(const char *s, int *nth, int *weekday)
{
	static const struct {
		const char *word;
		int n;
	} ords[] = {
		{"1st", 1}, {"first", 1}, {"2nd", 2}, {"second", 2}, {"3rd", 3}, {"third", 3},
		{"4th", 4}, {"fourth", 4}, {"5th", 5}, {"fifth", 5}, {"last", -1},
	};
	const char *sp = strchr(s, ' ');
	if (!sp || sp == s)
		return false;
	size_t n = (size_t)(sp - s);
	while (*sp == ' ')
		sp++;
	for (size_t i = 0; i < sizeof ords / sizeof ords[0]; i++) {
		if (strlen(ords[i].word) == n && strncasecmp(s, ords[i].word, n) == 0) {
			*nth = ords[i].n;
			return schedule_parse_weekday(sp, weekday);
		}
	}
	return false;
}

/* Exactly n digits at s, as a number; -1 if not. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool schedule_parse_time(const char *s, int *hour, int *minute, int *second)
{
	int hl = s[0] && s[1] == ':' ? 1 : 2;
	int h = digits(s, hl);
	if (h < 0 || h > 23 || s[hl] != ':')
		return false;
	int m = digits(s + hl + 1, 2);
	if (m < 0 || m > 59)
		return false;
	const char *rest = s + hl + 3;
	int sec = 0;
	if (*rest == ':') {
		sec = digits(rest + 1, 2);
		if (sec < 0 || sec > 59)
			return false;
		rest += 3;
	}
	if (*rest)
		return false;
	*hour = h;
	*minute = m;
	*second = sec;
	return true;
}

/* "YYYY-MM-DD" at the start of s; the rest of s is not looked at. */
static bool parse_date_prefix(const char *s, struct schedule_date *out)
{
	int y = digits(s, 4), m = s[4] == '-' ? digits(s + 5, 2) : -1;
	int d = m >= 0 && s[7] == '-' ? digits(s + 8, 2) : -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > tz_days_in_month(y, m))
		return false;
	out->year = y;
	out->month = m;
	out->day = d;
	return true;
}

bool schedule_parse_date(const char *s, struct schedule_date *out)
{
	return strlen(s) == 10 && parse_date_prefix(s, out);
}

bool schedule_parse_once(const char *s, struct schedule_once *out)
{
	memset(out, 0, sizeof *out);
	if (strlen(s) < 10 || !parse_date_prefix(s, &out->date))
		return false;
	if (!s[10])
		return true;
	if (s[10] != ' ' && s[10] != 'T')
		return false;
	out->has_time = true;
	return schedule_parse_time(s + 11, &out->hour, &out->minute, &out->second);
}

/* ---- for people ---------------------------------------------------------- */

static void add_time(struct buf *out, int h, int m, int s)
{
	buf_printf(out, "%02d:%02d", h, m);
	if (s)
		buf_printf(out, ":%02d", s);
}

static const char *ordinal(int n)
{
	static const char *const ord[] = {"", "1st", "2nd", "3rd", "4th", "5th"};
	return n < 0 ? "last" : n <= 5 ? ord[n] : "?";
}

void schedule_describe(const struct schedule *s, struct buf *out)
{
	bool any = false;
	if (s->repeat == SCHEDULE_WEEKLY) {
		if (s->every_weeks == 1)
			buf_printf(out, "every %s at ", schedule_weekday_name(s->weekday));
		else
			buf_printf(out, "every %d weeks on %s at ", s->every_weeks,
				   schedule_weekday_name(s->weekday));
		add_time(out, s->hour, s->minute, s->second);
		any = true;
	} else if (s->repeat == SCHEDULE_MONTHLY) {
		buf_printf(out, "on the %s %s of every month at ", ordinal(s->nth),
			   schedule_weekday_name(s->weekday));
		add_time(out, s->hour, s->minute, s->second);
		any = true;
	}
	if (any && s->has_first)
		buf_printf(out, " from %04d-%02d-%02d", s->first.year, s->first.month, s->first.day);
	if (any && s->has_until)
		buf_printf(out, " until %04d-%02d-%02d", s->until.year, s->until.month, s->until.day);
	for (size_t i = 0; i < s->n_dates; i++) {
		const struct schedule_once *o = &s->dates[i];
		buf_adds(out, i == 0 ? (any ? ", and on " : "on ") : ", ");
		buf_printf(out, "%04d-%02d-%02d ", o->date.year, o->date.month, o->date.day);
		if (o->has_time)
			add_time(out, o->hour, o->minute, o->second);
		else
			add_time(out, s->hour, s->minute, s->second);
	}
}

/* "1 day", "2 hours 30 minutes", "10 minutes", "45 seconds". */
void schedule_format_duration(struct buf *out, int64_t ms)
{
	int64_t s = (ms + 500) / 1000;
	if (s < 60) {
		buf_printf(out, "%lld second%s", (long long)s, s == 1 ? "" : "s");
		return;
	}
	int64_t m = (s + 30) / 60, d = m / 1440, h = m % 1440 / 60;
	m %= 60;
	const char *sep = "";
	if (d) {
		buf_printf(out, "%lld day%s", (long long)d, d == 1 ? "" : "s");
		sep = " ";
	}
	if (h) {
		buf_printf(out, "%s%lld hour%s", sep, (long long)h, h == 1 ? "" : "s");
		sep = " ";
	}
	if (m && !d)
		buf_printf(out, "%s%lld minute%s", sep, (long long)m, m == 1 ? "" : "s");
}

/* "Tuesday 2026-11-24 21:00 EST (UTC−05:00), 2026-11-25 02:00 UTC". */
void schedule_format_when(struct buf *out, const struct tz *z, int64_t t)
{
	struct tz_civil c;
	tz_civil_from_utc(z, t, &c, NULL);
	buf_printf(out, "%s ", schedule_weekday_name(c.wday));
	tz_format_local(z, t, TZ_FORMAT_OFFSET | (c.second ? TZ_FORMAT_SECONDS : 0), out);
	if (strcmp(tz_name(z), "UTC") != 0) {
		struct tz *utc = NULL;
		if (tz_load("UTC", &utc, NULL) == 0) {
			buf_adds(out, ", ");
			tz_format_local(utc, t, c.second ? TZ_FORMAT_SECONDS : 0, out);
		}
		tz_free(utc);
	}
}

void schedule_free(struct schedule *s)
{
	if (!s)
		return;
	free(s->dates);
	free(s);
}
