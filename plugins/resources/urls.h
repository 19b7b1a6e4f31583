/* urls: finding http(s) links in what people wrote, and normalizing them
 * so that the same page shared twice is one link. The text is untrusted:
 * any bytes in, and out only plain ASCII http(s) urls that the bot's
 * transcript accepts (no spaces, quotes, angle brackets or backslashes,
 * non-ASCII percent-encoded, at most RESOURCES_URL_MAX bytes).
 *
 * Internal to the resources plugin (hidden in resources.so); linked by the
 * plugin's test and its fuzz target. */
#ifndef ROUNDS_RESOURCES_URLS_H
#define ROUNDS_RESOURCES_URLS_H

#include <stdbool.h>
#include <stddef.h>

#define RESOURCES_URL_MAX 2048
#define RESOURCES_DISPLAY_MAX 100 /* bytes of a link's display text, "..." included */

/* A link, normalized: lowercase scheme and host, no default port, no
 * fragment, no tracking parameters (utm_*, fbclid, gclid, ...), "/" for
 * an empty path. All strings are owned: free with resources_url_clear. */
struct resources_url {
	char *url;     /* "https://pubmed.ncbi.nlm.nih.gov/12345678/" */
	char *host;    /* "pubmed.ncbi.nlm.nih.gov" */
	char *path;    /* "/12345678/" (without the query) */
	char *domain;  /* host without a leading "www.": what links are grouped by */
	char *display; /* "pubmed.ncbi.nlm.nih.gov/12345678": url without scheme or
			* a trailing "/", shortened to RESOURCES_DISPLAY_MAX */
};

/* Finds the next link in text[*pos, len) and normalizes it into *out (which
 * the caller clears after use). Moves *pos past what it looked at. Returns
 * false when there is no further link. Runs in time linear in len. */
bool resources_url_next(const char *text, size_t len, size_t *pos, struct resources_url *out);

void resources_url_clear(struct resources_url *u);

/* Does host/path fall under pattern "host[/path-prefix]"? The host matches
 * itself or any subdomain ("nih.gov" matches "www.ncbi.nlm.nih.gov", not
 * "notnih.gov"); the path prefix matches whole segments ("/pmc" matches
 * "/pmc/articles/1", not "/pmcx"). pattern is lowercase. */
bool resources_url_matches(const char *host, const char *path, const char *pattern);

#endif
