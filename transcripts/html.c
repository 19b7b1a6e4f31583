#include "html.h"

#include <stdint.h>
#include <string.h>

#include "chart.h"
#include "clock.h"
#include "tz.h"
#include "utf8.h"

/* Deeper replies are shown at this depth: past it, indentation stops
 * helping a reader, eats a phone's width, and a browser's parser stops
 * nesting anyway (Chromium flattens past 512 levels). A reply shown
 * shallower than it is says what it answers. */
#define MAX_DEPTH 6

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

/* Code points that must not reach the page: C1 controls; the bidi
 * embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which
 * would reorder the text after them, outside the message (the marks
 * U+200E/U+200F stay: real right-to-left text needs them); and the
 * noncharacters, which HTML calls parse errors. */
static bool neutralized(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || (cp >= 0xfdd0 && cp <= 0xfdef) ||
	       (cp & 0xfffe) == 0xfffe;
}

void html_escape(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	buf_reserve(out, n + n / 8);
	for (size_t i = 0; i < n;) {
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
		switch (c) {
		case '&': buf_adds(out, "&amp;"); break;
		case '<': buf_adds(out, "&lt;"); break;
		case '>': buf_adds(out, "&gt;"); break;
		case '"': buf_adds(out, "&quot;"); break;
		case '\'': buf_adds(out, "&#39;"); break;
		case '\t': case '\n': case '\r': case '\v': case '\f': buf_addc(out, ' '); break;
		default:
			if (c < 0x20 || c == 0x7f)
				buf_adds(out, REPLACEMENT);
			else
				buf_addc(out, (char)c);
		}
		i++;
	}
}

static const char *const weekdays[7] = {"Sunday", "Monday", "Tuesday", "Wednesday",
					"Thursday", "Friday", "Saturday"};
static const char *const months[12] = {"January", "February", "March", "April",
				       "May", "June", "July", "August",
				       "September", "October", "November", "December"};

void html_datetime(struct buf *out, int64_t ms)
{
	char iso[25];
	clock_format_iso(ms, iso);
	buf_adds(out, iso);
}

void html_local_date(struct buf *out, const struct tz *z, int64_t ms)
{
	struct tz_civil c;
	tz_civil_from_utc(z, ms, &c, NULL);
	buf_printf(out, "%s %d %s %d", weekdays[c.wday % 7], c.day, months[(c.month - 1) % 12],
		   c.year);
}

/* "EST"; or "UTC+05:30" for a zone whose data has only a numeric
 * abbreviation ("+0530"), which says less than the offset does. */
static void zone_short(struct buf *out, const struct tz_info *i)
{
	char c = i->abbr[0];
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		buf_adds(out, i->abbr);
	else
		tz_format_offset(i->utc_offset, out);
}

/* "EST (UTC−05:00)", or just "UTC" / "UTC+05:30" when the abbreviation
 * would only repeat the offset. */
static void zone_long(struct buf *out, const struct tz_info *i)
{
	zone_short(out, i);
	char c = i->abbr[0];
	bool named = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
	if (named && strcmp(i->abbr, "UTC") != 0) {
		buf_adds(out, " (");
		tz_format_offset(i->utc_offset, out);
		buf_addc(out, ')');
	}
}

static bool same_day(const struct tz_civil *a, const struct tz_civil *b)
{
	return a->year == b->year && a->month == b->month && a->day == b->day;
}

void html_local_time(struct buf *out, const struct tz *z, int64_t ms, int64_t ref_ms)
{
	struct tz_civil c, r;
	struct tz_info i, ri;
	tz_civil_from_utc(z, ms, &c, &i);
	tz_civil_from_utc(z, ref_ms, &r, &ri);
	if (!same_day(&c, &r))
		buf_printf(out, "%.3s %d %.3s ", weekdays[c.wday % 7], c.day, months[(c.month - 1) % 12]);
	buf_printf(out, "%02d:%02d", c.hour, c.minute);
	if (i.utc_offset != ri.utc_offset) {
		buf_addc(out, ' ');
		zone_short(out, &i);
	}
}

/* <time datetime="…">20:05</time>, relative to the chat's start. */
static void add_time(struct buf *out, const struct transcript *t, const struct tz *z, int64_t ms)
{
	buf_adds(out, "<time datetime=\"");
	html_datetime(out, ms);
	buf_adds(out, "\">");
	html_local_time(out, z, ms, t->chat.started_ms);
	buf_adds(out, "</time>");
}

