#include "redact.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void redact_spans_add_json(struct redact_spans *s, const char *spans_json, size_t len)
{
	if (!spans_json)
		return;
	json_t *root = json_loads(spans_json, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(root)) {
		json_decref(root);
		return;
	}
	size_t i;
	json_t *span;
	json_array_foreach(root, i, span) {
		json_t *a = json_array_get(span, 0), *b = json_array_get(span, 1);
		if (json_array_size(span) != 2 || !json_is_integer(a) || !json_is_integer(b))
			continue;
		json_int_t start = json_integer_value(a), end = json_integer_value(b);
		if (start < 0 || end <= start || (size_t)end > len)
			continue;
		s->v = mem_grow(s->v, &s->cap, s->n + 1, sizeof *s->v);
		s->v[s->n][0] = (size_t)start;
		s->v[s->n][1] = (size_t)end;
		s->n++;
	}
	json_decref(root);
}

static int span_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static bool continuation(const char *text, size_t i, size_t len)
{
	return i < len && ((unsigned char)text[i] & 0xc0) == 0x80;
}

size_t redact_apply(const char *text, size_t len, struct redact_spans *s, const char *mark,
		    struct buf *out)
{
	if (!s->n) {
		buf_add(out, text, len);
		return 0;
	}
	qsort(s->v, s->n, sizeof *s->v, span_cmp);
	size_t at = 0, replaced = 0;
	for (size_t i = 0; i < s->n;) {
		size_t start = s->v[i][0], end = s->v[i][1];
		/* merge every span that overlaps or touches this one */
		for (i++; i < s->n && s->v[i][0] <= end; i++)
			if (s->v[i][1] > end)
				end = s->v[i][1];
		/* whole characters only: never leave half a UTF-8 sequence */
		while (start > 0 && continuation(text, start, len))
			start--;
		while (continuation(text, end, len))
			end++;
		if (start < at)
			start = at;
		if (end <= start)
			continue;
		buf_add(out, text + at, start - at);
		buf_adds(out, mark);
		at = end;
		replaced++;
	}
	buf_add(out, text + at, len - at);
	return replaced;
}

void redact_spans_free(struct redact_spans *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
