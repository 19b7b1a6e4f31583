#include "export.h"

#include <string.h>

#include "html.h"
#include "json.h"
#include "markdown.h"
#include "model.h"
#include "text.h"

int export_format_parse(const char *s)
{
	if (strcmp(s, "md") == 0 || strcmp(s, "markdown") == 0)
		return EXPORT_MARKDOWN;
	if (strcmp(s, "json") == 0)
		return EXPORT_JSON;
	if (strcmp(s, "html") == 0)
		return EXPORT_HTML;
	if (strcmp(s, "txt") == 0 || strcmp(s, "text") == 0)
		return EXPORT_TEXT;
	return -1;
}

static int render_model(const struct transcript *t, enum export_format format, struct buf *out,
			struct buf *err)
{
	switch (format) {
	case EXPORT_MARKDOWN:
		markdown_render(t, out);
		return 0;
	case EXPORT_TEXT:
		text_render(t, out);
		return 0;
	case EXPORT_HTML: {
		/* a page on its own: no links to an archive around it */
		const struct html_options o = {0};
		return html_render(t, &o, out, err);
	}
	case EXPORT_JSON:
		break;
	}
	if (tjson_render(t, TJSON_PRETTY, out) != 0) {
		buf_printf(err, "chat %lld: could not render the JSON transcript", (long long)t->chat.id);
		return -1;
	}
	return 0;
}

int export_render(sqlite3 *db, int64_t chat_id, enum export_format format,
		  void (*summarize)(void *ud, struct transcript *t), void *ud, struct buf *out,
		  struct buf *err)
{
	struct transcript *t;
	if (transcript_load(db, chat_id, &t, err) != 0)
		return -1;
	if (summarize)
		summarize(ud, t);
	int rc = render_model(t, format, out, err);
	transcript_free(t);
	return rc;
}

int export_slug(sqlite3 *db, int64_t chat_id, struct buf *out, struct buf *err)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, "SELECT slug FROM chats WHERE id = ?1", -1, &q, NULL) != SQLITE_OK) {
		buf_printf(err, "store: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(q, 1, chat_id);
	int rc = -1;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
		buf_adds(out, (const char *)sqlite3_column_text(q, 0));
		rc = 0;
	} else {
		buf_printf(err, "no chat with id %lld in the store", (long long)chat_id);
	}
	sqlite3_finalize(q);
	return rc;
}
