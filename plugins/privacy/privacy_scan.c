/* privacy_scan: the driver, the shared helpers, and the scanners that need
 * no introducing word: URLs (skipped), e-mail addresses, IP addresses,
 * and runs of digits that have the shape of a phone number or an SSN.
 *
 * Spans start and end on ASCII bytes (the one exception, an accented
 * letter opening an e-mail address, is taken whole), so a span can never
 * cut a UTF-8 character, and ill-formed bytes are just "not a letter". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "privacy_scan_impl.h"
#include "plugin_util.h"

#define MAX_GROUPS 24

static const char *const category_names[PRIVACY_N_CATEGORIES] = {
#define PRIVACY_NAME(e, s) s,
	PRIVACY_CATEGORIES(PRIVACY_NAME)
#undef PRIVACY_NAME
};

const char *privacy_category_name(enum privacy_category c)
{
	return (unsigned)c < PRIVACY_N_CATEGORIES ? category_names[c] : "?";
}

int privacy_category_from_name(const char *name)
{
	for (int i = 0; name && i < PRIVACY_N_CATEGORIES; i++)
		if (strcmp(name, category_names[i]) == 0)
			return i;
	return -1;
}

/* ---- shared helpers ---------------------------------------------------- */

bool privacy_free(const struct privacy_scanner *s, size_t a, size_t b)
{
	for (size_t i = a; i < b && i < s->len; i++)
		if (s->taken[i])
			return false;
	return true;
}

void privacy_take(struct privacy_scanner *s, size_t a, size_t b)
{
	if (b > s->len)
		b = s->len;
	if (a < b)
		memset(s->taken + a, 1, b - a);
}

void privacy_add(struct privacy_scanner *s, size_t a, size_t b, enum privacy_category c)
{
	if (b > s->len)
		b = s->len;
	if (a >= b)
		return;
	privacy_take(s, a, b);
	if (!(s->mask & (1u << c)))
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = (struct privacy_span){a, b, c};
}

size_t privacy_skip_spaces(const struct privacy_scanner *s, size_t i)
{
	while (i < s->len && (s->t[i] == ' ' || s->t[i] == '\t'))
		i++;
	return i;
}

size_t privacy_match(const struct privacy_scanner *s, size_t i, const char *pattern)
{
	size_t j = i;
	const char *p = pattern;
	if (!*p)
		return 0;
	for (; *p; p++) {
		if (*p == ' ') {
			size_t k = j;
			while (k < s->len && (s->t[k] == ' ' || s->t[k] == '\t' || s->t[k] == '-'))
				k++;
			if (k == j)
				return 0;
			j = k;
			continue;
		}
		if (j >= s->len || privacy_lower(s->t[j]) != (unsigned char)*p)
			return 0;
		j++;
	}
	if (privacy_is_alnum((unsigned char)p[-1]) && !privacy_word_end(s, j))
		return 0;
	return j;
}

int privacy_match_any(const struct privacy_scanner *s, size_t i, const char *const *list, size_t *end)
{
	for (int k = 0; list[k]; k++) {
		size_t e = privacy_match(s, i, list[k]);
		if (e) {
			*end = e;
			return k;
		}
	}
	return -1;
}

static bool word_in(const struct privacy_scanner *s, size_t a, size_t b, const char *const *list)
{
	for (int k = 0; list[k]; k++) {
		size_t n = strlen(list[k]), j;
		if (n != b - a)
			continue;
		for (j = 0; j < n && privacy_lower(s->t[a + j]) == (unsigned char)list[k][j]; j++)
			;
		if (j == n)
			return true;
	}
	return false;
}

bool privacy_words_before(const struct privacy_scanner *s, size_t i, int n, const char *const *list)
{
	size_t limit = i > 48 ? i - 48 : 0;
	for (int w = 0; w < n && i > limit; w++) {
		while (i > limit && !privacy_is_alnum(s->t[i - 1]) && s->t[i - 1] < 0x80)
			i--;
		size_t e = i;
		while (i > limit && privacy_is_alnum(s->t[i - 1]))
			i--;
		if (i == e)
			return false;
		if (word_in(s, i, e, list))
			return true;
	}
	return false;
}

