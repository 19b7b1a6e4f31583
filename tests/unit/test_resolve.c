/* Host names looked up off the event loop (bot/resolve.c) and a link
 * connecting through them: answers arrive on a later loop turn, the loop
 * keeps running timers while a slow lookup is under way, failures and
 * timeouts say why, a cancelled lookup never calls back (the sanitizer
 * build checks that its thread frees what it shared), and a link or an
 * HTTP request whose host has two addresses connects to the second when
 * the first refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <libwebsockets.h>

#include "config.h"
#include "http.h"
#include "link.h"
#include "resolve.h"

static struct lws_context *ctx;
static int answers;
static struct resolve_result last;
static int ticks;
static lws_sorted_usec_list_t sul_tick;
static bool ticking;

static void on_answer(void *ud, const struct resolve_result *res)
{
	struct resolve **slot = ud;
	if (slot)
		*slot = NULL;
	answers++;
	last = *res;
	static char why[128];
	if (res->error) {
		snprintf(why, sizeof why, "%s", res->error);
		last.error = why;
	}
}

static void tick_cb(lws_sorted_usec_list_t *sul)
{
	ticks++;
	if (ticking)
		lws_sul_schedule(ctx, 0, sul, tick_cb, 20 * LWS_US_PER_MS);
}

/* Services the loop until *flag is non-zero or ms pass. */
static void run_until(const int *flag, int ms)
{
	lws_usec_t end = lws_now_usecs() + (lws_usec_t)ms * LWS_US_PER_MS;
	ticking = true;
	lws_sul_schedule(ctx, 0, &sul_tick, tick_cb, 20 * LWS_US_PER_MS);
	while (!*flag && lws_now_usecs() < end)
		lws_service(ctx, 0);
	ticking = false;
	lws_sul_cancel(&sul_tick);
}

static void wait_threads(void)
{
	for (int i = 0; i < 500 && resolve_threads_running(); i++)
		usleep(10000);
	assert_int_equal(resolve_threads_running(), 0);
}

/* ---- injected lookups --------------------------------------------------- */

static int lookups;
static unsigned slow_ms;

/* "irc.test" is 127.0.0.2 then 127.0.0.1; "slow.test" is 127.0.0.1 after
 * slow_ms; anything else does not exist. */
static int fake_lookup(const char *host, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	lookups++;
	if (!strcmp(host, "slow.test")) {
		usleep(slow_ms * 1000);
		return getaddrinfo("127.0.0.1", service, hints, res);
	}
	if (!strcmp(host, "irc.test")) {
		struct addrinfo *a = NULL, *b = NULL;
		int rc = getaddrinfo("127.0.0.2", service, hints, &a);
		if (rc)
			return rc;
		rc = getaddrinfo("127.0.0.1", service, hints, &b);
		if (rc) {
			freeaddrinfo(a);
			return rc;
		}
		struct addrinfo *t = a;
		while (t->ai_next)
			t = t->ai_next;
		t->ai_next = b;
		*res = a;
		return 0;
	}
	return EAI_NONAME;
}

static int setup(void **state)
{
	(void)state;
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	lws_set_log_level(LLL_ERR, NULL);
	ctx = lws_create_context(&info);
	answers = lookups = ticks = 0;
	memset(&last, 0, sizeof last);
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	wait_threads();
	resolve_set_lookup(NULL);
	lws_context_destroy(ctx);
	return 0;
}

/* ---- resolve ------------------------------------------------------------ */

static void numeric_answered_on_a_later_turn(void **state)
{
	(void)state;
	assert_true(resolve_is_numeric("192.0.2.7"));
	assert_true(resolve_is_numeric("2001:db8::1"));
	assert_false(resolve_is_numeric("irc.example.org"));
	assert_false(resolve_is_numeric("192.0.2.7.example"));
	struct resolve *r = resolve_start(ctx, "2001:db8::1", 6697, 1000, on_answer, &r);
	assert_int_equal(answers, 0); /* never from inside resolve_start */
	assert_int_equal(resolve_threads_running(), 0);
	run_until(&answers, 2000);
	assert_int_equal(answers, 1);
	assert_null(r);
	assert_null(last.error);
	assert_int_equal(last.n, 1);
	assert_string_equal(last.addr[0], "2001:db8::1");
}

