/* Reading what a Matrix homeserver sends: events normalized for the core
 * (messages, notices, emotes, replies with their fallback removed,
 * threads, edits, reactions, redactions in both room-version shapes,
 * membership and names), power levels with the spec's defaults, and a
 * /sync walk that tolerates every key missing or of the wrong type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "matrix_sync.h"

static struct buf text;

static struct mx_event parse(const char *json)
{
	json_error_t err;
	json_t *ev = json_loads(json, 0, &err);
	if (!ev)
		fail_msg("bad test JSON: %s", err.text);
	struct mx_event e;
	int rc = mx_event_parse(ev, &e, &text);
	assert_int_equal(rc, 0);
	/* keep the event alive for the borrowed strings: leaked into a list */
	static json_t *keep;
	if (!keep)
		keep = json_array();
	json_array_append_new(keep, ev);
	return e;
}

#define EV(type, content) \
	"{\"type\": \"" type "\", \"event_id\": \"$e1\", \"sender\": \"@bob:x.org\", " \
	"\"origin_server_ts\": 1700000000123, \"content\": " content "}"

static void test_messages(void **state)
{
	struct mx_event e = parse(EV("m.room.message", "{\"msgtype\": \"m.text\", \"body\": \"A1 hi\"}"));
	assert_int_equal(e.kind, EVENT_MESSAGE);
	assert_string_equal(e.text, "A1 hi");
	assert_string_equal(e.event_id, "$e1");
	assert_string_equal(e.sender, "@bob:x.org");
	assert_true(e.ts == 1700000000123);
	assert_null(e.reply_to);
	e = parse(EV("m.room.message", "{\"msgtype\": \"m.notice\", \"body\": \"n\"}"));
	assert_int_equal(e.kind, EVENT_NOTICE);
	e = parse(EV("m.room.message", "{\"msgtype\": \"m.emote\", \"body\": \"waves\"}"));
	assert_int_equal(e.kind, EVENT_ACTION);
	e = parse(EV("m.room.message", "{\"msgtype\": \"m.image\", \"body\": \"scan.png\"}"));
	assert_int_equal(e.kind, EVENT_MESSAGE);
	assert_string_equal(e.text, "[image] scan.png");
	/* a message with no body and no sign of a redaction: nothing to store */
	e = parse(EV("m.room.message", "{}"));
	assert_int_equal(e.kind, 0);
	assert_null(e.redaction_id);
	/* one redacted before the bot saw it: stored empty, with its redaction */
	e = parse("{\"type\": \"m.room.message\", \"event_id\": \"$e2\", \"sender\": \"@bob:x.org\", "
		  "\"content\": {}, \"unsigned\": {\"redacted_because\": {\"type\": \"m.room.redaction\", "
		  "\"event_id\": \"$r2\", \"sender\": \"@bob:x.org\", \"origin_server_ts\": 1700000000999, "
		  "\"redacts\": \"$e2\", \"content\": {}}}}");
	assert_int_equal(e.kind, EVENT_MESSAGE);
	assert_string_equal(e.text, "");
	assert_string_equal(e.redaction_id, "$r2");
	assert_string_equal(e.redaction_sender, "@bob:x.org");
	assert_true(e.redaction_ts == 1700000000999);
	/* a redacted_because without an id or sender is not trusted */
	e = parse(EV("m.room.message", "{}, \"unsigned\": {\"redacted_because\": {\"sender\": 5}}"));
	assert_int_equal(e.kind, 0);
	assert_null(e.redaction_id);
}

static void test_replies_threads_edits(void **state)
{
	struct mx_event e = parse(EV("m.room.message",
		"{\"msgtype\": \"m.text\", \"body\": \"> <@alice:x.org> A1 hi\\n> more\\n\\nsame here\", "
		"\"m.relates_to\": {\"m.in_reply_to\": {\"event_id\": \"$orig\"}}}"));
	assert_string_equal(e.reply_to, "$orig");
	assert_string_equal(e.text, "same here");
	/* no fallback: the body stays */
	e = parse(EV("m.room.message", "{\"msgtype\": \"m.text\", \"body\": \"> quoting is fine\", "
				       "\"m.relates_to\": {\"m.in_reply_to\": {\"event_id\": \"$o\"}}}"));
	assert_string_equal(e.text, "> quoting is fine");
	e = parse(EV("m.room.message", "{\"msgtype\": \"m.text\", \"body\": \"in thread\", "
				       "\"m.relates_to\": {\"rel_type\": \"m.thread\", \"event_id\": \"$root\"}}"));
	assert_string_equal(e.reply_to, "$root");
	e = parse(EV("m.room.message", "{\"msgtype\": \"m.text\", \"body\": \"* fixed\", "
				       "\"m.new_content\": {\"msgtype\": \"m.text\", \"body\": \"fixed\"}, "
				       "\"m.relates_to\": {\"rel_type\": \"m.replace\", \"event_id\": \"$orig\"}}"));
	assert_int_equal(e.kind, EVENT_EDIT);
	assert_string_equal(e.reply_to, "$orig");
	assert_string_equal(e.text, "fixed");
}

