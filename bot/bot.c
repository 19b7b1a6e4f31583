/* bot.c: the daemon's loop and glue (see bot.h): one event loop, a
 * transport per network, a session per chat, one store, the plugins.
 * Events are stored, committed, then acted on (bot_act.c); a chat's life
 * (its session's hooks, timer, saved state, publishing) is bot_chat.c. */
#include "bot.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "bot_impl.h"
#include "clock.h"
#include "command.h"
#include "log.h"
#include "mem.h"
#include "store_meta.h"
#include "store_reminders.h"
#include "verdict.h"

#define BOT_MAX_ROOMS 32     /* rooms per network (IRC tracks at most 32 channels) */
#define INDEX_DELAY_MS 200  /* let a burst settle before indexing it */
#define INDEX_MAX_WAIT_MS 2000 /* ...but index a long one at least this often */
#define INDEX_BATCH 20000
#define SHUTDOWN_GRACE_MS 10000 /* posts still queued (a wrap-up) go out paced */

/* ---- a failing store ----------------------------------------------------- */

static void retry_timer(lws_sorted_usec_list_t *sul)
{
	struct bot *b = lws_container_of(sul, struct bot, sul_retry);
	b->retry_scheduled = false;
	store_commit(b->store); /* tries the kept writes again */
	if (store_failing(b->store)) {
		b->retry_scheduled = true;
		lws_sul_schedule(b->ctx, 0, &b->sul_retry, retry_timer, 5 * LWS_US_PER_SEC + 1000);
	}
}

/* While the store cannot write, its kept writes are tried every 5 s even
 * when nothing else happens. */
void bot_retry_soon(struct bot *b)
{
	if (b->retry_scheduled || !store_failing(b->store))
		return;
	b->retry_scheduled = true;
	lws_sul_schedule(b->ctx, 0, &b->sul_retry, retry_timer, 5 * LWS_US_PER_SEC + 1000);
}

/* ---- indexing ------------------------------------------------------------ */

static void index_timer(lws_sorted_usec_list_t *sul)
{
	struct bot *b = lws_container_of(sul, struct bot, sul_index);
	b->index_scheduled = false;
	b->index_due = 0;
	if (store_index_pending(b->store, INDEX_BATCH) > 0 && store_index_behind(b->store)) {
		b->index_scheduled = true;
		lws_sul_schedule(b->ctx, 0, &b->sul_index, index_timer, 10 * LWS_US_PER_MS);
	}
}

/* Lines are indexed once their burst settles (INDEX_DELAY_MS without a new
 * one), in one batch: fewer, larger batches cost the full-text index less
 * (fewer segments to merge). A burst that goes on is still indexed every
 * INDEX_MAX_WAIT_MS. */
static void index_soon(struct bot *b)
{
	if (!store_index_behind(b->store) || (b->index_scheduled && !b->index_due))
		return; /* nothing to index, or the timer is already draining */
	int64_t now = clock_mono_ms();
	if (!b->index_due)
		b->index_due = now + INDEX_MAX_WAIT_MS;
	int64_t at = now + INDEX_DELAY_MS < b->index_due ? now + INDEX_DELAY_MS : b->index_due;
	b->index_scheduled = true;
	lws_sul_cancel(&b->sul_index); /* pushed back: the burst goes on */
	lws_sul_schedule(b->ctx, 0, &b->sul_index, index_timer, (at - now) * LWS_US_PER_MS);
}

/* ---- events -------------------------------------------------------------- */

static size_t arena_put(struct bot *b, const char *s)
{
	if (!s)
		return (size_t)-1;
	size_t off = b->arena.len;
	buf_add(&b->arena, s, strlen(s) + 1);
	return off;
}

static struct bot_chat *chat_for_room(struct bot *b, struct bot_net *net, const char *room)
{
	for (size_t i = 0; i < b->cfg->n_chats; i++)
		if (b->chats[i].net == net && NET(net, same_room, b->chats[i].cfg->room, room))
			return &b->chats[i];
	return NULL;
}

/* The chat a private command is about: the network's only chat, else the
 * one chat whose room the sender is in. */
