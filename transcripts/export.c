#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

static void utc_date(int64_t ms, char out[11])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int export_slug(sqlite3 *db, int64_t chat_id, struct buf *out, struct buf *err)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db,
			       "SELECT r.name, c.started_ms, c.room_id FROM chats c JOIN rooms r"
			       " ON r.id = c.room_id WHERE c.id = ?1", -1, &q, NULL) != SQLITE_OK) {
		buf_printf(err, "store: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(q, 1, chat_id);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		buf_printf(err, "no chat with id %lld in the store", (long long)chat_id);
		return -1;
	}
	/* the room name reduced to [a-z0-9-]: never a path separator or a dot */
	const unsigned char *room = sqlite3_column_text(q, 0);
	size_t start = out->len;
	for (; room && *room; room++) {
		unsigned char ch = *room;
		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch + 32);
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			buf_addc(out, (char)ch);
		else if (out->len > start && out->p[out->len - 1] != '-')
			buf_addc(out, '-');
		if (out->len - start >= 40)
			break;
	}
	while (out->len > start && out->p[out->len - 1] == '-')
		out->len--;
	if (out->len == start)
		buf_adds(out, "chat");
	int64_t started = sqlite3_column_int64(q, 1), room_id = sqlite3_column_int64(q, 2);
	sqlite3_finalize(q);
	char date[11];
	utc_date(started, date);
	buf_printf(out, "-%s", date);
	/* later chats in the same room on the same UTC day get -2, -3, ... */
	int64_t day = started - (started % 86400000 + 86400000) % 86400000;
	sqlite3_prepare_v2(db,
			   "SELECT count(*) FROM chats WHERE room_id = ?1 AND id < ?2"
			   " AND started_ms >= ?3 AND started_ms < ?3 + 86400000", -1, &q, NULL);
	sqlite3_bind_int64(q, 1, room_id);
	sqlite3_bind_int64(q, 2, chat_id);
	sqlite3_bind_int64(q, 3, day);
	int64_t earlier = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_finalize(q);
	if (earlier)
		buf_printf(out, "-%lld", (long long)earlier + 1);
	out->p[out->len] = '\0';
	return 0;
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
	if (fsync(fd) != 0 || close(fd) != 0) {
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

int export_chat(sqlite3 *db, int64_t chat_id, const char *output_dir, const char *base_url,
		struct buf *location, struct buf *err)
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
	if (base_url)
		buf_printf(location, "%s/%s/transcript.md", base_url, slug.p);
	else
		buf_add(location, path.p, path.len);
	rc = 0;
done:
	transcript_free(t);
	buf_free(&slug);
	buf_free(&dir);
	buf_free(&path);
	buf_free(&data);
	return rc;
}
