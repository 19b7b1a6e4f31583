#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "utf8.h"

enum {
	CONFIG_MAX_ERRORS = 50,
	CONFIG_MAX_FILE = 1 << 20,   /* a config is a few kilobytes */
	CONFIG_MAX_PASSWORD = 1024,  /* first line of a password file */
	CONFIG_SHOW_STRING = 40,     /* bytes of a string value quoted in errors */
	CONFIG_SHOW_KEY = 40,        /* bytes of a key quoted in a key path */
};

#define DEFAULT_REALNAME "rounds chat moderator"
#define DEFAULT_DISCLAIMER                                                                   \
	"This chat is for general discussion only and is not medical advice. Please do not " \
	"share personal health details or patient information."
#define PASSWORD_REFUSED "passwords are never stored in the config: use password_env or password_file"

/* The state of one load: where messages go and the key path being checked
 * (e.g. "chats.hcsm.agenda[2]"), pushed and popped as the walk descends. */
struct ctx {
	const char *file;
	struct buf *err;
	struct buf key;
	int n_errors;
};

/* ---- messages ---------------------------------------------------------- */

static void report(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void expected(struct ctx *c, const json_t *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct ctx *c, const char *fmt, ...)
{
	if (c->n_errors++ >= CONFIG_MAX_ERRORS)
		return;
	buf_printf(c->err, "%s: ", c->file);
	if (c->key.len)
		buf_printf(c->err, "%s: ", c->key.p);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(c->err, fmt, ap);
	va_end(ap);
	buf_addc(c->err, '\n');
}

/* Appends s[0..n) as a JSON-style quoted string, escaping quotes,
 * backslashes and control characters so nothing can garble a terminal. */
static void put_quoted(struct buf *b, const char *s, size_t n)
{
	buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			buf_printf(b, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			buf_printf(b, "\\u%04x", ch);
		else
			buf_addc(b, (char)ch);
	}
	buf_addc(b, '"');
}

/* Shortest text that reads back as d, always with a '.' or exponent so
 * that 6697.0 is not mistaken for the integer 6697. */
static void put_real(struct buf *b, double d)
{
	char tmp[40];
	snprintf(tmp, sizeof tmp, "%.15g", d);
	if (strtod(tmp, NULL) != d)
		snprintf(tmp, sizeof tmp, "%.17g", d);
	buf_adds(b, tmp);
	if (!strpbrk(tmp, ".eni"))
		buf_adds(b, ".0");
}

/* What was found, for "got ...": the value when short, and its type. */
static void describe(struct buf *b, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_adds(b, json_object_size(v) ? "an object" : "an empty object");
		break;
	case JSON_ARRAY:
		buf_adds(b, json_array_size(v) ? "an array" : "an empty array");
		break;
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (!n) {
			buf_adds(b, "\"\" (an empty string)");
		} else if (n <= CONFIG_SHOW_STRING) {
			put_quoted(b, s, n);
			buf_adds(b, " (a string)");
		} else {
			size_t cut = utf8_clip(s, n, CONFIG_SHOW_STRING - 8), bad = cut;
			put_quoted(b, s, cut);
			b->len--; /* reopen the quote to mark the cut */
			buf_printf(b, "...\" (a string of %zu bytes", n);
			/* a control character past the cut is often the problem: show it */
			while (bad < n && (unsigned char)s[bad] >= 0x20 && s[bad] != 0x7f)
				bad++;
			if (bad < n)
				buf_printf(b, " with \\u%04x at byte %zu", (unsigned char)s[bad], bad);
			buf_addc(b, ')');
		}
		break;
	}
	case JSON_INTEGER:
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		put_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		buf_adds(b, "true (a boolean)");
		break;
	case JSON_FALSE:
		buf_adds(b, "false (a boolean)");
		break;
	case JSON_NULL:
		buf_adds(b, "null");
		break;
	}
}

/* Reports "KEY: expected <fmt...>, got <v>". */
static void expected(struct ctx *c, const json_t *v, const char *fmt, ...)
{
	struct buf what = BUF_INIT, got = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&what, fmt, ap);
	va_end(ap);
	describe(&got, v);
	report(c, "expected %s, got %s", buf_str(&what), buf_str(&got));
	buf_free(&what);
	buf_free(&got);
}

/* ---- key path ------------------------------------------------------------ */

static bool is_name_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

static bool is_name(const char *s, size_t n, size_t max)
{
	if (!n || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char((unsigned char)s[i]))
			return false;
	return true;
}

/* Appends ".key" (or ["key"] for a key that is not a plain name) to the key
 * path; returns the mark to pop back to. */
static size_t key_push(struct ctx *c, const char *key)
{
	size_t mark = c->key.len, n = strlen(key);
	if (is_name(key, n, CONFIG_SHOW_KEY)) {
		buf_printf(&c->key, "%s%s", mark ? "." : "", key);
	} else {
		size_t cut = utf8_clip(key, n, CONFIG_SHOW_KEY);
		buf_addc(&c->key, '[');
		put_quoted(&c->key, key, cut);
		if (cut < n) {
			c->key.len--;
			buf_adds(&c->key, "...\"");
		}
		buf_addc(&c->key, ']');
	}
	return mark;
}

static size_t key_push_index(struct ctx *c, size_t i)
{
	size_t mark = c->key.len;
	buf_printf(&c->key, "[%zu]", i);
	return mark;
}

static void key_pop(struct ctx *c, size_t mark)
{
	if (c->key.p) {
		c->key.len = mark;
		c->key.p[mark] = '\0';
	}
}

/* ---- unknown keys ------------------------------------------------------ */

/* Optimal string alignment distance (a swap of two letters counts 1),
 * for "did you mean". Only called with short strings. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[CONFIG_SHOW_KEY + 1][CONFIG_SHOW_KEY + 1];
	if (la > CONFIG_SHOW_KEY || lb > CONFIG_SHOW_KEY)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reports every key of obj not in known[] (sorted), suggesting the one
 * known key within edit distance 2 when there is a single closest one.
 * With a password_hint (network and sasl objects), a "password" key is
 * told why it is refused instead. */
