/* The transcript model and its Markdown and JSON renderers, on fixture
 * chats written through the store API.
 *
 * chat1 is the reference chat; its renderings are golden files in
 * tests/unit/golden/ and are the spec: review them by eye when they change.
 * Regenerate with ROUNDS_REGOLD=1 (writes into the source tree). Hostile
 * text, opt-outs, moderation and pseudonyms: test_transcript_hostile.c. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "html.h"
#include "json.h"
#include "markdown.h"
#include "model.h"
#include "store.h"
#include "text.h"
#include "verdict.h"

#include "transcript_fixture.h"


static void test_model(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = make_chat1(st);
	struct transcript *t = load_ok(st, chat);

	assert_string_equal(t->chat.title, "HCSM weekly: burnout");
	assert_string_equal(t->chat.room, "#hcsm");
	assert_string_equal(t->chat.network, "testnet");
	assert_string_equal(t->chat.opened_by, "alice");
	assert_int_equal(t->chat.ended_ms, at("20:35:00"));
	/* the opted-out co-host is not named */
	assert_int_equal(t->chat.n_hosts, 1);
	assert_string_equal(t->chat.hosts[0], "alice");
	assert_int_equal(t->chat.n_cohosts, 1);
	assert_string_equal(t->chat.cohosts[0], "carol");

	assert_int_equal(t->n_rounds, 3);
	assert_int_equal(t->rounds[1].number, 2);
	assert_true(t->rounds[1].posted_by_host);
	assert_false(t->rounds[0].posted_by_host);
	/* intro: welcome, alice, bob (nested), carol, the bot's notice */
	assert_int_equal(t->intro.n_messages, 5);
	/* round 1 keeps carol's late A1 posted during T2 */
	assert_int_equal(t->rounds[0].n_messages, 8);
	const struct transcript_message *late = &t->messages[t->rounds[0].messages[7]];
	assert_string_equal(late->text, "A1 (late) I notice I get short with colleagues");
	assert_ptr_equal(late->section, &t->rounds[0]);
	assert_int_equal(t->rounds[1].n_messages, 4);
	assert_int_equal(t->rounds[2].n_messages, 3);
	/* stamped with no round after the chat ended */
	assert_int_equal(t->after.n_messages, 1);
	assert_string_equal(t->messages[t->after.messages[0]].text, "thanks all!");

	assert_int_equal(t->stats.messages, 21);
	assert_int_equal(t->stats.bot_messages, 4);
	assert_int_equal(t->stats.participants, 4);
	assert_int_equal(t->stats.withheld_messages, 2);
	assert_int_equal(t->stats.withheld_people, 1);

	/* most messages first; bob is known by his last nick */
	assert_int_equal(t->n_participants, 4);
	assert_string_equal(t->participants[0].name, "bobby");
	assert_int_equal(t->participants[0].messages, 7);
	assert_string_equal(t->participants[1].name, "alice");
	assert_string_equal(t->participants[2].name, "carol");
	assert_string_equal(t->participants[3].name, "erin");
	assert_int_equal(t->participants[3].messages, 2);

	for (size_t i = 0; i < t->n_messages; i++) {
		const struct transcript_message *m = &t->messages[i];
		assert_null(strstr(m->text, "SECRET"));
		assert_string_not_equal(m->sender, "dana");
		assert_string_not_equal(m->sender, "frank");
		if (i)
			assert_true(m->ts_ms >= t->messages[i - 1].ts_ms);
		if (m->participant != TRANSCRIPT_NONE)
			assert_false(m->flags & TRANSCRIPT_F_BOT);
		else
			assert_true(m->flags & TRANSCRIPT_F_BOT);
		if (m->msgid && strcmp(m->msgid, "m13") == 0) {
			/* nested under bob's A1, and bob's answer under it */
			assert_int_equal(m->depth, 1);
			assert_string_equal(m->reply_to, "m10");
			assert_string_equal(t->messages[m->parent].msgid, "m10");
		}
		if (m->msgid && strcmp(m->msgid, "m13b") == 0)
			assert_int_equal(m->depth, 2);
		if (m->msgid && strcmp(m->msgid, "m15") == 0) {
			/* a reply to a withheld line keeps no trace of it */
			assert_int_equal(m->parent, TRANSCRIPT_NONE);
			assert_null(m->reply_to);
			assert_int_equal(m->depth, 0);
		}
		if (m->msgid && strcmp(m->msgid, "m24") == 0) {
			/* the parent is in round 1: linked, but not nested */
			assert_string_equal(m->reply_to, "m14");
			assert_int_equal(m->depth, 0);
		}
		if (m->msgid && strcmp(m->msgid, "m4") == 0)
			assert_true(m->flags & TRANSCRIPT_F_REPLAY);
	}
	/* reading order in round 1: bob's A1, then alice's reply, then bob's */
	const struct transcript_section *r1 = &t->rounds[0];
	assert_string_equal(t->messages[r1->thread[1]].msgid, "m10");
	assert_string_equal(t->messages[r1->thread[2]].msgid, "m13");
	assert_string_equal(t->messages[r1->thread[3]].msgid, "m13b");
	assert_string_equal(t->messages[r1->thread[4]].msgid, "m11");
	transcript_free(t);
	store_close(st);
}

