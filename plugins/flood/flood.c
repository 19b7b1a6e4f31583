/* flood: per-sender message rate limits, escalating warn -> mute -> kick.
 *
 * A sender (their account when logged in, else their nick; ASCII
 * case-insensitive) commits an offence with a line that makes
 *   - more than burst_lines lines within burst_seconds, or
 *   - more than window_lines lines within window_seconds, or
 *   - the same text (case and spacing aside) repeat_lines times within
 *     repeat_seconds.
 * The first offence is a WARN, one within escalation_minutes of the last
 * a MUTE, any further one a KICK; a sender who keeps quiet that long
 * starts again from a warning. After each offence the sender's recent
 * lines are forgotten, so the next action needs a fresh burst rather than
 * the very next line.
 *
 * Why the defaults (6 lines in 10 s, 20 lines in 60 s, 3 repeats in 60 s):
 * in a topic round a fast, genuine participant pastes a prepared answer
 * of 3-4 lines within a couple of seconds of the topic, then answers
 * about one line every 5-10 s for a minute or so. That is at most 5 lines
 * in any 10 s and 4 + 12 = 16 lines in a minute — under both limits with
 * room to spare — while a paste of a long text or a script posting
 * every second crosses them within seconds.
 *
 * Time is the lines' own ts_ms, never the wall clock. The table of senders
 * is bounded (max_senders): a timer forgets senders idle long enough that
 * forgetting them changes nothing, and a full table drops the sender seen
 * least recently. Lines from moderators are never counted. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rounds-plugin.h"
#include "plugin_util.h"

#define NO_OFFENCE INT64_MIN
#define KEY_MAX 256         /* longer names are cut (they are never this long) */
#define LINES_MAX 1000      /* upper bound of every *_lines setting */
#define PRUNE_EVERY_MS 60000

static const char default_warn[] = "You're posting very fast; please slow down so others can follow.";
static const char default_repeat[] =
	"You've sent the same message several times; please don't repeat it.";

enum offence { OFFENCE_NONE, OFFENCE_BURST, OFFENCE_WINDOW, OFFENCE_REPEAT };

struct line {
	int64_t ts;
	uint64_t text_hash;
};

struct sender {
	struct sender *next; /* hash chain */
	uint64_t hash;
	char key[KEY_MAX + 3]; /* "a:" or "n:" + lowercased name */
	int64_t last_seen;
	int64_t last_offence;
	int level;             /* 1 warned, 2 muted, 3 kicked */
	size_t head, count;    /* ring of the latest lines */
	struct line lines[];   /* flood.ring_cap of them */
};

struct flood {
	const struct rounds_api *api;
	struct rounds_host *host;
	unsigned burst_lines, window_lines, repeat_lines; /* 0: that check is off */
	int64_t burst_ms, window_ms, repeat_ms, escalation_ms;
	char *warn_message, *repeat_message;
	size_t max_senders, ring_cap;
	struct sender **buckets;
	size_t n_buckets, n_senders;
	int64_t now; /* the latest ts_ms seen: the timer's clock */
	int refs;    /* two hooks share this: freed with the last */
};

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static uint64_t fnv1a(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ull;
}

/* The hash of a line's text with ASCII case and runs of spaces ignored, so
 * "Buy NOW" and "buy  now " count as the same line. */
static uint64_t text_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	bool space = false, any = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = any;
			continue;
		}
		if (space)
			h = fnv1a(h, ' ');
		space = false;
		any = true;
		h = fnv1a(h, (unsigned char)ascii_lower(c));
	}
	return h;
}

/* Fills key with "a:account" or "n:nick", lowercased; returns its hash.
 * Accounts and nicks are kept apart: a guest may use the nick of someone
 * else's account. */
static uint64_t sender_key(const struct rounds_message *m, char key[KEY_MAX + 3])
{
	const char *name = m->account && *m->account ? m->account : m->nick ? m->nick : "";
	key[0] = m->account && *m->account ? 'a' : 'n';
	key[1] = ':';
	size_t n = 2;
	for (; *name && n < KEY_MAX + 2; name++)
		key[n++] = ascii_lower(*name);
	key[n] = '\0';
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = fnv1a(h, (unsigned char)key[i]);
	return h;
}

