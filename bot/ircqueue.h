/* ircqueue: a FIFO of outgoing IRC lines. A line may be held back until a
 * channel is joined; lines behind it that are ready still go. */
#ifndef ROUNDS_IRCQUEUE_H
#define ROUNDS_IRCQUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct ircqueue_line {
	struct ircqueue_line *next;
	char *hold;    /* folded channel the line waits for, or NULL */
	size_t len;
	char text[];   /* NUL-terminated */
};

struct ircqueue {
	struct ircqueue_line *head, *tail;
	size_t count;
};

#define IRCQUEUE_INIT {NULL, NULL, 0}

void ircqueue_push(struct ircqueue *q, const char *line, size_t len, const char *hold);
/* First line whose hold is NULL or for which ready(ud, hold) is true. */
struct ircqueue_line *ircqueue_first_ready(const struct ircqueue *q,
					   bool (*ready)(void *ud, const char *hold), void *ud);
/* Unlinks and frees a line returned by ircqueue_first_ready(). */
void ircqueue_remove(struct ircqueue *q, struct ircqueue_line *line);
/* Drops the oldest line; used to bound the queue. */
void ircqueue_drop_oldest(struct ircqueue *q);
void ircqueue_clear(struct ircqueue *q);

#endif
