/* ircmembers.c: who is an operator and who is logged in, for the irc module
 * (irc_impl.h). NAMES (353), WHOX (354), MODE and ACCOUNT keep the user
 * table's operator bits and accounts current, reading channel modes and
 * status prefixes the way ISUPPORT (PREFIX, CHANMODES) describes them. They
 * emit no events; joins, parts and the rest are in irc.c. */
#include "irc_impl.h"

#include <string.h>

#include "ircusers.h"

/* Does mode letter take a parameter when set (adding) or unset? */
static bool mode_has_param(const struct irc *irc, char mode, bool adding)
{
	if (strchr(irc->prefix_modes, mode) || strchr(irc->chanmodes[0], mode) ||
	    strchr(irc->chanmodes[1], mode))
		return true;
	return adding && strchr(irc->chanmodes[2], mode);
}

/* Is mode letter operator status or above (by its place in PREFIX)? */
static bool mode_is_op(const struct irc *irc, char mode)
{
	const char *p = strchr(irc->prefix_modes, mode), *o = strchr(irc->prefix_modes, 'o');
	return p && (o ? p <= o : mode == 'o');
}

void irc_on_mode(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params < 2)
		return;
	int c = irc_channel_index(irc, m->params[0]);
	if (c < 0)
		return;
	bool adding = true;
	size_t arg = 2;
	for (const char *p = m->params[1]; *p; p++) {
		if (*p == '+' || *p == '-') {
			adding = *p == '+';
			continue;
		}
		const char *param = NULL;
		if (mode_has_param(irc, *p, adding) && arg < m->n_params)
			param = m->params[arg++];
		if (!param || !strchr(irc->prefix_modes, *p) || !mode_is_op(irc, *p))
			continue;
		struct ircuser *u = ircusers_get(&irc->users, param);
		if (!u)
			continue;
		if (adding)
			u->op |= 1u << c;
		else
			u->op &= ~(1u << c); /* multi-prefix: a lost +o with +a kept is rare */
	}
}

void irc_on_account(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params < 1 || !m->nick)
		return;
	struct ircuser *u = ircusers_get(&irc->users, m->nick);
	if (u)
		ircusers_set_account(u, strcmp(m->params[0], "*") == 0 ? NULL : m->params[0]);
}

/* Strips status prefixes off a NAMES/WHO entry; sets *op. */
static const char *strip_prefixes(const struct irc *irc, const char *s, bool *op)
{
	*op = false;
	for (; *s && strchr(irc->prefix_chars, *s); s++) {
		const char *pc = strchr(irc->prefix_chars, *s);
		size_t idx = (size_t)(pc - irc->prefix_chars);
		if (idx < strlen(irc->prefix_modes) && mode_is_op(irc, irc->prefix_modes[idx]))
			*op = true;
	}
	return s;
}

void irc_on_names(struct irc *irc, struct ircmsg *m, int64_t now)
{
	if (m->n_params < 4)
		return;
	int c = irc_channel_index(irc, m->params[2]);
	if (c < 0)
		return;
	char *list = (char *)m->params[3], *save = NULL;
	for (char *tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		bool op;
		char *nick = (char *)strip_prefixes(irc, tok, &op);
		char *bang = strchr(nick, '!'); /* userhost-in-names, if a server sends it anyway */
		if (bang)
			*bang = '\0';
		if (!*nick)
			continue;
		struct ircuser *u = ircusers_add(&irc->users, nick);
		if (!u)
			continue;
		u->present |= 1u << c;
		if (op)
			u->op |= 1u << c;
		else
			u->op &= ~(1u << c);
	}
}

void irc_on_whox(struct irc *irc, struct ircmsg *m, int64_t now)
{
	/* "354 me 742 #chan nick flags account" for our %tcnfa request */
	if (m->n_params < 6 || strcmp(m->params[1], IRC_WHOX_TOKEN) != 0)
		return;
	int c = irc_channel_index(irc, m->params[2]);
	struct ircuser *u = c >= 0 ? ircusers_get(&irc->users, m->params[3]) : NULL;
	if (!u)
		return;
	ircusers_set_account(u, strcmp(m->params[5], "0") == 0 ? NULL : m->params[5]);
	bool op = false;
	for (const char *f = m->params[4]; *f; f++) {
		const char *pc = strchr(irc->prefix_chars, *f);
		if (pc) {
			bool o;
			char one[2] = {*f, 0};
			strip_prefixes(irc, one, &o);
			op |= o;
		}
	}
	if (op)
		u->op |= 1u << c;
}
