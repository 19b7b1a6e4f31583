/* ircmod.c: mute, kick and ban (see irc.h), with the means the server
 * says it has. Only lines of the bot's own making go out: the channel is
 * configured, nick and account come from the server, the reason from a plugin
 * is sent as a trailing parameter that ircmsg_build() checks. */
#include <string.h>

#include "irc_impl.h"
#include "log.h"

bool irc_mute_mode(const struct irc *irc, const char *mask, struct buf *mode, struct buf *arg)
{
	/* a quiet list (Solanum, Charybdis, ircd-seven): type A "q" that is not
	 * InspIRCd's or Unreal's owner prefix */
	if (strchr(irc->chanmodes[0] ? irc->chanmodes[0] : "", 'q') && !strchr(irc->prefix_modes, 'q')) {
		buf_adds(mode, "+q");
		buf_adds(arg, mask);
		return true;
	}
	const char *types = irc->extban_types;
	/* InspIRCd: m:mask (muteban); Unreal: ~q:mask (or its newer ~quiet:) */
	char letter = strchr(types, 'm') && !irc->extban_prefix[0] ? 'm'
		      : strchr(types, 'q') && irc->extban_prefix[0] == '~' ? 'q'
		      : strchr(types, 'm') ? 'm' : 0;
	if (!letter)
		return false;
	buf_adds(mode, "+b");
	buf_printf(arg, "%s%c:%s", irc->extban_prefix, letter, mask);
	return true;
}

/* Who a mute or ban is aimed at: the account where the person is logged
 * in and the server has an account extban (InspIRCd "R:", Solanum "$a:"),
 * else the nickname. Never a host mask: people behind one web gateway or
 * one hospital's NAT share a host, and a host ban would hit them all. */
static void user_mask(const struct irc *irc, const char *nick, struct buf *mask)
{
	struct ircuser *u = ircusers_get(&irc->users, nick);
	const char *account = u ? u->account : NULL;
	if (account && !irc->extban_prefix[0] && strchr(irc->extban_types, 'R'))
		buf_printf(mask, "R:%s", account);
	else if (account && irc->extban_prefix[0] == '$' && strchr(irc->extban_types, 'a'))
		buf_printf(mask, "$a:%s", account);
	else
		buf_printf(mask, "%s!*@*", nick);
}

int irc_sanction(struct irc *irc, const char *channel, const char *nick, enum irc_sanction what,
		 const char *reason, struct buf *mask, struct buf *why)
{
	if (!irc->registered || !irc_in_channel(irc, channel)) {
		buf_printf(why, "the bot is not in %s right now", channel);
		return -1;
	}
	if (!irc_is_op(irc, channel, irc->nick)) {
		buf_printf(why, "the bot is not a channel operator in %s (give it +o, e.g. through "
				"ChanServ)", channel);
		return -1;
	}
	if (!irc_is_member(irc, channel, nick)) {
		buf_printf(why, "%s is no longer in %s", nick, channel);
		return -1;
	}
	buf_clear(mask);
	user_mask(irc, nick, mask);
	const char *why_text = reason && *reason ? reason : "moderated";
	if (what == IRC_SANCTION_MUTE) {
		struct buf mode = BUF_INIT, arg = BUF_INIT;
		int rc = -1;
		if (!irc_mute_mode(irc, mask->p, &mode, &arg)) {
			buf_printf(why, "the server offers no way to mute (no quiet mode in CHANMODES, no "
					"mute extban in EXTBAN=%s,%s)", irc->extban_prefix, irc->extban_types);
		} else {
			const char *params[] = {channel, mode.p, arg.p};
			rc = irc_send_command(irc, true, "MODE", params, 3);
			if (rc != 0)
				buf_adds(why, "the mute could not be sent");
			buf_clear(mask);
			buf_adds(mask, arg.p);
		}
		buf_free(&mode);
		buf_free(&arg);
		return rc;
	}
	if (what == IRC_SANCTION_BAN) {
		const char *params[] = {channel, "+b", mask->p};
		if (irc_send_command(irc, true, "MODE", params, 3) != 0) {
			buf_adds(why, "the ban could not be sent");
			return -1;
		}
	}
	const char *params[] = {channel, nick, why_text};
	if (irc_send_command(irc, true, "KICK", params, 3) != 0) {
		buf_adds(why, "the kick could not be sent");
		return -1;
	}
	return 0;
}

int irc_unmute(struct irc *irc, const char *channel, const char *mask)
{
	if (!irc->registered || !irc_is_op(irc, channel, irc->nick))
		return -1;
	/* the same mode that set it: "+q" for a quiet list, else "+b" */
	struct buf mode = BUF_INIT, arg = BUF_INIT;
	bool quiet = irc_mute_mode(irc, "x", &mode, &arg) && strcmp(mode.p, "+q") == 0;
	buf_free(&mode);
	buf_free(&arg);
	const char *params[] = {channel, quiet ? "-q" : "-b", mask};
	return irc_send_command(irc, true, "MODE", params, 3);
}
