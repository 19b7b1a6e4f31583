/* The HTML renderer and its charts, on fixture chats written through the
 * store API.
 *
 * chat1.html is the reference page: a chat in America/New_York across the
 * end of daylight saving time (01:30 EDT to 01:15 EST, through the repeated
 * hour). It is a golden file in tests/unit/golden/ and is the spec: review
 * it by eye when it changes. Regenerate with ROUNDS_REGOLD=1 (writes into
 * the source tree).
 *
 * The pages are also written, for the browser test
 * (tests/integration/test_html_browser.py) and for looking at, into
 * $ROUNDS_HTML_OUT when set, else into the build's tests directory:
 * chat1.html, hostile.html (every payload aimed at the host leak.invalid),
 * big.html (three hours, 400 participants) and empty.html. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "clock.h"
#include "html.h"
#include "model.h"
#include "store.h"
#include "tz.h"
#include "verdict.h"

#include "store_fixture.h"

/* "05:30:00" on 2026-11-01 (UTC), the night New York falls back. */
static int64_t at(const char *hms)
{
	char iso[40];
	snprintf(iso, sizeof iso, "2026-11-01T%s.000Z", hms);
	int64_t ms = clock_parse_iso(iso);
	assert_true(ms > 0);
	return ms;
}

struct line {
	const char *at;
	enum event_kind kind;
	unsigned flags;
	const char *nick;
	const char *account;
	const char *text;
	const char *msgid;
	const char *reply_to;
	int round;
};

/* Stores a line in the chat's room; returns its event id. */
static int64_t add_line(struct store *st, int64_t chat, const struct line *l)
{
	struct event ev = {
		.kind = l->kind ? l->kind : EVENT_MESSAGE,
		.flags = l->flags,
		.network = "testnet",
		.room = "#hcsm",
		.nick = l->nick,
		.account = l->account,
		.text = l->text,
		.msgid = l->msgid,
		.reply_to = l->reply_to,
		.ts_ms = at(l->at),
	};
	struct buf key = BUF_INIT;
	const char *k = NULL;
	if (!(l->flags & EVENT_F_SELF)) {
		store_person_key(l->account, l->nick, &key);
		k = key.p;
	}
	int64_t id = 0;
	assert_int_equal(store_add_event(st, &ev, k, chat, l->round, &id), 1);
	buf_free(&key);
	return id;
}

#define BOT EVENT_F_SELF
#define MOD EVENT_F_MODERATOR

/* One word of 10 KB after "A1 ": nothing to break it at but the CSS. */
static char long_word[3 + 10240 + 1];

static void make_long_word(void)
{
	static const char word[] = "burnout";
	memcpy(long_word, "A1 ", 3);
	for (size_t i = 0; i < 10240; i++)
		long_word[3 + i] = word[i % 7];
	long_word[sizeof long_word - 1] = '\0';
}

#define HEBREW_NICK "\xd7\x99\xd7\xa2\xd7\x9c"

