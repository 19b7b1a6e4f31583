#include "command.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

typedef void (*command_fn)(struct command_context *ctx);

struct command {
	const char *name;
	enum command_role role;
	const char *usage;
	const char *help;
	command_fn fn;
};

static void reply(struct command_context *ctx, const char *text)
{
	if (ctx->reply)
		ctx->reply(ctx->ud, text);
}

/* Moderator commands answer the moderator when refused, or when the
 * session confirms privately; other successes are announced in the room. */
static void done(struct command_context *ctx, int rc, struct buf *why)
{
	(void)rc;
	if (why->len)
		reply(ctx, why->p);
	buf_free(why);
}

static void cmd_start(struct command_context *ctx)
{
	struct buf why = BUF_INIT;
	done(ctx, session_start(ctx->session, ctx->now, ctx->args, ctx->nick, &why), &why);
}

static void cmd_next(struct command_context *ctx)
{
	struct buf why = BUF_INIT;
	done(ctx, session_next(ctx->session, ctx->now, ctx->nick, &why), &why);
}

static void cmd_topic(struct command_context *ctx)
{
	struct buf why = BUF_INIT;
	done(ctx, session_insert_topic(ctx->session, ctx->now, ctx->args, ctx->nick, &why), &why);
}

static void cmd_extend(struct command_context *ctx)
{
	struct buf why = BUF_INIT;
	char *end = NULL;
	double minutes = *ctx->args ? strtod(ctx->args, &end) : 0;
	if (!end || *end)
		minutes = -1; /* not a number: let the session explain */
	done(ctx, session_extend(ctx->session, ctx->now, minutes, ctx->nick, &why), &why);
}

static void cmd_pause(struct command_context *ctx)
{
	struct buf why = BUF_INIT;
	done(ctx, session_pause(ctx->session, ctx->now, ctx->nick, &why), &why);
}

static void cmd_resume(struct command_context *ctx)
{
	struct buf why = BUF_INIT;
	done(ctx, session_resume(ctx->session, ctx->now, ctx->nick, &why), &why);
}

static void cmd_skip(struct command_context *ctx)
{
	struct buf why = BUF_INIT;
	done(ctx, session_skip(ctx->session, ctx->now, ctx->nick, &why), &why);
}

static void cmd_end(struct command_context *ctx)
{
	struct buf why = BUF_INIT;
	done(ctx, session_end(ctx->session, ctx->now, ctx->nick, &why), &why);
}

static void cmd_cohost(struct command_context *ctx)
{
	struct buf why = BUF_INIT;
	done(ctx, session_add_cohost(ctx->session, ctx->args, ctx->nick, &why), &why);
}

static void cmd_help(struct command_context *ctx)
{
	struct buf out = BUF_INIT;
	command_help(ctx->moderator, ctx->prefix, &out);
	if (ctx->plugin_help) {
		struct buf more = BUF_INIT;
		ctx->plugin_help(ctx->ud, ctx->moderator, &more);
		if (more.len)
			buf_printf(&out, "\nFrom plugins:\n%s", more.p);
		buf_free(&more);
	}
	reply(ctx, out.p);
	buf_free(&out);
}

static void cmd_agenda(struct command_context *ctx)
{
	struct buf out = BUF_INIT;
	session_describe_agenda(ctx->session, &out);
	reply(ctx, out.p);
	buf_free(&out);
}

static void cmd_time(struct command_context *ctx)
{
	struct buf out = BUF_INIT;
	session_describe_time(ctx->session, ctx->now, &out);
	reply(ctx, out.p);
	buf_free(&out);
}

static void cmd_optout(struct command_context *ctx)
{
	struct buf why = BUF_INIT;
	if (ctx->optout && !ctx->optout(ctx->ud, true, &why)) {
		reply(ctx, buf_str(&why));
		buf_free(&why);
		return;
	}
	buf_free(&why);
	struct buf out = BUF_INIT;
	buf_printf(&out, "Done: your messages will be left out of every published transcript%s. "
			 "Say %soptin to undo.",
		   ctx->account ? "" : " (by your nickname; log in to an account to make it stick)",
		   ctx->prefix);
	reply(ctx, out.p);
	buf_free(&out);
}

static void cmd_plugins(struct command_context *ctx)
{
	struct buf out = BUF_INIT;
	if (ctx->plugins)
		ctx->plugins(ctx->ud, &out);
	reply(ctx, out.len ? out.p : "No plugins are loaded for this chat.");
	buf_free(&out);
}

static void cmd_optin(struct command_context *ctx)
{
	struct buf why = BUF_INIT;
	if (ctx->optout && !ctx->optout(ctx->ud, false, &why))
		reply(ctx, buf_str(&why));
	else
		reply(ctx, "Done: your messages will appear in published transcripts again.");
	buf_free(&why);
}

static void cmd_when(struct command_context *ctx)
{
	struct buf out = BUF_INIT;
	if (ctx->when)
		ctx->when(ctx->ud, &out);
	if (!out.len)
		buf_printf(&out, "This chat has no schedule: a host opens it with %sstart.", ctx->prefix);
	reply(ctx, out.p);
	buf_free(&out);
}

