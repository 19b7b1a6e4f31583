/* highlights: for each topic, a few answers that represent the round.
 *
 * An answer's score is how much it says what the round as a whole said
 * — the cosine between its set of content words and the sum of the
 * other answers' sets — plus reply_weight for each reply it received (at
 * most REPLIES_COUNTED of them) and reaction_weight for each reaction (at
 * most REACTIONS_COUNTED). Lines shorter than min_words words, the
 * bot's lines, removed lines and lines with a redaction are never picked;
 * nor a second line of the same person, nor one nearly the same as a line
 * already picked. Scores are compared rounded to 1e-6, then earlier time,
 * then transcript order: the same transcript always gives the same picks.
 *
 * Cost: a round with n answers of k words is O(n k log(n k)) (sorting the
 * word hashes), not O(n^2): a round of 500 answers of 25 words takes a few milliseconds. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rounds-plugin.h"
#include "plugin_util.h"

#define REPLIES_COUNTED 5
#define REACTIONS_COUNTED 10
#define NEAR_DUPLICATE 0.8 /* Jaccard of word sets at which two lines say the same */

/* Words that say nothing about the topic (sorted: searched with bsearch). */
static const char *const stop_words[] = {
	"a", "about", "after", "again", "agree", "all", "also", "am", "an", "and", "any", "are",
	"as", "at", "be", "because", "been", "before", "being", "but", "by", "can", "could",
	"did", "do", "does", "doing", "don", "dont", "for", "from", "get", "got", "great", "had",
	"has", "have", "he", "her", "here", "him", "his", "how", "i", "if", "im", "in", "into",
	"is", "it", "its", "ive", "just", "like", "me", "more", "most", "my", "no", "not", "now",
	"of", "on", "one", "only", "or", "other", "our", "out", "over", "re", "really", "she",
	"so", "some", "such", "than", "that", "thats", "the", "their", "them", "then", "there",
	"these", "they", "think", "this", "those", "to", "too", "up", "us", "very", "was", "we",
	"were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "yes",
	"you", "your",
};

struct highlights {
	const struct rounds_api *api;
	size_t per_topic, min_words;
	double reply_weight, reaction_weight;
};

struct answer {
	size_t index;
	int64_t ts;
	const char *sender, *text;
	size_t participant, replies, reactions;
	int round;
	uint64_t *words; /* hashes of its content words, sorted, unique */
	size_t n_words;
	int64_t score;   /* rounded to 1e-6 */
};

