#include "chart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "mem.h"
#include "tz.h"
#include "utf8.h"

#define MINUTE_MS INT64_C(60000)
#define DAY_MIN 1440

/* Labels longer than this many characters are cut in the picture (the
 * table beside it has them whole): at the SVG's font size this is what
 * fits in the label column. */
#define LABEL_CHARS 16

/* Timeline geometry, in user units of a 480 x 204 viewBox. */
enum {
	TL_W = 480,
	TL_H = 204,
	TL_LEFT = 40,   /* plot area */
	TL_RIGHT = 460,
	TL_TOP = 36,
	TL_BASE = 176,
	TL_TICK_Y = 194, /* baseline of the time labels */
	TL_MARK_Y0 = 14, /* baselines of the two rows of round labels */
	TL_MARK_Y1 = 28,
	TL_MARK_GAP = 26, /* labels closer than this go to the other row */
};

/* Bar chart geometry. */
enum {
	BAR_W = 480,
	BAR_LABEL = 150, /* bars start here; labels end just before */
	BAR_LEN = 270,   /* the longest bar */
	BAR_ROW = 22,
	BAR_THICK = 14,
	BAR_PAD = 4,
};

/* Appends tenths of a unit as a decimal ("123", "123.4"), integers only:
 * printf's %f would follow the locale and round differently on some libcs. */
static void fx(struct buf *out, int64_t tenths)
{
	if (tenths < 0) {
		buf_addc(out, '-');
		tenths = -tenths;
	}
	if (tenths % 10)
		buf_printf(out, "%lld.%lld", (long long)(tenths / 10), (long long)(tenths % 10));
	else
		buf_printf(out, "%lld", (long long)(tenths / 10));
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The smallest "nice" length (minutes) that is at least want. */
static int64_t nice_minutes(int64_t want)
{
	static const int64_t steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, DAY_MIN};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i] >= want)
			return steps[i];
	return (want + DAY_MIN - 1) / DAY_MIN * DAY_MIN;
}

/* Times are clamped to years 1..9999 (what ISO 8601 and the store's
 * clock can say), so the arithmetic below cannot overflow: a range times
 * a width in tenths stays far below 2^63. */
#define TIME_MIN INT64_C(-62135596800000)
#define TIME_MAX INT64_C(253402300799999)

static int64_t clamp_time(int64_t ms)
{
	return ms < TIME_MIN ? TIME_MIN : ms > TIME_MAX ? TIME_MAX : ms;
}

void chart_bucketize(const int64_t *times, size_t n, int64_t from_ms, int64_t to_ms,
		     struct chart_buckets *out)
{
	from_ms = clamp_time(from_ms);
	to_ms = clamp_time(to_ms);
	for (size_t i = 0; i < n; i++) {
		int64_t ms = clamp_time(times[i]);
		if (ms < from_ms)
			from_ms = ms;
		if (ms > to_ms)
			to_ms = ms;
	}
	if (to_ms < from_ms)
		to_ms = from_ms;
	int64_t start = floor_div(from_ms, MINUTE_MS);
	/* the last minute counts whole: a line at 20:35:10 is in 20:35 */
	int64_t minutes = floor_div(to_ms, MINUTE_MS) - start + 1;
	int64_t len = nice_minutes((minutes + CHART_MAX_BUCKETS - 1) / CHART_MAX_BUCKETS);
	out->start_ms = start * MINUTE_MS;
	out->bucket_ms = len * MINUTE_MS;
	out->n = (size_t)((minutes + len - 1) / len);
	out->counts = mem_calloc(out->n, sizeof *out->counts);
	out->max = 0;
	out->busiest = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = (size_t)((clamp_time(times[i]) - out->start_ms) / out->bucket_ms);
		if (k >= out->n) /* cannot happen: the range takes in every time */
			k = out->n - 1;
		out->counts[k]++;
	}
	for (size_t k = 0; k < out->n; k++)
		if (out->counts[k] > out->max) {
			out->max = out->counts[k];
			out->busiest = k;
		}
}

