/* plugin.c: loading plugins, keeping their hooks and running them (see
 * plugin.h). The table plugins call is in plugin_api.c. */
#include "plugin.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "log.h"
#include "mem.h"
#include "model.h"
#include "plugin_impl.h"
#include "utf8.h"

/* ---- hooks ---------------------------------------------------------------- */

int plugin_hook_add(struct rounds_host *h, enum plugin_hook_kind kind, void *ud,
		    rounds_destroy_fn destroy, struct plugin_hook **out)
{
	if (h->dead)
		return -1;
	if (h->n_hooks >= PLUGIN_MAX_HOOKS) {
		log_warn("plugin %s: refused a hook: at most %d per plugin", h->instance, PLUGIN_MAX_HOOKS);
		return -1;
	}
	struct plugin_hook *k = mem_calloc(1, sizeof *k);
	k->owner = h;
	k->kind = kind;
	k->id = ++h->next_id;
	k->ud = ud;
	k->destroy = destroy;
	struct plugin_hook **tail = &h->hooks;
	while (*tail)
		tail = &(*tail)->next;
	*tail = k; /* in registration order: dispatch runs them in that order */
	h->n_hooks++;
	*out = k;
	return k->id;
}

static void hook_kill(struct plugin_hook *k)
{
	if (k->dead)
		return;
	k->dead = true;
	k->owner->n_hooks--;
	k->owner->host->dirty = true;
	if (k->kind == HOOK_TIMER)
		lws_sul_cancel(&k->sul);
}

void plugin_hook_remove(struct rounds_host *h, int id)
{
	for (struct plugin_hook *k = h->hooks; k; k = k->next)
		if (k->id == id)
			hook_kill(k);
}

static void reap(struct plugins *p);

static void timer_fired(lws_sorted_usec_list_t *sul)
{
	struct plugin_hook *k = lws_container_of(sul, struct plugin_hook, sul);
	struct plugins *p = k->owner->host;
	if (k->dead || k->owner->dead)
		return;
	p->depth++;
	k->fn.timer(k->ud);
	p->depth--;
	if (!k->dead && !k->owner->dead)
		plugin_timer_arm(k);
	reap(p);
}

void plugin_timer_arm(struct plugin_hook *k)
{
	struct lws_context *ctx = k->owner->host->env.ctx;
	if (ctx)
		lws_sul_schedule(ctx, 0, &k->sul, timer_fired, (lws_usec_t)k->every_ms * LWS_US_PER_MS);
}

/* ---- instances ------------------------------------------------------------ */

static void instance_free(struct rounds_host *h)
{
	json_decref(h->config);
	while (h->strings) {
		struct plugin_strings *s = h->strings;
		h->strings = s->next;
		free(s->key);
		free(s->items);
		free(s);
	}
	if (h->dl)
		dlclose(h->dl);
	buf_free(&h->warned);
	free(h->chat);
	free(h->name);
	free(h->instance);
	free(h->file);
	free(h);
}

/* Frees dead hooks (running their destructors) and dead instances (then
 * dlclose), unless a dispatch is on the stack. Destructors are plugin code
 * and may unhook more: loop until nothing is left to do. */
static void reap(struct plugins *p)
{
	while (p->depth == 0 && p->dirty) {
		p->dirty = false;
		for (struct rounds_host **hp = &p->instances; *hp;) {
			struct rounds_host *h = *hp;
			for (struct plugin_hook **kp = &h->hooks; *kp;) {
				struct plugin_hook *k = *kp;
				if (!k->dead) {
					kp = &k->next;
					continue;
				}
				*kp = k->next;
				if (k->destroy) {
					p->depth++;
					k->destroy(k->ud);
					p->depth--;
				}
				free(k->name);
				free(k->usage);
				free(k->help);
				free(k);
			}
			if (h->dead && !h->hooks) {
				*hp = h->next;
				instance_free(h);
			} else {
				hp = &h->next;
			}
		}
	}
}

/* Takes an instance out: fini, then every hook marked; freed by reap(). */
static void instance_unload(struct rounds_host *h)
{
	struct plugins *p = h->host;
	if (h->dead)
		return;
	if (h->desc && h->desc->fini && !h->in_init) {
		p->depth++;
		h->desc->fini(h);
		p->depth--;
	}
	h->dead = true;
	for (struct plugin_hook *k = h->hooks; k; k = k->next)
		hook_kill(k);
	p->dirty = true;
}

