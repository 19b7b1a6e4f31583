/* archive_bench: the archive as an organizer of a weekly chat has it after
 * ten years: CHATS chats of MESSAGES messages each (500 x 2,000 by
 * default), written through the store API with chat-like text, 3-5 rounds,
 * replies, a few opt-outs and verdicts, three time zones and a few chats
 * under pseudonyms. Then it measures, each phase in a child process of its
 * own so its peak memory is its own:
 *
 *   - publishing the whole archive into an empty directory (site.h), in
 *     one thread and with one rendering thread per core: seconds, CPU
 *     seconds, files and MB written, MB/s, peak memory;
 *   - publishing one chat (site_publish_chat), for its peak memory: the
 *     full publish should need no more (memory bounded by one chat);
 *   - publishing again with nothing changed, and regenerating (force);
 *   - full-text searches of the kind `rounds search` runs: search_run()
 *     itself (newest first), and for comparison the same MATCH ranked by
 *     relevance (ORDER BY rank, which rounds does not do: bm25 tokenizes
 *     every matching line again); median and 95th percentile.
 *
 * It prints figures next to the targets and asserts nothing. The store is
 * kept in DIR and reused when it is already there. ARCHIVE_BENCH_NO_SEARCH=1
 * skips the searches (minutes, on a big archive).
 *
 * usage: archive_bench [DIR [CHATS [MESSAGES]]] */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "buf.h"
#include "event.h"
#include "log.h"
#include "search.h"
#include "site.h"
#include "store.h"
#include "verdict.h"

#define PEOPLE 400
#define BASE_MS 1483470000000LL /* 2017-01-03T19:00:00Z, a Tuesday evening */
#define WEEK_MS (7LL * 24 * 3600 * 1000)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void words(char *out, size_t cap, int n, unsigned *seed)
{
	size_t len = 0;
	out[0] = '\0';
	for (int w = 0; w < n && len + 20 < cap; w++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", w ? " " : "",
					bench_words[bench_rand(seed) % BENCH_N_WORDS]);
}

static int store_event(struct store *st, int64_t chat, const char *room, int64_t ts, unsigned flags,
		       const char *nick, const char *account, const char *text, const char *msgid,
		       const char *reply_to, int round, int64_t *id)
{
	struct event ev = {.kind = EVENT_MESSAGE, .flags = flags, .network = "bench", .room = room,
			   .nick = nick, .account = account, .text = text, .msgid = msgid,
			   .reply_to = reply_to, .ts_ms = ts};
	struct buf key = BUF_INIT;
	const char *k = NULL;
	if (!(flags & EVENT_F_SELF)) {
		store_person_key(account, nick, &key);
		k = key.p;
	}
	int rc = store_add_event(st, &ev, k, chat, round, id);
	buf_free(&key);
	return rc == 1 ? 0 : -1;
}

