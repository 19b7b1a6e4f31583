/* irc.c: the IRC client protocol for one connection (see irc.h): its
 * lifecycle, the handlers that turn
 * server lines into events (messages, joins, parts, quits, nicks, kicks,
 * topics), PING/PONG/ERROR, the sorted dispatch table and the queries.
 * Registration (CAP, SASL, ISUPPORT, 001, nick fallback, BATCH) is in
 * ircreg.c; NAMES/WHOX/MODE/ACCOUNT tracking is in ircmembers.c; the
 * outgoing queues and the sending API are in ircsend.c; the struct
 * they share is in the module-private irc_impl.h. */
#include "irc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "irc_impl.h"
#include "ircqueue.h"
#include "ircusers.h"
#include "log.h"
#include "mem.h"

#define REJOIN_DELAY_MS 5000
#define NICK_REGAIN_MS 60000
#define REGISTRATION_TIMEOUT_MS 60000

void irc_set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = mem_strdup_opt(src);
}

int irc_channel_index(const struct irc *irc, const char *name)
{
	for (size_t i = 0; i < irc->n_chans; i++)
		if (ircmsg_caseeq(irc->chans[i].name, name, irc->cm))
			return (int)i;
	return -1;
}

/* ---- lifecycle -------------------------------------------------------- */

struct irc *irc_new(const struct irc_options *opt, const struct irc_callbacks *cb)
{
	struct irc *irc = mem_calloc(1, sizeof *irc);
	irc->cb = *cb;
	irc->network = mem_strdup(opt->network);
	irc->want_nick = mem_strdup(opt->nick);
	irc->username = mem_strdup(opt->username ? opt->username : opt->nick);
	irc->realname = mem_strdup(opt->realname ? opt->realname : "rounds");
	irc->sasl_account = mem_strdup_opt(opt->sasl_account);
	irc->sasl_password = mem_strdup_opt(opt->sasl_password);
	irc->ping_ms = opt->ping_ms > 0 ? opt->ping_ms : 60000;
	irc_reset_isupport(irc);
	for (size_t i = 0; i < opt->n_channels && i < IRC_MAX_CHANNELS; i++) {
		irc->chans[i].name = mem_strdup(opt->channels[i]);
		irc->chans[i].folded = ircmsg_casefold(mem_strdup(opt->channels[i]), irc->cm);
		irc->n_chans++;
	}
	if (opt->n_channels > IRC_MAX_CHANNELS)
		log_error("irc[%s]: only the first %d channels are joined", irc->network, IRC_MAX_CHANNELS);
	ircusers_init(&irc->users, irc->cm);
	irc->stats.lag_ms = -1;
	return irc;
}

void irc_disconnected(struct irc *irc)
{
	irc->connected = irc->registered = irc->cap_ls_done = irc->cap_end_sent = false;
	irc->sasl_active = irc->ping_out = false;
	irc->caps = 0;
	irc->peeked = NULL;
	ircqueue_clear(&irc->queues[IRC_URGENT]);
	ircusers_clear(&irc->users);
	for (size_t i = 0; i < irc->n_chans; i++) {
		if (irc->chans[i].joined || irc->chans[i].gap.back)
			irc_gap_open(irc, i, irc->last_rx); /* away from here until back in */
		irc->chans[i].joined = false;
		irc->chans[i].rejoin_at = 0;
	}
	irc_clear_batches(irc);
	irc_set_str(&irc->sasl_mechs, NULL);
	irc_set_str(&irc->self_user, NULL);
	irc_set_str(&irc->self_host, NULL);
	buf_clear(&irc->cap_ls);
}

void irc_free(struct irc *irc)
{
	if (!irc)
		return;
	irc_disconnected(irc);
	ircqueue_clear(&irc->queues[IRC_POST]);
	ircqueue_clear(&irc->queues[IRC_REPLY]);
	for (size_t i = 0; i < irc->n_chans; i++) {
		free(irc->chans[i].name);
		free(irc->chans[i].folded);
	}
	for (int i = 0; i < 4; i++)
		free(irc->chanmodes[i]);
	free(irc->network);
	free(irc->want_nick);
	free(irc->username);
	free(irc->realname);
	free(irc->sasl_account);
	if (irc->sasl_password)
		memset(irc->sasl_password, 0, strlen(irc->sasl_password));
	free(irc->sasl_password);
	free(irc->nick);
	buf_free(&irc->cap_ls);
	buf_free(&irc->text);
	buf_free(&irc->line);
	free(irc);
}

