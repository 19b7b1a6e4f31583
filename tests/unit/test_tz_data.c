/* tz against its data: TZif files built byte by byte that must be read
 * or refused cleanly, POSIX footer strings, and a round trip through every
 * offset change of every zone on the system. The zones themselves and the
 * calendar are test_tz.c's. */
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

/* --- Malformed TZif ------------------------------------------------------ */

static void put32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = {v >> 24, v >> 16, v >> 8, v};
	buf_add(b, p, 4);
}

static void put64(struct buf *b, int64_t v)
{
	put32(b, (uint32_t)((uint64_t)v >> 32));
	put32(b, (uint32_t)v);
}

struct ttinfo {
	int32_t off;
	uint8_t dst, idx;
};

/* A version-2 file (slim-style: a minimal version-1 block) with the given
 * transitions, types, abbreviation bytes and footer. */
static void build(struct buf *b, size_t n, const int64_t *times, const uint8_t *types, size_t nt,
		  const struct ttinfo *tt, const char *chars, size_t nchars, const char *footer)
{
	buf_clear(b);
	buf_add(b, "TZif2", 5);
	buf_add(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15);
	const uint32_t v1[6] = {0, 0, 0, 0, 1, 1};
	for (int i = 0; i < 6; i++)
		put32(b, v1[i]);
	buf_add(b, "\0\0\0\0\0\0\0", 7);
	buf_add(b, "TZif2", 5);
	buf_add(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15);
	const uint32_t v2[6] = {0, 0, 0, (uint32_t)n, (uint32_t)nt, (uint32_t)nchars};
	for (int i = 0; i < 6; i++)
		put32(b, v2[i]);
	for (size_t i = 0; i < n; i++)
		put64(b, times[i]);
	buf_add(b, types, n);
	for (size_t i = 0; i < nt; i++) {
		put32(b, (uint32_t)tt[i].off);
		buf_add(b, &tt[i].dst, 1);
		buf_add(b, &tt[i].idx, 1);
	}
	buf_add(b, chars, nchars);
	buf_printf(b, "\n%s\n", footer);
}

enum { V2_COUNTS = 44 + 7 + 20 }; /* where the 64-bit header's counts start */

static void expect_parse_error(const struct buf *b, const char *why)
{
	struct buf err = BUF_INIT;
	struct tz *z = (struct tz *)&err;
	assert_int_equal(tz_parse("Test/Zone", b->p, b->len, &z, &err), -1);
	assert_null(z);
	if (!strstr(buf_str(&err), why))
		fail_msg("parse error: got \"%s\", want \"%s\"", buf_str(&err), why);
	assert_non_null(strstr(buf_str(&err), "time zone \"Test/Zone\""));
	buf_free(&err);
}

static void set32(struct buf *b, size_t at_, uint32_t v)
{
	unsigned char p[4] = {v >> 24, v >> 16, v >> 8, v};
	memcpy(b->p + at_, p, 4);
}

