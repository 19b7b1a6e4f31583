/* plugin: the plugin host (DESIGN.md §4, plugins/rounds-plugin.h). It
 * loads each chat's plugins (one instance per chat and plugin, with that
 * chat's config for it), checks every descriptor before any plugin code
 * runs, hands out the API table, keeps the hooks plugins register and runs
 * them: moderation (collecting one decision per plugin), commands, chat
 * and round events, transcript summaries and timers.
 *
 * Unhooking and unloading are safe at any time, even from inside a hook:
 * a removed hook or instance is only marked, and reaped (destructors run,
 * then dlclose) once no dispatch is on the stack.
 *
 * The host knows nothing of IRC or the store: what a plugin may do to the
 * world (post in a room) goes through struct plugin_env, and what
 * moderation decided comes back as a struct plugin_outcome for the bot to
 * store and act on. */
#ifndef ROUNDS_PLUGIN_HOST_H
#define ROUNDS_PLUGIN_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "rounds-plugin.h"

struct lws_context;
struct transcript;
struct plugins;

/* What the bot offers plugins. */
struct plugin_env {
	void *ud;
	/* The loop timers run on; NULL (offline: exporting) keeps timers idle. */
	struct lws_context *ctx;
	/* Post text in the chat's room, paced. Returns 0 or -1. May be NULL. */
	int (*say)(void *ud, const char *chat, const char *text);
};

struct plugins *plugins_new(const struct plugin_env *env);
/* Unloads everything (fini, destructors, dlclose) and frees the host. */
void plugins_free(struct plugins *p);

/* Loads the plugin cp for chat (a chat's name in the config). On refusal
 * (not loadable, no descriptor, another ABI, a bad or duplicate name, init
 * failed) returns -1 with one line for a person in err: the file, the
 * reason and, for an ABI mismatch, both versions. */
int plugins_load(struct plugins *p, const char *chat, const struct config_plugin *cp,
		 struct buf *err);
/* Loads every plugin of every chat, logging each refusal; returns how many
 * were refused. */
size_t plugins_load_config(struct plugins *p, const struct config *cfg);
/* Unloads every instance of chat (NULL: of all chats). */
void plugins_unload_chat(struct plugins *p, const char *chat);
/* Instances loaded (alive) for chat, NULL for all. */
size_t plugins_count(const struct plugins *p, const char *chat);

/* One plugin's verdict on a line (strings owned by the outcome). */
struct plugin_verdict {
	const char *plugin;  /* instance's plugin name */
	enum rounds_verdict verdict;
	const char *reason;  /* "" if none given */
	const char *spans;   /* REDACT: "[[start,end],...]", else NULL */
};

/* What moderation decided about one line. Reused between lines: keep one
 * and pass it to each plugins_moderate() call; plugin_outcome_free() at
 * the end. */
struct plugin_outcome {
	struct plugin_verdict *verdicts; /* one per plugin that decided something */
	size_t n;
	/* The most severe of WARN, MUTE, KICK and BAN (ROUNDS_ALLOW if none),
	 * and the reason the sender reads: that verdict's. */
	enum rounds_verdict sanction;
	const char *sanction_reason;
	const char *sanction_plugin;
	bool hide, redact;   /* some plugin hid the line / redacted spans of it */
	/* private */
	size_t cap;
	struct buf strings;
	size_t *offsets;
};

/* Runs the moderate hooks of m->chat's instances, in config order, and
 * fills out (emptied first). Returns out->n. */
size_t plugins_moderate(struct plugins *p, const struct rounds_message *m, struct plugin_outcome *out);
void plugin_outcome_free(struct plugin_outcome *out);
/* Has any instance of chat a moderate hook? (skip building messages if not) */
bool plugins_moderates(const struct plugins *p, const char *chat);

/* Commands plugins added. plugins_has_command: is name one of chat's? */
bool plugins_has_command(const struct plugins *p, const char *chat, const char *name);
/* Runs it. Moderator-only commands are refused (answered) for others.
 * reply(ud, text) answers the person privately. Returns false if chat has
 * no such command. */
bool plugins_command(struct plugins *p, const struct rounds_message *m, const char *name,
		     const char *args, void (*reply)(void *ud, const char *text), void *ud);
/* Help lines for chat's plugin commands ("!name usage — help"), for !help. */
void plugins_help(const struct plugins *p, const char *chat, bool moderator, const char *prefix,
		  struct buf *out);
/* What is loaded for chat, one line per instance, for !plugins. */
void plugins_describe(const struct plugins *p, const char *chat, struct buf *out);

/* Chat and round events to chat's instances. */
void plugins_event(struct plugins *p, const struct rounds_event *e);

/* Runs chat's summary hooks on a transcript about to be rendered: each
 * section they add is appended to t. */
void plugins_summarize(struct plugins *p, const char *chat, struct transcript *t);

/* The same, as the summarize callback of site_options and export_render
 * (ud: the struct plugins; the chat is the transcript's chat.name). */
void plugins_summarize_cb(void *ud, struct transcript *t);
/* What the summary sections depend on, for the archive's fingerprints:
 * each summary plugin's chat, name, version and config. */
void plugins_summary_key(const struct plugins *p, struct buf *out);

/* The table handed to plugins (for tests that want to inspect it). */
const struct rounds_api *plugins_api(void);

#endif
