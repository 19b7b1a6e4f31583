/* The chat state machine and the commands, driven by a fake clock: every
 * command, every transition, answer linking, host-posted topics, overrun. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "command.h"
#include "mem.h"
#include "session.h"

#define MIN 60000LL
#define T0 1795300000000LL

struct world {
	struct config_chat cfg;
	struct config_topic agenda[3];
	char *hosts[1];
	char *cohosts[1];
	struct session *s;
	char said[128][512];
	int n_said;
	char replies[64][1024];
	int n_replies;
	char audits[16][256];
	int n_audits;
	int started, ended, rounds_started, rounds_ended, cohosts_added, optouts, optins;
	int last_round_started, last_round_ended;
	char ended_reason[64];
	int64_t now;
};

static void h_say(void *ud, const char *text)
{
	struct world *w = ud;
	assert_true(w->n_said < 128);
	snprintf(w->said[w->n_said++], 512, "%s", text);
}

static void h_started(void *ud, int64_t now, const char *title, const char *by)
{
	((struct world *)ud)->started++;
}

static void h_round_started(void *ud, const struct session_round *r)
{
	struct world *w = ud;
	w->rounds_started++;
	w->last_round_started = r->number;
	assert_int_equal(r->started_ms, w->now);
}

static void h_round_ended(void *ud, const struct session_round *r)
{
	struct world *w = ud;
	w->rounds_ended++;
	w->last_round_ended = r->number;
	assert_int_equal(r->ended_ms, w->now);
}

static const char *h_ended(void *ud, int64_t now, const char *reason)
{
	struct world *w = ud;
	w->ended++;
	snprintf(w->ended_reason, sizeof w->ended_reason, "%s", reason);
	return "/srv/transcripts/hcsm.md";
}

static void h_cohost(void *ud, const char *account, const char *by)
{
	((struct world *)ud)->cohosts_added++;
}

static struct world *make(void)
{
	struct world *w = mem_calloc(1, sizeof *w);
	w->agenda[0] = (struct config_topic){"What does burnout look like?", 10};
	w->agenda[1] = (struct config_topic){"What helps you recover?", 10};
	w->agenda[2] = (struct config_topic){"What should employers do?", 5};
	w->hosts[0] = "alice";
	w->cohosts[0] = "carol";
	w->cfg = (struct config_chat){
		.name = "hcsm", .network = "testnet", .room = "#hcsm", .title = "HCSM weekly",
		.hosts = w->hosts, .n_hosts = 1, .cohosts = w->cohosts, .n_cohosts = 1,
		.intro_minutes = 5, .warning_minutes = 2, .overrun_grace_minutes = 30,
		.disclaimer = "Not medical advice.", .rules = "https://example.org/rules",
		.prefix = "!", .agenda = w->agenda, .n_agenda = 3,
	};
	struct session_hooks hooks = {w, h_say, h_started, h_round_started, h_round_ended, h_ended, h_cohost};
	w->s = session_new(&w->cfg, &hooks);
	w->now = T0;
	return w;
}

static void destroy(struct world *w)
{
	session_free(w->s);
	free(w);
}

static void c_reply(void *ud, const char *text)
{
	struct world *w = ud;
	assert_true(w->n_replies < 64);
	snprintf(w->replies[w->n_replies++], 1024, "%s", text);
}

static void c_audit(void *ud, const char *text)
{
	struct world *w = ud;
	assert_true(w->n_audits < 16);
	snprintf(w->audits[w->n_audits++], 256, "%s", text);
}

static bool c_optout(void *ud, bool out, struct buf *why)
{
	struct world *w = ud;
	if (out)
		w->optouts++;
	else
		w->optins++;
	return true;
}

/* Types `text` as nick/account; returns true if it was a command. */
static bool type(struct world *w, const char *nick, const char *account, bool op, const char *text)
{
	char name[32];
	const char *args;
	if (!command_parse("!", text, name, sizeof name, &args))
		return false;
	struct command_context ctx = {
		.session = w->s, .now = w->now, .prefix = "!", .nick = nick, .account = account,
		.moderator = session_is_moderator(w->s, account, op),
		.impersonation = session_impersonates(w->s, nick, account),
		.args = args, .ud = w, .reply = c_reply, .audit = c_audit, .optout = c_optout,
	};
	return command_dispatch(&ctx, name);
}

