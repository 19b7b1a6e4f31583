/* stats: a "Chat statistics" section for the published transcript.
 *
 * Counts come from the transcript's lines (what is published), so they
 * agree with what a reader sees: people's lines and the bot's separately;
 * participants are the people with at least one line. Orderings are total
 * (counts, then names case-insensitively, then bytewise) so the same
 * transcript always gives the same section, byte for byte. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rounds-plugin.h"
#include "plugin_util.h"

struct stats {
	const struct rounds_api *api;
	size_t top;
};

static void str_printf(struct str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void str_printf(struct str *s, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	str_add(s, tmp);
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = (unsigned char)*a, y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y || !x)
			return x - y;
	}
}

/* Names in reading order: case-insensitive, then bytewise for a total order. */
static int name_cmp(const char *a, const char *b)
{
	int c = ascii_casecmp(a, b);
	return c ? c : strcmp(a, b);
}

struct person {
	const char *name;
	size_t lines;
	bool first_time;
};

static int person_by_lines(const void *a, const void *b)
{
	const struct person *x = a, *y = b;
	if (x->lines != y->lines)
		return x->lines > y->lines ? -1 : 1;
	return name_cmp(x->name, y->name);
}

static int person_by_name(const void *a, const void *b)
{
	const struct person *x = a, *y = b;
	return name_cmp(x->name, y->name);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* One row of the per-topic table: a round number and its lines. */
struct round_count {
	int number;
	const char *topic;
	size_t lines;
};

/* Intro first, then topics ascending, then the lines after the last topic. */
static int round_order(int n)
{
	return n < 0 ? INT32_MAX : n;
}

static int round_cmp(const void *a, const void *b)
{
	int x = round_order(((const struct round_count *)a)->number);
	int y = round_order(((const struct round_count *)b)->number);
	return x < y ? -1 : x > y;
}

/* The row for round n, added if missing. */
static struct round_count *round_row(struct round_count **rows, size_t *n_rows, int n)
{
	for (size_t i = 0; i < *n_rows; i++)
		if ((*rows)[i].number == n)
			return &(*rows)[i];
	*rows = xrealloc(*rows, (*n_rows + 1) * sizeof **rows);
	(*rows)[*n_rows] = (struct round_count){n, NULL, 0};
	return &(*rows)[(*n_rows)++];
}

/* "2026-11-19 20:14 UTC" for a minute since the epoch; false if out of range. */
static bool format_minute(int64_t minute, char *out, size_t size)
{
	if (minute > INT64_MAX / 60 || minute < INT64_MIN / 60)
		return false;
	time_t t = (time_t)(minute * 60);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return false;
	return strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) > 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void summarize(void *ud, struct rounds_summary *s)
{
	struct stats *st = ud;
	const struct rounds_api *api = st->api;
	size_t n_msgs = api->summary_messages(s);
	size_t n_people = api->summary_participants(s);

	struct person *people = xcalloc(n_people, sizeof *people);
	for (size_t i = 0; i < n_people; i++) {
		struct rounds_summary_participant p = {.size = sizeof p};
		if (api->summary_participant(s, i, &p)) {
			people[i].name = p.name ? p.name : "";
			people[i].first_time = p.first_time;
		} else {
			people[i].name = "";
		}
	}

	struct round_count *rows = NULL;
	size_t n_rows = 0;
	size_t n_rounds = api->summary_rounds(s);
	for (size_t i = 0; i < n_rounds; i++) {
		struct rounds_summary_round r = {.size = sizeof r};
		if (api->summary_round(s, i, &r) && r.number >= 0)
			round_row(&rows, &n_rows, r.number)->topic = r.topic;
	}

	size_t people_lines = 0, bot_lines = 0, n_minutes = 0;
	int64_t *minutes = xcalloc(n_msgs, sizeof *minutes);
	for (size_t i = 0; i < n_msgs; i++) {
		struct rounds_summary_message m = {.size = sizeof m};
		if (!api->summary_message(s, i, &m))
			continue;
		if (m.bot) {
			bot_lines++;
			continue;
		}
		people_lines++;
		if (m.participant < n_people)
			people[m.participant].lines++;
		round_row(&rows, &n_rows, m.round < 0 ? -1 : m.round)->lines++;
		minutes[n_minutes++] = floor_div(m.ts_ms, 60000);
	}

	/* participants: people with a line in the transcript */
	size_t speakers = 0, first_timers = 0;
	for (size_t i = 0; i < n_people; i++) {
		if (people[i].lines)
			people[speakers++] = people[i];
	}
	for (size_t i = 0; i < speakers; i++)
		first_timers += people[i].first_time;

	size_t sec = api->section(s, "Chat statistics");
	struct str t = {0};
	str_printf(&t, "%zu %s, %zu %s from people and %zu from the bot.", speakers,
		   plural(speakers, "participant", "participants"), people_lines,
		   plural(people_lines, "message", "messages"), bot_lines);
	api->paragraph(s, sec, t.p);

	if (first_timers) {
		qsort(people, speakers, sizeof *people, person_by_name);
		t.len = 0;
		str_printf(&t, "First-time %s: %zu (", plural(first_timers, "participant", "participants"),
			   first_timers);
		size_t k = 0;
		for (size_t i = 0; i < speakers; i++) {
			if (!people[i].first_time)
				continue;
			if (k++)
				str_add(&t, ", ");
			str_add(&t, people[i].name);
		}
		str_add(&t, ").");
		api->paragraph(s, sec, t.p);
	}

	/* busiest minute: the most lines; ties go to the earliest */
	if (n_minutes) {
		qsort(minutes, n_minutes, sizeof *minutes, cmp_i64);
		int64_t best = minutes[0];
		size_t best_n = 0;
		for (size_t i = 0, j; i < n_minutes; i = j) {
			for (j = i; j < n_minutes && minutes[j] == minutes[i]; j++)
				;
			if (j - i > best_n) {
				best_n = j - i;
				best = minutes[i];
			}
		}
		char when[64];
		if (format_minute(best, when, sizeof when)) {
			t.len = 0;
			str_printf(&t, "Busiest minute: %s, %zu %s.", when, best_n,
				   plural(best_n, "message", "messages"));
			api->paragraph(s, sec, t.p);
		}
	}

	/* messages per topic */
	if (n_rows) {
		qsort(rows, n_rows, sizeof *rows, round_cmp);
		const char **cells = xcalloc((n_rows + 1) * 3, sizeof *cells);
		char (*nums)[2][32] = xcalloc(n_rows, sizeof *nums);
		cells[0] = "Topic";
		cells[1] = "Text";
		cells[2] = "Messages";
		for (size_t i = 0; i < n_rows; i++) {
			const struct round_count *r = &rows[i];
			if (r->number == 0)
				snprintf(nums[i][0], sizeof nums[i][0], "Intro");
			else if (r->number < 0)
				snprintf(nums[i][0], sizeof nums[i][0], "After");
			else
				snprintf(nums[i][0], sizeof nums[i][0], "T%d", r->number);
			snprintf(nums[i][1], sizeof nums[i][1], "%zu", r->lines);
			cells[(i + 1) * 3] = nums[i][0];
			cells[(i + 1) * 3 + 1] = r->topic ? r->topic
					       : r->number == 0 ? "Introductions"
					       : r->number < 0	 ? "After the last topic"
								 : "";
			cells[(i + 1) * 3 + 2] = nums[i][1];
		}
		api->paragraph(s, sec, "Messages per topic:");
		api->table(s, sec, cells, n_rows + 1, 3);
		free(nums);
		free(cells);
	}

	/* most active participants */
	size_t shown = speakers < st->top ? speakers : st->top;
	if (shown) {
		qsort(people, speakers, sizeof *people, person_by_lines);
		const char **cells = xcalloc((shown + 1) * 2, sizeof *cells);
		char (*nums)[32] = xcalloc(shown, sizeof *nums);
		cells[0] = "Participant";
		cells[1] = "Messages";
		for (size_t i = 0; i < shown; i++) {
			snprintf(nums[i], sizeof nums[i], "%zu", people[i].lines);
			cells[(i + 1) * 2] = people[i].name;
			cells[(i + 1) * 2 + 1] = nums[i];
		}
		t.len = 0;
		if (shown < speakers)
			str_printf(&t, "Most active participants (top %zu of %zu):", shown, speakers);
		else
			str_add(&t, "Most active participants:");
		api->paragraph(s, sec, t.p);
		api->table(s, sec, cells, shown + 1, 2);
		free(nums);
		free(cells);
	}

	free(t.p);
	free(minutes);
	free(rows);
	free(people);
}

static int stats_init(struct rounds_host *h, const struct rounds_api *api, const char **errmsg)
{
	double top = api->config_number(h, "top", 10);
	if (!(top >= 0 && top <= 1000) || top != floor(top)) {
		*errmsg = "top must be a whole number from 0 (no table) to 1000";
		return -1;
	}
	struct stats *st = xcalloc(1, sizeof *st);
	st->api = api;
	st->top = (size_t)top;
	if (api->hook_summary(h, summarize, st, free) < 0) {
		free(st);
		*errmsg = "could not register the summary hook";
		return -1;
	}
	return 0;
}

ROUNDS_PLUGIN_DEFINE("stats", "1.0", "chat statistics in the transcript's summary", stats_init,
		     NULL);