static const struct line chat1_lines[] = {
	{"05:30:00", .flags = BOT, .nick = "rounds",
	 .text = "Welcome to HCSM weekly! 3 topics tonight; answer topic T1 with A1, T2 with A2, and so on."},
	{"05:30:30", .flags = MOD, .nick = "alice", .account = "alice", .msgid = "m1",
	 .text = "Hi all, I'm Alice, a nurse in Leeds \xe2\x80\x94 your host tonight \xf0\x9f\x91\x8b"},
	{"05:31:10", .nick = "bob", .account = "bob", .msgid = "m2", .reply_to = "m1",
	 .text = "Bob here, GP in Bristol"},
	{"05:31:20", .nick = "dana", .account = "dana", .msgid = "m3", .text = "Dana, patient advocate, SECRET-INTRO"},
	{"05:31:30", .nick = "carol", .account = "carol", .msgid = "m4",
	 .text = "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd9\x85\xd9\x86 \xd8\xa7\xd9\x84\xd9\x82\xd8\xa7"
		 "\xd9\x87\xd8\xb1\xd8\xa9 \xe2\x80\x94 Carol, pharmacist"},
	{"05:32:00", .nick = HEBREW_NICK, .account = "yael", .msgid = "m5",
	 .text = "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd7\x9e\xd7\xaa\xd7\x9c \xd7\x90\xd7\x91\xd7\x99\xd7\x91 "
		 "\xe2\x80\x94 Yael, midwife"},
	{"05:32:01", .kind = EVENT_NOTICE, .flags = BOT, .nick = "rounds", .text = "carol: the intro ends in 3 min."},
	{"05:35:00", .flags = BOT, .nick = "rounds", .round = 1,
	 .text = "T1: How do you recognise burnout in yourself? Answer with A1."},
	{"05:36:00", .nick = "bob", .account = "bob", .msgid = "m10", .round = 1,
	 .text = "A1 I stop sleeping well & skip lunch"},
	{"05:36:30", .kind = EVENT_ACTION, .nick = "carol", .account = "carol", .msgid = "m11", .round = 1,
	 .text = "nods along"},
	{"05:37:00", .nick = "dana", .account = "dana", .msgid = "m12", .round = 1, .text = "A1 SECRET-ANSWER from dana"},
	{"05:37:30", .flags = MOD, .nick = "alice", .account = "alice", .msgid = "m13", .reply_to = "m10",
	 .round = 1, .text = "A1 when *everything* feels like a chore"},
	{"05:37:45", .nick = "bob", .account = "bob", .msgid = "m13b", .reply_to = "m13", .round = 1,
	 .text = "exactly that"},
	{"05:38:00", .nick = "erin", .msgid = "m14", .round = 1, .text = long_word},
	{"05:38:30", .nick = "bob", .account = "bob", .msgid = "m15", .reply_to = "m12", .round = 1,
	 .text = "same here"},
	{"05:39:00", .nick = "frank", .account = "frank", .msgid = "m16", .round = 1,
	 .text = "A1 call me on 555-0100 or mail frank@example.org"},
	{"05:39:30", .nick = "mallory", .account = "mallory", .msgid = "m17", .round = 1,
	 .text = "A1 buy cheap pills now SECRET-SPAM"},
	{"05:47:00", .flags = MOD, .nick = "alice", .account = "alice", .msgid = "m20", .round = 2,
	 .text = "T2: What helps you recover?"},
	{"05:48:00", .nick = "bob", .account = "bob", .msgid = "m21", .round = 2,
	 .text = "A2 walking the dog \xf0\x9f\x90\x95"},
	{"05:50:00", .nick = "carol", .account = "carol", .msgid = "m22", .round = 1,
	 .text = "A1 (late) I notice I get short with colleagues"},
	{"05:55:00", .nick = "erin", .msgid = "m24", .reply_to = "m14", .round = 2, .text = "A2 therapy, honestly"},
	{"06:00:30", .nick = "bob", .account = "bob", .msgid = "m23", .round = 2, .text = "A2 and cooking"},
	{"06:01:00", .nick = HEBREW_NICK, .account = "yael", .msgid = "m25", .reply_to = "m23", .round = 2,
	 .text = "A2 \xd7\x92\xd7\x9d \xd7\x90\xd7\xa0\xd7\x99, \xd7\xa8\xd7\x99\xd7\xa6\xd7\x94 "
		 "\xd7\x91\xd7\x91\xd7\x95\xd7\xa7\xd7\xa8 (running, 5 km)"},
	{"06:02:00", .flags = BOT, .nick = "rounds", .round = 3,
	 .text = "T3: One thing you'll do for yourself this week? Answer with A3."},
	{"06:03:00", .nick = "carol", .account = "carol", .msgid = "m30", .round = 3, .text = "A3 book a day off"},
	{"06:04:00", .flags = MOD, .nick = "alice", .account = "alice", .msgid = "m31", .round = 3,
	 .text = "A3 ask for help"},
	{"06:05:00", .nick = "bob", .account = "bob", .msgid = "m32", .reply_to = "m31", .round = 3,
	 .text = "A3 same, and say no more often"},
	{"06:16:00", .nick = "bob", .account = "bob", .msgid = "m40", .round = -1, .text = "thanks all!"},
};

/* Writes chat1 into a fresh store; returns its id. */
static int64_t make_chat1(struct store *st, bool pseudonyms)
{
	make_long_word();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "HCSM weekly: burnout", at("05:30:00"),
				       at("06:15:00"), "alice");
	assert_true(chat > 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 1, "How do you recognise burnout in yourself?",
					   NULL, 12, at("05:35:00"), NULL), 0);
	assert_int_equal(store_round_end(st, chat, 1, at("05:47:00")), 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 2, "What helps you recover?", NULL, 15,
					   at("05:47:00"), "a:alice"), 0);
	assert_int_equal(store_round_end(st, chat, 2, at("06:02:00")), 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 3, "One thing you'll do for yourself this week?",
					   NULL, 7.5, at("06:02:00"), NULL), 0);
	assert_int_equal(store_round_end(st, chat, 3, at("06:15:00")), 0);
	int64_t frank = 0, spam = 0;
	for (size_t i = 0; i < sizeof chat1_lines / sizeof chat1_lines[0]; i++) {
		int64_t id = add_line(st, chat, &chat1_lines[i]);
		if (chat1_lines[i].msgid && strcmp(chat1_lines[i].msgid, "m16") == 0)
			frank = id;
		if (chat1_lines[i].msgid && strcmp(chat1_lines[i].msgid, "m17") == 0)
			spam = id;
	}
	assert_int_equal(store_add_host(st, chat, "alice", false, NULL, at("05:30:00")), 0);
	assert_int_equal(store_add_host(st, chat, "carol", true, "alice", at("05:33:00")), 0);
	assert_int_equal(store_add_host(st, chat, "dana", true, "alice", at("05:33:10")), 0);
	/* the phone number and the address */
	assert_int_equal(store_add_verdict(st, frank, "privacy", VERDICT_REDACT, "phone", "[[14,22],[31,48]]",
					   at("05:39:01")), 0);
	assert_int_equal(store_add_verdict(st, spam, "policy", VERDICT_HIDE, "promotion", NULL, at("05:39:31")), 0);
	assert_int_equal(store_chat_close(st, chat, at("06:15:00"), "the last topic ended", 27, 8), 0);
	assert_int_equal(store_set_optout(st, "testnet", "a:dana", true, at("07:00:00")), 0);
	assert_int_equal(store_chat_options(st, chat, "America/New_York", pseudonyms), 0);
	assert_int_equal(store_commit(st), 0);
	return chat;
}

