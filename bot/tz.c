/* Time zones from TZif files (RFC 8536): names, loading, parsing, lookups,
 * local time to UTC, formatting. The footer's TZ string and the calendar
 * are in tz_posix.c. */
#include "tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "tz_impl.h"

enum {
	TZIF_HEADER = 44,
	TZIF_FILE_MAX = 1 << 20, /* real files are a few KiB */
	SECS_PER_DAY = 86400,
};

struct tz {
	char *name;
	size_t n_trans;
	int64_t *trans;      /* UTC seconds, strictly ascending */
	uint8_t *trans_type; /* index into types, one per transition */
	size_t n_types;      /* 1..256; types[0] is in effect before trans[0] */
	struct tz_type *types;
	bool has_footer; /* footer rules from the last transition on */
	struct tz_posix footer;
	char *footer_str;
};

void tz_quote(struct buf *b, const char *s, size_t len)
{
	size_t n = len > 64 ? 64 : len;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			buf_addc(b, (char)ch);
		else
			buf_printf(b, "\\x%02x", ch);
	}
	if (len > n)
		buf_adds(b, "...");
}

static bool is_alnum(int ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* Names become a path under the zone directory, so anything that could
 * leave it, or mean something to the shell or the terminal, is refused
 * with a reason a person can act on. */
int tz_name_check(const char *name, struct buf *err)
{
	size_t len = name ? strnlen(name, TZ_NAME_MAX + 1) : 0;
	char why[96] = "";
	if (!len)
		snprintf(why, sizeof why, "the name is empty");
	else if (len > TZ_NAME_MAX)
		snprintf(why, sizeof why, "longer than %d characters", TZ_NAME_MAX);
	else if (name[0] == '/')
		snprintf(why, sizeof why, "absolute paths are not allowed");
	else if (strstr(name, ".."))
		snprintf(why, sizeof why, "\"..\" is not allowed");
	for (size_t i = 0; i < len && !why[0]; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch == '/' && (name[i + 1] == '/' || name[i + 1] == '\0'))
			snprintf(why, sizeof why, "empty path component");
		else if (!is_alnum(ch) && ch != '/' && ch != '_' && ch != '+' && ch != '-')
			snprintf(why, sizeof why,
				 "character %zu (0x%02x) is not allowed (only A-Z a-z 0-9 / _ + -)",
				 i + 1, ch);
	}
	if (!why[0])
		return 0;
	if (err) {
		buf_adds(err, "time zone name \"");
		tz_quote(err, name ? name : "", len);
		buf_printf(err, "\": %s", why);
	}
	return -1;
}

void tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->name);
	free(z->trans);
	free(z->trans_type);
	free(z->types);
	free(z->footer_str);
	free(z);
}

/* A zone with one type and no transitions. */
static struct tz *zone_new(const char *name, const struct tz_type *type)
{
	struct tz *z = mem_calloc(1, sizeof *z);
	z->name = mem_strdup(name ? name : "");
	z->n_types = 1;
	z->types = mem_alloc(sizeof *z->types);
	z->types[0] = *type;
	return z;
}

const char *tz_name(const struct tz *z)
{
	return z->name;
}

const char *tz_posix_rule(const struct tz *z)
{
	return z->footer_str;
}

/* --- TZif ---------------------------------------------------------------- */

