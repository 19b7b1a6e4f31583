/* config_chat.c: the "chats" part of the configuration schema (see
 * config.h): a chat's room, hosts, messages, agenda and plugins, checked
 * with the machinery of config_check.c; config.c walks the rest. */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_check.h"
#include "mem.h"
#include "schedule.h"
#include "tz.h"

#define DEFAULT_DISCLAIMER                                                                   \
	"This chat is for general discussion only and is not medical advice. Please do not " \
	"share personal health details or patient information."

static const struct config_check_range minutes_pos = {0, 1440, true};
static const struct config_check_range minutes_any = {0, 1440, false};

/* ---- chats ------------------------------------------------------------------ */

static const char *const chat_keys[] = {
	"agenda", "cohosts", "disclaimer", "hosts", "intro_minutes", "mute_minutes", "network",
	"ops_are_moderators", "overrun_grace_minutes", "plugins", "prefix",
	"pseudonyms", "room", "rules", "schedule", "timezone", "title", "warning_minutes", "welcome",
};
static const char *const topic_keys[] = {"minutes", "topic"};
static const char *const plugin_keys[] = {"config", "name", "path"};

/* welcome, disclaimer, rules: "" turns the message off (NULL). */
static void get_message(struct config_check_ctx *c, json_t *obj, const char *key, char **out)
{
	if (config_check_get_text(c, obj, key, &config_check_rule_message, out) > 0 && !**out) {
		free(*out);
		*out = NULL;
	}
}

static void parse_agenda(struct config_check_ctx *c, json_t *obj, struct config_chat *chat)
{
	json_t *agenda = json_object_get(obj, "agenda");
	if (!agenda) {
		config_check_missing(c, "agenda",
			   "an array of topics, each {\"topic\": ..., \"minutes\": ...}");
		return;
	}
	size_t mark = config_check_key_push(c, "agenda");
	if (!json_is_array(agenda) || !json_array_size(agenda)) {
		config_check_expected(c, agenda, "an array of one or more topics, each {\"topic\": ..., "
				       "\"minutes\": ...}");
		config_check_key_pop(c, mark);
		return;
	}
	chat->n_agenda = json_array_size(agenda);
	chat->agenda = mem_calloc(chat->n_agenda, sizeof *chat->agenda);
	for (size_t i = 0; i < chat->n_agenda; i++) {
		struct config_topic *t = &chat->agenda[i];
		json_t *item = json_array_get(agenda, i);
		size_t m = config_check_key_push_index(c, i);
		t->minutes = 10;
		if (!json_is_object(item)) {
			config_check_expected(c, item, "an object {\"topic\": ..., \"minutes\": ...}");
		} else {
			CONFIG_CHECK_CHECK_KEYS(c, item, topic_keys);
			if (!json_object_get(item, "topic"))
				config_check_missing(c, "topic", "the question posted as T1, T2, ...");
			config_check_get_text(c, item, "topic", &config_check_rule_topic, &t->text);
			config_check_get_number(c, item, "minutes", &minutes_pos, &t->minutes);
		}
		config_check_key_pop(c, m);
	}
	config_check_key_pop(c, mark);
}

/* A plugin's name: what its descriptor says, so [a-z0-9_-], 1 to 32. */
static bool plugin_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 32)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* One entry of "plugins": {"name": N} (PLUGIN_DIR/N.so) or {"path": P},
 * and an optional "config" object handed to the plugin as it is. */
