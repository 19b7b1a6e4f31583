/* plugin_api.c: struct rounds_api, the table every plugin gets at init.
 * Everything a plugin passes in is checked here (NULLs, ranges, UTF-8,
 * sizes) and copied; everything handed out is borrowed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "log.h"
#include "mem.h"
#include "model.h"
#include "plugin_impl.h"

/* ---- log and config ------------------------------------------------------- */

static void api_log(struct rounds_host *h, enum rounds_log level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void api_log(struct rounds_host *h, enum rounds_log level, const char *fmt, ...)
{
	if (!h || !fmt)
		return;
	char text[1024], q[1100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	enum log_level l = level == ROUNDS_LOG_ERROR ? LOG_ERROR
			   : level == ROUNDS_LOG_WARN ? LOG_WARN
			   : level == ROUNDS_LOG_INFO ? LOG_INFO : LOG_DEBUG;
	if (l > log_get_level())
		return;
	log_msg(l, "plugin %s: %s", h->instance, log_quote(q, sizeof q, text, strlen(text)));
}

static const char *api_instance_name(struct rounds_host *h)
{
	return h ? h->instance : "";
}

/* The value at a dotted path of the plugin's config, or NULL. */
static json_t *config_at(struct rounds_host *h, const char *key)
{
	json_t *v = h->config;
	while (v && key && *key) {
		const char *dot = strchr(key, '.');
		size_t n = dot ? (size_t)(dot - key) : strlen(key);
		if (!json_is_object(v))
			return NULL;
		v = json_object_getn(v, key, n);
		key += n + (dot != NULL);
	}
	return key ? v : NULL;
}

/* Logs once per key that it has the wrong type. */
static void config_mismatch(struct rounds_host *h, const char *key, const char *expected)
{
	struct buf probe = BUF_INIT;
	buf_printf(&probe, "\n%s\n", key);
	if (!h->warned.p || !strstr(h->warned.p, probe.p)) {
		buf_add(&h->warned, probe.p + (h->warned.len ? 1 : 0), probe.len - (h->warned.len ? 1 : 0));
		char q[200];
		log_warn("plugin %s: config key \"%s\": expected %s; using the default", h->instance,
			 log_quote(q, sizeof q, key, strlen(key)), expected);
	}
	buf_free(&probe);
}

static const char *api_config_string(struct rounds_host *h, const char *key, const char *fallback)
{
	json_t *v = h ? config_at(h, key) : NULL;
	if (v && !json_is_string(v))
		config_mismatch(h, key, "a string");
	return json_is_string(v) ? json_string_value(v) : fallback;
}

static double api_config_number(struct rounds_host *h, const char *key, double fallback)
{
	json_t *v = h ? config_at(h, key) : NULL;
	if (v && !json_is_number(v))
		config_mismatch(h, key, "a number");
	return json_is_number(v) ? json_number_value(v) : fallback;
}

static bool api_config_bool(struct rounds_host *h, const char *key, bool fallback)
{
	json_t *v = h ? config_at(h, key) : NULL;
	if (v && !json_is_boolean(v))
		config_mismatch(h, key, "true or false");
	return json_is_boolean(v) ? json_is_true(v) : fallback;
}

static size_t api_config_strings(struct rounds_host *h, const char *key, const char *const **items)
{
	static const char *const none[1] = {NULL};
	if (items)
		*items = none;
	json_t *v = h && key ? config_at(h, key) : NULL;
	if (!v || !items)
		return 0;
	if (!json_is_array(v)) {
		config_mismatch(h, key, "an array of strings");
		return 0;
	}
	for (struct plugin_strings *s = h->strings; s; s = s->next)
		if (strcmp(s->key, key) == 0) {
			*items = s->items;
			return s->n;
		}
	struct plugin_strings *s = mem_calloc(1, sizeof *s);
	s->key = mem_strdup(key);
	s->items = mem_calloc(json_array_size(v) + 1, sizeof *s->items);
	for (size_t i = 0; i < json_array_size(v); i++)
		if (json_is_string(json_array_get(v, i)))
			s->items[s->n++] = json_string_value(json_array_get(v, i));
	s->next = h->strings;
	h->strings = s;
	*items = s->items;
	return s->n;
}

/* ---- hooks ---------------------------------------------------------------- */

static int api_hook_moderate(struct rounds_host *h, rounds_moderate_fn fn, void *ud,
			     rounds_destroy_fn destroy)
{
	struct plugin_hook *k;
	if (!h || !fn || plugin_hook_add(h, HOOK_MODERATE, ud, destroy, &k) < 0)
		return -1;
	k->fn.moderate = fn;
	return k->id;
}

static bool command_name_ok(const char *s)
{
	size_t n = s ? strnlen(s, 25) : 0;
	if (n < 1 || n > 24)
		return false;
	for (; *s; s++)
		if (*s < 'a' || *s > 'z')
			return false;
	return true;
}

static int api_hook_command(struct rounds_host *h, const char *name, const char *usage,
			    const char *help, bool moderators_only, rounds_command_fn fn, void *ud,
			    rounds_destroy_fn destroy)
{
	if (!h || !fn)
		return -1;
	char q[64];
	if (!command_name_ok(name)) {
		log_warn("plugin %s: refused command \"%s\": a name is 1 to 24 lowercase letters",
			 h->instance, log_quote(q, sizeof q, name ? name : "", name ? strlen(name) : 0));
		return -1;
	}
	if (command_exists(name) || plugins_has_command(h->host, h->chat, name)) {
		log_warn("plugin %s: refused command \"%s\": the chat already has one by that name",
			 h->instance, name);
		return -1;
	}
	struct plugin_hook *k;
	if (plugin_hook_add(h, HOOK_COMMAND, ud, destroy, &k) < 0)
		return -1;
	struct buf b = BUF_INIT;
	k->fn.command = fn;
	k->name = mem_strdup(name);
	plugin_clean_text(&b, usage ? usage : "", false);
	k->usage = mem_strdup(buf_str(&b));
	buf_clear(&b);
	plugin_clean_text(&b, help ? help : "", false);
	k->help = mem_strdup(buf_str(&b));
	buf_free(&b);
	k->moderators_only = moderators_only;
	return k->id;
}

static int api_hook_event(struct rounds_host *h, rounds_event_fn fn, void *ud, rounds_destroy_fn destroy)
{
	struct plugin_hook *k;
	if (!h || !fn || plugin_hook_add(h, HOOK_EVENT, ud, destroy, &k) < 0)
		return -1;
	k->fn.event = fn;
	return k->id;
}

static int api_hook_summary(struct rounds_host *h, rounds_summary_fn fn, void *ud,
			    rounds_destroy_fn destroy)
{
	struct plugin_hook *k;
	if (!h || !fn || plugin_hook_add(h, HOOK_SUMMARY, ud, destroy, &k) < 0)
		return -1;
	k->fn.summary = fn;
	return k->id;
}

static int api_hook_timer(struct rounds_host *h, int64_t every_ms, rounds_timer_fn fn, void *ud,
			  rounds_destroy_fn destroy)
{
	if (!h || !fn)
		return -1;
	if (every_ms < PLUGIN_MIN_TIMER_MS || every_ms > 7 * 86400 * 1000LL) {
		log_warn("plugin %s: refused a timer every %lld ms: expected 100 ms to 7 days",
			 h->instance, (long long)every_ms);
		return -1;
	}
	struct plugin_hook *k;
	if (plugin_hook_add(h, HOOK_TIMER, ud, destroy, &k) < 0)
		return -1;
	k->fn.timer = fn;
	k->every_ms = every_ms;
	plugin_timer_arm(k);
	return k->id;
}

static void api_unhook(struct rounds_host *h, int id)
{
	if (h)
		plugin_hook_remove(h, id);
}

/* ---- moderation and commands ---------------------------------------------- */

/* Each call is one verdict (a plugin may hide a line and warn its sender);
 * an ALLOW is only kept as the absence of the others. */
static void api_decide(struct rounds_decision *d, enum rounds_verdict verdict, const char *reason)
{
	if (!d || (unsigned)verdict > ROUNDS_BAN || verdict == ROUNDS_ALLOW)
		return;
	size_t i = d->n < PLUGIN_MAX_DECIDE ? d->n++ : PLUGIN_MAX_DECIDE - 1;
	d->verdicts[i] = verdict;
	buf_clear(&d->reasons[i]);
	plugin_clean_text(&d->reasons[i], reason ? reason : "", false);
}

static void api_redact(struct rounds_decision *d, size_t start, size_t end)
{
	if (!d)
		return;
	if (end > d->text_len)
		end = d->text_len;
	if (start >= end || d->n_spans >= PLUGIN_MAX_SPANS)
		return;
	d->spans[d->n_spans][0] = start;
	d->spans[d->n_spans][1] = end;
	d->n_spans++;
}

/* Each line of text is one private notice; at most PLUGIN_MAX_REPLIES per
 * command, so a plugin cannot flood a person. */
static void api_reply(struct rounds_reply *r, const char *text)
{
	if (!r || !text)
		return;
	struct buf b = BUF_INIT;
	plugin_clean_text(&b, text, true);
	char *line = b.p ? b.p : (char *)"";
	while (line && r->count < PLUGIN_MAX_REPLIES) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line) {
			r->fn(r->ud, line);
			r->count++;
		}
		line = nl ? nl + 1 : NULL;
	}
	buf_free(&b);
}