static struct transcript *load_ok(struct store *st, int64_t chat)
{
	struct transcript *t = NULL;
	struct buf err = BUF_INIT;
	if (transcript_load(store_db(st), chat, &t, &err) != 0)
		fail_msg("transcript_load: %s", buf_str(&err));
	buf_free(&err);
	assert_non_null(t);
	return t;
}

/* One summary section with a block of each kind. */
static void add_summary(struct transcript *t)
{
	size_t s = transcript_add_summary(t, "resources", "Links shared");
	transcript_summary_paragraph(t, s, "Three links were shared; one is not a web address.");
	const char *texts[] = {"PubMed: burnout in nurses", "a bad link", "Plain text, no link"};
	const char *urls[] = {"https://pubmed.ncbi.nlm.nih.gov/123/?a=1&b=2", "javascript:alert(1)", NULL};
	transcript_summary_list(t, s, texts, urls, 3);
	const char *cells[] = {"Topic", "Links", "T1", "2", "T2", "1"};
	transcript_summary_table(t, s, cells, 3, 2);
}

static const struct html_options options = {
	.archive_title = "HCSM archive",
	.index_href = "../index.html",
	.markdown_href = "transcript.md",
	.text_href = "transcript.txt",
	.json_href = "transcript.json",
};

static char *render_ok(const struct transcript *t, const struct html_options *o)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	if (html_render(t, o, &out, &err) != 0)
		fail_msg("html_render: %s", buf_str(&err));
	buf_free(&err);
	buf_reserve(&out, 0);
	return buf_steal(&out);
}

static char *slurp(const char *file)
{
	FILE *f = fopen(file, "rb");
	if (!f)
		return NULL;
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	buf_reserve(&b, 0);
	return buf_steal(&b);
}

