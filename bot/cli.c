#include "cli.h"

#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot.h"
#include "clock.h"
#include "config.h"
#include "export.h"
#include "search.h"
#include "tz.h"
#include "log.h"
#include "store.h"
#include "version.h"

static const char usage_text[] =
	"usage: rounds COMMAND [OPTIONS]\n"
	"\n"
	"rounds runs timed topic chats (T1, T2, ... answered with A1, A2, ...) on IRC,\n"
	"keeps every line in a SQLite store and publishes transcripts.\n"
	"\n"
	"commands:\n"
	"  run -c FILE                 connect, run the configured chats until SIGINT/SIGTERM\n"
	"  check-config FILE           validate a config file and explain what it will do\n"
	"  chats -c FILE | --store DB  list the stored chats with their ids\n"
	"  export --chat ID --format md|json (-c FILE | --store DB) [-o FILE]\n"
	"                              print (or write) one chat's transcript\n"
	"  search QUERY [--chat ID] [--limit N] (-c FILE | --store DB)\n"
	"                              find published messages: words (all of them),\n"
	"                              \"a phrase\", prefix*, -not\n"
	"  --help, help                this text\n"
	"  --version                   the version\n"
	"\n"
	"Exit status: 0 success, 1 runtime failure, 2 bad usage or bad config.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("rounds: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'rounds --help'.\n", stderr);
	return 2;
}

/* Loads a config, printing every problem; NULL on failure. */
static struct config *load_config(const char *path)
{
	struct config *cfg;
	struct buf err = BUF_INIT;
	if (config_load(path, &cfg, &err) != 0) {
		fputs(err.p ? err.p : "unknown error\n", stderr);
		if (err.len && err.p[err.len - 1] != '\n')
			fputc('\n', stderr);
		buf_free(&err);
		return NULL;
	}
	buf_free(&err);
	return cfg;
}

static volatile sig_atomic_t stop_flag;

/* Only sets the flag: poll() returns with EINTR (no SA_RESTART) and the
 * loop, which also wakes every second, sees it. */
static void on_signal(int sig)
{
	stop_flag = sig;
}

static int cmd_run(int argc, char **argv)
{
	const char *path = NULL;
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'}, {0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (ch == 'c')
			path = optarg;
		else
			return usage_error("run: unknown option");
	}
	if (!path || optind != argc)
		return usage_error("run needs -c FILE");
	struct config *cfg = load_config(path);
	if (!cfg)
		return 2;
	enum log_level level;
	if (log_level_parse(cfg->log_level, &level))
		log_set_level(level);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* reloading on SIGHUP comes with the plugin host; until then a stray
	 * HUP (a closed terminal) must not kill a running chat */
	signal(SIGHUP, SIG_IGN);

	log_info("rounds %s starting with %s", ROUNDS_VERSION, path);
	int rc = bot_run(cfg, &stop_flag);
	if (rc == 0 && stop_flag)
		log_info("stopped by signal %d", (int)stop_flag);
	config_free(cfg);
	return rc == 0 ? 0 : 1;
}

static int cmd_check_config(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("check-config needs exactly one FILE");
	struct config *cfg = load_config(argv[1]);
	if (!cfg)
		return 2;
	struct buf out = BUF_INIT;
	config_explain(cfg, &out);
	printf("%s: OK\n%s", argv[1], out.p ? out.p : "");
	if (out.len && out.p[out.len - 1] != '\n')
		putchar('\n');
	buf_free(&out);
	config_free(cfg);
	return 0;
}

/* Opens the store named by -c FILE or --store DB, read only: safe while
 * the bot runs, and a mistyped path is an error, not a new empty store.
 * Sets *status to the exit status on failure (2: bad config, 1: store). */
static struct store *open_store(const char *config_path, const char *store_path, int *status)
{
	struct config *cfg = NULL;
	if (config_path) {
		cfg = load_config(config_path);
		if (!cfg) {
			*status = 2;
			return NULL;
		}
		store_path = cfg->store_path;
	}
	struct store *st = NULL;
	struct buf err = BUF_INIT;
	if (store_open_readonly(store_path, &st, &err) != 0) {
		fprintf(stderr, "rounds: %s\n", err.p);
		*status = 1;
	}
	buf_free(&err);
	config_free(cfg);
	return st;
}

