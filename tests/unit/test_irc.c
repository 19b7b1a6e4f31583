/* The IRC protocol module driven line by line, as a server would: what it
 * sends back, and which events it hands to the core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "irc.h"
#include "log.h"
#include "mem.h"

bool irc_verbs_sorted(void);

#include "irc_fixture.h"

static void test_verb_table_sorted(void **state)
{
	assert_true(irc_verbs_sorted());
}

static void test_registration_with_sasl(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	assert_int_equal(irc_caps(f->irc) & (IRC_CAP_SASL | IRC_CAP_ACCOUNT_TAG | IRC_CAP_ECHO_MESSAGE),
			 IRC_CAP_SASL | IRC_CAP_ACCOUNT_TAG | IRC_CAP_ECHO_MESSAGE);
	assert_string_equal(irc_account_of(f->irc, "ALICE"), "alice");
	assert_null(irc_account_of(f->irc, "bob"));
	assert_string_equal(irc_account_of(f->irc, "carol"), "carolacct");
	assert_true(irc_is_op(f->irc, "#HCSM", "alice"));
	assert_false(irc_is_op(f->irc, "#HCSM", "bob"));
	/* the bot's own JOIN is an event too, with its account */
	assert_int_equal(f->ev[0].ev.kind, EVENT_JOIN);
	assert_true(f->ev[0].ev.flags & EVENT_F_SELF);
	assert_string_equal(f->ev[0].room, "#HCSM");
	destroy(f);
}

static void test_server_without_cap(void **state)
{
	struct fixture *f = make("rounds", 60000);
	irc_connected(f->irc, f->now);
	drain(f);
	feed(f, ":old.server 421 * CAP :Unknown command");
	feed(f, ":old.server 001 rounds :Welcome");
	assert_int_equal(f->registered, 1);
	expect_sent(f, "JOIN #HCSM");
	feed(f, ":rounds!r@h JOIN #HCSM");
	feed(f, ":alice!a@h PRIVMSG #HCSM :hello");
	assert_int_equal(f->ev[1].ev.kind, EVENT_MESSAGE);
	assert_false(f->ev[1].has_account);
	assert_true(f->ev[1].ev.flags & EVENT_F_LOCAL_TIME);
	assert_int_equal(f->ev[1].ev.ts_ms, f->now);
	/* no echo-message: the bot records its own line when it is written */
	irc_privmsg(f->irc, "#HCSM", "T1: a topic");
	int before = f->n_ev;
	drain(f);
	assert_int_equal(f->n_ev, before + 1);
	assert_true(f->ev[before].ev.flags & EVENT_F_SELF);
	assert_string_equal(f->ev[before].text, "T1: a topic");
	assert_string_equal(f->ev[before].room, "#HCSM");
	destroy(f);
}

static void test_multiline_cap_ls_and_no_sasl_account(void **state)
{
	struct fixture *f = make(NULL, 60000);
	irc_connected(f->irc, f->now);
	drain(f);
	feed(f, ":s CAP * LS * :sasl=PLAIN server-time");
	assert_int_equal(sent_index(f, "CAP END"), -1);
	feed(f, ":s CAP * LS :account-tag unknown-cap");
	expect_sent(f, "CAP REQ :server-time account-tag"); /* no sasl without an account */
	feed(f, ":s CAP * ACK :server-time account-tag");
	expect_sent(f, "CAP END");
	destroy(f);
}

static void test_sasl_failure_and_nak(void **state)
{
	struct fixture *f = make("rounds", 60000);
	irc_connected(f->irc, f->now);
	feed(f, ":s CAP * LS :sasl server-time");
	feed(f, ":s CAP * ACK :sasl server-time");
	feed(f, "AUTHENTICATE +");
	feed(f, ":s 904 rounds :SASL authentication failed");
	expect_sent(f, "CAP END");
	destroy(f);

	f = make("rounds", 60000);
	irc_connected(f->irc, f->now);
	feed(f, ":s CAP * LS :sasl=EXTERNAL server-time");
	expect_sent(f, "CAP REQ :server-time"); /* PLAIN not offered */
	feed(f, ":s CAP * NAK :server-time");
	expect_sent(f, "CAP END");
	destroy(f);
}