static void check_keys(struct ctx *c, json_t *obj, const char *const *known, size_t n_known,
		       const char *password_hint)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		if (bsearch(&key, known, n_known, sizeof *known, cmp_key))
			continue;
		size_t mark = key_push(c, key);
		if (password_hint && strcmp(key, "password") == 0) {
			report(c, PASSWORD_REFUSED "%s", password_hint);
			key_pop(c, mark);
			continue;
		}
		const char *best = NULL;
		size_t best_d = 3;
		bool tie = false;
		for (size_t i = 0; i < n_known; i++) {
			size_t d = edit_distance(key, known[i]);
			if (d < best_d)
				best = known[i], best_d = d, tie = false;
			else if (d == best_d)
				tie = true;
		}
		if (best && !tie) {
			report(c, "unknown key (did you mean \"%s\"?)", best);
		} else {
			struct buf list = BUF_INIT;
			for (size_t i = 0; i < n_known; i++)
				buf_printf(&list, "%s%s", i ? ", " : "", known[i]);
			report(c, "unknown key (known keys here: %s)", buf_str(&list));
			buf_free(&list);
		}
		key_pop(c, mark);
	}
}

#define N_KEYS(table) (sizeof table / sizeof table[0])
#define CHECK_KEYS(c, obj, table) check_keys(c, obj, table, N_KEYS(table), NULL)

static void missing(struct ctx *c, const char *key, const char *what)
{
	report(c, "missing required key \"%s\" (%s)", key, what);
}

/* ---- typed getters --------------------------------------------------------
 * Each returns 1 when the key is present and valid (*out set), 0 when it is
 * absent (*out untouched: the default stays), -1 when it is invalid (the
 * error is reported). */

static int get_bool(struct ctx *c, json_t *obj, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 1;
	}
	size_t mark = key_push(c, key);
	expected(c, v, "true or false");
	key_pop(c, mark);
	return -1;
}

static int get_int(struct ctx *c, json_t *obj, const char *key, int lo, int hi, int *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi) {
		*out = (int)json_integer_value(v);
		return 1;
	}
	size_t mark = key_push(c, key);
	expected(c, v, "an integer from %d to %d", lo, hi);
	key_pop(c, mark);
	return -1;
}

struct range {
	double lo, hi;
	bool lo_open; /* lo itself is not allowed */
};

static const struct range minutes_pos = {0, 1440, true};
static const struct range minutes_any = {0, 1440, false};
static const struct range seconds_pos = {0, 86400, true};

static int get_number(struct ctx *c, json_t *obj, const char *key, const struct range *r,
		      double *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	double d = json_number_value(v);
	bool low = r->lo_open ? !(d > r->lo) : !(d >= r->lo);
	if (json_is_number(v) && !low && d <= r->hi) {
		*out = d;
		return 1;
	}
	size_t mark = key_push(c, key);
	if (!r->lo_open)
		expected(c, v, "a number from %g to %g", r->lo, r->hi);
	else if (json_is_number(v) && low)
		expected(c, v, "a number greater than %g", r->lo);
	else if (json_is_number(v))
		expected(c, v, "a number at most %g", r->hi);
	else
		expected(c, v, "a number greater than %g and at most %g", r->lo, r->hi);
	key_pop(c, mark);
	return -1;
}

/* What a string may hold: byte bounds, then an optional check of its own;
 * what describes the whole rule for "expected ...". */
struct text_rule {
	const char *what;
	size_t min, max;
	bool (*ok)(const char *s, size_t n);
};

/* Text posted to IRC: no line breaks or control characters, except the IRC
 * formatting codes (bold, colour, reset, ...). */
static bool ok_text(const char *s, size_t n)
{
	static const char formatting[] = "\x02\x03\x04\x0f\x11\x16\x1d\x1e\x1f";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && !memchr(formatting, ch, sizeof formatting - 1)) || ch == 0x7f)
			return false;
	}
	return true;
}

/* No spaces, control characters or any byte in `bad`. */
static bool ok_token(const char *s, size_t n, const char *bad)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch == 0x7f || strchr(bad, ch))
			return false;
	}
	return true;
}

static bool ok_text_path(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool ok_plain(const char *s, size_t n)
{
	return ok_token(s, n, "");
}

static bool ok_host(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_name_char((unsigned char)s[i]) && s[i] != '.' && s[i] != ':')
			return false;
	return true;
}

static bool ok_nick(const char *s, size_t n)
{
	static const char special[] = "[]\\`_^{|}";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		bool letter = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
		bool other = (ch >= '0' && ch <= '9') || ch == '-';
		if (!letter && !strchr(special, ch) && (i == 0 || !other))
			return false;
	}
	return true;
}

static bool ok_username(const char *s, size_t n)
{
	return ok_token(s, n, "@");
}

static bool ok_room(const char *s, size_t n)
{
	return (s[0] == '#' || s[0] == '&') && ok_token(s, n, ",");
}

static bool ok_prefix(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		bool alnum = is_name_char(ch) && ch != '-' && ch != '_';
		if (ch <= 0x20 || ch >= 0x7f || alnum)
			return false;
	}
	return true;
}

static bool ok_env(const char *s, size_t n)
{
	return is_name(s, n, n) && !strchr(s, '-') && !(s[0] >= '0' && s[0] <= '9');
}

static bool ok_url(const char *s, size_t n)
{
	size_t scheme = strncmp(s, "https://", 8) == 0 ? 8 : strncmp(s, "http://", 7) == 0 ? 7 : 0;
	return scheme && n > scheme && s[scheme] != '/' && ok_token(s, n, "\"<>\\^`{|}");
}

static bool ok_ws_path(const char *s, size_t n)
{
	return s[0] == '/' && ok_plain(s, n);
}

static bool ok_subprotocol(const char *s, size_t n)
{
	return ok_token(s, n, "()<>@,;:\\\"/[]?={}");
}

static const struct text_rule rule_path = {
	"a non-empty file path (no control characters)", 1, PATH_MAX - 1, ok_text_path};
static const struct text_rule rule_url = {
	"an http:// or https:// URL without spaces", 8, 2000, ok_url};
static const struct text_rule rule_host = {
	"a hostname or IP address (at most 253 letters, digits, \".\", \"-\", \"_\" or \":\")",
	1, 253, ok_host};
static const struct text_rule rule_nick = {
	"an IRC nick (1 to 30 characters: a letter or one of []\\`_^{|} first, then letters, "
	"digits, \"-\" or those)",
	1, 30, ok_nick};
static const struct text_rule rule_username = {
	"a username of 1 to 10 characters without spaces or \"@\"", 1, 10, ok_username};
static const struct text_rule rule_realname = {
	"a real name of 1 to 100 bytes without control characters", 1, 100, ok_text};
static const struct text_rule rule_account = {
	"an account name (1 to 100 bytes, no spaces or control characters)", 1, 100, ok_plain};
