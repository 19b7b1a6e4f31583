/* resources: links found in lines, merged, and the two sections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_api.h"
#include "resources/urls.h"

extern const struct rounds_plugin rounds_plugin;

#define T20 1795118400000LL /* 2026-11-19 20:00 UTC */

/* Every link found in text, normalized, one per line. */
static const char *extract(const char *text)
{
	static char out[4096];
	size_t pos = 0, len = strlen(text), at = 0;
	struct resources_url u;
	out[0] = '\0';
	while (resources_url_next(text, len, &pos, &u)) {
		at += (size_t)snprintf(out + at, sizeof out - at, "%s%s", at ? "\n" : "", u.url);
		resources_url_clear(&u);
	}
	return out;
}

static void test_extract_boundaries(void **state)
{
	assert_string_equal(extract("A1 see https://pubmed.ncbi.nlm.nih.gov/12345678/."),
			    "https://pubmed.ncbi.nlm.nih.gov/12345678/");
	assert_string_equal(extract("(source: https://www.cdc.gov/flu/index.html)"),
			    "https://www.cdc.gov/flu/index.html");
	assert_string_equal(extract("wiki https://en.wikipedia.org/wiki/Bias_(statistics), and"),
			    "https://en.wikipedia.org/wiki/Bias_(statistics)");
	assert_string_equal(extract("[https://example.org/a]"), "https://example.org/a");
	assert_string_equal(extract("really?! http://example.org/q?x=1!?"), "http://example.org/q?x=1");
	assert_string_equal(extract("<https://example.org/a> \"https://example.org/b\""),
			    "https://example.org/a\nhttps://example.org/b");
	/* Unicode punctuation and emoji end a link; letters do not */
	assert_string_equal(extract("read https://example.org/a\u2026 or https://example.org/b\U0001F44D"),
			    "https://example.org/a\nhttps://example.org/b");
	assert_string_equal(extract("https://fr.wikipedia.org/wiki/Sant\u00e9 publique"),
			    "https://fr.wikipedia.org/wiki/Sant%C3%A9");
	/* not links */
	assert_string_equal(extract("xhttps://example.org ftp://example.org https:// http://. "
				    "https://user:pw@pubmed.ncbi.nlm.nih.gov@evil.example/"),
			    "");
	assert_string_equal(extract("https://example.org/patient/[redacted] next"), "");
}

static void test_normalize(void **state)
{
	assert_string_equal(extract("HTTPS://WWW.Example.ORG:443/Path/Case#section"),
			    "https://www.example.org/Path/Case");
	assert_string_equal(extract("http://example.org:80 http://example.org:8080/"),
			    "http://example.org/\nhttp://example.org:8080/");
	assert_string_equal(extract("https://example.org/a?utm_source=tw&id=7&UTM_medium=x&fbclid=abc&gclid=1"),
			    "https://example.org/a?id=7");
	assert_string_equal(extract("https://example.org/a?utm_source=tw#top"), "https://example.org/a");
	assert_string_equal(extract("https://[2001:DB8::1]:8443/x"), "https://[2001:db8::1]:8443/x");
	assert_string_equal(extract("https://example.org:99999/"), "");

	struct resources_url u;
	size_t pos = 0;
	const char *t = "https://www.nice.org.uk/guidance/ng28/";
	assert_true(resources_url_next(t, strlen(t), &pos, &u));
	assert_string_equal(u.host, "www.nice.org.uk");
	assert_string_equal(u.domain, "nice.org.uk");
	assert_string_equal(u.path, "/guidance/ng28/");
	assert_string_equal(u.display, "www.nice.org.uk/guidance/ng28");
	resources_url_clear(&u);

	assert_true(resources_url_matches("www.ncbi.nlm.nih.gov", "/pmc/articles/PMC1", "ncbi.nlm.nih.gov/pmc"));
	assert_false(resources_url_matches("www.ncbi.nlm.nih.gov", "/pmcx", "ncbi.nlm.nih.gov/pmc"));
	assert_true(resources_url_matches("nih.gov", "/", "nih.gov"));
	assert_false(resources_url_matches("notnih.gov", "/", "nih.gov"));
}

static struct rounds_summary_message line(const char *sender, int round, int64_t ts, const char *text)
{
	return (struct rounds_summary_message){
		.size = sizeof(struct rounds_summary_message), .sender = sender, .text = text,
		.round = round, .ts_ms = ts, .bot = strcmp(sender, "rounds") == 0, .parent = -1,
		.participant = 0};
}

static const struct rounds_summary_round rounds[] = {
	{sizeof(struct rounds_summary_round), 1, "What evidence do you use?", T20, 0, 0},
	{sizeof(struct rounds_summary_round), 2, "Where do patients look?", T20 + 600000, 0, 0},
};

static const char *summarize(const char *config, const struct rounds_summary_message *m, size_t n)
{
	static char out[8192];
	struct fake *f = fake_new(&rounds_plugin, config);
	assert_non_null(f);
	struct fake_summary s = {"Evidence chat", m, n, rounds, 2, NULL, 0};
	snprintf(out, sizeof out, "%s", fake_summarize(f, &s));
	fake_free(f);
	return out;
}

