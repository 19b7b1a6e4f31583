/* The plugin host: loading with the ABI checks, every API function (through
 * tests/plugins/host/testplug_full.c), refusals with their messages,
 * moderation outcomes, commands, events, timers, summaries on a real
 * transcript, and unhooking and unloading at any time (the sanitizer build
 * checks that nothing leaks or is used after being freed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libwebsockets.h>

#include "buf.h"
#include "event.h"
#include "model.h"
#include "plugin.h"
#include "store.h"
#include "store_fixture.h"

static struct buf said;
static int destroyed;
static struct plugins *unload_from_say; /* when set, say() unloads "hcsm" */

static int test_say(void *ud, const char *chat, const char *text)
{
	(void)ud;
	buf_printf(&said, "%s: %s\n", chat, text);
	if (unload_from_say) {
		struct plugins *p = unload_from_say;
		unload_from_say = NULL;
		plugins_unload_chat(p, "hcsm"); /* in the middle of a dispatch */
	}
	return 0;
}

static char full_path[512];

static struct config_plugin plugin_at(const char *file, const char *name, const char *json)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", TEST_PLUGIN_DIR, file);
	return (struct config_plugin){(char *)name, path, (char *)json};
}

/* The full test plugin, with the destructor counter in its config. */
static struct plugins *load_full(struct lws_context *ctx)
{
	struct plugin_env env = {NULL, ctx, test_say};
	struct plugins *p = plugins_new(&env);
	char json[300];
	snprintf(json, sizeof json,
		 "{\"counter\": \"%p\", \"greeting\": \"hey\", \"limits\": {\"burst\": 5}, "
		 "\"words\": [\"first\", 3, \"second\"]}",
		 (void *)&destroyed);
	snprintf(full_path, sizeof full_path, "%s/testplug_full.so", TEST_PLUGIN_DIR);
	struct config_plugin cp = {NULL, full_path, json};
	struct buf err = BUF_INIT;
	if (plugins_load(p, "hcsm", &cp, &err) != 0)
		fail_msg("load: %s", err.p);
	buf_free(&err);
	return p;
}

static struct rounds_message msg(const char *chat, const char *text, unsigned flags)
{
	return (struct rounds_message){
		.size = sizeof(struct rounds_message), .network = "testnet", .chat = chat,
		.room = "#hcsm", .nick = "bob", .account = "bob", .text = text,
		.text_len = strlen(text), .ts_ms = 1000, .round = 2, .elapsed_ms = 60000,
		.remaining_ms = 600000, .flags = flags,
	};
}

static void test_load_describe_help(void **state)
{
	destroyed = 0;
	struct plugins *p = load_full(NULL);
	assert_int_equal(plugins_count(p, "hcsm"), 1);
	assert_int_equal(plugins_count(p, "other"), 0);
	/* the hook unhooked inside init has been destroyed */
	assert_int_equal(destroyed, 1);

	struct buf out = BUF_INIT;
	plugins_describe(p, "hcsm", &out);
	assert_string_equal(out.p, "full 1.0.0 — calls every API function (ABI 1.0)");
	buf_clear(&out);
	plugins_describe(p, "other", &out);
	assert_string_equal(out.p, "No plugins are loaded for this chat.");

	buf_clear(&out);
	plugins_help(p, "hcsm", false, "!", &out);
	assert_string_equal(out.p, "!echo TEXT — say TEXT back");
	buf_clear(&out);
	plugins_help(p, "hcsm", true, "!", &out);
	assert_string_equal(out.p, "!echo TEXT — say TEXT back\n!secret — a moderators' secret");
	buf_free(&out);

	assert_true(plugins_has_command(p, "hcsm", "echo"));
	assert_false(plugins_has_command(p, "hcsm", "next"));  /* a built-in: refused */
	assert_false(plugins_has_command(p, "other", "echo"));
	assert_true(plugins_moderates(p, "hcsm"));
	assert_false(plugins_moderates(p, "other"));

	plugins_free(p);
	/* moderate, echo, secret, event, summary, timer: each destroyed once */
	assert_int_equal(destroyed, 7);
}

