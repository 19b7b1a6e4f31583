/* config: the one JSON configuration file (jansson), validated completely
 * before the bot starts. Every error names the file, the key path and what
 * was expected; unknown keys are errors. The loaded struct is owned by the
 * caller and freed with config_free(). */
#ifndef ROUNDS_CONFIG_H
#define ROUNDS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum config_net_type { CONFIG_NET_IRC, CONFIG_NET_MATRIX };

struct config_network {
	char *name;            /* its key under "networks" */
	enum config_net_type type;
	char *host;
	int port;              /* default 6697 with TLS, 6667 without */
	bool tls;              /* default true */
	bool tls_verify;       /* default true; false logs a warning at start */
	char *ca_file;         /* absolute path or NULL (system trust store) */
	bool websocket;        /* IRC over WebSocket (ws:// or wss:// by tls); the ws_
	                        * fields below are set (defaults filled) only when true */
	char *ws_path;         /* default "/" */
	char *ws_origin;       /* default "http://HOST" (InspIRCd wants one) */
	char **ws_subprotocols; /* default {"text.ircv3.net", "text.inspircd.org"} */
	size_t n_ws_subprotocols;
	char *nick;
	char *username;        /* default: nick */
	char *realname;        /* default: "rounds chat moderator" */
	char *sasl_account;    /* NULL: no SASL */
	char *sasl_password;   /* resolved from password_env / password_file */
	char *sasl_password_source; /* "environment variable X" / "file F", for messages */
	int pace_burst;        /* default 5 lines */
	double pace_per_second; /* default 1.0 */
	double reconnect_min_seconds; /* default 2 */
	double reconnect_max_seconds; /* default 300 */
	double ping_seconds;   /* idle time before a lag-check PING, default 60 */

	/* type "matrix": host, port, tls, tls_verify, ca_file and reconnect_*
	 * above come from / apply to the homeserver; the IRC fields are unset */
	char *mx_homeserver;   /* base URL as given, without a trailing "/" */
	char *mx_base_path;    /* its path ("" normally), prefixed to API paths */
	char *mx_user;         /* the bot's user id, "@rounds:example.org" */
	char *mx_password;     /* m.login.password secret, or NULL ... */
	char *mx_token;        /* ... an access token (exactly one of the two) */
	char *mx_secret_source; /* "environment variable X" / "file F", for messages */
	char *mx_device_id;    /* for login; NULL: the server picks one */
	double mx_sync_timeout_seconds; /* long-poll, default 30 */
	int mx_moderator_power; /* "operators": power level at least this; default 50 */
};

struct config_topic {
	char *text;
	double minutes;        /* default 10 */
};

/* A plugin loaded for a chat (issue: plugins). */
struct config_plugin {
	char *name;            /* as given by "name"; NULL when given by "path" */
	char *path;            /* the shared object, absolute: "path", or PLUGIN_DIR/NAME.so */
	char *config_json;     /* its "config" object as compact JSON; "{}" if none */
};

struct schedule;

struct config_chat {
	char *name;            /* its key under "chats" */
	char *network;         /* a key of "networks" */
	size_t network_index;  /* index into config.networks */
	char *room;
	char *title;           /* default: the chat's name */
	char **hosts;          /* accounts */
	size_t n_hosts;
	char **cohosts;        /* accounts */
	size_t n_cohosts;
	bool ops_are_moderators; /* default false */
	double intro_minutes;  /* default 5 */
	double warning_minutes; /* default 2 */
	double overrun_grace_minutes; /* default 30 */
	char *welcome;         /* NULL: the session's greeting; "": none */
	char *disclaimer;      /* default: a general "not medical advice" notice; NULL: "" */
	char *rules;           /* a link or a sentence; NULL: none */
	char *timezone;        /* IANA name transcripts show times in; default "UTC" */
	bool pseudonyms;       /* publish participants under stable pseudonyms; default false */
	char *prefix;          /* default "!" */
	struct config_topic *agenda;
	size_t n_agenda;
	struct config_plugin *plugins; /* in the order given: moderation runs in this order */
	size_t n_plugins;
	double mute_minutes;   /* how long a plugin's mute lasts; default 10, 0: until lifted */
	struct schedule *schedule; /* when the bot opens it by itself; NULL: only by !start */
	double *reminders;     /* minutes before a scheduled opening, largest first */
	size_t n_reminders;
};

struct config {
	char *path;            /* as given */
	char *dir;             /* directory relative paths are resolved against */
	char *store_path;      /* default DIR/rounds.db */
	char *output_dir;      /* default DIR/transcripts */
	char *base_url;        /* NULL: the wrap-up gives the file path */
	char *archive_title;   /* the archive site's title; default "Chat archive" */
	char *log_level;       /* default "info" */
	char *plugin_dir;      /* where plugins given by name are; default ROUNDS_PLUGIN_DIR */
	struct config_network *networks;
	size_t n_networks;
	struct config_chat *chats;
	size_t n_chats;
};

/* Loads and validates path. On success returns 0 and sets *out. On failure
 * returns -1, sets *out to NULL and appends one line per problem to err,
 * each "PATH: key.path: what was expected, what was found" (or
 * "PATH:LINE:COLUMN: ..." for JSON syntax errors). */
int config_load(const char *path, struct config **out, struct buf *err);
/* Same, for commands that never connect (publish, export, chats, search):
 * the SASL password is not read (password_env need not be set), and
 * sasl_password stays NULL. */
int config_load_offline(const char *path, struct config **out, struct buf *err);
/* Same as config_load, from a string in memory (path is only used in messages and to
 * resolve relative paths). */
int config_load_string(const char *path, const char *json, size_t len, struct config **out,
		       struct buf *err);
/* Appends a short human explanation of what the config will do. */
void config_explain(const struct config *cfg, struct buf *out);
void config_free(struct config *cfg);

/* Lookups by name; NULL if absent. */
const struct config_chat *config_chat_by_name(const struct config *cfg, const char *name);
double config_chat_planned_minutes(const struct config_chat *chat);

#endif
