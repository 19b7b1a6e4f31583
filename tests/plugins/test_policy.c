/* The policy plugin: its pure matchers (folding, whole words, links,
 * domains, the advice guard) and each rule through the fake table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_api.h"
#include "policy/policy_match.h"

extern const struct rounds_plugin rounds_plugin;

static const char disclaimer[] =
	"This chat can't give personal medical advice; please talk to your own clinician. "
	"In an emergency call your local emergency number.";

/* ---- pure functions ---------------------------------------------------------- */

static void assert_fold(const char *in, const char *want)
{
	size_t n;
	char *f = policy_fold(in, strlen(in), &n);
	assert_string_equal(f, want);
	assert_int_equal(n, strlen(want));
	free(f);
}

static void test_fold(void **state)
{
	(void)state;
	assert_fold("", " ");
	assert_fold("Don't  BUY!", " don t buy ");
	assert_fold("Éléphant ÜBER Straße", " elephant uber strasse ");
	assert_fold("Œuvre Łódź ÆSIR Þorn ĳ", " oeuvre lodz aesir thorn ij ");
	assert_fold("naïve café Ñandú ÿ ſ", " naive cafe nandu y s ");
	assert_fold("e\xcc\x81t\xc3\xa9", " ete ");                     /* combining acute */
	assert_fold("a\xe2\x80\x8bss", " ass ");                          /* zero-width space */
	assert_fold("soft\xc2\xadhyphen", " softhyphen ");
	assert_fold("ass\xf0\x9f\x98\x80hat", " ass hat ");               /* emoji */
	assert_fold("x\xc2\xa0y\xe2\x80\x94z\xc3\x97w", " x y z w ");     /* nbsp, em dash, × */
	assert_fold("bad\xff\xc3(bytes\xed\xa0\x80)", " bad bytes ");      /* ill-formed */
	assert_fold("Ωμέγα 漢字", " Ωμέγα 漢字 ");                       /* other scripts kept */
}

static bool has(const char *text, const char *phrase)
{
	char *t = policy_fold(text, strlen(text), NULL);
	char *p = policy_fold(phrase, strlen(phrase), NULL);
	bool r = policy_contains(t, p);
	free(t);
	free(p);
	return r;
}

static void test_whole_words(void **state)
{
	(void)state;
	assert_true(has("what an ass", "ass"));
	assert_true(has("ASS!", "ass"));
	assert_true(has("you ass-hat", "ass"));
	assert_false(has("first class care", "ass"));
	assert_false(has("a full assessment", "ass"));
	assert_false(has("bass guitar, passive, asset", "ass"));
	assert_true(has("use PROMO-code SAVE20", "promo code"));
	assert_true(has("Promo   Code: X", "promo code"));
	assert_false(has("promotional codes", "promo code"));
	assert_true(has("Scheiße!", "scheisse"));
	assert_true(has("SCHEISSE", "Scheiße"));
	assert_true(has("Mérde alors", "merde"));
	assert_true(has("a m\xc3\xa9rde", "me\xcc\x81rde")); /* precomposed vs combining */
	assert_false(has("anything", "!!!"));
	assert_false(has("anything", ""));
}

struct link_case {
	const char *text;
	const char *hosts; /* "a|b" */
};

static void assert_links(const char *text, const char *want)
{
	char got[1024] = "";
	struct policy_link l;
	size_t pos = 0, len = strlen(text);
	while (policy_next_link(text, len, &pos, &l)) {
		assert_true(l.start < l.end && l.end <= len && pos <= len);
		if (*got)
			strcat(got, "|");
		strcat(got, l.host);
	}
	assert_string_equal(got, want);
}

static void test_links(void **state)
{
	(void)state;
	assert_links("see https://Sub.Example.COM:8080/path?x=1.", "sub.example.com");
	assert_links("www.nejm.org/doi/full/10.1056/x. and bit.ly/3xYz", "www.nejm.org|bit.ly");
	assert_links("read nejm.org, or T.co/abc", "nejm.org|t.co");
	assert_links("e.g. A1.It depends; i.e. not a link; 1.5mg/kg; v2.0", "");
	assert_links("mail jane@example.com", "");
	assert_links("http://user:pw@evil.com/x", "evil.com");
	assert_links("HTTPS://EVIL.COM", "evil.com");
	assert_links("https://evil\xe3\x80\x82" "com/x", "evil.com");    /* ideographic full stop */
	assert_links("https://ev\xe2\x80\x8bil.com/x", "evil.com");      /* zero-width space */
	assert_links("(https://a.org/x) [www.b.org]", "a.org|www.b.org");
	assert_links("https://", "");
	assert_links("http://\xff\xfe/", "");
	/* a very long host keeps its end: that is what domains match */
	char big[700] = "https://";
	for (int i = 0; i < 300; i++)
		strcat(big, "a.");
	strcat(big, "evil.com/x");
	struct policy_link l;
	size_t pos = 0;
	assert_true(policy_next_link(big, strlen(big), &pos, &l));
	assert_true(policy_domain_match(l.host, "evil.com"));
	assert_true(strlen(l.host) < POLICY_HOST_MAX);
}