void irc_connected(struct irc *irc, int64_t now_ms)
{
	irc_disconnected(irc);
	irc_reset_isupport(irc);
	ircusers_set_casemapping(&irc->users, irc->cm);
	irc->connected = true;
	irc->connected_at = irc->last_rx = now_ms;
	irc->nick_tries = 0;
	irc_set_str(&irc->nick, irc->want_nick);
	irc_sendf(irc, "CAP LS 302");
	irc_sendf(irc, "NICK %s", irc->want_nick);
	irc_sendf(irc, "USER %s 0 * :%s", irc->username, irc->realname);
}

/* ---- events ----------------------------------------------------------- */

void irc_emit(struct irc *irc, struct event *ev)
{
	ev->network = irc->network;
	irc->stats.events++;
	if (irc->cb.event)
		irc->cb.event(irc->cb.ud, ev);
}

static bool is_self(const struct irc *irc, const char *nick)
{
	return nick && irc->nick && ircmsg_caseeq(nick, irc->nick, irc->cm);
}

static int64_t msg_time(const struct ircmsg *m, int64_t now, unsigned *flags)
{
	const char *t = ircmsg_tag(m, "time");
	int64_t ts = t ? clock_parse_iso(t) : -1;
	if (ts >= 0)
		return ts;
	*flags |= EVENT_F_LOCAL_TIME;
	return now;
}

/* Account of the sender of m: the account tag is authoritative when the
 * cap is on; otherwise what was tracked. */
static const char *sender_account(struct irc *irc, const struct ircmsg *m)
{
	struct ircuser *u = ircusers_get(&irc->users, m->nick);
	if (irc->caps & IRC_CAP_ACCOUNT_TAG) {
		const char *a = ircmsg_tag(m, "account");
		if (u)
			ircusers_set_account(u, a);
		return a && *a ? a : NULL;
	}
	return u ? u->account : NULL;
}