static struct bot_chat *chat_for_private(struct bot *b, struct bot_net *net, const char *nick,
					 const char *account)
{
	struct bot_chat *found = NULL;
	int on_net = 0, shared = 0;
	for (size_t i = 0; i < b->cfg->n_chats; i++) {
		struct bot_chat *c = &b->chats[i];
		if (c->net != net)
			continue;
		on_net++;
		if (NET(net, is_member, c->cfg->room, nick, account)) {
			shared++;
			found = c;
		}
	}
	if (on_net == 1) {
		for (size_t i = 0; i < b->cfg->n_chats; i++)
			if (b->chats[i].net == net)
				return &b->chats[i];
	}
	return shared == 1 ? found : NULL;
}

/* Runs the chat's moderation plugins on a stored line and stores every
 * verdict with it (same transaction). Returns the sanction to carry out
 * once committed: ROUNDS_ALLOW for none, always for a moderator (hosts,
 * co-hosts), the bot itself or replayed history. */
static enum rounds_verdict moderate(struct bot *b, struct bot_chat *chat, const struct event *ev,
				    int64_t event_id, int round)
{
	int64_t opened = session_opened_ms(chat->session), end = session_planned_end_ms(chat->session);
	unsigned flags = (ev->flags & EVENT_F_MODERATOR ? ROUNDS_MSG_MODERATOR : 0) |
			 (ev->kind == EVENT_ACTION ? ROUNDS_MSG_ACTION : 0) |
			 (ev->flags & EVENT_F_REPLAY ? ROUNDS_MSG_REPLAY : 0);
	struct rounds_message m = {
		.size = sizeof m, .network = chat->net->cfg->name, .chat = chat->cfg->name,
		.room = chat->cfg->room, .nick = ev->nick ? ev->nick : "", .account = ev->account,
		.text = ev->text ? ev->text : "", .text_len = ev->text ? strlen(ev->text) : 0,
		.ts_ms = ev->ts_ms, .round = opened ? round : -1,
		.elapsed_ms = opened ? ev->ts_ms - opened : -1,
		.remaining_ms = opened ? end - ev->ts_ms : INT64_MAX, .flags = flags,
	};
	struct plugin_outcome *out = &b->outcome;
	if (!plugins_moderate(b->plugins, &m, out))
		return ROUNDS_ALLOW;
	char q[300], r[300];
	int64_t now = clock_wall_ms();
	for (size_t i = 0; i < out->n; i++) {
		const struct plugin_verdict *v = &out->verdicts[i];
		if (store_add_verdict(b->store, event_id, v->plugin, (int)v->verdict, v->reason, v->spans,
				      now) != 0)
			log_error("chat %s: could not record plugin %s's verdict", chat->cfg->name, v->plugin);
		if (v->verdict == ROUNDS_FLAG)
			log_warn("chat %s: plugin %s flagged a line from %s: %s", chat->cfg->name, v->plugin,
				 log_quote(q, sizeof q, m.nick, strlen(m.nick)),
				 log_quote(r, sizeof r, v->reason, strlen(v->reason)));
		else
			log_info("chat %s: plugin %s: %s a line from %s%s%s", chat->cfg->name, v->plugin,
				 verdict_name((int)v->verdict), log_quote(q, sizeof q, m.nick, strlen(m.nick)),
				 *v->reason ? ": " : "", log_quote(r, sizeof r, v->reason, strlen(v->reason)));
	}
	if (out->sanction == ROUNDS_ALLOW || (flags & (ROUNDS_MSG_MODERATOR | ROUNDS_MSG_REPLAY)) ||
	    (ev->flags & EVENT_F_SELF))
		return ROUNDS_ALLOW;
	return out->sanction;
}

