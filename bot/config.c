/* config.c: the schema of the configuration file and its loading (see
 * config.h): the top level, networks (with SASL and WebSocket), the
 * defaults, config_load*(), config_free() and the
 * lookups. The generic checking (messages, key paths, unknown keys, typed
 * getters, text rules, paths and files) is in config_check.c behind the
 * private config_check.h; config_explain() is in config_explain.c. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_check.h"
#include "log.h"
#include "mem.h"
#include "utf8.h"
#include "version.h"

enum {
	CONFIG_MAX_FILE = 1 << 20,   /* a config is a few kilobytes */
};

#define DEFAULT_REALNAME "rounds chat moderator"
static const struct config_check_range seconds_pos = {0, 86400, true};

/* ---- networks ------------------------------------------------------------ */

static const char *const network_keys[] = {
	"ca_file", "host", "nick", "pace", "ping_seconds", "port", "realname", "reconnect",
	"sasl", "tls", "tls_verify", "type", "username", "websocket",
};
static const char *const sasl_keys[] = {"account", "password_env", "password_file"};
static const char *const ws_keys[] = {"origin", "path", "subprotocols"};
static const char *const pace_keys[] = {"burst", "per_second"};
static const char *const reconnect_keys[] = {"max_seconds", "min_seconds"};

/* KEY (e.g. "password_env"): the variable must be set and non-empty now. */
static void secret_from_env(struct config_check_ctx *c, json_t *obj, const char *key, char **out,
			    char **source)
{
	char *name = NULL;
	if (config_check_get_text(c, obj, key, &config_check_rule_env, &name) <= 0)
		return;
	if (c->no_secrets) {
		free(name);
		return;
	}
	const char *pw = getenv(name);
	if (pw && *pw) {
		struct buf src = BUF_INIT;
		buf_printf(&src, "environment variable %s", name);
		*out = mem_strdup(pw);
		*source = buf_steal(&src);
	} else {
		size_t m = config_check_key_push(c, key);
		config_check_report(c, "expected a set, non-empty environment variable, got \"%s\" (which is %s)",
			  name, pw ? "empty" : "not set");
		config_check_key_pop(c, m);
	}
	free(name);
}

/* KEY (e.g. "password_file"): its first line, now; a file others can read
 * still loads, with a warning, so that fixing the mode is not a restart
 * away. */
static void secret_from_file(struct config_check_ctx *c, const char *dir, json_t *obj, const char *key,
			     const char *what, char **out, char **source)
{
	char *abs = NULL;
	if (config_check_get_path(c, dir, obj, key, false, &abs) <= 0)
		return;
	if (c->no_secrets) {
		free(abs);
		return;
	}
	const char *why = NULL;
	mode_t mode = 0;
	char *pw = config_check_read_password_file(abs, &mode, &why);
	if (!pw) {
		size_t m = config_check_key_push(c, key);
		struct buf exp = BUF_INIT;
		buf_printf(&exp, "a readable file whose first line is the %s", what);
		config_check_report_file(c, exp.p, json_string_value(json_object_get(obj, key)), abs, why);
		buf_free(&exp);
		config_check_key_pop(c, m);
		free(abs);
		return;
	}
	if (mode & (S_IRGRP | S_IROTH)) {
		char q[512];
		log_warn("%s: %s file %s is readable by group or others (mode %03o): chmod "
			 "600 it", c->file, what, log_quote(q, sizeof q, abs, strlen(abs)),
			 (unsigned)(mode & 0777));
	}
	struct buf src = BUF_INIT;
	buf_printf(&src, "file %s", abs);
	*out = pw;
	*source = buf_steal(&src);
	free(abs);
}

void config_get_secret(struct config_check_ctx *c, const char *dir, json_t *obj, const char *key,
		       const char *what, char **out, char **source)
{
	char env[64], file[64];
	snprintf(env, sizeof env, "%s_env", key);
	snprintf(file, sizeof file, "%s_file", key);
	bool e = json_object_get(obj, env) != NULL, f = json_object_get(obj, file) != NULL;
	if (e && f)
		config_check_report(c, "expected exactly one of \"%s\" or \"%s\", got both", env, file);
	else if (e)
		secret_from_env(c, obj, env, out, source);
	else if (f)
		secret_from_file(c, dir, obj, file, what, out, source);
}

