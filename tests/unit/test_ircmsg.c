/* IRC line parsing, building, text cleaning, casemapping and splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ircmsg.h"
#include "utf8.h"

static enum ircmsg_error parse(const char *line, struct ircmsg *m, char *storage, size_t cap)
{
	size_t n = strlen(line);
	assert_true(n < cap);
	memcpy(storage, line, n + 1);
	return ircmsg_parse(storage, n, m);
}

static void test_plain_privmsg(void **state)
{
	char b[512];
	struct ircmsg m;
	assert_int_equal(parse(":alice!al@host.example PRIVMSG #hcsm :A1 hello there", &m, b, sizeof b), IRCMSG_OK);
	assert_string_equal(m.nick, "alice");
	assert_string_equal(m.user, "al");
	assert_string_equal(m.host, "host.example");
	assert_string_equal(m.command, "PRIVMSG");
	assert_int_equal(m.n_params, 2);
	assert_string_equal(m.params[0], "#hcsm");
	assert_string_equal(m.params[1], "A1 hello there");
	assert_int_equal(m.n_tags, 0);
}

static void test_tags_and_escapes(void **state)
{
	char b[512];
	struct ircmsg m;
	const char *line = "@time=2026-11-21T20:00:01.123Z;msgid=209~17~21;account=alice;"
			   "+draft/reply=abc;x=a\\:b\\sc\\\\d\\re\\nf\\zg;flag;trail=end\\ "
			   ":alice!a@h PRIVMSG #c :hi";
	assert_int_equal(parse(line, &m, b, sizeof b), IRCMSG_OK);
	assert_string_equal(ircmsg_tag(&m, "time"), "2026-11-21T20:00:01.123Z");
	assert_string_equal(ircmsg_tag(&m, "msgid"), "209~17~21");
	assert_string_equal(ircmsg_tag(&m, "account"), "alice");
	assert_string_equal(ircmsg_tag(&m, "+draft/reply"), "abc");
	assert_string_equal(ircmsg_tag(&m, "x"), "a;b c\\d\re\nfzg");
	assert_string_equal(ircmsg_tag(&m, "flag"), "");
	assert_string_equal(ircmsg_tag(&m, "trail"), "end");
	assert_null(ircmsg_tag(&m, "missing"));
	assert_string_equal(m.params[1], "hi");
}

static void test_repeated_tag_last_wins(void **state)
{
	char b[128];
	struct ircmsg m;
	assert_int_equal(parse("@a=1;b=2;a=3 PING x", &m, b, sizeof b), IRCMSG_OK);
	assert_int_equal(m.n_tags, 2);
	assert_string_equal(ircmsg_tag(&m, "a"), "3");
}

static void test_no_source_and_numeric(void **state)
{
	char b[256];
	struct ircmsg m;
	assert_int_equal(parse("PING :irc.testnet", &m, b, sizeof b), IRCMSG_OK);
	assert_null(m.nick);
	assert_string_equal(m.command, "PING");
	assert_string_equal(m.params[0], "irc.testnet");
	assert_int_equal(parse(":irc.testnet 001 rounds :Welcome to TestNet", &m, b, sizeof b), IRCMSG_OK);
	assert_string_equal(m.nick, "irc.testnet");
	assert_null(m.user);
	assert_string_equal(m.command, "001");
	assert_string_equal(m.params[1], "Welcome to TestNet");
}

static void test_middle_params_and_spaces(void **state)
{
	char b[256];
	struct ircmsg m;
	assert_int_equal(parse(":s 005 me CASEMAPPING=rfc1459  PREFIX=(ov)@+ :are supported", &m, b, sizeof b), IRCMSG_OK);
	assert_int_equal(m.n_params, 4);
	assert_string_equal(m.params[2], "PREFIX=(ov)@+");
	assert_int_equal(parse("CAP * LS :", &m, b, sizeof b), IRCMSG_OK);
	assert_int_equal(m.n_params, 3);
	assert_string_equal(m.params[2], "");
	assert_int_equal(parse("JOIN #a   ", &m, b, sizeof b), IRCMSG_OK);
	assert_int_equal(m.n_params, 1);
}

static void test_malformed(void **state)
{
	char b[256];
	struct ircmsg m;
	assert_int_equal(parse("", &m, b, sizeof b), IRCMSG_EMPTY);
	assert_int_equal(parse("@only-tags", &m, b, sizeof b), IRCMSG_BAD_TAGS);
	assert_int_equal(parse("@=v PING", &m, b, sizeof b), IRCMSG_BAD_TAGS);
	assert_int_equal(parse(":nick", &m, b, sizeof b), IRCMSG_BAD_SOURCE);
	assert_int_equal(parse(": PRIVMSG x", &m, b, sizeof b), IRCMSG_BAD_SOURCE);
	assert_int_equal(parse(":n! PRIVMSG x", &m, b, sizeof b), IRCMSG_BAD_SOURCE);
	assert_int_equal(parse(":n PRIV-MSG x", &m, b, sizeof b), IRCMSG_BAD_COMMAND);
	assert_int_equal(parse(":n 01 x", &m, b, sizeof b), IRCMSG_BAD_COMMAND);
	assert_int_equal(parse(":n 0012 x", &m, b, sizeof b), IRCMSG_BAD_COMMAND);
	assert_int_equal(parse(":n A1 x", &m, b, sizeof b), IRCMSG_BAD_COMMAND);
	assert_int_equal(parse("@k=v ", &m, b, sizeof b), IRCMSG_BAD_COMMAND);
	assert_int_equal(parse("@k\x01=v PING", &m, b, sizeof b), IRCMSG_BAD_TAGS);
	char nul[] = "PRIVMSG #a :x\0y";
	assert_int_equal(ircmsg_parse(nul, sizeof nul - 1, &m), IRCMSG_NUL);
}

static void test_tag_b_is_command(void **state)
{
	/* "@a b=c PING": the tag section is "@a"; "b=c" is not a command */
	char b[64];
	struct ircmsg m;
	assert_int_equal(parse("@a b=c PING", &m, b, sizeof b), IRCMSG_BAD_COMMAND);
}

