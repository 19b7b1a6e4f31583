#include "session.h"
#include "session_impl.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "mem.h"
#include "strmap.h"
#include "utf8.h"

#define DEFAULT_TOPIC_MINUTES 10.0

static int64_t minutes_ms(double minutes)
{
	return (int64_t)llround(minutes * 60000.0);
}


static void say(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_clear(&s->say);
	buf_vprintf(&s->say, fmt, ap);
	va_end(ap);
	if (s->hooks.say)
		s->hooks.say(s->hooks.ud, s->say.p);
}

void session_clear_upcoming(struct session *s)
{
	for (size_t i = 0; i < s->n_upcoming; i++)
		free(s->upcoming[i].text);
	s->n_upcoming = 0;
}

void session_clear_rounds(struct session *s)
{
	for (size_t i = 0; i < s->n_rounds; i++) {
		free(s->rounds[i].topic);
		free(s->rounds[i].agenda_topic);
		free(s->rounds[i].poster_key);
	}
	s->n_rounds = 0;
}

void session_clear_cohosts(struct session *s)
{
	for (size_t i = 0; i < s->n_cohosts; i++)
		free(s->cohosts[i]);
	s->n_cohosts = 0;
}

struct session *session_new(const struct config_chat *cfg, const struct session_hooks *hooks)
{
	struct session *s = mem_calloc(1, sizeof *s);
	s->cfg = cfg;
	s->hooks = *hooks;
	s->title = mem_strdup(cfg->title ? cfg->title : cfg->name);
	return s;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	session_clear_upcoming(s);
	session_clear_rounds(s);
	session_clear_cohosts(s);
	free(s->upcoming);
	free(s->rounds);
	free(s->cohosts);
	free(s->title);
	strmap_clear(&s->participants);
	buf_free(&s->say);
	free(s);
}

enum session_phase session_phase(const struct session *s)
{
	return s->phase;
}

bool session_paused(const struct session *s)
{
	return s->paused;
}

const struct session_round *session_current_round(const struct session *s)
{
	return s->phase == SESSION_ROUND && s->n_rounds ? &s->rounds[s->n_rounds - 1] : NULL;
}

int session_round_number(const struct session *s)
{
	const struct session_round *r = session_current_round(s);
	return r ? r->number : 0;
}

const char *session_title(const struct session *s)
{
	return s->title;
}

size_t session_upcoming(const struct session *s)
{
	return s->n_upcoming;
}

uint64_t session_message_count(const struct session *s)
{
	return s->messages;
}

size_t session_participant_count(const struct session *s)
{
	return s->participants.count;
}

static int64_t overrun_deadline(const struct session *s)
{
	return s->planned_end_ms + minutes_ms(s->cfg->overrun_grace_minutes);
}

static int64_t warning_ms(const struct session *s)
{
	return minutes_ms(s->cfg->warning_minutes);
}

/* Does the current round get a warning at all (longer than the warning)? */
static bool warning_due(const struct session *s)
{
	const struct session_round *r = session_current_round(s);
	return r && !s->warned && warning_ms(s) > 0 &&
	       minutes_ms(r->planned_minutes) > warning_ms(s);
}

int64_t session_opened_ms(const struct session *s)
{
	return s->phase == SESSION_IDLE ? 0 : s->opened_ms;
}

int64_t session_planned_end_ms(const struct session *s)
{
	return s->phase == SESSION_IDLE ? 0 : s->planned_end_ms;
}

int64_t session_next_deadline(const struct session *s)
{
	if (s->phase == SESSION_IDLE)
		return INT64_MAX;
	int64_t d = overrun_deadline(s);
	if (s->paused)
		return d;
	if (s->phase_end_ms < d)
		d = s->phase_end_ms;
	if (warning_due(s) && s->phase_end_ms - warning_ms(s) < d)
		d = s->phase_end_ms - warning_ms(s);
	return d;
}

/* ---- who may do what -------------------------------------------------- */

static bool in_list(char *const *list, size_t n, const char *account)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(list[i], account) == 0)
			return true;
	return false;
}

