/* A descriptor smaller than ABI 1.0's: refused. */
#include "rounds-plugin.h"

ROUNDS_PLUGIN_EXPORT const struct rounds_plugin rounds_plugin = {1, 0, 8, "small", "1", "", NULL, NULL};