static void test_nick_in_use(void **state)
{
	struct fixture *f = make(NULL, 60000);
	irc_connected(f->irc, f->now);
	feed(f, ":s 433 * rounds :Nickname is already in use.");
	expect_sent(f, "NICK rounds_");
	feed(f, ":s 433 * rounds_ :Nickname is already in use.");
	expect_sent(f, "NICK rounds__");
	feed(f, ":s 001 rounds__ :Welcome");
	assert_string_equal(irc_current_nick(f->irc), "rounds__");
	/* a minute later it tries to get its own nick back */
	f->now += 61000;
	assert_true(irc_tick(f->irc, f->now));
	expect_sent(f, "NICK rounds");
	feed(f, ":rounds__!r@h NICK rounds");
	assert_string_equal(irc_current_nick(f->irc), "rounds");
	destroy(f);
}

static void test_ping_pong_and_lag(void **state)
{
	struct fixture *f = make(NULL, 10000);
	irc_connected(f->irc, f->now);
	feed(f, ":s 001 rounds :Welcome");
	drain(f);
	feed(f, "PING :irc.testnet");
	/* PONG goes before any chat line already queued */
	irc_privmsg(f->irc, "someone", "hello");
	feed(f, "PING :again");
	size_t len;
	assert_string_equal(irc_peek_line(f->irc, &len), "PONG :irc.testnet");
	drain(f);
	f->now += 10000;
	assert_true(irc_tick(f->irc, f->now));
	char ping[64];
	snprintf(ping, sizeof ping, "PING :rounds-%lld", (long long)f->now);
	expect_sent(f, ping);
	f->now += 250;
	char pong[96];
	snprintf(pong, sizeof pong, ":s PONG s :rounds-%lld", (long long)(f->now - 250));
	feed(f, pong);
	assert_int_equal(irc_stats(f->irc)->lag_ms, 250);
	/* silence after a PING: dead */
	f->now += 10000;
	assert_true(irc_tick(f->irc, f->now));
	f->now += 10001;
	assert_false(irc_tick(f->irc, f->now));
	destroy(f);
}

static void test_privmsg_event_fields(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	int base = f->n_ev;
	feed(f, "@time=2026-11-21T20:01:02.345Z;msgid=209~1~5;account=alice;+draft/reply=209~1~4 "
		":alice!a@h PRIVMSG #hcsm :\x02" "A1\x02 telehealth \x03" "4helps\x03");
	struct captured *c = &f->ev[base];
	assert_int_equal(c->ev.kind, EVENT_MESSAGE);
	assert_string_equal(c->room, "#HCSM");
	assert_string_equal(c->nick, "alice");
	assert_string_equal(c->account, "alice");
	assert_string_equal(c->text, "A1 telehealth helps");
	assert_string_equal(c->msgid, "209~1~5");
	assert_string_equal(c->reply, "209~1~4");
	assert_int_equal(c->ev.ts_ms, 1795291262345);
	assert_true(c->ev.flags & EVENT_F_OP);
	assert_false(c->ev.flags & (EVENT_F_SELF | EVENT_F_PRIVATE | EVENT_F_LOCAL_TIME));
	/* with account-tag on, a message without the tag means "not logged in",
	 * whatever was tracked before (an impostor using a host's nick) */
	feed(f, ":alice!a@h PRIVMSG #hcsm :!next");
	assert_false(f->ev[base + 1].has_account);
	/* STATUSMSG to @#hcsm is still the channel */
	feed(f, "@account=bob :bob!b@h NOTICE @#hcsm :ops only");
	assert_int_equal(f->ev[base + 2].ev.kind, EVENT_NOTICE);
	assert_string_equal(f->ev[base + 2].room, "#HCSM");
	/* private message: the room is the sender */
	feed(f, ":bob!b@h PRIVMSG rounds :!optout");
	assert_true(f->ev[base + 3].ev.flags & EVENT_F_PRIVATE);
	assert_string_equal(f->ev[base + 3].room, "bob");
	/* ACTION */
	feed(f, ":bob!b@h PRIVMSG #hcsm :\001ACTION waves\001");
	assert_int_equal(f->ev[base + 4].ev.kind, EVENT_ACTION);
	assert_string_equal(f->ev[base + 4].text, "waves");
	/* CTCP VERSION gets a reply and no event */
	feed(f, ":bob!b@h PRIVMSG rounds :\001VERSION\001");
	assert_int_equal(f->n_ev, base + 5);
	expect_sent(f, "NOTICE bob :\001VERSION rounds (chat moderator bot)\001");
	/* the echo of our own message is marked as ours */
	feed(f, "@msgid=209~1~9 :rounds!rounds@127.0.0.1 PRIVMSG #hcsm :T1: hello");
	assert_true(f->ev[base + 5].ev.flags & EVENT_F_SELF);
	assert_string_equal(f->ev[base + 5].account, "rounds");
	destroy(f);
}