static void test_golden_markdown(void **state)
{
	struct store *st = store_fixture_open();
	struct transcript *t = load_ok(st, make_chat1(st));
	add_chat1_summary(t);
	struct buf out = BUF_INIT;
	markdown_render(t, &out);
	check_golden("chat1.md", buf_str(&out));
	assert_absent(out.p, "walking the dog");
	assert_absent(out.p, "book a day off");
	assert_absent(out.p, "](javascript");
	assert_absent(out.p, "SECRET");
	assert_absent(out.p, "dana");
	assert_absent(out.p, "Dana");
	assert_absent(out.p, "frank");
	assert_absent(out.p, "early bird");
	buf_free(&out);
	transcript_free(t);
	store_close(st);
}

static void test_golden_json(void **state)
{
	struct store *st = store_fixture_open();
	struct transcript *t = load_ok(st, make_chat1(st));
	add_chat1_summary(t);
	struct buf out = BUF_INIT;
	assert_int_equal(tjson_render(t, TJSON_PRETTY, &out), 0);
	check_golden("chat1.json", buf_str(&out));
	assert_absent(out.p, "walking the dog");
	assert_absent(out.p, "book a day off");
	assert_absent(out.p, "SECRET");
	assert_absent(out.p, "dana");
	assert_absent(out.p, "Dana");
	assert_absent(out.p, "frank");

	/* compact output is the same document */
	struct buf compact = BUF_INIT;
	assert_int_equal(tjson_render(t, 0, &compact), 0);
	assert_ptr_equal(strchr(compact.p, '\n'), compact.p + compact.len - 1);
	json_error_t jerr;
	json_t *a = json_loads(out.p, 0, &jerr), *b = json_loads(compact.p, 0, &jerr);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(json_equal(a, b));

	/* the texts round-trip exactly */
	assert_string_equal(json_string_value(json_object_get(a, "schema")), TJSON_SCHEMA);
	json_t *r1 = json_array_get(json_object_get(a, "rounds"), 0);
	json_t *msgs = json_object_get(r1, "messages");
	int found_long = 0;
	for (size_t i = 0; i < json_array_size(msgs); i++) {
		const char *text = json_string_value(json_object_get(json_array_get(msgs, i), "text"));
		found_long += strcmp(text, long_text) == 0;
	}
	assert_int_equal(found_long, 1);
	json_t *intro = json_object_get(json_object_get(a, "intro"), "messages");
	assert_string_equal(json_string_value(json_object_get(json_array_get(intro, 3), "text")),
			    chat1_lines[6].text);
	json_decref(a);
	json_decref(b);
	buf_free(&compact);
	buf_free(&out);
	transcript_free(t);
	store_close(st);
}

