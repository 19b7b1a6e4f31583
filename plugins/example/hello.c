/* hello: the smallest useful plugin, and the one to copy. It is built out
 * of the source tree against the installed header (see Makefile):
 *
 *   make PKG_CONFIG_PATH=/usr/local/lib/pkgconfig
 *   rounds check-plugin ./hello.so
 *
 * It adds a "!hello" command and says when each topic starts how many
 * people have answered so far. All state lives in user data handed to the
 * hooks with its destructor, so the plugin can be loaded for several chats. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <rounds-plugin.h>

struct hello {
	const struct rounds_api *api;
	struct rounds_host *host;
	const char *greeting; /* borrowed from the config until fini */
	unsigned lines;       /* lines seen since the last topic */
	int refs;             /* hooks sharing this struct */
};

static void release(void *ud)
{
	struct hello *h = ud;
	if (--h->refs == 0)
		free(h);
}

static void command(void *ud, const struct rounds_message *m, const char *args, struct rounds_reply *r)
{
	struct hello *h = ud;
	char text[300];
	(void)args;
	snprintf(text, sizeof text, "%s, %s! (%u lines since the last topic)", h->greeting, m->nick,
		 h->lines);
	h->api->reply(r, text);
}

static void moderate(void *ud, const struct rounds_message *m, struct rounds_decision *d)
{
	struct hello *h = ud;
	(void)d;
	if (!(m->flags & ROUNDS_MSG_REPLAY))
		h->lines++; /* counts lines; decides nothing, so every line is allowed */
}

static void event(void *ud, const struct rounds_event *e)
{
	struct hello *h = ud;
	if (e->kind == ROUNDS_ROUND_STARTED)
		h->lines = 0;
}

static int init(struct rounds_host *host, const struct rounds_api *api, const char **errmsg)
{
	struct hello *h = calloc(1, sizeof *h);
	if (!h) {
		*errmsg = "out of memory";
		return -1;
	}
	h->api = api;
	h->host = host;
	h->greeting = api->config_string(host, "greeting", "Hello");
	/* one reference for init itself, one per hook that takes it */
	h->refs = 1;
	bool ok = api->hook_command(host, "hello", "", "a greeting", false, command, h, release) > 0;
	h->refs += ok;
	ok = ok && api->hook_moderate(host, moderate, h, release) > 0 && ++h->refs;
	ok = ok && api->hook_event(host, event, h, release) > 0 && ++h->refs;
	release(h);
	if (!ok) {
		*errmsg = "could not register its hooks";
		return -1; /* the bot removes those that were registered (running release) */
	}
	return 0;
}

ROUNDS_PLUGIN_DEFINE("hello", "1.0", "a !hello command: the example plugin", init, NULL);
