/* Unit tests for bot/config.c, the config as files: passwords inline,
 * from the environment and from files (and their permissions), CA files,
 * relative paths, many errors at once and their cap, loading a file and
 * `check-config`'s explanation. The keys themselves are test_config.c's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config_fixture.h"
#include "log.h"

/* ---- secrets ---------------------------------------------------------------- */

static void test_inline_password(void **state)
{
	errors_are(WITH_CHAT("'sasl': {'account': 'bot', 'password': 'hunter2'}"),
		   "conf.json: networks.libera.sasl.password: passwords are never stored in the "
		   "config: use password_env or password_file\n");
	errors_are(WITH_CHAT("'password': 'hunter2'"),
		   "conf.json: networks.libera.password: passwords are never stored in the config: "
		   "use password_env or password_file under \"sasl\"\n");
	errors_are(WITH_CHAT("'sasl': {'account': 'bot'}"),
		   "conf.json: networks.libera.sasl: expected exactly one of \"password_env\" (an "
		   "environment variable holding the password) or \"password_file\" (a file whose "
		   "first line is the password), got neither\n");
	errors_are(WITH_CHAT("'sasl': {'account': 'bot', 'password_env': 'A', 'password_file': "
			     "'b'}"),
		   "conf.json: networks.libera.sasl: expected exactly one of \"password_env\" or "
		   "\"password_file\", got both\n");
	errors_are(WITH_CHAT("'sasl': 'bot:hunter2'"),
		   "conf.json: networks.libera.sasl: expected an object with \"account\" and "
		   "\"password_env\" or \"password_file\", got \"bot:hunter2\" (a string)\n");
}

static void test_password_env(void **state)
{
	unsetenv("ROUNDS_TEST_UNSET");
	errors_are(WITH_CHAT("'sasl': {'account': 'bot', 'password_env': 'ROUNDS_TEST_UNSET'}"),
		   "conf.json: networks.libera.sasl.password_env: expected a set, non-empty "
		   "environment variable, got \"ROUNDS_TEST_UNSET\" (which is not set)\n");
	setenv("ROUNDS_TEST_EMPTY", "", 1);
	errors_are(WITH_CHAT("'sasl': {'account': 'bot', 'password_env': 'ROUNDS_TEST_EMPTY'}"),
		   "conf.json: networks.libera.sasl.password_env: expected a set, non-empty "
		   "environment variable, got \"ROUNDS_TEST_EMPTY\" (which is empty)\n");
	unsetenv("ROUNDS_TEST_EMPTY");
	errors_are(WITH_CHAT("'sasl': {'account': 'bot', 'password_env': '1-PW'}"),
		   "conf.json: networks.libera.sasl.password_env: expected an environment variable "
		   "name (letters, digits and \"_\", not starting with a digit), got \"1-PW\" (a "
		   "string)\n");
	setenv("ROUNDS_TEST_PW", "correct horse", 1);
	struct config *cfg =
		ok(WITH_CHAT("'sasl': {'account': 'bot', 'password_env': 'ROUNDS_TEST_PW'}"));
	assert_string_equal(cfg->networks[0].sasl_account, "bot");
	assert_string_equal(cfg->networks[0].sasl_password, "correct horse");
	assert_string_equal(cfg->networks[0].sasl_password_source,
			    "environment variable ROUNDS_TEST_PW");
	struct buf out = BUF_INIT;
	config_explain(cfg, &out);
	assert_non_null(strstr(buf_str(&out), "SASL login as bot, password from environment "
					      "variable ROUNDS_TEST_PW"));
	assert_null(strstr(buf_str(&out), "correct horse"));
	buf_free(&out);
	config_free(cfg);
	unsetenv("ROUNDS_TEST_PW");
}

