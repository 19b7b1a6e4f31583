/* irc_fixture.h: the irc module driven line by line as a server would,
 * for the unit tests (test_irc.c, test_irchistory.c): what it sends back,
 * and which events it hands to the core. Include after cmocka.h. */
#ifndef ROUNDS_TEST_IRC_FIXTURE_H
#define ROUNDS_TEST_IRC_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "irc.h"
#include "mem.h"

#define UNUSED __attribute__((unused))

#define MAX_EV 256

struct captured {
	struct event ev;
	char room[64], nick[64], account[64], text[600], target[64], msgid[64], reply[64];
	int has_account, has_msgid, has_reply;
};

struct fixture {
	struct irc *irc;
	struct captured ev[MAX_EV];
	int n_ev;
	int registered;
	int wants;
	char sent[256][600];
	int n_sent;
	int64_t now;
};

UNUSED static void cb_want(void *ud)
{
	((struct fixture *)ud)->wants++;
}

UNUSED static void copy(char *dst, size_t cap, const char *src, int *has)
{
	if (has)
		*has = src != NULL;
	snprintf(dst, cap, "%s", src ? src : "");
}

UNUSED static void cb_event(void *ud, const struct event *ev)
{
	struct fixture *f = ud;
	assert_true(f->n_ev < MAX_EV);
	struct captured *c = &f->ev[f->n_ev++];
	c->ev = *ev;
	copy(c->room, sizeof c->room, ev->room, NULL);
	copy(c->nick, sizeof c->nick, ev->nick, NULL);
	copy(c->account, sizeof c->account, ev->account, &c->has_account);
	copy(c->text, sizeof c->text, ev->text, NULL);
	copy(c->target, sizeof c->target, ev->target, NULL);
	copy(c->msgid, sizeof c->msgid, ev->msgid, &c->has_msgid);
	copy(c->reply, sizeof c->reply, ev->reply_to, &c->has_reply);
}

UNUSED static void cb_registered(void *ud)
{
	((struct fixture *)ud)->registered++;
}

UNUSED static struct fixture *make(const char *sasl_account, int ping_ms)
{
	struct fixture *f = mem_calloc(1, sizeof *f);
	static const char *chans[] = {"#HCSM", "#other"};
	struct irc_options o = {
		.network = "testnet", .nick = "rounds", .username = "rounds", .realname = "Rounds bot",
		.sasl_account = sasl_account, .sasl_password = sasl_account ? "s3cret" : NULL,
		.channels = chans, .n_channels = 2, .ping_ms = ping_ms,
	};
	struct irc_callbacks cb = {f, cb_want, cb_event, cb_registered};
	f->irc = irc_new(&o, &cb);
	f->now = 1795300000000;
	return f;
}

UNUSED static void destroy(struct fixture *f)
{
	irc_free(f->irc);
	free(f);
}

/* Pops every sendable line into f->sent. */
UNUSED static void drain(struct fixture *f)
{
	size_t len;
	const char *l;
	while ((l = irc_peek_line(f->irc, &len))) {
		assert_true(f->n_sent < 256);
		assert_int_equal(strlen(l), len);
		snprintf(f->sent[f->n_sent++], 600, "%s", l);
		irc_pop_line(f->irc, f->now);
	}
}

UNUSED static void feed(struct fixture *f, const char *line)
{
	char *copy = mem_strdup(line);
	irc_handle_line(f->irc, copy, strlen(copy), f->now);
	free(copy);
}

UNUSED static int sent_index(struct fixture *f, const char *line)
{
	drain(f);
	for (int i = 0; i < f->n_sent; i++)
		if (strcmp(f->sent[i], line) == 0)
			return i;
	return -1;
}

UNUSED static void expect_sent(struct fixture *f, const char *line)
{
	if (sent_index(f, line) < 0) {
		for (int i = 0; i < f->n_sent; i++)
			fprintf(stderr, "  sent[%d]: %s\n", i, f->sent[i]);
		fail_msg("expected to have sent: %s", line);
	}
}

