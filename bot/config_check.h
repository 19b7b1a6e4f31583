/* config_check.h: PRIVATE to the config module. Only bot/config*.c
 * include it; everything else uses config.h. It is the
 * checking machinery config.c walks the JSON with (config_check.c): every
 * name starts with config_check_.
 *
 * Messages go through a struct config_check_ctx, which knows the file and the key path
 * being checked; each problem is one line "FILE: key.path: expected WHAT,
 * got WHAT-WAS-FOUND". */
#ifndef ROUNDS_CONFIG_CHECK_H
#define ROUNDS_CONFIG_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "buf.h"

enum {
	CONFIG_MAX_ERRORS = 50, /* shown; the rest are only counted */
};

/* The state of one load: where messages go and the key path being checked
 * (e.g. "chats.hcsm.agenda[2]"), pushed and popped as the walk descends. */
struct config_check_ctx {
	const char *file;
	struct buf *err;
	struct buf key;
	int n_errors;
	bool no_secrets; /* offline use: SASL passwords are checked for shape, not read */
};

/* ---- messages ---------------------------------------------------------- */

/* One error line at the current key path (the first CONFIG_MAX_ERRORS). */
void config_check_report(struct config_check_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports "KEY: expected <fmt...>, got <v>". */
void config_check_expected(struct config_check_ctx *c, const json_t *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reports "missing required key "key" (what)". */
void config_check_missing(struct config_check_ctx *c, const char *key, const char *what);
/* Appends s[0..n) as a JSON-style quoted string (control characters escaped). */
void config_check_put_quoted(struct buf *b, const char *s, size_t n);

/* ---- key path ------------------------------------------------------------ */

/* 1 to max letters, digits, "-" or "_". */
bool config_check_is_name(const char *s, size_t n, size_t max);
/* Append ".key" / "[i]" to the key path; return the mark config_check_key_pop()
 * goes back to. */
size_t config_check_key_push(struct config_check_ctx *c, const char *key);
size_t config_check_key_push_index(struct config_check_ctx *c, size_t i);
void config_check_key_pop(struct config_check_ctx *c, size_t mark);

/* ---- unknown keys ------------------------------------------------------ */

/* Reports every key of obj not in known[] (sorted), with a "did you mean";
 * with a password_hint a "password" key is told why it is refused. */
void config_check_check_keys(struct config_check_ctx *c, json_t *obj, const char *const *known, size_t n_known,
		   const char *password_hint);

#define CONFIG_CHECK_N_KEYS(table) (sizeof table / sizeof table[0])
#define CONFIG_CHECK_CHECK_KEYS(c, obj, table) config_check_check_keys(c, obj, table, CONFIG_CHECK_N_KEYS(table), NULL)

/* ---- typed getters --------------------------------------------------------
 * Each returns 1 when the key is present and valid (*out set), 0 when it is
 * absent (*out untouched: the default stays), -1 when it is invalid (the
 * error is reported). */

struct config_check_range {
	double lo, hi;
	bool lo_open; /* lo itself is not allowed */
};

/* What a string may hold: byte bounds, then an optional check of its own;
 * what describes the whole rule for "expected ...". */
struct config_check_text_rule {
	const char *what;
	size_t min, max;
	bool (*ok)(const char *s, size_t n);
};

extern const struct config_check_text_rule config_check_rule_path, config_check_rule_url, config_check_rule_host, config_check_rule_nick,
	config_check_rule_username, config_check_rule_realname, config_check_rule_account, config_check_rule_env, config_check_rule_ws_path,
	config_check_rule_origin, config_check_rule_subprotocol, config_check_rule_network_ref, config_check_rule_room, config_check_rule_title,
	config_check_rule_message, config_check_rule_prefix, config_check_rule_topic,
	config_check_rule_matrix_user, config_check_rule_matrix_room;

int config_check_get_bool(struct config_check_ctx *c, json_t *obj, const char *key, bool *out);
int config_check_get_int(struct config_check_ctx *c, json_t *obj, const char *key, int lo, int hi, int *out);
int config_check_get_number(struct config_check_ctx *c, json_t *obj, const char *key, const struct config_check_range *r,
		  double *out);
/* On success frees the previous *out (a default) and sets a copy. */
int config_check_get_text(struct config_check_ctx *c, json_t *obj, const char *key, const struct config_check_text_rule *r,
		char **out);
/* An array of strings, each checked against r; at least min of them. On
 * success frees the previous *out (config_check_free_strings) and sets the new one. */
int config_check_get_text_array(struct config_check_ctx *c, json_t *obj, const char *key, const char *what,
		      const struct config_check_text_rule *r, size_t min, char ***out, size_t *n_out);
/* An object member, or NULL (reported) when it is present but not an object. */
json_t *config_check_get_object(struct config_check_ctx *c, json_t *obj, const char *key, const char *what);
/* A path key, resolved against dir; when must_open, the file must be
 * readable now. *out is a fresh absolute path. */
int config_check_get_path(struct config_check_ctx *c, const char *dir, json_t *obj, const char *key, bool must_open,
		char **out);
void config_check_free_strings(char **v, size_t n);

/* ---- files --------------------------------------------------------------- */

/* dir joined with p unless p is absolute, "." and doubled slashes dropped;
 * a fresh string. */
char *config_check_path_resolve(const char *dir, const char *p);
/* The absolute directory a config at path lives in, or NULL (errno set). */
char *config_check_config_dir(const char *path);
/* Opens an existing regular file for reading without blocking on a FIFO:
 * the descriptor, or -1 with *why set to a static reason. */
int config_check_open_regular(const char *path, struct stat *st, const char **why);
/* The first line of a password file (CR/LF stripped), a fresh string to be
 * freed with config_check_free_secret(); NULL with *why set on failure. */
char *config_check_read_password_file(const char *path, mode_t *mode, const char **why);
/* Wipes and frees a secret (NULL allowed). */
void config_check_free_secret(char *s);
/* Reports "expected WHAT, got "given" (/abs/given: why)". */
void config_check_report_file(struct config_check_ctx *c, const char *what, const char *given, const char *abs,
		    const char *why);

/* ---- the parts of the schema in other files ---------------------------- */

struct config;
struct config_chat;
/* config_chat.c: one chat object (cfg: the networks and plugin_dir, already
 * parsed); problems are reported, defaults filled in. */
void config_parse_chat(struct config_check_ctx *c, const struct config *cfg, json_t *obj,
		       struct config_chat *chat);
/* config_matrix.c: a network of type "matrix" (obj is its object). */
struct config_network;
/* config_schedule.c: a chat's "schedule" (after its "timezone"). */
void config_parse_schedule(struct config_check_ctx *c, json_t *obj, struct config_chat *chat);
void config_parse_matrix_network(struct config_check_ctx *c, const char *dir, json_t *obj,
				 struct config_network *net);
/* config.c: "reconnect" of a network object. */
void config_parse_reconnect(struct config_check_ctx *c, json_t *obj, struct config_network *net);
/* config.c: a secret from "KEY_env" / "KEY_file" of obj (exactly one of
 * them, or neither when !required); *out and *source set. */
void config_get_secret(struct config_check_ctx *c, const char *dir, json_t *obj, const char *key,
		       const char *what, char **out, char **source);
/* Reports two chats using the same room of a network. */
void config_check_duplicate_rooms(struct config_check_ctx *c, struct config *cfg);
void config_free_chat(struct config_chat *ch);

#endif