static void test_password_file(void **state)
{
	char *conf = tmp_path("conf.json"), *missing = tmp_path("nope"), *empty = tmp_path("empty");
	char *pw = tmp_path("pw-open");
	write_file("empty", "\r\n", 0600);
	write_file("pw-open", "open sesame\nsecond line\n", 0644);
	struct buf err = BUF_INIT, want = BUF_INIT, log = BUF_INIT;

	assert_null(load_at(conf, WITH_CHAT("'sasl': {'account': 'b', 'password_file': 'nope'}"),
			    &err));
	buf_printf(&want, "%s: networks.libera.sasl.password_file: expected a readable file whose "
			  "first line is the password, got \"nope\" (%s: No such file or directory)\n", conf, missing);
	assert_string_equal(buf_str(&err), buf_str(&want));
	buf_clear(&err);
	buf_clear(&want);

	assert_null(load_at(conf, WITH_CHAT("'sasl': {'account': 'b', 'password_file': 'empty'}"),
			    &err));
	buf_printf(&want, "%s: networks.libera.sasl.password_file: expected a readable file whose "
			  "first line is the password, got \"empty\" (%s: the first line is "
			  "empty)\n", conf, empty);
	assert_string_equal(buf_str(&err), buf_str(&want));
	buf_clear(&err);
	buf_clear(&want);

	assert_null(load_at(conf, WITH_CHAT("'sasl': {'account': 'b', 'password_file': '.'}"),
			    &err));
	buf_printf(&want, "%s: networks.libera.sasl.password_file: expected a readable file whose "
			  "first line is the password, got \".\" (%s: not a regular file)\n", conf, tmpdir);
	assert_string_equal(buf_str(&err), buf_str(&want));
	buf_clear(&err);
	buf_clear(&want);

	/* readable by others: loads, with a warning naming the file (not the password) */
	struct config *cfg = load_capturing(
		conf, WITH_CHAT("'sasl': {'account': 'b', 'password_file': './pw-open'}"), &err, &log);
	assert_non_null(cfg);
	assert_string_equal(cfg->networks[0].sasl_password, "open sesame");
	buf_printf(&want, "file %s", pw);
	assert_string_equal(cfg->networks[0].sasl_password_source, buf_str(&want));
	buf_clear(&want);
	buf_printf(&want, "warn  %s: password file %s is readable by group or others (mode 644): "
			  "chmod 600 it\n", conf, pw);
	assert_non_null(strstr(buf_str(&log), buf_str(&want)));
	assert_null(strstr(buf_str(&log), "sesame"));
	config_free(cfg);

	/* a private file: no warning */
	write_file("pw-open", "open sesame", 0600);
	buf_clear(&log);
	cfg = load_capturing(conf, WITH_CHAT("'sasl': {'account': 'b', 'password_file': "
					     "'pw-open'}"), &err, &log);
	assert_non_null(cfg);
	assert_string_equal(cfg->networks[0].sasl_password, "open sesame");
	assert_string_equal(buf_str(&log), "");
	config_free(cfg);

	free(conf);
	free(missing);
	free(empty);
	free(pw);
	buf_free(&err);
	buf_free(&want);
	buf_free(&log);
}

static void test_ca_file(void **state)
{
	char *conf = tmp_path("conf.json"), *ca = tmp_path("ca-missing.pem");
	struct buf err = BUF_INIT, want = BUF_INIT;
	assert_null(load_at(conf, WITH_CHAT("'ca_file': 'ca-missing.pem'"), &err));
	buf_printf(&want, "%s: networks.libera.ca_file: expected a readable file, got "
			  "\"ca-missing.pem\" (%s: No such file or directory)\n", conf, ca);
	assert_string_equal(buf_str(&err), buf_str(&want));

	write_file("ca2.pem", "x", 0644);
	struct config *cfg = load_at(conf, WITH_CHAT("'ca_file': 'ca2.pem'"), &err);
	assert_non_null(cfg);
	free(ca);
	ca = tmp_path("ca2.pem");
	assert_string_equal(cfg->networks[0].ca_file, ca);
	config_free(cfg);
	buf_clear(&err);
	buf_clear(&want);
	assert_null(load_at(conf, WITH_CHAT("'tls': false, 'ca_file': 'ca2.pem'"), &err));
	buf_printf(&want, "%s: networks.libera.ca_file: only meaningful with \"tls\": true (this "
			  "network has \"tls\": false)\n", conf);
	assert_string_equal(buf_str(&err), buf_str(&want));

	errors_are(WITH_CHAT("'tls': false, 'tls_verify': true"),
		   "conf.json: networks.libera.tls_verify: only meaningful with \"tls\": true (this "
		   "network has \"tls\": false)\n");
	free(conf);
	free(ca);
	buf_free(&err);
	buf_free(&want);
}

/* ---- paths, many errors, files -------------------------------------------- */

