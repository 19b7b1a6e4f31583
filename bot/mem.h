/* mem: the one allocation wrapper. Every allocation in rounds goes through
 * here; out of memory is not recoverable for a bot, so these abort with a
 * message instead of returning NULL. */
#ifndef ROUNDS_MEM_H
#define ROUNDS_MEM_H

#include <stddef.h>

void *mem_alloc(size_t n);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *p, size_t n);
/* Grows an array to hold at least `want` elements of `size` bytes;
 * *cap is updated. Amortised doubling. */
void *mem_grow(void *p, size_t *cap, size_t want, size_t size);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);
/* Duplicates s, or returns NULL for NULL. */
char *mem_strdup_opt(const char *s);

#endif
