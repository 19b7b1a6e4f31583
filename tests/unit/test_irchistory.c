/* No lost line on IRC, driven line by line as a server would: the time
 * away after a reconnect (or a kick) filled from history replayed on join
 * or asked for with CHATHISTORY, replayed lines de-duplicated (by msgid in
 * the store; by time, sender and text here when there is no msgid), never
 * executed, and a gap event only where the replay does not reach back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "irc.h"
#include "log.h"

#include "irc_fixture.h"

#define T(s) clock_parse_iso("2026-11-21T" s "Z")

/* A few live lines in #hcsm after the first join (20:00:00). */
static void talk_before(struct fixture *f)
{
	feed(f, "@time=2026-11-21T20:01:00.000Z;msgid=m1 :alice!a@h PRIVMSG #hcsm :A1 one");
	feed(f, "@time=2026-11-21T20:02:00.000Z;msgid=m2 :bob!b@h PRIVMSG #hcsm :A1 two");
}

/* The link drops and comes back up to the JOINs sent. */
static void reconnect(struct fixture *f)
{
	f->now += 120000;
	irc_disconnected(f->irc);
	f->n_sent = 0;
	register_upto_join(f, 1);
}

/* The token of the last gap marker PING sent, or NULL. */
static const char *marker(struct fixture *f)
{
	drain(f);
	for (int i = f->n_sent - 1; i >= 0; i--)
		if (strncmp(f->sent[i], "PING :rounds-gap-", 17) == 0)
			return f->sent[i] + 6;
	return NULL;
}

static void pong(struct fixture *f, const char *token)
{
	char line[200];
	snprintf(line, sizeof line, ":irc.testnet PONG irc.testnet :%s", token);
	feed(f, line);
}

static int count_kind(struct fixture *f, int from, enum event_kind kind)
{
	int n = 0;
	for (int i = from; i < f->n_ev; i++)
		n += f->ev[i].ev.kind == kind;
	return n;
}

static const struct captured *find_kind(struct fixture *f, int from, enum event_kind kind)
{
	for (int i = from; i < f->n_ev; i++)
		if (f->ev[i].ev.kind == kind)
			return &f->ev[i];
	return NULL;
}

static void test_first_join_sends_no_marker(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	assert_null(marker(f));
	talk_before(f);
	assert_int_equal(count_kind(f, 0, EVENT_GAP), 0);
	destroy(f);
}

