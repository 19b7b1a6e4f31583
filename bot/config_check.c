/* config_check.c: the checking machinery of the config loader, for
 * config.c (config_check.h): error messages that name the file, the key path
 * and what was expected; the key path itself; unknown keys with "did you
 * mean"; typed getters for booleans, numbers, strings, string arrays and
 * objects; the text rules strings are held to; path resolution and safe
 * reading of files (the config itself, CA files, password files). What keys
 * exist and what they mean is config.c's business. */
#include "config_check.h"

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

#include "mem.h"
#include "utf8.h"

enum {
	CONFIG_MAX_PASSWORD = 1024,  /* first line of a password file */
	CONFIG_SHOW_STRING = 40,     /* bytes of a string value quoted in errors */
	CONFIG_SHOW_KEY = 40,        /* bytes of a key quoted in a key path */
};

#define PASSWORD_REFUSED "passwords are never stored in the config: use password_env or password_file"

/* ---- messages ---------------------------------------------------------- */

void config_check_report(struct config_check_ctx *c, const char *fmt, ...)
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
void config_check_put_quoted(struct buf *b, const char *s, size_t n)
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
			config_check_put_quoted(b, s, n);
			buf_adds(b, " (a string)");
		} else {
			size_t cut = utf8_clip(s, n, CONFIG_SHOW_STRING - 8), bad = cut;
			config_check_put_quoted(b, s, cut);
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
void config_check_expected(struct config_check_ctx *c, const json_t *v, const char *fmt, ...)
{
	struct buf what = BUF_INIT, got = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&what, fmt, ap);
	va_end(ap);
	describe(&got, v);
	config_check_report(c, "expected %s, got %s", buf_str(&what), buf_str(&got));
	buf_free(&what);
	buf_free(&got);
}

/* ---- key path ------------------------------------------------------------ */

static bool is_name_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

bool config_check_is_name(const char *s, size_t n, size_t max)
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
size_t config_check_key_push(struct config_check_ctx *c, const char *key)
{
	size_t mark = c->key.len, n = strlen(key);
	if (config_check_is_name(key, n, CONFIG_SHOW_KEY)) {
		buf_printf(&c->key, "%s%s", mark ? "." : "", key);
	} else {
		size_t cut = utf8_clip(key, n, CONFIG_SHOW_KEY);
		buf_addc(&c->key, '[');
		config_check_put_quoted(&c->key, key, cut);
		if (cut < n) {
			c->key.len--;
			buf_adds(&c->key, "...\"");
		}
		buf_addc(&c->key, ']');
	}
	return mark;
}

size_t config_check_key_push_index(struct config_check_ctx *c, size_t i)
{
	size_t mark = c->key.len;
	buf_printf(&c->key, "[%zu]", i);
	return mark;
}

void config_check_key_pop(struct config_check_ctx *c, size_t mark)
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
void config_check_check_keys(struct config_check_ctx *c, json_t *obj, const char *const *known, size_t n_known,
		   const char *password_hint)
{
	const char *key;
	json_t *v;
	for (size_t i = 1; i < n_known; i++)
		if (strcmp(known[i - 1], known[i]) >= 0) {
			/* a table edited out of order would refuse good configs */
			fprintf(stderr, "rounds: internal error: config key table not sorted at \"%s\"\n",
				known[i]);
			abort();
		}
	json_object_foreach(obj, key, v) {
		if (bsearch(&key, known, n_known, sizeof *known, cmp_key))
			continue;
		size_t mark = config_check_key_push(c, key);
		if (password_hint && strcmp(key, "password") == 0) {
			config_check_report(c, PASSWORD_REFUSED "%s", password_hint);
			config_check_key_pop(c, mark);
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
			config_check_report(c, "unknown key (did you mean \"%s\"?)", best);
		} else {
			struct buf list = BUF_INIT;
			for (size_t i = 0; i < n_known; i++)
				buf_printf(&list, "%s%s", i ? ", " : "", known[i]);
			config_check_report(c, "unknown key (known keys here: %s)", buf_str(&list));
			buf_free(&list);
		}
		config_check_key_pop(c, mark);
	}
}

void config_check_missing(struct config_check_ctx *c, const char *key, const char *what)
{
	config_check_report(c, "missing required key \"%s\" (%s)", key, what);
}

/* ---- typed getters --------------------------------------------------------
 * Each returns 1 when the key is present and valid (*out set), 0 when it is
 * absent (*out untouched: the default stays), -1 when it is invalid (the
 * error is reported). */

int config_check_get_bool(struct config_check_ctx *c, json_t *obj, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 1;
	}
	size_t mark = config_check_key_push(c, key);
	config_check_expected(c, v, "true or false");
	config_check_key_pop(c, mark);
	return -1;
}