static void test_domains(void **state)
{
	(void)state;
	char d[64];
	assert_true(policy_domain_normalize("*.Example.COM", d, sizeof d));
	assert_string_equal(d, "example.com");
	assert_true(policy_domain_normalize("https://x.org/path", d, sizeof d));
	assert_string_equal(d, "x.org");
	assert_true(policy_domain_normalize(" .y.net.", d, sizeof d));
	assert_string_equal(d, "y.net");
	assert_false(policy_domain_normalize("", d, sizeof d));
	assert_false(policy_domain_normalize("*.", d, sizeof d));
	assert_false(policy_domain_normalize("averyveryverylongdomainname.example.com", d, 10));
	assert_true(policy_domain_match("example.com", "example.com"));
	assert_true(policy_domain_match("a.b.example.com", "example.com"));
	assert_false(policy_domain_match("badexample.com", "example.com"));
	assert_false(policy_domain_match("example.com.evil.org", "example.com"));
	assert_false(policy_domain_match("com", "example.com"));
	assert_false(policy_domain_match("example.com", ""));
}

static const char *const advice_yes[] = {
	"should I stop taking my metformin?",
	"What dose of vitamin D should I take?",
	"Is it safe for me to fly two weeks after surgery?",
	"Do I have diabetes if my A1c is 6.2?",
	"My doctor said my PSA is 4.5, what should I do?",
	"Is it normal to have this much pain after my knee replacement?",
	"Should I double my insulin tonight since I missed a dose?",
	"Can I take ibuprofen with my lisinopril?",
	"Should my mom stop her chemo?",
	"Is my blood pressure of 150/95 too high?",
	"should i get the flu vaccine if I'm pregnant?",
	"Is it OK if I drink alcohol while on metformin?",
	"A3: honestly, should I be worried about this lump in my breast?",
	"How much melatonin can I give my 5 year old?",
	"I found a mole that changed color, could it be cancer?",
	"Why do I get headaches every time I start atorvastatin?",
	"Do I need antibiotics for my sinus infection?",
	"my oncologist said surgery first. Should I get a second opinion before chemo?",
	"Am I too old for the shingles vaccine?",
	"is it dangerous to stop my sertraline cold turkey",
	"Should I go to the ER for chest pain that comes and goes?",
};

static const char *const advice_no[] = {
	"A2: should patients ask their doctor about screening earlier?",
	"A1: I tell my patients to bring a list of their meds",
	"Should I stop prescribing opioids to my patients after this study?",
	"Should I share my cancer story on this chat?",
	"Can I join the chat late tonight?",
	"Am I the only one who finds the EHR exhausting?",
	"What time does the chat start?",
	"How many of you use patient portals at your clinic?",
	"T3: How can clinicians support caregivers of people with dementia?",
	"I stopped my metformin last year and feel great.",
	"Do I have to register to join #hcsm?",
	"Should I take a break from Twitter for a while?",
	"Is it OK to post links to studies here?",
	"Should I become a doctor or a nurse?",
	"Can I grab a drink with you all after the conference?",
	"What dose of reality do we need about burnout?",
	"Has anyone tried telehealth for their mom?",
	"Is metformin safe in pregnancy? Asking for our guideline review",
	"Should I apply to med school at 35?",
	"Will I see you all next week?",
	"My doctor said I'm doing great!",
};

static void test_advice(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof advice_yes / sizeof advice_yes[0]; i++)
		if (!policy_is_advice(advice_yes[i], strlen(advice_yes[i])))
			fail_msg("should be advice: %s", advice_yes[i]);
	for (size_t i = 0; i < sizeof advice_no / sizeof advice_no[0]; i++)
		if (policy_is_advice(advice_no[i], strlen(advice_no[i])))
			fail_msg("should not be advice: %s", advice_no[i]);
	assert_false(policy_is_advice("", 0));
	assert_false(policy_is_advice("?", 1));
}

/* ---- the plugin through the fake table --------------------------------------- */

static struct fake_decision say(struct fake *f, const char *text)
{
	struct fake_msg m = {.text = text};
	return fake_moderate(f, &m);
}

static struct fake_decision say_at(struct fake *f, const char *text, int round, int64_t remaining_ms)
{
	struct fake_msg m = {.text = text, .round = round, .remaining_ms = remaining_ms,
			     .set_remaining = true};
	return fake_moderate(f, &m);
}