void chart_buckets_free(struct chart_buckets *b)
{
	free(b->counts);
	b->counts = NULL;
	b->n = 0;
}

/* The opening tag and the accessible name and description every chart
 * carries. */
static void svg_open(struct buf *out, const char *id, int width, int height, const char *title,
		     const char *desc)
{
	buf_printf(out,
		   "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %d %d\" "
		   "aria-labelledby=\"%s-t %s-d\">\n<title id=\"%s-t\">",
		   width, height, id, id, id);
	html_escape(out, title);
	buf_printf(out, "</title>\n<desc id=\"%s-d\">", id);
	html_escape(out, desc);
	buf_adds(out, "</desc>\n");
}

/* The smallest of 1, 2, 5 x 10^k at or above v (1 for 0). */
static size_t nice_ceiling(size_t v)
{
	for (size_t p = 1;; p *= 10) {
		if (v <= p)
			return p;
		if (v <= 2 * p)
			return 2 * p;
		if (v <= 5 * p)
			return 5 * p;
		if (p > SIZE_MAX / 100)
			return v;
	}
}

/* An axis label: "20:30" ("01:00 EST" once the offset differs from the
 * one at ref_ms), or "22 Nov" when ticks are days apart. Dates are left
 * to the table: on the axis they would collide. */
static void axis_label(struct buf *out, const struct tz *z, int64_t ms, int64_t ref_ms, bool days)
{
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tz_civil c;
	struct tz_info i, r;
	tz_civil_from_utc(z, ms, &c, &i);
	tz_lookup(z, ref_ms, &r);
	if (days) {
		buf_printf(out, "%d %s", c.day, months[(c.month - 1) % 12]);
		return;
	}
	buf_printf(out, "%02d:%02d", c.hour, c.minute);
	if (i.utc_offset != r.utc_offset && ((i.abbr[0] >= 'A' && i.abbr[0] <= 'Z') ||
					     (i.abbr[0] >= 'a' && i.abbr[0] <= 'z')))
		buf_printf(out, " %s", i.abbr);
}

/* Local minutes since the epoch at an instant (what a wall clock reads). */
static int64_t local_minute(const struct tz *z, int64_t ms)
{
	struct tz_info i;
	tz_lookup(z, ms, &i);
	return floor_div(ms, MINUTE_MS) + floor_div(i.utc_offset, 60);
}

/* Times of day along the bottom: at most six, on whole multiples of a
 * nice step of local time, so they read 20:00, 20:10, ... even when the
 * chat started at 20:03. Found bucket by bucket, so a clock that jumps
 * (daylight saving) shows what the wall clock showed. */
static void timeline_ticks(struct buf *out, const struct chart_buckets *b, const struct tz *z)
{
	int64_t total = (int64_t)b->n * (b->bucket_ms / MINUTE_MS);
	int64_t step = nice_minutes((total + 4) / 5);
	int64_t span = (int64_t)(TL_RIGHT - TL_LEFT) * 10;
	for (size_t k = 0; k <= b->n; k++) {
		int64_t s = b->start_ms + (int64_t)k * b->bucket_ms;
		int64_t ls = local_minute(z, s);
		/* the first tick at or after ls, if it comes before the next bucket */
		int64_t tick = floor_div(ls + step - 1, step) * step;
		int64_t ahead = tick - ls;
		if (ahead >= (k < b->n ? b->bucket_ms / MINUTE_MS : 1))
			continue;
		int64_t at = s + ahead * MINUTE_MS;
		int64_t x = TL_LEFT * 10 + (at - b->start_ms) * span / ((int64_t)b->n * b->bucket_ms);
		buf_adds(out, "<line class=\"tick\" x1=\"");
		fx(out, x);
		buf_printf(out, "\" y1=\"%d\" x2=\"", TL_BASE);
		fx(out, x);
		/* near the right edge a centred label would be cut off */
		buf_printf(out, "\" y2=\"%d\"/><text class=\"%s\" x=\"", TL_BASE + 4,
			   x > (TL_RIGHT - 30) * 10 ? "xe" : "x");
		fx(out, x);
		buf_printf(out, "\" y=\"%d\">", TL_TICK_Y);
		axis_label(out, z, at, b->start_ms, step >= DAY_MIN);
		buf_adds(out, "</text>\n");
	}
}

