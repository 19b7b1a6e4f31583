/* rounds search: finds what may be published, and nothing else; the query
 * language cannot reach FTS5 as syntax. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "search.h"
#include "store_fixture.h"
#include "verdict.h"

struct hits {
	char text[16][512];
	char sender[16][64];
	int round[16];
	int n;
};

static void collect(void *ud, const struct search_hit *h)
{
	struct hits *x = ud;
	assert_true(x->n < 16);
	snprintf(x->text[x->n], sizeof x->text[0], "%s", h->snippet);
	snprintf(x->sender[x->n], sizeof x->sender[0], "%s", h->sender);
	x->round[x->n] = h->round;
	x->n++;
}

static struct hits *find(struct store *st, const char *text, int64_t chat)
{
	static struct hits h;
	memset(&h, 0, sizeof h);
	struct search_query q = {.text = text, .chat_id = chat, .limit = 16, .mark_open = "[",
				 .mark_close = "]"};
	struct buf err = BUF_INIT;
	int n = search_run(store_db(st), &q, collect, &h, &err);
	if (n < 0)
		fail_msg("search %s: %s", text, err.p);
	assert_int_equal(n, h.n);
	buf_free(&err);
	return &h;
}

static int64_t add(struct store *st, int64_t chat, const char *nick, const char *account,
		   const char *text, unsigned flags, int round)
{
	static int64_t ts = 1795305600000;
	struct event ev = {.kind = EVENT_MESSAGE, .flags = flags, .network = "testnet",
			   .room = flags & EVENT_F_PRIVATE ? nick : "#hcsm", .nick = nick,
			   .account = account, .text = text, .ts_ms = ts += 1000};
	struct buf key = BUF_INIT;
	store_person_key(account, nick, &key);
	int64_t id;
	assert_int_equal(store_add_event(st, &ev, key.p, chat, round, &id), 1);
	buf_free(&key);
	return id;
}

static void test_compile(void **state)
{
	struct buf b = BUF_INIT;
	assert_int_equal(search_compile("telehealth rural", &b), 2);
	assert_string_equal(b.p, "\"telehealth\" AND \"rural\"");
	buf_clear(&b);
	assert_int_equal(search_compile("  \"rural broadband\" -cost tele* ", &b), 4);
	assert_string_equal(b.p, "\"rural\" AND \"broadband\" AND \"tele\"* NOT \"cost\"");
	buf_clear(&b);
	/* FTS5 syntax typed by someone is only words */
	assert_int_equal(search_compile("a OR b NEAR(c d) text:x ^e {f} \"g", &b), 11);
	assert_string_equal(b.p, "\"a\" AND \"OR\" AND \"b\" AND \"NEAR\" AND \"c\" AND \"d\" AND \"text\" "
				 "AND \"x\" AND \"e\" AND \"f\" AND \"g\"");
	buf_clear(&b);
	assert_int_equal(search_compile("-only -negatives", &b), 0);
	assert_int_equal(search_compile("!!! ???", &b), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(search_compile("caf\xc3\xa9 covid-19", &b), 3);
	assert_string_equal(b.p, "\"caf\xc3\xa9\" AND \"covid\" AND \"19\"");
	buf_free(&b);
}

static void test_finds_only_what_may_be_published(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "HCSM", 1795305600000, 0, NULL);
	assert_int_equal(store_round_start(st, chat, "testnet", 1, "Access?", NULL, 10, 1795305600000, NULL), 0);
	add(st, chat, "bob", "bob", "A1 telehealth helps rural patients", 0, 1);
	add(st, chat, "carol", "carol", "telehealth is not enough without broadband", 0, 1);
	add(st, chat, "dana", "dana", "telehealth secret of an opted-out person", 0, 1);
	add(st, 0, "erin", NULL, "telehealth in a private message", EVENT_F_PRIVATE, -1);
	add(st, chat, "fay", NULL, "!telehealth command", EVENT_F_COMMAND, 1);
	int64_t spam = add(st, chat, "gus", NULL, "telehealth cheap pills", 0, 1);
	int64_t phone = add(st, chat, "hal", "hal", "telehealth line 555-0100 call me", 0, 1);
	add(st, chat, "rounds", "rounds", "T1: telehealth access, answer with A1", EVENT_F_SELF, 1);
	assert_int_equal(store_set_optout(st, "testnet", "a:dana", true, 1795305700000), 0);
	assert_int_equal(store_add_verdict(st, spam, "policy", VERDICT_HIDE, NULL, NULL, 1795305700000), 0);
	assert_int_equal(store_add_verdict(st, phone, "privacy", VERDICT_REDACT, NULL, "[[16,24]]", 1795305700000), 0);
	assert_int_equal(store_commit(st), 0);
	assert_true(store_index_pending(st, 0) > 0);

	struct hits *h = find(st, "telehealth", 0);
	assert_int_equal(h->n, 4); /* bob, carol, hal (redacted), the bot's topic */
	for (int i = 0; i < h->n; i++) {
		assert_null(strstr(h->text[i], "secret"));
		assert_null(strstr(h->text[i], "private"));
		assert_null(strstr(h->text[i], "command"));
		assert_null(strstr(h->text[i], "pills"));
		assert_null(strstr(h->text[i], "555-0100"));
	}
	/* a match that needs the redacted words is not a match */
	assert_int_equal(find(st, "0100", 0)->n, 0);
	assert_int_equal(find(st, "555", 0)->n, 0);
	h = find(st, "call", 0);
	assert_int_equal(h->n, 1);
	assert_string_equal(h->text[0], "telehealth line [redacted] [call] me");
	/* phrases: the words, in order */
	assert_int_equal(find(st, "\"rural patients\"", 0)->n, 1);
	assert_int_equal(find(st, "\"patients rural\"", 0)->n, 0);
	/* prefix and not */
	assert_int_equal(find(st, "broad*", 0)->n, 1);
	assert_int_equal(find(st, "telehealth -rural", 0)->n, 3);
	/* accents and case */
	add(st, chat, "ivy", "ivy", "Caf\xc3\xa9 conversations", 0, 1);
	store_commit(st);
	store_index_pending(st, 0);
	assert_int_equal(find(st, "CAFE", 0)->n, 1);
	/* one chat only */
	assert_int_equal(find(st, "telehealth", chat + 1)->n, 0);
	/* hostile queries are words, never errors */
	assert_int_equal(find(st, "\" OR 1=1 --", 0)->n, 0);
	assert_int_equal(find(st, "NEAR(telehealth", 0)->n, 0);
	store_close(st);
}

static void test_pseudonyms_in_results(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "HCSM", 1795305600000, 0, NULL);
	assert_int_equal(store_chat_options(st, chat, "UTC", true), 0);
	add(st, chat, "bob", "bob", "burnout is real", 0, 0);
	store_commit(st);
	store_index_pending(st, 0);
	struct hits *h = find(st, "burnout", 0);
	assert_int_equal(h->n, 1);
	assert_string_not_equal(h->sender[0], "bob");
	assert_non_null(strchr(h->sender[0], ' ')); /* "Calm Heron" */
	store_close(st);
}

int main(void)
{
	log_set_level(LOG_ERROR);
	store_global_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile),
		cmocka_unit_test_setup_teardown(test_finds_only_what_may_be_published, store_fixture_setup,
						store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pseudonyms_in_results, store_fixture_setup,
						store_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
