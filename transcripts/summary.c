/* The sections summary plugins add to a transcript (see model.h). */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "model.h"

bool transcript_url_ok(const char *url)
{
	if (!url)
		return false;
	size_t scheme = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
	if (!scheme || !url[scheme] || url[scheme] == '/')
		return false;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '\'' || *p == '<' || *p == '>' ||
		    *p == '\\' || *p == '`')
			return false;
	return strlen(url) <= 2048;
}

size_t transcript_add_summary(struct transcript *t, const char *plugin, const char *title)
{
	t->summaries = mem_grow(t->summaries, &t->cap_summaries, t->n_summaries + 1, sizeof *t->summaries);
	t->summaries[t->n_summaries] = (struct transcript_summary){
		.plugin = transcript_strdup(t, plugin ? plugin : ""),
		.title = transcript_strdup(t, title ? title : ""),
	};
	return t->n_summaries++;
}

/* Appends a block to summary i; the block array grows one at a time (a
 * summary has a handful). */
static struct transcript_block *add_block(struct transcript *t, size_t i)
{
	struct transcript_summary *s = &t->summaries[i];
	struct transcript_block *b = mem_realloc((void *)s->blocks, (s->n_blocks + 1) * sizeof *b);
	s->blocks = b;
	b += s->n_blocks++;
	memset(b, 0, sizeof *b);
	return b;
}

void transcript_summary_paragraph(struct transcript *t, size_t summary, const char *text)
{
	const char *texts[] = {text};
	transcript_summary_list(t, summary, texts, NULL, 1);
	struct transcript_summary *s = &t->summaries[summary];
	((struct transcript_block *)&s->blocks[s->n_blocks - 1])->kind = TRANSCRIPT_PARAGRAPH;
}

void transcript_summary_list(struct transcript *t, size_t summary, const char *const *texts,
			     const char *const *urls, size_t n)
{
	struct transcript_block *b = add_block(t, summary);
	struct transcript_item *items = mem_calloc(n ? n : 1, sizeof *items);
	for (size_t i = 0; i < n; i++) {
		items[i].text = transcript_strdup(t, texts[i] ? texts[i] : "");
		if (urls && transcript_url_ok(urls[i]))
			items[i].url = transcript_strdup(t, urls[i]);
	}
	b->kind = TRANSCRIPT_LIST;
	b->items = items;
	b->n_items = n;
}

void transcript_summary_table(struct transcript *t, size_t summary, const char *const *cells,
			      size_t n_rows, size_t n_cols)
{
	struct transcript_block *b = add_block(t, summary);
	size_t n_cells = n_rows * n_cols;
	const char **copy = mem_calloc(n_cells ? n_cells : 1, sizeof *copy);
	for (size_t i = 0; i < n_cells; i++)
		copy[i] = transcript_strdup(t, cells[i] ? cells[i] : "");
	b->kind = TRANSCRIPT_TABLE;
	b->cells = copy;
	b->n_rows = n_rows;
	b->n_cols = n_cols;
}
