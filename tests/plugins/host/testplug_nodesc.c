/* A shared object with no descriptor: not a plugin. */
#include "rounds-plugin.h"

ROUNDS_PLUGIN_EXPORT int not_a_plugin(void);
ROUNDS_PLUGIN_EXPORT int not_a_plugin(void)
{
	return 1;
}
