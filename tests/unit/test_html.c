/* The HTML renderer and its charts, on fixture chats written through the
 * store API.
 *
 * chat1.html is the reference page: a chat in America/New_York across the
 * end of daylight saving time (01:30 EDT to 01:15 EST, through the repeated
 * hour). It is a golden file in tests/unit/golden/ and is the spec: review
 * it by eye when it changes. Regenerate with ROUNDS_REGOLD=1 (writes into
 * the source tree).
 *
 * The pages are also written, for the browser test
 * (tests/integration/test_html_browser.py) and for looking at, into
 * $ROUNDS_HTML_OUT when set, else into the build's tests directory:
 * chat1.html, big.html (three hours, 400 participants) and empty.html;
 * test_html_hostile.c writes hostile.html (every payload aimed at the host
 * leak.invalid). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "clock.h"
#include "html.h"
#include "model.h"
#include "store.h"
#include "tz.h"
#include "verdict.h"

#include "html_fixture.h"

static void test_golden_html(void **state)
{
	struct store *st = store_fixture_open();
	struct transcript *t = load_ok(st, make_chat1(st, false));
	add_summary(t);
	char *page = render_ok(t, &options);
	keep("chat1.html", page);
	check_golden("chat1.html", page);
	check_page(t, page, chat1_links, 1);

	/* the header, in New York time across the change */
	assert_non_null(strstr(page, "<p class=\"when\"><time datetime=\"2026-11-01T05:30:00.000Z\">"
				     "Sunday 1 November 2026, 01:30</time> EDT (UTC\xe2\x88\x92" "04:00) \xe2\x80\x93 "
				     "<time datetime=\"2026-11-01T06:15:00.000Z\">01:15</time> EST (UTC\xe2\x88\x92"
				     "05:00)"));
	/* a line after the change says so; one before it does not */
	assert_non_null(strstr(page, "<time datetime=\"2026-11-01T06:00:30.000Z\">01:00 EST</time>"));
	assert_non_null(strstr(page, "<time datetime=\"2026-11-01T05:36:00.000Z\">01:36</time>"));
	assert_int_equal(count(page, "<h2"), 3 + 1 + 1 + 1 + 1 + 1); /* rounds, intro, after, summary, people, charts */
	assert_non_null(strstr(page, "A1 I stop sleeping well &amp; skip lunch"));
	assert_non_null(strstr(page, "<span class=\"removed\">[removed by a moderator]</span>"));
	assert_non_null(strstr(page, "A1 call me on <span class=\"redacted\">[redacted]</span> or mail "
				     "<span class=\"redacted\">[redacted]</span></bdi>"));
	assert_non_null(strstr(page, "2 messages from people who opted out are not shown."));
	assert_non_null(strstr(page, "1 message was removed by a moderator."));
	assert_non_null(strstr(page, "1 message has parts redacted by a moderator."));
	assert_non_null(strstr(page, "<b class=\"who\"><bdi>" HEBREW_NICK "</bdi></b>"));
	assert_non_null(strstr(page, long_word));
	assert_null(strstr(page, "SECRET"));
	assert_null(strstr(page, "dana"));
	assert_null(strstr(page, "Dana"));
	assert_null(strstr(page, "555-0100"));
	assert_null(strstr(page, "javascript"));
	/* nesting: alice's answer inside bob's item, bob's reply inside hers */
	const char *b10 = strstr(page, "A1 I stop sleeping");
	const char *a13 = strstr(page, "A1 when *everything*");
	const char *b13 = strstr(page, "exactly that");
	assert_true(b10 && a13 && b13 && b10 < a13 && a13 < b13);
	assert_int_equal(count(b10, "<ol class=\"replies\">") - count(a13, "<ol class=\"replies\">"), 1);
	/* the A1 given during T2 is under T1, before T2's heading */
	assert_true(strstr(page, "A1 (late)") < strstr(page, "<h2 id=\"t2-h\">"));
	/* the cross-round reply says what it answers, with a link */
	assert_non_null(strstr(page, "<a class=\"re\" href=\"#m"));
	/* same model, same bytes */
	char *again = render_ok(t, &options);
	assert_string_equal(page, again);
	free(again);
	free(page);
	transcript_free(t);
	store_close(st);
}

/* Pseudonyms: no real name is shown as a name anywhere on the page. And
 * a zone that cannot be loaded. */
