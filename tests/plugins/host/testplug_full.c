/* A test plugin that calls every function of the API table (ABI 1.0), for
 * tests/unit/test_plugin.c. What it saw goes out through say() and log();
 * the test counts destructor calls through a counter whose address it
 * passes in the config ("counter": "%p"), the only way a plugin and a test
 * share memory without the plugin needing a symbol from the test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rounds-plugin.h"

struct state {
	const struct rounds_api *api;
	struct rounds_host *h;
	int *counter;   /* the test's: destructors run */
	int refs;       /* hooks still holding this state */
	int moderate_id;
	int timer_id;
	int ticks;
};

static void release(void *ud)
{
	struct state *st = ud;
	if (st->counter)
		(*st->counter)++;
	if (--st->refs == 0)
		free(st);
}

static void moderate(void *ud, const struct rounds_message *m, struct rounds_decision *d)
{
	struct state *st = ud;
	const struct rounds_api *api = st->api;
	if (strstr(m->text, "hideme"))
		api->decide(d, ROUNDS_HIDE, "hidden by the test plugin");
	if (strstr(m->text, "warnme")) {
		api->decide(d, ROUNDS_HIDE, "hidden and warned");
		api->decide(d, ROUNDS_WARN, "please stop, says the test plugin");
	}
	if (strstr(m->text, "flagme"))
		api->decide(d, ROUNDS_FLAG, "flagged by the test plugin");
	if (strstr(m->text, "muteme"))
		api->decide(d, ROUNDS_MUTE, "muted by the test plugin");
	if (strstr(m->text, "kickme"))
		api->decide(d, ROUNDS_KICK, "kicked by the test plugin");
	if (strstr(m->text, "banme"))
		api->decide(d, ROUNDS_BAN, "banned by the test plugin");
	const char *phone = strstr(m->text, "555-0100");
	if (phone) {
		size_t at = (size_t)(phone - m->text);
		api->redact(d, at, at + 8);
		api->redact(d, at, m->text_len + 100); /* clamped to the text */
		api->decide(d, ROUNDS_WARN, "please keep phone numbers out of the chat");
	}
	if (strstr(m->text, "badverdict"))
		api->decide(d, (enum rounds_verdict)42, "not a verdict");
	if (strstr(m->text, "unhookme")) /* during dispatch: must be safe */
		api->unhook(st->h, st->moderate_id);
}

static void echo(void *ud, const struct rounds_message *m, const char *args, struct rounds_reply *r)
{
	struct state *st = ud;
	char line[600];
	snprintf(line, sizeof line, "echo from %s (%s, round %d%s): %s", m->nick,
		 m->account ? m->account : "no account", m->round,
		 m->flags & ROUNDS_MSG_MODERATOR ? ", moderator" : "", args);
	st->api->reply(r, line);
	st->api->reply(r, "second line\nthird line");
}

static void secret(void *ud, const struct rounds_message *m, const char *args, struct rounds_reply *r)
{
	struct state *st = ud;
	st->api->reply(r, "the secret is 42");
}

static void on_event(void *ud, const struct rounds_event *e)
{
	struct state *st = ud;
	static const char *const kinds[] = {"chat started", "chat ended", "round started", "round ended"};
	char line[600];
	snprintf(line, sizeof line, "event: %s, round %d, topic %s, title %s",
		 (unsigned)e->kind < 4 ? kinds[e->kind] : "?", e->round, e->topic ? e->topic : "-",
		 e->title ? e->title : "-");
	st->api->say(st->h, line);
}

