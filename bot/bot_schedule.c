/* bot_schedule.c: scheduled chats at run time — the bot opens each chat
 * with a schedule at its time, posts reminders in the room before it and
 * tells the people who asked (!remindme), and answers !when. The times
 * come from schedule.c; this is the glue to the clock, the session, the
 * store and the networks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot_impl.h"
#include "clock.h"
#include "log.h"
#include "schedule.h"
#include "store_reminders.h"
#include "tz.h"

/* A scheduled opening the bot missed (it was not running) is still made
 * if it is at most this late; later ones are skipped, with a log line. */
#define LATE_OPEN_MS (15 * 60 * 1000)
/* A reminder more than this late (the loop was held up) is not sent. */
#define LATE_REMINDER_MS (5 * 60 * 1000)

static void sched_timer(lws_sorted_usec_list_t *sul);

/* When reminder i before the next opening is due (UTC ms). */
static int64_t reminder_at(const struct bot_chat *c, size_t i)
{
	return c->next_open_ms - (int64_t)(c->cfg->reminders[i] * 60000);
}

/* The next opening after `after`, the reminders still ahead of now, and
 * the timer for whichever comes first. */
static void plan(struct bot_chat *c, int64_t after, int64_t now)
{
	const struct config_chat *cfg = c->cfg;
	c->next_open_ms = 0;
	if (schedule_next(cfg->schedule, c->zone, after, &c->next_open_ms) != 0) {
		lws_sul_cancel(&c->sul_sched);
		return;
	}
	c->next_reminder = 0;
	while (c->next_reminder < cfg->n_reminders && reminder_at(c, c->next_reminder) <= now)
		c->next_reminder++;
}

static void arm(struct bot_chat *c, int64_t now)
{
	if (!c->next_open_ms) {
		lws_sul_cancel(&c->sul_sched);
		return;
	}
	int64_t due = c->next_open_ms;
	if (c->next_reminder < c->cfg->n_reminders)
		due = reminder_at(c, c->next_reminder);
	int64_t wait = due - now;
	wait = wait < 0 ? 0 : wait > 3600000 ? 3600000 : wait; /* hourly: the wall clock may jump */
	lws_sul_schedule(c->bot->ctx, 0, &c->sul_sched, sched_timer, (lws_usec_t)wait * LWS_US_PER_MS + 1000);
}

static void remind(struct bot_chat *c, int64_t now)
{
	struct bot *b = c->bot;
	const char *title = c->cfg->title ? c->cfg->title : c->cfg->name;
	struct buf when = BUF_INIT, msg = BUF_INIT;
	schedule_format_duration(&when, c->next_open_ms - now);
	buf_printf(&msg, "Reminder: %s starts in %s, on ", title, when.p);
	schedule_format_when(&msg, c->zone, c->next_open_ms);
	buf_printf(&msg, ". Say %sremindme to be reminded privately before each chat.", c->cfg->prefix);
	NET(c->net, say, c->cfg->room, msg.p);
	struct store_subscriber *subs;
	size_t n;
	if (store_remind_list(b->store, c->net->cfg->name, c->cfg->room, &subs, &n) == 0) {
		buf_clear(&msg);
		buf_printf(&msg, "Reminder: %s starts in %s in %s, on ", title, when.p, c->cfg->room);
		schedule_format_when(&msg, c->zone, c->next_open_ms);
		buf_printf(&msg, ". (Say %sremindme off to stop these reminders.)", c->cfg->prefix);
		for (size_t i = 0; i < n; i++)
			NET(c->net, tell, subs[i].nick, subs[i].account, msg.p);
		log_info("chat %s: reminded the room and %zu subscriber%s: starts in %s", c->cfg->name, n,
			 n == 1 ? "" : "s", when.p);
		store_subscribers_free(subs, n);
	}
	buf_free(&when);
	buf_free(&msg);
}

/* The scheduled time has come: open the chat, unless it is open or was
 * held early (opened within its planned length before this time). */
static void open_scheduled(struct bot_chat *c, int64_t at, int64_t now)
{
	struct bot *b = c->bot;
	if (session_phase(c->session) != SESSION_IDLE) {
		log_info("chat %s: the scheduled opening finds the chat already open; carrying on",
			 c->cfg->name);
		return;
	}
	int64_t planned = (int64_t)(config_chat_planned_minutes(c->cfg) * 60000);
	int64_t last = store_last_opened_ms(b->store, c->net->cfg->name, c->cfg->room);
	if (last > 0 && last >= at - planned) {
		log_info("chat %s: the scheduled chat was already opened early; not opening it again",
			 c->cfg->name);
		return;
	}
	struct buf why = BUF_INIT;
	if (session_start(c->session, now, NULL, "the schedule", &why) != 0)
		log_warn("chat %s: could not open the scheduled chat: %s", c->cfg->name, why.p);
	else if (now - at > 1000)
		log_info("chat %s: opened by the schedule, %lld s late (the bot was not running)",
			 c->cfg->name, (long long)((now - at) / 1000));
	buf_free(&why);
	bot_chat_save(c);
	store_commit(b->store);
	bot_chat_arm(c);
}

