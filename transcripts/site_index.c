/* site_index: the manifest's entries (what the index and the feed show of
 * each chat, site_impl.h), and the archive's index page and Atom feed made
 * from them, so that no chat is loaded for either. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atom.h"
#include "html.h"
#include "mem.h"
#include "model.h"
#include "site_impl.h"
#include "strmap.h"
#include "tz.h"
#include "utf8.h"
#include "version.h"

#define DEFAULT_TITLE "Chat archive"

/* A string for the manifest: the model's strings are valid UTF-8, but
 * jansson refuses anything else, so repair rather than lose it. */
static json_t *jstr(const char *s)
{
	json_t *v = json_string(s ? s : "");
	if (v)
		return v;
	struct buf fixed = BUF_INIT;
	utf8_sanitize(&fixed, s, strlen(s));
	v = json_stringn(buf_str(&fixed), fixed.len);
	buf_free(&fixed);
	return v ? v : json_string("");
}

static json_t *jint(int64_t n)
{
	return json_integer((json_int_t)n);
}

json_t *site_entry_make(const struct transcript *t, const char *slug, const char *fp,
			int64_t updated_ms)
{
	const struct transcript_chat *c = &t->chat;
	const struct transcript_stats *s = &t->stats;
	json_t *e = json_object();
	json_object_set_new(e, "id", jint(c->id));
	json_object_set_new(e, "slug", json_string(slug));
	json_object_set_new(e, "fingerprint", json_string(fp));
	json_object_set_new(e, "title", jstr(*c->title ? c->title : *c->name ? c->name : "Chat"));
	json_object_set_new(e, "room", jstr(c->room));
	json_object_set_new(e, "network", jstr(c->network));
	json_object_set_new(e, "timezone", jstr(c->timezone));
	json_object_set_new(e, "started_ms", jint(c->started_ms));
	json_object_set_new(e, "ended_ms", jint(c->ended_ms));
	json_object_set_new(e, "updated_ms", jint(updated_ms));
	json_object_set_new(e, "participants", jint((int64_t)s->participants));
	json_object_set_new(e, "messages", jint((int64_t)(s->messages - s->bot_messages)));
	json_object_set_new(e, "bot_messages", jint((int64_t)s->bot_messages));
	json_object_set_new(e, "withheld_messages", jint((int64_t)s->withheld_messages));
	json_object_set_new(e, "removed_messages", jint((int64_t)s->removed_messages));
	json_object_set_new(e, "redacted_messages", jint((int64_t)s->redacted_messages));
	json_t *topics = json_array();
	for (size_t i = 0; i < t->n_rounds; i++) {
		json_t *r = json_object();
		json_object_set_new(r, "number", json_integer(t->rounds[i].number));
		json_object_set_new(r, "topic", jstr(t->rounds[i].topic));
		json_array_append_new(topics, r);
	}
	json_object_set_new(e, "topics", topics);
	return e;
}

int site_manifest_render(json_t *chats, const char *renderer, struct buf *out)
{
	json_t *m = json_object();
	json_object_set_new(m, "schema", json_string(SITE_MANIFEST_SCHEMA));
	json_object_set_new(m, "renderer", json_string(renderer));
	json_object_set(m, "chats", chats);
	char *s = json_dumps(m, JSON_PRESERVE_ORDER | JSON_INDENT(1));
	json_decref(m);
	if (!s)
		return -1;
	buf_adds(out, s);
	buf_addc(out, '\n');
	free(s);
	return 0;
}

const char *site_entry_str(const json_t *entry, const char *key)
{
	const char *s = json_string_value(json_object_get(entry, key));
	return s ? s : "";
}

