/* privacy_date: dates, and those introduced as a date of birth, death,
 * admission or discharge ("DOB 03/14/1962", "born on March 14, 1962",
 * "her birthday is July 4th"). A year alone is not an identifier under
 * Safe Harbor, so "born in 1956" is left alone. */
#include "privacy_scan_impl.h"

static const char *const month_names[] = {
	"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december",
	"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sept", "sep", "oct", "nov", "dec", NULL};

/* A month name at i (an abbreviation may end in '.'); its end or 0. */
static size_t month_at(const struct privacy_scanner *s, size_t i)
{
	size_t e;
	int k = privacy_match_any(s, i, month_names, &e);
	if (k < 0)
		return 0;
	if (k >= 12 && privacy_at(s, e) == '.')
		e++;
	return e;
}

/* A day of the month at i ("3", "03", "3rd"); its end or 0. */
static size_t day_at(const struct privacy_scanner *s, size_t i)
{
	unsigned d;
	size_t n = privacy_digits_at(s, i, 2, &d);
	if (!n || d < 1 || d > 31)
		return 0;
	size_t e = i + n;
	static const char *const suffixes[] = {"st", "nd", "rd", "th", NULL};
	size_t se;
	if (privacy_match_any(s, e, suffixes, &se) >= 0)
		e = se;
	return privacy_word_end(s, e) ? e : 0;
}

/* A year at i ("1956", "'56"); its end or 0. */
static size_t year_at(const struct privacy_scanner *s, size_t i)
{
	unsigned y;
	if (privacy_at(s, i) == '\'' || privacy_at(s, i) == 0xE2) {
		/* '56 or ’56 (U+2019) */
		size_t q = privacy_at(s, i) == '\'' ? i + 1 : i + 3;
		if (q == i + 3 && !(privacy_at(s, i + 1) == 0x80 && privacy_at(s, i + 2) == 0x99))
			return 0;
		size_t n = privacy_digits_at(s, q, 2, &y);
		return n == 2 && privacy_word_end(s, q + 2) ? q + 2 : 0;
	}
	size_t n = privacy_digits_at(s, i, 4, &y);
	if (n != 4 || y < 1880 || y > 2099 || !privacy_word_end(s, i + 4))
		return 0;
	return i + 4;
}

static size_t parse_numeric_date(const struct privacy_scanner *s, size_t i, bool partial_ok)
{
	unsigned a, b, c;
	size_t na = privacy_digits_at(s, i, 4, &a);
	if (!na || na == 3)
		return 0;
	unsigned char sep = privacy_at(s, i + na);
	if (sep != '/' && sep != '-' && sep != '.')
		return 0;
	size_t j = i + na + 1;
	size_t nb = privacy_digits_at(s, j, 2, &b);
	if (!nb)
		return 0;
	j += nb;
	bool full = privacy_at(s, j) == sep && privacy_is_digit(privacy_at(s, j + 1));
	if (na == 4) {
		if (!full || a < 1880 || a > 2099 || b < 1 || b > 12)
			return 0;
		size_t nc = privacy_digits_at(s, j + 1, 2, &c);
		if (!nc || c < 1 || c > 31)
			return 0;
		j += 1 + nc;
	} else if (full) {
		size_t nc = privacy_digits_at(s, j + 1, 4, &c);
		if (nc != 2 && nc != 4)
			return 0;
		j += 1 + nc;
	} else if (!partial_ok || sep == '.') {
		return 0; /* "3.5" is a number, not the 5th of March */
	}
	if (a < 1 && na < 4)
		return 0;
	if (na < 4 && (a > 31 || b < 1 || b > 31 || (a > 12 && b > 12)))
		return 0;
	/* part of a longer run of numbers: not a date */
	unsigned char n = privacy_at(s, j);
	if (privacy_is_alnum(n) || ((n == '/' || n == '-' || n == '.') && privacy_is_digit(privacy_at(s, j + 1))))
		return 0;
	return j;
}

