/* site: publishing the archive (site.h). The index page and the feed are
 * in site_index.c; this file decides what to render, renders chats, keeps
 * the manifest and writes files. */
#include "site.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "html.h"
#include "json.h"
#include "log.h"
#include "markdown.h"
#include "mem.h"
#include "model.h"
#include "site_impl.h"
#include "text.h"
#include "version.h"

#define MANIFEST ".rounds-site.json"
/* Part of every chat's fingerprint: bump the number when what a renderer
 * writes changes, so that the next publish renders every chat again (a new
 * release does so anyway). `rounds regenerate` covers the rest. */
#define RENDERER "rounds " ROUNDS_VERSION " site/1"

/* A chat's files, in the order they are written. */
enum chat_file { F_HTML, F_MARKDOWN, F_TEXT, F_JSON, F_COUNT };
static const char *const chat_files[F_COUNT] = {
	[F_HTML] = "index.html",
	[F_MARKDOWN] = "transcript.md",
	[F_TEXT] = "transcript.txt",
	[F_JSON] = "transcript.json",
};

/* Every ended chat, newest first, with what its pages are made from, in
 * one statement: the row itself, then summaries of what else can change a
 * published page after the chat ended (verdicts on its lines, its rounds
 * and hosts, and who of its hosts and topic posters has opted out; an
 * opt-out of a participant sets changed_ms). Each subquery reads an index
 * range, so this costs a few microseconds per chat. */
static const char sql_chats[] =
	"SELECT c.id, c.slug, coalesce(c.changed_ms, 0), c.ended_ms,"
	" c.name, c.title, r.network, r.name, c.opened_by, c.started_ms, c.planned_end_ms,"
	" c.end_reason, c.timezone, c.pseudonyms, c.first_event_id, c.last_event_id,"
	" (SELECT count(*) || '/' || coalesce(max(v.id), 0) FROM verdicts v"
	"   WHERE v.event_id BETWEEN c.first_event_id AND coalesce(c.last_event_id, c.first_event_id)),"
	" (SELECT group_concat(x.number || ':' || x.started_ms || ':' || coalesce(x.ended_ms, '') || ':' ||"
	"   coalesce(x.person_id, '') || ':' || coalesce(x.planned_minutes, '') || ':' || x.topic || ':' ||"
	"   coalesce(x.agenda_topic, ''), char(31)) FROM rounds x WHERE x.chat_id = c.id),"
	" (SELECT count(*) || '/' || group_concat(h.account || ':' || h.role, ',') FROM hosts h"
	"   WHERE h.chat_id = c.id),"
	" (SELECT count(*) || '/' || total(p.optout_ms) FROM people p"
	"   WHERE p.network = r.network AND p.optout_ms IS NOT NULL AND"
	"   (p.key IN (SELECT 'a:' || lower(h.account) FROM hosts h WHERE h.chat_id = c.id)"
	"    OR p.id IN (SELECT x.person_id FROM rounds x WHERE x.chat_id = c.id)"
	"    OR p.key IN ('a:' || lower(c.opened_by), 'n:' || lower(c.opened_by))))"
	" FROM chats c JOIN rooms r ON r.id = c.room_id"
	" WHERE c.ended_ms IS NOT NULL ORDER BY c.started_ms DESC, c.id DESC";
enum { C_ID, C_SLUG, C_CHANGED, C_ENDED, C_N };

/* What writes files: the publisher for the archive's own files, and each
 * rendering thread for the chats it renders (its own buffers and counts). */
struct writer {
	const char *dir;        /* the output directory */
	struct buf path, data, tmp, err;
	size_t files_written, files_unchanged, bytes_written;
};

struct publisher {
	sqlite3 *db;
	const struct site_options *o;
	struct buf *err;
	struct site_stats stats;
	size_t failures;
	char *base_url;         /* without trailing slashes; NULL: relative links */
	char *salt;
	char settings[65];      /* hash of what every page depends on */
	json_t *manifest;       /* the previous manifest, or NULL */
	json_t *old;            /* its "chats" (borrowed), or NULL */
	json_t *chats;          /* the new "chats" */
	json_t **order;         /* entries in chats, newest first (borrowed) */
	size_t n_order, cap_order;
	struct writer out;      /* for the index, the feed and the manifest */
	struct buf tmp, msg;
};

