/* session_impl.h: PRIVATE to the chat session (session.c: the state
 * machine; session_save.c: saving and restoring a running chat). Every
 * other module uses session.h. */
#ifndef ROUNDS_SESSION_IMPL_H
#define ROUNDS_SESSION_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "session.h"
#include "strmap.h"

struct topic {
	char *text;
	double minutes;
};

struct session {
	const struct config_chat *cfg;
	struct session_hooks hooks;
	enum session_phase phase;
	bool paused;
	char *title;
	int64_t opened_ms;
	int64_t phase_end_ms;   /* deadline of the intro or round (when not paused) */
	int64_t remaining_ms;   /* time left in the phase while paused */
	int64_t paused_at_ms;
	int64_t planned_end_ms; /* opening + intro + topics + extensions + pauses */
	bool warned;
	struct topic *upcoming; /* [0] is next */
	size_t n_upcoming, cap_upcoming;
	struct session_round *rounds;
	size_t n_rounds, cap_rounds;
	char **cohosts;         /* added with !cohost */
	size_t n_cohosts, cap_cohosts;
	uint64_t messages;
	struct strmap participants;
	struct buf say;
};

/* Empty the upcoming topics, the rounds, the co-hosts added (the arrays
 * are kept for reuse). */
void session_clear_upcoming(struct session *s);
void session_clear_rounds(struct session *s);
void session_clear_cohosts(struct session *s);

#endif
