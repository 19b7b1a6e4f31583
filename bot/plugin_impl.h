/* plugin_impl.h: PRIVATE to the plugin host (bot/plugin.c, the loader and
 * dispatch, and bot/plugin_api.c, the table plugins call). Everything else
 * uses plugin.h. */
#ifndef ROUNDS_PLUGIN_IMPL_H
#define ROUNDS_PLUGIN_IMPL_H

#include <jansson.h>
#include <libwebsockets.h>

#include "plugin.h"

enum {
	PLUGIN_MAX_HOOKS = 64,      /* per instance */
	PLUGIN_MAX_SPANS = 64,      /* redactions per decision */
	PLUGIN_MAX_DECIDE = 8,      /* decide() calls kept per plugin and line */
	PLUGIN_MAX_TEXT = 4000,     /* bytes of one string a plugin hands over */
	PLUGIN_MAX_REPLIES = 20,    /* reply() calls per command */
	PLUGIN_MIN_TIMER_MS = 100,
};

enum plugin_hook_kind { HOOK_MODERATE, HOOK_COMMAND, HOOK_EVENT, HOOK_SUMMARY, HOOK_TIMER };

struct plugin_hook {
	struct rounds_host *owner;
	enum plugin_hook_kind kind;
	int id;
	bool dead;          /* unhooked: reaped once no dispatch is running */
	union {
		rounds_moderate_fn moderate;
		rounds_command_fn command;
		rounds_event_fn event;
		rounds_summary_fn summary;
		rounds_timer_fn timer;
	} fn;
	void *ud;
	rounds_destroy_fn destroy;
	/* command */
	char *name, *usage, *help;
	bool moderators_only;
	/* timer */
	lws_sorted_usec_list_t sul;
	int64_t every_ms;
	struct plugin_hook *next;
};

/* Arrays config_strings() handed out, kept until the instance goes. */
struct plugin_strings {
	char *key;
	const char **items;
	size_t n;
	struct plugin_strings *next;
};

/* One plugin loaded for one chat. */
struct rounds_host {
	struct plugins *host;
	char *chat;
	char *name;         /* the descriptor's */
	char *instance;     /* "name@chat" */
	char *file;
	void *dl;
	const struct rounds_plugin *desc;
	json_t *config;
	struct buf warned;  /* "\nkey\n" of config keys already complained about */
	struct plugin_strings *strings;
	struct plugin_hook *hooks;
	size_t n_hooks;
	int next_id;
	bool dead;          /* unloaded: reaped with its hooks after dispatch */
	bool in_init;
	struct rounds_host *next;
};

/* One plugin's decision about one line: each decide() call is a verdict
 * of its own (at most PLUGIN_MAX_DECIDE are kept), plus the spans to blank. */
struct rounds_decision {
	enum rounds_verdict verdicts[PLUGIN_MAX_DECIDE];
	struct buf reasons[PLUGIN_MAX_DECIDE];
	size_t n;
	size_t spans[PLUGIN_MAX_SPANS][2];
	size_t n_spans;
	size_t text_len;
};

struct rounds_reply {
	void (*fn)(void *ud, const char *text);
	void *ud;
	int count;
};

struct rounds_summary {
	struct transcript *t;
	struct rounds_host *h;
	const size_t *replies;  /* per message: lines that answer it */
	size_t first_section;   /* sections before this one are not the plugin's */
};

struct plugins {
	struct plugin_env env;
	struct rounds_host *instances; /* in load order */
	int depth;          /* dispatches on the stack */
	bool dirty;         /* something is marked dead */
	struct rounds_decision decision;
};

/* plugin.c */
/* Adds a hook to h (checked by the caller). Returns its id or -1. */
int plugin_hook_add(struct rounds_host *h, enum plugin_hook_kind kind, void *ud,
		    rounds_destroy_fn destroy, struct plugin_hook **out);
void plugin_hook_remove(struct rounds_host *h, int id);
/* Arms a timer hook on the host's loop. */
void plugin_timer_arm(struct plugin_hook *k);
/* Strips what a plugin's text must not carry (bad UTF-8, control
 * characters but '\n' when keep_newlines) and bounds it. */
void plugin_clean_text(struct buf *out, const char *s, bool keep_newlines);

/* plugin_api.c */
extern const struct rounds_api plugin_api_table;

#endif