static void post(struct world *w, const char *nick, const char *account, const char *text)
{
	char key[64];
	snprintf(key, sizeof key, "%s:%s", account ? "a" : "n", account ? account : nick);
	struct session_sender who = {nick, key, account, session_is_moderator(w->s, account, false)};
	session_on_message(w->s, w->now, &who, text);
}

/* Advances the fake clock to t, firing every deadline on the way. */
static void run_until(struct world *w, int64_t t)
{
	for (;;) {
		int64_t d = session_next_deadline(w->s);
		if (d > t)
			break;
		w->now = d > w->now ? d : w->now;
		session_tick(w->s, w->now);
	}
	w->now = t;
	session_tick(w->s, w->now);
}

static bool said(struct world *w, const char *needle)
{
	for (int i = 0; i < w->n_said; i++)
		if (strstr(w->said[i], needle))
			return true;
	return false;
}

static bool replied(struct world *w, const char *needle)
{
	for (int i = 0; i < w->n_replies; i++)
		if (strstr(w->replies[i], needle))
			return true;
	return false;
}

extern bool command_table_sorted(void);

static void test_table_sorted(void **state)
{
	assert_true(command_table_sorted());
}

static void test_full_timed_chat(void **state)
{
	struct world *w = make();
	assert_int_equal(session_phase(w->s), SESSION_IDLE);
	assert_int_equal(session_next_deadline(w->s), INT64_MAX);
	assert_true(type(w, "alice", "alice", false, "!start"));
	assert_int_equal(w->started, 1);
	assert_int_equal(session_phase(w->s), SESSION_INTRO);
	assert_true(said(w, "Welcome to HCSM weekly!"));
	assert_true(said(w, "Not medical advice."));
	assert_true(said(w, "Chat rules: https://example.org/rules"));
	assert_true(said(w, "introduce yourself"));
	assert_true(said(w, "T1 starts in 5 min"));
	assert_int_equal(session_next_deadline(w->s), T0 + 5 * MIN);

	/* intro lines belong to the intro */
	assert_int_equal(session_classify(w->s, "Hi, I'm Bob, a nurse in Ohio", false), 0);
	run_until(w, T0 + 5 * MIN);
	assert_int_equal(session_round_number(w->s), 1);
	assert_true(said(w, "T1: What does burnout look like? — answer with A1"));
	/* the warning comes 2 minutes before the end of the round */
	assert_int_equal(session_next_deadline(w->s), T0 + 13 * MIN);
	run_until(w, T0 + 13 * MIN);
	assert_true(said(w, "2 min left for T1."));
	run_until(w, T0 + 15 * MIN);
	assert_int_equal(session_round_number(w->s), 2);
	assert_int_equal(w->last_round_ended, 1);
	run_until(w, T0 + 25 * MIN);
	assert_int_equal(session_round_number(w->s), 3);
	run_until(w, T0 + 28 * MIN);
	assert_true(said(w, "2 min left for T3. It is the last topic."));
	run_until(w, T0 + 30 * MIN);
	assert_int_equal(session_phase(w->s), SESSION_IDLE);
	assert_int_equal(w->ended, 1);
	assert_int_equal(w->rounds_started, 3);
	assert_int_equal(w->rounds_ended, 3);
	assert_true(said(w, "That's a wrap"));
	assert_true(said(w, "Transcript: /srv/transcripts/hcsm.md"));
	destroy(w);
}

