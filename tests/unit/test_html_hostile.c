/* The HTML renderer against what people type: escaping of every context
 * (text, attributes, URLs), and a chat whose every line, name, topic and
 * link is a payload aimed at the host leak.invalid; the page must carry
 * none of them as markup. Written as hostile.html for the browser test
 * (tests/integration/test_html_browser.py), like test_html.c's pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

#include "chart.h"
#include "html_fixture.h"
#include "tz.h"

static void test_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
		{"\" onmouseover=\"x", "&quot; onmouseover=&quot;x"},
		{"&lt; &amp; &#60;", "&amp;lt; &amp;amp; &amp;#60;"},
		{"a\tb\nc\rd", "a b c d"},
		{"bell\x07 esc\x1b del\x7f", "bell\xef\xbf\xbd esc\xef\xbf\xbd del\xef\xbf\xbd"},
		{"c1 \xc2\x85\xc2\x9b", "c1 \xef\xbf\xbd\xef\xbf\xbd"},
		{"\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"keep \xe2\x80\x8e\xe2\x80\x8f marks", "keep \xe2\x80\x8e\xe2\x80\x8f marks"},
		{"bad \xff\xc3 \xed\xa0\x80", "bad \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"nonchar \xef\xbf\xbe \xef\xb7\x90", "nonchar \xef\xbf\xbd \xef\xbf\xbd"},
		{"sep\xe2\x80\xa8here", "sep here"},
		{"\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80"},
		{"javascript:alert(1)", "javascript:alert(1)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = BUF_INIT;
		html_escape(&b, cases[i].in);
		if (strcmp(buf_str(&b), cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\"", i, buf_str(&b));
		buf_free(&b);
	}
}

/* Every payload aims at leak.invalid: the browser test maps every host
 * to its own server and fails if anything on the page asks for one. */
#define LONG_PAYLOAD_REPEAT 300
static const char *const payloads[] = {
	"<script>new Image().src='http://leak.invalid/ran'</script>",
	"<script src=http://leak.invalid/script.js></script>",
	"<img src=http://leak.invalid/leak-img onerror=\"new Image().src='http://leak.invalid/onerror'\">",
	"\" onmouseover=\"new Image().src='http://leak.invalid/attr'\" x=\"",
	"' onfocus='alert(1)' autofocus x='",
	"</style><style>body{background:url(http://leak.invalid/css)}</style>",
	"<link rel=stylesheet href=http://leak.invalid/sheet.css>",
	"<iframe src=http://leak.invalid/frame></iframe>",
	"<meta http-equiv=refresh content=\"0;url=http://leak.invalid/refresh\">",
	"<svg onload=\"fetch('http://leak.invalid/svg')\"><image href=http://leak.invalid/svgimg /></svg>",
	"<a href=\"javascript:alert(1)\">click</a> javascript:alert(1)",
	"[click](javascript:alert(1)) ![img](http://leak.invalid/md.png) <http://leak.invalid/auto>",
	"<object data=http://leak.invalid/obj></object><embed src=http://leak.invalid/embed>",
	"<video poster=http://leak.invalid/poster></video><audio src=http://leak.invalid/audio autoplay>",
	"<base href=http://leak.invalid/><form action=http://leak.invalid/form><button>go</button></form>",
	"<style>@import 'http://leak.invalid/import';</style><body background=http://leak.invalid/bg>",
	"<input type=image src=http://leak.invalid/input><picture><source srcset=http://leak.invalid/srcset>",
	"<img srcset=\"http://leak.invalid/srcset2 1x\"><link rel=prefetch href=http://leak.invalid/prefetch>",
	"&lt;script&gt; &amp; &#60;img src=http://leak.invalid/entity&#62; &#x3C;",
	"<!-- comment --><![CDATA[ x ]]> <!DOCTYPE html>",
	"</bdi></b></p></li></ol></section></main></body><script>alert(1)</script>",
	"<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math><template><img src=x></template>",
	"<noscript><img src=http://leak.invalid/noscript></noscript><textarea></textarea>",
	"ctrl: bell\x07 esc\x1b[31mred del\x7f vt\x0b ff\x0c cr\r lf\n end",
	"c1: \xc2\x85 \xc2\x9b csi",
	"bidi: evil \xe2\x80\xaeyrotsih\xe2\x80\xac and \xe2\x81\xa6iso\xe2\x81\xa9 \xe2\x80\xab embed",
	"invalid: \xff\xfe \xc3 \xed\xa0\x80 \xf4\x90\x80\x80 end",
	"A1 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d <b>\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d</b> \xf0\x9f\x98\x80",
};

static const char *const hostile_nicks[] = {
	"<img src=http://leak.invalid/nick>", "\" onmouseover=\"alert(1)", "\xe2\x80\xaemallory",
	"</bdi><script>alert(1)</script>",
};

static const char *const hostile_links[] = {"http://leak.invalid/allowed-link?a=1&b=2"};

