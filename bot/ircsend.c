/* ircsend.c: what the bot sends on one IRC connection (see irc.h): the
 * outgoing queues by class (urgent protocol lines, chat posts that wait
 * for their channel, replies to people, each bounded), protocol commands,
 * text split on UTF-8 boundaries within the line limit with nothing in it
 * able to start a line of its own, and, without echo-message, the bot's
 * own lines recorded as it sends them. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "irc.h"
#include "irc_impl.h"
#include "ircqueue.h"
#include "log.h"
#include "mem.h"

#define CHAT_QUEUE_MAX 2000  /* posts kept while the server is away */
#define REPLY_QUEUE_MAX 400  /* lines to people waiting in all */
#define REPLY_PER_TARGET 40  /* lines waiting for one person */

/* ---- sending ---------------------------------------------------------- */

/* How many queued lines a class may hold before new ones are refused. */
static size_t class_limit(enum irc_class cls)
{
	return cls == IRC_POST ? CHAT_QUEUE_MAX : cls == IRC_REPLY ? REPLY_QUEUE_MAX : SIZE_MAX;
}

/* Queues a built line. hold: folded channel a chat line waits for. */
int irc_queue_line(struct irc *irc, enum irc_class cls, const char *line, size_t len,
		   const char *hold)
{
	if (memchr(line, '\r', len) || memchr(line, '\n', len) || memchr(line, '\0', len)) {
		log_error("irc[%s]: refused to queue a line with CR, LF or NUL in it", irc->network);
		return -1;
	}
	struct ircqueue *q = &irc->queues[cls];
	if (q->count >= class_limit(cls)) {
		/* keep what is already waiting; the newest line is the one to lose */
		irc->stats.dropped_out++;
		log_warn("irc[%s]: outgoing %s queue full (%zu lines); dropping a line",
			 irc->network, cls == IRC_POST ? "post" : "reply", q->count);
		return -1;
	}
	if (cls == IRC_REPLY && hold) {
		/* one person cannot fill the queue for everyone (someone asking
		 * for the agenda over and over) */
		size_t mine = 0;
		for (struct ircqueue_line *l = q->head; l; l = l->next)
			mine += l->hold && strcmp(l->hold, hold) == 0;
		if (mine >= REPLY_PER_TARGET) {
			irc->stats.dropped_out++;
			log_debug("irc[%s]: %zu lines already wait for one person; dropping a reply",
				  irc->network, mine);
			return -1;
		}
	}
	ircqueue_push(q, line, len, hold);
	if (irc->connected && irc->cb.want_write)
		irc->cb.want_write(irc->cb.ud);
	return 0;
}

int irc_send_command(struct irc *irc, bool urgent, const char *command,
		     const char *const *params, size_t n_params)
{
	buf_clear(&irc->line);
	if (ircmsg_build(&irc->line, NULL, 0, command, params, n_params) != 0)
		return -1;
	return irc_queue_line(irc, urgent ? IRC_URGENT : IRC_POST, irc->line.p, irc->line.len, NULL);
}

int irc_quit(struct irc *irc, const char *reason)
{
	/* behind the posts already waiting (a wrap-up just made), ahead of replies */
	const char *params[] = {reason};
	return irc_send_command(irc, false, "QUIT", params, 1);
}

/* Queues an urgent protocol line built from a format (callers pass only
 * validated pieces: nicks and channels from config or from the server). */
void irc_sendf(struct irc *irc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_clear(&irc->line);
	buf_vprintf(&irc->line, fmt, ap);
	va_end(ap);
	if (irc->line.len > 510) {
		log_error("irc[%s]: refusing to send an over-long protocol line", irc->network);
		return;
	}
	irc_queue_line(irc, IRC_URGENT, irc->line.p, irc->line.len, NULL);
}

static bool chan_ready(void *ud, const char *hold)
{
	struct irc *irc = ud;
	int c = irc_channel_index(irc, hold);
	return c >= 0 && irc->chans[c].joined;
}

struct split_ctx {
	struct irc *irc;
	enum irc_class cls;
	const char *command, *target, *hold;
	int lines;
};

static void send_chunk(void *ud, const char *s, size_t n)
{
	struct split_ctx *x = ud;
	struct buf *l = &x->irc->line;
	buf_clear(l);
	buf_printf(l, "%s %s :", x->command, x->target);
	buf_add(l, s, n);
	if (irc_queue_line(x->irc, x->cls, l->p, l->len, x->hold) == 0)
		x->lines++;
}

