/* Fuzzes the policy plugin's matchers (plugins/policy/policy_match.c,
 * policy_advice.c) with arbitrary bytes. The input is a phrase, a newline,
 * then the text. Properties:
 * - folding gives valid UTF-8 that starts and ends with one space, has no
 *   two spaces in a row and no ASCII capital, and is at most twice as
 *   long as the input (plus the two spaces);
 * - folding is stable: folding a folded text changes nothing;
 * - a phrase is found in a text exactly when its folded form is a
 *   substring of the folded text, and always in itself;
 * - links come in order, inside the text, never overlapping, each with a
 *   host that is valid UTF-8, short enough, without ASCII capitals, and
 *   that matches itself as a domain; the scan always moves forward;
 * - normalizing the text as a configured domain, and the advice guard,
 *   survive anything. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_match.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_folded(const char *f, size_t n, size_t in_len)
{
	if (n != strlen(f) || n < 1 || n > 2 * in_len + 2 || f[0] != ' ' || f[n - 1] != ' ')
		abort();
	if (!utf8_valid(f, n))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((f[i] >= 'A' && f[i] <= 'Z') || (i && f[i] == ' ' && f[i - 1] == ' '))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t plen = nl ? (size_t)(nl - in) : 0;
	const char *text = nl ? nl + 1 : in;
	size_t len = size - (size_t)(text - in);

	size_t n, pn, n2;
	char *f = policy_fold(text, len, &n);
	check_folded(f, n, len);
	char *again = policy_fold(f, n, &n2);
	if (n2 != n || strcmp(again, f) != 0)
		abort();
	free(again);

	char *p = policy_fold(in, plen, &pn);
	check_folded(p, pn, plen);
	bool found = policy_contains(f, p);
	if (found != (pn >= 3 && strstr(f, p) != NULL))
		abort();
	if (pn >= 3 && !policy_contains(p, p))
		abort();
	free(p);
	free(f);

	struct policy_link l;
	size_t pos = 0, prev_end = 0;
	while (policy_next_link(text, len, &pos, &l)) {
		if (l.start < prev_end || l.start >= l.end || l.end > len || pos < l.end || pos > len)
			abort();
		size_t hl = strlen(l.host);
		if (!hl || hl >= POLICY_HOST_MAX || !utf8_valid(l.host, hl))
			abort();
		for (size_t i = 0; i < hl; i++)
			if (l.host[i] >= 'A' && l.host[i] <= 'Z')
				abort();
		if (!policy_domain_match(l.host, l.host))
			abort();
		prev_end = l.end;
	}

	char *z = malloc(len + 1);
	if (!z)
		abort();
	memcpy(z, text, len);
	z[len] = '\0';
	char d[POLICY_HOST_MAX];
	if (policy_domain_normalize(z, d, sizeof d) && !policy_domain_match(d, d))
		abort();
	free(z);
	(void)policy_is_advice(text, len);
	return 0;
}
