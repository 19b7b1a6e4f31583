#include "ircmsg.h"

#include <string.h>

#include "utf8.h"

static const char *const error_text[] = {
#define X(name, text) text,
	IRCMSG_ERRORS(X)
#undef X
};

const char *ircmsg_strerror(enum ircmsg_error e)
{
	if ((size_t)e >= sizeof error_text / sizeof error_text[0])
		return "unknown error";
	return error_text[e];
}

static bool tag_key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '/' || c == '.' || c == '+' || c == '_';
}

/* Unescapes a tag value in place (IRCv3 message-tags escaping). */
static void unescape_value(char *v)
{
	char *w = v;
	for (char *r = v; *r; r++) {
		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		r++;
		switch (*r) {
		case ':': *w++ = ';'; break;
		case 's': *w++ = ' '; break;
		case '\\': *w++ = '\\'; break;
		case 'r': *w++ = '\r'; break;
		case 'n': *w++ = '\n'; break;
		case '\0': r--; break; /* a lone trailing backslash is dropped */
		default: *w++ = *r; break;
		}
	}
	*w = '\0';
}

static enum ircmsg_error parse_tags(char *s, struct ircmsg *m)
{
	while (*s) {
		char *end = strchr(s, ';');
		if (end)
			*end = '\0';
		if (*s) {
			char *key = s, *value = strchr(s, '=');
			if (value)
				*value++ = '\0';
			if (!*key)
				return IRCMSG_BAD_TAGS;
			for (const char *k = key; *k; k++)
				if (!tag_key_char((unsigned char)*k))
					return IRCMSG_BAD_TAGS;
			if (value)
				unescape_value(value);
			else
				value = key + strlen(key); /* "" */
			size_t i;
			for (i = 0; i < m->n_tags; i++)
				if (strcmp(m->tags[i].key, key) == 0)
					break; /* a repeated key: the last one wins */
			if (i == m->n_tags) {
				if (m->n_tags == IRCMSG_MAX_TAGS)
					return IRCMSG_TOO_MANY_TAGS;
				m->n_tags++;
			}
			m->tags[i].key = key;
			m->tags[i].value = value;
		}
		if (!end)
			break;
		s = end + 1;
	}
	return IRCMSG_OK;
}

enum ircmsg_error ircmsg_parse(char *line, size_t len, struct ircmsg *m)
{
	m->n_tags = 0;
	m->n_params = 0;
	m->nick = m->user = m->host = m->command = NULL;
	if (len == 0)
		return IRCMSG_EMPTY;
	if (len > IRCMSG_MAX_LINE)
		return IRCMSG_TOO_LONG;
	if (memchr(line, '\0', len))
		return IRCMSG_NUL;
	line[len] = '\0';
	char *p = line, *end = line + len;

	if (*p == '@') {
		char *sp = memchr(p, ' ', len);
		if (!sp)
			return IRCMSG_BAD_TAGS;
		if (sp - p > IRCMSG_MAX_TAGS_LEN)
			return IRCMSG_TOO_LONG;
		*sp = '\0';
		enum ircmsg_error e = parse_tags(p + 1, m);
		if (e != IRCMSG_OK)
			return e;
		p = sp + 1;
	}
	while (*p == ' ')
		p++;
	if ((size_t)(end - p) > IRCMSG_MAX_BODY_LEN)
		return IRCMSG_TOO_LONG;

	if (*p == ':') {
		char *src = ++p;
		char *sp = strchr(p, ' ');
		if (!sp)
			return IRCMSG_BAD_SOURCE;
		*sp = '\0';
		p = sp + 1;
		char *at = strchr(src, '@');
		if (at) {
			*at = '\0';
			m->host = at + 1;
		}
		char *bang = strchr(src, '!');
		if (bang) {
			*bang = '\0';
			m->user = bang + 1;
		}
		if (!*src || (m->host && !*m->host) || (m->user && !*m->user))
			return IRCMSG_BAD_SOURCE;
		m->nick = src;
		while (*p == ' ')
			p++;
	}