static const struct text_rule rule_env = {
	"an environment variable name (letters, digits and \"_\", not starting with a digit)",
	1, 255, ok_env};
static const struct text_rule rule_ws_path = {
	"a path starting with \"/\" (no spaces or control characters)", 1, 2000, ok_ws_path};
static const struct text_rule rule_origin = {
	"an origin such as \"https://irc.example.org\" (no spaces or control characters)",
	1, 2000, ok_plain};
static const struct text_rule rule_subprotocol = {
	"a non-empty WebSocket subprotocol name (no spaces, commas or control characters)",
	1, 200, ok_subprotocol};
static const struct text_rule rule_network_ref = {"the name of a network", 1, 32, NULL};
static const struct text_rule rule_room = {
	"an IRC channel name (starting with \"#\" or \"&\", 2 to 50 bytes, no spaces, commas or "
	"control characters)",
	2, 50, ok_room};
static const struct text_rule rule_title = {
	"a title of 1 to 200 bytes without line breaks or control characters", 1, 200, ok_text};
static const struct text_rule rule_message = {
	"a text of at most 2000 bytes without line breaks or control characters (\"\" for none)",
	0, 2000, ok_text};
static const struct text_rule rule_prefix = {
	"1 to 3 punctuation characters such as \"!\" (no letters, digits or spaces)", 1, 3,
	ok_prefix};
static const struct text_rule rule_topic = {
	"a topic text of 1 to 400 bytes without line breaks or control characters", 1, 400,
	ok_text};

static bool text_fits(const json_t *v, const struct text_rule *r)
{
	if (!json_is_string(v))
		return false;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	return n >= r->min && n <= r->max && strlen(s) == n && (!r->ok || r->ok(s, n));
}

/* Checks v against r, reporting at the current key path; returns a copy. */
static char *take_text(struct ctx *c, const json_t *v, const struct text_rule *r)
{
	if (text_fits(v, r))
		return mem_strdup(json_string_value(v));
	expected(c, v, "%s", r->what);
	return NULL;
}

/* On success frees the previous *out (a default) and sets the copy. */
static int get_text(struct ctx *c, json_t *obj, const char *key, const struct text_rule *r,
		    char **out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	size_t mark = key_push(c, key);
	char *s = take_text(c, v, r);
	key_pop(c, mark);
	if (!s)
		return -1;
	free(*out);
	*out = s;
	return 1;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* An array of strings, each checked against r; at least min of them. */
static int get_text_array(struct ctx *c, json_t *obj, const char *key, const char *what,
			  const struct text_rule *r, size_t min, char ***out, size_t *n_out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	size_t mark = key_push(c, key);
	if (!json_is_array(v) || json_array_size(v) < min) {
		expected(c, v, "%s", what);
		key_pop(c, mark);
		return -1;
	}
	size_t n = json_array_size(v), ok = 0;
	char **list = mem_calloc(n, sizeof *list);
	for (size_t i = 0; i < n; i++) {
		size_t m = key_push_index(c, i);
		list[i] = take_text(c, json_array_get(v, i), r);
		ok += list[i] != NULL;
		key_pop(c, m);
	}
	key_pop(c, mark);
	if (ok < n) {
		free_strings(list, n);
		return -1;
	}
	free_strings(*out, *n_out);
	*out = list;
	*n_out = n;
	return 1;
}

/* An object member, or NULL (reported) when it is present but not an object. */
static json_t *get_object(struct ctx *c, json_t *obj, const char *key, const char *what)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_object(v))
		return v;
	size_t mark = key_push(c, key);
	expected(c, v, "%s", what);
	key_pop(c, mark);
	return NULL;
}

/* ---- files --------------------------------------------------------------- */

/* Joins dir and p unless p is absolute, dropping "." components and
 * doubled slashes (".." is kept: the file system knows better). */
static char *path_resolve(const char *dir, const char *p)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	if (p[0] != '/')
		buf_printf(&in, "%s/", dir);
	buf_adds(&in, p);
	const char *s = buf_str(&in);
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n && !(n == 1 && s[0] == '.')) {
			buf_addc(&out, '/');
			buf_add(&out, s, n);
		}
		s += n + (e != NULL);
	}
	if (!out.len)
		buf_addc(&out, '/');
	buf_free(&in);
	return buf_steal(&out);
}

/* The absolute directory a config at path lives in, or NULL (errno set). */
static char *config_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *rel = slash ? mem_strndup(path, slash == path ? 1 : (size_t)(slash - path))
			  : mem_strdup(".");
	char *abs = NULL;
	if (rel[0] == '/') {
		abs = path_resolve("/", rel);
	} else {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof cwd))
			abs = path_resolve(cwd, rel);
	}
	free(rel);
	return abs;
}

/* Opens an existing regular file for reading without blocking on a FIFO.
 * Returns the descriptor, or -1 with *why set to a static reason. */
static int open_regular(const char *path, struct stat *st, const char **why)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*why = strerror(errno);
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		*why = "not a regular file";
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads the first line of a password file into a fresh string (trailing
 * CR/LF stripped). Returns NULL with *why set on failure. The bytes read
 * are wiped from the stack. */
