/* The privacy plugin: its matcher measured on the labelled corpus
 * (privacy_corpus.tsv: precision and recall, printed and held to floors),
 * hand-picked matcher cases, and the plugin through the fake table.
 *
 * PRIVACY_CORPUS_VERBOSE=1 in the environment prints every miss and every
 * false positive of the corpus run. */
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
#include "privacy/privacy_scan.h"

extern const struct rounds_plugin rounds_plugin;

/* ---- the corpus ------------------------------------------------------------ */

#define OPEN "\xE2\x9F\xA6"  /* ⟦ */
#define CLOSE "\xE2\x9F\xA7" /* ⟧ */

enum line_class { LINE_NUM, LINE_TXT, LINE_PHI };

struct gold {
	size_t start, end;
	int category;
	bool matched;
};

struct tally {
	size_t tp, fp, fn;
};

struct corpus_result {
	size_t heldout_lines;
	struct tally heldout; /* the lines after "#! held-out" */
	size_t lines, identifiers, num_lines, num_fp, txt_fp;
	size_t exact;             /* matches with the very same bounds */
	size_t gold_bytes, covered; /* bytes of identifiers, and how many were redacted */
	struct tally all, per[PRIVACY_N_CATEGORIES];
};

/* Strips the ⟦category:…⟧ markers out of src into text, recording spans. */
static size_t parse_marked(const char *src, char *text, struct gold *g, size_t max_g)
{
	size_t n = 0, at = 0;
	const char *p = src;
	while (*p) {
		if (strncmp(p, OPEN, 3) == 0) {
			p += 3;
			const char *colon = strchr(p, ':');
			assert_non_null(colon);
			char cat[16];
			size_t cl = (size_t)(colon - p);
			assert_true(cl < sizeof cat);
			memcpy(cat, p, cl);
			cat[cl] = '\0';
			int c = privacy_category_from_name(cat);
			if (c < 0)
				fail_msg("corpus: unknown category \"%s\" in: %s", cat, src);
			const char *close = strstr(colon, CLOSE);
			assert_non_null(close);
			assert_true(n < max_g);
			size_t len = (size_t)(close - colon - 1);
			g[n] = (struct gold){at, at + len, c, false};
			memcpy(text + at, colon + 1, len);
			at += len;
			n++;
			p = close + 3;
		} else {
			text[at++] = *p++;
		}
	}
	text[at] = '\0';
	return n;
}