static void ctcp_reply(struct irc *irc, const char *to, const char *cmd, const char *arg)
{
	char text[300];
	if (strcasecmp(cmd, "VERSION") == 0)
		snprintf(text, sizeof text, "\001VERSION rounds (chat moderator bot)\001");
	else if (strcasecmp(cmd, "PING") == 0 && arg && strlen(arg) <= 64 &&
		 strspn(arg, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .:-_") ==
			 strlen(arg))
		snprintf(text, sizeof text, "\001PING %s\001", arg); /* echoed: only tame bytes */
	else
		return;
	irc_notice(irc, to, text);
}

static void on_message(struct irc *irc, struct ircmsg *m, int64_t now, enum event_kind kind)
{
	if (m->n_params < 2 || !m->nick || !m->user)
		return; /* server notices during registration and the like */
	const char *target = m->params[0];
	char *text = (char *)m->params[1];
	/* STATUSMSG ("@#chan"): the room's, but for its operators only */
	const char *full = target;
	while (*target && strchr(irc->prefix_chars, *target) && irc_is_channel(irc, target + 1))
		target++;
	bool chan = irc_is_channel(irc, target), self = is_self(irc, m->nick);
	unsigned flags = (self ? EVENT_F_SELF : 0) | (chan ? 0 : EVENT_F_PRIVATE) |
			 (target != full ? EVENT_F_STATUSMSG : 0);
	if (irc_in_history_batch(irc, m))
		flags |= EVENT_F_REPLAY;
	size_t tlen = strlen(text);
	if (text[0] == '\001') {
		char *body = text + 1, *end = strchr(body, '\001');
		if (end)
			*end = '\0';
		char *arg = strchr(body, ' ');
		if (arg)
			*arg++ = '\0';
		if (strcmp(body, "ACTION") != 0) {
			if (kind == EVENT_MESSAGE && !self && !(flags & EVENT_F_REPLAY))
				ctcp_reply(irc, m->nick, body, arg);
			return;
		}
		kind = EVENT_ACTION;
		text = arg ? arg : body + strlen(body);
		tlen = strlen(text);
	}
	buf_clear(&irc->text);
	ircmsg_clean_text(&irc->text, text, tlen);
	int c = chan ? irc_channel_index(irc, target) : -1;
	if (c >= 0) {
		struct ircuser *u = ircusers_get(&irc->users, m->nick);
		if (u && (u->op & (1u << c)))
			flags |= EVENT_F_OP;
		target = irc->chans[c].name; /* the configured spelling */
	}
	const char *reply = ircmsg_tag(m, "+draft/reply");
	if (!reply)
		reply = ircmsg_tag(m, "+reply");
	struct event ev = {
		.kind = kind,
		.room = chan ? target : (self ? target : m->nick),
		.nick = m->nick,
		.account = self ? irc->sasl_account : sender_account(irc, m),
		.text = buf_str(&irc->text),
		.msgid = ircmsg_tag(m, "msgid"),
		.reply_to = reply && *reply ? reply : NULL,
	};
	ev.ts_ms = msg_time(m, now, &flags);
	ev.flags = flags;
	if (!irc_gap_line(irc, c, &ev))
		return; /* replayed, and read before */
	irc_emit(irc, &ev);
}

static void on_privmsg(struct irc *irc, struct ircmsg *m, int64_t now)
{
	on_message(irc, m, now, EVENT_MESSAGE);
}

static void on_notice(struct irc *irc, struct ircmsg *m, int64_t now)
{
	on_message(irc, m, now, EVENT_NOTICE);
}

/* Emits a simple membership event for one channel. */
static void emit_member(struct irc *irc, const struct ircmsg *m, int64_t now, enum event_kind kind,
			const char *room, const char *account, const char *text, const char *target)
{
	unsigned flags = is_self(irc, m->nick) ? EVENT_F_SELF : 0;
	if (text) {
		buf_clear(&irc->text);
		ircmsg_clean_text(&irc->text, text, strlen(text));
		text = buf_str(&irc->text);
	}
	struct event ev = {
		.kind = kind, .room = room, .nick = m->nick, .account = account,
		.text = text, .target = target, .msgid = ircmsg_tag(m, "msgid"),
	};
	ev.ts_ms = msg_time(m, now, &flags);
	ev.flags = flags;
	irc_gap_event(irc, irc_channel_index(irc, room), &ev);
	irc_emit(irc, &ev);
}

static void on_join(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params < 1 || !m->nick)
		return;
	const char *chan = m->params[0];
	int c = irc_channel_index(irc, chan);
	const char *account = NULL;
	if ((irc->caps & IRC_CAP_EXTENDED_JOIN) && m->n_params >= 2 && strcmp(m->params[1], "*") != 0)
		account = m->params[1];
	if (is_self(irc, m->nick)) {
		if (m->user)
			irc_set_str(&irc->self_user, m->user);
		if (m->host)
			irc_set_str(&irc->self_host, m->host);
		if (c < 0) {
			log_warn("irc[%s]: joined %s, which is not configured; leaving", irc->network, chan);
			irc_sendf(irc, "PART %s :not configured here", chan);
			return;
		}
		irc->chans[c].joined = true;
		irc->chans[c].rejoin_at = 0;
		ircusers_clear_channel(&irc->users, (unsigned)c);
		log_info("irc[%s]: joined %s", irc->network, irc->chans[c].name);
		if (irc->whox)
			irc_sendf(irc, "WHO %s %%tcnfa," IRC_WHOX_TOKEN, irc->chans[c].name);
		unsigned tf = 0;
		int64_t joined_at = msg_time(m, now, &tf);
		irc_gap_back(irc, (size_t)c, tf & EVENT_F_LOCAL_TIME ? now : joined_at, now);
		if (irc->cb.want_write)
			irc->cb.want_write(irc->cb.ud); /* held chat lines may go now */
		account = irc->sasl_account;
	} else if (c >= 0) {
		struct ircuser *u = ircusers_add(&irc->users, m->nick);
		if (u) {
			u->present |= 1u << c;
			u->op &= ~(1u << c);
			if (irc->caps & IRC_CAP_EXTENDED_JOIN)
				ircusers_set_account(u, account);
			else
				account = u->account;
		}
	}
	if (c >= 0)
		emit_member(irc, m, now, EVENT_JOIN, irc->chans[c].name, account, NULL, NULL);
}