static void test_over_long(void **state)
{
	size_t n = IRCMSG_MAX_BODY_LEN + 20;
	char *line = malloc(n + 1);
	memset(line, 'x', n);
	memcpy(line, "PRIVMSG #a :", 12);
	struct ircmsg m;
	assert_int_equal(ircmsg_parse(line, n, &m), IRCMSG_TOO_LONG);
	/* a long tag section is fine up to its own limit */
	size_t t = IRCMSG_MAX_TAGS_LEN;
	char *tl = malloc(t + 32);
	tl[0] = '@';
	memcpy(tl + 1, "k=", 2);
	memset(tl + 3, 'v', t - 3);
	memcpy(tl + t, " PING x", 8);
	assert_int_equal(ircmsg_parse(tl, strlen(tl), &m), IRCMSG_OK);
	assert_int_equal(strlen(ircmsg_tag(&m, "k")), t - 3);
	tl[0] = '@';
	memcpy(tl + 1, "k=", 2);
	memset(tl + 3, 'v', t - 2);
	memcpy(tl + t + 1, " PING x", 8);
	assert_int_equal(ircmsg_parse(tl, strlen(tl), &m), IRCMSG_TOO_LONG);
	free(line);
	free(tl);
}

static void test_too_many_tags_and_params(void **state)
{
	struct buf b = BUF_INIT;
	buf_addc(&b, '@');
	for (int i = 0; i <= IRCMSG_MAX_TAGS; i++)
		buf_printf(&b, "%st%d=1", i ? ";" : "", i);
	buf_adds(&b, " PING x");
	struct ircmsg m;
	assert_int_equal(ircmsg_parse(b.p, b.len, &m), IRCMSG_TOO_MANY_TAGS);
	buf_clear(&b);
	buf_adds(&b, "CMD");
	for (int i = 0; i <= IRCMSG_MAX_PARAMS; i++)
		buf_adds(&b, " p");
	assert_int_equal(ircmsg_parse(b.p, b.len, &m), IRCMSG_TOO_MANY_PARAMS);
	buf_free(&b);
}