int config_check_get_int(struct config_check_ctx *c, json_t *obj, const char *key, int lo, int hi, int *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi) {
		*out = (int)json_integer_value(v);
		return 1;
	}
	size_t mark = config_check_key_push(c, key);
	config_check_expected(c, v, "an integer from %d to %d", lo, hi);
	config_check_key_pop(c, mark);
	return -1;
}

int config_check_get_number(struct config_check_ctx *c, json_t *obj, const char *key, const struct config_check_range *r,
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
	size_t mark = config_check_key_push(c, key);
	if (!r->lo_open)
		config_check_expected(c, v, "a number from %g to %g", r->lo, r->hi);
	else if (json_is_number(v) && low)
		config_check_expected(c, v, "a number greater than %g", r->lo);
	else if (json_is_number(v))
		config_check_expected(c, v, "a number at most %g", r->hi);
	else
		config_check_expected(c, v, "a number greater than %g and at most %g", r->lo, r->hi);
	config_check_key_pop(c, mark);
	return -1;
}

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
	return config_check_is_name(s, n, n) && !strchr(s, '-') && !(s[0] >= '0' && s[0] <= '9');
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

/* "@localpart:server" (sigil, a non-empty localpart, a colon, a server) */
static bool ok_matrix_id(const char *s, size_t n, char sigil)
{
	const char *colon = memchr(s, ':', n);
	return n >= 4 && s[0] == sigil && colon && colon > s + 1 && colon < s + n - 1 && ok_plain(s, n);
}

static bool ok_matrix_user(const char *s, size_t n)
{
	return ok_matrix_id(s, n, '@');
}

static bool ok_matrix_room(const char *s, size_t n)
{
	return ok_matrix_id(s, n, '#') || ok_matrix_id(s, n, '!');
}

const struct config_check_text_rule config_check_rule_matrix_user = {
	"a Matrix user id such as \"@alice:example.org\"", 4, 255, ok_matrix_user};
const struct config_check_text_rule config_check_rule_matrix_room = {
	"a Matrix room alias such as \"#hcsm:example.org\" or a room id such as "
	"\"!abc123:example.org\"", 4, 255, ok_matrix_room};

const struct config_check_text_rule config_check_rule_path = {
	"a non-empty file path (no control characters)", 1, PATH_MAX - 1, ok_text_path};
const struct config_check_text_rule config_check_rule_url = {
	"an http:// or https:// URL without spaces", 8, 2000, ok_url};
const struct config_check_text_rule config_check_rule_host = {
	"a hostname or IP address (at most 253 letters, digits, \".\", \"-\", \"_\" or \":\")",
	1, 253, ok_host};
const struct config_check_text_rule config_check_rule_nick = {
	"an IRC nick (1 to 30 characters: a letter or one of []\\`_^{|} first, then letters, "
	"digits, \"-\" or those)",
	1, 30, ok_nick};
const struct config_check_text_rule config_check_rule_username = {
	"a username of 1 to 10 characters without spaces or \"@\"", 1, 10, ok_username};
const struct config_check_text_rule config_check_rule_realname = {
	"a real name of 1 to 100 bytes without control characters", 1, 100, ok_text};
const struct config_check_text_rule config_check_rule_account = {
	"an account name (1 to 100 bytes, no spaces or control characters)", 1, 100, ok_plain};
const struct config_check_text_rule config_check_rule_env = {
	"an environment variable name (letters, digits and \"_\", not starting with a digit)",
	1, 255, ok_env};
const struct config_check_text_rule config_check_rule_ws_path = {
	"a path starting with \"/\" (no spaces or control characters)", 1, 2000, ok_ws_path};
const struct config_check_text_rule config_check_rule_origin = {
	"an origin such as \"https://irc.example.org\" (no spaces or control characters)",
	1, 2000, ok_plain};
const struct config_check_text_rule config_check_rule_subprotocol = {
	"a non-empty WebSocket subprotocol name (no spaces, commas or control characters)",
	1, 200, ok_subprotocol};
const struct config_check_text_rule config_check_rule_network_ref = {"the name of a network", 1, 32, NULL};
const struct config_check_text_rule config_check_rule_room = {
	"an IRC channel name (starting with \"#\" or \"&\", 2 to 50 bytes, no spaces, commas or "
	"control characters)",
	2, 50, ok_room};
const struct config_check_text_rule config_check_rule_title = {
	"a title of 1 to 200 bytes without line breaks or control characters", 1, 200, ok_text};
const struct config_check_text_rule config_check_rule_message = {
	"a text of at most 2000 bytes without line breaks or control characters (\"\" for none)",
	0, 2000, ok_text};
const struct config_check_text_rule config_check_rule_prefix = {
	"1 to 3 punctuation characters such as \"!\" (no letters, digits or spaces)", 1, 3,
	ok_prefix};
const struct config_check_text_rule config_check_rule_topic = {
	"a topic text of 1 to 400 bytes without line breaks or control characters", 1, 400,
	ok_text};