bool session_is_moderator(const struct session *s, const char *account, bool is_op)
{
	if (is_op && s->cfg->ops_are_moderators)
		return true;
	if (!account || !*account)
		return false;
	return in_list(s->cfg->hosts, s->cfg->n_hosts, account) ||
	       in_list(s->cfg->cohosts, s->cfg->n_cohosts, account) ||
	       in_list(s->cohosts, s->n_cohosts, account);
}

/* Is name one of the list's accounts, or (Matrix) the localpart of one:
 * "alice" for "@alice:example.org"? */
static bool names_one_of(char *const *list, size_t n, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < n; i++) {
		const char *a = list[i], *colon = a[0] == '@' ? strchr(a, ':') : NULL;
		if (strcasecmp(a, name) == 0 ||
		    (colon && (size_t)(colon - a - 1) == len && strncasecmp(a + 1, name, len) == 0))
			return true;
	}
	return false;
}

bool session_impersonates(const struct session *s, const char *nick, const char *account)
{
	if (!nick)
		return false;
	bool named = names_one_of(s->cfg->hosts, s->cfg->n_hosts, nick) ||
		     names_one_of(s->cfg->cohosts, s->cfg->n_cohosts, nick) ||
		     names_one_of(s->cohosts, s->n_cohosts, nick);
	return named && !session_is_moderator(s, account, false);
}

/* ---- classifying lines ------------------------------------------------ */

/* If text starts with letter L (any case in `letters`) then 1-3 digits and
 * a separator, returns the number and sets *rest after the separator. */
/* If text starts with one of `letters`, then 1-3 digits (not 0), then one
 * of `seps` (or the end, when end_ok), returns the number and sets *rest
 * after the separators and spaces. */
static int numbered_prefix(const char *text, const char *letters, const char *seps, bool end_ok,
			   const char **rest)
{
	const char *p = text;
	while (*p == ' ')
		p++;
	if (!*p || !strchr(letters, *p))
		return 0;
	p++;
	int n = 0, digits = 0;
	while (isdigit((unsigned char)*p) && digits < 4)
		n = n * 10 + (*p++ - '0'), digits++;
	if (!digits || digits > 3 || n == 0)
		return 0;
	if (*p ? !strchr(seps, *p) : !end_ok)
		return 0;
	while (*p && (strchr(seps, *p) || *p == ' '))
		p++;
	if (rest)
		*rest = p;
	return n;
}

/* "A2 ...", "A2: ...", "a2) ...", "A2" alone: an answer to round 2. */
static int answer_prefix(const char *text)
{
	return numbered_prefix(text, "Aa", " :.)-,", true, NULL);
}

/* A host's own topic: "T3: ..." or "Q3) ..." — with the colon or bracket,
 * so that "T2 diabetes" or "T1-weighted" in a host's sentence never moves
 * the chat. */
static int topic_prefix(const char *text, const char **rest)
{
	return numbered_prefix(text, "TtQq", ":)", false, rest);
}

static int last_round_number(const struct session *s)
{
	return s->n_rounds ? s->rounds[s->n_rounds - 1].number : 0;
}

int session_answer_number(const struct session *s, const char *text)
{
	if (s->phase == SESSION_IDLE)
		return 0;
	int n = answer_prefix(text);
	return n && n <= last_round_number(s) + (int)s->n_upcoming ? n : 0;
}

int session_classify_at(const struct session *s, const char *text, bool moderator, int64_t ts_ms)
{
	if (s->phase == SESSION_IDLE || ts_ms < s->opened_ms)
		return -1;
	int n = session_answer_number(s, text);
	if (n)
		return n;
	if (moderator && (n = topic_prefix(text, NULL)) > 0)
		return n;
	int round = 0; /* before the first topic: the introductions */
	for (size_t i = 0; i < s->n_rounds; i++)
		if (s->rounds[i].started_ms <= ts_ms)
			round = s->rounds[i].number;
	return round;
}

int session_classify(const struct session *s, const char *text, bool moderator)
{
	if (s->phase == SESSION_IDLE)
		return -1;
	int known = last_round_number(s) + (int)s->n_upcoming;
	int n = answer_prefix(text);
	if (n && n <= known)
		return n;
	if (moderator && (n = topic_prefix(text, NULL)) > 0)
		return n;
	return s->phase == SESSION_INTRO ? 0 : session_round_number(s);
}