static void test_moderation(void **state)
{
	struct plugins *p = load_full(NULL);
	struct plugin_outcome out = {0};

	struct rounds_message m = msg("hcsm", "a fine answer", 0);
	assert_int_equal(plugins_moderate(p, &m, &out), 0);
	assert_int_equal(out.sanction, ROUNDS_ALLOW);

	m = msg("hcsm", "please hideme", 0);
	assert_int_equal(plugins_moderate(p, &m, &out), 1);
	assert_string_equal(out.verdicts[0].plugin, "full");
	assert_int_equal(out.verdicts[0].verdict, ROUNDS_HIDE);
	assert_string_equal(out.verdicts[0].reason, "hidden by the test plugin");
	assert_true(out.hide);
	assert_int_equal(out.sanction, ROUNDS_ALLOW);

	/* two verdicts from one plugin: hidden and warned */
	m = msg("hcsm", "warnme", 0);
	assert_int_equal(plugins_moderate(p, &m, &out), 2);
	assert_int_equal(out.verdicts[0].verdict, ROUNDS_HIDE);
	assert_int_equal(out.verdicts[1].verdict, ROUNDS_WARN);
	assert_true(out.hide);
	assert_int_equal(out.sanction, ROUNDS_WARN);
	assert_string_equal(out.sanction_reason, "please stop, says the test plugin");
	assert_string_equal(out.sanction_plugin, "full");

	/* spans: sorted, clamped to the text, carried by a REDACT verdict */
	m = msg("hcsm", "call 555-0100 now", 0);
	assert_int_equal(plugins_moderate(p, &m, &out), 2);
	assert_int_equal(out.verdicts[0].verdict, ROUNDS_REDACT);
	assert_string_equal(out.verdicts[0].spans, "[[5,13],[5,17]]");
	assert_string_equal(out.verdicts[0].reason, "please keep phone numbers out of the chat");
	assert_int_equal(out.verdicts[1].verdict, ROUNDS_WARN);
	assert_null(out.verdicts[1].spans);
	assert_true(out.redact);
	assert_false(out.hide);

	/* the most severe wins */
	m = msg("hcsm", "flagme muteme banme kickme", 0);
	assert_int_equal(plugins_moderate(p, &m, &out), 4);
	assert_int_equal(out.sanction, ROUNDS_BAN);
	assert_string_equal(out.sanction_reason, "banned by the test plugin");

	/* an invalid verdict is ignored */
	m = msg("hcsm", "badverdict", 0);
	assert_int_equal(plugins_moderate(p, &m, &out), 0);

	/* another chat's plugins do not see the line */
	m = msg("other", "hideme", 0);
	assert_int_equal(plugins_moderate(p, &m, &out), 0);

	/* a hook unhooking itself during dispatch: still decides this line's
	 * fate, then is gone */
	destroyed = 0;
	m = msg("hcsm", "hideme unhookme", 0);
	assert_int_equal(plugins_moderate(p, &m, &out), 1);
	assert_int_equal(destroyed, 1);
	assert_false(plugins_moderates(p, "hcsm"));
	m = msg("hcsm", "hideme", 0);
	assert_int_equal(plugins_moderate(p, &m, &out), 0);

	plugin_outcome_free(&out);
	plugins_free(p);
}

struct replies {
	struct buf text;
};

static void collect(void *ud, const char *text)
{
	struct replies *r = ud;
	buf_printf(&r->text, "%s\n", text);
}