/* Slugs come from the store, where the bot made them from [a-z0-9-]; one
 * that is not so (an edited store) must never become a path. */
static bool slug_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 200 || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static void hex_sha256(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
		n = 0; /* cannot happen with the built-in provider; an empty hash never matches */
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[2 * (n < 32 ? n : 32)] = '\0';
}

/* Appends a length-prefixed field, so that no two different lists of
 * fields can serialise the same. */
static void field(struct buf *b, char type, const void *p, size_t n)
{
	buf_printf(b, "%c%zu:", type, n);
	buf_add(b, p, n);
}

/* The chat's fingerprint: the settings and every column of its row. */
static void fingerprint(struct publisher *p, sqlite3_stmt *q, char out[65])
{
	struct buf *b = &p->tmp;
	buf_clear(b);
	field(b, 's', p->settings, strlen(p->settings));
	int n = sqlite3_column_count(q);
	for (int i = 0; i < n; i++) {
		switch (sqlite3_column_type(q, i)) {
		case SQLITE_NULL:
			field(b, 'n', "", 0);
			break;
		case SQLITE_INTEGER: {
			char v[24];
			int len = snprintf(v, sizeof v, "%lld", (long long)sqlite3_column_int64(q, i));
			field(b, 'i', v, (size_t)len);
			break;
		}
		case SQLITE_FLOAT: {
			char v[40];
			int len = snprintf(v, sizeof v, "%.17g", sqlite3_column_double(q, i));
			field(b, 'f', v, (size_t)len);
			break;
		}
		default: {
			const void *v = sqlite3_column_blob(q, i);
			field(b, 't', v ? v : "", (size_t)sqlite3_column_bytes(q, i));
			break;
		}
		}
	}
	hex_sha256(b->p, b->len, out);
}

static void settings_hash(struct publisher *p)
{
	const struct site_options *o = p->o;
	struct buf *b = &p->tmp;
	buf_clear(b);
	field(b, 'r', RENDERER, strlen(RENDERER));
	field(b, 't', o->title ? o->title : "", o->title ? strlen(o->title) : 0);
	field(b, 'b', p->base_url ? p->base_url : "", p->base_url ? strlen(p->base_url) : 0);
	field(b, 'k', o->summary_key ? o->summary_key : "", o->summary_key ? strlen(o->summary_key) : 0);
	field(b, 'h', o->summarize ? "1" : "0", 1);
	hex_sha256(b->p, b->len, p->settings);
}

static int make_dir(const char *path, struct buf *err)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	buf_printf(err, "cannot create the directory %s: %s", path, strerror(errno));
	return -1;
}

/* mkdir -p */
static int make_dirs(const char *path, struct buf *err)
{
	char *copy = mem_strdup(path);
	int rc = 0;
	for (char *s = copy + 1; *s && rc == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
			buf_printf(err, "cannot create the directory %s: %s", copy, strerror(errno));
			rc = -1;
		}
		*s = '/';
	}
	if (rc == 0)
		rc = make_dir(copy, err);
	free(copy);
	return rc;
}

/* Does the file at path hold exactly data[0..len)? Read in chunks: a file
 * is never read whole into memory. */
static bool same_content(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == len;
	char chunk[65536];
	for (size_t off = 0; same && off < len;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (size_t)n > len - off || memcmp(chunk, data + off, (size_t)n) != 0)
			same = false;
		else
			off += (size_t)n;
	}
	close(fd);
	return same;
}

static void writer_free(struct writer *w)
{
	buf_free(&w->path);
	buf_free(&w->data);
	buf_free(&w->tmp);
	buf_free(&w->err);
}

/* Writes data to path through a temporary file in the same directory and
 * a rename, so a reader never sees half a file. */
