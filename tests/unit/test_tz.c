/* tz: offsets on both sides of each 2026 transition and of each one after
 * 2037 (where Debian's files stop listing them and the footer rule takes
 * over), skipped and repeated hours under every policy, the calendar, and
 * names that must be refused (TZif and POSIX data: test_tz_data.c).
 * Expected values were read off `zdump -v` for tzdata 2025b; instants are
 * written as ISO strings and parsed by clock.c, not by tz, so the tests do
 * not check tz's calendar with itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tz_fixture.h"

static void expect_format(const struct tz *z, int64_t ms, unsigned flags, const char *want)
{
	struct buf b = BUF_INIT;
	tz_format_local(z, ms, flags, &b);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_new_york(void **state)
{
	struct tz *z = load("America/New_York");
	assert_string_equal(tz_name(z), "America/New_York");
	assert_string_equal(tz_posix_rule(z), "EST5EDT,M3.2.0,M11.1.0");
	expect_change(z, "2026-03-08T07:00:00Z", -5 * H, false, "EST", -4 * H, true, "EDT");
	expect_change(z, "2026-11-01T06:00:00Z", -4 * H, true, "EDT", -5 * H, false, "EST");
	expect_change(z, "2040-03-11T07:00:00Z", -5 * H, false, "EST", -4 * H, true, "EDT");
	expect_change(z, "2040-11-04T06:00:00Z", -4 * H, true, "EDT", -5 * H, false, "EST");
	expect_change(z, "2038-03-14T07:00:00Z", -5 * H, false, "EST", -4 * H, true, "EDT");
	/* Before the first transition (1883 railway time): local mean time. */
	expect_info(z, -2717650800001LL, -17762, false, "LMT");
	expect_info(z, -2717650800000LL, -5 * H, false, "EST");
	expect_info(z, -5364662400000LL, -17762, false, "LMT");
	expect_format(z, at("2026-11-22T01:00:00Z"), TZ_FORMAT_OFFSET,
		      "2026-11-21 20:00 EST (UTC\xe2\x88\x92" "05:00)");
	expect_format(z, at("2026-07-04T16:00:05Z"), TZ_FORMAT_SECONDS | TZ_FORMAT_OFFSET,
		      "2026-07-04 12:00:05 EDT (UTC\xe2\x88\x92" "04:00)");
	expect_format(z, at("2026-11-22T01:00:00Z"), 0, "2026-11-21 20:00 EST");
	expect_format(z, -2717650800001LL, TZ_FORMAT_SECONDS | TZ_FORMAT_OFFSET,
		      "1883-11-18 12:03:57 LMT (UTC\xe2\x88\x92" "04:56:02)");
	tz_free(z);
}

static void test_london(void **state)
{
	struct tz *z = load("Europe/London");
	expect_change(z, "2026-03-29T01:00:00Z", 0, false, "GMT", H, true, "BST");
	expect_change(z, "2026-10-25T01:00:00Z", H, true, "BST", 0, false, "GMT");
	expect_change(z, "2040-03-25T01:00:00Z", 0, false, "GMT", H, true, "BST");
	expect_change(z, "2040-10-28T01:00:00Z", H, true, "BST", 0, false, "GMT");
	expect_format(z, at("2026-01-10T20:00:00Z"), TZ_FORMAT_OFFSET, "2026-01-10 20:00 GMT (UTC)");
	expect_format(z, at("2026-07-10T20:00:00Z"), TZ_FORMAT_OFFSET,
		      "2026-07-10 21:00 BST (UTC+01:00)");
	tz_free(z);
}

static void test_sydney(void **state)
{
	struct tz *z = load("Australia/Sydney");
	expect_change(z, "2026-04-04T16:00:00Z", 11 * H, true, "AEDT", 10 * H, false, "AEST");
	expect_change(z, "2026-10-03T16:00:00Z", 10 * H, false, "AEST", 11 * H, true, "AEDT");
	expect_change(z, "2040-03-31T16:00:00Z", 11 * H, true, "AEDT", 10 * H, false, "AEST");
	expect_change(z, "2040-10-06T16:00:00Z", 10 * H, false, "AEST", 11 * H, true, "AEDT");
	/* New Year's Eve in the southern summer straddles the UTC year. */
	expect_format(z, at("2040-12-31T13:00:00Z"), 0, "2041-01-01 00:00 AEDT");
	tz_free(z);
}