static char *read_password_file(const char *path, mode_t *mode, const char **why)
{
	struct stat st;
	int fd = open_regular(path, &st, why);
	if (fd < 0)
		return NULL;
	*mode = st.st_mode;
	char line[CONFIG_MAX_PASSWORD + 2];
	size_t n = 0;
	while (n < sizeof line && !memchr(line, '\n', n)) {
		ssize_t r = read(fd, line + n, sizeof line - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = strerror(errno);
			close(fd);
			explicit_bzero(line, sizeof line);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	char *nl = memchr(line, '\n', n);
	size_t len = nl ? (size_t)(nl - line) : n;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	char *pw = NULL;
	if (!nl && n == sizeof line)
		*why = "the first line is longer than 1024 bytes";
	else if (!len)
		*why = "the first line is empty";
	else if (memchr(line, '\0', len))
		*why = "the first line contains a NUL byte";
	else
		pw = mem_strndup(line, len);
	explicit_bzero(line, sizeof line);
	return pw;
}

static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

/* "expected WHAT, got "given" (/abs/given: why)"; paths are quoted so a
 * control character in one cannot garble the terminal. */
static void report_file(struct ctx *c, const char *what, const char *given, const char *abs,
			const char *why)
{
	struct buf g = BUF_INIT, a = BUF_INIT;
	put_quoted(&g, given, strlen(given));
	put_quoted(&a, abs, strlen(abs));
	a.p[a.len - 1] = '\0'; /* escaped, but without the quotes */
	if (strcmp(given, abs) != 0)
		report(c, "expected %s, got %s (%s: %s)", what, g.p, a.p + 1, why);
	else
		report(c, "expected %s, got %s (%s)", what, g.p, why);
	buf_free(&g);
	buf_free(&a);
}

/* A path key: resolved against the config's directory; when must_open,
 * the file must exist and be readable now. */
static int get_path(struct ctx *c, const char *dir, json_t *obj, const char *key, bool must_open,
		    char **out)
{
	char *given = NULL;
	int r = get_text(c, obj, key, &rule_path, &given);
	if (r <= 0)
		return r;
	char *abs = path_resolve(dir, given);
	if (must_open) {
		struct stat st;
		const char *why = NULL;
		int fd = open_regular(abs, &st, &why);
		if (fd < 0) {
			size_t mark = key_push(c, key);
			report_file(c, "a readable file", given, abs, why);
			key_pop(c, mark);
			free(given);
			free(abs);
			return -1;
		}
		close(fd);
	}
	free(given);
	free(*out);
	*out = abs;
	return 1;
}

/* ---- networks ------------------------------------------------------------ */

static const char *const network_keys[] = {
	"ca_file", "host", "nick", "pace", "ping_seconds", "port", "realname", "reconnect",
	"sasl", "tls", "tls_verify", "type", "username", "websocket",
};
static const char *const sasl_keys[] = {"account", "password_env", "password_file"};
static const char *const ws_keys[] = {"origin", "path", "subprotocols"};
static const char *const pace_keys[] = {"burst", "per_second"};
static const char *const reconnect_keys[] = {"max_seconds", "min_seconds"};

/* password_env: the variable must be set and non-empty now. */
static void sasl_from_env(struct ctx *c, json_t *sasl, struct config_network *net)
{
	char *name = NULL;
	if (get_text(c, sasl, "password_env", &rule_env, &name) <= 0)
		return;
	const char *pw = getenv(name);
	if (pw && *pw) {
		struct buf src = BUF_INIT;
		buf_printf(&src, "environment variable %s", name);
		net->sasl_password = mem_strdup(pw);
		net->sasl_password_source = buf_steal(&src);
	} else {
		size_t m = key_push(c, "password_env");
		report(c, "expected a set, non-empty environment variable, got \"%s\" (which is %s)",
		       name, pw ? "empty" : "not set");
		key_pop(c, m);
	}
	free(name);
}

/* password_file: its first line, now; a file others can read still loads,
 * with a warning, so that fixing the mode is not a restart away. */
static void sasl_from_file(struct ctx *c, const char *dir, json_t *sasl,
			   struct config_network *net)
{
	char *abs = NULL;
	if (get_path(c, dir, sasl, "password_file", false, &abs) <= 0)
		return;
	const char *why = NULL;
	mode_t mode = 0;
	char *pw = read_password_file(abs, &mode, &why);
	if (!pw) {
		size_t m = key_push(c, "password_file");
		report_file(c, "a readable file whose first line is the password",
			    json_string_value(json_object_get(sasl, "password_file")), abs, why);
		key_pop(c, m);
		free(abs);
		return;
	}
	if (mode & (S_IRGRP | S_IROTH)) {
		char q[512];
		log_warn("%s: password file %s is readable by group or others (mode %03o): chmod "
			 "600 it", c->file, log_quote(q, sizeof q, abs, strlen(abs)),
			 (unsigned)(mode & 0777));
	}
	struct buf src = BUF_INIT;
	buf_printf(&src, "file %s", abs);
	net->sasl_password = pw;
	net->sasl_password_source = buf_steal(&src);
	free(abs);
}

static void parse_sasl(struct ctx *c, const char *dir, json_t *obj, struct config_network *net)
{
	json_t *sasl = get_object(c, obj, "sasl",
				  "an object with \"account\" and \"password_env\" or \"password_file\"");
	if (!sasl)
		return;
	size_t mark = key_push(c, "sasl");
	check_keys(c, sasl, sasl_keys, N_KEYS(sasl_keys), "");
	if (!json_object_get(sasl, "account"))
		missing(c, "account", "the services account to log in as");
	get_text(c, sasl, "account", &rule_account, &net->sasl_account);
	bool env = json_object_get(sasl, "password_env") != NULL;
	bool file = json_object_get(sasl, "password_file") != NULL;
	if (env && file)
		report(c, "expected exactly one of \"password_env\" or \"password_file\", got both");
	else if (env)
		sasl_from_env(c, sasl, net);
	else if (file)
		sasl_from_file(c, dir, sasl, net);
	else if (!json_object_get(sasl, "password")) /* that one has its own message */
		report(c, "expected exactly one of \"password_env\" (an environment variable "
			  "holding the password) or \"password_file\" (a file whose first line is "
			  "the password), got neither");
	key_pop(c, mark);
}

static void parse_websocket(struct ctx *c, json_t *obj, struct config_network *net)
{
	json_t *ws = json_object_get(obj, "websocket");
	if (!ws)
		return;
	size_t mark = key_push(c, "websocket");
	if (json_is_boolean(ws)) {
		net->websocket = json_is_true(ws);
	} else if (json_is_object(ws)) {
		net->websocket = true;
		CHECK_KEYS(c, ws, ws_keys);
		get_text(c, ws, "path", &rule_ws_path, &net->ws_path);
		get_text(c, ws, "origin", &rule_origin, &net->ws_origin);
		get_text_array(c, ws, "subprotocols",
			       "an array of one or more WebSocket subprotocol names", &rule_subprotocol,
			       1, &net->ws_subprotocols, &net->n_ws_subprotocols);
	} else {
		expected(c, ws, "true, false or an object with \"path\", \"origin\" and "
				"\"subprotocols\"");
	}
	key_pop(c, mark);
}

static void network_defaults(struct config_network *net)
{
	if (!net->username && net->nick)
		net->username = mem_strndup(net->nick, strnlen(net->nick, 10));
	if (!net->realname)
		net->realname = mem_strdup(DEFAULT_REALNAME);
	if (!net->port)
		net->port = net->tls ? 6697 : 6667;
	if (!net->websocket)
		return;
	if (!net->ws_path)
		net->ws_path = mem_strdup("/");
	if (!net->ws_origin && net->host) {
		struct buf o = BUF_INIT;
		bool v6 = strchr(net->host, ':') != NULL;
		buf_printf(&o, "%s://%s%s%s", net->tls ? "https" : "http", v6 ? "[" : "",
			   net->host, v6 ? "]" : "");
		net->ws_origin = buf_steal(&o);
	}
	if (!net->ws_subprotocols) {
		net->ws_subprotocols = mem_calloc(2, sizeof *net->ws_subprotocols);
		net->ws_subprotocols[0] = mem_strdup("text.ircv3.net");
		net->ws_subprotocols[1] = mem_strdup("text.inspircd.org");
		net->n_ws_subprotocols = 2;
	}
}

static void parse_network(struct ctx *c, const char *dir, json_t *obj, struct config_network *net)
{
	net->type = CONFIG_NET_IRC;
	net->tls = true;
	net->tls_verify = true;
	net->pace_burst = 5;
	net->pace_per_second = 1.0;
	net->reconnect_min_seconds = 2;
	net->reconnect_max_seconds = 300;
	net->ping_seconds = 60;
	if (!json_is_object(obj)) {
		expected(c, obj, "an object with at least \"host\" and \"nick\"");
		return;
	}
	check_keys(c, obj, network_keys, N_KEYS(network_keys), " under \"sasl\"");
	json_t *type = json_object_get(obj, "type");
	if (type && !(json_is_string(type) && strcmp(json_string_value(type), "irc") == 0)) {
		size_t mark = key_push(c, "type");
		expected(c, type, "\"irc\" (the only network type for now)");
		key_pop(c, mark);
	}
	if (!json_object_get(obj, "host"))
		missing(c, "host", "a hostname or IP address");
	if (!json_object_get(obj, "nick"))
		missing(c, "nick", "the bot's IRC nick");
	get_text(c, obj, "host", &rule_host, &net->host);
	get_bool(c, obj, "tls", &net->tls);
	get_int(c, obj, "port", 1, 65535, &net->port);
	if (get_bool(c, obj, "tls_verify", &net->tls_verify) > 0 && !net->tls && net->tls_verify) {
		size_t mark = key_push(c, "tls_verify");
		report(c, "only meaningful with \"tls\": true (this network has \"tls\": false)");
		key_pop(c, mark);
	}
	if (get_path(c, dir, obj, "ca_file", true, &net->ca_file) > 0 && !net->tls) {
		size_t mark = key_push(c, "ca_file");
		report(c, "only meaningful with \"tls\": true (this network has \"tls\": false)");
		key_pop(c, mark);
	}
	parse_websocket(c, obj, net);
	get_text(c, obj, "nick", &rule_nick, &net->nick);
	get_text(c, obj, "username", &rule_username, &net->username);
	get_text(c, obj, "realname", &rule_realname, &net->realname);
	parse_sasl(c, dir, obj, net);

	json_t *pace = get_object(c, obj, "pace", "an object with \"burst\" and \"per_second\"");
	if (pace) {
		size_t mark = key_push(c, "pace");
		CHECK_KEYS(c, pace, pace_keys);
		get_int(c, pace, "burst", 1, 100, &net->pace_burst);
		get_number(c, pace, "per_second", &(struct range){0, 100, true},
			   &net->pace_per_second);
		key_pop(c, mark);
	}
	json_t *rc = get_object(c, obj, "reconnect",
				"an object with \"min_seconds\" and \"max_seconds\"");
	if (rc) {
		size_t mark = key_push(c, "reconnect");
		CHECK_KEYS(c, rc, reconnect_keys);
		int a = get_number(c, rc, "min_seconds", &seconds_pos, &net->reconnect_min_seconds);
		int b = get_number(c, rc, "max_seconds", &seconds_pos, &net->reconnect_max_seconds);
		if (a >= 0 && b >= 0 && net->reconnect_max_seconds < net->reconnect_min_seconds) {
			size_t m;
			if (b > 0) {
				m = key_push(c, "max_seconds");
				expected(c, json_object_get(rc, "max_seconds"),
					 "a number at least min_seconds (%g)", net->reconnect_min_seconds);
			} else {
				m = key_push(c, "min_seconds");
				expected(c, json_object_get(rc, "min_seconds"),
					 "a number at most max_seconds (%g by default)",
					 net->reconnect_max_seconds);
			}
			key_pop(c, m);
		}
		key_pop(c, mark);
	}
	get_number(c, obj, "ping_seconds", &(struct range){5, 3600, false}, &net->ping_seconds);
	network_defaults(net);
}

/* ---- chats ------------------------------------------------------------------ */

static const char *const chat_keys[] = {
	"agenda", "cohosts", "disclaimer", "hosts", "intro_minutes", "network",
	"ops_are_moderators", "overrun_grace_minutes", "prefix", "room", "rules", "title",
	"warning_minutes", "welcome",
};
static const char *const topic_keys[] = {"minutes", "topic"};

/* welcome, disclaimer, rules: "" turns the message off (NULL). */
static void get_message(struct ctx *c, json_t *obj, const char *key, char **out)
{
	if (get_text(c, obj, key, &rule_message, out) > 0 && !**out) {
		free(*out);
		*out = NULL;
	}
}

static void parse_agenda(struct ctx *c, json_t *obj, struct config_chat *chat)
{
	json_t *agenda = json_object_get(obj, "agenda");
	if (!agenda) {
		missing(c, "agenda", "an array of topics, each {\"topic\": ..., \"minutes\": ...}");
		return;
	}
	size_t mark = key_push(c, "agenda");
	if (!json_is_array(agenda) || !json_array_size(agenda)) {
		expected(c, agenda, "an array of one or more topics, each {\"topic\": ..., "
				    "\"minutes\": ...}");
		key_pop(c, mark);
		return;
	}
	chat->n_agenda = json_array_size(agenda);
	chat->agenda = mem_calloc(chat->n_agenda, sizeof *chat->agenda);
	for (size_t i = 0; i < chat->n_agenda; i++) {
		struct config_topic *t = &chat->agenda[i];
		json_t *item = json_array_get(agenda, i);
		size_t m = key_push_index(c, i);
		t->minutes = 10;
		if (!json_is_object(item)) {
			expected(c, item, "an object {\"topic\": ..., \"minutes\": ...}");
		} else {
			CHECK_KEYS(c, item, topic_keys);
			if (!json_object_get(item, "topic"))
				missing(c, "topic", "the question posted as T1, T2, ...");
			get_text(c, item, "topic", &rule_topic, &t->text);
			get_number(c, item, "minutes", &minutes_pos, &t->minutes);
		}
		key_pop(c, m);
	}
	key_pop(c, mark);
}

/* Sets chat->network_index, or reports which networks there are. */
static void find_network(struct ctx *c, const struct config *cfg, const json_t *v,
			 struct config_chat *chat)
{
	for (size_t i = 0; i < cfg->n_networks; i++) {
		if (strcmp(cfg->networks[i].name, chat->network) == 0) {
			chat->network_index = i;
			return;
		}
	}
	struct buf names = BUF_INIT;
	for (size_t i = 0; i < cfg->n_networks && i < 10; i++) {
		buf_adds(&names, i ? ", " : "");
		put_quoted(&names, cfg->networks[i].name, strlen(cfg->networks[i].name));
	}
	if (cfg->n_networks > 10)
		buf_adds(&names, ", ...");
	size_t m = key_push(c, "network");
	expected(c, v, "the name of a network under \"networks\" (%s)",
		 cfg->n_networks ? buf_str(&names) : "none is defined");
	key_pop(c, m);
	buf_free(&names);
}

static void parse_chat(struct ctx *c, const struct config *cfg, json_t *obj,
		       struct config_chat *chat)
{
	chat->network_index = SIZE_MAX;
	chat->intro_minutes = 5;
	chat->warning_minutes = 2;
	chat->overrun_grace_minutes = 30;
	if (!json_is_object(obj)) {
		expected(c, obj, "an object with at least \"network\", \"room\" and \"agenda\"");
		return;
	}
	CHECK_KEYS(c, obj, chat_keys);
	if (!json_object_get(obj, "network"))
		missing(c, "network", "the name of a network under \"networks\"");
	if (!json_object_get(obj, "room"))
		missing(c, "room", "an IRC channel such as \"#hcsm\"");
	if (get_text(c, obj, "network", &rule_network_ref, &chat->network) > 0)
		find_network(c, cfg, json_object_get(obj, "network"), chat);
	get_text(c, obj, "room", &rule_room, &chat->room);
	chat->title = mem_strdup(chat->name);
	get_text(c, obj, "title", &rule_title, &chat->title);
	get_message(c, obj, "welcome", &chat->welcome);
	chat->disclaimer = mem_strdup(DEFAULT_DISCLAIMER);
	get_message(c, obj, "disclaimer", &chat->disclaimer);
	get_message(c, obj, "rules", &chat->rules);
	get_bool(c, obj, "ops_are_moderators", &chat->ops_are_moderators);
	int hosts = get_text_array(c, obj, "hosts", "an array of account names", &rule_account, 0,
				   &chat->hosts, &chat->n_hosts);
	get_text_array(c, obj, "cohosts", "an array of account names", &rule_account, 0,
		       &chat->cohosts, &chat->n_cohosts);
	if (hosts == 0 && !chat->ops_are_moderators) {
		missing(c, "hosts", "the accounts that run the chat, or set \"ops_are_moderators\": "
				    "true");
	} else if (hosts > 0 && !chat->n_hosts && !chat->ops_are_moderators) {
		size_t m = key_push(c, "hosts");
		expected(c, json_object_get(obj, "hosts"),
			 "at least one host account (or \"ops_are_moderators\": true)");
		key_pop(c, m);
	}
	get_number(c, obj, "intro_minutes", &minutes_any, &chat->intro_minutes);
	get_number(c, obj, "warning_minutes", &minutes_any, &chat->warning_minutes);
	get_number(c, obj, "overrun_grace_minutes", &minutes_any, &chat->overrun_grace_minutes);
	chat->prefix = mem_strdup("!");
	get_text(c, obj, "prefix", &rule_prefix, &chat->prefix);
	parse_agenda(c, obj, chat);
	/* welcome: absent (NULL) lets the session greet with the title the chat
	 * was opened under; "" means no welcome at all */
	if (json_object_get(obj, "welcome") && !chat->welcome)
		chat->welcome = mem_strdup("");
}

/* Folds a channel name the way IRC servers do (rfc1459 casemapping). */
static int irc_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = (unsigned char)*a, y = (unsigned char)*b;
		x = x >= 'A' && x <= '^' ? x + 32 : x;
		y = y >= 'A' && y <= '^' ? y + 32 : y;
		if (x != y || !x)
			return x - y;
	}
}