static void test_build(void **state)
{
	struct buf b = BUF_INIT;
	const char *p1[] = {"#hcsm", "T1: What helps? — answer with A1"};
	assert_int_equal(ircmsg_build(&b, NULL, 0, "PRIVMSG", p1, 2), 0);
	assert_string_equal(b.p, "PRIVMSG #hcsm :T1: What helps? — answer with A1");
	buf_clear(&b);
	const char *p2[] = {"#c", "word"};
	assert_int_equal(ircmsg_build(&b, NULL, 0, "PRIVMSG", p2, 2), 0);
	assert_string_equal(b.p, "PRIVMSG #c word");
	buf_clear(&b);
	const char *p3[] = {"#c", ":starts with colon"};
	assert_int_equal(ircmsg_build(&b, NULL, 0, "PRIVMSG", p3, 2), 0);
	assert_string_equal(b.p, "PRIVMSG #c ::starts with colon");
	buf_clear(&b);
	const char *p4[] = {"*", ""};
	assert_int_equal(ircmsg_build(&b, NULL, 0, "CAP", p4, 2), 0);
	assert_string_equal(b.p, "CAP * :");
	buf_clear(&b);
	struct ircmsg_tag tags[] = {{"+draft/reply", "a;b c\\d"}, {"+typing", ""}};
	const char *p5[] = {"#c", "hi"};
	assert_int_equal(ircmsg_build(&b, tags, 2, "PRIVMSG", p5, 2), 0);
	assert_string_equal(b.p, "@+draft/reply=a\\:b\\sc\\\\d;+typing PRIVMSG #c hi");
	buf_clear(&b);
	/* refusals: injection through a parameter, bad middle params, bad tag key */
	const char *bad1[] = {"#c", "hi\r\nQUIT :pwned"};
	assert_int_equal(ircmsg_build(&b, NULL, 0, "PRIVMSG", bad1, 2), -1);
	const char *bad2[] = {"#c x", "hi"};
	assert_int_equal(ircmsg_build(&b, NULL, 0, "PRIVMSG", bad2, 2), -1);
	const char *bad3[] = {"", "hi"};
	assert_int_equal(ircmsg_build(&b, NULL, 0, "PRIVMSG", bad3, 2), -1);
	struct ircmsg_tag badtag[] = {{"a b", "x"}};
	assert_int_equal(ircmsg_build(&b, badtag, 1, "PRIVMSG", p5, 2), -1);
	assert_int_equal(ircmsg_build(&b, NULL, 0, "PRIV MSG", p5, 2), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_build_parse_roundtrip(void **state)
{
	struct buf b = BUF_INIT;
	struct ircmsg_tag tags[] = {{"k", "semi;space \\back\r\nnl"}};
	const char *p[] = {"#c", " lead and trail "};
	assert_int_equal(ircmsg_build(&b, tags, 1, "PRIVMSG", p, 2), 0);
	struct ircmsg m;
	assert_int_equal(ircmsg_parse(b.p, b.len, &m), IRCMSG_OK);
	assert_string_equal(ircmsg_tag(&m, "k"), "semi;space \\back\r\nnl");
	assert_string_equal(m.params[1], " lead and trail ");
	buf_free(&b);
}

static void test_clean_text(void **state)
{
	struct buf b = BUF_INIT;
	const char in[] = "\x02" "bold\x02 \x03" "04,12red on blue\x03 \x03" "4x \x1ditalic\x1d\x0f "
			  "\x04" "ff0000hex\x04 tab\there \x16rev\x1f\x1e\x11 \x01\x7f"
			  "caf\xc3\xa9 bad\xff\xfe end";
	ircmsg_clean_text(&b, in, sizeof in - 1);
	assert_string_equal(b.p, "bold red on blue x italic hex tab here rev caf\xc3\xa9 bad\xef\xbf\xbd\xef\xbf\xbd end");
	assert_true(utf8_valid(b.p, b.len));
	buf_clear(&b);
	/* colour code followed by a comma without digits keeps the comma */
	ircmsg_clean_text(&b, "\x03" "3,text", 7);
	assert_string_equal(b.p, ",text");
	buf_clear(&b);
	/* truncated multi-byte sequence at the end */
	ircmsg_clean_text(&b, "ok\xe2\x82", 4);
	assert_string_equal(b.p, "ok\xef\xbf\xbd");
	buf_clear(&b);
	/* overlong encoding and surrogate are ill-formed */
	ircmsg_clean_text(&b, "\xc0\xaf|\xed\xa0\x80", 6);
	assert_string_equal(b.p, "\xef\xbf\xbd|\xef\xbf\xbd");
	buf_free(&b);
}

static void test_casemapping(void **state)
{
	char s[] = "Nick[Away]\\~";
	assert_string_equal(ircmsg_casefold(s, IRCMSG_CASE_RFC1459), "nick{away}|^");
	char t[] = "Nick[Away]\\~";
	assert_string_equal(ircmsg_casefold(t, IRCMSG_CASE_RFC1459_STRICT), "nick{away}|~");
	char u[] = "Nick[Away]";
	assert_string_equal(ircmsg_casefold(u, IRCMSG_CASE_ASCII), "nick[away]");
	assert_true(ircmsg_caseeq("#HCSM[1]", "#hcsm{1}", IRCMSG_CASE_RFC1459));
	assert_false(ircmsg_caseeq("#HCSM[1]", "#hcsm{1}", IRCMSG_CASE_ASCII));
	assert_false(ircmsg_caseeq("#hcsm", "#hcsm2", IRCMSG_CASE_RFC1459));
	assert_int_equal(ircmsg_casemapping_parse("ascii"), IRCMSG_CASE_ASCII);
	assert_int_equal(ircmsg_casemapping_parse("rfc1459-strict"), IRCMSG_CASE_RFC1459_STRICT);
	assert_int_equal(ircmsg_casemapping_parse("rfc7613"), IRCMSG_CASE_RFC1459);
}

struct chunks {
	char out[64][600];
	size_t n;
};

static void collect(void *ud, const char *s, size_t n)
{
	struct chunks *c = ud;
	assert_true(c->n < 64);
	memcpy(c->out[c->n], s, n);
	c->out[c->n++][n] = '\0';
}

static void test_split(void **state)
{
	struct chunks c = {.n = 0};
	ircmsg_split("short", 400, collect, &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.out[0], "short");

	c.n = 0;
	ircmsg_split("line one\r\n\nline two\n   \n", 400, collect, &c);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.out[1], "line two");

	/* words: split at a space, never inside a word when one is near */
	c.n = 0;
	ircmsg_split("aaaa bbbb cccc dddd", 10, collect, &c);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.out[0], "aaaa bbbb");
	assert_string_equal(c.out[1], "cccc dddd");

	/* multi-byte characters are never cut: 100 x "é" (2 bytes) into 15-byte chunks */
	char text[256];
	for (int i = 0; i < 100; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2);
	text[200] = '\0';
	c.n = 0;
	ircmsg_split(text, 15, collect, &c);
	size_t total = 0;
	for (size_t i = 0; i < c.n; i++) {
		size_t l = strlen(c.out[i]);
		assert_true(l <= 15);
		assert_true(utf8_valid(c.out[i], l));
		total += l;
	}
	assert_int_equal(total, 200);

	/* 4-byte emoji with a max of 2: emitted whole rather than looping */
	c.n = 0;
	ircmsg_split("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 2, collect, &c);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.out[0], "\xf0\x9f\x98\x80");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_privmsg),
		cmocka_unit_test(test_tags_and_escapes),
		cmocka_unit_test(test_repeated_tag_last_wins),
		cmocka_unit_test(test_no_source_and_numeric),
		cmocka_unit_test(test_middle_params_and_spaces),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tag_b_is_command),
		cmocka_unit_test(test_over_long),
		cmocka_unit_test(test_too_many_tags_and_params),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_build_parse_roundtrip),
		cmocka_unit_test(test_clean_text),
		cmocka_unit_test(test_casemapping),
		cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
