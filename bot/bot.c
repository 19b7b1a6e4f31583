#include "bot.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "command.h"
#include "export.h"
#include "irc.h"
#include "link.h"
#include "log.h"
#include "mem.h"
#include "session.h"
#include "store.h"

#define INDEX_DELAY_MS 200  /* let a burst settle before indexing it */
#define INDEX_BATCH 20000
#define SHUTDOWN_GRACE_MS 10000 /* posts still queued (a wrap-up) go out paced */

struct bot;

struct bot_net {
	struct bot *bot;
	const struct config_network *cfg;
	struct link *link;
};

struct bot_chat {
	struct bot *bot;
	const struct config_chat *cfg;
	struct bot_net *net;
	struct session *session;
	int64_t chat_id; /* the running chat in the store, 0 if none */
	lws_sorted_usec_list_t sul;
	struct buf location;
};

/* An event kept until the store has committed it, then acted on. Strings
 * are offsets into bot.arena, so a burst costs no allocation per line. */
struct pending {
	struct bot_chat *chat; /* NULL: a private line on a network with no chat to act for */
	struct bot_net *net;
	size_t nick, account, key, text, room; /* offsets; account (size_t)-1 if none */
	bool command, moderator, impersonation, private_line;
};

struct bot {
	const struct config *cfg;
	struct lws_context *ctx;
	struct store *store;
	struct bot_net *nets;
	struct bot_chat *chats;
	struct pending *pending;
	size_t n_pending, cap_pending;
	struct buf arena, key, scratch;
	lws_sorted_usec_list_t sul_index;
	bool index_scheduled;
	/* transcripts to write (again), one per loop turn: ended chats, and the
	 * chats of someone who just opted out */
	int64_t *exports;
	size_t n_exports, cap_exports;
	lws_sorted_usec_list_t sul_export;
};

/* ---- chats: session hooks ------------------------------------------------ */

static void chat_say(void *ud, const char *text)
{
	struct bot_chat *c = ud;
	irc_privmsg(link_irc(c->net->link), c->cfg->room, text);
}

static void chat_started(void *ud, int64_t now, const char *title, const char *by)
{
	struct bot_chat *c = ud;
	int64_t planned = now + (int64_t)(config_chat_planned_minutes(c->cfg) * 60000);
	c->chat_id = store_chat_open(c->bot->store, c->net->cfg->name, c->cfg->room, c->cfg->name, title,
				     now, planned, by);
	if (c->chat_id < 0)
		c->chat_id = 0;
	if (c->chat_id)
		store_chat_options(c->bot->store, c->chat_id, c->cfg->timezone, c->cfg->pseudonyms);
	for (size_t i = 0; c->chat_id && i < c->cfg->n_hosts; i++)
		store_add_host(c->bot->store, c->chat_id, c->cfg->hosts[i], false, NULL, now);
	for (size_t i = 0; c->chat_id && i < c->cfg->n_cohosts; i++)
		store_add_host(c->bot->store, c->chat_id, c->cfg->cohosts[i], true, NULL, now);
	log_info("chat %s: opened \"%s\" in %s (store chat %lld)", c->cfg->name, title, c->cfg->room,
		 (long long)c->chat_id);
}

static void round_started(void *ud, const struct session_round *r)
{
	struct bot_chat *c = ud;
	log_info("chat %s: T%d started%s", c->cfg->name, r->number, r->posted_by_host ? " (posted by a host)" : "");
	if (c->chat_id)
		store_round_start(c->bot->store, c->chat_id, c->net->cfg->name, r->number, r->topic,
				  r->agenda_topic, r->planned_minutes, r->started_ms,
				  r->posted_by_host ? r->poster_key : NULL);
}

static void round_ended(void *ud, const struct session_round *r)
{
	struct bot_chat *c = ud;
	if (c->chat_id)
		store_round_end(c->bot->store, c->chat_id, r->number, r->ended_ms);
}

static void export_timer(lws_sorted_usec_list_t *sul);

