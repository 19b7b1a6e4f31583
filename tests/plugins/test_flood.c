/* flood: rate limits through the fake host, with the lines' own times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fake_api.h"

extern const struct rounds_plugin rounds_plugin;

#define T0 1795300000000LL /* some evening in 2026, UTC ms */
#define WARN_TEXT "You're posting very fast; please slow down so others can follow."

static struct fake_decision say(struct fake *f, const char *nick, const char *account,
				int64_t ts, const char *text)
{
	struct fake_msg m = {.nick = nick, .account = account, .text = text, .ts_ms = ts, .round = 1};
	return fake_moderate(f, &m);
}

/* A fast but genuine participant in a topic round: a prepared answer
 * pasted as 4 lines within 3 s of the topic, then a reply every 5-6 s for
 * a minute and a half, then a second wave after the next topic. */
static void test_fast_participant_never_actioned(void **state)
{
	struct fake *f = fake_new(&rounds_plugin, NULL);
	assert_non_null(f);
	int64_t t = T0;
	const char *paste[] = {"A1 Great question. In our clinic we start with the patient's goals,",
			       "A1 then we look at what the evidence says for people like them,",
			       "A1 and we write the plan down together so nothing is lost.",
			       "A1 Happy to share our template if anyone wants it!"};
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 4; i++) {
			struct fake_decision d = say(f, "dana", "dana", t + i * 900, paste[i]);
			assert_int_equal(d.verdict, ROUNDS_ALLOW);
			assert_false(d.decided);
		}
		t += 3000;
		for (int i = 0; i < 16; i++) {
			char text[64];
			snprintf(text, sizeof text, "@someone%d yes, exactly that (%d)", i % 5, i);
			t += 5000 + (i % 2) * 1000;
			struct fake_decision d = say(f, "dana", "dana", t, text);
			assert_int_equal(d.verdict, ROUNDS_ALLOW);
		}
		t += 10 * 60000; /* the next topic */
	}
	/* thanking three people in a row is not a repeat, nor is "+1" twice */
	assert_int_equal(say(f, "dana", "dana", t, "thanks @amy!").verdict, ROUNDS_ALLOW);
	assert_int_equal(say(f, "dana", "dana", t + 2000, "thanks @bo!").verdict, ROUNDS_ALLOW);
	assert_int_equal(say(f, "dana", "dana", t + 4000, "thanks @cy!").verdict, ROUNDS_ALLOW);
	assert_int_equal(say(f, "dana", "dana", t + 6000, "+1").verdict, ROUNDS_ALLOW);
	assert_int_equal(say(f, "dana", "dana", t + 9000, "+1").verdict, ROUNDS_ALLOW);
	fake_free(f);
}

/* Sends lines one per 200 ms until one is actioned; returns it. */
static struct fake_decision flood_until_actioned(struct fake *f, const char *nick,
						 const char *account, int64_t *t, int *lines)
{
	for (*lines = 1; *lines <= 100; (*lines)++) {
		char text[32];
		snprintf(text, sizeof text, "spam %d", *lines);
		*t += 200;
		struct fake_decision d = say(f, nick, account, *t, text);
		if (d.decided)
			return d;
	}
	fail_msg("never actioned");
	return (struct fake_decision){0};
}

static void test_flooder_warn_mute_kick(void **state)
{
	struct fake *f = fake_new(&rounds_plugin, NULL);
	int64_t t = T0;
	int lines;
	struct fake_decision d = flood_until_actioned(f, "spammer", NULL, &t, &lines);
	assert_int_equal(lines, 7); /* the 7th line within 10 s */
	assert_int_equal(d.verdict, ROUNDS_WARN);
	assert_string_equal(d.reason, WARN_TEXT);

	/* the warning resets the count: it takes a new burst to be muted */
	d = flood_until_actioned(f, "spammer", NULL, &t, &lines);
	assert_int_equal(lines, 7);
	assert_int_equal(d.verdict, ROUNDS_MUTE);
	assert_string_equal(d.reason, "Muted for flooding again after a warning (more than 6 lines in 10 s).");

	d = flood_until_actioned(f, "spammer", NULL, &t, &lines);
	assert_int_equal(d.verdict, ROUNDS_KICK);
	assert_string_equal(d.reason, "Kicked for flooding again after a mute (more than 6 lines in 10 s).");
	d = flood_until_actioned(f, "spammer", NULL, &t, &lines);
	assert_int_equal(d.verdict, ROUNDS_KICK); /* and stays there */

	/* 30 quiet minutes later it starts again from a warning */
	t += 30 * 60000;
	d = flood_until_actioned(f, "spammer", NULL, &t, &lines);
	assert_int_equal(d.verdict, ROUNDS_WARN);
	fake_free(f);
}