static void add_bdi(struct buf *out, const char *s)
{
	buf_adds(out, "<bdi>");
	html_escape(out, s);
	buf_adds(out, "</bdi>");
}

static void add_count(struct buf *out, size_t n, const char *one, const char *many)
{
	buf_printf(out, "%zu %s", n, n == 1 ? one : many);
}

static const char *chat_title(const struct transcript *t)
{
	return *t->chat.title ? t->chat.title : *t->chat.name ? t->chat.name : "Chat";
}

/* An href from the options: relative, or plain http(s). Anything with
 * another scheme ("javascript:") is not linked at all. */
static bool href_ok(const char *href)
{
	if (!href || !*href)
		return false;
	size_t scheme = strcspn(href, ":/?#");
	if (href[scheme] != ':')
		return strcspn(href, "\"'<>\\ \t\r\n") == strlen(href);
	return transcript_url_ok(href);
}

static void head(const struct transcript *t, const struct tz *z, struct buf *out)
{
	buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		      "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<meta name=\"referrer\" content=\"no-referrer\">\n"
		      "<meta name=\"color-scheme\" content=\"light dark\">\n"
		      "<meta name=\"generator\" content=\"rounds\">\n<title>");
	html_escape(out, chat_title(t));
	buf_adds(out, " \xe2\x80\x93 ");
	html_local_date(out, z, t->chat.started_ms);
	/* An empty icon: otherwise the browser asks the server for
	 * /favicon.ico, a request this page promises not to make. */
	buf_adds(out, "</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>\n");
	buf_adds(out, html_css);
	buf_adds(out, "</style>\n</head>\n");
}

static void nav_link(struct buf *out, const char *href, const char *text)
{
	buf_adds(out, "<li><a href=\"");
	html_escape(out, href);
	buf_adds(out, "\">");
	html_escape(out, text);
	buf_adds(out, "</a></li>");
}

static void formats_nav(const struct html_options *o, struct buf *out)
{
	if (!o)
		return;
	bool index = href_ok(o->index_href), md = href_ok(o->markdown_href),
	     txt = href_ok(o->text_href), json = href_ok(o->json_href);
	if (!index && !md && !txt && !json)
		return;
	buf_adds(out, "<nav class=\"formats\" aria-label=\"Archive and other formats\"><ul>");
	if (index)
		nav_link(out, o->index_href, o->archive_title && *o->archive_title ? o->archive_title
										   : "All chats");
	if (md)
		nav_link(out, o->markdown_href, "Markdown");
	if (txt)
		nav_link(out, o->text_href, "Plain text");
	if (json)
		nav_link(out, o->json_href, "JSON");
	buf_adds(out, "</ul></nav>\n");
}

/* "Saturday 21 November 2026, 20:00–20:35 EST (UTC−05:00)": the end
 * repeats the date when the local day changed and names its own zone when
 * the offset changed (a chat across a daylight-saving change). */
static void when(const struct transcript *t, const struct tz *z, struct buf *out)
{
	const struct transcript_chat *c = &t->chat;
	struct tz_civil s, e;
	struct tz_info si, ei;
	tz_civil_from_utc(z, c->started_ms, &s, &si);
	buf_adds(out, "<p class=\"when\"><time datetime=\"");
	html_datetime(out, c->started_ms);
	buf_adds(out, "\">");
	html_local_date(out, z, c->started_ms);
	buf_printf(out, ", %02d:%02d", s.hour, s.minute);
	if (!c->ended_ms) {
		buf_adds(out, "</time> ");
		zone_long(out, &si);
		buf_adds(out, ", still open</p>\n");
		return;
	}
	tz_civil_from_utc(z, c->ended_ms, &e, &ei);
	bool shift = si.utc_offset != ei.utc_offset || strcmp(si.abbr, ei.abbr) != 0;
	if (shift) {
		buf_adds(out, "</time> ");
		zone_long(out, &si);
		buf_adds(out, " \xe2\x80\x93 ");
	} else {
		buf_adds(out, same_day(&s, &e) ? "</time>\xe2\x80\x93" : "</time> \xe2\x80\x93 ");
	}
	buf_adds(out, "<time datetime=\"");
	html_datetime(out, c->ended_ms);
	buf_adds(out, "\">");
	if (!same_day(&s, &e)) {
		html_local_date(out, z, c->ended_ms);
		buf_adds(out, ", ");
	}
	buf_printf(out, "%02d:%02d</time> ", e.hour, e.minute);
	zone_long(out, &ei);
	buf_adds(out, " <span class=\"note\">(");
	clock_format_duration(c->ended_ms - c->started_ms, out);
	buf_adds(out, ")</span></p>\n");
}

