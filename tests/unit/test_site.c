/* The archive site (site.h): what publishing writes, that publishing again
 * writes only what changed, and that privacy (opt-outs, moderation,
 * pseudonyms) and hostile text hold in every published file: the chat
 * pages, the Markdown, the plain text, the JSON, the index and the feed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atom.h"
#include "clock.h"
#include "json.h"
#include "markdown.h"
#include "model.h"
#include "site.h"
#include "store.h"
#include "text.h"
#include "verdict.h"

#include "store_fixture.h"
#include "golden.h"

static const char *const formats[] = {"index.html", "transcript.md", "transcript.txt", "transcript.json"};
#define N_FORMATS (sizeof formats / sizeof formats[0])

static int64_t at(const char *iso)
{
	int64_t ms = clock_parse_iso(iso);
	assert_true(ms > 0);
	return ms;
}

static void line(struct store *st, int64_t chat, const char *room, const char *when, const char *nick,
		 const char *account, int round, const char *text, const char *msgid)
{
	struct event ev = {.kind = EVENT_MESSAGE, .network = "testnet", .room = room, .nick = nick,
			   .account = account, .text = text, .msgid = msgid, .ts_ms = at(when)};
	struct buf key = BUF_INIT;
	store_person_key(account, nick, &key);
	assert_int_equal(store_add_event(st, &ev, key.p, chat, round, NULL), 1);
	buf_free(&key);
}

static int64_t id_of(struct store *st, const char *msgid)
{
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT id FROM events WHERE msgid = ?1", -1, &q, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(q, 1, msgid, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int64_t id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return id;
}

static const char hostile_title[] = "<script>alert(1)</script> \x1b[31mRED\x1b[0m \xe2\x80\xae" "evil"
				    "\xe2\x80\xac & \"q\" 'a'\nsecond line";
static const char hostile_topic[] = "<b>bold</b> \x07" "bell \xc2\x9b" "CSI \xef\xbf\xbe nonchar \xe2\x81\xa6iso";
static const char hostile_text[] = "<img src=x onerror=alert(1)> \x1b]0;owned\x07 \xe2\x80\xae" "desrever"
				   "\r\n2026-11-28T20:09:00Z <alice> forged line";
static const char hostile_nick[] = "<evil>\x1b[2J";

struct fixture {
	int64_t a, b, c, open;
};

/* Three ended chats in different rooms and networks, and one still open:
 *   a: #hcsm, 2026-11-21, New York time; dana (who opts out later) speaks,
 *      one line has a span redacted, one is removed;
 *   b: #bcsm, 2026-11-28 (the newest), UTC, hostile title, topic and text;
 *   c: #meded on othernet, 2026-10-01, published under pseudonyms. */
