/* plugin_util.h: the small helpers the bundled plugins share. Internal to
 * this tree (not installed, not part of the plugin ABI: an out-of-tree
 * plugin needs only rounds-plugin.h). Running out of memory aborts, as it
 * does in the bot: a plugin could not do better than stop. */
#ifndef ROUNDS_PLUGIN_UTIL_H
#define ROUNDS_PLUGIN_UTIL_H

#include <stdlib.h>
#include <string.h>

static inline void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static inline void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

static inline char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xrealloc(NULL, n), s, n);
}

/* A growing string, always NUL-terminated once anything was added. */
struct str {
	char *p;
	size_t len, cap;
};

static inline void str_addn(struct str *s, const char *t, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->p = xrealloc(s->p, s->cap);
	}
	memcpy(s->p + s->len, t, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static inline void str_add(struct str *s, const char *t)
{
	str_addn(s, t, strlen(t));
}

/* The string, owned by the caller (an empty one if nothing was added);
 * s is empty again. */
static inline char *str_steal(struct str *s)
{
	char *p = s->p ? s->p : xcalloc(1, 1);
	*s = (struct str){0};
	return p;
}

#endif