static void on_part(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params < 1 || !m->nick)
		return;
	int c = irc_channel_index(irc, m->params[0]);
	if (c < 0)
		return;
	struct ircuser *u = ircusers_get(&irc->users, m->nick);
	const char *account = u ? u->account : NULL;
	char *acct = mem_strdup_opt(account);
	emit_member(irc, m, now, EVENT_PART, irc->chans[c].name, acct, ircmsg_param(m, 1), NULL);
	free(acct);
	if (is_self(irc, m->nick)) {
		irc->chans[c].joined = false;
		ircusers_clear_channel(&irc->users, (unsigned)c);
	} else {
		ircusers_leave(&irc->users, m->nick, (unsigned)c);
	}
}

static void on_quit(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (!m->nick)
		return;
	struct ircuser *u = ircusers_get(&irc->users, m->nick);
	if (!u)
		return;
	uint32_t present = u->present;
	char *acct = mem_strdup_opt(u->account);
	for (size_t c = 0; c < irc->n_chans; c++)
		if (present & (1u << c))
			emit_member(irc, m, now, EVENT_QUIT, irc->chans[c].name, acct, ircmsg_param(m, 0), NULL);
	free(acct);
	ircusers_remove(&irc->users, m->nick);
}

static void on_nick(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params < 1 || !m->nick)
		return;
	const char *new_nick = m->params[0];
	if (is_self(irc, m->nick)) {
		log_info("irc[%s]: now known as %s", irc->network, new_nick);
		irc_set_str(&irc->nick, new_nick);
	}
	struct ircuser *u = ircusers_get(&irc->users, m->nick);
	if (u) {
		uint32_t present = u->present;
		char *acct = mem_strdup_opt(u->account);
		for (size_t c = 0; c < irc->n_chans; c++)
			if (present & (1u << c))
				emit_member(irc, m, now, EVENT_NICK, irc->chans[c].name, acct, NULL, new_nick);
		free(acct);
		ircusers_rename(&irc->users, m->nick, new_nick);
	}
}

static void on_kick(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params < 2 || !m->nick)
		return;
	int c = irc_channel_index(irc, m->params[0]);
	if (c < 0)
		return;
	const char *victim = m->params[1];
	emit_member(irc, m, now, EVENT_KICK, irc->chans[c].name, NULL, ircmsg_param(m, 2), victim);
	if (is_self(irc, victim)) {
		log_warn("irc[%s]: kicked from %s by %s; rejoining in %d s", irc->network,
			 irc->chans[c].name, m->nick, REJOIN_DELAY_MS / 1000);
		irc->chans[c].joined = false;
		irc->chans[c].rejoin_at = now + REJOIN_DELAY_MS;
		irc_gap_open(irc, (size_t)c, now);
		ircusers_clear_channel(&irc->users, (unsigned)c);
	} else {
		ircusers_leave(&irc->users, victim, (unsigned)c);
	}
}

static void on_topic(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params < 2 || !m->nick)
		return;
	int c = irc_channel_index(irc, m->params[0]);
	if (c >= 0)
		emit_member(irc, m, now, EVENT_TOPIC, irc->chans[c].name, NULL, m->params[1], NULL);
}

static void on_cannot_join(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params < 2)
		return;
	int c = irc_channel_index(irc, m->params[1]);
	char q[200];
	const char *why = m->params[m->n_params - 1];
	log_error("irc[%s]: cannot join %s: %s; retrying in a minute", irc->network, m->params[1],
		  log_quote(q, sizeof q, why, strlen(why)));
	if (c >= 0)
		irc->chans[c].rejoin_at = now + 60000;
}

static void on_ping(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params >= 1 && !strpbrk(m->params[0], " \r\n") && strlen(m->params[0]) < 400)
		irc_sendf(irc, "PONG :%s", m->params[0]);
	else
		irc_sendf(irc, "PONG");
}

#define SYNC_PREFIX "rounds-sync-"

uint64_t irc_sync(struct irc *irc)
{
	if (!irc->registered)
		return 0;
	uint32_t n = ++irc->sync_sent;
	irc_sendf(irc, "PING :" SYNC_PREFIX "%u-%u", irc->stats.registrations, (unsigned)n);
	return (uint64_t)irc->stats.registrations << 32 | n;
}

bool irc_synced(const struct irc *irc, uint64_t token)
{
	uint32_t n = (uint32_t)token;
	return irc->registered && token >> 32 == irc->stats.registrations && n && n <= irc->sync_acked;
}