static void test_answer_linking(void **state)
{
	struct world *w = make();
	type(w, "alice", "alice", false, "!start");
	assert_int_equal(session_classify(w->s, "A1 too early but linked", false), 1);
	run_until(w, T0 + 5 * MIN);
	run_until(w, T0 + 16 * MIN); /* round 2 */
	assert_int_equal(session_classify(w->s, "A1 late answer to T1", false), 1);
	assert_int_equal(session_classify(w->s, "A1: colon", false), 1);
	assert_int_equal(session_classify(w->s, "a1) paren", false), 1);
	assert_int_equal(session_classify(w->s, "  A3 early", false), 3);
	assert_int_equal(session_classify(w->s, "A1", false), 1);
	assert_int_equal(session_classify(w->s, "A9 no such round", false), 2);
	assert_int_equal(session_classify(w->s, "A12b is not an answer", false), 2);
	assert_int_equal(session_classify(w->s, "Anyone else?", false), 2);
	assert_int_equal(session_classify(w->s, "A0 nothing", false), 2);
	/* a participant's T3 is just a line; a moderator's moves the chat */
	assert_int_equal(session_classify(w->s, "T3: my topic", false), 2);
	assert_int_equal(session_classify(w->s, "T3: my topic", true), 3);
	type(w, "alice", "alice", false, "!end");
	assert_int_equal(session_classify(w->s, "A1 after the end", false), -1);
	destroy(w);
}

static void test_host_posts_topics(void **state)
{
	struct world *w = make();
	type(w, "alice", "alice", false, "!start");
	int said_before = w->n_said;
	post(w, "alice", "alice", "T1: Our own wording of topic one");
	assert_int_equal(session_round_number(w->s), 1);
	assert_int_equal(w->n_said, said_before); /* the bot does not post it again */
	assert_string_equal(session_current_round(w->s)->topic, "Our own wording of topic one");
	assert_true(session_current_round(w->s)->posted_by_host);
	/* a participant cannot move the chat */
	post(w, "bob", NULL, "T2: hijack");
	assert_int_equal(session_round_number(w->s), 1);
	/* a host's sentence that merely starts like a topic does not move it */
	post(w, "alice", "alice", "T2 diabetes is on the rise");
	post(w, "alice", "alice", "T1-weighted images show it");
	post(w, "alice", "alice", "t3 later maybe");
	assert_int_equal(session_round_number(w->s), 1);
	/* the host jumps to T3: topic 2 is passed over */
	w->now += 3 * MIN;
	post(w, "alice", "alice", "Q3) Employers");
	assert_int_equal(session_round_number(w->s), 3);
	assert_int_equal(session_upcoming(w->s), 0);
	assert_string_equal(session_current_round(w->s)->topic, "Employers");
	/* the planned wording and who posted it are kept (for privacy) */
	assert_string_equal(session_current_round(w->s)->agenda_topic, "What should employers do?");
	assert_string_equal(session_current_round(w->s)->poster_key, "a:alice");
	/* repeating an earlier topic does nothing */
	post(w, "alice", "alice", "T2: back?");
	assert_int_equal(session_round_number(w->s), 3);
	/* round 3 runs for its planned 5 minutes, then the wrap-up */
	run_until(w, w->now + 5 * MIN);
	assert_int_equal(session_phase(w->s), SESSION_IDLE);
	destroy(w);
}

