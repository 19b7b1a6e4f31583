/* irchistory.c: no lost line, for the irc module (irc_impl.h).
 *
 * When the link drops (or the bot is kicked), each channel it was in is
 * marked away from the last event the bot had seen there. Once back in
 * (its JOIN echo), the bot takes whatever history the server replays:
 * InspIRCd's chanhistory and bouncers replay on join; where the server
 * offers IRCv3 CHATHISTORY (ISUPPORT CHATHISTORY or draft/chathistory) the
 * bot asks for what came after its last message, page by page. Right
 * after, it sends a PING marker: the server answers commands in order, so
 * everything replayed for that join has arrived when the marker's PONG
 * does. Then it decides:
 *
 *   - the replay reached back to what the bot had seen (a replayed line it
 *     had already read, or one older than the start of the gap): nothing
 *     was lost, nothing is marked;
 *   - else an EVENT_GAP from the start to the earliest new replayed line
 *     (or to the JOIN, if nothing new was replayed).
 *
 * Replayed lines are de-duplicated by message id in the store; a replayed
 * line without one is dropped here when its (time, sender, text) matches
 * a line already read. The keys of the latest IRC_SEEN_MAX lines are kept
 * across reconnects for both. */
#include "irc_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"

#define GAP_DECIDE_MS 30000   /* no PONG for the marker: decide anyway */
#define GAP_MAX_PAGES 20      /* CHATHISTORY requests per return */
#define GAP_PAGE_DEFAULT 1000 /* lines per request when the server sets no limit */

/* ---- keys of lines already read ---------------------------------------- */

/* A key is a hash of a few fields, each as its length and bytes, taken
 * eight at a time: it runs for every line read, so it is kept cheap.
 * Keys live only in memory (the ring below), never in the store. */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	h = mix(h, n);
	for (; n >= 8; n -= 8, s += 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = mix(h, w);
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, s, n);
		h = mix(h, w);
	}
	return h;
}

static uint64_t key_msgid(const char *folded_room, const char *msgid)
{
	return mix_str(mix_str(mix(0, 1), folded_room), msgid);
}

static uint64_t key_content(const char *folded_room, const struct event *ev)
{
	uint64_t h = mix_str(mix(0, 2), folded_room);
	h = mix(mix(h, (uint64_t)ev->ts_ms), (uint64_t)ev->kind);
	return mix_str(mix_str(h, ev->nick), ev->text);
}

static bool seen_has(const struct irc *irc, uint64_t k)
{
	for (size_t i = 0; i < IRC_SEEN_MAX; i++)
		if (irc->seen[i] == k)
			return k != 0;
	return false;
}

static void seen_add(struct irc *irc, uint64_t k)
{
	irc->seen[irc->seen_next] = k;
	irc->seen_next = (irc->seen_next + 1) % IRC_SEEN_MAX;
}

/* ---- the time away ------------------------------------------------------ */

void irc_gap_open(struct irc *irc, size_t c, int64_t now)
{
	struct irc_channel *ch = &irc->chans[c];
	struct irc_gap *g = &ch->gap;
	if (!g->start) {
		/* the last event seen there; else the last moment the link was known up */
		g->start = ch->last_ts ? ch->last_ts : (irc->last_rx ? irc->last_rx : now);
		if (g->start <= 0)
			g->start = 1;
	}
	/* a gap still undecided stays open from its first start */
	g->back = g->first_new = g->latest = g->deadline = 0;
	g->latest_msgid[0] = '\0';
	g->overlap = false;
	g->pages = 0;
	g->replayed = 0;
	g->token[0] = '\0';
}

void irc_away_since(struct irc *irc, const char *room, int64_t since_ms)
{
	int c = irc_channel_index(irc, room);
	if (c < 0 || since_ms <= 0)
		return;
	struct irc_channel *ch = &irc->chans[c];
	if (!ch->last_ts)
		ch->last_ts = since_ms;
	if (!ch->last_msg_ts)
		ch->last_msg_ts = since_ms;
	irc_gap_open(irc, (size_t)c, since_ms);
}

/* Sends the next CHATHISTORY request for channel c, if the server offers
 * it: after the last message seen there (1 ms before it, so the reply
 * starts with that line and proves it reaches back), or after the latest
 * line of the previous page: by its msgid where the server takes one
 * (MSGREFTYPES), since lines said in the same millisecond would otherwise
 * fall between two pages. */