static struct corpus_result run_corpus(bool verbose)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/plugins/privacy_corpus.tsv", TEST_SOURCE_DIR);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	struct corpus_result r;
	memset(&r, 0, sizeof r);
	char line[4096], text[4096];
	struct gold g[32];
	bool heldout = false;
	while (fgets(line, sizeof line, f)) {
		size_t len = strlen(line);
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (strcmp(line, "#! held-out") == 0)
			heldout = true;
		if (!len || line[0] == '#')
			continue;
		r.heldout_lines += heldout;
		char *tab = strchr(line, '\t');
		if (!tab)
			fail_msg("corpus: no tab in: %s", line);
		*tab = '\0';
		enum line_class cls = LINE_TXT;
		if (strcmp(line, "num") == 0)
			cls = LINE_NUM;
		else if (strcmp(line, "txt") == 0)
			cls = LINE_TXT;
		else if (strcmp(line, "phi") == 0)
			cls = LINE_PHI;
		else
			fail_msg("corpus: bad class \"%s\"", line);
		size_t ng = parse_marked(tab + 1, text, g, sizeof g / sizeof g[0]);
		if ((cls == LINE_PHI) != (ng > 0))
			fail_msg("corpus: class %s does not fit its markers: %s", line, tab + 1);
		r.lines++;
		r.identifiers += ng;
		r.num_lines += cls == LINE_NUM;
		for (size_t k = 0; k < ng; k++) {
			r.per[g[k].category].fn++; /* undone below when matched */
			r.gold_bytes += g[k].end - g[k].start;
		}
		struct privacy_span *sp;
		size_t tl = strlen(text);
		size_t n = privacy_scan(text, tl, PRIVACY_ALL, &sp);
		for (size_t i = 0; i < n; i++) {
			bool hit = false;
			for (size_t k = 0; k < ng && !hit; k++) {
				if (g[k].matched || (int)sp[i].category != g[k].category ||
				    sp[i].end <= g[k].start || sp[i].start >= g[k].end)
					continue;
				g[k].matched = hit = true;
				r.heldout.tp += heldout;
				r.per[g[k].category].fn--;
				r.per[g[k].category].tp++;
				r.exact += sp[i].start == g[k].start && sp[i].end == g[k].end;
			}
			if (!hit) {
				r.per[sp[i].category].fp++;
				r.heldout.fp += heldout;
				r.num_fp += cls == LINE_NUM;
				r.txt_fp += cls == LINE_TXT;
				if (verbose)
					printf("  false positive [%s] \"%.*s\" in: %s\n",
					       privacy_category_name(sp[i].category),
					       (int)(sp[i].end - sp[i].start), text + sp[i].start, text);
			}
			for (size_t k = 0; k < ng; k++) {
				size_t a = sp[i].start > g[k].start ? sp[i].start : g[k].start;
				size_t b = sp[i].end < g[k].end ? sp[i].end : g[k].end;
				r.covered += b > a ? b - a : 0;
			}
		}
		for (size_t k = 0; k < ng; k++)
			r.heldout.fn += heldout && !g[k].matched;
		if (verbose)
			for (size_t k = 0; k < ng; k++)
				if (!g[k].matched)
					printf("  missed [%s] \"%.*s\" in: %s\n",
					       privacy_category_name((enum privacy_category)g[k].category),
					       (int)(g[k].end - g[k].start), text + g[k].start, text);
		free(sp);
	}
	fclose(f);
	for (int c = 0; c < PRIVACY_N_CATEGORIES; c++) {
		r.all.tp += r.per[c].tp;
		r.all.fp += r.per[c].fp;
		r.all.fn += r.per[c].fn;
	}
	return r;
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 1.0;
}

/* A found span counts if it overlaps an identifier of the same category
 * (one to one); "exact" and "bytes covered" say how well bounds agree. */
static void test_corpus(void **state)
{
	(void)state;
	const char *v = getenv("PRIVACY_CORPUS_VERBOSE");
	struct corpus_result r = run_corpus(v && *v && strcmp(v, "0") != 0);
	double precision = ratio(r.all.tp, r.all.tp + r.all.fp);
	double recall = ratio(r.all.tp, r.all.tp + r.all.fn);
	printf("privacy corpus: %zu lines, %zu identifiers: precision %.3f, recall %.3f "
	       "(%zu found, %zu false, %zu missed; %zu with exact bounds, %.1f%% of identifier "
	       "bytes redacted)\n",
	       r.lines, r.identifiers, precision, recall, r.all.tp, r.all.fp, r.all.fn, r.exact,
	       100.0 * ratio(r.covered, r.gold_bytes));
	printf("privacy corpus: false positives on %zu clinical-number lines: %zu; on plain "
	       "lines: %zu\n",
	       r.num_lines, r.num_fp, r.txt_fp);
	printf("privacy corpus: of which held out (never tuned on) %zu lines, %zu identifiers: "
	       "precision %.3f, recall %.3f\n",
	       r.heldout_lines, r.heldout.tp + r.heldout.fn,
	       ratio(r.heldout.tp, r.heldout.tp + r.heldout.fp),
	       ratio(r.heldout.tp, r.heldout.tp + r.heldout.fn));
	for (int c = 0; c < PRIVACY_N_CATEGORIES; c++) {
		struct tally t = r.per[c];
		printf("  %-8s %3zu identifiers  precision %.3f  recall %.3f\n",
		       privacy_category_name((enum privacy_category)c), t.tp + t.fn,
		       ratio(t.tp, t.tp + t.fp), ratio(t.tp, t.tp + t.fn));
	}
	assert_true(r.lines >= 300);
	assert_true(r.identifiers >= 140);
	assert_int_equal(r.num_fp, 0);
	assert_true(precision >= 0.95);
	assert_true(recall >= 0.90);
	assert_true(ratio(r.heldout.tp, r.heldout.tp + r.heldout.fp) >= 0.85);
	assert_true(ratio(r.heldout.tp, r.heldout.tp + r.heldout.fn) >= 0.85);
	/* names are the loosest kind: title + surname of a cartoon counts */
	struct tally nm = r.per[PRIVACY_NAME];
	assert_true(ratio(nm.tp, nm.tp + nm.fp) >= 0.80 && ratio(nm.tp, nm.tp + nm.fn) >= 0.80);
	/* the structured kinds, where a miss is a bug rather than a hard case */
	static const int strict[] = {PRIVACY_EMAIL, PRIVACY_SSN, PRIVACY_ID, PRIVACY_IP};
	for (size_t k = 0; k < sizeof strict / sizeof strict[0]; k++) {
		struct tally t = r.per[strict[k]];
		assert_true(ratio(t.tp, t.tp + t.fn) >= 0.85);
		assert_true(ratio(t.tp, t.tp + t.fp) >= 0.95);
	}
}