/* Queues a chat's transcript to be written on a later loop turn. */
static void export_soon(struct bot *b, int64_t chat_id)
{
	for (size_t i = 0; i < b->n_exports; i++)
		if (b->exports[i] == chat_id)
			return;
	b->exports = mem_grow(b->exports, &b->cap_exports, b->n_exports + 1, sizeof *b->exports);
	b->exports[b->n_exports++] = chat_id;
	lws_sul_schedule(b->ctx, 0, &b->sul_export, export_timer, 1);
}

static void export_timer(lws_sorted_usec_list_t *sul)
{
	struct bot *b = lws_container_of(sul, struct bot, sul_export);
	if (!b->n_exports)
		return;
	int64_t id = b->exports[0];
	memmove(b->exports, b->exports + 1, --b->n_exports * sizeof *b->exports);
	struct buf err = BUF_INIT;
	if (export_chat(store_db(b->store), id, b->cfg->output_dir, &err) != 0)
		log_error("chat %lld: could not write the transcript: %s", (long long)id, err.p);
	else
		log_info("chat %lld: transcript written", (long long)id);
	buf_free(&err);
	if (b->n_exports)
		lws_sul_schedule(b->ctx, 0, &b->sul_export, export_timer, 1);
}

static const char *chat_ended(void *ud, int64_t now, const char *reason)
{
	struct bot_chat *c = ud;
	struct store *st = c->bot->store;
	if (!c->chat_id)
		return NULL;
	int64_t id = c->chat_id;
	store_chat_close(st, id, now, reason, session_message_count(c->session),
			 session_participant_count(c->session));
	c->chat_id = 0;
	buf_clear(&c->location);
	struct buf err = BUF_INIT;
	if (export_location(store_db(st), id, c->bot->cfg->output_dir, c->bot->cfg->base_url,
			    &c->location, &err) != 0) {
		log_error("chat %s: %s", c->cfg->name, err.p);
		buf_free(&err);
		return NULL;
	}
	buf_free(&err);
	store_set_transcript(st, id, c->location.p);
	store_commit(st);
	/* written now, before the wrap-up that links to it goes out: a few
	 * milliseconds of rendering and two unsynced writes */
	if (export_chat(store_db(st), id, c->bot->cfg->output_dir, &err) != 0) {
		log_error("chat %s: could not write the transcript: %s", c->cfg->name, err.p);
		buf_free(&err);
		return NULL;
	}
	buf_free(&err);
	log_info("chat %s: ended (%s); transcript at %s", c->cfg->name, reason, c->location.p);
	return c->location.p;
}

static void cohost_added(void *ud, const char *account, const char *by)
{
	struct bot_chat *c = ud;
	log_info("chat %s: %s added co-host %s", c->cfg->name, by, account);
	if (c->chat_id)
		store_add_host(c->bot->store, c->chat_id, account, true, by, clock_wall_ms());
}

static void chat_timer(lws_sorted_usec_list_t *sul);

/* Arms the chat's timer for the session's next deadline. */
static void chat_schedule(struct bot_chat *c)
{
	int64_t d = session_next_deadline(c->session);
	if (d == INT64_MAX) {
		lws_sul_cancel(&c->sul);
		return;
	}
	int64_t wait = d - clock_wall_ms();
	if (wait < 0)
		wait = 0;
	if (wait > 3600 * 1000)
		wait = 3600 * 1000; /* re-check hourly: the wall clock may jump */
	lws_sul_schedule(c->bot->ctx, 0, &c->sul, chat_timer, (lws_usec_t)wait * LWS_US_PER_MS + 1000);
}

static void chat_timer(lws_sorted_usec_list_t *sul)
{
	struct bot_chat *c = lws_container_of(sul, struct bot_chat, sul);
	session_tick(c->session, clock_wall_ms());
	store_commit(c->bot->store);
	chat_schedule(c);
}

/* ---- indexing ------------------------------------------------------------ */