static void on_event(void *ud, struct transport *t, const struct event *in)
{
	struct bot_net *net = ud;
	struct bot *b = net->bot;
	struct event ev = *in;
	bool private_line = ev.flags & EVENT_F_PRIVATE;
	bool is_text = ev.kind == EVENT_MESSAGE || ev.kind == EVENT_NOTICE || ev.kind == EVENT_ACTION;
	struct bot_chat *chat = private_line ? NULL : chat_for_room(b, net, ev.room);
	if (!private_line && !chat)
		return; /* a room we do not keep */

	/* who: the stable key a participant is counted and opted out by */
	buf_clear(&b->scratch);
	buf_adds(&b->scratch, ev.nick ? ev.nick : "");
	NET(net, fold_name, b->scratch.p);
	store_person_key(ev.account, b->scratch.p, &b->key);
	if (ev.kind == EVENT_NICK && ev.target && strncmp(b->key.p, "a:", 2) == 0 &&
	    !(ev.flags & EVENT_F_REPLAY))
		store_remind_rename(b->store, net->cfg->name, b->key.p, ev.target); /* whom to remind */

	struct bot_chat *cmd_chat = chat;
	bool moderator = false, command = false;
	char name[32];
	const char *args;
	if (is_text && ev.kind != EVENT_NOTICE && !(ev.flags & EVENT_F_SELF)) {
		if (private_line)
			cmd_chat = chat_for_private(b, net, ev.nick, ev.account);
		if (cmd_chat) {
			moderator = session_is_moderator(cmd_chat->session, ev.account, ev.flags & EVENT_F_OP);
			command = command_parse(cmd_chat->cfg->prefix, ev.text, name, sizeof name, &args) &&
				  (command_exists(name) ||
				   plugins_has_command(b->plugins, cmd_chat->cfg->name, name));
		} else if (private_line) {
			command = command_parse("!", ev.text, name, sizeof name, &args) && command_exists(name);
		}
	}
	if (moderator)
		ev.flags |= EVENT_F_MODERATOR;
	if (command)
		ev.flags |= EVENT_F_COMMAND;

	/* which chat and round the line belongs to */
	int64_t chat_id = 0;
	int round = -1;
	if (chat && chat->chat_id && session_phase(chat->session) != SESSION_IDLE) {
		chat_id = chat->chat_id;
		if (is_text && (ev.flags & EVENT_F_REPLAY) && !(ev.flags & EVENT_F_LOCAL_TIME)) {
			/* history replayed after a rejoin: placed by when it was said */
			/* a time to the second only (ms 0): the end of that second, as
			 * transcripts order it (transcripts/model.c) */
			int64_t at = ev.ts_ms % 1000 == 0 ? ev.ts_ms + 999 : ev.ts_ms;
			round = session_classify_at(chat->session, ev.text, moderator, at);
			if (round < 0)
				chat_id = 0; /* said before this chat opened */
		} else if (is_text) {
			round = session_classify(chat->session, ev.text, moderator);
			if (ev.reply_to && !session_answer_number(chat->session, ev.text)) {
				int parent = store_round_of_msgid(b->store, ev.network, ev.room, ev.reply_to);
				if (parent >= 0)
					round = parent; /* a reply answers what it replies to */
			}
		}
	}

	int64_t event_id = 0;
	if (store_add_event(b->store, &ev, b->key.p, chat_id, round, &event_id) <= 0)
		return; /* seen before (or not stored): never acted on twice */
	enum rounds_verdict sanction = ROUNDS_ALLOW;
	bool remove = false;
	/* an edit is moderated like a new line: it is what transcripts show */
	bool moderated = (is_text && ev.kind != EVENT_NOTICE) || (ev.kind == EVENT_EDIT && ev.text);
	if (chat && moderated && !command &&
	    !(ev.flags & (EVENT_F_SELF | EVENT_F_STATUSMSG)) && plugins_moderates(b->plugins, chat->cfg->name)) {
		sanction = moderate(b, chat, &ev, event_id, round);
		remove = b->outcome.n && b->outcome.hide && t->ops->remove &&
			 (ev.kind == EVENT_EDIT ? ev.reply_to != NULL : ev.msgid != NULL);
	}
	if (remove && (ev.flags & EVENT_F_REPLAY)) {
		/* history is not acted on, but a hidden line still leaves the room */
		struct buf why = BUF_INIT;
		if (t->ops->remove(t, ev.room, ev.kind == EVENT_EDIT ? ev.reply_to : ev.msgid,
				   "removed by moderation", &why) != 0)
			log_warn("network %s: could not remove a hidden message: %s", net->cfg->name, why.p);
		buf_free(&why);
		remove = false;
	}
	bool edit_acted_on = ev.kind == EVENT_EDIT && (sanction != ROUNDS_ALLOW || remove);
	if ((!is_text && !edit_acted_on) || (ev.flags & (EVENT_F_SELF | EVENT_F_REPLAY)) ||
	    ev.kind == EVENT_NOTICE)
		return;
	if (!command && (private_line || !chat_id) && sanction == ROUNDS_ALLOW && !remove)
		return;
	b->pending = mem_grow(b->pending, &b->cap_pending, b->n_pending + 1, sizeof *b->pending);
	struct pending *p = &b->pending[b->n_pending++];
	*p = (struct pending){
		.chat = cmd_chat, .net = net, .command = command, .moderator = moderator,
		.private_line = private_line, .in_chat = chat_id != 0 && is_text, .sanction = sanction,
		.remove = remove,
		.impersonation = cmd_chat && session_impersonates(cmd_chat->session, ev.nick, ev.account),
	};
	p->key = arena_put(b, b->key.p);
	if (!command && !moderator && sanction == ROUNDS_ALLOW && !remove) {
		/* a participant's line is only counted (session_on_message): its
		 * text and names stay in the store, not in this turn's arena */
		p->nick = p->account = p->text = p->room = p->msgid = (size_t)-1;
		p->sanction_reason = p->sanction_plugin = (size_t)-1;
		return;
	}
	p->sanction_reason = arena_put(b, b->outcome.sanction_reason);
	p->sanction_plugin = arena_put(b, b->outcome.sanction_plugin);
	/* a hidden edit takes the message it edits out of the room */
	p->msgid = arena_put(b, ev.kind == EVENT_EDIT ? ev.reply_to : ev.msgid);
	p->nick = arena_put(b, ev.nick);
	p->account = arena_put(b, ev.account);
	p->text = arena_put(b, ev.text);
	p->room = arena_put(b, ev.room);
}

