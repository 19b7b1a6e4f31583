/* rounds-plugin.h: the rounds plugin ABI, version 1.0.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * ROUNDS_PLUGIN_SYMBOL: a const struct rounds_plugin (use
 * ROUNDS_PLUGIN_DEFINE). The bot dlopen()s it with RTLD_NOW | RTLD_LOCAL
 * and checks the descriptor — ABI major equal, minor not newer than the
 * bot's, size, name — before any code of the plugin runs; a plugin that
 * fails a check, or whose init fails, is reported (file, reason, both
 * versions) and the bot carries on without it.
 *
 * The plugin reaches the bot only through the table of functions it is
 * given at init (struct rounds_api); it needs no symbol from the bot.
 * The table is append-only and starts with its own size: a plugin built
 * against a newer header tests ROUNDS_API_HAS(api, member) before calling
 * anything added after what the bot offers.
 *
 * Ownership: everything the bot hands over is borrowed, valid during the
 * call; strings a plugin passes to the bot are copied by it; nothing
 * allocated on one side is freed on the other. Every hook is registered
 * with user data and a destructor, and the bot removes (and destroys)
 * whatever a plugin registered when it unloads it. A plugin may be loaded
 * once per chat (each with its own configuration): keep state in user
 * data, not in static variables.
 *
 * Threads: all calls happen on the bot's one event loop thread; a plugin
 * must not block (no network calls, no sleeps). */
#ifndef ROUNDS_PLUGIN_H
#define ROUNDS_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ROUNDS_PLUGIN_ABI_MAJOR 1
#define ROUNDS_PLUGIN_ABI_MINOR 0
#define ROUNDS_PLUGIN_SYMBOL "rounds_plugin"

#if defined(__GNUC__)
#define ROUNDS_PLUGIN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ROUNDS_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define ROUNDS_PLUGIN_PRINTF(f, a)
#define ROUNDS_PLUGIN_EXPORT
#endif

/* What moderation decides about a line, from mild to severe (the values
 * are stored: append only). Every plugin's moderate hooks run on every
 * line, and every verdict is stored with the plugin's name and reason.
 * What they do is combined: every REDACT span is blanked and any HIDE
 * takes the line out of published transcripts, and the most severe of
 * WARN, MUTE, KICK and BAN is done to the sender — never to a host, a
 * co-host or the bot. */
enum rounds_verdict {
	ROUNDS_ALLOW = 0,  /* nothing to say */
	ROUNDS_FLAG = 1,   /* note it for the moderators (stored, logged) */
	ROUNDS_REDACT = 2, /* blank the spans given with rounds_api.redact() */
	ROUNDS_HIDE = 3,   /* "[removed by a moderator]" in transcripts */
	ROUNDS_WARN = 4,   /* tell the sender privately (the reason is what they read) */
	ROUNDS_MUTE = 5,   /* silence the sender in the room, where the network can */
	ROUNDS_KICK = 6,   /* remove the sender from the room */
	ROUNDS_BAN = 7,    /* keep the sender out of the room */
};

enum rounds_log { ROUNDS_LOG_ERROR, ROUNDS_LOG_WARN, ROUNDS_LOG_INFO, ROUNDS_LOG_DEBUG };

/* Opaque handles, owned by the bot. */
struct rounds_host;     /* this plugin instance */
struct rounds_decision; /* a decision being made about one line */
struct rounds_reply;    /* where a command's answer goes */
struct rounds_summary;  /* a transcript being summarised */

/* A line said in a chat's room, to moderate or run as a command. Structs
 * the bot passes start with their size: fields are only ever appended. */
struct rounds_message {
	size_t size;
	const char *network;  /* the network's name in the config */
	const char *chat;     /* the chat's name in the config */
	const char *room;
	const char *nick;
	const char *account;  /* NULL when not logged in */
	const char *text;     /* valid UTF-8, IRC formatting removed */
	size_t text_len;
	int64_t ts_ms;        /* UTC milliseconds */
	int round;            /* -1 no chat running, 0 introductions, N topic N */
	int64_t elapsed_ms;   /* since the chat opened; -1 if none is running */
	int64_t remaining_ms; /* until its planned end (negative past it); INT64_MAX if none */
	unsigned flags;       /* ROUNDS_MSG_* */
};

#define ROUNDS_MSG_MODERATOR 1u /* a host, co-host or moderating operator */
#define ROUNDS_MSG_ACTION 2u    /* a /me action */
#define ROUNDS_MSG_REPLAY 4u    /* history the server replayed (said earlier, maybe while the
				 * bot was away): moderate what is published, but rate limits
				 * should not count it; no sanction follows */

