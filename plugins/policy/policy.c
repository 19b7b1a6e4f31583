/* policy: a chat's house rules about words and links.
 *
 *   - banned words and phrases (case- and accent-insensitive, whole words);
 *   - links: domains denied, or only some allowed; URL shorteners flagged
 *     because they hide where they lead;
 *   - no promotion before the last N minutes of a chat (phrases such as
 *     "promo code", or links to listed domains);
 *   - a guard against requests for personal medical advice: the sender
 *     gets the chat's disclaimer privately (a WARN whose reason is the
 *     disclaimer, since a moderation hook cannot reply).
 *
 * One decision per line: the most severe rule that fired, with its reason
 * (on a tie, the first in the order above). Moderators' lines are left
 * alone unless "moderators" is true; the advice guard never looks at them. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_match.h"
#include "rounds-plugin.h"
#include "plugin_util.h"

#define MINUTES_MAX 1440

static const char default_advice[] =
	"This chat can't give personal medical advice; please talk to your own clinician. "
	"In an emergency call your local emergency number.";

/* Phrases that read as selling, on by default. Not bare "buy",
 * "discount" or "sign up": "leadership buy-in", "drug discount cards" and
 * "patients can sign up for the portal" are on topic in a health chat. */
static const char *const default_promotion[] = {
	"buy now", "buy my", "buy our", "discount code", "promo code", "coupon code", "use code",
	"sign up now", "sign up for my", "sign up for our", "register now", "my book",
	"my new book", "my course", "my new course", "my program", "my webinar", "my masterclass",
	"my podcast", "follow me", "link in bio", "order now", "pre order", "limited time offer",
	"free trial", NULL};

static const char *const default_shorteners[] = {
	"bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "buff.ly", "is.gd",
	"v.gd", "tiny.cc", "rebrand.ly", "cutt.ly", "shorturl.at", "rb.gy", "t.ly", "bl.ink",
	"lnkd.in", "dlvr.it", "ift.tt", "trib.al", "s.id", "tiny.one", "shorte.st", "adf.ly",
	"bc.vc", "soo.gd", "qr.ae", "amzn.to", NULL};

/* Sorted by name (table-driven lookup). */
struct verdict_name {
	const char *name;
	enum rounds_verdict verdict;
};

static const struct verdict_name verdict_names[] = {
	{"allow", ROUNDS_ALLOW}, {"ban", ROUNDS_BAN},   {"flag", ROUNDS_FLAG}, {"hide", ROUNDS_HIDE},
	{"kick", ROUNDS_KICK},   {"mute", ROUNDS_MUTE}, {"warn", ROUNDS_WARN},
};

struct phrase {
	char *folded;   /* " promo code " */
	char *original; /* as configured, for reasons */
};

struct list {
	char **items;
	size_t n;
};

struct policy {
	const struct rounds_api *api;
	struct rounds_host *host;
	bool moderators;
	bool tell_sender; /* a hidden line's author is told why (a WARN with the reason) */
	struct phrase *banned;
	size_t n_banned;
	enum rounds_verdict banned_verdict;
	struct list allow, deny, shorteners, promo_domains;
	enum rounds_verdict links_verdict, shortener_verdict;
	int promo_minutes; /* 0: the rule is off */
	struct phrase *promo;
	size_t n_promo;
	enum rounds_verdict promo_verdict;
	char *promo_message;
	bool advice;
	char *advice_reply;
};

static void phrases_free(struct phrase *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].folded);
		free(v[i].original);
	}
	free(v);
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
}

static void policy_destroy(void *ud)
{
	struct policy *p = ud;
	phrases_free(p->banned, p->n_banned);
	phrases_free(p->promo, p->n_promo);
	list_free(&p->allow);
	list_free(&p->deny);
	list_free(&p->shorteners);
	list_free(&p->promo_domains);
	free(p->promo_message);
	free(p->advice_reply);
	free(p);
}

/* ---- configuration -------------------------------------------------------- */

/* Folds each string of the config array key (or of fallback when the key
 * gives none) into *out. Strings with no word in them are skipped. */