size_t privacy_digits_at(const struct privacy_scanner *s, size_t i, size_t max, unsigned *value)
{
	size_t n = 0;
	unsigned v = 0;
	while (n <= max && privacy_is_digit(privacy_at(s, i + n))) {
		v = v * 10 + (unsigned)(s->t[i + n] - '0');
		n++;
	}
	if (n > max)
		return 0;
	*value = v;
	return n;
}

/* ---- URLs ---------------------------------------------------------------- */

static bool url_byte(unsigned char c)
{
	return c > ' ' && c != '<' && c != '>' && c != '"' && c != 0x7f;
}

/* Labels of a host name at i ("pubmed.ncbi.nlm.nih.gov"): its end if it has
 * at least two and the last is 2+ letters, else 0. */
static size_t host_at(const struct privacy_scanner *s, size_t i)
{
	size_t j = i, labels = 0, last = 0;
	for (;;) {
		size_t a = j;
		while (privacy_is_alnum(privacy_at(s, j)) || privacy_at(s, j) == '-')
			j++;
		if (j == a)
			return 0;
		labels++;
		last = a;
		if (privacy_at(s, j) != '.' || !privacy_is_alnum(privacy_at(s, j + 1)))
			break;
		j++;
	}
	if (labels < 2 || j - last < 2)
		return 0;
	for (size_t k = last; k < j; k++)
		if (!privacy_is_alpha(s->t[k]))
			return 0;
	return j;
}

/* Takes every URL: a scheme or "www." up to the next space; a bare
 * host followed by a path ("bit.ly/x", "pubmed.ncbi.nlm.nih.gov/123/");
 * a DOI. Digits in them are never identifiers. */
static void scan_urls(struct privacy_scanner *s)
{
	static const char *const starts[] = {"http://", "https://", "ftp://", "www.", "doi:", NULL};
	for (size_t i = 0; i < s->len; i++) {
		if (!privacy_word_start(s, i) || (i && (s->t[i - 1] == '@' || s->t[i - 1] == '.')))
			continue;
		size_t e = 0, end;
		if (privacy_match_any(s, i, starts, &end) >= 0) {
			e = end;
		} else if (privacy_is_alnum(s->t[i])) {
			size_t h = host_at(s, i);
			unsigned v;
			size_t n = privacy_digits_at(s, i, 2, &v);
			if (h && privacy_at(s, h) == '/')
				e = h;
			else if (n == 2 && v == 10 && privacy_at(s, i + 2) == '.') {
				/* a DOI: 10.1056/NEJMoa2034577 */
				size_t k = i + 3;
				while (privacy_is_digit(privacy_at(s, k)))
					k++;
				if (k - (i + 3) >= 4 && privacy_at(s, k) == '/')
					e = k;
			}
		}
		if (!e)
			continue;
		while (e < s->len && url_byte(s->t[e]))
			e++;
		privacy_take(s, i, e);
		i = e;
	}
}

/* ---- e-mail -------------------------------------------------------------- */