/* End of a read or write: commit, then act on what was committed. */
static void on_flush(void *ud, struct transport *t)
{
	struct bot_net *net = ud;
	struct bot *b = net->bot;
	if (store_commit(b->store) != 0)
		log_error("store: could not commit; the lines of this turn are not acted on");
	else
		for (size_t i = 0; i < b->n_pending; i++)
			bot_act(b, &b->pending[i]);
	bool acted = b->n_pending > 0;
	b->n_pending = 0;
	buf_clear(&b->arena);
	if (acted) {
		for (size_t i = 0; i < b->cfg->n_chats; i++)
			bot_chat_save(&b->chats[i]);
		store_commit(b->store);
		for (size_t i = 0; i < b->cfg->n_chats; i++)
			bot_chat_arm(&b->chats[i]);
	}
	index_soon(b);
	bot_retry_soon(b);
}

/* Transport state lives in the store's meta table as "NETWORK/KEY". */
static bool state_get(void *ud, struct transport *t, const char *key, struct buf *out)
{
	struct bot_net *net = ud;
	struct buf k = BUF_INIT;
	buf_printf(&k, "transport/%s/%s", net->cfg->name, key);
	int rc = store_meta_get(net->bot->store, k.p, out);
	buf_free(&k);
	return rc == 1;
}

static void state_set(void *ud, struct transport *t, const char *key, const char *value)
{
	struct bot_net *net = ud;
	struct buf k = BUF_INIT;
	buf_printf(&k, "transport/%s/%s", net->cfg->name, key);
	store_meta_set(net->bot->store, k.p, value);
	buf_free(&k);
}

static void on_registered(void *ud, struct transport *t)
{
	struct bot_net *net = ud;
	log_info("network %s: ready", net->cfg->name);
}

/* ---- the loop ------------------------------------------------------------ */

static void lws_log(int level, const char *line)
{
	char q[300];
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	log_quote(q, sizeof q, line, n);
	if (level & LLL_ERR)
		log_error("libwebsockets: %s", q);
	else
		log_warn("libwebsockets: %s", q);
}

/* A plugin posts in its chat's room. */
static int plugin_say(void *ud, const char *chat, const char *text)
{
	struct bot *b = ud;
	for (size_t i = 0; i < b->cfg->n_chats; i++)
		if (strcmp(b->chats[i].cfg->name, chat) == 0)
			return NET(b->chats[i].net, say, b->chats[i].cfg->room, text);
	return -1;
}

