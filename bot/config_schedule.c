/* config_schedule.c: a chat's "schedule" (see config.h and schedule.h):
 * when the bot opens the chat by itself, and when it reminds people. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_check.h"
#include "mem.h"
#include "schedule.h"

static const char *const schedule_keys[] = {
	"dates", "every_weeks", "first", "monthly", "reminders", "time", "until", "weekly",
};

/* The default reminders: a day, an hour and ten minutes before. */
static const double default_reminders[] = {1440, 60, 10};

enum { MAX_DATES = 1000, MAX_REMINDERS = 10 };
#define REMINDER_MAX_MINUTES 10080.0 /* a week */

/* A string member parsed by ok(); reports what was expected. Returns 1,
 * 0 when absent, -1 when wrong. */
static int get_parsed(struct config_check_ctx *c, json_t *obj, const char *key, const char *what,
		      bool (*ok)(const char *s, void *out), void *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (json_is_string(v) && ok(json_string_value(v), out))
		return 1;
	size_t mark = config_check_key_push(c, key);
	config_check_expected(c, v, "%s", what);
	config_check_key_pop(c, mark);
	return -1;
}

static bool ok_weekday(const char *s, void *out)
{
	return schedule_parse_weekday(s, &((struct schedule *)out)->weekday);
}

static bool ok_monthly(const char *s, void *out)
{
	struct schedule *sc = out;
	return schedule_parse_monthly(s, &sc->nth, &sc->weekday);
}

static bool ok_time(const char *s, void *out)
{
	struct schedule *sc = out;
	return schedule_parse_time(s, &sc->hour, &sc->minute, &sc->second);
}

static bool ok_date(const char *s, void *out)
{
	return schedule_parse_date(s, out);
}

static int64_t day_of(const struct schedule_date *d)
{
	return tz_days_from_civil(d->year, d->month, d->day);
}

static void parse_dates(struct config_check_ctx *c, json_t *obj, struct schedule *sc)
{
	json_t *v = json_object_get(obj, "dates");
	if (!v)
		return;
	size_t mark = config_check_key_push(c, "dates");
	if (!json_is_array(v) || json_array_size(v) > MAX_DATES) {
		config_check_expected(c, v, "an array of at most %d dates, each \"YYYY-MM-DD\" or "
					    "\"YYYY-MM-DD HH:MM\"", MAX_DATES);
		config_check_key_pop(c, mark);
		return;
	}
	sc->dates = mem_calloc(json_array_size(v) ? json_array_size(v) : 1, sizeof *sc->dates);
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *d = json_array_get(v, i);
		size_t m = config_check_key_push_index(c, i);
		struct schedule_once o;
		if (!json_is_string(d) || !schedule_parse_once(json_string_value(d), &o))
			config_check_expected(c, d, "a date \"YYYY-MM-DD\" (1970 or later), or a date and "
						    "local time \"YYYY-MM-DD HH:MM\"");
		else if (!o.has_time && !sc->has_time)
			config_check_report(c, "a date without a time needs the schedule's \"time\" "
					       "(or give it as \"YYYY-MM-DD HH:MM\")");
		else
			sc->dates[sc->n_dates++] = o;
		config_check_key_pop(c, m);
	}
	config_check_key_pop(c, mark);
}

static void parse_reminders(struct config_check_ctx *c, json_t *obj, struct config_chat *chat)
{
	json_t *v = json_object_get(obj, "reminders");
	if (!v) {
		chat->n_reminders = sizeof default_reminders / sizeof default_reminders[0];
		chat->reminders = mem_calloc(chat->n_reminders, sizeof *chat->reminders);
		memcpy(chat->reminders, default_reminders, sizeof default_reminders);
		return;
	}
	size_t mark = config_check_key_push(c, "reminders");
	if (!json_is_array(v) || json_array_size(v) > MAX_REMINDERS) {
		config_check_expected(c, v, "an array of at most %d numbers of minutes before the chat "
					    "(such as [1440, 60, 10])", MAX_REMINDERS);
		config_check_key_pop(c, mark);
		return;
	}
	size_t n = json_array_size(v);
	chat->reminders = mem_calloc(n ? n : 1, sizeof *chat->reminders);
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(v, i);
		size_t m = config_check_key_push_index(c, i);
		double d = json_number_value(r);
		if (!json_is_number(r) || !(d > 0) || d > REMINDER_MAX_MINUTES) {
			config_check_expected(c, r, "a number of minutes greater than 0 and at most %g",
					      REMINDER_MAX_MINUTES);
		} else {
			bool dup = false;
			for (size_t k = 0; k < chat->n_reminders; k++)
				dup |= chat->reminders[k] == d;
			if (dup)
				config_check_expected(c, r, "a number of minutes not given twice");
			else
				chat->reminders[chat->n_reminders++] = d;
		}
		config_check_key_pop(c, m);
	}
	config_check_key_pop(c, mark);
	/* largest first: the order they fall in */
	for (size_t i = 1; i < chat->n_reminders; i++)
		for (size_t k = i; k > 0 && chat->reminders[k] > chat->reminders[k - 1]; k--) {
			double t = chat->reminders[k];
			chat->reminders[k] = chat->reminders[k - 1];
			chat->reminders[k - 1] = t;
		}
}

