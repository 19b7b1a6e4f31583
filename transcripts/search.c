#include "search.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event.h"
#include "mem.h"
#include "model.h"
#include "pseudonym.h"
#include "redact.h"
#include "verdict.h"

/* A compiled query: FTS5 terms, and what FTS5 cannot check itself. */
struct compiled {
	struct buf expr;        /* the FTS5 expression */
	size_t n_terms;
	char **words;           /* positive terms, lowercased, for the redaction check */
	size_t n_words, cap_words;
	bool *prefix;           /* words[i] is a prefix term */
	size_t cap_prefix;
	char **phrases;         /* lowercased, single-spaced phrases to find in the text */
	size_t n_phrases, cap_phrases;
};

/* Characters that make up words: ASCII letters and digits, and every byte
 * of a multi-byte character (the FTS5 tokenizer folds case and accents). */
static bool word_byte(unsigned char c)
{
	return c >= 0x80 || isalnum(c);
}

static void lower_ascii(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void add_word(struct compiled *c, const char *w, size_t n, bool negative, bool prefix)
{
	struct buf *e = &c->expr;
	if (c->n_terms)
		buf_adds(e, negative ? " NOT " : " AND ");
	/* a string in FTS5 syntax: nothing inside it is an operator */
	buf_addc(e, '"');
	buf_add(e, w, n);
	buf_addc(e, '"');
	if (prefix)
		buf_addc(e, '*');
	c->n_terms++;
	if (negative)
		return;
	c->words = mem_grow(c->words, &c->cap_words, c->n_words + 1, sizeof *c->words);
	c->prefix = mem_grow(c->prefix, &c->cap_prefix, c->n_words + 1, sizeof *c->prefix);
	c->words[c->n_words] = mem_strndup(w, n);
	lower_ascii(c->words[c->n_words]);
	c->prefix[c->n_words++] = prefix;
}

/* Splits text into words and adds each; returns how many. */
static size_t add_words(struct compiled *c, const char *s, size_t n, bool negative, bool prefix_last)
{
	size_t added = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && !word_byte((unsigned char)s[i]))
			i++;
		size_t start = i;
		while (i < n && word_byte((unsigned char)s[i]))
			i++;
		if (i > start) {
			bool last = true;
			for (size_t k = i; k < n; k++)
				if (word_byte((unsigned char)s[k]))
					last = false;
			add_word(c, s + start, i - start, negative, prefix_last && last);
			added++;
		}
	}
	return added;
}

static void compile(const char *text, struct compiled *c)
{
	const char *p = text;
	/* positives first: FTS5's NOT needs something on its left */
	for (int pass = 0; pass < 2; pass++) {
		p = text;
		while (*p) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p)
				break;
			bool negative = *p == '-';
			const char *start = p + negative;
			if (*start == '"') {
				const char *end = strchr(start + 1, '"');
				size_t n = end ? (size_t)(end - start - 1) : strlen(start + 1);
				if (pass == (int)negative) {
					size_t before = c->n_words;
					if (add_words(c, start + 1, n, negative, false) > 1 && !negative) {
						/* the words, and their order, checked on the text */
						struct buf ph = BUF_INIT;
						for (size_t i = before; i < c->n_words; i++)
							buf_printf(&ph, "%s%s", i > before ? " " : "", c->words[i]);
						c->phrases = mem_grow(c->phrases, &c->cap_phrases, c->n_phrases + 1,
								      sizeof *c->phrases);
						c->phrases[c->n_phrases++] = buf_steal(&ph);
					}
				}
				p = start + 1 + n + (end != NULL);
				continue;
			}
			const char *end = start + strcspn(start, " \t");
			size_t n = (size_t)(end - start);
			bool prefix = n > 1 && start[n - 1] == '*';
			if (pass == (int)negative && (pass == 0 || c->n_terms))
				add_words(c, start, n - prefix, negative, prefix);
			p = end;
		}
	}
}