static void make_archive(struct store *st, struct fixture *f)
{
	f->a = store_chat_open(st, "testnet", "#hcsm", "hcsm", "HCSM weekly: burnout", at("2026-11-21T20:00:00Z"),
			       at("2026-11-21T20:30:00Z"), "alice");
	assert_true(f->a > 0);
	assert_int_equal(store_add_host(st, f->a, "alice", false, NULL, at("2026-11-21T20:00:00Z")), 0);
	assert_int_equal(store_chat_options(st, f->a, "America/New_York", false), 0);
	assert_int_equal(store_round_start(st, f->a, "testnet", 1, "How do you rest?", NULL, 10,
					   at("2026-11-21T20:05:00Z"), NULL), 0);
	line(st, f->a, "#hcsm", "2026-11-21T20:01:00Z", "alice", "alice", 0, "Hi all, Alice here", "a1");
	line(st, f->a, "#hcsm", "2026-11-21T20:02:00Z", "dana", "dana", 0, "Dana here SECRET-DANA-INTRO", "a2");
	line(st, f->a, "#hcsm", "2026-11-21T20:06:00Z", "bob", "bob", 1, "A1 call me on SECRETSPAN please", "a3");
	line(st, f->a, "#hcsm", "2026-11-21T20:07:00Z", "dana", "dana", 1, "A1 SECRET-DANA-ANSWER", "a4");
	line(st, f->a, "#hcsm", "2026-11-21T20:08:00Z", "carol", "carol", 1, "A1 SECRETHIDE spam", "a5");
	line(st, f->a, "#hcsm", "2026-11-21T20:09:00Z", "alice", "alice", 1, "A1 sleep and walks", "a6");
	assert_int_equal(store_round_end(st, f->a, 1, at("2026-11-21T20:15:00Z")), 0);
	/* "SECRETSPAN" is bytes 14..24 of "A1 call me on SECRETSPAN please" */
	assert_int_equal(store_add_verdict(st, id_of(st, "a3"), "privacy", VERDICT_REDACT, "phone", "[[14,24]]",
					   at("2026-11-21T20:06:01Z")), 0);
	assert_int_equal(store_add_verdict(st, id_of(st, "a5"), "policy", VERDICT_HIDE, "spam", NULL,
					   at("2026-11-21T20:08:01Z")), 0);
	assert_int_equal(store_chat_close(st, f->a, at("2026-11-21T20:30:00Z"), "the last topic ended", 6, 4), 0);

	f->b = store_chat_open(st, "testnet", "#bcsm", "bcsm", hostile_title, at("2026-11-28T20:00:00Z"), 0, NULL);
	assert_true(f->b > 0);
	assert_int_equal(store_round_start(st, f->b, "testnet", 1, hostile_topic, NULL, 10,
					   at("2026-11-28T20:05:00Z"), NULL), 0);
	line(st, f->b, "#bcsm", "2026-11-28T20:06:00Z", hostile_nick, NULL, 1, hostile_text, "b1");
	line(st, f->b, "#bcsm", "2026-11-28T20:07:00Z", "erin", NULL, 1, "A1 fine, thanks", "b2");
	assert_int_equal(store_chat_close(st, f->b, at("2026-11-28T20:20:00Z"), NULL, 2, 2), 0);

	f->c = store_chat_open(st, "othernet", "#meded", "meded", "MedEd journal club", at("2026-10-01T14:00:00Z"),
			       0, "realhost");
	assert_true(f->c > 0);
	assert_int_equal(store_add_host(st, f->c, "realhost", false, NULL, at("2026-10-01T14:00:00Z")), 0);
	assert_int_equal(store_chat_options(st, f->c, "Europe/London", true), 0);
	assert_int_equal(store_round_start(st, f->c, "othernet", 1, "Best paper this month?", NULL, 10,
					   at("2026-10-01T14:05:00Z"), NULL), 0);
	struct event ev = {.kind = EVENT_MESSAGE, .network = "othernet", .room = "#meded", .nick = "realnick1",
			   .account = "realacct1", .text = "A1 the one on sleep", .ts_ms = at("2026-10-01T14:06:00Z")};
	assert_int_equal(store_add_event(st, &ev, "a:realacct1", f->c, 1, NULL), 1);
	ev.nick = "realnick2", ev.account = NULL, ev.text = "A1 agreed", ev.ts_ms += 60000;
	assert_int_equal(store_add_event(st, &ev, "n:realnick2", f->c, 1, NULL), 1);
	assert_int_equal(store_chat_close(st, f->c, at("2026-10-01T15:00:00Z"), NULL, 2, 2), 0);

	f->open = store_chat_open(st, "testnet", "#hcsm", "hcsm", "Still running", at("2026-12-05T20:00:00Z"), 0, NULL);
	assert_true(f->open > 0);
	assert_int_equal(store_commit(st), 0);
}

static char out_dir[400];

static struct site_options options(void)
{
	snprintf(out_dir, sizeof out_dir, "%s/site/out", store_fixture_dir);
	return (struct site_options){.output_dir = out_dir, .title = "HCSM <archive> & more"};
}