/* ---- the table of senders -------------------------------------------- */

static void grow_buckets(struct flood *f)
{
	size_t n = f->n_buckets ? f->n_buckets * 2 : 64;
	struct sender **b = xcalloc(n, sizeof *b);
	for (size_t i = 0; i < f->n_buckets; i++) {
		for (struct sender *s = f->buckets[i], *next; s; s = next) {
			next = s->next;
			s->next = b[s->hash & (n - 1)];
			b[s->hash & (n - 1)] = s;
		}
	}
	free(f->buckets);
	f->buckets = b;
	f->n_buckets = n;
}

/* Is forgetting s the same as keeping it? Its lines have all left every
 * window and its last offence no longer escalates. */
static bool idle(const struct flood *f, const struct sender *s, int64_t now)
{
	int64_t horizon = f->burst_ms;
	if (f->window_ms > horizon)
		horizon = f->window_ms;
	if (f->repeat_ms > horizon)
		horizon = f->repeat_ms;
	return now - s->last_seen >= horizon &&
	       (s->last_offence == NO_OFFENCE || now - s->last_offence >= f->escalation_ms);
}

/* Frees the idle senders; returns how many. */
static size_t prune(struct flood *f, int64_t now)
{
	size_t pruned = 0;
	for (size_t i = 0; i < f->n_buckets; i++) {
		for (struct sender **p = &f->buckets[i]; *p;) {
			struct sender *s = *p;
			if (idle(f, s, now)) {
				*p = s->next;
				free(s);
				pruned++;
			} else {
				p = &s->next;
			}
		}
	}
	f->n_senders -= pruned;
	return pruned;
}

/* Frees the sender seen least recently (ties: the lower key, so the
 * choice does not depend on the table's layout). */
static void evict_oldest(struct flood *f)
{
	struct sender **victim = NULL;
	for (size_t i = 0; i < f->n_buckets; i++)
		for (struct sender **p = &f->buckets[i]; *p; p = &(*p)->next)
			if (!victim || (*p)->last_seen < (*victim)->last_seen ||
			    ((*p)->last_seen == (*victim)->last_seen &&
			     strcmp((*p)->key, (*victim)->key) < 0))
				victim = p;
	if (victim) {
		struct sender *s = *victim;
		*victim = s->next;
		free(s);
		f->n_senders--;
	}
}

/* The sender's entry, made if new (which may forget others to stay
 * within max_senders). */
static struct sender *sender_get(struct flood *f, const struct rounds_message *m, int64_t now)
{
	char key[KEY_MAX + 3];
	uint64_t h = sender_key(m, key);
	if (f->n_buckets) {
		for (struct sender *s = f->buckets[h & (f->n_buckets - 1)]; s; s = s->next)
			if (s->hash == h && strcmp(s->key, key) == 0)
				return s;
	}
	if (f->n_senders >= f->max_senders && prune(f, now) == 0)
		evict_oldest(f);
	if (f->n_senders >= f->n_buckets)
		grow_buckets(f);
	struct sender *s = xcalloc(1, sizeof *s + f->ring_cap * sizeof s->lines[0]);
	s->hash = h;
	memcpy(s->key, key, strlen(key) + 1);
	s->last_seen = now;
	s->last_offence = NO_OFFENCE;
	s->next = f->buckets[h & (f->n_buckets - 1)];
	f->buckets[h & (f->n_buckets - 1)] = s;
	f->n_senders++;
	return s;
}

static void free_table(struct flood *f)
{
	for (size_t i = 0; i < f->n_buckets; i++)
		for (struct sender *s = f->buckets[i], *next; s; s = next) {
			next = s->next;
			free(s);
		}
	free(f->buckets);
	f->buckets = NULL;
	f->n_buckets = f->n_senders = 0;
}

/* ---- the checks -------------------------------------------------------- */