static void test_window_limit(void **state)
{
	/* one line every 2.5 s: never 7 in 10 s, but 21 within 60 s */
	struct fake *f = fake_new(&rounds_plugin, NULL);
	int64_t t = T0;
	for (int i = 1; i <= 20; i++) {
		char text[32];
		snprintf(text, sizeof text, "line %d", i);
		assert_int_equal(say(f, "steady", NULL, t, text).verdict, ROUNDS_ALLOW);
		t += 2500;
	}
	struct fake_decision d = say(f, "steady", NULL, t, "line 21");
	assert_int_equal(d.verdict, ROUNDS_WARN);
	fake_free(f);
}

static void test_repeated_lines(void **state)
{
	struct fake *f = fake_new(&rounds_plugin, NULL);
	int64_t t = T0;
	assert_int_equal(say(f, "bot9", NULL, t, "Buy cheap meds at example.com").verdict, ROUNDS_ALLOW);
	assert_int_equal(say(f, "bot9", NULL, t + 20000, "a different line").verdict, ROUNDS_ALLOW);
	assert_int_equal(say(f, "bot9", NULL, t + 25000, "buy cheap  meds at EXAMPLE.com ").verdict,
			 ROUNDS_ALLOW);
	struct fake_decision d = say(f, "bot9", NULL, t + 50000, "Buy cheap meds at example.com");
	assert_int_equal(d.verdict, ROUNDS_WARN);
	assert_string_equal(d.reason,
			    "You've sent the same message several times; please don't repeat it.");
	/* the same text spread over more than a minute is fine */
	t += 10 * 60000;
	assert_int_equal(say(f, "rt", NULL, t, "Join us next week!").verdict, ROUNDS_ALLOW);
	assert_int_equal(say(f, "rt", NULL, t + 40000, "Join us next week!").verdict, ROUNDS_ALLOW);
	assert_int_equal(say(f, "rt", NULL, t + 80000, "Join us next week!").verdict, ROUNDS_ALLOW);
	fake_free(f);
}

static void test_moderators_never_counted(void **state)
{
	struct fake *f = fake_new(&rounds_plugin, NULL);
	int64_t t = T0;
	for (int i = 0; i < 50; i++) {
		struct fake_msg m = {.nick = "host", .account = "host", .text = "T1 Same topic again",
				     .ts_ms = t + i * 100, .flags = ROUNDS_MSG_MODERATOR};
		assert_false(fake_moderate(f, &m).decided);
	}
	/* nor do their lines count once they speak as a participant: a fresh
	 * start after 50 moderator lines still allows 6 */
	for (int i = 0; i < 6; i++) {
		char text[16];
		snprintf(text, sizeof text, "x%d", i);
		assert_false(say(f, "host", "host", t + 6000 + i * 100, text).decided);
	}
	fake_free(f);
}

static void test_keys_account_then_nick(void **state)
{
	struct fake *f = fake_new(&rounds_plugin, NULL);
	int64_t t = T0;
	/* one account behind three nicks (and cases) is one sender */
	const char *nicks[] = {"Eve", "eve_", "EVE|away"};
	for (int i = 0; i < 6; i++) {
		char text[16];
		snprintf(text, sizeof text, "m%d", i);
		assert_false(say(f, nicks[i % 3], i % 2 ? "EVE" : "eve", t + i * 100, text).decided);
	}
	assert_int_equal(say(f, "eve", "Eve", t + 700, "m7").verdict, ROUNDS_WARN);

	/* without an account the nick is the key, case-insensitively ... */
	t += 3600000;
	for (int i = 0; i < 6; i++) {
		char text[16];
		snprintf(text, sizeof text, "n%d", i);
		assert_false(say(f, i % 2 ? "Guest1" : "guest1", NULL, t + i * 100, text).decided);
	}
	assert_int_equal(say(f, "GUEST1", NULL, t + 700, "n7").verdict, ROUNDS_WARN);
	/* ... and a guest using an account holder's nick is someone else */
	t += 3600000;
	for (int i = 0; i < 6; i++) {
		char text[16];
		snprintf(text, sizeof text, "o%d", i);
		assert_false(say(f, "frank", "frank", t + i * 100, text).decided);
	}
	assert_false(say(f, "frank", NULL, t + 700, "o7").decided);
	assert_int_equal(say(f, "frank", "frank", t + 800, "o8").verdict, ROUNDS_WARN);
	fake_free(f);
}