/* SIGHUP: reads the config again and reloads every chat's plugins with
 * their new lists and settings. Connections and chats in progress are
 * kept; other changes wait for a restart (and the log says so). A config
 * that does not load leaves everything as it was. */
static void reload(struct bot *b)
{
	struct config *fresh = NULL;
	struct buf err = BUF_INIT;
	log_info("SIGHUP: reading %s again", b->cfg->path);
	if (config_load(b->cfg->path, &fresh, &err) != 0) {
		log_error("SIGHUP: the configuration has errors; keeping the running one:\n%s", err.p);
		buf_free(&err);
		return;
	}
	buf_free(&err);
	for (size_t i = 0; i < b->cfg->n_chats; i++) {
		const struct config_chat *old = &b->cfg->chats[i];
		const struct config_chat *now = config_chat_by_name(fresh, old->name);
		plugins_unload_chat(b->plugins, old->name);
		if (!now) {
			log_warn("SIGHUP: chat %s is gone from the configuration; it keeps running until a "
				 "restart, without plugins", old->name);
			continue;
		}
		for (size_t k = 0; k < now->n_plugins; k++) {
			struct buf e = BUF_INIT;
			if (plugins_load(b->plugins, old->name, &now->plugins[k], &e) != 0)
				log_error("chat %s: %s; carrying on without it", old->name, e.p);
			buf_free(&e);
		}
		log_info("SIGHUP: chat %s: %zu plugin%s loaded", old->name, plugins_count(b->plugins, old->name),
			 plugins_count(b->plugins, old->name) == 1 ? "" : "s");
	}
	buf_clear(&b->summary_key);
	plugins_summary_key(b->plugins, &b->summary_key);
	b->site.summary_key = buf_str(&b->summary_key);
	for (size_t i = 0; i < fresh->n_chats; i++)
		if (!config_chat_by_name(b->cfg, fresh->chats[i].name))
			log_warn("SIGHUP: new chat %s starts at the next restart", fresh->chats[i].name);
	config_free(fresh);
}

static void teardown(struct bot *b)
{
	plugin_outcome_free(&b->outcome);
	bot_mutes_free(b);
	if (b->ctx) {
		lws_sul_cancel(&b->sul_index);
		lws_sul_cancel(&b->sul_export);
		lws_sul_cancel(&b->sul_retry);
	}
	/* transcripts still to write (after an opt-out just before): now,
	 * while the plugins that add their summaries are loaded */
	while (b->store && b->n_exports)
		bot_publish(b, b->exports[--b->n_exports]);
	free(b->exports);
	/* plugins before the transports: a plugin's fini may still post */
	plugins_free(b->plugins);
	b->plugins = NULL;
	buf_free(&b->summary_key);
	bot_schedule_stop(b);
	if (b->chats)
		for (size_t i = 0; i < b->cfg->n_chats; i++) {
			lws_sul_cancel(&b->chats[i].sul);
			session_free(b->chats[i].session);
			buf_free(&b->chats[i].location);
		}
	if (b->nets)
		for (size_t i = 0; i < b->cfg->n_networks; i++)
			if (b->nets[i].t)
				b->nets[i].t->ops->free(b->nets[i].t);
	store_close(b->store);
	if (b->ctx)
		lws_context_destroy(b->ctx);
	free(b->chats);
	free(b->nets);
	free(b->pending);
	buf_free(&b->arena);
	buf_free(&b->key);
	buf_free(&b->scratch);
}

