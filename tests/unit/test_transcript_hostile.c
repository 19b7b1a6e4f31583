/* The transcript model and its Markdown and JSON renderers against what
 * people type and what they asked for: text that tries to become markup
 * (every hostile line must come out inert), invalid UTF-8, a host who
 * opted out, moderation verdicts (hidden and redacted lines) and
 * pseudonyms. The fixture chats are transcript_fixture.h's. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

#include "json.h"
#include "markdown.h"
#include "text.h"
#include "transcript_fixture.h"
#include "verdict.h"

/* Texts that try to become markup, and what each must look like in the
 * Markdown source. */
static const struct {
	const char *text;
	const char *escaped;
} hostile[] = {
	{"<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"},
	{"[click](javascript:alert(1))", "\\[click\\]\\(javascript:alert\\(1\\)\\)"},
	{"![img](http://evil.example/x.png)", "\\!\\[img\\]\\(http\\://evil.example/x.png\\)"},
	{"<https://evil.example>", "&lt;https\\://evil.example&gt;"},
	{"see https://evil.example/a_b and www.evil.example", "see https\\://evil.example/a\\_b and www\\.evil.example"},
	/* GitHub's dialect still links this one, as mailto: only (see markdown.h) */
	{"mail me@evil.example", "mail me\\@evil.example"},
	{"*bold* _em_ `code` ~~strike~~", "\\*bold\\* \\_em\\_ \\`code\\` \\~\\~strike\\~\\~"},
	{"# heading", "\\# heading"},
	{"> quote", "&gt; quote"},
	{"- item", "- item"},
	{"1. item", "1. item"},
	{"a | b | c", "a \\| b \\| c"},
	{"&lt;b&gt; &amp; &#60;", "&amp;lt;b&amp;gt; &amp;amp; &amp;\\#60;"},
	{"line one\nline two\r\n## T9: fake\n- **x** (20:00): forged", "line one line two  \\#\\# T9: fake - \\*\\*x\\*\\* \\(20:00\\): forged"},
	{"bell\x07 tab\there del\x7f", "bell\xef\xbf\xbd tab here del\xef\xbf\xbd"},
	{"evil \xe2\x80\xaeyrotsih\xe2\x80\xac and \xe2\x81\xa6iso\xe2\x81\xa9",
	 "evil \xef\xbf\xbdyrotsih\xef\xbf\xbd and \xef\xbf\xbdiso\xef\xbf\xbd"},
	{"\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80 ok", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80 ok"},
	{"back\\slash \\[x] trailing\\", "back\\\\slash \\\\\\[x\\] trailing\\\\"},
	{"[ref]: http://evil.example", "\\[ref\\]: http\\://evil.example"},
	{"<!-- comment --> <img src=x onerror=alert(1)>", "&lt;\\!-- comment --&gt; &lt;img src=x onerror=alert\\(1\\)&gt;"},
};

/* Walks Markdown source and fails on anything a CommonMark (or GitHub)
 * parser could turn into a link, image, raw HTML, code or a bidi trick. */
static void assert_inert(const char *md)
{
	const unsigned char *p = (const unsigned char *)md;
	for (size_t i = 0; p[i]; i++) {
		if (p[i] == '\\' && p[i + 1] && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", p[i + 1])) {
			i++; /* an escaped character is literal */
			continue;
		}
		if (p[i] == '<' || p[i] == '>')
			fail_msg("raw '%c' at byte %zu", p[i], i);
		if (p[i] == '[' || p[i] == ']' || p[i] == '`')
			fail_msg("unescaped '%c' at byte %zu", p[i], i);
		if (p[i] == '&' && strncmp(md + i, "&lt;", 4) != 0 && strncmp(md + i, "&gt;", 4) != 0 &&
		    strncmp(md + i, "&amp;", 5) != 0)
			fail_msg("raw entity at byte %zu", i);
		if (p[i] == ':' && p[i + 1] == '/' && p[i + 2] == '/')
			fail_msg("live URL at byte %zu", i);
		if (p[i] == 0xe2 && ((p[i + 1] == 0x80 && p[i + 2] >= 0xaa && p[i + 2] <= 0xae) ||
				     (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)))
			fail_msg("bidi control at byte %zu", i);
	}
	assert_null(strstr(md, "]("));
	assert_null(strstr(md, "!["));
	assert_null(strstr(md, "www."));
	/* every line is one we wrote: headings, list items (nested ones
	 * indented by two), the header's list, or our own sentences */
	for (const char *line = md; *line;) {
		const char *end = strchr(line, '\n');
		assert_non_null(end);
		const char *s = line;
		while (*s == ' ')
			s++;
		bool ok = s == end || strncmp(s, "- ", 2) == 0 || (s == line && strncmp(s, "# ", 2) == 0) ||
			  (s == line && strncmp(s, "## ", 3) == 0) || (s == line && strncmp(s, "Posted by the ", 14) == 0) ||
			  (s == line && strncmp(s, "No messages.", 12) == 0);
		if (!ok || (s != line && (s - line) % 2))
			fail_msg("unexpected line: %.*s", (int)(end - line), line);
		line = end + 1;
	}
}

static void test_markdown_hostile(void **state)
{
	struct store *st = store_fixture_open();
	const char *evil_nick = "<b>[x](y)`z`\xe2\x80\xae";
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "# <img src=x> [t](javascript:x) *T*",
				       at("20:00:00"), 0, "<i>op</i>");
	assert_true(chat > 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 1, "![x](http://evil.example) <b>topic</b> #",
					   NULL, 10, at("20:05:00"), NULL), 0);
	size_t n = sizeof hostile / sizeof hostile[0];
	char msgid[32], when[16];
	for (size_t i = 0; i < n; i++) {
		snprintf(msgid, sizeof msgid, "h%zu", i);
		snprintf(when, sizeof when, "20:%02zu:00", 6 + i);
		struct line l = {when, .nick = i % 2 ? evil_nick : "mallory", .account = "mallory",
				 .msgid = msgid, .reply_to = i ? "h0" : NULL, .round = 1, .text = hostile[i].text,
				 .kind = i == 3 ? EVENT_ACTION : EVENT_MESSAGE};
		add_line(st, chat, &l);
	}
	assert_int_equal(store_commit(st), 0);
	struct transcript *t = load_ok(st, chat);
	struct buf out = BUF_INIT;
	markdown_render(t, &out);
	/* kept for checking by hand with a real parser (cmark-gfm hostile.md) */
	char keep[512];
	snprintf(keep, sizeof keep, "%s/hostile.md", TEST_BINARY_DIR);
	spit(keep, buf_str(&out));
	assert_inert(buf_str(&out));
	for (size_t i = 0; i < n; i++)
		if (!strstr(out.p, hostile[i].escaped))
			fail_msg("text %zu not rendered as %s\n%s", i, hostile[i].escaped, out.p);
	/* the title, topic, opener and nick are escaped too */
	assert_non_null(strstr(out.p, "# \\# &lt;img src=x&gt; \\[t\\]\\(javascript:x\\) \\*T\\*\n"));
	assert_non_null(strstr(out.p, "## T1: \\!\\[x\\]\\(http\\://evil.example\\) &lt;b&gt;topic&lt;/b&gt; \\#\n"));
	assert_non_null(strstr(out.p, "&lt;i&gt;op&lt;/i&gt;"));
	assert_non_null(strstr(out.p, "&lt;b&gt;\\[x\\]\\(y\\)\\`z\\`\xef\xbf\xbd"));
	assert_non_null(strstr(out.p, "(still open)"));
	buf_free(&out);

	/* JSON carries every text exactly, hostile or not */
	assert_int_equal(tjson_render(t, 0, &out), 0);
	json_error_t jerr;
	json_t *doc = json_loads(out.p, 0, &jerr);
	if (!doc)
		fail_msg("invalid JSON: %s", jerr.text);
	json_t *msgs = json_object_get(json_array_get(json_object_get(doc, "rounds"), 0), "messages");
	assert_int_equal(json_array_size(msgs), n);
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(msgs, i);
		assert_string_equal(json_string_value(json_object_get(m, "text")), hostile[i].text);
		assert_string_equal(json_string_value(json_object_get(m, "sender")), i % 2 ? evil_nick : "mallory");
	}
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "chat"), "title")),
			    "# <img src=x> [t](javascript:x) *T*");
	json_decref(doc);
	buf_clear(&out);

	/* plain text: one line per message, nothing that acts on a terminal */
	text_render(t, &out);
	assert_text_inert(out.p);
	for (size_t i = 0; i < n; i++) {
		char stamp[40];
		snprintf(stamp, sizeof stamp, "\n2026-11-21T20:%02zu:00Z ", 6 + i);
		const char *line = strstr(out.p, stamp);
		if (!line)
			fail_msg("no line for text %zu:\n%s", i, out.p);
		/* the next line is the next message (or the participants) */
		const char *next = strchr(line + 1, '\n');
		assert_non_null(next);
		assert_true(strncmp(next + 1, "2026-11-21T20:", 14) == 0 || strncmp(next + 1, "\n-- ", 4) == 0);
	}
	buf_free(&out);
	transcript_free(t);
	store_close(st);
}