/* "rounds-sync-R-N": the answer to irc_sync's Nth PING on registration R */
static bool sync_pong(struct irc *irc, const char *tok)
{
	if (strncmp(tok, SYNC_PREFIX, strlen(SYNC_PREFIX)) != 0)
		return false;
	const char *p = tok + strlen(SYNC_PREFIX);
	char *end;
	if (!isdigit((unsigned char)*p))
		return true;
	unsigned long reg = strtoul(p, &end, 10);
	if (*end != '-' || !isdigit((unsigned char)end[1]))
		return true;
	unsigned long n = strtoul(end + 1, &end, 10);
	if (*end == '\0' && reg == irc->stats.registrations && n > irc->sync_acked && n <= irc->sync_sent)
		irc->sync_acked = (uint32_t)n; /* and every one before it: answered in order */
	return true;
}

static void on_pong(struct irc *irc, struct ircmsg *m, int64_t now)
{
	const char *tok = m->n_params ? m->params[m->n_params - 1] : "";
	if (irc_gap_pong(irc, tok, now) || sync_pong(irc, tok))
		return;
	if (irc->ping_out && strcmp(tok, irc->ping_token) == 0) {
		irc->ping_out = false;
		irc->stats.lag_ms = now - irc->ping_sent;
		log_debug("irc[%s]: lag %lld ms", irc->network, (long long)irc->stats.lag_ms);
	}
}

static void on_error(struct irc *irc, struct ircmsg *m, int64_t now)
{
	char q[300];
	const char *why = m->n_params ? m->params[0] : "";
	log_warn("irc[%s]: server closed the link: %s", irc->network,
		 log_quote(q, sizeof q, why, strlen(why)));
}

typedef void (*irc_handler)(struct irc *irc, struct ircmsg *m, int64_t now);

/* Sorted by command (strcmp order): looked up with bsearch. */
static const struct irc_verb {
	const char *command;
	irc_handler fn;
} verbs[] = {
	{"001", irc_on_welcome},    {"005", irc_on_isupport},    {"353", irc_on_names},
	{"354", irc_on_whox},       {"396", irc_on_host_hidden}, {"432", irc_on_nick_error},
	{"433", irc_on_nick_error}, {"437", irc_on_nick_error},  {"471", on_cannot_join},
	{"473", on_cannot_join},    {"474", on_cannot_join},     {"475", on_cannot_join},
	{"900", irc_on_logged_in},  {"902", irc_on_sasl_fail},   {"903", irc_on_sasl_ok},
	{"904", irc_on_sasl_fail},  {"905", irc_on_sasl_fail},   {"906", irc_on_sasl_fail},
	{"908", irc_on_sasl_fail},  {"ACCOUNT", irc_on_account}, {"AUTHENTICATE", irc_on_authenticate},
	{"BATCH", irc_on_batch},    {"CAP", irc_on_cap},         {"ERROR", on_error},
	{"FAIL", irc_on_fail},      {"JOIN", on_join},           {"KICK", on_kick},
	{"MODE", irc_on_mode},      {"NICK", on_nick},           {"NOTICE", on_notice},
	{"PART", on_part},          {"PING", on_ping},           {"PONG", on_pong},
	{"PRIVMSG", on_privmsg},    {"QUIT", on_quit},           {"TOPIC", on_topic},
};

static int verb_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct irc_verb *)elem)->command);
}

bool irc_verbs_sorted(void);
/* For the unit tests: the dispatch table must stay sorted. */
bool irc_verbs_sorted(void)
{
	for (size_t i = 1; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(verbs[i - 1].command, verbs[i].command) >= 0)
			return false;
	return true;
}

/* Replaces the user@host of anything that looks like nick!user@host with
 * "*@*": a log is no place for a participant's address. Never makes the
 * string longer (it fills a fixed buffer): "!@" and "!a@" are starred in
 * place. */
static void mask_hosts(char *s)
{
	for (char *bang; (bang = strchr(s, '!'));) {
		char *end = bang + 1 + strcspn(bang + 1, " ");
		if (memchr(bang, '@', (size_t)(end - bang))) {
			if (end - bang >= 4) {
				memmove(bang + 4, end, strlen(end) + 1);
				memcpy(bang, "!*@*", 4);
				end = bang + 4;
			} else {
				for (char *p = bang + 1; p < end; p++)
					if (*p != '@')
						*p = '*';
			}
		}
		s = end;
	}
}