static int cmd_chats(int argc, char **argv)
{
	const char *config_path = NULL, *store_path = NULL;
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
					     {"store", required_argument, NULL, 's'}, {0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (ch == 'c')
			config_path = optarg;
		else if (ch == 's')
			store_path = optarg;
		else
			return usage_error("chats: unknown option");
	}
	if (!!config_path == !!store_path || optind != argc)
		return usage_error("chats needs -c FILE or --store DB");
	store_global_init();
	int status = 0;
	struct store *st = open_store(config_path, store_path, &status);
	if (!st)
		return status;
	sqlite3_stmt *q;
	sqlite3_prepare_v2(store_db(st),
			   "SELECT c.id, c.name, r.network, r.name, c.title, c.started_ms, c.ended_ms,"
			   " c.messages, c.participants, c.transcript FROM chats c"
			   " JOIN rooms r ON r.id = c.room_id ORDER BY c.id", -1, &q, NULL);
	printf("%-5s %-24s %-20s %-8s %-8s %s\n", "ID", "STARTED (UTC)", "ROOM", "MESSAGES", "PEOPLE", "TITLE");
	while (sqlite3_step(q) == SQLITE_ROW) {
		char when[25];
		clock_format_iso(sqlite3_column_int64(q, 5), when);
		char room[64];
		snprintf(room, sizeof room, "%s/%s", (const char *)sqlite3_column_text(q, 2),
			 (const char *)sqlite3_column_text(q, 3));
		printf("%-5lld %-24s %-20s %-8lld %-8lld %s%s\n", (long long)sqlite3_column_int64(q, 0),
		       when, room, (long long)sqlite3_column_int64(q, 7),
		       (long long)sqlite3_column_int64(q, 8), (const char *)sqlite3_column_text(q, 4),
		       sqlite3_column_type(q, 6) == SQLITE_NULL ? " (not ended)" : "");
	}
	sqlite3_finalize(q);
	store_close(st);
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	const char *config_path = NULL, *store_path = NULL, *format = NULL, *out_path = NULL;
	const char *chat = NULL;
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"store", required_argument, NULL, 's'},
		{"chat", required_argument, NULL, 'i'},   {"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'}, {0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:o:f:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 's': store_path = optarg; break;
		case 'i': chat = optarg; break;
		case 'f': format = optarg; break;
		case 'o': out_path = optarg; break;
		default: return usage_error("export: unknown option");
		}
	}
	if (!chat || !format || optind != argc)
		return usage_error("export needs --chat ID and --format md|json");
	if (!!config_path == !!store_path)
		return usage_error("export needs -c FILE or --store DB");
	char *end;
	errno = 0;
	long long id = strtoll(chat, &end, 10);
	if (errno || *end || id <= 0)
		return usage_error("export: --chat wants a chat id (a positive number; see 'rounds chats'), got '%s'", chat);
	int fmt = export_format_parse(format);
	if (fmt < 0)
		return usage_error("export: --format wants md or json, got '%s'", format);
	store_global_init();
	int status = 0;
	struct store *st = open_store(config_path, store_path, &status);
	if (!st)
		return status;
	struct buf out = BUF_INIT, err = BUF_INIT;
	int rc = 0;
	if (export_render(store_db(st), id, (enum export_format)fmt, &out, &err) != 0) {
		fprintf(stderr, "rounds: %s\n", err.p);
		rc = 1;
	} else if (out_path) {
		FILE *f = fopen(out_path, "w");
		if (!f || fwrite(out.p, 1, out.len, f) != out.len || fclose(f) != 0) {
			fprintf(stderr, "rounds: cannot write %s: %s\n", out_path, strerror(errno));
			rc = 1;
		}
	} else {
		fwrite(out.p, 1, out.len, stdout);
	}
	buf_free(&out);
	buf_free(&err);
	store_close(st);
	return rc;
}

struct search_out {
	bool tty;
	size_t n;
};