static void test_moderator_commands(void **state)
{
	struct world *w = make();
	/* nothing to do before the chat opens */
	type(w, "alice", "alice", false, "!next");
	assert_true(replied(w, "No chat is running"));
	type(w, "alice", "alice", false, "!start Burnout special");
	assert_true(said(w, "Welcome to Burnout special! 3 topics tonight"));
	type(w, "alice", "alice", false, "!start");
	assert_true(replied(w, "A chat is already running (introductions)."));
	/* !next during the intro posts T1 at once */
	w->now += MIN;
	type(w, "alice", "alice", false, "!next");
	assert_int_equal(session_round_number(w->s), 1);
	/* !extend */
	type(w, "alice", "alice", false, "!extend 5");
	assert_true(said(w, "T1 extended by 5 min; 15 min left."));
	assert_int_equal(session_next_deadline(w->s), w->now + 13 * MIN);
	type(w, "alice", "alice", false, "!extend lots");
	assert_true(replied(w, "Give the minutes to add"));
	type(w, "alice", "alice", false, "!extend 0");
	type(w, "alice", "alice", false, "!extend 1000");
	assert_int_equal(w->n_replies, 5);
	/* !pause / !resume keep the time left */
	w->now += 5 * MIN;
	type(w, "alice", "alice", false, "!pause");
	assert_true(session_paused(w->s));
	type(w, "alice", "alice", false, "!pause");
	assert_true(replied(w, "already paused"));
	struct buf t = BUF_INIT;
	session_describe_time(w->s, w->now + 30000, &t);
	assert_string_equal(t.p, "The chat is paused; 10 min left in T1.");
	buf_free(&t);
	w->now += 20 * MIN; /* a long pause: nothing moves */
	session_tick(w->s, w->now);
	assert_int_equal(session_round_number(w->s), 1);
	type(w, "alice", "alice", false, "!resume");
	assert_true(said(w, "We are back with T1: 10 min left."));
	type(w, "alice", "alice", false, "!resume");
	assert_true(replied(w, "not paused"));
	/* !skip drops the next topic (T2 "recover"), so !next goes to employers */
	type(w, "alice", "alice", false, "!skip");
	assert_true(said(w, "Skipping the next topic (\"What helps you recover?\")"));
	type(w, "alice", "alice", false, "!next");
	assert_int_equal(session_round_number(w->s), 2);
	assert_string_equal(session_current_round(w->s)->topic, "What should employers do?");
	type(w, "alice", "alice", false, "!skip");
	assert_true(replied(w, "no topic left to skip"));
	/* !topic inserts an extra round now */
	type(w, "alice", "alice", false, "!topic");
	assert_true(replied(w, "Give the topic's text"));
	type(w, "alice", "alice", false, "!topic   Any last tips?");
	assert_int_equal(session_round_number(w->s), 3);
	assert_true(said(w, "T3: Any last tips? — answer with A3"));
	/* !cohost */
	type(w, "alice", "alice", false, "!cohost dave");
	assert_int_equal(w->cohosts_added, 1);
	assert_true(session_is_moderator(w->s, "DAVE", false));
	type(w, "alice", "alice", false, "!cohost carol");
	assert_true(replied(w, "carol is already a host or co-host."));
	type(w, "dave", "dave", false, "!end");
	assert_int_equal(w->ended, 1);
	assert_string_equal(w->ended_reason, "ended by a moderator");
	/* added co-hosts last for that chat only */
	assert_false(session_is_moderator(w->s, "dave", false));
	type(w, "alice", "alice", false, "!end");
	assert_true(replied(w, "No chat is running."));
	destroy(w);
}

static void test_participant_commands(void **state)
{
	struct world *w = make();
	type(w, "bob", NULL, false, "!agenda");
	assert_true(replied(w, "Agenda for HCSM weekly:\nT1 (10 min): What does burnout look like?\n"
			       "T2 (10 min): What helps you recover?\nT3 (5 min): What should employers do?"));
	type(w, "bob", NULL, false, "!time");
	assert_true(replied(w, "No chat is running right now."));
	type(w, "alice", "alice", false, "!start");
	w->now += 90 * 1000;
	type(w, "bob", NULL, false, "!time");
	assert_true(replied(w, "Introductions: T1 starts in 3 min 30 s."));
	run_until(w, T0 + 7 * MIN);
	type(w, "bob", NULL, false, "!TIME");
	assert_true(replied(w, "T1 ends in 8 min; next: T2."));
	type(w, "bob", NULL, false, "!agenda");
	assert_true(replied(w, "T1 (10 min) [now]: What does burnout look like?"));
	type(w, "bob", NULL, false, "!help");
	assert_true(replied(w, "!optout — leave your messages out of published transcripts"));
	assert_false(replied(w, "!next"));
	type(w, "alice", "alice", false, "!help");
	assert_true(replied(w, "!next — end this round and post the next topic now"));
	type(w, "bob", NULL, false, "!optout");
	assert_int_equal(w->optouts, 1);
	assert_true(replied(w, "by your nickname"));
	type(w, "bob", "bob", false, "!optin");
	assert_int_equal(w->optins, 1);
	/* not commands */
	assert_false(type(w, "bob", NULL, false, "!important point"));
	assert_false(type(w, "bob", NULL, false, "!next!"));
	assert_false(type(w, "bob", NULL, false, "next"));
	assert_false(type(w, "bob", NULL, false, "!"));
	destroy(w);
}