static void parse_sasl(struct config_check_ctx *c, const char *dir, json_t *obj, struct config_network *net)
{
	json_t *sasl = config_check_get_object(c, obj, "sasl",
				     "an object with \"account\" and \"password_env\" or \"password_file\"");
	if (!sasl)
		return;
	size_t mark = config_check_key_push(c, "sasl");
	config_check_check_keys(c, sasl, sasl_keys, CONFIG_CHECK_N_KEYS(sasl_keys), "");
	if (!json_object_get(sasl, "account"))
		config_check_missing(c, "account", "the services account to log in as");
	config_check_get_text(c, sasl, "account", &config_check_rule_account, &net->sasl_account);
	bool env = json_object_get(sasl, "password_env") != NULL;
	bool file = json_object_get(sasl, "password_file") != NULL;
	if (env || file)
		config_get_secret(c, dir, sasl, "password", "password", &net->sasl_password,
				  &net->sasl_password_source);
	else if (!json_object_get(sasl, "password")) /* that one has its own message */
		config_check_report(c, "expected exactly one of \"password_env\" (an environment variable "
			  "holding the password) or \"password_file\" (a file whose first line is "
			  "the password), got neither");
	config_check_key_pop(c, mark);
}

static void parse_websocket(struct config_check_ctx *c, json_t *obj, struct config_network *net)
{
	json_t *ws = json_object_get(obj, "websocket");
	if (!ws)
		return;
	size_t mark = config_check_key_push(c, "websocket");
	if (json_is_boolean(ws)) {
		net->websocket = json_is_true(ws);
	} else if (json_is_object(ws)) {
		net->websocket = true;
		CONFIG_CHECK_CHECK_KEYS(c, ws, ws_keys);
		config_check_get_text(c, ws, "path", &config_check_rule_ws_path, &net->ws_path);
		config_check_get_text(c, ws, "origin", &config_check_rule_origin, &net->ws_origin);
		config_check_get_text_array(c, ws, "subprotocols",
				  "an array of one or more WebSocket subprotocol names", &config_check_rule_subprotocol,
				  1, &net->ws_subprotocols, &net->n_ws_subprotocols);
	} else {
		config_check_expected(c, ws, "true, false or an object with \"path\", \"origin\" and "
				   "\"subprotocols\"");
	}
	config_check_key_pop(c, mark);
}

static void network_defaults(struct config_network *net)
{
	if (!net->username && net->nick)
		net->username = mem_strndup(net->nick, strnlen(net->nick, 10));
	if (!net->realname)
		net->realname = mem_strdup(DEFAULT_REALNAME);
	if (!net->port)
		net->port = net->tls ? 6697 : 6667;
	if (!net->websocket)
		return;
	if (!net->ws_path)
		net->ws_path = mem_strdup("/");
	if (!net->ws_origin && net->host) {
		struct buf o = BUF_INIT;
		bool v6 = strchr(net->host, ':') != NULL;
		buf_printf(&o, "%s://%s%s%s", net->tls ? "https" : "http", v6 ? "[" : "",
			   net->host, v6 ? "]" : "");
		net->ws_origin = buf_steal(&o);
	}
	if (!net->ws_subprotocols) {
		net->ws_subprotocols = mem_calloc(2, sizeof *net->ws_subprotocols);
		net->ws_subprotocols[0] = mem_strdup("text.ircv3.net");
		net->ws_subprotocols[1] = mem_strdup("text.inspircd.org");
		net->n_ws_subprotocols = 2;
	}
}

/* "reconnect": {"min_seconds", "max_seconds"}, max at least min. */
void config_parse_reconnect(struct config_check_ctx *c, json_t *obj, struct config_network *net)
{
	json_t *rc = config_check_get_object(c, obj, "reconnect",
				   "an object with \"min_seconds\" and \"max_seconds\"");
	if (rc) {
		size_t mark = config_check_key_push(c, "reconnect");
		CONFIG_CHECK_CHECK_KEYS(c, rc, reconnect_keys);
		int a = config_check_get_number(c, rc, "min_seconds", &seconds_pos,
				      &net->reconnect_min_seconds);
		int b = config_check_get_number(c, rc, "max_seconds", &seconds_pos,
				      &net->reconnect_max_seconds);
		if (a >= 0 && b >= 0 && net->reconnect_max_seconds < net->reconnect_min_seconds) {
			size_t m;
			if (b > 0) {
				m = config_check_key_push(c, "max_seconds");
				config_check_expected(c, json_object_get(rc, "max_seconds"),
					    "a number at least min_seconds (%g)", net->reconnect_min_seconds);
			} else {
				m = config_check_key_push(c, "min_seconds");
				config_check_expected(c, json_object_get(rc, "min_seconds"),
					    "a number at most max_seconds (%g by default)",
					    net->reconnect_max_seconds);
			}
			config_check_key_pop(c, m);
		}
		config_check_key_pop(c, mark);
	}
}