static void sched_timer(lws_sorted_usec_list_t *sul)
{
	struct bot_chat *c = lws_container_of(sul, struct bot_chat, sul_sched);
	int64_t now = clock_wall_ms();
	if (!c->next_open_ms)
		return;
	/* reminders due: the latest one only, if several fell due at once */
	bool due = false;
	while (c->next_reminder < c->cfg->n_reminders && reminder_at(c, c->next_reminder) <= now) {
		due = now - reminder_at(c, c->next_reminder) <= LATE_REMINDER_MS;
		c->next_reminder++;
	}
	/* not while a chat is on (a host opened it early): it would say the
	 * chat is still to come */
	if (due && c->next_open_ms > now && session_phase(c->session) == SESSION_IDLE)
		remind(c, now);
	if (c->next_open_ms <= now) {
		int64_t at = c->next_open_ms;
		open_scheduled(c, at, now);
		plan(c, at, now);
	}
	arm(c, now);
}

void bot_schedule_start(struct bot *b)
{
	int64_t now = clock_wall_ms();
	for (size_t i = 0; i < b->cfg->n_chats; i++) {
		struct bot_chat *c = &b->chats[i];
		if (!c->cfg->schedule)
			continue;
		struct buf err = BUF_INIT;
		if (tz_load(c->cfg->timezone, &c->zone, &err) != 0) {
			log_error("chat %s: no schedule: %s", c->cfg->name, err.p);
			buf_free(&err);
			continue;
		}
		buf_free(&err);
		/* an opening missed while the bot was not running, if recent */
		plan(c, now - LATE_OPEN_MS, now);
		if (c->next_open_ms && c->next_open_ms <= now &&
		    store_last_opened_ms(b->store, c->net->cfg->name, c->cfg->room) >= c->next_open_ms)
			plan(c, now, now); /* it was opened (and this is a restart): the next one */
		struct buf desc = BUF_INIT;
		schedule_describe(c->cfg->schedule, &desc);
		if (c->next_open_ms) {
			buf_adds(&desc, "; next: ");
			schedule_format_when(&desc, c->zone, c->next_open_ms);
		} else {
			buf_adds(&desc, "; no chat left to open");
		}
		log_info("chat %s: scheduled %s", c->cfg->name, desc.p);
		buf_free(&desc);
		arm(c, now);
	}
}

void bot_schedule_stop(struct bot *b)
{
	for (size_t i = 0; b->chats && i < b->cfg->n_chats; i++) {
		if (b->ctx)
			lws_sul_cancel(&b->chats[i].sul_sched);
		tz_free(b->chats[i].zone);
		b->chats[i].zone = NULL;
	}
}

void bot_schedule_when(struct bot_chat *c, struct buf *out)
{
	int64_t now = clock_wall_ms();
	const char *title = c->cfg->title ? c->cfg->title : c->cfg->name;
	if (session_phase(c->session) != SESSION_IDLE)
		buf_printf(out, "%s is on now. ", session_title(c->session));
	if (!c->cfg->schedule || !c->zone) {
		if (out->len)
			buf_printf(out, "No later chat is scheduled.");
		return; /* the command says there is no schedule */
	}
	int64_t next = c->next_open_ms;
	if (next && next <= now && schedule_next(c->cfg->schedule, c->zone, now, &next) != 0)
		next = 0;
	if (!next) {
		buf_printf(out, "No more %s chats are scheduled.", title);
		return;
	}
	buf_printf(out, "The next %s is on ", title);
	schedule_format_when(out, c->zone, next);
	buf_adds(out, ": in ");
	schedule_format_duration(out, next - now);
	buf_adds(out, ".");
}

bool bot_schedule_remindme(struct bot_chat *c, const char *key, const char *nick, const char *account,
			   bool on, struct buf *out)
{
	if (!c->cfg->schedule) {
		buf_printf(out, "This chat has no schedule, so there is nothing to remind you of.");
		return false;
	}
	int rc = store_remind_set(c->bot->store, c->net->cfg->name, c->cfg->room, key, nick, account, on,
				  clock_wall_ms());
	if (rc < 0) {
		buf_adds(out, "Sorry, that could not be recorded just now; please try again in a minute.");
		return false;
	}
	if (on)
		buf_printf(out, "%s: I will remind you privately before each %s chat in %s. Say "
				"%sremindme off to stop.", rc ? "Done" : "You are already on the list",
			   c->cfg->title ? c->cfg->title : c->cfg->name, c->cfg->room, c->cfg->prefix);
	else
		buf_printf(out, "%s: no more private reminders for %s.", rc ? "Done" : "You were not on the list",
			   c->cfg->room);
	log_info("chat %s: %s %s reminders", c->cfg->name, key, on ? "asked for" : "stopped");
	return true;
}
