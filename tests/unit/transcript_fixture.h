/* The fixture chats the transcript unit tests share (test_transcript: the
 * model, the golden renderings and gaps; test_transcript_hostile: what
 * people type, opt-outs, moderation and pseudonyms): lines written through
 * the store API, chat1 (the reference chat), loading a transcript, and the
 * golden files. Header-only on purpose: each test program is one
 * translation unit; include it after cmocka.h. */
#ifndef ROUNDS_TEST_TRANSCRIPT_FIXTURE_H
#define ROUNDS_TEST_TRANSCRIPT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "model.h"
#include "store.h"
#include "golden.h"
#include "store_fixture.h"
#include "verdict.h"

#define FIXTURE_DAY "2026-11-21"
#include "fixture_line.h"

static const char long_text[] =
	"A1 Honestly it creeps up on you. First it is the sleep: you lie awake going over the "
	"handover, the patient you could not get a bed for, the relative who shouted. Then it is "
	"the small things, skipping lunch because the list is long, drinking coffee instead of "
	"water, saying yes to one more shift because the rota has gaps and you know your "
	"colleagues are just as tired. By the time you notice, you have stopped seeing friends, "
	"you dread Sunday evenings, and the work that used to feel like a calling feels like a "
	"weight. What helped me was a colleague who noticed before I did and asked, plainly, how "
	"I was. So my answer is: watch the sleep, watch the lunch breaks, and watch each other.";

/* The reference chat: an intro, three rounds, answers linked to earlier
 * rounds, nested and cross-round replies, an action, bot lines, emoji and
 * right-to-left text, a long message, an opted-out participant, and lines
 * that must never be published (a private message, a command, a join, a
 * nick change, a quit, an audit record, someone else's notice). */
static const struct line chat1_lines[] = {
	{"19:58:00", .text = "early bird, before the chat opened", .nick = "bob", .account = "bob", .round = -1,
	 .outside = true},
	{"20:00:00", .flags = BOT, .nick = "rounds",
	 .text = "Welcome to HCSM weekly! 3 topics tonight; answer topic T1 with A1, T2 with A2, and so on."},
	{"20:00:30", .flags = MOD, .nick = "alice", .account = "alice", .msgid = "m1",
	 .text = "Hi all, I'm Alice, a nurse in Leeds \xe2\x80\x94 your host tonight \xf0\x9f\x91\x8b"},
	{"20:01:00", .kind = EVENT_JOIN, .nick = "bob", .account = "bob"},
	{"20:01:10", .nick = "bob", .account = "bob", .msgid = "m2", .reply_to = "m1",
	 .text = "Bob here, GP in Bristol"},
	{"20:01:20", .nick = "dana", .account = "dana", .msgid = "m3",
	 .text = "Dana, patient advocate, SECRET-INTRO"},
	{"20:01:30", .flags = EVENT_F_REPLAY, .nick = "carol", .account = "carol", .msgid = "m4",
	 .text = "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd9\x85\xd9\x86 \xd8\xa7\xd9\x84\xd9\x82\xd8\xa7"
		 "\xd9\x87\xd8\xb1\xd8\xa9 \xe2\x80\x94 Carol, pharmacist"},
	{"20:01:40", .flags = EVENT_F_PRIVATE, .nick = "bob", .account = "bob", .room = "rounds",
	 .text = "SECRET-PRIVATE can you remind me when T2 starts?"},
	{"20:02:00", .flags = EVENT_F_COMMAND, .nick = "carol", .account = "carol", .msgid = "m5",
	 .text = "!time SECRET-COMMAND"},
	{"20:02:01", .kind = EVENT_NOTICE, .flags = BOT, .nick = "rounds",
	 .text = "carol: the intro ends in 3 min."},
	{"20:02:30", .kind = EVENT_NOTICE, .nick = "frank", .text = "SECRET-NOTICE from a user"},
	{"20:05:00", .flags = BOT, .nick = "rounds", .round = 1,
	 .text = "T1: How do you recognise burnout in yourself? Answer with A1."},
	{"20:06:00", .nick = "bob", .account = "bob", .msgid = "m10", .round = 1,
	 .text = "A1 I stop sleeping well & skip lunch"},
	{"20:06:30", .kind = EVENT_ACTION, .nick = "carol", .account = "carol", .msgid = "m11", .round = 1,
	 .text = "nods along"},
	{"20:07:00", .nick = "dana", .account = "dana", .msgid = "m12", .round = 1,
	 .text = "A1 SECRET-ANSWER from dana"},
	{"20:07:30", .flags = MOD, .nick = "alice", .account = "alice", .msgid = "m13", .reply_to = "m10",
	 .round = 1, .text = "A1 when *everything* feels like a chore"},
	{"20:07:45", .nick = "bob", .account = "bob", .msgid = "m13b", .reply_to = "m13", .round = 1,
	 .text = "exactly that"},
	{"20:08:00", .nick = "erin", .msgid = "m14", .round = 1, .text = long_text},
	{"20:08:30", .nick = "bob", .account = "bob", .msgid = "m15", .reply_to = "m12", .round = 1,
	 .text = "same here"},
	{"20:15:00", .flags = MOD, .nick = "alice", .account = "alice", .msgid = "m20", .round = 2,
	 .text = "T2: What helps you recover?"},
	{"20:16:00", .nick = "bob", .account = "bob", .msgid = "m21", .round = 2,
	 .text = "A2 walking the dog \xf0\x9f\x90\x95"},
	{"20:17:00", .nick = "carol", .account = "carol", .msgid = "m22", .round = 1,
	 .text = "A1 (late) I notice I get short with colleagues"},
	{"20:18:00", .nick = "erin", .msgid = "m24", .reply_to = "m14", .round = 2,
	 .text = "A2 therapy, honestly"},
	{"20:19:00", .kind = EVENT_NICK, .nick = "bob", .account = "bob", .target = "bobby"},
	{"20:19:30", .nick = "bobby", .account = "bob", .msgid = "m23", .round = 2,
	 .text = "A2 and cooking"},
	{"20:20:00", .kind = EVENT_QUIT, .nick = "frank", .text = "SECRET-QUIT"},
	{"20:25:00", .flags = BOT, .nick = "rounds", .round = 3,
	 .text = "T3: One thing you'll do for yourself this week? Answer with A3."},
	{"20:26:00", .nick = "carol", .account = "carol", .msgid = "m30", .round = 3,
	 .text = "A3 book a day off"},
	{"20:27:00", .flags = MOD, .nick = "alice", .account = "alice", .msgid = "m31", .round = 3,
	 .text = "A3 ask for help"},
	{"20:29:00", .kind = EVENT_AUDIT, .flags = BOT, .nick = "rounds", .round = 3,
	 .text = "SECRET-AUDIT alice muted spammer"},
	{"20:36:00", .nick = "bobby", .account = "bob", .msgid = "m40", .round = -1, .text = "thanks all!"},
};