static void test_reactions_redactions_members(void **state)
{
	struct mx_event e = parse(EV("m.reaction", "{\"m.relates_to\": {\"rel_type\": \"m.annotation\", "
						   "\"event_id\": \"$m\", \"key\": \"+1\"}}"));
	assert_int_equal(e.kind, EVENT_REACTION);
	assert_string_equal(e.reply_to, "$m");
	assert_string_equal(e.text, "+1");
	/* before room version 11 "redacts" is top-level, after in content */
	e = parse("{\"type\": \"m.room.redaction\", \"event_id\": \"$r\", \"sender\": \"@a:x\", "
		  "\"redacts\": \"$m\", \"content\": {\"reason\": \"spam\"}}");
	assert_int_equal(e.kind, EVENT_REDACTION);
	assert_string_equal(e.reply_to, "$m");
	assert_string_equal(e.text, "spam");
	e = parse(EV("m.room.redaction", "{\"redacts\": \"$m2\"}"));
	assert_string_equal(e.reply_to, "$m2");
	e = parse("{\"type\": \"m.room.member\", \"event_id\": \"$j\", \"sender\": \"@a:x\", "
		  "\"state_key\": \"@a:x\", \"content\": {\"membership\": \"join\", \"displayname\": \"Ann\"}}");
	assert_int_equal(e.kind, EVENT_JOIN);
	assert_string_equal(e.displayname, "Ann");
	e = parse("{\"type\": \"m.room.member\", \"event_id\": \"$j\", \"sender\": \"@a:x\", "
		  "\"state_key\": \"@a:x\", \"content\": {\"membership\": \"join\", \"displayname\": \"Annie\"}, "
		  "\"unsigned\": {\"prev_content\": {\"membership\": \"join\", \"displayname\": \"Ann\"}}}");
	assert_int_equal(e.kind, EVENT_NICK);
	e = parse("{\"type\": \"m.room.member\", \"event_id\": \"$k\", \"sender\": \"@mod:x\", "
		  "\"state_key\": \"@a:x\", \"content\": {\"membership\": \"leave\", \"reason\": \"bye\"}}");
	assert_int_equal(e.kind, EVENT_KICK);
	assert_string_equal(e.target, "@a:x");
	e = parse("{\"type\": \"m.room.encryption\", \"event_id\": \"$c\", \"sender\": \"@a:x\", "
		  "\"state_key\": \"\", \"content\": {\"algorithm\": \"m.megolm.v1.aes-sha2\"}}");
	assert_true(e.encrypted);
}

static void test_power_levels(void **state)
{
	assert_int_equal(mx_power_needed(NULL, "kick", false), 50);
	assert_int_equal(mx_power_needed(NULL, "m.room.power_levels", true), 0);
	assert_int_equal(mx_power_of(NULL, "@a:x"), 0);
	json_t *pl = json_loads("{\"users\": {\"@bot:x\": 75, \"@old:x\": \"60\"}, \"users_default\": 5, "
				"\"events_default\": 10, \"kick\": 40, \"events\": {\"m.room.power_levels\": 90}}",
				0, NULL);
	assert_int_equal(mx_power_of(pl, "@bot:x"), 75);
	assert_int_equal(mx_power_of(pl, "@old:x"), 60);
	assert_int_equal(mx_power_of(pl, "@new:x"), 5);
	assert_int_equal(mx_power_needed(pl, "kick", false), 40);
	assert_int_equal(mx_power_needed(pl, "ban", false), 50);
	assert_int_equal(mx_power_needed(pl, "m.room.power_levels", true), 90);
	assert_int_equal(mx_power_needed(pl, "m.room.name", true), 50); /* state_default absent */
	assert_int_equal(mx_power_to_speak(pl), 10);
	json_decref(pl);
}

struct walk_log {
	char text[2000];
};

static void w_info(void *ud, const char *room, bool limited, const char *prev)
{
	struct walk_log *l = ud;
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof l->text - n, "info %s %d %s;", room, limited, prev ? prev : "-");
}

static void w_state(void *ud, const char *room, json_t *ev)
{
	struct walk_log *l = ud;
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof l->text - n, "state %s;", json_string_value(json_object_get(ev, "event_id")));
}

static void w_timeline(void *ud, const char *room, json_t *ev)
{
	struct walk_log *l = ud;
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof l->text - n, "tl %s;", json_string_value(json_object_get(ev, "event_id")));
}

static void w_invite(void *ud, const char *room, json_t *events)
{
	struct walk_log *l = ud;
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof l->text - n, "invite %s %zu;", room, json_array_size(events));
}

static void test_walk(void **state)
{
	json_t *root = json_loads(
		"{\"next_batch\": \"s9\", \"rooms\": {\"join\": {\"!r:x\": {\"timeline\": {\"limited\": true, "
		"\"prev_batch\": \"p1\", \"events\": [{\"event_id\": \"$1\"}, 7, {\"event_id\": \"$2\"}]}, "
		"\"state\": {\"events\": [{\"event_id\": \"$s\"}]}}, \"!bad:x\": 5}, \"invite\": {\"!i:x\": "
		"{\"invite_state\": {\"events\": [{}]}}}}}", 0, NULL);
	struct walk_log l = {""};
	struct mx_sync_walk w = {&l, w_info, w_state, w_timeline, w_invite, NULL};
	assert_int_equal(mx_sync_walk(root, &w), 2); /* the 7, and !bad:x */
	assert_string_equal(l.text, "info !r:x 1 p1;state $s;tl $1;tl $2;invite !i:x 1;");
	assert_string_equal(mx_sync_next_batch(root), "s9");
	json_decref(root);
	/* an idle sync: only next_batch */
	root = json_loads("{\"next_batch\": \"s10\"}", 0, NULL);
	l.text[0] = '\0';
	assert_int_equal(mx_sync_walk(root, &w), 0);
	assert_string_equal(l.text, "");
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_replies_threads_edits),
		cmocka_unit_test(test_reactions_redactions_members),
		cmocka_unit_test(test_power_levels),
		cmocka_unit_test(test_walk),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	buf_free(&text);
	return rc;
}