static void test_membership_events(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	feed(f, ":rounds!r@h JOIN #other * :x");
	int base = f->n_ev;
	feed(f, ":dave!d@h JOIN #hcsm dave :Dave");
	feed(f, ":dave!d@h JOIN #other dave :Dave");
	assert_string_equal(f->ev[base].account, "dave");
	assert_string_equal(irc_account_of(f->irc, "dave"), "dave");
	feed(f, ":dave!d@h ACCOUNT *");
	assert_null(irc_account_of(f->irc, "dave"));
	feed(f, ":dave!d@h ACCOUNT dave2");
	feed(f, ":dave!d@h NICK dave_away");
	/* a NICK is recorded once per channel the user shares with the bot */
	assert_int_equal(f->ev[base + 2].ev.kind, EVENT_NICK);
	assert_int_equal(f->ev[base + 3].ev.kind, EVENT_NICK);
	assert_string_equal(f->ev[base + 2].target, "dave_away");
	assert_string_equal(irc_account_of(f->irc, "dave_away"), "dave2");
	feed(f, ":dave_away!d@h QUIT :Quit: bye");
	assert_int_equal(f->ev[base + 4].ev.kind, EVENT_QUIT);
	assert_int_equal(f->ev[base + 5].ev.kind, EVENT_QUIT);
	assert_string_equal(f->ev[base + 4].text, "Quit: bye");
	assert_null(irc_account_of(f->irc, "dave_away"));
	/* MODE updates operator status */
	feed(f, ":alice!a@h MODE #hcsm -o+vk alice bob key");
	assert_false(irc_is_op(f->irc, "#hcsm", "alice"));
	feed(f, ":alice!a@h MODE #hcsm +lo 10 carol");
	assert_true(irc_is_op(f->irc, "#hcsm", "carol"));
	/* PART and TOPIC */
	feed(f, ":carol!c@h PART #hcsm :later");
	assert_false(irc_is_op(f->irc, "#hcsm", "carol"));
	feed(f, ":bob!b@h TOPIC #hcsm :Tonight: telehealth");
	assert_int_equal(f->ev[f->n_ev - 1].ev.kind, EVENT_TOPIC);
	destroy(f);
}

/* The mute the server offers, from what it advertises in 005. */
static void mute_on(const char *isupport, const char *want_mode, const char *want_arg)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	char line[600];
	snprintf(line, sizeof line, ":irc.testnet 005 rounds %s :are supported by this server", isupport);
	feed(f, line);
	struct buf mode = BUF_INIT, arg = BUF_INIT;
	bool ok = irc_mute_mode(f->irc, "bob!*@*", &mode, &arg);
	if (!want_mode) {
		assert_false(ok);
	} else {
		assert_true(ok);
		assert_string_equal(mode.p, want_mode);
		assert_string_equal(arg.p, want_arg);
	}
	buf_free(&mode);
	buf_free(&arg);
	destroy(f);
}