static void spit(const char *file, const char *s)
{
	FILE *f = fopen(file, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
	assert_int_equal(fclose(f), 0);
}

/* Writes a page where the browser test and people can find it. */
static void keep(const char *name, const char *page)
{
	const char *dir = getenv("ROUNDS_HTML_OUT");
	char file[600];
	snprintf(file, sizeof file, "%s/%s", dir && *dir ? dir : TEST_BINARY_DIR, name);
	spit(file, page);
}

/* Compares against tests/unit/golden/<name>, or rewrites it when
 * ROUNDS_REGOLD is set. */
static void check_golden(const char *name, const char *actual)
{
	char gold[512], got[512];
	snprintf(gold, sizeof gold, "%s/unit/golden/%s", TEST_SOURCE_DIR, name);
	snprintf(got, sizeof got, "%s/%s.actual", TEST_BINARY_DIR, name);
	const char *regold = getenv("ROUNDS_REGOLD");
	if (regold && *regold && strcmp(regold, "0") != 0) {
		spit(gold, actual);
		print_message("rewrote %s: review it\n", gold);
		return;
	}
	char *expected = slurp(gold);
	if (!expected)
		fail_msg("no golden file %s (run with ROUNDS_REGOLD=1 to write it)", gold);
	if (strcmp(expected, actual) != 0) {
		spit(got, actual);
		int line = 1;
		const char *a = expected, *b = actual;
		for (; *a && *a == *b; a++, b++)
			if (*a == '\n')
				line++;
		free(expected);
		fail_msg("%s differs from %s at line %d (diff -u %s %s)", got, gold, line, gold, got);
	}
	free(expected);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static bool has_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return true;
	return false;
}

/* The only void elements the renderer writes. */
static bool is_void(const char *name, size_t n)
{
	return (n == 4 && (strncmp(name, "meta", 4) == 0 || strncmp(name, "link", 4) == 0));
}

/* Walks every tag of a page we rendered and fails on anything that is not
 * ours to write: since every text is escaped, a raw '<' only ever starts
 * one of our tags, so this sees exactly the tags a browser would build.
 * Checks that tags nest and close; that no tag is a script, frame, object,
 * image, form, base or refresh; that no attribute is an event handler or
 * a src; and that any "http" in a tag is an href from `links` (the model's
 * kept urls). */
static void check_tags(const char *page, const char *const *links, size_t n_links)
{
	static const char *const banned[] = {"<script", "<iframe", "<frame", "<object", "<embed", "<img",
					     "<image", "<form", "<base", "<input", "<video", "<audio",
					     "<source", "<math", "<template", "<svg:"};
	char stack[128][16];
	int depth = 0;
	for (const char *p = strchr(page, '<'); p; p = strchr(p + 1, '<')) {
		const char *end = strchr(p, '>');
		assert_non_null(end);
		size_t len = (size_t)(end - p + 1);
		for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
			if (has_ci(p, strlen(banned[i]), banned[i]) &&
			    !isalnum((unsigned char)p[strlen(banned[i])]))
				fail_msg("banned tag: %.*s", (int)len, p);
		for (size_t i = 1; i + 3 < len; i++)
			if (isspace((unsigned char)p[i]) && strncasecmp(p + i + 1, "on", 2) == 0) {
				size_t j = i + 3;
				while (j < len && isalpha((unsigned char)p[j]))
					j++;
				if (j < len && p[j] == '=')
					fail_msg("event attribute in %.*s", (int)len, p);
			}
		if (has_ci(p, len, " src=") || has_ci(p, len, "srcset") || has_ci(p, len, "url("))
			fail_msg("a source in %.*s", (int)len, p);
		if (has_ci(p, len, "http") && strncmp(p, "<meta http-equiv=\"Content-Security-Policy\"", 42) != 0) {
			bool ok = false;
			for (size_t i = 0; i < n_links && !ok; i++) {
				struct buf want = BUF_INIT;
				buf_adds(&want, "<a href=\"");
				html_escape(&want, links[i]);
				buf_adds(&want, "\" rel=\"nofollow ugc noopener\">");
				ok = strlen(want.p) == len && strncmp(p, want.p, len) == 0;
				buf_free(&want);
			}
			if (!ok)
				fail_msg("an address outside the allowed links: %.*s", (int)len, p);
		}
		if (p[1] == '!')
			continue;
		bool closing = p[1] == '/';
		const char *name = p + (closing ? 2 : 1);
		size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789");
		assert_true(n > 0 && n < 16);
		if (!closing && (is_void(name, n) || end[-1] == '/'))
			continue;
		if (!closing) {
			assert_true(depth < 128);
			memcpy(stack[depth], name, n);
			stack[depth++][n] = '\0';
			if (n == 5 && strncmp(name, "style", 5) == 0) {
				/* skip the stylesheet: it holds '>' but never '<' */
				p = strstr(p, "</style>") - 1;
			}
			continue;
		}
		if (!depth || strlen(stack[depth - 1]) != n || strncmp(stack[depth - 1], name, n) != 0)
			fail_msg("</%.*s> closes <%s>", (int)n, name, depth ? stack[depth - 1] : "nothing");
		depth--;
	}
	assert_int_equal(depth, 0);
}

/* What every page must have: one <main>, one <h1>, landmarks, the CSP,
 * one <h2> per round, and SVGs that carry a role, a title and a desc. */
static void check_page(const struct transcript *t, const char *page, const char *const *links,
		       size_t n_links)
{
	check_tags(page, links, n_links);
	assert_int_equal(count(page, "<main"), 1);
	assert_int_equal(count(page, "<h1"), 1);
	assert_int_equal(count(page, "<header>"), 1);
	assert_int_equal(count(page, "<footer>"), 1);
	assert_true(count(page, "<nav") >= 1);
	assert_int_equal(count(page, "<h2 id=\"t"), t->n_rounds);
	assert_int_equal(count(page, "<style>"), 1);
	assert_int_equal(count(page, "<link "), 1);
	assert_non_null(strstr(page, "<html lang=\"en\""));
	assert_non_null(strstr(page, "<meta name=\"viewport\""));
	assert_int_equal(count(page, "<meta http-equiv="), 1);
	assert_non_null(strstr(page, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
				     "style-src 'unsafe-inline'; img-src data:;"));
	assert_null(strstr(page, "<script"));
	size_t svgs = 0;
	for (const char *s = strstr(page, "<svg"); s; s = strstr(s + 1, "<svg")) {
		const char *e = strstr(s, "</svg>");
		assert_non_null(e);
		const char *open_end = strchr(s, '>');
		assert_non_null(memmem(s, (size_t)(open_end - s), "role=\"img\"", 10));
		assert_non_null(memmem(s, (size_t)(open_end - s), "aria-labelledby=", 16));
		assert_non_null(memmem(s, (size_t)(e - s), "<title id=", 10));
		assert_non_null(memmem(s, (size_t)(e - s), "<desc id=", 9));
		svgs++;
	}
	assert_int_equal(svgs, 3);
	assert_int_equal(count(page, "<details>"), 3);
}

static const char *const chat1_links[] = {"https://pubmed.ncbi.nlm.nih.gov/123/?a=1&b=2"};

static void test_golden_html(void **state)
{
	struct store *st = store_fixture_open();
	struct transcript *t = load_ok(st, make_chat1(st, false));
	add_summary(t);
	char *page = render_ok(t, &options);
	keep("chat1.html", page);
	check_golden("chat1.html", page);
	check_page(t, page, chat1_links, 1);

	/* the header, in New York time across the change */
	assert_non_null(strstr(page, "<p class=\"when\"><time datetime=\"2026-11-01T05:30:00.000Z\">"
				     "Sunday 1 November 2026, 01:30</time> EDT (UTC\xe2\x88\x92" "04:00) \xe2\x80\x93 "
				     "<time datetime=\"2026-11-01T06:15:00.000Z\">01:15</time> EST (UTC\xe2\x88\x92"
				     "05:00)"));
	/* a line after the change says so; one before it does not */
	assert_non_null(strstr(page, "<time datetime=\"2026-11-01T06:00:30.000Z\">01:00 EST</time>"));
	assert_non_null(strstr(page, "<time datetime=\"2026-11-01T05:36:00.000Z\">01:36</time>"));
	assert_int_equal(count(page, "<h2"), 3 + 1 + 1 + 1 + 1 + 1); /* rounds, intro, after, summary, people, charts */
	assert_non_null(strstr(page, "A1 I stop sleeping well &amp; skip lunch"));
	assert_non_null(strstr(page, "<span class=\"removed\">[removed by a moderator]</span>"));
	assert_non_null(strstr(page, "A1 call me on <span class=\"redacted\">[redacted]</span> or mail "
				     "<span class=\"redacted\">[redacted]</span></bdi>"));
	assert_non_null(strstr(page, "2 messages from people who opted out are not shown."));
	assert_non_null(strstr(page, "1 message was removed by a moderator."));
	assert_non_null(strstr(page, "1 message has parts redacted by a moderator."));
	assert_non_null(strstr(page, "<b class=\"who\"><bdi>" HEBREW_NICK "</bdi></b>"));
	assert_non_null(strstr(page, long_word));
	assert_null(strstr(page, "SECRET"));
	assert_null(strstr(page, "dana"));
	assert_null(strstr(page, "Dana"));
	assert_null(strstr(page, "555-0100"));
	assert_null(strstr(page, "javascript"));
	/* nesting: alice's answer inside bob's item, bob's reply inside hers */
	const char *b10 = strstr(page, "A1 I stop sleeping");
	const char *a13 = strstr(page, "A1 when *everything*");
	const char *b13 = strstr(page, "exactly that");
	assert_true(b10 && a13 && b13 && b10 < a13 && a13 < b13);
	assert_int_equal(count(b10, "<ol class=\"replies\">") - count(a13, "<ol class=\"replies\">"), 1);
	/* the A1 given during T2 is under T1, before T2's heading */
	assert_true(strstr(page, "A1 (late)") < strstr(page, "<h2 id=\"t2-h\">"));
	/* the cross-round reply says what it answers, with a link */
	assert_non_null(strstr(page, "<a class=\"re\" href=\"#m"));
	/* same model, same bytes */
	char *again = render_ok(t, &options);
	assert_string_equal(page, again);
	free(again);
	free(page);
	transcript_free(t);
	store_close(st);
}

/* Pseudonyms: no real name is shown as a name anywhere on the page. And
 * a zone that cannot be loaded. */
static void test_pseudonyms(void **state)
{
	struct store *st = store_fixture_open();
	struct transcript *t = load_ok(st, make_chat1(st, true));
	char *page = render_ok(t, NULL);
	check_page(t, page, NULL, 0);
	static const char *const names[] = {"alice", "bob", "carol", "erin", "frank", "mallory", "dana",
					    HEBREW_NICK};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char tag[64];
		snprintf(tag, sizeof tag, "<bdi>%s</bdi>", names[i]);
		if (strstr(page, tag))
			fail_msg("a real name on the page: %s", names[i]);
		snprintf(tag, sizeof tag, "%s, by messages", names[i]);
		assert_null(strstr(page, tag));
		snprintf(tag, sizeof tag, " %s ", names[i]);
		assert_null(strstr(strstr(page, "<desc"), tag));
	}
	assert_non_null(strstr(page, "Participants are shown under pseudonyms."));
	assert_null(strstr(page, "<nav class=\"formats\""));
	free(page);
	/* a time zone that cannot be loaded: an error, and no page */
	t->chat.timezone = "Nowhere/Atlantis";
	struct buf out = BUF_INIT, err = BUF_INIT;
	assert_int_equal(html_render(t, &options, &out, &err), -1);
	assert_int_equal(out.len, 0);
	assert_true(err.len > 0);
	buf_free(&out);
	buf_free(&err);
	transcript_free(t);
	store_close(st);
}