static void test_golden_text(void **state)
{
	struct store *st = store_fixture_open();
	struct transcript *t = load_ok(st, make_chat1(st));
	add_chat1_summary(t);
	struct buf out = BUF_INIT;
	text_render(t, &out);
	check_golden("chat1.txt", buf_str(&out));
	assert_text_inert(out.p);
	assert_absent(out.p, "SECRET");
	assert_absent(out.p, "dana");
	assert_absent(out.p, "Dana");
	assert_absent(out.p, "frank");
	assert_absent(out.p, "walking the dog");
	assert_absent(out.p, "book a day off");
	/* one line per published message */
	size_t lines = 0;
	for (const char *p = out.p; (p = strstr(p, "Z <")); p++)
		lines++;
	for (const char *p = out.p; (p = strstr(p, "Z * ")); p++)
		lines++;
	for (const char *p = out.p; (p = strstr(p, "Z -rounds- ")); p++)
		lines++;
	assert_int_equal(lines, t->stats.messages);
	assert_non_null(strstr(out.p, "\nStarted:    2026-11-21T20:00:00Z (2026-11-21 15:00 EST, UTC\xe2\x88\x92" "05:00)\n"));
	assert_non_null(strstr(out.p, "\n2026-11-21T20:06:30Z * carol nods along\n"));
	buf_free(&out);
	transcript_free(t);
	store_close(st);
}

static void test_no_such_chat(void **state)
{
	struct store *st = store_fixture_open();
	static struct transcript dummy;
	struct transcript *t = &dummy;
	struct buf err = BUF_INIT;
	assert_int_equal(transcript_load(store_db(st), 7, &t, &err), -1);
	assert_null(t);
	assert_string_equal(buf_str(&err), "no chat with id 7 in the store");
	buf_free(&err);
	store_close(st);
}

static void test_summaries(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "t", at("20:00:00"), 0, NULL);
	assert_int_equal(store_commit(st), 0);
	struct transcript *t = load_ok(st, chat);
	size_t s = transcript_add_summary(t, "resources", "Links shared");
	transcript_summary_paragraph(t, s, "Three links were shared.");
	const char *texts[] = {"PubMed: burnout review", "a bad link", "plain"};
	const char *urls[] = {"https://pubmed.ncbi.nlm.nih.gov/123/", "javascript:alert(1)", NULL};
	transcript_summary_list(t, s, texts, urls, 3);
	const char *cells[] = {"Topic", "Messages", "T1", "12"};
	transcript_summary_table(t, s, cells, 2, 2);
	assert_int_equal(t->n_summaries, 1);
	assert_string_equal(t->summaries[0].title, "Links shared");
	assert_int_equal(t->summaries[0].n_blocks, 3);
	assert_int_equal(t->summaries[0].blocks[0].kind, TRANSCRIPT_PARAGRAPH);
	assert_string_equal(t->summaries[0].blocks[1].items[0].url, "https://pubmed.ncbi.nlm.nih.gov/123/");
	assert_null(t->summaries[0].blocks[1].items[1].url); /* not a safe address */
	assert_null(t->summaries[0].blocks[1].items[2].url);
	assert_string_equal(t->summaries[0].blocks[2].cells[3], "12");
	assert_false(transcript_url_ok("http://"));
	assert_false(transcript_url_ok("https://a b"));
	assert_false(transcript_url_ok("https://x\"onmouseover=1"));
	assert_true(transcript_url_ok("http://example.org/a?b=c&d=e#f"));
	transcript_free(t);
	store_close(st);
}

