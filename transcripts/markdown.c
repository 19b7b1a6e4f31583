#include "markdown.h"

#include <stdint.h>
#include <string.h>

#include "clock.h"
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

void markdown_escape(struct buf *out, const char *s)
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

/* "2026-11-21 20:05" into out[17]. */
static void format_minute(int64_t ms, char out[17])
{
	char iso[25];
	clock_format_iso(ms, iso);
	memcpy(out, iso, 16);
	out[10] = ' ';
	out[16] = '\0';
}

static bool same_day(int64_t a, int64_t b)
{
	char x[25], y[25];
	clock_format_iso(a, x);
	clock_format_iso(b, y);
	return memcmp(x, y, 10) == 0;
}

/* A time as "20:05", or with its date when it falls on another day than
 * the chat's start. */
static void add_time(struct buf *out, const struct transcript *t, int64_t ms)
{
	char m[17];
	format_minute(ms, m);
	buf_adds(out, same_day(ms, t->chat.started_ms) ? m + 11 : m);
}

static void add_name(struct buf *out, const char *name)
{
	markdown_escape(out, *name ? name : "unknown");
}

static void add_count(struct buf *out, size_t n, const char *one, const char *many)
{
	buf_printf(out, "%zu %s", n, n == 1 ? one : many);
}

static void render_header(const struct transcript *t, struct buf *out)
{
	const struct transcript_chat *c = &t->chat;
	buf_adds(out, "# ");
	markdown_escape(out, *c->title ? c->title : *c->name ? c->name : "Chat");
	buf_adds(out, "\n\n- **When:** ");
	char from[17], to[17];
	format_minute(c->started_ms, from);
	if (!c->ended_ms) {
		buf_printf(out, "%s UTC (still open)", from);
	} else {
		format_minute(c->ended_ms, to);
		if (same_day(c->started_ms, c->ended_ms))
			buf_printf(out, "%s\xe2\x80\x93%s UTC", from, to + 11);
		else
			buf_printf(out, "%s UTC \xe2\x80\x93 %s UTC", from, to);
	}
	buf_adds(out, "\n- **Where:** ");
	markdown_escape(out, c->room);
	buf_adds(out, " on ");
	markdown_escape(out, c->network);
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
	if (s->withheld_messages) {
		buf_adds(out, "\n");
		add_count(out, s->withheld_messages, "message", "messages");
		buf_adds(out, s->withheld_messages == 1
				      ? " from people who opted out is not shown.\n"
				      : " from people who opted out are not shown.\n");
	}
}

static void render_message(const struct transcript *t, const struct transcript_message *m,
			   struct buf *out)
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
	add_time(out, t, m->ts_ms);
	if (m->flags & TRANSCRIPT_F_BOT)
		buf_adds(out, ", bot");
	if (m->parent != TRANSCRIPT_NONE && !m->depth) {
		/* the parent is in another section: say what this answers */
		const struct transcript_message *p = &t->messages[m->parent];
		buf_adds(out, ", replying to **");
		add_name(out, p->sender);
		buf_adds(out, "** at ");
		add_time(out, t, p->ts_ms);
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

static void render_messages(const struct transcript *t, const struct transcript_section *s,
			    struct buf *out)
{
	if (!s->n_messages) {
		buf_adds(out, "No messages.\n");
		return;
	}
	for (size_t i = 0; i < s->n_messages; i++)
		render_message(t, &t->messages[s->thread[i]], out);
}

static void render_round(const struct transcript *t, const struct transcript_section *r,
			 struct buf *out)
{
	buf_printf(out, "\n## T%d", r->number);
	if (*r->topic) {
		buf_adds(out, ": ");
		markdown_escape(out, r->topic);
	}
	buf_printf(out, "\n\nPosted by the %s at ", r->posted_by_host ? "host" : "bot");
	add_time(out, t, r->started_ms);
	buf_adds(out, " UTC");
	if (r->planned_minutes > 0) {
		buf_adds(out, "; ");
		clock_format_minutes(r->planned_minutes, out);
		buf_adds(out, " planned");
	}
	if (r->ended_ms) {
		buf_adds(out, "; ended ");
		add_time(out, t, r->ended_ms);
		buf_adds(out, " UTC");
	}
	buf_adds(out, ".\n\n");
	render_messages(t, r, out);
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

void markdown_render(const struct transcript *t, struct buf *out)
{
	render_header(t, out);
	if (t->intro.n_messages) {
		buf_adds(out, "\n## Introductions\n\n");
		render_messages(t, &t->intro, out);
	}
	for (size_t i = 0; i < t->n_rounds; i++)
		render_round(t, &t->rounds[i], out);
	if (t->after.n_messages) {
		buf_adds(out, "\n## After the last topic\n\n");
		render_messages(t, &t->after, out);
	}
	render_participants(t, out);
}