/* Ill-formed UTF-8 that got into the store anyway comes out repaired, and
 * the JSON is still valid. */
static void test_invalid_utf8(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "t", at("20:00:00"), 0, NULL);
	struct line l = {"20:01:00", .nick = "bob", .msgid = "x1", .round = 0, .text = "placeholder"};
	add_line(st, chat, &l);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(sqlite3_exec(store_db(st),
				      "UPDATE events SET text = CAST(x'6f6bff20c3' AS TEXT),"
				      " nick = CAST(x'626f62ed' AS TEXT) WHERE msgid = 'x1'",
				      NULL, NULL, NULL), SQLITE_OK);
	struct transcript *t = load_ok(st, chat);
	assert_string_equal(t->messages[0].text, "ok\xef\xbf\xbd \xef\xbf\xbd");
	assert_string_equal(t->messages[0].sender, "bob\xef\xbf\xbd");
	struct buf out = BUF_INIT;
	assert_int_equal(tjson_render(t, 0, &out), 0);
	json_error_t jerr;
	json_t *doc = json_loads(out.p, 0, &jerr);
	assert_non_null(doc);
	json_decref(doc);
	buf_clear(&out);
	markdown_render(t, &out);
	assert_non_null(strstr(out.p, "ok\xef\xbf\xbd \xef\xbf\xbd"));
	buf_free(&out);
	transcript_free(t);
	store_close(st);
}