static void test_refusal_and_impersonation(void **state)
{
	struct world *w = make();
	type(w, "alice", "alice", false, "!start");
	/* somebody using the host's nick without the host's account */
	type(w, "alice", NULL, false, "!next");
	assert_int_equal(session_phase(w->s), SESSION_INTRO);
	assert_true(replied(w, "Sorry alice, only the hosts of this chat can use !next."));
	assert_int_equal(w->n_audits, 1);
	assert_true(strstr(w->audits[0], "refused !next from alice (not logged in)"));
	assert_true(strstr(w->audits[0], "uses a host's name without the host's account"));
	/* logged in as someone else */
	type(w, "Alice", "mallory", false, "!end");
	assert_true(strstr(w->audits[1], "account mallory"));
	assert_true(strstr(w->audits[1], "host's name"));
	/* a plain participant is refused without the impersonation note */
	type(w, "bob", "bob", false, "!skip");
	assert_null(strstr(w->audits[2], "host's name"));
	/* operators count only when the config says so */
	type(w, "opnick", "opacct", true, "!next");
	assert_int_equal(session_phase(w->s), SESSION_INTRO);
	w->cfg.ops_are_moderators = true;
	type(w, "opnick", "opacct", true, "!next");
	assert_int_equal(session_round_number(w->s), 1);
	/* co-host from config, case-insensitive account */
	type(w, "cc", "CAROL", false, "!next");
	assert_int_equal(session_round_number(w->s), 2);
	destroy(w);
}

static void test_overrun_closes_abandoned_chat(void **state)
{
	struct world *w = make();
	type(w, "alice", "alice", false, "!start");
	run_until(w, T0 + 10 * MIN);
	type(w, "alice", "alice", false, "!pause"); /* and the host disappears */
	/* planned end T0+30min, grace 30 min: closed at T0+60min */
	assert_int_equal(session_next_deadline(w->s), T0 + 60 * MIN);
	run_until(w, T0 + 59 * MIN);
	assert_int_equal(session_phase(w->s), SESSION_ROUND);
	run_until(w, T0 + 61 * MIN);
	assert_int_equal(session_phase(w->s), SESSION_IDLE);
	assert_string_equal(w->ended_reason, "overrun");
	assert_true(said(w, "This chat has run 30 min past its planned end"));
	destroy(w);
}

static void test_counts_and_intro_zero(void **state)
{
	struct world *w = make();
	w->cfg.intro_minutes = 0;
	w->cfg.warning_minutes = 0;
	type(w, "alice", "alice", false, "!start");
	assert_int_equal(session_round_number(w->s), 1); /* straight to T1 */
	post(w, "bob", NULL, "A1 one");
	post(w, "bob", NULL, "A1 two");
	post(w, "carl", "carl", "A1 three");
	assert_int_equal(session_message_count(w->s), 3);
	assert_int_equal(session_participant_count(w->s), 2);
	run_until(w, T0 + 25 * MIN);
	assert_int_equal(session_phase(w->s), SESSION_IDLE);
	assert_false(said(w, "left for T"));
	assert_true(said(w, "3 messages from 2 participants."));
	destroy(w);
}

static void test_clock_jump(void **state)
{
	struct world *w = make();
	type(w, "alice", "alice", false, "!start");
	/* the machine slept past the intro and two rounds' worth of time: the
	 * bot posts T1 now instead of dumping every topic at once, and rounds
	 * keep their length from when they are posted */
	w->now = T0 + 25 * MIN;
	session_tick(w->s, w->now);
	assert_int_equal(session_round_number(w->s), 1);
	assert_int_equal(w->rounds_started, 1);
	assert_int_equal(session_next_deadline(w->s), T0 + 33 * MIN);
	/* and the overrun rule still closes the chat in the end */
	run_until(w, T0 + 61 * MIN);
	assert_int_equal(session_phase(w->s), SESSION_IDLE);
	destroy(w);
}

