/* bot_act.c: acting on lines once the store has committed them (see
 * bot_impl.h): a command (built-in or a plugin's) with its private
 * answers and audit records, what moderation decided about the sender
 * (warn, mute, kick, ban through the transport, mutes lifted on a timer),
 * and the chat session's turn. */
#include <stdlib.h>
#include <string.h>

#include "bot_impl.h"
#include "clock.h"
#include "command.h"
#include "log.h"
#include "mem.h"
#include "store_mutes.h"
#include "verdict.h"

struct reply_ctx {
	struct bot *b;
	struct bot_net *net;
	struct bot_chat *chat;
	const char *nick, *key, *account;
};

static void cmd_reply(void *ud, const char *text)
{
	struct reply_ctx *r = ud;
	NET(r->net, tell, r->nick, r->account, text);
}

static void audit(struct bot *b, struct bot_net *net, struct bot_chat *chat, const char *nick,
		  const char *key, const char *text);

static void cmd_audit(void *ud, const char *text)
{
	struct reply_ctx *r = ud;
	char q[300];
	log_warn("chat %s: %s", r->chat ? r->chat->cfg->name : "?", log_quote(q, sizeof q, text, strlen(text)));
	audit(r->b, r->net, r->chat, r->nick, r->key, text);
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
			bot_export_soon(r->b, ids[i]);
		free(ids);
	}
	return true;
}

/* ---- sanctions ------------------------------------------------------------ */

#define MUTE_RETRY_MS 5000
/* a lift is forgotten once the server confirmed it read it (IRC: answered
 * the PING queued after it), checked this long after it was queued and
 * then as often; where the transport cannot confirm, once this long has passed
 * with the connection it was queued on still the network's. A lift whose
 * connection is gone (the queue may have gone with it) is sent again. */
#define MUTE_CONFIRM_MS 10000

/* The network's connection count (1 where the transport keeps no count). */
static unsigned net_epoch(struct bot_net *net)
{
	return net->t->ops->epoch ? net->t->ops->epoch(net->t) : 1;
}

/* A token for "the server read what was sent so far", 0 where the
 * transport gives none. */
static uint64_t net_sync(struct bot_net *net)
{
	return net->t->ops->sync && net->t->ops->synced ? net->t->ops->sync(net->t) : 0;
}

static void mutes_timer(lws_sorted_usec_list_t *sul);

static void mutes_schedule(struct bot *b)
{
	int64_t next = INT64_MAX;
	for (size_t i = 0; i < b->n_mutes; i++)
		if (b->mutes[i].due_ms < next)
			next = b->mutes[i].due_ms;
	if (next == INT64_MAX) {
		lws_sul_cancel(&b->sul_mutes);
		return;
	}
	int64_t wait = next - clock_wall_ms();
	wait = wait < 0 ? 0 : wait > 3600000 ? 3600000 : wait;
	lws_sul_schedule(b->ctx, 0, &b->sul_mutes, mutes_timer, (lws_usec_t)wait * LWS_US_PER_MS + 1000);
}

/* Keeps a mute to lift at until (room and mask are taken). */
static void mute_keep(struct bot *b, struct bot_net *net, char *room, char *mask, int64_t until)
{
	b->mutes = mem_grow(b->mutes, &b->cap_mutes, b->n_mutes + 1, sizeof *b->mutes);
	b->mutes[b->n_mutes++] = (struct mute){net, room, mask, until, until, false, 0, 0};
}

/* Forgets mute i, in memory and in the store (the last one takes its place). */
static void mute_forget(struct bot *b, size_t i)
{
	struct mute *m = &b->mutes[i];
	store_mute_done(b->store, m->net->cfg->name, m->room, m->mask, m->until_ms);
	free(m->room);
	free(m->mask);
	*m = b->mutes[--b->n_mutes];
}

/* A new mute on mask: an earlier one on it (lifted, or its lift about to
 * be sent again) must not end the new one early. */