/* ---- transitions ------------------------------------------------------ */

static void end_round(struct session *s, int64_t now)
{
	struct session_round *r = (struct session_round *)session_current_round(s);
	if (!r || r->ended_ms)
		return;
	r->ended_ms = now;
	if (s->hooks.round_ended)
		s->hooks.round_ended(s->hooks.ud, r);
}

static struct topic pop_upcoming(struct session *s)
{
	struct topic t = s->upcoming[0];
	memmove(s->upcoming, s->upcoming + 1, (s->n_upcoming - 1) * sizeof *s->upcoming);
	s->n_upcoming--;
	return t;
}

/* Starts round `number` (takes ownership of topic). */
/* Starts round `number` (takes ownership of topic, agenda_topic, poster). */
static void begin_round(struct session *s, int64_t now, int number, char *topic, double minutes,
			char *agenda_topic, char *poster_key)
{
	end_round(s, now);
	s->rounds = mem_grow(s->rounds, &s->cap_rounds, s->n_rounds + 1, sizeof *s->rounds);
	struct session_round *r = &s->rounds[s->n_rounds++];
	bool by_host = poster_key != NULL;
	*r = (struct session_round){number, topic, minutes, now, 0, by_host, agenda_topic, poster_key};
	s->phase = SESSION_ROUND;
	s->paused = false;
	s->phase_end_ms = now + minutes_ms(minutes);
	s->warned = false;
	if (!by_host) {
		struct buf line = BUF_INIT;
		session_topic_line(r, &line);
		say(s, "%s", line.p);
		buf_free(&line);
	}
	if (s->hooks.round_started)
		s->hooks.round_started(s->hooks.ud, r);
}

void session_topic_line(const struct session_round *r, struct buf *out)
{
	buf_printf(out, "T%d: %s — answer with A%d", r->number, r->topic, r->number);
}

static void finish(struct session *s, int64_t now, const char *reason)
{
	end_round(s, now);
	s->phase = SESSION_IDLE;
	s->paused = false;
	const char *where = s->hooks.chat_ended ? s->hooks.chat_ended(s->hooks.ud, now, reason) : NULL;
	size_t people = s->participants.count;
	say(s, "That's a wrap — thank you all for joining %s! %llu message%s from %zu participant%s.%s%s",
	    s->title, (unsigned long long)s->messages, s->messages == 1 ? "" : "s", people,
	    people == 1 ? "" : "s", where ? " Transcript: " : "", where ? where : "");
	session_clear_upcoming(s);
	session_clear_cohosts(s);
}

/* Moves on to the next topic, or wraps up when none is left. */
static void advance(struct session *s, int64_t now, const char *reason)
{
	if (!s->n_upcoming) {
		finish(s, now, reason);
		return;
	}
	struct topic t = pop_upcoming(s);
	begin_round(s, now, last_round_number(s) + 1, t.text, t.minutes, NULL, NULL);
}

void session_tick(struct session *s, int64_t now)
{
	for (int guard = 0; guard < 1000 && s->phase != SESSION_IDLE; guard++) {
		if (now >= overrun_deadline(s)) {
			struct buf d = BUF_INIT;
			clock_format_duration(now - s->planned_end_ms, &d);
			say(s, "This chat has run %s past its planned end, so I am closing it now.", d.p);
			buf_free(&d);
			finish(s, now, "overrun");
			return;
		}
		if (s->paused)
			return;
		if (warning_due(s) && now >= s->phase_end_ms - warning_ms(s) && now < s->phase_end_ms) {
			s->warned = true;
			struct buf d = BUF_INIT;
			clock_format_duration(s->phase_end_ms - now, &d);
			say(s, "%s left for T%d.%s", d.p, session_round_number(s),
			    s->n_upcoming ? "" : " It is the last topic.");
			buf_free(&d);
		}
		if (now < s->phase_end_ms)
			return;
		advance(s, now, "the last topic ended");
	}
}