/* The id of the stored event sql (a SELECT of one id, with one text
 * parameter) finds; there must be one. */
static inline int64_t event_id_where(struct store *st, const char *sql, const char *value)
{
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, value, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int64_t id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return id;
}

/* The stored id of the line with this message id. */
static inline int64_t id_of_msgid(struct store *st, const char *msgid)
{
	return event_id_where(st, "SELECT id FROM events WHERE msgid = ?1", msgid);
}

/* Writes chat1 into a fresh store; returns its id. It is shown in New
 * York's time, one line has a span redacted and one was removed. */
static inline int64_t make_chat1(struct store *st)
{
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "HCSM weekly: burnout",
				       at("20:00:00"), at("20:35:00"), "alice");
	assert_true(chat > 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 1, "How do you recognise burnout in yourself?",
					   NULL, 10, at("20:05:00"), NULL), 0);
	assert_int_equal(store_round_end(st, chat, 1, at("20:15:00")), 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 2, "What helps you recover?",
					   "What has helped you recover?", 10, at("20:15:00"), "a:alice"), 0);
	assert_int_equal(store_round_end(st, chat, 2, at("20:25:00")), 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 3, "One thing you'll do for yourself this week?",
					   NULL, 7.5, at("20:25:00"), NULL), 0);
	assert_int_equal(store_round_end(st, chat, 3, at("20:35:00")), 0);
	for (size_t i = 0; i < sizeof chat1_lines / sizeof chat1_lines[0]; i++)
		add_line(st, chat, &chat1_lines[i]);
	assert_int_equal(store_add_host(st, chat, "alice", false, NULL, at("20:00:00")), 0);
	assert_int_equal(store_add_host(st, chat, "carol", true, "alice", at("20:03:00")), 0);
	assert_int_equal(store_add_host(st, chat, "dana", true, "alice", at("20:03:10")), 0);
	assert_int_equal(store_chat_options(st, chat, "America/New_York", false), 0);
	/* "walking the dog" in "A2 walking the dog 🐕" */
	assert_int_equal(store_add_verdict(st, id_of_msgid(st, "m21"), "privacy", VERDICT_REDACT, "pets",
					   "[[3,18]]", at("20:16:01")), 0);
	assert_int_equal(store_add_verdict(st, id_of_msgid(st, "m30"), "policy", VERDICT_HIDE, "off-topic",
					   NULL, at("20:26:01")), 0);
	assert_int_equal(store_chat_close(st, chat, at("20:35:00"), "the last topic ended", 20, 6), 0);
	assert_int_equal(store_set_optout(st, "testnet", "a:dana", true, at("21:00:00")), 0);
	assert_int_equal(store_commit(st), 0);
	return chat;
}

/* What a summary plugin might add to chat1: a paragraph, links (one not
 * a web address, one with characters a link must escape) and a table. */
static inline void add_chat1_summary(struct transcript *t)
{
	size_t s = transcript_add_summary(t, "resources", "Links shared");
	transcript_summary_paragraph(t, s, "3 links were shared; one was not a web address.");
	const char *texts[] = {"NHS: looking after yourself", "[a (tricky) link](javascript:x)", "- not a list"};
	const char *urls[] = {"https://www.nhs.uk/mental-health/self-help/", "https://example.org/a_(b)?x=1&y=2",
			      "javascript:alert(1)"};
	transcript_summary_list(t, s, texts, urls, 3);
	const char *cells[] = {"Topic", "Answers", "T1", "8", "T2 | T3", "<6>"};
	transcript_summary_table(t, s, cells, 3, 2);
}




static inline void assert_absent(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle))
		fail_msg("\"%s\" must not appear in the output", needle);
}

/* Plain text: no control character but the line feed, no C1 control, no
 * bidi control, no U+FFFE/U+FFFF. */
static inline void assert_text_inert(const char *txt)
{
	const unsigned char *p = (const unsigned char *)txt;
	for (size_t i = 0; p[i]; i++) {
		if ((p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7f)
			fail_msg("control character %#x at byte %zu", p[i], i);
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			fail_msg("C1 control at byte %zu", i);
		if (p[i] == 0xe2 && ((p[i + 1] == 0x80 && p[i + 2] >= 0xaa && p[i + 2] <= 0xae) ||
				     (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9) ||
				     (p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))))
			fail_msg("bidi control or separator at byte %zu", i);
		if (p[i] == 0xef && p[i + 1] == 0xbf && (p[i + 2] == 0xbe || p[i + 2] == 0xbf))
			fail_msg("non-character at byte %zu", i);
	}
}

#endif