static struct site_stats publish_ok(struct store *st, const struct site_options *o)
{
	struct site_stats s;
	struct buf err = BUF_INIT;
	if (site_publish(store_db(st), o, &s, &err) != 0)
		fail_msg("site_publish: %s", buf_str(&err));
	buf_free(&err);
	return s;
}

/* DIR/REL's whole text; it must exist. */
static char *read_out(const char *dir, const char *rel)
{
	char path[700];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	char *s = slurp(path);
	if (!s)
		fail_msg("cannot open %s", path);
	return s;
}

static char *slug(struct store *st, int64_t chat)
{
	struct buf b = BUF_INIT, err = BUF_INIT;
	struct site_options o = options();
	assert_int_equal(site_location(store_db(st), chat, &o, &b, &err), 0);
	/* OUTPUT_DIR/SLUG/index.html */
	size_t n = strlen(out_dir) + 1;
	assert_true(strncmp(b.p, out_dir, n - 1) == 0);
	char *s = strdup(b.p + n);
	*strchr(s, '/') = '\0';
	buf_free(&b);
	buf_free(&err);
	return s;
}

static char *chat_file(struct store *st, int64_t chat, const char *file)
{
	char *s = slug(st, chat), rel[300];
	snprintf(rel, sizeof rel, "%s/%s", s, file);
	free(s);
	return read_out(out_dir, rel);
}

static ino_t inode(const char *rel)
{
	char path[1400];
	struct stat sb;
	snprintf(path, sizeof path, "%s/%s", out_dir, rel);
	if (stat(path, &sb) != 0)
		fail_msg("missing: %s", path);
	return sb.st_ino;
}

static void assert_absent(const char *where, const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("\"%s\" must not appear in %s", needle, where);
}

static void assert_present(const char *where, const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("\"%s\" must appear in %s", needle, where);
}

/* No control character but the line feed (and tab in the page's CSS), no
 * C1 control, no bidi control, no U+FFFE/U+FFFF. */
static void assert_inert_bytes(const char *where, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; p[i]; i++) {
		if ((p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7f)
			fail_msg("%s: control character %#x at byte %zu", where, p[i], i);
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			fail_msg("%s: C1 control at byte %zu", where, i);
		if (p[i] == 0xe2 && ((p[i + 1] == 0x80 && p[i + 2] >= 0xaa && p[i + 2] <= 0xae) ||
				     (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)))
			fail_msg("%s: bidi control at byte %zu", where, i);
		if (p[i] == 0xef && p[i + 1] == 0xbf && (p[i + 2] == 0xbe || p[i + 2] == 0xbf))
			fail_msg("%s: non-character at byte %zu", where, i);
	}
}