static void check_duplicate_rooms(struct ctx *c, struct config *cfg)
{
	for (size_t j = 0; j < cfg->n_chats; j++) {
		struct config_chat *b = &cfg->chats[j];
		for (size_t i = 0; i < j && b->room && b->network_index != SIZE_MAX; i++) {
			struct config_chat *a = &cfg->chats[i];
			if (!a->room || a->network_index != b->network_index ||
			    irc_casecmp(a->room, b->room) != 0)
				continue;
			size_t m1 = key_push(c, "chats"), m2 = key_push(c, b->name);
			size_t m3 = key_push(c, "room");
			struct buf got = BUF_INIT, other = BUF_INIT, room = BUF_INIT;
			put_quoted(&got, b->room, strlen(b->room));
			put_quoted(&other, a->name, strlen(a->name));
			put_quoted(&room, a->room, strlen(a->room));
			report(c, "expected a room no other chat uses on network \"%s\", got %s (chat %s "
				  "already uses %s)", b->network, buf_str(&got), buf_str(&other),
			       buf_str(&room));
			buf_free(&got);
			buf_free(&other);
			buf_free(&room);
			key_pop(c, m3);
			key_pop(c, m2);
			key_pop(c, m1);
			break;
		}
	}
}

/* ---- top level ------------------------------------------------------------- */