static void test_mute_modes(void **state)
{
	/* InspIRCd 3 (q is the founder prefix there, not a quiet list) */
	mute_on("CHANMODES=IXbegw,k,FJLfjl,ACKMNOPQRSTUcimnprstz PREFIX=(qaohv)~&@%+ "
		"EXTBAN=,ACNOQRSTUacjmnprswz", "+b", "m:bob!*@*");
	/* Solanum: a quiet list mode */
	mute_on("CHANMODES=eIbq,k,flj,CFLMPQScgimnprstuz PREFIX=(ov)@+ EXTBAN=$,ajrxz", "+q", "bob!*@*");
	/* UnrealIRCd: ~q: */
	mute_on("CHANMODES=beI,kLf,l,psmntirzMQNRTOVKDdGPZSCc PREFIX=(qaohv)~&@%+ "
		"EXTBAN=~,acfjmnpqrtCGOST", "+b", "~q:bob!*@*");
	/* a plain server: no way to mute (-EXTBAN withdraws the fixture's) */
	mute_on("CHANMODES=beI,k,l,imnpst PREFIX=(ov)@+ -EXTBAN", NULL, NULL);
}

/* Mute, kick and ban: aimed at the account where there is an account
 * extban, else at the nick; refused with a reason when the bot is not an
 * operator or the person has left. */
static void test_sanctions(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1); /* EXTBAN=,RUm; the bot is @ in #hcsm; alice is logged in */
	struct buf mask = BUF_INIT, why = BUF_INIT;
	feed(f, ":dave!d@h JOIN #hcsm dave :Dave");
	assert_int_equal(irc_sanction(f->irc, "#hcsm", "dave", IRC_SANCTION_MUTE, "too fast", &mask, &why), 0);
	expect_sent(f, "MODE #hcsm +b m:R:dave");
	assert_string_equal(mask.p, "m:R:dave");
	assert_int_equal(irc_unmute(f->irc, "#hcsm", mask.p), 0);
	expect_sent(f, "MODE #hcsm -b m:R:dave");
	/* bob is not logged in (WHOX said 0): his nick */
	assert_int_equal(irc_sanction(f->irc, "#hcsm", "bob", IRC_SANCTION_BAN, "spam links", &mask, &why), 0);
	expect_sent(f, "MODE #hcsm +b bob!*@*");
	expect_sent(f, "KICK #hcsm bob :spam links");
	assert_int_equal(irc_sanction(f->irc, "#hcsm", "carol", IRC_SANCTION_KICK, "", &mask, &why), 0);
	expect_sent(f, "KICK #hcsm carol moderated");
	/* gone, or not here */
	assert_int_equal(irc_sanction(f->irc, "#hcsm", "zed", IRC_SANCTION_KICK, "x", &mask, &why), -1);
	assert_string_equal(why.p, "zed is no longer in #hcsm");
	buf_clear(&why);
	assert_int_equal(irc_sanction(f->irc, "#other", "dave", IRC_SANCTION_KICK, "x", &mask, &why), -1);
	assert_string_equal(why.p, "the bot is not in #other right now");
	/* the bot loses its operator status */
	feed(f, ":alice!a@h MODE #hcsm -o rounds");
	buf_clear(&why);
	assert_int_equal(irc_sanction(f->irc, "#hcsm", "dave", IRC_SANCTION_MUTE, "x", &mask, &why), -1);
	assert_non_null(strstr(why.p, "the bot is not a channel operator in #hcsm"));
	/* a reason cannot smuggle a second command */
	feed(f, ":alice!a@h MODE #hcsm +o rounds");
	drain(f);
	int before = f->n_sent;
	irc_sanction(f->irc, "#hcsm", "dave", IRC_SANCTION_KICK, "bye\r\nQUIT :pwned", &mask, &why);
	drain(f);
	for (int i = before; i < f->n_sent; i++)
		assert_null(strstr(f->sent[i], "QUIT"));
	buf_free(&mask);
	buf_free(&why);
	destroy(f);
}

