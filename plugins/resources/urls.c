/* urls: see urls.h. Nothing here trusts the text: every index is checked
 * against len, UTF-8 is decoded strictly, and what comes out is ASCII. */
#include "urls.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_util.h"

/* Appends s[0,n), percent-encoding every byte outside printable ASCII. */
static void str_add_encoded(struct str *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c > 0x20 && c < 0x7f) {
			str_addn(b, (const char *)&c, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			str_addn(b, e, 3);
		}
	}
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = xrealloc(NULL, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool prefix_ci(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (lower(s[i]) != prefix[i])
			return false;
	return true;
}

/* Decodes one strict UTF-8 sequence at s[0,n) (no overlongs, surrogates
 * or values past U+10FFFF). Returns its length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t k;
	uint32_t v, min;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		k = 2, v = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		k = 3, v = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		k = 4, v = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return k;
}

/* Non-ASCII characters that end a link: spaces, punctuation and symbols
 * people type right after one ("see https://x.org/a…", "（https://x.org）",
 * an emoji). Letters of any script stay part of it. */
static bool unicode_stops(uint32_t cp)
{
	return cp <= 0xbf ||                                            /* C1, NBSP, «», ... */
	       (cp >= 0x2000 && cp <= 0x2bff) ||                        /* punctuation, symbols */
	       (cp >= 0x3000 && cp <= 0x303f) ||                        /* CJK punctuation */
	       (cp >= 0xfe30 && cp <= 0xfe4f) ||                        /* CJK compatibility */
	       (cp >= 0xff00 && cp <= 0xff0f) || (cp >= 0xff1a && cp <= 0xff20) ||
	       (cp >= 0xff3b && cp <= 0xff40) || (cp >= 0xff5b && cp <= 0xff65) || /* fullwidth */
	       cp == 0xfeff || (cp >= 0xfff0 && cp <= 0xffff) ||        /* BOM, specials */
	       (cp >= 0x1f000 && cp <= 0x1faff) || cp >= 0xe0000;       /* emoji, tags */
}

/* The end of the link candidate starting at text[start]: the first byte
 * that cannot be part of it. */
static size_t scan(const char *text, size_t len, size_t start)
{
	size_t j = start;
	while (j < len) {
		unsigned char c = (unsigned char)text[j];
		if (c < 0x80) {
			if (c <= 0x20 || c == 0x7f || strchr("<>\"'`\\{}|^", c))
				break;
			j++;
			continue;
		}
		uint32_t cp;
		size_t k = utf8_decode((const unsigned char *)text + j, len - j, &cp);
		if (!k || unicode_stops(cp))
			break;
		j += k;
	}
	return j;
}

/* Drops trailing sentence punctuation and closing brackets that were not
 * opened inside the link: "(see https://x.org/a_(b))." keeps "a_(b)". */
static size_t trim(const char *s, size_t end, size_t start)
{
	size_t paren = 0, close_paren = 0, bracket = 0, close_bracket = 0;
	for (size_t i = start; i < end; i++) {
		paren += s[i] == '(';
		close_paren += s[i] == ')';
		bracket += s[i] == '[';
		close_bracket += s[i] == ']';
	}
	while (end > start) {
		char c = s[end - 1];
		if (strchr(".,;:!?", c)) {
			end--;
		} else if (c == ')' && close_paren > paren) {
			end--;
			close_paren--;
		} else if (c == ']' && close_bracket > bracket) {
			end--;
			close_bracket--;
		} else {
			break;
		}
	}
	return end;
}

static bool host_char(char c)
{
	return is_alnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* Query parameters that only say where a click came from. */
static bool tracking_param(const char *s, size_t n)
{
	static const char *const names[] = {"fbclid", "gclid", "dclid", "msclkid", "mc_cid",
					    "mc_eid", "igshid", "yclid", "_hsenc", "_hsmi"};
	size_t name = 0;
	while (name < n && s[name] != '=')
		name++;
	if (prefix_ci(s, name, "utm_"))
		return true;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == name && prefix_ci(s, name, names[i]))
			return true;
	return false;
}

void resources_url_clear(struct resources_url *u)
{
	free(u->url);
	free(u->host);
	free(u->path);
	free(u->domain);
	free(u->display);
	memset(u, 0, sizeof *u);
}

/* Normalizes the candidate s[0,n) (which starts with "http://" or
 * "https://", any case) into *out; false if it is not a usable link. */
static bool normalize(const char *s, size_t n, struct resources_url *out)
{
	bool https = lower(s[4]) == 's';
	size_t i = https ? 8 : 7;
	if (n > RESOURCES_URL_MAX || memmem(s, n, "[redacted]", 10))
		return false; /* too long to be a real link, or partly blanked */

	/* authority: [host] or host, then an optional :port; no user@ (a
	 * "https://pubmed.ncbi.nlm.nih.gov@evil.example/" trick) */
	size_t a = i;
	while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
		i++;
	size_t a_end = i;
	if (memchr(s + a, '@', a_end - a))
		return false;
	size_t h = a, h_end;
	size_t p = a_end; /* the port's start, if any */
	if (h < a_end && s[h] == '[') {
		const char *close = memchr(s + h, ']', a_end - h);
		if (!close)
			return false;
		h_end = (size_t)(close - s) + 1;
		for (size_t k = h + 1; k + 1 < h_end; k++)
			if (!is_alnum((unsigned char)s[k]) && s[k] != ':' && s[k] != '.')
				return false;
		if (h_end - h < 4)
			return false;
		if (h_end < a_end && s[h_end] != ':')
			return false;
		p = h_end;
	} else {
		const char *colon = memchr(s + h, ':', a_end - h);
		h_end = colon ? (size_t)(colon - s) : a_end;
		p = h_end;
		if (h_end > h && s[h_end - 1] == '.')
			h_end--; /* "example.org." is example.org */
		if (h_end == h || h_end - h > 253 || s[h] == '.' || s[h] == '-')
			return false;
		bool any_alnum = false;
		if (s[h_end - 1] == '.' || s[h_end - 1] == '-')
			return false;
		for (size_t k = h; k < h_end; k++) {
			if (!host_char(s[k]) || (s[k] == '.' && k + 1 < h_end && s[k + 1] == '.'))
				return false;
			any_alnum |= is_alnum((unsigned char)s[k]);
		}
		if (!any_alnum)
			return false;
	}
	unsigned long port = 0;
	if (p < a_end) { /* s[p] == ':' */
		size_t digits = a_end - p - 1;
		if (digits > 5)
			return false;
		for (size_t k = p + 1; k < a_end; k++) {
			if (s[k] < '0' || s[k] > '9')
				return false;
			port = port * 10 + (unsigned long)(s[k] - '0');
		}
		if (digits && (port == 0 || port > 65535))
			return false;
	}

	/* path, query (fragment dropped) */
	size_t path = a_end, q = path;
	while (q < n && s[q] != '?' && s[q] != '#')
		q++;
	size_t q_end = q;
	if (q < n && s[q] == '?')
		for (q_end = q + 1; q_end < n && s[q_end] != '#'; q_end++)
			;

	struct str host = {0}, pth = {0}, url = {0};
	for (size_t k = h; k < h_end; k++)
		str_addn(&host, &(char){lower(s[k])}, 1);
	if (path < q)
		str_add_encoded(&pth, s + path, q - path);
	else
		str_add(&pth, "/");

	str_add(&url, https ? "https://" : "http://");
	str_add(&url, host.p);
	if (port && port != (https ? 443u : 80u)) {
		char num[24];
		snprintf(num, sizeof num, ":%lu", port);
		str_add(&url, num);
	}
	str_add(&url, pth.p);
	if (q < q_end) { /* keep the parameters that are not tracking ones */
		bool first = true;
		for (size_t k = q + 1; k < q_end;) {
			size_t e = k;
			while (e < q_end && s[e] != '&')
				e++;
			if (e > k && !tracking_param(s + k, e - k)) {
				str_add(&url, first ? "?" : "&");
				str_add_encoded(&url, s + k, e - k);
				first = false;
			}
			k = e + 1;
		}
	}
	if (url.len > RESOURCES_URL_MAX) {
		free(host.p);
		free(pth.p);
		free(url.p);
		return false;
	}

	/* display: the url without its scheme or a trailing "/", shortened */
	const char *rest = url.p + (https ? 8 : 7);
	size_t rest_len = url.len - (https ? 8 : 7);
	if (rest_len && rest[rest_len - 1] == '/')
		rest_len--;
	struct str display = {0};
	if (rest_len > RESOURCES_DISPLAY_MAX) {
		str_addn(&display, rest, RESOURCES_DISPLAY_MAX - 3);
		str_add(&display, "...");
	} else {
		str_addn(&display, rest, rest_len);
	}

	out->url = url.p;
	out->host = host.p;
	out->path = pth.p;
	out->domain = strncmp(host.p, "www.", 4) == 0 && host.p[4] ? xstrndup(host.p + 4, host.len - 4)
								: xstrndup(host.p, host.len);
	out->display = display.p;
	return true;
}

bool resources_url_next(const char *text, size_t len, size_t *pos, struct resources_url *out)
{
	memset(out, 0, sizeof *out);
	size_t i = *pos;
	for (; i + 7 <= len; i++) {
		if (lower(text[i]) != 'h')
			continue;
		size_t scheme = prefix_ci(text + i, len - i, "https://") ? 8
				: prefix_ci(text + i, len - i, "http://") ? 7
									    : 0;
		if (!scheme || (i > 0 && is_alnum((unsigned char)text[i - 1])))
			continue;
		size_t end = trim(text, scan(text, len, i + scheme), i + scheme);
		size_t next = end > i + scheme ? end : i + scheme;
		if (end > i + scheme && normalize(text + i, end - i, out)) {
			*pos = next;
			return true;
		}
		i = next - 1; /* the loop steps past it */
	}
	*pos = len;
	return false;
}

bool resources_url_matches(const char *host, const char *path, const char *pattern)
{
	const char *slash = strchr(pattern, '/');
	size_t ph = slash ? (size_t)(slash - pattern) : strlen(pattern);
	size_t hl = strlen(host);
	if (!ph || hl < ph || memcmp(host + hl - ph, pattern, ph) != 0 ||
	    (hl > ph && host[hl - ph - 1] != '.'))
		return false;
	if (!slash || !slash[1])
		return true;
	size_t pl = strlen(slash);
	while (pl > 1 && slash[pl - 1] == '/')
		pl--; /* "/pmc/" is "/pmc" */
	return strncmp(path, slash, pl) == 0 && (path[pl] == '\0' || strchr("/?", path[pl]));
}