static void test_publish(void **state)
{
	struct store *st = store_fixture_open();
	struct fixture f;
	make_archive(st, &f);
	struct site_options o = options();
	struct site_stats s = publish_ok(st, &o);
	assert_int_equal(s.chats, 3);
	assert_int_equal(s.rendered, 3);
	assert_int_equal(s.files_written, 3 * N_FORMATS + 2);
	assert_int_equal(s.files_unchanged, 0);
	assert_true(s.bytes_written > 0);

	int64_t chats[] = {f.b, f.a, f.c}; /* newest first */
	for (size_t i = 0; i < 3; i++) {
		for (size_t k = 0; k < N_FORMATS; k++)
			free(chat_file(st, chats[i], formats[k]));
	}
	char *index = read_out(out_dir, "index.html");
	/* newest first, and the chat still open is not there */
	const char *prev = index;
	for (size_t i = 0; i < 3; i++) {
		char *sl = slug(st, chats[i]), href[300];
		snprintf(href, sizeof href, "href=\"%s/index.html\"", sl);
		const char *at_ = strstr(index, href);
		if (!at_ || at_ < prev)
			fail_msg("chat %s is not where it belongs in the index", sl);
		prev = at_;
		snprintf(href, sizeof href, "href=\"%s/transcript.md\"", sl);
		assert_present("the index", index, href);
		free(sl);
	}
	assert_absent("the index", index, "Still running");
	/* the counts are the transcripts' own */
	for (size_t i = 0; i < 3; i++) {
		struct transcript *t;
		struct buf err = BUF_INIT, want = BUF_INIT;
		assert_int_equal(transcript_load(store_db(st), chats[i], &t, &err), 0);
		buf_printf(&want, "%zu participant%s \xc2\xb7 %zu message%s", t->stats.participants,
			   t->stats.participants == 1 ? "" : "s", t->stats.messages - t->stats.bot_messages,
			   t->stats.messages - t->stats.bot_messages == 1 ? "" : "s");
		assert_present("the index", index, want.p);
		transcript_free(t);
		buf_free(&want);
		buf_free(&err);
	}
	/* chat a is shown in New York time */
	assert_present("the index", index, "Sat 21 Nov 2026, 15:00\xe2\x80\x93" "15:30 EST");
	assert_present("the index", index, "HCSM &lt;archive&gt; &amp; more");
	free(index);
	char *manifest = read_out(out_dir, ".rounds-site.json");
	json_error_t jerr;
	json_t *m = json_loads(manifest, 0, &jerr);
	assert_non_null(m);
	assert_int_equal(json_object_size(json_object_get(m, "chats")), 3);
	json_decref(m);
	free(manifest);

	/* nothing changed: nothing rendered, nothing written */
	s = publish_ok(st, &o);
	assert_int_equal(s.chats, 3);
	assert_int_equal(s.rendered, 0);
	assert_int_equal(s.files_written, 0);
	assert_int_equal(s.files_unchanged, 2);

	/* regenerate: everything rendered, nothing written */
	o.force = true;
	s = publish_ok(st, &o);
	assert_int_equal(s.rendered, 3);
	assert_int_equal(s.files_written, 0);
	assert_int_equal(s.files_unchanged, 3 * N_FORMATS + 2);

	/* the same, rendered by threads */
	o.jobs = 2;
	s = publish_ok(st, &o);
	assert_int_equal(s.rendered, 3);
	assert_int_equal(s.files_written, 0);
	assert_int_equal(s.files_unchanged, 3 * N_FORMATS + 2);
	store_close(st);
}

/* An opt-out renders again only the chats the person spoke in, and the
 * index and feed; files that did not change keep their inode. Files the
 * site does not know are left alone; a deleted file comes back. */