enum rounds_event_kind {
	ROUNDS_CHAT_STARTED,
	ROUNDS_CHAT_ENDED,
	ROUNDS_ROUND_STARTED,
	ROUNDS_ROUND_ENDED,
};

struct rounds_event {
	size_t size;
	enum rounds_event_kind kind;
	const char *network, *chat, *room;
	const char *title;    /* the chat's title */
	int round;            /* round events: its number; chat events: 0 */
	const char *topic;    /* round events: its topic; else NULL */
	int64_t ts_ms;
};

/* A line of the transcript being summarised (what is published: opted-out
 * people's lines are not there at all; removed and redacted lines carry
 * the markers instead of their text). */
struct rounds_summary_message {
	size_t size;
	const char *sender;   /* as published (a pseudonym where the chat uses them) */
	const char *text;
	int round;            /* 0 introductions, N topic N, -1 after the last topic */
	int64_t ts_ms;
	bool bot;             /* the bot's own line */
	long parent;          /* the line it answers (an index), or -1 */
	size_t replies;       /* lines that answer it */
	size_t participant;   /* index of its sender among the participants; (size_t)-1 for the bot */
	bool removed;         /* hidden by moderation: text is "[removed by a moderator]" */
	bool redacted;        /* spans of text are "[redacted]" */
	size_t reactions;     /* reactions people added to it (Matrix); 0 elsewhere */
};

struct rounds_summary_round {
	size_t size;
	int number;
	const char *topic;
	int64_t started_ms, ended_ms; /* ended_ms 0 if not recorded */
	size_t messages;
};

struct rounds_summary_participant {
	size_t size;
	const char *name;     /* as published */
	size_t messages;
	bool first_time;      /* no line of theirs in an earlier chat of this room */
};

typedef void (*rounds_destroy_fn)(void *ud);
typedef void (*rounds_moderate_fn)(void *ud, const struct rounds_message *m,
				   struct rounds_decision *d);
typedef void (*rounds_command_fn)(void *ud, const struct rounds_message *m, const char *args,
				  struct rounds_reply *r);
typedef void (*rounds_event_fn)(void *ud, const struct rounds_event *e);
typedef void (*rounds_summary_fn)(void *ud, struct rounds_summary *s);
typedef void (*rounds_timer_fn)(void *ud);

/* The bot's side. Members are only ever appended; `size` is
 * sizeof(struct rounds_api) as the bot was built. */
struct rounds_api {
	size_t size;
	unsigned abi_major, abi_minor; /* the bot's */

	/* ---- 1.0 ---------------------------------------------------------- */
	void (*log)(struct rounds_host *h, enum rounds_log level, const char *fmt, ...)
		ROUNDS_PLUGIN_PRINTF(3, 4);
	const char *(*instance_name)(struct rounds_host *h); /* "flood@hcsm" */

	/* The plugin's configuration: the "config" object given to it in the
	 * chat's "plugins" list. key is a dotted path ("limits.burst"). A
	 * missing key, or one of another type, gives the fallback (and is
	 * logged once). Strings are borrowed until fini. */
	const char *(*config_string)(struct rounds_host *h, const char *key, const char *fallback);
	double (*config_number)(struct rounds_host *h, const char *key, double fallback);
	bool (*config_bool)(struct rounds_host *h, const char *key, bool fallback);
	/* An array of strings: returns how many, and sets *items (borrowed
	 * until fini). Non-strings in it are skipped. */
	size_t (*config_strings)(struct rounds_host *h, const char *key, const char *const **items);

	/* Hooks. Each returns an id for unhook (> 0), or -1 when refused
	 * (logged: a bad name, too many); a refused hook keeps nothing and its
	 * destroy is not called. destroy(ud), if given, runs when the hook
	 * goes: at unhook, or when the plugin unloads (after fini). */
	int (*hook_moderate)(struct rounds_host *h, rounds_moderate_fn fn, void *ud,
			     rounds_destroy_fn destroy);
	/* A command people type as PREFIX+name (lowercase letters, not one of
	 * the bot's own). usage and help are shown by !help. */
	int (*hook_command)(struct rounds_host *h, const char *name, const char *usage,
			    const char *help, bool moderators_only, rounds_command_fn fn, void *ud,
			    rounds_destroy_fn destroy);
	int (*hook_event)(struct rounds_host *h, rounds_event_fn fn, void *ud, rounds_destroy_fn destroy);
	int (*hook_summary)(struct rounds_host *h, rounds_summary_fn fn, void *ud,
			    rounds_destroy_fn destroy);
	/* Calls fn every every_ms (at least 100 ms) until unhooked. */
	int (*hook_timer)(struct rounds_host *h, int64_t every_ms, rounds_timer_fn fn, void *ud,
			  rounds_destroy_fn destroy);
	/* Removes a hook; safe at any time, even from inside that hook. */
	void (*unhook)(struct rounds_host *h, int id);

