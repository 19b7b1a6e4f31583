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
#include "site.h"
#include "tz.h"
#include "log.h"
#include "mem.h"
#include "plugin.h"
#include "schedule.h"
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
	"                              (SIGHUP: read FILE again and reload the plugins)\n"
	"  check-config FILE           validate a config file and explain what it will do\n"
	"  chats -c FILE | --store DB  list the stored chats with their ids\n"
	"  export --chat ID --format md|json|html|txt (-c FILE | --store DB) [-o FILE]\n"
	"                              print (or write) one chat's transcript (with -c, with\n"
	"                              the summaries of the chat's plugins)\n"
	"  publish -c FILE [--out DIR] [--jobs N] [--force]\n"
	"                              publish the archive: every ended chat that changed\n"
	"                              (HTML, Markdown, text, JSON), the index and the feed\n"
	"  regenerate -c FILE [--out DIR] [--jobs N]\n"
	"                              render every chat again (after a tzdata or plugin update)\n"
	"  search QUERY [--chat ID] [--limit N] (-c FILE | --store DB)\n"
	"                              find published messages: words (all of them),\n"
	"                              \"a phrase\", prefix*, -not\n"
	"  schedule -c FILE [--chat NAME] [--count N] [--from \"YYYY-MM-DD HH:MM\"]\n"
	"                              list the next N (default 3) scheduled openings of each\n"
	"                              chat and the reminders before them (from now, or from\n"
	"                              the UTC time given)\n"
	"  check-plugin FILE [--config JSON]\n"
	"                              load a plugin as the bot would and say what it offers\n"
	"                              (or why it is refused)\n"
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

/* Loads a config, printing every problem; NULL on failure. offline: for
 * commands that never connect, which do not need the SASL password. */
static struct config *load_config(const char *path, bool offline)
{
	struct config *cfg;
	struct buf err = BUF_INIT;
	if ((offline ? config_load_offline(path, &cfg, &err) : config_load(path, &cfg, &err)) != 0) {
		fputs(err.p ? err.p : "unknown error\n", stderr);
		if (err.len && err.p[err.len - 1] != '\n')
			fputc('\n', stderr);
		buf_free(&err);
		return NULL;
	}
	buf_free(&err);
	return cfg;
}

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_hup(int sig)
{
	(void)sig;
	reload_flag = 1;
}

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
	struct config *cfg = load_config(path, false);
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
	/* a file-size limit is then an error the store survives (its writes
	 * are kept and retried, as on a full disk), not a kill */
	signal(SIGXFSZ, SIG_IGN);
	/* SIGHUP: read the config again and reload the plugins */
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);

	log_info("rounds %s starting with %s", ROUNDS_VERSION, path);
	int rc = bot_run(cfg, &stop_flag, &reload_flag);
	if (rc == 0 && stop_flag)
		log_info("stopped by signal %d", (int)stop_flag);
	config_free(cfg);
	return rc == 0 ? 0 : 1;
}