static void request_history(struct irc *irc, size_t c)
{
	struct irc_channel *ch = &irc->chans[c];
	struct irc_gap *g = &ch->gap;
	bool offered = irc->chathistory_limit >= 0 || (irc->caps & IRC_CAP_CHATHISTORY);
	if (!offered || !(irc->caps & IRC_CAP_BATCH) || g->pages >= GAP_MAX_PAGES)
		return;
	int64_t after = g->pages ? g->latest : (ch->last_msg_ts ? ch->last_msg_ts - 1 : g->start);
	char iso[25];
	clock_format_iso(after > 0 ? after : 0, iso);
	int limit = irc->chathistory_limit > 0 && irc->chathistory_limit < GAP_PAGE_DEFAULT
			    ? irc->chathistory_limit : GAP_PAGE_DEFAULT;
	if (g->pages && irc->msgref_msgid && g->latest_msgid[0])
		irc_sendf(irc, "CHATHISTORY AFTER %s msgid=%s %d", ch->name, g->latest_msgid, limit);
	else
		irc_sendf(irc, "CHATHISTORY AFTER %s timestamp=%s %d", ch->name, iso, limit);
	g->pages++;
	g->replayed = 0;
}

/* The marker: its PONG comes after everything the server sent before. */
static void send_marker(struct irc *irc, size_t c, int64_t now)
{
	struct irc_gap *g = &irc->chans[c].gap;
	snprintf(g->token, sizeof g->token, "rounds-gap-%zu-%u", c, ++irc->gap_serial);
	irc_sendf(irc, "PING :%s", g->token);
	g->deadline = now + GAP_DECIDE_MS;
}

void irc_gap_back(struct irc *irc, size_t c, int64_t time, int64_t now)
{
	struct irc_channel *ch = &irc->chans[c];
	struct irc_gap *g = &ch->gap;
	if (!g->start) {
		/* the first join: later events tell when the bot was last here */
		if (!ch->last_ts)
			ch->last_ts = time;
		return;
	}
	g->back = time > 0 ? time : now;
	request_history(irc, c);
	send_marker(irc, c, now);
}

/* Everything replayed for channel c has come: mark a gap or close it. */
static void decide(struct irc *irc, size_t c)
{
	struct irc_channel *ch = &irc->chans[c];
	struct irc_gap *g = &ch->gap;
	char a[25], b[25];
	if (g->overlap) {
		clock_format_iso(g->start, a);
		log_info("irc[%s]: %s: the replayed history covers the time away (since %s)",
			 irc->network, ch->name, a);
	} else {
		int64_t first = g->first_new;
		if (first && first % 1000 == 0)
			first += 999; /* a time in whole seconds: the line came within it */
		int64_t end = first && first < g->back ? first : g->back;
		if (end < g->start)
			end = g->start;
		clock_format_iso(g->start, a);
		clock_format_iso(end, b);
		char text[80], target[24];
		snprintf(text, sizeof text, "gap from %s to %s", a, b);
		snprintf(target, sizeof target, "%" PRId64, end);
		log_warn("irc[%s]: %s: no history covers the time away: %s", irc->network, ch->name, text);
		struct event ev = {
			.kind = EVENT_GAP, .flags = EVENT_F_SELF, .room = ch->name, .nick = irc->nick,
			.account = irc->sasl_account, .text = text, .target = target, .ts_ms = g->start,
		};
		irc->stats.gaps++;
		irc_emit(irc, &ev);
	}
	memset(g, 0, sizeof *g);
}

bool irc_gap_pong(struct irc *irc, const char *token, int64_t now)
{
	if (strncmp(token, "rounds-gap-", 11) != 0)
		return false;
	for (size_t c = 0; c < irc->n_chans; c++) {
		struct irc_gap *g = &irc->chans[c].gap;
		if (!g->back || !g->token[0] || strcmp(g->token, token) != 0)
			continue;
		g->token[0] = '\0';
		int limit = irc->chathistory_limit > 0 && irc->chathistory_limit < GAP_PAGE_DEFAULT
				    ? irc->chathistory_limit : GAP_PAGE_DEFAULT;
		if (g->pages && g->replayed >= (unsigned)limit && g->pages < GAP_MAX_PAGES) {
			request_history(irc, c); /* a full page: there is more */
			send_marker(irc, c, now);
		} else {
			decide(irc, c);
		}
	}
	return true;
}