void config_parse_schedule(struct config_check_ctx *c, json_t *obj, struct config_chat *chat)
{
	json_t *v = config_check_get_object(c, obj, "schedule",
					    "an object such as {\"weekly\": \"tuesday\", \"time\": \"21:00\"}");
	if (!v)
		return;
	size_t mark = config_check_key_push(c, "schedule");
	CONFIG_CHECK_CHECK_KEYS(c, v, schedule_keys);
	struct schedule *sc = mem_calloc(1, sizeof *sc);
	sc->every_weeks = 1;
	sc->repeat = SCHEDULE_ONCE;
	bool bad = false;
	sc->has_time = get_parsed(c, v, "time", "a local time \"HH:MM\" (24-hour), such as \"21:00\"",
				  ok_time, sc) == 1;
	int weekly = get_parsed(c, v, "weekly", "a day of the week, such as \"tuesday\"", ok_weekday, sc);
	int monthly = get_parsed(c, v, "monthly", "the Nth weekday of the month, such as \"2nd tuesday\" "
						  "or \"last friday\"", ok_monthly, sc);
	bad |= weekly < 0 || monthly < 0;
	if (weekly > 0 && monthly > 0) {
		config_check_report(c, "expected one of \"weekly\" and \"monthly\", got both");
		bad = true;
	}
	sc->repeat = weekly > 0 ? SCHEDULE_WEEKLY : monthly > 0 ? SCHEDULE_MONTHLY : SCHEDULE_ONCE;
	int every = config_check_get_int(c, v, "every_weeks", 1, 52, &sc->every_weeks);
	if (every > 0 && weekly <= 0) {
		config_check_report(c, "\"every_weeks\" needs \"weekly\" (the day of the week)");
		bad = true;
	}
	sc->has_first = get_parsed(c, v, "first", "a date \"YYYY-MM-DD\" (1970 or later)", ok_date, &sc->first) == 1;
	sc->has_until = get_parsed(c, v, "until", "a date \"YYYY-MM-DD\" (1970 or later)", ok_date, &sc->until) == 1;
	if (sc->repeat == SCHEDULE_WEEKLY && sc->every_weeks > 1) {
		if (!sc->has_first) {
			config_check_missing(c, "first", "the date of one of the chats, which every_weeks "
							  "counts from");
			bad = true;
		} else if (tz_weekday(sc->first.year, sc->first.month, sc->first.day) != sc->weekday) {
			size_t m = config_check_key_push(c, "first");
			config_check_expected(c, json_object_get(v, "first"), "a %s (the \"weekly\" day), "
					      "the date of one of the chats",
					      schedule_weekday_name(sc->weekday));
			config_check_key_pop(c, m);
			bad = true;
		}
	}
	if (sc->has_first && sc->has_until && day_of(&sc->until) < day_of(&sc->first)) {
		size_t m = config_check_key_push(c, "until");
		config_check_expected(c, json_object_get(v, "until"), "a date not before \"first\"");
		config_check_key_pop(c, m);
		bad = true;
	}
	if (sc->repeat != SCHEDULE_ONCE && !sc->has_time && !json_object_get(v, "time")) {
		config_check_missing(c, "time", "the local time the chat opens, such as \"21:00\"");
		bad = true;
	}
	parse_dates(c, v, sc);
	if (sc->repeat == SCHEDULE_ONCE && !json_object_get(v, "dates") && weekly == 0 && monthly == 0) {
		config_check_report(c, "expected when the chat happens: \"weekly\", \"monthly\" or \"dates\"");
		bad = true;
	}
	parse_reminders(c, v, chat);
	config_check_key_pop(c, mark);
	if (bad) {
		schedule_free(sc);
		return;
	}
	chat->schedule = sc;
}