static void name_list(struct buf *out, const char *label, const char *const *names, size_t n)
{
	if (!n)
		return;
	buf_printf(out, "<dt>%s</dt><dd>", label);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(out, ", ");
		add_bdi(out, names[i]);
	}
	buf_adds(out, "</dd>\n");
}

static void contents_nav(const struct transcript *t, struct buf *out)
{
	buf_adds(out, "<nav class=\"contents\" aria-label=\"Contents\"><ol>\n");
	if (t->intro.n_messages || t->intro.n_gaps)
		buf_adds(out, "<li><a href=\"#intro\">Introductions</a></li>\n");
	for (size_t i = 0; i < t->n_rounds; i++) {
		const struct transcript_section *r = &t->rounds[i];
		buf_printf(out, "<li><a href=\"#t%d\">T%d", r->number, r->number);
		if (r->topic && *r->topic) {
			buf_adds(out, ": ");
			add_bdi(out, r->topic);
		}
		buf_adds(out, "</a></li>\n");
	}
	if (t->after.n_messages || t->after.n_gaps)
		buf_adds(out, "<li><a href=\"#after\">After the last topic</a></li>\n");
	for (size_t i = 0; i < t->n_summaries; i++) {
		buf_printf(out, "<li><a href=\"#summary-%zu\">", i + 1);
		add_bdi(out, t->summaries[i].title);
		buf_adds(out, "</a></li>\n");
	}
	buf_adds(out, "<li><a href=\"#participants\">Participants</a></li>\n"
		      "<li><a href=\"#charts\">Charts</a></li>\n</ol></nav>\n");
}

static void header(const struct transcript *t, const struct html_options *o, const struct tz *z,
		   struct buf *out)
{
	const struct transcript_chat *c = &t->chat;
	const struct transcript_stats *s = &t->stats;
	buf_adds(out, "<header>\n");
	formats_nav(o, out);
	buf_adds(out, "<h1>");
	add_bdi(out, chat_title(t));
	buf_adds(out, "</h1>\n");
	when(t, z, out);
	buf_adds(out, "<dl class=\"facts\">\n<dt>Where</dt><dd>");
	add_bdi(out, c->room);
	buf_adds(out, " on ");
	add_bdi(out, c->network);
	buf_adds(out, "</dd>\n");
	if (c->opened_by) {
		buf_adds(out, "<dt>Opened by</dt><dd>");
		add_bdi(out, c->opened_by);
		buf_adds(out, "</dd>\n");
	}
	name_list(out, c->n_hosts == 1 ? "Host" : "Hosts", c->hosts, c->n_hosts);
	name_list(out, c->n_cohosts == 1 ? "Co-host" : "Co-hosts", c->cohosts, c->n_cohosts);
	buf_printf(out, "<dt>Messages</dt><dd>%zu from ", s->messages - s->bot_messages);
	add_count(out, s->participants, "participant", "participants");
	if (s->bot_messages)
		buf_printf(out, ", %zu from the bot", s->bot_messages);
	buf_adds(out, "</dd>\n</dl>\n");
	if (s->withheld_messages) {
		buf_adds(out, "<p class=\"note\">");
		add_count(out, s->withheld_messages, "message", "messages");
		buf_adds(out, s->withheld_messages == 1 ? " from people who opted out is not shown.</p>\n"
							: " from people who opted out are not shown.</p>\n");
	}
	if (s->removed_messages) {
		buf_adds(out, "<p class=\"note\">");
		add_count(out, s->removed_messages, "message was", "messages were");
		buf_adds(out, " removed by a moderator.</p>\n");
	}
	if (s->deleted_messages) {
		buf_adds(out, "<p class=\"note\">");
		add_count(out, s->deleted_messages, "message was", "messages were");
		buf_adds(out, s->deleted_messages == 1 ? " deleted by its author.</p>\n"
						       : " deleted by their authors.</p>\n");
	}
	if (s->redacted_messages) {
		buf_adds(out, "<p class=\"note\">");
		add_count(out, s->redacted_messages, "message has", "messages have");
		buf_adds(out, " parts redacted by a moderator.</p>\n");
	}
	if (c->pseudonyms)
		buf_adds(out, "<p class=\"note\">Participants are shown under pseudonyms.</p>\n");
	contents_nav(t, out);
	buf_adds(out, "</header>\n");
}