static void cmd_remindme(struct command_context *ctx)
{
	bool off = strcasecmp(ctx->args, "off") == 0;
	if (*ctx->args && !off && strcasecmp(ctx->args, "on") != 0) {
		struct buf out = BUF_INIT;
		buf_printf(&out, "Say %sremindme to get a private reminder before each scheduled chat, "
				 "or %sremindme off to stop them.", ctx->prefix, ctx->prefix);
		reply(ctx, out.p);
		buf_free(&out);
		return;
	}
	struct buf out = BUF_INIT;
	if (!ctx->remindme)
		buf_adds(&out, "Reminders are not available here.");
	else
		ctx->remindme(ctx->ud, !off, &out);
	reply(ctx, out.p);
	buf_free(&out);
}

/* Sorted by name: looked up with bsearch. */
static const struct command commands[] = {
	{"agenda", COMMAND_ANYONE, "", "the topics of this chat", cmd_agenda},
	{"cohost", COMMAND_MODERATOR, "ACCOUNT", "make ACCOUNT a co-host for this chat", cmd_cohost},
	{"end", COMMAND_MODERATOR, "", "wrap up the chat now", cmd_end},
	{"extend", COMMAND_MODERATOR, "MIN", "give the current round MIN more minutes", cmd_extend},
	{"help", COMMAND_ANYONE, "", "this list", cmd_help},
	{"next", COMMAND_MODERATOR, "", "end this round and post the next topic now", cmd_next},
	{"optin", COMMAND_ANYONE, "", "include your messages in transcripts again", cmd_optin},
	{"optout", COMMAND_ANYONE, "", "leave your messages out of published transcripts", cmd_optout},
	{"pause", COMMAND_MODERATOR, "", "stop the clock", cmd_pause},
	{"plugins", COMMAND_MODERATOR, "", "the plugins loaded for this chat", cmd_plugins},
	{"remindme", COMMAND_ANYONE, "[off]", "a private reminder before each scheduled chat (off: stop)",
	 cmd_remindme},
	{"resume", COMMAND_MODERATOR, "", "start the clock again", cmd_resume},
	{"skip", COMMAND_MODERATOR, "", "drop the next topic without posting it", cmd_skip},
	{"start", COMMAND_MODERATOR, "[TITLE]", "open the chat (welcome, introductions, then T1)", cmd_start},
	{"time", COMMAND_ANYONE, "", "time left in this round", cmd_time},
	{"topic", COMMAND_MODERATOR, "TEXT", "post an extra topic TEXT now", cmd_topic},
	{"when", COMMAND_ANYONE, "", "when the next chat is", cmd_when},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static int command_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct command *)elem)->name);
}

static const struct command *find(const char *name)
{
	return bsearch(name, commands, N_COMMANDS, sizeof commands[0], command_cmp);
}

bool command_table_sorted(void);
/* For the unit tests: the table must stay sorted for bsearch. */
bool command_table_sorted(void)
{
	for (size_t i = 1; i < N_COMMANDS; i++)
		if (strcmp(commands[i - 1].name, commands[i].name) >= 0)
			return false;
	return true;
}

bool command_parse(const char *prefix, const char *text, char *name, size_t namecap,
		   const char **args)
{
	size_t pl = strlen(prefix);
	if (!pl || strncmp(text, prefix, pl) != 0 || namecap < 2)
		return false;
	const char *p = text + pl;
	size_t n = 0;
	while (p[n] && isalpha((unsigned char)p[n]))
		n++;
	if (!n || n >= namecap || (p[n] && p[n] != ' '))
		return false;
	for (size_t i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)p[i]);
	name[n] = '\0';
	const char *a = p + n;
	while (*a == ' ')
		a++;
	*args = a;
	return true;
}

bool command_exists(const char *name)
{
	return find(name) != NULL;
}

bool command_needs_chat(const char *name)
{
	return strcmp(name, "optout") != 0 && strcmp(name, "optin") != 0 && strcmp(name, "help") != 0;
}

bool command_dispatch(struct command_context *ctx, const char *name)
{
	const struct command *c = find(name);
	if (!c)
		return false;
	if (c->role == COMMAND_MODERATOR && !ctx->moderator) {
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "Sorry %s, only the hosts of this chat can use %s%s.", ctx->nick,
			   ctx->prefix, c->name);
		reply(ctx, msg.p);
		buf_clear(&msg);
		buf_printf(&msg, "refused %s%s from %s (%s%s%s)%s", ctx->prefix, c->name, ctx->nick,
			   ctx->account ? "account " : "not logged in", ctx->account ? ctx->account : "",
			   "", ctx->impersonation ? ": uses a host's name without the host's account" : "");
		if (ctx->audit)
			ctx->audit(ctx->ud, msg.p);
		buf_free(&msg);
		return true;
	}
	c->fn(ctx);
	return true;
}

void command_help(bool moderator, const char *prefix, struct buf *out)
{
	buf_adds(out, moderator ? "Commands (you are a moderator of this chat):"
				: "Commands (answers come to you privately):");
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < N_COMMANDS; i++) {
			const struct command *c = &commands[i];
			if ((int)c->role != pass || (c->role == COMMAND_MODERATOR && !moderator))
				continue;
			buf_printf(out, "\n%s%s%s%s — %s", prefix, c->name, *c->usage ? " " : "", c->usage,
				   c->help);
		}
	}
}