static void test_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
		{"\" onmouseover=\"x", "&quot; onmouseover=&quot;x"},
		{"&lt; &amp; &#60;", "&amp;lt; &amp;amp; &amp;#60;"},
		{"a\tb\nc\rd", "a b c d"},
		{"bell\x07 esc\x1b del\x7f", "bell\xef\xbf\xbd esc\xef\xbf\xbd del\xef\xbf\xbd"},
		{"c1 \xc2\x85\xc2\x9b", "c1 \xef\xbf\xbd\xef\xbf\xbd"},
		{"\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"keep \xe2\x80\x8e\xe2\x80\x8f marks", "keep \xe2\x80\x8e\xe2\x80\x8f marks"},
		{"bad \xff\xc3 \xed\xa0\x80", "bad \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"nonchar \xef\xbf\xbe \xef\xb7\x90", "nonchar \xef\xbf\xbd \xef\xbf\xbd"},
		{"sep\xe2\x80\xa8here", "sep here"},
		{"\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80"},
		{"javascript:alert(1)", "javascript:alert(1)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = BUF_INIT;
		html_escape(&b, cases[i].in);
		if (strcmp(buf_str(&b), cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\"", i, buf_str(&b));
		buf_free(&b);
	}
}

/* Every payload aims at leak.invalid: the browser test maps every host
 * to its own server and fails if anything on the page asks for one. */
#define LONG_PAYLOAD_REPEAT 300
static const char *const payloads[] = {
	"<script>new Image().src='http://leak.invalid/ran'</script>",
	"<script src=http://leak.invalid/script.js></script>",
	"<img src=http://leak.invalid/leak-img onerror=\"new Image().src='http://leak.invalid/onerror'\">",
	"\" onmouseover=\"new Image().src='http://leak.invalid/attr'\" x=\"",
	"' onfocus='alert(1)' autofocus x='",
	"</style><style>body{background:url(http://leak.invalid/css)}</style>",
	"<link rel=stylesheet href=http://leak.invalid/sheet.css>",
	"<iframe src=http://leak.invalid/frame></iframe>",
	"<meta http-equiv=refresh content=\"0;url=http://leak.invalid/refresh\">",
	"<svg onload=\"fetch('http://leak.invalid/svg')\"><image href=http://leak.invalid/svgimg /></svg>",
	"<a href=\"javascript:alert(1)\">click</a> javascript:alert(1)",
	"[click](javascript:alert(1)) ![img](http://leak.invalid/md.png) <http://leak.invalid/auto>",
	"<object data=http://leak.invalid/obj></object><embed src=http://leak.invalid/embed>",
	"<video poster=http://leak.invalid/poster></video><audio src=http://leak.invalid/audio autoplay>",
	"<base href=http://leak.invalid/><form action=http://leak.invalid/form><button>go</button></form>",
	"<style>@import 'http://leak.invalid/import';</style><body background=http://leak.invalid/bg>",
	"<input type=image src=http://leak.invalid/input><picture><source srcset=http://leak.invalid/srcset>",
	"<img srcset=\"http://leak.invalid/srcset2 1x\"><link rel=prefetch href=http://leak.invalid/prefetch>",
	"&lt;script&gt; &amp; &#60;img src=http://leak.invalid/entity&#62; &#x3C;",
	"<!-- comment --><![CDATA[ x ]]> <!DOCTYPE html>",
	"</bdi></b></p></li></ol></section></main></body><script>alert(1)</script>",
	"<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math><template><img src=x></template>",
	"<noscript><img src=http://leak.invalid/noscript></noscript><textarea></textarea>",
	"ctrl: bell\x07 esc\x1b[31mred del\x7f vt\x0b ff\x0c cr\r lf\n end",
	"c1: \xc2\x85 \xc2\x9b csi",
	"bidi: evil \xe2\x80\xaeyrotsih\xe2\x80\xac and \xe2\x81\xa6iso\xe2\x81\xa9 \xe2\x80\xab embed",
	"invalid: \xff\xfe \xc3 \xed\xa0\x80 \xf4\x90\x80\x80 end",
	"A1 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d <b>\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d</b> \xf0\x9f\x98\x80",
};

static const char *const hostile_nicks[] = {
	"<img src=http://leak.invalid/nick>", "\" onmouseover=\"alert(1)", "\xe2\x80\xaemallory",
	"</bdi><script>alert(1)</script>",
};

static const char *const hostile_links[] = {"http://leak.invalid/allowed-link?a=1&b=2"};

static void test_hostile(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm",
				       "<title>x</title><script src=http://leak.invalid/title.js></script> \"'&amp;",
				       at("05:30:00"), 0, "<img src=http://leak.invalid/opener>");
	assert_int_equal(store_add_host(st, chat, "<iframe src=http://leak.invalid/host>", false, NULL,
					at("05:30:00")), 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 1,
					   "<script>new Image().src='http://leak.invalid/topic'</script>", NULL, 10,
					   at("05:35:00"), NULL), 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 2,
					   "\xe2\x80\xae topic <style>*{background:url(http://leak.invalid/t2)}</style>",
					   NULL, 10, at("05:50:00"), NULL), 0);
	size_t n = sizeof payloads / sizeof payloads[0];
	char msgid[16], prev[16], when[16];
	int64_t first = 0, second = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(msgid, sizeof msgid, "h%zu", i);
		snprintf(prev, sizeof prev, "h%zu", i - 1);
		snprintf(when, sizeof when, "05:%02zu:%02zu", 36 + i / 2, i % 2 * 30);
		struct line l = {when, .nick = hostile_nicks[i % 4], .account = i % 4 == 3 ? "m2" : "m1",
				 .msgid = msgid, .reply_to = i % 3 ? prev : NULL, .round = i < n / 2 ? 1 : 2,
				 .text = payloads[i], .kind = i % 5 == 4 ? EVENT_ACTION : EVENT_MESSAGE};
		int64_t id = add_line(st, chat, &l);
		if (i == 2)
			first = id;
		if (i == 1)
			second = id;
	}
	struct buf big = BUF_INIT;
	for (int i = 0; i < LONG_PAYLOAD_REPEAT; i++)
		buf_adds(&big, "<img src=http://leak.invalid/long>");
	struct line l = {"06:10:00", .nick = hostile_nicks[0], .account = "m1", .msgid = "long", .round = 2,
			 .text = big.p};
	add_line(st, chat, &l);
	assert_int_equal(store_add_verdict(st, first, "privacy", VERDICT_REDACT, NULL, "[[8,17]]", at("05:40:00")), 0);
	assert_int_equal(store_add_verdict(st, second, "policy", VERDICT_HIDE, NULL, NULL, at("05:40:00")), 0);
	assert_int_equal(store_chat_options(st, chat, "Asia/Kathmandu", false), 0);
	assert_int_equal(store_commit(st), 0);

	struct transcript *t = load_ok(st, chat);
	size_t s = transcript_add_summary(t, "<script>x</script>", "<script>alert('summary')</script>");
	transcript_summary_paragraph(t, s, "<img src=http://leak.invalid/summary-p> \xe2\x80\xae");
	const char *texts[] = {"<b>allowed</b>", "<i>js</i>", "quote", "data", "space"};
	const char *urls[] = {hostile_links[0], "javascript:alert(1)", "http://leak.invalid/x\"onmouseover=alert(1)",
			      "data:text/html,<script>alert(1)</script>", "http://leak.invalid/a b"};
	transcript_summary_list(t, s, texts, urls, 5);
	const char *cells[] = {"<th>", "<iframe src=http://leak.invalid/cell>", "\" onclick=\"x", "&amp;"};
	transcript_summary_table(t, s, cells, 2, 2);
	char *page = render_ok(t, &(struct html_options){.index_href = "javascript:alert(1)",
							   .markdown_href = "transcript.md",
							   .archive_title = "<script>"});
	keep("hostile.html", page);
	check_page(t, page, hostile_links, 1);
	assert_null(strstr(page, "leak.invalid/x"));
	assert_null(strstr(page, "javascript:alert(1)\""));
	assert_non_null(strstr(page, "&lt;script&gt;new Image().src=&#39;http://leak.invalid/ran&#39;&lt;/script&gt;"));
	assert_non_null(strstr(page, "<span class=\"removed\">"));
	assert_non_null(strstr(page, "<span class=\"redacted\">"));
	assert_non_null(strstr(page, ", still open</p>"));
	assert_non_null(strstr(page, "UTC+05:45")); /* Kathmandu's abbreviation is only "+0545" */
	/* no bidi override or control character reaches the page */
	for (const unsigned char *p = (const unsigned char *)page; *p; p++) {
		if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
				     (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)))
			fail_msg("bidi control at byte %td", (const char *)p - page);
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			fail_msg("control character at byte %td", (const char *)p - page);
	}

	/* what the browser test must find as text: each message as escaped here */
	json_t *doc = json_object(), *arr = json_array(), *links = json_array();
	for (size_t i = 0; i < t->n_messages; i++) {
		if (t->messages[i].flags & (TRANSCRIPT_F_REMOVED | TRANSCRIPT_F_REDACTED))
			continue;
		struct buf e = BUF_INIT;
		html_escape(&e, t->messages[i].text);
		assert_non_null(strstr(page, e.p));
		json_array_append_new(arr, json_string(e.p));
		buf_free(&e);
	}
	json_array_append_new(links, json_string(hostile_links[0]));
	json_object_set_new(doc, "texts", arr);
	json_object_set_new(doc, "links", links);
	char *js = json_dumps(doc, JSON_INDENT(1));
	keep("hostile.json", js);
	free(js);
	json_decref(doc);
	free(page);
	buf_free(&big);
	transcript_free(t);
	store_close(st);
}