static void test_relative_paths(void **state)
{
	struct buf err = BUF_INIT;
	struct config *cfg = load_at("/srv/chats/./conf/rounds.json",
				     "{'store': 'data//r.db', 'output_dir': '../www/./site/', "
				     "'networks': {" NET "}, 'chats': {" CHAT "}}", &err);
	assert_non_null(cfg);
	assert_string_equal(cfg->dir, "/srv/chats/conf");
	assert_string_equal(cfg->store_path, "/srv/chats/conf/data/r.db");
	assert_string_equal(cfg->output_dir, "/srv/chats/conf/../www/site");
	config_free(cfg);

	/* a relative config path is resolved against the working directory */
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof cwd));
	cfg = load_at("conf.json", CFG(NET, CHAT), &err);
	assert_non_null(cfg);
	assert_string_equal(cfg->dir, cwd);
	struct buf want = BUF_INIT;
	buf_printf(&want, "%s/rounds.db", strcmp(cwd, "/") ? cwd : "");
	assert_string_equal(cfg->store_path, buf_str(&want));
	config_free(cfg);
	buf_free(&want);
	buf_free(&err);
}

static void test_multiple_errors(void **state)
{
	errors_are("{\n"
		   " 'store': '',\n"
		   " 'networks': {'libera': {'host': 'irc.libera.chat', 'nick': 'rounds',\n"
		   "                         'port': '6697', 'tls': 1}},\n"
		   " 'chats': {'hcsm': {'network': 'libera', 'room': 'hcsm', 'hosts': ['alice'],\n"
		   "           'intro_minute': 3, 'prefix': 'go',\n"
		   "           'agenda': [{'topic': 'a'}, {'topic': 'b', 'minutes': -3}]}}}",
		   "conf.json: store: expected a non-empty file path (no control characters), got \"\" "
		   "(an empty string)\n"
		   "conf.json: networks.libera.tls: expected true or false, got 1\n"
		   "conf.json: networks.libera.port: expected an integer from 1 to 65535, got "
		   "\"6697\" (a string)\n"
		   "conf.json: chats.hcsm.intro_minute: unknown key (did you mean "
		   "\"intro_minutes\"?)\n"
		   "conf.json: chats.hcsm.room: expected an IRC channel name (starting with \"#\" or "
		   "\"&\", 2 to 50 bytes, no spaces, commas or control characters), got \"hcsm\" (a "
		   "string)\n"
		   "conf.json: chats.hcsm.prefix: expected 1 to 3 punctuation characters such as "
		   "\"!\" (no letters, digits or spaces), got \"go\" (a string)\n"
		   "conf.json: chats.hcsm.agenda[1].minutes: expected a number greater than 0, got "
		   "-3\n");
}

static void test_error_cap(void **state)
{
	struct buf json = BUF_INIT, err = BUF_INIT;
	buf_adds(&json, "{'networks': {" NET "}, 'chats': {" CHAT "}");
	for (int i = 0; i < 60; i++)
		buf_printf(&json, ", 'junk%d': %d", i, i);
	buf_addc(&json, '}');
	assert_null(load_at("conf.json", buf_str(&json), &err));
	size_t lines = 0;
	for (const char *p = buf_str(&err); *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 51);
	assert_non_null(strstr(buf_str(&err), "conf.json: junk49: unknown key"));
	assert_null(strstr(buf_str(&err), "junk50"));
	assert_non_null(strstr(buf_str(&err), "\nconf.json: 10 more errors not shown\n"));
	buf_free(&json);
	buf_free(&err);
}

static void test_load_file(void **state)
{
	char *path = tmp_path("file.json");
	char *text = j(CFG(NET, CHAT));
	write_file("file.json", text, 0644);
	free(text);
	struct config *cfg = NULL;
	struct buf err = BUF_INIT, want = BUF_INIT;
	assert_int_equal(config_load(path, &cfg, &err), 0);
	assert_non_null(cfg);
	assert_string_equal(cfg->path, path);
	assert_string_equal(cfg->dir, tmpdir);
	config_free(cfg);

	/* offline commands (publish, export) load a config whose password
	 * variable is not set; the bot itself refuses it */
	unsetenv("ROUNDS_TEST_UNSET");
	text = j(CFG("'libera': {'host': 'h', 'nick': 'n', 'sasl': {'account': 'bot', 'password_env': "
		     "'ROUNDS_TEST_UNSET'}}", CHAT));
	write_file("offline.json", text, 0644);
	free(text);
	free(path);
	path = tmp_path("offline.json");
	assert_int_equal(config_load(path, &cfg, &err), -1);
	assert_non_null(strstr(buf_str(&err), "ROUNDS_TEST_UNSET\" (which is not set)"));
	buf_clear(&err);
	assert_int_equal(config_load_offline(path, &cfg, &err), 0);
	assert_string_equal(cfg->networks[0].sasl_account, "bot");
	assert_null(cfg->networks[0].sasl_password);
	config_free(cfg);

	write_file("bad.json", "{\n\"networks\": }", 0644);
	free(path);
	path = tmp_path("bad.json");
	assert_int_equal(config_load(path, &cfg, &err), -1);
	assert_null(cfg);
	buf_printf(&want, "%s:2:13: invalid JSON: unexpected token near '}'\n", path);
	assert_string_equal(buf_str(&err), buf_str(&want));

	buf_clear(&err);
	buf_clear(&want);
	free(path);
	path = tmp_path("missing.json");
	assert_int_equal(config_load(path, &cfg, &err), -1);
	buf_printf(&want, "%s: cannot read the configuration: No such file or directory\n", path);
	assert_string_equal(buf_str(&err), buf_str(&want));

	buf_clear(&err);
	buf_clear(&want);
	assert_int_equal(config_load(tmpdir, &cfg, &err), -1);
	buf_printf(&want, "%s: cannot read the configuration: not a regular file\n", tmpdir);
	assert_string_equal(buf_str(&err), buf_str(&want));
	free(path);
	buf_free(&err);
	buf_free(&want);
}