static int write_atomic(struct writer *w, const char *path, const char *data, size_t len)
{
	struct buf *tmp = &w->tmp;
	buf_clear(tmp);
	const char *slash = strrchr(path, '/');
	size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
	buf_add(tmp, path, dir);
	buf_printf(tmp, ".%s.%ld.tmp", path + dir, (long)getpid());
	int fd = open(tmp->p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		buf_printf(&w->err, "cannot create %s: %s", tmp->p, strerror(errno));
		return -1;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			buf_printf(&w->err, "cannot write %s: %s", tmp->p, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0) {
		fd = -1;
		buf_printf(&w->err, "cannot write %s: %s", tmp->p, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp->p, path) != 0) {
		buf_printf(&w->err, "cannot rename %s to %s: %s", tmp->p, path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp->p);
	return -1;
}

/* Writes w->data to DIR/name unless it already holds it, and counts it
 * (counted: a published file, not the manifest). Returns 0 or -1 with
 * w->err. */
static int put(struct writer *w, const char *name, bool counted)
{
	buf_clear(&w->path);
	buf_printf(&w->path, "%s/%s", w->dir, name);
	if (same_content(w->path.p, buf_str(&w->data), w->data.len)) {
		w->files_unchanged += counted;
		return 0;
	}
	if (write_atomic(w, w->path.p, buf_str(&w->data), w->data.len))
		return -1;
	if (counted) {
		w->files_written++;
		w->bytes_written += w->data.len;
	}
	return 0;
}

/* Appends a failure to p->err, after a separator if it holds one already. */
static void add_error(struct publisher *p, const char *what)
{
	buf_printf(p->err, "%s%s", p->err->len ? "; " : "", what);
}

static bool files_missing(struct publisher *p, const char *slug)
{
	struct stat st;
	for (int i = 0; i < F_COUNT; i++) {
		buf_clear(&p->tmp);
		buf_printf(&p->tmp, "%s/%s/%s", p->o->output_dir, slug, chat_files[i]);
		if (stat(p->tmp.p, &st) != 0 || !S_ISREG(st.st_mode))
			return true;
	}
	return false;
}

/* A chat of the archive, in the order the index lists them. */
struct slot {
	int64_t id;
	char *slug;
	char fp[65];
	int64_t updated_ms;
	bool render;
	json_t *prev;          /* its previous manifest entry (borrowed), or NULL */
	json_t *entry;         /* its new one (owned) once rendered */
	struct transcript *t;  /* loaded, waiting for a rendering thread */
	bool loaded, failed;   /* failed: not loaded, or not written */
	size_t files_written, files_unchanged, bytes_written;
	struct buf err;        /* why it failed */
};

/* Renders a loaded chat into its four files, counting into s. */
static void write_chat(const struct site_options *o, struct writer *w, struct slot *s)
{
	struct buf name = BUF_INIT;
	size_t written = w->files_written, unchanged = w->files_unchanged, bytes = w->bytes_written;
	buf_clear(&w->err);
	buf_clear(&w->path);
	buf_printf(&w->path, "%s/%s", w->dir, s->slug);
	if (make_dir(w->path.p, &w->err))
		goto done;
	for (int f = 0; f < F_COUNT; f++) {
		buf_clear(&w->data);
		switch (f) {
		case F_HTML: {
			const struct html_options h = {
				.archive_title = o->title,
				.index_href = "../index.html",
				.markdown_href = chat_files[F_MARKDOWN],
				.text_href = chat_files[F_TEXT],
				.json_href = chat_files[F_JSON],
			};
			if (html_render(s->t, &h, &w->data, &w->err))
				goto done;
			break;
		}
		case F_MARKDOWN:
			markdown_render(s->t, &w->data);
			break;
		case F_TEXT:
			text_render(s->t, &w->data);
			break;
		case F_JSON:
			tjson_render(s->t, 0, &w->data);
			break;
		}
		buf_clear(&name);
		buf_printf(&name, "%s/%s", s->slug, chat_files[f]);
		if (put(w, name.p, true))
			goto done;
	}
done:
	s->failed = w->err.len > 0;
	if (s->failed)
		buf_adds(&s->err, w->err.p);
	s->files_written = w->files_written - written;
	s->files_unchanged = w->files_unchanged - unchanged;
	s->bytes_written = w->bytes_written - bytes;
	buf_free(&name);
}

/* Loads a chat and builds its manifest entry (s->entry); on failure, s
 * says why. */
static void load_chat(struct publisher *p, struct slot *s)
{
	if (transcript_load(p->db, s->id, &s->t, &s->err)) {
		s->failed = true;
		return;
	}
	if (p->o->summarize)
		p->o->summarize(p->o->summarize_ud, s->t);
	s->entry = site_entry_make(s->t, s->slug, s->fp, s->updated_ms);
	s->loaded = true;
}

/* Rendering threads. This thread reads the store (SQLite is used from it
 * alone) and hands each loaded chat over; a thread renders and writes it,
 * then frees it. At most jobs + 1 chats are in memory at once. */
struct pool {
	const struct site_options *o;
	struct slot *slots;
	size_t n, loaded;      /* slots[0..loaded) have been looked at by the loader */
	size_t next;           /* the next slot a thread looks at */
	size_t in_flight;      /* loaded, not yet rendered */
	bool closing;
	pthread_mutex_t mu;
	pthread_cond_t work, room;
};

static void *render_thread(void *arg)
{
	struct pool *pl = arg;
	struct writer w = {.dir = pl->o->output_dir};
	pthread_mutex_lock(&pl->mu);
	for (;;) {
		while (pl->next < pl->loaded && !pl->slots[pl->next].loaded)
			pl->next++;
		if (pl->next < pl->loaded) {
			struct slot *s = &pl->slots[pl->next++];
			pthread_mutex_unlock(&pl->mu);
			write_chat(pl->o, &w, s);
			transcript_free(s->t);
			s->t = NULL;
			pthread_mutex_lock(&pl->mu);
			pl->in_flight--;
			pthread_cond_signal(&pl->room);
			continue;
		}
		if (pl->closing)
			break;
		pthread_cond_wait(&pl->work, &pl->mu);
	}
	pthread_mutex_unlock(&pl->mu);
	writer_free(&w);
	return NULL;
}

/* Renders with up to `jobs` threads; returns false if no thread could be
 * started (the caller then renders here). */
static bool render_threaded(struct publisher *p, struct slot *slots, size_t n, size_t jobs)
{
	struct pool pl = {.o = p->o, .slots = slots, .n = n};
	pthread_t *threads = mem_alloc(jobs * sizeof *threads);
	size_t started = 0;
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.work, NULL);
	pthread_cond_init(&pl.room, NULL);
	while (started < jobs && pthread_create(&threads[started], NULL, render_thread, &pl) == 0)
		started++;
	for (size_t i = 0; started && i < n; i++) {
		if (slots[i].render) {
			pthread_mutex_lock(&pl.mu);
			while (pl.in_flight > started)
				pthread_cond_wait(&pl.room, &pl.mu);
			pthread_mutex_unlock(&pl.mu);
			load_chat(p, &slots[i]);
		}
		pthread_mutex_lock(&pl.mu);
		pl.loaded = i + 1;
		pl.in_flight += slots[i].loaded;
		pthread_cond_signal(&pl.work);
		pthread_mutex_unlock(&pl.mu);
	}
	pthread_mutex_lock(&pl.mu);
	pl.closing = true;
	pthread_cond_broadcast(&pl.work);
	pthread_mutex_unlock(&pl.mu);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_cond_destroy(&pl.room);
	pthread_cond_destroy(&pl.work);
	pthread_mutex_destroy(&pl.mu);
	free(threads);
	return started > 0;
}

static void render_all(struct publisher *p, struct slot *slots, size_t n)
{
	size_t todo = 0;
	for (size_t i = 0; i < n; i++)
		todo += slots[i].render;
	if (p->o->jobs > 1 && todo > 1 &&
	    render_threaded(p, slots, n, p->o->jobs < todo ? p->o->jobs : todo))
		goto tally;
	struct writer w = {.dir = p->o->output_dir};
	for (size_t i = 0; i < n; i++) {
		if (!slots[i].render)
			continue;
		load_chat(p, &slots[i]);
		if (slots[i].loaded)
			write_chat(p->o, &w, &slots[i]);
		transcript_free(slots[i].t);
		slots[i].t = NULL;
	}
	writer_free(&w);
tally:
	for (size_t i = 0; i < n; i++) {
		struct slot *s = &slots[i];
		p->stats.files_written += s->files_written;
		p->stats.files_unchanged += s->files_unchanged;
		p->stats.bytes_written += s->bytes_written;
		if (!s->render)
			continue;
		if (!s->failed) {
			p->stats.rendered++;
			continue;
		}
		json_decref(s->entry);
		s->entry = NULL;
		buf_clear(&p->tmp);
		buf_printf(&p->tmp, "chat %" PRId64 " (%s): %s", s->id, s->slug, buf_str(&s->err));
		add_error(p, p->tmp.p);
		p->failures++;
	}
}

/* Reads the previous manifest; a missing, unreadable or foreign one is
 * no manifest (every chat is rendered, and compared). */
static void load_manifest(struct publisher *p)
{
	buf_clear(&p->tmp);
	buf_printf(&p->tmp, "%s/%s", p->o->output_dir, MANIFEST);
	json_error_t jerr;
	json_t *m = json_load_file(p->tmp.p, 0, &jerr);
	if (!m)
		return;
	json_t *chats = json_object_get(m, "chats");
	if (!json_is_object(m) || strcmp(site_entry_str(m, "schema"), SITE_MANIFEST_SCHEMA) != 0 ||
	    !json_is_object(chats)) {
		log_warn("site: %s is not a manifest this rounds reads; rendering every chat", p->tmp.p);
		json_decref(m);
		return;
	}
	p->manifest = m;
	p->old = chats;
}

/* Writes p->out.data to name; on failure, adds why to p->err. */
static int put_archive_file(struct publisher *p, const char *name, bool counted)
{
	buf_clear(&p->out.err);
	if (put(&p->out, name, counted) == 0)
		return 0;
	add_error(p, p->out.err.p);
	return -1;
}

static int save_manifest(struct publisher *p)
{
	buf_clear(&p->out.data);
	if (site_manifest_render(p->chats, RENDERER, &p->out.data)) {
		add_error(p, "cannot build the manifest");
		return -1;
	}
	return put_archive_file(p, MANIFEST, false);
}

static void read_salt(struct publisher *p)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(p->db, "SELECT value FROM meta WHERE key = 'pseudonym_salt'", -1, &q,
			       NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		p->salt = mem_strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
}

static char *normal_base_url(const char *url)
{
	if (!url || !*url)
		return NULL;
	size_t n = strlen(url);
	while (n > 1 && url[n - 1] == '/')
		n--;
	return mem_strndup(url, n);
}

/* The index and the feed, from the manifest's entries. */
static int write_archive(struct publisher *p)
{
	const struct site_archive a = {
		.o = p->o,
		.base_url = p->base_url,
		.chats = p->order,
		.n_chats = p->n_order,
		.salt = p->salt ? p->salt : "",
	};
	buf_clear(&p->out.data);
	site_index_render(&a, &p->out.data);
	if (put_archive_file(p, "index.html", true))
		return -1;
	buf_clear(&p->out.data);
	site_feed_render(&a, &p->out.data);
	return put_archive_file(p, "feed.xml", true);
}

/* Reads every ended chat and decides which to render. Returns the number
 * of slots in *out (the caller frees them), or -1 with p->err. */
static int plan(struct publisher *p, int64_t only_id, struct slot **out, size_t *n_out)
{
	sqlite3_stmt *q = NULL;
	struct slot *slots = NULL;
	size_t n = 0, cap = 0;
	bool found = false;
	int st = SQLITE_ERROR;
	if (sqlite3_prepare_v2(p->db, sql_chats, -1, &q, NULL) != SQLITE_OK)
		goto fail;
	while ((st = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, C_ID);
		const char *slug = (const char *)sqlite3_column_text(q, C_SLUG);
		if (!slug || !slug_ok(slug)) {
			log_warn("site: chat %" PRId64 " has an unsafe slug in the store; not published", id);
			continue;
		}
		slots = mem_grow(slots, &cap, n + 1, sizeof *slots);
		struct slot *s = &slots[n++];
		*s = (struct slot){.id = id, .slug = mem_strdup(slug)};
		fingerprint(p, q, s->fp);
		int64_t changed = sqlite3_column_int64(q, C_CHANGED), ended = sqlite3_column_int64(q, C_ENDED);
		s->updated_ms = changed > ended ? changed : ended;
		s->prev = p->old ? json_object_get(p->old, slug) : NULL;
		if (s->prev && site_entry_int(s->prev, "id") != id)
			s->prev = NULL; /* another store's chat of that name */
		if (only_id)
			s->render = id == only_id;
		else
			s->render = p->o->force || !s->prev ||
				    strcmp(site_entry_str(s->prev, "fingerprint"), s->fp) != 0 ||
				    files_missing(p, slug);
		found |= id == only_id;
	}
fail:
	if (st != SQLITE_DONE) {
		buf_clear(&p->msg);
		buf_printf(&p->msg, "cannot read the chats from the store: %s", sqlite3_errmsg(p->db));
		add_error(p, p->msg.p);
	} else if (only_id && !found) {
		buf_clear(&p->msg);
		buf_printf(&p->msg, "chat %" PRId64 " is not in the store or has not ended", only_id);
		add_error(p, p->msg.p);
		st = SQLITE_ERROR;
	}
	sqlite3_finalize(q);
	*out = slots;
	*n_out = n;
	return st == SQLITE_DONE ? 0 : -1;
}

/* Publishes the archive; with only_id, renders that chat alone and takes
 * every other one from the manifest as it is. */
static int publish(sqlite3 *db, const struct site_options *o, int64_t only_id,
		   struct site_stats *stats, struct buf *err)
{
	if (!o || !o->output_dir || !*o->output_dir) {
		buf_adds(err, "publish: no output directory");
		return -1;
	}
	struct publisher p = {.db = db, .o = o, .err = err, .out = {.dir = o->output_dir}};
	struct slot *slots = NULL;
	size_t n = 0;
	int rc = -1;
	p.base_url = normal_base_url(o->base_url);
	p.chats = json_object();
	if (make_dirs(o->output_dir, err))
		goto fail;
	load_manifest(&p);
	read_salt(&p);
	settings_hash(&p);
	if (plan(&p, only_id, &slots, &n))
		goto fail;
	render_all(&p, slots, n);
	for (size_t i = 0; i < n; i++) {
		struct slot *s = &slots[i];
		json_t *entry = s->entry;
		s->entry = NULL;
		if (!entry && s->prev) {
			/* as it was last published; the slug checked above, whatever
			 * the file says */
			entry = json_incref(s->prev);
			json_object_set_new(entry, "slug", json_string(s->slug));
		}
		if (!entry)
			continue;
		json_object_set_new(p.chats, s->slug, entry);
		p.order = mem_grow(p.order, &p.cap_order, p.n_order + 1, sizeof *p.order);
		p.order[p.n_order++] = entry;
	}
	/* the index, the feed and the manifest are written even when a chat
	 * failed: they then list it as it was, or not at all */
	if (write_archive(&p) || save_manifest(&p))
		goto fail;
	rc = p.failures ? -1 : 0;
fail:
	p.stats.chats = p.n_order;
	p.stats.files_written += p.out.files_written;
	p.stats.files_unchanged += p.out.files_unchanged;
	p.stats.bytes_written += p.out.bytes_written;
	if (stats)
		*stats = p.stats;
	for (size_t i = 0; i < n; i++) {
		free(slots[i].slug);
		json_decref(slots[i].entry);
		buf_free(&slots[i].err);
	}
	free(slots);
	json_decref(p.chats);
	json_decref(p.manifest);
	free(p.order);
	free(p.base_url);
	free(p.salt);
	writer_free(&p.out);
	buf_free(&p.tmp);
	buf_free(&p.msg);
	return rc;
}

int site_publish(sqlite3 *db, const struct site_options *o, struct site_stats *stats,
		 struct buf *err)
{
	return publish(db, o, 0, stats, err);
}

int site_publish_chat(sqlite3 *db, int64_t chat_id, const struct site_options *o, struct buf *err)
{
	if (chat_id <= 0) {
		buf_printf(err, "no chat with id %" PRId64, chat_id);
		return -1;
	}
	return publish(db, o, chat_id, NULL, err);
}

int site_location(sqlite3 *db, int64_t chat_id, const struct site_options *o, struct buf *out,
		  struct buf *err)
{
	struct buf slug = BUF_INIT;
	int rc = -1;
	if (export_slug(db, chat_id, &slug, err))
		goto done;
	if (!slug_ok(slug.p)) {
		buf_printf(err, "chat %" PRId64 " has an unsafe slug in the store", chat_id);
		goto done;
	}
	char *base = normal_base_url(o->base_url);
	if (base)
		buf_printf(out, "%s/%s/", base, slug.p);
	else
		buf_printf(out, "%s/%s/index.html", o->output_dir ? o->output_dir : ".", slug.p);
	free(base);
	rc = 0;
done:
	buf_free(&slug);
	return rc;
}