/* The text of a line: removed lines show only the marker; in a redacted
 * line each marker the model put in is styled (a participant who typed
 * "[redacted]" themselves gets it styled too only if a moderator also
 * redacted part of the same line: the flag is per line). */
static void message_text(const struct transcript_message *m, struct buf *out)
{
	if (m->flags & TRANSCRIPT_F_REMOVED) {
		/* the model's marker: removed by a moderator, or deleted by its author */
		buf_adds(out, "<span class=\"removed\">");
		html_escape(out, m->text);
		buf_adds(out, "</span>");
		return;
	}
	buf_adds(out, "<bdi class=\"text\">");
	if (!(m->flags & TRANSCRIPT_F_REDACTED)) {
		html_escape(out, m->text);
	} else {
		struct buf piece = BUF_INIT;
		const char *p = m->text, *hit;
		size_t mark = strlen(TRANSCRIPT_REDACTED);
		while ((hit = strstr(p, TRANSCRIPT_REDACTED))) {
			buf_clear(&piece);
			buf_add(&piece, p, (size_t)(hit - p));
			html_escape(out, buf_str(&piece));
			buf_adds(out, "<span class=\"redacted\">" TRANSCRIPT_REDACTED "</span>");
			p = hit + mark;
		}
		html_escape(out, p);
		buf_free(&piece);
	}
	buf_adds(out, "</bdi>");
}

static void message(const struct transcript *t, const struct tz *z,
		    const struct transcript_message *m, bool say_parent, struct buf *out)
{
	const char *who = *m->sender ? m->sender : "unknown";
	buf_printf(out, "<li class=\"msg%s%s%s\" id=\"m%lld\"><p>",
		   m->kind == TRANSCRIPT_ACTION ? " action" : "",
		   m->kind == TRANSCRIPT_NOTICE ? " notice" : "", m->flags & TRANSCRIPT_F_BOT ? " bot" : "",
		   (long long)m->id);
	add_time(out, t, z, m->ts_ms);
	buf_addc(out, ' ');
	if (m->kind == TRANSCRIPT_ACTION) {
		buf_adds(out, "<span class=\"act\">* <b class=\"who\">");
		add_bdi(out, who);
		buf_adds(out, "</b> ");
	} else {
		buf_adds(out, "<b class=\"who\">");
		add_bdi(out, who);
		buf_adds(out, "</b> ");
	}
	if (m->flags & TRANSCRIPT_F_BOT)
		buf_adds(out, "<span class=\"tag\">bot</span> ");
	else if (m->flags & TRANSCRIPT_F_MODERATOR)
		buf_adds(out, "<span class=\"tag\">moderator</span> ");
	if (say_parent && m->parent != TRANSCRIPT_NONE) {
		const struct transcript_message *p = &t->messages[m->parent];
		buf_printf(out, "<a class=\"re\" href=\"#m%lld\">replying to ", (long long)p->id);
		add_bdi(out, *p->sender ? p->sender : "unknown");
		buf_adds(out, " at ");
		html_local_time(out, z, p->ts_ms, t->chat.started_ms);
		buf_adds(out, "</a> ");
	}
	message_text(m, out);
	if (m->kind == TRANSCRIPT_ACTION)
		buf_adds(out, "</span>");
	buf_adds(out, "</p>");
}

/* The section's lines in reading order as nested lists: a reply goes in
 * an <ol> inside the item it answers. The model's thread order puts each
 * reply right after its parent's subtree began, one level deeper, so the
 * depth never rises by more than one from one line to the next. */
struct gap_ctx {
	const struct transcript *t;
	const struct tz *z;
	struct buf *out;
	int *cur;
};

/* A gap as an item of its own at the top level (closing what is open). */
static void gap_item(const struct transcript_gap *g, void *ud)
{
	struct gap_ctx *x = ud;
	if (*x->cur >= 0) {
		buf_adds(x->out, "</li>\n");
		for (; *x->cur > 0; (*x->cur)--)
			buf_adds(x->out, "</ol></li>\n");
		*x->cur = -1;
	}
	buf_adds(x->out, "<li class=\"gap\"><p><em>gap from ");
	add_time(x->out, x->t, x->z, g->start_ms);
	buf_adds(x->out, " to ");
	add_time(x->out, x->t, x->z, g->end_ms);
	buf_adds(x->out, ": the bot was away and no history the server replayed covers it; "
			 "lines said then may be missing</em></p></li>\n");
}