static void test_optout_rewrites_only_its_chat(void **state)
{
	struct store *st = store_fixture_open();
	struct fixture f;
	make_archive(st, &f);
	struct site_options o = options();
	publish_ok(st, &o);
	char *sa = slug(st, f.a), *sb = slug(st, f.b), *sc = slug(st, f.c), rel[1000];
	snprintf(rel, sizeof rel, "%s/notes.txt", out_dir);
	FILE *mine = fopen(rel, "w");
	assert_non_null(mine);
	fputs("the organizers' own file\n", mine);
	fclose(mine);
	ino_t before_b[N_FORMATS], before_c[N_FORMATS];
	for (size_t k = 0; k < N_FORMATS; k++) {
		snprintf(rel, sizeof rel, "%s/%s", sb, formats[k]);
		before_b[k] = inode(rel);
		snprintf(rel, sizeof rel, "%s/%s", sc, formats[k]);
		before_c[k] = inode(rel);
	}

	assert_int_equal(store_set_optout(st, "testnet", "a:dana", true, at("2026-11-22T09:00:00Z")), 0);
	assert_int_equal(store_commit(st), 0);
	o.jobs = 4; /* one chat to render: no thread */
	struct site_stats s = publish_ok(st, &o);
	o.jobs = 0;
	assert_int_equal(s.rendered, 1);
	/* chat a's four files, the index (its counts) and the feed (its summary) */
	assert_int_equal(s.files_written, N_FORMATS + 2);
	for (size_t k = 0; k < N_FORMATS; k++) {
		snprintf(rel, sizeof rel, "%s/%s", sb, formats[k]);
		assert_true(inode(rel) == before_b[k]);
		snprintf(rel, sizeof rel, "%s/%s", sc, formats[k]);
		assert_true(inode(rel) == before_c[k]);
	}
	inode("notes.txt");

	/* a file a user deleted is written again, and only it */
	snprintf(rel, sizeof rel, "%s/%s/transcript.txt", out_dir, sc);
	assert_int_equal(unlink(rel), 0);
	s = publish_ok(st, &o);
	assert_int_equal(s.rendered, 1);
	assert_int_equal(s.files_written, 1);
	inode("notes.txt");

	/* a chat that ends is published on its own, first in the index */
	struct store *rw = st;
	assert_int_equal(store_chat_close(rw, f.open, at("2026-12-05T21:00:00Z"), NULL, 0, 0), 0);
	assert_int_equal(store_commit(rw), 0);
	struct buf err = BUF_INIT;
	if (site_publish_chat(store_db(st), f.open, &o, &err) != 0)
		fail_msg("site_publish_chat: %s", buf_str(&err));
	char *index = read_out(out_dir, "index.html");
	char *so = slug(st, f.open);
	const char *first = strstr(index, "<li class=\"chat\">");
	assert_non_null(first);
	snprintf(rel, sizeof rel, "href=\"%s/index.html\"", so);
	assert_true(strstr(first, rel) && strstr(first, rel) < strstr(first + 1, "<li class=\"chat\">"));
	for (size_t k = 0; k < N_FORMATS; k++) {
		snprintf(rel, sizeof rel, "%s/%s", sb, formats[k]);
		assert_true(inode(rel) == before_b[k]);
	}
	/* a chat that has not ended cannot be published */
	int64_t later = store_chat_open(st, "testnet", "#x", "x", "x", at("2026-12-06T20:00:00Z"), 0, NULL);
	assert_int_equal(store_commit(st), 0);
	buf_clear(&err);
	assert_int_equal(site_publish_chat(store_db(st), later, &o, &err), -1);
	assert_present("the error", buf_str(&err), "has not ended");
	/* with a base URL, a chat's location is its page's URL */
	struct site_options web = o;
	web.base_url = "https://chats.example.org/archive/";
	struct buf where = BUF_INIT;
	assert_int_equal(site_location(store_db(st), f.a, &web, &where, &err), 0);
	snprintf(rel, sizeof rel, "https://chats.example.org/archive/%s/", sa);
	assert_string_equal(where.p, rel);
	buf_free(&where);
	buf_free(&err);
	free(index);
	free(so);
	free(sa);
	free(sb);
	free(sc);
	store_close(st);
}

static bool have_xmllint(void)
{
	return system("command -v xmllint >/dev/null 2>&1") == 0;
}

