/* model_gaps.c: the stretches of a chat the bot could not see (gap events
 * in the store), merged where they overlap and placed in their sections. */
#include <string.h>

#include "clock.h"
#include "event.h"
#include "mem.h"
#include "model_impl.h"

/* Gap events in the chat's range: start in ts_ms, end in target. */
static const char sql_gaps[] =
	"SELECT e.ts_ms, e.target FROM events e"
	" WHERE e.id BETWEEN (SELECT first_event_id FROM chats WHERE id = ?1)"
	"  AND (SELECT coalesce(last_event_id, 9223372036854775807) FROM chats WHERE id = ?1)"
	" AND e.chat_id = ?1 AND e.room_id = ?2 AND e.kind = ?3"
	" ORDER BY e.ts_ms, e.id";

/* An end time as the gap event stores it: decimal UTC ms; -1 if not one. */
static int64_t parse_end(const char *s)
{
	if (!s || !*s || strlen(s) > 18)
		return -1;
	int64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int model_load_gaps(struct loader *l)
{
	struct transcript *t = l->t;
	sqlite3_stmt *q = NULL;
	size_t cap = 0;
	int st, rc = -1;
	if (model_prepare(l, sql_gaps, &q))
		goto fail;
	sqlite3_bind_int64(q, 1, t->chat.id);
	sqlite3_bind_int64(q, 2, l->room_id);
	sqlite3_bind_int(q, 3, EVENT_GAP);
	while ((st = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t start = sqlite3_column_int64(q, 0);
		int64_t end = parse_end((const char *)sqlite3_column_text(q, 1));
		if (start <= 0)
			continue;
		if (end < start)
			end = start;
		struct transcript_gap *prev = t->n_gaps ? &t->gaps[t->n_gaps - 1] : NULL;
		if (prev && start <= prev->end_ms) { /* overlapping: one hole */
			if (end > prev->end_ms)
				prev->end_ms = end;
			continue;
		}
		t->gaps = mem_grow(t->gaps, &cap, t->n_gaps + 1, sizeof *t->gaps);
		t->gaps[t->n_gaps++] = (struct transcript_gap){start, end, NULL};
	}
	if (model_step_failed(l, st))
		goto fail;
	rc = 0;
fail:
	sqlite3_finalize(q);
	return rc;
}

/* Each gap's section, and each section's list of gaps. */
void model_place_gaps(struct transcript *t)
{
	size_t n_sections = t->n_rounds + 2;
	for (size_t s = 0; s < n_sections; s++) {
		struct transcript_section *sec = s == 0 ? &t->intro
						 : s == n_sections - 1 ? &t->after : &t->rounds[s - 1];
		size_t *list = NULL, n = 0;
		for (size_t g = 0; g < t->n_gaps; g++) {
			if (!t->gaps[g].section)
				t->gaps[g].section = model_section_for(t, -1, t->gaps[g].start_ms);
			if (t->gaps[g].section != sec)
				continue;
			list = mem_realloc(list, (n + 1) * sizeof *list);
			list[n++] = g;
		}
		sec->gaps = list;
		sec->n_gaps = n;
	}
}

void transcript_gap_text(const struct transcript_gap *g, struct buf *out)
{
	char a[25], b[25];
	clock_format_iso(g->start_ms, a);
	clock_format_iso(g->end_ms, b);
	buf_printf(out, "gap from %s to %s", a, b);
}

void transcript_gaps_before(const struct transcript *t, const struct transcript_section *s,
			    size_t *next, int64_t ts,
			    void (*fn)(const struct transcript_gap *g, void *ud), void *ud)
{
	while (*next < s->n_gaps && t->gaps[s->gaps[*next]].start_ms < ts)
		fn(&t->gaps[s->gaps[(*next)++]], ud);
}
