/* model_people.c: who took part in a chat, as its transcript shows them:
 * one participant per stored person (else per nick), named by their last
 * nick or by a stable pseudonym, first-timers marked, ranked by messages. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "model_impl.h"
#include "pseudonym.h"

/* Did this person speak in an earlier chat of the same room? (the
 * participants table is written when a chat ends) */
static const char sql_seen_before[] =
	"SELECT EXISTS (SELECT 1 FROM participants pa JOIN chats c ON c.id = pa.chat_id"
	"               WHERE pa.person_id = ?1 AND c.room_id = ?2 AND c.started_ms < ?3"
	"               AND c.id != ?4)";

/* Who a line is from, for counting: the stored person when there is one,
 * else the nick (ASCII case folded). */
const char *model_person_key(struct loader *l, bool has_person, int64_t person_id, const char *nick)
{
	buf_clear(&l->key);
	if (has_person) {
		buf_printf(&l->key, "p:%" PRId64, person_id);
	} else {
		buf_adds(&l->key, "n:");
		for (const char *p = nick; *p; p++)
			buf_addc(&l->key, (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p);
	}
	return buf_str(&l->key);
}

/* The pseudonym of participant i (person key `key`), different from every
 * other participant's in this transcript. */
static const char *unique_pseudonym(struct loader *l, const char *key, size_t i)
{
	struct buf name = BUF_INIT;
	pseudonym_make(l->salt, key, &name);
	size_t base = name.len;
	for (int n = 2; strmap_has(&l->pseudonyms, name.p); n++) {
		name.len = base;
		buf_printf(&name, " %d", n);
	}
	strmap_put(&l->pseudonyms, name.p, index_value(i));
	const char *p = model_strn(l, name.p, name.len);
	buf_free(&name);
	return p;
}

/* Is this the person's first chat in the room? An error counts as "not
 * first" (the figure is a summary's, not worth failing the load for). */
static bool seen_before(struct loader *l, int64_t person_id)
{
	if (!l->seen_before && sqlite3_prepare_v2(l->db, sql_seen_before, -1, &l->seen_before, NULL) != SQLITE_OK)
		return true;
	sqlite3_stmt *q = l->seen_before;
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, person_id);
	sqlite3_bind_int64(q, 2, l->room_id);
	sqlite3_bind_int64(q, 3, l->t->chat.started_ms);
	sqlite3_bind_int64(q, 4, l->t->chat.id);
	return sqlite3_step(q) != SQLITE_ROW || sqlite3_column_int(q, 0) != 0;
}

size_t model_participant_for(struct loader *l, bool has_person, int64_t person_id, const char *nick)
{
	struct transcript *t = l->t;
	const char *key = model_person_key(l, has_person, person_id, nick);
	size_t i = map_index(&l->people, key);
	if (i == TRANSCRIPT_NONE) {
		t->participants = mem_grow(t->participants, &l->cap_participants, t->n_participants + 1,
					   sizeof *t->participants);
		i = t->n_participants++;
		t->participants[i] = (struct transcript_participant){0};
		strmap_put(&l->people, key, index_value(i));
		if (l->salt)
			t->participants[i].name = unique_pseudonym(l, key, i);
		t->participants[i].first_time = has_person && !seen_before(l, person_id);
	}
	/* the last nick used is the one people will recognise */
	if (!l->salt)
		t->participants[i].name = nick;
	t->participants[i].messages++;
	return i;
}

struct ranked {
	struct transcript_participant p;
	size_t was;
};

static int ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = (*a >= 'A' && *a <= 'Z') ? *a - 'A' + 'a' : (unsigned char)*a;
		int cb = (*b >= 'A' && *b <= 'Z') ? *b - 'A' + 'a' : (unsigned char)*b;
		if (ca != cb || !ca)
			return ca - cb;
	}
}

static int rank_cmp(const void *va, const void *vb)
{
	const struct ranked *a = va, *b = vb;
	if (a->p.messages != b->p.messages)
		return a->p.messages > b->p.messages ? -1 : 1;
	int c = ascii_casecmp(a->p.name, b->p.name);
	if (!c)
		c = strcmp(a->p.name, b->p.name);
	if (!c)
		c = a->was < b->was ? -1 : a->was > b->was;
	return c;
}

/* Most messages first, then by name; messages follow their participant. */
void model_rank_participants(struct transcript *t)
{
	size_t n = t->n_participants;
	t->stats.participants = n;
	if (n < 2)
		return;
	struct ranked *r = mem_alloc(n * sizeof *r);
	size_t *now_at = mem_alloc(n * sizeof *now_at);
	for (size_t i = 0; i < n; i++)
		r[i] = (struct ranked){t->participants[i], i};
	qsort(r, n, sizeof *r, rank_cmp);
	for (size_t i = 0; i < n; i++) {
		t->participants[i] = r[i].p;
		now_at[r[i].was] = i;
	}
	for (size_t i = 0; i < t->n_messages; i++)
		if (t->messages[i].participant != TRANSCRIPT_NONE)
			t->messages[i].participant = now_at[t->messages[i].participant];
	free(now_at);
	free(r);
}