static void compiled_free(struct compiled *c)
{
	for (size_t i = 0; i < c->n_words; i++)
		free(c->words[i]);
	for (size_t i = 0; i < c->n_phrases; i++)
		free(c->phrases[i]);
	free(c->words);
	free(c->prefix);
	free(c->phrases);
	buf_free(&c->expr);
}

size_t search_compile(const char *text, struct buf *out)
{
	struct compiled c = {0};
	compile(text, &c);
	size_t n = c.n_words ? c.n_terms : 0; /* only negatives: nothing to find */
	if (n)
		buf_add(out, c.expr.p, c.expr.len);
	compiled_free(&c);
	return n;
}

/* text, lowercased (ASCII) with runs of non-word bytes turned into one
 * space, so phrases and words can be looked for in it. */
static void normalise(const char *text, struct buf *out)
{
	buf_clear(out);
	bool space = true;
	for (const char *p = text; *p; p++) {
		if (word_byte((unsigned char)*p)) {
			buf_addc(out, (char)tolower((unsigned char)*p));
			space = false;
		} else if (!space) {
			buf_addc(out, ' ');
			space = true;
		}
	}
	buf_addc(out, ' ');
}

/* Does the word occur in the normalised text (as a whole word, or as the
 * start of one for a prefix term)? */
static bool has_word(const char *norm, const char *w, bool prefix)
{
	size_t n = strlen(w);
	for (const char *p = norm; (p = strstr(p, w)); p++)
		if ((p == norm || p[-1] == ' ') && (prefix || p[n] == ' '))
			return true;
	return false;
}

/* Is every positive word and phrase still in this (redacted) text? */
static bool still_matches(const struct compiled *c, const char *text, struct buf *norm)
{
	normalise(text, norm);
	for (size_t i = 0; i < c->n_words; i++)
		if (!has_word(norm->p, c->words[i], c->prefix[i]))
			return false;
	for (size_t i = 0; i < c->n_phrases; i++) {
		struct buf ph = BUF_INIT;
		buf_printf(&ph, "%s ", c->phrases[i]);
		bool found = false;
		for (const char *p = norm->p; (p = strstr(p, ph.p)); p++)
			if (p == norm->p || p[-1] == ' ') {
				found = true;
				break;
			}
		buf_free(&ph);
		if (!found)
			return false;
	}
	return true;
}

/* A short excerpt of text around the first matching word, with every
 * matching word marked: for lines whose stored text cannot be shown. */
static void own_snippet(const struct compiled *c, const char *text, const char *open,
			const char *close, struct buf *out)
{
	size_t len = strlen(text), first = len;
	for (size_t i = 0; i < c->n_words; i++) {
		const char *w = c->words[i];
		for (size_t k = 0; k + strlen(w) <= len; k++)
			if (strncasecmp(text + k, w, strlen(w)) == 0 && k < first)
				first = k;
	}
	size_t start = first > 60 ? first - 60 : 0;
	while (start > 0 && ((unsigned char)text[start] & 0xc0) == 0x80)
		start--;
	size_t end = start + 160 < len ? start + 160 : len;
	while (end < len && ((unsigned char)text[end] & 0xc0) == 0x80)
		end++;
	if (start)
		buf_adds(out, "…");
	for (size_t k = start; k < end;) {
		size_t hit = 0;
		if (k == 0 || !word_byte((unsigned char)text[k - 1]))
			for (size_t i = 0; i < c->n_words && !hit; i++) {
				size_t n = strlen(c->words[i]);
				if (k + n <= end && strncasecmp(text + k, c->words[i], n) == 0) {
					size_t w = n;
					while (c->prefix[i] && k + w < end && word_byte((unsigned char)text[k + w]))
						w++;
					if (c->prefix[i] || k + w == end || !word_byte((unsigned char)text[k + w]))
						hit = w;
				}
			}
		if (hit) {
			buf_printf(out, "%s", open);
			buf_add(out, text + k, hit);
			buf_printf(out, "%s", close);
			k += hit;
		} else {
			buf_addc(out, text[k++]);
		}
	}
	if (end < len)
		buf_adds(out, "…");
}