static void index_timer(lws_sorted_usec_list_t *sul)
{
	struct bot *b = lws_container_of(sul, struct bot, sul_index);
	b->index_scheduled = false;
	if (store_index_pending(b->store, INDEX_BATCH) > 0 && store_index_behind(b->store)) {
		b->index_scheduled = true;
		lws_sul_schedule(b->ctx, 0, &b->sul_index, index_timer, 10 * LWS_US_PER_MS);
	}
}

static void index_soon(struct bot *b)
{
	if (b->index_scheduled || !store_index_behind(b->store))
		return;
	b->index_scheduled = true;
	lws_sul_schedule(b->ctx, 0, &b->sul_index, index_timer, INDEX_DELAY_MS * LWS_US_PER_MS);
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

static const char *arena_get(const struct bot *b, size_t off)
{
	return off == (size_t)-1 ? NULL : b->arena.p + off;
}

static struct bot_chat *chat_for_room(struct bot *b, struct bot_net *net, const char *room)
{
	enum ircmsg_casemapping cm = irc_casemapping(link_irc(net->link));
	for (size_t i = 0; i < b->cfg->n_chats; i++)
		if (b->chats[i].net == net && ircmsg_caseeq(b->chats[i].cfg->room, room, cm))
			return &b->chats[i];
	return NULL;
}

/* The chat a private command is about: the network's only chat, else the
 * one chat whose room the sender is in. */
static struct bot_chat *chat_for_private(struct bot *b, struct bot_net *net, const char *nick)
{
	struct bot_chat *found = NULL;
	int on_net = 0, shared = 0;
	for (size_t i = 0; i < b->cfg->n_chats; i++) {
		struct bot_chat *c = &b->chats[i];
		if (c->net != net)
			continue;
		on_net++;
		if (irc_is_member(link_irc(net->link), c->cfg->room, nick)) {
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

static void on_event(void *ud, struct link *l, const struct event *in)
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
	ircmsg_casefold(b->scratch.p, irc_casemapping(link_irc(net->link)));
	store_person_key(ev.account, b->scratch.p, &b->key);

	struct bot_chat *cmd_chat = chat;
	bool moderator = false, command = false;
	char name[32];
	const char *args;
	if (is_text && ev.kind != EVENT_NOTICE && !(ev.flags & EVENT_F_SELF)) {
		if (private_line)
			cmd_chat = chat_for_private(b, net, ev.nick);
		if (cmd_chat) {
			moderator = session_is_moderator(cmd_chat->session, ev.account, ev.flags & EVENT_F_OP);
			command = command_parse(cmd_chat->cfg->prefix, ev.text, name, sizeof name, &args) &&
				  command_exists(name);
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
			round = session_classify_at(chat->session, ev.text, moderator, ev.ts_ms);
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

	if (store_add_event(b->store, &ev, b->key.p, chat_id, round, NULL) <= 0)
		return; /* seen before (or not stored): never acted on twice */
	if (!is_text || (ev.flags & (EVENT_F_SELF | EVENT_F_REPLAY)) || ev.kind == EVENT_NOTICE)
		return;
	if (!command && (private_line || !chat_id))
		return;
	b->pending = mem_grow(b->pending, &b->cap_pending, b->n_pending + 1, sizeof *b->pending);
	struct pending *p = &b->pending[b->n_pending++];
	*p = (struct pending){
		.chat = cmd_chat, .net = net, .command = command, .moderator = moderator,
		.private_line = private_line,
		.impersonation = cmd_chat && session_impersonates(cmd_chat->session, ev.nick, ev.account),
	};
	p->nick = arena_put(b, ev.nick);
	p->account = arena_put(b, ev.account);
	p->key = arena_put(b, b->key.p);
	p->text = arena_put(b, ev.text);
	p->room = arena_put(b, ev.room);
}

struct reply_ctx {
	struct bot *b;
	struct bot_net *net;
	struct bot_chat *chat;
	const char *nick, *key;
};

static void cmd_reply(void *ud, const char *text)
{
	struct reply_ctx *r = ud;
	irc_notice(link_irc(r->net->link), r->nick, text);
}

static void cmd_audit(void *ud, const char *text)
{
	struct reply_ctx *r = ud;
	char q[300];
	log_warn("chat %s: %s", r->chat ? r->chat->cfg->name : "?", log_quote(q, sizeof q, text, strlen(text)));
	struct event ev = {
		.kind = EVENT_AUDIT, .network = r->net->cfg->name,
		.room = r->chat ? r->chat->cfg->room : r->nick, .nick = r->nick, .text = text,
		.ts_ms = clock_wall_ms(), .flags = EVENT_F_LOCAL_TIME | (r->chat ? 0 : EVENT_F_PRIVATE),
	};
	store_add_event(r->b->store, &ev, r->key, r->chat ? r->chat->chat_id : 0, -1, NULL);
}

static bool cmd_optout(void *ud, bool out, struct buf *why)
{
	struct reply_ctx *r = ud;
	if (!out && strncmp(r->key, "n:", 2) == 0) {
		/* anyone can take a nickname: an opt-out made by nickname is kept */
		buf_adds(why, "Your opt-out was made by nickname, and anyone could take that nickname, so "
			      "it cannot be undone by nickname. Log in to your account and ask a host.");
		return false;
	}
	log_info("network %s: %s opted %s", r->net->cfg->name, r->key, out ? "out" : "back in");
	if (store_set_optout(r->b->store, r->net->cfg->name, r->key, out, clock_wall_ms()) != 0) {
		buf_adds(why, "Sorry, that could not be recorded just now; please try again in a minute.");
		return false;
	}
	/* "every published transcript": the ones already out are written again */
	int64_t *ids;
	size_t n;
	if (store_chats_of(r->b->store, r->net->cfg->name, r->key, &ids, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			export_soon(r->b, ids[i]);
		free(ids);
	}
	return true;
}

static void act(struct bot *b, const struct pending *p)
{
	const char *nick = arena_get(b, p->nick), *text = arena_get(b, p->text);
	const char *key = arena_get(b, p->key);
	int64_t now = clock_wall_ms();
	if (!p->command) {
		struct session_sender who = {nick, key, arena_get(b, p->account), p->moderator};
		session_on_message(p->chat->session, now, &who, text);
		return;
	}
	struct reply_ctx r = {b, p->net, p->chat, nick, key};
	char name[32];
	const char *args = "";
	const char *prefix = p->chat ? p->chat->cfg->prefix : "!";
	command_parse(prefix, text, name, sizeof name, &args);
	if (!p->chat && command_needs_chat(name)) {
		irc_notice(link_irc(p->net->link), nick,
			   "Which chat do you mean? Please use the command in the chat's channel.");
		return;
	}
	struct command_context ctx = {
		.session = p->chat ? p->chat->session : NULL, .now = now, .prefix = prefix,
		.nick = nick, .account = arena_get(b, p->account), .moderator = p->moderator,
		.impersonation = p->impersonation, .args = args, .ud = &r,
		.reply = cmd_reply, .audit = cmd_audit, .optout = cmd_optout,
	};
	command_dispatch(&ctx, name);
}

/* End of a read or write: commit, then act on what was committed. */
static void on_flush(void *ud, struct link *l)
{
	struct bot_net *net = ud;
	struct bot *b = net->bot;
	if (store_commit(b->store) != 0)
		log_error("store: could not commit; the lines of this turn are not acted on");
	else
		for (size_t i = 0; i < b->n_pending; i++)
			act(b, &b->pending[i]);
	bool acted = b->n_pending > 0;
	b->n_pending = 0;
	buf_clear(&b->arena);
	if (acted) {
		store_commit(b->store);
		for (size_t i = 0; i < b->cfg->n_chats; i++)
			chat_schedule(&b->chats[i]);
	}
	index_soon(b);
}

static void on_registered(void *ud, struct link *l)
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

static void teardown(struct bot *b)
{
	if (b->chats)
		for (size_t i = 0; i < b->cfg->n_chats; i++) {
			lws_sul_cancel(&b->chats[i].sul);
			session_free(b->chats[i].session);
			buf_free(&b->chats[i].location);
		}
	if (b->nets)
		for (size_t i = 0; i < b->cfg->n_networks; i++)
			link_free(b->nets[i].link);
	if (b->ctx) {
		lws_sul_cancel(&b->sul_index);
		lws_sul_cancel(&b->sul_export);
	}
	/* transcripts still to write (a chat that ended just before): now */
	while (b->store && b->n_exports) {
		struct buf err = BUF_INIT;
		int64_t id = b->exports[--b->n_exports];
		if (export_chat(store_db(b->store), id, b->cfg->output_dir, &err) != 0)
			log_error("chat %lld: could not write the transcript: %s", (long long)id, err.p);
		buf_free(&err);
	}
	free(b->exports);
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

int bot_run(const struct config *cfg, volatile sig_atomic_t *stop)
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
		if (cfg->networks[i].websocket && cfg->networks[i].tls)
			info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.fd_limit_per_thread = (unsigned)(16 + 4 * cfg->n_networks);
	info.pt_serv_buf_size = 65536; /* fewer, larger reads: fewer commits */
	info.timeout_secs = 20;
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
		const char *rooms[IRC_MAX_CHANNELS];
		size_t n = 0;
		for (size_t k = 0; k < cfg->n_chats && n < IRC_MAX_CHANNELS; k++)
			if (cfg->chats[k].network_index == i)
				rooms[n++] = cfg->chats[k].room;
		struct link_hooks hooks = {net, on_event, on_flush, on_registered};
		net->link = link_new(b.ctx, net->cfg, rooms, n, &hooks, &err);
		if (!net->link) {
			log_error("%s", err.p);
			goto fail;
		}
	}
	for (size_t k = 0; k < cfg->n_chats; k++) {
		struct bot_chat *c = &b.chats[k];
		c->bot = &b;
		c->cfg = &cfg->chats[k];
		c->net = &b.nets[c->cfg->network_index];
		struct session_hooks hooks = {c, chat_say, chat_started, round_started, round_ended,
					      chat_ended, cohost_added};
		c->session = session_new(c->cfg, &hooks);
	}
	for (size_t i = 0; i < cfg->n_networks; i++)
		link_start(b.nets[i].link);
	log_info("rounds running: %zu network%s, %zu chat%s, store %s", cfg->n_networks,
		 cfg->n_networks == 1 ? "" : "s", cfg->n_chats, cfg->n_chats == 1 ? "" : "s",
		 cfg->store_path);

	while (!*stop)
		if (lws_service(b.ctx, 0) < 0)
			break;

	log_info("shutting down: leaving the networks");
	for (size_t i = 0; i < cfg->n_networks; i++)
		link_quit(b.nets[i].link, "rounds is shutting down");
	int64_t deadline = clock_mono_ms() + SHUTDOWN_GRACE_MS;
	for (;;) {
		bool all = true;
		for (size_t i = 0; i < cfg->n_networks; i++)
			all &= link_done(b.nets[i].link);
		if (all || clock_mono_ms() > deadline)
			break;
		lws_service(b.ctx, 0);
	}
	for (size_t i = 0; i < cfg->n_networks; i++) {
		struct irc *irc = link_irc(b.nets[i].link);
		const struct irc_stats *is = irc_stats(irc);
		log_info("network %s: %llu lines in, %llu out; dropped: %llu malformed, %llu too long, "
			 "%llu outgoing refused by a full queue, %zu still queued",
			 cfg->networks[i].name, (unsigned long long)is->lines_in,
			 (unsigned long long)is->lines_out, (unsigned long long)is->malformed,
			 link_stats(b.nets[i].link)->overlong, (unsigned long long)is->dropped_out,
			 irc_queued(irc));
	}
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