void session_on_message(struct session *s, int64_t now, const struct session_sender *who,
			const char *text)
{
	if (s->phase == SESSION_IDLE)
		return;
	s->messages++;
	if (who->key && !strmap_has(&s->participants, who->key))
		strmap_put(&s->participants, who->key, NULL);
	const char *rest;
	int n;
	if (!who->moderator || !(n = topic_prefix(text, &rest)))
		return;
	int current = session_round_number(s);
	if (n <= current)
		return; /* a repeat or a quote of an earlier topic */
	/* the host jumped to round n: the topics in between are passed over */
	double minutes = s->n_rounds ? s->rounds[s->n_rounds - 1].planned_minutes : DEFAULT_TOPIC_MINUTES;
	char *planned = NULL;
	for (int k = current; k < n && s->n_upcoming; k++) {
		if (planned) /* passed over: it no longer counts toward the planned end */
			s->planned_end_ms -= minutes_ms(minutes);
		struct topic t = pop_upcoming(s);
		minutes = t.minutes;
		free(planned);
		planned = t.text;
	}
	char *topic = *rest ? mem_strndup(rest, utf8_clip(rest, strlen(rest), SESSION_TOPIC_MAX))
			    : mem_strdup(planned ? planned : "");
	if (s->paused)
		s->planned_end_ms += now - s->paused_at_ms;
	begin_round(s, now, n, topic, minutes, planned, mem_strdup(who->key ? who->key : ""));
}

/* ---- moderator actions ------------------------------------------------ */

static int refuse(struct buf *reply, const char *text)
{
	if (reply)
		buf_adds(reply, text);
	return -1;
}

static void describe_position(const struct session *s, struct buf *out)
{
	if (s->phase == SESSION_INTRO)
		buf_adds(out, "introductions");
	else
		buf_printf(out, "T%d, %zu topic%s to go", session_round_number(s), s->n_upcoming,
			   s->n_upcoming == 1 ? "" : "s");
}

int session_start(struct session *s, int64_t now, const char *title, const char *by, struct buf *reply)
{
	if (s->phase != SESSION_IDLE) {
		buf_adds(reply, "A chat is already running (");
		describe_position(s, reply);
		buf_adds(reply, ").");
		return -1;
	}
	if (title && strlen(title) > SESSION_TITLE_MAX) {
		buf_printf(reply, "That title is too long (at most %d bytes).", SESSION_TITLE_MAX);
		return -1;
	}
	free(s->title);
	s->title = mem_strdup(title && *title ? title : (s->cfg->title ? s->cfg->title : s->cfg->name));
	session_clear_upcoming(s);
	session_clear_rounds(s);
	strmap_clear(&s->participants);
	s->messages = 0;
	const struct config_chat *c = s->cfg;
	double total = c->intro_minutes;
	s->upcoming = mem_grow(s->upcoming, &s->cap_upcoming, c->n_agenda, sizeof *s->upcoming);
	for (size_t i = 0; i < c->n_agenda; i++) {
		s->upcoming[i].text = mem_strdup(c->agenda[i].text);
		s->upcoming[i].minutes = c->agenda[i].minutes;
		total += c->agenda[i].minutes;
	}
	s->n_upcoming = c->n_agenda;
	s->opened_ms = now;
	s->planned_end_ms = now + minutes_ms(total);
	s->phase = SESSION_INTRO;
	s->paused = false;
	s->phase_end_ms = now + minutes_ms(c->intro_minutes);
	if (s->hooks.chat_started)
		s->hooks.chat_started(s->hooks.ud, now, s->title, by);
	if (!c->welcome)
		say(s, "Welcome to %s! %zu topic%s tonight; answer T1 with A1, T2 with A2, and so on.",
		    s->title, c->n_agenda, c->n_agenda == 1 ? "" : "s");
	else if (*c->welcome) /* "": no welcome */
		say(s, "%s", c->welcome);
	if (c->disclaimer && *c->disclaimer)
		say(s, "%s", c->disclaimer);
	if (c->rules && *c->rules)
		say(s, "Chat rules: %s", c->rules);
	say(s, "Say %soptout if you do not want your messages in the published transcript.",
	    c->prefix ? c->prefix : "!");
	if (c->intro_minutes > 0) {
		struct buf d = BUF_INIT;
		clock_format_duration(s->phase_end_ms - now, &d);
		say(s, "Please introduce yourself: who you are and where you join from. T1 starts in %s.", d.p);
		buf_free(&d);
	} else {
		advance(s, now, "the agenda is empty");
	}
	return 0;
}