static void test_banned(void **state)
{
	(void)state;
	struct fake *f = fake_new(&rounds_plugin,
				  "{\"banned\": [\"ass\", \"Scheiße\", \"miracle cure\", \"...\"]}");
	assert_non_null(f);
	assert_non_null(strstr(fake_log(f), "\"...\" has no word in it"));
	struct fake_decision d = say(f, "What an ASS.");
	assert_true(d.hide);
	/* hidden, and its author told why (a warning with the same reason) */
	assert_int_equal(d.n_all, 2);
	assert_int_equal(d.all[0], ROUNDS_HIDE);
	assert_int_equal(d.all[1], ROUNDS_WARN);
	assert_string_equal(d.reason, "\"ass\" is not allowed in this chat (banned words)");
	d = say(f, "das ist SCHEISSE");
	assert_true(d.hide);
	assert_non_null(strstr(d.reason, "Scheiße"));
	d = say(f, "A1: this MIRACLE-Cure works!");
	assert_true(d.hide);
	assert_false(say(f, "first class care needs a good assessment").decided);
	assert_false(say(f, "a miracle, a cure").decided);
	fake_free(f);

	/* tell_sender off: hidden silently */
	f = fake_new(&rounds_plugin, "{\"banned\": [\"ass\"], \"tell_sender\": false}");
	assert_non_null(f);
	d = say(f, "What an ASS.");
	assert_true(d.hide);
	assert_int_equal(d.n_all, 1);
	assert_int_equal(d.verdict, ROUNDS_HIDE);
	fake_free(f);

	f = fake_new(&rounds_plugin, "{\"banned\": [\"idiot\"], \"banned_verdict\": \"mute\"}");
	assert_non_null(f);
	assert_int_equal(say(f, "you IDÍOT").verdict, ROUNDS_MUTE);
	fake_free(f);

	assert_null(fake_new(&rounds_plugin, "{\"banned\": [\"x\"], \"banned_verdict\": \"shout\"}"));
	assert_string_equal(fake_last_error(), "bad configuration (see the log)");
}

static void test_links_rules(void **state)
{
	(void)state;
	struct fake *f = fake_new(&rounds_plugin, "{\"links\": {\"deny\": [\"spam.example\", \"*.Casino.com\"]}}");
	assert_non_null(f);
	struct fake_decision d = say(f, "see https://shop.spam.example/deal");
	assert_true(d.hide);
	assert_string_equal(d.reason, "links to spam.example are not allowed in this chat");
	assert_true(say(f, "www.casino.com").hide);
	assert_false(say(f, "https://notspam.example.org/ and nejm.org").decided);
	d = say(f, "slides: bit.ly/3xYz");
	assert_int_equal(d.verdict, ROUNDS_FLAG);
	assert_string_equal(d.reason, "link shortener hides the destination");
	assert_int_equal(say(f, "https://TinyURL.com/abc").verdict, ROUNDS_FLAG);
	/* deny is more severe than a shortener */
	assert_true(say(f, "bit.ly/x and spam.example/y").hide);
	fake_free(f);

	f = fake_new(&rounds_plugin,
		     "{\"links\": {\"allow\": [\"nih.gov\", \"nejm.org\"], \"verdict\": \"warn\","
		     " \"shorteners\": [\"my.short\"], \"builtin_shorteners\": false}}");
	assert_non_null(f);
	assert_false(say(f, "https://pubmed.ncbi.nlm.nih.gov/123/ and www.nejm.org/x").decided);
	d = say(f, "https://example.com/x");
	assert_int_equal(d.verdict, ROUNDS_WARN);
	assert_string_equal(d.reason, "only links to approved sites are allowed in this chat (not example.com)");
	/* not in the allow list: denied, shortener or not */
	assert_int_equal(say(f, "bit.ly/x").verdict, ROUNDS_WARN);
	fake_free(f);

	f = fake_new(&rounds_plugin, "{\"links\": {\"shorteners\": [\"my.short\"], \"builtin_shorteners\": false}}");
	assert_false(say(f, "bit.ly/x").decided);
	assert_int_equal(say(f, "https://go.my.short/x").verdict, ROUNDS_FLAG);
	fake_free(f);
}