/* Adds the line to s's ring and says which limit, if any, it crosses. */
static enum offence check_line(struct flood *f, struct sender *s, int64_t now, uint64_t hash)
{
	size_t at = (s->head + s->count) % f->ring_cap;
	if (s->count == f->ring_cap)
		s->head = (s->head + 1) % f->ring_cap;
	else
		s->count++;
	s->lines[at] = (struct line){now, hash};

	unsigned burst = 0, window = 0, same = 0;
	for (size_t i = 0; i < s->count; i++) {
		const struct line *l = &s->lines[(s->head + i) % f->ring_cap];
		int64_t age = now - l->ts;
		burst += age < f->burst_ms;
		window += age < f->window_ms;
		same += age < f->repeat_ms && l->text_hash == hash;
	}
	if (f->burst_lines && burst > f->burst_lines)
		return OFFENCE_BURST;
	if (f->window_lines && window > f->window_lines)
		return OFFENCE_WINDOW;
	if (f->repeat_lines && same >= f->repeat_lines)
		return OFFENCE_REPEAT;
	return OFFENCE_NONE;
}

static void moderate(void *ud, const struct rounds_message *m, struct rounds_decision *d)
{
	struct flood *f = ud;
	if (m->flags & ROUNDS_MSG_MODERATOR)
		return;
	if (m->ts_ms > f->now)
		f->now = m->ts_ms;
	struct sender *s = sender_get(f, m, m->ts_ms);
	/* a line stamped before the sender's last one (clock skew, backfill)
	 * counts as said at the same time, never as a gap */
	int64_t now = m->ts_ms > s->last_seen ? m->ts_ms : s->last_seen;
	s->last_seen = now;
	enum offence o = check_line(f, s, now, text_hash(m->text ? m->text : "", m->text_len));
	if (o == OFFENCE_NONE)
		return;

	bool escalates = s->last_offence != NO_OFFENCE && now - s->last_offence < f->escalation_ms;
	s->level = escalates ? (s->level < 3 ? s->level + 1 : 3) : 1;
	s->last_offence = now;
	s->head = s->count = 0; /* the next action needs a fresh offence */

	char what[96];
	if (o == OFFENCE_BURST)
		snprintf(what, sizeof what, "more than %u lines in %" PRId64 " s", f->burst_lines,
			 f->burst_ms / 1000);
	else if (o == OFFENCE_WINDOW)
		snprintf(what, sizeof what, "more than %u lines in %" PRId64 " s", f->window_lines,
			 f->window_ms / 1000);
	else
		snprintf(what, sizeof what, "the same line %u times in %" PRId64 " s", f->repeat_lines,
			 f->repeat_ms / 1000);
	char reason[160];
	switch (s->level) {
	case 1:
		f->api->decide(d, ROUNDS_WARN,
			       o == OFFENCE_REPEAT ? f->repeat_message : f->warn_message);
		break;
	case 2:
		snprintf(reason, sizeof reason, "Muted for flooding again after a warning (%s).", what);
		f->api->decide(d, ROUNDS_MUTE, reason);
		break;
	default:
		snprintf(reason, sizeof reason, "Kicked for flooding again after a mute (%s).", what);
		f->api->decide(d, ROUNDS_KICK, reason);
		break;
	}
}

static void on_timer(void *ud)
{
	struct flood *f = ud;
	if (!f->n_senders)
		return; /* f->now is only meaningful once a line was seen */
	size_t pruned = prune(f, f->now);
	f->api->log(f->host, ROUNDS_LOG_DEBUG, "flood: forgot %zu idle senders, %zu tracked", pruned,
		    f->n_senders);
}

static void flood_free(void *ud)
{
	struct flood *f = ud;
	if (--f->refs > 0)
		return;
	free_table(f);
	free(f->warn_message);
	free(f->repeat_message);
	free(f);
}

/* ---- configuration ----------------------------------------------------- */