static void test_buckets(void **state)
{
	struct chart_buckets b;
	chart_bucketize(NULL, 0, at("05:30:00"), 0, &b);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.max, 0);
	chart_buckets_free(&b);
	/* three hours: one bucket a minute, the last minute included */
	int64_t times[] = {at("05:30:10"), at("05:30:50"), at("07:10:00"), at("08:30:00")};
	chart_bucketize(times, 4, at("05:30:00"), at("08:30:00"), &b);
	assert_int_equal(b.bucket_ms, 60000);
	assert_int_equal(b.n, 181);
	assert_int_equal(b.counts[0], 2);
	assert_int_equal(b.counts[100], 1);
	assert_int_equal(b.counts[180], 1);
	assert_int_equal(b.max, 2);
	assert_int_equal(b.busiest, 0);
	chart_buckets_free(&b);
	/* five hours: two-minute buckets; a time outside the range widens it */
	chart_bucketize(times, 4, at("06:00:00"), at("10:59:00"), &b);
	assert_int_equal(b.bucket_ms, 120000);
	assert_int_equal(b.start_ms, at("05:30:00"));
	assert_true(b.n <= CHART_MAX_BUCKETS);
	chart_buckets_free(&b);
	/* absurd times stay bounded and render */
	int64_t wild[] = {INT64_MIN, 0, INT64_MAX};
	chart_bucketize(wild, 3, 0, 0, &b);
	assert_true(b.n >= 1 && b.n <= CHART_MAX_BUCKETS);
	size_t sum = 0;
	for (size_t k = 0; k < b.n; k++)
		sum += b.counts[k];
	assert_int_equal(sum, 3);
	assert_int_equal(b.counts[0], 1);
	assert_int_equal(b.counts[b.n - 1], 1);
	struct tz *z = NULL;
	struct buf out = BUF_INIT, err = BUF_INIT;
	assert_int_equal(tz_load("America/New_York", &z, &err), 0);
	struct chart_mark m = {INT64_MAX, "T1"};
	chart_timeline(&out, "x", "t", "d", &b, &m, 1, z);
	assert_null(strstr(out.p, "--"));
	chart_buckets_free(&b);
	tz_free(z);
	buf_free(&out);
	buf_free(&err);
}

