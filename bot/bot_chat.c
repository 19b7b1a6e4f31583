/* bot_chat.c: a chat's life in the bot: the session's hooks (what the
 * bot does when a chat opens, a round starts or ends, a co-host is added,
 * the chat ends and is published), its timer, its state saved in the
 * store, and resuming the chat that was running when the bot stopped. */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot_impl.h"
#include "clock.h"
#include "log.h"
#include "mem.h"
#include "store_meta.h"
#include "store_resume.h"

/* Tells the chat's plugins that the chat or a round started or ended. */
static void plugin_event(struct bot_chat *c, enum rounds_event_kind kind, int round,
			 const char *topic, int64_t ts)
{
	struct rounds_event e = {
		.size = sizeof e, .kind = kind, .network = c->net->cfg->name, .chat = c->cfg->name,
		.room = c->cfg->room, .title = session_title(c->session), .round = round,
		.topic = topic, .ts_ms = ts,
	};
	plugins_event(c->bot->plugins, &e);
}

static void chat_say(void *ud, const char *text)
{
	struct bot_chat *c = ud;
	c->dirty = true;
	NET(c->net, say, c->cfg->room, text);
}

static void chat_started(void *ud, int64_t now, const char *title, const char *by)
{
	struct bot_chat *c = ud;
	c->dirty = true;
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
	plugin_event(c, ROUNDS_CHAT_STARTED, 0, NULL, now);
}

static void round_started(void *ud, const struct session_round *r)
{
	struct bot_chat *c = ud;
	c->dirty = true;
	log_info("chat %s: T%d started%s", c->cfg->name, r->number, r->posted_by_host ? " (posted by a host)" : "");
	if (c->chat_id)
		store_round_start(c->bot->store, c->chat_id, c->net->cfg->name, r->number, r->topic,
				  r->agenda_topic, r->planned_minutes, r->started_ms,
				  r->posted_by_host ? r->poster_key : NULL);
	plugin_event(c, ROUNDS_ROUND_STARTED, r->number, r->topic, r->started_ms);
}

static void round_ended(void *ud, const struct session_round *r)
{
	struct bot_chat *c = ud;
	c->dirty = true;
	if (c->chat_id)
		store_round_end(c->bot->store, c->chat_id, r->number, r->ended_ms);
	plugin_event(c, ROUNDS_ROUND_ENDED, r->number, r->topic, r->ended_ms);
}

static void export_timer(lws_sorted_usec_list_t *sul);

void bot_export_soon(struct bot *b, int64_t chat_id)
{
	for (size_t i = 0; i < b->n_exports; i++)
		if (b->exports[i] == chat_id)
			return;
	b->exports = mem_grow(b->exports, &b->cap_exports, b->n_exports + 1, sizeof *b->exports);
	b->exports[b->n_exports++] = chat_id;
	lws_sul_schedule(b->ctx, 0, &b->sul_export, export_timer, 1);
}

int bot_publish(struct bot *b, int64_t id)
{
	struct buf err = BUF_INIT;
	int rc = site_publish_chat(store_db(b->store), id, &b->site, &err);
	if (rc != 0)
		log_error("chat %lld: could not publish the transcript: %s", (long long)id, err.p);
	else
		log_info("chat %lld: transcript written", (long long)id);
	buf_free(&err);
	return rc;
}

static void export_timer(lws_sorted_usec_list_t *sul)
{
	struct bot *b = lws_container_of(sul, struct bot, sul_export);
	if (!b->n_exports)
		return;
	if (store_failing(b->store)) {
		/* published once what it shows is stored */
		lws_sul_schedule(b->ctx, 0, &b->sul_export, export_timer, 5 * LWS_US_PER_SEC);
		return;
	}
	int64_t id = b->exports[0];
	memmove(b->exports, b->exports + 1, --b->n_exports * sizeof *b->exports);
	bot_publish(b, id);
	if (b->n_exports)
		lws_sul_schedule(b->ctx, 0, &b->sul_export, export_timer, 1);
}

static const char *chat_ended(void *ud, int64_t now, const char *reason)
{
	struct bot_chat *c = ud;
	struct bot *b = c->bot;
	struct store *st = b->store;
	if (!c->chat_id)
		return NULL;
	plugin_event(c, ROUNDS_CHAT_ENDED, 0, NULL, now);
	int64_t id = c->chat_id;
	store_chat_close(st, id, now, reason, session_message_count(c->session),
			 session_participant_count(c->session));
	char key[64];
	snprintf(key, sizeof key, "chat/%lld/session", (long long)id);
	store_meta_delete(st, key); /* ended: nothing to resume */
	c->chat_id = 0;
	c->dirty = false;
	buf_clear(&c->location);
	if (store_failing(st)) {
		log_error("chat %s: ended (%s) while the store cannot write; it will be published once "
			  "its lines are stored", c->cfg->name, reason);
		bot_export_soon(b, id);
		return NULL;
	}
	struct buf err = BUF_INIT;
	if (site_location(store_db(st), id, &b->site, &c->location, &err) != 0) {
		log_error("chat %s: %s", c->cfg->name, err.p);
		buf_free(&err);
		return NULL;
	}
	buf_free(&err);
	store_set_transcript(st, id, c->location.p);
	store_commit(st);
	/* published now, before the wrap-up that links to it goes out: one
	 * chat's pages, then the index and the feed */
	if (bot_publish(b, id) != 0)
		return NULL;
	log_info("chat %s: ended (%s); transcript at %s", c->cfg->name, reason, c->location.p);
	return c->location.p;
}

