/* libFuzzer target for the time-zone module: any bytes must parse as TZif
 * or be refused with a message, never crash, leak or read out of bounds;
 * short inputs are also tried as a POSIX TZ string. A zone that loads
 * must give offsets within 26 hours, and local_to_utc must invert
 * civil_from_utc: exactly where the local time is unique, onto the same
 * local time where it is repeated, and a time read off the zone's clock is
 * never "skipped". Instants come from fixed points and from the input
 * itself, so the fuzzer can aim them at the transitions it writes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tz.h"

static void check_instant(const struct tz *z, int64_t ms, struct buf *out)
{
	struct tz_info info;
	struct tz_civil c, c2;
	tz_lookup(z, ms, &info);
	if (info.utc_offset < -26 * 3600 || info.utc_offset > 26 * 3600 ||
	    memchr(info.abbr, '\0', sizeof info.abbr) == NULL)
		abort();
	tz_civil_from_utc(z, ms, &c, &info);
	buf_clear(out);
	tz_format_local(z, ms, TZ_FORMAT_SECONDS | TZ_FORMAT_OFFSET, out);
	if (c.year < TZ_YEAR_MIN || c.year > TZ_YEAR_MAX)
		return;
	int64_t second = ms - ((ms % 1000) + 1000) % 1000, back = 0;
	enum tz_local_kind kind, k2;
	int rc = tz_local_to_utc(z, &c, TZ_RESOLVE_REJECT, &back, &kind);
	if (kind == TZ_LOCAL_SKIPPED || rc != (kind == TZ_LOCAL_UNIQUE ? 0 : -1))
		abort();
	for (int p = TZ_RESOLVE_COMPATIBLE; p <= TZ_RESOLVE_LATER; p++) {
		if (tz_local_to_utc(z, &c, (enum tz_resolve)p, &back, &k2) != 0 || k2 != kind)
			abort();
		if (kind == TZ_LOCAL_UNIQUE && back != second)
			abort();
		tz_civil_from_utc(z, back, &c2, NULL);
		if (c2.year != c.year || c2.month != c.month || c2.day != c.day ||
		    c2.hour != c.hour || c2.minute != c.minute || c2.second != c.second)
			abort();
	}
}

/* Fixed instants, then every 8 bytes of the input read as a big-endian
 * number of seconds (as TZif stores transition times), and around each. */
static void exercise(const struct tz *z, const uint8_t *data, size_t size)
{
	static const int64_t fixed[] = {
		0, -1, 1, INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1,
		1795305600000LL,  /* 2026-11-21 */
		2215123200000LL,  /* 2040-03-11 */
		4107542400000LL,  /* 2100-03-01 */
		-2208988800000LL, /* 1900 */
		253402300799000LL, /* 9999-12-31 23:59:59 */
	};
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		check_instant(z, fixed[i], &out);
	size_t n = 0;
	for (size_t at = 0; at + 8 <= size && n < 24; at += 8, n++) {
		uint64_t u = 0;
		for (int k = 0; k < 8; k++)
			u = u << 8 | data[at + k];
		/* Seconds within +-2^43 (about 280000 years) become ms safely. */
		int64_t s = (int64_t)(u & ((UINT64_C(1) << 44) - 1)) - ((int64_t)1 << 43);
		static const int64_t around[] = {0, -1, 1, -1800, 1800, -5400, 5400, -86400};
		for (size_t k = 0; k < sizeof around / sizeof *around; k++)
			check_instant(z, (s + around[k]) * 1000, &out);
	}
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz *z = NULL;
	struct buf err = BUF_INIT;
	if (tz_parse("Fuzz/Zone", data, size, &z, &err) == 0) {
		if (!z || err.len || strcmp(tz_name(z), "Fuzz/Zone") != 0)
			abort();
		exercise(z, data, size);
		tz_free(z);
	} else if (z || !err.len) {
		abort();
	}
	if (size < 128 && !memchr(data, '\0', size)) {
		char spec[128];
		memcpy(spec, data, size);
		spec[size] = '\0';
		buf_clear(&err);
		z = NULL;
		if (tz_from_posix("Fuzz/Rule", spec, &z, &err) == 0) {
			if (!z || err.len || strcmp(tz_posix_rule(z), spec) != 0)
				abort();
			exercise(z, data, size);
			tz_free(z);
		} else if (z || !err.len) {
			abort();
		}
	}
	buf_free(&err);
	return 0;
}