static void test_feed_valid_and_hostile_text_inert(void **state)
{
	struct store *st = store_fixture_open();
	struct fixture f;
	make_archive(st, &f);
	struct site_options o = options();
	o.base_url = "https://chats.example.org/a&b/";
	publish_ok(st, &o);
	char *feed = read_out(out_dir, "feed.xml");
	char *index = read_out(out_dir, "index.html");
	char *txt = chat_file(st, f.b, "transcript.txt");
	const char *names[] = {"feed.xml", "index.html", "transcript.txt"};
	const char *docs[] = {feed, index, txt};
	for (size_t i = 0; i < 3; i++) {
		assert_inert_bytes(names[i], docs[i]);
		assert_absent(names[i], docs[i], "\x1b");
	}
	for (size_t i = 0; i < 2; i++) {
		assert_absent(names[i], docs[i], "<script");
		assert_absent(names[i], docs[i], "<b>");
		assert_absent(names[i], docs[i], "<img");
		assert_absent(names[i], docs[i], "<evil");
	}
	assert_present("the feed", feed, "&lt;script&gt;alert(1)&lt;/script&gt;");
	assert_present("the index", index, "&lt;script&gt;alert(1)&lt;/script&gt;");
	/* the hostile line is one line, the forged one not a line of its own */
	const char *hl = strstr(txt, "onerror");
	assert_non_null(hl);
	const char *eol = strchr(hl, '\n');
	const char *forged = strstr(txt, "forged line");
	assert_true(forged && forged < eol);
	assert_null(strstr(txt, "\n2026-11-28T20:09:00Z <alice>"));
	assert_present("the feed", feed, "<link rel=\"self\" type=\"application/atom+xml\" "
					 "href=\"https://chats.example.org/a&amp;b/feed.xml\"/>");
	assert_present("the feed", feed, "<id>urn:uuid:");
	/* the 50 newest: here all three, newest first */
	const char *eb = strstr(feed, "<entry>"), *ea = eb ? strstr(eb + 1, "<entry>") : NULL;
	assert_non_null(ea);
	assert_present("the newest entry", eb, "#bcsm");

	if (!have_xmllint()) {
		print_message("xmllint is not installed: the feed was not validated\n");
	} else {
		char cmd[800];
		snprintf(cmd, sizeof cmd, "xmllint --noout '%s/feed.xml'", out_dir);
		assert_int_equal(system(cmd), 0);
	}
	/* the feed's ids do not move when the site does */
	char *id = strstr(feed, "<id>urn:uuid:"), keep[64];
	snprintf(keep, sizeof keep, "%.50s", id);
	o.base_url = NULL;
	publish_ok(st, &o);
	free(feed);
	feed = read_out(out_dir, "feed.xml");
	assert_present("the feed", feed, keep);
	assert_absent("the feed", feed, "rel=\"self\"");
	if (have_xmllint()) {
		char cmd[800];
		snprintf(cmd, sizeof cmd, "xmllint --noout '%s/feed.xml'", out_dir);
		assert_int_equal(system(cmd), 0);
	}
	free(feed);
	free(index);
	free(txt);
	store_close(st);
}

/* Every published format, for each guarantee. */
static void test_privacy_in_every_format(void **state)
{
	struct store *st = store_fixture_open();
	struct fixture f;
	make_archive(st, &f);
	assert_int_equal(store_set_optout(st, "testnet", "a:dana", true, at("2026-11-22T09:00:00Z")), 0);
	assert_int_equal(store_commit(st), 0);
	struct site_options o = options();
	o.jobs = 2; /* rendered by threads */
	publish_ok(st, &o);
	char *index = read_out(out_dir, "index.html"), *feed = read_out(out_dir, "feed.xml");

	/* chat a: dana opted out, one span redacted, one line removed */
	char *docs[N_FORMATS];
	for (size_t k = 0; k < N_FORMATS; k++) {
		docs[k] = chat_file(st, f.a, formats[k]);
		assert_absent(formats[k], docs[k], "SECRET-DANA");
		assert_absent(formats[k], docs[k], "Dana here");
		assert_absent(formats[k], docs[k], "SECRETSPAN");
		assert_absent(formats[k], docs[k], "SECRETHIDE");
	}
	assert_present("transcript.md", docs[1], "2 messages from people who opted out are not shown.");
	assert_present("transcript.md", docs[1], "A1 call me on \\[redacted\\] please");
	assert_present("transcript.md", docs[1], "\\[removed by a moderator\\]");
	assert_present("transcript.txt", docs[2], "Withheld:   2 messages from 1 person who opted out");
	assert_present("transcript.txt", docs[2], "<bob> A1 call me on [redacted] please");
	assert_present("transcript.txt", docs[2], "<carol> [removed by a moderator]");
	json_error_t jerr;
	json_t *j = json_loads(docs[3], 0, &jerr);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "withheld"), "messages")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "stats"), "redacted_messages")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "stats"), "removed_messages")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "chat"), "timezone")),
			    "America/New_York");
	json_decref(j);
	assert_present("transcript.json", docs[3], "A1 call me on [redacted] please");
	assert_present("index.html (chat)", docs[0], "redacted");
	assert_present("index.html (chat)", docs[0], "removed by a moderator");
	assert_present("the index", index, "2 withheld");
	assert_present("the feed", feed, "2 withheld");
	for (size_t k = 0; k < N_FORMATS; k++)
		free(docs[k]);

	/* chat c: pseudonyms, so no real name in any file */
	for (size_t k = 0; k < N_FORMATS; k++) {
		docs[k] = chat_file(st, f.c, formats[k]);
		assert_absent(formats[k], docs[k], "realnick1");
		assert_absent(formats[k], docs[k], "realnick2");
		assert_absent(formats[k], docs[k], "realacct1");
		assert_absent(formats[k], docs[k], "realhost");
		assert_present(formats[k], docs[k], "the one on sleep");
	}
	for (size_t k = 0; k < N_FORMATS; k++)
		free(docs[k]);
	const char *arch[] = {index, feed};
	for (size_t i = 0; i < 2; i++) {
		assert_absent("the archive", arch[i], "SECRET");
		assert_absent("the archive", arch[i], "realnick");
		assert_absent("the archive", arch[i], "realhost");
		assert_absent("the archive", arch[i], "dana");
	}
	free(index);
	free(feed);
	store_close(st);
}

