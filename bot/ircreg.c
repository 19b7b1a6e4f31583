/* ircreg.c: getting onto an IRC server, for the irc module (irc_impl.h):
 * CAP LS 302 / REQ / ACK / NAK / NEW / DEL, SASL PLAIN (base64, 400-byte
 * chunks), ISUPPORT (005) and its defaults, the 001 welcome that starts the
 * joins, the nick-in-use fallback, the self user@host from 900/396, and the
 * open BATCHes (to mark chat-history playback; what is done with it is in
 * irchistory.c). */
#include "irc_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "mem.h"

static const struct {
	const char *name;
	enum irc_cap cap;
} wanted_caps[] = {
	{"sasl", IRC_CAP_SASL},
	{"server-time", IRC_CAP_SERVER_TIME},
	{"message-tags", IRC_CAP_MESSAGE_TAGS},
	{"account-tag", IRC_CAP_ACCOUNT_TAG},
	{"extended-join", IRC_CAP_EXTENDED_JOIN},
	{"account-notify", IRC_CAP_ACCOUNT_NOTIFY},
	{"echo-message", IRC_CAP_ECHO_MESSAGE},
	{"batch", IRC_CAP_BATCH},
	{"multi-prefix", IRC_CAP_MULTI_PREFIX},
	{"cap-notify", IRC_CAP_CAP_NOTIFY},
	{"draft/chathistory", IRC_CAP_CHATHISTORY},
};

#define N_WANTED (sizeof wanted_caps / sizeof wanted_caps[0])

/* ---- registration ----------------------------------------------------- */

static void join_channels(struct irc *irc)
{
	for (size_t i = 0; i < irc->n_chans; i++)
		if (!irc->chans[i].joined)
			irc_sendf(irc, "JOIN %s", irc->chans[i].name);
}

void irc_on_welcome(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params >= 1)
		irc_set_str(&irc->nick, m->params[0]);
	irc->registered = true;
	irc->stats.registrations++;
	irc->sync_sent = irc->sync_acked = 0;
	irc->last_nick_try = now;
	log_info("irc[%s]: registered as %s (caps:%s%s%s%s%s%s%s)", irc->network, irc->nick,
		 irc->caps & IRC_CAP_SASL ? " sasl" : "",
		 irc->caps & IRC_CAP_SERVER_TIME ? " server-time" : "",
		 irc->caps & IRC_CAP_ACCOUNT_TAG ? " account-tag" : "",
		 irc->caps & IRC_CAP_EXTENDED_JOIN ? " extended-join" : "",
		 irc->caps & IRC_CAP_ECHO_MESSAGE ? " echo-message" : "",
		 irc->caps & IRC_CAP_BATCH ? " batch" : "",
		 irc->caps & IRC_CAP_CHATHISTORY ? " draft/chathistory" : "");
	if (!(irc->caps & (IRC_CAP_ACCOUNT_TAG | IRC_CAP_EXTENDED_JOIN | IRC_CAP_ACCOUNT_NOTIFY)))
		log_warn("irc[%s]: the server offers no account tracking (account-tag, extended-join, "
			 "account-notify): moderators can only be recognised as channel operators",
			 irc->network);
	join_channels(irc);
	if (irc->cb.registered)
		irc->cb.registered(irc->cb.ud);
	if (irc->cb.want_write)
		irc->cb.want_write(irc->cb.ud);
}

/* ISUPPORT: what the server says about itself (005), from these defaults. */
void irc_reset_isupport(struct irc *irc)
{
	irc->cm = IRCMSG_CASE_RFC1459;
	strcpy(irc->prefix_modes, "ov");
	strcpy(irc->prefix_chars, "@+");
	strcpy(irc->chantypes, "#&");
	for (int i = 0; i < 4; i++)
		irc_set_str(&irc->chanmodes[i], (const char *[]){"beI", "k", "l", "imnpst"}[i]);
	irc->whox = irc->bot_mode = false;
	irc->chathistory_limit = -1;
	irc->msgref_msgid = false;
	irc->extban_prefix[0] = irc->extban_types[0] = '\0';
}