static int api_say(struct rounds_host *h, const char *text)
{
	if (!h || !text || h->dead || !h->host->env.say)
		return -1;
	struct buf b = BUF_INIT;
	plugin_clean_text(&b, text, false);
	int rc = b.len ? h->host->env.say(h->host->env.ud, h->chat, b.p) : -1;
	buf_free(&b);
	return rc;
}

/* ---- summaries: reading ---------------------------------------------------- */

static const char *api_summary_title(const struct rounds_summary *s)
{
	return s && s->t->chat.title ? s->t->chat.title : "";
}

static size_t api_summary_messages(const struct rounds_summary *s)
{
	return s ? s->t->n_messages : 0;
}

/* Fills the caller's struct: fields both sides know, the rest zeroed. */
static bool fill(void *out, const void *mine, size_t mine_size)
{
	size_t want = *(const size_t *)out;
	if (want < sizeof(size_t) || want > 4096)
		return false;
	memset(out, 0, want);
	memcpy(out, mine, want < mine_size ? want : mine_size);
	*(size_t *)out = want;
	return true;
}

static bool api_summary_message(const struct rounds_summary *s, size_t i,
				struct rounds_summary_message *out)
{
	if (!s || !out || i >= s->t->n_messages)
		return false;
	const struct transcript_message *m = &s->t->messages[i];
	int round = m->section->kind == TRANSCRIPT_ROUND ? m->section->number
		    : m->section->kind == TRANSCRIPT_INTRO ? 0 : -1;
	struct rounds_summary_message v = {
		.size = sizeof v, .sender = m->sender, .text = m->text, .round = round, .ts_ms = m->ts_ms,
		.bot = (m->flags & TRANSCRIPT_F_BOT) != 0,
		.parent = m->parent == TRANSCRIPT_NONE ? -1 : (long)m->parent,
		.replies = s->replies[i],
		.participant = m->participant == TRANSCRIPT_NONE ? (size_t)-1 : m->participant,
		.removed = (m->flags & TRANSCRIPT_F_REMOVED) != 0,
		.redacted = (m->flags & TRANSCRIPT_F_REDACTED) != 0,
		.reactions = m->reactions,
	};
	return fill(out, &v, sizeof v);
}