int bot_run(const struct config *cfg, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload_flag)
{
	struct bot b = {.cfg = cfg};
	struct buf err = BUF_INIT;
	if (store_open(cfg->store_path, &b.store, &err) != 0) {
		log_error("%s", err.p);
		buf_free(&err);
		return -1;
	}
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	/* JUST_USE_RAW_ORIGIN: send the configured Origin as it is (without it
	 * libwebsockets 4.1 prefixes "http://" to it) */
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN;
	for (size_t i = 0; i < cfg->n_networks; i++)
		if ((cfg->networks[i].websocket || cfg->networks[i].type == CONFIG_NET_MATRIX) &&
		    cfg->networks[i].tls)
			info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.fd_limit_per_thread = (unsigned)(16 + 4 * cfg->n_networks);
	info.pt_serv_buf_size = 65536; /* fewer, larger reads: fewer commits */
	/* lws's own wait for an answer: longer than a Matrix /sync long-poll
	 * (every request also has its own timer) */
	info.timeout_secs = 75;
	b.ctx = lws_create_context(&info);
	if (!b.ctx) {
		log_error("cannot create the libwebsockets context");
		goto fail;
	}

	b.nets = mem_calloc(cfg->n_networks, sizeof *b.nets);
	b.chats = mem_calloc(cfg->n_chats, sizeof *b.chats);
	for (size_t i = 0; i < cfg->n_networks; i++) {
		struct bot_net *net = &b.nets[i];
		net->bot = &b;
		net->cfg = &cfg->networks[i];
		const char *rooms[BOT_MAX_ROOMS];
		size_t n = 0;
		for (size_t k = 0; k < cfg->n_chats && n < BOT_MAX_ROOMS; k++)
			if (cfg->chats[k].network_index == i)
				rooms[n++] = cfg->chats[k].room;
		struct transport_hooks hooks = {net, on_event, on_flush, on_registered, state_get, state_set};
		net->t = transport_new(b.ctx, net->cfg, rooms, n, &hooks, &err);
		if (!net->t) {
			log_error("%s", err.p);
			goto fail;
		}
	}
	for (size_t k = 0; k < cfg->n_chats; k++) {
		struct bot_chat *c = &b.chats[k];
		c->bot = &b;
		c->cfg = &cfg->chats[k];
		c->net = &b.nets[c->cfg->network_index];
		c->session = bot_chat_session_new(c);
	}
	struct plugin_env env = {&b, b.ctx, plugin_say};
	b.plugins = plugins_new(&env);
	plugins_load_config(b.plugins, cfg);
	b.site = (struct site_options){
		.output_dir = cfg->output_dir, .base_url = cfg->base_url, .title = cfg->archive_title,
		.summarize = plugins_summarize_cb, .summarize_ud = b.plugins,
	};
	plugins_summary_key(b.plugins, &b.summary_key);
	b.site.summary_key = buf_str(&b.summary_key);
	for (size_t i = 0; i < cfg->n_networks; i++)
		b.nets[i].t->ops->start(b.nets[i].t);
	for (size_t k = 0; k < cfg->n_chats; k++)
		bot_chat_resume(&b.chats[k]);
	bot_mutes_resume(&b);
	bot_schedule_start(&b);
	log_info("rounds running: %zu network%s, %zu chat%s, store %s", cfg->n_networks,
		 cfg->n_networks == 1 ? "" : "s", cfg->n_chats, cfg->n_chats == 1 ? "" : "s",
		 cfg->store_path);

	while (!*stop) {
		if (lws_service(b.ctx, 0) < 0)
			break;
		if (reload_flag && *reload_flag) {
			*reload_flag = 0;
			reload(&b);
		}
	}

	log_info("shutting down: leaving the networks");
	for (size_t i = 0; i < cfg->n_networks; i++)
		b.nets[i].t->ops->quit(b.nets[i].t, "rounds is shutting down");
	int64_t deadline = clock_mono_ms() + SHUTDOWN_GRACE_MS;
	for (;;) {
		bool all = true;
		for (size_t i = 0; i < cfg->n_networks; i++)
			all &= b.nets[i].t->ops->done(b.nets[i].t);
		if (all || clock_mono_ms() > deadline)
			break;
		lws_service(b.ctx, 0);
	}
	for (size_t i = 0; i < cfg->n_networks; i++)
		b.nets[i].t->ops->log_stats(b.nets[i].t);
	const struct store_stats *ss = store_stats(b.store);
	log_info("store: %llu events stored in %llu transactions, %llu duplicates skipped, %llu errors",
		 (unsigned long long)ss->events_stored, (unsigned long long)ss->commits,
		 (unsigned long long)ss->duplicates, (unsigned long long)ss->errors);
	teardown(&b);
	buf_free(&err);
	return 0;
fail:
	teardown(&b);
	buf_free(&err);
	return -1;
}