static bool local_byte(unsigned char c)
{
	return privacy_is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* A domain at i: labels separated by '.' (or " dot ", "[dot]" when
 * obfuscated), the last 2+ letters. Its end, or 0. */
static size_t domain_at(const struct privacy_scanner *s, size_t i, bool obfuscated)
{
	static const char *const dots[] = {" dot ", "[dot]", "(dot)", " [dot] ", " (dot) ", NULL};
	size_t j = i, labels = 0, last = 0;
	for (;;) {
		size_t a = j;
		while (privacy_is_alnum(privacy_at(s, j)) || privacy_at(s, j) == '-')
			j++;
		if (j == a || !privacy_free(s, a, j))
			return 0;
		labels++;
		last = a;
		size_t e;
		if (privacy_at(s, j) == '.' && privacy_is_alnum(privacy_at(s, j + 1)))
			j++;
		else if (obfuscated && privacy_match_any(s, j, dots, &e) >= 0 &&
			 privacy_is_alnum(privacy_at(s, e)))
			j = e;
		else
			break;
	}
	while (j > last && s->t[j - 1] == '-')
		j--;
	if (labels < 2 || j - last < 2 || j - last > 24)
		return 0;
	for (size_t k = last; k < j; k++)
		if (!privacy_is_alpha(s->t[k]))
			return 0;
	return j;
}

static void scan_emails(struct privacy_scanner *s)
{
	static const char *const ats[] = {"[at]", "(at)", "{at}", " [at] ", " (at) ", " at ", NULL};
	for (size_t i = 0; i < s->len; i++) {
		size_t after = 0;
		bool obfuscated = false;
		if (s->t[i] == '@') {
			after = i + 1;
		} else if (i && local_byte(s->t[i - 1]) && (s->t[i] == '[' || s->t[i] == '(' ||
							    s->t[i] == '{' || s->t[i] == ' ')) {
			int k = privacy_match_any(s, i, ats, &after);
			if (k < 0)
				continue;
			obfuscated = true;
		} else {
			continue;
		}
		size_t a = i;
		for (;;) {
			if (a > 0 && local_byte(s->t[a - 1]) && !s->taken[a - 1])
				a--;
			else if (a > 1 && s->t[a - 1] >= 0x80 && s->t[a - 1] <= 0xBF &&
				 s->t[a - 2] >= 0xC3 && s->t[a - 2] <= 0xC5 && !s->taken[a - 2])
				a -= 2; /* müller@: a Latin letter, whole */
			else
				break;
		}
		while (a < i && (s->t[a] == '.' || s->t[a] == '-'))
			a++;
		if (a == i || (a > 0 && s->t[a - 1] >= 0x80 && s->t[a - 1] <= 0xBF))
			continue;
		size_t e = domain_at(s, after, obfuscated);
		if (!e)
			continue;
		/* "look at this dot com": only an obfuscated address with a
		 * plain "at" if it also spells the dot out */
		if (obfuscated && s->t[i] == ' ' && privacy_match(s, i, " at ") == after) {
			bool spelled = false;
			for (size_t k = after; k + 4 <= e && !spelled; k++)
				spelled = privacy_match(s, k, " dot ") != 0;
			if (!spelled)
				continue;
		}
		if (!privacy_free(s, a, e))
			continue;
		privacy_add(s, a, e, PRIVACY_EMAIL);
		i = e - 1;
	}
}

/* ---- IP addresses -------------------------------------------------------- */

/* Words after which a dotted number is a version or a section, not an IP. */
static const char *const not_ip_words[] = {
	"version", "ver", "v", "release", "build", "section", "sec", "chapter", "ch",
	"figure", "fig", "table", "step", "rule", "clause", "icd", "update", "ios",
	"android", "firmware", NULL};

static size_t ipv4_at(const struct privacy_scanner *s, size_t i)
{
	size_t j = i;
	for (int part = 0; part < 4; part++) {
		unsigned v;
		size_t n = privacy_digits_at(s, j, 3, &v);
		if (!n || v > 255 || (n > 1 && s->t[j] == '0'))
			return 0;
		j += n;
		if (part < 3) {
			if (privacy_at(s, j) != '.')
				return 0;
			j++;
		}
	}
	unsigned char c = privacy_at(s, j);
	if (privacy_is_alnum(c) || ((c == '.' || c == ':') && privacy_is_digit(privacy_at(s, j + 1))))
		return 0;
	return j;
}

static int hex_value(unsigned char c)
{
	if (privacy_is_digit(c))
		return c - '0';
	c = privacy_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* An IPv6 address at i (full, compressed with "::", or with an IPv4 tail);
 * its end, or 0. Demands 3+ groups and 6+ hex digits so that "A1::" or
 * "10:30:45" never qualify. */
static size_t ipv6_at(const struct privacy_scanner *s, size_t i)
{
	size_t j = i, groups = 0, hexdigits = 0;
	bool compressed = false;
	if (privacy_at(s, j) == ':') {
		if (privacy_at(s, j + 1) != ':')
			return 0;
		compressed = true;
		j += 2;
	}
	for (;;) {
		size_t v4 = privacy_is_digit(privacy_at(s, j)) ? ipv4_at(s, j) : 0;
		if (v4 && (groups || compressed)) {
			groups += 2;
			hexdigits += 4;
			j = v4;
			break;
		}
		size_t n = 0;
		while (n < 5 && hex_value(privacy_at(s, j + n)) >= 0)
			n++;
		if (n == 0 || n > 4)
			break;
		groups++;
		hexdigits += n;
		j += n;
		if (privacy_at(s, j) != ':')
			break;
		if (privacy_at(s, j + 1) == ':') {
			if (compressed)
				return 0;
			compressed = true;
			j += 2;
		} else if (hex_value(privacy_at(s, j + 1)) >= 0) {
			j++;
		} else {
			break;
		}
	}
	unsigned char c = privacy_at(s, j);
	if (privacy_is_alnum(c) || c == ':' || (c == '.' && privacy_is_digit(privacy_at(s, j + 1))))
		return 0;
	if (compressed ? groups > 7 : groups != 8)
		return 0;
	if (groups < 3 || hexdigits < 6)
		return 0;
	return j;
}

static void scan_ips(struct privacy_scanner *s)
{
	for (size_t i = 0; i < s->len; i++) {
		unsigned char c = s->t[i];
		if (s->taken[i] || (hex_value(c) < 0 && c != ':'))
			continue;
		unsigned char p = i ? s->t[i - 1] : ' ';
		if (privacy_is_alnum(p) || p == '.' || p == ':' || p == '_' || p >= 0x80)
			continue;
		size_t e = privacy_is_digit(c) ? ipv4_at(s, i) : 0;
		if (e && privacy_words_before(s, i, 1, not_ip_words))
			e = 0;
		if (!e)
			e = ipv6_at(s, i);
		if (e && privacy_free(s, i, e)) {
			privacy_add(s, i, e, PRIVACY_IP);
			i = e - 1;
		}
	}
}

/* ---- phone numbers and SSNs ---------------------------------------------- */

/* A run of digit groups joined by separators, e.g. "+1 (555) 123-4567". */
struct run {
	bool plus;
	size_t n;
	size_t start[MAX_GROUPS], end[MAX_GROUPS]; /* digits of each group */
	size_t lead[MAX_GROUPS];                   /* where a span starting at it starts ('+', '(') */
	char sep[MAX_GROUPS];                      /* before the group: ' ', '-', '.', ')', 0 first */
};

/* Words before a number that say it is a phone (or fax) number. */
static const char *const phone_words[] = {
	"call", "calling", "phone", "ph", "tel", "telephone", "cell", "cellphone", "mobile",
	"mob", "fax", "text", "txt", "whatsapp", "sms", "landline", "pager", "contact", "number",
	"reach", "ring", "dial", NULL};

/* Words before a number that say it is a code, never a phone or an SSN. */
static const char *const code_words[] = {
	"ndc", "lot", "batch", "ref", "isbn", "issn", "doi", "pmid", "pmcid", "nct", "cpt",
	"icd", "loinc", "snomed", "rxnorm", "version", "ver", "v", "build", "serial", "model",
	"grant", "award", "protocol", "irb", "trial", "catalog", "cat", "sku", "upc", "order",
	"ticket", "ext", "extension", "room", "rm", "bed", "page", "pages", "pp", NULL};

/* A separator between two groups at i: its kind, its end in *next, or 0. */
static char separator_at(const struct privacy_scanner *s, size_t i, size_t *next)
{
	char kind = 0;
	int spaces = 0, dashes = 0;
	size_t j = i;
	for (int units = 0; units < 4; units++) {
		unsigned char c = privacy_at(s, j);
		if (c == ' ') {
			spaces++;
			j++;
			if (!kind)
				kind = ' ';
		} else if (c == 0xC2 && privacy_at(s, j + 1) == 0xA0) {
			spaces++; /* no-break space */
			j += 2;
			if (!kind)
				kind = ' ';
		} else if (c == 0xE2 && privacy_at(s, j + 1) == 0x80 && privacy_at(s, j + 2) == 0xAF) {
			spaces++; /* narrow no-break space */
			j += 3;
			if (!kind)
				kind = ' ';
		} else if (c == '-' || c == '.') {
			if (++dashes > 1)
				return 0;
			kind = (char)c;
			j++;
		} else {
			break;
		}
	}
	if (spaces > 2 || j == i)
		return 0;
	*next = j;
	return kind;
}

/* Reads the run starting at i into *r; returns its end. */
static size_t read_run(const struct privacy_scanner *s, size_t i, struct run *r)
{
	size_t j = i, lead = i;
	char sep = 0;
	r->n = 0;
	r->plus = s->t[j] == '+';
	if (r->plus)
		j++;
	while (r->n < MAX_GROUPS) {
		bool open = privacy_at(s, j) == '(' && privacy_is_digit(privacy_at(s, j + 1));
		if (open)
			j++;
		size_t a = j;
		while (j < s->len && privacy_is_digit(s->t[j]) && !s->taken[j])
			j++;
		if (j == a)
			break;
		r->start[r->n] = a;
		r->end[r->n] = j;
		r->lead[r->n] = lead;
		r->sep[r->n] = sep;
		r->n++;
		size_t k = j, next;
		sep = 0;
		if (open && privacy_at(s, k) == ')') {
			k++;
			sep = ')';
		}
		char kind = separator_at(s, k, &next);
		if (kind) {
			sep = sep ? sep : kind;
			k = next;
		}
		if (!sep)
			break;
		lead = k;
		unsigned char c = privacy_at(s, k);
		if (c == '(')
			c = privacy_at(s, k + 1);
		if (!privacy_is_digit(c))
			break;
		j = k;
	}
	return r->n ? r->end[r->n - 1] : i + 1;
}

static size_t group_len(const struct run *r, size_t g)
{
	return r->end[g] - r->start[g];
}

static bool toll_free(const struct privacy_scanner *s, const struct run *r, size_t g0)
{
	size_t g = group_len(r, g0) == 1 ? g0 + 1 : g0; /* after a leading 1 */
	const unsigned char *d = s->t + r->start[g];
	return d[0] == '8' && d[1] == d[2] && (d[1] == '0' || (d[1] >= '3' && d[1] <= '8'));
}

static bool shape_is(const struct run *r, size_t g0, size_t g1, const size_t *lens, size_t n)
{
	if (g1 - g0 != n)
		return false;
	for (size_t k = 0; k < n; k++)
		if (group_len(r, g0 + k) != lens[k])
			return false;
	return true;
}

/* What groups [g0, g1) of the run are: PRIVACY_PHONE, PRIVACY_SSN, or -1. */
static int classify(const struct privacy_scanner *s, const struct run *r, size_t g0, size_t g1,
		    bool context)
{
	static const size_t ssn[] = {3, 2, 4}, nanp[] = {3, 3, 4}, nanp1[] = {1, 3, 3, 4};
	size_t digits = 0;
	bool all_two = true;
	for (size_t g = g0; g < g1; g++) {
		digits += group_len(r, g);
		all_two &= group_len(r, g) >= 2;
	}
	bool plus = r->plus && g0 == 0;
	const unsigned char *first = s->t + r->start[g0];
	if (!plus && shape_is(r, g0, g1, ssn, 3) && r->sep[g0 + 1] == r->sep[g0 + 2] &&
	    r->sep[g0 + 1] != ')') {
		/* the SSA never issues area 000, 666 or 9xx, group 00, serial 0000 */
		const unsigned char *g = s->t + r->start[g0 + 1], *sn = s->t + r->start[g0 + 2];
		bool area_ok = memcmp(first, "000", 3) && memcmp(first, "666", 3) && first[0] != '9';
		if (area_ok && memcmp(g, "00", 2) && memcmp(sn, "0000", 4))
			return PRIVACY_SSN;
		return -1;
	}
	if (plus)
		return digits >= 8 && digits <= 15 && (g1 - g0 > 1 || digits >= 10) ? PRIVACY_PHONE : -1;
	if (shape_is(r, g0, g1, nanp, 3) || (shape_is(r, g0, g1, nanp1, 4) && first[0] == '1'))
		return toll_free(s, r, g0) ? -1 : PRIVACY_PHONE;
	if (first[0] == '0' && digits >= 9 && digits <= 14 && g1 - g0 >= 2 && all_two &&
	    group_len(r, g0) <= 5)
		return PRIVACY_PHONE;
	/* "call 555 0143"; one block of digits only with the length of a whole
	 * national number ("text 4155550123"): "number is 11234567" may be
	 * anything */
	if (context && digits >= 7 && digits <= 15 && g1 - g0 > 1 && all_two)
		return PRIVACY_PHONE;
	if (context && g1 - g0 == 1 && (digits == 10 || digits == 11))
		return PRIVACY_PHONE;
	return -1;
}

/* Can a number start at i / end at e (not glued to a word, a decimal, a
 * fraction, an amount, a handle or a hashtag)? */
static bool number_starts(const struct privacy_scanner *s, size_t i)
{
	if (i == 0)
		return true;
	unsigned char p = s->t[i - 1];
	if (privacy_is_alnum(p) || p == '/' || p == '@' || p == '#' || p == '$' || p == '_' ||
	    p == '+' || p == '*' || p == '^' || p == '=' || p == '<' || p == '>')
		return false;
	if ((p == '.' || p == ',' || p == ':' || p == '-') && i >= 2 && privacy_is_digit(s->t[i - 2]))
		return false;
	if (i >= 3 && s->t[i - 3] == 0xE2 && s->t[i - 2] == 0x82) /* € and other currency signs */
		return false;
	if (i >= 2 && s->t[i - 2] == 0xC2 && (p == 0xA3 || p == 0xA5)) /* £ ¥ */
		return false;
	return true;
}

static bool number_ends(const struct privacy_scanner *s, size_t e)
{
	unsigned char c = privacy_at(s, e);
	if (privacy_is_alnum(c) || c == '%' || c == '/' || c == '@' || c == '_' || c == '\'')
		return false;
	if ((c == '.' || c == ',' || c == ':' || c == '-') && privacy_is_digit(privacy_at(s, e + 1)))
		return false;
	if (c == 0xC2 && privacy_at(s, e + 1) == 0xB0) /* ° */
		return false;
	return true;
}

static void scan_numbers(struct privacy_scanner *s)
{
	struct run r;
	for (size_t i = 0; i < s->len; i++) {
		unsigned char c = s->t[i];
		bool starts = privacy_is_digit(c) ||
			      ((c == '+' || c == '(') && privacy_is_digit(privacy_at(s, i + 1)));
		if (!starts || s->taken[i] || !number_starts(s, i))
			continue;
		size_t end = read_run(s, i, &r);
		bool context = privacy_words_before(s, i, 4, phone_words);
		bool code = privacy_words_before(s, i, 1, code_words);
		/* The longest piece that has a shape, from the left; pieces of a
		 * run split only where a space separates them. */
		size_t g0 = 0;
		while (!code && g0 < r.n) {
			bool found = false;
			for (size_t g1 = r.n; g1 > g0 && !found && (g0 == 0 || r.sep[g0] == ' '); g1--) {
				if (g1 < r.n && r.sep[g1] != ' ')
					continue;
				int cat = classify(s, &r, g0, g1, context);
				size_t a = g0 == 0 ? i : r.lead[g0], b = r.end[g1 - 1];
				if (cat < 0 || (g0 == 0 && !number_starts(s, a)) || !number_ends(s, b))
					continue;
				privacy_add(s, a, b, (enum privacy_category)cat);
				g0 = g1;
				found = true;
			}
			if (!found)
				g0++;
		}
		i = end > i ? end - 1 : i;
	}
}

/* ---- the driver ---------------------------------------------------------- */

static int span_cmp(const void *a, const void *b)
{
	const struct privacy_span *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

size_t privacy_scan(const char *text, size_t len, unsigned mask, struct privacy_span **spans)
{
	*spans = NULL;
	if (!text || !len || !(mask & PRIVACY_ALL))
		return 0;
	unsigned char small[1024];
	struct privacy_scanner s = {
		.t = (const unsigned char *)text,
		.len = len,
		.mask = mask,
		.taken = len <= sizeof small ? small : xrealloc(NULL, len),
	};
	memset(s.taken, 0, len);
	/* Most specific first: each takes its bytes from the ones after. A
	 * category switched off still takes its bytes, so turning "id" off
	 * never turns an MRN into a phone number. */
	scan_urls(&s);
	scan_emails(&s);
	privacy_scan_keyword_ids(&s);
	privacy_scan_dates(&s);
	scan_ips(&s);
	scan_numbers(&s);
	privacy_scan_addresses(&s);
	privacy_scan_names(&s);
	if (s.taken != small)
		free(s.taken);
	if (s.n > 1)
		qsort(s.v, s.n, sizeof *s.v, span_cmp);
	*spans = s.v;
	return s.n;
}