struct tzif_header {
	uint32_t isut, isstd, leap, time, type, chars;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Two's complement without implementation-defined conversions. */
static int32_t s32(uint32_t u)
{
	return u <= INT32_MAX ? (int32_t)u : -(int32_t)(UINT32_MAX - u) - 1;
}

static int64_t s64(const uint8_t *p)
{
	uint64_t u = (uint64_t)be32(p) << 32 | be32(p + 4);
	return u <= INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

/* Reads the header at d[at]; returns why it is unusable, or NULL. */
static const char *read_header(const uint8_t *d, size_t len, size_t at, struct tzif_header *h)
{
	if (len - at < TZIF_HEADER)
		return "truncated header";
	if (memcmp(d + at, "TZif", 4) != 0)
		return "not TZif data (bad magic)";
	/* Version 4 only changed how leap seconds may be listed. */
	uint8_t v = d[at + 4];
	if (v != 0 && (v < '2' || v > '4'))
		return "unsupported TZif version";
	const uint8_t *c = d + at + 20;
	*h = (struct tzif_header){be32(c), be32(c + 4), be32(c + 8), be32(c + 12), be32(c + 16),
				  be32(c + 20)};
	return NULL;
}

/* Bytes of the data block after a header, with times of tsize bytes. The
 * counts are 32-bit, so this cannot overflow 64 bits; comparing it with
 * the bytes actually there is what keeps a lying header from making us
 * allocate or read more than the input. */
static uint64_t block_size(const struct tzif_header *h, unsigned tsize)
{
	return (uint64_t)h->time * (tsize + 1) + (uint64_t)h->type * 6 + h->chars +
	       (uint64_t)h->leap * (tsize + 4) + h->isstd + h->isut;
}

static bool abbr_char(int ch)
{
	return is_alnum(ch) || ch == '+' || ch == '-';
}

/* Reads a data block of the size block_size() checked into z. Returns
 * why it is unusable, or NULL. */
static const char *read_block(struct tz *z, const uint8_t *p, const struct tzif_header *h,
			      unsigned tsize)
{
	if (h->type == 0 || h->type > 256)
		return "the count of local time types is not 1..256";
	if (h->chars == 0)
		return "no abbreviations";
	if ((h->isut && h->isut != h->type) || (h->isstd && h->isstd != h->type))
		return "bad count of UT/standard indicators";
	/* Times in "right/" zones count leap seconds; we would be ~27 s off. */
	if (h->leap)
		return "leap seconds are not supported (use a zone outside \"right/\")";
	size_t n = h->time;
	z->n_trans = n;
	z->trans = mem_alloc(n * sizeof *z->trans);
	z->trans_type = mem_alloc(n);
	for (size_t i = 0; i < n; i++) {
		z->trans[i] = tsize == 8 ? s64(p + 8 * i) : s32(be32(p + 4 * i));
		if (i && z->trans[i] <= z->trans[i - 1])
			return "transition times are not in ascending order";
	}
	p += n * tsize;
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= h->type)
			return "a transition names a local time type that does not exist";
		z->trans_type[i] = p[i];
	}
	p += n;
	const char *chars = (const char *)p + 6 * (size_t)h->type;
	z->n_types = h->type;
	z->types = mem_calloc(h->type, sizeof *z->types);
	for (size_t i = 0; i < h->type; i++, p += 6) {
		struct tz_type *t = &z->types[i];
		t->off = s32(be32(p));
		if (t->off < -TZ_OFF_LIMIT || t->off > TZ_OFF_LIMIT)
			return "a UT offset is beyond 26 hours";
		if (p[4] > 1)
			return "a DST flag is neither 0 nor 1";
		t->dst = p[4];
		if (p[5] >= h->chars)
			return "an abbreviation index is out of range";
		const char *a = chars + p[5];
		size_t room = h->chars - p[5], len = strnlen(a, room);
		if (len == room)
			return "an abbreviation is not NUL-terminated";
		if (len >= TZ_ABBR_SIZE)
			return "an abbreviation is too long";
		for (size_t k = 0; k < len; k++)
			if (!abbr_char((unsigned char)a[k]))
				return "an abbreviation has characters other than A-Z a-z 0-9 + -";
		memcpy(t->abbr, a, len);
	}
	return NULL;
}

/* The parser behind tz_parse and tz_load; path is NULL for tz_parse. */
static int parse(const char *name, const char *path, const uint8_t *d, size_t len,
		 struct tz **out, struct buf *err)
{
	struct tz *z = mem_calloc(1, sizeof *z);
	z->name = mem_strdup(name ? name : "");
	struct buf detail = BUF_INIT;
	struct tzif_header h;
	const char *why;
	if ((why = read_header(d, len, 0, &h)))
		goto fail;
	bool v1 = d[4] == 0;
	size_t at = TZIF_HEADER;
	uint64_t size = block_size(&h, 4);
	why = "truncated data";
	if (size > len - at)
		goto fail;
	/* Version 2+ repeats everything with 64-bit times after the 32-bit
	 * block, which is for old readers: skipped unread (zic -b slim leaves
	 * it nearly empty). */
	if (!v1) {
		at += (size_t)size;
		if ((why = read_header(d, len, at, &h)))
			goto fail;
		at += TZIF_HEADER;
		size = block_size(&h, 8);
		why = "truncated data";
		if (size > len - at)
			goto fail;
	}
	if ((why = read_block(z, d + at, &h, v1 ? 4 : 8)))
		goto fail;
	at += (size_t)size;
	if (!v1) {
		const uint8_t *nl = at < len ? memchr(d + at + 1, '\n', len - at - 1) : NULL;
		why = "missing or unterminated footer";
		if (!nl || d[at] != '\n')
			goto fail;
		const char *f = (const char *)d + at + 1;
		size_t flen = (size_t)((const char *)nl - f);
		if (flen) {
			why = NULL; /* tz_posix_parse says why in detail */
			buf_adds(&detail, "bad footer: ");
			if (tz_posix_parse(f, flen, &z->footer, &detail) != 0)
				goto fail;
			z->has_footer = true;
			z->footer_str = mem_strndup(f, flen);
		}
	}
	buf_free(&detail);
	*out = z;
	return 0;
fail:
	buf_adds(err, "time zone \"");
	tz_quote(err, z->name, strlen(z->name));
	buf_addc(err, '"');
	if (path)
		buf_printf(err, " (%s)", path);
	buf_printf(err, ": %s", why ? why : buf_str(&detail));
	buf_free(&detail);
	tz_free(z);
	*out = NULL;
	return -1;
}