static void cohost_added(void *ud, const char *account, const char *by)
{
	struct bot_chat *c = ud;
	c->dirty = true;
	log_info("chat %s: %s added co-host %s", c->cfg->name, by, account);
	if (c->chat_id)
		store_add_host(c->bot->store, c->chat_id, account, true, by, clock_wall_ms());
}

static void chat_timer(lws_sorted_usec_list_t *sul);

void bot_chat_arm(struct bot_chat *c)
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

void bot_chat_save(struct bot_chat *c)
{
	if (!c->dirty || !c->chat_id)
		return;
	c->dirty = false;
	char *state = session_snapshot(c->session);
	if (!state)
		return;
	char key[64];
	snprintf(key, sizeof key, "chat/%lld/session", (long long)c->chat_id);
	store_meta_set(c->bot->store, key, state);
	free(state);
}

/* Reads back the state of one session restored from the store. */
static void tally(void *ud, const char *key, uint64_t n)
{
	session_restore_tally(ud, key, n);
}

void bot_chat_resume(struct bot_chat *c)
{
	struct bot *b = c->bot;
	int64_t id = store_unended_chat(b->store, c->net->cfg->name, c->cfg->room);
	if (id <= 0)
		return;
	char key[64];
	snprintf(key, sizeof key, "chat/%lld/session", (long long)id);
	struct buf state = BUF_INIT, why = BUF_INIT;
	int found = store_meta_get(b->store, key, &state);
	if (found != 1 || session_restore(c->session, state.p, &why) != 0) {
		log_warn("chat %s: store chat %lld was left open, and %s; closing it", c->cfg->name, (long long)id,
			 found == 1 ? why.p : "no state of it was saved");
		store_chat_close(b->store, id, clock_wall_ms(), "interrupted", 0, 0);
		store_meta_delete(b->store, key);
		store_commit(b->store);
		buf_free(&state);
		buf_free(&why);
		return;
	}
	c->chat_id = id;
	store_chat_tally(b->store, id, tally, c->session);
	/* what was said while the bot was away comes from the history the
	 * network replays; the transport marks a gap if it does not reach back */
	int64_t last = store_last_event_ms(b->store, c->net->cfg->name, c->cfg->room);
	if (last > 0 && c->net->t->ops->away_since)
		c->net->t->ops->away_since(c->net->t, c->cfg->room, last);
	char where[32] = "the introductions";
	if (session_round_number(c->session))
		snprintf(where, sizeof where, "T%d", session_round_number(c->session));
	log_info("chat %s: resumed \"%s\" (store chat %lld) in %s%s", c->cfg->name, session_title(c->session),
		 (long long)id, where, session_paused(c->session) ? ", paused" : "");
	/* the topic of this round, if the bot had not yet posted it when it
	 * stopped (posted lines are stored as they are sent or echoed) */
	const struct session_round *r = session_current_round(c->session);
	if (r && !r->posted_by_host) {
		char prefix[16];
		snprintf(prefix, sizeof prefix, "T%d:", r->number);
		if (store_bot_said(b->store, id, prefix) == 0) {
			struct buf line = BUF_INIT;
			session_topic_line(r, &line);
			NET(c->net, say, c->cfg->room, line.p);
			buf_free(&line);
		}
	}
	buf_free(&state);
	buf_free(&why);
	plugin_event(c, ROUNDS_CHAT_STARTED, 0, NULL, clock_wall_ms());
	bot_chat_arm(c);
}

static void chat_timer(lws_sorted_usec_list_t *sul)
{
	struct bot_chat *c = lws_container_of(sul, struct bot_chat, sul);
	session_tick(c->session, clock_wall_ms());
	bot_chat_save(c);
	store_commit(c->bot->store);
	bot_retry_soon(c->bot);
	bot_chat_arm(c);
}

struct session *bot_chat_session_new(struct bot_chat *c)
{
	struct session_hooks hooks = {c, chat_say, chat_started, round_started, round_ended,
				      chat_ended, cohost_added};
	return session_new(c->cfg, &hooks);
}