void chart_timeline(struct buf *out, const char *id, const char *title, const char *desc,
		    const struct chart_buckets *b, const struct chart_mark *marks, size_t n_marks,
		    const struct tz *z)
{
	svg_open(out, id, TL_W, TL_H, title, desc);
	size_t top = nice_ceiling(b->max);
	int64_t height = (int64_t)(TL_BASE - TL_TOP) * 10;
	int64_t span = (int64_t)(TL_RIGHT - TL_LEFT) * 10;
	int64_t range = (int64_t)b->n * b->bucket_ms;

	/* the count scale: gridlines at 0, half (when whole) and the top */
	for (int g = 0; g <= 2; g++) {
		if (g == 1 && top % 2)
			continue;
		size_t v = top * (size_t)g / 2;
		int64_t y = (int64_t)TL_BASE * 10 - (int64_t)g * height / 2;
		buf_printf(out, "<line class=\"%s\" x1=\"%d\" y1=\"", g ? "grid" : "axis", TL_LEFT);
		fx(out, y);
		buf_printf(out, "\" x2=\"%d\" y2=\"", TL_RIGHT);
		fx(out, y);
		buf_printf(out, "\"/><text class=\"y\" x=\"%d\" y=\"", TL_LEFT - 4);
		fx(out, y + 40);
		buf_printf(out, "\">%zu</text>\n", v);
	}

	/* the counts as one stepped area: a corner only where a count changes */
	buf_printf(out, "<path class=\"area\" d=\"M%d %d", TL_LEFT, TL_BASE);
	int64_t last_y = (int64_t)TL_BASE * 10;
	for (size_t k = 0; k < b->n; k++) {
		int64_t y = (int64_t)TL_BASE * 10 - (int64_t)b->counts[k] * height / (int64_t)top;
		if (y == last_y)
			continue;
		if (k) {
			buf_adds(out, "H");
			fx(out, TL_LEFT * 10 + (int64_t)k * span / (int64_t)b->n);
		}
		buf_adds(out, "V");
		fx(out, y);
		last_y = y;
	}
	buf_printf(out, "H%dV%dZ\"/>\n", TL_RIGHT, TL_BASE);

	timeline_ticks(out, b, z);

	int64_t last_x[2] = {INT64_MIN / 2, INT64_MIN / 2};
	for (size_t i = 0; i < n_marks; i++) {
		if (marks[i].ms < b->start_ms || marks[i].ms > b->start_ms + range ||
		    marks[i].ms > TIME_MAX)
			continue;
		int64_t x = TL_LEFT * 10 + (marks[i].ms - b->start_ms) * span / range;
		int row = x - last_x[0] >= TL_MARK_GAP * 10 ? 0 : 1;
		last_x[row] = x;
		buf_adds(out, "<line class=\"mark\" x1=\"");
		fx(out, x);
		buf_printf(out, "\" y1=\"%d\" x2=\"", row ? TL_MARK_Y1 + 3 : TL_MARK_Y0 + 3);
		fx(out, x);
		buf_printf(out, "\" y2=\"%d\"/><text class=\"m\" x=\"", TL_BASE);
		fx(out, x);
		buf_printf(out, "\" y=\"%d\">", row ? TL_MARK_Y1 : TL_MARK_Y0);
		html_escape(out, marks[i].label);
		buf_adds(out, "</text>\n");
	}
	buf_adds(out, "</svg>\n");
}

/* Appends label, cut to LABEL_CHARS characters with an ellipsis. */
static void short_label(struct buf *out, const char *label)
{
	const unsigned char *p = (const unsigned char *)label;
	size_t n = strlen(label), i = 0;
	for (int chars = 0; i < n && chars < LABEL_CHARS; chars++) {
		size_t len = utf8_seq_len(p + i, n - i);
		i += len ? len : 1;
	}
	if (i >= n) {
		html_escape(out, label);
		return;
	}
	char *cut = mem_strndup(label, i);
	html_escape(out, cut);
	free(cut);
	buf_adds(out, "\xe2\x80\xa6"); /* … */
}