static void test_pruning_and_bound(void **state)
{
	struct fake *f = fake_new(&rounds_plugin, "{\"max_senders\": 100}");
	assert_int_equal(fake_hooks(f, "timer"), 1);
	int64_t t = T0;
	/* 5000 different people within 5 s: the table never holds more than 100 */
	for (int i = 0; i < 5000; i++) {
		char nick[16];
		snprintf(nick, sizeof nick, "p%d", i);
		assert_false(say(f, nick, NULL, t + i, "hello").decided);
	}
	assert_int_equal(fake_fire_timers(f), 1);
	assert_string_equal(fake_log(f), "debug: flood: forgot 0 idle senders, 100 tracked\n");

	/* someone flooding while the table is full is still caught */
	int lines;
	t += 5000;
	struct fake_decision d = flood_until_actioned(f, "mallory", NULL, &t, &lines);
	assert_int_equal(d.verdict, ROUNDS_WARN);

	/* a minute later everyone but mallory (warned: remembered for the
	 * escalation window) is idle, and the timer forgets them */
	t += 61000;
	assert_false(say(f, "mallory", NULL, t, "sorry").decided);
	assert_int_equal(fake_fire_timers(f), 1);
	assert_non_null(strstr(fake_log(f), "debug: flood: forgot 99 idle senders, 1 tracked\n"));
	/* and mallory still escalates */
	t += 10000;
	d = flood_until_actioned(f, "mallory", NULL, &t, &lines);
	assert_int_equal(d.verdict, ROUNDS_MUTE);
	fake_free(f);
}

static void test_config(void **state)
{
	struct fake *f = fake_new(&rounds_plugin,
				  "{\"burst_lines\": 3, \"burst_seconds\": 5, \"window_lines\": 0,"
				  " \"repeat_lines\": 0, \"escalation_minutes\": 0,"
				  " \"warn_message\": \"Easy there!\"}");
	assert_non_null(f);
	int64_t t = T0;
	for (int i = 0; i < 3; i++)
		assert_false(say(f, "zed", NULL, t + i * 1000, "same").decided);
	struct fake_decision d = say(f, "zed", NULL, t + 3000, "same");
	assert_int_equal(d.verdict, ROUNDS_WARN);
	assert_string_equal(d.reason, "Easy there!");
	/* escalation_minutes 0: offences never escalate */
	for (int i = 0; i < 3; i++)
		say(f, "zed", NULL, t + 4000 + i * 100, "same");
	assert_int_equal(say(f, "zed", NULL, t + 4400, "same").verdict, ROUNDS_WARN);
	fake_free(f);

	/* a burst of 8 (the README's example) allows 8 lines */
	f = fake_new(&rounds_plugin, "{\"burst_lines\": 8}");
	for (int i = 0; i < 8; i++) {
		char text[8];
		snprintf(text, sizeof text, "%d", i);
		assert_false(say(f, "amy", NULL, t + i * 100, text).decided);
	}
	assert_int_equal(say(f, "amy", NULL, t + 900, "9").verdict, ROUNDS_WARN);
	fake_free(f);

	/* bad values are refused with a reason */
	assert_null(fake_new(&rounds_plugin, "{\"burst_lines\": -1}"));
	assert_string_equal(fake_last_error(), "burst_lines must be a whole number from 0 (off) to 1000");
	assert_null(fake_new(&rounds_plugin, "{\"burst_seconds\": 2.5}"));
	assert_string_equal(fake_last_error(), "burst_seconds must be a whole number from 1 to 3600");
	assert_null(fake_new(&rounds_plugin, "{\"repeat_lines\": 1}"));
	assert_null(fake_new(&rounds_plugin, "{\"warn_message\": \"\"}"));
}

/* Two instances (two chats) keep separate counts. */
static void test_instances_independent(void **state)
{
	struct fake *a = fake_new(&rounds_plugin, NULL);
	struct fake *b = fake_new(&rounds_plugin, "{\"burst_lines\": 2}");
	for (int i = 0; i < 6; i++) {
		char text[8];
		snprintf(text, sizeof text, "%d", i);
		assert_false(say(a, "kim", NULL, T0 + i * 100, text).decided);
	}
	assert_false(say(b, "kim", NULL, T0, "1").decided);
	assert_false(say(b, "kim", NULL, T0 + 100, "2").decided);
	assert_int_equal(say(b, "kim", NULL, T0 + 200, "3").verdict, ROUNDS_WARN);
	fake_free(a);
	fake_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_participant_never_actioned),
		cmocka_unit_test(test_flooder_warn_mute_kick),
		cmocka_unit_test(test_window_limit),
		cmocka_unit_test(test_repeated_lines),
		cmocka_unit_test(test_moderators_never_counted),
		cmocka_unit_test(test_keys_account_then_nick),
		cmocka_unit_test(test_pruning_and_bound),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_instances_independent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
