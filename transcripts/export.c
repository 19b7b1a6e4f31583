#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "markdown.h"
#include "mem.h"
#include "model.h"

int export_format_parse(const char *s)
{
	if (strcmp(s, "md") == 0 || strcmp(s, "markdown") == 0)
		return EXPORT_MARKDOWN;
	if (strcmp(s, "json") == 0)
		return EXPORT_JSON;
	return -1;
}

static int render_model(const struct transcript *t, enum export_format format, struct buf *out,
			struct buf *err)
{
	if (format == EXPORT_MARKDOWN) {
		markdown_render(t, out);
		return 0;
	}
	if (tjson_render(t, TJSON_PRETTY, out) != 0) {
		buf_printf(err, "chat %lld: could not render the JSON transcript", (long long)t->chat.id);
		return -1;
	}
	return 0;
}

int export_render(sqlite3 *db, int64_t chat_id, enum export_format format, struct buf *out,
		  struct buf *err)
{
	struct transcript *t;
	if (transcript_load(db, chat_id, &t, err) != 0)
		return -1;
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

int export_location(sqlite3 *db, int64_t chat_id, const char *output_dir, const char *base_url,
		    struct buf *out, struct buf *err)
{
	struct buf slug = BUF_INIT;
	int rc = export_slug(db, chat_id, &slug, err);
	if (rc == 0)
		buf_printf(out, "%s/%s/transcript.md", base_url ? base_url : output_dir, slug.p);
	buf_free(&slug);
	return rc;
}

/* Writes data to path through a temporary file and a rename. */
static int write_atomic(const char *path, const struct buf *data, struct buf *err)
{
	struct buf tmp = BUF_INIT;
	buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		buf_printf(err, "cannot create %s: %s", tmp.p, strerror(errno));
		buf_free(&tmp);
		return -1;
	}
	size_t off = 0;
	while (off < data->len) {
		ssize_t n = write(fd, data->p + off, data->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			buf_printf(err, "cannot write %s: %s", tmp.p, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0) {
		fd = -1;
		buf_printf(err, "cannot write %s: %s", tmp.p, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp.p, path) != 0) {
		buf_printf(err, "cannot rename %s to %s: %s", tmp.p, path, strerror(errno));
		goto fail;
	}
	buf_free(&tmp);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp.p);
	buf_free(&tmp);
	return -1;
}

static int make_dir(const char *path, struct buf *err)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	buf_printf(err, "cannot create the directory %s: %s", path, strerror(errno));
	return -1;
}

int export_chat(sqlite3 *db, int64_t chat_id, const char *output_dir, struct buf *err)
{
	struct transcript *t = NULL;
	struct buf slug = BUF_INIT, dir = BUF_INIT, path = BUF_INIT, data = BUF_INIT;
	int rc = -1;
	if (export_slug(db, chat_id, &slug, err) || transcript_load(db, chat_id, &t, err))
		goto done;
	if (make_dir(output_dir, err))
		goto done;
	buf_printf(&dir, "%s/%s", output_dir, slug.p);
	if (make_dir(dir.p, err))
		goto done;
	static const struct {
		enum export_format format;
		const char *file;
	} files[] = {{EXPORT_JSON, "transcript.json"}, {EXPORT_MARKDOWN, "transcript.md"}};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		buf_clear(&data);
		buf_clear(&path);
		buf_printf(&path, "%s/%s", dir.p, files[i].file);
		if (render_model(t, files[i].format, &data, err) || write_atomic(path.p, &data, err))
			goto done;
	}
	rc = 0;
done:
	transcript_free(t);
	buf_free(&slug);
	buf_free(&dir);
	buf_free(&path);
	buf_free(&data);
	return rc;
}