static void test_duration_format(void **state)
{
	struct buf b = BUF_INIT;
	clock_format_duration(45000, &b);
	assert_string_equal(b.p, "45 s");
	buf_clear(&b);
	clock_format_duration(44001, &b);
	assert_string_equal(b.p, "45 s");
	buf_clear(&b);
	clock_format_duration(270000, &b);
	assert_string_equal(b.p, "4 min 30 s");
	buf_clear(&b);
	clock_format_duration(65 * MIN, &b);
	assert_string_equal(b.p, "1 h 5 min");
	buf_clear(&b);
	clock_format_duration(-5, &b);
	assert_string_equal(b.p, "0 s");
	buf_free(&b);
}

static void test_replayed_lines_by_time(void **state)
{
	struct world *w = make();
	type(w, "alice", "alice", false, "!start");
	run_until(w, T0 + 5 * MIN);  /* T1 */
	run_until(w, T0 + 15 * MIN); /* T2 */
	/* a line replayed by the server after a rejoin goes where it was said */
	assert_int_equal(session_classify_at(w->s, "hello again", false, T0 - MIN), -1);
	assert_int_equal(session_classify_at(w->s, "hello", false, T0 + 2 * MIN), 0);
	assert_int_equal(session_classify_at(w->s, "nights are hard", false, T0 + 7 * MIN), 1);
	assert_int_equal(session_classify_at(w->s, "sleep", false, T0 + 16 * MIN), 2);
	/* an explicit answer still names its round */
	assert_int_equal(session_classify_at(w->s, "A1 late", false, T0 + 16 * MIN), 1);
	destroy(w);
}

static void test_cohost_and_limits(void **state)
{
	struct world *w = make();
	type(w, "alice", "alice", false, "!cohost dave");
	assert_true(replied(w, "No chat is running: a co-host is added for one chat"));
	assert_int_equal(w->cohosts_added, 0);
	char title[300];
	memset(title, 'x', sizeof title - 1);
	title[sizeof title - 1] = '\0';
	char line[320];
	snprintf(line, sizeof line, "!start %s", title);
	type(w, "alice", "alice", false, line);
	assert_true(replied(w, "That title is too long (at most 200 bytes)."));
	assert_int_equal(session_phase(w->s), SESSION_IDLE);
	type(w, "alice", "alice", false, "!start");
	int said_before = w->n_said;
	type(w, "alice", "alice", false, "!cohost dave");
	/* confirmed to the host only: never named in the room (or the transcript) */
	assert_true(replied(w, "dave is now a co-host of this chat."));
	assert_int_equal(w->n_said, said_before);
	char topic[500];
	memset(topic, 'y', sizeof topic - 1);
	topic[sizeof topic - 1] = '\0';
	char tline[520];
	snprintf(tline, sizeof tline, "!topic %s", topic);
	type(w, "alice", "alice", false, tline);
	assert_true(replied(w, "That topic is too long (at most 400 bytes)."));
	destroy(w);
}

/* A running chat saved and restored into a fresh session (as after the
 * bot was killed): same round, same clock, same agenda, co-hosts, pause;
 * nothing posted again; then it carries on and ends as it would have. */
