/* fake_api: a test table for one plugin linked statically into a test
 * (DESIGN.md §4). It implements struct rounds_api without the bot: hooks
 * are kept in arrays, decisions, replies, posts, logs and summary sections
 * are captured as text for the test to assert on. Standalone: it needs only
 * the public header and jansson (for the plugin's config).
 *
 * Every string it returns is owned by the fake and valid until the next
 * call of the same kind, or until fake_free(). */
#ifndef ROUNDS_TEST_FAKE_API_H
#define ROUNDS_TEST_FAKE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rounds-plugin.h"

struct fake;

/* Loads plugin p with config_json (NULL: "{}") for chat "testchat":
 * checks the descriptor like the bot does, calls init. Returns NULL if
 * init failed (its errmsg is in fake_last_error()). */
struct fake *fake_new(const struct rounds_plugin *p, const char *config_json);
/* The errmsg of the last failed fake_new(), or NULL. */
const char *fake_last_error(void);
/* Calls fini, then destroys every hook still registered. */
void fake_free(struct fake *f);

struct fake_msg {
	const char *nick;     /* default "alice" */
	const char *account;  /* NULL: not logged in */
	const char *text;
	int64_t ts_ms;
	int round;            /* default 0 is fine: the intro */
	int64_t elapsed_ms;
	int64_t remaining_ms; /* 0 is taken as "INT64_MAX" (no chat end) unless set_remaining */
	bool set_remaining;
	unsigned flags;       /* ROUNDS_MSG_* */
};

struct fake_span {
	size_t start, end;
};

/* Like the bot: each decide() call is a verdict of its own. */
struct fake_decision {
	enum rounds_verdict verdict; /* the most severe decided (REDACT if only spans) */
	char reason[512];            /* the reason given with it */
	enum rounds_verdict all[8];  /* every decide() call, in order */
	size_t n_all;
	bool hide;                   /* one of them is ROUNDS_HIDE */
	struct fake_span spans[64];
	size_t n_spans;
	bool decided; /* decide() or redact() was called */
};

/* Runs every moderate hook on m; the decision the plugin made. */
struct fake_decision fake_moderate(struct fake *f, const struct fake_msg *m);
/* m->text with the decision's spans replaced by "[redacted]" (the way the
 * transcript shows them). */
const char *fake_redacted(struct fake *f, const char *text, const struct fake_decision *d);

/* Runs the plugin's command `name`. Returns false if it has no such
 * command. Replies (one per reply() call, '\n'-joined) in *reply. */
bool fake_command(struct fake *f, const char *name, const struct fake_msg *m, const char *args,
		  const char **reply);
/* The commands registered: "name|usage|help|moderators_only" lines. */
const char *fake_commands(struct fake *f);

void fake_event(struct fake *f, const struct rounds_event *e);
/* Fires every timer hook once; returns how many. */
size_t fake_fire_timers(struct fake *f);
/* How many hooks of each kind are registered (alive). */
size_t fake_hooks(struct fake *f, const char *kind); /* "moderate", "command", "event", "summary", "timer" */

/* What the plugin logged ("LEVEL: text\n" lines) and posted (say). */
const char *fake_log(struct fake *f);
const char *fake_said(struct fake *f);

/* A transcript to summarise. */
struct fake_summary {
	const char *title;
	const struct rounds_summary_message *messages;
	size_t n_messages;
	const struct rounds_summary_round *rounds;
	size_t n_rounds;
	const struct rounds_summary_participant *participants;
	size_t n_participants;
};

/* Runs every summary hook on s and returns the sections it added, as text:
 *   "## TITLE\n"
 *   "P: paragraph\n"
 *   "L: text <url>\n" (one per list item; " <url>" only with a url)
 *   "T: cell | cell | cell\n" (one per table row, header first)
 * Urls that are not plain http(s) are dropped, like the bot does. */
const char *fake_summarize(struct fake *f, const struct fake_summary *s);

#endif
