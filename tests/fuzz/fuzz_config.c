/* libFuzzer target for the configuration loader: any bytes must load or be
 * refused with messages, never crash or leak. A loaded config must hold
 * the invariants the rest of the bot relies on, and explain itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "log.h"

/* Paths resolve under a directory that does not exist, so relative
 * ca_file / password_file names never open anything. */
#define FUZZ_PATH "/nonexistent/rounds-fuzz/config.json"

static void check(const struct config *cfg)
{
	if (!cfg->n_networks || !cfg->n_chats || !cfg->store_path || !cfg->output_dir ||
	    cfg->store_path[0] != '/' || cfg->output_dir[0] != '/' || !cfg->log_level)
		abort();
	for (size_t i = 0; i < cfg->n_networks; i++) {
		const struct config_network *n = &cfg->networks[i];
		if (!n->host || !n->nick || !n->username || !n->realname || n->port < 1 ||
		    n->port > 65535 || (n->sasl_account && !n->sasl_password))
			abort();
		if (n->websocket && (!n->ws_path || !n->ws_origin || !n->n_ws_subprotocols))
			abort();
		if (!(n->reconnect_min_seconds <= n->reconnect_max_seconds))
			abort();
	}
	for (size_t i = 0; i < cfg->n_chats; i++) {
		const struct config_chat *c = &cfg->chats[i];
		if (c->network_index >= cfg->n_networks || !c->room || !c->title || !c->prefix ||
		    !c->n_agenda || (!c->n_hosts && !c->ops_are_moderators))
			abort();
		if (strcmp(cfg->networks[c->network_index].name, c->network) != 0)
			abort();
		if (config_chat_by_name(cfg, c->name) != c)
			abort();
		if (!(config_chat_planned_minutes(c) > 0))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	log_set_level(LOG_ERROR); /* a password file warning is not a finding */
	struct config *cfg = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	if (config_load_string(FUZZ_PATH, (const char *)data, size, &cfg, &err) == 0) {
		if (!cfg || err.len)
			abort();
		check(cfg);
		config_explain(cfg, &out);
		config_free(cfg);
	} else if (cfg || !err.len) {
		abort();
	}
	buf_free(&err);
	buf_free(&out);
	return 0;
}