static void test_commands(void **state)
{
	struct plugins *p = load_full(NULL);
	struct replies r = {BUF_INIT};
	struct rounds_message m = msg("hcsm", "!echo hi there", 0);
	assert_true(plugins_command(p, &m, "echo", "hi there", collect, &r));
	assert_string_equal(r.text.p, "echo from bob (bob, round 2): hi there\nsecond line\nthird line\n");

	buf_clear(&r.text);
	m = msg("hcsm", "!secret", 0);
	assert_true(plugins_command(p, &m, "secret", "", collect, &r));
	assert_string_equal(r.text.p, "Only the chat's hosts can use that command (secret).\n");
	buf_clear(&r.text);
	m = msg("hcsm", "!secret", ROUNDS_MSG_MODERATOR);
	assert_true(plugins_command(p, &m, "secret", "", collect, &r));
	assert_string_equal(r.text.p, "the secret is 42\n");

	assert_false(plugins_command(p, &m, "nosuch", "", collect, &r));
	m = msg("other", "!echo", 0);
	assert_false(plugins_command(p, &m, "echo", "", collect, &r));
	buf_free(&r.text);
	plugins_free(p);
}

static void test_events_and_unload_during_dispatch(void **state)
{
	struct plugins *p = load_full(NULL);
	buf_clear(&said);
	struct rounds_event e = {
		.size = sizeof e, .kind = ROUNDS_ROUND_STARTED, .network = "testnet", .chat = "hcsm",
		.room = "#hcsm", .title = "Burnout", .round = 2, .topic = "Access to care", .ts_ms = 5,
	};
	plugins_event(p, &e);
	assert_string_equal(said.p, "hcsm: event: round started, round 2, topic Access to care, title Burnout\n");
	e.chat = "other";
	plugins_event(p, &e);
	assert_int_equal(strlen(said.p), strlen("hcsm: event: round started, round 2, topic Access to care, title Burnout\n"));

	/* the host unloads the chat's plugins while the plugin is inside its
	 * event hook (the say it calls unloads): fini and destructors wait
	 * until the hook has returned */
	destroyed = 0;
	unload_from_say = p;
	e.chat = "hcsm";
	e.kind = ROUNDS_CHAT_ENDED;
	plugins_event(p, &e);
	assert_null(unload_from_say);
	assert_int_equal(plugins_count(p, "hcsm"), 0);
	assert_int_equal(destroyed, 6);
	plugins_event(p, &e); /* nobody left to hear it */
	plugins_free(p);
}

/* Refused plugins: each with its reason, the host still usable. */
static void expect_refused(struct plugins *p, const char *file, const char *name, const char *needle)
{
	struct config_plugin cp = plugin_at(file, name, "{}");
	struct buf err = BUF_INIT;
	assert_int_equal(plugins_load(p, "hcsm", &cp, &err), -1);
	if (!strstr(buf_str(&err), needle) || !strstr(buf_str(&err), cp.path))
		fail_msg("refusing %s: expected \"%s\" and the file in \"%s\"", file, needle, buf_str(&err));
	buf_free(&err);
}