static void forget_mutes_of(struct bot *b, struct bot_net *net, const char *room, const char *mask)
{
	for (size_t i = 0; i < b->n_mutes;) {
		struct mute *m = &b->mutes[i];
		if (m->net == net && !strcmp(m->mask, mask) && NET(net, same_room, m->room, room))
			mute_forget(b, i);
		else
			i++;
	}
}

/* Lifts the mutes whose time is up (those the bot cannot lift now, having
 * lost its operator status or its connection, are tried again later). */
static void mutes_timer(lws_sorted_usec_list_t *sul)
{
	struct bot *b = lws_container_of(sul, struct bot, sul_mutes);
	int64_t now = clock_wall_ms();
	bool forgot = false;
	for (size_t i = 0; i < b->n_mutes;) {
		struct mute *m = &b->mutes[i];
		if (m->due_ms > now) {
			i++;
			continue;
		}
		if (m->lifted && net_epoch(m->net) != m->epoch) {
			log_info("network %s: the connection the lift of %s in %s went out on is gone; "
				 "lifting it again", m->net->cfg->name, m->mask, m->room);
			m->lifted = false;
		}
		if (!m->lifted) {
			unsigned epoch = net_epoch(m->net);
			if (!epoch || NET(m->net, lift, m->room, m->mask) != 0) {
				/* not connected or not an operator there yet: soon again */
				m->due_ms = now + MUTE_RETRY_MS;
			} else {
				log_info("network %s: lifted the mute on %s in %s", m->net->cfg->name, m->mask,
					 m->room);
				m->lifted = true;
				m->epoch = epoch;
				m->sync = net_sync(m->net);
				m->due_ms = now + MUTE_CONFIRM_MS;
			}
			i++;
			continue;
		}
		if (m->sync && !NET(m->net, synced, m->sync)) {
			/* no word yet that the server read the lift: it comes (the
			 * question waits behind the lines queued before it), or the
			 * connection is found dead by its lag check and the lift goes
			 * out again on the next one */
			log_debug("network %s: the lift of %s in %s is not confirmed yet", m->net->cfg->name,
				  m->mask, m->room);
			m->due_ms = now + MUTE_CONFIRM_MS;
			i++;
			continue;
		}
		mute_forget(b, i);
		forgot = true;
	}
	if (forgot)
		store_commit(b->store);
	mutes_schedule(b);
}

static void audit(struct bot *b, struct bot_net *net, struct bot_chat *chat, const char *nick,
		  const char *key, const char *text)
{
	struct event ev = {
		.kind = EVENT_AUDIT, .network = net->cfg->name, .room = chat ? chat->cfg->room : nick,
		.nick = nick, .text = text, .ts_ms = clock_wall_ms(),
		.flags = EVENT_F_LOCAL_TIME | (chat ? 0 : EVENT_F_PRIVATE),
	};
	store_add_event(b->store, &ev, key, chat ? chat->chat_id : 0, -1, NULL);
}

/* Does what moderation decided to the sender of a committed line: a
 * private warning, or a mute, kick or ban with what the network offers.
 * When the network offers no way (or the bot is no operator) the sender
 * is warned instead and the log says why. */