/* An integer setting in [lo, hi]; false if it is out of range or not whole. */
static bool config_int(const struct rounds_api *api, struct rounds_host *h, const char *key,
		       double fallback, double lo, double hi, int64_t *out)
{
	double v = api->config_number(h, key, fallback);
	if (!(v >= lo && v <= hi) || v != floor(v))
		return false;
	*out = (int64_t)v;
	return true;
}

static int flood_init(struct rounds_host *h, const struct rounds_api *api, const char **errmsg)
{
	int64_t burst_lines, burst_s, window_lines, window_s, repeat_lines, repeat_s, escalation_min,
		max_senders;
	if (!config_int(api, h, "burst_lines", 6, 0, LINES_MAX, &burst_lines)) {
		*errmsg = "burst_lines must be a whole number from 0 (off) to 1000";
		return -1;
	}
	if (!config_int(api, h, "burst_seconds", 10, 1, 3600, &burst_s)) {
		*errmsg = "burst_seconds must be a whole number from 1 to 3600";
		return -1;
	}
	if (!config_int(api, h, "window_lines", 20, 0, LINES_MAX, &window_lines)) {
		*errmsg = "window_lines must be a whole number from 0 (off) to 1000";
		return -1;
	}
	if (!config_int(api, h, "window_seconds", 60, 1, 3600, &window_s)) {
		*errmsg = "window_seconds must be a whole number from 1 to 3600";
		return -1;
	}
	if (!config_int(api, h, "repeat_lines", 3, 0, LINES_MAX, &repeat_lines) || repeat_lines == 1) {
		*errmsg = "repeat_lines must be 0 (off) or a whole number from 2 to 1000";
		return -1;
	}
	if (!config_int(api, h, "repeat_seconds", 60, 1, 3600, &repeat_s)) {
		*errmsg = "repeat_seconds must be a whole number from 1 to 3600";
		return -1;
	}
	if (!config_int(api, h, "escalation_minutes", 30, 0, 24 * 60, &escalation_min)) {
		*errmsg = "escalation_minutes must be a whole number from 0 to 1440";
		return -1;
	}
	if (!config_int(api, h, "max_senders", 10000, 16, 1000000, &max_senders)) {
		*errmsg = "max_senders must be a whole number from 16 to 1000000";
		return -1;
	}
	const char *warn = api->config_string(h, "warn_message", default_warn);
	const char *repeat = api->config_string(h, "repeat_message", default_repeat);
	if (!*warn || !*repeat) {
		*errmsg = "warn_message and repeat_message must not be empty";
		return -1;
	}

	struct flood *f = xcalloc(1, sizeof *f);
	f->api = api;
	f->host = h;
	f->burst_lines = (unsigned)burst_lines;
	f->window_lines = (unsigned)window_lines;
	f->repeat_lines = (unsigned)repeat_lines;
	f->burst_ms = burst_s * 1000;
	f->window_ms = window_s * 1000;
	f->repeat_ms = repeat_s * 1000;
	f->escalation_ms = escalation_min * 60000;
	f->max_senders = (size_t)max_senders;
	f->warn_message = xstrdup(warn);
	f->repeat_message = xstrdup(repeat);
	/* enough lines to see one past the largest limit */
	size_t cap = f->burst_lines;
	if (f->window_lines > cap)
		cap = f->window_lines;
	if (f->repeat_lines > cap)
		cap = f->repeat_lines;
	f->ring_cap = cap + 1;
	f->now = INT64_MIN;
	f->refs = 2;

	int mod = api->hook_moderate(h, moderate, f, flood_free);
	if (mod < 0) {
		free_table(f);
		free(f->warn_message);
		free(f->repeat_message);
		free(f);
		*errmsg = "could not register the moderation hook";
		return -1;
	}
	if (api->hook_timer(h, PRUNE_EVERY_MS, on_timer, f, flood_free) < 0) {
		api->unhook(h, mod); /* drops one reference */
		flood_free(f);
		*errmsg = "could not register the pruning timer";
		return -1;
	}
	return 0;
}

ROUNDS_PLUGIN_DEFINE("flood", "1.0", "per-sender rate limits: warn, then mute, then kick",
		     flood_init, NULL);