int session_next(struct session *s, int64_t now, const char *by, struct buf *reply)
{
	if (s->phase == SESSION_IDLE)
		return refuse(reply, "No chat is running; start one first.");
	if (s->paused)
		s->planned_end_ms += now - s->paused_at_ms;
	s->paused = false;
	advance(s, now, "the last topic ended");
	return 0;
}

int session_insert_topic(struct session *s, int64_t now, const char *topic, const char *by,
			 struct buf *reply)
{
	if (s->phase == SESSION_IDLE)
		return refuse(reply, "No chat is running; start one first.");
	while (topic && *topic == ' ')
		topic++;
	if (!topic || !*topic)
		return refuse(reply, "Give the topic's text, for example: topic What helps you rest?");
	if (strlen(topic) > SESSION_TOPIC_MAX) {
		buf_printf(reply, "That topic is too long (at most %d bytes).", SESSION_TOPIC_MAX);
		return -1;
	}
	double minutes = s->n_upcoming ? s->upcoming[0].minutes
				       : (s->n_rounds ? s->rounds[s->n_rounds - 1].planned_minutes
						      : DEFAULT_TOPIC_MINUTES);
	s->upcoming = mem_grow(s->upcoming, &s->cap_upcoming, s->n_upcoming + 1, sizeof *s->upcoming);
	memmove(s->upcoming + 1, s->upcoming, s->n_upcoming * sizeof *s->upcoming);
	s->upcoming[0] = (struct topic){mem_strdup(topic), minutes};
	s->n_upcoming++;
	s->planned_end_ms += minutes_ms(minutes);
	if (s->paused)
		s->planned_end_ms += now - s->paused_at_ms;
	s->paused = false;
	advance(s, now, "the last topic ended");
	return 0;
}

int session_extend(struct session *s, int64_t now, double minutes, const char *by, struct buf *reply)
{
	if (s->phase == SESSION_IDLE)
		return refuse(reply, "No chat is running; start one first.");
	if (!(minutes > 0) || minutes > 240)
		return refuse(reply, "Give the minutes to add, between 0 and 240, for example: extend 5");
	int64_t add = minutes_ms(minutes);
	if (s->paused)
		s->remaining_ms += add;
	else
		s->phase_end_ms += add;
	s->planned_end_ms += add;
	int64_t left = s->paused ? s->remaining_ms : s->phase_end_ms - now;
	if (left > warning_ms(s))
		s->warned = false;
	struct buf d = BUF_INIT, l = BUF_INIT;
	clock_format_duration(add, &d);
	clock_format_duration(left, &l);
	if (s->phase == SESSION_INTRO)
		say(s, "Introductions extended by %s; T1 starts in %s.", d.p, l.p);
	else
		say(s, "T%d extended by %s; %s left.", session_round_number(s), d.p, l.p);
	buf_free(&d);
	buf_free(&l);
	return 0;
}

int session_pause(struct session *s, int64_t now, const char *by, struct buf *reply)
{
	if (s->phase == SESSION_IDLE)
		return refuse(reply, "No chat is running; start one first.");
	if (s->paused)
		return refuse(reply, "The chat is already paused; resume it to continue.");
	s->paused = true;
	s->paused_at_ms = now;
	s->remaining_ms = s->phase_end_ms > now ? s->phase_end_ms - now : 0;
	say(s, "The chat is paused and the clock is stopped. Back shortly!");
	return 0;
}

int session_resume(struct session *s, int64_t now, const char *by, struct buf *reply)
{
	if (s->phase == SESSION_IDLE)
		return refuse(reply, "No chat is running; start one first.");
	if (!s->paused)
		return refuse(reply, "The chat is not paused.");
	s->paused = false;
	s->phase_end_ms = now + s->remaining_ms;
	s->planned_end_ms += now - s->paused_at_ms;
	struct buf l = BUF_INIT;
	clock_format_duration(s->remaining_ms, &l);
	if (s->phase == SESSION_INTRO)
		say(s, "We are back! T1 starts in %s.", l.p);
	else
		say(s, "We are back with T%d: %s left.", session_round_number(s), l.p);
	buf_free(&l);
	return 0;
}