/* Bytes of text that fit in one relayed line to target. */
static size_t text_budget(const struct irc *irc, const char *command, const char *target)
{
	size_t nick = strlen(irc->nick ? irc->nick : irc->want_nick);
	size_t user = irc->self_user ? strlen(irc->self_user) : 11;
	size_t host = irc->self_host ? strlen(irc->self_host) : 63;
	/* ":nick!user@host COMMAND target :text" within 510 bytes */
	size_t overhead = 1 + nick + 1 + user + 1 + host + 1 + strlen(command) + 1 + strlen(target) + 2;
	return overhead < 510 - 32 ? 510 - overhead : 32;
}

/* Is c a control byte that may go out inside text: IRC formatting codes,
 * and \001 for CTCP? */
static bool sendable_control(unsigned char c)
{
	return c == 0x01 || c == 0x02 || c == 0x03 || c == 0x04 || c == 0x0f || c == 0x11 ||
	       c == 0x16 || c == 0x1d || c == 0x1e || c == 0x1f;
}

static int send_text(struct irc *irc, const char *command, const char *target, const char *text)
{
	if (!target || !*target || *target == ':' || !text)
		return -1;
	for (const char *p = target; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == ',' || *p == 0x7f)
			return -1;
	char hold[256];
	if (strlen(target) >= sizeof hold)
		return -1;
	strcpy(hold, target); /* the channel a post waits for, or the person a reply goes to */
	ircmsg_casefold(hold, irc->cm);
	/* CR and every other control byte but formatting end a line here, so
	 * nothing in the text can reach the wire as a line of its own */
	struct buf clean = BUF_INIT;
	for (const char *p = text; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\r')
			buf_addc(&clean, '\n');
		else if (c >= 0x20 || c == '\n' || sendable_control(c))
			buf_addc(&clean, (char)c);
	}
	struct split_ctx x = {irc, irc_is_channel(irc, target) ? IRC_POST : IRC_REPLY, command, target,
			      hold, 0};
	ircmsg_split(buf_str(&clean), text_budget(irc, command, target), send_chunk, &x);
	buf_free(&clean);
	return x.lines;
}

int irc_privmsg(struct irc *irc, const char *target, const char *text)
{
	return send_text(irc, "PRIVMSG", target, text);
}

int irc_notice(struct irc *irc, const char *target, const char *text)
{
	return send_text(irc, "NOTICE", target, text);
}

const char *irc_peek_line(struct irc *irc, size_t *len)
{
	if (!irc->connected)
		return NULL;
	struct ircqueue_line *l = irc->queues[IRC_URGENT].head;
	irc->peeked_class = IRC_URGENT;
	if (!l && irc->registered) {
		irc->peeked_class = IRC_POST;
		l = ircqueue_first_ready(&irc->queues[IRC_POST], chan_ready, irc);
	}
	if (!l && irc->registered) {
		irc->peeked_class = IRC_REPLY;
		l = irc->queues[IRC_REPLY].head;
	}
	irc->peeked = l;
	if (!l)
		return NULL;
	*len = l->len;
	return l->text;
}

/* Without echo-message the bot records its own lines as it sends them. */
static void record_own_line(struct irc *irc, const char *text, size_t len, int64_t now)
{
	char *copy = mem_strndup(text, len);
	struct ircmsg m;
	if (ircmsg_parse(copy, len, &m) == IRCMSG_OK && m.n_params == 2 &&
	    (strcmp(m.command, "PRIVMSG") == 0 || strcmp(m.command, "NOTICE") == 0) &&
	    m.params[1][0] != '\001') {
		buf_clear(&irc->text);
		ircmsg_clean_text(&irc->text, m.params[1], strlen(m.params[1]));
		struct event ev = {
			.kind = strcmp(m.command, "NOTICE") == 0 ? EVENT_NOTICE : EVENT_MESSAGE,
			.flags = EVENT_F_SELF | EVENT_F_LOCAL_TIME |
				 (irc_is_channel(irc, m.params[0]) ? 0 : EVENT_F_PRIVATE),
			.room = m.params[0],
			.nick = irc->nick,
			.account = irc->sasl_account,
			.text = buf_str(&irc->text),
			.ts_ms = now,
		};
		irc_emit(irc, &ev);
	}
	free(copy);
}

void irc_pop_line(struct irc *irc, int64_t now_ms)
{
	struct ircqueue_line *l = irc->peeked;
	if (!l)
		return;
	irc->peeked = NULL;
	irc->stats.lines_out++;
	if (irc->peeked_class != IRC_URGENT && !(irc->caps & IRC_CAP_ECHO_MESSAGE))
		record_own_line(irc, l->text, l->len, now_ms);
	ircqueue_remove(&irc->queues[irc->peeked_class], l);
}

size_t irc_queued(const struct irc *irc)
{
	return irc->queues[IRC_URGENT].count + irc->queues[IRC_POST].count +
	       irc->queues[IRC_REPLY].count;
}
