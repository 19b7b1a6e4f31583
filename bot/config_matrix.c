/* config_matrix.c: a network of type "matrix" (see config.h): the
 * homeserver's URL, the bot's user id, how it logs in, and its sync. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_check.h"
#include "mem.h"

static const char *const matrix_keys[] = {
	"access_token_env", "access_token_file", "ca_file", "device_id", "homeserver",
	"moderator_power_level", "password_env", "password_file", "reconnect", "sync_timeout_seconds",
	"tls_verify", "type", "user",
};

/* Splits "https://host[:port][/path]" into the network's host, port, tls
 * and base path. False (nothing set) if it is not such a URL. */
static bool split_url(const char *url, struct config_network *net)
{
	bool tls = strncmp(url, "https://", 8) == 0;
	if (!tls && strncmp(url, "http://", 7) != 0)
		return false;
	const char *host = url + (tls ? 8 : 7), *end = host + strcspn(host, "/?#");
	if (*end == '?' || *end == '#')
		return false;
	const char *colon = NULL;
	if (*host == '[') { /* an IPv6 literal */
		const char *close = memchr(host, ']', (size_t)(end - host));
		if (!close)
			return false;
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = memchr(host, ':', (size_t)(end - host));
	}
	const char *host_end = colon ? colon : end;
	if (host_end == host)
		return false;
	int port = tls ? 443 : 80;
	if (colon) {
		char *stop;
		long p = strtol(colon + 1, &stop, 10);
		if (stop != end || p < 1 || p > 65535)
			return false;
		port = (int)p;
	}
	if (*host == '[')
		net->host = mem_strndup(host + 1, (size_t)(host_end - host - 2));
	else
		net->host = mem_strndup(host, (size_t)(host_end - host));
	net->port = port;
	net->tls = tls;
	size_t plen = strlen(end);
	while (plen && end[plen - 1] == '/')
		plen--;
	net->mx_base_path = mem_strndup(end, plen);
	return true;
}

void config_parse_matrix_network(struct config_check_ctx *c, const char *dir, json_t *obj,
				 struct config_network *net)
{
	net->mx_sync_timeout_seconds = 30;
	net->mx_moderator_power = 50;
	CONFIG_CHECK_CHECK_KEYS(c, obj, matrix_keys);
	if (!json_object_get(obj, "homeserver"))
		config_check_missing(c, "homeserver", "the homeserver's URL, such as "
						       "\"https://matrix.example.org\"");
	if (!json_object_get(obj, "user"))
		config_check_missing(c, "user", "the bot's Matrix user id, such as \"@rounds:example.org\"");
	if (config_check_get_text(c, obj, "homeserver", &config_check_rule_url, &net->mx_homeserver) > 0) {
		size_t n = strlen(net->mx_homeserver);
		while (n && net->mx_homeserver[n - 1] == '/')
			net->mx_homeserver[--n] = '\0';
		if (!split_url(net->mx_homeserver, net)) {
			size_t m = config_check_key_push(c, "homeserver");
			config_check_expected(c, json_object_get(obj, "homeserver"),
					      "an http:// or https:// URL of the homeserver (host, an optional "
					      "port and path; no query)");
			config_check_key_pop(c, m);
		}
	}
	config_check_get_text(c, obj, "user", &config_check_rule_matrix_user, &net->mx_user);
	config_check_get_bool(c, obj, "tls_verify", &net->tls_verify);
	if (config_check_get_path(c, dir, obj, "ca_file", true, &net->ca_file) > 0 && net->host &&
	    !net->tls) {
		size_t mark = config_check_key_push(c, "ca_file");
		config_check_report(c, "only meaningful with an https:// homeserver");
		config_check_key_pop(c, mark);
	}
	config_check_get_text(c, obj, "device_id", &config_check_rule_account, &net->mx_device_id);

	/* how it logs in: a password (m.login.password) or an access token */
	bool pw = json_object_get(obj, "password_env") || json_object_get(obj, "password_file");
	bool tok = json_object_get(obj, "access_token_env") || json_object_get(obj, "access_token_file");
	if (pw && tok)
		config_check_report(c, "expected a password (\"password_env\" or \"password_file\") or an "
				       "access token (\"access_token_env\" or \"access_token_file\"), got "
				       "both");
	else if (pw)
		config_get_secret(c, dir, obj, "password", "password", &net->mx_password,
				  &net->mx_secret_source);
	else if (tok)
		config_get_secret(c, dir, obj, "access_token", "access token", &net->mx_token,
				  &net->mx_secret_source);
	else
		config_check_report(c, "expected how the bot logs in: \"password_env\" or \"password_file\" "
				       "(m.login.password), or \"access_token_env\" or "
				       "\"access_token_file\"");
	config_check_get_number(c, obj, "sync_timeout_seconds",
				&(struct config_check_range){0, 30, true}, &net->mx_sync_timeout_seconds);
	config_check_get_int(c, obj, "moderator_power_level", 1, 1000000, &net->mx_moderator_power);
	config_parse_reconnect(c, obj, net);
}