int session_skip(struct session *s, int64_t now, const char *by, struct buf *reply)
{
	if (s->phase == SESSION_IDLE)
		return refuse(reply, "No chat is running; start one first.");
	if (!s->n_upcoming)
		return refuse(reply, "There is no topic left to skip.");
	struct topic t = pop_upcoming(s);
	s->planned_end_ms -= minutes_ms(t.minutes);
	say(s, "Skipping the next topic (\"%s\"). %zu topic%s left after this one.", t.text,
	    s->n_upcoming, s->n_upcoming == 1 ? "" : "s");
	free(t.text);
	return 0;
}

int session_end(struct session *s, int64_t now, const char *by, struct buf *reply)
{
	if (s->phase == SESSION_IDLE)
		return refuse(reply, "No chat is running.");
	finish(s, now, "ended by a moderator");
	return 0;
}

int session_add_cohost(struct session *s, const char *account, const char *by, struct buf *reply)
{
	if (s->phase == SESSION_IDLE)
		return refuse(reply, "No chat is running: a co-host is added for one chat, once it is open.");
	while (account && *account == ' ')
		account++;
	if (!account || !*account || strchr(account, ' ') || strlen(account) > 64)
		return refuse(reply, "Give one account name, for example: cohost drsmith");
	if (session_is_moderator(s, account, false)) {
		buf_printf(reply, "%s is already a host or co-host.", account);
		return -1;
	}
	s->cohosts = mem_grow(s->cohosts, &s->cap_cohosts, s->n_cohosts + 1, sizeof *s->cohosts);
	s->cohosts[s->n_cohosts++] = mem_strdup(account);
	if (s->hooks.cohost_added)
		s->hooks.cohost_added(s->hooks.ud, account, by);
	/* confirmed to the host alone: an account named in the room would end
	 * up in the transcript even if its owner opts out */
	buf_printf(reply, "%s is now a co-host of this chat.", account);
	return 0;
}

/* ---- participant answers ---------------------------------------------- */

void session_describe_time(const struct session *s, int64_t now, struct buf *out)
{
	if (s->phase == SESSION_IDLE) {
		buf_adds(out, "No chat is running right now.");
		return;
	}
	int64_t left = s->paused ? s->remaining_ms : s->phase_end_ms - now;
	struct buf d = BUF_INIT;
	clock_format_duration(left, &d);
	if (s->paused)
		buf_printf(out, "The chat is paused; %s left in %s%d.", d.p,
			   s->phase == SESSION_INTRO ? "the introductions before T" : "T",
			   s->phase == SESSION_INTRO ? 1 : session_round_number(s));
	else if (s->phase == SESSION_INTRO)
		buf_printf(out, "Introductions: T1 starts in %s.", d.p);
	else if (s->n_upcoming)
		buf_printf(out, "T%d ends in %s; next: T%d.", session_round_number(s), d.p,
			   session_round_number(s) + 1);
	else
		buf_printf(out, "T%d ends in %s; it is the last topic.", session_round_number(s), d.p);
	buf_free(&d);
}

static void agenda_line(struct buf *out, int number, const char *text, double minutes, const char *state)
{
	struct buf d = BUF_INIT;
	clock_format_duration(minutes_ms(minutes), &d);
	buf_printf(out, "\nT%d (%s)%s: %s", number, d.p, state, text);
	buf_free(&d);
}

void session_describe_agenda(const struct session *s, struct buf *out)
{
	buf_printf(out, "Agenda for %s:", s->title);
	if (s->phase == SESSION_IDLE) {
		for (size_t i = 0; i < s->cfg->n_agenda; i++)
			agenda_line(out, (int)i + 1, s->cfg->agenda[i].text, s->cfg->agenda[i].minutes, "");
		return;
	}
	for (size_t i = 0; i < s->n_rounds; i++) {
		const struct session_round *r = &s->rounds[i];
		agenda_line(out, r->number, r->topic, r->planned_minutes,
			    r->ended_ms ? " [done]" : " [now]");
	}
	int n = last_round_number(s);
	for (size_t i = 0; i < s->n_upcoming; i++)
		agenda_line(out, n + 1 + (int)i, s->upcoming[i].text, s->upcoming[i].minutes, "");
}