static void test_empty_and_unknown_round(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "", at("20:00:00"), 0, NULL);
	struct transcript *t = load_ok(st, chat);
	struct buf out = BUF_INIT;
	markdown_render(t, &out);
	assert_non_null(strstr(out.p, "# hcsm\n"));
	assert_non_null(strstr(out.p, "Nobody took part."));
	buf_clear(&out);
	assert_int_equal(tjson_render(t, 0, &out), 0);
	transcript_free(t);

	assert_int_equal(store_round_start(st, chat, "testnet", 1, "one", NULL, 10, at("20:05:00"), NULL), 0);
	struct line l1 = {"20:06:00", .nick = "bob", .round = 9, .text = "A9 bogus"};
	struct line l2 = {"20:04:00", .nick = "bob", .round = -1, .text = "no stamp"};
	add_line(st, chat, &l1);
	add_line(st, chat, &l2);
	assert_int_equal(store_commit(st), 0);
	t = load_ok(st, chat);
	assert_int_equal(t->rounds[0].n_messages, 1);
	assert_string_equal(t->messages[t->rounds[0].messages[0]].text, "A9 bogus");
	assert_int_equal(t->intro.n_messages, 1);
	assert_int_equal(t->participants[0].messages, 2);
	transcript_free(t);
	buf_free(&out);
	store_close(st);
}

/* Gap events: spans in the model (overlaps merged, placed by their start),
 * and "gap from START to END" in every format, between the lines around it. */
static void test_gaps(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "gaps", at("20:00:00"), 0, NULL);
	assert_int_equal(store_round_start(st, chat, "testnet", 1, "one", NULL, 10, at("20:05:00"), NULL), 0);
	struct line lines[] = {
		{"20:06:00", .nick = "bob", .round = 1, .text = "A1 before the drop"},
		{"20:06:00", .kind = EVENT_GAP, .flags = EVENT_F_SELF, .nick = "rounds", .round = -1,
		 .text = "gap from 2026-11-21T20:06:00.000Z to 2026-11-21T20:08:00.000Z",
		 .target = "1795291680000"},
		/* a second one overlapping the first: one hole */
		{"20:07:00", .kind = EVENT_GAP, .flags = EVENT_F_SELF, .nick = "rounds", .round = -1,
		 .text = "gap", .target = "1795291710000"},
		{"20:08:30", .nick = "bob", .round = 1, .text = "A1 after the drop", .flags = EVENT_F_REPLAY},
		/* in the intro's time, with no line there: the intro still shows */
		{"20:01:00", .kind = EVENT_GAP, .flags = EVENT_F_SELF, .nick = "rounds", .round = -1,
		 .text = "gap", .target = "junk"},
		/* another room's gap is not this chat's */
		{"20:07:00", .kind = EVENT_GAP, .flags = EVENT_F_SELF, .nick = "rounds", .round = -1,
		 .text = "gap", .target = "1795291710000", .room = "#other"},
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		add_line(st, chat, &lines[i]);
	assert_int_equal(store_commit(st), 0);
	struct transcript *t = load_ok(st, chat);
	assert_int_equal(t->n_gaps, 2);
	assert_int_equal(t->gaps[0].start_ms, at("20:01:00"));
	assert_int_equal(t->gaps[0].end_ms, at("20:01:00")); /* an unreadable end: a point */
	assert_ptr_equal(t->gaps[0].section, &t->intro);
	assert_int_equal(t->gaps[1].start_ms, at("20:06:00"));
	assert_int_equal(t->gaps[1].end_ms, at("20:08:30"));
	assert_ptr_equal(t->gaps[1].section, &t->rounds[0]);
	assert_int_equal(t->rounds[0].n_gaps, 1);
	assert_int_equal(t->stats.messages, 2); /* a gap is not a message */

	struct buf out = BUF_INIT;
	text_render(t, &out);
	const char *before = strstr(out.p, "A1 before the drop");
	const char *gap = strstr(out.p, "[gap from 20:06:00Z to 20:08:30Z: ");
	const char *after = strstr(out.p, "A1 after the drop");
	assert_true(before && gap && after && before < gap && gap < after);
	assert_non_null(strstr(out.p, "-- Introductions --\n[gap from 20:01:00Z to 20:01:00Z"));
	buf_clear(&out);
	markdown_render(t, &out);
	before = strstr(out.p, "A1 before the drop");
	gap = strstr(out.p, "- *gap from 20:06 to 20:08: ");
	after = strstr(out.p, "A1 after the drop");
	assert_true(before && gap && after && before < gap && gap < after);
	assert_non_null(strstr(out.p, "## Introductions\n\n- *gap from 20:01 to 20:01"));
	buf_clear(&out);
	struct html_options ho = {0};
	struct buf herr = BUF_INIT;
	assert_int_equal(html_render(t, &ho, &out, &herr), 0);
	buf_free(&herr);
	before = strstr(out.p, "A1 before the drop");
	gap = strstr(out.p, "<li class=\"gap\"><p><em>gap from <time datetime=\"2026-11-21T20:06:00.000Z\">");
	after = strstr(out.p, "A1 after the drop");
	assert_true(before && gap && after && before < gap && gap < after);
	assert_non_null(strstr(out.p, "<a href=\"#intro\">"));
	buf_clear(&out);
	assert_int_equal(tjson_render(t, 0, &out), 0);
	json_error_t jerr;
	json_t *root = json_loads(out.p, 0, &jerr);
	assert_non_null(root);
	json_t *gaps = json_object_get(root, "gaps");
	assert_int_equal(json_array_size(gaps), 2);
	json_t *g = json_array_get(gaps, 1);
	assert_int_equal(json_integer_value(json_object_get(g, "start_ms")), at("20:06:00"));
	assert_int_equal(json_integer_value(json_object_get(g, "end_ms")), at("20:08:30"));
	assert_string_equal(json_string_value(json_object_get(g, "start")), "2026-11-21T20:06:00.000Z");
	assert_string_equal(json_string_value(json_object_get(g, "end_local")), "2026-11-21T20:08:30.000+00:00");
	assert_int_equal(json_integer_value(json_object_get(g, "round")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(gaps, 0), "round")), 0);
	assert_string_equal(json_string_value(json_object_get(g, "text")),
			    "gap from 2026-11-21T20:06:00.000Z to 2026-11-21T20:08:30.000Z");
	json_decref(root);
	buf_free(&out);
	transcript_free(t);
	store_close(st);
}