void chart_bars(struct buf *out, const char *id, const char *title, const char *desc,
		const struct chart_bar *bars, size_t n)
{
	int height = n ? (int)n * BAR_ROW + 2 * BAR_PAD : 40;
	svg_open(out, id, BAR_W, height, title, desc);
	if (!n) {
		buf_printf(out, "<text class=\"none\" x=\"%d\" y=\"25\">No data</text>\n</svg>\n", BAR_W / 2);
		return;
	}
	size_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (bars[i].value > max)
			max = bars[i].value;
	buf_printf(out, "<line class=\"axis\" x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\"/>\n", BAR_LABEL,
		   BAR_LABEL, height);
	for (size_t i = 0; i < n; i++) {
		int y = BAR_PAD + (int)i * BAR_ROW;
		/* in tenths; a non-zero value always shows at least a sliver */
		int64_t len = max ? (int64_t)bars[i].value * BAR_LEN * 10 / (int64_t)max : 0;
		if (bars[i].value && len < 10)
			len = 10;
		buf_printf(out, "<text class=\"l\" x=\"%d\" y=\"%d\">", BAR_LABEL - 6,
			   y + BAR_ROW / 2 + 4);
		short_label(out, bars[i].label);
		buf_printf(out, "</text><rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"", BAR_LABEL,
			   y + (BAR_ROW - BAR_THICK) / 2);
		fx(out, len);
		buf_printf(out, "\" height=\"%d\"/><text class=\"v\" x=\"", BAR_THICK);
		fx(out, BAR_LABEL * 10 + len + 40);
		buf_printf(out, "\" y=\"%d\">%zu</text>\n", y + BAR_ROW / 2 + 4, bars[i].value);
	}
	buf_adds(out, "</svg>\n");
}

/* The figure's frame: caption first, then the picture, then the table. */
static void figure_open(struct buf *out, const char *id, const char *caption)
{
	buf_printf(out, "<figure class=\"chart\" id=\"%s\">\n<figcaption>", id);
	html_escape(out, caption);
	buf_adds(out, "</figcaption>\n");
}

static void table_open(struct buf *out, const char *summary, const char *col1, const char *col2)
{
	buf_adds(out, "<details>\n<summary>");
	html_escape(out, summary);
	buf_printf(out,
		   "</summary>\n<table>\n<thead><tr><th scope=\"col\">%s</th>"
		   "<th scope=\"col\" class=\"n\">%s</th></tr></thead>\n<tbody>\n",
		   col1, col2);
}

static const char *unit_name(int64_t minutes, char spare[32])
{
	if (minutes == 1)
		return "minute";
	if (minutes == 60)
		return "hour";
	if (minutes == DAY_MIN)
		return "day";
	if (minutes % DAY_MIN == 0)
		snprintf(spare, 32, "%lld days", (long long)(minutes / DAY_MIN));
	else if (minutes % 60 == 0)
		snprintf(spare, 32, "%lld hours", (long long)(minutes / 60));
	else
		snprintf(spare, 32, "%lld minutes", (long long)minutes);
	return spare;
}

