/* Unit tests for bot/config.c: every key, every default, and the exact
 * messages a person reads when a config is wrong (secrets, paths and
 * files: test_config_files.c). JSON in these tests is written with single
 * quotes (turned into double quotes by j(), config_fixture.h) to keep it
 * readable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config_fixture.h"
#include "log.h"
#include "schedule.h"

/* ---- valid configs ----------------------------------------------------- */

static void test_full_config(void **state)
{
	write_file("ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
	write_file("pw", "s3cret\r\n", 0600);
	setenv("ROUNDS_TEST_PW", "env-pw", 1);
	char *path = tmp_path("conf.json");
	struct buf err = BUF_INIT;
	struct config *cfg = load_at(path, "{\n"
		"'store': '/var/lib/rounds/r.db', 'output_dir': 'site',\n"
		"'base_url': 'https://chats.example.org/archive/', 'log_level': 'debug',\n"
		"'networks': {\n"
		" 'libera': {'type': 'irc', 'host': 'irc.libera.chat', 'tls': true, 'port': 6697,\n"
		"   'tls_verify': true, 'ca_file': 'ca.pem', 'nick': 'Rounds[bot]',\n"
		"   'username': 'rounds', 'realname': 'HCSM moderator',\n"
		"   'sasl': {'account': 'roundsbot', 'password_file': 'pw'},\n"
		"   'pace': {'burst': 8, 'per_second': 2.5},\n"
		"   'reconnect': {'min_seconds': 1, 'max_seconds': 120}, 'ping_seconds': 30},\n"
		" 'test-net': {'host': '::1', 'tls': false, 'tls_verify': false, 'nick': 'r',\n"
		"   'websocket': {'path': '/irc', 'origin': 'http://chat.example',\n"
		"                 'subprotocols': ['text.ircv3.net']},\n"
		"   'sasl': {'account': 'r', 'password_env': 'ROUNDS_TEST_PW'}}},\n"
		"'chats': {\n"
		" 'hcsm': {'network': 'libera', 'room': '#HCSM', 'title': 'Healthcare social media',\n"
		"   'welcome': 'Hello!', 'disclaimer': 'Not advice.', 'rules': 'https://x.org/rules',\n"
		"   'hosts': ['alice', 'bob'], 'cohosts': ['carol'], 'ops_are_moderators': true,\n"
		"   'intro_minutes': 0.5, 'warning_minutes': 1, 'overrun_grace_minutes': 10,\n"
		"   'prefix': '.!',\n"
		"   'agenda': [{'topic': 'T one', 'minutes': 12}, {'topic': 'T two', 'minutes': 0.1}]},\n"
		" 'meded': {'network': 'test-net', 'room': '&meded', 'ops_are_moderators': true,\n"
		"   'disclaimer': '', 'welcome': '', 'agenda': [{'topic': 'Only topic'}]}}}", &err);
	if (!cfg)
		fail_msg("%s", buf_str(&err));
	char *dir = tmp_path("");
	dir[strlen(dir) - 1] = '\0';
	assert_string_equal(cfg->path, path);
	assert_string_equal(cfg->dir, dir);
	assert_string_equal(cfg->store_path, "/var/lib/rounds/r.db");
	char *site = tmp_path("site"), *ca = tmp_path("ca.pem"), *pw = tmp_path("pw");
	assert_string_equal(cfg->output_dir, site);
	assert_string_equal(cfg->base_url, "https://chats.example.org/archive");
	assert_string_equal(cfg->log_level, "debug");

	assert_int_equal(cfg->n_networks, 2);
	const struct config_network *n = &cfg->networks[0];
	assert_string_equal(n->name, "libera");
	assert_int_equal(n->type, CONFIG_NET_IRC);
	assert_string_equal(n->host, "irc.libera.chat");
	assert_int_equal(n->port, 6697);
	assert_true(n->tls);
	assert_true(n->tls_verify);
	assert_string_equal(n->ca_file, ca);
	assert_false(n->websocket);
	assert_null(n->ws_path);
	assert_string_equal(n->nick, "Rounds[bot]");
	assert_string_equal(n->username, "rounds");
	assert_string_equal(n->realname, "HCSM moderator");
	assert_string_equal(n->sasl_account, "roundsbot");
	assert_string_equal(n->sasl_password, "s3cret");
	char *src = tmp_path("pw");
	struct buf want = BUF_INIT;
	buf_printf(&want, "file %s", src);
	assert_string_equal(n->sasl_password_source, buf_str(&want));
	assert_int_equal(n->pace_burst, 8);
	assert_true(n->pace_per_second == 2.5);
	assert_true(n->reconnect_min_seconds == 1);
	assert_true(n->reconnect_max_seconds == 120);
	assert_true(n->ping_seconds == 30);

	n = &cfg->networks[1];
	assert_string_equal(n->name, "test-net");
	assert_string_equal(n->host, "::1");
	assert_false(n->tls);
	assert_false(n->tls_verify);
	assert_int_equal(n->port, 6667);
	assert_true(n->websocket);
	assert_string_equal(n->ws_path, "/irc");
	assert_string_equal(n->ws_origin, "http://chat.example");
	assert_int_equal(n->n_ws_subprotocols, 1);
	assert_string_equal(n->ws_subprotocols[0], "text.ircv3.net");
	assert_string_equal(n->sasl_password, "env-pw");
	assert_string_equal(n->sasl_password_source, "environment variable ROUNDS_TEST_PW");

	assert_int_equal(cfg->n_chats, 2);
	const struct config_chat *c = config_chat_by_name(cfg, "hcsm");
	assert_ptr_equal(c, &cfg->chats[0]);
	assert_string_equal(c->network, "libera");
	assert_int_equal(c->network_index, 0);
	assert_string_equal(c->room, "#HCSM");
	assert_string_equal(c->title, "Healthcare social media");
	assert_string_equal(c->welcome, "Hello!");
	assert_string_equal(c->disclaimer, "Not advice.");
	assert_string_equal(c->rules, "https://x.org/rules");
	assert_int_equal(c->n_hosts, 2);
	assert_string_equal(c->hosts[1], "bob");
	assert_int_equal(c->n_cohosts, 1);
	assert_string_equal(c->cohosts[0], "carol");
	assert_true(c->ops_are_moderators);
	assert_true(c->intro_minutes == 0.5);
	assert_true(c->warning_minutes == 1);
	assert_true(c->overrun_grace_minutes == 10);
	assert_string_equal(c->prefix, ".!");
	assert_int_equal(c->n_agenda, 2);
	assert_string_equal(c->agenda[0].text, "T one");
	assert_true(c->agenda[0].minutes == 12);
	assert_true(c->agenda[1].minutes == 0.1);
	assert_true(config_chat_planned_minutes(c) == 0.5 + 12 + 0.1);

	c = config_chat_by_name(cfg, "meded");
	assert_non_null(c);
	assert_int_equal(c->network_index, 1);
	assert_int_equal(c->n_hosts, 0);
	assert_null(c->disclaimer); /* "" turns it off */
	assert_string_equal(c->welcome, ""); /* no welcome at all */
	assert_string_equal(c->title, "meded");
	assert_null(config_chat_by_name(cfg, "nope"));

	buf_free(&want);
	free(src);
	free(site);
	free(ca);
	free(pw);
	free(dir);
	free(path);
	buf_free(&err);
	config_free(cfg);
	unsetenv("ROUNDS_TEST_PW");
}

static void test_defaults(void **state)
{
	struct config *cfg = ok(CFG(NET, CHAT));
	assert_string_equal(cfg->path, "/etc/rounds/conf.json");
	assert_string_equal(cfg->dir, "/etc/rounds");
	assert_string_equal(cfg->store_path, "/etc/rounds/rounds.db");
	assert_string_equal(cfg->output_dir, "/etc/rounds/transcripts");
	assert_null(cfg->base_url);
	assert_string_equal(cfg->log_level, "info");
	const struct config_network *n = &cfg->networks[0];
	assert_int_equal(n->type, CONFIG_NET_IRC);
	assert_int_equal(n->port, 6697);
	assert_true(n->tls);
	assert_true(n->tls_verify);
	assert_null(n->ca_file);
	assert_false(n->websocket);
	assert_string_equal(n->username, "rounds");
	assert_string_equal(n->realname, "rounds chat moderator");
	assert_null(n->sasl_account);
	assert_null(n->sasl_password);
	assert_null(n->sasl_password_source);
	assert_int_equal(n->pace_burst, 5);
	assert_true(n->pace_per_second == 1.0);
	assert_true(n->reconnect_min_seconds == 2);
	assert_true(n->reconnect_max_seconds == 300);
	assert_true(n->ping_seconds == 60);
	const struct config_chat *c = &cfg->chats[0];
	assert_string_equal(c->title, "hcsm");
	assert_null(c->welcome); /* the session greets with the chat's title */
	assert_string_equal(c->disclaimer,
			    "This chat is for general discussion only and is not medical advice. "
			    "Please do not share personal health details or patient information.");
	assert_null(c->rules);
	assert_int_equal(c->n_cohosts, 0);
	assert_false(c->ops_are_moderators);
	assert_true(c->intro_minutes == 5);
	assert_true(c->warning_minutes == 2);
	assert_true(c->overrun_grace_minutes == 30);
	assert_string_equal(c->prefix, "!");
	assert_int_equal(c->n_agenda, 1);
	assert_true(c->agenda[0].minutes == 10);
	assert_true(config_chat_planned_minutes(c) == 15);
	config_free(cfg);

	/* plain-text port; long nick cut to a 10-character username */
	cfg = ok(CFG("'n': {'host': 'localhost', 'tls': false, 'nick': 'a_very_long_nick'}",
		     "'c': {'network': 'n', 'room': '#c', 'hosts': ['h'], " AGENDA "}"));
	assert_int_equal(cfg->networks[0].port, 6667);
	assert_string_equal(cfg->networks[0].username, "a_very_lon");
	config_free(cfg);
}

static void test_websocket(void **state)
{
	struct config *cfg = ok(WITH_CHAT("'websocket': true"));
	const struct config_network *n = &cfg->networks[0];
	assert_true(n->websocket);
	assert_string_equal(n->ws_path, "/");
	assert_string_equal(n->ws_origin, "https://irc.libera.chat");
	assert_int_equal(n->n_ws_subprotocols, 2);
	assert_string_equal(n->ws_subprotocols[0], "text.ircv3.net");
	assert_string_equal(n->ws_subprotocols[1], "text.inspircd.org");
	config_free(cfg);

	cfg = ok(CFG("'n': {'host': '::1', 'tls': false, 'nick': 'r', 'websocket': {}}",
		     "'c': {'network': 'n', 'room': '#c', 'hosts': ['h'], " AGENDA "}"));
	n = &cfg->networks[0];
	assert_true(n->websocket);
	assert_string_equal(n->ws_path, "/");
	assert_string_equal(n->ws_origin, "http://[::1]");
	assert_int_equal(n->n_ws_subprotocols, 2);
	config_free(cfg);

	cfg = ok(WITH_CHAT("'websocket': false"));
	assert_false(cfg->networks[0].websocket);
	config_free(cfg);

	errors_are(WITH_CHAT("'websocket': 'yes'"),
		   "conf.json: networks.libera.websocket: expected true, false or an object with "
		   "\"path\", \"origin\" and \"subprotocols\", got \"yes\" (a string)\n");
	errors_are(WITH_CHAT("'websocket': {'path': 'irc', 'subprotocols': ['a', ''], 'orign': 1}"),
		   "conf.json: networks.libera.websocket.orign: unknown key (did you mean "
		   "\"origin\"?)\n"
		   "conf.json: networks.libera.websocket.path: expected a path starting with \"/\" "
		   "(no spaces or control characters), got \"irc\" (a string)\n"
		   "conf.json: networks.libera.websocket.subprotocols[1]: expected a non-empty "
		   "WebSocket subprotocol name (no spaces, commas or control characters), got \"\" "
		   "(an empty string)\n");
	errors_are(WITH_CHAT("'websocket': {'subprotocols': []}"),
		   "conf.json: networks.libera.websocket.subprotocols: expected an array of one or "
		   "more WebSocket subprotocol names, got an empty array\n");
}

static void test_ops_without_hosts(void **state)
{
	struct config *cfg = ok(CFG(NET, "'c': {'network': 'libera', 'room': '#c', "
					 "'ops_are_moderators': true, " AGENDA "}"));
	assert_int_equal(cfg->chats[0].n_hosts, 0);
	config_free(cfg);
	errors_are(CFG(NET, "'c': {'network': 'libera', 'room': '#c', " AGENDA "}"),
		   "conf.json: chats.c: missing required key \"hosts\" (the accounts that run the "
		   "chat, or set \"ops_are_moderators\": true)\n");
	errors_are(CFG(NET, "'c': {'network': 'libera', 'room': '#c', 'hosts': [], " AGENDA "}"),
		   "conf.json: chats.c.hosts: expected at least one host account (or "
		   "\"ops_are_moderators\": true), got an empty array\n");
	errors_are(CFG(NET, "'c': {'network': 'libera', 'room': '#c', 'hosts': 'alice', " AGENDA
			    "}"),
		   "conf.json: chats.c.hosts: expected an array of account names, got \"alice\" "
		   "(a string)\n");
}

/* ---- syntax ---------------------------------------------------------------- */

static void test_syntax_errors(void **state)
{
	errors_are("{\n  'store': 'x',\n  oops\n}",
		   "conf.json:3:6: invalid JSON: string or '}' expected near 'oops'\n");
	errors_are("{'networks': {}, 'networks': {}}",
		   "conf.json:1:27: invalid JSON: duplicate object key near '\"networks\"'\n");
	errors_are("", "conf.json:1:0: invalid JSON: '[' or '{' expected near end of file\n");
	errors_are("{} {}", "conf.json:1:4: invalid JSON: end of file expected near '{'\n");
	errors_are("{'a': '\\u0000'}",
		   "conf.json:1:14: invalid JSON: \\u0000 is not allowed without JSON_ALLOW_NUL "
		   "near '\"\\u0000\"'\n");
	errors_are("{'a': 'x\xc3\xa9\x01'}",
		   "conf.json:1:9: invalid JSON: control character 0x1 near '\"x\xc3\xa9'\n");
	errors_are("{'a': 'abc\xe9'}",
		   "conf.json:1:10: invalid JSON: unable to decode byte 0xe9 near '\"abc'\n");
	errors_are("[1, 2]", "conf.json: expected an object at the top level, got an array\n");
}

/* ---- types and ranges ------------------------------------------------------ */

static void test_wrong_types(void **state)
{
	errors_are(WITH_CHAT("'port': '6697'"),
		   "conf.json: networks.libera.port: expected an integer from 1 to 65535, got "
		   "\"6697\" (a string)\n");
	errors_are(WITH_CHAT("'port': 6697.0"),
		   "conf.json: networks.libera.port: expected an integer from 1 to 65535, got "
		   "6697.0\n");
	errors_are(WITH_CHAT("'tls': 'yes'"),
		   "conf.json: networks.libera.tls: expected true or false, got \"yes\" (a string)\n");
	errors_are(WITH_CHAT("'pace': [5]"),
		   "conf.json: networks.libera.pace: expected an object with \"burst\" and "
		   "\"per_second\", got an array\n");
	errors_are(WITH_NET("'ops_are_moderators': null"),
		   "conf.json: chats.hcsm.ops_are_moderators: expected true or false, got null\n");
	errors_are(WITH_NET("'title': {}"),
		   "conf.json: chats.hcsm.title: expected a title of 1 to 200 bytes without line "
		   "breaks or control characters, got an empty object\n");
	errors_are("{'store': true, 'networks': [], 'chats': {}}",
		   "conf.json: store: expected a non-empty file path (no control characters), got true "
		   "(a boolean)\n"
		   "conf.json: networks: expected an object of IRC networks by name with at least one "
		   "entry, got an empty array\n"
		   "conf.json: chats: expected an object of chats by name with at least one entry, "
		   "got an empty object\n");
	errors_are(CFG("'libera': 'irc.libera.chat'", CHAT),
		   "conf.json: networks.libera: expected an object with at least \"host\" and "
		   "\"nick\", got \"irc.libera.chat\" (a string)\n");
	errors_are(WITH_CHAT("'type': 'slack'"),
		   "conf.json: networks.libera.type: expected \"irc\" or \"matrix\", got \"slack\" "
		   "(a string)\n");
	errors_are("{'log_level': 'loud', 'networks': {" NET "}, 'chats': {" CHAT "}}",
		   "conf.json: log_level: expected one of \"error\", \"warn\", \"info\" or \"debug\", "
		   "got \"loud\" (a string)\n");
	errors_are("{'base_url': 'ftp://x', 'networks': {" NET "}, 'chats': {" CHAT "}}",
		   "conf.json: base_url: expected an http:// or https:// URL without spaces, got "
		   "\"ftp://x\" (a string)\n");
	/* long strings are cut, control characters escaped */
	errors_are(WITH_NET("'title': 'Healthcare social media, every Sunday at 9pm ET\\n'"),
		   "conf.json: chats.hcsm.title: expected a title of 1 to 200 bytes without line "
		   "breaks or control characters, got \"Healthcare social media, every S...\" (a string "
		   "of 48 bytes with \\u000a at byte 47)\n");
	errors_are(WITH_NET("'rules': 'a\\u0007b'"),
		   "conf.json: chats.hcsm.rules: expected a text of at most 2000 bytes without line "
		   "breaks or control characters (\"\" for none), got \"a\\u0007b\" (a string)\n");
}

static void test_out_of_range(void **state)
{
	errors_are(CFG(NET, "'hcsm': {'network': 'libera', 'room': '#hcsm', 'hosts': ['alice'], "
			    "'agenda': [{'topic': 'a'}, {'topic': 'b'}, {'topic': 'c', 'minutes': -3}]}"),
		   "conf.json: chats.hcsm.agenda[2].minutes: expected a number greater than 0, got "
		   "-3\n");
	errors_are(CFG(NET, "'hcsm': {'network': 'libera', 'room': '#hcsm', 'hosts': ['alice'], "
			    "'agenda': [{'topic': 'a', 'minutes': 1441}, {'topic': 'b', 'minutes': 0}]}"),
		   "conf.json: chats.hcsm.agenda[0].minutes: expected a number at most 1440, got "
		   "1441\n"
		   "conf.json: chats.hcsm.agenda[1].minutes: expected a number greater than 0, got "
		   "0\n");
	errors_are(WITH_CHAT("'port': 0"),
		   "conf.json: networks.libera.port: expected an integer from 1 to 65535, got 0\n");
	errors_are(WITH_CHAT("'port': 65536"),
		   "conf.json: networks.libera.port: expected an integer from 1 to 65535, got "
		   "65536\n");
	errors_are(WITH_CHAT("'pace': {'burst': 101, 'per_second': 0}"),
		   "conf.json: networks.libera.pace.burst: expected an integer from 1 to 100, got "
		   "101\n"
		   "conf.json: networks.libera.pace.per_second: expected a number greater than 0, "
		   "got 0\n");
	errors_are(WITH_CHAT("'pace': {'per_second': 100.5}"),
		   "conf.json: networks.libera.pace.per_second: expected a number at most 100, got "
		   "100.5\n");
	errors_are(WITH_CHAT("'ping_seconds': 4.5"),
		   "conf.json: networks.libera.ping_seconds: expected a number from 5 to 3600, got "
		   "4.5\n");
	errors_are(WITH_CHAT("'reconnect': {'min_seconds': 10, 'max_seconds': 5}"),
		   "conf.json: networks.libera.reconnect.max_seconds: expected a number at least "
		   "min_seconds (10), got 5\n");
	errors_are(WITH_CHAT("'reconnect': {'min_seconds': 600}"),
		   "conf.json: networks.libera.reconnect.min_seconds: expected a number at most "
		   "max_seconds (300 by default), got 600\n");
	errors_are(WITH_CHAT("'reconnect': {'min_seconds': 0}"),
		   "conf.json: networks.libera.reconnect.min_seconds: expected a number greater "
		   "than 0, got 0\n");
	errors_are(WITH_NET("'intro_minutes': -1, 'warning_minutes': 1440.5, "
			    "'overrun_grace_minutes': '30'"),
		   "conf.json: chats.hcsm.intro_minutes: expected a number from 0 to 1440, got -1\n"
		   "conf.json: chats.hcsm.warning_minutes: expected a number from 0 to 1440, got "
		   "1440.5\n"
		   "conf.json: chats.hcsm.overrun_grace_minutes: expected a number from 0 to 1440, "
		   "got \"30\" (a string)\n");
	struct config *cfg = ok(WITH_NET("'intro_minutes': 0, 'warning_minutes': 0"));
	assert_true(cfg->chats[0].intro_minutes == 0);
	config_free(cfg);
}

/* ---- keys ------------------------------------------------------------------ */

static void test_unknown_keys(void **state)
{
	errors_are(WITH_NET("'intro_minute': 3"),
		   "conf.json: chats.hcsm.intro_minute: unknown key (did you mean "
		   "\"intro_minutes\"?)\n");
	errors_are(WITH_CHAT("'hsot': 'x'"),
		   "conf.json: networks.libera.hsot: unknown key (did you mean \"host\"?)\n");
	errors_are("{'stores': 'x', 'networks': {" NET "}, 'chats': {" CHAT "}}",
		   "conf.json: stores: unknown key (did you mean \"store\"?)\n");
	errors_are(WITH_CHAT("'sasl': {'acount': 'x', 'password_env': 'HOME'}"),
		   "conf.json: networks.libera.sasl.acount: unknown key (did you mean "
		   "\"account\"?)\n"
		   "conf.json: networks.libera.sasl: missing required key \"account\" (the services "
		   "account to log in as)\n");
	errors_are(WITH_CHAT("'colour': 'blue'"),
		   "conf.json: networks.libera.colour: unknown key (known keys here: ca_file, host, "
		   "nick, pace, ping_seconds, port, realname, reconnect, sasl, tls, tls_verify, "
		   "type, username, websocket)\n");
	errors_are(CFG(NET, "'hcsm': {'network': 'libera', 'room': '#hcsm', 'hosts': ['alice'], "
			    "'agenda': [{'topic': 'a', 'minute': 5}]}"),
		   "conf.json: chats.hcsm.agenda[0].minute: unknown key (did you mean "
		   "\"minutes\"?)\n");
	/* keys that are not plain names are quoted in the path */
	errors_are(WITH_NET("'my key': 1"),
		   "conf.json: chats.hcsm[\"my key\"]: unknown key (known keys here: agenda, "
		   "cohosts, disclaimer, hosts, intro_minutes, mute_minutes, network, "
		   "ops_are_moderators, overrun_grace_minutes, plugins, prefix, pseudonyms, room, "
		   "rules, schedule, timezone, title, warning_minutes, welcome)\n");
}

static void test_timezone_and_publishing(void **state)
{
	struct config *cfg = ok(CFG(NET, CHAT));
	assert_string_equal(cfg->chats[0].timezone, "UTC");
	assert_false(cfg->chats[0].pseudonyms);
	assert_string_equal(cfg->archive_title, "Chat archive");
	config_free(cfg);
	cfg = ok("{'archive_title': 'HCSM chats', 'networks': {" NET "}, 'chats': {'hcsm': "
		 "{'network': 'libera', 'room': '#hcsm', 'hosts': ['alice'], 'timezone': "
		 "'America/New_York', 'pseudonyms': true, " AGENDA "}}}");
	assert_string_equal(cfg->chats[0].timezone, "America/New_York");
	assert_true(cfg->chats[0].pseudonyms);
	assert_string_equal(cfg->archive_title, "HCSM chats");
	config_free(cfg);
	errors_are(WITH_NET("'timezone': 'Mars/Olympus_Mons'"),
		   "conf.json: chats.hcsm.timezone: unknown time zone \"Mars/Olympus_Mons\" (no file "
		   "/usr/share/zoneinfo/Mars/Olympus_Mons); expected an IANA time zone name such as "
		   "\"America/New_York\"\n");
	struct buf err = BUF_INIT;
	assert_null(load_at("conf.json", WITH_NET("'timezone': '../../etc/passwd'"), &err));
	assert_non_null(strstr(buf_str(&err), "chats.hcsm.timezone: "));
	assert_non_null(strstr(buf_str(&err), "expected an IANA time zone name"));
	buf_clear(&err);
	assert_null(load_at("conf.json", WITH_NET("'timezone': 5"), &err));
	assert_non_null(strstr(buf_str(&err), "chats.hcsm.timezone: expected an IANA time zone name"));
	buf_free(&err);
}

/* A Matrix network: the homeserver's URL split into host, port, TLS and
 * path; a password or a token; rooms and hosts in Matrix's forms. */
static void test_matrix_network(void **state)
{
	setenv("ROUNDS_TEST_MX", "s3cret-token", 1);
	struct config *cfg = ok("{'networks': {'mx': {'type': 'matrix', 'homeserver': "
				"'https://matrix.example.org:8448/prefix/', 'user': '@rounds:example.org', "
				"'access_token_env': 'ROUNDS_TEST_MX'}}, 'chats': {'hcsm': {'network': 'mx', "
				"'room': '#hcsm:example.org', 'hosts': ['@alice:example.org'], " AGENDA "}}}");
	const struct config_network *n = &cfg->networks[0];
	assert_int_equal(n->type, CONFIG_NET_MATRIX);
	assert_string_equal(n->host, "matrix.example.org");
	assert_int_equal(n->port, 8448);
	assert_true(n->tls);
	assert_string_equal(n->mx_base_path, "/prefix");
	assert_string_equal(n->mx_homeserver, "https://matrix.example.org:8448/prefix");
	assert_string_equal(n->mx_token, "s3cret-token");
	assert_null(n->mx_password);
	assert_true(n->mx_sync_timeout_seconds == 30);
	assert_int_equal(n->mx_moderator_power, 50);
	assert_string_equal(cfg->chats[0].room, "#hcsm:example.org");
	config_free(cfg);
	cfg = ok("{'networks': {'mx': {'type': 'matrix', 'homeserver': 'http://127.0.0.1', 'user': "
		 "'@rounds:local', 'password_env': 'ROUNDS_TEST_MX', 'moderator_power_level': 100}}, "
		 "'chats': {'c': {'network': 'mx', 'room': '!abc:local', 'hosts': ['@a:local'], " AGENDA "}}}");
	assert_int_equal(cfg->networks[0].port, 80);
	assert_false(cfg->networks[0].tls);
	assert_string_equal(cfg->networks[0].mx_password, "s3cret-token");
	assert_int_equal(cfg->networks[0].mx_moderator_power, 100);
	config_free(cfg);
	errors_are("{'networks': {'mx': {'type': 'matrix', 'homeserver': 'ftp://x', 'user': 'rounds', "
		   "'host': 'h', 'password_env': 'ROUNDS_TEST_MX', 'access_token_env': 'ROUNDS_TEST_MX'}}, "
		   "'chats': {'c': {'network': 'mx', 'room': '#hcsm', 'hosts': ['alice'], " AGENDA "}}}",
		   "conf.json: networks.mx.host: unknown key (known keys here: access_token_env, "
		   "access_token_file, ca_file, device_id, homeserver, moderator_power_level, password_env, "
		   "password_file, reconnect, sync_timeout_seconds, tls_verify, type, user)\n"
		   "conf.json: networks.mx.homeserver: expected an http:// or https:// URL without spaces, "
		   "got \"ftp://x\" (a string)\n"
		   "conf.json: networks.mx.user: expected a Matrix user id such as \"@alice:example.org\", "
		   "got \"rounds\" (a string)\n"
		   "conf.json: networks.mx: expected a password (\"password_env\" or \"password_file\") or "
		   "an access token (\"access_token_env\" or \"access_token_file\"), got both\n"
		   "conf.json: chats.c.room: expected a Matrix room alias such as \"#hcsm:example.org\" or a "
		   "room id such as \"!abc123:example.org\", got \"#hcsm\" (a string)\n"
		   "conf.json: chats.c.hosts[0]: expected a Matrix user id such as \"@alice:example.org\", "
		   "got \"alice\" (a string)\n");
	unsetenv("ROUNDS_TEST_MX");
}

/* "plugins": by name (in plugin_dir) or by path, each with its own
 * config kept as JSON for the plugin; every mistake named. */
static void test_plugins(void **state)
{
	char dir[80], so[100], json[1200];
	snprintf(dir, sizeof dir, "%s/plugins", tmpdir);
	mkdir(dir, 0755);
	snprintf(so, sizeof so, "%s/flood.so", dir);
	FILE *f = fopen(so, "w");
	assert_non_null(f);
	fclose(f);
	char other[100];
	snprintf(other, sizeof other, "%s/custom.so", tmpdir);
	assert_non_null(f = fopen(other, "w"));
	fclose(f);

	struct config *cfg = ok(CFG(NET, CHAT));
	assert_string_equal(cfg->plugin_dir, ROUNDS_TEST_DEFAULT_PLUGIN_DIR);
	assert_int_equal(cfg->chats[0].n_plugins, 0);
	assert_true(cfg->chats[0].mute_minutes == 10);
	config_free(cfg);

	snprintf(json, sizeof json, "{'plugin_dir': '%s', 'networks': {" NET "}, 'chats': {'hcsm': "
		 "{'network': 'libera', 'room': '#hcsm', 'hosts': ['alice'], 'mute_minutes': 0, "
		 "'plugins': [{'name': 'flood', 'config': {'burst_lines': 8, 'z': [1, 'a']}}, "
		 "{'path': '%s'}], " AGENDA "}}}", dir, other);
	cfg = ok(json);
	assert_int_equal(cfg->chats[0].n_plugins, 2);
	assert_string_equal(cfg->chats[0].plugins[0].name, "flood");
	assert_string_equal(cfg->chats[0].plugins[0].path, so);
	assert_string_equal(cfg->chats[0].plugins[0].config_json, "{\"burst_lines\":8,\"z\":[1,\"a\"]}");
	assert_null(cfg->chats[0].plugins[1].name);
	assert_string_equal(cfg->chats[0].plugins[1].path, other);
	assert_string_equal(cfg->chats[0].plugins[1].config_json, "{}");
	assert_true(cfg->chats[0].mute_minutes == 0);
	config_free(cfg);

	char want[2400];
	snprintf(json, sizeof json, "{'plugin_dir': '%s', 'networks': {" NET "}, 'chats': {'hcsm': "
		 "{'network': 'libera', 'room': '#hcsm', 'hosts': ['alice'], 'plugins': ["
		 "{'name': 'privacy'}, {'name': 'Flood!'}, {'name': 'flood', 'path': 'x.so'}, {}, "
		 "{'name': 'flood', 'config': [1]}, {'name': 'flood', 'colour': 1}, 'flood'], " AGENDA
		 "}}}", dir);
	snprintf(want, sizeof want,
		 "conf.json: chats.hcsm.plugins[0].name: expected a plugin installed in %s (or set "
		 "\"plugin_dir\", or give a \"path\"), got \"privacy\" (%s/privacy.so: No such file or directory)\n"
		 "conf.json: chats.hcsm.plugins[1].name: expected a plugin name of 1 to 32 lowercase "
		 "letters, digits, \"-\" or \"_\", got \"Flood!\" (a string)\n"
		 "conf.json: chats.hcsm.plugins[2]: expected either \"name\" (a plugin in %s) or "
		 "\"path\" (a shared object), not both\n"
		 "conf.json: chats.hcsm.plugins[3]: missing required key \"name\" (a bundled plugin "
		 "such as \"flood\", or a \"path\" to a shared object)\n"
		 "conf.json: chats.hcsm.plugins[4].config: expected an object: the plugin's own "
		 "settings, got an array\n"
		 "conf.json: chats.hcsm.plugins[5].colour: unknown key (known keys here: config, "
		 "name, path)\n"
		 "conf.json: chats.hcsm.plugins[5]: expected each plugin once per chat, got %s again "
		 "(plugins[4]); one entry takes one \"config\"\n"
		 "conf.json: chats.hcsm.plugins[6]: expected an object {\"name\": ...} or "
		 "{\"path\": ...}, with an optional \"config\", got \"flood\" (a string)\n",
		 dir, dir, dir, so);
	errors_are(json, want);
	errors_are(WITH_NET("'plugins': {'name': 'flood'}"),
		   "conf.json: chats.hcsm.plugins: expected an array of plugins, each {\"name\": ...} "
		   "or {\"path\": ...}, got an object\n");
	unlink(so);
	unlink(other);
	rmdir(dir);
}

static void test_missing_required(void **state)
{
	errors_are(CFG("'libera': {'nick': 'rounds'}", CHAT),
		   "conf.json: networks.libera: missing required key \"host\" (a hostname or IP "
		   "address)\n");
	errors_are(CFG("'libera': {'host': 'h'}", CHAT),
		   "conf.json: networks.libera: missing required key \"nick\" (the bot's IRC nick)\n");
	errors_are("{}",
		   "conf.json: missing required key \"networks\" (an object of IRC networks by name)\n"
		   "conf.json: missing required key \"chats\" (an object of chats by name)\n");
	errors_are(CFG(NET, "'c': {'hosts': ['a']}"),
		   "conf.json: chats.c: missing required key \"network\" (the name of a network "
		   "under \"networks\")\n"
		   "conf.json: chats.c: missing required key \"room\" (an IRC channel such as "
		   "\"#hcsm\")\n"
		   "conf.json: chats.c: missing required key \"agenda\" (an array of topics, each "
		   "{\"topic\": ..., \"minutes\": ...})\n");
	errors_are(CFG(NET, "'c': {'network': 'libera', 'room': '#c', 'hosts': ['a'], "
			    "'agenda': [{'minutes': 5}, 'Why?']}"),
		   "conf.json: chats.c.agenda[0]: missing required key \"topic\" (the question "
		   "posted as T1, T2, ...)\n"
		   "conf.json: chats.c.agenda[1]: expected an object {\"topic\": ..., \"minutes\": "
		   "...}, got \"Why?\" (a string)\n");
}

static void test_names(void **state)
{
	errors_are(CFG("'libera chat': {'host': 'h', 'nick': 'n'}",
		       "'a.b': {'network': 'libera chat', 'room': '#c', 'hosts': ['a'], " AGENDA "}"),
		   "conf.json: networks[\"libera chat\"]: expected a network name of 1 to 32 "
		   "letters, digits, \"-\" or \"_\"\n"
		   "conf.json: chats[\"a.b\"]: expected a chat name of 1 to 32 letters, digits, "
		   "\"-\" or \"_\"\n");
	errors_are(CFG(NET, "'abcdefghijklmnopqrstuvwxyz0123456': {'network': 'libera', "
			    "'room': '#c', 'hosts': ['a'], " AGENDA "}"),
		   "conf.json: chats.abcdefghijklmnopqrstuvwxyz0123456: expected a chat name of 1 to "
		   "32 letters, digits, \"-\" or \"_\"\n");
}

static void test_nick_and_host(void **state)
{
	static const char want_nick[] =
		"expected an IRC nick (1 to 30 characters: a letter or one of []\\`_^{|} first, "
		"then letters, digits, \"-\" or those)";
	errors_are(CFG("'libera': {'host': 'h', 'nick': '1rounds'}", CHAT),
		   "conf.json: networks.libera.nick: expected an IRC nick (1 to 30 characters: a "
		   "letter or one of []\\`_^{|} first, then letters, digits, \"-\" or those), got "
		   "\"1rounds\" (a string)\n");
	struct buf want = BUF_INIT;
	buf_printf(&want, "conf.json: networks.libera.nick: %s, got \"ro unds\" (a string)\n",
		   want_nick);
	errors_are(CFG("'libera': {'host': 'h', 'nick': 'ro unds'}", CHAT), buf_str(&want));
	buf_clear(&want);
	buf_printf(&want, "conf.json: networks.libera.nick: %s, got \"-rounds\" (a string)\n",
		   want_nick);
	errors_are(CFG("'libera': {'host': 'h', 'nick': '-rounds'}", CHAT), buf_str(&want));
	buf_clear(&want);
	buf_printf(&want, "conf.json: networks.libera.nick: %s, got "
			  "\"abcdefghijabcdefghijabcdefghijX\" (a string)\n", want_nick);
	errors_are(CFG("'libera': {'host': 'h', 'nick': 'abcdefghijabcdefghijabcdefghijX'}", CHAT),
		   buf_str(&want));
	buf_free(&want);
	struct config *cfg = ok(CFG("'libera': {'host': '192.0.2.1', 'nick': '[m]{e}`^|_-9'}",
				    CHAT));
	assert_string_equal(cfg->networks[0].nick, "[m]{e}`^|_-9");
	config_free(cfg);

	errors_are(CFG("'libera': {'host': 'irc/libera', 'nick': 'n', 'username': 'a@b', "
		       "'realname': 'x\\ny'}", CHAT),
		   "conf.json: networks.libera.host: expected a hostname or IP address (at most "
		   "253 letters, digits, \".\", \"-\", \"_\" or \":\"), got \"irc/libera\" (a string)\n"
		   "conf.json: networks.libera.username: expected a username of 1 to 10 characters "
		   "without spaces or \"@\", got \"a@b\" (a string)\n"
		   "conf.json: networks.libera.realname: expected a real name of 1 to 100 bytes "
		   "without control characters, got \"x\\u000ay\" (a string)\n");
}

static void test_rooms(void **state)
{
	static const char *const bad[] = {"hcsm", "#", "#a,b", "#a b", "#bell\\u0007"};
	static const char *const shown[] = {"\"hcsm\"", "\"#\"", "\"#a,b\"", "\"#a b\"",
					    "\"#bell\\u0007\""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf json = BUF_INIT, want = BUF_INIT;
		buf_printf(&json, CFG(NET, "'c': {'network': 'libera', 'room': '%s', 'hosts': ['a'], "
					   AGENDA "}"), bad[i]);
		buf_printf(&want, "conf.json: chats.c.room: expected an IRC channel name (starting "
				  "with \"#\" or \"&\", 2 to 50 bytes, no spaces, commas or control "
				  "characters), got %s (a string)\n", shown[i]);
		errors_are(buf_str(&json), buf_str(&want));
		buf_free(&json);
		buf_free(&want);
	}
	/* 51 bytes */
	errors_are(CFG(NET, "'c': {'network': 'libera', 'room': "
			    "'#abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij', "
			    "'hosts': ['a'], " AGENDA "}"),
		   "conf.json: chats.c.room: expected an IRC channel name (starting with \"#\" or "
		   "\"&\", 2 to 50 bytes, no spaces, commas or control characters), got "
		   "\"#abcdefghijabcdefghijabcdefghija...\" (a string of 51 bytes)\n");
}

static void test_network_reference(void **state)
{
	errors_are(CFG(NET ", 'oftc': {'host': 'irc.oftc.net', 'nick': 'rounds'}",
		       "'c': {'network': 'Libera', 'room': '#c', 'hosts': ['a'], " AGENDA "}"),
		   "conf.json: chats.c.network: expected the name of a network under \"networks\" "
		   "(\"libera\", \"oftc\"), got \"Libera\" (a string)\n");
	errors_are(CFG(NET, "'c': {'network': 1, 'room': '#c', 'hosts': ['a'], " AGENDA "}"),
		   "conf.json: chats.c.network: expected the name of a network, got 1\n");
}

static void test_duplicate_room(void **state)
{
	errors_are(CFG(NET ", 'oftc': {'host': 'irc.oftc.net', 'nick': 'rounds'}",
		       CHAT ", 'other': {'network': 'oftc', 'room': '#hcsm', 'hosts': ['a'], " AGENDA
		       "}, 'again': {'network': 'libera', 'room': '#HCSM', 'hosts': ['a'], " AGENDA
		       "}, 'map': {'network': 'libera', 'room': '#[x]', 'hosts': ['a'], " AGENDA
		       "}, 'map2': {'network': 'libera', 'room': '#{X}', 'hosts': ['a'], " AGENDA "}"),
		   "conf.json: chats.again.room: expected a room no other chat uses on network "
		   "\"libera\", got \"#HCSM\" (chat \"hcsm\" already uses \"#hcsm\")\n"
		   "conf.json: chats.map2.room: expected a room no other chat uses on network "
		   "\"libera\", got \"#{X}\" (chat \"map\" already uses \"#[x]\")\n");
}

static void test_schedule(void **state)
{
	struct config *cfg = ok(WITH_NET("'timezone': 'America/New_York', "
					 "'schedule': {'weekly': 'Tuesday', 'time': '21:00'}"));
	const struct config_chat *c = &cfg->chats[0];
	assert_non_null(c->schedule);
	assert_int_equal(c->schedule->repeat, SCHEDULE_WEEKLY);
	assert_int_equal(c->schedule->weekday, 2);
	assert_int_equal(c->schedule->every_weeks, 1);
	assert_int_equal(c->schedule->hour, 21);
	/* the default reminders: a day, an hour, ten minutes */
	assert_int_equal(c->n_reminders, 3);
	assert_true(c->reminders[0] == 1440 && c->reminders[1] == 60 && c->reminders[2] == 10);
	config_free(cfg);

	cfg = ok(WITH_NET("'schedule': {'weekly': 'tue', 'every_weeks': 2, 'first': '2026-01-06', "
			  "'time': '9:05', 'until': '2026-12-31', 'reminders': [10, 0.5, 60]}"));
	c = &cfg->chats[0];
	assert_int_equal(c->schedule->every_weeks, 2);
	assert_int_equal(c->schedule->hour, 9);
	assert_int_equal(c->schedule->minute, 5);
	assert_true(c->schedule->has_first && c->schedule->has_until);
	/* sorted, largest first */
	assert_int_equal(c->n_reminders, 3);
	assert_true(c->reminders[0] == 60 && c->reminders[1] == 10 && c->reminders[2] == 0.5);
	config_free(cfg);

	cfg = ok(WITH_NET("'schedule': {'monthly': 'last Friday', 'time': '20:00:30', 'reminders': []}"));
	c = &cfg->chats[0];
	assert_int_equal(c->schedule->repeat, SCHEDULE_MONTHLY);
	assert_int_equal(c->schedule->nth, -1);
	assert_int_equal(c->schedule->weekday, 5);
	assert_int_equal(c->schedule->second, 30);
	assert_int_equal(c->n_reminders, 0);
	config_free(cfg);

	cfg = ok(WITH_NET("'schedule': {'dates': ['2026-12-24 20:00', '2027-01-07T19:30']}"));
	c = &cfg->chats[0];
	assert_int_equal(c->schedule->repeat, SCHEDULE_ONCE);
	assert_int_equal(c->schedule->n_dates, 2);
	assert_int_equal(c->schedule->dates[1].hour, 19);
	config_free(cfg);

	/* no schedule: opened by !start only */
	cfg = ok(CFG(NET, CHAT));
	assert_null(cfg->chats[0].schedule);
	config_free(cfg);

	errors_are(WITH_NET("'schedule': {'weekly': 'Tusday', 'time': '21:00'}"),
		   "conf.json: chats.hcsm.schedule.weekly: expected a day of the week, such as "
		   "\"tuesday\", got \"Tusday\" (a string)\n");
	errors_are(WITH_NET("'schedule': {'weekly': 'tuesday', 'time': '25:00'}"),
		   "conf.json: chats.hcsm.schedule.time: expected a local time \"HH:MM\" (24-hour), "
		   "such as \"21:00\", got \"25:00\" (a string)\n");
	errors_are(WITH_NET("'schedule': {'weekly': 'tuesday'}"),
		   "conf.json: chats.hcsm.schedule: missing required key \"time\" (the local time the "
		   "chat opens, such as \"21:00\")\n");
	errors_are(WITH_NET("'schedule': {'time': '21:00'}"),
		   "conf.json: chats.hcsm.schedule: expected when the chat happens: \"weekly\", "
		   "\"monthly\" or \"dates\"\n");
	errors_are(WITH_NET("'schedule': {'weekly': 'monday', 'monthly': '2nd monday', 'time': '21:00'}"),
		   "conf.json: chats.hcsm.schedule: expected one of \"weekly\" and \"monthly\", got both\n");
	errors_are(WITH_NET("'schedule': {'monthly': '6th monday', 'time': '21:00'}"),
		   "conf.json: chats.hcsm.schedule.monthly: expected the Nth weekday of the month, such "
		   "as \"2nd tuesday\" or \"last friday\", got \"6th monday\" (a string)\n");
	errors_are(WITH_NET("'schedule': {'weekly': 'tuesday', 'every_weeks': 2, 'time': '21:00'}"),
		   "conf.json: chats.hcsm.schedule: missing required key \"first\" (the date of one of "
		   "the chats, which every_weeks counts from)\n");
	errors_are(WITH_NET("'schedule': {'weekly': 'tuesday', 'every_weeks': 2, 'first': '2026-01-07', "
			    "'time': '21:00'}"),
		   "conf.json: chats.hcsm.schedule.first: expected a Tuesday (the \"weekly\" day), the "
		   "date of one of the chats, got \"2026-01-07\" (a string)\n");
	errors_are(WITH_NET("'schedule': {'monthly': '1st monday', 'every_weeks': 2, 'time': '21:00'}"),
		   "conf.json: chats.hcsm.schedule: \"every_weeks\" needs \"weekly\" (the day of the week)\n");
	errors_are(WITH_NET("'schedule': {'dates': ['2027-02-29']}"),
		   "conf.json: chats.hcsm.schedule.dates[0]: expected a date \"YYYY-MM-DD\" (1970 or "
		   "later), or a date and local time \"YYYY-MM-DD HH:MM\", got \"2027-02-29\" (a string)\n");
	errors_are(WITH_NET("'schedule': {'dates': ['2028-02-29']}"),
		   "conf.json: chats.hcsm.schedule.dates[0]: a date without a time needs the schedule's "
		   "\"time\" (or give it as \"YYYY-MM-DD HH:MM\")\n");
	errors_are(WITH_NET("'schedule': {'weekly': 'friday', 'time': '21:00', 'first': '2027-01-01', "
			    "'until': '2026-01-01'}"),
		   "conf.json: chats.hcsm.schedule.until: expected a date not before \"first\", got "
		   "\"2026-01-01\" (a string)\n");
	errors_are(WITH_NET("'schedule': {'weekly': 'friday', 'time': '21:00', 'reminders': [60, -1, 60]}"),
		   "conf.json: chats.hcsm.schedule.reminders[1]: expected a number of minutes greater than "
		   "0 and at most 10080, got -1\n"
		   "conf.json: chats.hcsm.schedule.reminders[2]: expected a number of minutes not given "
		   "twice, got 60\n");
	errors_are(WITH_NET("'schedule': {'weekly': 'friday', 'time': '21:00', 'reminder': [60]}"),
		   "conf.json: chats.hcsm.schedule.reminder: unknown key (did you mean \"reminders\"?)\n");
	errors_are(WITH_NET("'schedule': 'weekly'"),
		   "conf.json: chats.hcsm.schedule: expected an object such as {\"weekly\": \"tuesday\", "
		   "\"time\": \"21:00\"}, got \"weekly\" (a string)\n");
}

int main(void)
{
	log_set_level(LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_timezone_and_publishing),
		cmocka_unit_test(test_websocket),
		cmocka_unit_test(test_ops_without_hosts),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_nick_and_host),
		cmocka_unit_test(test_rooms),
		cmocka_unit_test(test_network_reference),
		cmocka_unit_test(test_duplicate_room),
		cmocka_unit_test(test_plugins),
		cmocka_unit_test(test_matrix_network),
		cmocka_unit_test(test_schedule),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
