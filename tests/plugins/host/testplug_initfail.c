/* init registers a hook, then fails: the hook goes (its destructor runs)
 * and the plugin is refused with the reason it gave. */
#include <stdio.h>

#include "rounds-plugin.h"

static void release(void *ud)
{
	int *counter = ud;
	if (counter)
		(*counter)++;
}

static void on_event(void *ud, const struct rounds_event *e)
{
	__builtin_trap(); /* never called */
}

static int init(struct rounds_host *h, const struct rounds_api *api, const char **errmsg)
{
	void *p = NULL;
	const char *counter = api->config_string(h, "counter", NULL);
	if (counter)
		sscanf(counter, "%p", &p);
	api->hook_event(h, on_event, p, release);
	api->hook_timer(h, 100, (rounds_timer_fn)release, NULL, NULL);
	*errmsg = "no word list configured";
	return -1;
}

ROUNDS_PLUGIN_DEFINE("initfail", "1.0", "fails its init", init, NULL);
