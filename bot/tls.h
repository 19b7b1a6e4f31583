/* tls: a TLS client over memory BIOs. libwebsockets 4.1.6 (Debian 12)
 * starts TLS on a raw client connection before the socket is connected,
 * so for IRC over TLS the link uses a plain raw socket and runs TLS here:
 * ciphertext in from the socket, plaintext out, and the other way round.
 * Certificates are verified against the system store or a CA file, and
 * the server's name (or IP address) must match. */
#ifndef ROUNDS_TLS_H
#define ROUNDS_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct tls_ctx;
struct tls_conn;

/* ca_file NULL: the system trust store. verify false: accept any
 * certificate (logged loudly by the caller). */
struct tls_ctx *tls_ctx_new(const char *ca_file, bool verify, struct buf *err);
void tls_ctx_free(struct tls_ctx *ctx);

/* A connection to host (a name or an IP literal); starts the handshake. */
struct tls_conn *tls_conn_new(struct tls_ctx *ctx, const char *host, struct buf *err);
void tls_conn_free(struct tls_conn *c);

/* Ciphertext read from the socket. Returns 0, or -1 on a TLS error (the
 * reason is in tls_conn_error()). */
int tls_conn_feed(struct tls_conn *c, const void *data, size_t len);
/* Plaintext that arrived: bytes copied (>0), 0 when none is ready, -1 on
 * error or when the peer closed the TLS session. */
int tls_conn_read(struct tls_conn *c, void *out, size_t cap);
/* Plaintext to send (after the handshake). Returns 0 or -1. */
int tls_conn_write(struct tls_conn *c, const void *data, size_t len);
/* Ciphertext waiting for the socket. */
size_t tls_conn_pending(const struct tls_conn *c);
/* Moves up to cap bytes of it into out; returns the count. */
size_t tls_conn_take(struct tls_conn *c, void *out, size_t cap);
bool tls_conn_ready(const struct tls_conn *c);
const char *tls_conn_error(const struct tls_conn *c);

#endif
