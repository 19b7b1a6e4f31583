/* highlights: which answers a reader finds under "Highlights", and why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_api.h"

extern const struct rounds_plugin rounds_plugin;

#define T20 1795118400000LL /* 2026-11-19 20:00 UTC */

static struct rounds_summary_message line(size_t who, const char *sender, int round, int sec,
					  const char *text, size_t replies)
{
	/* what the host flags: the model's markers, not text anyone could type */
	return (struct rounds_summary_message){
		.size = sizeof(struct rounds_summary_message), .sender = sender, .text = text,
		.round = round, .ts_ms = T20 + sec * 1000LL, .bot = who == (size_t)-1, .parent = -1,
		.replies = replies, .participant = who,
		.removed = strcmp(text, "[removed by a moderator]") == 0,
		.redacted = strstr(text, "[redacted]") != NULL};
}

static const struct rounds_summary_round rounds[] = {
	{sizeof(struct rounds_summary_round), 1, "How do you help patients manage medications?", T20, 0, 0},
	{sizeof(struct rounds_summary_round), 2, "What about sleep?", T20 + 600000, 0, 0},
};

/* A round where three people say much the same thing in their own words,
 * one drifts off topic, and some lines must never be picked. */
static struct rounds_summary_message round1[10];

static void fill_round1(size_t dave_replies)
{
	round1[0] = line((size_t)-1, "rounds", 1, 0, "T1 How do you help patients manage medications?", 0);
	round1[1] = line(0, "alice", 1, 10, "A1 Pill organizers and phone reminders help patients manage medications", 0);
	round1[2] = line(1, "bob", 1, 20, "A1 phone reminders plus pill organizers work for most patients #hcsm", 0);
	round1[3] = line(2, "carol", 1, 30, "A1 we review medications with patients at every visit, and reminders", 0);
	round1[4] = line(3, "dave", 1, 40, "A1 my cat likes to sleep on keyboards during calls", dave_replies);
	round1[5] = line(4, "erin", 1, 50, "A1 yes, reminders!", 3); /* too short */
	round1[6] = line(5, "frank", 1, 60, "[removed by a moderator]", 4);
	round1[7] = line(6, "gina", 1, 70, "A1 patient [redacted] uses pill organizers and phone reminders", 4);
	round1[8] = line(0, "alice", 1, 80, "A1 also phone reminders and pill organizers for patients' medications", 0);
	round1[9] = line((size_t)-1, "rounds", 1, 90, "Reminder: pill organizers phone reminders medications patients", 9);
}

static const char *run(const char *config, const struct rounds_summary_message *m, size_t n)
{
	static char out[8192];
	struct fake *f = fake_new(&rounds_plugin, config);
	assert_non_null(f);
	struct fake_summary s = {"Meds chat", m, n, rounds, 2, NULL, 0};
	snprintf(out, sizeof out, "%s", fake_summarize(f, &s));
	/* the same transcript gives the same section */
	assert_string_equal(fake_summarize(f, &s), out);
	fake_free(f);
	return out;
}

static void test_representative_answers(void **state)
{
	fill_round1(0);
	/* alice's second line says most what the round said (so her first,
	 * close behind, is left out: one line a person), then bob's; carol
	 * shares part of it; dave is off topic; erin's line is too short;
	 * frank's was removed, gina's redacted, and the bot's is no answer.
	 * Listed in the order they were said. */
	assert_string_equal(run(NULL, round1, 10),
			    "## Highlights\n"
			    "P: T1: How do you help patients manage medications?\n"
			    "L: bob: A1 phone reminders plus pill organizers work for most patients #hcsm\n"
			    "L: carol: A1 we review medications with patients at every visit, and reminders\n"
			    "L: alice: A1 also phone reminders and pill organizers for patients' medications\n");
	assert_string_equal(run("{\"per_topic\": 1}", round1, 10),
			    "## Highlights\n"
			    "P: T1: How do you help patients manage medications?\n"
			    "L: alice: A1 also phone reminders and pill organizers for patients' medications\n");
}

static void test_replies_weight(void **state)
{
	/* a line people answered comes up despite its words */
	fill_round1(4);
	const char *out = run("{\"per_topic\": 2, \"reply_weight\": 0.25}", round1, 10);
	assert_string_equal(out,
			    "## Highlights\n"
			    "P: T1: How do you help patients manage medications?\n"
			    "L: dave: A1 my cat likes to sleep on keyboards during calls\n"
			    "L: alice: A1 also phone reminders and pill organizers for patients' medications\n");
	/* with no weight for replies it does not */
	out = run("{\"per_topic\": 2, \"reply_weight\": 0}", round1, 10);
	assert_null(strstr(out, "dave"));
}