static void parse_network(struct config_check_ctx *c, const char *dir, json_t *obj,
			  struct config_network *net)
{
	net->type = CONFIG_NET_IRC;
	net->tls = true;
	net->tls_verify = true;
	net->pace_burst = 5;
	net->pace_per_second = 1.0;
	net->reconnect_min_seconds = 2;
	net->reconnect_max_seconds = 300;
	net->ping_seconds = 60;
	if (!json_is_object(obj)) {
		config_check_expected(c, obj, "an object with at least \"host\" and \"nick\"");
		return;
	}
	json_t *type = json_object_get(obj, "type");
	if (json_is_string(type) && strcmp(json_string_value(type), "matrix") == 0) {
		net->type = CONFIG_NET_MATRIX;
		config_parse_matrix_network(c, dir, obj, net);
		return;
	}
	config_check_check_keys(c, obj, network_keys, CONFIG_CHECK_N_KEYS(network_keys), " under \"sasl\"");
	if (type && !(json_is_string(type) && strcmp(json_string_value(type), "irc") == 0)) {
		size_t mark = config_check_key_push(c, "type");
		config_check_expected(c, type, "\"irc\" or \"matrix\"");
		config_check_key_pop(c, mark);
	}
	if (!json_object_get(obj, "host"))
		config_check_missing(c, "host", "a hostname or IP address");
	if (!json_object_get(obj, "nick"))
		config_check_missing(c, "nick", "the bot's IRC nick");
	config_check_get_text(c, obj, "host", &config_check_rule_host, &net->host);
	config_check_get_bool(c, obj, "tls", &net->tls);
	config_check_get_int(c, obj, "port", 1, 65535, &net->port);
	if (config_check_get_bool(c, obj, "tls_verify", &net->tls_verify) > 0 && !net->tls &&
	    net->tls_verify) {
		size_t mark = config_check_key_push(c, "tls_verify");
		config_check_report(c, "only meaningful with \"tls\": true "
			     "(this network has \"tls\": false)");
		config_check_key_pop(c, mark);
	}
	if (config_check_get_path(c, dir, obj, "ca_file", true, &net->ca_file) > 0 && !net->tls) {
		size_t mark = config_check_key_push(c, "ca_file");
		config_check_report(c, "only meaningful with \"tls\": true "
			     "(this network has \"tls\": false)");
		config_check_key_pop(c, mark);
	}
	parse_websocket(c, obj, net);
	config_check_get_text(c, obj, "nick", &config_check_rule_nick, &net->nick);
	config_check_get_text(c, obj, "username", &config_check_rule_username, &net->username);
	config_check_get_text(c, obj, "realname", &config_check_rule_realname, &net->realname);
	parse_sasl(c, dir, obj, net);

	json_t *pace = config_check_get_object(c, obj, "pace", "an object with \"burst\" and \"per_second\"");
	if (pace) {
		size_t mark = config_check_key_push(c, "pace");
		CONFIG_CHECK_CHECK_KEYS(c, pace, pace_keys);
		config_check_get_int(c, pace, "burst", 1, 100, &net->pace_burst);
		config_check_get_number(c, pace, "per_second", &(struct config_check_range){0, 100, true},
			      &net->pace_per_second);
		config_check_key_pop(c, mark);
	}
	config_parse_reconnect(c, obj, net);
	config_check_get_number(c, obj, "ping_seconds", &(struct config_check_range){5, 3600, false},
		      &net->ping_seconds);
	network_defaults(net);
}

/* ---- top level ------------------------------------------------------------- */

static const char *const top_keys[] = {
	"archive_title", "base_url", "chats", "log_level", "networks", "output_dir", "plugin_dir",
	"store",
};

/* Validates the "networks" or "chats" object: its keys are names. Returns
 * it, or NULL when it is missing or not a non-empty object (reported). */
static json_t *get_named(struct config_check_ctx *c, json_t *root, const char *key, const char *what)
{
	json_t *v = json_object_get(root, key);
	if (!v) {
		config_check_missing(c, key, what);
		return NULL;
	}
	if (json_is_object(v) && json_object_size(v))
		return v;
	size_t mark = config_check_key_push(c, key);
	config_check_expected(c, v, "%s with at least one entry", what);
	config_check_key_pop(c, mark);
	return NULL;
}

