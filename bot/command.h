/* command: what people type to the bot ("!next", "!time"), as a sorted
 * table of names, roles, usage and help, with the role check in one place.
 * Moderator commands change the session, which announces the change in the
 * room; every answer to a person (help, agenda, time, opt-out, refusals)
 * goes to that person privately. */
#ifndef ROUNDS_COMMAND_H
#define ROUNDS_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "session.h"

enum command_role { COMMAND_ANYONE, COMMAND_MODERATOR };

struct command_context {
	struct session *session; /* NULL only for commands that need no chat */
	int64_t now;
	const char *prefix;   /* the chat's command prefix, for help texts */
	const char *nick;     /* who typed it */
	const char *account;  /* their account, NULL if none */
	bool moderator;       /* recognised as a moderator (by account or op) */
	bool impersonation;   /* uses a host's name without the host's account */
	const char *args;     /* text after the command name, trimmed */
	void *ud;
	/* A private answer to the sender. */
	void (*reply)(void *ud, const char *text);
	/* Something for the audit log (refusals): stored and logged. */
	void (*audit)(void *ud, const char *text);
	/* The sender opts out of (true) or back into (false) the transcripts.
	 * Returns false, with the reason in why, when that is refused. */
	bool (*optout)(void *ud, bool out, struct buf *why);
	/* Plugins (may be NULL): what is loaded for the chat (!plugins), and
	 * help lines for the commands they added, one per line. */
	void (*plugins)(void *ud, struct buf *out);
	void (*plugin_help)(void *ud, bool moderator, struct buf *out);
	/* Schedules (may be NULL): when the next chat is (!when), and a
	 * private reminder before each scheduled chat, on or off (!remindme).
	 * remindme appends its answer to out and returns false when refused. */
	void (*when)(void *ud, struct buf *out);
	bool (*remindme)(void *ud, bool on, struct buf *out);
};

/* If text is "<prefix>name args", copies the lowercased name into name
 * (size namecap), points *args at the trimmed arguments and returns true. */
bool command_parse(const char *prefix, const char *text, char *name, size_t namecap,
		   const char **args);
/* Is name a built-in command? */
bool command_exists(const char *name);
/* Does it need to know which chat it is about? (optout, optin and help do
 * not: they work in a private message on any network.) */
bool command_needs_chat(const char *name);
/* Runs a built-in command with its role check. Returns false if name is
 * not one (the caller may offer it to plugins). */
bool command_dispatch(struct command_context *ctx, const char *name);
/* The help text for a role, one line per command, '\n'-separated. */
void command_help(bool moderator, const char *prefix, struct buf *out);

#endif