static void sanction(struct bot *b, const struct pending *p)
{
	const char *nick = bot_arena_get(b, p->nick), *reason = bot_arena_get(b, p->sanction_reason);
	const char *account = bot_arena_get(b, p->account);
	const char *plugin = bot_arena_get(b, p->sanction_plugin), *room = bot_arena_get(b, p->room);
	struct bot_chat *chat = p->chat;
	if (!chat || !reason || !plugin || !room)
		return;
	if (!*reason)
		reason = "Please keep to the chat's rules.";
	char q[300];
	struct buf note = BUF_INIT, mask = BUF_INIT, why = BUF_INIT;
	const char *what = verdict_name((int)p->sanction);
	log_quote(q, sizeof q, nick, strlen(nick));
	if (p->sanction == ROUNDS_WARN) {
		NET(p->net, tell, nick, account, reason);
		buf_printf(&note, "plugin %s warned %s: %s", plugin, nick, reason);
	} else {
		enum transport_sanction s = p->sanction == ROUNDS_MUTE ? TRANSPORT_MUTE
					    : p->sanction == ROUNDS_KICK ? TRANSPORT_KICK : TRANSPORT_BAN;
		if (NET(p->net, sanction, room, nick, account, s, reason, &mask, &why) != 0) {
			log_warn("chat %s: plugin %s asked to %s %s, but %s; warning them instead",
				 chat->cfg->name, plugin, what, q, why.p);
			NET(p->net, tell, nick, account, reason);
			buf_printf(&note, "plugin %s asked to %s %s (%s); warned instead: %s", plugin, what,
				   nick, why.p, reason);
		} else {
			buf_printf(&note, "plugin %s: %s %s (%s): %s", plugin, what, nick, mask.p, reason);
			if (s == TRANSPORT_MUTE) {
				struct buf told = BUF_INIT;
				if (chat->cfg->mute_minutes > 0)
					buf_printf(&told, "%s (You are muted in %s for %g minutes.)", reason, room,
						   chat->cfg->mute_minutes);
				else
					buf_printf(&told, "%s (You are muted in %s until a host lifts it.)", reason,
						   room);
				NET(p->net, tell, nick, account, told.p);
				buf_free(&told);
				forget_mutes_of(b, p->net, room, mask.p);
				if (chat->cfg->mute_minutes > 0) {
					int64_t until = clock_wall_ms() + (int64_t)(chat->cfg->mute_minutes * 60000);
					store_mute_add(b->store, p->net->cfg->name, room, mask.p, until);
					mute_keep(b, p->net, mem_strdup(room), mem_strdup(mask.p), until);
				}
				mutes_schedule(b);
			}
		}
	}
	log_info("chat %s: %s", chat->cfg->name, log_quote(q, sizeof q, note.p, note.len));
	audit(b, p->net, chat, nick, bot_arena_get(b, p->key), note.p);
	buf_free(&note);
	buf_free(&mask);
	buf_free(&why);
}

static void cmd_when(void *ud, struct buf *out)
{
	struct reply_ctx *r = ud;
	if (r->chat)
		bot_schedule_when(r->chat, out);
}

static bool cmd_remindme(void *ud, bool on, struct buf *out)
{
	struct reply_ctx *r = ud;
	return r->chat && bot_schedule_remindme(r->chat, r->key, r->nick, r->account, on, out);
}

static void cmd_plugins(void *ud, struct buf *out)
{
	struct reply_ctx *r = ud;
	if (r->chat)
		plugins_describe(r->b->plugins, r->chat->cfg->name, out);
}

static void cmd_plugin_help(void *ud, bool moderator, struct buf *out)
{
	struct reply_ctx *r = ud;
	if (r->chat)
		plugins_help(r->b->plugins, r->chat->cfg->name, moderator, r->chat->cfg->prefix, out);
}

/* A command a plugin added. */
static void plugin_command(struct bot *b, const struct pending *p, struct reply_ctx *r,
			   const char *name, const char *args, int64_t now)
{
	struct bot_chat *c = p->chat;
	const char *text = bot_arena_get(b, p->text);
	int64_t opened = session_opened_ms(c->session), end = session_planned_end_ms(c->session);
	struct rounds_message m = {
		.size = sizeof m, .network = p->net->cfg->name, .chat = c->cfg->name, .room = c->cfg->room,
		.nick = r->nick, .account = bot_arena_get(b, p->account), .text = text,
		.text_len = strlen(text), .ts_ms = now,
		.round = opened ? session_round_number(c->session) : -1,
		.elapsed_ms = opened ? now - opened : -1, .remaining_ms = opened ? end - now : INT64_MAX,
		.flags = p->moderator ? ROUNDS_MSG_MODERATOR : 0,
	};
	plugins_command(b->plugins, &m, name, args, cmd_reply, r);
}