/* irc_sync: a PING queued after the lift, so its answer says the server
 * read the lift; answered on that connection only. */
static void test_sync_confirms_what_went_before(void **state)
{
	struct fixture *f = make("rounds", 60000);
	assert_int_equal(irc_sync(f->irc), 0); /* not registered */
	register_full(f, 1);
	assert_int_equal(irc_unmute(f->irc, "#hcsm", "m:R:dave"), 0);
	uint64_t t1 = irc_sync(f->irc), t2 = irc_sync(f->irc);
	assert_true(t1 != 0 && t2 != 0 && t1 != t2);
	assert_true(sent_index(f, "MODE #hcsm -b m:R:dave") < sent_index(f, "PING :rounds-sync-1-1"));
	expect_sent(f, "PING :rounds-sync-1-2");
	assert_false(irc_synced(f->irc, t1));
	/* tokens the bot never sent, or of another connection, change nothing */
	feed(f, ":irc.testnet PONG irc.testnet :rounds-sync-1-3");
	feed(f, ":irc.testnet PONG irc.testnet :rounds-sync-0-1");
	feed(f, ":irc.testnet PONG irc.testnet :rounds-sync-1-1x");
	feed(f, ":irc.testnet PONG irc.testnet :rounds-sync-");
	feed(f, ":irc.testnet PONG irc.testnet :rounds-sync-1- 1");
	feed(f, ":irc.testnet PONG irc.testnet :rounds-sync-+1-1");
	assert_false(irc_synced(f->irc, t1));
	/* the answer to the second covers the first (answered in order) */
	feed(f, ":irc.testnet PONG irc.testnet :rounds-sync-1-2");
	assert_true(irc_synced(f->irc, t1));
	assert_true(irc_synced(f->irc, t2));
	assert_false(irc_synced(f->irc, 0));
	/* a token asked before a reconnect is never confirmed after it */
	uint64_t t3 = irc_sync(f->irc);
	irc_disconnected(f->irc);
	assert_false(irc_synced(f->irc, t2));
	f->n_sent = 0;
	register_full(f, 1);
	uint64_t t4 = irc_sync(f->irc);
	expect_sent(f, "PING :rounds-sync-2-1");
	feed(f, ":irc.testnet PONG irc.testnet :rounds-sync-2-1");
	assert_true(irc_synced(f->irc, t4));
	assert_false(irc_synced(f->irc, t3));
	assert_false(irc_synced(f->irc, t1));
	destroy(f);
}

static void test_kicked_rejoins_and_chat_lines_wait(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	feed(f, ":alice!a@h KICK #hcsm rounds :oops");
	assert_false(irc_in_channel(f->irc, "#hcsm"));
	drain(f);
	int before = f->n_sent;
	irc_privmsg(f->irc, "#hcsm", "T2: next topic");
	drain(f);
	assert_int_equal(f->n_sent, before); /* held: not in the channel */
	f->now += 5000;
	irc_tick(f->irc, f->now);
	expect_sent(f, "JOIN #HCSM");
	feed(f, ":rounds!r@h JOIN #hcsm * :x");
	expect_sent(f, "PRIVMSG #hcsm :T2: next topic");
	destroy(f);
}

