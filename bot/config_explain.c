/* config_explain.c: config_explain() (see config.h), the plain-language
 * summary "rounds check-config" prints of what a loaded configuration will
 * do. It reads only the public struct config. */
#include "clock.h"
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "schedule.h"

/* Config text shown in a terminal: control characters become '?'. */
static void put_plain(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void put_list(struct buf *b, char **v, size_t n)
{
	if (!n)
		buf_adds(b, "none");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(b, ", ");
		put_plain(b, v[i]);
	}
}

/* host:port, with an IPv6 literal in brackets. */
static void put_host_port(struct buf *b, const struct config_network *n)
{
	bool v6 = strchr(n->host, ':') != NULL;
	buf_adds(b, v6 ? "[" : "");
	put_plain(b, n->host);
	buf_printf(b, "%s:%d", v6 ? "]" : "", n->port);
}

static void explain_network(const struct config_network *n, struct buf *out)
{
	buf_adds(out, "network ");
	put_plain(out, n->name);
	buf_adds(out, ": IRC at ");
	put_host_port(out, n);
	if (!n->tls)
		buf_adds(out, ", TLS off (plain text)");
	else if (!n->tls_verify)
		buf_adds(out, ", TLS on, certificate NOT verified");
	else if (n->ca_file)
		buf_adds(out, ", TLS on, certificate verified against the CA file below");
	else
		buf_adds(out, ", TLS on, certificate verified against the system trust store");
	if (n->websocket) {
		buf_printf(out, ", over WebSocket (%s://", n->tls ? "wss" : "ws");
		put_host_port(out, n);
		put_plain(out, n->ws_path);
		buf_adds(out, ", origin ");
		put_plain(out, n->ws_origin);
		buf_adds(out, ", subprotocols ");
		put_list(out, n->ws_subprotocols, n->n_ws_subprotocols);
		buf_addc(out, ')');
	}
	if (n->tls && n->tls_verify && n->ca_file) {
		buf_adds(out, "\n  CA file ");
		put_plain(out, n->ca_file);
	}
	buf_adds(out, "\n  nick ");
	put_plain(out, n->nick);
	buf_adds(out, ", username ");
	put_plain(out, n->username);
	buf_adds(out, ", real name \"");
	put_plain(out, n->realname);
	buf_adds(out, "\"\n  ");
	if (n->sasl_account) {
		buf_adds(out, "SASL login as ");
		put_plain(out, n->sasl_account);
		buf_adds(out, ", password from ");
		put_plain(out, n->sasl_password_source);
	} else {
		buf_adds(out, "no SASL login (the bot will not be identified to services)");
	}
	buf_printf(out, "\n  sends at most %d lines at once, then %g per second; reconnects after ",
		   n->pace_burst, n->pace_per_second);
	clock_format_duration((int64_t)(n->reconnect_min_seconds * 1000), out);
	buf_adds(out, " to ");
	clock_format_duration((int64_t)(n->reconnect_max_seconds * 1000), out);
	buf_adds(out, " (doubling, with jitter); checks the link after ");
	clock_format_duration((int64_t)(n->ping_seconds * 1000), out);
	buf_adds(out, " of silence\n");
}

