/* The calendar, and POSIX TZ strings: the footer of a TZif file that says
 * how local time goes on after the file's last transition. */
#include "tz_impl.h"

#include <string.h>

enum { SECS_PER_DAY = 86400 };

int64_t tz_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool tz_is_leap(int64_t year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int tz_days_in_month(int64_t year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12)
		return 0;
	return days[month - 1] + (month == 2 && tz_is_leap(year));
}

/* Howard Hinnant's days_from_civil: the year is counted from March, so the
 * leap day falls at the end and every era of 400 years is 146097 days. */
int64_t tz_days_from_civil(int64_t year, int month, int day)
{
	int64_t m = month, y = year - (m <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                   /* 0..399 */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1; /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */
	return era * 146097 + doe - 719468;
}

static int weekday_of(int64_t days)
{
	return (int)((days % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
}

void tz_civil_from_days(int64_t days, struct tz_civil *out)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	*out = (struct tz_civil){
		.year = (int)(yoe + era * 400 + (m <= 2)),
		.month = (int)m,
		.day = (int)(doy - (153 * mp + 2) / 5 + 1),
		.wday = weekday_of(days),
	};
}

int tz_weekday(int64_t year, int month, int day)
{
	return weekday_of(tz_days_from_civil(year, month, day));
}

/* --- TZ strings ---------------------------------------------------------- */

struct cur {
	const char *p, *end;
};

static int peek(const struct cur *c)
{
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

static bool eat(struct cur *c, int ch)
{
	if (peek(c) != ch)
		return false;
	c->p++;
	return true;
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_alpha(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* 1..max_digits digits (no more may follow) making a number in [min, max]. */
static bool number(struct cur *c, int max_digits, int min, int max, int *out)
{
	int v = 0, n = 0;
	while (n < max_digits && is_digit(peek(c))) {
		v = v * 10 + (*c->p++ - '0');
		n++;
	}
	if (!n || is_digit(peek(c)) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* [+-]hh[:mm[:ss]] in seconds, hours up to max_hours. */
static bool signed_hms(struct cur *c, int max_hours, int32_t *out)
{
	int sign = 1, h, m = 0, s = 0;
	if (eat(c, '-'))
		sign = -1;
	else
		eat(c, '+');
	if (!number(c, 3, 0, max_hours, &h))
		return false;
	if (eat(c, ':') && (!number(c, 2, 0, 59, &m) || (eat(c, ':') && !number(c, 2, 0, 59, &s))))
		return false;
	*out = sign * (h * 3600 + m * 60 + s);
	return true;
}

/* A name: three or more letters, or <...> holding three or more of
 * [A-Za-z0-9+-] (for numeric names like "<+1030>"). */
static bool abbr(struct cur *c, char out[TZ_ABBR_SIZE])
{
	bool quoted = eat(c, '<');
	const char *start = c->p;
	for (int ch = peek(c); is_alpha(ch) || (quoted && (is_digit(ch) || ch == '+' || ch == '-'));
	     ch = peek(c))
		c->p++;
	size_t n = (size_t)(c->p - start);
	if ((quoted && !eat(c, '>')) || n < 3 || n >= TZ_ABBR_SIZE)
		return false;
	memcpy(out, start, n);
	out[n] = '\0';
	return true;
}

/* Jn, n or Mm.w.d, then an optional /time (default 02:00; RFC 8536 allows
 * -167..167 hours so a rule can name "the day before at 23:00"). */
static bool rule(struct cur *c, struct tz_rule *r)
{
	*r = (struct tz_rule){.time = 2 * 3600};
	bool ok;
	if (eat(c, 'J')) {
		r->kind = TZ_RULE_JULIAN;
		ok = number(c, 3, 1, 365, &r->day);
	} else if (eat(c, 'M')) {
		r->kind = TZ_RULE_MONTH;
		ok = number(c, 2, 1, 12, &r->mon) && eat(c, '.') && number(c, 1, 1, 5, &r->week) &&
		     eat(c, '.') && number(c, 1, 0, 6, &r->wday);
	} else {
		r->kind = TZ_RULE_DAY;
		ok = number(c, 3, 0, 365, &r->day);
	}
	return ok && (!eat(c, '/') || signed_hms(c, 167, &r->time));
}

int tz_posix_parse(const char *s, size_t len, struct tz_posix *out, struct buf *err)
{
	struct cur c = {s, s + len};
	const char *why, *mark = s; /* where the part that failed begins */
	int32_t west;
	*out = (struct tz_posix){0};
	why = "expected a standard-time name (3+ letters, or <...>)";
	if (!abbr(&c, out->std.abbr))
		goto fail;
	/* POSIX offsets count west of Greenwich, ours east. */
	why = "expected a UTC offset ([+-]hh[:mm[:ss]], hours up to 24)";
	mark = c.p;
	if (!signed_hms(&c, 24, &west))
		goto fail;
	out->std.off = -west;
	if (c.p == c.end)
		return 0;
	why = "expected a DST name (3+ letters, or <...>)";
	mark = c.p;
	if (!abbr(&c, out->dst.abbr))
		goto fail;
	out->has_dst = true;
	out->dst.dst = true;
	out->dst.off = out->std.off + 3600;
	if (c.p < c.end && peek(&c) != ',') {
		why = "expected a DST offset ([+-]hh[:mm[:ss]], hours up to 24)";
		mark = c.p;
		if (!signed_hms(&c, 24, &west))
			goto fail;
		out->dst.off = -west;
	}
	/* POSIX leaves the rule to the implementation when it is missing;
	 * every TZif footer has one, so guessing would only hide a bad file. */
	why = "expected ',' and when DST starts";
	mark = c.p;
	if (!eat(&c, ',') || !rule(&c, &out->start))
		goto fail;
	why = "expected ',' and when DST ends";
	mark = c.p;
	if (!eat(&c, ',') || !rule(&c, &out->end))
		goto fail;
	why = "unexpected text after the rule";
	mark = c.p;
	if (c.p != c.end)
		goto fail;
	return 0;
fail:
	buf_adds(err, "TZ string \"");
	tz_quote(err, s, len);
	buf_printf(err, "\": %s at character %zu", why, (size_t)(mark - s) + 1);
	return -1;
}

/* The local day a rule names in a year, as days since 1970-01-01. */
static int64_t rule_day(int64_t year, const struct tz_rule *r)
{
	int64_t jan1 = tz_days_from_civil(year, 1, 1);
	switch (r->kind) {
	case TZ_RULE_JULIAN:
		return jan1 + r->day - 1 + (r->day >= 60 && tz_is_leap(year));
	case TZ_RULE_DAY:
		return jan1 + r->day;
	case TZ_RULE_MONTH:
		break;
	}
	int64_t first = tz_days_from_civil(year, r->mon, 1);
	int64_t d = (r->wday - weekday_of(first) + 7) % 7 + (int64_t)(r->week - 1) * 7;
	if (d >= tz_days_in_month(year, r->mon)) /* week 5 means the last one */
		d -= 7;
	return first + d;
}

/* The instant a rule names in a year, given the offset in effect before. */
static int64_t rule_instant(int64_t year, const struct tz_rule *r, int32_t off)
{
	return rule_day(year, r) * SECS_PER_DAY + r->time - off;
}

/* DST is on during [start(Y), end(Y)) for each year Y, or [start(Y),
 * end(Y+1)) when end comes first in the year (the southern hemisphere).
 * Defined for each instant on its own, so any two lookups agree however
 * odd the rule; a rule whose DST covers the whole year ("0/0,J365/25")
 * gives back-to-back intervals, all DST. Each year's rule instants lie
 * within 8 days of that year (167 h plus an offset), so the years around
 * t's UTC year hold every interval that can contain t and the nearest
 * rule instants on both sides. */
void tz_posix_period(const struct tz_posix *p, int64_t t, struct tz_period *out)
{
	if (!p->has_dst) {
		*out = (struct tz_period){INT64_MIN, INT64_MAX, &p->std};
		return;
	}
	enum { YEARS = 8 };
	struct tz_civil c;
	tz_civil_from_days(tz_floor_div(t, SECS_PER_DAY), &c);
	int64_t first = (int64_t)c.year - 3, start[YEARS], end[YEARS];
	for (int i = 0; i < YEARS; i++) {
		start[i] = rule_instant(first + i, &p->start, p->std.off);
		end[i] = rule_instant(first + i, &p->end, p->dst.off);
	}
	bool dst = false;
	int64_t lo = INT64_MIN, hi = INT64_MAX;
	for (int i = 0; i < YEARS; i++) {
		if (i + 1 < YEARS) {
			int64_t until = start[i] < end[i] ? end[i] : end[i + 1];
			dst |= start[i] <= t && t < until;
		}
		int64_t v[2] = {start[i], end[i]};
		for (int k = 0; k < 2; k++) {
			if (v[k] <= t && v[k] > lo)
				lo = v[k];
			if (v[k] > t && v[k] < hi)
				hi = v[k];
		}
	}
	*out = (struct tz_period){lo, hi, dst ? &p->dst : &p->std};
}