static void per_minute_figure(struct buf *out, const struct transcript *t, const struct tz *z)
{
	int64_t *times = mem_calloc(t->n_messages ? t->n_messages : 1, sizeof *times);
	for (size_t i = 0; i < t->n_messages; i++)
		times[i] = t->messages[i].ts_ms;
	const struct transcript_chat *c = &t->chat;
	int64_t from = c->started_ms, to = c->ended_ms ? c->ended_ms : c->planned_end_ms;
	if (!from && t->n_messages)
		from = times[0];
	struct chart_buckets b;
	chart_bucketize(times, t->n_messages, from, to, &b);
	free(times);

	char spare[32];
	const char *unit = unit_name(b.bucket_ms / MINUTE_MS, spare);
	struct buf title = BUF_INIT, desc = BUF_INIT;
	buf_printf(&title, "Messages per %s", unit);
	int64_t ref = c->started_ms ? c->started_ms : b.start_ms;
	if (!t->n_messages) {
		buf_adds(&desc, "No messages.");
	} else {
		int64_t first = t->messages[0].ts_ms, last = t->messages[t->n_messages - 1].ts_ms;
		buf_printf(&desc, "%zu message%s from ", t->n_messages, t->n_messages == 1 ? "" : "s");
		html_local_time(&desc, z, first, ref);
		buf_adds(&desc, " to ");
		html_local_time(&desc, z, last, ref);
		buf_printf(&desc, ". The busiest %s began at ", unit);
		html_local_time(&desc, z, b.start_ms + (int64_t)b.busiest * b.bucket_ms, ref);
		buf_printf(&desc, ", with %zu message%s.", b.max, b.max == 1 ? "" : "s");
	}

	struct chart_mark *marks = mem_calloc(t->n_rounds + 1, sizeof *marks);
	char (*labels)[24] = mem_calloc(t->n_rounds + 1, sizeof *labels);
	size_t n_marks = 0;
	for (size_t i = 0; i < t->n_rounds; i++) {
		if (!t->rounds[i].started_ms)
			continue;
		snprintf(labels[n_marks], sizeof labels[0], "T%d", t->rounds[i].number);
		marks[n_marks].ms = t->rounds[i].started_ms;
		marks[n_marks].label = labels[n_marks];
		n_marks++;
	}
	if (c->ended_ms && t->after.n_messages) {
		marks[n_marks].ms = c->ended_ms;
		marks[n_marks++].label = "end";
	}
	if (n_marks) {
		buf_adds(&desc, " Dashed lines mark when each topic was posted");
		buf_adds(&desc, c->ended_ms && t->after.n_messages ? " and when the chat ended." : ".");
	}

	figure_open(out, "per-minute", buf_str(&title));
	chart_timeline(out, "chart-minutes", buf_str(&title), buf_str(&desc), &b, marks, n_marks, z);
	struct buf summary = BUF_INIT;
	buf_printf(&summary, "%s as a table", buf_str(&title));
	table_open(out, buf_str(&summary), b.bucket_ms == MINUTE_MS ? "Minute" : "From", "Messages");
	for (size_t k = 0; k < b.n; k++) {
		if (!b.counts[k])
			continue;
		int64_t at = b.start_ms + (int64_t)k * b.bucket_ms;
		buf_adds(out, "<tr><td><time datetime=\"");
		html_datetime(out, at);
		buf_adds(out, "\">");
		html_local_time(out, z, at, ref);
		buf_printf(out, "</time></td><td class=\"n\">%zu</td></tr>\n", b.counts[k]);
	}
	buf_printf(out, "</tbody>\n</table>\n<p>%s with no messages are left out.</p>\n</details>\n",
		   b.bucket_ms == MINUTE_MS ? "Minutes" : "Periods");
	buf_adds(out, "</figure>\n");
	buf_free(&summary);
	buf_free(&title);
	buf_free(&desc);
	free(marks);
	free(labels);
	chart_buckets_free(&b);
}

/* One row of the per-topic chart: the bar's short label and the table's
 * long one. */
struct part {
	char short_label[24];
	struct buf long_label;
	size_t messages;
};

