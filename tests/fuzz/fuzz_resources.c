/* Fuzzes the resources plugin's link finder with arbitrary bytes, on its
 * own and through the whole plugin (a small host table that summarises
 * the input as a transcript, one line per '\n'). Properties checked:
 * - nothing crashes, leaks or reads out of bounds (ASan, LeakSanitizer);
 * - every link found is plain http(s) that the transcript accepts
 *   (transcript_url_ok), at most RESOURCES_URL_MAX bytes, pure ASCII,
 *   with no fragment, and its host, domain, path and display are ASCII,
 *   non-empty and consistent with it;
 * - finding links always moves forward, so it ends;
 * - every text the plugin adds to the summary is valid UTF-8 and every
 *   url it lists is accepted. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "resources/urls.h"
#include "rounds-plugin.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const struct rounds_plugin rounds_plugin;

static void check_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

static void check_url(const struct resources_url *u)
{
	if (!u->url || !transcript_url_ok(u->url) || strlen(u->url) > RESOURCES_URL_MAX)
		abort();
	if (strncmp(u->url, "https://", 8) && strncmp(u->url, "http://", 7))
		abort();
	check_ascii(u->url);
	check_ascii(u->host);
	check_ascii(u->domain);
	check_ascii(u->path);
	if (!*u->host || !*u->domain || u->path[0] != '/' || strchr(u->url, '#'))
		abort();
	if (!strstr(u->url, u->host) || !strstr(u->host, u->domain))
		abort();
	if (strlen(u->display) > RESOURCES_DISPLAY_MAX || !utf8_valid(u->display, strlen(u->display)))
		abort();
}

/* ---- a minimal host for the whole plugin -------------------------------- */

struct rounds_host {
	int unused;
};

struct rounds_summary {
	const char *const *lines;
	size_t n;
};

static rounds_summary_fn hooked;
static void *hooked_ud;
static rounds_destroy_fn hooked_destroy;

static void h_log(struct rounds_host *h, enum rounds_log level, const char *fmt, ...)
{
}

static const char *h_string(struct rounds_host *h, const char *key, const char *fallback)
{
	return fallback;
}

static double h_number(struct rounds_host *h, const char *key, double fallback)
{
	return fallback;
}

static bool h_bool(struct rounds_host *h, const char *key, bool fallback)
{
	return fallback;
}

static size_t h_strings(struct rounds_host *h, const char *key, const char *const **items)
{
	static const char *const extra[] = {"example.org/evidence", "HTTPS://www.Journal.example/"};
	*items = extra;
	return 2;
}

static int h_hook_summary(struct rounds_host *h, rounds_summary_fn fn, void *ud,
			  rounds_destroy_fn destroy)
{
	hooked = fn;
	hooked_ud = ud;
	hooked_destroy = destroy;
	return 1;
}

static const char *h_title(const struct rounds_summary *s)
{
	return "Fuzz chat";
}

static size_t h_messages(const struct rounds_summary *s)
{
	return s->n;
}

static bool h_message(const struct rounds_summary *s, size_t i, struct rounds_summary_message *out)
{
	static const char *const senders[] = {"alice", "bob", "rounds"};
	if (i >= s->n)
		return false;
	*out = (struct rounds_summary_message){
		.size = sizeof *out, .sender = senders[i % 3], .text = s->lines[i],
		.round = (int)(i % 5) - 1, .ts_ms = 1795118400000 + (int64_t)(i % 4) * 1000,
		.bot = i % 3 == 2, .parent = -1, .participant = i % 3 == 2 ? (size_t)-1 : i % 3};
	return true;
}

static size_t h_rounds(const struct rounds_summary *s)
{
	return 2;
}

static bool h_round(const struct rounds_summary *s, size_t i, struct rounds_summary_round *out)
{
	if (i >= 2)
		return false;
	*out = (struct rounds_summary_round){sizeof *out, (int)i + 1, i ? "Two" : NULL, 0, 0, 0};
	return true;
}

static size_t h_section(struct rounds_summary *s, const char *title)
{
	if (!utf8_valid(title, strlen(title)))
		abort();
	return 0;
}

static void h_paragraph(struct rounds_summary *s, size_t sec, const char *text)
{
	if (!utf8_valid(text, strlen(text)))
		abort();
}

static void h_list(struct rounds_summary *s, size_t sec, const char *const *texts,
		   const char *const *urls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!utf8_valid(texts[i], strlen(texts[i])) || !urls || !transcript_url_ok(urls[i]))
			abort();
}

static const struct rounds_api api = {
	.size = sizeof api, .abi_major = ROUNDS_PLUGIN_ABI_MAJOR, .abi_minor = ROUNDS_PLUGIN_ABI_MINOR,
	.log = h_log, .config_string = h_string, .config_number = h_number, .config_bool = h_bool,
	.config_strings = h_strings, .hook_summary = h_hook_summary, .summary_title = h_title,
	.summary_messages = h_messages, .summary_message = h_message, .summary_rounds = h_rounds,
	.summary_round = h_round, .section = h_section, .paragraph = h_paragraph, .list = h_list,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t pos = 0, last = 0;
	struct resources_url u;
	while (resources_url_next(text, size, &pos, &u)) {
		check_url(&u);
		if (pos <= last && last)
			abort();
		last = pos;
		resources_url_clear(&u);
	}
	if (pos != size)
		abort();

	/* the whole plugin, one line per '\n' */
	char *copy = malloc(size + 1);
	const char **lines = malloc((size + 1) * sizeof *lines);
	if (!copy || !lines)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	size_t n = 0;
	for (char *p = copy, *nl;; p = nl + 1) {
		lines[n++] = p;
		if (!(nl = strchr(p, '\n')))
			break;
		*nl = '\0';
	}
	struct rounds_host host = {0};
	const char *err = NULL;
	if (rounds_plugin.init(&host, &api, &err) != 0 || !hooked)
		abort();
	struct rounds_summary s = {lines, n};
	hooked(hooked_ud, &s);
	hooked_destroy(hooked_ud);
	hooked = NULL;
	free(lines);
	free(copy);
	return 0;
}
