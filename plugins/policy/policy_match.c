/* policy_match: word folding, whole-word search, links and domains. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_match.h"
#include "plugin_util.h"

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* ---- folding ---------------------------------------------------------------- */

/* Decodes the well-formed UTF-8 sequence at s[0, n): its length (code
 * point in *cp), or 0 if ill-formed (overlong, surrogate, past U+10FFFF,
 * cut short). */
static size_t decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

/* U+00C0..U+00FF, one letter each ('\0': not a letter; '*': two letters,
 * see fold_pair) */
static const char latin1[64] = "aaaaaa*ceeeeiiii" "dnooooo\0ouuuuy**"
			       "aaaaaa*ceeeeiiii" "dnooooo\0ouuuuyty";
/* U+0100..U+017F */
static const char latin_ext_a[129] =
	"aaaaaacccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh" "iiiiiiiiii" "**" "jj" "kkk"
	"llllllllll" "nnnnnnnnn" "oooooo" "**" "rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww"
	"yyy" "zzzzzz" "s";

_Static_assert(sizeof latin_ext_a == 129, "one letter per code point of Latin Extended-A");

/* The letters of the code points that fold to two. */
static const char *fold_pair(uint32_t cp)
{
	switch (cp) {
	case 0xC6: case 0xE6: return "ae";
	case 0xDE: case 0xFE: return "th";
	case 0xDF: return "ss";
	case 0x132: case 0x133: return "ij";
	case 0x152: case 0x153: return "oe";
	default: return NULL;
	}
}

/* Marks that attach to a letter, and characters that join or hide: they
 * vanish, so "e\u0301" is "e" and "a\u200Bss" is "ass". */
static bool vanishes(uint32_t cp)
{
	return (cp >= 0x300 && cp <= 0x36F) || cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) ||
	       cp == 0x2060 || cp == 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0x34F;
}