static void test_refusals(void **state)
{
	struct plugin_env env = {NULL, NULL, test_say};
	struct plugins *p = plugins_new(&env);
	expect_refused(p, "testplug_major.so", NULL,
		       "built for plugin ABI 2.0, this bot has 1.0: the major versions must match");
	expect_refused(p, "testplug_minor.so", NULL, "built for plugin ABI 1.99, newer than this bot's 1.0");
	expect_refused(p, "testplug_nodesc.so", NULL, "not a rounds plugin: it exports no \"rounds_plugin\"");
	expect_refused(p, "testplug_small.so", NULL, "its descriptor is 8 bytes");
	expect_refused(p, "testplug_badname.so", NULL, "its name is missing or not 1 to 32 of [a-z0-9_-]");
	expect_refused(p, "no-such-plugin.so", NULL, "cannot load it");
	expect_refused(p, "testplug_full.so", "flood", "it calls itself \"full\", but the config asks for \"flood\"");

	/* init fails after registering hooks: they go, destructors run, no
	 * timer is left armed */
	destroyed = 0;
	char json[100];
	snprintf(json, sizeof json, "{\"counter\": \"%p\"}", (void *)&destroyed);
	struct config_plugin cp = plugin_at("testplug_initfail.so", NULL, json);
	struct buf err = BUF_INIT;
	assert_int_equal(plugins_load(p, "hcsm", &cp, &err), -1);
	assert_non_null(strstr(err.p, "its init failed: no word list configured"));
	assert_int_equal(destroyed, 1);
	buf_free(&err);
	assert_int_equal(plugins_count(p, NULL), 0);

	/* the same plugin twice for one chat is refused; for another chat it loads */
	cp = plugin_at("testplug_full.so", "full", "{}");
	assert_int_equal(plugins_load(p, "hcsm", &cp, &err), 0);
	assert_int_equal(plugins_load(p, "hcsm", &cp, &err), -1);
	assert_non_null(strstr(err.p, "a plugin named \"full\" is already loaded for chat hcsm"));
	assert_int_equal(plugins_load(p, "other", &cp, &err), 0);
	assert_int_equal(plugins_count(p, NULL), 2);
	buf_free(&err);
	plugins_free(p);
}

static bool guard_fired;
static struct lws_context *guard_ctx;

static void guard_cb(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	guard_fired = true;
	lws_cancel_service(guard_ctx); /* else the loop polls on until lws's next timer */
}

/* Timers run on the bot's loop: a real libwebsockets context. */
static void test_timer(void **state)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context *ctx = lws_create_context(&info);
	assert_non_null(ctx);
	/* timers need a vhost's service thread set up, as the bot's links make */
	static const struct lws_protocols protocols[] = {{"test", lws_callback_http_dummy, 0, 0, 0, NULL, 0},
							  {NULL, NULL, 0, 0, 0, NULL, 0}};
	info.protocols = protocols;
	info.vhost_name = "test";
	assert_non_null(lws_create_vhost(ctx, &info));
	buf_clear(&said);
	struct plugins *p = load_full(ctx);
	for (int i = 0; i < 200 && !strstr(buf_str(&said), "tick"); i++) {
		lws_service(ctx, 50);
		usleep(10000); /* lws_service may return at once with nothing to poll */
	}
	assert_string_equal(said.p, "hcsm: tick\n");
	plugins_free(p); /* cancels the timer: the context must not fire it later */
	/* run the loop past when the plugin's timer would fire next: our own
	 * timer ends the wait (lws_service's own timeout is not honoured) */
	static lws_sorted_usec_list_t guard;
	memset(&guard, 0, sizeof guard);
	guard_fired = false;
	guard_ctx = ctx;
	lws_sul_schedule(ctx, 0, &guard, guard_cb, 350 * LWS_US_PER_MS);
	while (!guard_fired)
		lws_service(ctx, 0);
	lws_context_destroy(ctx);
}

/* Load and unload in a loop: the sanitizer build finds any leak or
 * use-after-free across dlopen/dlclose. */
static void test_load_unload_loop(void **state)
{
	struct plugin_env env = {NULL, NULL, test_say};
	struct plugins *p = plugins_new(&env);
	struct plugin_outcome out = {0};
	for (int i = 0; i < 200; i++) {
		char json[100];
		snprintf(json, sizeof json, "{\"counter\": \"%p\"}", (void *)&destroyed);
		struct config_plugin cp = plugin_at("testplug_full.so", NULL, json);
		struct buf err = BUF_INIT;
		assert_int_equal(plugins_load(p, "hcsm", &cp, &err), 0);
		struct rounds_message m = msg("hcsm", "warnme 555-0100", 0);
		assert_int_equal(plugins_moderate(p, &m, &out), 4); /* REDACT, HIDE, WARN, WARN */
		plugins_unload_chat(p, "hcsm");
		assert_int_equal(plugins_count(p, NULL), 0);
		buf_free(&err);
	}
	plugin_outcome_free(&out);
	plugins_free(p);
}

