/* What the time-zone unit tests share (test_tz: the zones, the calendar,
 * names; test_tz_data: TZif and POSIX data that must be read or refused,
 * and every zone on the system): loading a zone, instants written as ISO
 * strings (parsed by clock.c, not by tz), checking an offset. Header-only
 * on purpose: each test program is one translation unit; include it after
 * cmocka.h. */
#ifndef ROUNDS_TEST_TZ_FIXTURE_H
#define ROUNDS_TEST_TZ_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "tz.h"

#define ZONEINFO "/usr/share/zoneinfo"
#define H 3600

static inline struct tz *load(const char *name)
{
	struct tz *z = NULL;
	struct buf err = BUF_INIT;
	if (tz_load(name, &z, &err) != 0)
		fail_msg("tz_load(%s): %s", name, buf_str(&err));
	buf_free(&err);
	return z;
}

static inline int64_t at(const char *iso)
{
	int64_t ms = clock_parse_iso(iso);
	if (ms < 0)
		fail_msg("bad test instant %s", iso);
	return ms;
}

static inline void expect_info(const struct tz *z, int64_t ms, int32_t off, bool dst, const char *abbr)
{
	struct tz_info i;
	tz_lookup(z, ms, &i);
	if (i.utc_offset != off || i.is_dst != dst || strcmp(i.abbr, abbr) != 0)
		fail_msg("%s at %lld ms: got %d %d %s, want %d %d %s", tz_name(z), (long long)ms,
			 i.utc_offset, i.is_dst, i.abbr, off, dst, abbr);
}

/* One transition: the second before it and the second it happens. */
static inline void expect_change(const struct tz *z, const char *iso, int32_t off0, bool dst0,
			  const char *abbr0, int32_t off1, bool dst1, const char *abbr1)
{
	int64_t ms = at(iso);
	expect_info(z, ms - 1000, off0, dst0, abbr0);
	expect_info(z, ms - 1, off0, dst0, abbr0);
	expect_info(z, ms, off1, dst1, abbr1);
}

/* The whole second at or before ms. */
static inline int64_t floor_second(int64_t ms)
{
	return ms - ((ms % 1000) + 1000) % 1000;
}

#endif