/* ---- the matcher, case by case ----------------------------------------------- */

/* The spans found in text as "category:text|category:text". */
static const char *scan_str(const char *text, unsigned mask)
{
	static char out[2048];
	struct privacy_span *sp;
	size_t n = privacy_scan(text, strlen(text), mask, &sp);
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(out + at, sizeof out - at, "%s%s:%.*s", i ? "|" : "",
				       privacy_category_name(sp[i].category),
				       (int)(sp[i].end - sp[i].start), text + sp[i].start);
	free(sp);
	return out;
}

static void test_matcher_cases(void **state)
{
	(void)state;
	assert_string_equal(scan_str("call 555-123-4567 now", PRIVACY_ALL), "phone:555-123-4567");
	assert_string_equal(scan_str("(555) 123-4567", PRIVACY_ALL), "phone:(555) 123-4567");
	assert_string_equal(scan_str("+44 20 7946 0958", PRIVACY_ALL), "phone:+44 20 7946 0958");
	assert_string_equal(scan_str("two numbers: 555-123-4567 555-765-4321", PRIVACY_ALL),
			    "phone:555-123-4567|phone:555-765-4321");
	assert_string_equal(scan_str("MRN 555-123-4567", PRIVACY_ALL), "id:555-123-4567");
	assert_string_equal(scan_str("SSN 123-45-6789", PRIVACY_ALL), "ssn:123-45-6789");
	assert_string_equal(scan_str("000-12-3456 is not a valid SSN", PRIVACY_ALL), "");
	assert_string_equal(scan_str("mail a.b@example.com.", PRIVACY_ALL), "email:a.b@example.com");
	assert_string_equal(scan_str("DOB: 1/2/1950", PRIVACY_ALL), "dob:1/2/1950");
	assert_string_equal(scan_str("born in 1950", PRIVACY_ALL), "");
	assert_string_equal(scan_str("10.0.0.1", PRIVACY_ALL), "ip:10.0.0.1");
	assert_string_equal(scan_str("version 10.0.0.1", PRIVACY_ALL), "");
	assert_string_equal(scan_str("at 10 Downing Street", PRIVACY_ALL), "address:10 Downing Street");
	assert_string_equal(scan_str("my patient John Smith", PRIVACY_ALL), "name:John Smith");
	/* never a phone: toll-free, in a URL, a fraction, a time, a range */
	assert_string_equal(scan_str("1-800-273-8255", PRIVACY_ALL), "");
	assert_string_equal(scan_str("https://x.org/5551234567", PRIVACY_ALL), "");
	assert_string_equal(scan_str("BP 120/80 at 10:30, 2019-2020", PRIVACY_ALL), "");
	assert_string_equal(scan_str("A1 T2 Q3 A1: yes", PRIVACY_ALL), "");
	/* a category switched off keeps its bytes: no MRN turns into a phone */
	assert_string_equal(scan_str("MRN 555-123-4567", 1u << PRIVACY_PHONE), "");
	assert_string_equal(scan_str("call 555-123-4567 or a@b.org", 1u << PRIVACY_EMAIL), "email:a@b.org");
	/* names keep their accents whole */
	assert_string_equal(scan_str("Mrs. Zoë Núñez was admitted", PRIVACY_ALL), "name:Zoë Núñez");
	/* nothing in, nothing out */
	struct privacy_span *sp = (struct privacy_span *)1;
	assert_int_equal(privacy_scan("", 0, PRIVACY_ALL, &sp), 0);
	assert_null(sp);
	assert_int_equal(privacy_scan("555-123-4567", 12, 0, &sp), 0);
	assert_null(sp);
	assert_string_equal(privacy_category_name(PRIVACY_N_CATEGORIES), "?");
	assert_int_equal(privacy_category_from_name("nope"), -1);
}

