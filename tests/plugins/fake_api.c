#include "fake_api.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fake_kind { K_MODERATE, K_COMMAND, K_EVENT, K_SUMMARY, K_TIMER, K_COUNT };
static const char *const kind_names[K_COUNT] = {"moderate", "command", "event", "summary", "timer"};

struct fake_hook {
	enum fake_kind kind;
	int id;
	bool dead;
	void (*fn)(void);
	void *ud;
	rounds_destroy_fn destroy;
	char *name, *usage, *help;
	bool moderators_only;
};

struct text {
	char *p;
	size_t len, cap;
};

struct rounds_host {
	const struct rounds_plugin *plugin;
	json_t *config;
	struct fake_hook *hooks;
	size_t n_hooks, cap_hooks;
	int next_id;
	const char ***kept; /* config_strings() answers */
	size_t n_kept;
	struct text log, said, out, commands;
};

struct fake {
	struct rounds_host host;
};

struct rounds_decision {
	struct fake_decision d;
	size_t text_len;
};

struct rounds_reply {
	struct text *out;
};

struct rounds_summary {
	const struct fake_summary *s;
	struct text *out;
	size_t sections;
};

static char last_error[512];

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		abort();
	return q;
}

static char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	return memcpy(xrealloc(NULL, n), s, n);
}

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->p = xrealloc(t->p, t->cap);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void text_adds(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

static void text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_printf(struct text *t, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		text_add(t, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static const char *text_str(struct text *t)
{
	return t->p ? t->p : "";
}

static void text_clear(struct text *t)
{
	t->len = 0;
	if (t->p)
		t->p[0] = '\0';
}

/* ---- the table -------------------------------------------------------- */

static void api_log(struct rounds_host *h, enum rounds_log level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void api_log(struct rounds_host *h, enum rounds_log level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	char tmp[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	text_printf(&h->log, "%s: %s\n", (unsigned)level < 4 ? names[level] : "?", tmp);
}

static const char *api_instance_name(struct rounds_host *h)
{
	(void)h;
	return "plugin@testchat";
}

static json_t *lookup(struct rounds_host *h, const char *key)
{
	json_t *v = h->config;
	char part[128];
	while (v && *key) {
		const char *dot = strchr(key, '.');
		size_t n = dot ? (size_t)(dot - key) : strlen(key);
		if (n >= sizeof part)
			return NULL;
		memcpy(part, key, n);
		part[n] = '\0';
		v = json_is_object(v) ? json_object_get(v, part) : NULL;
		key += n + (dot != NULL);
	}
	return v;
}

static const char *api_config_string(struct rounds_host *h, const char *key, const char *fallback)
{
	json_t *v = lookup(h, key);
	if (v && !json_is_string(v))
		api_log(h, ROUNDS_LOG_WARN, "config %s: expected a string", key);
	return json_is_string(v) ? json_string_value(v) : fallback;
}

static double api_config_number(struct rounds_host *h, const char *key, double fallback)
{
	json_t *v = lookup(h, key);
	if (v && !json_is_number(v))
		api_log(h, ROUNDS_LOG_WARN, "config %s: expected a number", key);
	return json_is_number(v) ? json_number_value(v) : fallback;
}

static bool api_config_bool(struct rounds_host *h, const char *key, bool fallback)
{
	json_t *v = lookup(h, key);
	if (v && !json_is_boolean(v))
		api_log(h, ROUNDS_LOG_WARN, "config %s: expected true or false", key);
	return json_is_boolean(v) ? json_is_true(v) : fallback;
}

/* Each answer is a fresh array, kept until fake_free(). */
static size_t api_config_strings(struct rounds_host *h, const char *key, const char *const **items)
{
	static const char *const none[1] = {NULL};
	*items = none;
	json_t *v = lookup(h, key);
	if (!json_is_array(v))
		return 0;
	size_t n = json_array_size(v), k = 0;
	const char **list = xrealloc(NULL, (n + 1) * sizeof *list);
	for (size_t i = 0; i < n; i++)
		if (json_is_string(json_array_get(v, i)))
			list[k++] = json_string_value(json_array_get(v, i));
	list[k] = NULL;
	h->kept = xrealloc(h->kept, (h->n_kept + 1) * sizeof *h->kept);
	h->kept[h->n_kept++] = list;
	*items = list;
	return k;
}

static int add_hook(struct rounds_host *h, enum fake_kind kind, void (*fn)(void), void *ud,
		    rounds_destroy_fn destroy)
{
	if (!fn)
		return -1;
	if (h->n_hooks == h->cap_hooks) {
		h->cap_hooks = h->cap_hooks ? h->cap_hooks * 2 : 8;
		h->hooks = xrealloc(h->hooks, h->cap_hooks * sizeof *h->hooks);
	}
	struct fake_hook *k = &h->hooks[h->n_hooks++];
	memset(k, 0, sizeof *k);
	k->kind = kind;
	k->id = ++h->next_id;
	k->fn = fn;
	k->ud = ud;
	k->destroy = destroy;
	return k->id;
}

static int api_hook_moderate(struct rounds_host *h, rounds_moderate_fn fn, void *ud,
			     rounds_destroy_fn destroy)
{
	return add_hook(h, K_MODERATE, (void (*)(void))fn, ud, destroy);
}

static int api_hook_command(struct rounds_host *h, const char *name, const char *usage,
			    const char *help, bool moderators_only, rounds_command_fn fn, void *ud,
			    rounds_destroy_fn destroy)
{
	if (!name || !*name || strlen(name) > 24)
		return -1;
	for (const char *p = name; *p; p++)
		if (*p < 'a' || *p > 'z')
			return -1;
	int id = add_hook(h, K_COMMAND, (void (*)(void))fn, ud, destroy);
	if (id > 0) {
		struct fake_hook *k = &h->hooks[h->n_hooks - 1];
		k->name = xstrdup(name);
		k->usage = xstrdup(usage ? usage : "");
		k->help = xstrdup(help ? help : "");
		k->moderators_only = moderators_only;
	}
	return id;
}

static int api_hook_event(struct rounds_host *h, rounds_event_fn fn, void *ud, rounds_destroy_fn destroy)
{
	return add_hook(h, K_EVENT, (void (*)(void))fn, ud, destroy);
}

static int api_hook_summary(struct rounds_host *h, rounds_summary_fn fn, void *ud,
			    rounds_destroy_fn destroy)
{
	return add_hook(h, K_SUMMARY, (void (*)(void))fn, ud, destroy);
}

static int api_hook_timer(struct rounds_host *h, int64_t every_ms, rounds_timer_fn fn, void *ud,
			  rounds_destroy_fn destroy)
{
	if (every_ms < 100)
		return -1;
	return add_hook(h, K_TIMER, (void (*)(void))fn, ud, destroy);
}

static void kill_hook(struct fake_hook *k)
{
	if (k->dead)
		return;
	k->dead = true;
	if (k->destroy)
		k->destroy(k->ud);
	free(k->name);
	free(k->usage);
	free(k->help);
	k->name = k->usage = k->help = NULL;
}

/* The fake never reuses a slot, so killing during dispatch is safe. */
static void api_unhook(struct rounds_host *h, int id)
{
	for (size_t i = 0; i < h->n_hooks; i++)
		if (h->hooks[i].id == id)
			kill_hook(&h->hooks[i]);
}

static void api_decide(struct rounds_decision *d, enum rounds_verdict verdict, const char *reason)
{
	if ((unsigned)verdict > ROUNDS_BAN || verdict == ROUNDS_ALLOW)
		return;
	if (d->d.n_all < sizeof d->d.all / sizeof d->d.all[0])
		d->d.all[d->d.n_all++] = verdict;
	if (verdict == ROUNDS_HIDE)
		d->d.hide = true;
	d->d.decided = true;
	if (verdict >= d->d.verdict) {
		d->d.verdict = verdict;
		snprintf(d->d.reason, sizeof d->d.reason, "%s", reason ? reason : "");
	}
}

static void api_redact(struct rounds_decision *d, size_t start, size_t end)
{
	if (end > d->text_len)
		end = d->text_len;
	if (start >= end || d->d.n_spans == sizeof d->d.spans / sizeof d->d.spans[0])
		return;
	d->d.spans[d->d.n_spans++] = (struct fake_span){start, end};
	if (d->d.verdict < ROUNDS_REDACT)
		d->d.verdict = ROUNDS_REDACT;
	d->d.decided = true;
}

static void api_reply(struct rounds_reply *r, const char *text)
{
	if (r->out->len)
		text_adds(r->out, "\n");
	text_adds(r->out, text ? text : "");
}

static int api_say(struct rounds_host *h, const char *text)
{
	text_printf(&h->said, "%s\n", text ? text : "");
	return 0;
}

static const char *api_summary_title(const struct rounds_summary *s)
{
	return s->s->title ? s->s->title : "";
}

static size_t api_summary_messages(const struct rounds_summary *s)
{
	return s->s->n_messages;
}

/* Copies what both sides know (the smaller size), zeroing the rest. */
static void copy_sized(void *out, const void *in, size_t in_size)
{
	size_t want = *(const size_t *)out;
	size_t n = want < in_size ? want : in_size;
	memset(out, 0, want);
	memcpy(out, in, n);
	*(size_t *)out = want;
}

static bool api_summary_message(const struct rounds_summary *s, size_t i,
				struct rounds_summary_message *out)
{
	if (i >= s->s->n_messages)
		return false;
	struct rounds_summary_message m = s->s->messages[i];
	m.size = sizeof m;
	copy_sized(out, &m, sizeof m);
	return true;
}

static size_t api_summary_rounds(const struct rounds_summary *s)
{
	return s->s->n_rounds;
}

static bool api_summary_round(const struct rounds_summary *s, size_t i, struct rounds_summary_round *out)
{
	if (i >= s->s->n_rounds)
		return false;
	struct rounds_summary_round r = s->s->rounds[i];
	r.size = sizeof r;
	copy_sized(out, &r, sizeof r);
	return true;
}

static size_t api_summary_participants(const struct rounds_summary *s)
{
	return s->s->n_participants;
}

static bool api_summary_participant(const struct rounds_summary *s, size_t i,
				    struct rounds_summary_participant *out)
{
	if (i >= s->s->n_participants)
		return false;
	struct rounds_summary_participant p = s->s->participants[i];
	p.size = sizeof p;
	copy_sized(out, &p, sizeof p);
	return true;
}

static bool url_ok(const char *u)
{
	if (!u || (strncmp(u, "http://", 7) && strncmp(u, "https://", 8)))
		return false;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == 0x7f)
			return false;
	return true;
}

static size_t api_section(struct rounds_summary *s, const char *title)
{
	text_printf(s->out, "## %s\n", title ? title : "");
	return s->sections++;
}

static void api_paragraph(struct rounds_summary *s, size_t section, const char *text)
{
	(void)section;
	text_printf(s->out, "P: %s\n", text ? text : "");
}

static void api_list(struct rounds_summary *s, size_t section, const char *const *texts,
		     const char *const *urls, size_t n)
{
	(void)section;
	for (size_t i = 0; i < n; i++) {
		const char *u = urls ? urls[i] : NULL;
		if (url_ok(u))
			text_printf(s->out, "L: %s <%s>\n", texts[i] ? texts[i] : "", u);
		else
			text_printf(s->out, "L: %s\n", texts[i] ? texts[i] : "");
	}
}

static void api_table(struct rounds_summary *s, size_t section, const char *const *cells,
		      size_t rows, size_t cols)
{
	(void)section;
	for (size_t r = 0; r < rows; r++) {
		text_adds(s->out, "T: ");
		for (size_t c = 0; c < cols; c++) {
			const char *cell = cells[r * cols + c];
			text_printf(s->out, "%s%s", c ? " | " : "", cell ? cell : "");
		}
		text_adds(s->out, "\n");
	}
}

static const struct rounds_api api = {
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

/* ---- the test's side ---------------------------------------------------- */

static void free_host(struct rounds_host *h)
{
	for (size_t i = 0; i < h->n_hooks; i++)
		kill_hook(&h->hooks[i]);
	free(h->hooks);
	for (size_t i = 0; i < h->n_kept; i++)
		free(h->kept[i]);
	free(h->kept);
	json_decref(h->config);
	free(h->log.p);
	free(h->said.p);
	free(h->out.p);
	free(h->commands.p);
}

struct fake *fake_new(const struct rounds_plugin *p, const char *config_json)
{
	last_error[0] = '\0';
	if (!p || p->abi_major != ROUNDS_PLUGIN_ABI_MAJOR || p->abi_minor > ROUNDS_PLUGIN_ABI_MINOR ||
	    p->size < sizeof(struct rounds_plugin) || !p->name || !p->init) {
		snprintf(last_error, sizeof last_error, "descriptor refused");
		return NULL;
	}
	struct fake *f = xrealloc(NULL, sizeof *f);
	memset(f, 0, sizeof *f);
	f->host.plugin = p;
	json_error_t jerr;
	f->host.config = json_loads(config_json ? config_json : "{}", 0, &jerr);
	if (!json_is_object(f->host.config)) {
		snprintf(last_error, sizeof last_error, "config is not a JSON object: %s", jerr.text);
		free_host(&f->host);
		free(f);
		return NULL;
	}
	const char *err = NULL;
	if (p->init(&f->host, &api, &err) != 0) {
		snprintf(last_error, sizeof last_error, "%s", err ? err : "(no reason given)");
		free_host(&f->host);
		free(f);
		return NULL;
	}
	return f;
}

const char *fake_last_error(void)
{
	return last_error[0] ? last_error : NULL;
}

void fake_free(struct fake *f)
{
	if (!f)
		return;
	if (f->host.plugin->fini)
		f->host.plugin->fini(&f->host);
	free_host(&f->host);
	free(f);
}

static struct rounds_message to_message(const struct fake_msg *m)
{
	struct rounds_message msg = {
		.size = sizeof msg, .network = "testnet", .chat = "testchat", .room = "#test",
		.nick = m->nick ? m->nick : "alice", .account = m->account,
		.text = m->text ? m->text : "", .text_len = m->text ? strlen(m->text) : 0,
		.ts_ms = m->ts_ms, .round = m->round, .elapsed_ms = m->elapsed_ms,
		.remaining_ms = m->set_remaining ? m->remaining_ms : INT64_MAX, .flags = m->flags,
	};
	return msg;
}

struct fake_decision fake_moderate(struct fake *f, const struct fake_msg *m)
{
	struct rounds_message msg = to_message(m);
	struct rounds_decision d;
	memset(&d, 0, sizeof d);
	d.text_len = msg.text_len;
	for (size_t i = 0; i < f->host.n_hooks; i++) {
		struct fake_hook *k = &f->host.hooks[i];
		if (k->kind == K_MODERATE && !k->dead)
			((rounds_moderate_fn)k->fn)(k->ud, &msg, &d);
	}
	return d.d;
}

static int span_cmp(const void *a, const void *b)
{
	const struct fake_span *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

const char *fake_redacted(struct fake *f, const char *text, const struct fake_decision *d)
{
	struct fake_span s[64];
	size_t n = d->n_spans;
	memcpy(s, d->spans, n * sizeof *s);
	qsort(s, n, sizeof *s, span_cmp);
	text_clear(&f->host.out);
	size_t at = 0, len = strlen(text);
	for (size_t i = 0; i < n; i++) {
		if (s[i].end <= at)
			continue;
		if (s[i].start > at)
			text_add(&f->host.out, text + at, s[i].start - at);
		if (s[i].start >= at || at == 0)
			text_adds(&f->host.out, "[redacted]");
		at = s[i].end;
	}
	if (at < len)
		text_add(&f->host.out, text + at, len - at);
	return text_str(&f->host.out);
}

bool fake_command(struct fake *f, const char *name, const struct fake_msg *m, const char *args,
		  const char **reply)
{
	struct rounds_message msg = to_message(m);
	text_clear(&f->host.out);
	struct rounds_reply r = {&f->host.out};
	*reply = text_str(&f->host.out);
	for (size_t i = 0; i < f->host.n_hooks; i++) {
		struct fake_hook *k = &f->host.hooks[i];
		if (k->kind == K_COMMAND && !k->dead && strcmp(k->name, name) == 0) {
			((rounds_command_fn)k->fn)(k->ud, &msg, args ? args : "", &r);
			*reply = text_str(&f->host.out);
			return true;
		}
	}
	return false;
}

const char *fake_commands(struct fake *f)
{
	text_clear(&f->host.commands);
	for (size_t i = 0; i < f->host.n_hooks; i++) {
		struct fake_hook *k = &f->host.hooks[i];
		if (k->kind == K_COMMAND && !k->dead)
			text_printf(&f->host.commands, "%s|%s|%s|%d\n", k->name, k->usage, k->help,
				    k->moderators_only);
	}
	return text_str(&f->host.commands);
}

void fake_event(struct fake *f, const struct rounds_event *e)
{
	for (size_t i = 0; i < f->host.n_hooks; i++) {
		struct fake_hook *k = &f->host.hooks[i];
		if (k->kind == K_EVENT && !k->dead)
			((rounds_event_fn)k->fn)(k->ud, e);
	}
}

size_t fake_fire_timers(struct fake *f)
{
	size_t n = 0, count = f->host.n_hooks;
	for (size_t i = 0; i < count; i++) {
		struct fake_hook *k = &f->host.hooks[i];
		if (k->kind == K_TIMER && !k->dead) {
			((rounds_timer_fn)k->fn)(k->ud);
			n++;
		}
	}
	return n;
}

size_t fake_hooks(struct fake *f, const char *kind)
{
	size_t n = 0;
	for (size_t i = 0; i < f->host.n_hooks; i++)
		if (!f->host.hooks[i].dead && strcmp(kind_names[f->host.hooks[i].kind], kind) == 0)
			n++;
	return n;
}

const char *fake_log(struct fake *f)
{
	return text_str(&f->host.log);
}

const char *fake_said(struct fake *f)
{
	return text_str(&f->host.said);
}

const char *fake_summarize(struct fake *f, const struct fake_summary *s)
{
	text_clear(&f->host.out);
	struct rounds_summary sum = {s, &f->host.out, 0};
	for (size_t i = 0; i < f->host.n_hooks; i++) {
		struct fake_hook *k = &f->host.hooks[i];
		if (k->kind == K_SUMMARY && !k->dead)
			((rounds_summary_fn)k->fn)(k->ud, &sum);
	}
	return text_str(&f->host.out);
}
