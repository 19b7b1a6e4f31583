/* resolve: host names looked up off the event loop.
 *
 * The system resolver (getaddrinfo) blocks for as long as DNS takes, which
 * is seconds when a name server is slow or unreachable; libwebsockets as
 * Debian builds it calls it on the loop thread. Every other network, every
 * timer and every store write would wait that long. So a connection looks
 * its host up here first: the lookup runs on a thread of its own, the loop
 * polls for the answer on a short timer, and the connection is then made to
 * a numeric address (the name still goes to TLS for SNI and certificate
 * checks). A numeric host is answered without a thread.
 *
 * The answer is always delivered from a timer, never from inside
 * resolve_start(). The owner may cancel at any time before the answer;
 * the thread, if still running, finishes on its own and frees what it
 * shared. */
#ifndef ROUNDS_RESOLVE_H
#define ROUNDS_RESOLVE_H

#include <libwebsockets.h>
#include <netdb.h>
#include <stddef.h>

#define RESOLVE_MAX 8   /* addresses kept from one answer */
#define RESOLVE_ADDR_LEN 64
#define RESOLVE_TIMEOUT_MS 30000 /* what connections give a lookup */

struct resolve;

struct resolve_result {
	const char *error;      /* NULL, or why the name gave no address */
	size_t n;               /* addresses, in the order to try them */
	char addr[RESOLVE_MAX][RESOLVE_ADDR_LEN]; /* numeric, "192.0.2.1" or "2001:db8::1" */
};

/* Called once, from a timer on the loop. The resolve is already freed when
 * fn runs: the owner forgets its pointer in fn and does not cancel it. */
typedef void (*resolve_fn)(void *ud, const struct resolve_result *res);

/* Looks host up (port only fills the service field). Gives up with an
 * error after timeout_ms (the thread is then left to finish alone). */
struct resolve *resolve_start(struct lws_context *ctx, const char *host, int port, int timeout_ms,
			      resolve_fn fn, void *ud);
/* fn will not be called. NULL is fine. */
void resolve_cancel(struct resolve *r);

/* True if host is a numeric IPv4 or IPv6 address (no lookup needed). */
int resolve_is_numeric(const char *host);

/* Lookups still running on their threads (finished or abandoned ones
 * are gone). For tests and for a tidy exit. */
int resolve_threads_running(void);

/* Tests only: the function the threads call instead of getaddrinfo
 * (NULL restores getaddrinfo); its answer is freed with freeaddrinfo.
 * Set it while no lookup runs. */
typedef int (*resolve_lookup_fn)(const char *host, const char *service, const struct addrinfo *hints,
				 struct addrinfo **res);
void resolve_set_lookup(resolve_lookup_fn fn);

#endif