static void test_pseudonyms(void **state)
{
	struct store *st = store_fixture_open();
	struct transcript *t = load_ok(st, make_chat1(st, true));
	char *page = render_ok(t, NULL);
	check_page(t, page, NULL, 0);
	static const char *const names[] = {"alice", "bob", "carol", "erin", "frank", "mallory", "dana",
					    HEBREW_NICK};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char tag[64];
		snprintf(tag, sizeof tag, "<bdi>%s</bdi>", names[i]);
		if (strstr(page, tag))
			fail_msg("a real name on the page: %s", names[i]);
		snprintf(tag, sizeof tag, "%s, by messages", names[i]);
		assert_null(strstr(page, tag));
		snprintf(tag, sizeof tag, " %s ", names[i]);
		assert_null(strstr(strstr(page, "<desc"), tag));
	}
	assert_non_null(strstr(page, "Participants are shown under pseudonyms."));
	assert_null(strstr(page, "<nav class=\"formats\""));
	free(page);
	/* a time zone that cannot be loaded: an error, and no page */
	t->chat.timezone = "Nowhere/Atlantis";
	struct buf out = BUF_INIT, err = BUF_INIT;
	assert_int_equal(html_render(t, &options, &out, &err), -1);
	assert_int_equal(out.len, 0);
	assert_true(err.len > 0);
	buf_free(&out);
	buf_free(&err);
	transcript_free(t);
	store_close(st);
}

static void test_buckets(void **state)
{
	struct chart_buckets b;
	chart_bucketize(NULL, 0, at("05:30:00"), 0, &b);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.max, 0);
	chart_buckets_free(&b);
	/* three hours: one bucket a minute, the last minute included */
	int64_t times[] = {at("05:30:10"), at("05:30:50"), at("07:10:00"), at("08:30:00")};
	chart_bucketize(times, 4, at("05:30:00"), at("08:30:00"), &b);
	assert_int_equal(b.bucket_ms, 60000);
	assert_int_equal(b.n, 181);
	assert_int_equal(b.counts[0], 2);
	assert_int_equal(b.counts[100], 1);
	assert_int_equal(b.counts[180], 1);
	assert_int_equal(b.max, 2);
	assert_int_equal(b.busiest, 0);
	chart_buckets_free(&b);
	/* five hours: two-minute buckets; a time outside the range widens it */
	chart_bucketize(times, 4, at("06:00:00"), at("10:59:00"), &b);
	assert_int_equal(b.bucket_ms, 120000);
	assert_int_equal(b.start_ms, at("05:30:00"));
	assert_true(b.n <= CHART_MAX_BUCKETS);
	chart_buckets_free(&b);
	/* absurd times stay bounded and render */
	int64_t wild[] = {INT64_MIN, 0, INT64_MAX};
	chart_bucketize(wild, 3, 0, 0, &b);
	assert_true(b.n >= 1 && b.n <= CHART_MAX_BUCKETS);
	size_t sum = 0;
	for (size_t k = 0; k < b.n; k++)
		sum += b.counts[k];
	assert_int_equal(sum, 3);
	assert_int_equal(b.counts[0], 1);
	assert_int_equal(b.counts[b.n - 1], 1);
	struct tz *z = NULL;
	struct buf out = BUF_INIT, err = BUF_INIT;
	assert_int_equal(tz_load("America/New_York", &z, &err), 0);
	struct chart_mark m = {INT64_MAX, "T1"};
	chart_timeline(&out, "x", "t", "d", &b, &m, 1, z);
	assert_null(strstr(out.p, "--"));
	chart_buckets_free(&b);
	tz_free(z);
	buf_free(&out);
	buf_free(&err);
}

/* An open chat with nothing in it: every part renders, charts included. */
static void test_empty_chat(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "", at("05:30:00"), 0, NULL);
	assert_int_equal(store_commit(st), 0);
	struct transcript *t = load_ok(st, chat);
	char *page = render_ok(t, NULL);
	keep("empty.html", page);
	check_page(t, page, NULL, 0);
	assert_non_null(strstr(page, "<h1><bdi>hcsm</bdi></h1>"));
	assert_non_null(strstr(page, "Sunday 1 November 2026, 05:30</time> UTC, still open"));
	assert_non_null(strstr(page, "Nobody took part."));
	assert_non_null(strstr(page, ">No data</text>"));
	assert_non_null(strstr(page, "<desc id=\"chart-minutes-d\">No messages.</desc>"));
	free(page);
	transcript_free(t);
	store_close(st);
}

/* Three hours, six rounds, 400 participants: the top ten only in the
 * chart, every one in the list. The first twelve lines are a chain of
 * replies: nested six deep, then flat, each saying what it answers. */