int tz_parse(const char *name, const void *data, size_t len, struct tz **out, struct buf *err)
{
	return parse(name, NULL, data, len, out, err);
}

int tz_from_posix(const char *name, const char *spec, struct tz **out, struct buf *err)
{
	struct tz_posix p;
	*out = NULL;
	if (tz_posix_parse(spec, strlen(spec), &p, err) != 0)
		return -1;
	struct tz *z = zone_new(name, &p.std);
	z->has_footer = true;
	z->footer = p;
	z->footer_str = mem_strdup(spec);
	*out = z;
	return 0;
}

int tz_load(const char *name, struct tz **out, struct buf *err)
{
	return tz_load_dir(NULL, name, out, err);
}

int tz_load_dir(const char *dir, const char *name, struct tz **out, struct buf *err)
{
	static const struct tz_type utc = {0, false, "UTC"};
	struct buf path = BUF_INIT;
	uint8_t *data = NULL;
	size_t len = 0;
	struct stat st;
	int fd = -1, rc = -1;
	*out = NULL;
	if (tz_name_check(name, err) != 0)
		return -1;
	/* UTC must work on a system without tzdata (containers). */
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
		*out = zone_new(name, &utc);
		return 0;
	}
	buf_printf(&path, "%s/%s", dir ? dir : TZ_DEFAULT_DIR, name);
	/* O_NONBLOCK so a FIFO planted in the directory cannot hang us. */
	fd = open(path.p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			buf_printf(err, "unknown time zone \"%s\" (no file %s)", name, path.p);
		else
			buf_printf(err, "time zone \"%s\": cannot open %s: %s", name, path.p,
				   strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		buf_printf(err, "unknown time zone \"%s\" (%s is not a zone file)", name, path.p);
		goto fail;
	}
	if (st.st_size > TZIF_FILE_MAX) {
		buf_printf(err, "time zone \"%s\": %s is too large for a zone file", name, path.p);
		goto fail;
	}
	data = mem_alloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, data + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "time zone \"%s\": cannot read %s: %s", name, path.p,
				   strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = parse(name, path.p, data, len, out, err);
fail:
	if (fd >= 0)
		close(fd);
	free(data);
	buf_free(&path);
	return rc;
}

/* --- Lookups ------------------------------------------------------------- */

/* The period holding instant t (seconds): before the first transition
 * type 0, between transitions the type of the earlier one, from the last
 * on the footer's rule (or, with no footer, still the last type). */