static void check_name(struct config_check_ctx *c, const char *name, const char *kind)
{
	if (!config_check_is_name(name, strlen(name), 32))
		config_check_report(c, "expected a %s name of 1 to 32 letters, digits, \"-\" or \"_\"", kind);
}

static void parse_root(struct config_check_ctx *c, json_t *root, struct config *cfg)
{
	if (!json_is_object(root)) {
		config_check_expected(c, root, "an object at the top level");
		return;
	}
	CONFIG_CHECK_CHECK_KEYS(c, root, top_keys);
	config_check_get_path(c, cfg->dir, root, "store", false, &cfg->store_path);
	config_check_get_path(c, cfg->dir, root, "output_dir", false, &cfg->output_dir);
	config_check_get_path(c, cfg->dir, root, "plugin_dir", false, &cfg->plugin_dir);
	config_check_get_text(c, root, "archive_title", &config_check_rule_title, &cfg->archive_title);
	if (config_check_get_text(c, root, "base_url", &config_check_rule_url, &cfg->base_url) > 0) {
		size_t n = strlen(cfg->base_url);
		while (n && cfg->base_url[n - 1] == '/')
			cfg->base_url[--n] = '\0';
	}
	json_t *level = json_object_get(root, "log_level");
	enum log_level unused;
	if (level && !(json_is_string(level) && log_level_parse(json_string_value(level), &unused))) {
		size_t mark = config_check_key_push(c, "log_level");
		config_check_expected(c, level, "one of \"error\", \"warn\", \"info\" or \"debug\"");
		config_check_key_pop(c, mark);
	} else if (level) {
		free(cfg->log_level);
		cfg->log_level = mem_strdup(json_string_value(level));
	}

	json_t *nets = get_named(c, root, "networks", "an object of IRC networks by name");
	const char *name;
	json_t *v;
	if (nets) {
		cfg->networks = mem_calloc(json_object_size(nets), sizeof *cfg->networks);
		json_object_foreach(nets, name, v) {
			struct config_network *net = &cfg->networks[cfg->n_networks++];
			net->name = mem_strdup(name);
			size_t m1 = config_check_key_push(c, "networks"), m2 = config_check_key_push(c, name);
			check_name(c, name, "network");
			parse_network(c, cfg->dir, v, net);
			config_check_key_pop(c, m2);
			config_check_key_pop(c, m1);
		}
	}
	json_t *chats = get_named(c, root, "chats", "an object of chats by name");
	if (chats) {
		cfg->chats = mem_calloc(json_object_size(chats), sizeof *cfg->chats);
		json_object_foreach(chats, name, v) {
			struct config_chat *chat = &cfg->chats[cfg->n_chats++];
			chat->name = mem_strdup(name);
			size_t m1 = config_check_key_push(c, "chats"), m2 = config_check_key_push(c, name);
			check_name(c, name, "chat");
			config_parse_chat(c, cfg, v, chat);
			config_check_key_pop(c, m2);
			config_check_key_pop(c, m1);
		}
	}
	config_check_duplicate_rooms(c, cfg);
}

/* Appends jansson's message with control characters and broken UTF-8
 * (it quotes the offending input) made harmless. */
static void put_json_error(struct buf *b, const char *text)
{
	struct buf clean = BUF_INIT;
	utf8_sanitize(&clean, text, strnlen(text, JSON_ERROR_TEXT_LENGTH));
	for (size_t i = 0; i < clean.len; i++) {
		unsigned char ch = (unsigned char)clean.p[i];
		buf_addc(b, ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
	}
	buf_free(&clean);
}

static int load_string(const char *path, const char *json, size_t len, bool no_secrets,
		       struct config **out, struct buf *err)
{
	struct buf scratch = BUF_INIT;
	struct config_check_ctx c = {.file = path, .err = err ? err : &scratch, .no_secrets = no_secrets};
	struct config *cfg = mem_calloc(1, sizeof *cfg);
	json_t *root = NULL;
	*out = NULL;

	cfg->path = mem_strdup(path);
	cfg->dir = config_check_config_dir(path);
	if (!cfg->dir) {
		config_check_report(&c, "cannot find the configuration's directory: %s", strerror(errno));
		goto fail;
	}
	cfg->store_path = config_check_path_resolve(cfg->dir, "rounds.db");
	cfg->output_dir = config_check_path_resolve(cfg->dir, "transcripts");
	cfg->log_level = mem_strdup("info");
	cfg->archive_title = mem_strdup("Chat archive");
	cfg->plugin_dir = mem_strdup(ROUNDS_PLUGIN_DIR);

	json_error_t jerr;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		c.n_errors++;
		if (jerr.line >= 0)
			buf_printf(c.err, "%s:%d:%d: invalid JSON: ", path, jerr.line, jerr.column);
		else
			buf_printf(c.err, "%s: invalid JSON: ", path);
		put_json_error(c.err, jerr.text);
		buf_addc(c.err, '\n');
		goto fail;
	}
	parse_root(&c, root, cfg);
	if (c.n_errors)
		goto fail;
	json_decref(root);
	buf_free(&c.key);
	buf_free(&scratch);
	*out = cfg;
	return 0;

fail:
	if (c.n_errors > CONFIG_MAX_ERRORS)
		buf_printf(c.err, "%s: %d more errors not shown\n", path,
			   c.n_errors - CONFIG_MAX_ERRORS);
	json_decref(root);
	buf_free(&c.key);
	buf_free(&scratch);
	config_free(cfg);
	return -1;
}