static void test_lord_howe(void **state)
{
	struct tz *z = load("Australia/Lord_Howe");
	const int32_t std = 10 * H + 1800, dst = 11 * H;
	expect_change(z, "2026-04-04T15:00:00Z", dst, true, "+11", std, false, "+1030");
	expect_change(z, "2026-10-03T15:30:00Z", std, false, "+1030", dst, true, "+11");
	expect_change(z, "2040-03-31T15:00:00Z", dst, true, "+11", std, false, "+1030");
	expect_change(z, "2040-10-06T15:30:00Z", std, false, "+1030", dst, true, "+11");
	expect_format(z, at("2026-07-01T00:00:00Z"), TZ_FORMAT_OFFSET,
		      "2026-07-01 10:30 +1030 (UTC+10:30)");
	tz_free(z);
}

static void test_kolkata(void **state)
{
	struct tz *z = load("Asia/Kolkata");
	const int32_t ist = 5 * H + 1800;
	expect_info(z, at("2026-01-15T12:00:00Z"), ist, false, "IST");
	expect_info(z, at("2026-07-15T12:00:00Z"), ist, false, "IST");
	expect_info(z, at("2040-07-15T12:00:00Z"), ist, false, "IST");
	expect_info(z, at("2300-07-15T12:00:00Z"), ist, false, "IST");
	/* Before 1854: local mean time, then Madras time. */
	expect_info(z, -3645237208001LL, 21208, false, "LMT");
	expect_info(z, -3645237208000LL, 21200, false, "HMT");
	expect_format(z, at("2026-11-21T14:30:00Z"), TZ_FORMAT_OFFSET,
		      "2026-11-21 20:00 IST (UTC+05:30)");
	tz_free(z);
}

static void test_utc(void **state)
{
	struct buf err = BUF_INIT;
	struct tz *z = NULL;
	/* No files needed. */
	assert_int_equal(tz_load_dir("/nonexistent/zoneinfo", "UTC", &z, &err), 0);
	expect_info(z, 0, 0, false, "UTC");
	expect_info(z, INT64_MIN, 0, false, "UTC");
	expect_info(z, INT64_MAX, 0, false, "UTC");
	assert_null(tz_posix_rule(z));
	expect_format(z, at("2026-11-21T20:00:00Z"), TZ_FORMAT_OFFSET, "2026-11-21 20:00 UTC (UTC)");
	expect_format(z, -1, TZ_FORMAT_SECONDS, "1969-12-31 23:59:59 UTC");
	tz_free(z);
	assert_int_equal(tz_load_dir("/nonexistent/zoneinfo", "Etc/UTC", &z, &err), 0);
	assert_string_equal(tz_name(z), "Etc/UTC");
	tz_free(z);
	assert_int_equal(err.len, 0);
	z = load("Etc/GMT+5"); /* POSIX sign: five hours WEST */
	expect_info(z, 0, -5 * H, false, "-05");
	tz_free(z);
	buf_free(&err);
}