/* A chat with nothing in it still renders, and a round stamp that names no
 * recorded round falls back to the round running at the time. */
/* A topic a host typed is theirs: after they opt out, the heading shows
 * the planned wording instead (or nothing when there was none). */
static void test_opted_out_host_topic(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "t", at("20:00:00"), 0, NULL);
	assert_int_equal(store_round_start(st, chat, "testnet", 1, "Zed's own words about his clinic",
					   "What helps?", 10, at("20:05:00"), "a:zed"), 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 2, "Zed's ad-hoc topic", NULL, 10,
					   at("20:15:00"), "a:zed"), 0);
	assert_int_equal(store_commit(st), 0);
	struct transcript *t = load_ok(st, chat);
	assert_string_equal(t->rounds[0].topic, "Zed's own words about his clinic");
	transcript_free(t);
	assert_int_equal(store_set_optout(st, "testnet", "a:zed", true, at("21:00:00")), 0);
	assert_int_equal(store_commit(st), 0);
	t = load_ok(st, chat);
	assert_string_equal(t->rounds[0].topic, "What helps?");
	assert_string_equal(t->rounds[1].topic, "");
	struct buf out = BUF_INIT;
	markdown_render(t, &out);
	assert_null(strstr(out.p, "Zed"));
	buf_clear(&out);
	assert_int_equal(tjson_render(t, 0, &out), 0);
	assert_null(strstr(out.p, "Zed"));
	buf_free(&out);
	transcript_free(t);
	store_close(st);
}

/* Moderation's HIDE and REDACT verdicts, and pseudonyms, as every renderer
 * sees them through the model. */
static int64_t event_id_of(struct store *st, const char *text)
{
	return event_id_where(st, "SELECT id FROM events WHERE text = ?1", text);
}