struct plugins *plugins_new(const struct plugin_env *env)
{
	struct plugins *p = mem_calloc(1, sizeof *p);
	if (env)
		p->env = *env;
	return p;
}

void plugins_free(struct plugins *p)
{
	if (!p)
		return;
	plugins_unload_chat(p, NULL);
	reap(p);
	for (size_t i = 0; i < PLUGIN_MAX_DECIDE; i++)
		buf_free(&p->decision.reasons[i]);
	free(p);
}

static bool name_ok(const char *s)
{
	size_t n = s ? strnlen(s, 33) : 0;
	if (n < 1 || n > 32)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static struct rounds_host *find_instance(const struct plugins *p, const char *chat, const char *name)
{
	for (struct rounds_host *h = p->instances; h; h = h->next)
		if (!h->dead && strcmp(h->chat, chat) == 0 && strcmp(h->name, name) == 0)
			return h;
	return NULL;
}

/* The smallest descriptor an ABI 1.x plugin can have: everything 1.0 has. */
#define DESCRIPTOR_1_0 (offsetof(struct rounds_plugin, fini) + sizeof(void (*)(void)))

/* Checks a descriptor before any of the plugin's functions is called.
 * Only abi_major and abi_minor are read before the major is known to
 * match: they stay first in every version. */
static int check_descriptor(const struct rounds_plugin *d, const char *want, struct buf *why)
{
	if (d->abi_major != ROUNDS_PLUGIN_ABI_MAJOR) {
		buf_printf(why, "built for plugin ABI %u.%u, this bot has %u.%u: the major versions must "
				"match (rebuild the plugin against this bot's rounds-plugin.h)",
			   d->abi_major, d->abi_minor, ROUNDS_PLUGIN_ABI_MAJOR, ROUNDS_PLUGIN_ABI_MINOR);
		return -1;
	}
	if (d->abi_minor > ROUNDS_PLUGIN_ABI_MINOR) {
		buf_printf(why, "built for plugin ABI %u.%u, newer than this bot's %u.%u: upgrade rounds, "
				"or rebuild the plugin against this bot's rounds-plugin.h",
			   d->abi_major, d->abi_minor, ROUNDS_PLUGIN_ABI_MAJOR, ROUNDS_PLUGIN_ABI_MINOR);
		return -1;
	}
	if (d->size < DESCRIPTOR_1_0 || d->size > 65536) {
		buf_printf(why, "its descriptor is %zu bytes, expected at least %zu (plugin ABI %u.%u, "
				"this bot %u.%u): a damaged or hand-made descriptor",
			   d->size, (size_t)DESCRIPTOR_1_0, d->abi_major, d->abi_minor,
			   ROUNDS_PLUGIN_ABI_MAJOR, ROUNDS_PLUGIN_ABI_MINOR);
		return -1;
	}
	if (!name_ok(d->name)) {
		buf_adds(why, "its name is missing or not 1 to 32 of [a-z0-9_-]");
		return -1;
	}
	if (want && strcmp(d->name, want) != 0) {
		buf_printf(why, "it calls itself \"%s\", but the config asks for \"%s\"", d->name, want);
		return -1;
	}
	if (!d->init) {
		buf_adds(why, "its descriptor has no init function");
		return -1;
	}
	return 0;
}

int plugins_load(struct plugins *p, const char *chat, const struct config_plugin *cp, struct buf *err)
{
	struct buf why = BUF_INIT;
	struct rounds_host *h = NULL;
	char q[300];
	dlerror();
	void *dl = dlopen(cp->path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		const char *e = dlerror();
		buf_printf(&why, "cannot load it: %s", log_quote(q, sizeof q, e ? e : "?", e ? strlen(e) : 1));
		goto fail;
	}
	const struct rounds_plugin *d = dlsym(dl, ROUNDS_PLUGIN_SYMBOL);
	if (!d) {
		buf_printf(&why, "not a rounds plugin: it exports no \"%s\" descriptor",
			   ROUNDS_PLUGIN_SYMBOL);
		goto fail;
	}
	if (check_descriptor(d, cp->name, &why) != 0)
		goto fail;
	if (find_instance(p, chat, d->name)) {
		buf_printf(&why, "a plugin named \"%s\" is already loaded for chat %s", d->name, chat);
		goto fail;
	}
	json_error_t jerr;
	json_t *conf = json_loads(cp->config_json ? cp->config_json : "{}", 0, &jerr);
	if (!json_is_object(conf)) {
		json_decref(conf);
		buf_adds(&why, "its \"config\" is not a JSON object");
		goto fail;
	}

	h = mem_calloc(1, sizeof *h);
	h->host = p;
	h->chat = mem_strdup(chat);
	h->name = mem_strdup(d->name);
	struct buf inst = BUF_INIT;
	buf_printf(&inst, "%s@%s", d->name, chat);
	h->instance = buf_steal(&inst);
	h->file = mem_strdup(cp->path);
	h->dl = dl;
	h->desc = d;
	h->config = conf;
	struct rounds_host **tail = &p->instances;
	while (*tail)
		tail = &(*tail)->next;
	*tail = h;

	const char *errmsg = NULL;
	h->in_init = true;
	p->depth++;
	int rc = d->init(h, &plugin_api_table, &errmsg);
	p->depth--;
	h->in_init = false;
	if (rc != 0) {
		buf_printf(&why, "its init failed: %s", errmsg ? log_quote(q, sizeof q, errmsg, strnlen(errmsg, 280))
							      : "(no reason given)");
		instance_unload(h); /* what init registered goes; no fini for a failed init */
		reap(p);
		dl = NULL; /* closed by reap() */
		h = NULL;
		goto fail;
	}
	log_info("plugin %s: loaded %s %s (%s, ABI %u.%u)", h->instance, d->name,
		 d->version ? d->version : "", cp->path, d->abi_major, d->abi_minor);
	reap(p);
	return 0;
fail:
	if (dl)
		dlclose(dl);
	buf_printf(err, "%s: plugin refused: %s", cp->path, buf_str(&why));
	buf_free(&why);
	return -1;
}

size_t plugins_load_config(struct plugins *p, const struct config *cfg)
{
	size_t refused = 0;
	for (size_t i = 0; i < cfg->n_chats; i++) {
		const struct config_chat *c = &cfg->chats[i];
		for (size_t k = 0; k < c->n_plugins; k++) {
			struct buf err = BUF_INIT;
			if (plugins_load(p, c->name, &c->plugins[k], &err) != 0) {
				log_error("chat %s: %s; carrying on without it", c->name, err.p);
				refused++;
			}
			buf_free(&err);
		}
	}
	return refused;
}

void plugins_unload_chat(struct plugins *p, const char *chat)
{
	for (struct rounds_host *h = p->instances; h; h = h->next)
		if (!h->dead && (!chat || strcmp(h->chat, chat) == 0)) {
			log_info("plugin %s: unloaded", h->instance);
			instance_unload(h);
		}
	reap(p);
}

size_t plugins_count(const struct plugins *p, const char *chat)
{
	size_t n = 0;
	for (const struct rounds_host *h = p->instances; h; h = h->next)
		n += !h->dead && (!chat || strcmp(h->chat, chat) == 0);
	return n;
}

/* ---- moderation ----------------------------------------------------------- */

static void outcome_reset(struct plugin_outcome *out)
{
	for (size_t i = 0; i < out->n; i++) {
		free((char *)out->verdicts[i].plugin);
		free((char *)out->verdicts[i].reason);
		free((char *)out->verdicts[i].spans);
	}
	out->n = 0;
	out->sanction = ROUNDS_ALLOW;
	out->sanction_reason = out->sanction_plugin = NULL;
	out->hide = out->redact = false;
}

void plugin_outcome_free(struct plugin_outcome *out)
{
	outcome_reset(out);
	free(out->verdicts);
	memset(out, 0, sizeof *out);
}

static int span_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] > y[1]) - (x[1] < y[1]);
}