static void test_explain(void **state)
{
	setenv("ROUNDS_TEST_PW", "do-not-show", 1);
	struct config *cfg = ok(
		"{'base_url': 'https://chats.example.org', 'networks': {"
		"'libera': {'host': 'irc.libera.chat', 'nick': 'rounds', 'websocket': true, "
		"'sasl': {'account': 'roundsbot', 'password_env': 'ROUNDS_TEST_PW'}}, "
		"'local': {'host': '127.0.0.1', 'tls': false, 'nick': 'r'}}, "
		"'chats': {'hcsm': {'network': 'libera', 'room': '#hcsm', 'title': 'HCSM weekly', "
		"'hosts': ['alice', 'bob'], 'cohosts': ['carol'], 'agenda': [{'topic': 'One', "
		"'minutes': 10}, {'topic': 'Two', 'minutes': 12.5}]}}}");
	struct buf out = BUF_INIT;
	config_explain(cfg, &out);
	assert_string_equal(
		buf_str(&out),
		"configuration /etc/rounds/conf.json\n"
		"network libera: IRC at irc.libera.chat:6697, TLS on, certificate verified against "
		"the system trust store, over WebSocket (wss://irc.libera.chat:6697/, origin "
		"https://irc.libera.chat, subprotocols text.ircv3.net, text.inspircd.org)\n"
		"  nick rounds, username rounds, real name \"rounds chat moderator\"\n"
		"  SASL login as roundsbot, password from environment variable ROUNDS_TEST_PW\n"
		"  sends at most 5 lines at once, then 1 per second; reconnects after 2 s to 5 min "
		"(doubling, with jitter); checks the link after 1 min of silence\n"
		"network local: IRC at 127.0.0.1:6667, TLS off (plain text)\n"
		"  nick r, username r, real name \"rounds chat moderator\"\n"
		"  no SASL login (the bot will not be identified to services)\n"
		"  sends at most 5 lines at once, then 1 per second; reconnects after 2 s to 5 min "
		"(doubling, with jitter); checks the link after 1 min of silence\n"
		"chat hcsm: \"HCSM weekly\" in #hcsm on libera\n"
		"  hosts: alice, bob; cohosts: carol; channel operators are not moderators\n"
		"  2 topics, 27 min 30 s planned (5 min of introductions, then the topics); a warning "
		"2 min before each topic ends; closed if it runs 30 min past its planned end\n"
		"    T1 (10 min) One\n"
		"    T2 (12 min 30 s) Two\n"
		"  commands start with \"!\"; disclaimer posted; rules none\n"
		"  transcripts show times in UTC; participants appear under their nicks\n"
		"  no schedule: opened by a host's !start\n"
		"  no plugins\n"
		"store: /etc/rounds/rounds.db\n"
		"transcripts: /etc/rounds/transcripts (archive \"Chat archive\")\n"
		"plugins by name from: " ROUNDS_TEST_DEFAULT_PLUGIN_DIR "\n"
		"wrap-up links: https://chats.example.org/...\n"
		"log level: info\n");
	assert_null(strstr(buf_str(&out), "do-not-show"));
	buf_free(&out);
	config_free(cfg);
	unsetenv("ROUNDS_TEST_PW");
}

/* A chat's schedule: every kind, the defaults, and every error named. */

int main(void)
{
	log_set_level(LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inline_password),
		cmocka_unit_test(test_password_env),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_ca_file),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_multiple_errors),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_explain),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
