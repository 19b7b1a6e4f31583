/* stats: the "Chat statistics" section, as a reader of the transcript sees it. */
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
#define MIN 60000LL
#define BOT ((size_t)-1)

static struct rounds_summary_message msg(size_t who, const char *sender, int round, int64_t ts)
{
	return (struct rounds_summary_message){
		.size = sizeof(struct rounds_summary_message), .sender = sender, .text = "hi",
		.round = round, .ts_ms = ts, .bot = who == BOT, .parent = -1, .participant = who};
}

static const struct rounds_summary_round rounds[] = {
	{sizeof(struct rounds_summary_round), 1, "How do you explain risk to patients?", T20 + 5 * MIN,
	 T20 + 15 * MIN, 0},
	{sizeof(struct rounds_summary_round), 2, "What tools help?", T20 + 15 * MIN, T20 + 25 * MIN, 0},
	{sizeof(struct rounds_summary_round), 3, "Nobody answered this one", T20 + 25 * MIN, 0, 0},
};

static const struct rounds_summary_participant people[] = {
	{sizeof(struct rounds_summary_participant), "alice", 4, false},
	{sizeof(struct rounds_summary_participant), "Bob", 2, true},
	{sizeof(struct rounds_summary_participant), "carol", 2, true},
	{sizeof(struct rounds_summary_participant), "dave", 1, false},
	{sizeof(struct rounds_summary_participant), "erin", 0, true}, /* listed, never spoke */
};

static const char *run(const char *config)
{
	static struct fake *f;
	static char out[8192];
	struct rounds_summary_message m[] = {
		msg(BOT, "rounds", 0, T20),
		msg(0, "alice", 0, T20 + 1 * MIN),
		msg(1, "Bob", 0, T20 + 1 * MIN + 30000),
		msg(BOT, "rounds", 1, T20 + 5 * MIN),
		msg(0, "alice", 1, T20 + 6 * MIN),
		msg(2, "carol", 1, T20 + 6 * MIN + 10000),
		msg(3, "dave", 1, T20 + 6 * MIN + 59999),
		msg(0, "alice", 1, T20 + 7 * MIN),
		msg(BOT, "rounds", 2, T20 + 15 * MIN),
		msg(1, "Bob", 2, T20 + 16 * MIN),
		msg(2, "carol", 2, T20 + 16 * MIN + 1),
		msg(0, "alice", -1, T20 + 31 * MIN),
	};
	struct fake_summary s = {"Risk talk", m, sizeof m / sizeof m[0], rounds, 3, people, 5};
	f = fake_new(&rounds_plugin, config);
	assert_non_null(f);
	snprintf(out, sizeof out, "%s", fake_summarize(f, &s));
	fake_free(f);
	return out;
}

static void test_section(void **state)
{
	assert_string_equal(run(NULL),
			    "## Chat statistics\n"
			    "P: 4 participants, 9 messages from people and 3 from the bot.\n"
			    "P: First-time participants: 2 (Bob, carol).\n"
			    "P: Busiest minute: 2026-11-19 20:06 UTC, 3 messages.\n"
			    "P: Messages per topic:\n"
			    "T: Topic | Text | Messages\n"
			    "T: Intro | Introductions | 2\n"
			    "T: T1 | How do you explain risk to patients? | 4\n"
			    "T: T2 | What tools help? | 2\n"
			    "T: T3 | Nobody answered this one | 0\n"
			    "T: After | After the last topic | 1\n"
			    "P: Most active participants:\n"
			    "T: Participant | Messages\n"
			    "T: alice | 4\n"
			    "T: Bob | 2\n"
			    "T: carol | 2\n"
			    "T: dave | 1\n");
}

static void test_top_config(void **state)
{
	const char *out = run("{\"top\": 2}");
	assert_non_null(strstr(out, "P: Most active participants (top 2 of 4):\n"
				    "T: Participant | Messages\n"
				    "T: alice | 4\n"
				    "T: Bob | 2\n"));
	assert_null(strstr(out, "T: carol"));
	out = run("{\"top\": 0}");
	assert_null(strstr(out, "Most active"));
	assert_null(fake_new(&rounds_plugin, "{\"top\": -3}"));
	assert_string_equal(fake_last_error(), "top must be a whole number from 0 (no table) to 1000");
}

/* Equal minutes: the earliest wins; singular words for one. */
static void test_busiest_tie_and_singular(void **state)
{
	struct rounds_summary_message m[] = {
		msg(0, "zoe", 1, T20 + 9 * MIN + 5),
		msg(0, "zoe", 1, T20 + 3 * MIN + 5), /* out of order on purpose */
	};
	struct rounds_summary_participant p[] = {{sizeof p[0], "zoe", 2, true}};
	struct fake_summary s = {"t", m, 2, rounds, 1, p, 1};
	struct fake *f = fake_new(&rounds_plugin, NULL);
	assert_string_equal(fake_summarize(f, &s),
			    "## Chat statistics\n"
			    "P: 1 participant, 2 messages from people and 0 from the bot.\n"
			    "P: First-time participant: 1 (zoe).\n"
			    "P: Busiest minute: 2026-11-19 20:03 UTC, 1 message.\n"
			    "P: Messages per topic:\n"
			    "T: Topic | Text | Messages\n"
			    "T: T1 | How do you explain risk to patients? | 2\n"
			    "P: Most active participants:\n"
			    "T: Participant | Messages\n"
			    "T: zoe | 2\n");
	fake_free(f);
}

/* Same transcript, same section: and ties in the top table go by name. */
static void test_deterministic_ties(void **state)
{
	enum { N = 40 };
	struct rounds_summary_message m[N];
	struct rounds_summary_participant p[N];
	char names[N][8];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "p%02d", (i * 7) % N); /* shuffled */
		p[i] = (struct rounds_summary_participant){sizeof p[i], names[i], 1, false};
		m[i] = msg((size_t)i, names[i], 1, T20 + i * 1000);
	}
	struct fake_summary s = {"t", m, N, rounds, 1, p, N};
	struct fake *f = fake_new(&rounds_plugin, "{\"top\": 3}");
	char first[4096];
	snprintf(first, sizeof first, "%s", fake_summarize(f, &s));
	assert_string_equal(fake_summarize(f, &s), first);
	assert_non_null(strstr(first, "T: p00 | 1\nT: p01 | 1\nT: p02 | 1\n"));
	assert_non_null(strstr(first, "Busiest minute: 2026-11-19 20:00 UTC, 40 messages."));
	fake_free(f);
}

static void test_empty(void **state)
{
	struct fake_summary s = {"t", NULL, 0, NULL, 0, NULL, 0};
	struct fake *f = fake_new(&rounds_plugin, NULL);
	assert_string_equal(fake_summarize(f, &s),
			    "## Chat statistics\n"
			    "P: 0 participants, 0 messages from people and 0 from the bot.\n");
	fake_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_section),
		cmocka_unit_test(test_top_config),
		cmocka_unit_test(test_busiest_tie_and_singular),
		cmocka_unit_test(test_deterministic_ties),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