int64_t site_entry_int(const json_t *entry, const char *key)
{
	json_t *v = json_object_get(entry, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}


/* The index's stylesheet: the chat pages' colours and type, one column
 * that fits a 320px phone, nothing that loads anything. */
static const char css[] =
	":root{color-scheme:light dark;--fg:#1d1f21;--muted:#5b6068;--bg:#fff;--line:#d5d8dc;"
	"--soft:#f3f5f7;--accent:#0a58ca}\n"
	"@media (prefers-color-scheme:dark){:root{--fg:#e4e6e8;--muted:#a3a9b0;--bg:#141619;"
	"--line:#3b4046;--soft:#1e2226;--accent:#8ab4f8}}\n"
	"*,*::before,*::after{box-sizing:border-box}\n"
	"html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
	"body{margin:0 auto;max-width:50rem;padding:0 1rem 2rem;color:var(--fg);"
	"background:var(--bg);font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,"
	"\"Noto Sans\",\"Noto Sans Arabic\",\"Noto Sans Hebrew\",sans-serif;"
	"overflow-wrap:anywhere;word-break:break-word}\n"
	"a{color:var(--accent)}\n"
	"header{border-bottom:1px solid var(--line);padding:1rem 0 .5rem}\n"
	"h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}\n"
	"h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line)}\n"
	"h3{font-size:1.1rem;line-height:1.3;margin:0 0 .25rem}\n"
	".note,.when,.counts,.formats{color:var(--muted);margin:.15rem 0}\n"
	".formats{font-size:.9rem}\n"
	"nav ul{list-style:none;margin:.5rem 0 0;padding:0;display:flex;flex-wrap:wrap;"
	"gap:.25rem 1rem}\n"
	"ol.chats{list-style:none;margin:0;padding:0}\n"
	"li.chat{padding:.75rem 0;border-bottom:1px solid var(--line)}\n"
	"ol.topics{list-style:none;margin:.35rem 0;padding:0}\n"
	"ol.topics li{padding-left:2.25rem;text-indent:-2.25rem}\n"
	".tn{display:inline-block;min-width:2rem;margin-right:.25rem;text-indent:0;"
	"font-variant-numeric:tabular-nums;color:var(--muted)}\n";

static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Zones by name, each loaded once per page (an archive has a handful). */
struct zones {
	struct strmap by_name;
};

/* The zone called name, or UTC when it cannot be loaded here. Borrowed
 * from zs. */
static const struct tz *zone(struct zones *zs, const char *name)
{
	struct tz *z = strmap_get(&zs->by_name, name);
	if (z)
		return z;
	struct buf err = BUF_INIT;
	if (tz_load(name, &z, &err) != 0) {
		buf_clear(&err);
		tz_load("UTC", &z, &err); /* needs no file */
	}
	buf_free(&err);
	strmap_put(&zs->by_name, name, z);
	return z;
}

static void zones_free(struct zones *zs)
{
	size_t it = 0;
	void *v;
	while (strmap_next(&zs->by_name, &it, NULL, &v))
		tz_free(v);
	strmap_clear(&zs->by_name);
}

static void add_day(struct buf *out, const struct tz_civil *c, bool year)
{
	buf_printf(out, "%s %d %s", wdays[c->wday % 7], c->day, months[(c->month + 11) % 12]);
	if (year)
		buf_printf(out, " %d", c->year);
}

/* "Sat 21 Nov 2026, 15:00–15:35 EST" in the chat's zone (the end with its
 * own day and abbreviation when they differ), then " (UTC−05:00)" when
 * offset is set. Also gives the start's local year. */
static void add_when(struct buf *out, const struct tz *z, const json_t *e, bool offset, int *year)
{
	int64_t start = site_entry_int(e, "started_ms"), end = site_entry_int(e, "ended_ms");
	struct tz_civil a, b;
	struct tz_info ia, ib;
	tz_civil_from_utc(z, start, &a, &ia);
	tz_civil_from_utc(z, end ? end : start, &b, &ib);
	if (year)
		*year = a.year;
	add_day(out, &a, true);
	buf_printf(out, ", %02d:%02d", a.hour, a.minute);
	bool same_day = a.year == b.year && a.month == b.month && a.day == b.day;
	bool same_zone = ia.utc_offset == ib.utc_offset && strcmp(ia.abbr, ib.abbr) == 0;
	if (end && same_day && same_zone) {
		buf_printf(out, "\xe2\x80\x93%02d:%02d %s", b.hour, b.minute, ib.abbr);
	} else if (end) {
		buf_printf(out, " %s \xe2\x80\x93 ", ia.abbr);
		if (!same_day) {
			add_day(out, &b, false);
			buf_adds(out, ", ");
		}
		buf_printf(out, "%02d:%02d %s", b.hour, b.minute, ib.abbr);
	} else {
		buf_printf(out, " %s", ia.abbr);
	}
	if (offset && !(ia.utc_offset == 0 && strcmp(ia.abbr, "UTC") == 0)) {
		buf_adds(out, " (");
		tz_format_offset(ia.utc_offset, out);
		buf_addc(out, ')');
	}
}

static void add_count(struct buf *out, int64_t n, const char *one, const char *many)
{
	buf_printf(out, "%lld %s", (long long)n, n == 1 ? one : many);
}

/* "4 participants · 17 messages · 2 withheld" (sep between the parts). */
static void add_counts(struct buf *out, const json_t *e, const char *sep)
{
	add_count(out, site_entry_int(e, "participants"), "participant", "participants");
	buf_adds(out, sep);
	add_count(out, site_entry_int(e, "messages"), "message", "messages");
	int64_t withheld = site_entry_int(e, "withheld_messages");
	if (withheld) {
		buf_adds(out, sep);
		buf_printf(out, "%lld withheld at their authors' request", (long long)withheld);
	}
}

/* A chat's page, relative to the index (or absolute with a base URL). */
static void add_page_href(struct buf *out, const struct site_archive *a, const char *slug)
{
	if (a->base_url)
		buf_printf(out, "%s/%s/", a->base_url, slug);
	else
		buf_printf(out, "%s/index.html", slug);
}

static void add_escaped_href(struct buf *out, const char *slug, const char *file)
{
	struct buf h = BUF_INIT;
	buf_printf(&h, "%s/%s", slug, file);
	html_escape(out, h.p);
	buf_free(&h);
}

static void index_entry(const struct site_archive *a, struct zones *zs, const json_t *e,
			const char *slug, struct buf *out, struct buf *tmp)
{
	buf_adds(out, "<li class=\"chat\">\n<h3><a href=\"");
	add_escaped_href(out, slug, "index.html");
	buf_adds(out, "\">");
	html_escape(out, site_entry_str(e, "title"));
	buf_adds(out, "</a></h3>\n<p class=\"when\"><time datetime=\"");
	atom_format_time(site_entry_int(e, "started_ms"), out);
	buf_adds(out, "\">");
	buf_clear(tmp);
	add_when(tmp, zone(zs, site_entry_str(e, "timezone")), e, false, NULL);
	html_escape(out, tmp->p);
	buf_adds(out, "</time> \xc2\xb7 ");
	html_escape(out, site_entry_str(e, "room"));
	buf_adds(out, " on ");
	html_escape(out, site_entry_str(e, "network"));
	buf_adds(out, "</p>\n<p class=\"counts\">");
	buf_clear(tmp);
	add_counts(tmp, e, " \xc2\xb7 ");
	html_escape(out, tmp->p);
	buf_adds(out, "</p>\n");
	json_t *topics = json_object_get(e, "topics");
	if (json_array_size(topics)) {
		buf_adds(out, "<ol class=\"topics\">\n");
		for (size_t i = 0; i < json_array_size(topics); i++) {
			json_t *t = json_array_get(topics, i);
			buf_printf(out, "<li><span class=\"tn\">T%lld</span>",
				   (long long)site_entry_int(t, "number"));
			html_escape(out, site_entry_str(t, "topic"));
			buf_adds(out, "</li>\n");
		}
		buf_adds(out, "</ol>\n");
	}
	buf_adds(out, "<p class=\"formats\">Transcript as <a href=\"");
	add_escaped_href(out, slug, "transcript.md");
	buf_adds(out, "\" type=\"text/markdown\">Markdown</a>, <a href=\"");
	add_escaped_href(out, slug, "transcript.txt");
	buf_adds(out, "\" type=\"text/plain\">plain text</a> or <a href=\"");
	add_escaped_href(out, slug, "transcript.json");
	buf_adds(out, "\" type=\"application/json\">JSON</a></p>\n</li>\n");
}

void site_index_render(const struct site_archive *a, struct buf *out)
{
	const char *title = a->o->title && *a->o->title ? a->o->title : DEFAULT_TITLE;
	struct zones zs = {STRMAP_INIT};
	struct buf tmp = BUF_INIT;
	buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		      "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<meta name=\"referrer\" content=\"no-referrer\">\n"
		      "<meta name=\"color-scheme\" content=\"light dark\">\n"
		      "<meta name=\"generator\" content=\"rounds\">\n<title>");
	html_escape(out, title);
	buf_adds(out, "</title>\n<link rel=\"icon\" href=\"data:,\">\n"
		      "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"feed.xml\" title=\"");
	html_escape(out, title);
	buf_adds(out, "\">\n<style>\n");
	buf_adds(out, css);
	buf_adds(out, "</style>\n</head>\n<body>\n<header>\n<h1>");
	html_escape(out, title);
	buf_adds(out, "</h1>\n<p class=\"note\">");
	add_count(out, (int64_t)a->n_chats, "chat", "chats");
	buf_adds(out, ", newest first \xc2\xb7 <a href=\"feed.xml\" type=\"application/atom+xml\">"
		      "Atom feed</a></p>\n");

	/* years, for getting around a long archive on a phone */
	int *years = mem_alloc((a->n_chats ? a->n_chats : 1) * sizeof *years);
	size_t n_years = 0;
	for (size_t i = 0; i < a->n_chats; i++) {
		struct tz_civil c;
		tz_civil_from_utc(zone(&zs, site_entry_str(a->chats[i], "timezone")),
				  site_entry_int(a->chats[i], "started_ms"), &c, NULL);
		/* chats are in UTC order but shown in their own zones: a year
		 * never comes back once passed (its heading id is unique) */
		years[i] = i && c.year > years[i - 1] ? years[i - 1] : c.year;
		n_years += !i || years[i] != years[i - 1];
	}
	if (n_years > 1) {
		buf_adds(out, "<nav aria-label=\"Years\"><ul>\n");
		for (size_t i = 0; i < a->n_chats; i++)
			if (!i || years[i] != years[i - 1])
				buf_printf(out, "<li><a href=\"#y%d\">%d</a></li>\n", years[i], years[i]);
		buf_adds(out, "</ul></nav>\n");
	}
	buf_adds(out, "</header>\n<main>\n");
	if (!a->n_chats)
		buf_adds(out, "<p>No chat has been published yet.</p>\n");
	for (size_t i = 0; i < a->n_chats; i++) {
		if (!i || years[i] != years[i - 1]) {
			if (i)
				buf_adds(out, "</ol>\n</section>\n");
			buf_printf(out, "<section aria-labelledby=\"y%d\">\n<h2 id=\"y%d\">%d</h2>\n"
					"<ol class=\"chats\">\n", years[i], years[i], years[i]);
		}
		index_entry(a, &zs, a->chats[i], site_entry_str(a->chats[i], "slug"), out, &tmp);
	}
	if (a->n_chats)
		buf_adds(out, "</ol>\n</section>\n");
	buf_adds(out, "</main>\n</body>\n</html>\n");
	free(years);
	buf_free(&tmp);
	zones_free(&zs);
}