void irc_handle_line(struct irc *irc, char *line, size_t len, int64_t now_ms)
{
	irc->stats.lines_in++;
	irc->last_rx = now_ms;
	struct ircmsg m;
	enum ircmsg_error e = ircmsg_parse(line, len, &m);
	if (e != IRCMSG_OK) {
		irc->stats.malformed++;
		char q[120];
		log_quote(q, sizeof q, line, len);
		mask_hosts(q);
		log_warn("irc[%s]: dropped a malformed line (%s; %llu so far): %s", irc->network,
			 ircmsg_strerror(e), (unsigned long long)irc->stats.malformed, q);
		return;
	}
	char upper[16];
	size_t n = strlen(m.command);
	if (n >= sizeof upper)
		return;
	for (size_t i = 0; i <= n; i++)
		upper[i] = (m.command[i] >= 'a' && m.command[i] <= 'z') ? (char)(m.command[i] - 32) : m.command[i];
	const struct irc_verb *v = bsearch(upper, verbs, sizeof verbs / sizeof verbs[0], sizeof verbs[0], verb_cmp);
	if (v)
		v->fn(irc, &m, now_ms);
}

bool irc_tick(struct irc *irc, int64_t now_ms)
{
	if (!irc->connected)
		return true;
	if (!irc->registered && now_ms - irc->connected_at > REGISTRATION_TIMEOUT_MS) {
		log_warn("irc[%s]: registration did not finish in %d s; reconnecting", irc->network,
			 REGISTRATION_TIMEOUT_MS / 1000);
		return false;
	}
	if (irc->ping_out) {
		if (now_ms - irc->ping_sent > irc->ping_ms) {
			log_warn("irc[%s]: no answer from the server for %lld s; reconnecting",
				 irc->network, (long long)(now_ms - irc->last_rx) / 1000);
			return false;
		}
	} else if (now_ms - irc->last_rx >= irc->ping_ms && irc->registered) {
		snprintf(irc->ping_token, sizeof irc->ping_token, "rounds-%lld", (long long)now_ms);
		irc->ping_out = true;
		irc->ping_sent = now_ms;
		irc_sendf(irc, "PING :%s", irc->ping_token);
	}
	if (!irc->registered)
		return true;
	irc_gap_tick(irc, now_ms);
	if (irc->nick && strcmp(irc->nick, irc->want_nick) != 0 &&
	    now_ms - irc->last_nick_try >= NICK_REGAIN_MS) {
		irc->last_nick_try = now_ms;
		irc_sendf(irc, "NICK %s", irc->want_nick);
	}
	for (size_t i = 0; i < irc->n_chans; i++) {
		if (irc->chans[i].rejoin_at && now_ms >= irc->chans[i].rejoin_at) {
			irc->chans[i].rejoin_at = now_ms + 60000; /* until the JOIN echo arrives */
			irc_sendf(irc, "JOIN %s", irc->chans[i].name);
		}
	}
	return true;
}

bool irc_registered(const struct irc *irc)
{
	return irc->registered;
}

const char *irc_current_nick(const struct irc *irc)
{
	return irc->nick ? irc->nick : irc->want_nick;
}

unsigned irc_caps(const struct irc *irc)
{
	return irc->caps;
}

enum ircmsg_casemapping irc_casemapping(const struct irc *irc)
{
	return irc->cm;
}

bool irc_in_channel(const struct irc *irc, const char *channel)
{
	int c = irc_channel_index(irc, channel);
	return c >= 0 && irc->chans[c].joined;
}

const char *irc_account_of(const struct irc *irc, const char *nick)
{
	struct ircuser *u = ircusers_get(&irc->users, nick);
	return u ? u->account : NULL;
}

bool irc_is_op(const struct irc *irc, const char *channel, const char *nick)
{
	int c = irc_channel_index(irc, channel);
	struct ircuser *u = c >= 0 ? ircusers_get(&irc->users, nick) : NULL;
	return u && (u->op & (1u << c));
}

bool irc_is_member(const struct irc *irc, const char *channel, const char *nick)
{
	int c = irc_channel_index(irc, channel);
	struct ircuser *u = c >= 0 ? ircusers_get(&irc->users, nick) : NULL;
	return u && (u->present & (1u << c));
}

const struct irc_stats *irc_stats(const struct irc *irc)
{
	return &irc->stats;
}
