/* transport_irc.c: the IRC transport, a thin layer over link (the
 * connection) and irc (the protocol). */
#include <stdlib.h>
#include <string.h>

#include "irc.h"
#include "link.h"
#include "log.h"
#include "mem.h"
#include "transport.h"

struct tirc {
	struct transport base; /* first: the core holds a struct transport * */
	struct link *link;
};

static struct irc *irc_of(struct transport *t)
{
	return link_irc(((struct tirc *)t)->link);
}

static void on_event(void *ud, struct link *l, const struct event *ev)
{
	struct transport *t = ud;
	t->hooks.event(t->hooks.ud, t, ev);
}

static void on_flush(void *ud, struct link *l)
{
	struct transport *t = ud;
	t->hooks.flush(t->hooks.ud, t);
}

static void on_registered(void *ud, struct link *l)
{
	struct transport *t = ud;
	if (t->hooks.ready)
		t->hooks.ready(t->hooks.ud, t);
}

static void start(struct transport *t)
{
	link_start(((struct tirc *)t)->link);
}

static int say(struct transport *t, const char *room, const char *text)
{
	return irc_privmsg(irc_of(t), room, text) > 0 ? 0 : -1;
}

static int tell(struct transport *t, const char *nick, const char *account, const char *text)
{
	return irc_notice(irc_of(t), nick, text) > 0 ? 0 : -1;
}

static int sanction(struct transport *t, const char *room, const char *nick, const char *account,
		    enum transport_sanction what, const char *reason, struct buf *undo, struct buf *why)
{
	enum irc_sanction s = what == TRANSPORT_MUTE ? IRC_SANCTION_MUTE
			      : what == TRANSPORT_KICK ? IRC_SANCTION_KICK : IRC_SANCTION_BAN;
	return irc_sanction(irc_of(t), room, nick, s, reason, undo, why);
}

static int lift(struct transport *t, const char *room, const char *undo)
{
	return irc_unmute(irc_of(t), room, undo);
}

static bool is_member(struct transport *t, const char *room, const char *nick, const char *account)
{
	return irc_is_member(irc_of(t), room, nick);
}

static bool same_room(struct transport *t, const char *a, const char *b)
{
	return ircmsg_caseeq(a, b, irc_casemapping(irc_of(t)));
}

static void fold_name(struct transport *t, char *name)
{
	ircmsg_casefold(name, irc_casemapping(irc_of(t)));
}

static void quit(struct transport *t, const char *reason)
{
	link_quit(((struct tirc *)t)->link, reason);
}

static bool done(struct transport *t)
{
	return link_done(((struct tirc *)t)->link);
}

static void log_stats(struct transport *t)
{
	struct link *l = ((struct tirc *)t)->link;
	struct irc *irc = link_irc(l);
	const struct irc_stats *is = irc_stats(irc);
	log_info("network %s: %llu lines in, %llu out; dropped: %llu malformed, %llu too long, "
		 "%llu outgoing refused by a full queue, %zu still queued",
		 t->cfg->name, (unsigned long long)is->lines_in, (unsigned long long)is->lines_out,
		 (unsigned long long)is->malformed, link_stats(l)->overlong,
		 (unsigned long long)is->dropped_out, irc_queued(irc));
}

static void destroy(struct transport *t)
{
	if (!t)
		return;
	link_free(((struct tirc *)t)->link);
	free(t);
}

static void away_since(struct transport *t, const char *room, int64_t since_ms)
{
	irc_away_since(irc_of(t), room, since_ms);
}

static unsigned epoch(struct transport *t)
{
	struct irc *irc = irc_of(t);
	return irc_registered(irc) ? irc_stats(irc)->registrations : 0;
}

static uint64_t ask_sync(struct transport *t)
{
	return irc_sync(irc_of(t));
}

static bool is_synced(struct transport *t, uint64_t token)
{
	return irc_synced(irc_of(t), token);
}

static const struct transport_ops irc_ops = {
	.kind = "irc", .start = start, .say = say, .tell = tell, .sanction = sanction, .lift = lift,
	.remove = NULL, .is_member = is_member, .same_room = same_room,
	.fold_name = fold_name, .quit = quit, .done = done, .log_stats = log_stats, .free = destroy,
	.away_since = away_since, .epoch = epoch, .sync = ask_sync, .synced = is_synced,
};

struct transport *transport_irc_new(struct lws_context *ctx, const struct config_network *cfg,
				    const char *const *rooms, size_t n_rooms,
				    const struct transport_hooks *hooks, struct buf *err)
{
	struct tirc *t = mem_calloc(1, sizeof *t);
	t->base.ops = &irc_ops;
	t->base.cfg = cfg;
	t->base.hooks = *hooks;
	struct link_hooks lh = {&t->base, on_event, on_flush, on_registered};
	t->link = link_new(ctx, cfg, rooms, n_rooms, &lh, err);
	if (!t->link) {
		free(t);
		return NULL;
	}
	return &t->base;
}

struct transport *transport_new(struct lws_context *ctx, const struct config_network *cfg,
				const char *const *rooms, size_t n_rooms,
				const struct transport_hooks *hooks, struct buf *err)
{
	switch (cfg->type) {
	case CONFIG_NET_IRC:
		return transport_irc_new(ctx, cfg, rooms, n_rooms, hooks, err);
	case CONFIG_NET_MATRIX:
		return transport_matrix_new(ctx, cfg, rooms, n_rooms, hooks, err);
	}
	buf_printf(err, "network %s: unknown type", cfg->name);
	return NULL;
}