/* text_clean and atom_escape on their own. */
static void test_escapers(void **state)
{
	struct buf b = BUF_INIT;
	text_cleans(&b, "a\tb\nc\r\x1b[1m\x7f\xc2\x85\xe2\x80\xa8z\xff");
	assert_string_equal(b.p, "a b c \xef\xbf\xbd[1m\xef\xbf\xbd\xef\xbf\xbd z\xef\xbf\xbd");
	buf_clear(&b);
	atom_escape(&b, "<a href=\"x\">'&'</a>\x01\xef\xbf\xbf");
	assert_string_equal(b.p, "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;\xef\xbf\xbd\xef\xbf\xbd");
	buf_clear(&b);
	atom_format_time(at("2026-11-21T20:35:00.250Z"), &b);
	assert_string_equal(b.p, "2026-11-21T20:35:00Z");
	buf_free(&b);
}

/* The JSON is written directly, byte for byte as jansson would dump the
 * same document: hostile text, control characters and all. */
static void test_json_as_jansson_writes_it(void **state)
{
	struct store *st = store_fixture_open();
	struct fixture f;
	make_archive(st, &f);
	int64_t chats[] = {f.a, f.b, f.c};
	for (size_t i = 0; i < 3; i++) {
		struct transcript *t;
		struct buf err = BUF_INIT;
		assert_int_equal(transcript_load(store_db(st), chats[i], &t, &err), 0);
		size_t sum = transcript_add_summary(t, "p", "S \"1\"\n");
		const char *cells[] = {"a\tb", "\x01", "\xe2\x80\xae", "ok"};
		transcript_summary_table(t, sum, cells, 2, 2);
		transcript_summary_paragraph(t, sum, "");
		for (int pretty = 0; pretty < 2; pretty++) {
			struct buf mine = BUF_INIT;
			assert_int_equal(tjson_render(t, pretty ? TJSON_PRETTY : 0, &mine), 0);
			json_error_t jerr;
			json_t *doc = json_loads(mine.p, 0, &jerr);
			if (!doc)
				fail_msg("invalid JSON: %s", jerr.text);
			char *theirs = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10) |
							       (pretty ? JSON_INDENT(2) : JSON_COMPACT));
			assert_non_null(theirs);
			assert_int_equal(mine.len, strlen(theirs) + 1);
			assert_memory_equal(mine.p, theirs, mine.len - 1);
			free(theirs);
			json_decref(doc);
			buf_free(&mine);
		}
		json_t *built = tjson_build(t);
		assert_non_null(built);
		json_decref(built);
		transcript_free(t);
		buf_free(&err);
	}
	store_close(st);
}

