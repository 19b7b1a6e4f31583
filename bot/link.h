/* link: one IRC connection on the libwebsockets event loop. It owns the
 * socket (raw TCP, TLS over a raw socket, or WebSocket ws/wss with one IRC
 * line per text frame), the line framing, the outgoing token bucket, the
 * lag tick and reconnects with exponential backoff and jitter. The IRC
 * protocol itself is the irc module, which the link owns.
 *
 * Writes happen only in the WRITEABLE callback; timers are lws_sul
 * embedded here; nothing blocks the loop. */
#ifndef ROUNDS_LINK_H
#define ROUNDS_LINK_H

#include <libwebsockets.h>
#include <stdbool.h>

#include "buf.h"
#include "config.h"
#include "event.h"
#include "irc.h"

struct link;

struct link_hooks {
	void *ud;
	/* A normalized event read from the network (or the bot's own line
	 * sent, when the server does not echo). Strings borrowed. */
	void (*event)(void *ud, struct link *l, const struct event *ev);
	/* End of a read (or of a write): commit what was stored, then act. */
	void (*flush)(void *ud, struct link *l);
	/* Registered on the network (after a connect or a reconnect). */
	void (*registered)(void *ud, struct link *l);
};

struct link_stats {
	unsigned connects;      /* successful TCP/WebSocket connections */
	unsigned disconnects;
	unsigned long long bytes_in, bytes_out;
	unsigned long long overlong; /* lines past the limit, dropped */
};

/* The protocols the context must be created with (NULL-terminated). */
const struct lws_protocols *link_protocols(void);

/* channels: the rooms to join. cfg is borrowed and must outlive the link. */
struct link *link_new(struct lws_context *ctx, const struct config_network *cfg,
		      const char *const *channels, size_t n_channels,
		      const struct link_hooks *hooks, struct buf *err);
/* Starts connecting (and keeps reconnecting until link_quit()). */
void link_start(struct link *l);
/* Sends QUIT with reason once the queue allows, then closes for good. */
void link_quit(struct link *l, const char *reason);
/* True once closed after link_quit() (or never started). */
bool link_done(const struct link *l);
void link_free(struct link *l);

struct irc *link_irc(struct link *l);
const char *link_network(const struct link *l);
const struct link_stats *link_stats(const struct link *l);

#endif
