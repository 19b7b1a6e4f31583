#include "tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct tls_ctx {
	SSL_CTX *ssl;
};

struct tls_conn {
	SSL *ssl;
	BIO *in;  /* ciphertext from the socket */
	BIO *out; /* ciphertext for the socket */
	bool ready;
	char error[256];
};

static void openssl_reason(char *out, size_t cap, const char *what)
{
	unsigned long e = ERR_get_error();
	char reason[200] = "unknown error";
	if (e)
		ERR_error_string_n(e, reason, sizeof reason);
	snprintf(out, cap, "%s: %s", what, reason);
	ERR_clear_error();
}

struct tls_ctx *tls_ctx_new(const char *ca_file, bool verify, struct buf *err)
{
	struct tls_ctx *ctx = mem_calloc(1, sizeof *ctx);
	char why[300];
	ctx->ssl = SSL_CTX_new(TLS_client_method());
	if (!ctx->ssl) {
		openssl_reason(why, sizeof why, "cannot create a TLS context");
		goto fail;
	}
	SSL_CTX_set_min_proto_version(ctx->ssl, TLS1_2_VERSION);
	if (ca_file) {
		if (SSL_CTX_load_verify_locations(ctx->ssl, ca_file, NULL) != 1) {
			openssl_reason(why, sizeof why, "cannot load the CA file");
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx->ssl) != 1) {
		openssl_reason(why, sizeof why, "cannot load the system trust store");
		goto fail;
	}
	SSL_CTX_set_verify(ctx->ssl, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	return ctx;
fail:
	buf_printf(err, "%s%s%s", why, ca_file ? " " : "", ca_file ? ca_file : "");
	tls_ctx_free(ctx);
	return NULL;
}

void tls_ctx_free(struct tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl);
	free(ctx);
}

static bool is_ip_literal(const char *host)
{
	unsigned char addr[16];
	return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

struct tls_conn *tls_conn_new(struct tls_ctx *ctx, const char *host, struct buf *err)
{
	struct tls_conn *c = mem_calloc(1, sizeof *c);
	char why[300];
	c->ssl = SSL_new(ctx->ssl);
	c->in = BIO_new(BIO_s_mem());
	c->out = BIO_new(BIO_s_mem());
	if (!c->ssl || !c->in || !c->out) {
		openssl_reason(why, sizeof why, "cannot create a TLS connection");
		BIO_free(c->in);
		BIO_free(c->out);
		c->in = c->out = NULL;
		goto fail;
	}
	BIO_set_mem_eof_return(c->in, -1); /* empty means "wait", not EOF */
	SSL_set_bio(c->ssl, c->in, c->out);
	X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
	if (is_ip_literal(host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1) {
			openssl_reason(why, sizeof why, "cannot set the address to verify");
			goto fail;
		}
	} else {
		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(c->ssl, host) != 1 || SSL_set_tlsext_host_name(c->ssl, host) != 1) {
			openssl_reason(why, sizeof why, "cannot set the name to verify");
			goto fail;
		}
	}
	SSL_set_connect_state(c->ssl);
	SSL_do_handshake(c->ssl); /* queues the ClientHello */
	ERR_clear_error();
	return c;
fail:
	buf_adds(err, why);
	tls_conn_free(c);
	return NULL;
}

void tls_conn_free(struct tls_conn *c)
{
	if (!c)
		return;
	SSL_free(c->ssl); /* frees the BIOs it owns */
	free(c);
}

/* Advances the handshake; 0 on progress or waiting, -1 on failure. */
static int handshake(struct tls_conn *c)
{
	if (c->ready)
		return 0;
	int rc = SSL_do_handshake(c->ssl);
	if (rc == 1) {
		c->ready = true;
		return 0;
	}
	int e = SSL_get_error(c->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	long v = SSL_get_verify_result(c->ssl);
	if (v != X509_V_OK)
		snprintf(c->error, sizeof c->error, "certificate verification failed: %s",
			 X509_verify_cert_error_string(v));
	else
		openssl_reason(c->error, sizeof c->error, "TLS handshake failed");
	return -1;
}

int tls_conn_feed(struct tls_conn *c, const void *data, size_t len)
{
	if (len && BIO_write(c->in, data, (int)len) != (int)len) {
		openssl_reason(c->error, sizeof c->error, "TLS buffer");
		return -1;
	}
	return handshake(c);
}

int tls_conn_read(struct tls_conn *c, void *out, size_t cap)
{
	if (!c->ready)
		return 0;
	int n = SSL_read(c->ssl, out, (int)cap);
	if (n > 0)
		return n;
	int e = SSL_get_error(c->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	if (e == SSL_ERROR_ZERO_RETURN)
		snprintf(c->error, sizeof c->error, "the server closed the TLS session");
	else
		openssl_reason(c->error, sizeof c->error, "TLS read");
	return -1;
}

int tls_conn_write(struct tls_conn *c, const void *data, size_t len)
{
	if (!c->ready)
		return -1;
	if (SSL_write(c->ssl, data, (int)len) != (int)len) {
		openssl_reason(c->error, sizeof c->error, "TLS write");
		return -1;
	}
	return 0;
}

size_t tls_conn_pending(const struct tls_conn *c)
{
	return BIO_ctrl_pending(c->out);
}

size_t tls_conn_take(struct tls_conn *c, void *out, size_t cap)
{
	int n = BIO_read(c->out, out, (int)cap);
	return n > 0 ? (size_t)n : 0;
}

bool tls_conn_ready(const struct tls_conn *c)
{
	return c->ready;
}

const char *tls_conn_error(const struct tls_conn *c)
{
	return c->error[0] ? c->error : "unknown TLS error";
}