static int cmp_str(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool word_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* "a1", "T2", "q3": the chat's own labels, not content. */
static bool label(const char *w, size_t n)
{
	if (n < 2 || !strchr("atq", w[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (w[i] < '0' || w[i] > '9')
			return false;
	return true;
}

/* Splits text into its content words (lowercased ASCII; hashtags,
 * mentions, links, labels and stop words left out) as sorted unique
 * hashes in a->words. Returns the number of words a reader would count. */
static size_t tokenize(struct answer *a)
{
	const char *s = a->text;
	size_t cap = 0, words = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		const char *w = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		size_t wn = (size_t)(s - w);
		if (!wn)
			continue;
		bool counts = false;
		for (size_t i = 0; i < wn && !counts; i++)
			counts = word_byte((unsigned char)w[i]);
		words += counts;
		if (*w == '#' || *w == '@' || memmem(w, wn, "://", 3))
			continue;
		for (size_t i = 0; i < wn;) {
			while (i < wn && !word_byte((unsigned char)w[i]))
				i++;
			char tok[64];
			size_t tn = 0;
			uint64_t h = 0xcbf29ce484222325ull;
			for (; i < wn && word_byte((unsigned char)w[i]); i++) {
				char c = w[i] >= 'A' && w[i] <= 'Z' ? (char)(w[i] - 'A' + 'a') : w[i];
				if (tn < sizeof tok - 1)
					tok[tn++] = c;
				h = (h ^ (unsigned char)c) * 0x100000001b3ull;
			}
			tok[tn] = '\0';
			if (tn < 2 || label(tok, tn) ||
			    bsearch(tok, stop_words, sizeof stop_words / sizeof stop_words[0],
				    sizeof stop_words[0], cmp_str))
				continue;
			if (a->n_words == cap) {
				cap = cap ? cap * 2 : 16;
				a->words = xrealloc(a->words, cap * sizeof *a->words);
			}
			a->words[a->n_words++] = h;
		}
	}
	if (!a->n_words)
		return words; /* a->words is NULL */
	qsort(a->words, a->n_words, sizeof *a->words, cmp_u64);
	size_t k = 0;
	for (size_t i = 0; i < a->n_words; i++)
		if (!k || a->words[k - 1] != a->words[i])
			a->words[k++] = a->words[i];
	a->n_words = k;
	return words;
}

/* |x ∩ y| / |x ∪ y| of two sorted unique sets. */
static double jaccard(const struct answer *x, const struct answer *y)
{
	size_t i = 0, j = 0, both = 0;
	while (i < x->n_words && j < y->n_words) {
		if (x->words[i] == y->words[j])
			both++, i++, j++;
		else if (x->words[i] < y->words[j])
			i++;
		else
			j++;
	}
	size_t either = x->n_words + y->n_words - both;
	return either ? (double)both / (double)either : 1.0;
}

/* Best first: score, then earlier, then transcript order. */
static int cmp_rank(const void *a, const void *b)
{
	const struct answer *x = *(const struct answer *const *)a, *y = *(const struct answer *const *)b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_time(const void *a, const void *b)
{
	const struct answer *x = *(const struct answer *const *)a, *y = *(const struct answer *const *)b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* How often each word occurs across a round's answers: df[i] for the
 * sorted unique words[i]. */
struct counts {
	uint64_t *words;
	size_t *df, n;
	double sum_sq; /* sum of df^2: the squared length of the summed vector */
};

static void count_words(struct answer *const *round, size_t n, struct counts *c)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += round[i]->n_words;
	c->words = xcalloc(total, sizeof *c->words);
	c->df = xcalloc(total, sizeof *c->df);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (round[i]->n_words)
			memcpy(c->words + k, round[i]->words, round[i]->n_words * sizeof *c->words);
		k += round[i]->n_words;
	}
	qsort(c->words, total, sizeof *c->words, cmp_u64);
	c->n = 0;
	c->sum_sq = 0;
	for (size_t i = 0, j; i < total; i = j) {
		for (j = i; j < total && c->words[j] == c->words[i]; j++)
			;
		c->words[c->n] = c->words[i];
		c->df[c->n++] = j - i;
		c->sum_sq += (double)(j - i) * (double)(j - i);
	}
}

static size_t df_of(const struct counts *c, uint64_t w)
{
	const uint64_t *p = bsearch(&w, c->words, c->n, sizeof *c->words, cmp_u64);
	return p ? c->df[p - c->words] : 0;
}

/* Scores a round's answers: cosine(answer, sum of the others) + replies. */
static void score_round(const struct highlights *hl, struct answer *const *round, size_t n)
{
	struct counts c;
	count_words(round, n, &c);
	for (size_t i = 0; i < n; i++) {
		struct answer *a = round[i];
		double dot = 0, own = 0;
		for (size_t k = 0; k < a->n_words; k++) {
			double df = (double)df_of(&c, a->words[k]);
			dot += df - 1;
			own += 2 * df - 1;
		}
		double others_sq = c.sum_sq - own;
		double sim = dot > 0 && others_sq > 0
				     ? dot / (sqrt((double)a->n_words) * sqrt(others_sq))
				     : 0;
		size_t replies = a->replies < REPLIES_COUNTED ? a->replies : REPLIES_COUNTED;
		size_t reactions = a->reactions < REACTIONS_COUNTED ? a->reactions : REACTIONS_COUNTED;
		a->score = llround((sim + hl->reply_weight * (double)replies +
				    hl->reaction_weight * (double)reactions) * 1e6);
	}
	free(c.words);
	free(c.df);
}

/* Picks up to per_topic answers of the round into picked (time order);
 * returns how many. */
static size_t pick(const struct highlights *hl, struct answer **round, size_t n,
		   struct answer **picked)
{
	score_round(hl, round, n);
	qsort(round, n, sizeof *round, cmp_rank);
	size_t k = 0;
	for (size_t i = 0; i < n && k < hl->per_topic; i++) {
		bool skip = false;
		for (size_t j = 0; j < k && !skip; j++)
			skip = (round[i]->participant != (size_t)-1 &&
				round[i]->participant == picked[j]->participant) ||
			       strcmp(round[i]->sender, picked[j]->sender) == 0 ||
			       jaccard(round[i], picked[j]) >= NEAR_DUPLICATE;
		if (!skip)
			picked[k++] = round[i];
	}
	qsort(picked, k, sizeof *picked, cmp_time);
	return k;
}

static int cmp_round_then_index(const void *a, const void *b)
{
	const struct answer *x = a, *y = b;
	if (x->round != y->round)
		return x->round < y->round ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static const char *topic_of(const struct rounds_api *api, struct rounds_summary *s, int n)
{
	size_t n_rounds = api->summary_rounds(s);
	for (size_t i = 0; i < n_rounds; i++) {
		struct rounds_summary_round r = {.size = sizeof r};
		if (api->summary_round(s, i, &r) && r.number == n)
			return r.topic;
	}
	return NULL;
}

static void summarize(void *ud, struct rounds_summary *s)
{
	struct highlights *hl = ud;
	const struct rounds_api *api = hl->api;
	size_t n_msgs = api->summary_messages(s);
	struct answer *answers = xcalloc(n_msgs, sizeof *answers);
	size_t n = 0;
	for (size_t i = 0; i < n_msgs; i++) {
		struct rounds_summary_message m = {.size = sizeof m};
		if (!api->summary_message(s, i, &m) || m.bot || m.round < 1 || !m.text || !m.sender ||
		    m.removed || m.redacted)
			continue;
		struct answer *a = &answers[n];
		*a = (struct answer){.index = i, .ts = m.ts_ms, .sender = m.sender, .text = m.text,
				     .participant = m.participant, .replies = m.replies, .round = m.round,
				     .reactions = m.reactions};
		if (tokenize(a) >= hl->min_words)
			n++;
		else
			free(a->words);
	}
	qsort(answers, n, sizeof *answers, cmp_round_then_index);

	struct answer **round = xcalloc(n, sizeof *round);
	struct answer **picked = xcalloc(hl->per_topic, sizeof *picked);
	size_t sec = 0;
	bool any = false;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && answers[j].round == answers[i].round; j++)
			round[j - i] = &answers[j];
		size_t k = pick(hl, round, j - i, picked);
		if (!k)
			continue;
		if (!any)
			sec = api->section(s, "Highlights");
		any = true;

		const char *topic = topic_of(api, s, answers[i].round);
		char head[64];
		snprintf(head, sizeof head, "T%d%s", answers[i].round, topic && *topic ? ": " : "");
		size_t hn = strlen(head), tn = topic ? strlen(topic) : 0;
		char *para = xcalloc(hn + tn + 1, 1);
		memcpy(para, head, hn);
		if (topic && *topic)
			memcpy(para + hn, topic, tn);
		api->paragraph(s, sec, para);
		free(para);

		char **texts = xcalloc(k, sizeof *texts);
		for (size_t q = 0; q < k; q++) {
			size_t sn = strlen(picked[q]->sender), ln = strlen(picked[q]->text);
			texts[q] = xcalloc(sn + ln + 3, 1);
			memcpy(texts[q], picked[q]->sender, sn);
			memcpy(texts[q] + sn, ": ", 2);
			memcpy(texts[q] + sn + 2, picked[q]->text, ln);
		}
		api->list(s, sec, (const char *const *)texts, NULL, k);
		for (size_t q = 0; q < k; q++)
			free(texts[q]);
		free(texts);
	}

	for (size_t i = 0; i < n; i++)
		free(answers[i].words);
	free(picked);
	free(round);
	free(answers);
}

static int highlights_init(struct rounds_host *h, const struct rounds_api *api, const char **errmsg)
{
	double per_topic = api->config_number(h, "per_topic", 3);
	double min_words = api->config_number(h, "min_words", 4);
	double reply_weight = api->config_number(h, "reply_weight", 0.05);
	double reaction_weight = api->config_number(h, "reaction_weight", 0.03);
	if (!(per_topic >= 1 && per_topic <= 20) || per_topic != floor(per_topic)) {
		*errmsg = "per_topic must be a whole number from 1 to 20";
		return -1;
	}
	if (!(min_words >= 1 && min_words <= 50) || min_words != floor(min_words)) {
		*errmsg = "min_words must be a whole number from 1 to 50";
		return -1;
	}
	if (!(reply_weight >= 0 && reply_weight <= 10)) {
		*errmsg = "reply_weight must be a number from 0 to 10";
		return -1;
	}
	if (!(reaction_weight >= 0 && reaction_weight <= 10)) {
		*errmsg = "reaction_weight must be a number from 0 to 10";
		return -1;
	}
	struct highlights *hl = xcalloc(1, sizeof *hl);
	hl->api = api;
	hl->per_topic = (size_t)per_topic;
	hl->min_words = (size_t)min_words;
	hl->reply_weight = reply_weight;
	hl->reaction_weight = reaction_weight;
	if (api->hook_summary(h, summarize, hl, free) < 0) {
		free(hl);
		*errmsg = "could not register the summary hook";
		return -1;
	}
	return 0;
}

ROUNDS_PLUGIN_DEFINE("highlights", "1.0", "a few representative answers for each topic",
		     highlights_init, NULL);
