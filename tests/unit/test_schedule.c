/* Schedule computation: weekly, every N weeks, monthly on the Nth weekday
 * and one-off dates, in America/New_York, Europe/London and
 * Australia/Sydney across their daylight-saving changes (a 9 pm chat stays
 * at 9 pm local; skipped and repeated times resolved as documented), leap
 * years, first/until bounds, and the parsers the config uses. Expected
 * instants were computed independently (Python's zoneinfo on the same
 * tzdata). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"
#include "tz.h"

/* UTC milliseconds of a UTC civil time. */
static int64_t U(int y, int mo, int d, int h, int mi)
{
	return (tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

static struct tz *zone(const char *name)
{
	struct tz *z = NULL;
	struct buf err = BUF_INIT;
	if (tz_load(name, &z, &err) != 0)
		fail_msg("cannot load %s: %s", name, err.p);
	buf_free(&err);
	return z;
}

static struct schedule weekly(int weekday, int hour, int minute)
{
	return (struct schedule){.repeat = SCHEDULE_WEEKLY, .weekday = weekday, .every_weeks = 1,
				 .has_time = true, .hour = hour, .minute = minute};
}

static int64_t next(const struct schedule *s, const struct tz *z, int64_t after)
{
	int64_t t = 0;
	assert_int_equal(schedule_next(s, z, after, &t), 0);
	return t;
}

/* Every opening of a weekly chat for two years is on its weekday at its
 * local time, seven days apart in local time (an hour more or less in UTC
 * across a change). */
static void sweep(const char *name, int weekday, int hour, int minute, int changes_expected)
{
	struct tz *z = zone(name);
	struct schedule s = weekly(weekday, hour, minute);
	int64_t t = U(2026, 1, 1, 0, 0);
	int changes = 0;
	for (int i = 0; i < 104; i++) {
		int64_t n = next(&s, z, t);
		struct tz_civil c;
		tz_civil_from_utc(z, n, &c, NULL);
		assert_int_equal(c.wday, weekday);
		assert_int_equal(c.hour, hour);
		assert_int_equal(c.minute, minute);
		if (i) {
			int64_t gap = n - t;
			if (gap != 7 * 86400000LL) {
				assert_true(gap == 7 * 86400000LL - 3600000 || gap == 7 * 86400000LL + 3600000);
				changes++;
			}
		}
		t = n;
	}
	assert_int_equal(changes, changes_expected);
	tz_free(z);
}

static void test_weekly_keeps_local_time(void **state)
{
	(void)state;
	sweep("America/New_York", 2, 21, 0, 4);  /* Tuesdays 9 pm: two changes a year */
	sweep("Europe/London", 3, 20, 0, 4);
	sweep("Australia/Sydney", 1, 20, 30, 4);
	sweep("UTC", 5, 12, 0, 0);
	/* New York, Tuesday 9 pm: 02:00 UTC in winter, 01:00 UTC in summer */
	struct tz *z = zone("America/New_York");
	struct schedule s = weekly(2, 21, 0);
	assert_true(next(&s, z, U(2026, 3, 1, 0, 0)) == U(2026, 3, 4, 2, 0));
	assert_true(next(&s, z, U(2026, 3, 4, 2, 0)) == U(2026, 3, 11, 1, 0)); /* strictly after */
	assert_true(next(&s, z, U(2026, 3, 4, 1, 59)) == U(2026, 3, 4, 2, 0));
	tz_free(z);
}

/* A time the change skips moves forward by the gap; a repeated one is its
 * first occurrence. */
static void test_skipped_and_repeated(void **state)
{
	(void)state;
	struct tz *ny = zone("America/New_York"), *lon = zone("Europe/London");
	struct tz *syd = zone("Australia/Sydney");
	struct schedule s = weekly(0, 2, 30); /* Sunday 02:30 */
	/* New York springs forward at 02:00 on 2026-03-08: 02:30 is 03:30 EDT */
	assert_true(next(&s, ny, U(2026, 3, 7, 0, 0)) == U(2026, 3, 8, 7, 30));
	/* Sydney springs forward at 02:00 on 2026-10-04: 03:30 AEDT */
	assert_true(next(&s, syd, U(2026, 10, 1, 0, 0)) == U(2026, 10, 3, 16, 30));
	/* Sydney falls back at 03:00 on 2026-04-05: 02:30 happens twice, the first (AEDT) */
	assert_true(next(&s, syd, U(2026, 4, 1, 0, 0)) == U(2026, 4, 4, 15, 30));
	s = weekly(0, 1, 30); /* Sunday 01:30 */
	/* New York falls back on 2026-11-01: 01:30 EDT, the first */
	assert_true(next(&s, ny, U(2026, 10, 30, 0, 0)) == U(2026, 11, 1, 5, 30));
	/* and it opens once: the next is a week later, not an hour */
	assert_true(next(&s, ny, U(2026, 11, 1, 5, 30)) == U(2026, 11, 8, 6, 30));
	/* London: 01:30 is skipped on 2026-03-29 (02:30 BST), repeated on 2026-10-25 (BST) */
	assert_true(next(&s, lon, U(2026, 3, 28, 0, 0)) == U(2026, 3, 29, 1, 30));
	assert_true(next(&s, lon, U(2026, 10, 24, 0, 0)) == U(2026, 10, 25, 0, 30));
	tz_free(ny);
	tz_free(lon);
	tz_free(syd);
}

static void test_every_n_weeks_first_until(void **state)
{
	(void)state;
	struct tz *z = zone("Europe/London");
	struct schedule s = weekly(2, 19, 0);
	s.every_weeks = 2;
	s.has_first = true;
	s.first = (struct schedule_date){2026, 1, 6};
	/* nothing before the first */
	assert_true(next(&s, z, U(2025, 6, 1, 0, 0)) == U(2026, 1, 6, 19, 0));
	/* then every other Tuesday */
	assert_true(next(&s, z, U(2026, 1, 6, 19, 0)) == U(2026, 1, 20, 19, 0));
	assert_true(next(&s, z, U(2026, 1, 7, 0, 0)) == U(2026, 1, 20, 19, 0));
	/* across the change to BST (2026-03-29): 19:00 BST is 18:00 UTC */
	assert_true(next(&s, z, U(2026, 3, 25, 0, 0)) == U(2026, 3, 31, 18, 0));
	/* 52 weeks on, the phase holds */
	int64_t t = U(2026, 1, 6, 19, 0);
	for (int i = 0; i < 26; i++)
		t = next(&s, z, t);
	struct tz_civil c;
	tz_civil_from_utc(z, t, &c, NULL);
	assert_int_equal(c.year, 2027);
	assert_int_equal(c.month, 1);
	assert_int_equal(c.day, 5);
	/* until: the last one, then none */
	s.has_until = true;
	s.until = (struct schedule_date){2026, 2, 17};
	assert_true(next(&s, z, U(2026, 2, 4, 0, 0)) == U(2026, 2, 17, 19, 0));
	int64_t none = 0;
	assert_int_equal(schedule_next(&s, z, U(2026, 2, 17, 19, 0), &none), -1);
	/* a weekly schedule with a first date that is not its weekday starts
	 * on the first such weekday from it */
	struct schedule w = weekly(5, 12, 0);
	w.has_first = true;
	w.first = (struct schedule_date){2026, 1, 6}; /* a Tuesday */
	assert_true(next(&w, z, U(2026, 1, 1, 0, 0)) == U(2026, 1, 9, 12, 0));
	tz_free(z);
}

static void test_monthly(void **state)
{
	(void)state;
	struct tz *z = zone("America/New_York");
	struct schedule s = {.repeat = SCHEDULE_MONTHLY, .nth = 2, .weekday = 2, .has_time = true,
			     .hour = 20};
	/* the 2nd Tuesday: 2026-03-10 (after the change: 00:00 UTC next day) */
	assert_true(next(&s, z, U(2026, 3, 1, 0, 0)) == U(2026, 3, 11, 0, 0));
	assert_true(next(&s, z, U(2026, 3, 11, 0, 0)) == U(2026, 4, 15, 0, 0));
	/* the last Friday: 2026-11-27, then 2026-12-25 */
	s.nth = -1;
	s.weekday = 5;
	assert_true(next(&s, z, U(2026, 11, 1, 0, 0)) == U(2026, 11, 28, 1, 0));
	assert_true(next(&s, z, U(2026, 11, 28, 1, 0)) == U(2026, 12, 26, 1, 0));
	/* the 5th Monday: only months that have one (2026: Mar, Jun, Aug, Nov) */
	s.nth = 5;
	s.weekday = 1;
	assert_true(next(&s, z, U(2026, 4, 1, 0, 0)) == U(2026, 6, 30, 0, 0));
	assert_true(next(&s, z, U(2026, 7, 1, 0, 0)) == U(2026, 9, 1, 0, 0));
	assert_true(next(&s, z, U(2026, 9, 2, 0, 0)) == U(2026, 12, 1, 1, 0));
	/* leap years: February 2028 has five Tuesdays, the 5th on the 29th */
	s.weekday = 2;
	assert_true(next(&s, z, U(2028, 2, 1, 0, 0)) == U(2028, 3, 1, 1, 0));
	/* the last Thursday of February: the 26th in 2026, the 24th in 2028 */
	s.nth = -1;
	s.weekday = 4;
	assert_true(next(&s, z, U(2026, 2, 1, 0, 0)) == U(2026, 2, 27, 1, 0));
	assert_true(next(&s, z, U(2028, 2, 1, 0, 0)) == U(2028, 2, 25, 1, 0));
	/* first and until bound it */
	s.has_first = true;
	s.first = (struct schedule_date){2027, 1, 1};
	s.has_until = true;
	s.until = (struct schedule_date){2027, 2, 28};
	assert_true(next(&s, z, U(2026, 1, 1, 0, 0)) == U(2027, 1, 29, 1, 0));
	assert_true(next(&s, z, U(2027, 1, 29, 1, 0)) == U(2027, 2, 26, 1, 0));
	int64_t none;
	assert_int_equal(schedule_next(&s, z, U(2027, 2, 26, 1, 0), &none), -1);
	tz_free(z);
}

static void test_one_off_dates(void **state)
{
	(void)state;
	struct tz *z = zone("Europe/London");
	struct schedule_once dates[3];
	assert_true(schedule_parse_once("2028-02-29", &dates[0]));
	assert_true(schedule_parse_once("2026-12-24 18:30", &dates[1]));
	assert_true(schedule_parse_once("2026-07-01T09:00:15", &dates[2]));
	struct schedule s = {.repeat = SCHEDULE_ONCE, .has_time = true, .hour = 20, .dates = dates,
			     .n_dates = 3};
	assert_true(next(&s, z, U(2026, 1, 1, 0, 0)) == U(2026, 7, 1, 8, 0) + 15000); /* BST */
	assert_true(next(&s, z, U(2026, 7, 1, 8, 0) + 15000) == U(2026, 12, 24, 18, 30));
	assert_true(next(&s, z, U(2026, 12, 24, 18, 30)) == U(2028, 2, 29, 20, 0)); /* the leap day */
	int64_t none;
	assert_int_equal(schedule_next(&s, z, U(2028, 2, 29, 20, 0), &none), -1);
	/* with a weekly rule too: whichever comes first */
	struct schedule w = weekly(3, 20, 0);
	w.dates = dates;
	w.n_dates = 3;
	assert_true(next(&w, z, U(2026, 12, 23, 20, 0)) == U(2026, 12, 24, 18, 30));
	assert_true(next(&w, z, U(2026, 12, 24, 18, 30)) == U(2026, 12, 30, 20, 0));
	tz_free(z);
}

static void test_parsers(void **state)
{
	(void)state;
	int d, n, h, m, s;
	assert_true(schedule_parse_weekday("TUESDAY", &d) && d == 2);
	assert_true(schedule_parse_weekday("sun", &d) && d == 0);
	assert_false(schedule_parse_weekday("tues", &d));
	assert_false(schedule_parse_weekday("", &d));
	assert_true(schedule_parse_monthly("2nd Tuesday", &n, &d) && n == 2 && d == 2);
	assert_true(schedule_parse_monthly("last  fri", &n, &d) && n == -1 && d == 5);
	assert_true(schedule_parse_monthly("fifth monday", &n, &d) && n == 5 && d == 1);
	assert_false(schedule_parse_monthly("6th monday", &n, &d));
	assert_false(schedule_parse_monthly("tuesday", &n, &d));
	assert_true(schedule_parse_time("21:00", &h, &m, &s) && h == 21 && m == 0 && s == 0);
	assert_true(schedule_parse_time("9:05", &h, &m, &s) && h == 9 && m == 5);
	assert_true(schedule_parse_time("23:59:59", &h, &m, &s) && s == 59);
	assert_false(schedule_parse_time("24:00", &h, &m, &s));
	assert_false(schedule_parse_time("21:60", &h, &m, &s));
	assert_false(schedule_parse_time("21:00 ", &h, &m, &s));
	assert_false(schedule_parse_time("2100", &h, &m, &s));
	struct schedule_date date;
	assert_true(schedule_parse_date("2028-02-29", &date) && date.day == 29);
	assert_false(schedule_parse_date("2027-02-29", &date)); /* not a leap year */
	assert_false(schedule_parse_date("1900-01-01", &date));
	assert_false(schedule_parse_date("2026-1-01", &date));
	assert_false(schedule_parse_date("2026-01-01x", &date));
	struct schedule_once o;
	assert_true(schedule_parse_once("2026-12-24", &o) && !o.has_time);
	assert_false(schedule_parse_once("2026-12-24 ", &o));
	assert_false(schedule_parse_once("2026-12-24 25:00", &o));
}

static void test_describe_and_format(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct schedule s = weekly(2, 21, 0);
	schedule_describe(&s, &b);
	assert_string_equal(b.p, "every Tuesday at 21:00");
	buf_clear(&b);
	s.every_weeks = 2;
	s.has_first = true;
	s.first = (struct schedule_date){2026, 1, 6};
	schedule_describe(&s, &b);
	assert_string_equal(b.p, "every 2 weeks on Tuesday at 21:00 from 2026-01-06");
	buf_clear(&b);
	struct schedule_once one = {{2026, 12, 29}, true, 20, 0, 0};
	struct schedule m = {.repeat = SCHEDULE_MONTHLY, .nth = -1, .weekday = 5, .hour = 20,
			     .minute = 30, .has_time = true, .dates = &one, .n_dates = 1};
	schedule_describe(&m, &b);
	assert_string_equal(b.p, "on the last Friday of every month at 20:30, and on 2026-12-29 20:00");
	buf_clear(&b);
	schedule_format_duration(&b, 86400000);
	assert_string_equal(b.p, "1 day");
	buf_clear(&b);
	schedule_format_duration(&b, 9000000);
	assert_string_equal(b.p, "2 hours 30 minutes");
	buf_clear(&b);
	schedule_format_duration(&b, 6000);
	assert_string_equal(b.p, "6 seconds");
	buf_clear(&b);
	struct tz *z = zone("America/New_York");
	schedule_format_when(&b, z, U(2026, 11, 25, 2, 0));
	assert_string_equal(b.p, "Tuesday 2026-11-24 21:00 EST (UTC\xe2\x88\x92" "05:00), 2026-11-25 02:00 UTC");
	tz_free(z);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weekly_keeps_local_time),
		cmocka_unit_test(test_skipped_and_repeated),
		cmocka_unit_test(test_every_n_weeks_first_until),
		cmocka_unit_test(test_monthly),
		cmocka_unit_test(test_one_off_dates),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_describe_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