static void localhost_through_the_system_resolver(void **state)
{
	(void)state;
	struct resolve *r = resolve_start(ctx, "localhost", 6667, 10000, on_answer, &r);
	assert_int_equal(answers, 0);
	run_until(&answers, 10000);
	assert_int_equal(answers, 1);
	assert_null(last.error);
	bool v4 = false;
	for (size_t i = 0; i < last.n; i++)
		v4 |= !strcmp(last.addr[i], "127.0.0.1");
	assert_true(v4);
}

static void the_loop_runs_while_a_lookup_is_slow(void **state)
{
	(void)state;
	resolve_set_lookup(fake_lookup);
	slow_ms = 600;
	struct resolve *r = resolve_start(ctx, "slow.test", 6667, 10000, on_answer, &r);
	run_until(&answers, 10000);
	assert_int_equal(answers, 1);
	assert_null(last.error);
	assert_string_equal(last.addr[0], "127.0.0.1");
	/* a 20 ms timer kept firing while the lookup slept 600 ms: the loop
	 * was never blocked (a blocking lookup would leave it at 0 or 1) */
	assert_true(ticks >= 5);
}

static void an_unknown_name_says_why(void **state)
{
	(void)state;
	resolve_set_lookup(fake_lookup);
	struct resolve *r = resolve_start(ctx, "nowhere.test", 6667, 10000, on_answer, &r);
	run_until(&answers, 10000);
	assert_int_equal(answers, 1);
	assert_int_equal(last.n, 0);
	assert_non_null(last.error);
	assert_string_equal(last.error, gai_strerror(EAI_NONAME));
}

static void a_lookup_past_its_time_gives_up(void **state)
{
	(void)state;
	resolve_set_lookup(fake_lookup);
	slow_ms = 800;
	struct resolve *r = resolve_start(ctx, "slow.test", 6667, 100, on_answer, &r);
	run_until(&answers, 5000);
	assert_int_equal(answers, 1);
	assert_non_null(last.error);
	assert_string_equal(last.error, "no answer in time");
	assert_int_equal(last.n, 0);
	/* the thread finishes alone and frees the job (teardown waits) */
}

static void a_cancelled_lookup_never_answers(void **state)
{
	(void)state;
	resolve_set_lookup(fake_lookup);
	slow_ms = 300;
	struct resolve *r = resolve_start(ctx, "slow.test", 6667, 10000, on_answer, NULL);
	struct resolve *n = resolve_start(ctx, "192.0.2.1", 6667, 10000, on_answer, NULL);
	assert_int_equal(resolve_threads_running(), 1);
	resolve_cancel(r);
	resolve_cancel(n);
	resolve_cancel(NULL);
	int never = 0;
	run_until(&never, 600);
	assert_int_equal(answers, 0);
	wait_threads();
	assert_int_equal(answers, 0);
}

/* ---- a link connecting by name ------------------------------------------ */

static int listen_on_loopback(int *port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1 only */
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s, 4), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	fcntl(s, F_SETFL, O_NONBLOCK);
	return s;
}

static int accepted = -1;
static int accept_flag;
static int listener = -1;
static lws_sorted_usec_list_t sul_accept;

static void accept_cb(lws_sorted_usec_list_t *sul)
{
	accepted = accept(listener, NULL, NULL);
	if (accepted >= 0)
		accept_flag = 1;
	else
		lws_sul_schedule(ctx, 0, sul, accept_cb, 10 * LWS_US_PER_MS);
}

static void a_link_tries_the_next_address(void **state)
{
	(void)state;
	resolve_set_lookup(fake_lookup);
	int port;
	listener = listen_on_loopback(&port);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	lws_context_destroy(ctx);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN;
	info.protocols = link_protocols();
	ctx = lws_create_context(&info);
	assert_non_null(ctx);

	struct config_network cfg = {
		.name = "t", .host = "irc.test", .port = port, .tls = false, .nick = "bot",
		.username = "bot", .realname = "bot", .pace_burst = 5, .pace_per_second = 1,
		.reconnect_min_seconds = 5, .reconnect_max_seconds = 10, .ping_seconds = 30,
	};
	const char *chans[] = {"#t"};
	struct link_hooks hooks = {0};
	struct buf err = BUF_INIT;
	struct link *l = link_new(ctx, &cfg, chans, 1, &hooks, &err);
	assert_non_null(l);
	link_start(l); /* returns at once: the lookup runs on its thread */
	accept_flag = 0;
	lws_sul_schedule(ctx, 0, &sul_accept, accept_cb, 10 * LWS_US_PER_MS);
	/* 127.0.0.2 refuses (the listener is on 127.0.0.1 only); the link goes
	 * on to 127.0.0.1 at once, well before its 5 s backoff */
	run_until(&accept_flag, 4000);
	assert_int_equal(accept_flag, 1);
	assert_int_equal(lookups, 1);
	int seen = 0;
	run_until(&seen, 300); /* let it connect and write its first lines */
	assert_int_equal(link_stats(l)->connects, 1);
	char got[512] = {0};
	ssize_t n = 0;
	for (int i = 0; i < 100 && n <= 0; i++) {
		n = recv(accepted, got, sizeof got - 1, MSG_DONTWAIT);
		if (n <= 0) {
			run_until(&seen, 20);
		}
	}
	assert_true(n > 0);
	assert_non_null(strstr(got, "CAP LS 302"));
	lws_sul_cancel(&sul_accept);
	close(accepted);
	close(listener);
	link_free(l);
	buf_free(&err);
}

