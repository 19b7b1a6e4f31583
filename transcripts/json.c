#include "json.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "tz.h"
#include "utf8.h"

/* The document is written straight into the output buffer: building it
 * as jansson values first cost ten times as much (an object and a hash
 * table per message), and publishing an archive renders a million
 * messages. The writer produces exactly what jansson's json_dumpb() would
 * with JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10) and either
 * JSON_INDENT(2) or JSON_COMPACT, so a reader sees no difference; the
 * unit tests compare the two. tjson_build() parses the written document. */

#define MAX_DEPTH 16 /* the schema nests 7 deep */

struct writer {
	struct buf *out;
	bool pretty;
	int depth;
	bool any[MAX_DEPTH]; /* has the container at this depth an element yet? */
	const struct tz *zone; /* the chat's zone; NULL if it cannot be loaded */
	struct buf fixed;      /* scratch for repairing UTF-8 */
};

/* Appends n bytes: buf_add() without its bookkeeping in the common case
 * of enough room (reserved up front, from the number of messages). */
static inline void put(struct buf *b, const char *s, size_t n)
{
	if (b->p && b->cap - b->len > n) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
		b->p[b->len] = '\0';
	} else {
		buf_add(b, s, n);
	}
}

static void newline(struct writer *w)
{
	static const char spaces[] = "\n                                ";
	if (w->pretty)
		put(w->out, spaces, 1 + 2 * (size_t)(w->depth < 16 ? w->depth : 16));
}

/* Before an element of the current container: the separator and, pretty,
 * a new line. */
static void element(struct writer *w)
{
	if (w->any[w->depth])
		put(w->out, ",", 1);
	w->any[w->depth] = true;
	newline(w);
}

static void open_(struct writer *w, char c)
{
	buf_addc(w->out, c);
	if (w->depth + 1 < MAX_DEPTH)
		w->depth++;
	w->any[w->depth] = false;
}

static void close_(struct writer *w, char c)
{
	bool had = w->any[w->depth];
	if (w->depth)
		w->depth--;
	if (had)
		newline(w);
	buf_addc(w->out, c);
}

/* A JSON string as jansson writes it: '"' and '\' escaped, the control
 * characters as \b \f \n \r \t or \u00XX, everything else (UTF-8, '/')
 * as it is. Ill-formed UTF-8 (never in the model) is repaired. */
static void string(struct writer *w, const char *s)
{
	size_t n = strlen(s);
	if (!utf8_valid(s, n)) {
		buf_clear(&w->fixed);
		utf8_sanitize(&w->fixed, s, n);
		s = buf_str(&w->fixed);
		n = w->fixed.len;
	}
	struct buf *out = w->out;
	put(out, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(out, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': buf_add(out, "\\\"", 2); break;
		case '\\': buf_add(out, "\\\\", 2); break;
		case '\b': buf_add(out, "\\b", 2); break;
		case '\f': buf_add(out, "\\f", 2); break;
		case '\n': buf_add(out, "\\n", 2); break;
		case '\r': buf_add(out, "\\r", 2); break;
		case '\t': buf_add(out, "\\t", 2); break;
		default: buf_printf(out, "\\u%04X", c); break;
		}
	}
	put(out, s + run, n - run);
	put(out, "\"", 1);
}

/* A member's key: always one of ours, plain ASCII. */
static void key(struct writer *w, const char *k)
{
	element(w);
	put(w->out, "\"", 1);
	put(w->out, k, strlen(k));
	if (w->pretty)
		put(w->out, "\": ", 3);
	else
		put(w->out, "\":", 2);
}