void irc_on_isupport(struct irc *irc, struct ircmsg *m, int64_t now)
{
	for (size_t i = 1; i + 1 < m->n_params; i++) {
		const char *tok = m->params[i], *eq = strchr(tok, '=');
		if (strcmp(tok, "-EXTBAN") == 0) { /* the server withdrew it */
			irc->extban_prefix[0] = irc->extban_types[0] = '\0';
			continue;
		}
		size_t klen = eq ? (size_t)(eq - tok) : strlen(tok);
		const char *v = eq ? eq + 1 : "";
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(tok, k, klen) == 0)
		if (KEY("CASEMAPPING")) {
			irc->cm = ircmsg_casemapping_parse(v);
			ircusers_set_casemapping(&irc->users, irc->cm);
		} else if (KEY("PREFIX") && v[0] == '(') {
			const char *close = strchr(v, ')');
			size_t n = close ? (size_t)(close - v - 1) : 0;
			if (close && n < sizeof irc->prefix_modes && strlen(close + 1) == n) {
				memcpy(irc->prefix_modes, v + 1, n);
				irc->prefix_modes[n] = '\0';
				memcpy(irc->prefix_chars, close + 1, n + 1);
			}
		} else if (KEY("CHANTYPES") && strlen(v) < sizeof irc->chantypes) {
			strcpy(irc->chantypes, v);
		} else if (KEY("CHANMODES")) {
			char *copy = mem_strdup(v), *save = NULL, *t = copy;
			for (int k = 0; k < 4; k++) {
				char *part = strsep(&t, ",");
				irc_set_str(&irc->chanmodes[k], part ? part : "");
			}
			(void)save;
			free(copy);
		} else if (KEY("EXTBAN")) {
			/* "PREFIX,TYPES" (InspIRCd 3: ",ACNOQRSTU...", Solanum: "$,ajrxz") */
			const char *comma = strchr(v, ',');
			size_t np = comma ? (size_t)(comma - v) : 0;
			if (comma && np < sizeof irc->extban_prefix &&
			    strlen(comma + 1) < sizeof irc->extban_types) {
				memcpy(irc->extban_prefix, v, np);
				irc->extban_prefix[np] = '\0';
				strcpy(irc->extban_types, comma + 1);
			}
		} else if (KEY("CHATHISTORY")) {
			/* the most lines one request may ask for; 0: no limit */
			long n = 0;
			for (const char *d = v; *d >= '0' && *d <= '9' && n < 1000000; d++)
				n = n * 10 + (*d - '0');
			irc->chathistory_limit = (int)n;
		} else if (KEY("-CHATHISTORY")) {
			irc->chathistory_limit = -1;
		} else if (KEY("MSGREFTYPES")) {
			irc->msgref_msgid = false;
			for (const char *d = v; *d;) {
				size_t n = strcspn(d, ",");
				if (n == 5 && !strncmp(d, "msgid", 5))
					irc->msgref_msgid = true;
				d += n + (d[n] == ',');
			}
		} else if (KEY("WHOX")) {
			irc->whox = true;
		} else if (KEY("BOT") && *v) {
			irc->bot_mode = true;
			if (irc->nick && strlen(v) == 1)
				irc_sendf(irc, "MODE %s +%s", irc->nick, v); /* mark ourselves as a bot */
		}
#undef KEY
	}
}

static void try_other_nick(struct irc *irc)
{
	char alt[64];
	irc->nick_tries++;
	if (irc->nick_tries <= 2)
		snprintf(alt, sizeof alt, "%.28s%s", irc->want_nick, irc->nick_tries == 1 ? "_" : "__");
	else
		snprintf(alt, sizeof alt, "%.24s%u", irc->want_nick, (unsigned)(rand() % 10000));
	log_warn("irc[%s]: nick %s is taken; trying %s", irc->network, irc->nick, alt);
	irc_set_str(&irc->nick, alt);
	irc_sendf(irc, "NICK %s", alt);
}

void irc_on_nick_error(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (irc->registered)
		return; /* a failed regain attempt: keep the current nick */
	if (irc->nick_tries > 8) {
		log_error("irc[%s]: no usable nick after %d tries", irc->network, irc->nick_tries);
		return;
	}
	try_other_nick(irc);
}