/* An open chat with nothing in it: every part renders, charts included. */
static void test_empty_chat(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "", at("05:30:00"), 0, NULL);
	assert_int_equal(store_commit(st), 0);
	struct transcript *t = load_ok(st, chat);
	char *page = render_ok(t, NULL);
	keep("empty.html", page);
	check_page(t, page, NULL, 0);
	assert_non_null(strstr(page, "<h1><bdi>hcsm</bdi></h1>"));
	assert_non_null(strstr(page, "Sunday 1 November 2026, 05:30</time> UTC, still open"));
	assert_non_null(strstr(page, "Nobody took part."));
	assert_non_null(strstr(page, ">No data</text>"));
	assert_non_null(strstr(page, "<desc id=\"chart-minutes-d\">No messages.</desc>"));
	free(page);
	transcript_free(t);
	store_close(st);
}

/* Three hours, six rounds, 400 participants: the top ten only in the
 * chart, every one in the list. The first twelve lines are a chain of
 * replies: nested six deep, then flat, each saying what it answers. */
static void test_big_chat(void **state)
{
	struct store *st = store_fixture_open();
	int64_t start = at("12:00:00");
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "Marathon", start, 0, NULL);
	for (int r = 1; r <= 6; r++)
		assert_int_equal(store_round_start(st, chat, "testnet", r, "A topic", NULL, 30,
						   start + r * 1800000 - 1500000, NULL), 0);
	char nick[16], text[32], id[16], parent[16];
	int64_t ms = start;
	int n = 0;
	for (int i = 0; i < 400; i++)
		for (int k = 0; k <= (i * 7) % 5; k++) {
			snprintf(nick, sizeof nick, "p%03d", i);
			snprintf(text, sizeof text, "A%d from %s", k, nick);
			snprintf(id, sizeof id, "b%d", n);
			snprintf(parent, sizeof parent, "b%d", n - 1);
			struct event ev = {.kind = EVENT_MESSAGE, .network = "testnet", .room = "#hcsm", .nick = nick,
					   .text = text, .ts_ms = ms, .msgid = id,
					   .reply_to = n > 0 && n < 12 ? parent : NULL};
			n++;
			struct buf key = BUF_INIT;
			store_person_key(NULL, nick, &key);
			assert_int_equal(store_add_event(st, &ev, key.p, chat, -1, NULL), 1);
			buf_free(&key);
			ms += 9000; /* 1200 lines over three hours */
		}
	assert_int_equal(store_chat_close(st, chat, start + 3 * 3600000, NULL, 0, 0), 0);
	assert_int_equal(store_chat_options(st, chat, "Europe/London", false), 0);
	assert_int_equal(store_commit(st), 0);
	struct transcript *t = load_ok(st, chat);
	assert_int_equal(t->n_participants, 400);
	char *page = render_ok(t, NULL);
	keep("big.html", page);
	check_page(t, page, NULL, 0);
	assert_non_null(strstr(page, "<figcaption>Messages per minute</figcaption>"));
	assert_non_null(strstr(page, "The 10 most active of 400 participants, by messages: "));
	const char *people = strstr(page, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 480 228\" "
					  "aria-labelledby=\"chart-people-t");
	assert_non_null(people);
	assert_int_equal(count(people, "<rect class=\"bar\""), 10);
	assert_int_equal(count(page, "<li><bdi>p"), 400);
	assert_int_equal(count(page, "<line class=\"mark\""), 6);
	assert_int_equal(count(page, "<ol class=\"replies\">"), 6);
	assert_int_equal(count(page, "<a class=\"re\""), 5);
	free(page);
	transcript_free(t);
	store_close(st);
}

