/* resources: the links people shared, as "Reading list" (links to evidence
 * sources: PubMed, DOI, PMC, trials registries, guideline bodies, ...) and
 * "Links shared" (every link, by topic, then by domain).
 *
 * Links are found in people's lines (never the bot's), normalized (see
 * urls.h) and merged: one entry per link, with who shared it first, how
 * many lines shared it and in which rounds. Every ordering ends on the
 * normalized url, so the same transcript always gives the same sections. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rounds-plugin.h"
#include "urls.h"
#include "plugin_util.h"

/* Built-in evidence sources: "host[/path-prefix]", matched on whole
 * domain labels and path segments. */
static const char *const evidence_builtin[] = {
	"pubmed.ncbi.nlm.nih.gov", "ncbi.nlm.nih.gov/pubmed", "pmc.ncbi.nlm.nih.gov",
	"ncbi.nlm.nih.gov/pmc",    "doi.org",                 "clinicaltrials.gov",
	"cochranelibrary.com",     "cochrane.org",            "nih.gov",
	"cdc.gov",                 "who.int",                 "nice.org.uk",
	"medrxiv.org",             "biorxiv.org",
};

struct resources {
	const struct rounds_api *api;
	char **evidence; /* patterns, lowercase */
	size_t n_evidence;
};

/* One line sharing one link. */
struct share {
	struct resources_url u;
	const char *sender; /* borrowed for the summary call */
	int round;
	int64_t ts;
	size_t seq; /* order of appearance: by line, then within the line */
};

/* A link, merged over its shares. */
struct link {
	const struct share *first; /* the earliest share */
	size_t times;
	int *rounds; /* distinct, in round order */
	size_t n_rounds;
	bool evidence;
};

/* Intro first, topics in order, then lines after the last topic. */
static int64_t round_order(int n)
{
	return n < 0 ? INT64_MAX : n;
}