/* One chat: an hour, an intro of five minutes, then 3-5 rounds. */
static int make_chat(struct store *st, int k, long n_msgs, unsigned *seed)
{
	static const char *const rooms[] = {"#hcsm", "#bcsm", "#meded"};
	static const char *const zones[] = {"America/New_York", "Europe/London", "UTC"};
	const char *room = rooms[k % 3];
	int64_t start = BASE_MS + (int64_t)k * WEEK_MS, hour = 3600000;
	char topic[200], title[260], text[400], nick[32], account[32], msgid[48], reply[48];
	words(topic, sizeof topic, 4, seed);
	snprintf(title, sizeof title, "Weekly chat %d: %s", k + 1, topic);
	int64_t chat = store_chat_open(st, "bench", room, room + 1, title, start, start + hour, "host01");
	if (chat < 0 || store_add_host(st, chat, "host01", false, NULL, start) ||
	    store_chat_options(st, chat, zones[k % 3], k % 10 == 9))
		return -1;
	int n_rounds = 3 + (int)(bench_rand(seed) % 3);
	int64_t intro = 5 * 60000, per_round = (hour - intro) / n_rounds;
	int n_people = 25 + (int)(bench_rand(seed) % 376), first = (int)(bench_rand(seed) % PEOPLE);
	int64_t ids[3] = {0};
	int round = 0;
	for (long i = 0; i < n_msgs; i++) {
		int64_t ts = start + i * hour / n_msgs;
		int now_round = ts - start < intro ? 0 : 1 + (int)((ts - start - intro) / per_round);
		if (now_round > n_rounds)
			now_round = n_rounds;
		while (round < now_round) {
			if (round > 0 && store_round_end(st, chat, round, ts))
				return -1;
			round++;
			words(topic, sizeof topic, 8, seed);
			if (store_round_start(st, chat, "bench", round, topic, NULL, (double)per_round / 60000, ts,
					      NULL))
				return -1;
			snprintf(text, sizeof text, "T%d: %s? Answer with A%d.", round, topic, round);
			if (store_event(st, chat, room, ts, EVENT_F_SELF, "rounds", NULL, text, NULL, NULL, round,
					NULL))
				return -1;
		}
		int who = (first + (int)(bench_rand(seed) % (unsigned)n_people)) % PEOPLE;
		snprintf(nick, sizeof nick, "person%03d", who);
		snprintf(account, sizeof account, "acct%03d", who);
		int n = round ? snprintf(text, sizeof text, "A%d ", round) : 0;
		words(text + n, sizeof text - (size_t)n, 6 + (int)(bench_rand(seed) % 22), seed);
		snprintf(msgid, sizeof msgid, "c%d-%ld", k, i);
		bool replies = i > 10 && bench_rand(seed) % 100 < 15;
		if (replies)
			snprintf(reply, sizeof reply, "c%d-%ld", k, i - 1 - (long)(bench_rand(seed) % 10));
		int64_t id;
		if (store_event(st, chat, room, ts, 0, nick, who % 10 < 7 ? account : NULL, text, msgid,
				replies ? reply : NULL, round, &id))
			return -1;
		if (i % (n_msgs / 3 + 1) == 7)
			ids[i / (n_msgs / 3 + 1) % 3] = id;
		if ((i + 1) % 150 == 0 && store_commit(st))
			return -1;
	}
	if (store_round_end(st, chat, round, start + hour))
		return -1;
	/* moderation: two lines with a span redacted, one removed */
	if ((ids[0] && store_add_verdict(st, ids[0], "privacy", VERDICT_REDACT, "phone", "[[3,9]]", start)) ||
	    (ids[1] && store_add_verdict(st, ids[1], "privacy", VERDICT_REDACT, "email", "[[0,2]]", start)) ||
	    (ids[2] && store_add_verdict(st, ids[2], "policy", VERDICT_HIDE, "spam", NULL, start)))
		return -1;
	if (store_chat_close(st, chat, start + hour, "the last topic ended", (uint64_t)n_msgs,
			     (uint64_t)n_people))
		return -1;
	return store_commit(st);
}

static int generate(const char *path, int chats, long msgs)
{
	struct store *st;
	struct buf err = BUF_INIT;
	if (store_open(path, &st, &err)) {
		fprintf(stderr, "archive_bench: %s\n", err.p);
		return -1;
	}
	unsigned seed = 42;
	for (int k = 0; k < chats; k++) {
		if (make_chat(st, k, msgs, &seed)) {
			fprintf(stderr, "archive_bench: could not write chat %d\n", k);
			return -1;
		}
		if (k % 50 == 49) {
			fprintf(stderr, "  %d chats written\n", k + 1);
			while (store_index_pending(st, 200000) > 0)
				;
		}
	}
	/* a few people opt out (each spoke in many chats) */
	for (int p = 0; p < 3; p++) {
		char key[32];
		snprintf(key, sizeof key, "a:acct%03d", 17 + 101 * p);
		if (store_set_optout(st, "bench", key, true, BASE_MS))
			return -1;
	}
	store_close(st); /* commits and indexes what is pending */
	buf_free(&err);
	return 0;
}

static int count_chats(const char *path)
{
	sqlite3 *db;
	int n = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM chats WHERE ended_ms IS NOT NULL", -1, &q,
				       NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
			n = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	return n;
}