static void test_chat_lines_survive_reconnect(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	irc_disconnected(f->irc);
	irc_privmsg(f->irc, "#HCSM", "T3: while away");
	size_t len;
	assert_null(irc_peek_line(f->irc, &len));
	f->n_sent = 0;
	register_full(f, 1);
	expect_sent(f, "PRIVMSG #HCSM :T3: while away");
	/* and it came after the registration lines */
	assert_true(sent_index(f, "PRIVMSG #HCSM :T3: while away") > sent_index(f, "CAP END"));
	destroy(f);
}

static void test_long_text_split_within_limit(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	drain(f);
	char text[2000];
	size_t n = 0;
	while (n < 1500) {
		memcpy(text + n, "caf\xc3\xa9 ", 6);
		n += 6;
	}
	text[n] = '\0';
	int lines = irc_privmsg(f->irc, "#hcsm", text);
	assert_true(lines >= 3);
	int start = f->n_sent;
	drain(f);
	size_t total = 0;
	for (int i = start; i < f->n_sent; i++) {
		/* ":rounds!rounds@127.0.0.1 " + line must fit 510 bytes */
		assert_true(strlen(f->sent[i]) + strlen(":rounds!rounds@127.0.0.1 ") <= 510);
		assert_int_equal(strncmp(f->sent[i], "PRIVMSG #hcsm :", 15), 0);
		total += strlen(f->sent[i]) - 15;
	}
	assert_int_equal(f->n_sent - start, lines);
	assert_true(total >= n - (size_t)lines - 1); /* only the spaces at the cuts go */
	destroy(f);
}

static void test_history_batch_is_replay(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	int base = f->n_ev;
	feed(f, ":irc.testnet BATCH +h1 chathistory #hcsm");
	feed(f, "@batch=h1;time=2026-11-21T19:00:00.000Z;msgid=old1 :alice!a@h PRIVMSG #hcsm :!end");
	feed(f, ":irc.testnet BATCH -h1");
	feed(f, "@batch=h1 :alice!a@h PRIVMSG #hcsm :!end");
	assert_true(f->ev[base].ev.flags & EVENT_F_REPLAY);
	assert_false(f->ev[base + 1].ev.flags & EVENT_F_REPLAY);
	destroy(f);
}

static void test_malformed_lines_counted(void **state)
{
	struct fixture *f = make(NULL, 60000);
	irc_connected(f->irc, f->now);
	feed(f, ":nick");
	feed(f, "@@@");
	feed(f, ":a!b@c PRIVMSG");          /* parses, but too few params: ignored */
	feed(f, ":a!b@c JOIN");
	feed(f, ":a!b@c KICK #hcsm");
	feed(f, ":s 354 rounds");
	feed(f, ":s 353 rounds =");
	assert_int_equal(irc_stats(f->irc)->malformed, 2);
	assert_int_equal(f->n_ev, 0);
	destroy(f);
}

static void test_invalid_targets_refused(void **state)
{
	struct fixture *f = make(NULL, 60000);
	assert_int_equal(irc_privmsg(f->irc, "#a b", "x"), -1);
	assert_int_equal(irc_privmsg(f->irc, "#a\r\nQUIT", "x"), -1);
	assert_int_equal(irc_privmsg(f->irc, "", "x"), -1);
	/* text with CR/LF becomes separate lines, never a second command */
	irc_connected(f->irc, f->now);
	feed(f, ":s 001 rounds :hi");
	drain(f);
	int start = f->n_sent;
	assert_int_equal(irc_privmsg(f->irc, "bob", "one\r\nQUIT :x"), 2);
	drain(f);
	assert_string_equal(f->sent[start], "PRIVMSG bob :one");
	assert_string_equal(f->sent[start + 1], "PRIVMSG bob :QUIT :x");
	destroy(f);
}