/* ---- an HTTP request by name -------------------------------------------- */

static int http_done;
static struct http_response http_got;
static char http_body[64];

static void on_http(void *ud, const struct http_response *r)
{
	(void)ud;
	http_done = 1;
	http_got = *r;
	snprintf(http_body, sizeof http_body, "%s", r->body ? r->body : "");
	http_got.body = http_body;
	http_got.error = NULL;
}

/* A one-shot HTTP server on the accepted socket, polled from a timer. */
static struct buf http_req_in;
static lws_sorted_usec_list_t sul_serve;

static void serve_cb(lws_sorted_usec_list_t *sul)
{
	if (accepted < 0) {
		accepted = accept(listener, NULL, NULL);
	} else {
		char tmp[1024];
		ssize_t n = recv(accepted, tmp, sizeof tmp, MSG_DONTWAIT);
		if (n > 0)
			buf_add(&http_req_in, tmp, (size_t)n);
		if (http_req_in.len && strstr(buf_str(&http_req_in), "\r\n\r\n")) {
			static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
						   "Content-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}";
			assert_int_equal(send(accepted, resp, sizeof resp - 1, 0), (ssize_t)(sizeof resp - 1));
			close(accepted);
			accepted = -2; /* served */
			return;
		}
	}
	lws_sul_schedule(ctx, 0, sul, serve_cb, 10 * LWS_US_PER_MS);
}

static void an_http_request_tries_the_next_address(void **state)
{
	(void)state;
	resolve_set_lookup(fake_lookup);
	int port;
	listener = listen_on_loopback(&port);
	accepted = -1;
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	lws_context_destroy(ctx);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.protocols = http_protocols();
	ctx = lws_create_context(&info);
	assert_non_null(ctx);
	struct http_options o = {.name = "hs", .host = "irc.test", .port = port, .base_path = ""};
	struct buf err = BUF_INIT;
	struct http *h = http_new(ctx, &o, &err);
	assert_non_null(h);
	http_done = 0;
	struct http_request rq = {.method = "GET", .path = "/_matrix/client/versions", .timeout_s = 10};
	assert_true(http_send(h, &rq, on_http, NULL) > 0);
	assert_int_equal(http_done, 0);
	lws_sul_schedule(ctx, 0, &sul_serve, serve_cb, 10 * LWS_US_PER_MS);
	run_until(&http_done, 8000);
	assert_int_equal(http_done, 1);
	/* 127.0.0.2 refused; the same request went on to 127.0.0.1 */
	assert_int_equal(http_got.status, 200);
	assert_string_equal(http_body, "{\"ok\":true}");
	assert_non_null(strstr(buf_str(&http_req_in), "GET /_matrix/client/versions HTTP/1.1"));
	assert_non_null(strstr(buf_str(&http_req_in), "irc.test")); /* Host: the name, not the address */
	assert_int_equal(lookups, 1);
	lws_sul_cancel(&sul_serve);
	close(listener);
	http_free(h);
	buf_free(&err);
	buf_free(&http_req_in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(numeric_answered_on_a_later_turn, setup, teardown),
		cmocka_unit_test_setup_teardown(localhost_through_the_system_resolver, setup, teardown),
		cmocka_unit_test_setup_teardown(the_loop_runs_while_a_lookup_is_slow, setup, teardown),
		cmocka_unit_test_setup_teardown(an_unknown_name_says_why, setup, teardown),
		cmocka_unit_test_setup_teardown(a_lookup_past_its_time_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(a_cancelled_lookup_never_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(a_link_tries_the_next_address, setup, teardown),
		cmocka_unit_test_setup_teardown(an_http_request_tries_the_next_address, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