/* What a measured phase reports back to the parent. */
struct result {
	int rc;
	double seconds;
	long peak_kb;
	double cpu_s; /* user + system */
	struct site_stats stats;
	double median_ms, p95_ms, raw_median_ms, raw_p95_ms;
	int queries;
	long hits;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static const char *const queries[] = {
	"burnout", "sleep", "nurse", "telehealth", "rural access", "patients care", "mental wellbeing",
	"tele*", "guide*", "handover checklist", "\"patients care\"", "trial -cancer", "equity funding",
	"empathy", "night shift", "diabetes", "privacy data", "mentor training", "feedback learning",
	"safety error", "culture language", "hospital ward staff", "communication", "evidence",
	"research trial", "clinic", "policy", "family support", "pain", "listen",
};
#define N_QUERIES (sizeof queries / sizeof queries[0])

static void count_hit(void *ud, const struct search_hit *h)
{
	(void)h;
	(*(long *)ud)++;
}

/* The same match ranked by relevance (bm25): what search_run would cost if
 * it ranked, for comparison. */
static const char sql_raw[] =
	"SELECT e.id, e.ts_ms, e.chat_id, e.nick, snippet(events_fts, 0, '[', ']', '...', 16)"
	" FROM events_fts JOIN events e ON e.id = events_fts.rowid"
	" WHERE events_fts MATCH ?1 ORDER BY rank LIMIT 20";

static void search_phase(sqlite3 *db, struct result *r)
{
	enum { ROUNDS = 5 };
	size_t n = N_QUERIES * ROUNDS;
	double *t = calloc(n, sizeof *t), *raw = calloc(n, sizeof *raw);
	struct buf err = BUF_INIT, expr = BUF_INIT;
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(db, sql_raw, -1, &q, NULL) != SQLITE_OK) {
		fprintf(stderr, "archive_bench: %s\n", sqlite3_errmsg(db));
		r->rc = -1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *text = queries[i % N_QUERIES];
		buf_clear(&expr);
		search_compile(text, &expr);
		double t0 = now_s();
		sqlite3_bind_text(q, 1, expr.p, (int)expr.len, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW)
			;
		sqlite3_reset(q);
		raw[i] = (now_s() - t0) * 1000;
		struct search_query sq = {.text = text, .limit = 20};
		t0 = now_s();
		if (search_run(db, &sq, count_hit, &r->hits, &err) < 0) {
			fprintf(stderr, "archive_bench: search %s: %s\n", text, err.p);
			buf_clear(&err);
		}
		t[i] = (now_s() - t0) * 1000;
	}
	sqlite3_finalize(q);
	qsort(t, n, sizeof *t, cmp_double);
	qsort(raw, n, sizeof *raw, cmp_double);
	r->queries = (int)n;
	r->median_ms = t[n / 2];
	r->p95_ms = t[n * 95 / 100];
	r->raw_median_ms = raw[n / 2];
	r->raw_p95_ms = raw[n * 95 / 100];
	free(t);
	free(raw);
	buf_free(&err);
	buf_free(&expr);
}

enum phase { P_PUBLISH, P_ONE, P_AGAIN, P_FORCE, P_SEARCH };

