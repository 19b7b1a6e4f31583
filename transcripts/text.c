#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "mem.h"
#include "tz.h"
#include "utf8.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

static uint32_t decode(const unsigned char *p, size_t len)
{
	switch (len) {
	case 2:
		return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	case 3:
		return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	default:
		return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
		       (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
	}
}

/* C1 controls could act on a terminal (CSI is U+009B), the bidi controls
 * could reorder the line around them, and U+FFFE/U+FFFF are not allowed
 * in XML. */
static bool replaced(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfffe || cp == 0xffff;
}

void text_clean(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	buf_reserve(out, n);
	size_t run = 0; /* start of the bytes copied as they are */
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		size_t len = 1;
		const char *with = NULL;
		if (c < 0x80) {
			with = (c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f') ? " " : REPLACEMENT;
		} else if (!(len = utf8_seq_len(p + i, n - i))) {
			len = 1;
			with = REPLACEMENT;
		} else {
			uint32_t cp = decode(p + i, len);
			if (replaced(cp))
				with = REPLACEMENT;
			else if (cp == 0x2028 || cp == 0x2029) /* line and paragraph separators */
				with = " ";
		}
		if (with) {
			buf_add(out, s + run, i - run);
			buf_adds(out, with);
			run = i + len;
		}
		i += len;
	}
	buf_add(out, s + run, n - run);
}

void text_cleans(struct buf *out, const char *s)
{
	text_clean(out, s, strlen(s));
}

static void two(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* "2026-11-21T20:05:12Z": what every line starts with (as
 * clock_format_iso() has it, without gmtime_r() and snprintf() for each of
 * a million lines). */
static void add_iso(struct buf *out, int64_t ms)
{
	int64_t secs = ms / 1000 - (ms % 1000 < 0), days = secs / 86400 - (secs % 86400 < 0);
	int64_t tod = secs - days * 86400;
	struct tz_civil c;
	tz_civil_from_days(days, &c);
	int y = c.year < 0 ? 0 : c.year % 10000;
	char s[20];
	two(s, y / 100);
	two(s + 2, y % 100);
	s[4] = '-';
	two(s + 5, c.month);
	s[7] = '-';
	two(s + 8, c.day);
	s[10] = 'T';
	two(s + 11, (int)(tod / 3600));
	s[13] = ':';
	two(s + 14, (int)(tod / 60 % 60));
	s[16] = ':';
	two(s + 17, (int)(tod % 60));
	s[19] = 'Z';
	buf_add(out, s, sizeof s);
}

/* "20:05:12Z", or the full ISO time when it is on another UTC day than the
 * chat's start. */
static void add_short(struct buf *out, const struct transcript *t, int64_t ms)
{
	char a[25], b[25];
	clock_format_iso(ms, a);
	clock_format_iso(t->chat.started_ms, b);
	if (memcmp(a, b, 10) == 0) {
		buf_add(out, a + 11, 8);
		buf_addc(out, 'Z');
	} else {
		add_iso(out, ms);
	}
}

static bool is_utc(const char *zone)
{
	return strcmp(zone, "UTC") == 0 || strcmp(zone, "Etc/UTC") == 0;
}

/* " (2026-11-21 15:00 EST, UTC−05:00)": the local time of an instant,
 * when the chat has a zone other than UTC. */
static void add_local(struct buf *out, const struct tz *z, int64_t ms)
{
	if (!z)
		return;
	struct tz_civil c;
	struct tz_info i;
	tz_civil_from_utc(z, ms, &c, &i);
	buf_printf(out, " (%04d-%02d-%02d %02d:%02d", c.year, c.month, c.day, c.hour, c.minute);
	if (i.abbr[0])
		buf_printf(out, " %s", i.abbr);
	buf_adds(out, ", ");
	tz_format_offset(i.utc_offset, out);
	buf_addc(out, ')');
}

static void add_count(struct buf *out, size_t n, const char *one, const char *many)
{
	buf_printf(out, "%zu %s", n, n == 1 ? one : many);
}

static void add_list(struct buf *out, const char *label, const char *const *v, size_t n)
{
	if (!n)
		return;
	buf_adds(out, label);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(out, ", ");
		text_cleans(out, v[i]);
	}
	buf_addc(out, '\n');
}

static void render_header(const struct transcript *t, const struct tz *z, bool zone_ok,
			  struct buf *out)
{
	const struct transcript_chat *c = &t->chat;
	text_cleans(out, *c->title ? c->title : *c->name ? c->name : "Chat");
	buf_adds(out, "\n\nRoom:       ");
	text_cleans(out, c->room);
	buf_adds(out, " on ");
	text_cleans(out, c->network);
	buf_adds(out, "\nTime zone:  ");
	text_cleans(out, c->timezone);
	if (!zone_ok)
		buf_adds(out, " (not known here: times are shown in UTC only)");
	buf_adds(out, "\nStarted:    ");
	add_iso(out, c->started_ms);
	add_local(out, z, c->started_ms);
	buf_adds(out, "\nEnded:      ");
	if (c->ended_ms) {
		add_iso(out, c->ended_ms);
		add_local(out, z, c->ended_ms);
		if (c->end_reason) {
			buf_adds(out, ": ");
			text_cleans(out, c->end_reason);
		}
	} else {
		buf_adds(out, "still open");
	}
	buf_addc(out, '\n');
	if (c->opened_by) {
		buf_adds(out, "Opened by:  ");
		text_cleans(out, c->opened_by);
		buf_addc(out, '\n');
	}
	add_list(out, "Hosts:      ", c->hosts, c->n_hosts);
	add_list(out, "Co-hosts:   ", c->cohosts, c->n_cohosts);
	const struct transcript_stats *s = &t->stats;
	buf_printf(out, "Messages:   %zu from ", s->messages - s->bot_messages);
	add_count(out, s->participants, "participant", "participants");
	if (s->bot_messages)
		buf_printf(out, ", %zu from the bot", s->bot_messages);
	buf_addc(out, '\n');
	if (s->withheld_messages) {
		buf_adds(out, "Withheld:   ");
		add_count(out, s->withheld_messages, "message", "messages");
		buf_adds(out, " from ");
		add_count(out, s->withheld_people, "person", "people");
		buf_adds(out, " who opted out\n");
	}
	if (s->removed_messages) {
		buf_adds(out, "Removed:    ");
		add_count(out, s->removed_messages, "message", "messages");
		buf_adds(out, " removed by a moderator\n");
	}
	if (s->deleted_messages) {
		buf_adds(out, "Deleted:    ");
		add_count(out, s->deleted_messages, "message", "messages");
		buf_adds(out, " deleted by their authors\n");
	}
	if (s->redacted_messages) {
		buf_adds(out, "Redacted:   ");
		add_count(out, s->redacted_messages, "message", "messages");
		buf_adds(out, " with parts redacted\n");
	}
	if (c->pseudonyms)
		buf_adds(out, "Names:      pseudonyms, not the names people used\n");
	buf_adds(out, "\nTimes below are UTC.\n");
}

static void add_sender(struct buf *out, const char *name)
{
	text_cleans(out, *name ? name : "unknown");
}

static void render_message(const struct transcript *t, const struct transcript_message *m,
			   struct buf *out)
{
	add_iso(out, m->ts_ms);
	switch (m->kind) {
	case TRANSCRIPT_ACTION:
		buf_adds(out, " * ");
		add_sender(out, m->sender);
		break;
	case TRANSCRIPT_NOTICE:
		buf_adds(out, " -");
		add_sender(out, m->sender);
		buf_addc(out, '-');
		break;
	default:
		buf_adds(out, " <");
		add_sender(out, m->sender);
		buf_addc(out, '>');
		break;
	}
	if (m->parent != TRANSCRIPT_NONE) {
		const struct transcript_message *p = &t->messages[m->parent];
		buf_adds(out, " (reply to ");
		add_sender(out, p->sender);
		buf_adds(out, " at ");
		add_short(out, t, p->ts_ms);
		buf_addc(out, ')');
	}
	/* trailing blanks would be invisible, and some tools strip them */
	size_t len = strlen(m->text);
	while (len && (m->text[len - 1] == ' ' || m->text[len - 1] == '\t'))
		len--;
	if (len) {
		buf_addc(out, ' ');
		text_clean(out, m->text, len);
	}
	buf_addc(out, '\n');
}

struct gap_ctx {
	const struct transcript *t;
	struct buf *out;
};

static void render_gap(const struct transcript_gap *g, void *ud)
{
	struct gap_ctx *x = ud;
	buf_adds(x->out, "[gap from ");
	add_short(x->out, x->t, g->start_ms);
	buf_adds(x->out, " to ");
	add_short(x->out, x->t, g->end_ms);
	buf_adds(x->out, ": the bot was away and no history the server replayed covers it; "
			 "lines said then may be missing]\n");
}

static void render_section(const struct transcript *t, const struct transcript_section *s,
			   struct buf *out)
{
	struct gap_ctx x = {t, out};
	size_t g = 0;
	for (size_t i = 0; i < s->n_messages; i++) {
		const struct transcript_message *m = &t->messages[s->messages[i]];
		transcript_gaps_before(t, s, &g, m->ts_ms, render_gap, &x);
		render_message(t, m, out);
	}
	transcript_gaps_before(t, s, &g, INT64_MAX, render_gap, &x);
}

static void render_round(const struct transcript *t, const struct transcript_section *r,
			 struct buf *out)
{
	buf_printf(out, "\n-- T%d", r->number);
	if (*r->topic) {
		buf_adds(out, ": ");
		text_cleans(out, r->topic);
	}
	if (r->started_ms) {
		buf_adds(out, " (posted ");
		add_short(out, t, r->started_ms);
		if (r->ended_ms) {
			buf_adds(out, ", ended ");
			add_short(out, t, r->ended_ms);
		}
		buf_addc(out, ')');
	}
	buf_adds(out, " --\n");
	render_section(t, r, out);
}

/* Display width in code points: good enough to line up a table of words
 * (wide characters and emoji will stick out, never break a line). */
static size_t width(const char *s)
{
	return utf8_length(s, strlen(s));
}

static void render_table(const struct transcript_block *b, struct buf *out)
{
	if (!b->n_cols || !b->n_rows)
		return;
	size_t n = b->n_rows * b->n_cols;
	struct buf *cells = mem_calloc(n, sizeof *cells);
	size_t *w = mem_calloc(b->n_cols, sizeof *w);
	for (size_t i = 0; i < n; i++) {
		text_cleans(&cells[i], b->cells[i]);
		size_t cw = width(buf_str(&cells[i]));
		if (cw > w[i % b->n_cols])
			w[i % b->n_cols] = cw;
	}
	for (size_t r = 0; r < b->n_rows; r++) {
		buf_adds(out, "  ");
		for (size_t col = 0; col < b->n_cols; col++) {
			const char *cell = buf_str(&cells[r * b->n_cols + col]);
			if (col)
				buf_adds(out, " | ");
			buf_adds(out, cell);
			if (col + 1 < b->n_cols)
				for (size_t k = width(cell); k < w[col]; k++)
					buf_addc(out, ' ');
		}
		buf_addc(out, '\n');
		if (r == 0 && b->n_rows > 1) {
			buf_adds(out, "  ");
			for (size_t col = 0; col < b->n_cols; col++) {
				if (col)
					buf_adds(out, "-+-");
				for (size_t k = 0; k < w[col]; k++)
					buf_addc(out, '-');
			}
			buf_addc(out, '\n');
		}
	}
	for (size_t i = 0; i < n; i++)
		buf_free(&cells[i]);
	free(cells);
	free(w);
}

static void render_summary(const struct transcript_summary *s, struct buf *out)
{
	buf_adds(out, "\n== ");
	text_cleans(out, *s->title ? s->title : "Summary");
	buf_adds(out, " ==\n");
	for (size_t i = 0; i < s->n_blocks; i++) {
		const struct transcript_block *b = &s->blocks[i];
		if (i)
			buf_addc(out, '\n');
		switch (b->kind) {
		case TRANSCRIPT_PARAGRAPH:
		case TRANSCRIPT_LIST:
			for (size_t k = 0; k < b->n_items; k++) {
				if (b->kind == TRANSCRIPT_LIST)
					buf_adds(out, "  - ");
				text_cleans(out, b->items[k].text);
				if (b->items[k].url) {
					buf_adds(out, " <");
					text_cleans(out, b->items[k].url);
					buf_addc(out, '>');
				}
				buf_addc(out, '\n');
			}
			break;
		case TRANSCRIPT_TABLE:
			render_table(b, out);
			break;
		}
	}
}

static void render_participants(const struct transcript *t, struct buf *out)
{
	buf_adds(out, "\n-- Participants --\n");
	if (!t->n_participants)
		buf_adds(out, "Nobody took part.\n");
	for (size_t i = 0; i < t->n_participants; i++) {
		add_sender(out, t->participants[i].name);
		buf_adds(out, ": ");
		add_count(out, t->participants[i].messages, "message", "messages");
		buf_addc(out, '\n');
	}
}

void text_render(const struct transcript *t, struct buf *out)
{
	struct tz *z = NULL;
	struct buf err = BUF_INIT;
	bool zone_ok = tz_load(t->chat.timezone, &z, &err) == 0;
	buf_free(&err);
	const struct tz *local = zone_ok && !is_utc(t->chat.timezone) ? z : NULL;

	render_header(t, local, zone_ok, out);
	if (t->intro.n_messages || t->intro.n_gaps) {
		buf_adds(out, "\n-- Introductions --\n");
		render_section(t, &t->intro, out);
	}
	for (size_t i = 0; i < t->n_rounds; i++)
		render_round(t, &t->rounds[i], out);
	if (t->after.n_messages || t->after.n_gaps) {
		buf_adds(out, "\n-- After the last topic --\n");
		render_section(t, &t->after, out);
	}
	for (size_t i = 0; i < t->n_summaries; i++)
		render_summary(&t->summaries[i], out);
	render_participants(t, out);
	tz_free(z);
}