static void test_big_chat(void **state)
{
	struct store *st = store_fixture_open();
	int64_t start = at("12:00:00");
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "Marathon", start, 0, NULL);
	for (int r = 1; r <= 6; r++)
		assert_int_equal(store_round_start(st, chat, "testnet", r, "A topic", NULL, 30,
						   start + r * 1800000 - 1500000, NULL), 0);
	char nick[16], text[32], id[16], parent[16];
	int64_t ms = start;
	int n = 0;
	for (int i = 0; i < 400; i++)
		for (int k = 0; k <= (i * 7) % 5; k++) {
			snprintf(nick, sizeof nick, "p%03d", i);
			snprintf(text, sizeof text, "A%d from %s", k, nick);
			snprintf(id, sizeof id, "b%d", n);
			snprintf(parent, sizeof parent, "b%d", n - 1);
			struct event ev = {.kind = EVENT_MESSAGE, .network = "testnet", .room = "#hcsm", .nick = nick,
					   .text = text, .ts_ms = ms, .msgid = id,
					   .reply_to = n > 0 && n < 12 ? parent : NULL};
			n++;
			struct buf key = BUF_INIT;
			store_person_key(NULL, nick, &key);
			assert_int_equal(store_add_event(st, &ev, key.p, chat, -1, NULL), 1);
			buf_free(&key);
			ms += 9000; /* 1200 lines over three hours */
		}
	assert_int_equal(store_chat_close(st, chat, start + 3 * 3600000, NULL, 0, 0), 0);
	assert_int_equal(store_chat_options(st, chat, "Europe/London", false), 0);
	assert_int_equal(store_commit(st), 0);
	struct transcript *t = load_ok(st, chat);
	assert_int_equal(t->n_participants, 400);
	char *page = render_ok(t, NULL);
	keep("big.html", page);
	check_page(t, page, NULL, 0);
	assert_non_null(strstr(page, "<figcaption>Messages per minute</figcaption>"));
	assert_non_null(strstr(page, "The 10 most active of 400 participants, by messages: "));
	const char *people = strstr(page, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 480 228\" "
					  "aria-labelledby=\"chart-people-t");
	assert_non_null(people);
	assert_int_equal(count(people, "<rect class=\"bar\""), 10);
	assert_int_equal(count(page, "<li><bdi>p"), 400);
	assert_int_equal(count(page, "<line class=\"mark\""), 6);
	assert_int_equal(count(page, "<ol class=\"replies\">"), 6);
	assert_int_equal(count(page, "<a class=\"re\""), 5);
	free(page);
	transcript_free(t);
	store_close(st);
}

/* One message, in a chat across midnight: the end, and lines after
 * midnight, carry the date. */
static void test_midnight(void **state)
{
	struct store *st = store_fixture_open();
	int64_t start = clock_parse_iso("2026-11-22T04:30:00.000Z"); /* 23:30 EST on the 21st */
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "Late", start, 0, NULL);
	struct event ev = {.kind = EVENT_MESSAGE, .network = "testnet", .room = "#hcsm", .nick = "bob",
			   .text = "still here", .ts_ms = start + 40 * 60000};
	assert_int_equal(store_add_event(st, &ev, "n:bob", chat, 0, NULL), 1);
	assert_int_equal(store_chat_close(st, chat, start + 3600000, NULL, 1, 1), 0);
	assert_int_equal(store_chat_options(st, chat, "America/New_York", false), 0);
	assert_int_equal(store_commit(st), 0);
	struct transcript *t = load_ok(st, chat);
	char *page = render_ok(t, NULL);
	check_page(t, page, NULL, 0);
	assert_non_null(strstr(page, "Saturday 21 November 2026, 23:30</time> \xe2\x80\x93 <time datetime=\""
				     "2026-11-22T05:30:00.000Z\">Sunday 22 November 2026, 00:30</time> EST "
				     "(UTC\xe2\x88\x92" "05:00)"));
	assert_non_null(strstr(page, ">Sun 22 Nov 00:10</time>"));
	assert_non_null(strstr(page, "1 message from Sun 22 Nov 00:10 to Sun 22 Nov 00:10."));
	assert_non_null(strstr(page, "The one participant, by messages: bob 1."));
	assert_int_equal(count(page, "<rect class=\"bar\""), 2);
	free(page);
	transcript_free(t);
	store_close(st);
}

int main(void)
{
	store_global_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_golden_html, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pseudonyms, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test_setup_teardown(test_empty_chat, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_big_chat, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_midnight, store_fixture_setup, store_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