/* Decimal digits of v, right-aligned in out[20]; returns where they start. */
static char *digits(char out[20], uint64_t v)
{
	char *p = out + 20;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static void integer(struct buf *out, int64_t v)
{
	char d[21];
	char *p = digits(d + 1, v < 0 ? -(uint64_t)v : (uint64_t)v);
	if (v < 0)
		*--p = '-';
	put(out, p, (size_t)(d + 21 - p));
}

/* Two digits of v (0..99) at p. */
static void two(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DDTHH:MM:SS.mmm" (23 bytes) of a civil time, for years 0..9999. */
static void civil(char *p, const struct tz_civil *c, int ms)
{
	int y = c->year < 0 ? 0 : c->year % 10000;
	two(p, y / 100);
	two(p + 2, y % 100);
	p[4] = '-';
	two(p + 5, c->month);
	p[7] = '-';
	two(p + 8, c->day);
	p[10] = 'T';
	two(p + 11, c->hour);
	p[13] = ':';
	two(p + 14, c->minute);
	p[16] = ':';
	two(p + 17, c->second);
	p[19] = '.';
	p[20] = (char)('0' + ms / 100);
	two(p + 21, ms % 100);
}

/* Members "key": value. */
static void m_str(struct writer *w, const char *k, const char *v)
{
	key(w, k);
	if (v)
		string(w, v);
	else
		buf_add(w->out, "null", 4);
}

static void m_int(struct writer *w, const char *k, int64_t v)
{
	key(w, k);
	integer(w->out, v);
}

static void m_bool(struct writer *w, const char *k, bool v)
{
	key(w, k);
	buf_adds(w->out, v ? "true" : "false");
}

static void m_null(struct writer *w, const char *k)
{
	key(w, k);
	buf_add(w->out, "null", 4);
}

/* A real as jansson writes it with JSON_REAL_PRECISION(10): "%.10g", and
 * ".0" when that looks like an integer. */
static void m_real(struct writer *w, const char *k, double v)
{
	key(w, k);
	char s[40];
	snprintf(s, sizeof s, "%.10g", v);
	buf_adds(w->out, s);
	if (!strpbrk(s, ".eEin"))
		buf_add(w->out, ".0", 2);
}

static int millis(int64_t ms)
{
	int64_t frac = ms % 1000;
	return (int)(frac < 0 ? frac + 1000 : frac);
}

/* "2026-11-21T20:05:12.000Z", as clock_format_iso() writes it, without
 * going through gmtime_r() and snprintf() a million times. */
static void utc_time(struct writer *w, int64_t ms)
{
	int64_t secs = ms / 1000 - (ms % 1000 < 0), days = secs / 86400 - (secs % 86400 < 0);
	int64_t tod = secs - days * 86400;
	struct tz_civil c;
	tz_civil_from_days(days, &c);
	c.hour = (int)(tod / 3600);
	c.minute = (int)(tod / 60 % 60);
	c.second = (int)(tod % 60);
	char s[26];
	s[0] = '"';
	civil(s + 1, &c, millis(ms));
	s[24] = 'Z';
	s[25] = '"';
	put(w->out, s, sizeof s);
}

/* "2026-11-21T15:05:12.000-05:00": RFC 3339 in the chat's zone, with the
 * offset in effect then (seconds in the offset only for the local mean
 * times of the 19th century, never for a chat). */
static void local_time(struct writer *w, int64_t ms)
{
	struct tz_civil c;
	struct tz_info i;
	tz_civil_from_utc(w->zone, ms, &c, &i);
	int32_t off = i.utc_offset < 0 ? -i.utc_offset : i.utc_offset;
	char s[40];
	s[0] = '"';
	civil(s + 1, &c, millis(ms));
	s[24] = i.utc_offset < 0 ? '-' : '+';
	two(s + 25, (int)(off / 3600 % 100));
	s[27] = ':';
	two(s + 28, (int)(off / 60 % 60));
	size_t n = 30;
	if (off % 60) {
		s[n] = ':';
		two(s + n + 1, (int)(off % 60));
		n += 3;
	}
	s[n++] = '"';
	put(w->out, s, n);
}

/* A time as three members: "<name>" (ISO 8601 UTC with ms), "<name>_ms"
 * and "<name>_local" (local_time(), null when the zone is not known
 * here); all null when the time is 0 (not recorded). */
static void m_time3(struct writer *w, const char *name, const char *k_ms, const char *k_local,
		    int64_t ms)
{
	if (!ms) {
		m_null(w, name);
		m_null(w, k_ms);
		m_null(w, k_local);
		return;
	}
	key(w, name);
	utc_time(w, ms);
	m_int(w, k_ms, ms);
	key(w, k_local);
	if (w->zone)
		local_time(w, ms);
	else
		put(w->out, "null", 4);
}

#define m_time(w, name, ms) m_time3(w, name, name "_ms", name "_local", ms)

static void strings(struct writer *w, const char *k, const char *const *v, size_t n)
{
	key(w, k);
	open_(w, '[');
	for (size_t i = 0; i < n; i++) {
		element(w);
		string(w, v[i]);
	}
	close_(w, ']');
}

static void write_chat(struct writer *w, const struct transcript_chat *c)
{
	key(w, "chat");
	open_(w, '{');
	m_int(w, "id", c->id);
	m_str(w, "name", c->name);
	m_str(w, "title", c->title);
	m_str(w, "network", c->network);
	m_str(w, "room", c->room);
	m_str(w, "opened_by", c->opened_by);
	strings(w, "hosts", c->hosts, c->n_hosts);
	strings(w, "cohosts", c->cohosts, c->n_cohosts);
	m_time(w, "started", c->started_ms);
	m_time(w, "planned_end", c->planned_end_ms);
	m_time(w, "ended", c->ended_ms);
	m_str(w, "end_reason", c->end_reason);
	m_str(w, "timezone", c->timezone);
	m_bool(w, "pseudonyms", c->pseudonyms);
	close_(w, '}');
}

static void write_message(struct writer *w, const struct transcript *t,
			  const struct transcript_message *m)
{
	element(w);
	open_(w, '{');
	m_int(w, "id", m->id);
	m_time(w, "time", m->ts_ms);
	m_str(w, "kind", transcript_kind_name(m->kind));
	m_str(w, "sender", m->sender);
	m_bool(w, "bot", m->flags & TRANSCRIPT_F_BOT);
	m_bool(w, "moderator", m->flags & TRANSCRIPT_F_MODERATOR);
	m_str(w, "text", m->text);
	m_str(w, "msgid", m->msgid);
	m_str(w, "reply_to", m->reply_to);
	if (m->parent == TRANSCRIPT_NONE)
		m_null(w, "parent");
	else
		m_int(w, "parent", t->messages[m->parent].id);
	m_bool(w, "removed", m->flags & TRANSCRIPT_F_REMOVED);
	m_bool(w, "redacted", m->flags & TRANSCRIPT_F_REDACTED);
	m_bool(w, "edited", m->flags & TRANSCRIPT_F_EDITED);
	m_int(w, "reactions", (int64_t)m->reactions);
	close_(w, '}');
}

static void write_messages(struct writer *w, const struct transcript *t,
			   const struct transcript_section *s)
{
	key(w, "messages");
	open_(w, '[');
	for (size_t i = 0; i < s->n_messages; i++)
		write_message(w, t, &t->messages[s->messages[i]]);
	close_(w, ']');
}

static void write_round(struct writer *w, const struct transcript *t, const struct transcript_section *r)
{
	element(w);
	open_(w, '{');
	m_int(w, "number", r->number);
	m_str(w, "topic", r->topic);
	if (r->planned_minutes > 0)
		m_real(w, "planned_minutes", r->planned_minutes);
	else
		m_null(w, "planned_minutes");
	m_time(w, "started", r->started_ms);
	m_time(w, "ended", r->ended_ms);
	m_bool(w, "posted_by_host", r->posted_by_host);
	write_messages(w, t, r);
	close_(w, '}');
}

static void write_part(struct writer *w, const char *name, const struct transcript *t,
		       const struct transcript_section *s)
{
	key(w, name);
	open_(w, '{');
	write_messages(w, t, s);
	close_(w, '}');
}

/* A summary's item: its text and its checked url (or null). */
static void write_item(struct writer *w, const struct transcript_item *item)
{
	m_str(w, "text", item->text);
	m_str(w, "url", transcript_url_ok(item->url) ? item->url : NULL);
}

static void write_block(struct writer *w, const struct transcript_block *k)
{
	element(w);
	open_(w, '{');
	switch (k->kind) {
	case TRANSCRIPT_PARAGRAPH: {
		static const struct transcript_item none = {"", NULL};
		m_str(w, "kind", "paragraph");
		write_item(w, k->n_items ? &k->items[0] : &none);
		break;
	}
	case TRANSCRIPT_LIST:
		m_str(w, "kind", "list");
		key(w, "items");
		open_(w, '[');
		for (size_t i = 0; i < k->n_items; i++) {
			element(w);
			open_(w, '{');
			write_item(w, &k->items[i]);
			close_(w, '}');
		}
		close_(w, ']');
		break;
	case TRANSCRIPT_TABLE:
		m_str(w, "kind", "table");
		key(w, "rows");
		open_(w, '[');
		for (size_t r = 0; r < k->n_rows; r++) {
			element(w);
			open_(w, '[');
			for (size_t c = 0; c < k->n_cols; c++) {
				element(w);
				string(w, k->cells[r * k->n_cols + c]);
			}
			close_(w, ']');
		}
		close_(w, ']');
		break;
	}
	close_(w, '}');
}

static void write_summaries(struct writer *w, const struct transcript *t)
{
	key(w, "summaries");
	open_(w, '[');
	for (size_t i = 0; i < t->n_summaries; i++) {
		const struct transcript_summary *s = &t->summaries[i];
		element(w);
		open_(w, '{');
		m_str(w, "plugin", s->plugin);
		m_str(w, "title", s->title);
		key(w, "blocks");
		open_(w, '[');
		for (size_t k = 0; k < s->n_blocks; k++)
			write_block(w, &s->blocks[k]);
		close_(w, ']');
		close_(w, '}');
	}
	close_(w, ']');
}

/* The holes in the record (added to schema 1: readers that do not know
 * the field ignore it). */
static void write_gaps(struct writer *w, const struct transcript *t)
{
	struct buf text = BUF_INIT;
	key(w, "gaps");
	open_(w, '[');
	for (size_t i = 0; i < t->n_gaps; i++) {
		const struct transcript_gap *g = &t->gaps[i];
		element(w);
		open_(w, '{');
		m_time(w, "start", g->start_ms);
		m_time(w, "end", g->end_ms);
		if (g->section == &t->after)
			m_null(w, "round");
		else
			m_int(w, "round", g->section == &t->intro || !g->section ? 0 : g->section->number);
		buf_clear(&text);
		transcript_gap_text(g, &text);
		m_str(w, "text", buf_str(&text));
		close_(w, '}');
	}
	close_(w, ']');
	buf_free(&text);
}

static void write_document(struct writer *w, const struct transcript *t)
{
	open_(w, '{');
	m_str(w, "schema", TJSON_SCHEMA);
	write_chat(w, &t->chat);
	write_part(w, "intro", t, &t->intro);
	key(w, "rounds");
	open_(w, '[');
	for (size_t i = 0; i < t->n_rounds; i++)
		write_round(w, t, &t->rounds[i]);
	close_(w, ']');
	write_part(w, "after", t, &t->after);

	key(w, "participants");
	open_(w, '[');
	for (size_t i = 0; i < t->n_participants; i++) {
		element(w);
		open_(w, '{');
		m_str(w, "name", t->participants[i].name);
		m_int(w, "messages", (int64_t)t->participants[i].messages);
		close_(w, '}');
	}
	close_(w, ']');

	const struct transcript_stats *s = &t->stats;
	key(w, "stats");
	open_(w, '{');
	m_int(w, "messages", (int64_t)s->messages);
	m_int(w, "bot_messages", (int64_t)s->bot_messages);
	m_int(w, "participants", (int64_t)s->participants);
	m_int(w, "removed_messages", (int64_t)s->removed_messages);
	m_int(w, "deleted_messages", (int64_t)s->deleted_messages);
	m_int(w, "redacted_messages", (int64_t)s->redacted_messages);
	close_(w, '}');

	key(w, "withheld");
	open_(w, '{');
	m_int(w, "messages", (int64_t)s->withheld_messages);
	m_int(w, "people", (int64_t)s->withheld_people);
	close_(w, '}');
	write_summaries(w, t);
	write_gaps(w, t);
	close_(w, '}');
}

int tjson_render(const struct transcript *t, unsigned flags, struct buf *out)
{
	struct tz *zone = NULL;
	struct buf err = BUF_INIT;
	if (tz_load(t->chat.timezone, &zone, &err) != 0)
		zone = NULL;
	buf_free(&err);
	struct writer w = {.out = out, .pretty = flags & TJSON_PRETTY, .zone = zone};
	/* a message is about 400 bytes of JSON: one allocation, not twenty */
	buf_reserve(out, 4096 + t->n_messages * (w.pretty ? 560 : 400));
	write_document(&w, t);
	buf_addc(out, '\n');
	buf_free(&w.fixed);
	tz_free(zone);
	return 0;
}

json_t *tjson_build(const struct transcript *t)
{
	struct buf doc = BUF_INIT;
	tjson_render(t, 0, &doc);
	json_error_t jerr;
	json_t *root = json_loadb(doc.p, doc.len, 0, &jerr);
	buf_free(&doc);
	return root;
}