	m->command = p;
	size_t alpha = 0, digit = 0;
	while (*p && *p != ' ') {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			alpha++;
		else if (*p >= '0' && *p <= '9')
			digit++;
		else
			return IRCMSG_BAD_COMMAND;
		p++;
	}
	if (!(alpha && !digit) && !(digit == 3 && !alpha))
		return IRCMSG_BAD_COMMAND;
	if (*p)
		*p++ = '\0';

	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (m->n_params == IRCMSG_MAX_PARAMS)
			return IRCMSG_TOO_MANY_PARAMS;
		if (*p == ':') {
			m->params[m->n_params++] = p + 1;
			break;
		}
		m->params[m->n_params++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return IRCMSG_OK;
}

const char *ircmsg_tag(const struct ircmsg *m, const char *key)
{
	for (size_t i = 0; i < m->n_tags; i++)
		if (strcmp(m->tags[i].key, key) == 0)
			return m->tags[i].value;
	return NULL;
}

const char *ircmsg_param(const struct ircmsg *m, size_t i)
{
	return i < m->n_params ? m->params[i] : NULL;
}

static void escape_value(struct buf *out, const char *v)
{
	for (; *v; v++) {
		switch (*v) {
		case ';': buf_add(out, "\\:", 2); break;
		case ' ': buf_add(out, "\\s", 2); break;
		case '\\': buf_add(out, "\\\\", 2); break;
		case '\r': buf_add(out, "\\r", 2); break;
		case '\n': buf_add(out, "\\n", 2); break;
		default: buf_addc(out, *v); break;
		}
	}
}

int ircmsg_build(struct buf *out, const struct ircmsg_tag *tags, size_t n_tags,
		 const char *command, const char *const *params, size_t n_params)
{
	if (!command || !*command || strpbrk(command, " \r\n:"))
		return -1;
	for (size_t i = 0; i < n_tags; i++) {
		if (!tags[i].key || !*tags[i].key)
			return -1;
		for (const char *k = tags[i].key; *k; k++)
			if (!tag_key_char((unsigned char)*k))
				return -1;
	}
	for (size_t i = 0; i < n_params; i++) {
		const char *p = params[i];
		if (!p || strpbrk(p, "\r\n"))
			return -1;
		if (i + 1 < n_params && (!*p || *p == ':' || strchr(p, ' ')))
			return -1;
	}
	size_t start = out->len;
	if (n_tags) {
		buf_addc(out, '@');
		for (size_t i = 0; i < n_tags; i++) {
			if (i)
				buf_addc(out, ';');
			buf_adds(out, tags[i].key);
			if (tags[i].value && *tags[i].value) {
				buf_addc(out, '=');
				escape_value(out, tags[i].value);
			}
		}
		buf_addc(out, ' ');
	}
	buf_adds(out, command);
	for (size_t i = 0; i < n_params; i++) {
		const char *p = params[i];
		buf_addc(out, ' ');
		if (i + 1 == n_params && (!*p || *p == ':' || strchr(p, ' ')))
			buf_addc(out, ':');
		buf_adds(out, p);
	}
	(void)start;
	return 0;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of the colour arguments after \x03 at s[0..n). */
static size_t colour_len(const unsigned char *s, size_t n)
{
	size_t i = 0;
	if (i < n && is_digit(s[i])) {
		i++;
		if (i < n && is_digit(s[i]))
			i++;
		if (i + 1 < n && s[i] == ',' && is_digit(s[i + 1])) {
			i += 2;
			if (i < n && is_digit(s[i]))
				i++;
		}
	}
	return i;
}

/* Length of the hex colour arguments after \x04 at s[0..n). */
static size_t hex_colour_len(const unsigned char *s, size_t n)
{
	size_t i = 0, k;
	for (k = 0; k < 6 && i + k < n && is_hex(s[i + k]); k++)
		;
	if (k < 6)
		return 0;
	i = 6;
	if (i < n && s[i] == ',') {
		for (k = 0; k < 6 && i + 1 + k < n && is_hex(s[i + 1 + k]); k++)
			;
		if (k == 6)
			i += 7;
	}
	return i;
}

size_t ircmsg_clean_text(struct buf *out, const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t before = out->len, run = 0, i = 0;
	buf_reserve(out, n);
	while (i < n) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t l = utf8_seq_len(s + i, n - i);
			if (l) {
				i += l;
				continue;
			}
		}
		buf_add(out, text + run, i - run);
		i++;
		if (c >= 0x80) {
			buf_add(out, "\xef\xbf\xbd", 3);
			while (i < n && (s[i] & 0xc0) == 0x80)
				i++;
		} else if (c == 0x03) {
			i += colour_len(s + i, n - i);
		} else if (c == 0x04) {
			i += hex_colour_len(s + i, n - i);
		} else if (c == '\t') {
			buf_addc(out, ' ');
		}
		/* other C0 codes (bold, italic, reset, ...) and DEL are dropped */
		run = i;
	}
	buf_add(out, text + run, n - run);
	return out->len - before;
}