static const char *const top_keys[] = {
	"base_url", "chats", "log_level", "networks", "output_dir", "store",
};

/* Validates the "networks" or "chats" object: its keys are names. Returns
 * it, or NULL when it is missing or not a non-empty object (reported). */
static json_t *get_named(struct ctx *c, json_t *root, const char *key, const char *what)
{
	json_t *v = json_object_get(root, key);
	if (!v) {
		missing(c, key, what);
		return NULL;
	}
	if (json_is_object(v) && json_object_size(v))
		return v;
	size_t mark = key_push(c, key);
	expected(c, v, "%s with at least one entry", what);
	key_pop(c, mark);
	return NULL;
}

static void check_name(struct ctx *c, const char *name, const char *kind)
{
	if (!is_name(name, strlen(name), 32))
		report(c, "expected a %s name of 1 to 32 letters, digits, \"-\" or \"_\"", kind);
}

static void parse_root(struct ctx *c, json_t *root, struct config *cfg)
{
	if (!json_is_object(root)) {
		expected(c, root, "an object at the top level");
		return;
	}
	CHECK_KEYS(c, root, top_keys);
	get_path(c, cfg->dir, root, "store", false, &cfg->store_path);
	get_path(c, cfg->dir, root, "output_dir", false, &cfg->output_dir);
	if (get_text(c, root, "base_url", &rule_url, &cfg->base_url) > 0) {
		size_t n = strlen(cfg->base_url);
		while (n && cfg->base_url[n - 1] == '/')
			cfg->base_url[--n] = '\0';
	}
	json_t *level = json_object_get(root, "log_level");
	enum log_level unused;
	if (level && !(json_is_string(level) && log_level_parse(json_string_value(level), &unused))) {
		size_t mark = key_push(c, "log_level");
		expected(c, level, "one of \"error\", \"warn\", \"info\" or \"debug\"");
		key_pop(c, mark);
	} else if (level) {
		free(cfg->log_level);
		cfg->log_level = mem_strdup(json_string_value(level));
	}

	json_t *nets = get_named(c, root, "networks", "an object of IRC networks by name");
	const char *name;
	json_t *v;
	if (nets) {
		cfg->networks = mem_calloc(json_object_size(nets), sizeof *cfg->networks);
		json_object_foreach(nets, name, v) {
			struct config_network *net = &cfg->networks[cfg->n_networks++];
			net->name = mem_strdup(name);
			size_t m1 = key_push(c, "networks"), m2 = key_push(c, name);
			check_name(c, name, "network");
			parse_network(c, cfg->dir, v, net);
			key_pop(c, m2);
			key_pop(c, m1);
		}
	}
	json_t *chats = get_named(c, root, "chats", "an object of chats by name");
	if (chats) {
		cfg->chats = mem_calloc(json_object_size(chats), sizeof *cfg->chats);
		json_object_foreach(chats, name, v) {
			struct config_chat *chat = &cfg->chats[cfg->n_chats++];
			chat->name = mem_strdup(name);
			size_t m1 = key_push(c, "chats"), m2 = key_push(c, name);
			check_name(c, name, "chat");
			parse_chat(c, cfg, v, chat);
			key_pop(c, m2);
			key_pop(c, m1);
		}
	}
	check_duplicate_rooms(c, cfg);
}