static void explain_chat(const struct config_chat *ch, struct buf *out)
{
	buf_adds(out, "chat ");
	put_plain(out, ch->name);
	buf_adds(out, ": \"");
	put_plain(out, ch->title);
	buf_adds(out, "\" in ");
	put_plain(out, ch->room);
	buf_adds(out, " on ");
	put_plain(out, ch->network);
	buf_adds(out, "\n  hosts: ");
	put_list(out, ch->hosts, ch->n_hosts);
	buf_adds(out, "; cohosts: ");
	put_list(out, ch->cohosts, ch->n_cohosts);
	buf_printf(out, "; channel operators %s moderators\n",
		   ch->ops_are_moderators ? "are also" : "are not");
	double planned = config_chat_planned_minutes(ch);
	buf_printf(out, "  %zu topic%s, ", ch->n_agenda, ch->n_agenda == 1 ? "" : "s");
	clock_format_minutes(planned, out);
	buf_adds(out, " planned (");
	clock_format_minutes(ch->intro_minutes, out);
	buf_adds(out, " of introductions, then the topics); ");
	if (ch->warning_minutes > 0) {
		buf_adds(out, "a warning ");
		clock_format_minutes(ch->warning_minutes, out);
		buf_adds(out, " before each topic ends; ");
	} else {
		buf_adds(out, "no warnings; ");
	}
	buf_adds(out, "closed if it runs ");
	clock_format_minutes(ch->overrun_grace_minutes, out);
	buf_adds(out, " past its planned end\n");
	for (size_t i = 0; i < ch->n_agenda; i++) {
		buf_printf(out, "    T%zu (", i + 1);
		clock_format_minutes(ch->agenda[i].minutes, out);
		buf_adds(out, ") ");
		put_plain(out, ch->agenda[i].text);
		buf_addc(out, '\n');
	}
	buf_adds(out, "  commands start with \"");
	put_plain(out, ch->prefix);
	buf_printf(out, "\"; disclaimer %s; rules %s\n", ch->disclaimer ? "posted" : "off",
		   ch->rules ? "posted" : "none");
	buf_adds(out, "  transcripts show times in ");
	put_plain(out, ch->timezone ? ch->timezone : "UTC");
	buf_adds(out, ch->pseudonyms ? "; participants appear under pseudonyms\n"
				     : "; participants appear under their nicks\n");
	if (ch->schedule) {
		buf_adds(out, "  opened by the bot ");
		schedule_describe(ch->schedule, out);
		buf_adds(out, " (local time)");
		for (size_t i = 0; i < ch->n_reminders; i++) {
			buf_adds(out, i ? ", " : "; reminders ");
			schedule_format_duration(out, (int64_t)(ch->reminders[i] * 60000));
		}
		buf_adds(out, ch->n_reminders ? " before; 'rounds schedule' lists the dates\n"
					      : "; no reminders; 'rounds schedule' lists the dates\n");
	} else {
		buf_adds(out, "  no schedule: opened by a host's !start\n");
	}
	if (!ch->n_plugins) {
		buf_adds(out, "  no plugins\n");
		return;
	}
	buf_adds(out, "  plugins (in this order): ");
	for (size_t i = 0; i < ch->n_plugins; i++) {
		buf_adds(out, i ? ", " : "");
		put_plain(out, ch->plugins[i].name ? ch->plugins[i].name : ch->plugins[i].path);
	}
	buf_adds(out, "; a plugin's mute lasts ");
	if (ch->mute_minutes > 0)
		clock_format_minutes(ch->mute_minutes, out);
	else
		buf_adds(out, "until a host lifts it");
	buf_addc(out, '\n');
}

void config_explain(const struct config *cfg, struct buf *out)
{
	buf_adds(out, "configuration ");
	put_plain(out, cfg->path);
	buf_addc(out, '\n');
	for (size_t i = 0; i < cfg->n_networks; i++)
		explain_network(&cfg->networks[i], out);
	for (size_t i = 0; i < cfg->n_chats; i++)
		explain_chat(&cfg->chats[i], out);
	buf_adds(out, "store: ");
	put_plain(out, cfg->store_path);
	buf_adds(out, "\ntranscripts: ");
	put_plain(out, cfg->output_dir);
	buf_adds(out, " (archive \"");
	put_plain(out, cfg->archive_title);
	buf_adds(out, "\")\nplugins by name from: ");
	put_plain(out, cfg->plugin_dir);
	buf_addc(out, '\n');
	if (cfg->base_url) {
		buf_adds(out, "wrap-up links: ");
		put_plain(out, cfg->base_url);
		buf_adds(out, "/...\n");
	} else
		buf_adds(out, "wrap-up links: none (no base_url; the wrap-up names the page's file)\n");
	buf_printf(out, "log level: %s\n", cfg->log_level);
}