static void test_built_tzif(void **state)
{
	const int64_t times[] = {0, 1000000};
	const uint8_t types[] = {1, 0};
	const struct ttinfo tt[] = {{-5 * H, 0, 0}, {-4 * H, 1, 4}};
	const char chars[] = "EST\0EDT";
	struct buf b = BUF_INIT, err = BUF_INIT;
	struct tz *z = NULL;

	build(&b, 2, times, types, 2, tt, chars, sizeof chars, "EST5");
	assert_int_equal(tz_parse("Test/Zone", b.p, b.len, &z, &err), 0);
	expect_info(z, -1, -5 * H, false, "EST");
	expect_info(z, 0, -4 * H, true, "EDT");
	expect_info(z, 999999999, -4 * H, true, "EDT");
	expect_info(z, 1000000000, -5 * H, false, "EST");
	tz_free(z);

	/* Every truncation is refused (the footer's newline ends the file). */
	for (size_t len = 0; len < b.len; len++) {
		assert_int_equal(tz_parse("Test/Zone", b.p, len, &z, &err), -1);
		assert_null(z);
	}
	assert_non_null(strstr(buf_str(&err), "truncated"));

	build(&b, 2, times, types, 2, tt, chars, sizeof chars, "EST5");
	b.p[0] = 'X';
	expect_parse_error(&b, "bad magic");
	b.p[0] = 'T';
	b.p[4] = '9';
	expect_parse_error(&b, "unsupported TZif version");
	b.p[4] = '2';
	set32(&b, V2_COUNTS + 12, 0xffffffffu); /* timecnt */
	expect_parse_error(&b, "truncated data");
	set32(&b, V2_COUNTS + 12, 2);
	set32(&b, V2_COUNTS + 16, 0); /* typecnt */
	expect_parse_error(&b, "local time types");
	set32(&b, V2_COUNTS + 16, 2);
	set32(&b, 20 + 12, 0x7fffffffu); /* the 32-bit block's timecnt */
	expect_parse_error(&b, "truncated data");
	set32(&b, 20 + 12, 0);
	set32(&b, V2_COUNTS + 8, 0x10000000u); /* leapcnt */
	expect_parse_error(&b, "truncated data");

	const int64_t descending[] = {1000000, 0};
	build(&b, 2, descending, types, 2, tt, chars, sizeof chars, "EST5");
	expect_parse_error(&b, "ascending");
	const uint8_t bad_types[] = {1, 2};
	build(&b, 2, times, bad_types, 2, tt, chars, sizeof chars, "EST5");
	expect_parse_error(&b, "does not exist");
	const struct ttinfo far[] = {{-5 * H, 0, 0}, {27 * H, 1, 4}};
	build(&b, 2, times, types, 2, far, chars, sizeof chars, "EST5");
	expect_parse_error(&b, "beyond 26 hours");
	const struct ttinfo out_of_chars[] = {{-5 * H, 0, 0}, {-4 * H, 1, 8}};
	build(&b, 2, times, types, 2, out_of_chars, chars, sizeof chars, "EST5");
	expect_parse_error(&b, "index is out of range");
	build(&b, 2, times, types, 2, tt, chars, sizeof chars - 1, "EST5");
	expect_parse_error(&b, "not NUL-terminated");
	const char odd[] = "EST\0E\x1b[m";
	build(&b, 2, times, types, 2, tt, odd, sizeof odd, "EST5");
	expect_parse_error(&b, "characters other than");
	build(&b, 2, times, types, 2, tt, chars, sizeof chars, "EST5EDT,M13.1.0,M11.1.0");
	expect_parse_error(&b, "bad footer: TZ string \"EST5EDT,M13.1.0,M11.1.0\": expected ',' and "
			       "when DST starts at character 8");
	build(&b, 2, times, types, 2, tt, chars, sizeof chars, "EST5");
	b.p[b.len - 1] = 'x';
	expect_parse_error(&b, "footer");

	/* An empty footer: the last type goes on for ever. */
	build(&b, 2, times, types, 2, tt, chars, sizeof chars, "");
	assert_int_equal(tz_parse("Test/Zone", b.p, b.len, &z, &err), 0);
	assert_null(tz_posix_rule(z));
	expect_info(z, INT64_MAX, -5 * H, false, "EST");
	tz_free(z);

	/* Version 1: 32-bit times, no footer. */
	buf_clear(&b);
	buf_add(&b, "TZif", 4);
	buf_add(&b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	const uint32_t v1[6] = {0, 0, 0, 1, 2, 8};
	for (int i = 0; i < 6; i++)
		put32(&b, v1[i]);
	put32(&b, (uint32_t)-86400); /* 1969-12-31 */
	buf_addc(&b, 1);
	for (int i = 0; i < 2; i++) {
		put32(&b, (uint32_t)tt[i].off);
		buf_add(&b, &tt[i].dst, 1);
		buf_add(&b, &tt[i].idx, 1);
	}
	buf_add(&b, chars, sizeof chars);
	assert_int_equal(tz_parse("Test/Zone", b.p, b.len, &z, &err), 0);
	expect_info(z, -86400001, -5 * H, false, "EST");
	expect_info(z, -86400000, -4 * H, true, "EDT");
	expect_info(z, INT64_MAX, -4 * H, true, "EDT");
	tz_free(z);
	assert_int_equal(tz_parse("Test/Zone", b.p, b.len - 1, &z, &err), -1);

	buf_free(&b);
	buf_free(&err);
}

static void expect_posix(const char *spec, const char *iso, int32_t off0, const char *abbr0,
			 int32_t off1, const char *abbr1)
{
	struct tz *z = NULL;
	struct buf err = BUF_INIT;
	if (tz_from_posix(spec, spec, &z, &err) != 0)
		fail_msg("%s", buf_str(&err));
	struct tz_info i;
	tz_lookup(z, at(iso) - 1, &i);
	bool ok = i.utc_offset == off0 && strcmp(i.abbr, abbr0) == 0;
	tz_lookup(z, at(iso), &i);
	ok = ok && i.utc_offset == off1 && strcmp(i.abbr, abbr1) == 0;
	if (!ok)
		fail_msg("%s around %s", spec, iso);
	tz_free(z);
	buf_free(&err);
}

static void test_posix_strings(void **state)
{
	/* Nuuk: negative transition time, -01:00 on Saturday = Sunday's eve. */
	expect_posix("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2040-03-25T01:00:00Z", -2 * H, "-02",
		     -1 * H, "-01");
	expect_posix("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2040-10-28T01:00:00Z", -1 * H, "-01",
		     -2 * H, "-02");
	/* Gaza-style >24 h: "Thursday of the 4th week, at 50:00" = Saturday 02:00. */
	expect_posix("EET-2EEST,M3.4.4/50,M10.4.4/50", "2040-03-24T00:00:00Z", 2 * H, "EET", 3 * H,
		     "EEST");
	/* Jn never counts February 29: J60 is March 1 in 2028 too. */
	expect_posix("AAA0BBB,J60/0,J300/0", "2028-03-01T00:00:00Z", 0, "AAA", H, "BBB");
	expect_posix("AAA0BBB,J60/0,J300/0", "2027-03-01T00:00:00Z", 0, "AAA", H, "BBB");
	/* n counts it: day 59 is February 29 in 2028, March 1 in 2027. */
	expect_posix("AAA0BBB,59/0,300/0", "2028-02-29T00:00:00Z", 0, "AAA", H, "BBB");
	expect_posix("AAA0BBB,59/0,300/0", "2027-03-01T00:00:00Z", 0, "AAA", H, "BBB");
	/* Southern hemisphere and a half-hour DST offset, as in Lord_Howe. */
	expect_posix("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "2026-10-03T15:30:00Z", 37800, "+1030",
		     39600, "+11");
	expect_posix("GMT0BST,M3.5.0/1,M10.5.0", "2026-10-25T01:00:00Z", H, "BST", 0, "GMT");
	expect_posix("AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-04-04T16:00:00Z", 11 * H, "AEDT",
		     10 * H, "AEST");
	/* Dublin: "DST" is winter, one hour back. */
	expect_posix("IST-1GMT0,M10.5.0,M3.5.0/1", "2026-10-25T01:00:00Z", H, "IST", 0, "GMT");

	/* DST all year, leap or not: always EDT. */
	struct tz *z = NULL;
	struct buf err = BUF_INIT;
	assert_int_equal(tz_from_posix("x", "EST5EDT4,0/0,J365/25", &z, &err), 0);
	for (int64_t ms = at("2027-12-25T00:00:00Z"); ms < at("2029-01-10T00:00:00Z"); ms += 3600000)
		expect_info(z, ms, -4 * H, true, "EDT");
	tz_free(z);

	static const char *const bad[] = {
		"", "EST", "ES5", "EST25", "EST5EDT", "EST5EDT,M3.2.0", "EST5EDT,M3.2.0,M11.1.0x",
		"EST5EDT,M3.2.0/168,M11.1.0", "EST5EDT,M3.6.0,M11.1.0", "EST5EDT,M3.2.7,M11.1.0",
		"EST5EDT,J0,J100", "EST5EDT,366,1", "<AB>5", "<ABC5", "EST5:60", "EST5EDT,M3.2.0,",
		"ABCDEFGHIJKLMNOPQ5", "EST5EDT4:00:00:00,M3.2.0,M11.1.0", "EST\0015",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		buf_clear(&err);
		z = (struct tz *)&err;
		if (tz_from_posix("x", bad[i], &z, &err) != -1 || z)
			fail_msg("TZ string \"%s\" accepted", bad[i]);
		assert_non_null(strstr(buf_str(&err), "TZ string \""));
	}
	buf_free(&err);
}

/* local_to_utc inverts civil_from_utc around instant t: exactly where
 * the local time is unique, and onto the same local time where it is
 * repeated; a local time read off a clock is never skipped. */
static void check_round_trip(const struct tz *z, int64_t t)
{
	struct tz_civil c, c2;
	enum tz_local_kind kind;
	int64_t back;
	tz_civil_from_utc(z, t, &c, NULL);
	int rc = tz_local_to_utc(z, &c, TZ_RESOLVE_REJECT, &back, &kind);
	if (rc != (kind == TZ_LOCAL_UNIQUE ? 0 : -1) || kind == TZ_LOCAL_SKIPPED)
		fail_msg("%s at %lld: rc %d kind %d", tz_name(z), (long long)t, rc, kind);
	for (int p = TZ_RESOLVE_COMPATIBLE; p <= TZ_RESOLVE_LATER; p++) {
		assert_int_equal(tz_local_to_utc(z, &c, (enum tz_resolve)p, &back, NULL), 0);
		if (kind == TZ_LOCAL_UNIQUE && back != floor_second(t))
			fail_msg("%s: %lld came back as %lld", tz_name(z), (long long)t,
				 (long long)back);
		tz_civil_from_utc(z, back, &c2, NULL);
		if (c2.year != c.year || c2.month != c.month || c2.day != c.day ||
		    c2.hour != c.hour || c2.minute != c.minute || c2.second != c.second)
			fail_msg("%s: %lld (kind %d) came back as %lld, another local time",
				 tz_name(z), (long long)t, kind, (long long)back);
	}
}

/* Every zone in the system's tzdata loads; around each offset change from
 * 1900 to 2100 (found by the day, then bisected to the second), times
 * round-trip through local_to_utc. */
static void sweep_zone(const char *name, int *zones, int *changes)
{
	struct tz *z = load(name);
	const int64_t day = 86400000, to = 4102444800000LL; /* 2100 */
	struct tz_info a, b;
	(*zones)++;
	tz_lookup(z, -2208988800000LL, &a); /* 1900 */
	for (int64_t ms = -2208988800000LL + day; ms < to; ms += day, a = b) {
		tz_lookup(z, ms, &b);
		if (b.utc_offset == a.utc_offset)
			continue;
		int64_t lo = ms - day, hi = ms;
		while (hi - lo > 1000) {
			int64_t mid = lo + (hi - lo) / 2000 * 1000;
			struct tz_info m;
			tz_lookup(z, mid, &m);
			*(m.utc_offset == a.utc_offset ? &lo : &hi) = mid;
		}
		(*changes)++;
		for (int64_t t = hi - 7200000; t <= hi + 7200000; t += 900000)
			check_round_trip(z, t);
		check_round_trip(z, hi - 1);
		check_round_trip(z, hi + 999);
	}
	tz_free(z);
}

static void sweep_dir(const char *dir, const char *prefix, int *zones, int *changes)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "right") == 0 ||
		    strcmp(e->d_name, "posix") == 0)
			continue;
		char path[1024], name[512];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		snprintf(name, sizeof name, "%s%s", prefix, e->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			char sub[600];
			snprintf(sub, sizeof sub, "%s/", name);
			sweep_dir(path, sub, zones, changes);
			continue;
		}
		FILE *f = fopen(path, "rb");
		char magic[4] = {0};
		size_t got = f ? fread(magic, 1, 4, f) : 0;
		if (f)
			fclose(f);
		if (got == 4 && memcmp(magic, "TZif", 4) == 0 && tz_name_check(name, NULL) == 0)
			sweep_zone(name, zones, changes);
	}
	closedir(d);
}

static void test_all_system_zones(void **state)
{
	int zones = 0, changes = 0;
	sweep_dir(ZONEINFO, "", &zones, &changes);
	print_message("%d zones, %d offset changes from " ZONEINFO "\n", zones, changes);
	assert_true(zones > 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_built_tzif),
		cmocka_unit_test(test_posix_strings),
		cmocka_unit_test(test_all_system_zones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