static void summarize(void *ud, struct rounds_summary *s)
{
	struct state *st = ud;
	const struct rounds_api *api = st->api;
	size_t bot = 0, replies = 0, first = 0;
	char line[600];
	for (size_t i = 0; i < api->summary_messages(s); i++) {
		struct rounds_summary_message m = {.size = sizeof m};
		if (!api->summary_message(s, i, &m))
			return;
		bot += m.bot;
		replies += m.replies;
	}
	struct rounds_summary_message past = {.size = sizeof past};
	bool beyond = api->summary_message(s, api->summary_messages(s), &past);
	for (size_t i = 0; i < api->summary_participants(s); i++) {
		struct rounds_summary_participant p = {.size = sizeof p};
		api->summary_participant(s, i, &p);
		first += p.first_time;
	}
	size_t sec = api->section(s, "Test summary");
	snprintf(line, sizeof line, "%s: %zu messages (%zu from the bot, %zu replies), %zu rounds, "
				    "%zu participants (%zu first-time)%s",
		 api->summary_title(s), api->summary_messages(s), bot, replies, api->summary_rounds(s),
		 api->summary_participants(s), first, beyond ? " BEYOND" : "");
	api->paragraph(s, sec, line);
	for (size_t i = 0; i < api->summary_rounds(s); i++) {
		struct rounds_summary_round r = {.size = sizeof r};
		api->summary_round(s, i, &r);
		snprintf(line, sizeof line, "T%d %s: %zu messages", r.number, r.topic, r.messages);
		api->paragraph(s, sec, line);
	}
	const char *texts[] = {"good link", "bad link", "no link"};
	const char *urls[] = {"https://pubmed.ncbi.nlm.nih.gov/1/", "javascript:alert(1)", NULL};
	api->list(s, sec, texts, urls, 3);
	const char *cells[] = {"name", "count", "<b>x</b>", "1"};
	api->table(s, sec, cells, 2, 2);
	api->paragraph(s, sec + 100, "written to a section that is not mine");
}

static void tick(void *ud)
{
	struct state *st = ud;
	if (++st->ticks == 1)
		st->api->say(st->h, "tick");
}

static int init(struct rounds_host *h, const struct rounds_api *api, const char **errmsg)
{
	if (!ROUNDS_API_HAS(api, table)) {
		*errmsg = "the bot's API table is older than 1.0";
		return -1;
	}
	struct state *st = calloc(1, sizeof *st);
	if (!st) {
		*errmsg = "out of memory";
		return -1;
	}
	st->api = api;
	st->h = h;
	void *p = NULL;
	const char *counter = api->config_string(h, "counter", NULL);
	if (counter && sscanf(counter, "%p", &p) == 1)
		st->counter = p;
	const char *const *words;
	size_t n = api->config_strings(h, "words", &words);
	api->log(h, ROUNDS_LOG_INFO, "init %s: greeting=%s burst=%g loud=%d words=%zu first=%s "
				     "wrongtype=%g",
		 api->instance_name(h), api->config_string(h, "greeting", "hello"),
		 api->config_number(h, "limits.burst", 3), api->config_bool(h, "loud", false), n,
		 n ? words[0] : "-", api->config_number(h, "greeting", -1));
	st->refs = 7;
	st->moderate_id = api->hook_moderate(h, moderate, st, release);
	api->hook_command(h, "echo", "TEXT", "say TEXT back", false, echo, st, release);
	api->hook_command(h, "secret", "", "a moderators' secret", true, secret, st, release);
	api->hook_event(h, on_event, st, release);
	api->hook_summary(h, summarize, st, release);
	st->timer_id = api->hook_timer(h, 100, tick, st, release);
	/* refused ones: a built-in's name, a bad name, too short a timer */
	int a = api->hook_command(h, "next", "", "", false, echo, st, NULL);
	int b = api->hook_command(h, "Bad Name", "", "", false, echo, st, NULL);
	int c = api->hook_timer(h, 10, tick, st, NULL);
	/* a hook removed right away: its destructor runs, it is never called */
	int gone = api->hook_event(h, on_event, st, release);
	api->unhook(h, gone);
	api->log(h, ROUNDS_LOG_INFO, "refused: %d %d %d", a, b, c);
	return 0;
}

static void fini(struct rounds_host *h)
{
	(void)h;
}

ROUNDS_PLUGIN_DEFINE("full", "1.0.0", "calls every API function", init, fini);