static void test_replay_reaching_back_marks_nothing(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	talk_before(f);
	reconnect(f);
	feed(f, "@time=2026-11-21T20:05:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	const char *tok = marker(f);
	assert_non_null(tok);
	char token[64];
	snprintf(token, sizeof token, "%s", tok);
	int base = f->n_ev;
	/* InspIRCd's chanhistory: the last lines, from before the drop on */
	feed(f, ":irc.testnet BATCH +h1 chathistory #hcsm");
	feed(f, "@batch=h1;time=2026-11-21T20:02:00.000Z;msgid=m2 :bob!b@h PRIVMSG #hcsm :A1 two");
	feed(f, "@batch=h1;time=2026-11-21T20:03:00.000Z;msgid=m3 :carol!c@h PRIVMSG #hcsm :!end");
	feed(f, "@batch=h1;time=2026-11-21T20:04:00.000Z;msgid=m4 :alice!a@h PRIVMSG #hcsm :A2 away");
	feed(f, ":irc.testnet BATCH -h1");
	/* lines with a msgid go on to the store, which keeps each id once */
	assert_int_equal(count_kind(f, base, EVENT_MESSAGE), 3);
	for (int i = base; i < f->n_ev; i++)
		assert_true(f->ev[i].ev.flags & EVENT_F_REPLAY); /* never executed */
	assert_string_equal(f->ev[base + 1].text, "!end");
	pong(f, token);
	assert_int_equal(count_kind(f, base, EVENT_GAP), 0);
	assert_int_equal(irc_stats(f->irc)->gaps, 0);
	destroy(f);
}

static void test_replay_not_reaching_back_marks_the_gap(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	talk_before(f);
	reconnect(f);
	feed(f, "@time=2026-11-21T20:09:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	char token[64];
	snprintf(token, sizeof token, "%s", marker(f));
	int base = f->n_ev;
	feed(f, ":irc.testnet BATCH +h1 chathistory #hcsm");
	feed(f, "@batch=h1;time=2026-11-21T20:06:00.250Z;msgid=m7 :alice!a@h PRIVMSG #hcsm :A2 late");
	feed(f, "@batch=h1;time=2026-11-21T20:07:00.250Z;msgid=m8 :bob!b@h PRIVMSG #hcsm :A2 later");
	feed(f, ":irc.testnet BATCH -h1");
	/* a live line before the marker's answer decides nothing yet */
	feed(f, "@time=2026-11-21T20:09:01.000Z;msgid=m9 :bob!b@h PRIVMSG #hcsm :hi again");
	assert_int_equal(count_kind(f, base, EVENT_GAP), 0);
	pong(f, token);
	const struct captured *g = find_kind(f, base, EVENT_GAP);
	assert_non_null(g);
	assert_int_equal(g->ev.ts_ms, T("20:02:00.000")); /* the last line read */
	assert_string_equal(g->target, "1795291560250");  /* the first replayed line */
	assert_int_equal(strtoll(g->target, NULL, 10), T("20:06:00.250"));
	assert_string_equal(g->text, "gap from 2026-11-21T20:02:00.000Z to 2026-11-21T20:06:00.250Z");
	assert_string_equal(g->room, "#HCSM");
	assert_true(g->ev.flags & EVENT_F_SELF);
	assert_int_equal(irc_stats(f->irc)->gaps, 1);
	/* decided once: a second PONG for the same token marks nothing more */
	pong(f, token);
	assert_int_equal(count_kind(f, base, EVENT_GAP), 1);
	destroy(f);
}

/* InspIRCd 3's chanhistory stamps replayed lines in whole seconds: a gap
 * ends at the end of the first replayed line's second, and a new line
 * replayed after the last one read is not placed before it. */
static void test_history_in_whole_seconds(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	feed(f, "@time=2026-11-21T20:01:00.400Z;msgid=m1 :alice!a@h PRIVMSG #hcsm :A1 one");
	feed(f, "@time=2026-11-21T20:01:00.700Z;msgid=m2 :bob!b@h PRIVMSG #hcsm :A1 two");
	reconnect(f);
	feed(f, "@time=2026-11-21T20:05:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	char token[64];
	snprintf(token, sizeof token, "%s", marker(f));
	int base = f->n_ev;
	feed(f, ":irc.testnet BATCH +h1 chathistory #hcsm");
	feed(f, "@batch=h1;time=2026-11-21T20:01:00.000Z;msgid=m2 :bob!b@h PRIVMSG #hcsm :A1 two");
	feed(f, "@batch=h1;time=2026-11-21T20:01:00.000Z;msgid=m3 :carol!c@h PRIVMSG #hcsm :A1 three");
	feed(f, ":irc.testnet BATCH -h1");
	pong(f, token);
	assert_int_equal(count_kind(f, base, EVENT_GAP), 0);
	assert_int_equal(f->ev[base + 1].ev.ts_ms, T("20:01:00.700")); /* not before "A1 two" */
	assert_int_equal(f->ev[base].ev.ts_ms, T("20:01:00.000"));     /* the duplicate, as sent */

	reconnect(f);
	feed(f, "@time=2026-11-21T20:09:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	snprintf(token, sizeof token, "%s", marker(f));
	base = f->n_ev;
	feed(f, ":irc.testnet BATCH +h2 chathistory #hcsm");
	feed(f, "@batch=h2;time=2026-11-21T20:07:00.000Z;msgid=m9 :bob!b@h PRIVMSG #hcsm :A1 nine");
	feed(f, ":irc.testnet BATCH -h2");
	pong(f, token);
	const struct captured *g = find_kind(f, base, EVENT_GAP);
	assert_non_null(g);
	assert_int_equal(g->ev.ts_ms, T("20:05:00.000")); /* the last event: the JOIN */
	assert_int_equal(strtoll(g->target, NULL, 10), T("20:07:00.999"));
	destroy(f);
}

static void test_no_replay_gap_ends_at_the_join(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	talk_before(f);
	/* a later join of someone else moves the start: the last event seen */
	feed(f, "@time=2026-11-21T20:03:30.000Z :dave!d@h JOIN #hcsm * :Dave");
	reconnect(f);
	feed(f, "@time=2026-11-21T20:10:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	char token[64];
	snprintf(token, sizeof token, "%s", marker(f));
	int base = f->n_ev;
	pong(f, token);
	const struct captured *g = find_kind(f, base, EVENT_GAP);
	assert_non_null(g);
	assert_int_equal(g->ev.ts_ms, T("20:03:30.000"));
	assert_int_equal(strtoll(g->target, NULL, 10), T("20:10:00.000"));
	destroy(f);
}

static void test_replay_without_msgid_deduped_by_time_sender_text(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	feed(f, "@time=2026-11-21T20:01:00.000Z :alice!a@h PRIVMSG #hcsm :A1 no id");
	feed(f, "@time=2026-11-21T20:02:00.000Z :bob!b@h PRIVMSG #hcsm :A1 no id either");
	reconnect(f);
	feed(f, "@time=2026-11-21T20:05:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	char token[64];
	snprintf(token, sizeof token, "%s", marker(f));
	int base = f->n_ev;
	/* a bouncer's buffer: no msgids */
	feed(f, ":bnc BATCH +z znc.in/playback #hcsm");
	feed(f, "@batch=z;time=2026-11-21T20:02:00.000Z :bob!b@h PRIVMSG #hcsm :A1 no id either");
	feed(f, "@batch=z;time=2026-11-21T20:02:00.000Z :bob!b@h PRIVMSG #hcsm :A1 same time, other text");
	feed(f, "@batch=z;time=2026-11-21T20:03:00.000Z :alice!a@h PRIVMSG #hcsm :A1 no id");
	feed(f, ":bnc BATCH -z");
	/* the line read before is dropped; same time and sender but other text,
	 * or same sender and text at another time, are new */
	assert_int_equal(count_kind(f, base, EVENT_MESSAGE), 2);
	assert_string_equal(f->ev[base].text, "A1 same time, other text");
	assert_int_equal(irc_stats(f->irc)->replay_dupes, 1);
	/* and the same buffer replayed again adds nothing */
	feed(f, ":bnc BATCH +y znc.in/playback #hcsm");
	feed(f, "@batch=y;time=2026-11-21T20:03:00.000Z :alice!a@h PRIVMSG #hcsm :A1 no id");
	feed(f, ":bnc BATCH -y");
	assert_int_equal(count_kind(f, base, EVENT_MESSAGE), 2);
	pong(f, token);
	assert_int_equal(count_kind(f, base, EVENT_GAP), 0); /* it reached back */
	/* live lines are never dropped, even when they repeat */
	feed(f, "@time=2026-11-21T20:03:00.000Z :alice!a@h PRIVMSG #hcsm :A1 no id");
	assert_int_equal(count_kind(f, base, EVENT_MESSAGE), 3);
	destroy(f);
}

/* msgid: the server lists msgid in MSGREFTYPES, so the next page follows
 * on from the last line's msgid (lines of the same millisecond cannot fall
 * between two pages); else from its time. */
static void chathistory_paged(bool msgid)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	talk_before(f);
	reconnect(f);
	feed(f, msgid ? ":irc.testnet 005 rounds CHATHISTORY=2 MSGREFTYPES=timestamp,msgid :are supported"
		      : ":irc.testnet 005 rounds CHATHISTORY=2 MSGREFTYPES=timestamp :are supported");
	feed(f, "@time=2026-11-21T20:09:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	/* after the last message read, less 1 ms: the answer starts with it */
	expect_sent(f, "CHATHISTORY AFTER #HCSM timestamp=2026-11-21T20:01:59.999Z 2");
	char token[64];
	snprintf(token, sizeof token, "%s", marker(f));
	char ping[80];
	snprintf(ping, sizeof ping, "PING :%s", token);
	/* the marker after the request: its PONG comes after the answer */
	assert_true(sent_index(f, "CHATHISTORY AFTER #HCSM timestamp=2026-11-21T20:01:59.999Z 2") <
		    sent_index(f, ping));
	int base = f->n_ev;
	feed(f, ":irc.testnet BATCH +c1 chathistory #hcsm");
	feed(f, "@batch=c1;time=2026-11-21T20:02:00.000Z;msgid=m2 :bob!b@h PRIVMSG #hcsm :A1 two");
	feed(f, "@batch=c1;time=2026-11-21T20:04:00.000Z;msgid=m4 :alice!a@h PRIVMSG #hcsm :!extend 5");
	feed(f, ":irc.testnet BATCH -c1");
	f->n_sent = 0;
	pong(f, token);
	/* a full page: the next one, from its latest line */
	expect_sent(f, msgid ? "CHATHISTORY AFTER #HCSM msgid=m4 2"
			     : "CHATHISTORY AFTER #HCSM timestamp=2026-11-21T20:04:00.000Z 2");
	assert_int_equal(count_kind(f, base, EVENT_GAP), 0);
	snprintf(token, sizeof token, "%s", marker(f));
	feed(f, ":irc.testnet BATCH +c2 chathistory #hcsm");
	feed(f, "@batch=c2;time=2026-11-21T20:05:00.000Z;msgid=m5 :bob!b@h PRIVMSG #hcsm :A2 five");
	feed(f, ":irc.testnet BATCH -c2");
	f->n_sent = 0;
	pong(f, token);
	assert_null(marker(f)); /* a short page: done */
	assert_int_equal(count_kind(f, base, EVENT_GAP), 0);
	assert_int_equal(count_kind(f, base, EVENT_MESSAGE), 3);
	for (int i = base; i < f->n_ev; i++)
		assert_true(f->ev[i].ev.flags & EVENT_F_REPLAY);
	destroy(f);
}

static void test_chathistory_requested_and_paged(void **state)
{
	(void)state;
	chathistory_paged(true);
}

static void test_chathistory_paged_by_time(void **state)
{
	(void)state;
	chathistory_paged(false);
}

static void test_chathistory_refused_marks_the_gap(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	talk_before(f);
	reconnect(f);
	feed(f, ":irc.testnet CAP * NEW :draft/chathistory");
	expect_sent(f, "CAP REQ :draft/chathistory");
	feed(f, ":irc.testnet CAP * ACK :draft/chathistory");
	assert_true(irc_caps(f->irc) & IRC_CAP_CHATHISTORY);
	feed(f, "@time=2026-11-21T20:09:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	expect_sent(f, "CHATHISTORY AFTER #HCSM timestamp=2026-11-21T20:01:59.999Z 1000");
	char token[64];
	snprintf(token, sizeof token, "%s", marker(f));
	int base = f->n_ev;
	feed(f, ":irc.testnet FAIL CHATHISTORY MESSAGE_ERROR AFTER :Messages could not be retrieved");
	pong(f, token);
	const struct captured *g = find_kind(f, base, EVENT_GAP);
	assert_non_null(g);
	assert_int_equal(g->ev.ts_ms, T("20:02:00.000"));
	assert_int_equal(strtoll(g->target, NULL, 10), T("20:09:00.000"));
	destroy(f);
}

static void test_unanswered_marker_decides_on_tick(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	talk_before(f);
	reconnect(f);
	feed(f, "@time=2026-11-21T20:09:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	assert_non_null(marker(f));
	int base = f->n_ev;
	f->now += 10000;
	feed(f, ":irc.testnet NOTICE rounds :still here"); /* keeps the link alive */
	assert_true(irc_tick(f->irc, f->now));
	assert_int_equal(count_kind(f, base, EVENT_GAP), 0);
	f->now += 25000;
	feed(f, ":irc.testnet NOTICE rounds :still here");
	assert_true(irc_tick(f->irc, f->now));
	assert_int_equal(count_kind(f, base, EVENT_GAP), 1);
	destroy(f);
}

static void test_dropped_again_before_deciding_keeps_the_start(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	talk_before(f);
	reconnect(f);
	feed(f, "@time=2026-11-21T20:09:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	assert_non_null(marker(f));
	reconnect(f); /* gone again before the marker came back */
	feed(f, "@time=2026-11-21T20:20:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	char token[64];
	snprintf(token, sizeof token, "%s", marker(f));
	int base = f->n_ev;
	pong(f, token);
	const struct captured *g = find_kind(f, base, EVENT_GAP);
	assert_non_null(g);
	assert_int_equal(g->ev.ts_ms, T("20:02:00.000"));
	assert_int_equal(strtoll(g->target, NULL, 10), T("20:20:00.000"));
	assert_int_equal(count_kind(f, base, EVENT_GAP), 1);
	destroy(f);
}

static void test_kick_and_rejoin_is_a_gap_too(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	talk_before(f);
	feed(f, "@time=2026-11-21T20:03:00.000Z :alice!a@h KICK #hcsm rounds :oops");
	f->now += 5000;
	irc_tick(f->irc, f->now);
	expect_sent(f, "JOIN #HCSM");
	feed(f, "@time=2026-11-21T20:03:05.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	char token[64];
	snprintf(token, sizeof token, "%s", marker(f));
	int base = f->n_ev;
	feed(f, ":irc.testnet BATCH +h1 chathistory #hcsm");
	feed(f, "@batch=h1;time=2026-11-21T20:02:00.000Z;msgid=m2 :bob!b@h PRIVMSG #hcsm :A1 two");
	feed(f, "@batch=h1;time=2026-11-21T20:03:02.000Z;msgid=m3 :bob!b@h PRIVMSG #hcsm :while out");
	feed(f, ":irc.testnet BATCH -h1");
	pong(f, token);
	assert_int_equal(count_kind(f, base, EVENT_GAP), 0);
	destroy(f);
}

/* The bot was stopped or killed and is started again: the store says when
 * it last saw the room, and the first join is checked like a return. */
static void test_started_again_checks_the_first_join(void **state)
{
	for (int reaches_back = 1; reaches_back >= 0; reaches_back--) {
		struct fixture *f = make("rounds", 60000);
		irc_away_since(f->irc, "#hcsm", T("20:02:00.000"));
		irc_away_since(f->irc, "#nowhere", T("20:02:00.000")); /* not ours: ignored */
		register_upto_join(f, 1);
		feed(f, "@time=2026-11-21T20:05:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
		const char *tok = marker(f);
		assert_non_null(tok);
		char token[64];
		snprintf(token, sizeof token, "%s", tok);
		int base = f->n_ev;
		feed(f, ":irc.testnet BATCH +h1 chathistory #hcsm");
		if (reaches_back) /* a line from before the bot stopped: the replay covers the time */
			feed(f, "@batch=h1;time=2026-11-21T20:01:30.000Z;msgid=m1 :bob!b@h PRIVMSG #hcsm :A1 old");
		feed(f, "@batch=h1;time=2026-11-21T20:03:00.000Z;msgid=m3 :alice!a@h PRIVMSG #hcsm :A1 while away");
		feed(f, ":irc.testnet BATCH -h1");
		pong(f, token);
		const struct captured *g = find_kind(f, base, EVENT_GAP);
		if (reaches_back) {
			assert_null(g);
		} else {
			assert_non_null(g);
			assert_string_equal(g->text, "gap from 2026-11-21T20:02:00.000Z to 2026-11-21T20:03:00.999Z");
		}
		destroy(f);
	}
}

int main(void)
{
	log_set_level(LOG_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_join_sends_no_marker),
		cmocka_unit_test(test_replay_reaching_back_marks_nothing),
		cmocka_unit_test(test_replay_not_reaching_back_marks_the_gap),
		cmocka_unit_test(test_history_in_whole_seconds),
		cmocka_unit_test(test_no_replay_gap_ends_at_the_join),
		cmocka_unit_test(test_replay_without_msgid_deduped_by_time_sender_text),
		cmocka_unit_test(test_chathistory_requested_and_paged),
		cmocka_unit_test(test_chathistory_paged_by_time),
		cmocka_unit_test(test_chathistory_refused_marks_the_gap),
		cmocka_unit_test(test_unanswered_marker_decides_on_tick),
		cmocka_unit_test(test_dropped_again_before_deciding_keeps_the_start),
		cmocka_unit_test(test_kick_and_rejoin_is_a_gap_too),
		cmocka_unit_test(test_started_again_checks_the_first_join),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
