/* The SQLite store: events once per message id, chats and rounds, opt-out,
 * full-text indexing behind its watermark, schema migrations, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_mutes.h"

#include "store_fixture.h"


static int64_t scalar(struct store *st, const char *sql)
{
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK);
	int64_t v = -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* SQLite does not enforce the REFERENCES (store.c): every store a test
 * leaves is checked for a row that points nowhere */
static void close_checked(struct store *st)
{
	assert_int_equal(scalar(st, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	store_close(st);
}

static struct event msg(const char *nick, const char *text, const char *msgid, int64_t ts)
{
	return (struct event){.kind = EVENT_MESSAGE, .network = "testnet", .room = "#hcsm",
			      .nick = nick, .text = text, .msgid = msgid, .ts_ms = ts};
}

static void test_events_once_per_msgid(void **state)
{
	struct store *st = store_fixture_open();
	struct event a = msg("alice", "A1 hello", "m1", 1000);
	int64_t id;
	assert_int_equal(store_add_event(st, &a, "a:alice", 0, -1, &id), 1);
	assert_true(id > 0);
	/* the same message replayed (history on join) is stored once */
	assert_int_equal(store_add_event(st, &a, "a:alice", 0, -1, NULL), 0);
	/* same id in another room is another message */
	struct event other = a;
	other.room = "#other";
	assert_int_equal(store_add_event(st, &other, "a:alice", 0, -1, NULL), 1);
	/* messages without ids are never merged */
	struct event noid = msg("bob", "same text", NULL, 2000);
	assert_int_equal(store_add_event(st, &noid, "n:bob", 0, -1, NULL), 1);
	assert_int_equal(store_add_event(st, &noid, "n:bob", 0, -1, NULL), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(scalar(st, "SELECT count(*) FROM events"), 4);
	assert_int_equal(scalar(st, "SELECT count(*) FROM people"), 2);
	assert_int_equal(store_stats(st)->duplicates, 1);
	/* nothing of a hostmask is kept: the schema has no column for one */
	assert_int_equal(scalar(st, "SELECT count(*) FROM pragma_table_info('events') WHERE name LIKE '%host%'"), 0);
	close_checked(st);
}

static void test_msgkey_collision_loses_nothing(void **state)
{
	struct store *st = store_fixture_open();
	struct event a = msg("alice", "first", "m1", 1000);
	assert_int_equal(store_add_event(st, &a, "a:alice", 0, -1, NULL), 1);
	store_commit(st);
	/* make the stored row look like another id that hashes like "m1" */
	sqlite3_exec(store_db(st), "UPDATE events SET msgid = 'not-m1' WHERE msgid = 'm1'", NULL, NULL, NULL);
	struct event b = msg("bob", "second, same key, other id", "m1", 2000);
	assert_int_equal(store_add_event(st, &b, "n:bob", 0, -1, NULL), 1);
	store_commit(st);
	assert_int_equal(scalar(st, "SELECT count(*) FROM events"), 2);
	assert_int_equal(scalar(st, "SELECT msgkey IS NULL FROM events WHERE text LIKE 'second%'"), 1);
	close_checked(st);
}

static void test_chat_rounds_and_linking(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "HCSM weekly", 1000, 99000, "alice");
	assert_true(chat > 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 1, "Burnout?", NULL, 10, 2000, NULL), 0);
	struct event a = msg("bob", "A1 yes", "m10", 2500);
	assert_int_equal(store_add_event(st, &a, "n:bob", chat, 1, NULL), 1);
	assert_int_equal(store_round_of_msgid(st, "testnet", "#hcsm", "m10"), 1);
	assert_int_equal(store_round_of_msgid(st, "testnet", "#hcsm", "nope"), -1);
	assert_int_equal(store_round_end(st, chat, 1, 3000), 0);
	assert_int_equal(store_add_host(st, chat, "alice", false, NULL, 1000), 0);
	assert_int_equal(store_add_host(st, chat, "carol", true, "alice", 3100), 0);
	assert_int_equal(store_chat_close(st, chat, 4000, "the last topic ended", 1, 1), 0);
	assert_int_equal(store_set_transcript(st, chat, "/out/hcsm.md"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(scalar(st, "SELECT ended_ms FROM rounds WHERE chat_id = 1 AND number = 1"), 3000);
	assert_int_equal(scalar(st, "SELECT ended_ms FROM chats WHERE id = 1"), 4000);
	assert_int_equal(scalar(st, "SELECT round FROM events WHERE msgid = 'm10'"), 1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM hosts WHERE chat_id = 1 AND role = 'host'"), 1);
	close_checked(st);
}

static void test_optout(void **state)
{
	struct store *st = store_fixture_open();
	assert_int_equal(store_set_optout(st, "testnet", "a:dana", true, 5000), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(scalar(st, "SELECT optout_ms FROM people WHERE key = 'a:dana'"), 5000);
	assert_int_equal(store_set_optout(st, "testnet", "a:dana", false, 6000), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(scalar(st, "SELECT optout_ms IS NULL FROM people WHERE key = 'a:dana'"), 1);
	struct buf k = BUF_INIT;
	store_person_key("DrSmith", "drsmith_", &k);
	assert_string_equal(k.p, "a:drsmith");
	store_person_key(NULL, "guest{1}", &k);
	assert_string_equal(k.p, "n:guest{1}");
	buf_free(&k);
	close_checked(st);
}

static void test_full_text_index(void **state)
{
	struct store *st = store_fixture_open();
	struct event a = msg("a", "Telehealth helps rural patients", "x1", 1);
	struct event b = msg("b", "Burnout among nurses is real", "x2", 2);
	struct event j = {.kind = EVENT_JOIN, .network = "testnet", .room = "#hcsm", .nick = "c", .ts_ms = 3};
	struct event c = msg("c", "Caf\xc3\xa9 conversations about telehealth", "x3", 4);
	store_add_event(st, &a, "n:a", 0, -1, NULL);
	store_add_event(st, &b, "n:b", 0, -1, NULL);
	store_add_event(st, &j, "n:c", 0, -1, NULL);
	store_add_event(st, &c, "n:c", 0, -1, NULL);
	assert_int_equal(store_commit(st), 0);
	assert_true(store_index_behind(st));
	assert_int_equal(scalar(st, "SELECT count(*) FROM events_fts WHERE events_fts MATCH 'telehealth'"), 0);
	assert_int_equal(store_index_pending(st, 2), 2);
	assert_int_equal(store_index_pending(st, 0), 2);
	assert_false(store_index_behind(st));
	assert_int_equal(store_index_pending(st, 0), 0);
	assert_int_equal(scalar(st, "SELECT count(*) FROM events_fts WHERE events_fts MATCH 'telehealth'"), 2);
	/* accents do not matter */
	assert_int_equal(scalar(st, "SELECT rowid FROM events_fts WHERE events_fts MATCH 'cafe'"), 4);
	/* the index keeps no positions (detail=none, for speed): words combine
	 * with AND/OR/NOT; a phrase is matched by AND-ing its words and
	 * checking the text */
	assert_int_equal(scalar(st, "SELECT rowid FROM events_fts WHERE events_fts MATCH 'rural AND patients'"), 1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM events_fts WHERE events_fts MATCH 'telehealth NOT rural'"), 1);
	assert_int_equal(scalar(st, "SELECT rowid FROM events_fts WHERE events_fts MATCH 'tele*'"), 1);
	/* an indexed row that is edited or deleted stays in step */
	sqlite3_exec(store_db(st), "UPDATE events SET text = 'edited away' WHERE id = 1", NULL, NULL, NULL);
	assert_int_equal(scalar(st, "SELECT count(*) FROM events_fts WHERE events_fts MATCH 'telehealth'"), 1);
	assert_int_equal(scalar(st, "SELECT rowid FROM events_fts WHERE events_fts MATCH 'edited'"), 1);
	sqlite3_exec(store_db(st), "DELETE FROM events WHERE id = 2", NULL, NULL, NULL);
	assert_int_equal(scalar(st, "SELECT count(*) FROM events_fts WHERE events_fts MATCH 'nurses'"), 0);
	sqlite3_exec(store_db(st), "INSERT INTO events_fts(events_fts) VALUES('integrity-check')", NULL, NULL, NULL);
	assert_int_equal(sqlite3_errcode(store_db(st)), SQLITE_OK);
	close_checked(st);
	/* the watermark survives a restart: nothing is indexed twice */
	st = store_fixture_open();
	assert_false(store_index_behind(st));
	struct event d = msg("d", "new telehealth line", "x5", 5);
	store_add_event(st, &d, "n:d", 0, -1, NULL);
	store_commit(st);
	assert_int_equal(store_index_pending(st, 0), 1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM events_fts WHERE events_fts MATCH 'telehealth'"), 2);
	close_checked(st);
}

static void test_reopen_and_version(void **state)
{
	struct store *st = store_fixture_open();
	assert_int_equal(scalar(st, "PRAGMA user_version"), store_schema_version());
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(store_db(st), "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	assert_int_equal(scalar(st, "PRAGMA foreign_keys"), 0); /* checked by the tests instead */
	/* the index's tuning, from the migrations (6: hashsize, automerge),
	 * and the writer's page cache */
	assert_int_equal(scalar(st, "SELECT v FROM events_fts_config WHERE k = 'hashsize'"), 65536);
	assert_int_equal(scalar(st, "SELECT v FROM events_fts_config WHERE k = 'automerge'"), 16);
	assert_int_equal(scalar(st, "PRAGMA cache_size"), -128);
	/* ...and that check sees a row pointing nowhere */
	assert_int_equal(sqlite3_exec(store_db(st), "INSERT INTO events (room_id, ts_ms, kind, flags) "
				      "VALUES (4242, 1, 1, 0)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(scalar(st, "SELECT count(*) FROM pragma_foreign_key_check"), 1);
	assert_int_equal(sqlite3_exec(store_db(st), "DELETE FROM events WHERE room_id = 4242", NULL,
				      NULL, NULL), SQLITE_OK);
	close_checked(st);
	st = store_fixture_open(); /* no migration the second time */
	close_checked(st);
	/* a store from a newer rounds is refused with a clear message */
	sqlite3 *db;
	sqlite3_open(store_fixture_path, &db);
	sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL);
	sqlite3_close(db);
	struct buf err = BUF_INIT;
	assert_int_equal(store_open(store_fixture_path, &st, &err), -1);
	assert_non_null(strstr(err.p, "schema version 999, newer than this rounds"));
	buf_free(&err);
}

static void test_open_errors(void **state)
{
	struct store *st;
	struct buf err = BUF_INIT;
	assert_int_equal(store_open("/nonexistent-dir/x/rounds.db", &st, &err), -1);
	assert_non_null(strstr(err.p, "/nonexistent-dir/x/rounds.db: cannot open the store"));
	buf_clear(&err);
	char notdb[320];
	snprintf(notdb, sizeof notdb, "%s/not-a-db", store_fixture_dir);
	FILE *f = fopen(notdb, "w");
	fputs("this is not a database, just text that is long enough to matter ..........", f);
	fclose(f);
	assert_int_equal(store_open(notdb, &st, &err), -1);
	assert_non_null(strstr(err.p, "not-a-db"));
	buf_free(&err);
}

static const char *slug_of(struct store *st, int64_t chat, char *out, size_t cap)
{
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT slug FROM chats WHERE id = ?1", -1, &q, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(q, 1, chat);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return out;
}

static void test_slugs_never_collide(void **state)
{
	struct store *st = store_fixture_open();
	int64_t day = 1795305600000; /* 2026-11-22T00:00:00Z */
	int64_t a = store_chat_open(st, "libera", "#hcsm", "a", "t", day + 1000, 0, NULL);
	int64_t b = store_chat_open(st, "oftc", "#hcsm", "b", "t", day + 2000, 0, NULL);
	int64_t c = store_chat_open(st, "libera", "&hcsm", "c", "t", day + 3000, 0, NULL);
	int64_t d = store_chat_open(st, "libera", "#HCSM", "d", "t", day + 86400000, 0, NULL);
	int64_t e = store_chat_open(st, "libera", "#../../etc", "e", "t", day, 0, NULL);
	int64_t f = store_chat_open(st, "libera", "#", "f", "t", day, 0, NULL);
	assert_true(a > 0 && b > 0 && c > 0 && d > 0 && e > 0 && f > 0);
	char s[64];
	assert_string_equal(slug_of(st, a, s, sizeof s), "hcsm-2026-11-22");
	assert_string_equal(slug_of(st, b, s, sizeof s), "hcsm-2026-11-22-2");
	assert_string_equal(slug_of(st, c, s, sizeof s), "hcsm-2026-11-22-3");
	assert_string_equal(slug_of(st, d, s, sizeof s), "hcsm-2026-11-23");
	assert_string_equal(slug_of(st, e, s, sizeof s), "etc-2026-11-22");
	assert_string_equal(slug_of(st, f, s, sizeof s), "chat-2026-11-22");
	store_commit(st);
	close_checked(st);
}

static void test_readonly_open(void **state)
{
	struct store *st = store_fixture_open();
	struct event a = msg("alice", "hello", "m1", 1000);
	store_add_event(st, &a, "a:alice", 0, -1, NULL);
	store_commit(st); /* not indexed yet */
	struct store *ro;
	struct buf err = BUF_INIT;
	assert_int_equal(store_open_readonly(store_fixture_path, &ro, &err), 0);
	assert_int_equal(store_index_pending(ro, 0), -1); /* a reader never writes */
	store_close(ro);
	/* closing the reader indexed nothing: the writer still has its row to index */
	assert_true(store_index_behind(st));
	assert_int_equal(store_index_pending(st, 0), 1);
	close_checked(st);
	char missing[400];
	snprintf(missing, sizeof missing, "%s/nope.db", store_fixture_dir);
	assert_int_equal(store_open_readonly(missing, &ro, &err), -1);
	assert_non_null(strstr(err.p, "cannot open the store"));
	assert_int_equal(access(missing, F_OK), -1); /* and it was not created */
	buf_free(&err);
}

static int64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* Writes refused by the disk (here a file-size limit: EFBIG, as a full
 * disk gives ENOSPC) are kept and made later, with the ids handed out
 * while failing, and nothing is stored twice. */
static void test_full_disk_loses_nothing(void **state)
{
	signal(SIGXFSZ, SIG_IGN);
	struct store *st = store_fixture_open();
	struct event a = msg("alice", "before", "m1", 1000);
	assert_int_equal(store_add_event(st, &a, "a:alice", 0, -1, NULL), 1);
	assert_int_equal(store_commit(st), 0);
	char wal[400];
	snprintf(wal, sizeof wal, "%s-wal", store_fixture_path);
	int64_t limit = file_size(store_fixture_path) > file_size(wal) ? file_size(store_fixture_path) : file_size(wal);
	struct rlimit old, lim = {(rlim_t)limit, RLIM_INFINITY};
	getrlimit(RLIMIT_FSIZE, &old);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

	/* a transaction the disk refuses at commit */
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "Full disk", 2000, 9000, "alice");
	assert_true(chat > 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 1, "Topic one", NULL, 10, 3000, NULL), 0);
	struct event b = msg("bob", "A1 my number is 555-0100", "m2", 3500);
	int64_t b_id = 0, c_id = 0, d_id = 0;
	assert_int_equal(store_add_event(st, &b, "a:bob", chat, 1, &b_id), 1);
	assert_int_equal(store_add_verdict(st, b_id, "privacy", 2, "phone", "[[15,23]]", 3600), 0);
	assert_int_equal(store_commit(st), 0); /* kept, not lost */
	assert_true(store_failing(st));
	assert_int_equal(scalar(st, "SELECT count(*) FROM events"), 1); /* not stored yet */

	/* while failing: new writes are kept, with the ids they will get;
	 * a message id already kept is not kept twice */
	assert_int_equal(store_add_event(st, &b, "a:bob", chat, 1, NULL), 0);
	assert_int_equal(store_add_event(st, &a, "a:alice", chat, 1, NULL), 0); /* stored before */
	struct event c = msg("carol", "A1 from a new person", "m3", 4000);
	assert_int_equal(store_add_event(st, &c, "a:carol", chat, 1, &c_id), 1);
	assert_true(c_id == b_id + 1);
	struct event d = msg("dana", "no id", NULL, 4100);
	assert_int_equal(store_add_event(st, &d, "n:dana", chat, 1, &d_id), 1);
	assert_true(d_id == c_id + 1);
	assert_int_equal(store_add_verdict(st, d_id, "policy", 4, "banned word", NULL, 4200), 0);
	assert_int_equal(store_round_end(st, chat, 1, 5000), 0);
	assert_int_equal(store_chat_close(st, chat, 6000, "the last topic ended", 3, 3), 0);
	assert_int_equal(store_commit(st), 0);
	assert_true(store_failing(st)); /* the disk is still full */

	/* space again: closing tries them all */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	close_checked(st);
	st = store_fixture_open();
	assert_false(store_failing(st));
	assert_int_equal(scalar(st, "SELECT count(*) FROM events"), 4);
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE id = %lld AND msgid = 'm2' AND chat_id = %lld",
		 (long long)b_id, (long long)chat);
	assert_int_equal(scalar(st, sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE id = %lld AND msgid = 'm3'", (long long)c_id);
	assert_int_equal(scalar(st, sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM verdicts v JOIN events e ON e.id = v.event_id"
		 " WHERE (e.msgid = 'm2' AND v.plugin = 'privacy') OR (e.id = %lld AND v.plugin = 'policy')",
		 (long long)d_id);
	assert_int_equal(scalar(st, sql), 2);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM chats WHERE id = %lld AND ended_ms = 6000"
		 " AND first_event_id = %lld", (long long)chat, (long long)b_id);
	assert_int_equal(scalar(st, sql), 1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM rounds WHERE number = 1 AND ended_ms = 5000"), 1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM people"), 4);
	assert_int_equal(scalar(st, "SELECT count(*) FROM participants"), 3);
	close_checked(st);
}

/* The mutes to lift later survive a restart: listed soonest first, each
 * forgotten by what it is once done. */
static void test_mutes_kept_across_reopen(void **state)
{
	(void)state;
	struct store *st = store_fixture_open();
	assert_int_equal(store_mute_add(st, "libera", "#hcsm", "m:R:fred", 2000), 0);
	assert_int_equal(store_mute_add(st, "libera", "#hcsm", "*!*@spam.example", 1000), 0);
	assert_int_equal(store_mute_add(st, "oftc", "#bcsm", "m:R:eve", 1500), 0);
	/* the same mask again later: a second row, not the first */
	assert_int_equal(store_mute_add(st, "libera", "#hcsm", "m:R:fred", 3000), 0);
	assert_int_equal(store_commit(st), 0);
	struct store_mute *v;
	size_t n;
	assert_int_equal(store_mutes_list(st, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].mask, "*!*@spam.example");
	assert_string_equal(v[1].mask, "m:R:eve");
	assert_string_equal(v[1].network, "oftc");
	assert_string_equal(v[1].room, "#bcsm");
	assert_int_equal(v[1].until_ms, 1500);
	assert_string_equal(v[2].mask, "m:R:fred");
	assert_int_equal(v[2].until_ms, 2000);
	store_mutes_free(v, n);
	assert_int_equal(store_mute_done(st, "libera", "#hcsm", "*!*@spam.example", 1000), 0);
	assert_int_equal(store_mute_done(st, "libera", "#hcsm", "m:R:fred", 2000), 0);
	/* a mute that is not there: nothing else goes */
	assert_int_equal(store_mute_done(st, "libera", "#hcsm", "m:R:eve", 1500), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);

	st = store_fixture_open();
	assert_int_equal(store_mutes_list(st, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].mask, "m:R:eve");
	assert_string_equal(v[1].mask, "m:R:fred");
	assert_int_equal(v[1].until_ms, 3000);
	store_mutes_free(v, n);
	store_close(st);
}

int main(void)
{
	log_set_level(LOG_ERROR);
	store_global_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_events_once_per_msgid, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_msgkey_collision_loses_nothing, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_chat_rounds_and_linking, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_optout, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_slugs_never_collide, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_readonly_open, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_full_text_index, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reopen_and_version, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_loses_nothing, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_mutes_kept_across_reopen, store_fixture_setup, store_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