/* A chat in New York across the end of daylight saving time: 01:30 EDT
 * to 01:30 EST, an hour later. Every format says which 01:30 it means. */
static void test_times_across_dst(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm", "DST", at("2026-11-01T05:30:00Z"),
				       0, NULL);
	assert_true(chat > 0);
	assert_int_equal(store_chat_options(st, chat, "America/New_York", false), 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 1, "one", NULL, 10, at("2026-11-01T05:35:00Z"),
					   NULL), 0);
	line(st, chat, "#hcsm", "2026-11-01T05:40:00Z", "bob", NULL, 1, "before the change", "d1");
	line(st, chat, "#hcsm", "2026-11-01T06:10:00Z", "bob", NULL, 1, "after the change", "d2");
	assert_int_equal(store_chat_close(st, chat, at("2026-11-01T06:30:00Z"), NULL, 2, 1), 0);
	assert_int_equal(store_commit(st), 0);
	struct transcript *t;
	struct buf err = BUF_INIT, out = BUF_INIT;
	assert_int_equal(transcript_load(store_db(st), chat, &t, &err), 0);
	markdown_render(t, &out);
	assert_present("the Markdown", out.p,
		       "- **When:** 2026-11-01 01:30 EDT (UTC\xe2\x88\x92" "04:00) \xe2\x80\x93 "
		       "2026-11-01 01:30 EST (UTC\xe2\x88\x92" "05:00)\n");
	assert_present("the Markdown", out.p, "- **bob** (01:40): before the change");
	assert_present("the Markdown", out.p, "- **bob** (01:10 EST): after the change");
	buf_clear(&out);
	text_render(t, &out);
	assert_present("the text", out.p, "Started:    2026-11-01T05:30:00Z (2026-11-01 01:30 EDT, UTC\xe2\x88\x92" "04:00)");
	assert_present("the text", out.p, "Ended:      2026-11-01T06:30:00Z (2026-11-01 01:30 EST, UTC\xe2\x88\x92" "05:00)");
	buf_clear(&out);
	tjson_render(t, 0, &out);
	assert_present("the JSON", out.p, "\"time_local\":\"2026-11-01T01:40:00.000-04:00\"");
	assert_present("the JSON", out.p, "\"time_local\":\"2026-11-01T01:10:00.000-05:00\"");
	transcript_free(t);
	buf_free(&out);
	buf_free(&err);
	store_close(st);
}

/* Errors: no output directory; a path that cannot be a directory. */
static void test_errors(void **state)
{
	struct store *st = store_fixture_open();
	struct fixture f;
	make_archive(st, &f);
	struct site_options o = {0};
	struct buf err = BUF_INIT;
	assert_int_equal(site_publish(store_db(st), &o, NULL, &err), -1);
	assert_present("the error", buf_str(&err), "no output directory");
	buf_clear(&err);
	char file[400];
	snprintf(file, sizeof file, "%s/plainfile", store_fixture_dir);
	FILE *x = fopen(file, "w");
	assert_non_null(x);
	fclose(x);
	o.output_dir = file;
	assert_int_equal(site_publish(store_db(st), &o, NULL, &err), -1);
	assert_true(err.len > 0);
	buf_free(&err);
	store_close(st);
}

int main(void)
{
	store_global_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_publish, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_optout_rewrites_only_its_chat, store_fixture_setup,
						store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_feed_valid_and_hostile_text_inert, store_fixture_setup,
						store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_privacy_in_every_format, store_fixture_setup,
						store_fixture_teardown),
		cmocka_unit_test(test_escapers),
		cmocka_unit_test_setup_teardown(test_json_as_jansson_writes_it, store_fixture_setup,
						store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_times_across_dst, store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_errors, store_fixture_setup, store_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