static char fold_char(char c, enum ircmsg_casemapping cm)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c + ('a' - 'A'));
	if (cm == IRCMSG_CASE_ASCII)
		return c;
	switch (c) {
	case '[': return '{';
	case ']': return '}';
	case '\\': return '|';
	case '~': return cm == IRCMSG_CASE_RFC1459 ? '^' : c;
	default: return c;
	}
}

char *ircmsg_casefold(char *s, enum ircmsg_casemapping cm)
{
	for (char *p = s; *p; p++)
		*p = fold_char(*p, cm);
	return s;
}

bool ircmsg_caseeq(const char *a, const char *b, enum ircmsg_casemapping cm)
{
	for (; *a && *b; a++, b++)
		if (fold_char(*a, cm) != fold_char(*b, cm))
			return false;
	return *a == *b;
}

enum ircmsg_casemapping ircmsg_casemapping_parse(const char *s)
{
	if (s && strcmp(s, "ascii") == 0)
		return IRCMSG_CASE_ASCII;
	if (s && strcmp(s, "rfc1459-strict") == 0)
		return IRCMSG_CASE_RFC1459_STRICT;
	return IRCMSG_CASE_RFC1459;
}

static void split_line(const char *s, size_t n, size_t max,
		       void (*fn)(void *ud, const char *s, size_t n), void *ud)
{
	while (n) {
		while (n && *s == ' ' && n > max)
			s++, n--;
		if (n <= max) {
			fn(ud, s, n);
			return;
		}
		size_t cut = utf8_clip(s, n, max);
		/* prefer the last space in the final third of the chunk */
		size_t sp = cut;
		while (sp > cut * 2 / 3 && s[sp] != ' ')
			sp--;
		if (sp > cut * 2 / 3)
			cut = sp;
		if (cut == 0) /* max smaller than one character: emit it whole */
			cut = utf8_clip(s, n, 4) ? utf8_clip(s, n, 4) : 1;
		fn(ud, s, cut);
		s += cut, n -= cut;
		while (n && *s == ' ')
			s++, n--;
	}
}

void ircmsg_split(const char *text, size_t max, void (*fn)(void *ud, const char *s, size_t n),
		  void *ud)
{
	if (max == 0)
		max = 1;
	const char *p = text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		size_t m = n;
		if (m && p[m - 1] == '\r')
			m--;
		/* skip lines that are empty or only spaces: IRC cannot send them */
		size_t k = 0;
		while (k < m && p[k] == ' ')
			k++;
		if (k < m)
			split_line(p, m, max, fn, ud);
		if (!nl)
			break;
		p = nl + 1;
	}
}