void bot_act(struct bot *b, const struct pending *p)
{
	const char *nick = bot_arena_get(b, p->nick), *text = bot_arena_get(b, p->text);
	const char *key = bot_arena_get(b, p->key);
	int64_t now = clock_wall_ms();
	if (p->sanction != ROUNDS_ALLOW)
		sanction(b, p);
	if (p->remove) {
		struct buf why = BUF_INIT;
		if (p->net->t->ops->remove(p->net->t, bot_arena_get(b, p->room), bot_arena_get(b, p->msgid),
					   "removed by moderation", &why) != 0)
			log_warn("network %s: could not remove a hidden message: %s", p->net->cfg->name, why.p);
		buf_free(&why);
	}
	if (!p->command) {
		struct session_sender who = {nick, key, bot_arena_get(b, p->account), p->moderator};
		if (p->in_chat)
			session_on_message(p->chat->session, now, &who, text);
		return;
	}
	struct reply_ctx r = {b, p->net, p->chat, nick, key, bot_arena_get(b, p->account)};
	char name[32];
	const char *args = "";
	const char *prefix = p->chat ? p->chat->cfg->prefix : "!";
	command_parse(prefix, text, name, sizeof name, &args);
	if (!p->chat && command_needs_chat(name)) {
		NET(p->net, tell, nick, r.account,
		    "Which chat do you mean? Please use the command in the chat's channel.");
		return;
	}
	struct command_context ctx = {
		.session = p->chat ? p->chat->session : NULL, .now = now, .prefix = prefix,
		.nick = nick, .account = bot_arena_get(b, p->account), .moderator = p->moderator,
		.impersonation = p->impersonation, .args = args, .ud = &r,
		.reply = cmd_reply, .audit = cmd_audit, .optout = cmd_optout,
		.plugins = cmd_plugins, .plugin_help = cmd_plugin_help,
		.when = cmd_when, .remindme = cmd_remindme,
	};
	if (!command_dispatch(&ctx, name) && p->chat)
		plugin_command(b, p, &r, name, args, now);
}

/* Is a chat configured in that room of network k (the room compared as
 * the network compares names)? */
static bool chat_in(struct bot *b, size_t k, const char *room)
{
	for (size_t i = 0; i < b->cfg->n_chats; i++)
		if (b->cfg->chats[i].network_index == k && NET(&b->nets[k], same_room, b->cfg->chats[i].room, room))
			return true;
	return false;
}

void bot_mutes_resume(struct bot *b)
{
	struct store_mute *v;
	size_t n;
	if (store_mutes_list(b->store, &v, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < b->cfg->n_networks && strcmp(b->cfg->networks[k].name, v[i].network))
			k++;
		if (k == b->cfg->n_networks || !chat_in(b, k, v[i].room)) {
			/* the bot is no longer in that room: it could never lift it */
			log_warn("network %s: the mute on %s in %s is left to the room's operators (%s)",
				 v[i].network, v[i].mask, v[i].room,
				 k == b->cfg->n_networks ? "the network is no longer configured"
							 : "no chat is configured in that room");
			store_mute_done(b->store, v[i].network, v[i].room, v[i].mask, v[i].until_ms);
			continue;
		}
		struct bot_net *net = &b->nets[k];
		log_info("network %s: the mute on %s in %s set before a restart is lifted %s", net->cfg->name,
			 v[i].mask, v[i].room, v[i].until_ms <= clock_wall_ms() ? "now (its time has passed)"
										 : "when its time comes");
		mute_keep(b, net, v[i].room, v[i].mask, v[i].until_ms);
		v[i].room = v[i].mask = NULL; /* taken */
	}
	store_mutes_free(v, n);
	store_commit(b->store);
	mutes_schedule(b);
}

void bot_mutes_free(struct bot *b)
{
	for (size_t i = 0; i < b->n_mutes; i++) {
		free(b->mutes[i].room);
		free(b->mutes[i].mask);
	}
	free(b->mutes);
	b->mutes = NULL;
	b->n_mutes = 0;
	if (b->ctx)
		lws_sul_cancel(&b->sul_mutes);
}