/* "urn:uuid:…": a name-based UUID (RFC 9562 version 8, from SHA-256) of
 * the store's secret and a name, so ids never change when the site moves
 * and say nothing about the store. */
static void add_uuid(struct buf *out, const char *salt, const char *name)
{
	struct buf in = BUF_INIT;
	buf_adds(&in, "rounds feed id");
	buf_add(&in, "", 1);
	buf_adds(&in, salt);
	buf_add(&in, "", 1);
	buf_adds(&in, name);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(in.p, in.len, md, &n, EVP_sha256(), NULL) || n < 16)
		memset(md, 0, 16);
	buf_free(&in);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x80);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	buf_adds(out, "urn:uuid:");
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf_addc(out, '-');
		buf_printf(out, "%02x", md[i]);
	}
}

void site_feed_render(const struct site_archive *a, struct buf *out)
{
	const char *title = a->o->title && *a->o->title ? a->o->title : DEFAULT_TITLE;
	size_t n = a->n_chats < SITE_FEED_ENTRIES ? a->n_chats : SITE_FEED_ENTRIES;
	struct atom_entry *entries = mem_calloc(n ? n : 1, sizeof *entries);
	/* every string of the entries lives in one buffer per entry */
	struct buf *bufs = mem_calloc(n ? n * 4 : 1, sizeof *bufs);
	struct zones zs = {STRMAP_INIT};
	for (size_t i = 0; i < n; i++) {
		const json_t *e = a->chats[i];
		const char *slug = site_entry_str(e, "slug");
		struct buf *id = &bufs[4 * i], *href = &bufs[4 * i + 1], *sum = &bufs[4 * i + 2];
		add_uuid(id, a->salt, slug);
		add_page_href(href, a, slug);
		add_when(sum, zone(&zs, site_entry_str(e, "timezone")), e, true, NULL);
		buf_adds(sum, " in ");
		buf_adds(sum, site_entry_str(e, "room"));
		buf_adds(sum, " on ");
		buf_adds(sum, site_entry_str(e, "network"));
		buf_adds(sum, "\n");
		add_counts(sum, e, ", ");
		buf_adds(sum, "\n");
		json_t *topics = json_object_get(e, "topics");
		for (size_t k = 0; k < json_array_size(topics); k++) {
			json_t *t = json_array_get(topics, k);
			buf_printf(sum, "T%lld", (long long)site_entry_int(t, "number"));
			if (*site_entry_str(t, "topic"))
				buf_printf(sum, ": %s", site_entry_str(t, "topic"));
			buf_addc(sum, '\n');
		}
		while (sum->len && sum->p[sum->len - 1] == '\n')
			sum->p[--sum->len] = '\0';
		int64_t ended = site_entry_int(e, "ended_ms"), updated = site_entry_int(e, "updated_ms");
		entries[i] = (struct atom_entry){
			.id = buf_str(id),
			.title = site_entry_str(e, "title"),
			.href = buf_str(href),
			.published_ms = ended,
			.updated_ms = updated > ended ? updated : ended,
			.summary = buf_str(sum),
		};
	}
	struct buf feed_id = BUF_INIT, self = BUF_INIT, home = BUF_INIT;
	add_uuid(&feed_id, a->salt, "");
	if (a->base_url) {
		buf_printf(&self, "%s/feed.xml", a->base_url);
		buf_printf(&home, "%s/", a->base_url);
	} else {
		buf_adds(&home, "index.html");
	}
	const struct atom_feed f = {
		.id = buf_str(&feed_id),
		.title = title,
		.author = title,
		.self_href = a->base_url ? buf_str(&self) : NULL,
		.alternate_href = buf_str(&home),
		.generator_version = ROUNDS_VERSION,
		.entries = entries,
		.n_entries = n,
	};
	atom_render(&f, out);
	for (size_t i = 0; i < n * 4; i++)
		buf_free(&bufs[i]);
	free(bufs);
	free(entries);
	buf_free(&feed_id);
	buf_free(&self);
	buf_free(&home);
	zones_free(&zs);
}