static void test_sections(void **state)
{
	struct rounds_summary_message m[] = {
		line("rounds", 1, T20, "T1 What evidence do you use? https://rounds.example/agenda"),
		line("bob", 0, T20 - 60000, "Hi! My blog: https://blog.example/about"),
		line("alice", 1, T20 + 1000, "A1 https://pubmed.ncbi.nlm.nih.gov/12345678/ is the key RCT."),
		line("carol", 1, T20 + 2000, "A1 also https://www.cdc.gov/diabetes/ and https://blog.example/post-1"),
		line("dave", 1, T20 + 3000,
		     "A1 +1 to https://pubmed.ncbi.nlm.nih.gov/12345678/?utm_source=twitter (twice: "
		     "https://pubmed.ncbi.nlm.nih.gov/12345678/#abstract)"),
		line("erin", 2, T20 + 601000, "A2 https://doi.org/10.1000/xyz123 and https://pubmed.ncbi.nlm.nih.gov/12345678/"),
		line("bob", 2, T20 + 602000, "A2 patients use https://www.example.com/forum"),
		line("alice", -1, T20 + 1800000, "Thanks all! https://example.com/next-chat"),
	};
	assert_string_equal(
		summarize(NULL, m, sizeof m / sizeof m[0]),
		"## Reading list\n"
		"L: pubmed.ncbi.nlm.nih.gov/12345678 \u2014 shared by alice (3 times), T1, T2 "
		"<https://pubmed.ncbi.nlm.nih.gov/12345678/>\n"
		"L: www.cdc.gov/diabetes \u2014 shared by carol, T1 <https://www.cdc.gov/diabetes/>\n"
		"L: doi.org/10.1000/xyz123 \u2014 shared by erin, T2 <https://doi.org/10.1000/xyz123>\n"
		"## Links shared\n"
		"P: Introductions\n"
		"L: blog.example/about \u2014 shared by bob <https://blog.example/about>\n"
		"P: T1: What evidence do you use?\n"
		"L: blog.example/post-1 \u2014 shared by carol <https://blog.example/post-1>\n"
		"L: www.cdc.gov/diabetes \u2014 shared by carol <https://www.cdc.gov/diabetes/>\n"
		"L: pubmed.ncbi.nlm.nih.gov/12345678 \u2014 shared by alice (3 times), also T2 "
		"<https://pubmed.ncbi.nlm.nih.gov/12345678/>\n"
		"P: T2: Where do patients look?\n"
		"L: doi.org/10.1000/xyz123 \u2014 shared by erin <https://doi.org/10.1000/xyz123>\n"
		"L: www.example.com/forum \u2014 shared by bob <https://www.example.com/forum>\n"
		"P: After the last topic\n"
		"L: example.com/next-chat \u2014 shared by alice <https://example.com/next-chat>\n");
}

static void test_evidence_config(void **state)
{
	struct rounds_summary_message m[] = {
		line("amy", 1, T20 + 1000, "https://www.nejm.org/doi/full/10.1056/x and https://nejm.org/blog"),
		line("ben", 1, T20 + 2000, "https://www.cochranelibrary.com/cdsr/doi/10.1002/14651858"),
	};
	/* added to the built-in list ("host/path" prefixes allowed) */
	const char *out = summarize("{\"evidence_domains\": [\"https://www.NEJM.org/doi/\", \"\"]}", m, 2);
	assert_non_null(strstr(out, "## Reading list\n"
				    "L: www.nejm.org/doi/full/10.1056/x \u2014 shared by amy, T1 "
				    "<https://www.nejm.org/doi/full/10.1056/x>\n"
				    "L: www.cochranelibrary.com/cdsr/doi/10.1002/14651858 \u2014 shared by ben, T1 "
				    "<https://www.cochranelibrary.com/cdsr/doi/10.1002/14651858>\n"
				    "## Links shared\n"));
	/* or replacing it */
	out = summarize("{\"evidence_domains\": [\"nejm.org\"], \"evidence_domains_replace\": true}", m, 2);
	assert_non_null(strstr(out, "## Reading list\n"
				    "L: www.nejm.org/doi/full/10.1056/x \u2014 shared by amy, T1 "
				    "<https://www.nejm.org/doi/full/10.1056/x>\n"
				    "L: nejm.org/blog \u2014 shared by amy, T1 <https://nejm.org/blog>\n"
				    "## Links shared\n"));
	out = summarize("{\"evidence_domains\": [], \"evidence_domains_replace\": true}", m, 2);
	assert_null(strstr(out, "Reading list"));
}

static void test_no_links(void **state)
{
	struct rounds_summary_message m[] = {
		line("amy", 1, T20, "A1 no links here, just www.example.org and doi:10.1/2"),
		line("rounds", 1, T20, "The transcript: https://rounds.example/t/1"),
		line("ben", 1, T20, "[removed by a moderator]"),
	};
	assert_string_equal(summarize(NULL, m, 3), "## Links shared\nP: No links were shared.\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extract_boundaries),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_evidence_config),
		cmocka_unit_test(test_no_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