static void outcome_push(struct plugin_outcome *out, const char *plugin, enum rounds_verdict verdict,
			 const char *reason, char *spans)
{
	out->verdicts = mem_grow(out->verdicts, &out->cap, out->n + 1, sizeof *out->verdicts);
	struct plugin_verdict *v = &out->verdicts[out->n++];
	v->plugin = mem_strdup(plugin);
	v->verdict = verdict;
	v->reason = mem_strdup(reason);
	v->spans = spans;
	if (verdict == ROUNDS_HIDE)
		out->hide = true;
	if (spans)
		out->redact = true;
	if (verdict >= ROUNDS_WARN && verdict > out->sanction) {
		out->sanction = verdict;
		out->sanction_reason = v->reason;
		out->sanction_plugin = v->plugin;
	}
}

/* Adds one instance's decision to the outcome: a REDACT verdict carrying
 * the spans (with the reason of the plugin's first other verdict), then
 * one verdict per decide() call. */
static void outcome_add(struct plugin_outcome *out, const struct rounds_host *h,
			struct rounds_decision *d)
{
	if (d->n_spans) {
		qsort(d->spans, d->n_spans, sizeof d->spans[0], span_cmp);
		struct buf s = BUF_INIT;
		buf_addc(&s, '[');
		for (size_t i = 0; i < d->n_spans; i++)
			buf_printf(&s, "%s[%zu,%zu]", i ? "," : "", d->spans[i][0], d->spans[i][1]);
		buf_addc(&s, ']');
		outcome_push(out, h->name, ROUNDS_REDACT, d->n ? buf_str(&d->reasons[0]) : "", buf_steal(&s));
	}
	for (size_t i = 0; i < d->n; i++)
		if (d->verdicts[i] != ROUNDS_REDACT || !d->n_spans)
			outcome_push(out, h->name, d->verdicts[i], buf_str(&d->reasons[i]), NULL);
}