static void test_promotion(void **state)
{
	(void)state;
	struct fake *f = fake_new(&rounds_plugin,
				  "{\"promotion\": {\"minutes\": 10, \"domains\": [\"mybook.example\"]}}");
	assert_non_null(f);
	const int64_t min = 60000;
	struct fake_decision d = say_at(f, "Use promo code HCSM20 for my course!", 2, 30 * min);
	assert_true(d.hide);
	assert_string_equal(d.reason, "please keep promotion for the last 10 minutes");
	d = say_at(f, "details at https://www.mybook.example/order", 1, 25 * min);
	assert_true(d.hide);
	/* within the last 10 minutes, after the planned end, with no chat */
	assert_false(say_at(f, "Use promo code HCSM20 for my course!", 4, 9 * min).decided);
	assert_false(say_at(f, "Use promo code HCSM20", 4, 10 * min).decided);
	assert_false(say_at(f, "Use promo code HCSM20", 4, -5 * min).decided);
	assert_false(say_at(f, "Use promo code HCSM20", -1, INT64_MAX).decided);
	/* not promotion: leadership buy-in, discount cards, a sign-up for the portal */
	assert_false(say_at(f, "we need leadership buy-in; drug discount cards help; "
			       "patients can sign up for the portal", 2, 30 * min).decided);
	fake_free(f);

	f = fake_new(&rounds_plugin, "{\"promotion\": {\"minutes\": 1, \"phrases\": [\"buy\"],"
				     " \"verdict\": \"warn\"}}");
	d = say_at(f, "BUY it", 1, 5 * min);
	assert_int_equal(d.verdict, ROUNDS_WARN);
	assert_string_equal(d.reason, "please keep promotion for the last 1 minute");
	assert_false(say_at(f, "my book is out", 1, 5 * min).decided); /* phrases replaced */
	fake_free(f);

	/* off by default */
	f = fake_new(&rounds_plugin, NULL);
	assert_false(say_at(f, "Use promo code HCSM20", 1, 50 * min).decided);
	fake_free(f);
	assert_null(fake_new(&rounds_plugin, "{\"promotion\": {\"minutes\": -3}}"));
}

static void test_advice_guard(void **state)
{
	(void)state;
	struct fake *f = fake_new(&rounds_plugin, NULL);
	struct fake_decision d = say(f, "should I stop taking my metformin?");
	assert_int_equal(d.verdict, ROUNDS_WARN);
	assert_string_equal(d.reason, disclaimer);
	assert_false(say(f, "A2: should patients ask their doctor about statins?").decided);
	/* moderators are never sent the disclaimer, even when checked */
	struct fake_msg m = {.text = "should I stop taking my metformin?", .flags = ROUNDS_MSG_MODERATOR};
	assert_false(fake_moderate(f, &m).decided);
	fake_free(f);

	f = fake_new(&rounds_plugin, "{\"advice\": {\"reply\": \"Not here, sorry: see your GP.\"},"
				     " \"moderators\": true}");
	assert_string_equal(say(f, "Can I take ibuprofen with my lisinopril?").reason,
			    "Not here, sorry: see your GP.");
	assert_false(fake_moderate(f, &m).decided);
	fake_free(f);

	f = fake_new(&rounds_plugin, "{\"advice\": {\"enabled\": false}}");
	assert_false(say(f, "should I stop taking my metformin?").decided);
	fake_free(f);
}

static void test_combined(void **state)
{
	(void)state;
	struct fake *f = fake_new(&rounds_plugin,
				  "{\"banned\": [\"quack\"], \"promotion\": {\"minutes\": 5},"
				  " \"links\": {\"deny\": [\"spam.example\"], \"verdict\": \"kick\"}}");
	assert_non_null(f);
	/* banned (hide) and advice (warn): the warning wins */
	struct fake_decision d = say_at(f, "my quack doctor said stop my meds, should I?", 1, 60 * 60000);
	assert_int_equal(d.verdict, ROUNDS_WARN);
	assert_string_equal(d.reason, disclaimer);
	/* banned (hide) and promotion (hide): the first rule's reason */
	d = say_at(f, "quack! promo code X", 1, 60 * 60000);
	assert_true(d.hide);
	assert_non_null(strstr(d.reason, "quack"));
	/* everything at once: the kick */
	d = say_at(f, "quack promo code https://spam.example/x should I stop my insulin?", 1, 60 * 60000);
	assert_int_equal(d.verdict, ROUNDS_KICK);
	assert_string_equal(d.reason, "links to spam.example are not allowed in this chat");
	/* moderators are left alone unless configured */
	struct fake_msg m = {.text = "quack", .flags = ROUNDS_MSG_MODERATOR};
	assert_false(fake_moderate(f, &m).decided);
	fake_free(f);

	f = fake_new(&rounds_plugin, "{\"banned\": [\"quack\"], \"moderators\": true}");
	assert_true(fake_moderate(f, &m).hide);
	assert_false(say(f, "nothing to see").decided);
	assert_int_equal(fake_hooks(f, "moderate"), 1);
	fake_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_whole_words),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_advice),
		cmocka_unit_test(test_banned),
		cmocka_unit_test(test_links_rules),
		cmocka_unit_test(test_promotion),
		cmocka_unit_test(test_advice_guard),
		cmocka_unit_test(test_combined),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