static void per_topic_figure(struct buf *out, const struct transcript *t)
{
	size_t n = 0;
	struct part *parts = mem_calloc(t->n_rounds + 2, sizeof *parts);
	if (t->intro.n_messages) {
		snprintf(parts[n].short_label, sizeof parts[n].short_label, "Intro");
		buf_adds(&parts[n].long_label, "Introductions");
		parts[n++].messages = t->intro.n_messages;
	}
	for (size_t i = 0; i < t->n_rounds; i++) {
		const struct transcript_section *r = &t->rounds[i];
		snprintf(parts[n].short_label, sizeof parts[n].short_label, "T%d", r->number);
		buf_printf(&parts[n].long_label, "T%d", r->number);
		if (r->topic && *r->topic)
			buf_printf(&parts[n].long_label, ": %s", r->topic);
		parts[n++].messages = r->n_messages;
	}
	if (t->after.n_messages) {
		snprintf(parts[n].short_label, sizeof parts[n].short_label, "After");
		buf_adds(&parts[n].long_label, "After the last topic");
		parts[n++].messages = t->after.n_messages;
	}

	struct chart_bar *bars = mem_calloc(n ? n : 1, sizeof *bars);
	struct buf desc = BUF_INIT;
	buf_adds(&desc, n ? "Messages in each part of the chat: " : "No topics and no messages.");
	for (size_t i = 0; i < n; i++) {
		bars[i].label = parts[i].short_label;
		bars[i].value = parts[i].messages;
		buf_printf(&desc, "%s%s %zu", i ? ", " : "", parts[i].short_label, parts[i].messages);
	}
	if (n)
		buf_addc(&desc, '.');

	figure_open(out, "per-topic", "Messages per topic");
	chart_bars(out, "chart-topics", "Messages per topic", buf_str(&desc), bars, n);
	table_open(out, "Messages per topic as a table", "Part", "Messages");
	for (size_t i = 0; i < n; i++) {
		buf_adds(out, "<tr><td><bdi>");
		html_escape(out, buf_str(&parts[i].long_label));
		buf_printf(out, "</bdi></td><td class=\"n\">%zu</td></tr>\n", parts[i].messages);
		buf_free(&parts[i].long_label);
	}
	buf_adds(out, "</tbody>\n</table>\n</details>\n</figure>\n");
	buf_free(&desc);
	free(bars);
	free(parts);
}

static void top_people_figure(struct buf *out, const struct transcript *t)
{
	enum { TOP = 10 };
	size_t n = t->n_participants < TOP ? t->n_participants : TOP;
	struct chart_bar bars[TOP];
	struct buf desc = BUF_INIT;
	if (!n)
		buf_adds(&desc, "Nobody took part.");
	else if (n < t->n_participants)
		buf_printf(&desc, "The %zu most active of %zu participants, by messages: ", n,
			   t->n_participants);
	else
		buf_printf(&desc, "%s, by messages: ", n == 1 ? "The one participant" : "Every participant");
	for (size_t i = 0; i < n; i++) {
		const struct transcript_participant *p = &t->participants[i];
		bars[i].label = *p->name ? p->name : "unknown";
		bars[i].value = p->messages;
		buf_printf(&desc, "%s%s %zu", i ? ", " : "", bars[i].label, p->messages);
	}
	if (n)
		buf_addc(&desc, '.');
	const char *title = t->n_participants > TOP ? "The 10 most active participants"
						    : "Messages per participant";
	figure_open(out, "per-person", title);
	chart_bars(out, "chart-people", title, buf_str(&desc), bars, n);
	struct buf summary = BUF_INIT;
	buf_printf(&summary, "%s as a table", title);
	table_open(out, buf_str(&summary), "Participant", "Messages");
	for (size_t i = 0; i < n; i++) {
		buf_adds(out, "<tr><td><bdi>");
		html_escape(out, bars[i].label);
		buf_printf(out, "</bdi></td><td class=\"n\">%zu</td></tr>\n", bars[i].value);
	}
	buf_adds(out, "</tbody>\n</table>\n</details>\n</figure>\n");
	buf_free(&summary);
	buf_free(&desc);
}

void chart_section(struct buf *out, const struct transcript *t, const struct tz *z)
{
	buf_adds(out, "<section id=\"charts\" aria-labelledby=\"charts-h\">\n"
		      "<h2 id=\"charts-h\">Charts</h2>\n");
	per_minute_figure(out, t, z);
	per_topic_figure(out, t);
	top_people_figure(out, t);
	buf_adds(out, "</section>\n");
}