static const char sql_search[] =
	"SELECT e.id, e.ts_ms, coalesce(e.chat_id, 0), c.title, coalesce(c.timezone, 'UTC'),"
	" coalesce(e.round, -1), r.topic, ro.name, e.nick, e.text,"
	" snippet(events_fts, 0, ?4, ?5, '…', 16),"
	" EXISTS (SELECT 1 FROM verdicts v WHERE v.event_id = e.id AND v.verdict = ?6),"
	" coalesce(c.pseudonyms, 0), e.person_id, (e.flags & ?8) != 0"
	" FROM events_fts JOIN events e ON e.id = events_fts.rowid"
	" JOIN rooms ro ON ro.id = e.room_id"
	" LEFT JOIN chats c ON c.id = e.chat_id"
	" LEFT JOIN rounds r ON r.chat_id = e.chat_id AND r.number = e.round"
	" LEFT JOIN people p ON p.id = e.person_id"
	" WHERE events_fts MATCH ?1 AND (?2 = 0 OR e.chat_id = ?2)"
	/* one chat: its id range, so the index seeks instead of scanning */
	" AND events_fts.rowid BETWEEN"
	"  CASE WHEN ?2 = 0 THEN 0 ELSE coalesce((SELECT first_event_id FROM chats WHERE id = ?2), 0) END"
	"  AND CASE WHEN ?2 = 0 THEN 9223372036854775807"
	"  ELSE coalesce((SELECT last_event_id FROM chats WHERE id = ?2), 9223372036854775807) END"
	" AND (e.kind IN (?9, ?10) OR (e.kind = ?11 AND (e.flags & ?8) != 0))"
	" AND (e.flags & ?12) = 0"
	" AND (p.optout_ms IS NULL OR (e.flags & ?8) != 0)"
	" AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.event_id = e.id AND v.verdict = ?7)"
	/* newest first: ranking (bm25) would tokenize every matching line again
	 * to learn its length (the index stores none), 2-3 us a row, half a
	 * second for a common word in a million lines */
	" ORDER BY events_fts.rowid DESC LIMIT ?3";

static const char sql_salt[] = "SELECT value FROM meta WHERE key = 'pseudonym_salt'";
static const char sql_spans[] = "SELECT spans FROM verdicts WHERE event_id = ?1 AND verdict = ?2";

static void col(struct buf *b, sqlite3_stmt *q, int i)
{
	buf_clear(b);
	if (sqlite3_column_type(q, i) != SQLITE_NULL)
		buf_adds(b, (const char *)sqlite3_column_text(q, i));
}