	/* Moderation: record a verdict about the line (reason copied; for WARN
	 * to BAN it is what the sender reads). Call it once per verdict: e.g.
	 * HIDE and then WARN take a line out of the transcript and tell its
	 * sender why. ALLOW records nothing. */
	void (*decide)(struct rounds_decision *d, enum rounds_verdict verdict, const char *reason);
	/* Blank text[start, end) in published transcripts (byte offsets; stored
	 * as a REDACT verdict; widened to whole characters). */
	void (*redact)(struct rounds_decision *d, size_t start, size_t end);

	/* Commands: answer the person privately (text is copied, split into
	 * lines as needed). */
	void (*reply)(struct rounds_reply *r, const char *text);
	/* Post in the chat's room (paced like the bot's own posts). */
	int (*say)(struct rounds_host *h, const char *text);

	/* Summaries: read the transcript ... (for the *_message, *_round and
	 * *_participant getters, set out->size = sizeof *out first: the bot
	 * fills the fields both sides know and zeroes the rest; they return
	 * false for an index out of range) */
	const char *(*summary_title)(const struct rounds_summary *s);
	size_t (*summary_messages)(const struct rounds_summary *s);
	bool (*summary_message)(const struct rounds_summary *s, size_t i,
				struct rounds_summary_message *out);
	size_t (*summary_rounds)(const struct rounds_summary *s);
	bool (*summary_round)(const struct rounds_summary *s, size_t i, struct rounds_summary_round *out);
	size_t (*summary_participants)(const struct rounds_summary *s);
	bool (*summary_participant)(const struct rounds_summary *s, size_t i,
				    struct rounds_summary_participant *out);
	/* ... and add a titled section to it, made of blocks (texts copied;
	 * a url that is not plain http(s) is dropped). */
	size_t (*section)(struct rounds_summary *s, const char *title);
	void (*paragraph)(struct rounds_summary *s, size_t section, const char *text);
	void (*list)(struct rounds_summary *s, size_t section, const char *const *texts,
		     const char *const *urls, size_t n);
	/* cells: rows x cols strings, row 0 the header. */
	void (*table)(struct rounds_summary *s, size_t section, const char *const *cells,
		      size_t rows, size_t cols);
};

/* Does the bot's table have this member? */
#define ROUNDS_API_HAS(api, member) \
	((api)->size >= offsetof(struct rounds_api, member) + sizeof((api)->member))

/* The plugin's side: its one exported symbol. */
struct rounds_plugin {
	unsigned abi_major;  /* ROUNDS_PLUGIN_ABI_MAJOR the plugin was built with */
	unsigned abi_minor;
	size_t size;         /* sizeof(struct rounds_plugin) */
	const char *name;    /* unique: 1-32 of [a-z0-9_-] */
	const char *version; /* the plugin's own version, for people */
	const char *description;
	/* Register hooks; return 0, or -1 with *errmsg set to a reason that
	 * stays valid (a string literal). Nothing registered on failure stays. */
	int (*init)(struct rounds_host *h, const struct rounds_api *api, const char **errmsg);
	/* Called before unloading (hooks are removed by the bot afterwards). May be NULL. */
	void (*fini)(struct rounds_host *h);
};

/* Defines the exported descriptor:
 *   ROUNDS_PLUGIN_DEFINE("flood", "1.0", "per-sender rate limits", my_init, my_fini); */
#define ROUNDS_PLUGIN_DEFINE(name_, version_, description_, init_, fini_) \
	ROUNDS_PLUGIN_EXPORT const struct rounds_plugin rounds_plugin = { \
		ROUNDS_PLUGIN_ABI_MAJOR, ROUNDS_PLUGIN_ABI_MINOR, sizeof(struct rounds_plugin), \
		name_, version_, description_, init_, fini_}

#ifdef __cplusplus
}
#endif

#endif