static void test_moderation_and_pseudonyms(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "t", at("20:00:00"), 0, "alice");
	assert_int_equal(store_add_host(st, chat, "alice", false, NULL, at("20:00:00")), 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 1, "one", NULL, 10, at("20:05:00"), NULL), 0);
	struct line lines[] = {
		{"20:06:00", .nick = "bob", .account = "bob", .round = 1,
		 .text = "A1 call me on 555-0100 or mail bob@example.org"},
		{"20:06:30", .nick = "carol", .account = "carol", .round = 1, .text = "A1 buy cheap pills now"},
		{"20:07:00", .nick = "caf\xc3\xa9", .round = 1, .text = "A1 r\xc3\xa9sum\xc3\xa9 and more"},
		{"20:07:30", .nick = "bob", .account = "bob", .round = 1, .text = "A1 my second answer"},
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		add_line(st, chat, &lines[i]);
	assert_int_equal(store_commit(st), 0);
	int64_t bob1 = event_id_of(st, lines[0].text), spam = event_id_of(st, lines[1].text);
	int64_t accents = event_id_of(st, lines[2].text);
	/* the phone number and the address, as two spans; overlapping ones merge */
	assert_int_equal(store_add_verdict(st, bob1, "privacy", VERDICT_REDACT, "phone", "[[14,22]]",
					   at("20:06:01")), 0);
	assert_int_equal(store_add_verdict(st, bob1, "privacy", VERDICT_REDACT, "email",
					   "[[31,46],[35,40]]", at("20:06:01")), 0);
	assert_int_equal(store_add_verdict(st, spam, "policy", VERDICT_HIDE, "promotion", NULL,
					   at("20:06:31")), 0);
	/* a span cutting "é" in half is widened; a span past the end is ignored */
	assert_int_equal(store_add_verdict(st, accents, "privacy", VERDICT_REDACT, NULL,
					   "[[5,6],[900,901],\"junk\"]", at("20:07:01")), 0);
	/* verdicts that do not change transcripts */
	assert_int_equal(store_add_verdict(st, bob1, "flood", VERDICT_WARN, "fast", NULL, at("20:06:02")), 0);
	assert_int_equal(store_commit(st), 0);

	struct transcript *t = load_ok(st, chat);
	assert_int_equal(t->n_messages, 4);
	assert_string_equal(t->messages[0].text,
			    "A1 call me on " TRANSCRIPT_REDACTED " or mail " TRANSCRIPT_REDACTED);
	assert_true(t->messages[0].flags & TRANSCRIPT_F_REDACTED);
	assert_string_equal(t->messages[1].text, TRANSCRIPT_REMOVED);
	assert_string_equal(t->messages[1].sender, "carol");
	assert_true(t->messages[1].flags & TRANSCRIPT_F_REMOVED);
	assert_string_equal(t->messages[2].text, "A1 r" TRANSCRIPT_REDACTED "sum\xc3\xa9 and more");
	assert_int_equal(t->stats.removed_messages, 1);
	assert_int_equal(t->stats.redacted_messages, 2);
	assert_string_equal(t->chat.timezone, "UTC");
	assert_string_equal(t->chat.opened_by, "alice");
	transcript_free(t);

	/* pseudonyms: no real name anywhere, the same person the same name */
	assert_int_equal(store_chat_options(st, chat, "America/New_York", true), 0);
	assert_int_equal(store_commit(st), 0);
	t = load_ok(st, chat);
	assert_string_equal(t->chat.timezone, "America/New_York");
	assert_true(t->chat.pseudonyms);
	assert_null(t->chat.opened_by);
	assert_int_equal(t->chat.n_hosts, 0);
	assert_string_equal(t->messages[0].sender, t->messages[3].sender);
	assert_string_not_equal(t->messages[0].sender, t->messages[1].sender);
	assert_string_not_equal(t->messages[1].sender, t->messages[2].sender);
	struct buf md = BUF_INIT, js = BUF_INIT;
	markdown_render(t, &md);
	assert_int_equal(tjson_render(t, 0, &js), 0);
	for (size_t i = 0; i < t->n_participants; i++) {
		assert_null(strstr(t->participants[i].name, "bob"));
		assert_null(strstr(t->participants[i].name, "carol"));
	}
	if (strstr(md.p, "bob"))
		fail_msg("a name in the Markdown:\n%s", md.p);
	assert_null(strstr(md.p, "carol"));
	assert_null(strstr(md.p, "alice"));
	assert_null(strstr(js.p, "\"bob\""));
	assert_null(strstr(js.p, "carol"));
	assert_null(strstr(js.p, "555-0100"));
	assert_null(strstr(js.p, "cheap pills"));
	char first[64];
	snprintf(first, sizeof first, "%s", t->messages[0].sender);
	transcript_free(t);
	/* stable: loading again gives the same pseudonym */
	t = load_ok(st, chat);
	assert_string_equal(t->messages[0].sender, first);
	transcript_free(t);
	buf_free(&md);
	buf_free(&js);
	store_close(st);
}

int main(void)
{
	store_global_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_markdown_hostile, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_opted_out_host_topic, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_moderation_and_pseudonyms, store_fixture_setup, store_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