static void cap_end(struct irc *irc)
{
	if (irc->cap_end_sent)
		return;
	irc->cap_end_sent = true;
	irc_sendf(irc, "CAP END");
}

/* Caps offered in a space-separated list that we want and don't have. */
static void request_caps(struct irc *irc, const char *list)
{
	struct buf req = BUF_INIT;
	char *copy = mem_strdup(list), *save = NULL;
	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		if (eq)
			*eq++ = '\0';
		for (size_t i = 0; i < N_WANTED; i++) {
			if (strcmp(tok, wanted_caps[i].name) != 0 || (irc->caps & wanted_caps[i].cap))
				continue;
			if (wanted_caps[i].cap == IRC_CAP_SASL) {
				if (!irc->sasl_account)
					continue;
				if (eq && *eq && !strstr(eq, "PLAIN")) {
					log_error("irc[%s]: the server offers SASL %s but not PLAIN; "
						  "continuing without logging in", irc->network, eq);
					continue;
				}
			}
			buf_printf(&req, "%s%s", req.len ? " " : "", tok);
		}
	}
	free(copy);
	if (req.len)
		irc_sendf(irc, "CAP REQ :%s", req.p);
	else if (!irc->registered)
		cap_end(irc);
	buf_free(&req);
}

static void sasl_send_credentials(struct irc *irc)
{
	size_t a = strlen(irc->sasl_account), p = strlen(irc->sasl_password);
	size_t n = a + 1 + a + 1 + p;
	unsigned char *raw = mem_alloc(n);
	memcpy(raw, irc->sasl_account, a);
	raw[a] = 0;
	memcpy(raw + a + 1, irc->sasl_account, a);
	raw[2 * a + 1] = 0;
	memcpy(raw + 2 * a + 2, irc->sasl_password, p);
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf enc = BUF_INIT;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)raw[i] << 16 | (i + 1 < n ? (unsigned)raw[i + 1] << 8 : 0) |
			     (i + 2 < n ? raw[i + 2] : 0);
		buf_addc(&enc, b64[v >> 18 & 63]);
		buf_addc(&enc, b64[v >> 12 & 63]);
		buf_addc(&enc, i + 1 < n ? b64[v >> 6 & 63] : '=');
		buf_addc(&enc, i + 2 < n ? b64[v & 63] : '=');
	}
	memset(raw, 0, n);
	free(raw);
	/* 400-byte chunks; an exact multiple ends with "+" */
	size_t off = 0;
	do {
		size_t chunk = enc.len - off > 400 ? 400 : enc.len - off;
		buf_clear(&irc->line);
		buf_adds(&irc->line, "AUTHENTICATE ");
		buf_add(&irc->line, enc.p + off, chunk);
		irc_queue_line(irc, IRC_URGENT, irc->line.p, irc->line.len, NULL);
		off += chunk;
		if (chunk == 400 && off == enc.len)
			irc_sendf(irc, "AUTHENTICATE +");
	} while (off < enc.len);
	memset(enc.p, 0, enc.len);
	buf_free(&enc);
	memset(irc->line.p, 0, irc->line.len);
}

void irc_on_cap(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params < 3)
		return;
	const char *sub = m->params[1];
	bool more = m->n_params >= 4 && strcmp(m->params[2], "*") == 0;
	const char *list = m->params[m->n_params - 1];
	if (strcmp(sub, "LS") == 0) {
		buf_printf(&irc->cap_ls, "%s%s", irc->cap_ls.len ? " " : "", list);
		if (more)
			return;
		irc->cap_ls_done = true;
		request_caps(irc, buf_str(&irc->cap_ls));
		buf_clear(&irc->cap_ls);
	} else if (strcmp(sub, "ACK") == 0) {
		char *copy = mem_strdup(list), *save = NULL;
		bool sasl = false;
		for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			bool off = *tok == '-';
			for (size_t i = 0; i < N_WANTED; i++) {
				if (strcmp(tok + off, wanted_caps[i].name) != 0)
					continue;
				if (off)
					irc->caps &= ~wanted_caps[i].cap;
				else
					irc->caps |= wanted_caps[i].cap;
				if (!off && wanted_caps[i].cap == IRC_CAP_SASL)
					sasl = true;
			}
		}
		free(copy);
		if (sasl && !irc->registered) {
			irc->sasl_active = true;
			irc_sendf(irc, "AUTHENTICATE PLAIN");
		} else if (!irc->registered) {
			cap_end(irc);
		}
	} else if (strcmp(sub, "NAK") == 0) {
		log_warn("irc[%s]: the server refused the capabilities %s", irc->network, list);
		if (!irc->registered)
			cap_end(irc);
	} else if (strcmp(sub, "NEW") == 0) {
		request_caps(irc, list);
	} else if (strcmp(sub, "DEL") == 0) {
		char *copy = mem_strdup(list), *save = NULL;
		for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			for (size_t i = 0; i < N_WANTED; i++)
				if (strcmp(tok, wanted_caps[i].name) == 0)
					irc->caps &= ~wanted_caps[i].cap;
		free(copy);
	}
}