/* Length of the well-formed UTF-8 sequence at s[0, n), 0 if ill-formed. */
static size_t seq_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
	if (!len || s[0] > 0xF4 || n < len)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
	    (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
		return 0;
	return len;
}

/* Bytes that are not UTF-8 around identifiers: no crash, and spans never
 * start or end inside a character (an ill-formed byte is one). */
static void test_matcher_bytes(void **state)
{
	(void)state;
	const char text[] = "\xff\xfe call 555-123-4567\xc3 Mr. Jos\xc3\xa9\x80 "
			    "\xe2\x82\xac 555-123-4567 \xf0\x9f\x98\x80jane@x.org\xed\xa0\x80 "
			    "Ms. \xc3\x89lise Br\xc3\xbc\xc3";
	size_t len = sizeof text - 1;
	bool boundary[sizeof text];
	memset(boundary, 0, sizeof boundary);
	for (size_t i = 0; i < len;) {
		size_t k = seq_len((const unsigned char *)text + i, len - i);
		boundary[i] = true;
		i += k ? k : 1;
	}
	boundary[len] = true;
	struct privacy_span *sp;
	size_t n = privacy_scan(text, len, PRIVACY_ALL, &sp);
	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		assert_true(sp[i].start < sp[i].end && sp[i].end <= len);
		assert_true(i == 0 || sp[i - 1].end <= sp[i].start);
		assert_true(boundary[sp[i].start] && boundary[sp[i].end]);
	}
	free(sp);
	/* a long line of numbers stays linear and bounded */
	len = 200000;
	char *big = malloc(len + 1);
	assert_non_null(big);
	for (size_t i = 0; i < len; i++)
		big[i] = "555-123-4567 "[i % 13];
	big[len] = '\0';
	n = privacy_scan(big, len, PRIVACY_ALL, &sp);
	assert_true(n > 10000);
	free(sp);
	free(big);
}

/* ---- the plugin through the fake table ------------------------------------------ */

static struct fake_decision moderate(struct fake *f, const char *text, unsigned flags)
{
	struct fake_msg m = {.text = text, .flags = flags};
	return fake_moderate(f, &m);
}

static void test_plugin_warns_and_redacts(void **state)
{
	(void)state;
	struct fake *f = fake_new(&rounds_plugin, NULL);
	assert_non_null(f);
	assert_int_equal(fake_hooks(f, "moderate"), 1);
	const char *text = "A1: call Mrs. Jane Doe at 555-123-4567 or jane@example.com";
	struct fake_decision d = moderate(f, text, 0);
	assert_int_equal(d.verdict, ROUNDS_WARN);
	assert_string_equal(d.reason, "please keep patient details out of a public chat");
	assert_int_equal(d.n_spans, 3);
	assert_string_equal(fake_redacted(f, text, &d),
			    "A1: call Mrs. [redacted] at [redacted] or [redacted]");
	/* the log says what kinds, never the text */
	assert_non_null(strstr(fake_log(f), "phone, email, name"));
	assert_null(strstr(fake_log(f), "555"));
	/* nothing to find: no decision at all */
	d = moderate(f, "A2: BP 120/80, A1c 6.5, 500 mg metformin since 2019", 0);
	assert_false(d.decided);
	/* moderators paste by mistake too */
	d = moderate(f, "host here: my cell is 555-123-4567", ROUNDS_MSG_MODERATOR);
	assert_int_equal(d.verdict, ROUNDS_WARN);
	fake_free(f);
}

