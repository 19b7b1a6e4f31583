/* Fuzzes the privacy plugin's matcher (plugins/privacy/privacy_scan.c)
 * with arbitrary bytes: chat text is UTF-8 by the time the bot hands it to
 * a plugin, but the matcher promises to cope with anything. Properties:
 * - every span is non-empty, inside the text, sorted, not overlapping,
 *   of a known category, and starts and ends on a character boundary
 *   (bot/utf8.c decides what a character is; an ill-formed byte is one);
 * - scanning for some categories finds exactly the spans of those
 *   categories that a scan for all of them finds (a category switched off
 *   changes nothing else), the mask being taken from the first byte. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "privacy/privacy_scan.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(size_t len, const bool *boundary, const struct privacy_span *sp, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (sp[i].start >= sp[i].end || sp[i].end > len)
			abort();
		if (i && sp[i - 1].end > sp[i].start)
			abort();
		if ((unsigned)sp[i].category >= PRIVACY_N_CATEGORIES)
			abort();
		if (!boundary[sp[i].start] || !boundary[sp[i].end])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	unsigned mask = size ? data[0] & PRIVACY_ALL : PRIVACY_ALL;
	const char *text = (const char *)data;
	bool *boundary = calloc(size + 1, sizeof *boundary);
	if (!boundary)
		abort();
	for (size_t i = 0; i < size;) {
		size_t k = utf8_seq_len(data + i, size - i);
		boundary[i] = true;
		i += k ? k : 1;
	}
	boundary[size] = true;

	struct privacy_span *all, *some;
	size_t n_all = privacy_scan(text, size, PRIVACY_ALL, &all);
	check(size, boundary, all, n_all);
	size_t n_some = privacy_scan(text, size, mask, &some);
	check(size, boundary, some, n_some);
	size_t k = 0;
	for (size_t i = 0; i < n_all; i++) {
		if (!(mask & (1u << all[i].category)))
			continue;
		if (k >= n_some || memcmp(&all[i], &some[k], sizeof all[i]) != 0)
			abort();
		k++;
	}
	if (k != n_some)
		abort();
	free(all);
	free(some);
	free(boundary);
	return 0;
}