static void print_hit(void *ud, const struct search_hit *h)
{
	struct search_out *o = ud;
	struct buf line = BUF_INIT, err = BUF_INIT;
	struct tz *zone = NULL;
	if (tz_load(h->timezone, &zone, &err) == 0) {
		tz_format_local(zone, h->ts_ms, 0, &line);
	} else { /* a zone the system no longer knows: UTC then */
		char iso[25];
		clock_format_iso(h->ts_ms, iso);
		buf_adds(&line, iso);
	}
	tz_free(zone);
	if (o->n++)
		putchar('\n');
	if (h->chat_id)
		printf("chat %lld \"%s\"", (long long)h->chat_id, h->chat_title ? h->chat_title : "");
	else
		printf("%s (no chat)", h->room);
	if (h->round == 0)
		printf(" · introductions");
	else if (h->round > 0)
		printf(" · T%d%s%s", h->round, h->topic ? ": " : "", h->topic ? h->topic : "");
	printf(" · %s · %s\n    %s\n", buf_str(&line), h->sender, h->snippet);
	buf_free(&line);
	buf_free(&err);
}

static int cmd_search(int argc, char **argv)
{
	const char *config_path = NULL, *store_path = NULL, *chat = NULL, *limit = NULL;
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"store", required_argument, NULL, 's'},
		{"chat", required_argument, NULL, 'i'},   {"limit", required_argument, NULL, 'n'}, {0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:n:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 's': store_path = optarg; break;
		case 'i': chat = optarg; break;
		case 'n': limit = optarg; break;
		default: return usage_error("search: unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("search needs a QUERY");
	if (!!config_path == !!store_path)
		return usage_error("search needs -c FILE or --store DB");
	struct buf text = BUF_INIT;
	for (int i = optind; i < argc; i++)
		buf_printf(&text, "%s%s", i > optind ? " " : "", argv[i]);
	long long chat_id = 0, n = 20;
	char *end;
	if (chat && ((chat_id = strtoll(chat, &end, 10)) <= 0 || *end)) {
		buf_free(&text);
		return usage_error("search: --chat wants a chat id (see 'rounds chats'), got '%s'", chat);
	}
	if (limit && ((n = strtoll(limit, &end, 10)) <= 0 || n > 1000 || *end)) {
		buf_free(&text);
		return usage_error("search: --limit wants a number from 1 to 1000, got '%s'", limit);
	}
	store_global_init();
	int status = 0;
	struct store *st = open_store(config_path, store_path, &status);
	if (!st) {
		buf_free(&text);
		return status;
	}
	struct search_out out = {.tty = isatty(STDOUT_FILENO)};
	/* bold on a terminal, brackets in a pipe or file */
	struct search_query q = {.text = text.p, .chat_id = chat_id, .limit = (size_t)n,
				 .mark_open = out.tty ? "\033[1m" : "[",
				 .mark_close = out.tty ? "\033[0m" : "]"};
	struct buf err = BUF_INIT;
	int found = search_run(store_db(st), &q, print_hit, &out, &err);
	int rc = 0;
	if (found < 0) {
		fprintf(stderr, "rounds: %s\n", err.p);
		rc = err.len && strstr(err.p, "nothing to search for") ? 2 : 1;
	} else if (found == 0) {
		fprintf(stderr, "rounds: no messages match\n");
		rc = 1;
	}
	buf_free(&err);
	buf_free(&text);
	store_close(st);
	return rc;
}

int cli_main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("no command given");
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("rounds %s\n", ROUNDS_VERSION);
		return 0;
	}
	if (strcmp(cmd, "run") == 0) {
		store_global_init();
		return cmd_run(argc - 1, argv + 1);
	}
	if (strcmp(cmd, "check-config") == 0)
		return cmd_check_config(argc - 1, argv + 1);
	if (strcmp(cmd, "chats") == 0)
		return cmd_chats(argc - 1, argv + 1);
	if (strcmp(cmd, "export") == 0)
		return cmd_export(argc - 1, argv + 1);
	if (strcmp(cmd, "search") == 0)
		return cmd_search(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", cmd);
}
