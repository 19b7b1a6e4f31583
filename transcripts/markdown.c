#include "markdown.h"

#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "tz.h"
#include "utf8.h"

/* Deeper replies are shown at this depth: past it, indentation stops
 * helping a reader and only eats the line. */
#define MAX_DEPTH 6

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* ASCII punctuation escaped wherever it appears. CommonMark lets any ASCII
 * punctuation be escaped, so over-escaping never shows. '-', '+', '.', '='
 * and digits only matter at the start of a line, where user text never is;
 * ':' and '.' are handled for autolinks below. */
static const char special[] = "\\`*_[](){}!#|~^$@";

static bool ascii_ieq(const unsigned char *s, const char *lower, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)lower[i])
			return false;
	}
	return true;
}

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

/* C1 controls and the bidi embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069) could reorder or hide the text around
 * them on the page; the marks U+200E/U+200F stay, real RTL text needs
 * them. */
static bool neutralized(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Printable ASCII that needs no look at all (not special, not '<', '>',
 * '&', and not ':' or '.', which depend on their neighbours): copied in
 * runs, as most of any text is. */
static bool plain(unsigned char c)
{
	/* special[], then the characters handled one by one below */
	static const bool looked_at[128] = {
		['\\'] = 1, ['`'] = 1, ['*'] = 1, ['_'] = 1, ['['] = 1, [']'] = 1, ['('] = 1,
		[')'] = 1, ['{'] = 1, ['}'] = 1, ['!'] = 1, ['#'] = 1, ['|'] = 1, ['~'] = 1,
		['^'] = 1, ['$'] = 1, ['@'] = 1, ['<'] = 1, ['>'] = 1, ['&'] = 1, [':'] = 1, ['.'] = 1,
	};
	return c >= 0x20 && c < 0x7f && !looked_at[c];
}

void markdown_escape(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	buf_reserve(out, n + n / 8);
	for (size_t i = 0; i < n;) {
		size_t run = i;
		while (run < n && plain(p[run]))
			run++;
		if (run > i) {
			buf_add(out, p + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t len = utf8_seq_len(p + i, n - i);
			if (!len) {
				buf_adds(out, REPLACEMENT);
				i++;
				continue;
			}
			uint32_t cp = decode(p + i, len);
			if (neutralized(cp))
				buf_adds(out, REPLACEMENT);
			else if (cp == 0x2028 || cp == 0x2029) /* line and paragraph separators */
				buf_addc(out, ' ');
			else
				buf_add(out, p + i, len);
			i += len;
			continue;
		}
		if (c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f')
			buf_addc(out, ' ');
		else if (c < 0x20 || c == 0x7f)
			buf_adds(out, REPLACEMENT);
		else if (c == '<')
			buf_adds(out, "&lt;");
		else if (c == '>')
			buf_adds(out, "&gt;");
		else if (c == '&')
			buf_adds(out, "&amp;");
		else if (strchr(special, c) ||
			 /* "http://", "ftp://": GitHub's dialect links a bare URL */
			 (c == ':' && i + 2 < n && p[i + 1] == '/' && p[i + 2] == '/') ||
			 /* "www.example.org" likewise */
			 (c == '.' && i >= 3 && ascii_ieq(p + i - 3, "www", 3))) {
			buf_addc(out, '\\');
			buf_addc(out, (char)c);
		} else {
			buf_addc(out, (char)c);
		}
		i++;
	}
}

/* The zone a transcript is shown in, and what the header says about it. */
struct zone {
	struct tz *z;          /* the chat's zone, or UTC when it cannot be loaded */
	bool unknown;          /* the chat's zone could not be loaded */
	struct tz_civil start; /* the chat's start, local */
	struct tz_info start_info;
};

static void zone_load(struct zone *zn, const struct transcript *t)
{
	struct buf err = BUF_INIT;
	*zn = (struct zone){0};
	if (tz_load(t->chat.timezone, &zn->z, &err) != 0) {
		zn->unknown = true;
		buf_clear(&err);
		tz_load("UTC", &zn->z, &err); /* needs no file: cannot fail */
	}
	buf_free(&err);
	tz_civil_from_utc(zn->z, t->chat.started_ms, &zn->start, &zn->start_info);
}

static bool same_date(const struct tz_civil *a, const struct tz_civil *b)
{
	return a->year == b->year && a->month == b->month && a->day == b->day;
}

static void add_date(struct buf *out, const struct tz_civil *c)
{
	buf_printf(out, "%04d-%02d-%02d", c->year, c->month, c->day);
}

/* "15:05": on every line, so not through printf */
static void add_hm(struct buf *out, const struct tz_civil *c)
{
	char s[5] = {(char)('0' + c->hour / 10 % 10), (char)('0' + c->hour % 10), ':',
		     (char)('0' + c->minute / 10 % 10), (char)('0' + c->minute % 10)};
	buf_add(out, s, sizeof s);
}

/* " (UTC−05:00)" after an abbreviation, which "UTC" needs not. */
static void add_offset(struct buf *out, const struct tz_info *i)
{
	if (strcmp(i->abbr, "UTC") == 0 && i->utc_offset == 0)
		return;
	buf_adds(out, " (");
	tz_format_offset(i->utc_offset, out);
	buf_addc(out, ')');
}

/* A line's time as "15:05" in the chat's zone, with its date when it falls
 * on another local day than the chat's start, and with its abbreviation
 * when the offset is not the start's (a daylight-saving change during the
 * chat). */
static void add_time(struct buf *out, const struct zone *zn, int64_t ms)
{
	struct tz_civil c;
	struct tz_info i;
	tz_civil_from_utc(zn->z, ms, &c, &i);
	if (!same_date(&c, &zn->start)) {
		add_date(out, &c);
		buf_addc(out, ' ');
	}
	add_hm(out, &c);
	if (i.utc_offset != zn->start_info.utc_offset)
		buf_printf(out, " %s", i.abbr);
}

/* A time with its abbreviation: "15:05 EST" (and the date as above). */
static void add_time_abbr(struct buf *out, const struct zone *zn, int64_t ms)
{
	struct tz_civil c;
	struct tz_info i;
	tz_civil_from_utc(zn->z, ms, &c, &i);
	if (!same_date(&c, &zn->start)) {
		add_date(out, &c);
		buf_addc(out, ' ');
	}
	add_hm(out, &c);
	buf_printf(out, " %s", i.abbr);
}

static void add_name(struct buf *out, const char *name)
{
	markdown_escape(out, *name ? name : "unknown");
}

static void add_count(struct buf *out, size_t n, const char *one, const char *many)
{
	buf_printf(out, "%zu %s", n, n == 1 ? one : many);
}

/* "2026-11-21 15:00–15:35 EST (UTC−05:00)": the chat's start and end in
 * its zone; the end carries its date and the offset only when they are not
 * the start's. */
static void add_when(struct buf *out, const struct transcript *t, const struct zone *zn)
{
	const struct transcript_chat *c = &t->chat;
	add_date(out, &zn->start);
	buf_addc(out, ' ');
	add_hm(out, &zn->start);
	if (!c->ended_ms) {
		buf_printf(out, " %s", zn->start_info.abbr);
		add_offset(out, &zn->start_info);
		buf_adds(out, " (still open)");
		return;
	}
	struct tz_civil end;
	struct tz_info info;
	tz_civil_from_utc(zn->z, c->ended_ms, &end, &info);
	if (info.utc_offset != zn->start_info.utc_offset ||
	    strcmp(info.abbr, zn->start_info.abbr) != 0) {
		buf_printf(out, " %s", zn->start_info.abbr);
		add_offset(out, &zn->start_info);
		buf_adds(out, " \xe2\x80\x93 ");
		add_date(out, &end);
		buf_addc(out, ' ');
		add_hm(out, &end);
		buf_printf(out, " %s", info.abbr);
		add_offset(out, &info);
		return;
	}
	if (same_date(&end, &zn->start)) {
		buf_adds(out, "\xe2\x80\x93");
	} else {
		buf_printf(out, " %s \xe2\x80\x93 ", zn->start_info.abbr);
		add_date(out, &end);
		buf_addc(out, ' ');
	}
	add_hm(out, &end);
	buf_printf(out, " %s", info.abbr);
	add_offset(out, &info);
}

static void render_header(const struct transcript *t, const struct zone *zn, struct buf *out)
{
	const struct transcript_chat *c = &t->chat;
	buf_adds(out, "# ");
	markdown_escape(out, *c->title ? c->title : *c->name ? c->name : "Chat");
	buf_adds(out, "\n\n- **When:** ");
	add_when(out, t, zn);
	buf_adds(out, "\n- **Where:** ");
	markdown_escape(out, c->room);
	buf_adds(out, " on ");
	markdown_escape(out, c->network);
	if (zn->unknown || strcmp(zn->start_info.abbr, "UTC") != 0 || zn->start_info.utc_offset) {
		buf_adds(out, "\n- **Time zone:** ");
		markdown_escape(out, t->chat.timezone);
		if (zn->unknown)
			buf_adds(out, " (not known here: times are UTC)");
	}
	if (c->opened_by) {
		buf_adds(out, "\n- **Opened by:** ");
		markdown_escape(out, c->opened_by);
	}
	if (c->n_hosts) {
		buf_adds(out, "\n- **Hosts:** ");
		for (size_t i = 0; i < c->n_hosts; i++) {
			if (i)
				buf_adds(out, ", ");
			markdown_escape(out, c->hosts[i]);
		}
	}
	if (c->n_cohosts) {
		buf_adds(out, "\n- **Co-hosts:** ");
		for (size_t i = 0; i < c->n_cohosts; i++) {
			if (i)
				buf_adds(out, ", ");
			markdown_escape(out, c->cohosts[i]);
		}
	}
	const struct transcript_stats *s = &t->stats;
	buf_adds(out, "\n- **Messages:** ");
	buf_printf(out, "%zu from ", s->messages - s->bot_messages);
	add_count(out, s->participants, "participant", "participants");
	if (s->bot_messages)
		buf_printf(out, ", %zu from the bot", s->bot_messages);
	buf_adds(out, "\n");
	if (c->pseudonyms)
		buf_adds(out, "- **Names:** pseudonyms, not the names people used\n");
	if (!s->withheld_messages && !s->removed_messages && !s->redacted_messages && !s->deleted_messages)
		return;
	/* one paragraph of whole sentences, only for what happened */
	const char *sep = "\n";
	if (s->withheld_messages) {
		buf_adds(out, sep);
		add_count(out, s->withheld_messages, "message", "messages");
		buf_adds(out, s->withheld_messages == 1 ? " from people who opted out is not shown."
							: " from people who opted out are not shown.");
		sep = " ";
	}
	if (s->removed_messages) {
		buf_adds(out, sep);
		add_count(out, s->removed_messages, "message was", "messages were");
		buf_adds(out, " removed by a moderator.");
		sep = " ";
	}
	if (s->deleted_messages) {
		buf_adds(out, sep);
		add_count(out, s->deleted_messages, "message was", "messages were");
		buf_adds(out, s->deleted_messages == 1 ? " deleted by its author." : " deleted by their authors.");
		sep = " ";
	}
	if (s->redacted_messages) {
		buf_adds(out, sep);
		buf_adds(out, "Parts of ");
		add_count(out, s->redacted_messages, "message", "messages");
		buf_adds(out, " were redacted.");
	}
	buf_addc(out, '\n');
}

static void render_message(const struct transcript *t, const struct zone *zn,
			   const struct transcript_message *m, struct buf *out)
{
	unsigned depth = m->depth < MAX_DEPTH ? m->depth : MAX_DEPTH;
	for (unsigned i = 0; i < depth; i++)
		buf_adds(out, "  ");
	/* Trailing spaces would keep an action's closing '*' from closing. */
	size_t len = strlen(m->text);
	while (len && (m->text[len - 1] == ' ' || m->text[len - 1] == '\t'))
		len--;
	struct buf text = BUF_INIT;
	buf_add(&text, m->text, len);

	if (m->kind == TRANSCRIPT_ACTION) {
		buf_adds(out, "- *");
		add_name(out, m->sender);
		if (len) {
			buf_addc(out, ' ');
			markdown_escape(out, buf_str(&text));
		}
		buf_adds(out, "* (");
	} else {
		buf_adds(out, "- **");
		add_name(out, m->sender);
		buf_adds(out, "** (");
	}
	add_time(out, zn, m->ts_ms);
	if (m->flags & TRANSCRIPT_F_BOT)
		buf_adds(out, ", bot");
	if (m->parent != TRANSCRIPT_NONE && !m->depth) {
		/* the parent is in another section: say what this answers */
		const struct transcript_message *p = &t->messages[m->parent];
		buf_adds(out, ", replying to **");
		add_name(out, p->sender);
		buf_adds(out, "** at ");
		add_time(out, zn, p->ts_ms);
	}
	buf_addc(out, ')');
	if (m->kind != TRANSCRIPT_ACTION) {
		buf_addc(out, ':');
		if (len) {
			buf_addc(out, ' ');
			markdown_escape(out, buf_str(&text));
		}
	}
	buf_addc(out, '\n');
	buf_free(&text);
}

struct gap_ctx {
	const struct zone *zn;
	struct buf *out;
};

static void render_gap(const struct transcript_gap *g, void *ud)
{
	struct gap_ctx *x = ud;
	buf_adds(x->out, "- *gap from ");
	add_time(x->out, x->zn, g->start_ms);
	buf_adds(x->out, " to ");
	add_time(x->out, x->zn, g->end_ms);
	buf_adds(x->out, ": the bot was away and no history the server replayed covers it; "
			 "lines said then may be missing*\n");
}

static void render_messages(const struct transcript *t, const struct zone *zn,
			    const struct transcript_section *s, struct buf *out)
{
	if (!s->n_messages && !s->n_gaps) {
		buf_adds(out, "No messages.\n");
		return;
	}
	struct gap_ctx x = {zn, out};
	size_t g = 0;
	for (size_t i = 0; i < s->n_messages; i++) {
		const struct transcript_message *m = &t->messages[s->thread[i]];
		if (!m->depth)
			transcript_gaps_before(t, s, &g, m->ts_ms, render_gap, &x);
		render_message(t, zn, m, out);
	}
	transcript_gaps_before(t, s, &g, INT64_MAX, render_gap, &x);
}

static void render_round(const struct transcript *t, const struct zone *zn,
			 const struct transcript_section *r, struct buf *out)
{
	buf_printf(out, "\n## T%d", r->number);
	if (*r->topic) {
		buf_adds(out, ": ");
		markdown_escape(out, r->topic);
	}
	buf_printf(out, "\n\nPosted by the %s at ", r->posted_by_host ? "host" : "bot");
	add_time_abbr(out, zn, r->started_ms);
	if (r->planned_minutes > 0) {
		buf_adds(out, "; ");
		clock_format_minutes(r->planned_minutes, out);
		buf_adds(out, " planned");
	}
	if (r->ended_ms) {
		buf_adds(out, "; ended ");
		add_time_abbr(out, zn, r->ended_ms);
	}
	buf_adds(out, ".\n\n");
	render_messages(t, zn, r, out);
}

static void render_participants(const struct transcript *t, struct buf *out)
{
	/* A list, not a table: tables are not CommonMark, and a list reads the
	 * same everywhere. */
	buf_adds(out, "\n## Participants\n\n");
	if (!t->n_participants) {
		buf_adds(out, "Nobody took part.\n");
		return;
	}
	for (size_t i = 0; i < t->n_participants; i++) {
		const struct transcript_participant *p = &t->participants[i];
		buf_adds(out, "- **");
		add_name(out, p->name);
		buf_adds(out, "**: ");
		add_count(out, p->messages, "message", "messages");
		buf_addc(out, '\n');
	}
}

/* A link's destination: the url (checked by the model: no spaces, quotes,
 * angle brackets, backslashes or controls) with what CommonMark would
 * still read in a destination escaped: parentheses, and '&', which would
 * otherwise start an entity. */
static void add_destination(struct buf *out, const char *url)
{
	for (const char *p = url; *p; p++) {
		if (*p == '(' || *p == ')') {
			buf_addc(out, '\\');
			buf_addc(out, *p);
		} else if (*p == '&') {
			buf_adds(out, "&amp;");
		} else {
			buf_addc(out, *p);
		}
	}
}

/* Appends s escaped where a line starts (a summary's paragraph or list
 * item): besides markdown_escape(), leading blanks go (four would make a
 * code block), and what would open a list or a break ("- ", "+ ", "1. ")
 * is escaped. */
static void escape_at_start(struct buf *out, const char *s)
{
	struct buf tmp = BUF_INIT;
	markdown_escape(&tmp, s);
	const char *p = buf_str(&tmp);
	while (*p == ' ')
		p++;
	size_t digits = strspn(p, "0123456789");
	if (*p == '-' || *p == '+' || *p == '=') {
		buf_addc(out, '\\');
		buf_adds(out, p);
	} else if (digits && p[digits] == '.') {
		buf_add(out, p, digits);
		buf_addc(out, '\\');
		buf_adds(out, p + digits);
	} else {
		buf_adds(out, p);
	}
	buf_free(&tmp);
}

/* An item's text at the start of a line, as a link when the model holds a
 * checked url for it. */
static void add_item(struct buf *out, const struct transcript_item *item)
{
	if (!item->url || !transcript_url_ok(item->url)) {
		escape_at_start(out, item->text);
		return;
	}
	buf_addc(out, '[');
	markdown_escape(out, *item->text ? item->text : item->url);
	buf_adds(out, "](");
	add_destination(out, item->url);
	buf_addc(out, ')');
}

/* A GitHub-style table: the one place the Markdown uses an extension, as
 * a summary's table has no list form that reads as well. */
static void add_table(struct buf *out, const struct transcript_block *b)
{
	if (!b->n_rows || !b->n_cols)
		return;
	for (size_t r = 0; r < b->n_rows; r++) {
		buf_addc(out, '|');
		for (size_t c = 0; c < b->n_cols; c++) {
			buf_addc(out, ' ');
			markdown_escape(out, b->cells[r * b->n_cols + c]);
			buf_adds(out, " |");
		}
		buf_addc(out, '\n');
		if (r == 0) {
			buf_addc(out, '|');
			for (size_t c = 0; c < b->n_cols; c++)
				buf_adds(out, " --- |");
			buf_addc(out, '\n');
		}
	}
}

static void render_summary(const struct transcript_summary *s, struct buf *out)
{
	buf_adds(out, "\n## ");
	markdown_escape(out, *s->title ? s->title : "Summary");
	buf_addc(out, '\n');
	for (size_t i = 0; i < s->n_blocks; i++) {
		const struct transcript_block *b = &s->blocks[i];
		buf_addc(out, '\n');
		switch (b->kind) {
		case TRANSCRIPT_PARAGRAPH:
			for (size_t k = 0; k < b->n_items; k++) {
				if (k)
					buf_addc(out, ' ');
				add_item(out, &b->items[k]);
			}
			buf_addc(out, '\n');
			break;
		case TRANSCRIPT_LIST:
			for (size_t k = 0; k < b->n_items; k++) {
				buf_adds(out, "- ");
				add_item(out, &b->items[k]);
				buf_addc(out, '\n');
			}
			break;
		case TRANSCRIPT_TABLE:
			add_table(out, b);
			break;
		}
	}
}

void markdown_render(const struct transcript *t, struct buf *out)
{
	struct zone zn;
	zone_load(&zn, t);
	render_header(t, &zn, out);
	if (t->intro.n_messages || t->intro.n_gaps) {
		buf_adds(out, "\n## Introductions\n\n");
		render_messages(t, &zn, &t->intro, out);
	}
	for (size_t i = 0; i < t->n_rounds; i++)
		render_round(t, &zn, &t->rounds[i], out);
	if (t->after.n_messages || t->after.n_gaps) {
		buf_adds(out, "\n## After the last topic\n\n");
		render_messages(t, &zn, &t->after, out);
	}
	for (size_t i = 0; i < t->n_summaries; i++)
		render_summary(&t->summaries[i], out);
	render_participants(t, out);
	tz_free(zn.z);
}
