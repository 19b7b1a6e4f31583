/* Built against a newer minor (1.99) than the bot offers: refused. */
#include "rounds-plugin.h"

static int init(struct rounds_host *h, const struct rounds_api *api, const char **errmsg)
{
	__builtin_trap();
}

ROUNDS_PLUGIN_EXPORT const struct rounds_plugin rounds_plugin = {
	1, 99, sizeof(struct rounds_plugin), "minor", "1.99", "a newer minor ABI", init, NULL};