static void test_plugin_silent(void **state)
{
	(void)state;
	struct fake *f = fake_new(&rounds_plugin, "{\"warn\": false}");
	assert_non_null(f);
	const char *text = "MRN 12345678";
	struct fake_decision d = moderate(f, text, 0);
	assert_int_equal(d.verdict, ROUNDS_REDACT);
	assert_string_equal(d.reason, "patient details redacted (id)");
	assert_string_equal(fake_redacted(f, text, &d), "MRN [redacted]");
	fake_free(f);
}

static void test_plugin_config(void **state)
{
	(void)state;
	struct fake *f = fake_new(&rounds_plugin,
				  "{\"detect\": [\"email\"], \"message\": \"No contact details, please.\","
				  " \"moderators\": false}");
	assert_non_null(f);
	const char *text = "call 555-123-4567 or mail a@b.org";
	struct fake_decision d = moderate(f, text, 0);
	assert_int_equal(d.verdict, ROUNDS_WARN);
	assert_string_equal(d.reason, "No contact details, please.");
	assert_string_equal(fake_redacted(f, text, &d), "call 555-123-4567 or mail [redacted]");
	d = moderate(f, text, ROUNDS_MSG_MODERATOR);
	assert_false(d.decided);
	d = moderate(f, "call 555-123-4567", 0);
	assert_false(d.decided);
	fake_free(f);

	assert_null(fake_new(&rounds_plugin, "{\"detect\": [\"phone\", \"shoe size\"]}"));
	assert_string_equal(fake_last_error(), "unknown category in \"detect\"");
}

/* Two instances (two chats) with their own settings, side by side. */
static void test_plugin_instances(void **state)
{
	(void)state;
	struct fake *a = fake_new(&rounds_plugin, "{\"detect\": [\"phone\"]}");
	struct fake *b = fake_new(&rounds_plugin, "{\"detect\": [\"ip\"], \"warn\": false}");
	assert_non_null(a);
	assert_non_null(b);
	const char *text = "555-123-4567 from 10.1.2.3";
	struct fake_decision da = moderate(a, text, 0), db = moderate(b, text, 0);
	assert_string_equal(fake_redacted(a, text, &da), "[redacted] from 10.1.2.3");
	assert_string_equal(fake_redacted(b, text, &db), "555-123-4567 from [redacted]");
	assert_int_equal(da.verdict, ROUNDS_WARN);
	assert_int_equal(db.verdict, ROUNDS_REDACT);
	fake_free(a);
	fake_free(b);
}

/* More identifiers than the bot keeps spans: the last span covers the rest. */
static void test_plugin_many_spans(void **state)
{
	(void)state;
	struct fake *f = fake_new(&rounds_plugin, NULL);
	char text[2000] = "";
	for (int i = 0; i < 80; i++)
		strcat(text, "555-123-4567 ");
	struct fake_decision d = moderate(f, text, 0);
	assert_int_equal(d.n_spans, 64);
	const char *out = fake_redacted(f, text, &d);
	assert_null(strstr(out, "555"));
	fake_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_matcher_cases),
		cmocka_unit_test(test_matcher_bytes),
		cmocka_unit_test(test_plugin_warns_and_redacts),
		cmocka_unit_test(test_plugin_silent),
		cmocka_unit_test(test_plugin_config),
		cmocka_unit_test(test_plugin_instances),
		cmocka_unit_test(test_plugin_many_spans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