/* Appends jansson's message with control characters and broken UTF-8
 * (it quotes the offending input) made harmless. */
static void put_json_error(struct buf *b, const char *text)
{
	struct buf clean = BUF_INIT;
	utf8_sanitize(&clean, text, strnlen(text, JSON_ERROR_TEXT_LENGTH));
	for (size_t i = 0; i < clean.len; i++) {
		unsigned char ch = (unsigned char)clean.p[i];
		buf_addc(b, ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
	}
	buf_free(&clean);
}

int config_load_string(const char *path, const char *json, size_t len, struct config **out,
		       struct buf *err)
{
	struct buf scratch = BUF_INIT;
	struct ctx c = {.file = path, .err = err ? err : &scratch};
	struct config *cfg = mem_calloc(1, sizeof *cfg);
	json_t *root = NULL;
	*out = NULL;

	cfg->path = mem_strdup(path);
	cfg->dir = config_dir_of(path);
	if (!cfg->dir) {
		report(&c, "cannot find the configuration's directory: %s", strerror(errno));
		goto fail;
	}
	cfg->store_path = path_resolve(cfg->dir, "rounds.db");
	cfg->output_dir = path_resolve(cfg->dir, "transcripts");
	cfg->log_level = mem_strdup("info");

	json_error_t jerr;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		c.n_errors++;
		if (jerr.line >= 0)
			buf_printf(c.err, "%s:%d:%d: invalid JSON: ", path, jerr.line, jerr.column);
		else
			buf_printf(c.err, "%s: invalid JSON: ", path);
		put_json_error(c.err, jerr.text);
		buf_addc(c.err, '\n');
		goto fail;
	}
	parse_root(&c, root, cfg);
	if (c.n_errors)
		goto fail;
	json_decref(root);
	buf_free(&c.key);
	buf_free(&scratch);
	*out = cfg;
	return 0;

fail:
	if (c.n_errors > CONFIG_MAX_ERRORS)
		buf_printf(c.err, "%s: %d more errors not shown\n", path,
			   c.n_errors - CONFIG_MAX_ERRORS);
	json_decref(root);
	buf_free(&c.key);
	buf_free(&scratch);
	config_free(cfg);
	return -1;
}