static void expect_offset_text(int32_t secs, const char *want)
{
	struct buf b = BUF_INIT;
	tz_format_offset(secs, &b);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_format_offset(void **state)
{
	expect_offset_text(0, "UTC");
	expect_offset_text(-5 * H, "UTC\xe2\x88\x92" "05:00");
	expect_offset_text(10 * H + 1800, "UTC+10:30");
	expect_offset_text(5 * H + 45 * 60, "UTC+05:45");
	expect_offset_text(-17762, "UTC\xe2\x88\x92" "04:56:02");
	expect_offset_text(-75, "UTC\xe2\x88\x92" "00:01:15");
	expect_offset_text(14 * H, "UTC+14:00");
	expect_offset_text(INT32_MIN, "UTC\xe2\x88\x92" "596523:14:08");
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The last transition a TZif file lists, in UTC seconds, read straight
 * from its 64-bit block: the premise of the comparison below. */
static int64_t last_listed_transition(const char *name)
{
	char path[256];
	unsigned char d[1 << 16];
	snprintf(path, sizeof path, ZONEINFO "/%s", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t len = fread(d, 1, sizeof d, f);
	fclose(f);
	assert_true(len > 44 && d[4] >= '2');
	const unsigned char *c = d + 20; /* isut isstd leap time type chars */
	size_t v1 = get32(c + 12) * 5 + get32(c + 16) * 6 + get32(c + 20) + get32(c + 8) * 8 +
		    get32(c + 4) + get32(c);
	c = d + 44 + v1 + 20;
	size_t n = get32(c + 12);
	assert_true(n > 0 && 44 + v1 + 44 + n * 8 <= len);
	const unsigned char *t = c + 24 + (n - 1) * 8;
	return (int64_t)((uint64_t)get32(t) << 32 | get32(t + 4));
}

/* Footer rule path against the transition table: for every half hour from
 * 2008 (when the current rules began in all five zones) to the end of
 * 2036, a zone built from the footer alone must agree with the file. */
static void test_footer_matches_table(void **state)
{
	static const char *const zones[] = {"America/New_York", "Europe/London", "Australia/Sydney",
					    "Australia/Lord_Howe", "Asia/Kolkata"};
	for (size_t k = 0; k < sizeof zones / sizeof *zones; k++) {
		struct tz *file = load(zones[k]), *rule = NULL;
		struct buf err = BUF_INIT;
		assert_non_null(tz_posix_rule(file));
		/* Debian's tzdata is built "fat": transitions listed up to 2037,
		 * so 2008-2036 below is the table's and 2040 above the rule's. */
		if (k != 4 && last_listed_transition(zones[k]) < at("2037-01-01T00:00:00Z") / 1000)
			fail_msg("%s lists no transitions up to 2037 (slim tzdata?)", zones[k]);
		if (tz_from_posix(zones[k], tz_posix_rule(file), &rule, &err) != 0)
			fail_msg("%s", buf_str(&err));
		int changes = 0;
		int32_t last = 0;
		for (int64_t ms = at("2008-06-01T00:00:00Z"); ms < at("2037-01-01T00:00:00Z");
		     ms += 1800 * 1000) {
			struct tz_info a, b;
			tz_lookup(file, ms, &a);
			tz_lookup(rule, ms, &b);
			if (a.utc_offset != b.utc_offset || a.is_dst != b.is_dst ||
			    strcmp(a.abbr, b.abbr) != 0)
				fail_msg("%s at %lld: file %d %s, rule %d %s", zones[k], (long long)ms,
					 a.utc_offset, a.abbr, b.utc_offset, b.abbr);
			changes += ms > at("2008-06-01T00:00:00Z") && a.utc_offset != last;
			last = a.utc_offset;
		}
		/* Two changes a year where there is DST, none in Kolkata. */
		assert_int_equal(changes, k == 4 ? 0 : 57);
		buf_free(&err);
		tz_free(rule);
		tz_free(file);
	}
}

#define CIV(y, mo, d, h, mi, s) {y, mo, d, h, mi, s, 0}

struct case_ {
	const char *zone;
	struct tz_civil local;
	enum tz_local_kind kind;
	const char *compatible, *earlier, *later; /* UTC; reject fails unless unique */
};

static void test_local_to_utc(void **state)
{
	static const struct case_ cases[] = {
		/* Spring forward: 02:00-02:59 never happens. */
		{"America/New_York", CIV(2026, 3, 8, 2, 30, 0), TZ_LOCAL_SKIPPED,
		 "2026-03-08T07:30:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"},
		{"America/New_York", CIV(2026, 3, 8, 2, 0, 0), TZ_LOCAL_SKIPPED,
		 "2026-03-08T07:00:00Z", "2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z"},
		{"America/New_York", CIV(2026, 3, 8, 1, 59, 59), TZ_LOCAL_UNIQUE,
		 "2026-03-08T06:59:59Z", "2026-03-08T06:59:59Z", "2026-03-08T06:59:59Z"},
		{"America/New_York", CIV(2026, 3, 8, 3, 0, 0), TZ_LOCAL_UNIQUE,
		 "2026-03-08T07:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:00:00Z"},
		/* Fall back: 01:00-01:59 happens twice, EDT then EST. */
		{"America/New_York", CIV(2026, 11, 1, 1, 30, 0), TZ_LOCAL_REPEATED,
		 "2026-11-01T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"},
		{"America/New_York", CIV(2026, 11, 1, 1, 0, 0), TZ_LOCAL_REPEATED,
		 "2026-11-01T05:00:00Z", "2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z"},
		{"America/New_York", CIV(2026, 11, 1, 0, 59, 59), TZ_LOCAL_UNIQUE,
		 "2026-11-01T04:59:59Z", "2026-11-01T04:59:59Z", "2026-11-01T04:59:59Z"},
		{"America/New_York", CIV(2026, 11, 1, 2, 0, 0), TZ_LOCAL_UNIQUE,
		 "2026-11-01T07:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:00:00Z"},
		{"America/New_York", CIV(2026, 11, 24, 21, 0, 0), TZ_LOCAL_UNIQUE,
		 "2026-11-25T02:00:00Z", "2026-11-25T02:00:00Z", "2026-11-25T02:00:00Z"},
		/* The same after 2037, from the footer rule. */
		{"America/New_York", CIV(2040, 3, 11, 2, 30, 0), TZ_LOCAL_SKIPPED,
		 "2040-03-11T07:30:00Z", "2040-03-11T06:30:00Z", "2040-03-11T07:30:00Z"},
		{"America/New_York", CIV(2040, 11, 4, 1, 30, 0), TZ_LOCAL_REPEATED,
		 "2040-11-04T05:30:00Z", "2040-11-04T05:30:00Z", "2040-11-04T06:30:00Z"},
		{"Europe/London", CIV(2026, 3, 29, 1, 30, 0), TZ_LOCAL_SKIPPED,
		 "2026-03-29T01:30:00Z", "2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z"},
		{"Europe/London", CIV(2026, 10, 25, 1, 30, 0), TZ_LOCAL_REPEATED,
		 "2026-10-25T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"},
		{"Europe/London", CIV(2040, 10, 28, 1, 59, 59), TZ_LOCAL_REPEATED,
		 "2040-10-28T00:59:59Z", "2040-10-28T00:59:59Z", "2040-10-28T01:59:59Z"},
		{"Australia/Sydney", CIV(2026, 10, 4, 2, 30, 0), TZ_LOCAL_SKIPPED,
		 "2026-10-03T16:30:00Z", "2026-10-03T15:30:00Z", "2026-10-03T16:30:00Z"},
		{"Australia/Sydney", CIV(2026, 4, 5, 2, 30, 0), TZ_LOCAL_REPEATED,
		 "2026-04-04T15:30:00Z", "2026-04-04T15:30:00Z", "2026-04-04T16:30:00Z"},
		{"Australia/Sydney", CIV(2040, 10, 7, 2, 30, 0), TZ_LOCAL_SKIPPED,
		 "2040-10-06T16:30:00Z", "2040-10-06T15:30:00Z", "2040-10-06T16:30:00Z"},
		/* Half-hour DST: 02:00-02:29 skipped, 01:30-01:59 repeated. */
		{"Australia/Lord_Howe", CIV(2026, 10, 4, 2, 15, 0), TZ_LOCAL_SKIPPED,
		 "2026-10-03T15:45:00Z", "2026-10-03T15:15:00Z", "2026-10-03T15:45:00Z"},
		{"Australia/Lord_Howe", CIV(2026, 10, 4, 2, 30, 0), TZ_LOCAL_UNIQUE,
		 "2026-10-03T15:30:00Z", "2026-10-03T15:30:00Z", "2026-10-03T15:30:00Z"},
		{"Australia/Lord_Howe", CIV(2026, 4, 5, 1, 45, 0), TZ_LOCAL_REPEATED,
		 "2026-04-04T14:45:00Z", "2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z"},
		{"Asia/Kolkata", CIV(2026, 3, 8, 2, 30, 0), TZ_LOCAL_UNIQUE,
		 "2026-03-07T21:00:00Z", "2026-03-07T21:00:00Z", "2026-03-07T21:00:00Z"},
		/* Leap day. */
		{"America/New_York", CIV(2028, 2, 29, 12, 0, 0), TZ_LOCAL_UNIQUE,
		 "2028-02-29T17:00:00Z", "2028-02-29T17:00:00Z", "2028-02-29T17:00:00Z"},
		{"UTC", CIV(2000, 2, 29, 23, 59, 59), TZ_LOCAL_UNIQUE,
		 "2000-02-29T23:59:59Z", "2000-02-29T23:59:59Z", "2000-02-29T23:59:59Z"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct case_ *c = &cases[i];
		struct tz *z = load(c->zone);
		const char *want[] = {c->compatible, c->earlier, c->later};
		const enum tz_resolve policy[] = {TZ_RESOLVE_COMPATIBLE, TZ_RESOLVE_EARLIER,
						  TZ_RESOLVE_LATER};
		for (int p = 0; p < 3; p++) {
			int64_t ms = 0;
			enum tz_local_kind kind = 99;
			if (tz_local_to_utc(z, &c->local, policy[p], &ms, &kind) != 0 ||
			    kind != c->kind || ms != at(want[p]))
				fail_msg("case %zu (%s %04d-%02d-%02d %02d:%02d) policy %d: kind %d, "
					 "%lld ms, want %d, %s",
					 i, c->zone, c->local.year, c->local.month, c->local.day,
					 c->local.hour, c->local.minute, p, kind, (long long)ms,
					 c->kind, want[p]);
		}
		int64_t ms = -1;
		enum tz_local_kind kind = 99;
		int rc = tz_local_to_utc(z, &c->local, TZ_RESOLVE_REJECT, &ms, &kind);
		assert_int_equal(kind, c->kind);
		if (c->kind == TZ_LOCAL_UNIQUE) {
			assert_int_equal(rc, 0);
			assert_true(ms == at(c->compatible));
		} else {
			assert_int_equal(rc, -1);
			assert_true(ms == -1);
		}
		assert_int_equal(tz_local_to_utc(z, &c->local, TZ_RESOLVE_COMPATIBLE, &ms, NULL), 0);
		tz_free(z);
	}
}

static void test_local_invalid(void **state)
{
	struct tz *z = load("America/New_York");
	static const struct tz_civil bad[] = {
		CIV(2026, 13, 1, 0, 0, 0), CIV(2026, 0, 1, 0, 0, 0),  CIV(2026, 2, 29, 0, 0, 0),
		CIV(2100, 2, 29, 0, 0, 0), CIV(2028, 2, 30, 0, 0, 0), CIV(2026, 4, 31, 0, 0, 0),
		CIV(2026, 1, 0, 0, 0, 0),  CIV(2026, 1, 1, 24, 0, 0), CIV(2026, 1, 1, 0, 60, 0),
		CIV(2026, 1, 1, 0, 0, 60), CIV(2026, 1, 1, -1, 0, 0), CIV(TZ_YEAR_MAX + 1, 1, 1, 0, 0, 0),
		CIV(TZ_YEAR_MIN - 1, 1, 1, 0, 0, 0),
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int64_t ms = 42;
		if (tz_local_to_utc(z, &bad[i], TZ_RESOLVE_COMPATIBLE, &ms, NULL) != -1 || ms != 42)
			fail_msg("bad civil time %zu accepted", i);
	}
	/* The extremes of the range work and round-trip. */
	const struct tz_civil edge[] = {CIV(TZ_YEAR_MAX, 12, 31, 23, 59, 59),
					CIV(TZ_YEAR_MIN, 1, 1, 0, 0, 0)};
	for (int i = 0; i < 2; i++) {
		int64_t ms;
		struct tz_civil back;
		assert_int_equal(tz_local_to_utc(z, &edge[i], TZ_RESOLVE_COMPATIBLE, &ms, NULL), 0);
		tz_civil_from_utc(z, ms, &back, NULL);
		assert_int_equal(back.year, edge[i].year);
		assert_int_equal(back.second, edge[i].second);
	}
	tz_free(z);
}

static void test_calendar(void **state)
{
	assert_true(tz_is_leap(2000));
	assert_true(tz_is_leap(2028));
	assert_true(tz_is_leap(2400));
	assert_false(tz_is_leap(2100));
	assert_false(tz_is_leap(1900));
	assert_false(tz_is_leap(2026));
	assert_true(tz_is_leap(0));
	assert_true(tz_is_leap(-4));
	assert_int_equal(tz_days_in_month(2028, 2), 29);
	assert_int_equal(tz_days_in_month(2100, 2), 28);
	assert_int_equal(tz_days_in_month(2000, 2), 29);
	assert_int_equal(tz_days_in_month(2026, 4), 30);
	assert_int_equal(tz_days_in_month(2026, 13), 0);
	assert_true(tz_days_from_civil(1970, 1, 1) == 0);
	assert_true(tz_days_from_civil(1969, 12, 31) == -1);
	assert_true(tz_days_from_civil(2000, 2, 29) == 11016);
	assert_true(tz_days_from_civil(2028, 2, 29) == 21243);
	assert_true(tz_days_from_civil(2100, 2, 28) == 47540);
	assert_true(tz_days_from_civil(2100, 3, 1) == 47541); /* no 2100-02-29 */
	assert_true(tz_days_from_civil(1600, 3, 1) == -135080);
	assert_true(tz_days_from_civil(0, 3, 1) == -719468);
	assert_int_equal(tz_weekday(1970, 1, 1), 4);   /* Thursday */
	assert_int_equal(tz_weekday(2028, 2, 29), 2);  /* Tuesday */
	assert_int_equal(tz_weekday(2000, 2, 29), 2);  /* Tuesday */
	assert_int_equal(tz_weekday(2100, 3, 1), 1);   /* Monday */
	assert_int_equal(tz_weekday(2026, 11, 21), 6); /* Saturday */
	assert_int_equal(tz_weekday(1969, 12, 31), 3); /* Wednesday */
	/* Every day from 2001 BC to AD 2401 follows the one before. */
	struct tz_civil c, prev;
	tz_civil_from_days(tz_days_from_civil(-2000, 1, 1) - 1, &prev);
	assert_int_equal(prev.year, -2001);
	assert_int_equal(prev.month, 12);
	assert_int_equal(prev.day, 31);
	for (int64_t d = tz_days_from_civil(-2000, 1, 1); d <= tz_days_from_civil(2400, 12, 31); d++) {
		tz_civil_from_days(d, &c);
		bool next_day = c.year == prev.year && c.month == prev.month && c.day == prev.day + 1;
		bool next_month = c.year == prev.year && c.month == prev.month + 1 && c.day == 1 &&
				  prev.day == tz_days_in_month(prev.year, prev.month);
		bool next_year = c.year == prev.year + 1 && c.month == 1 && c.day == 1 &&
				 prev.month == 12 && prev.day == 31;
		if (!(next_day || next_month || next_year) || c.wday != (prev.wday + 1) % 7 ||
		    tz_days_from_civil(c.year, c.month, c.day) != d)
			fail_msg("day %lld: %d-%d-%d after %d-%d-%d", (long long)d, c.year, c.month,
				 c.day, prev.year, prev.month, prev.day);
		prev = c;
	}
	/* Civil time at leap days, through a zone. */
	struct tz *z = load("UTC");
	tz_civil_from_utc(z, at("2028-02-29T12:34:56Z") + 999, &c, NULL);
	assert_int_equal(c.year, 2028);
	assert_int_equal(c.month, 2);
	assert_int_equal(c.day, 29);
	assert_int_equal(c.hour, 12);
	assert_int_equal(c.minute, 34);
	assert_int_equal(c.second, 56);
	assert_int_equal(c.wday, 2);
	tz_civil_from_utc(z, at("2100-02-28T23:59:59Z") + 1000, &c, NULL);
	assert_int_equal(c.month, 3);
	assert_int_equal(c.day, 1);
	tz_civil_from_utc(z, -1, &c, NULL); /* rounds down, not toward zero */
	assert_int_equal(c.year, 1969);
	assert_int_equal(c.second, 59);
	tz_free(z);
}

static void expect_name_error(const char *name, const char *why)
{
	struct buf err = BUF_INIT;
	struct tz *z = (struct tz *)&err;
	assert_int_equal(tz_load(name, &z, &err), -1);
	assert_null(z);
	if (!strstr(buf_str(&err), why))
		fail_msg("name error for \"%s\": got \"%s\", want \"%s\"", name, buf_str(&err), why);
	for (const char *p = buf_str(&err); *p; p++)
		assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	buf_free(&err);
}

static void test_names(void **state)
{
	expect_name_error("", "empty");
	expect_name_error(NULL, "empty");
	expect_name_error("/etc/passwd", "absolute paths are not allowed");
	expect_name_error("../../etc/passwd", "\"..\" is not allowed");
	expect_name_error("America/../../../etc/passwd", "\"..\" is not allowed");
	expect_name_error("America//New_York", "empty path component");
	expect_name_error("America/", "empty path component");
	expect_name_error("America/New York", "character 12 (0x20) is not allowed");
	expect_name_error("America/New_York\n", "(0x0a) is not allowed");
	expect_name_error("./UTC", "(0x2e) is not allowed");
	expect_name_error("America\\New_York", "(0x5c) is not allowed");
	expect_name_error("Europe/Paris\xc3\xa9", "(0xc3) is not allowed");
	char longname[300];
	memset(longname, 'A', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	expect_name_error(longname, "longer than 255");
	expect_name_error("America/Nowhere", "unknown time zone \"America/Nowhere\"");
	expect_name_error("America", "not a zone file");
	expect_name_error("America/New_York/extra", "unknown time zone");
	expect_name_error("zone.tab", "(0x2e) is not allowed");
	expect_name_error("iso3166", "unknown time zone");
	struct stat st;
	if (stat(ZONEINFO "/right/America/New_York", &st) == 0)
		expect_name_error("right/America/New_York", "leap seconds are not supported");
	assert_int_equal(tz_name_check("America/Argentina/Buenos_Aires", NULL), 0);
	assert_int_equal(tz_name_check("America/Port-au-Prince", NULL), 0);
	assert_int_equal(tz_name_check("Etc/GMT+5", NULL), 0);
	assert_int_equal(tz_name_check("a/b", NULL), 0);
	assert_int_equal(tz_name_check("/a", NULL), -1);
	struct tz *z = load("Etc/GMT-14");
	tz_free(z);
	/* A directory override. */
	struct buf err = BUF_INIT;
	assert_int_equal(tz_load_dir(ZONEINFO "/America", "New_York", &z, &err), 0);
	assert_string_equal(tz_name(z), "New_York");
	expect_info(z, at("2026-07-01T00:00:00Z"), -4 * H, true, "EDT");
	tz_free(z);
	assert_int_equal(tz_load_dir("/nonexistent", "America/New_York", &z, &err), -1);
	assert_null(z);
	assert_non_null(strstr(buf_str(&err), "/nonexistent/America/New_York"));
	buf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_york),
		cmocka_unit_test(test_london),
		cmocka_unit_test(test_sydney),
		cmocka_unit_test(test_lord_howe),
		cmocka_unit_test(test_kolkata),
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_format_offset),
		cmocka_unit_test(test_footer_matches_table),
		cmocka_unit_test(test_local_to_utc),
		cmocka_unit_test(test_local_invalid),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
