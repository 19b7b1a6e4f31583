/* model_impl.h: what the parts of the transcript model share (model.c
 * loads the chat, its rounds and its lines; model_people.c counts and
 * names the participants; model_gaps.c places the gaps). Not a public
 * header: the model's API is model.h. */
#ifndef ROUNDS_MODEL_IMPL_H
#define ROUNDS_MODEL_IMPL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "model.h"
#include "redact.h"
#include "strmap.h"

/* What moderation decided about one line (HIDE and REDACT only). */
struct moderation {
	bool hide;
	struct redact_spans spans;
};

struct loader {
	sqlite3 *db;
	struct transcript *t;
	struct buf *err;
	int64_t room_id;
	struct buf tmp;          /* scratch for UTF-8 repair */
	struct buf key;          /* scratch for map keys */
	struct buf text;         /* scratch for redaction */
	struct strmap by_msgid;  /* msgid -> message index + 1 (published only) */
	struct strmap people;    /* participant key -> participant index + 1 */
	struct strmap withheld;  /* person ids of opted-out authors seen */
	struct strmap moderated; /* event id -> struct moderation */
	struct strmap pseudonyms; /* pseudonym -> participant index + 1 (uniqueness) */
	char *salt;              /* with pseudonyms: the store's secret */
	sqlite3_stmt *seen_before; /* sql_seen_before, prepared on first use */
	int64_t *person_of;      /* per message: its author's person id (-1: none) */
	size_t cap_messages, cap_participants;
};

/* A map's values are indexes + 1 (0 is "absent"). */
static inline void *index_value(size_t i)
{
	return (void *)(uintptr_t)(i + 1);
}

/* TRANSCRIPT_NONE when absent. */
static inline size_t map_index(const struct strmap *m, const char *key)
{
	uintptr_t v = (uintptr_t)strmap_get(m, key);
	return v ? (size_t)v - 1 : TRANSCRIPT_NONE;
}

/* model.c */
const char *model_strn(struct loader *l, const char *s, size_t n);
const char *model_col_str(struct loader *l, sqlite3_stmt *q, int i);
const char *model_col_str_or_empty(struct loader *l, sqlite3_stmt *q, int i);
int64_t model_col_i64_or_0(sqlite3_stmt *q, int i);
int model_prepare(struct loader *l, const char *sql, sqlite3_stmt **q);
int model_step_failed(struct loader *l, int rc);
const struct transcript_section *model_section_for(const struct transcript *t, int round, int64_t ts);

/* model_people.c */
const char *model_person_key(struct loader *l, bool has_person, int64_t person_id, const char *nick);
size_t model_participant_for(struct loader *l, bool has_person, int64_t person_id, const char *nick);
void model_rank_participants(struct transcript *t);

/* model_gaps.c */
int model_load_gaps(struct loader *l);
void model_place_gaps(struct transcript *t);

#endif
