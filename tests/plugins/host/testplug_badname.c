/* A descriptor whose name is not [a-z0-9_-]: refused. */
#include "rounds-plugin.h"

static int init(struct rounds_host *h, const struct rounds_api *api, const char **errmsg)
{
	__builtin_trap();
}

ROUNDS_PLUGIN_DEFINE("Bad Name!", "1", "", init, NULL);