static bool text_fits(const json_t *v, const struct config_check_text_rule *r)
{
	if (!json_is_string(v))
		return false;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	return n >= r->min && n <= r->max && strlen(s) == n && (!r->ok || r->ok(s, n));
}

/* Checks v against r, reporting at the current key path; returns a copy. */
static char *take_text(struct config_check_ctx *c, const json_t *v, const struct config_check_text_rule *r)
{
	if (text_fits(v, r))
		return mem_strdup(json_string_value(v));
	config_check_expected(c, v, "%s", r->what);
	return NULL;
}

/* On success frees the previous *out (a default) and sets the copy. */
int config_check_get_text(struct config_check_ctx *c, json_t *obj, const char *key, const struct config_check_text_rule *r,
		char **out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	size_t mark = config_check_key_push(c, key);
	char *s = take_text(c, v, r);
	config_check_key_pop(c, mark);
	if (!s)
		return -1;
	free(*out);
	*out = s;
	return 1;
}

void config_check_free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* An array of strings, each checked against r; at least min of them. */
int config_check_get_text_array(struct config_check_ctx *c, json_t *obj, const char *key, const char *what,
		      const struct config_check_text_rule *r, size_t min, char ***out, size_t *n_out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	size_t mark = config_check_key_push(c, key);
	if (!json_is_array(v) || json_array_size(v) < min) {
		config_check_expected(c, v, "%s", what);
		config_check_key_pop(c, mark);
		return -1;
	}
	size_t n = json_array_size(v), ok = 0;
	char **list = mem_calloc(n, sizeof *list);
	for (size_t i = 0; i < n; i++) {
		size_t m = config_check_key_push_index(c, i);
		list[i] = take_text(c, json_array_get(v, i), r);
		ok += list[i] != NULL;
		config_check_key_pop(c, m);
	}
	config_check_key_pop(c, mark);
	if (ok < n) {
		config_check_free_strings(list, n);
		return -1;
	}
	config_check_free_strings(*out, *n_out);
	*out = list;
	*n_out = n;
	return 1;
}

/* An object member, or NULL (reported) when it is present but not an object. */
json_t *config_check_get_object(struct config_check_ctx *c, json_t *obj, const char *key, const char *what)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_object(v))
		return v;
	size_t mark = config_check_key_push(c, key);
	config_check_expected(c, v, "%s", what);
	config_check_key_pop(c, mark);
	return NULL;
}

/* ---- files --------------------------------------------------------------- */

/* Joins dir and p unless p is absolute, dropping "." components and
 * doubled slashes (".." is kept: the file system knows better). */
char *config_check_path_resolve(const char *dir, const char *p)
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
char *config_check_config_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *rel = slash ? mem_strndup(path, slash == path ? 1 : (size_t)(slash - path))
			  : mem_strdup(".");
	char *abs = NULL;
	if (rel[0] == '/') {
		abs = config_check_path_resolve("/", rel);
	} else {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof cwd))
			abs = config_check_path_resolve(cwd, rel);
	}
	free(rel);
	return abs;
}

/* Opens an existing regular file for reading without blocking on a FIFO.
 * Returns the descriptor, or -1 with *why set to a static reason. */
int config_check_open_regular(const char *path, struct stat *st, const char **why)
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
char *config_check_read_password_file(const char *path, mode_t *mode, const char **why)
{
	struct stat st;
	int fd = config_check_open_regular(path, &st, why);
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

void config_check_free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

/* "expected WHAT, got "given" (/abs/given: why)"; paths are quoted so a
 * control character in one cannot garble the terminal. */
void config_check_report_file(struct config_check_ctx *c, const char *what, const char *given, const char *abs,
		    const char *why)
{
	struct buf g = BUF_INIT, a = BUF_INIT;
	config_check_put_quoted(&g, given, strlen(given));
	config_check_put_quoted(&a, abs, strlen(abs));
	a.p[a.len - 1] = '\0'; /* escaped, but without the quotes */
	if (strcmp(given, abs) != 0)
		config_check_report(c, "expected %s, got %s (%s: %s)", what, g.p, a.p + 1, why);
	else
		config_check_report(c, "expected %s, got %s (%s)", what, g.p, why);
	buf_free(&g);
	buf_free(&a);
}

/* A path key: resolved against the config's directory; when must_open,
 * the file must exist and be readable now. */
int config_check_get_path(struct config_check_ctx *c, const char *dir, json_t *obj, const char *key, bool must_open,
		char **out)
{
	char *given = NULL;
	int r = config_check_get_text(c, obj, key, &config_check_rule_path, &given);
	if (r <= 0)
		return r;
	char *abs = config_check_path_resolve(dir, given);
	if (must_open) {
		struct stat st;
		const char *why = NULL;
		int fd = config_check_open_regular(abs, &st, &why);
		if (fd < 0) {
			size_t mark = config_check_key_push(c, key);
			config_check_report_file(c, "a readable file", given, abs, why);
			config_check_key_pop(c, mark);
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