static void period_at(const struct tz *z, int64_t t, struct tz_period *p)
{
	size_t n = z->n_trans;
	if (n == 0 || t >= z->trans[n - 1]) {
		if (z->has_footer) {
			tz_posix_period(&z->footer, t, p);
			if (n && p->start < z->trans[n - 1])
				p->start = z->trans[n - 1];
		} else if (n == 0) {
			*p = (struct tz_period){INT64_MIN, INT64_MAX, &z->types[0]};
		} else {
			*p = (struct tz_period){z->trans[n - 1], INT64_MAX,
						&z->types[z->trans_type[n - 1]]};
		}
		return;
	}
	if (t < z->trans[0]) {
		*p = (struct tz_period){INT64_MIN, z->trans[0], &z->types[0]};
		return;
	}
	size_t lo = 0, hi = n - 1; /* trans[lo] <= t < trans[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	*p = (struct tz_period){z->trans[lo], z->trans[hi], &z->types[z->trans_type[lo]]};
}

static void fill_info(const struct tz_type *t, struct tz_info *out)
{
	out->utc_offset = t->off;
	out->is_dst = t->dst;
	memcpy(out->abbr, t->abbr, sizeof out->abbr);
}

void tz_lookup(const struct tz *z, int64_t utc_ms, struct tz_info *out)
{
	struct tz_period p;
	period_at(z, tz_floor_div(utc_ms, 1000), &p);
	fill_info(p.type, out);
}

void tz_civil_from_utc(const struct tz *z, int64_t utc_ms, struct tz_civil *out,
		       struct tz_info *info)
{
	struct tz_period p;
	int64_t t = tz_floor_div(utc_ms, 1000);
	period_at(z, t, &p);
	int64_t local = t + p.type->off;
	int64_t days = tz_floor_div(local, SECS_PER_DAY), sod = local - days * SECS_PER_DAY;
	tz_civil_from_days(days, out);
	out->hour = (int)(sod / 3600);
	out->minute = (int)(sod / 60 % 60);
	out->second = (int)(sod % 60);
	if (info)
		fill_info(p.type, info);
}

static bool civil_valid(const struct tz_civil *c)
{
	return c->year >= TZ_YEAR_MIN && c->year <= TZ_YEAR_MAX && c->month >= 1 &&
	       c->month <= 12 && c->day >= 1 && c->day <= tz_days_in_month(c->year, c->month) &&
	       c->hour >= 0 && c->hour <= 23 && c->minute >= 0 && c->minute <= 59 &&
	       c->second >= 0 && c->second <= 59;
}

/* Walks the periods that can matter (offsets are bounded, so an instant
 * naming local time L lies within TZ_OFF_LIMIT of L) and collects the
 * instants t with t + offset(t) == L. None means L fell into the jump of
 * a transition that moved the clock forward: a gap [T + before,
 * T + after) of local times. The walk touches each transition in the
 * 52-hour window once. */
int tz_local_to_utc(const struct tz *z, const struct tz_civil *lt, enum tz_resolve policy,
		    int64_t *utc_ms, enum tz_local_kind *kind)
{
	enum tz_local_kind k = TZ_LOCAL_UNIQUE;
	if (kind)
		*kind = k;
	if (!civil_valid(lt))
		return -1;
	int64_t local = tz_days_from_civil(lt->year, lt->month, lt->day) * SECS_PER_DAY +
			lt->hour * 3600 + lt->minute * 60 + lt->second;
	int64_t hi = local + TZ_OFF_LIMIT, t = local - TZ_OFF_LIMIT;
	int64_t first = 0, last = 0, gap_before = 0, gap_after = 0;
	int32_t prev_off = 0;
	size_t found = 0;
	bool walked = false, gap = false;
	for (;;) {
		struct tz_period p;
		period_at(z, t, &p);
		int32_t off = p.type->off;
		int64_t cand = local - off;
		if ((walked ? t : p.start) <= cand && cand < p.end) {
			if (!found++)
				first = cand;
			last = cand;
		}
		if (walked && !gap && off > prev_off && t + prev_off <= local && local < t + off) {
			gap = true;
			gap_before = prev_off;
			gap_after = off;
		}
		if (p.end > hi)
			break;
		prev_off = off;
		walked = true;
		t = p.end;
	}
	if (found > 1) {
		k = TZ_LOCAL_REPEATED;
		t = policy == TZ_RESOLVE_LATER ? last : first;
	} else if (found == 1) {
		t = first;
	} else if (gap) {
		k = TZ_LOCAL_SKIPPED;
		t = policy == TZ_RESOLVE_EARLIER ? local - gap_after : local - gap_before;
	} else {
		return -1; /* unreachable with bounded offsets; no guess either way */
	}
	if (kind)
		*kind = k;
	if (k != TZ_LOCAL_UNIQUE && policy == TZ_RESOLVE_REJECT)
		return -1;
	*utc_ms = t * 1000;
	return 0;
}

/* --- Formatting ---------------------------------------------------------- */

void tz_format_offset(int32_t seconds, struct buf *out)
{
	if (seconds == 0) {
		buf_adds(out, "UTC");
		return;
	}
	int64_t a = seconds < 0 ? -(int64_t)seconds : seconds;
	buf_adds(out, seconds < 0 ? "UTC\xe2\x88\x92" : "UTC+"); /* U+2212 MINUS SIGN */
	buf_printf(out, "%02lld:%02lld", (long long)(a / 3600), (long long)(a / 60 % 60));
	if (a % 60)
		buf_printf(out, ":%02lld", (long long)(a % 60));
}

void tz_format_local(const struct tz *z, int64_t utc_ms, unsigned flags, struct buf *out)
{
	struct tz_civil c;
	struct tz_info i;
	tz_civil_from_utc(z, utc_ms, &c, &i);
	buf_printf(out, "%04d-%02d-%02d %02d:%02d", c.year, c.month, c.day, c.hour, c.minute);
	if (flags & TZ_FORMAT_SECONDS)
		buf_printf(out, ":%02d", c.second);
	if (i.abbr[0])
		buf_printf(out, " %s", i.abbr);
	if (flags & TZ_FORMAT_OFFSET) {
		buf_adds(out, " (");
		tz_format_offset(i.utc_offset, out);
		buf_addc(out, ')');
	}
}
