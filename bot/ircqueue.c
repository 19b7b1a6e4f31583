#include "ircqueue.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

void ircqueue_push(struct ircqueue *q, const char *line, size_t len, const char *hold)
{
	struct ircqueue_line *l = mem_alloc(sizeof *l + len + 1);
	l->next = NULL;
	l->hold = mem_strdup_opt(hold);
	l->len = len;
	memcpy(l->text, line, len);
	l->text[len] = '\0';
	if (q->tail)
		q->tail->next = l;
	else
		q->head = l;
	q->tail = l;
	q->count++;
}

struct ircqueue_line *ircqueue_first_ready(const struct ircqueue *q,
					   bool (*ready)(void *ud, const char *hold), void *ud)
{
	for (struct ircqueue_line *l = q->head; l; l = l->next)
		if (!l->hold || ready(ud, l->hold))
			return l;
	return NULL;
}

void ircqueue_remove(struct ircqueue *q, struct ircqueue_line *line)
{
	struct ircqueue_line **pp = &q->head, *prev = NULL;
	while (*pp && *pp != line) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = line->next;
	if (q->tail == line)
		q->tail = prev;
	q->count--;
	free(line->hold);
	free(line);
}

void ircqueue_drop_oldest(struct ircqueue *q)
{
	if (q->head)
		ircqueue_remove(q, q->head);
}

void ircqueue_clear(struct ircqueue *q)
{
	while (q->head)
		ircqueue_remove(q, q->head);
}