/* A long chain of replies is walked without recursion and indented no
 * deeper than the renderer's limit. */
static void test_reply_chain(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "chain", at("20:00:00"), 0, NULL);
	enum { N = 3000 };
	char id[16], parent[16];
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof id, "c%d", i);
		snprintf(parent, sizeof parent, "c%d", i - 1);
		struct event ev = {.kind = EVENT_MESSAGE, .network = "testnet", .room = "#hcsm", .nick = "bob",
				   .text = "and?", .msgid = id, .reply_to = i ? parent : NULL,
				   .ts_ms = at("20:01:00") + i};
		assert_int_equal(store_add_event(st, &ev, "n:bob", chat, 0, NULL), 1);
	}
	assert_int_equal(store_commit(st), 0);
	struct transcript *t = load_ok(st, chat);
	assert_int_equal(t->intro.n_messages, N);
	assert_int_equal(t->messages[N - 1].depth, N - 1);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(t->intro.thread[i], i);
	struct buf out = BUF_INIT;
	markdown_render(t, &out);
	assert_non_null(strstr(out.p, "\n            - **bob**"));
	assert_null(strstr(out.p, "\n              -"));
	buf_free(&out);
	transcript_free(t);
	store_close(st);
}

int main(void)
{
	store_global_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_model, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_golden_markdown, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_golden_json, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_golden_text, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_no_such_chat, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_summaries, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_unknown_round, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reply_chain, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gaps, store_fixture_setup, store_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