static void test_reactions_weight(void **state)
{
	/* on Matrix, a line people reacted to comes up the same way */
	fill_round1(0);
	round1[4].reactions = 8;
	const char *out = run("{\"per_topic\": 2, \"reaction_weight\": 0.1}", round1, 10);
	assert_non_null(strstr(out, "L: dave: A1 my cat likes to sleep on keyboards during calls\n"));
	out = run("{\"per_topic\": 2, \"reaction_weight\": 0}", round1, 10);
	assert_null(strstr(out, "dave"));
	round1[4].reactions = 0;
}

static void test_ties_and_rounds(void **state)
{
	/* nothing in common: every score is 0, so the earliest lines win, and
	 * a second topic gets its own list; lines outside topics are ignored */
	struct rounds_summary_message m[] = {
		line(0, "amy", 0, 0, "Hi everyone, nurse from Leeds here", 0),
		line(1, "ben", 2, 630, "A2 blackout curtains changed everything honestly", 0),
		line(2, "cat", 2, 610, "A2 consistent bedtime routine works for toddlers", 0),
		line(3, "dan", 2, 620, "A2 caffeine cutoff after lunchtime matters", 0),
		line(4, "eve", 2, 640, "A2 melatonin questions come up constantly", 0),
		line(0, "amy", -1, 2000, "Thanks all, that was a lovely chat tonight", 0),
	};
	assert_string_equal(run(NULL, m, 6),
			    "## Highlights\n"
			    "P: T2: What about sleep?\n"
			    "L: cat: A2 consistent bedtime routine works for toddlers\n"
			    "L: dan: A2 caffeine cutoff after lunchtime matters\n"
			    "L: ben: A2 blackout curtains changed everything honestly\n");
}

static void test_nothing_to_highlight(void **state)
{
	struct rounds_summary_message m[] = {
		line(0, "amy", 1, 10, "A1 yes!", 0),
		line(1, "ben", 1, 20, "[removed by a moderator]", 0),
		line((size_t)-1, "rounds", 1, 30, "Ten minutes left on this topic, keep answering", 0),
	};
	assert_string_equal(run(NULL, m, 3), "");
}

static void test_config(void **state)
{
	fill_round1(0);
	/* min_words 11: only lines of 11 words or more */
	assert_string_equal(run("{\"min_words\": 11}", round1, 10),
			    "## Highlights\n"
			    "P: T1: How do you help patients manage medications?\n"
			    "L: bob: A1 phone reminders plus pill organizers work for most patients #hcsm\n"
			    "L: carol: A1 we review medications with patients at every visit, and reminders\n");
	assert_null(fake_new(&rounds_plugin, "{\"per_topic\": 0}"));
	assert_string_equal(fake_last_error(), "per_topic must be a whole number from 1 to 20");
	assert_null(fake_new(&rounds_plugin, "{\"min_words\": 2.5}"));
	assert_null(fake_new(&rounds_plugin, "{\"reply_weight\": -1}"));
}

/* A big round stays fast and picks the one answer that shares words with
 * all the others. */
static void test_large_round(void **state)
{
	enum { N = 800 };
	static struct rounds_summary_message m[N];
	static char texts[N][128];
	static char names[N][16];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "p%03d", i);
		snprintf(texts[i], sizeof texts[i], "A1 w%da w%db w%dc shared%d", i, i, i, i % 7);
		m[i] = line((size_t)i, names[i], 1, i, texts[i], 0);
	}
	snprintf(texts[N / 2], sizeof texts[N / 2],
		 "A1 shared0 shared1 shared2 shared3 shared4 shared5 shared6");
	const char *out = run("{\"per_topic\": 1}", m, N);
	assert_string_equal(out, "## Highlights\n"
				 "P: T1: How do you help patients manage medications?\n"
				 "L: p400: A1 shared0 shared1 shared2 shared3 shared4 shared5 shared6\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_representative_answers),
		cmocka_unit_test(test_replies_weight),
		cmocka_unit_test(test_reactions_weight),
		cmocka_unit_test(test_ties_and_rounds),
		cmocka_unit_test(test_nothing_to_highlight),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_large_round),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