static void test_no_second_command_ever(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	drain(f);
	int start = f->n_sent;
	/* a lone CR, and other control bytes, never reach the wire inside a line */
	assert_int_equal(irc_privmsg(f->irc, "bob", "hello\rQUIT :x\x07\x1b[31m"), 2);
	/* a CTCP PING whose argument carries a CR is not echoed at all */
	feed(f, ":mallory!m@h PRIVMSG rounds :\001PING x\rPRIVMSG NickServ :DROP rounds\001");
	feed(f, ":mallory!m@h PRIVMSG rounds :\001PING 1795300000 123\001");
	drain(f);
	for (int i = start; i < f->n_sent; i++) {
		assert_null(strchr(f->sent[i], '\r'));
		assert_null(strchr(f->sent[i], '\n'));
		assert_null(strchr(f->sent[i], '\x07'));
		assert_null(strstr(f->sent[i], "NickServ"));
	}
	assert_string_equal(f->sent[start], "PRIVMSG bob :hello");
	assert_string_equal(f->sent[start + 1], "PRIVMSG bob :QUIT :x[31m");
	assert_string_equal(f->sent[start + 2], "NOTICE mallory :\001PING 1795300000 123\001");
	assert_int_equal(f->n_sent, start + 3);
	destroy(f);
}

static void test_replies_never_crowd_out_posts(void **state)
{
	struct fixture *f = make("rounds", 60000);
	register_full(f, 1);
	drain(f);
	/* someone asks for the agenda again and again: replies pile up */
	for (int i = 0; i < 100; i++)
		irc_notice(f->irc, "spammer", "T1 (10 min): a long agenda line");
	irc_notice(f->irc, "bob", "your time answer");
	irc_privmsg(f->irc, "#HCSM", "T2: the next topic");
	/* the post goes first; one person gets at most 40 waiting lines */
	size_t len;
	assert_string_equal(irc_peek_line(f->irc, &len), "PRIVMSG #HCSM :T2: the next topic");
	int start = f->n_sent;
	drain(f);
	int to_spammer = 0, to_bob = 0;
	for (int i = start; i < f->n_sent; i++) {
		to_spammer += strncmp(f->sent[i], "NOTICE spammer ", 15) == 0;
		to_bob += strncmp(f->sent[i], "NOTICE bob ", 11) == 0;
	}
	assert_int_equal(to_spammer, 40);
	assert_int_equal(to_bob, 1);
	assert_int_equal(irc_stats(f->irc)->dropped_out, 60);
	/* QUIT waits behind posts already queued, and goes before replies */
	irc_notice(f->irc, "bob", "late reply");
	irc_privmsg(f->irc, "#HCSM", "That's a wrap");
	irc_quit(f->irc, "bye");
	start = f->n_sent;
	drain(f);
	assert_string_equal(f->sent[start], "PRIVMSG #HCSM :That's a wrap");
	assert_string_equal(f->sent[start + 1], "QUIT bye");
	destroy(f);
}

int main(void)
{
	log_set_level(LOG_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verb_table_sorted),
		cmocka_unit_test(test_registration_with_sasl),
		cmocka_unit_test(test_server_without_cap),
		cmocka_unit_test(test_multiline_cap_ls_and_no_sasl_account),
		cmocka_unit_test(test_sasl_failure_and_nak),
		cmocka_unit_test(test_nick_in_use),
		cmocka_unit_test(test_ping_pong_and_lag),
		cmocka_unit_test(test_privmsg_event_fields),
		cmocka_unit_test(test_membership_events),
		cmocka_unit_test(test_mute_modes),
		cmocka_unit_test(test_sanctions),
		cmocka_unit_test(test_sync_confirms_what_went_before),
		cmocka_unit_test(test_kicked_rejoins_and_chat_lines_wait),
		cmocka_unit_test(test_chat_lines_survive_reconnect),
		cmocka_unit_test(test_long_text_split_within_limit),
		cmocka_unit_test(test_history_batch_is_replay),
		cmocka_unit_test(test_malformed_lines_counted),
		cmocka_unit_test(test_invalid_targets_refused),
		cmocka_unit_test(test_no_second_command_ever),
		cmocka_unit_test(test_replies_never_crowd_out_posts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
