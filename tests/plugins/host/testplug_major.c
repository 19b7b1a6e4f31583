/* Built for a future ABI 2.0: refused before any code runs. */
#include "rounds-plugin.h"

static int init(struct rounds_host *h, const struct rounds_api *api, const char **errmsg)
{
	__builtin_trap(); /* must never be called */
}

ROUNDS_PLUGIN_EXPORT const struct rounds_plugin rounds_plugin = {
	2, 0, sizeof(struct rounds_plugin), "major", "2.0", "a newer major ABI", init, NULL};