UNUSED static const char *caps_all = "sasl=PLAIN,EXTERNAL server-time message-tags account-tag "
			      "extended-join account-notify echo-message batch cap-notify "
			      "multi-prefix away-notify chghost";

/* Full IRCv3 registration with SASL, up to the JOINs sent (no echo yet). */
UNUSED static void register_upto_join(struct fixture *f, int echo)
{
	int registrations = f->registered;
	irc_connected(f->irc, f->now);
	expect_sent(f, "CAP LS 302");
	expect_sent(f, "NICK rounds");
	expect_sent(f, "USER rounds 0 * :Rounds bot");
	char ls[600];
	snprintf(ls, sizeof ls, ":irc.testnet CAP * LS :%s", caps_all);
	if (!echo) {
		char *p = strstr(ls, " echo-message");
		memmove(p, p + 13, strlen(p + 13) + 1);
	}
	feed(f, ls);
	expect_sent(f, echo ? "CAP REQ :sasl server-time message-tags account-tag extended-join "
			      "account-notify echo-message batch cap-notify multi-prefix"
			    : "CAP REQ :sasl server-time message-tags account-tag extended-join "
			      "account-notify batch cap-notify multi-prefix");
	feed(f, echo ? ":irc.testnet CAP * ACK :sasl server-time message-tags account-tag "
		       "extended-join account-notify echo-message batch cap-notify multi-prefix"
		     : ":irc.testnet CAP * ACK :sasl server-time message-tags account-tag "
		       "extended-join account-notify batch cap-notify multi-prefix");
	expect_sent(f, "AUTHENTICATE PLAIN");
	assert_int_equal(sent_index(f, "CAP END"), -1); /* not before SASL is done */
	feed(f, "AUTHENTICATE +");
	/* base64("rounds\0rounds\0s3cret") */
	expect_sent(f, "AUTHENTICATE cm91bmRzAHJvdW5kcwBzM2NyZXQ=");
	feed(f, ":irc.testnet 900 rounds rounds!rounds@127.0.0.1 rounds :You are now logged in as rounds");
	feed(f, ":irc.testnet 903 rounds :SASL authentication successful");
	expect_sent(f, "CAP END");
	feed(f, ":irc.testnet 001 rounds :Welcome to the TestNet IRC Network rounds!rounds@127.0.0.1");
	feed(f, ":irc.testnet 005 rounds CASEMAPPING=rfc1459 CHANMODES=Ibe,k,Hl,MRimnprst "
		"CHANTYPES=# PREFIX=(ov)@+ WHOX BOT=B EXTBAN=,RUm :are supported by this server");
	assert_int_equal(f->registered, registrations + 1);
	expect_sent(f, "JOIN #HCSM");
	expect_sent(f, "JOIN #other");
	expect_sent(f, "MODE rounds +B");
}

/* Full IRCv3 registration with SASL, up to the JOIN echo of #HCSM. */
UNUSED static void register_full(struct fixture *f, int echo)
{
	register_upto_join(f, echo);
	feed(f, "@time=2026-11-21T20:00:00.000Z :rounds!rounds@127.0.0.1 JOIN #hcsm rounds :Rounds bot");
	expect_sent(f, "WHO #HCSM %tcnfa,742");
	feed(f, ":irc.testnet 353 rounds = #hcsm :@rounds @alice +bob carol");
	feed(f, ":irc.testnet 366 rounds #hcsm :End of /NAMES list.");
	feed(f, ":irc.testnet 354 rounds 742 #hcsm alice H@ alice");
	feed(f, ":irc.testnet 354 rounds 742 #hcsm bob H+ 0");
	feed(f, ":irc.testnet 354 rounds 742 #hcsm carol H carolacct");
	assert_true(irc_in_channel(f->irc, "#hcsm"));
	assert_false(irc_in_channel(f->irc, "#other"));
}

#endif
