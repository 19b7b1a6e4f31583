/* Fuzzes the IRC line parser with properties, not just "does not crash":
 * - a line that parses can be rebuilt from its tags, command and params,
 *   and the rebuilt line parses back to the same parts;
 * - cleaned text is valid UTF-8 with no control characters;
 * - split chunks are non-empty, within the limit and valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ircmsg.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t max_chunk;

static void check_chunk(void *ud, const char *s, size_t n)
{
	(void)ud;
	if (n == 0 || (n > max_chunk && n > 4) || !utf8_valid(s, n))
		abort();
}

static void check_roundtrip(const struct ircmsg *m)
{
	struct buf b = BUF_INIT;
	if (ircmsg_build(&b, m->tags, m->n_tags, m->command, m->params, m->n_params) != 0) {
		/* only CR/LF inside a trailing parameter may make a parsed message unbuildable */
		int ok = 0;
		for (size_t i = 0; i < m->n_params; i++)
			ok |= strpbrk(m->params[i], "\r\n") != NULL;
		if (!ok)
			abort();
		buf_free(&b);
		return;
	}
	struct buf copy = BUF_INIT;
	buf_add(&copy, b.p, b.len);
	struct ircmsg *r = malloc(sizeof *r);
	if (ircmsg_parse(copy.p, copy.len, r) != IRCMSG_OK)
		abort();
	if (strcmp(r->command, m->command) || r->n_params != m->n_params || r->n_tags != m->n_tags)
		abort();
	for (size_t i = 0; i < m->n_params; i++)
		if (strcmp(r->params[i], m->params[i]))
			abort();
	for (size_t i = 0; i < m->n_tags; i++) {
		const char *v = ircmsg_tag(r, m->tags[i].key);
		if (!v || strcmp(v, m->tags[i].value))
			abort();
	}
	free(r);
	buf_free(&copy);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	memcpy(line, data, size);
	struct ircmsg *m = malloc(sizeof *m);
	if (ircmsg_parse(line, size, m) == IRCMSG_OK)
		check_roundtrip(m);
	free(m);
	free(line);

	struct buf clean = BUF_INIT;
	ircmsg_clean_text(&clean, (const char *)data, size);
	if (!utf8_valid(clean.p, clean.len))
		abort();
	for (size_t i = 0; i < clean.len; i++)
		if ((unsigned char)clean.p[i] < 0x20 || clean.p[i] == 0x7f)
			abort();
	max_chunk = size ? (data[0] % 64) + 1 : 1;
	ircmsg_split(clean.p, max_chunk, check_chunk, NULL);
	buf_free(&clean);
	return 0;
}