static size_t load_phrases(struct policy *p, const char *key, const char *const *fallback,
			   struct phrase **out)
{
	const char *const *items;
	size_t n = p->api->config_strings(p->host, key, &items);
	if (!n && fallback)
		for (items = fallback; items[n]; n++)
			;
	struct phrase *v = xrealloc(NULL, n * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		char *f = policy_fold(items[i], strlen(items[i]), &len);
		if (len < 3) {
			p->api->log(p->host, ROUNDS_LOG_WARN, "%s: \"%s\" has no word in it: ignored", key,
				    items[i]);
			free(f);
			continue;
		}
		v[k].folded = f;
		v[k].original = xstrdup(items[i]);
		k++;
	}
	*out = v;
	return k;
}

/* Normalized domains of the config array key, plus those of extra. */
static void load_domains(struct policy *p, const char *key, const char *const *extra, struct list *out)
{
	const char *const *items;
	size_t n = p->api->config_strings(p->host, key, &items), m = 0;
	while (extra && extra[m])
		m++;
	out->items = xrealloc(NULL, (n + m) * sizeof *out->items);
	out->n = 0;
	for (size_t i = 0; i < n + m; i++) {
		const char *d = i < n ? items[i] : extra[i - n];
		char norm[POLICY_HOST_MAX];
		if (!policy_domain_normalize(d, norm, sizeof norm)) {
			p->api->log(p->host, ROUNDS_LOG_WARN, "%s: \"%s\" is not a domain: ignored", key, d);
			continue;
		}
		out->items[out->n++] = xstrdup(norm);
	}
}

static int verdict_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct verdict_name *)elem)->name);
}

/* The verdict named by config key (fallback if missing); false if the name
 * is not one. */
static bool load_verdict(struct policy *p, const char *key, enum rounds_verdict fallback,
			 enum rounds_verdict *out)
{
	const char *name = p->api->config_string(p->host, key, NULL);
	*out = fallback;
	if (!name)
		return true;
	const struct verdict_name *hit = bsearch(name, verdict_names, sizeof verdict_names / sizeof verdict_names[0],
				  sizeof verdict_names[0], verdict_cmp);
	if (!hit) {
		p->api->log(p->host, ROUNDS_LOG_ERROR,
			    "%s: \"%s\" is not a verdict (allow, flag, hide, warn, mute, kick, ban)", key,
			    name);
		return false;
	}
	*out = hit->verdict;
	return true;
}

static const char *config_text(struct policy *p, const char *key, const char *fallback)
{
	const char *s = p->api->config_string(p->host, key, fallback);
	return s && *s ? s : fallback;
}

/* ---- moderation ------------------------------------------------------------ */

struct pick {
	enum rounds_verdict verdict;
	char reason[512];
};

/* Keeps the rule's verdict if it is more severe than what is kept. */
static void consider(struct pick *k, enum rounds_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void consider(struct pick *k, enum rounds_verdict v, const char *fmt, ...)
{
	if (v <= k->verdict)
		return;
	k->verdict = v;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->reason, sizeof k->reason, fmt, ap);
	va_end(ap);
}

static const char *list_match(const struct list *l, const char *host)
{
	for (size_t i = 0; i < l->n; i++)
		if (policy_domain_match(host, l->items[i]))
			return l->items[i];
	return NULL;
}

/* Fields of struct rounds_message this plugin reads were all in 1.0; the
 * check keeps an older or odd bot from making us read past its struct. */
#define MSG_HAS(m, field) ((m)->size >= offsetof(struct rounds_message, field) + sizeof((m)->field))