static void messages(const struct transcript *t, const struct tz *z,
		     const struct transcript_section *s, struct buf *out)
{
	if (!s->n_messages && !s->n_gaps) {
		buf_adds(out, "<p class=\"empty\">No messages.</p>\n");
		return;
	}
	buf_adds(out, "<ol class=\"msgs\">\n");
	int cur = -1; /* depth of the open <li>, -1 before the first (or after a gap) */
	struct gap_ctx x = {t, z, out, &cur};
	size_t g = 0;
	for (size_t i = 0; i < s->n_messages; i++) {
		const struct transcript_message *m = &t->messages[s->thread[i]];
		if (!m->depth)
			transcript_gaps_before(t, s, &g, m->ts_ms, gap_item, &x);
		int d = m->depth < MAX_DEPTH ? (int)m->depth : MAX_DEPTH;
		if (d > cur + 1)
			d = cur + 1;
		if (d > cur && cur >= 0) {
			buf_adds(out, "\n<ol class=\"replies\">\n");
		} else if (cur >= 0) {
			buf_adds(out, "</li>\n");
			for (; cur > d; cur--)
				buf_adds(out, "</ol></li>\n");
		}
		cur = d;
		/* say what it answers when the nesting does not show it */
		message(t, z, m, m->depth != (unsigned)d || (m->depth == 0), out);
	}
	transcript_gaps_before(t, s, &g, INT64_MAX, gap_item, &x);
	if (cur >= 0) {
		buf_adds(out, "</li>\n");
		for (; cur > 0; cur--)
			buf_adds(out, "</ol></li>\n");
	}
	buf_adds(out, "</ol>\n");
}

static void round_section(const struct transcript *t, const struct tz *z,
			  const struct transcript_section *r, struct buf *out)
{
	buf_printf(out, "<section class=\"round\" id=\"t%d\" aria-labelledby=\"t%d-h\">\n"
			"<h2 id=\"t%d-h\">T%d", r->number, r->number, r->number, r->number);
	if (r->topic && *r->topic) {
		buf_adds(out, ": ");
		add_bdi(out, r->topic);
	}
	buf_printf(out, "</h2>\n<p class=\"posted\">Posted by the %s", r->posted_by_host ? "host" : "bot");
	if (r->started_ms) {
		buf_adds(out, " at ");
		add_time(out, t, z, r->started_ms);
	}
	if (r->planned_minutes > 0) {
		buf_adds(out, "; ");
		clock_format_minutes(r->planned_minutes, out);
		buf_adds(out, " planned");
	}
	if (r->ended_ms) {
		buf_adds(out, "; ended ");
		add_time(out, t, z, r->ended_ms);
	}
	buf_adds(out, ".</p>\n");
	messages(t, z, r, out);
	buf_adds(out, "</section>\n");
}

static void plain_section(const struct transcript *t, const struct tz *z,
			  const struct transcript_section *s, const char *id, const char *title,
			  struct buf *out)
{
	buf_printf(out, "<section id=\"%s\" aria-labelledby=\"%s-h\">\n<h2 id=\"%s-h\">%s</h2>\n", id,
		   id, id, title);
	messages(t, z, s, out);
	buf_adds(out, "</section>\n");
}

/* Text with its link, if the model kept one (it only keeps checked
 * http(s) addresses; checked again here, since a link is the one thing on
 * the page that leads elsewhere). */
static void item(const struct transcript_item *it, struct buf *out)
{
	bool link = it->url && transcript_url_ok(it->url);
	if (link) {
		buf_adds(out, "<a href=\"");
		html_escape(out, it->url);
		buf_adds(out, "\" rel=\"nofollow ugc noopener\">");
	}
	add_bdi(out, it->text ? it->text : "");
	if (link)
		buf_adds(out, "</a>");
}