static void parse_plugin(struct config_check_ctx *c, const struct config *cfg, json_t *item,
			 struct config_plugin *p)
{
	if (!json_is_object(item)) {
		config_check_expected(c, item, "an object {\"name\": ...} or {\"path\": ...}, with an "
				      "optional \"config\"");
		return;
	}
	CONFIG_CHECK_CHECK_KEYS(c, item, plugin_keys);
	json_t *name = json_object_get(item, "name"), *path = json_object_get(item, "path");
	if (name && path) {
		config_check_report(c, "expected either \"name\" (a plugin in %s) or \"path\" (a "
				       "shared object), not both", cfg->plugin_dir);
	} else if (!name && !path) {
		config_check_missing(c, "name", "a bundled plugin such as \"flood\", or a \"path\" "
				     "to a shared object");
	} else if (name) {
		size_t m = config_check_key_push(c, "name");
		if (!json_is_string(name) || !plugin_name_ok(json_string_value(name))) {
			config_check_expected(c, name, "a plugin name of 1 to 32 lowercase letters, "
					      "digits, \"-\" or \"_\"");
		} else {
			p->name = mem_strdup(json_string_value(name));
			struct buf file = BUF_INIT;
			buf_printf(&file, "%s/%s.so", cfg->plugin_dir, p->name);
			struct stat st;
			const char *why = NULL;
			int fd = config_check_open_regular(file.p, &st, &why);
			if (fd < 0) {
				struct buf what = BUF_INIT;
				buf_printf(&what, "a plugin installed in %s (or set \"plugin_dir\", or "
						  "give a \"path\")", cfg->plugin_dir);
				config_check_report_file(c, what.p, p->name, file.p, why);
				buf_free(&what);
				buf_free(&file);
			} else {
				close(fd);
				p->path = buf_steal(&file);
			}
		}
		config_check_key_pop(c, m);
	} else {
		config_check_get_path(c, cfg->dir, item, "path", true, &p->path);
	}
	json_t *conf = json_object_get(item, "config");
	if (conf && !json_is_object(conf)) {
		size_t m = config_check_key_push(c, "config");
		config_check_expected(c, conf, "an object: the plugin's own settings");
		config_check_key_pop(c, m);
	} else {
		p->config_json = conf ? json_dumps(conf, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (!p->config_json)
			p->config_json = mem_strdup("{}");
	}
}

static void parse_plugins(struct config_check_ctx *c, const struct config *cfg, json_t *obj,
			  struct config_chat *chat)
{
	json_t *list = json_object_get(obj, "plugins");
	if (!list)
		return;
	size_t mark = config_check_key_push(c, "plugins");
	if (!json_is_array(list)) {
		config_check_expected(c, list, "an array of plugins, each {\"name\": ...} or "
				      "{\"path\": ...}");
		config_check_key_pop(c, mark);
		return;
	}
	chat->plugins = mem_calloc(json_array_size(list) + 1, sizeof *chat->plugins);
	for (size_t i = 0; i < json_array_size(list); i++) {
		size_t m = config_check_key_push_index(c, i);
		struct config_plugin *p = &chat->plugins[chat->n_plugins++];
		parse_plugin(c, cfg, json_array_get(list, i), p);
		for (size_t k = 0; k + 1 < chat->n_plugins && p->path; k++) {
			if (chat->plugins[k].path && strcmp(chat->plugins[k].path, p->path) == 0) {
				config_check_report(c, "expected each plugin once per chat, got %s again "
						       "(plugins[%zu]); one entry takes one \"config\"",
						    p->path, k);
				break;
			}
		}
		config_check_key_pop(c, m);
	}
	config_check_key_pop(c, mark);
}

/* Sets chat->network_index, or reports which networks there are. */
static void find_network(struct config_check_ctx *c, const struct config *cfg, const json_t *v,
			 struct config_chat *chat)
{
	for (size_t i = 0; i < cfg->n_networks; i++) {
		if (strcmp(cfg->networks[i].name, chat->network) == 0) {
			chat->network_index = i;
			return;
		}
	}
	struct buf names = BUF_INIT;
	for (size_t i = 0; i < cfg->n_networks && i < 10; i++) {
		buf_adds(&names, i ? ", " : "");
		config_check_put_quoted(&names, cfg->networks[i].name, strlen(cfg->networks[i].name));
	}
	if (cfg->n_networks > 10)
		buf_adds(&names, ", ...");
	size_t m = config_check_key_push(c, "network");
	config_check_expected(c, v, "the name of a network under \"networks\" (%s)",
		    cfg->n_networks ? buf_str(&names) : "none is defined");
	config_check_key_pop(c, m);
	buf_free(&names);
}

void config_parse_chat(struct config_check_ctx *c, const struct config *cfg, json_t *obj,
		       struct config_chat *chat)
{
	chat->network_index = SIZE_MAX;
	chat->intro_minutes = 5;
	chat->warning_minutes = 2;
	chat->overrun_grace_minutes = 30;
	if (!json_is_object(obj)) {
		config_check_expected(c, obj, "an object with at least \"network\", \"room\" and \"agenda\"");
		return;
	}
	CONFIG_CHECK_CHECK_KEYS(c, obj, chat_keys);
	if (!json_object_get(obj, "network"))
		config_check_missing(c, "network", "the name of a network under \"networks\"");
	if (!json_object_get(obj, "room"))
		config_check_missing(c, "room", "an IRC channel such as \"#hcsm\"");
	if (config_check_get_text(c, obj, "network", &config_check_rule_network_ref, &chat->network) > 0)
		find_network(c, cfg, json_object_get(obj, "network"), chat);
	bool matrix = chat->network_index != SIZE_MAX &&
		      cfg->networks[chat->network_index].type == CONFIG_NET_MATRIX;
	const struct config_check_text_rule *person = matrix ? &config_check_rule_matrix_user
							     : &config_check_rule_account;
	config_check_get_text(c, obj, "room", matrix ? &config_check_rule_matrix_room : &config_check_rule_room,
			      &chat->room);
	chat->title = mem_strdup(chat->name);
	config_check_get_text(c, obj, "title", &config_check_rule_title, &chat->title);
	chat->timezone = mem_strdup("UTC");
	json_t *zone = json_object_get(obj, "timezone");
	if (zone) {
		size_t mark = config_check_key_push(c, "timezone");
		struct buf why = BUF_INIT;
		struct tz *z = NULL;
		if (!json_is_string(zone)) {
			config_check_expected(c, zone, "an IANA time zone name such as \"America/New_York\"");
		} else if (tz_load(json_string_value(zone), &z, &why) != 0) {
			/* tz says what is wrong with the name, quoted and escaped */
			config_check_report(c, "%s; expected an IANA time zone name such as "
					       "\"America/New_York\"", buf_str(&why));
		} else {
			free(chat->timezone);
			chat->timezone = mem_strdup(json_string_value(zone));
		}
		tz_free(z);
		buf_free(&why);
		config_check_key_pop(c, mark);
	}
	config_check_get_bool(c, obj, "pseudonyms", &chat->pseudonyms);
	get_message(c, obj, "welcome", &chat->welcome);
	chat->disclaimer = mem_strdup(DEFAULT_DISCLAIMER);
	get_message(c, obj, "disclaimer", &chat->disclaimer);
	get_message(c, obj, "rules", &chat->rules);
	config_check_get_bool(c, obj, "ops_are_moderators", &chat->ops_are_moderators);
	const char *people = matrix ? "an array of Matrix user ids" : "an array of account names";
	int hosts = config_check_get_text_array(c, obj, "hosts", people, person, 0, &chat->hosts,
						&chat->n_hosts);
	config_check_get_text_array(c, obj, "cohosts", people, person, 0, &chat->cohosts, &chat->n_cohosts);
	if (hosts == 0 && !chat->ops_are_moderators) {
		config_check_missing(c, "hosts", "the accounts that run the chat, or set \"ops_are_moderators\": "
				       "true");
	} else if (hosts > 0 && !chat->n_hosts && !chat->ops_are_moderators) {
		size_t m = config_check_key_push(c, "hosts");
		config_check_expected(c, json_object_get(obj, "hosts"),
			    "at least one host account (or \"ops_are_moderators\": true)");
		config_check_key_pop(c, m);
	}
	config_check_get_number(c, obj, "intro_minutes", &minutes_any, &chat->intro_minutes);
	config_check_get_number(c, obj, "warning_minutes", &minutes_any, &chat->warning_minutes);
	config_check_get_number(c, obj, "overrun_grace_minutes", &minutes_any, &chat->overrun_grace_minutes);
	chat->prefix = mem_strdup("!");
	config_check_get_text(c, obj, "prefix", &config_check_rule_prefix, &chat->prefix);
	parse_agenda(c, obj, chat);
	chat->mute_minutes = 10;
	config_check_get_number(c, obj, "mute_minutes", &minutes_any, &chat->mute_minutes);
	parse_plugins(c, cfg, obj, chat);
	config_parse_schedule(c, obj, chat);
	/* welcome: absent (NULL) lets the session greet with the title the chat
	 * was opened under; "" means no welcome at all */
	if (json_object_get(obj, "welcome") && !chat->welcome)
		chat->welcome = mem_strdup("");
}

/* Folds a channel name the way IRC servers do (rfc1459 casemapping). */
static int irc_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = (unsigned char)*a, y = (unsigned char)*b;
		x = x >= 'A' && x <= '^' ? x + 32 : x;
		y = y >= 'A' && y <= '^' ? y + 32 : y;
		if (x != y || !x)
			return x - y;
	}
}

