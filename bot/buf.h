/* buf: a growable byte buffer, always NUL-terminated after its contents. */
#ifndef ROUNDS_BUF_H
#define ROUNDS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;    /* NULL until first use; p[len] == '\0' once allocated */
	size_t len;
	size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Empties the buffer, keeping its memory. */
void buf_clear(struct buf *b);
/* Drops the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* The contents as a C string ("" when never written). Borrowed. */
const char *buf_str(const struct buf *b);
/* Hands the contents to the caller (free with free()); the buffer is reset. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