size_t plugins_moderate(struct plugins *p, const struct rounds_message *m, struct plugin_outcome *out)
{
	outcome_reset(out);
	struct rounds_decision *d = &p->decision;
	p->depth++;
	for (struct rounds_host *h = p->instances; h; h = h->next) {
		if (h->dead || strcmp(h->chat, m->chat) != 0)
			continue;
		d->n = 0;
		d->n_spans = 0;
		d->text_len = m->text_len;
		for (struct plugin_hook *k = h->hooks; k && !h->dead; k = k->next)
			if (k->kind == HOOK_MODERATE && !k->dead)
				k->fn.moderate(k->ud, m, d);
		if (!h->dead && (d->n || d->n_spans))
			outcome_add(out, h, d);
	}
	p->depth--;
	reap(p);
	return out->n;
}

bool plugins_moderates(const struct plugins *p, const char *chat)
{
	for (const struct rounds_host *h = p->instances; h; h = h->next)
		if (!h->dead && strcmp(h->chat, chat) == 0)
			for (const struct plugin_hook *k = h->hooks; k; k = k->next)
				if (k->kind == HOOK_MODERATE && !k->dead)
					return true;
	return false;
}

/* ---- commands ------------------------------------------------------------- */

static struct plugin_hook *find_command(const struct plugins *p, const char *chat, const char *name)
{
	for (struct rounds_host *h = p->instances; h; h = h->next)
		if (!h->dead && strcmp(h->chat, chat) == 0)
			for (struct plugin_hook *k = h->hooks; k; k = k->next)
				if (k->kind == HOOK_COMMAND && !k->dead && strcmp(k->name, name) == 0)
					return k;
	return NULL;
}

bool plugins_has_command(const struct plugins *p, const char *chat, const char *name)
{
	return chat && find_command(p, chat, name) != NULL;
}

bool plugins_command(struct plugins *p, const struct rounds_message *m, const char *name,
		     const char *args, void (*reply)(void *ud, const char *text), void *ud)
{
	struct plugin_hook *k = find_command(p, m->chat, name);
	if (!k)
		return false;
	if (k->moderators_only && !(m->flags & ROUNDS_MSG_MODERATOR)) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "Only the chat's hosts can use that command (%s).", name);
		reply(ud, b.p);
		buf_free(&b);
		return true;
	}
	struct rounds_reply r = {reply, ud, 0};
	p->depth++;
	k->fn.command(k->ud, m, args ? args : "", &r);
	p->depth--;
	reap(p);
	return true;
}