static void summary_block(const struct transcript_block *b, struct buf *out)
{
	switch (b->kind) {
	case TRANSCRIPT_PARAGRAPH:
		if (!b->n_items)
			return;
		buf_adds(out, "<p>");
		item(&b->items[0], out);
		buf_adds(out, "</p>\n");
		return;
	case TRANSCRIPT_LIST:
		buf_adds(out, "<ul>\n");
		for (size_t i = 0; i < b->n_items; i++) {
			buf_adds(out, "<li>");
			item(&b->items[i], out);
			buf_adds(out, "</li>\n");
		}
		buf_adds(out, "</ul>\n");
		return;
	case TRANSCRIPT_TABLE:
		if (!b->n_rows || !b->n_cols)
			return;
		buf_adds(out, "<div class=\"table\"><table>\n<thead><tr>");
		for (size_t r = 0; r < b->n_rows; r++) {
			if (r == 1)
				buf_adds(out, "<tbody>\n");
			if (r)
				buf_adds(out, "<tr>");
			for (size_t c = 0; c < b->n_cols; c++) {
				const char *cell = b->cells[r * b->n_cols + c];
				buf_adds(out, r ? "<td>" : "<th scope=\"col\">");
				add_bdi(out, cell ? cell : "");
				buf_adds(out, r ? "</td>" : "</th>");
			}
			buf_adds(out, r ? "</tr>\n" : "</tr></thead>\n");
		}
		if (b->n_rows > 1)
			buf_adds(out, "</tbody>\n");
		buf_adds(out, "</table></div>\n");
		return;
	}
}

static void summaries(const struct transcript *t, struct buf *out)
{
	for (size_t i = 0; i < t->n_summaries; i++) {
		const struct transcript_summary *s = &t->summaries[i];
		buf_printf(out, "<section class=\"summary\" id=\"summary-%zu\" aria-labelledby=\"summary-%zu-h\">\n"
				"<h2 id=\"summary-%zu-h\">", i + 1, i + 1, i + 1);
		add_bdi(out, s->title);
		buf_adds(out, "</h2>\n");
		for (size_t b = 0; b < s->n_blocks; b++)
			summary_block(&s->blocks[b], out);
		buf_adds(out, "</section>\n");
	}
}

static void participants(const struct transcript *t, struct buf *out)
{
	buf_adds(out, "<section id=\"participants\" aria-labelledby=\"participants-h\">\n"
		      "<h2 id=\"participants-h\">Participants</h2>\n");
	if (!t->n_participants) {
		buf_adds(out, "<p class=\"empty\">Nobody took part.</p>\n</section>\n");
		return;
	}
	buf_adds(out, "<ol class=\"people\">\n");
	for (size_t i = 0; i < t->n_participants; i++) {
		const struct transcript_participant *p = &t->participants[i];
		buf_adds(out, "<li>");
		add_bdi(out, *p->name ? p->name : "unknown");
		buf_adds(out, " <span class=\"n\">");
		add_count(out, p->messages, "message", "messages");
		buf_adds(out, "</span></li>\n");
	}
	buf_adds(out, "</ol>\n</section>\n");
}

static void footer(const struct transcript *t, struct buf *out)
{
	buf_adds(out, "<footer>\n<p>Times are local to <bdi>");
	html_escape(out, t->chat.timezone);
	buf_adds(out, "</bdi>. Transcript of ");
	add_bdi(out, t->chat.room);
	buf_adds(out, " on ");
	add_bdi(out, t->chat.network);
	buf_adds(out, ", published by rounds.</p>\n</footer>\n");
}

int html_render(const struct transcript *t, const struct html_options *o, struct buf *out,
		struct buf *err)
{
	struct tz *z = NULL;
	if (tz_load(t->chat.timezone, &z, err) != 0)
		return -1;
	head(t, z, out);
	buf_adds(out, "<body>\n<a class=\"skip\" href=\"#main\">Skip to the transcript</a>\n");
	header(t, o, z, out);
	buf_adds(out, "<main id=\"main\">\n");
	if (t->intro.n_messages || t->intro.n_gaps)
		plain_section(t, z, &t->intro, "intro", "Introductions", out);
	for (size_t i = 0; i < t->n_rounds; i++)
		round_section(t, z, &t->rounds[i], out);
	if (t->after.n_messages || t->after.n_gaps)
		plain_section(t, z, &t->after, "after", "After the last topic", out);
	summaries(t, out);
	participants(t, out);
	chart_section(out, t, z);
	buf_adds(out, "</main>\n");
	footer(t, out);
	buf_adds(out, "</body>\n</html>\n");
	tz_free(z);
	return 0;
}