int config_load_string(const char *path, const char *json, size_t len, struct config **out,
		       struct buf *err)
{
	return load_string(path, json, len, false, out, err);
}

static int load_file(const char *path, bool no_secrets, struct config **out, struct buf *err)
{
	struct buf scratch = BUF_INIT, text = BUF_INIT;
	struct buf *e = err ? err : &scratch;
	struct stat st;
	const char *why = NULL;
	int rc = -1;
	*out = NULL;
	int fd = config_check_open_regular(path, &st, &why);
	if (fd < 0) {
		buf_printf(e, "%s: cannot read the configuration: %s\n", path, why);
		goto done;
	}
	if (st.st_size > CONFIG_MAX_FILE) {
		buf_printf(e, "%s: the configuration is larger than 1 MiB; is this the right file?\n",
			   path);
		goto done;
	}
	for (;;) {
		buf_reserve(&text, 4096);
		ssize_t n = read(fd, text.p + text.len, text.cap - text.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(e, "%s: cannot read the configuration: %s\n", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		text.len += (size_t)n;
		if (text.len > CONFIG_MAX_FILE) {
			buf_printf(e, "%s: the configuration is larger than 1 MiB; is this the "
				      "right file?\n", path);
			goto done;
		}
	}
	rc = load_string(path, buf_str(&text), text.len, no_secrets, out, e);
done:
	if (fd >= 0)
		close(fd);
	buf_free(&text);
	buf_free(&scratch);
	return rc;
}

int config_load(const char *path, struct config **out, struct buf *err)
{
	return load_file(path, false, out, err);
}

int config_load_offline(const char *path, struct config **out, struct buf *err)
{
	return load_file(path, true, out, err);
}

static void free_network(struct config_network *n)
{
	free(n->name);
	free(n->host);
	free(n->ca_file);
	free(n->ws_path);
	free(n->ws_origin);
	config_check_free_strings(n->ws_subprotocols, n->n_ws_subprotocols);
	free(n->nick);
	free(n->username);
	free(n->realname);
	free(n->sasl_account);
	config_check_free_secret(n->sasl_password);
	free(n->sasl_password_source);
	free(n->mx_homeserver);
	free(n->mx_base_path);
	free(n->mx_user);
	config_check_free_secret(n->mx_password);
	config_check_free_secret(n->mx_token);
	free(n->mx_secret_source);
	free(n->mx_device_id);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_networks; i++)
		free_network(&cfg->networks[i]);
	free(cfg->networks);
	for (size_t i = 0; i < cfg->n_chats; i++)
		config_free_chat(&cfg->chats[i]);
	free(cfg->chats);
	free(cfg->path);
	free(cfg->dir);
	free(cfg->store_path);
	free(cfg->output_dir);
	free(cfg->base_url);
	free(cfg->log_level);
	free(cfg->archive_title);
	free(cfg->plugin_dir);
	free(cfg);
}

const struct config_chat *config_chat_by_name(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_chats; i++)
		if (strcmp(cfg->chats[i].name, name) == 0)
			return &cfg->chats[i];
	return NULL;
}

double config_chat_planned_minutes(const struct config_chat *chat)
{
	double m = chat->intro_minutes;
	for (size_t i = 0; i < chat->n_agenda; i++)
		m += chat->agenda[i].minutes;
	return m;
}