static int cmp_share(const void *a, const void *b)
{
	const struct share *x = a, *y = b;
	int c = strcmp(x->u.url, y->u.url);
	if (c)
		return c;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Earliest first share, then the url. */
static int cmp_first(const struct link *x, const struct link *y)
{
	if (x->first->ts != y->first->ts)
		return x->first->ts < y->first->ts ? -1 : 1;
	if (x->first->seq != y->first->seq)
		return x->first->seq < y->first->seq ? -1 : 1;
	return strcmp(x->first->u.url, y->first->u.url);
}

static int cmp_reading(const void *a, const void *b)
{
	return cmp_first(*(const struct link *const *)a, *(const struct link *const *)b);
}

/* By the round first shared in, then domain, then time. */
static int cmp_shared(const void *a, const void *b)
{
	const struct link *x = *(const struct link *const *)a, *y = *(const struct link *const *)b;
	int64_t rx = round_order(x->first->round), ry = round_order(y->first->round);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	int c = strcmp(x->first->u.domain, y->first->u.domain);
	return c ? c : cmp_first(x, y);
}

static void round_label(int n, char *out, size_t size)
{
	if (n == 0)
		snprintf(out, size, "intros");
	else if (n < 0)
		snprintf(out, size, "after the topics");
	else
		snprintf(out, size, "T%d", n);
}

/* "display — shared by alice (3 times)", then the rounds: all of them
 * (", T2, T4"), or with skip_first only the others (", also T4"). */
static char *item_text(const struct link *l, bool skip_first)
{
	struct str t = {0};
	char num[48];
	str_add(&t, l->first->u.display);
	str_add(&t, " \u2014 shared by ");
	str_add(&t, l->first->sender);
	if (l->times > 1) {
		snprintf(num, sizeof num, " (%zu times)", l->times);
		str_add(&t, num);
	}
	for (size_t i = 0, k = 0; i < l->n_rounds; i++) {
		if (skip_first && l->rounds[i] == l->first->round)
			continue;
		round_label(l->rounds[i], num, sizeof num);
		str_add(&t, k++ ? ", " : skip_first ? ", also " : ", ");
		str_add(&t, num);
	}
	return str_steal(&t);
}

static int cmp_round(const void *a, const void *b)
{
	int64_t x = round_order(*(const int *)a), y = round_order(*(const int *)b);
	return x < y ? -1 : x > y;
}

/* Adds a list of links to section sec (skip_first: see item_text). */
static void add_list(const struct rounds_api *api, struct rounds_summary *s, size_t sec,
		     struct link *const *links, size_t n, bool skip_first)
{
	char **texts = xcalloc(n, sizeof *texts);
	const char **urls = xcalloc(n, sizeof *urls);
	for (size_t i = 0; i < n; i++) {
		texts[i] = item_text(links[i], skip_first);
		urls[i] = links[i]->first->u.url;
	}
	api->list(s, sec, (const char *const *)texts, urls, n);
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	free(urls);
}

/* "T2: topic", "Introductions" or "After the last topic". */
static char *round_heading(const struct rounds_api *api, struct rounds_summary *s, int n)
{
	struct str t = {0};
	if (n <= 0) {
		str_add(&t, n == 0 ? "Introductions" : "After the last topic");
		return str_steal(&t);
	}
	const char *topic = NULL;
	size_t n_rounds = api->summary_rounds(s);
	for (size_t i = 0; i < n_rounds && !topic; i++) {
		struct rounds_summary_round r = {.size = sizeof r};
		if (api->summary_round(s, i, &r) && r.number == n)
			topic = r.topic;
	}
	char num[24];
	snprintf(num, sizeof num, "T%d", n);
	str_add(&t, num);
	if (topic && *topic) {
		str_add(&t, ": ");
		str_add(&t, topic);
	}
	return str_steal(&t);
}

static void summarize(void *ud, struct rounds_summary *s)
{
	struct resources *r = ud;
	const struct rounds_api *api = r->api;
	size_t n_msgs = api->summary_messages(s);

	struct share *shares = NULL;
	size_t n_shares = 0, cap = 0;
	for (size_t i = 0; i < n_msgs; i++) {
		struct rounds_summary_message m = {.size = sizeof m};
		if (!api->summary_message(s, i, &m) || m.bot || !m.text)
			continue;
		size_t len = strlen(m.text), pos = 0, from = n_shares;
		struct resources_url u;
		while (resources_url_next(m.text, len, &pos, &u)) {
			bool again = false; /* the same link twice in a line is one share */
			for (size_t k = from; k < n_shares && !again; k++)
				again = strcmp(shares[k].u.url, u.url) == 0;
			if (again) {
				resources_url_clear(&u);
				continue;
			}
			if (n_shares == cap) {
				cap = cap ? cap * 2 : 32;
				shares = xrealloc(shares, cap * sizeof *shares);
			}
			shares[n_shares] = (struct share){u, m.sender ? m.sender : "someone",
							  m.round < 0 ? -1 : m.round, m.ts_ms, n_shares};
			n_shares++;
		}
	}

	/* merge the shares of each link */
	if (n_shares) /* shares is NULL when there are none */
		qsort(shares, n_shares, sizeof *shares, cmp_share);
	struct link *links = xcalloc(n_shares, sizeof *links);
	size_t n_links = 0;
	for (size_t i = 0, j; i < n_shares; i = j) {
		struct link *l = &links[n_links++];
		l->first = &shares[i];
		for (j = i; j < n_shares && strcmp(shares[j].u.url, shares[i].u.url) == 0; j++)
			;
		l->times = j - i;
		l->rounds = xcalloc(j - i, sizeof *l->rounds);
		for (size_t k = i; k < j; k++) {
			bool seen = false;
			for (size_t q = 0; q < l->n_rounds && !seen; q++)
				seen = l->rounds[q] == shares[k].round;
			if (!seen)
				l->rounds[l->n_rounds++] = shares[k].round;
		}
		qsort(l->rounds, l->n_rounds, sizeof *l->rounds, cmp_round);
		for (size_t e = 0; e < r->n_evidence && !l->evidence; e++)
			l->evidence = resources_url_matches(l->first->u.host, l->first->u.path,
							    r->evidence[e]);
	}

	struct link **order = xcalloc(n_links, sizeof *order);
	size_t n_order = 0;
	for (size_t i = 0; i < n_links; i++)
		if (links[i].evidence)
			order[n_order++] = &links[i];
	if (n_order) {
		qsort(order, n_order, sizeof *order, cmp_reading);
		size_t sec = api->section(s, "Reading list");
		add_list(api, s, sec, order, n_order, false);
	}

	size_t sec = api->section(s, "Links shared");
	if (!n_links)
		api->paragraph(s, sec, "No links were shared.");
	for (size_t i = 0; i < n_links; i++)
		order[i] = &links[i];
	qsort(order, n_links, sizeof *order, cmp_shared);
	for (size_t i = 0, j; i < n_links; i = j) {
		for (j = i; j < n_links && order[j]->first->round == order[i]->first->round; j++)
			;
		char *heading = round_heading(api, s, order[i]->first->round);
		api->paragraph(s, sec, heading);
		free(heading);
		add_list(api, s, sec, order + i, j - i, true);
	}

	free(order);
	for (size_t i = 0; i < n_links; i++)
		free(links[i].rounds);
	free(links);
	for (size_t i = 0; i < n_shares; i++)
		resources_url_clear(&shares[i].u);
	free(shares);
}

static void resources_free(void *ud)
{
	struct resources *r = ud;
	for (size_t i = 0; i < r->n_evidence; i++)
		free(r->evidence[i]);
	free(r->evidence);
	free(r);
}

/* "https://www.NEJM.org/doi/" -> "nejm.org/doi"; NULL if no host is left. */
static char *pattern_from_config(const char *s)
{
	if (strncasecmp(s, "https://", 8) == 0)
		s += 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		s += 7;
	if (strncasecmp(s, "www.", 4) == 0)
		s += 4;
	size_t n = strlen(s);
	while (n && s[n - 1] == '/')
		n--;
	char *p = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++)
		p[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	if (!n || p[0] == '/' || strchr(p, ' ')) {
		free(p);
		return NULL;
	}
	return p;
}

static int resources_init(struct rounds_host *h, const struct rounds_api *api, const char **errmsg)
{
	struct resources *r = xcalloc(1, sizeof *r);
	r->api = api;
	const char *const *extra;
	size_t n_extra = api->config_strings(h, "evidence_domains", &extra);
	bool replace = api->config_bool(h, "evidence_domains_replace", false);
	size_t n_builtin = replace ? 0 : sizeof evidence_builtin / sizeof evidence_builtin[0];
	r->evidence = xcalloc(n_builtin + n_extra, sizeof *r->evidence);
	for (size_t i = 0; i < n_builtin; i++)
		r->evidence[r->n_evidence++] = pattern_from_config(evidence_builtin[i]);
	for (size_t i = 0; i < n_extra; i++) {
		char *p = pattern_from_config(extra[i]);
		if (p)
			r->evidence[r->n_evidence++] = p;
		else
			api->log(h, ROUNDS_LOG_WARN, "resources: evidence_domains: \"%s\" has no domain, skipped",
				 extra[i]);
	}
	if (api->hook_summary(h, summarize, r, resources_free) < 0) {
		resources_free(r);
		*errmsg = "could not register the summary hook";
		return -1;
	}
	return 0;
}

ROUNDS_PLUGIN_DEFINE("resources", "1.0", "links shared in the chat, with a reading list of evidence",
		     resources_init, NULL);