/* One message, in a chat across midnight: the end, and lines after
 * midnight, carry the date. */
static void test_midnight(void **state)
{
	struct store *st = store_fixture_open();
	int64_t start = clock_parse_iso("2026-11-22T04:30:00.000Z"); /* 23:30 EST on the 21st */
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "Late", start, 0, NULL);
	struct event ev = {.kind = EVENT_MESSAGE, .network = "testnet", .room = "#hcsm", .nick = "bob",
			   .text = "still here", .ts_ms = start + 40 * 60000};
	assert_int_equal(store_add_event(st, &ev, "n:bob", chat, 0, NULL), 1);
	assert_int_equal(store_chat_close(st, chat, start + 3600000, NULL, 1, 1), 0);
	assert_int_equal(store_chat_options(st, chat, "America/New_York", false), 0);
	assert_int_equal(store_commit(st), 0);
	struct transcript *t = load_ok(st, chat);
	char *page = render_ok(t, NULL);
	check_page(t, page, NULL, 0);
	assert_non_null(strstr(page, "Saturday 21 November 2026, 23:30</time> \xe2\x80\x93 <time datetime=\""
				     "2026-11-22T05:30:00.000Z\">Sunday 22 November 2026, 00:30</time> EST "
				     "(UTC\xe2\x88\x92" "05:00)"));
	assert_non_null(strstr(page, ">Sun 22 Nov 00:10</time>"));
	assert_non_null(strstr(page, "1 message from Sun 22 Nov 00:10 to Sun 22 Nov 00:10."));
	assert_non_null(strstr(page, "The one participant, by messages: bob 1."));
	assert_int_equal(count(page, "<rect class=\"bar\""), 2);
	free(page);
	transcript_free(t);
	store_close(st);
}

int main(void)
{
	store_global_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test_setup_teardown(test_golden_html, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pseudonyms, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_hostile, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test_setup_teardown(test_empty_chat, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_big_chat, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_midnight, store_fixture_setup, store_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