/* Runs one phase in a child process and returns what it measured. */
static struct result run(enum phase phase, const char *db_path, const char *out_dir, int64_t chat,
			 unsigned jobs)
{
	struct result r = {.rc = -1};
	int fd[2];
	if (pipe(fd))
		return r;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		struct store *st;
		struct buf err = BUF_INIT;
		if (store_open_readonly(db_path, &st, &err)) {
			fprintf(stderr, "archive_bench: %s\n", err.p);
			_exit(1);
		}
		struct site_options o = {.output_dir = out_dir, .title = "HCSM chats",
					 .base_url = "https://chats.example.org/hcsm", .force = phase == P_FORCE,
					 .jobs = jobs};
		double t0 = now_s(), cpu0 = bench_cpu_seconds();
		if (phase == P_SEARCH) {
			r.rc = 0;
			search_phase(store_db(st), &r);
		} else if (phase == P_ONE) {
			r.rc = site_publish_chat(store_db(st), chat, &o, &err);
		} else {
			r.rc = site_publish(store_db(st), &o, &r.stats, &err);
		}
		r.seconds = now_s() - t0;
		r.peak_kb = bench_peak_rss_kb();
		r.cpu_s = bench_cpu_seconds() - cpu0;
		if (r.rc)
			fprintf(stderr, "archive_bench: %s\n", err.p);
		store_close(st);
		if (write(fd[1], &r, sizeof r) != (ssize_t)sizeof r)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (pid < 0 || read(fd[0], &r, sizeof r) != (ssize_t)sizeof r)
		r.rc = -1;
	close(fd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return r;
}

static void machine(void)
{
	char model[256] = "unknown CPU", line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			snprintf(model, sizeof model, "%s", colon + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	long mem_kb = 0;
	f = fopen("/proc/meminfo", "r");
	if (f && fgets(line, sizeof line, f))
		sscanf(line, "MemTotal: %ld", &mem_kb);
	if (f)
		fclose(f);
	printf("machine: %s, %ld cores, %.1f GiB RAM\n", model, sysconf(_SC_NPROCESSORS_ONLN),
	       mem_kb / 1048576.0);
	printf("libs:    SQLite %s\n", sqlite3_libversion());
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp/rounds-archive-bench";
	int chats = argc > 2 ? atoi(argv[2]) : 500;
	long msgs = argc > 3 ? atol(argv[3]) : 2000;
	char db[600], out[600], cmd[2000];
	snprintf(db, sizeof db, "%s/archive.db", dir);
	snprintf(out, sizeof out, "%s/site", dir);
	log_set_level(LOG_WARN);
	store_global_init();
	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	machine();
	double gen = -1;
	if (count_chats(db) != chats) {
		snprintf(cmd, sizeof cmd, "rm -f '%s' '%s-wal' '%s-shm'", db, db, db);
		if (system(cmd))
			return 1;
		fprintf(stderr, "archive_bench: writing %d chats of %ld messages into %s\n", chats, msgs, db);
		double t0 = now_s();
		if (generate(db, chats, msgs))
			return 1;
		gen = now_s() - t0;
	}
	printf("archive: %d chats x %ld messages, store %.0f MB (%s", chats, msgs,
	       file_size(db) / 1048576.0, gen < 0 ? "reused" : "generated in ");
	if (gen >= 0)
		printf("%.0f s", gen);
	printf(")\n\n");

	unsigned cores = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
	if (system(cmd))
		return 1;
	struct result single = run(P_PUBLISH, db, out, 0, 1);
	double mb = single.stats.bytes_written / 1048576.0;
	printf("full publish, 1 process %6.2f s  (%.2f CPU s) %zu chats, %zu files, %.1f MB written, %.0f MB/s, "
	       "peak %.1f MB   (target < 5 s)\n",
	       single.seconds, single.cpu_s, single.stats.chats, single.stats.files_written, mb,
	       single.seconds > 0 ? mb / single.seconds : 0, single.peak_kb / 1024.0);
	if (system(cmd))
		return 1;
	struct result full = run(P_PUBLISH, db, out, 0, cores);
	mb = full.stats.bytes_written / 1048576.0;
	printf("full publish, jobs=%-4u %6.2f s  (%.2f CPU s) %zu chats, %zu files, %.1f MB written, %.0f MB/s, "
	       "peak %.1f MB   (target < 5 s)\n",
	       cores, full.seconds, full.cpu_s, full.stats.chats, full.stats.files_written, mb,
	       full.seconds > 0 ? mb / full.seconds : 0, full.peak_kb / 1024.0);
	struct result again = run(P_AGAIN, db, out, 0, cores);
	printf("re-publish unchanged   %7.3f s  (%.3f CPU s) %zu chats rendered, %zu files written, peak %.1f MB   "
	       "(target < 0.5 s)\n", again.seconds, again.cpu_s, again.stats.rendered, again.stats.files_written,
	       again.peak_kb / 1024.0);
	struct result force = run(P_FORCE, db, out, 0, cores);
	printf("regenerate, jobs=%-4u  %6.2f s  (%.2f CPU s) %zu chats rendered, %zu files written\n", cores,
	       force.seconds, force.cpu_s, force.stats.rendered, force.stats.files_written);
	struct result one = run(P_ONE, db, out, chats / 2, 1);
	printf("publish one chat       %7.3f s  peak %.1f MB; the 1-process full publish peaked at %.1f MB "
	       "  (target: bounded by one chat)\n", one.seconds, one.peak_kb / 1024.0,
	       single.peak_kb / 1024.0);
	const char *no_search = getenv("ARCHIVE_BENCH_NO_SEARCH");
	if (no_search && *no_search && strcmp(no_search, "0") != 0)
		return single.rc || full.rc || again.rc || force.rc || one.rc;
	struct result s = run(P_SEARCH, db, out, 0, 1);
	printf("search (rounds)      median %.2f ms, p95 %.2f ms over %d queries, %ld hits   (target median < 5 ms)\n",
	       s.median_ms, s.p95_ms, s.queries, s.hits);
	printf("  ranked by bm25     median %.2f ms, p95 %.2f ms (the same matches by relevance, for comparison)\n",
	       s.raw_median_ms, s.raw_p95_ms);
	int failed = single.rc || full.rc || again.rc || force.rc || one.rc || s.rc;
	return failed ? 1 : 0;
}