void plugins_help(const struct plugins *p, const char *chat, bool moderator, const char *prefix,
		  struct buf *out)
{
	for (const struct rounds_host *h = p->instances; h; h = h->next)
		if (!h->dead && chat && strcmp(h->chat, chat) == 0)
			for (const struct plugin_hook *k = h->hooks; k; k = k->next) {
				if (k->kind != HOOK_COMMAND || k->dead || (k->moderators_only && !moderator))
					continue;
				if (out->len)
					buf_addc(out, '\n');
				buf_printf(out, "%s%s%s%s — %s", prefix, k->name, *k->usage ? " " : "",
					   k->usage, k->help);
			}
}

void plugins_describe(const struct plugins *p, const char *chat, struct buf *out)
{
	size_t n = 0;
	for (const struct rounds_host *h = p->instances; h; h = h->next) {
		if (h->dead || !chat || strcmp(h->chat, chat) != 0)
			continue;
		if (out->len)
			buf_addc(out, '\n');
		struct buf line = BUF_INIT;
		buf_printf(&line, "%s %s — %s (ABI %u.%u)", h->name, h->desc->version ? h->desc->version : "?",
			   h->desc->description ? h->desc->description : "", h->desc->abi_major,
			   h->desc->abi_minor);
		plugin_clean_text(out, line.p, false);
		buf_free(&line);
		n++;
	}
	if (!n)
		buf_adds(out, "No plugins are loaded for this chat.");
}

/* ---- events --------------------------------------------------------------- */

void plugins_event(struct plugins *p, const struct rounds_event *e)
{
	p->depth++;
	for (struct rounds_host *h = p->instances; h; h = h->next) {
		if (h->dead || strcmp(h->chat, e->chat) != 0)
			continue;
		for (struct plugin_hook *k = h->hooks; k && !h->dead; k = k->next)
			if (k->kind == HOOK_EVENT && !k->dead)
				k->fn.event(k->ud, e);
	}
	p->depth--;
	reap(p);
}

/* ---- summaries ------------------------------------------------------------ */

void plugins_summarize(struct plugins *p, const char *chat, struct transcript *t)
{
	size_t *replies = mem_calloc(t->n_messages + 1, sizeof *replies);
	for (size_t i = 0; i < t->n_messages; i++)
		if (t->messages[i].parent != TRANSCRIPT_NONE && t->messages[i].parent < t->n_messages)
			replies[t->messages[i].parent]++;
	p->depth++;
	for (struct rounds_host *h = p->instances; h; h = h->next) {
		if (h->dead || strcmp(h->chat, chat) != 0)
			continue;
		for (struct plugin_hook *k = h->hooks; k && !h->dead; k = k->next) {
			if (k->kind != HOOK_SUMMARY || k->dead)
				continue;
			struct rounds_summary s = {t, h, replies, t->n_summaries};
			k->fn.summary(k->ud, &s);
		}
	}
	p->depth--;
	free(replies);
	reap(p);
}

void plugins_summarize_cb(void *ud, struct transcript *t)
{
	if (ud && t->chat.name)
		plugins_summarize(ud, t->chat.name, t);
}

void plugins_summary_key(const struct plugins *p, struct buf *out)
{
	for (const struct rounds_host *h = p->instances; h; h = h->next) {
		if (h->dead)
			continue;
		bool summarizes = false;
		for (const struct plugin_hook *k = h->hooks; k; k = k->next)
			summarizes |= k->kind == HOOK_SUMMARY && !k->dead;
		if (!summarizes)
			continue;
		char *conf = json_dumps(h->config, JSON_COMPACT | JSON_SORT_KEYS);
		buf_printf(out, "%s/%s/%s/%s;", h->chat, h->name, h->desc->version ? h->desc->version : "",
			   conf ? conf : "");
		free(conf);
	}
}

/* ---- text from plugins ---------------------------------------------------- */

void plugin_clean_text(struct buf *out, const char *s, bool keep_newlines)
{
	if (!s)
		return;
	struct buf tmp = BUF_INIT;
	utf8_sanitize(&tmp, s, strnlen(s, PLUGIN_MAX_TEXT));
	size_t n = utf8_clip(buf_str(&tmp), tmp.len, PLUGIN_MAX_TEXT);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tmp.p[i];
		if (c == '\n' && keep_newlines)
			buf_addc(out, '\n');
		else if (c < 0x20 || c == 0x7f)
			buf_addc(out, ' ');
		else
			buf_addc(out, (char)c);
	}
	buf_free(&tmp);
}