void irc_gap_tick(struct irc *irc, int64_t now)
{
	for (size_t c = 0; c < irc->n_chans; c++) {
		struct irc_gap *g = &irc->chans[c].gap;
		if (g->back && g->deadline && now >= g->deadline) {
			log_warn("irc[%s]: %s: no answer to the history marker; deciding the gap now",
				 irc->network, irc->chans[c].name);
			decide(irc, c);
		}
	}
}

static void keep_time(struct irc_channel *ch, const struct event *ev, bool message)
{
	if (ev->flags & EVENT_F_LOCAL_TIME)
		return;
	if (ev->ts_ms > ch->last_ts)
		ch->last_ts = ev->ts_ms;
	if (message && ev->ts_ms > ch->last_msg_ts)
		ch->last_msg_ts = ev->ts_ms;
}

bool irc_gap_line(struct irc *irc, int c, struct event *ev)
{
	char buf[256];
	const char *folded = c >= 0 ? irc->chans[c].folded : buf;
	if (c < 0) {
		snprintf(buf, sizeof buf, "%s", ev->room ? ev->room : "");
		ircmsg_casefold(buf, irc->cm);
	}
	uint64_t kc = key_content(folded, ev), km = ev->msgid ? key_msgid(folded, ev->msgid) : 0;
	bool replay = ev->flags & EVENT_F_REPLAY;
	bool dup = replay && ((km && seen_has(irc, km)) ||
			      (!(ev->flags & EVENT_F_LOCAL_TIME) && seen_has(irc, kc)));
	if (replay && c >= 0) {
		struct irc_gap *g = &irc->chans[c].gap;
		bool timed = !(ev->flags & EVENT_F_LOCAL_TIME);
		if (g->back && timed && !dup && g->passed_seen && ev->ts_ms < g->start) {
			/* said after the last line read (history is in order), but
			 * stamped before it: InspIRCd 3's chanhistory keeps whole
			 * seconds. Placed at the start of the gap instead. */
			ev->ts_ms = g->start;
		}
		if (g->back) {
			g->replayed++;
			if (timed && ev->ts_ms >= g->latest) {
				g->latest = ev->ts_ms;
				/* history comes oldest first: the last such line is the
				 * latest (one a request line cannot carry is not kept) */
				size_t n = ev->msgid ? strlen(ev->msgid) : 0;
				if (n && n < sizeof g->latest_msgid && !ev->msgid[strcspn(ev->msgid, " \r\n")])
					memcpy(g->latest_msgid, ev->msgid, n + 1);
				else
					g->latest_msgid[0] = '\0';
			}
			if (dup)
				g->passed_seen = true;
			if (dup || (timed && ev->ts_ms < g->start))
				g->overlap = true;
			else if (timed && (!g->first_new || ev->ts_ms < g->first_new))
				g->first_new = ev->ts_ms;
		}
	}
	if (dup && !ev->msgid) {
		irc->stats.replay_dupes++;
		return false; /* the store could not tell: it is dropped here */
	}
	if (!dup) {
		if (km)
			seen_add(irc, km);
		if (!(ev->flags & EVENT_F_LOCAL_TIME))
			seen_add(irc, kc);
	}
	if (c >= 0)
		keep_time(&irc->chans[c], ev, true);
	return true;
}

void irc_gap_event(struct irc *irc, int c, const struct event *ev)
{
	if (c >= 0 && !(ev->flags & EVENT_F_REPLAY))
		keep_time(&irc->chans[c], ev, false);
}

void irc_on_fail(struct irc *irc, struct ircmsg *m, int64_t now)
{
	char q[300];
	const char *why = m->n_params ? m->params[m->n_params - 1] : "";
	log_warn("irc[%s]: the server refused %s (%s): %s", irc->network,
		 m->n_params ? m->params[0] : "?", m->n_params > 1 ? m->params[1] : "?",
		 log_quote(q, sizeof q, why, strlen(why)));
}