int config_load(const char *path, struct config **out, struct buf *err)
{
	struct buf scratch = BUF_INIT, text = BUF_INIT;
	struct buf *e = err ? err : &scratch;
	struct stat st;
	const char *why = NULL;
	int rc = -1;
	*out = NULL;
	int fd = open_regular(path, &st, &why);
	if (fd < 0) {
		buf_printf(e, "%s: cannot read the configuration: %s\n", path, why);
		goto done;
	}
	if (st.st_size > CONFIG_MAX_FILE) {
		buf_printf(e, "%s: the configuration is larger than 1 MiB; is this the right file?\n",
			   path);
		goto done;
	}
	for (;;) {
		buf_reserve(&text, 4096);
		ssize_t n = read(fd, text.p + text.len, text.cap - text.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(e, "%s: cannot read the configuration: %s\n", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		text.len += (size_t)n;
		if (text.len > CONFIG_MAX_FILE) {
			buf_printf(e, "%s: the configuration is larger than 1 MiB; is this the "
				      "right file?\n", path);
			goto done;
		}
	}
	rc = config_load_string(path, buf_str(&text), text.len, out, e);
done:
	if (fd >= 0)
		close(fd);
	buf_free(&text);
	buf_free(&scratch);
	return rc;
}

/* ---- explain / free / lookups ------------------------------------------------ */

/* Config text shown in a terminal: control characters become '?'. */
static void put_plain(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void put_list(struct buf *b, char **v, size_t n)
{
	if (!n)
		buf_adds(b, "none");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(b, ", ");
		put_plain(b, v[i]);
	}
}

/* host:port, with an IPv6 literal in brackets. */
static void put_host_port(struct buf *b, const struct config_network *n)
{
	bool v6 = strchr(n->host, ':') != NULL;
	buf_adds(b, v6 ? "[" : "");
	put_plain(b, n->host);
	buf_printf(b, "%s:%d", v6 ? "]" : "", n->port);
}

static void explain_network(const struct config_network *n, struct buf *out)
{
	buf_adds(out, "network ");
	put_plain(out, n->name);
	buf_adds(out, ": IRC at ");
	put_host_port(out, n);
	if (!n->tls)
		buf_adds(out, ", TLS off (plain text)");
	else if (!n->tls_verify)
		buf_adds(out, ", TLS on, certificate NOT verified");
	else if (n->ca_file)
		buf_adds(out, ", TLS on, certificate verified against the CA file below");
	else
		buf_adds(out, ", TLS on, certificate verified against the system trust store");
	if (n->websocket) {
		buf_printf(out, ", over WebSocket (%s://", n->tls ? "wss" : "ws");
		put_host_port(out, n);
		put_plain(out, n->ws_path);
		buf_adds(out, ", origin ");
		put_plain(out, n->ws_origin);
		buf_adds(out, ", subprotocols ");
		put_list(out, n->ws_subprotocols, n->n_ws_subprotocols);
		buf_addc(out, ')');
	}
	if (n->tls && n->tls_verify && n->ca_file) {
		buf_adds(out, "\n  CA file ");
		put_plain(out, n->ca_file);
	}
	buf_adds(out, "\n  nick ");
	put_plain(out, n->nick);
	buf_adds(out, ", username ");
	put_plain(out, n->username);
	buf_adds(out, ", real name \"");
	put_plain(out, n->realname);
	buf_adds(out, "\"\n  ");
	if (n->sasl_account) {
		buf_adds(out, "SASL login as ");
		put_plain(out, n->sasl_account);
		buf_adds(out, ", password from ");
		put_plain(out, n->sasl_password_source);
	} else {
		buf_adds(out, "no SASL login (the bot will not be identified to services)");
	}
	buf_printf(out, "\n  sends at most %d lines at once, then %g per second; reconnects "
			"after %g to %g seconds; pings after %g seconds of silence\n",
		   n->pace_burst, n->pace_per_second, n->reconnect_min_seconds,
		   n->reconnect_max_seconds, n->ping_seconds);
}

static void explain_chat(const struct config_chat *ch, struct buf *out)
{
	buf_adds(out, "chat ");
	put_plain(out, ch->name);
	buf_adds(out, ": \"");
	put_plain(out, ch->title);
	buf_adds(out, "\" in ");
	put_plain(out, ch->room);
	buf_adds(out, " on ");
	put_plain(out, ch->network);
	buf_adds(out, "\n  hosts: ");
	put_list(out, ch->hosts, ch->n_hosts);
	buf_adds(out, "; cohosts: ");
	put_list(out, ch->cohosts, ch->n_cohosts);
	buf_printf(out, "; channel operators %s moderators\n",
		   ch->ops_are_moderators ? "are also" : "are not");
	double planned = config_chat_planned_minutes(ch);
	buf_printf(out, "  %zu topic%s, %g minutes planned (%g of introductions + %g of topics); "
			"a warning %g minutes before each topic ends; may overrun by %g minutes "
			"(%g at most)\n",
		   ch->n_agenda, ch->n_agenda == 1 ? "" : "s", planned, ch->intro_minutes,
		   planned - ch->intro_minutes, ch->warning_minutes, ch->overrun_grace_minutes,
		   planned + ch->overrun_grace_minutes);
	for (size_t i = 0; i < ch->n_agenda; i++) {
		buf_printf(out, "    T%zu (%g min) ", i + 1, ch->agenda[i].minutes);
		put_plain(out, ch->agenda[i].text);
		buf_addc(out, '\n');
	}
	buf_adds(out, "  commands start with \"");
	put_plain(out, ch->prefix);
	buf_printf(out, "\"; disclaimer %s; rules %s\n", ch->disclaimer ? "posted" : "off",
		   ch->rules ? "posted" : "none");
}

void config_explain(const struct config *cfg, struct buf *out)
{
	buf_adds(out, "configuration ");
	put_plain(out, cfg->path);
	buf_addc(out, '\n');
	for (size_t i = 0; i < cfg->n_networks; i++)
		explain_network(&cfg->networks[i], out);
	for (size_t i = 0; i < cfg->n_chats; i++)
		explain_chat(&cfg->chats[i], out);
	buf_adds(out, "store: ");
	put_plain(out, cfg->store_path);
	buf_adds(out, "\ntranscripts: ");
	put_plain(out, cfg->output_dir);
	buf_addc(out, '\n');
	if (cfg->base_url) {
		buf_adds(out, "wrap-up links: ");
		put_plain(out, cfg->base_url);
		buf_adds(out, "/...\n");
	} else
		buf_adds(out, "wrap-up links: none (no base_url; the wrap-up names the file)\n");
	buf_printf(out, "log level: %s\n", cfg->log_level);
}

static void free_network(struct config_network *n)
{
	free(n->name);
	free(n->host);
	free(n->ca_file);
	free(n->ws_path);
	free(n->ws_origin);
	free_strings(n->ws_subprotocols, n->n_ws_subprotocols);
	free(n->nick);
	free(n->username);
	free(n->realname);
	free(n->sasl_account);
	free_secret(n->sasl_password);
	free(n->sasl_password_source);
}

static void free_chat(struct config_chat *ch)
{
	free(ch->name);
	free(ch->network);
	free(ch->room);
	free(ch->title);
	free_strings(ch->hosts, ch->n_hosts);
	free_strings(ch->cohosts, ch->n_cohosts);
	free(ch->welcome);
	free(ch->disclaimer);
	free(ch->rules);
	free(ch->prefix);
	for (size_t i = 0; i < ch->n_agenda; i++)
		free(ch->agenda[i].text);
	free(ch->agenda);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_networks; i++)
		free_network(&cfg->networks[i]);
	free(cfg->networks);
	for (size_t i = 0; i < cfg->n_chats; i++)
		free_chat(&cfg->chats[i]);
	free(cfg->chats);
	free(cfg->path);
	free(cfg->dir);
	free(cfg->store_path);
	free(cfg->output_dir);
	free(cfg->base_url);
	free(cfg->log_level);
	free(cfg);
}

const struct config_chat *config_chat_by_name(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_chats; i++)
		if (strcmp(cfg->chats[i].name, name) == 0)
			return &cfg->chats[i];
	return NULL;
}

double config_chat_planned_minutes(const struct config_chat *chat)
{
	double m = chat->intro_minutes;
	for (size_t i = 0; i < chat->n_agenda; i++)
		m += chat->agenda[i].minutes;
	return m;
}