void config_check_duplicate_rooms(struct config_check_ctx *c, struct config *cfg)
{
	for (size_t j = 0; j < cfg->n_chats; j++) {
		struct config_chat *b = &cfg->chats[j];
		for (size_t i = 0; i < j && b->room && b->network_index != SIZE_MAX; i++) {
			struct config_chat *a = &cfg->chats[i];
			if (!a->room || a->network_index != b->network_index ||
			    irc_casecmp(a->room, b->room) != 0)
				continue;
			size_t m1 = config_check_key_push(c, "chats"), m2 = config_check_key_push(c, b->name);
			size_t m3 = config_check_key_push(c, "room");
			struct buf got = BUF_INIT, other = BUF_INIT, room = BUF_INIT;
			config_check_put_quoted(&got, b->room, strlen(b->room));
			config_check_put_quoted(&other, a->name, strlen(a->name));
			config_check_put_quoted(&room, a->room, strlen(a->room));
			config_check_report(c, "expected a room no other chat uses on network \"%s\", got %s (chat %s "
				     "already uses %s)", b->network, buf_str(&got), buf_str(&other),
				  buf_str(&room));
			buf_free(&got);
			buf_free(&other);
			buf_free(&room);
			config_check_key_pop(c, m3);
			config_check_key_pop(c, m2);
			config_check_key_pop(c, m1);
			break;
		}
	}
}

void config_free_chat(struct config_chat *ch)
{
	free(ch->name);
	free(ch->network);
	free(ch->room);
	free(ch->title);
	config_check_free_strings(ch->hosts, ch->n_hosts);
	config_check_free_strings(ch->cohosts, ch->n_cohosts);
	free(ch->welcome);
	free(ch->disclaimer);
	free(ch->rules);
	free(ch->timezone);
	free(ch->prefix);
	for (size_t i = 0; i < ch->n_agenda; i++)
		free(ch->agenda[i].text);
	free(ch->agenda);
	for (size_t i = 0; i < ch->n_plugins; i++) {
		free(ch->plugins[i].name);
		free(ch->plugins[i].path);
		free(ch->plugins[i].config_json);
	}
	free(ch->plugins);
	schedule_free(ch->schedule);
	free(ch->reminders);
}