static size_t api_summary_rounds(const struct rounds_summary *s)
{
	return s ? s->t->n_rounds : 0;
}

static bool api_summary_round(const struct rounds_summary *s, size_t i, struct rounds_summary_round *out)
{
	if (!s || !out || i >= s->t->n_rounds)
		return false;
	const struct transcript_section *r = &s->t->rounds[i];
	struct rounds_summary_round v = {
		.size = sizeof v, .number = r->number, .topic = r->topic ? r->topic : "",
		.started_ms = r->started_ms, .ended_ms = r->ended_ms, .messages = r->n_messages,
	};
	return fill(out, &v, sizeof v);
}

static size_t api_summary_participants(const struct rounds_summary *s)
{
	return s ? s->t->n_participants : 0;
}

static bool api_summary_participant(const struct rounds_summary *s, size_t i,
				    struct rounds_summary_participant *out)
{
	if (!s || !out || i >= s->t->n_participants)
		return false;
	const struct transcript_participant *p = &s->t->participants[i];
	struct rounds_summary_participant v = {
		.size = sizeof v, .name = p->name, .messages = p->messages, .first_time = p->first_time,
	};
	return fill(out, &v, sizeof v);
}

/* ---- summaries: writing ---------------------------------------------------- */

enum { MAX_ITEMS = 1000, MAX_ROWS = 10000, MAX_COLS = 32 };