static int cmd_check_config(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("check-config needs exactly one FILE");
	struct config *cfg = load_config(argv[1], false);
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

/* The plugins of every chat in cfg, for summaries without a network
 * (timers stay idle); a plugin that is refused is reported and left out. */
static struct plugins *offline_plugins(const struct config *cfg)
{
	enum log_level level = log_get_level();
	log_set_level(LOG_WARN); /* "loaded ..." lines are for the daemon's log */
	struct plugins *p = plugins_new(NULL);
	plugins_load_config(p, cfg);
	log_set_level(level);
	return p;
}

/* Opens the store named by -c FILE or --store DB, read only: safe while
 * the bot runs, and a mistyped path is an error, not a new empty store.
 * Sets *status to the exit status on failure (2: bad config, 1: store). */
static struct store *open_store(const char *config_path, const char *store_path, int *status)
{
	struct config *cfg = NULL;
	if (config_path) {
		cfg = load_config(config_path, true);
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
		return usage_error("export needs --chat ID and --format md|json|html|txt");
	if (!!config_path == !!store_path)
		return usage_error("export needs -c FILE or --store DB");
	char *end;
	errno = 0;
	long long id = strtoll(chat, &end, 10);
	if (errno || *end || id <= 0)
		return usage_error("export: --chat wants a chat id (a positive number; see 'rounds chats'), got '%s'", chat);
	int fmt = export_format_parse(format);
	if (fmt < 0)
		return usage_error("export: --format wants md, json, html or txt, got '%s'", format);
	store_global_init();
	int status = 0;
	struct config *cfg = NULL;
	struct plugins *plugins = NULL;
	if (config_path) {
		/* the chat's summary plugins add their sections, as when published */
		if (!(cfg = load_config(config_path, true)))
			return 2;
		plugins = offline_plugins(cfg);
		store_path = cfg->store_path;
	}
	struct store *st = open_store(NULL, store_path, &status);
	if (!st) {
		plugins_free(plugins);
		config_free(cfg);
		return status;
	}
	struct buf out = BUF_INIT, err = BUF_INIT;
	int rc = 0;
	if (export_render(store_db(st), id, (enum export_format)fmt, plugins ? plugins_summarize_cb : NULL,
			  plugins, &out, &err) != 0) {
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
	plugins_free(plugins);
	config_free(cfg);
	return rc;
}

/* publish and regenerate: the archive from the store, with the summary
 * sections of each chat's plugins. */
static int cmd_publish(int argc, char **argv, bool force)
{
	const char *config_path = NULL, *out_dir = NULL, *jobs_arg = NULL;
	const char *name = force ? "regenerate" : "publish";
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"out", required_argument, NULL, 'o'},
		{"jobs", required_argument, NULL, 'j'},   {"force", no_argument, NULL, 'F'}, {0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:o:j:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'o': out_dir = optarg; break;
		case 'j': jobs_arg = optarg; break;
		case 'F': force = true; break;
		default: return usage_error("%s: unknown option", name);
		}
	}
	if (!config_path || optind != argc)
		return usage_error("%s needs -c FILE", name);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long long jobs = cpus > 0 ? cpus : 1;
	char *end;
	if (jobs_arg && ((jobs = strtoll(jobs_arg, &end, 10)) < 1 || jobs > 64 || *end))
		return usage_error("%s: --jobs wants a number from 1 to 64, got '%s'", name, jobs_arg);
	struct config *cfg = load_config(config_path, true);
	if (!cfg)
		return 2;
	store_global_init();
	int status = 0;
	struct store *st = open_store(NULL, cfg->store_path, &status);
	if (!st) {
		config_free(cfg);
		return status;
	}
	struct plugins *plugins = offline_plugins(cfg);
	struct buf key = BUF_INIT, err = BUF_INIT;
	plugins_summary_key(plugins, &key);
	struct site_options o = {
		.output_dir = out_dir ? out_dir : cfg->output_dir, .base_url = cfg->base_url,
		.title = cfg->archive_title, .force = force, .jobs = (unsigned)jobs,
		.summarize = plugins_summarize_cb, .summarize_ud = plugins, .summary_key = buf_str(&key),
	};
	struct site_stats stats = {0};
	int rc = 0;
	if (site_publish(store_db(st), &o, &stats, &err) != 0) {
		fprintf(stderr, "rounds: %s: %s\n", name, err.p);
		rc = 1;
	} else {
		printf("%s: %zu chat%s in %s/index.html; %zu rendered, %zu file%s written (%zu bytes), "
		       "%zu unchanged\n", name, stats.chats, stats.chats == 1 ? "" : "s", o.output_dir,
		       stats.rendered, stats.files_written, stats.files_written == 1 ? "" : "s",
		       stats.bytes_written, stats.files_unchanged);
	}
	buf_free(&key);
	buf_free(&err);
	store_close(st);
	plugins_free(plugins);
	config_free(cfg);
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

/* Loads one plugin (for a chat named "check", no network): the ABI checks
 * and its init run exactly as in the bot. */
static int cmd_check_plugin(int argc, char **argv)
{
	const char *json = "{}";
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'}, {0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (ch == 'c')
			json = optarg;
		else
			return usage_error("check-plugin: unknown option");
	}
	if (optind + 1 != argc)
		return usage_error("check-plugin needs exactly one FILE (a shared object)");
	char *path = argv[optind];
	char *abs = path[0] == '/' ? strdup(path) : realpath(path, NULL);
	if (!abs) {
		fprintf(stderr, "rounds: %s: %s\n", path, strerror(errno));
		return 1;
	}
	log_set_level(LOG_WARN);
	struct plugins *p = plugins_new(NULL);
	struct config_plugin cp = {NULL, abs, (char *)json};
	struct buf err = BUF_INIT, out = BUF_INIT;
	int rc = 0;
	if (plugins_load(p, "check", &cp, &err) != 0) {
		fprintf(stderr, "rounds: %s\n", err.p);
		rc = 1;
	} else {
		plugins_describe(p, "check", &out);
		printf("%s: OK (this bot: plugin ABI %d.%d)\n  %s\n", abs, ROUNDS_PLUGIN_ABI_MAJOR,
		       ROUNDS_PLUGIN_ABI_MINOR, out.p);
		buf_clear(&out);
		plugins_help(p, "check", true, "!", &out);
		printf("  moderates lines: %s\n", plugins_moderates(p, "check") ? "yes" : "no");
		if (out.len)
			printf("  commands:\n");
		for (char *line = out.p, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			printf("    %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
		}
	}
	buf_free(&err);
	buf_free(&out);
	plugins_free(p);
	free(abs);
	return rc;
}

/* One line of `rounds schedule`. */
struct sched_item {
	int64_t t;
	double reminder; /* minutes before; 0 for the opening itself */
};

static int sched_item_cmp(const void *a, const void *b)
{
	const struct sched_item *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t ? 1 : 0;
}

static void print_schedule(const struct config *cfg, const struct config_chat *c, int64_t from, int count)
{
	const struct config_network *net = &cfg->networks[c->network_index];
	printf("%s: %s (%s on %s)\n", c->name, c->title ? c->title : c->name, c->room, net->name);
	if (!c->schedule) {
		printf("  no schedule: a host opens it with %sstart\n\n", c->prefix);
		return;
	}
	struct tz *z = NULL;
	struct buf line = BUF_INIT;
	if (tz_load(c->timezone, &z, &line) != 0) {
		printf("  cannot compute its times: %s\n\n", line.p);
		buf_free(&line);
		return;
	}
	schedule_describe(c->schedule, &line);
	printf("  %s, in %s\n", line.p, c->timezone);
	struct sched_item *items = mem_calloc((size_t)count * (c->n_reminders + 1), sizeof *items);
	size_t n = 0;
	int64_t after = from;
	int opens = 0;
	for (; opens < count; opens++) {
		int64_t t;
		if (schedule_next(c->schedule, z, after, &t) != 0)
			break;
		items[n++] = (struct sched_item){t, 0};
		for (size_t i = 0; i < c->n_reminders; i++) {
			int64_t r = t - (int64_t)(c->reminders[i] * 60000);
			if (r > from)
				items[n++] = (struct sched_item){r, c->reminders[i]};
		}
		after = t;
	}
	qsort(items, n, sizeof *items, sched_item_cmp);
	for (size_t i = 0; i < n; i++) {
		buf_clear(&line);
		schedule_format_when(&line, z, items[i].t);
		if (items[i].reminder > 0) {
			buf_adds(&line, "  reminder, ");
			schedule_format_duration(&line, (int64_t)(items[i].reminder * 60000));
			buf_adds(&line, " before");
		} else {
			buf_adds(&line, "  the chat opens");
		}
		printf("  %s\n", line.p);
	}
	if (!opens)
		printf("  no chat left to open\n");
	printf("\n");
	free(items);
	buf_free(&line);
	tz_free(z);
}

static int cmd_schedule(int argc, char **argv)
{
	const char *config_path = NULL, *chat = NULL, *count_arg = NULL, *from_arg = NULL;
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"chat", required_argument, NULL, 'i'},
		{"count", required_argument, NULL, 'n'},  {"from", required_argument, NULL, 'f'}, {0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'i': chat = optarg; break;
		case 'n': count_arg = optarg; break;
		case 'f': from_arg = optarg; break;
		default: return usage_error("schedule: unknown option");
		}
	}
	if (!config_path || optind != argc)
		return usage_error("schedule needs -c FILE");
	long long count = 3;
	char *end;
	if (count_arg && ((count = strtoll(count_arg, &end, 10)) < 1 || count > 1000 || *end))
		return usage_error("schedule: --count wants a number from 1 to 1000, got '%s'", count_arg);
	int64_t from = clock_wall_ms();
	if (from_arg) {
		struct schedule_once o;
		if (!schedule_parse_once(from_arg, &o))
			return usage_error("schedule: --from wants a UTC date and time \"YYYY-MM-DD HH:MM\" "
					   "(or a date), got '%s'", from_arg);
		from = (tz_days_from_civil(o.date.year, o.date.month, o.date.day) * 86400 + o.hour * 3600 +
			o.minute * 60 + o.second) * 1000;
	}
	struct config *cfg = load_config(config_path, true);
	if (!cfg)
		return 2;
	if (chat && !config_chat_by_name(cfg, chat)) {
		config_free(cfg);
		return usage_error("schedule: no chat named '%s' in %s", chat, config_path);
	}
	char now[25];
	clock_format_iso(from, now);
	printf("Scheduled chats after %s (UTC):\n\n", now);
	for (size_t i = 0; i < cfg->n_chats; i++)
		if (!chat || strcmp(cfg->chats[i].name, chat) == 0)
			print_schedule(cfg, &cfg->chats[i], from, (int)count);
	config_free(cfg);
	return 0;
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
	if (strcmp(cmd, "publish") == 0)
		return cmd_publish(argc - 1, argv + 1, false);
	if (strcmp(cmd, "regenerate") == 0)
		return cmd_publish(argc - 1, argv + 1, true);
	if (strcmp(cmd, "check-plugin") == 0)
		return cmd_check_plugin(argc - 1, argv + 1);
	if (strcmp(cmd, "schedule") == 0)
		return cmd_schedule(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", cmd);
}