/* A summary on a real transcript: reading it and adding a section, with
 * what a plugin must not do (a bad url, another's section) refused. */
static void test_summary(void **state)
{
	struct store *st = store_fixture_open();
	int64_t t0 = 1763750000000;
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "Burnout", t0, t0 + 3600000, "alice");
	assert_true(chat > 0);
	store_round_start(st, chat, "testnet", 1, "What drains you?", NULL, 10, t0 + 60000, NULL);
	struct event ev = {.kind = EVENT_MESSAGE, .network = "testnet", .room = "#hcsm", .nick = "bob",
			   .text = "A1 night shifts", .ts_ms = t0 + 70000, .msgid = "m1"};
	assert_int_equal(store_add_event(st, &ev, "n:bob", chat, 1, NULL), 1);
	ev = (struct event){.kind = EVENT_MESSAGE, .network = "testnet", .room = "#hcsm", .nick = "carol",
			    .text = "same here", .ts_ms = t0 + 80000, .msgid = "m2", .reply_to = "m1"};
	assert_int_equal(store_add_event(st, &ev, "n:carol", chat, 1, NULL), 1);
	ev = (struct event){.kind = EVENT_MESSAGE, .flags = EVENT_F_SELF, .network = "testnet",
			    .room = "#hcsm", .nick = "rounds", .text = "T1: What drains you?", .ts_ms = t0 + 60000};
	assert_int_equal(store_add_event(st, &ev, "n:rounds", chat, 1, NULL), 1);
	store_chat_close(st, chat, t0 + 900000, "ended", 3, 2);
	assert_int_equal(store_commit(st), 0);

	struct transcript *t = NULL;
	struct buf err = BUF_INIT;
	if (transcript_load(store_db(st), chat, &t, &err) != 0)
		fail_msg("load: %s", err.p);
	struct plugins *p = load_full(NULL);
	plugins_summarize(p, "other", t); /* not this chat's plugins */
	assert_int_equal(t->n_summaries, 0);
	plugins_summarize(p, "hcsm", t);
	assert_int_equal(t->n_summaries, 1);
	const struct transcript_summary *s = &t->summaries[0];
	assert_string_equal(s->plugin, "full");
	assert_string_equal(s->title, "Test summary");
	/* two paragraphs, the list and the table: the write to a section
	 * that is not the plugin's was refused */
	assert_int_equal(s->n_blocks, 4);
	assert_int_equal(s->blocks[0].kind, TRANSCRIPT_PARAGRAPH);
	assert_string_equal(s->blocks[0].items[0].text,
			    "Burnout: 3 messages (1 from the bot, 1 replies), 1 rounds, 2 participants "
			    "(2 first-time)");
	assert_string_equal(s->blocks[1].items[0].text, "T1 What drains you?: 3 messages");
	assert_int_equal(s->blocks[2].kind, TRANSCRIPT_LIST);
	assert_int_equal(s->blocks[2].n_items, 3);
	assert_string_equal(s->blocks[2].items[0].url, "https://pubmed.ncbi.nlm.nih.gov/1/");
	assert_null(s->blocks[2].items[1].url); /* javascript: dropped */
	assert_string_equal(s->blocks[2].items[1].text, "bad link");
	assert_int_equal(s->blocks[3].kind, TRANSCRIPT_TABLE);
	assert_int_equal(s->blocks[3].n_rows, 2);
	assert_string_equal(s->blocks[3].cells[2], "<b>x</b>"); /* plain text: escaped by renderers */
	plugins_free(p);
	transcript_free(t);
	buf_free(&err);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_describe_help),
		cmocka_unit_test(test_moderation),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_events_and_unload_during_dispatch),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_load_unload_loop),
		cmocka_unit_test_setup_teardown(test_summary, store_fixture_setup, store_fixture_teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	buf_free(&said);
	return rc;
}
