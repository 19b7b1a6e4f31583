#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

/* Index of key's slot, or of the empty slot where it would go. */
static size_t find(const struct strmap *m, const char *key, size_t h)
{
	size_t mask = m->cap - 1, i = h & mask;
	while (m->slots[i].key && (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
		i = (i + 1) & mask;
	return i;
}

static void grow(struct strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct strmap_slot *old = m->slots;
	size_t ocap = m->cap;
	m->slots = mem_calloc(ncap, sizeof *m->slots);
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].key)
			continue;
		size_t j = find(m, old[i].key, old[i].hash);
		m->slots[j] = old[i];
	}
	free(old);
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->count)
		return NULL;
	size_t i = find(m, key, hash_str(key));
	return m->slots[i].key ? m->slots[i].value : NULL;
}

bool strmap_has(const struct strmap *m, const char *key)
{
	if (!m->count)
		return false;
	return m->slots[find(m, key, hash_str(key))].key != NULL;
}

void *strmap_put(struct strmap *m, const char *key, void *value)
{
	if ((m->count + 1) * 4 > m->cap * 3)
		grow(m);
	size_t h = hash_str(key), i = find(m, key, h);
	if (m->slots[i].key) {
		void *old = m->slots[i].value;
		m->slots[i].value = value;
		return old;
	}
	m->slots[i].key = mem_strdup(key);
	m->slots[i].value = value;
	m->slots[i].hash = h;
	m->count++;
	return NULL;
}

void *strmap_del(struct strmap *m, const char *key)
{
	if (!m->count)
		return NULL;
	size_t mask = m->cap - 1, i = find(m, key, hash_str(key));
	if (!m->slots[i].key)
		return NULL;
	void *value = m->slots[i].value;
	free(m->slots[i].key);
	m->slots[i].key = NULL;
	m->count--;
	/* backward-shift the cluster that follows so lookups stay correct */
	for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;
		/* move j into the hole i if its home is not in (i, j] cyclically */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			m->slots[i] = m->slots[j];
			m->slots[j].key = NULL;
			i = j;
		}
	}
	return value;
}

bool strmap_next(const struct strmap *m, size_t *iter, const char **key, void **value)
{
	for (; *iter < m->cap; (*iter)++) {
		if (m->slots[*iter].key) {
			if (key)
				*key = m->slots[*iter].key;
			if (value)
				*value = m->slots[*iter].value;
			(*iter)++;
			return true;
		}
	}
	return false;
}

void strmap_clear(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}
