#include "atom.h"

#include <string.h>

#include "clock.h"
#include "text.h"

/* XML escaping of already-clean text (text_clean() ran on it). */
static void escape_clean(struct buf *out, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		const char *with;
		switch (s[i]) {
		case '&': with = "&amp;"; break;
		case '<': with = "&lt;"; break;
		case '>': with = "&gt;"; break;
		case '"': with = "&quot;"; break;
		case '\'': with = "&apos;"; break;
		default: continue;
		}
		buf_add(out, s + run, i - run);
		buf_adds(out, with);
		run = i + 1;
	}
	buf_add(out, s + run, n - run);
}

void atom_escape(struct buf *out, const char *s)
{
	struct buf clean = BUF_INIT;
	text_cleans(&clean, s ? s : "");
	escape_clean(out, buf_str(&clean), clean.len);
	buf_free(&clean);
}

/* A multi-line text: each line cleaned and escaped, the line feeds kept. */
static void escape_lines(struct buf *out, const char *s)
{
	struct buf clean = BUF_INIT;
	for (const char *line = s;;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		buf_clear(&clean);
		text_clean(&clean, line, n);
		escape_clean(out, buf_str(&clean), clean.len);
		if (!end)
			break;
		buf_addc(out, '\n');
		line = end + 1;
	}
	buf_free(&clean);
}

void atom_format_time(int64_t ms, struct buf *out)
{
	char iso[25];
	clock_format_iso(ms, iso);
	buf_add(out, iso, 19);
	buf_addc(out, 'Z');
}

static void element(struct buf *out, const char *indent, const char *name, const char *text)
{
	buf_printf(out, "%s<%s>", indent, name);
	atom_escape(out, text);
	buf_printf(out, "</%s>\n", name);
}

static void time_element(struct buf *out, const char *indent, const char *name, int64_t ms)
{
	buf_printf(out, "%s<%s>", indent, name);
	atom_format_time(ms, out);
	buf_printf(out, "</%s>\n", name);
}

static void add_link(struct buf *out, const char *indent, const char *rel, const char *type,
		 const char *href)
{
	buf_printf(out, "%s<link rel=\"%s\" type=\"%s\" href=\"", indent, rel, type);
	atom_escape(out, href);
	buf_adds(out, "\"/>\n");
}

static void render_entry(const struct atom_entry *e, struct buf *out)
{
	buf_adds(out, "  <entry>\n");
	element(out, "    ", "title", e->title);
	element(out, "    ", "id", e->id);
	if (e->published_ms)
		time_element(out, "    ", "published", e->published_ms);
	time_element(out, "    ", "updated", e->updated_ms);
	if (e->href)
		add_link(out, "    ", "alternate", "text/html", e->href);
	if (e->summary) {
		buf_adds(out, "    <summary type=\"text\">");
		escape_lines(out, e->summary);
		buf_adds(out, "</summary>\n");
	}
	buf_adds(out, "  </entry>\n");
}

void atom_render(const struct atom_feed *f, struct buf *out)
{
	/* never "now": the same archive must give the same bytes */
	int64_t updated = f->updated_ms;
	if (!updated)
		for (size_t i = 0; i < f->n_entries; i++)
			if (f->entries[i].updated_ms > updated)
				updated = f->entries[i].updated_ms;
	buf_adds(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		      "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
	element(out, "  ", "title", f->title);
	element(out, "  ", "id", f->id);
	time_element(out, "  ", "updated", updated);
	if (f->self_href)
		add_link(out, "  ", "self", "application/atom+xml", f->self_href);
	if (f->alternate_href)
		add_link(out, "  ", "alternate", "text/html", f->alternate_href);
	buf_adds(out, "  <author>\n");
	element(out, "    ", "name", f->author ? f->author : f->title);
	buf_adds(out, "  </author>\n");
	if (f->generator_version) {
		buf_adds(out, "  <generator version=\"");
		atom_escape(out, f->generator_version);
		buf_adds(out, "\">rounds</generator>\n");
	}
	for (size_t i = 0; i < f->n_entries; i++)
		render_entry(&f->entries[i], out);
	buf_adds(out, "</feed>\n");
}