static void test_snapshot_restore(void **state)
{
	struct world *w = make();
	assert_null(session_snapshot(w->s)); /* idle: nothing to save */
	assert_true(type(w, "alice", "alice", false, "!start Burnout night"));
	run_until(w, T0 + 5 * MIN);
	post(w, "bob", "bob", "A1 tired all the time");
	post(w, "dana", NULL, "A1 cynicism");
	assert_true(type(w, "alice", "alice", false, "!topic Who checks on you?"));
	assert_true(type(w, "alice", "alice", false, "!extend 3"));
	assert_true(type(w, "alice", "alice", false, "!cohost erin"));
	w->now += MIN;
	assert_true(type(w, "alice", "alice", false, "!pause"));
	char *snap = session_snapshot(w->s);
	assert_non_null(snap);

	struct world *v = make();
	v->now = w->now + 30000; /* the bot comes back 30 s later */
	struct buf why = BUF_INIT;
	assert_int_equal(session_restore(v->s, "{\"v\": 99}", &why), -1);
	assert_non_null(strstr(why.p, "unreadable"));
	buf_clear(&why);
	assert_int_equal(session_restore(v->s, "not json", &why), -1);
	assert_int_equal(session_phase(v->s), SESSION_IDLE); /* unchanged */
	assert_int_equal(session_restore(v->s, snap, &why), 0);
	session_restore_tally(v->s, "a:bob", 1);
	session_restore_tally(v->s, "n:dana", 1);
	assert_int_equal(v->n_said, 0); /* nothing posted again */
	assert_int_equal(session_phase(v->s), SESSION_ROUND);
	assert_int_equal(session_round_number(v->s), 2);
	assert_string_equal(session_current_round(v->s)->topic, "Who checks on you?");
	assert_true(session_paused(v->s));
	assert_string_equal(session_title(v->s), "Burnout night");
	assert_true(session_planned_end_ms(v->s) == session_planned_end_ms(w->s));
	assert_true(session_opened_ms(v->s) == T0);
	assert_true(session_next_deadline(v->s) == session_next_deadline(w->s));
	assert_int_equal(session_upcoming(v->s), 2);
	assert_true(session_is_moderator(v->s, "erin", false));
	assert_int_equal((int)session_message_count(v->s), 2);
	assert_int_equal((int)session_participant_count(v->s), 2);
	struct buf a = BUF_INIT, b = BUF_INIT;
	session_describe_agenda(w->s, &a);
	session_describe_agenda(v->s, &b);
	assert_string_equal(a.p, b.p);
	/* the same snapshot again */
	char *again = session_snapshot(v->s);
	assert_string_equal(again, snap);
	/* answers link as before */
	for (int64_t t = T0 - MIN; t < T0 + 8 * MIN; t += 30000)
		assert_int_equal(session_classify_at(v->s, "a line", false, t),
				 session_classify_at(w->s, "a line", false, t));
	assert_int_equal(session_classify_at(v->s, "said before it opened", false, T0 - 1), -1);
	assert_int_equal(session_classify(v->s, "A1 late answer", false), 1);
	assert_int_equal(session_classify(v->s, "my manager", false), 2);
	/* resumed: T2's 10 min + 3 extended, less the minute before the pause */
	assert_true(type(v, "alice", "alice", false, "!resume"));
	assert_true(said(v, "We are back with T2: 12 min left."));
	int64_t back = v->now;
	run_until(v, back + 12 * MIN - 1);
	assert_int_equal(session_round_number(v->s), 2);
	run_until(v, back + 12 * MIN);
	assert_int_equal(session_round_number(v->s), 3);
	run_until(v, v->now + 60 * MIN);
	assert_int_equal(session_phase(v->s), SESSION_IDLE);
	assert_true(said(v, "2 messages from 2 participants"));
	free(snap);
	free(again);
	buf_free(&a);
	buf_free(&b);
	buf_free(&why);
	destroy(w);
	destroy(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sorted),
		cmocka_unit_test(test_full_timed_chat),
		cmocka_unit_test(test_answer_linking),
		cmocka_unit_test(test_host_posts_topics),
		cmocka_unit_test(test_moderator_commands),
		cmocka_unit_test(test_participant_commands),
		cmocka_unit_test(test_refusal_and_impersonation),
		cmocka_unit_test(test_overrun_closes_abandoned_chat),
		cmocka_unit_test(test_counts_and_intro_zero),
		cmocka_unit_test(test_clock_jump),
		cmocka_unit_test(test_replayed_lines_by_time),
		cmocka_unit_test(test_cohost_and_limits),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_snapshot_restore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