void irc_on_authenticate(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (irc->sasl_active && m->n_params >= 1 && strcmp(m->params[0], "+") == 0)
		sasl_send_credentials(irc);
}

void irc_on_sasl_ok(struct irc *irc, struct ircmsg *m, int64_t now)
{
	log_info("irc[%s]: logged in as %s (SASL)", irc->network, irc->sasl_account);
	irc->sasl_active = false;
	cap_end(irc);
}

void irc_on_sasl_fail(struct irc *irc, struct ircmsg *m, int64_t now)
{
	char q[200];
	const char *why = m->n_params ? m->params[m->n_params - 1] : "";
	log_error("irc[%s]: SASL login as %s failed (%s %s); continuing without an account",
		  irc->network, irc->sasl_account ? irc->sasl_account : "?", m->command,
		  log_quote(q, sizeof q, why, strlen(why)));
	irc->sasl_active = false;
	cap_end(irc);
}

void irc_on_logged_in(struct irc *irc, struct ircmsg *m, int64_t now)
{
	/* 900 me nick!user@host account :You are now logged in as account */
	if (m->n_params >= 2) {
		char *bang = strchr(m->params[1], '!'), *at = bang ? strchr(bang, '@') : NULL;
		if (bang && at) {
			*at = '\0';
			irc_set_str(&irc->self_user, bang + 1);
			irc_set_str(&irc->self_host, at + 1);
		}
	}
}

void irc_on_host_hidden(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params >= 2)
		irc_set_str(&irc->self_host, m->params[1]);
}

/* ---- batches ----------------------------------------------------------- */

void irc_clear_batches(struct irc *irc)
{
	for (int i = 0; i < IRC_MAX_BATCHES; i++) {
		free(irc->batches[i].ref);
		irc->batches[i].ref = NULL;
	}
}

bool irc_in_history_batch(const struct irc *irc, const struct ircmsg *m)
{
	const char *ref = ircmsg_tag(m, "batch");
	if (!ref)
		return false;
	for (int i = 0; i < IRC_MAX_BATCHES; i++)
		if (irc->batches[i].ref && strcmp(irc->batches[i].ref, ref) == 0)
			return irc->batches[i].history;
	return false;
}

void irc_on_batch(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params < 1 || strlen(m->params[0]) < 2)
		return;
	const char *ref = m->params[0] + 1;
	if (m->params[0][0] == '+') {
		for (int i = 0; i < IRC_MAX_BATCHES; i++) {
			if (!irc->batches[i].ref) {
				irc->batches[i].ref = mem_strdup(ref);
				const char *type = ircmsg_param(m, 1);
				irc->batches[i].history =
					type && (strcmp(type, "chathistory") == 0 ||
						 strcmp(type, "draft/chathistory") == 0 ||
						 strcmp(type, "znc.in/playback") == 0);
				return;
			}
		}
		log_warn("irc[%s]: too many open batches; ignoring %s", irc->network, ref);
	} else if (m->params[0][0] == '-') {
		for (int i = 0; i < IRC_MAX_BATCHES; i++) {
			if (irc->batches[i].ref && strcmp(irc->batches[i].ref, ref) == 0) {
				free(irc->batches[i].ref);
				irc->batches[i].ref = NULL;
			}
		}
	}
}
