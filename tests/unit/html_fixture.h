/* The fixture chats and page checks the HTML unit tests share (test_html:
 * the golden page, pseudonyms, charts, empty and big chats; test_html_hostile:
 * escaping and every payload aimed at the page): lines written through the
 * store API, chat1 (New York, across the end of daylight saving time),
 * rendering, the golden files and a structural check of every tag and
 * link of a page. Header-only on purpose: each test program is one
 * translation unit; include it after cmocka.h. */
#ifndef ROUNDS_TEST_HTML_FIXTURE_H
#define ROUNDS_TEST_HTML_FIXTURE_H

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "html.h"
#include "model.h"
#include "store.h"
#include "golden.h"
#include "store_fixture.h"
#include "verdict.h"

/* times are on 2026-11-01 (UTC), the night New York falls back */
#define FIXTURE_DAY "2026-11-01"
#include "fixture_line.h"

/* One word of 10 KB after "A1 ": nothing to break it at but the CSS. */
static char long_word[3 + 10240 + 1];

static inline void make_long_word(void)
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
static inline int64_t make_chat1(struct store *st, bool pseudonyms)
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

/* One summary section with a block of each kind. */
static inline void add_summary(struct transcript *t)
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

static inline char *render_ok(const struct transcript *t, const struct html_options *o)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	if (html_render(t, o, &out, &err) != 0)
		fail_msg("html_render: %s", buf_str(&err));
	buf_free(&err);
	buf_reserve(&out, 0);
	return buf_steal(&out);
}



/* Writes a page where the browser test and people can find it. */
static inline void keep(const char *name, const char *page)
{
	const char *dir = getenv("ROUNDS_HTML_OUT");
	char file[600];
	snprintf(file, sizeof file, "%s/%s", dir && *dir ? dir : TEST_BINARY_DIR, name);
	spit(file, page);
}


static inline size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static inline bool has_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return true;
	return false;
}

/* The only void elements the renderer writes. */
static inline bool is_void(const char *name, size_t n)
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
static inline void check_tags(const char *page, const char *const *links, size_t n_links)
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
static inline void check_page(const struct transcript *t, const char *page, const char *const *links,
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

#endif
