/* The transcript model and its Markdown and JSON renderers, on fixture
 * chats written through the store API.
 *
 * chat1 is the reference chat; its renderings are golden files in
 * tests/unit/golden/ and are the spec: review them by eye when they change.
 * Regenerate with ROUNDS_REGOLD=1 (writes into the source tree). */
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

#include "store_fixture.h"


/* "20:05:30" on the fixture's day, in UTC ms. */
static int64_t at(const char *hms)
{
	char iso[40];
	snprintf(iso, sizeof iso, "2026-11-21T%s.000Z", hms);
	int64_t ms = clock_parse_iso(iso);
	assert_true(ms > 0);
	return ms;
}

/* One stored line of a fixture. kind 0 means EVENT_MESSAGE; room NULL the
 * chat's room; round -1 stores no round (with the chat's id). */
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
	const char *room;
	const char *target;
	bool outside; /* stored outside any chat */
};

static void add_line(struct store *st, int64_t chat, const struct line *l)
{
	struct event ev = {
		.kind = l->kind ? l->kind : EVENT_MESSAGE,
		.flags = l->flags,
		.network = "testnet",
		.room = l->room ? l->room : "#hcsm",
		.nick = l->nick,
		.account = l->account,
		.text = l->text,
		.target = l->target,
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
	assert_int_equal(store_add_event(st, &ev, k, l->outside ? 0 : chat, l->round, NULL), 1);
	buf_free(&key);
}

#define BOT EVENT_F_SELF
#define MOD EVENT_F_MODERATOR

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

/* The stored id of the line with this message id. */
static int64_t id_of_msgid(struct store *st, const char *msgid)
{
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT id FROM events WHERE msgid = ?1", -1, &q,
					    NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, msgid, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int64_t id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return id;
}

/* Writes chat1 into a fresh store; returns its id. It is shown in New
 * York's time, one line has a span redacted and one was removed. */
static int64_t make_chat1(struct store *st)
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
static void add_chat1_summary(struct transcript *t)
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

/* Compares against tests/unit/golden/<name>, or rewrites it when
 * ROUNDS_REGOLD is set. A mismatch leaves <name>.actual in the build
 * directory and names the first differing line. */
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

static void assert_absent(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle))
		fail_msg("\"%s\" must not appear in the output", needle);
}

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

/* Plain text: no control character but the line feed, no C1 control, no
 * bidi control, no U+FFFE/U+FFFF. */
static void assert_text_inert(const char *txt)
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
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT id FROM events WHERE text = ?1", -1, &q,
					    NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int64_t id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return id;
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
		cmocka_unit_test_setup_teardown(test_markdown_hostile, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_opted_out_host_topic, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_moderation_and_pseudonyms, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_summaries, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_unknown_round, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reply_chain, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gaps, store_fixture_setup, store_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