int search_run(sqlite3 *db, const struct search_query *query,
	       void (*fn)(void *ud, const struct search_hit *hit), void *ud, struct buf *err)
{
	struct compiled c = {0};
	compile(query->text ? query->text : "", &c);
	if (!c.n_words) {
		compiled_free(&c);
		buf_adds(err, "nothing to search for: give at least one word");
		return -1;
	}
	size_t limit = query->limit ? query->limit : 20;
	const char *open = query->mark_open ? query->mark_open : "[";
	const char *close = query->mark_close ? query->mark_close : "]";
	sqlite3_stmt *q = NULL, *spans = NULL, *salt_q = NULL;
	struct buf title = BUF_INIT, zone = BUF_INIT, topic = BUF_INIT, room = BUF_INIT,
		   sender = BUF_INIT, text = BUF_INIT, snip = BUF_INIT, norm = BUF_INIT, salt = BUF_INIT;
	int found = -1;
	if (sqlite3_prepare_v2(db, sql_search, -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql_spans, -1, &spans, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql_salt, -1, &salt_q, NULL) != SQLITE_OK) {
		buf_printf(err, "store: %s", sqlite3_errmsg(db));
		goto done;
	}
	if (sqlite3_step(salt_q) == SQLITE_ROW)
		col(&salt, salt_q, 0);
	sqlite3_bind_text(q, 1, c.expr.p, (int)c.expr.len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, query->chat_id);
	/* more candidates than asked for: some fall to the redaction check */
	sqlite3_bind_int64(q, 3, (int64_t)(limit * 4 + 20));
	sqlite3_bind_text(q, 4, open, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, close, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 6, VERDICT_REDACT);
	sqlite3_bind_int(q, 7, VERDICT_HIDE);
	sqlite3_bind_int(q, 8, EVENT_F_SELF);
	sqlite3_bind_int(q, 9, EVENT_MESSAGE);
	sqlite3_bind_int(q, 10, EVENT_ACTION);
	sqlite3_bind_int(q, 11, EVENT_NOTICE);
	sqlite3_bind_int(q, 12, EVENT_F_PRIVATE | EVENT_F_COMMAND | EVENT_F_STATUSMSG);
	found = 0;
	int rc = SQLITE_DONE;
	while ((size_t)found < limit && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		col(&text, q, 9);
		if (sqlite3_column_int(q, 11)) {
			/* the index saw the original words: match and show the text
			 * as it is published */
			struct redact_spans s = {0};
			sqlite3_bind_int64(spans, 1, sqlite3_column_int64(q, 0));
			sqlite3_bind_int(spans, 2, VERDICT_REDACT);
			while (sqlite3_step(spans) == SQLITE_ROW)
				if (sqlite3_column_type(spans, 0) != SQLITE_NULL)
					redact_spans_add_json(&s, (const char *)sqlite3_column_text(spans, 0),
							      text.len);
			sqlite3_reset(spans);
			struct buf red = BUF_INIT;
			redact_apply(text.p ? text.p : "", text.len, &s, TRANSCRIPT_REDACTED, &red);
			redact_spans_free(&s);
			buf_clear(&text);
			buf_add(&text, buf_str(&red), red.len);
			buf_free(&red);
			if (!still_matches(&c, text.p, &norm))
				continue;
			buf_clear(&snip);
			own_snippet(&c, text.p, open, close, &snip);
		} else {
			if (c.n_phrases && !still_matches(&c, buf_str(&text), &norm))
				continue; /* the words are there, but not as the phrase */
			col(&snip, q, 10);
		}
		col(&title, q, 3);
		col(&zone, q, 4);
		col(&topic, q, 6);
		col(&room, q, 7);
		col(&sender, q, 8);
		if (sqlite3_column_int(q, 12) && !sqlite3_column_int(q, 14)) {
			/* a chat published under pseudonyms is searched under them too */
			struct buf who = BUF_INIT;
			buf_printf(&who, "p:%lld", (long long)sqlite3_column_int64(q, 13));
			buf_clear(&sender);
			pseudonym_make(salt.p, who.p, &sender);
			buf_free(&who);
		}
		struct search_hit hit = {
			.event_id = sqlite3_column_int64(q, 0),
			.ts_ms = sqlite3_column_int64(q, 1),
			.chat_id = sqlite3_column_int64(q, 2),
			.chat_title = sqlite3_column_type(q, 3) == SQLITE_NULL ? NULL : title.p,
			.timezone = buf_str(&zone),
			.round = sqlite3_column_int(q, 5),
			.topic = sqlite3_column_type(q, 6) == SQLITE_NULL ? NULL : topic.p,
			.room = buf_str(&room),
			.sender = buf_str(&sender),
			.snippet = buf_str(&snip),
		};
		fn(ud, &hit);
		found++;
	}
	if ((size_t)found < limit && rc != SQLITE_DONE) {
		buf_printf(err, "store: %s", sqlite3_errmsg(db));
		found = -1;
	}
done:
	sqlite3_finalize(q);
	sqlite3_finalize(spans);
	sqlite3_finalize(salt_q);
	buf_free(&title);
	buf_free(&zone);
	buf_free(&topic);
	buf_free(&room);
	buf_free(&sender);
	buf_free(&text);
	buf_free(&snip);
	buf_free(&norm);
	buf_free(&salt);
	compiled_free(&c);
	return found;
}