/* Punctuation, symbols, spaces and emoji outside ASCII: word separators. */
static bool separates(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
	       (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
	       (cp >= 0xFE10 && cp <= 0xFE6F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
	       (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0xE0000 && cp <= 0xE007F);
}

struct out {
	char *p;
	size_t len;
};

static void put_space(struct out *o)
{
	if (o->len == 0 || o->p[o->len - 1] != ' ')
		o->p[o->len++] = ' ';
}

char *policy_fold(const char *text, size_t len, size_t *out_len)
{
	const unsigned char *t = (const unsigned char *)text;
	/* each input byte gives at most 2 output bytes (ß: 2 → 2, Æ: 2 → 2) */
	struct out o = {xrealloc(NULL, 2 * len + 3), 0};
	put_space(&o);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = decode(t + i, len - i, &cp);
		if (n == 0) {
			put_space(&o);
			i++;
			continue;
		}
		const char *pair;
		if (cp < 0x80) {
			if (is_alnum((unsigned char)cp))
				o.p[o.len++] = (char)lower((unsigned char)cp);
			else
				put_space(&o);
		} else if (vanishes(cp)) {
			/* nothing */
		} else if ((pair = fold_pair(cp))) {
			o.p[o.len++] = pair[0];
			o.p[o.len++] = pair[1];
		} else if (cp >= 0xC0 && cp <= 0xFF) {
			char c = latin1[cp - 0xC0];
			if (c)
				o.p[o.len++] = c;
			else
				put_space(&o);
		} else if (cp >= 0x100 && cp <= 0x17F) {
			o.p[o.len++] = latin_ext_a[cp - 0x100];
		} else if (separates(cp)) {
			put_space(&o);
		} else {
			memcpy(o.p + o.len, t + i, n);
			o.len += n;
		}
		i += n;
	}
	put_space(&o);
	o.p[o.len] = '\0';
	if (out_len)
		*out_len = o.len;
	return o.p;
}

bool policy_contains(const char *folded, const char *folded_phrase)
{
	if (!folded || !folded_phrase || strlen(folded_phrase) < 3)
		return false; /* " " alone: no word */
	return strstr(folded, folded_phrase) != NULL;
}

/* ---- links ------------------------------------------------------------------- */

static bool host_byte(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '.' || c >= 0x80;
}

/* Reads the host at t[i, len) the way a browser would see it: ASCII
 * lowercased; the dots IDNA maps to '.' (。．｡) read as dots; invisible
 * characters skipped (so "evil.com" with a zero-width space is still
 * evil.com); letters of other scripts kept. Stops at anything else.
 * Returns the end; out gets the host without a final dot (its last
 * POLICY_HOST_MAX - 1 bytes if longer: the end is what domains match). */
static size_t read_host(const unsigned char *t, size_t len, size_t i, char *out)
{
	char *buf = xrealloc(NULL, 4 * (len - i) + 1);
	size_t n = 0, j = i;
	while (j < len) {
		uint32_t cp;
		size_t k = decode(t + j, len - j, &cp);
		if (k == 0)
			break;
		if (cp < 0x80) {
			if (!host_byte((unsigned char)cp))
				break;
			buf[n++] = (char)lower((unsigned char)cp);
		} else if (cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61) {
			buf[n++] = '.';
		} else if (vanishes(cp)) {
			/* skipped */
		} else if (separates(cp)) {
			break;
		} else {
			memcpy(buf + n, t + j, k);
			n += k;
		}
		j += k;
	}
	while (n > 0 && buf[n - 1] == '.')
		n--;
	size_t a = n >= POLICY_HOST_MAX ? n - (POLICY_HOST_MAX - 1) : 0;
	while (a < n && (buf[a] & 0xC0) == 0x80)
		a++; /* not from the middle of a character */
	memcpy(out, buf + a, n - a);
	out[n - a] = '\0';
	free(buf);
	return j;
}

static bool prefix_ci(const unsigned char *t, size_t n, const char *p)
{
	size_t k = strlen(p);
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (lower(t[i]) != (unsigned char)p[i])
			return false;
	return true;
}

/* Top-level domains that make a bare "word.tld" a link even without a
 * path; none is a common English word, so "A1.It depends" is not a link. */
static const char *const bare_tlds[] = {
	"com", "org", "net", "edu", "gov", "mil", "int", "info", "biz", "io", "co", "ly", "gl", "gd",
	"cc", "us", "uk", "ca", "au", "nz", "ie", "de", "fr", "nl", "eu", "es", "ch", "se", "dk",
	"fi", "jp", "health", "care", "news", "blog", "app", "ai", "tv", "ws", "xyz", "online",
	"site", "link", "ms", "gg", NULL};

static bool tld_listed(const unsigned char *t, size_t n)
{
	for (int k = 0; bare_tlds[k]; k++)
		if (strlen(bare_tlds[k]) == n && prefix_ci(t, n, bare_tlds[k]))
			return true;
	return false;
}

/* A host of 2+ labels at t[i, len) whose last label is 2+ letters; its
 * end, and where that last label starts in *last. 0 if none. */
static size_t bare_host(const unsigned char *t, size_t len, size_t i, size_t *last)
{
	size_t j = i, labels = 0;
	for (;;) {
		size_t a = j;
		while (j < len && (is_alnum(t[j]) || t[j] == '-'))
			j++;
		if (j == a)
			return 0;
		labels++;
		*last = a;
		if (j + 1 < len && t[j] == '.' && is_alnum(t[j + 1]))
			j++;
		else
			break;
	}
	if (labels < 2 || j - *last < 2)
		return 0;
	for (size_t k = *last; k < j; k++)
		if (is_alnum(t[k]) && t[k] <= '9')
			return 0;
	return j;
}

static bool link_byte(unsigned char c)
{
	return c > ' ' && c != '<' && c != '>' && c != '"' && c != 0x7f;
}

bool policy_next_link(const char *text, size_t len, size_t *pos, struct policy_link *out)
{
	const unsigned char *t = (const unsigned char *)text;
	for (size_t i = *pos; i < len; i++) {
		unsigned char p = i ? t[i - 1] : ' ';
		if (is_alnum(p) || p >= 0x80 || p == '.' || p == '@' || p == '-' || p == '_' ||
		    !is_alnum(t[i]))
			continue;
		size_t host_b = 0, end = 0;
		if (prefix_ci(t + i, len - i, "http://") || prefix_ci(t + i, len - i, "https://")) {
			size_t a = i + (lower(t[i + 4]) == 's' ? 8 : 7), b = a;
			while (b < len && link_byte(t[b]) && t[b] != '/' && t[b] != '?' && t[b] != '#' &&
			       t[b] != '\\')
				b++;
			/* user:password@host:port */
			for (size_t k = a; k < b; k++)
				if (t[k] == '@')
					a = k + 1;
			host_b = read_host(t, b, a, out->host);
			end = b;
		} else if (prefix_ci(t + i, len - i, "www.")) {
			host_b = read_host(t, len, i, out->host);
			end = host_b;
		} else {
			size_t last;
			size_t h = bare_host(t, len, i, &last);
			if (!h)
				continue;
			bool path = h < len && t[h] == '/';
			if (h < len && (t[h] == '@' || is_alnum(t[h]) || t[h] >= 0x80))
				continue; /* an e-mail address, or glued to a word */
			if (!path && !tld_listed(t + last, h - last))
				continue;
			host_b = read_host(t, h, i, out->host);
			end = h;
		}
		while (end < len && link_byte(t[end]))
			end++;
		/* punctuation closing the sentence is not part of the link */
		while (end > host_b && t[end - 1] && strchr(".,;:!?)]}'*", t[end - 1]))
			end--;
		*pos = end > i ? end : i + 1;
		if (out->host[0]) {
			out->start = i;
			out->end = end;
			return true;
		}
	}
	*pos = len;
	return false;
}

bool policy_domain_normalize(const char *in, char *out, size_t cap)
{
	const unsigned char *t = (const unsigned char *)in;
	size_t n = strlen(in);
	size_t a = 0;
	while (a < n && (t[a] == ' ' || t[a] == '\t'))
		a++;
	if (prefix_ci(t + a, n - a, "http://"))
		a += 7;
	else if (prefix_ci(t + a, n - a, "https://"))
		a += 8;
	if (a + 1 < n && t[a] == '*' && t[a + 1] == '.')
		a += 2;
	while (a < n && t[a] == '.')
		a++;
	size_t b = a;
	while (b < n && host_byte(t[b]))
		b++;
	while (b > a && t[b - 1] == '.')
		b--;
	if (b == a || b - a >= cap)
		return false;
	for (size_t k = a; k < b; k++)
		out[k - a] = (char)lower(t[k]);
	out[b - a] = '\0';
	return true;
}

bool policy_domain_match(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);
	if (!d || h < d || strcmp(host + h - d, domain) != 0)
		return false;
	return h == d || host[h - d - 1] == '.';
}