static void test_hostile(void **state)
{
	struct store *st = store_fixture_open();
	int64_t chat = store_chat_open(st, "testnet", "#hcsm", "hcsm",
				       "<title>x</title><script src=http://leak.invalid/title.js></script> \"'&amp;",
				       at("05:30:00"), 0, "<img src=http://leak.invalid/opener>");
	assert_int_equal(store_add_host(st, chat, "<iframe src=http://leak.invalid/host>", false, NULL,
					at("05:30:00")), 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 1,
					   "<script>new Image().src='http://leak.invalid/topic'</script>", NULL, 10,
					   at("05:35:00"), NULL), 0);
	assert_int_equal(store_round_start(st, chat, "testnet", 2,
					   "\xe2\x80\xae topic <style>*{background:url(http://leak.invalid/t2)}</style>",
					   NULL, 10, at("05:50:00"), NULL), 0);
	size_t n = sizeof payloads / sizeof payloads[0];
	char msgid[16], prev[16], when[16];
	int64_t first = 0, second = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(msgid, sizeof msgid, "h%zu", i);
		snprintf(prev, sizeof prev, "h%zu", i - 1);
		snprintf(when, sizeof when, "05:%02zu:%02zu", 36 + i / 2, i % 2 * 30);
		struct line l = {when, .nick = hostile_nicks[i % 4], .account = i % 4 == 3 ? "m2" : "m1",
				 .msgid = msgid, .reply_to = i % 3 ? prev : NULL, .round = i < n / 2 ? 1 : 2,
				 .text = payloads[i], .kind = i % 5 == 4 ? EVENT_ACTION : EVENT_MESSAGE};
		int64_t id = add_line(st, chat, &l);
		if (i == 2)
			first = id;
		if (i == 1)
			second = id;
	}
	struct buf big = BUF_INIT;
	for (int i = 0; i < LONG_PAYLOAD_REPEAT; i++)
		buf_adds(&big, "<img src=http://leak.invalid/long>");
	struct line l = {"06:10:00", .nick = hostile_nicks[0], .account = "m1", .msgid = "long", .round = 2,
			 .text = big.p};
	add_line(st, chat, &l);
	assert_int_equal(store_add_verdict(st, first, "privacy", VERDICT_REDACT, NULL, "[[8,17]]", at("05:40:00")), 0);
	assert_int_equal(store_add_verdict(st, second, "policy", VERDICT_HIDE, NULL, NULL, at("05:40:00")), 0);
	assert_int_equal(store_chat_options(st, chat, "Asia/Kathmandu", false), 0);
	assert_int_equal(store_commit(st), 0);

	struct transcript *t = load_ok(st, chat);
	size_t s = transcript_add_summary(t, "<script>x</script>", "<script>alert('summary')</script>");
	transcript_summary_paragraph(t, s, "<img src=http://leak.invalid/summary-p> \xe2\x80\xae");
	const char *texts[] = {"<b>allowed</b>", "<i>js</i>", "quote", "data", "space"};
	const char *urls[] = {hostile_links[0], "javascript:alert(1)", "http://leak.invalid/x\"onmouseover=alert(1)",
			      "data:text/html,<script>alert(1)</script>", "http://leak.invalid/a b"};
	transcript_summary_list(t, s, texts, urls, 5);
	const char *cells[] = {"<th>", "<iframe src=http://leak.invalid/cell>", "\" onclick=\"x", "&amp;"};
	transcript_summary_table(t, s, cells, 2, 2);
	char *page = render_ok(t, &(struct html_options){.index_href = "javascript:alert(1)",
							   .markdown_href = "transcript.md",
							   .archive_title = "<script>"});
	keep("hostile.html", page);
	check_page(t, page, hostile_links, 1);
	assert_null(strstr(page, "leak.invalid/x"));
	assert_null(strstr(page, "javascript:alert(1)\""));
	assert_non_null(strstr(page, "&lt;script&gt;new Image().src=&#39;http://leak.invalid/ran&#39;&lt;/script&gt;"));
	assert_non_null(strstr(page, "<span class=\"removed\">"));
	assert_non_null(strstr(page, "<span class=\"redacted\">"));
	assert_non_null(strstr(page, ", still open</p>"));
	assert_non_null(strstr(page, "UTC+05:45")); /* Kathmandu's abbreviation is only "+0545" */
	/* no bidi override or control character reaches the page */
	for (const unsigned char *p = (const unsigned char *)page; *p; p++) {
		if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
				     (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)))
			fail_msg("bidi control at byte %td", (const char *)p - page);
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			fail_msg("control character at byte %td", (const char *)p - page);
	}

	/* what the browser test must find as text: each message as escaped here */
	json_t *doc = json_object(), *arr = json_array(), *links = json_array();
	for (size_t i = 0; i < t->n_messages; i++) {
		if (t->messages[i].flags & (TRANSCRIPT_F_REMOVED | TRANSCRIPT_F_REDACTED))
			continue;
		struct buf e = BUF_INIT;
		html_escape(&e, t->messages[i].text);
		assert_non_null(strstr(page, e.p));
		json_array_append_new(arr, json_string(e.p));
		buf_free(&e);
	}
	json_array_append_new(links, json_string(hostile_links[0]));
	json_object_set_new(doc, "texts", arr);
	json_object_set_new(doc, "links", links);
	char *js = json_dumps(doc, JSON_INDENT(1));
	keep("hostile.json", js);
	free(js);
	json_decref(doc);
	free(page);
	buf_free(&big);
	transcript_free(t);
	store_close(st);
}

int main(void)
{
	store_global_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test_setup_teardown(test_hostile, store_fixture_setup, store_fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