size_t privacy_parse_date(const struct privacy_scanner *s, size_t i, bool partial_ok)
{
	if (privacy_is_digit(privacy_at(s, i))) {
		size_t e = parse_numeric_date(s, i, partial_ok);
		if (e)
			return e;
		/* 3 March 1956, 3rd of March, 1956 */
		size_t d = day_at(s, i);
		if (!d)
			return 0;
		if (privacy_at(s, d) == '-') {
			/* 14-Mar-1962 */
			size_t m = month_at(s, d + 1);
			if (!m || privacy_at(s, m) != '-')
				return 0;
			return year_at(s, m + 1);
		}
		size_t j = privacy_skip_spaces(s, d);
		size_t of = privacy_match(s, j, "of");
		if (of)
			j = privacy_skip_spaces(s, of);
		size_t m = month_at(s, j);
		if (!m || (j == d && !of))
			return 0;
		j = privacy_skip_spaces(s, m);
		if (privacy_at(s, j) == ',')
			j = privacy_skip_spaces(s, j + 1);
		size_t y = year_at(s, j);
		if (y)
			return y;
		return partial_ok ? m : 0;
	}
	size_t m = month_at(s, i);
	if (!m)
		return 0;
	size_t j = privacy_skip_spaces(s, m);
	if (j == m && privacy_at(s, m) != ',')
		return 0;
	size_t y = year_at(s, j);
	if (y)
		return partial_ok ? y : 0; /* March 1956 */
	size_t d = day_at(s, j);
	if (!d)
		return 0;
	size_t k = privacy_skip_spaces(s, d);
	if (privacy_at(s, k) == ',')
		k = privacy_skip_spaces(s, k + 1);
	y = year_at(s, k);
	if (y)
		return y;
	return partial_ok ? d : 0;
}

/* ---- dates introduced as a birth, death, admission or discharge date ------ */

/* Followed by a date with or without its year. */
static const char *const birth_words[] = {
	"dob", "d.o.b.", "d.o.b", "date of birth", "birth date", "birthdate", "birthday", "bday",
	"b-day", "born on", "born", "date of death", "dod", "died on", "died", "passed away on",
	"passed away", "deceased on", NULL};
/* Followed by a full date only. */
static const char *const event_words[] = {
	"b.",
	"admitted on", "admitted", "readmitted on", "readmitted", "admission date",
	"date of admission", "discharged on", "discharged", "discharge date", "date of discharge",
	"date of service", "dos", "seen on", "surgery on", "date of surgery", NULL};
/* After a date: "3/4/1956 (DOB)". */
static const char *const birth_after[] = {"dob", "d.o.b.", "d.o.b", "date of birth", "birthday", "bday", NULL};

static size_t skip_date_filler(const struct privacy_scanner *s, size_t i)
{
	static const char *const words[] = {"is", "was", "on", "of", "the", "in", "=", NULL};
	for (int step = 0; step < 4; step++) {
		i = privacy_skip_spaces(s, i);
		unsigned char c = privacy_at(s, i);
		size_t e;
		if (c == ':' || c == '-' || c == '(' || c == '=' || c == '#')
			i++;
		else if (privacy_match_any(s, i, words, &e) >= 0)
			i = e;
		else
			break;
	}
	return i;
}

void privacy_scan_dates(struct privacy_scanner *s)
{
	for (size_t i = 0; i < s->len; i++) {
		if (!privacy_word_start(s, i) || !privacy_is_alnum(s->t[i]) || s->taken[i])
			continue;
		size_t e, d = 0, v = 0;
		if (privacy_match_any(s, i, birth_words, &e) >= 0) {
			v = skip_date_filler(s, e);
			d = privacy_parse_date(s, v, true);
		} else if (privacy_match_any(s, i, event_words, &e) >= 0) {
			v = skip_date_filler(s, e);
			d = privacy_parse_date(s, v, false);
		} else if ((d = privacy_parse_date(s, i, false))) {
			v = i;
			size_t k = privacy_skip_spaces(s, d);
			if (privacy_at(s, k) == '(' || privacy_at(s, k) == ',' || privacy_at(s, k) == '-')
				k = privacy_skip_spaces(s, k + 1);
			if (privacy_match_any(s, k, birth_after, &e) < 0)
				d = 0;
		}
		if (d && privacy_free(s, v, d)) {
			privacy_add(s, v, d, PRIVACY_DOB);
			i = d - 1;
		}
	}
}
