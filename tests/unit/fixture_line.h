/* One stored line of a fixture chat, and the chat loaded back as a
 * transcript, for the unit tests that build chats through the store API
 * (html_fixture.h, transcript_fixture.h). The
 * includer defines FIXTURE_DAY ("2026-11-21"), the UTC day at() reads
 * times on. Header-only on purpose: each test program is one translation
 * unit; include it after cmocka.h. */
#ifndef ROUNDS_TEST_FIXTURE_LINE_H
#define ROUNDS_TEST_FIXTURE_LINE_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "clock.h"
#include "event.h"
#include "model.h"
#include "store.h"

#ifndef FIXTURE_DAY
#error "define FIXTURE_DAY (\"YYYY-MM-DD\") before including fixture_line.h"
#endif

/* "20:05:30" on FIXTURE_DAY, in UTC ms. */
static inline int64_t at(const char *hms)
{
	char iso[40];
	snprintf(iso, sizeof iso, "%sT%s.000Z", FIXTURE_DAY, hms);
	int64_t ms = clock_parse_iso(iso);
	assert_true(ms > 0);
	return ms;
}

/* kind 0 means EVENT_MESSAGE; room NULL the chat's room ("#hcsm"); round
 * -1 stores no round (with the chat's id); outside: stored outside any
 * chat. */
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
	bool outside;
};

/* Stores the line on "testnet"; returns its event id. */
static inline int64_t add_line(struct store *st, int64_t chat, const struct line *l)
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
	int64_t id = 0;
	assert_int_equal(store_add_event(st, &ev, k, l->outside ? 0 : chat, l->round, &id), 1);
	buf_free(&key);
	return id;
}

/* The chat as a transcript; fails the test if it does not load. */
static inline struct transcript *load_ok(struct store *st, int64_t chat)
{
	struct transcript *t = NULL;
	struct buf err = BUF_INIT;
	if (transcript_load(store_db(st), chat, &t, &err) != 0)
		fail_msg("transcript_load: %s", buf_str(&err));
	buf_free(&err);
	assert_non_null(t);
	return t;
}

#define BOT EVENT_F_SELF
#define MOD EVENT_F_MODERATOR

#endif