static void policy_moderate(void *ud, const struct rounds_message *m, struct rounds_decision *d)
{
	struct policy *p = ud;
	if (!MSG_HAS(m, flags) || !m->text)
		return;
	bool moderator = m->flags & ROUNDS_MSG_MODERATOR;
	if (moderator && !p->moderators)
		return;
	struct pick k = {ROUNDS_ALLOW, ""};
	char *folded = policy_fold(m->text, m->text_len, NULL);

	for (size_t i = 0; i < p->n_banned && p->banned_verdict; i++)
		if (policy_contains(folded, p->banned[i].folded)) {
			consider(&k, p->banned_verdict, "\"%s\" is not allowed in this chat (banned words)",
				 p->banned[i].original);
			break;
		}

	bool promo_link = false;
	struct policy_link l;
	for (size_t pos = 0; policy_next_link(m->text, m->text_len, &pos, &l);) {
		const char *hit;
		if ((hit = list_match(&p->deny, l.host)))
			consider(&k, p->links_verdict, "links to %s are not allowed in this chat", hit);
		else if (p->allow.n && !list_match(&p->allow, l.host))
			consider(&k, p->links_verdict,
				 "only links to approved sites are allowed in this chat (not %s)", l.host);
		if (list_match(&p->shorteners, l.host))
			consider(&k, p->shortener_verdict, "link shortener hides the destination");
		promo_link |= list_match(&p->promo_domains, l.host) != NULL;
	}

	/* Promotion waits for the last N minutes; with no chat running
	 * (round -1) there is nothing to protect. */
	if (p->promo_minutes && p->promo_verdict && m->round != -1 &&
	    m->remaining_ms > (int64_t)p->promo_minutes * 60000) {
		bool promo = promo_link;
		for (size_t i = 0; i < p->n_promo && !promo; i++)
			promo = policy_contains(folded, p->promo[i].folded);
		if (promo)
			consider(&k, p->promo_verdict, "%s", p->promo_message);
	}

	if (p->advice && !moderator && policy_is_advice(m->text, m->text_len))
		consider(&k, ROUNDS_WARN, "%s", p->advice_reply);

	free(folded);
	if (k.verdict != ROUNDS_ALLOW)
		p->api->decide(d, k.verdict, k.reason);
	/* each decide() is a verdict of its own: the line stays hidden and its
	 * author learns why, privately */
	if (k.verdict == ROUNDS_HIDE && p->tell_sender)
		p->api->decide(d, ROUNDS_WARN, k.reason);
}

static int policy_init(struct rounds_host *h, const struct rounds_api *api, const char **errmsg)
{
	struct policy *p = xrealloc(NULL, sizeof *p);
	memset(p, 0, sizeof *p);
	p->api = api;
	p->host = h;
	p->moderators = api->config_bool(h, "moderators", false);
	p->tell_sender = api->config_bool(h, "tell_sender", true);

	p->n_banned = load_phrases(p, "banned", NULL, &p->banned);
	bool ok = load_verdict(p, "banned_verdict", ROUNDS_HIDE, &p->banned_verdict);

	load_domains(p, "links.allow", NULL, &p->allow);
	load_domains(p, "links.deny", NULL, &p->deny);
	load_domains(p, "links.shorteners",
		     api->config_bool(h, "links.builtin_shorteners", true) ? default_shorteners : NULL,
		     &p->shorteners);
	ok &= load_verdict(p, "links.verdict", ROUNDS_HIDE, &p->links_verdict);
	ok &= load_verdict(p, "links.shortener_verdict", ROUNDS_FLAG, &p->shortener_verdict);

	double minutes = api->config_number(h, "promotion.minutes", 0);
	if (!(minutes >= 0 && minutes <= MINUTES_MAX)) {
		api->log(h, ROUNDS_LOG_ERROR, "promotion.minutes: expected 0 to %d", MINUTES_MAX);
		ok = false;
	} else {
		p->promo_minutes = (int)ceil(minutes);
	}
	p->n_promo = load_phrases(p, "promotion.phrases", default_promotion, &p->promo);
	load_domains(p, "promotion.domains", NULL, &p->promo_domains);
	ok &= load_verdict(p, "promotion.verdict", ROUNDS_HIDE, &p->promo_verdict);
	char promo[160];
	snprintf(promo, sizeof promo, "please keep promotion for the last %d minute%s",
		 p->promo_minutes, p->promo_minutes == 1 ? "" : "s");
	p->promo_message = xstrdup(config_text(p, "promotion.message", promo));

	p->advice = api->config_bool(h, "advice.enabled", true);
	p->advice_reply = xstrdup(config_text(p, "advice.reply", default_advice));

	if (!ok) {
		*errmsg = "bad configuration (see the log)";
		policy_destroy(p);
		return -1;
	}
	if (api->hook_moderate(h, policy_moderate, p, policy_destroy) < 0) {
		*errmsg = "could not register the moderation hook";
		policy_destroy(p);
		return -1;
	}
	return 0;
}

ROUNDS_PLUGIN_DEFINE("policy", "1.0",
		     "banned words, link rules, promotion timing and a medical-advice guard",
		     policy_init, NULL);