/* Is section one this plugin added in this call? */
static bool own_section(const struct rounds_summary *s, size_t section)
{
	if (section >= s->first_section && section < s->t->n_summaries)
		return true;
	log_warn("plugin %s: wrote to section %zu, which is not one it added", s->h->instance, section);
	return false;
}

static const char *clean_copy(struct rounds_summary *s, const char *text)
{
	struct buf b = BUF_INIT;
	plugin_clean_text(&b, text ? text : "", false);
	const char *r = transcript_strdup(s->t, buf_str(&b));
	buf_free(&b);
	return r;
}

static size_t api_section(struct rounds_summary *s, const char *title)
{
	if (!s)
		return SIZE_MAX;
	return transcript_add_summary(s->t, s->h->name, clean_copy(s, title));
}

static void api_paragraph(struct rounds_summary *s, size_t section, const char *text)
{
	if (s && own_section(s, section))
		transcript_summary_paragraph(s->t, section, clean_copy(s, text));
}

static void api_list(struct rounds_summary *s, size_t section, const char *const *texts,
		     const char *const *urls, size_t n)
{
	if (!s || !texts || !own_section(s, section))
		return;
	if (n > MAX_ITEMS)
		n = MAX_ITEMS;
	const char **t = mem_calloc(n + 1, sizeof *t);
	for (size_t i = 0; i < n; i++)
		t[i] = clean_copy(s, texts[i]);
	transcript_summary_list(s->t, section, t, urls, n);
	free(t);
}

static void api_table(struct rounds_summary *s, size_t section, const char *const *cells,
		      size_t rows, size_t cols)
{
	if (!s || !cells || !rows || !cols || cols > MAX_COLS || !own_section(s, section))
		return;
	if (rows > MAX_ROWS)
		rows = MAX_ROWS;
	const char **c = mem_calloc(rows * cols + 1, sizeof *c);
	for (size_t i = 0; i < rows * cols; i++)
		c[i] = clean_copy(s, cells[i]);
	transcript_summary_table(s->t, section, c, rows, cols);
	free(c);
}

const struct rounds_api plugin_api_table = {
	.size = sizeof(struct rounds_api),
	.abi_major = ROUNDS_PLUGIN_ABI_MAJOR,
	.abi_minor = ROUNDS_PLUGIN_ABI_MINOR,
	.log = api_log,
	.instance_name = api_instance_name,
	.config_string = api_config_string,
	.config_number = api_config_number,
	.config_bool = api_config_bool,
	.config_strings = api_config_strings,
	.hook_moderate = api_hook_moderate,
	.hook_command = api_hook_command,
	.hook_event = api_hook_event,
	.hook_summary = api_hook_summary,
	.hook_timer = api_hook_timer,
	.unhook = api_unhook,
	.decide = api_decide,
	.redact = api_redact,
	.reply = api_reply,
	.say = api_say,
	.summary_title = api_summary_title,
	.summary_messages = api_summary_messages,
	.summary_message = api_summary_message,
	.summary_rounds = api_summary_rounds,
	.summary_round = api_summary_round,
	.summary_participants = api_summary_participants,
	.summary_participant = api_summary_participant,
	.section = api_section,
	.paragraph = api_paragraph,
	.list = api_list,
	.table = api_table,
};

const struct rounds_api *plugins_api(void)
{
	return &plugin_api_table;
}
