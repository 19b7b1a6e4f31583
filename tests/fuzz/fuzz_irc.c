/* Fuzzes the IRC protocol module as a server would drive it: the input is
 * a session, one server line per LF, with a few control lines of our own
 * ("~drop" the link drops and comes back, "~tick" five seconds pass, "~send"
 * the queued lines go out, "~sync" the bot asks the server to confirm what
 * it sent). It covers what a hostile or broken server can
 * do to registration, ISUPPORT, batches, history replayed on join or in
 * answer to CHATHISTORY, the PING markers and the gaps. Properties, not
 * just "does not crash":
 * - every event has a network, and a room unless it is a nick change or quit;
 * - an EVENT_GAP ends no earlier than it starts, says "gap from ... to ...",
 *   and carries its end in decimal;
 * - a line that came in a history batch is flagged as replayed;
 * - nothing queued to send contains CR, LF or NUL;
 * - a confirmation asked for on one connection is never given on a later one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irc.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_want(void *ud)
{
	(void)ud;
}

static void on_event(void *ud, const struct event *ev)
{
	(void)ud;
	if (!ev->network)
		abort();
	if (!ev->room && ev->kind != EVENT_NICK && ev->kind != EVENT_QUIT)
		abort();
	if (ev->kind == EVENT_GAP) {
		if (!ev->text || strncmp(ev->text, "gap from ", 9) != 0 || !ev->target)
			abort();
		char *end = NULL;
		long long e = strtoll(ev->target, &end, 10);
		if (!*ev->target || *end || e < ev->ts_ms)
			abort();
	}
}

static void drain(struct irc *irc, int64_t now)
{
	size_t len;
	const char *l;
	for (int i = 0; i < 4096 && (l = irc_peek_line(irc, &len)); i++) {
		if (memchr(l, '\r', len) || memchr(l, '\n', len) || memchr(l, '\0', len))
			abort();
		irc_pop_line(irc, now);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	if (!quiet) {
		log_set_level(LOG_ERROR); /* errors only: a hostile server is expected here */
		quiet = 1;
	}
	static const char *chans[] = {"#hcsm", "#other"};
	struct irc_options o = {
		.network = "fuzz", .nick = "rounds", .sasl_account = "rounds", .sasl_password = "pw",
		.channels = chans, .n_channels = 2, .ping_ms = 30000,
	};
	struct irc_callbacks cb = {NULL, on_want, on_event, NULL};
	struct irc *irc = irc_new(&o, &cb);
	int64_t now = 1795300000000;
	irc_connected(irc, now);
	char *buf = malloc(size + 1);
	if (!buf)
		abort();
	uint64_t old_sync = 0, sync = 0; /* asked before the last drop, and since */
	size_t start = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		size_t n = i - start;
		memcpy(buf, data + start, n);
		buf[n] = '\0';
		start = i + 1;
		now += 10;
		if (n == 5 && memcmp(buf, "~drop", 5) == 0) {
			irc_disconnected(irc);
			irc_connected(irc, now);
			old_sync = sync ? sync : old_sync;
			sync = 0;
		} else if (n == 5 && memcmp(buf, "~sync", 5) == 0) {
			uint64_t t = irc_sync(irc);
			sync = t ? t : sync;
		} else if (n == 5 && memcmp(buf, "~tick", 5) == 0) {
			now += 5000;
			if (!irc_tick(irc, now)) {
				irc_disconnected(irc);
				irc_connected(irc, now);
				old_sync = sync ? sync : old_sync;
				sync = 0;
			}
		} else if (n == 5 && memcmp(buf, "~send", 5) == 0) {
			drain(irc, now);
		} else {
			irc_handle_line(irc, buf, n, now);
		}
		if (old_sync && irc_synced(irc, old_sync))
			abort();
	}
	drain(irc, now);
	free(buf);
	irc_free(irc);
	return 0;
}
