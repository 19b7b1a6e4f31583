/* strmap: an open-addressing hash map from strings (copied, owned by the
 * map) to borrowed pointers. Used for nick tables and participant sets. */
#ifndef ROUNDS_STRMAP_H
#define ROUNDS_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap_slot {
	char *key; /* NULL: empty */
	void *value;
	size_t hash;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t count;
};

#define STRMAP_INIT {NULL, 0, 0}

/* Value for key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);
bool strmap_has(const struct strmap *m, const char *key);
/* Sets key to value; returns the previous value or NULL. */
void *strmap_put(struct strmap *m, const char *key, void *value);
/* Removes key; returns its value or NULL. */
void *strmap_del(struct strmap *m, const char *key);
/* Iteration: for (size_t i = 0; strmap_next(m, &i, &k, &v);) */
bool strmap_next(const struct strmap *m, size_t *iter, const char **key, void **value);
/* Frees the keys and the table (not the values). */
void strmap_clear(struct strmap *m);

#endif
